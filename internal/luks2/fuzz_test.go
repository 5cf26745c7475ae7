package luks2

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
)

// cryptsetupJSON is the JSON area cryptsetup 2.6.1 wrote for
// `luksFormat --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000
// --sector-size 4096` (salts and digest are random data of that run).
const cryptsetupJSON = `{"keyslots":{"0":{"type":"luks2","key_size":64,"af":{"type":"luks1","stripes":4000,"hash":"sha256"},"area":{"type":"raw","offset":"32768","size":"258048","encryption":"aes-xts-plain64","key_size":64},"kdf":{"type":"pbkdf2","hash":"sha256","iterations":1000,"salt":"1TvkMVhx0xF4TtAPHEDNg9/c9Ejs45AUfuVorf3acos="}}},"tokens":{},"segments":{"0":{"type":"crypt","offset":"16777216","size":"dynamic","iv_tweak":"0","encryption":"aes-xts-plain64","sector_size":4096}},"digests":{"0":{"type":"pbkdf2","keyslots":["0"],"segments":["0"],"hash":"sha256","iterations":1000,"salt":"gq+TldmUbFv3o/AhgY5sCcSH5dL8fxV5DhPRQLfphxs=","digest":"HdnudXCwK7gghy42wgDhPX7M28FfVozRfLnIU46e19Y="}},"config":{"json_size":"12288","keyslots_size":"16744448"}}`

// fuzzTemplate returns a formatted device with two keyslots (PBKDF2 and
// Argon2id) and the JSON texts of its history, for seeds.
func fuzzTemplate(t testing.TB) (*memDevice, [][]byte) {
	dev := formatted(t, TestParams())
	h0, _ := ReadHeader(dev)
	p := TestParams()
	p.KDF = Argon2id
	if _, err := AddKeyslot(dev, testKey(), []byte("pass2"), p, seeded(2)); err != nil {
		t.Fatal(err)
	}
	h1, _ := ReadHeader(dev)
	return dev, [][]byte{h0.text, h1.text, []byte(cryptsetupJSON)}
}

// checkParsed checks what a successfully parsed header promises. Unlocking
// costs milliseconds (KDF plus 4000 AF stripes per keyslot), so the fuzz
// bodies only parse; FuzzOpenKeyslotArea covers unlocking.
func checkParsed(t *testing.T, h *Header, dev *memDevice) {
	if h.DataOffset() > dev.Size() || h.DataSize(dev.Size()) < 0 || h.DataOffset()+h.DataSize(dev.Size()) > dev.Size() {
		t.Fatalf("header %v: data segment outside the %d-byte device", h, dev.Size())
	}
	for _, ks := range h.meta.keyslots {
		if ks.areaOffset+afReadSize > dev.Size() {
			t.Fatalf("keyslot %d area beyond the device", ks.id)
		}
	}
	_ = h.String()
}

