package lifecycle

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/vault"
)

// adeFingerprint renders what a refused EnableADE or DisableADE must leave
// as it was: the vault service's secrets and keys as the admin lists them,
// the platform principal's roles, the world's secret models, every disk's
// media generation and ADE record, each VM's ADE state, mounts, temp disk
// and host caches, and the scheduled effects. It reads the vaults through
// the admin, so it adds audit events of its own; callers compare the audit
// log from after the first fingerprint.
func (f *fixture) adeFingerprint() string {
	f.t.Helper()
	var b strings.Builder
	for _, vn := range sortedKeys(f.vaults) {
		c, _, err := f.client(adminID, vn)
		f.must(err)
		secrets, err := c.ListSecrets()
		f.must(err)
		deleted, err := c.ListDeletedSecrets()
		f.must(err)
		keys, err := c.ListKeys()
		f.must(err)
		fmt.Fprintf(&b, "vault %s: %d secrets, %d deleted secrets, %d keys\n", vn, len(secrets), len(deleted), len(keys))
		for _, s := range secrets {
			fmt.Fprintf(&b, "  secret %s\n", s.ID)
		}
	}
	if p, ok := f.principals[adePlatformID]; ok {
		for _, vn := range sortedKeys(p.vaultRoles) {
			fmt.Fprintf(&b, "platform roles %s %v\n", vn, p.vaultRoles[vn])
		}
	}
	for _, ref := range sortedKeys(f.secrets) {
		sm := f.secrets[ref]
		fmt.Fprintf(&b, "secret model %s deleted=%v purged=%v versions=%d\n", ref, sm.deleted, sm.purged, len(sm.versions))
	}
	for _, dn := range sortedKeys(f.disks) {
		d := f.disks[dn]
		fmt.Fprintf(&b, "disk %s gen=%d ade=%+v everADE=%v lost=%q files=%d\n", dn, d.m.Raw().Generation(), d.ade, d.everADE, d.files.lost, len(d.files.files))
	}
	for _, vn := range sortedKeys(f.vms) {
		vm := f.vms[vn]
		fmt.Fprintf(&b, "vm %s ade=%p %+v bek=%p everADE=%v\n", vn, vm.ade, vm.ade, vm.bek, vm.everADE)
		for _, gn := range sortedKeys(vm.guest) {
			fmt.Fprintf(&b, "  mount %s %p\n", gn, vm.guest[gn])
		}
		if vm.temp != nil {
			fmt.Fprintf(&b, "  temp %p gen=%d\n", vm.temp, vm.temp.Raw().Generation())
		}
		for _, cn := range sortedKeys(vm.caches) {
			fmt.Fprintf(&b, "  cache %s runs=%v gen=%d\n", cn, vm.caches[cn].runs, vm.caches[cn].gen)
		}
	}
	fmt.Fprintf(&b, "pending %q\n", f.Pending())
	return b.String()
}

