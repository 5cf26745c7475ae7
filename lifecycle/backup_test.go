package lifecycle

import "testing"

func rpA(rp, d string) Artifact { return Artifact{Kind: RecoveryPointArtifact, Name: rp, Disk: d} }

var operator = Vantage{Kind: BackupOperator}

func TestBackupSSE(t *testing.T) {
	f := newFixture(t, 20)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
	f.must(f.BackupVM("vm1", "rp1"))
	f.wantReadable(insider, rpA("rp1", "vm1-data"), false)
	f.wantReadable(operator, rpA("rp1", "vm1-data"), true)
	f.must(f.RestoreVM("rp1", RestoreSpec{VM: "vm2"}))
	f.wantReadable(guest("vm2"), diskA("vm2-vm1-data"), true)
	// The recovery point does not depend on the disk's CMK (F86).
	f.must(f.SetKeyEnabled(adminID, f.cmk, false))
	f.Advance(2 * hour)
	f.wantReadable(operator, rpA("rp1", "vm1-data"), true)
}

func TestBackupADE(t *testing.T) {
	f := adeVM(t, 21)
	wantErr(t, f.BackupVM("vm1", "rp0"), ErrForbidden, "F90")
	f.must(f.GrantBackupAccess(kv))
	f.must(f.BackupVM("vm1", "rp1"))
	f.wantReadable(insider, rpA("rp1", "vm1-data"), false)
	f.wantReadable(operator, rpA("rp1", "vm1-data"), false) // guest ciphertext (F95)
	f.must(f.AddSubscription("tenant1", "sub2"))
	wantErr(t, f.RestoreVM("rp1", RestoreSpec{VM: "x", Subscription: "sub2"}), ErrSubscriptionMismatch, "F91")
	wantErr(t, f.RestoreVM("rp1", RestoreSpec{VM: "x", Mode: RestoreReplaceExisting}), ErrNotSupported, "F91")
	wantErr(t, f.RestoreVM("rp1", RestoreSpec{VM: "x", Mode: RestoreFiles}), ErrNotSupported, "F93")
	wantErr(t, f.RestoreVM("rp1", RestoreSpec{VM: "x", Region: "eastus"}), ErrRegionMismatch, "F87")
	f.must(f.RestoreVM("rp1", RestoreSpec{VM: "vm2"}))
	f.wantReadable(guest("vm2"), diskA("vm2-vm1-data"), true)
	f.wantReadable(insider, diskA("vm2-vm1-data"), false)
	// Encrypted the same way: the same BEK secret protects the restored
	// volumes (F95), which stay guest-encrypted in the storage service.
	src, _ := f.BEKSecretID("vm1-data")
	got, _ := f.BEKSecretID("vm2-vm1-data")
	if got == "" || got != src {
		t.Fatalf("restored disk BEK %q, want %q", got, src)
	}
	f.must(f.Stop("vm2"))
	g, err := f.GrantAccess(adminID, "vm2-vm1-data", hour)
	f.must(err)
	f.must(f.DownloadVHD(g, "r.vhd"))
	f.must(f.AddHost("onprem"))
	f.must(f.CopyVHDToHost("r.vhd", "onprem"))
	f.wantReadable(onPrem("onprem"), vhdA("r.vhd"), false)
}

func TestEncryptFormatAllAfterBackup(t *testing.T) {
	f := newFixture(t, 22)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f.must(f.BackupVM("vm1", "before"))
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeData, EncryptFormatAll: true}))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	f.must(f.RestoreVM("before", RestoreSpec{VM: "vm2"}))
	f.wantReadable(guest("vm2"), diskA("vm2-vm1-data"), true)
}

// TestRecoveryPointKeepsNoHostState checks that a recovery point keeps the
// VM's description and nothing of the VM on its host: no host cache (whose
// cipher layers would outlive the deallocation), guest mounts, BEK volume,
// temp disk or host key.
func TestRecoveryPointKeepsNoHostState(t *testing.T) {
	eah := cacheVM(t, 69, ubuntu2204, "", true, nil)
	ade := adeVM(t, 70)
	ade.must(ade.GrantBackupAccess(kv))
	for _, f := range []*fixture{eah, ade} {
		vm := f.vms["vm1"]
		if vm.caches["vm1-data"] == nil || vm.guest == nil || vm.temp == nil {
			t.Fatal("the fixture's VM has no cache, guest mounts or temp disk")
		}
		f.must(f.BackupVM("vm1", "rp1"))
		src := f.rps["rp1"].src
		if src.caches != nil || src.guest != nil || src.mounted != nil || src.bek != nil ||
			src.temp != nil || src.tmpLed != nil || src.hostKey != nil || src.ade != nil || src.data != nil {
			t.Errorf("the recovery point keeps host state: %+v", *src)
		}
		if src.spec != vm.spec || src.size != vm.size || src.image.Distro != vm.image.Distro {
			t.Errorf("the recovery point's description differs from the VM's")
		}
		f.must(f.Deallocate("vm1"))
		_, err := f.Concrete(insider, cacheA("vm1", "vm1-data"))
		wantErr(t, err, ErrNotFound, "F70")
		// The operator reads the point as before (not an ADE one: it has no
		// path to the BEK's vault, F89).
		f.wantReadable(operator, rpA("rp1", "vm1-data"), f == eah)
	}
}
