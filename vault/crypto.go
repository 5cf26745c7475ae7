package vault

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/atrest-sim/atrest/envelope"
)

// KeyOperationResult is the answer of WrapKey and Encrypt: the versioned id
// of the key version that did the work (F7, F13), the algorithm, and the
// ciphertext.
type KeyOperationResult struct {
	KeyID     string
	Algorithm envelope.Algorithm
	Result    []byte
}

// byteKEK is what the envelope KEKs offer: DEK and byte-level wrapping.
type byteKEK interface {
	envelope.KEK
	WrapBytes(p []byte) ([]byte, error)
	UnwrapBytes(c []byte) ([]byte, error)
}

// kekFor returns the envelope KEK of m that performs alg, or why not (F3, F4).
func (m *material) kekFor(alg envelope.Algorithm) (byteKEK, *failure) {
	if m.spec.kty.isEC() {
		return nil, fail(ErrNotSupported, "BadParameter", 400, "EC keys sign and verify only; they cannot wrap or encrypt (F3)")
	}
	switch alg {
	case envelope.A256KW, envelope.AESKeyWrapPad, envelope.RSAOAEP256, envelope.RSAOAEP:
	case "A128KW", "A192KW":
		return nil, badParam("%s needs an oct key of %s bits; the simulation holds 256-bit oct keys only (F4)", alg, string(alg[1:4]))
	case "RSA1_5", "CKM_AES_KEY_WRAP":
		return nil, fail(ErrNotSupported, "BadParameter", 400, "algorithm %s is not modelled by the simulation (F3, F4)", alg)
	default:
		return nil, badParam("unknown algorithm %q (F4)", clip(string(alg)))
	}
	switch {
	case alg == envelope.A256KW && m.kw != nil:
		return m.kw, nil
	case alg == envelope.AESKeyWrapPad && m.kwp != nil:
		return m.kwp, nil
	case alg == envelope.RSAOAEP256 && m.oaep256 != nil:
		return m.oaep256, nil
	case alg == envelope.RSAOAEP && m.oaep1 != nil:
		return m.oaep1, nil
	}
	return nil, badParam("algorithm %s does not fit a %s key (F4)", alg, m.spec.kty)
}

// cryptoStart authorizes and checks a cryptographic call under the lock and
// returns the KEK to run it with, outside the lock. produce marks wrap and
// encrypt, which need the version inside [nbf, exp) (F10). On failure the
// call is recorded and its error returned.
func (c *Client) cryptoStart(o op, name, version string, alg envelope.Algorithm, need perm, kop KeyOperation, produce bool) (call, byteKEK, string, error) {
	k, v, f := c.begin(o, "keys", name, version, need)
	defer k.end()
	var kv *keyVersion
	if f == nil {
		_, kv, f = liveVersion(v.keys, keyKind, name, version)
	}
	if f == nil {
		k.ver = kv.version
		f = kv.usable(k.now, kop, produce)
	}
	var kek byteKEK
	if f == nil {
		kek, f = kv.mat.kekFor(alg)
	}
	if f == nil && (o == opEncrypt || o == opDecrypt) && kv.mat.rsa == nil {
		f = fail(ErrNotSupported, "BadParameter", 400, "encrypt and decrypt are modelled for RSA keys only")
	}
	if f != nil {
		return k, nil, "", k.fail(f)
	}
	return k, kek, kv.id, nil
}

