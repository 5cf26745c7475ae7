package luks2_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/luks2"
)

// memDevice is a Device in memory.
type memDevice []byte

func (m memDevice) Size() int64 { return int64(len(m)) }

func (m memDevice) ReadAt(p []byte, off int64) (int, error) {
	n := copy(p, m[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m memDevice) WriteAt(p []byte, off int64) (int, error) { return copy(m[off:], p), nil }

func ExampleFormat() {
	dev := make(memDevice, 2<<20)
	rand := envelope.NewSeededReader(1)
	volumeKey := make([]byte, 64)
	io.ReadFull(rand, volumeKey)

	h, err := luks2.Format(dev, volumeKey, []byte("BEK from the vault"), luks2.TestParams(), rand)
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Cipher(), h.SectorSize(), h.DataOffset(), h.Keyslots())

	_, got, err := luks2.Open(dev, []byte("BEK from the vault"))
	fmt.Println("opened:", err == nil, "same key:", bytes.Equal(got, volumeKey))
	_, _, err = luks2.Open(dev, []byte("guess"))
	fmt.Println("wrong passphrase:", errors.Is(err, luks2.ErrWrongPassphrase))
	// Output:
	// aes-xts-plain64 512 1048576 [0]
	// opened: true same key: true
	// wrong passphrase: true
}

// Example_rekey rotates the passphrase as Azure Disk Encryption re-keying
// does (F83): add a keyslot for the new BEK, then remove the old one. The
// volume key, and so the data, stays the same.
func Example_rekey() {
	dev := make(memDevice, 2<<20)
	rand := envelope.NewSeededReader(2)
	volumeKey := make([]byte, 64)
	io.ReadFull(rand, volumeKey)
	if _, err := luks2.Format(dev, volumeKey, []byte("old BEK"), luks2.TestParams(), rand); err != nil {
		panic(err)
	}

	_, vk, _ := luks2.Open(dev, []byte("old BEK"))
	slot, err := luks2.AddKeyslot(dev, vk, []byte("new BEK"), luks2.TestParams(), rand)
	fmt.Println("added keyslot", slot, err)
	fmt.Println("removed keyslot 0:", luks2.RemoveKeyslot(dev, 0))

	_, _, err = luks2.Open(dev, []byte("old BEK"))
	fmt.Println("old BEK:", err)
	h, vk2, err := luks2.Open(dev, []byte("new BEK"))
	fmt.Println("new BEK:", err, h.Keyslots(), bytes.Equal(vk2, volumeKey))
	// Output:
	// added keyslot 1 <nil>
	// removed keyslot 0: <nil>
	// old BEK: luks2: no keyslot opens with this passphrase
	// new BEK: <nil> [1] true
}
