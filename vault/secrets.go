package vault

import (
	"bytes"
	"fmt"
	"io"
	"time"
)

// secretVersion is one version of a secret.
type secretVersion struct {
	versionBase
	contentType string
	value       []byte
}

// SecretProperties are a secret version's identifier and attributes.
type SecretProperties struct {
	// ID is the versioned identifier https://{vault}.vault.azure.net/secrets/{name}/{version}.
	ID          string
	Name        string
	Version     string
	ContentType string
	Tags        map[string]string
	Enabled     bool
	NotBefore   *time.Time
	Expires     *time.Time
	Created     time.Time
	Updated     time.Time
	// RecoverableDays is the vault's soft-delete retention (F19).
	RecoverableDays int
}

// Secret is a secret version with its value. The value is kept unexported
// and the type prints as redacted under every fmt verb; read it with
// [Secret.Value].
//
// The value lives two pointers away from the Secret, as envelope.DEK's key
// does: where fmt cannot call [Secret.Format] (a Secret or *Secret in an
// unexported field of another struct) it prints the fields, dereferencing
// at most one pointer even under a bad verb such as %s, so the second
// pointer is printed as an address (TestRedactionInFields pins this).
type Secret struct {
	Properties SecretProperties
	value      *secretRef
}

// secretRef is the indirection that keeps the value out of fmt's reach.
type secretRef struct {
	b *[]byte
}

func newSecretValue(b []byte) *secretRef {
	c := bytes.Clone(b)
	return &secretRef{b: &c}
}

// Value returns a copy of the secret value. Callers own the copy and must
// keep it out of every output.
func (s Secret) Value() []byte {
	if s.value == nil || s.value.b == nil {
		return nil
	}
	return append([]byte(nil), (*s.value.b)...)
}

// String describes the secret by id, without its value.
func (s Secret) String() string { return "Secret(" + s.Properties.ID + ", REDACTED)" }

// GoString describes the secret by id, without its value.
func (s Secret) GoString() string { return s.String() }

// Format writes [Secret.String] for every verb.
func (s Secret) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// DeletedSecret is a soft-deleted secret: its current version's properties
// and deletion dates.
type DeletedSecret struct {
	Properties         SecretProperties
	RecoveryID         string
	DeletedDate        time.Time
	ScheduledPurgeDate time.Time
}

// SetSecretOptions describe a new secret version; the value is passed apart.
type SetSecretOptions struct {
	ContentType string // at most 255 characters
	Tags        map[string]string
	Enabled     *bool // default true
	NotBefore   *time.Time
	Expires     *time.Time
}

// UpdateSecretParameters list the attributes to change; nil fields stay as
// they are.
type UpdateSecretParameters struct {
	ContentType *string
	Tags        map[string]string
	Enabled     *bool
	NotBefore   *time.Time
	Expires     *time.Time
}

func secretProps(v *vaultState, o *object[*secretVersion], sv *secretVersion) SecretProperties {
	return SecretProperties{
		ID: sv.id, Name: o.name, Version: sv.version, ContentType: sv.contentType, Tags: cloneTags(sv.tags),
		Enabled: sv.enabled, NotBefore: cloneTime(sv.nbf), Expires: cloneTime(sv.exp), Created: sv.created, Updated: sv.updated,
		RecoverableDays: v.props.SoftDeleteRetentionDays,
	}
}

func deletedSecretOf(v *vaultState, o *object[*secretVersion]) DeletedSecret {
	return DeletedSecret{
		Properties:         secretProps(v, o, o.versions[len(o.versions)-1]),
		RecoveryID:         objectID(v.props.Name, "deletedsecrets", o.name, ""),
		DeletedDate:        o.deleted.at,
		ScheduledPurgeDate: o.deleted.purgeAt,
	}
}

