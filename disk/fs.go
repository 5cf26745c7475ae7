package disk

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// On-disk format of the file system ("ATFS", version 1). All integers are
// little-endian. The device is divided into 4096-byte blocks, whatever its
// sector size; the file system occupies blocks [0, blocks):
//
//	block 0                  superblock
//	blocks 1 .. 1+B          allocation bitmap, B = ceil(blocks / 32640)
//	next I blocks            inode table, 7 inodes of 512 bytes per block
//	the rest                 file data, in extents of whole blocks
//
// Every metadata block starts with a 16-byte header: magic "ATFS" (4 bytes,
// big-endian 0x41544653), kind (1 = superblock, 2 = bitmap, 3 = inodes),
// version 1, two reserved zero bytes, the block's own number (uint32, which
// catches blocks written at the wrong place) and the CRC-32C (Castagnoli) of
// the whole 4096-byte block computed with the CRC field zero.
//
// Superblock payload (offset 16): block size (4096), blocks, bitmap blocks,
// inode blocks, inode count (= 7 x inode blocks), all uint32; zeros after.
//
// Bitmap payload: 32640 bits, bit i%8 of byte i/8 is block base+i; 1 = used.
// The metadata blocks are marked used; bits past the last block are zero.
//
// Inode record (512 bytes at 16 + 512*k in an inode block): kind (0 free,
// 1 file, 2 folder), name length, extent count (uint16), parent inode
// (uint32), size (uint64), CRC-32C of the file content (uint32), 4 reserved
// bytes, the name (255 bytes, zero padded, then one zero byte), then 29
// extents of (first block, block count) as uint32 pairs. A free record is all
// zeros. Inode 0 is the root folder (empty name, its own parent).
const (
	fsBlockSize          = 4096
	fsHeaderSize         = 16
	fsPayloadSize        = fsBlockSize - fsHeaderSize
	fsMagic              = 0x41544653 // "ATFS"
	fsVersion            = 1
	fsKindSuper          = 1
	fsKindBitmap         = 2
	fsKindInodes         = 3
	fsBitsPerBitmapBlock = fsPayloadSize * 8
	fsInodeSize          = 512
	fsInodesPerBlock     = fsPayloadSize / fsInodeSize
	fsNameOffset         = 24
	fsExtentOffset       = 280
	fsMaxExtents         = (fsInodeSize - fsExtentOffset) / 8

	fsKindFree = 0
	fsKindFile = 1
	fsKindDir  = 2

	// fsMaxBlocks bounds the file system to the first 4 GiB of any device,
	// so that the bitmap (128 KiB) and mount time do not grow with a sparse
	// multi-TiB device.
	fsMaxBlocks = 1 << 20
	// fsMinBlocks is the smallest file system: room for the metadata and a
	// few data blocks.
	fsMinBlocks = 8
	// fsMaxInodes bounds the inode table (32 MiB of records at most).
	fsMaxInodes = 65536
	// fsDefaultMaxInodes caps the default inode count (586 blocks).
	fsDefaultMaxInodes = 4096
	// fsMaxFileSize is the largest file: ReadFile returns the file in one
	// slice, so a bound keeps memory predictable.
	fsMaxFileSize = 1 << 30
	// fsNameMax and fsPathMax are the path rules' limits.
	fsNameMax = 255
	fsPathMax = 4096
	// fsIOBlocks is the most blocks moved by one device call (1 MiB).
	fsIOBlocks = 256
	// fsLoadBlocks is the chunk Mount reads the inode table in (32 KiB):
	// small enough to stay a small allocation, since Mount runs often.
	fsLoadBlocks = 8
)

var fsCRC = crc32.MakeTable(crc32.Castagnoli)

// FileSystem is a small file system on a [Device], so that scenarios speak of
// files and folders ("/data/customers.csv") rather than sectors. Create one
// with [Format] and open an existing one with [Mount]. Its methods are safe
// for concurrent use.
//
// # Paths
//
// A path is absolute: "/" followed by names separated by single slashes, as
// in "/data/customers.csv". A name is 1 to 255 bytes of valid UTF-8 with no
// "/" and no NUL, and is neither "." nor ".."; a path is at most 4096 bytes;
// "/" alone is the root folder. Names are case-sensitive. Anything else
// fails with [ErrInvalidPath].
//
// # Limits
//
// The file system uses at most the first 4 GiB of the device (the rest stays
// untouched, so a sparse 1 TiB disk costs nothing more), 4096-byte blocks on
// 512- or 4096-byte sectors, at most 65536 inodes (files plus folders; 4096
// by default), files of at most 1 GiB ([ErrFileTooLarge]) stored in at most
// 29 extents (a badly fragmented file system reports [ErrNoSpace]). There are
// no timestamps, owners or permissions.
//
// # Consistency
//
// Every metadata block carries a magic number, a version, its own block
// number and a CRC-32C; every file carries the CRC-32C of its content, so
// ReadFile never returns damaged data silently. [Mount] and
// [FileSystem.Check] verify the whole structure. A failed operation leaves
// the file system as it was: new data goes to free blocks (an overwrite
// needs room for the old and the new content at once) and metadata is
// written last; if a metadata write fails part way, the blocks already
// written are restored (best effort: if the device fails for good, Check
// says what is left). There is no journal: crashes are not modelled.
//
// # Security
//
// The file system stores plaintext: confidentiality comes from the device
// below it (a guest volume, a managed disk). Format does not erase old
// content: data blocks of a previous life stay on the device until
// overwritten, as with real file systems.
type FileSystem struct {
	mu  sync.Mutex
	dev Device
	spb uint64 // device sectors per block

	blocks       uint32 // blocks of the file system
	bitmapBlocks uint32
	inodeBlocks  uint32
	dataStart    uint32

	bitmap []uint64 // 1 = used, for blocks [0, blocks)
	free   uint32   // free blocks
	rotor  uint32   // where the next block search starts
	inodes []fsInode
	index  map[fsKey]uint32 // (parent, name) -> inode

	maxFileSize uint64 // fsMaxFileSize; lowered by tests
}

