// Package xts implements XTS-AES sector encryption (IEEE 1619) with the
// sector number as the little-endian tweak, as dm-crypt's aes-xts-plain64
// does. It is the sector cipher of every encrypted layer of package disk.
//
// It agrees byte for byte with golang.org/x/crypto/xts, but is several times
// faster: on amd64 with AES-NI one assembly routine derives the tweak and
// runs eight blocks through the AES rounds in parallel, and elsewhere a
// portable path computes the tweak sequence with uint64 arithmetic, XORs
// whole words and decrypts a sector in one CBC call (see decryptGeneric).
// Neither path allocates.
//
// Only whole 16-byte blocks are supported (no ciphertext stealing), which is
// all a block device needs.
//
// # Security
//
// XTS provides confidentiality only. It has no integrity: anyone who can
// change the ciphertext can randomise any 16-byte block of the plaintext
// without being detected, replace a sector with an older version of the same
// sector, and see which blocks of a sector changed between two snapshots.
// Use it for sectors at rest, never as a general-purpose cipher; use an AEAD
// for messages.
package xts

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"sync"
)

// BlockSize is the AES block size. Sectors are whole numbers of blocks.
const BlockSize = 16

// KeySize is the size of an XTS-AES-256 key: a 256-bit data key followed by
// a 256-bit tweak key.
const KeySize = 64

// maxSector bounds one sector: 2^24 bytes, as IEEE 1619 and x/crypto/xts do.
const maxSector = 1 << 24

// A Cipher encrypts and decrypts sectors with XTS-AES. It is safe for
// concurrent use.
//
// Its key schedules sit two pointers away from the Cipher, as
// envelope.DEK keeps its bytes: where fmt cannot call String (a Cipher or
// *Cipher in an unexported field of a printed struct), it prints the fields
// and dereferences at most one pointer below them, even for a bad verb such
// as %s on a pointer; the second pointer prints as an address. One pointer
// was not enough: %s on a struct holding a Cipher printed the round keys.
// String, GoString and Format print a redacted description.
type Cipher struct {
	nr   int // AES rounds: 10, 12 or 14
	asm  bool
	k    *keyRef
	pool sync.Pool // *cbcScratch, for decryptGeneric
}

// keyRef is the indirection that keeps the schedules out of fmt's reach.
type keyRef struct{ s *schedules }

// schedules holds the expanded keys and the block ciphers (a cipher.Block
// holds its own key schedule).
type schedules struct {
	k1  cipher.Block // data key
	k2  cipher.Block // tweak key
	ek1 [15 * 16]byte
	dk1 [15 * 16]byte
	ek2 [15 * 16]byte
}

// New returns an XTS-AES-256 Cipher for a 64-byte key: the data key, then
// the tweak key. It fails for any other key size. It keeps no reference to
// key.
func New(key []byte) (*Cipher, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("xts: XTS-AES-256 needs a %d-byte key, got %d", KeySize, len(key))
	}
	return newCipher(key, hasAESNI)
}

// newCipher accepts the XTS-AES-128 and -192 key sizes too (32 and 48
// bytes), for the test vectors, and can force the portable path.
func newCipher(key []byte, useAsm bool) (*Cipher, error) {
	if len(key) != 32 && len(key) != 48 && len(key) != 64 {
		return nil, fmt.Errorf("xts: key must be 32, 48 or 64 bytes, got %d", len(key))
	}
	half := len(key) / 2
	k1, err := aes.NewCipher(key[:half])
	if err != nil {
		return nil, fmt.Errorf("xts: %v", err)
	}
	k2, err := aes.NewCipher(key[half:])
	if err != nil {
		return nil, fmt.Errorf("xts: %v", err)
	}
	ks := &schedules{k1: k1, k2: k2}
	expandKey(ks.ek1[:], key[:half])
	expandKey(ks.ek2[:], key[half:])
	invertKey(ks.dk1[:], ks.ek1[:], half/4+6)
	c := &Cipher{nr: half/4 + 6, asm: useAsm, k: &keyRef{ks}}
	return c, nil
}

// String describes the cipher without its keys.
func (c *Cipher) String() string { return fmt.Sprintf("xts.Cipher(AES-%d, REDACTED)", c.nr*32-192) }

// GoString describes the cipher without its keys.
func (c *Cipher) GoString() string { return c.String() }

// Format prints the description of String for every verb, so that no verb
// reaches the expanded keys.
func (c *Cipher) Format(f fmt.State, verb rune) { fmt.Fprint(f, c.String()) }

func check(dst, src []byte) {
	if len(src)%BlockSize != 0 {
		panic("xts: sector is not a multiple of the block size")
	}
	if len(src) > maxSector {
		panic("xts: sector over 16 MiB")
	}
	if len(dst) < len(src) {
		panic("xts: output smaller than input")
	}
	if len(src) > 0 && len(dst) > 0 && &dst[0] != &src[0] && overlaps(dst[:len(src)], src) {
		panic("xts: invalid buffer overlap")
	}
}

// Encrypt encrypts one sector of src into dst with sector number sector as
// the tweak. len(src) must be a multiple of 16 (else Encrypt panics); dst
// must be at least as long and overlap src entirely or not at all.
func (c *Cipher) Encrypt(dst, src []byte, sector uint64) {
	check(dst, src)
	if len(src) == 0 {
		return
	}
	if c.asm {
		encryptAsm(c.nr, &c.k.s.ek1[0], &c.k.s.ek2[0], &dst[0], &src[0], len(src)/BlockSize, sector)
		return
	}
	c.encryptGeneric(dst[:len(src)], src, sector)
}

