package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
)

// AES key wrap, RFC 3394 (KW) and RFC 5649 (KWP), written here because
// neither the standard library nor x/crypto has it.
//
// The functions take a caller-provided 16-byte scratch block. Passing a stack
// buffer to cipher.Block's methods makes it escape (the call is through an
// interface), so the callers carve the scratch out of the allocation they
// return anyway; that keeps wrap and unwrap at one allocation each.

const (
	kwIV      = 0xA6A6A6A6A6A6A6A6 // RFC 3394 §2.2.3.1 default initial value
	kwpPrefix = 0xA65959A6         // RFC 5649 §3 alternative initial value, high half
	kwMaxData = 1 << 16            // wrap at most 64 KiB: far above any key, bounds every loop
)

// kwWrapCore runs the RFC 3394 §2.2.1 wrapping process W in index-based form
// on out, whose first 8 bytes hold A and the rest the n ≥ 2 data blocks.
func kwWrapCore(b cipher.Block, out, scratch []byte) {
	n := len(out)/8 - 1
	a := binary.BigEndian.Uint64(out[:8])
	scratch = scratch[:16]
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			r := out[8*i : 8*i+8]
			binary.BigEndian.PutUint64(scratch[:8], a)
			binary.BigEndian.PutUint64(scratch[8:], binary.BigEndian.Uint64(r))
			b.Encrypt(scratch, scratch)
			a = binary.BigEndian.Uint64(scratch[:8]) ^ uint64(n*j+i)
			binary.BigEndian.PutUint64(r, binary.BigEndian.Uint64(scratch[8:]))
		}
	}
	binary.BigEndian.PutUint64(out[:8], a)
}

// kwUnwrapCore runs the RFC 3394 §2.2.2 unwrapping process W⁻¹: in holds
// C0..Cn, dst receives the n data blocks, and the recovered A is returned.
func kwUnwrapCore(b cipher.Block, dst, in, scratch []byte) uint64 {
	n := len(in)/8 - 1
	copy(dst, in[8:])
	a := binary.BigEndian.Uint64(in[:8])
	scratch = scratch[:16]
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			r := dst[8*(i-1) : 8*i]
			binary.BigEndian.PutUint64(scratch[:8], a^uint64(n*j+i))
			binary.BigEndian.PutUint64(scratch[8:], binary.BigEndian.Uint64(r))
			b.Decrypt(scratch, scratch)
			a = binary.BigEndian.Uint64(scratch[:8])
			binary.BigEndian.PutUint64(r, binary.BigEndian.Uint64(scratch[8:]))
		}
	}
	return a
}

// kwWrap wraps p (RFC 3394) into out, which must be len(p)+8 bytes.
func kwWrap(b cipher.Block, out, p, scratch []byte) error {
	if len(p) < 16 || len(p)%8 != 0 || len(p) > kwMaxData {
		return fmt.Errorf("%w: AES key wrap needs a multiple of 8 bytes, at least 16", ErrKeySize)
	}
	binary.BigEndian.PutUint64(out[:8], kwIV)
	copy(out[8:], p)
	kwWrapCore(b, out, scratch)
	return nil
}

// kwUnwrap unwraps c (RFC 3394) into dst, which must be len(c)-8 bytes.
func kwUnwrap(b cipher.Block, dst, c, scratch []byte) error {
	if len(c) < 24 || len(c)%8 != 0 || len(c) > kwMaxData+8 {
		return ErrUnwrap
	}
	a := kwUnwrapCore(b, dst, c, scratch)
	var iv, got [8]byte
	binary.BigEndian.PutUint64(iv[:], kwIV)
	binary.BigEndian.PutUint64(got[:], a)
	if subtle.ConstantTimeCompare(iv[:], got[:]) != 1 {
		clear(dst)
		return ErrUnwrap
	}
	return nil
}

// kwpWrappedLen is the size of the RFC 5649 wrapping of m bytes.
func kwpWrappedLen(m int) int { return (m+7)/8*8 + 8 }

// kwpWrap wraps p (RFC 5649) into out, which must be kwpWrappedLen(len(p)).
func kwpWrap(b cipher.Block, out, p, scratch []byte) error {
	if len(p) == 0 || len(p) > kwMaxData {
		return fmt.Errorf("%w: AES key wrap with padding needs 1 to %d bytes", ErrKeySize, kwMaxData)
	}
	aiv := uint64(kwpPrefix)<<32 | uint64(len(p))
	binary.BigEndian.PutUint64(out[:8], aiv)
	clear(out[8:])
	copy(out[8:], p)
	if len(out) == 16 { // §4.1: a single padded block is encrypted with plain AES
		b.Encrypt(out, out)
		return nil
	}
	kwWrapCore(b, out, scratch)
	return nil
}

// kwpUnwrap unwraps c (RFC 5649). dst must be len(c)-8 bytes; the plaintext
// is dst[:m] for the returned m.
func kwpUnwrap(b cipher.Block, dst, c, scratch []byte) (int, error) {
	if len(c) < 16 || len(c)%8 != 0 || len(c) > kwMaxData+8 {
		return 0, ErrUnwrap
	}
	var a uint64
	if len(c) == 16 {
		b.Decrypt(scratch, c)
		a = binary.BigEndian.Uint64(scratch[:8])
		copy(dst, scratch[8:])
		clear(scratch)
	} else {
		a = kwUnwrapCore(b, dst, c, scratch)
	}
	// §3: check the prefix, the message length indicator and the zero
	// padding, accumulating one verdict so the failure says nothing of why.
	n := len(dst)
	mli := int(a & 0xFFFFFFFF)
	ok := subtle.ConstantTimeEq(int32(uint32(a>>32)^kwpPrefix), 0)
	inRange := 0
	if mli > n-8 && mli <= n {
		inRange = 1
	}
	ok &= inRange
	var pad byte
	if inRange == 1 {
		for _, x := range dst[mli:] {
			pad |= x
		}
	}
	ok &= subtle.ConstantTimeByteEq(pad, 0)
	if ok != 1 {
		clear(dst)
		return 0, ErrUnwrap
	}
	return mli, nil
}