type fsInode struct {
	kind   uint8
	parent uint32
	size   uint64
	crc    uint32
	name   string
	ext    []fsExtent
}

type fsExtent struct{ start, count uint32 }

type fsKey struct {
	parent uint32
	name   string
}

// FileInfo describes a file or folder, as returned by [FileSystem.Stat] and
// [FileSystem.ReadDir].
type FileInfo struct {
	// Name is the last element of the path ("/" for the root folder).
	Name string
	// Size is the length of a file in bytes; 0 for a folder.
	Size int64
	// IsDir reports a folder.
	IsDir bool
}

// FormatOptions tunes [Format]. The zero value (or a nil pointer) gives the
// defaults.
type FormatOptions struct {
	// Inodes is the number of files plus folders the file system can hold,
	// root included (rounded up to a multiple of 7). Zero means one per 16
	// blocks, between 16 and 4096. At most 65536.
	Inodes int
}

// Format writes a new, empty file system on d (mkfs) and returns it mounted.
// It uses the first min(device size, 4 GiB) bytes of d, in 4096-byte blocks;
// d's sectors must be 512, 1024, 2048 or 4096 bytes. Format writes only the
// metadata blocks (superblock, bitmap, inode table: 132 KiB plus 4 KiB per 7
// inodes) and does not erase older content. It fails with [ErrNoSpace] when
// d is too small (less than 32 KiB, or too small for the inodes asked for).
func Format(d Device, opts *FormatOptions) (*FileSystem, error) {
	spb, devBlocks, err := fsGeometry(d)
	if err != nil {
		return nil, fmt.Errorf("disk: format: %w", err)
	}
	blocks := uint32(min(devBlocks, fsMaxBlocks))
	if blocks < fsMinBlocks {
		return nil, fmt.Errorf("disk: format: %w: device holds %d blocks of 4096 bytes, need %d", ErrNoSpace, devBlocks, fsMinBlocks)
	}
	inodes := int(min(max(blocks/16, 16), fsDefaultMaxInodes))
	if opts != nil && opts.Inodes != 0 {
		if opts.Inodes < 1 || opts.Inodes > fsMaxInodes {
			return nil, fmt.Errorf("disk: format: %w: %d inodes asked, allowed 1 to %d", ErrNoSpace, opts.Inodes, fsMaxInodes)
		}
		inodes = opts.Inodes
	}
	bitmapBlocks := (blocks + fsBitsPerBitmapBlock - 1) / fsBitsPerBitmapBlock
	inodeBlocks := uint32((inodes + fsInodesPerBlock - 1) / fsInodesPerBlock)
	dataStart := 1 + bitmapBlocks + inodeBlocks
	if uint64(dataStart)+1 > uint64(blocks) {
		return nil, fmt.Errorf("disk: format: %w: %d inodes need %d metadata blocks, device holds %d", ErrNoSpace, inodes, dataStart, blocks)
	}
	f := &FileSystem{dev: d, spb: spb, blocks: blocks, bitmapBlocks: bitmapBlocks, inodeBlocks: inodeBlocks, dataStart: dataStart}

	// Inode table: root in inode 0, the rest free.
	buf := make([]byte, min(inodeBlocks, fsIOBlocks)*fsBlockSize)
	for b := uint32(0); b < inodeBlocks; b += fsIOBlocks {
		n := min(inodeBlocks-b, fsIOBlocks)
		chunk := buf[:n*fsBlockSize]
		clear(chunk)
		for i := range n {
			blk := chunk[i*fsBlockSize : (i+1)*fsBlockSize]
			if b+i == 0 {
				fsEncodeInode(blk[fsHeaderSize:], &fsInode{kind: fsKindDir})
			}
			fsSeal(blk, fsKindInodes, 1+bitmapBlocks+b+i)
		}
		if err := f.writeBlocks(chunk, 1+bitmapBlocks+b); err != nil {
			return nil, fmt.Errorf("disk: format: %w", err)
		}
	}
	// Bitmap: the metadata blocks are used.
	f.bitmap = make([]uint64, (blocks+63)/64)
	f.markRange(0, dataStart, true)
	for b := uint32(0); b < bitmapBlocks; b++ {
		blk := buf[:fsBlockSize]
		f.encodeBitmapBlock(blk, b)
		if err := f.writeBlocks(blk, 1+b); err != nil {
			return nil, fmt.Errorf("disk: format: %w", err)
		}
	}
	// Superblock last: until it is written, the device holds no new file system.
	blk := buf[:fsBlockSize]
	clear(blk)
	p := blk[fsHeaderSize:]
	binary.LittleEndian.PutUint32(p[0:], fsBlockSize)
	binary.LittleEndian.PutUint32(p[4:], blocks)
	binary.LittleEndian.PutUint32(p[8:], bitmapBlocks)
	binary.LittleEndian.PutUint32(p[12:], inodeBlocks)
	binary.LittleEndian.PutUint32(p[16:], inodeBlocks*fsInodesPerBlock)
	fsSeal(blk, fsKindSuper, 0)
	if err := f.writeBlocks(blk, 0); err != nil {
		return nil, fmt.Errorf("disk: format: %w", err)
	}
	return Mount(d)
}

