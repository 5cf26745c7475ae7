package lifecycle

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/vault"
)

// Readable answers whether vantage v can read artifact a, and why. The
// answer is the concrete one: it comes from actually reading the artifact
// with only the keys the vantage can obtain (see [World.Concrete]); the
// layers, keys and facts explain it. Reading calls the vault service as the
// vantage would, so those calls appear in its audit log; no other state of
// the world changes.
func (w *World) Readable(v Vantage, a Artifact) (Verdict, error) { return w.Concrete(v, a) }

// Symbolic computes the verdict from the layer stack of the artifact and
// the world's model of key, secret and permission states, without reading
// a byte or calling the vault.
func (w *World) Symbolic(v Vantage, a Artifact) (Verdict, error) { return w.assess(v, a, false) }

// Concrete computes the verdict by reading: it obtains each key the way the
// vantage would (vault calls as the vantage's principal, the host's cache,
// the guest's memory, keys handed to an on-premises host), opens the layers
// with what it obtained, mounts the file system and checks that every file
// written to the artifact comes back with the same SHA-256 digest.
func (w *World) Concrete(v Vantage, a Artifact) (Verdict, error) { return w.assess(v, a, true) }

// target is what an artifact is made of.
type target struct {
	m      *disk.Managed // storage-backed artifacts
	enc    disk.Encryption
	des    string
	vhd    *vhdFile
	tempVM *vmState
	files  *ledger
	ade    *adeVol
	vm     *vmState // the VM a disk is attached to
	cache  *hostCache
	name   string // disk name inside its VM
	sub    string
	// storage says who keeps the data: "disk", "backup" or "replica".
	storage string
}

func (w *World) resolve(a Artifact) (*target, error) {
	const op = "Readable"
	switch a.Kind {
	case DiskArtifact, MediaArtifact:
		d, ok := w.disks[a.Name]
		if !ok {
			return nil, refuse(op, "", ErrNotFound, "disk "+a.Name)
		}
		return &target{m: d.m, enc: d.m.Encryption(), des: d.des, files: d.files, ade: d.ade, vm: w.vms[d.vm], name: d.name, sub: d.sub, storage: "disk"}, nil
	case SnapshotArtifact:
		s, ok := w.snaps[a.Name]
		if !ok {
			return nil, refuse(op, "", ErrNotFound, "snapshot "+a.Name)
		}
		return &target{m: s.m, enc: s.m.Encryption(), des: s.des, files: s.files, ade: s.ade, sub: s.sub, storage: "disk"}, nil
	case VHDArtifact:
		f, ok := w.vhds[a.Name]
		if !ok {
			return nil, refuse(op, "", ErrNotFound, "VHD "+a.Name)
		}
		return &target{vhd: f, files: f.files, ade: f.ade}, nil
	case TempDiskArtifact:
		vm, ok := w.vms[a.Name]
		if !ok || vm.temp == nil {
			return nil, refuse(op, "F56", ErrNotFound, "temp disk of "+a.Name)
		}
		return &target{tempVM: vm, files: vm.tmpLed, vm: vm, name: TempDisk, sub: vm.spec.Subscription}, nil
	case RecoveryPointArtifact:
		return w.resolveBackup(a)
	case ReplicaArtifact:
		return w.resolveReplica(a)
	case CacheArtifact:
		return w.resolveCache(a)
	}
	return nil, refuse(op, "", ErrInvalid, "unknown artifact kind")
}

// assessment accumulates a verdict.
type assessment struct {
	v     Verdict
	facts map[string]bool
	ok    bool // every key so far obtainable
}

func (s *assessment) fact(fs ...string) {
	for _, f := range fs {
		if f != "" {
			s.facts[f] = true
		}
	}
}

func (s *assessment) layer(name, state, key string) {
	s.v.Layers = append(s.v.Layers, Layer{Name: name, State: state, Key: key})
}

