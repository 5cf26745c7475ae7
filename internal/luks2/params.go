package luks2

import (
	"fmt"
	"math"
)

// A KDF names the password-based key-derivation function of a keyslot.
// The zero KDF is invalid.
type KDF int

// The key-derivation functions of LUKS2 keyslots.
const (
	// KDFUnknown is the invalid zero value.
	KDFUnknown KDF = iota
	// PBKDF2 is PBKDF2-HMAC-SHA-256 ("pbkdf2" with "hash":"sha256").
	PBKDF2
	// Argon2id is Argon2 version 1.3, id variant (cryptsetup's default).
	Argon2id
	// Argon2i is Argon2 version 1.3, i variant.
	Argon2i
)

// String returns the LUKS2 JSON name of k: "pbkdf2", "argon2id", "argon2i",
// or "unknown".
func (k KDF) String() string {
	switch k {
	case PBKDF2:
		return "pbkdf2"
	case Argon2id:
		return "argon2id"
	case Argon2i:
		return "argon2i"
	}
	return "unknown"
}

// Layout and cost limits. The format limits are cryptsetup's; the cost
// limits bound what a header may make Open compute or allocate.
const (
	binHeaderSize   = 4096                // binary header, before the JSON area
	afStripes       = 4000                // the only stripe count LUKS2 uses
	keySize         = 64                  // aes-xts-plain64 with AES-256: two 32-byte keys
	keyslotAreaSize = 258048              // round_up(keySize*afStripes, 4096)
	maxKeyslots     = 32                  // LUKS2_KEYSLOTS_MAX
	maxTokens       = 32                  // LUKS2_TOKENS_MAX
	maxDigests      = 8                   // LUKS2_DIGEST_MAX
	maxKeyslotsSize = 128 << 20           // LUKS2_MAX_KEYSLOTS_SIZE
	defaultHdrSize  = 16 << 10            // cryptsetup's metadata size
	defaultKSSize   = 16<<20 - 2*16<<10   // cryptsetup's keyslots area: data at 16 MiB
	testKSSize      = 1<<20 - 2*16<<10    // three keyslot areas: data at 1 MiB
	saltSize        = 32                  // keyslot and digest salts
	hdrSaltSize     = 64                  // binary header salt
	maxPassphrase   = 8 << 20             // cryptsetup's key file limit
	minPBKDF2Iter   = 1000                // cryptsetup's minimum
	maxIterations   = math.MaxUint32      // JSON field is a uint32 in cryptsetup
	minArgonMemKiB  = 32                  // cryptsetup's minimum
	maxArgonMemKiB  = 4 << 20             // 4 GiB, cryptsetup's maximum
	maxArgonThreads = 16                  // cryptsetup's maximum parallel cost
	maxArgonTime    = 1 << 16             // far beyond any real setting; bounds Open's work
	areaAlign       = 4096                // alignment of keyslot areas and the data offset
	wipeChunk       = 64 << 10            // zero buffer for wiping areas
	afSize          = keySize * afStripes // 256000 bytes of split key per keyslot
)

// Params are the costs and layout choices for [Format] and [AddKeyslot].
//
// KDF and its cost fields apply to the keyslot being written. SectorSize,
// KeyslotsSize and DigestIterations apply only to [Format]; [AddKeyslot]
// ignores them (the header already fixes them).
type Params struct {
	// KDF is the keyslot's key-derivation function.
	KDF KDF
	// Iterations is the PBKDF2 iteration count (at least 1000).
	Iterations int
	// TimeCost is the Argon2 number of passes (at least 4, cryptsetup's
	// minimum).
	TimeCost int
	// MemoryKiB is the Argon2 memory in KiB (32 to 4194304).
	MemoryKiB int
	// Threads is the Argon2 parallelism (1 to 16).
	Threads int
	// DigestIterations is the PBKDF2-SHA-256 iteration count of the volume
	// key digest (at least 1000).
	DigestIterations int
	// SectorSize is the data segment's encryption sector size: 512 or 4096.
	SectorSize int
	// KeyslotsSize is the size in bytes of the keyslot area that follows
	// the two 16 KiB headers: a multiple of 4096, room for at least one
	// 258048-byte keyslot, at most 128 MiB. The data segment starts right
	// after it, at 32768+KeyslotsSize.
	KeyslotsSize int64
}

