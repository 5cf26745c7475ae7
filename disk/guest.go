package disk

import (
	"cmp"
	"fmt"
	"io"
	"slices"
)

// VolumeKind is the flavour of a guest volume: what Azure Disk Encryption
// drives inside the VM (FACTS.md F63, F81).
type VolumeKind int

// The volume kinds. The zero value is invalid.
const (
	// VolumeUnknown is the invalid zero value.
	VolumeUnknown VolumeKind = iota
	// BitLocker is the Windows flavour: encrypts in place; the volume key
	// is protected by an external key (the BEK), no TPM, no recovery key
	// escrow (F81).
	BitLocker
	// DMCrypt is the Linux flavour: aes-xts-plain64 with a 512-bit volume
	// key, the BEK as passphrase (F81); data volumes are encrypted in place
	// or formatted (EncryptFormatAll, F71).
	DMCrypt
)

// String returns "BitLocker" or "dm-crypt".
func (k VolumeKind) String() string {
	switch k {
	case BitLocker:
		return "BitLocker"
	case DMCrypt:
		return "dm-crypt"
	}
	return fmt.Sprintf("VolumeKind(%d)", int(k))
}

// EnableMode says what enabling encryption does to the data on a device.
type EnableMode int

// The enable modes. The zero value is invalid.
const (
	// ModeUnknown is the invalid zero value.
	ModeUnknown EnableMode = iota
	// EncryptInPlace keeps the data: every written sector is read,
	// encrypted, and written back one header's size further on, so the
	// last 64 KiB of the device must be free (all zeros), as with
	// cryptsetup's --reduce-device-size. Never-written sectors stay
	// unwritten, like BitLocker's used-space-only encryption.
	EncryptInPlace
	// EncryptFormatAll writes a fresh header and leaves the data region
	// alone: the volume reads the old sectors as noise, so all data is lost
	// to the guest (F71). Linux only. As with cryptsetup luksFormat, old
	// bytes stay on the device until overwritten.
	EncryptFormatAll
)

// String returns "EncryptInPlace" or "EncryptFormatAll".
func (m EnableMode) String() string {
	switch m {
	case EncryptInPlace:
		return "EncryptInPlace"
	case EncryptFormatAll:
		return "EncryptFormatAll"
	}
	return fmt.Sprintf("EnableMode(%d)", int(m))
}

// DefaultKDFIterations is the PBKDF2-HMAC-SHA-256 iteration count used
// when VolumeConfig.KDFIterations is zero. Tests and simulations pass a
// small count: the strength of the derivation is not what they study.
const DefaultKDFIterations = 600_000

// MaxBEKSize bounds a BEK: a key file or passphrase, not a document.
const MaxBEKSize = 1024

// VolumeConfig describes how to enable encryption on a device.
type VolumeConfig struct {
	// Kind is BitLocker or DMCrypt.
	Kind VolumeKind
	// Mode is EncryptInPlace, or for DMCrypt also EncryptFormatAll.
	Mode EnableMode
	// KDFIterations is the PBKDF2-HMAC-SHA-256 iteration count, 1 to 2^24;
	// zero means DefaultKDFIterations.
	KDFIterations int
	// Rand is the source of the volume key, ids, salts and nonces; nil
	// means crypto/rand.
	Rand io.Reader
}

// volumeCodec writes and reads the header of one volume flavour.
type volumeCodec interface {
	// dataOffset is the size in bytes of the header area on a device of
	// sectors of ss bytes.
	dataOffset(ss int) uint64
	// tweakScale is what a volume sector number is multiplied by to give
	// its XTS tweak.
	tweakScale(ss int) uint64
	// format writes a header protecting volumeKey under bek and returns
	// the data offset in bytes.
	format(dev Device, volumeKey, bek []byte, iter int, rand io.Reader) (uint64, error)
	// open returns the volume key and the data offset, or ErrWrongBEK.
	open(dev Device, bek []byte) ([]byte, uint64, error)
	addKey(dev Device, volumeKey, bek []byte, iter int, rand io.Reader) error
	removeKey(dev Device, bek []byte) error
}

func codecFor(k VolumeKind) volumeCodec {
	switch k {
	case BitLocker:
		return ownCodec{magicBitLocker}
	case DMCrypt:
		return luksCodec{}
	}
	return nil
}

