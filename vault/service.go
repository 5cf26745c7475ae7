package vault

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/atrest-sim/atrest/envelope"
)

// Clock tells the simulated time. *sim.Clock (internal/sim) satisfies it; the
// package never reads the wall clock.
type Clock interface {
	Now() time.Time
}

// Config holds what a [Service] draws on: the clock, the random source and,
// optionally, a pool of pre-generated RSA keys. Clock and Rand are required.
type Config struct {
	// Clock gives the simulated time every call and scheduled effect uses.
	Clock Clock
	// Rand supplies every random byte the service draws: oct key material,
	// version ids, the backup sealing key and nonces, RSA-OAEP seeds. Pass
	// envelope.NewSeededReader(seed) for a reproducible world. The service
	// serializes its reads, so Rand need not be safe for concurrent use,
	// but it must not be shared with other readers.
	Rand io.Reader
	// RSAKeys, when set, supplies RSA key material from a pool instead of
	// generating it on every create (see [KeyPool]; simulation only). A nil
	// pool generates fresh keys with crypto/rsa.
	RSAKeys *KeyPool
}

// lockedReader serializes reads of a reader that is not safe for concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return io.ReadFull(l.r, p)
}

// Service holds every vault of one simulated cloud: vault names are global
// (F24), role assignments live here (F29), and one audit log records every
// call. It is safe for concurrent use.
type Service struct {
	mu       sync.Mutex
	clock    Clock
	rand     *lockedReader
	pool     *KeyPool
	poolNext map[int]int // RSA bits -> next pool index of this service
	backup   *envelope.Sealer
	vaults   map[string]*vaultState // by lower-case name, live and soft-deleted
	roles    map[string][]assignment
	audit    auditLog

	next      effect // earliest scheduled effect, valid when !nextDirty
	nextDirty bool
}

// New returns an empty service. It draws the 32-byte backup sealing key from
// cfg.Rand. Its errors are [*Error]s: a Config without a Clock or a Rand
// matches [ErrBadParameter]; a random source that fails matches
// [ErrInternal] and the source's own error (envelope.ErrRandom).
func New(cfg Config) (*Service, error) {
	if cfg.Clock == nil || cfg.Rand == nil {
		return nil, newError("New", ErrBadParameter, nil, "Config needs a Clock and a Rand")
	}
	r := &lockedReader{r: cfg.Rand}
	bk, err := envelope.GenerateDEK(r)
	if err != nil {
		return nil, newError("New", ErrInternal, err, "drawing the backup key")
	}
	sealer, err := envelope.NewSealer(bk, r)
	if err != nil {
		return nil, newError("New", ErrInternal, err, "building the backup sealer")
	}
	return &Service{
		clock:     cfg.Clock,
		rand:      r,
		pool:      cfg.RSAKeys,
		poolNext:  map[int]int{},
		backup:    sealer,
		vaults:    map[string]*vaultState{},
		roles:     map[string][]assignment{},
		audit:     newAuditLog(),
		nextDirty: true,
	}, nil
}

// String describes the service without its contents.
func (s *Service) String() string { return "vault.Service(REDACTED)" }

// GoString describes the service without its contents.
func (s *Service) GoString() string { return s.String() }

// Format writes [Service.String] for every verb, so no verb reaches key material.
func (s *Service) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// SKU is a vault pricing tier (F1).
type SKU string

// The vault SKUs. HSM-protected keys need Premium (F1, F2).
const (
	SKUStandard SKU = "standard"
	SKUPremium  SKU = "premium"
)

// AuthModel is a vault's data-plane authorization model (F17).
type AuthModel string

// The authorization models. RBAC is the default (F17).
const (
	// AuthRBAC evaluates role assignments and ignores access policies.
	AuthRBAC AuthModel = "rbac"
	// AuthAccessPolicies evaluates the vault's access policies and ignores
	// role assignments (F17, F38).
	AuthAccessPolicies AuthModel = "accessPolicies"
)

