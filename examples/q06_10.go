package examples

import (
	"fmt"
	"strings"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
)

// Q06OptOut creates a VM without ADE (ADE is opt-in), disables ADE on
// Linux and Windows VMs, tries to move a formerly ADE disk to a customer
// key, and tries to switch SSE off.
func Q06OptOut(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.vm("vm1", ubuntu, d2v3, "")
	plain := s.verdict("a VM created without ADE", guest("vm1"), diskA("vm1-data"))
	s.vm("lnxos", ubuntu, d2v3, "")
	s.ade("lnxos", false)
	lnxOS := s.try("disabling ADE on the data volume of a Linux VM whose OS volume is encrypted", s.w.DisableADE("lnxos", lifecycle.VolumeData))
	s.vm("lnxdata", ubuntu, d2v3, "")
	s.do("EnableADE lnxdata", s.w.EnableADE("lnxdata", lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeData}))
	enc := s.verdict("a Linux VM with ADE on its data volume", guest("lnxdata"), diskA("lnxdata-data"))
	lnxData := s.try("disabling ADE on that data volume", s.w.DisableADE("lnxdata", lifecycle.VolumeData))
	dec := s.verdict("after disabling", guest("lnxdata"), diskA("lnxdata-data"))
	s.vm("win", win2019, d2v3, "")
	s.ade("win", false)
	win := s.try("disabling ADE on all volumes of a Windows VM", s.w.DisableADE("win", lifecycle.VolumeAll))
	s.do("Deallocate lnxdata", s.w.Deallocate("lnxdata"))
	cmk := s.try("moving the formerly ADE disk to a customer key", s.w.SetDiskEncryption("lnxdata-data", "des1"))
	rawBefore := s.verdict("raw media of vm1-data", insider, mediaA("vm1-data"))
	s.do("Deallocate vm1", s.w.Deallocate("vm1"))
	noCMK := s.noCustomerKey("vm1-data", rawBefore)
	s.fact("F43", "F63", "F84")
	s.diagram.add("Linux data volume with ADE", enc, "")
	s.diagram.add("after DisableADE", dec, "")
	return s.finish(6, fmt.Sprintf("opt out of ADE: %s (a VM created without it: %s; with it: %s); disable it later: %s (Linux data volume %s, data %s, layers %s; Linux with an encrypted OS volume %s; Windows %s); a customer key on the formerly ADE disk afterwards: %s; disable SSE: %s: %s",
		yesNo(!hasLayer(plain, "ADE") && hasLayer(enc, "ADE")), layers(plain), layers(enc),
		verdictWord(!lnxData.Refused, !lnxOS.Refused, !win.Refused), lnxData, readable(dec), layers(dec), lnxOS, win, cmk,
		yesNo(noCMK.off()), noCMK))
}

// Q07Backup backs up an SSE-CMK VM, an ADE VM with a BEK only and an ADE
// VM with a KEK, reads each recovery point as a storage insider and as the
// backup operator, and restores each as a new VM.
func Q07Backup(seed uint64) (Answer, error) { return q07Backup(seed, nil) }

