package disk

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// Fixed VHD format constants (../shared/FORMATS.md §1): the file is the raw
// disk followed by a 512-byte footer; integers are big-endian.
const (
	vhdFooterSize = 512
	vhdSectorSize = 512
	vhdVersion    = 0x00010000
	vhdFeatures   = 0x00000002 // the "reserved" bit, always set
	vhdFixed      = 2
	// vhdEpoch is 2000-01-01 00:00:00 UTC in Unix seconds.
	vhdEpoch = 946684800
	// vhdBufSize bounds the memory of WriteVHD.
	vhdBufSize = 1 << 20
	// vhdMaxGeometrySectors is 65535 x 16 x 255, the largest CHS geometry.
	vhdMaxGeometrySectors = 65535 * 16 * 255
)

// Defaults for the creator fields written by [WriteVHD]. qemu (block/vpc.c)
// sizes a VHD by its CHS geometry, which rounds down, unless the creator
// application is one it knows to use the footer's current size: "win "
// (Hyper-V), "qem2", "d2v ", "tap\0", "CTXS". Azure's own creator "wa\0\0"
// is not in the qemu 7.2 table. So WriteVHD writes "win " version 10.0 on
// "Wi2k", and every tool, qemu included, reads back exactly the current size.
var (
	vhdCreatorApp     = [4]byte{'w', 'i', 'n', ' '}
	vhdCreatorHostOS  = [4]byte{'W', 'i', '2', 'k'}
	vhdCreatorVersion = uint32(0x000A0000)
)

// Errors of the VHD reader and writer; match them with [errors.Is].
var (
	// ErrBadVHD reports a file that is not a valid fixed VHD: no footer
	// cookie, a bad checksum, another disk type (dynamic, differencing), a
	// size that does not match the file length, an insane geometry.
	ErrBadVHD = errors.New("disk: not a valid fixed VHD")

	// ErrVHDReadOnly reports a write to a VHD opened with [OpenVHD].
	ErrVHDReadOnly = errors.New("disk: VHD is read-only")

	// ErrVHDSize reports a VHD that Azure would refuse to upload: its
	// virtual size must be a whole number of MiB, from 20 MiB to 32 TiB
	// (FORMATS.md §1.3: the file is N MiB + 512 bytes).
	ErrVHDSize = errors.New("disk: VHD size not accepted by Azure")
)

// VHDFooter is the 512-byte footer of a VHD file, field by field
// (FORMATS.md §1.2). [ParseVHDFooter] decodes it and [VHDFooter.Bytes]
// encodes it.
type VHDFooter struct {
	// Features: bit 0x2 is always set; 0x1 marks a temporary disk.
	Features uint32
	// FormatVersion is 0x00010000.
	FormatVersion uint32
	// DataOffset is all ones for a fixed disk.
	DataOffset uint64
	// Timestamp is the creation time in seconds since 2000-01-01 00:00:00
	// UTC.
	Timestamp uint32
	// CreatorApp names the writing application ("win ", "vpc ", "qem2", ...).
	CreatorApp [4]byte
	// CreatorVersion is major<<16 | minor.
	CreatorVersion uint32
	// CreatorHostOS is "Wi2k" or "Mac ".
	CreatorHostOS [4]byte
	// OriginalSize is the virtual size in bytes at creation.
	OriginalSize uint64
	// CurrentSize is the virtual size in bytes, a multiple of 512.
	CurrentSize uint64
	// Cylinders, Heads and SectorsPerTrack are the CHS geometry.
	Cylinders       uint16
	Heads           uint8
	SectorsPerTrack uint8
	// DiskType is 2 (fixed); other types are rejected.
	DiskType uint32
	// Checksum is the one's complement of the byte sum of the footer
	// without this field. Bytes recomputes it.
	Checksum uint32
	// UniqueID identifies the disk.
	UniqueID [16]byte
	// SavedState is set when the footer says the VM was saved.
	SavedState bool
}

// VHDOptions tunes [WriteVHD]. The zero value (or a nil pointer) is valid.
type VHDOptions struct {
	// Now gives the footer's timestamp. Nil means the VHD epoch
	// (2000-01-01, timestamp 0), so that output is deterministic; pass the
	// simulated clock's Now. Times before 2000 or after 2136 are an error.
	Now func() time.Time
	// Rand gives the 16-byte unique id; WriteVHD reads exactly 16 bytes
	// from it before anything else. Nil means crypto/rand.Reader.
	Rand io.Reader
}

