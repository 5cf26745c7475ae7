package lifecycle

import (
	"errors"
	"testing"
	"time"
)

// TestRawDigest: a rotation with its DES pickup rewrites no sector at rest
// (F44, F50), a guest write does, and artifacts without bytes at rest are
// refused.
func TestRawDigest(t *testing.T) {
	f := newFixture(t, 1)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
	data := Artifact{Kind: DiskArtifact, Name: "vm1-data"}
	digest := func() [32]byte {
		t.Helper()
		d, err := f.RawDigest(data)
		f.must(err)
		if m, err := f.RawDigest(Artifact{Kind: MediaArtifact, Name: "vm1-data"}); err != nil || m != d {
			t.Fatalf("media digest %x, %v; disk digest %x", m, err, d)
		}
		return d
	}
	before := digest()
	if _, err := f.RotateKey(adminID, kv, "cmk"); err != nil {
		t.Fatal(err)
	}
	f.Advance(2 * time.Hour) // the DES picks up the new version (F50)
	if digest() != before {
		t.Error("the rotation and its pickup changed the bytes at rest")
	}
	f.must(f.WriteFile("vm1", "vm1-data", "/data/more.csv", []byte("carol,7\n")))
	if digest() == before {
		t.Error("a guest write left the bytes at rest unchanged")
	}
	if _, err := f.RawDigest(Artifact{Kind: DiskArtifact, Name: "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown disk: %v, want ErrNotFound", err)
	}
	if _, err := f.RawDigest(Artifact{Kind: VHDArtifact, Name: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("VHD: %v, want ErrInvalid", err)
	}
	if _, err := f.RawDigest(Artifact{Kind: TempDiskArtifact, Name: "vm1"}); err != nil {
		t.Errorf("temp disk: %v", err)
	}
}

// TestEncryptionTypeCannotBeNone: the disk API has no type without
// encryption (F43); a type must agree with the DES (F45, F54); a refused
// create changes nothing.
func TestEncryptionTypeCannotBeNone(t *testing.T) {
	f := newFixture(t, 1)
	for _, c := range []struct {
		name string
		des  string
		typ  EncryptionType
		want error
		fact string
	}{
		{"none", "", "None", ErrInvalid, "F43"},
		{"another unknown type", "", "EncryptionAtRestDisabled", ErrInvalid, "F43"},
		{"CMK type without DES", "", EncryptionAtRestWithCustomerKey, ErrInvalid, "F45"},
		{"PMK type with a DES", "des1", EncryptionAtRestWithPlatformKey, ErrInvalid, "F45"},
		{"double type with a CMK DES", "des1", EncryptionAtRestWithPlatformAndCustomerKeys, ErrInvalid, "F54"},
		{"PMK", "", EncryptionAtRestWithPlatformKey, nil, ""},
		{"CMK", "des1", EncryptionAtRestWithCustomerKey, nil, ""},
	} {
		name := "d-" + c.name
		err := f.CreateDisk(DiskSpec{Name: name, Subscription: sub, Region: region, SizeMiB: 16, DES: c.des, Encryption: c.typ})
		var re *RefusedError
		switch {
		case c.want == nil && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != nil && (!errors.Is(err, c.want) || !errors.As(err, &re) || re.Fact != c.fact):
			t.Errorf("%s: %v, want %v (%s)", c.name, err, c.want, c.fact)
		case c.want != nil:
			if _, ok := f.disks[name]; ok {
				t.Errorf("%s: the refused create left a disk", c.name)
			}
		}
	}
}
