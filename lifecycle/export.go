package lifecycle

import (
	"fmt"
	"io"
	"time"

	"github.com/atrest-sim/atrest/disk"
)

// grant is an active read SAS on a disk or snapshot (F105).
type grant struct {
	name, target string
	snapshot     bool
	who          string
	expires      time.Time
}

// vhdFile is a downloaded fixed VHD: real bytes, with all-zero blocks left
// out of memory (see sparseFile).
type vhdFile struct {
	name    string
	region  string
	f       *sparseFile
	files   *ledger
	ade     *adeVol
	holders map[string]bool // principals (cloud) and "host:" + name (on premises)
}

// host is an on-premises machine: no access to the cloud's key vaults,
// only the VHDs copied to it and the BEKs handed to it.
type host struct {
	name string
	beks []heldBEK
}

type heldBEK struct {
	secretID string
	bek      *secretBytes
}

// snapState is a managed snapshot (F61).
type snapState struct {
	name, sub, region, source string
	m                         *disk.Managed
	des                       string
	everADE                   bool
	files                     *ledger
	ade                       *adeVol
	grant                     string
}

// GrantAccess gives principal who a read SAS on a disk or snapshot for d
// (F105) and returns the grant's name. The principal needs export
// permission (F116); a disk must be detached or its VM not running (F105).
// The grant expires after d.
func (w *World) GrantAccess(who, target string, d time.Duration) (string, error) {
	const op = "GrantAccess"
	p, ok := w.principals[who]
	if !ok {
		return "", refuse(op, "", ErrNotFound, "principal "+who)
	}
	if d <= 0 {
		return "", refuse(op, "F105", ErrInvalid, "duration must be positive")
	}
	var sub string
	var cur *string
	snap := false
	if dk, ok := w.disks[target]; ok {
		if vm, ok := w.vms[dk.vm]; ok && vm.state == Running {
			return "", refuse(op, "F105", ErrState, "the disk is attached to a running VM; stop it or export a snapshot")
		}
		sub, cur = dk.sub, &dk.grant
	} else if sn, ok := w.snaps[target]; ok {
		sub, cur, snap = sn.sub, &sn.grant, true
	} else {
		return "", refuse(op, "", ErrNotFound, target)
	}
	if !p.compute[sub].canExport() && !w.faulty(faultExportUnchecked) { // mutation hook (faults.go)
		return "", refuse(op, "F116", ErrForbidden, who+" has no export permission ("+p.compute[sub].String()+")")
	}
	if *cur != "" {
		return *cur, nil
	}
	w.seq++
	g := &grant{name: fmt.Sprintf("sas-%d", w.seq), target: target, snapshot: snap, who: who, expires: w.Now().Add(d)}
	w.grants[g.name] = g
	*cur = g.name
	w.schedule(g.expires, "SAS expiry "+g.name, func() { w.endGrant(g.name) })
	return g.name, nil
}

// RevokeAccess ends a SAS grant (revoke-access, F105).
func (w *World) RevokeAccess(grantName string) error {
	if _, ok := w.grants[grantName]; !ok {
		return refuse("RevokeAccess", "", ErrNotFound, "grant "+grantName)
	}
	w.endGrant(grantName)
	return nil
}

func (w *World) endGrant(name string) {
	g, ok := w.grants[name]
	if !ok {
		return
	}
	delete(w.grants, name)
	if d, ok := w.disks[g.target]; ok && d.grant == name {
		d.grant = ""
	}
	if s, ok := w.snaps[g.target]; ok && s.grant == name {
		s.grant = ""
	}
}

// storageView returns what the storage service serves for a disk or
// snapshot: the SSE device, its ledger and ADE record.
func (w *World) storageView(target string) (*disk.Managed, *ledger, *adeVol, string, bool) {
	if d, ok := w.disks[target]; ok {
		return d.m, d.files, d.ade, d.region, true
	}
	if s, ok := w.snaps[target]; ok {
		return s.m, s.files, s.ade, s.region, true
	}
	return nil, nil, nil, "", false
}

// storageDES returns the DES of a disk or snapshot, "" for platform keys.
func (w *World) storageDES(target string) string {
	if d, ok := w.disks[target]; ok {
		return d.des
	}
	if s, ok := w.snaps[target]; ok {
		return s.des
	}
	return ""
}

