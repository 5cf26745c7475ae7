package lifecycle

import (
	"errors"
	"fmt"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/envelope"
)

// VMState is the power state of a VM.
type VMState int

// The VM states. The zero value is invalid.
const (
	VMStateUnknown VMState = iota
	// Running: allocated and booted; the host caches the disks' DEKs and
	// the guest holds its ADE volume keys in memory.
	Running
	// Stopped: shut down but still allocated: the temp disk and the BEK
	// volume survive (F82).
	Stopped
	// Deallocated: released from its host: the temp disk is lost and the
	// next start fetches the BEK from Key Vault again (F82).
	Deallocated
)

var vmStateNames = [...]string{"unknown", "running", "stopped", "deallocated"}

// String names the state.
func (s VMState) String() string {
	if s < 0 || int(s) >= len(vmStateNames) {
		return "unknown"
	}
	return vmStateNames[s]
}

// TempDisk is the name guest file operations use for a VM's temp disk.
const TempDisk = "temp"

// tempDiskMiB is the simulated size of every temp disk: the real sizes
// (tens of GiB) change nothing the verdicts depend on.
const tempDiskMiB = 16

// defaultOSDiskMiB is the OS disk size when VMSpec.OSDiskMiB is zero; the
// simulation scales disks down, since only what is written costs memory.
const defaultOSDiskMiB = 32

// VMSpec describes a VM to create.
type VMSpec struct {
	Name         string
	Subscription string
	Region       string
	// Image names a catalogue image (see [Images]) or a custom image of
	// the world.
	Image string
	// Size names a VM size (see [Sizes]).
	Size string
	// OSDiskMiB is the OS disk size; zero means 32 MiB.
	OSDiskMiB int64
	// OSDiskDES, when set, encrypts the OS disk with the DES's customer key.
	OSDiskDES string
	// EncryptionAtHost encrypts the temp disk and caches on the host (F57);
	// it needs the subscription feature and a supporting size (F58).
	EncryptionAtHost bool
}

// vmState is a VM.
type vmState struct {
	spec    VMSpec
	image   Image
	size    Size
	state   VMState
	reason  string
	osDisk  string
	data    []string // data disks by LUN
	eah     bool
	everADE bool
	ade     *adeConfig
	bek     *secretBytes // the BEK volume's content, while allocated (F82)
	temp    *disk.Temp
	tmpLed  *ledger
	guest   map[string]*gmount // mounted volumes while running
	mounted map[string]bool    // volumes the guest mounts at boot
	hostKey *envelope.Wrapped  // the host's temp-disk key, wrapped by the platform key
	// caches are the host's caches of the VM's disks by disk name, while
	// the VM is allocated (cache.go, F57, F59).
	caches map[string]*hostCache
}

// description returns a copy of the VM's description (spec, image, size)
// that shares nothing with the VM on its host: no host caches, guest
// mounts, mounted-volume set, BEK volume, temp disk or host key.
func (vm *vmState) description() *vmState {
	return &vmState{spec: vm.spec, image: vm.image, size: vm.size}
}

// gmount is a volume the running guest has mounted.
type gmount struct {
	vol *disk.Volume // the open ADE volume, nil without ADE
	fs  *disk.FileSystem
}

