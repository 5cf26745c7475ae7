package disk

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/luks2"
)

const testIter = 16 // PBKDF2 iterations for tests: fast, still the real KDF

var (
	bek      = []byte("0123456789abcdef0123456789abcdef") // 32-byte BEK, a Key Vault secret
	otherBEK = []byte("fedcba9876543210fedcba9876543210")
)

func volumeConfig(kind VolumeKind, mode EnableMode, seed uint64) VolumeConfig {
	return VolumeConfig{Kind: kind, Mode: mode, KDFIterations: testIter, Rand: envelope.NewSeededReader(seed)}
}

func TestVolumeRoundTrip(t *testing.T) {
	for _, kind := range []VolumeKind{BitLocker, DMCrypt} {
		t.Run(kind.String(), func(t *testing.T) {
			dev, _ := NewMedia(512, 1<<14)
			v, err := EncryptVolume(dev, bek, volumeConfig(kind, EncryptInPlace, 1))
			if err != nil {
				t.Fatal(err)
			}
			if want := uint64(1<<14) - v.layer.offset; v.Sectors() != want || v.layer.offset == 0 {
				t.Errorf("Sectors() = %d, want %d", v.Sectors(), want)
			}
			if err := v.WriteSectors(secret, 10); err != nil {
				t.Fatal(err)
			}
			v2, err := OpenVolume(dev, bek)
			if err != nil {
				t.Fatal(err)
			}
			if v2.Kind() != kind {
				t.Errorf("Kind() = %v, want %v", v2.Kind(), kind)
			}
			got := make([]byte, len(secret)+512)
			if err := v2.ReadSectors(got, 10); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[:len(secret)], secret) || !isZero(got[len(secret):]) {
				t.Errorf("reopened volume reads wrong data")
			}
			raw := make([]byte, dev.Sectors()*512)
			dev.ReadSectors(raw, 0)
			if bytes.Contains(raw, []byte("alice")) {
				t.Errorf("device holds plaintext")
			}
		})
	}
}

func TestVolumeOpenErrors(t *testing.T) {
	dev, _ := NewMedia(512, 1<<14)
	if _, err := EncryptVolume(dev, bek, volumeConfig(DMCrypt, EncryptFormatAll, 1)); err != nil {
		t.Fatal(err)
	}
	blank, _ := NewMedia(512, 1<<14)
	damage := func(d *Media, sectors ...uint64) *Media {
		d = d.Clone()
		b := make([]byte, 512)
		for _, s := range sectors {
			d.ReadSectors(b, s)
			b[200] ^= 1
			d.WriteSectors(b, s)
		}
		return d
	}
	damaged := damage(dev, 0, 16384/512) // both LUKS2 header copies
	bl, _ := NewMedia(512, 1<<14)
	if _, err := EncryptVolume(bl, bek, volumeConfig(BitLocker, EncryptInPlace, 1)); err != nil {
		t.Fatal(err)
	}
	recovered := damage(dev, 0) // the secondary LUKS2 header still opens
	for _, tc := range []struct {
		name string
		dev  Device
		bek  []byte
		want error
	}{
		{"wrong BEK", dev, otherBEK, ErrWrongBEK},
		{"missing BEK", dev, nil, ErrBEKRequired},
		{"no header", blank, bek, ErrNoVolume},
		{"damaged LUKS2 header", damaged, bek, ErrVolumeHeader},
		{"damaged BitLocker header", damage(bl, 0), bek, ErrVolumeHeader},
		{"BitLocker wrong BEK", bl, otherBEK, ErrWrongBEK},
	} {
		if v, err := OpenVolume(tc.dev, tc.bek); !errors.Is(err, tc.want) || v != nil {
			t.Errorf("%s: OpenVolume = %v, %v; want nil, %v", tc.name, v, err, tc.want)
		}
	}
	if _, err := OpenVolume(recovered, bek); err != nil {
		t.Errorf("LUKS2 with a damaged primary header: %v, want recovery from the secondary", err)
	}
}

func TestEncryptVolumeConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  VolumeConfig
		bek  []byte
		want error
	}{
		{"Windows format-all", volumeConfig(BitLocker, EncryptFormatAll, 1), bek, ErrVolumeConfig},
		{"no kind", volumeConfig(VolumeUnknown, EncryptInPlace, 1), bek, ErrVolumeConfig},
		{"no mode", volumeConfig(DMCrypt, ModeUnknown, 1), bek, ErrVolumeConfig},
		{"no BEK", volumeConfig(DMCrypt, EncryptInPlace, 1), nil, ErrBEKRequired},
		{"huge iterations", VolumeConfig{Kind: DMCrypt, Mode: EncryptInPlace, KDFIterations: 1 << 30}, bek, ErrVolumeConfig},
	} {
		dev, _ := NewMedia(512, 1<<14)
		if _, err := EncryptVolume(dev, tc.bek, tc.cfg); !errors.Is(err, tc.want) {
			t.Errorf("%s: EncryptVolume = %v, want %v", tc.name, err, tc.want)
		}
		if dev.Written() != 0 {
			t.Errorf("%s: failed EncryptVolume wrote %d sectors", tc.name, dev.Written())
		}
	}
	small, _ := NewMedia(512, 200)
	if _, err := EncryptVolume(small, bek, volumeConfig(DMCrypt, EncryptInPlace, 1)); !errors.Is(err, ErrVolumeConfig) {
		t.Errorf("EncryptVolume on a tiny device = %v, want ErrVolumeConfig", err)
	}
}

// TestEncryptInPlace writes data to a plain device (sector 0 and a run
// further on), encrypts it in place, and finds it at the same sector
// numbers in the volume, with no plaintext left on the device.
func TestEncryptInPlace(t *testing.T) {
	for _, kind := range []VolumeKind{BitLocker, DMCrypt} {
		dev, _ := NewMedia(512, 1<<13)
		marks := map[uint64][]byte{}
		for _, s := range []uint64{0, 1, 127, 128, 129, 300, 5000} {
			p := bytes.Repeat([]byte(fmt.Sprintf("plain sector %5d ", s)), 512/19+1)[:512]
			marks[s] = p
			dev.WriteSectors(p, s)
		}
		big := bytes.Repeat(secret, 40) // 80 KiB, longer than a chunk and the header
		dev.WriteSectors(big, 1000)
		v, err := EncryptVolume(dev, bek, volumeConfig(kind, EncryptInPlace, 2))
		if err != nil {
			t.Fatal(err)
		}
		for s, want := range marks {
			got := make([]byte, 512)
			if err := v.ReadSectors(got, s); err != nil || !bytes.Equal(got, want) {
				t.Errorf("%v: volume sector %d = %q, %v; want %q", kind, s, got[:20], err, want[:20])
			}
		}
		got := make([]byte, len(big))
		v.ReadSectors(got, 1000)
		if !bytes.Equal(got, big) {
			t.Errorf("%v: 80 KiB run not preserved", kind)
		}
		raw := make([]byte, 8192*512)
		dev.ReadSectors(raw, 0)
		if bytes.Contains(raw, []byte("plain sector")) || bytes.Contains(raw, []byte("alice")) {
			t.Errorf("%v: plaintext left on the device after in-place encryption", kind)
		}
	}
}

func TestEncryptInPlaceNoRoom(t *testing.T) {
	dev, _ := NewMedia(512, 1<<14)
	dev.WriteSectors(secret[:512], 1<<14-1)
	before := dev.Clone()
	for _, kind := range []VolumeKind{DMCrypt, BitLocker} {
		if err := volumeConfig(kind, EncryptInPlace, 1).Check(dev); !errors.Is(err, ErrNoRoom) {
			t.Errorf("%v: Check with data in the tail = %v, want ErrNoRoom", kind, err)
		}
	}
	if err := volumeConfig(DMCrypt, EncryptFormatAll, 1).Check(dev); err != nil {
		t.Errorf("Check of format-all with data in the tail = %v, want nil", err)
	}
	if dev.Generation() != before.Generation() {
		t.Errorf("Check wrote to the device")
	}
	if _, err := EncryptVolume(dev, bek, volumeConfig(DMCrypt, EncryptInPlace, 1)); !errors.Is(err, ErrNoRoom) {
		t.Fatalf("EncryptVolume with data in the tail = %v, want ErrNoRoom", err)
	}
	a, b := make([]byte, 1<<14*512), make([]byte, 1<<14*512)
	dev.ReadSectors(a, 0)
	before.ReadSectors(b, 0)
	if !bytes.Equal(a, b) {
		t.Errorf("failed in-place encryption changed the device")
	}
}

