package azsdk_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/atrest-sim/atrest/azsdk"
	"github.com/atrest-sim/atrest/internal/sim"
	"github.com/atrest-sim/atrest/vault"
)

// dekPattern is a recognizable DEK: its bytes must never show up in any
// output (audit log, errors).
var dekPattern = bytes.Repeat([]byte{0xA5}, 32)

// leaks reports whether out holds dekPattern raw, in hex or in base64
// (standard or URL alphabet, any alignment: 0xA5A5A5 encodes as "paWl").
func leaks(out []byte) bool {
	return bytes.Contains(out, dekPattern[:8]) ||
		bytes.Contains(bytes.ToLower(out), []byte("a5a5a5a5")) ||
		bytes.Contains(out, []byte("paWlpaWl")) ||
		bytes.Contains(out, []byte("165,165,165")) // a JSON array of bytes
}

func TestKeyLifecycle(t *testing.T) {
	w := newWorld(t, 1)
	w.vault("kv1", 7, false)
	kc := keysClient(t, w.adapter("kv1", admin, &azsdk.Options{PageSize: 2}))

	// Create: an RSA key answers its public JWK, a versioned kid and the
	// simulated time as Unix seconds.
	w.clock.Advance(90 * time.Minute)
	created, err := kc.CreateKey(ctx, "rsa1", azkeys.CreateKeyParameters{
		Kty: to(azkeys.KeyTypeRSA), KeySize: to(int32(2048)), Tags: map[string]*string{"team": to("payments")},
	}, nil)
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	kid := *created.Key.KID
	if kid.Name() != "rsa1" || len(kid.Version()) != 32 || !bytes.HasPrefix([]byte(kid), []byte("https://kv1.vault.azure.net/keys/rsa1/")) {
		t.Fatalf("CreateKey kid = %q", kid)
	}
	if got := len(created.Key.N) * 8; got != 2048 || !bytes.Equal(created.Key.E, []byte{1, 0, 1}) {
		t.Fatalf("CreateKey JWK n = %d bits, e = %x; want 2048, 010001", got, created.Key.E)
	}
	if want := sim.Epoch().Add(90 * time.Minute); !created.Attributes.Created.Equal(want) || !created.Attributes.Updated.Equal(want) {
		t.Fatalf("CreateKey created = %v, want %v", created.Attributes.Created, want)
	}
	if *created.Attributes.RecoverableDays != 7 || *created.Tags["team"] != "payments" || !*created.Attributes.Enabled {
		t.Fatalf("CreateKey attributes = %+v tags %v", created.Attributes, created.Tags)
	}
	if created.Key.D != nil || created.Key.P != nil || created.Key.K != nil {
		t.Fatal("CreateKey returned private key material")
	}

	// Get, versionless and versioned, gives the same key.
	got, err := kc.GetKey(ctx, "rsa1", "", nil)
	if err != nil || *got.Key.KID != kid || !bytes.Equal(got.Key.N, created.Key.N) {
		t.Fatalf("GetKey(rsa1) = %v, %v", got.Key.KID, err)
	}
	if got, err := kc.GetKey(ctx, "rsa1", kid.Version(), nil); err != nil || *got.Key.KID != kid {
		t.Fatalf("GetKey(rsa1, version) = %v, %v", got.Key.KID, err)
	}

	// Encrypt with the SDK, decrypt locally? No: the private key never
	// leaves. Encrypt locally with the public JWK and decrypt in the vault.
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(got.Key.N), E: int(new(big.Int).SetBytes(got.Key.E).Int64())}
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := kc.Decrypt(ctx, "rsa1", kid.Version(), azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmRSAOAEP256), Value: ct}, nil)
	if err != nil || string(dec.Result) != "hello" || *dec.KID != kid {
		t.Fatalf("Decrypt = %q (%v), %v", dec.Result, dec.KID, err)
	}
	enc, err := kc.Encrypt(ctx, "rsa1", "", azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmRSAOAEP), Value: []byte("again")}, nil)
	if err != nil || *enc.KID != kid {
		t.Fatalf("Encrypt = %v, %v", enc.KID, err)
	}
	dec, err = kc.Decrypt(ctx, "rsa1", "", azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmRSAOAEP), Value: enc.Result}, nil)
	if err != nil || string(dec.Result) != "again" {
		t.Fatalf("Decrypt(Encrypt) = %q, %v", dec.Result, err)
	}

	// Wrap and unwrap with an oct-HSM key.
	oct, err := kc.CreateKey(ctx, "oct1", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM), KeySize: to(int32(256))}, nil)
	if err != nil {
		t.Fatalf("CreateKey(oct-HSM): %v", err)
	}
	if oct.Key.K != nil || oct.Key.N != nil {
		t.Fatal("oct-HSM key bundle carries key material")
	}
	wrapped, err := kc.WrapKey(ctx, "oct1", "", azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmA256KW), Value: dekPattern}, nil)
	if err != nil || *wrapped.KID != *oct.Key.KID || len(wrapped.Result) != 40 {
		t.Fatalf("WrapKey = %v %d bytes, %v", wrapped.KID, len(wrapped.Result), err)
	}
	unwrapped, err := kc.UnwrapKey(ctx, "oct1", wrapped.KID.Version(), azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmA256KW), Value: wrapped.Result}, nil)
	if err != nil || !bytes.Equal(unwrapped.Result, dekPattern) {
		t.Fatalf("UnwrapKey: %v", err)
	}
	// A tampered ciphertext fails to unwrap: 400 BadParameter.
	bad := bytes.Clone(wrapped.Result)
	bad[3] ^= 1
	_, err = kc.UnwrapKey(ctx, "oct1", "", azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmA256KW), Value: bad}, nil)
	wantResp(t, "UnwrapKey(tampered)", err, respErr{400, "BadParameter", ""})

	// Rotate: a new version becomes current; the old one still unwraps.
	rot, err := kc.RotateKey(ctx, "oct1", nil)
	if err != nil || rot.Key.KID.Version() == oct.Key.KID.Version() || rot.Key.KID.Name() != "oct1" {
		t.Fatalf("RotateKey = %v, %v", rot.Key.KID, err)
	}
	if u, err := kc.UnwrapKey(ctx, "oct1", oct.Key.KID.Version(), azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmA256KW), Value: wrapped.Result}, nil); err != nil || !bytes.Equal(u.Result, dekPattern) {
		t.Fatalf("UnwrapKey(old version after rotate): %v", err)
	}

	// Update properties: disable the old version, set tags and expiry.
	exp := sim.Epoch().Add(30 * 24 * time.Hour)
	upd, err := kc.UpdateKey(ctx, "oct1", oct.Key.KID.Version(), azkeys.UpdateKeyParameters{
		KeyAttributes: &azkeys.KeyAttributes{Enabled: to(false), Expires: &exp},
		Tags:          map[string]*string{"state": to("retired")},
	}, nil)
	if err != nil || *upd.Attributes.Enabled || !upd.Attributes.Expires.Equal(exp) || *upd.Tags["state"] != "retired" || *upd.Key.KID != *oct.Key.KID {
		t.Fatalf("UpdateKey = %+v, %v", upd.Attributes, err)
	}
	// A disabled version: 403 Forbidden with inner code KeyDisabled (F11).
	_, err = kc.UnwrapKey(ctx, "oct1", oct.Key.KID.Version(), azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmA256KW), Value: wrapped.Result}, nil)
	wantResp(t, "UnwrapKey(disabled)", err, respErr{403, "Forbidden", "KeyDisabled"})
	_, err = kc.GetKey(ctx, "oct1", oct.Key.KID.Version(), nil)
	wantResp(t, "GetKey(disabled)", err, respErr{403, "Forbidden", "KeyDisabled"})

	// List versions, paged by two.
	var versions []string
	for pg := kc.NewListKeyPropertiesVersionsPager("oct1", nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListKeyPropertiesVersions: %v", err)
		}
		for _, p := range page.Value {
			versions = append(versions, string(*p.KID))
		}
	}
	if want := []string{string(*oct.Key.KID), string(*rot.Key.KID)}; !slices.Equal(versions, want) {
		t.Fatalf("versions = %q, want %q", versions, want)
	}

	// Rotation policy round trip.
	pol, err := kc.UpdateKeyRotationPolicy(ctx, "oct1", azkeys.KeyRotationPolicy{
		Attributes: &azkeys.KeyRotationPolicyAttributes{ExpiryTime: to("P90D")},
		LifetimeActions: []*azkeys.LifetimeAction{{
			Action:  &azkeys.LifetimeActionType{Type: to(azkeys.KeyRotationPolicyActionRotate)},
			Trigger: &azkeys.LifetimeActionTrigger{TimeAfterCreate: to("P60D")},
		}},
	}, nil)
	if err != nil {
		t.Fatalf("UpdateKeyRotationPolicy: %v", err)
	}
	gp, err := kc.GetKeyRotationPolicy(ctx, "oct1", nil)
	if err != nil || *gp.Attributes.ExpiryTime != "P90D" || len(gp.LifetimeActions) != 1 ||
		*gp.LifetimeActions[0].Trigger.TimeAfterCreate != "P60D" || *gp.LifetimeActions[0].Action.Type != azkeys.KeyRotationPolicyActionRotate ||
		*gp.ID != *pol.ID || *gp.ID != "https://kv1.vault.azure.net/keys/oct1/rotationpolicy" {
		t.Fatalf("GetKeyRotationPolicy = %+v, %v", gp.KeyRotationPolicy, err)
	}
	_, err = kc.UpdateKeyRotationPolicy(ctx, "oct1", azkeys.KeyRotationPolicy{
		LifetimeActions: []*azkeys.LifetimeAction{{
			Action:  &azkeys.LifetimeActionType{Type: to(azkeys.KeyRotationPolicyActionRotate)},
			Trigger: &azkeys.LifetimeActionTrigger{TimeAfterCreate: to("P1D")},
		}},
	}, nil)
	wantResp(t, "UpdateKeyRotationPolicy(P1D)", err, respErr{400, "BadParameter", ""})

	// List keys: versionless kids, three pages of at most two.
	for _, n := range []string{"ec1", "ec2"} {
		if _, err := kc.CreateKey(ctx, n, azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeEC), Curve: to(azkeys.CurveNameP384)}, nil); err != nil {
			t.Fatalf("CreateKey(%s): %v", n, err)
		}
	}
	var names []string
	pages := 0
	for pg := kc.NewListKeyPropertiesPager(nil); pg.More(); pages++ {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListKeyProperties: %v", err)
		}
		for _, p := range page.Value {
			if p.KID.Version() != "" {
				t.Fatalf("listed kid %q has a version", *p.KID)
			}
			names = append(names, p.KID.Name())
		}
	}
	if want := []string{"ec1", "ec2", "oct1", "rsa1"}; !slices.Equal(names, want) || pages != 2 {
		t.Fatalf("ListKeyProperties = %q in %d pages, want %q in 2", names, pages, want)
	}
	ec, err := kc.GetKey(ctx, "ec1", "", nil)
	if err != nil || *ec.Key.Crv != azkeys.CurveNameP384 || len(ec.Key.X) != 48 || len(ec.Key.Y) != 48 {
		t.Fatalf("GetKey(ec1) = %+v, %v", ec.Key, err)
	}
	_, err = kc.WrapKey(ctx, "ec1", "", azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmRSAOAEP256), Value: dekPattern}, nil)
	wantResp(t, "WrapKey(EC)", err, respErr{400, "BadParameter", ""})

	// Backup, delete, restore into another vault of the same subscription
	// and geography: every version comes back.
	blob, err := kc.BackupKey(ctx, "oct1", nil)
	if err != nil || len(blob.Value) == 0 {
		t.Fatalf("BackupKey: %v", err)
	}
	w.vault("kv2", 7, false)
	kc2 := keysClient(t, w.adapter("kv2", admin, nil))
	restored, err := kc2.RestoreKey(ctx, azkeys.RestoreKeyParameters{KeyBackup: blob.Value}, nil)
	if err != nil || restored.Key.KID.Version() != rot.Key.KID.Version() || *restored.Key.KID != "https://kv2.vault.azure.net/keys/oct1/"+azkeys.ID(rot.Key.KID.Version()) {
		t.Fatalf("RestoreKey = %v, %v", restored.Key.KID, err)
	}
	_, err = kc.RestoreKey(ctx, azkeys.RestoreKeyParameters{KeyBackup: blob.Value}, nil)
	wantResp(t, "RestoreKey(existing name)", err, respErr{409, "Conflict", ""})
	blob.Value[len(blob.Value)-1] ^= 1
	_, err = kc2.RestoreKey(ctx, azkeys.RestoreKeyParameters{KeyBackup: blob.Value}, nil)
	wantResp(t, "RestoreKey(tampered)", err, respErr{400, "BadParameter", ""})

	// Delete, get deleted, list deleted, purge.
	w.clock.Advance(time.Hour)
	del, err := kc.DeleteKey(ctx, "ec2", nil)
	if err != nil || !del.DeletedDate.Equal(w.clock.Now()) || !del.ScheduledPurgeDate.Equal(w.clock.Now().Add(7*24*time.Hour)) ||
		*del.RecoveryID != "https://kv1.vault.azure.net/deletedkeys/ec2" {
		t.Fatalf("DeleteKey = %+v, %v", del.DeletedKey, err)
	}
	if gd, err := kc.GetDeletedKey(ctx, "ec2", nil); err != nil || *gd.RecoveryID != *del.RecoveryID || *gd.Key.KID != *del.Key.KID {
		t.Fatalf("GetDeletedKey = %+v, %v", gd.DeletedKey, err)
	}
	var deleted []string
	for pg := kc.NewListDeletedKeyPropertiesPager(nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListDeletedKeyProperties: %v", err)
		}
		for _, p := range page.Value {
			deleted = append(deleted, p.KID.Name())
		}
	}
	if !slices.Equal(deleted, []string{"ec2"}) {
		t.Fatalf("deleted keys = %q", deleted)
	}
	_, err = kc.GetKey(ctx, "ec2", "", nil)
	wantResp(t, "GetKey(deleted)", err, respErr{404, "KeyNotFound", ""})
	if _, err := kc.PurgeDeletedKey(ctx, "ec2", nil); err != nil {
		t.Fatalf("PurgeDeletedKey: %v", err)
	}
	_, err = kc.GetDeletedKey(ctx, "ec2", nil)
	wantResp(t, "GetDeletedKey(purged)", err, respErr{404, "KeyNotFound", ""})
	if _, err := kc.CreateKey(ctx, "ec2", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeEC)}, nil); err != nil {
		t.Fatalf("CreateKey after purge: %v", err)
	}

	// Bad input: the vault's 400s come through.
	_, err = kc.CreateKey(ctx, "bad_name", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSA)}, nil)
	wantResp(t, "CreateKey(bad_name)", err, respErr{400, "BadParameter", ""})
	_, err = kc.CreateKey(ctx, "rsa2", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSA), KeySize: to(int32(1024))}, nil)
	wantResp(t, "CreateKey(1024 bits)", err, respErr{400, "BadParameter", ""})
	_, err = kc.GetKey(ctx, "nokey", "", nil)
	wantResp(t, "GetKey(nokey)", err, respErr{404, "KeyNotFound", ""})
	for pg := kc.NewListKeyPropertiesVersionsPager("nokey", nil); pg.More(); {
		_, err := pg.NextPage(ctx)
		wantResp(t, "ListKeyPropertiesVersions(nokey)", err, respErr{404, "KeyNotFound", ""})
		break
	}
}

