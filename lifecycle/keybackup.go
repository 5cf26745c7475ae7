package lifecycle

import (
	"errors"
	"fmt"

	"github.com/atrest-sim/atrest/vault"
)

// backupBlob is a key or secret backup held outside any vault: a file a
// principal downloaded with BackupKey or BackupSecret, or the copy a
// recovery point keeps of an ADE VM's KEK and BEK secret (F89). The bytes
// are the vault's opaque sealed blob (F33); the model beside them records
// which versions it holds, for the verdicts and for F114.
type backupBlob struct {
	name      string
	secret    bool
	vault     string // origin vault
	object    string // origin key or secret name
	sub       string // origin subscription (F33)
	geography string // origin geography (F33)
	data      []byte
	lineage   string
	versions  []keyVer // the versions and attributes at backup time
	kty       vault.KeyType
	bits      int
}

// BackupKey has principal who back up a key with all its versions (F33,
// F36, F114: back keys up on create and rotate) into a backup file named
// backupName, kept by the world outside any vault. The file restores only
// into a vault of the same subscription and geography ([World.RestoreKey]).
func (w *World) BackupKey(who, vaultName, name, backupName string) error {
	return w.backupObject("BackupKey", who, vaultName, name, backupName, false)
}

// BackupSecret has principal who back up a secret (for example an ADE BEK)
// with all its versions into a backup file named backupName (F33).
func (w *World) BackupSecret(who, vaultName, name, backupName string) error {
	return w.backupObject("BackupSecret", who, vaultName, name, backupName, true)
}

func (w *World) backupObject(op, who, vaultName, name, backupName string, secret bool) error {
	if backupName == "" {
		return refuse(op, "", ErrInvalid, "empty backup name")
	}
	if _, ok := w.blobs[backupName]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("backup %q exists", backupName))
	}
	b, err := w.takeBackup(op, who, vaultName, name, secret)
	if err != nil {
		return err
	}
	b.name = backupName
	w.blobs[backupName] = b
	return nil
}

// takeBackup calls the vault's backup operation as who and records the
// model of what the blob holds.
func (w *World) takeBackup(op, who, vaultName, name string, secret bool) (*backupBlob, error) {
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return nil, err
	}
	vm := w.vaults[vaultName]
	b := &backupBlob{secret: secret, vault: vaultName, object: name, sub: vm.spec.Subscription, geography: vm.geography}
	if secret {
		data, err := c.BackupSecret(name)
		if err != nil {
			return nil, refuseCause(op, "F33", vaultSentinel(err), "the vault refused the secret backup", err)
		}
		sm := w.secrets[keyRef(vaultName, name)]
		b.data, b.lineage = data, sm.lineage
		for _, v := range sm.versions {
			b.versions = append(b.versions, *v)
		}
		return b, nil
	}
	data, err := c.BackupKey(name)
	if err != nil {
		return nil, refuseCause(op, "F33", vaultSentinel(err), "the vault refused the key backup", err)
	}
	km := w.keys[keyRef(vaultName, name)]
	b.data, b.lineage, b.kty, b.bits = data, km.lineage, km.kty, km.bits
	for _, v := range km.versions {
		b.versions = append(b.versions, *v)
	}
	return b, nil
}

// vaultSentinel maps a vault error to the lifecycle sentinel that fits it.
func vaultSentinel(err error) error {
	switch {
	case errors.Is(err, vault.ErrForbidden), errors.Is(err, vault.ErrPurgeProtected):
		return ErrForbidden
	case errors.Is(err, vault.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, vault.ErrOtherGeography):
		return ErrRegionMismatch
	case errors.Is(err, vault.ErrOtherSubscription):
		return ErrSubscriptionMismatch
	case errors.Is(err, vault.ErrConflict):
		return ErrState
	case errors.Is(err, vault.ErrDisabled):
		return ErrKeyUnavailable
	}
	return ErrInvalid
}

