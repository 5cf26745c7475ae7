package lifecycle

import (
	"errors"
	"testing"
)

// TestRecoverFile: a single file comes back from an SSE VM's recovery
// point through the storage service; an ADE VM's files do not (F93) unless
// Options.ADEFileLevelRestore, and then only for a principal that can
// obtain the BEK; the caller needs the export permission (F116); nothing
// changes.
func TestRecoverFile(t *testing.T) {
	f := newFixture(t, 30)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
	f.must(f.BackupVM("vm1", "rp1"))
	f.must(f.WriteFile("vm1", "vm1-data", "/data/customers.csv", []byte("changed after the backup\n")))
	t0, err := f.resolveBackup(rpA("rp1", "vm1-data"))
	f.must(err)
	m := t0.m
	was := m.Unlocked()
	got, err := f.RecoverFile(adminID, "rp1", "vm1-data", "/data/customers.csv")
	f.must(err)
	if string(got) != "alice,42\nbob,17\n" {
		t.Errorf("recovered %q, want the file as it was at backup time", got)
	}
	if m.Unlocked() != was {
		t.Error("RecoverFile changed the recovery point disk's lock state")
	}
	f.must(f.AddPrincipal("auditor"))
	f.must(f.AssignComputeRole("auditor", sub, ContributorNoExport))
	for _, c := range []struct {
		name             string
		who, rp, d, path string
		want             error
		fact             string
	}{
		{"no export permission", "auditor", "rp1", "vm1-data", "/data/customers.csv", ErrForbidden, "F116"},
		{"unknown recovery point", adminID, "rp9", "vm1-data", "/data/customers.csv", ErrNotFound, ""},
		{"unknown disk", adminID, "rp1", "vm9", "/data/customers.csv", ErrNotFound, "F86"},
		{"unknown file", adminID, "rp1", "vm1-data", "/data/nope", ErrNotFound, ""},
		{"unknown principal", "mallory", "rp1", "vm1-data", "/data/customers.csv", ErrNotFound, ""},
	} {
		_, err := f.RecoverFile(c.who, c.rp, c.d, c.path)
		var re *RefusedError
		if !errors.Is(err, c.want) || !errors.As(err, &re) || re.Fact != c.fact {
			t.Errorf("%s: %v, want %v (%s)", c.name, err, c.want, c.fact)
		}
	}

	// F93 is about encrypted VMs: not even an unencrypted data disk of one.
	o := newFixture(t, 32)
	o.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_E8s_v3", "")
	o.must(o.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeOS}))
	o.must(o.GrantBackupAccess(kv))
	o.must(o.BackupVM("vm1", "rp1"))
	_, err = o.RecoverFile(adminID, "rp1", "vm1-data", "/data/customers.csv")
	wantErr(t, err, ErrNotSupported, "F93")

	a := adeVM(t, 31)
	a.must(a.GrantBackupAccess(kv))
	a.must(a.BackupVM("vm1", "rp1"))
	_, err = a.RecoverFile(adminID, "rp1", "vm1-data", "/data/after.txt")
	wantErr(t, err, ErrNotSupported, "F93")
	a.opts.ADEFileLevelRestore = true // the 2026 Backup page's reading
	got, err = a.RecoverFile(adminID, "rp1", "vm1-data", "/data/after.txt")
	a.must(err)
	if string(got) != "written after encryption" {
		t.Errorf("recovered %q from the ADE recovery point", got)
	}
	a.must(a.AddPrincipal("contractor"))
	a.must(a.AssignComputeRole("contractor", sub, Contributor))
	_, err = a.RecoverFile("contractor", "rp1", "vm1-data", "/data/after.txt")
	wantErr(t, err, ErrForbidden, "F65")
}
