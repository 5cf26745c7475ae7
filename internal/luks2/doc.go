// Package luks2 reads and writes the LUKS2 on-disk format of cryptsetup:
// the header pair, the JSON metadata, keyslots and the volume key digest. It
// is what makes atrest's Linux (dm-crypt) guest volumes genuine: a volume
// formatted here opens with the real cryptsetup, and a volume made by
// cryptsetup opens here. The format follows the LUKS2 On-Disk Format
// Specification 1.1.4 as summarized in ../shared/FORMATS.md §2.
//
// [Format] writes a new volume, [Open] unlocks one with a passphrase and
// returns the volume key ([OpenSlot] also says which keyslot opened, and
// [MatchKeyslots] lists every keyslot a passphrase opens), [ReadHeader]
// validates without unlocking, and
// [AddKeyslot] and [RemoveKeyslot] re-key a volume (Azure Disk Encryption
// key rotation, FACTS.md F83: add a keyslot for the new BEK, then remove
// the old one). The data segment itself is encrypted by the caller (package
// disk) with aes-xts-plain64: the volume key from [Open], sectors of
// [Header.SectorSize] bytes starting at [Header.DataOffset], and the XTS
// tweak counting 512-byte units from the segment start, also with
// 4096-byte sectors (dm-crypt without iv_large_sectors).
//
// # Supported subset
//
// One crypt segment "0" of aes-xts-plain64 with a 512-bit key, iv_tweak 0,
// no integrity and no segment flags; keyslots of type luks2 with the luks1
// anti-forensic splitter (4000 stripes), raw aes-xts-plain64 areas and
// PBKDF2, Argon2i or Argon2id; pbkdf2 digests. Hashes sha256 (written),
// sha1 and sha512 (read). Anything else is rejected with [ErrUnsupported]:
// LUKS1, reencryption (segment flags, mandatory requirements, reencrypt
// keyslots), dm-integrity, detached headers, other ciphers and key sizes.
// Tokens are kept as they are (and unassigned from removed keyslots, as
// cryptsetup does) but never used to unlock, just as cryptsetup ignores them
// when given a passphrase. Format always writes 16 KiB metadata copies;
// the other metadata sizes are read. Keyslot areas must be 4 KiB aligned
// (cryptsetup always aligns them).
//
// # Security
//
// The volume key is the 64-byte AES-256-XTS key of the data; [Format] and
// [AddKeyslot] take it and [Open] returns it as a plain []byte that the
// caller owns and must keep out of every output. A [Header] holds no key
// material: only salts, KDF costs and the volume key digest, which are
// public in LUKS2. Errors never include keys or passphrases. Temporary
// buffers (derived keys, split key material) are cleared after use as best
// effort; Go cannot guarantee erasure.
//
// What the format protects: without a passphrase, the data and the volume
// key are as strong as AES-256-XTS and the keyslot KDF; each guess costs
// one KDF run (Argon2 memory-hard, PBKDF2 not) and all keyslots can be tried
// independently, so the weakest keyslot sets the bar. The anti-forensic
// splitter makes a wiped keyslot unrecoverable even if most of its sectors
// survive elsewhere. A wrong passphrase is told from a right one only by the
// digest, never by garbage output.
//
// Opening an untrusted header is bounded: the format lets a header ask for
// 4 GiB of Argon2 memory, 65,536 passes or 2^32-1 PBKDF2 iterations in each
// of 32 keyslots and in the digest. [Open], [OpenSlot], [MatchKeyslots] and
// [AddKeyslot] check every cost against [OpenOptions] (by default 1 GiB,
// 32 passes, 2^24 iterations: enough for [DefaultParams] and cryptsetup's
// normal settings) before running a KDF or allocating its memory; a keyslot
// over a cap is skipped and a digest over it fails, with [ErrTooCostly].
// The worst case under the defaults is still 32 capped KDF runs; a caller
// opening images from strangers can lower the caps.
//
// What it does not protect: the headers are checksummed (against accidents),
// not authenticated, so an attacker who can write the device can change the
// metadata, and XTS gives the data no integrity: sectors can be replaced by
// older ciphertext or randomized without detection. Anyone who once held the
// volume key (or a header copy from before a keyslot was removed, plus its
// passphrase) can decrypt the data until the volume is re-encrypted: removing
// a keyslot never changes the volume key. The header reveals the UUID,
// cipher, layout and KDF costs. [TestParams] costs protect nothing.
//
// # Determinism
//
// Randomness comes only from the io.Reader given to [Format] and
// [AddKeyslot], which document exactly what they read; one seed reproduces
// one volume byte for byte. KDF costs are fixed by [Params], never measured
// from the clock as cryptsetup does. Map order never reaches output: JSON
// objects are written with sorted keys and parsed in sorted order.
//
// # Device access
//
// Reads and writes go through [Device] at 4 KiB-aligned offsets and
// lengths. [Format] writes the whole keyslot area (zeros) and both headers;
// [AddKeyslot] writes the new keyslot area before the headers;
// [RemoveKeyslot] zeroes the keyslot area before the headers. Header copies
// are written secondary first, each with the sequence number plus one, so
// an interrupted update leaves one valid copy that [ReadHeader] recovers.
// Every check happens before the first write; a device error during the
// writes can leave a partial update.
package luks2