// Mount opens the file system on d, verifying all of its metadata (as
// [FileSystem.Check] does). A device without one fails with an error that
// says what it holds instead: [ErrEncryptedVolume] for an encrypted-volume
// header (the volume must be unlocked first), [ErrNoFileSystem] for blank,
// random or unrecognized content, [ErrCorrupt] for a damaged file system.
// Mount never panics on any device content and allocates memory bounded by
// the device size (at most about 40 MiB for the largest inode table).
func Mount(d Device) (*FileSystem, error) {
	f, err := fsLoad(d)
	if err != nil {
		return nil, fmt.Errorf("disk: mount: %w", err)
	}
	return f, nil
}

// fsGeometry returns the sectors per block and the number of whole blocks.
func fsGeometry(d Device) (spb, blocks uint64, err error) {
	ss := d.SectorSize()
	if ss <= 0 || ss > fsBlockSize || fsBlockSize%ss != 0 {
		return 0, 0, fmt.Errorf("%w: sector size %d does not divide the 4096-byte block", ErrAlign, ss)
	}
	spb = uint64(fsBlockSize / ss)
	return spb, d.Sectors() / spb, nil
}

func (f *FileSystem) readBlocks(p []byte, first uint32) error {
	return f.dev.ReadSectors(p, uint64(first)*f.spb)
}

func (f *FileSystem) writeBlocks(p []byte, first uint32) error {
	return f.dev.WriteSectors(p, uint64(first)*f.spb)
}

// fsSeal fills in the header of a metadata block, checksum last.
func fsSeal(b []byte, kind uint8, bn uint32) {
	binary.BigEndian.PutUint32(b[0:], fsMagic)
	b[4], b[5], b[6], b[7] = kind, fsVersion, 0, 0
	binary.LittleEndian.PutUint32(b[8:], bn)
	binary.LittleEndian.PutUint32(b[12:], 0)
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(b, fsCRC))
}

// fsVerify checks the header of metadata block bn. It reports ErrCorrupt.
func fsVerify(b []byte, kind uint8, bn uint32) error {
	names := [...]string{fsKindSuper: "superblock", fsKindBitmap: "bitmap block", fsKindInodes: "inode block"}
	what := fmt.Sprintf("%s %d", names[kind], bn)
	if binary.BigEndian.Uint32(b[0:]) != fsMagic {
		return fmt.Errorf("%w: %s: bad magic %#08x", ErrCorrupt, what, binary.BigEndian.Uint32(b[0:]))
	}
	want := binary.LittleEndian.Uint32(b[12:])
	h := crc32.Update(0, fsCRC, b[:12])
	h = crc32.Update(h, fsCRC, []byte{0, 0, 0, 0})
	h = crc32.Update(h, fsCRC, b[16:])
	if h != want {
		return fmt.Errorf("%w: %s: checksum %#08x, want %#08x", ErrCorrupt, what, want, h)
	}
	if b[5] != fsVersion {
		return fmt.Errorf("%w: %s: unsupported version %d", ErrCorrupt, what, b[5])
	}
	if b[4] != kind {
		return fmt.Errorf("%w: %s: holds a block of kind %d", ErrCorrupt, what, b[4])
	}
	if b[6] != 0 || b[7] != 0 {
		return fmt.Errorf("%w: %s: reserved header bytes set", ErrCorrupt, what)
	}
	if got := binary.LittleEndian.Uint32(b[8:]); got != bn {
		return fmt.Errorf("%w: %s: holds block %d (misplaced write)", ErrCorrupt, what, got)
	}
	return nil
}

