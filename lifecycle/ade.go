package lifecycle

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/vault"
)

// kdfIterations is the PBKDF2 iteration count of every ADE volume of the
// simulation: small, because the strength of the derivation is not what a
// simulation studies, and thousands of scenarios must run fast.
const kdfIterations = 1000

// adePlatformID is the principal through which the compute platform reads
// BEK secrets and unwraps them with the KEK, at enable and at boot. Vaults
// with enabledForDiskEncryption grant it access when ADE starts using them
// (the simulation's model of that flag, F41).
const adePlatformID = "Microsoft.Compute/AzureDiskEncryption"

// secretBytes holds a BEK in memory (the BEK volume of a VM, F82) and
// prints as redacted under every verb. The bytes are two pointers away
// from any struct that holds a *secretBytes, so that even fmt's bad-verb
// path, which prints a pointer field's target, prints only an address.
type secretBytes struct{ m *bekMaterial }

// bekMaterial is the BEK itself.
type bekMaterial struct{ b []byte }

// newSecretBytes wraps b (not copied).
func newSecretBytes(b []byte) *secretBytes { return &secretBytes{m: &bekMaterial{b: b}} }

// bytes returns the BEK; callers keep it out of every output.
func (s *secretBytes) bytes() []byte { return s.m.b }

func (s *secretBytes) String() string            { return "BEK(REDACTED)" }
func (s *secretBytes) GoString() string          { return "BEK(REDACTED)" }
func (s secretBytes) Format(f fmt.State, _ rune) { io.WriteString(f, "BEK(REDACTED)") }

// VolumeType is what ADE encrypts (F69).
type VolumeType int

// The volume types. The zero value is invalid.
const (
	VolumeUnknown VolumeType = iota
	VolumeOS
	VolumeData
	VolumeAll
)

// String returns "OS", "Data" or "All".
func (v VolumeType) String() string {
	switch v {
	case VolumeOS:
		return "OS"
	case VolumeData:
		return "Data"
	case VolumeAll:
		return "All"
	}
	return "Unknown"
}

// ADESpec describes an Azure Disk Encryption enable (F63-F84).
type ADESpec struct {
	// Vault holds the BEK secret: same region and subscription as the VM
	// (F68), with enabledForDiskEncryption (F41).
	Vault string
	// KEKID, when set, is the versioned URL of an RSA key in Vault that
	// wraps the BEK (F65, F67).
	KEKID string
	// Volumes is OS, Data or All.
	Volumes VolumeType
	// EncryptFormatAll formats eligible Linux data volumes instead of
	// encrypting them in place: their data is lost (F71); it also covers
	// the Linux temp disk (F70).
	EncryptFormatAll bool
}

// adeConfig is a VM's ADE state: where its BEK is and what it covers.
type adeConfig struct {
	spec     ADESpec
	secret   string // secret name
	secretID string // versioned secret id
	// keepTemp: an earlier EnableADE encrypted the temp disk; a later one
	// whose spec would not cover it (Linux without EncryptFormatAll,
	// Windows without VolumeAll) leaves it encrypted (F70).
	keepTemp bool
}

// adeVol records the keys an ADE volume on a disk needs, as its BEK secret
// and KEK were when the disk was encrypted or re-keyed.
type adeVol struct {
	kind     disk.VolumeKind
	vault    string
	secret   string
	secretID string
	kekID    string
	// stale marks a replica's volume whose BEK changed at the source after
	// replication was enabled: the target holds no key for it (F100).
	stale bool
}

func (c *adeConfig) coversTemp(os OS) bool {
	return c.keepTemp || os == Windows && c.spec.Volumes == VolumeAll || os == Linux && c.spec.EncryptFormatAll
}

func (c *adeConfig) vol(os OS) *adeVol {
	return &adeVol{kind: volumeKind(os), vault: c.spec.Vault, secret: c.secret, secretID: c.secretID, kekID: c.spec.KEKID}
}

func volumeKind(os OS) disk.VolumeKind {
	if os == Windows {
		return disk.BitLocker
	}
	return disk.DMCrypt
}

// fetchBEK obtains a BEK as principal who: GetSecret, then UnwrapKey with
// the KEK if the secret is wrapped (F65, F82).
func (w *World) fetchBEK(op string, c *adeConfig, who string) (*secretBytes, error) {
	return w.fetchVolBEK(op, c.vol(OSUnknown), who)
}

