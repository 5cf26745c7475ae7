package lifecycle_test

// The property suite of issue 6: a rapid state machine over the whole World,
// a plain model (model_test.go) that predicts every refusal before the call,
// and the eleven theorems of PROPERTIES.md checked after every step
// (properties_checks_test.go). Run:
//
//	go test -run Theorems ./lifecycle/                       # default, ~100 cases
//	RAPID_CHECKS=2000 go test -run Theorems ./lifecycle/     # deep exploration
//	go test -run Theorems ./lifecycle/ -rapid.seed=N         # replay a failure
//
// Each step logs the call it made, as Go, so that a shrunk failure reads as
// a program to replay against a fresh world (see newHarness for the setup).

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
	"github.com/atrest-sim/atrest/vault"
	"pgregory.net/rapid"
)

var (
	propPool     = vault.NewKeyPool()
	propPoolOnce sync.Once
)

// warmPool builds the RSA material once per process.
func warmPool(t testing.TB) {
	propPoolOnce.Do(func() {
		for _, bits := range []int{2048, 3072} {
			if err := propPool.Warm(bits, 12); err != nil {
				t.Fatal(err)
			}
		}
	})
}

const (
	sub1    = "sub1"
	admin   = "admin"
	alice   = "alice"   // Contributor on sub1; vault roles drawn by AssignVaultRole
	auditor = "auditor" // Contributor without disk export (F116)
	onprem  = "onprem"  // the on-premises host
)

var (
	regions3   = []string{"westeurope", "northeurope", "eastus"}
	vaultNames = []string{"kv0", "kv1", "kv2", "kv3"}
	keyNames   = []string{"k0", "k1"}
	desNames   = []string{"des0", "des1", "des2"}
	vmNames    = []string{"vm0", "vm1", "vm2", "vm3"}
	diskNames  = []string{"d0", "d1", "d2", "d3", "d4"}
	whoNames   = []string{admin, alice}
	keyKinds   = []string{"RSA-2048", "RSA-3072", "oct-HSM"}
	vaultRoles = []vault.Role{vault.RoleCryptoUser, vault.RoleCryptoOfficer, vault.RoleSecretsUser, vault.RoleAdministrator}
)

// harness is one test case: the world, the model and the step counter.
type harness struct {
	t       *rapid.T
	w       *lifecycle.World
	m       *model
	fault   lifecycle.Fault
	steps   int
	nextID  int
	checks  int                 // invariant checks done
	raw     map[string]*rawSeen // T1: markers found per store at rest, by content version
	scanner lifecycle.RawScanner
	// keyIDs are the versioned key ids the world returned, per key. (A
	// package-level map keyed by harness once kept every case's world
	// alive: 19 GB after 12,000 cases.)
	keyIDs keyIDs
}

// startWorld is the world every scenario of the suite starts from: one
// subscription with encryption at host registered, the principals alice
// (Contributor) and auditor (Contributor without disk export), and the
// on-premises host onprem. newHarness and the regression tests share it.
func startWorld(seed uint64) (*lifecycle.World, error) {
	w, err := lifecycle.New(lifecycle.Config{Seed: seed, RSAKeys: propPool})
	if err != nil {
		return nil, err
	}
	for _, err := range []error{w.AddSubscription("tenant1", sub1), w.RegisterEncryptionAtHost(sub1),
		w.AddPrincipal(alice), w.AssignComputeRole(alice, sub1, lifecycle.Contributor),
		w.AddPrincipal(auditor), w.AssignComputeRole(auditor, sub1, lifecycle.ContributorNoExport), w.AddHost(onprem)} {
		if err != nil {
			return nil, err
		}
	}
	return w, nil
}

func newHarness(t *rapid.T, f lifecycle.Fault) *harness {
	seed := rapid.Uint64().Draw(t, "seed")
	w, err := startWorld(seed)
	if err != nil {
		t.Fatal(err)
	}
	lifecycle.SetFault(w, f)
	lifecycle.SetReadMemo(w, !memoOff)
	t.Logf("w, _ := lifecycle.New(lifecycle.Config{Seed: %d}); AddSubscription(tenant1, sub1); RegisterEncryptionAtHost(sub1); principals alice (Contributor), auditor (ContributorNoExport); host onprem", seed)
	return &harness{t: t, w: w, m: newModel(w.Now()), fault: f}
}

// do runs one call the model has predicted, logs it in replayable form,
// and checks the prediction. It returns whether the call succeeded.
func (h *harness) do(call string, p pred, f func() error) bool {
	h.t.Helper()
	err := f()
	wrong := err == nil && p.refused() || err != nil && !matches(err, p.refuse) && !matches(err, p.maybe)
	if wrong && h.fault != 0 {
		// Under a deliberate fault (properties_faults_test.go) the model's
		// predictions are not checked: the mutation tests ask whether the
		// theorem's own check catches the fault, not whether the model
		// notices its side effects first.
		h.t.Logf("%s -> %v (fault on: prediction not checked)", call, err)
		return err == nil
	}
	switch {
	case err == nil && p.refused():
		h.t.Logf("%s -> ok", call)
		h.t.Fatalf("model: %s should have been refused with %v, but it succeeded", call, p.refuse)
	case err != nil && !matches(err, p.refuse) && !matches(err, p.maybe):
		h.t.Logf("%s -> %v", call, err)
		if p.refused() {
			h.t.Fatalf("model: %s refused with %v; the model predicted %v", call, err, p.refuse)
		}
		h.t.Fatalf("model: %s refused with %v; the model predicted success (allowed: %v)", call, err, p.maybe)
	case err != nil:
		h.t.Logf("%s -> refused as predicted: %v", call, err)
	default:
		h.t.Logf("%s -> ok", call)
	}
	return err == nil
}

func sorted[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// pick draws one of the model's names, or skips the step before any draw
// when there is none (a skip before a draw is invisible to rapid).
func pick[V any](t *rapid.T, m map[string]V, label string) string {
	ks := sorted(m)
	if len(ks) == 0 {
		t.Skip("no " + label)
	}
	return rapid.SampledFrom(ks).Draw(t, label)
}

func keyURL(vaultName, name string) string {
	return "https://" + vaultName + ".vault.azure.net/keys/" + name
}

// ids of key versions, by "vault/name", as the system named them.
type keyIDs map[string][]string

// advanceModel moves the model's clock and applies what the model knows
// happens with time: SAS expiry (F105), auto-purge at the end of retention
// (F26), and, for VMs whose keys are not pristine, the F47 shutdown, which
// the model allows but does not time.
func (h *harness) advanceModel(d time.Duration) {
	m := h.m
	m.now = m.now.Add(d)
	for _, tgt := range sorted(m.grants) {
		if g := m.grants[tgt]; !m.now.Before(g.expires) {
			delete(m.grants, tgt)
		}
	}
	for _, k := range sorted(m.keys) {
		if key := m.keys[k]; key.state == keyDeleted && m.keyGone(key) {
			key.state = keyPurged
		}
	}
	for _, n := range sorted(m.secrets) {
		s := m.secrets[n]
		if s.state == keyDeleted && !m.now.Before(s.deletedAt.Add(time.Duration(m.vaults[s.vault].retention)*24*time.Hour)) {
			s.state = keyPurged
		}
	}
	h.updateShredded()
	for _, n := range sorted(m.vms) {
		vm := m.vms[n]
		st, _, err := h.w.VMStatus(n)
		if err != nil {
			h.t.Fatalf("VMStatus(%s): %v", n, err)
		}
		if st == vm.state {
			continue
		}
		if vm.state == lifecycle.Running && st == lifecycle.Stopped && !m.vmPristine(vm) {
			vm.state = st // the F47 shutdown, allowed for a VM with a revoked key
			continue
		}
		if h.fault != 0 { // see do
			vm.state = st
			continue
		}
		h.t.Fatalf("model: after Advance(%v) %s is %v, the model expected %v (keys pristine: %v)", d, n, st, vm.state, m.vmPristine(vm))
	}
}

// updateShredded records CMK lineages of which no copy remains (T5).
func (h *harness) updateShredded() {
	m := h.m
	for _, k := range sorted(m.keys) {
		l := m.keys[k].lineage
		if _, ok := m.shredded[l]; ok {
			continue
		}
		gone := true
		for _, k2 := range m.keys {
			if k2.lineage == l && !m.keyGone(k2) {
				gone = false
			}
		}
		for _, b := range m.blobs {
			if b.lineage == l {
				gone = false
			}
		}
		if gone {
			m.shredded[l] = m.now
		}
	}
}

// TestTheorems runs the machine. RAPID_CHECKS and RAPID_STEPS (or
// -rapid.checks, -rapid.steps) set the depth; see PROPERTIES.md.
func TestTheorems(t *testing.T) {
	warmPool(t)
	start := time.Now()
	var steps, cases int
	rapid.Check(t, func(rt *rapid.T) {
		h := newHarness(rt, 0)
		h.run()
		steps += h.steps
		cases++
	})
	el := time.Since(start)
	t.Logf("%d cases, %d steps in %v: %.0f steps/s (invariants after every step)", cases, steps, el.Round(time.Millisecond), float64(steps)/el.Seconds())
}

// focusProfiles are smaller action sets that reach deep sequences of one
// area in fewer steps than the whole machine (an ADE recovery point whose
// keys are restored elsewhere, a failover after key changes, a rotation
// among snapshots and backups). Every theorem is still checked after
// every step.
var focusProfiles = map[string][]string{
	"backup": {"CreateVault", "CreateKey", "AssignVaultRole", "CreateDES", "CreateVM", "AttachNewDisk", "WriteFile", "PowerVM", "EnableADE",
		"GrantBackupAccess", "BackupVM", "RestoreVM", "RestoreRPKeys", "RecoverFile", "UnmountDisk", "MountDisk", "DeleteKey", "PurgeKey", "DeleteSecret", "PurgeSecret", "AdvanceClock", "DownloadVHD", "HandBEKToHost"},
	"dr": {"CreateVault", "CreateKey", "AssignVaultRole", "CreateDES", "CreateVM", "AttachNewDisk", "WriteFile", "PowerVM", "EnableADE",
		"EnableReplication", "Failover", "DisableKey", "EnableKey", "DeleteSecret", "PurgeSecret", "AdvanceClock", "DownloadVHD"},
	"rotation": {"CreateVault", "CreateKey", "CreateDES", "CreateVM", "AttachNewDisk", "WriteFile", "PowerVM", "EnableADE",
		"RotateKey", "DisableKey", "EnableKey", "SetKeyExpiry", "DeleteRecoverKey", "BackupKey", "RestoreKey", "CreateSnapshot", "CopySnapshot", "AdvanceClock"},
}

// TestTheoremsFocused runs the machine once per focus profile, with the
// same depth settings as TestTheorems.
func TestTheoremsFocused(t *testing.T) {
	warmPool(t)
	for _, name := range sorted(focusProfiles) {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			steps := 0
			rapid.Check(t, func(rt *rapid.T) {
				h := newHarness(rt, 0)
				h.runFocused(focusProfiles[name])
				steps += h.steps
			})
			el := time.Since(start)
			t.Logf("%d steps in %v: %.0f steps/s", steps, el.Round(time.Millisecond), float64(steps)/el.Seconds())
		})
	}
}