// SparseDevice is an optional interface of a [Device] that knows which
// sectors were never written, such as [Media] and the layers stacked on it.
// [WriteVHD] uses it as a fast path: the gaps between written runs are
// emitted as zeros without being read, so that exporting a 1 TiB disk
// holding 1 MiB costs the writes of the zeros, not the reads.
//
// NextWritten returns the next run of written sectors at or after sector
// from (its first sector and its length), or ok false when there is none.
// It is a promise that every sector outside the runs reads as zeros through
// ReadSectors (a layer that decrypts must not make it for sectors it would
// decrypt to something else). Runs may be split arbitrarily.
type SparseDevice interface {
	Device
	NextWritten(from uint64) (first, n uint64, ok bool)
}

// vhdGeometry is the CHS algorithm of the VHD specification appendix
// (FORMATS.md §1.3). It rounds down.
func vhdGeometry(size uint64) (cyl uint16, heads, spt uint8) {
	total := size / vhdSectorSize
	if total > vhdMaxGeometrySectors {
		total = vhdMaxGeometrySectors
	}
	var s, h, cth uint64
	if total >= 65535*16*63 {
		s, h = 255, 16
		cth = total / s
	} else {
		s = 17
		cth = total / s
		h = (cth + 1023) / 1024
		if h < 4 {
			h = 4
		}
		if cth >= h*1024 || h > 16 {
			s, h = 31, 16
			cth = total / s
		}
		if cth >= h*1024 {
			s, h = 63, 16
			cth = total / s
		}
	}
	return uint16(cth / h), uint8(h), uint8(s)
}

// Bytes encodes the footer as 512 bytes, with the checksum computed (the
// Checksum field is ignored). Reserved bytes are zero.
func (f *VHDFooter) Bytes() []byte {
	b := make([]byte, vhdFooterSize)
	copy(b[0:], "conectix")
	binary.BigEndian.PutUint32(b[8:], f.Features)
	binary.BigEndian.PutUint32(b[12:], f.FormatVersion)
	binary.BigEndian.PutUint64(b[16:], f.DataOffset)
	binary.BigEndian.PutUint32(b[24:], f.Timestamp)
	copy(b[28:], f.CreatorApp[:])
	binary.BigEndian.PutUint32(b[32:], f.CreatorVersion)
	copy(b[36:], f.CreatorHostOS[:])
	binary.BigEndian.PutUint64(b[40:], f.OriginalSize)
	binary.BigEndian.PutUint64(b[48:], f.CurrentSize)
	binary.BigEndian.PutUint16(b[56:], f.Cylinders)
	b[58], b[59] = f.Heads, f.SectorsPerTrack
	binary.BigEndian.PutUint32(b[60:], f.DiskType)
	copy(b[68:], f.UniqueID[:])
	if f.SavedState {
		b[84] = 1
	}
	binary.BigEndian.PutUint32(b[64:], vhdChecksum(b))
	return b
}

// vhdChecksum is the one's complement of the byte sum, checksum field
// excluded.
func vhdChecksum(b []byte) uint32 {
	var sum uint32
	for i, c := range b {
		if i < 64 || i >= 68 {
			sum += uint32(c)
		}
	}
	return ^sum
}

