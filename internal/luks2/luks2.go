package luks2

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// A Device is the byte-addressed storage a LUKS2 volume lives on: a disk
// image, a partition, or an adapter over a block device.
//
// This package reads and writes only at offsets and lengths that are
// multiples of 4096 when the header's areas are 4096-aligned, which it
// requires of every keyslot area and which holds for every header written
// by this package or by cryptsetup; an adapter over a device with 512- or
// 4096-byte sectors therefore never needs a read-modify-write.
type Device interface {
	io.ReaderAt
	io.WriterAt
	// Size is the device size in bytes.
	Size() int64
}

// A Header is the validated LUKS2 metadata of a device: the copy with the
// higher sequence number among the valid primary and secondary headers. It
// holds no key material (salts and digests only), and changes to the device
// made after it was read are not reflected.
type Header struct {
	bin   binHeader
	salts [2][hdrSaltSize]byte // primary, secondary; kept on rewrite
	meta  *metadata
	text  []byte // JSON text of the chosen copy
}

// DataOffset returns the byte offset of the encrypted data segment.
func (h *Header) DataOffset() int64 { return h.meta.seg.offset }

// DataSize returns the size in bytes of the data segment on a device of
// deviceSize bytes: the fixed size from the header, or for a "dynamic"
// segment everything after [Header.DataOffset], rounded down to whole
// sectors.
func (h *Header) DataSize(deviceSize int64) int64 {
	if h.meta.seg.size >= 0 {
		return h.meta.seg.size
	}
	n := max(deviceSize-h.meta.seg.offset, 0)
	return n - n%int64(h.meta.seg.sectorSize)
}

// SectorSize returns the data segment's encryption sector size in bytes:
// 512, 1024, 2048 or 4096. Whatever the size, the XTS tweak counts 512-byte
// units from the start of the segment (sector i of size s uses tweak
// i*s/512), as dm-crypt does for LUKS2.
func (h *Header) SectorSize() int { return h.meta.seg.sectorSize }

// Cipher returns the data segment's cipher in dm-crypt notation; always
// "aes-xts-plain64" (AES-256-XTS with a 512-bit volume key).
func (h *Header) Cipher() string { return h.meta.seg.encryption }

// UUID returns the volume's UUID as written in the header.
func (h *Header) UUID() string { return h.bin.uuid }

// Seqid returns the header's sequence number ("Epoch" in cryptsetup
// luksDump), incremented by every metadata update.
func (h *Header) Seqid() uint64 { return h.bin.seqID }

// Keyslots returns the numbers of the keyslots in use, in increasing order.
func (h *Header) Keyslots() []int {
	out := make([]int, len(h.meta.keyslots))
	for i, ks := range h.meta.keyslots {
		out[i] = ks.id
	}
	return out
}

// KeyslotKDF returns the KDF of keyslot slot, or [KDFUnknown] if the slot is
// not in use.
func (h *Header) KeyslotKDF(slot int) KDF {
	if i := h.meta.keyslotIndex(slot); i >= 0 {
		return h.meta.keyslots[i].kdf
	}
	return KDFUnknown
}

// String describes the header without key material, for logs.
func (h *Header) String() string {
	return fmt.Sprintf("LUKS2(uuid=%s, seqid=%d, %s, sector %d, data at %d, keyslots %v)",
		h.UUID(), h.Seqid(), h.Cipher(), h.SectorSize(), h.DataOffset(), h.Keyslots())
}

// readFull reads exactly len(p) bytes at off, treating a short read as a
// device error.
func readFull(dev Device, p []byte, off int64) error {
	n, err := dev.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("luks2: reading %d bytes at %d: %w", len(p), off, err)
}

func writeFull(dev Device, p []byte, off int64) error {
	if _, err := dev.WriteAt(p, off); err != nil {
		return fmt.Errorf("luks2: writing %d bytes at %d: %w", len(p), off, err)
	}
	return nil
}

// candidate is one metadata copy read from the device.
type candidate struct {
	bin  *binHeader
	meta *metadata
	text []byte
}