func TestEncryptFormatAllLosesData(t *testing.T) {
	dev, _ := NewMedia(512, 1<<14)
	dev.WriteSectors(secret, 200)
	v, err := EncryptVolume(dev, bek, volumeConfig(DMCrypt, EncryptFormatAll, 1))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(secret))
	for _, s := range []uint64{200, 200 - v.layer.offset, 0} {
		v.ReadSectors(got, s)
		if bytes.Contains(got, []byte("alice")) {
			t.Errorf("old data readable through the formatted volume at %d", s)
		}
	}
}

func TestVolumeRekey(t *testing.T) {
	dev, _ := NewMedia(512, 1<<14)
	v, err := EncryptVolume(dev, bek, volumeConfig(BitLocker, EncryptInPlace, 1))
	if err != nil {
		t.Fatal(err)
	}
	v.WriteSectors(secret, 0)
	if err := v.AddBEK(envelope.NewSeededReader(9), otherBEK, testIter); err != nil {
		t.Fatal(err)
	}
	if err := v.RemoveBEK(bek); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenVolume(dev, bek); !errors.Is(err, ErrWrongBEK) {
		t.Errorf("old BEK after re-key: %v, want ErrWrongBEK", err)
	}
	v2, err := OpenVolume(dev, otherBEK)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(secret))
	if v2.ReadSectors(got, 0); !bytes.Equal(got, secret) {
		t.Errorf("data not readable with the new BEK")
	}
	if err := v2.RemoveBEK(otherBEK); !errors.Is(err, ErrProtectors) {
		t.Errorf("removing the last BEK = %v, want ErrProtectors", err)
	}
	if err := v2.RemoveBEK(bek); !errors.Is(err, ErrWrongBEK) {
		t.Errorf("removing an unknown BEK = %v, want ErrWrongBEK", err)
	}
	for i := 0; i < vhMaxSlots-1; i++ {
		if err := v2.AddBEK(envelope.NewSeededReader(uint64(i)), bek, testIter); err != nil {
			t.Fatalf("AddBEK #%d: %v", i, err)
		}
	}
	if err := v2.AddBEK(nil, bek, testIter); !errors.Is(err, ErrProtectors) {
		t.Errorf("AddBEK beyond %d slots = %v, want ErrProtectors", vhMaxSlots, err)
	}
}

// TestVolumeOnManagedDisk stacks ADE on SSE: the storage service (and a VHD
// downloader, F106) sees guest ciphertext; the guest sees the data.
func TestVolumeOnManagedDisk(t *testing.T) {
	kek := newKEK(t, 1, "pmk/1")
	m := newManaged(t, EncryptionPlatformKey, kek, nil)
	v, err := EncryptVolume(m, bek, volumeConfig(DMCrypt, EncryptFormatAll, 3))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.WriteSectors(secret, 5); err != nil {
		t.Fatal(err)
	}
	served := make([]byte, len(secret))
	m.ReadSectors(served, 5+v.layer.offset) // what the storage service hands out
	if bytes.Contains(served, []byte("alice")) {
		t.Errorf("storage service hands out guest plaintext")
	}
	got := make([]byte, len(secret))
	v.ReadSectors(got, 5)
	if !bytes.Equal(got, secret) {
		t.Errorf("guest reads wrong data")
	}
	// Flip a bit in the media: the guest reads garbage in one block, no crash.
	raw := make([]byte, 512)
	m.Raw().ReadSectors(raw, 5+v.layer.offset)
	raw[0] ^= 1
	m.Raw().WriteSectors(raw, 5+v.layer.offset)
	if err := v.ReadSectors(got, 5); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got[:16], secret[:16]) || !bytes.Equal(got[16:], secret[16:]) {
		t.Errorf("bit flip did not scramble exactly the first block")
	}
}