// recognize explains why block 0 holds no file system of ours.
func recognize(b []byte) error {
	switch {
	case bytes.HasPrefix(b, []byte("LUKS\xba\xbe")), bytes.HasPrefix(b, []byte("SKUL\xba\xbe")):
		return fmt.Errorf("%w (LUKS header)", ErrEncryptedVolume)
	case len(b) >= 11 && string(b[3:11]) == "-FVE-FS-":
		return fmt.Errorf("%w (BitLocker header)", ErrEncryptedVolume)
	}
	if isOwnVolumeHeader(b) {
		return fmt.Errorf("%w (BitLocker-like volume header)", ErrEncryptedVolume)
	}
	zero := true
	for _, c := range b {
		if c != 0 {
			zero = false
			break
		}
	}
	if zero {
		return fmt.Errorf("%w (blank device: all zeros)", ErrNoFileSystem)
	}
	if fsEntropy(b) > 7.0 {
		return fmt.Errorf("%w (high-entropy content: random or encrypted data)", ErrNoFileSystem)
	}
	return fmt.Errorf("%w (unrecognized content)", ErrNoFileSystem)
}

// fsEntropy is the Shannon entropy of b in bits per byte. Random or
// encrypted 4096-byte blocks score about 7.95; text and structures far less.
func fsEntropy(b []byte) float64 {
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	h := 0.0
	n := float64(len(b))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// fsLoad reads and verifies the whole file system on d.
func fsLoad(d Device) (*FileSystem, error) {
	spb, devBlocks, err := fsGeometry(d)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoFileSystem, err)
	}
	if devBlocks < fsMinBlocks {
		return nil, fmt.Errorf("%w (device too small: %d bytes)", ErrNoFileSystem, uint64(d.SectorSize())*d.Sectors())
	}
	f := &FileSystem{dev: d, spb: spb}
	blk := make([]byte, fsBlockSize)
	if err := f.readBlocks(blk, 0); err != nil {
		return nil, err
	}
	if binary.BigEndian.Uint32(blk) != fsMagic {
		return nil, recognize(blk)
	}
	if err := fsVerify(blk, fsKindSuper, 0); err != nil {
		return nil, err
	}
	p := blk[fsHeaderSize:]
	bs := binary.LittleEndian.Uint32(p[0:])
	f.blocks = binary.LittleEndian.Uint32(p[4:])
	f.bitmapBlocks = binary.LittleEndian.Uint32(p[8:])
	f.inodeBlocks = binary.LittleEndian.Uint32(p[12:])
	inodes := binary.LittleEndian.Uint32(p[16:])
	switch {
	case bs != fsBlockSize:
		return nil, fmt.Errorf("%w: superblock: block size %d, want %d", ErrCorrupt, bs, fsBlockSize)
	case f.blocks < fsMinBlocks || f.blocks > fsMaxBlocks:
		return nil, fmt.Errorf("%w: superblock: %d blocks, allowed %d to %d", ErrCorrupt, f.blocks, fsMinBlocks, fsMaxBlocks)
	case uint64(f.blocks) > devBlocks:
		return nil, fmt.Errorf("%w: superblock: %d blocks but the device holds %d", ErrCorrupt, f.blocks, devBlocks)
	case f.bitmapBlocks != (f.blocks+fsBitsPerBitmapBlock-1)/fsBitsPerBitmapBlock:
		return nil, fmt.Errorf("%w: superblock: %d bitmap blocks for %d blocks", ErrCorrupt, f.bitmapBlocks, f.blocks)
	case f.inodeBlocks == 0 || f.inodeBlocks > (fsMaxInodes+fsInodesPerBlock-1)/fsInodesPerBlock:
		return nil, fmt.Errorf("%w: superblock: %d inode blocks", ErrCorrupt, f.inodeBlocks)
	case inodes != f.inodeBlocks*fsInodesPerBlock:
		return nil, fmt.Errorf("%w: superblock: %d inodes in %d inode blocks", ErrCorrupt, inodes, f.inodeBlocks)
	case 1+uint64(f.bitmapBlocks)+uint64(f.inodeBlocks) >= uint64(f.blocks):
		return nil, fmt.Errorf("%w: superblock: metadata fills the %d blocks", ErrCorrupt, f.blocks)
	case !allZero(p[20:]):
		return nil, fmt.Errorf("%w: superblock: reserved bytes set", ErrCorrupt)
	}
	f.dataStart = 1 + f.bitmapBlocks + f.inodeBlocks
	f.rotor = f.dataStart
	f.maxFileSize = fsMaxFileSize

	// Bitmap.
	f.bitmap = make([]uint64, (f.blocks+63)/64)
	for b := uint32(0); b < f.bitmapBlocks; b++ {
		if err := f.readBlocks(blk, 1+b); err != nil {
			return nil, err
		}
		if err := fsVerify(blk, fsKindBitmap, 1+b); err != nil {
			return nil, err
		}
		if err := f.decodeBitmapBlock(blk, b); err != nil {
			return nil, err
		}
	}

	// Inode table.
	f.inodes = make([]fsInode, inodes)
	f.index = make(map[fsKey]uint32)
	buf := make([]byte, min(f.inodeBlocks, fsLoadBlocks)*fsBlockSize)
	for b := uint32(0); b < f.inodeBlocks; b += fsLoadBlocks {
		n := min(f.inodeBlocks-b, fsLoadBlocks)
		chunk := buf[:n*fsBlockSize]
		bn := 1 + f.bitmapBlocks + b
		if err := f.readBlocks(chunk, bn); err != nil {
			return nil, err
		}
		for i := range n {
			blk := chunk[i*fsBlockSize : (i+1)*fsBlockSize]
			if err := fsVerify(blk, fsKindInodes, bn+i); err != nil {
				return nil, err
			}
			if !allZero(blk[fsHeaderSize+fsInodesPerBlock*fsInodeSize:]) {
				return nil, fmt.Errorf("%w: inode block %d: trailing bytes set", ErrCorrupt, bn+i)
			}
			for k := range uint32(fsInodesPerBlock) {
				ino := (b+i)*fsInodesPerBlock + k
				rec := blk[fsHeaderSize+k*fsInodeSize:][:fsInodeSize]
				if err := fsDecodeInode(rec, &f.inodes[ino]); err != nil {
					return nil, fmt.Errorf("%w: inode %d: %v", ErrCorrupt, ino, err)
				}
			}
		}
	}
	if err := f.verifyTree(); err != nil {
		return nil, err
	}
	return f, nil
}

