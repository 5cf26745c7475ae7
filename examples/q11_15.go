package examples

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/atrest-sim/atrest/lifecycle"
)

// adeLevel tries ADE on all volumes, then on data volumes only, and says
// which the cloud accepted.
func (s *scenario) adeLevel(vm string) (string, refusal) {
	all := s.w.EnableADE(vm, lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll})
	if all == nil {
		return "OS and data", refusal{}
	}
	r := s.tryQuiet(all)
	if s.w.EnableADE(vm, lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeData}) == nil {
		return "data only", r
	}
	return "none", r
}

// tryQuiet is try without the evidence line.
func (s *scenario) tryQuiet(err error) refusal {
	n := len(s.evidence)
	r := s.try("", err)
	s.evidence = s.evidence[:n]
	return r
}

// Q11SupportMatrix creates a VM from every image of the catalogue and two
// custom images, reads each OS disk's raw media, and tries ADE on it.
func Q11SupportMatrix(seed uint64) (Answer, error) {
	s := newScenario(seed)
	ims := lifecycle.Images()
	for _, c := range []lifecycle.Image{
		{Name: "custom:contoso-ubuntu", OS: lifecycle.Linux, Distro: "Ubuntu", Version: "22.04", ADE: lifecycle.ADEOSAndData, RootUsageGB: 2},
		{Name: "custom:contoso-windows", OS: lifecycle.Windows, Distro: "WindowsServer", Version: "2022", ADE: lifecycle.ADEOSAndData, RootUsageGB: 12},
	} {
		c.Source = lifecycle.Custom
		s.do("AddCustomImage", s.w.AddCustomImage(c))
		ims = append(ims, c)
	}
	t := &Table{Header: []string{"image", "source", "OS", "SSE (raw OS disk media)", "ADE"}}
	sse := 0
	kinds := map[string]bool{}
	var dataOnly, none []string
	for i, im := range ims {
		vm := fmt.Sprintf("vm%02d", i)
		s.vm(vm, im.Name, d2v3, "")
		raw := s.check("raw media of "+vm, insider, mediaA(vm+"-osdisk"))
		if !s.ok() {
			break
		}
		if !raw.Readable && hasLayer(raw, "SSE") {
			sse++
			kinds[im.Source.String()] = true
			kinds[im.OS.String()] = true
		}
		level, why := s.adeLevel(vm)
		cell := level
		if why.Refused && level != "OS and data" {
			cell += " (" + why.Fact + ")"
		}
		if why.Refused {
			s.note("%s (%s): ADE on all volumes %s; data volumes only: %s", im.Name, im.Source, why, yesNo(level == "data only"))
		}
		if i == 0 {
			s.diagram.add(im.Name+" with ADE on all volumes", s.check(vm, guest(vm), diskA(vm+"-osdisk")), "")
		}
		switch level {
		case "data only":
			dataOnly = append(dataOnly, im.Name)
		case "none":
			none = append(none, im.Name)
		}
		t.Rows = append(t.Rows, []string{im.Name, im.Source.String(), im.OS.String(), sseLayer(raw) + ", " + readable(raw), cell})
	}
	s.fact("F43", "F74", "F75")
	a, err := s.finish(11, fmt.Sprintf("SSE: %d of %d images (%s); ADE: OS and data on %d, data volumes only on %s, not at all on %s",
		sse, len(ims), strings.Join(sortedSet(kinds), ", "), len(ims)-len(dataOnly)-len(none), strings.Join(dataOnly, ", "), strings.Join(none, ", ")))
	a.Table = t
	return a, err
}