// readCopy reads and validates the metadata copy at off. A nil binHeader
// with an error means the slot holds no LUKS2 header at all.
func readCopy(dev Device, off, devSize int64) (*binHeader, *candidate, error) {
	if off+binHeaderSize > devSize {
		return nil, nil, fmt.Errorf("%w: device of %d bytes has no header at %d", ErrNotLUKS, devSize, off)
	}
	head := make([]byte, binHeaderSize)
	if err := readFull(dev, head, off); err != nil {
		return nil, nil, err
	}
	bin, err := parseBinHeader(head, off)
	if err != nil {
		return nil, nil, err
	}
	if bin.hdrSize > devSize-off {
		return bin, nil, corrupt("header at %d of %d bytes beyond the device (%d bytes)", off, bin.hdrSize, devSize)
	}
	area := make([]byte, bin.hdrSize)
	copy(area, head)
	if err := readFull(dev, area[binHeaderSize:], off+binHeaderSize); err != nil {
		return bin, nil, err
	}
	if err := verifyChecksum(area, bin.csumAlg); err != nil {
		return bin, nil, err
	}
	text, err := jsonText(area[binHeaderSize:])
	if err != nil {
		return bin, nil, err
	}
	meta, err := parseMetadata(text, bin.hdrSize, devSize)
	if err != nil {
		return bin, nil, err
	}
	return bin, &candidate{bin, meta, bytes.Clone(text)}, nil
}

// isDeviceErr reports whether err came from the device rather than from
// the header's contents.
func isDeviceErr(err error) bool {
	return !errors.Is(err, ErrNotLUKS) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported)
}

// ReadHeader reads and validates the LUKS2 metadata of dev without
// unlocking anything. It checks both header copies (checksums, sizes,
// offsets inside the device, required fields, known types) and returns the
// valid one with the higher sequence number, the primary on a tie. If the
// primary is unreadable, it looks for the secondary at every offset LUKS2
// allows, as cryptsetup does.
//
// Errors match [ErrNotLUKS], [ErrCorrupt] or [ErrUnsupported] (LUKS1,
// tokens aside: any feature outside the supported subset), or are device
// errors.
func ReadHeader(dev Device) (*Header, error) {
	devSize := dev.Size()
	pbin, primary, perr := readCopy(dev, 0, devSize)
	if perr != nil && isDeviceErr(perr) {
		return nil, perr
	}
	offsets := hdrSizes[:]
	if pbin != nil {
		offsets = []int64{pbin.hdrSize}
	}
	var secondary *candidate
	var serr error
	for _, off := range offsets {
		_, c, err := readCopy(dev, off, devSize)
		if err != nil && isDeviceErr(err) {
			return nil, err
		}
		if c != nil {
			secondary = c
			break
		}
		if serr == nil || !errors.Is(err, ErrNotLUKS) {
			serr = err
		}
	}
	best := primary
	if best == nil || (secondary != nil && secondary.bin.seqID > best.bin.seqID) {
		best = secondary
	}
	if best == nil {
		if errors.Is(perr, ErrNotLUKS) && serr != nil && !errors.Is(serr, ErrNotLUKS) {
			return nil, serr
		}
		return nil, perr
	}
	h := &Header{bin: *best.bin, meta: best.meta, text: best.text}
	h.salts[0], h.salts[1] = best.bin.salt, best.bin.salt
	if primary != nil {
		h.salts[0] = primary.bin.salt
	}
	if secondary != nil {
		h.salts[1] = secondary.bin.salt
	}
	return h, nil
}

// Open reads the header of dev, unlocks a keyslot with passphrase, checks
// the recovered key against the volume key digest, and returns the header
// and the 64-byte volume key (the caller owns it and must keep it out of
// every output). Keyslots are tried high priority first; priority-0
// ("ignore") keyslots and keyslots not bound to the data segment are
// skipped, as cryptsetup does. Tokens are ignored.
//
// A passphrase that opens no keyslot gives [ErrWrongPassphrase], with no
// detail about why. Open costs one KDF run per keyslot tried, each within
// the default caps of [OpenOptions]; see [OpenOptions.Open].
func Open(dev Device, passphrase []byte) (*Header, []byte, error) {
	return OpenOptions{}.Open(dev, passphrase)
}

// OpenSlot is [Open] that also says which keyslot passphrase opened: the
// first in Open's order.
func OpenSlot(dev Device, passphrase []byte) (*Header, int, []byte, error) {
	return OpenOptions{}.OpenSlot(dev, passphrase)
}

// Default cost caps of [OpenOptions], per keyslot and for the volume key
// digest. They accept everything [DefaultParams] writes and what
// cryptsetup writes with its normal settings: Argon2 memory up to its
// default maximum of 1 GiB (it benchmarks the time cost for a 2-second
// unlock, a handful of passes at that memory) and PBKDF2 iteration counts
// of a 2-second benchmark on a fast machine (a few million).
const (
	DefaultMaxMemoryKiB  = 1 << 20 // 1 GiB
	DefaultMaxTimeCost   = 32      // Argon2 passes
	DefaultMaxIterations = 1 << 24 // PBKDF2 iterations, keyslot or digest
)

