package disk

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/atrest-sim/atrest/envelope"
)

// The volume header of the BitLocker-like flavour (version 1), written at
// byte 0 of the device. It is this package's own format, not BitLocker's
// (whose FVE metadata is undocumented); the dm-crypt-like flavour uses real
// LUKS2 instead (guest_luks2.go). All integers are big-endian.
//
//	off  size  field
//	0    8     magic: "-ATBLK-\x01"
//	8    2     version: 1
//	10   2     cipher: 1 = XTS-AES-256, sector number as tweak (aes-xts-plain64)
//	12   4     sector size: 512 or 4096, that of the device
//	16   8     data offset in bytes: 65536
//	24   16    volume id (random)
//	40   1     number of protectors in use, 1 to 8
//	41   7     zero
//	48   8x160 protector slots, used ones first:
//	           0 type: 1 = BEK (external key) through PBKDF2-HMAC-SHA-256
//	           1 zero (3 bytes)
//	           4 iterations (uint32), 1 to 2^24
//	           8 salt (32 bytes)
//	           40 the 64-byte volume key sealed with AES-256-GCM (93 bytes:
//	              version, nonce, ciphertext, tag) under the PBKDF2 output,
//	              with the magic and volume id as associated data
//	           133 zero (27 bytes)
//	1328 32    SHA-256 of bytes 0 to 1327
//	1360 ...   zero to the end of the first 4096 bytes
//
// Unused slots are all zeros. The parser reads a fixed 4096 bytes and
// allocates nothing whose size comes from the header.
const (
	vhVersion      = 1
	vhCipherXTS256 = 1
	vhDataOffset   = 64 << 10
	vhBlock        = 4096
	vhMaxSlots     = 8
	vhSlotSize     = 160
	vhSlotsOff     = 48
	vhSumOff       = vhSlotsOff + vhMaxSlots*vhSlotSize
	vhLen          = vhSumOff + sha256.Size
	vhSealedLen    = 1 + 12 + volumeKeySize + 16
	vhTypeBEK      = 1
	vhMaxIter      = 1 << 24
	volumeKeySize  = 64
	protectorInfo  = "atrest/disk: volume key protector, v1"
)

var magicBitLocker = [8]byte{'-', 'A', 'T', 'B', 'L', 'K', '-', 1}

// isOwnVolumeHeader reports whether b starts with the magic of a volume
// header of this package; the file system uses it to say "encrypted volume"
// rather than "no file system".
func isOwnVolumeHeader(b []byte) bool {
	return bytes.HasPrefix(b, magicBitLocker[:])
}

type vhProtector struct {
	iterations uint32
	salt       [32]byte
	sealed     [vhSealedLen]byte
}

type volumeHeader struct {
	magic      [8]byte
	sectorSize uint32
	id         [16]byte
	protectors []vhProtector // at most vhMaxSlots
}