// TestSoftDeleteRecoverUnwrap: a DEK wrapped by an old version unwraps
// again after the key is soft-deleted and recovered (F13, F23, F25).
func TestSoftDeleteRecoverUnwrap(t *testing.T) {
	w := newWorld(t, 2)
	w.vault("kv1", 90, true)
	kc := keysClient(t, w.adapter("kv1", admin, nil))
	alg := to(azkeys.EncryptionAlgorithmRSAOAEP256)

	v1, err := kc.CreateKey(ctx, "cmk", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSAHSM)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	old, err := kc.WrapKey(ctx, "cmk", "", azkeys.KeyOperationParameters{Algorithm: alg, Value: dekPattern}, nil)
	if err != nil || *old.KID != *v1.Key.KID {
		t.Fatalf("WrapKey = %v, %v", old.KID, err)
	}
	if _, err := kc.RotateKey(ctx, "cmk", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.DeleteKey(ctx, "cmk", nil); err != nil {
		t.Fatal(err)
	}
	// Soft-deleted: inert (F23), name reserved (F24).
	_, err = kc.UnwrapKey(ctx, "cmk", old.KID.Version(), azkeys.KeyOperationParameters{Algorithm: alg, Value: old.Result}, nil)
	wantResp(t, "UnwrapKey(soft-deleted)", err, respErr{404, "KeyNotFound", ""})
	_, err = kc.CreateKey(ctx, "cmk", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSA)}, nil)
	wantResp(t, "CreateKey(soft-deleted name)", err, respErr{409, "Conflict", "ObjectIsDeletedButRecoverable"})

	w.clock.Advance(3 * 24 * time.Hour)
	rec, err := kc.RecoverDeletedKey(ctx, "cmk", nil)
	if err != nil || rec.Key.KID.Name() != "cmk" {
		t.Fatalf("RecoverDeletedKey = %v, %v", rec.Key, err)
	}
	u, err := kc.UnwrapKey(ctx, "cmk", old.KID.Version(), azkeys.KeyOperationParameters{Algorithm: alg, Value: old.Result}, nil)
	if err != nil || !bytes.Equal(u.Result, dekPattern) || *u.KID != *old.KID {
		t.Fatalf("UnwrapKey(old DEK after recover) = %v, %v", u.KID, err)
	}
}

