package vault

import (
	"fmt"
	"slices"
	"strings"
)

// PrincipalKind says what sort of identity a [Principal] is.
type PrincipalKind uint8

// The kinds of principal. The zero value is invalid.
const (
	// KindUser is a person signed in to Entra ID.
	KindUser PrincipalKind = iota + 1
	// KindManagedIdentity is a managed identity, such as the system-assigned
	// identity of a disk encryption set (F40).
	KindManagedIdentity
	// KindService is a first-party service principal, such as the Azure
	// Backup service (F39) or Key Vault itself acting on a schedule.
	KindService
)

var kindNames = [...]string{"", "user", "managed-identity", "service"}

// String returns "user", "managed-identity" or "service".
func (k PrincipalKind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("PrincipalKind(%d)", uint8(k))
}

// MarshalText encodes the kind by its String.
func (k PrincipalKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// A Principal is a calling identity: its object id and kind. Access policies
// and role assignments name principals by ID.
type Principal struct {
	ID   string        `json:"id"`
	Kind PrincipalKind `json:"kind"`
}

// SystemID is the ID of the principal under which the service records the
// effects it applies on its own schedule: automatic purges at the end of
// retention (F26) and rotations and notifications of rotation policies (F14).
const SystemID = "Microsoft.KeyVault"

var system = Principal{ID: SystemID, Kind: KindService}

func (p Principal) check() *failure {
	if p.ID == "" || len(p.ID) > propertyLenMax || p.Kind == 0 || int(p.Kind) >= len(kindNames) {
		return badParam("a principal needs an id of 1 to %d bytes and a valid kind", propertyLenMax)
	}
	if p.ID == SystemID {
		return badParam("principal id %q is reserved for the service", SystemID)
	}
	return nil
}

// perm is a set of data-plane permissions, one bit per access-policy
// permission of F16/F17 (keys) and of the secret model.
type perm uint32

const (
	pKeyGet perm = 1 << iota
	pKeyList
	pKeyUpdate
	pKeyCreate
	pKeyImport
	pKeyDelete
	pKeyRecover
	pKeyBackup
	pKeyRestore
	pKeyPurge
	pKeyDecrypt
	pKeyEncrypt
	pKeyUnwrap
	pKeyWrap
	pKeyVerify
	pKeySign
	pKeyRelease
	pKeyRotate
	pKeyGetPolicy
	pKeySetPolicy
	pSecretGet
	pSecretList
	pSecretSet
	pSecretDelete
	pSecretRecover
	pSecretBackup
	pSecretRestore
	pSecretPurge

	pKeyAll    = pSecretGet - 1
	pSecretAll = (pSecretPurge << 1) - pSecretGet
	pKeyCrypto = pKeyDecrypt | pKeyEncrypt | pKeyUnwrap | pKeyWrap | pKeyVerify | pKeySign
)

// keyPermNames and secretPermNames are the access-policy permission names, in
// bit order (F17; rotation permissions F16).
var keyPermNames = []string{"get", "list", "update", "create", "import", "delete", "recover",
	"backup", "restore", "purge", "decrypt", "encrypt", "unwrapKey", "wrapKey", "verify", "sign",
	"release", "rotate", "getrotationpolicy", "setrotationpolicy"}

var secretPermNames = []string{"get", "list", "set", "delete", "recover", "backup", "restore", "purge"}

func parsePerms(names []string, table []string, shift int, all perm, what string) (perm, *failure) {
	var p perm
	for _, n := range names {
		if strings.EqualFold(n, "all") {
			p |= all
			continue
		}
		i := slices.IndexFunc(table, func(t string) bool { return strings.EqualFold(t, n) })
		if i < 0 {
			return 0, badParam("unknown %s permission %q (F17)", what, clip(n))
		}
		p |= 1 << (shift + i)
	}
	return p, nil
}

// An AccessPolicy grants a principal permissions on a vault that uses the
// legacy access-policy model (F17). Permissions are named as in Azure:
// keys "get", "list", "update", "create", "import", "delete", "recover",
// "backup", "restore", "purge", "decrypt", "encrypt", "unwrapKey", "wrapKey",
// "verify", "sign", "release", "rotate", "getrotationpolicy",
// "setrotationpolicy"; secrets "get", "list", "set", "delete", "recover",
// "backup", "restore", "purge"; "all" grants every one. Names match case-insensitively.
type AccessPolicy struct {
	ObjectID string   `json:"objectId"`
	Keys     []string `json:"keys"`
	Secrets  []string `json:"secrets"`
}

func (a AccessPolicy) perms() (perm, *failure) {
	if a.ObjectID == "" || len(a.ObjectID) > propertyLenMax {
		return 0, badParam("an access policy needs an object id of 1 to %d bytes", propertyLenMax)
	}
	k, f := parsePerms(a.Keys, keyPermNames, 0, pKeyAll, "key")
	if f != nil {
		return 0, f
	}
	s, f := parsePerms(a.Secrets, secretPermNames, len(keyPermNames), pSecretAll, "secret")
	if f != nil {
		return 0, f
	}
	return k | s, nil
}

// A Role is an Azure built-in role of the Key Vault data plane (F38). Roles
// apply only to vaults that use the RBAC authorization model.
type Role string

// The built-in data-plane roles (F38).
const (
	// RoleAdministrator may perform every data-plane operation on keys and
	// secrets, purge included; it does not manage role assignments.
	RoleAdministrator Role = "Key Vault Administrator"
	// RoleCryptoOfficer may perform every operation on keys, purge,
	// rotation and rotation policy included (F16).
	RoleCryptoOfficer Role = "Key Vault Crypto Officer"
	// RoleCryptoUser may read key metadata, update attributes, back up, and
	// perform cryptographic operations.
	RoleCryptoUser Role = "Key Vault Crypto User"
	// RoleCryptoServiceEncryptionUser may read key metadata and wrap and
	// unwrap: the role for service identities such as a disk encryption
	// set (F38, F40).
	RoleCryptoServiceEncryptionUser Role = "Key Vault Crypto Service Encryption User"
	// RoleSecretsOfficer may perform every operation on secrets, purge included.
	RoleSecretsOfficer Role = "Key Vault Secrets Officer"
	// RoleSecretsUser may read secret contents.
	RoleSecretsUser Role = "Key Vault Secrets User"
	// RoleReader may read metadata of keys and secrets, not secret contents.
	RoleReader Role = "Key Vault Reader"
	// RolePurgeOperator may permanently delete soft-deleted vaults (F30); it
	// grants nothing on keys or secrets. The simulation does not authorize
	// the management plane, so this role has no effect here (see Simulation
	// limits in the package doc).
	RolePurgeOperator Role = "Key Vault Purge Operator"
)

// rolePerms is the role → permission table of F38.
func rolePerms(r Role) (perm, bool) {
	switch r {
	case RoleAdministrator:
		return pKeyAll | pSecretAll, true
	case RoleCryptoOfficer:
		return pKeyAll, true
	case RoleCryptoUser:
		return pKeyGet | pKeyList | pKeyUpdate | pKeyBackup | pKeyCrypto | pKeyGetPolicy, true
	case RoleCryptoServiceEncryptionUser:
		return pKeyGet | pKeyList | pKeyWrap | pKeyUnwrap, true
	case RoleSecretsOfficer:
		return pSecretAll, true
	case RoleSecretsUser:
		return pSecretGet | pSecretList, true
	case RoleReader:
		return pKeyGet | pKeyList | pKeyGetPolicy | pSecretList, true
	case RolePurgeOperator:
		return 0, true
	}
	return 0, false
}

// A Scope is where a role assignment applies: one vault (Vault set), or every
// vault of a subscription (Vault empty). Vault-scoped assignments are deleted
// with their vault and not restored by recovery (F29).
type Scope struct {
	Subscription string `json:"subscription,omitempty"`
	Vault        string `json:"vault,omitempty"`
}

type assignment struct {
	role  Role
	scope Scope
}
