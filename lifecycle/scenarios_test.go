package lifecycle

import (
	"testing"
)

func guest(vm string) Vantage     { return Vantage{Kind: GuestOS, VM: vm} }
func onPrem(h string) Vantage     { return Vantage{Kind: VHDHolder, Host: h} }
func principalV(p string) Vantage { return Vantage{Kind: RolePrincipal, Principal: p} }
func diskA(n string) Artifact     { return Artifact{Kind: DiskArtifact, Name: n} }
func vhdA(n string) Artifact      { return Artifact{Kind: VHDArtifact, Name: n} }

var insider = Vantage{Kind: StorageInsider}

// download stops the VM, grants SAS on its data disk, downloads the VHD,
// revokes, and copies it to an on-premises host "onprem".
func (f *fixture) download(vm, diskName, vhd string) {
	f.t.Helper()
	f.must(f.Stop(vm))
	g, err := f.GrantAccess(adminID, diskName, hour)
	f.must(err)
	f.must(f.DownloadVHD(g, vhd))
	f.must(f.RevokeAccess(g))
	if _, ok := f.hosts["onprem"]; !ok {
		f.must(f.AddHost("onprem"))
	}
	f.must(f.CopyVHDToHost(vhd, "onprem"))
}

func TestSSEVHDOnPremises(t *testing.T) {
	for _, tc := range []struct {
		name, des string
	}{{"PMK", ""}, {"CMK", "des1"}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 1)
			f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", tc.des)
			f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
			f.download("vm1", "vm1-data", "v.vhd")
			f.wantReadable(onPrem("onprem"), vhdA("v.vhd"), true)
			b, err := f.HostReadFile("onprem", "v.vhd", "/data/customers.csv")
			f.must(err)
			if string(b) != "alice,42\nbob,17\n" {
				t.Fatalf("HostReadFile = %q", b)
			}
		})
	}
}

func TestRawMediaNeverReadable(t *testing.T) {
	f := newFixture(t, 2)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f.vm("vm2", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
	for _, d := range []string{"vm1-data", "vm2-data", "vm1-osdisk", "vm2-osdisk"} {
		f.wantReadable(insider, diskA(d), false)
		f.wantReadable(guest("vm1"), Artifact{Kind: MediaArtifact, Name: d}, false)
	}
}

func TestADEVHDOnPremises(t *testing.T) {
	for _, withKEK := range []bool{false, true} {
		t.Run(map[bool]string{false: "BEK", true: "BEK+KEK"}[withKEK], func(t *testing.T) {
			f := newFixture(t, 3)
			f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
			spec := ADESpec{Vault: kv, Volumes: VolumeAll}
			if withKEK {
				spec.KEKID = f.kek
			}
			f.must(f.EnableADE("vm1", spec))
			f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
			f.download("vm1", "vm1-data", "v.vhd")
			f.wantReadable(onPrem("onprem"), vhdA("v.vhd"), false)
			if _, err := f.HostReadFile("onprem", "v.vhd", "/data/customers.csv"); err == nil {
				t.Fatal("HostReadFile without the BEK succeeded")
			}
			id, err := f.BEKSecretID("vm1-data")
			f.must(err)
			f.must(f.HandBEKToHost(adminID, id, "onprem"))
			f.wantReadable(onPrem("onprem"), vhdA("v.vhd"), true)
			// After a restart from stopped, the guest reads again.
			f.must(f.Start("vm1"))
			f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
		})
	}
}
