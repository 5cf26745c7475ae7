package disk

import (
	"errors"
	"fmt"
)

// Sentinel errors of managed disks.
var (
	// ErrKeyUnavailable reports that a managed disk cannot unwrap its DEK:
	// the key-encryption key is disabled, deleted, expired at the disk
	// layer, or the disk encryption set lost access to it (FACTS.md F47,
	// F107). Disk I/O fails with it; nothing is written.
	ErrKeyUnavailable = errors.New("disk: disk encryption key unavailable")

	// ErrKeyRole reports a key role that the disk's encryption type does
	// not have, or a configuration that does not fit the encryption type.
	ErrKeyRole = errors.New("disk: no such key for this encryption type")

	// ErrReadOnly reports a write to a read-only view of a managed disk,
	// such as the disk as a VM host holds it open ([Managed.Opened]).
	ErrReadOnly = errors.New("disk: read-only view of a managed disk")
)

// A KeyError reports a managed-disk operation that needed a key it could not
// use: which operation, which layer, which key (its versioned id), and why
// (the KEK's error). It matches [ErrKeyUnavailable] and the KEK's error with
// [errors.Is].
type KeyError struct {
	// Op is the operation: "read", "write", "unlock" or "rewrap".
	Op string
	// Role says which layer's key failed.
	Role KeyRole
	// KeyID is the versioned id of the key-encryption key.
	KeyID string
	// Err is the error the key-encryption key returned.
	Err error
}

// Error names the operation, the layer's role and the key id, then the
// KEK's error; it holds no key material.
func (e *KeyError) Error() string {
	return fmt.Sprintf("disk: %s: %s key %s unavailable (F47): %v", e.Op, e.Role, e.KeyID, e.Err)
}

// Unwrap returns ErrKeyUnavailable and the KEK's error.
func (e *KeyError) Unwrap() []error { return []error{ErrKeyUnavailable, e.Err} }
