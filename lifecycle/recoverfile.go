package lifecycle

import (
	"errors"

	"github.com/atrest-sim/atrest/disk"
)

// RecoverFile recovers one file from a disk of a recovery point, the way
// Azure Backup's file recovery does: the recovery point's disk is mounted
// on a machine of the caller's and the file copied out. It needs a compute
// role that may copy data out of the cloud (the export permission, F116).
// The recovery point does not depend on the disk's customer key (F86): its
// disks are kept under the backup vault's own key. Files of an encrypted
// VM are not recoverable, from any of its disks (F93: "Restore files from
// encrypted VMs: Not supported"), unless Options.ADEFileLevelRestore; then
// an ADE volume opens only with a BEK that who can obtain from Key Vault
// (F65). Like a verdict, it changes nothing but the vault's audit log.
//
// RestoreVM restores whole VMs; RestoreSpec.Mode RestoreFiles is refused
// there in favour of this call.
func (w *World) RecoverFile(who, rpName, diskName, path string) ([]byte, error) {
	const op = "RecoverFile"
	rp, ok := w.rps[rpName]
	if !ok {
		return nil, refuse(op, "", ErrNotFound, "recovery point "+rpName)
	}
	t, err := w.resolveBackup(Artifact{Kind: RecoveryPointArtifact, Name: rpName, Disk: diskName})
	if err != nil {
		return nil, refuse(op, "F86", ErrNotFound, "disk "+diskName+" of recovery point "+rpName)
	}
	p, ok := w.principals[who]
	if !ok {
		return nil, refuse(op, "", ErrNotFound, "principal "+who)
	}
	if r := p.compute[rp.src.spec.Subscription]; !r.canExport() && !w.faulty(faultRecoverUnchecked) { // mutation hook (faults.go)
		return nil, refuse(op, "F116", ErrForbidden, who+" may not copy data out of the cloud ("+r.String()+")")
	}
	if rp.ade != nil && !w.opts.ADEFileLevelRestore {
		return nil, refuse(op, "F93", ErrNotSupported, "file and folder recovery from encrypted VMs is not supported")
	}
	defer restoreLock(t.m, t.m.Unlocked())
	if !t.m.Unlocked() {
		if err := t.m.Unlock(); err != nil { // the backup vault's own key: not expected to fail
			return nil, refuse(op, "F86", ErrState, "the recovery point's disk does not open: "+err.Error())
		}
	}
	var beks []*secretBytes
	if t.ade != nil {
		bek, err := w.fetchVolBEK(op, t.ade, who)
		if err != nil {
			// The cause is described, not wrapped: its class (a boot
			// failure, say) is not this call's.
			return nil, refuse(op, "F65", ErrForbidden, who+" cannot obtain the BEK: "+err.Error())
		}
		beks = append(beks, bek)
	}
	fs, err := mountWith(t.m, beks)
	if err != nil {
		return nil, refuseCause(op, "", ErrState, "mounting disk "+diskName+" of recovery point "+rpName, err)
	}
	b, err := fs.ReadFile(path)
	switch {
	case errors.Is(err, disk.ErrNotExist):
		return nil, refuseCause(op, "", ErrNotFound, "file "+path, err)
	case err != nil:
		return nil, refuseCause(op, "", ErrState, "reading "+path, err)
	}
	return b, nil
}
