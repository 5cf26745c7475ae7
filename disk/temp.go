package disk

import (
	"fmt"
	"sync"

	"github.com/atrest-sim/atrest/envelope"
)

// Temp is a VM's temporary (resource) disk: storage local to the host, not
// a managed disk, and not covered by SSE (FACTS.md F56). Its bytes are
// plaintext at rest unless the caller stacks encryption on it: encryption
// at host ([NewHostEncryption], F57) or a guest volume ([EncryptVolume],
// F70). Its contents do not survive [Temp.Reset], as when the VM is
// deallocated or moved to another host.
//
// A Temp is safe for concurrent use.
type Temp struct {
	mu    sync.Mutex
	media *Media
}

var _ Device = (*Temp)(nil)

// NewTemp returns an empty temp disk.
func NewTemp(sectorSize int, sectors uint64) (*Temp, error) {
	m, err := NewMedia(sectorSize, sectors)
	if err != nil {
		return nil, err
	}
	return &Temp{media: m}, nil
}

func (t *Temp) m() *Media {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.media
}

// SectorSize returns the sector size in bytes.
func (t *Temp) SectorSize() int { return t.m().SectorSize() }

// Sectors returns the number of sectors.
func (t *Temp) Sectors() uint64 { return t.m().Sectors() }

// ReadSectors reads sectors from the host's disk.
func (t *Temp) ReadSectors(p []byte, first uint64) error { return t.m().ReadSectors(p, first) }

// WriteSectors writes sectors to the host's disk as they are given: no
// layer of the storage service encrypts them.
func (t *Temp) WriteSectors(p []byte, first uint64) error { return t.m().WriteSectors(p, first) }

// NextWritten reports the next run of written sectors, as
// [Media.NextWritten] does.
func (t *Temp) NextWritten(from uint64) (first, n uint64, ok bool) {
	return t.m().NextWritten(from)
}

func (t *Temp) writtenBits(first, n uint64, bits []uint64) { t.m().writtenBits(first, n, bits) }

// Raw returns the bytes at rest on the host: what someone with the host's
// drive holds.
func (t *Temp) Raw() *Media { return t.m() }

// Reset discards the contents, as a deallocation or a move to another host
// does; the disk reads as zeros again.
func (t *Temp) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, err := NewMedia(t.media.SectorSize(), t.media.Sectors())
	if err != nil {
		panic(fmt.Sprintf("disk: resetting temp disk: %v", err)) // the geometry was valid before
	}
	t.media = m
}

// String describes the temp disk.
func (t *Temp) String() string {
	return fmt.Sprintf("Temp(%d x %d bytes)", t.Sectors(), t.SectorSize())
}

// NewHostEncryption stacks encryption at host (F57) on dev: XTS-AES-256
// with a key derived from hostKey by HKDF-SHA-256 (info "atrest/disk:
// encryption at host sector key, XTS-AES-256, v1"), sector s encrypted with
// tweak s. The result keeps dev's geometry; sectors dev never wrote read as
// zeros when dev can tell (a [*Temp], [*Media] or [*Managed] can).
func NewHostEncryption(dev Device, hostKey *envelope.DEK) (Device, error) {
	if dev == nil || hostKey == nil {
		return nil, fmt.Errorf("%w: host encryption needs a device and a key", ErrVolumeConfig)
	}
	return newCryptLayer(dev, hostKey, hostKeyInfo)
}