// Q12ImageFromADE captures an ADE VM, captures a VM before encrypting it
// and reuses that image, and tries ADE on VMs created from custom images.
func Q12ImageFromADE(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.vm("vm1", ubuntu, d2v3, "")
	s.ade("vm1", false)
	s.do("Stop vm1", s.w.Stop("vm1"))
	adeCap := s.try("capturing a generalized image of an ADE VM", s.w.CaptureImage("vm1", "img-ade", true))
	s.vm("vm2", ubuntu, d2v3, "")
	s.do("Stop vm2", s.w.Stop("vm2"))
	plainCap := s.try("capturing a generalized image of the VM before encrypting it", s.w.CaptureImage("vm2", "img-linux", true))
	s.do("CreateVM vm3", s.w.CreateVM(lifecycle.VMSpec{Name: "vm3", Subscription: sub, Region: region, Image: "img-linux", Size: d2v3}))
	reuse := s.verdict("a VM created from the captured image", guest("vm3"), diskA("vm3-osdisk"))
	linuxADE := s.try("ADE on a VM from the captured Linux image", s.w.EnableADE("vm3", lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll}))
	s.do("CreateVM vm4", s.w.CreateVM(lifecycle.VMSpec{Name: "vm4", Subscription: sub, Region: region, Image: win2019, Size: d2v3}))
	s.do("Stop vm4", s.w.Stop("vm4"))
	s.do("CaptureImage img-win", s.w.CaptureImage("vm4", "img-win", true))
	s.do("CreateVM vm5", s.w.CreateVM(lifecycle.VMSpec{Name: "vm5", Subscription: sub, Region: region, Image: "img-win", Size: d2v3}))
	winADE := s.try("ADE on a VM from a captured Windows image", s.w.EnableADE("vm5", lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll}))
	winRead := s.verdict("that Windows VM after ADE", guest("vm5"), diskA("vm5-osdisk"))
	s.fact("F112")
	s.diagram.add("VM from a captured image", reuse, "")
	s.diagram.add("Windows VM from a captured image, with ADE", winRead, "")
	return s.finish(12, fmt.Sprintf("%s: capturing a generalized image of an ADE VM is %s; capturing the VM before encrypting it is %s and a VM from that image is %s; ADE on a VM from a custom Linux image is then %s, from a custom Windows image %s",
		yesNo(!adeCap.Refused), adeCap, plainCap, readable(reuse), linuxADE, winADE))
}

// Q13FileRestore backs up an ADE VM, compares what the recovery point
// holds with the VM's disks and folders, tries a file-level restore, and
// restores the whole VM to read one file.
func Q13FileRestore(seed uint64) (Answer, error) { return q13FileRestore(seed, nil) }

