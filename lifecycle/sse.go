package lifecycle

import (
	"crypto/sha256"
	"fmt"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/vault"
)

// sectorSize is the sector size of every managed disk of the world.
const sectorSize = 512

// maxDiskMiB bounds a simulated disk: 32 TiB, the managed-disk maximum
// (F93). Disks are sparse, so size costs nothing until written.
const maxDiskMiB = 32 << 20

// DESSpec describes a disk encryption set (F45).
type DESSpec struct {
	Name         string
	Subscription string
	Region       string
	// KeyID is the key URL: versionless with AutoRotate, versioned without.
	KeyID string
	// Double selects EncryptionAtRestWithPlatformAndCustomerKeys (F55);
	// otherwise EncryptionAtRestWithCustomerKey. Immutable (F54).
	Double bool
	// AutoRotate re-wraps every disk's DEK with the latest key version
	// within Options.RotationPickup of a rotation (F50).
	AutoRotate bool
}

// desState is a disk encryption set: its key, its managed identity, and
// the KEK its disks use.
type desState struct {
	spec     DESSpec
	vault    string
	key      string // key name
	identity string // principal name of the system-assigned identity
	kek      envelope.KEK
}

// desKEK is the customer KEK a disk sees: the vault key through the DES
// identity, with the disk layer's expiry rule (F47; Options.ExpiredCMKUnusable)
// in front of Key Vault's own rules (F10, F11, F23).
type desKEK struct {
	w     *World
	d     *desState
	inner envelope.KEK
}

var _ envelope.KEK = (*desKEK)(nil)

func (k *desKEK) KeyID() string                                     { return k.inner.KeyID() }
func (k *desKEK) Algorithm() envelope.Algorithm                     { return k.inner.Algorithm() }
func (k *desKEK) Wrap(dek *envelope.DEK) (*envelope.Wrapped, error) { return k.inner.Wrap(dek) }
func (k *desKEK) String() string                                    { return "desKEK(" + k.d.spec.Name + ")" }
func (k *desKEK) GoString() string                                  { return k.String() }

// Unwrap refuses an expired key version before asking the vault, except
// during a rotation pickup: the platform re-wraps through Key Vault, which
// still unwraps with expired versions (F10, F50).
func (k *desKEK) Unwrap(wr *envelope.Wrapped) (*envelope.DEK, error) {
	if k.w.opts.ExpiredCMKUnusable && !k.w.pickup && wr != nil {
		if _, kv, err := k.w.lookupKeyID("Unwrap", wr.KeyID); err == nil && kv.exp != nil && !k.w.Now().Before(*kv.exp) {
			return nil, refuse("Unwrap", "F47", ErrKeyUnavailable, "the customer key version is expired; the disk layer treats it as unusable")
		}
	}
	return k.inner.Unwrap(wr)
}

