package xts

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	xxts "golang.org/x/crypto/xts"
)

const vectorDir = "../../../shared/testdata/vectors"

// impls are the two paths; the assembly one only where the CPU has it.
func impls(t testing.TB) []struct {
	name string
	asm  bool
} {
	out := []struct {
		name string
		asm  bool
	}{{"generic", false}}
	if hasAESNI {
		out = append(out, struct {
			name string
			asm  bool
		}{"asm", true})
	} else {
		t.Logf("no AES-NI: testing the portable path only")
	}
	return out
}

type xtsVector struct {
	Key, Tweak, Plaintext, Ciphertext, Cipher, Source string
	Sector                                            *uint64
	WholeBlocks                                       bool
}

func loadVectors(t *testing.T, name string) []xtsVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatalf("reading vectors: %v", err)
	}
	var vs []xtsVector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	return vs
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// checkVector encrypts and decrypts one vector, in place and out of place.
func checkVector(t *testing.T, asm bool, name string, key, pt, ct []byte, sector uint64) {
	t.Helper()
	c, err := newCipher(key, asm)
	if err != nil {
		t.Fatalf("%s: newCipher: %v", name, err)
	}
	got := make([]byte, len(pt))
	c.Encrypt(got, pt, sector)
	if !bytes.Equal(got, ct) {
		t.Errorf("%s: Encrypt = %x, want %x", name, got, ct)
	}
	c.Decrypt(got, ct, sector)
	if !bytes.Equal(got, pt) {
		t.Errorf("%s: Decrypt = %x, want %x", name, got, pt)
	}
	buf := bytes.Clone(pt)
	c.Encrypt(buf, buf, sector)
	if !bytes.Equal(buf, ct) {
		t.Errorf("%s: in-place Encrypt = %x, want %x", name, buf, ct)
	}
	c.Decrypt(buf, buf, sector)
	if !bytes.Equal(buf, pt) {
		t.Errorf("%s: in-place Decrypt = %x, want %x", name, buf, pt)
	}
}

func TestVectorsIEEEAndNIST(t *testing.T) {
	for _, file := range []string{"xts_aes_ieee1619.json", "xts_aes_nist_cavp_dusn.json"} {
		vs := loadVectors(t, file)
		for _, im := range impls(t) {
			n, n256 := 0, 0
			for i, v := range vs {
				if !v.WholeBlocks || v.Sector == nil {
					continue
				}
				name := fmt.Sprintf("%s/%s #%d (%s)", file, im.name, i, v.Cipher)
				checkVector(t, im.asm, name, unhex(t, v.Key), unhex(t, v.Plaintext), unhex(t, v.Ciphertext), *v.Sector)
				n++
				if v.Cipher == "XTS-AES-256" {
					n256++
				}
			}
			if n == 0 || n256 == 0 {
				t.Fatalf("%s: checked %d vectors, %d of them XTS-AES-256; want some of each", file, n, n256)
			}
			t.Logf("%s (%s): %d whole-block vectors, %d XTS-AES-256", file, im.name, n, n256)
		}
	}
}

func TestVectorsWycheproof(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(vectorDir, "aes_xts_test.json"))
	if err != nil {
		t.Fatalf("reading vectors: %v", err)
	}
	var f struct {
		TestGroups []struct {
			KeySize, IvSize int
			Tests           []struct {
				TcID                     int
				Key, Iv, Msg, Ct, Result string
			}
		}
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, im := range impls(t) {
		n := 0
		for _, g := range f.TestGroups {
			for _, tc := range g.Tests {
				msg := unhex(t, tc.Msg)
				iv := unhex(t, tc.Iv)
				if len(msg)%16 != 0 || len(iv) > 8 || tc.Result != "valid" {
					continue // ciphertext stealing or a tweak beyond 64 bits
				}
				var s [8]byte
				copy(s[:], iv)
				name := fmt.Sprintf("wycheproof/%s tcId %d (key %d bits)", im.name, tc.TcID, g.KeySize)
				checkVector(t, im.asm, name, unhex(t, tc.Key), msg, unhex(t, tc.Ct), binary.LittleEndian.Uint64(s[:]))
				n++
			}
		}
		if n != 39 {
			t.Errorf("%s: checked %d whole-block Wycheproof cases, want 39", im.name, n)
		}
	}
}

func TestNewKeySizes(t *testing.T) {
	for _, n := range []int{0, 16, 32, 48, 63, 65, 128} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Errorf("New(%d-byte key) = nil error, want an error", n)
		}
	}
	if _, err := New(make([]byte, KeySize)); err != nil {
		t.Errorf("New(64-byte key) = %v", err)
	}
}

