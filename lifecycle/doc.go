// Package lifecycle is the simulated cloud: it wires the vault and disk
// packages into a [World] of subscriptions, regions, key vaults, disk
// encryption sets, VMs, managed disks, snapshots, images, backups, SAS
// exports and on-premises hosts, enforces what the real cloud refuses, and
// answers the library's central question: after this sequence of
// operations, who can read which data, and why.
//
// # The world
//
// A World holds one seed and one simulated clock. Operations (CreateVM,
// EnableADE, SetKeyEnabled, GrantAccess, BackupVM, ...) change it or fail
// with a *[RefusedError] that names the fact of FACTS.md it models (for
// example F53 for ADE on a CMK disk) and matches a sentinel such as
// [ErrEncryptionConflict] with errors.Is. [World.Advance] moves time and
// fires scheduled effects: a disabled customer key stops its VMs one hour
// later (F47), automatic rotation re-wraps DEKs (F50), soft-deleted keys are
// purged at the end of retention (F26), SAS grants expire (F105).
// Rules on which the documentation disagrees are switches in [Options].
//
// # Vantages and verdicts
//
// A [Vantage] is a party: a VM's guest OS, a storage-side insider, the
// holder of a downloaded VHD in the cloud or on premises, the backup
// operator, a vault administrator without disk access, or any principal
// with its roles. An [Artifact] is something holding data: a disk, its raw
// media, a temp disk, a snapshot, a VHD, a disk of a recovery point.
// [World.Readable] returns a [Verdict]: readable or not, the layers on the
// artifact ("SSE-CMK removed at the storage boundary > ADE dm-crypt >
// files"), each key a layer needs and whether the vantage can obtain it
// (and why not: disabled, soft-deleted, purged, forbidden, on premises),
// and the facts behind it, as text ([Verdict.String]) or JSON. A verdict
// never holds key material.
//
// Every verdict is computed twice. [World.Symbolic] reasons from the layer
// stack and the world's model of key, secret and permission states;
// [World.Concrete] obtains each key the way the vantage would (vault calls
// as its principal, the host's DEK cache, the guest's memory, keys handed
// to a host), opens the layers with real decryption, mounts the file
// system and checks that every file written to the artifact comes back
// with the same SHA-256 digest. Tests assert that the two agree on every
// scenario. Readable returns the concrete verdict.
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
// or audit event depends on those bytes.
//
// # Simulation limits
//
// Disks are small and sparse (tens of MiB by default; sizes cost nothing
// until written); temp disks are 16 MiB. ADE volumes use a tiny KDF
// iteration count. Every vault of the world uses RBAC; the ADE platform's
// access to a vault enabled for disk encryption is modelled as role
// assignments to a platform principal. Site recovery (F98-F104), key and
// secret backup restore into vaults (F92), disabling ADE (F77) and
// cross-subscription moves are not modelled yet.
package lifecycle
