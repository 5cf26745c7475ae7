package disk

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustFormat(t testing.TB, d Device) *FileSystem {
	t.Helper()
	f, err := Format(d, nil)
	if err != nil {
		t.Fatalf("Format: %v", err)
	}
	return f
}

func TestFSRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ss    int
		bytes uint64
	}{
		{"512/4MiB", 512, 4 << 20},
		{"4096/4MiB", 4096, 4 << 20},
		{"512/1TiB-sparse", 512, 1 << 40},
		{"4096/64KiB", 4096, 64 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newMemDevice(tc.ss, tc.bytes)
			f := mustFormat(t, d)
			csv := []byte("id,name\n1,Alice\n2,Bob\n")
			if err := f.WriteFile("/data/customers.csv", csv); err != nil {
				t.Fatal(err)
			}
			if err := f.WriteFile("/data/empty", nil); err != nil {
				t.Fatal(err)
			}
			if err := f.MkdirAll("/logs/2026/01"); err != nil {
				t.Fatal(err)
			}
			big := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16000 bytes, 4 blocks
			if err := f.WriteFile("/logs/2026/01/app.log", big[:5000]); err != nil {
				t.Fatal(err)
			}
			if err := f.AppendFile("/logs/2026/01/app.log", big[5000:]); err != nil {
				t.Fatal(err)
			}
			if err := f.AppendFile("/new/appended", []byte("x")); err != nil {
				t.Fatal(err)
			}
			check := func(f *FileSystem) {
				t.Helper()
				for p, want := range map[string][]byte{"/data/customers.csv": csv, "/data/empty": {}, "/logs/2026/01/app.log": big, "/new/appended": []byte("x")} {
					got, err := f.ReadFile(p)
					if err != nil || !bytes.Equal(got, want) {
						t.Errorf("ReadFile(%q) = %d bytes, %v; want %d bytes", p, len(got), err, len(want))
					}
				}
				ls, err := f.ReadDir("/")
				want := []FileInfo{{Name: "data", IsDir: true}, {Name: "logs", IsDir: true}, {Name: "new", IsDir: true}}
				if err != nil || !cmp.Equal(ls, want) {
					t.Errorf("ReadDir(/) = %v, %v; diff (-want +got):\n%s", ls, err, cmp.Diff(want, ls))
				}
				ls, err = f.ReadDir("/data")
				want = []FileInfo{{Name: "customers.csv", Size: int64(len(csv))}, {Name: "empty"}}
				if err != nil || !cmp.Equal(ls, want) {
					t.Errorf("ReadDir(/data) = %v, %v; diff (-want +got):\n%s", ls, err, cmp.Diff(want, ls))
				}
				if st, err := f.Stat("/logs/2026/01/app.log"); err != nil || st != (FileInfo{Name: "app.log", Size: 16000}) {
					t.Errorf("Stat = %+v, %v", st, err)
				}
				if st, err := f.Stat("/"); err != nil || st != (FileInfo{Name: "/", IsDir: true}) {
					t.Errorf("Stat(/) = %+v, %v", st, err)
				}
				if err := f.Check(); err != nil {
					t.Errorf("Check() = %v", err)
				}
			}
			check(f)
			g, err := Mount(d)
			if err != nil {
				t.Fatalf("Mount: %v", err)
			}
			check(g)

			// Overwrite, remove, and the space comes back.
			free := g.free
			if err := g.WriteFile("/data/customers.csv", []byte("replaced")); err != nil {
				t.Fatal(err)
			}
			if got, _ := g.ReadFile("/data/customers.csv"); string(got) != "replaced" {
				t.Errorf("after overwrite: %q", got)
			}
			for _, p := range []string{"/data/customers.csv", "/data/empty", "/data", "/logs/2026/01/app.log", "/new/appended"} {
				if err := g.Remove(p); err != nil {
					t.Fatalf("Remove(%q) = %v", p, err)
				}
			}
			if g.free != free+6 { // csv 1, app.log 4, appended 1
				t.Errorf("free blocks = %d, want %d", g.free, free+6)
			}
			if _, err := g.Stat("/data"); !errors.Is(err, ErrNotExist) || !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat removed = %v", err)
			}
			if err := g.Check(); err != nil {
				t.Errorf("Check() = %v", err)
			}
			if _, err := Mount(d); err != nil {
				t.Errorf("Mount after removes: %v", err)
			}
		})
	}
}