// VaultProperties describe a vault. On create, zero values take the Azure
// defaults: SKU Standard, retention 90 days (F19), purge protection off
// (F27), RBAC (F17).
type VaultProperties struct {
	Name         string `json:"name"`
	Tenant       string `json:"tenant"`
	Subscription string `json:"subscription"`
	Region       string `json:"region"`
	// Geography is the Azure geography of Region (for example "United
	// States"); backups restore only within it (F33).
	Geography string `json:"geography"`
	SKU       SKU    `json:"sku"`
	// SoftDeleteRetentionDays is 7 to 90 and fixed at creation (F19, F20).
	SoftDeleteRetentionDays int `json:"softDeleteRetentionDays"`
	// EnablePurgeProtection cannot be turned off once on (F27, F28).
	EnablePurgeProtection bool      `json:"enablePurgeProtection"`
	AuthModel             AuthModel `json:"authModel"`
	// EnabledForDiskEncryption lets Azure Disk Encryption use the vault (F41).
	EnabledForDiskEncryption bool `json:"enabledForDiskEncryption"`
}

// VaultUpdate lists the vault properties to change; nil fields stay as they
// are.
type VaultUpdate struct {
	// EnablePurgeProtection may go from false to true only (F28).
	EnablePurgeProtection *bool
	// SoftDeleteRetentionDays may be given only with its current value (F20).
	SoftDeleteRetentionDays  *int
	AuthModel                *AuthModel
	EnabledForDiskEncryption *bool
}

// DeletedVault is a soft-deleted vault (F29).
type DeletedVault struct {
	Properties         VaultProperties
	DeletedDate        time.Time
	ScheduledPurgeDate time.Time
}

type deletion struct {
	at, purgeAt time.Time
}

type vaultState struct {
	props    VaultProperties
	created  time.Time
	deleted  *deletion
	policies map[string]AccessPolicy // by object id (F17, F29: kept with the vault)
	perms    map[string]perm
	keys     map[string]*object[*keyVersion]
	secrets  map[string]*object[*secretVersion]
}

// recoveryLevel is the deletion recovery level of the vault's objects:
// "Customized" below the 90-day maximum retention, "+Purgeable" without
// purge protection (F19, F27; Key Vault's DeletionRecoveryLevel).
func (v *vaultState) recoveryLevel() string {
	l := "Recoverable"
	if v.props.SoftDeleteRetentionDays < retentionMax {
		l = "CustomizedRecoverable"
	}
	if !v.props.EnablePurgeProtection {
		l += "+Purgeable"
	}
	return l
}

func (v *vaultState) retention() time.Duration {
	return time.Duration(v.props.SoftDeleteRetentionDays) * 24 * time.Hour
}

func (p *VaultProperties) normalize() *failure {
	p.Name = lower(p.Name)
	if f := checkVaultName(p.Name); f != nil {
		return f
	}
	for _, f := range []struct{ n, v string }{{"tenant", p.Tenant}, {"subscription", p.Subscription}, {"region", p.Region}, {"geography", p.Geography}} {
		if f.v == "" || len(f.v) > propertyLenMax {
			return badParam("vault %s must be 1 to %d bytes", f.n, propertyLenMax)
		}
	}
	switch p.SKU {
	case "":
		p.SKU = SKUStandard
	case SKUStandard, SKUPremium:
	default:
		return badParam("unknown SKU %q (F1)", clip(string(p.SKU)))
	}
	if p.SoftDeleteRetentionDays == 0 {
		p.SoftDeleteRetentionDays = retentionMax
	}
	if p.SoftDeleteRetentionDays < retentionMin || p.SoftDeleteRetentionDays > retentionMax {
		return badParam("soft-delete retention must be %d to %d days, got %d (F19)", retentionMin, retentionMax, p.SoftDeleteRetentionDays)
	}
	switch p.AuthModel {
	case "":
		p.AuthModel = AuthRBAC
	case AuthRBAC, AuthAccessPolicies:
	default:
		return badParam("unknown authorization model %q (F17)", clip(string(p.AuthModel)))
	}
	return nil
}

// call is the context of one call under the service lock: who, what, when.
type call struct {
	s      *Service
	caller uint32
	op     op
	now    time.Time
	vault  string // lower-case vault name, for errors
	coll   string // "keys", "secrets" or "" for vault operations
	name   string
	ver    string
	obj    string // the object id to record, when not derived from the fields above
}

// begin takes the lock, reads the clock and applies every scheduled effect
// that is due. The caller must call end.
func (s *Service) begin(caller uint32, o op, vault string) call {
	s.mu.Lock()
	now := s.clock.Now()
	s.tick(now)
	return call{s: s, caller: caller, op: o, now: now, vault: vault}
}