// refusedUnchanged runs call, which must fail matching every target, and
// checks that it changed nothing and that the vault recorded nothing but
// the operations in allowed (none: a refusal before any vault call).
func (f *fixture) refusedUnchanged(call func() error, targets []error, allowed ...string) {
	f.t.Helper()
	before := f.adeFingerprint()
	n := f.Vaults().AuditLen()
	err := call()
	for _, target := range targets {
		if !errors.Is(err, target) {
			f.t.Fatalf("err = %v, want %v", err, target)
		}
	}
	for _, e := range f.Vaults().AuditSince(n) {
		if !slices.Contains(allowed, e.Operation) {
			f.t.Errorf("the refused call made vault call %s %s -> %s", e.Operation, e.ObjectID, e.Result)
		}
	}
	if after := f.adeFingerprint(); after != before {
		f.t.Errorf("the refused call changed the world:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// fillTail writes a sector of data into the last sector of a mounted data
// disk, below the file system, where in-place encryption needs room for
// the volume header (F71). The guest never writes there (reserveMiB), so
// only a test can make such a disk.
func (f *fixture) fillTail(vmName, diskName string) {
	f.t.Helper()
	vm, d := f.vms[vmName], f.disks[diskName]
	dev := vm.guestDevice(d)
	buf := make([]byte, dev.SectorSize())
	copy(buf, "data in the header's room")
	f.must(dev.WriteSectors(buf, dev.Sectors()-1))
}

func TestEnableADERefusalsChangeNothing(t *testing.T) {
	ubuntu, d2 := "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3"
	for _, tc := range []struct {
		name        string
		image, size string
		setup       func(f *fixture) ADESpec
		want        []error
	}{
		{"vault not enabled for disk encryption", ubuntu, d2, func(f *fixture) ADESpec {
			f.must(f.CreateVault(VaultSpec{Name: "kv2", Subscription: sub, Region: region}))
			return ADESpec{Vault: "kv2", Volumes: VolumeAll}
		}, []error{ErrVaultConfig}},
		{"vault in another region", ubuntu, d2, func(f *fixture) ADESpec {
			f.must(f.CreateVault(VaultSpec{Name: "kv3", Subscription: sub, Region: "northeurope", EnabledForDiskEncryption: true}))
			return ADESpec{Vault: "kv3", Volumes: VolumeAll}
		}, []error{ErrRegionMismatch}},
		{"no such vault", ubuntu, d2, func(f *fixture) ADESpec { return ADESpec{Vault: "nope", Volumes: VolumeAll} }, []error{ErrNotFound}},
		{"KEK disabled", ubuntu, d2, func(f *fixture) ADESpec {
			f.must(f.SetKeyEnabled(adminID, f.kek, false))
			return ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}
		}, []error{ErrKeyUnavailable, vault.ErrDisabled}},
		{"KEK expired", ubuntu, d2, func(f *fixture) ADESpec {
			f.must(f.SetKeyExpiry(adminID, f.kek, f.Now().Add(time.Hour)))
			f.Advance(2 * time.Hour)
			return ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}
		}, []error{ErrKeyUnavailable, vault.ErrExpired}},
		{"KEK soft-deleted", ubuntu, d2, func(f *fixture) ADESpec {
			f.must(f.DeleteKey(adminID, kv, "kek"))
			return ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}
		}, []error{ErrKeyUnavailable, vault.ErrNotFound}},
		{"KEK not RSA", ubuntu, d2, func(f *fixture) ADESpec {
			id, err := f.CreateKey(adminID, kv, "ec", KeySpec{Type: vault.KeyTypeEC})
			f.must(err)
			return ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: id}
		}, []error{ErrUnsupportedKey}},
		{"insufficient memory", ubuntu, "Standard_B2s", nil, []error{ErrInsufficientMemory}},
		{"unsupported size", ubuntu, "Standard_A2_v2", nil, []error{ErrNotSupported}},
		{"unsupported image", "Debian:debian-12", d2, nil, []error{ErrNotSupported}},
		{"data volume without room for the header", ubuntu, d2, func(f *fixture) ADESpec {
			f.fillTail("vm1", "vm1-data")
			return ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}
		}, []error{ErrState, disk.ErrNoRoom}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 41)
			f.vm("vm1", tc.image, tc.size, "")
			spec := ADESpec{Vault: kv, Volumes: VolumeAll}
			if tc.setup != nil {
				spec = tc.setup(f)
			}
			f.refusedUnchanged(func() error { return f.EnableADE("vm1", spec) }, tc.want)
		})
	}
}

// TestEnableADEDataDiskWithoutRoom is the case that was not atomic: the OS
// volume was encrypted, the BEK stored and the VM marked ADE before the
// data volume was found to have no room for its header.
func TestEnableADEDataDiskWithoutRoom(t *testing.T) {
	f := newFixture(t, 42)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f.fillTail("vm1", "vm1-data")
	f.refusedUnchanged(func() error { return f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll}) }, []error{ErrState, disk.ErrNoRoom})
	if id, _ := f.BEKSecretID("vm1-osdisk"); id != "" {
		t.Fatalf("the OS disk records BEK %s after a refused enable", id)
	}
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	// The OS volume alone can still be encrypted, and nothing of the
	// refused call is in the way.
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeOS}))
	f.wantReadable(guest("vm1"), diskA("vm1-osdisk"), true)
}

// TestEnableADERekeyRefusalsChangeNothing covers re-keys (F83): a refusal
// must leave the volumes with their old BEK and the VM with its old secret.
func TestEnableADERekeyRefusalsChangeNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(f *fixture) ADESpec
		want  []error
	}{
		{"new KEK disabled", func(f *fixture) ADESpec {
			id, err := f.CreateKey(adminID, kv, "kek2", KeySpec{Size: 3072})
			f.must(err)
			f.must(f.SetKeyEnabled(adminID, id, false))
			return ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: id}
		}, []error{ErrKeyUnavailable, vault.ErrDisabled}},
		{"new vault not enabled for disk encryption", func(f *fixture) ADESpec {
			f.must(f.CreateVault(VaultSpec{Name: "kv2", Subscription: sub, Region: region}))
			return ADESpec{Vault: "kv2", Volumes: VolumeAll}
		}, []error{ErrVaultConfig}},
		{"a new data volume without room", func(f *fixture) ADESpec {
			f.must(f.CreateDisk(DiskSpec{Name: "vm1-data2", Subscription: sub, Region: region, SizeMiB: 16}))
			f.must(f.AttachDisk("vm1", "vm1-data2"))
			f.must(f.Mount("vm1", "vm1-data2"))
			f.fillTail("vm1", "vm1-data2")
			return ADESpec{Vault: kv, Volumes: VolumeAll}
		}, []error{ErrState, disk.ErrNoRoom}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := adeVM(t, 43)
			old, err := f.BEKSecretID("vm1-data")
			f.must(err)
			spec := tc.setup(f)
			f.refusedUnchanged(func() error { return f.EnableADE("vm1", spec) }, tc.want)
			if id, _ := f.BEKSecretID("vm1-data"); id != old {
				t.Fatalf("BEK secret %s after a refused re-key, want %s", id, old)
			}
			f.must(f.Deallocate("vm1"))
			f.must(f.Start("vm1")) // the BEK the vault holds still opens every volume (F82)
			f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
		})
	}
}

