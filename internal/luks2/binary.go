package luks2

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
)

// Binary header field offsets (FORMATS.md §2.2).
const (
	offMagic     = 0
	offVersion   = 6
	offHdrSize   = 8
	offSeqID     = 16
	offLabel     = 24
	offCsumAlg   = 72
	offSalt      = 104
	offUUID      = 168
	offSubsystem = 208
	offHdrOffset = 256
	offCsum      = 448
	lenLabel     = 48
	lenCsumAlg   = 32
	lenUUID      = 40
	lenCsum      = 64
)

var (
	magicPrimary   = []byte("LUKS\xba\xbe")
	magicSecondary = []byte("SKUL\xba\xbe")
)

// hdrSizes are the allowed sizes of one metadata copy (binary header plus
// JSON area), which are also the offsets where a secondary header may sit.
var hdrSizes = [...]int64{16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20}

func validHdrSize(n uint64) bool {
	for _, s := range hdrSizes {
		if uint64(s) == n {
			return true
		}
	}
	return false
}

// hashByName returns a constructor for the hash names cryptsetup writes in
// checksum_alg, af.hash, and PBKDF2 hash fields that this package supports.
func hashByName(name string) (func() hash.Hash, bool) {
	switch name {
	case "sha256":
		return sha256.New, true
	case "sha1":
		return sha1.New, true
	case "sha512":
		return sha512.New, true
	}
	return nil, false
}

// binHeader is the decoded binary header of one metadata copy.
type binHeader struct {
	hdrSize   int64
	seqID     uint64
	label     string
	csumAlg   string
	salt      [hdrSaltSize]byte
	uuid      string
	subsystem string
	hdrOffset int64
}

// cString decodes a NUL-terminated string field of b.
func cString(b []byte, field string) (string, error) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", fmt.Errorf("%w: %s is not NUL-terminated", ErrCorrupt, field)
	}
	return string(b[:i]), nil
}

// magicAt classifies the first bytes of a header slot: the magic it holds
// (primary or secondary) and its version.
func magicAt(b []byte) (primary, secondary bool, version uint16) {
	return bytes.Equal(b[:6], magicPrimary), bytes.Equal(b[:6], magicSecondary), binary.BigEndian.Uint16(b[offVersion:])
}

// parseBinHeader decodes the 4096-byte binary header b read at physical
// offset off, without the checksum check (which needs the JSON area).
func parseBinHeader(b []byte, off int64) (*binHeader, error) {
	p, s, v := magicAt(b)
	if !p && !s {
		return nil, fmt.Errorf("%w: no magic at offset %d", ErrNotLUKS, off)
	}
	if (off == 0) != p {
		return nil, fmt.Errorf("%w: wrong magic for a header at offset %d", ErrCorrupt, off)
	}
	if v != 2 {
		return nil, fmt.Errorf("%w: LUKS version %d at offset %d (only 2)", ErrUnsupported, v, off)
	}
	h := &binHeader{seqID: binary.BigEndian.Uint64(b[offSeqID:])}
	size := binary.BigEndian.Uint64(b[offHdrSize:])
	if !validHdrSize(size) {
		return nil, fmt.Errorf("%w: header size %d at offset %d", ErrCorrupt, size, off)
	}
	h.hdrSize = int64(size)
	if o := binary.BigEndian.Uint64(b[offHdrOffset:]); o != uint64(off) {
		return nil, fmt.Errorf("%w: hdr_offset %d in the header at offset %d", ErrCorrupt, o, off)
	}
	h.hdrOffset = off
	if off != 0 && off != h.hdrSize {
		return nil, fmt.Errorf("%w: secondary header at %d claims header size %d", ErrCorrupt, off, h.hdrSize)
	}
	var err error
	if h.label, err = cString(b[offLabel:offLabel+lenLabel], "label"); err != nil {
		return nil, err
	}
	if h.csumAlg, err = cString(b[offCsumAlg:offCsumAlg+lenCsumAlg], "checksum_alg"); err != nil {
		return nil, err
	}
	if _, ok := hashByName(h.csumAlg); !ok {
		return nil, fmt.Errorf("%w: checksum algorithm %q", ErrUnsupported, h.csumAlg)
	}
	copy(h.salt[:], b[offSalt:])
	if h.uuid, err = cString(b[offUUID:offUUID+lenUUID], "uuid"); err != nil {
		return nil, err
	}
	if h.subsystem, err = cString(b[offSubsystem:offSubsystem+lenLabel], "subsystem"); err != nil {
		return nil, err
	}
	return h, nil
}

// verifyChecksum checks the csum field of area, one whole metadata copy
// (binary header and JSON area), against csumAlg.
func verifyChecksum(area []byte, csumAlg string) error {
	newHash, _ := hashByName(csumAlg)
	h := newHash()
	want := area[offCsum : offCsum+h.Size()]
	if !allZero(area[offCsum+h.Size() : offCsum+lenCsum]) {
		return fmt.Errorf("%w: checksum padding is not zero", ErrCorrupt)
	}
	if subtle.ConstantTimeCompare(want, checksum(area, h)) != 1 {
		return fmt.Errorf("%w: header checksum mismatch", ErrCorrupt)
	}
	return nil
}

// checksum hashes area with its csum field taken as zero.
func checksum(area []byte, h hash.Hash) []byte {
	var zero [lenCsum]byte
	h.Reset()
	h.Write(area[:offCsum])
	h.Write(zero[:])
	h.Write(area[offCsum+lenCsum:])
	return h.Sum(nil)
}

// encodeArea builds one metadata copy of h.hdrSize bytes: the binary header
// of h followed by jsonText (NUL-terminated, zero-padded), with its checksum.
// The caller has checked that jsonText fits and the strings fit their fields.
func encodeArea(h *binHeader, jsonText []byte) []byte {
	area := make([]byte, h.hdrSize)
	if h.hdrOffset == 0 {
		copy(area[offMagic:], magicPrimary)
	} else {
		copy(area[offMagic:], magicSecondary)
	}
	binary.BigEndian.PutUint16(area[offVersion:], 2)
	binary.BigEndian.PutUint64(area[offHdrSize:], uint64(h.hdrSize))
	binary.BigEndian.PutUint64(area[offSeqID:], h.seqID)
	copy(area[offLabel:offLabel+lenLabel-1], h.label)
	copy(area[offCsumAlg:offCsumAlg+lenCsumAlg-1], h.csumAlg)
	copy(area[offSalt:], h.salt[:])
	copy(area[offUUID:offUUID+lenUUID-1], h.uuid)
	copy(area[offSubsystem:offSubsystem+lenLabel-1], h.subsystem)
	binary.BigEndian.PutUint64(area[offHdrOffset:], uint64(h.hdrOffset))
	copy(area[binHeaderSize:], jsonText)
	newHash, _ := hashByName(h.csumAlg)
	copy(area[offCsum:], checksum(area, newHash()))
	return area
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