func (k *call) end() { k.s.mu.Unlock() }

func (k *call) objID() string {
	switch {
	case k.obj != "":
		return k.obj
	case k.coll == "":
		return "https://" + k.vault + host
	case k.name == "":
		return "https://" + k.vault + host + "/" + k.coll
	}
	return objectID(k.vault, k.coll, k.name, k.ver)
}

// ok records a successful call on obj.
func (k *call) ok(obj string) {
	k.s.audit.add(record{t: k.now.UnixNano(), obj: obj, caller: k.caller, op: k.op, status: 200})
}

// fail records a failed call and returns its error. The call must not have
// changed anything before.
func (k *call) fail(f *failure) error {
	obj := k.objID()
	k.s.audit.add(record{t: k.now.UnixNano(), obj: obj, caller: k.caller, op: k.op, code: k.s.audit.code(f.code), status: uint16(f.status)})
	return &Error{Op: k.op.String(), Vault: k.vault, Object: k.name, Version: k.ver, Code: f.code, Status: f.status, Err: f.err, Detail: f.detail, cause: f.cause}
}

// control begins a management-plane call by caller on vault name.
func (s *Service) control(caller Principal, o op, name string) (call, *failure) {
	s.mu.Lock()
	now := s.clock.Now()
	s.tick(now)
	k := call{s: s, op: o, now: now, vault: lower(name)}
	if f := caller.check(); f != nil {
		k.caller = s.audit.caller(Principal{ID: "invalid", Kind: caller.Kind})
		return k, f
	}
	k.caller = s.audit.caller(caller)
	if f := checkVaultName(name); f != nil {
		return k, f
	}
	return k, nil
}

func vaultNotFound(name string) *failure {
	return fail(ErrNotFound, "VaultNotFound", 404, "no vault named %q", clip(name))
}

// liveVault returns the live vault name; a soft-deleted vault is not found.
func (s *Service) liveVault(name string) (*vaultState, *failure) {
	v := s.vaults[name]
	if v == nil || v.deleted != nil {
		return nil, vaultNotFound(name)
	}
	return v, nil
}

// CreateVault creates a vault. Vault names are global and stay reserved while
// a soft-deleted vault holds them (F24).
func (s *Service) CreateVault(caller Principal, p VaultProperties) (VaultProperties, error) {
	k, f := s.control(caller, opCreateVault, p.Name)
	defer k.end()
	if f == nil {
		f = p.normalize()
	}
	if f == nil {
		if v := s.vaults[p.Name]; v != nil && v.deleted != nil {
			f = fail(ErrDeletedButRecoverable, "ObjectIsDeletedButRecoverable", 409, "vault %q is soft-deleted; recover or purge it first (F24)", p.Name)
		} else if v != nil {
			f = fail(ErrConflict, "VaultAlreadyExists", 409, "vault names are global (F24)")
		}
	}
	if f != nil {
		return VaultProperties{}, k.fail(f)
	}
	s.vaults[p.Name] = &vaultState{
		props: p, created: k.now,
		policies: map[string]AccessPolicy{}, perms: map[string]perm{},
		keys: map[string]*object[*keyVersion]{}, secrets: map[string]*object[*secretVersion]{},
	}
	k.ok(k.objID())
	return p, nil
}

// GetVault returns the properties of a live vault.
func (s *Service) GetVault(caller Principal, name string) (VaultProperties, error) {
	k, f := s.control(caller, opGetVault, name)
	defer k.end()
	var v *vaultState
	if f == nil {
		v, f = s.liveVault(k.vault)
	}
	if f != nil {
		return VaultProperties{}, k.fail(f)
	}
	k.ok(k.objID())
	return v.props, nil
}