// TestAgainstXCrypto compares both paths with x/crypto/xts over sizes that
// exercise the 8-block loop, the tail, and both together.
func TestAgainstXCrypto(t *testing.T) {
	key := make([]byte, KeySize)
	for i := range key {
		key[i] = byte(i*7 + 3)
	}
	ref, err := xxts.NewCipher(aes.NewCipher, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, im := range impls(t) {
		c, err := newCipher(key, im.asm)
		if err != nil {
			t.Fatal(err)
		}
		for _, blocks := range []int{1, 2, 7, 8, 9, 15, 16, 17, 32, 256, 257, 600} {
			src := make([]byte, blocks*16)
			for i := range src {
				src[i] = byte(i * 13)
			}
			for _, sector := range []uint64{0, 1, 1 << 40, ^uint64(0)} {
				want := make([]byte, len(src))
				ref.Encrypt(want, src, sector)
				got := make([]byte, len(src))
				c.Encrypt(got, src, sector)
				if !bytes.Equal(got, want) {
					t.Fatalf("%s: Encrypt(%d blocks, sector %d) differs from x/crypto/xts", im.name, blocks, sector)
				}
				c.Decrypt(got, got, sector)
				if !bytes.Equal(got, src) {
					t.Fatalf("%s: Decrypt(%d blocks, sector %d) does not invert Encrypt", im.name, blocks, sector)
				}
			}
		}
	}
}

func TestSectors(t *testing.T) {
	key := bytes.Repeat([]byte{0x5c}, KeySize)
	c, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	src := make([]byte, 4*512)
	for i := range src {
		src[i] = byte(i)
	}
	got := make([]byte, len(src))
	c.EncryptSectors(got, src, 512, 10)
	for i := range 4 {
		want := make([]byte, 512)
		c.Encrypt(want, src[512*i:512*i+512], uint64(10+i))
		if !bytes.Equal(got[512*i:512*i+512], want) {
			t.Errorf("EncryptSectors sector %d differs from Encrypt", 10+i)
		}
	}
	c.DecryptSectors(got, got, 512, 10)
	if !bytes.Equal(got, src) {
		t.Errorf("DecryptSectors does not invert EncryptSectors")
	}
}

func TestPanics(t *testing.T) {
	c, err := New(make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	cases := []struct {
		name string
		f    func()
	}{
		{"partial block", func() { c.Encrypt(buf, buf[:17], 0) }},
		{"short dst", func() { c.Decrypt(buf[:16], buf[:32], 0) }},
		{"inexact overlap", func() { c.Encrypt(buf[16:48], buf[:32], 0) }},
		{"bad sector size", func() { c.EncryptSectors(buf, buf, 24, 0) }},
		{"partial sector", func() { c.DecryptSectors(buf, buf[:48], 32, 0) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil {
					t.Errorf("%s did not panic", tc.name)
				} else if !strings.HasPrefix(fmt.Sprint(r), "xts: ") {
					t.Errorf("panic %q lacks the xts: prefix", r)
				}
			}()
			tc.f()
		})
	}
}

func TestRedacted(t *testing.T) {
	key := bytes.Repeat([]byte{0xA5}, KeySize)
	c, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d"} {
		out := fmt.Sprintf(verb, c) + fmt.Sprintf(verb, struct{ C *Cipher }{c})
		low := strings.ToLower(out)
		if strings.Contains(low, "a5a5") || strings.Contains(out, "165 165") || strings.Contains(low, "0xa5") {
			t.Errorf("Sprintf(%q) leaks key bytes: %.200s", verb, out)
		}
	}
}

func TestZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items on purpose); the plain run checks them")
	}
	c, err := New(make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for _, im := range impls(t) {
		c.asm = im.asm
		if n := testing.AllocsPerRun(100, func() { c.Encrypt(buf, buf, 7); c.Decrypt(buf, buf, 7) }); n != 0 {
			t.Errorf("%s: %v allocations per sector, want 0", im.name, n)
		}
	}
}

func FuzzAgainstXCrypto(f *testing.F) {
	f.Add(bytes.Repeat([]byte{1}, KeySize), uint64(0), make([]byte, 512))
	f.Add(bytes.Repeat([]byte{0xfe}, KeySize), ^uint64(0), make([]byte, 16*9))
	f.Fuzz(func(t *testing.T, key []byte, sector uint64, data []byte) {
		if len(key) < KeySize {
			return
		}
		key = key[:KeySize]
		data = data[:len(data)/16*16]
		if len(data) == 0 {
			return
		}
		ref, err := xxts.NewCipher(aes.NewCipher, key)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, len(data))
		ref.Encrypt(want, data, sector)
		for _, im := range impls(t) {
			c, err := newCipher(key, im.asm)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(data))
			c.Encrypt(got, data, sector)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: Encrypt differs from x/crypto/xts", im.name)
			}
			ref.Decrypt(want, data, sector) // data read as ciphertext too
			c.Decrypt(got, data, sector)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: Decrypt differs from x/crypto/xts", im.name)
			}
			ref.Encrypt(want, data, sector)
		}
	})
}
