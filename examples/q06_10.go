package examples

import (
	"fmt"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
)

// Q06OptOut creates a VM without ADE (ADE is opt-in), tries to move an ADE
// disk to a customer key, and tries to switch SSE off.
func Q06OptOut(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.vm("vm1", ubuntu, d2v3, "")
	plain := s.verdict("a VM created without ADE", guest("vm1"), diskA("vm1-data"))
	s.vm("vm2", ubuntu, d2v3, "")
	s.ade("vm2", false)
	enc := s.verdict("a VM with ADE enabled", guest("vm2"), diskA("vm2-data"))
	s.do("Deallocate vm2", s.w.Deallocate("vm2"))
	cmk := s.try("leaving ADE for SSE with a customer key on the same disk", s.w.SetDiskEncryption("vm2-data", "des1"))
	s.lack("disabling ADE (F77: Windows all volumes, Linux data volumes only while the OS volume is not encrypted) is not in lifecycle's API yet")
	s.do("Deallocate vm1", s.w.Deallocate("vm1"))
	off := s.try("switching SSE off on vm1-data", s.w.SetDiskEncryption("vm1-data", ""))
	raw := s.verdict("raw media after switching SSE off", insider, mediaA("vm1-data"))
	s.fact("F43", "F63")
	s.diagram.add("without ADE", plain, "")
	s.diagram.add("with ADE", enc, "")
	return s.finish(6, fmt.Sprintf("ADE is opt-in: %s (a VM created without it has layers %s; with it %s); an ADE disk moving to a customer key: %s; can SSE be disabled: %s: 'off' is %s and leaves %s, raw media %s",
		yesNo(!hasLayer(plain, "ADE") && hasLayer(enc, "ADE")), layers(plain), layers(enc), cmk,
		yesNo(!raw.Readable && hasLayer(raw, "SSE")), off, sseLayer(raw), readable(raw)))
}

// Q07Backup backs up an SSE-CMK VM, an ADE VM with a BEK only and an ADE
// VM with a KEK, reads each recovery point as a storage insider and as the
// backup operator, and restores each as a new VM.
func Q07Backup(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.vm("vmsse", ubuntu, d2v3, "des1")
	s.vm("vmbek", ubuntu, d2v3, "")
	s.ade("vmbek", false)
	s.vm("vmkek", ubuntu, d2v3, "")
	s.ade("vmkek", true)
	type row struct {
		name, vm                  string
		insider, operator, guest  lifecycle.Verdict
		sameBEK                   bool
		refusedWithoutVaultAccess refusal
	}
	rows := []*row{{name: "SSE-CMK", vm: "vmsse"}, {name: "ADE BEK only", vm: "vmbek"}, {name: "ADE BEK+KEK", vm: "vmkek"}}
	for i, r := range rows {
		if i == 1 {
			r.refusedWithoutVaultAccess = s.try("backing up an ADE VM before the backup service has vault access", s.w.BackupVM(r.vm, "rp-denied"))
			s.do("GrantBackupAccess", s.w.GrantBackupAccess(kv))
		}
		rp := "rp-" + r.vm
		s.do("BackupVM "+r.vm, s.w.BackupVM(r.vm, rp))
		r.insider = s.verdict(r.name+" recovery point, storage insider", insider, rpA(rp, r.vm+"-data"))
		r.operator = s.verdict(r.name+" recovery point, backup operator", operator, rpA(rp, r.vm+"-data"))
		s.do("RestoreVM "+r.vm, s.w.RestoreVM(rp, lifecycle.RestoreSpec{VM: r.vm + "r"}))
		restored := r.vm + "r-" + r.vm + "-data"
		r.guest = s.verdict(r.name+" restored VM", guest(r.vm+"r"), diskA(restored))
		if s.ok() {
			a, err1 := s.w.BEKSecretID(r.vm + "-data")
			b, err2 := s.w.BEKSecretID(restored)
			s.do("BEKSecretID", err1)
			s.do("BEKSecretID", err2)
			r.sameBEK = a != "" && a == b
		}
	}
	t := &Table{Header: []string{"source", "recovery point: insider", "recovery point: backup operator", "restored VM layers", "restored VM reads", "same BEK secret"}}
	for _, r := range rows {
		same := "n/a (no BEK)"
		if hasLayer(r.guest, "ADE") {
			same = yesNo(r.sameBEK)
		}
		t.Rows = append(t.Rows, []string{r.name, readable(r.insider), readable(r.operator), layers(r.guest), yesNo(r.guest.Readable), same})
	}
	s.diagram.add("SSE-CMK VM restored", rows[0].guest, "")
	s.diagram.add("ADE BEK+KEK VM restored", rows[2].guest, "")
	a, err := s.finish(7, fmt.Sprintf("yes, encrypted: SSE recovery point %s to an insider, %s to the backup operator, restored as %s; ADE recovery points keep the guest layer (backup operator: %s, %s), need vault access first (%s), and restore as %s / %s with the source's BEK secret: %s / %s",
		readable(rows[0].insider), readable(rows[0].operator), layers(rows[0].guest),
		readable(rows[1].operator), readable(rows[2].operator), rows[1].refusedWithoutVaultAccess,
		layers(rows[1].guest), layers(rows[2].guest), yesNo(rows[1].sameBEK), yesNo(rows[2].sameBEK)))
	a.Table = t
	return a, err
}

