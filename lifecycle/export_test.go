package lifecycle

// This file re-exports, for the property suite in package lifecycle_test
// (properties_test.go), read-only views of the world that the exported API
// does not offer, and the fault switch of faults.go. Nothing here changes
// the world except SetFault, which only the mutation tests call.

import "github.com/atrest-sim/atrest/disk"

// Fault is a deliberate defect (faults.go), for the mutation tests.
type Fault = fault

// The faults, one per theorem of PROPERTIES.md.
const (
	FaultTempPlain               = faultTempPlain
	FaultExportRaw               = faultExportRaw
	FaultExportDecrypted         = faultExportDecrypted
	FaultRestoreDropsDES         = faultRestoreDropsDES
	FaultKeepDEKCache            = faultKeepDEKCache
	FaultRecoverDisables         = faultRecoverDisables
	FaultPurgeIgnoresProtection  = faultPurgeIgnoresProtection
	FaultRotateDisablesOld       = faultRotateDisablesOld
	FaultDoubleDelete            = faultDoubleDelete
	FaultExportUnchecked         = faultExportUnchecked
	FaultSymbolicIgnoresDisabled = faultSymbolicIgnoresDisabled
	FaultBEKSurvivesDeallocate   = faultBEKSurvivesDeallocate
	FaultPickupReencrypts        = faultPickupReencrypts
	FaultCacheUnsealed           = faultCacheUnsealed
	FaultRecoverUnchecked        = faultRecoverUnchecked
)

// SetFault switches the faults f on in w (zero switches them off).
func SetFault(w *World, f Fault) { w.faults = f }

// RawKind says where a stretch of raw bytes at rest lives.
type RawKind string

// The kinds of media at rest.
const (
	RawDisk     RawKind = "disk"
	RawSnapshot RawKind = "snapshot"
	RawImage    RawKind = "image"
	RawBackup   RawKind = "recovery point"
	RawReplica  RawKind = "replica"
	RawTemp     RawKind = "temp disk"
	RawCache    RawKind = "host cache"
)

// ScanRaw calls fn with every run of written sectors at rest: the media of
// every managed disk, snapshot, captured image, recovery point and replica,
// and the host-local bytes of every temp disk (name is the VM's). The bytes
// are a copy, valid during the call.
func ScanRaw(w *World, fn func(kind RawKind, name string, b []byte)) {
	new(RawScanner).ScanVersions(w, func(RawKind, string, uint64) bool { return false }, fn)
}

// RawScanner scans the stores at rest reusing one buffer across scans.
type RawScanner struct{ buf []byte }

// ScanVersions is ScanRaw that first asks skip, with each store's content
// version (memo.go: it changes whenever the world may have written to the
// store), whether to read it at all.
func (sc *RawScanner) ScanVersions(w *World, skip func(kind RawKind, name string, ver uint64) bool, fn func(kind RawKind, name string, b []byte)) {
	scanOwned := func(kind RawKind, name string, owner any, m *disk.Media) bool {
		return !skip(kind, name, w.devVersion(owner))
	}
	scan := func(kind RawKind, name string, m *disk.Media) {
		for s := uint64(0); ; {
			first, n, ok := m.NextWritten(s)
			if !ok {
				return
			}
			sz := int(n) * m.SectorSize()
			if cap(sc.buf) < sz {
				sc.buf = make([]byte, sz)
			}
			b := sc.buf[:sz]
			if m.ReadSectors(b, first) == nil {
				fn(kind, name, b)
			}
			s = first + n
		}
	}
	each := func(kind RawKind, name string, owner any, m *disk.Media) {
		if scanOwned(kind, name, owner, m) {
			scan(kind, name, m)
		}
	}
	for _, n := range sortedKeys(w.disks) {
		each(RawDisk, n, w.disks[n].m, w.disks[n].m.Raw())
	}
	for _, n := range sortedKeys(w.snaps) {
		each(RawSnapshot, n, w.snaps[n].m, w.snaps[n].m.Raw())
	}
	for _, n := range sortedKeys(w.custom) {
		if im := w.custom[n]; im.content != nil {
			each(RawImage, n, im.content, im.content.Raw())
		}
	}
	for _, n := range sortedKeys(w.rps) {
		for _, rd := range w.rps[n].disks {
			each(RawBackup, n+"/"+rd.name, rd.m, rd.m.Raw())
		}
	}
	for _, n := range sortedKeys(w.repls) {
		for _, rd := range w.repls[n].disks {
			each(RawReplica, n+"/"+rd.src, rd.m, rd.m.Raw())
		}
	}
	for _, n := range sortedKeys(w.vms) {
		if t := w.vms[n].temp; t != nil {
			each(RawTemp, n, t, t.Raw())
		}
	}
	for _, n := range sortedKeys(w.vms) {
		vm := w.vms[n]
		for _, dn := range sortedKeys(vm.caches) {
			c := vm.caches[dn]
			ver := w.devVersion(w.cacheOwner(c))
			if skip(RawCache, n+"/"+dn, ver) {
				continue
			}
			if m, err := c.atRest(); err == nil {
				scan(RawCache, n+"/"+dn, m)
			}
		}
	}
}

// SecretMaterial returns copies of the key material the world holds in the
// clear that tests may search output for: the BEKs on the BEK volumes of
// VMs and the BEKs handed to on-premises hosts.
func SecretMaterial(w *World) [][]byte {
	var out [][]byte
	for _, n := range sortedKeys(w.vms) {
		if b := w.vms[n].bek; b != nil {
			out = append(out, append([]byte(nil), b.bytes()...))
		}
	}
	for _, n := range sortedKeys(w.hosts) {
		for _, h := range w.hosts[n].beks {
			out = append(out, append([]byte(nil), h.bek.bytes()...))
		}
	}
	return out
}

// ArtifactsOf lists every artifact of the world: each disk and its media,
// each temp disk, snapshot, VHD, recovery-point disk and replica disk.
func ArtifactsOf(w *World) []Artifact {
	var out []Artifact
	for _, n := range sortedKeys(w.disks) {
		out = append(out, Artifact{Kind: DiskArtifact, Name: n}, Artifact{Kind: MediaArtifact, Name: n})
	}
	for _, n := range sortedKeys(w.vms) {
		if w.vms[n].temp != nil {
			out = append(out, Artifact{Kind: TempDiskArtifact, Name: n})
		}
	}
	for _, n := range sortedKeys(w.snaps) {
		out = append(out, Artifact{Kind: SnapshotArtifact, Name: n})
	}
	for _, n := range sortedKeys(w.vhds) {
		out = append(out, Artifact{Kind: VHDArtifact, Name: n})
	}
	for _, n := range sortedKeys(w.rps) {
		for _, rd := range w.rps[n].disks {
			out = append(out, Artifact{Kind: RecoveryPointArtifact, Name: n, Disk: rd.name})
		}
	}
	for _, n := range sortedKeys(w.repls) {
		for _, rd := range w.repls[n].disks {
			out = append(out, Artifact{Kind: ReplicaArtifact, Name: n, Disk: rd.src})
		}
	}
	return append(out, w.cacheArtifacts()...)
}

// AttachedVM returns the VM a disk is attached to, "" if none.
func AttachedVM(w *World, diskName string) string {
	if d, ok := w.disks[diskName]; ok {
		return d.vm
	}
	return ""
}

// SetReadMemo switches the read memo of concrete verdicts (memo.go) on or
// off; the property suite compares verdicts with and without it.
func SetReadMemo(w *World, on bool) { w.memoOff = !on }