// SetSecret stores value (at most 25 KiB) as a new secret, or as a new
// version of a live secret of that name. A soft-deleted name is reserved
// (F24). It draws 16 bytes from Rand for the version id.
func (c *Client) SetSecret(name string, value []byte, opts SetSecretOptions) (SecretProperties, error) {
	k, v, f := c.begin(opSetSecret, "secrets", name, "", pSecretSet)
	defer k.end()
	switch {
	case f != nil:
	case len(value) > secretValueMax:
		f = badParam("secret values are at most %d bytes", secretValueMax)
	case len(opts.ContentType) > contentTypeMax:
		f = badParam("content types are at most %d characters", contentTypeMax)
	default:
		if f = checkTags(opts.Tags); f == nil {
			if f = checkWindow(opts.NotBefore, opts.Expires); f == nil {
				f = reserved(v.secrets, secretKind, name, false)
			}
		}
	}
	var ver string
	if f == nil {
		ver, f = c.s.newVersionID()
	}
	if f != nil {
		return SecretProperties{}, k.fail(f)
	}
	o := v.secrets[lower(name)]
	if o == nil {
		o = &object[*secretVersion]{name: name, resumeAt: k.now}
		v.secrets[lower(name)] = o
	}
	id := objectID(v.props.Name, "secrets", o.name, ver)
	sv := &secretVersion{versionBase: newBase(ver, id, k.now, opts.Enabled, opts.NotBefore, opts.Expires, opts.Tags),
		contentType: opts.ContentType, value: append([]byte{}, value...)}
	o.versions = append(o.versions, sv)
	k.ok(id)
	return secretProps(v, o, sv), nil
}

// GetSecret returns a secret version ("" for the current one) with its
// value. A disabled version cannot be read (F11, code SecretDisabled). The
// nbf and exp of secrets are informational: the Key Vault documentation
// says an expired secret is not returned, but the service does return it
// (issue Azure/AzureKeyVault#19), and the simulation follows the service.
func (c *Client) GetSecret(name, version string) (Secret, error) {
	k, v, f := c.begin(opGetSecret, "secrets", name, version, pSecretGet)
	defer k.end()
	var o *object[*secretVersion]
	var sv *secretVersion
	if f == nil {
		o, sv, f = liveVersion(v.secrets, secretKind, name, version)
	}
	if f == nil && !sv.enabled {
		k.ver = sv.version
		f = fail(ErrDisabled, secretKind.disabled, 403, "operation get is not allowed on a disabled secret (F11)")
	}
	if f != nil {
		return Secret{}, k.fail(f)
	}
	k.ok(sv.id)
	return Secret{Properties: secretProps(v, o, sv), value: newSecretValue(sv.value)}, nil
}

// UpdateSecretProperties changes the attributes of a secret version ("" for
// the current one); allowed on a disabled version (F11).
func (c *Client) UpdateSecretProperties(name, version string, p UpdateSecretParameters) (SecretProperties, error) {
	k, v, f := c.begin(opUpdateSecretProperties, "secrets", name, version, pSecretSet)
	defer k.end()
	var o *object[*secretVersion]
	var sv *secretVersion
	if f == nil {
		o, sv, f = liveVersion(v.secrets, secretKind, name, version)
	}
	if f == nil {
		f = checkTags(p.Tags)
	}
	if f == nil && p.ContentType != nil && len(*p.ContentType) > contentTypeMax {
		f = badParam("content types are at most %d characters", contentTypeMax)
	}
	if f == nil {
		f = sv.windowAfterUpdate(p.NotBefore, p.Expires)
	}
	if f != nil {
		return SecretProperties{}, k.fail(f)
	}
	sv.update(k.now, p.Enabled, p.NotBefore, p.Expires, p.Tags)
	if p.ContentType != nil {
		sv.contentType = *p.ContentType
	}
	k.ok(sv.id)
	return secretProps(v, o, sv), nil
}

// DeleteSecret soft-deletes a secret with all its versions (F8, F22).
func (c *Client) DeleteSecret(name string) (DeletedSecret, error) {
	k, v, f := c.begin(opDeleteSecret, "secrets", name, "", pSecretDelete)
	defer k.end()
	var o *object[*secretVersion]
	if f == nil {
		o, f = live(v.secrets, secretKind, name)
	}
	if f != nil {
		return DeletedSecret{}, k.fail(f)
	}
	o.deleted = &deletion{at: k.now, purgeAt: k.now.Add(v.retention())}
	c.s.nextDirty = true
	k.ok(objectID(v.props.Name, "secrets", o.name, ""))
	return deletedSecretOf(v, o), nil
}

