package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"
)

// Sealed blob layout: version (1 byte) | nonce (12) | AES-256-GCM ciphertext
// and tag (16). The version byte and the context are the associated data.
const (
	sealVersion = 1
	// SealOverhead is how many bytes Seal adds to a plaintext.
	SealOverhead = 1 + 12 + 16
	// MaxSealSize is the largest plaintext Seal accepts: 64 MiB, far above
	// any key backup or recovery-point manifest, and a bound on every buffer.
	MaxSealSize = 64 << 20
	// maxContextLen bounds each context string.
	maxContextLen = 1 << 12
)

// A Sealer seals and opens blobs with AES-256-GCM under one DEK, binding a
// context (ids, purpose) as associated data. Build it once per key to keep
// the per-call cost at that of raw AES-GCM. It is safe for concurrent use if
// its random source is.
type Sealer struct {
	s *sealerState // behind a pointer for the reason given on DEK
}

type sealerState struct {
	aead cipher.AEAD
	rand io.Reader
}

// String describes the Sealer without its key.
func (s *Sealer) String() string { return "Sealer(AES-256-GCM, REDACTED)" }

// GoString describes the Sealer without its key.
func (s *Sealer) GoString() string { return s.String() }

// Format writes the redacted description for every verb.
func (s Sealer) Format(f fmt.State, verb rune) { io.WriteString(f, (&s).String()) }

// NewSealer returns a Sealer for key that draws nonces from rand. A Sealer
// with a nil rand only opens.
func NewSealer(key *DEK, rand io.Reader) (*Sealer, error) {
	block, err := aes.NewCipher(key.key()[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeySize, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeySize, err)
	}
	return &Sealer{&sealerState{aead: aead, rand: rand}}, nil
}

// Seal encrypts and authenticates plaintext, binding the context strings:
// Open succeeds only with the same strings in the same order. It reads
// exactly 12 bytes (the nonce) from the Sealer's random source.
func (s *Sealer) Seal(plaintext []byte, context ...string) ([]byte, error) {
	if len(plaintext) > MaxSealSize {
		return nil, fmt.Errorf("%w: plaintext over %d bytes", ErrMalformed, MaxSealSize)
	}
	ad, err := associatedData(context)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 13, SealOverhead+len(plaintext))
	out[0] = sealVersion
	if s.s.rand == nil {
		return nil, fmt.Errorf("%w: this Sealer has no random source and only opens", ErrRandom)
	}
	if _, err := io.ReadFull(s.s.rand, out[1:13]); err != nil {
		return nil, fmt.Errorf("%w: reading nonce: %w", ErrRandom, err)
	}
	return s.s.aead.Seal(out, out[1:13], plaintext, ad), nil
}

// Open authenticates and decrypts a blob made by Seal with the same key and
// context. Any authentication failure matches [ErrOpen] and says nothing
// about its cause; input too short to be a sealed blob matches
// [ErrMalformed].
func (s *Sealer) Open(sealed []byte, context ...string) ([]byte, error) {
	if len(sealed) < SealOverhead || len(sealed) > SealOverhead+MaxSealSize {
		return nil, fmt.Errorf("%w: sealed blob of %d bytes", ErrMalformed, len(sealed))
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: unknown sealed blob version", ErrMalformed)
	}
	ad, err := associatedData(context)
	if err != nil {
		return nil, err
	}
	p, err := s.s.aead.Open(nil, sealed[1:13], sealed[13:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return p, nil
}

// associatedData encodes the version and each context string with a length
// prefix, so that ("ab", "c") and ("a", "bc") bind differently.
func associatedData(context []string) ([]byte, error) {
	n := 1
	for _, c := range context {
		if len(c) > maxContextLen {
			return nil, fmt.Errorf("%w: context string over %d bytes", ErrMalformed, maxContextLen)
		}
		n += 2 + len(c)
	}
	ad := make([]byte, 0, n)
	ad = append(ad, sealVersion)
	for _, c := range context {
		ad = binary.BigEndian.AppendUint16(ad, uint16(len(c)))
		ad = append(ad, c...)
	}
	return ad, nil
}

// Seal is NewSealer(key, rand).Seal(plaintext, context...), for one-off use.
func Seal(rand io.Reader, key *DEK, plaintext []byte, context ...string) ([]byte, error) {
	s, err := NewSealer(key, rand)
	if err != nil {
		return nil, err
	}
	return s.Seal(plaintext, context...)
}

// Open is NewSealer(key, nil).Open(sealed, context...), for one-off use.
func Open(key *DEK, sealed []byte, context ...string) ([]byte, error) {
	s, err := NewSealer(key, nil)
	if err != nil {
		return nil, err
	}
	return s.Open(sealed, context...)
}
