package lifecycle

import (
	"fmt"

	"github.com/atrest-sim/atrest/vault"
)

// subscription is an Azure subscription in a tenant.
type subscription struct {
	name, tenant string
	eah          bool // Microsoft.Compute/EncryptionAtHost registered (F58)
}

// ComputeRole is a management-plane role on a subscription's compute
// resources (F116).
type ComputeRole int

// The compute roles. The zero value grants nothing.
const (
	NoComputeRole ComputeRole = iota
	// Owner and Contributor may manage VMs and disks and export disks.
	Owner
	Contributor
	// Reader sees resources but may not export disks.
	Reader
	// ContributorNoExport is a custom role: Contributor without
	// Microsoft.Compute/disks/beginGetAccess/action and the snapshot
	// equivalent, the role auditors ask for (F116).
	ContributorNoExport
)

var computeRoleNames = [...]string{"none", "Owner", "Contributor", "Reader", "Contributor (no disk export)"}

// String names the role.
func (r ComputeRole) String() string {
	if r < 0 || int(r) >= len(computeRoleNames) {
		return "unknown"
	}
	return computeRoleNames[r]
}

// canExport reports whether the role grants disk and snapshot export.
func (r ComputeRole) canExport() bool { return r == Owner || r == Contributor }

// principal is an identity of the world: its vault principal, its vault
// roles (the model the symbolic verdict uses) and its compute roles.
type principal struct {
	name       string
	vp         vault.Principal
	vaultRoles map[string][]vault.Role // by vault name
	compute    map[string]ComputeRole  // by subscription
}

// AddSubscription adds subscription sub in tenant tenant. The admin
// principal owns it.
func (w *World) AddSubscription(tenant, sub string) error {
	const op = "AddSubscription"
	if tenant == "" || sub == "" {
		return refuse(op, "", ErrInvalid, "tenant and subscription names must not be empty")
	}
	if _, ok := w.subs[sub]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("subscription %q exists", sub))
	}
	w.subs[sub] = &subscription{name: sub, tenant: tenant}
	w.principals[adminID].compute[sub] = Owner
	return nil
}

// RegisterEncryptionAtHost registers the Microsoft.Compute/EncryptionAtHost
// feature on a subscription, which encryption at host needs (F58).
func (w *World) RegisterEncryptionAtHost(sub string) error {
	s, ok := w.subs[sub]
	if !ok {
		return refuse("RegisterEncryptionAtHost", "", ErrNotFound, fmt.Sprintf("subscription %q", sub))
	}
	s.eah = true
	return nil
}

// AddPrincipal adds a user principal named name with no roles.
func (w *World) AddPrincipal(name string) error {
	return w.addPrincipal("AddPrincipal", name, vault.KindUser)
}

func (w *World) addPrincipal(op, name string, kind vault.PrincipalKind) error {
	if name == "" || name == vault.SystemID {
		return refuse(op, "", ErrInvalid, "bad principal name")
	}
	if _, ok := w.principals[name]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("principal %q exists", name))
	}
	w.principals[name] = &principal{name: name, vp: vault.Principal{ID: name, Kind: kind},
		vaultRoles: map[string][]vault.Role{}, compute: map[string]ComputeRole{}}
	return nil
}

// AssignComputeRole gives a principal a compute role on a subscription,
// replacing any it had there.
func (w *World) AssignComputeRole(name, sub string, r ComputeRole) error {
	const op = "AssignComputeRole"
	p, ok := w.principals[name]
	if !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("principal %q", name))
	}
	if _, ok := w.subs[sub]; !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("subscription %q", sub))
	}
	if r < NoComputeRole || r > ContributorNoExport {
		return refuse(op, "", ErrInvalid, "unknown compute role")
	}
	p.compute[sub] = r
	return nil
}

// AssignVaultRole gives a principal a Key Vault data-plane role on a vault
// (F38), through the vault service.
func (w *World) AssignVaultRole(name, vaultName string, r vault.Role) error {
	const op = "AssignVaultRole"
	p, ok := w.principals[name]
	if !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("principal %q", name))
	}
	if _, ok := w.vaults[vaultName]; !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("vault %q", vaultName))
	}
	if err := w.kv.AssignRole(w.admin, p.vp, r, vault.Scope{Vault: vaultName}); err != nil {
		return refuseCause(op, "F38", ErrInvalid, "role assignment refused", err)
	}
	p.vaultRoles[vaultName] = append(p.vaultRoles[vaultName], r)
	return nil
}

// RemoveVaultRole removes a principal's role on a vault (revoking access,
// F40, F47).
func (w *World) RemoveVaultRole(name, vaultName string, r vault.Role) error {
	const op = "RemoveVaultRole"
	p, ok := w.principals[name]
	if !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("principal %q", name))
	}
	if err := w.kv.RemoveRole(w.admin, p.vp, r, vault.Scope{Vault: vaultName}); err != nil {
		return refuseCause(op, "F38", ErrNotFound, "role removal refused", err)
	}
	roles := p.vaultRoles[vaultName]
	if i := indexOf(roles, r); i >= 0 {
		p.vaultRoles[vaultName] = append(roles[:i:i], roles[i+1:]...)
	}
	w.afterKeyChange(vaultName)
	return nil
}

func indexOf[T comparable](s []T, v T) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// rolePerms is the lifecycle model of the F38 role table, for the symbolic
// verdict; the vault package enforces its own copy.
type vperm struct{ keyGet, unwrap, wrap, secretGet, keyBackup, secretBackup bool }

func rolePerm(r vault.Role) vperm {
	switch r {
	case vault.RoleAdministrator:
		return vperm{true, true, true, true, true, true}
	case vault.RoleCryptoOfficer:
		return vperm{keyGet: true, unwrap: true, wrap: true, keyBackup: true}
	case vault.RoleCryptoUser:
		return vperm{keyGet: true, unwrap: true, wrap: true, keyBackup: true}
	case vault.RoleCryptoServiceEncryptionUser:
		return vperm{keyGet: true, unwrap: true, wrap: true}
	case vault.RoleSecretsOfficer:
		return vperm{secretGet: true, secretBackup: true}
	case vault.RoleSecretsUser:
		return vperm{secretGet: true}
	case vault.RoleReader:
		return vperm{keyGet: true}
	}
	return vperm{}
}

// perms returns the union of a principal's permissions on a vault.
func (p *principal) perms(vaultName string) vperm {
	var u vperm
	for _, r := range p.vaultRoles[vaultName] {
		q := rolePerm(r)
		u.keyGet = u.keyGet || q.keyGet
		u.unwrap = u.unwrap || q.unwrap
		u.wrap = u.wrap || q.wrap
		u.secretGet = u.secretGet || q.secretGet
		u.keyBackup = u.keyBackup || q.keyBackup
		u.secretBackup = u.secretBackup || q.secretBackup
	}
	return u
}