func (w *World) fetchVolBEK(op string, v *adeVol, who string) (*secretBytes, error) {
	cl, _, err := w.client(who, v.vault)
	if err != nil {
		return nil, refuseCause(op, "F82", ErrBootFailure, "no access to the BEK's vault", err)
	}
	_, _, name, version, _ := vault.ParseID(v.secretID)
	s, err := cl.GetSecret(name, version)
	if err != nil {
		return nil, refuseCause(op, "F82", ErrBootFailure, "the BEK secret cannot be read", err)
	}
	val := s.Value()
	if v.kekID == "" {
		return newSecretBytes(val), nil
	}
	kvn, _, kname, kver, _ := vault.ParseID(v.kekID)
	kc, _, err := w.client(who, kvn)
	if err != nil {
		return nil, refuseCause(op, "F82", ErrBootFailure, "no access to the KEK's vault", err)
	}
	bek, err := kc.UnwrapKey(kname, kver, envelope.RSAOAEP, val)
	clear(val)
	if err != nil {
		return nil, refuseCause(op, "F82", ErrBootFailure, "the KEK cannot unwrap the BEK", err)
	}
	return newSecretBytes(bek), nil
}

// ensureADEPlatform gives the platform principal access to a vault with
// enabledForDiskEncryption (the model of F41). It returns what undoes the
// grants it made, for an enable that fails later; on error it has undone
// them itself.
func (w *World) ensureADEPlatform(vaultName string) (undo func() error, err error) {
	var rb rollback
	if _, ok := w.principals[adePlatformID]; !ok {
		if err := w.addPrincipal("EnableADE", adePlatformID, vault.KindService); err != nil {
			return nil, err
		}
		rb.push(func() error { delete(w.principals, adePlatformID); return nil })
	}
	p := w.principals[adePlatformID]
	for _, r := range []vault.Role{vault.RoleSecretsOfficer, vault.RoleCryptoUser} {
		if indexOf(p.vaultRoles[vaultName], r) >= 0 {
			continue
		}
		if err := w.AssignVaultRole(adePlatformID, vaultName, r); err != nil {
			return nil, rb.abort(err)
		}
		rb.push(func() error {
			// Not RemoveVaultRole: the grant never took effect, so no
			// customer key check is scheduled (F47).
			if err := w.kv.RemoveRole(w.admin, p.vp, r, vault.Scope{Vault: vaultName}); err != nil {
				return err
			}
			roles := p.vaultRoles[vaultName]
			if i := indexOf(roles, r); i >= 0 {
				p.vaultRoles[vaultName] = append(roles[:i:i], roles[i+1:]...)
			}
			return nil
		})
	}
	return rb.run, nil
}

// rollback is a stack of steps that undo what an operation did, so that an
// operation failing midway changes nothing ("a refused operation changes
// nothing", package doc).
type rollback []func() error

func (rb *rollback) push(undo func() error) { *rb = append(*rb, undo) }