// CreateDES creates a disk encryption set with a system-assigned identity
// that is granted Key Vault Crypto Service Encryption User (get, wrapKey,
// unwrapKey) on the key's vault (F40, F115). The vault must be in the DES's
// region (F51) with soft-delete and purge protection (F32); the key must be
// RSA 2048, 3072 or 4096 (F46).
func (w *World) CreateDES(s DESSpec) error {
	const op = "CreateDES"
	if _, ok := w.subs[s.Subscription]; !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("subscription %q", s.Subscription))
	}
	if _, ok := LookupRegion(s.Region); !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("region %q", s.Region))
	}
	if s.Name == "" {
		return refuse(op, "", ErrInvalid, "empty name")
	}
	if _, ok := w.des[s.Name]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("DES %q exists", s.Name))
	}
	km, kv, err := w.lookupKeyID(op, s.KeyID)
	if err != nil {
		return err
	}
	vm := w.vaults[km.vault]
	switch {
	case vm.spec.Region != s.Region:
		return refuse(op, "F51", ErrRegionMismatch, fmt.Sprintf("vault %s is in %s, the DES in %s", km.vault, vm.spec.Region, s.Region))
	case !vm.spec.PurgeProtection:
		return refuse(op, "F32", ErrVaultConfig, fmt.Sprintf("vault %s lacks purge protection", km.vault))
	case km.kty != vault.KeyTypeRSA && km.kty != vault.KeyTypeRSAHSM:
		return refuse(op, "F46", ErrUnsupportedKey, fmt.Sprintf("key type %s: only RSA keys", km.kty))
	case km.bits != 2048 && km.bits != 3072 && km.bits != 4096:
		return refuse(op, "F46", ErrUnsupportedKey, fmt.Sprintf("RSA-%d: only 2048, 3072 or 4096 bits", km.bits))
	}
	_, _, _, version, _ := vault.ParseID(s.KeyID)
	if s.AutoRotate && version != "" {
		return refuse(op, "F50", ErrInvalid, "automatic rotation needs a versionless key URL")
	}
	if !s.AutoRotate && version == "" {
		s.KeyID = kv.id
	}
	ident := "des-identity:" + s.Name
	if err := w.addPrincipal(op, ident, vault.KindManagedIdentity); err != nil {
		return err
	}
	if err := w.AssignVaultRole(ident, km.vault, vault.RoleCryptoServiceEncryptionUser); err != nil {
		delete(w.principals, ident)
		return err
	}
	d := &desState{spec: s, vault: km.vault, key: km.name, identity: ident}
	c, _, err := w.client(ident, km.vault)
	if err != nil {
		return err
	}
	inner, err := c.KEK(s.KeyID, envelope.RSAOAEP256)
	if err != nil {
		return refuseCause(op, "F45", ErrInvalid, "key URL", err)
	}
	d.kek = &desKEK{w: w, d: d, inner: inner}
	w.des[s.Name] = d
	return nil
}

// SetDESKey points a disk encryption set at another key or version (manual
// rotation, F50) and re-wraps every DEK under it. No sector is re-encrypted.
func (w *World) SetDESKey(desName, keyID string) error {
	const op = "SetDESKey"
	d, ok := w.des[desName]
	if !ok {
		return refuse(op, "", ErrNotFound, "DES "+desName)
	}
	km, _, err := w.lookupKeyID(op, keyID)
	if err != nil {
		return err
	}
	if km.vault != d.vault {
		return refuse(op, "F51", ErrInvalid, "the new key must be in the DES's vault")
	}
	c, _, err := w.client(d.identity, d.vault)
	if err != nil {
		return err
	}
	inner, err := c.KEK(keyID, envelope.RSAOAEP256)
	if err != nil {
		return refuseCause(op, "F45", ErrInvalid, "key URL", err)
	}
	nk := &desKEK{w: w, d: d, inner: inner}
	for _, dn := range w.disksOfDES(desName) {
		if err := w.disks[dn].m.Rewrap(disk.CustomerKey, nk); err != nil {
			return refuseCause(op, "F13", ErrKeyUnavailable, "re-wrapping disk "+dn, err)
		}
	}
	d.spec.KeyID, d.key, d.kek = keyID, km.name, nk
	return nil
}

// disksOfDES returns the names of the disks and snapshots encrypted through
// a DES, sorted.
func (w *World) disksOfDES(desName string) []string {
	var out []string
	for _, n := range sortedKeys(w.disks) {
		if w.disks[n].des == desName {
			out = append(out, n)
		}
	}
	return out
}

// scheduleRotationPickup re-wraps the DEKs of disks whose DES follows the
// rotated key, RotationPickup later (F50). VMs are not rebooted.
func (w *World) scheduleRotationPickup(vaultName, keyName string) {
	for _, dn := range sortedKeys(w.des) {
		d := w.des[dn]
		if d.vault != vaultName || d.key != keyName || !d.spec.AutoRotate {
			continue
		}
		w.schedule(w.Now().Add(w.opts.RotationPickup), "rotation pickup "+dn, func() { _ = w.rewrapDES(dn) })
	}
}