func TestFSErrors(t *testing.T) {
	d := newMemDevice(512, 1<<20)
	f := mustFormat(t, d)
	if err := f.WriteFile("/d/file", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	f.maxFileSize = 64 << 10
	if err := f.WriteFile("/d/big", make([]byte, 60<<10)); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("n", 256)
	for _, tc := range []struct {
		name string
		op   func() error
		want error
	}{
		{"empty path", func() error { return f.WriteFile("", nil) }, ErrInvalidPath},
		{"relative", func() error { return f.WriteFile("d/x", nil) }, ErrInvalidPath},
		{"double slash", func() error { return f.WriteFile("/d//x", nil) }, ErrInvalidPath},
		{"trailing slash", func() error { return f.WriteFile("/d/x/", nil) }, ErrInvalidPath},
		{"dot", func() error { return f.MkdirAll("/d/.") }, ErrInvalidPath},
		{"dotdot", func() error { _, err := f.ReadFile("/d/../d/file"); return err }, ErrInvalidPath},
		{"long name", func() error { return f.WriteFile("/"+long, nil) }, ErrInvalidPath},
		{"NUL", func() error { return f.WriteFile("/a\x00b", nil) }, ErrInvalidPath},
		{"bad UTF-8", func() error { return f.WriteFile("/a\xffb", nil) }, ErrInvalidPath},
		{"long path", func() error { return f.MkdirAll(strings.Repeat("/abcdefg", 513)) }, ErrInvalidPath},
		{"invalid matches fs", func() error { return f.WriteFile("x", nil) }, fs.ErrInvalid},
		{"remove root", func() error { return f.Remove("/") }, ErrInvalidPath},
		{"write root", func() error { return f.WriteFile("/", nil) }, ErrIsDir},
		{"read missing", func() error { _, err := f.ReadFile("/d/nope"); return err }, ErrNotExist},
		{"stat missing parent", func() error { _, err := f.Stat("/nope/x"); return err }, fs.ErrNotExist},
		{"remove missing", func() error { return f.Remove("/nope") }, ErrNotExist},
		{"read dir", func() error { _, err := f.ReadFile("/d"); return err }, ErrIsDir},
		{"write over dir", func() error { return f.WriteFile("/d", nil) }, ErrIsDir},
		{"append to dir", func() error { return f.AppendFile("/d", []byte("x")) }, ErrIsDir},
		{"file as parent", func() error { return f.WriteFile("/d/file/x", nil) }, ErrNotDir},
		{"readdir of file", func() error { _, err := f.ReadDir("/d/file"); return err }, ErrNotDir},
		{"lookup through file", func() error { _, err := f.Stat("/d/file/x"); return err }, ErrNotDir},
		{"mkdir through file", func() error { return f.MkdirAll("/d/file/x") }, ErrNotDir},
		{"mkdir over file", func() error { return f.MkdirAll("/d/file") }, ErrExist},
		{"mkdir over file matches fs", func() error { return f.MkdirAll("/d/file") }, fs.ErrExist},
		{"remove non-empty", func() error { return f.Remove("/d") }, ErrNotEmpty},
		{"too large", func() error { return f.WriteFile("/x", make([]byte, 64<<10+1)) }, ErrFileTooLarge},
		{"append too large", func() error { return f.AppendFile("/d/big", make([]byte, 5<<10)) }, ErrFileTooLarge},
		{"larger than the device", func() error { return f.WriteFile("/x", make([]byte, 2<<20)) }, ErrFileTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var pe *fs.PathError
			if tc.want != ErrInvalidPath && tc.want != fs.ErrInvalid && !errors.As(err, &pe) {
				t.Errorf("%v is not a *fs.PathError", err)
			}
		})
	}
	if err := f.Check(); err != nil {
		t.Errorf("Check after failed operations = %v", err)
	}
}

