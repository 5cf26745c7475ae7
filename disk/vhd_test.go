package disk

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/google/go-cmp/cmp"
)

// countingReader returns 0x00, 0x01, ... and counts what was read.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.n)
		r.n++
	}
	return len(p), nil
}

// TestVHDFooterGolden is the worked example of FORMATS.md §1.4.
func TestVHDFooterGolden(t *testing.T) {
	const want = "636f6e6563746978 00000002 00010000 ffffffffffffffff 00000000 71656d32 00050003 5769326b" +
		"0000000000100000 0000000000100000 001e0411 00000002 fffff100" +
		"000102030405060708090a0b0c0d0e0f 00"
	wantBytes, err := hex.DecodeString(strings.ReplaceAll(want, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	wantBytes = append(wantBytes, make([]byte, 512-len(wantBytes))...)
	f := VHDFooter{
		Features: 2, FormatVersion: 0x00010000, DataOffset: ^uint64(0),
		CreatorApp: [4]byte{'q', 'e', 'm', '2'}, CreatorVersion: 0x00050003, CreatorHostOS: [4]byte{'W', 'i', '2', 'k'},
		OriginalSize: 1 << 20, CurrentSize: 1 << 20, DiskType: 2,
		UniqueID: [16]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	}
	f.Cylinders, f.Heads, f.SectorsPerTrack = vhdGeometry(f.CurrentSize)
	got := f.Bytes()
	if !bytes.Equal(got, wantBytes) {
		t.Fatalf("Bytes() =\n%x\nwant\n%x", got, wantBytes)
	}
	parsed, err := ParseVHDFooter(wantBytes)
	if err != nil {
		t.Fatal(err)
	}
	f.Checksum = 0xFFFFF100
	if diff := cmp.Diff(f, parsed); diff != "" {
		t.Errorf("ParseVHDFooter (-want +got):\n%s", diff)
	}
}

func TestVHDGeometry(t *testing.T) {
	for _, tc := range []struct {
		size    uint64
		c       uint16
		h, s    uint8
		chsSize uint64
	}{
		{1048576, 30, 4, 17, 1044480},
		{16777216, 481, 4, 17, 16746496},
		{1073741824, 2080, 16, 63, 1073479680},
		{21474836480, 41610, 16, 63, 21474754560},
		{136365211648, 65278, 16, 255, 136363130880},
		{1 << 40, 65535, 16, 255, 136899993600},
		{4096, 0, 4, 17, 0},
	} {
		c, h, s := vhdGeometry(tc.size)
		if c != tc.c || h != tc.h || s != tc.s || uint64(c)*uint64(h)*uint64(s)*512 != tc.chsSize {
			t.Errorf("vhdGeometry(%d) = %d/%d/%d, want %d/%d/%d", tc.size, c, h, s, tc.c, tc.h, tc.s)
		}
	}
}

// fillDevice writes a recognizable pattern to some sectors of d.
func fillDevice(t testing.TB, d Device, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	ss := d.SectorSize()
	for range 20 {
		n := uint64(1 + r.IntN(9))
		first := r.Uint64N(d.Sectors() - n + 1)
		p := make([]byte, int(n)*ss)
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		if err := d.WriteSectors(p, first); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVHDRoundTrip(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, ss := range []int{512, 4096} {
		d := newMemDevice(ss, 21<<20)
		fillDevice(t, d, uint64(ss))
		var out bytes.Buffer
		rnd := &countingReader{}
		n, err := WriteVHD(&out, d, &VHDOptions{Now: func() time.Time { return when }, Rand: rnd})
		if err != nil {
			t.Fatal(err)
		}
		if n != 21<<20+512 || out.Len() != int(n) {
			t.Fatalf("WriteVHD wrote %d (buffer %d), want %d", n, out.Len(), 21<<20+512)
		}
		if rnd.n != 16 {
			t.Errorf("WriteVHD read %d random bytes, want 16", rnd.n)
		}
		if raw := d.raw(); !bytes.Equal(out.Bytes()[:len(raw)], raw) {
			t.Fatalf("sector bytes differ from the device")
		}
		// The slow path (no SparseDevice) gives the same bytes.
		var slow bytes.Buffer
		if _, err := WriteVHD(&slow, plainDevice{d}, &VHDOptions{Now: func() time.Time { return when }, Rand: &countingReader{}}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(slow.Bytes(), out.Bytes()) {
			t.Fatal("fast path and slow path differ")
		}
		v, err := OpenVHD(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatal(err)
		}
		ft := v.Footer()
		if ft.CurrentSize != 21<<20 || ft.OriginalSize != 21<<20 || ft.DiskType != 2 || string(ft.CreatorApp[:]) != "win " ||
			ft.Timestamp != uint32(when.Unix()-946684800) || ft.UniqueID != [16]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15} {
			t.Errorf("footer = %+v", ft)
		}
		if v.SectorSize() != 512 || v.Sectors() != 21<<20/512 {
			t.Errorf("VHD geometry %d x %d", v.Sectors(), v.SectorSize())
		}
		if err := v.CheckAzureUpload(); err != nil {
			t.Errorf("CheckAzureUpload = %v", err)
		}
		got := make([]byte, 21<<20)
		if err := v.ReadSectors(got, 0); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, d.raw()) {
			t.Fatal("VHD sectors differ from the device")
		}
		if err := v.WriteSectors(make([]byte, 512), 0); !errors.Is(err, ErrVHDReadOnly) {
			t.Errorf("WriteSectors on read-only = %v", err)
		}
		if err := v.ReadSectors(make([]byte, 1024), v.Sectors()-1); !errors.Is(err, ErrRange) {
			t.Errorf("ReadSectors past the end = %v", err)
		}
		if err := v.ReadSectors(make([]byte, 100), 0); !errors.Is(err, ErrAlign) {
			t.Errorf("ReadSectors misaligned = %v", err)
		}
	}
}

// memFile is an in-memory io.ReaderAt + io.WriterAt of fixed size.
type memFile struct{ b []byte }

func (m *memFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memFile) WriteAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > int64(len(m.b)) {
		return 0, errors.New("memFile: write past the end")
	}
	return copy(m.b[off:], p), nil
}

func TestVHDWritable(t *testing.T) {
	d := newMemDevice(512, 1<<20)
	var out bytes.Buffer
	if _, err := WriteVHD(&out, d, nil); err != nil {
		t.Fatal(err)
	}
	file := &memFile{b: out.Bytes()}
	footer := bytes.Clone(file.b[1<<20:])
	v, err := OpenVHDWritable(file, int64(len(file.b)))
	if err != nil {
		t.Fatal(err)
	}
	p := bytes.Repeat([]byte("upload!!"), 64)
	if err := v.WriteSectors(p, 2047); err != nil {
		t.Fatal(err)
	}
	if err := v.WriteSectors(p, 2048); !errors.Is(err, ErrRange) {
		t.Errorf("write over the footer = %v, want ErrRange", err)
	}
	if !bytes.Equal(file.b[2047*512:2048*512], p) || !bytes.Equal(file.b[1<<20:], footer) {
		t.Error("write landed in the wrong place")
	}
	if err := v.CheckAzureUpload(); !errors.Is(err, ErrVHDSize) {
		t.Errorf("CheckAzureUpload(1 MiB) = %v, want ErrVHDSize", err)
	}
}

func TestVHDDeterministic(t *testing.T) {
	d := newMemDevice(512, 2<<20)
	fillDevice(t, d, 3)
	sum := func() [32]byte {
		h := sha256.New()
		if _, err := WriteVHD(h, d, &VHDOptions{Rand: &countingReader{}}); err != nil {
			t.Fatal(err)
		}
		return [32]byte(h.Sum(nil))
	}
	if a, b := sum(), sum(); a != b {
		t.Error("same options, different VHD")
	}
}

func TestCheckAzureUpload(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		size uint64
		ok   bool
	}{
		{20 * mib, true}, {32 << 40, true}, {1 << 30, true},
		{19 * mib, false}, {20*mib + 512, false}, {32<<40 + mib, false},
	} {
		v := &VHD{footer: VHDFooter{CurrentSize: tc.size}}
		if err := v.CheckAzureUpload(); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrVHDSize)) {
			t.Errorf("CheckAzureUpload(%d) = %v, want ok=%v", tc.size, err, tc.ok)
		}
	}
}

