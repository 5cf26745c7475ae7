package disk

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/luks2"
	"github.com/atrest-sim/atrest/internal/xts"
)

// patternKey returns n recognizable key bytes: 0xA5, 0xB8, 0xCB, ... (never
// 0, and a nonzero high nibble for most bytes, so hex words have no leading
// zeros to drop).
func patternKey(n int, base byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = base + byte(i)*19
		if b[i] < 0x10 {
			b[i] |= 0x80
		}
	}
	return b
}

// prefixReader serves prefix, then the bytes of a seeded reader, so that
// only the key drawn first carries the pattern (salts and ids printed in
// headers must not look like leaks).
type prefixReader struct {
	prefix []byte
	rest   io.Reader
}

func (r *prefixReader) Read(p []byte) (int, error) {
	if len(r.prefix) > 0 {
		n := copy(p, r.prefix)
		r.prefix = r.prefix[n:]
		return n, nil
	}
	return r.rest.Read(p)
}

// leakNeedles returns what secret would look like in fmt output: every
// 4-byte window at an even offset raw, %q-escaped, as lower-case hex, as decimal bytes
// ("165 184 203 222"), and as a 32-bit word in decimal and hex, big- and
// little-endian (an AES key schedule is printed as []uint32 or [60]uint32).
func leakNeedles(secret []byte) []string {
	var out []string
	for i := 0; i+4 <= len(secret); i += 2 {
		w := secret[i : i+4]
		q := strconv.Quote(string(w))
		out = append(out, string(w), q[1:len(q)-1], fmt.Sprintf("%x", w),
			fmt.Sprintf("%d %d %d %d", w[0], w[1], w[2], w[3]))
		for _, u := range []uint32{binary.BigEndian.Uint32(w), binary.LittleEndian.Uint32(w)} {
			out = append(out, strconv.FormatUint(uint64(u), 10), strconv.FormatUint(uint64(u), 16))
		}
	}
	return out
}

// shortDev is a Device that keeps its Media two pointers away, so that a
// printed Volume shows no sector data: the search for keys then stays fast,
// and a header's salts cannot be mistaken for a leak.
type shortDev struct{ m *Media }

func (d *shortDev) SectorSize() int                           { return d.m.SectorSize() }
func (d *shortDev) Sectors() uint64                           { return d.m.Sectors() }
func (d *shortDev) ReadSectors(p []byte, first uint64) error  { return d.m.ReadSectors(p, first) }
func (d *shortDev) WriteSectors(p []byte, first uint64) error { return d.m.WriteSectors(p, first) }

type exportedField[T any] struct{ X T }
type unexportedField[T any] struct{ x T }

// holders returns p and *p, each alone, as the exported and the unexported
// field of a struct (by value and behind a pointer), and in a slice. The
// copy is made in generic code so that vet's copylocks check, which cannot
// see that T holds a mutex or pool, lets it be; nothing uses the copy but
// fmt.
func holders[T any](p *T) []any {
	v := *p
	return []any{
		p, v, []*T{p}, []T{v},
		exportedField[*T]{p}, &exportedField[*T]{p}, unexportedField[*T]{p}, &unexportedField[*T]{p},
		exportedField[T]{v}, &exportedField[T]{v}, unexportedField[T]{v}, &unexportedField[T]{v},
	}
}

