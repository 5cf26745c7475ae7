package lifecycle_test

// The eleven theorems of PROPERTIES.md, each its own check. checkAll runs
// the invariant ones after every step; T4, T6, T7, T8, T9 (exactly once) and
// T10 (operations) are also checked inside the actions that exercise them.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
)

// vantagesFor lists the parties the suite asks about an artifact: every
// vantage with a path to it, and the ones without (auditor, other holders).
func (h *harness) vantagesFor(a lifecycle.Artifact) []lifecycle.Vantage {
	insider := lifecycle.Vantage{Kind: lifecycle.StorageInsider}
	switch a.Kind {
	case lifecycle.DiskArtifact:
		vs := []lifecycle.Vantage{insider, {Kind: lifecycle.RolePrincipal, Principal: alice}, {Kind: lifecycle.RolePrincipal, Principal: auditor}}
		if vm := lifecycle.AttachedVM(h.w, a.Name); vm != "" {
			vs = append(vs, lifecycle.Vantage{Kind: lifecycle.GuestOS, VM: vm})
		}
		return vs
	case lifecycle.MediaArtifact:
		return []lifecycle.Vantage{insider}
	case lifecycle.TempDiskArtifact:
		return []lifecycle.Vantage{insider, {Kind: lifecycle.GuestOS, VM: a.Name}}
	case lifecycle.SnapshotArtifact:
		return []lifecycle.Vantage{insider, {Kind: lifecycle.RolePrincipal, Principal: alice}, {Kind: lifecycle.RolePrincipal, Principal: auditor}}
	case lifecycle.VHDArtifact:
		return []lifecycle.Vantage{{Kind: lifecycle.VHDHolder, Principal: admin}, {Kind: lifecycle.VHDHolder, Principal: alice}, {Kind: lifecycle.VHDHolder, Host: onprem}}
	case lifecycle.RecoveryPointArtifact:
		return []lifecycle.Vantage{{Kind: lifecycle.BackupOperator}, insider}
	case lifecycle.ReplicaArtifact:
		return []lifecycle.Vantage{{Kind: lifecycle.DRRegion}, insider}
	case lifecycle.CacheArtifact:
		return []lifecycle.Vantage{insider, {Kind: lifecycle.GuestOS, VM: a.Name}}
	}
	return nil
}

type verdictPair struct {
	a        lifecycle.Artifact
	v        lifecycle.Vantage
	sym, con lifecycle.Verdict
}