// ParseVHDFooter decodes and validates a 512-byte fixed-VHD footer: the
// "conectix" cookie, the checksum, the features (bit 0x2 set, no unknown
// bit), version 1.0, data offset all ones, disk type 2 (fixed), a current
// size that is a positive multiple of 512, a geometry that fits in the
// current size (heads 1-16, sectors per track 1-255; the maximum geometry
// 65535/16/255 is accepted whatever the size, as qemu writes it with
// force_size to mean "use the current size"), saved state 0 or 1.
// Reserved bytes are not checked (other writers may use them). Anything
// else fails with an error matching [ErrBadVHD]. ParseVHDFooter never
// panics and allocates nothing proportional to the input.
func ParseVHDFooter(b []byte) (VHDFooter, error) {
	if len(b) != vhdFooterSize {
		return VHDFooter{}, fmt.Errorf("%w: footer is %d bytes, want %d", ErrBadVHD, len(b), vhdFooterSize)
	}
	if !bytes.Equal(b[:8], []byte("conectix")) {
		return VHDFooter{}, fmt.Errorf("%w: no \"conectix\" footer cookie", ErrBadVHD)
	}
	f := VHDFooter{
		Features:        binary.BigEndian.Uint32(b[8:]),
		FormatVersion:   binary.BigEndian.Uint32(b[12:]),
		DataOffset:      binary.BigEndian.Uint64(b[16:]),
		Timestamp:       binary.BigEndian.Uint32(b[24:]),
		CreatorVersion:  binary.BigEndian.Uint32(b[32:]),
		OriginalSize:    binary.BigEndian.Uint64(b[40:]),
		CurrentSize:     binary.BigEndian.Uint64(b[48:]),
		Cylinders:       binary.BigEndian.Uint16(b[56:]),
		Heads:           b[58],
		SectorsPerTrack: b[59],
		DiskType:        binary.BigEndian.Uint32(b[60:]),
		Checksum:        binary.BigEndian.Uint32(b[64:]),
		SavedState:      b[84] == 1,
	}
	copy(f.CreatorApp[:], b[28:32])
	copy(f.CreatorHostOS[:], b[36:40])
	copy(f.UniqueID[:], b[68:84])
	chs := uint64(f.Cylinders) * uint64(f.Heads) * uint64(f.SectorsPerTrack) * vhdSectorSize
	switch {
	case vhdChecksum(b) != f.Checksum:
		return VHDFooter{}, fmt.Errorf("%w: footer checksum %#08x, want %#08x", ErrBadVHD, f.Checksum, vhdChecksum(b))
	case f.Features&vhdFeatures == 0 || f.Features&^3 != 0:
		return VHDFooter{}, fmt.Errorf("%w: features %#08x", ErrBadVHD, f.Features)
	case f.FormatVersion != vhdVersion:
		return VHDFooter{}, fmt.Errorf("%w: format version %#08x, want %#08x", ErrBadVHD, f.FormatVersion, vhdVersion)
	case f.DiskType != vhdFixed:
		return VHDFooter{}, fmt.Errorf("%w: disk type %d (%s): only fixed VHDs (2) are supported", ErrBadVHD, f.DiskType, vhdTypeName(f.DiskType))
	case f.DataOffset != math.MaxUint64 && f.DataOffset != math.MaxUint32:
		return VHDFooter{}, fmt.Errorf("%w: data offset %#x on a fixed disk", ErrBadVHD, f.DataOffset)
	case f.CurrentSize == 0 || f.CurrentSize%vhdSectorSize != 0 || f.CurrentSize > math.MaxInt64-vhdFooterSize:
		return VHDFooter{}, fmt.Errorf("%w: current size %d is not a positive multiple of 512", ErrBadVHD, f.CurrentSize)
	case f.Heads == 0 || f.Heads > 16 || f.SectorsPerTrack == 0 || (chs > f.CurrentSize && chs != vhdMaxGeometrySectors*vhdSectorSize):
		return VHDFooter{}, fmt.Errorf("%w: geometry %d/%d/%d does not fit %d bytes", ErrBadVHD, f.Cylinders, f.Heads, f.SectorsPerTrack, f.CurrentSize)
	case b[84] > 1:
		return VHDFooter{}, fmt.Errorf("%w: saved state %d", ErrBadVHD, b[84])
	}
	return f, nil
}

func vhdTypeName(t uint32) string {
	switch t {
	case 0:
		return "none"
	case vhdFixed:
		return "fixed"
	case 3:
		return "dynamic"
	case 4:
		return "differencing"
	}
	return "reserved"
}

