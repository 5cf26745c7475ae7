package vault

import "time"

// collection is what keys and secrets share beyond their versions: the
// delete, recover and purge lifecycle of F8 and F22-F27 and the lists. One
// generic implementation serves both; a collection names its map, its
// operations, the permission each needs, and how a version is shown.
//
// V is the version type, P the properties a list shows, D the deleted
// form, and R what a recover answers (a Key with public material for keys,
// properties for secrets).
type collection[V versioned, P, D, R any] struct {
	kind *kindInfo
	// objects returns the collection's map in a vault.
	objects func(v *vaultState) map[string]*object[V]
	// props shows one version; deleted shows a soft-deleted object;
	// recovered shows the current version of a recovered object.
	props     func(v *vaultState, o *object[V], ver V) P
	deleted   func(v *vaultState, o *object[V]) D
	recovered func(v *vaultState, o *object[V], ver V) R

	opDelete, opGetDeleted, opListDeleted, opRecover, opPurge, opList, opListVersions op
	pDelete, pGet, pList, pRecover, pPurge                                            perm
}

var keyCollection = &collection[*keyVersion, KeyProperties, DeletedKey, Key]{
	kind:      keyKind,
	objects:   func(v *vaultState) map[string]*object[*keyVersion] { return v.keys },
	props:     keyProps,
	deleted:   deletedKeyOf,
	recovered: keyOf,
	opDelete:  opDeleteKey, opGetDeleted: opGetDeletedKey, opListDeleted: opListDeletedKeys, opRecover: opRecoverDeletedKey,
	opPurge: opPurgeDeletedKey, opList: opListKeys, opListVersions: opListKeyVersions,
	pDelete: pKeyDelete, pGet: pKeyGet, pList: pKeyList, pRecover: pKeyRecover, pPurge: pKeyPurge,
}

var secretCollection = &collection[*secretVersion, SecretProperties, DeletedSecret, SecretProperties]{
	kind:      secretKind,
	objects:   func(v *vaultState) map[string]*object[*secretVersion] { return v.secrets },
	props:     secretProps,
	deleted:   deletedSecretOf,
	recovered: secretProps,
	opDelete:  opDeleteSecret, opGetDeleted: opGetDeletedSecret, opListDeleted: opListDeletedSecrets, opRecover: opRecoverDeletedSecret,
	opPurge: opPurgeDeletedSecret, opList: opListSecrets, opListVersions: opListSecretVersions,
	pDelete: pSecretDelete, pGet: pSecretGet, pList: pSecretList, pRecover: pSecretRecover, pPurge: pSecretPurge,
}

// deletedColl is the collection of the deleted objects' ids, "deletedkeys"
// or "deletedsecrets".
func (cl *collection[V, P, D, R]) deletedColl() string { return "deleted" + cl.kind.coll }

func current[V versioned](o *object[V]) V { return o.versions[len(o.versions)-1] }

// open begins call o on object name of the collection and finds it, live
// or soft-deleted as deleted says. The caller must call k.end.
func (cl *collection[V, P, D, R]) open(c *Client, o op, need perm, name string, deleted bool) (call, *vaultState, *object[V], *failure) {
	k, v, f := c.begin(o, cl.kind.coll, name, "", need)
	var obj *object[V]
	switch {
	case f != nil:
	case deleted:
		obj, f = softDeleted(cl.objects(v), cl.kind, name)
	default:
		obj, f = live(cl.objects(v), cl.kind, name)
	}
	return k, v, obj, f
}

// delete soft-deletes a live object with all its versions (F8, F22).
func (cl *collection[V, P, D, R]) delete(c *Client, name string) (D, error) {
	k, v, o, f := cl.open(c, cl.opDelete, cl.pDelete, name, false)
	defer k.end()
	if f != nil {
		var zero D
		return zero, k.fail(f)
	}
	o.deleted = &deletion{at: k.now, purgeAt: k.now.Add(v.retention())}
	c.s.nextDirty = true
	k.ok(objectID(v.props.Name, cl.kind.coll, o.name, ""))
	return cl.deleted(v, o), nil
}

// getDeleted returns a soft-deleted object.
func (cl *collection[V, P, D, R]) getDeleted(c *Client, name string) (D, error) {
	k, v, o, f := cl.open(c, cl.opGetDeleted, cl.pGet, name, true)
	defer k.end()
	if f != nil {
		var zero D
		return zero, k.fail(f)
	}
	k.ok(objectID(v.props.Name, cl.deletedColl(), o.name, ""))
	return cl.deleted(v, o), nil
}

// listDeleted returns the soft-deleted objects, by name.
func (cl *collection[V, P, D, R]) listDeleted(c *Client) ([]D, error) {
	k, v, f := c.begin(cl.opListDeleted, cl.deletedColl(), "", "", cl.pList)
	defer k.end()
	if f != nil {
		return nil, k.fail(f)
	}
	m := cl.objects(v)
	var out []D
	for _, n := range sortedNames(m, true) {
		out = append(out, cl.deleted(v, m[n]))
	}
	k.ok(k.objID())
	return out, nil
}

