package envelope

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
)

// NewSeededReader returns a deterministic stream of bytes for simulations:
// one seed gives one stream, on every platform and Go release that keeps
// math/rand/v2's ChaCha8 stable. The stream is a ChaCha8 keystream keyed by
// the seed in its first 8 bytes (little-endian), the rest zero.
//
// It is not for production keys: anyone who knows the seed knows every key
// drawn from it. Its state therefore prints as redacted, like a key, also
// inside the config structs that hold it. The reader is not safe for
// concurrent use.
func NewSeededReader(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:8], seed)
	return &seededReader{&seededState{c: rand.NewChaCha8(s)}}
}

// seededReader keeps the generator two pointers away, for the reason given
// on DEK: its state is every future key.
type seededReader struct{ s *seededState }

type seededState struct{ c *rand.ChaCha8 }

func (r *seededReader) Read(p []byte) (int, error) { return r.s.c.Read(p) }

func (r *seededReader) String() string   { return "SeededReader(REDACTED)" }
func (r *seededReader) GoString() string { return r.String() }
func (r seededReader) Format(f fmt.State, verb rune) {
	io.WriteString(f, "SeededReader(REDACTED)")
}
