package examples

import (
	"fmt"
	"strings"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
)

// Q16ADERestoreElsewhere backs up an ADE VM and restores it into the
// paired region, a region outside the pair and another subscription, under
// both readings of the documentation (Options.ADECrossRegionRestore).
func Q16ADERestoreElsewhere(seed uint64) (Answer, error) {
	s := newScenario(seed)
	reg, _ := lifecycle.LookupRegion(region)
	s.do("AddSubscription", s.w.AddSubscription(tenant, sub2))
	s.vm("vm1", ubuntu, d2v3, "")
	s.ade("vm1", true)
	s.do("GrantBackupAccess", s.w.GrantBackupAccess(kv))
	s.do("BackupVM", s.w.BackupVM("vm1", "rp1"))
	paired := s.try("restoring into the paired region "+reg.Paired, s.w.RestoreVM("rp1", lifecycle.RestoreSpec{VM: "vm1-paired", Region: reg.Paired}))
	var there lifecycle.Verdict
	if !paired.Refused {
		there = s.verdict("the VM restored in "+reg.Paired, guest("vm1-paired"), diskA("vm1-paired-vm1-data"))
		s.diagram.add("ADE VM restored in "+reg.Paired, there, "")
	}
	far := s.try("restoring into eastus (not the pair)", s.w.RestoreVM("rp1", lifecycle.RestoreSpec{VM: "vm1-far", Region: "eastus"}))
	other := s.try("restoring into subscription "+sub2, s.w.RestoreVM("rp1", lifecycle.RestoreSpec{VM: "vm1-dev", Subscription: sub2}))

	// The ADE FAQs say cross-region restore is not supported; the Backup
	// documentation says it is. The switch shows both.
	o := lifecycle.DefaultOptions()
	o.ADECrossRegionRestore = false
	s2 := newScenarioWith(seed, &o)
	s2.vm("vm1", ubuntu, d2v3, "")
	s2.ade("vm1", true)
	s2.do("GrantBackupAccess", s2.w.GrantBackupAccess(kv))
	s2.do("BackupVM", s2.w.BackupVM("vm1", "rp1"))
	faq := s2.try("", s2.w.RestoreVM("rp1", lifecycle.RestoreSpec{VM: "vm1-paired", Region: reg.Paired}))
	s.do("second world", s2.err)
	s.note("with Options.ADECrossRegionRestore=false (the ADE FAQs' reading), restoring into %s: %s", reg.Paired, faq)
	s.fact(faq.Fact)
	s.lack("moving an ADE VM to another subscription or region (F76) is not in lifecycle's API")
	return s.finish(16, fmt.Sprintf("region: only the paired region %s (%s, the restored VM %s; the ADE FAQs' reading: %s), any other region %s; subscription: %s",
		reg.Paired, paired, readable(there), faq, far, other))
}

// Q17ADEMemory tries ADE on VMs of 4, 8 and 64 GB, Linux and Windows, OS
// and data volumes.
func Q17ADEMemory(seed uint64) (Answer, error) {
	s := newScenario(seed)
	mem := map[string]int{}
	for _, z := range lifecycle.Sizes() {
		mem[z.Name] = z.MemoryGB
	}
	t := &Table{Header: []string{"OS", "size", "memory", "volumes", "EnableADE"}}
	cases := []struct {
		image, size string
		vol         lifecycle.VolumeType
	}{
		{ubuntu, "Standard_B2s", lifecycle.VolumeAll},
		{ubuntu, "Standard_B2s", lifecycle.VolumeData},
		{ubuntu, d2v3, lifecycle.VolumeAll},
		{ubuntu, "Standard_E8s_v3", lifecycle.VolumeAll},
		{win2019, "Standard_B2s", lifecycle.VolumeAll},
	}
	var out []refusal
	for i, c := range cases {
		vm := fmt.Sprintf("vm%d", i+1)
		s.vm(vm, c.image, c.size, "")
		im := "Linux"
		if c.image == win2019 {
			im = "Windows"
		}
		r := s.try(fmt.Sprintf("%s %s (%d GB), %s volumes", im, c.size, mem[c.size], c.vol), s.w.EnableADE(vm, lifecycle.ADESpec{Vault: kv, Volumes: c.vol}))
		out = append(out, r)
		t.Rows = append(t.Rows, []string{im, c.size, fmt.Sprintf("%d GB", mem[c.size]), c.vol.String(), r.String()})
	}
	if !s.ok() {
		return s.finish(17, "")
	}
	s.fact("F72")
	a, err := s.finish(17, fmt.Sprintf("at least 8 GB when the root file system uses up to 4 GB (twice the root usage above that): Linux OS volume on %d GB %s, on %d GB %s; data volumes only need 2 GB (%d GB: %s); Windows needs 2 GB (%d GB: %s)",
		mem["Standard_B2s"], out[0], mem[d2v3], out[2], mem["Standard_B2s"], out[1], mem["Standard_B2s"], out[4]))
	a.Table = t
	return a, err
}