// RestoreKey has principal who restore the key backup file backupName into
// a vault and returns the versioned id of its newest version. The key comes
// back under its original name with every version, version id and
// attribute (F34), as an independent copy (F35). The vault must be in the
// backup's subscription and geography (F33), and the name must be free:
// a soft-deleted key of that name must be recovered or purged first (F24,
// F34, F92).
func (w *World) RestoreKey(who, vaultName, backupName string) (string, error) {
	return w.restoreObject("RestoreKey", who, vaultName, backupName, false)
}

// RestoreSecret has principal who restore the secret backup file
// backupName into a vault (F33, F34) and returns the versioned id of its
// newest version.
func (w *World) RestoreSecret(who, vaultName, backupName string) (string, error) {
	return w.restoreObject("RestoreSecret", who, vaultName, backupName, true)
}

func (w *World) restoreObject(op, who, vaultName, backupName string, secret bool) (string, error) {
	b, ok := w.blobs[backupName]
	if !ok || b.secret != secret {
		return "", refuse(op, "", ErrNotFound, "backup "+backupName)
	}
	return w.restoreBlob(op, who, vaultName, b)
}

// restoreBlob restores a backup into a vault through the vault service,
// which enforces F33 and F34, and records the restored copy in the model.
func (w *World) restoreBlob(op, who, vaultName string, b *backupBlob) (string, error) {
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return "", err
	}
	if b.secret {
		if _, err := c.RestoreSecret(b.data); err != nil {
			return "", refuseCause(op, restoreFact(err), vaultSentinel(err), "the vault refused the secret restore", err)
		}
		sm := &secretModel{vault: vaultName, name: b.object, lineage: b.lineage}
		sm.versions = restoredVersions(b, vaultName, "secrets")
		if old, ok := w.secrets[keyRef(vaultName, b.object)]; ok {
			w.retiredSecrets = append(w.retiredSecrets, old)
		}
		w.secrets[keyRef(vaultName, b.object)] = sm
		return sm.versions[len(sm.versions)-1].id, nil
	}
	if _, err := c.RestoreKey(b.data); err != nil {
		return "", refuseCause(op, restoreFact(err), vaultSentinel(err), "the vault refused the key restore", err)
	}
	km := &keyModel{vault: vaultName, name: b.object, kty: b.kty, bits: b.bits, lineage: b.lineage}
	km.versions = restoredVersions(b, vaultName, "keys")
	if old, ok := w.keys[keyRef(vaultName, b.object)]; ok {
		w.retired = append(w.retired, old)
	}
	w.keys[keyRef(vaultName, b.object)] = km
	w.afterKeyChange(vaultName)
	return km.versions[len(km.versions)-1].id, nil
}

func restoreFact(err error) string {
	if errors.Is(err, vault.ErrConflict) {
		return "F34"
	}
	return "F33"
}

// restoredVersions rebuilds the version list of a restored object: same
// version ids and attributes, in the target vault.
func restoredVersions(b *backupBlob, vaultName, coll string) []*keyVer {
	out := make([]*keyVer, len(b.versions))
	for i, v := range b.versions {
		c := v
		c.id = "https://" + vaultName + ".vault.azure.net/" + coll + "/" + b.object + "/" + v.version
		if v.exp != nil {
			t := *v.exp
			c.exp = &t
		}
		out[i] = &c
	}
	return out
}

// DeleteSecret soft-deletes a secret with all its versions (F8, F22). An
// ADE VM keeps running with its volume key in memory; its next start after
// a deallocation cannot fetch the BEK (F82).
func (w *World) DeleteSecret(who, vaultName, name string) error {
	const op = "DeleteSecret"
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return err
	}
	if _, err := c.DeleteSecret(name); err != nil {
		return refuseCause(op, "F22", vaultSentinel(err), "vault refused", err)
	}
	sm := w.secrets[keyRef(vaultName, name)]
	sm.deleted, sm.deletedAt = true, w.Now()
	return nil
}

// RecoverSecret recovers a soft-deleted secret with its versions (F25).
func (w *World) RecoverSecret(who, vaultName, name string) error {
	const op = "RecoverSecret"
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return err
	}
	if _, err := c.RecoverDeletedSecret(name); err != nil {
		return refuseCause(op, "F25", vaultSentinel(err), "vault refused", err)
	}
	w.secrets[keyRef(vaultName, name)].deleted = false
	return nil
}

