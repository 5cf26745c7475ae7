package luks2

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// TestOpenCostCaps crafts headers whose KDF costs are within the format's
// limits but far beyond the caps (4 GiB of Argon2 memory, 65,536 passes,
// 2^32-1 PBKDF2 iterations in a keyslot or the digest) and checks that Open
// refuses them with ErrTooCostly before doing the work: each case returns
// at once instead of allocating gigabytes or hashing for hours. (Before the
// caps, Open ran these KDFs; the cases are not run against that code for
// that reason.)
func TestOpenCostCaps(t *testing.T) {
	argon := func(mem, time int) func(doc map[string]any) {
		return func(doc map[string]any) {
			kdf := obj(doc, "keyslots", "0", "kdf")
			kdf["type"], kdf["memory"], kdf["time"], kdf["cpus"] = "argon2id", mem, time, 1
		}
	}
	for _, tc := range []struct {
		name string
		edit func(doc map[string]any)
		opts OpenOptions
	}{
		{"argon2 4 GiB", argon(4<<20, 4), OpenOptions{}},
		{"argon2 65536 passes", argon(32, 1<<16), OpenOptions{}},
		{"argon2 over a lowered cap", argon(1<<10, 4), OpenOptions{MaxMemoryKiB: 512}},
		{"pbkdf2 2^32-1", func(doc map[string]any) { obj(doc, "keyslots", "0", "kdf")["iterations"] = 1<<32 - 1 }, OpenOptions{}},
		{"digest 2^32-1", func(doc map[string]any) { obj(doc, "digests", "0")["iterations"] = 1<<32 - 1 }, OpenOptions{}},
		{"pbkdf2 over a lowered cap", func(doc map[string]any) {}, OpenOptions{MaxIterations: 999}},
	} {
		dev := formatted(t, TestParams())
		editJSON(t, dev, tc.edit)
		if _, err := ReadHeader(dev); err != nil {
			t.Fatalf("%s: the crafted header must be valid, got %v", tc.name, err)
		}
		_, vk, err := tc.opts.Open(dev, []byte("pass"))
		if !errors.Is(err, ErrTooCostly) || !errors.Is(err, ErrUnsupported) || vk != nil {
			t.Errorf("%s: Open = %v, want ErrTooCostly", tc.name, err)
		}
	}

	// A costly digest also stops AddKeyslot, which checks the key against it.
	dev := formatted(t, TestParams())
	editJSON(t, dev, func(doc map[string]any) { obj(doc, "digests", "0")["iterations"] = 1<<32 - 1 })
	if _, err := AddKeyslot(dev, testKey(), []byte("new"), TestParams(), seeded(3)); !errors.Is(err, ErrTooCostly) {
		t.Errorf("AddKeyslot under a costly digest = %v, want ErrTooCostly", err)
	}

	// A costly keyslot is skipped, not fatal: another keyslot still opens.
	dev = formatted(t, TestParams())
	if _, err := AddKeyslot(dev, testKey(), []byte("pass2"), TestParams(), seeded(2)); err != nil {
		t.Fatal(err)
	}
	editJSON(t, dev, func(doc map[string]any) { obj(doc, "keyslots", "0", "kdf")["iterations"] = 1<<32 - 1 })
	if _, slot, vk, err := OpenSlot(dev, []byte("pass2")); err != nil || slot != 1 || !bytes.Equal(vk, testKey()) {
		t.Errorf("OpenSlot(pass2) next to a costly keyslot = %d, %v", slot, err)
	}
	if _, _, err := Open(dev, []byte("wrong")); !errors.Is(err, ErrTooCostly) {
		t.Errorf("Open(wrong) with a skipped keyslot = %v, want ErrTooCostly (the skipped one might open)", err)
	}

	// Raising a cap lets a trusted header through.
	p := TestParams()
	p.Iterations = 1500
	dev = formatted(t, p)
	if _, _, err := (OpenOptions{MaxIterations: 1000}).Open(dev, []byte("pass")); !errors.Is(err, ErrTooCostly) {
		t.Errorf("Open under a 1000-iteration cap = %v, want ErrTooCostly", err)
	}
	if _, _, err := (OpenOptions{MaxIterations: 1500}).Open(dev, []byte("pass")); err != nil {
		t.Errorf("Open under a 1500-iteration cap = %v", err)
	}
}

// TestDefaultCapsAcceptDefaultParams checks that the default caps accept
// what DefaultParams writes (without running its one-second KDF: the check
// is on the parsed keyslot).
func TestDefaultCapsAcceptDefaultParams(t *testing.T) {
	o := OpenOptions{}.withDefaults()
	for _, kdf := range []KDF{Argon2id, PBKDF2} {
		p := DefaultParams()
		p.KDF = kdf
		ks, err := newKeyslot(0, p, 0, seeded(1))
		if err != nil {
			t.Fatal(err)
		}
		if !o.allows(ks) {
			t.Errorf("default caps refuse a %v keyslot of DefaultParams", kdf)
		}
		if err := o.checkDigest(&digest{iterations: p.DigestIterations}); err != nil {
			t.Errorf("default caps refuse the digest of DefaultParams: %v", err)
		}
	}
	// cryptsetup's usual Argon2id: up to 1 GiB, a few passes, 4 threads.
	if !o.allows(&keyslot{kdf: Argon2id, memoryKiB: 1 << 20, timeCost: 8, threads: 4}) {
		t.Error("default caps refuse cryptsetup's 1 GiB Argon2id")
	}
}

// TestOpenSlotAndMatchKeyslots checks that OpenSlot names the keyslot a
// passphrase opens and MatchKeyslots names every one.
func TestOpenSlotAndMatchKeyslots(t *testing.T) {
	dev := formatted(t, TestParams())
	for i, pass := range []string{"pass2", "pass"} {
		if _, err := AddKeyslot(dev, testKey(), []byte(pass), TestParams(), seeded(uint64(10+i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		pass  string
		first int
		all   []int
	}{
		{"pass", 0, []int{0, 2}},
		{"pass2", 1, []int{1}},
	} {
		_, slot, vk, err := OpenSlot(dev, []byte(tc.pass))
		if err != nil || slot != tc.first || !bytes.Equal(vk, testKey()) {
			t.Errorf("OpenSlot(%s) = %d, %v; want slot %d", tc.pass, slot, err, tc.first)
		}
		_, all, err := MatchKeyslots(dev, []byte(tc.pass))
		if err != nil || !slices.Equal(all, tc.all) {
			t.Errorf("MatchKeyslots(%s) = %v, %v; want %v", tc.pass, all, err, tc.all)
		}
	}
	if _, _, _, err := OpenSlot(dev, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("OpenSlot(wrong) = %v", err)
	}
	if _, _, err := MatchKeyslots(dev, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("MatchKeyslots(wrong) = %v", err)
	}
}
