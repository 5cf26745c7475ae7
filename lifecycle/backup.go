package lifecycle

import (
	"fmt"
	"time"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/vault"
)

// backupServiceID is the Backup Management Service principal; ADE VMs need
// it granted get and backup on keys and secrets (F39, F90).
const backupServiceID = "Backup Management Service"

// recoveryPoint is a backup of a VM's disks (F86-F95): each disk's data as
// the storage service reads it (plaintext for SSE, guest ciphertext for
// ADE), re-encrypted under the backup vault's own key.
type recoveryPoint struct {
	name string
	// src is the VM's description at backup time: its spec, image and
	// size, and nothing of the VM on its host (no host caches, guest
	// mounts, BEK volume or temp disk), which a recovery point must not
	// keep alive (see vmState.description).
	src   *vmState
	at    time.Time
	disks []*rpDisk
	ade   *adeConfig
	// kekBackup and bekBackup are the recovery point's backups of the
	// ADE VM's KEK and BEK secret (F89), nil without ADE (or without KEK).
	kekBackup, bekBackup *backupBlob
}

type rpDisk struct {
	name  string
	os    bool
	m     *disk.Managed
	files *ledger
	ade   *adeVol
	des   string // the source disk's DES, reassigned on same-region restore (F87)
}

// GrantBackupAccess gives the Backup Management Service the permissions it
// needs on a vault for ADE VMs (F90): Key Vault Administrator, as the
// documentation suggests for RBAC vaults.
func (w *World) GrantBackupAccess(vaultName string) error {
	if _, ok := w.principals[backupServiceID]; !ok {
		if err := w.addPrincipal("GrantBackupAccess", backupServiceID, vault.KindService); err != nil {
			return err
		}
	}
	return w.AssignVaultRole(backupServiceID, vaultName, vault.RoleAdministrator)
}

// BackupVM takes a recovery point of a VM's managed disks (not the temp
// disk, F93). SSE data is read through the storage service and re-encrypted
// under the backup vault's key (F86); ADE volumes stay guest-encrypted
// (F95) and the backup service must be able to read the BEK secret and
// KEK (F89, F90).
func (w *World) BackupVM(vmName, rpName string) error {
	const op = "BackupVM"
	vm, err := w.vm(op, vmName)
	if err != nil {
		return err
	}
	if _, ok := w.rps[rpName]; ok || rpName == "" {
		return refuse(op, "", ErrInvalid, "bad or duplicate recovery point name")
	}
	if vm.ade != nil {
		if vm.ade.spec.KEKID == "" && !w.opts.BackupBEKOnly {
			return refuse(op, "F88", ErrNotSupported, "BEK-only ADE VMs cannot be backed up (Options.BackupBEKOnly)")
		}
		if _, ok := w.principals[backupServiceID]; !ok {
			return refuse(op, "F90", ErrForbidden, "UserErrorKeyvaultPermissionsNotConfigured")
		}
		if _, err := w.fetchBEK(op, vm.ade, backupServiceID); err != nil {
			return refuseCause(op, "F90", ErrForbidden, "UserErrorKeyvaultPermissionsNotConfigured", err)
		}
	}
	var kekB, bekB *backupBlob
	if vm.ade != nil {
		// The recovery point keeps backups of the BEK secret and the KEK
		// (F89), taken by the backup service.
		var err error
		if bekB, err = w.takeBackup(op, backupServiceID, vm.ade.spec.Vault, vm.ade.secret, true); err != nil {
			return refuseCause(op, "F90", ErrForbidden, "UserErrorKeyvaultPermissionsNotConfigured", err)
		}
		bekB.name = rpName + "/BEK"
		if vm.ade.spec.KEKID != "" {
			vn, _, kn, _, _ := vault.ParseID(vm.ade.spec.KEKID)
			if kekB, err = w.takeBackup(op, backupServiceID, vn, kn, false); err != nil {
				return refuseCause(op, "F90", ErrForbidden, "UserErrorKeyvaultPermissionsNotConfigured", err)
			}
			kekB.name = rpName + "/KEK"
		}
	}
	rsv := vm.spec.Region + "-recovery-services"
	rp := &recoveryPoint{name: rpName, at: w.Now(), kekBackup: kekB, bekBackup: bekB}
	rp.src = vm.description()
	if vm.ade != nil {
		c := *vm.ade
		rp.ade = &c
	}
	for _, dn := range vm.disks() {
		d := w.disks[dn]
		m, err := w.newManaged(op, DiskSpec{Name: rpName + "/" + dn, Subscription: d.sub, Region: rsv, SizeMiB: d.sizeMiB})
		if err != nil {
			return err
		}
		was := d.m.Unlocked()
		err = copyWritten(m, d.m)
		restoreLock(d.m, was)
		if err != nil {
			return refuseCause(op, "F47", ErrKeyUnavailable, "reading disk "+dn, err)
		}
		m.Lock()
		rd := &rpDisk{name: dn, os: d.os, m: m, files: d.files.clone(), des: d.des}
		if d.ade != nil {
			c := *d.ade
			rd.ade = &c
		}
		rp.disks = append(rp.disks, rd)
	}
	w.rps[rpName] = rp
	return nil
}

