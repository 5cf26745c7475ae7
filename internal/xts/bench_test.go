package xts

import (
	"crypto/aes"
	"fmt"
	"testing"

	xxts "golang.org/x/crypto/xts"
)

// BenchmarkSector measures one sector per operation for 512- and 4096-byte
// sectors: this package's fastest path ("atrest"), its portable path
// ("atrest-generic") and golang.org/x/crypto/xts ("x-crypto-xts"), the
// baseline, in the same run. Compare the MB/s columns as ratios.
func BenchmarkSector(b *testing.B) {
	key := make([]byte, KeySize)
	for i := range key {
		key[i] = byte(i)
	}
	ref, err := xxts.NewCipher(aes.NewCipher, key)
	if err != nil {
		b.Fatal(err)
	}
	fast, err := New(key)
	if err != nil {
		b.Fatal(err)
	}
	generic, err := newCipher(key, false)
	if err != nil {
		b.Fatal(err)
	}
	type sectorFunc func(dst, src []byte, sector uint64)
	for _, size := range []int{512, 4096} {
		for _, dir := range []string{"Encrypt", "Decrypt"} {
			impls := []struct {
				name string
				enc  sectorFunc
				dec  sectorFunc
			}{
				{"x-crypto-xts", ref.Encrypt, ref.Decrypt},
				{"atrest", fast.Encrypt, fast.Decrypt},
				{"atrest-generic", generic.Encrypt, generic.Decrypt},
			}
			for _, im := range impls {
				f := im.enc
				if dir == "Decrypt" {
					f = im.dec
				}
				b.Run(fmt.Sprintf("%s/%d/%s", dir, size, im.name), func(b *testing.B) {
					buf := make([]byte, size)
					b.SetBytes(int64(size))
					b.ReportAllocs()
					var s uint64
					for b.Loop() {
						f(buf, buf, s)
						s++
					}
				})
			}
		}
	}
}