// q13FileRestore is Q13FileRestore under the rule switches opts (nil: the
// defaults).
func q13FileRestore(seed uint64, opts *lifecycle.Options) (Answer, error) {
	s := newScenarioWith(seed, opts)
	s.vm("vm1", ubuntu, d2v3, "")
	s.do("WriteFile", s.w.WriteFile("vm1", "vm1-data", "/data/reports/q1.txt", []byte("quarterly report")))
	s.do("WriteFile temp", s.w.WriteFile("vm1", lifecycle.TempDisk, "/swapfile", []byte("swapped-out page")))
	s.ade("vm1", true)
	s.do("GrantBackupAccess", s.w.GrantBackupAccess(kv))
	folders := s.listDir("vm1", "vm1-data", "/data")
	s.do("BackupVM", s.w.BackupVM("vm1", "rp1"))
	vmDisks := []string{"vm1-osdisk", "vm1-data", lifecycle.TempDisk}
	held := s.rpHolds("rp1", vmDisks)
	s.note("the VM's disks: %s; the recovery point holds: %s", strings.Join(vmDisks, ", "), strings.Join(held, ", "))
	osd := s.verdict("the recovery point's OS disk", operator, rpA("rp1", "vm1-osdisk"))
	data := s.verdict("the recovery point's data disk", operator, rpA("rp1", "vm1-data"))
	_, err := s.w.RecoverFile(admin, "rp1", "vm1-data", "/data/reports/q1.txt")
	files := s.try("recovering /data/reports/q1.txt from the ADE VM's recovery point", err)
	// The same request for a VM with SSE only.
	s.vm("sse1", ubuntu, d2v3, "")
	s.do("WriteFile sse1", s.w.WriteFile("sse1", "sse1-data", "/data/reports/q1.txt", []byte("quarterly report")))
	s.do("BackupVM sse1", s.w.BackupVM("sse1", "rp2"))
	sseGot, err := s.w.RecoverFile(admin, "rp2", "sse1-data", "/data/reports/q1.txt")
	sseFiles := s.try("recovering /data/reports/q1.txt from the SSE-only VM's recovery point", err)
	if !sseFiles.Refused {
		s.note("the file recovered from the SSE-only VM's recovery point: %q", sseGot)
	}
	s.do("RestoreVM", s.w.RestoreVM("rp1", lifecycle.RestoreSpec{VM: "vm1r"}))
	back := s.listDir("vm1r", "vm1r-vm1-data", "/data")
	s.note("/data in the source VM: %s; in the VM restored from the recovery point: %s", strings.Join(folders, ", "), strings.Join(back, ", "))
	var got []byte
	if s.ok() {
		var err error
		got, err = s.w.ReadFile("vm1r", "vm1r-vm1-data", "/data/reports/q1.txt")
		s.do("ReadFile", err)
		s.note("reading /data/reports/q1.txt in the restored VM: %q", got)
	}
	restored := s.verdict("the restored VM's data disk", guest("vm1r"), diskA("vm1r-vm1-data"))
	s.fact("F91", "F93")
	s.diagram.add("restored ADE VM", restored, "")
	// What was computed: which of the VM's disks the recovery point holds
	// (whole disks, or not), and the file-level restore the cloud was
	// asked for. No folder-level backup was attempted: lifecycle's
	// BackupVM takes no selection, so the answer says what a backup holds
	// instead of calling a folder backup refused.
	managed := s.disks["vm1"]
	whole := slices.Equal(held, managed) && slices.Equal(folders, back)
	holds := "a backup holds whole disks"
	if !whole {
		holds = "a backup holds only part of the VM's managed disks"
	}
	var left []string
	for _, d := range vmDisks {
		switch {
		case slices.Contains(held, d):
		case d == lifecycle.TempDisk:
			left = append(left, "the temp disk")
		default:
			left = append(left, d)
		}
	}
	if len(left) == 0 {
		left = []string{"nothing"}
	}
	s.lack("a folder-level backup request: lifecycle's BackupVM backs up a VM's managed disks and takes no selection of folders")
	return s.finish(13, fmt.Sprintf("%s: %s, not %s (guest-encrypted: %s; /data of a VM restored from it: %s, the same as the source's: %s); single-file restore: %s (from an SSE-only VM's recovery point: %s, intact: %s); restoring the whole VM gives the file back intact: %s",
		holds, strings.Join(held, ", "), strings.Join(left, ", "),
		yesNo(hasLayer(osd, "ADE") && hasLayer(data, "ADE")), strings.Join(back, ", "), yesNo(slices.Equal(folders, back)),
		files, sseFiles, yesNo(!sseFiles.Refused && string(sseGot) == "quarterly report"), yesNo(string(got) == "quarterly report")))
}

// listDir lists a folder of a VM's disk, in the order the guest returns.
func (s *scenario) listDir(vm, d, path string) []string {
	if !s.ok() {
		return nil
	}
	names, err := s.w.ListDir(vm, d, path)
	s.do("ListDir "+vm+" "+path, err)
	return names
}

// rpHolds returns the disks of names that recovery point rp holds, in the
// order of names: a disk it does not hold is not found there.
func (s *scenario) rpHolds(rp string, names []string) []string {
	var held []string
	for _, d := range names {
		if !s.ok() {
			return nil
		}
		_, err := s.w.Symbolic(operator, rpA(rp, d))
		switch {
		case err == nil:
			held = append(held, d)
		case !errors.Is(err, lifecycle.ErrNotFound):
			s.do("Symbolic "+rp+"/"+d, err)
		}
	}
	return held
}

