package azsdk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/atrest-sim/atrest/azsdk"
	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/sim"
	"github.com/atrest-sim/atrest/vault"
)

// An application wraps a DEK with an azkeys.Client, the key is deleted by
// mistake, and the application's error handling sees exactly what Azure
// would answer; after recovery the old DEK unwraps again, and purge
// protection refuses the purge.
func Example() {
	ctx := context.Background()
	clock := sim.NewClock(sim.Epoch())
	svc, _ := vault.New(vault.Config{Clock: clock, Rand: envelope.NewSeededReader(42)})
	admin := vault.Principal{ID: "admin", Kind: vault.KindUser}
	svc.CreateVault(admin, vault.VaultProperties{Name: "contoso-kv", Tenant: "t", Subscription: "sub",
		Region: "westeurope", Geography: "Europe", SKU: vault.SKUPremium, EnablePurgeProtection: true})
	svc.AssignRole(admin, admin, vault.RoleAdministrator, vault.Scope{Vault: "contoso-kv"})

	c, _ := svc.Client("contoso-kv", admin)
	a, _ := azsdk.New(c, nil)
	keys, _ := azkeys.NewClient(a.VaultURL(), &azfake.TokenCredential{}, a.KeysClientOptions())

	// From here on, this is application code written for Azure.
	code := func(err error) string {
		var re *azcore.ResponseError
		if errors.As(err, &re) {
			return fmt.Sprintf("%d %s", re.StatusCode, re.ErrorCode)
		}
		return fmt.Sprint(err)
	}
	dek := bytes.Repeat([]byte{7}, 32)
	alg := azkeys.EncryptionAlgorithmA256KW
	key, _ := keys.CreateKey(ctx, "cmk", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil)
	w, _ := keys.WrapKey(ctx, "cmk", "", azkeys.KeyOperationParameters{Algorithm: &alg, Value: dek}, nil)
	fmt.Println("wrapped by the created version:", *w.KID == *key.Key.KID)

	keys.DeleteKey(ctx, "cmk", nil)
	_, err := keys.UnwrapKey(ctx, "cmk", w.KID.Version(), azkeys.KeyOperationParameters{Algorithm: &alg, Value: w.Result}, nil)
	fmt.Println("unwrap while deleted:", code(err))
	_, err = keys.CreateKey(ctx, "cmk", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil)
	fmt.Println("create the same name:", code(err))
	_, err = keys.PurgeDeletedKey(ctx, "cmk", nil)
	fmt.Println("purge:", code(err))

	clock.Advance(24 * time.Hour)
	keys.RecoverDeletedKey(ctx, "cmk", nil)
	u, err := keys.UnwrapKey(ctx, "cmk", w.KID.Version(), azkeys.KeyOperationParameters{Algorithm: &alg, Value: w.Result}, nil)
	fmt.Println("unwrap after recover:", err == nil && bytes.Equal(u.Result, dek))

	fmt.Println("audit events:", svc.AuditLen())
	// Output:
	// wrapped by the created version: true
	// unwrap while deleted: 404 KeyNotFound
	// create the same name: 409 Conflict
	// purge: 403 Forbidden
	// unwrap after recover: true
	// audit events: 10
}
