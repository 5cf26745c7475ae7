package examples

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
	"github.com/atrest-sim/atrest/vault"
)

// rsaPool supplies RSA key material to every scenario world of the process
// (simulation only, see vault.KeyPool). It holds material, not behaviour:
// no answer depends on which key bytes a world gets.
var rsaPool = vault.NewKeyPool()

// Names shared by the scenarios.
const (
	tenant  = "contoso"
	sub     = "prod"
	sub2    = "dev"
	region  = "westeurope"
	kv      = "kv1"
	admin   = "admin"
	ubuntu  = "Canonical:ubuntu-22_04-lts"
	win2019 = "MicrosoftWindowsServer:2019-datacenter"
	d2v3    = "Standard_D2s_v3"
	csvPath = "/data/customers.csv"
	hour    = time.Hour
	day     = 24 * time.Hour
)

// csvData is the file every scenario VM writes to its data disk.
var csvData = []byte("alice,42\nbob,17\n")

// scenario is one simulated world and the evidence gathered from it. Its
// error is sticky: after the first unexpected failure every step is a
// no-op and finish returns that error, so scenario code reads as the
// sequence of operations it models.
type scenario struct {
	w        *lifecycle.World
	err      error
	evidence []string
	facts    map[string]bool
	missing  []string
	diagram  hierarchy
	// cmk is the versionless id of the disk encryption set's key, kek the
	// versioned id of the ADE key-encryption key, once created.
	cmk, kek string
	hasHost  bool
	// disks lists, per VM, the disks the scenario created it with or
	// attached to it, in that order: lifecycle has no accessor that lists
	// a VM's disks.
	disks map[string][]string
}

// newScenario returns a world with subscription prod in westeurope and the
// key vault kv1 (7-day retention, purge protection, enabled for disk
// encryption).
func newScenario(seed uint64) *scenario { return newScenarioWith(seed, nil) }

// newScenarioWith is newScenario with rule switches.
func newScenarioWith(seed uint64, opts *lifecycle.Options) *scenario {
	s := &scenario{facts: map[string]bool{}, disks: map[string][]string{}}
	w, err := lifecycle.New(lifecycle.Config{Seed: seed, Options: opts, RSAKeys: rsaPool})
	if err != nil {
		s.err = err
		return s
	}
	s.w = w
	s.do("AddSubscription", w.AddSubscription(tenant, sub))
	s.do("CreateVault", w.CreateVault(lifecycle.VaultSpec{Name: kv, Subscription: sub, Region: region,
		RetentionDays: 7, PurgeProtection: true, EnabledForDiskEncryption: true}))
	return s
}

func (s *scenario) ok() bool { return s.err == nil }

// do records err as the scenario's error if it is the first one.
func (s *scenario) do(what string, err error) {
	if s.err == nil && err != nil {
		s.err = fmt.Errorf("%s: %w", what, err)
	}
}

// fact records facts the answer rests on.
func (s *scenario) fact(fs ...string) {
	for _, f := range fs {
		if f != "" {
			s.facts[f] = true
		}
	}
}

// note adds a line of evidence.
func (s *scenario) note(format string, args ...any) {
	if s.ok() {
		s.evidence = append(s.evidence, fmt.Sprintf(format, args...))
	}
}

// lack records something the question needs that lifecycle does not model.
func (s *scenario) lack(what string) { s.missing = append(s.missing, what) }

// withCMK creates the customer key cmk (RSA 2048) and the disk encryption
// set des1 with automatic rotation.
func (s *scenario) withCMK() {
	if !s.ok() {
		return
	}
	id, err := s.w.CreateKey(admin, kv, "cmk", lifecycle.KeySpec{})
	s.do("CreateKey cmk", err)
	if !s.ok() {
		return
	}
	s.cmk = id[:strings.LastIndex(id, "/")]
	s.do("CreateDES", s.w.CreateDES(lifecycle.DESSpec{Name: "des1", Subscription: sub, Region: region, KeyID: s.cmk, AutoRotate: true}))
}

// withKEK creates the ADE key-encryption key kek (RSA 3072).
func (s *scenario) withKEK() {
	if !s.ok() {
		return
	}
	id, err := s.w.CreateKey(admin, kv, "kek", lifecycle.KeySpec{Size: 3072})
	s.do("CreateKey kek", err)
	s.kek = id
}

// vm creates a running VM with a 16 MiB data disk <name>-data, mounted,
// holding /data/customers.csv. des, when set, encrypts both disks with it.
func (s *scenario) vm(name, image, size, des string) {
	if !s.ok() {
		return
	}
	s.createVM(lifecycle.VMSpec{Name: name, Subscription: sub, Region: region, Image: image, Size: size, OSDiskDES: des})
	s.dataDisk(name, name+"-data", des)
}

// createVM creates a VM and records its OS disk, which CreateVM names
// <name>-osdisk.
func (s *scenario) createVM(spec lifecycle.VMSpec) {
	if !s.ok() {
		return
	}
	s.do("CreateVM "+spec.Name, s.w.CreateVM(spec))
	if s.ok() {
		s.disks[spec.Name] = append(s.disks[spec.Name], spec.Name+"-osdisk")
	}
}

