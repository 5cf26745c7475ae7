package luks2

import "errors"

// Sentinel errors. Every error returned by this package matches at least one
// of them with [errors.Is]; errors from the [Device] are wrapped unchanged so
// that a caller can also match those. Messages add the offending field or
// value but never key material.
var (
	// ErrNotLUKS reports a device with no LUKS magic in either header slot.
	ErrNotLUKS = errors.New("luks2: not a LUKS device")

	// ErrCorrupt reports a header that claims to be LUKS2 but is damaged: a
	// bad checksum, malformed JSON, a missing or malformed field, or an
	// offset or size outside its bounds.
	ErrCorrupt = errors.New("luks2: corrupt header")

	// ErrUnsupported reports a well-formed header that uses something this
	// package does not implement: LUKS1, another cipher, keyslot, KDF or
	// segment type, integrity, mandatory requirements, a detached header.
	ErrUnsupported = errors.New("luks2: unsupported feature")

	// ErrWrongPassphrase reports that no keyslot opens with the passphrase.
	// It says nothing about why each keyslot failed.
	ErrWrongPassphrase = errors.New("luks2: no keyslot opens with this passphrase")

	// ErrWrongKey reports a volume key that does not match the header's
	// digest, so it cannot be stored in a new keyslot.
	ErrWrongKey = errors.New("luks2: volume key does not match the header digest")

	// ErrNoSpace reports a device too small for the layout, a full keyslot
	// area, no free keyslot number, or JSON metadata that outgrows its area.
	ErrNoSpace = errors.New("luks2: no space")

	// ErrNoKeyslot reports a keyslot number that is not in use.
	ErrNoKeyslot = errors.New("luks2: no such keyslot")

	// ErrLastKeyslot reports an attempt to remove the only keyslot that
	// opens the data segment, which would make the volume unopenable.
	ErrLastKeyslot = errors.New("luks2: refusing to remove the last keyslot")

	// ErrTooCostly reports a header whose keyslot KDF or volume key digest
	// costs more than the caps of [OpenOptions] allow (memory, passes or
	// iterations), checked before any of that work is done. Such errors
	// match [ErrUnsupported] too.
	ErrTooCostly = errors.New("luks2: key derivation over the cost cap")

	// ErrInvalid reports a bad argument: volume key length, [Params] out of
	// range, or a passphrase that is empty or too long.
	ErrInvalid = errors.New("luks2: invalid argument")
)
