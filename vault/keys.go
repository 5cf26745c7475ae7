package vault

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/hex"
	"io"
	"slices"
	"time"

	"github.com/atrest-sim/atrest/envelope"
)

// KeyType is a Key Vault key type (F2).
type KeyType string

// The key types. HSM types need a Premium vault (F1); oct-HSM is the
// Premium preview of F2, with 256-bit keys only.
const (
	KeyTypeRSA    KeyType = "RSA"
	KeyTypeRSAHSM KeyType = "RSA-HSM"
	KeyTypeEC     KeyType = "EC"
	KeyTypeECHSM  KeyType = "EC-HSM"
	KeyTypeOctHSM KeyType = "oct-HSM"
)

func (t KeyType) isRSA() bool { return t == KeyTypeRSA || t == KeyTypeRSAHSM }
func (t KeyType) isEC() bool  { return t == KeyTypeEC || t == KeyTypeECHSM }
func (t KeyType) isHSM() bool { return t == KeyTypeRSAHSM || t == KeyTypeECHSM || t == KeyTypeOctHSM }

// Curve is an elliptic curve of an EC key (F2).
type Curve string

// The curves. P-256K (secp256k1) exists in Azure but is not modelled (no
// standard-library implementation): creating it fails with ErrNotSupported.
const (
	CurveP256  Curve = "P-256"
	CurveP384  Curve = "P-384"
	CurveP521  Curve = "P-521"
	CurveP256K Curve = "P-256K"
)

// KeyOperation is a JSON Web Key operation, as in key_ops (F6).
type KeyOperation string

// The key operations.
const (
	OpEncrypt   KeyOperation = "encrypt"
	OpDecrypt   KeyOperation = "decrypt"
	OpSign      KeyOperation = "sign"
	OpVerify    KeyOperation = "verify"
	OpWrapKey   KeyOperation = "wrapKey"
	OpUnwrapKey KeyOperation = "unwrapKey"
)

var allKeyOps = []KeyOperation{OpEncrypt, OpDecrypt, OpSign, OpVerify, OpWrapKey, OpUnwrapKey}

// keyOps is a set of KeyOperations, one bit each in allKeyOps order.
type keyOps uint8

func (o keyOps) has(op KeyOperation) bool { return o&(1<<slices.Index(allKeyOps, op)) != 0 }

func (o keyOps) list() []KeyOperation {
	var out []KeyOperation
	for i, op := range allKeyOps {
		if o&(1<<i) != 0 {
			out = append(out, op)
		}
	}
	return out
}

// opsFor is what each key type can do (F3): EC keys only sign and verify.
func opsFor(t KeyType) keyOps {
	switch {
	case t.isRSA():
		return 0b111111
	case t.isEC():
		return 0b001100
	}
	return 0b110011 // oct: encrypt, decrypt, wrapKey, unwrapKey
}

func parseOps(t KeyType, ops []KeyOperation) (keyOps, *failure) {
	if ops == nil {
		return opsFor(t), nil
	}
	var out keyOps
	for _, op := range ops {
		i := slices.Index(allKeyOps, op)
		if i < 0 {
			return 0, badParam("unknown key operation %q (F6)", clip(string(op)))
		}
		out |= 1 << i
	}
	if out&^opsFor(t) != 0 {
		return 0, badParam("key operations %v are not all possible for a %s key (F3)", ops, t)
	}
	return out, nil
}

// CreateKeyParameters describe a new key or key version.
type CreateKeyParameters struct {
	Kty KeyType
	// KeySize is the RSA modulus (2048, 3072, 4096; default 2048) or the
	// oct key size (256, the default).
	KeySize int
	// Curve is the EC curve, default P-256.
	Curve Curve
	// KeyOps restricts the operations (F6); nil allows all the type can do.
	KeyOps    []KeyOperation
	Tags      map[string]string
	Enabled   *bool // default true
	NotBefore *time.Time
	Expires   *time.Time
}

