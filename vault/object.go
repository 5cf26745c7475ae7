package vault

import (
	"maps"
	"slices"
	"time"
)

// versionBase holds what every key and secret version has: its id and the
// attributes of F9.
type versionBase struct {
	version  string
	id       string // versioned identifier (F7)
	enabled  bool
	nbf, exp *time.Time
	created  time.Time
	updated  time.Time
	tags     map[string]string
}

func (b *versionBase) base() *versionBase { return b }

type versioned interface{ base() *versionBase }

// object is a key or a secret: its versions, oldest first (the last is
// current, F7), and its deletion state. Delete, recover and purge act on the
// whole object (F8).
type object[V versioned] struct {
	name     string // as created; lookups are case-insensitive
	versions []V
	deleted  *deletion
	// resumeAt is when the object last became live (create, recover,
	// restore, vault recovery) or its rotation policy was set; a policy
	// rotation never fires before it.
	resumeAt time.Time
	policy   *RotationPolicy // keys only
}

// kindInfo names the codes of one object collection.
type kindInfo struct {
	coll     string // "keys" or "secrets"
	noun     string
	notFound string
	disabled string
}

var (
	keyKind    = &kindInfo{coll: "keys", noun: "key", notFound: "KeyNotFound", disabled: "KeyDisabled"}
	secretKind = &kindInfo{coll: "secrets", noun: "secret", notFound: "SecretNotFound", disabled: "SecretDisabled"}
)

func (ki *kindInfo) notFoundf(format string, args ...any) *failure {
	return fail(ErrNotFound, ki.notFound, 404, format, args...)
}

// live returns the live object name; a soft-deleted object is inert and not
// found (F23).
func live[V versioned](m map[string]*object[V], ki *kindInfo, name string) (*object[V], *failure) {
	o := m[lower(name)]
	if o == nil {
		return nil, ki.notFoundf("no %s named %q", ki.noun, clip(name))
	}
	if o.deleted != nil {
		return nil, ki.notFoundf("%s %q is soft-deleted; only list, recover and purge apply (F23)", ki.noun, o.name)
	}
	return o, nil
}

// liveVersion returns the requested (or current) version of a live object.
func liveVersion[V versioned](m map[string]*object[V], ki *kindInfo, name, ver string) (*object[V], V, *failure) {
	var zero V
	o, f := live(m, ki, name)
	if f != nil {
		return nil, zero, f
	}
	v, ok := pickVersion(o, ver)
	if !ok {
		return nil, zero, ki.notFoundf("%s %q has no version %q", ki.noun, o.name, clip(ver))
	}
	return o, v, nil
}

// softDeleted returns the soft-deleted object name.
func softDeleted[V versioned](m map[string]*object[V], ki *kindInfo, name string) (*object[V], *failure) {
	o := m[lower(name)]
	if o == nil || o.deleted == nil {
		return nil, fail(ErrNotDeleted, ki.notFound, 404, "no soft-deleted %s named %q", ki.noun, clip(name))
	}
	return o, nil
}

// reserved reports the conflict of creating name while a soft-deleted object
// holds it (F24), or while a live one does for restores (F34).
func reserved[V versioned](m map[string]*object[V], ki *kindInfo, name string, liveToo bool) *failure {
	o := m[lower(name)]
	switch {
	case o == nil:
		return nil
	case o.deleted != nil:
		return fail(ErrDeletedButRecoverable, "ObjectIsDeletedButRecoverable", 409,
			"%s %q is soft-deleted and its name reserved until recovered or purged (F24)", ki.noun, o.name)
	case liveToo:
		return fail(ErrConflict, "Conflict", 409, "%s %q already exists; restore never overwrites (F34)", ki.noun, o.name)
	}
	return nil
}

// purgeCheck refuses a purge under purge protection before retention ends (F27).
func purgeCheck(v *vaultState, d *deletion, now time.Time) *failure {
	if v.props.EnablePurgeProtection && now.Before(d.purgeAt) {
		return fail(ErrPurgeProtected, "Forbidden", 403,
			"the vault has purge protection; the object will be purged automatically at %s (F27)", d.purgeAt.Format(time.RFC3339))
	}
	return nil
}

func sortedNames[V versioned](m map[string]*object[V], deleted bool) []string {
	var out []string
	for _, n := range slices.Sorted(maps.Keys(m)) {
		if (m[n].deleted != nil) == deleted {
			out = append(out, n)
		}
	}
	return out
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// attrs applies create-time attributes to a new version.
func newBase(version, id string, now time.Time, enabled *bool, nbf, exp *time.Time, tags map[string]string) versionBase {
	b := versionBase{version: version, id: id, enabled: true, nbf: cloneTime(nbf), exp: cloneTime(exp),
		created: now, updated: now, tags: maps.Clone(tags)}
	if enabled != nil {
		b.enabled = *enabled
	}
	return b
}

func (b *versionBase) update(now time.Time, enabled *bool, nbf, exp *time.Time, tags map[string]string) {
	if enabled != nil {
		b.enabled = *enabled
	}
	if nbf != nil {
		b.nbf = cloneTime(nbf)
	}
	if exp != nil {
		b.exp = cloneTime(exp)
	}
	if tags != nil {
		b.tags = maps.Clone(tags)
	}
	b.updated = now
}

// windowAfterUpdate is the nbf/exp pair an update would leave.
func (b *versionBase) windowAfterUpdate(nbf, exp *time.Time) *failure {
	n, e := b.nbf, b.exp
	if nbf != nil {
		n = nbf
	}
	if exp != nil {
		e = exp
	}
	return checkWindow(n, e)
}