// recover restores a soft-deleted object with all its versions and their
// attributes (F25); rotation schedules resume now.
func (cl *collection[V, P, D, R]) recover(c *Client, name string) (R, error) {
	k, v, o, f := cl.open(c, cl.opRecover, cl.pRecover, name, true)
	defer k.end()
	if f != nil {
		var zero R
		return zero, k.fail(f)
	}
	o.deleted = nil
	o.resumeAt = k.now
	c.s.nextDirty = true
	k.ok(objectID(v.props.Name, cl.kind.coll, o.name, ""))
	return cl.recovered(v, o, current(o)), nil
}

// purge permanently deletes a soft-deleted object; refused under purge
// protection until retention ends (F27).
func (cl *collection[V, P, D, R]) purge(c *Client, name string) error {
	k, v, o, f := cl.open(c, cl.opPurge, cl.pPurge, name, true)
	defer k.end()
	if f == nil {
		f = purgeCheck(v, o.deleted, k.now)
	}
	if f != nil {
		return k.fail(f)
	}
	delete(cl.objects(v), lower(name))
	c.s.nextDirty = true
	k.ok(objectID(v.props.Name, cl.deletedColl(), o.name, ""))
	return nil
}

// list returns the current version of every live object, by name.
func (cl *collection[V, P, D, R]) list(c *Client) ([]P, error) {
	k, v, f := c.begin(cl.opList, cl.kind.coll, "", "", cl.pList)
	defer k.end()
	if f != nil {
		return nil, k.fail(f)
	}
	m := cl.objects(v)
	var out []P
	for _, n := range sortedNames(m, false) {
		o := m[n]
		out = append(out, cl.props(v, o, current(o)))
	}
	k.ok(k.objID())
	return out, nil
}

// listVersions returns every version of a live object, oldest first.
func (cl *collection[V, P, D, R]) listVersions(c *Client, name string) ([]P, error) {
	k, v, o, f := cl.open(c, cl.opListVersions, cl.pList, name, false)
	defer k.end()
	if f != nil {
		return nil, k.fail(f)
	}
	out := make([]P, 0, len(o.versions))
	for _, ver := range o.versions {
		out = append(out, cl.props(v, o, ver))
	}
	k.ok(objectID(v.props.Name, cl.kind.coll, o.name, ""))
	return out, nil
}

// getVersion returns a version ("" for the current one) of a live object,
// shown by show. A disabled version cannot be read (F11).
func getVersion[V versioned, P, D, R, G any](cl *collection[V, P, D, R], c *Client, o op, need perm, name, version string,
	show func(*vaultState, *object[V], V) G) (G, error) {
	k, v, f := c.begin(o, cl.kind.coll, name, version, need)
	defer k.end()
	var obj *object[V]
	var ver V
	if f == nil {
		obj, ver, f = liveVersion(cl.objects(v), cl.kind, name, version)
	}
	if f == nil && !ver.base().enabled {
		k.ver = ver.base().version
		f = fail(ErrDisabled, cl.kind.disabled, 403, "operation get is not allowed on a disabled %s (F11)", cl.kind.noun)
	}
	if f != nil {
		var zero G
		return zero, k.fail(f)
	}
	k.ok(ver.base().id)
	return show(v, obj, ver), nil
}

// attrUpdate is the change of the attributes every version has (F9, F18);
// nil fields stay as they are.
type attrUpdate struct {
	enabled  *bool
	nbf, exp *time.Time
	tags     map[string]string
}

// updateVersion changes the attributes of a version ("" for the current
// one) of a live object; allowed on a disabled version (F11). check
// validates what only one kind has (key_ops, content type) and returns how
// to apply it; nothing changes unless every check passes.
func updateVersion[V versioned, P, D, R, G any](cl *collection[V, P, D, R], c *Client, o op, need perm, name, version string,
	u attrUpdate, check func(V) (apply func(), f *failure), show func(*vaultState, *object[V], V) G) (G, error) {
	k, v, f := c.begin(o, cl.kind.coll, name, version, need)
	defer k.end()
	var obj *object[V]
	var ver V
	if f == nil {
		obj, ver, f = liveVersion(cl.objects(v), cl.kind, name, version)
	}
	if f == nil {
		f = checkTags(u.tags)
	}
	var apply func()
	if f == nil {
		apply, f = check(ver)
	}
	if f == nil {
		f = ver.base().windowAfterUpdate(u.nbf, u.exp)
	}
	if f != nil {
		var zero G
		return zero, k.fail(f)
	}
	ver.base().update(k.now, u.enabled, u.nbf, u.exp, u.tags)
	apply()
	c.s.nextDirty = true // exp may move a Notify (F14)
	k.ok(ver.base().id)
	return show(v, obj, ver), nil
}