// OpenOptions cap the key-derivation work that opening a volume may do, so
// that a crafted header (an untrusted disk image) cannot make [Open]
// allocate 4 GiB for Argon2, run 65,536 passes or 2^32-1 PBKDF2 iterations
// in each of 32 keyslots. The header format allows all of those. A zero
// field means its default (DefaultMaxMemoryKiB, DefaultMaxTimeCost,
// DefaultMaxIterations); a caller that trusts the header can raise the caps
// up to the format's limits.
//
// Caps are checked before any KDF runs or its memory is allocated. A
// keyslot over a cap is skipped; a digest over MaxIterations fails the
// whole call. If no keyslot within the caps opens and some were skipped,
// the error matches [ErrTooCostly] (and [ErrUnsupported]) instead of
// [ErrWrongPassphrase]: the passphrase may be right.
type OpenOptions struct {
	// MaxMemoryKiB caps an Argon2 keyslot's memory in KiB.
	MaxMemoryKiB int
	// MaxTimeCost caps an Argon2 keyslot's number of passes.
	MaxTimeCost int
	// MaxIterations caps the PBKDF2 iterations of a keyslot and of the
	// volume key digest.
	MaxIterations int
}

// withDefaults returns o with zero or negative fields set to the defaults.
func (o OpenOptions) withDefaults() OpenOptions {
	if o.MaxMemoryKiB <= 0 {
		o.MaxMemoryKiB = DefaultMaxMemoryKiB
	}
	if o.MaxTimeCost <= 0 {
		o.MaxTimeCost = DefaultMaxTimeCost
	}
	if o.MaxIterations <= 0 {
		o.MaxIterations = DefaultMaxIterations
	}
	return o
}

// tooCostly returns an error matching ErrTooCostly and ErrUnsupported.
func tooCostly(format string, a ...any) error {
	return fmt.Errorf("%w (%w): "+format, append([]any{ErrTooCostly, ErrUnsupported}, a...)...)
}

// allows reports whether unlocking ks stays within o (defaults applied).
func (o OpenOptions) allows(ks *keyslot) bool {
	if ks.kdf == PBKDF2 {
		return ks.iterations <= o.MaxIterations
	}
	return ks.memoryKiB <= o.MaxMemoryKiB && ks.timeCost <= o.MaxTimeCost
}

// checkDigest fails when verifying a key against d would exceed o.
func (o OpenOptions) checkDigest(d *digest) error {
	if d != nil && d.iterations > o.MaxIterations {
		return tooCostly("digest %d has %d PBKDF2 iterations (cap %d)", d.id, d.iterations, o.MaxIterations)
	}
	return nil
}

// Open is the package-level [Open] under the caps of o.
func (o OpenOptions) Open(dev Device, passphrase []byte) (*Header, []byte, error) {
	h, _, vk, err := o.OpenSlot(dev, passphrase)
	return h, vk, err
}

// OpenSlot is the package-level [OpenSlot] under the caps of o.
func (o OpenOptions) OpenSlot(dev Device, passphrase []byte) (*Header, int, []byte, error) {
	h, slots, vk, err := o.unlock(dev, passphrase, false)
	if err != nil {
		return nil, 0, nil, err
	}
	return h, slots[0], vk, nil
}

// MatchKeyslots returns the header and the numbers of every keyslot that
// passphrase opens, in Open's order (at least one), without returning the
// volume key: what a caller needs to remove the keyslots of a passphrase.
// Unlike Open it tries every keyslot, one KDF run each, under the caps of
// o; errors are Open's.
func (o OpenOptions) MatchKeyslots(dev Device, passphrase []byte) (*Header, []int, error) {
	h, slots, vk, err := o.unlock(dev, passphrase, true)
	clear(vk)
	return h, slots, err
}

// MatchKeyslots is [OpenOptions.MatchKeyslots] under the default caps.
func MatchKeyslots(dev Device, passphrase []byte) (*Header, []int, error) {
	return OpenOptions{}.MatchKeyslots(dev, passphrase)
}

