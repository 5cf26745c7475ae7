package luks2

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestKeyslotStateMachine runs random sequences of AddKeyslot,
// RemoveKeyslot and Open against a model: a map from keyslot number to
// passphrase. The model predicts every result (which number AddKeyslot
// picks, when the area is full, which passphrases open) and is never
// updated from the system's answer.
//
// Mutation check: with AddKeyslot picking len(keyslots) as the new number
// instead of the lowest free one, rapid failed and shrank to exactly
// Add "p0", Remove 0, Add "p0" (the second Add reuses number 1); restored
// afterwards.
func TestKeyslotStateMachine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dev := newMem(testDevSize)
		if _, err := Format(dev, testKey(), []byte("p0"), TestParams(), seeded(rapid.Uint64().Draw(t, "seed"))); err != nil {
			t.Fatal(err)
		}
		model := map[int]string{0: "p0"}
		pass := rapid.SampledFrom([]string{"p0", "p1", "p2", "p3"})
		const slots = testKSSize / keyslotAreaSize // areas that fit: 3
		t.Repeat(map[string]func(*rapid.T){
			"Add": func(t *rapid.T) {
				p := pass.Draw(t, "pass")
				slot, err := AddKeyslot(dev, testKey(), []byte(p), TestParams(), seeded(uint64(len(model))))
				if len(model) == slots {
					if !errors.Is(err, ErrNoSpace) {
						t.Fatalf("AddKeyslot into a full area = %d, %v; want ErrNoSpace", slot, err)
					}
					return
				}
				want := 0
				for model[want] != "" {
					want++
				}
				if err != nil || slot != want {
					t.Fatalf("AddKeyslot = %d, %v; want %d", slot, err, want)
				}
				model[want] = p
			},
			"Remove": func(t *rapid.T) {
				slot := rapid.IntRange(0, 3).Draw(t, "slot")
				err := RemoveKeyslot(dev, slot)
				switch _, ok := model[slot]; {
				case !ok:
					if !errors.Is(err, ErrNoKeyslot) {
						t.Fatalf("RemoveKeyslot(%d) = %v, want ErrNoKeyslot", slot, err)
					}
				case len(model) == 1:
					if !errors.Is(err, ErrLastKeyslot) {
						t.Fatalf("RemoveKeyslot(%d) = %v, want ErrLastKeyslot", slot, err)
					}
				default:
					if err != nil {
						t.Fatalf("RemoveKeyslot(%d) = %v", slot, err)
					}
					delete(model, slot)
				}
			},
			"Open": func(t *rapid.T) {
				p := pass.Draw(t, "pass")
				_, vk, err := Open(dev, []byte(p))
				if slices.Contains(slices.Collect(maps.Values(model)), p) {
					if err != nil || !bytes.Equal(vk, testKey()) {
						t.Fatalf("Open(%q) = %v; model %v", p, err, model)
					}
				} else if !errors.Is(err, ErrWrongPassphrase) {
					t.Fatalf("Open(%q) = %v, want ErrWrongPassphrase; model %v", p, err, model)
				}
			},
			"": func(t *rapid.T) {
				h, err := ReadHeader(dev)
				if err != nil {
					t.Fatalf("ReadHeader = %v", err)
				}
				if want := slices.Sorted(maps.Keys(model)); !slices.Equal(h.Keyslots(), want) {
					t.Fatalf("Keyslots() = %v, model %v", h.Keyslots(), want)
				}
			},
		})
	})
}
