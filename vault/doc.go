// Package vault simulates Azure Key Vault in process, closely enough that a
// learner or a test suite can rely on it instead of a live subscription. It
// holds real key material and does real cryptography (through package
// envelope); names mirror the Azure SDK for Go (azkeys, azsecrets) so code
// and lessons map one to one. The behaviour it models is written down, with
// sources, in FACTS.md §1-3 (facts F1-F42); errors and docs cite the fact
// each rule comes from.
//
// A [Service] holds every vault of one simulated cloud: vault names are
// global (F24), role assignments live on the service (F29), and one audit
// log records every call. Management-plane calls ([Service.CreateVault],
// [Service.DeleteVault], [Service.RecoverDeletedVault],
// [Service.PurgeDeletedVault], [Service.UpdateVault], role assignments and
// access policies) take the calling principal for the audit log. Data-plane
// calls go through a [Client], a vault plus a calling [Principal], and are
// authorized by RBAC roles (F38) or, on vaults of the legacy model, by access
// policies (F17).
//
// A vault key adapts to envelope.KEK with [Client.KEK], so that disks and
// backups wrap their DEKs through the vault, under its rules.
//
// # Lifecycle
//
// Keys and secrets follow the same lifecycle. Delete, recover and purge act
// on the whole object, all versions together (F8):
//
//	               create / rotate / set (new version, F7)
//	                  ┌──────┐
//	                  ▼      │
//	(absent) ──create──► LIVE ──delete──► SOFT-DELETED ──purge (F22)──► (absent)
//	   ▲                  ▲                  │     │
//	   │                  └────recover (F25)─┘     │ retention ends (F26):
//	   │                                           │ automatic purge,
//	   └───────────────────────────────────────────┘ also under purge protection
//
//	SOFT-DELETED: inert (F23): only get-deleted, list-deleted, recover and
//	purge work; the name is reserved, create and restore conflict (F24);
//	with purge protection, purge is refused until retention ends (F27).
//
// Within LIVE, each version has its own attributes (F9):
//
//	             enabled, now in [nbf, exp)   : every operation
//	ENABLED ──── now < nbf or now ≥ exp       : unwrap, decrypt, get work;
//	   │                                        wrap, encrypt refused (F10)
//	   │ update enabled=false / true
//	   ▼
//	DISABLED ─── every cryptographic operation and GET refused (F11);
//	             only update-properties (to re-enable) works
//
// Vaults have the same shape: delete soft-deletes a vault with everything in
// it; recover brings back objects and access policies but not vault-scoped
// role assignments (F29); purge and automatic purge follow F27 and F30.
// Retention (7-90 days, default 90) is fixed at creation (F19, F20); purge
// protection is off by default and irreversible (F27, F28).
//
// Backups ([Client.BackupKey], [Client.BackupSecret]) are opaque blobs
// sealed with AES-256-GCM under a key held by the service; they restore
// every version, only into a vault of the same subscription and geography,
// never over an existing or soft-deleted name, and the restored object is
// independent of the original (F33-F36).
//
// # Errors
//
// Every error is an [*Error] with the operation, vault, object, version,
// Azure error code and HTTP status (KeyNotFound 404, Forbidden 403,
// KeyDisabled 403, Conflict or ObjectIsDeletedButRecoverable 409,
// BadParameter 400, ...), matching one of the sentinels ([ErrNotFound],
// [ErrForbidden], [ErrDisabled], [ErrExpired], [ErrConflict],
// [ErrPurgeProtected], ...) with [errors.Is]. A failed call changes nothing:
// the service's state and audit log are as before, apart from the failure
// event.
//
// # Audit
//
// Every call appends exactly one [Event] (time, caller, operation, object id
// with the version used, result code, status); effects the service applies on
// its own schedule (automatic purges, policy rotations and notifications) are
// events of the principal [SystemID]. Events name objects, never material.
//
// # Security
//
// Key material never leaves the package except as the plaintext result of
// UnwrapKey and Decrypt and the value of [Secret.Value], which callers own.
// GET returns public material only (F6). [Service], [Client], [Secret],
// [KeyPool] and the KEK adapter print redacted under every fmt verb; audit
// events and errors hold ids and codes only; backup blobs hold material
// only sealed. Tests check all of this by searching every output for known
// key and secret bytes, in raw, hex and base64 form.
//
// The simulation is not a key store for real data: material lives in
// ordinary Go memory, is never zeroized reliably (Go cannot promise that), and
// a [KeyPool] builds RSA keys from shared primes, which is insecure by
// design. Use it to model, test and teach.
//
// # Determinism
//
// Time comes only from [Config].Clock and randomness only from [Config].Rand;
// there are no goroutines or timers. Scheduled effects (automatic purge at
// the end of retention, rotation-policy rotations and notifications) are
// applied lazily: every call reads the clock and first applies, in time
// order, each effect whose time has passed, each at its own time (ties
// broken by vault, kind, then object name). One seed and one sequence of
// calls therefore give one transcript: the same version ids, audit log and
// errors. The reads from Rand are: 32 bytes for the backup key and its
// nonces' source at [New]; 16 bytes per new version id, then 32 bytes of
// material for an oct-HSM key; 12 bytes per backup; the OAEP seed of every
// RSA wrap or encrypt (32 bytes for RSA-OAEP-256, 20 for RSA-OAEP). RSA and
// EC key material itself is not reproducible (since Go 1.26 crypto/rsa and
// crypto/ecdsa ignore the reader), so no behaviour depends on those bytes.
// Concurrent calls are serialized in an order the scheduler picks.
//
// # Performance
//
// WrapKey and UnwrapKey authorize, check and audit under one mutex and run
// the cryptography outside it; the audit log stores compact records in
// fixed-size chunks. RSA keys come from a [KeyPool] when one is configured.
// Numbers, with the command that reproduces them, are in BENCHMARKS.md in
// this directory.
//
// # Simulation limits
//
// Not modelled: the management plane's own authorization (ARM roles such as
// Owner or Contributor; every management call is allowed and audited, so
// [RolePurgeOperator] grants nothing here); Managed HSM; certificates; key
// import, release, sign and verify; RSA1_5, A128KW, A192KW, oct keys other
// than 256 bits, EC curve P-256K, and oct encrypt/decrypt (AES-GCM/CBC);
// vaults without soft-delete (F21: soft-delete is always on); the ~10 minute
// DNS hold on a purged vault name (F24); throttling, regional outages and
// failover (F37); the local public-key wrap of the SDKs (F12); tenant moves
// (F42); Event Grid (a Notify action is an audit event); the default
// rotation policy (a key without a policy has none). Secrets' nbf and exp
// are recorded but not enforced, as the live service behaves
// (Azure/AzureKeyVault#19). A backup does not carry the rotation policy.
package vault
