// Package envelope implements envelope encryption: data-encryption keys
// (DEKs) that encrypt data, key-encryption keys (KEKs) that wrap DEKs, a
// self-describing encoding of wrapped keys, and authenticated sealing of
// blobs. It is the cryptographic base of the atrest simulation; every other
// package builds on it.
//
// A [DEK] is a 256-bit key drawn by [GenerateDEK]. A [KEK] wraps it into a
// [Wrapped] (key id, algorithm, ciphertext) and unwraps it again. Two kinds of
// KEK are provided, with the algorithm names Azure Key Vault uses:
//
//   - [AESKEK]: [A256KW] (AES key wrap, RFC 3394) and [AESKeyWrapPad]
//     (CKM_AES_KEY_WRAP_PAD, RFC 5649), as performed by oct-HSM keys;
//   - [RSAKEK]: [RSAOAEP256] and [RSAOAEP] (SHA-1), as performed by RSA keys
//     of 2048, 3072 or 4096 bits.
//
// [Sealer] seals blobs (key backups, recovery points) with AES-256-GCM and
// binds a context of strings (ids, purpose) as associated data.
//
// # Security
//
// Key material never leaves a value except through [DEK.Bytes]: DEK, AESKEK
// and RSAKEK print as redacted under every fmt verb, also nested in structs
// and slices, and a DEK encodes to JSON as "REDACTED". Go cannot guarantee
// erasure of memory (the garbage collector may copy values), so this package
// clears temporary buffers as best effort and promises nothing more.
//
// Unwrap and Open fail with one opaque error each ([ErrUnwrap], [ErrOpen])
// that says nothing about why authentication failed. AES key wrap and
// AES-GCM authenticate; XTS sector encryption (package disk) does not.
//
// RSA-OAEP with SHA-1 ([RSAOAEP]) is kept because Azure Disk Encryption uses
// it by default for its KEK (FACTS.md F67); Key Vault labels it "not
// recommended" (F3). Prefer [RSAOAEP256].
//
// # Determinism
//
// Every random byte this package uses comes from an io.Reader the caller
// passes in, so that one seed reproduces one transcript. [NewSeededReader]
// gives such a reader for simulations; it is not for production keys. The
// exact reads are:
//
//   - [GenerateDEK] reads exactly 32 bytes;
//   - [GenerateAESKEK] reads exactly 32 bytes;
//   - [Sealer.Seal] and [Seal] read exactly 12 bytes (the nonce);
//   - [AESKEK] wrap and unwrap, [Sealer.Open], [Open] and RSA unwrap read
//     nothing;
//   - an [RSAKEK] wrap reads the OAEP seed from the reader given to
//     [NewRSAKEK]: 32 bytes for [RSAOAEP256], 20 for [RSAOAEP].
//
// RSA operations are not reproducible byte for byte: since Go 1.26,
// crypto/rsa.GenerateKey ignores the caller's reader and always uses the
// system's secure source, so RSA key material, and therefore every RSA-OAEP
// ciphertext, differs from run to run. Nothing in atrest may let behaviour
// depend on those bytes.
//
// # Performance
//
// An AESKEK keeps its expanded AES key, and its wrap and unwrap allocate only
// the value they return; a Sealer keeps its AES-GCM instance, so Seal and Open
// cost what raw crypto/cipher does. Measured numbers are in BENCHMARKS.md at
// the root of the module.
package envelope