// DownloadVHD downloads the target of an active grant as a fixed VHD named
// vhdName, held by the grant's principal in the cloud. The storage service
// decrypts SSE on the way out (F106): the VHD holds the plaintext of SSE
// disks and the guest ciphertext of ADE volumes. With a revoked customer
// key the reads fail (F107).
func (w *World) DownloadVHD(grantName, vhdName string) error {
	const op = "DownloadVHD"
	g, ok := w.grants[grantName]
	if !ok {
		return refuse(op, "F105", ErrNotFound, "no active grant "+grantName)
	}
	if _, ok := w.vhds[vhdName]; ok || vhdName == "" {
		return refuse(op, "", ErrInvalid, "bad or duplicate VHD name")
	}
	m, files, ade, region, _ := w.storageView(g.target)
	was := m.Unlocked()
	defer restoreLock(m, was)
	f := &sparseFile{}
	var src disk.Device = m
	if w.faulty(faultExportRaw) { // mutation hook (faults.go)
		src = m.Raw()
	}
	if ade != nil && w.faulty(faultExportDecrypted) { // mutation hook (faults.go)
		if b, err := w.fetchVolBEK(op, ade, adePlatformID); err == nil {
			if v, err := disk.OpenVolume(m, b.bytes()); err == nil {
				src = v
			}
		}
	}
	if _, err := disk.WriteVHD(f, src, &disk.VHDOptions{Now: w.Now, Rand: w.rand}); err != nil {
		err = refuseCause(op, "F107", ErrKeyUnavailable, "reading the disk through the storage service", err)
		if w.cmkLost(w.storageDES(g.target)) {
			return unrecoverable(op, g.target, err)
		}
		return err
	}
	v := &vhdFile{name: vhdName, region: region, f: f, files: files.clone(), holders: map[string]bool{g.who: true}}
	if ade != nil {
		c := *ade
		v.ade = &c
	}
	w.vhds[vhdName] = v
	return nil
}

// SaveVHD writes the bytes of the downloaded VHD vhdName to dst, as its
// holders have the file: a fixed VHD that tools outside the simulation
// (qemu-img, cryptsetup, a hypervisor) can open. It returns the number of
// bytes written. The file holds what the storage service handed out (F106):
// plaintext sectors of an SSE-only disk, guest ciphertext of an ADE volume.
func (w *World) SaveVHD(vhdName string, dst io.Writer) (int64, error) {
	v, ok := w.vhds[vhdName]
	if !ok {
		return 0, refuse("SaveVHD", "", ErrNotFound, "VHD "+vhdName)
	}
	n, err := io.Copy(dst, io.NewSectionReader(v.f, 0, v.f.Size()))
	if err != nil {
		return n, refuseCause("SaveVHD", "", ErrInvalid, "writing the VHD", err)
	}
	return n, nil
}

// restoreLock puts a disk's DEK cache back as it was before a transient
// read by the storage service or a verdict.
func restoreLock(m *disk.Managed, wasUnlocked bool) {
	if !wasUnlocked {
		m.Lock()
	}
}

// AddHost adds an on-premises host.
func (w *World) AddHost(name string) error {
	if name == "" {
		return refuse("AddHost", "", ErrInvalid, "empty name")
	}
	if _, ok := w.hosts[name]; ok {
		return refuse("AddHost", "", ErrInvalid, "host "+name+" exists")
	}
	w.hosts[name] = &host{name: name}
	return nil
}

// CopyVHDToHost copies a downloaded VHD to an on-premises host.
func (w *World) CopyVHDToHost(vhdName, hostName string) error {
	v, ok := w.vhds[vhdName]
	if !ok {
		return refuse("CopyVHDToHost", "", ErrNotFound, "VHD "+vhdName)
	}
	if _, ok := w.hosts[hostName]; !ok {
		return refuse("CopyVHDToHost", "", ErrNotFound, "host "+hostName)
	}
	v.holders["host:"+hostName] = true
	return nil
}

// HandBEKToHost has principal who obtain the BEK secret secretID from Key
// Vault (with its own permissions, unwrapping with the KEK if needed) and
// hand it to an on-premises host.
func (w *World) HandBEKToHost(who, secretID, hostName string) error {
	const op = "HandBEKToHost"
	h, ok := w.hosts[hostName]
	if !ok {
		return refuse(op, "", ErrNotFound, "host "+hostName)
	}
	v := w.volBySecret(secretID)
	if v == nil {
		return refuse(op, "F65", ErrNotFound, "no ADE volume uses secret "+secretID)
	}
	bek, err := w.fetchVolBEK(op, v, who)
	if err != nil {
		err = refuseCause(op, "F65", ErrForbidden, who+" cannot obtain the BEK", err)
		if w.adeLost(v) {
			return unrecoverable(op, "the BEK", err)
		}
		return err
	}
	h.beks = append(h.beks, heldBEK{secretID: secretID, bek: bek})
	return nil
}

