package azsdk_test

import (
	"context"
	"errors"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/atrest-sim/atrest/azsdk"
	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/sim"
	"github.com/atrest-sim/atrest/vault"
)

func TestSmoke(t *testing.T) {
	clock := sim.NewClock(sim.Epoch)
	svc, err := vault.New(vault.Config{Clock: clock, Rand: envelope.NewSeededReader(1)})
	if err != nil {
		t.Fatal(err)
	}
	admin := vault.Principal{ID: "admin", Kind: vault.KindUser}
	if _, err := svc.CreateVault(admin, vault.VaultProperties{Name: "kv1", Tenant: "t", Subscription: "s", Region: "westeurope", Geography: "Europe", SKU: vault.SKUPremium}); err != nil {
		t.Fatal(err)
	}
	if err := svc.AssignRole(admin, admin, vault.RoleAdministrator, vault.Scope{Vault: "kv1"}); err != nil {
		t.Fatal(err)
	}
	vc, err := svc.Client("kv1", admin)
	if err != nil {
		t.Fatal(err)
	}
	a, err := azsdk.New(vc, &azsdk.Options{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	kc, err := azkeys.NewClient(a.VaultURL(), &azfake.TokenCredential{}, a.KeysClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range []string{"a", "b", "c"} {
		r, err := kc.CreateKey(ctx, n, azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %v", *r.Key.KID, *r.Attributes.Created)
	}
	w, err := kc.WrapKey(ctx, "a", "", azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmA256KW), Value: make([]byte, 32)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u, err := kc.UnwrapKey(ctx, "a", w.KID.Version(), azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmA256KW), Value: w.Result}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%x %s", u.Result, *u.KID)
	pager := kc.NewListKeyPropertiesPager(nil)
	for pager.More() {
		p, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range p.Value {
			t.Logf("list %s", *k.KID)
		}
	}
	_, err = kc.GetKey(ctx, "nope", "", nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("%v", err)
	}
	t.Logf("%s %d\n%v", re.ErrorCode, re.StatusCode, err)
	_, err = kc.Sign(ctx, "a", "", azkeys.SignParameters{}, nil)
	t.Log(err)
}

func to[T any](v T) *T { return &v }
