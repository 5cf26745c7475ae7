package disk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
)

// fuzzImage returns the bytes of a small file system (8 blocks, 7 inodes)
// holding a few files, as a fuzz seed.
func fuzzImage(tb testing.TB) []byte {
	d := newMemDevice(512, 8*fsBlockSize)
	f, err := Format(d, &FormatOptions{Inodes: 7})
	if err != nil {
		tb.Fatal(err)
	}
	for p, s := range map[string]string{"/data/customers.csv": "id,name\n1,Alice\n", "/data/b": "bb", "/x": "x"} {
		if err := f.WriteFile(p, []byte(s)); err != nil {
			tb.Fatal(err)
		}
	}
	return d.raw()
}

// FuzzMount mounts arbitrary device bytes: an error matching one of the
// mount sentinels, or a file system whose every folder lists, every file
// reads (or fails with ErrCorrupt), which passes Check and stays consistent
// after a write. With fix set, the harness reseals the checksums of the
// mutated metadata blocks first. Memory is bounded by the device size (at most 256 KiB here).
func FuzzMount(f *testing.F) {
	img := fuzzImage(f)
	f.Add(img, false)
	f.Add(img, true)
	f.Add(make([]byte, 8*fsBlockSize), false)
	f.Add([]byte("LUKS\xba\xbe\x00\x02"), false)
	f.Add([]byte("ATFS"), true)
	f.Fuzz(func(t *testing.T, b []byte, fix bool) {
		if len(b) > 64*fsBlockSize {
			b = b[:64*fsBlockSize]
		}
		if fix {
			// Recompute the CRC of every block that starts with the magic, so
			// that mutations reach the structural checks behind the checksums.
			b = bytes.Clone(b)
			for off := 0; off+fsBlockSize <= len(b); off += fsBlockSize {
				blk := b[off : off+fsBlockSize]
				if binary.BigEndian.Uint32(blk) == fsMagic {
					binary.LittleEndian.PutUint32(blk[12:], 0)
					binary.LittleEndian.PutUint32(blk[12:], crc32.Checksum(blk, fsCRC))
				}
			}
		}
		size := max(8*fsBlockSize, (len(b)+fsBlockSize-1)/fsBlockSize*fsBlockSize)
		d := newMemDevice(512, uint64(size))
		if len(b) > 0 {
			d.patch(0, b)
		}
		fsys, err := Mount(d)
		if err != nil {
			if !errors.Is(err, ErrNoFileSystem) && !errors.Is(err, ErrEncryptedVolume) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Mount error %v matches no sentinel", err)
			}
			return
		}
		var walk func(p string, depth int)
		walk = func(p string, depth int) {
			if depth > len(fsys.inodes) {
				t.Fatalf("tree deeper than the inode count at %q", p)
			}
			ls, err := fsys.ReadDir(p)
			if err != nil {
				t.Fatalf("ReadDir(%q): %v", p, err)
			}
			for _, e := range ls {
				c := p + "/" + e.Name
				if p == "/" {
					c = "/" + e.Name
				}
				if e.IsDir {
					walk(c, depth+1)
				} else if data, err := fsys.ReadFile(c); err != nil && !errors.Is(err, ErrCorrupt) {
					t.Fatalf("ReadFile(%q): %v", c, err)
				} else if err == nil && int64(len(data)) != e.Size {
					t.Fatalf("ReadFile(%q): %d bytes, Stat says %d", c, len(data), e.Size)
				}
			}
		}
		walk("/", 0)
		if err := fsys.Check(); err != nil {
			t.Fatalf("Check right after Mount: %v", err)
		}
		if err := fsys.AppendFile("/fuzz/new", []byte("appended")); err != nil && !errors.Is(err, ErrNoSpace) && !errors.Is(err, ErrNotDir) && !errors.Is(err, ErrIsDir) {
			t.Fatalf("AppendFile: %v", err)
		}
		if err := fsys.Check(); err != nil {
			t.Fatalf("Check after a write: %v", err)
		}
	})
}
