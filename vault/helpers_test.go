package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/sim"
)

// testPool is shared by every test in the package so that RSA primes are
// generated once per process (see KeyPool).
var testPool = NewKeyPool()

var (
	owner = Principal{ID: "owner", Kind: KindUser}
	admin = Principal{ID: "admin", Kind: KindUser}
	alice = Principal{ID: "alice", Kind: KindUser}
	desMI = Principal{ID: "des-identity", Kind: KindManagedIdentity}
)

type world struct {
	t     testing.TB
	svc   *Service
	clock *sim.Clock
}

func newWorld(t testing.TB, seed uint64) *world {
	t.Helper()
	clock := sim.NewClock(sim.Epoch())
	svc, err := New(Config{Clock: clock, Rand: envelope.NewSeededReader(seed), RSAKeys: testPool})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, svc: svc, clock: clock}
}

func props(name string) VaultProperties {
	return VaultProperties{Name: name, Tenant: "tenant-1", Subscription: "sub-1", Region: "westeurope",
		Geography: "Europe", SKU: SKUPremium, SoftDeleteRetentionDays: 7}
}

// vault creates a vault and makes admin its Key Vault Administrator.
func (w *world) vault(p VaultProperties) *Client {
	w.t.Helper()
	if _, err := w.svc.CreateVault(owner, p); err != nil {
		w.t.Fatalf("CreateVault(%s) = %v", p.Name, err)
	}
	if p.AuthModel == AuthAccessPolicies {
		if err := w.svc.SetAccessPolicy(owner, p.Name, AccessPolicy{ObjectID: admin.ID, Keys: []string{"all"}, Secrets: []string{"all"}}); err != nil {
			w.t.Fatal(err)
		}
	} else if err := w.svc.AssignRole(owner, admin, RoleAdministrator, Scope{Vault: p.Name}); err != nil {
		w.t.Fatal(err)
	}
	return w.client(p.Name, admin)
}

func (w *world) client(vault string, p Principal) *Client {
	w.t.Helper()
	c, err := w.svc.Client(vault, p)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) octKey(c *Client, name string) Key {
	w.t.Helper()
	k, err := c.CreateKey(name, CreateKeyParameters{Kty: KeyTypeOctHSM})
	if err != nil {
		w.t.Fatalf("CreateKey(%s) = %v", name, err)
	}
	return k
}

func dekPattern(b byte) *envelope.DEK {
	d, err := envelope.NewDEK(slices.Repeat([]byte{b}, 32))
	if err != nil {
		panic(err)
	}
	return d
}

// fingerprint renders the whole state of the service, key material as
// hashes, and the audit log except its last skip events.
func (s *Service) fingerprint(skip int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	tp := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format(time.RFC3339Nano)
	}
	base := func(vb *versionBase) {
		fmt.Fprintf(&b, "    %s %s en=%v nbf=%s exp=%s c=%s u=%s tags=%v\n", vb.version, vb.id, vb.enabled, tp(vb.nbf), tp(vb.exp),
			vb.created.Format(time.RFC3339Nano), vb.updated.Format(time.RFC3339Nano), vb.tags)
	}
	for _, vn := range slices.Sorted(maps.Keys(s.vaults)) {
		v := s.vaults[vn]
		fmt.Fprintf(&b, "vault %s %+v created=%s deleted=%v\n", vn, v.props, v.created, v.deleted)
		for _, id := range slices.Sorted(maps.Keys(v.policies)) {
			fmt.Fprintf(&b, "  policy %s %v %v %x\n", id, v.policies[id].Keys, v.policies[id].Secrets, v.perms[id])
		}
		for _, n := range slices.Sorted(maps.Keys(v.keys)) {
			o := v.keys[n]
			fmt.Fprintf(&b, "  key %s %s deleted=%v resume=%s policy=%+v\n", n, o.name, o.deleted, o.resumeAt, o.policy)
			for _, kv := range o.versions {
				base(&kv.versionBase)
				m, _ := kv.mat.marshal()
				h := sha256.Sum256(m)
				fmt.Fprintf(&b, "     ops=%b notified=%v spec=%+v mat=%x\n", kv.ops, kv.notified, kv.mat.spec, h[:8])
			}
		}
		for _, n := range slices.Sorted(maps.Keys(v.secrets)) {
			o := v.secrets[n]
			fmt.Fprintf(&b, "  secret %s %s deleted=%v\n", n, o.name, o.deleted)
			for _, sv := range o.versions {
				base(&sv.versionBase)
				h := sha256.Sum256(sv.value)
				fmt.Fprintf(&b, "     ct=%q val=%x\n", sv.contentType, h[:8])
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.roles)) {
		fmt.Fprintf(&b, "roles %s %v\n", id, s.roles[id])
	}
	for _, bits := range slices.Sorted(maps.Keys(s.poolNext)) {
		fmt.Fprintf(&b, "pool %d %d\n", bits, s.poolNext[bits])
	}
	for _, e := range s.audit.events(0)[:s.audit.n-skip] {
		fmt.Fprintf(&b, "event %+v\n", e)
	}
	return b.String()
}

// lastEvent returns the newest audit event.
func (s *Service) lastEvent() Event {
	ev := s.AuditSince(s.AuditLen() - 1)
	return ev[0]
}

func wantErr(t testing.TB, what string, err error, want ...error) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("%s = %v, want success", what, err)
		}
		return
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Fatalf("%s = %v, want %v", what, err, w)
		}
	}
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("%s = %T, want *vault.Error", what, err)
	}
}

func hexs(b []byte) string { return hex.EncodeToString(b) }
