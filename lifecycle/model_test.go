package lifecycle_test

// The plain model of the property suite (properties_test.go). It is written
// from FACTS.md and the package documentation, not from the code: one small
// type per concept, its own permission table and support matrix, and no call
// into lifecycle except to name things (sentinels, image and size tables).
// It predicts, before each call, whether the call is refused and with which
// sentinel and fact. Where the outcome depends on a key chain that is no
// longer pristine (a customer key disabled, deleted or purged, a BEK gone),
// the model does not claim to know the exact timing of the one-hour grace
// of F47: it predicts success when every key is pristine, and otherwise
// allows either success or the key-chain refusal (pred.maybe).

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/atrest-sim/atrest/lifecycle"
	"github.com/atrest-sim/atrest/vault"
)

// want is one refusal: a sentinel (lifecycle or vault, matched with
// errors.Is) and, when set, the FACTS.md fact the RefusedError names.
type want struct {
	err  error
	fact string
}

func (w want) String() string {
	if w.fact == "" {
		return w.err.Error()
	}
	return w.err.Error() + " (" + w.fact + ")"
}

// pred is a prediction: refuse non-empty means the call must fail with one
// of them; maybe lists refusals that are allowed but not required.
type pred struct {
	refuse []want
	maybe  []want
}

func (p *pred) no(err error, fact string)    { p.refuse = append(p.refuse, want{err, fact}) }
func (p *pred) might(err error, fact string) { p.maybe = append(p.maybe, want{err, fact}) }
func (p pred) refused() bool                 { return len(p.refuse) > 0 }

// matches reports whether err matches one of ws.
func matches(err error, ws []want) bool {
	for _, w := range ws {
		if !errors.Is(err, w.err) {
			continue
		}
		var re *lifecycle.RefusedError
		if w.fact == "" || errors.As(err, &re) && re.Fact == w.fact {
			return true
		}
	}
	return false
}

type mVault struct {
	name, region, geo string
	premium, pp       bool
	retention         int // days
	forDE             bool
}

type keyState int

const (
	keyLive keyState = iota
	keyDeleted
	keyPurged
)

type mKey struct {
	vault, name string
	oct         bool
	bits        int
	enabled     []bool      // by version, oldest first
	expires     []time.Time // by version; zero: no expiry (F9)
	state       keyState
	deletedAt   time.Time
	lineage     int
}

// mBlob is a key backup file: a copy of a lineage that lives for ever.
type mBlob struct {
	lineage  int
	vault    string
	key      string
	geo, sub string
	oct      bool
	bits     int
	versions int
	enabled  []bool      // the versions' enabled attributes at backup
	expires  []time.Time // and their exp attributes
}

type mDES struct {
	name, region, vault, key string
	double, auto             bool
	lineage                  int // the key lineage the DES was created on
}

type mFile struct{ path, marker string }

type mDisk struct {
	name, region, des string
	lineage           int // the CMK lineage its DEKs are wrapped under, 0 without DES
	vm                string
	os                bool
	files             []mFile // readable files, in write order
	residual          []string
	lost              bool
	everADE, ade      bool
	secretID          string
	snapshots         int
}

type mVM struct {
	name, region   string
	image          lifecycle.Image
	size           lifecycle.Size
	eah            bool
	state          lifecycle.VMState
	osDisk         string
	data           []string
	mounted        map[string]bool
	ade            *mADE
	everADE        bool
	temp           []mFile // files on the temp disk since the last allocation
	tempCoveredADE bool
}

type mADE struct {
	vault  string
	kek    string // key name, "" for BEK only
	kekVer int
	vols   lifecycle.VolumeType
	efa    bool
	secret string // versioned secret id (from BEKSecretID)
	// kekID is the KEKID the VM's ADE was enabled with ("" for BEK only),
	// or "?" when the model does not know it (after a failover).
	kekID   string
	secName string
	// keepTemp: an earlier EnableADE covered the temp disk; it stays
	// covered (the world's adeConfig.keepTemp, F70).
	keepTemp bool
}

type mSnap struct {
	name, region, des string
	lineage           int // as mDisk.lineage
	files             []mFile
	ade               bool
	secretID          string
	residual          []string
}

type mVHD struct {
	name, source string
	ade          bool
	secretID     string
	files        []mFile
	residual     []string
	holders      map[string]bool
}

