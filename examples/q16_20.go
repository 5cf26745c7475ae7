package examples

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
	"github.com/atrest-sim/atrest/vault"
)

// Q16ADERestoreElsewhere backs up an ADE VM and restores it into the
// paired region, a region outside the pair and another subscription, under
// both readings of the documentation (Options.ADECrossRegionRestore).
func Q16ADERestoreElsewhere(seed uint64) (Answer, error) { return q16ADERestoreElsewhere(seed, nil) }

// q16ADERestoreElsewhere is Q16ADERestoreElsewhere under the rule switches
// opts (nil: the defaults); the second reading flips
// ADECrossRegionRestore off from opts.
func q16ADERestoreElsewhere(seed uint64, opts *lifecycle.Options) (Answer, error) {
	s := newScenarioWith(seed, opts)
	reg, _ := lifecycle.LookupRegion(region)
	s.do("AddSubscription", s.w.AddSubscription(tenant, sub2))
	s.vm("vm1", ubuntu, d2v3, "")
	s.ade("vm1", true)
	s.do("GrantBackupAccess", s.w.GrantBackupAccess(kv))
	s.do("BackupVM", s.w.BackupVM("vm1", "rp1"))
	paired := s.try("restoring into the paired region "+reg.Paired, s.w.RestoreVM("rp1", lifecycle.RestoreSpec{VM: "vm1-paired", Region: reg.Paired}))
	there := paired.String()
	if !paired.Refused {
		v := s.verdict("the VM restored in "+reg.Paired, guest("vm1-paired"), diskA("vm1-paired-vm1-data"))
		s.diagram.add("ADE VM restored in "+reg.Paired, v, "")
		there += ", the restored VM " + readable(v)
	}
	// A region outside the pair, described from the region table.
	const farName = "eastus"
	farDesc := farName
	if f, ok := lifecycle.LookupRegion(farName); ok {
		rel := "not " + region + "'s pair, which is " + reg.Paired
		if f.Name == reg.Paired {
			rel = region + "'s pair"
		}
		farDesc = fmt.Sprintf("%s (geography %s, paired with %s; %s)", farName, f.Geography, f.Paired, rel)
	}
	far := s.try("restoring into "+farDesc, s.w.RestoreVM("rp1", lifecycle.RestoreSpec{VM: "vm1-far", Region: farName}))
	other := s.try("restoring into subscription "+sub2, s.w.RestoreVM("rp1", lifecycle.RestoreSpec{VM: "vm1-dev", Subscription: sub2}))

	// The ADE FAQs say cross-region restore is not supported; the Backup
	// documentation says it is. The switch shows both.
	o := lifecycle.DefaultOptions()
	if opts != nil {
		o = *opts
	}
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
	return s.finish(16, fmt.Sprintf("%s: region %s (paired): %s (under the ADE FAQs' reading %s); %s: %s; subscription %s: %s",
		verdictWord(!paired.Refused, !far.Refused, !other.Refused), reg.Paired, there, faq, farDesc, far, sub2, other))
}

// Q17ADEMemory probes EnableADE on VMs of increasing memory from the size
// catalogue, for a Linux OS volume, Linux data volumes only and Windows,
// until the cloud stops refusing it.
func Q17ADEMemory(seed uint64) (Answer, error) {
	s := newScenario(seed)
	root := 0
	for _, im := range lifecycle.Images() {
		if im.Name == ubuntu {
			root = im.RootUsageGB
		}
	}
	t := &Table{Header: []string{"OS", "volumes", "size", "memory", "EnableADE"}}
	var found []memoryNeed
	for _, c := range []struct {
		name, image string
		vol         lifecycle.VolumeType
	}{
		{"Linux", ubuntu, lifecycle.VolumeAll},
		{"Linux", ubuntu, lifecycle.VolumeData},
		{"Windows", win2019, lifecycle.VolumeAll},
	} {
		found = append(found, s.probeMemory(t, len(found), c.name, c.image, c.vol))
	}
	if !s.ok() {
		return s.finish(17, "")
	}
	a, err := s.finish(17, fmt.Sprintf("Linux OS volume (root file system %d GB): %s; data volumes only: %s; Windows: %s",
		root, found[0], found[1], found[2]))
	a.Table = t
	return a, err
}