// GetDeletedSecret returns a soft-deleted secret, without its value.
func (c *Client) GetDeletedSecret(name string) (DeletedSecret, error) {
	k, v, f := c.begin(opGetDeletedSecret, "secrets", name, "", pSecretGet)
	defer k.end()
	var o *object[*secretVersion]
	if f == nil {
		o, f = softDeleted(v.secrets, secretKind, name)
	}
	if f != nil {
		return DeletedSecret{}, k.fail(f)
	}
	k.ok(objectID(v.props.Name, "deletedsecrets", o.name, ""))
	return deletedSecretOf(v, o), nil
}

// ListDeletedSecrets returns the soft-deleted secrets, by name.
func (c *Client) ListDeletedSecrets() ([]DeletedSecret, error) {
	k, v, f := c.begin(opListDeletedSecrets, "deletedsecrets", "", "", pSecretList)
	defer k.end()
	if f != nil {
		return nil, k.fail(f)
	}
	var out []DeletedSecret
	for _, n := range sortedNames(v.secrets, true) {
		out = append(out, deletedSecretOf(v, v.secrets[n]))
	}
	k.ok(k.objID())
	return out, nil
}

// RecoverDeletedSecret restores a soft-deleted secret with all its versions
// and their attributes (F25).
func (c *Client) RecoverDeletedSecret(name string) (SecretProperties, error) {
	k, v, f := c.begin(opRecoverDeletedSecret, "secrets", name, "", pSecretRecover)
	defer k.end()
	var o *object[*secretVersion]
	if f == nil {
		o, f = softDeleted(v.secrets, secretKind, name)
	}
	if f != nil {
		return SecretProperties{}, k.fail(f)
	}
	o.deleted = nil
	o.resumeAt = k.now
	c.s.nextDirty = true
	k.ok(objectID(v.props.Name, "secrets", o.name, ""))
	return secretProps(v, o, o.versions[len(o.versions)-1]), nil
}

// PurgeDeletedSecret permanently deletes a soft-deleted secret; refused under
// purge protection until retention ends (F27).
func (c *Client) PurgeDeletedSecret(name string) error {
	k, v, f := c.begin(opPurgeDeletedSecret, "secrets", name, "", pSecretPurge)
	defer k.end()
	var o *object[*secretVersion]
	if f == nil {
		o, f = softDeleted(v.secrets, secretKind, name)
	}
	if f == nil {
		f = purgeCheck(v, o.deleted, k.now)
	}
	if f != nil {
		return k.fail(f)
	}
	delete(v.secrets, lower(name))
	c.s.nextDirty = true
	k.ok(objectID(v.props.Name, "deletedsecrets", o.name, ""))
	return nil
}

// ListSecrets returns the current version of every live secret, by name,
// without values.
func (c *Client) ListSecrets() ([]SecretProperties, error) {
	k, v, f := c.begin(opListSecrets, "secrets", "", "", pSecretList)
	defer k.end()
	if f != nil {
		return nil, k.fail(f)
	}
	var out []SecretProperties
	for _, n := range sortedNames(v.secrets, false) {
		o := v.secrets[n]
		out = append(out, secretProps(v, o, o.versions[len(o.versions)-1]))
	}
	k.ok(k.objID())
	return out, nil
}

// ListSecretVersions returns every version of a live secret, oldest first,
// without values.
func (c *Client) ListSecretVersions(name string) ([]SecretProperties, error) {
	k, v, f := c.begin(opListSecretVersions, "secrets", name, "", pSecretList)
	defer k.end()
	var o *object[*secretVersion]
	if f == nil {
		o, f = live(v.secrets, secretKind, name)
	}
	if f != nil {
		return nil, k.fail(f)
	}
	out := make([]SecretProperties, 0, len(o.versions))
	for _, sv := range o.versions {
		out = append(out, secretProps(v, o, sv))
	}
	k.ok(objectID(v.props.Name, "secrets", o.name, ""))
	return out, nil
}
