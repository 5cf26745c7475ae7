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
	// RecoveryLevel is the deletion recovery level in effect, as Key Vault
	// reports it in recoveryLevel: "Recoverable+Purgeable" with 90-day
	// retention, "Recoverable" with 90 days and purge protection, and
	// "CustomizedRecoverable+Purgeable" or "CustomizedRecoverable" with 7
	// to 89 days (F19, F27). Soft delete is always on (F21), so "Purgeable"
	// never appears; the "+ProtectedSubscription" levels are not modelled.
	RecoveryLevel string
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
		RecoverableDays: v.props.SoftDeleteRetentionDays, RecoveryLevel: v.recoveryLevel(),
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
	return getVersion(secretCollection, c, opGetSecret, pSecretGet, name, version,
		func(v *vaultState, o *object[*secretVersion], sv *secretVersion) Secret {
			return Secret{Properties: secretProps(v, o, sv), value: newSecretValue(sv.value)}
		})
}

// UpdateSecretProperties changes the attributes of a secret version ("" for
// the current one); allowed on a disabled version (F11).
func (c *Client) UpdateSecretProperties(name, version string, p UpdateSecretParameters) (SecretProperties, error) {
	u := attrUpdate{enabled: p.Enabled, nbf: p.NotBefore, exp: p.Expires, tags: p.Tags}
	return updateVersion(secretCollection, c, opUpdateSecretProperties, pSecretSet, name, version, u,
		func(sv *secretVersion) (func(), *failure) {
			if p.ContentType == nil {
				return func() {}, nil
			}
			if len(*p.ContentType) > contentTypeMax {
				return nil, badParam("content types are at most %d characters", contentTypeMax)
			}
			return func() { sv.contentType = *p.ContentType }, nil
		}, secretProps)
}

// DeleteSecret soft-deletes a secret with all its versions (F8, F22).
func (c *Client) DeleteSecret(name string) (DeletedSecret, error) {
	return secretCollection.delete(c, name)
}

// GetDeletedSecret returns a soft-deleted secret, without its value.
func (c *Client) GetDeletedSecret(name string) (DeletedSecret, error) {
	return secretCollection.getDeleted(c, name)
}

// ListDeletedSecrets returns the soft-deleted secrets, by name.
func (c *Client) ListDeletedSecrets() ([]DeletedSecret, error) {
	return secretCollection.listDeleted(c)
}

// RecoverDeletedSecret restores a soft-deleted secret with all its versions
// and their attributes (F25).
func (c *Client) RecoverDeletedSecret(name string) (SecretProperties, error) {
	return secretCollection.recover(c, name)
}

// PurgeDeletedSecret permanently deletes a soft-deleted secret; refused under
// purge protection until retention ends (F27).
func (c *Client) PurgeDeletedSecret(name string) error { return secretCollection.purge(c, name) }

// ListSecrets returns the current version of every live secret, by name,
// without values.
func (c *Client) ListSecrets() ([]SecretProperties, error) { return secretCollection.list(c) }

// ListSecretVersions returns every version of a live secret, oldest first,
// without values.
func (c *Client) ListSecretVersions(name string) ([]SecretProperties, error) {
	return secretCollection.listVersions(c, name)
}
