package lifecycle

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/sim"
	"github.com/atrest-sim/atrest/vault"
)

// World is one simulated cloud: its seed and clock, tenants and
// subscriptions, the key vault service, disk encryption sets, VMs, managed
// disks, snapshots, images, the backup service, site recovery, SAS grants
// and on-premises hosts. Same seed and same calls give the same states,
// errors, verdicts and audit events.
//
// A World is not safe for concurrent use: a simulation is one sequence of
// operations.
type World struct {
	opts  Options
	clock *sim.Clock
	rand  io.Reader
	kv    *vault.Service
	admin vault.Principal

	subs       map[string]*subscription
	principals map[string]*principal
	vaults     map[string]*vaultModel
	keys       map[string]*keyModel    // by "vault/name"
	secrets    map[string]*secretModel // by "vault/name"
	pmk        map[string]*envelope.AESKEK
	des        map[string]*desState
	vms        map[string]*vmState
	disks      map[string]*diskState
	snaps      map[string]*snapState
	custom     map[string]Image
	grants     map[string]*grant
	vhds       map[string]*vhdFile
	hosts      map[string]*host
	rps        map[string]*recoveryPoint
	repls      map[string]*replication
	blobs      map[string]*backupBlob
	// retired holds key and secret models replaced by a new object of the
	// same name after a purge, so that data naming their versions can still
	// be traced to its copies (F114).
	retired        []*keyModel
	retiredSecrets []*secretModel

	effects []effect
	seq     uint64

	// devGen, devVer and memo are the content versions of devices and the
	// read memo of concrete verdicts (memo.go); memoOff turns the memo off
	// (tests compare verdicts with and without it).
	devGen  uint64
	devVer  map[any]devStamp
	memo    map[memoKey]bool
	memoOff bool
	// pickup is set while a disk encryption set re-wraps its DEKs with a
	// rotated key (rewrapDES): Key Vault's rules apply then, not the disk
	// layer's expiry rule (F10, F50).
	pickup bool
	// memoMAC keys the digests in memo keys, so that they fingerprint
	// neither BEKs nor file contents to anyone without it (memo.go).
	memoMAC *[32]byte

	// quiet counts verdicts under way: their reads through a guest's
	// volumes do not join the host's caches (cache.go). booting is set
	// while a VM boots, when caches hold the runs read aside until the
	// boot succeeds.
	quiet   int
	booting bool

	// faults switches on deliberate defects for the property suite's
	// mutation tests (faults.go); always zero outside this package's tests.
	faults fault
}

// Config holds what a World draws on besides its options.
type Config struct {
	// Seed decides every random byte of the world (RSA key material aside,
	// see the package doc, Determinism).
	Seed uint64
	// Options are the rule switches; the zero value means DefaultOptions.
	Options *Options
	// RSAKeys, when set, supplies RSA key material from a pre-generated
	// pool (simulation only; see vault.KeyPool). Share one pool between
	// worlds to keep tests fast.
	RSAKeys *vault.KeyPool
}

// adminID is the principal that owns every subscription of the world and
// performs management-plane operations.
const adminID = "admin"