// RestoreMode says how a recovery point is restored (F91).
type RestoreMode int

// The restore modes.
const (
	// RestoreNewVM restores the disks and creates a new VM from them.
	RestoreNewVM RestoreMode = iota
	// RestoreReplaceExisting replaces the disks of the existing VM.
	RestoreReplaceExisting
	// RestoreFiles recovers files and folders: RestoreVM refuses it (F91,
	// and F93 for encrypted VMs); [World.RecoverFile] does it.
	RestoreFiles
)

// RestoreSpec describes a restore.
type RestoreSpec struct {
	// VM names the new VM (RestoreNewVM).
	VM string
	// Subscription and Region are the target; empty means the source's.
	Subscription, Region string
	Mode                 RestoreMode
	// KeyVault, for an ADE VM, names the vault into which
	// [World.RestoreRecoveryPointKeys] restored the BEK secret and KEK: the
	// new VM boots with those copies (F92); without them there the restore
	// is refused with ErrNotFound. Empty means the vault the recovery point
	// names.
	KeyVault string
}

// RestoreVM restores a recovery point as a new VM, encrypted the way the
// source was: SSE disks come back under the source disk's disk encryption
// set on a same-region restore, and under platform keys of the target
// region on a cross-region one (a DES cannot be given there, F87); ADE disks stay guest-encrypted and boot with the BEK secret (and
// KEK) the recovery point names. ADE VMs refuse other subscriptions,
// replace-existing and file-level restore (F91, F93); cross-region restore
// goes to the paired region only (F87, F91), and for ADE VMs only with
// Options.ADECrossRegionRestore.
func (w *World) RestoreVM(rpName string, s RestoreSpec) error {
	const op = "RestoreVM"
	rp, ok := w.rps[rpName]
	if !ok {
		return refuse(op, "", ErrNotFound, "recovery point "+rpName)
	}
	src := rp.src.spec
	if s.Subscription == "" {
		s.Subscription = src.Subscription
	}
	if s.Region == "" {
		s.Region = src.Region
	}
	ade := rp.ade != nil
	reg, _ := LookupRegion(src.Region)
	switch {
	case ade && s.Subscription != src.Subscription:
		return refuse(op, "F91", ErrSubscriptionMismatch, "encrypted VMs restore only into the same subscription")
	case ade && s.Mode == RestoreReplaceExisting:
		return refuse(op, "F91", ErrNotSupported, "replace existing is not supported for encrypted VMs")
	case ade && s.Mode == RestoreFiles && !w.opts.ADEFileLevelRestore:
		return refuse(op, "F93", ErrNotSupported, "file and folder recovery from encrypted VMs is not supported")
	case s.Region != src.Region && s.Region != reg.Paired:
		return refuse(op, "F87", ErrRegionMismatch, "cross-region restore goes to the paired region "+reg.Paired)
	case ade && s.Region != src.Region && !w.opts.ADECrossRegionRestore:
		return refuse(op, "F91", ErrNotSupported, "cross-region restore of encrypted VMs is switched off (Options.ADECrossRegionRestore)")
	case s.Mode != RestoreNewVM:
		return refuse(op, "F91", ErrNotSupported, "this simulation restores recovery points as new VMs")
	}
	if err := w.checkPlace(op, s.VM, s.Subscription, s.Region); err != nil {
		return err
	}
	if _, ok := w.vms[s.VM]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("VM %q exists", s.VM))
	}
	if s.KeyVault != "" {
		if !ade {
			return refuse(op, "F92", ErrInvalid, "KeyVault applies to ADE VMs only")
		}
		kvm, ok := w.vaults[s.KeyVault]
		switch {
		case !ok:
			return refuse(op, "", ErrNotFound, "vault "+s.KeyVault)
		case kvm.spec.Region != s.Region:
			return refuse(op, "F68", ErrRegionMismatch, "the key vault must be in the VM's region")
		case kvm.spec.Subscription != s.Subscription:
			return refuse(op, "F68", ErrSubscriptionMismatch, "the key vault must be in the VM's subscription")
		case !kvm.spec.EnabledForDiskEncryption:
			return refuse(op, "F41", ErrVaultConfig, "the vault is not enabled for disk encryption")
		}
	}
	// Every name is checked before anything is created: a failed restore
	// changes nothing but the random stream (a disk made and the platform's
	// vault roles granted before a later failure are removed again).
	for _, rd := range rp.disks {
		if _, ok := w.disks[restoredDiskName(s.VM, rd)]; ok {
			return refuse(op, "", ErrInvalid, "disk "+restoredDiskName(s.VM, rd)+" exists")
		}
	}
	undoGrants := func() error { return nil }
	if s.KeyVault != "" {
		if err := w.checkRestoredKeys(op, rp.ade, s.KeyVault); err != nil {
			return err
		}
		u, err := w.ensureADEPlatform(s.KeyVault)
		if err != nil {
			return err
		}
		if u != nil {
			undoGrants = u
		}
	}
	vm := &vmState{spec: src, image: rp.src.image, size: rp.src.size, state: Deallocated, mounted: map[string]bool{}, tmpLed: newLedger(), everADE: ade}
	vm.spec.Name, vm.spec.Subscription, vm.spec.Region, vm.spec.EncryptionAtHost, vm.spec.OSDiskDES = s.VM, s.Subscription, s.Region, false, ""
	if ade {
		c := *rp.ade
		if s.KeyVault != "" {
			c.spec.Vault, c.secretID = s.KeyVault, moveID(c.secretID, s.KeyVault)
			c.spec.KEKID = moveID(c.spec.KEKID, s.KeyVault)
		}
		vm.ade = &c
	}
	var made []string
	undo := func() {
		for _, n := range made {
			delete(w.disks, n)
		}
		_ = undoGrants() // removes only what this call granted
	}
	for _, rd := range rp.disks {
		name := restoredDiskName(s.VM, rd)
		des := ""
		if s.Region == src.Region {
			if dd, ok := w.des[rd.des]; ok && dd.spec.Subscription == s.Subscription && !w.faulty(faultRestoreDropsDES) { // mutation hook (faults.go)
				des = rd.des // same-region restore keeps the DES (F87)
			}
		}
		m, err := w.newManaged(op, DiskSpec{Name: name, Subscription: s.Subscription, Region: s.Region, SizeMiB: int64(rd.m.Sectors() * sectorSize >> 20), DES: des})
		if err != nil {
			undo()
			return err
		}
		err = copyWritten(m, rd.m)
		rd.m.Lock()
		if err != nil {
			undo()
			return refuseCause(op, "F86", ErrKeyUnavailable, "reading the recovery point", err)
		}
		d := &diskState{name: name, sub: s.Subscription, region: s.Region, sizeMiB: int64(rd.m.Sectors() * sectorSize >> 20), m: m,
			vm: s.VM, os: rd.os, files: rd.files.clone(), everADE: rd.ade != nil, des: des}
		if rd.ade != nil {
			c := *rd.ade
			if s.KeyVault != "" {
				c.vault, c.secretID, c.kekID = s.KeyVault, moveID(c.secretID, s.KeyVault), moveID(c.kekID, s.KeyVault)
			}
			d.ade = &c
		}
		w.disks[name] = d
		made = append(made, name)
		if rd.os {
			vm.osDisk = name
		} else {
			vm.data = append(vm.data, name)
		}
		vm.mounted[name] = true
	}
	w.vms[s.VM] = vm
	if err := w.start(op, vm); err != nil {
		undo()
		delete(w.vms, s.VM)
		return err
	}
	return nil
}