// run drives the machine: every action, and the invariant "" (the eleven
// theorems) after each.
func (h *harness) run() { h.runFocused(nil) }

// runFocused runs the machine with only the named actions (all when focus
// is empty). The mutation tests use it to reach a fault's sequence in fewer
// cases; the theorems checked are the same.
func (h *harness) runFocused(focus []string) {
	actions := h.actions()
	if len(focus) > 0 {
		for name := range actions {
			if !slices.Contains(focus, name) {
				delete(actions, name)
			}
		}
		if len(actions) != len(focus) {
			h.t.Fatalf("focus %v names actions the machine does not have", focus)
		}
	}
	actions[""] = func(t *rapid.T) { h.checkAll() }
	h.t.Repeat(actions)
}

func (h *harness) actions() map[string]func(*rapid.T) {
	count := func(f func(*rapid.T)) func(*rapid.T) {
		return func(t *rapid.T) { f(t); h.steps++ }
	}
	a := map[string]func(*rapid.T){
		"AdvanceClock":      h.actAdvance,
		"AssignVaultRole":   h.actAssignRole,
		"AttachNewDisk":     h.actAttachNewDisk,
		"BackupSecret":      h.actBackupSecret,
		"RestoreSecret":     h.actRestoreSecret,
		"SetKeyExpiry":      h.actSetKeyExpiry,
		"BackupKey":         h.actBackupKey,
		"BackupVM":          h.actBackupVM,
		"CaptureImage":      h.actCaptureImage,
		"CopySnapshot":      h.actCopySnapshot,
		"CreateDES":         h.actCreateDES,
		"CreateKey":         h.actCreateKey,
		"CreateSnapshot":    h.actCreateSnapshot,
		"CreateVM":          h.actCreateVM,
		"CreateVault":       h.actCreateVault,
		"DeleteKey":         h.actDeleteKey,
		"DeleteRecoverKey":  h.actDeleteRecoverKey,
		"DeleteSecret":      h.actDeleteSecret,
		"DisableADE":        h.actDisableADE,
		"DisableKey":        h.actDisableKey,
		"DownloadVHD":       h.actDownloadVHD,
		"EnableADE":         h.actEnableADE,
		"EnableKey":         h.actEnableKey,
		"EnableReplication": h.actEnableReplication,
		"Failover":          h.actFailover,
		"GrantBackupAccess": h.actGrantBackupAccess,
		"HandBEKToHost":     h.actHandBEK,
		"PowerVM":           h.actPower,
		"PurgeKey":          h.actPurgeKey,
		"PurgeSecret":       h.actPurgeSecret,
		"RecoverKey":        h.actRecoverKey,
		"RestoreKey":        h.actRestoreKey,
		"RestoreRPKeys":     h.actRestoreRPKeys,
		"RecoverFile":       h.actRecoverFile,
		"RestoreVM":         h.actRestoreVM,
		"RotateKey":         h.actRotateKey,
		"WriteFile":         h.actWriteFile,
		"UnmountDisk":       h.actUnmount,
		"MountDisk":         h.actMount,
	}
	for k, f := range a {
		a[k] = count(f)
	}
	return a
}

// ---- vaults and keys ----

func (h *harness) actCreateVault(t *rapid.T) {
	m := h.m
	name := rapid.SampledFrom(vaultNames).Draw(t, "vault")
	s := lifecycle.VaultSpec{Name: name, Subscription: sub1, Region: rapid.SampledFrom(regions3).Draw(t, "region"),
		Premium: rapid.Bool().Draw(t, "premium"), PurgeProtection: rapid.Bool().Draw(t, "purgeProtection"),
		RetentionDays: rapid.SampledFrom([]int{7, 30, 90}).Draw(t, "retentionDays"), EnabledForDiskEncryption: rapid.SampledFrom([]bool{true, false, true}).Draw(t, "forDiskEncryption")}
	var p pred
	if m.vaults[name] != nil {
		p.no(lifecycle.ErrInvalid, "F24")
	}
	if h.do(fmt.Sprintf("w.CreateVault(%#v)", s), p, func() error { return h.w.CreateVault(s) }) {
		m.vaults[name] = &mVault{name: name, region: s.Region, geo: geoOf[s.Region], premium: s.Premium, pp: s.PurgeProtection, retention: s.RetentionDays, forDE: s.EnabledForDiskEncryption}
		if m.roles[admin] == nil {
			m.roles[admin] = map[string][]vault.Role{}
		}
		m.roles[admin][name] = []vault.Role{vault.RoleAdministrator}
	}
}

func (h *harness) actAssignRole(t *rapid.T) {
	v := pick(t, h.m.vaults, "vault")
	r := rapid.SampledFrom(vaultRoles).Draw(t, "role")
	var p pred
	if slices.Contains(h.m.roles[alice][v], r) {
		p.no(lifecycle.ErrInvalid, "F38")
	}
	if h.do(fmt.Sprintf("w.AssignVaultRole(%q, %q, %q)", alice, v, r), p, func() error { return h.w.AssignVaultRole(alice, v, r) }) {
		if h.m.roles[alice] == nil {
			h.m.roles[alice] = map[string][]vault.Role{}
		}
		h.m.roles[alice][v] = append(h.m.roles[alice][v], r)
	}
}

// auditOnce checks T9 for one call: exactly one audit event by who with
// operation op since index i.
func (h *harness) auditOnce(i int, who, op, call string) {
	n := 0
	for _, e := range h.w.Vaults().AuditSince(i) {
		if e.Caller.ID == who && e.Operation == op {
			n++
		}
	}
	if n != 1 {
		h.t.Fatalf("T9 audit: %s made %d %s events by %s, want exactly 1", call, n, op, who)
	}
}

func (h *harness) actCreateKey(t *rapid.T) {
	m := h.m
	v := pick(t, m.vaults, "vault")
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	name := rapid.SampledFrom(keyNames).Draw(t, "key")
	ref := v + "/" + name
	k := m.keys[ref]
	kind := rapid.SampledFrom(keyKinds).Draw(t, "kind")
	if k != nil && k.state == keyLive { // a new version keeps the key's type
		kind = "RSA-" + fmt.Sprint(k.bits)
		if k.oct {
			kind = "oct-HSM"
		}
	}
	spec := lifecycle.KeySpec{Type: vault.KeyTypeRSA, Size: 2048}
	switch kind {
	case "RSA-3072":
		spec.Size = 3072
	case "oct-HSM":
		spec = lifecycle.KeySpec{Type: vault.KeyTypeOctHSM, Size: 256}
	}
	var p pred
	if !m.allowed(who, v, "keyCreate") {
		p.no(vault.ErrForbidden, "")
	}
	if spec.Type == vault.KeyTypeOctHSM && !m.vaults[v].premium {
		p.no(vault.ErrNotSupported, "")
	}
	if k != nil && k.state == keyDeleted && !m.keyGone(k) {
		p.no(vault.ErrConflict, "")
	}
	i := h.w.Vaults().AuditLen()
	var id string
	call := fmt.Sprintf("w.CreateKey(%q, %q, %q, %#v)", who, v, name, spec)
	ok := h.do(call, p, func() (err error) { id, err = h.w.CreateKey(who, v, name, spec); return })
	h.auditOnce(i, who, "CreateKey", call)
	if !ok {
		return
	}
	if k == nil || m.keyGone(k) {
		m.lineages++
		k = &mKey{vault: v, name: name, oct: spec.Type == vault.KeyTypeOctHSM, bits: spec.Size, lineage: m.lineages}
		m.keys[ref] = k
	}
	k.enabled = append(k.enabled, true)
	h.ids(ref, id)
}

// ids records id (unless empty) among the versioned ids the system
// returned for key ref, and returns them, to name versions.
func (h *harness) ids(ref, id string) []string {
	if h.keyIDs == nil {
		h.keyIDs = keyIDs{}
	}
	if id != "" {
		h.keyIDs[ref] = append(h.keyIDs[ref], id)
	}
	return h.keyIDs[ref]
}

// keyOp draws a who, and a key of the model in any state.
func (h *harness) pickKey(t *rapid.T) (string, *mKey) {
	ref := pick(t, h.m.keys, "key")
	return ref, h.m.keys[ref]
}

func (h *harness) keyPred(who string, k *mKey, perm string, need keyState) pred {
	var p pred
	if !h.m.allowed(who, k.vault, perm) {
		p.no(vault.ErrForbidden, "")
	}
	gone := h.m.keyGone(k)
	switch {
	case need == keyLive && (k.state != keyLive || gone):
		p.no(vault.ErrNotFound, "")
	case need == keyDeleted && (k.state != keyDeleted || gone):
		p.no(vault.ErrNotFound, "")
	}
	return p
}

