package envelope

import "errors"

// Sentinel errors. Every error returned by this package matches exactly one of
// them with [errors.Is]. Authentication failures ([ErrUnwrap], [ErrOpen]) carry
// no detail about why the check failed.
var (
	// ErrUnwrap reports that a wrapped key could not be unwrapped: wrong KEK,
	// tampered ciphertext, or a wrapped key that names another key.
	ErrUnwrap = errors.New("envelope: unwrap failed")

	// ErrOpen reports that a sealed blob failed authentication: wrong key,
	// wrong context, or tampered bytes.
	ErrOpen = errors.New("envelope: message authentication failed")

	// ErrMalformed reports an encoding that is truncated, over-long, or
	// otherwise not a valid encoding of the type being decoded.
	ErrMalformed = errors.New("envelope: malformed encoding")

	// ErrAlgorithm reports an unknown algorithm name, or an algorithm that the
	// key at hand cannot perform.
	ErrAlgorithm = errors.New("envelope: unsupported algorithm")

	// ErrKeySize reports key material of a size the algorithm does not accept.
	ErrKeySize = errors.New("envelope: invalid key size")

	// ErrRandom reports a random source that is missing or failed to give
	// the bytes an operation needs. The source's own error is wrapped too.
	ErrRandom = errors.New("envelope: random source failed")
)
