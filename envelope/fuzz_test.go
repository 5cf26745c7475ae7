package envelope

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzWrapped checks that the Wrapped decoder never panics, rejects with
// ErrMalformed or ErrAlgorithm, and that decode then encode is the identity
// on every accepted input.
func FuzzWrapped(f *testing.F) {
	for _, k := range keks(f) {
		w, err := k.Wrap(mustDEK(f))
		if err != nil {
			f.Fatal(err)
		}
		enc, err := w.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Add([]byte("ATWK\x01\x00\x01k\x06A256KW\x00\x01\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var w Wrapped
		if err := w.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrAlgorithm) {
				t.Fatalf("UnmarshalBinary = %v, want ErrMalformed or ErrAlgorithm", err)
			}
			return
		}
		enc, err := w.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of accepted input = %v", err)
		}
		if !bytes.Equal(enc, data) {
			t.Fatalf("re-encoding = %x, want %x", enc, data)
		}
	})
}

// FuzzUnwrap mutates wrapped DEKs for every KEK kind: unwrap must fail with
// ErrUnwrap, never panic, and never return a DEK other than the one wrapped.
func FuzzUnwrap(f *testing.F) {
	all := keks(f)
	dek := mustDEK(f)
	var wrapped []*Wrapped
	for _, k := range all {
		w, err := k.Wrap(dek)
		if err != nil {
			f.Fatal(err)
		}
		wrapped = append(wrapped, w)
	}
	f.Add(uint8(0), uint16(0), uint8(1), []byte(nil))
	f.Add(uint8(1), uint16(39), uint8(0x80), []byte(nil))
	f.Add(uint8(2), uint16(255), uint8(0), []byte{1, 2, 3})
	f.Add(uint8(3), uint16(10), uint8(4), []byte{})
	f.Fuzz(func(t *testing.T, which uint8, pos uint16, mask uint8, tail []byte) {
		i := int(which) % len(all)
		k, w := all[i], wrapped[i]
		ct := bytes.Clone(w.Ciphertext)
		ct[int(pos)%len(ct)] ^= mask
		ct = append(ct, tail...)
		got, err := k.Unwrap(&Wrapped{KeyID: w.KeyID, Algorithm: w.Algorithm, Ciphertext: ct})
		if bytes.Equal(ct, w.Ciphertext) {
			if err != nil || !got.Equal(dek) {
				t.Fatalf("unmodified Unwrap = %v", err)
			}
			return
		}
		if !errors.Is(err, ErrUnwrap) || got != nil {
			t.Fatalf("Unwrap(mutated) = %v, %v; want ErrUnwrap", got, err)
		}
	})
}

// FuzzOpen mutates sealed blobs: Open must fail with ErrOpen or
// ErrMalformed, never panic, never return plaintext for altered input.
func FuzzOpen(f *testing.F) {
	dek := mustDEK(f)
	s, err := NewSealer(dek, NewSeededReader(1))
	if err != nil {
		f.Fatal(err)
	}
	msg := []byte("key backup blob")
	sealed, err := s.Seal(msg, "purpose", "id")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint16(0), uint8(1), []byte(nil), "id")
	f.Add(uint16(20), uint8(0), []byte{0}, "id")
	f.Add(uint16(3), uint8(0), []byte(nil), "other")
	f.Fuzz(func(t *testing.T, pos uint16, mask uint8, tail []byte, ctx string) {
		b := bytes.Clone(sealed)
		b[int(pos)%len(b)] ^= mask
		b = append(b, tail...)
		got, err := s.Open(b, "purpose", ctx)
		if bytes.Equal(b, sealed) && ctx == "id" {
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("unmodified Open = %q, %v", got, err)
			}
			return
		}
		if err == nil || got != nil || !(errors.Is(err, ErrOpen) || errors.Is(err, ErrMalformed)) {
			t.Fatalf("Open(mutated) = %q, %v", got, err)
		}
	})
}
