package lifecycle

import (
	"testing"
	"time"
)

func tempA(vm string) Artifact { return Artifact{Kind: TempDiskArtifact, Name: vm} }

func TestTempDisk(t *testing.T) {
	for _, tc := range []struct {
		name, image, size string
		eah               bool
		ade               *ADESpec
		want              bool
	}{
		{"SSE only", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", false, nil, true},
		{"encryption at host", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", true, nil, false},
		{"v5 size", "Canonical:ubuntu-22_04-lts", "Standard_D2ds_v5", false, nil, false},
		{"Windows ADE All", "MicrosoftWindowsServer:2019-datacenter", "Standard_D2s_v3", false, &ADESpec{Vault: kv, Volumes: VolumeAll}, false},
		{"Linux ADE EncryptFormatAll", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", false, &ADESpec{Vault: kv, Volumes: VolumeAll, EncryptFormatAll: true}, false},
		{"Linux ADE without EncryptFormatAll", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", false, &ADESpec{Vault: kv, Volumes: VolumeAll}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 4)
			f.must(f.RegisterEncryptionAtHost(sub))
			f.must(f.CreateVM(VMSpec{Name: "vm1", Subscription: sub, Region: region, Image: tc.image, Size: tc.size, EncryptionAtHost: tc.eah}))
			if tc.ade != nil {
				f.must(f.EnableADE("vm1", *tc.ade))
			}
			f.must(f.WriteFile("vm1", TempDisk, "/pagefile.sys", []byte("secret page")))
			f.wantReadable(insider, tempA("vm1"), tc.want)
			f.wantReadable(guest("vm1"), tempA("vm1"), true)
		})
	}
}

func TestCMKDisableAndReEnable(t *testing.T) {
	f := newFixture(t, 5)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1")
	f.must(f.SetKeyEnabled(adminID, f.cmk, false))
	f.Advance(30 * time.Minute)
	if st, _, _ := f.VMStatus("vm1"); st != Running {
		t.Fatalf("VM %v after 30 minutes, want running (F47: one hour)", st)
	}
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.Advance(31 * time.Minute)
	st, why, _ := f.VMStatus("vm1")
	if st != Stopped {
		t.Fatalf("VM %v after an hour, want stopped (F47)", st)
	}
	t.Log(why)
	f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	f.wantReadable(principalV(adminID), diskA("vm1-data"), false)
	wantErr(t, f.Start("vm1"), ErrKeyUnavailable, "F47")
	f.must(f.SetKeyEnabled(adminID, f.cmk, true))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Start("vm1"))
	b, err := f.ReadFile("vm1", "vm1-data", "/data/customers.csv")
	f.must(err)
	if string(b) != "alice,42\nbob,17\n" {
		t.Fatalf("ReadFile = %q", b)
	}
}

// adeVM is a Linux VM with ADE (BEK wrapped by the KEK) on all volumes.
func adeVM(t *testing.T, seed uint64) *fixture {
	f := newFixture(t, seed)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}))
	f.must(f.WriteFile("vm1", "vm1-data", "/data/after.txt", []byte("written after encryption")))
	return f
}

func TestKEKSoftDeletedThenRecovered(t *testing.T) {
	f := adeVM(t, 6)
	f.must(f.DeleteKey(adminID, kv, "kek"))
	// Running: the volume key stays in guest memory (F82).
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Deallocate("vm1"))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	wantErr(t, f.Start("vm1"), ErrBootFailure, "F82")
	f.must(f.RecoverKey(adminID, kv, "kek"))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.must(f.Start("vm1"))
}

func TestEncryptFormatAllLosesLinuxData(t *testing.T) {
	f := newFixture(t, 8)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, EncryptFormatAll: true}))
	v := f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	if _, err := f.ReadFile("vm1", "vm1-data", "/data/customers.csv"); err == nil {
		t.Fatal("file survived EncryptFormatAll")
	}
	t.Log(v)
	// The OS volume is encrypted in place: preserved.
	f.wantReadable(guest("vm1"), diskA("vm1-osdisk"), true)
}

func TestWindowsADEPreservesData(t *testing.T) {
	f := newFixture(t, 9)
	f.vm("vm1", "MicrosoftWindowsServer:2019-datacenter", "Standard_D2s_v3", "")
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll}))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.wantReadable(insider, diskA("vm1-data"), false)
}

