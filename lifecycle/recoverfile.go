package lifecycle

// RecoverFile recovers one file from a disk of a recovery point, the way
// Azure Backup's file recovery does: the recovery point's disk is mounted
// on a machine of the caller's and the file copied out. It needs a compute
// role that may copy data out of the cloud (the export permission, F116),
// and the storage service must still be able to remove SSE (the disk's
// customer key usable, F47). Files on an ADE volume are not recoverable
// (F91, F93) unless Options.ADEFileLevelRestore, and then only with the BEK
// who can obtain from Key Vault (F65). Like a verdict, it changes nothing
// but the vault's audit log.
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
	if r := p.compute[rp.src.spec.Subscription]; !r.canExport() {
		return nil, refuse(op, "F116", ErrForbidden, who+" may not copy data out of the cloud ("+r.String()+")")
	}
	if t.ade != nil && !w.opts.ADEFileLevelRestore {
		return nil, refuse(op, "F93", ErrNotSupported, "file and folder recovery from encrypted VMs is not supported")
	}
	defer restoreLock(t.m, t.m.Unlocked())
	if !t.m.Unlocked() {
		if err := t.m.Unlock(); err != nil {
			return nil, refuseCause(op, "F47", ErrKeyUnavailable, "the storage service cannot unwrap the disk's DEK", err)
		}
	}
	var beks []*secretBytes
	if t.ade != nil {
		bek, err := w.fetchVolBEK(op, t.ade, who)
		if err != nil {
			return nil, refuseCause(op, "F65", ErrForbidden, who+" cannot obtain the BEK", err)
		}
		beks = append(beks, bek)
	}
	fs, err := mountWith(t.m, beks)
	if err != nil {
		return nil, refuseCause(op, "", ErrState, "mounting disk "+diskName+" of recovery point "+rpName, err)
	}
	b, err := fs.ReadFile(path)
	if err != nil {
		return nil, refuseCause(op, "", ErrNotFound, "file "+path, err)
	}
	return b, nil
}