type mRP struct {
	name  string
	vm    mVM // copy at backup time
	disks map[string]*mDisk
	ade   bool
	kek   bool
}

type mRepl struct {
	vm         string
	target     string
	failedOver string
	disks      []string // the VM's disks when replication was enabled
	targetDES  map[string]string
	// ade is the VM's ADE settings when replication was enabled: the
	// target keeps them; later changes are not synced (F100).
	ade *mADE
}

// model is the whole plain model.
type model struct {
	now       time.Time
	vaults    map[string]*mVault
	keys      map[string]*mKey // vault/name
	blobs     map[string]*mBlob
	des       map[string]*mDES
	vms       map[string]*mVM
	disks     map[string]*mDisk
	snaps     map[string]*mSnap
	vhds      map[string]*mVHD
	rps       map[string]*mRP
	repls     map[string]*mRepl
	images    map[string]lifecycle.Image
	grants    map[string]mGrant // target -> grant
	roles     map[string]map[string][]vault.Role
	hostBEKs  map[string]bool // BEKs handed to the host, by secret name (copies in other vaults share the name and the bytes)
	backupSvc map[string]bool // vaults the backup service may use (F90)
	bekCopies map[string]bool // secret names with a copy outside their vault
	// bekFree holds the secret names with a copy that does not depend on
	// the source KEK (a DR copy wrapped by the target vault's KEK, a BEK
	// handed to a host); secKEK is the KEK lineage a BEK secret is wrapped
	// under, 0 for a BEK without KEK (T5 for ADE).
	bekFree  map[string]bool
	secKEK   map[string]int
	lineages int
	markers  int
	shredded map[int]time.Time   // CMK lineage -> when the last copy went
	secrets  map[string]*mSecret // BEK secrets by name
	// imageFiles and imageDES describe captured images: the files of the
	// OS disk and its DES at capture.
	imageFiles map[string][]mFile
	imageDES   map[string]string
	auditSeen  int // audit events already searched by T9
	// secBlobs are secret backup files (BackupSecret): the secret name.
	secBlobs map[string]string
	// secretCopies are the BEK secrets RestoreRecoveryPointKeys restored
	// into a vault other than the secret's own ("vault/name"); no action
	// deletes them.
	secretCopies map[string]bool
}

// mSecret is a BEK secret.
type mSecret struct {
	vault     string
	state     keyState
	deletedAt time.Time
}

type mGrant struct {
	name    string
	expires time.Time
	who     string
}

func newModel(now time.Time) *model {
	return &model{now: now, vaults: map[string]*mVault{}, keys: map[string]*mKey{}, blobs: map[string]*mBlob{},
		des: map[string]*mDES{}, vms: map[string]*mVM{}, disks: map[string]*mDisk{}, snaps: map[string]*mSnap{},
		vhds: map[string]*mVHD{}, rps: map[string]*mRP{}, repls: map[string]*mRepl{}, images: map[string]lifecycle.Image{},
		grants: map[string]mGrant{}, roles: map[string]map[string][]vault.Role{}, hostBEKs: map[string]bool{},
		backupSvc: map[string]bool{}, bekCopies: map[string]bool{}, bekFree: map[string]bool{}, secKEK: map[string]int{}, shredded: map[int]time.Time{}, secrets: map[string]*mSecret{}, imageFiles: map[string][]mFile{}, imageDES: map[string]string{}, secBlobs: map[string]string{}, secretCopies: map[string]bool{}}
}

// region table of the model: the three regions the machine uses.
var geoOf = map[string]string{"westeurope": "Europe", "northeurope": "Europe", "eastus": "United States"}
var pairOf = map[string]string{"westeurope": "northeurope", "northeurope": "westeurope", "eastus": "westus", "westus": "eastus"}

const retireAt = "2028-09-15" // ADE retirement (F64)

func (m *model) retired() bool {
	t, _ := time.Parse("2006-01-02", retireAt)
	return !m.now.Before(t)
}

// keyGone reports a key purged, or soft-deleted past its retention (F26).
func (m *model) keyGone(k *mKey) bool {
	if k.state == keyPurged {
		return true
	}
	return k.state == keyDeleted && !m.now.Before(k.deletedAt.Add(time.Duration(m.vaults[k.vault].retention)*24*time.Hour))
}

