// Package azsdk runs the real Azure SDK for Go Key Vault clients
// (azkeys.Client and azsecrets.Client) against the simulated atrest vault,
// so that application code written for Azure is tested unchanged against a
// deterministic vault with soft-delete, purge protection, versions,
// authorization and an audit log.
//
// It lives in its own module (github.com/atrest-sim/atrest/azsdk), so the
// core atrest module stays free of the Azure SDK.
//
// The SDK ships fake servers for its clients (azkeys/fake and
// azsecrets/fake): a Server struct with one function field per operation,
// plugged into a real client through azcore.ClientOptions.Transport. An
// [Adapter] fills those servers from a vault.Client, that is a vault and
// the principal to act as. Every call then goes through the SDK's own
// request and response serialization (JSON Web Key fields, kid URLs with
// versions, attributes as Unix times of the simulated clock) and reaches
// the vault as that principal, where it is authorized and audited exactly
// like a direct call: one SDK call is one vault call.
//
// An application test builds its clients like this:
//
//	c, _ := svc.Client("kv1", vault.Principal{ID: "app", Kind: vault.KindManagedIdentity})
//	a, _ := azsdk.New(c, nil)
//	keys, _ := azkeys.NewClient(a.VaultURL(), &azfake.TokenCredential{}, a.KeysClientOptions())
//	secrets, _ := azsecrets.NewClient(a.VaultURL(), &azfake.TokenCredential{}, a.SecretsClientOptions())
//	// ... hand keys and secrets to the code under test ...
//
// # Errors
//
// A refused call answers what the real service answers: an HTTP status and
// a JSON error body {"error":{"code":...,"message":...,"innererror":...}},
// from which the SDK builds its own *azcore.ResponseError, so application
// code that branches on ResponseError.ErrorCode and StatusCode behaves as
// in Azure: KeyNotFound and SecretNotFound 404, Forbidden 403 (missing
// role, purge protection), BadParameter 400, Conflict 409. Where Key Vault
// reports a specific code as the inner code of a generic one, so does the
// adapter: a disabled key is 403 Forbidden with inner code KeyDisabled
// (F11), a name held by a soft-deleted key is 409 Conflict with inner code
// ObjectIsDeletedButRecoverable (F24); the vault.Error carries the inner
// code. The message is the vault.Error text, which cites the fact it
// models.
//
// An operation or parameter the vault does not model answers 501
// NotImplemented with a message naming it, never a silent success: Sign,
// Verify, Release, ImportKey, GetRandomBytes, GetKeyAttestation, release
// policies and exportable keys, AES-GCM and AES-CBC parameters (iv, aad,
// tag), public exponents other than 65537, rotation-policy durations in
// years or months, and GetSecret with an output content type. Such calls
// never reach the vault and leave no audit event.
//
// # Simulation limits
//
//   - Secret values are strings on the wire. A value stored through the
//     atrest API as bytes that are not UTF-8 text cannot be returned
//     (501 NotImplemented) rather than being altered.
//   - Key and secret attributes carry recoverableDays and recoveryLevel
//     as the vault reports them; the "+ProtectedSubscription" levels are
//     not modelled.
//   - A list is read from the vault when its first page is requested and
//     served from that snapshot; each pager is independent (up to 64 kept
//     open at once). Retries are off in the client options: the simulation
//     never throttles, and a retry would show as a second call in the
//     audit log.
//
// # Determinism
//
// The adapter reads no clock and no randomness: times come from the
// vault's simulated clock and every random byte from the vault's seeded
// source, so two identically seeded worlds give the same ids, versions and
// audit logs whether driven through the SDK or directly. (The SDK itself
// reads the wall clock for its fake token and telemetry; nothing the vault
// does depends on it.)
//
// # Security
//
// Unwrapped keys and secret values travel in SDK response bodies, as they
// do in Azure; the adapter never logs or formats them, and the vault keeps
// them out of its audit log.
package azsdk
