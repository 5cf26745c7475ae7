package envelope

import (
	"encoding/binary"
	"fmt"
)

// Wrapped is a DEK wrapped by a KEK: the versioned id of the KEK, the
// algorithm, and the ciphertext. It holds no secret: the ciphertext is only
// useful to a holder of the KEK.
type Wrapped struct {
	// KeyID names the exact KEK version that wrapped the DEK.
	KeyID string
	// Algorithm is the wrapping algorithm.
	Algorithm Algorithm
	// Ciphertext is the wrapped key.
	Ciphertext []byte
}

// Bounds of the binary encoding. A Key Vault key id is a URL well under 1 KiB;
// the largest ciphertext is an RSA-4096 wrap of 512 bytes.
const (
	wrappedMagic   = "ATWK"
	wrappedVersion = 1
	// MaxKeyIDLen is the longest key id a Wrapped may carry.
	MaxKeyIDLen = 1024
	// MaxCiphertextLen is the longest ciphertext a Wrapped may carry.
	MaxCiphertextLen = 1024
	maxAlgLen        = 32
)

// MarshalBinary encodes w as:
//
//	"ATWK" | version (1 byte, 1)
//	| key id length (uint16, big-endian) | key id
//	| algorithm length (1 byte) | algorithm
//	| ciphertext length (uint16, big-endian) | ciphertext
//
// It fails with [ErrMalformed] for an empty or over-long field and with
// [ErrAlgorithm] for an unknown algorithm.
func (w *Wrapped) MarshalBinary() ([]byte, error) {
	if err := w.check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(wrappedMagic)+1+2+len(w.KeyID)+1+len(w.Algorithm)+2+len(w.Ciphertext))
	b = append(b, wrappedMagic...)
	b = append(b, wrappedVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(len(w.KeyID)))
	b = append(b, w.KeyID...)
	b = append(b, byte(len(w.Algorithm)))
	b = append(b, w.Algorithm...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(w.Ciphertext)))
	b = append(b, w.Ciphertext...)
	return b, nil
}

func (w *Wrapped) check() error {
	if len(w.KeyID) == 0 || len(w.KeyID) > MaxKeyIDLen {
		return fmt.Errorf("%w: key id must be 1 to %d bytes", ErrMalformed, MaxKeyIDLen)
	}
	if _, err := ParseAlgorithm(string(w.Algorithm)); err != nil {
		return err
	}
	if len(w.Ciphertext) == 0 || len(w.Ciphertext) > MaxCiphertextLen {
		return fmt.Errorf("%w: ciphertext must be 1 to %d bytes", ErrMalformed, MaxCiphertextLen)
	}
	return nil
}

// UnmarshalBinary decodes the encoding written by MarshalBinary. It rejects
// truncated input, trailing bytes, other versions, and fields out of bounds
// with an error matching [ErrMalformed] (or [ErrAlgorithm] for an unknown
// algorithm), and leaves w unchanged on error. Decoding and re-encoding an
// accepted input yields the same bytes.
func (w *Wrapped) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if string(d.next(len(wrappedMagic))) != wrappedMagic {
		return fmt.Errorf("%w: not a wrapped key", ErrMalformed)
	}
	if v := d.next(1); len(v) != 1 || v[0] != wrappedVersion {
		return fmt.Errorf("%w: unknown wrapped key version", ErrMalformed)
	}
	id := d.next(int(d.uint16()))
	alg := d.next(int(d.byte()))
	ct := d.next(int(d.uint16()))
	if d.err || len(d.b) != 0 {
		return fmt.Errorf("%w: wrapped key truncated or with trailing bytes", ErrMalformed)
	}
	nw := Wrapped{KeyID: string(id), Algorithm: Algorithm(alg), Ciphertext: append([]byte(nil), ct...)}
	if err := nw.check(); err != nil {
		return err
	}
	*w = nw
	return nil
}

// decoder reads length-prefixed fields; after the first short read every
// read returns nothing and err stays set.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) next(n int) []byte {
	if d.err || n > len(d.b) {
		d.err = true
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	v := d.next(1)
	if v == nil {
		return 0
	}
	return v[0]
}

func (d *decoder) uint16() uint16 {
	v := d.next(2)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint16(v)
}
