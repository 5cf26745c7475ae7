package lifecycle

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/envelope"
)

func cacheA(vm, d string) Artifact { return Artifact{Kind: CacheArtifact, Name: vm, Disk: d} }

const (
	ubuntu2204 = "Canonical:ubuntu-22_04-lts"
	win2019    = "MicrosoftWindowsServer:2019-datacenter"
	d2sv3      = "Standard_D2s_v3"
	// cacheMarker is the file content the cache tests look for in raw bytes.
	cacheMarker = "cache-marker: alice,42;bob,17;carol,99"
)

// cacheVM creates a running VM with encryption at host as asked, a mounted
// data disk (under des when set) holding the marker file, and ADE when ade
// is set.
func cacheVM(t *testing.T, seed uint64, image, des string, eah bool, ade *ADESpec) *fixture {
	t.Helper()
	f := newFixture(t, seed)
	f.must(f.RegisterEncryptionAtHost(sub))
	f.must(f.CreateVM(VMSpec{Name: "vm1", Subscription: sub, Region: region, Image: image, Size: d2sv3, OSDiskDES: des, EncryptionAtHost: eah}))
	f.must(f.CreateDisk(DiskSpec{Name: "vm1-data", Subscription: sub, Region: region, SizeMiB: 16, DES: des}))
	f.must(f.AttachDisk("vm1", "vm1-data"))
	f.must(f.Mount("vm1", "vm1-data"))
	if ade != nil {
		f.must(f.EnableADE("vm1", *ade))
	}
	f.must(f.WriteFile("vm1", "vm1-data", "/data/marker.txt", []byte(cacheMarker)))
	return f
}

func TestHostCache(t *testing.T) {
	for _, tc := range []struct {
		name        string
		image, des  string
		eah         bool
		ade         *ADESpec
		insiderRead bool
		layers      string
	}{
		{"SSE PMK", ubuntu2204, "", false, nil, true, "host cache (host-local, not covered by SSE) > files"},
		{"SSE CMK", ubuntu2204, "des1", false, nil, true, "host cache (host-local, not covered by SSE) > files"},
		{"SSE PMK with encryption at host", ubuntu2204, "", true, nil, false, "host cache (host-local, not covered by SSE) > encryption at host > files"},
		{"SSE CMK with encryption at host", ubuntu2204, "des1", true, nil, false, "host cache (host-local, not covered by SSE) > encryption at host > files"},
		{"Windows ADE VolumeType All", win2019, "", false, &ADESpec{Vault: kv, Volumes: VolumeAll}, false, "host cache (host-local, not covered by SSE) > ADE BitLocker > files"},
		{"Linux ADE data volume", ubuntu2204, "", false, &ADESpec{Vault: kv, Volumes: VolumeData}, false, "host cache (host-local, not covered by SSE) > ADE dm-crypt > files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := cacheVM(t, 60, tc.image, tc.des, tc.eah, tc.ade)
			defer f.memoAgrees(insider, guest("vm1"))
			v := f.wantReadable(insider, cacheA("vm1", "vm1-data"), tc.insiderRead)
			if got := layerText(v); got != tc.layers {
				t.Errorf("insider layers %q, want %q", got, tc.layers)
			}
			f.wantReadable(guest("vm1"), cacheA("vm1", "vm1-data"), true)
			// Stop keeps the VM on its host, and the cache with it.
			f.must(f.Stop("vm1"))
			f.wantReadable(insider, cacheA("vm1", "vm1-data"), tc.insiderRead)
			f.wantReadable(guest("vm1"), cacheA("vm1", "vm1-data"), true)
			// Other parties have no path to a host's cache.
			f.wantReadable(principalV(adminID), cacheA("vm1", "vm1-data"), false)
			f.wantReadable(operator, cacheA("vm1", "vm1-data"), false)
			f.wantReadable(guest("vm2"), cacheA("vm1", "vm1-data"), false)
			// Deallocation moves the VM off its host: the cache is gone.
			f.must(f.Deallocate("vm1"))
			for _, v := range []Vantage{insider, guest("vm1")} {
				_, err := f.Concrete(v, cacheA("vm1", "vm1-data"))
				wantErr(t, err, ErrNotFound, "F70")
				_, err = f.Symbolic(v, cacheA("vm1", "vm1-data"))
				wantErr(t, err, ErrNotFound, "F70")
			}
			// After the next start the cache holds what the guest touches
			// again: nothing written or read yet, then the file once read.
			f.must(f.Start("vm1"))
			v = f.wantReadable(insider, cacheA("vm1", "vm1-data"), false)
			if v.Reason != "nothing was written to compare" {
				t.Errorf("fresh cache: %v", v)
			}
			if _, err := f.ReadFile("vm1", "vm1-data", "/data/marker.txt"); err != nil {
				t.Fatal(err)
			}
			f.wantReadable(insider, cacheA("vm1", "vm1-data"), tc.insiderRead)
			f.wantReadable(guest("vm1"), cacheA("vm1", "vm1-data"), true)
		})
	}
}

