package disk

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Media layout: sector data lives in pointer-free slabs of mediaSlabBytes;
// a sector's slot number s (1-based, 0 meaning unwritten) places it at
// slab (s-1)/perSlab. The index maps a group of mediaGroup consecutive
// sectors to a small pointer-free array of slots. A map keyed and valued by
// plain integers holds no pointers, so the garbage collector never scans it,
// whatever the number of sectors. With 8-sector groups a lone 512-byte
// sector costs 512 + 32 (its group) + about 24 (the map entry) bytes, and a
// run of written sectors about 512 + 4 + 3.
const (
	mediaGroup     = 8
	mediaSlabBytes = 128 << 10
	// maxMediaSlots bounds how many distinct sectors a Media can hold
	// (slot numbers are uint32): 2 TiB of written data at 512 bytes.
	maxMediaSlots = 1<<32 - 1
)

// ErrMediaFull reports a Media that already holds as many distinct written
// sectors as it can index (2^32 - 1), far beyond any simulation.
var ErrMediaFull = errors.New("disk: media index full")

// Media is sparse storage of the bytes at rest: the platters of the storage
// service. Memory grows with the sectors ever written, not with the size of
// the disk; sectors never written read as zeros. Media stores what it is
// given: under a managed disk that is ciphertext.
//
// A Media is safe for concurrent use.
type Media struct {
	sectorSize int
	sectors    uint64
	perSlab    int

	mu     sync.RWMutex
	index  map[uint64]uint32 // group number -> 1 + position in groups
	groups [][mediaGroup]uint32
	slabs  [][]byte
	used   uint32   // slots handed out
	order  []uint64 // group numbers, sorted when sorted is true
	sorted bool
	gen    uint64 // successful writes so far
}

var _ Device = (*Media)(nil)

// NewMedia returns empty media of sectors sectors of sectorSize bytes
// (512 or 4096).
func NewMedia(sectorSize int, sectors uint64) (*Media, error) {
	if sectorSize != 512 && sectorSize != 4096 {
		return nil, fmt.Errorf("%w: sector size %d, want 512 or 4096", ErrGeometry, sectorSize)
	}
	if sectors == 0 || sectors > 1<<48/uint64(sectorSize) {
		return nil, fmt.Errorf("%w: %d sectors (a disk holds 1 sector to 256 TiB)", ErrGeometry, sectors)
	}
	return &Media{
		sectorSize: sectorSize,
		sectors:    sectors,
		perSlab:    mediaSlabBytes / sectorSize,
		index:      make(map[uint64]uint32),
		sorted:     true,
	}, nil
}

// ErrGeometry reports a sector size or sector count that a device cannot
// have.
var ErrGeometry = errors.New("disk: invalid geometry")

// SectorSize returns the sector size in bytes.
func (m *Media) SectorSize() int { return m.sectorSize }

// Sectors returns the number of sectors.
func (m *Media) Sectors() uint64 { return m.sectors }

// slot returns the slot of sector s, 0 if unwritten. m.mu must be held.
func (m *Media) slot(s uint64) uint32 {
	g, ok := m.index[s/mediaGroup]
	if !ok {
		return 0
	}
	return m.groups[g-1][s%mediaGroup]
}

func (m *Media) data(slot uint32) []byte {
	i := int(slot - 1)
	off := (i % m.perSlab) * m.sectorSize
	return m.slabs[i/m.perSlab][off : off+m.sectorSize : off+m.sectorSize]
}

// ReadSectors copies the sectors starting at first into p; unwritten sectors
// read as zeros.
func (m *Media) ReadSectors(p []byte, first uint64) error {
	n, err := CheckIO(m.sectorSize, m.sectors, p, first)
	if err != nil {
		return err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := range n {
		dst := p[int(i)*m.sectorSize : int(i+1)*m.sectorSize]
		if s := m.slot(first + i); s != 0 {
			copy(dst, m.data(s))
		} else {
			clear(dst)
		}
	}
	return nil
}

// WriteSectors stores p at the sectors starting at first. Writing zeros
// still marks the sectors written (see [Media.NextWritten]).
func (m *Media) WriteSectors(p []byte, first uint64) error {
	n, err := CheckIO(m.sectorSize, m.sectors, p, first)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := uint64(0)
	for i := range n {
		if m.slot(first+i) == 0 {
			fresh++
		}
	}
	if fresh > uint64(maxMediaSlots-m.used) {
		return fmt.Errorf("%w: %d more sectors do not fit", ErrMediaFull, fresh)
	}
	for i := range n {
		copy(m.allocate(first+i), p[int(i)*m.sectorSize:])
	}
	m.gen++
	return nil
}

// Generation counts the successful writes to m. Two reads of m return the
// same bytes if its generation is the same before and after both: callers
// can remember what they computed from m's contents under its generation.
// A [Media.Clone] starts from the generation of its original.
func (m *Media) Generation() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gen
}