func TestNewDiskNeverFormatsEncryptedDisks(t *testing.T) {
	f := newFixture(t, 10)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f.must(f.Unmount("vm1", "vm1-data"))
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, EncryptFormatAll: true}))
	// The unmounted volume was skipped (F69): still plaintext under SSE.
	if s, _ := f.BEKSecretID("vm1-data"); s != "" {
		t.Fatal("unmounted volume was encrypted (F69)")
	}
	f.must(f.Mount("vm1", "vm1-data"))
	f.must(f.CreateDisk(DiskSpec{Name: "d2", Subscription: sub, Region: region, SizeMiB: 16}))
	f.must(f.AttachDisk("vm1", "d2"))
	f.must(f.Mount("vm1", "d2"))
	f.must(f.WriteFile("vm1", "d2", "/x", []byte("new disk, first life")))
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, EncryptFormatAll: true}))
	// vm1-data had data: formatted (F71). The OS disk, already encrypted, is untouched.
	f.wantReadable(guest("vm1"), diskA("vm1-osdisk"), true)
	f.must(f.WriteFile("vm1", "vm1-data", "/y", []byte("after")))
	f.must(f.CreateDisk(DiskSpec{Name: "d3", Subscription: sub, Region: region, SizeMiB: 16}))
	f.must(f.AttachDisk("vm1", "d3"))
	f.must(f.Mount("vm1", "d3"))
	f.must(f.WriteFile("vm1", "d3", "/z", []byte("third")))
	before, _ := f.BEKSecretID("vm1-osdisk")
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, EncryptFormatAll: true}))
	after, _ := f.BEKSecretID("vm1-osdisk")
	if before != after {
		t.Fatal("re-running enable with the same vault changed the BEK")
	}
	b, err := f.ReadFile("vm1", "vm1-osdisk", "/etc/os-release")
	f.must(err)
	if len(b) == 0 {
		t.Fatal("empty os-release")
	}
	f.wantReadable(guest("vm1"), diskA("vm1-osdisk"), true)
	f.must(f.Restart("vm1"))
	f.wantReadable(guest("vm1"), diskA("vm1-osdisk"), true)
}

func TestADERefusals(t *testing.T) {
	for _, tc := range []struct {
		name, image, size string
		des               string
		eah               bool
		spec              func(f *fixture) ADESpec
		err               error
		fact              string
	}{
		{"Linux custom image", "custom-linux", "Standard_D2s_v3", "", false, nil, ErrNotSupported, "F75"},
		{"Linux 4 GB RAM OS volume", "Canonical:ubuntu-22_04-lts", "Standard_B2s", "", false, nil, ErrInsufficientMemory, "F72"},
		{"unsupported distro", "Debian:debian-12", "Standard_D2s_v3", "", false, nil, ErrNotSupported, "F74"},
		{"SLES OS volume", "SUSE:sles-15-sp5", "Standard_D2s_v3", "", false, nil, ErrNotSupported, "F74"},
		{"A-series size", "Canonical:ubuntu-22_04-lts", "Standard_A2_v2", "", false, nil, ErrNotSupported, "F73"},
		{"v6 with temp disk", "Canonical:ubuntu-22_04-lts", "Standard_D2ds_v6", "", false, nil, ErrNotSupported, "F73"},
		{"CMK disk", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "des1", false, nil, ErrEncryptionConflict, "F53"},
		{"encryption at host", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "", true, nil, ErrEncryptionConflict, "F58"},
		{"versionless KEK", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "", false,
			func(f *fixture) ADESpec { return ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.cmk} }, ErrInvalid, "F67"},
		{"Windows 2022 with RSA-2048 KEK", "MicrosoftWindowsServer:2022-datacenter", "Standard_D2s_v3", "", false,
			func(f *fixture) ADESpec {
				id, err := f.CreateKey(adminID, kv, "kek2048", KeySpec{})
				f.must(err)
				return ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: id}
			}, ErrUnsupportedKey, "F67"},
		{"vault without disk encryption", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "", false,
			func(f *fixture) ADESpec {
				f.must(f.CreateVault(VaultSpec{Name: "kv2", Subscription: sub, Region: region}))
				return ADESpec{Vault: "kv2", Volumes: VolumeAll}
			}, ErrVaultConfig, "F41"},
		{"vault in another region", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "", false,
			func(f *fixture) ADESpec {
				f.must(f.CreateVault(VaultSpec{Name: "kv3", Subscription: sub, Region: "northeurope", EnabledForDiskEncryption: true}))
				return ADESpec{Vault: "kv3", Volumes: VolumeAll}
			}, ErrRegionMismatch, "F68"},
		{"Windows data before OS", "MicrosoftWindowsServer:2019-datacenter", "Standard_D2s_v3", "", false,
			func(f *fixture) ADESpec { return ADESpec{Vault: kv, Volumes: VolumeData} }, ErrNotSupported, "F69"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 11)
			f.must(f.RegisterEncryptionAtHost(sub))
			f.must(f.AddCustomImage(Image{Name: "custom-linux", OS: Linux, Distro: "Ubuntu", Version: "22.04", ADE: ADEOSAndData, RootUsageGB: 2}))
			f.must(f.CreateVM(VMSpec{Name: "vm1", Subscription: sub, Region: region, Image: tc.image, Size: tc.size, OSDiskDES: tc.des, EncryptionAtHost: tc.eah}))
			spec := ADESpec{Vault: kv, Volumes: VolumeAll}
			if tc.spec != nil {
				spec = tc.spec(f)
			}
			wantErr(t, f.EnableADE("vm1", spec), tc.err, tc.fact)
			if s, _ := f.BEKSecretID("vm1-osdisk"); s != "" {
				t.Fatal("a refused enable encrypted the OS disk")
			}
		})
	}
}

