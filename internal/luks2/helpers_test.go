package luks2

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
)

// memDevice is an in-memory Device. If failAfter > 0, writes fail once
// that many writes have succeeded.
type memDevice struct {
	b      []byte
	writes int
}

func newMem(size int) *memDevice { return &memDevice{b: make([]byte, size)} }

func (m *memDevice) Size() int64 { return int64(len(m.b)) }

func (m *memDevice) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m.b)) {
		return 0, errors.New("memDevice: offset out of range")
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memDevice) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(m.b)) {
		return 0, errors.New("memDevice: write out of range")
	}
	m.writes++
	return copy(m.b[off:], p), nil
}

// testKey is a recognizable volume key: 0xA5 0xA5 ... so leaks are easy to
// spot in formatted output.
func testKey() []byte { return bytes.Repeat([]byte{0xA5}, keySize) }

// seeded returns a deterministic random source.
func seeded(seed uint64) io.Reader { return envelope.NewSeededReader(seed) }

const testDevSize = 2 << 20 // 1 MiB of metadata with TestParams + 1 MiB of data

// formatted returns a device formatted with TestParams, passphrase "pass".
func formatted(t testing.TB, p Params) *memDevice {
	t.Helper()
	dev := newMem(testDevSize)
	if _, err := Format(dev, testKey(), []byte("pass"), p, seeded(1)); err != nil {
		t.Fatalf("Format = %v", err)
	}
	return dev
}
