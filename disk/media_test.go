package disk

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func TestMediaBasics(t *testing.T) {
	m, err := NewMedia(512, 1<<33) // 4 TiB
	if err != nil {
		t.Fatal(err)
	}
	buf := bytes.Repeat([]byte{0xee}, 1024)
	if err := m.ReadSectors(buf, 1<<32); err != nil || !isZero(buf) {
		t.Fatalf("ReadSectors(unwritten) = %v, zero %v; want nil, true", err, isZero(buf))
	}
	data := bytes.Repeat([]byte("sector!!"), 128)
	if err := m.WriteSectors(data, 1<<32+1); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 3*512)
	if err := m.ReadSectors(got, 1<<32); err != nil {
		t.Fatal(err)
	}
	if !isZero(got[:512]) || !bytes.Equal(got[512:], data) {
		t.Errorf("ReadSectors after write = wrong contents")
	}
	if w := m.Written(); w != 2 {
		t.Errorf("Written() = %d, want 2", w)
	}
	for _, tc := range []struct {
		name  string
		p     []byte
		first uint64
		want  error
	}{
		{"empty", nil, 0, ErrAlign},
		{"partial", make([]byte, 100), 0, ErrAlign},
		{"past end", make([]byte, 512), 1 << 33, ErrRange},
		{"straddles end", make([]byte, 1024), 1<<33 - 1, ErrRange},
	} {
		if err := m.WriteSectors(tc.p, tc.first); !errors.Is(err, tc.want) {
			t.Errorf("%s: WriteSectors = %v, want %v", tc.name, err, tc.want)
		}
		if err := m.ReadSectors(tc.p, tc.first); !errors.Is(err, tc.want) {
			t.Errorf("%s: ReadSectors = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := NewMedia(1000, 10); !errors.Is(err, ErrGeometry) {
		t.Errorf("NewMedia(1000, 10) = %v, want ErrGeometry", err)
	}
	if _, err := NewMedia(512, 0); !errors.Is(err, ErrGeometry) {
		t.Errorf("NewMedia(512, 0) = %v, want ErrGeometry", err)
	}
}

func TestMediaCloneIndependent(t *testing.T) {
	m, _ := NewMedia(512, 100)
	a := bytes.Repeat([]byte{1}, 512)
	b := bytes.Repeat([]byte{2}, 512)
	if err := m.WriteSectors(a, 5); err != nil {
		t.Fatal(err)
	}
	c := m.Clone()
	m.WriteSectors(b, 5)
	c.WriteSectors(b, 6)
	got := make([]byte, 1024)
	c.ReadSectors(got, 5)
	if !bytes.Equal(got[:512], a) || !bytes.Equal(got[512:], b) {
		t.Errorf("clone sees writes to the original or lost its own")
	}
	m.ReadSectors(got, 5)
	if !bytes.Equal(got[:512], b) || !isZero(got[512:]) {
		t.Errorf("original sees writes to the clone")
	}
}

// TestMediaGeneration checks that writes, and only successful writes,
// advance the generation, and that a clone starts from its original's.
func TestMediaGeneration(t *testing.T) {
	m, _ := NewMedia(512, 100)
	if g := m.Generation(); g != 0 {
		t.Fatalf("new media at generation %d", g)
	}
	sec := bytes.Repeat([]byte{7}, 512)
	if err := m.WriteSectors(sec, 3); err != nil {
		t.Fatal(err)
	}
	g := m.Generation()
	if g == 0 {
		t.Fatal("a write left the generation at 0")
	}
	m.ReadSectors(make([]byte, 512), 3)
	m.NextWritten(0)
	if m.WriteSectors(sec, 100) == nil {
		t.Fatal("write past the end succeeded")
	}
	if m.Generation() != g {
		t.Errorf("a read or a refused write changed the generation")
	}
	c := m.Clone()
	if c.Generation() != g {
		t.Errorf("clone at generation %d, original %d", c.Generation(), g)
	}
	c.WriteSectors(sec, 4)
	if m.Generation() != g || c.Generation() == g {
		t.Errorf("a write to the clone: original %d (was %d), clone %d", m.Generation(), g, c.Generation())
	}
}

// TestMediaModel checks Media against a map model with rapid: reads,
// writes, NextWritten runs and Written counts. Verified to fail: making
// allocate reuse slot 1 for every new sector (`*slot = 1`) is caught and
// shrunk to two writes and a read.
func TestMediaModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		const sectors = 300
		m, err := NewMedia(512, sectors)
		if err != nil {
			t.Fatal(err)
		}
		model := map[uint64]byte{} // sector -> fill byte
		sector := rapid.Uint64Range(0, sectors-1)
		t.Repeat(map[string]func(*rapid.T){
			"write": func(t *rapid.T) {
				first := sector.Draw(t, "first")
				n := rapid.Uint64Range(1, min(20, sectors-first)).Draw(t, "n")
				fill := rapid.Byte().Draw(t, "fill")
				if err := m.WriteSectors(bytes.Repeat([]byte{fill}, int(n)*512), first); err != nil {
					t.Fatalf("WriteSectors: %v", err)
				}
				for i := range n {
					model[first+i] = fill
				}
			},
			"read": func(t *rapid.T) {
				first := sector.Draw(t, "first")
				n := rapid.Uint64Range(1, min(20, sectors-first)).Draw(t, "n")
				buf := make([]byte, int(n)*512)
				if err := m.ReadSectors(buf, first); err != nil {
					t.Fatalf("ReadSectors: %v", err)
				}
				for i := range n {
					want := bytes.Repeat([]byte{model[first+i]}, 512)
					if !bytes.Equal(buf[i*512:(i+1)*512], want) {
						t.Fatalf("sector %d = %x..., want %x...", first+i, buf[i*512], model[first+i])
					}
				}
			},
			"": func(t *rapid.T) {
				if m.Written() != uint64(len(model)) {
					t.Fatalf("Written() = %d, want %d", m.Written(), len(model))
				}
				var got []uint64
				for from := uint64(0); ; {
					f, n, ok := m.NextWritten(from)
					if !ok {
						break
					}
					for i := range n {
						got = append(got, f+i)
					}
					from = f + n
				}
				want := make([]uint64, 0, len(model))
				for s := range model {
					want = append(want, s)
				}
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Fatalf("NextWritten runs cover %v, want %v", got, want)
				}
			},
		})
	})
}
