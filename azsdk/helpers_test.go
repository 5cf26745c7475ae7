package azsdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/atrest-sim/atrest/azsdk"
	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/sim"
	"github.com/atrest-sim/atrest/vault"
)

var (
	ctx   = context.Background()
	admin = vault.Principal{ID: "admin", Kind: vault.KindUser}
)

// tb is what the helpers need of a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// world is one simulated cloud: a clock, a seeded vault service, and the
// admin principal that manages it.
type world struct {
	t     tb
	clock *sim.Clock
	svc   *vault.Service
}

func newWorld(t tb, seed uint64) *world {
	t.Helper()
	clock := sim.NewClock(sim.Epoch())
	svc, err := vault.New(vault.Config{Clock: clock, Rand: envelope.NewSeededReader(seed), RSAKeys: pool})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, clock: clock, svc: svc}
}

// pool is shared by every world of the test binary: RSA generation is slow,
// and the pool never hands the same material to two keys of one service.
var pool = vault.NewKeyPool()

// vault creates a Premium vault in subscription "sub" and geography Europe
// with the given retention and purge protection, and makes admin its
// Key Vault Administrator.
func (w *world) vault(name string, retentionDays int, purgeProtection bool) {
	w.t.Helper()
	_, err := w.svc.CreateVault(admin, vault.VaultProperties{
		Name: name, Tenant: "tenant", Subscription: "sub", Region: "westeurope", Geography: "Europe",
		SKU: vault.SKUPremium, SoftDeleteRetentionDays: retentionDays, EnablePurgeProtection: purgeProtection,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	w.assign(admin, vault.RoleAdministrator, name)
}

func (w *world) assign(p vault.Principal, r vault.Role, vaultName string) {
	w.t.Helper()
	if err := w.svc.AssignRole(admin, p, r, vault.Scope{Vault: vaultName}); err != nil {
		w.t.Fatal(err)
	}
}

// adapter returns the adapter of vaultName acting as p.
func (w *world) adapter(vaultName string, p vault.Principal, o *azsdk.Options) *azsdk.Adapter {
	w.t.Helper()
	c, err := w.svc.Client(vaultName, p)
	if err != nil {
		w.t.Fatal(err)
	}
	a, err := azsdk.New(c, o)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// keys and secrets return SDK clients exactly as an application builds
// them, given the adapter's URL and options.
func keysClient(t tb, a *azsdk.Adapter) *azkeys.Client {
	t.Helper()
	c, err := azkeys.NewClient(a.VaultURL(), &azfake.TokenCredential{}, a.KeysClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func secretsClient(t tb, a *azsdk.Adapter) *azsecrets.Client {
	t.Helper()
	c, err := azsecrets.NewClient(a.VaultURL(), &azfake.TokenCredential{}, a.SecretsClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func to[T any](v T) *T { return &v }

// respErr is what an application reads off an SDK error: the status, the
// top-level code, and the inner code of the JSON body ("" if none).
type respErr struct {
	Status int
	Code   string
	Inner  string
}

func (r respErr) String() string {
	return http.StatusText(r.Status) + " " + r.Code + "/" + r.Inner
}

// asResp extracts the *azcore.ResponseError of err; ok is false when err
// is nil or not a ResponseError.
func asResp(err error) (respErr, bool) {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return respErr{}, false
	}
	r := respErr{Status: re.StatusCode, Code: re.ErrorCode}
	if re.RawResponse != nil {
		b, _ := runtime.Payload(re.RawResponse)
		var doc struct {
			Error struct {
				InnerError struct {
					Code string `json:"code"`
				} `json:"innererror"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &doc) == nil {
			r.Inner = doc.Error.InnerError.Code
		}
	}
	return r, true
}

// wantResp fails unless err is a ResponseError with want.
func wantResp(t tb, what string, err error, want respErr) {
	t.Helper()
	got, ok := asResp(err)
	if !ok {
		t.Fatalf("%s: error = %v, want a *azcore.ResponseError %v", what, err, want)
	}
	if got != want {
		t.Fatalf("%s: ResponseError = %v, want %v", what, got, want)
	}
}
