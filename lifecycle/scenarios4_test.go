package lifecycle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

// TestBEKSecretDeletedNextBoot: a running ADE VM keeps its volume key in
// memory; it needs the BEK secret again only at a start after a
// deallocation (F82).
func TestBEKSecretDeletedNextBoot(t *testing.T) {
	f := adeVM(t, 50)
	secret := secretName(f.vms["vm1"].ade.secretID)
	f.must(f.BackupSecret(adminID, kv, secret, "bek.backup"))
	f.must(f.DeleteSecret(adminID, kv, secret))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Restart("vm1")) // stop + start: the BEK volume survives
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Deallocate("vm1"))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	wantErr(t, f.Start("vm1"), ErrBootFailure, "F82")
	f.must(f.RecoverSecret(adminID, kv, secret))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Start("vm1"))

	// Purged for good (retention ends), then restored from its backup.
	f.must(f.DeleteSecret(adminID, kv, secret))
	f.must(f.Deallocate("vm1"))
	f.Advance(8 * 24 * hour)
	err := f.Start("vm1")
	wantErr(t, err, ErrBootFailure, "F82")
	if errors.Is(err, ErrDataUnrecoverable) {
		t.Fatal("a secret backup exists, yet Start says unrecoverable")
	}
	_, err = f.RestoreSecret(adminID, kv, "bek.backup")
	f.must(err)
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Start("vm1"))
	// Purge protection refuses an early purge (F27), changing nothing.
	f.must(f.DeleteSecret(adminID, kv, secret))
	wantErr(t, f.PurgeSecret(adminID, kv, secret), ErrForbidden, "F27")
	f.must(f.RecoverSecret(adminID, kv, secret))
}

func TestDisableADE(t *testing.T) {
	t.Run("Linux data volumes", func(t *testing.T) {
		f := newFixture(t, 51)
		f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
		f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeData, KEKID: f.kek}))
		f.wantReadable(insider, diskA("vm1-data"), false)
		wantErr(t, f.DisableADE("vm1", VolumeAll), ErrNotSupported, "F77")
		f.must(f.DisableADE("vm1", VolumeData))
		if id, _ := f.BEKSecretID("vm1-data"); id != "" {
			t.Fatal("the data volume still has a BEK after disable")
		}
		// Plaintext under SSE again: the guest and an exporter read it, and
		// it stays so after a deallocation, with no BEK needed (F82).
		f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
		f.must(f.Deallocate("vm1"))
		f.purgeForGood(kv, "kek")
		f.must(f.Start("vm1"))
		f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
		f.download("vm1", "vm1-data", "v.vhd")
		f.wantReadable(onPrem("onprem"), vhdA("v.vhd"), true)
		// The UDE flag persists (F84).
		f.must(f.Deallocate("vm1"))
		wantErr(t, f.SetDiskEncryption("vm1-data", "des1"), ErrEncryptionConflict, "F53")
	})
	t.Run("Linux OS volume is permanent", func(t *testing.T) {
		f := adeVM(t, 52)
		wantErr(t, f.DisableADE("vm1", VolumeData), ErrNotSupported, "F77")
		f.wantReadable(insider, diskA("vm1-data"), false)
		f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	})
	t.Run("Windows all volumes", func(t *testing.T) {
		f := newFixture(t, 53)
		f.vm("vm1", "MicrosoftWindowsServer:2019-datacenter", "Standard_D2s_v3", "")
		f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll}))
		f.must(f.WriteFile("vm1", TempDisk, "/pagefile.sys", []byte("page")))
		f.wantReadable(insider, tempA("vm1"), false)
		wantErr(t, f.DisableADE("vm1", VolumeOS), ErrNotSupported, "F69")
		f.must(f.DisableADE("vm1", VolumeAll))
		for _, d := range []string{"vm1-data", "vm1-osdisk"} {
			f.wantReadable(guest("vm1"), diskA(d), true)
		}
		f.must(f.WriteFile("vm1", TempDisk, "/pagefile.sys", []byte("page")))
		f.wantReadable(insider, tempA("vm1"), true) // SSE only now (F56)
		f.must(f.Stop("vm1"))
		g, err := f.GrantAccess(adminID, "vm1-data", hour)
		f.must(err)
		f.must(f.DownloadVHD(g, "w.vhd"))
		f.must(f.AddHost("onprem"))
		f.must(f.CopyVHDToHost("w.vhd", "onprem"))
		f.wantReadable(onPrem("onprem"), vhdA("w.vhd"), true)
	})
}