// allocate returns the storage of sector s, giving it a slot if it has none.
// m.mu must be held for writing.
func (m *Media) allocate(s uint64) []byte {
	gn := s / mediaGroup
	g, ok := m.index[gn]
	if !ok {
		m.groups = append(m.groups, [mediaGroup]uint32{})
		g = uint32(len(m.groups))
		m.index[gn] = g
		if m.sorted && len(m.order) > 0 && m.order[len(m.order)-1] > gn {
			m.sorted = false
		}
		m.order = append(m.order, gn)
	}
	slot := &m.groups[g-1][s%mediaGroup]
	if *slot == 0 {
		if int(m.used)%m.perSlab == 0 {
			m.slabs = append(m.slabs, make([]byte, mediaSlabBytes))
		}
		m.used++
		*slot = m.used
	}
	return m.data(*slot)
}

// Written returns the number of distinct sectors ever written.
func (m *Media) Written() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return uint64(m.used)
}

// NextWritten returns the next run of written sectors at or after sector
// from: its first sector and its length, or ok false when no sector at or
// after from was ever written. Every sector outside the runs reads as zeros,
// so an exporter that streams a whole disk can emit zeros for the gaps
// without reading them; a 1 TiB disk with 1 MiB written costs a few calls.
// A run stops at the end of the written sectors or after at most 2^20
// sectors, whichever comes first.
func (m *Media) NextWritten(from uint64) (first, n uint64, ok bool) {
	m.mu.Lock() // sorting the group order needs the write lock
	defer m.mu.Unlock()
	if !m.sorted {
		slices.Sort(m.order)
		m.sorted = true
	}
	i, _ := slices.BinarySearch(m.order, from/mediaGroup)
	for ; i < len(m.order); i++ {
		gn := m.order[i]
		grp := &m.groups[m.index[gn]-1]
		for j := uint64(0); j < mediaGroup; j++ {
			s := gn*mediaGroup + j
			if s < from || grp[j] == 0 {
				continue
			}
			return s, m.runFrom(s), true
		}
	}
	return 0, 0, false
}

// runFrom counts written sectors from s on, up to 2^20. m.mu must be held.
func (m *Media) runFrom(s uint64) uint64 {
	n := uint64(0)
	for n < 1<<20 && s+n < m.sectors && m.slot(s+n) != 0 {
		n++
	}
	return n
}

// Clone returns an independent copy of the media, as a snapshot or a disk
// copy holds: later writes to either do not show in the other.
func (m *Media) Clone() *Media {
	m.mu.RLock()
	defer m.mu.RUnlock()
	c := &Media{
		sectorSize: m.sectorSize,
		sectors:    m.sectors,
		perSlab:    m.perSlab,
		index:      make(map[uint64]uint32, len(m.index)),
		groups:     slices.Clone(m.groups),
		used:       m.used,
		order:      slices.Clone(m.order),
		sorted:     m.sorted,
		gen:        m.gen,
	}
	for k, v := range m.index { // copying a map: order does not matter
		c.index[k] = v
	}
	c.slabs = make([][]byte, len(m.slabs))
	for i, s := range m.slabs {
		c.slabs[i] = slices.Clone(s)
	}
	return c
}

// String describes the media without its contents.
func (m *Media) String() string {
	return fmt.Sprintf("Media(%d x %d bytes, %d written)", m.sectors, m.sectorSize, m.Written())
}

// writtenBits sets bit i of bits (bits[i/64] bit i%64) for each sector
// first+i, i < n, that was ever written, and clears the others.
func (m *Media) writtenBits(first, n uint64, bits []uint64) {
	clear(bits[:(n+63)/64])
	m.mu.RLock()
	defer m.mu.RUnlock()
	for i := range n {
		if m.slot(first+i) != 0 {
			bits[i/64] |= 1 << (i % 64)
		}
	}
}

// sparse is implemented by devices that know which sectors were never
// written and read as zeros: [*Media] and the layers stacked on it, which
// keep its sector numbering.
type sparse interface {
	Device
	NextWritten(from uint64) (first, n uint64, ok bool)
	writtenBits(first, n uint64, bits []uint64)
}

var _ sparse = (*Media)(nil)
