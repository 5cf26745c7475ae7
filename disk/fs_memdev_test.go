package disk

import (
	"errors"
	"fmt"
	"slices"
)

// memDevice is a sparse in-memory Device for the tests of this package:
// 64 KiB chunks allocated on first write, zeros elsewhere. It implements
// SparseDevice. failAfter >= 0 makes every write after that many successful
// ones fail (a device whose key went away), without changing anything; with
// transient set, only that one write fails.
type memDevice struct {
	ss        int
	n         uint64
	chunks    map[uint64][]byte
	order     []uint64 // sorted keys of chunks
	writes    int
	failAfter int
	transient bool
}

const memChunk = 64 << 10

var errMemFail = errors.New("memDevice: injected write failure")

func newMemDevice(sectorSize int, bytes uint64) *memDevice {
	return &memDevice{ss: sectorSize, n: bytes / uint64(sectorSize), chunks: map[uint64][]byte{}, failAfter: -1}
}

func (m *memDevice) SectorSize() int { return m.ss }
func (m *memDevice) Sectors() uint64 { return m.n }

func (m *memDevice) ReadSectors(p []byte, first uint64) error {
	if _, err := CheckIO(m.ss, m.n, p, first); err != nil {
		return err
	}
	off := first * uint64(m.ss)
	for len(p) > 0 {
		c, o := off/memChunk, off%memChunk
		k := min(uint64(len(p)), memChunk-o)
		if ch := m.chunks[c]; ch != nil {
			copy(p[:k], ch[o:])
		} else {
			clear(p[:k])
		}
		p, off = p[k:], off+k
	}
	return nil
}

func (m *memDevice) WriteSectors(p []byte, first uint64) error {
	if _, err := CheckIO(m.ss, m.n, p, first); err != nil {
		return err
	}
	if m.failAfter >= 0 && m.writes >= m.failAfter {
		if m.transient {
			m.failAfter = -1
		}
		return fmt.Errorf("write of %d bytes at sector %d: %w", len(p), first, errMemFail)
	}
	m.writes++
	off := first * uint64(m.ss)
	for len(p) > 0 {
		c, o := off/memChunk, off%memChunk
		k := min(uint64(len(p)), memChunk-o)
		ch := m.chunks[c]
		if ch == nil {
			ch = make([]byte, memChunk)
			m.chunks[c] = ch
			i, _ := slices.BinarySearch(m.order, c)
			m.order = slices.Insert(m.order, i, c)
		}
		copy(ch[o:], p[:k])
		p, off = p[k:], off+k
	}
	return nil
}

// NextWritten lists the written chunks as runs (SparseDevice).
func (m *memDevice) NextWritten(from uint64) (first, n uint64, ok bool) {
	i, _ := slices.BinarySearch(m.order, from*uint64(m.ss)/memChunk)
	if i == len(m.order) {
		return 0, 0, false
	}
	per := uint64(memChunk / m.ss)
	first = max(from, m.order[i]*per)
	return first, min((m.order[i]+1)*per, m.n) - first, true
}

// raw returns a copy of the whole device (small devices only).
func (m *memDevice) raw() []byte {
	b := make([]byte, m.n*uint64(m.ss))
	if err := m.ReadSectors(b, 0); err != nil {
		panic(err)
	}
	return b
}

// patch writes b at byte offset off, bypassing failAfter.
func (m *memDevice) patch(off uint64, b []byte) {
	ss := uint64(m.ss)
	first := off / ss
	last := (off + uint64(len(b)) + ss - 1) / ss
	buf := make([]byte, (last-first)*ss)
	if err := m.ReadSectors(buf, first); err != nil {
		panic(err)
	}
	copy(buf[off-first*ss:], b)
	fa := m.failAfter
	m.failAfter = -1
	if err := m.WriteSectors(buf, first); err != nil {
		panic(err)
	}
	m.failAfter = fa
}

// plainDevice hides the SparseDevice fast path of the device it wraps.
type plainDevice struct{ Device }

var _ SparseDevice = (*memDevice)(nil)
