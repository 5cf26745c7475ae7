package disk

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
)

// switchKEK is a KEK that a test can make unavailable, the way a disabled
// vault key or a revoked disk encryption set identity is.
type switchKEK struct {
	*envelope.AESKEK
	mu      sync.Mutex
	down    error
	unwraps int
}

var errDisabled = errors.New("test: key disabled")

func (k *switchKEK) set(err error) { k.mu.Lock(); k.down = err; k.mu.Unlock() }

func (k *switchKEK) Unwrap(w *envelope.Wrapped) (*envelope.DEK, error) {
	k.mu.Lock()
	err := k.down
	k.unwraps++
	k.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return k.AESKEK.Unwrap(w)
}

func newKEK(t testing.TB, seed uint64, id string) *switchKEK {
	t.Helper()
	k, err := envelope.GenerateAESKEK(envelope.NewSeededReader(seed), id, envelope.A256KW)
	if err != nil {
		t.Fatal(err)
	}
	return &switchKEK{AESKEK: k}
}

func newManaged(t testing.TB, enc Encryption, pmk, cmk envelope.KEK) *Managed {
	t.Helper()
	cfg := ManagedConfig{SectorSize: 512, Sectors: 1 << 21, Encryption: enc, Rand: envelope.NewSeededReader(7)}
	if pmk != nil {
		cfg.PMK = pmk
	}
	if cmk != nil {
		cfg.CMK = cmk
	}
	m, err := NewManaged(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var secret = bytes.Repeat([]byte("customers.csv: alice,4111-1111; "), 64) // 2 KiB

func TestManagedRoundTripAndRaw(t *testing.T) {
	for _, enc := range []Encryption{EncryptionPlatformKey, EncryptionCustomerKey, EncryptionPlatformAndCustomerKeys} {
		t.Run(enc.String(), func(t *testing.T) {
			var pmk, cmk envelope.KEK
			if enc != EncryptionCustomerKey {
				pmk = newKEK(t, 1, "pmk/1")
			}
			if enc != EncryptionPlatformKey {
				cmk = newKEK(t, 2, "https://v.vault/keys/des/1")
			}
			m := newManaged(t, enc, pmk, cmk)
			if err := m.WriteSectors(secret, 100); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(secret)+512)
			if err := m.ReadSectors(got, 100); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[:len(secret)], secret) || !isZero(got[len(secret):]) {
				t.Errorf("ReadSectors does not return what was written, then zeros")
			}
			raw := make([]byte, len(secret))
			if err := m.Raw().ReadSectors(raw, 100); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(raw, []byte("alice")) || bytes.Equal(raw, secret) {
				t.Errorf("raw media holds plaintext")
			}
			if n := len(m.WrappedKeys()); n != len(enc.roles()) {
				t.Errorf("WrappedKeys() has %d keys, want %d", n, len(enc.roles()))
			}
		})
	}
}