// TestDoubleEncryption: PMK and CMK layers on one disk (F55): both keys
// are needed, the platform's and the customer's.
func TestDoubleEncryption(t *testing.T) {
	f := newFixture(t, 54)
	id, err := f.CreateKey(adminID, kv, "cmk2", KeySpec{Size: 3072})
	f.must(err)
	f.must(f.CreateDES(DESSpec{Name: "des2", Subscription: sub, Region: region, KeyID: id, Double: true}))
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des2")
	v := f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	if v.Layers[0].Name != "SSE-PMK+CMK (double)" {
		t.Fatalf("layer %q", v.Layers[0].Name)
	}
	f.wantReadable(insider, diskA("vm1-data"), false)
	f.wantReadable(insider, Artifact{Kind: MediaArtifact, Name: "vm1-osdisk"}, false)
	// ADE is refused on double-encrypted disks, as on CMK ones (F53).
	wantErr(t, f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeData}), ErrEncryptionConflict, "F53")
	// Snapshot and backup.
	f.must(f.CreateSnapshot("vm1-data", "s1"))
	f.wantReadable(principalV(adminID), snapA("s1"), true)
	f.must(f.BackupVM("vm1", "rp1"))
	// The customer key disabled: the VM stops an hour later (F47); the
	// snapshot needs the same key; the recovery point does not (F86).
	f.must(f.SetKeyEnabled(adminID, id, false))
	f.Advance(61 * 60e9)
	if st, _, _ := f.VMStatus("vm1"); st != Stopped {
		t.Fatalf("VM %v, want stopped (F47)", st)
	}
	v = f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	if !hasFact(v, "F47") {
		t.Fatalf("facts %v lack F47", v.Facts)
	}
	f.wantReadable(principalV(adminID), snapA("s1"), false)
	f.wantReadable(operator, rpA("rp1", "vm1-data"), true)
	f.must(f.SetKeyEnabled(adminID, id, true))
	f.must(f.Start("vm1"))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.download("vm1", "vm1-data", "d.vhd")
	f.wantReadable(onPrem("onprem"), vhdA("d.vhd"), true) // SSE is removed on export (F106)
}

// TestRawMediaOfEveryDisk: no managed disk's media is readable, whatever
// its encryption: PMK, CMK, double, ADE, snapshot, backup, replica (F43).
func TestRawMediaOfEveryDisk(t *testing.T) {
	f := newFixture(t, 55)
	id, err := f.CreateKey(adminID, kv, "cmk2", KeySpec{})
	f.must(err)
	f.must(f.CreateDES(DESSpec{Name: "double", Subscription: sub, Region: region, KeyID: id, Double: true}))
	f.vm("pmk", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f.vm("cmk", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
	f.vm("dbl", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "double")
	f.vm("ade", "MicrosoftWindowsServer:2019-datacenter", "Standard_D2s_v3", "")
	f.must(f.EnableADE("ade", ADESpec{Vault: kv, Volumes: VolumeAll}))
	f.must(f.CreateSnapshot("cmk-data", "snap"))
	f.must(f.BackupVM("dbl", "rp"))
	f.vault("kv-ne", pairedRegion)
	f.must(f.EnableReplication(adminID, "pmk", ReplicationSpec{TargetRegion: pairedRegion}))
	for _, vm := range []string{"pmk", "cmk", "dbl", "ade"} {
		for _, d := range []string{vm + "-data", vm + "-osdisk"} {
			f.wantReadable(guest(vm), diskA(d), true)
			f.wantReadable(insider, Artifact{Kind: MediaArtifact, Name: d}, false)
			f.wantReadable(guest(vm), Artifact{Kind: MediaArtifact, Name: d}, false)
			f.wantReadable(principalV(adminID), Artifact{Kind: MediaArtifact, Name: d}, false)
		}
	}
	f.wantReadable(insider, snapA("snap"), false)
	f.wantReadable(insider, rpA("rp", "dbl-data"), false)
	f.wantReadable(insider, replicaA("pmk", "pmk-data"), false)
}

// TestNewDiskKeepsEncryptedDisks: attaching a new disk to an encrypted VM
// and encrypting it never formats or re-encrypts the disks already
// encrypted (F71: already-encrypted drives are not re-encrypted).
func TestNewDiskKeepsEncryptedDisks(t *testing.T) {
	for _, tc := range []struct {
		name, image string
		spec        ADESpec
	}{
		{"Linux EncryptFormatAll", "Canonical:ubuntu-22_04-lts", ADESpec{Vault: kv, Volumes: VolumeAll, EncryptFormatAll: true}},
		{"Linux in place", "Canonical:ubuntu-22_04-lts", ADESpec{Vault: kv, Volumes: VolumeAll}},
		{"Windows", "MicrosoftWindowsServer:2019-datacenter", ADESpec{Vault: kv, Volumes: VolumeAll}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 56)
			f.must(f.CreateVM(VMSpec{Name: "vm1", Subscription: sub, Region: region, Image: tc.image, Size: "Standard_D4s_v3"}))
			f.must(f.CreateDisk(DiskSpec{Name: "d1", Subscription: sub, Region: region, SizeMiB: 16}))
			f.must(f.AttachDisk("vm1", "d1"))
			f.must(f.Mount("vm1", "d1"))
			f.must(f.EnableADE("vm1", tc.spec))
			f.must(f.WriteFile("vm1", "d1", "/data/existing.csv", []byte("must survive")))
			before, _ := f.BEKSecretID("d1")
			f.must(f.CreateDisk(DiskSpec{Name: "d2", Subscription: sub, Region: region, SizeMiB: 16}))
			f.must(f.AttachDisk("vm1", "d2"))
			f.must(f.Mount("vm1", "d2"))
			f.must(f.EnableADE("vm1", tc.spec))
			if id, _ := f.BEKSecretID("d2"); id == "" {
				t.Fatal("the new disk was not encrypted")
			}
			if after, _ := f.BEKSecretID("d1"); after != before {
				t.Fatal("the existing disk was re-keyed")
			}
			f.must(f.WriteFile("vm1", "d2", "/new.txt", []byte("second disk")))
			for _, d := range []string{"d1", "d2", "vm1-osdisk"} {
				f.wantReadable(guest("vm1"), diskA(d), true)
				f.wantReadable(insider, diskA(d), false)
			}
			f.must(f.Deallocate("vm1"))
			f.must(f.Start("vm1"))
			b, err := f.ReadFile("vm1", "d1", "/data/existing.csv")
			f.must(err)
			if string(b) != "must survive" {
				t.Fatalf("ReadFile = %q", b)
			}
		})
	}
}

