package azsdk

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"math/big"
	"slices"
	"sort"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/atrest-sim/atrest/vault"
)

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// timePtr returns a UTC copy of t, nil for nil.
func timePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return ptr(t.UTC())
}

// inTime converts a time from a request, nil stays nil.
func inTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return ptr(t.UTC())
}

// outTags converts vault tags to the SDK's form; nil stays nil.
func outTags(t map[string]string) map[string]*string {
	if t == nil {
		return nil
	}
	out := make(map[string]*string, len(t))
	for k, v := range t {
		out[k] = ptr(v)
	}
	return out
}

// inTags converts request tags; a null tag value is refused.
func inTags(t map[string]*string) (map[string]string, *wireError) {
	if t == nil {
		return nil, nil
	}
	out := make(map[string]string, len(t))
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys) // the first null value reported does not depend on map order
	for _, k := range keys {
		if t[k] == nil {
			return nil, badParameter("tag %q has a null value", clip(k))
		}
		out[k] = *t[k]
	}
	return out, nil
}

// clip shortens a caller-supplied string for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// inKeyOps converts request key_ops; nil stays nil (no change, or the
// type's default), an empty list stays empty (no operation).
func inKeyOps(ops []*azkeys.KeyOperation) []vault.KeyOperation {
	if ops == nil {
		return nil
	}
	out := make([]vault.KeyOperation, 0, len(ops))
	for _, op := range ops {
		if op != nil {
			out = append(out, vault.KeyOperation(*op))
		}
	}
	return out
}

func outKeyOps(ops []vault.KeyOperation) []*azkeys.KeyOperation {
	out := make([]*azkeys.KeyOperation, 0, len(ops))
	for _, op := range ops {
		out = append(out, ptr(azkeys.KeyOperation(op)))
	}
	return out
}

// keyAttributes converts a key version's attributes. Times are whole
// seconds on the wire (Unix time).
func keyAttributes(p *vault.KeyProperties) *azkeys.KeyAttributes {
	return &azkeys.KeyAttributes{
		Enabled:         ptr(p.Enabled),
		NotBefore:       timePtr(p.NotBefore),
		Expires:         timePtr(p.Expires),
		Created:         timePtr(&p.Created),
		Updated:         timePtr(&p.Updated),
		RecoverableDays: ptr(int32(p.RecoverableDays)),
		RecoveryLevel:   ptr(p.RecoveryLevel),
		Exportable:      ptr(false),
	}
}

// jwk is the public JSON Web Key of a key version: n and e for RSA, crv, x
// and y for EC, no key fields for oct-HSM (F6: private material never
// leaves the vault).
func jwk(p *vault.KeyProperties, pub any) *azkeys.JSONWebKey {
	k := &azkeys.JSONWebKey{
		KID:    ptr(azkeys.ID(p.ID)),
		Kty:    ptr(azkeys.KeyType(p.Kty)),
		KeyOps: outKeyOps(p.KeyOps),
	}
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		k.N = pub.N.Bytes()
		k.E = big.NewInt(int64(pub.E)).Bytes()
	case *ecdsa.PublicKey:
		// Bytes is the uncompressed point 0x04 || X || Y.
		if b, err := pub.Bytes(); err == nil && len(b) > 1 && b[0] == 4 {
			size := (len(b) - 1) / 2
			k.X, k.Y = b[1:1+size], b[1+size:]
		}
	}
	if p.Kty == vault.KeyTypeEC || p.Kty == vault.KeyTypeECHSM {
		k.Crv = ptr(azkeys.CurveName(p.Curve))
	}
	return k
}

func keyBundle(k *vault.Key) azkeys.KeyBundle {
	return azkeys.KeyBundle{
		Attributes: keyAttributes(&k.KeyProperties),
		Key:        jwk(&k.KeyProperties, k.Public),
		Tags:       outTags(k.Tags),
	}
}

// versionless is a key or secret id without its version, as lists of
// current versions and deleted objects show it.
func (a *Adapter) versionless(collection, name string) string {
	return a.url + "/" + collection + "/" + name
}

func (a *Adapter) keyProperties(p *vault.KeyProperties, versioned bool) *azkeys.KeyProperties {
	id := p.ID
	if !versioned {
		id = a.versionless("keys", p.Name)
	}
	return &azkeys.KeyProperties{
		Attributes: keyAttributes(p),
		KID:        ptr(azkeys.ID(id)),
		Tags:       outTags(p.Tags),
	}
}

func (a *Adapter) deletedKey(d *vault.DeletedKey) azkeys.DeletedKey {
	return azkeys.DeletedKey{
		Attributes:         keyAttributes(&d.KeyProperties),
		Key:                jwk(&d.KeyProperties, d.Public),
		RecoveryID:         ptr(d.RecoveryID),
		Tags:               outTags(d.Tags),
		DeletedDate:        ptr(d.DeletedDate.UTC()),
		ScheduledPurgeDate: ptr(d.ScheduledPurgeDate.UTC()),
	}
}

func (a *Adapter) deletedKeyProperties(d *vault.DeletedKey) *azkeys.DeletedKeyProperties {
	return &azkeys.DeletedKeyProperties{
		Attributes:         keyAttributes(&d.KeyProperties),
		KID:                ptr(azkeys.ID(a.versionless("keys", d.Name))),
		RecoveryID:         ptr(d.RecoveryID),
		Tags:               outTags(d.Tags),
		DeletedDate:        ptr(d.DeletedDate.UTC()),
		ScheduledPurgeDate: ptr(d.ScheduledPurgeDate.UTC()),
	}
}

// paged splits items into pages of size n (one empty page for no items)
// and adds them to a PagerResponder; the fake server links them with
// nextLink.
func paged[T, R any](items []T, n int, page func([]T) R) azfake.PagerResponder[R] {
	var p azfake.PagerResponder[R]
	if len(items) == 0 {
		p.AddPage(200, page(nil), nil)
		return p
	}
	for chunk := range slices.Chunk(items, n) {
		p.AddPage(200, page(chunk), nil)
	}
	return p
}

// pagerError is a PagerResponder whose first page is the refusal.
func pagerError[R any](e *wireError) azfake.PagerResponder[R] {
	var p azfake.PagerResponder[R]
	p.AddError(e)
	return p
}
