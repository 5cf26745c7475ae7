package lifecycle

import (
	"fmt"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/vault"
)

// maxASRDiskMiB is the largest disk site recovery replicates: 8 TiB (F103).
const maxASRDiskMiB = 8 << 20

// ReplicationSpec describes site-recovery replication of a VM to another
// region (Azure-to-Azure, F98-F104). The target subscription is the
// source's (F104).
type ReplicationSpec struct {
	// TargetRegion is where the replica lives; it must differ from the
	// VM's region.
	TargetRegion string
	// TargetVault, for an ADE VM, is a vault in the target region and the
	// VM's subscription, enabled for disk encryption, into which the BEK
	// secret and the KEK are copied (F99, F68, F41).
	TargetVault string
	// TargetDES maps each customer-key disk of the VM (by disk name) to a
	// disk encryption set in the target region and subscription, created
	// beforehand (F101).
	TargetDES map[string]string
}

// replication is a site-recovery replication of a VM (F98-F104).
type replication struct {
	vm         string
	spec       ReplicationSpec
	sub        string
	disks      []*replicaDisk
	ade        *adeConfig // the target-side ADE settings: the copied keys (F99)
	srcSecret  string     // the source BEK secret id the copy was taken from (F100)
	failedOver string     // the VM created by Failover, "" before
}

// replicaDisk is the target-region copy of one disk of a replicated VM.
type replicaDisk struct {
	src   string
	os    bool
	m     *disk.Managed
	des   string
	files *ledger
	ade   *adeVol
}

// EnableReplication has principal who protect a VM with site recovery to
// another region (F98-F104). Each disk gets a replica in the target region,
// re-encrypted there by SSE: under the target region's platform key, or
// under the disk encryption set TargetDES names for each customer-key disk
// (F101). For an ADE VM the BEK secret is read from the source vault,
// unwrapped with the source KEK, wrapped with a KEK of the same name in
// TargetVault (created there if missing) and stored there (F99): who needs
// get and unwrap on the source vault and key create, wrap and secret set on
// the target. The copy is a snapshot: later BEK or KEK changes at the
// source are not copied (F100). Encryption at host is not carried over
// (F102). Refused: ADE with an HSM KEK (F98), Linux ADE when
// Options.ASRLinuxADE is off (F98), a disk over 8 TiB (F103).
func (w *World) EnableReplication(who, vmName string, s ReplicationSpec) error {
	const op = "EnableReplication"
	vm, err := w.vm(op, vmName)
	if err != nil {
		return err
	}
	if err := w.checkReplication(op, vm, s); err != nil {
		return err
	}
	rep := &replication{vm: vmName, spec: s, sub: vm.spec.Subscription}
	rep.spec.TargetDES = map[string]string{}
	for k, v := range s.TargetDES {
		rep.spec.TargetDES[k] = v
	}
	if vm.ade != nil {
		cfg, err := w.copyADEKeys(op, who, vm, s.TargetVault)
		if err != nil {
			return err
		}
		rep.ade, rep.srcSecret = cfg, vm.ade.secretID
	}
	for _, dn := range vm.disks() {
		d := w.disks[dn]
		m, err := w.newManaged(op, DiskSpec{Name: dn + "-asr", Subscription: d.sub, Region: s.TargetRegion, SizeMiB: d.sizeMiB, DES: s.TargetDES[dn]})
		if err != nil {
			return err
		}
		m.Lock()
		rep.disks = append(rep.disks, &replicaDisk{src: dn, os: d.os, m: m, des: s.TargetDES[dn], files: newLedger()})
	}
	w.repls[vmName] = rep
	for _, rd := range rep.disks {
		if err := w.syncReplica(rep, rd); err != nil {
			delete(w.repls, vmName)
			return refuseCause(op, "F47", ErrKeyUnavailable, "initial replication of "+rd.src, err)
		}
	}
	return nil
}