// Volume is a guest volume encrypted by Azure Disk Encryption (F63-F84):
// XTS-AES-256 with a 512-bit volume key, volume sector s stored at device
// sector s plus the data offset and encrypted with the sector number as
// tweak (aes-xts-plain64; for LUKS2 the number counts 512-byte units, as
// dm-crypt does, so 4096-byte sector s uses tweak 8s). The header at the
// start of the device records the cipher and the protectors of the volume
// key: a real LUKS2 header for [DMCrypt], this package's own header for
// [BitLocker]. Opening needs a BEK that one of the protectors accepts. A Volume is a [Device] of the plaintext sectors and is safe for
// concurrent use if its device is.
type Volume struct {
	dev   Device // the device under the volume, header included
	kind  VolumeKind
	codec volumeCodec
	// layer encrypts the data area; it keeps the volume key, two pointers
	// away from the Volume, for AddBEK.
	layer *cryptLayer
}

var _ Device = (*Volume)(nil)

// EncryptVolume enables encryption on dev with bek as its first protector
// and returns the open volume. With EncryptInPlace, data on dev keeps its
// sector numbers in the volume. It reads from cfg.Rand, in order: the
// 64-byte volume key, the 16-byte volume id, the 32-byte salt and the
// 12-byte nonce of the protector. It refuses what [VolumeConfig.Check]
// refuses before drawing anything. On error the device is unchanged, except
// that an in-place encryption failing on a device error midway leaves it
// partly encrypted.
func EncryptVolume(dev Device, bek []byte, cfg VolumeConfig) (*Volume, error) {
	codec, iter, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	if err := checkBEK(bek); err != nil {
		return nil, err
	}
	off, err := cfg.fits(dev, codec)
	if err != nil {
		return nil, err
	}
	rand := randOrDefault(cfg.Rand)
	key := make([]byte, volumeKeySize)
	if _, err := io.ReadFull(rand, key); err != nil {
		return nil, fmt.Errorf("disk: reading volume key: %w", err)
	}
	v, err := newVolume(dev, cfg.Kind, codec, key, off)
	if err != nil {
		return nil, err
	}
	// Prepare the header before touching the data, so that a failure to
	// draw randomness changes nothing.
	hdr, err := prepareHeader(codec, dev, key, bek, iter, rand)
	if err != nil {
		return nil, err
	}
	if cfg.Mode == EncryptInPlace {
		if err := v.encryptInPlace(); err != nil {
			return nil, err
		}
	}
	if _, err := (deviceIO{dev}).WriteAt(hdr, 0); err != nil {
		return nil, err
	}
	return v, nil
}

// Check returns the error [EncryptVolume] would return for dev and c
// before it draws randomness or writes: an invalid configuration
// ([ErrVolumeConfig]), a device too small for a volume, or, for in-place
// encryption, [ErrNoRoom] when the last sectors of dev hold data. It only
// reads dev, so a caller that must change nothing when it is refused (Azure
// Disk Encryption on several volumes) can check every volume first.
// EncryptVolume can still fail on a bad BEK or on a device error.
func (c VolumeConfig) Check(dev Device) error {
	codec, _, err := c.validate()
	if err != nil {
		return err
	}
	_, err = c.fits(dev, codec)
	return err
}

// validate checks the configuration alone and returns its codec and KDF
// iteration count.
func (c VolumeConfig) validate() (volumeCodec, int, error) {
	codec := codecFor(c.Kind)
	iter, err := c.iterations()
	switch {
	case err != nil:
		return nil, 0, err
	case codec == nil:
		return nil, 0, fmt.Errorf("%w: volume kind %v", ErrVolumeConfig, c.Kind)
	case c.Mode != EncryptInPlace && c.Mode != EncryptFormatAll:
		return nil, 0, fmt.Errorf("%w: mode %v", ErrVolumeConfig, c.Mode)
	case c.Kind == BitLocker && c.Mode == EncryptFormatAll:
		return nil, 0, fmt.Errorf("%w: Windows volumes are encrypted in place (F71)", ErrVolumeConfig)
	}
	return codec, iter, nil
}

// fits checks that a volume of the configuration fits on dev and returns
// its data offset in sectors.
func (c VolumeConfig) fits(dev Device, codec volumeCodec) (uint64, error) {
	ss := dev.SectorSize()
	off := codec.dataOffset(ss) / uint64(ss)
	if dev.Sectors() <= 2*off {
		return 0, fmt.Errorf("%w: device of %d sectors is too small for a volume", ErrVolumeConfig, dev.Sectors())
	}
	if c.Mode == EncryptInPlace {
		if err := tailFree(dev, off); err != nil {
			return 0, err
		}
	}
	return off, nil
}