// New returns an empty world. It creates no tenant or subscription; add
// them with [World.AddSubscription].
func New(cfg Config) (*World, error) {
	opts := DefaultOptions()
	if cfg.Options != nil {
		opts = *cfg.Options
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	start := opts.Start
	if start.IsZero() {
		start = sim.Epoch()
	}
	main := envelope.NewSeededReader(cfg.Seed)
	// The vault service needs a reader of its own (it must not be shared),
	// drawn from the world's stream so that one seed decides both.
	var vs [8]byte
	if _, err := io.ReadFull(main, vs[:]); err != nil {
		return nil, refuseCause("New", "", ErrInvalid, "seeding the vault service", err)
	}
	clock := sim.NewClock(start)
	kv, err := vault.New(vault.Config{Clock: clock, Rand: envelope.NewSeededReader(binary.LittleEndian.Uint64(vs[:])), RSAKeys: cfg.RSAKeys})
	if err != nil {
		return nil, refuseCause("New", "", ErrInvalid, "creating the vault service", err)
	}
	w := &World{
		opts: opts, clock: clock, rand: main, kv: kv,
		admin:      vault.Principal{ID: adminID, Kind: vault.KindUser},
		subs:       map[string]*subscription{},
		principals: map[string]*principal{},
		vaults:     map[string]*vaultModel{},
		keys:       map[string]*keyModel{},
		secrets:    map[string]*secretModel{},
		pmk:        map[string]*envelope.AESKEK{},
		des:        map[string]*desState{},
		vms:        map[string]*vmState{},
		disks:      map[string]*diskState{},
		snaps:      map[string]*snapState{},
		custom:     map[string]Image{},
		grants:     map[string]*grant{},
		vhds:       map[string]*vhdFile{},
		hosts:      map[string]*host{},
		rps:        map[string]*recoveryPoint{},
		repls:      map[string]*replication{},
		blobs:      map[string]*backupBlob{},
		devVer:     map[any]devStamp{},
		memo:       map[memoKey]bool{},
		memoMAC:    new([32]byte),
	}
	// The memo's MAC key only decides which digests are equal, never a
	// verdict, so it comes from the system source and not from the seed:
	// knowing the seed does not let anyone test a guessed BEK against it.
	if _, err := cryptorand.Read(w.memoMAC[:]); err != nil {
		return nil, refuseCause("New", "", ErrInvalid, "drawing the memo key", err)
	}
	w.principals[adminID] = &principal{name: adminID, vp: w.admin, vaultRoles: map[string][]vault.Role{}, compute: map[string]ComputeRole{}}
	return w, nil
}

// String describes the world without its contents: a World holds key
// material (platform keys, BEKs in guest memory, keys handed to hosts) and
// the bytes of disks and VHDs, none of which may reach an output.
func (w *World) String() string { return "lifecycle.World(REDACTED)" }

// GoString is String, so %#v hides the contents too.
func (w *World) GoString() string { return w.String() }

// Format writes String for every verb.
func (w *World) Format(f fmt.State, verb rune) { io.WriteString(f, w.String()) }

// Now returns the simulated time.
func (w *World) Now() time.Time { return w.clock.Now() }

// Options returns the world's rule switches.
func (w *World) Options() Options { return w.opts }

// Vaults returns the key vault service of the world, for reading its audit
// log. Change vault state only through the World's methods: the verdicts
// model the states those methods record.
func (w *World) Vaults() *vault.Service { return w.kv }

// effect is a scheduled consequence: it fires when the clock reaches at, in
// (at, seq) order.
type effect struct {
	at   time.Time
	seq  uint64
	what string
	fn   func()
}

// schedule registers fn to run when the clock reaches at.
func (w *World) schedule(at time.Time, what string, fn func()) {
	w.seq++
	w.effects = append(w.effects, effect{at: at, seq: w.seq, what: what, fn: fn})
}

// Advance moves the clock forward by d, firing every scheduled effect whose
// time is reached, in time order (ties in the order they were scheduled),
// with the clock set to each effect's time while it runs. It returns the new
// time. No goroutine or timer is involved.
func (w *World) Advance(d time.Duration) time.Time {
	if d < 0 {
		panic(fmt.Sprintf("lifecycle: negative Advance %v", d))
	}
	end := w.clock.Now().Add(d)
	for {
		i := w.nextEffect(end)
		if i < 0 {
			break
		}
		e := w.effects[i]
		w.effects = slices.Delete(w.effects, i, i+1)
		if now := w.clock.Now(); e.at.After(now) {
			w.clock.Advance(e.at.Sub(now))
		}
		e.fn()
	}
	if now := w.clock.Now(); end.After(now) {
		w.clock.Advance(end.Sub(now))
	}
	return w.clock.Now()
}

// nextEffect returns the index of the earliest effect due by end, or -1.
func (w *World) nextEffect(end time.Time) int {
	best := -1
	for i, e := range w.effects {
		if e.at.After(end) {
			continue
		}
		if best < 0 || e.at.Before(w.effects[best].at) || e.at.Equal(w.effects[best].at) && e.seq < w.effects[best].seq {
			best = i
		}
	}
	return best
}

// Pending returns the descriptions of the scheduled effects not yet fired,
// in the order they will fire.
func (w *World) Pending() []string {
	es := slices.Clone(w.effects)
	sort.Slice(es, func(i, j int) bool {
		if !es[i].at.Equal(es[j].at) {
			return es[i].at.Before(es[j].at)
		}
		return es[i].seq < es[j].seq
	})
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.at.Format(time.RFC3339) + " " + e.what
	}
	return out
}

// sortedKeys returns the keys of m in order, so that no behaviour depends
// on map iteration order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
