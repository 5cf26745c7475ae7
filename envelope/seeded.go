package envelope

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
)

// NewSeededReader returns a deterministic stream of bytes for simulations:
// one seed gives one stream, on every platform and Go release that keeps
// math/rand/v2's ChaCha8 stable. The stream is a ChaCha8 keystream keyed by
// the seed in its first 8 bytes (little-endian), the rest zero.
//
// It is not for production keys: anyone who knows the seed knows every key
// drawn from it. The reader is not safe for concurrent use.
func NewSeededReader(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:8], seed)
	return rand.NewChaCha8(s)
}