// unlock tries passphrase on the keyslots in open order within the caps of
// o, stopping at the first that opens unless all is set. It returns the
// slots that opened and the volume key.
func (o OpenOptions) unlock(dev Device, passphrase []byte, all bool) (*Header, []int, []byte, error) {
	if len(passphrase) > maxPassphrase {
		return nil, nil, nil, fmt.Errorf("%w: passphrase of %d bytes (at most %d)", ErrInvalid, len(passphrase), maxPassphrase)
	}
	o = o.withDefaults()
	h, err := ReadHeader(dev)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := o.checkDigest(h.meta.segmentDigest()); err != nil {
		return nil, nil, nil, err
	}
	var slots, skipped []int
	var key []byte
	for _, ks := range h.meta.openOrder() {
		if !o.allows(&ks) {
			skipped = append(skipped, ks.id)
			continue
		}
		vk, err := h.meta.unlock(dev, &ks, passphrase)
		if err != nil {
			clear(key)
			return nil, nil, nil, err
		}
		if vk == nil {
			continue
		}
		slots = append(slots, ks.id)
		if key == nil {
			key = vk
		} else {
			clear(vk)
		}
		if !all {
			break
		}
	}
	switch {
	case len(slots) > 0:
		return h, slots, key, nil
	case len(skipped) > 0:
		return nil, nil, nil, tooCostly("keyslots %v exceed the KDF caps (memory %d KiB, %d passes, %d iterations) and no other keyslot opens", skipped, o.MaxMemoryKiB, o.MaxTimeCost, o.MaxIterations)
	}
	return nil, nil, nil, ErrWrongPassphrase
}

// Format writes a new LUKS2 volume on dev: the primary and secondary
// headers (16 KiB each, sequence number 1), the JSON metadata, keyslot 0
// holding volumeKey under passphrase, a PBKDF2-SHA-256 digest of the volume
// key, and one crypt segment aes-xts-plain64 of "dynamic" size with
// p.SectorSize sectors at offset 32768+p.KeyslotsSize. It zeroes the whole
// keyslot area first, so no keyslot of an earlier volume survives; the
// data area is not touched.
//
// volumeKey must be 64 bytes (AES-256-XTS). dev must hold at least one data
// sector after the metadata, else [ErrNoSpace].
//
// Randomness: Format reads, in order, 16 bytes (UUID), 64 and 64 bytes
// (primary and secondary header salts), 32 bytes (digest salt), 32 bytes
// (keyslot salt) and 255936 bytes (anti-forensic stripes) from rand.
func Format(dev Device, volumeKey, passphrase []byte, p Params, rand io.Reader) (*Header, error) {
	if len(volumeKey) != keySize {
		return nil, fmt.Errorf("%w: volume key of %d bytes (want %d)", ErrInvalid, len(volumeKey), keySize)
	}
	if err := checkPassphrase(passphrase); err != nil {
		return nil, err
	}
	if err := p.checkFormat(); err != nil {
		return nil, err
	}
	hdrSize := int64(defaultHdrSize)
	dataOffset := 2*hdrSize + p.KeyslotsSize
	if devSize := dev.Size(); devSize < dataOffset+int64(p.SectorSize) {
		return nil, fmt.Errorf("%w: device of %d bytes, need at least %d", ErrNoSpace, devSize, dataOffset+int64(p.SectorSize))
	}
	var uuid [16]byte
	if _, err := io.ReadFull(rand, uuid[:]); err != nil {
		return nil, fmt.Errorf("luks2: reading UUID: %w", err)
	}
	h := &Header{bin: binHeader{hdrSize: hdrSize, csumAlg: "sha256", uuid: formatUUID(uuid)}}
	for i := range h.salts {
		if _, err := io.ReadFull(rand, h.salts[i][:]); err != nil {
			return nil, fmt.Errorf("luks2: reading header salt: %w", err)
		}
	}
	d, err := newDigest(volumeKey, p.DigestIterations, rand)
	if err != nil {
		return nil, err
	}
	ks, err := newKeyslot(0, p, 2*hdrSize, rand)
	if err != nil {
		return nil, err
	}
	area, err := sealKeyslot(ks, volumeKey, passphrase, rand)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{
		"keyslots": map[string]any{"0": ks.json()},
		"tokens":   map[string]any{},
		"segments": map[string]any{"0": map[string]any{
			"type": "crypt", "offset": fmt.Sprint(dataOffset), "size": "dynamic",
			"iv_tweak": "0", "encryption": "aes-xts-plain64", "sector_size": p.SectorSize,
		}},
		"digests": map[string]any{"0": map[string]any{
			"type": "pbkdf2", "keyslots": []any{"0"}, "segments": []any{"0"},
			"hash": d.hash, "iterations": d.iterations, "salt": d.salt, "digest": d.value,
		}},
		"config": map[string]any{
			"json_size":     fmt.Sprint(hdrSize - binHeaderSize),
			"keyslots_size": fmt.Sprint(p.KeyslotsSize),
		},
	}
	next, err := h.prepare(dev, doc)
	if err != nil {
		return nil, err
	}
	if err := wipe(dev, 2*hdrSize, p.KeyslotsSize); err != nil {
		return nil, err
	}
	if err := writeFull(dev, area, ks.areaOffset); err != nil {
		return nil, err
	}
	if err := next.write(dev); err != nil {
		return nil, err
	}
	return next, nil
}