// verdicts computes both verdicts for every artifact and vantage.
func (h *harness) verdicts(concreteOnly bool) []verdictPair {
	var out []verdictPair
	for _, a := range lifecycle.ArtifactsOf(h.w) {
		for _, v := range h.vantagesFor(a) {
			con, err := h.w.Concrete(v, a)
			if err != nil {
				h.t.Fatalf("Concrete(%v, %v): %v", v, a, err)
			}
			p := verdictPair{a: a, v: v, con: con}
			if !concreteOnly {
				if p.sym, err = h.w.Symbolic(v, a); err != nil {
					h.t.Fatalf("Symbolic(%v, %v): %v", v, a, err)
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// snapshotReadability maps "vantage -> artifact" to the concrete answer.
func (h *harness) snapshotReadability() map[string]bool {
	out := map[string]bool{}
	for _, p := range h.verdicts(true) {
		out[p.v.String()+" -> "+p.a.String()] = p.con.Readable
	}
	return out
}

// rawDigest fingerprints every byte at rest, sector by sector.
func (h *harness) rawDigest() map[string][32]byte {
	out := map[string][32]byte{}
	hs := map[string]*bytes.Buffer{}
	lifecycle.ScanRaw(h.w, func(kind lifecycle.RawKind, name string, b []byte) {
		k := string(kind) + " " + name
		if hs[k] == nil {
			hs[k] = &bytes.Buffer{}
		}
		s := sha256.Sum256(b)
		hs[k].Write(s[:])
	})
	for k, b := range hs {
		out[k] = sha256.Sum256(b.Bytes())
	}
	return out
}

// checkAll is the invariant: every theorem that is a property of a state.
func (h *harness) checkAll() {
	table := h.verdicts(false)
	h.checks++
	full := memoCheckEvery > 0 && h.checks%memoCheckEvery == 0
	if full {
		h.checkReadMemo(table)
	}
	h.checkT1AtRest(full || memoOff)
	h.checkT3HostReads()
	h.checkT5CryptoShredding(table)
	h.checkT9Audit()
	h.checkT10Authorization(table)
	h.checkT11Agreement(table)
}

// checkT1AtRest: no marker in any raw media of a managed disk, snapshot,
// image, recovery point or replica; on temp disks, exactly the markers the
// model expects in plaintext (neither encryption at host, a v5+ size nor
// ADE covers them).
func (h *harness) checkT1AtRest(full bool) {
	if h.raw == nil {
		h.raw = map[string]*rawSeen{}
	}
	present := map[string]bool{}
	h.scanner.ScanVersions(h.w, func(kind lifecycle.RawKind, name string, ver uint64) bool {
		k := string(kind) + " " + name
		present[k] = true
		if e := h.raw[k]; e != nil && e.ver == ver && !full {
			return true // nothing written since the last scan
		}
		h.raw[k] = &rawSeen{kind: kind, name: name, ver: ver}
		return false
	}, func(kind lifecycle.RawKind, name string, b []byte) {
		e := h.raw[string(kind)+" "+name]
		for i := 0; ; {
			j := bytes.Index(b[i:], []byte(markerPrefix))
			if j < 0 {
				return
			}
			i += j
			end := min(len(b), i+len("ATREST-MARKER-00000-plaintext-at-rest"))
			e.markers = append(e.markers, string(b[i:end]))
			i += len(markerPrefix)
		}
	})
	found := map[string]map[string]bool{} // temp VM -> markers seen
	for _, k := range sorted(h.raw) {
		e := h.raw[k]
		if !present[k] {
			delete(h.raw, k)
			continue
		}
		for _, mk := range e.markers {
			if e.kind == lifecycle.RawCache {
				if !h.cachePlain(e.name, mk) {
					h.t.Fatalf("T1 at rest: plaintext marker %q found in host cache %s, which encryption at host or ADE covers", mk, e.name)
				}
				continue
			}
			vm := h.m.vms[e.name]
			if e.kind != lifecycle.RawTemp || vm == nil || !vm.tempPlain() {
				h.t.Fatalf("T1 at rest: plaintext marker %q found in the raw bytes of %s %s", mk, e.kind, e.name)
			}
			if found[e.name] == nil {
				found[e.name] = map[string]bool{}
			}
			found[e.name][mk] = true
		}
	}
	for _, n := range sorted(h.m.vms) {
		vm := h.m.vms[n]
		if !vm.tempPlain() || vm.state == lifecycle.Deallocated {
			continue
		}
		for _, f := range vm.temp {
			if !found[n][f.marker] {
				h.t.Fatalf("T1 at rest: the model expects %q in plaintext on the temp disk of %s (size %s, no encryption at host, no ADE), but it is not there", f.marker, n, vm.size.Name)
			}
		}
	}
}

// cachePlain reports whether the model allows marker mk in plaintext in
// the host cache vmName/diskName: the VM has no encryption at host (F57)
// and the disk holds no ADE volume, or mk is below one, left there by
// EncryptFormatAll (F71). (A cache holds only what its VM touched since it
// was allocated, so this bounds what is found; the check is one-sided.)
func (h *harness) cachePlain(name, mk string) bool {
	vmName, diskName, _ := strings.Cut(name, "/")
	vm, d := h.m.vms[vmName], h.m.disks[diskName]
	return vm != nil && !vm.eah && d != nil && (!d.ade || slices.Contains(d.residual, mk))
}

// rawSeen is what checkT1AtRest found in one store at rest, at a content
// version.
type rawSeen struct {
	kind    lifecycle.RawKind
	name    string
	ver     uint64
	markers []string
}

// checkT2T3VHD: a VHD of a disk without ADE holds every file in plaintext
// (T2); a VHD of an ADE volume holds none, except sectors an
// EncryptFormatAll left below the volume (the model's residual, F71).
func (h *harness) checkT2T3VHD(v *mVHD) {
	sc := &markerScanner{found: map[string]bool{}}
	if _, err := h.w.SaveVHD(v.name, sc); err != nil {
		h.t.Fatalf("SaveVHD(%s): %v", v.name, err)
	}
	if !v.ade {
		for _, f := range v.files {
			if !sc.found[f.marker] {
				h.t.Fatalf("T2 storage boundary: VHD %s of %s (no ADE) lacks the plaintext of %s (%q)", v.name, v.source, f.path, f.marker)
			}
		}
		// Every file the source held (its OS files too) comes back from
		// the VHD, for whoever holds it.
		for _, who := range sorted(v.holders) {
			if strings.HasPrefix(who, "host:") {
				continue
			}
			a := lifecycle.Artifact{Kind: lifecycle.VHDArtifact, Name: v.name}
			con, err := h.w.Concrete(lifecycle.Vantage{Kind: lifecycle.VHDHolder, Principal: who}, a)
			if err != nil {
				h.t.Fatalf("Concrete(%s, %v): %v", who, a, err)
			}
			if !con.Readable && con.Reason != "nothing was written to compare" && con.Reason != "the data was erased" {
				h.t.Fatalf("T2 storage boundary: VHD %s of %s (no ADE) does not give back its files to %s:\n%v", v.name, v.source, who, con)
			}
		}
		return
	}
	for _, mk := range sorted(sc.found) {
		if !slices.Contains(v.residual, mk) {
			h.t.Fatalf("T3 guest encryption: VHD %s of ADE volume %s holds plaintext marker %q", v.name, v.source, mk)
		}
	}
	// Nobody reads the files of a guest-encrypted VHD without the BEK: a
	// host only if it was handed it, a principal only if its role on the
	// BEK's vault lets it get secrets.
	bekVault := strings.TrimPrefix(v.secretID, "https://")
	bekVault, _, _ = strings.Cut(bekVault, ".")
	for _, who := range sorted(v.holders) {
		vt := lifecycle.Vantage{Kind: lifecycle.VHDHolder, Principal: who}
		hasBEK := h.m.allowed(who, bekVault, "secretGet")
		if host, ok := strings.CutPrefix(who, "host:"); ok {
			vt = lifecycle.Vantage{Kind: lifecycle.VHDHolder, Host: host}
			hasBEK = h.m.hostBEKs[secretNameOf(v.secretID)]
		}
		a := lifecycle.Artifact{Kind: lifecycle.VHDArtifact, Name: v.name}
		con, err := h.w.Concrete(vt, a)
		if err != nil {
			h.t.Fatalf("Concrete(%v, %v): %v", vt, a, err)
		}
		if con.Readable && !hasBEK {
			h.t.Fatalf("T3 guest encryption: %v reads VHD %s of ADE volume %s without the BEK:\n%v", vt, v.name, v.source, con)
		}
	}
}

// markerLen is the length of every plaintext marker (model.marker).
const markerLen = len("ATREST-MARKER-00000-plaintext-at-rest")

// markerScanner is an io.Writer that records every plaintext marker in the
// stream written to it, also across writes, without keeping the stream.
type markerScanner struct {
	carry []byte
	found map[string]bool
}

func (m *markerScanner) Write(p []byte) (int, error) {
	b := append(m.carry, p...)
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(markerPrefix))
		if j < 0 || i+j+markerLen > len(b) {
			break
		}
		i += j
		m.found[string(b[i:i+markerLen])] = true
		i += len(markerPrefix)
	}
	keep := min(len(b), markerLen-1)
	m.carry = append(m.carry[:0:0], b[len(b)-keep:]...)
	return len(p), nil
}

// checkT3HostReads: an on-premises host reads a guest-encrypted VHD if and
// only if it was handed the BEK; it reads a VHD without ADE.
func (h *harness) checkT3HostReads() {
	for _, n := range sorted(h.m.vhds) {
		v := h.m.vhds[n]
		if !v.holders["host:"+onprem] || len(v.files) == 0 {
			continue
		}
		f := v.files[len(v.files)-1]
		got, err := h.w.HostReadFile(onprem, n, f.path)
		want := !v.ade || h.m.hostBEKs[secretNameOf(v.secretID)]
		if ok := err == nil && string(got) == f.marker; ok != want {
			h.t.Fatalf("T3 guest encryption: host %s reading %s from VHD %s (ADE %v, BEK handed over %v): read=%v (%v), want %v", onprem, f.path, n, v.ade, h.m.hostBEKs[secretNameOf(v.secretID)], ok, err, want)
		}
	}
}

// checkT4Restore: a restored disk is encrypted at least as strongly as its
// source at backup time (ADE kept; the customer key kept on a same-region
// restore, F87) and holds the data that was there.
func (h *harness) checkT4Restore(rp string, src *mDisk, disk string, crossRegion bool) {
	id, err := h.w.BEKSecretID(disk)
	if err != nil || (id != "") != src.ade {
		h.t.Fatalf("T4 backups: restored disk %s from %s: guest encryption %v (%v), source had %v", disk, rp, id != "", err, src.ade)
	}
	sym, err := h.w.Symbolic(lifecycle.Vantage{Kind: lifecycle.StorageInsider}, lifecycle.Artifact{Kind: lifecycle.MediaArtifact, Name: disk})
	if err != nil || len(sym.Layers) == 0 {
		h.t.Fatalf("T4 backups: no media verdict for %s: %v", disk, err)
	}
	cmk := strings.Contains(sym.Layers[0].Name, "CMK")
	if src.des != "" && !crossRegion && !cmk {
		h.t.Fatalf("T4 backups: restored disk %s from %s is %s; its source used customer key DES %s", disk, rp, sym.Layers[0].Name, src.des)
	}
	vm := lifecycle.AttachedVM(h.w, disk)
	for _, f := range src.files {
		got, err := h.w.ReadFile(vm, disk, f.path)
		if err != nil || string(got) != f.marker {
			h.t.Fatalf("T4 backups: restored disk %s from %s: %s reads %q, %v; want %q", disk, rp, f.path, got, err, f.marker)
		}
	}
}

// checkT5CryptoShredding: once no copy of a customer key is left, every
// artifact encrypted under it is unreadable from every vantage, from one
// revocation delay (F47) after the last copy went.
func (h *harness) checkT5CryptoShredding(table []verdictPair) {
	dead := map[string]bool{} // disks and snapshots wrapped under a shredded CMK lineage
	gone := func(l int) bool {
		at, ok := h.m.shredded[l]
		return l != 0 && ok && !h.m.now.Before(at.Add(time.Hour+time.Minute))
	}
	for n, disk := range h.m.disks {
		if gone(disk.lineage) {
			dead["disk "+n] = true
		}
	}
	for n, s := range h.m.snaps {
		if gone(s.lineage) {
			dead["snapshot "+n] = true
		}
	}
	for _, p := range table {
		if dead[p.a.String()] && p.con.Readable {
			h.t.Fatalf("T5 crypto-shredding: every copy of the customer key is gone, yet %v reads %v:\n%v", p.v, p.a, p.con)
		}
	}
	// ADE: once no usable copy of a BEK is left (the secret and every copy
	// of it purged, or every copy of its KEK gone), every disk, snapshot
	// and VHD under it is unreadable, except by the guest of the VM that
	// holds the volume key in memory or the BEK on its BEK volume (running
	// or stopped, not deallocated, F82).
	bekDead := map[string]string{} // artifact -> secret
	for n, d := range h.m.disks {
		if d.ade && h.m.bekShredded(secretNameOf(d.secretID)) {
			bekDead["disk "+n] = d.secretID
		}
	}
	for n, s := range h.m.snaps {
		if s.ade && h.m.bekShredded(secretNameOf(s.secretID)) {
			bekDead["snapshot "+n] = s.secretID
		}
	}
	for n, v := range h.m.vhds {
		if v.ade && h.m.bekShredded(secretNameOf(v.secretID)) {
			bekDead["VHD "+n] = v.secretID
		}
	}
	for _, p := range table {
		id, ok := bekDead[p.a.String()]
		if !ok || !p.con.Readable {
			continue
		}
		if p.v.Kind == lifecycle.GuestOS && p.a.Kind == lifecycle.DiskArtifact {
			if vm := h.m.vms[p.v.VM]; vm != nil && vm.state != lifecycle.Deallocated {
				continue // the volume key in guest memory or the BEK volume (F82)
			}
		}
		h.t.Fatalf("T5 crypto-shredding: no usable copy of BEK %s is left (secret or KEK purged everywhere), yet %v reads %v:\n%v", id, p.v, p.a, p.con)
	}
}

// checkT9Audit: no audit event holds key or secret material, nor any
// plaintext written by a guest. (Exactly-once is checked per call.)
func (h *harness) checkT9Audit() {
	mat := lifecycle.SecretMaterial(h.w)
	for _, e := range h.w.Vaults().AuditSince(h.m.auditSeen) {
		b, err := json.Marshal(e)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, k := range mat {
			if len(k) > 0 && bytes.Contains(b, k) {
				h.t.Fatalf("T9 audit: event %s holds BEK material", b)
			}
		}
		if bytes.Contains(b, []byte(markerPrefix)) {
			h.t.Fatalf("T9 audit: event %s holds guest plaintext", b)
		}
	}
	h.m.auditSeen = h.w.Vaults().AuditLen()
}

// checkT10Authorization: a principal without export permission never reads
// a disk or snapshot (F116); the operations are checked where they are made.
func (h *harness) checkT10Authorization(table []verdictPair) {
	for _, p := range table {
		if p.v.Kind == lifecycle.RolePrincipal && p.v.Principal == auditor && p.con.Readable {
			h.t.Fatalf("T10 authorization: %s (Contributor without disk export) reads %v:\n%v", auditor, p.a, p.con)
		}
	}
}

// checkT11Agreement: the symbolic and the concrete verdict agree, on the
// answer and on every key and whether it is obtainable.
func (h *harness) checkT11Agreement(table []verdictPair) {
	for _, p := range table {
		if p.sym.Readable != p.con.Readable {
			h.t.Fatalf("T11 agreement: %v -> %v: symbolic readable=%v, concrete readable=%v\nsymbolic: %v\nconcrete: %v", p.v, p.a, p.sym.Readable, p.con.Readable, p.sym, p.con)
		}
		if len(p.sym.Keys) != len(p.con.Keys) {
			h.t.Fatalf("T11 agreement: %v -> %v: symbolic keys %v, concrete keys %v", p.v, p.a, p.sym.Keys, p.con.Keys)
		}
		for i := range p.sym.Keys {
			if p.sym.Keys[i].Name != p.con.Keys[i].Name || p.sym.Keys[i].Obtainable != p.con.Keys[i].Obtainable {
				h.t.Fatalf("T11 agreement: %v -> %v: key %d symbolic %+v, concrete %+v", p.v, p.a, i, p.sym.Keys[i], p.con.Keys[i])
			}
		}
	}
}

// checkT8Rotation: rotating a key changed no verdict and no byte at rest.
func (h *harness) checkT8Rotation(call string, before map[string]bool, raw map[string][32]byte) {
	after := h.snapshotReadability()
	for _, k := range sorted(before) {
		if before[k] != after[k] {
			h.t.Fatalf("T8 rotation: %s changed %s from readable=%v to %v", call, k, before[k], after[k])
		}
	}
	h.checkRawUnchanged(call, raw)
}

func (h *harness) checkRawUnchanged(call string, raw map[string][32]byte) {
	now := h.rawDigest()
	for _, k := range sorted(raw) {
		d, ok := now[k]
		if !ok && (strings.HasPrefix(k, string(lifecycle.RawTemp)+" ") || strings.HasPrefix(k, string(lifecycle.RawCache)+" ")) {
			continue // host-local bytes dropped at a deallocation are no re-encryption
		}
		if d != raw[k] {
			h.t.Fatalf("T8 rotation: %s re-encrypted sectors of %s", call, k)
		}
	}
}

// memoCheckEvery says how often (in invariant checks) the concrete verdicts
// are recomputed without the world's read memo (memo.go) and compared with
// the memoized ones: a device written without its content version changing
// would show up as a stale verdict here. ATREST_MEMO_CHECK=1 checks after
// every step; ATREST_MEMO=off runs without the memo. The same steps
// re-scan every store at rest for T1, ignoring content versions.
var memoCheckEvery = func() int {
	if n, err := strconv.Atoi(os.Getenv("ATREST_MEMO_CHECK")); err == nil && n >= 0 {
		return n
	}
	return 8
}()

var memoOff = os.Getenv("ATREST_MEMO") == "off"

// checkReadMemo recomputes every concrete verdict without the read memo and
// compares it with the table's.
func (h *harness) checkReadMemo(table []verdictPair) {
	lifecycle.SetReadMemo(h.w, false)
	fresh := h.verdicts(true)
	lifecycle.SetReadMemo(h.w, !memoOff)
	if len(fresh) != len(table) {
		h.t.Fatalf("read memo: %d verdicts without the memo, %d with it", len(fresh), len(table))
	}
	for i, p := range table {
		f := fresh[i]
		if p.con.Readable != f.con.Readable || p.con.Reason != f.con.Reason {
			h.t.Fatalf("read memo: %v -> %v: memoized readable=%v (%s), re-read readable=%v (%s)", p.v, p.a, p.con.Readable, p.con.Reason, f.con.Readable, f.con.Reason)
		}
	}
}
