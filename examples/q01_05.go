package examples

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
	"github.com/atrest-sim/atrest/vault"
)

// sseLayer returns the name of the SSE layer of a verdict, or "no SSE".
func sseLayer(v lifecycle.Verdict) string {
	for _, l := range v.Layers {
		if strings.HasPrefix(l.Name, "SSE") {
			return l.Name
		}
	}
	return "no SSE"
}

// layers returns the layer names of a verdict joined by " > ".
func layers(v lifecycle.Verdict) string {
	ns := make([]string, len(v.Layers))
	for i, l := range v.Layers {
		ns[i] = l.Name
	}
	return strings.Join(ns, " > ")
}

// hasLayer reports whether a verdict has a layer whose name starts with p.
func hasLayer(v lifecycle.Verdict, p string) bool {
	for _, l := range v.Layers {
		if strings.HasPrefix(l.Name, p) {
			return true
		}
	}
	return false
}

// keysNeeded names the keys a verdict's layers need, or says "none".
func keysNeeded(v lifecycle.Verdict) string {
	var ks []string
	for _, k := range v.Keys {
		if k.Name != "access to the data" {
			ks = append(ks, shortID(k.Name))
		}
	}
	if len(ks) == 0 {
		return "none"
	}
	return strings.Join(ks, ", ")
}

// readable says "readable" or "not readable".
func readable(v lifecycle.Verdict) string {
	if v.Readable {
		return "readable"
	}
	return "not readable"
}

// Q01DefaultEncryption creates a disk with no encryption settings, reads
// its raw media as a storage insider and through its VM, then asks for a
// new disk with encryption type "None" and for the disk to have no
// customer key, and reads again.
func Q01DefaultEncryption(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.vm("vm1", ubuntu, d2v3, "")
	raw := s.verdict("raw media of a new disk with default settings", insider, mediaA("vm1-data"))
	g := s.verdict("the VM reading it", guest("vm1"), diskA("vm1-data"))
	s.do("Deallocate", s.w.Deallocate("vm1"))
	noCMK := s.noCustomerKey("vm1-data", raw)
	s.do("Start", s.w.Start("vm1"))
	g2 := s.verdict("the VM reading it afterwards", guest("vm1"), diskA("vm1-data"))
	s.diagram.add("disk with default settings, read by its VM", g, "")
	encrypted := !raw.Readable && hasLayer(raw, "SSE")
	return s.finish(1, fmt.Sprintf("%s: a disk created with no settings has %s (raw media %s, its VM reads it: %s); can it be turned off: %s: %s, VM reads: %s",
		yesNo(encrypted), sseLayer(raw), readable(raw), yesNo(g.Readable),
		yesNo(noCMK.off()), noCMK, yesNo(g2.Readable)))
}

// noCMKOutcome is what asking for no customer key on a disk, and for a
// new disk without encryption, did.
type noCMKOutcome struct {
	r             refusal
	none          refusal // CreateDisk with encryption type "None"
	before, after lifecycle.Verdict
	stillOn       bool // raw media still under SSE and not readable
}

// String says, for example, "a disk with encryption type None is refused
// (F43: invalid request); asking for no customer key is allowed and a
// no-op (SSE-PMK before and after), raw media not readable".
func (o noCMKOutcome) String() string {
	what := "changes the disk"
	if sseLayer(o.before) == sseLayer(o.after) && o.before.Readable == o.after.Readable {
		what = "a no-op"
	}
	return fmt.Sprintf("a new disk with encryption type None is %s; asking for no customer key is %s and %s (%s before, %s after), raw media %s",
		o.none, o.r, what, sseLayer(o.before), sseLayer(o.after), readable(o.after))
}

// off reports whether either request turned SSE off.
func (o noCMKOutcome) off() bool { return !o.none.Refused || !o.stillOn }

// noCustomerKey asks for a new disk whose encryption type is "None" (the
// Compute API has no such type), then for disk d (its VM deallocated) to
// have no customer key, SetDiskEncryption with no disk encryption set, and
// reads its raw media again; before is the raw-media verdict from before.
func (s *scenario) noCustomerKey(d string, before lifecycle.Verdict) noCMKOutcome {
	o := noCMKOutcome{before: before}
	o.none = s.try("CreateDisk(encryption type None): asking for a disk without SSE",
		s.w.CreateDisk(lifecycle.DiskSpec{Name: d + "-none", Subscription: sub, Region: region, SizeMiB: 16, Encryption: "None"}))
	o.r = s.try("SetDiskEncryption("+d+", no disk encryption set): asking for no customer key", s.w.SetDiskEncryption(d, ""))
	o.after = s.verdict("raw media of "+d+" afterwards", insider, mediaA(d))
	o.stillOn = !o.after.Readable && hasLayer(o.after, "SSE")
	return o
}