// pristine reports a key that is live with every version enabled.
func (m *model) pristine(vaultName, name string) bool {
	k := m.keys[vaultName+"/"+name]
	if k == nil || k.state != keyLive {
		return false
	}
	for i, e := range k.enabled {
		if !e {
			return false
		}
		if i < len(k.expires) && !k.expires[i].IsZero() && !m.now.Before(k.expires[i]) {
			return false // an expired customer key is unusable for disks (F47)
		}
	}
	return true
}

// desLineage is the CMK lineage a DES wraps a new disk's DEKs under: the
// lineage it was created on, or, for a DES that follows the latest version
// of a versionless key (AutoRotate), the lineage of the key that now has
// that name (a key recreated after a purge is another lineage).
func (m *model) desLineage(des string) int {
	d := m.des[des]
	if d == nil {
		return 0
	}
	if k := m.keys[d.vault+"/"+d.key]; d.auto && k != nil && !m.keyGone(k) {
		return k.lineage
	}
	return d.lineage
}

// bekShredded reports a BEK secret of which no usable copy remains: the
// secret is purged and no recovery point, DR vault or host holds a copy; or
// every copy of the KEK that wraps it is gone and no copy independent of
// that KEK exists (T5 for ADE).
func (m *model) bekShredded(name string) bool {
	if name == "" {
		return false
	}
	s := m.secrets[name]
	if (s == nil || s.state == keyPurged) && !m.bekCopies[name] {
		return true
	}
	if l := m.secKEK[name]; l != 0 && !m.bekFree[name] {
		_, gone := m.shredded[l]
		return gone
	}
	return false
}

func (m *model) desPristine(des string) bool {
	if des == "" {
		return true
	}
	d := m.des[des]
	if d == nil {
		return false
	}
	k := m.keys[d.vault+"/"+d.key] // a key recreated after a purge is another lineage
	return k != nil && k.lineage == d.lineage && m.pristine(d.vault, d.key)
}

// vmPristine reports a VM every key of which is pristine: its disks' customer
// keys, its BEK secret and its KEK.
func (m *model) vmPristine(vm *mVM) bool {
	for _, dn := range vm.disks() {
		if !m.desPristine(m.disks[dn].des) {
			return false
		}
	}
	if vm.ade != nil {
		if s := m.secrets[vm.ade.secName]; s == nil || s.state != keyLive || m.retired() {
			return false
		}
		if vm.ade.kek != "" && !m.pristine(vm.ade.vault, vm.ade.kek) {
			return false
		}
	}
	return true
}

func (vm *mVM) disks() []string { return append([]string{vm.osDisk}, vm.data...) }

// can is the model's F38 permission table: what each Key Vault role grants.
func can(roles []vault.Role, op string) bool {
	for _, r := range roles {
		switch r {
		case vault.RoleAdministrator:
			return true
		case vault.RoleCryptoOfficer:
			if strings.HasPrefix(op, "key") {
				return true
			}
		case vault.RoleCryptoUser:
			if op == "keyBackup" || op == "keyUpdate" || op == "keyCrypto" {
				return true
			}
		case vault.RoleSecretsOfficer:
			if strings.HasPrefix(op, "secret") {
				return true
			}
		case vault.RoleSecretsUser:
			if op == "secretGet" {
				return true
			}
		}
	}
	return false
}

func (m *model) allowed(who, vaultName, op string) bool {
	return can(m.roles[who][vaultName], op)
}

// adeSupport is the model's ADE support matrix (F72-F75).
func adeSizeOK(s lifecycle.Size) bool {
	switch {
	case s.Family == "Basic", s.Family == "A", s.Family == "L", s.WriteAccelerator, s.Series >= 7:
		return false
	case s.Series == 6 && s.TempDiskGB > 0:
		return false
	}
	return true
}

// tempPlain reports whether the model expects a VM's temp disk to hold
// plaintext at rest: neither encryption at host, nor a v5+ size (F56), nor
// ADE covers it (F70).
func (vm *mVM) tempPlain() bool {
	return !vm.eah && vm.size.Series < 5 && !vm.tempCoveredADE
}

func (m *model) marker() string {
	m.markers++
	return fmt.Sprintf("ATREST-MARKER-%05d-plaintext-at-rest", m.markers)
}

const markerPrefix = "ATREST-MARKER-"

func markersOf(fs []mFile) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.marker
	}
	return out
}

func cloneFiles(fs []mFile) []mFile { return slices.Clone(fs) }