// PurgeSecret purges a soft-deleted secret for good (F22, F27). Without a
// backup anywhere, the ADE volumes it protects cannot be unlocked again
// (F114).
func (w *World) PurgeSecret(who, vaultName, name string) error {
	const op = "PurgeSecret"
	c, _, err := w.client(who, vaultName)
	if err != nil {
		return err
	}
	if err := c.PurgeDeletedSecret(name); err != nil {
		return refuseCause(op, "F27", vaultSentinel(err), "vault refused", err)
	}
	w.secrets[keyRef(vaultName, name)].purged = true
	return nil
}

// RestoreRecoveryPointKeys has principal who restore the BEK secret and
// the KEK that recovery point rpName keeps (F89) into a vault, before a VM
// is created from the restored disks (F92). Objects whose name is already
// live in that vault are left as they are; a soft-deleted one must be
// recovered or purged first (F24, F34). The vault must be in the source
// VM's subscription and geography (F33). Restore the VM with
// RestoreSpec.KeyVault naming that vault to use the restored copies.
//
// Names, subscription and geography are checked for both objects before
// anything is restored. The restores themselves are two Key Vault calls
// (RestoreKey, then RestoreSecret), as in the documented runbook: if the
// second is refused (for example who may restore keys but not secrets),
// the KEK stays restored, as it would in Azure.
func (w *World) RestoreRecoveryPointKeys(who, rpName, vaultName string) error {
	const op = "RestoreRecoveryPointKeys"
	rp, ok := w.rps[rpName]
	if !ok {
		return refuse(op, "", ErrNotFound, "recovery point "+rpName)
	}
	if rp.ade == nil {
		return refuse(op, "F89", ErrInvalid, "the recovery point holds no keys: its VM had no ADE")
	}
	if _, ok := w.vaults[vaultName]; !ok {
		return refuse(op, "", ErrNotFound, "vault "+vaultName)
	}
	// Check every object first, so that a refusal changes nothing.
	var todo []*backupBlob
	for _, b := range []*backupBlob{rp.kekBackup, rp.bekBackup} {
		if b == nil {
			continue
		}
		if live := w.liveObject(vaultName, b); live {
			continue
		}
		if w.nameTaken(vaultName, b) {
			return refuse(op, "F34", ErrState, "the name "+b.object+" is taken in vault "+vaultName+" (live or soft-deleted): recover or purge it first")
		}
		if vm := w.vaults[vaultName]; vm.spec.Subscription != b.sub {
			return refuse(op, "F33", ErrSubscriptionMismatch, "a backup restores only into its own subscription")
		} else if vm.geography != b.geography {
			return refuse(op, "F33", ErrRegionMismatch, "a backup restores only into its own geography ("+b.geography+")")
		}
		todo = append(todo, b)
	}
	for _, b := range todo {
		kind := "key"
		if b.secret {
			kind = "secret"
		}
		if _, err := w.restoreBlob(op, who, vaultName, b); err != nil {
			var re *RefusedError
			if errors.As(err, &re) {
				re.Fact = "F92"
				re.Detail = "restoring the " + kind + " " + b.object + ": " + re.Detail
			}
			return err
		}
	}
	return nil
}

// nameTaken reports whether a vault holds an object of the backup's name
// that a restore would conflict with (F24, F34).
func (w *World) nameTaken(vaultName string, b *backupBlob) bool {
	if b.secret {
		sm, ok := w.secrets[keyRef(vaultName, b.object)]
		return ok && !w.secretGone(sm)
	}
	km, ok := w.keys[keyRef(vaultName, b.object)]
	return ok && !w.keyGone(km)
}

// liveObject reports whether the object of a backup exists, live and of
// the same lineage, in a vault.
func (w *World) liveObject(vaultName string, b *backupBlob) bool {
	if b.secret {
		sm, ok := w.secrets[keyRef(vaultName, b.object)]
		return ok && !sm.deleted && !w.secretGone(sm) && sm.lineage == b.lineage
	}
	km, ok := w.keys[keyRef(vaultName, b.object)]
	return ok && !km.deleted && !w.keyGone(km) && km.lineage == b.lineage
}

