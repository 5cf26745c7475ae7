// Package lifecycle is the simulated cloud: it wires the vault and disk
// packages into a [World] of subscriptions, regions, key vaults, disk
// encryption sets, VMs, managed disks, snapshots, images, backups, site
// recovery, SAS exports and on-premises hosts, enforces what the real cloud
// refuses, and answers the library's central question: after this sequence
// of operations, who can read which data, and why.
//
// # The world
//
// A World holds one seed, one simulated clock and every resource. Regions
// come from a fixed table ([Regions]) with their geography (the boundary
// of key backups, F33) and paired region (cross-region restore, F87).
// Operations change the world or fail with a *[RefusedError] that names the
// fact of FACTS.md it models (for example F53 for ADE on a CMK disk) and
// matches a sentinel such as [ErrEncryptionConflict] with errors.Is; a
// refused operation changes nothing. The operations:
//
//   - VMs: [World.CreateVM] from a catalogue, gallery or custom image
//     ([Images], [Sizes]), attach, detach, mount, start, stop, deallocate,
//     restart, and guest file access ([World.WriteFile], [World.ReadFile])
//     through the real layers.
//   - Keys: [World.CreateKey], rotate, enable, disable, expire, delete,
//     recover, purge, back up and restore ([World.BackupKey],
//     [World.RestoreKey]), and the same for secrets; vault roles for
//     principals.
//   - Storage-side encryption: every disk is SSE with a platform key;
//     [World.CreateDES] adds a customer key (CMK) or double encryption;
//     automatic rotation; encryption at host. There is no encryption type
//     without encryption ([EncryptionType], F43). [World.RawDigest]
//     fingerprints the bytes an artifact keeps at rest, to show what an
//     operation rewrote (a rotation rewrites nothing, F44, F50).
//   - Host caches: while a VM is allocated, its host caches every
//     attached disk: the blocks the guest wrote or read since the
//     allocation, as the host received them (above SSE, below ADE),
//     write-back. SSE does not cover them; encryption at host seals them
//     under a key derived from the disk's own DEK ("caches use the disk's
//     PMK or CMK", F57); ADE covers them because the guest encrypts first
//     (F59). Deallocation drops them, as it drops the temp disk (a
//     simulation choice inferred from F57 and F70, not a documented
//     fact); detaching a disk drops its cache.
//   - Azure Disk Encryption: [World.EnableADE], re-key, [World.DisableADE],
//     with the support rules (F58, F64, F67-F77).
//   - Backup: [World.BackupVM], [World.RestoreVM],
//     [World.RestoreRecoveryPointKeys], file recovery ([World.RecoverFile])
//     (F86-F95).
//   - Site recovery: [World.EnableReplication], [World.Failover] (F98-F104).
//   - Export and images: [World.GrantAccess], [World.DownloadVHD],
//     snapshots, cross-region copies, [World.CaptureImage] (F105-F112).
//   - On premises: [World.AddHost], [World.CopyVHDToHost],
//     [World.HandBEKToHost], [World.HostReadFile].
//
// [World.Advance] moves time and fires scheduled effects: a disabled,
// deleted or expired customer key stops its VMs and fails disk I/O one hour
// later (F47), automatic rotation re-wraps DEKs (F50), soft-deleted keys
// and secrets are purged at the end of retention (F26), SAS grants expire
// (F105). A running ADE VM keeps its volume key in memory; only its next
// start after a deallocation needs the BEK and KEK again (F82).
//
// Loss of a key is loss of data (F114): when a key or secret version is
// purged and no copy of it remains (a restored copy in any vault, a backup
// file, the key backups a recovery point keeps), the data that needs it is
// unrecoverable: verdicts cite F114 and operations that would need it
// (start, failover, handing a BEK over, export) return an error matching
// [ErrDataUnrecoverable]. While a copy exists, restoring it brings the data
// back.
//
// # Vantages and verdicts
//
// A [Vantage] is a party: a VM's guest OS, a storage-side insider, the
// holder of a downloaded VHD in the cloud or on premises, the backup
// operator, the DR region after failover, a vault administrator without
// disk access, or any principal with its compute and vault roles. An
// [Artifact] is something holding data: a disk, its raw media, a temp disk,
// a snapshot, a VHD, one disk of a recovery point, one disk of a replica,
// the host's cache of one disk of an allocated VM.
//
// [World.Readable] returns a [Verdict]: readable or not, the layers on the
// artifact from the outside in ("SSE-CMK [removed by the storage service] >
// ADE dm-crypt > files"), each key a layer needs and whether the vantage
// can obtain it (and why not: disabled, soft-deleted, purged, forbidden,
// other region, on premises, not re-synced), and the facts behind it, as
// text ([Verdict.String]) or JSON ([Verdict.JSON]). A verdict never holds
// key material.
//
// Every verdict is computed twice. [World.Symbolic] reasons from the layer
// stack and the world's model of key, secret and permission states, without
// reading a byte. [World.Concrete] obtains each key the way the vantage
// would (vault calls as its principal, the host's DEK cache, the guest's
// memory, keys handed to a host), opens the layers with real decryption
// (a host cache is put together from the blocks it holds, sealed by
// encryption at host when the VM has it, and then opened the same way),
// mounts the file system and checks that every file written to the
// artifact comes back with the same SHA-256 digest. Tests assert that the
// two agree on every scenario. Readable returns the concrete verdict.
//
// # Options
//
// Rules on which the documentation disagrees, or has changed, are switches
// in [Options]; [DefaultOptions] returns:
//
//	ADECrossRegionRestore   true   ADE recovery points restore to the paired region (F91)
//	ADEFileLevelRestore     false  no file-level restore from ADE VMs (F91, F93)
//	ExpiredCMKUnusable      true   disks treat an expired CMK as disabled (F10, F47)
//	CMKToPMKWithSnapshots   false  CMK stays on disks with snapshots (F49)
//	UltraNoAutoShutdown     false  Ultra disks shut down like the others (F48)
//	V5TempDiskEncrypted     true   v5+ sizes encrypt temp disks at rest (F56)
//	ADEWindowsCustomImages  true   ADE allowed on Windows custom images (F75)
//	BackupBEKOnly           true   BEK-only ADE VMs can be backed up (F88)
//	ASRLinuxADE             true   Linux ADE VMs can be replicated (F98)
//	RevocationDelay         1h     key revocation to VM shutdown (F47)
//	RotationPickup          1h     key rotation to DEK re-wrap (F50)
//	ADERetirement           2028-09-15  ADE retirement (F64)
//	Start                   2026-01-01  the world's start time
//
// # Determinism
//
// Every random byte (DEKs, platform keys, BEKs, volume keys, secret names,
// VHD ids) comes from one stream seeded by [Config.Seed]; the vault service
// gets its own stream drawn from it. Time comes only from the world's
// clock; scheduled effects fire in (time, order of scheduling) order with
// no goroutine or timer; maps are iterated in sorted key order wherever
// that reaches behaviour. RSA key material and RSA-OAEP ciphertexts are the
// exception (Go draws them from the system), and no state, error, verdict
// or audit event depends on those bytes: one seed and one sequence of calls
// give one audit log, one set of verdicts and one set of errors.
//
// # Simulation limits
//
// Disks are small and sparse (tens of MiB by default; sizes cost nothing
// until written); temp disks are 16 MiB. A guest's file system holds
// [GuestInodes] files and folders. ADE volumes use a tiny KDF
// iteration count. Every vault of the world uses RBAC; the ADE platform's
// access to a vault enabled for disk encryption is modelled as role
// assignments to a platform principal. Site recovery copies an ADE VM's
// BEK under a KEK of the same name in the target vault (the inference of
// F99) and replicates writes synchronously; there are no recovery-point
// choices at failover. Every attached disk is cached as if its host
// caching were read/write, with no eviction: the per-disk setting (None,
// ReadOnly) is not modelled, and a cache holds whole sectors, whose bytes
// are put together from the disk when a verdict reads them. Not modelled:
// cross-subscription moves, regional outages, confidential disk
// encryption, ADE encryption time (F80).
package lifecycle