// checkRestoredKeys refuses a restore into vault kv (RestoreSpec.KeyVault)
// unless the copies the new VM will boot with are there, live: the BEK
// secret and, with a KEK, the KEK version it is wrapped under, restored
// with RestoreRecoveryPointKeys (F92).
func (w *World) checkRestoredKeys(op string, a *adeConfig, kv string) error {
	_, _, name, version, err := vault.ParseID(moveID(a.secretID, kv))
	sm, ok := w.secrets[keyRef(kv, name)]
	found := err == nil && ok && !sm.deleted && !w.secretGone(sm)
	if found {
		found = false
		for _, v := range sm.versions {
			found = found || v.version == version
		}
	}
	if !found {
		return refuse(op, "F92", ErrNotFound, "the BEK secret "+name+" is not in vault "+kv+": restore the recovery point's keys there first (RestoreRecoveryPointKeys)")
	}
	if a.spec.KEKID != "" {
		km, _, err := w.lookupKeyID(op, moveID(a.spec.KEKID, kv))
		if err != nil || km.deleted || w.keyGone(km) {
			return refuse(op, "F92", ErrNotFound, "the KEK is not in vault "+kv+": restore the recovery point's keys there first (RestoreRecoveryPointKeys)")
		}
	}
	return nil
}

// restoredDiskName names the disk a restore makes from a recovery point's
// disk: "<vm>-osdisk" or "<vm>-<source disk>".
func restoredDiskName(vmName string, rd *rpDisk) string {
	if rd.os {
		return vmName + "-osdisk"
	}
	return vmName + "-" + rd.name
}

// moveID returns a versioned Key Vault id with its vault replaced: the id
// of the restored copy of an object (F34 keeps names and versions).
func moveID(id, vaultName string) string {
	if id == "" {
		return ""
	}
	_, coll, name, version, err := vault.ParseID(id)
	if err != nil {
		return id
	}
	return "https://" + vaultName + ".vault.azure.net/" + coll + "/" + name + "/" + version
}

func (w *World) resolveBackup(a Artifact) (*target, error) {
	if a.Kind == RecoveryPointArtifact {
		rp, ok := w.rps[a.Name]
		if ok {
			for _, rd := range rp.disks {
				if rd.name == a.Disk {
					return &target{m: rd.m, enc: rd.m.Encryption(), files: rd.files, ade: rd.ade, sub: rp.src.spec.Subscription, storage: "backup"}, nil
				}
			}
		}
	}
	return nil, refuse("Readable", "F86", ErrNotFound, a.String())
}
