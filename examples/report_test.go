package examples

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runAll answers every question with one seed.
func runAll(t *testing.T, seed uint64) []Answer {
	t.Helper()
	var as []Answer
	for _, q := range Questions() {
		a, err := q.Run(seed)
		if err != nil {
			t.Fatalf("question %d (seed %d): %v", q.Number, seed, err)
		}
		as = append(as, a)
	}
	return as
}

func TestQuestionsCoverTheIssue(t *testing.T) {
	qs := Questions()
	if len(qs) != 22 {
		t.Fatalf("len(Questions()) = %d, want 22", len(qs))
	}
	for i, q := range qs {
		if q.Number != i+1 || q.Text == "" || q.Run == nil {
			t.Errorf("question %d: number %d, text %q, run set %v", i+1, q.Number, q.Text, q.Run != nil)
		}
	}
	// Each question is one the issue asks; a few words of each pin it.
	keys := []string{"encrypted at rest by default", "my own key", "platform keys", "customer-managed key",
		"ADE with a KEK", "opt out of ADE", "back up a VM", "disaster recovery", "key is deleted",
		"disabled", "images and OSes", "generalized image", "individual folders", "format data disks",
		"temp disk", "another region or subscription", "memory", "downloading VHDs", "insider",
		"rotating my key", "cost", "SSE or ADE"}
	for i, k := range keys {
		if !strings.Contains(qs[i].Text, k) {
			t.Errorf("question %d = %q, want it to mention %q", i+1, qs[i].Text, k)
		}
	}
}

func TestEveryAnswerHasEvidenceFactsAndDiagram(t *testing.T) {
	for _, a := range runAll(t, 1) {
		if a.Answer == "" || len(a.Evidence) == 0 || len(a.Facts) == 0 {
			t.Errorf("question %d: answer %q, %d evidence lines, facts %v", a.Number, a.Answer, len(a.Evidence), a.Facts)
		}
		if a.Question != questionText(a.Number) {
			t.Errorf("question %d: text %q", a.Number, a.Question)
		}
		for _, f := range a.Facts {
			if !strings.HasPrefix(f, "F") {
				t.Errorf("question %d: fact %q", a.Number, f)
			}
		}
		// Every question except the pure refusal and count tables draws
		// at least one key hierarchy.
		switch a.Number {
		case 16, 17, 18, 21:
		default:
			if !strings.HasPrefix(a.Diagram, "flowchart LR\n") {
				t.Errorf("question %d: diagram %q", a.Number, a.Diagram)
			}
		}
	}
}

// TestSameSeedSameAnswers checks determinism, including the JSON form.
func TestSameSeedSameAnswers(t *testing.T) {
	a, b := runAll(t, 7), runAll(t, 7)
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("two runs with seed 7 differ (-first +second):\n%s", d)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("JSON of two runs with seed 7 differs")
	}
}

// TestAnswersHoldForOtherSeeds: the seed changes ids, never the verdicts
// the answers are made of.
func TestAnswersHoldForOtherSeeds(t *testing.T) {
	base := runAll(t, 1)
	other := runAll(t, 99)
	for i := range base {
		if base[i].Answer != other[i].Answer {
			t.Errorf("question %d: answer with seed 1\n%s\nwith seed 99\n%s", i+1, base[i].Answer, other[i].Answer)
		}
	}
}

// TestVerdictsFailLoudly: a scenario error stops the answer rather than
// printing a wrong one.
func TestScenarioErrorIsReturned(t *testing.T) {
	s := newScenario(1)
	s.vm("vm1", "no-such-image", d2v3, "")
	s.verdict("after a failed step", guest("vm1"), diskA("vm1-data"))
	if _, err := s.finish(1, "never printed"); err == nil {
		t.Fatal("finish after a failed step returned no error")
	}
	s = newScenario(1)
	r := s.try("not a refusal", errPlain{})
	if r.Refused || s.err == nil {
		t.Fatalf("try(plain error) = %+v, scenario error %v; want the scenario to fail", r, s.err)
	}
}

type errPlain struct{}

func (errPlain) Error() string { return "plain" }

func TestShortID(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"KEK https://kv1.vault.azure.net/keys/kek/0123456789abcdef0123456789abcdef", "KEK kv1/keys/kek/01234567"},
		{"(x https://kv3.vault.azure.net/keys/k/abc)", "(x kv3/keys/k/abc)"},
		{"no url", "no url"},
	} {
		if got := shortID(tc.in); got != tc.want {
			t.Errorf("shortID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTableRendering(t *testing.T) {
	tb := &Table{Header: []string{"a", "bb"}, Rows: [][]string{{"x|y", "z"}}}
	if got, want := tb.Markdown(), "| a | bb |\n| --- | --- |\n| x\\|y | z |\n"; got != want {
		t.Errorf("Markdown() = %q, want %q", got, want)
	}
	if got, want := tb.Text(), "a   | bb\nx|y | z\n"; got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
}