// Decrypt decrypts one sector of src into dst, under the same rules as
// Encrypt.
func (c *Cipher) Decrypt(dst, src []byte, sector uint64) {
	check(dst, src)
	if len(src) == 0 {
		return
	}
	if c.asm {
		decryptAsm(c.nr, &c.k.s.dk1[0], &c.k.s.ek2[0], &dst[0], &src[0], len(src)/BlockSize, sector)
		return
	}
	c.decryptGeneric(dst[:len(src)], src, sector)
}

// EncryptSectors encrypts consecutive sectors of sectorSize bytes, the
// first numbered first. len(src) must be a multiple of sectorSize, which
// must be a multiple of 16.
func (c *Cipher) EncryptSectors(dst, src []byte, sectorSize int, first uint64) {
	checkSectors(dst, src, sectorSize)
	for i := 0; i < len(src); i += sectorSize {
		c.Encrypt(dst[i:i+sectorSize], src[i:i+sectorSize], first)
		first++
	}
}

// DecryptSectors decrypts consecutive sectors, as EncryptSectors encrypts
// them.
func (c *Cipher) DecryptSectors(dst, src []byte, sectorSize int, first uint64) {
	checkSectors(dst, src, sectorSize)
	for i := 0; i < len(src); i += sectorSize {
		c.Decrypt(dst[i:i+sectorSize], src[i:i+sectorSize], first)
		first++
	}
}

func checkSectors(dst, src []byte, sectorSize int) {
	if sectorSize <= 0 || sectorSize%BlockSize != 0 || len(src)%sectorSize != 0 {
		panic("xts: buffer is not a whole number of sectors")
	}
	if len(dst) < len(src) {
		panic("xts: output smaller than input")
	}
}

// tweak is a 128-bit XTS tweak as two little-endian halves.
type tweak struct{ lo, hi uint64 }

// double multiplies t by x in GF(2^128) modulo x^128 + x^7 + x^2 + x + 1,
// with the little-endian bit order of IEEE 1619.
func (t tweak) double() tweak {
	carry := t.hi >> 63
	return tweak{lo: t.lo<<1 ^ 0x87*carry, hi: t.hi<<1 | t.lo>>63}
}

func (c *Cipher) firstTweak(sector uint64, buf *[BlockSize]byte) tweak {
	binary.LittleEndian.PutUint64(buf[:8], sector)
	clear(buf[8:])
	c.k.s.k2.Encrypt(buf[:], buf[:])
	return tweak{binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])}
}

func xorTweak(dst, src []byte, t tweak) {
	binary.LittleEndian.PutUint64(dst[:8], binary.LittleEndian.Uint64(src[:8])^t.lo)
	binary.LittleEndian.PutUint64(dst[8:16], binary.LittleEndian.Uint64(src[8:16])^t.hi)
}

// cbcScratch is the per-call state of the portable path, pooled so that
// neither path allocates per sector.
type cbcScratch struct {
	t    [BlockSize]byte
	zero [BlockSize]byte
	dec  cipher.BlockMode
	buf  [4096]byte
}

type ivSetter interface{ SetIV([]byte) }

func (c *Cipher) scratch() *cbcScratch {
	if s, ok := c.pool.Get().(*cbcScratch); ok {
		return s
	}
	s := new(cbcScratch)
	s.dec = cipher.NewCBCDecrypter(c.k.s.k1, s.zero[:])
	return s
}

// encryptGeneric calls the block cipher once per block: encryption has no
// bulk shortcut in crypto/cipher (CBC encryption chains, CTR and GCM only
// encrypt counters).
func (c *Cipher) encryptGeneric(dst, src []byte, sector uint64) {
	s := c.scratch()
	defer c.pool.Put(s)
	t := c.firstTweak(sector, &s.t)
	for i := 0; i < len(src); i += BlockSize {
		d := dst[i : i+BlockSize]
		xorTweak(d, src[i:i+BlockSize], t)
		c.k.s.k1.Encrypt(d, d)
		xorTweak(d, d, t)
		t = t.double()
	}
}

// decryptGeneric decrypts a whole chunk of blocks in one call to crypto's
// CBC decrypter. With Z_i = C_i ⊕ T_i and IV 0, CBC decryption of Z yields
// D(Z_1), D(Z_2) ⊕ Z_1, D(Z_3) ⊕ Z_2, …, so P_i = out_i ⊕ Z_(i-1) ⊕ T_i. The
// Z values are kept in a pooled buffer, which also makes in-place
// decryption work; chunks chain through the decrypter's IV.
func (c *Cipher) decryptGeneric(dst, src []byte, sector uint64) {
	s := c.scratch()
	defer c.pool.Put(s)
	t := c.firstTweak(sector, &s.t)
	s.dec.(ivSetter).SetIV(s.zero[:])
	var prev tweak // Z_(i-1), zero before the first block
	for len(src) > 0 {
		n := min(len(src), len(s.buf))
		z := s.buf[:n]
		ti := t
		for i := 0; i < n; i += BlockSize {
			xorTweak(z[i:i+BlockSize], src[i:i+BlockSize], ti)
			ti = ti.double()
		}
		s.dec.CryptBlocks(dst[:n], z)
		for i := 0; i < n; i += BlockSize {
			d := dst[i : i+BlockSize]
			xorTweak(d, d, tweak{prev.lo ^ t.lo, prev.hi ^ t.hi})
			prev = tweak{binary.LittleEndian.Uint64(z[i : i+8]), binary.LittleEndian.Uint64(z[i+8 : i+16])}
			t = t.double()
		}
		src, dst = src[n:], dst[n:]
	}
}