func TestFSNoSpace(t *testing.T) {
	d := newMemDevice(4096, 256<<10) // 64 blocks
	f, err := Format(d, &FormatOptions{Inodes: 14})
	if err != nil {
		t.Fatal(err)
	}
	free := f.free
	if err := f.WriteFile("/big", make([]byte, int(free+1)*fsBlockSize)); !errors.Is(err, ErrNoSpace) {
		t.Errorf("overfull write = %v, want ErrNoSpace", err)
	}
	if err := f.WriteFile("/big", make([]byte, int(free)*fsBlockSize)); err != nil {
		t.Fatalf("write filling the disk: %v", err)
	}
	if err := f.AppendFile("/big", []byte("x")); !errors.Is(err, ErrNoSpace) {
		t.Errorf("append on full = %v, want ErrNoSpace", err)
	}
	// An overwrite needs room for old and new content at once.
	if err := f.WriteFile("/big", []byte("x")); !errors.Is(err, ErrNoSpace) {
		t.Errorf("overwrite on full = %v, want ErrNoSpace", err)
	}
	if err := f.Remove("/big"); err != nil {
		t.Fatal(err)
	}
	for i := range 13 {
		if err := f.WriteFile(fmt.Sprintf("/f%d", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.WriteFile("/one-too-many", nil); !errors.Is(err, ErrNoSpace) {
		t.Errorf("inode exhaustion = %v, want ErrNoSpace", err)
	}
	if err := f.MkdirAll("/a/b"); !errors.Is(err, ErrNoSpace) {
		t.Errorf("mkdir without inodes = %v, want ErrNoSpace", err)
	}
	if err := f.Check(); err != nil {
		t.Error(err)
	}
	// Formatting a device that cannot hold a file system.
	if _, err := Format(newMemDevice(512, 16<<10), nil); !errors.Is(err, ErrNoSpace) {
		t.Errorf("Format(16 KiB) = %v, want ErrNoSpace", err)
	}
	if _, err := Format(newMemDevice(512, 64<<10), &FormatOptions{Inodes: 1000}); !errors.Is(err, ErrNoSpace) {
		t.Errorf("Format(too many inodes) = %v, want ErrNoSpace", err)
	}
	if _, err := Format(newMemDevice(8192, 1<<20), nil); !errors.Is(err, ErrAlign) {
		t.Errorf("Format(8 KiB sectors) = %v, want ErrAlign", err)
	}
}

func TestFSFragmentation(t *testing.T) {
	d := newMemDevice(512, 1<<20)
	f, err := Format(d, &FormatOptions{Inodes: 300})
	if err != nil {
		t.Fatal(err)
	}
	// Fill with 1-block files, free every other one: only 1-block holes.
	n := 0
	for ; ; n++ {
		if err := f.WriteFile(fmt.Sprintf("/f%03d", n), []byte{byte(n)}); err != nil {
			if !errors.Is(err, ErrNoSpace) {
				t.Fatal(err)
			}
			break
		}
	}
	for i := 0; i < n; i += 2 {
		if err := f.Remove(fmt.Sprintf("/f%03d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// 29 extents fit, 30 do not.
	if err := f.WriteFile("/frag", make([]byte, 29*fsBlockSize)); err != nil {
		t.Fatalf("29-extent file: %v", err)
	}
	if err := f.WriteFile("/frag2", make([]byte, 30*fsBlockSize)); !errors.Is(err, ErrNoSpace) {
		t.Errorf("30-extent file = %v, want ErrNoSpace", err)
	}
	if got, err := f.ReadFile("/frag"); err != nil || len(got) != 29*fsBlockSize {
		t.Errorf("ReadFile(/frag) = %d, %v", len(got), err)
	}
	if err := f.Check(); err != nil {
		t.Error(err)
	}
	if _, err := Mount(d); err != nil {
		t.Error(err)
	}
}

// TestFSFailedWriteChangesNothing makes the device fail at every possible
// write of an operation and checks that the file system, in memory and on
// the device, is unchanged. The failure is transient (one write fails, the
// next ones work), so that the restore of the metadata written before the
// failure can be checked; a device that fails from the first write of an
// operation on (a key gone at the layer below) is the k=0 case.
func TestFSFailedWriteChangesNothing(t *testing.T) {
	ops := map[string]func(f *FileSystem) error{
		"overwrite":      func(f *FileSystem) error { return f.WriteFile("/a/old", bytes.Repeat([]byte("N"), 9000)) },
		"create deep":    func(f *FileSystem) error { return f.WriteFile("/x/y/z/new", []byte("new")) },
		"append partial": func(f *FileSystem) error { return f.AppendFile("/a/old", bytes.Repeat([]byte("A"), 9000)) },
		"remove":         func(f *FileSystem) error { return f.Remove("/a/old") },
		"mkdir":          func(f *FileSystem) error { return f.MkdirAll("/m/n/o") },
	}
	for _, name := range []string{"append partial", "create deep", "mkdir", "overwrite", "remove"} {
		t.Run(name, func(t *testing.T) {
			for k := 0; ; k++ {
				d := newMemDevice(512, 1<<20)
				f := mustFormat(t, d)
				old := bytes.Repeat([]byte("o"), 5000)
				if err := f.WriteFile("/a/old", old); err != nil {
					t.Fatal(err)
				}
				d.writes, d.failAfter, d.transient = 0, k, true
				err := ops[name](f)
				d.failAfter, d.transient = -1, false
				if err == nil {
					if k == 0 {
						t.Fatal("operation needs no write")
					}
					return // k writes suffice: every failure point was tried
				}
				if !errors.Is(err, errMemFail) {
					t.Fatalf("k=%d: %v, want the device error", k, err)
				}
				if got, err := f.ReadFile("/a/old"); err != nil || !bytes.Equal(got, old) {
					t.Fatalf("k=%d: old file after failure: %d bytes, %v", k, len(got), err)
				}
				for _, p := range []string{"/x", "/m"} {
					if _, err := f.Stat(p); !errors.Is(err, ErrNotExist) {
						t.Fatalf("k=%d: Stat(%q) after failure = %v", k, p, err)
					}
				}
				if err := f.Check(); err != nil {
					t.Fatalf("k=%d: Check after failure: %v", k, err)
				}
			}
		})
	}
}

func TestMountRecognizes(t *testing.T) {
	rnd := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(r.Uint32())
	}
	luks := append([]byte("LUKS\xba\xbe\x00\x02"), rnd[8:4096]...)
	bitlocker := append([]byte("\xeb\x58\x90-FVE-FS-"), make([]byte, 4096)...)
	for _, tc := range []struct {
		name    string
		content []byte
		size    uint64
		want    error
	}{
		{"zeros", nil, 1 << 20, ErrNoFileSystem},
		{"random", rnd, 1 << 20, ErrNoFileSystem},
		{"text", []byte(strings.Repeat("hello, world ", 400)), 1 << 20, ErrNoFileSystem},
		{"LUKS", luks, 1 << 20, ErrEncryptedVolume},
		{"LUKS secondary", append([]byte("SKUL\xba\xbe"), rnd[6:4096]...), 1 << 20, ErrEncryptedVolume},
		{"BitLocker", bitlocker, 1 << 20, ErrEncryptedVolume},
		{"tiny", nil, 16 << 10, ErrNoFileSystem},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newMemDevice(512, tc.size)
			if tc.content != nil {
				d.patch(0, tc.content)
			}
			_, err := Mount(d)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Mount = %v, want %v", err, tc.want)
			}
			if errors.Is(err, ErrCorrupt) {
				t.Errorf("Mount = %v, also matches ErrCorrupt", err)
			}
		})
	}
}

// reseal recomputes the checksum of metadata block bn after a test edited it.
func reseal(d *memDevice, bn uint32, edit func(blk []byte)) {
	blk := make([]byte, fsBlockSize)
	spb := uint64(fsBlockSize / d.ss)
	if err := d.ReadSectors(blk, uint64(bn)*spb); err != nil {
		panic(err)
	}
	edit(blk)
	binary.LittleEndian.PutUint32(blk[12:], 0)
	binary.LittleEndian.PutUint32(blk[12:], crc32.Checksum(blk, fsCRC))
	d.patch(uint64(bn)*fsBlockSize, blk)
}

func TestMountCorrupt(t *testing.T) {
	build := func(t *testing.T) (*memDevice, *FileSystem) {
		d := newMemDevice(512, 1<<20)
		f := mustFormat(t, d)
		for _, p := range []string{"/a/one", "/a/two", "/b/three"} {
			if err := f.WriteFile(p, []byte(p+" content")); err != nil {
				t.Fatal(err)
			}
		}
		return d, f
	}
	const inodeBlk = 2 // 1 MiB: 256 blocks, 1 bitmap block, inodes from block 2
	rec := func(k int) int { return fsHeaderSize + k*fsInodeSize }
	for _, tc := range []struct {
		name string
		edit func(d *memDevice)
	}{
		{"superblock bit flip", func(d *memDevice) { d.patch(40, []byte{0x01}) }},
		{"bitmap bit flip", func(d *memDevice) { d.patch(fsBlockSize+100, []byte{0xff}) }},
		{"inode bit flip", func(d *memDevice) { d.patch(inodeBlk*fsBlockSize+600, []byte{0x7f}) }},
		{"misplaced inode block", func(d *memDevice) {
			reseal(d, inodeBlk, func(b []byte) { binary.LittleEndian.PutUint32(b[8:], 3) })
		}},
		{"version 2", func(d *memDevice) { reseal(d, 0, func(b []byte) { b[5] = 2 }) }},
		{"larger than device", func(d *memDevice) {
			reseal(d, 0, func(b []byte) { binary.LittleEndian.PutUint32(b[20:], 1<<20) })
		}},
		{"inode count", func(d *memDevice) {
			reseal(d, 0, func(b []byte) { binary.LittleEndian.PutUint32(b[32:], 5) })
		}},
		{"leaked block", func(d *memDevice) { reseal(d, 1, func(b []byte) { b[fsHeaderSize+30] |= 1 }) }},
		{"used block marked free", func(d *memDevice) {
			reseal(d, 1, func(b []byte) { b[fsHeaderSize] = 0x1f })
		}},
		{"bit past the end", func(d *memDevice) { reseal(d, 1, func(b []byte) { b[fsHeaderSize+40] = 1 }) }},
		{"root not a folder", func(d *memDevice) { reseal(d, inodeBlk, func(b []byte) { b[rec(0)] = fsKindFile }) }},
		{"unknown kind", func(d *memDevice) { reseal(d, inodeBlk, func(b []byte) { b[rec(1)] = 9 }) }},
		{"duplicate name", func(d *memDevice) {
			// inode 3 is /a/two: rename it "one".
			reseal(d, inodeBlk, func(b []byte) { b[rec(3)+1] = 3; copy(b[rec(3)+fsNameOffset:], "one\x00\x00") })
		}},
		{"bad name", func(d *memDevice) { reseal(d, inodeBlk, func(b []byte) { b[rec(3)+fsNameOffset] = '/' }) }},
		{"parent is a file", func(d *memDevice) {
			reseal(d, inodeBlk, func(b []byte) { binary.LittleEndian.PutUint32(b[rec(3)+4:], 2) })
		}},
		{"parent out of range", func(d *memDevice) {
			reseal(d, inodeBlk, func(b []byte) { binary.LittleEndian.PutUint32(b[rec(3)+4:], 1e6) })
		}},
		{"cycle", func(d *memDevice) {
			// /a (1) and /b (4): make each the parent of the other.
			reseal(d, inodeBlk, func(b []byte) {
				binary.LittleEndian.PutUint32(b[rec(1)+4:], 4)
				binary.LittleEndian.PutUint32(b[rec(4)+4:], 1)
			})
		}},
		{"extent outside data", func(d *memDevice) {
			reseal(d, inodeBlk, func(b []byte) { binary.LittleEndian.PutUint32(b[rec(2)+fsExtentOffset:], 1) })
		}},
		{"extent shared", func(d *memDevice) {
			reseal(d, inodeBlk, func(b []byte) { copy(b[rec(3)+fsExtentOffset:][:8], b[rec(2)+fsExtentOffset:]) })
		}},
		{"size too big for extents", func(d *memDevice) {
			reseal(d, inodeBlk, func(b []byte) { binary.LittleEndian.PutUint64(b[rec(2)+8:], 5000) })
		}},
		{"folder with data", func(d *memDevice) {
			reseal(d, inodeBlk, func(b []byte) { binary.LittleEndian.PutUint64(b[rec(1)+8:], 1) })
		}},
		{"free record not zero", func(d *memDevice) { reseal(d, inodeBlk, func(b []byte) { b[rec(6)+100] = 1 }) }},
		{"too many extents", func(d *memDevice) {
			reseal(d, inodeBlk, func(b []byte) { binary.LittleEndian.PutUint16(b[rec(2)+2:], 30) })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, f := build(t)
			tc.edit(d)
			if _, err := Mount(d); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Mount = %v, want ErrCorrupt", err)
			}
			if err := f.Check(); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Check = %v, want ErrCorrupt", err)
			}
		})
	}
	t.Run("data bit flip", func(t *testing.T) {
		d, f := build(t)
		e := f.inodes[2].ext[0]
		d.patch(uint64(e.start)*fsBlockSize+3, []byte{'X'})
		if err := f.Check(); err != nil {
			t.Errorf("Check = %v (metadata is intact)", err)
		}
		if _, err := f.ReadFile("/a/one"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("ReadFile = %v, want ErrCorrupt", err)
		}
		if got, err := f.ReadFile("/a/two"); err != nil || string(got) != "/a/two content" {
			t.Errorf("ReadFile(other) = %q, %v", got, err)
		}
	})
	t.Run("changed behind the mount", func(t *testing.T) {
		d, f := build(t)
		g, err := Mount(d)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Remove("/a/one"); err != nil {
			t.Fatal(err)
		}
		if err := f.Check(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Check of a stale mount = %v, want ErrCorrupt", err)
		}
	})
}