// rewrapDES re-wraps every DEK of a DES with its current key version. It
// reports the number of DEKs re-wrapped.
func (w *World) rewrapDES(desName string) int {
	d := w.des[desName]
	n := 0
	w.pickup = true
	defer func() { w.pickup = false }()
	for _, dn := range w.disksOfDES(desName) {
		if w.faulty(faultPickupReencrypts) { // mutation hook (faults.go)
			w.faultReencrypt(w.disks[dn])
		}
		if w.disks[dn].m.Rewrap(disk.CustomerKey, d.kek) == nil {
			n++
		}
	}
	for _, sn := range sortedKeys(w.snaps) {
		if s := w.snaps[sn]; s.des == desName && s.m.Rewrap(disk.CustomerKey, d.kek) == nil {
			n++
		}
	}
	return n
}

// afterKeyChange schedules the customer-key check of every DES of a vault
// RevocationDelay from now (F47).
func (w *World) afterKeyChange(vaultName string) {
	for _, dn := range sortedKeys(w.des) {
		if w.des[dn].vault != vaultName {
			continue
		}
		w.schedule(w.Now().Add(w.opts.RevocationDelay), "customer key check "+dn, func() { w.checkDES(dn) })
	}
}

// checkDES drops the cached DEKs of the DES's disks and unwraps them again;
// a disk whose key chain fails stays locked (its I/O fails) and its VM shuts
// down (F47).
func (w *World) checkDES(desName string) {
	if w.faulty(faultKeepDEKCache) { // mutation hook (faults.go)
		return
	}
	for _, dn := range w.disksOfDES(desName) {
		d := w.disks[dn]
		if !d.m.Unlocked() {
			continue
		}
		d.m.Lock()
		if err := d.m.Unlock(); err != nil {
			if vm, ok := w.vms[d.vm]; ok && vm.state == Running && !(d.ultra && w.opts.UltraNoAutoShutdown) {
				w.shutdown(vm, "customer key unavailable (F47)")
			}
		}
	}
}

// ledger records what was written to a volume, as SHA-256 digests by path,
// so that a verdict can check whether the plaintext comes back without the
// world keeping plaintext.
type ledger struct {
	files map[string][32]byte
	// lost names the fact by which earlier data was destroyed (F71), or "".
	lost string
}

func newLedger() *ledger { return &ledger{files: map[string][32]byte{}} }

func (l *ledger) clone() *ledger {
	c := &ledger{files: make(map[string][32]byte, len(l.files)), lost: l.lost}
	for k, v := range l.files {
		c.files[k] = v
	}
	return c
}

func (l *ledger) record(path string, data []byte) { l.files[path] = sha256.Sum256(data) }

// diskState is a managed disk.
type diskState struct {
	name, sub, region string
	sizeMiB           int64
	m                 *disk.Managed
	des               string
	ultra             bool
	everADE           bool // the UDE flag (F84)
	vm                string
	os                bool
	grant             string
	snapshots         int
	files             *ledger
	ade               *adeVol // nil when the disk holds no ADE volume
}

// DiskSpec describes an empty managed data disk.
type DiskSpec struct {
	Name         string
	Subscription string
	Region       string
	SizeMiB      int64
	// DES, when set, encrypts the disk with the DES's customer key (CMK or
	// double); otherwise the disk uses a platform key (PMK, F43, F45).
	DES string
	// Ultra marks an Ultra or Premium SSD v2 disk (F48, F55).
	Ultra bool
	// Encryption, when set, is the encryption type the request names, as
	// the Compute API's encryption.type does; it must agree with DES. Empty
	// means the type DES implies. There is no type without encryption
	// (F43): any other value is refused with ErrInvalid.
	Encryption EncryptionType
}

