package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEExcerpt keeps the README honest: the excerpt it shows must be
// exactly what `go run ./examples/faq -format text -q 5` prints today.
func TestREADMEExcerpt(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runArgs(t, "-format", "text", "-q", "5")
	if code != 0 {
		t.Fatalf("run = %d, stderr %q", code, errOut)
	}
	block := "```\n" + out + "```\n"
	if !strings.Contains(string(readme), block) {
		t.Errorf("README.md does not show the current output of faq -format text -q 5; replace its excerpt with:\n%s", block)
	}
}