// keySpec is a validated key type, size and curve.
type keySpec struct {
	kty   KeyType
	bits  int
	curve Curve
}

func (p *CreateKeyParameters) spec(sku SKU) (keySpec, keyOps, *failure) {
	sp := keySpec{kty: p.Kty, bits: p.KeySize, curve: p.Curve}
	switch {
	case p.Kty.isRSA():
		if sp.bits == 0 {
			sp.bits = 2048
		}
		if sp.bits != 2048 && sp.bits != 3072 && sp.bits != 4096 {
			return sp, 0, badParam("RSA keys are 2048, 3072 or 4096 bits, got %d (F2)", sp.bits)
		}
		if p.Curve != "" {
			return sp, 0, badParam("a curve applies to EC keys only")
		}
	case p.Kty.isEC():
		if sp.curve == "" {
			sp.curve = CurveP256
		}
		switch sp.curve {
		case CurveP256, CurveP384, CurveP521:
		case CurveP256K:
			return sp, 0, fail(ErrNotSupported, "BadParameter", 400, "curve P-256K is not modelled by the simulation (F2)")
		default:
			return sp, 0, badParam("unknown curve %q (F2)", clip(string(sp.curve)))
		}
		if sp.bits != 0 {
			return sp, 0, badParam("EC keys take a curve, not a size")
		}
	case p.Kty == KeyTypeOctHSM:
		if sp.bits == 0 {
			sp.bits = 256
		}
		if sp.bits != 256 {
			return sp, 0, fail(ErrNotSupported, "BadParameter", 400, "oct-HSM keys of %d bits are not modelled; only 256 (F2, F4)", sp.bits)
		}
	case p.Kty == "oct":
		return sp, 0, fail(ErrNotSupported, "BadParameter", 400, "software oct keys do not exist in vaults; use oct-HSM (F2)")
	default:
		return sp, 0, badParam("unknown key type %q (F2)", clip(string(p.Kty)))
	}
	if p.Kty.isHSM() && sku != SKUPremium {
		return sp, 0, fail(ErrNotSupported, "BadParameter", 400, "%s keys need a Premium vault (F1, F2)", p.Kty)
	}
	ops, f := parseOps(p.Kty, p.KeyOps)
	if f != nil {
		return sp, 0, f
	}
	if f := checkTags(p.Tags); f != nil {
		return sp, 0, f
	}
	return sp, ops, checkWindow(p.NotBefore, p.Expires)
}

// material is the key material of one version. It is immutable once built,
// so the crypto of a call runs outside the service lock.
type material struct {
	spec    keySpec
	oct     []byte // 32 bytes, oct-HSM only
	kw, kwp *envelope.AESKEK
	rsa     *rsa.PrivateKey
	oaep256 *envelope.RSAKEK
	oaep1   *envelope.RSAKEK
	ec      *ecdsa.PrivateKey
}

// keyVersion is one version of a key.
type keyVersion struct {
	versionBase
	ops      keyOps
	mat      *material
	notified bool // the rotation policy's Notify fired for this version
}

var curves = map[Curve]func() elliptic.Curve{CurveP256: elliptic.P256, CurveP384: elliptic.P384, CurveP521: elliptic.P521}

