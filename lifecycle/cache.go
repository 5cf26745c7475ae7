package lifecycle

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/atrest-sim/atrest/disk"
)

// Host disk caches (F57, F59).
//
// While a VM is allocated on a host (running, or stopped but not
// deallocated), the host caches each attached managed disk: every block
// the guest wrote or read since the allocation, exactly as the host
// received it, above SSE and below ADE. The cache is write-back: it holds
// the latest bytes of each block. SSE does not cover it (F56, F59);
// encryption at host does, under a key tied to the disk's own DEK ("caches
// use the disk's PMK or CMK", F57); ADE does, since the guest encrypts
// before the host sees anything (F59). Deallocation moves the VM off its
// host and the caches go with it, as the temp disk's contents do: that
// is a simulation choice inferred from F57 (the caches are the host's) and
// F70 (what is host-local does not survive deallocation), not a documented
// fact. Detaching a disk drops its cache.
//
// The cache records which sectors it holds, as sorted runs, and never
// copies data on a write: the bytes at rest are put together when a
// verdict reads them, from the disk's current bytes read with the keys
// the host opened the disk with, sealed with encryption at host when the
// VM has it. The guest reads and writes its disk through the cache (it is
// the device under the guest's volumes), which is how it learns what to
// hold.

// hostCache is a host's cache of one attached managed disk of an allocated
// VM. It is the device the guest's volume or file system sits on: reads
// and writes go to the disk, under the disk's current key state, and the
// sectors they touch join the cache. It carries the device's methods and
// no more: the disk's management (Unlock, Lock, Rewrap, Raw, Clone) stays
// off the device the guest's volumes sit on, and printing a cache prints
// a redacted description of its own.
type hostCache struct {
	// Managed is the disk cached; ReadSectors and WriteSectors go to it.
	// It is a named field, not embedded, so that none of its methods is
	// the cache's. (Named Managed as the test exports in export_test.go
	// read it.)
	Managed *disk.Managed
	// HostView is the disk as the host opened it when the cache began: SSE
	// removed with the keys the host held then (disk.Managed.Opened),
	// read-only. atRest reads the cached sectors through it and seals them
	// with its cache key. Embedded for the device's key-independent
	// methods (SectorSize, Sectors, NextWritten, from the disk's media)
	// and for the written-sector map the layers above use to read
	// never-written sectors as zeros; ReadSectors and WriteSectors are the
	// cache's own.
	*disk.HostView
	w *World
	// sealed says whether encryption at host seals the cache (F57): the
	// VM had it when the cache began.
	sealed bool
	runs   []span // the cached sectors
	gen    uint64 // bumped whenever runs grows (a content version, memo.go)
	// pending holds the runs a boot touched until the boot succeeds, so
	// that a failed start leaves the cache as it was.
	pending []span
	fresh   bool // created by a boot still in progress
	// paths are the files the guest wrote or read through the cache since
	// the allocation: the cache's record of files.
	paths map[string]bool
	// lost names the fact by which files of the record were erased (F71:
	// EncryptFormatAll formatted the disk after the guest touched them), or "".
	lost string
}

// String describes the cache without its keys or contents.
func (c hostCache) String() string {
	return fmt.Sprintf("host cache(%d runs, encryption at host %t, REDACTED)", len(c.runs), c.sealed)
}

// GoString describes the cache without its keys or contents.
func (c hostCache) GoString() string { return c.String() }

// Format prints String for every verb, so no verb reaches the disk's or
// the host's keys.
func (c hostCache) Format(f fmt.State, verb rune) { io.WriteString(f, c.String()) }

// span is the sectors [first, end).
type span struct{ first, end uint64 }

// addSpan merges [first, end) into runs, which are sorted, disjoint and not
// adjacent, and reports whether the set grew. It costs a binary search,
// and a move of the runs after the insertion point only when it grows.
func addSpan(runs []span, first, end uint64) ([]span, bool) {
	lo, hi := 0, len(runs)
	for lo < hi { // the first run ending at or after first
		m := int(uint(lo+hi) >> 1)
		if runs[m].end < first {
			lo = m + 1
		} else {
			hi = m
		}
	}
	i := lo
	if i < len(runs) && runs[i].first <= first && end <= runs[i].end {
		return runs, false
	}
	j := i
	for j < len(runs) && runs[j].first <= end {
		j++
	}
	if i < j {
		first, end = min(first, runs[i].first), max(end, runs[j-1].end)
	}
	return slices.Replace(runs, i, j, span{first, end}), true
}

// newCache starts the host's cache of disk d for vm, whose host holds the
// disk's DEKs (the disk is unlocked).
func (w *World) newCache(vm *vmState, d *diskState) (*hostCache, error) {
	open, err := d.m.Opened()
	if err != nil {
		return nil, err
	}
	return &hostCache{Managed: d.m, HostView: open, w: w, sealed: vm.eah}, nil
}