func TestFSAppendGrowsInPlace(t *testing.T) {
	d := newMemDevice(4096, 4<<20)
	f := mustFormat(t, d)
	var want []byte
	for i := range 50 {
		chunk := bytes.Repeat([]byte{byte('a' + i%26)}, 1000+i*37)
		want = append(want, chunk...)
		if err := f.AppendFile("/log", chunk); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.ReadFile("/log")
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadFile = %d bytes, %v; want %d bytes", len(got), err, len(want))
	}
	if n := len(f.inodes[1].ext); n != 1 {
		t.Errorf("appended file has %d extents, want 1 (grown in place)", n)
	}
}

func TestFSConcurrent(t *testing.T) {
	d := newMemDevice(512, 8<<20)
	f := mustFormat(t, d)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				p := fmt.Sprintf("/g%d/f%d", g, i%5)
				if err := f.AppendFile(p, bytes.Repeat([]byte{byte(g)}, 700)); err != nil {
					t.Error(err)
					return
				}
				if _, err := f.ReadFile(p); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := f.Check(); err != nil {
		t.Fatal(err)
	}
	for g := range 4 {
		for i := range 5 {
			st, err := f.Stat(fmt.Sprintf("/g%d/f%d", g, i))
			if err != nil || st.Size != 4*700 {
				t.Errorf("Stat = %+v, %v; want 2800 bytes", st, err)
			}
		}
	}
}
