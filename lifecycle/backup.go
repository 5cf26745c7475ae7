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
	name  string
	src   *vmState // a copy of the VM's description at backup time
	at    time.Time
	disks []*rpDisk
	ade   *adeConfig
}

type rpDisk struct {
	name  string
	os    bool
	m     *disk.Managed
	files *ledger
	ade   *adeVol
}

// replication is a site-recovery replication of a VM (F98-F104); not yet
// modelled.
type replication struct{}

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
	rsv := vm.spec.Region + "-recovery-services"
	rp := &recoveryPoint{name: rpName, at: w.Now()}
	src := *vm
	rp.src = &src
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
		rd := &rpDisk{name: dn, os: d.os, m: m, files: d.files.clone()}
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
	// RestoreFiles recovers files and folders.
	RestoreFiles
)

// RestoreSpec describes a restore.
type RestoreSpec struct {
	// VM names the new VM (RestoreNewVM).
	VM string
	// Subscription and Region are the target; empty means the source's.
	Subscription, Region string
	Mode                 RestoreMode
}

// RestoreVM restores a recovery point as a new VM, encrypted the way the
// source was: SSE disks come back under platform keys of the target
// region; ADE disks stay guest-encrypted and boot with the BEK secret (and
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
	vm := &vmState{spec: src, image: rp.src.image, size: rp.src.size, state: Deallocated, mounted: map[string]bool{}, tmpLed: newLedger(), everADE: ade}
	vm.spec.Name, vm.spec.Subscription, vm.spec.Region, vm.spec.EncryptionAtHost, vm.spec.OSDiskDES = s.VM, s.Subscription, s.Region, false, ""
	if ade {
		c := *rp.ade
		vm.ade = &c
	}
	var made []string
	for _, rd := range rp.disks {
		name := s.VM + "-" + rd.name
		if rd.os {
			name = s.VM + "-osdisk"
		}
		if _, ok := w.disks[name]; ok {
			return refuse(op, "", ErrInvalid, "disk "+name+" exists")
		}
		m, err := w.newManaged(op, DiskSpec{Name: name, Subscription: s.Subscription, Region: s.Region, SizeMiB: int64(rd.m.Sectors() * sectorSize >> 20)})
		if err != nil {
			return err
		}
		err = copyWritten(m, rd.m)
		rd.m.Lock()
		if err != nil {
			return refuseCause(op, "F86", ErrKeyUnavailable, "reading the recovery point", err)
		}
		d := &diskState{name: name, sub: s.Subscription, region: s.Region, sizeMiB: int64(rd.m.Sectors() * sectorSize >> 20), m: m,
			vm: s.VM, os: rd.os, files: rd.files.clone(), everADE: rd.ade != nil}
		if rd.ade != nil {
			c := *rd.ade
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
		for _, n := range made {
			delete(w.disks, n)
		}
		delete(w.vms, s.VM)
		return err
	}
	return nil
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
