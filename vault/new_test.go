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
	clock := sim.NewClock(sim.Epoch)
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
