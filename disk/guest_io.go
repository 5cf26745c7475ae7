package disk

import (
	"fmt"
	"io"
)

// deviceIO gives byte-addressed access to a Device (io.ReaderAt,
// io.WriterAt and Size), reading and rewriting whole sectors around
// unaligned ranges. Volume header codecs use it.
type deviceIO struct{ dev Device }

// Size returns the size of the device in bytes.
func (d deviceIO) Size() int64 { return int64(d.dev.Sectors()) * int64(d.dev.SectorSize()) }

func (d deviceIO) span(n int, off int64) (first uint64, buf []byte, skip int, err error) {
	if off < 0 || n < 0 || off+int64(n) > d.Size() {
		return 0, nil, 0, fmt.Errorf("%w: bytes [%d, %d) of %d", ErrRange, off, off+int64(n), d.Size())
	}
	ss := int64(d.dev.SectorSize())
	start := off / ss * ss
	end := (off + int64(n) + ss - 1) / ss * ss
	return uint64(start / ss), make([]byte, end-start), int(off - start), nil
}

// ReadAt reads len(p) bytes at off.
func (d deviceIO) ReadAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	first, buf, skip, err := d.span(len(p), off)
	if err != nil {
		if off >= d.Size() {
			return 0, io.EOF
		}
		return 0, err
	}
	if err := d.dev.ReadSectors(buf, first); err != nil {
		return 0, err
	}
	return copy(p, buf[skip:]), nil
}

// WriteAt writes p at off, preserving the rest of the sectors it touches.
func (d deviceIO) WriteAt(p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	first, buf, skip, err := d.span(len(p), off)
	if err != nil {
		return 0, err
	}
	ss := d.dev.SectorSize()
	if skip != 0 || len(p)%ss != 0 {
		if err := d.dev.ReadSectors(buf, first); err != nil {
			return 0, err
		}
	}
	copy(buf[skip:], p)
	if err := d.dev.WriteSectors(buf, first); err != nil {
		return 0, err
	}
	return len(p), nil
}