// usable applies F11, then F6, then F10: a disabled version refuses every
// cryptographic operation; key_ops restricts them; outside [nbf, exp) only
// unwrap and decrypt still work.
func (kv *keyVersion) usable(now time.Time, kop KeyOperation, produce bool) *failure {
	switch {
	case !kv.enabled:
		return fail(ErrDisabled, keyKind.disabled, 403, "operation %s is not allowed on a disabled key (F11)", kop)
	case kv.mat.spec.kty.isEC():
		return fail(ErrNotSupported, "BadParameter", 400, "EC keys sign and verify only; they cannot wrap or encrypt (F3)")
	case !kv.ops.has(kop):
		return fail(ErrNotSupported, "BadParameter", 400, "operation %s is not permitted by the key's key_ops (F6)", kop)
	case produce && kv.nbf != nil && now.Before(*kv.nbf):
		return fail(ErrNotYetValid, "KeyNotYetValid", 403, "operation %s is not allowed before the key's nbf; unwrap and decrypt still are (F10)", kop)
	case produce && kv.exp != nil && !now.Before(*kv.exp):
		return fail(ErrExpired, "KeyExpired", 403, "operation %s is not allowed on an expired key; unwrap and decrypt still are (F10)", kop)
	}
	return nil
}

// finish records the outcome of a call whose work ran outside the lock.
func (c *Client) finish(k *call, obj string, f *failure) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if f != nil {
		return k.fail(f)
	}
	k.ok(obj)
	return nil
}

func cryptoFailure(err error, unwrap bool) *failure {
	switch {
	case unwrap && errors.Is(err, envelope.ErrUnwrap):
		f := badParam("the ciphertext does not unwrap under this key version")
		f.cause = envelope.ErrUnwrap
		return f
	case errors.Is(err, envelope.ErrKeySize), errors.Is(err, envelope.ErrAlgorithm):
		return badParam("the value does not fit the algorithm: %v", err)
	}
	return fail(ErrInternal, "InternalError", 500, "%v", err)
}

// WrapKey wraps value (a key of any length the algorithm accepts) with a key
// version ("" for the current one), as Key Vault's wrapKey does. The result
// names the exact version used (F7, F13). Disabled (F11), expired or
// not-yet-valid (F10) versions refuse to wrap.
func (c *Client) WrapKey(name, version string, alg envelope.Algorithm, value []byte) (KeyOperationResult, error) {
	return c.produce(opWrapKey, name, version, alg, pKeyWrap, OpWrapKey, value)
}

// Encrypt encrypts value with an RSA key version, as Key Vault's encrypt
// does: the same RSA-OAEP as WrapKey under a separate permission (F5).
func (c *Client) Encrypt(name, version string, alg envelope.Algorithm, value []byte) (KeyOperationResult, error) {
	return c.produce(opEncrypt, name, version, alg, pKeyEncrypt, OpEncrypt, value)
}

func (c *Client) produce(o op, name, version string, alg envelope.Algorithm, need perm, kop KeyOperation, value []byte) (KeyOperationResult, error) {
	k, kek, id, err := c.cryptoStart(o, name, version, alg, need, kop, true)
	if err != nil {
		return KeyOperationResult{}, err
	}
	ct, werr := kek.WrapBytes(value)
	if werr != nil {
		return KeyOperationResult{}, c.finish(&k, id, cryptoFailure(werr, false))
	}
	c.finish(&k, id, nil)
	return KeyOperationResult{KeyID: id, Algorithm: alg, Result: ct}, nil
}

// UnwrapKey unwraps ciphertext with a key version ("" for the current one)
// and returns the key value; the caller owns it and must keep it out of every
// output. Expired and not-yet-valid versions still unwrap (F10); disabled
// ones do not (F11). A ciphertext that does not unwrap fails with an error
// matching both [ErrBadParameter] and envelope.ErrUnwrap.
func (c *Client) UnwrapKey(name, version string, alg envelope.Algorithm, ciphertext []byte) ([]byte, error) {
	_, p, err := c.consume(opUnwrapKey, name, version, alg, pKeyUnwrap, OpUnwrapKey, ciphertext)
	return p, err
}

// Decrypt decrypts ciphertext with an RSA key version, as Key Vault's
// decrypt does (F5, F10, F11).
func (c *Client) Decrypt(name, version string, alg envelope.Algorithm, ciphertext []byte) ([]byte, error) {
	_, p, err := c.consume(opDecrypt, name, version, alg, pKeyDecrypt, OpDecrypt, ciphertext)
	return p, err
}

