package azsdk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/atrest-sim/atrest/azsdk"
	"github.com/atrest-sim/atrest/internal/sim"
	"github.com/atrest-sim/atrest/vault"
)

func TestSecretLifecycle(t *testing.T) {
	w := newWorld(t, 5)
	w.vault("kv1", 7, false)
	sc := secretsClient(t, w.adapter("kv1", admin, &azsdk.Options{PageSize: 1}))

	w.clock.Advance(time.Minute)
	set, err := sc.SetSecret(ctx, "bek", azsecrets.SetSecretParameters{
		Value: to("c2VjcmV0"), ContentType: to("BEK"), Tags: map[string]*string{"DiskEncryptionKeyFileName": to("bek.BEK")},
	}, nil)
	if err != nil {
		t.Fatalf("SetSecret: %v", err)
	}
	id := *set.ID
	if id.Name() != "bek" || len(id.Version()) != 32 || *set.Value != "c2VjcmV0" || *set.ContentType != "BEK" ||
		!set.Attributes.Created.Equal(sim.Epoch().Add(time.Minute)) || *set.Attributes.RecoverableDays != 7 {
		t.Fatalf("SetSecret = %v %+v", id, set.Attributes)
	}
	v2, err := sc.SetSecret(ctx, "bek", azsecrets.SetSecretParameters{Value: to("second")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sc.GetSecret(ctx, "bek", "", nil); err != nil || *got.Value != "second" || *got.ID != *v2.ID {
		t.Fatalf("GetSecret(current) = %v, %v", got.ID, err)
	}
	if got, err := sc.GetSecret(ctx, "bek", id.Version(), nil); err != nil || *got.Value != "c2VjcmV0" || *got.Tags["DiskEncryptionKeyFileName"] != "bek.BEK" {
		t.Fatalf("GetSecret(v1) = %v, %v", got.ID, err)
	}

	// Update: disable v1; reading it is then refused (F11).
	up, err := sc.UpdateSecretProperties(ctx, "bek", id.Version(), azsecrets.UpdateSecretPropertiesParameters{
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: to(false)}, ContentType: to("text/plain"),
	}, nil)
	if err != nil || *up.Attributes.Enabled || *up.ContentType != "text/plain" || up.Value != nil {
		t.Fatalf("UpdateSecretProperties = %+v, %v", up.Attributes, err)
	}
	_, err = sc.GetSecret(ctx, "bek", id.Version(), nil)
	wantResp(t, "GetSecret(disabled)", err, respErr{403, "Forbidden", "SecretDisabled"})

	// Lists, one item per page.
	if _, err := sc.SetSecret(ctx, "other", azsecrets.SetSecretParameters{Value: to("x")}, nil); err != nil {
		t.Fatal(err)
	}
	var names []string
	for pg := sc.NewListSecretPropertiesPager(nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListSecretProperties: %v", err)
		}
		for _, p := range page.Value {
			names = append(names, string(*p.ID))
		}
	}
	if want := []string{"https://kv1.vault.azure.net/secrets/bek", "https://kv1.vault.azure.net/secrets/other"}; !slices.Equal(names, want) {
		t.Fatalf("ListSecretProperties = %q, want %q", names, want)
	}
	var versions []string
	for pg := sc.NewListSecretPropertiesVersionsPager("bek", nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListSecretPropertiesVersions: %v", err)
		}
		for _, p := range page.Value {
			versions = append(versions, string(*p.ID))
		}
	}
	if want := []string{string(id), string(*v2.ID)}; !slices.Equal(versions, want) {
		t.Fatalf("ListSecretPropertiesVersions = %q, want %q", versions, want)
	}

	// Backup, delete, restore elsewhere; recover; purge.
	blob, err := sc.BackupSecret(ctx, "bek", nil)
	if err != nil {
		t.Fatalf("BackupSecret: %v", err)
	}
	del, err := sc.DeleteSecret(ctx, "bek", nil)
	if err != nil || *del.RecoveryID != "https://kv1.vault.azure.net/deletedsecrets/bek" || !del.DeletedDate.Equal(w.clock.Now()) {
		t.Fatalf("DeleteSecret = %+v, %v", del.DeletedSecret, err)
	}
	if gd, err := sc.GetDeletedSecret(ctx, "bek", nil); err != nil || gd.Value != nil || !gd.ScheduledPurgeDate.Equal(w.clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("GetDeletedSecret = %+v, %v", gd.DeletedSecret, err)
	}
	pg := sc.NewListDeletedSecretPropertiesPager(nil)
	if page, err := pg.NextPage(ctx); err != nil || len(page.Value) != 1 || *page.Value[0].ID != "https://kv1.vault.azure.net/secrets/bek" {
		t.Fatalf("ListDeletedSecretProperties = %v", err)
	}
	_, err = sc.GetSecret(ctx, "bek", "", nil)
	wantResp(t, "GetSecret(deleted)", err, respErr{404, "SecretNotFound", ""})
	_, err = sc.SetSecret(ctx, "bek", azsecrets.SetSecretParameters{Value: to("x")}, nil)
	wantResp(t, "SetSecret(deleted name)", err, respErr{409, "Conflict", "ObjectIsDeletedButRecoverable"})

	w.vault("kv2", 7, false)
	sc2 := secretsClient(t, w.adapter("kv2", admin, nil))
	if r, err := sc2.RestoreSecret(ctx, azsecrets.RestoreSecretParameters{SecretBackup: blob.Value}, nil); err != nil || r.ID.Version() != v2.ID.Version() {
		t.Fatalf("RestoreSecret = %v, %v", r.ID, err)
	}
	if got, err := sc2.GetSecret(ctx, "bek", "", nil); err != nil || *got.Value != "second" {
		t.Fatalf("GetSecret(restored) = %v", err)
	}

	if rec, err := sc.RecoverDeletedSecret(ctx, "bek", nil); err != nil || *rec.ID != *v2.ID {
		t.Fatalf("RecoverDeletedSecret = %v, %v", rec.ID, err)
	}
	if _, err := sc.DeleteSecret(ctx, "other", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.PurgeDeletedSecret(ctx, "other", nil); err != nil {
		t.Fatalf("PurgeDeletedSecret: %v", err)
	}
	_, err = sc.GetDeletedSecret(ctx, "other", nil)
	wantResp(t, "GetDeletedSecret(purged)", err, respErr{404, "SecretNotFound", ""})

	// A Secrets User reads values but cannot delete; a Reader cannot read values.
	user := vault.Principal{ID: "app", Kind: vault.KindManagedIdentity}
	w.assign(user, vault.RoleSecretsUser, "kv1")
	uc := secretsClient(t, w.adapter("kv1", user, nil))
	if got, err := uc.GetSecret(ctx, "bek", "", nil); err != nil || *got.Value != "second" {
		t.Fatalf("GetSecret(Secrets User) = %v", err)
	}
	_, err = uc.DeleteSecret(ctx, "bek", nil)
	wantResp(t, "DeleteSecret(Secrets User)", err, respErr{403, "Forbidden", ""})
	reader := vault.Principal{ID: "reader", Kind: vault.KindUser}
	w.assign(reader, vault.RoleReader, "kv1")
	_, err = secretsClient(t, w.adapter("kv1", reader, nil)).GetSecret(ctx, "bek", "", nil)
	wantResp(t, "GetSecret(Reader)", err, respErr{403, "Forbidden", ""})

	_, err = sc.SetSecret(ctx, "novalue", azsecrets.SetSecretParameters{}, nil)
	wantResp(t, "SetSecret(no value)", err, respErr{400, "BadParameter", ""})
}

// TestSecretRawBytes: a value stored through the atrest API that is not
// UTF-8 text cannot travel as a JSON string; the SDK gets a clear 501.
func TestSecretRawBytes(t *testing.T) {
	w := newWorld(t, 6)
	w.vault("kv1", 7, false)
	vc, err := w.svc.Client("kv1", admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vc.SetSecret("raw", []byte{0xff, 0xfe, 0x00}, vault.SetSecretOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = secretsClient(t, w.adapter("kv1", admin, nil)).GetSecret(ctx, "raw", "", nil)
	wantResp(t, "GetSecret(raw bytes)", err, respErr{501, "NotImplemented", ""})
}
