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

func (luksCodec) open(dev Device, bek []byte) ([]byte, uint64, error) {
	h, vk, err := luks2.Open(deviceIO{dev}, bek)
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

// removeKey removes every keyslot that bek opens. LUKS2 has no "which slot
// does this passphrase open" call, so it finds out on scratch copies of the
// header area that keep one keyslot each: one KDF run per keyslot.
func (c luksCodec) removeKey(dev Device, bek []byte) error {
	h, err := luks2.ReadHeader(deviceIO{dev})
	if err != nil {
		return luksErr(err)
	}
	slots := h.Keyslots()
	var opens []int
	for _, s := range slots {
		scratch, err := c.headerCopy(dev, h.DataOffset())
		if err != nil {
			return err
		}
		for _, o := range slots {
			if o != s {
				if err := luks2.RemoveKeyslot(deviceIO{scratch}, o); err != nil {
					return luksErr(err)
				}
			}
		}
		if _, vk, err := luks2.Open(deviceIO{scratch}, bek); err == nil {
			clear(vk)
			opens = append(opens, s)
		}
	}
	switch {
	case len(opens) == 0:
		return ErrWrongBEK
	case len(opens) == len(slots):
		return fmt.Errorf("%w: cannot remove the last protector", ErrProtectors)
	}
	for _, s := range opens {
		if err := luks2.RemoveKeyslot(deviceIO{dev}, s); err != nil {
			return luksErr(err)
		}
	}
	return nil
}

// headerCopy copies the header area of dev (everything before the data
// segment) onto fresh media with one data sector.
func (luksCodec) headerCopy(dev Device, dataOffset int64) (*Media, error) {
	ss := dev.SectorSize()
	m, err := NewMedia(ss, uint64(dataOffset)/uint64(ss)+1)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, dataOffset)
	if err := dev.ReadSectors(buf, 0); err != nil {
		return nil, err
	}
	if err := m.WriteSectors(buf, 0); err != nil {
		return nil, err
	}
	return m, nil
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
