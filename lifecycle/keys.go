package lifecycle

import (
	"errors"
	"fmt"
	"time"

	"github.com/atrest-sim/atrest/vault"
)

// VaultSpec describes a key vault to create. Soft-delete is always on (F21).
type VaultSpec struct {
	Name         string
	Subscription string
	Region       string
	// Premium selects the Premium SKU (HSM keys, F1).
	Premium bool
	// RetentionDays is the soft-delete retention, 7-90; 0 means 90 (F19).
	RetentionDays int
	// PurgeProtection turns on purge protection, which disk encryption sets
	// require (F27, F32).
	PurgeProtection bool
	// EnabledForDiskEncryption lets Azure Disk Encryption use the vault (F41).
	EnabledForDiskEncryption bool
}

// vaultModel is the world's record of a vault.
type vaultModel struct {
	spec      VaultSpec
	geography string
}

// keyModel is the world's model of a key: the states its operations set,
// which the symbolic verdict reads.
type keyModel struct {
	vault, name string
	kty         vault.KeyType
	bits        int
	versions    []*keyVer
	deleted     bool
	deletedAt   time.Time
	purged      bool
	// lineage identifies the key material: the id of the first version
	// created; restored copies share it (F35), for F114.
	lineage string
}

type keyVer struct {
	id      string // versioned id
	version string
	enabled bool
	exp     *time.Time
}

// secretModel is the world's model of a secret (an ADE BEK).
type secretModel struct {
	vault, name string
	versions    []*keyVer
	deleted     bool
	deletedAt   time.Time
	purged      bool
	lineage     string // as keyModel.lineage
}

// CreateVault creates a key vault. The admin principal becomes its Key
// Vault Administrator.
func (w *World) CreateVault(s VaultSpec) error {
	const op = "CreateVault"
	sub, ok := w.subs[s.Subscription]
	if !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("subscription %q", s.Subscription))
	}
	reg, ok := LookupRegion(s.Region)
	if !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("region %q", s.Region))
	}
	if _, ok := w.vaults[s.Name]; ok {
		return refuse(op, "F24", ErrInvalid, fmt.Sprintf("vault %q exists", s.Name))
	}
	if s.RetentionDays == 0 {
		s.RetentionDays = 90
	}
	sku := vault.SKUStandard
	if s.Premium {
		sku = vault.SKUPremium
	}
	_, err := w.kv.CreateVault(w.admin, vault.VaultProperties{
		Name: s.Name, Tenant: sub.tenant, Subscription: s.Subscription, Region: s.Region, Geography: reg.Geography,
		SKU: sku, SoftDeleteRetentionDays: s.RetentionDays, EnablePurgeProtection: s.PurgeProtection,
		AuthModel: vault.AuthRBAC, EnabledForDiskEncryption: s.EnabledForDiskEncryption,
	})
	if err != nil {
		return refuseCause(op, "", ErrInvalid, "vault service refused", err)
	}
	w.vaults[s.Name] = &vaultModel{spec: s, geography: reg.Geography}
	return w.AssignVaultRole(adminID, s.Name, vault.RoleAdministrator)
}

// KeySpec describes a key to create.
type KeySpec struct {
	// Type is the key type; zero means RSA.
	Type vault.KeyType
	// Size is the RSA modulus or oct size; zero means 2048 for RSA.
	Size int
	// Expires, when set, is the key's exp attribute (F9).
	Expires *time.Time
}

// client returns a vault client for a principal.
func (w *World) client(who, vaultName string) (*vault.Client, *principal, error) {
	p, ok := w.principals[who]
	if !ok {
		return nil, nil, refuse("client", "", ErrNotFound, fmt.Sprintf("principal %q", who))
	}
	c, err := w.kv.Client(vaultName, p.vp)
	if err != nil {
		return nil, nil, refuseCause("client", "", ErrNotFound, fmt.Sprintf("vault %q", vaultName), err)
	}
	return c, p, nil
}