// memoryNeed is what probing EnableADE at increasing memory found: the
// smallest memory it was allowed on, the largest it was refused on for
// lack of memory (F72), 0 if none, and the sizes with less memory than the
// allowed one that said nothing about memory (refused for another reason,
// or unable to run the image).
type memoryNeed struct {
	allowedGB, refusedGB int
	below                []string
}

// String says "at least 8 GB (4 GB refused)", or, when no size was refused
// for its memory, "4 GB suffices" and what the catalogue offered below it.
func (m memoryNeed) String() string {
	switch {
	case m.allowedGB == 0:
		return "refused on every size probed"
	case m.refusedGB != 0:
		return fmt.Sprintf("at least %d GB (%d GB refused)", m.allowedGB, m.refusedGB)
	case len(m.below) == 0:
		return fmt.Sprintf("%d GB suffices (the least memory of the catalogue's sizes)", m.allowedGB)
	}
	return fmt.Sprintf("%d GB suffices; less memory was not probed: the catalogue's sizes below %d GB were refused for other reasons (%s)",
		m.allowedGB, m.allowedGB, strings.Join(m.below, ", "))
}

// probeMemory creates VMs of the catalogue's sizes in order of memory and
// tries ADE on each until it is allowed. Sizes refused for other reasons
// (F73) say nothing about memory and are passed over; each probe is a row
// of t and a line of evidence.
func (s *scenario) probeMemory(t *Table, n int, osName, image string, vol lifecycle.VolumeType) memoryNeed {
	sizes := lifecycle.Sizes()
	slices.SortStableFunc(sizes, func(a, b lifecycle.Size) int { return cmp.Compare(a.MemoryGB, b.MemoryGB) })
	var m memoryNeed
	var other []lifecycle.Size // sizes that said nothing about memory
	var why []string
	for i, z := range sizes {
		if !s.ok() {
			break
		}
		vm := fmt.Sprintf("p%d-%d", n, i)
		if err := s.w.CreateVM(lifecycle.VMSpec{Name: vm, Subscription: sub, Region: region, Image: image, Size: z.Name}); err != nil {
			// The size does not take this image at all.
			other, why = append(other, z), append(why, "cannot run the image: "+s.tryQuiet(err).String())
			continue
		}
		s.dataDisk(vm, vm+"-data", "")
		r := s.try(fmt.Sprintf("%s %s (%d GB), %s volumes", osName, z.Name, z.MemoryGB, vol), s.w.EnableADE(vm, lifecycle.ADESpec{Vault: kv, Volumes: vol}))
		t.Rows = append(t.Rows, []string{osName, vol.String(), z.Name, fmt.Sprintf("%d GB", z.MemoryGB), r.String()})
		switch {
		case !r.Refused:
			m.allowedGB = z.MemoryGB
			for j, o := range other {
				if o.MemoryGB < m.allowedGB {
					m.below = append(m.below, fmt.Sprintf("%s, %d GB: %s", o.Name, o.MemoryGB, why[j]))
				}
			}
			return m
		case r.Fact == "F72":
			m.refusedGB = z.MemoryGB
		default:
			other, why = append(other, z), append(why, r.String())
		}
	}
	return m
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
	return s.finish(18, fmt.Sprintf("%s: with a custom role without the export permission (%s) the read SAS is %s and the disk %s to that principal; Reader: %s; Contributor: %s, and the disk %s",
		yesNo(rs[0].Refused && !vs[0].Readable), roles[0], rs[0], readable(vs[0]), rs[1], rs[2], readable(vs[2])))
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
	var ciphertext []bool
	var plain, disks, disksRead []string
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
		ciphertext = append(ciphertext, !v.Readable)
		if v.Readable {
			plain = append(plain, c.name)
		}
		if c.a.Kind == lifecycle.MediaArtifact {
			disks = append(disks, strings.TrimPrefix(c.name, "data disk, "))
			if !v.Readable {
				disksRead = append(disksRead, c.name)
			}
		}
		t.Rows = append(t.Rows, []string{c.name, yesNo(v.Readable), layers(v)})
	}
	if !s.ok() {
		return s.finish(19, "")
	}
	s.diagram.add("raw media of a double-encrypted disk", vs[2], s.cmk)
	s.diagram.add("temp disk without encryption at host", vs[4], "")
	n := 0
	for _, c := range ciphertext {
		if c {
			n++
		}
	}
	what := map[string]string{"yes": "ciphertext", "no": "plaintext", "partly": "partly ciphertext", "n/a": "nothing read"}[verdictWord(ciphertext...)]
	if len(plain) == 0 {
		plain = []string{"none"}
	}
	// Row names hold commas, so the lists are joined with "; ".
	a, err := s.finish(19, fmt.Sprintf("%s: %d of %d are not readable, among them the raw media of %d of %d managed disks (%s); readable: %s",
		what, n, len(ciphertext), len(disksRead), len(disks), strings.Join(disks, "; "), strings.Join(plain, "; ")))
	a.Table = t
	return a, err
}