// AESKEK is a 256-bit AES key-encryption key that wraps with [A256KW] or
// [AESKeyWrapPad]. It is safe for concurrent use.
type AESKEK struct {
	s *aesState // behind a pointer for the reason given on DEK
}

type aesState struct {
	id    string
	alg   Algorithm
	block cipher.Block
}

var _ KEK = (*AESKEK)(nil)

// NewAESKEK returns an AESKEK named id that wraps with alg, from a copy of the
// 32-byte key.
func NewAESKEK(id string, alg Algorithm, key []byte) (*AESKEK, error) {
	if !alg.isAES() {
		return nil, fmt.Errorf("%w: %q is not an AES key wrap algorithm", ErrAlgorithm, alg)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("%w: %s needs a 256-bit key, got %d bits", ErrKeySize, alg, 8*len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeySize, err)
	}
	return &AESKEK{&aesState{id: id, alg: alg, block: block}}, nil
}

// GenerateAESKEK returns a new AESKEK named id that wraps with alg. It reads
// exactly 32 bytes from r.
func GenerateAESKEK(r io.Reader, id string, alg Algorithm) (*AESKEK, error) {
	var key [32]byte
	if _, err := io.ReadFull(r, key[:]); err != nil {
		return nil, fmt.Errorf("%w: reading KEK entropy: %w", ErrRandom, err)
	}
	defer clear(key[:])
	return NewAESKEK(id, alg, key[:])
}

// KeyID returns the id the KEK was created with.
func (k *AESKEK) KeyID() string { return k.s.id }

// Algorithm returns A256KW or AESKeyWrapPad.
func (k *AESKEK) Algorithm() Algorithm { return k.s.alg }

// String describes the KEK without its key.
func (k *AESKEK) String() string { return fmt.Sprintf("AESKEK(%s, %s, REDACTED)", k.s.id, k.s.alg) }

// GoString describes the KEK without its key.
func (k *AESKEK) GoString() string { return k.String() }

func (k *AESKEK) wrappedLen(n int) int {
	if k.s.alg == A256KW {
		return n + 8
	}
	return kwpWrappedLen(n)
}

// WrapBytes wraps an arbitrary key value, as Key Vault's wrapKey does: for
// A256KW a multiple of 8 bytes, at least 16; for AESKeyWrapPad 1 byte or
// more. Both accept at most 64 KiB.
func (k *AESKEK) WrapBytes(p []byte) ([]byte, error) {
	if len(p) > kwMaxData {
		return nil, fmt.Errorf("%w: key value over %d bytes", ErrKeySize, kwMaxData)
	}
	n := k.wrappedLen(len(p))
	buf := make([]byte, n+16)
	out, scratch := buf[:n:n], buf[n:]
	var err error
	if k.s.alg == A256KW {
		err = kwWrap(k.s.block, out, p, scratch)
	} else {
		err = kwpWrap(k.s.block, out, p, scratch)
	}
	clear(scratch)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UnwrapBytes reverses WrapBytes. Any failure matches [ErrUnwrap] and says
// nothing about its cause.
func (k *AESKEK) UnwrapBytes(c []byte) ([]byte, error) {
	if len(c) < 16 || len(c) > kwMaxData+8 {
		return nil, ErrUnwrap
	}
	n := len(c) - 8
	buf := make([]byte, n+16)
	dst, scratch := buf[:n:n], buf[n:]
	defer clear(scratch)
	if k.s.alg == A256KW {
		if err := kwUnwrap(k.s.block, dst, c, scratch); err != nil {
			return nil, err
		}
		return dst, nil
	}
	m, err := kwpUnwrap(k.s.block, dst, c, scratch)
	if err != nil {
		return nil, err
	}
	return dst[:m:m], nil
}

// Wrap wraps dek. It allocates only the returned value and its ciphertext.
func (k *AESKEK) Wrap(dek *DEK) (*Wrapped, error) {
	ct, err := k.WrapBytes(dek.key()[:])
	if err != nil {
		return nil, err
	}
	return &Wrapped{KeyID: k.s.id, Algorithm: k.s.alg, Ciphertext: ct}, nil
}

// Unwrap unwraps a DEK wrapped by this KEK. It allocates only the returned
// DEK.
func (k *AESKEK) Unwrap(w *Wrapped) (*DEK, error) {
	if w == nil || w.KeyID != k.s.id || w.Algorithm != k.s.alg || len(w.Ciphertext) != DEKSize+8 {
		return nil, ErrUnwrap
	}
	box := newDEKBox()
	var err error
	if k.s.alg == A256KW {
		err = kwUnwrap(k.s.block, box.k[:], w.Ciphertext, box.scratch[:])
	} else {
		var m int
		m, err = kwpUnwrap(k.s.block, box.k[:], w.Ciphertext, box.scratch[:])
		if err == nil && m != DEKSize {
			clear(box.k[:])
			err = ErrUnwrap
		}
	}
	clear(box.scratch[:])
	if err != nil {
		return nil, err
	}
	return &box.d, nil
}
