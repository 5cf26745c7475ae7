package disk

import "errors"

// Sentinel errors of guest volumes (Azure Disk Encryption).
var (
	// ErrBEKRequired reports an attempt to open or create a volume without
	// a BEK (F65, F82: the VM cannot unlock without it).
	ErrBEKRequired = errors.New("disk: encrypted volume needs its BEK")
	// ErrWrongBEK reports a BEK that opens none of the volume's protectors.
	// It says nothing more: the protectors authenticate, so a wrong key is
	// detected, never turned into garbage.
	ErrWrongBEK = errors.New("disk: wrong BEK for this volume")
	// ErrNoVolume reports a device without an encrypted volume header.
	ErrNoVolume = errors.New("disk: no encrypted volume on device")
	// ErrVolumeHeader reports a volume header that is damaged (checksum) or
	// of an unsupported version, cipher or geometry.
	ErrVolumeHeader = errors.New("disk: volume header damaged or unsupported")
	// ErrVolumeConfig reports a volume configuration that cannot be used,
	// such as format-all encryption of a Windows volume (F71).
	ErrVolumeConfig = errors.New("disk: invalid volume configuration")
	// ErrNoRoom reports in-place encryption of a device whose last sectors,
	// needed to make room for the header, still hold data (shrink the file
	// system first, as cryptsetup's --reduce-device-size requires).
	ErrNoRoom = errors.New("disk: no room for the volume header")
	// ErrProtectors reports removing the last protector of a volume or
	// adding one beyond the maximum.
	ErrProtectors = errors.New("disk: volume protector limit")
)