// Q02OwnKey encrypts one VM's disks with a customer key through a disk
// encryption set and another VM with ADE and a KEK, reads which keys the
// data's layers need from the verdicts, and counts from the audit log what
// the customer key and the KEK were called for, at provisioning and while
// writing data afterwards.
func Q02OwnKey(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.withKEK()
	start := s.auditMark()
	m := start
	s.vm("vm1", ubuntu, d2v3, "des1")
	cmkOps, cmkBy := s.kvOps(m)
	s.note("Key Vault operations to create a VM with %d CMK disks: %d (%s)", len(s.disks["vm1"]), cmkOps, opsText(cmkBy))
	sse := s.verdict("SSE with a customer key", guest("vm1"), diskA("vm1-data"))

	s.vm("vm2", ubuntu, d2v3, "")
	m = s.auditMark()
	s.ade("vm2", true)
	adeOps, adeBy := s.kvOps(m)
	s.note("Key Vault operations to enable ADE with a KEK on %d volumes: %d (%s)", len(s.disks["vm2"]), adeOps, opsText(adeBy))
	ade := s.verdict("ADE with a KEK", guest("vm2"), diskA("vm2-data"))

	const files = 64
	m = s.auditMark()
	for i := 0; i < files && s.ok(); i++ {
		p := fmt.Sprintf("/data/file%02d.bin", i)
		data := bytes.Repeat([]byte{byte(i)}, 16<<10)
		s.do("WriteFile", s.w.WriteFile("vm1", "vm1-data", p, data))
		s.do("WriteFile", s.w.WriteFile("vm2", "vm2-data", p, data))
	}
	dataOps, _ := s.kvOps(m)
	s.note("Key Vault operations while writing %d files of 16 KiB to each VM: %d", files, dataOps)

	// The key chain: which keys the data's layers need (the verdicts), and
	// what the customer key and the KEK were called for (the audit log).
	kekBase := s.kek[:strings.LastIndex(s.kek, "/")+1]
	cmkUse := s.keyOps(start, s.cmk+"/")
	kekUse := s.keyOps(start, kekBase)
	s.note("the customer key was called for: %s; the KEK for: %s", opsText(cmkUse), opsText(kekUse))
	s.note("keys of the data's layers: SSE with a customer key: %s; ADE with a KEK: %s", layerKeys(sse), layerKeys(ade))
	direct := layerKeyIs(sse, s.cmk) || layerKeyIs(ade, kekBase)
	wraps := onlyWraps(cmkUse) && onlyWraps(kekUse)
	s.fact("F44", "F45", "F65")
	s.diagram.add("SSE with a customer key", sse, s.cmk)
	s.diagram.add("ADE with a KEK", ade, "")
	own := sse.Readable && hasLayer(sse, "SSE-CMK") && ade.Readable && hasLayer(ade, "ADE")
	among := "not the customer key or the KEK"
	if direct {
		among = "among them the customer key or the KEK"
	}
	wrapWord := "only wrap and unwrap keys"
	if !wraps {
		wrapWord = "are called for more than wrapping keys"
	}
	return s.finish(2, fmt.Sprintf("%s: SSE with a customer key (%s, VM reads: %s) and ADE with a KEK (%s, VM reads: %s); does the key encrypt the data: %s: the data's layers need SSE: %s; ADE: %s; %s, which %s (customer key: %s; KEK: %s); writing %d files called Key Vault %d times",
		yesNo(own), layers(sse), yesNo(sse.Readable), layers(ade), yesNo(ade.Readable),
		yesNo(direct || !wraps), layerKeys(sse), layerKeys(ade), among, wrapWord, opsText(cmkUse), opsText(kekUse), 2*files, dataOps))
}

// keyOps counts, by operation, the Key Vault calls since mark on the key
// versions whose ids start with prefix, made by callers other than the
// service itself.
func (s *scenario) keyOps(mark int, prefix string) []opCount {
	if !s.ok() {
		return nil
	}
	m := map[string]int{}
	for _, e := range s.w.Vaults().AuditSince(mark) {
		if e.Caller.ID != vault.SystemID && strings.HasPrefix(e.ObjectID, prefix) {
			m[e.Operation]++
		}
	}
	out := make([]opCount, 0, len(m))
	for _, o := range slices.Sorted(maps.Keys(m)) {
		out = append(out, opCount{o, m[o]})
	}
	return out
}

// onlyWraps reports whether every operation counted wraps or unwraps a
// key.
func onlyWraps(ops []opCount) bool {
	for _, o := range ops {
		if o.Op != "WrapKey" && o.Op != "UnwrapKey" {
			return false
		}
	}
	return true
}

// layerKeys names the keys a verdict's encryption layers need, in layer
// order: "SSE DEKs", "SSE DEKs, volume key".
func layerKeys(v lifecycle.Verdict) string {
	var ks []string
	for _, l := range v.Layers {
		if l.Key != "" && !slices.Contains(ks, l.Key) {
			ks = append(ks, shortID(l.Key))
		}
	}
	if len(ks) == 0 {
		return "no key"
	}
	return strings.Join(ks, ", ")
}

