package luks2

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// editJSON rewrites the JSON area of both header copies of dev with edit
// applied, and fixes their checksums, so that only the JSON is wrong.
func editJSON(t testing.TB, dev *memDevice, edit func(doc map[string]any)) {
	t.Helper()
	text, err := jsonText(dev.b[binHeaderSize:defaultHdrSize])
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	setJSON(dev, out)
}

// setJSON stores text as the JSON area of both copies and fixes checksums.
func setJSON(dev *memDevice, text []byte) {
	for _, off := range []int{0, defaultHdrSize} {
		area := dev.b[off : off+defaultHdrSize]
		clear(area[binHeaderSize:])
		copy(area[binHeaderSize:], text)
		fixChecksum(area)
	}
}

// fixChecksum recomputes the sha256 checksum of one metadata copy.
func fixChecksum(area []byte) {
	newHash, _ := hashByName("sha256")
	clear(area[offCsum : offCsum+lenCsum])
	copy(area[offCsum:], checksum(area, newHash()))
}

// obj walks doc along path and returns the object there.
func obj(doc map[string]any, path ...string) map[string]any {
	for _, p := range path {
		doc = doc[p].(map[string]any)
	}
	return doc
}

func TestReadHeaderRejectsBadJSON(t *testing.T) {
	type edit = func(doc map[string]any)
	set := func(val any, path ...string) edit {
		return func(doc map[string]any) { obj(doc, path[:len(path)-1]...)[path[len(path)-1]] = val }
	}
	del := func(path ...string) edit {
		return func(doc map[string]any) { delete(obj(doc, path[:len(path)-1]...), path[len(path)-1]) }
	}
	for _, tc := range []struct {
		name string
		edit edit
		want error
	}{
		{"no config", del("config"), ErrCorrupt},
		{"no tokens", del("tokens"), ErrCorrupt},
		{"config null", set(nil, "config"), ErrCorrupt},
		{"json_size wrong", set("4096", "config", "json_size"), ErrCorrupt},
		{"json_size number", set(12288, "config", "json_size"), ErrCorrupt},
		{"json_size missing", del("config", "json_size"), ErrCorrupt},
		{"keyslots_size unaligned", set("1000", "config", "keyslots_size"), ErrCorrupt},
		{"keyslots_size huge", set("18446744073709551615", "config", "keyslots_size"), ErrCorrupt},
		{"keyslots_size past data", set("16744448", "config", "keyslots_size"), ErrCorrupt},
		{"requirements", set(map[string]any{"mandatory": []any{"online-reencrypt"}}, "config", "requirements"), ErrUnsupported},
		{"segment cipher", set("aes-cbc-essiv:sha256", "segments", "0", "encryption"), ErrUnsupported},
		{"segment type", set("linear", "segments", "0", "type"), ErrUnsupported},
		{"segment sector", set(333, "segments", "0", "sector_size"), ErrCorrupt},
		{"segment offset text", set("12ab", "segments", "0", "offset"), ErrCorrupt},
		{"segment offset negative", set("-1", "segments", "0", "offset"), ErrCorrupt},
		{"segment offset zero", set("0", "segments", "0", "offset"), ErrUnsupported},
		{"segment offset in metadata", set("32768", "segments", "0", "offset"), ErrCorrupt},
		{"segment offset past device", set("4194304", "segments", "0", "offset"), ErrCorrupt},
		{"segment size past device", set("2097152", "segments", "0", "size"), ErrCorrupt},
		{"segment size unaligned", set("1000", "segments", "0", "size"), ErrCorrupt},
		{"segment iv_tweak", set("8", "segments", "0", "iv_tweak"), ErrUnsupported},
		{"segment integrity", set(map[string]any{"type": "hmac(sha256)"}, "segments", "0", "integrity"), ErrUnsupported},
		{"segment flags", set([]any{"backup-previous"}, "segments", "0", "flags"), ErrUnsupported},
		{"two segments", func(doc map[string]any) { obj(doc, "segments")["1"] = obj(doc, "segments", "0") }, ErrUnsupported},
		{"no segment", set(map[string]any{}, "segments"), ErrUnsupported},
		{"keyslot type", set("reencrypt", "keyslots", "0", "type"), ErrUnsupported},
		{"keyslot no type", del("keyslots", "0", "type"), ErrCorrupt},
		{"keyslot key_size", set(32, "keyslots", "0", "key_size"), ErrUnsupported},
		{"keyslot key_size string", set("64", "keyslots", "0", "key_size"), ErrCorrupt},
		{"keyslot priority", set(7, "keyslots", "0", "priority"), ErrCorrupt},
		{"keyslot no kdf", del("keyslots", "0", "kdf"), ErrCorrupt},
		{"af type", set("luks2", "keyslots", "0", "af", "type"), ErrUnsupported},
		{"af stripes", set(1<<30, "keyslots", "0", "af", "stripes"), ErrUnsupported},
		{"af hash", set("whirlpool", "keyslots", "0", "af", "hash"), ErrUnsupported},
		{"area type", set("checksum", "keyslots", "0", "area", "type"), ErrUnsupported},
		{"area cipher", set("serpent-xts-plain64", "keyslots", "0", "area", "encryption"), ErrUnsupported},
		{"area key_size", set(1<<20, "keyslots", "0", "area", "key_size"), ErrUnsupported},
		{"area in header", set("0", "keyslots", "0", "area", "offset"), ErrCorrupt},
		{"area unaligned", set("33280", "keyslots", "0", "area", "offset"), ErrCorrupt},
		{"area huge", set("9223372036854775807", "keyslots", "0", "area", "size"), ErrCorrupt},
		{"area small", set("4096", "keyslots", "0", "area", "size"), ErrCorrupt},
		{"area past keyslots", set("1040384", "keyslots", "0", "area", "offset"), ErrCorrupt},
		{"kdf type", set("scrypt", "keyslots", "0", "kdf", "type"), ErrUnsupported},
		{"kdf hash", set("md5", "keyslots", "0", "kdf", "hash"), ErrUnsupported},
		{"kdf iterations zero", set(0, "keyslots", "0", "kdf", "iterations"), ErrCorrupt},
		{"kdf iterations huge", set(uint64(1)<<40, "keyslots", "0", "kdf", "iterations"), ErrCorrupt},
		{"kdf salt short", set("AAAA", "keyslots", "0", "kdf", "salt"), ErrCorrupt},
		{"kdf salt not base64", set("!!", "keyslots", "0", "kdf", "salt"), ErrCorrupt},
		{"argon2 memory huge", func(doc map[string]any) {
			k := obj(doc, "keyslots", "0", "kdf")
			k["type"], k["time"], k["memory"], k["cpus"] = "argon2id", 4, 1<<40, 1
		}, ErrCorrupt},
		{"argon2 cpus zero", func(doc map[string]any) {
			k := obj(doc, "keyslots", "0", "kdf")
			k["type"], k["time"], k["memory"], k["cpus"] = "argon2id", 4, 32, 0
		}, ErrCorrupt},
		{"argon2 memory per cpu", func(doc map[string]any) {
			k := obj(doc, "keyslots", "0", "kdf")
			k["type"], k["time"], k["memory"], k["cpus"] = "argon2id", 4, 32, 16
		}, ErrCorrupt},
		{"argon2 time zero", func(doc map[string]any) {
			k := obj(doc, "keyslots", "0", "kdf")
			k["type"], k["time"], k["memory"], k["cpus"] = "argon2i", 0, 32, 1
		}, ErrCorrupt},
		{"keyslot name", func(doc map[string]any) { k := obj(doc, "keyslots"); k["00"] = k["0"]; delete(k, "0") }, ErrCorrupt},
		{"keyslot number", func(doc map[string]any) { k := obj(doc, "keyslots"); k["99"] = k["0"]; delete(k, "0") }, ErrUnsupported},
		{"keyslot without digest", set([]any{}, "digests", "0", "keyslots"), ErrCorrupt},
		{"digest names missing keyslot", set([]any{"0", "5"}, "digests", "0", "keyslots"), ErrCorrupt},
		{"digest names keyslot twice", set([]any{"0", "0"}, "digests", "0", "keyslots"), ErrCorrupt},
		{"digest names segment", set([]any{"3"}, "digests", "0", "segments"), ErrCorrupt},
		{"digest type", set("argon2", "digests", "0", "type"), ErrUnsupported},
		{"digest hash", set("sha3", "digests", "0", "hash"), ErrUnsupported},
		{"digest iterations", set(-5, "digests", "0", "iterations"), ErrCorrupt},
		{"digest length", set("AAAA", "digests", "0", "digest"), ErrCorrupt},
		{"digest no keyslots", del("digests", "0", "keyslots"), ErrCorrupt},
		{"token bad keyslot", set(map[string]any{"type": "luks2-keyring", "keyslots": []any{"3"}}, "tokens", "0"), ErrCorrupt},
		{"token no type", set(map[string]any{"keyslots": []any{"0"}}, "tokens", "0"), ErrCorrupt},
		{"tokens not object", set([]any{1, 2}, "tokens"), ErrCorrupt},
		{"token name", set(map[string]any{"type": "x", "keyslots": []any{}}, "tokens", "x"), ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := formatted(t, TestParams())
			editJSON(t, dev, tc.edit)
			if _, err := ReadHeader(dev); !errors.Is(err, tc.want) {
				t.Errorf("ReadHeader = %v, want %v", err, tc.want)
			}
			if _, _, err := Open(dev, []byte("pass")); !errors.Is(err, tc.want) {
				t.Errorf("Open = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadHeaderRejectsBadBinary(t *testing.T) {
	both := func(f func(area []byte)) func(dev *memDevice) {
		return func(dev *memDevice) {
			f(dev.b[:defaultHdrSize])
			f(dev.b[defaultHdrSize : 2*defaultHdrSize])
		}
	}
	fixed := func(f func(area []byte)) func(dev *memDevice) {
		return both(func(a []byte) { f(a); fixChecksum(a) })
	}
	for _, tc := range []struct {
		name string
		edit func(dev *memDevice)
		want error
	}{
		{"zeroed", func(dev *memDevice) { clear(dev.b) }, ErrNotLUKS},
		{"no magic", both(func(a []byte) { a[0] = 'X' }), ErrNotLUKS},
		{"LUKS1", fixed(func(a []byte) { a[offVersion+1] = 1 }), ErrUnsupported},
		{"version 3", fixed(func(a []byte) { a[offVersion+1] = 3 }), ErrUnsupported},
		{"checksum", both(func(a []byte) { a[offCsum] ^= 1 }), ErrCorrupt},
		{"checksum padding", both(func(a []byte) { a[offCsum+40] = 1 }), ErrCorrupt},
		{"json flipped", both(func(a []byte) { a[binHeaderSize+10] ^= 0x20 }), ErrCorrupt},
		{"hdr_size", fixed(func(a []byte) { binary.BigEndian.PutUint64(a[offHdrSize:], 12345) }), ErrCorrupt},
		{"hdr_size huge", fixed(func(a []byte) { binary.BigEndian.PutUint64(a[offHdrSize:], 1<<62) }), ErrCorrupt},
		{"hdr_size 32K", fixed(func(a []byte) { binary.BigEndian.PutUint64(a[offHdrSize:], 32<<10) }), ErrCorrupt},
		{"hdr_offset", fixed(func(a []byte) { binary.BigEndian.PutUint64(a[offHdrOffset:], 4096) }), ErrCorrupt},
		{"checksum_alg", fixed(func(a []byte) { copy(a[offCsumAlg:], "md5\x00\x00\x00") }), ErrUnsupported},
		{"uuid unterminated", fixed(func(a []byte) {
			copy(a[offUUID:offUUID+lenUUID], bytes.Repeat([]byte("u"), lenUUID))
		}), ErrCorrupt},
		{"label unterminated", fixed(func(a []byte) { copy(a[offLabel:offLabel+lenLabel], bytes.Repeat([]byte("l"), lenLabel)) }), ErrCorrupt},
		{"json unterminated", fixed(func(a []byte) {
			for i := binHeaderSize; i < len(a); i++ {
				if a[i] == 0 {
					a[i] = ' '
				}
			}
		}), ErrCorrupt},
		{"json garbage", func(dev *memDevice) { setJSON(dev, []byte(`{"keyslots":`)) }, ErrCorrupt},
		{"json trailing", func(dev *memDevice) { setJSON(dev, []byte(`{} {}`)) }, ErrCorrupt},
		{"json deep", func(dev *memDevice) { setJSON(dev, []byte(strings.Repeat("[", 12000))) }, ErrCorrupt},
		{"magics swapped", both(func(a []byte) {
			if a[0] == 'L' {
				copy(a, magicSecondary)
			} else {
				copy(a, magicPrimary)
			}
			fixChecksum(a)
		}), ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := formatted(t, TestParams())
			tc.edit(dev)
			if _, err := ReadHeader(dev); !errors.Is(err, tc.want) {
				t.Errorf("ReadHeader = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadHeaderDeviceSizes(t *testing.T) {
	dev := formatted(t, TestParams())
	for _, size := range []int{0, 100, 4096, defaultHdrSize, 2 * defaultHdrSize, 1<<20 - 4096} {
		small := &memDevice{b: bytes.Clone(dev.b[:size])}
		_, err := ReadHeader(small)
		if !errors.Is(err, ErrNotLUKS) && !errors.Is(err, ErrCorrupt) {
			t.Errorf("ReadHeader(first %d bytes) = %v, want ErrNotLUKS or ErrCorrupt", size, err)
		}
	}
	// Exactly the metadata (like a cryptsetup header backup): valid, with an
	// empty data segment.
	exact := &memDevice{b: bytes.Clone(dev.b[:1<<20])}
	if h, err := ReadHeader(exact); err != nil || h.DataSize(exact.Size()) != 0 {
		t.Errorf("ReadHeader(metadata only) = %v, %v; want a header with DataSize 0", h, err)
	}
}

func TestRecoveryFromOneCopy(t *testing.T) {
	for _, tc := range []struct {
		name string
		off  int
	}{{"primary damaged", 0}, {"secondary damaged", defaultHdrSize}} {
		t.Run(tc.name, func(t *testing.T) {
			dev := formatted(t, TestParams())
			dev.b[tc.off+binHeaderSize+3] ^= 0xff
			if _, vk, err := Open(dev, []byte("pass")); err != nil || !bytes.Equal(vk, testKey()) {
				t.Fatalf("Open with one damaged copy = %v", err)
			}
			// A write repairs the damaged copy.
			if _, err := AddKeyslot(dev, testKey(), []byte("two"), TestParams(), seeded(2)); err != nil {
				t.Fatal(err)
			}
			for _, off := range []int64{0, defaultHdrSize} {
				if _, c, err := readCopy(dev, off, dev.Size()); err != nil || c.bin.seqID != 2 {
					t.Errorf("copy at %d after AddKeyslot: %v", off, err)
				}
			}
		})
	}
}

func TestHigherSeqidWins(t *testing.T) {
	dev := formatted(t, TestParams())
	oldPrimary := bytes.Clone(dev.b[:defaultHdrSize])
	if _, err := AddKeyslot(dev, testKey(), []byte("two"), TestParams(), seeded(2)); err != nil {
		t.Fatal(err)
	}
	copy(dev.b, oldPrimary) // a crash between the two header writes
	h, err := ReadHeader(dev)
	if err != nil || h.Seqid() != 2 || len(h.Keyslots()) != 2 {
		t.Fatalf("ReadHeader = %v, %v; want the secondary with seqid 2 and 2 keyslots", h, err)
	}
	// The primary with the higher seqid wins too.
	dev2 := formatted(t, TestParams())
	oldSecondary := bytes.Clone(dev2.b[defaultHdrSize : 2*defaultHdrSize])
	if _, err := AddKeyslot(dev2, testKey(), []byte("two"), TestParams(), seeded(2)); err != nil {
		t.Fatal(err)
	}
	copy(dev2.b[defaultHdrSize:], oldSecondary)
	if h, err := ReadHeader(dev2); err != nil || h.Seqid() != 2 {
		t.Fatalf("ReadHeader = %v, %v; want seqid 2", h, err)
	}
}

// errReader fails every read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

// failDevice fails reads or writes with errDev.
type failDevice struct {
	*memDevice
	failRead, failWrite bool
}

var errDev = errors.New("device I/O error")

func (f failDevice) ReadAt(p []byte, off int64) (int, error) {
	if f.failRead {
		return 0, errDev
	}
	return f.memDevice.ReadAt(p, off)
}

func (f failDevice) WriteAt(p []byte, off int64) (int, error) {
	if f.failWrite {
		return 0, errDev
	}
	return f.memDevice.WriteAt(p, off)
}

func TestArgumentErrors(t *testing.T) {
	bad := func(f func(*Params)) Params { p := TestParams(); f(&p); return p }
	for _, tc := range []struct {
		name string
		key  []byte
		pass []byte
		p    Params
		size int
		rand io.Reader
		want error
	}{
		{"key 32", make([]byte, 32), []byte("p"), TestParams(), testDevSize, seeded(1), ErrInvalid},
		{"empty passphrase", testKey(), nil, TestParams(), testDevSize, seeded(1), ErrInvalid},
		{"zero params", testKey(), []byte("p"), Params{}, testDevSize, seeded(1), ErrInvalid},
		{"iterations", testKey(), []byte("p"), bad(func(p *Params) { p.Iterations = 999 }), testDevSize, seeded(1), ErrInvalid},
		{"argon time", testKey(), []byte("p"), bad(func(p *Params) { p.KDF, p.TimeCost = Argon2id, 3 }), testDevSize, seeded(1), ErrInvalid},
		{"argon memory", testKey(), []byte("p"), bad(func(p *Params) { p.KDF, p.MemoryKiB = Argon2id, 8<<20 }), testDevSize, seeded(1), ErrInvalid},
		{"argon threads", testKey(), []byte("p"), bad(func(p *Params) { p.KDF, p.Threads = Argon2i, 17 }), testDevSize, seeded(1), ErrInvalid},
		{"argon memory per thread", testKey(), []byte("p"), bad(func(p *Params) { p.KDF, p.MemoryKiB, p.Threads = Argon2id, 32, 16 }), testDevSize, seeded(1), ErrInvalid},
		{"digest iterations", testKey(), []byte("p"), bad(func(p *Params) { p.DigestIterations = 1 }), testDevSize, seeded(1), ErrInvalid},
		{"sector", testKey(), []byte("p"), bad(func(p *Params) { p.SectorSize = 1024 }), testDevSize, seeded(1), ErrInvalid},
		{"keyslots size", testKey(), []byte("p"), bad(func(p *Params) { p.KeyslotsSize = 4096 }), testDevSize, seeded(1), ErrInvalid},
		{"keyslots unaligned", testKey(), []byte("p"), bad(func(p *Params) { p.KeyslotsSize = testKSSize + 512 }), testDevSize, seeded(1), ErrInvalid},
		{"device small", testKey(), []byte("p"), TestParams(), 1 << 20, seeded(1), ErrNoSpace},
		{"device small 4096", testKey(), []byte("p"), bad(func(p *Params) { p.SectorSize = 4096 }), 1<<20 + 512, seeded(1), ErrNoSpace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := newMem(tc.size)
			if _, err := Format(dev, tc.key, tc.pass, tc.p, tc.rand); !errors.Is(err, tc.want) {
				t.Errorf("Format = %v, want %v", err, tc.want)
			}
			if dev.writes != 0 {
				t.Errorf("failed Format wrote %d times", dev.writes)
			}
		})
	}
	t.Run("rand fails", func(t *testing.T) {
		dev := newMem(testDevSize)
		if _, err := Format(dev, testKey(), []byte("p"), TestParams(), errReader{}); err == nil || dev.writes != 0 {
			t.Errorf("Format with failing rand = %v after %d writes", err, dev.writes)
		}
		dev = formatted(t, TestParams())
		before := bytes.Clone(dev.b)
		if _, err := AddKeyslot(dev, testKey(), []byte("p"), TestParams(), errReader{}); err == nil || !bytes.Equal(before, dev.b) {
			t.Errorf("AddKeyslot with failing rand = %v or changed the device", err)
		}
	})
	t.Run("device errors", func(t *testing.T) {
		dev := formatted(t, TestParams())
		if _, err := ReadHeader(failDevice{memDevice: dev, failRead: true}); !errors.Is(err, errDev) {
			t.Errorf("ReadHeader on failing device = %v, want the device error", err)
		}
		if _, _, err := Open(failDevice{memDevice: dev, failRead: true}, []byte("pass")); !errors.Is(err, errDev) {
			t.Errorf("Open on failing device = %v, want the device error", err)
		}
		if _, err := Format(failDevice{memDevice: newMem(testDevSize), failWrite: true}, testKey(), []byte("p"), TestParams(), seeded(1)); !errors.Is(err, errDev) {
			t.Errorf("Format on failing device = %v, want the device error", err)
		}
		if err := RemoveKeyslot(failDevice{memDevice: dev, failWrite: true}, 0); !errors.Is(err, ErrLastKeyslot) {
			t.Errorf("RemoveKeyslot(last) = %v, want ErrLastKeyslot", err)
		}
	})
	t.Run("Open passphrase too long", func(t *testing.T) {
		if _, _, err := Open(formatted(t, TestParams()), make([]byte, maxPassphrase+1)); !errors.Is(err, ErrInvalid) {
			t.Errorf("Open = %v, want ErrInvalid", err)
		}
	})
}

func TestKeyslotManagement(t *testing.T) {
	dev := formatted(t, TestParams())
	p := TestParams()
	if _, err := AddKeyslot(dev, bytes.Repeat([]byte{1}, keySize), []byte("x"), p, seeded(2)); !errors.Is(err, ErrWrongKey) {
		t.Errorf("AddKeyslot(wrong key) = %v, want ErrWrongKey", err)
	}
	for want := 1; want <= 2; want++ {
		slot, err := AddKeyslot(dev, testKey(), []byte(fmt.Sprint("pass", want)), p, seeded(uint64(want)))
		if err != nil || slot != want {
			t.Fatalf("AddKeyslot = %d, %v; want %d", slot, err, want)
		}
	}
	before := bytes.Clone(dev.b)
	if _, err := AddKeyslot(dev, testKey(), []byte("x"), p, seeded(9)); !errors.Is(err, ErrNoSpace) {
		t.Errorf("AddKeyslot into a full area = %v, want ErrNoSpace", err)
	}
	if !bytes.Equal(before, dev.b) {
		t.Errorf("failed AddKeyslot changed the device")
	}
	if err := RemoveKeyslot(dev, 7); !errors.Is(err, ErrNoKeyslot) {
		t.Errorf("RemoveKeyslot(7) = %v, want ErrNoKeyslot", err)
	}
	if err := RemoveKeyslot(dev, 1); err != nil {
		t.Fatal(err)
	}
	h, err := ReadHeader(dev)
	if err != nil || fmt.Sprint(h.Keyslots()) != "[0 2]" {
		t.Fatalf("Keyslots after removing 1 = %v, %v", h, err)
	}
	// The freed number and area are reused.
	if slot, err := AddKeyslot(dev, testKey(), []byte("again"), p, seeded(5)); err != nil || slot != 1 {
		t.Fatalf("AddKeyslot after removal = %d, %v; want 1", slot, err)
	}
	for _, pass := range []string{"pass", "again", "pass2"} {
		if _, vk, err := Open(dev, []byte(pass)); err != nil || !bytes.Equal(vk, testKey()) {
			t.Errorf("Open(%q) = %v", pass, err)
		}
	}
	if _, _, err := Open(dev, []byte("pass1")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("Open(removed) = %v, want ErrWrongPassphrase", err)
	}
	for _, s := range []int{0, 1} {
		if err := RemoveKeyslot(dev, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveKeyslot(dev, 2); !errors.Is(err, ErrLastKeyslot) {
		t.Errorf("RemoveKeyslot(last) = %v, want ErrLastKeyslot", err)
	}
}

func TestTokensKept(t *testing.T) {
	dev := formatted(t, TestParams())
	editJSON(t, dev, func(doc map[string]any) {
		obj(doc, "tokens")["0"] = map[string]any{"type": "luks2-keyring", "keyslots": []any{"0"}, "key_description": "atrest:bek"}
		obj(doc, "config")["flags"] = []any{"allow-discards"}
	})
	if _, vk, err := Open(dev, []byte("pass")); err != nil || !bytes.Equal(vk, testKey()) {
		t.Fatalf("Open with a token = %v", err)
	}
	if _, err := AddKeyslot(dev, testKey(), []byte("b"), TestParams(), seeded(4)); err != nil {
		t.Fatal(err)
	}
	if err := RemoveKeyslot(dev, 0); err != nil {
		t.Fatal(err)
	}
	h, err := ReadHeader(dev)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(h.text, &doc); err != nil {
		t.Fatal(err)
	}
	tok := obj(doc, "tokens", "0")
	if tok["key_description"] != "atrest:bek" || len(tok["keyslots"].([]any)) != 0 {
		t.Errorf("token after RemoveKeyslot(0) = %v; want kept, unassigned", tok)
	}
	if fl := obj(doc, "config")["flags"]; fmt.Sprint(fl) != "[allow-discards]" {
		t.Errorf("config flags = %v, want kept", fl)
	}
}

// TestNoKeyMaterialInOutput formats every value a caller sees with every
// verb and checks that the recognizable test key never shows.
func TestNoKeyMaterialInOutput(t *testing.T) {
	dev := formatted(t, TestParams())
	h, _, err := Open(dev, []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, wrongErr := Open(dev, []byte("nope"))
	_, addErr := AddKeyslot(dev, bytes.Repeat([]byte{0xA5}, keySize-1), []byte("x"), TestParams(), seeded(1))
	var out strings.Builder
	for _, v := range []any{h, *h, wrongErr, addErr, TestParams(), DefaultParams()} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
	}
	s := out.String()
	for _, pat := range []string{"a5a5a5a5", "A5A5A5A5", "\xa5\xa5\xa5\xa5", "pWlpaWlp", "paWlpaWl"} {
		if strings.Contains(s, pat) {
			t.Errorf("output contains key pattern %q", pat)
		}
	}
}

// TestReadHeaderKeyNamesExact checks that key names match exactly, as
// cryptsetup's parser requires: encoding/json alone folds case (and the
// Kelvin sign to k), so each of these headers used to be accepted.
func TestReadHeaderKeyNamesExact(t *testing.T) {
	base := formatted(t, TestParams())
	h, err := ReadHeader(base)
	if err != nil {
		t.Fatal(err)
	}
	text := string(h.text)
	for _, tc := range []struct{ old, new string }{
		{`"keyslots":{`, `"Keyslots":{`},
		{`"keyslots":{`, "\"\u212aeyslots\":{"}, // KELVIN SIGN folds to k
		{`"config":{`, `"CONFIG":{`},
		{`"json_size":`, `"JSON_size":`},
		{`"kdf":{`, `"KDF":{`},
		{`"af":{`, `"Af":{`},
		{`"stripes":`, `"Stripes":`},
		{`"offset":"32768"`, `"Offset":"32768"`},
		{`"sector_size":`, `"Sector_Size":`},
		{`"keyslots":["0"]`, `"KeySlots":["0"]`},
		{`"type":"crypt"`, `"Type":"crypt"`},
	} {
		edited := strings.Replace(text, tc.old, tc.new, 1)
		if edited == text {
			t.Fatalf("%s not found in %s", tc.old, text)
		}
		dev := formatted(t, TestParams())
		setJSON(dev, []byte(edited))
		if _, err := ReadHeader(dev); !errors.Is(err, ErrCorrupt) {
			t.Errorf("key %s: ReadHeader = %v, want ErrCorrupt", tc.new, err)
		}
	}
	// The exact names still parse (setJSON itself changes nothing else).
	dev := formatted(t, TestParams())
	setJSON(dev, []byte(text))
	if _, err := ReadHeader(dev); err != nil {
		t.Errorf("unchanged text: %v", err)
	}
}