// newVersionID draws a 32-hex-character version id: 16 bytes from Rand (F7).
func (s *Service) newVersionID() (string, *failure) {
	var b [16]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", fail(ErrInternal, "InternalError", 500, "random source failed: %v", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// newMaterial draws fresh material: 32 bytes from Rand for oct-HSM, the next
// pool key (or a fresh one) for RSA.
func (s *Service) newMaterial(sp keySpec, id string) (*material, *failure) {
	switch {
	case sp.kty == KeyTypeOctHSM:
		b := make([]byte, 32)
		if _, err := io.ReadFull(s.rand, b); err != nil {
			return nil, fail(ErrInternal, "InternalError", 500, "random source failed: %v", err)
		}
		return s.buildMaterial(sp, id, b, nil, nil)
	case sp.kty.isRSA():
		var priv *rsa.PrivateKey
		var err error
		if s.pool != nil {
			priv, err = s.pool.key(sp.bits, s.poolNext[sp.bits])
		} else {
			priv, err = rsa.GenerateKey(s.rand, sp.bits)
		}
		if err != nil {
			return nil, fail(ErrInternal, "InternalError", 500, "RSA key generation failed: %v", err)
		}
		m, f := s.buildMaterial(sp, id, nil, priv, nil)
		if f == nil && s.pool != nil {
			s.poolNext[sp.bits]++ // only a key actually handed out moves the pool on
		}
		return m, f
	default:
		priv, err := ecdsa.GenerateKey(curves[sp.curve](), s.rand)
		if err != nil {
			return nil, fail(ErrInternal, "InternalError", 500, "EC key generation failed: %v", err)
		}
		return s.buildMaterial(sp, id, nil, nil, priv)
	}
}

// buildMaterial wraps raw material in the envelope KEKs, named by the
// versioned key id so that every Wrapped names the exact version (F7, F13).
func (s *Service) buildMaterial(sp keySpec, id string, oct []byte, priv *rsa.PrivateKey, ec *ecdsa.PrivateKey) (*material, *failure) {
	m := &material{spec: sp, oct: oct, rsa: priv, ec: ec}
	var err error
	switch {
	case oct != nil:
		if m.kw, err = envelope.NewAESKEK(id, envelope.A256KW, oct); err == nil {
			m.kwp, err = envelope.NewAESKEK(id, envelope.AESKeyWrapPad, oct)
		}
	case priv != nil:
		if m.oaep256, err = envelope.NewRSAKEK(id, envelope.RSAOAEP256, priv, s.rand); err == nil {
			m.oaep1, err = envelope.NewRSAKEK(id, envelope.RSAOAEP, priv, s.rand)
		}
	}
	if err != nil {
		return nil, fail(ErrInternal, "InternalError", 500, "building key material: %v", err)
	}
	return m, nil
}

// newKeyVersion draws the version id (16 bytes) and then the material.
func (s *Service) newKeyVersion(v *vaultState, name string, sp keySpec, ops keyOps, now time.Time,
	enabled *bool, nbf, exp *time.Time, tags map[string]string) (*keyVersion, *failure) {
	ver, f := s.newVersionID()
	if f != nil {
		return nil, f
	}
	id := objectID(v.props.Name, "keys", name, ver)
	m, f := s.newMaterial(sp, id)
	if f != nil {
		return nil, f
	}
	return &keyVersion{versionBase: newBase(ver, id, now, enabled, nbf, exp, tags), ops: ops, mat: m}, nil
}

// KeyProperties are a key version's identifier and attributes (F7, F9).
type KeyProperties struct {
	// ID is the versioned identifier https://{vault}.vault.azure.net/keys/{name}/{version}.
	ID        string
	Name      string
	Version   string
	Kty       KeyType
	KeySize   int   // RSA and oct-HSM
	Curve     Curve // EC
	KeyOps    []KeyOperation
	Tags      map[string]string
	Enabled   bool
	NotBefore *time.Time
	Expires   *time.Time
	Created   time.Time
	Updated   time.Time
	// RecoverableDays is the vault's soft-delete retention (F19).
	RecoverableDays int
	// RecoveryLevel is the deletion recovery level in effect, as Key Vault
	// reports it in recoveryLevel (see [Client.GetKey]).
	RecoveryLevel string
}

// Key is a key version as GET returns it: properties and the public key
// (*rsa.PublicKey or *ecdsa.PublicKey; nil for oct-HSM). Private material is
// never exported (F6).
type Key struct {
	KeyProperties
	Public crypto.PublicKey
}

// DeletedKey is a soft-deleted key: its current version with its public key
// (as in [Key]), and the deletion dates.
type DeletedKey struct {
	KeyProperties
	RecoveryID         string
	DeletedDate        time.Time
	ScheduledPurgeDate time.Time
	// Public is the current version's public key, *rsa.PublicKey or
	// *ecdsa.PublicKey; nil for oct-HSM. Key Vault returns it with the
	// deleted key, as it does with a live one.
	Public crypto.PublicKey
}

func keyProps(v *vaultState, o *object[*keyVersion], kv *keyVersion) KeyProperties {
	p := KeyProperties{
		ID: kv.id, Name: o.name, Version: kv.version, Kty: kv.mat.spec.kty, Curve: kv.mat.spec.curve,
		KeyOps: kv.ops.list(), Tags: cloneTags(kv.tags), Enabled: kv.enabled,
		NotBefore: cloneTime(kv.nbf), Expires: cloneTime(kv.exp), Created: kv.created, Updated: kv.updated,
		RecoverableDays: v.props.SoftDeleteRetentionDays, RecoveryLevel: v.recoveryLevel(),
	}
	if !kv.mat.spec.kty.isEC() {
		p.KeySize = kv.mat.spec.bits
	}
	return p
}

func keyOf(v *vaultState, o *object[*keyVersion], kv *keyVersion) Key {
	return Key{KeyProperties: keyProps(v, o, kv), Public: kv.mat.public()}
}

// public returns a copy of the public key, nil for oct-HSM.
func (m *material) public() crypto.PublicKey {
	switch {
	case m.rsa != nil:
		pub := m.rsa.PublicKey
		return &pub
	case m.ec != nil:
		pub := m.ec.PublicKey
		return &pub
	}
	return nil
}

func deletedKeyOf(v *vaultState, o *object[*keyVersion]) DeletedKey {
	cur := current(o)
	return DeletedKey{
		KeyProperties:      keyProps(v, o, cur),
		RecoveryID:         objectID(v.props.Name, "deletedkeys", o.name, ""),
		DeletedDate:        o.deleted.at,
		ScheduledPurgeDate: o.deleted.purgeAt,
		Public:             cur.mat.public(),
	}
}

func cloneTags(t map[string]string) map[string]string {
	if t == nil {
		return nil
	}
	c := make(map[string]string, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}

// CreateKey creates a key, or a new version of a live key of that name (F7).
// A soft-deleted name is reserved (F24).
func (c *Client) CreateKey(name string, p CreateKeyParameters) (Key, error) {
	k, v, f := c.begin(opCreateKey, "keys", name, "", pKeyCreate)
	defer k.end()
	var sp keySpec
	var ops keyOps
	if f == nil {
		sp, ops, f = p.spec(v.props.SKU)
	}
	if f == nil {
		f = reserved(v.keys, keyKind, name, false)
	}
	o := (*object[*keyVersion])(nil)
	var kv *keyVersion
	if f == nil {
		o = v.keys[lower(name)]
		dn := name
		if o != nil {
			dn = o.name
		}
		kv, f = c.s.newKeyVersion(v, dn, sp, ops, k.now, p.Enabled, p.NotBefore, p.Expires, p.Tags)
	}
	if f != nil {
		return Key{}, k.fail(f)
	}
	if o == nil {
		o = &object[*keyVersion]{name: name, resumeAt: k.now}
		v.keys[lower(name)] = o
	}
	o.versions = append(o.versions, kv)
	c.s.nextDirty = true
	k.ok(kv.id)
	return keyOf(v, o, kv), nil
}

// GetKey returns a key version ("" for the current one) with its public
// material. A disabled version cannot be read (F11).
func (c *Client) GetKey(name, version string) (Key, error) {
	return getVersion(keyCollection, c, opGetKey, pKeyGet, name, version, keyOf)
}

// rotate appends a new version like the current one (type, size, key_ops,
// tags), with the rotation policy's expiry if it has one (F13, F14).
func (s *Service) rotate(v *vaultState, o *object[*keyVersion], now time.Time) (*keyVersion, *failure) {
	cur := o.versions[len(o.versions)-1]
	var exp *time.Time
	if o.policy != nil && o.policy.ExpiresIn > 0 {
		e := now.Add(o.policy.ExpiresIn)
		exp = &e
	}
	kv, f := s.newKeyVersion(v, o.name, cur.mat.spec, cur.ops, now, nil, nil, exp, cur.tags)
	if f != nil {
		return nil, f
	}
	o.versions = append(o.versions, kv)
	s.nextDirty = true
	return kv, nil
}

// RotateKey creates a new version of a key with new material; the new version
// becomes current and older versions keep working (F13).
func (c *Client) RotateKey(name string) (Key, error) {
	k, v, f := c.begin(opRotateKey, "keys", name, "", pKeyRotate)
	defer k.end()
	var o *object[*keyVersion]
	if f == nil {
		o, f = live(v.keys, keyKind, name)
	}
	var kv *keyVersion
	if f == nil {
		kv, f = c.s.rotate(v, o, k.now)
	}
	if f != nil {
		return Key{}, k.fail(f)
	}
	k.ok(kv.id)
	return keyOf(v, o, kv), nil
}

// UpdateKeyParameters list the attributes to change; nil fields stay as
// they are.
type UpdateKeyParameters struct {
	Enabled   *bool
	NotBefore *time.Time
	Expires   *time.Time
	KeyOps    []KeyOperation
	Tags      map[string]string
}

// UpdateKeyProperties changes the attributes of a key version ("" for the
// current one). It is allowed on a disabled version, which is how a key is
// enabled again (F11).
func (c *Client) UpdateKeyProperties(name, version string, p UpdateKeyParameters) (KeyProperties, error) {
	return updateKey(c, name, version, p, keyProps)
}

// UpdateKey is [Client.UpdateKeyProperties] answering, as Key Vault's
// update does, the key version with its public material.
func (c *Client) UpdateKey(name, version string, p UpdateKeyParameters) (Key, error) {
	return updateKey(c, name, version, p, keyOf)
}

func updateKey[G any](c *Client, name, version string, p UpdateKeyParameters, show func(*vaultState, *object[*keyVersion], *keyVersion) G) (G, error) {
	u := attrUpdate{enabled: p.Enabled, nbf: p.NotBefore, exp: p.Expires, tags: p.Tags}
	return updateVersion(keyCollection, c, opUpdateKeyProperties, pKeyUpdate, name, version, u,
		func(kv *keyVersion) (func(), *failure) {
			ops := kv.ops
			if p.KeyOps != nil {
				var f *failure
				if ops, f = parseOps(kv.mat.spec.kty, p.KeyOps); f != nil {
					return nil, f
				}
			}
			return func() { kv.ops = ops }, nil
		}, show)
}

// DeleteKey soft-deletes a key with all its versions (F8, F22); it is purged
// automatically when the vault's retention ends (F26).
func (c *Client) DeleteKey(name string) (DeletedKey, error) { return keyCollection.delete(c, name) }

// GetDeletedKey returns a soft-deleted key.
func (c *Client) GetDeletedKey(name string) (DeletedKey, error) {
	return keyCollection.getDeleted(c, name)
}

// ListDeletedKeys returns the soft-deleted keys, by name.
func (c *Client) ListDeletedKeys() ([]DeletedKey, error) { return keyCollection.listDeleted(c) }

// RecoverDeletedKey restores a soft-deleted key with all its versions and
// their attributes (F25).
func (c *Client) RecoverDeletedKey(name string) (Key, error) { return keyCollection.recover(c, name) }

// PurgeDeletedKey permanently deletes a soft-deleted key. With purge
// protection it is refused until retention ends, whoever asks (F27).
func (c *Client) PurgeDeletedKey(name string) error { return keyCollection.purge(c, name) }

// ListKeys returns the current version of every live key, by name.
func (c *Client) ListKeys() ([]KeyProperties, error) { return keyCollection.list(c) }

// ListKeyVersions returns every version of a live key, oldest first.
func (c *Client) ListKeyVersions(name string) ([]KeyProperties, error) {
	return keyCollection.listVersions(c, name)
}