// CreateVM creates a VM from an image with an OS disk, and starts it. The
// OS disk gets a file system holding /etc/os-release (or
// /Windows/System32/config/SYSTEM), recorded as written data.
func (w *World) CreateVM(s VMSpec) error {
	const op = "CreateVM"
	if err := w.checkPlace(op, s.Name, s.Subscription, s.Region); err != nil {
		return err
	}
	if _, ok := w.vms[s.Name]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("VM %q exists", s.Name))
	}
	im, ok := w.image(s.Image)
	if !ok {
		return refuse(op, "F74", ErrNotFound, fmt.Sprintf("image %q", s.Image))
	}
	if im.fromADE {
		return refuse(op, "F75", ErrNotSupported, "an image of an ADE-encrypted VM cannot be used to deploy VMs")
	}
	sz, ok := lookupSize(s.Size)
	if !ok {
		return refuse(op, "", ErrNotFound, fmt.Sprintf("size %q", s.Size))
	}
	if s.EncryptionAtHost {
		if !w.subs[s.Subscription].eah {
			return refuse(op, "F58", ErrNotSupported, "the subscription has not registered Microsoft.Compute/EncryptionAtHost")
		}
		if !sz.EAH {
			return refuse(op, "F58", ErrNotSupported, "the size does not support encryption at host")
		}
	}
	if s.OSDiskMiB == 0 {
		s.OSDiskMiB = defaultOSDiskMiB
	}
	osName := s.Name + "-osdisk"
	if _, ok := w.disks[osName]; ok {
		return refuse(op, "", ErrInvalid, fmt.Sprintf("disk %q exists", osName))
	}
	m, err := w.newManaged(op, DiskSpec{Name: osName, Subscription: s.Subscription, Region: s.Region, SizeMiB: s.OSDiskMiB, DES: s.OSDiskDES})
	if err != nil {
		return err
	}
	d := &diskState{name: osName, sub: s.Subscription, region: s.Region, sizeMiB: s.OSDiskMiB, m: m, des: s.OSDiskDES,
		vm: s.Name, os: true, files: newLedger()}
	if im.content != nil {
		if err := copyWritten(m, im.content); err != nil {
			return refuseCause(op, "F112", ErrKeyUnavailable, "reading the image", err)
		}
		d.files = im.files.clone()
	} else {
		fs, err := formatFS(m)
		if err != nil {
			return refuseCause(op, "", ErrInvalid, "formatting the OS disk", err)
		}
		p, data := osFile(im)
		if err := fs.WriteFile(p, data); err != nil {
			return refuseCause(op, "", ErrInvalid, "writing the OS disk", err)
		}
		d.files.record(p, data)
	}
	vm := &vmState{spec: s, image: im, size: sz, state: Deallocated, osDisk: osName, eah: s.EncryptionAtHost,
		mounted: map[string]bool{osName: true}, tmpLed: newLedger()}
	w.disks[osName] = d
	w.vms[s.Name] = vm
	if err := w.start(op, vm); err != nil {
		delete(w.disks, osName)
		delete(w.vms, s.Name)
		return err
	}
	return nil
}

// osFile is the file an image puts on its OS disk.
func osFile(im Image) (string, []byte) {
	if im.OS == Windows {
		return "/Windows/System32/config/SYSTEM", []byte("Windows " + im.Distro + " " + im.Version + "\n")
	}
	return "/etc/os-release", []byte("NAME=\"" + im.Distro + "\"\nVERSION_ID=\"" + im.Version + "\"\n")
}

// image returns a catalogue or custom image.
func (w *World) image(name string) (Image, bool) {
	if im, ok := w.custom[name]; ok {
		return im, true
	}
	return lookupImage(name)
}

func (w *World) vm(op, name string) (*vmState, error) {
	vm, ok := w.vms[name]
	if !ok {
		return nil, refuse(op, "", ErrNotFound, "VM "+name)
	}
	return vm, nil
}

// VMStatus returns a VM's power state and, if it was stopped by the
// platform, why.
func (w *World) VMStatus(name string) (VMState, string, error) {
	vm, err := w.vm("VMStatus", name)
	if err != nil {
		return VMStateUnknown, "", err
	}
	return vm.state, vm.reason, nil
}

// Start boots a stopped or deallocated VM: the host unwraps each disk's
// DEK (F47), the platform fetches the BEK from Key Vault after a
// deallocation (F82), the guest unlocks its ADE volumes and mounts its
// volumes. It fails while a disk has an active SAS (F105).
func (w *World) Start(name string) error {
	vm, err := w.vm("Start", name)
	if err != nil {
		return err
	}
	if vm.state == Running {
		return nil
	}
	return w.start("Start", vm)
}

