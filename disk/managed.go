package disk

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"sync"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/xts"
)

// Encryption is the server-side encryption type of a managed disk, named as
// the disk's encryption.type property names it (FACTS.md F54). There is no
// "none": SSE cannot be turned off (F43).
type Encryption int

// The encryption types. The zero value is invalid.
const (
	// EncryptionUnknown is the invalid zero value.
	EncryptionUnknown Encryption = iota
	// EncryptionPlatformKey is SSE under a platform-managed key (PMK), the
	// default (F45).
	EncryptionPlatformKey
	// EncryptionCustomerKey is SSE under a customer-managed key (CMK) held in
	// a key vault and reached through a disk encryption set (F45).
	EncryptionCustomerKey
	// EncryptionPlatformAndCustomerKeys is double encryption: an
	// infrastructure layer under a platform key beneath a layer under the
	// customer key, with independent DEKs (F55).
	EncryptionPlatformAndCustomerKeys
)

// String returns the Azure name of the encryption type.
func (e Encryption) String() string {
	switch e {
	case EncryptionPlatformKey:
		return "EncryptionAtRestWithPlatformKey"
	case EncryptionCustomerKey:
		return "EncryptionAtRestWithCustomerKey"
	case EncryptionPlatformAndCustomerKeys:
		return "EncryptionAtRestWithPlatformAndCustomerKeys"
	}
	return fmt.Sprintf("Encryption(%d)", int(e))
}

// roles lists the key roles of e from the media up.
func (e Encryption) roles() []KeyRole {
	switch e {
	case EncryptionPlatformKey:
		return []KeyRole{PlatformKey}
	case EncryptionCustomerKey:
		return []KeyRole{CustomerKey}
	case EncryptionPlatformAndCustomerKeys:
		return []KeyRole{PlatformKey, CustomerKey}
	}
	return nil
}

// KeyRole names the key that protects one SSE layer.
type KeyRole int

// The key roles. The zero value is invalid.
const (
	// RoleUnknown is the invalid zero value.
	RoleUnknown KeyRole = iota
	// PlatformKey is a platform-managed key; under double encryption it
	// protects the infrastructure layer, next to the media.
	PlatformKey
	// CustomerKey is the customer-managed key of a disk encryption set.
	CustomerKey
)

// String returns "platform" or "customer".
func (r KeyRole) String() string {
	switch r {
	case PlatformKey:
		return "platform"
	case CustomerKey:
		return "customer"
	}
	return fmt.Sprintf("KeyRole(%d)", int(r))
}

// sectorKeyInfo is the HKDF info that derives the XTS key of an SSE layer
// with role r from its DEK.
func (r KeyRole) sectorKeyInfo() string {
	if r == PlatformKey {
		return ssePlatformKeyInfo
	}
	return sseCustomerKeyInfo
}

// ManagedConfig describes a new managed disk.
type ManagedConfig struct {
	// SectorSize is 512 or 4096.
	SectorSize int
	// Sectors is the size of the disk in sectors.
	Sectors uint64
	// Encryption is the SSE type; it decides which of PMK and CMK are needed.
	Encryption Encryption
	// PMK wraps the DEK of the platform layer.
	PMK envelope.KEK
	// CMK wraps the DEK of the customer layer; lifecycle passes a KEK backed
	// by the vault key of the disk encryption set.
	CMK envelope.KEK
	// Rand is the source of the DEKs; nil means crypto/rand.
	Rand io.Reader
}