func (s *assessment) key(name string, ok bool, why string, facts ...string) {
	s.v.Keys = append(s.v.Keys, KeyAccess{Name: name, Obtainable: ok, Why: why})
	s.ok = s.ok && ok
	s.fact(facts...)
}

// SortFacts sorts fact numbers ("F7", "F47", "F114") in numeric order, in
// place, and returns the slice. Anything not of that form sorts after them,
// by its text, so the order never depends on the input's order.
func SortFacts(facts []string) []string {
	num := func(f string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimPrefix(f, "F"))
		return n, err == nil && strings.HasPrefix(f, "F")
	}
	slices.SortFunc(facts, func(a, b string) int {
		na, oka := num(a)
		nb, okb := num(b)
		switch {
		case oka && okb && na != nb:
			return cmp.Compare(na, nb)
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return facts
}

func (s *assessment) finish(readable bool, reason string) Verdict {
	s.v.Readable = readable
	s.v.Reason = reason
	s.v.Facts = SortFacts(slices.Collect(maps.Keys(s.facts)))
	if s.v.Layers == nil {
		s.v.Layers = []Layer{}
	}
	if s.v.Keys == nil {
		s.v.Keys = []KeyAccess{}
	}
	return s.v
}

func sseName(e disk.Encryption) string {
	switch e {
	case disk.EncryptionCustomerKey:
		return "SSE-CMK"
	case disk.EncryptionPlatformAndCustomerKeys:
		return "SSE-PMK+CMK (double)"
	}
	return "SSE-PMK"
}

// assess computes a verdict symbolically (concrete false) or concretely.
func (w *World) assess(v Vantage, a Artifact, concrete bool) (Verdict, error) {
	t, err := w.resolve(a)
	if err != nil {
		return Verdict{}, err
	}
	w.quiet++ // reading through a guest's volumes fills no cache
	defer func() { w.quiet-- }()
	s := &assessment{v: Verdict{Vantage: v, Artifact: a}, facts: map[string]bool{}, ok: true}
	var cview readView      // through which a host cache is read (cache.go)
	var dev disk.Device     // what the vantage reads, below ADE (concrete only)
	var owner any           // the device whose bytes dev reads (memo.go)
	var view readView       // through which layers
	var fs *disk.FileSystem // set when the guest's own mount is used
	restore := func() {}
	defer func() { restore() }()
	if t.m != nil && concrete {
		// Reading auto-unlocks a storage device; put its DEK cache back
		// as it was, so that a verdict changes no state.
		was := t.m.Unlocked()
		defer restoreLock(t.m, was)
	}

	// 1. Access to the bytes, and the layers below ADE.
	switch {
	case t.cache != nil:
		cview = w.cacheAccess(s, t, v, concrete)
	case a.Kind == MediaArtifact || v.Kind == StorageInsider && t.m != nil:
		s.fact("F43", "F44")
		s.layer(sseName(t.enc), "present", "SSE DEKs")
		s.key("SSE DEKs", false, "the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry", "F44")
		dev, owner, view = t.m.Raw(), t.m, viewRaw
	case t.tempVM != nil && v.Kind == StorageInsider:
		vm := t.tempVM
		s.fact("F56")
		s.layer("temp disk (host-local, not covered by SSE)", "present", "")
		dev, owner, view = vm.temp.Raw(), vm.temp, viewRaw
		if w.hostEncryptsTemp(vm) {
			f, layer := "F57", "encryption at host"
			if !vm.eah {
				f, layer = "F56", "host encryption of v5+ sizes"
			}
			s.layer(layer, "present", "host key")
			s.key("host key", false, "the host encrypts the temp disk with a platform-held key", f)
		}
	case t.tempVM != nil && v.Kind == GuestOS && v.VM == t.tempVM.spec.Name:
		vm := t.tempVM
		s.layer("temp disk (host-local, not covered by SSE)", "present", "")
		if vm.state != Running {
			s.key("access to the data", false, "the VM is "+vm.state.String()+"; temp disk contents do not survive deallocation", "F70")
		} else {
			s.key("access to the data", true, "the running guest")
			if g := vm.guest[TempDisk]; g != nil {
				fs = g.fs
			}
		}
	case t.vhd != nil:
		holder := v.Kind == VHDHolder && (v.Host != "" && t.vhd.holders["host:"+v.Host] || v.Host == "" && t.vhd.holders[v.Principal])
		s.fact("F106")
		s.layer("SSE", "removed at the storage boundary", "")
		if !holder {
			s.key("access to the data", false, "the vantage does not hold this VHD")
		} else {
			s.key("access to the data", true, "holds the VHD file")
			if concrete {
				d, err := disk.OpenVHD(t.vhd.f, t.vhd.f.Size())
				if err != nil {
					return Verdict{}, refuseCause("Readable", "", ErrInvalid, "opening the VHD", err)
				}
				dev, owner, view = d, t.vhd.f, viewVHD
			}
		}
	case t.m != nil && v.Kind == GuestOS:
		vm := t.vm
		if vm == nil || vm.spec.Name != v.VM {
			s.key("access to the data", false, "the disk is not attached to "+v.VM)
			break
		}
		w.guestAccess(s, t, vm, concrete, &dev, &fs, &restore)
	case t.m != nil && (v.Kind == RolePrincipal || v.Kind == VaultAdmin || v.Kind == VHDHolder && v.Principal != ""):
		p := w.principals[v.Principal]
		if p == nil || !p.compute[t.sub].canExport() {
			role := NoComputeRole
			if p != nil {
				role = p.compute[t.sub]
			}
			s.layer(sseName(t.enc), "present", "")
			s.key("access to the data", false, v.Principal+" has no export permission on the disk ("+role.String()+")", "F116")
			break
		}
		s.key("access to the data", true, "export through a read SAS", "F105")
		w.storageAccess(s, t, concrete, &dev, &restore)
	case t.m != nil && v.Kind == BackupOperator && t.storage == "backup":
		s.key("access to the data", true, "restores the recovery point through the backup service", "F86")
		w.storageAccess(s, t, concrete, &dev, &restore)
	case t.m != nil && v.Kind == DRRegion && t.storage == "replica":
		s.key("access to the data", true, "reads the replica after failover in the target region", "F99")
		w.storageAccess(s, t, concrete, &dev, &restore)
	default:
		s.key("access to the data", false, "the "+v.Kind.String()+" has no path to this "+a.Kind.String())
	}

	// 2. The ADE layer.
	var beks []*secretBytes
	if t.ade != nil || (t.tempVM != nil && t.tempVM.ade != nil && t.tempVM.ade.coversTemp(t.tempVM.image.OS)) {
		w.adeLayer(s, t, v, concrete, &beks)
	}

	// 3. The files.
	switch {
	case len(t.files.files) == 0:
		s.layer("files", "none written", "")
		return s.finish(false, "nothing was written to compare"), nil
	case t.files.lost != "":
		s.layer("files", "erased by EncryptFormatAll", "")
		s.fact(t.files.lost)
	default:
		s.layer("files", "present", "")
	}
	if !concrete {
		ok := s.ok && t.files.lost == ""
		return s.finish(ok, w.reason(s, ok, t)), nil
	}
	if t.cache != nil {
		ok := w.readCache(t, cview, beks)
		return s.finish(ok, w.reason(s, ok, t)), nil
	}
	if fs == nil && dev != nil {
		if dev == disk.Device(t.m) {
			owner, view = t.m, viewStorage
		}
		var key memoKey
		// (Unlock drops a cached DEK before unwrapping again: only a locked
		// device is unlocked here, and the deferred restoreLock locks it back.)
		if view == viewStorage && !t.m.Unlocked() && t.m.Unlock() != nil {
			owner = nil // the read fails on keys, not on content: nothing to remember
		}
		if owner != nil && !w.memoOff {
			key = w.memoKeyOf(owner, view, beks, t.files)
			if ok, hit := w.memo[key]; hit {
				return s.finish(ok, w.reason(s, ok, t)), nil
			}
		}
		fs, _ = mountWith(dev, beks)
		ok := fs != nil && filesMatch(fs, t.files)
		if owner != nil && !w.memoOff {
			w.memo[key] = ok
		}
		return s.finish(ok, w.reason(s, ok, t)), nil
	}
	ok := fs != nil && filesMatch(fs, t.files)
	return s.finish(ok, w.reason(s, ok, t)), nil
}

// filesMatch reports whether every file of the ledger reads back from fs
// with its recorded digest.
func filesMatch(fs *disk.FileSystem, l *ledger) bool {
	for _, p := range sortedKeys(l.files) {
		b, err := fs.ReadFile(p)
		if err != nil || sha256.Sum256(b) != l.files[p] {
			return false
		}
	}
	return true
}

// reason summarizes a verdict in a few words.
func (w *World) reason(s *assessment, ok bool, t *target) string {
	if ok {
		return "every written file comes back"
	}
	if t.files.lost != "" {
		return "the data was erased"
	}
	for _, k := range s.v.Keys {
		if !k.Obtainable {
			return "cannot obtain " + k.Name
		}
	}
	return "the written files do not come back"
}

// storageAccess adds the SSE layer as the storage service removes it: it
// needs the DEKs, which it unwraps with the platform key and, for CMK,
// through the DES identity (F44, F47, F106).
func (w *World) storageAccess(s *assessment, t *target, concrete bool, dev *disk.Device, restore *func()) {
	s.layer(sseName(t.enc), "removed by the storage service", "SSE DEKs")
	s.fact("F106")
	ok, why := w.sseKeys(s, t, concrete)
	s.key("SSE DEKs", ok, why)
	if concrete && ok {
		*dev = t.m
	}
	_ = restore
}

// sseKeys decides whether the storage service can use a disk's DEKs.
func (w *World) sseKeys(s *assessment, t *target, concrete bool) (bool, string) {
	if t.enc == disk.EncryptionPlatformKey {
		s.fact("F43")
		return true, "platform key held by the storage service"
	}
	s.fact("F45", "F47")
	if concrete {
		if t.m.Unlocked() {
			// The storage service reads with its cached DEKs until the
			// revocation check drops them (F47, F107).
			return true, "DEK cached by the storage service until the revocation check"
		}
		err := t.m.Unlock()
		t.m.Lock()
		if err != nil {
			if w.cmkLost(t.des) {
				s.fact("F114")
				return false, lostWhy
			}
			return false, keyErrWhy(err)
		}
		return true, "unwrapped through the disk encryption set's identity"
	}
	if t.m.Unlocked() {
		return true, "DEK cached by the storage service until the revocation check"
	}
	ok, why := w.cmkUsable(t.des, t.m)
	if !ok && w.cmkLost(t.des) {
		s.fact("F114")
		return false, lostWhy
	}
	return ok, why
}

// lostWhy explains a key of which no copy is left anywhere (F114).
const lostWhy = "purged, with no copy in any vault, backup or recovery point: the data is unrecoverable (F114)"

// goneWhy explains a purged key or secret version, naming the copy that
// could bring it back (F34, F92) or saying there is none (F114).
func (w *World) goneWhy(lineage, version string, secret bool) string {
	if c := w.keyCopies(lineage, version, secret); c != "" {
		return "purged; " + c
	}
	return lostWhy
}

// cmkUsable is the model's answer for the customer key of disk m, of DES
// desName (F47, F10, F11, F23, F26, F40). It reasons about the key version
// m's wrapped DEK names (metadata stored with the disk, not a decryption):
// the DES may already use a newer version that a pickup has not yet
// re-wrapped m under (F50).
func (w *World) cmkUsable(desName string, m *disk.Managed) (bool, string) {
	d, ok := w.des[desName]
	if !ok {
		return false, "disk encryption set not found"
	}
	km := w.keys[keyRef(d.vault, d.key)]
	ids := cmkKeyIDs(m)
	if len(ids) == 0 {
		ids = []string{d.kek.KeyID()}
	}
	var versions []*keyVer
	for _, id := range ids {
		_, kv, err := w.lookupKeyID("Readable", id)
		if err != nil {
			// The version the DEK names is not in the vault's current key
			// of that name: it was purged and the name reused.
			if w.lostKey(id) {
				return false, lostWhy
			}
			return false, "customer key version purged (F23)"
		}
		versions = append(versions, kv)
	}
	if w.keyGone(km) {
		_, _, _, ver, _ := vault.ParseID(d.kek.KeyID())
		return false, "customer key " + w.goneWhy(km.lineage, ver, false)
	}
	if km.deleted {
		return false, "customer key soft-deleted (F23)"
	}
	if !w.principals[d.identity].perms(d.vault).unwrap {
		return false, "the disk encryption set's identity lost access (F40)"
	}
	for _, kv := range versions {
		if !kv.enabled && !w.faulty(faultSymbolicIgnoresDisabled) { // mutation hook (faults.go)
			return false, "customer key disabled (F11)"
		}
		if w.opts.ExpiredCMKUnusable && kv.exp != nil && !w.Now().Before(*kv.exp) {
			return false, "customer key expired (F47)"
		}
	}
	return true, "unwrapped through the disk encryption set's identity"
}

// cmkKeyIDs returns the key ids the customer-key layers of m's wrapped
// DEKs name (nil for m nil or without a customer key).
func cmkKeyIDs(m *disk.Managed) []string {
	if m == nil {
		return nil
	}
	var ids []string
	for _, wk := range m.WrappedKeys() {
		if wk.Role == disk.CustomerKey {
			ids = append(ids, wk.Wrapped.KeyID)
		}
	}
	return ids
}

// keyErrWhy turns a vault or disk error into a reason.
func keyErrWhy(err error) string {
	switch {
	case errors.Is(err, vault.ErrDisabled):
		return "disabled (F11)"
	case errors.Is(err, vault.ErrForbidden):
		return "forbidden (F38)"
	case errors.Is(err, vault.ErrNotFound):
		return "soft-deleted or purged (F23)"
	case errors.Is(err, ErrKeyUnavailable):
		return "expired: the disk layer treats it as unusable (F47)"
	}
	return "unavailable: " + err.Error()
}

// guestAccess handles a VM's guest reading its own disk: directly while
// running, or through a boot (host unwrap, F47; SAS check, F105).
func (w *World) guestAccess(s *assessment, t *target, vm *vmState, concrete bool, dev *disk.Device, fs **disk.FileSystem, restore *func()) {
	s.layer(sseName(t.enc), "removed by the host", "SSE DEKs")
	if vm.state == Running {
		s.key("access to the data", true, "the running guest")
		if g := vm.guest[t.name]; g != nil {
			if t.m.Unlocked() {
				s.key("SSE DEKs", true, "cached by the host")
			} else {
				ok, why := w.sseKeys(s, t, concrete)
				s.key("SSE DEKs", ok, why)
			}
			if concrete {
				*fs = g.fs
			}
			return
		}
		ok, why := w.sseKeys(s, t, concrete)
		s.key("SSE DEKs", ok, why)
		if concrete && ok {
			*dev = t.m
		}
		return
	}
	if !w.canBoot(s, vm) {
		return
	}
	ok, why := w.sseKeys(s, t, concrete)
	s.key("SSE DEKs", ok, why)
	if concrete && ok {
		*dev = t.m
	}
}

// canBoot adds the guest's access to the data of a VM that is not running:
// it boots the VM, unless the platform refuses the boot whatever the keys
// (bootBar, as Start does: an active SAS, F105; ADE retired, F64). The
// keys the boot needs are the verdict's other key lines.
func (w *World) canBoot(s *assessment, vm *vmState) bool {
	if bar := w.bootBar("Readable", vm); bar != nil {
		s.key("access to the data", false, barWhy(bar), bar.Fact)
		return false
	}
	s.key("access to the data", true, "boots the "+vm.state.String()+" VM")
	return true
}

// barWhy explains a refused boot in a verdict.
func barWhy(bar *RefusedError) string { return "the VM cannot start: " + bar.Detail }

// adeLayer adds the ADE layer and the keys the vantage needs for it.
func (w *World) adeLayer(s *assessment, t *target, v Vantage, concrete bool, beks *[]*secretBytes) {
	a := t.ade
	vm := t.vm
	if a == nil { // temp disk covered by ADE
		a = vm.ade.vol(vm.image.OS)
	}
	s.fact("F63", "F65")
	s.layer("ADE "+a.kind.String(), "present", "BEK")
	// The layer names the first key the vantage's path adds: the BEK, the
	// BEK secret it reads from Key Vault, or the volume key in guest memory.
	layer, first := len(s.v.Layers)-1, len(s.v.Keys)
	defer func() {
		if len(s.v.Keys) > first {
			s.v.Layers[layer].Key = s.v.Keys[first].Name
		}
	}()
	var bar *RefusedError // the guest of a VM not running unlocks only at a boot
	if v.Kind == GuestOS && vm != nil && v.VM == vm.spec.Name && vm.state != Running {
		bar = w.bootBar("Readable", vm)
	}
	switch {
	case bar != nil:
		s.key("BEK", false, "used only at boot, and "+barWhy(bar), bar.Fact)
	case t.cache != nil && v.Kind == GuestOS && v.VM == vm.spec.Name && vm.bek != nil:
		s.key("BEK", true, "on the BEK volume of the allocated VM", "F82")
		if concrete {
			*beks = append(*beks, vm.bek)
		}
	case v.Kind == GuestOS && vm != nil && v.VM == vm.spec.Name && vm.state == Running && vm.guest[t.name] != nil:
		s.key("volume key", true, "in guest memory", "F82")
	case v.Kind == GuestOS && vm != nil && v.VM == vm.spec.Name && vm.state != Running && vm.bek != nil:
		s.key("BEK", true, "on the BEK volume of the allocated VM", "F82")
		if concrete {
			*beks = append(*beks, vm.bek)
		}
	case v.Kind == GuestOS && vm != nil && v.VM == vm.spec.Name:
		if w.adeRetired() {
			s.key("BEK", false, "ADE is retired: volumes fail to unlock after reboot", "F64")
			return
		}
		s.fact("F82")
		w.vaultBEK(s, a, adePlatformID, "the platform", concrete, beks)
	case v.Kind == DRRegion && t.storage == "replica":
		s.fact("F99")
		if a.stale {
			s.key("BEK", false, "changed at the source after replication was enabled; keys are not re-synced to the target (F100)", "F100")
			return
		}
		w.vaultBEK(s, a, adePlatformID, "the platform in the target region", concrete, beks)
	case v.Kind == VHDHolder && v.Host != "":
		h := w.hosts[v.Host]
		handed := false
		for _, b := range h.beks {
			if b.secretID == a.secretID {
				handed = true
				if concrete {
					*beks = append(*beks, b.bek)
				}
			}
		}
		if concrete {
			handed = len(*beks) > 0 && w.opensVolume(t, *beks)
		}
		if handed {
			s.key("BEK", true, "handed to the host by an authorized principal")
		} else {
			s.key("BEK", false, "on premises: no access to the cloud's key vaults", "F67")
		}
	case v.Principal != "" && (v.Kind == VHDHolder || v.Kind == RolePrincipal || v.Kind == VaultAdmin):
		w.vaultBEK(s, a, v.Principal, v.Principal, concrete, beks)
	default:
		s.key("BEK", false, "the "+v.Kind.String()+" has no access to the BEK's key vault", "F89")
	}
}

// opensVolume reports whether one of beks opens the ADE volume of t.
func (w *World) opensVolume(t *target, beks []*secretBytes) bool {
	var dev disk.Device
	if t.vhd != nil {
		d, err := disk.OpenVHD(t.vhd.f, t.vhd.f.Size())
		if err != nil {
			return false
		}
		dev = d
	} else {
		return true
	}
	for _, b := range beks {
		if _, err := disk.OpenVolume(dev, b.bytes()); err == nil {
			return true
		}
	}
	return false
}

// vaultBEK decides whether principal who can obtain the BEK: read the
// secret, then unwrap it with the KEK if it is wrapped (F65, F67).
func (w *World) vaultBEK(s *assessment, a *adeVol, who, label string, concrete bool, beks *[]*secretBytes) {
	bekName := "BEK secret " + a.secretID
	kekName := "KEK " + a.kekID
	if concrete {
		c, _, err := w.client(who, a.vault)
		if err != nil {
			s.key(bekName, false, label+" is not a principal of the vault")
			return
		}
		_, _, name, version, _ := vault.ParseID(a.secretID)
		sec, err := c.GetSecret(name, version)
		if err != nil {
			why := keyErrWhy(err)
			if w.lostSecret(a.secretID) {
				why = lostWhy
				s.fact("F114")
			}
			s.key(bekName, false, why)
			if a.kekID != "" {
				s.key(kekName, false, "not attempted: no wrapped BEK to unwrap")
			}
			return
		}
		s.key(bekName, true, "read by "+label)
		val := sec.Value()
		if a.kekID == "" {
			*beks = append(*beks, newSecretBytes(val))
			return
		}
		_, _, kn, kver, _ := vault.ParseID(a.kekID)
		bek, err := c.UnwrapKey(kn, kver, "RSA-OAEP", val)
		clear(val)
		if err != nil {
			why := keyErrWhy(err)
			if w.lostKey(a.kekID) {
				why = lostWhy
				s.fact("F114")
			}
			s.key(kekName, false, why)
			return
		}
		s.key(kekName, true, "unwrapped by "+label)
		*beks = append(*beks, newSecretBytes(bek))
		return
	}
	p := w.principals[who]
	sm := w.secrets[keyRef(a.vault, secretName(a.secretID))]
	switch {
	case p == nil || !p.perms(a.vault).secretGet:
		s.key(bekName, false, "forbidden (F38)")
	case sm == nil:
		s.key(bekName, false, "soft-deleted or purged (F23)")
	case w.secretGone(sm):
		why := w.goneWhy(sm.lineage, secretVersion(a.secretID), true)
		if why == lostWhy {
			s.fact("F114")
		}
		s.key(bekName, false, why)
	case sm.deleted:
		s.key(bekName, false, "soft-deleted (F23)")
	case !sm.versions[len(sm.versions)-1].enabled:
		s.key(bekName, false, "disabled (F11)")
	default:
		s.key(bekName, true, "read by "+label)
		if a.kekID == "" {
			return
		}
		km, kv, err := w.lookupKeyID("Readable", a.kekID)
		switch {
		case err != nil && w.lostKey(a.kekID):
			s.key(kekName, false, lostWhy, "F114")
		case err != nil:
			s.key(kekName, false, "purged (F23)")
		case w.keyGone(km):
			why := w.goneWhy(km.lineage, kv.version, false)
			if why == lostWhy {
				s.fact("F114")
			}
			s.key(kekName, false, why)
		case km.deleted:
			s.key(kekName, false, "soft-deleted (F23)")
		case !p.perms(km.vault).unwrap:
			s.key(kekName, false, "forbidden (F38)")
		case !kv.enabled:
			s.key(kekName, false, "disabled (F11)")
		default:
			s.key(kekName, true, "unwrapped by "+label)
		}
		return
	}
	if a.kekID != "" {
		s.key(kekName, false, "not attempted: no wrapped BEK to unwrap")
	}
}

func secretVersion(id string) string {
	_, _, _, v, _ := vault.ParseID(id)
	return v
}

func secretName(id string) string {
	_, _, n, _, _ := vault.ParseID(id)
	return n
}
