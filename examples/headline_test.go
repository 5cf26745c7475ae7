package examples

import (
	"strings"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
)

// switchCase is a rule switch and what an answer says before and after it.
type switchCase struct {
	name        string
	run         func(uint64, *lifecycle.Options) (Answer, error)
	flip        func(*lifecycle.Options)
	before, now string
}

// checkSwitches answers each case with seed 1 under the default options
// and with the switch flipped, and has ok judge each answer against what
// the case wants then.
func checkSwitches(t *testing.T, cases []switchCase, ok func(a Answer, want string) bool) {
	t.Helper()
	for _, tc := range cases {
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
				if !ok(a, c.want) {
					t.Errorf("%s: answer %q, want %q in it", c.which, a.Answer, c.want)
				}
			}
		})
	}
}

// TestHeadlinesFollowTheSimulation: an answer's leading word is computed,
// so a rule switch that changes what the cloud allows changes it too.
func TestHeadlinesFollowTheSimulation(t *testing.T) {
	checkSwitches(t, []switchCase{
		{"Q7, BEK-only backup refused (2016 docs)", q07Backup,
			func(o *lifecycle.Options) { o.BackupBEKOnly = false }, "yes", "partly"},
		{"Q16, ADE cross-region restore off (ADE FAQs)", q16ADERestoreElsewhere,
			func(o *lifecycle.Options) { o.ADECrossRegionRestore = false }, "partly", "no"},
	}, func(a Answer, want string) bool {
		lead, _, _ := strings.Cut(a.Answer, ":")
		return lead == want
	})
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

// TestAnswersFollowRuleSwitches: parts of answers that used to be fixed
// text are computed now, so a rule switch that changes what the cloud does
// changes them too.
func TestAnswersFollowRuleSwitches(t *testing.T) {
	checkSwitches(t, []switchCase{
		// With the switch on, F93 no longer refuses; lifecycle then refuses
		// any mode but a new VM as a simulation limit (F91).
		{"Q13, file-level restore from ADE VMs (2026 Backup page)", q13FileRestore,
			func(o *lifecycle.Options) { o.ADEFileLevelRestore = true },
			"single-file restore: refused (F93", "single-file restore: allowed"},
		{"Q15, v5 temp disks not encrypted (older guidance)", q15TempDisk,
			func(o *lifecycle.Options) { o.V5TempDiskEncrypted = false },
			"Standard_D2ds_v5: yes)", "Standard_D2ds_v5: no)"},
		{"Q22, ADE retired earlier", q22SSEOrADE,
			func(o *lifecycle.Options) { o.ADERetirement = time.Date(2027, time.June, 30, 0, 0, 0, 0, time.UTC) },
			"allowed on 2028-09-14 and refused (F64: not supported) on 2028-09-15",
			"allowed on 2027-06-29 and refused (F64: not supported) on 2027-06-30"},
	}, func(a Answer, want string) bool { return strings.Contains(a.Answer, want) })
}

func TestUsedIn(t *testing.T) {
	phases := []string{"provision", "write", "restart"}
	for _, tc := range []struct {
		ops  []int
		want string
	}{
		{[]int{0, 0, 0}, "no call"},
		{[]int{4, 0, 2}, "calls at provision, restart"},
		{[]int{0, 1, 0}, "calls at write"},
	} {
		if got := usedIn(phases, tc.ops); got != tc.want {
			t.Errorf("usedIn(%v) = %q, want %q", tc.ops, got, tc.want)
		}
	}
}

func TestMemoryNeedString(t *testing.T) {
	for _, tc := range []struct {
		m    memoryNeed
		want string
	}{
		{memoryNeed{}, "refused on every size probed"},
		{memoryNeed{allowedGB: 8, refusedGB: 4}, "at least 8 GB (4 GB refused)"},
		{memoryNeed{allowedGB: 2}, "2 GB suffices (the least memory of the catalogue's sizes)"},
		{memoryNeed{allowedGB: 4, below: []string{"Basic_A1, 2 GB: refused (F73: not supported)"}},
			"4 GB suffices; less memory was not probed: the catalogue's sizes below 4 GB were refused for other reasons (Basic_A1, 2 GB: refused (F73: not supported))"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.m, got, tc.want)
		}
	}
}

// TestKeyChain: Q2's "does the key encrypt the data" comes from the layer
// keys and the operations on the key.
func TestKeyChain(t *testing.T) {
	v := lifecycle.Verdict{Layers: []lifecycle.Layer{{Name: "SSE-CMK", Key: "SSE DEKs"}, {Name: "ADE dm-crypt", Key: "BEK"}, {Name: "files"}}}
	if got, want := layerKeys(v), "SSE DEKs, BEK"; got != want {
		t.Errorf("layerKeys = %q, want %q", got, want)
	}
	if layerKeyIs(v, "https://kv1.vault.azure.net/keys/cmk") {
		t.Error("layerKeyIs(cmk) = true for a verdict whose layers need only DEKs and the BEK")
	}
	v.Layers[0].Key = "https://kv1.vault.azure.net/keys/cmk/0123"
	if !layerKeyIs(v, "https://kv1.vault.azure.net/keys/cmk") {
		t.Error("layerKeyIs(cmk) = false for a layer keyed by the customer key")
	}
	if !onlyWraps([]opCount{{"UnwrapKey", 2}, {"WrapKey", 1}}) || onlyWraps([]opCount{{"Encrypt", 1}}) {
		t.Error("onlyWraps misjudges wrap/unwrap against encrypt")
	}
}