func validFooter(size uint64) []byte {
	f := VHDFooter{Features: 2, FormatVersion: 0x00010000, DataOffset: ^uint64(0), CreatorApp: vhdCreatorApp,
		CreatorVersion: vhdCreatorVersion, CreatorHostOS: vhdCreatorHostOS, OriginalSize: size, CurrentSize: size, DiskType: 2}
	f.Cylinders, f.Heads, f.SectorsPerTrack = vhdGeometry(size)
	return f.Bytes()
}

func TestParseVHDFooterRejects(t *testing.T) {
	// edit changes a valid 1 MiB footer; fix recomputes the checksum.
	for _, tc := range []struct {
		name string
		edit func(b []byte)
		fix  bool
	}{
		{"cookie", func(b []byte) { b[0] = 'C' }, true},
		{"checksum", func(b []byte) { b[70] ^= 1 }, false},
		{"no reserved feature bit", func(b []byte) { b[11] = 0 }, true},
		{"unknown feature", func(b []byte) { b[10] = 1 }, true},
		{"version", func(b []byte) { b[13] = 2 }, true},
		{"dynamic", func(b []byte) { b[63] = 3; binary.BigEndian.PutUint64(b[16:], 512) }, true},
		{"differencing", func(b []byte) { b[63] = 4 }, true},
		{"data offset", func(b []byte) { binary.BigEndian.PutUint64(b[16:], 512) }, true},
		{"zero size", func(b []byte) { binary.BigEndian.PutUint64(b[48:], 0) }, true},
		{"odd size", func(b []byte) { binary.BigEndian.PutUint64(b[48:], 1<<20+1) }, true},
		{"huge size", func(b []byte) { binary.BigEndian.PutUint64(b[48:], ^uint64(0)-511) }, true},
		{"geometry too big", func(b []byte) { binary.BigEndian.PutUint16(b[56:], 31) }, true},
		{"zero heads", func(b []byte) { b[58] = 0 }, true},
		{"17 heads", func(b []byte) { b[58] = 17; binary.BigEndian.PutUint16(b[56:], 1) }, true},
		{"saved state 2", func(b []byte) { b[84] = 2 }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := validFooter(1 << 20)
			tc.edit(b)
			if tc.fix {
				binary.BigEndian.PutUint32(b[64:], vhdChecksum(b))
			}
			if _, err := ParseVHDFooter(b); !errors.Is(err, ErrBadVHD) {
				t.Errorf("ParseVHDFooter = %v, want ErrBadVHD", err)
			}
			file := append(make([]byte, 1<<20), b...)
			if _, err := OpenVHD(bytes.NewReader(file), int64(len(file))); !errors.Is(err, ErrBadVHD) {
				t.Errorf("OpenVHD = %v, want ErrBadVHD", err)
			}
		})
	}
	if _, err := ParseVHDFooter(make([]byte, 511)); !errors.Is(err, ErrBadVHD) {
		t.Errorf("short footer = %v", err)
	}
	// The file length must match the footer.
	file := append(make([]byte, 1<<20+512), validFooter(1<<20)...)
	if _, err := OpenVHD(bytes.NewReader(file), int64(len(file))); !errors.Is(err, ErrBadVHD) {
		t.Errorf("OpenVHD with an extra sector = %v, want ErrBadVHD", err)
	}
	if _, err := OpenVHD(bytes.NewReader(file), 600); !errors.Is(err, ErrBadVHD) {
		t.Errorf("OpenVHD of 600 bytes = %v, want ErrBadVHD", err)
	}
	if _, err := OpenVHD(bytes.NewReader(nil), 100); !errors.Is(err, ErrBadVHD) {
		t.Errorf("OpenVHD of 100 bytes = %v, want ErrBadVHD", err)
	}
	// A raw disk image (no footer) is not a VHD.
	raw := make([]byte, 1<<20)
	if _, err := OpenVHD(bytes.NewReader(raw), int64(len(raw))); !errors.Is(err, ErrBadVHD) {
		t.Errorf("OpenVHD(raw) = %v, want ErrBadVHD", err)
	}
}

