package disk

import (
	"fmt"
	"testing"
)

// BenchmarkFS writes then reads 64 MiB of files on an in-memory device
// (256 MiB, 512-byte sectors), as 64 files of 1 MiB and as 1024 files of
// 64 KiB. The baseline in the same run moves the same 64 MiB through the
// device's WriteSectors and ReadSectors in 1 MiB calls, without a file
// system.
func BenchmarkFS(b *testing.B) {
	const total = 64 << 20
	for _, size := range []int{1 << 20, 64 << 10} {
		n := total / size
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 13)
		}
		b.Run(fmt.Sprintf("write-%dx%dKiB", n, size>>10), func(b *testing.B) {
			d := newMemDevice(512, 256<<20)
			f, err := Format(d, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(total)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for i := range n {
					if err := f.WriteFile(fmt.Sprintf("/data/f%04d", i), data); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("read-%dx%dKiB", n, size>>10), func(b *testing.B) {
			d := newMemDevice(512, 256<<20)
			f, err := Format(d, nil)
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				if err := f.WriteFile(fmt.Sprintf("/data/f%04d", i), data); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(total)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for i := range n {
					if _, err := f.ReadFile(fmt.Sprintf("/data/f%04d", i)); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	buf := make([]byte, 1<<20)
	b.Run("baseline-device-write-64MiB", func(b *testing.B) {
		d := newMemDevice(512, 256<<20)
		b.SetBytes(total)
		b.ReportAllocs()
		for range b.N {
			for i := range uint64(64) {
				if err := d.WriteSectors(buf, i*2048); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("baseline-device-read-64MiB", func(b *testing.B) {
		d := newMemDevice(512, 256<<20)
		for i := range uint64(64) {
			if err := d.WriteSectors(buf, i*2048); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(total)
		b.ReportAllocs()
		for range b.N {
			for i := range uint64(64) {
				if err := d.ReadSectors(buf, i*2048); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
