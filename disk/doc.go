// Package disk holds the bytes of the simulation: block devices stacked the
// way Azure stacks them, with real XTS-AES-256 at each encrypted layer, so
// that whether a party can read a sector is decided by decrypting it.
//
//	guest file system        files written by the VM (FileSystem)
//	  └─ ADE volume          XTS-AES-256 with the volume key; the volume key is
//	       │                 protected by the BEK, a Key Vault secret (Volume)
//	       └─ managed disk   SSE: XTS-AES-256 with a per-disk DEK; the DEK is
//	            │            wrapped by a platform key (PMK), a customer key
//	            │            via a disk encryption set (CMK), or both (Managed)
//	            └─ media     the bytes at rest in the storage service (Media)
//	temp disk                host-local, not covered by SSE (Temp); covered
//	                         by encryption at host (NewHostEncryption) or ADE
//
// Every layer is a [Device] (whole sectors, checked by [CheckIO]), so layers
// stack freely: a [Volume] can sit on a [*Managed], a [*Temp], a [*Media] or
// a VHD file.
//
// # What each layer protects against
//
// SSE ([Managed], FACTS.md F43-F55) protects the media at rest: a
// storage-side insider or the thief of a drive holds only ciphertext
// ([Managed.Raw]). It does not protect what the storage service hands out:
// the VM, a snapshot, a backup and an exported VHD (F106) all read through
// the service, which decrypts. A customer key adds control, not secrecy
// from the service: disable or revoke it and, once the service drops its
// cached DEK (F47, [Managed.Lock]), every read and write fails with a
// [*KeyError] matching [ErrKeyUnavailable].
//
// ADE ([Volume], F63-F84) protects against anyone without the BEK,
// including the storage service and whoever downloads the VHD: they see
// guest ciphertext. It does not protect against the running guest, which
// holds the volume key in memory, nor against someone who can read the BEK
// secret from the key vault.
//
// The temp disk ([Temp], F56) is plaintext at rest unless encryption at
// host ([NewHostEncryption], F57) or a guest volume (F70) covers it. A
// host's cache of a managed disk is not covered by SSE either (F59): it
// holds what the host read through SSE ([Managed.Opened]), unless
// encryption at host seals it under a key derived from the disk's own DEK
// ([NewCacheEncryption], F57).
//
// # Keys
//
// A managed disk's DEKs are 256-bit [envelope.DEK] values wrapped by an
// [envelope.KEK]; each layer's XTS key is HKDF-SHA-256(DEK, no salt, info,
// 64 bytes) with an info per role: "atrest/disk: SSE platform-key layer
// sector key, XTS-AES-256, v1" for the platform-key layer (the
// infrastructure layer under double encryption) and "atrest/disk: SSE
// customer-key layer sector key, XTS-AES-256, v1" for the customer-key
// layer, so that the two layers never share a key even if their DEKs were
// equal. Encryption at host uses the info "atrest/disk: encryption at host
// sector key, XTS-AES-256, v1", and for a disk's cache "atrest/disk:
// encryption at host cache sector key, XTS-AES-256, v1" with the DEK of the
// disk's layer nearest the guest. A guest volume's 512-bit volume key is drawn at random
// and sealed under keys derived from the BEK with PBKDF2-HMAC-SHA-256: in a
// real LUKS2 header for [DMCrypt] (package internal/luks2, readable by
// cryptsetup) and in this package's own header for [BitLocker].
//
// # Sparse storage
//
// [Media] costs memory for the sectors written, not the size of the disk;
// never-written sectors read as zeros through every layer.
// [Media.NextWritten] (also on [Managed], [Temp] and [Volume]) reports the
// runs of written sectors so that an exporter can stream a whole disk and
// emit the gaps as zeros without reading them.
//
// # Simulation limits
//
// Double encryption (F55): Azure's infrastructure layer uses "a different
// algorithm/mode" from the customer-key layer; here both layers are
// XTS-AES-256 with the sector number as tweak. They are independent (own
// DEK, own KEK, own HKDF info), which is what the simulation studies: who
// can read what, and which key failure stops which layer. The cipher of a
// layer does not change any of those answers.
//
// Linux volume key size (F81): Azure Disk Encryption on Linux uses
// aes-xts-plain64 with a "256-bit volume master key", which in cryptsetup
// terms is AES-128-XTS (two 128-bit keys). [DMCrypt] volumes here use a
// 512-bit volume key, AES-256-XTS, as the LUKS2 format of package
// internal/luks2 supports and as cryptsetup's own default is; the LUKS2
// header says so, and cryptsetup opens these volumes. [BitLocker] volumes
// are XTS-AES-256 as F81 says of current Windows.
//
// # Security
//
// XTS (package internal/xts) provides confidentiality only; it has no
// integrity, like golang.org/x/crypto/xts. Anyone who can write the
// ciphertext, such as a storage insider with [Managed.Raw], can randomise
// any 16-byte block of a sector without being detected, roll a sector back
// to an older version, or swap in a sector recorded earlier at the same
// position; and two snapshots show which blocks changed. Reads never fail
// because of tampering: they return noise. The volume header protectors, the
// LUKS2 keyslots and the wrapped DEKs do authenticate, so a wrong BEK or
// KEK fails with [ErrWrongBEK] or a [*KeyError], never garbage.
//
// Key material never appears in output: [Volume], [Managed], the layer
// [NewHostEncryption] returns and the XTS cipher print redacted under every
// verb, and errors name keys by id only. Where fmt cannot call those
// methods (a value in an unexported field of a printed struct) it prints
// fields and dereferences at most one pointer below them, so every key,
// key schedule and cipher.Block sits at least two pointers away from any
// value that holds it, as envelope.DEK does (TestNoKeyInFmtOutput). Go cannot guarantee erasure of
// memory; buffers are cleared as best effort.
//
// A volume header may come from an untrusted VHD, so [OpenVolume] and
// [Volume.RemoveBEK] bound the key derivation a LUKS2 header can ask for:
// Argon2 up to 1 GiB and 16 passes, PBKDF2 up to 2^24 iterations per
// keyslot and for the digest, which covers everything this package and
// luks2.DefaultParams write and cryptsetup's normal settings. A header over
// the caps fails with [ErrVolumeHeader] before any KDF runs. This
// package's own (BitLocker-like) header allows at most 8 protectors of at
// most 2^24 PBKDF2 iterations.
//
// Formatting a Linux volume ([EncryptFormatAll]) leaves the old sectors on
// the device, as cryptsetup luksFormat does: the volume reads them as
// noise, but a reader below the volume still sees them until they are
// overwritten. In-place encryption ([EncryptInPlace]) rewrites every written
// sector and leaves no plaintext.
//
// # Determinism
//
// Every random byte comes from the io.Reader in [ManagedConfig] or
// [VolumeConfig] (nil means crypto/rand). [NewManaged] reads 32 bytes per
// layer (the platform layer first under double encryption). [EncryptVolume]
// reads the 64-byte volume key, then for BitLocker the 16-byte volume id,
// the 32-byte salt and the 12-byte nonce; for LUKS2 what luks2.Format
// documents. No operation reads the clock; there are no goroutines, and no
// map order reaches behaviour.
package disk