// checkReplication applies the refusals of EnableReplication before
// anything changes.
func (w *World) checkReplication(op string, vm *vmState, s ReplicationSpec) error {
	if _, ok := w.repls[vm.spec.Name]; ok {
		return refuse(op, "", ErrState, "the VM is already replicated")
	}
	reg, ok := LookupRegion(s.TargetRegion)
	if !ok {
		return refuse(op, "", ErrNotFound, "region "+s.TargetRegion)
	}
	if reg.Name == vm.spec.Region {
		return refuse(op, "F99", ErrInvalid, "the target region must differ from the VM's region")
	}
	for _, dn := range vm.disks() {
		d := w.disks[dn]
		if d.sizeMiB > maxASRDiskMiB {
			return refuse(op, "F103", ErrNotSupported, "disk "+dn+" is larger than 8 TiB")
		}
		tdes := s.TargetDES[dn]
		switch {
		case d.des != "" && tdes == "":
			return refuse(op, "F101", ErrNotFound, "customer-key disk "+dn+" needs a disk encryption set in the target region")
		case tdes == "":
			continue
		}
		ds, ok := w.des[tdes]
		switch {
		case !ok:
			return refuse(op, "F101", ErrNotFound, "DES "+tdes)
		case ds.spec.Region != s.TargetRegion || ds.spec.Subscription != vm.spec.Subscription:
			return refuse(op, "F101", ErrRegionMismatch, "DES "+tdes+" must be in the target region and subscription")
		}
	}
	for _, dn := range sortedKeys(s.TargetDES) {
		if indexOf(vm.disks(), dn) < 0 {
			return refuse(op, "F101", ErrNotFound, "disk "+dn+" on "+vm.spec.Name)
		}
	}
	if vm.ade == nil {
		return nil
	}
	if vm.image.OS == Linux && !w.opts.ASRLinuxADE {
		return refuse(op, "F98", ErrNotSupported, "replication of Linux ADE VMs is switched off (Options.ASRLinuxADE)")
	}
	if vm.ade.spec.KEKID != "" {
		km, _, err := w.lookupKeyID(op, vm.ade.spec.KEKID)
		if err != nil {
			return err
		}
		if km.kty == vault.KeyTypeRSAHSM {
			return refuse(op, "F98", ErrNotSupported, "HSM-protected KEKs are not supported for ADE replication")
		}
	}
	tv, ok := w.vaults[s.TargetVault]
	switch {
	case !ok:
		return refuse(op, "F99", ErrNotFound, "target vault "+s.TargetVault)
	case tv.spec.Region != s.TargetRegion:
		return refuse(op, "F68", ErrRegionMismatch, "the target vault must be in the target region")
	case tv.spec.Subscription != vm.spec.Subscription:
		return refuse(op, "F68", ErrSubscriptionMismatch, "the target vault must be in the VM's subscription")
	case !tv.spec.EnabledForDiskEncryption:
		return refuse(op, "F41", ErrVaultConfig, "the target vault is not enabled for disk encryption")
	}
	return nil
}

// copyADEKeys copies an ADE VM's BEK into the target vault as principal
// who (F99): read and unwrap at the source, wrap with a target KEK, store.
func (w *World) copyADEKeys(op, who string, vm *vmState, targetVault string) (*adeConfig, error) {
	src := vm.ade
	bek, err := w.fetchBEK(op, src, who)
	if err != nil {
		return nil, refuseCause(op, "F99", ErrForbidden, who+" cannot read the source BEK", err)
	}
	spec := ADESpec{Vault: targetVault, Volumes: src.spec.Volumes, EncryptFormatAll: src.spec.EncryptFormatAll}
	tc, _, err := w.client(who, targetVault)
	if err != nil {
		return nil, err
	}
	val := append([]byte(nil), bek.bytes()...)
	clear(bek.bytes())
	ct := "BEK"
	tags := map[string]string{"MachineName": vm.spec.Name}
	if src.spec.KEKID != "" {
		km, _, _ := w.lookupKeyID(op, src.spec.KEKID)
		tk, ok := w.keys[keyRef(targetVault, km.name)]
		if !ok || tk.deleted || w.keyGone(tk) {
			if _, err := w.CreateKey(who, targetVault, km.name, KeySpec{Type: km.kty, Size: km.bits}); err != nil {
				clear(val)
				return nil, refuseCause(op, "F99", ErrForbidden, "creating the KEK in the target vault", err)
			}
			tk = w.keys[keyRef(targetVault, km.name)]
		}
		kv := tk.versions[len(tk.versions)-1]
		res, err := tc.WrapKey(tk.name, kv.version, envelope.RSAOAEP, val)
		clear(val)
		if err != nil {
			return nil, refuseCause(op, "F99", vaultSentinel(err), "wrapping the BEK with the target KEK", err)
		}
		val, ct, spec.KEKID = res.Result, "Wrapped BEK", kv.id
		tags["DiskEncryptionKeyEncryptionAlgorithm"] = string(envelope.RSAOAEP)
		tags["DiskEncryptionKeyEncryptionKeyURL"] = kv.id
	}
	sp, err := tc.SetSecret(src.secret, val, vault.SetSecretOptions{ContentType: ct, Tags: tags})
	clear(val)
	if err != nil {
		return nil, refuseCause(op, "F99", vaultSentinel(err), "storing the BEK in the target vault", err)
	}
	ref := keyRef(targetVault, src.secret)
	if sm, ok := w.secrets[ref]; ok && !w.secretGone(sm) && !sm.deleted {
		sm.versions = append(sm.versions, &keyVer{id: sp.ID, version: sp.Version, enabled: true})
	} else {
		if ok {
			w.retiredSecrets = append(w.retiredSecrets, sm)
		}
		w.secrets[ref] = &secretModel{vault: targetVault, name: src.secret, lineage: sp.ID, versions: []*keyVer{{id: sp.ID, version: sp.Version, enabled: true}}}
	}
	if _, err := w.ensureADEPlatform(targetVault); err != nil {
		return nil, err
	}
	return &adeConfig{spec: spec, secret: src.secret, secretID: sp.ID}, nil
}

