package disk

import (
	"errors"
	"fmt"
	"io"

	"github.com/atrest-sim/atrest/internal/luks2"
)

// luksCodec stores dm-crypt-like volumes under a real LUKS2 header
// (package internal/luks2, readable by cryptsetup): PBKDF2-SHA-256
// keyslots, aes-xts-plain64 with the device's sector size, and the data
// segment at 1 MiB (a keyslot area with room for 3 keyslots, enough to
// re-key by adding a BEK and removing the old one, F83).
type luksCodec struct{}

// luksMinIter is the smallest PBKDF2 iteration count cryptsetup accepts;
// smaller VolumeConfig.KDFIterations are raised to it for LUKS2.
const luksMinIter = 1000

func luksParams(ss, iter int) luks2.Params {
	p := luks2.TestParams() // the small keyslot area; costs set below
	p.KDF = luks2.PBKDF2
	p.Iterations = max(iter, luksMinIter)
	p.DigestIterations = max(min(iter, 100_000), luksMinIter)
	p.SectorSize = ss
	return p
}

func (luksCodec) dataOffset(ss int) uint64 {
	return uint64(32768 + luksParams(ss, 0).KeyslotsSize)
}

// tweakScale: LUKS2 counts the XTS tweak in 512-byte units whatever the
// sector size, as dm-crypt does.
func (luksCodec) tweakScale(ss int) uint64 { return uint64(ss / 512) }

func (luksCodec) format(dev Device, volumeKey, bek []byte, iter int, rand io.Reader) (uint64, error) {
	h, err := luks2.Format(deviceIO{dev}, volumeKey, bek, luksParams(dev.SectorSize(), iter), rand)
	if err != nil {
		return 0, luksErr(err)
	}
	return uint64(h.DataOffset()), nil
}

// luksOpenCaps bound the key derivation OpenVolume and RemoveBEK may do on
// a LUKS2 header, which may come from an untrusted VHD: everything this
// package writes (PBKDF2 up to vhMaxIter iterations), luks2.DefaultParams
// (Argon2id, 4 passes, 256 MiB) and cryptsetup's normal settings (Argon2id
// up to 1 GiB and a few passes, or a few million PBKDF2 iterations) fit.
var luksOpenCaps = luks2.OpenOptions{MaxMemoryKiB: 1 << 20, MaxTimeCost: 16, MaxIterations: vhMaxIter}

func (luksCodec) open(dev Device, bek []byte) ([]byte, uint64, error) {
	h, vk, err := luksOpenCaps.Open(deviceIO{dev}, bek)
	if err != nil {
		return nil, 0, luksErr(err)
	}
	if h.SectorSize() != dev.SectorSize() || len(vk) != volumeKeySize {
		clear(vk)
		return nil, 0, fmt.Errorf("%w: LUKS2 sector size %d on a device of %d", ErrVolumeHeader, h.SectorSize(), dev.SectorSize())
	}
	return vk, uint64(h.DataOffset()), nil
}

func (luksCodec) addKey(dev Device, volumeKey, bek []byte, iter int, rand io.Reader) error {
	_, err := luks2.AddKeyslot(deviceIO{dev}, volumeKey, bek, luksParams(dev.SectorSize(), iter), rand)
	return luksErr(err)
}

// removeKey removes every keyslot that bek opens (one KDF run per
// keyslot), unless that would leave none.
func (luksCodec) removeKey(dev Device, bek []byte) error {
	h, opens, err := luksOpenCaps.MatchKeyslots(deviceIO{dev}, bek)
	if err != nil {
		return luksErr(err)
	}
	if len(opens) == len(h.Keyslots()) {
		return fmt.Errorf("%w: cannot remove the last protector", ErrProtectors)
	}
	for _, s := range opens {
		if err := luks2.RemoveKeyslot(deviceIO{dev}, s); err != nil {
			return luksErr(err)
		}
	}
	return nil
}

// luksErr maps the errors of package luks2 to this package's sentinels,
// keeping the detail as text.
func luksErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, luks2.ErrWrongPassphrase):
		return ErrWrongBEK
	case errors.Is(err, luks2.ErrNotLUKS):
		return fmt.Errorf("%w: %v", ErrNoVolume, err)
	case errors.Is(err, luks2.ErrCorrupt), errors.Is(err, luks2.ErrUnsupported), errors.Is(err, luks2.ErrWrongKey):
		// ErrTooCostly (a KDF over luksOpenCaps) matches ErrUnsupported.
		return fmt.Errorf("%w: %v", ErrVolumeHeader, err)
	case errors.Is(err, luks2.ErrNoSpace):
		return fmt.Errorf("%w: %v", ErrProtectors, err)
	case errors.Is(err, luks2.ErrLastKeyslot):
		return fmt.Errorf("%w: %v", ErrProtectors, err)
	case errors.Is(err, luks2.ErrInvalid):
		return fmt.Errorf("%w: %v", ErrVolumeConfig, err)
	}
	return err // device errors pass through
}
