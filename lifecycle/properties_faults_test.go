package lifecycle_test

// Each theorem can fail. For each, a fault of faults.go breaks it; this test
// switches them on one at a time (SetFault in export_test.go, an unexported
// World field, never global state), runs the machine, or a focus of the
// actions the fault's sequence needs, and asserts that the property check
// fails with that theorem's message. Under a fault the model's predictions
// are not checked (harness.do), so that it is the theorem's own check that
// must notice. By default it runs T1, T7, T8, T9 and T10 (each found within
// a few dozen cases); ATREST_ALL_MUTATIONS=1 runs all fifteen (about five
// minutes), and ATREST_MUTATION_SHRINKTIME=20s shrinks longer (default 1s):
//
//	ATREST_ALL_MUTATIONS=1 ATREST_MUTATION_SHRINKTIME=20s go test -run TestTheoremsCatchMutations -v -timeout 60m ./lifecycle/
//
// What rapid printed in the last full run (cases until the failure; steps
// abbreviated, setup left out; the log prints each as a Go call, and
// PROPERTIES.md has the table):
//
//	T1 at rest, FaultTempPlain, 6 cases: CreateVM vm0 Ubuntu
//	  Standard_D2ds_v5; WriteFile vm0 temp /m/1.txt -> "T1 at rest:
//	  plaintext marker ... found in the raw bytes of temp disk vm0"
//	T2 storage boundary, FaultExportRaw, 3 cases: CreateVM vm0 Basic_A1;
//	  CreateSnapshot vm0-osdisk snap1; GrantAccess alice snap1; DownloadVHD
//	  vhd6 (plus unrelated steps) -> "T2 storage boundary: VHD vhd6 of snap1
//	  (no ADE) does not give back its files to alice"
//	T3 guest encryption, FaultExportDecrypted, 297 cases: CreateVM vm2
//	  OracleLinux; CreateDisk, AttachDisk, Mount d2; CreateVault kv2;
//	  WriteFile vm2 d2 /m/1.txt; EnableADE vm2 {kv2, Data}; CreateSnapshot d2
//	  snap7; GrantAccess admin snap7; DownloadVHD vhd8 -> "T3 guest
//	  encryption: VHD vhd8 of ADE volume snap7 holds plaintext marker ..."
//	T4 backups, FaultRestoreDropsDES, 68 cases: CreateVault kv0; CreateKey
//	  k0; CreateDES des0; CreateVM vm0 on des0; BackupVM vm0 rp1; RestoreVM
//	  rp1 vm1 -> "T4 backups: restored disk vm1-osdisk from rp1 is SSE-PMK;
//	  its source used customer key DES des0"
//	T5 crypto-shredding, FaultKeepDEKCache, 43 cases: CreateKey k0;
//	  CreateDES des0; CreateDisk d1 on des0, AttachDisk, Mount; DeleteKey k0;
//	  WriteFile vm0 d1; Advance 8d; Advance 1d -> "T5 crypto-shredding: every
//	  copy of the customer key is gone, yet principal alice reads disk d1"
//	T5 for ADE, FaultBEKSurvivesDeallocate, 178 cases: CreateVault kv1;
//	  CreateVM vm3 Ubuntu D2ds_v5; data disks; EnableADE vm3 {kv1, OS,
//	  EncryptFormatAll}; Deallocate vm3; DeleteSecret; Advance 92d -> "T5
//	  crypto-shredding: no usable copy of BEK ... is left, yet guest OS of
//	  vm3 reads ..."
//	T6 soft-delete, FaultRecoverDisables, 410 cases: CreateKey k0;
//	  AssignVaultRole alice kv0 Crypto Officer; CreateVM vm0; EnableADE vm0
//	  {kv0, KEK k0, OS, EncryptFormatAll}; DeleteKey k0; Advance 30m;
//	  RecoverKey k0 -> "T6 soft-delete: deleting and recovering kv0/k0
//	  changed principal alice -> disk vm0-osdisk from readable=true to false"
//	T7 purge protection, FaultPurgeIgnoresProtection: CreateVault kv0
//	  (purge protection); CreateKey k0; DeleteKey k0; PurgeKey k0 -> "T7
//	  purge protection: w.PurgeKey(...) purged key k0 ..."
//	T8 rotation, FaultPickupReencrypts, 34 cases: CreateKey k0; CreateDES
//	  des1 (auto-rotate, double); CreateVM vm1 on des1; RotateKey k0; Advance
//	  1h1m -> "T8 rotation: the rotation pickup during w.Advance(1h1m0s)
//	  re-encrypted sectors of disk vm1-osdisk"
//	T9 audit, FaultDoubleDelete: CreateVault kv0; CreateKey k0; DeleteKey k0
//	  -> "T9 audit: w.DeleteKey(...) made 2 DeleteKey events by admin, want
//	  exactly 1"
//	T10 authorization, FaultExportUnchecked: CreateVM vm0; CreateSnapshot
//	  vm0-osdisk snap1; GrantAccess auditor snap1 -> "T10 authorization: g,
//	  _ := w.GrantAccess("auditor", "snap1", 24h0m0s) succeeded for auditor"
//	T11 agreement, FaultSymbolicIgnoresDisabled, 294 cases (shrinking
//	  stopped at 20 s with unrelated steps left): CreateKey k0; CreateDES
//	  des0; CreateDisk d0 on des0, AttachDisk, Mount; ...; SetKeyEnabled k0
//	  false -> "T11 agreement: principal alice -> disk d0: key 1 symbolic
//	  {SSE DEKs Obtainable:true}, concrete {Obtainable:false Why:disabled
//	  (F11)}"
//	T11 agreement, FaultRotateDisablesOld (a T8 fault T8's own check cannot
//	  see while DEKs are cached, F47), 227 cases: CreateKey k0; CreateDES
//	  des0 (auto-rotate); CreateDisk d4, d2 on des0; RotateKey k0; WriteFile
//	  vm0 d2; Deallocate vm0 -> "T11 agreement: principal alice -> disk d2:
//	  symbolic readable=true, concrete readable=false"
//	T1 at rest for host caches, FaultCacheUnsealed, first case: CreateVM vm0
//	  Ubuntu Standard_B2s (encryption at host); WriteFile vm0 vm0-osdisk
//	  /m/1.txt -> "T1 at rest: plaintext marker ... found in host cache
//	  vm0/vm0-osdisk, which encryption at host or ADE covers"
//	T10 authorization for file recovery, FaultRecoverUnchecked, first case:
//	  CreateVM vm0 Basic_A1; WriteFile vm0 vm0-osdisk /m/1.txt; BackupVM vm0
//	  rp1; RecoverFile auditor rp1 vm0-osdisk /m/1.txt -> "T10
//	  authorization: w.RecoverFile(...) succeeded for auditor"
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
		// The checks added with host caches and file recovery.
		{"T1 at rest: plaintext marker", lifecycle.FaultCacheUnsealed, false, focus("CreateVault", "EnableADE")},
		{"T10 authorization", lifecycle.FaultRecoverUnchecked, false, focus("GrantBackupAccess", "BackupVM", "RecoverFile")},
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
		case c.fault == lifecycle.FaultCacheUnsealed:
			name = "T1-cache"
		case c.fault == lifecycle.FaultRecoverUnchecked:
			name = "T10-recover"
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