// syncReplica copies a source disk's written sectors to its replica through
// both storage services (F99, F103): SSE is removed at the source and
// applied again in the target region; ADE ciphertext stays as it is. The
// replica's ADE record follows the source unless the source's BEK changed
// after replication was enabled, in which case the target has no key for it
// (F100).
func (w *World) syncReplica(rep *replication, rd *replicaDisk) error {
	d, ok := w.disks[rd.src]
	if !ok {
		return nil
	}
	w.touch(rd.m)
	was := d.m.Unlocked()
	err := copyWritten(rd.m, d.m)
	restoreLock(d.m, was)
	rd.m.Lock()
	if err != nil {
		return err
	}
	rd.files = d.files.clone()
	switch {
	case d.ade == nil:
		rd.ade = nil
	case rep.ade != nil && d.ade.secretID == rep.srcSecret:
		rd.ade = rep.ade.vol(volOS(d.ade.kind))
	default:
		c := *d.ade
		c.stale = true
		rd.ade = &c
	}
	return nil
}

func volOS(k disk.VolumeKind) OS {
	if k == disk.BitLocker {
		return Windows
	}
	return Linux
}

// syncVM replicates the disks of a VM after a change, if it is replicated
// and not failed over. A replication that cannot read the source (its key
// is unavailable) keeps the replica's last state.
func (w *World) syncVM(vmName string) {
	rep, ok := w.repls[vmName]
	if !ok || rep.failedOver != "" {
		return
	}
	for _, rd := range rep.disks {
		_ = w.syncReplica(rep, rd)
	}
}

// Failover fails a replicated VM over to its target region as a new VM
// named newVM, from the replicas' latest state (F99). The new VM has no
// encryption at host (F102); an ADE VM boots with the keys copied into the
// target vault, and fails to unlock a volume whose BEK changed at the
// source after replication was enabled (F100, F82).
func (w *World) Failover(vmName, newVM string) error {
	const op = "Failover"
	rep, ok := w.repls[vmName]
	if !ok {
		return refuse(op, "F99", ErrNotFound, "no replication of "+vmName)
	}
	if rep.failedOver != "" {
		return refuse(op, "F99", ErrState, "already failed over to "+rep.failedOver)
	}
	src := w.vms[vmName]
	if err := w.checkPlace(op, newVM, rep.sub, rep.spec.TargetRegion); err != nil {
		return err
	}
	if _, ok := w.vms[newVM]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("VM %q exists", newVM))
	}
	names := map[*replicaDisk]string{}
	for _, rd := range rep.disks {
		n := newVM + "-" + rd.src
		if rd.os {
			n = newVM + "-osdisk"
		}
		if _, ok := w.disks[n]; ok {
			return refuse(op, "", ErrInvalid, "disk "+n+" exists")
		}
		names[rd] = n
	}
	w.syncVM(vmName)
	vm := &vmState{spec: src.spec, image: src.image, size: src.size, state: Deallocated, mounted: map[string]bool{}, tmpLed: newLedger(), everADE: src.everADE}
	vm.spec.Name, vm.spec.Region, vm.spec.EncryptionAtHost, vm.spec.OSDiskDES = newVM, rep.spec.TargetRegion, false, ""
	if rep.ade != nil {
		c := *rep.ade
		vm.ade = &c
	}
	for _, rd := range rep.disks {
		n := names[rd]
		d := &diskState{name: n, sub: rep.sub, region: rep.spec.TargetRegion, sizeMiB: int64(rd.m.Sectors() * sectorSize >> 20), m: rd.m,
			des: rd.des, vm: newVM, os: rd.os, files: rd.files, ade: rd.ade, everADE: w.disks[rd.src].everADE}
		w.disks[n] = d
		if rd.os {
			vm.osDisk = n
		} else {
			vm.data = append(vm.data, n)
		}
		vm.mounted[n] = true
	}
	w.vms[newVM] = vm
	if err := w.start(op, vm); err != nil {
		for _, n := range names {
			delete(w.disks, n)
		}
		delete(w.vms, newVM)
		return err
	}
	rep.failedOver = newVM
	return nil
}

// resolveReplica returns the replica of one disk of a replicated VM.
func (w *World) resolveReplica(a Artifact) (*target, error) {
	rep, ok := w.repls[a.Name]
	if ok {
		for _, rd := range rep.disks {
			if rd.src == a.Disk {
				t := &target{m: rd.m, enc: rd.m.Encryption(), des: rd.des, files: rd.files, ade: rd.ade, sub: rep.sub, storage: "replica"}
				if rep.failedOver != "" {
					t.vm = w.vms[rep.failedOver]
					t.name = rep.failedOver + "-" + rd.src
					if rd.os {
						t.name = rep.failedOver + "-osdisk"
					}
					// After failover the replica is the new VM's disk: the
					// guest may since have changed its layers (EnableADE,
					// DisableADE) and the replica's description follows.
					if d, ok := w.disks[t.name]; ok && d.m == rd.m {
						t.des, t.files, t.ade = d.des, d.files, d.ade
					}
				}
				return t, nil
			}
		}
	}
	return nil, refuse("Readable", "F99", ErrNotFound, a.String())
}