// TestPurgeProtection: a purge is refused under purge protection, whoever
// asks (F27); when retention ends the key disappears on its own (F26).
func TestPurgeProtection(t *testing.T) {
	w := newWorld(t, 3)
	w.vault("kv1", 7, true)
	kc := keysClient(t, w.adapter("kv1", admin, nil))
	if _, err := kc.CreateKey(ctx, "k", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil); err != nil {
		t.Fatal(err)
	}
	del, err := kc.DeleteKey(ctx, "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = kc.PurgeDeletedKey(ctx, "k", nil)
	wantResp(t, "PurgeDeletedKey(purge protection)", err, respErr{403, "Forbidden", ""})

	w.clock.Advance(7*24*time.Hour - time.Second)
	if _, err := kc.GetDeletedKey(ctx, "k", nil); err != nil {
		t.Fatalf("GetDeletedKey one second before the scheduled purge: %v", err)
	}
	_, err = kc.PurgeDeletedKey(ctx, "k", nil)
	wantResp(t, "PurgeDeletedKey(1s before)", err, respErr{403, "Forbidden", ""})

	w.clock.Advance(time.Second)
	if !w.clock.Now().Equal(*del.ScheduledPurgeDate) {
		t.Fatalf("clock %v, scheduled purge %v", w.clock.Now(), del.ScheduledPurgeDate)
	}
	_, err = kc.GetDeletedKey(ctx, "k", nil)
	wantResp(t, "GetDeletedKey(after retention)", err, respErr{404, "KeyNotFound", ""})
	_, err = kc.RecoverDeletedKey(ctx, "k", nil)
	wantResp(t, "RecoverDeletedKey(after retention)", err, respErr{404, "KeyNotFound", ""})
	pg := kc.NewListDeletedKeyPropertiesPager(nil)
	page, err := pg.NextPage(ctx)
	if err != nil || len(page.Value) != 0 || pg.More() {
		t.Fatalf("ListDeletedKeyProperties after retention = %d keys, %v", len(page.Value), err)
	}
	if _, err := kc.CreateKey(ctx, "k", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil); err != nil {
		t.Fatalf("CreateKey after automatic purge: %v", err)
	}
}

// TestForbidden: a principal without a role on the vault cannot unwrap
// (F38); the disk encryption set's role can, but cannot delete.
func TestForbidden(t *testing.T) {
	w := newWorld(t, 4)
	w.vault("kv1", 7, false)
	kc := keysClient(t, w.adapter("kv1", admin, nil))
	k, err := kc.CreateKey(ctx, "cmk", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSA)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wr, err := kc.WrapKey(ctx, "cmk", "", azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmRSAOAEP256), Value: dekPattern}, nil)
	if err != nil {
		t.Fatal(err)
	}
	params := azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmRSAOAEP256), Value: wr.Result}

	mallory := vault.Principal{ID: "mallory", Kind: vault.KindUser}
	mc := keysClient(t, w.adapter("kv1", mallory, nil))
	_, err = mc.UnwrapKey(ctx, "cmk", k.Key.KID.Version(), params, nil)
	wantResp(t, "UnwrapKey(no role)", err, respErr{403, "Forbidden", ""})

	reader := vault.Principal{ID: "reader", Kind: vault.KindUser}
	w.assign(reader, vault.RoleReader, "kv1")
	rc := keysClient(t, w.adapter("kv1", reader, nil))
	if _, err := rc.GetKey(ctx, "cmk", "", nil); err != nil {
		t.Fatalf("GetKey(Reader): %v", err)
	}
	_, err = rc.UnwrapKey(ctx, "cmk", "", params, nil)
	wantResp(t, "UnwrapKey(Reader)", err, respErr{403, "Forbidden", ""})

	des := vault.Principal{ID: "des-identity", Kind: vault.KindManagedIdentity}
	w.assign(des, vault.RoleCryptoServiceEncryptionUser, "kv1")
	dc := keysClient(t, w.adapter("kv1", des, nil))
	if u, err := dc.UnwrapKey(ctx, "cmk", k.Key.KID.Version(), params, nil); err != nil || !bytes.Equal(u.Result, dekPattern) {
		t.Fatalf("UnwrapKey(Crypto Service Encryption User): %v", err)
	}
	_, err = dc.DeleteKey(ctx, "cmk", nil)
	wantResp(t, "DeleteKey(Crypto Service Encryption User)", err, respErr{403, "Forbidden", ""})

	// The audit log names the SDK caller and the refusals, and never the DEK.
	var refused int
	for _, e := range w.svc.AuditLog() {
		if e.Result == "Forbidden" && (e.Caller.ID == "mallory" || e.Caller.ID == "reader" || e.Caller.ID == "des-identity") {
			refused++
		}
	}
	if refused != 3 {
		t.Fatalf("audit log has %d Forbidden events of mallory, reader, des-identity; want 3", refused)
	}
	var buf bytes.Buffer
	if err := w.svc.WriteJSONLines(&buf); err != nil {
		t.Fatal(err)
	}
	if leaks(buf.Bytes()) {
		t.Fatal("audit log holds DEK bytes")
	}
}