func allZero(b []byte) bool {
	for len(b) >= 8 {
		if binary.NativeEndian.Uint64(b) != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// fsWordsPerBitmapBlock is 510: a bitmap block holds whole 64-bit words, so
// that bit k of word w (block 64w+k) is bit k%8 of byte 8w+k/8 on disk.
const fsWordsPerBitmapBlock = fsBitsPerBitmapBlock / 64

func (f *FileSystem) encodeBitmapBlock(blk []byte, b uint32) {
	clear(blk)
	p := blk[fsHeaderSize:]
	base := int(b) * fsWordsPerBitmapBlock
	for j := 0; j < fsWordsPerBitmapBlock && base+j < len(f.bitmap); j++ {
		binary.LittleEndian.PutUint64(p[8*j:], f.bitmap[base+j])
	}
	fsSeal(blk, fsKindBitmap, 1+b)
}

func (f *FileSystem) decodeBitmapBlock(blk []byte, b uint32) error {
	p := blk[fsHeaderSize:]
	base := int(b) * fsWordsPerBitmapBlock
	for j := range fsWordsPerBitmapBlock {
		w := binary.LittleEndian.Uint64(p[8*j:])
		if base+j < len(f.bitmap) {
			f.bitmap[base+j] = w
		}
		// Bits past the last block must be zero.
		first := uint64(base+j) * 64
		for k := uint64(0); w != 0 && first+64 > uint64(f.blocks) && k < 64; k++ {
			if w&(1<<k) != 0 && first+k >= uint64(f.blocks) {
				return fmt.Errorf("%w: bitmap block %d: block %d past the end (%d blocks) marked used", ErrCorrupt, 1+b, first+k, f.blocks)
			}
		}
	}
	return nil
}

func fsEncodeInode(rec []byte, in *fsInode) {
	clear(rec[:fsInodeSize])
	if in.kind == fsKindFree {
		return
	}
	rec[0] = in.kind
	rec[1] = uint8(len(in.name))
	binary.LittleEndian.PutUint16(rec[2:], uint16(len(in.ext)))
	binary.LittleEndian.PutUint32(rec[4:], in.parent)
	binary.LittleEndian.PutUint64(rec[8:], in.size)
	binary.LittleEndian.PutUint32(rec[16:], in.crc)
	copy(rec[fsNameOffset:], in.name)
	for i, e := range in.ext {
		binary.LittleEndian.PutUint32(rec[fsExtentOffset+8*i:], e.start)
		binary.LittleEndian.PutUint32(rec[fsExtentOffset+8*i+4:], e.count)
	}
}

// fsDecodeInode decodes one record, checking what can be checked locally.
func fsDecodeInode(rec []byte, in *fsInode) error {
	kind, nameLen := rec[0], int(rec[1])
	nExt := int(binary.LittleEndian.Uint16(rec[2:]))
	switch {
	case kind == fsKindFree:
		if !allZero(rec) {
			return fmt.Errorf("free record not zero")
		}
		*in = fsInode{}
		return nil
	case kind != fsKindFile && kind != fsKindDir:
		return fmt.Errorf("unknown kind %d", kind)
	case nExt > fsMaxExtents:
		return fmt.Errorf("%d extents, at most %d", nExt, fsMaxExtents)
	case !allZero(rec[20:24]) || !allZero(rec[fsNameOffset+nameLen:fsExtentOffset]) || !allZero(rec[fsExtentOffset+8*nExt:]):
		return fmt.Errorf("reserved bytes set")
	}
	*in = fsInode{
		kind:   kind,
		parent: binary.LittleEndian.Uint32(rec[4:]),
		size:   binary.LittleEndian.Uint64(rec[8:]),
		crc:    binary.LittleEndian.Uint32(rec[16:]),
		name:   string(rec[fsNameOffset : fsNameOffset+nameLen]),
	}
	if nExt > 0 {
		in.ext = make([]fsExtent, nExt)
		for i := range in.ext {
			in.ext[i] = fsExtent{
				start: binary.LittleEndian.Uint32(rec[fsExtentOffset+8*i:]),
				count: binary.LittleEndian.Uint32(rec[fsExtentOffset+8*i+4:]),
			}
		}
	}
	return nil
}

// verifyTree checks the inodes against each other and against the bitmap,
// and builds the name index.
func (f *FileSystem) verifyTree() error {
	n := uint32(len(f.inodes))
	root := &f.inodes[0]
	if root.kind != fsKindDir || root.name != "" || root.parent != 0 {
		return fmt.Errorf("%w: inode 0 is not the root folder", ErrCorrupt)
	}
	owned := make([]uint64, len(f.bitmap))
	for i := uint32(0); i < f.dataStart; i++ {
		owned[i/64] |= 1 << (i % 64)
	}
	for ino := uint32(0); ino < n; ino++ {
		in := &f.inodes[ino]
		if in.kind == fsKindFree {
			continue
		}
		if ino != 0 {
			if err := checkName(in.name); err != nil {
				return fmt.Errorf("%w: inode %d: bad name %q", ErrCorrupt, ino, in.name)
			}
			if in.parent >= n || in.parent == ino || f.inodes[in.parent].kind != fsKindDir {
				return fmt.Errorf("%w: inode %d (%q): parent %d is not a folder", ErrCorrupt, ino, in.name, in.parent)
			}
			k := fsKey{in.parent, in.name}
			if other, dup := f.index[k]; dup {
				return fmt.Errorf("%w: inodes %d and %d share the name %q in folder %d", ErrCorrupt, other, ino, in.name, in.parent)
			}
			f.index[k] = ino
		}
		if in.kind == fsKindDir {
			if in.size != 0 || len(in.ext) != 0 || in.crc != 0 {
				return fmt.Errorf("%w: folder inode %d has data", ErrCorrupt, ino)
			}
			continue
		}
		if in.size > fsMaxFileSize {
			return fmt.Errorf("%w: inode %d: size %d over the %d limit", ErrCorrupt, ino, in.size, fsMaxFileSize)
		}
		total := uint64(0)
		for _, e := range in.ext {
			if e.count == 0 || e.start < f.dataStart || uint64(e.start)+uint64(e.count) > uint64(f.blocks) {
				return fmt.Errorf("%w: inode %d: extent [%d, +%d) outside the data area [%d, %d)", ErrCorrupt, ino, e.start, e.count, f.dataStart, f.blocks)
			}
			for b := e.start; b < e.start+e.count; b++ {
				if owned[b/64]&(1<<(b%64)) != 0 {
					return fmt.Errorf("%w: inode %d: block %d is owned twice", ErrCorrupt, ino, b)
				}
				owned[b/64] |= 1 << (b % 64)
			}
			total += uint64(e.count)
		}
		if total != (in.size+fsBlockSize-1)/fsBlockSize {
			return fmt.Errorf("%w: inode %d: %d blocks for %d bytes", ErrCorrupt, ino, total, in.size)
		}
	}
	// Every inode reaches the root: no cycles. state: 0 unknown, 1 reaches root.
	state := make([]uint8, n)
	state[0] = 1
	for ino := uint32(1); ino < n; ino++ {
		if f.inodes[ino].kind == fsKindFree || state[ino] == 1 {
			continue
		}
		path := []uint32{}
		cur := ino
		for state[cur] == 0 {
			if len(path) > int(n) {
				return fmt.Errorf("%w: inode %d: folder cycle", ErrCorrupt, ino)
			}
			path = append(path, cur)
			cur = f.inodes[cur].parent
		}
		for _, p := range path {
			state[p] = 1
		}
	}
	for w := range owned {
		if owned[w] == f.bitmap[w] {
			continue
		}
		b := uint32(w)*64 + uint32(bits.TrailingZeros64(owned[w]^f.bitmap[w]))
		if owned[w]&(1<<(b%64)) != 0 {
			return fmt.Errorf("%w: block %d is in use but marked free", ErrCorrupt, b)
		}
		return fmt.Errorf("%w: block %d is marked used but belongs to nothing", ErrCorrupt, b)
	}
	f.free = f.blocks - uint32(popcount(f.bitmap))
	return nil
}

func popcount(w []uint64) int {
	n := 0
	for _, x := range w {
		n += bits.OnesCount64(x)
	}
	return n
}

// checkName applies the path rules to one name.
func checkName(name string) error {
	switch {
	case name == "", len(name) > fsNameMax, name == ".", name == "..",
		strings.ContainsAny(name, "/\x00"), !utf8.ValidString(name):
		return ErrInvalidPath
	}
	return nil
}

// splitPath splits an absolute path into names; "/" gives none.
func splitPath(p string) ([]string, error) {
	if len(p) == 0 || p[0] != '/' || len(p) > fsPathMax {
		return nil, ErrInvalidPath
	}
	if p == "/" {
		return nil, nil
	}
	names := strings.Split(p[1:], "/")
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, err
		}
	}
	return names, nil
}