// keyCopies describes where else a key version exists when the vault
// object the data names is gone: restored copies in any vault (live or
// soft-deleted), backup files, and the key backups of recovery points. It
// returns "" when there is none, so the data is lost for good (F114).
func (w *World) keyCopies(lineage, version string, secret bool) string {
	if lineage == "" {
		return ""
	}
	has := func(vs []*keyVer) bool {
		for _, v := range vs {
			if v.version == version {
				return true
			}
		}
		return false
	}
	if secret {
		for _, n := range sortedKeys(w.secrets) {
			sm := w.secrets[n]
			if sm.lineage == lineage && !w.secretGone(sm) && has(sm.versions) {
				return "a copy exists in vault " + sm.vault
			}
		}
	} else {
		for _, n := range sortedKeys(w.keys) {
			km := w.keys[n]
			if km.lineage == lineage && !w.keyGone(km) && has(km.versions) {
				return "a copy exists in vault " + km.vault
			}
		}
	}
	hasB := func(b *backupBlob) bool {
		if b == nil || b.secret != secret || b.lineage != lineage {
			return false
		}
		for _, v := range b.versions {
			if v.version == version {
				return true
			}
		}
		return false
	}
	for _, n := range sortedKeys(w.blobs) {
		if hasB(w.blobs[n]) {
			return "backup file " + n + " holds it (restore it, F34)"
		}
	}
	for _, n := range sortedKeys(w.rps) {
		rp := w.rps[n]
		if hasB(rp.kekBackup) || hasB(rp.bekBackup) {
			return "recovery point " + n + " holds a backup (restore it, F92)"
		}
	}
	return ""
}

// lostKey reports, for a key id whose object is gone, whether any copy of
// the version remains; if none, the dependent data is unrecoverable (F114).
func (w *World) lostKey(keyID string) bool {
	vn, _, name, version, err := vault.ParseID(keyID)
	if err != nil {
		return false
	}
	has := func(km *keyModel) bool {
		for _, v := range km.versions {
			if v.version == version {
				return true
			}
		}
		return false
	}
	km, ok := w.keys[keyRef(vn, name)]
	if !ok || !has(km) {
		// Replaced by a new key of the same name: find the old model.
		km = nil
		for _, r := range w.retired {
			if r.vault == vn && r.name == name && has(r) {
				km = r
			}
		}
		if km == nil {
			return false
		}
	} else if !w.keyGone(km) {
		return false
	}
	return w.keyCopies(km.lineage, version, false) == ""
}

// lostSecret is lostKey for a secret id.
func (w *World) lostSecret(secretID string) bool {
	vn, _, name, version, err := vault.ParseID(secretID)
	if err != nil {
		return false
	}
	has := func(sm *secretModel) bool {
		for _, v := range sm.versions {
			if v.version == version {
				return true
			}
		}
		return false
	}
	sm, ok := w.secrets[keyRef(vn, name)]
	if !ok || !has(sm) {
		sm = nil
		for _, r := range w.retiredSecrets {
			if r.vault == vn && r.name == name && has(r) {
				sm = r
			}
		}
		if sm == nil {
			return false
		}
	} else if !w.secretGone(sm) {
		return false
	}
	return w.keyCopies(sm.lineage, version, true) == ""
}

// adeLost reports whether an ADE volume's BEK is gone for good: its secret
// or its KEK has no copy left anywhere (F114).
func (w *World) adeLost(a *adeVol) bool {
	return a != nil && (w.lostSecret(a.secretID) || a.kekID != "" && w.lostKey(a.kekID))
}

// cmkLost reports whether a DES's customer key version is gone for good.
func (w *World) cmkLost(desName string) bool {
	d, ok := w.des[desName]
	return ok && w.lostKey(d.kek.KeyID())
}

// unrecoverable wraps err as ErrDataUnrecoverable (F114), keeping err as
// the cause so that it still matches its own sentinel.
func unrecoverable(op, what string, err error) error {
	return refuseCause(op, "F114", ErrDataUnrecoverable, what+": every copy of its key is purged", err)
}