// Managed is a managed disk with server-side encryption (SSE, FACTS.md
// F43-F55): every sector written is encrypted with XTS-AES-256 under the
// disk's own DEK before it reaches the [Media], and there is no way to turn
// that off. Each DEK is wrapped by a key-encryption key: a platform key, a
// customer key, or one of each over two independent layers.
//
// The storage service caches the unwrapped DEKs while the disk is unlocked,
// as the keys derived from them (the DEKs themselves are not kept).
// I/O on a locked disk first unwraps them through the KEKs; if a KEK fails
// (disabled, deleted, access revoked) the I/O fails with a [*KeyError] and
// nothing is written. [Managed.Unlock] re-validates the chain and
// [Managed.Lock] drops the cache: lifecycle calls them at attach and start
// and when the one-hour grace of F47 ends.
//
// A Managed is safe for concurrent use.
type Managed struct {
	media *Media
	enc   Encryption

	mu     sync.Mutex
	layers []*sseLayer // from the media up
	top    *cryptLayer // the unlocked stack, nil when locked
	// cacheKey is the XTS key of the host's cache (NewCacheEncryption),
	// derived when the stack is built from the DEK of the layer nearest
	// the guest, which is then dropped; nil when locked. Like a layer's
	// key it sits two pointers away from m.
	cacheKey *layerKey
}

var _ Device = (*Managed)(nil)

// sseLayer is one SSE layer: its key role, its KEK, its wrapped DEK.
type sseLayer struct {
	role    KeyRole
	kek     envelope.KEK
	wrapped *envelope.Wrapped
}

// copyWrapped returns a copy of the wrapped DEK that shares no memory with
// the layer's.
func (l *sseLayer) copyWrapped() *envelope.Wrapped {
	w := *l.wrapped
	w.Ciphertext = bytes.Clone(w.Ciphertext)
	return &w
}

// NewManaged creates an empty managed disk: it draws one DEK per layer from
// cfg.Rand (32 bytes each; the platform layer's first under double
// encryption), wraps each under its KEK, and returns the disk unlocked.
func NewManaged(cfg ManagedConfig) (*Managed, error) {
	roles := cfg.Encryption.roles()
	if roles == nil {
		return nil, fmt.Errorf("%w: encryption type %v", ErrKeyRole, cfg.Encryption)
	}
	for _, r := range roles {
		if cfg.kek(r) == nil {
			return nil, fmt.Errorf("%w: %v needs a %s KEK", ErrKeyRole, cfg.Encryption, r)
		}
	}
	if cfg.Encryption == EncryptionPlatformKey && cfg.CMK != nil || cfg.Encryption == EncryptionCustomerKey && cfg.PMK != nil {
		return nil, fmt.Errorf("%w: %v takes one KEK", ErrKeyRole, cfg.Encryption)
	}
	media, err := NewMedia(cfg.SectorSize, cfg.Sectors)
	if err != nil {
		return nil, err
	}
	m := &Managed{media: media, enc: cfg.Encryption}
	deks := make([]*envelope.DEK, len(roles))
	for i, r := range roles {
		dek, err := envelope.GenerateDEK(randOrDefault(cfg.Rand))
		if err != nil {
			return nil, fmt.Errorf("disk: %w", err)
		}
		kek := cfg.kek(r)
		w, err := kek.Wrap(dek)
		if err != nil {
			return nil, &KeyError{Op: "create", Role: r, KeyID: kek.KeyID(), Err: err}
		}
		deks[i] = dek
		m.layers = append(m.layers, &sseLayer{role: r, kek: kek, wrapped: w})
	}
	if err := m.stack(deks); err != nil {
		return nil, err
	}
	return m, nil
}

func (c *ManagedConfig) kek(r KeyRole) envelope.KEK {
	if r == PlatformKey {
		return c.PMK
	}
	return c.CMK
}

// stack builds the layers over the media from the unwrapped DEKs, one per
// layer of m.layers, and makes them m's unlocked stack. m.mu must be held
// (or m not yet shared).
func (m *Managed) stack(deks []*envelope.DEK) error {
	top, ck, err := m.build(deks)
	if err != nil {
		return err
	}
	m.top, m.cacheKey = top, ck
	return nil
}