func pathErr(op, p string, err error) error {
	return &fs.PathError{Op: op, Path: p, Err: err}
}

// walk resolves names, returning the inode of the deepest existing folder
// and how many names it consumed. An existing file in the middle of the path
// is ErrNotDir.
func (f *FileSystem) walk(names []string) (ino uint32, n int, err error) {
	for n < len(names) {
		if f.inodes[ino].kind != fsKindDir {
			return 0, 0, ErrNotDir
		}
		next, ok := f.index[fsKey{ino, names[n]}]
		if !ok {
			return ino, n, nil
		}
		ino, n = next, n+1
	}
	return ino, n, nil
}

// lookup resolves a path to an existing inode.
func (f *FileSystem) lookup(p string) (uint32, error) {
	names, err := splitPath(p)
	if err != nil {
		return 0, err
	}
	ino, n, err := f.walk(names)
	if err != nil {
		return 0, err
	}
	if n < len(names) {
		return 0, ErrNotExist
	}
	return ino, nil
}

func (f *FileSystem) info(ino uint32) FileInfo {
	in := &f.inodes[ino]
	name := in.name
	if ino == 0 {
		name = "/"
	}
	return FileInfo{Name: name, Size: int64(in.size), IsDir: in.kind == fsKindDir}
}

// Stat describes the file or folder at path p.
func (f *FileSystem) Stat(p string) (FileInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, err := f.lookup(p)
	if err != nil {
		return FileInfo{}, pathErr("stat", p, err)
	}
	return f.info(ino), nil
}