// note records that sectors [first, first+n) passed through the cache.
// Verdicts read without changing it (w.quiet).
func (c *hostCache) note(first uint64, p []byte) {
	if c.w.quiet > 0 {
		return
	}
	end := first + uint64(len(p)/c.SectorSize())
	if c.w.booting {
		c.pending = append(c.pending, span{first, end})
		return
	}
	var grew bool
	if c.runs, grew = addSpan(c.runs, first, end); grew {
		c.gen++
	}
}

// ReadSectors reads from the disk and caches what it read.
func (c *hostCache) ReadSectors(p []byte, first uint64) error {
	if err := c.Managed.ReadSectors(p, first); err != nil {
		return err
	}
	c.note(first, p)
	return nil
}

// WriteSectors writes to the disk and caches what it wrote.
func (c *hostCache) WriteSectors(p []byte, first uint64) error {
	if err := c.Managed.WriteSectors(p, first); err != nil {
		return err
	}
	c.note(first, p)
	return nil
}

// settle ends a boot: on success the runs it touched join the cache; on
// failure they are forgotten, and so is a cache the boot created.
func (c *hostCache) settle(ok bool) (keep bool) {
	if ok {
		for _, r := range c.pending {
			var grew bool
			if c.runs, grew = addSpan(c.runs, r.first, r.end); grew {
				c.gen++
			}
		}
	}
	c.pending = c.pending[:0]
	keep = ok || !c.fresh
	c.fresh = false
	return keep
}

// files is the cache's record of files as a ledger: the disk's ledger
// entries for the paths the guest wrote or read since the allocation, and
// what erased some of them.
func (c *hostCache) files(l *ledger) *ledger {
	out := &ledger{files: make(map[string][32]byte, len(c.paths)), lost: c.lost}
	for p := range c.paths {
		if s, ok := l.files[p]; ok {
			out.files[p] = s
		}
	}
	return out
}

// atRest puts together the bytes the cache holds at rest on the host:
// every cached sector the disk holds written, as the host received it
// (read through SSE with the keys the host opened the disk with), sealed
// by encryption at host when the VM has it. It builds everything it
// writes into afresh and changes nothing of the cache.
func (c *hostCache) atRest() (*disk.Media, error) {
	m, err := disk.NewMedia(c.SectorSize(), c.Sectors())
	if err != nil {
		return nil, err
	}
	var dst disk.Device = m
	if c.sealed && !c.w.faulty(faultCacheUnsealed) { // mutation hook (faults.go)
		if dst, err = disk.NewCacheEncryption(m, c.HostView); err != nil {
			return nil, err
		}
	}
	const chunk = 256
	ss := uint64(c.SectorSize())
	buf := make([]byte, chunk*ss)
	defer clear(buf)
	for _, r := range c.runs {
		for s := r.first; s < r.end; {
			f, n, ok := c.NextWritten(s)
			if !ok || f >= r.end {
				break
			}
			for end := min(f+n, r.end); f < end; {
				k := min(end-f, chunk)
				b := buf[:k*ss]
				if err := c.HostView.ReadSectors(b, f); err != nil {
					return nil, err
				}
				if err := dst.WriteSectors(b, f); err != nil {
					return nil, err
				}
				f += k
			}
			s = f
		}
	}
	return m, nil
}

// cacheKey is the content version of a cache for the read memo: the cache,
// the version of its disk's bytes and the growth of its runs.
type cacheKey struct {
	c    *hostCache
	disk uint64
	gen  uint64
}

// cacheOwner is the device owner that stands for cache c's current
// contents in the read memo and the version table.
func (w *World) cacheOwner(c *hostCache) cacheKey {
	return cacheKey{c, w.devVersion(c.Managed), c.gen}
}

// startCaches gives every disk of a booting VM a cache, unless it has one
// (a stopped VM keeps its caches), and makes the caches hold the runs of
// the boot aside until settleCaches.
func (w *World) startCaches(vm *vmState) error {
	if vm.caches == nil {
		vm.caches = map[string]*hostCache{}
	}
	w.booting = true
	for _, dn := range vm.disks() {
		if vm.caches[dn] != nil {
			continue
		}
		c, err := w.newCache(vm, w.disks[dn])
		if err != nil {
			return err
		}
		c.fresh = true
		vm.caches[dn] = c
	}
	return nil
}

// cacheRefusal classes a failure to open a host cache by its cause: the
// disk's key chain (ErrKeyUnavailable, F57: the cache uses the disk's
// keys), or anything else (ErrInvalid).
func cacheRefusal(op string, err error) error {
	if errors.Is(err, disk.ErrKeyUnavailable) {
		return refuseCause(op, "F57", ErrKeyUnavailable, "opening the host cache: the host cannot unwrap the disk's DEK", err)
	}
	return refuseCause(op, "", ErrInvalid, "opening the host cache", err)
}

// settleCaches ends a boot (see hostCache.settle).
func (w *World) settleCaches(vm *vmState, ok bool) {
	w.booting = false
	for dn, c := range vm.caches { // each cache settles alone: order is irrelevant
		if !c.settle(ok) {
			delete(vm.caches, dn)
		}
	}
	if len(vm.caches) == 0 && vm.state == Deallocated {
		vm.caches = nil
	}
}

