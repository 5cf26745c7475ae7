package vault

import (
	"slices"
	"time"
)

// ActionType is what a lifetime action does (F14).
type ActionType string

// The lifetime actions.
const (
	// ActionRotate creates a new key version.
	ActionRotate ActionType = "Rotate"
	// ActionNotify raises the near-expiry notification (an Event Grid event
	// in Azure); the simulation records it in the audit log as a
	// KeyNearExpiry event of the system principal.
	ActionNotify ActionType = "Notify"
)

// LifetimeAction is one trigger and action of a rotation policy (F14).
// Exactly one of TimeAfterCreate and TimeBeforeExpiry is set.
type LifetimeAction struct {
	Action ActionType
	// TimeAfterCreate fires the action this long after the current version
	// was created (Rotate only).
	TimeAfterCreate time.Duration
	// TimeBeforeExpiry fires the action this long before the current
	// version's exp.
	TimeBeforeExpiry time.Duration
}

// RotationPolicy is a key's rotation policy (F14). The zero policy does
// nothing.
type RotationPolicy struct {
	// ExpiresIn, when positive, is applied as exp to versions created by
	// rotation (on demand or by the policy), not to the current one (F14).
	ExpiresIn       time.Duration
	LifetimeActions []LifetimeAction
	// Created is when the key's policy was first set, and Updated when it
	// was last set; both are set by the service (Key Vault's read-only
	// attributes.created and attributes.updated). Both are zero for a key
	// without a policy.
	Created time.Time
	Updated time.Time
}

const (
	day          = 24 * time.Hour
	policyMin    = 7 * day         // F14: at least 7 days after creation and before expiry
	policyDurMax = 100 * 365 * day // a bound, far beyond any real policy
)

func (p *RotationPolicy) check() *failure {
	if p.ExpiresIn < 0 || p.ExpiresIn > policyDurMax {
		return badParam("expiryTime must be 0 to 100 years (F14)")
	}
	if len(p.LifetimeActions) > 2 {
		return badParam("a rotation policy has at most one Rotate and one Notify action (F14)")
	}
	seen := map[ActionType]bool{}
	for _, a := range p.LifetimeActions {
		if a.Action != ActionRotate && a.Action != ActionNotify {
			return badParam("unknown lifetime action %q (F14)", clip(string(a.Action)))
		}
		if seen[a.Action] {
			return badParam("a rotation policy has at most one %s action (F14)", a.Action)
		}
		seen[a.Action] = true
		if (a.TimeAfterCreate > 0) == (a.TimeBeforeExpiry > 0) || a.TimeAfterCreate < 0 || a.TimeBeforeExpiry < 0 {
			return badParam("a lifetime action has exactly one of timeAfterCreate and timeBeforeExpiry (F14)")
		}
		if a.Action == ActionNotify && a.TimeAfterCreate > 0 {
			return badParam("Notify fires only before expiry (F14)")
		}
		d := a.TimeAfterCreate + a.TimeBeforeExpiry
		if d < policyMin || d > policyDurMax {
			return badParam("lifetime actions fire at least 7 days after creation or before expiry (F14)")
		}
		if a.TimeBeforeExpiry > 0 && p.ExpiresIn == 0 {
			return badParam("timeBeforeExpiry needs an expiryTime (F14)")
		}
		if p.ExpiresIn > 0 && d > p.ExpiresIn-policyMin {
			return badParam("lifetime actions must fire at least 7 days before expiry (F14)")
		}
	}
	return nil
}

func (p *RotationPolicy) action(t ActionType) (LifetimeAction, bool) {
	i := slices.IndexFunc(p.LifetimeActions, func(a LifetimeAction) bool { return a.Action == t })
	if i < 0 {
		return LifetimeAction{}, false
	}
	return p.LifetimeActions[i], true
}

func (p *RotationPolicy) clone() RotationPolicy {
	c := *p
	c.LifetimeActions = slices.Clone(p.LifetimeActions)
	return c
}

// GetKeyRotationPolicy returns a key's rotation policy; a key without one
// has the zero policy.
func (c *Client) GetKeyRotationPolicy(name string) (RotationPolicy, error) {
	k, v, f := c.begin(opGetKeyRotationPolicy, "keys", name, "", pKeyGetPolicy)
	defer k.end()
	var o *object[*keyVersion]
	if f == nil {
		o, f = live(v.keys, keyKind, name)
	}
	if f != nil {
		return RotationPolicy{}, k.fail(f)
	}
	k.ok(objectID(v.props.Name, "keys", o.name, "") + "/rotationpolicy")
	if o.policy == nil {
		return RotationPolicy{}, nil
	}
	return o.policy.clone(), nil
}

// UpdateKeyRotationPolicy sets a key's rotation policy (F14, F16). Its
// actions fire when the simulated clock passes their time, as events of the
// system principal; a policy never fires for a time before it was set.
func (c *Client) UpdateKeyRotationPolicy(name string, p RotationPolicy) (RotationPolicy, error) {
	k, v, f := c.begin(opUpdateKeyRotationPolicy, "keys", name, "", pKeySetPolicy)
	defer k.end()
	var o *object[*keyVersion]
	if f == nil {
		o, f = live(v.keys, keyKind, name)
	}
	if f == nil {
		f = p.check()
	}
	if f != nil {
		return RotationPolicy{}, k.fail(f)
	}
	np := p.clone()
	np.Created, np.Updated = k.now, k.now
	if o.policy != nil {
		np.Created = o.policy.Created
	}
	o.policy = &np
	o.resumeAt = k.now
	c.s.nextDirty = true
	k.ok(objectID(v.props.Name, "keys", o.name, "") + "/rotationpolicy")
	return np.clone(), nil
}