// PlaintextResult is the answer of [Client.UnwrapKeyResult] and
// [Client.DecryptResult]: the versioned id of the key version that did the
// work, as Key Vault's kid names it even for a versionless call (F7, F13),
// the algorithm, and the plaintext. The plaintext is kept two pointers away,
// as a [Secret]'s value is, and the type prints as redacted under every fmt
// verb; read it with [PlaintextResult.Value].
type PlaintextResult struct {
	KeyID     string
	Algorithm envelope.Algorithm
	value     *secretRef
}

// Value returns a copy of the plaintext. Callers own the copy and must keep
// it out of every output.
func (r PlaintextResult) Value() []byte { return Secret{value: r.value}.Value() }

// String describes the result by key id, without the plaintext.
func (r PlaintextResult) String() string {
	return "PlaintextResult(" + r.KeyID + ", " + string(r.Algorithm) + ", REDACTED)"
}

// GoString describes the result by key id, without the plaintext.
func (r PlaintextResult) GoString() string { return r.String() }

// Format writes [PlaintextResult.String] for every verb.
func (r PlaintextResult) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// UnwrapKeyResult is [Client.UnwrapKey] answering also the versioned id of
// the key version used, which a versionless call leaves to the service.
func (c *Client) UnwrapKeyResult(name, version string, alg envelope.Algorithm, ciphertext []byte) (PlaintextResult, error) {
	return c.consumeResult(opUnwrapKey, name, version, alg, pKeyUnwrap, OpUnwrapKey, ciphertext)
}

// DecryptResult is [Client.Decrypt] answering also the versioned id of the
// key version used.
func (c *Client) DecryptResult(name, version string, alg envelope.Algorithm, ciphertext []byte) (PlaintextResult, error) {
	return c.consumeResult(opDecrypt, name, version, alg, pKeyDecrypt, OpDecrypt, ciphertext)
}

func (c *Client) consumeResult(o op, name, version string, alg envelope.Algorithm, need perm, kop KeyOperation, ct []byte) (PlaintextResult, error) {
	id, p, err := c.consume(o, name, version, alg, need, kop, ct)
	if err != nil {
		return PlaintextResult{}, err
	}
	return PlaintextResult{KeyID: id, Algorithm: alg, value: &secretRef{b: &p}}, nil
}

// consume runs an unwrap or decrypt and returns the versioned id of the key
// version used, and the plaintext.
func (c *Client) consume(o op, name, version string, alg envelope.Algorithm, need perm, kop KeyOperation, ct []byte) (string, []byte, error) {
	k, kek, id, err := c.cryptoStart(o, name, version, alg, need, kop, false)
	if err != nil {
		return "", nil, err
	}
	p, uerr := kek.UnwrapBytes(ct)
	if uerr != nil {
		return "", nil, c.finish(&k, id, cryptoFailure(uerr, true))
	}
	c.finish(&k, id, nil)
	return id, p, nil
}

// KEK returns an envelope.KEK backed by a key of the client's vault: Wrap
// calls WrapKey and Unwrap calls UnwrapKey through the client, so
// authorization, the audit log and the disabled/expired rules apply to every
// use. keyID is a key identifier of the client's vault, versioned or
// versionless (F7). With a versionless id, Wrap uses the current version and
// the Wrapped names the exact version used, and Unwrap accepts a DEK wrapped
// by any version of the key, using the version the Wrapped names (F13).
//
// KeyID returns the versioned id for a versioned KEK; for a versionless one
// it returns the versioned id of the most recent Wrap, or the versionless id
// before the first.
func (c *Client) KEK(keyID string, alg envelope.Algorithm) (envelope.KEK, error) {
	vault, coll, name, version, err := ParseID(keyID)
	if err != nil {
		return nil, err
	}
	if coll != "keys" || vault != c.vault {
		return nil, &Error{Op: "KEK", Vault: c.vault, Object: name, Code: "BadParameter", Status: 400, Err: ErrBadParameter,
			Detail: "the identifier does not name a key of this client's vault"}
	}
	if _, err := envelope.ParseAlgorithm(string(alg)); err != nil {
		return nil, &Error{Op: "KEK", Vault: c.vault, Object: name, Code: "BadParameter", Status: 400, Err: ErrBadParameter,
			Detail: "unknown wrapping algorithm (F4)"}
	}
	return &vaultKEK{c: c, name: name, version: version, alg: alg, id: objectID(vault, "keys", name, version)}, nil
}

