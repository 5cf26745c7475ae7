package luks2

import (
	"testing"

	"crypto/sha256"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/pbkdf2"
)

// kdfOnce runs the keyslot KDF alone with p's costs, as a baseline: Format
// and Open should cost about this plus the digest and the AF splitter.
func kdfOnce(p Params) []byte {
	salt := make([]byte, saltSize)
	pass := []byte("benchmark passphrase")
	switch p.KDF {
	case PBKDF2:
		return pbkdf2.Key(pass, salt, p.Iterations, keySize, sha256.New)
	case Argon2i:
		return argon2.Key(pass, salt, uint32(p.TimeCost), uint32(p.MemoryKiB), uint8(p.Threads), keySize)
	}
	return argon2.IDKey(pass, salt, uint32(p.TimeCost), uint32(p.MemoryKiB), uint8(p.Threads), keySize)
}

func benchParams() []struct {
	name string
	p    Params
} {
	argonTest := TestParams()
	argonTest.KDF = Argon2id
	return []struct {
		name string
		p    Params
	}{
		{"test-pbkdf2", TestParams()},
		{"test-argon2id", argonTest},
		{"default-argon2id", DefaultParams()},
	}
}

// BenchmarkFormat measures Format (on an in-memory device sized for the
// layout) against the keyslot KDF alone.
func BenchmarkFormat(b *testing.B) {
	for _, tc := range benchParams() {
		dev := newMem(int(2*defaultHdrSize + tc.p.KeyslotsSize + 4096))
		b.Run(tc.name+"/format", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := Format(dev, testKey(), []byte("benchmark passphrase"), tc.p, seeded(uint64(i))); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/kdf-baseline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				kdfOnce(tc.p)
			}
		})
	}
}

// BenchmarkOpen measures Open with the right passphrase (one keyslot)
// against the keyslot KDF alone.
func BenchmarkOpen(b *testing.B) {
	for _, tc := range benchParams() {
		dev := newMem(int(2*defaultHdrSize + tc.p.KeyslotsSize + 4096))
		if _, err := Format(dev, testKey(), []byte("benchmark passphrase"), tc.p, seeded(1)); err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name+"/open", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Open(dev, []byte("benchmark passphrase")); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/kdf-baseline", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				kdfOnce(tc.p)
			}
		})
	}
}