// memoAgrees checks that every cache verdict of the vantages is the same
// with the read memo off as with it on.
func (f *fixture) memoAgrees(vs ...Vantage) {
	f.t.Helper()
	for _, a := range f.cacheArtifacts() {
		for _, v := range vs {
			on, err := f.Concrete(v, a)
			f.must(err)
			f.memoOff = true
			off, err := f.Concrete(v, a)
			f.memoOff = false
			f.must(err)
			if on.Readable != off.Readable {
				f.t.Errorf("%v -> %v: readable %v with the memo, %v without", v, a, on.Readable, off.Readable)
			}
		}
	}
}

// layerText joins a verdict's layer names.
func layerText(v Verdict) string {
	var b bytes.Buffer
	for i, l := range v.Layers {
		if i > 0 {
			b.WriteString(" > ")
		}
		b.WriteString(l.Name)
	}
	return b.String()
}

func TestHostCacheOSDiskAndDetach(t *testing.T) {
	f := cacheVM(t, 61, ubuntu2204, "", false, nil)
	// The OS disk was written at provisioning, before the allocation: its
	// cache holds the blocks the boot read, but no file was written or
	// read through it.
	v := f.wantReadable(insider, cacheA("vm1", "vm1-osdisk"), false)
	if v.Reason != "nothing was written to compare" {
		t.Errorf("OS disk cache: %v", v)
	}
	f.must(f.WriteFile("vm1", "vm1-osdisk", "/var/log/app.log", []byte("started")))
	f.wantReadable(insider, cacheA("vm1", "vm1-osdisk"), true)
	// Detaching drops the disk's cache.
	f.must(f.DetachDisk("vm1", "vm1-data"))
	_, err := f.Concrete(insider, cacheA("vm1", "vm1-data"))
	wantErr(t, err, ErrNotFound, "F57")
	f.must(f.AttachDisk("vm1", "vm1-data"))
	f.wantReadable(insider, cacheA("vm1", "vm1-data"), false) // new cache, nothing touched
	f.must(f.Mount("vm1", "vm1-data"))
	if _, err := f.ReadFile("vm1", "vm1-data", "/data/marker.txt"); err != nil {
		t.Fatal(err)
	}
	f.wantReadable(insider, cacheA("vm1", "vm1-data"), true)
	wantArtifacts := []Artifact{cacheA("vm1", "vm1-data"), cacheA("vm1", "vm1-osdisk")}
	if got := f.cacheArtifacts(); fmt.Sprint(got) != fmt.Sprint(wantArtifacts) {
		t.Errorf("cacheArtifacts() = %v, want %v", got, wantArtifacts)
	}
	if _, err := f.Concrete(insider, cacheA("nope", "vm1-data")); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown VM: err = %v, want ErrNotFound", err)
	}
}