// vaultKEK adapts a vault key to envelope.KEK.
type vaultKEK struct {
	c       *Client
	name    string
	version string // "" for versionless
	alg     envelope.Algorithm
	id      string

	mu   sync.Mutex
	last string // versioned id of the most recent wrap
}

var _ envelope.KEK = (*vaultKEK)(nil)

func (v *vaultKEK) KeyID() string {
	if v.version != "" {
		return v.id
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.last != "" {
		return v.last
	}
	return v.id
}

func (v *vaultKEK) Algorithm() envelope.Algorithm { return v.alg }

func (v *vaultKEK) String() string   { return "vault.KEK(" + v.id + ", " + string(v.alg) + ")" }
func (v *vaultKEK) GoString() string { return v.String() }

// Wrap wraps dek through WrapKey.
func (v *vaultKEK) Wrap(dek *envelope.DEK) (*envelope.Wrapped, error) {
	if dek == nil {
		return nil, &Error{Op: "WrapKey", Vault: v.c.vault, Object: v.name, Code: "BadParameter", Status: 400, Err: ErrBadParameter, Detail: "no DEK"}
	}
	k, kek, id, err := v.c.cryptoStart(opWrapKey, v.name, v.version, v.alg, pKeyWrap, OpWrapKey, true)
	if err != nil {
		return nil, err
	}
	w, werr := kek.Wrap(dek)
	if werr != nil {
		return nil, v.c.finish(&k, id, cryptoFailure(werr, false))
	}
	v.c.finish(&k, id, nil)
	if v.version == "" {
		v.mu.Lock()
		v.last = id
		v.mu.Unlock()
	}
	return w, nil
}

// Unwrap unwraps w through UnwrapKey with the version w names.
func (v *vaultKEK) Unwrap(w *envelope.Wrapped) (*envelope.DEK, error) {
	if w == nil || w.Algorithm != v.alg {
		return nil, v.mismatch()
	}
	vault, coll, name, version, ok := parseID(w.KeyID)
	if !ok || coll != "keys" || vault != v.c.vault || !strings.EqualFold(name, v.name) || version == "" ||
		v.version != "" && !strings.EqualFold(version, v.version) {
		return nil, v.mismatch()
	}
	k, kek, id, err := v.c.cryptoStart(opUnwrapKey, v.name, version, v.alg, pKeyUnwrap, OpUnwrapKey, false)
	if err != nil {
		return nil, err
	}
	// The envelope KEK checks that w names it exactly; identifiers are
	// case-insensitive (F7), so hand it a copy under its own id.
	wc := *w
	wc.KeyID = id
	dek, uerr := kek.Unwrap(&wc)
	if uerr != nil {
		return nil, v.c.finish(&k, id, cryptoFailure(uerr, true))
	}
	v.c.finish(&k, id, nil)
	return dek, nil
}

// mismatch is the error of a Wrapped that names another key, version or
// algorithm; built only on failure, so the hot path does not allocate it.
func (v *vaultKEK) mismatch() error {
	return &Error{Op: "UnwrapKey", Vault: v.c.vault, Object: v.name, Code: "BadParameter", Status: 400, Err: ErrBadParameter,
		Detail: "the wrapped key names another key, version or algorithm", cause: envelope.ErrUnwrap}
}
