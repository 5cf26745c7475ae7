package disk

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/xts"
)

// Info strings of the HKDF-SHA-256 derivations (no salt) that turn a 256-bit
// DEK into a 512-bit XTS-AES-256 key: data key, then tweak key. A distinct
// string per use keeps one DEK from ever keying two layers alike.
const (
	sseKeyInfo  = "atrest/disk: SSE sector key, XTS-AES-256, v1"
	hostKeyInfo = "atrest/disk: encryption at host sector key, XTS-AES-256, v1"
)

// layerChunk is how many bytes a layer encrypts into its scratch buffer
// before handing them down: large enough to amortise the call down the
// stack, small enough to stay in cache.
const layerChunk = 64 << 10

// cryptLayer is one XTS-AES-256 layer over a device, keeping its sector
// numbering: sector s is encrypted with tweak s. Sectors the device reports
// as never written read as zeros instead of decrypted zeros, so that a
// fresh disk reads blank through every layer, as a real one does.
type cryptLayer struct {
	dev    Device
	sp     sparse // dev as sparse, or nil
	c      *xts.Cipher
	ss     int
	pool   sync.Pool // *layerScratch
	sealed atomic.Uint64
}

type layerScratch struct {
	buf  [layerChunk]byte
	bits [layerChunk / 512 / 64]uint64
}

// newCryptLayer derives an XTS key from dek with info and stacks a layer on
// dev.
func newCryptLayer(dev Device, dek *envelope.DEK, info string) (*cryptLayer, error) {
	secret := dek.Bytes()
	defer clear(secret)
	key, err := hkdf.Key(sha256.New, secret, nil, info, xts.KeySize)
	if err != nil {
		return nil, fmt.Errorf("disk: deriving sector key: %v", err)
	}
	defer clear(key)
	c, err := xts.New(key)
	if err != nil {
		return nil, fmt.Errorf("disk: %v", err)
	}
	l := &cryptLayer{dev: dev, c: c, ss: dev.SectorSize()}
	l.sp, _ = dev.(sparse)
	return l, nil
}

func (l *cryptLayer) scratch() *layerScratch {
	if s, ok := l.pool.Get().(*layerScratch); ok {
		return s
	}
	return new(layerScratch)
}

func (l *cryptLayer) SectorSize() int { return l.ss }
func (l *cryptLayer) Sectors() uint64 { return l.dev.Sectors() }

// WriteSectors encrypts p chunk by chunk into scratch space and writes the
// ciphertext down; p is left unchanged.
func (l *cryptLayer) WriteSectors(p []byte, first uint64) error {
	if _, err := CheckIO(l.ss, l.dev.Sectors(), p, first); err != nil {
		return err
	}
	s := l.scratch()
	defer l.pool.Put(s)
	for len(p) > 0 {
		n := min(len(p), layerChunk)
		l.c.EncryptSectors(s.buf[:n], p[:n], l.ss, first)
		l.sealed.Add(uint64(n / l.ss))
		if err := l.dev.WriteSectors(s.buf[:n], first); err != nil {
			return err
		}
		p = p[n:]
		first += uint64(n / l.ss)
	}
	return nil
}

// ReadSectors reads the ciphertext into p and decrypts it in place, leaving
// never-written sectors as the zeros the device returned.
func (l *cryptLayer) ReadSectors(p []byte, first uint64) error {
	if _, err := CheckIO(l.ss, l.dev.Sectors(), p, first); err != nil {
		return err
	}
	if err := l.dev.ReadSectors(p, first); err != nil {
		return err
	}
	if l.sp == nil {
		l.c.DecryptSectors(p, p, l.ss, first)
		return nil
	}
	s := l.scratch()
	defer l.pool.Put(s)
	for len(p) > 0 {
		n := min(len(p), layerChunk)
		k := uint64(n / l.ss)
		l.sp.writtenBits(first, k, s.bits[:])
		for i := range k {
			if s.bits[i/64]&(1<<(i%64)) != 0 {
				sec := p[int(i)*l.ss : int(i+1)*l.ss]
				l.c.Decrypt(sec, sec, first+i)
			}
		}
		p = p[n:]
		first += k
	}
	return nil
}

func (l *cryptLayer) NextWritten(from uint64) (first, n uint64, ok bool) {
	if l.sp == nil {
		return allWritten(l.dev.Sectors(), from)
	}
	return l.sp.NextWritten(from)
}

func (l *cryptLayer) writtenBits(first, n uint64, bits []uint64) {
	if l.sp == nil {
		setAllBits(n, bits)
		return
	}
	l.sp.writtenBits(first, n, bits)
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