// volBySecret finds an ADE record naming a secret id.
func (w *World) volBySecret(id string) *adeVol {
	for _, n := range sortedKeys(w.disks) {
		if a := w.disks[n].ade; a != nil && a.secretID == id {
			return a
		}
	}
	for _, n := range sortedKeys(w.vhds) {
		if a := w.vhds[n].ade; a != nil && a.secretID == id {
			return a
		}
	}
	return nil
}

// BEKSecretID returns the versioned id of the BEK secret protecting a
// disk's ADE volume, or "" if the disk has none.
func (w *World) BEKSecretID(diskName string) (string, error) {
	d, ok := w.disks[diskName]
	if !ok {
		return "", refuse("BEKSecretID", "", ErrNotFound, "disk "+diskName)
	}
	if d.ade == nil {
		return "", nil
	}
	return d.ade.secretID, nil
}

// HostReadFile mounts a VHD on an on-premises host and reads a file, with
// only the BEKs handed to the host.
func (w *World) HostReadFile(hostName, vhdName, path string) ([]byte, error) {
	const op = "HostReadFile"
	h, ok := w.hosts[hostName]
	if !ok {
		return nil, refuse(op, "", ErrNotFound, "host "+hostName)
	}
	v, ok := w.vhds[vhdName]
	if !ok || !v.holders["host:"+hostName] {
		return nil, refuse(op, "", ErrNotFound, "VHD "+vhdName+" on "+hostName)
	}
	var beks []*secretBytes
	for _, b := range h.beks {
		beks = append(beks, b.bek)
	}
	fs, err := mountVHD(v, beks)
	if err != nil {
		return nil, refuseCause(op, "F106", ErrKeyUnavailable, "mounting the VHD", err)
	}
	return fs.ReadFile(path)
}

// mountVHD opens a VHD's file system, unlocking an ADE volume with the
// first BEK that opens it.
func mountVHD(v *vhdFile, beks []*secretBytes) (*disk.FileSystem, error) {
	dev, err := disk.OpenVHD(v.f, v.f.Size())
	if err != nil {
		return nil, err
	}
	return mountWith(dev, beks)
}

// mountWith mounts the file system on dev, directly or inside an ADE
// volume opened by one of beks.
func mountWith(dev disk.Device, beks []*secretBytes) (*disk.FileSystem, error) {
	fs, err := disk.Mount(dev)
	if err == nil {
		return fs, nil
	}
	for _, b := range beks {
		if vol, verr := disk.OpenVolume(dev, b.bytes()); verr == nil {
			return disk.Mount(vol)
		}
	}
	return nil, err
}

// CreateSnapshot snapshots a disk: a copy with the same encryption and
// wrapped DEKs (F61) and the UDE flag (F84).
func (w *World) CreateSnapshot(diskName, snapName string) error {
	const op = "CreateSnapshot"
	d, ok := w.disks[diskName]
	if !ok {
		return refuse(op, "", ErrNotFound, "disk "+diskName)
	}
	if _, ok := w.snaps[snapName]; ok || snapName == "" {
		return refuse(op, "", ErrInvalid, "bad or duplicate snapshot name")
	}
	s := &snapState{name: snapName, sub: d.sub, region: d.region, source: diskName, m: d.m.Clone(), des: d.des,
		everADE: d.everADE, files: d.files.clone()}
	s.m.Lock() // the storage service unwraps a snapshot's DEKs when it reads it
	if d.ade != nil {
		c := *d.ade
		s.ade = &c
	}
	d.snapshots++
	w.snaps[snapName] = s
	return nil
}

// CreateDiskFromSnapshot creates a disk in the snapshot's region from a
// snapshot, with the snapshot's encryption (F61, F84).
func (w *World) CreateDiskFromSnapshot(snapName, diskName string) error {
	const op = "CreateDiskFromSnapshot"
	s, ok := w.snaps[snapName]
	if !ok {
		return refuse(op, "", ErrNotFound, "snapshot "+snapName)
	}
	if _, ok := w.disks[diskName]; ok || diskName == "" {
		return refuse(op, "", ErrInvalid, "bad or duplicate disk name")
	}
	d := &diskState{name: diskName, sub: s.sub, region: s.region, sizeMiB: int64(s.m.Sectors() * sectorSize >> 20), m: s.m.Clone(),
		des: s.des, everADE: s.everADE, files: s.files.clone()}
	d.m.Lock()
	if s.ade != nil {
		c := *s.ade
		d.ade = &c
	}
	w.disks[diskName] = d
	return nil
}