// formatUUID renders 16 random bytes as a version 4 UUID string.
func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// wipe zeroes n bytes of dev at off.
func wipe(dev Device, off, n int64) error {
	zero := make([]byte, min(n, wipeChunk))
	for n > 0 {
		c := min(n, int64(len(zero)))
		if err := writeFull(dev, zero[:c], off); err != nil {
			return err
		}
		off, n = off+c, n-c
	}
	return nil
}

// prepare encodes doc as the next metadata version of h (sequence number
// plus one) and validates it as a reader would, before anything is written.
func (h *Header) prepare(dev Device, doc map[string]any) (*Header, error) {
	text, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("luks2: encoding metadata: %v", err)
	}
	if int64(len(text)) >= h.bin.hdrSize-binHeaderSize {
		return nil, fmt.Errorf("%w: metadata of %d bytes does not fit the %d-byte JSON area", ErrNoSpace, len(text), h.bin.hdrSize-binHeaderSize)
	}
	meta, err := parseMetadata(text, h.bin.hdrSize, dev.Size())
	if err != nil {
		// A header this package builds must read back; anything else is a bug.
		return nil, fmt.Errorf("luks2: internal error, new metadata does not validate: %w", err)
	}
	next := &Header{bin: h.bin, salts: h.salts, meta: meta, text: text}
	next.bin.seqID++
	next.bin.hdrOffset = 0
	next.bin.salt = next.salts[0]
	return next, nil
}

// write writes the secondary then the primary copy of next's metadata.
func (next *Header) write(dev Device) error {
	for _, off := range []int64{next.bin.hdrSize, 0} {
		b := next.bin
		b.hdrOffset = off
		b.salt = next.salts[0]
		if off != 0 {
			b.salt = next.salts[1]
		}
		if err := writeFull(dev, encodeArea(&b, next.text), off); err != nil {
			return err
		}
	}
	return nil
}

// document decodes the header's JSON text as a generic tree, so that a
// rewrite keeps every field this package does not interpret (tokens,
// config flags, labels of other tools) as it was.
func (h *Header) document() (map[string]any, map[string]any, map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(h.text))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, nil, corrupt("JSON metadata: %v", err)
	}
	kss, ok1 := doc["keyslots"].(map[string]any)
	dgs, ok2 := doc["digests"].(map[string]any)
	if !ok1 || !ok2 {
		return nil, nil, nil, corrupt("JSON metadata lacks keyslots or digests")
	}
	return doc, kss, dgs, nil
}