// EncryptionType is a managed disk's encryption type as the Compute API
// names it (F43, F45, F54). SSE cannot be turned off: there is no type
// without encryption.
type EncryptionType string

// The encryption types of a managed disk.
const (
	// EncryptionAtRestWithPlatformKey: SSE with a platform-managed key (PMK).
	EncryptionAtRestWithPlatformKey EncryptionType = "EncryptionAtRestWithPlatformKey"
	// EncryptionAtRestWithCustomerKey: SSE with a customer-managed key
	// through a disk encryption set (CMK).
	EncryptionAtRestWithCustomerKey EncryptionType = "EncryptionAtRestWithCustomerKey"
	// EncryptionAtRestWithPlatformAndCustomerKeys: double encryption, a
	// platform-key layer under a customer-key layer (F54).
	EncryptionAtRestWithPlatformAndCustomerKeys EncryptionType = "EncryptionAtRestWithPlatformAndCustomerKeys"
)

// checkEncryptionType refuses an encryption type that does not exist (F43)
// or that disagrees with the disk encryption set named (F45; F54 for the
// double-encryption type, which the DES's own type decides).
func (w *World) checkEncryptionType(op string, s DiskSpec) error {
	switch s.Encryption {
	case "":
		return nil
	case EncryptionAtRestWithPlatformKey, EncryptionAtRestWithCustomerKey, EncryptionAtRestWithPlatformAndCustomerKeys:
	default:
		return refuse(op, "F43", ErrInvalid, fmt.Sprintf("encryption type %q: SSE cannot be turned off; the types are %s, %s and %s",
			s.Encryption, EncryptionAtRestWithPlatformKey, EncryptionAtRestWithCustomerKey, EncryptionAtRestWithPlatformAndCustomerKeys))
	}
	want := EncryptionAtRestWithPlatformKey
	if s.DES != "" {
		d, ok := w.des[s.DES]
		if !ok {
			return refuse(op, "", ErrNotFound, "DES "+s.DES)
		}
		want = EncryptionAtRestWithCustomerKey
		if d.spec.Double {
			want = EncryptionAtRestWithPlatformAndCustomerKeys
		}
	}
	if s.Encryption != want {
		fact := "F45" // a customer key needs a DES, and a DES means one
		if s.Encryption == EncryptionAtRestWithPlatformAndCustomerKeys || want == EncryptionAtRestWithPlatformAndCustomerKeys {
			fact = "F54" // the DES's type decides double encryption
		}
		return refuse(op, fact, ErrInvalid, fmt.Sprintf("encryption type %s with DES %q: the disk would be %s", s.Encryption, s.DES, want))
	}
	return nil
}

// platformKEK returns the platform key of a region, creating it on first
// use from the world's random stream.
func (w *World) platformKEK(region string) (*envelope.AESKEK, error) {
	if k, ok := w.pmk[region]; ok {
		return k, nil
	}
	k, err := envelope.GenerateAESKEK(w.rand, "pmk://"+region+"/1", envelope.A256KW)
	if err != nil {
		return nil, err
	}
	w.pmk[region] = k
	return k, nil
}

