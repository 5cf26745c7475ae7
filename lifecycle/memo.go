package lifecycle

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"

	"github.com/atrest-sim/atrest/disk"
)

// Content versions and the read memo.
//
// A concrete verdict obtains keys the way its vantage would (vault calls,
// caches, handed-over BEKs) and then reads: it mounts the file system on
// the device it reached and compares every written file with the ledger.
// The first part is always done afresh. The second part is a function of
// the device's bytes, the view through which they are read (raw media,
// the storage service's decryption, a VHD), the BEKs tried and the ledger;
// the world remembers its answer under a content version of the device, so
// that a verdict on an artifact nothing has written to since does not mount
// the same bytes again.
//
// A device's version changes whenever its bytes may have changed: the
// version of a managed disk or temp disk follows the generation of the
// media under it (disk.Media.Generation counts every write, whoever makes
// it), and an operation that changes how a device reads without writing
// its media calls touch. Devices never seen get a fresh version, and
// versions are never reused, so forgetting is always safe.

// memoLimit bounds the memo and the version table; past it both are
// forgotten (a forgotten device gets a fresh version: only a re-read).
const memoLimit = 4096

// readView says through which layers a device's bytes were read.
type readView uint8

const (
	viewRaw       readView = iota + 1 // the bytes at rest
	viewStorage                       // through the storage service's SSE layers
	viewVHD                           // a downloaded VHD file
	viewCacheRaw                      // a host cache's bytes at rest
	viewCacheHost                     // a host cache as its host decrypts it
)

type memoKey struct {
	ver  uint64
	view readView
	beks [32]byte // MAC (memoMAC) of the BEKs tried, in order
	led  [32]byte // MAC of the digest of the ledger compared against
}

// devStamp is what a device's version was given for: the media under it
// and the media's generation then.
type devStamp struct {
	media *disk.Media
	gen   uint64
	ver   uint64
}

// rawMedia is the media under a device owner, or nil for an owner without
// one (a VHD file, written once).
func rawMedia(owner any) *disk.Media {
	switch o := owner.(type) {
	case *disk.Managed:
		return o.Raw()
	case *disk.Temp:
		return o.Raw()
	}
	return nil
}

// devVersion returns the content version of a device owner (a
// *disk.Managed, *disk.Temp or *sparseFile).
func (w *World) devVersion(owner any) uint64 {
	m := rawMedia(owner)
	var gen uint64
	if m != nil {
		gen = m.Generation()
	}
	if st, ok := w.devVer[owner]; ok && st.media == m && st.gen == gen {
		return st.ver
	}
	if len(w.devVer) >= memoLimit {
		clear(w.devVer)
		clear(w.memo)
	}
	w.devGen++
	w.devVer[owner] = devStamp{media: m, gen: gen, ver: w.devGen}
	return w.devGen
}

// touch records that owner's bytes may read differently although its media
// were not written (or that it has no media).
func (w *World) touch(owner any) {
	delete(w.devVer, owner) // the next devVersion is a fresh number
}

// memoKeyOf returns the memo key for reading owner through view with beks
// against files.
func (w *World) memoKeyOf(owner any, view readView, beks []*secretBytes, files *ledger) memoKey {
	k := memoKey{ver: w.devVersion(owner), view: view}
	if len(beks) > 0 {
		h := hmac.New(sha256.New, w.memoMAC[:])
		var n [8]byte
		for _, b := range beks {
			binary.LittleEndian.PutUint64(n[:], uint64(len(b.bytes())))
			h.Write(n[:])
			h.Write(b.bytes())
		}
		h.Sum(k.beks[:0])
	}
	mac := hmac.New(sha256.New, w.memoMAC[:])
	d := files.digest()
	mac.Write(d[:])
	mac.Sum(k.led[:0])
	return k
}

// digest fingerprints a ledger: its paths and their contents' digests in
// path order, and what erased earlier data.
func (l *ledger) digest() [32]byte {
	h := sha256.New()
	var n [8]byte
	for _, p := range sortedKeys(l.files) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
		s := l.files[p]
		h.Write(s[:])
	}
	h.Write([]byte(l.lost))
	var out [32]byte
	h.Sum(out[:0])
	return out
}
