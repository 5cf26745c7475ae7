package disk

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/internal/tooltest"
)

// TestVHDQemu checks our VHD files with a real tool: qemu-img must see the
// exact virtual size (qemu sizes "win " images by the footer's current size,
// not by the rounded-down CHS geometry) and convert them back to exactly our
// sector bytes. It skips only when qemu-img is absent and
// ATREST_REQUIRE_TOOLS is unset (CI sets it).
func TestVHDQemu(t *testing.T) {
	qemu := tooltest.Path(t, "qemu-img", "qemu-utils")
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		ss    int
		bytes uint64
	}{
		{"512-21MiB", 512, 21 << 20},
		{"4096-20MiB", 4096, 20 << 20},
		{"512-odd-size", 512, 3<<20 + 7*512}, // CHS would round this down
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newMemDevice(tc.ss, tc.bytes)
			fillDevice(t, d, tc.bytes)
			// Sector 0 must not start with "conectix" (qemu would take it for
			// a dynamic disk's header copy); the pattern makes sure it holds data.
			if err := d.WriteSectors(bytes.Repeat([]byte{0xA5}, tc.ss), 0); err != nil {
				t.Fatal(err)
			}
			vhd := filepath.Join(dir, tc.name+".vhd")
			out, err := os.Create(vhd)
			if err != nil {
				t.Fatal(err)
			}
			when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if _, err := WriteVHD(out, d, &VHDOptions{Now: func() time.Time { return when }, Rand: &countingReader{}}); err != nil {
				t.Fatal(err)
			}
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
			info, err := exec.Command(qemu, "info", "-f", "vpc", "--output=json", vhd).CombinedOutput()
			if err != nil {
				t.Fatalf("qemu-img info: %v\n%s", err, info)
			}
			var got struct {
				VirtualSize uint64 `json:"virtual-size"`
				Format      string `json:"format"`
			}
			if err := json.Unmarshal(info, &got); err != nil {
				t.Fatalf("qemu-img info output: %v\n%s", err, info)
			}
			if got.VirtualSize != tc.bytes || got.Format != "vpc" {
				t.Errorf("qemu-img info: virtual-size %d format %q, want %d \"vpc\"", got.VirtualSize, got.Format, tc.bytes)
			}
			// Why the creator is "win ": with Virtual PC's "vpc ", qemu sizes
			// the same file by its CHS geometry, which rounds down.
			vpc, err := os.ReadFile(vhd)
			if err != nil {
				t.Fatal(err)
			}
			foot := vpc[len(vpc)-512:]
			copy(foot[28:], "vpc ")
			binary.BigEndian.PutUint32(foot[64:], vhdChecksum(foot))
			vpcPath := filepath.Join(dir, tc.name+".vpc.vhd")
			if err := os.WriteFile(vpcPath, vpc, 0o600); err != nil {
				t.Fatal(err)
			}
			if info, err = exec.Command(qemu, "info", "-f", "vpc", "--output=json", vpcPath).CombinedOutput(); err != nil {
				t.Fatalf("qemu-img info: %v\n%s", err, info)
			}
			if err := json.Unmarshal(info, &got); err != nil {
				t.Fatalf("qemu-img info output: %v\n%s", err, info)
			}
			c, h, s := vhdGeometry(tc.bytes)
			if chs := uint64(c) * uint64(h) * uint64(s) * 512; got.VirtualSize != chs || chs >= tc.bytes {
				t.Errorf("qemu-img info of a \"vpc \" VHD: virtual-size %d, want the CHS size %d (< %d)", got.VirtualSize, chs, tc.bytes)
			}

			raw := filepath.Join(dir, tc.name+".raw")
			if msg, err := exec.Command(qemu, "convert", "-f", "vpc", "-O", "raw", vhd, raw).CombinedOutput(); err != nil {
				t.Fatalf("qemu-img convert: %v\n%s", err, msg)
			}
			conv, err := os.ReadFile(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(conv, d.raw()) {
				t.Errorf("qemu-img convert gave %d bytes that differ from our %d sector bytes", len(conv), len(d.raw()))
			}
			// And our reader accepts what qemu itself writes as a fixed VHD.
			back := filepath.Join(dir, tc.name+".qemu.vhd")
			if msg, err := exec.Command(qemu, "convert", "-f", "raw", "-O", "vpc", "-o", "subformat=fixed,force_size=on", raw, back).CombinedOutput(); err != nil {
				t.Fatalf("qemu-img convert to vpc: %v\n%s", err, msg)
			}
			fq, err := os.Open(back)
			if err != nil {
				t.Fatal(err)
			}
			defer fq.Close()
			st, err := fq.Stat()
			if err != nil {
				t.Fatal(err)
			}
			v, err := OpenVHD(fq, st.Size())
			if err != nil {
				t.Fatalf("OpenVHD(qemu's VHD): %v", err)
			}
			if ft := v.Footer(); ft.CurrentSize != tc.bytes || string(ft.CreatorApp[:]) != "qem2" {
				t.Errorf("qemu's footer: size %d creator %q", ft.CurrentSize, ft.CreatorApp)
			}
			buf := make([]byte, tc.bytes)
			if err := v.ReadSectors(buf, 0); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf, d.raw()) {
				t.Error("qemu's VHD read back differs")
			}
		})
	}
}
