package disk

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/xts"
)

// Info strings of the HKDF-SHA-256 derivations (no salt) that turn a 256-bit
// DEK into a 512-bit XTS-AES-256 key: data key, then tweak key. A distinct
// string per use keeps one DEK from ever keying two layers alike: the
// platform-key (infrastructure) layer and the customer-key layer of SSE
// differ (F55), and encryption at host differs from both.
const (
	ssePlatformKeyInfo = "atrest/disk: SSE platform-key layer sector key, XTS-AES-256, v1"
	sseCustomerKeyInfo = "atrest/disk: SSE customer-key layer sector key, XTS-AES-256, v1"
	hostKeyInfo        = "atrest/disk: encryption at host sector key, XTS-AES-256, v1"
	hostCacheKeyInfo   = "atrest/disk: encryption at host cache sector key, XTS-AES-256, v1"
)

// layerChunk is how many bytes a layer encrypts into its scratch buffer
// before handing them down: large enough to amortise the call down the
// stack, small enough to stay in cache.
const layerChunk = 64 << 10

// cryptLayer is one XTS-AES-256 layer over a device. Layer sector s is
// stored at device sector s+offset and encrypted with tweak s*scale: SSE
// and encryption at host use offset 0 and scale 1, a guest volume its data
// offset and, for LUKS2 with 4096-byte sectors, scale 8 (dm-crypt counts
// the tweak in 512-byte units). Sectors the device reports as never written
// read as zeros instead of decrypted zeros, so that a fresh disk reads
// blank through every layer, as a real one does.
//
// Key material sits at least two pointers away from a cryptLayer value (the
// cipher's schedules behind c, the raw key behind key), so that fmt, which
// dereferences at most one pointer below any value it prints, never reaches
// it; String, GoString and Format print a redacted description.
type cryptLayer struct {
	dev    Device
	sp     sparse // dev as sparse, or nil
	c      *xts.Cipher
	key    *layerKey // the raw key when the owner needs it again (Volume.AddBEK), else nil
	ss     int
	offset uint64    // device sectors before layer sector 0
	scale  uint64    // the tweak of layer sector s is s*scale
	pool   sync.Pool // *layerScratch
	// shared, when set, is used instead of pool: the layers a HostView
	// seals caches with share their scratch space.
	shared *sync.Pool
	// sealed counts the sectors encrypted and successfully written, for
	// tests that prove an operation re-encrypts nothing.
	sealed atomic.Uint64
}

// layerKey is the indirection that keeps a raw key two pointers away from
// the cryptLayer, as envelope.DEK keeps its bytes.
type layerKey struct{ k *[xts.KeySize]byte }

type layerScratch struct {
	buf  [layerChunk]byte
	bits [layerChunk / 512 / 64]uint64
}

// newCryptLayer derives an XTS key from dek with info and stacks a layer on
// dev with offset 0 and scale 1.
func newCryptLayer(dev Device, dek *envelope.DEK, info string) (*cryptLayer, error) {
	c, err := deriveCipher(dek, info)
	if err != nil {
		return nil, err
	}
	return newCipherLayer(dev, c), nil
}

// deriveCipher derives an XTS-AES-256 cipher from dek with info.
func deriveCipher(dek *envelope.DEK, info string) (*xts.Cipher, error) {
	c, _, err := deriveCipherAndKey(dek, info, "")
	return c, err
}

// deriveCipherAndKey derives from dek the XTS-AES-256 cipher of info and,
// when keyInfo is not empty, the raw 64-byte key of keyInfo behind the
// layerKey indirection: HKDF-SHA-256 with no salt, one extract and one
// expand per key (the same keys as hkdf.Key with each info).
func deriveCipherAndKey(dek *envelope.DEK, info, keyInfo string) (*xts.Cipher, *layerKey, error) {
	secret := dek.Bytes()
	defer clear(secret)
	prk, err := hkdf.Extract(sha256.New, secret, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("disk: deriving sector key: %v", err)
	}
	defer clear(prk)
	key, err := hkdf.Expand(sha256.New, prk, info, xts.KeySize)
	if err != nil {
		return nil, nil, fmt.Errorf("disk: deriving sector key: %v", err)
	}
	defer clear(key)
	c, err := xts.New(key)
	if err != nil {
		return nil, nil, fmt.Errorf("disk: %v", err)
	}
	if keyInfo == "" {
		return c, nil, nil
	}
	raw, err := hkdf.Expand(sha256.New, prk, keyInfo, xts.KeySize)
	if err != nil {
		return nil, nil, fmt.Errorf("disk: deriving sector key: %v", err)
	}
	defer clear(raw)
	lk := &layerKey{k: new([xts.KeySize]byte)}
	copy(lk.k[:], raw)
	return c, lk, nil
}

// newCipherLayer stacks a layer with cipher c on dev, with offset 0 and
// scale 1.
func newCipherLayer(dev Device, c *xts.Cipher) *cryptLayer {
	l := &cryptLayer{dev: dev, c: c, ss: dev.SectorSize(), scale: 1}
	l.sp, _ = dev.(sparse)
	return l
}