// Q08DisasterRecovery replicates VMs to the paired region. Site recovery is
// not in lifecycle yet, so the scenario shows the manual path the
// simulation has: a snapshot copied to the paired region and a disk
// created from it there.
func Q08DisasterRecovery(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.lack("site recovery (EnableReplication, failover, the DRRegion vantage on ReplicaArtifact; F98-F104) is not in lifecycle's API yet: this answer uses cross-region snapshot copy (F110)")
	const target = "northeurope"
	s.vm("vm1", ubuntu, d2v3, "des1")
	s.vm("vm2", ubuntu, d2v3, "")
	s.ade("vm2", true)
	s.do("Stop vm1", s.w.Stop("vm1"))
	s.do("Stop vm2", s.w.Stop("vm2"))
	s.do("CreateSnapshot", s.w.CreateSnapshot("vm1-data", "snap1"))
	s.do("CreateSnapshot", s.w.CreateSnapshot("vm2-data", "snap2"))
	noDES := s.try("copying the CMK snapshot to "+target+" without a DES there", s.w.CopySnapshot("snap1", "snap1-ne", target, ""))
	s.do("CreateVault kv2", s.w.CreateVault(lifecycle.VaultSpec{Name: "kv2", Subscription: sub, Region: target, RetentionDays: 7, PurgeProtection: true, EnabledForDiskEncryption: true}))
	var id string
	if s.ok() {
		var err error
		id, err = s.w.CreateKey(admin, "kv2", "cmk2", lifecycle.KeySpec{})
		s.do("CreateKey cmk2", err)
	}
	s.do("CreateDES des2", s.w.CreateDES(lifecycle.DESSpec{Name: "des2", Subscription: sub, Region: target, KeyID: id}))
	withDES := s.try("copying it with a DES in "+target, s.w.CopySnapshot("snap1", "snap1-ne", target, "des2"))
	s.do("CreateDiskFromSnapshot", s.w.CreateDiskFromSnapshot("snap1-ne", "vm1-data-ne"))
	s.do("CopySnapshot snap2", s.w.CopySnapshot("snap2", "snap2-ne", target, ""))
	s.do("CreateDiskFromSnapshot", s.w.CreateDiskFromSnapshot("snap2-ne", "vm2-data-ne"))
	sseRaw := s.verdict("SSE copy in "+target+", raw media", insider, mediaA("vm1-data-ne"))
	sseRead := s.verdict("SSE copy in "+target+", read by the admin", principal(admin), diskA("vm1-data-ne"))
	adeRead := s.verdict("ADE copy in "+target+", read by the admin", principal(admin), diskA("vm2-data-ne"))
	s.diagram.add("SSE-CMK copy in "+target, sseRead, id)
	s.diagram.add("ADE copy in "+target, adeRead, "")
	return s.finish(8, fmt.Sprintf("site recovery is not simulated yet; a cross-region copy is encrypted: %s (raw media %s, layers %s), needs a DES in the target region (%s without, %s with), and is %s there; an ADE copy keeps %s and is %s with the source vault's BEK",
		yesNo(!sseRaw.Readable), readable(sseRaw), layers(sseRead), noDES, withDES, readable(sseRead), layers(adeRead), readable(adeRead)))
}

