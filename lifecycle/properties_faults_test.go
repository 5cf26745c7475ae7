package lifecycle_test

// Each theorem can fail. For each, a fault of faults.go breaks it; this test
// switches them on one at a time (SetFault in export_test.go, an unexported
// World field, never global state) and asserts that the property check
// fails with the theorem's message. Under a fault the model's predictions
// are not checked (harness.do), so that it is the theorem's own check that
// must notice. By default it runs T1, T7, T9 and T10 (each found in a few
// hundred cases); ATREST_ALL_MUTATIONS=1 runs every fault, and
// ATREST_MUTATION_SHRINKTIME=30s shrinks longer (default 3s):
//
//	ATREST_ALL_MUTATIONS=1 go test -run TestTheoremsCatchMutations -v -timeout 60m ./lifecycle/
//
// What rapid printed (steps abbreviated; the full log prints each as a Go
// call). Sequences from the runs of this session were shrunk for 10-15 s on
// a loaded machine, so some keep irrelevant steps; the seed replays them.
//
//	T1 at rest, FaultTempPlain (the host never encrypts temp disks), seen by
//	  the first engineer: CreateVM vm0 ubuntu-20_04 Standard_D2ds_v5;
//	  WriteFile vm0 temp -> "T1 at rest: plaintext marker ... found in the
//	  raw bytes of temp disk vm0"
//	T2 storage boundary, FaultExportRaw (VHD = raw media), after 17 cases:
//	  CreateVM vm0 ubuntu-20_04 Standard_D2s_v5 northeurope; CreateDisk,
//	  AttachDisk, Mount d4, d0, d3; WriteFile vm0 d4 /m/1.txt; CreateDisk,
//	  AttachDisk, Mount d2; CreateSnapshot d4 snap1; CreateVault kv2
//	  westeurope; CopySnapshot snap1 snap2 northeurope; GrantAccess alice
//	  snap2 1h; DownloadVHD vhd3; CopyVHDToHost vhd3 onprem -> "T2 storage
//	  boundary: VHD vhd3 of snap2 (no ADE) lacks the plaintext of /m/1.txt"
//	T3 guest encryption, FaultExportDecrypted (ADE left off on export),
//	  after 1077 cases, caught by T11 first (no marker had been written, so
//	  the T3 byte check had nothing to find): CreateVault kv1 westeurope
//	  (purge protection, for disk encryption); CreateVM vm0
//	  Gallery:ubuntu-22_04 Standard_D2s_v5; EnableADE vm0 {kv1, OS};
//	  CreateSnapshot vm0-osdisk snap1; CreateSnapshot vm0-osdisk snap2;
//	  GrantAccess admin snap1 1h; DownloadVHD vhd3; CopyVHDToHost vhd3 onprem
//	  -> "T11 agreement: VHD holder on premises (onprem) -> VHD vhd3:
//	  symbolic readable=false, concrete readable=true"
//	T4 backups, FaultRestoreDropsDES: see PROPERTIES.md (run below).
//	T5 crypto-shredding, FaultKeepDEKCache: see PROPERTIES.md.
//	T5 for ADE, FaultBEKSurvivesDeallocate: NOT caught in 3000 random cases
//	  (it needs an ADE VM whose BEK secret is deleted and purged with no
//	  copy, then deallocated); the check is exercised by every deep run.
//	T6 soft-delete, FaultRecoverDisables, after 2706 cases: CreateVM vm1
//	  ubuntu-20_04 Standard_D4s_v7 (EAH); CreateDisk, AttachDisk, Mount d0,
//	  d3, d1; CreateVM vm0 ubuntu-24_04 Standard_E8s_v3; CreateVault kv3
//	  westeurope (for disk encryption); CreateVM vm2 Basic_A1;
//	  AssignVaultRole alice kv3 Administrator; CreateKey alice kv3 k0;
//	  EnableADE vm0 {kv3, All, EncryptFormatAll}; EnableADE vm0 {kv3, KEK
//	  k0, Data}; DeleteRecoverKey kv3/k0 -> "T6 soft-delete: deleting and
//	  recovering kv3/k0 changed principal alice -> disk vm0-osdisk from
//	  readable=true to false"
//	T7 purge protection, FaultPurgeIgnoresProtection, seen by the first
//	  engineer: CreateVault kv0 (purge protection); CreateKey k0; DeleteKey
//	  k0; PurgeKey k0 -> "T7 purge protection: w.PurgeKey(...) purged key k0"
//	T8 rotation, FaultRotateDisablesOld: see PROPERTIES.md.
//	T9 audit, FaultDoubleDelete, seen by the first engineer: CreateVault
//	  kv0; CreateKey k0; DeleteKey k0 -> "T9 audit: w.DeleteKey(...) made 2
//	  DeleteKey events by admin, want exactly 1"
//	T10 authorization, FaultExportUnchecked, seen by the first engineer:
//	  CreateVM vm0; PowerVM Stop vm0; DownloadVHD vm0-osdisk as auditor ->
//	  "T10 authorization: g, _ := w.GrantAccess("auditor", ...) succeeded"
//	T11 agreement, FaultSymbolicIgnoresDisabled, after 340 cases (shrinking
//	  left 50 steps; -rapid.seed=17194903256096190843 replays it), the
//	  steps that matter: CreateVault kv3 westeurope (purge protection);
//	  AssignVaultRole alice kv3 Administrator; CreateKey alice kv3 k0;
//	  CreateDES des2 (kv3/k0 versionless, double, auto-rotate); CreateDisk d0
//	  on des2; AttachDisk vm0 d0 (deallocated); SetKeyEnabled k0 false;
//	  Advance 31d -> "T11 agreement: principal alice -> disk d0: key 1
//	  symbolic {SSE DEKs Obtainable:true}, concrete {SSE DEKs
//	  Obtainable:false Why:disabled (F11)}"
//
// Restoring the code (fault off) makes TestTheorems pass again.

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/atrest-sim/atrest/lifecycle"
	"pgregory.net/rapid"
)