// TestHostCacheRevokedCMK disables the customer key of an EAH VM and of
// an SSE-only VM: after the F47 delay the VM shuts down (stopped, still
// allocated); the EAH cache is sealed under a key only the disk's chain
// yields, the SSE-only cache is still plaintext on the host (F59).
func TestHostCacheRevokedCMK(t *testing.T) {
	for _, eah := range []bool{true, false} {
		t.Run(fmt.Sprint("eah=", eah), func(t *testing.T) {
			f := cacheVM(t, 62, ubuntu2204, "des1", eah, nil)
			f.must(f.SetKeyEnabled(adminID, f.cmk, false))
			f.Advance(30 * time.Minute)
			f.wantReadable(guest("vm1"), cacheA("vm1", "vm1-data"), true) // the host still holds the DEK (F47)
			f.Advance(31 * time.Minute)
			if st, _, _ := f.VMStatus("vm1"); st != Stopped {
				t.Fatalf("VM %v, want stopped (F47)", st)
			}
			f.wantReadable(insider, cacheA("vm1", "vm1-data"), !eah)
			v := f.wantReadable(guest("vm1"), cacheA("vm1", "vm1-data"), false)
			if !hasFact(v, "F47") {
				t.Errorf("guest verdict lacks F47: %v", v)
			}
			f.wantReadable(principalV(adminID), cacheA("vm1", "vm1-data"), false)
			f.must(f.SetKeyEnabled(adminID, f.cmk, true))
			f.wantReadable(guest("vm1"), cacheA("vm1", "vm1-data"), true)
		})
	}
}

// TestHostCacheBytes proves that the insider's answer comes from the
// bytes: the cache at rest of an SSE-only VM holds the marker in the
// clear, that of an EAH VM or of an ADE volume does not.
func TestHostCacheBytes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		eah   bool
		ade   *ADESpec
		plain bool
	}{
		{"SSE only", false, nil, true},
		{"encryption at host", true, nil, false},
		{"ADE", false, &ADESpec{Vault: kv, Volumes: VolumeAll}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := cacheVM(t, 63, ubuntu2204, "", tc.eah, tc.ade)
			raw, err := f.vms["vm1"].caches["vm1-data"].atRest()
			f.must(err)
			if got := mediaContains(t, raw, []byte(cacheMarker)); got != tc.plain {
				t.Errorf("marker in the cache at rest: %v, want %v", got, tc.plain)
			}
			// The disk's own media never holds it (SSE).
			if mediaContains(t, f.disks["vm1-data"].m.Raw(), []byte(cacheMarker)) {
				t.Error("marker on the SSE media")
			}
		})
	}
}

// TestHostCacheFailedOpsChangeNothing checks that refused operations leave
// every cache verdict as it was.
func TestHostCacheFailedOpsChangeNothing(t *testing.T) {
	f := cacheVM(t, 64, ubuntu2204, "des1", true, nil)
	arts := []Artifact{cacheA("vm1", "vm1-data"), cacheA("vm1", "vm1-osdisk")}
	vantages := []Vantage{insider, guest("vm1")}
	snapshot := func() string {
		var b bytes.Buffer
		for _, a := range arts {
			for _, v := range vantages {
				fmt.Fprintln(&b, f.verdict(v, a))
			}
		}
		return b.String()
	}
	before := snapshot()
	if err := f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll}); err == nil {
		t.Fatal("EnableADE on an EAH VM succeeded (F58)")
	}
	if err := f.AttachDisk("vm1", "nope"); err == nil {
		t.Fatal("AttachDisk of a missing disk succeeded")
	}
	if _, err := f.ReadFile("vm1", "vm1-data", "/no/such/file"); err == nil {
		t.Fatal("ReadFile of a missing file succeeded")
	}
	if after := snapshot(); after != before {
		t.Errorf("verdicts changed:\n%s\nwant\n%s", after, before)
	}
	// A failed start: the key is disabled and the VM stopped; the start
	// fails (F47) and the cache stays as it was.
	f.must(f.SetKeyEnabled(adminID, f.cmk, false))
	f.Advance(2 * hour)
	before = snapshot()
	c := f.vms["vm1"].caches["vm1-data"]
	runs := fmt.Sprint(c.runs)
	wantErr(t, f.Start("vm1"), ErrKeyUnavailable, "F47")
	if after := snapshot(); after != before {
		t.Errorf("verdicts changed by a failed start:\n%s\nwant\n%s", after, before)
	}
	if got := fmt.Sprint(f.vms["vm1"].caches["vm1-data"].runs); got != runs {
		t.Errorf("cache runs %s after a failed start, want %s", got, runs)
	}
}