// UpdateVault changes vault properties. Purge protection cannot be turned off
// (F28) and retention cannot be changed (F20); switching the authorization
// model keeps access policies stored but unevaluated under RBAC (F17).
func (s *Service) UpdateVault(caller Principal, name string, u VaultUpdate) (VaultProperties, error) {
	k, f := s.control(caller, opUpdateVault, name)
	defer k.end()
	var v *vaultState
	if f == nil {
		v, f = s.liveVault(k.vault)
	}
	if f == nil {
		switch {
		case u.EnablePurgeProtection != nil && !*u.EnablePurgeProtection && v.props.EnablePurgeProtection:
			f = fail(ErrImmutable, "BadRequest", 400, "purge protection cannot be turned off once enabled (F28)")
		case u.SoftDeleteRetentionDays != nil && *u.SoftDeleteRetentionDays != v.props.SoftDeleteRetentionDays:
			f = fail(ErrImmutable, "BadRequest", 400, "soft-delete retention is fixed at vault creation (F20)")
		case u.AuthModel != nil && *u.AuthModel != AuthRBAC && *u.AuthModel != AuthAccessPolicies:
			f = badParam("unknown authorization model %q (F17)", clip(string(*u.AuthModel)))
		}
	}
	if f != nil {
		return VaultProperties{}, k.fail(f)
	}
	if u.EnablePurgeProtection != nil {
		v.props.EnablePurgeProtection = *u.EnablePurgeProtection
	}
	if u.AuthModel != nil {
		v.props.AuthModel = *u.AuthModel
	}
	if u.EnabledForDiskEncryption != nil {
		v.props.EnabledForDiskEncryption = *u.EnabledForDiskEncryption
	}
	k.ok(k.objID())
	return v.props, nil
}

// DeleteVault soft-deletes a vault with everything in it, for its retention
// period (F29). Its vault-scoped role assignments are deleted and will not
// come back with a recovery (F29).
func (s *Service) DeleteVault(caller Principal, name string) (DeletedVault, error) {
	k, f := s.control(caller, opDeleteVault, name)
	defer k.end()
	var v *vaultState
	if f == nil {
		v, f = s.liveVault(k.vault)
	}
	if f != nil {
		return DeletedVault{}, k.fail(f)
	}
	v.deleted = &deletion{at: k.now, purgeAt: k.now.Add(v.retention())}
	for id, as := range s.roles { // each principal independently: order-free
		as = slices.DeleteFunc(as, func(a assignment) bool { return a.scope.Vault == k.vault })
		if len(as) == 0 {
			delete(s.roles, id)
		} else {
			s.roles[id] = as
		}
	}
	s.nextDirty = true
	k.ok(k.objID())
	return DeletedVault{Properties: v.props, DeletedDate: v.deleted.at, ScheduledPurgeDate: v.deleted.purgeAt}, nil
}

func (s *Service) deletedVault(name string) (*vaultState, *failure) {
	v := s.vaults[name]
	if v == nil || v.deleted == nil {
		return nil, fail(ErrNotDeleted, "VaultNotFound", 404, "no soft-deleted vault named %q", clip(name))
	}
	return v, nil
}

// GetDeletedVault returns a soft-deleted vault.
func (s *Service) GetDeletedVault(caller Principal, name string) (DeletedVault, error) {
	k, f := s.control(caller, opGetDeletedVault, name)
	defer k.end()
	var v *vaultState
	if f == nil {
		v, f = s.deletedVault(k.vault)
	}
	if f != nil {
		return DeletedVault{}, k.fail(f)
	}
	k.ok(k.objID())
	return DeletedVault{Properties: v.props, DeletedDate: v.deleted.at, ScheduledPurgeDate: v.deleted.purgeAt}, nil
}

// RecoverDeletedVault restores a soft-deleted vault with its keys, secrets and
// access policies, but not its role assignments (F29).
func (s *Service) RecoverDeletedVault(caller Principal, name string) (VaultProperties, error) {
	k, f := s.control(caller, opRecoverDeletedVault, name)
	defer k.end()
	var v *vaultState
	if f == nil {
		v, f = s.deletedVault(k.vault)
	}
	if f != nil {
		return VaultProperties{}, k.fail(f)
	}
	v.deleted = nil
	for _, o := range v.keys { // rotation schedules resume now; order-free
		o.resumeAt = k.now
	}
	s.nextDirty = true
	k.ok(k.objID())
	return v.props, nil
}

