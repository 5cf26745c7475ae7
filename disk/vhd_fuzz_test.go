package disk

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseVHDFooter: any input either fails with ErrBadVHD or parses to a
// footer that encodes back to the same bytes (reserved bytes aside).
func FuzzParseVHDFooter(f *testing.F) {
	f.Add(validFooter(1 << 20))
	f.Add(validFooter(21 << 20))
	f.Add(validFooter(1 << 40))
	f.Add(validFooter(512))
	f.Add(make([]byte, 512))
	f.Add([]byte("conectix"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ft, err := ParseVHDFooter(b)
		if err != nil {
			if !errors.Is(err, ErrBadVHD) {
				t.Fatalf("error %v does not match ErrBadVHD", err)
			}
			return
		}
		enc := ft.Bytes()
		if !bytes.Equal(enc[:85], b[:85]) && allZero(b[85:]) {
			t.Fatalf("re-encoding differs:\n%x\n%x", enc[:85], b[:85])
		}
		if !bytes.Equal(enc[:64], b[:64]) || !bytes.Equal(enc[68:85], b[68:85]) {
			t.Fatalf("re-encoding differs outside the checksum")
		}
		again, err := ParseVHDFooter(enc)
		if err != nil {
			t.Fatalf("re-encoded footer rejected: %v", err)
		}
		again.Checksum = ft.Checksum
		if again != ft {
			t.Fatalf("round trip: %+v != %+v", again, ft)
		}
		file := append(make([]byte, 0, 4096), b...)
		if ft.CurrentSize <= 1<<20 {
			file = append(make([]byte, ft.CurrentSize), b...)
			v, err := OpenVHD(bytes.NewReader(file), int64(len(file)))
			if err != nil || v.Sectors() != ft.CurrentSize/512 {
				t.Fatalf("OpenVHD of a valid footer: %v", err)
			}
		} else if _, err := OpenVHD(bytes.NewReader(file), int64(len(file))); !errors.Is(err, ErrBadVHD) {
			t.Fatalf("OpenVHD with a short file: %v", err)
		}
	})
}