func keyRef(vaultName, name string) string { return vaultName + "/" + name }

// CreateKey creates a key as principal who and returns its versioned id.
func (w *World) CreateKey(who, vaultName, name string, s KeySpec) (string, error) {
	const op = "CreateKey"
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return "", err
	}
	if s.Type == "" {
		s.Type = vault.KeyTypeRSA
	}
	if s.Size == 0 && (s.Type == vault.KeyTypeRSA || s.Type == vault.KeyTypeRSAHSM) {
		s.Size = 2048
	}
	k, err := c.CreateKey(name, vault.CreateKeyParameters{Kty: s.Type, KeySize: s.Size, Expires: s.Expires})
	if err != nil {
		return "", refuseCause(op, "", ErrForbidden, "vault refused", err)
	}
	km, ok := w.keys[keyRef(vaultName, name)]
	if !ok || w.keyGone(km) {
		if ok {
			w.retired = append(w.retired, km)
		}
		km = &keyModel{vault: vaultName, name: name, kty: s.Type, bits: s.Size, lineage: k.ID}
		w.keys[keyRef(vaultName, name)] = km
	}
	km.versions = append(km.versions, &keyVer{id: k.ID, version: k.Version, enabled: true, exp: s.Expires})
	if len(km.versions) > 1 {
		// A new version of an existing key: disk encryption sets with
		// automatic rotation pick it up as they do a rotation (F50).
		w.scheduleRotationPickup(vaultName, name)
	}
	return k.ID, nil
}

// RotateKey creates a new version of a key (F13) and returns its versioned
// id. Disk encryption sets with automatic rotation re-wrap their disks'
// DEKs under it within Options.RotationPickup (F50).
func (w *World) RotateKey(who, vaultName, name string) (string, error) {
	const op = "RotateKey"
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return "", err
	}
	k, err := c.RotateKey(name)
	if err != nil {
		return "", refuseCause(op, "F13", ErrForbidden, "vault refused", err)
	}
	km := w.keys[keyRef(vaultName, name)]
	km.versions = append(km.versions, &keyVer{id: k.ID, version: k.Version, enabled: true})
	if w.faulty(faultRotateDisablesOld) { // mutation hook (faults.go)
		w.faultDisableLatest(c, km, 2)
	}
	w.scheduleRotationPickup(vaultName, name)
	return k.ID, nil
}

// SetKeyEnabled enables or disables a key version (the latest for a
// versionless id). A disabled customer key stops VMs and fails disk I/O
// Options.RevocationDelay later (F11, F47).
func (w *World) SetKeyEnabled(who, keyID string, enabled bool) error {
	const op = "SetKeyEnabled"
	km, kv, err := w.lookupKeyID(op, keyID)
	if err != nil {
		return err
	}
	c, _, err := w.client(who, km.vault)
	if err != nil {
		return err
	}
	if _, err := c.UpdateKeyProperties(km.name, kv.version, vault.UpdateKeyParameters{Enabled: &enabled}); err != nil {
		return refuseCause(op, "F11", ErrForbidden, "vault refused", err)
	}
	kv.enabled = enabled
	w.afterKeyChange(km.vault)
	return nil
}

// SetKeyExpiry sets the exp attribute of a key version. Disks treat an
// expired customer key as unusable (F47, Options.ExpiredCMKUnusable) even
// though Key Vault still unwraps with it (F10).
func (w *World) SetKeyExpiry(who, keyID string, exp time.Time) error {
	const op = "SetKeyExpiry"
	km, kv, err := w.lookupKeyID(op, keyID)
	if err != nil {
		return err
	}
	c, _, err := w.client(who, km.vault)
	if err != nil {
		return err
	}
	if _, err := c.UpdateKeyProperties(km.name, kv.version, vault.UpdateKeyParameters{Expires: &exp}); err != nil {
		return refuseCause(op, "F9", ErrForbidden, "vault refused", err)
	}
	kv.exp = &exp
	if exp.After(w.Now()) {
		w.schedule(exp, "key expiry "+km.name, func() { w.afterKeyChange(km.vault) })
	} else {
		w.afterKeyChange(km.vault)
	}
	return nil
}