// Q18PreventDownload gives principals Reader, a Contributor without the
// export permission, and Contributor, and has each export a disk.
func Q18PreventDownload(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.vm("vm1", ubuntu, d2v3, "")
	s.do("Stop", s.w.Stop("vm1"))
	roles := []lifecycle.ComputeRole{lifecycle.ContributorNoExport, lifecycle.Reader, lifecycle.Contributor}
	var rs []refusal
	var vs []lifecycle.Verdict
	for i, r := range roles {
		p := fmt.Sprintf("user%d", i+1)
		s.do("AddPrincipal", s.w.AddPrincipal(p))
		s.do("AssignComputeRole", s.w.AssignComputeRole(p, sub, r))
		g, err := s.w.GrantAccess(p, "vm1-data", hour)
		rs = append(rs, s.try(fmt.Sprintf("%s (%s) requests a read SAS", p, r), err))
		if err == nil {
			s.do("RevokeAccess", s.w.RevokeAccess(g))
		}
		vs = append(vs, s.verdict(fmt.Sprintf("%s (%s)", p, r), principal(p), diskA("vm1-data")))
	}
	if !s.ok() {
		return s.finish(18, "")
	}
	s.diagram.add(roles[0].String(), vs[0], "")
	return s.finish(18, fmt.Sprintf("yes: with a custom role without the export permission (%s) the read SAS is %s and the disk %s to that principal; Reader: %s; Contributor: %s, and the disk %s",
		roles[0], rs[0], readable(vs[0]), rs[1], rs[2], readable(vs[2])))
}

// Q19Insider reads, as a storage-side insider holding the raw media (or a
// stolen drive), disks with platform keys, a customer key, double
// encryption and ADE, and temp disks with and without encryption at host.
func Q19Insider(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.do("CreateDES double", s.w.CreateDES(lifecycle.DESSpec{Name: "des-double", Subscription: sub, Region: region, KeyID: s.cmk, Double: true}))
	s.do("RegisterEncryptionAtHost", s.w.RegisterEncryptionAtHost(sub))
	s.vm("pmk", ubuntu, d2v3, "")
	s.vm("cmk", ubuntu, d2v3, "des1")
	s.vm("dbl", ubuntu, d2v3, "des-double")
	s.vm("ade", ubuntu, d2v3, "")
	s.ade("ade", true)
	s.do("CreateVM eah", s.w.CreateVM(lifecycle.VMSpec{Name: "eah", Subscription: sub, Region: region, Image: ubuntu, Size: d2v3, EncryptionAtHost: true}))
	s.do("WriteFile eah", s.w.WriteFile("eah", "eah-osdisk", "/var/log/app.log", []byte("session opened for alice")))
	t := &Table{Header: []string{"what the insider holds", "readable", "layers"}}
	var vs []lifecycle.Verdict
	for _, c := range []struct {
		name string
		a    lifecycle.Artifact
	}{
		{"data disk, platform key", mediaA("pmk-data")},
		{"data disk, customer key", mediaA("cmk-data")},
		{"data disk, double encryption", mediaA("dbl-data")},
		{"data disk, ADE with KEK", mediaA("ade-data")},
		{"temp disk, SSE only (v3 size)", tempA("pmk")},
		{"temp disk, encryption at host", tempA("eah")},
		{"host cache of a disk, customer key", cacheA("cmk", "cmk-data")},
		{"host cache of a disk, encryption at host", cacheA("eah", "eah-osdisk")},
	} {
		if c.a.Kind == lifecycle.TempDiskArtifact {
			s.do("WriteFile temp", s.w.WriteFile(c.a.Name, lifecycle.TempDisk, "/swapfile", []byte("swapped-out page")))
		}
		v := s.verdict(c.name, insider, c.a)
		vs = append(vs, v)
		t.Rows = append(t.Rows, []string{c.name, yesNo(v.Readable), layers(v)})
	}
	if !s.ok() {
		return s.finish(19, "")
	}
	s.diagram.add("raw media of a double-encrypted disk", vs[2], s.cmk)
	s.diagram.add("temp disk without encryption at host", vs[4], "")
	n := 0
	for _, v := range vs[:4] {
		if !v.Readable {
			n++
		}
	}
	a, err := s.finish(19, fmt.Sprintf("ciphertext: the raw media of %d of 4 managed disks (platform key, customer key, double, ADE) is not readable, whatever the key; the exception is what the host keeps locally: the temp disk is %s with SSE alone, %s with encryption at host, and a disk's host cache is %s with SSE alone (even under a customer key), %s with encryption at host",
		n, readable(vs[4]), readable(vs[5]), readable(vs[6]), readable(vs[7])))
	a.Table = t
	return a, err
}