// newManaged builds the SSE stack of a disk.
func (w *World) newManaged(op string, s DiskSpec) (*disk.Managed, error) {
	if s.SizeMiB <= 0 || s.SizeMiB > maxDiskMiB {
		return nil, refuse(op, "", ErrInvalid, fmt.Sprintf("disk size %d MiB out of range", s.SizeMiB))
	}
	if err := w.checkEncryptionType(op, s); err != nil {
		return nil, err
	}
	pmk, err := w.platformKEK(s.Region)
	if err != nil {
		return nil, err
	}
	cfg := disk.ManagedConfig{SectorSize: sectorSize, Sectors: uint64(s.SizeMiB) << 20 / sectorSize,
		Encryption: disk.EncryptionPlatformKey, PMK: pmk, Rand: w.rand}
	if s.DES != "" {
		d, ok := w.des[s.DES]
		if !ok {
			return nil, refuse(op, "", ErrNotFound, "DES "+s.DES)
		}
		if d.spec.Region != s.Region || d.spec.Subscription != s.Subscription {
			return nil, refuse(op, "F51", ErrRegionMismatch, "the DES must be in the disk's region and subscription")
		}
		if s.Ultra && d.spec.Double {
			return nil, refuse(op, "F55", ErrNotSupported, "double encryption is not supported on Ultra or Premium SSD v2 disks")
		}
		cfg.Encryption, cfg.PMK = disk.EncryptionCustomerKey, nil
		if d.spec.Double {
			cfg.Encryption, cfg.PMK = disk.EncryptionPlatformAndCustomerKeys, pmk
		}
		cfg.CMK = d.kek
	}
	m, err := disk.NewManaged(cfg)
	if err != nil {
		return nil, refuseCause(op, "F44", ErrKeyUnavailable, "wrapping the new disk's DEK", err)
	}
	return m, nil
}

// CreateDisk creates an empty managed data disk.
func (w *World) CreateDisk(s DiskSpec) error {
	const op = "CreateDisk"
	if err := w.checkPlace(op, s.Name, s.Subscription, s.Region); err != nil {
		return err
	}
	if _, ok := w.disks[s.Name]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("disk %q exists", s.Name))
	}
	m, err := w.newManaged(op, s)
	if err != nil {
		return err
	}
	w.disks[s.Name] = &diskState{name: s.Name, sub: s.Subscription, region: s.Region, sizeMiB: s.SizeMiB, m: m,
		des: s.DES, ultra: s.Ultra, files: newLedger()}
	return nil
}

// checkPlace validates a new resource's name, subscription and region.
func (w *World) checkPlace(op, name, sub, region string) error {
	if name == "" {
		return refuse(op, "", ErrInvalid, "empty name")
	}
	if _, ok := w.subs[sub]; !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("subscription %q", sub))
	}
	if _, ok := LookupRegion(region); !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("region %q", region))
	}
	return nil
}

// SetDiskEncryption assigns a DES to a disk (desName non-empty) or returns
// it to platform keys (desName empty). The disk must be detached or its VM
// deallocated; a disk that ever had ADE cannot use CMK (F53, F84); CMK
// cannot be removed from a disk with snapshots unless
// Options.CMKToPMKWithSnapshots (F49). The DEK is re-wrapped, not the data
// re-encrypted.
func (w *World) SetDiskEncryption(diskName, desName string) error {
	const op = "SetDiskEncryption"
	d, ok := w.disks[diskName]
	if !ok {
		return refuse(op, "", ErrNotFound, "disk "+diskName)
	}
	if vm, ok := w.vms[d.vm]; ok && vm.state != Deallocated {
		return refuse(op, "F49", ErrState, "the disk's VM must be deallocated")
	}
	if desName != "" && d.everADE {
		return refuse(op, "F53", ErrEncryptionConflict, "disks currently or previously encrypted with ADE cannot use customer-managed keys")
	}
	if desName == "" && d.des != "" && d.snapshots > 0 && !w.opts.CMKToPMKWithSnapshots {
		return refuse(op, "F49", ErrState, "CMK cannot be disabled on a disk with snapshots")
	}
	if desName == d.des {
		return nil
	}
	if d.des != "" && desName != "" || d.m.Encryption() == disk.EncryptionPlatformAndCustomerKeys {
		return refuse(op, "F54", ErrNotSupported, "switch to platform keys before choosing another DES")
	}
	if desName == "" {
		return refuse(op, "F49", ErrNotSupported, "switching CMK back to PMK re-encrypts through a new disk in this simulation: copy the data to a new disk")
	}
	ds, ok := w.des[desName]
	if !ok {
		return refuse(op, "", ErrNotFound, "DES "+desName)
	}
	if ds.spec.Region != d.region || ds.spec.Subscription != d.sub {
		return refuse(op, "F51", ErrRegionMismatch, "the DES must be in the disk's region and subscription")
	}
	if ds.spec.Double {
		return refuse(op, "F54", ErrNotSupported, "double encryption applies to new disks in this simulation")
	}
	// PMK -> CMK: the storage service moves the data under a new DEK
	// wrapped by the customer key. (Azure re-wraps the existing DEK; the
	// disk layer fixes a disk's SSE type at creation, so the simulation
	// copies the written sectors, which is observably the same.)
	nm, err := w.newManaged(op, DiskSpec{Name: d.name, Subscription: d.sub, Region: d.region, SizeMiB: d.sizeMiB, DES: desName, Ultra: d.ultra})
	if err != nil {
		return err
	}
	if err := copyWritten(nm, d.m); err != nil {
		return refuseCause(op, "F47", ErrKeyUnavailable, "reading the disk through the storage service", err)
	}
	w.touch(d.m)
	d.m = nm
	d.des = desName
	return nil
}

