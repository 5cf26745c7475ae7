package vault

import (
	"strings"
	"time"
)

// Limits from the Key Vault documentation.
const (
	vaultNameMin      = 3
	vaultNameMax      = 24
	objectNameMax     = 127
	tagsMax           = 15  // F18
	tagLenMax         = 256 // F18
	secretValueMax    = 25 * 1024
	contentTypeMax    = 255
	backupVersionsMax = 500 // F36
	retentionMin      = 7   // F19
	retentionMax      = 90  // F19
	propertyLenMax    = 256 // tenant, subscription, region, geography, principal ids
	host              = ".vault.azure.net"
)

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// checkVaultName applies the Key Vault naming rule: 3-24 characters, letters,
// digits and hyphens, starting with a letter, ending with a letter or digit,
// no two hyphens in a row.
func checkVaultName(n string) *failure {
	if len(n) < vaultNameMin || len(n) > vaultNameMax {
		return badParam("vault name %q must be %d to %d characters", clip(n), vaultNameMin, vaultNameMax)
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !isAlnum(c) && c != '-' {
			return badParam("vault name %q may hold only letters, digits and hyphens", clip(n))
		}
		if c == '-' && i > 0 && n[i-1] == '-' {
			return badParam("vault name %q has consecutive hyphens", clip(n))
		}
	}
	if !isLetter(n[0]) || !isAlnum(n[len(n)-1]) {
		return badParam("vault name %q must start with a letter and end with a letter or digit", clip(n))
	}
	return nil
}

// checkObjectName applies the rule for key and secret names: 1-127
// characters, letters, digits and hyphens.
func checkObjectName(kind, n string) *failure {
	if len(n) == 0 || len(n) > objectNameMax {
		return badParam("%s name must be 1 to %d characters", kind, objectNameMax)
	}
	for i := 0; i < len(n); i++ {
		if !isAlnum(n[i]) && n[i] != '-' {
			return badParam("%s name %q may hold only letters, digits and hyphens", kind, clip(n))
		}
	}
	return nil
}

// checkVersion accepts "" (the current version) or a 32-character hex version.
func checkVersion(v string) *failure {
	if v == "" {
		return nil
	}
	if len(v) != 32 {
		return badParam("version %q is not a 32-character version id (F7)", clip(v))
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return badParam("version %q is not a 32-character version id (F7)", clip(v))
		}
	}
	return nil
}

// checkTags enforces F18: at most 15 tags, names 1-256 and values up to 256
// characters.
func checkTags(tags map[string]string) *failure {
	if len(tags) > tagsMax {
		return badParam("%d tags, at most %d allowed (F18)", len(tags), tagsMax)
	}
	for k, v := range tags { // order-free: any violation fails the same way
		if len(k) == 0 || len(k) > tagLenMax || len(v) > tagLenMax {
			return badParam("tag names must be 1 to %d characters and values up to %d (F18)", tagLenMax, tagLenMax)
		}
	}
	return nil
}

func checkWindow(nbf, exp *time.Time) *failure {
	if nbf != nil && exp != nil && !exp.After(*nbf) {
		return badParam("exp must be after nbf (F9)")
	}
	return nil
}

// clip shortens a user string quoted in an error, bounding error sizes.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func lower(s string) string { return strings.ToLower(s) }

// objectID is the Azure identifier of an object: versionless when version is
// empty (F7).
func objectID(vault, collection, name, version string) string {
	id := "https://" + vault + host + "/" + collection + "/" + name
	if version != "" {
		id += "/" + version
	}
	return id
}

// ParseID splits a key or secret identifier
// "https://{vault}.vault.azure.net/{keys|secrets}/{name}[/{version}]" into
// its parts. Identifiers are case-insensitive (F7); the vault name is
// returned in lower case. It returns an error matching [ErrBadParameter] for
// anything else.
func ParseID(id string) (vault, collection, name, version string, err error) {
	vault, collection, name, version, ok := parseID(id)
	if !ok {
		return "", "", "", "", &Error{Op: "ParseID", Code: "BadParameter", Status: 400, Err: ErrBadParameter,
			Detail: "not a Key Vault object identifier: " + clip(id)}
	}
	return vault, collection, name, version, nil
}

// parseID is ParseID without the error value; it does not allocate for an
// identifier already in lower case, as the ones the vault makes are but for
// the object name, which it returns as given.
func parseID(id string) (vault, collection, name, version string, ok bool) {
	const scheme = "https://"
	if len(id) > 2048 || len(id) < len(scheme) || !strings.EqualFold(id[:len(scheme)], scheme) {
		return "", "", "", "", false
	}
	rest := id[len(scheme):]
	slash := strings.IndexByte(rest, '/')
	if slash < len(host) || !strings.EqualFold(rest[slash-len(host):slash], host) {
		return "", "", "", "", false
	}
	vault = lower(rest[:slash-len(host)])
	collection, path, found := strings.Cut(rest[slash+1:], "/")
	if !found {
		return "", "", "", "", false
	}
	collection = lower(collection)
	name, version, hasVersion := strings.Cut(path, "/")
	if hasVersion && (version == "" || strings.IndexByte(version, '/') >= 0) {
		return "", "", "", "", false
	}
	if collection != "keys" && collection != "secrets" {
		return "", "", "", "", false
	}
	if checkVaultName(vault) != nil || checkObjectName("object", name) != nil || checkVersion(version) != nil {
		return "", "", "", "", false
	}
	return vault, collection, name, version, true
}
