package lifecycle

import (
	"errors"
	"testing"
)

const (
	pairedRegion = "northeurope" // westeurope's pair, same geography (Europe)
	otherGeo     = "eastus"      // United States
)

func replicaA(vm, d string) Artifact { return Artifact{Kind: ReplicaArtifact, Name: vm, Disk: d} }
func snapA(n string) Artifact        { return Artifact{Kind: SnapshotArtifact, Name: n} }

var drRegion = Vantage{Kind: DRRegion}

// vault creates a vault for ADE and CMK in a region.
func (f *fixture) vault(name, region string) {
	f.t.Helper()
	f.must(f.CreateVault(VaultSpec{Name: name, Subscription: sub, Region: region, PurgeProtection: true, EnabledForDiskEncryption: true, RetentionDays: 7}))
}

// purgeForGood soft-deletes a key and lets retention end: with purge
// protection on, this is the only way to purge it (F26, F27).
func (f *fixture) purgeForGood(vaultName, key string) {
	f.t.Helper()
	f.must(f.DeleteKey(adminID, vaultName, key))
	f.Advance(8 * 24 * hour)
}

func TestKEKPurgedRestoredFromKeyBackup(t *testing.T) {
	f := adeVM(t, 40)
	f.must(f.BackupKey(adminID, kv, "kek", "kek.backup"))
	f.must(f.Deallocate("vm1"))
	f.purgeForGood(kv, "kek")
	f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	err := f.Start("vm1")
	wantErr(t, err, ErrBootFailure, "F82")
	if errors.Is(err, ErrDataUnrecoverable) {
		t.Fatal("Start reports the data unrecoverable although a key backup exists (F114)")
	}

	// Another geography, then another subscription: refused, nothing changes (F33).
	f.vault("kv-us", otherGeo)
	_, err = f.RestoreKey(adminID, "kv-us", "kek.backup")
	wantErr(t, err, ErrRegionMismatch, "F33")
	if _, ok := f.keys[keyRef("kv-us", "kek")]; ok {
		t.Fatal("a refused restore left a key model")
	}
	f.must(f.AddSubscription("tenant1", "sub2"))
	f.must(f.CreateVault(VaultSpec{Name: "kv-sub2", Subscription: "sub2", Region: region}))
	_, err = f.RestoreKey(adminID, "kv-sub2", "kek.backup")
	wantErr(t, err, ErrSubscriptionMismatch, "F33")

	// The same geography: the key comes back with its version ids (F34).
	id, err := f.RestoreKey(adminID, kv, "kek.backup")
	f.must(err)
	if id != f.kek {
		t.Fatalf("restored id %s, want %s", id, f.kek)
	}
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Start("vm1"))
	b, err := f.ReadFile("vm1", "vm1-data", "/data/after.txt")
	f.must(err)
	if string(b) != "written after encryption" {
		t.Fatalf("ReadFile = %q", b)
	}
	// Restoring over a live key conflicts (F34).
	_, err = f.RestoreKey(adminID, kv, "kek.backup")
	wantErr(t, err, ErrState, "F34")
}

