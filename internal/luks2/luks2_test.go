package luks2

import (
	"bytes"
	"errors"
	"testing"
)

func TestFormatOpenRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		kdf  KDF
		sect int
	}{
		{"pbkdf2-512", PBKDF2, 512},
		{"pbkdf2-4096", PBKDF2, 4096},
		{"argon2id-4096", Argon2id, 4096},
		{"argon2i-512", Argon2i, 512},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := TestParams()
			p.KDF, p.SectorSize = tc.kdf, tc.sect
			dev := formatted(t, p)
			h, vk, err := Open(dev, []byte("pass"))
			if err != nil {
				t.Fatalf("Open = %v", err)
			}
			if !bytes.Equal(vk, testKey()) {
				t.Errorf("Open recovered a different volume key")
			}
			if h.SectorSize() != tc.sect || h.Cipher() != "aes-xts-plain64" || h.DataOffset() != 1<<20 {
				t.Errorf("header = %v", h)
			}
			if got := h.KeyslotKDF(0); got != tc.kdf {
				t.Errorf("KeyslotKDF(0) = %v, want %v", got, tc.kdf)
			}
			if _, _, err := Open(dev, []byte("wrong")); !errors.Is(err, ErrWrongPassphrase) {
				t.Errorf("Open(wrong) = %v, want ErrWrongPassphrase", err)
			}
		})
	}
}