// PurgeDeletedVault permanently deletes a soft-deleted vault and everything in
// it. With purge protection it is refused until retention ends (F27, F30).
func (s *Service) PurgeDeletedVault(caller Principal, name string) error {
	k, f := s.control(caller, opPurgeDeletedVault, name)
	defer k.end()
	var v *vaultState
	if f == nil {
		v, f = s.deletedVault(k.vault)
	}
	if f == nil && v.props.EnablePurgeProtection && k.now.Before(v.deleted.purgeAt) {
		f = fail(ErrPurgeProtected, "Forbidden", 403, "vault has purge protection; it will be purged automatically at %s (F27, F30)", v.deleted.purgeAt.Format(time.RFC3339))
	}
	if f != nil {
		return k.fail(f)
	}
	delete(s.vaults, k.vault)
	s.nextDirty = true
	k.ok(k.objID())
	return nil
}

// AssignRole gives principal a data-plane role at scope (F38). Roles take
// effect only in vaults that use RBAC.
func (s *Service) AssignRole(caller Principal, principal Principal, role Role, scope Scope) error {
	return s.changeRole(caller, opAssignRole, principal, role, scope)
}

// RemoveRole removes a role assignment made by [Service.AssignRole].
func (s *Service) RemoveRole(caller Principal, principal Principal, role Role, scope Scope) error {
	return s.changeRole(caller, opRemoveRole, principal, role, scope)
}

func (s *Service) changeRole(caller Principal, o op, principal Principal, role Role, scope Scope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.tick(now)
	k := call{s: s, op: o, now: now, vault: lower(scope.Vault)}
	f := caller.check()
	k.caller = s.audit.caller(caller)
	if f != nil {
		k.caller = s.audit.caller(Principal{ID: "invalid", Kind: caller.Kind})
	}
	var v *vaultState
	if f == nil {
		f = principal.check()
	}
	if _, known := rolePerms(role); f == nil && !known {
		f = badParam("unknown role %q (F38)", clip(string(role)))
	}
	if f == nil {
		if scope.Vault != "" {
			scope.Vault = lower(scope.Vault)
			if f = checkVaultName(scope.Vault); f == nil {
				v, f = s.liveVault(scope.Vault)
			}
			if f == nil && scope.Subscription != "" && scope.Subscription != v.props.Subscription {
				f = badParam("vault %q is not in subscription %q", scope.Vault, clip(scope.Subscription))
			}
			scope.Subscription = ""
		} else if scope.Subscription == "" || len(scope.Subscription) > propertyLenMax {
			f = badParam("a scope names a vault or a subscription")
		}
	}
	a := assignment{role: role, scope: scope}
	i := slices.Index(s.roles[principal.ID], a)
	if f == nil && o == opAssignRole && i >= 0 {
		f = fail(ErrConflict, "RoleAssignmentExists", 409, "the role assignment already exists")
	}
	if f == nil && o == opRemoveRole && i < 0 {
		f = fail(ErrNotFound, "RoleAssignmentNotFound", 404, "no such role assignment")
	}
	k.obj = "roleAssignments/" + principal.ID + "/" + string(role) + "@" + scopeString(scope)
	if f != nil {
		return k.fail(f)
	}
	if o == opAssignRole {
		s.roles[principal.ID] = append(s.roles[principal.ID], a)
	} else {
		s.roles[principal.ID] = slices.Delete(s.roles[principal.ID], i, i+1)
		if len(s.roles[principal.ID]) == 0 {
			delete(s.roles, principal.ID)
		}
	}
	k.ok(k.obj)
	return nil
}

func scopeString(sc Scope) string {
	if sc.Vault != "" {
		return "vaults/" + sc.Vault
	}
	return "subscriptions/" + sc.Subscription
}

// SetAccessPolicy sets (replaces) the access policy of p.ObjectID on a vault.
// Policies are vault properties: they are kept while the vault uses RBAC but
// not evaluated (F17), and they come back with a recovered vault (F29).
func (s *Service) SetAccessPolicy(caller Principal, vault string, p AccessPolicy) error {
	k, f := s.control(caller, opSetAccessPolicy, vault)
	defer k.end()
	var v *vaultState
	var pm perm
	if f == nil {
		v, f = s.liveVault(k.vault)
	}
	if f == nil {
		pm, f = p.perms()
	}
	if f != nil {
		return k.fail(f)
	}
	v.policies[p.ObjectID] = AccessPolicy{ObjectID: p.ObjectID, Keys: slices.Clone(p.Keys), Secrets: slices.Clone(p.Secrets)}
	v.perms[p.ObjectID] = pm
	k.ok(k.objID() + "/accessPolicies/" + p.ObjectID)
	return nil
}