// vmDisks returns the OS disk then the data disks of a VM.
func (vm *vmState) disks() []string { return append([]string{vm.osDisk}, vm.data...) }

// start boots a VM; a failed boot leaves its host caches as they were.
func (w *World) start(op string, vm *vmState) error {
	err := w.boot(op, vm)
	w.settleCaches(vm, err == nil)
	return err
}

// bootBar returns why the platform refuses to boot vm whatever keys it
// can obtain, or nil: an active SAS on one of its disks (F105), or ADE past
// its retirement, when encrypted volumes fail to unlock at boot (F64).
// boot and the verdicts that boot a VM that is not running (canBoot,
// adeLayer) all ask it, so that a verdict never reads through a boot that
// Start refuses.
func (w *World) bootBar(op string, vm *vmState) *RefusedError {
	for _, dn := range vm.disks() {
		if w.disks[dn].grant != "" {
			return &RefusedError{Op: op, Fact: "F105", Err: ErrActiveSAS, Detail: "a SAS is active on disk " + dn}
		}
	}
	if vm.ade != nil && w.adeRetired() {
		return &RefusedError{Op: op, Fact: "F64", Err: ErrBootFailure, Detail: "Azure Disk Encryption is retired: encrypted volumes fail to unlock after reboot"}
	}
	return nil
}

// adeRetired reports whether ADE is past its retirement (F64).
func (w *World) adeRetired() bool { return !w.Now().Before(w.opts.ADERetirement) }

func (w *World) boot(op string, vm *vmState) error {
	if bar := w.bootBar(op, vm); bar != nil {
		return bar
	}
	for _, dn := range vm.disks() {
		if err := w.disks[dn].m.Unlock(); err != nil {
			w.lockDisks(vm)
			err = refuseCause(op, "F47", ErrKeyUnavailable, "disk "+dn+": the host cannot unwrap its DEK", err)
			if w.cmkLost(w.disks[dn].des) {
				return unrecoverable(op, "disk "+dn, err)
			}
			return err
		}
	}
	if err := w.startCaches(vm); err != nil {
		w.lockDisks(vm)
		return cacheRefusal(op, err)
	}
	bek := vm.bek
	if vm.ade != nil && (bek == nil || vm.state == Deallocated) {
		b, err := w.fetchBEK(op, vm.ade, adePlatformID)
		if err != nil {
			w.lockDisks(vm)
			if w.adeLost(vm.ade.vol(vm.image.OS)) {
				return unrecoverable(op, "the ADE volumes of "+vm.spec.Name, err)
			}
			return err
		}
		bek = b
	}
	guest := map[string]*gmount{}
	for _, dn := range vm.disks() {
		if !vm.mounted[dn] {
			continue
		}
		g, err := w.mountDisk(op, vm, w.disks[dn], bek)
		if err != nil {
			w.lockDisks(vm)
			return err
		}
		guest[dn] = g
	}
	if vm.state == Deallocated {
		if err := w.newTemp(vm, bek); err != nil {
			w.lockDisks(vm)
			return refuseCause(op, "", ErrInvalid, "temp disk", err)
		}
	}
	if vm.temp != nil {
		g, err := w.mountTemp(vm, bek)
		if err != nil {
			w.lockDisks(vm)
			return refuseCause(op, "F70", ErrBootFailure, "temp disk", err)
		}
		guest[TempDisk] = g
	}
	vm.guest, vm.bek, vm.state, vm.reason = guest, bek, Running, ""
	return nil
}

// lockDisks drops the host's cached DEKs of a VM's disks.
func (w *World) lockDisks(vm *vmState) {
	for _, dn := range vm.disks() {
		w.disks[dn].m.Lock()
	}
}