func TestVolumeRedacted(t *testing.T) {
	dev, _ := NewMedia(512, 1<<14)
	key := bytes.Repeat([]byte{0xA5}, 64)
	v, err := EncryptVolume(dev, bek, VolumeConfig{Kind: DMCrypt, Mode: EncryptFormatAll, KDFIterations: testIter,
		Rand: io.MultiReader(bytes.NewReader(key), envelope.NewSeededReader(1))})
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%s", "%d"} {
		out := fmt.Sprintf(verb, v) + fmt.Sprintf(verb, struct{ V *Volume }{v}) + fmt.Sprintf(verb, []*Volume{v})
		if l := strings.ToLower(out); strings.Contains(l, "a5a5") || strings.Contains(out, "165 165") {
			t.Errorf("Sprintf(%q) leaks the volume key: %.300s", verb, out)
		}
	}
}

func TestHostEncryptionOnTemp(t *testing.T) {
	tmp, err := NewTemp(512, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmp.WriteSectors(secret, 0)
	raw := make([]byte, len(secret))
	tmp.Raw().ReadSectors(raw, 0)
	if !bytes.Equal(raw, secret) {
		t.Errorf("temp disk without host encryption is not plaintext at rest (F56)")
	}
	hk, _ := envelope.GenerateDEK(envelope.NewSeededReader(4))
	eah, err := NewHostEncryption(tmp, hk)
	if err != nil {
		t.Fatal(err)
	}
	eah.WriteSectors(secret, 8)
	tmp.Raw().ReadSectors(raw, 8)
	if bytes.Contains(raw, []byte("alice")) {
		t.Errorf("encryption at host left plaintext at rest")
	}
	got := make([]byte, len(secret)+512)
	eah.ReadSectors(got, 8)
	if !bytes.Equal(got[:len(secret)], secret) || !isZero(got[len(secret):]) {
		t.Errorf("host-encrypted read wrong")
	}
	tmp.Reset()
	tmp.ReadSectors(raw, 0)
	if !isZero(raw) {
		t.Errorf("Reset kept data")
	}
}

func TestDeviceIO(t *testing.T) {
	dev, _ := NewMedia(512, 8)
	d := deviceIO{dev}
	if _, err := d.WriteAt([]byte("hello"), 510); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 7)
	if _, err := d.ReadAt(got, 509); err != nil || string(got) != "\x00hello\x00" {
		t.Errorf("ReadAt = %q, %v", got, err)
	}
	if _, err := d.WriteAt([]byte("x"), 4096); !errors.Is(err, ErrRange) {
		t.Errorf("WriteAt past end = %v, want ErrRange", err)
	}
}

func FuzzParseVolumeHeader(f *testing.F) {
	dev, _ := NewMedia(512, 1<<14)
	EncryptVolume(dev, bek, volumeConfig(BitLocker, EncryptInPlace, 1))
	good := make([]byte, vhBlock)
	dev.ReadSectors(good, 0)
	f.Add(good)
	f.Add(make([]byte, vhBlock))
	f.Add(good[:100])
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseVolumeHeader(b)
		if err != nil {
			if !errors.Is(err, ErrNoVolume) && !errors.Is(err, ErrVolumeHeader) {
				t.Fatalf("parseVolumeHeader error %v matches no sentinel", err)
			}
			return
		}
		if !bytes.Equal(h.bytes(), b[:vhBlock]) {
			t.Fatalf("parse then encode is not the identity")
		}
	})
}