// Q14ADEFormat enables ADE on Linux with and without EncryptFormatAll, on
// Windows, on a disk added later, and next to a disk kept unmounted.
func Q14ADEFormat(seed uint64) (Answer, error) {
	s := newScenario(seed)
	t := &Table{Header: []string{"case", "encrypted (ADE layer)", "data after enable"}}
	row := func(name string, v lifecycle.Verdict) {
		data := "kept"
		if !v.Readable {
			data = "lost (" + v.Reason + ")"
		}
		t.Rows = append(t.Rows, []string{name, yesNo(hasLayer(v, "ADE")), data})
	}
	s.vm("lnx1", ubuntu, d2v3, "")
	s.do("EnableADE lnx1", s.w.EnableADE("lnx1", lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll, EncryptFormatAll: true}))
	efa := s.verdict("Linux data disk with data, EncryptFormatAll", guest("lnx1"), diskA("lnx1-data"))
	row("Linux, existing data disk with data, EncryptFormatAll", efa)
	s.vm("lnx2", ubuntu, d2v3, "")
	s.ade("lnx2", false)
	inPlace := s.verdict("Linux data disk with data, in place", guest("lnx2"), diskA("lnx2-data"))
	row("Linux, existing data disk with data, in place", inPlace)
	s.vm("win1", win2019, d2v3, "")
	s.ade("win1", false)
	w := s.verdict("Windows data disk with data", guest("win1"), diskA("win1-data"))
	row("Windows, existing data disk with data", w)

	// A disk added to an encrypted VM, then enable re-run with EncryptFormatAll.
	s.dataDisk("lnx2", "lnx2-new", "")
	newBefore := s.check("new disk before re-running enable", guest("lnx2"), diskA("lnx2-new"))
	row("Linux, disk added to an encrypted VM, before enable is re-run", newBefore)
	s.do("EnableADE lnx2 again", s.w.EnableADE("lnx2", lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll, EncryptFormatAll: true}))
	newAfter := s.verdict("disk added later, enable re-run with EncryptFormatAll", guest("lnx2"), diskA("lnx2-new"))
	row("Linux, disk added later, enable re-run with EncryptFormatAll", newAfter)
	old := s.check("the disk encrypted earlier", guest("lnx2"), diskA("lnx2-data"))
	row("Linux, disk encrypted earlier, enable re-run with EncryptFormatAll", old)

	// A disk kept unencrypted: unmounted while enable runs (F69).
	s.vm("lnx3", ubuntu, d2v3, "")
	s.do("Unmount", s.w.Unmount("lnx3", "lnx3-data"))
	s.do("EnableADE lnx3", s.w.EnableADE("lnx3", lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll, EncryptFormatAll: true}))
	s.do("Mount", s.w.Mount("lnx3", "lnx3-data"))
	kept := s.verdict("disk unmounted while enable ran", guest("lnx3"), diskA("lnx3-data"))
	row("Linux, data disk unmounted while enable ran", kept)
	s.fact("F69", "F71")
	s.diagram.add("EncryptFormatAll on a disk with data", efa, "")
	s.diagram.add("disk kept out of ADE", kept, "")
	var erased []string
	for _, r := range t.Rows {
		if r[2] != "kept" {
			erased = append(erased, r[0])
		}
	}
	a, err := s.finish(14, fmt.Sprintf("data erased in %d of %d cases (%s); data of an existing disk: Linux in place %s, Windows %s, encrypted earlier and enable re-run with EncryptFormatAll %s; a disk added later gets ADE only when enable is re-run: %s; a disk unmounted during enable stays without ADE: %s",
		len(erased), len(t.Rows), strings.Join(erased, " / "), dataFate(inPlace), dataFate(w), dataFate(old),
		yesNo(!hasLayer(newBefore, "ADE") && hasLayer(newAfter, "ADE")), yesNo(!hasLayer(kept, "ADE") && kept.Readable)))
	a.Table = t
	return a, err
}