// TestHostCacheFailedFirstStart checks that a VM whose boot fails after a
// deallocation gets no caches.
func TestHostCacheFailedFirstStart(t *testing.T) {
	f := newFixture(t, 65)
	f.vm("vm1", ubuntu2204, d2sv3, "")
	f.must(f.EnableADE("vm1", ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}))
	f.must(f.Deallocate("vm1"))
	f.must(f.SetKeyEnabled(adminID, f.kek, false))
	if err := f.Start("vm1"); err == nil {
		t.Fatal("start with a disabled KEK succeeded (F82)")
	}
	if c := f.vms["vm1"].caches; c != nil {
		t.Errorf("caches after a failed start: %v", c)
	}
	if _, err := f.Concrete(insider, cacheA("vm1", "vm1-data")); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

// TestHostCacheVerdictChangesNothing checks that reading verdicts, which
// read through the guest's volumes and put the cache at rest together
// (sealed, with encryption at host), change no field of the cache and
// write nothing to its disk.
func TestHostCacheVerdictChangesNothing(t *testing.T) {
	for _, eah := range []bool{false, true} {
		t.Run(fmt.Sprint("eah=", eah), func(t *testing.T) {
			f := cacheVM(t, 66, ubuntu2204, "", eah, nil)
			c := f.vms["vm1"].caches["vm1-data"]
			before, gen := *c, c.Managed.Raw().Generation()
			for _, a := range []Artifact{diskA("vm1-data"), cacheA("vm1", "vm1-data")} {
				for _, v := range []Vantage{guest("vm1"), insider} {
					f.verdict(v, a)
				}
			}
			if !reflect.DeepEqual(*c, before) {
				t.Errorf("verdicts changed the cache: %+v, was %+v (runs %v, was %v)", *c, before, c.runs, before.runs)
			}
			if got := c.Managed.Raw().Generation(); got != gen {
				t.Errorf("verdicts wrote to the disk: generation %d, was %d", got, gen)
			}
		})
	}
}

// TestHostCacheIsOnlyADevice checks that the device the guest's volumes
// sit on carries no disk management and prints as a cache, redacted.
func TestHostCacheIsOnlyADevice(t *testing.T) {
	f := cacheVM(t, 68, ubuntu2204, "des1", true, nil)
	var dev disk.Device = f.vms["vm1"].caches["vm1-data"]
	for name, ok := range map[string]bool{
		"Unlock": is[interface{ Unlock() error }](dev),
		"Lock":   is[interface{ Lock() }](dev),
		"Rewrap": is[interface {
			Rewrap(disk.KeyRole, envelope.KEK) error
		}](dev),
		"Raw":         is[interface{ Raw() *disk.Media }](dev),
		"Clone":       is[interface{ Clone() *disk.Managed }](dev),
		"WrappedKeys": is[interface{ WrappedKeys() []disk.WrappedKey }](dev),
		"Opened": is[interface {
			Opened() (*disk.HostView, error)
		}](dev),
	} {
		if ok {
			t.Errorf("the host cache has the disk's %s", name)
		}
	}
	if !is[interface {
		NextWritten(uint64) (uint64, uint64, bool)
	}](dev) {
		t.Error("the host cache lost NextWritten")
	}
	c := f.vms["vm1"].caches["vm1-data"]
	want := c.String()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q", "%d"} {
		for _, x := range []any{c, *c} {
			if got := fmt.Sprintf(verb, x); got != want {
				t.Errorf("Sprintf(%q, %T) = %q, want %q", verb, x, got, want)
			}
		}
	}
}

// is reports whether x has the methods of T.
func is[T any](x any) bool { _, ok := x.(T); return ok }