// FuzzOpenVolume puts arbitrary bytes where the BitLocker-like header goes
// and opens the device: an error, never a panic. Headers rarely survive the
// checksum, so the seed is a valid header with a cheap KDF. (The LUKS2
// parser has its own fuzz targets in internal/luks2.)
func FuzzOpenVolume(f *testing.F) {
	dev, _ := NewMedia(512, 300)
	EncryptVolume(dev, bek, volumeConfig(BitLocker, EncryptInPlace, 1))
	good := make([]byte, vhBlock)
	dev.ReadSectors(good, 0)
	f.Add(good, bek)
	f.Add(good, otherBEK)
	f.Fuzz(func(t *testing.T, hdr, key []byte) {
		d, _ := NewMedia(512, 300)
		if len(hdr) > vhBlock {
			hdr = hdr[:vhBlock]
		}
		buf := make([]byte, vhBlock)
		copy(buf, hdr)
		d.WriteSectors(buf, 0)
		v, err := OpenVolume(d, key)
		if err == nil {
			p := make([]byte, 512)
			if err := v.ReadSectors(p, 0); err != nil {
				t.Fatalf("opened volume cannot read: %v", err)
			}
		}
	})
}

// TestLUKS2Tweak4096 checks the dm-crypt convention on 4096-byte sectors:
// volume sector s is encrypted with tweak 8s (512-byte units), stored at
// the LUKS2 data offset.
func TestLUKS2Tweak4096(t *testing.T) {
	dev, _ := NewMedia(4096, 1024)
	v, err := EncryptVolume(dev, bek, volumeConfig(DMCrypt, EncryptFormatAll, 5))
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat(secret, 2)[:4096]
	if err := v.WriteSectors(data, 3); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 4096)
	v.layer.c.Encrypt(want, data, 3*8)
	got := make([]byte, 4096)
	dev.ReadSectors(got, 3+v.layer.offset)
	if !bytes.Equal(got, want) || v.layer.offset*4096 != 1<<20 {
		t.Errorf("sector 3 not encrypted with tweak 24 at the 1 MiB data offset (offset %d sectors)", v.layer.offset)
	}
	v2, err := OpenVolume(dev, bek)
	if err != nil {
		t.Fatal(err)
	}
	v2.ReadSectors(got, 3)
	if !bytes.Equal(got, data) {
		t.Errorf("reopened 4096-byte volume reads wrong data")
	}
}

// TestOpenVolumeCostlyLUKS2 crafts a LUKS2 header (an untrusted VHD's)
// whose keyslot and digest ask for 2^32-1 PBKDF2 iterations, which the
// format allows, and checks that OpenVolume and RemoveBEK refuse it at once
// with ErrVolumeHeader instead of hashing for hours.
func TestOpenVolumeCostlyLUKS2(t *testing.T) {
	dev, err := NewMedia(512, 1<<13)
	if err != nil {
		t.Fatal(err)
	}
	v, err := EncryptVolume(dev, bek, VolumeConfig{Kind: DMCrypt, Mode: EncryptFormatAll, KDFIterations: testIter, Rand: envelope.NewSeededReader(5)})
	if err != nil {
		t.Fatal(err)
	}
	const hdrSize, csumOff = 16 << 10, 448 // LUKS2 header copy, checksum field
	for _, off := range []int{0, hdrSize} {
		area := make([]byte, hdrSize)
		if _, err := (deviceIO{dev}).ReadAt(area, int64(off)); err != nil {
			t.Fatal(err)
		}
		text := area[4096:]
		n := bytes.IndexByte(text, 0)
		edited := strings.ReplaceAll(string(text[:n]), `"iterations":1000,`, `"iterations":4294967295,`)
		if edited == string(text[:n]) {
			t.Fatal("no iteration count to edit")
		}
		clear(text)
		copy(text, edited)
		clear(area[csumOff : csumOff+64])
		sum := sha256.Sum256(area)
		copy(area[csumOff:], sum[:])
		if _, err := (deviceIO{dev}).WriteAt(area, int64(off)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := luks2.ReadHeader(deviceIO{dev}); err != nil {
		t.Fatalf("the crafted header must be valid LUKS2: %v", err)
	}
	if _, err := OpenVolume(dev, bek); !errors.Is(err, ErrVolumeHeader) {
		t.Errorf("OpenVolume = %v, want ErrVolumeHeader", err)
	}
	if err := v.RemoveBEK(bek); !errors.Is(err, ErrVolumeHeader) {
		t.Errorf("RemoveBEK = %v, want ErrVolumeHeader", err)
	}
}
