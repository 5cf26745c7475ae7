package vault

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"time"
)

// Backup blobs (F33). Layout:
//
//	"ATKB" | format version (1 byte, 1) | kind (1 byte, 'K' key or 'S' secret)
//	| subscription length (uint16, big-endian) | subscription
//	| geography length (uint16, big-endian) | geography
//	| sealed document (envelope.Sealer, AES-256-GCM)
//
// The document is JSON (below) sealed under the service's backup key with
// the context (purpose, kind, subscription, geography), so the blob is
// opaque, a changed header or body is rejected, and the scope check of F33
// can say "other geography" before anything is opened. The blob never holds
// plaintext key material or secret values.
const (
	backupMagic   = "ATKB"
	backupFormat  = 1
	backupPurpose = "atrest/vault/backup/v1"
	// MaxBackupSize bounds a backup blob: 500 versions of RSA-4096 material
	// fit well within it.
	MaxBackupSize = 4 << 20
)

type backupDoc struct {
	Kind     string          `json:"kind"`
	Name     string          `json:"name"`
	Versions []backupVersion `json:"versions"`
}

type backupVersion struct {
	Version     string            `json:"version"`
	Enabled     bool              `json:"enabled"`
	NotBefore   *time.Time        `json:"nbf,omitempty"`
	Expires     *time.Time        `json:"exp,omitempty"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	Tags        map[string]string `json:"tags,omitempty"`
	Kty         KeyType           `json:"kty,omitempty"`
	Bits        int               `json:"bits,omitempty"`
	Curve       Curve             `json:"crv,omitempty"`
	Ops         []KeyOperation    `json:"ops,omitempty"`
	Material    []byte            `json:"material,omitempty"`
	ContentType string            `json:"contentType,omitempty"`
	Value       []byte            `json:"value,omitempty"`
}

func (b *versionBase) toBackup() backupVersion {
	return backupVersion{Version: b.version, Enabled: b.enabled, NotBefore: cloneTime(b.nbf), Expires: cloneTime(b.exp),
		Created: b.created, Updated: b.updated, Tags: cloneTags(b.tags)}
}

func (bv *backupVersion) base(vault, coll, name string) versionBase {
	return versionBase{version: bv.Version, id: objectID(vault, coll, name, bv.Version), enabled: bv.Enabled,
		nbf: cloneTime(bv.NotBefore), exp: cloneTime(bv.Expires), created: bv.Created, updated: bv.Updated, tags: cloneTags(bv.Tags)}
}

func (m *material) marshal() ([]byte, error) {
	switch {
	case m.oct != nil:
		return bytes.Clone(m.oct), nil
	case m.rsa != nil:
		return x509.MarshalPKCS1PrivateKey(m.rsa), nil
	}
	return x509.MarshalECPrivateKey(m.ec)
}

func backupHeader(kind byte, v *vaultState) []byte {
	h := append([]byte(backupMagic), backupFormat, kind)
	h = binary.BigEndian.AppendUint16(h, uint16(len(v.props.Subscription)))
	h = append(h, v.props.Subscription...)
	h = binary.BigEndian.AppendUint16(h, uint16(len(v.props.Geography)))
	return append(h, v.props.Geography...)
}

// seal writes the blob for doc. It reads 12 bytes (the nonce) from Rand.
func (s *Service) seal(kind byte, v *vaultState, doc *backupDoc) ([]byte, *failure) {
	plain, err := json.Marshal(doc)
	if err != nil {
		return nil, fail(ErrInternal, "InternalError", 500, "encoding backup: %v", err)
	}
	defer clear(plain)
	for i := range doc.Versions {
		clear(doc.Versions[i].Material)
		clear(doc.Versions[i].Value)
	}
	sealed, err := s.backup.Seal(plain, backupPurpose, string(kind), v.props.Subscription, v.props.Geography)
	if err != nil {
		return nil, fail(ErrInternal, "InternalError", 500, "sealing backup: %v", err)
	}
	return append(backupHeader(kind, v), sealed...), nil
}

// parseBackupHeader splits a blob into kind, subscription, geography and the
// sealed document.
func parseBackupHeader(blob []byte) (kind byte, sub, geo string, sealed []byte, f *failure) {
	bad := badParam("not a Key Vault backup blob")
	if len(blob) > MaxBackupSize || len(blob) < len(backupMagic)+2+4 || string(blob[:4]) != backupMagic || blob[4] != backupFormat {
		return 0, "", "", nil, bad
	}
	kind, rest := blob[5], blob[6:]
	field := func() (string, bool) {
		if len(rest) < 2 {
			return "", false
		}
		n := int(binary.BigEndian.Uint16(rest))
		if n == 0 || n > propertyLenMax || len(rest) < 2+n {
			return "", false
		}
		s := string(rest[2 : 2+n])
		rest = rest[2+n:]
		return s, true
	}
	sub, ok1 := field()
	geo, ok2 := field()
	if !ok1 || !ok2 || kind != 'K' && kind != 'S' {
		return 0, "", "", nil, bad
	}
	return kind, sub, geo, rest, nil
}

// openBackup checks the scope of F33 and opens and decodes the document.
func (s *Service) openBackup(kind byte, v *vaultState, blob []byte) (*backupDoc, *failure) {
	bk, sub, geo, sealed, f := parseBackupHeader(blob)
	switch {
	case f != nil:
		return nil, f
	case bk != kind:
		return nil, badParam("the blob is a backup of another kind of object")
	case sub != v.props.Subscription:
		return nil, fail(ErrOtherSubscription, "BadParameter", 400, "backups restore only into a vault of the same subscription (F33)")
	case geo != v.props.Geography:
		return nil, fail(ErrOtherGeography, "BadParameter", 400, "backups restore only into a vault of the same geography, here %q not %q (F33)", v.props.Geography, geo)
	}
	plain, err := s.backup.Open(sealed, backupPurpose, string(kind), sub, geo)
	if err != nil {
		return nil, badParam("the backup blob is corrupt or was not made by this service")
	}
	defer clear(plain)
	doc, f := decodeBackupDoc(plain)
	if f != nil {
		return nil, f
	}
	if (kind == 'K') != (doc.Kind == "key") {
		return nil, badParam("backup kind mismatch")
	}
	return doc, nil
}

// decodeBackupDoc decodes and validates a backup document. The document is
// authenticated before it gets here, but the decoder still trusts nothing.
func decodeBackupDoc(plain []byte) (*backupDoc, *failure) {
	var doc backupDoc
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return nil, badParam("the backup document is malformed")
	}
	if doc.Kind != "key" && doc.Kind != "secret" {
		return nil, badParam("the backup document has an unknown kind")
	}
	if f := checkObjectName(doc.Kind, doc.Name); f != nil {
		return nil, f
	}
	if len(doc.Versions) == 0 || len(doc.Versions) > backupVersionsMax {
		return nil, badParam("a backup holds 1 to %d versions (F36)", backupVersionsMax)
	}
	seen := map[string]bool{}
	for i := range doc.Versions {
		bv := &doc.Versions[i]
		if f := checkVersion(bv.Version); f != nil || bv.Version == "" || seen[lower(bv.Version)] {
			return nil, badParam("the backup has a bad or repeated version id")
		}
		seen[lower(bv.Version)] = true
		if f := checkTags(bv.Tags); f != nil {
			return nil, f
		}
		if f := checkWindow(bv.NotBefore, bv.Expires); f != nil {
			return nil, f
		}
		if doc.Kind == "secret" && (len(bv.Value) > secretValueMax || len(bv.ContentType) > contentTypeMax || bv.Material != nil || bv.Kty != "") {
			return nil, badParam("the backup has a bad secret version")
		}
		if doc.Kind == "key" && (bv.Value != nil || bv.ContentType != "") {
			return nil, badParam("the backup has a bad key version")
		}
	}
	return &doc, nil
}

// restoreMaterial rebuilds and checks the material of a backed-up key version.
func (s *Service) restoreMaterial(bv *backupVersion, id string, sku SKU) (*material, keyOps, *failure) {
	p := CreateKeyParameters{Kty: bv.Kty, KeySize: bv.Bits, Curve: bv.Curve, KeyOps: bv.Ops}
	if p.KeyOps == nil {
		p.KeyOps = []KeyOperation{}
	}
	sp, ops, f := p.spec(sku)
	if f != nil {
		return nil, 0, f
	}
	bad := badParam("the backup holds key material that does not match its type")
	switch {
	case sp.kty == KeyTypeOctHSM:
		if len(bv.Material) != 32 {
			return nil, 0, bad
		}
		m, f := s.buildMaterial(sp, id, bytes.Clone(bv.Material), nil, nil)
		return m, ops, f
	case sp.kty.isRSA():
		priv, err := x509.ParsePKCS1PrivateKey(bv.Material)
		if err != nil || priv.N.BitLen() != sp.bits || len(priv.Primes) != 2 {
			return nil, 0, bad
		}
		m, f := s.buildMaterial(sp, id, nil, priv, nil)
		return m, ops, f
	default:
		priv, err := x509.ParseECPrivateKey(bv.Material)
		if err != nil || priv.Curve != curves[sp.curve]() {
			return nil, 0, bad
		}
		m, f := s.buildMaterial(sp, id, nil, nil, priv)
		return m, ops, f
	}
}

// BackupKey returns an opaque, sealed blob holding every version of a key
// with its attributes (F33, F36). It restores only into a vault of the same
// subscription and geography. Keys with more than 500 versions cannot be
// backed up (F36). It reads 12 bytes from Rand.
func (c *Client) BackupKey(name string) ([]byte, error) {
	k, v, f := c.begin(opBackupKey, "keys", name, "", pKeyBackup)
	defer k.end()
	var o *object[*keyVersion]
	if f == nil {
		o, f = live(v.keys, keyKind, name)
	}
	if f == nil && len(o.versions) > backupVersionsMax {
		f = fail(ErrTooManyVersions, "BadParameter", 400, "keys with more than %d versions cannot be backed up (F36)", backupVersionsMax)
	}
	var blob []byte
	if f == nil {
		doc := &backupDoc{Kind: "key", Name: o.name}
		for _, kv := range o.versions {
			bv := kv.toBackup()
			bv.Kty, bv.Curve, bv.Ops = kv.mat.spec.kty, kv.mat.spec.curve, kv.ops.list()
			if !kv.mat.spec.kty.isEC() {
				bv.Bits = kv.mat.spec.bits
			}
			if bv.Ops == nil {
				bv.Ops = []KeyOperation{}
			}
			var err error
			if bv.Material, err = kv.mat.marshal(); err != nil {
				f = fail(ErrInternal, "InternalError", 500, "encoding key material: %v", err)
				break
			}
			doc.Versions = append(doc.Versions, bv)
		}
		if f == nil {
			blob, f = c.s.seal('K', v, doc)
		}
	}
	if f != nil {
		return nil, k.fail(f)
	}
	k.ok(objectID(v.props.Name, "keys", o.name, ""))
	return blob, nil
}

// RestoreKey recreates a backed-up key under its original name with all its
// versions, version ids and attributes (F34). It fails if the vault is in
// another subscription or geography (F33), if the name is taken, live or
// soft-deleted (F34, F24), or if the blob is not intact. The restored key
// shares no state with the original (F35). It draws no randomness.
func (c *Client) RestoreKey(blob []byte) (Key, error) {
	k, v, f := c.begin(opRestoreKey, "keys", "", "", pKeyRestore)
	defer k.end()
	var doc *backupDoc
	if f == nil {
		doc, f = c.s.openBackup('K', v, blob)
	}
	if f == nil {
		k.name = doc.Name
		f = reserved(v.keys, keyKind, doc.Name, true)
	}
	o := &object[*keyVersion]{}
	for i := 0; f == nil && i < len(doc.Versions); i++ {
		bv := &doc.Versions[i]
		b := bv.base(v.props.Name, "keys", doc.Name)
		var m *material
		var ops keyOps
		m, ops, f = c.s.restoreMaterial(bv, b.id, v.props.SKU)
		if f == nil {
			o.versions = append(o.versions, &keyVersion{versionBase: b, ops: ops, mat: m})
		}
	}
	if doc != nil {
		for i := range doc.Versions {
			clear(doc.Versions[i].Material)
		}
	}
	if f != nil {
		return Key{}, k.fail(f)
	}
	o.name, o.resumeAt = doc.Name, k.now
	v.keys[lower(doc.Name)] = o
	c.s.nextDirty = true
	k.ok(objectID(v.props.Name, "keys", o.name, ""))
	return keyOf(v, o, o.versions[len(o.versions)-1]), nil
}

// BackupSecret returns an opaque, sealed blob holding every version of a
// secret (F33). It reads 12 bytes from Rand.
func (c *Client) BackupSecret(name string) ([]byte, error) {
	k, v, f := c.begin(opBackupSecret, "secrets", name, "", pSecretBackup)
	defer k.end()
	var o *object[*secretVersion]
	if f == nil {
		o, f = live(v.secrets, secretKind, name)
	}
	if f == nil && len(o.versions) > backupVersionsMax {
		f = fail(ErrTooManyVersions, "BadParameter", 400, "secrets with more than %d versions cannot be backed up (F36)", backupVersionsMax)
	}
	var blob []byte
	if f == nil {
		doc := &backupDoc{Kind: "secret", Name: o.name}
		for _, sv := range o.versions {
			bv := sv.toBackup()
			bv.ContentType, bv.Value = sv.contentType, bytes.Clone(sv.value)
			if bv.Value == nil {
				bv.Value = []byte{}
			}
			doc.Versions = append(doc.Versions, bv)
		}
		blob, f = c.s.seal('S', v, doc)
	}
	if f != nil {
		return nil, k.fail(f)
	}
	k.ok(objectID(v.props.Name, "secrets", o.name, ""))
	return blob, nil
}

// RestoreSecret recreates a backed-up secret with all its versions, under
// the rules of [Client.RestoreKey] (F33-F35).
func (c *Client) RestoreSecret(blob []byte) (SecretProperties, error) {
	k, v, f := c.begin(opRestoreSecret, "secrets", "", "", pSecretRestore)
	defer k.end()
	var doc *backupDoc
	if f == nil {
		doc, f = c.s.openBackup('S', v, blob)
	}
	if f == nil {
		k.name = doc.Name
		f = reserved(v.secrets, secretKind, doc.Name, true)
	}
	if f != nil {
		return SecretProperties{}, k.fail(f)
	}
	o := &object[*secretVersion]{name: doc.Name, resumeAt: k.now}
	for i := range doc.Versions {
		bv := &doc.Versions[i]
		o.versions = append(o.versions, &secretVersion{versionBase: bv.base(v.props.Name, "secrets", doc.Name),
			contentType: bv.ContentType, value: bytes.Clone(bv.Value)})
		clear(bv.Value)
	}
	v.secrets[lower(doc.Name)] = o
	k.ok(objectID(v.props.Name, "secrets", o.name, ""))
	return secretProps(v, o, o.versions[len(o.versions)-1]), nil
}