// errWriter fails after limit bytes.
type errWriter struct{ limit int }

var errSink = errors.New("sink failed")

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errSink
	}
	w.limit -= len(p)
	return len(p), nil
}

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, nil }

func TestWriteVHDErrors(t *testing.T) {
	d := newMemDevice(512, 3<<20)
	for _, limit := range []int{0, 100, 1 << 20, 3 << 20, 3<<20 + 100} {
		n, err := WriteVHD(&errWriter{limit: limit}, d, nil)
		if !errors.Is(err, errSink) || n != int64(limit) {
			t.Errorf("limit %d: WriteVHD = %d, %v", limit, n, err)
		}
	}
	if _, err := WriteVHD(shortWriter{}, d, nil); !errors.Is(err, io.ErrShortWrite) {
		t.Errorf("short writer: %v", err)
	}
	if _, err := WriteVHD(io.Discard, d, &VHDOptions{Rand: bytes.NewReader(make([]byte, 15))}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short Rand: %v", err)
	}
	for _, when := range []time.Time{time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2137, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := WriteVHD(io.Discard, d, &VHDOptions{Now: func() time.Time { return when }}); !errors.Is(err, ErrRange) {
			t.Errorf("time %v: %v, want ErrRange", when, err)
		}
	}
	if _, err := WriteVHD(io.Discard, newMemDevice(520, 520*4), nil); !errors.Is(err, ErrAlign) {
		t.Errorf("520-byte sectors: %v, want ErrAlign", err)
	}
	// A device read error stops the export.
	d.failAfter = 0
	if _, err := WriteVHD(io.Discard, failReader{d}, nil); !errors.Is(err, errMemFail) {
		t.Errorf("read error: %v", err)
	}
}

