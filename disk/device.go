package disk

import (
	"errors"
	"fmt"
)

// A Device is a block device: a fixed number of sectors of a fixed size, read
// and written whole. Every layer of the stack (media, managed disk, guest
// volume, temp disk, a VHD file) is a Device, so layers stack freely.
//
// ReadSectors and WriteSectors transfer len(p)/SectorSize() sectors starting
// at sector first. len(p) must be a positive multiple of SectorSize() (else
// an error matching [ErrAlign]) and the range must lie inside the device
// (else [ErrRange]). A failed call transfers nothing: WriteSectors changes no
// sector, ReadSectors may have written into p but reports the error.
type Device interface {
	// SectorSize is the size of a sector in bytes: 512 or 4096.
	SectorSize() int
	// Sectors is the number of sectors.
	Sectors() uint64
	// ReadSectors fills p with the sectors starting at first.
	ReadSectors(p []byte, first uint64) error
	// WriteSectors writes p to the sectors starting at first.
	WriteSectors(p []byte, first uint64) error
}

// Sentinel errors for block I/O. Layers add their own (see the other Err
// values of this package); all match with [errors.Is].
var (
	// ErrRange reports access outside the device.
	ErrRange = errors.New("disk: access out of range")
	// ErrAlign reports a buffer that is empty or not a whole number of sectors.
	ErrAlign = errors.New("disk: buffer is not a whole number of sectors")
)

// CheckIO validates a transfer of p at sector first on a device with the
// given geometry, returning the number of sectors. Implementations of
// [Device] call it first so that every layer rejects bad access the same way.
func CheckIO(sectorSize int, sectors uint64, p []byte, first uint64) (uint64, error) {
	if len(p) == 0 || len(p)%sectorSize != 0 {
		return 0, fmt.Errorf("%w: %d bytes with %d-byte sectors", ErrAlign, len(p), sectorSize)
	}
	n := uint64(len(p) / sectorSize)
	if first >= sectors || n > sectors-first {
		return 0, fmt.Errorf("%w: sectors [%d, %d) of %d", ErrRange, first, first+n, sectors)
	}
	return n, nil
}