// copyWritten copies every written sector of src to dst through their
// storage layers (plaintext as the storage service sees it), run by run.
func copyWritten(dst, src interface {
	disk.Device
	NextWritten(uint64) (uint64, uint64, bool)
}) error {
	if dst.Sectors() < src.Sectors() || dst.SectorSize() != src.SectorSize() {
		return fmt.Errorf("lifecycle: copy into a smaller disk")
	}
	const chunk = 256
	buf := make([]byte, chunk*src.SectorSize())
	for s := uint64(0); s < src.Sectors(); {
		first, n, ok := src.NextWritten(s)
		if !ok {
			break
		}
		for n > 0 {
			k := min(n, chunk)
			b := buf[:k*uint64(src.SectorSize())]
			if err := src.ReadSectors(b, first); err != nil {
				return err
			}
			if err := dst.WriteSectors(b, first); err != nil {
				return err
			}
			first += k
			n -= k
		}
		s = first
	}
	return nil
}

// reserveMiB is the room a guest leaves at the end of a volume when it
// creates a file system, so that ADE can later encrypt it in place (the
// header needs room, as cryptsetup's --reduce-device-size does).
const reserveMiB = 2

// partition is the first n sectors of a device.
type partition struct {
	disk.Device
	n uint64
}

func (p partition) Sectors() uint64 { return p.n }
func (p partition) ReadSectors(b []byte, first uint64) error {
	if _, err := disk.CheckIO(p.SectorSize(), p.n, b, first); err != nil {
		return err
	}
	return p.Device.ReadSectors(b, first)
}
func (p partition) WriteSectors(b []byte, first uint64) error {
	if _, err := disk.CheckIO(p.SectorSize(), p.n, b, first); err != nil {
		return err
	}
	return p.Device.WriteSectors(b, first)
}

// GuestInodes is how many files and folders, root included, the file
// system a guest creates on a volume holds; writing more fails with
// [disk.ErrNoSpace]. A guest in the simulation writes a handful of files
// per volume, and a small inode table keeps formatting and mounting (which
// reads and checks every inode block) cheap.
const GuestInodes = 126 // 18 inode blocks of 7

// formatFS creates the guest's file system on dev, leaving reserveMiB free
// at the end.
func formatFS(dev disk.Device) (*disk.FileSystem, error) {
	r := uint64(reserveMiB<<20) / uint64(dev.SectorSize())
	if dev.Sectors() <= 2*r {
		return nil, fmt.Errorf("lifecycle: device too small for a file system")
	}
	if _, err := disk.Format(partition{dev, dev.Sectors() - r}, &disk.FormatOptions{Inodes: GuestInodes}); err != nil {
		return nil, err
	}
	return disk.Mount(dev)
}