// RemoveAccessPolicy removes the access policy of objectID from a vault.
func (s *Service) RemoveAccessPolicy(caller Principal, vault, objectID string) error {
	k, f := s.control(caller, opRemoveAccessPolicy, vault)
	defer k.end()
	var v *vaultState
	if f == nil {
		v, f = s.liveVault(k.vault)
	}
	if f == nil {
		if _, ok := v.policies[objectID]; !ok {
			f = fail(ErrNotFound, "AccessPolicyNotFound", 404, "no access policy for %q", clip(objectID))
		}
	}
	if f != nil {
		return k.fail(f)
	}
	delete(v.policies, objectID)
	delete(v.perms, objectID)
	k.ok(k.objID() + "/accessPolicies/" + objectID)
	return nil
}

// perms returns what p may do in v under v's authorization model (F17, F38).
func (s *Service) perms(p Principal, v *vaultState) perm {
	if v.props.AuthModel == AuthAccessPolicies {
		return v.perms[p.ID]
	}
	var out perm
	for _, a := range s.roles[p.ID] {
		if a.scope.Vault == v.props.Name || a.scope.Vault == "" && a.scope.Subscription == v.props.Subscription {
			rp, _ := rolePerms(a.role)
			out |= rp
		}
	}
	return out
}

// Client is a vault plus a calling principal. Every call through it is
// authorized and audited. It is safe for concurrent use.
type Client struct {
	s       *Service
	vault   string
	p       Principal
	callerI uint32
}

// Client returns a client of the named vault acting as p. The vault need not
// exist yet; calls fail with VaultNotFound while it does not.
func (s *Service) Client(vault string, p Principal) (*Client, error) {
	if f := checkVaultName(vault); f != nil {
		return nil, &Error{Op: "Client", Vault: vault, Code: f.code, Status: f.status, Err: f.err, Detail: f.detail}
	}
	if f := p.check(); f != nil {
		return nil, &Error{Op: "Client", Vault: vault, Code: f.code, Status: f.status, Err: f.err, Detail: f.detail}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Client{s: s, vault: lower(vault), p: p, callerI: s.audit.caller(p)}, nil
}

// Vault returns the lower-case name of the client's vault.
func (c *Client) Vault() string { return c.vault }

// Principal returns the client's calling principal.
func (c *Client) Principal() Principal { return c.p }

// String describes the client: its vault and principal.
func (c *Client) String() string { return "vault.Client(" + c.vault + ", " + c.p.ID + ")" }

// GoString describes the client: its vault and principal.
func (c *Client) GoString() string { return c.String() }

// begin starts a data-plane call on collection coll ("keys" or "secrets"),
// object name and version: it validates the names, finds the live vault and
// checks that the caller holds need.
func (c *Client) begin(o op, coll, name, ver string, need perm) (call, *vaultState, *failure) {
	k := c.s.begin(c.callerI, o, c.vault)
	k.coll, k.name, k.ver = coll, name, ver
	kind := "key"
	if coll == "secrets" {
		kind = "secret"
	}
	if name != "" || o != opListKeys && o != opListDeletedKeys && o != opListSecrets && o != opListDeletedSecrets && o != opRestoreKey && o != opRestoreSecret {
		if f := checkObjectName(kind, name); f != nil {
			return k, nil, f
		}
	}
	if f := checkVersion(ver); f != nil {
		return k, nil, f
	}
	v, f := c.s.liveVault(c.vault)
	if f != nil {
		return k, nil, f
	}
	if c.s.perms(c.p, v)&need != need {
		model := "RBAC role assignments (F38)"
		if v.props.AuthModel == AuthAccessPolicies {
			model = "access policy (F17)"
		}
		return k, nil, forbidden("caller %q lacks permission %s under the vault's %s", c.p.ID, o, model)
	}
	return k, v, nil
}

// readVersion returns the requested version, or the current one.
func pickVersion[V versioned](o *object[V], ver string) (V, bool) {
	if ver == "" {
		return o.versions[len(o.versions)-1], true
	}
	for _, v := range o.versions {
		if strings.EqualFold(v.base().version, ver) {
			return v, true
		}
	}
	var zero V
	return zero, false
}