// parseVolumeHeader decodes the first vhBlock bytes of a device.
func parseVolumeHeader(b []byte) (*volumeHeader, error) {
	if len(b) < vhBlock {
		return nil, fmt.Errorf("%w: %d bytes", ErrNoVolume, len(b))
	}
	b = b[:vhBlock]
	h := &volumeHeader{}
	copy(h.magic[:], b)
	if h.magic != magicBitLocker {
		return nil, ErrNoVolume
	}
	sum := sha256.Sum256(b[:vhSumOff])
	if subtle.ConstantTimeCompare(sum[:], b[vhSumOff:vhLen]) != 1 {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrVolumeHeader)
	}
	if v := binary.BigEndian.Uint16(b[8:]); v != vhVersion {
		return nil, fmt.Errorf("%w: version %d", ErrVolumeHeader, v)
	}
	if c := binary.BigEndian.Uint16(b[10:]); c != vhCipherXTS256 {
		return nil, fmt.Errorf("%w: cipher %d", ErrVolumeHeader, c)
	}
	h.sectorSize = binary.BigEndian.Uint32(b[12:])
	if h.sectorSize != 512 && h.sectorSize != 4096 {
		return nil, fmt.Errorf("%w: sector size %d", ErrVolumeHeader, h.sectorSize)
	}
	if off := binary.BigEndian.Uint64(b[16:]); off != vhDataOffset {
		return nil, fmt.Errorf("%w: data offset %d", ErrVolumeHeader, off)
	}
	copy(h.id[:], b[24:40])
	n := int(b[40])
	if n < 1 || n > vhMaxSlots || !isZero(b[41:48]) || !isZero(b[vhLen:]) {
		return nil, fmt.Errorf("%w: %d protectors or stray bytes", ErrVolumeHeader, n)
	}
	h.protectors = make([]vhProtector, n, vhMaxSlots)
	for i := range vhMaxSlots {
		s := b[vhSlotsOff+i*vhSlotSize : vhSlotsOff+(i+1)*vhSlotSize]
		if i >= n {
			if !isZero(s) {
				return nil, fmt.Errorf("%w: unused slot %d not empty", ErrVolumeHeader, i)
			}
			continue
		}
		p := &h.protectors[i]
		p.iterations = binary.BigEndian.Uint32(s[4:])
		if s[0] != vhTypeBEK || !isZero(s[1:4]) || !isZero(s[40+vhSealedLen:]) ||
			p.iterations < 1 || p.iterations > vhMaxIter {
			return nil, fmt.Errorf("%w: protector %d", ErrVolumeHeader, i)
		}
		copy(p.salt[:], s[8:40])
		copy(p.sealed[:], s[40:40+vhSealedLen])
	}
	return h, nil
}