// WriteVHD streams d to w as a fixed VHD: every sector of d, in order, then
// the 512-byte footer (cookie "conectix", features 2, version 1.0, data
// offset all ones, the timestamp from opts.Now, creator "win " 10.0 "Wi2k",
// original and current size = d's size, the CHS geometry of the VHD
// specification, disk type 2, the checksum, a unique id read from
// opts.Rand, saved state 0). It returns the bytes written: always d's size
// plus 512 on success. Nothing is skipped: unwritten sectors appear as
// zeros, so the file has the full size, as a download from Azure does
// (FACTS F105, F106).
//
// WriteVHD holds at most 2 MiB whatever the disk size. A device that
// implements [SparseDevice] has its never-written ranges emitted as zeros
// without being read; the rest is read in chunks of 1 MiB.
//
// d's sector size must be a multiple of 512 (VHD sectors are 512 bytes: a
// 4096-byte sector becomes 8). A read error of d, or a write error of w,
// stops the export and is returned.
//
// Interoperability: qemu reports the current size exactly (see the creator
// fields above) but refuses images over 2040 GiB; a disk whose sector 0
// starts with "conectix" is mistaken by qemu for a dynamic VHD header.
func WriteVHD(w io.Writer, d Device, opts *VHDOptions) (int64, error) {
	var o VHDOptions
	if opts != nil {
		o = *opts
	}
	ss := d.SectorSize()
	if ss <= 0 || ss%vhdSectorSize != 0 {
		return 0, fmt.Errorf("disk: write VHD: %w: sector size %d is not a multiple of 512", ErrAlign, ss)
	}
	total := d.Sectors()
	if total > (math.MaxInt64-vhdFooterSize)/uint64(ss) {
		return 0, fmt.Errorf("disk: write VHD: %w: %d sectors of %d bytes overflow a file size", ErrRange, total, ss)
	}
	size := total * uint64(ss)
	f := VHDFooter{
		Features:       vhdFeatures,
		FormatVersion:  vhdVersion,
		DataOffset:     math.MaxUint64,
		CreatorApp:     vhdCreatorApp,
		CreatorVersion: vhdCreatorVersion,
		CreatorHostOS:  vhdCreatorHostOS,
		OriginalSize:   size,
		CurrentSize:    size,
		DiskType:       vhdFixed,
	}
	f.Cylinders, f.Heads, f.SectorsPerTrack = vhdGeometry(size)
	r := o.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, f.UniqueID[:]); err != nil {
		return 0, fmt.Errorf("disk: write VHD: reading the unique id: %w", err)
	}
	if o.Now != nil {
		secs := o.Now().Unix() - vhdEpoch
		if secs < 0 || secs > math.MaxUint32 {
			return 0, fmt.Errorf("disk: write VHD: %w: time %v outside the VHD timestamp range 2000-2136", ErrRange, o.Now().UTC())
		}
		f.Timestamp = uint32(secs)
	}

	x := vhdExport{w: w, d: d, ss: uint64(ss), buf: make([]byte, max(1, vhdBufSize/ss)*ss)}
	if sp, ok := d.(SparseDevice); ok {
		for pos := uint64(0); pos < total; {
			first, n, ok := sp.NextWritten(pos)
			if !ok || first >= total {
				first, n = total, 0
			}
			first = max(first, pos) // a misbehaving lister cannot make us go back
			n = min(n, total-first)
			if first == pos && n == 0 {
				n = 1 // nor stall: read one sector
			}
			if err := x.zeros(first - pos); err != nil {
				return x.written, err
			}
			if err := x.copy(first, n); err != nil {
				return x.written, err
			}
			pos = first + n
		}
	} else if err := x.copy(0, total); err != nil {
		return x.written, err
	}
	err := x.write(f.Bytes())
	return x.written, err
}

// VHD is a fixed VHD file opened as a [Device] of 512-byte sectors, for
// uploads and for whoever holds a downloaded VHD. Sector i is at offset
// 512*i of the file. Open one with [OpenVHD] (read-only) or
// [OpenVHDWritable].
type VHD struct {
	footer  VHDFooter
	r       io.ReaderAt
	w       io.WriterAt
	sectors uint64
}

var _ Device = (*VHD)(nil)

// OpenVHD opens the fixed VHD of size bytes read through r. It validates the
// footer in the last 512 bytes ([ParseVHDFooter]) and that the file is
// exactly the current size plus the footer; anything else fails with
// [ErrBadVHD]. The VHD is read-only: writes fail with [ErrVHDReadOnly]. The
// old 511-byte footers of Virtual PC before 2004 are not supported.
func OpenVHD(r io.ReaderAt, size int64) (*VHD, error) {
	if size < vhdFooterSize+vhdSectorSize {
		return nil, fmt.Errorf("disk: open VHD: %w: file of %d bytes is too small", ErrBadVHD, size)
	}
	b := make([]byte, vhdFooterSize)
	if _, err := r.ReadAt(b, size-vhdFooterSize); err != nil {
		return nil, fmt.Errorf("disk: open VHD: reading the footer: %w", err)
	}
	f, err := ParseVHDFooter(b)
	if err != nil {
		return nil, fmt.Errorf("disk: open VHD: %w", err)
	}
	if f.CurrentSize != uint64(size-vhdFooterSize) {
		return nil, fmt.Errorf("disk: open VHD: %w: file of %d bytes, but the footer says %d + 512", ErrBadVHD, size, f.CurrentSize)
	}
	return &VHD{footer: f, r: r, sectors: f.CurrentSize / vhdSectorSize}, nil
}