// build builds the layers over the media from the unwrapped DEKs, one per
// layer of m.layers, and derives the host's cache key from the DEK of the
// layer nearest the guest. It keeps no DEK.
func (m *Managed) build(deks []*envelope.DEK) (*cryptLayer, *layerKey, error) {
	var dev Device = m.media
	var top *cryptLayer
	var ck *layerKey
	for i, dek := range deks {
		keyInfo := "" // the cache key comes from the DEK nearest the guest
		if i == len(deks)-1 {
			keyInfo = hostCacheKeyInfo
		}
		c, k, err := deriveCipherAndKey(dek, m.layers[i].role.sectorKeyInfo(), keyInfo)
		if err != nil {
			return nil, nil, err
		}
		top, ck = newCipherLayer(dev, c), k
		dev = top
	}
	return top, ck, nil
}

// drop forgets the unlocked stack. m.mu must be held.
func (m *Managed) drop() { m.top, m.cacheKey = nil, nil }

// Encryption returns the SSE type.
func (m *Managed) Encryption() Encryption { return m.enc }

// SectorSize returns the sector size in bytes.
func (m *Managed) SectorSize() int { return m.media.SectorSize() }

// Sectors returns the number of sectors.
func (m *Managed) Sectors() uint64 { return m.media.Sectors() }

// Unlock unwraps every DEK through its KEK and caches the result, replacing
// any cache. If a KEK fails it drops the cache and returns a [*KeyError]
// naming the first key that failed, from the media up.
func (m *Managed) Unlock() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drop()
	return m.unlockLocked("unlock")
}

func (m *Managed) unlockLocked(op string) error {
	deks, err := m.unwrap(op)
	if err != nil {
		return err
	}
	return m.stack(deks)
}

// unwrap unwraps every DEK through its KEK, from the media up, or returns a
// [*KeyError] naming the first key that failed. m.mu must be held.
func (m *Managed) unwrap(op string) ([]*envelope.DEK, error) {
	deks := make([]*envelope.DEK, len(m.layers))
	for i, l := range m.layers {
		dek, err := l.kek.Unwrap(l.wrapped)
		if err != nil {
			return nil, &KeyError{Op: op, Role: l.role, KeyID: l.kek.KeyID(), Err: err}
		}
		deks[i] = dek
	}
	return deks, nil
}

// Lock drops the cached DEKs. The next I/O or [Managed.Unlock] unwraps them
// again; I/O already under way finishes with the keys it started with.
func (m *Managed) Lock() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drop()
}

// Unlocked reports whether the DEKs are cached.
func (m *Managed) Unlocked() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.top != nil
}

// device returns the unlocked stack, unwrapping the DEKs if needed.
func (m *Managed) device(op string) (*cryptLayer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.top == nil {
		if err := m.unlockLocked(op); err != nil {
			return nil, err
		}
	}
	return m.top, nil
}

// ReadSectors reads and decrypts sectors through the storage service. It
// fails with a [*KeyError] when the key chain is unavailable. Sectors never
// written read as zeros.
func (m *Managed) ReadSectors(p []byte, first uint64) error {
	if _, err := CheckIO(m.SectorSize(), m.Sectors(), p, first); err != nil {
		return err
	}
	d, err := m.device("read")
	if err != nil {
		return err
	}
	return d.ReadSectors(p, first)
}

// WriteSectors encrypts p and stores the ciphertext on the media. It fails
// with a [*KeyError], writing nothing, when the key chain is unavailable.
func (m *Managed) WriteSectors(p []byte, first uint64) error {
	if _, err := CheckIO(m.SectorSize(), m.Sectors(), p, first); err != nil {
		return err
	}
	d, err := m.device("write")
	if err != nil {
		return err
	}
	return d.WriteSectors(p, first)
}

// NextWritten reports the next run of sectors ever written, as
// [Media.NextWritten] does; it needs no key.
func (m *Managed) NextWritten(from uint64) (first, n uint64, ok bool) {
	return m.media.NextWritten(from)
}

func (m *Managed) writtenBits(first, n uint64, bits []uint64) { m.media.writtenBits(first, n, bits) }