// prepareHeader formats the header onto a scratch device of the header
// area's size and returns its bytes.
func prepareHeader(codec volumeCodec, dev Device, key, bek []byte, iter int, rand io.Reader) ([]byte, error) {
	ss := dev.SectorSize()
	size := codec.dataOffset(ss)
	scratch, err := NewMedia(ss, size/uint64(ss)+1)
	if err != nil {
		return nil, err
	}
	off, err := codec.format(scratch, key, bek, iter, rand)
	if err != nil {
		return nil, err
	}
	if off != size {
		return nil, fmt.Errorf("%w: data offset %d", ErrVolumeHeader, off)
	}
	hdr := make([]byte, size)
	if err := scratch.ReadSectors(hdr, 0); err != nil {
		return nil, err
	}
	return hdr, nil
}

func (c VolumeConfig) iterations() (int, error) {
	switch {
	case c.KDFIterations == 0:
		return DefaultKDFIterations, nil
	case c.KDFIterations < 0 || c.KDFIterations > vhMaxIter:
		return 0, fmt.Errorf("%w: %d KDF iterations", ErrVolumeConfig, c.KDFIterations)
	}
	return c.KDFIterations, nil
}

func checkBEK(bek []byte) error {
	if len(bek) == 0 {
		return ErrBEKRequired
	}
	if len(bek) > MaxBEKSize {
		return fmt.Errorf("%w: BEK of %d bytes", ErrVolumeConfig, len(bek))
	}
	return nil
}

// OpenVolume opens the encrypted volume on dev with bek. It fails with
// [ErrBEKRequired] for an empty BEK, [ErrNoVolume] when dev holds no volume
// header, [ErrVolumeHeader] for a damaged one, and [ErrWrongBEK] when no
// protector accepts bek: the protectors authenticate, so a wrong key never
// yields garbage.
func OpenVolume(dev Device, bek []byte) (*Volume, error) {
	if err := checkBEK(bek); err != nil {
		return nil, err
	}
	kind, err := probeVolume(dev)
	if err != nil {
		return nil, err
	}
	codec := codecFor(kind)
	key, offBytes, err := codec.open(dev, bek)
	if err != nil {
		return nil, err
	}
	ss := uint64(dev.SectorSize())
	if offBytes%ss != 0 || offBytes/ss >= dev.Sectors() {
		return nil, fmt.Errorf("%w: data offset %d", ErrVolumeHeader, offBytes)
	}
	return newVolume(dev, kind, codec, key, offBytes/ss)
}

// probeVolume reads the magic at the start of dev.
func probeVolume(dev Device) (VolumeKind, error) {
	if (deviceIO{dev}).Size() < vhBlock {
		return VolumeUnknown, fmt.Errorf("%w: device too small", ErrNoVolume)
	}
	var magic [8]byte
	if _, err := (deviceIO{dev}).ReadAt(magic[:], 0); err != nil {
		return VolumeUnknown, err
	}
	switch {
	case magic == magicBitLocker:
		return BitLocker, nil
	case string(magic[:6]) == "LUKS\xba\xbe" || string(magic[:6]) == "SKUL\xba\xbe":
		return DMCrypt, nil // a primary or a secondary LUKS2 header
	}
	return VolumeUnknown, ErrNoVolume
}

func newVolume(dev Device, kind VolumeKind, codec volumeCodec, key []byte, off uint64) (*Volume, error) {
	l, err := newKeyedLayer(dev, key, off, codec.tweakScale(dev.SectorSize()), true)
	if err != nil {
		return nil, err
	}
	return &Volume{dev: dev, kind: kind, codec: codec, layer: l}, nil
}

// Kind returns the flavour of the volume.
func (v *Volume) Kind() VolumeKind { return v.kind }

// SectorSize returns the sector size, that of the device.
func (v *Volume) SectorSize() int { return v.layer.ss }

// Sectors returns the number of sectors of the volume: the device's less
// the header area.
func (v *Volume) Sectors() uint64 { return v.layer.Sectors() }

// String describes the volume without its key.
func (v *Volume) String() string {
	return fmt.Sprintf("Volume(%v, %d x %d bytes, REDACTED)", v.kind, v.Sectors(), v.SectorSize())
}