// OpenVHDWritable is [OpenVHD] for a file that can also be written, such as
// a VHD being prepared for upload: WriteSectors writes through rw. The
// footer is never rewritten.
func OpenVHDWritable(rw interface {
	io.ReaderAt
	io.WriterAt
}, size int64) (*VHD, error) {
	v, err := OpenVHD(rw, size)
	if err != nil {
		return nil, err
	}
	v.w = rw
	return v, nil
}

// Footer returns the parsed footer.
func (v *VHD) Footer() VHDFooter { return v.footer }

// SectorSize returns 512: VHD sectors are always 512 bytes.
func (v *VHD) SectorSize() int { return vhdSectorSize }

// Sectors returns the current size divided by 512.
func (v *VHD) Sectors() uint64 { return v.sectors }

// ReadSectors reads sectors from the file.
func (v *VHD) ReadSectors(p []byte, first uint64) error {
	if _, err := CheckIO(vhdSectorSize, v.sectors, p, first); err != nil {
		return err
	}
	n, err := v.r.ReadAt(p, int64(first)*vhdSectorSize)
	if n == len(p) {
		return nil // io.ReaderAt may return io.EOF with a full read at the end
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("disk: read VHD: %w", err)
}

// WriteSectors writes sectors to the file, or fails with [ErrVHDReadOnly]
// for a VHD opened with [OpenVHD].
func (v *VHD) WriteSectors(p []byte, first uint64) error {
	if _, err := CheckIO(vhdSectorSize, v.sectors, p, first); err != nil {
		return err
	}
	if v.w == nil {
		return ErrVHDReadOnly
	}
	if _, err := v.w.WriteAt(p, int64(first)*vhdSectorSize); err != nil {
		return fmt.Errorf("disk: write VHD: %w", err)
	}
	return nil
}

// CheckAzureUpload reports whether Azure would accept this VHD for a managed
// disk upload: a fixed VHD (always true here) whose virtual size is a whole
// number of MiB between 20 MiB and 32 TiB (FORMATS.md §1.3). It returns nil
// or an error matching [ErrVHDSize].
func (v *VHD) CheckAzureUpload() error {
	const mib = 1 << 20
	s := v.footer.CurrentSize
	switch {
	case s%mib != 0:
		return fmt.Errorf("%w: virtual size %d bytes is not a whole number of MiB", ErrVHDSize, s)
	case s < 20*mib || s > 32<<40:
		return fmt.Errorf("%w: virtual size %d MiB is outside 20 MiB to 32 TiB", ErrVHDSize, s/mib)
	}
	return nil
}

// vhdExport streams sectors with a bounded buffer.
type vhdExport struct {
	w       io.Writer
	d       Device
	ss      uint64
	buf     []byte
	zero    []byte
	written int64
}

func (x *vhdExport) write(p []byte) error {
	m, err := x.w.Write(p)
	x.written += int64(m)
	if err == nil && m != len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return fmt.Errorf("disk: write VHD: %w", err)
	}
	return nil
}

// zeros writes n sectors of zeros.
func (x *vhdExport) zeros(n uint64) error {
	if n > 0 && x.zero == nil {
		x.zero = make([]byte, len(x.buf))
	}
	chunk := uint64(len(x.zero)) / x.ss
	for n > 0 {
		k := min(n, chunk)
		if err := x.write(x.zero[:k*x.ss]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// copy reads and writes the n sectors from first.
func (x *vhdExport) copy(first, n uint64) error {
	chunk := uint64(len(x.buf)) / x.ss
	for n > 0 {
		k := min(n, chunk)
		p := x.buf[:k*x.ss]
		if err := x.d.ReadSectors(p, first); err != nil {
			return fmt.Errorf("disk: write VHD: %w", err)
		}
		if err := x.write(p); err != nil {
			return err
		}
		first, n = first+k, n-k
	}
	return nil
}
