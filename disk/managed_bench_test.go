package disk

import (
	"crypto/aes"
	"fmt"
	"runtime"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
	xxts "golang.org/x/crypto/xts"
)

// xtsBaselineLayer is a cryptLayer-like device built on
// golang.org/x/crypto/xts, the baseline of the layer benchmarks.
type xtsBaselineLayer struct {
	dev Device
	c   *xxts.Cipher
	buf []byte
}

func (l *xtsBaselineLayer) WriteSectors(p []byte, first uint64) error {
	ss := l.dev.SectorSize()
	for len(p) > 0 {
		n := min(len(p), len(l.buf))
		for i := 0; i < n; i += ss {
			l.c.Encrypt(l.buf[i:i+ss], p[i:i+ss], first+uint64(i/ss))
		}
		if err := l.dev.WriteSectors(l.buf[:n], first); err != nil {
			return err
		}
		p, first = p[n:], first+uint64(n/ss)
	}
	return nil
}

func (l *xtsBaselineLayer) ReadSectors(p []byte, first uint64) error {
	ss := l.dev.SectorSize()
	if err := l.dev.ReadSectors(p, first); err != nil {
		return err
	}
	for i := 0; i < len(p); i += ss {
		l.c.Decrypt(p[i:i+ss], p[i:i+ss], first+uint64(i/ss))
	}
	return nil
}