func (h *harness) actRotateKey(t *rapid.T) {
	ref, k := h.pickKey(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	p := h.keyPred(who, k, "keyRotate", keyLive)
	before := h.snapshotReadability()
	raw := h.rawDigest()
	i := h.w.Vaults().AuditLen()
	var id string
	call := fmt.Sprintf("w.RotateKey(%q, %q, %q)", who, k.vault, k.name)
	ok := h.do(call, p, func() (err error) { id, err = h.w.RotateKey(who, k.vault, k.name); return })
	h.auditOnce(i, who, "RotateKey", call)
	if !ok {
		return
	}
	k.enabled = append(k.enabled, true)
	h.ids(ref, id)
	h.checkT8Rotation(call, before, raw)
}

func (h *harness) setEnabled(t *rapid.T, on bool) {
	ref, k := h.pickKey(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	p := h.keyPred(who, k, "keyUpdate", keyLive)
	ids := h.ids(ref, "")
	id := keyURL(k.vault, k.name)
	if len(ids) > 0 {
		id = ids[len(ids)-1]
	}
	i := h.w.Vaults().AuditLen()
	call := fmt.Sprintf("w.SetKeyEnabled(%q, %q, %v)", who, id, on)
	ok := h.do(call, p, func() error { return h.w.SetKeyEnabled(who, id, on) })
	h.auditOnce(i, who, "UpdateKeyProperties", call)
	if ok {
		k.enabled[len(k.enabled)-1] = on
	}
}

// actSetKeyExpiry sets the exp attribute of a key's newest version: now
// (expired at once), in an hour or in a month. Disks treat an expired
// customer key as unusable (F47, Options.ExpiredCMKUnusable) from the next
// key check.
func (h *harness) actSetKeyExpiry(t *rapid.T) {
	withIDs := map[string]bool{}
	for _, ref := range sorted(h.m.keys) {
		if len(h.ids(ref, "")) > 0 {
			withIDs[ref] = true
		}
	}
	ref := pick(t, withIDs, "key")
	k := h.m.keys[ref]
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	in := rapid.SampledFrom([]time.Duration{0, time.Hour, 30 * 24 * time.Hour}).Draw(t, "expiresIn")
	ids := h.ids(ref, "")
	id := ids[len(ids)-1]
	var p pred
	if !h.m.allowed(who, k.vault, "keyUpdate") {
		p.no(lifecycle.ErrForbidden, "")
	}
	if k.state != keyLive || h.m.keyGone(k) {
		p.no(lifecycle.ErrForbidden, "")
		p.no(lifecycle.ErrNotFound, "")
	}
	exp := h.m.now.Add(in)
	i := h.w.Vaults().AuditLen()
	call := fmt.Sprintf("w.SetKeyExpiry(%q, %q, %s)", who, id, exp.Format(time.RFC3339))
	if !h.do(call, p, func() error { return h.w.SetKeyExpiry(who, id, exp) }) {
		return
	}
	h.auditOnce(i, who, "UpdateKeyProperties", call)
	for len(k.expires) < len(k.enabled) {
		k.expires = append(k.expires, time.Time{})
	}
	k.expires[len(k.enabled)-1] = exp
}

// actBackupSecret backs up a BEK secret into a file outside any vault: a
// copy that keeps the BEK alive for T5 (F33).
func (h *harness) actBackupSecret(t *rapid.T) {
	n, s := h.pickSecret(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	var p pred
	if !h.m.allowed(who, s.vault, "secretBackup") {
		p.no(lifecycle.ErrForbidden, "")
	}
	if s.state != keyLive {
		p.no(lifecycle.ErrNotFound, "")
	}
	h.nextID++
	name := fmt.Sprintf("sb%d", h.nextID)
	if h.do(fmt.Sprintf("w.BackupSecret(%q, %q, %q, %q)", who, s.vault, n, name), p, func() error { return h.w.BackupSecret(who, s.vault, n, name) }) {
		h.m.secBlobs[name] = n
		h.m.bekCopies[n] = true
	}
}

// actRestoreSecret restores a secret backup into the secret's own vault:
// refused while the name is live or soft-deleted there (F34). (Restoring
// into another vault of the geography is not drawn: the model keeps one
// vault per BEK secret.)
func (h *harness) actRestoreSecret(t *rapid.T) {
	b := pick(t, h.m.secBlobs, "secretBackup")
	n := h.m.secBlobs[b]
	s := h.m.secrets[n]
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	var p pred
	if !h.m.allowed(who, s.vault, "secretRestore") {
		p.no(lifecycle.ErrForbidden, "")
	}
	if s.state != keyPurged {
		p.no(lifecycle.ErrState, "F34")
	}
	if h.do(fmt.Sprintf("w.RestoreSecret(%q, %q, %q)", who, s.vault, b), p, func() error { _, err := h.w.RestoreSecret(who, s.vault, b); return err }) {
		s.state = keyLive
	}
}

func (h *harness) actDisableKey(t *rapid.T) { h.setEnabled(t, false) }
func (h *harness) actEnableKey(t *rapid.T)  { h.setEnabled(t, true) }

func (h *harness) actDeleteKey(t *rapid.T) {
	_, k := h.pickKey(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	h.deleteKey(who, k)
}

func (h *harness) deleteKey(who string, k *mKey) bool {
	p := h.keyPred(who, k, "keyDelete", keyLive)
	i := h.w.Vaults().AuditLen()
	call := fmt.Sprintf("w.DeleteKey(%q, %q, %q)", who, k.vault, k.name)
	ok := h.do(call, p, func() error { return h.w.DeleteKey(who, k.vault, k.name) })
	h.auditOnce(i, who, "DeleteKey", call)
	if ok {
		k.state, k.deletedAt = keyDeleted, h.m.now
	}
	return ok
}

func (h *harness) actRecoverKey(t *rapid.T) {
	_, k := h.pickKey(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	h.recoverKey(who, k)
}

func (h *harness) recoverKey(who string, k *mKey) bool {
	p := h.keyPred(who, k, "keyRecover", keyDeleted)
	i := h.w.Vaults().AuditLen()
	call := fmt.Sprintf("w.RecoverKey(%q, %q, %q)", who, k.vault, k.name)
	ok := h.do(call, p, func() error { return h.w.RecoverKey(who, k.vault, k.name) })
	h.auditOnce(i, who, "RecoverDeletedKey", call)
	if ok {
		k.state = keyLive
	}
	return ok
}

// actPurgeKey checks T7: a purge inside the retention of a vault with purge
// protection is refused (F27).
func (h *harness) actPurgeKey(t *rapid.T) {
	_, k := h.pickKey(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	p := h.keyPred(who, k, "keyPurge", keyDeleted)
	protected := h.m.vaults[k.vault].pp && k.state == keyDeleted && !h.m.keyGone(k)
	if protected {
		p.no(vault.ErrPurgeProtected, "")
	}
	i := h.w.Vaults().AuditLen()
	call := fmt.Sprintf("w.PurgeKey(%q, %q, %q)", who, k.vault, k.name)
	err := h.w.PurgeKey(who, k.vault, k.name)
	if err == nil && protected {
		h.t.Fatalf("T7 purge protection: %s purged key %s of vault %s (purge protection, retention %d days, deleted %v ago)",
			call, k.name, k.vault, h.m.vaults[k.vault].retention, h.m.now.Sub(k.deletedAt))
	}
	if h.do(call, p, func() error { return err }) {
		k.state = keyPurged
		h.updateShredded()
	}
	h.auditOnce(i, who, "PurgeDeletedKey", call)
}

// actDeleteRecoverKey checks T6: delete a key, let less than the revocation
// delay pass, recover it: every verdict is as before.
func (h *harness) actDeleteRecoverKey(t *rapid.T) {
	_, k := h.pickKey(t)
	if k.state != keyLive || !h.m.allowed(admin, k.vault, "keyDelete") {
		t.Skip("key not live")
	}
	d := rapid.SampledFrom([]time.Duration{0, time.Minute, 30 * time.Minute}).Draw(t, "within")
	for _, p := range h.w.Pending() { // no other effect may fire in between
		if at, err := time.Parse(time.RFC3339, p[:20]); err == nil && !at.After(h.m.now.Add(d)) {
			d = 0
		}
	}
	before := h.snapshotReadability()
	if !h.deleteKey(admin, k) {
		return
	}
	h.t.Logf("w.Advance(%v)", d)
	h.w.Advance(d)
	h.advanceModel(d)
	if !h.recoverKey(admin, k) {
		h.t.Fatalf("T6 soft-delete: recovering %s/%s within retention was refused", k.vault, k.name)
	}
	after := h.snapshotReadability()
	for _, key := range slices.Sorted(maps.Keys(before)) {
		if before[key] != after[key] {
			h.t.Fatalf("T6 soft-delete: deleting and recovering %s/%s changed %s from readable=%v to %v", k.vault, k.name, key, before[key], after[key])
		}
	}
}

func (h *harness) actBackupKey(t *rapid.T) {
	ref, k := h.pickKey(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	p := h.keyPred(who, k, "keyBackup", keyLive)
	h.nextID++
	name := fmt.Sprintf("kb%d", h.nextID)
	i := h.w.Vaults().AuditLen()
	call := fmt.Sprintf("w.BackupKey(%q, %q, %q, %q)", who, k.vault, k.name, name)
	ok := h.do(call, p, func() error { return h.w.BackupKey(who, k.vault, k.name, name) })
	h.auditOnce(i, who, "BackupKey", call)
	if ok {
		h.m.blobs[name] = &mBlob{lineage: k.lineage, vault: k.vault, key: k.name, geo: h.m.vaults[k.vault].geo, sub: sub1, oct: k.oct, bits: k.bits, versions: len(k.enabled),
			enabled: slices.Clone(k.enabled), expires: slices.Clone(k.expires)}
		_ = ref
		h.updateShredded()
	}
}

// actRestoreKey restores a key backup into a vault: refused into another
// geography (F33) and over a taken name (F34).
func (h *harness) actRestoreKey(t *rapid.T) {
	m := h.m
	files := map[string]bool{} // key backup files; "rp/KEK" copies live inside recovery points
	for n := range m.blobs {
		if !strings.Contains(n, "/") {
			files[n] = true
		}
	}
	b := pick(t, files, "backup")
	v := pick(t, m.vaults, "vault")
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	blob := m.blobs[b]
	var p pred
	if !m.allowed(who, v, "keyRestore") {
		p.no(vault.ErrForbidden, "")
	}
	if m.vaults[v].geo != blob.geo {
		p.no(lifecycle.ErrRegionMismatch, "F33")
	}
	if blob.oct && !m.vaults[v].premium {
		p.no(vault.ErrNotSupported, "")
		p.no(lifecycle.ErrInvalid, "")
	}
	ref := v + "/" + blob.key
	if k := m.keys[ref]; k != nil && !m.keyGone(k) {
		p.no(lifecycle.ErrState, "F34")
	}
	i := h.w.Vaults().AuditLen()
	var id string
	call := fmt.Sprintf("w.RestoreKey(%q, %q, %q)", who, v, b)
	ok := h.do(call, p, func() (err error) { id, err = h.w.RestoreKey(who, v, b); return })
	h.auditOnce(i, who, "RestoreKey", call)
	if ok {
		k := &mKey{vault: v, name: blob.key, oct: blob.oct, bits: blob.bits, lineage: blob.lineage, expires: slices.Clone(blob.expires)}
		for i := range blob.versions { // versions come back with their attributes (F34)
			k.enabled = append(k.enabled, i >= len(blob.enabled) || blob.enabled[i])
		}
		m.keys[ref] = k
		h.ids(ref, id)
	}
}

// ---- disk encryption sets, VMs and disks ----

func (h *harness) actCreateDES(t *rapid.T) {
	m := h.m
	ref, k := h.pickKey(t)
	name := rapid.SampledFrom(desNames).Draw(t, "des")
	region := rapid.SampledFrom(regions3).Draw(t, "region")
	auto := rapid.Bool().Draw(t, "autoRotate")
	double := rapid.Bool().Draw(t, "double")
	id := keyURL(k.vault, k.name)
	if ids := h.ids(ref, ""); !auto && len(ids) > 0 {
		id = ids[len(ids)-1]
	}
	var p pred
	if m.des[name] != nil {
		p.no(lifecycle.ErrInvalid, "")
	}
	if m.vaults[k.vault].region != region {
		p.no(lifecycle.ErrRegionMismatch, "F51")
	}
	if !m.vaults[k.vault].pp {
		p.no(lifecycle.ErrVaultConfig, "F32")
	}
	if k.oct {
		p.no(lifecycle.ErrUnsupportedKey, "F46")
	}
	if !auto && len(h.ids(ref, "")) == 0 {
		p.no(lifecycle.ErrNotFound, "")
	}
	if k.state != keyLive || m.keyGone(k) {
		p.might(lifecycle.ErrInvalid, "F45")
		p.might(lifecycle.ErrNotFound, "")
	}
	s := lifecycle.DESSpec{Name: name, Subscription: sub1, Region: region, KeyID: id, Double: double, AutoRotate: auto}
	if h.do(fmt.Sprintf("w.CreateDES(%#v)", s), p, func() error { return h.w.CreateDES(s) }) {
		m.des[name] = &mDES{name: name, region: region, vault: k.vault, key: k.name, double: double, auto: auto, lineage: k.lineage}
	}
}

// catalogue of the machine: every image and size, including those ADE
// refuses.
var (
	allImages = func() []string {
		var out []string
		for _, im := range lifecycle.Images() {
			out = append(out, im.Name)
		}
		return out
	}()
	allSizes = func() []lifecycle.Size { return lifecycle.Sizes() }()
)

func imageByName(h *harness, name string) lifecycle.Image {
	if im, ok := h.m.images[name]; ok {
		return im
	}
	for _, im := range lifecycle.Images() {
		if im.Name == name {
			return im
		}
	}
	return lifecycle.Image{}
}

// desPred adds the refusals of using a DES in a region.
func (h *harness) desPred(p *pred, des, region string) {
	if des == "" {
		return
	}
	d := h.m.des[des]
	if d.region != region {
		p.no(lifecycle.ErrRegionMismatch, "F51")
	}
	if !h.m.desPristine(des) {
		p.might(lifecycle.ErrKeyUnavailable, "")
		p.might(lifecycle.ErrDataUnrecoverable, "")
	}
}

func (h *harness) optDES(t *rapid.T) string {
	return rapid.SampledFrom(append([]string{""}, sorted(h.m.des)...)).Draw(t, "des")
}

func (h *harness) actCreateVM(t *rapid.T) {
	m := h.m
	name := rapid.SampledFrom(vmNames).Draw(t, "vm")
	images := append(slices.Clone(allImages), sorted(m.images)...)
	img := rapid.SampledFrom(images).Draw(t, "image")
	size := rapid.SampledFrom(allSizes).Draw(t, "size")
	region := rapid.SampledFrom([]string{"westeurope", "westeurope", "northeurope"}).Draw(t, "region")
	eah := rapid.Bool().Draw(t, "encryptionAtHost")
	des := h.optDES(t)
	s := lifecycle.VMSpec{Name: name, Subscription: sub1, Region: region, Image: img, Size: size.Name, OSDiskDES: des, EncryptionAtHost: eah}
	var p pred
	if m.vms[name] != nil || m.disks[name+"-osdisk"] != nil {
		p.no(lifecycle.ErrInvalid, "")
	}
	if eah && !size.EAH {
		p.no(lifecycle.ErrNotSupported, "F58")
	}
	h.desPred(&p, des, region)
	im := imageByName(h, img)
	if src, ok := m.imageDES[img]; ok && !m.desPristine(src) {
		p.might(lifecycle.ErrKeyUnavailable, "")
	}
	if !h.do(fmt.Sprintf("w.CreateVM(%#v)", s), p, func() error { return h.w.CreateVM(s) }) {
		return
	}
	vm := &mVM{name: name, region: region, image: im, size: size, eah: eah, state: lifecycle.Running, osDisk: name + "-osdisk", mounted: map[string]bool{}}
	m.vms[name] = vm
	d := &mDisk{name: vm.osDisk, region: region, des: des, vm: name, os: true, lineage: m.desLineage(des)}
	if f, ok := m.imageFiles[img]; ok {
		d.files = cloneFiles(f)
	}
	m.disks[d.name] = d
	vm.mounted[d.name] = true
}

func (h *harness) actAttachNewDisk(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.vms, "vm")
	vm := m.vms[vmn]
	name := rapid.SampledFrom(diskNames).Draw(t, "disk")
	des := h.optDES(t)
	var p pred
	if m.disks[name] != nil {
		p.no(lifecycle.ErrInvalid, "")
	}
	h.desPred(&p, des, vm.region)
	s := lifecycle.DiskSpec{Name: name, Subscription: sub1, Region: vm.region, SizeMiB: 16, DES: des}
	if !h.do(fmt.Sprintf("w.CreateDisk(%#v)", s), p, func() error { return h.w.CreateDisk(s) }) {
		return
	}
	m.disks[name] = &mDisk{name: name, region: vm.region, des: des, lineage: m.desLineage(des)}
	var pa pred
	if vm.state == lifecycle.Running && !m.desPristine(des) {
		pa.might(lifecycle.ErrKeyUnavailable, "F47")
	}
	if !h.do(fmt.Sprintf("w.AttachDisk(%q, %q)", vmn, name), pa, func() error { return h.w.AttachDisk(vmn, name) }) {
		return
	}
	m.disks[name].vm = vmn
	vm.data = append(vm.data, name)
	if vm.state != lifecycle.Running {
		return
	}
	var pm pred
	if !m.desPristine(des) {
		pm.might(lifecycle.ErrState, "")
		pm.might(lifecycle.ErrKeyUnavailable, "")
	}
	if h.do(fmt.Sprintf("w.Mount(%q, %q)", vmn, name), pm, func() error { return h.w.Mount(vmn, name) }) {
		vm.mounted[name] = true
	}
}

// pickVMDisk draws a VM of the model and one of its managed disks.
func (h *harness) pickVMDisk(t *rapid.T) (string, *mVM, string) {
	vmn := pick(t, h.m.vms, "vm")
	vm := h.m.vms[vmn]
	return vmn, vm, rapid.SampledFrom(vm.disks()).Draw(t, "disk")
}

// actUnmount has the guest unmount a data volume (the OS volume stays
// mounted). An unmounted volume takes no writes and no ADE (F69), and the
// VM does not mount it again when it boots.
func (h *harness) actUnmount(t *rapid.T) {
	vmn, vm, dn := h.pickVMDisk(t)
	var p pred
	if dn == vm.osDisk {
		p.no(lifecycle.ErrInvalid, "")
	}
	if h.do(fmt.Sprintf("w.Unmount(%q, %q)", vmn, dn), p, func() error { return h.w.Unmount(vmn, dn) }) {
		delete(vm.mounted, dn)
	}
}

// actMount has the guest mount an attached data volume again: a blank
// disk gets a file system, an ADE volume opens with the VM's BEK (F82).
func (h *harness) actMount(t *rapid.T) {
	m := h.m
	vmn, vm, dn := h.pickVMDisk(t)
	d := m.disks[dn]
	var p pred
	switch {
	case vm.state != lifecycle.Running:
		p.no(lifecycle.ErrState, "")
	case vm.mounted[dn]:
	case d.ade && (vm.ade == nil || vm.ade.secret != d.secretID):
		p.might(lifecycle.ErrState, "") // a volume encrypted with another BEK
		p.might(lifecycle.ErrBootFailure, "F82")
	}
	if !m.vmPristine(vm) {
		p.might(lifecycle.ErrKeyUnavailable, "F47")
	}
	if h.do(fmt.Sprintf("w.Mount(%q, %q)", vmn, dn), p, func() error { return h.w.Mount(vmn, dn) }) {
		vm.mounted[dn] = true
	}
}

// actWriteFile writes a unique plaintext marker through the guest to the
// OS disk, a data disk or the temp disk.
func (h *harness) actWriteFile(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.vms, "vm")
	vm := m.vms[vmn]
	target := rapid.SampledFrom(append(vm.disks(), lifecycle.TempDisk)).Draw(t, "disk")
	mk := m.marker()
	path := fmt.Sprintf("/m/%d.txt", m.markers)
	var p pred
	if vm.state != lifecycle.Running {
		p.no(lifecycle.ErrState, "")
	} else if target == lifecycle.TempDisk && vm.size.TempDiskGB == 0 || target != lifecycle.TempDisk && !vm.mounted[target] {
		p.no(lifecycle.ErrState, "F69")
	}
	if !m.vmPristine(vm) {
		p.might(lifecycle.ErrKeyUnavailable, "F47")
	}
	if !h.do(fmt.Sprintf("w.WriteFile(%q, %q, %q, []byte(%q))", vmn, target, path, mk), p, func() error {
		return h.w.WriteFile(vmn, target, path, []byte(mk))
	}) {
		return
	}
	f := mFile{path: path, marker: mk}
	if target == lifecycle.TempDisk {
		vm.temp = append(vm.temp, f)
	} else {
		m.disks[target].files = append(m.disks[target].files, f)
	}
}

func (h *harness) actPower(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.vms, "vm")
	vm := m.vms[vmn]
	op := rapid.SampledFrom([]string{"Start", "Stop", "Deallocate", "Restart"}).Draw(t, "power")
	var p pred
	var f func() error
	switch op {
	case "Stop":
		f = func() error { return h.w.Stop(vmn) }
	case "Deallocate":
		f = func() error { return h.w.Deallocate(vmn) }
	case "Start", "Restart":
		f = func() error { return h.w.Start(vmn) }
		if op == "Restart" {
			f = func() error { return h.w.Restart(vmn) }
		}
		if op == "Restart" || vm.state != lifecycle.Running {
			for _, dn := range vm.disks() {
				if _, ok := m.grants[dn]; ok {
					p.no(lifecycle.ErrActiveSAS, "F105")
				}
			}
			if vm.ade != nil && m.retired() {
				p.no(lifecycle.ErrBootFailure, "F64")
			}
			if !m.vmPristine(vm) {
				p.might(lifecycle.ErrKeyUnavailable, "")
				p.might(lifecycle.ErrBootFailure, "")
				p.might(lifecycle.ErrDataUnrecoverable, "")
			}
			if vm.state == lifecycle.Deallocated || vm.state == lifecycle.Stopped {
				for _, dn := range vm.disks() { // a moved ADE disk needs this VM's BEK (F82)
					if d := m.disks[dn]; d.ade && (vm.ade == nil || vm.ade.secret != d.secretID) && vm.mounted[dn] {
						p.might(lifecycle.ErrBootFailure, "F82")
					}
				}
			}
		}
	}
	ok := h.do(fmt.Sprintf("w.%s(%q)", op, vmn), p, f)
	switch {
	case op == "Stop":
		if vm.state == lifecycle.Running {
			vm.state = lifecycle.Stopped
		}
	case op == "Deallocate":
		vm.state = lifecycle.Deallocated
		vm.temp = nil
	case ok:
		if vm.state == lifecycle.Deallocated {
			vm.temp = nil
			vm.tempCoveredADE = vm.ade != nil && vm.ade.coversTemp(vm.image.OS)
		}
		vm.state = lifecycle.Running
	case op == "Restart" && vm.state == lifecycle.Running:
		vm.state = lifecycle.Stopped // Restart is Stop then Start; a failed Start leaves a deallocated VM deallocated
	}
}

func (a *mADE) coversTemp(os lifecycle.OS) bool {
	return a.keepTemp || os == lifecycle.Windows && a.vols == lifecycle.VolumeAll || os == lifecycle.Linux && a.efa
}

// ---- Azure Disk Encryption ----

func (h *harness) actEnableADE(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.vms, "vm")
	vm := m.vms[vmn]
	v := pick(t, m.vaults, "vault")
	var keks []string
	for _, ref := range sorted(m.keys) {
		if k := m.keys[ref]; k.vault == v && len(h.ids(ref, "")) > 0 {
			keks = append(keks, ref)
		}
	}
	kekRef := rapid.SampledFrom(append([]string{""}, keks...)).Draw(t, "kek")
	vols := rapid.SampledFrom([]lifecycle.VolumeType{lifecycle.VolumeAll, lifecycle.VolumeOS, lifecycle.VolumeData}).Draw(t, "volumes")
	efa := rapid.Bool().Draw(t, "encryptFormatAll")
	s := lifecycle.ADESpec{Vault: v, Volumes: vols, EncryptFormatAll: efa}
	var kek *mKey
	if kekRef != "" {
		kek = m.keys[kekRef]
		ids := h.ids(kekRef, "")
		s.KEKID = ids[len(ids)-1]
	}
	im, sz := vm.image, vm.size
	encOS := vols != lifecycle.VolumeData
	osADE := m.disks[vm.osDisk].ade
	var p pred
	if vm.state != lifecycle.Running {
		p.no(lifecycle.ErrState, "F63")
	}
	if m.retired() {
		p.no(lifecycle.ErrNotSupported, "F64")
	}
	if vm.eah {
		p.no(lifecycle.ErrEncryptionConflict, "F58")
	}
	for _, dn := range vm.disks() {
		if d := m.disks[dn]; d.des != "" && (d.os && encOS || !d.os && vols != lifecycle.VolumeOS) {
			p.no(lifecycle.ErrEncryptionConflict, "F53")
		}
	}
	switch {
	case im.ADE == lifecycle.ADENone, im.ADE == lifecycle.ADEDataOnly && encOS:
		p.no(lifecycle.ErrNotSupported, "F74")
	}
	if im.Source == lifecycle.Custom && im.OS == lifecycle.Linux {
		p.no(lifecycle.ErrNotSupported, "F75")
	}
	if !adeSizeOK(sz) {
		p.no(lifecycle.ErrNotSupported, "F73")
	}
	need := 2
	if im.OS == lifecycle.Linux && encOS && !osADE {
		need = 8
		if im.RootUsageGB > 4 {
			need = 2 * im.RootUsageGB
		}
	}
	if sz.MemoryGB < need {
		p.no(lifecycle.ErrInsufficientMemory, "F72")
	}
	if im.OS == lifecycle.Windows && vols == lifecycle.VolumeData && !osADE {
		p.no(lifecycle.ErrNotSupported, "F69")
	}
	if im.OS == lifecycle.Windows && efa {
		p.no(lifecycle.ErrNotSupported, "F71")
	}
	vd := m.vaults[v]
	if vd.region != vm.region {
		p.no(lifecycle.ErrRegionMismatch, "F68")
	}
	if !vd.forDE {
		p.no(lifecycle.ErrVaultConfig, "F41")
	}
	if kek != nil {
		if kek.oct {
			p.no(lifecycle.ErrUnsupportedKey, "F67")
		}
		if im.OS == lifecycle.Windows && kek.bits == 2048 && (im.Version == "2022" || im.Version == "11") {
			p.no(lifecycle.ErrUnsupportedKey, "F67")
		}
		if !m.pristine(kek.vault, kek.name) {
			p.might(lifecycle.ErrKeyUnavailable, "F67")
			p.might(lifecycle.ErrNotFound, "")
		}
	}
	if prev := vm.ade; prev != nil && (prev.vault != v || prev.kekID != s.KEKID) {
		// A re-key (F83) needs every ADE volume open (F69).
		for _, dn := range vm.disks() {
			if m.disks[dn].ade && !vm.mounted[dn] {
				if prev.kekID == "?" {
					p.might(lifecycle.ErrState, "F69")
				} else {
					p.no(lifecycle.ErrState, "F69")
				}
			}
		}
	}
	if !m.vmPristine(vm) {
		p.might(lifecycle.ErrState, "")
		p.might(lifecycle.ErrKeyUnavailable, "")
		p.might(lifecycle.ErrBootFailure, "")
	}
	if !h.do(fmt.Sprintf("w.EnableADE(%q, %#v)", vmn, s), p, func() error { return h.w.EnableADE(vmn, s) }) {
		return
	}
	a := &mADE{vault: v, vols: vols, efa: efa, kekID: s.KEKID}
	if kek != nil {
		a.kek, a.kekVer = kek.name, len(kek.enabled)-1
	}
	vm.everADE = true
	for _, dn := range vm.disks() {
		d := m.disks[dn]
		if d.ade || !vm.mounted[dn] || d.os && vols == lifecycle.VolumeData || !d.os && vols == lifecycle.VolumeOS {
			continue
		}
		d.ade, d.everADE = true, true
		if efa && !d.os {
			d.residual = append(d.residual, markersOf(d.files)...)
			d.lost = d.lost || len(d.files) > 0
			d.files = nil
		}
	}
	prev := vm.ade
	if prev != nil && prev.coversTemp(im.OS) {
		a.keepTemp = true
	}
	for _, dn := range vm.disks() {
		if d := m.disks[dn]; d.ade {
			id, err := h.w.BEKSecretID(dn)
			if err != nil || id == "" {
				h.t.Fatalf("model: disk %s should be guest-encrypted after EnableADE (BEKSecretID = %q, %v)", dn, id, err)
			}
			d.secretID, a.secret = id, id
		}
	}
	if prev != nil && a.secret == "" {
		a.secret = prev.secret
	}
	a.secName = secretNameOf(a.secret)
	if a.secName != "" && m.secrets[a.secName] == nil {
		m.secrets[a.secName] = &mSecret{vault: v}
		if kek != nil {
			m.secKEK[a.secName] = kek.lineage
		}
	}
	vm.ade = a
	if vm.size.TempDiskGB > 0 && a.coversTemp(im.OS) && !vm.tempCoveredADE {
		vm.temp, vm.tempCoveredADE = nil, true
	}
}

func secretNameOf(id string) string {
	_, _, n, _, _ := vault.ParseID(id)
	return n
}

func (h *harness) actDisableADE(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.vms, "vm")
	vm := m.vms[vmn]
	vols := rapid.SampledFrom([]lifecycle.VolumeType{lifecycle.VolumeData, lifecycle.VolumeOS, lifecycle.VolumeAll}).Draw(t, "volumes")
	osEnc := m.disks[vm.osDisk].ade
	dataEnc := false
	for _, dn := range vm.data {
		dataEnc = dataEnc || m.disks[dn].ade
	}
	var p pred
	switch {
	case vm.state != lifecycle.Running:
		p.no(lifecycle.ErrState, "F63")
	case vm.ade == nil:
		p.no(lifecycle.ErrState, "F77")
	case vm.image.OS == lifecycle.Linux && vols != lifecycle.VolumeData, vm.image.OS == lifecycle.Linux && osEnc:
		p.no(lifecycle.ErrNotSupported, "F77")
	case vm.image.OS == lifecycle.Windows && vols == lifecycle.VolumeOS && dataEnc:
		p.no(lifecycle.ErrNotSupported, "F69")
	}
	if !m.vmPristine(vm) {
		p.might(lifecycle.ErrKeyUnavailable, "")
		p.might(lifecycle.ErrState, "")
	}
	if !h.do(fmt.Sprintf("w.DisableADE(%q, %v)", vmn, vols), p, func() error { return h.w.DisableADE(vmn, vols) }) {
		return
	}
	for _, dn := range vm.disks() {
		d := m.disks[dn]
		if !d.ade || !vm.mounted[dn] || d.os && vols == lifecycle.VolumeData || !d.os && vols == lifecycle.VolumeOS {
			continue
		}
		d.ade, d.secretID = false, ""
	}
	left := false
	for _, dn := range vm.disks() {
		left = left || m.disks[dn].ade
	}
	if !left {
		vm.ade = nil
	} else if vm.image.OS == lifecycle.Windows && vols == lifecycle.VolumeData {
		c := *vm.ade
		c.vols, c.keepTemp = lifecycle.VolumeOS, false
		vm.ade = &c
	}
	if vm.tempCoveredADE && (vm.ade == nil || !vm.ade.coversTemp(vm.image.OS)) {
		vm.temp, vm.tempCoveredADE = nil, false
	}
}

// ---- BEK secrets ----

func (h *harness) pickSecret(t *rapid.T) (string, *mSecret) {
	n := pick(t, h.m.secrets, "secret")
	return n, h.m.secrets[n]
}

func (h *harness) secretPred(who string, s *mSecret, need keyState) pred {
	var p pred
	if !h.m.allowed(who, s.vault, "secretDelete") {
		p.no(vault.ErrForbidden, "")
	}
	if s.state != need {
		p.no(vault.ErrNotFound, "")
	}
	return p
}

func (h *harness) actDeleteSecret(t *rapid.T) {
	n, s := h.pickSecret(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	p := h.secretPred(who, s, keyLive)
	if h.do(fmt.Sprintf("w.DeleteSecret(%q, %q, %q)", who, s.vault, n), p, func() error { return h.w.DeleteSecret(who, s.vault, n) }) {
		s.state, s.deletedAt = keyDeleted, h.m.now
	}
}

func (h *harness) actPurgeSecret(t *rapid.T) {
	n, s := h.pickSecret(t)
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	p := h.secretPred(who, s, keyDeleted)
	protected := h.m.vaults[s.vault].pp && s.state == keyDeleted
	if protected {
		p.no(vault.ErrPurgeProtected, "")
	}
	err := h.w.PurgeSecret(who, s.vault, n)
	if err == nil && protected {
		h.t.Fatalf("T7 purge protection: w.PurgeSecret(%q, %q, %q) purged a protected secret inside retention", who, s.vault, n)
	}
	if h.do(fmt.Sprintf("w.PurgeSecret(%q, %q, %q)", who, s.vault, n), p, func() error { return err }) {
		s.state = keyPurged
	}
}

// ---- backup, site recovery, export ----

func (h *harness) actGrantBackupAccess(t *rapid.T) {
	v := pick(t, h.m.vaults, "vault")
	var p pred
	if h.m.backupSvc[v] { // not idempotent: the second assignment exists (F38)
		p.no(lifecycle.ErrInvalid, "F38")
	}
	if h.do(fmt.Sprintf("w.GrantBackupAccess(%q)", v), p, func() error { return h.w.GrantBackupAccess(v) }) {
		h.m.backupSvc[v] = true
	}
}

func (h *harness) actBackupVM(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.vms, "vm")
	vm := m.vms[vmn]
	h.nextID++
	rp := fmt.Sprintf("rp%d", h.nextID)
	var p pred
	if vm.ade != nil {
		if !m.backupSvc[vm.ade.vault] {
			p.no(lifecycle.ErrForbidden, "F90")
		}
		if !m.vmPristine(vm) {
			p.might(lifecycle.ErrForbidden, "F90")
		}
	}
	if !m.vmPristine(vm) {
		p.might(lifecycle.ErrKeyUnavailable, "F47")
	}
	if !h.do(fmt.Sprintf("w.BackupVM(%q, %q)", vmn, rp), p, func() error { return h.w.BackupVM(vmn, rp) }) {
		return
	}
	r := &mRP{name: rp, vm: *vm, disks: map[string]*mDisk{}, ade: vm.ade != nil, kek: vm.ade != nil && vm.ade.kek != ""}
	r.vm.data = slices.Clone(vm.data)
	for _, dn := range vm.disks() {
		c := *m.disks[dn]
		c.files = cloneFiles(c.files)
		r.disks[dn] = &c
	}
	m.rps[rp] = r
	if r.ade {
		m.bekCopies[vm.ade.secName] = true
		if r.kek {
			k := m.keys[vm.ade.vault+"/"+vm.ade.kek]
			m.blobs[rp+"/KEK"] = &mBlob{lineage: k.lineage, vault: vm.ade.vault, key: vm.ade.kek, geo: m.vaults[vm.ade.vault].geo, sub: sub1, oct: k.oct, bits: k.bits,
				versions: len(k.enabled), enabled: slices.Clone(k.enabled), expires: slices.Clone(k.expires)}
		}
	}
}

// actRestoreRPKeys restores the KEK and BEK secret a recovery point keeps
// into a vault (F89, F92), the runbook step before restoring an ADE VM
// whose keys are gone or that should use its own copies.
func (h *harness) actRestoreRPKeys(t *rapid.T) {
	m := h.m
	rpn := pick(t, m.rps, "recoveryPoint")
	rp := m.rps[rpn]
	v := pick(t, m.vaults, "vault")
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	var p pred
	call := fmt.Sprintf("w.RestoreRecoveryPointKeys(%q, %q, %q)", who, rpn, v)
	if !rp.ade || rp.vm.ade == nil {
		p.no(lifecycle.ErrInvalid, "F89")
		h.do(call, p, func() error { return h.w.RestoreRecoveryPointKeys(who, rpn, v) })
		return
	}
	a := rp.vm.ade
	geoOK := m.vaults[v].geo == m.vaults[a.vault].geo
	// The KEK: skipped when its lineage is live in v, refused when the name
	// is taken there (live or soft-deleted, F34), restored otherwise.
	var kekBlob *mBlob
	restoreKEK := false
	if rp.kek {
		kekBlob = m.blobs[rpn+"/KEK"]
		k := m.keys[v+"/"+a.kek]
		switch {
		case k != nil && k.state == keyLive && k.lineage == kekBlob.lineage:
		case k != nil && k.state != keyPurged && !m.keyGone(k):
			p.no(lifecycle.ErrState, "F34")
		case !geoOK:
			p.no(lifecycle.ErrRegionMismatch, "F33")
		default:
			restoreKEK = true
		}
	}
	// The BEK secret, the same way. When no volume was encrypted at backup
	// time the model never learnt the secret's name (BEKSecretID names
	// disks), so it allows every outcome for the secret.
	state, present := keyPurged, false
	if s := m.secrets[a.secName]; s != nil && s.vault == v {
		state, present = s.state, true
	} else if m.secretCopies[v+"/"+a.secName] {
		state, present = keyLive, true
	}
	restoreBEK := false
	switch {
	case a.secName == "":
		p.might(lifecycle.ErrState, "F34")
		p.might(lifecycle.ErrRegionMismatch, "F33")
		p.might(vault.ErrForbidden, "")
	case present && state == keyLive:
	case present && state == keyDeleted:
		p.no(lifecycle.ErrState, "F34")
	case !geoOK:
		p.no(lifecycle.ErrRegionMismatch, "F33")
	default:
		restoreBEK = true
	}
	kekRestored := false // the KEK restore succeeds before a refused secret restore
	if !p.refused() {
		if restoreKEK && !m.allowed(who, v, "keyRestore") {
			p.no(vault.ErrForbidden, "")
		} else {
			kekRestored = restoreKEK
			if restoreBEK && !m.allowed(who, v, "secretRestore") {
				p.no(vault.ErrForbidden, "")
			}
		}
	}
	ok := h.do(call, p, func() error { return h.w.RestoreRecoveryPointKeys(who, rpn, v) })
	if kekRestored && (ok || h.fault == 0) {
		k := &mKey{vault: v, name: a.kek, oct: kekBlob.oct, bits: kekBlob.bits, lineage: kekBlob.lineage, expires: slices.Clone(kekBlob.expires)}
		for i := range kekBlob.versions {
			k.enabled = append(k.enabled, i >= len(kekBlob.enabled) || kekBlob.enabled[i])
		}
		m.keys[v+"/"+a.kek] = k
		for _, id := range h.ids(a.vault+"/"+a.kek, "") {
			h.ids(v+"/"+a.kek, strings.Replace(id, "https://"+a.vault+".", "https://"+v+".", 1))
		}
	}
	if ok && restoreBEK {
		if s := m.secrets[a.secName]; s != nil && s.vault == v {
			s.state = keyLive
		} else {
			m.secretCopies[v+"/"+a.secName] = true
		}
	}
}

// actRecoverFile recovers one file from a recovery point's disk (Azure
// Backup's file recovery): refused without the export permission (F116,
// T10) and from an encrypted VM (F93); otherwise the file comes back as it
// was at backup time (T4).
func (h *harness) actRecoverFile(t *rapid.T) {
	m := h.m
	rpn := pick(t, m.rps, "recoveryPoint")
	rp := m.rps[rpn]
	dn := pick(t, rp.disks, "disk")
	d := rp.disks[dn]
	who := rapid.SampledFrom([]string{admin, alice, auditor}).Draw(t, "who")
	f := mFile{path: "/m/none"}
	if len(d.files) > 0 {
		f = d.files[rapid.IntRange(0, len(d.files)-1).Draw(t, "file")]
	}
	// One refusal, in the order the cloud checks: the caller's role, the
	// VM's encryption (F93 is about the VM, whichever disk), the file. The
	// recovery point does not depend on the disk's customer key (F86).
	var p pred
	switch {
	case who == auditor:
		p.no(lifecycle.ErrForbidden, "F116")
	case rp.ade:
		p.no(lifecycle.ErrNotSupported, "F93")
	case len(d.files) == 0: // no such file, or no file system at all
		p.no(lifecycle.ErrNotFound, "")
		p.no(lifecycle.ErrState, "")
	}
	var got []byte
	call := fmt.Sprintf("w.RecoverFile(%q, %q, %q, %q)", who, rpn, dn, f.path)
	if !h.do(call, p, func() (err error) { got, err = h.w.RecoverFile(who, rpn, dn, f.path); return }) {
		return
	}
	if who == auditor {
		h.t.Fatalf("T10 authorization: %s succeeded for %s, whose role has no export permission (F116)", call, auditor)
	}
	if string(got) != f.marker {
		h.t.Fatalf("T4 backups: %s returned %q, want %q, the file at backup time", call, got, f.marker)
	}
}

// actRestoreVM restores a recovery point, including the kinds that are
// refused, and checks T4 on success.
func (h *harness) actRestoreVM(t *rapid.T) {
	m := h.m
	rpn := pick(t, m.rps, "recoveryPoint")
	rp := m.rps[rpn]
	name := rapid.SampledFrom(vmNames).Draw(t, "vm")
	region := rapid.SampledFrom([]string{"", rp.vm.region, pairOf[rp.vm.region], "eastus"}).Draw(t, "region")
	mode := rapid.SampledFrom([]lifecycle.RestoreMode{lifecycle.RestoreNewVM, lifecycle.RestoreNewVM, lifecycle.RestoreReplaceExisting, lifecycle.RestoreFiles}).Draw(t, "mode")
	// KeyVault: the vault RestoreRecoveryPointKeys restored the keys into.
	kv := rapid.SampledFrom(append([]string{"", "", ""}, sorted(m.vaults)...)).Draw(t, "keyVault")
	s := lifecycle.RestoreSpec{VM: name, Region: region, Mode: mode, KeyVault: kv}
	tr := region
	if tr == "" {
		tr = rp.vm.region
	}
	var p pred
	if kv != "" {
		switch {
		case !rp.ade:
			p.no(lifecycle.ErrInvalid, "F92")
		case m.vaults[kv].region != tr:
			p.no(lifecycle.ErrRegionMismatch, "F68")
		case !m.vaults[kv].forDE:
			p.no(lifecycle.ErrVaultConfig, "F41")
		}
	}
	if rp.ade && mode == lifecycle.RestoreReplaceExisting {
		p.no(lifecycle.ErrNotSupported, "F91")
	}
	if rp.ade && mode == lifecycle.RestoreFiles {
		p.no(lifecycle.ErrNotSupported, "F93")
	}
	if tr != rp.vm.region && tr != pairOf[rp.vm.region] {
		p.no(lifecycle.ErrRegionMismatch, "F87")
	}
	if mode != lifecycle.RestoreNewVM {
		p.no(lifecycle.ErrNotSupported, "F91")
	}
	if m.vms[name] != nil {
		p.no(lifecycle.ErrInvalid, "")
	}
	for dn := range rp.disks {
		n := name + "-" + dn
		if rp.disks[dn].os {
			n = name + "-osdisk"
		}
		if m.disks[n] != nil {
			p.no(lifecycle.ErrInvalid, "")
		}
	}
	restored := rp.vm
	restored.region = tr
	restored.eah = false
	pr := &restored
	if rp.ade {
		if a := m.vms[rp.vm.name]; a != nil && a.ade != nil {
			_ = a
		}
	}
	p.might(lifecycle.ErrKeyUnavailable, "")
	p.might(lifecycle.ErrBootFailure, "")
	p.might(lifecycle.ErrDataUnrecoverable, "")
	strict := true
	for _, d := range rp.disks {
		if !m.desPristine(d.des) {
			strict = false
		}
	}
	if rp.ade && (rp.vm.ade == nil || !m.vmPristine(pr) || rp.vm.ade.secName == "" || m.retired()) {
		strict = false
	}
	if kv != "" && rp.ade && rp.vm.ade != nil && !p.refused() {
		// The copies the VM boots with must be in kv (F92).
		a := rp.vm.ade
		sec := m.secrets[a.secName]
		secOK := sec != nil && sec.vault == kv && sec.state == keyLive || m.secretCopies[kv+"/"+a.secName]
		kekOK := true
		if rp.kek {
			k := m.keys[kv+"/"+a.kek]
			kekOK = k != nil && k.state == keyLive && !m.keyGone(k) && k.lineage == m.blobs[rpn+"/KEK"].lineage
		}
		switch {
		case !secOK || !kekOK:
			p.no(lifecycle.ErrNotFound, "F92")
		case rp.kek && !m.pristine(kv, a.kek):
			strict = false // a disabled or expired version of the copy
		}
	}
	if strict && !p.refused() {
		p.maybe = nil
	}
	if !h.do(fmt.Sprintf("w.RestoreVM(%q, %#v)", rpn, s), p, func() error { return h.w.RestoreVM(rpn, s) }) {
		return
	}
	vm := &mVM{name: name, region: tr, image: rp.vm.image, size: rp.vm.size, state: lifecycle.Running, mounted: map[string]bool{}, everADE: rp.ade}
	moved := func(id string) string { return id }
	if rp.ade && rp.vm.ade != nil {
		c := *rp.vm.ade
		if kv != "" {
			moved = func(id string) string { return strings.Replace(id, "https://"+c.vault+".", "https://"+kv+".", 1) }
			c.vault, c.secret, c.kekID = kv, moved(c.secret), moved(c.kekID)
		}
		vm.ade = &c
		vm.tempCoveredADE = c.coversTemp(vm.image.OS)
	}
	for _, dn := range slices.Sorted(maps.Keys(rp.disks)) {
		src := rp.disks[dn]
		n := name + "-" + dn
		if src.os {
			n = name + "-osdisk"
			vm.osDisk = n
		} else {
			vm.data = append(vm.data, n)
		}
		d := &mDisk{name: n, region: tr, vm: name, os: src.os, files: cloneFiles(src.files), lost: src.lost, everADE: src.ade, ade: src.ade, secretID: moved(src.secretID), residual: slices.Clone(src.residual)}
		if tr == rp.vm.region {
			d.des, d.lineage = src.des, m.desLineage(src.des)
		}
		m.disks[n] = d
		vm.mounted[n] = true
		h.checkT4Restore(rpn, src, n, tr != rp.vm.region)
	}
	m.vms[name] = vm
}

func (h *harness) actEnableReplication(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.vms, "vm")
	vm := m.vms[vmn]
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	target := rapid.SampledFrom([]string{pairOf[vm.region], "eastus", vm.region}).Draw(t, "targetRegion")
	s := lifecycle.ReplicationSpec{TargetRegion: target, TargetDES: map[string]string{}}
	var p pred
	if m.repls[vmn] != nil {
		p.no(lifecycle.ErrState, "")
	}
	if target == vm.region {
		p.no(lifecycle.ErrInvalid, "F99")
	}
	for _, dn := range vm.disks() {
		if d := m.disks[dn]; d.des != "" {
			tdes := rapid.SampledFrom(append([]string{""}, sorted(m.des)...)).Draw(t, "targetDES")
			if tdes == "" {
				p.no(lifecycle.ErrNotFound, "F101")
				continue
			}
			s.TargetDES[dn] = tdes
			if m.des[tdes].region != target {
				p.no(lifecycle.ErrRegionMismatch, "F101")
			}
			if !m.desPristine(tdes) {
				p.might(lifecycle.ErrKeyUnavailable, "")
			}
		}
	}
	if vm.ade != nil {
		s.TargetVault = pick(t, m.vaults, "targetVault")
		tv := m.vaults[s.TargetVault]
		if tv.region != target {
			p.no(lifecycle.ErrRegionMismatch, "F68")
		}
		if !tv.forDE {
			p.no(lifecycle.ErrVaultConfig, "F41")
		}
		if !m.allowed(who, vm.ade.vault, "secretGet") || vm.ade.kek != "" && !m.allowed(who, vm.ade.vault, "keyCrypto") {
			p.no(lifecycle.ErrForbidden, "F99")
		}
		if !m.allowed(who, s.TargetVault, "secretSet") || vm.ade.kek != "" && !m.allowed(who, s.TargetVault, "keyCreate") {
			p.no(lifecycle.ErrForbidden, "")
			p.no(vault.ErrForbidden, "")
		}
		if vm.ade.kek != "" {
			if k := m.keys[s.TargetVault+"/"+vm.ade.kek]; k != nil && k.state == keyDeleted && !m.keyGone(k) {
				p.might(lifecycle.ErrForbidden, "F99")
			}
			if tk := m.keys[s.TargetVault+"/"+vm.ade.kek]; tk != nil && (tk.oct != m.keys[vm.ade.vault+"/"+vm.ade.kek].oct) {
				p.might(lifecycle.ErrKeyUnavailable, "")
				p.might(lifecycle.ErrInvalid, "")
			}
		}
		if s := m.secrets[vm.ade.secName]; s != nil && m.secrets[vm.ade.secName].vault != "" {
			p.might(lifecycle.ErrState, "F99")
		}
		if !m.vmPristine(vm) {
			p.might(lifecycle.ErrForbidden, "F99")
			p.might(lifecycle.ErrKeyUnavailable, "")
		}
	}
	if !m.vmPristine(vm) {
		p.might(lifecycle.ErrKeyUnavailable, "F47")
	}
	if !h.do(fmt.Sprintf("w.EnableReplication(%q, %q, %#v)", who, vmn, s), p, func() error { return h.w.EnableReplication(who, vmn, s) }) {
		return
	}
	m.repls[vmn] = &mRepl{vm: vmn, target: target, disks: vm.disks(), targetDES: s.TargetDES}
	if vm.ade != nil {
		c := *vm.ade
		m.repls[vmn].ade = &c
	}
	if vm.ade != nil {
		m.bekCopies[vm.ade.secName] = true
		m.bekFree[vm.ade.secName] = true
	}
}

func (h *harness) actFailover(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.repls, "replicatedVM")
	r := m.repls[vmn]
	name := rapid.SampledFrom(vmNames).Draw(t, "newVM")
	var p pred
	if r.failedOver != "" {
		p.no(lifecycle.ErrState, "F99")
	}
	if m.vms[name] != nil {
		p.no(lifecycle.ErrInvalid, "")
	}
	src := m.vms[vmn]
	for _, dn := range r.disks { // the disks replicated when replication was enabled
		n := name + "-" + dn
		if m.disks[dn].os {
			n = name + "-osdisk"
		}
		if m.disks[n] != nil {
			p.no(lifecycle.ErrInvalid, "")
		}
	}
	p.might(lifecycle.ErrKeyUnavailable, "")
	p.might(lifecycle.ErrBootFailure, "")
	p.might(lifecycle.ErrDataUnrecoverable, "")
	if !h.do(fmt.Sprintf("w.Failover(%q, %q)", vmn, name), p, func() error { return h.w.Failover(vmn, name) }) {
		return
	}
	r.failedOver = name
	vm := &mVM{name: name, region: r.target, image: src.image, size: src.size, state: lifecycle.Running, mounted: map[string]bool{}, everADE: src.everADE}
	if r.ade != nil { // the settings at EnableReplication (F100)
		c := *r.ade
		c.secret = "" // the target vault's copy
		c.kekID = "?" // the target vault's KEK
		vm.ade = &c
		vm.tempCoveredADE = c.coversTemp(vm.image.OS)
	}
	for _, dn := range r.disks {
		sd := m.disks[dn]
		n := name + "-" + dn
		if sd.os {
			n = name + "-osdisk"
			vm.osDisk = n
		} else {
			vm.data = append(vm.data, n)
		}
		id, _ := h.w.BEKSecretID(n)
		m.disks[n] = &mDisk{name: n, region: r.target, vm: name, os: sd.os, files: cloneFiles(sd.files), lost: sd.lost, everADE: sd.everADE, ade: sd.ade, secretID: id, residual: slices.Clone(sd.residual)}
		m.disks[n].des = r.targetDES[dn]
		m.disks[n].lineage = m.desLineage(r.targetDES[dn])
		vm.mounted[n] = true
	}
	m.vms[name] = vm
}

