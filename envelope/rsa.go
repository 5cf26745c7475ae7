package envelope

import (
	"crypto"
	"crypto/rsa"
	_ "crypto/sha1" // registers SHA-1 for RSA-OAEP (F3, F67)
	_ "crypto/sha256"
	"fmt"
	"io"
)

// RSAKEK is an RSA key-encryption key that wraps with [RSAOAEP256] or
// [RSAOAEP]. Its modulus is 2048, 3072 or 4096 bits, the sizes Key Vault
// offers (FACTS.md F2). It is safe for concurrent use.
type RSAKEK struct {
	s *rsaState // behind a pointer for the reason given on DEK
}

type rsaState struct {
	id   string
	alg  Algorithm
	priv *rsa.PrivateKey
	rand io.Reader
}

var _ KEK = (*RSAKEK)(nil)

// NewRSAKEK returns an RSAKEK named id that wraps with alg using priv. The
// OAEP seed of every wrap is read from rand (see the package doc,
// Determinism); a KEK with a nil rand only unwraps. The KEK keeps priv; callers must not modify it afterwards.
func NewRSAKEK(id string, alg Algorithm, priv *rsa.PrivateKey, rand io.Reader) (*RSAKEK, error) {
	if !alg.isRSA() {
		return nil, fmt.Errorf("%w: %q is not an RSA-OAEP algorithm", ErrAlgorithm, alg)
	}
	if priv == nil || priv.N == nil {
		return nil, fmt.Errorf("%w: no RSA key", ErrKeySize)
	}
	if err := checkRSABits(priv.N.BitLen()); err != nil {
		return nil, err
	}
	return &RSAKEK{&rsaState{id: id, alg: alg, priv: priv, rand: rand}}, nil
}

// GenerateRSAKEK generates a new RSA key of the given size and returns an
// RSAKEK for it. Since Go 1.26 key generation draws from the system's secure
// source whatever reader is passed, so the key is not reproducible; rand only
// feeds the OAEP seeds of later wraps. Generation takes tens to hundreds of
// milliseconds: simulations should take keys from a pool (the vault package
// keeps one).
func GenerateRSAKEK(rand io.Reader, id string, alg Algorithm, bits int) (*RSAKEK, error) {
	if err := checkRSABits(bits); err != nil {
		return nil, err
	}
	priv, err := rsa.GenerateKey(rand, bits)
	if err != nil {
		return nil, fmt.Errorf("%w: generating RSA key: %w", ErrRandom, err)
	}
	return NewRSAKEK(id, alg, priv, rand)
}

func checkRSABits(bits int) error {
	switch bits {
	case 2048, 3072, 4096:
		return nil
	}
	return fmt.Errorf("%w: RSA keys are 2048, 3072 or 4096 bits, got %d", ErrKeySize, bits)
}

func (k *RSAKEK) hash() crypto.Hash {
	if k.s.alg == RSAOAEP {
		return crypto.SHA1
	}
	return crypto.SHA256
}

// KeyID returns the id the KEK was created with.
func (k *RSAKEK) KeyID() string { return k.s.id }

// Algorithm returns RSAOAEP256 or RSAOAEP.
func (k *RSAKEK) Algorithm() Algorithm { return k.s.alg }

// Bits returns the size of the modulus.
func (k *RSAKEK) Bits() int { return k.s.priv.N.BitLen() }

// Public returns the public half of the key, which anyone may use to wrap.
func (k *RSAKEK) Public() *rsa.PublicKey { return &k.s.priv.PublicKey }

// String describes the KEK without its key.
func (k *RSAKEK) String() string {
	return fmt.Sprintf("RSAKEK(%s, %s, %d bits, REDACTED)", k.s.id, k.s.alg, k.Bits())
}

// GoString describes the KEK without its key.
func (k *RSAKEK) GoString() string { return k.String() }

// WrapBytes encrypts an arbitrary key value with RSA-OAEP, as Key Vault's
// wrapKey does for RSA keys. The value must fit the modulus: at most
// k-2h-2 bytes for a k-byte modulus and h-byte hash.
func (k *RSAKEK) WrapBytes(p []byte) ([]byte, error) {
	h := k.hash()
	if max := k.s.priv.Size() - 2*h.Size() - 2; len(p) == 0 || len(p) > max {
		return nil, fmt.Errorf("%w: %s with a %d-bit key wraps 1 to %d bytes", ErrKeySize, k.s.alg, k.Bits(), max)
	}
	if k.s.rand == nil {
		return nil, fmt.Errorf("%w: this RSA KEK has no random source and only unwraps", ErrRandom)
	}
	ct, err := rsa.EncryptOAEP(h.New(), k.s.rand, &k.s.priv.PublicKey, p, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: RSA-OAEP wrap: %w", ErrRandom, err)
	}
	return ct, nil
}

// UnwrapBytes reverses WrapBytes. Any failure matches [ErrUnwrap] and says
// nothing about its cause.
func (k *RSAKEK) UnwrapBytes(c []byte) ([]byte, error) {
	if len(c) != k.s.priv.Size() {
		return nil, ErrUnwrap
	}
	return oaepDecrypt(k.s.alg, k.s.priv, c, nil)
}

// oaepDecrypt is RSA-OAEP decryption with the hash of alg for both OAEP and
// MGF1, and one opaque error. Key Vault uses no label; the vector tests
// pass one.
func oaepDecrypt(alg Algorithm, priv *rsa.PrivateKey, c, label []byte) ([]byte, error) {
	h := crypto.SHA256
	if alg == RSAOAEP {
		h = crypto.SHA1
	}
	p, err := rsa.DecryptOAEP(h.New(), nil, priv, c, label)
	if err != nil {
		return nil, ErrUnwrap
	}
	return p, nil
}

// Wrap wraps dek.
func (k *RSAKEK) Wrap(dek *DEK) (*Wrapped, error) {
	ct, err := k.WrapBytes(dek.key()[:])
	if err != nil {
		return nil, err
	}
	return &Wrapped{KeyID: k.s.id, Algorithm: k.s.alg, Ciphertext: ct}, nil
}

// Unwrap unwraps a DEK wrapped by this KEK.
func (k *RSAKEK) Unwrap(w *Wrapped) (*DEK, error) {
	if w == nil || w.KeyID != k.s.id || w.Algorithm != k.s.alg {
		return nil, ErrUnwrap
	}
	p, err := k.UnwrapBytes(w.Ciphertext)
	if err != nil {
		return nil, err
	}
	defer clear(p)
	if len(p) != DEKSize {
		return nil, ErrUnwrap
	}
	return NewDEK(p)
}