// Q20Rotation rotates a customer key with automatic rotation, counts the
// Key Vault operations, disables the old version, and rotates an ADE KEK
// by re-running enable.
func Q20Rotation(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.vm("vm1", ubuntu, d2v3, "des1")
	for i := 0; i < 32 && s.ok(); i++ {
		s.do("WriteFile", s.w.WriteFile("vm1", "vm1-data", fmt.Sprintf("/data/old%02d.bin", i), make([]byte, 32<<10)))
	}
	var old string
	if s.ok() {
		// The version the disks are wrapped under now.
		evs := s.w.Vaults().AuditLog()
		for _, e := range evs {
			if e.Operation == "WrapKey" && e.Result == "OK" && strings.Contains(e.ObjectID, "/keys/cmk/") {
				old = e.ObjectID
			}
		}
	}
	m := s.auditMark()
	newID, err := s.w.RotateKey(admin, kv, "cmk")
	s.do("RotateKey", err)
	s.w.Advance(61 * time.Minute)
	n, ops := s.kvOps(m)
	s.note("Key Vault operations for the rotation and the re-wrap of 2 disks holding %d KiB: %d (%s)", 32*32, n, opsText(ops))
	s.note("old version %s, new version %s", shortID(old), shortID(newID))
	after := s.verdict("old data after rotation", guest("vm1"), diskA("vm1-data"))
	var oldOff refusal
	if old != "" {
		oldOff = s.try("disabling the old key version", s.w.SetKeyEnabled(admin, old, false))
	} else {
		s.do("finding the old key version", fmt.Errorf("no wrap with the customer key in the audit log"))
	}
	s.w.Advance(2 * hour)
	s.do("Restart", s.w.Restart("vm1"))
	still := s.verdict("old data with the old version disabled, after a restart", guest("vm1"), diskA("vm1-data"))

	// ADE: rotate the KEK by re-running enable with its new version (F83).
	s.vm("vm2", ubuntu, d2v3, "")
	s.ade("vm2", true)
	newKEK, err := s.w.RotateKey(admin, kv, "kek")
	s.do("RotateKey kek", err)
	var bek1, bek2 string
	if s.ok() {
		bek1, _ = s.w.BEKSecretID("vm2-data")
	}
	rerun := s.try("re-running EnableADE with the KEK's new version", s.w.EnableADE("vm2", lifecycle.ADESpec{Vault: kv, KEKID: newKEK, Volumes: lifecycle.VolumeAll}))
	if s.ok() {
		bek2, _ = s.w.BEKSecretID("vm2-data")
	}
	s.do("Deallocate vm2", s.w.Deallocate("vm2"))
	s.do("Start vm2", s.w.Start("vm2"))
	ade := s.verdict("ADE VM after the KEK rotation and a deallocation", guest("vm2"), diskA("vm2-data"))
	s.fact("F13", "F44", "F50", "F83")
	s.diagram.add("after rotation, old version disabled", still, newID)
	s.diagram.add("ADE after KEK rotation", ade, "")
	return s.finish(20, fmt.Sprintf("no: rotation re-wraps each disk's DEK (%d Key Vault operations for 2 disks) and rewrites no data; old data stays %s, and %s after the old version is disabled (%s); ADE: re-running enable with the new KEK is %s, the BEK secret changes: %s, data %s",
		n, readable(after), readable(still), oldOff, rerun, yesNo(bek1 != bek2), readable(ade)))
}