// TestNoKeyInFmtOutput formats every type of this package that holds key
// material, a cipher or an unwrapped DEK's layer (Volume of both kinds,
// Managed under one and two keys, the temp disk under encryption at host,
// the crypt layer, xts.Cipher, the LUKS2 header, configurations holding a
// seeded reader) under every verb, alone
// and as an exported or unexported field, by value and by pointer, and
// searches the output for the keys: the random volume keys, the DEKs and the
// XTS keys derived from them. Before the volume key moved behind two
// pointers, %s on a struct with an unexported *Volume field printed it;
// with xts.Cipher's schedules one pointer away, %s on a struct holding a
// Cipher printed the round keys.
func TestNoKeyInFmtOutput(t *testing.T) {
	var secrets [][]byte
	var subjects []any

	for i, kind := range []VolumeKind{BitLocker, DMCrypt} {
		vk := patternKey(volumeKeySize, 0xA5+byte(i))
		secrets = append(secrets, vk)
		media, err := NewMedia(512, 8192)
		if err != nil {
			t.Fatal(err)
		}
		dev := &shortDev{media}
		mode := EncryptInPlace
		if kind == DMCrypt {
			mode = EncryptFormatAll
		}
		v, err := EncryptVolume(dev, bek, VolumeConfig{Kind: kind, Mode: mode, KDFIterations: testIter,
			Rand: &prefixReader{vk, envelope.NewSeededReader(uint64(i))}})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(v.layer.rawKey(), vk) {
			t.Fatal("volume key is not the pattern drawn first")
		}
		subjects = append(subjects, holders(v)...)
		subjects = append(subjects, holders(v.layer)...)
		subjects = append(subjects, holders(v.layer.c)...)
		if kind == DMCrypt {
			h, err := luks2.ReadHeader(deviceIO{dev})
			if err != nil {
				t.Fatal(err)
			}
			subjects = append(subjects, holders(h)...)
		}
	}

	for i, enc := range []Encryption{EncryptionPlatformKey, EncryptionPlatformAndCustomerKeys} {
		deks := append(patternKey(envelope.DEKSize, 0xC1+byte(i)), patternKey(envelope.DEKSize, 0xD3+byte(i))...)
		cfg := ManagedConfig{SectorSize: 512, Sectors: 1024, Encryption: enc, PMK: newKEK(t, 1, "pmk/1"),
			Rand: &prefixReader{deks, envelope.NewSeededReader(9)}}
		infos := []string{ssePlatformKeyInfo}
		if enc == EncryptionPlatformAndCustomerKeys {
			cfg.CMK = newKEK(t, 2, "cmk/1")
			infos = append(infos, sseCustomerKeyInfo)
		}
		m, err := NewManaged(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for j, info := range infos {
			dek := deks[j*envelope.DEKSize : (j+1)*envelope.DEKSize]
			xk, err := hkdf.Key(sha256.New, dek, nil, info, xts.KeySize)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, dek, xk)
		}
		subjects = append(subjects, holders(m)...)
		subjects = append(subjects, holders(m.top)...)
		// The host's handles: the opened disk and the cache encryption,
		// keyed from the DEK of the layer nearest the guest; the opened
		// disk both with the disk's cached stack and with a stack of its
		// own (opened while the disk is locked).
		guest := deks[(len(infos)-1)*envelope.DEKSize : len(infos)*envelope.DEKSize]
		ck, err := hkdf.Key(sha256.New, guest, nil, hostCacheKeyInfo, xts.KeySize)
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, ck)
		open, _, cl := openCache(t, m, 1024)
		m.Lock()
		own, err := m.Opened()
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, holders(open)...)
		subjects = append(subjects, holders(own)...)
		subjects = append(subjects, holders(&cl)...)
	}

	hostKey := patternKey(envelope.DEKSize, 0xE7)
	hk, err := envelope.NewDEK(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	xk, err := hkdf.Key(sha256.New, hostKey, nil, hostKeyInfo, xts.KeySize)
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, hostKey, xk)
	tmp, err := NewTemp(512, 1024)
	if err != nil {
		t.Fatal(err)
	}
	host, err := NewHostEncryption(tmp, hk)
	if err != nil {
		t.Fatal(err)
	}
	subjects = append(subjects, holders(tmp)...)
	subjects = append(subjects, holders(&host)...)

	// A seeded reader's state is every future key: configurations holding
	// one must not print its seed (the generator keeps it in its state).
	seed := patternKey(8, 0x9B)
	secrets = append(secrets, seed)
	rd := envelope.NewSeededReader(binary.LittleEndian.Uint64(seed))
	subjects = append(subjects, holders(&VolumeConfig{Kind: DMCrypt, Rand: rd})...)
	subjects = append(subjects, holders(&ManagedConfig{Encryption: EncryptionPlatformKey, Rand: rd})...)

	var needles []string
	for _, s := range secrets {
		needles = append(needles, leakNeedles(s)...)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q", "%t"} {
		for i, s := range subjects {
			out := fmt.Sprintf(verb, s)
			lower := strings.ToLower(out)
			for _, n := range needles {
				if strings.Contains(out, n) || strings.Contains(lower, n) {
					t.Fatalf("%s of subject %d (%T) shows key material %q:\n%.400s", verb, i, s, n, out)
				}
			}
		}
	}
}