// layerKeyIs reports whether a layer of the verdict needs a key whose name
// contains id: the customer key or the KEK itself encrypting data.
func layerKeyIs(v lifecycle.Verdict, id string) bool {
	for _, l := range v.Layers {
		if id != "" && strings.Contains(l.Key, id) {
			return true
		}
	}
	return false
}

// Q03SSEPlatformKeyVHD downloads a platform-key disk as a VHD, copies it
// to an on-premises host and reads it there.
func Q03SSEPlatformKeyVHD(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.vm("vm1", ubuntu, d2v3, "")
	s.download("vm1", "vm1-data", "vm1-data.vhd")
	v := s.verdict("VHD on premises", laptop, vhdA("vm1-data.vhd"))
	same := false
	if s.ok() {
		b, err := s.w.HostReadFile("laptop", "vm1-data.vhd", csvPath)
		s.do("HostReadFile", err)
		same = bytes.Equal(b, csvData)
		s.note("the host mounts the VHD and reads %s: %d bytes, identical to what the VM wrote: %s", csvPath, len(b), yesNo(same))
	}
	s.diagram.add("VHD of a platform-key disk, on premises", v, "")
	return s.finish(3, fmt.Sprintf("%s: the VHD is %s on premises (layers %s; keys needed: %s); the host read %s back intact: %s",
		yesNo(v.Readable), readable(v), layers(v), keysNeeded(v), csvPath, yesNo(same)))
}

// Q04SSECustomerKeyVHD does the same as Q03 with a customer key, then
// disables the key and tries a second export.
func Q04SSECustomerKeyVHD(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.withCMK()
	s.vm("vm1", ubuntu, d2v3, "des1")
	s.download("vm1", "vm1-data", "vm1-data.vhd")
	v := s.verdict("VHD of a CMK disk on premises", laptop, vhdA("vm1-data.vhd"))
	s.do("SetKeyEnabled false", s.w.SetKeyEnabled(admin, s.cmk, false))
	s.w.Advance(61 * time.Minute)
	late := s.verdict("the same VHD after the key is disabled", laptop, vhdA("vm1-data.vhd"))
	var again refusal
	if s.ok() {
		g, err := s.w.GrantAccess(admin, "vm1-data", hour)
		if r := s.try("GrantAccess after disabling the key", err); !r.Refused {
			again = s.try("DownloadVHD after disabling the key", s.w.DownloadVHD(g, "again.vhd"))
			s.do("RevokeAccess", s.w.RevokeAccess(g))
		} else {
			again = r
		}
	}
	s.diagram.add("VHD of a CMK disk, on premises", v, s.cmk)
	return s.finish(4, fmt.Sprintf("%s: the VHD is %s on premises (layers %s; keys needed: %s); disabling the key afterwards leaves that copy %s, and a new export is %s",
		yesNo(v.Readable), readable(v), layers(v), keysNeeded(v), readable(late), again))
}

// Q05ADEVHD downloads an ADE disk (BEK wrapped by a KEK), reads it on
// premises, then has a principal without vault access and the vault admin
// hand the BEK to the host.
func Q05ADEVHD(seed uint64) (Answer, error) {
	s := newScenario(seed)
	s.vm("vm1", ubuntu, d2v3, "")
	s.ade("vm1", true)
	s.download("vm1", "vm1-data", "vm1-data.vhd")
	before := s.verdict("VHD of an ADE disk on premises", laptop, vhdA("vm1-data.vhd"))
	var bek string
	if s.ok() {
		var err error
		bek, err = s.w.BEKSecretID("vm1-data")
		s.do("BEKSecretID", err)
		s.do("AddPrincipal", s.w.AddPrincipal("contractor"))
		s.do("AssignComputeRole", s.w.AssignComputeRole("contractor", sub, lifecycle.Contributor))
	}
	nobody := s.try("a Contributor without vault roles hands the BEK to the host", s.w.HandBEKToHost("contractor", bek, "laptop"))
	handed := s.try("the vault administrator hands the BEK to the host", s.w.HandBEKToHost(admin, bek, "laptop"))
	after := s.verdict("VHD on premises with the BEK", laptop, vhdA("vm1-data.vhd"))
	s.diagram.add("VHD of an ADE disk, on premises, no BEK", before, "")
	s.diagram.add("after the BEK is handed over", after, "")
	return s.finish(5, fmt.Sprintf("%s: the VHD is %s on premises (layers %s, %s); handing the BEK over: by a principal without vault access %s, by the vault administrator %s, and then the VHD is %s",
		yesNo(before.Readable), readable(before), layers(before), before.Reason, nobody, handed, readable(after)))
}