func (h *harness) exportTargets() map[string]bool {
	out := map[string]bool{}
	for n := range h.m.disks {
		out[n] = true
	}
	for n := range h.m.snaps {
		out[n] = true
	}
	return out
}

// actDownloadVHD grants a SAS (F105, F116), downloads the VHD, and may copy
// it to the on-premises host.
func (h *harness) actDownloadVHD(t *rapid.T) {
	m := h.m
	tgt := pick(t, h.exportTargets(), "target")
	who := rapid.SampledFrom([]string{admin, alice, auditor}).Draw(t, "who")
	dur := rapid.SampledFrom([]time.Duration{time.Hour, 24 * time.Hour}).Draw(t, "duration")
	var p pred
	if d := m.disks[tgt]; d != nil && d.vm != "" && m.vms[d.vm].state == lifecycle.Running {
		p.no(lifecycle.ErrState, "F105")
	}
	if who == auditor {
		p.no(lifecycle.ErrForbidden, "F116")
	}
	var g string
	call := fmt.Sprintf("g, _ := w.GrantAccess(%q, %q, %v)", who, tgt, dur)
	err := func() (err error) { g, err = h.w.GrantAccess(who, tgt, dur); return }()
	if err == nil && who == auditor {
		h.t.Fatalf("T10 authorization: %s succeeded for %s, whose role has no export permission (F116)", call, auditor)
	}
	ok := h.do(call, p, func() error { return err })
	if !ok {
		return
	}
	if old, ok := m.grants[tgt]; ok {
		who = old.who
	} else {
		m.grants[tgt] = mGrant{name: g, expires: m.now.Add(dur), who: who}
	}
	h.nextID++
	vhd := fmt.Sprintf("vhd%d", h.nextID)
	var pd pred
	var files []mFile
	var residual []string
	ade, sid := false, ""
	src := m.disks[tgt]
	des := ""
	if src != nil {
		files, residual, ade, sid, des = src.files, src.residual, src.ade, src.secretID, src.des
	} else {
		s := m.snaps[tgt]
		files, residual, ade, sid, des = s.files, s.residual, s.ade, s.secretID, s.des
	}
	if !m.desPristine(des) {
		pd.might(lifecycle.ErrKeyUnavailable, "F107")
		pd.might(lifecycle.ErrDataUnrecoverable, "")
	}
	if !h.do(fmt.Sprintf("w.DownloadVHD(g, %q)", vhd), pd, func() error { return h.w.DownloadVHD(g, vhd) }) {
		return
	}
	v := &mVHD{name: vhd, source: tgt, ade: ade, secretID: sid, files: cloneFiles(files), residual: slices.Clone(residual), holders: map[string]bool{who: true}}
	m.vhds[vhd] = v
	if rapid.Bool().Draw(t, "copyToHost") {
		if h.do(fmt.Sprintf("w.CopyVHDToHost(%q, %q)", vhd, onprem), pred{}, func() error { return h.w.CopyVHDToHost(vhd, onprem) }) {
			v.holders["host:"+onprem] = true
		}
	}
	h.checkT2T3VHD(v)
	if rapid.Bool().Draw(t, "revoke") {
		if h.do("w.RevokeAccess(g)", pred{}, func() error { return h.w.RevokeAccess(g) }) {
			delete(m.grants, tgt)
		}
	}
}

