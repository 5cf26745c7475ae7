package vault

import (
	"cmp"
	"time"
)

// Scheduled effects. Nothing runs in the background: every call reads the
// clock and first applies, in time order, every effect whose time has come
// (tick). Ties are broken by vault name, then effect kind, then object name,
// so one sequence of calls gives one outcome whatever the map order.

type effectKind uint8

const (
	effRotate effectKind = iota
	effNotify
	effPurgeKey
	effPurgeSecret
	effPurgeVault
)

type effect struct {
	at    time.Time
	vault string
	kind  effectKind
	name  string // lower-case object name
	ok    bool   // an effect is pending
}

func (a effect) less(b effect) bool {
	if c := a.at.Compare(b.at); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(a.vault, b.vault); c != 0 {
		return c < 0
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.name < b.name
}

// rotateAt is when the policy of o next rotates it, if it does.
func rotateAt(o *object[*keyVersion]) (time.Time, bool) {
	if o.policy == nil || o.deleted != nil {
		return time.Time{}, false
	}
	a, ok := o.policy.action(ActionRotate)
	if !ok {
		return time.Time{}, false
	}
	cur := o.versions[len(o.versions)-1]
	var at time.Time
	switch {
	case a.TimeAfterCreate > 0:
		at = cur.created.Add(a.TimeAfterCreate)
	case cur.exp != nil:
		at = cur.exp.Add(-a.TimeBeforeExpiry)
	default:
		return time.Time{}, false
	}
	if at.Before(o.resumeAt) {
		at = o.resumeAt
	}
	return at, true
}

// notifyAt is when the policy of o raises its near-expiry notification for
// the current version, if it does.
func notifyAt(o *object[*keyVersion]) (time.Time, bool) {
	if o.policy == nil || o.deleted != nil {
		return time.Time{}, false
	}
	a, ok := o.policy.action(ActionNotify)
	cur := o.versions[len(o.versions)-1]
	if !ok || cur.exp == nil || cur.notified {
		return time.Time{}, false
	}
	at := cur.exp.Add(-a.TimeBeforeExpiry)
	if at.Before(o.resumeAt) {
		at = o.resumeAt
	}
	return at, true
}

// computeNext finds the earliest pending effect.
func (s *Service) computeNext() effect {
	var best effect
	consider := func(e effect) {
		if !best.ok || e.less(best) {
			e.ok = true
			best = e
		}
	}
	for vn, v := range s.vaults { // a total order, so map order does not matter
		if v.deleted != nil {
			consider(effect{at: v.deleted.purgeAt, vault: vn, kind: effPurgeVault})
		}
		for n, o := range v.keys {
			if o.deleted != nil {
				consider(effect{at: o.deleted.purgeAt, vault: vn, kind: effPurgeKey, name: n})
				continue
			}
			if v.deleted != nil {
				continue // policies pause while the vault is deleted
			}
			if at, ok := rotateAt(o); ok {
				consider(effect{at: at, vault: vn, kind: effRotate, name: n})
			}
			if at, ok := notifyAt(o); ok {
				consider(effect{at: at, vault: vn, kind: effNotify, name: n})
			}
		}
		for n, o := range v.secrets {
			if o.deleted != nil {
				consider(effect{at: o.deleted.purgeAt, vault: vn, kind: effPurgeSecret, name: n})
			}
		}
	}
	return best
}

// tickMax bounds the effects one tick applies; reaching it means a policy
// loop, which check() rules out (every rotation moves the next one at least
// 7 days on).
const tickMax = 1 << 20

// tick applies every effect due at or before now, in order, each at its own
// time, recorded under the system principal.
func (s *Service) tick(now time.Time) {
	for range tickMax {
		if s.nextDirty {
			s.next = s.computeNext()
			s.nextDirty = false
		}
		e := s.next
		if !e.ok || e.at.After(now) {
			return
		}
		s.apply(e)
		s.nextDirty = true
	}
	panic("vault: scheduled effects do not converge")
}

func (s *Service) apply(e effect) {
	v := s.vaults[e.vault]
	sys := s.audit.caller(system)
	rec := func(o op, obj string) {
		s.audit.add(record{t: e.at.UnixNano(), obj: obj, caller: sys, op: o, status: 200})
	}
	switch e.kind {
	case effPurgeVault: // F26, F29
		delete(s.vaults, e.vault)
		rec(opPurgeDeletedVault, "https://"+e.vault+host)
	case effPurgeKey: // F26
		o := v.keys[e.name]
		delete(v.keys, e.name)
		rec(opPurgeDeletedKey, objectID(e.vault, "deletedkeys", o.name, ""))
	case effPurgeSecret: // F26
		o := v.secrets[e.name]
		delete(v.secrets, e.name)
		rec(opPurgeDeletedSecret, objectID(e.vault, "deletedsecrets", o.name, ""))
	case effRotate: // F14
		o := v.keys[e.name]
		kv, f := s.rotate(v, o, e.at)
		if f != nil {
			// The random source failed: record the failure and retry a
			// day later rather than losing the rotation.
			s.audit.add(record{t: e.at.UnixNano(), obj: objectID(e.vault, "keys", o.name, ""), caller: sys,
				op: opRotateKey, code: s.audit.code(f.code), status: uint16(f.status)})
			o.resumeAt = e.at.Add(day)
			return
		}
		rec(opRotateKey, kv.id)
	case effNotify: // F14
		o := v.keys[e.name]
		cur := o.versions[len(o.versions)-1]
		cur.notified = true
		rec(opKeyNearExpiry, cur.id)
	}
}