// DeleteKey soft-deletes a key with all its versions (F8, F22).
func (w *World) DeleteKey(who, vaultName, name string) error {
	const op = "DeleteKey"
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return err
	}
	if _, err := c.DeleteKey(name); err != nil {
		return refuseCause(op, "F22", ErrForbidden, "vault refused", err)
	}
	if w.faulty(faultDoubleDelete) { // mutation hook (faults.go)
		_, _ = c.DeleteKey(name)
	}
	km := w.keys[keyRef(vaultName, name)]
	km.deleted, km.deletedAt = true, w.Now()
	w.afterKeyChange(vaultName)
	ret := time.Duration(w.vaults[vaultName].spec.RetentionDays) * 24 * time.Hour
	w.schedule(km.deletedAt.Add(ret), "auto-purge "+name, func() { w.afterKeyChange(vaultName) })
	return nil
}

// RecoverKey recovers a soft-deleted key with its versions and attributes
// (F25).
func (w *World) RecoverKey(who, vaultName, name string) error {
	const op = "RecoverKey"
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return err
	}
	if _, err := c.RecoverDeletedKey(name); err != nil {
		return refuseCause(op, "F25", ErrForbidden, "vault refused", err)
	}
	w.keys[keyRef(vaultName, name)].deleted = false
	if w.faulty(faultRecoverDisables) { // mutation hook (faults.go)
		w.faultDisableLatest(c, w.keys[keyRef(vaultName, name)], 1)
	}
	return nil
}

// PurgeKey purges a soft-deleted key for good (F22, F27). Without a backup
// or restored copy anywhere, the data it protects is lost (F114).
func (w *World) PurgeKey(who, vaultName, name string) error {
	const op = "PurgeKey"
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return err
	}
	if err := c.PurgeDeletedKey(name); err != nil && !(w.faulty(faultPurgeIgnoresProtection) && errors.Is(err, vault.ErrPurgeProtected)) { // mutation hook (faults.go)
		return refuseCause(op, "F27", ErrForbidden, "vault refused", err)
	}
	w.keys[keyRef(vaultName, name)].purged = true
	w.afterKeyChange(vaultName)
	return nil
}

// lookupKeyID finds the model of a versioned or versionless key id.
func (w *World) lookupKeyID(op, keyID string) (*keyModel, *keyVer, error) {
	vn, coll, name, version, err := vault.ParseID(keyID)
	if err != nil || coll != "keys" {
		return nil, nil, refuseCause(op, "F7", ErrInvalid, "not a key identifier", err)
	}
	km, ok := w.keys[keyRef(vn, name)]
	if !ok || len(km.versions) == 0 {
		return nil, nil, refuse(op, "", ErrNotFound, "key "+name)
	}
	if version == "" {
		return km, km.versions[len(km.versions)-1], nil
	}
	for _, v := range km.versions {
		if v.version == version {
			return km, v, nil
		}
	}
	return nil, nil, refuse(op, "", ErrNotFound, "key version")
}

// keyGone reports whether a key is purged, explicitly or by the end of its
// retention (F26).
func (w *World) keyGone(km *keyModel) bool {
	if km.purged {
		return true
	}
	if km.deleted {
		ret := time.Duration(w.vaults[km.vault].spec.RetentionDays) * 24 * time.Hour
		return !w.Now().Before(km.deletedAt.Add(ret))
	}
	return false
}

func (w *World) secretGone(sm *secretModel) bool {
	if sm.purged {
		return true
	}
	if sm.deleted {
		ret := time.Duration(w.vaults[sm.vault].spec.RetentionDays) * 24 * time.Hour
		return !w.Now().Before(sm.deletedAt.Add(ret))
	}
	return false
}