// TestEnableADEUndoesVaultRefusalMidway makes the vault refuse a call the
// world's model expected to succeed (the KEK deleted behind the world's
// back), after the platform's roles were granted: the grants are undone.
func TestEnableADEUndoesVaultRefusalMidway(t *testing.T) {
	f := newFixture(t, 44)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	c, _, err := f.client(adminID, kv)
	f.must(err)
	_, err = c.DeleteKey("kek") // the world's model still holds it live
	f.must(err)
	f.refusedUnchanged(func() error { return f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}) },
		[]error{ErrKeyUnavailable, vault.ErrNotFound}, "AssignRole", "WrapKey", "RemoveRole")
	if p := f.principals[adePlatformID]; p != nil {
		t.Fatalf("the platform principal stayed, with roles %v", p.vaultRoles)
	}
}

// TestEnableADEUndoesRekeyMidway fills the protector slots of the data
// volume so that re-keying it fails after the OS volume was re-keyed and
// the new secret stored: the OS volume gets its old protector back, and
// the secret is deleted (purge protection keeps it soft-deleted, as Azure
// would).
func TestEnableADEUndoesRekeyMidway(t *testing.T) {
	f := adeVM(t, 45)
	vm := f.vms["vm1"]
	for i := 0; ; i++ {
		if err := vm.guest["vm1-data"].vol.AddBEK(nil, []byte(fmt.Sprintf("filler-%d", i)), kdfIterations); err != nil {
			if !errors.Is(err, disk.ErrProtectors) {
				t.Fatal(err)
			}
			break
		}
	}
	old, err := f.BEKSecretID("vm1-data")
	f.must(err)
	oldBEK := vm.bek
	secrets := len(f.secrets)
	err = f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll})
	if !errors.Is(err, ErrState) || !errors.Is(err, disk.ErrProtectors) {
		t.Fatalf("EnableADE = %v, want ErrState and disk.ErrProtectors", err)
	}
	if id, _ := f.BEKSecretID("vm1-osdisk"); id != old || vm.bek != oldBEK {
		t.Fatalf("OS disk BEK %s after an undone re-key, want %s", id, old)
	}
	if len(f.secrets) != secrets+1 {
		t.Fatalf("%d secret models, want the %d there were and the soft-deleted new one", len(f.secrets), secrets)
	}
	for ref, sm := range f.secrets {
		if sm.lineage != old && !sm.deleted {
			t.Errorf("secret %s is live after an undone enable", ref)
		}
	}
	for _, dn := range []string{"vm1-osdisk", "vm1-data"} {
		dev := vm.guestDevice(f.disks[dn])
		if _, err := disk.OpenVolume(dev, oldBEK.bytes()); err != nil {
			t.Errorf("%s: the old BEK no longer opens it: %v", dn, err)
		}
	}
	f.must(f.Deallocate("vm1"))
	f.must(f.Start("vm1"))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
}

func TestDisableADERefusalsChangeNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		image string
		spec  ADESpec
		vols  VolumeType
		want  error
	}{
		{"Linux OS volume", "Canonical:ubuntu-22_04-lts", ADESpec{Vault: kv, Volumes: VolumeAll}, VolumeAll, ErrNotSupported},
		{"Linux data while the OS is encrypted", "Canonical:ubuntu-22_04-lts", ADESpec{Vault: kv, Volumes: VolumeAll}, VolumeData, ErrNotSupported},
		{"Windows OS alone", "MicrosoftWindowsServer:2019-datacenter", ADESpec{Vault: kv, Volumes: VolumeAll}, VolumeOS, ErrNotSupported},
		{"bad volume type", "Canonical:ubuntu-22_04-lts", ADESpec{Vault: kv, Volumes: VolumeData}, VolumeUnknown, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 46)
			f.vm("vm1", tc.image, "Standard_D2s_v3", "")
			f.must(f.EnableADE("vm1", tc.spec))
			f.refusedUnchanged(func() error { return f.DisableADE("vm1", tc.vols) }, []error{tc.want})
		})
	}
	t.Run("not enabled", func(t *testing.T) {
		f := newFixture(t, 46)
		f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
		f.refusedUnchanged(func() error { return f.DisableADE("vm1", VolumeData) }, []error{ErrState})
	})
}