// dataDisk creates, attaches and mounts a data disk and writes the CSV.
func (s *scenario) dataDisk(vm, d, des string) {
	if !s.ok() {
		return
	}
	w := s.w
	s.do("CreateDisk "+d, w.CreateDisk(lifecycle.DiskSpec{Name: d, Subscription: sub, Region: region, SizeMiB: 16, DES: des}))
	s.do("AttachDisk "+d, w.AttachDisk(vm, d))
	if s.ok() {
		s.disks[vm] = append(s.disks[vm], d)
	}
	s.do("Mount "+d, w.Mount(vm, d))
	s.do("WriteFile "+d, w.WriteFile(vm, d, csvPath, csvData))
}

// ade enables ADE on all volumes of a VM, with the KEK when withKEK.
func (s *scenario) ade(vm string, withKEK bool) {
	if !s.ok() {
		return
	}
	spec := lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll}
	if withKEK {
		if s.kek == "" {
			s.withKEK()
		}
		spec.KEKID = s.kek
	}
	s.do("EnableADE "+vm, s.w.EnableADE(vm, spec))
}

// download stops the VM, exports the disk through a one-hour read SAS as
// a VHD, revokes the SAS and copies the VHD to the on-premises host
// "laptop".
func (s *scenario) download(vm, d, vhd string) {
	if !s.ok() {
		return
	}
	w := s.w
	s.do("Stop "+vm, w.Stop(vm))
	g, err := w.GrantAccess(admin, d, hour)
	s.do("GrantAccess "+d, err)
	if !s.ok() {
		return
	}
	s.do("DownloadVHD", w.DownloadVHD(g, vhd))
	s.do("RevokeAccess", w.RevokeAccess(g))
	if !s.hasHost {
		s.do("AddHost", w.AddHost("laptop"))
		s.hasHost = true
	}
	s.do("CopyVHDToHost", w.CopyVHDToHost(vhd, "laptop"))
}

// Vantages and artifacts.
func guest(vm string) lifecycle.Vantage { return lifecycle.Vantage{Kind: lifecycle.GuestOS, VM: vm} }

var (
	insider  = lifecycle.Vantage{Kind: lifecycle.StorageInsider}
	laptop   = lifecycle.Vantage{Kind: lifecycle.VHDHolder, Host: "laptop"}
	operator = lifecycle.Vantage{Kind: lifecycle.BackupOperator}
)

func principal(p string) lifecycle.Vantage {
	return lifecycle.Vantage{Kind: lifecycle.RolePrincipal, Principal: p}
}
func diskA(d string) lifecycle.Artifact {
	return lifecycle.Artifact{Kind: lifecycle.DiskArtifact, Name: d}
}
func mediaA(d string) lifecycle.Artifact {
	return lifecycle.Artifact{Kind: lifecycle.MediaArtifact, Name: d}
}
func vhdA(n string) lifecycle.Artifact {
	return lifecycle.Artifact{Kind: lifecycle.VHDArtifact, Name: n}
}
func tempA(vm string) lifecycle.Artifact {
	return lifecycle.Artifact{Kind: lifecycle.TempDiskArtifact, Name: vm}
}
func cacheA(vm, d string) lifecycle.Artifact {
	return lifecycle.Artifact{Kind: lifecycle.CacheArtifact, Name: vm, Disk: d}
}
func rpA(rp, d string) lifecycle.Artifact {
	return lifecycle.Artifact{Kind: lifecycle.RecoveryPointArtifact, Name: rp, Disk: d}
}

// verdict computes whether v can read a, twice (symbolically and by
// decrypting), records a disagreement as the scenario's error, adds the
// verdict to the evidence under label and returns the concrete verdict.
func (s *scenario) verdict(label string, v lifecycle.Vantage, a lifecycle.Artifact) lifecycle.Verdict {
	con := s.check(label, v, a)
	s.note("%s: %s", label, verdictLine(con))
	return con
}

// check is verdict without the evidence line, for scenarios that report
// their verdicts in a table.
func (s *scenario) check(label string, v lifecycle.Vantage, a lifecycle.Artifact) lifecycle.Verdict {
	if !s.ok() {
		return lifecycle.Verdict{}
	}
	sym, err := s.w.Symbolic(v, a)
	s.do("Symbolic "+label, err)
	con, err := s.w.Readable(v, a)
	s.do("Readable "+label, err)
	if !s.ok() {
		return lifecycle.Verdict{}
	}
	if sym.Readable != con.Readable {
		s.do(label, fmt.Errorf("symbolic verdict %v disagrees with concrete verdict %v", sym.Readable, con.Readable))
		return lifecycle.Verdict{}
	}
	s.fact(con.Facts...)
	return con
}