// CopySnapshot copies a snapshot to another region (F110). A CMK snapshot
// needs a DES in the target region (desName); the copy is re-encrypted by
// the target region's storage service.
func (w *World) CopySnapshot(snapName, newName, region, desName string) error {
	const op = "CopySnapshot"
	s, ok := w.snaps[snapName]
	if !ok {
		return refuse(op, "", ErrNotFound, "snapshot "+snapName)
	}
	if _, ok := w.snaps[newName]; ok || newName == "" {
		return refuse(op, "", ErrInvalid, "bad or duplicate snapshot name")
	}
	if s.des != "" && desName == "" {
		return refuse(op, "F110", ErrRegionMismatch, "a CMK snapshot needs a disk encryption set in the target region")
	}
	m, err := w.newManaged(op, DiskSpec{Name: newName, Subscription: s.sub, Region: region, SizeMiB: int64(s.m.Sectors() * sectorSize >> 20), DES: desName})
	if err != nil {
		return err
	}
	was := s.m.Unlocked()
	err = copyWritten(m, s.m)
	restoreLock(s.m, was)
	if err != nil {
		return refuseCause(op, "F107", ErrKeyUnavailable, "reading the source snapshot", err)
	}
	m.Lock()
	c := &snapState{name: newName, sub: s.sub, region: region, source: s.source, m: m, des: desName, everADE: s.everADE, files: s.files.clone()}
	if s.ade != nil {
		a := *s.ade
		c.ade = &a
	}
	w.snaps[newName] = c
	return nil
}

// AddCustomImage adds a customer-built image (Source Custom) with the
// given OS, to create VMs from.
func (w *World) AddCustomImage(im Image) error {
	if im.Name == "" || im.OS == OSUnknown {
		return refuse("AddCustomImage", "", ErrInvalid, "an image needs a name and an OS")
	}
	if _, ok := w.image(im.Name); ok {
		return refuse("AddCustomImage", "", ErrInvalid, "image "+im.Name+" exists")
	}
	im.Source, im.content, im.files, im.fromADE = Custom, nil, nil, false
	w.custom[im.Name] = im
	return nil
}

// CaptureImage captures a stopped or deallocated VM's OS disk as a custom
// image. ADE VMs cannot be captured for deployment (F75, F112).
func (w *World) CaptureImage(vmName, imageName string, generalized bool) error {
	const op = "CaptureImage"
	vm, err := w.vm(op, vmName)
	if err != nil {
		return err
	}
	if vm.everADE {
		return refuse(op, "F75", ErrNotSupported, "an image of an ADE-encrypted VM cannot be captured to deploy VMs (F112)")
	}
	if vm.state == Running {
		return refuse(op, "F112", ErrState, "stop the VM first")
	}
	if _, ok := w.image(imageName); ok || imageName == "" {
		return refuse(op, "", ErrInvalid, "bad or duplicate image name")
	}
	d := w.disks[vm.osDisk]
	im := vm.image
	im.Name, im.Source, im.Generalized = imageName, Custom, generalized
	im.content, im.files = d.m.Clone(), d.files.clone()
	w.custom[imageName] = im
	return nil
}

// sparseFile is an in-memory file written sequentially and read at any
// offset, that keeps only the 64 KiB blocks holding a non-zero byte: a
// downloaded VHD of a large, mostly empty disk costs what was written.
type sparseFile struct {
	blocks map[int64][]byte
	size   int64
}

const sparseBlock = 64 << 10

// Write appends p.
func (s *sparseFile) Write(p []byte) (int, error) {
	if s.blocks == nil {
		s.blocks = map[int64][]byte{}
	}
	n := len(p)
	for len(p) > 0 {
		bi, off := s.size/sparseBlock, s.size%sparseBlock
		k := min(int64(len(p)), sparseBlock-off)
		chunk := p[:k]
		if b, ok := s.blocks[bi]; ok {
			copy(b[off:], chunk)
		} else if !allZero(chunk) {
			b := make([]byte, sparseBlock)
			copy(b[off:], chunk)
			s.blocks[bi] = b
		}
		s.size += k
		p = p[k:]
	}
	return n, nil
}

// ReadAt reads at off; missing blocks read as zeros.
func (s *sparseFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < s.size {
		bi, bo := off/sparseBlock, off%sparseBlock
		k := min(int64(len(p)-n), sparseBlock-bo, s.size-off)
		if b, ok := s.blocks[bi]; ok {
			copy(p[n:n+int(k)], b[bo:bo+k])
		} else {
			clear(p[n : n+int(k)])
		}
		n += int(k)
		off += k
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Size returns the file size in bytes.
func (s *sparseFile) Size() int64 { return s.size }

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