// dataFate says "kept" or "erased".
func dataFate(v lifecycle.Verdict) string {
	if v.Readable {
		return "kept"
	}
	return "erased"
}

// Q15TempDisk writes to the temp disk of VMs with SSE only, encryption at
// host, a v5 size, and ADE on Windows and Linux, and reads each temp disk
// as a storage insider.
func Q15TempDisk(seed uint64) (Answer, error) { return q15TempDisk(seed, nil) }

// q15TempDisk is Q15TempDisk under the rule switches opts (nil: the
// defaults).
func q15TempDisk(seed uint64, opts *lifecycle.Options) (Answer, error) {
	s := newScenarioWith(seed, opts)
	s.do("RegisterEncryptionAtHost", s.w.RegisterEncryptionAtHost(sub))
	cases := []struct {
		name, image, size string
		eah               bool
		ade               *lifecycle.ADESpec
	}{
		{"SSE only (v3 size)", ubuntu, d2v3, false, nil},
		{"SSE only (v5 size)", ubuntu, "Standard_D2ds_v5", false, nil},
		{"encryption at host", ubuntu, d2v3, true, nil},
		{"ADE Windows, VolumeType All", win2019, d2v3, false, &lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll}},
		{"ADE Linux, VolumeType All", ubuntu, d2v3, false, &lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll}},
		{"ADE Linux, EncryptFormatAll", ubuntu, d2v3, false, &lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll, EncryptFormatAll: true}},
	}
	t := &Table{Header: []string{"VM", "temp disk: storage insider", "layers", "temp disk: its VM"}}
	var vs []lifecycle.Verdict
	for i, c := range cases {
		vm := fmt.Sprintf("vm%d", i+1)
		s.do("CreateVM "+vm, s.w.CreateVM(lifecycle.VMSpec{Name: vm, Subscription: sub, Region: region, Image: c.image, Size: c.size, EncryptionAtHost: c.eah}))
		if c.ade != nil {
			s.do("EnableADE "+vm, s.w.EnableADE(vm, *c.ade))
		}
		s.do("WriteFile temp", s.w.WriteFile(vm, lifecycle.TempDisk, "/pagefile.sys", []byte("page of memory")))
		in := s.verdict(c.name+", insider", insider, tempA(vm))
		g := s.check(c.name+", guest", guest(vm), tempA(vm))
		vs = append(vs, in)
		t.Rows = append(t.Rows, []string{c.name, readable(in), layers(in), readable(g)})
	}
	if !s.ok() {
		return s.finish(15, "")
	}
	s.diagram.add("temp disk, SSE only", vs[0], "")
	s.diagram.add("temp disk, encryption at host", vs[2], "")
	enc := func(v lifecycle.Verdict) string { return yesNo(!v.Readable) }
	a, err := s.finish(15, fmt.Sprintf("SSE alone: %s (an insider reads it: %s; on a v%d size, %s: %s); encryption at host: %s; ADE: Windows with VolumeType All %s, Linux %s, Linux with EncryptFormatAll %s",
		enc(vs[0]), yesNo(vs[0].Readable), sizeSeries(cases[1].size), cases[1].size, enc(vs[1]), enc(vs[2]), enc(vs[3]), enc(vs[4]), enc(vs[5])))
	a.Table = t
	return a, err
}

// sizeSeries returns the series version of a catalogue size, 0 if the
// catalogue has no such size.
func sizeSeries(name string) int {
	for _, z := range lifecycle.Sizes() {
		if z.Name == name {
			return z.Series
		}
	}
	return 0
}

// sortedSet returns the members of a set in order.
func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