func TestManagedConfigErrors(t *testing.T) {
	k := newKEK(t, 1, "k/1")
	for _, tc := range []struct {
		name string
		cfg  ManagedConfig
		want error
	}{
		{"no encryption type", ManagedConfig{SectorSize: 512, Sectors: 8, PMK: k}, ErrKeyRole},
		{"PMK without KEK", ManagedConfig{SectorSize: 512, Sectors: 8, Encryption: EncryptionPlatformKey}, ErrKeyRole},
		{"CMK with PMK only", ManagedConfig{SectorSize: 512, Sectors: 8, Encryption: EncryptionCustomerKey, PMK: k}, ErrKeyRole},
		{"double with one key", ManagedConfig{SectorSize: 512, Sectors: 8, Encryption: EncryptionPlatformAndCustomerKeys, CMK: k}, ErrKeyRole},
		{"bad geometry", ManagedConfig{SectorSize: 520, Sectors: 8, Encryption: EncryptionPlatformKey, PMK: k}, ErrGeometry},
	} {
		if _, err := NewManaged(tc.cfg); !errors.Is(err, tc.want) {
			t.Errorf("%s: NewManaged = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestManagedKeyUnavailable models F47: with the customer key disabled and
// the cache dropped, reads and writes fail naming the key, and nothing is
// written; re-enabling the key brings the disk back.
func TestManagedKeyUnavailable(t *testing.T) {
	pmk, cmk := newKEK(t, 1, "pmk/1"), newKEK(t, 2, "https://v.vault/keys/des/3")
	m := newManaged(t, EncryptionPlatformAndCustomerKeys, pmk, cmk)
	if err := m.WriteSectors(secret, 0); err != nil {
		t.Fatal(err)
	}
	cmk.set(errDisabled)
	if !m.Unlocked() {
		t.Fatalf("disk locked before Lock")
	}
	// Cached keys keep working until the service drops them.
	if err := m.ReadSectors(make([]byte, 512), 0); err != nil {
		t.Fatalf("read with cached keys = %v", err)
	}
	m.Lock()
	written := m.Raw().Written()
	for _, op := range []string{"read", "write", "unlock"} {
		var err error
		switch op {
		case "read":
			err = m.ReadSectors(make([]byte, 512), 0)
		case "write":
			err = m.WriteSectors(bytes.Repeat([]byte{9}, 4096), 4000)
		case "unlock":
			err = m.Unlock()
		}
		var ke *KeyError
		if !errors.As(err, &ke) || !errors.Is(err, ErrKeyUnavailable) || !errors.Is(err, errDisabled) {
			t.Fatalf("%s with disabled CMK = %v, want a *KeyError matching ErrKeyUnavailable and the KEK's error", op, err)
		}
		if ke.Op != op || ke.Role != CustomerKey || ke.KeyID != "https://v.vault/keys/des/3" {
			t.Errorf("%s: KeyError = %+v, want op %q, customer key des/3", op, ke, op)
		}
	}
	if w := m.Raw().Written(); w != written {
		t.Errorf("failed write changed the media: %d sectors written, was %d", w, written)
	}
	cmk.set(nil)
	got := make([]byte, len(secret))
	if err := m.ReadSectors(got, 0); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("read after re-enabling = %v, equal %v", err, bytes.Equal(got, secret))
	}
	// Losing the platform key also stops a double-encrypted disk.
	pmk.set(errDisabled)
	if err := m.Unlock(); !errors.Is(err, errDisabled) {
		t.Errorf("Unlock with the platform key down = %v", err)
	} else if ke := (*KeyError)(nil); errors.As(err, &ke) && ke.Role != PlatformKey {
		t.Errorf("KeyError.Role = %v, want platform", ke.Role)
	}
}

// TestManagedRewrapNoReencryption rotates the customer key and checks that
// no sector is encrypted again and the old KEK is no longer needed.
func TestManagedRewrapNoReencryption(t *testing.T) {
	old, next := newKEK(t, 2, "des/1"), newKEK(t, 3, "des/2")
	m := newManaged(t, EncryptionCustomerKey, nil, old)
	if err := m.WriteSectors(bytes.Repeat(secret, 64), 0); err != nil {
		t.Fatal(err)
	}
	sealed := m.top.sealed.Load()
	raw := m.Raw().Clone()
	if err := m.Rewrap(CustomerKey, next); err != nil {
		t.Fatal(err)
	}
	if got := m.top.sealed.Load(); got != sealed {
		t.Errorf("rotation encrypted %d sectors, want 0", got-sealed)
	}
	a, b := make([]byte, 4096), make([]byte, 4096)
	raw.ReadSectors(a, 0)
	m.Raw().ReadSectors(b, 0)
	if !bytes.Equal(a, b) {
		t.Errorf("rotation changed the media")
	}
	if w := m.WrappedKeys()[0].Wrapped.KeyID; w != "des/2" {
		t.Errorf("wrapped key id = %q, want des/2", w)
	}
	old.set(errDisabled)
	m.Lock()
	if err := m.ReadSectors(b, 0); err != nil || !bytes.Equal(b, bytes.Repeat(secret, 64)[:4096]) {
		t.Errorf("read after rotation with the old key disabled = %v", err)
	}
	if err := m.Rewrap(PlatformKey, next); !errors.Is(err, ErrKeyRole) {
		t.Errorf("Rewrap(PlatformKey) on a CMK disk = %v, want ErrKeyRole", err)
	}
	// Rotation needs the current key: with it disabled nothing changes.
	next.set(errDisabled)
	if err := m.Rewrap(CustomerKey, old); !errors.Is(err, ErrKeyUnavailable) {
		t.Errorf("Rewrap with the current key down = %v, want ErrKeyUnavailable", err)
	}
	if w := m.WrappedKeys()[0].Wrapped.KeyID; w != "des/2" {
		t.Errorf("failed Rewrap changed the key to %q", w)
	}
}

func TestManagedClone(t *testing.T) {
	m := newManaged(t, EncryptionPlatformKey, newKEK(t, 1, "pmk/1"), nil)
	m.WriteSectors(secret, 0)
	c := m.Clone()
	if c.Unlocked() {
		t.Errorf("clone starts unlocked")
	}
	m.WriteSectors(make([]byte, 512), 0)
	got := make([]byte, len(secret))
	if err := c.ReadSectors(got, 0); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("clone read = %v, equal %v", err, bytes.Equal(got, secret))
	}
}

// TestManagedTamper flips bits on the media: reads still work (XTS has no
// integrity) and only the 16-byte block that was hit changes.
func TestManagedTamper(t *testing.T) {
	m := newManaged(t, EncryptionPlatformKey, newKEK(t, 1, "pmk/1"), nil)
	m.WriteSectors(secret[:512], 3)
	raw := make([]byte, 512)
	m.Raw().ReadSectors(raw, 3)
	raw[100] ^= 0x40
	m.Raw().WriteSectors(raw, 3)
	got := make([]byte, 512)
	if err := m.ReadSectors(got, 3); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 512; i += 16 {
		same := bytes.Equal(got[i:i+16], secret[i:i+16])
		if same == (i == 96) {
			t.Errorf("block at %d: unchanged = %v after flipping a bit in block 96", i, same)
		}
	}
}

func TestManagedRedacted(t *testing.T) {
	dekBytes := bytes.Repeat([]byte{0xA5}, 32)
	kek, err := envelope.NewAESKEK("pmk/1", envelope.A256KW, dekBytes)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewManaged(ManagedConfig{SectorSize: 512, Sectors: 64, Encryption: EncryptionPlatformKey, PMK: kek,
		Rand: bytes.NewReader(dekBytes)}) // the DEK is 0xA5 x 32 too
	if err != nil {
		t.Fatal(err)
	}
	ke := &KeyError{Op: "read", Role: PlatformKey, KeyID: "pmk/1", Err: errDisabled}
	for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%s", "%d"} {
		out := fmt.Sprintf(verb, m) + fmt.Sprintf(verb, ke) + fmt.Sprintf(verb, m.WrappedKeys())
		if l := strings.ToLower(out); strings.Contains(l, "a5a5") || strings.Contains(out, "165 165") {
			t.Errorf("Sprintf(%q) leaks key bytes: %.300s", verb, out)
		}
	}
}

// failAfterDev passes writes to a Media until ok writes have succeeded,
// then fails every write.
type failAfterDev struct {
	*Media
	ok int
}

var errWriteFailed = errors.New("test: write failed")

func (d *failAfterDev) WriteSectors(p []byte, first uint64) error {
	if d.ok == 0 {
		return errWriteFailed
	}
	d.ok--
	return d.Media.WriteSectors(p, first)
}

// TestCryptLayerSealedCountsOnlyWrites checks that the sealed counter,
// which TestManagedRewrapNoReencryption relies on, counts only sectors
// whose encrypted write succeeded: a failed write of one sector counts
// nothing, and a write failing on its second 64 KiB chunk counts the first
// chunk only. (It used to count before writing.)
func TestCryptLayerSealedCountsOnlyWrites(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ok, length int
		want       uint64
	}{
		{"one sector, write fails", 0, 512, 0},
		{"two chunks, second fails", 1, 2 * layerChunk, layerChunk / 512},
		{"two chunks, both written", 2, 2 * layerChunk, 2 * layerChunk / 512},
	} {
		media, err := NewMedia(512, 1024)
		if err != nil {
			t.Fatal(err)
		}
		dek, err := envelope.NewDEK(bytes.Repeat([]byte{0xA5}, envelope.DEKSize))
		if err != nil {
			t.Fatal(err)
		}
		l, err := newCryptLayer(&failAfterDev{media, tc.ok}, dek, ssePlatformKeyInfo)
		if err != nil {
			t.Fatal(err)
		}
		err = l.WriteSectors(make([]byte, tc.length), 0)
		if wantErr := tc.ok*layerChunk < tc.length; wantErr != errors.Is(err, errWriteFailed) {
			t.Errorf("%s: WriteSectors = %v", tc.name, err)
		}
		if got := l.sealed.Load(); got != tc.want {
			t.Errorf("%s: sealed = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestSSERolesDeriveDistinctKeys checks F55's two independent layers: the
// same DEK keys the platform (infrastructure) layer and the customer layer
// differently, because each role has its own HKDF info. Two disks drawing
// the same DEK from the same seed, one under a platform key and one under a
// customer key, store different ciphertext for the same sector. (With one
// info for both roles, as before, the media were equal.)
func TestSSERolesDeriveDistinctKeys(t *testing.T) {
	raw := func(enc Encryption, pmk, cmk envelope.KEK) []byte {
		m, err := NewManaged(ManagedConfig{SectorSize: 512, Sectors: 64, Encryption: enc, PMK: pmk, CMK: cmk,
			Rand: envelope.NewSeededReader(42)})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.WriteSectors(secret, 0); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 512)
		if err := m.Raw().ReadSectors(b, 0); err != nil {
			t.Fatal(err)
		}
		return b
	}
	p := raw(EncryptionPlatformKey, newKEK(t, 1, "pmk/1"), nil)
	c := raw(EncryptionCustomerKey, nil, newKEK(t, 2, "cmk/1"))
	if bytes.Equal(p, c) {
		t.Error("the platform and the customer layer encrypt alike under the same DEK")
	}
	if p2 := raw(EncryptionPlatformKey, newKEK(t, 3, "pmk/2"), nil); !bytes.Equal(p, p2) {
		t.Error("the same DEK and role gave different ciphertext (the comparison above proves nothing)")
	}
}

// TestHostCacheKeys checks the two handles a host keeps on a disk: the
// opened disk keeps reading after the disk is locked and its key revoked,
// and the cache encryption needs the disk's key chain (to open it), uses a
// key of its own (neither SSE layer's, nor the temp disk's host key), and
// is bound to the DEK of the layer nearest the guest.
func TestHostCacheKeys(t *testing.T) {
	pmk, cmk := newKEK(t, 1, "pmk/1"), newKEK(t, 2, "https://v.vault/keys/des/3")
	m := newManaged(t, EncryptionPlatformAndCustomerKeys, pmk, cmk)
	if err := m.WriteSectors(secret, 0); err != nil {
		t.Fatal(err)
	}
	open, err := m.Opened()
	if err != nil {
		t.Fatal(err)
	}
	cache, err := NewMedia(512, m.Sectors())
	if err != nil {
		t.Fatal(err)
	}
	seal, err := NewCacheEncryption(cache, open)
	if err != nil {
		t.Fatal(err)
	}
	if err := seal.WriteSectors(secret, 0); err != nil {
		t.Fatal(err)
	}
	atRest, media := make([]byte, len(secret)), make([]byte, len(secret))
	if err := cache.ReadSectors(atRest, 0); err != nil {
		t.Fatal(err)
	}
	if err := m.Raw().ReadSectors(media, 0); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(atRest, secret[:32]) || bytes.Equal(atRest, media) {
		t.Fatal("the cache at rest is plaintext or the SSE ciphertext")
	}
	cmk.set(errDisabled)
	m.Lock()
	got := make([]byte, len(secret))
	if err := open.ReadSectors(got, 0); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("opened disk after Lock and revocation: %v, equal %v", err, bytes.Equal(got, secret))
	}
	if _, err := m.Opened(); !errors.Is(err, ErrKeyUnavailable) || !errors.Is(err, errDisabled) {
		t.Fatalf("Opened with the CMK down = %v, want a *KeyError", err)
	}
	if m.Unlocked() {
		t.Fatal("a failed Opened unlocked the disk")
	}
	cmk.set(nil)
	again, err := m.Opened()
	if err != nil {
		t.Fatal(err)
	}
	if m.Unlocked() {
		t.Fatal("Opened unlocked a locked disk")
	}
	host, err := NewCacheEncryption(cache, again)
	if err != nil {
		t.Fatal(err)
	}
	if err := host.ReadSectors(got, 0); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("cache read back through the disk's chain: %v, equal %v", err, bytes.Equal(got, secret))
	}
	// Another disk (another DEK) cannot open this cache.
	other := newManaged(t, EncryptionCustomerKey, nil, newKEK(t, 3, "https://v.vault/keys/des/4"))
	otherView, err := other.Opened()
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := NewCacheEncryption(cache, otherView)
	if err != nil {
		t.Fatal(err)
	}
	if err := wrong.ReadSectors(got, 0); err != nil || bytes.Equal(got, secret) {
		t.Fatalf("another disk's cache key decrypts this cache: %v", err)
	}
	small, err := NewMedia(4096, 16)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewCacheEncryption(small, open); !errors.Is(err, ErrGeometry) {
		t.Errorf("NewCacheEncryption over 4096-byte sectors = %v, want ErrGeometry", err)
	}
	for name, f := range map[string]func(){
		"nil device": func() { NewCacheEncryption(nil, open) },
		"nil view":   func() { NewCacheEncryption(cache, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewCacheEncryption with a %s did not panic", name)
				}
			}()
			f()
		}()
	}
}

