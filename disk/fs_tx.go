package disk

import (
	"fmt"
	"hash/crc32"
	"slices"
)

// fsTx records the in-memory changes of one operation so that a failure can
// undo them. Changes apply to memory at once (so later steps of the same
// operation see them); commit writes the touched metadata blocks.
type fsTx struct {
	f     *FileSystem
	saved []fsSaved
	marks []fsMark
	rotor uint32
}

type fsSaved struct {
	ino uint32
	old fsInode
}

type fsMark struct {
	e    fsExtent
	used bool
}

func (f *FileSystem) begin() *fsTx { return &fsTx{f: f, rotor: f.rotor} }

func (tx *fsTx) setInode(ino uint32, in fsInode) {
	f := tx.f
	if !slices.ContainsFunc(tx.saved, func(s fsSaved) bool { return s.ino == ino }) {
		tx.saved = append(tx.saved, fsSaved{ino, f.inodes[ino]})
	}
	f.replaceInode(ino, in)
}

func (f *FileSystem) replaceInode(ino uint32, in fsInode) {
	if old := &f.inodes[ino]; old.kind != fsKindFree && ino != 0 {
		delete(f.index, fsKey{old.parent, old.name})
	}
	f.inodes[ino] = in
	if in.kind != fsKindFree && ino != 0 {
		f.index[fsKey{in.parent, in.name}] = ino
	}
}

func (tx *fsTx) allocate(e fsExtent) {
	tx.f.markRange(e.start, e.count, true)
	tx.f.free -= e.count
	tx.marks = append(tx.marks, fsMark{e, true})
}

func (tx *fsTx) release(e fsExtent) {
	tx.f.markRange(e.start, e.count, false)
	tx.f.free += e.count
	tx.marks = append(tx.marks, fsMark{e, false})
}

// rollback undoes the in-memory changes (it writes nothing).
func (tx *fsTx) rollback() {
	f := tx.f
	for i := len(tx.marks) - 1; i >= 0; i-- {
		m := tx.marks[i]
		f.markRange(m.e.start, m.e.count, !m.used)
		if m.used {
			f.free += m.e.count
		} else {
			f.free -= m.e.count
		}
	}
	for i := len(tx.saved) - 1; i >= 0; i-- {
		f.replaceInode(tx.saved[i].ino, tx.saved[i].old)
	}
	f.rotor = tx.rotor
	tx.saved, tx.marks = nil, nil
}

// commit writes the metadata blocks touched by the transaction. If a write
// fails, it undoes the changes in memory and rewrites the blocks already
// written with their old content (best effort).
func (tx *fsTx) commit() error {
	f := tx.f
	var inodeBlocks, bitmapBlocks []uint32
	for _, s := range tx.saved {
		inodeBlocks = append(inodeBlocks, s.ino/fsInodesPerBlock)
	}
	for _, m := range tx.marks {
		for b := m.e.start / fsBitsPerBitmapBlock; b <= (m.e.start+m.e.count-1)/fsBitsPerBitmapBlock; b++ {
			bitmapBlocks = append(bitmapBlocks, b)
		}
	}
	slices.Sort(inodeBlocks)
	inodeBlocks = slices.Compact(inodeBlocks)
	slices.Sort(bitmapBlocks)
	bitmapBlocks = slices.Compact(bitmapBlocks)

	blk := make([]byte, fsBlockSize)
	writeAll := func(upTo int) error {
		for i, b := range inodeBlocks {
			if i >= upTo {
				return nil
			}
			f.encodeInodeBlock(blk, b)
			if err := f.writeBlocks(blk, 1+f.bitmapBlocks+b); err != nil {
				return err
			}
		}
		for i, b := range bitmapBlocks {
			if len(inodeBlocks)+i >= upTo {
				return nil
			}
			f.encodeBitmapBlock(blk, b)
			if err := f.writeBlocks(blk, 1+b); err != nil {
				return err
			}
		}
		return nil
	}
	// Count successful writes to know what to restore.
	done := 0
	var err error
	for i, b := range inodeBlocks {
		f.encodeInodeBlock(blk, b)
		if err = f.writeBlocks(blk, 1+f.bitmapBlocks+b); err != nil {
			break
		}
		done = i + 1
	}
	if err == nil {
		for _, b := range bitmapBlocks {
			f.encodeBitmapBlock(blk, b)
			if err = f.writeBlocks(blk, 1+b); err != nil {
				break
			}
			done++
		}
	}
	if err != nil {
		tx.rollback()
		_ = writeAll(done) // best effort: the device is failing
		return err
	}
	return nil
}

func (f *FileSystem) encodeInodeBlock(blk []byte, b uint32) {
	clear(blk)
	for k := range uint32(fsInodesPerBlock) {
		fsEncodeInode(blk[fsHeaderSize+k*fsInodeSize:], &f.inodes[b*fsInodesPerBlock+k])
	}
	fsSeal(blk, fsKindInodes, 1+f.bitmapBlocks+b)
}

func (tx *fsTx) allocInode() (uint32, error) {
	for i := 1; i < len(tx.f.inodes); i++ {
		if tx.f.inodes[i].kind == fsKindFree {
			return uint32(i), nil
		}
	}
	return 0, fmt.Errorf("%w: all %d inodes in use", ErrNoSpace, len(tx.f.inodes))
}