// GoString describes the volume without its key.
func (v *Volume) GoString() string { return v.String() }

// Format prints String for every verb, so no verb reaches the volume key.
func (v *Volume) Format(f fmt.State, verb rune) { io.WriteString(f, v.String()) }

// WriteSectors encrypts p and writes it to the device.
func (v *Volume) WriteSectors(p []byte, first uint64) error { return v.layer.WriteSectors(p, first) }

// ReadSectors reads and decrypts sectors. Sectors whose device sector was
// never written read as zeros when the device can tell.
func (v *Volume) ReadSectors(p []byte, first uint64) error { return v.layer.ReadSectors(p, first) }

// NextWritten reports the next run of volume sectors whose device sectors
// were ever written; on a device that cannot tell, every sector counts.
func (v *Volume) NextWritten(from uint64) (first, n uint64, ok bool) {
	return v.layer.NextWritten(from)
}

func (v *Volume) writtenBits(first, n uint64, bits []uint64) { v.layer.writtenBits(first, n, bits) }

// AddBEK adds a protector that opens the volume with bek (F83: re-key by
// re-running enable with a new secret). It reads a 32-byte salt and a
// 12-byte nonce from rand (nil means crypto/rand) and uses iterations of
// PBKDF2 (zero means DefaultKDFIterations).
func (v *Volume) AddBEK(rand io.Reader, bek []byte, iterations int) error {
	if err := checkBEK(bek); err != nil {
		return err
	}
	iter, err := VolumeConfig{KDFIterations: iterations}.iterations()
	if err != nil {
		return err
	}
	return v.codec.addKey(v.dev, v.layer.rawKey(), bek, iter, randOrDefault(rand))
}

// RemoveBEK removes the protector that bek opens, so that bek no longer
// opens the volume. It fails with [ErrWrongBEK] if no protector accepts it
// and with [ErrProtectors] for the last one.
func (v *Volume) RemoveBEK(bek []byte) error {
	if err := checkBEK(bek); err != nil {
		return err
	}
	return v.codec.removeKey(v.dev, bek)
}

// tailFree verifies that the last off sectors of dev, which in-place
// encryption pushes out, hold only zeros.
func tailFree(dev Device, off uint64) error {
	buf := make([]byte, int(off)*dev.SectorSize())
	if err := dev.ReadSectors(buf, dev.Sectors()-off); err != nil {
		return err
	}
	if !isZero(buf) {
		return fmt.Errorf("%w: the last %d bytes of the device hold data", ErrNoRoom, len(buf))
	}
	return nil
}

// encryptInPlace moves every written sector s of the device, encrypted, to
// s+offset, from the last to the first so that nothing is overwritten
// before it is read. Sector s is processed when it was written or when its
// destination was (to overwrite what is there); the rest stays unwritten.
func (v *Volume) encryptInPlace() error {
	off, ss := v.layer.offset, v.layer.ss
	sp := v.layer.sp
	limit := v.Sectors() // sources are [0, limit)
	var runs [][2]uint64
	add := func(a, b uint64) {
		b = min(b, limit)
		if a < b {
			runs = append(runs, [2]uint64{a, b})
		}
	}
	if sp == nil {
		add(0, limit)
	} else {
		for from := uint64(0); ; {
			f, n, ok := sp.NextWritten(from)
			if !ok {
				break
			}
			add(f, f+n)
			if f >= off {
				add(f-off, f+n-off)
			} else if f+n > off {
				add(0, f+n-off)
			}
			from = f + n
		}
	}
	slices.SortFunc(runs, func(x, y [2]uint64) int { return cmp.Compare(x[0], y[0]) })
	merged := runs[:0]
	for _, r := range runs {
		if k := len(merged); k > 0 && r[0] <= merged[k-1][1] {
			merged[k-1][1] = max(merged[k-1][1], r[1])
			continue
		}
		merged = append(merged, r)
	}
	chunk := uint64(layerChunk / ss)
	buf := make([]byte, layerChunk)
	for i := len(merged) - 1; i >= 0; i-- {
		a, b := merged[i][0], merged[i][1]
		for b > a {
			start := max(a, b-min(b-a, chunk))
			p := buf[:int(b-start)*ss]
			if err := v.dev.ReadSectors(p, start); err != nil {
				return err
			}
			// Volume sector start is device sector start+off.
			if err := v.layer.WriteSectors(p, start); err != nil {
				return err
			}
			b = start
		}
	}
	return nil
}
