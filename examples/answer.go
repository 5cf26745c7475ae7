package examples

import (
	"fmt"
	"strings"
)

// Answer is the simulated answer to one question: the answer in one line,
// the evidence behind it, the facts of FACTS.md it rests on and a Mermaid
// diagram of the key hierarchy involved. Every field is computed by running
// a scenario; none holds key material.
type Answer struct {
	// Number is the question's number, 1 to 22.
	Number int `json:"number"`
	// Question is the question as an auditor would ask it.
	Question string `json:"question"`
	// Answer is the one-line answer, built from the computed values.
	Answer string `json:"answer"`
	// Evidence lists, one line each, the verdicts (vantage, artifact,
	// layers, keys), the refusals (operation, fact, error class) and the
	// audit-log counts the answer comes from.
	Evidence []string `json:"evidence"`
	// Facts are the FACTS.md facts behind the evidence, in numeric order.
	Facts []string `json:"facts"`
	// Table, when set, is a side-by-side view computed by the scenario.
	Table *Table `json:"table,omitempty"`
	// Diagram is a Mermaid flowchart of the key hierarchy: key-encryption
	// keys wrap DEKs that encrypt disks, BEK secrets unlock volumes.
	Diagram string `json:"diagram"`
	// Missing names what the question needs that package lifecycle does not
	// model yet; empty when the answer is complete.
	Missing []string `json:"missing,omitempty"`
}

// Table is a small table of computed cells.
type Table struct {
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// String returns the compact text form of the answer, as the Examples
// print it: the question, the answer, the evidence, the table, the facts
// and what is missing. The diagram is left out.
func (a Answer) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Q%d. %s\n", a.Number, a.Question)
	fmt.Fprintf(&b, "A: %s\n", a.Answer)
	for _, e := range a.Evidence {
		fmt.Fprintf(&b, "  - %s\n", e)
	}
	if a.Table != nil {
		b.WriteString(a.Table.text("  "))
	}
	fmt.Fprintf(&b, "  facts: %s\n", strings.Join(a.Facts, " "))
	for _, m := range a.Missing {
		fmt.Fprintf(&b, "  missing: %s\n", m)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// text renders the table with aligned columns, each line prefixed.
func (t *Table) text(prefix string) string {
	width := make([]int, len(t.Header))
	for i, h := range t.Header {
		width[i] = len([]rune(h))
	}
	for _, r := range t.Rows {
		for i, c := range r {
			if i < len(width) && len([]rune(c)) > width[i] {
				width[i] = len([]rune(c))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString(prefix)
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))))
			}
		}
		b.WriteString("\n")
	}
	line(t.Header)
	for _, r := range t.Rows {
		line(r)
	}
	return b.String()
}

// Text renders the table as aligned plain text.
func (t *Table) Text() string { return t.text("") }

// Markdown renders the table as a Markdown table.
func (t *Table) Markdown() string {
	var b strings.Builder
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + esc(c) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Header)
	b.WriteString("|")
	for range t.Header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		row(r)
	}
	return b.String()
}

// yesNo says "yes" or "no".
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// verdictWord is the leading word of an answer made of several outcomes:
// "yes" when every outcome holds, "no" when none does, "partly" when they
// are mixed, and "n/a" when there is no outcome to judge. An answer that
// starts with it flips when the simulation does.
func verdictWord(outcomes ...bool) string {
	n := 0
	for _, o := range outcomes {
		if o {
			n++
		}
	}
	switch {
	case len(outcomes) == 0:
		return "n/a"
	case n == len(outcomes):
		return "yes"
	case n == 0:
		return "no"
	}
	return "partly"
}