// mountDisk opens the volume on a managed disk as the guest does, through
// the host's cache: unlock the ADE volume with the BEK if there is one,
// then mount the file system.
func (w *World) mountDisk(op string, vm *vmState, d *diskState, bek *secretBytes) (*gmount, error) {
	var dev disk.Device = vm.guestDevice(d)
	g := &gmount{}
	if d.ade != nil {
		if bek == nil {
			return nil, refuse(op, "F82", ErrBootFailure, "disk "+d.name+": no BEK to unlock the volume")
		}
		v, err := disk.OpenVolume(dev, bek.bytes())
		if err != nil {
			return nil, refuseCause(op, "F82", ErrBootFailure, "disk "+d.name+": unlocking the volume", err)
		}
		g.vol, dev = v, v
	}
	fs, err := disk.Mount(dev)
	if errors.Is(err, disk.ErrNoFileSystem) && !d.os {
		fs, err = formatFS(dev) // a new data disk: the guest creates a file system
	}
	if err != nil {
		return nil, refuseCause(op, "", ErrState, "disk "+d.name+": mounting", err)
	}
	g.fs = fs
	return g, nil
}

// newTemp gives a VM a fresh temp disk, as a new host does: plaintext,
// encrypted by the host (F57, F56 for v5+ sizes), and re-encrypted by ADE
// when ADE covers it (F70).
func (w *World) newTemp(vm *vmState, bek *secretBytes) error {
	vm.temp, vm.tmpLed = nil, newLedger()
	if vm.size.TempDiskGB == 0 {
		return nil
	}
	t, err := disk.NewTemp(sectorSize, tempDiskMiB<<20/sectorSize)
	if err != nil {
		return err
	}
	vm.temp = t
	dev, err := w.tempDevice(vm)
	if err != nil {
		return err
	}
	if vm.ade != nil && vm.ade.coversTemp(vm.image.OS) {
		v, err := disk.EncryptVolume(dev, bek.bytes(), disk.VolumeConfig{Kind: volumeKind(vm.image.OS), Mode: disk.EncryptInPlace, KDFIterations: kdfIterations, Rand: w.rand})
		if err != nil {
			return err
		}
		dev = v
	}
	_, err = formatFS(dev)
	return err
}

// hostEncryptsTemp reports whether the host encrypts the VM's temp disk at
// rest: encryption at host (F57) or a v5+ size (F56, Options.V5TempDiskEncrypted).
func (w *World) hostEncryptsTemp(vm *vmState) bool {
	if w.faulty(faultTempPlain) { // mutation hook (faults.go)
		return false
	}
	return vm.eah || w.opts.V5TempDiskEncrypted && vm.size.Series >= 5
}

// tempDevice returns the temp disk as the guest sees it below ADE: through
// the host's encryption layer when there is one.
func (w *World) tempDevice(vm *vmState) (disk.Device, error) {
	if !w.hostEncryptsTemp(vm) {
		return vm.temp, nil
	}
	pmk, err := w.platformKEK(vm.spec.Region)
	if err != nil {
		return nil, err
	}
	hk, err := w.hostKey(vm, pmk)
	if err != nil {
		return nil, err
	}
	return disk.NewHostEncryption(vm.temp, hk)
}

func (w *World) mountTemp(vm *vmState, bek *secretBytes) (*gmount, error) {
	dev, err := w.tempDevice(vm)
	if err != nil {
		return nil, err
	}
	g := &gmount{}
	if vm.ade != nil && vm.ade.coversTemp(vm.image.OS) {
		v, err := disk.OpenVolume(dev, bek.bytes())
		if err != nil {
			return nil, err
		}
		g.vol, dev = v, v
	}
	fs, err := disk.Mount(dev)
	if err != nil {
		return nil, err
	}
	g.fs = fs
	return g, nil
}

// shutdown stops a VM by the platform's decision, recording why.
func (w *World) shutdown(vm *vmState, reason string) {
	vm.guest, vm.state, vm.reason = nil, Stopped, reason
	w.lockDisks(vm)
}

