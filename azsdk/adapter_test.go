package azsdk_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	keysfake "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	secretsfake "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets/fake"

	"github.com/atrest-sim/atrest/azsdk"
)

// TestNotImplemented: operations and parameters the vault does not model
// answer 501 NotImplemented naming them, and change nothing.
func TestNotImplemented(t *testing.T) {
	w := newWorld(t, 7)
	w.vault("kv1", 7, false)
	kc := keysClient(t, w.adapter("kv1", admin, nil))
	if _, err := kc.CreateKey(ctx, "k", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil); err != nil {
		t.Fatal(err)
	}
	before := w.svc.AuditLen()
	cases := []struct {
		name, mention string
		call          func() error
	}{
		{"Sign", "Sign", func() error {
			_, err := kc.Sign(ctx, "k", "", azkeys.SignParameters{Algorithm: to(azkeys.SignatureAlgorithmRS256), Value: make([]byte, 32)}, nil)
			return err
		}},
		{"Verify", "Verify", func() error {
			_, err := kc.Verify(ctx, "k", "", azkeys.VerifyParameters{Algorithm: to(azkeys.SignatureAlgorithmRS256), Digest: []byte{1}, Signature: []byte{1}}, nil)
			return err
		}},
		{"Release", "Release", func() error {
			_, err := kc.Release(ctx, "k", "", azkeys.ReleaseParameters{TargetAttestationToken: to("x")}, nil)
			return err
		}},
		{"ImportKey", "ImportKey", func() error {
			_, err := kc.ImportKey(ctx, "imp", azkeys.ImportKeyParameters{Key: &azkeys.JSONWebKey{Kty: to(azkeys.KeyTypeOct)}}, nil)
			return err
		}},
		{"GetRandomBytes", "GetRandomBytes", func() error {
			_, err := kc.GetRandomBytes(ctx, azkeys.GetRandomBytesParameters{Count: to(int32(8))}, nil)
			return err
		}},
		{"GetKeyAttestation", "GetKeyAttestation", func() error {
			_, err := kc.GetKeyAttestation(ctx, "k", "", nil)
			return err
		}},
		{"CreateKey release policy", "release_policy", func() error {
			_, err := kc.CreateKey(ctx, "k2", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSA), ReleasePolicy: &azkeys.KeyReleasePolicy{EncodedPolicy: []byte("{}")}}, nil)
			return err
		}},
		{"CreateKey exportable", "exportable", func() error {
			_, err := kc.CreateKey(ctx, "k2", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSA), KeyAttributes: &azkeys.KeyAttributes{Exportable: to(true)}}, nil)
			return err
		}},
		{"CreateKey public exponent", "public_exponent", func() error {
			_, err := kc.CreateKey(ctx, "k2", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeRSA), PublicExponent: to(int32(3))}, nil)
			return err
		}},
		{"Encrypt AES-GCM", "aad", func() error {
			_, err := kc.Encrypt(ctx, "k", "", azkeys.KeyOperationParameters{Algorithm: to(azkeys.EncryptionAlgorithmA256GCM), Value: []byte("x"), IV: make([]byte, 12)}, nil)
			return err
		}},
		{"rotation policy in years", "calendar", func() error {
			_, err := kc.UpdateKeyRotationPolicy(ctx, "k", azkeys.KeyRotationPolicy{Attributes: &azkeys.KeyRotationPolicyAttributes{ExpiryTime: to("P2Y")}}, nil)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			wantResp(t, c.name, err, respErr{http.StatusNotImplemented, "NotImplemented", ""})
			var re *azcore.ResponseError
			errors.As(err, &re)
			body, _ := runtime.Payload(re.RawResponse)
			if !strings.Contains(string(body), c.mention) || !strings.Contains(string(body), "not modelled") {
				t.Fatalf("%s: body %s does not name %q as not modelled", c.name, body, c.mention)
			}
		})
	}
	if got := w.svc.AuditLen(); got != before {
		t.Fatalf("not-modelled calls added %d audit events; want none (they never reach the vault)", got-before)
	}
	if _, err := kc.GetKey(ctx, "k2", "", nil); err == nil {
		t.Fatal("a refused CreateKey created the key")
	}
}