func TestKEKPurgedUnreadableForever(t *testing.T) {
	f := adeVM(t, 7)
	f.vault("kv-ne", pairedRegion)
	f.must(f.EnableReplication(adminID, "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "kv-ne"}))
	f.must(f.CreateSnapshot("vm1-data", "snap1"))
	f.download("vm1", "vm1-data", "v.vhd")
	f.must(f.Deallocate("vm1"))
	// Every copy: the source KEK, and the KEK the DR region wraps its copy
	// of the BEK with (F99). No key backup and no recovery point exist.
	f.must(f.DeleteKey(adminID, kv, "kek"))
	f.must(f.DeleteKey(adminID, "kv-ne", "kek"))
	f.Advance(8 * 24 * hour) // retention is 7 days: purged automatically (F26)
	for _, c := range []struct {
		v    Vantage
		a    Artifact
		f114 bool // the verdict asks a vault, which finds no copy anywhere
	}{
		{guest("vm1"), diskA("vm1-data"), true},
		{guest("vm1"), diskA("vm1-osdisk"), true},
		{principalV(adminID), diskA("vm1-data"), true},
		{principalV(adminID), snapA("snap1"), true},
		{Vantage{Kind: VHDHolder, Principal: adminID}, vhdA("v.vhd"), true},
		{onPrem("onprem"), vhdA("v.vhd"), false},
		{drRegion, replicaA("vm1", "vm1-data"), true},
		{insider, replicaA("vm1", "vm1-data"), false},
	} {
		v := f.wantReadable(c.v, c.a, false)
		if c.f114 && !hasFact(v, "F114") {
			t.Errorf("%v -> %v: facts %v lack F114\n%v", c.v, c.a, v.Facts, v)
		}
	}
	err := f.Start("vm1")
	wantErr(t, err, ErrDataUnrecoverable, "F114")
	if !errors.Is(err, ErrBootFailure) {
		t.Fatalf("Start: %v does not also match ErrBootFailure (F82)", err)
	}
	wantErr(t, f.Failover("vm1", "vm1-dr"), ErrDataUnrecoverable, "F114")
	if _, ok := f.vms["vm1-dr"]; ok {
		t.Fatal("a failed failover left a VM")
	}
	id, _ := f.BEKSecretID("vm1-data")
	wantErr(t, f.HandBEKToHost(adminID, id, "onprem"), ErrDataUnrecoverable, "F114")
	// Forever: nothing that happens later brings it back.
	f.Advance(365 * 24 * hour)
	_, err = f.CreateKey(adminID, kv, "kek", KeySpec{Size: 3072}) // same name, new material
	f.must(err)
	f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	wantErr(t, f.Start("vm1"), ErrDataUnrecoverable, "F114")
}

func hasFact(v Verdict, fact string) bool {
	for _, f := range v.Facts {
		if f == fact {
			return true
		}
	}
	return false
}

// TestKEKPurgedRecoveryPointHoldsCopy: a recovery point of an ADE VM keeps
// backups of the KEK and BEK (F89), so purging the KEK loses nothing while
// it exists; the keys go back into a vault before the VM is created (F92).
func TestKEKPurgedRecoveryPointHoldsCopy(t *testing.T) {
	f := adeVM(t, 41)
	f.must(f.GrantBackupAccess(kv))
	f.must(f.BackupVM("vm1", "rp1"))
	f.must(f.Deallocate("vm1"))
	f.purgeForGood(kv, "kek")
	err := f.Start("vm1")
	wantErr(t, err, ErrBootFailure, "F82")
	if errors.Is(err, ErrDataUnrecoverable) {
		t.Fatal("the recovery point's key backup was not counted as a copy (F89, F114)")
	}
	// Without the keys, the restored VM cannot boot.
	wantErr(t, f.RestoreVM("rp1", RestoreSpec{VM: "vm2"}), ErrBootFailure, "F82")
	if _, ok := f.vms["vm2"]; ok {
		t.Fatal("a failed restore left a VM")
	}
	// Another geography is refused (F33), and changes nothing.
	f.vault("kv-us", otherGeo)
	wantErr(t, f.RestoreRecoveryPointKeys(adminID, "rp1", "kv-us"), ErrRegionMismatch, "F33")
	if _, ok := f.secrets[keyRef("kv-us", secretName(f.vms["vm1"].ade.secretID))]; ok {
		t.Fatal("a refused key restore left a secret")
	}
	// A separate copy for the restored VM, in a second vault (F92). Before
	// the keys are restored there, the restore is refused and changes
	// nothing: no VM, no disk, no vault role for the ADE platform.
	f.vault("kv2", region)
	roles := func() int {
		if p := f.principals[adePlatformID]; p != nil {
			return len(p.vaultRoles["kv2"])
		}
		return 0
	}
	before, disks := roles(), len(f.disks)
	wantErr(t, f.RestoreVM("rp1", RestoreSpec{VM: "vm3", KeyVault: "kv2"}), ErrNotFound, "F92")
	if _, ok := f.vms["vm3"]; ok || roles() != before || len(f.disks) != disks {
		t.Fatalf("a refused restore changed the world: VM %v, platform roles on kv2 %d -> %d, disks %d -> %d", ok, before, roles(), disks, len(f.disks))
	}
	f.must(f.RestoreRecoveryPointKeys(adminID, "rp1", "kv2"))
	f.must(f.RestoreVM("rp1", RestoreSpec{VM: "vm3", KeyVault: "kv2"}))
	f.wantReadable(guest("vm3"), diskA("vm3-vm1-data"), true)
	// And back into the original vault, for the original VM.
	f.must(f.RestoreRecoveryPointKeys(adminID, "rp1", kv))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Start("vm1"))
	f.must(f.RestoreVM("rp1", RestoreSpec{VM: "vm2"}))
	f.wantReadable(guest("vm2"), diskA("vm2-vm1-data"), true)
}

func TestDRReplicaOfADEVM(t *testing.T) {
	f := adeVM(t, 42)
	f.vault("kv-ne", pairedRegion)
	spec := ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "kv-ne"}
	f.must(f.EnableReplication(adminID, "vm1", spec))
	f.must(f.AddPrincipal("reader"))
	f.must(f.AssignComputeRole("reader", sub, Reader))
	f.must(f.WriteFile("vm1", "vm1-data", "/data/later.txt", []byte("replicated write")))
	for _, d := range []string{"vm1-data", "vm1-osdisk"} {
		f.wantReadable(insider, replicaA("vm1", d), false) // encrypted at rest
		f.wantReadable(principalV("reader"), replicaA("vm1", d), false)
		v := f.wantReadable(drRegion, replicaA("vm1", d), true)
		if len(v.Layers) < 2 || v.Layers[1].Name != "ADE dm-crypt" {
			t.Fatalf("replica layers %v, want ADE under SSE", v.Layers)
		}
	}
	// The source KEK purged: the replica has its own copy (F99, F35).
	f.must(f.Deallocate("vm1"))
	f.purgeForGood(kv, "kek")
	f.wantReadable(drRegion, replicaA("vm1", "vm1-data"), true)
	f.must(f.Failover("vm1", "vm1-dr"))
	f.wantReadable(guest("vm1-dr"), diskA("vm1-dr-vm1-data"), true)
	f.wantReadable(guest("vm1-dr"), replicaA("vm1", "vm1-data"), true)
	b, err := f.ReadFile("vm1-dr", "vm1-dr-vm1-data", "/data/later.txt")
	f.must(err)
	if string(b) != "replicated write" {
		t.Fatalf("ReadFile = %q", b)
	}
	wantErr(t, f.Failover("vm1", "again"), ErrState, "F99")
}