type failReader struct{ Device }

func (failReader) ReadSectors([]byte, uint64) error { return errMemFail }

// The media of this package offers the fast path.
var _ SparseDevice = (*Media)(nil)

func TestWriteVHDMedia(t *testing.T) {
	m, err := NewMedia(512, 5<<20/512)
	if err != nil {
		t.Fatal(err)
	}
	fillDevice(t, m, 9)
	var fast, slow bytes.Buffer
	if _, err := WriteVHD(&fast, m, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteVHD(&slow, plainDevice{m}, nil); err != nil {
		t.Fatal(err)
	}
	if fast.Len() != 5<<20+512 || !bytes.Equal(fast.Bytes()[:5<<20], slow.Bytes()[:5<<20]) {
		t.Fatal("WriteVHD of Media: fast path differs from reading every sector")
	}
}

// badLister reports runs that go backwards, are empty, or overrun the end.
type badLister struct{ *memDevice }

func (b badLister) NextWritten(from uint64) (uint64, uint64, bool) {
	switch from % 3 {
	case 0:
		return 0, 0, true
	case 1:
		return from, 1 << 40, true
	}
	return from / 2, 5, true
}

func TestWriteVHDBadLister(t *testing.T) {
	d := newMemDevice(512, 1<<20)
	fillDevice(t, d, 4)
	var out bytes.Buffer
	if _, err := WriteVHD(&out, badLister{d}, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes()[:1<<20], d.raw()) {
		t.Fatal("a misbehaving lister changed the output")
	}
}

// TestWriteVHDLayers checks that the layers of this package keep the
// SparseDevice promise: the fast path gives the bytes a full read gives.
func TestWriteVHDLayers(t *testing.T) {
	rand := envelope.NewSeededReader(5)
	pmk, err := envelope.GenerateAESKEK(rand, "pmk", envelope.A256KW)
	if err != nil {
		t.Fatal(err)
	}
	md, err := NewManaged(ManagedConfig{SectorSize: 512, Sectors: 24 << 20 / 512, Encryption: EncryptionPlatformKey, PMK: pmk, Rand: rand})
	if err != nil {
		t.Fatal(err)
	}
	vol, err := EncryptVolume(md, []byte("a BEK of enough bytes for the test"), VolumeConfig{Kind: DMCrypt, Mode: EncryptFormatAll, KDFIterations: 1000, Rand: rand})
	if err != nil {
		t.Fatal(err)
	}
	fillDevice(t, vol, 11)
	for _, tc := range []struct {
		name string
		d    Device
	}{{"managed", md}, {"volume", vol}} {
		name, d := tc.name, tc.d
		var fast, slow bytes.Buffer
		if _, err := WriteVHD(&fast, d, &VHDOptions{Rand: &countingReader{}}); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteVHD(&slow, plainDevice{d}, &VHDOptions{Rand: &countingReader{}}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast.Bytes(), slow.Bytes()) {
			t.Errorf("%s: fast path differs from reading every sector", name)
		}
	}
}