// TestPagers: pagers over the same list are independent, and an abandoned
// pager does not leak into the next one (the bare fake server tracks pagers
// by path only).
func TestPagers(t *testing.T) {
	w := newWorld(t, 8)
	w.vault("kv1", 7, false)
	kc := keysClient(t, w.adapter("kv1", admin, &azsdk.Options{PageSize: 1}))
	for _, n := range []string{"a", "b", "c"} {
		if _, err := kc.CreateKey(ctx, n, azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	p1 := kc.NewListKeyPropertiesPager(nil)
	p2 := kc.NewListKeyPropertiesPager(nil)
	var got1, got2 []string
	for i := 0; p1.More() || p2.More(); i++ {
		if p1.More() {
			page, err := p1.NextPage(ctx)
			if err != nil {
				t.Fatalf("pager 1 page %d: %v", i, err)
			}
			got1 = append(got1, page.Value[0].KID.Name())
		}
		if p2.More() {
			page, err := p2.NextPage(ctx)
			if err != nil {
				t.Fatalf("pager 2 page %d: %v", i, err)
			}
			got2 = append(got2, page.Value[0].KID.Name())
		}
	}
	if strings.Join(got1, ",") != "a,b,c" || strings.Join(got2, ",") != "a,b,c" {
		t.Fatalf("interleaved pagers = %q and %q, want a,b,c twice", got1, got2)
	}
	// Abandon a pager after its first page; a new one starts over.
	if _, err := kc.NewListKeyPropertiesPager(nil).NextPage(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := kc.NewListKeyPropertiesPager(nil).NextPage(ctx)
	if err != nil || page.Value[0].KID.Name() != "a" {
		t.Fatalf("new pager after an abandoned one starts at %v, %v; want a", page.Value, err)
	}
}

// TestBareServers: the servers plugged into the SDK's own fake transports
// still give ResponseErrors with the right code and status, and versioned
// calls reach the right version despite the fake's path pattern.
func TestBareServers(t *testing.T) {
	w := newWorld(t, 9)
	w.vault("kv1", 7, false)
	a := w.adapter("kv1", admin, nil)
	kc, err := azkeys.NewClient(a.VaultURL(), &azfake.TokenCredential{}, &azkeys.ClientOptions{
		ClientOptions: azcore.ClientOptions{Transport: keysfake.NewServerTransport(a.KeysServer())},
	})
	if err != nil {
		t.Fatal(err)
	}
	k, err := kc.CreateKey(ctx, "k", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.RotateKey(ctx, "k", nil); err != nil {
		t.Fatal(err)
	}
	got, err := kc.GetKey(ctx, "k", k.Key.KID.Version(), nil)
	if err != nil || *got.Key.KID != *k.Key.KID {
		t.Fatalf("GetKey(first version) = %v, %v; want %v", got.Key.KID, err, *k.Key.KID)
	}
	_, err = kc.GetKey(ctx, "nokey", "", nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.ErrorCode != "KeyNotFound" || re.StatusCode != 404 {
		t.Fatalf("GetKey(nokey) through the bare fake = %v", err)
	}

	sc, err := azsecrets.NewClient(a.VaultURL(), &azfake.TokenCredential{}, &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{Transport: secretsfake.NewServerTransport(a.SecretsServer())},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.SetSecret(ctx, "s", azsecrets.SetSecretParameters{Value: to("v")}, nil); err != nil {
		t.Fatal(err)
	}
	_, err = sc.GetSecret(ctx, "s", "00000000000000000000000000000000", nil)
	if !errors.As(err, &re) || re.ErrorCode != "SecretNotFound" || re.StatusCode != 404 {
		t.Fatalf("GetSecret(unknown version) through the bare fake = %v", err)
	}
}

// TestOtherHost: a client pointed at another vault's URL gets an error and
// never reaches the adapter's vault.
func TestOtherHost(t *testing.T) {
	w := newWorld(t, 10)
	w.vault("kv1", 7, false)
	a := w.adapter("kv1", admin, nil)
	kc, err := azkeys.NewClient("https://elsewhere.vault.azure.net", &azfake.TokenCredential{}, a.KeysClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	before := w.svc.AuditLen()
	_, err = kc.CreateKey(ctx, "k", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil)
	if !errors.Is(err, azsdk.ErrOtherHost) {
		t.Fatalf("CreateKey at another host = %v", err)
	}
	if w.svc.AuditLen() != before {
		t.Fatal("a request for another host reached the vault")
	}
}

func TestOptions(t *testing.T) {
	w := newWorld(t, 11)
	w.vault("kv1", 7, false)
	c, err := w.svc.Client("kv1", admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{-1, 26} {
		if _, err := azsdk.New(c, &azsdk.Options{PageSize: n}); !errors.Is(err, azsdk.ErrBadOptions) {
			t.Errorf("New(PageSize %d) = %v, want ErrBadOptions", n, err)
		}
	}
	if _, err := azsdk.New(nil, nil); !errors.Is(err, azsdk.ErrBadOptions) {
		t.Errorf("New(nil) = %v, want ErrBadOptions", err)
	}
	a, err := azsdk.New(c, nil)
	if err != nil || a.VaultURL() != "https://kv1.vault.azure.net" {
		t.Fatalf("New = %v, %v", a, err)
	}
}

// TestConcurrent: one SDK client used by many goroutines at once, pagers
// included (run with -race).
func TestConcurrent(t *testing.T) {
	w := newWorld(t, 12)
	w.vault("kv1", 7, false)
	kc := keysClient(t, w.adapter("kv1", admin, &azsdk.Options{PageSize: 1}))
	k, err := kc.CreateKey(ctx, "k", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kc.CreateKey(ctx, "k2", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil); err != nil {
		t.Fatal(err)
	}
	alg := to(azkeys.EncryptionAlgorithmA256KW)
	const workers, rounds = 8, 20
	errs := make(chan error, workers)
	for g := range workers {
		go func() {
			dek := bytes.Repeat([]byte{byte(g)}, 32)
			for range rounds {
				wr, err := kc.WrapKey(ctx, "k", k.Key.KID.Version(), azkeys.KeyOperationParameters{Algorithm: alg, Value: dek}, nil)
				if err != nil {
					errs <- err
					return
				}
				u, err := kc.UnwrapKey(ctx, "k", wr.KID.Version(), azkeys.KeyOperationParameters{Algorithm: alg, Value: wr.Result}, nil)
				if err != nil || !bytes.Equal(u.Result, dek) {
					errs <- fmt.Errorf("unwrap: %v", err)
					return
				}
				n := 0
				for pg := kc.NewListKeyPropertiesPager(nil); pg.More(); {
					page, err := pg.NextPage(ctx)
					if err != nil {
						errs <- err
						return
					}
					n += len(page.Value)
				}
				if n != 2 {
					errs <- fmt.Errorf("listed %d keys, want 2", n)
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got, want := w.svc.AuditLen(), 4+workers*rounds*3; got != want {
		t.Fatalf("audit log has %d events, want %d (one per call)", got, want)
	}
}

// TestDroppedPager: at most 64 pagers stay open; the next page of the
// oldest, dropped one fails with ErrPager instead of resuming another list.
func TestDroppedPager(t *testing.T) {
	w := newWorld(t, 13)
	w.vault("kv1", 7, false)
	kc := keysClient(t, w.adapter("kv1", admin, &azsdk.Options{PageSize: 1}))
	for _, n := range []string{"a", "b"} {
		if _, err := kc.CreateKey(ctx, n, azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	var pagers []*runtime.Pager[azkeys.ListKeyPropertiesResponse]
	for range 65 {
		pg := kc.NewListKeyPropertiesPager(nil)
		if _, err := pg.NextPage(ctx); err != nil {
			t.Fatal(err)
		}
		pagers = append(pagers, pg)
	}
	if _, err := pagers[0].NextPage(ctx); !errors.Is(err, azsdk.ErrPager) {
		t.Fatalf("next page of a dropped pager = %v, want ErrPager", err)
	}
	if page, err := pagers[64].NextPage(ctx); err != nil || len(page.Value) != 1 || page.Value[0].KID.Name() != "b" {
		t.Fatalf("next page of an open pager = %v, %v; want b", page.Value, err)
	}

	// Finished pagers are released: 100 complete lists do not push out
	// an open pager (TestConcurrent failed now and then before).
	open := kc.NewListKeyPropertiesPager(nil)
	if _, err := open.NextPage(ctx); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		for pg := kc.NewListKeyPropertiesPager(nil); pg.More(); {
			if _, err := pg.NextPage(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if page, err := open.NextPage(ctx); err != nil || len(page.Value) != 1 || page.Value[0].KID.Name() != "b" {
		t.Fatalf("next page of a pager open across 100 finished ones = %v, %v; want b", page.Value, err)
	}
}
