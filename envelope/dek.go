package envelope

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"io"
)

// DEKSize is the size in bytes of a data-encryption key: 256 bits.
const DEKSize = 32

// redacted is what every textual form of a DEK prints.
const redacted = "DEK(REDACTED)"

// A DEK is a 256-bit data-encryption key.
//
// The key bytes live in an unexported array two pointers away from the DEK,
// so that a DEK printed with any fmt verb, directly or as a field (exported
// or not) of a struct, or as an element of a slice, never shows them. The DEK
// itself formats as "DEK(REDACTED)". Where fmt cannot call that method (a DEK
// in an unexported field), it prints the fields, dereferencing at most one
// pointer even for a bad verb such as %s on a pointer; the second pointer is
// printed as an address. One pointer was not enough: %s on a struct with an
// unexported DEK field printed the array (a test pins this). JSON encoding
// yields the string "REDACTED".
//
// The zero DEK holds no key; methods that need one panic on it, and
// [DEK.Equal] treats it as equal only to another zero DEK. Obtain DEKs from
// [GenerateDEK], [NewDEK] or a [KEK]'s Unwrap.
type DEK struct {
	ref *keyRef
}

// keyRef is the indirection that keeps the array out of fmt's reach.
type keyRef struct {
	k *[DEKSize]byte
}

// dekBox lets newDEKBox allocate a DEK, its indirection and its array in one
// allocation, which keeps the unwrap paths at a single allocation for the
// returned value.
type dekBox struct {
	d       DEK
	ref     keyRef
	k       [DEKSize]byte
	scratch [16]byte // block buffer for AES key unwrap; see AESKEK.Unwrap
}

func newDEKBox() *dekBox {
	b := new(dekBox)
	b.ref.k = &b.k
	b.d.ref = &b.ref
	return b
}

// GenerateDEK draws a fresh DEK from r. It reads exactly [DEKSize] bytes.
func GenerateDEK(r io.Reader) (*DEK, error) {
	b := newDEKBox()
	if _, err := io.ReadFull(r, b.k[:]); err != nil {
		return nil, fmt.Errorf("%w: reading DEK entropy: %w", ErrRandom, err)
	}
	return &b.d, nil
}

// NewDEK returns a DEK holding a copy of key, which must be [DEKSize] bytes.
func NewDEK(key []byte) (*DEK, error) {
	if len(key) != DEKSize {
		return nil, fmt.Errorf("%w: DEK needs %d bytes, got %d", ErrKeySize, DEKSize, len(key))
	}
	b := newDEKBox()
	copy(b.k[:], key)
	return &b.d, nil
}

// Bytes returns a copy of the key bytes. It is the one way key material
// leaves a DEK; callers own the copy and must keep it out of every output.
func (d *DEK) Bytes() []byte {
	return bytes.Clone(d.key()[:])
}

func (d *DEK) key() *[DEKSize]byte {
	if d == nil || d.ref == nil {
		panic("envelope: use of zero DEK")
	}
	return d.ref.k
}

// Equal reports, in constant time, whether d and o hold the same key.
func (d *DEK) Equal(o *DEK) bool {
	dz, oz := d == nil || d.ref == nil, o == nil || o.ref == nil
	if dz || oz {
		return dz == oz
	}
	return subtle.ConstantTimeCompare(d.ref.k[:], o.ref.k[:]) == 1
}

// String returns "DEK(REDACTED)".
func (d DEK) String() string { return redacted }

// GoString returns "DEK(REDACTED)", so %#v hides the key too.
func (d DEK) GoString() string { return redacted }

// Format writes "DEK(REDACTED)" for every verb, so no verb or flag (%x, %q,
// %+v, %#v, ...) can reach the key bytes.
func (d DEK) Format(f fmt.State, verb rune) { io.WriteString(f, redacted) }

// MarshalJSON encodes every DEK as the JSON string "REDACTED".
func (d DEK) MarshalJSON() ([]byte, error) { return []byte(`"REDACTED"`), nil }

// MarshalText encodes every DEK as "REDACTED", for encoders that prefer
// [encoding.TextMarshaler].
func (d DEK) MarshalText() ([]byte, error) { return []byte("REDACTED"), nil }