// DefaultParams returns realistic costs: Argon2id with 4 passes, 256 MiB
// and 4 threads, PBKDF2 (if selected) with 1,000,000 iterations, a digest of
// 100,000 iterations, 4096-byte sectors and cryptsetup's default layout
// (data at 16 MiB, room for 64 keyslot areas).
//
// cryptsetup picks its costs by benchmarking the machine for a 2-second
// unlock, with memory capped at 1 GiB and threads at 4. This package never
// measures time (so one seed reproduces one volume); these fixed values cost
// about a second per Format or Open on a 2-core machine (see BENCHMARKS.md),
// a quarter of cryptsetup's memory cap so that simulations running many
// volumes stay usable.
func DefaultParams() Params {
	return Params{
		KDF:              Argon2id,
		Iterations:       1000000,
		TimeCost:         4,
		MemoryKiB:        256 << 10,
		Threads:          4,
		DigestIterations: 100000,
		SectorSize:       4096,
		KeyslotsSize:     defaultKSSize,
	}
}

// TestParams returns the smallest costs cryptsetup accepts, for tests:
// PBKDF2 with 1000 iterations (Argon2: 4 passes, 32 KiB, 1 thread if KDF is
// switched), a digest of 1000 iterations, 512-byte sectors, and a small
// keyslot area (data at 1 MiB, room for 3 keyslots). They protect nothing;
// never use them for a real secret.
func TestParams() Params {
	return Params{
		KDF:              PBKDF2,
		Iterations:       minPBKDF2Iter,
		TimeCost:         4,
		MemoryKiB:        minArgonMemKiB,
		Threads:          1,
		DigestIterations: minPBKDF2Iter,
		SectorSize:       512,
		KeyslotsSize:     testKSSize,
	}
}

// checkKDF validates the keyslot cost fields of p.
func (p Params) checkKDF() error {
	switch p.KDF {
	case PBKDF2:
		if p.Iterations < minPBKDF2Iter || int64(p.Iterations) > maxIterations {
			return fmt.Errorf("%w: PBKDF2 iterations %d outside [%d, %d]", ErrInvalid, p.Iterations, minPBKDF2Iter, int64(maxIterations))
		}
	case Argon2id, Argon2i:
		if p.TimeCost < 4 || p.TimeCost > maxArgonTime {
			return fmt.Errorf("%w: Argon2 time cost %d outside [4, %d]", ErrInvalid, p.TimeCost, maxArgonTime)
		}
		if p.MemoryKiB < minArgonMemKiB || p.MemoryKiB > maxArgonMemKiB {
			return fmt.Errorf("%w: Argon2 memory %d KiB outside [%d, %d]", ErrInvalid, p.MemoryKiB, minArgonMemKiB, maxArgonMemKiB)
		}
		if p.Threads < 1 || p.Threads > maxArgonThreads {
			return fmt.Errorf("%w: Argon2 threads %d outside [1, %d]", ErrInvalid, p.Threads, maxArgonThreads)
		}
		if p.MemoryKiB < 8*p.Threads {
			// The reference Argon2 (and so cryptsetup) rejects this; x/crypto
			// would silently raise the memory and derive another key.
			return fmt.Errorf("%w: Argon2 memory %d KiB below 8 KiB per thread (%d threads)", ErrInvalid, p.MemoryKiB, p.Threads)
		}
	default:
		return fmt.Errorf("%w: KDF %d", ErrInvalid, int(p.KDF))
	}
	return nil
}

// checkFormat validates everything [Format] uses.
func (p Params) checkFormat() error {
	if err := p.checkKDF(); err != nil {
		return err
	}
	if p.DigestIterations < minPBKDF2Iter || int64(p.DigestIterations) > maxIterations {
		return fmt.Errorf("%w: digest iterations %d outside [%d, %d]", ErrInvalid, p.DigestIterations, minPBKDF2Iter, int64(maxIterations))
	}
	if p.SectorSize != 512 && p.SectorSize != 4096 {
		return fmt.Errorf("%w: sector size %d (want 512 or 4096)", ErrInvalid, p.SectorSize)
	}
	if p.KeyslotsSize < keyslotAreaSize || p.KeyslotsSize > maxKeyslotsSize || p.KeyslotsSize%areaAlign != 0 {
		return fmt.Errorf("%w: keyslots size %d (want a multiple of %d in [%d, %d])", ErrInvalid, p.KeyslotsSize, areaAlign, keyslotAreaSize, maxKeyslotsSize)
	}
	return nil
}

func checkPassphrase(pass []byte) error {
	if len(pass) == 0 || len(pass) > maxPassphrase {
		return fmt.Errorf("%w: passphrase of %d bytes (want 1 to %d)", ErrInvalid, len(pass), maxPassphrase)
	}
	return nil
}