// guestDev is a device under a guest's volume: a disk or a host cache.
type guestDev interface {
	disk.Device
	NextWritten(uint64) (uint64, uint64, bool)
}

// guestDevice is the device under the guest's volume on disk d: the
// host's cache of it, or the disk itself when there is none.
func (vm *vmState) guestDevice(d *diskState) guestDev {
	if c := vm.caches[d.name]; c != nil {
		return c
	}
	return d.m
}

// cacheFile adds a file the guest wrote or read to the cache of its disk.
func (vm *vmState) cacheFile(diskName, path string) {
	if c := vm.caches[diskName]; c != nil {
		if c.paths == nil {
			c.paths = map[string]bool{}
		}
		c.paths[path] = true
	}
}

// resolveCache finds the host's cache of disk a.Disk of VM a.Name.
func (w *World) resolveCache(a Artifact) (*target, error) {
	const op = "Readable"
	vm, ok := w.vms[a.Name]
	if !ok {
		return nil, refuse(op, "", ErrNotFound, "VM "+a.Name)
	}
	if vm.state == Deallocated {
		// Fact F70 by inference (see the top of this file): the simulation
		// lets a VM's caches leave with its host, as its temp disk does.
		return nil, refuse(op, "F70", ErrNotFound, "host cache of "+a.Disk+": "+a.Name+" is deallocated, and its caches left the host with it (a simulation choice inferred from F57 and F70)")
	}
	c := vm.caches[a.Disk]
	if c == nil {
		return nil, refuse(op, "F57", ErrNotFound, "host cache of disk "+a.Disk+" on "+a.Name)
	}
	d := w.disks[a.Disk]
	return &target{m: d.m, enc: d.m.Encryption(), des: d.des, cache: c, files: c.files(d.files), ade: d.ade, vm: vm, name: d.name, sub: d.sub}, nil
}

// cacheArtifacts lists the host caches of the world: one per attached
// disk of each allocated VM, in order.
func (w *World) cacheArtifacts() []Artifact {
	var out []Artifact
	for _, n := range sortedKeys(w.vms) {
		for _, dn := range sortedKeys(w.vms[n].caches) {
			out = append(out, Artifact{Kind: CacheArtifact, Name: n, Disk: dn})
		}
	}
	return out
}

// cacheLayer names the host cache, mirroring the temp disk.
const cacheLayer = "host cache (host-local, not covered by SSE)"

// cacheAccess adds the layers below ADE of a host cache and the keys the
// vantage needs for them, and returns the view through which it reads the
// cache's bytes (0 when it cannot reach them).
func (w *World) cacheAccess(s *assessment, t *target, v Vantage, concrete bool) readView {
	vm := t.vm
	s.fact("F56", "F59") // SSE covers neither temp disks nor caches
	s.layer(cacheLayer, "present", "")
	switch {
	case v.Kind == StorageInsider:
		if vm.eah {
			s.layer("encryption at host", "present", "host cache key")
			s.key("host cache key", false, "the host seals its cache with a key derived from the disk's DEK, which the insider holds only wrapped and the cache does not carry", "F57")
		}
		return viewCacheRaw
	case v.Kind == GuestOS && v.VM == vm.spec.Name:
		if vm.state == Running {
			s.key("access to the data", true, "the running guest, through its host")
		} else if !w.canBoot(s, vm) {
			return 0
		}
		if !vm.eah && vm.state == Running {
			return viewCacheRaw // the host serves what it holds, no key needed
		}
		name := "SSE DEKs"
		if vm.eah {
			s.fact("F57")
			s.layer("encryption at host", "removed by the host", "host cache key")
			name = "host cache key"
		}
		ok, why := true, "cached by the host"
		if !t.m.Unlocked() {
			ok, why = w.sseKeys(s, t, concrete)
		}
		s.key(name, ok, why)
		if !ok {
			return 0
		}
		if vm.eah {
			return viewCacheHost
		}
		return viewCacheRaw
	}
	s.key("access to the data", false, "the "+v.Kind.String()+" has no path to the host cache of "+vm.spec.Name)
	return 0
}

// readCache reads a host cache through view, opening ADE with beks, and
// reports whether every file of its record comes back; the answer is
// remembered (memo.go) under the cache's content version.
func (w *World) readCache(t *target, view readView, beks []*secretBytes) bool {
	if view == 0 {
		return false
	}
	var key memoKey
	if !w.memoOff {
		key = w.memoKeyOf(w.cacheOwner(t.cache), view, beks, t.files)
		if ok, hit := w.memo[key]; hit {
			return ok
		}
	}
	raw, err := t.cache.atRest()
	if err != nil {
		return false
	}
	var dev disk.Device = raw
	if view == viewCacheHost {
		// The host obtains the cache key through the disk's key chain.
		host, err := t.m.Opened()
		if err != nil {
			return false // fails on keys, not content: nothing to remember
		}
		if dev, err = disk.NewCacheEncryption(raw, host); err != nil {
			return false
		}
	}
	fs, _ := mountWith(dev, beks)
	ok := fs != nil && filesMatch(fs, t.files)
	if !w.memoOff {
		w.memo[key] = ok
	}
	return ok
}
