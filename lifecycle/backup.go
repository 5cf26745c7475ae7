package lifecycle

// recoveryPoint is a backup of a VM's disks (F86-F95).
type recoveryPoint struct{}

// replication is a site-recovery replication of a VM (F98-F104).
type replication struct{}

func (w *World) resolveBackup(a Artifact) (*target, error) {
	return nil, refuse("Readable", "F86", ErrNotFound, a.String())
}
