// Command faq runs every scenario of package examples and prints the
// report: for each question, the answer in one line computed by the
// simulation, the evidence (layers and key chain of each verdict, refusals
// with their facts, audit-log counts), the facts of FACTS.md it rests on
// and a Mermaid diagram of the key hierarchy.
//
//	go run ./examples/faq                  # Markdown on standard output
//	go run ./examples/faq -format json -o faq.json
//	go run ./examples/faq -q 5 -format text
//
// The same seed gives the same report, byte for byte. When standard error
// is a terminal, a progress line shows which scenario runs; otherwise
// nothing is written to it. Bad flags or question numbers print the usage
// and exit with status 2.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/atrest-sim/atrest/examples"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// isTerminal reports whether w is a file open on a character device (a
// terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// config is the parsed command line.
type config struct {
	format string
	out    string
	seed   uint64
	q      int
}

// parse parses the arguments; errors are usage errors.
func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("faq", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.format, "format", "markdown", "output format: markdown, json or text")
	fs.StringVar(&c.out, "o", "", "write the report to `FILE` instead of standard output")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of every simulated world")
	fs.IntVar(&c.q, "q", 0, "answer only question `N` (1-22); 0 answers all")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: faq [-format markdown|json|text] [-o FILE] [-seed N] [-q N]\n\n"+
			"Runs the simulated scenarios that answer the encryption-at-rest questions and prints the report.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var bad string
	switch {
	case fs.NArg() > 0:
		bad = fmt.Sprintf("unexpected argument %q", fs.Arg(0))
	case c.format != "markdown" && c.format != "json" && c.format != "text":
		bad = fmt.Sprintf("unknown format %q", c.format)
	case c.q < 0 || c.q > len(examples.Questions()):
		bad = fmt.Sprintf("no question %d (there are %d)", c.q, len(examples.Questions()))
	}
	if bad != "" {
		fmt.Fprintln(stderr, "faq:", bad)
		fs.Usage()
		return c, errors.New(bad)
	}
	return c, nil
}

// run is the program: it returns the exit status (0, 1 for a failed
// scenario or write, 2 for a usage error). The progress line goes to
// stderr only when it is a terminal.
func run(args []string, stdout, stderr io.Writer) int {
	progress := isTerminal(stderr)
	c, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	answers, err := answer(c, stderr, progress)
	if err != nil {
		fmt.Fprintln(stderr, "faq:", err)
		return 1
	}
	var b bytes.Buffer
	switch c.format {
	case "json":
		err = writeJSON(&b, answers)
	case "text":
		writeText(&b, answers)
	default:
		writeMarkdown(&b, answers, c.seed)
	}
	if err == nil {
		if c.out != "" {
			err = os.WriteFile(c.out, b.Bytes(), 0o644)
		} else {
			_, err = stdout.Write(b.Bytes())
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "faq:", err)
		return 1
	}
	return 0
}

// answer runs the selected scenarios in order.
func answer(c config, stderr io.Writer, progress bool) ([]examples.Answer, error) {
	var out []examples.Answer
	qs := examples.Questions()
	for _, q := range qs {
		if c.q != 0 && q.Number != c.q {
			continue
		}
		if progress {
			fmt.Fprintf(stderr, "\rfaq: question %d of %d", q.Number, len(qs))
		}
		a, err := q.Run(c.seed)
		if err != nil {
			if progress {
				fmt.Fprintln(stderr)
			}
			return nil, err
		}
		out = append(out, a)
	}
	if progress {
		fmt.Fprintf(stderr, "\r%s\r", strings.Repeat(" ", 40))
	}
	return out, nil
}

// writeJSON writes the answers as an indented JSON array.
func writeJSON(w io.Writer, as []examples.Answer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(as)
}

// writeText writes the compact text form of each answer.
func writeText(w io.Writer, as []examples.Answer) {
	for i, a := range as {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, a)
	}
}

// writeMarkdown writes the report as Markdown.
func writeMarkdown(w io.Writer, as []examples.Answer, seed uint64) {
	fmt.Fprintf(w, "# Encryption at rest: questions answered by simulation\n\n")
	fmt.Fprintf(w, "Every answer below was computed by running atrest's simulation (seed %d): verdicts come from decrypting with the keys each party can obtain, refusals from operations the simulated cloud refused, counts from the Key Vault audit log. Regenerate with `go run ./examples/faq`.\n\n", seed)
	if len(as) > 1 {
		for _, a := range as {
			fmt.Fprintf(w, "%d. [%s](#q%d)\n", a.Number, a.Question, a.Number)
		}
		fmt.Fprintln(w)
	}
	for _, a := range as {
		fmt.Fprintf(w, "<a id=\"q%d\"></a>\n## %d. %s\n\n", a.Number, a.Number, a.Question)
		fmt.Fprintf(w, "**Answer:** %s\n\n", a.Answer)
		if a.Table != nil {
			fmt.Fprintf(w, "%s\n", a.Table.Markdown())
		}
		fmt.Fprintf(w, "**Evidence:**\n\n")
		for _, e := range a.Evidence {
			fmt.Fprintf(w, "- %s\n", mdEscape(e))
		}
		fmt.Fprintf(w, "\n**Facts:** %s\n\n", strings.Join(a.Facts, ", "))
		for _, m := range a.Missing {
			fmt.Fprintf(w, "> **Not simulated yet:** %s\n\n", m)
		}
		if a.Diagram != "" {
			fmt.Fprintf(w, "```mermaid\n%s```\n\n", a.Diagram)
		}
	}
}

// mdEscape keeps evidence text literal in Markdown.
func mdEscape(s string) string {
	return strings.NewReplacer("*", `\*`, "_", `\_`, "<", "&lt;").Replace(s)
}