func benchKEK(b *testing.B, seed uint64, id string) envelope.KEK {
	k, err := envelope.GenerateAESKEK(envelope.NewSeededReader(seed), id, envelope.A256KW)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// BenchmarkLayer measures one SSE layer (a PMK managed disk) and one ADE
// layer (a BitLocker-like volume on media) writing and reading one sector
// per operation, against a layer built on golang.org/x/crypto/xts over the
// same media ("x-crypto-xts", the baseline) and the bare media ("media", the
// cost of storage alone). The same sector is rewritten so the media does
// not grow.
func BenchmarkLayer(b *testing.B) {
	for _, ss := range []int{512, 4096} {
		sectors := uint64(1 << 16)
		media := func() *Media { m, _ := NewMedia(ss, sectors); return m }
		managed, err := NewManaged(ManagedConfig{SectorSize: ss, Sectors: sectors, Encryption: EncryptionPlatformKey,
			PMK: benchKEK(b, 1, "pmk/1"), Rand: envelope.NewSeededReader(1)})
		if err != nil {
			b.Fatal(err)
		}
		vol, err := EncryptVolume(media(), bek, VolumeConfig{Kind: BitLocker, Mode: EncryptInPlace, KDFIterations: testIter, Rand: envelope.NewSeededReader(2)})
		if err != nil {
			b.Fatal(err)
		}
		key := make([]byte, 64)
		xc, _ := xxts.NewCipher(aes.NewCipher, key)
		devs := []struct {
			name string
			dev  interface {
				WriteSectors([]byte, uint64) error
				ReadSectors([]byte, uint64) error
			}
		}{
			{"media", media()},
			{"x-crypto-xts", &xtsBaselineLayer{dev: media(), c: xc, buf: make([]byte, layerChunk)}},
			{"SSE", managed},
			{"ADE", vol},
		}
		for _, op := range []string{"Write", "Read"} {
			for _, d := range devs {
				b.Run(fmt.Sprintf("%s/%d/%s", op, ss, d.name), func(b *testing.B) {
					buf := make([]byte, ss)
					if err := d.dev.WriteSectors(buf, 3); err != nil {
						b.Fatal(err)
					}
					b.SetBytes(int64(ss))
					b.ReportAllocs()
					for b.Loop() {
						var err error
						if op == "Write" {
							err = d.dev.WriteSectors(buf, 3)
						} else {
							err = d.dev.ReadSectors(buf, 3)
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// adeOnManaged returns a LUKS2 volume on a 128 MiB managed disk of 512-byte
// sectors configured by cfg (its geometry and Rand are set here).
func adeOnManaged(b *testing.B, bek []byte, cfg ManagedConfig) *Volume {
	cfg.SectorSize, cfg.Sectors, cfg.Rand = 512, 1<<18, envelope.NewSeededReader(1)
	m, err := NewManaged(cfg)
	if err != nil {
		b.Fatal(err)
	}
	v, err := EncryptVolume(m, bek, VolumeConfig{Kind: DMCrypt, Mode: EncryptFormatAll, KDFIterations: testIter, Rand: envelope.NewSeededReader(2)})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkStack64MiB writes then reads 64 MiB in 1 MiB requests through a
// guest volume on a double-encrypted managed disk (three XTS layers), a
// guest volume on a PMK disk (two layers), and the bare media (baseline).
func BenchmarkStack64MiB(b *testing.B) {
	const total, req = 64 << 20, 1 << 20
	build := map[string]func(b *testing.B) Device{
		"0-media": func(b *testing.B) Device { m, _ := NewMedia(512, 1<<18); return m },
		"1-ADE-on-SSE": func(b *testing.B) Device {
			return adeOnManaged(b, bek, ManagedConfig{Encryption: EncryptionPlatformKey, PMK: benchKEK(b, 1, "pmk/1")})
		},
		"2-ADE-on-double-SSE": func(b *testing.B) Device {
			return adeOnManaged(b, bek, ManagedConfig{Encryption: EncryptionPlatformAndCustomerKeys,
				PMK: benchKEK(b, 1, "pmk/1"), CMK: benchKEK(b, 2, "cmk/1")})
		},
	}
	for _, name := range []string{"0-media", "1-ADE-on-SSE", "2-ADE-on-double-SSE"} {
		for _, op := range []string{"Write", "Read"} {
			b.Run(name+"/"+op, func(b *testing.B) {
				dev := build[name](b)
				buf := make([]byte, req)
				for i := range buf {
					buf[i] = byte(i)
				}
				for off := 0; off < total; off += req { // fill once so reads decrypt
					dev.WriteSectors(buf, uint64(off/512))
				}
				b.SetBytes(total)
				b.ReportAllocs()
				for b.Loop() {
					for off := 0; off < total; off += req {
						var err error
						if op == "Write" {
							err = dev.WriteSectors(buf, uint64(off/512))
						} else {
							err = dev.ReadSectors(buf, uint64(off/512))
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// BenchmarkMediaBytesPerSector reports the heap a Media holds per written
// 512-byte sector (target: at most 600), for sequential writes and for
// scattered single sectors (the worst case of the 8-sector index groups),
// on a 4 TiB disk. The baseline "payload" is the 512 bytes themselves.
func BenchmarkMediaBytesPerSector(b *testing.B) {
	const n = 1 << 16 // 32 MiB of sectors
	for _, pattern := range []string{"sequential", "scattered"} {
		b.Run(pattern, func(b *testing.B) {
			sector := make([]byte, 512)
			var perSector float64
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				m, _ := NewMedia(512, 1<<33)
				for i := uint64(0); i < n; i++ {
					s := i
					if pattern == "scattered" {
						s = i * 1_000_003 % (1 << 33)
					}
					m.WriteSectors(sector, s)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perSector = float64(after.HeapAlloc-before.HeapAlloc) / n
				runtime.KeepAlive(m)
			}
			b.ReportMetric(perSector, "bytes/sector")
			b.ReportMetric(512, "payload-bytes/sector")
		})
	}
}

// BenchmarkStackFiles64MiB writes and reads 64 files of 1 MiB through the
// file system on a LUKS2 volume on a PMK managed disk, against the file
// system on bare media (baseline).
func BenchmarkStackFiles64MiB(b *testing.B) {
	const files, size = 64, 1 << 20
	for _, stack := range []string{"0-fs-on-media", "1-fs-on-ADE-on-SSE"} {
		for _, op := range []string{"Write", "Read"} {
			b.Run(stack+"/"+op, func(b *testing.B) {
				var dev Device
				if stack == "0-fs-on-media" {
					dev, _ = NewMedia(512, 1<<18)
				} else {
					m, err := NewManaged(ManagedConfig{SectorSize: 512, Sectors: 1 << 18, Encryption: EncryptionPlatformKey,
						PMK: benchKEK(b, 1, "pmk/1"), Rand: envelope.NewSeededReader(1)})
					if err != nil {
						b.Fatal(err)
					}
					if dev, err = EncryptVolume(m, bek, VolumeConfig{Kind: DMCrypt, Mode: EncryptFormatAll, KDFIterations: testIter, Rand: envelope.NewSeededReader(2)}); err != nil {
						b.Fatal(err)
					}
				}
				fsys, err := Format(dev, nil)
				if err != nil {
					b.Fatal(err)
				}
				data := make([]byte, size)
				for i := range data {
					data[i] = byte(i * 7)
				}
				name := func(i int) string { return fmt.Sprintf("/data/f%02d.bin", i) }
				for i := range files {
					if err := fsys.WriteFile(name(i), data); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(files * size)
				b.ReportAllocs()
				for b.Loop() {
					for i := range files {
						if op == "Write" {
							err = fsys.WriteFile(name(i), data)
						} else {
							_, err = fsys.ReadFile(name(i))
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
