package luks2

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/atrest-sim/atrest/internal/xts"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/pbkdf2"
)

// areaSector is the encryption unit of keyslot areas: always 512 bytes, IV
// sector numbers counted from 0 at the start of the area (plain64).
const areaSector = 512

// afReadSize is how much of a keyslot area holds split key material,
// rounded to 4096 so that every device access stays 4 KiB aligned.
const afReadSize = (afSize + areaAlign - 1) / areaAlign * areaAlign

// deriveKey runs the keyslot's KDF on pass, giving the area key.
func (ks *keyslot) deriveKey(pass []byte) []byte {
	switch ks.kdf {
	case PBKDF2:
		newHash, _ := hashByName(ks.kdfHash)
		return pbkdf2.Key(pass, ks.salt, ks.iterations, keySize, newHash)
	case Argon2id:
		return argon2.IDKey(pass, ks.salt, uint32(ks.timeCost), uint32(ks.memoryKiB), uint8(ks.threads), keySize)
	case Argon2i:
		return argon2.Key(pass, ks.salt, uint32(ks.timeCost), uint32(ks.memoryKiB), uint8(ks.threads), keySize)
	}
	panic("luks2: keyslot with unknown KDF")
}

// cryptArea encrypts or decrypts buf in place as aes-xts-plain64 with
// 512-byte sectors numbered from 0.
func cryptArea(key, buf []byte, decrypt bool) {
	c, err := xts.New(key)
	if err != nil {
		panic("luks2: area key: " + err.Error())
	}
	if decrypt {
		c.DecryptSectors(buf, buf, areaSector, 0)
	} else {
		c.EncryptSectors(buf, buf, areaSector, 0)
	}
}

// computeDigest returns the PBKDF2 digest of volume key vk under d's
// parameters.
func (d *digest) compute(vk []byte) []byte {
	newHash, _ := hashByName(d.hash)
	return pbkdf2.Key(vk, d.salt, d.iterations, len(d.value), newHash)
}

// matches reports in constant time whether vk matches the digest.
func (d *digest) matches(vk []byte) bool {
	return subtle.ConstantTimeCompare(d.compute(vk), d.value) == 1
}

// unlock tries pass on keyslot ks. It returns the volume key, or nil if the
// passphrase does not open this keyslot; errors are device errors only.
func (m *metadata) unlock(dev Device, ks *keyslot, pass []byte) ([]byte, error) {
	buf := make([]byte, afReadSize)
	if err := readFull(dev, buf, ks.areaOffset); err != nil {
		return nil, err
	}
	key := ks.deriveKey(pass)
	cryptArea(key, buf[:afSize], true)
	clear(key)
	newHash, _ := hashByName(ks.afHash)
	vk := make([]byte, keySize)
	afMerge(newHash(), vk, buf[:afSize], afStripes)
	clear(buf)
	if !m.digestByID(ks.digest).matches(vk) {
		clear(vk)
		return nil, nil
	}
	return vk, nil
}

// sealKeyslot builds the area bytes of a new keyslot storing vk under pass.
// It reads (afStripes-1)*keySize bytes of random stripes from rand.
func sealKeyslot(ks *keyslot, vk, pass []byte, rand io.Reader) ([]byte, error) {
	area := make([]byte, ks.areaSize)
	split := area[:afSize]
	if _, err := io.ReadFull(rand, split[:afSize-keySize]); err != nil {
		return nil, fmt.Errorf("luks2: reading AF stripes: %w", err)
	}
	newHash, _ := hashByName(ks.afHash)
	afSplit(newHash(), split, vk, afStripes)
	key := ks.deriveKey(pass)
	cryptArea(key, split, false)
	clear(key)
	return area, nil
}

// newKeyslot returns a keyslot with p's KDF, a salt read from rand, and the
// given area; its hashes are SHA-256.
func newKeyslot(id int, p Params, areaOffset int64, rand io.Reader) (*keyslot, error) {
	ks := &keyslot{
		id: id, priority: 1, afHash: "sha256", areaOffset: areaOffset, areaSize: keyslotAreaSize,
		kdf: p.KDF, salt: make([]byte, saltSize),
	}
	if _, err := io.ReadFull(rand, ks.salt); err != nil {
		return nil, fmt.Errorf("luks2: reading keyslot salt: %w", err)
	}
	if p.KDF == PBKDF2 {
		ks.kdfHash, ks.iterations = "sha256", p.Iterations
	} else {
		ks.timeCost, ks.memoryKiB, ks.threads = p.TimeCost, p.MemoryKiB, p.Threads
	}
	return ks, nil
}

// json returns the keyslot's JSON object.
func (ks *keyslot) json() map[string]any {
	kdf := map[string]any{"type": ks.kdf.String(), "salt": ks.salt}
	if ks.kdf == PBKDF2 {
		kdf["hash"], kdf["iterations"] = ks.kdfHash, ks.iterations
	} else {
		kdf["time"], kdf["memory"], kdf["cpus"] = ks.timeCost, ks.memoryKiB, ks.threads
	}
	return map[string]any{
		"type":     "luks2",
		"key_size": keySize,
		"af":       map[string]any{"type": "luks1", "stripes": afStripes, "hash": ks.afHash},
		"area": map[string]any{
			"type": "raw", "encryption": "aes-xts-plain64", "key_size": keySize,
			"offset": fmt.Sprint(ks.areaOffset), "size": fmt.Sprint(ks.areaSize),
		},
		"kdf": kdf,
	}
}

// newDigest returns a digest of vk with a salt read from rand.
func newDigest(vk []byte, iterations int, rand io.Reader) (*digest, error) {
	d := &digest{hash: "sha256", iterations: iterations, salt: make([]byte, saltSize), value: make([]byte, sha256.Size)}
	if _, err := io.ReadFull(rand, d.salt); err != nil {
		return nil, fmt.Errorf("luks2: reading digest salt: %w", err)
	}
	d.value = d.compute(vk)
	return d, nil
}