// verdictLine is a verdict on one line: lifecycle's text form of it with
// short Key Vault ids, without the facts (an answer lists them once), the
// reason of a readable verdict, and the data-access key when it is
// obtainable.
func verdictLine(v lifecycle.Verdict) string {
	v.Facts = nil
	if v.Readable {
		v.Reason = ""
	}
	v.Keys = slices.DeleteFunc(slices.Clone(v.Keys), func(k lifecycle.KeyAccess) bool {
		return k.Name == "access to the data" && k.Obtainable
	})
	return shortID(strings.ReplaceAll(v.String(), "\n  ", "; "))
}

// shortID shortens the Key Vault URLs in s: https://kv1.vault.azure.net/
// keys/kek/0123456789abcdef... becomes kv1/keys/kek/01234567.
func shortID(s string) string {
	const scheme, host = "https://", ".vault.azure.net/"
	for {
		i := strings.Index(s, scheme)
		if i < 0 {
			return s
		}
		end := strings.IndexAny(s[i:], " )")
		if end < 0 {
			end = len(s) - i
		}
		u := strings.Replace(s[i+len(scheme):i+end], host, "/", 1)
		parts := strings.Split(u, "/")
		if len(parts) == 4 && len(parts[3]) > 8 {
			parts[3] = parts[3][:8]
		}
		s = s[:i] + strings.Join(parts, "/") + s[i+end:]
	}
}

// refusal is the outcome of an operation the cloud may refuse.
type refusal struct {
	Refused bool
	Fact    string
	Class   string // the sentinel's message without the package prefix
}

// String says "refused (F53: encryption types exclude each other)" or
// "allowed".
func (r refusal) String() string {
	if !r.Refused {
		return "allowed"
	}
	if r.Fact == "" {
		return "refused (" + r.Class + ")"
	}
	return "refused (" + r.Fact + ": " + r.Class + ")"
}

// try records the outcome of an operation that the cloud may refuse: nil
// is "allowed"; a *lifecycle.RefusedError is "refused" with its fact and
// class, and goes to the evidence with its detail. Any other error is
// unexpected and becomes the scenario's error.
func (s *scenario) try(label string, err error) refusal {
	if !s.ok() {
		return refusal{}
	}
	if err == nil {
		s.note("%s: allowed", label)
		return refusal{}
	}
	var re *lifecycle.RefusedError
	if !errors.As(err, &re) {
		s.do(label, err)
		return refusal{}
	}
	r := refusal{Refused: true, Fact: re.Fact, Class: "refused"}
	if re.Err != nil {
		r.Class = strings.TrimPrefix(re.Err.Error(), "lifecycle: ")
	}
	s.fact(re.Fact)
	s.note("%s: %s by %s: %s", label, r, re.Op, shortID(re.Detail))
	return r
}

// auditMark returns the current length of the vault audit log.
func (s *scenario) auditMark() int {
	if !s.ok() {
		return 0
	}
	return s.w.Vaults().AuditLen()
}

// opCount is the number of Key Vault calls of one operation.
type opCount struct {
	Op string
	N  int
}

// managementOps are the vault service's management-plane operations:
// Key Vault bills data-plane transactions (F85), so kvOps leaves these out.
var managementOps = []string{"AssignRole", "CreateVault", "DeleteVault", "GetDeletedVault", "GetVault",
	"PurgeDeletedVault", "RecoverDeletedVault", "RemoveAccessPolicy", "RemoveRole", "SetAccessPolicy", "UpdateVault"}

// kvOps counts the data-plane Key Vault calls made since mark by callers
// other than the service itself (scheduled purges and rotations are not
// calls), by operation name in alphabetical order, and their total.
func (s *scenario) kvOps(mark int) (int, []opCount) {
	if !s.ok() {
		return 0, nil
	}
	m := map[string]int{}
	total := 0
	for _, e := range s.w.Vaults().AuditSince(mark) {
		if e.Caller.ID == vault.SystemID || slices.Contains(managementOps, e.Operation) {
			continue
		}
		m[e.Operation]++
		total++
	}
	ops := make([]string, 0, len(m))
	for o := range m {
		ops = append(ops, o)
	}
	sort.Strings(ops)
	out := make([]opCount, len(ops))
	for i, o := range ops {
		out[i] = opCount{o, m[o]}
	}
	return total, out
}

// opsText formats operation counts: "getSecret 1, unwrapKey 2".
func opsText(ops []opCount) string {
	if len(ops) == 0 {
		return "none"
	}
	ps := make([]string, len(ops))
	for i, o := range ops {
		ps[i] = o.Op + " " + strconv.Itoa(o.N)
	}
	return strings.Join(ps, ", ")
}

// finish builds the answer, or returns the scenario's error.
func (s *scenario) finish(n int, answer string) (Answer, error) {
	if s.err != nil {
		return Answer{}, fmt.Errorf("examples: question %d: %w", n, s.err)
	}
	fs := lifecycle.SortFacts(slices.Collect(maps.Keys(s.facts)))
	return Answer{
		Number:   n,
		Question: questionText(n),
		Answer:   answer,
		Evidence: s.evidence,
		Facts:    fs,
		Diagram:  s.diagram.String(),
		Missing:  s.missing,
	}, nil
}
