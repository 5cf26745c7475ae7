package vault

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns is an [*Error] whose
// Unwrap yields one of these (and, for unwrap failures, also
// [envelope.ErrUnwrap]); match them with [errors.Is], never on the text.
var (
	// ErrNotFound reports a vault, key, secret, version or deleted object
	// that does not exist, including one that is soft-deleted when a live
	// object is asked for (F23): codes VaultNotFound, KeyNotFound,
	// SecretNotFound, status 404.
	ErrNotFound = errors.New("vault: not found")

	// ErrForbidden reports a caller whose RBAC roles or access policy do not
	// grant the operation (F17, F38): code Forbidden, status 403.
	ErrForbidden = errors.New("vault: forbidden")

	// ErrDisabled reports an operation on a disabled key or secret version:
	// every cryptographic operation and GET is refused (F11): code
	// KeyDisabled or SecretDisabled, status 403.
	ErrDisabled = errors.New("vault: object is disabled")

	// ErrExpired reports a wrap or encrypt with a key version past its exp
	// attribute. Unwrap and decrypt still work (F10): code KeyExpired,
	// status 403.
	ErrExpired = errors.New("vault: key is expired")

	// ErrNotYetValid reports a wrap or encrypt with a key version before its
	// nbf attribute. Unwrap and decrypt still work (F10): code
	// KeyNotYetValid, status 403.
	ErrNotYetValid = errors.New("vault: key is not yet valid")

	// ErrConflict reports a name that is already taken, live or
	// soft-deleted (F24, F34): code Conflict, status 409.
	ErrConflict = errors.New("vault: conflict")

	// ErrDeletedButRecoverable reports a name held by a soft-deleted object
	// or vault (F24): code ObjectIsDeletedButRecoverable, status 409. It
	// also matches [ErrConflict].
	ErrDeletedButRecoverable error = &subError{msg: "vault: name is held by a soft-deleted object", parent: ErrConflict}

	// ErrNotDeleted reports a recover, purge or get-deleted of an object or
	// vault that is live, or not there at all, in the deleted state: code
	// KeyNotFound/SecretNotFound/VaultNotFound, status 404. It also matches
	// [ErrNotFound].
	ErrNotDeleted error = &subError{msg: "vault: no such deleted object", parent: ErrNotFound}

	// ErrPurgeProtected reports a purge refused because the vault has purge
	// protection and the retention period has not ended (F27, F30): code
	// Forbidden, status 403.
	ErrPurgeProtected = errors.New("vault: purge protection forbids purging before retention ends")

	// ErrBadParameter reports invalid input: a bad name, an unknown
	// algorithm, retention outside 7-90 days, tags over the limits, an
	// oversized value, a malformed or tampered backup: code BadParameter,
	// status 400.
	ErrBadParameter = errors.New("vault: bad parameter")

	// ErrNotSupported reports an operation the key cannot perform: wrap or
	// encrypt with an EC key (F3), an HSM key in a Standard vault (F1, F2),
	// or a key_ops list that excludes the operation (F6): code
	// BadParameter or Forbidden, status 400 or 403.
	ErrNotSupported = errors.New("vault: operation not supported")

	// ErrImmutable reports an attempt to change a property fixed at vault
	// creation (retention, F20) or turned on for good (purge protection,
	// F28): code BadRequest, status 400.
	ErrImmutable = errors.New("vault: property cannot be changed")

	// ErrOtherGeography reports a backup restored into a vault of another
	// Azure geography (F33): code BadParameter, status 400. It also matches
	// [ErrBadParameter].
	ErrOtherGeography error = &subError{msg: "vault: backup belongs to another geography", parent: ErrBadParameter}

	// ErrOtherSubscription reports a backup restored into a vault of another
	// subscription (F33): code BadParameter, status 400. It also matches
	// [ErrBadParameter].
	ErrOtherSubscription error = &subError{msg: "vault: backup belongs to another subscription", parent: ErrBadParameter}

	// ErrTooManyVersions reports a backup of an object with more than 500
	// versions (F36): code BadParameter, status 400.
	ErrTooManyVersions = errors.New("vault: too many versions to back up")
)

// subError is a sentinel that also matches a broader sentinel.
type subError struct {
	msg    string
	parent error
}

func (e *subError) Error() string        { return e.msg }
func (e *subError) Is(target error) bool { return target == e.parent }

// Error is the one error type of the package: the operation, the vault and
// object it addressed, the Azure error code and HTTP status, and the sentinel
// it matches. It never holds key or secret material.
type Error struct {
	// Op is the operation, named as in the Azure SDK ("WrapKey", "CreateVault").
	Op string
	// Vault is the vault name.
	Vault string
	// Object is the key or secret name, empty for vault operations.
	Object string
	// Version is the object version the call addressed, if any.
	Version string
	// Code is the Azure error code, the most specific one the service
	// reports (for a disabled key the inner code KeyDisabled).
	Code string
	// Status is the HTTP status the service would answer.
	Status int
	// Err is the sentinel the error matches.
	Err error
	// Detail explains the refusal, citing the FACTS.md rule it models.
	Detail string

	cause error // an extra error matched by errors.Is, e.g. envelope.ErrUnwrap
}

// Error formats the error as "vault: Op vault/object/version: Code (status): detail",
// leaving out the vault and object where the call named none.
func (e *Error) Error() string {
	where := e.Vault
	if e.Object != "" {
		where += "/" + e.Object
	}
	if e.Version != "" {
		where += "/" + e.Version
	}
	if where != "" {
		where = " " + where
	}
	s := fmt.Sprintf("vault: %s%s: %s (%d)", e.Op, where, e.Code, e.Status)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel, and the underlying cause when it is part of
// the contract (envelope.ErrUnwrap for a failed unwrap).
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Err, e.cause}
	}
	return []error{e.Err}
}

// failure is the classification of an error before the operation context is
// attached: code, status, sentinel and detail.
type failure struct {
	code   string
	status int
	err    error
	detail string
	cause  error
}

func (f *failure) Error() string { return f.code + ": " + f.detail }

func fail(err error, code string, status int, format string, args ...any) *failure {
	return &failure{code: code, status: status, err: err, detail: fmt.Sprintf(format, args...)}
}

func badParam(format string, args ...any) *failure {
	return fail(ErrBadParameter, "BadParameter", 400, format, args...)
}

func forbidden(format string, args ...any) *failure {
	return fail(ErrForbidden, "Forbidden", 403, format, args...)
}

// ErrInternal marks a failure of the simulation itself (a random source that
// fails): code InternalError, status 500.
var ErrInternal = errors.New("vault: internal error")

// newError is the [*Error] of a call outside a vault (New, KeyPool.Warm):
// sentinel err, and cause (matched by errors.Is too) when not nil. The
// code and status follow the sentinel: BadParameter 400 or InternalError
// 500.
func newError(op string, err, cause error, detail string) *Error {
	e := &Error{Op: op, Code: "InternalError", Status: 500, Err: err, Detail: detail, cause: cause}
	if err == ErrBadParameter {
		e.Code, e.Status = "BadParameter", 400
	}
	if cause != nil {
		e.Detail += ": " + cause.Error()
	}
	return e
}