// FuzzReadHeaderJSON feeds arbitrary JSON text, with valid binary headers
// and checksums around it, to ReadHeader and (when cheap) Open.
func FuzzReadHeaderJSON(f *testing.F) {
	tmpl, seeds := fuzzTemplate(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"keyslots":{},"tokens":{},"segments":{},"digests":{},"config":{}}`))
	head := bytes.Clone(tmpl.b[:2*defaultHdrSize])
	f.Fuzz(func(t *testing.T, text []byte) {
		if len(text) >= defaultHdrSize-binHeaderSize {
			return
		}
		copy(tmpl.b, head)
		setJSON(tmpl, text)
		h, err := ReadHeader(tmpl)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrNotLUKS) {
				t.Fatalf("ReadHeader = %v: not a header error", err)
			}
			return
		}
		checkParsed(t, h, tmpl)
	})
}

// FuzzReadHeaderBinary overlays arbitrary bytes on the start of a valid
// device, after optionally fixing the checksums so that the fuzzer gets
// past them, and checks that ReadHeader and Open never panic.
func FuzzReadHeaderBinary(f *testing.F) {
	tmpl, _ := fuzzTemplate(f)
	head := bytes.Clone(tmpl.b[:2*defaultHdrSize])
	f.Add(uint16(0), head[:512], true)
	f.Add(uint16(defaultHdrSize), head[defaultHdrSize:defaultHdrSize+512], true)
	f.Add(uint16(offHdrSize), binary.BigEndian.AppendUint64(nil, 32<<10), true)
	f.Add(uint16(offVersion), []byte{0, 1}, true)
	f.Add(uint16(binHeaderSize+100), []byte("garbage"), false)
	f.Fuzz(func(t *testing.T, off uint16, patch []byte, fix bool) {
		copy(tmpl.b, head)
		if int(off) >= len(head) {
			return
		}
		copy(tmpl.b[off:2*defaultHdrSize], patch)
		if fix {
			fixChecksum(tmpl.b[:defaultHdrSize])
			fixChecksum(tmpl.b[defaultHdrSize : 2*defaultHdrSize])
		}
		h, err := ReadHeader(tmpl)
		if err != nil {
			return
		}
		checkParsed(t, h, tmpl)
	})
}

// fuzzCaps bound the KDF work of one fuzz body to a few milliseconds.
var fuzzCaps = OpenOptions{MaxMemoryKiB: 64, MaxTimeCost: 4, MaxIterations: 2000}

// FuzzOpenKeyslotArea flips one byte of a keyslot area or of the JSON
// (fixing checksums) and opens: the result is the volume key or a clean
// error, never a panic or a wrong key. A flipped byte in the split key
// material always gives ErrWrongPassphrase (the AF splitter spreads every
// byte over the whole key).
func FuzzOpenKeyslotArea(f *testing.F) {
	dev := formatted(f, TestParams())
	orig := bytes.Clone(dev.b[:1<<20])
	f.Add(uint32(2*defaultHdrSize), byte(1))
	f.Add(uint32(2*defaultHdrSize+afSize-1), byte(0x80))
	f.Add(uint32(2*defaultHdrSize+afSize), byte(0xff))
	f.Add(uint32(binHeaderSize+500), byte(0x01))
	f.Fuzz(func(t *testing.T, pos uint32, x byte) {
		copy(dev.b, orig)
		if int(pos) >= len(orig) {
			return
		}
		dev.b[pos] ^= x
		inJSON := pos >= binHeaderSize && pos < defaultHdrSize
		if inJSON {
			fixChecksum(dev.b[:defaultHdrSize])
			copy(dev.b[defaultHdrSize+binHeaderSize:2*defaultHdrSize], dev.b[binHeaderSize:defaultHdrSize])
			fixChecksum(dev.b[defaultHdrSize : 2*defaultHdrSize])
		}
		h, err := ReadHeader(dev)
		if err != nil {
			if !inJSON {
				t.Fatalf("ReadHeader after a flip at %d outside the JSON = %v (the other copy is intact)", pos, err)
			}
			return
		}
		// Tight caps: a flipped digit must not turn 1000 iterations into
		// a slow fuzz body.
		_, vk, err := fuzzCaps.Open(dev, []byte("pass"))
		inAF := x != 0 && pos >= 2*defaultHdrSize && pos < 2*defaultHdrSize+afSize
		switch {
		case inAF && !errors.Is(err, ErrWrongPassphrase):
			t.Fatalf("Open after a flip at %d in the AF area = %v, want ErrWrongPassphrase", pos, err)
		case err == nil && !bytes.Equal(vk, testKey()):
			t.Fatalf("Open after a flip at %d returned a wrong key", pos)
		case err != nil && !errors.Is(err, ErrWrongPassphrase) && !errors.Is(err, ErrTooCostly):
			t.Fatalf("Open = %v", err)
		}
		_ = h
	})
}

// FuzzAFRoundTrip checks that merge inverts split for any stripes and key.
func FuzzAFRoundTrip(f *testing.F) {
	f.Add(bytes.Repeat([]byte{0xA5}, 64), []byte{1, 2, 3}, uint8(4))
	f.Fuzz(func(t *testing.T, key, stripeSeed []byte, n uint8) {
		if len(key) == 0 || len(key) > 128 || n == 0 {
			return
		}
		stripes := int(n)
		buf := make([]byte, len(key)*stripes)
		for i := range buf {
			if len(stripeSeed) > 0 {
				buf[i] = stripeSeed[i%len(stripeSeed)] + byte(i)
			}
		}
		afSplit(sha256.New(), buf, key, stripes)
		got := make([]byte, len(key))
		afMerge(sha256.New(), got, buf, stripes)
		if !bytes.Equal(got, key) {
			t.Fatalf("afMerge(afSplit(key)) != key")
		}
	})
}