// Stop shuts a VM down, keeping it allocated: the temp disk and the BEK
// volume survive; the guest's volume keys leave memory.
func (w *World) Stop(name string) error {
	vm, err := w.vm("Stop", name)
	if err != nil {
		return err
	}
	if vm.state == Running {
		vm.guest, vm.state, vm.reason = nil, Stopped, ""
		w.lockDisks(vm)
	}
	return nil
}

// Deallocate releases a VM from its host: the temp disk's contents (F70)
// and the BEK volume (F82) are gone, and so are the host's caches of its
// disks (a simulation choice inferred from F57 and F70: the caches are
// host-local, as the temp disk is; no document says what becomes of them).
// Stop and Restart keep the VM on its host, so they keep the temp disk and
// the caches; only deallocation (and the fresh host of the next start)
// loses them.
func (w *World) Deallocate(name string) error {
	vm, err := w.vm("Deallocate", name)
	if err != nil {
		return err
	}
	vm.guest, vm.state, vm.reason = nil, Deallocated, ""
	if !w.faulty(faultBEKSurvivesDeallocate) { // mutation hook (faults.go)
		vm.bek = nil
	}
	if vm.temp != nil {
		vm.temp.Reset()
	}
	// The record of what was written goes with the bytes: nothing written
	// is left to read on the released temp disk (KNOWN-1 of PROPERTIES.md).
	vm.tmpLed = newLedger()
	vm.caches = nil
	w.lockDisks(vm)
	return nil
}

// Restart reboots a running VM: the guest drops and re-opens its volumes
// with the BEK volume (F82).
func (w *World) Restart(name string) error {
	if err := w.Stop(name); err != nil {
		return err
	}
	return w.Start(name)
}

// AttachDisk attaches a detached data disk to a VM at the next LUN. The
// guest sees it after Mount.
func (w *World) AttachDisk(vmName, diskName string) error {
	const op = "AttachDisk"
	vm, err := w.vm(op, vmName)
	if err != nil {
		return err
	}
	d, ok := w.disks[diskName]
	if !ok {
		return refuse(op, "", ErrNotFound, "disk "+diskName)
	}
	switch {
	case d.vm != "":
		return refuse(op, "", ErrState, "disk "+diskName+" is attached to "+d.vm)
	case d.region != vm.spec.Region || d.sub != vm.spec.Subscription:
		return refuse(op, "F51", ErrRegionMismatch, "the disk must be in the VM's region and subscription")
	case d.grant != "":
		return refuse(op, "F105", ErrActiveSAS, "disk "+diskName)
	case vm.eah && d.everADE:
		return refuse(op, "F58", ErrEncryptionConflict, "a disk that had ADE cannot join a VM with encryption at host")
	}
	if vm.state == Running {
		was := d.m.Unlocked()
		if err := d.m.Unlock(); err != nil {
			return refuseCause(op, "F47", ErrKeyUnavailable, "the host cannot unwrap the disk's DEK", err)
		}
		c, err := w.newCache(vm, d)
		if err != nil {
			restoreLock(d.m, was) // a refused attach leaves the disk as it was
			return cacheRefusal(op, err)
		}
		vm.caches[diskName] = c
	}
	d.vm = vmName
	vm.data = append(vm.data, diskName)
	return nil
}

// DetachDisk detaches a data disk; the guest unmounts it first and the
// host drops its cache of it.
func (w *World) DetachDisk(vmName, diskName string) error {
	const op = "DetachDisk"
	vm, err := w.vm(op, vmName)
	if err != nil {
		return err
	}
	i := indexOf(vm.data, diskName)
	if i < 0 {
		return refuse(op, "", ErrNotFound, "disk "+diskName+" on "+vmName)
	}
	vm.data = append(vm.data[:i:i], vm.data[i+1:]...)
	delete(vm.guest, diskName)
	delete(vm.mounted, diskName)
	delete(vm.caches, diskName)
	d := w.disks[diskName]
	d.vm = ""
	d.m.Lock()
	return nil
}

