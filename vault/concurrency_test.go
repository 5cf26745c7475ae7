package vault

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
)

// TestConcurrentWrapUnwrap runs many goroutines wrapping and unwrapping with
// oct and RSA keys while others rotate, disable, enable and read the audit
// log; run it with -race. Every successful unwrap must return the DEK that
// was wrapped, and the audit log must hold one event per call.
func TestConcurrentWrapUnwrap(t *testing.T) {
	w := newWorld(t, 13)
	c := w.vault(props("kv-conc"))
	w.octKey(c, "oct")
	if _, err := c.CreateKey("rsa", CreateKeyParameters{Kty: KeyTypeRSA}); err != nil {
		t.Fatal(err)
	}
	start := w.svc.AuditLen()
	const workers, rounds = 8, 40
	var calls sync.WaitGroup
	var mu sync.Mutex
	n := 0
	count := func(k int) { mu.Lock(); n += k; mu.Unlock() }
	for g := range workers {
		calls.Add(1)
		go func() {
			defer calls.Done()
			name, alg := "oct", envelope.A256KW
			if g%4 == 0 {
				name, alg = "rsa", envelope.RSAOAEP256
			}
			kek, err := c.KEK(objectID("kv-conc", "keys", name, ""), alg)
			if err != nil {
				t.Error(err)
				return
			}
			for i := range rounds {
				dek := dekPattern(byte(g*rounds + i))
				wr, err := kek.Wrap(dek)
				count(1)
				if err != nil {
					continue // the key may be disabled by the rotator right now
				}
				got, err := kek.Unwrap(wr)
				count(1)
				if err == nil && !got.Equal(dek) {
					t.Error("unwrap returned another DEK")
				}
			}
		}()
	}
	calls.Add(1)
	go func() {
		defer calls.Done()
		for i := range rounds {
			_, err := c.RotateKey("oct")
			_, err2 := c.UpdateKeyProperties("oct", "", UpdateKeyParameters{Enabled: ptr(i%3 != 0)})
			_ = w.svc.AuditLog()
			count(2)
			if err != nil || err2 != nil {
				t.Error(err, err2)
			}
		}
	}()
	calls.Wait()
	if got := w.svc.AuditLen() - start; got != n {
		t.Fatalf("audit has %d events for %d calls", got, n)
	}
	var buf bytes.Buffer
	w.svc.WriteJSONLines(&buf)
	if bytes.Contains(buf.Bytes(), []byte(fmt.Sprintf("%x", dekPattern(5).Bytes()))) {
		t.Fatal("DEK in audit log")
	}
}
