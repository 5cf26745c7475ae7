package envelope

import "fmt"

// An Algorithm is a key-wrapping algorithm, named as Azure Key Vault names it
// in the wrapKey and unwrapKey operations.
type Algorithm string

// The key-wrapping algorithms a [KEK] can perform.
const (
	// A256KW is AES key wrap (RFC 3394) with a 256-bit KEK, as used by
	// Key Vault's oct-HSM keys.
	A256KW Algorithm = "A256KW"
	// AESKeyWrapPad is AES key wrap with padding (RFC 5649) with a 256-bit
	// KEK, Key Vault's CKM_AES_KEY_WRAP_PAD.
	AESKeyWrapPad Algorithm = "CKM_AES_KEY_WRAP_PAD"
	// RSAOAEP256 is RSAES-OAEP with SHA-256 and MGF1-SHA-256, an empty label.
	RSAOAEP256 Algorithm = "RSA-OAEP-256"
	// RSAOAEP is RSAES-OAEP with SHA-1 and MGF1-SHA-1, an empty label. Azure
	// Disk Encryption wraps its BEK with it by default (FACTS.md F67), which is
	// why it is kept.
	RSAOAEP Algorithm = "RSA-OAEP"
)

// algorithms lists every Algorithm, in a fixed order.
var algorithms = [...]Algorithm{A256KW, AESKeyWrapPad, RSAOAEP256, RSAOAEP}

// ParseAlgorithm returns the Algorithm named s, or an error matching
// [ErrAlgorithm] if there is none.
func ParseAlgorithm(s string) (Algorithm, error) {
	for _, a := range algorithms {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrAlgorithm, s)
}

func (a Algorithm) isAES() bool { return a == A256KW || a == AESKeyWrapPad }
func (a Algorithm) isRSA() bool { return a == RSAOAEP256 || a == RSAOAEP }

// A KEK is a key-encryption key: it wraps DEKs for storage next to the data
// they encrypt, and unwraps them again. The implementations in this package
// are [*AESKEK] and [*RSAKEK]; the vault package adds keys held by a
// simulated Key Vault.
type KEK interface {
	// KeyID names the key, including its version; every Wrapped it returns
	// carries this id.
	KeyID() string
	// Algorithm is the wrapping algorithm the KEK performs.
	Algorithm() Algorithm
	// Wrap returns dek encrypted under the KEK.
	Wrap(dek *DEK) (*Wrapped, error)
	// Unwrap returns the DEK inside w. It fails with an error matching
	// ErrUnwrap when w was not wrapped by this KEK or was altered.
	Unwrap(w *Wrapped) (*DEK, error)
}