// TestManagedKeepsNoDEK checks that a managed disk drops its unwrapped
// DEKs once it has derived its keys from them: no field of Managed or of
// the host's view of it holds an envelope.DEK.
func TestManagedKeepsNoDEK(t *testing.T) {
	dek := reflect.TypeFor[envelope.DEK]()
	for _, typ := range []reflect.Type{reflect.TypeFor[Managed](), reflect.TypeFor[HostView]()} {
		for f := range typ.Fields() {
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft == dek {
				t.Errorf("%v.%s holds an envelope.DEK", typ, f.Name)
			}
		}
	}
}

// TestKeyDerivation pins the key derivations the package doc documents
// (Keys): under double encryption the platform layer, next to the media,
// and the customer layer each use HKDF-SHA-256(DEK, no salt, info of the
// role, 64 bytes), and the host's cache key is HKDF-SHA-256 of the DEK
// nearest the guest with the cache info; sector s has tweak s.
func TestKeyDerivation(t *testing.T) {
	pdek, cdek := patternKey(envelope.DEKSize, 0xC1), patternKey(envelope.DEKSize, 0xD3)
	m, err := NewManaged(ManagedConfig{SectorSize: 512, Sectors: 64, Encryption: EncryptionPlatformAndCustomerKeys,
		PMK: newKEK(t, 1, "pmk/1"), CMK: newKEK(t, 2, "cmk/1"),
		Rand: &prefixReader{append(slices.Clone(pdek), cdek...), envelope.NewSeededReader(9)}})
	if err != nil {
		t.Fatal(err)
	}
	cipher := func(dek []byte, info string) *xts.Cipher {
		k, err := hkdf.Key(sha256.New, dek, nil, info, xts.KeySize)
		if err != nil {
			t.Fatal(err)
		}
		c, err := xts.New(k)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	plain := patternKey(1024, 0x11) // two sectors
	const first = 5
	seal := func(plain []byte, cs ...*xts.Cipher) []byte {
		out := slices.Clone(plain)
		for _, c := range cs {
			for i := 0; i < len(out); i += 512 {
				c.Encrypt(out[i:i+512], out[i:i+512], uint64(first+i/512))
			}
		}
		return out
	}
	if err := m.WriteSectors(plain, first); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(plain))
	if err := m.Raw().ReadSectors(got, first); err != nil {
		t.Fatal(err)
	}
	if want := seal(plain, cipher(cdek, sseCustomerKeyInfo), cipher(pdek, ssePlatformKeyInfo)); !bytes.Equal(got, want) {
		t.Error("the SSE media are not the documented derivation")
	}
	for _, lock := range []bool{false, true} { // the cached stack, and a view's own
		if lock {
			m.Lock()
		}
		_, cache, cl := openCache(t, m, 64)
		if err := cl.WriteSectors(plain, first); err != nil {
			t.Fatal(err)
		}
		if err := cache.ReadSectors(got, first); err != nil {
			t.Fatal(err)
		}
		if want := seal(plain, cipher(cdek, hostCacheKeyInfo)); !bytes.Equal(got, want) {
			t.Errorf("locked %v: the host cache is not the documented derivation", lock)
		}
	}
}

// openCache opens m as a host does and stacks cache encryption with the
// opened view on fresh media of n 512-byte sectors.
func openCache(t *testing.T, m *Managed, n uint64) (*HostView, *Media, Device) {
	t.Helper()
	open, err := m.Opened()
	if err != nil {
		t.Fatal(err)
	}
	media, err := NewMedia(512, n)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := NewCacheEncryption(media, open)
	if err != nil {
		t.Fatal(err)
	}
	return open, media, cl
}