// mkdirAll creates the missing folders of names and returns the last one.
func (tx *fsTx) mkdirAll(names []string) (uint32, error) {
	f := tx.f
	ino, n, err := f.walk(names)
	if err != nil {
		return 0, err
	}
	if f.inodes[ino].kind != fsKindDir {
		return 0, ErrNotDir
	}
	for _, name := range names[n:] {
		next, err := tx.allocInode()
		if err != nil {
			return 0, err
		}
		tx.setInode(next, fsInode{kind: fsKindDir, parent: ino, name: name})
		ino = next
	}
	return ino, nil
}

// allocBlocks allocates n blocks in at most maxExt extents: one contiguous
// run when there is one, else the free runs in order from the rotor.
func (tx *fsTx) allocBlocks(n uint32, maxExt int) ([]fsExtent, error) {
	f := tx.f
	if n == 0 {
		return nil, nil
	}
	if f.free < n {
		return nil, fmt.Errorf("%w: %d blocks needed, %d free", ErrNoSpace, n, f.free)
	}
	// scan visits the free runs from the rotor to the end, then from the
	// start of the data area to the rotor; visit returns false to stop.
	scan := func(visit func(start, run uint32) bool) {
		for _, r := range [2][2]uint32{{f.rotor, f.blocks}, {f.dataStart, f.rotor}} {
			for b := r[0]; b < r[1]; {
				s, ok := f.nextFree(b)
				if !ok || s >= r[1] {
					break
				}
				run := f.freeRun(s, r[1]-s)
				if !visit(s, run) {
					return
				}
				b = s + run
			}
		}
	}
	var ext []fsExtent
	scan(func(s, run uint32) bool {
		if run >= n {
			ext = []fsExtent{{s, n}}
			return false
		}
		return true
	})
	if ext == nil {
		left := n
		scan(func(s, run uint32) bool {
			take := min(run, left)
			ext = append(ext, fsExtent{s, take})
			left -= take
			return left > 0 && len(ext) <= maxExt
		})
	}
	if len(ext) > maxExt {
		return nil, fmt.Errorf("%w: free space too fragmented (%d blocks need more than %d extents)", ErrNoSpace, n, maxExt)
	}
	for _, e := range ext {
		tx.allocate(e)
	}
	last := ext[len(ext)-1]
	f.rotor = last.start + last.count
	if f.rotor >= f.blocks {
		f.rotor = f.dataStart
	}
	return ext, nil
}

func blocksFor(size uint64) uint32 { return uint32((size + fsBlockSize - 1) / fsBlockSize) }

// write creates, replaces or appends to the file names.
func (tx *fsTx) write(names []string, data []byte, appending bool) error {
	f := tx.f
	parent, err := tx.mkdirAll(names[:len(names)-1])
	if err != nil {
		return err
	}
	name := names[len(names)-1]
	ino, exists := f.index[fsKey{parent, name}]
	if exists && f.inodes[ino].kind != fsKindFile {
		return ErrIsDir
	}
	if !exists {
		if ino, err = tx.allocInode(); err != nil {
			return err
		}
	}
	if appending && exists {
		return tx.append(ino, data)
	}
	if uint64(len(data)) > f.maxFileSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrFileTooLarge, len(data), f.maxFileSize)
	}
	ext, err := tx.allocBlocks(blocksFor(uint64(len(data))), fsMaxExtents)
	if err != nil {
		return err
	}
	if err := f.writeExtents(ext, data); err != nil {
		return err
	}
	if exists {
		for _, e := range f.inodes[ino].ext {
			tx.release(e)
		}
	}
	tx.setInode(ino, fsInode{kind: fsKindFile, parent: parent, name: name,
		size: uint64(len(data)), crc: crc32.Checksum(data, fsCRC), ext: ext})
	return nil
}

// append adds data to the existing file ino. The partial last block is
// rewritten in place with its old bytes unchanged, so a failure leaves the
// visible content as it was.
func (tx *fsTx) append(ino uint32, data []byte) error {
	f := tx.f
	in := f.inodes[ino]
	newSize := in.size + uint64(len(data))
	if newSize > f.maxFileSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrFileTooLarge, newSize, f.maxFileSize)
	}
	if len(data) == 0 {
		return nil
	}
	ext := slices.Clone(in.ext)
	var targets []fsExtent
	buf := data
	if tail := in.size % fsBlockSize; tail != 0 {
		lastExt := ext[len(ext)-1]
		last := lastExt.start + lastExt.count - 1
		tb := make([]byte, fsBlockSize, fsBlockSize+len(data))
		if err := f.readBlocks(tb, last); err != nil {
			return err
		}
		buf = append(tb[:tail], data...)
		targets = append(targets, fsExtent{last, 1})
	}
	need := blocksFor(newSize) - blocksFor(in.size)
	if need > 0 && len(ext) > 0 {
		e := &ext[len(ext)-1]
		if run := f.freeRun(e.start+e.count, need); run > 0 {
			grow := fsExtent{e.start + e.count, run}
			tx.allocate(grow)
			e.count += run
			targets = append(targets, grow)
			need -= run
		}
	}
	if need > 0 {
		more, err := tx.allocBlocks(need, fsMaxExtents-len(ext))
		if err != nil {
			return err
		}
		ext = append(ext, more...)
		targets = append(targets, more...)
	}
	if err := f.writeExtents(targets, buf); err != nil {
		return err
	}
	in.size = newSize
	in.crc = crc32.Update(in.crc, fsCRC, data)
	in.ext = ext
	tx.setInode(ino, in)
	return nil
}
