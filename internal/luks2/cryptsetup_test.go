package luks2

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/atrest-sim/atrest/internal/tooltest"
)

// These tests check the format against the real cryptsetup (issue 8, tests
// 1 and 2). They work on image files and never map devices, so they need no
// root. They skip only where cryptsetup is not installed, and fail instead
// when ATREST_REQUIRE_TOOLS is set (CI).

// fileDevice is a Device over an *os.File.
type fileDevice struct{ *os.File }

func (f fileDevice) Size() int64 {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	return fi.Size()
}

func needCryptsetup(t *testing.T) string {
	t.Helper()
	return tooltest.Path(t, "cryptsetup", "cryptsetup-bin")
}

// cs runs cryptsetup with locking disabled and returns combined output.
func cs(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(needCryptsetup(t), append([]string{"--batch-mode", "--disable-locks"}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// image creates an empty image file of size bytes and returns its path.
func image(t *testing.T, size int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vol.img")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func keyFile(t *testing.T, pass string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(pass), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// withFile runs fn on the image at path opened read-write.
func withFile(t *testing.T, path string, fn func(Device)) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fn(fileDevice{f})
}

var mkDumpRE = regexp.MustCompile(`(?s)MK dump:\s*((?:[0-9a-f]{2}\s*)+)`)

// dumpVolumeKey asks cryptsetup for the volume key with the passphrase.
func dumpVolumeKey(t *testing.T, img, pass string) []byte {
	t.Helper()
	out, err := cs(t, "luksDump", "--dump-volume-key", "--key-file", keyFile(t, pass), img)
	if err != nil {
		t.Fatalf("cryptsetup luksDump --dump-volume-key: %v\n%s", err, redactDump(out))
	}
	m := mkDumpRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no MK dump in cryptsetup output")
	}
	vk, err := hex.DecodeString(strings.Join(strings.Fields(m[1]), ""))
	if err != nil {
		t.Fatalf("MK dump: %v", err)
	}
	return vk
}

// redactDump removes the MK dump from cryptsetup output before logging.
func redactDump(s string) string { return mkDumpRE.ReplaceAllString(s, "MK dump: REDACTED\n") }

func testPassphrase(t *testing.T, img, pass string) error {
	t.Helper()
	_, err := cs(t, "open", "--test-passphrase", "--key-file", keyFile(t, pass), img)
	return err
}

// TestCryptsetupReadsOurs is issue 8 test 1: volumes written by this
// package are accepted by cryptsetup.
func TestCryptsetupReadsOurs(t *testing.T) {
	needCryptsetup(t)
	for _, tc := range []struct {
		name    string
		kdf     KDF
		sect    int
		ksSize  int64
		devSize int64
	}{
		{"pbkdf2-512", PBKDF2, 512, testKSSize, testDevSize},
		{"argon2id-4096", Argon2id, 4096, testKSSize, testDevSize},
		{"argon2i-4096", Argon2i, 4096, testKSSize, testDevSize},
		{"default-layout", PBKDF2, 4096, defaultKSSize, 17 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image(t, tc.devSize)
			p := TestParams()
			p.KDF, p.SectorSize, p.KeyslotsSize = tc.kdf, tc.sect, tc.ksSize
			vk := bytes.Repeat([]byte{0x5A, 0xC3}, keySize/2)
			var uuid string
			withFile(t, img, func(d Device) {
				h, err := Format(d, vk, []byte("correct horse"), p, seeded(7))
				if err != nil {
					t.Fatalf("Format = %v", err)
				}
				uuid = h.UUID()
			})
			out, err := cs(t, "luksDump", img)
			if err != nil {
				t.Fatalf("cryptsetup luksDump: %v\n%s", err, out)
			}
			for _, want := range []string{
				"Version:       \t2", "UUID:          \t" + uuid,
				"cipher: aes-xts-plain64", "sector: " + itoa(tc.sect) + " [bytes]",
				"offset: " + itoa(int(2*defaultHdrSize+tc.ksSize)) + " [bytes]", "  0: luks2", "PBKDF:      " + tc.kdf.String(),
			} {
				if !strings.Contains(out, want) {
					t.Errorf("luksDump lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "  1: luks2") {
				t.Errorf("luksDump shows a keyslot 1:\n%s", out)
			}
			if err := testPassphrase(t, img, "correct horse"); err != nil {
				t.Errorf("open --test-passphrase with the passphrase: %v", err)
			}
			if err := testPassphrase(t, img, "wrong horse"); err == nil {
				t.Errorf("open --test-passphrase with a wrong passphrase succeeded")
			}
			if got := dumpVolumeKey(t, img, "correct horse"); !bytes.Equal(got, vk) {
				t.Errorf("cryptsetup --dump-volume-key differs from the key given to Format")
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestOursReadsCryptsetup is issue 8 test 2: volumes made by cryptsetup
// luksFormat open here with the same volume key, and keyslots added or
// removed here are seen by cryptsetup.
func TestOursReadsCryptsetup(t *testing.T) {
	needCryptsetup(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"pbkdf2-512", []string{"--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--sector-size", "512"}},
		{"pbkdf2-4096", []string{"--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", "--sector-size", "4096"}},
		{"argon2id-512", []string{"--pbkdf", "argon2id", "--pbkdf-memory", "32", "--pbkdf-force-iterations", "4", "--pbkdf-parallel", "1", "--sector-size", "512"}},
		{"argon2id-4096", []string{"--pbkdf", "argon2id", "--pbkdf-memory", "32", "--pbkdf-force-iterations", "4", "--pbkdf-parallel", "1", "--sector-size", "4096"}},
		{"argon2i-4096", []string{"--pbkdf", "argon2i", "--pbkdf-memory", "64", "--pbkdf-force-iterations", "4", "--pbkdf-parallel", "2", "--sector-size", "4096"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image(t, 17<<20)
			args := append([]string{"luksFormat", "--type", "luks2", "--key-file", keyFile(t, "old secret")}, tc.args...)
			if out, err := cs(t, append(args, img)...); err != nil {
				t.Fatalf("cryptsetup luksFormat: %v\n%s", err, out)
			}
			want := dumpVolumeKey(t, img, "old secret")
			withFile(t, img, func(d Device) {
				h, vk, err := Open(d, []byte("old secret"))
				if err != nil {
					t.Fatalf("Open = %v", err)
				}
				if !bytes.Equal(vk, want) {
					t.Fatalf("Open recovered a different volume key than cryptsetup --dump-volume-key")
				}
				if h.DataOffset() != 16<<20 {
					t.Errorf("DataOffset = %d, want %d", h.DataOffset(), 16<<20)
				}
				if _, _, err := Open(d, []byte("old secretX")); !errors.Is(err, ErrWrongPassphrase) {
					t.Errorf("Open(wrong) = %v, want ErrWrongPassphrase", err)
				}
				slot, err := AddKeyslot(d, vk, []byte("new secret"), TestParams(), seeded(3))
				if err != nil || slot != 1 {
					t.Fatalf("AddKeyslot = %d, %v; want 1, nil", slot, err)
				}
			})
			if err := testPassphrase(t, img, "new secret"); err != nil {
				t.Fatalf("cryptsetup rejects the keyslot added here: %v", err)
			}
			if got := dumpVolumeKey(t, img, "new secret"); !bytes.Equal(got, want) {
				t.Errorf("new keyslot holds a different volume key")
			}
			withFile(t, img, func(d Device) {
				if err := RemoveKeyslot(d, 0); err != nil {
					t.Fatalf("RemoveKeyslot(0) = %v", err)
				}
			})
			if err := testPassphrase(t, img, "old secret"); err == nil {
				t.Errorf("cryptsetup still accepts the removed passphrase")
			}
			if err := testPassphrase(t, img, "new secret"); err != nil {
				t.Errorf("cryptsetup rejects the remaining keyslot after RemoveKeyslot: %v", err)
			}
			if out, err := cs(t, "luksDump", img); err != nil || strings.Contains(out, "  0: luks2") {
				t.Errorf("luksDump after RemoveKeyslot(0): %v\n%s", err, out)
			}
		})
	}
}

// TestCryptsetupEditsOurs: cryptsetup adds and kills keyslots on a volume
// formatted here, and the result still opens here.
func TestCryptsetupEditsOurs(t *testing.T) {
	needCryptsetup(t)
	img := image(t, testDevSize)
	withFile(t, img, func(d Device) {
		if _, err := Format(d, testKey(), []byte("first"), TestParams(), seeded(11)); err != nil {
			t.Fatal(err)
		}
	})
	if out, err := cs(t, "luksAddKey", "--key-file", keyFile(t, "first"), "--pbkdf", "argon2id",
		"--pbkdf-memory", "32", "--pbkdf-force-iterations", "4", "--pbkdf-parallel", "1", img, keyFile(t, "second")); err != nil {
		t.Fatalf("cryptsetup luksAddKey: %v\n%s", err, out)
	}
	if out, err := cs(t, "luksKillSlot", img, "0"); err != nil {
		t.Fatalf("cryptsetup luksKillSlot: %v\n%s", err, out)
	}
	withFile(t, img, func(d Device) {
		h, vk, err := Open(d, []byte("second"))
		if err != nil || !bytes.Equal(vk, testKey()) {
			t.Fatalf("Open(second) after cryptsetup luksAddKey = %v", err)
		}
		if fmt.Sprint(h.Keyslots()) != "[1]" || h.KeyslotKDF(1) != Argon2id {
			t.Errorf("header after cryptsetup edits = %v", h)
		}
		if _, _, err := Open(d, []byte("first")); !errors.Is(err, ErrWrongPassphrase) {
			t.Errorf("Open(first) after luksKillSlot 0 = %v, want ErrWrongPassphrase", err)
		}
	})
}
