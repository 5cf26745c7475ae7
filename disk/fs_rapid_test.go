package disk

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestFSStateMachine runs random operations against the file system and a
// plain model (path -> content, set of folders) that predicts every result.
// Invariants: Check passes, and every file reads back as the model says.
// Remount replaces the mounted value by a fresh Mount of the device.
//
// Verified to fail: with append's CRC update dropped (in.crc left as is in
// fsTx.append), rapid failed and shrank to AppendFile("/a/y", "") then
// AppendFile("/a/y", "\x00"), caught by the ReadFile invariant (ErrCorrupt).
func TestFSStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ss := rapid.SampledFrom([]int{512, 4096}).Draw(t, "sectorSize")
		d := newMemDevice(ss, 2<<20) // 512 blocks: small, so that ErrNoSpace happens
		f, err := Format(d, &FormatOptions{Inodes: 40})
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		dirs := map[string]bool{"/": true}
		path := rapid.SampledFrom([]string{"/a", "/b", "/a/x", "/a/y", "/b/x", "/a/x/z"})
		data := rapid.Custom(func(t *rapid.T) []byte {
			n := rapid.SampledFrom([]int{0, 1, 100, 4095, 4096, 4097, 20000, 300000}).Draw(t, "len")
			b := rapid.Byte().Draw(t, "fill")
			return bytes.Repeat([]byte{b}, n)
		})
		parent := func(p string) string {
			if i := strings.LastIndexByte(p, '/'); i > 0 {
				return p[:i]
			}
			return "/"
		}
		// blocked reports whether a file sits on p or on one of its parents.
		blocked := func(p string) (fileAt, fileAbove bool) {
			for q := parent(p); q != "/"; q = parent(q) {
				if _, ok := files[q]; ok {
					fileAbove = true
				}
			}
			_, fileAt = files[p]
			return
		}
		addDirs := func(p string) {
			for q := p; q != "/"; q = parent(q) {
				dirs[q] = true
			}
		}
		usedBlocks := func() int {
			n := 0
			for _, c := range files {
				n += (len(c) + fsBlockSize - 1) / fsBlockSize
			}
			return n
		}
		t.Repeat(map[string]func(*rapid.T){
			"WriteFile": func(t *rapid.T) {
				p, b := path.Draw(t, "path"), data.Draw(t, "data")
				_, fileAbove := blocked(p)
				err := f.WriteFile(p, b)
				switch {
				case fileAbove:
					if !errors.Is(err, ErrNotDir) {
						t.Fatalf("WriteFile(%q) = %v, want ErrNotDir", p, err)
					}
				case dirs[p]:
					if !errors.Is(err, ErrIsDir) {
						t.Fatalf("WriteFile(%q) = %v, want ErrIsDir", p, err)
					}
				case errors.Is(err, ErrNoSpace):
					// The model does not track fragmentation, so it only checks
					// that space was really short (504 data blocks; an overwrite
					// holds old and new content at once).
					if usedBlocks()+(len(b)+fsBlockSize-1)/fsBlockSize < 300 {
						t.Fatalf("WriteFile(%q, %d bytes) = %v with %d blocks used", p, len(b), err, usedBlocks())
					}
				case err != nil:
					t.Fatalf("WriteFile(%q) = %v", p, err)
				default:
					files[p] = b
					addDirs(parent(p))
				}
			},
			"AppendFile": func(t *rapid.T) {
				p, b := path.Draw(t, "path"), data.Draw(t, "data")
				_, fileAbove := blocked(p)
				err := f.AppendFile(p, b)
				switch {
				case fileAbove:
					if !errors.Is(err, ErrNotDir) {
						t.Fatalf("AppendFile(%q) = %v, want ErrNotDir", p, err)
					}
				case dirs[p]:
					if !errors.Is(err, ErrIsDir) {
						t.Fatalf("AppendFile(%q) = %v, want ErrIsDir", p, err)
					}
				case errors.Is(err, ErrNoSpace):
					if usedBlocks()+(len(b)+fsBlockSize-1)/fsBlockSize+1 < 300 {
						t.Fatalf("AppendFile(%q, %d bytes) = %v with %d blocks used", p, len(b), err, usedBlocks())
					}
				case err != nil:
					t.Fatalf("AppendFile(%q) = %v", p, err)
				default:
					files[p] = append(bytes.Clone(files[p]), b...)
					addDirs(parent(p))
				}
			},
			"MkdirAll": func(t *rapid.T) {
				p := path.Draw(t, "path")
				fileAt, fileAbove := blocked(p)
				err := f.MkdirAll(p)
				switch {
				case fileAbove:
					if !errors.Is(err, ErrNotDir) {
						t.Fatalf("MkdirAll(%q) = %v, want ErrNotDir", p, err)
					}
				case fileAt:
					if !errors.Is(err, ErrExist) {
						t.Fatalf("MkdirAll(%q) = %v, want ErrExist", p, err)
					}
				case err != nil:
					t.Fatalf("MkdirAll(%q) = %v", p, err)
				default:
					addDirs(p)
				}
			},
			"Remove": func(t *rapid.T) {
				p := path.Draw(t, "path")
				err := f.Remove(p)
				_, isFile := files[p]
				nonEmpty := false
				for q := range files {
					nonEmpty = nonEmpty || strings.HasPrefix(q, p+"/")
				}
				for q := range dirs {
					nonEmpty = nonEmpty || strings.HasPrefix(q, p+"/")
				}
				switch {
				case isFile:
					if err != nil {
						t.Fatalf("Remove(file %q) = %v", p, err)
					}
					delete(files, p)
				case dirs[p] && nonEmpty:
					if !errors.Is(err, ErrNotEmpty) {
						t.Fatalf("Remove(%q) = %v, want ErrNotEmpty", p, err)
					}
				case dirs[p]:
					if err != nil {
						t.Fatalf("Remove(dir %q) = %v", p, err)
					}
					delete(dirs, p)
				default:
					if !errors.Is(err, ErrNotExist) && !errors.Is(err, ErrNotDir) {
						t.Fatalf("Remove(missing %q) = %v", p, err)
					}
				}
			},
			"Remount": func(t *rapid.T) {
				g, err := Mount(d)
				if err != nil {
					t.Fatalf("Mount: %v", err)
				}
				f = g
			},
			"": func(t *rapid.T) {
				if err := f.Check(); err != nil {
					t.Fatalf("Check: %v", err)
				}
				for _, p := range slices.Sorted(maps.Keys(files)) {
					got, err := f.ReadFile(p)
					if err != nil || !bytes.Equal(got, files[p]) {
						t.Fatalf("ReadFile(%q) = %d bytes, %v; want %d bytes", p, len(got), err, len(files[p]))
					}
				}
				for _, p := range slices.Sorted(maps.Keys(dirs)) {
					if st, err := f.Stat(p); err != nil || !st.IsDir {
						t.Fatalf("Stat(%q) = %+v, %v; want a folder", p, st, err)
					}
				}
			},
		})
	})
}