// Mount makes the guest mount a data disk (creating a file system on a new
// empty disk). ADE encrypts only mounted volumes (F69).
func (w *World) Mount(vmName, diskName string) error {
	const op = "Mount"
	vm, err := w.vm(op, vmName)
	if err != nil {
		return err
	}
	if vm.state != Running {
		return refuse(op, "", ErrState, "the VM is not running")
	}
	if indexOf(vm.disks(), diskName) < 0 {
		return refuse(op, "", ErrNotFound, "disk "+diskName+" on "+vmName)
	}
	if vm.guest[diskName] != nil {
		return nil
	}
	g, err := w.mountDisk(op, vm, w.disks[diskName], vm.bek)
	if err != nil {
		return err
	}
	vm.guest[diskName] = g
	vm.mounted[diskName] = true
	return nil
}

// Unmount makes the guest unmount a data disk.
func (w *World) Unmount(vmName, diskName string) error {
	vm, err := w.vm("Unmount", vmName)
	if err != nil {
		return err
	}
	if diskName == vm.osDisk {
		return refuse("Unmount", "", ErrInvalid, "the OS volume stays mounted")
	}
	delete(vm.guest, diskName)
	delete(vm.mounted, diskName)
	return nil
}

// guestFS returns the mounted file system of a VM's volume.
func (w *World) guestFS(op, vmName, diskName string) (*vmState, *gmount, error) {
	vm, err := w.vm(op, vmName)
	if err != nil {
		return nil, nil, err
	}
	if vm.state != Running {
		return nil, nil, refuse(op, "", ErrState, "the VM is "+vm.state.String())
	}
	g := vm.guest[diskName]
	if g == nil {
		return nil, nil, refuse(op, "F69", ErrState, "volume "+diskName+" is not mounted")
	}
	return vm, g, nil
}

// WriteFile writes a file through the guest: file system, ADE volume if
// any, SSE, media (or the temp disk's layers, diskName TempDisk).
func (w *World) WriteFile(vmName, diskName, path string, data []byte) error {
	const op = "WriteFile"
	vm, g, err := w.guestFS(op, vmName, diskName)
	if err != nil {
		return err
	}
	if diskName == TempDisk { // the device written to (memo.go)
		w.touch(vm.temp)
	} else {
		w.touch(w.disks[diskName].m)
	}
	if err := g.fs.WriteFile(path, data); err != nil {
		if errors.Is(err, disk.ErrKeyUnavailable) {
			return refuseCause(op, "F47", ErrKeyUnavailable, "disk I/O failed", err)
		}
		return refuseCause(op, "", ErrInvalid, "guest write", err)
	}
	if diskName == TempDisk {
		vm.tmpLed.record(path, data)
	} else {
		w.disks[diskName].files.record(path, data)
		vm.cacheFile(diskName, path)
		w.syncVM(vmName)
	}
	return nil
}

// ReadFile reads a file through the guest.
func (w *World) ReadFile(vmName, diskName, path string) ([]byte, error) {
	const op = "ReadFile"
	vm, g, err := w.guestFS(op, vmName, diskName)
	if err != nil {
		return nil, err
	}
	b, err := g.fs.ReadFile(path)
	if err != nil {
		if errors.Is(err, disk.ErrKeyUnavailable) {
			return nil, refuseCause(op, "F47", ErrKeyUnavailable, "disk I/O failed", err)
		}
		return nil, refuseCause(op, "", ErrNotFound, "guest read", err)
	}
	vm.cacheFile(diskName, path) // what the guest read is in its host's cache
	return b, nil
}

// ListDir lists a folder through the guest.
func (w *World) ListDir(vmName, diskName, path string) ([]string, error) {
	const op = "ListDir"
	_, g, err := w.guestFS(op, vmName, diskName)
	if err != nil {
		return nil, err
	}
	fis, err := g.fs.ReadDir(path)
	if err != nil {
		return nil, refuseCause(op, "", ErrNotFound, "guest list", err)
	}
	out := make([]string, len(fis))
	for i, fi := range fis {
		out[i] = fi.Name
	}
	return out, nil
}