// TestOpenedIsReadOnly checks that the disk as a host holds it open is no
// way around the disk's key state: with the disk locked and its customer
// key failing, writes fail through the disk (F47) and through the opened
// view alike, and nothing reaches the media; and that opening a disk
// leaves it as locked or unlocked as it was.
func TestOpenedIsReadOnly(t *testing.T) {
	cmk := newKEK(t, 2, "https://v.vault/keys/des/3")
	m := newManaged(t, EncryptionCustomerKey, nil, cmk)
	if err := m.WriteSectors(secret, 0); err != nil {
		t.Fatal(err)
	}
	open, err := m.Opened()
	if err != nil {
		t.Fatal(err)
	}
	if !m.Unlocked() {
		t.Fatal("Opened locked an unlocked disk")
	}
	gen := m.Raw().Generation()
	if err := open.WriteSectors(secret, 0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("WriteSectors through the opened disk = %v, want ErrReadOnly", err)
	}
	cmk.set(errDisabled)
	m.Lock()
	if err := m.WriteSectors(secret, 0); !errors.Is(err, ErrKeyUnavailable) {
		t.Fatalf("WriteSectors on the locked disk = %v, want ErrKeyUnavailable", err)
	}
	if err := open.WriteSectors(secret, 0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("WriteSectors through the opened disk, key down = %v, want ErrReadOnly", err)
	}
	if err := open.WriteSectors(secret[:100], 0); !errors.Is(err, ErrAlign) {
		t.Errorf("misaligned WriteSectors through the opened disk = %v, want ErrAlign", err)
	}
	if got := m.Raw().Generation(); got != gen {
		t.Errorf("media generation %d after refused writes, want %d", got, gen)
	}
	if m.Unlocked() {
		t.Error("the disk is unlocked after refused writes")
	}
	cmk.set(nil)
	if _, err := m.Opened(); err != nil {
		t.Fatal(err)
	}
	if m.Unlocked() {
		t.Error("Opened unlocked a locked disk")
	}
}