// actHandBEK has a principal hand a BEK to the on-premises host.
func (h *harness) actHandBEK(t *rapid.T) {
	m := h.m
	ids := map[string]bool{}
	for _, v := range m.vhds {
		if v.ade && v.secretID != "" {
			ids[v.secretID] = true
		}
	}
	id := pick(t, ids, "secretID")
	who := rapid.SampledFrom(whoNames).Draw(t, "who")
	var p pred
	s := m.secrets[secretNameOf(id)]
	var vaultName string
	if s != nil {
		vaultName = s.vault
	}
	if !m.allowed(who, vaultName, "secretGet") {
		p.no(lifecycle.ErrForbidden, "F65")
	}
	p.might(lifecycle.ErrForbidden, "F65")
	p.might(lifecycle.ErrDataUnrecoverable, "")
	p.might(lifecycle.ErrNotFound, "F65") // the volume was re-keyed or its disk is gone
	if h.do(fmt.Sprintf("w.HandBEKToHost(%q, %q, %q)", who, id, onprem), p, func() error { return h.w.HandBEKToHost(who, id, onprem) }) {
		m.hostBEKs[secretNameOf(id)] = true
		m.bekCopies[secretNameOf(id)] = true
		m.bekFree[secretNameOf(id)] = true
	}
}

