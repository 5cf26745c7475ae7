package examples

import (
	"strings"
	"testing"

	"github.com/atrest-sim/atrest/lifecycle"
)

// TestHeadlinesFollowTheSimulation: an answer's leading word is computed,
// so a rule switch that changes what the cloud allows changes it too.
func TestHeadlinesFollowTheSimulation(t *testing.T) {
	for _, tc := range []struct {
		name        string
		run         func(uint64, *lifecycle.Options) (Answer, error)
		flip        func(*lifecycle.Options)
		before, now string
	}{
		{"Q7, BEK-only backup refused (2016 docs)", q07Backup,
			func(o *lifecycle.Options) { o.BackupBEKOnly = false }, "yes", "partly"},
		{"Q16, ADE cross-region restore off (ADE FAQs)", q16ADERestoreElsewhere,
			func(o *lifecycle.Options) { o.ADECrossRegionRestore = false }, "partly", "no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := lifecycle.DefaultOptions()
			tc.flip(&o)
			for _, c := range []struct {
				which string
				opts  *lifecycle.Options
				want  string
			}{{"default options", nil, tc.before}, {"switched", &o, tc.now}} {
				a, err := tc.run(1, c.opts)
				if err != nil {
					t.Fatal(err)
				}
				if got, _, _ := strings.Cut(a.Answer, ":"); got != c.want {
					t.Errorf("%s: answer %q, want it to start with %q", c.which, a.Answer, c.want+":")
				}
			}
		})
	}
}

func TestVerdictWord(t *testing.T) {
	for _, tc := range []struct {
		in   []bool
		want string
	}{
		{nil, "n/a"},
		{[]bool{true}, "yes"},
		{[]bool{false, false}, "no"},
		{[]bool{true, false, true}, "partly"},
	} {
		if got := verdictWord(tc.in...); got != tc.want {
			t.Errorf("verdictWord(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
