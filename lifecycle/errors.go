package lifecycle

import (
	"errors"
	"strings"
)

// Sentinel errors. Every error the package returns for a refused or failed
// operation is a *RefusedError whose Unwrap yields one of these (and, when a
// vault or disk call failed underneath, that error too); match them with
// errors.Is, never on the text.
var (
	// ErrNotFound reports a resource (tenant, subscription, region, vault,
	// key, VM, disk, snapshot, image, grant, recovery point, host) that does
	// not exist in the world.
	ErrNotFound = errors.New("lifecycle: not found")
	// ErrInvalid reports bad input: an empty or duplicate name, an unknown
	// option value, a size out of range.
	ErrInvalid = errors.New("lifecycle: invalid argument")
	// ErrState reports an operation refused in the resource's current state,
	// for example attaching a disk to a deallocated VM twice, exporting a
	// disk attached to a running VM (F105), or restoring a key over a name
	// that is taken (F34).
	ErrState = errors.New("lifecycle: not allowed in the current state")
	// ErrNotSupported reports a combination the cloud does not support: an
	// image or OS outside the ADE support matrix (F74, F75), a VM size
	// excluded from ADE (F73), image capture of an ADE VM (F75, F112), a
	// restore mode refused for ADE VMs (F91, F93), and similar.
	ErrNotSupported = errors.New("lifecycle: not supported")
	// ErrRegionMismatch reports resources that must share a region and do
	// not (F51, F68, F101, F111), or a key or secret backup restored into
	// another geography (F33).
	ErrRegionMismatch = errors.New("lifecycle: region mismatch")
	// ErrSubscriptionMismatch reports resources that must share a
	// subscription and do not (F33, F68, F91).
	ErrSubscriptionMismatch = errors.New("lifecycle: subscription mismatch")
	// ErrForbidden reports a principal without the permission the operation
	// needs (F40, F90, F116).
	ErrForbidden = errors.New("lifecycle: forbidden")
	// ErrKeyUnavailable reports a key chain that cannot be used: a customer
	// key disabled, expired, deleted or purged, or access revoked (F47, F82).
	ErrKeyUnavailable = errors.New("lifecycle: key unavailable")
	// ErrActiveSAS reports a VM start refused while a disk has an active
	// read SAS (F105).
	ErrActiveSAS = errors.New("lifecycle: an active shared access signature is outstanding for a disk")
	// ErrEncryptionConflict reports encryption types that exclude each other:
	// ADE and CMK on one disk, for its whole life (F53, F84, F113); ADE and
	// encryption at host (F58).
	ErrEncryptionConflict = errors.New("lifecycle: encryption types exclude each other")
	// ErrInsufficientMemory reports a VM with too little memory for ADE (F72).
	ErrInsufficientMemory = errors.New("lifecycle: insufficient memory for Azure Disk Encryption")
	// ErrVaultConfig reports a key vault not configured as the operation
	// requires: soft-delete and purge protection for disk encryption sets
	// (F32), enabledForDiskEncryption for ADE (F41).
	ErrVaultConfig = errors.New("lifecycle: key vault not configured for this use")
	// ErrUnsupportedKey reports a key of a type or size the operation does
	// not accept (F46, F67).
	ErrUnsupportedKey = errors.New("lifecycle: unsupported key")
	// ErrBootFailure reports a VM that cannot unlock its ADE volumes at boot
	// because its BEK or KEK cannot be obtained (F82).
	ErrBootFailure = errors.New("lifecycle: boot failure: cannot unlock encrypted volume")
	// ErrDataUnrecoverable reports data whose key is gone for good: the
	// version it needs is purged and no copy remains in any vault, backup
	// file or recovery point (F114). The error also matches the failure
	// underneath, for example ErrBootFailure or ErrKeyUnavailable.
	ErrDataUnrecoverable = errors.New("lifecycle: data unrecoverable")
)

// RefusedError is the one error type of the package: the operation, the
// fact of FACTS.md that the refusal models (for example "F53"), a detail for
// people, and the sentinel it matches. Cause, when set, is the vault or disk
// error underneath; it also matches with errors.Is.
type RefusedError struct {
	// Op is the operation, for example "EnableADE" or "StartVM".
	Op string
	// Fact is the FACTS.md fact number the rule models, empty for plain
	// argument checks.
	Fact string
	// Detail explains the refusal. It never holds key material.
	Detail string
	// Err is the sentinel the error matches.
	Err error
	// Cause is the underlying error from vault or disk, if any.
	Cause error
}

// Error returns "lifecycle: Op: detail (Fact): cause".
func (e *RefusedError) Error() string {
	var b strings.Builder
	b.WriteString("lifecycle: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else if e.Err != nil {
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "lifecycle: "))
	}
	if e.Fact != "" {
		b.WriteString(" (")
		b.WriteString(e.Fact)
		b.WriteString(")")
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause, for errors.Is and errors.As.
func (e *RefusedError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// refuse builds a *RefusedError.
func refuse(op, fact string, sentinel error, detail string) error {
	return &RefusedError{Op: op, Fact: fact, Err: sentinel, Detail: detail}
}

// refuseCause builds a *RefusedError with an underlying cause.
func refuseCause(op, fact string, sentinel error, detail string, cause error) error {
	return &RefusedError{Op: op, Fact: fact, Err: sentinel, Detail: detail, Cause: cause}
}
