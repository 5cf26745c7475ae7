package lifecycle

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/atrest-sim/atrest/disk"
)

// RawDigest returns a SHA-256 fingerprint of the bytes an artifact keeps
// at rest: every written sector, with its sector number, of the media under
// a managed disk (Disk or Media artifact), a snapshot, a recovery point's
// disk or a replica, or of a temp disk's host-local bytes. It covers the
// map of written sectors as well as their bytes: two digests are equal
// when the same sectors were written and hold the same bytes (a sector
// written with zeros and one never written read alike but digest apart).
// Comparing digests before and after an operation shows whether it wrote
// anything at rest (a key rotation re-wraps DEKs and writes no sector, F44,
// F50). The digest is not keyed: for bytes that are plaintext at rest (a
// temp disk without host encryption, F56) it lets anyone confirm a guess
// of the whole contents, so treat it like the bytes it fingerprints. Other
// kinds are refused with ErrInvalid: a VHD is a file outside the storage
// service and a host cache is put together when read.
func (w *World) RawDigest(a Artifact) ([32]byte, error) {
	const op = "RawDigest"
	var m *disk.Media
	switch a.Kind {
	case DiskArtifact, MediaArtifact, SnapshotArtifact, RecoveryPointArtifact, ReplicaArtifact, TempDiskArtifact:
		t, err := w.resolve(a)
		if err != nil {
			return [32]byte{}, err
		}
		if t.tempVM != nil {
			m = t.tempVM.temp.Raw()
		} else {
			m = t.m.Raw()
		}
	default:
		return [32]byte{}, refuse(op, "", ErrInvalid, "no bytes at rest to fingerprint for "+a.Kind.String())
	}
	h := sha256.New()
	ss := uint64(m.SectorSize())
	buf := make([]byte, 64*ss)
	var hdr [16]byte
	for s := uint64(0); ; {
		first, n, ok := m.NextWritten(s)
		if !ok {
			break
		}
		for f := first; f < first+n; {
			k := min(first+n-f, 64)
			b := buf[:k*ss]
			if err := m.ReadSectors(b, f); err != nil {
				return [32]byte{}, refuseCause(op, "", ErrInvalid, "reading "+a.String(), err)
			}
			binary.LittleEndian.PutUint64(hdr[:8], f)
			binary.LittleEndian.PutUint64(hdr[8:], k)
			h.Write(hdr[:])
			h.Write(b)
			f += k
		}
		s = first + n
	}
	var out [32]byte
	h.Sum(out[:0])
	return out, nil
}
