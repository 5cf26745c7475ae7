package disk

import (
	"io"
	"runtime"
	"testing"
)

// zeroReader reads zeros, clearing the buffer as a real reader must.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// writerOnly hides io.Discard's ReaderFrom so that io.CopyBuffer uses our buffer.
type writerOnly struct{ io.Writer }

// reportHeap runs op b.N times and reports the bytes allocated per op (an
// upper bound of the heap the op holds at its peak) and the heap in use
// after it.
func reportHeap(b *testing.B, op func() error) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N), "peak-heap-B/op")
	b.ReportMetric(float64(int64(after.HeapInuse)-int64(before.HeapInuse)), "heap-inuse-delta-B")
}

// BenchmarkVHDExport exports a sparse 1 TiB disk holding 1 MiB (16 runs of
// 64 KiB) as a VHD to io.Discard. Baselines in the same run: the floor of
// any streaming writer (1 TiB of zeros written from one 1 MiB buffer), and
// for the read path without the SparseDevice fast path, 1 GiB read through
// ReadSectors against io.CopyBuffer of 1 GiB from a zero reader.
func BenchmarkVHDExport(b *testing.B) {
	const tib, gib = 1 << 40, 1 << 30
	sparse := func(size uint64) *memDevice {
		d := newMemDevice(512, size)
		p := make([]byte, 64<<10)
		for i := range p {
			p[i] = byte(i*7 + 1)
		}
		for i := range uint64(16) {
			if err := d.WriteSectors(p, i*(size/512/16)); err != nil {
				b.Fatal(err)
			}
		}
		return d
	}
	b.Run("sparse-1TiB", func(b *testing.B) {
		d := sparse(tib)
		b.SetBytes(tib)
		b.ReportAllocs()
		reportHeap(b, func() error { _, err := WriteVHD(io.Discard, d, nil); return err })
	})
	b.Run("media-1TiB", func(b *testing.B) { // the package's own sparse Media
		m, err := NewMedia(512, tib/512)
		if err != nil {
			b.Fatal(err)
		}
		p := make([]byte, 64<<10)
		for i := range uint64(16) {
			if err := m.WriteSectors(p, i*(tib/512/16)); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(tib)
		b.ReportAllocs()
		reportHeap(b, func() error { _, err := WriteVHD(io.Discard, m, nil); return err })
	})
	b.Run("baseline-zero-writes-1TiB", func(b *testing.B) {
		buf := make([]byte, 1<<20)
		b.SetBytes(tib)
		b.ReportAllocs()
		reportHeap(b, func() error {
			for range tib / len(buf) {
				if _, err := io.Discard.Write(buf); err != nil {
					return err
				}
			}
			return nil
		})
	})
	b.Run("no-fast-path-1GiB", func(b *testing.B) {
		d := plainDevice{sparse(gib)}
		b.SetBytes(gib)
		b.ReportAllocs()
		reportHeap(b, func() error { _, err := WriteVHD(io.Discard, d, nil); return err })
	})
	b.Run("baseline-copy-zeros-1GiB", func(b *testing.B) {
		buf := make([]byte, 1<<20)
		b.SetBytes(gib)
		b.ReportAllocs()
		reportHeap(b, func() error {
			_, err := io.CopyBuffer(writerOnly{io.Discard}, io.LimitReader(zeroReader{}, gib), buf)
			return err
		})
	})
}
