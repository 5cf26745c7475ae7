package lifecycle

import (
	"errors"
	"testing"
)

// TestRekeyRefusedWithUnmountedADEVolume: re-running EnableADE with a KEK
// re-keys every open ADE volume; an attached ADE volume that is not mounted
// could not be given the new BEK, so the re-key is refused (F69) and changes
// nothing: once mounted again the volume opens and the guest reads it. (The
// re-key used to point the unmounted disk at the new secret, and mounting
// it then failed with "wrong BEK".)
func TestRekeyRefusedWithUnmountedADEVolume(t *testing.T) {
	f := newFixture(t, 1)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeData}))
	before, err := f.BEKSecretID("vm1-data")
	f.must(err)
	f.must(f.Unmount("vm1", "vm1-data"))
	err = f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeData, KEKID: f.kek})
	var re *RefusedError
	if !errors.Is(err, ErrState) || !errors.As(err, &re) || re.Fact != "F69" {
		t.Fatalf("re-key with an unmounted ADE volume: %v, want ErrState (F69)", err)
	}
	if after, _ := f.BEKSecretID("vm1-data"); after != before {
		t.Errorf("the refused re-key moved the disk from secret %s to %s", before, after)
	}
	f.must(f.Mount("vm1", "vm1-data"))
	f.wantReadable(Vantage{Kind: GuestOS, VM: "vm1"}, Artifact{Kind: DiskArtifact, Name: "vm1-data"}, true)
	// Mounted, the re-key goes through and the volume opens with the new BEK
	// after a reboot.
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeData, KEKID: f.kek}))
	f.must(f.Restart("vm1"))
	f.must(f.Mount("vm1", "vm1-data"))
	f.wantReadable(Vantage{Kind: GuestOS, VM: "vm1"}, Artifact{Kind: DiskArtifact, Name: "vm1-data"}, true)
}