func TestDRKeysNotResynced(t *testing.T) {
	f := adeVM(t, 43)
	f.vault("kv-ne", pairedRegion)
	f.must(f.EnableReplication(adminID, "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "kv-ne"}))
	kek2, err := f.CreateKey(adminID, kv, "kek2", KeySpec{Size: 3072})
	f.must(err)
	// Re-key at the source (F83): the target is not updated (F100).
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: kek2}))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	v := f.wantReadable(drRegion, replicaA("vm1", "vm1-data"), false)
	if !hasFact(v, "F100") {
		t.Fatalf("verdict lacks F100:\n%v", v)
	}
	wantErr(t, f.Failover("vm1", "vm1-dr"), ErrBootFailure, "F82")
}

func TestDRRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		prep func(f *fixture) (string, ReplicationSpec)
		err  error
		fact string
	}{
		{"same region", func(f *fixture) (string, ReplicationSpec) {
			return "vm1", ReplicationSpec{TargetRegion: region}
		}, ErrInvalid, "F99"},
		{"CMK disk without target DES", func(f *fixture) (string, ReplicationSpec) {
			f.vm("vm2", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
			return "vm2", ReplicationSpec{TargetRegion: pairedRegion}
		}, ErrNotFound, "F101"},
		{"CMK disk with a source-region DES", func(f *fixture) (string, ReplicationSpec) {
			f.vm("vm2", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
			return "vm2", ReplicationSpec{TargetRegion: pairedRegion, TargetDES: map[string]string{"vm2-osdisk": "des1", "vm2-data": "des1"}}
		}, ErrRegionMismatch, "F101"},
		{"ADE target vault in another region", func(f *fixture) (string, ReplicationSpec) {
			f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}))
			f.vault("kv-us", otherGeo)
			return "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "kv-us"}
		}, ErrRegionMismatch, "F68"},
		{"Linux ADE switched off", func(f *fixture) (string, ReplicationSpec) {
			f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll}))
			f.opts.ASRLinuxADE = false
			f.vault("kv-ne", pairedRegion)
			return "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "kv-ne"}
		}, ErrNotSupported, "F98"},
		{"HSM KEK", func(f *fixture) (string, ReplicationSpec) {
			f.must(f.CreateVault(VaultSpec{Name: "kvp", Subscription: sub, Region: region, Premium: true, EnabledForDiskEncryption: true}))
			id, err := f.CreateKey(adminID, "kvp", "hsm", KeySpec{Type: "RSA-HSM", Size: 3072})
			f.must(err)
			f.must(f.EnableADE("vm1", ADESpec{Vault: "kvp", Volumes: VolumeAll, KEKID: id}))
			f.vault("kv-ne", pairedRegion)
			return "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "kv-ne"}
		}, ErrNotSupported, "F98"},
		{"disk over 8 TiB", func(f *fixture) (string, ReplicationSpec) {
			f.must(f.CreateDisk(DiskSpec{Name: "big", Subscription: sub, Region: region, SizeMiB: 9 << 20}))
			f.must(f.AttachDisk("vm1", "big"))
			return "vm1", ReplicationSpec{TargetRegion: pairedRegion}
		}, ErrNotSupported, "F103"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 44)
			f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
			vm, spec := tc.prep(f)
			secrets := len(f.secrets)
			wantErr(t, f.EnableReplication(adminID, vm, spec), tc.err, tc.fact)
			if len(f.repls) != 0 || len(f.secrets) != secrets {
				t.Fatal("a refused replication changed the world")
			}
		})
	}
}