// run undoes every step, the last first, and returns the errors of the
// steps that could not be undone.
func (rb rollback) run() error {
	var errs []error
	for i := len(rb) - 1; i >= 0; i-- {
		if err := rb[i](); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// abort undoes every step and returns err; if something could not be
// undone, the error says so and still matches err.
func (rb rollback) abort(err error) error {
	uerr := rb.run()
	if uerr == nil {
		return err
	}
	var re *RefusedError
	if !errors.As(err, &re) {
		return refuseCause("", "", ErrState, "and undoing it failed", errors.Join(err, uerr))
	}
	return refuseCause(re.Op, re.Fact, re.Err, re.Detail+"; undoing it failed", errors.Join(err, uerr))
}

// adePlan is what an EnableADE will do, found and checked before it
// changes anything.
type adePlan struct {
	// rekey: a new BEK (first enable, or a re-key with another vault or
	// KEK, F83).
	rekey bool
	// vols are the open volumes to re-key: mounted ADE disks and the
	// encrypted temp disk, by name (TempDisk for the temp disk).
	vols []string
	// encrypt are the mounted, unencrypted disks the spec covers (F69).
	encrypt []*diskState
	// temp: the temp disk is reformatted and encrypted (F70).
	temp bool
}

// planADE finds what an enable does and refuses, before any change, what
// would fail on the volumes: a volume the old BEK does not open (its old
// protector could not be removed, F83), a volume that cannot be encrypted
// (F71: no room for the header, a device error). Volumes are read quietly:
// a refused enable leaves the host's caches as they were.
func (w *World) planADE(op string, vm *vmState, s ADESpec) (*adePlan, error) {
	w.quiet++
	defer func() { w.quiet-- }()
	cfg := vm.ade
	p := &adePlan{rekey: cfg == nil || cfg.spec.Vault != s.Vault || cfg.spec.KEKID != s.KEKID}
	if p.rekey && vm.bek != nil {
		for _, dn := range append(vm.disks(), TempDisk) {
			g := vm.guest[dn]
			if dn != TempDisk && w.disks[dn].ade != nil && g == nil {
				// The guest adds the new BEK only to the volumes it has
				// open; an unmounted one would be left unable to open.
				return nil, refuse(op, "F69", ErrState, "re-keying: the ADE volume on "+dn+" is not mounted: mount it first")
			}
			if g == nil || g.vol == nil || dn != TempDisk && w.disks[dn].ade == nil {
				continue
			}
			dev, err := w.volumeDevice(vm, dn)
			if err == nil {
				_, err = disk.OpenVolume(dev, vm.bek.bytes())
			}
			if err != nil {
				return nil, refuseCause(op, "F83", ErrState, "re-keying "+dn+": the current BEK does not open it", err)
			}
			p.vols = append(p.vols, dn)
		}
	}
	for _, dn := range vm.disks() {
		d := w.disks[dn]
		if d.ade != nil || vm.guest[dn] == nil { // already encrypted, or unmounted (F69)
			continue
		}
		if d.os && s.Volumes == VolumeData || !d.os && s.Volumes == VolumeOS {
			continue
		}
		if err := adeVolumeConfig(vm, !d.os && s.EncryptFormatAll, nil).Check(vm.guestDevice(d)); err != nil {
			return nil, refuseCause(op, "F71", ErrState, "encrypting "+dn, err)
		}
		p.encrypt = append(p.encrypt, d)
	}
	next := adeConfig{spec: s, keepTemp: cfg != nil && cfg.coversTemp(vm.image.OS)}
	p.temp = vm.temp != nil && next.coversTemp(vm.image.OS) && (vm.guest[TempDisk] == nil || vm.guest[TempDisk].vol == nil)
	return p, nil
}

// volumeDevice is the device under the open ADE volume of disk dn (or of
// the temp disk).
func (w *World) volumeDevice(vm *vmState, dn string) (disk.Device, error) {
	if dn == TempDisk {
		return w.tempDevice(vm)
	}
	return vm.guestDevice(w.disks[dn]), nil
}

func adeVolumeConfig(vm *vmState, format bool, r io.Reader) disk.VolumeConfig {
	mode := disk.EncryptInPlace
	if format {
		mode = disk.EncryptFormatAll
	}
	return disk.VolumeConfig{Kind: volumeKind(vm.image.OS), Mode: mode, KDFIterations: kdfIterations, Rand: r}
}

// EnableADE enables Azure Disk Encryption on a running VM: it creates a
// BEK, stores it as a secret (wrapped by the KEK if given) with the tags of
// F66, and encrypts the mounted volumes the spec covers (F69): in place, or
// for Linux data volumes with EncryptFormatAll by formatting (F71). Volumes
// already encrypted are never re-encrypted or formatted. Running it again
// with another vault or KEK re-keys (F83): a new BEK replaces the old one
// on every open ADE volume, so an ADE volume that is attached but not
// mounted refuses the re-key (F69; a simulation rule: the guest could not
// add the new BEK to it). It refuses what the cloud refuses, naming the
// fact: F41, F53, F58, F64, F67, F68, F69, F71, F72, F73, F74, F75, F83.
//
// EnableADE is all or nothing. Every refusal (the rules above, a KEK that
// is disabled, expired or deleted, a volume without room for its header,
// a volume the current BEK does not open) comes before the first change:
// no secret is stored, no role granted, no volume or model touched, and no
// random byte drawn; the vault's audit log records nothing for it. Should a
// vault or device call still fail midway (the simulation has no such
// failure once the checks pass, but the code does not rely on it), what
// was done is undone, the last step first: the BEK secret is deleted and,
// unless the vault has purge protection, purged (with purge protection it
// stays soft-deleted until its retention ends, as Azure would leave it,
// recorded as such by the world), the new BEK protectors are removed and
// the old ones put back, volumes encrypted in place are decrypted in place,
// and the platform's vault roles granted for the call are removed. What an
// undo cannot restore: the audit events of the calls and of their undoing,
// the random bytes drawn, the data on volumes formatted by
// EncryptFormatAll (lost by the format, F71; the volume is left a
// plaintext file system) and the temp disk's contents (F70).
func (w *World) EnableADE(vmName string, s ADESpec) error {
	const op = "EnableADE"
	vm, err := w.vm(op, vmName)
	if err != nil {
		return err
	}
	if err := w.checkADE(op, vm, s); err != nil {
		return err
	}
	plan, err := w.planADE(op, vm, s)
	if err != nil {
		return err
	}
	// Nothing is refused past this point; a failure is undone by rb.
	undoGrants, err := w.ensureADEPlatform(s.Vault)
	if err != nil {
		return err
	}
	rb := rollback{undoGrants}
	cfg := &adeConfig{spec: s}
	bek := vm.bek
	if plan.rekey {
		b := make([]byte, 32)
		if _, err := io.ReadFull(w.rand, b); err != nil {
			return rb.abort(refuseCause(op, "", ErrState, "drawing a BEK", err))
		}
		bek = newSecretBytes([]byte(hex.EncodeToString(b)))
		clear(b)
		name, id, undo, err := w.storeBEK(op, vm, s, bek)
		if err != nil {
			return rb.abort(err)
		}
		rb.push(undo)
		cfg.secret, cfg.secretID = name, id
		if err := w.rekeyVolumes(op, vm, plan.vols, vm.bek, bek, &rb); err != nil {
			return rb.abort(err)
		}
	} else {
		cfg.secret, cfg.secretID = vm.ade.secret, vm.ade.secretID
	}
	cfg.keepTemp = vm.ade != nil && vm.ade.coversTemp(vm.image.OS)
	// The model changes with the volumes; rb puts it back, except for
	// volumes formatted by EncryptFormatAll, whose data the format erased.
	restore := w.saveADEState(vm)
	var formatted []*diskState
	rb.push(func() error { restore(); return w.remountFormatted(vm, formatted) })
	vm.ade, vm.bek, vm.everADE = cfg, bek, true
	if plan.rekey {
		for _, dn := range vm.disks() {
			if w.disks[dn].ade != nil {
				w.disks[dn].ade = cfg.vol(vm.image.OS)
			}
		}
	}
	for _, d := range plan.encrypt {
		if err := w.encryptDisk(op, vm, d, bek, !d.os && s.EncryptFormatAll, &rb, &formatted); err != nil {
			return rb.abort(err)
		}
	}
	if plan.temp {
		// The temp disk is reformatted and encrypted (F70): contents lost.
		old := vm.temp
		if err := w.newTemp(vm, bek); err != nil {
			return rb.abort(refuseCause(op, "F70", ErrState, "temp disk", err))
		}
		g, err := w.mountTemp(vm, bek)
		if err != nil {
			return rb.abort(refuseCause(op, "F70", ErrState, "temp disk", err))
		}
		vm.guest[TempDisk] = g
		old.Reset()
	}
	w.syncVM(vmName)
	return nil
}

// saveADEState records the ADE model of a VM and its disks, the guest's
// mounts and the temp disk, and returns what restores them.
func (w *World) saveADEState(vm *vmState) func() {
	ade, bek, ever := vm.ade, vm.bek, vm.everADE
	guest := maps.Clone(vm.guest)
	temp, tmpLed := vm.temp, vm.tmpLed
	type saved struct {
		ade   *adeVol
		ever  bool
		lost  string
		files *ledger
	}
	disks := map[string]saved{}
	for _, dn := range vm.disks() {
		d := w.disks[dn]
		disks[dn] = saved{d.ade, d.everADE, d.files.lost, d.files}
	}
	return func() {
		vm.ade, vm.bek, vm.everADE = ade, bek, ever
		vm.guest, vm.temp, vm.tmpLed = guest, temp, tmpLed
		for dn, s := range disks {
			d := w.disks[dn]
			d.ade, d.everADE, d.files = s.ade, s.ever, s.files
			d.files.lost = s.lost
		}
	}
}

// remountFormatted records, after an undone enable, what the format of
// EncryptFormatAll volumes left: their earlier data is lost (F71) and the
// guest mounts the empty plaintext file system that decrypting them in
// place gave back.
func (w *World) remountFormatted(vm *vmState, formatted []*diskState) error {
	var errs []error
	for _, d := range formatted {
		if len(d.files.files) > 0 {
			d.files.lost = "F71"
		}
		fs, err := disk.Mount(vm.guestDevice(d))
		if err != nil {
			delete(vm.guest, d.name)
			errs = append(errs, err)
			continue
		}
		vm.guest[d.name] = &gmount{fs: fs}
	}
	return errors.Join(errs...)
}

// rekeyVolumes adds the new BEK to each volume, then removes the old one
// (F83), pushing the undo of each step onto rb. planADE checked that the
// old BEK opens every volume, and each has two protectors when the old one
// is removed, so removal fails only on a device error.
func (w *World) rekeyVolumes(op string, vm *vmState, vols []string, old, nb *secretBytes, rb *rollback) error {
	for _, dn := range vols {
		v := vm.guest[dn].vol
		if err := v.AddBEK(w.rand, nb.bytes(), kdfIterations); err != nil {
			return refuseCause(op, "F83", ErrState, "re-keying "+dn, err)
		}
		rb.push(func() error { return v.RemoveBEK(nb.bytes()) })
	}
	for _, dn := range vols {
		v := vm.guest[dn].vol
		if err := v.RemoveBEK(old.bytes()); err != nil {
			return refuseCause(op, "F83", ErrState, "re-keying "+dn+": removing the old BEK", err)
		}
		rb.push(func() error { return v.AddBEK(w.rand, old.bytes(), kdfIterations) })
	}
	return nil
}

// encryptDisk turns a mounted volume into an ADE volume and remounts it,
// pushing onto rb the in-place decryption that undoes it. vm.ade must be
// the new configuration.
func (w *World) encryptDisk(op string, vm *vmState, d *diskState, bek *secretBytes, format bool, rb *rollback, formatted *[]*diskState) error {
	dev := vm.guestDevice(d)
	v, err := disk.EncryptVolume(dev, bek.bytes(), adeVolumeConfig(vm, format, w.rand))
	if err != nil {
		return refuseCause(op, "F71", ErrState, "encrypting "+d.name, err)
	}
	// Decrypting in place restores the data of an in-place encryption; a
	// formatted volume's data is lost to the format (F71) and it comes
	// back as a plaintext file system.
	rb.push(func() error { return decryptInPlace(dev, v) })
	var fs *disk.FileSystem
	if format {
		*formatted = append(*formatted, d)
		fs, err = formatFS(v)
		if len(d.files.files) > 0 {
			d.files.lost = "F71"
		}
		if c := vm.caches[d.name]; c != nil && len(c.paths) > 0 {
			c.lost = "F71" // the files the cache recorded were erased too
		}
	} else {
		fs, err = disk.Mount(v)
	}
	if err != nil {
		return refuseCause(op, "F71", ErrState, "mounting the encrypted volume of "+d.name, err)
	}
	d.ade, d.everADE = vm.ade.vol(vm.image.OS), true
	vm.guest[d.name] = &gmount{vol: v, fs: fs}
	return nil
}

// storeBEK writes the BEK secret with the F66 tags, wrapped by the KEK if
// the spec has one, and returns the secret's name, its versioned id, and
// what undoes the store.
func (w *World) storeBEK(op string, vm *vmState, s ADESpec, bek *secretBytes) (string, string, func() error, error) {
	var g [16]byte
	if _, err := io.ReadFull(w.rand, g[:]); err != nil {
		return "", "", nil, refuseCause(op, "", ErrState, "drawing a secret name", err)
	}
	name := hex.EncodeToString(g[:])
	tags := map[string]string{"MachineName": vm.spec.Name}
	if vm.image.OS == Windows {
		tags["DiskEncryptionKeyFileName"] = name + ".BEK"
	} else {
		tags["LinuxPassPhraseFileName"] = "LinuxPassPhraseFileName"
	}
	c, _, err := w.client(adePlatformID, s.Vault)
	if err != nil {
		return "", "", nil, err
	}
	val := append([]byte(nil), bek.bytes()...)
	ct := "BEK"
	if s.KEKID != "" {
		_, _, kname, kver, _ := vault.ParseID(s.KEKID)
		res, err := c.WrapKey(kname, kver, envelope.RSAOAEP, val)
		clear(val)
		if err != nil {
			return "", "", nil, refuseCause(op, "F67", ErrKeyUnavailable, "wrapping the BEK with the KEK", err)
		}
		val = res.Result
		ct = "Wrapped BEK"
		tags["DiskEncryptionKeyEncryptionAlgorithm"] = string(envelope.RSAOAEP)
		tags["DiskEncryptionKeyEncryptionKeyURL"] = s.KEKID
	}
	sp, err := c.SetSecret(name, val, vault.SetSecretOptions{ContentType: ct, Tags: tags})
	clear(val)
	if err != nil {
		return "", "", nil, refuseCause(op, "F65", ErrForbidden, "storing the BEK secret", err)
	}
	ref := keyRef(s.Vault, name)
	sm := &secretModel{vault: s.Vault, name: name, lineage: sp.ID, versions: []*keyVer{{id: sp.ID, version: sp.Version, enabled: true}}}
	w.secrets[ref] = sm
	undo := func() error {
		// Soft-delete is always on (F21): the secret can only be deleted,
		// then purged unless the vault has purge protection (F27).
		if _, err := c.DeleteSecret(name); err != nil {
			return err
		}
		sm.deleted, sm.deletedAt = true, w.Now()
		if w.vaults[s.Vault].spec.PurgeProtection {
			return nil
		}
		if err := c.PurgeDeletedSecret(name); err != nil {
			return err
		}
		delete(w.secrets, ref) // no data ever needed it
		return nil
	}
	return name, sp.ID, undo, nil
}

// checkADE applies the refusals of ADE enable.
func (w *World) checkADE(op string, vm *vmState, s ADESpec) error {
	im := vm.image
	encOS := s.Volumes == VolumeOS || s.Volumes == VolumeAll
	if s.Volumes < VolumeOS || s.Volumes > VolumeAll {
		return refuse(op, "F69", ErrInvalid, "volume type must be OS, Data or All")
	}
	if vm.state != Running {
		return refuse(op, "F63", ErrState, "ADE runs as an extension inside the running guest")
	}
	if !w.Now().Before(w.opts.ADERetirement) {
		return refuse(op, "F64", ErrNotSupported, "Azure Disk Encryption is retired")
	}
	if vm.eah {
		return refuse(op, "F58", ErrEncryptionConflict, "ADE cannot be enabled on a VM with encryption at host")
	}
	for _, dn := range vm.disks() {
		d := w.disks[dn]
		if d.des != "" && (d.os && encOS || !d.os && s.Volumes != VolumeOS) {
			return refuse(op, "F53", ErrEncryptionConflict, "disk "+dn+" uses a customer-managed key; ADE and CMK exclude each other")
		}
	}
	switch {
	case im.ADE == ADENone:
		return refuse(op, "F74", ErrNotSupported, fmt.Sprintf("%s %s is not on the ADE support list", im.Distro, im.Version))
	case im.ADE == ADEDataOnly && encOS:
		return refuse(op, "F74", ErrNotSupported, fmt.Sprintf("%s %s supports ADE on data volumes only", im.Distro, im.Version))
	case im.Source == Custom && im.OS == Linux:
		return refuse(op, "F75", ErrNotSupported, "ADE cannot be applied to custom Linux images")
	case im.Source == Custom && !w.opts.ADEWindowsCustomImages:
		return refuse(op, "F75", ErrNotSupported, "ADE on Windows custom images is switched off (Options.ADEWindowsCustomImages)")
	}
	if why := adeSizeRefusal(vm.size); why != "" {
		return refuse(op, "F73", ErrNotSupported, vm.size.Name+": "+why)
	}
	alreadyOS := w.disks[vm.osDisk].ade != nil
	if need := adeMemoryNeedGB(im.OS, encOS && !alreadyOS, im.RootUsageGB); vm.size.MemoryGB < need {
		return refuse(op, "F72", ErrInsufficientMemory, fmt.Sprintf("%s has %d GB; ADE needs %d GB here", vm.size.Name, vm.size.MemoryGB, need))
	}
	if im.OS == Windows && s.Volumes == VolumeData && !alreadyOS {
		return refuse(op, "F69", ErrNotSupported, "Windows cannot encrypt data volumes without first encrypting the OS volume")
	}
	if im.OS == Windows && s.EncryptFormatAll {
		return refuse(op, "F71", ErrNotSupported, "EncryptFormatAll is for Linux data volumes")
	}
	vmod, ok := w.vaults[s.Vault]
	if !ok {
		return refuse(op, "", ErrNotFound, "vault "+s.Vault)
	}
	switch {
	case vmod.spec.Region != vm.spec.Region:
		return refuse(op, "F68", ErrRegionMismatch, "the key vault must be in the VM's region")
	case vmod.spec.Subscription != vm.spec.Subscription:
		return refuse(op, "F68", ErrSubscriptionMismatch, "the key vault must be in the VM's subscription")
	case !vmod.spec.EnabledForDiskEncryption:
		return refuse(op, "F41", ErrVaultConfig, "the vault is not enabled for disk encryption")
	}
	if s.KEKID != "" {
		vn, coll, _, version, err := vault.ParseID(s.KEKID)
		if err != nil || coll != "keys" || version == "" {
			return refuse(op, "F67", ErrInvalid, "the KEK URL must be a versioned key URL")
		}
		if vn != s.Vault {
			return refuse(op, "F67", ErrInvalid, "the KEK must be in the BEK's vault in this simulation")
		}
		km, kv, err := w.lookupKeyID(op, s.KEKID)
		if err != nil {
			return err
		}
		if km.kty != vault.KeyTypeRSA && km.kty != vault.KeyTypeRSAHSM {
			return refuse(op, "F67", ErrUnsupportedKey, "the KEK must be an RSA key")
		}
		if im.OS == Windows && km.bits == 2048 && (im.Version == "2022" || im.Version == "11") {
			return refuse(op, "F67", ErrUnsupportedKey, "BitLocker on Windows Server 2022 and Windows 11 does not work with RSA 2048 KEKs")
		}
		// The platform wraps the BEK with the KEK (F65): a version that
		// cannot wrap is refused here, before anything is written, with
		// the vault's sentinel as cause (F10, F11, F23).
		switch {
		case km.deleted || w.keyGone(km):
			return refuseCause(op, "F67", ErrKeyUnavailable, "the KEK is soft-deleted or purged", vault.ErrNotFound)
		case !kv.enabled:
			return refuseCause(op, "F67", ErrKeyUnavailable, "the KEK is disabled", vault.ErrDisabled)
		case kv.exp != nil && !w.Now().Before(*kv.exp):
			return refuseCause(op, "F67", ErrKeyUnavailable, "the KEK is expired", vault.ErrExpired)
		}
	}
	return nil
}

// hostKey returns the key the host encrypts a VM's temp disk with (F57):
// a per-VM DEK wrapped by the region's platform key, drawn on first use.
func (w *World) hostKey(vm *vmState, pmk *envelope.AESKEK) (*envelope.DEK, error) {
	if vm.hostKey == nil {
		dek, err := envelope.GenerateDEK(w.rand)
		if err != nil {
			return nil, refuseCause("EncryptionAtHost", "F57", ErrState, "drawing the host key", err)
		}
		wr, err := pmk.Wrap(dek)
		if err != nil {
			return nil, refuseCause("EncryptionAtHost", "F57", ErrState, "wrapping the host key", err)
		}
		vm.hostKey = wr
		return dek, nil
	}
	return pmk.Unwrap(vm.hostKey)
}

// DisableADE disables Azure Disk Encryption on the mounted volumes of a
// running VM that vols covers (F77): the guest decrypts them in place and
// remounts them; their data is preserved. Linux supports disabling only
// for data volumes, and only while the OS volume is not encrypted (OS
// encryption is permanent there); Windows supports it, but not for the OS
// volume alone while data volumes stay encrypted (F69). The disks keep the
// UDE flag (F84), so they still cannot use customer-managed keys or join a
// VM with encryption at host. The BEK secret stays in the vault. When no
// volume is left encrypted the VM no longer needs its BEK at boot; a temp
// disk ADE covered is reformatted without it (F70).
//
// DisableADE is all or nothing: its refusals come before any change, and
// the model (the disks' ADE records, the VM's ADE state and mounts) changes
// only once every volume is decrypted. Should a device fail midway, the
// volumes already decrypted are encrypted again in place with the same BEK
// (under a new volume key, which nothing outside the volume sees); a
// device error inside one volume's decryption leaves that volume partly
// decrypted, which no undo can repair.
func (w *World) DisableADE(vmName string, vols VolumeType) error {
	const op = "DisableADE"
	vm, err := w.vm(op, vmName)
	if err != nil {
		return err
	}
	osEnc := w.disks[vm.osDisk].ade != nil
	dataEnc := false
	for _, dn := range vm.data {
		dataEnc = dataEnc || w.disks[dn].ade != nil
	}
	switch {
	case vols < VolumeOS || vols > VolumeAll:
		return refuse(op, "F69", ErrInvalid, "volume type must be OS, Data or All")
	case vm.state != Running:
		return refuse(op, "F63", ErrState, "ADE runs as an extension inside the running guest")
	case vm.ade == nil:
		return refuse(op, "F77", ErrState, "ADE is not enabled on "+vmName)
	case vm.image.OS == Linux && vols != VolumeData:
		return refuse(op, "F77", ErrNotSupported, "Linux supports disabling ADE for data volumes only; OS-disk encryption is permanent")
	case vm.image.OS == Linux && osEnc:
		return refuse(op, "F77", ErrNotSupported, "Linux supports disabling ADE only while the OS volume is not encrypted")
	case vm.image.OS == Windows && vols == VolumeOS && dataEnc:
		return refuse(op, "F69", ErrNotSupported, "Windows cannot keep data volumes encrypted without the OS volume")
	}
	// The volumes are decrypted first and the model changes after: a
	// device failure midway re-encrypts the volumes already decrypted
	// (under a new volume key, with the same BEK) and changes nothing else.
	var rb rollback
	mounts := map[string]*gmount{}
	var done []string
	for _, dn := range vm.disks() {
		d, g := w.disks[dn], vm.guest[dn]
		if d.ade == nil || g == nil || g.vol == nil || d.os && vols == VolumeData || !d.os && vols == VolumeOS {
			continue
		}
		dev := vm.guestDevice(d)
		if err := decryptInPlace(dev, g.vol); err != nil {
			return rb.abort(refuseCause(op, "F77", ErrKeyUnavailable, "decrypting "+dn, err))
		}
		rb.push(func() error {
			v, err := disk.EncryptVolume(dev, vm.bek.bytes(), adeVolumeConfig(vm, false, w.rand))
			if err != nil {
				return err
			}
			fs, err := disk.Mount(v)
			if err != nil {
				return err
			}
			vm.guest[dn] = &gmount{vol: v, fs: fs}
			return nil
		})
		fs, err := disk.Mount(dev)
		if err != nil {
			return rb.abort(refuseCause(op, "F77", ErrState, "remounting "+dn, err))
		}
		mounts[dn] = &gmount{fs: fs}
		done = append(done, dn)
	}
	left := false
	for _, dn := range vm.disks() {
		left = left || w.disks[dn].ade != nil && indexOf(done, dn) < 0
	}
	next := vm.ade
	if left && vm.image.OS == Windows && vols == VolumeData {
		c := *vm.ade
		c.spec.Volumes, c.keepTemp = VolumeOS, false
		next = &c
	} else if !left {
		next = nil
	}
	coveredTemp := vm.temp != nil && vm.ade.coversTemp(vm.image.OS)
	var temp *gmount
	old, oldLed, oldADE := vm.temp, vm.tmpLed, vm.ade
	if coveredTemp && (next == nil || !next.coversTemp(vm.image.OS)) {
		// The temp disk is reformatted without ADE (F70); newTemp and
		// mountTemp read vm.ade.
		vm.ade = next
		err := w.newTemp(vm, nil)
		if err == nil {
			temp, err = w.mountTemp(vm, nil)
		}
		vm.ade = oldADE
		if err != nil {
			vm.temp, vm.tmpLed = old, oldLed
			return rb.abort(refuseCause(op, "F70", ErrState, "temp disk", err))
		}
		old.Reset()
	}
	// Nothing fails past this point.
	for _, dn := range done {
		w.disks[dn].ade = nil
		vm.guest[dn] = mounts[dn]
	}
	vm.ade = next
	if next == nil {
		vm.bek = nil
	}
	if temp != nil {
		vm.guest[TempDisk] = temp
	}
	w.syncVM(vmName)
	return nil
}

// decryptInPlace writes the plaintext of an open ADE volume back over its
// device, sector s of the volume at sector s of the device (the header
// and the data offset go away), and zeroes the device sectors that held
// only the header or stale ciphertext. Runs are copied in ascending order,
// each read before it is written, so the overlap of source and
// destination is safe.
func decryptInPlace(dev guestDev, vol *disk.Volume) error {
	type run struct{ first, n uint64 }
	var devRuns, volRuns []run
	for s := uint64(0); ; {
		f, n, ok := dev.NextWritten(s)
		if !ok {
			break
		}
		devRuns = append(devRuns, run{f, n})
		s = f + n
	}
	for s := uint64(0); ; {
		f, n, ok := vol.NextWritten(s)
		if !ok {
			break
		}
		volRuns = append(volRuns, run{f, n})
		s = f + n
	}
	const chunk = 256
	ss := uint64(vol.SectorSize())
	buf := make([]byte, chunk*ss)
	for _, r := range volRuns {
		for f, n := r.first, r.n; n > 0; {
			k := min(n, chunk)
			b := buf[:k*ss]
			if err := vol.ReadSectors(b, f); err != nil {
				return err
			}
			if err := dev.WriteSectors(b, f); err != nil {
				return err
			}
			f += k
			n -= k
		}
	}
	clear(buf)
	// Zero what the device held outside the volume's plaintext.
	vi := 0
	for _, r := range devRuns {
		for s, end := r.first, r.first+r.n; s < end; {
			for vi < len(volRuns) && volRuns[vi].first+volRuns[vi].n <= s {
				vi++
			}
			stop := end
			if vi < len(volRuns) && volRuns[vi].first <= s {
				s = min(end, volRuns[vi].first+volRuns[vi].n) // covered by plaintext
				continue
			} else if vi < len(volRuns) {
				stop = min(end, volRuns[vi].first)
			}
			for s < stop {
				k := min(stop-s, chunk)
				if err := dev.WriteSectors(buf[:k*ss], s); err != nil {
					return err
				}
				s += k
			}
		}
	}
	return nil
}