func TestLinuxDataOnlyWithFourGB(t *testing.T) {
	f := newFixture(t, 12)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_B2s", "")
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeData}))
	f.wantReadable(guest("vm1"), diskA("vm1-data"), true)
	f.wantReadable(principalV(adminID), diskA("vm1-data"), true) // Key Vault Administrator: BEK obtainable
}

func TestImageCaptureOfADEVMRefused(t *testing.T) {
	f := adeVM(t, 13)
	f.must(f.Stop("vm1"))
	wantErr(t, f.CaptureImage("vm1", "img", true), ErrNotSupported, "F75")
	f2 := newFixture(t, 13)
	f2.vm("vm2", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	f2.must(f2.Stop("vm2"))
	f2.must(f2.CaptureImage("vm2", "img", true))
	f2.must(f2.CreateVM(VMSpec{Name: "vm3", Subscription: sub, Region: region, Image: "img", Size: "Standard_D2s_v3"}))
	f2.wantReadable(guest("vm3"), diskA("vm3-osdisk"), true)
	// ADE on a VM from a custom Linux image is refused (F75).
	wantErr(t, f2.EnableADE("vm3", ADESpec{Vault: kv, Volumes: VolumeData}), ErrNotSupported, "F75")
}

func TestCMKAfterADERefused(t *testing.T) {
	f := adeVM(t, 14)
	f.must(f.Deallocate("vm1"))
	wantErr(t, f.SetDiskEncryption("vm1-data", "des1"), ErrEncryptionConflict, "F53")
	f.must(f.CreateSnapshot("vm1-data", "s1"))
	f.must(f.CreateDiskFromSnapshot("s1", "copy"))
	wantErr(t, f.SetDiskEncryption("copy", "des1"), ErrEncryptionConflict, "F53") // the UDE flag follows copies (F84)
}

func TestSASBlocksStartAndExportPermission(t *testing.T) {
	f := newFixture(t, 15)
	f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
	_, err := f.GrantAccess(adminID, "vm1-data", hour)
	wantErr(t, err, ErrState, "F105")
	f.must(f.Stop("vm1"))
	g, err := f.GrantAccess(adminID, "vm1-data", hour)
	f.must(err)
	wantErr(t, f.Start("vm1"), ErrActiveSAS, "F105")
	f.wantReadable(guest("vm1"), diskA("vm1-data"), false)
	f.Advance(hour) // the grant expires
	if _, ok := f.grants[g]; ok {
		t.Fatal("grant outlived its duration")
	}
	f.must(f.AddPrincipal("auditor"))
	f.must(f.AssignComputeRole("auditor", sub, ContributorNoExport))
	_, err = f.GrantAccess("auditor", "vm1-data", hour)
	wantErr(t, err, ErrForbidden, "F116")
	f.wantReadable(principalV("auditor"), diskA("vm1-data"), false)
	f.must(f.AssignComputeRole("auditor", sub, Contributor))
	f.wantReadable(principalV("auditor"), diskA("vm1-data"), true)
	f.must(f.Start("vm1"))
}

func TestVaultAdminWithoutDiskAccess(t *testing.T) {
	f := adeVM(t, 16)
	f.must(f.AddPrincipal("kvadmin"))
	f.must(f.AssignVaultRole("kvadmin", kv, "Key Vault Administrator"))
	f.wantReadable(Vantage{Kind: VaultAdmin, Principal: "kvadmin"}, diskA("vm1-data"), false)
}
