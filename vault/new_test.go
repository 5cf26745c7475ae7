package vault

import (
	"errors"
	"io"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/sim"
)

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// TestNewErrors checks that New and KeyPool.Warm fail with *Error values
// matching a sentinel, and the cause where there is one.
func TestNewErrors(t *testing.T) {
	clock := sim.NewClock(sim.Epoch())
	tests := []struct {
		name string
		call func() error
		want []error
	}{
		{"no clock", func() error { _, err := New(Config{Rand: envelope.NewSeededReader(1)}); return err }, []error{ErrBadParameter}},
		{"no rand", func() error { _, err := New(Config{Clock: clock}); return err }, []error{ErrBadParameter}},
		{"failing rand", func() error { _, err := New(Config{Clock: clock, Rand: failingReader{}}); return err },
			[]error{ErrInternal, envelope.ErrRandom, io.ErrUnexpectedEOF}},
		{"warm bad size", func() error { return NewKeyPool().Warm(1024, 1) }, []error{ErrBadParameter}},
		{"warm too many", func() error { return NewKeyPool().Warm(2048, poolKeysMax+1) }, []error{ErrBadParameter}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			wantErr(t, tt.name, err, tt.want...)
			var ve *Error
			if errors.As(err, &ve); ve.Op == "" || ve.Status == 0 || ve.Code == "" {
				t.Fatalf("%s: error %#v lacks op, code or status", tt.name, ve)
			}
		})
	}
	if err := NewKeyPool().Warm(2048, 0); err != nil {
		t.Fatalf("Warm(2048, 0) = %v, want nil", err)
	}
}

// TestPoolFailureChangesNothing checks that a create refused because the
// key pool cannot supply a key leaves the service's pool position (and
// everything else but the audit log) as it was: a failed operation changes
// nothing.
func TestPoolFailureChangesNothing(t *testing.T) {
	w := newWorld(t, 43)
	c := w.vault(props("kv-pool"))
	w.svc.poolNext[2048] = poolKeysMax // the pool is exhausted from here on
	before := w.svc.fingerprint(0)
	_, err := c.CreateKey("rsa", CreateKeyParameters{Kty: KeyTypeRSA})
	wantErr(t, "CreateKey from an exhausted pool", err, ErrInternal)
	if got := w.svc.poolNext[2048]; got != poolKeysMax {
		t.Fatalf("poolNext after a failed create = %d, want %d", got, poolKeysMax)
	}
	if after := w.svc.fingerprint(1); after != before {
		t.Fatalf("a failed create changed the service:\n%s\nwant\n%s", after, before)
	}
}