// q07Backup is Q07Backup under the rule switches opts (nil: the defaults).
func q07Backup(seed uint64, opts *lifecycle.Options) (Answer, error) {
	s := newScenarioWith(seed, opts)
	s.withCMK()
	s.vm("vmsse", ubuntu, d2v3, "des1")
	s.vm("vmbek", ubuntu, d2v3, "")
	s.ade("vmbek", false)
	s.vm("vmkek", ubuntu, d2v3, "")
	s.ade("vmkek", true)
	type row struct {
		name, vm                 string
		backup                   refusal
		insider, operator, guest lifecycle.Verdict
		sameBEK                  bool
	}
	rows := []*row{{name: "SSE-CMK", vm: "vmsse"}, {name: "ADE BEK only", vm: "vmbek"}, {name: "ADE BEK+KEK", vm: "vmkek"}}
	var noAccess refusal
	for i, r := range rows {
		if i == 1 {
			noAccess = s.try("backing up an ADE VM before the backup service has vault access", s.w.BackupVM(r.vm, "rp-denied"))
			s.do("GrantBackupAccess", s.w.GrantBackupAccess(kv))
		}
		rp := "rp-" + r.vm
		if r.backup = s.try("backing up "+r.name, s.w.BackupVM(r.vm, rp)); r.backup.Refused || !s.ok() {
			continue
		}
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
	t := &Table{Header: []string{"source", "backup", "recovery point: insider", "recovery point: backup operator", "restored VM layers", "restored VM reads", "same BEK secret"}}
	var atRest, restoredEnc, sameBEK []bool
	var backups, operatorReads, restoredAs []string
	for _, r := range rows {
		backups = append(backups, r.backup.String())
		if r.backup.Refused {
			t.Rows = append(t.Rows, []string{r.name, r.backup.String(), "-", "-", "-", "-", "-"})
			continue
		}
		atRest = append(atRest, !r.insider.Readable && len(r.insider.Layers) > 0)
		restoredEnc = append(restoredEnc, hasLayer(r.guest, "SSE") || hasLayer(r.guest, "ADE"))
		operatorReads = append(operatorReads, r.name+" "+readable(r.operator))
		restoredAs = append(restoredAs, layers(r.guest))
		same := "n/a (no BEK)"
		if hasLayer(r.guest, "ADE") {
			same = yesNo(r.sameBEK)
			sameBEK = append(sameBEK, r.sameBEK)
		}
		t.Rows = append(t.Rows, []string{r.name, r.backup.String(), readable(r.insider), readable(r.operator), layers(r.guest), yesNo(r.guest.Readable), same})
	}
	s.diagram.add("SSE-CMK VM restored", rows[0].guest, "")
	s.diagram.add("ADE BEK+KEK VM restored", rows[2].guest, "")
	n := 0
	for _, ok := range atRest {
		if ok {
			n++
		}
	}
	// The leading word counts every source: one that could not be backed
	// up has no encrypted backup.
	encrypted := append(atRest, make([]bool, len(rows)-len(atRest))...)
	// With no source backed up there is nothing restored to judge:
	// verdictWord says "n/a" and the lists say so.
	if len(operatorReads) == 0 {
		operatorReads = []string{"no recovery point"}
	}
	if len(restoredAs) == 0 {
		restoredAs = []string{"no VM restored"}
	}
	a, err := s.finish(7, fmt.Sprintf("%s: %d of %d sources have a recovery point that is ciphertext to a storage insider (backup: %s); the backup operator finds %s; restored VMs encrypted: %s (%s), ADE ones with the source's BEK secret: %s; an ADE backup before the backup service has vault access is %s",
		verdictWord(encrypted...), n, len(rows), strings.Join(backups, ", "), strings.Join(operatorReads, ", "),
		verdictWord(restoredEnc...), strings.Join(restoredAs, "; "), verdictWord(sameBEK...), noAccess))
	a.Table = t
	return a, err
}

// Q08DisasterRecovery replicates a customer-key VM and an ADE VM to the
// paired region with site recovery, reads the replicas as a storage insider
// and as the DR region, and fails both over.
func Q08DisasterRecovery(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	reg, _ := lifecycle.LookupRegion(region)
	target := reg.Paired
	s.vm("vm1", ubuntu, d2v3, "des1")
	s.vm("vm2", ubuntu, d2v3, "")
	s.ade("vm2", true)
	s.do("CreateVault kv2", s.w.CreateVault(lifecycle.VaultSpec{Name: "kv2", Subscription: sub, Region: target, RetentionDays: 7, PurgeProtection: true, EnabledForDiskEncryption: true}))
	var id string
	if s.ok() {
		var err error
		id, err = s.w.CreateKey(admin, "kv2", "cmk2", lifecycle.KeySpec{})
		s.do("CreateKey cmk2", err)
	}
	noDES := s.try("replicating the CMK VM without a DES in "+target, s.w.EnableReplication(admin, "vm1", lifecycle.ReplicationSpec{TargetRegion: target}))
	s.do("CreateDES des2", s.w.CreateDES(lifecycle.DESSpec{Name: "des2", Subscription: sub, Region: target, KeyID: id}))
	cmkRep := s.try("replicating it with a DES in "+target, s.w.EnableReplication(admin, "vm1", lifecycle.ReplicationSpec{TargetRegion: target, TargetDES: map[string]string{"vm1-osdisk": "des2", "vm1-data": "des2"}}))
	adeRep := s.try("replicating the ADE VM, keys copied to kv2", s.w.EnableReplication(admin, "vm2", lifecycle.ReplicationSpec{TargetRegion: target, TargetVault: "kv2"}))
	dr := lifecycle.Vantage{Kind: lifecycle.DRRegion}
	rep := func(vm string) lifecycle.Artifact {
		return lifecycle.Artifact{Kind: lifecycle.ReplicaArtifact, Name: vm, Disk: vm + "-data"}
	}
	// replica reads a replica as a storage insider and as the DR region,
	// fails its VM over and reads the data there; it reports nothing for a
	// VM whose replication was refused.
	type replica struct {
		raw, dr, failedOver lifecycle.Verdict
		ok                  bool
	}
	replicate := func(name, vm string, r refusal) replica {
		if r.Refused {
			return replica{}
		}
		out := replica{ok: true}
		out.raw = s.verdict(name+" replica, storage insider", insider, rep(vm))
		out.dr = s.verdict(name+" replica, DR region", dr, rep(vm))
		s.do("Failover "+vm, s.w.Failover(vm, vm+"-dr"))
		out.failedOver = s.verdict(name+" VM after failover", guest(vm+"-dr"), diskA(vm+"-dr-"+vm+"-data"))
		return out
	}
	sse := replicate("CMK", "vm1", cmkRep)
	ade := replicate("ADE", "vm2", adeRep)
	s.diagram.add("CMK replica in "+target, sse.dr, id)
	s.diagram.add("ADE replica in "+target, ade.dr, "")
	// The replicas' answer: encrypted at rest, and read after failover; a
	// refused replication counts as neither.
	encrypted := []bool{sse.ok && !sse.raw.Readable, ade.ok && !ade.raw.Readable}
	read := []bool{sse.ok && sse.failedOver.Readable, ade.ok && ade.failedOver.Readable}
	show := func(r replica, f func(replica) string) string {
		if !r.ok {
			return "no replica"
		}
		return f(r)
	}
	raw := func(r replica) string { return readable(r.raw) }
	drLayers := func(r replica) string { return layers(r.dr) + ", " + readable(r.dr) }
	return s.finish(8, fmt.Sprintf("replicas encrypted: %s (raw replica media: CMK %s, ADE %s); read in %s after failover: %s (CMK %s, ADE %s); CMK replication without a DES in %s is %s, with one %s, and the replica there is %s; ADE replication with the keys copied to a vault there is %s, and the replica there is %s",
		verdictWord(encrypted...), show(sse, raw), show(ade, raw), target, verdictWord(read...),
		show(sse, func(r replica) string { return yesNo(r.failedOver.Readable) }), show(ade, func(r replica) string { return yesNo(r.failedOver.Readable) }),
		target, noDES, cmkRep, show(sse, drLayers), adeRep, show(ade, drLayers)))
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

	// A vault without purge protection: a DES and ADE are each tried on it.
	s.do("CreateVault kv3", s.w.CreateVault(lifecycle.VaultSpec{Name: "kv3", Subscription: sub, Region: region, RetentionDays: 7, EnabledForDiskEncryption: true}))
	var kek3 string
	if s.ok() {
		var err error
		kek3, err = s.w.CreateKey(admin, "kv3", "kek3", lifecycle.KeySpec{Size: 3072})
		s.do("CreateKey kek3", err)
	}
	desNoPP := s.try("a disk encryption set on a vault without purge protection", s.w.CreateDES(lifecycle.DESSpec{Name: "des3", Subscription: sub, Region: region, KeyID: kek3}))
	s.vm("vm2", ubuntu, d2v3, "")
	adeNoPP := s.try("ADE with a KEK on a vault without purge protection", s.w.EnableADE("vm2", lifecycle.ADESpec{Vault: "kv3", KEKID: kek3, Volumes: lifecycle.VolumeAll}))
	s.do("Deallocate vm2", s.w.Deallocate("vm2"))
	s.do("DeleteKey kek3", s.w.DeleteKey(admin, "kv3", "kek3"))
	purge := s.try("purging the ADE KEK without purge protection", s.w.PurgeKey(admin, "kv3", "kek3"))
	gone := s.verdict("ADE KEK purged", guest("vm2"), diskA("vm2-data"))
	boot := s.try("starting the VM after the purge", s.w.Start("vm2"))
	// Which encryption the purged key protected: the answer names the
	// options the vault without purge protection accepted.
	var usable []string
	if !desNoPP.Refused {
		usable = append(usable, "a DES")
	}
	if !adeNoPP.Refused {
		usable = append(usable, "ADE")
	}
	accepts := "nothing"
	if len(usable) > 0 {
		accepts = strings.Join(usable, " and ")
	}

	// The same, with a key backup taken beforehand (F114: back keys up).
	var kek4 string
	if s.ok() {
		var err error
		kek4, err = s.w.CreateKey(admin, "kv3", "kek4", lifecycle.KeySpec{Size: 3072})
		s.do("CreateKey kek4", err)
	}
	s.vm("vm3", ubuntu, d2v3, "")
	s.do("EnableADE vm3", s.w.EnableADE("vm3", lifecycle.ADESpec{Vault: "kv3", KEKID: kek4, Volumes: lifecycle.VolumeAll}))
	s.do("BackupKey kek4", s.w.BackupKey(admin, "kv3", "kek4", "kek4.backup"))
	s.do("Deallocate vm3", s.w.Deallocate("vm3"))
	s.do("DeleteKey kek4", s.w.DeleteKey(admin, "kv3", "kek4"))
	s.do("PurgeKey kek4", s.w.PurgeKey(admin, "kv3", "kek4"))
	bootB := s.try("starting the VM after purging its backed-up KEK", s.w.Start("vm3"))
	var restored refusal
	if s.ok() {
		_, err := s.w.RestoreKey(admin, "kv3", "kek4.backup")
		restored = s.try("restoring the KEK from its backup", err)
	}
	bootR := s.try("starting the VM after the restore", s.w.Start("vm3"))
	back := s.verdict("ADE KEK restored from backup", guest("vm3"), diskA("vm3-data"))
	s.fact("F114")
	s.diagram.add("CMK soft-deleted", soft, s.cmk)
	s.diagram.add("ADE KEK purged", gone, "")
	return s.finish(9, fmt.Sprintf("soft-deleted: the VM is %s an hour later and its disk %s; after recovery the disk is %s and start %s; with purge protection the purge is %s; without it (such a vault accepts %s: a DES on it is %s, ADE with a KEK on it %s) the purge of the ADE KEK is %s, then the disk is %s and the VM start %s; purged with a key backup: start %s, restore %s, then start %s and the data is %s",
		st, readable(soft), readable(rec), start, purgePP, accepts, desNoPP, adeNoPP, purge, readable(gone), boot, bootB, restored, bootR, readable(back)))
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
	return s.finish(10, fmt.Sprintf("disabled: 30 minutes later the VM is %s and its disk %s, 61 minutes later %s and %s; start is %s; re-enabled: start is %s and the data is %s",
		st30, readable(v30), st61, readable(v61), start, start2, readable(back)))
}