// ReadDir lists the folder at path p, sorted by name.
func (f *FileSystem) ReadDir(p string) ([]FileInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, err := f.lookup(p)
	if err != nil {
		return nil, pathErr("readdir", p, err)
	}
	if f.inodes[ino].kind != fsKindDir {
		return nil, pathErr("readdir", p, ErrNotDir)
	}
	var out []FileInfo
	for c := range f.inodes {
		if c != 0 && f.inodes[c].kind != fsKindFree && f.inodes[c].parent == ino {
			out = append(out, f.info(uint32(c)))
		}
	}
	slices.SortFunc(out, func(a, b FileInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ReadFile returns the content of the file at path p. A file whose data no
// longer matches its checksum fails with [ErrCorrupt]; a device error (for
// example a key that is no longer available below) is returned as is.
func (f *FileSystem) ReadFile(p string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, err := f.lookup(p)
	if err != nil {
		return nil, pathErr("read", p, err)
	}
	in := &f.inodes[ino]
	if in.kind != fsKindFile {
		return nil, pathErr("read", p, ErrIsDir)
	}
	data := make([]byte, in.size)
	if err := f.readExtents(in.ext, data); err != nil {
		return nil, pathErr("read", p, err)
	}
	if got := crc32.Checksum(data, fsCRC); got != in.crc {
		return nil, pathErr("read", p, fmt.Errorf("%w: file content checksum %#08x, want %#08x", ErrCorrupt, got, in.crc))
	}
	return data, nil
}

// readExtents fills data from the blocks of ext in order.
func (f *FileSystem) readExtents(ext []fsExtent, data []byte) error {
	var tail []byte
	for _, e := range ext {
		for b := uint32(0); b < e.count && len(data) > 0; {
			n := min(e.count-b, fsIOBlocks)
			whole := uint32(len(data) / fsBlockSize)
			if whole == 0 {
				if tail == nil {
					tail = make([]byte, fsBlockSize)
				}
				if err := f.readBlocks(tail, e.start+b); err != nil {
					return err
				}
				data = data[copy(data, tail):]
				b++
				continue
			}
			n = min(n, whole)
			if err := f.readBlocks(data[:n*fsBlockSize], e.start+b); err != nil {
				return err
			}
			data = data[n*fsBlockSize:]
			b += n
		}
	}
	return nil
}

// writeExtents writes data to the blocks of ext in order, zero-padding the
// last block.
func (f *FileSystem) writeExtents(ext []fsExtent, data []byte) error {
	for _, e := range ext {
		for b := uint32(0); b < e.count && len(data) > 0; {
			n := min(e.count-b, fsIOBlocks)
			whole := uint32(len(data) / fsBlockSize)
			if whole == 0 {
				tail := make([]byte, fsBlockSize)
				copy(tail, data)
				if err := f.writeBlocks(tail, e.start+b); err != nil {
					return err
				}
				data = nil
				break
			}
			n = min(n, whole)
			if err := f.writeBlocks(data[:n*fsBlockSize], e.start+b); err != nil {
				return err
			}
			data = data[n*fsBlockSize:]
			b += n
		}
	}
	return nil
}

// MkdirAll creates the folder at path p and any missing parents, like
// mkdir -p. An existing folder is not an error; an existing file at p is
// [ErrExist], and one on the way to p is [ErrNotDir].
func (f *FileSystem) MkdirAll(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	names, err := splitPath(p)
	if err != nil {
		return pathErr("mkdir", p, err)
	}
	if ino, n, err := f.walk(names); err == nil && n == len(names) && f.inodes[ino].kind != fsKindDir {
		return pathErr("mkdir", p, ErrExist)
	}
	tx := f.begin()
	if _, err := tx.mkdirAll(names); err != nil {
		tx.rollback()
		return pathErr("mkdir", p, err)
	}
	if err := tx.commit(); err != nil {
		return pathErr("mkdir", p, err)
	}
	return nil
}

// WriteFile creates or replaces the file at path p with data, creating
// missing parent folders (mkdir -p). Replacing a file writes the new content
// to free blocks before releasing the old ones, so it needs room for both.
func (f *FileSystem) WriteFile(p string, data []byte) error {
	return f.write("write", p, data, false)
}

// AppendFile appends data to the file at path p, creating it (and missing
// parent folders) when it does not exist.
func (f *FileSystem) AppendFile(p string, data []byte) error {
	return f.write("append", p, data, true)
}

func (f *FileSystem) write(op, p string, data []byte, appending bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	names, err := splitPath(p)
	if err != nil {
		return pathErr(op, p, err)
	}
	if len(names) == 0 {
		return pathErr(op, p, ErrIsDir)
	}
	tx := f.begin()
	if err := tx.write(names, data, appending); err != nil {
		tx.rollback()
		return pathErr(op, p, err)
	}
	if err := tx.commit(); err != nil {
		return pathErr(op, p, err)
	}
	return nil
}

// Remove deletes the file or empty folder at path p. The root cannot be
// removed ([ErrInvalidPath]). The freed blocks are not erased.
func (f *FileSystem) Remove(p string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ino, err := f.lookup(p)
	if err != nil {
		return pathErr("remove", p, err)
	}
	if ino == 0 {
		return pathErr("remove", p, ErrInvalidPath)
	}
	if f.inodes[ino].kind == fsKindDir {
		for c := range f.inodes {
			if c != 0 && f.inodes[c].kind != fsKindFree && f.inodes[c].parent == ino {
				return pathErr("remove", p, ErrNotEmpty)
			}
		}
	}
	tx := f.begin()
	for _, e := range f.inodes[ino].ext {
		tx.release(e)
	}
	tx.setInode(ino, fsInode{})
	if err := tx.commit(); err != nil {
		return pathErr("remove", p, err)
	}
	return nil
}

// Check re-reads every metadata block from the device and verifies the whole
// file system (checksums, layout, the folder tree, block ownership against
// the bitmap), then checks that the device still holds what this mounted
// file system wrote. It returns nil or an error describing the first problem,
// matching [ErrCorrupt] (or the device's own error). File contents are
// verified by [FileSystem.ReadFile], not here.
func (f *FileSystem) Check() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := fsLoad(f.dev)
	if err != nil {
		return fmt.Errorf("disk: check: %w", err)
	}
	if g.blocks != f.blocks || g.inodeBlocks != f.inodeBlocks {
		return fmt.Errorf("disk: check: %w: the device holds another file system", ErrCorrupt)
	}
	for w := range f.bitmap {
		if f.bitmap[w] != g.bitmap[w] {
			return fmt.Errorf("disk: check: %w: bitmap word %d changed behind the mounted file system", ErrCorrupt, w)
		}
	}
	for i := range f.inodes {
		a, b := &f.inodes[i], &g.inodes[i]
		if a.kind != b.kind || a.parent != b.parent || a.size != b.size || a.crc != b.crc || a.name != b.name || !slices.Equal(a.ext, b.ext) {
			return fmt.Errorf("disk: check: %w: inode %d changed behind the mounted file system", ErrCorrupt, i)
		}
	}
	return nil
}

// Bitmap helpers.

func (f *FileSystem) markRange(start, count uint32, used bool) {
	for b := start; b < start+count; b++ {
		if used {
			f.bitmap[b/64] |= 1 << (b % 64)
		} else {
			f.bitmap[b/64] &^= 1 << (b % 64)
		}
	}
}

// nextFree returns the first free block in [from, f.blocks).
func (f *FileSystem) nextFree(from uint32) (uint32, bool) {
	for w := from / 64; w < uint32(len(f.bitmap)); w++ {
		x := ^f.bitmap[w]
		if w == from/64 {
			x &^= (1 << (from % 64)) - 1
		}
		if x != 0 {
			b := w*64 + uint32(bits.TrailingZeros64(x))
			if b < f.blocks {
				return b, true
			}
			return 0, false
		}
	}
	return 0, false
}

// freeRun returns the length of the free run at start, up to limit.
func (f *FileSystem) freeRun(start, limit uint32) uint32 {
	n := uint32(0)
	for b := start; b < f.blocks && n < limit; {
		w := f.bitmap[b/64] >> (b % 64)
		if w&1 != 0 {
			break
		}
		run := uint32(bits.TrailingZeros64(w))
		if w == 0 {
			run = 64 - b%64
		}
		run = min(run, f.blocks-b, limit-n)
		n += run
		b += run
	}
	return n
}