// TestDRCMKAndHost: CMK disks replicate under a target-region DES (F101);
// encryption at host is not carried over (F102).
func TestDRCMKAndHost(t *testing.T) {
	f := newFixture(t, 45)
	f.must(f.RegisterEncryptionAtHost(sub))
	f.vault("kv-ne", pairedRegion)
	id, err := f.CreateKey(adminID, "kv-ne", "cmk-ne", KeySpec{})
	f.must(err)
	f.must(f.CreateDES(DESSpec{Name: "des-ne", Subscription: sub, Region: pairedRegion, KeyID: id, Double: true}))
	f.must(f.CreateVM(VMSpec{Name: "vm1", Subscription: sub, Region: region, Image: "Canonical:ubuntu-22_04-lts", Size: "Standard_D2s_v3", OSDiskDES: "des1", EncryptionAtHost: true}))
	f.must(f.WriteFile("vm1", "vm1-osdisk", "/data/x", []byte("cmk data")))
	f.must(f.EnableReplication(adminID, "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetDES: map[string]string{"vm1-osdisk": "des-ne"}}))
	f.must(f.WriteFile("vm1", TempDisk, "/swap", []byte("page")))
	f.wantReadable(insider, tempA("vm1"), false) // encryption at host
	v := f.wantReadable(drRegion, replicaA("vm1", "vm1-osdisk"), true)
	if v.Layers[0].Name != "SSE-PMK+CMK (double)" {
		t.Fatalf("replica layer %q, want double encryption under the target DES", v.Layers[0].Name)
	}
	f.wantReadable(insider, replicaA("vm1", "vm1-osdisk"), false)
	// The source CMK disabled: the replica does not depend on it.
	f.must(f.SetKeyEnabled(adminID, f.cmk, false))
	f.Advance(2 * hour)
	f.wantReadable(drRegion, replicaA("vm1", "vm1-osdisk"), true)
	f.must(f.Failover("vm1", "vm1-dr"))
	if f.vms["vm1-dr"].eah {
		t.Fatal("encryption at host carried over (F102)")
	}
	f.must(f.WriteFile("vm1-dr", TempDisk, "/swap", []byte("page")))
	f.wantReadable(insider, tempA("vm1-dr"), true) // the temp disk is plaintext at rest now
}

// TestRecoveryPointKeysNameTaken: a soft-deleted KEK holds its name, so
// the recovery point's copy cannot be restored over it (F24, F34, F92);
// nothing is restored, not even the secret.
func TestRecoveryPointKeysNameTaken(t *testing.T) {
	f := adeVM(t, 46)
	f.must(f.GrantBackupAccess(kv))
	f.must(f.BackupVM("vm1", "rp1"))
	f.vault("kv2", region)
	_, err := f.CreateKey(adminID, "kv2", "kek", KeySpec{Size: 3072})
	f.must(err)
	f.must(f.DeleteKey(adminID, "kv2", "kek"))
	wantErr(t, f.RestoreRecoveryPointKeys(adminID, "rp1", "kv2"), ErrState, "F34")
	if _, ok := f.secrets[keyRef("kv2", secretName(f.vms["vm1"].ade.secretID))]; ok {
		t.Fatal("a refused key restore restored the secret")
	}
	f.must(f.RecoverKey(adminID, "kv2", "kek"))
	wantErr(t, f.RestoreRecoveryPointKeys(adminID, "rp1", "kv2"), ErrState, "F34")
}
