package lifecycle

import (
	"slices"
	"testing"
)

func TestSortFacts(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"F114", "F7", "F47", "F10"}, []string{"F7", "F10", "F47", "F114"}},
		{[]string{"x", "F2", "Fa", "F1"}, []string{"F1", "F2", "Fa", "x"}},
		{[]string{"F3", "F03"}, []string{"F03", "F3"}},
		{nil, nil},
	} {
		if got := SortFacts(slices.Clone(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("SortFacts(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
