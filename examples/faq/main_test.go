package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atrest-sim/atrest/examples"
)

// runArgs runs the program with args and returns its status and outputs.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"-q", "23"},
		{"-q", "-1"},
		{"-q", "x"},
		{"-format", "yaml"},
		{"-seed", "minus"},
		{"extra"},
	} {
		code, out, errOut := runArgs(t, args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "usage: faq") {
			t.Errorf("run(%q) = %d, stdout %q, stderr %q; want 2, nothing, the usage", args, code, out, errOut)
		}
	}
	if code, _, _ := runArgs(t, "-h"); code != 0 {
		t.Errorf("run(-h) = %d, want 0", code)
	}
}

// TestReportIsDeterministicAndQuiet runs the full report twice: same
// bytes, and nothing on stderr when it is not a terminal.
func TestReportIsDeterministicAndQuiet(t *testing.T) {
	code, a, errA := runArgs(t)
	if code != 0 || errA != "" {
		t.Fatalf("run() = %d, stderr %q", code, errA)
	}
	_, b, _ := runArgs(t)
	if a != b {
		t.Fatal("two runs with the default seed printed different reports")
	}
	for n := 1; n <= 22; n++ {
		if !strings.Contains(a, "## "+itoa(n)+". ") {
			t.Errorf("report lacks question %d", n)
		}
	}
	if !strings.Contains(a, "```mermaid\nflowchart LR\n") {
		t.Error("report has no Mermaid diagram")
	}
}

// TestJSONMatchesMarkdown checks that the JSON report parses, covers every
// question, and carries the same answers as the Markdown report.
func TestJSONMatchesMarkdown(t *testing.T) {
	code, js, _ := runArgs(t, "-format", "json", "-seed", "3")
	if code != 0 {
		t.Fatalf("run(-format json) = %d", code)
	}
	var as []examples.Answer
	if err := json.Unmarshal([]byte(js), &as); err != nil {
		t.Fatalf("JSON report does not parse: %v", err)
	}
	if len(as) != len(examples.Questions()) {
		t.Fatalf("JSON report has %d answers, want %d", len(as), len(examples.Questions()))
	}
	_, md, _ := runArgs(t, "-seed", "3")
	for i, a := range as {
		if a.Number != i+1 {
			t.Errorf("answer %d has number %d", i+1, a.Number)
		}
		if !strings.Contains(md, "## "+itoa(a.Number)+". "+a.Question+"\n") {
			t.Errorf("Markdown lacks the question %d heading", a.Number)
		}
		if !strings.Contains(md, "**Answer:** "+a.Answer+"\n") {
			t.Errorf("Markdown lacks the answer of question %d: %q", a.Number, a.Answer)
		}
	}
}

func TestOneQuestionTextAndFile(t *testing.T) {
	code, out, _ := runArgs(t, "-q", "3", "-format", "text")
	a, err := examples.Q03SSEPlatformKeyVHD(1)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 || out != a.String()+"\n" {
		t.Fatalf("run(-q 3 -format text) = %d, %q; want %q", code, out, a.String()+"\n")
	}
	path := filepath.Join(t.TempDir(), "faq.md")
	code, out, _ = runArgs(t, "-q", "3", "-o", path)
	b, err := os.ReadFile(path)
	if code != 0 || out != "" || err != nil || !strings.Contains(string(b), "**Answer:** "+a.Answer) {
		t.Fatalf("run(-q 3 -o FILE) = %d, stdout %q, file error %v", code, out, err)
	}
	if strings.Contains(string(b), "](#q") {
		t.Error("a one-question report has a table of contents")
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