func TestAddSpan(t *testing.T) {
	var s []span
	for _, r := range []span{{10, 20}, {30, 40}, {20, 21}, {0, 5}, {12, 18}, {5, 10}, {41, 50}, {21, 41}} {
		s, _ = addSpan(s, r.first, r.end)
	}
	if want := []span{{0, 50}}; fmt.Sprint(s) != fmt.Sprint(want) {
		t.Errorf("spans %v, want %v", s, want)
	}
	s, grew := addSpan(s, 3, 7)
	if grew || len(s) != 1 {
		t.Errorf("adding a covered span grew the set: %v", s)
	}
	s, grew = addSpan(s, 60, 61)
	if !grew || fmt.Sprint(s) != fmt.Sprint([]span{{0, 50}, {60, 61}}) {
		t.Errorf("spans %v", s)
	}
	if n := testing.AllocsPerRun(100, func() { s, _ = addSpan(s, 20, 30) }); n != 0 {
		t.Errorf("addSpan of a covered span allocates %v times", n)
	}
}

// mediaContains reports whether the written runs of m contain pat.
func mediaContains(t *testing.T, m *disk.Media, pat []byte) bool {
	t.Helper()
	for s := uint64(0); ; {
		first, n, ok := m.NextWritten(s)
		if !ok {
			return false
		}
		b := make([]byte, n*uint64(m.SectorSize()))
		if err := m.ReadSectors(b, first); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, pat) {
			return true
		}
		s = first + n
	}
}

// TestHostCacheSASBlocksBoot: the guest of a stopped VM reads its cache
// only by booting, which an active SAS prevents (F105).
func TestHostCacheSASBlocksBoot(t *testing.T) {
	f := cacheVM(t, 67, ubuntu2204, "", true, nil)
	f.must(f.Stop("vm1"))
	g, err := f.GrantAccess(adminID, "vm1-data", hour)
	f.must(err)
	v := f.wantReadable(guest("vm1"), cacheA("vm1", "vm1-data"), false)
	if !hasFact(v, "F105") {
		t.Errorf("verdict lacks F105: %v", v)
	}
	f.must(f.RevokeAccess(g))
	f.wantReadable(guest("vm1"), cacheA("vm1", "vm1-data"), true)
}

// TestRetiredADEStoppedVM checks that the guest of a stopped ADE VM reads
// its disks and their host caches only through a boot that Start would
// make: past ADE's retirement Start is refused (F64), and so are the
// guest's verdicts, symbolic and concrete alike.
func TestRetiredADEStoppedVM(t *testing.T) {
	f := cacheVM(t, 71, ubuntu2204, "", false, &ADESpec{Vault: kv, Volumes: VolumeAll})
	f.must(f.Stop("vm1"))
	arts := []Artifact{diskA("vm1-data"), cacheA("vm1", "vm1-data")}
	for _, a := range arts {
		f.wantReadable(guest("vm1"), a, true)
	}
	f.Advance(f.opts.ADERetirement.Sub(f.Now()) + hour)
	wantErr(t, f.Start("vm1"), ErrBootFailure, "F64")
	for _, a := range arts {
		v := f.wantReadable(guest("vm1"), a, false)
		if !hasFact(v, "F64") {
			t.Errorf("%v: verdict lacks F64: %v", a, v)
		}
	}
	// The bytes at rest are where they were: the insider's answer on the
	// cache does not change (ADE covers it).
	f.wantReadable(insider, cacheA("vm1", "vm1-data"), false)
}

// TestCacheRefusalByCause checks that a failure to open a host cache is
// classed by its cause: the disk's key chain is ErrKeyUnavailable (F57),
// anything else is not.
func TestCacheRefusalByCause(t *testing.T) {
	keyErr := &disk.KeyError{Op: "open", Role: disk.CustomerKey, KeyID: "https://kv1.vault.azure.net/keys/cmk/1", Err: errors.New("disabled")}
	wantErr(t, cacheRefusal("Start", keyErr), ErrKeyUnavailable, "F57")
	err := cacheRefusal("Start", fmt.Errorf("%w: no room", disk.ErrMediaFull))
	wantErr(t, err, ErrInvalid, "")
	var re *RefusedError
	if errors.Is(err, ErrKeyUnavailable) || !errors.As(err, &re) || re.Fact != "" || !errors.Is(err, disk.ErrMediaFull) {
		t.Errorf("a media failure is classed %v (fact %q)", err, re.Fact)
	}
}
