package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"testing"
)

// Each benchmark has a "stdlib" sibling doing the same work with the
// standard library directly, so ratios come from one run on one machine.

func BenchmarkA256KW(b *testing.B) {
	kek, err := GenerateAESKEK(NewSeededReader(1), "kek", A256KW)
	if err != nil {
		b.Fatal(err)
	}
	dek := mustDEK(b)
	w, err := kek.Wrap(dek)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Wrap", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kek.Wrap(dek); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Unwrap", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := kek.Unwrap(w); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The baseline is the cost of the raw cipher: the 6n = 24 AES block
	// operations that RFC 3394 performs on a 256-bit key, with no framing.
	block, _ := aes.NewCipher(make([]byte, 32))
	buf := make([]byte, 16)
	b.Run("stdlib-24-AES-blocks", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for range 24 {
				block.Encrypt(buf, buf)
			}
		}
	})
}

func BenchmarkSeal(b *testing.B) {
	dek := mustDEK(b)
	s, err := NewSealer(dek, NewSeededReader(1))
	if err != nil {
		b.Fatal(err)
	}
	block, _ := aes.NewCipher(dek.Bytes())
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, 12)
	rnd := NewSeededReader(2)
	for _, size := range []int{4 << 10, 64 << 10} {
		msg := make([]byte, size)
		sealed, _ := s.Seal(msg, "purpose", "id")
		rawNonce := make([]byte, 12)
		raw := aead.Seal(nil, rawNonce, msg, nil)
		b.Run(fmt.Sprintf("Seal/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Seal(msg, "purpose", "id"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("stdlib-Seal/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				rnd.Read(nonce) // a fresh nonce from the same kind of source, as Seal does
				aead.Seal(nil, nonce, msg, nil)
			}
		})
		b.Run(fmt.Sprintf("Open/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Open(sealed, "purpose", "id"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("stdlib-Open/%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := aead.Open(nil, rawNonce, raw, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRSAOAEP256(b *testing.B) {
	for _, bits := range []int{2048, 3072, 4096} {
		priv, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			b.Fatal(err)
		}
		kek, err := NewRSAKEK("kek", RSAOAEP256, priv, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		dek := mustDEK(b)
		w, _ := kek.Wrap(dek)
		key := dek.Bytes()
		b.Run(fmt.Sprintf("Wrap/%d", bits), func(b *testing.B) {
			for b.Loop() {
				if _, err := kek.Wrap(dek); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("stdlib-Wrap/%d", bits), func(b *testing.B) {
			for b.Loop() {
				if _, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &priv.PublicKey, key, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Unwrap/%d", bits), func(b *testing.B) {
			for b.Loop() {
				if _, err := kek.Unwrap(w); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("stdlib-Unwrap/%d", bits), func(b *testing.B) {
			for b.Loop() {
				if _, err := rsa.DecryptOAEP(sha256.New(), nil, priv, w.Ciphertext, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