// Opened returns the disk as a VM host holds it open: a read-only view
// through its SSE layers with the cached DEKs or, when the disk is locked,
// with DEKs unwrapped now into a stack of the view's own (a [*KeyError]
// when the chain is unavailable). It leaves the disk as locked or unlocked
// as it was. The view keeps the keys it was opened with, the SSE layers'
// and the host's cache key ([NewCacheEncryption]): a later [Managed.Lock]
// or the loss of a KEK does not close it, as a host keeps the blocks it
// already holds in its cache. Writes through it fail with [ErrReadOnly]:
// writing goes through [Managed.WriteSectors], under the disk's current key
// state (F47). Whoever holds the view reads through SSE, so it must reach
// no party that should not.
func (m *Managed) Opened() (*HostView, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	top, ck := m.top, m.cacheKey
	if top == nil {
		deks, err := m.unwrap("open")
		if err != nil {
			return nil, err
		}
		if top, ck, err = m.build(deks); err != nil {
			return nil, err
		}
	}
	c, err := xts.New(ck.k[:])
	if err != nil {
		return nil, fmt.Errorf("disk: %v", err)
	}
	return &HostView{top: top, cache: c, scratch: new(sync.Pool)}, nil
}

// HostView is a managed disk as a VM host holds it open ([Managed.Opened]):
// read-only, through SSE with the keys the host held when it opened the
// disk. Sectors never written read as zeros, and NextWritten reports the
// written runs as [Media.NextWritten] does.
//
// Its keys sit at least two pointers away from a HostView value, and
// String, GoString and Format print a redacted description.
type HostView struct {
	top   *cryptLayer
	cache *xts.Cipher // the host's cache key (NewCacheEncryption)
	// scratch is the scratch space of the layers NewCacheEncryption
	// builds with the view, which share it.
	scratch *sync.Pool
}

var _ SparseDevice = (*HostView)(nil)

// SectorSize returns the sector size in bytes.
func (v *HostView) SectorSize() int { return v.top.SectorSize() }

// Sectors returns the number of sectors.
func (v *HostView) Sectors() uint64 { return v.top.Sectors() }

// ReadSectors reads and decrypts sectors with the keys of the view.
func (v *HostView) ReadSectors(p []byte, first uint64) error { return v.top.ReadSectors(p, first) }

// WriteSectors writes nothing: it fails with [ErrReadOnly] (or, for a bad
// transfer, the error [CheckIO] returns).
func (v *HostView) WriteSectors(p []byte, first uint64) error {
	if _, err := CheckIO(v.SectorSize(), v.Sectors(), p, first); err != nil {
		return err
	}
	return ErrReadOnly
}

// NextWritten reports the next run of sectors ever written, as
// [Media.NextWritten] does.
func (v *HostView) NextWritten(from uint64) (first, n uint64, ok bool) {
	return v.top.NextWritten(from)
}

func (v *HostView) writtenBits(first, n uint64, bits []uint64) { v.top.writtenBits(first, n, bits) }

// String describes the view without key material.
func (v *HostView) String() string {
	return fmt.Sprintf("HostView(%d x %d bytes, read-only, REDACTED)", v.Sectors(), v.SectorSize())
}

// GoString describes the view without key material.
func (v *HostView) GoString() string { return v.String() }

// Format prints String for every verb, so no verb reaches the keys.
func (v *HostView) Format(f fmt.State, verb rune) { io.WriteString(f, v.String()) }