// newKeyedLayer stacks a layer keyed by the 64-byte key on dev, whose
// sector 0 is device sector offset; keep says whether the layer keeps a
// copy of the key for [cryptLayer.rawKey]. It keeps no reference to key.
func newKeyedLayer(dev Device, key []byte, offset, scale uint64, keep bool) (*cryptLayer, error) {
	c, err := xts.New(key)
	if err != nil {
		return nil, fmt.Errorf("disk: %v", err)
	}
	l := newCipherLayer(dev, c)
	l.offset, l.scale = offset, scale
	if keep {
		l.key = &layerKey{k: new([xts.KeySize]byte)}
		copy(l.key.k[:], key)
	}
	return l, nil
}

// rawKey returns the key the layer keeps (nil if it keeps none); callers
// must keep it out of every output.
func (l *cryptLayer) rawKey() []byte {
	if l.key == nil {
		return nil
	}
	return l.key.k[:]
}

func (l *cryptLayer) scratch() *layerScratch {
	if s, ok := l.scratchPool().Get().(*layerScratch); ok {
		return s
	}
	return new(layerScratch)
}

func (l *cryptLayer) putScratch(s *layerScratch) { l.scratchPool().Put(s) }

func (l *cryptLayer) scratchPool() *sync.Pool {
	if l.shared != nil {
		return l.shared
	}
	return &l.pool
}

func (l *cryptLayer) SectorSize() int { return l.ss }
func (l *cryptLayer) Sectors() uint64 { return l.dev.Sectors() - l.offset }

// String describes the layer without its key.
func (l *cryptLayer) String() string {
	return fmt.Sprintf("XTS-AES-256 layer(%d x %d bytes, REDACTED)", l.Sectors(), l.ss)
}

// GoString describes the layer without its key.
func (l *cryptLayer) GoString() string { return l.String() }

// Format prints String for every verb, so no verb reaches the key.
func (l *cryptLayer) Format(f fmt.State, verb rune) { io.WriteString(f, l.String()) }

// crypt encrypts or decrypts whole sectors of src into dst, the first being
// layer sector first.
func (l *cryptLayer) crypt(dst, src []byte, first uint64, decrypt bool) {
	for i := 0; i < len(src); i += l.ss {
		t := (first + uint64(i/l.ss)) * l.scale
		if decrypt {
			l.c.Decrypt(dst[i:i+l.ss], src[i:i+l.ss], t)
		} else {
			l.c.Encrypt(dst[i:i+l.ss], src[i:i+l.ss], t)
		}
	}
}

// WriteSectors encrypts p chunk by chunk into scratch space and writes the
// ciphertext down; p is left unchanged.
func (l *cryptLayer) WriteSectors(p []byte, first uint64) error {
	if _, err := CheckIO(l.ss, l.Sectors(), p, first); err != nil {
		return err
	}
	s := l.scratch()
	defer l.putScratch(s)
	for len(p) > 0 {
		n := min(len(p), layerChunk)
		k := uint64(n / l.ss)
		l.crypt(s.buf[:n], p[:n], first, false)
		if err := l.dev.WriteSectors(s.buf[:n], first+l.offset); err != nil {
			return err
		}
		l.sealed.Add(k)
		p = p[n:]
		first += k
	}
	return nil
}

// ReadSectors reads the ciphertext into p and decrypts it in place, leaving
// never-written sectors as the zeros the device returned.
func (l *cryptLayer) ReadSectors(p []byte, first uint64) error {
	if _, err := CheckIO(l.ss, l.Sectors(), p, first); err != nil {
		return err
	}
	if err := l.dev.ReadSectors(p, first+l.offset); err != nil {
		return err
	}
	if l.sp == nil {
		l.crypt(p, p, first, true)
		return nil
	}
	s := l.scratch()
	defer l.putScratch(s)
	for len(p) > 0 {
		n := min(len(p), layerChunk)
		k := uint64(n / l.ss)
		l.sp.writtenBits(first+l.offset, k, s.bits[:])
		for i := range k {
			if s.bits[i/64]&(1<<(i%64)) != 0 {
				sec := p[int(i)*l.ss : int(i+1)*l.ss]
				l.c.Decrypt(sec, sec, (first+i)*l.scale)
			}
		}
		p = p[n:]
		first += k
	}
	return nil
}

// NextWritten reports the next run of layer sectors whose device sectors
// were ever written; on a device that cannot tell, every sector counts.
func (l *cryptLayer) NextWritten(from uint64) (first, n uint64, ok bool) {
	if l.sp == nil {
		return allWritten(l.Sectors(), from)
	}
	f, n, ok := l.sp.NextWritten(from + l.offset)
	if !ok {
		return 0, 0, false
	}
	return f - l.offset, n, true
}

func (l *cryptLayer) writtenBits(first, n uint64, bits []uint64) {
	if l.sp == nil {
		setAllBits(n, bits)
		return
	}
	l.sp.writtenBits(first+l.offset, n, bits)
}

// allWritten is NextWritten for a device that cannot tell: every sector
// counts as written, in runs of at most 2^20.
func allWritten(sectors, from uint64) (first, n uint64, ok bool) {
	if from >= sectors {
		return 0, 0, false
	}
	return from, min(sectors-from, 1<<20), true
}

func setAllBits(n uint64, bits []uint64) {
	clear(bits[:(n+63)/64])
	for i := range n {
		bits[i/64] |= 1 << (i % 64)
	}
}