// TestRestoreKeepsEncryption: a same-region restore comes back encrypted
// the way the source was: CMK under the same DES (F87), ADE with the same
// BEK (F95).
func TestRestoreKeepsEncryption(t *testing.T) {
	f := newFixture(t, 57)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
	f.must(f.BackupVM("vm1", "rp1"))
	f.must(f.RestoreVM("rp1", RestoreSpec{VM: "vm2"}))
	v := f.wantReadable(guest("vm2"), diskA("vm2-vm1-data"), true)
	if v.Layers[0].Name != "SSE-CMK" {
		t.Fatalf("restored layer %q, want SSE-CMK", v.Layers[0].Name)
	}
	// Cross-region restore to the pair: platform keys there (F87).
	f.must(f.RestoreVM("rp1", RestoreSpec{VM: "vm3", Region: pairedRegion}))
	v = f.wantReadable(guest("vm3"), diskA("vm3-vm1-data"), true)
	if v.Layers[0].Name != "SSE-PMK" {
		t.Fatalf("cross-region restored layer %q, want SSE-PMK", v.Layers[0].Name)
	}
}

// TestFailedOperationsChangeNothing checks that refused operations leave
// no trace in the world's model.
func TestFailedOperationsChangeNothing(t *testing.T) {
	f := adeVM(t, 58)
	snapshot := func() string {
		return fmt.Sprint(len(f.vms), len(f.disks), len(f.secrets), len(f.keys), len(f.rps), len(f.repls), len(f.blobs), len(f.snaps), f.Pending())
	}
	before := snapshot()
	wantErr(t, f.BackupVM("vm1", "rp"), ErrForbidden, "F90")
	wantErr(t, f.CaptureImage("vm1", "img", true), ErrNotSupported, "F75")
	wantErr(t, f.CreateVM(VMSpec{Name: "x", Subscription: sub, Region: region, Image: "Canonical:ubuntu-22_04-lts", Size: "Standard_D2s_v3", EncryptionAtHost: true}), ErrNotSupported, "F58")
	wantErr(t, f.SetDiskEncryption("vm1-data", "des1"), ErrState, "F49")
	_, err := f.RestoreKey(adminID, kv, "none")
	wantErr(t, err, ErrNotFound, "")
	wantErr(t, f.EnableReplication(adminID, "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "missing"}), ErrNotFound, "F99")
	wantErr(t, f.DisableADE("vm1", VolumeAll), ErrNotSupported, "F77")
	if after := snapshot(); after != before {
		t.Fatalf("world changed: %s -> %s", before, after)
	}
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
}

// longScenario runs many operations of every kind on a fresh world and
// returns its audit log, verdicts and errors as JSON.
func longScenario(t *testing.T, seed uint64) []byte {
	f := adeVM(t, seed)
	var errs []string
	try := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	f.vm("vm2", "MicrosoftWindowsServer:2022-datacenter", "Standard_D4s_v3", "des1")
	f.vault("kv-ne", pairedRegion)
	try(f.GrantBackupAccess(kv))
	try(f.BackupVM("vm1", "rp1"))
	try(f.BackupKey(adminID, kv, "cmk", "cmk.bak"))
	try(f.EnableReplication(adminID, "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "kv-ne"}))
	try(f.WriteFile("vm1", "vm1-data", "/more", []byte("more")))
	f.download("vm1", "vm1-data", "a.vhd")
	try(f.CreateSnapshot("vm2-data", "s2"))
	_, err := f.RotateKey(adminID, kv, "cmk")
	try(err)
	f.Advance(2 * hour)
	try(f.SetKeyEnabled(adminID, f.cmk, false))
	try(f.EnableADE("vm2", ADESpec{Vault: kv, Volumes: VolumeAll}))
	f.Advance(2 * hour)
	try(f.Start("vm2"))
	try(f.DeleteKey(adminID, kv, "kek"))
	try(f.Start("vm1"))
	try(f.Failover("vm1", "dr"))
	try(f.RestoreVM("rp1", RestoreSpec{VM: "r1", Mode: RestoreFiles}))
	f.Advance(9 * 24 * hour)
	try(f.RestoreRecoveryPointKeys(adminID, "rp1", kv))
	try(f.SetKeyEnabled(adminID, f.cmk, true))
	try(f.Start("vm2"))
	var verdicts []Verdict
	for _, v := range []Vantage{guest("vm1"), guest("vm2"), guest("dr"), insider, onPrem("onprem"), operator, drRegion, principalV(adminID)} {
		for _, a := range []Artifact{diskA("vm1-data"), diskA("vm2-data"), vhdA("a.vhd"), snapA("s2"), rpA("rp1", "vm1-data"), replicaA("vm1", "vm1-data"), diskA("dr-vm1-data")} {
			vd, err := f.Readable(v, a)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			verdicts = append(verdicts, vd)
		}
	}
	out, err := json.Marshal(struct {
		Audit    any
		Verdicts []Verdict
		Errors   []string
		Pending  []string
	}{f.Vaults().AuditLog(), verdicts, errs, f.Pending()})
	f.must(err)
	return out
}

// TestDeterministic runs one long scenario twice with the same seed and
// compares the audit logs, verdicts, errors and pending effects. (RSA
// ciphertexts differ between runs but appear in none of these.)
func TestDeterministic(t *testing.T) {
	a, b := longScenario(t, 60), longScenario(t, 60)
	if !bytes.Equal(a, b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Fatalf("two runs differ at byte %d:\n%s\n%s", i, a[max(0, i-200):min(len(a), i+200)], b[max(0, i-200):min(len(b), i+200)])
	}
	if c := longScenario(t, 61); bytes.Equal(a, c) {
		t.Fatal("another seed gave the same transcript: ids do not come from the seed")
	}
}

// TestLayerKeysNameVerdictKeys: every layer's Key names an entry of the
// verdict's Keys (Layer.Key's documented contract), for the vantages of an
// ADE VM's disk, its VHD and its recovery point.
func TestLayerKeysNameVerdictKeys(t *testing.T) {
	f := adeVM(t, 36)
	f.must(f.GrantBackupAccess(kv))
	f.must(f.BackupVM("vm1", "rp1"))
	f.download("vm1", "vm1-data", "v.vhd")
	for _, c := range []struct {
		v Vantage
		a Artifact
	}{
		{guest("vm1"), diskA("vm1-data")},
		{insider, diskA("vm1-data")},
		{Vantage{Kind: RolePrincipal, Principal: adminID}, diskA("vm1-data")},
		{onPrem("onprem"), vhdA("v.vhd")},
		{Vantage{Kind: BackupOperator}, rpA("rp1", "vm1-data")},
		{guest("vm1"), Artifact{Kind: TempDiskArtifact, Name: "vm1"}},
	} {
		v := f.verdict(c.v, c.a)
		for _, l := range v.Layers {
			if l.Key == "" {
				continue
			}
			found := false
			for _, k := range v.Keys {
				found = found || k.Name == l.Key
			}
			if !found {
				t.Errorf("%v -> %v: layer %q needs key %q, which Keys does not list: %v", c.v, c.a, l.Name, l.Key, v)
			}
		}
	}
}