// NewCacheEncryption stacks encryption at host for a host's cache of a
// managed disk (FACTS.md F57: "caches use the disk's PMK or CMK") on dev:
// XTS-AES-256 with the cache key of host, the disk as the host opened it.
// That key is derived by HKDF-SHA-256 (info "atrest/disk: encryption at
// host cache sector key, XTS-AES-256, v1") from the disk's DEK of the layer
// nearest the guest (the customer key's under CMK and double encryption);
// sector s is encrypted with tweak s. Opening host needed the disk's key
// chain (or its cached DEKs): a revoked customer key closes the cache to
// any host that does not already hold the key. Sectors dev never wrote
// read as zeros when dev can tell. It fails with [ErrGeometry] when the
// sector sizes differ, and panics when dev or host is nil.
func NewCacheEncryption(dev Device, host *HostView) (Device, error) {
	if dev == nil || host == nil {
		panic("disk: NewCacheEncryption needs a device and a host view")
	}
	if dev.SectorSize() != host.SectorSize() {
		return nil, fmt.Errorf("%w: cache of %d-byte sectors for a disk of %d-byte sectors", ErrGeometry, dev.SectorSize(), host.SectorSize())
	}
	l := newCipherLayer(dev, host.cache)
	l.shared = host.scratch
	return l, nil
}

// Raw returns the media: the ciphertext a storage-side insider or the thief
// of a drive holds. Writing to it bypasses SSE, as tampering with a drive
// would (XTS detects nothing; see the package doc, Security).
func (m *Managed) Raw() *Media { return m.media }

// Rewrap re-wraps the DEK of the layer with the given role under kek, for
// key rotation (F44, F50) or a new key of the disk encryption set. It
// unwraps the DEK through the current KEK, which must still work, and never
// re-encrypts a sector. On error nothing changes.
func (m *Managed) Rewrap(role KeyRole, kek envelope.KEK) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var l *sseLayer
	for _, x := range m.layers {
		if x.role == role {
			l = x
		}
	}
	if l == nil || kek == nil {
		return fmt.Errorf("%w: %v has no %s key to re-wrap", ErrKeyRole, m.enc, role)
	}
	dek, err := l.kek.Unwrap(l.wrapped)
	if err != nil {
		return &KeyError{Op: "rewrap", Role: role, KeyID: l.kek.KeyID(), Err: err}
	}
	w, err := kek.Wrap(dek)
	if err != nil {
		return &KeyError{Op: "rewrap", Role: role, KeyID: kek.KeyID(), Err: err}
	}
	l.kek, l.wrapped = kek, w
	return nil
}

// WrappedKey is the wrapped DEK of one SSE layer, as stored with the disk.
type WrappedKey struct {
	// Role is the layer's key role.
	Role KeyRole
	// Wrapped is the DEK wrapped by the layer's KEK; it names the KEK.
	Wrapped envelope.Wrapped
}

// WrappedKeys returns copies of the wrapped DEKs, from the media up.
func (m *Managed) WrappedKeys() []WrappedKey {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]WrappedKey, len(m.layers))
	for i, l := range m.layers {
		out[i] = WrappedKey{Role: l.role, Wrapped: *l.copyWrapped()}
	}
	return out
}

// Clone returns an independent copy of the disk: a copy of the media with
// the same wrapped DEKs under the same KEKs, as a snapshot or disk copy
// inherits the encryption of its source (F61). The copy starts locked.
// To re-encrypt a copy under other keys, read its plaintext through
// ReadSectors and write it to a new disk.
func (m *Managed) Clone() *Managed {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := &Managed{media: m.media.Clone(), enc: m.enc}
	for _, l := range m.layers {
		c.layers = append(c.layers, &sseLayer{role: l.role, kek: l.kek, wrapped: l.copyWrapped()})
	}
	return c
}

// String describes the disk without key material.
func (m *Managed) String() string {
	return fmt.Sprintf("Managed(%v, %d x %d bytes)", m.enc, m.Sectors(), m.SectorSize())
}

// GoString describes the disk without key material.
func (m *Managed) GoString() string { return m.String() }

// Format prints String for every verb, so no verb reaches the cached DEKs'
// layers.
func (m *Managed) Format(f fmt.State, verb rune) { io.WriteString(f, m.String()) }

// randOrDefault returns r, or crypto/rand's reader when r is nil.
func randOrDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
