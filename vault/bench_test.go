package vault

import (
	"crypto/rsa"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
)

// Benchmarks of the hot path and of the key pool, each with its baseline
// measured in the same run. BENCHMARKS.md has the numbers and the command.

func benchClient(b *testing.B, kt KeyType) (*Client, Key) {
	w := newWorld(b, 99)
	c := w.vault(props("kv-bench"))
	k, err := c.CreateKey("k", CreateKeyParameters{Kty: kt})
	if err != nil {
		b.Fatal(err)
	}
	return c, k
}

func BenchmarkWrap(b *testing.B) {
	dek := dekPattern(0x42)
	for _, tc := range []struct {
		kt  KeyType
		alg envelope.Algorithm
	}{{KeyTypeOctHSM, envelope.A256KW}, {KeyTypeRSA, envelope.RSAOAEP256}} {
		b.Run(string(tc.alg)+"/bare", func(b *testing.B) {
			var kek envelope.KEK
			if tc.kt == KeyTypeOctHSM {
				kek, _ = envelope.NewAESKEK("k", tc.alg, dekPattern(1).Bytes())
			} else {
				priv, _ := testPool.key(2048, 0)
				kek, _ = envelope.NewRSAKEK("k", tc.alg, priv, envelope.NewSeededReader(1))
			}
			b.ReportAllocs()
			b.SetBytes(envelope.DEKSize)
			for b.Loop() {
				if _, err := kek.Wrap(dek); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(tc.alg)+"/client", func(b *testing.B) {
			c, k := benchClient(b, tc.kt)
			kek, _ := c.KEK(k.ID, tc.alg)
			b.ReportAllocs()
			b.SetBytes(envelope.DEKSize)
			for b.Loop() {
				if _, err := kek.Wrap(dek); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnwrap(b *testing.B) {
	dek := dekPattern(0x42)
	for _, tc := range []struct {
		kt  KeyType
		alg envelope.Algorithm
	}{{KeyTypeOctHSM, envelope.A256KW}, {KeyTypeRSA, envelope.RSAOAEP256}} {
		b.Run(string(tc.alg)+"/bare", func(b *testing.B) {
			var kek envelope.KEK
			if tc.kt == KeyTypeOctHSM {
				kek, _ = envelope.NewAESKEK("k", tc.alg, dekPattern(1).Bytes())
			} else {
				priv, _ := testPool.key(2048, 0)
				kek, _ = envelope.NewRSAKEK("k", tc.alg, priv, envelope.NewSeededReader(1))
			}
			w, _ := kek.Wrap(dek)
			b.ReportAllocs()
			b.SetBytes(envelope.DEKSize)
			for b.Loop() {
				if _, err := kek.Unwrap(w); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(tc.alg)+"/client", func(b *testing.B) {
			c, k := benchClient(b, tc.kt)
			kek, _ := c.KEK(k.ID, tc.alg)
			w, _ := kek.Wrap(dek)
			b.ReportAllocs()
			b.SetBytes(envelope.DEKSize)
			for b.Loop() {
				if _, err := kek.Unwrap(w); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(string(tc.alg)+"/client-bytes", func(b *testing.B) {
			c, k := benchClient(b, tc.kt)
			res, _ := c.WrapKey("k", k.Version, tc.alg, dek.Bytes())
			b.ReportAllocs()
			b.SetBytes(envelope.DEKSize)
			for b.Loop() {
				if _, err := c.UnwrapKey("k", k.Version, tc.alg, res.Result); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateRSAKeys1000 creates 1,000 RSA-2048 keys through a client
// per iteration, from a warmed pool; the baseline is one fresh
// rsa.GenerateKey, what each create would cost without the pool.
func BenchmarkCreateRSAKeys1000(b *testing.B) {
	b.Run("baseline-one-GenerateKey", func(b *testing.B) {
		for b.Loop() {
			if _, err := rsa.GenerateKey(nil, 2048); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pool", func(b *testing.B) {
		if err := testPool.Warm(2048, 1000); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			w := newWorld(b, 7)
			c := w.vault(props("kv-pool"))
			b.StartTimer()
			for i := range 1000 {
				if _, err := c.CreateKey("k"+string(rune('a'+i%26))+itoa(i), CreateKeyParameters{Kty: KeyTypeRSA}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func itoa(i int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		if i /= 10; i == 0 {
			return string(b)
		}
	}
}