// AddKeyslot stores volumeKey in a new keyslot of dev under newPassphrase,
// with the KDF and costs of p (its Format-only fields are ignored), and
// returns the keyslot number: the lowest free one. The area is the first
// free 258048-byte gap of the keyslot area. The volume key must match the
// header's digest ([ErrWrongKey]); [ErrNoSpace] if no number or area is
// free or the metadata outgrows its JSON area; [ErrTooCostly] if the
// digest's iterations exceed [DefaultMaxIterations]. Nothing is written on error
// before the writes start; the area is written before the headers.
//
// Randomness: AddKeyslot reads 32 bytes (keyslot salt) then 255936 bytes
// (anti-forensic stripes) from rand.
func AddKeyslot(dev Device, volumeKey, newPassphrase []byte, p Params, rand io.Reader) (int, error) {
	if len(volumeKey) != keySize {
		return 0, fmt.Errorf("%w: volume key of %d bytes (want %d)", ErrInvalid, len(volumeKey), keySize)
	}
	if err := checkPassphrase(newPassphrase); err != nil {
		return 0, err
	}
	if err := p.checkKDF(); err != nil {
		return 0, err
	}
	h, err := ReadHeader(dev)
	if err != nil {
		return 0, err
	}
	d := h.meta.segmentDigest()
	if err := (OpenOptions{}).withDefaults().checkDigest(d); err != nil {
		return 0, err
	}
	if d == nil || !d.matches(volumeKey) {
		return 0, ErrWrongKey
	}
	slot := 0
	for slot < maxKeyslots && h.meta.keyslotIndex(slot) >= 0 {
		slot++
	}
	if slot == maxKeyslots {
		return 0, fmt.Errorf("%w: all %d keyslots in use", ErrNoSpace, maxKeyslots)
	}
	off, ok := h.freeArea()
	if !ok {
		return 0, fmt.Errorf("%w: no free %d-byte area in the %d-byte keyslot area", ErrNoSpace, keyslotAreaSize, h.meta.keyslotsSize)
	}
	doc, kss, dgs, err := h.document()
	if err != nil {
		return 0, err
	}
	ks, err := newKeyslot(slot, p, off, rand)
	if err != nil {
		return 0, err
	}
	name := strconv.Itoa(slot)
	kss[name] = ks.json()
	dj, ok := dgs[strconv.Itoa(d.id)].(map[string]any)
	if !ok {
		return 0, corrupt("digest %d", d.id)
	}
	refs, _ := dj["keyslots"].([]any)
	dj["keyslots"] = append(refs, name)
	area, err := sealKeyslot(ks, volumeKey, newPassphrase, rand)
	if err != nil {
		return 0, err
	}
	next, err := h.prepare(dev, doc)
	if err != nil {
		return 0, err
	}
	if err := writeFull(dev, area, off); err != nil {
		return 0, err
	}
	if err := next.write(dev); err != nil {
		return 0, err
	}
	return slot, nil
}

// freeArea returns the offset of the first gap of keyslotAreaSize bytes
// in the keyslot area.
func (h *Header) freeArea() (int64, bool) {
	areas := slices.Clone(h.meta.keyslots)
	slices.SortFunc(areas, func(a, b keyslot) int { return cmp.Compare(a.areaOffset, b.areaOffset) })
	pos, end := 2*h.bin.hdrSize, 2*h.bin.hdrSize+h.meta.keyslotsSize
	for _, ks := range areas {
		if ks.areaOffset-pos >= keyslotAreaSize {
			break
		}
		pos = ks.areaOffset + ks.areaSize
	}
	return pos, end-pos >= keyslotAreaSize
}

// RemoveKeyslot destroys keyslot slot of dev: it zeroes the keyslot's area,
// then removes the keyslot (and its references from digests and tokens)
// from the metadata, written with the sequence number plus one. It refuses
// to remove the last keyslot bound to the data segment ([ErrLastKeyslot]),
// which would leave a volume nobody can open; [ErrNoKeyslot] if slot is not
// in use. It reads no randomness.
func RemoveKeyslot(dev Device, slot int) error {
	h, err := ReadHeader(dev)
	if err != nil {
		return err
	}
	i := h.meta.keyslotIndex(slot)
	if i < 0 {
		return fmt.Errorf("%w: %d", ErrNoKeyslot, slot)
	}
	ks := h.meta.keyslots[i]
	if d := h.meta.digestByID(ks.digest); len(d.segments) > 0 && len(d.keyslots) == 1 {
		return fmt.Errorf("%w: keyslot %d", ErrLastKeyslot, slot)
	}
	doc, kss, dgs, err := h.document()
	if err != nil {
		return err
	}
	name := strconv.Itoa(slot)
	delete(kss, name)
	for id, v := range dgs {
		dj, ok := v.(map[string]any)
		if !ok {
			return corrupt("digest %s", id)
		}
		refs := dropRef(dj["keyslots"], name)
		if len(refs) == 0 {
			delete(dgs, id) // unused digest, as cryptsetup erases it
			continue
		}
		dj["keyslots"] = refs
	}
	if tks, ok := doc["tokens"].(map[string]any); ok {
		for _, v := range tks {
			if tj, ok := v.(map[string]any); ok {
				tj["keyslots"] = dropRef(tj["keyslots"], name)
			}
		}
	}
	next, err := h.prepare(dev, doc)
	if err != nil {
		return err
	}
	if err := wipe(dev, ks.areaOffset, ks.areaSize); err != nil {
		return err
	}
	return next.write(dev)
}

// dropRef returns the list v of keyslot names without name.
func dropRef(v any, name string) []any {
	refs, _ := v.([]any)
	out := []any{}
	for _, r := range refs {
		if r != name {
			out = append(out, r)
		}
	}
	return out
}