// Q09KeyDeleted deletes a customer key and recovers it; tries to purge it
// under purge protection; purges an ADE KEK in a vault without purge
// protection.
func Q09KeyDeleted(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.vm("vm1", ubuntu, d2v3, "des1")
	s.do("DeleteKey cmk", s.w.DeleteKey(admin, kv, "cmk"))
	s.w.Advance(61 * time.Minute)
	var st lifecycle.VMState
	if s.ok() {
		var why string
		st, why, _ = s.w.VMStatus("vm1")
		s.note("VM 61 minutes after its customer key was soft-deleted: %s (%s)", st, why)
	}
	soft := s.verdict("CMK soft-deleted", guest("vm1"), diskA("vm1-data"))
	purgePP := s.try("purging it with purge protection on", s.w.PurgeKey(admin, kv, "cmk"))
	s.do("RecoverKey cmk", s.w.RecoverKey(admin, kv, "cmk"))
	rec := s.verdict("CMK recovered", guest("vm1"), diskA("vm1-data"))
	start := s.try("starting the VM after recovery", s.w.Start("vm1"))

	// A vault without purge protection: a DES refuses it; ADE accepts it.
	s.do("CreateVault kv3", s.w.CreateVault(lifecycle.VaultSpec{Name: "kv3", Subscription: sub, Region: region, RetentionDays: 7, EnabledForDiskEncryption: true}))
	var kek3 string
	if s.ok() {
		var err error
		kek3, err = s.w.CreateKey(admin, "kv3", "kek3", lifecycle.KeySpec{Size: 3072})
		s.do("CreateKey kek3", err)
	}
	desNoPP := s.try("a disk encryption set on a vault without purge protection", s.w.CreateDES(lifecycle.DESSpec{Name: "des3", Subscription: sub, Region: region, KeyID: kek3}))
	s.vm("vm2", ubuntu, d2v3, "")
	s.do("EnableADE vm2", s.w.EnableADE("vm2", lifecycle.ADESpec{Vault: "kv3", KEKID: kek3, Volumes: lifecycle.VolumeAll}))
	s.do("Deallocate vm2", s.w.Deallocate("vm2"))
	s.do("DeleteKey kek3", s.w.DeleteKey(admin, "kv3", "kek3"))
	purge := s.try("purging the ADE KEK without purge protection", s.w.PurgeKey(admin, "kv3", "kek3"))
	gone := s.verdict("ADE KEK purged", guest("vm2"), diskA("vm2-data"))
	boot := s.try("starting the VM after the purge", s.w.Start("vm2"))
	s.lack("key backup and restore into a vault (BackupKey/RestoreKey, F33-F35, F92) is not in lifecycle's API yet: the 'purged but a backup exists' case is not simulated")
	s.fact("F114")
	s.diagram.add("CMK soft-deleted", soft, s.cmk)
	s.diagram.add("ADE KEK purged", gone, "")
	return s.finish(9, fmt.Sprintf("soft-deleted: the VM is %s an hour later and its disk %s, recover brings it back (%s, start %s); with purge protection the purge is %s; without it (ADE vault only: a DES on such a vault is %s) the purge is %s, the disk is %s for good and the VM start is %s",
		st, readable(soft), readable(rec), start, purgePP, desNoPP, purge, readable(gone), boot))
}

// Q10KeyDisabled disables a customer key, watches the VM half an hour and
// an hour later, and enables the key again.
func Q10KeyDisabled(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.vm("vm1", ubuntu, d2v3, "des1")
	s.do("SetKeyEnabled false", s.w.SetKeyEnabled(admin, s.cmk, false))
	s.w.Advance(30 * time.Minute)
	status := func(when string) lifecycle.VMState {
		if !s.ok() {
			return lifecycle.VMStateUnknown
		}
		st, why, err := s.w.VMStatus("vm1")
		s.do("VMStatus", err)
		if why != "" {
			why = " (" + why + ")"
		}
		s.note("VM %s: %s%s", when, st, why)
		return st
	}
	st30 := status("30 minutes after the key was disabled")
	v30 := s.verdict("30 minutes after", guest("vm1"), diskA("vm1-data"))
	s.w.Advance(31 * time.Minute)
	st61 := status("61 minutes after the key was disabled")
	v61 := s.verdict("61 minutes after", guest("vm1"), diskA("vm1-data"))
	start := s.try("starting the VM with the key disabled", s.w.Start("vm1"))
	s.do("SetKeyEnabled true", s.w.SetKeyEnabled(admin, s.cmk, true))
	start2 := s.try("starting the VM after re-enabling the key", s.w.Start("vm1"))
	back := s.verdict("after re-enabling", guest("vm1"), diskA("vm1-data"))
	s.diagram.add("customer key disabled, one hour later", v61, s.cmk)
	return s.finish(10, fmt.Sprintf("disabled: the VM keeps running and reading for the first hour (%s, %s at 30 minutes), then is %s and its disk %s; start is %s; re-enabled: start is %s and the data is %s, intact",
		st30, readable(v30), st61, readable(v61), start, start2, readable(back)))
}