// Q20Rotation rotates a customer key with automatic rotation, fingerprints
// the bytes at rest of the VM's disks before and after the pickup, counts
// the Key Vault operations, disables the old version, and rotates an ADE
// KEK by re-running enable.
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
	disks := len(s.disks["vm1"])
	// The bytes at rest of every disk of the VM, fingerprinted before the
	// rotation and after the DES picked up the new version (F50).
	digests := func() [][32]byte {
		var out [][32]byte
		for _, d := range s.disks["vm1"] {
			if !s.ok() {
				break
			}
			dg, err := s.w.RawDigest(diskA(d))
			s.do("RawDigest "+d, err)
			out = append(out, dg)
		}
		return out
	}
	atRest := digests()
	m := s.auditMark()
	newID, err := s.w.RotateKey(admin, kv, "cmk")
	s.do("RotateKey", err)
	s.w.Advance(61 * time.Minute)
	n, ops := s.kvOps(m)
	s.note("Key Vault operations for the rotation and the re-wrap of the VM's %d disks holding %d KiB: %d (%s)", disks, 32*32, n, opsText(ops))
	s.note("old version %s, new version %s", shortID(old), shortID(newID))
	rewritten := 0
	for i, dg := range digests() {
		if i < len(atRest) && dg != atRest[i] {
			rewritten++
		}
	}
	s.note("bytes at rest of the VM's %d disks (SHA-256 of every written sector) before the rotation and after the pickup: %d of %d changed", disks, rewritten, disks)
	// What the audit log shows: each DEK unwrapped with the old version and
	// wrapped with the new one, and no other call.
	var unwrapOld, wrapNew, other int
	if s.ok() {
		for _, e := range s.w.Vaults().AuditSince(m) {
			switch {
			case e.Caller.ID == vault.SystemID:
			case e.Result == "OK" && e.Operation == "UnwrapKey" && e.ObjectID == old:
				unwrapOld++
			case e.Result == "OK" && e.Operation == "WrapKey" && e.ObjectID == newID:
				wrapNew++
			case e.Operation != "RotateKey":
				other++
			}
		}
	}
	rewrapOnly := unwrapOld == disks && wrapNew == disks && other == 0
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
	shows := fmt.Sprintf("the audit log shows only the unwrap of the VM's %d DEKs with the old version (%d) and their wrap with the new one (%d), and no other Key Vault call", disks, unwrapOld, wrapNew)
	if !rewrapOnly {
		shows = fmt.Sprintf("the audit log shows more than a re-wrap of the VM's %d DEKs: %d unwraps with the old version, %d wraps with the new one, %d other calls", disks, unwrapOld, wrapNew, other)
	}
	return s.finish(20, fmt.Sprintf("%s: the bytes at rest of %d of the VM's %d disks changed; %s (%d Key Vault operations); old data stays readable: %s (after the rotation %s; disabling the old version is %s, then %s); ADE: re-running enable with the new KEK is %s, the BEK secret changes: %s, data %s",
		yesNo(rewritten > 0), rewritten, disks, shows, n, verdictWord(after.Readable, still.Readable), readable(after), oldOff, readable(still), rerun, yesNo(bek1 != bek2), readable(ade)))
}