func (h *harness) actCreateSnapshot(t *rapid.T) {
	m := h.m
	dn := pick(t, m.disks, "disk")
	d := m.disks[dn]
	h.nextID++
	name := fmt.Sprintf("snap%d", h.nextID)
	if h.do(fmt.Sprintf("w.CreateSnapshot(%q, %q)", dn, name), pred{}, func() error { return h.w.CreateSnapshot(dn, name) }) {
		m.snaps[name] = &mSnap{name: name, region: d.region, des: d.des, lineage: d.lineage, files: cloneFiles(d.files), ade: d.ade, secretID: d.secretID, residual: slices.Clone(d.residual)}
		d.snapshots++
	}
}

func (h *harness) actCopySnapshot(t *rapid.T) {
	m := h.m
	sn := pick(t, m.snaps, "snapshot")
	s := m.snaps[sn]
	region := rapid.SampledFrom(regions3).Draw(t, "region")
	des := h.optDES(t)
	h.nextID++
	name := fmt.Sprintf("snap%d", h.nextID)
	var p pred
	if s.des != "" && des == "" {
		p.no(lifecycle.ErrRegionMismatch, "F110")
	}
	h.desPred(&p, des, region)
	if !m.desPristine(s.des) {
		p.might(lifecycle.ErrKeyUnavailable, "F107")
	}
	if h.do(fmt.Sprintf("w.CopySnapshot(%q, %q, %q, %q)", sn, name, region, des), p, func() error { return h.w.CopySnapshot(sn, name, region, des) }) {
		m.snaps[name] = &mSnap{name: name, region: region, des: des, lineage: m.desLineage(des), files: cloneFiles(s.files), ade: s.ade, secretID: s.secretID, residual: slices.Clone(s.residual)}
	}
}

