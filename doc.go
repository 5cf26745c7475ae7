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
//   - [github.com/atrest-sim/atrest/envelope]: DEKs, KEKs with the Key Vault
//     algorithm names (A256KW, CKM_AES_KEY_WRAP_PAD, RSA-OAEP-256, RSA-OAEP),
//     the wrapped-key encoding, AES-256-GCM sealing of blobs, and a seeded
//     entropy source.
package atrest
