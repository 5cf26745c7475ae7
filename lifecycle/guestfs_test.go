package lifecycle

import (
	"errors"
	"fmt"
	"testing"

	"github.com/atrest-sim/atrest/disk"
)

// TestGuestFileSystemFull: a guest volume holds GuestInodes files and
// folders; the next file is refused with disk.ErrNoSpace and the refusal
// changes nothing.
func TestGuestFileSystemFull(t *testing.T) {
	f := newFixture(t, 1)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	// Root, /data and /data/customers.csv exist; fill the rest.
	var err error
	n := 0
	for ; n < GuestInodes; n++ {
		if err = f.WriteFile("vm1", "vm1-data", fmt.Sprintf("/data/f%03d", n), []byte{byte(n)}); err != nil {
			break
		}
	}
	if want := GuestInodes - 3; n != want || !errors.Is(err, disk.ErrNoSpace) {
		t.Fatalf("wrote %d files before %v; want %d then disk.ErrNoSpace", n, err, want)
	}
	names, lerr := f.ListDir("vm1", "vm1-data", "/data")
	f.must(lerr)
	if len(names) != n+1 {
		t.Errorf("/data lists %d entries after the refused write, want %d", len(names), n+1)
	}
	got, rerr := f.ReadFile("vm1", "vm1-data", "/data/customers.csv")
	if rerr != nil || string(got) != "alice,42\nbob,17\n" {
		t.Errorf("first file after the refused write: %q, %v", got, rerr)
	}
	f.wantReadable(Vantage{Kind: GuestOS, VM: "vm1"}, Artifact{Kind: DiskArtifact, Name: "vm1-data"}, true)
}
