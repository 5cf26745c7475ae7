// Package atrest simulates encryption at rest in the cloud, with real
// cryptography: envelope encryption (a key-encryption key, KEK, wraps a
// data-encryption key, DEK), a key vault with Azure Key Vault semantics,
// managed disks encrypted by the storage service (SSE) and volumes encrypted
// inside the guest (Azure Disk Encryption, ADE), and the operations that move
// data around: backup, restore, disaster-recovery replication, VHD download,
// image capture, key rotation and key loss.
//
// Its point is to answer, with evidence, who can read which bytes after which
// sequence of operations. Every answer comes from actually decrypting with the
// keys a party can obtain; nothing is readable because a flag says so. The
// rules it models are the documented behaviour of the cloud, numbered F1 to
// F118 in the project's fact sheet, and cited by number in errors and docs.
//
// # Layers
//
// Every byte path in the library is one of these stacks. Reads go down and
// back up through real decryption.
//
//	guest file system          files written by the VM
//	  └─ ADE volume            XTS-AES-256 with the volume key; the volume key is protected
//	       │                   by the BEK, a Key Vault *secret*, optionally wrapped by a KEK
//	       └─ managed disk     SSE: XTS-AES-256 with a per-disk DEK; the DEK is wrapped by a
//	            │              platform key (PMK), a customer key via a disk encryption set
//	            │              (CMK), or both (double encryption)
//	            └─ media       the bytes at rest in the storage service
//	temp disk                  host-local: not covered by SSE; covered by encryption at host,
//	                           or by ADE (Windows VolumeType=All, Linux EncryptFormatAll)
//	host cache                 host-local blocks of a disk, above SSE and below ADE: not
//	                           covered by SSE; covered by encryption at host (a key from the
//	                           disk's DEK) or by ADE
//
// # Determinism
//
// One seed and a simulated clock decide everything: all random bytes come
// from an injected reader ([envelope.NewSeededReader] in simulations) and
// time moves only when the simulation advances it. The exception is RSA key
// material, which Go 1.26 always draws from the system; no behaviour depends
// on those bytes.
//
// # Packages
//
// Dependencies go one way: envelope ← vault ← disk ← lifecycle ← examples
// (disk does not import vault: a managed disk asks an envelope.KEK for its
// DEK, and lifecycle passes one backed by a vault key).
//
//   - [github.com/atrest-sim/atrest/envelope]: DEKs, KEKs with the Key Vault
//     algorithm names (A256KW, CKM_AES_KEY_WRAP_PAD, RSA-OAEP-256, RSA-OAEP),
//     the wrapped-key encoding, AES-256-GCM sealing of blobs, and a seeded
//     entropy source.
//   - [github.com/atrest-sim/atrest/vault]: Azure Key Vault in process:
//     vaults, keys and secrets with versions, soft-delete, purge protection,
//     backup and restore, rotation policies, RBAC and access policies, and an
//     audit log (FACTS.md F1-F42).
//   - [github.com/atrest-sim/atrest/disk]: block devices: sparse media,
//     managed disks with SSE (platform, customer or both keys), guest volumes
//     (BitLocker-like, and real LUKS2 for dm-crypt), temp disks, a small file
//     system, and real fixed VHD files (F43-F84, F105-F111).
//   - [github.com/atrest-sim/atrest/lifecycle]: the cloud: subscriptions,
//     regions, VMs, disk encryption sets, ADE, backup, disaster recovery,
//     export and on-premises hosts, and the readability verdict, computed
//     symbolically and by real decryption.
//
// The module github.com/atrest-sim/atrest/azsdk (in the azsdk folder, a
// module of its own so that the core does not depend on the Azure SDK) lets
// the real azkeys and azsecrets clients of the Azure SDK for Go talk to a
// simulated vault.
package atrest