// bytes encodes the header into vhBlock bytes.
func (h *volumeHeader) bytes() []byte {
	b := make([]byte, vhBlock)
	copy(b, h.magic[:])
	binary.BigEndian.PutUint16(b[8:], vhVersion)
	binary.BigEndian.PutUint16(b[10:], vhCipherXTS256)
	binary.BigEndian.PutUint32(b[12:], h.sectorSize)
	binary.BigEndian.PutUint64(b[16:], vhDataOffset)
	copy(b[24:40], h.id[:])
	b[40] = byte(len(h.protectors))
	for i, p := range h.protectors {
		s := b[vhSlotsOff+i*vhSlotSize:]
		s[0] = vhTypeBEK
		binary.BigEndian.PutUint32(s[4:], p.iterations)
		copy(s[8:40], p.salt[:])
		copy(s[40:], p.sealed[:])
	}
	sum := sha256.Sum256(b[:vhSumOff])
	copy(b[vhSumOff:], sum[:])
	return b
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// context is the associated data that binds a sealed volume key to its
// header.
func (h *volumeHeader) context() []string {
	return []string{protectorInfo, string(h.magic[:]), hex.EncodeToString(h.id[:])}
}

// protectorKey derives the key that seals the volume key from a BEK.
func protectorKey(bek []byte, p *vhProtector) (*envelope.DEK, error) {
	k, err := pbkdf2.Key(sha256.New, string(bek), p.salt[:], int(p.iterations), envelope.DEKSize)
	if err != nil {
		return nil, fmt.Errorf("disk: PBKDF2: %v", err)
	}
	defer clear(k)
	return envelope.NewDEK(k)
}

// newProtector seals volumeKey under bek. It reads 32 bytes of salt, then
// the 12-byte nonce, from rand.
func (h *volumeHeader) newProtector(volumeKey, bek []byte, iter int, rand io.Reader) (vhProtector, error) {
	p := vhProtector{iterations: uint32(iter)}
	if _, err := io.ReadFull(rand, p.salt[:]); err != nil {
		return p, fmt.Errorf("disk: reading salt: %w", err)
	}
	k, err := protectorKey(bek, &p)
	if err != nil {
		return p, err
	}
	sealed, err := envelope.Seal(rand, k, volumeKey, h.context()...)
	if err != nil {
		return p, fmt.Errorf("disk: sealing volume key: %w", err)
	}
	copy(p.sealed[:], sealed)
	return p, nil
}

// open returns the volume key and the index of the first protector that
// bek opens.
func (h *volumeHeader) open(bek []byte) ([]byte, int, error) {
	for i := range h.protectors {
		k, err := protectorKey(bek, &h.protectors[i])
		if err != nil {
			return nil, 0, err
		}
		vk, err := envelope.Open(k, h.protectors[i].sealed[:], h.context()...)
		if err == nil && len(vk) == volumeKeySize {
			return vk, i, nil
		}
	}
	return nil, 0, ErrWrongBEK
}

// ownCodec stores volumes under the header above.
type ownCodec struct{ magic [8]byte }

func (ownCodec) dataOffset(int) uint64 { return vhDataOffset }
func (ownCodec) tweakScale(int) uint64 { return 1 }

func (c ownCodec) format(dev Device, volumeKey, bek []byte, iter int, rand io.Reader) (uint64, error) {
	h := &volumeHeader{magic: c.magic, sectorSize: uint32(dev.SectorSize())}
	if _, err := io.ReadFull(rand, h.id[:]); err != nil {
		return 0, fmt.Errorf("disk: reading volume id: %w", err)
	}
	p, err := h.newProtector(volumeKey, bek, iter, rand)
	if err != nil {
		return 0, err
	}
	h.protectors = append(h.protectors, p)
	area := make([]byte, vhDataOffset) // the whole header area, so no old bytes survive in it
	copy(area, h.bytes())
	if _, err := (deviceIO{dev}).WriteAt(area, 0); err != nil {
		return 0, err
	}
	return vhDataOffset, nil
}

func (c ownCodec) read(dev Device) (*volumeHeader, error) {
	if (deviceIO{dev}).Size() < vhDataOffset+int64(dev.SectorSize()) {
		return nil, fmt.Errorf("%w: device too small", ErrNoVolume)
	}
	b := make([]byte, vhBlock)
	if _, err := (deviceIO{dev}).ReadAt(b, 0); err != nil {
		return nil, err
	}
	h, err := parseVolumeHeader(b)
	if err != nil {
		return nil, err
	}
	if h.magic != c.magic || int(h.sectorSize) != dev.SectorSize() {
		return nil, fmt.Errorf("%w: header of another kind or sector size", ErrVolumeHeader)
	}
	return h, nil
}

func (c ownCodec) open(dev Device, bek []byte) ([]byte, uint64, error) {
	h, err := c.read(dev)
	if err != nil {
		return nil, 0, err
	}
	vk, _, err := h.open(bek)
	if err != nil {
		return nil, 0, err
	}
	return vk, vhDataOffset, nil
}

func (c ownCodec) addKey(dev Device, volumeKey, bek []byte, iter int, rand io.Reader) error {
	h, err := c.read(dev)
	if err != nil {
		return err
	}
	if len(h.protectors) == vhMaxSlots {
		return fmt.Errorf("%w: all %d protector slots in use", ErrProtectors, vhMaxSlots)
	}
	p, err := h.newProtector(volumeKey, bek, iter, rand)
	if err != nil {
		return err
	}
	h.protectors = append(h.protectors, p)
	_, err = (deviceIO{dev}).WriteAt(h.bytes(), 0)
	return err
}

func (c ownCodec) removeKey(dev Device, bek []byte) error {
	h, err := c.read(dev)
	if err != nil {
		return err
	}
	_, i, err := h.open(bek)
	if err != nil {
		return err
	}
	if len(h.protectors) == 1 {
		return fmt.Errorf("%w: cannot remove the last protector", ErrProtectors)
	}
	h.protectors = append(h.protectors[:i], h.protectors[i+1:]...)
	_, err = (deviceIO{dev}).WriteAt(h.bytes(), 0)
	return err
}