func (h *harness) actCaptureImage(t *rapid.T) {
	m := h.m
	vmn := pick(t, m.vms, "vm")
	vm := m.vms[vmn]
	h.nextID++
	name := fmt.Sprintf("custom%d", h.nextID)
	var p pred
	if vm.everADE {
		p.no(lifecycle.ErrNotSupported, "F75")
	}
	if vm.state == lifecycle.Running {
		p.no(lifecycle.ErrState, "F112")
	}
	gen := rapid.Bool().Draw(t, "generalized")
	if h.do(fmt.Sprintf("w.CaptureImage(%q, %q, %v)", vmn, name, gen), p, func() error { return h.w.CaptureImage(vmn, name, gen) }) {
		im := vm.image
		im.Name, im.Source, im.Generalized = name, lifecycle.Custom, gen
		m.images[name] = im
		m.imageFiles[name] = cloneFiles(m.disks[vm.osDisk].files)
		m.imageDES[name] = m.disks[vm.osDisk].des
	}
}

// actAdvance moves the clock by minutes to months.
func (h *harness) actAdvance(t *rapid.T) {
	d := rapid.SampledFrom([]time.Duration{time.Minute, 30 * time.Minute, 61 * time.Minute, 24 * time.Hour, 8 * 24 * time.Hour, 31 * 24 * time.Hour, 92 * 24 * time.Hour}).Draw(t, "by")
	h.t.Logf("w.Advance(%v)", d)
	// T8: a disk encryption set picking up a rotated key (F50) re-wraps
	// DEKs and re-encrypts no sector.
	var raw map[string][32]byte
	if h.pickupBy(d) {
		raw = h.rawDigest()
	}
	h.w.Advance(d)
	h.advanceModel(d)
	if raw != nil {
		h.checkRawUnchanged(fmt.Sprintf("the rotation pickup during w.Advance(%v)", d), raw)
	}
}

// pickupBy reports whether a rotation pickup is due within d.
func (h *harness) pickupBy(d time.Duration) bool {
	end := h.w.Now().Add(d)
	for _, p := range h.w.Pending() {
		at, what, _ := strings.Cut(p, " ")
		if tm, err := time.Parse(time.RFC3339, at); err == nil && !tm.After(end) && strings.HasPrefix(what, "rotation pickup") {
			return true
		}
	}
	return false
}