// recorder is a rapid.TB that records a failure instead of failing the test.
type recorder struct {
	name   string
	failed bool
	log    strings.Builder
}

func (r *recorder) Helper()                           {}
func (r *recorder) Name() string                      { return r.name }
func (r *recorder) Logf(format string, args ...any)   { fmt.Fprintf(&r.log, format+"\n", args...) }
func (r *recorder) Log(args ...any)                   { fmt.Fprintln(&r.log, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.Logf(format, args...) }
func (r *recorder) Skip(args ...any)                  { r.Log(args...) }
func (r *recorder) SkipNow()                          {}
func (r *recorder) Errorf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }
func (r *recorder) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...) }
func (r *recorder) FailNow()                          { r.failed = true } // rapid calls it last
func (r *recorder) Fail()                             { r.failed = true }
func (r *recorder) Failed() bool                      { return r.failed }

// TestTheoremsCatchMutations runs the machine with faults switched on and
// asserts that the theorem each breaks is reported.
func TestTheoremsCatchMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the machine until it fails, three times")
	}
	warmPool(t)
	// Shrinking stops at -rapid.shrinktime (30 s by default); 1 s per fault
	// keeps this test near 15 s and still prints short sequences.
	// rapid stops at the first failure, so a high -rapid.checks costs
	// nothing when the fault is found, and makes finding it near certain.
	shrink := "1s"
	if v := os.Getenv("ATREST_MUTATION_SHRINKTIME"); v != "" {
		shrink = v // e.g. 30s, for the shortest sequences
	}
	for name, v := range map[string]string{"rapid.shrinktime": shrink, "rapid.checks": "3000"} {
		if f := flag.Lookup(name); f != nil {
			old := f.Value.String()
			_ = f.Value.Set(v)
			t.Cleanup(func() { _ = f.Value.Set(old) })
		}
	}
	all := os.Getenv("ATREST_ALL_MUTATIONS") != ""
	// Actions that build VMs with data; each fault's focus adds the actions
	// its sequence needs. (T1, T7, T9 and T10 run the whole machine.)
	vms := []string{"CreateVM", "AttachNewDisk", "WriteFile", "PowerVM"}
	focus := func(more ...string) []string { return append(slices.Clone(vms), more...) }
	for _, c := range []struct {
		theorem string
		fault   lifecycle.Fault
		fast    bool     // run by default; the rest under ATREST_ALL_MUTATIONS=1
		focus   []string // the actions drawn (nil: all)
	}{
		{"T1 at rest", lifecycle.FaultTempPlain, true, nil},
		{"T2 storage boundary", lifecycle.FaultExportRaw, false, focus("CreateSnapshot", "DownloadVHD")},
		{"T3 guest encryption", lifecycle.FaultExportDecrypted, false, focus("CreateVault", "EnableADE", "CreateSnapshot", "DownloadVHD", "HandBEKToHost")},
		{"T4 backups", lifecycle.FaultRestoreDropsDES, false, focus("CreateVault", "CreateKey", "AssignVaultRole", "CreateDES", "GrantBackupAccess", "BackupVM", "RestoreVM")},
		{"T5 crypto-shredding", lifecycle.FaultKeepDEKCache, false, focus("CreateVault", "CreateKey", "CreateDES", "DeleteKey", "PurgeKey", "AdvanceClock")},
		{"T5 crypto-shredding: no usable copy of BEK", lifecycle.FaultBEKSurvivesDeallocate, false, focus("CreateVault", "EnableADE", "DeleteSecret", "PurgeSecret", "AdvanceClock")},
		{"T6 soft-delete", lifecycle.FaultRecoverDisables, false, focus("CreateVault", "CreateKey", "AssignVaultRole", "EnableADE", "DeleteRecoverKey")},
		{"T7 purge protection", lifecycle.FaultPurgeIgnoresProtection, true, nil},
		{"T8 rotation", lifecycle.FaultPickupReencrypts, true, focus("CreateVault", "CreateKey", "CreateDES", "RotateKey", "AdvanceClock")},
		{"T9 audit", lifecycle.FaultDoubleDelete, true, nil},
		{"T10 authorization", lifecycle.FaultExportUnchecked, true, nil},
		{"T11 agreement", lifecycle.FaultSymbolicIgnoresDisabled, false, focus("CreateVault", "CreateKey", "CreateDES", "DisableKey", "AdvanceClock")},
		// A rotation that disables the old version changes no verdict until
		// cached DEKs are dropped (F47), after T8's check; T11 sees it then.
		{"T11 agreement", lifecycle.FaultRotateDisablesOld, false, focus("CreateVault", "CreateKey", "CreateDES", "RotateKey", "AdvanceClock")},
	} {
		if !c.fast && !all {
			continue
		}
		name := strings.Fields(c.theorem)[0]
		switch {
		case strings.Contains(c.theorem, "BEK"):
			name += "-ADE"
		case c.fault == lifecycle.FaultRotateDisablesOld:
			name = "T8-disables-old"
		}
		t.Run(name, func(t *testing.T) {
			r := &recorder{name: t.Name()}
			rapid.Check(r, func(rt *rapid.T) { newHarness(rt, c.fault).runFocused(c.focus) })
			if !r.failed {
				t.Fatalf("fault %d: the property check passed; %s should have failed", c.fault, c.theorem)
			}
			if !strings.Contains(r.log.String(), c.theorem) {
				t.Fatalf("fault %d: the check failed, but not with %q:\n%s", c.fault, c.theorem, r.log.String())
			}
			t.Logf("caught and shrunk:\n%s", r.log.String())
		})
	}
}
