package lifecycle_test

import (
	"fmt"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
	"github.com/atrest-sim/atrest/vault"
)

var examplePool = vault.NewKeyPool()

// setup builds a world with a Linux VM whose data disk holds a file.
func setup(des bool) *lifecycle.World {
	w, err := lifecycle.New(lifecycle.Config{Seed: 42, RSAKeys: examplePool})
	check(err)
	check(w.AddSubscription("contoso", "prod"))
	check(w.CreateVault(lifecycle.VaultSpec{Name: "kv1", Subscription: "prod", Region: "westeurope", PurgeProtection: true, EnabledForDiskEncryption: true}))
	id, err := w.CreateKey("admin", "kv1", "cmk", lifecycle.KeySpec{})
	check(err)
	check(w.CreateDES(lifecycle.DESSpec{Name: "des1", Subscription: "prod", Region: "westeurope", KeyID: id}))
	d := ""
	if des {
		d = "des1"
	}
	check(w.CreateVM(lifecycle.VMSpec{Name: "vm1", Subscription: "prod", Region: "westeurope", Image: "Canonical:ubuntu-22_04-lts", Size: "Standard_D2s_v3"}))
	check(w.CreateDisk(lifecycle.DiskSpec{Name: "data1", Subscription: "prod", Region: "westeurope", SizeMiB: 16, DES: d}))
	check(w.AttachDisk("vm1", "data1"))
	check(w.Mount("vm1", "data1"))
	check(w.WriteFile("vm1", "data1", "/data/customers.csv", []byte("alice,42\n")))
	return w
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}

// download exports data1 as a VHD and copies it to an on-premises host.
func download(w *lifecycle.World) {
	check(w.Stop("vm1"))
	g, err := w.GrantAccess("admin", "data1", time.Hour)
	check(err)
	check(w.DownloadVHD(g, "data1.vhd"))
	check(w.AddHost("laptop"))
	check(w.CopyVHDToHost("data1.vhd", "laptop"))
}

// An SSE disk exported as a VHD is plaintext on premises, even with a
// customer-managed key (F106).
func Example_sseVHDOnPremises() {
	w := setup(true)
	download(w)
	v, err := w.Readable(lifecycle.Vantage{Kind: lifecycle.VHDHolder, Host: "laptop"}, lifecycle.Artifact{Kind: lifecycle.VHDArtifact, Name: "data1.vhd"})
	check(err)
	fmt.Println(v)
	// Output:
	// VHD holder on premises (laptop) -> VHD data1.vhd: readable (every written file comes back)
	//   layers: SSE [removed at the storage boundary] > files
	//   key access to the data: obtainable (holds the VHD file)
	//   facts: F106
}

// An ADE disk exported as a VHD stays guest-encrypted: the on-premises host
// cannot read it until an authorized principal hands it the BEK.
func Example_adeVHDOnPremises() {
	w := setup(false)
	check(w.EnableADE("vm1", lifecycle.ADESpec{Vault: "kv1", Volumes: lifecycle.VolumeAll}))
	download(w)
	holder := lifecycle.Vantage{Kind: lifecycle.VHDHolder, Host: "laptop"}
	vhd := lifecycle.Artifact{Kind: lifecycle.VHDArtifact, Name: "data1.vhd"}
	v, err := w.Readable(holder, vhd)
	check(err)
	fmt.Println(v)
	id, err := w.BEKSecretID("data1")
	check(err)
	check(w.HandBEKToHost("admin", id, "laptop"))
	v, err = w.Readable(holder, vhd)
	check(err)
	fmt.Println(v.Readable)
	// Output:
	// VHD holder on premises (laptop) -> VHD data1.vhd: not readable (cannot obtain BEK)
	//   layers: SSE [removed at the storage boundary] > ADE dm-crypt > files
	//   key access to the data: obtainable (holds the VHD file)
	//   key BEK: not obtainable (on premises: no access to the cloud's key vaults)
	//   facts: F63 F65 F67 F106
	// true
}

// A disabled customer-managed key stops the VM an hour later, and its data
// is unreadable until the key is enabled again (F47).
func Example_cmkDisabled() {
	w := setup(true)
	check(w.SetKeyEnabled("admin", cmkID(w), false))
	w.Advance(61 * time.Minute)
	st, why, _ := w.VMStatus("vm1")
	fmt.Println(st, "-", why)
	v, err := w.Readable(lifecycle.Vantage{Kind: lifecycle.GuestOS, VM: "vm1"}, lifecycle.Artifact{Kind: lifecycle.DiskArtifact, Name: "data1"})
	check(err)
	fmt.Println(v)
	// Output:
	// stopped - customer key unavailable (F47)
	// guest OS of vm1 -> disk data1: not readable (cannot obtain SSE DEKs)
	//   layers: SSE-CMK [removed by the host] > files
	//   key access to the data: obtainable (boots the stopped VM)
	//   key SSE DEKs: not obtainable (disabled (F11))
	//   facts: F45 F47
}

func cmkID(w *lifecycle.World) string { return "https://kv1.vault.azure.net/keys/cmk" }
