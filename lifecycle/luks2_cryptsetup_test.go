package lifecycle

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/tooltest"
	"github.com/atrest-sim/atrest/vault"
)

// TestLinuxADEVHDOpensWithCryptsetup is the end-to-end check of the LUKS2
// issue: a Linux ADE VM writes a file, its data disk is downloaded as a VHD,
// qemu-img turns the VHD into a raw image, and the real cryptsetup accepts
// the LUKS2 header and the BEK fetched from the simulated vault, and refuses
// another passphrase. Linux ADE is dm-crypt with LUKS, the BEK being its
// passphrase (F65, F81).
func TestLinuxADEVHDOpensWithCryptsetup(t *testing.T) {
	qemu := tooltest.Path(t, "qemu-img", "qemu-utils")
	cryptsetup := tooltest.Path(t, "cryptsetup", "cryptsetup-bin")
	for _, withKEK := range []bool{false, true} {
		t.Run(map[bool]string{false: "BEK", true: "BEK+KEK"}[withKEK], func(t *testing.T) {
			f := newFixture(t, 11)
			f.vm("vm1", "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
			spec := ADESpec{Vault: kv, Volumes: VolumeAll}
			if withKEK {
				spec.KEKID = f.kek
			}
			f.must(f.EnableADE("vm1", spec))
			f.must(f.WriteFile("vm1", "vm1-data", "/data/after.txt", []byte("written after encryption")))
			f.download("vm1", "vm1-data", "v.vhd")

			dir := t.TempDir()
			vhdPath, rawPath := filepath.Join(dir, "v.vhd"), filepath.Join(dir, "v.raw")
			out, err := os.Create(vhdPath)
			f.must(err)
			_, err = f.SaveVHD("v.vhd", out)
			f.must(err)
			f.must(out.Close())
			run(t, qemu, "convert", "-f", "vpc", "-O", "raw", vhdPath, rawPath)

			// The BEK, as an authorized principal obtains it from the vault:
			// GetSecret, then UnwrapKey with the KEK named in its tags (F66).
			secretID, err := f.BEKSecretID("vm1-data")
			f.must(err)
			bek := fetchBEKForTest(t, f.World, secretID)
			keyFile := filepath.Join(dir, "bek")
			f.must(os.WriteFile(keyFile, bek, 0o600))

			dump := run(t, cryptsetup, "luksDump", rawPath)
			for _, want := range []string{`Version:\s+2`, `cipher:\s+aes-xts-plain64`, `0: luks2`} {
				if !regexp.MustCompile(want).MatchString(dump) {
					t.Errorf("luksDump does not match %q:\n%s", want, dump)
				}
			}
			run(t, cryptsetup, "open", "--test-passphrase", "--key-file", keyFile, rawPath)

			wrong := filepath.Join(dir, "wrong")
			f.must(os.WriteFile(wrong, append(bytes.Clone(bek[:len(bek)-1]), bek[len(bek)-1]^1), 0o600))
			cmd := exec.Command(cryptsetup, "open", "--test-passphrase", "--key-file", wrong, rawPath)
			if b, err := cmd.CombinedOutput(); err == nil {
				t.Errorf("cryptsetup accepted a wrong passphrase:\n%s", b)
			}
		})
	}
}

// fetchBEKForTest reads the BEK secret as the administrator and unwraps it
// with the KEK if the secret says it is wrapped.
func fetchBEKForTest(t *testing.T, w *World, secretID string) []byte {
	t.Helper()
	admin := vault.Principal{ID: adminID, Kind: vault.KindUser}
	vaultName, _, name, version, err := vault.ParseID(secretID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.Vaults().Client(vaultName, admin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.GetSecret(name, version)
	if err != nil {
		t.Fatal(err)
	}
	val := s.Value()
	kekURL, wrapped := s.Properties.Tags["DiskEncryptionKeyEncryptionKeyURL"]
	if !wrapped {
		return val
	}
	kvName, _, kname, kver, err := vault.ParseID(kekURL)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := w.Vaults().Client(kvName, admin)
	if err != nil {
		t.Fatal(err)
	}
	bek, err := kc.UnwrapKey(kname, kver, envelope.RSAOAEP, val)
	if err != nil {
		t.Fatal(err)
	}
	return bek
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	b, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, b)
	}
	return string(b)
}
