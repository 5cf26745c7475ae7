package azsdk_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// TestServiceShapedAnswers checks what the adapter answers now that the
// vault reports it, as Key Vault does: recoveryLevel in key and secret
// attributes, the versioned kid of a versionless unwrap or decrypt, public
// material from UpdateKey, DeleteKey and GetDeletedKey, and the rotation
// policy's created time.
func TestServiceShapedAnswers(t *testing.T) {
	w := newWorld(t, 31)
	w.vault("kv-shape", 90, true)
	a := w.adapter("kv-shape", admin, nil)
	kc, sc := keysClient(t, a), secretsClient(t, a)

	rsaKey, err := kc.CreateKey(ctx, "rsa", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSA)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := *rsaKey.Attributes.RecoveryLevel; got != "Recoverable" {
		t.Fatalf("key recoveryLevel = %q, want Recoverable (90 days, purge protection)", got)
	}
	set, err := sc.SetSecret(ctx, "s", azsecrets.SetSecretParameters{Value: to("v")}, nil)
	if err != nil || *set.Attributes.RecoveryLevel != "Recoverable" {
		t.Fatalf("SetSecret recoveryLevel = %v, %v", set.Attributes, err)
	}

	// A versionless unwrap and decrypt answer the versioned kid used.
	oct, err := kc.CreateKey(ctx, "oct", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wrapAlg := to(azkeys.EncryptionAlgorithmA256KW)
	wrapped, err := kc.WrapKey(ctx, "oct", "", azkeys.KeyOperationParameters{Algorithm: wrapAlg, Value: dekPattern}, nil)
	if err != nil {
		t.Fatal(err)
	}
	un, err := kc.UnwrapKey(ctx, "oct", "", azkeys.KeyOperationParameters{Algorithm: wrapAlg, Value: wrapped.Result}, nil)
	if err != nil || *un.KID != *oct.Key.KID || !bytes.Equal(un.Result, dekPattern) {
		t.Fatalf("versionless UnwrapKey kid = %v, want %v (err %v)", un.KID, *oct.Key.KID, err)
	}
	rsaAlg := to(azkeys.EncryptionAlgorithmRSAOAEP256)
	enc, err := kc.Encrypt(ctx, "rsa", "", azkeys.KeyOperationParameters{Algorithm: rsaAlg, Value: []byte("hi")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := kc.Decrypt(ctx, "rsa", "", azkeys.KeyOperationParameters{Algorithm: rsaAlg, Value: enc.Result}, nil)
	if err != nil || *dec.KID != *rsaKey.Key.KID || string(dec.Result) != "hi" {
		t.Fatalf("versionless Decrypt kid = %v, want %v (err %v)", dec.KID, *rsaKey.Key.KID, err)
	}

	// UpdateKey, DeleteKey and GetDeletedKey carry n and e.
	upd, err := kc.UpdateKey(ctx, "rsa", "", azkeys.UpdateKeyParameters{Tags: map[string]*string{"a": to("b")}}, nil)
	if err != nil || !bytes.Equal(upd.Key.N, rsaKey.Key.N) || !bytes.Equal(upd.Key.E, rsaKey.Key.E) {
		t.Fatalf("UpdateKey n, e match = %v, %v (err %v)", bytes.Equal(upd.Key.N, rsaKey.Key.N), bytes.Equal(upd.Key.E, rsaKey.Key.E), err)
	}
	del, err := kc.DeleteKey(ctx, "rsa", nil)
	if err != nil || !bytes.Equal(del.Key.N, rsaKey.Key.N) || !bytes.Equal(del.Key.E, rsaKey.Key.E) || *del.Attributes.RecoveryLevel != "Recoverable" {
		t.Fatalf("DeleteKey JWK = %v, %v", del.Key, err)
	}
	gd, err := kc.GetDeletedKey(ctx, "rsa", nil)
	if err != nil || !bytes.Equal(gd.Key.N, rsaKey.Key.N) || !bytes.Equal(gd.Key.E, rsaKey.Key.E) {
		t.Fatalf("GetDeletedKey JWK = %v, %v", gd.Key, err)
	}

	// The rotation policy's created time stays; updated moves.
	created := w.clock.Now()
	pol := azkeys.KeyRotationPolicy{Attributes: &azkeys.KeyRotationPolicyAttributes{ExpiryTime: to("P90D")}}
	if _, err := kc.UpdateKeyRotationPolicy(ctx, "oct", pol, nil); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Hour)
	p2, err := kc.UpdateKeyRotationPolicy(ctx, "oct", pol, nil)
	if err != nil || !p2.Attributes.Created.Equal(created) || !p2.Attributes.Updated.Equal(created.Add(time.Hour)) {
		t.Fatalf("rotation policy created, updated = %v, %v (err %v); want %v, %v", p2.Attributes.Created, p2.Attributes.Updated, err, created, created.Add(time.Hour))
	}
}
