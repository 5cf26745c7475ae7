package lifecycle

import "github.com/atrest-sim/atrest/vault"

// fault is a deliberate defect that the property suite (properties_test.go,
// PROPERTIES.md) switches on, one at a time, to show that each theorem it
// checks can fail. A World's faults field is zero (no fault) unless a test
// of this package sets it through export_test.go; no exported API reaches
// it, and each hook is one condition at the place the defect would live.
type fault uint32

// The faults, by the theorem of PROPERTIES.md that each one breaks.
const (
	// faultTempPlain: the host never encrypts temp disks (T1 at rest).
	faultTempPlain fault = 1 << iota
	// faultExportRaw: DownloadVHD ships the raw media instead of what the
	// storage service decrypts (T2 storage boundary).
	faultExportRaw
	// faultExportDecrypted: DownloadVHD ships an ADE volume decrypted with
	// the BEK the platform reads from Key Vault, ADE left off on export (T3
	// guest encryption).
	faultExportDecrypted
	// faultRestoreDropsDES: a same-region restore forgets the source disk's
	// disk encryption set (T4 backups).
	faultRestoreDropsDES
	// faultKeepDEKCache: the storage service never drops cached DEKs when a
	// customer key goes away (T5 crypto-shredding).
	faultKeepDEKCache
	// faultRecoverDisables: recovering a soft-deleted key leaves its latest
	// version disabled (T6 soft-delete safety).
	faultRecoverDisables
	// faultPurgeIgnoresProtection: PurgeKey reports success when the vault
	// refuses because of purge protection (T7 purge protection).
	faultPurgeIgnoresProtection
	// faultRotateDisablesOld: RotateKey disables the version it replaces
	// (T8 rotation; the effect shows only once cached DEKs are dropped, F47,
	// so T11 notices it first).
	faultRotateDisablesOld
	// faultDoubleDelete: DeleteKey calls the vault twice (T9 audit).
	faultDoubleDelete
	// faultExportUnchecked: GrantAccess skips the export permission check
	// (T10 authorization).
	faultExportUnchecked
	// faultSymbolicIgnoresDisabled: the symbolic verdict treats a disabled
	// customer key as usable (T11 agreement).
	faultSymbolicIgnoresDisabled
	// faultBEKSurvivesDeallocate: the BEK volume survives deallocation, so
	// the guest of a deallocated VM still holds the BEK (T5 crypto-shredding
	// for ADE; F82 says it is gone).
	faultBEKSurvivesDeallocate
	// faultPickupReencrypts: when a disk encryption set picks up a rotated
	// key, the storage service moves each disk under a fresh DEK, writing
	// every sector again, instead of re-wrapping the DEK (T8 rotation).
	faultPickupReencrypts
	// faultCacheUnsealed: encryption at host leaves the host's disk caches
	// unsealed (T1 at rest, for host caches; F57).
	faultCacheUnsealed
	// faultRecoverUnchecked: RecoverFile skips the export permission check
	// (T10 authorization, for file recovery; F116).
	faultRecoverUnchecked
)

// faulty reports whether fault f is switched on.
func (w *World) faulty(f fault) bool { return w.faults&f != 0 }

// faultDisableLatest disables the version n from the end of a key (1 = the
// latest), in the vault and in the world's model, for the faults that
// disable keys behind the caller's back.
func (w *World) faultDisableLatest(c *vault.Client, km *keyModel, n int) {
	if len(km.versions) < n {
		return
	}
	kv := km.versions[len(km.versions)-n]
	off := false
	if _, err := c.UpdateKeyProperties(km.name, kv.version, vault.UpdateKeyParameters{Enabled: &off}); err == nil {
		kv.enabled = false
	}
}

// faultReencrypt moves a disk under a fresh DEK of its disk encryption set
// by copying its written sectors, for faultPickupReencrypts.
func (w *World) faultReencrypt(d *diskState) {
	nm, err := w.newManaged("RotateKey", DiskSpec{Name: d.name, Subscription: d.sub, Region: d.region, SizeMiB: d.sizeMiB, DES: d.des, Ultra: d.ultra})
	if err != nil || copyWritten(nm, d.m) != nil {
		return
	}
	d.m = nm
}
