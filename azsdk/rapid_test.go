package azsdk_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"pgregory.net/rapid"

	"github.com/atrest-sim/atrest/azsdk"
	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/vault"
)

// side is one of the two identically seeded worlds of TestSDKMatchesDirect:
// the SDK side talks through azkeys/azsecrets clients and the adapter, the
// direct side calls the vault.Client.
type side struct {
	w      *world
	keys   map[string]*azkeys.Client    // by principal id (SDK side)
	secs   map[string]*azsecrets.Client // by principal id (SDK side)
	direct map[string]*vault.Client     // by principal id (direct side)
}

// outcome is what both sides must agree on: the HTTP status and the Azure
// code (0 and "" for success) and, on success, a summary of the answer.
type outcome struct {
	Status int
	Code   string
	Answer string
}

// sdkOutcome reads an SDK error the way an application does.
func sdkOutcome(t *rapid.T, err error, answer string) outcome {
	if err == nil {
		return outcome{Answer: answer}
	}
	r, ok := asResp(err)
	if !ok {
		t.Fatalf("SDK error is not a ResponseError: %v", err)
	}
	return outcome{Status: r.Status, Code: r.Code + "/" + r.Inner}
}

func directOutcome(t *rapid.T, err error, answer string) outcome {
	if err == nil {
		return outcome{Answer: answer}
	}
	var ve *vault.Error
	if !errors.As(err, &ve) {
		t.Fatalf("vault error is not a *vault.Error: %v", err)
	}
	return outcome{Status: ve.Status, Code: wireCode(ve.Status, ve.Code)}
}

// wireCode is the "code/innercode" the real service answers for a vault
// error: the codes of a disabled or expired object and of a soft-deleted
// name travel as the inner code of a generic Forbidden or Conflict (F11,
// F24).
func wireCode(status int, code string) string {
	switch code {
	case "KeyDisabled", "SecretDisabled", "KeyExpired", "KeyNotYetValid":
		if status == 403 {
			return "Forbidden/" + code
		}
	case "ObjectIsDeletedButRecoverable":
		if status == 409 {
			return "Conflict/" + code
		}
	}
	return code + "/"
}

func agree(t *rapid.T, what string, sdk, direct outcome) {
	if sdk != direct {
		t.Fatalf("%s: SDK %+v, direct %+v", what, sdk, direct)
	}
}

// wrapping is a DEK wrapped on both sides.
type wrapping struct {
	dek              []byte
	name             string
	alg              azkeys.EncryptionAlgorithm
	sdkKID, sdkCT    string
	directKID, dirCT string
}

// TestSDKMatchesDirect drives random sequences of calls through the real
// SDK clients on one world and through the vault client on an identically
// seeded twin, and checks that they agree: outcomes, Azure error codes and
// statuses, ids and versions, unwrapped DEKs, lists, and the two audit logs
// event for event (so each SDK call is exactly one vault call).
//
// Mutation check: with the inner-code mapping removed from fromVault
// (errors.go: "if innerCodes[code]" made false), rapid fails on the first
// Create of a soft-deleted name and shrinks it to Create, Delete, Create
// (409 Conflict vs ObjectIsDeletedButRecoverable). With paged dropping the
// last page, it shrinks to two Creates and a List with page size 1.
func TestSDKMatchesDirect(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		protect := rapid.Bool().Draw(t, "purgeProtection")
		pageSize := rapid.IntRange(1, 3).Draw(t, "pageSize")
		app := vault.Principal{ID: "app", Kind: vault.KindManagedIdentity}
		principals := []vault.Principal{admin, app}

		mk := func() *side {
			w := newWorld(t, seed)
			w.vault("kv1", 7, protect)
			w.assign(app, vault.RoleCryptoServiceEncryptionUser, "kv1")
			s := &side{w: w, keys: map[string]*azkeys.Client{}, secs: map[string]*azsecrets.Client{}, direct: map[string]*vault.Client{}}
			for _, p := range principals {
				a := w.adapter("kv1", p, &azsdk.Options{PageSize: pageSize})
				s.keys[p.ID], s.secs[p.ID] = keysClient(t, a), secretsClient(t, a)
				c, err := w.svc.Client("kv1", p)
				if err != nil {
					t.Fatal(err)
				}
				s.direct[p.ID] = c
			}
			return s
		}
		sdk, dir := mk(), mk()

		keyName := rapid.SampledFrom([]string{"k1", "k2"})
		secretName := rapid.SampledFrom([]string{"s1", "s2"})
		who := rapid.SampledFrom([]string{admin.ID, admin.ID, app.ID})
		var wrapped []wrapping

		t.Repeat(map[string]func(*rapid.T){
			"CreateKey": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				kty := rapid.SampledFrom([]azkeys.KeyType{azkeys.KeyTypeOctHSM, azkeys.KeyTypeOctHSM, azkeys.KeyTypeRSA}).Draw(t, "kty")
				r, err := sdk.keys[p].CreateKey(ctx, n, azkeys.CreateKeyParameters{Kty: to(kty)}, nil)
				var a string
				if err == nil {
					a = string(*r.Key.KID)
				}
				k, derr := dir.direct[p].CreateKey(n, vault.CreateKeyParameters{Kty: vault.KeyType(kty)})
				agree(t, "CreateKey", sdkOutcome(t, err, a), directOutcome(t, derr, k.ID))
			},
			"RotateKey": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				r, err := sdk.keys[p].RotateKey(ctx, n, nil)
				var a string
				if err == nil {
					a = string(*r.Key.KID)
				}
				k, derr := dir.direct[p].RotateKey(n)
				agree(t, "RotateKey", sdkOutcome(t, err, a), directOutcome(t, derr, k.ID))
			},
			"SetEnabled": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				en := rapid.Bool().Draw(t, "enabled")
				r, err := sdk.keys[p].UpdateKey(ctx, n, "", azkeys.UpdateKeyParameters{KeyAttributes: &azkeys.KeyAttributes{Enabled: to(en)}}, nil)
				var a string
				if err == nil {
					a = string(*r.Key.KID) + " " + r.Attributes.Updated.UTC().String()
				}
				k, derr := dir.direct[p].UpdateKeyProperties(n, "", vault.UpdateKeyParameters{Enabled: to(en)})
				agree(t, "UpdateKey", sdkOutcome(t, err, a), directOutcome(t, derr, k.ID+" "+k.Updated.UTC().String()))
			},
			"GetKey": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				r, err := sdk.keys[p].GetKey(ctx, n, "", nil)
				var a string
				if err == nil {
					a = string(*r.Key.KID)
				}
				k, derr := dir.direct[p].GetKey(n, "")
				agree(t, "GetKey", sdkOutcome(t, err, a), directOutcome(t, derr, k.ID))
			},
			"DeleteKey": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				r, err := sdk.keys[p].DeleteKey(ctx, n, nil)
				var a string
				if err == nil {
					a = r.ScheduledPurgeDate.UTC().String()
				}
				d, derr := dir.direct[p].DeleteKey(n)
				agree(t, "DeleteKey", sdkOutcome(t, err, a), directOutcome(t, derr, d.ScheduledPurgeDate.UTC().String()))
			},
			"GetDeletedKey": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				r, err := sdk.keys[p].GetDeletedKey(ctx, n, nil)
				var a string
				if err == nil {
					a = *r.RecoveryID
				}
				d, derr := dir.direct[p].GetDeletedKey(n)
				agree(t, "GetDeletedKey", sdkOutcome(t, err, a), directOutcome(t, derr, d.RecoveryID))
			},
			"RecoverDeletedKey": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				r, err := sdk.keys[p].RecoverDeletedKey(ctx, n, nil)
				var a string
				if err == nil {
					a = string(*r.Key.KID)
				}
				k, derr := dir.direct[p].RecoverDeletedKey(n)
				agree(t, "RecoverDeletedKey", sdkOutcome(t, err, a), directOutcome(t, derr, k.ID))
			},
			"PurgeDeletedKey": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				_, err := sdk.keys[p].PurgeDeletedKey(ctx, n, nil)
				agree(t, "PurgeDeletedKey", sdkOutcome(t, err, ""), directOutcome(t, dir.direct[p].PurgeDeletedKey(n), ""))
			},
			"WrapKey": func(t *rapid.T) {
				n, p := keyName.Draw(t, "name"), who.Draw(t, "who")
				alg := rapid.SampledFrom([]azkeys.EncryptionAlgorithm{azkeys.EncryptionAlgorithmA256KW, azkeys.EncryptionAlgorithmRSAOAEP256}).Draw(t, "alg")
				dek := rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "dek")
				r, err := sdk.keys[p].WrapKey(ctx, n, "", azkeys.KeyOperationParameters{Algorithm: to(alg), Value: dek}, nil)
				var a string
				if err == nil {
					a = string(*r.KID)
				}
				d, derr := dir.direct[p].WrapKey(n, "", envelope.Algorithm(alg), dek)
				agree(t, "WrapKey", sdkOutcome(t, err, a), directOutcome(t, derr, d.KeyID))
				if err == nil {
					if alg == azkeys.EncryptionAlgorithmA256KW && !bytes.Equal(r.Result, d.Result) {
						t.Fatal("A256KW wraps differ between the SDK and the direct side")
					}
					wrapped = append(wrapped, wrapping{dek: dek, name: n, alg: alg,
						sdkKID: string(*r.KID), sdkCT: string(r.Result), directKID: d.KeyID, dirCT: string(d.Result)})
				}
			},
			"UnwrapKey": func(t *rapid.T) {
				if len(wrapped) == 0 {
					t.Skip("nothing wrapped yet")
				}
				wr := rapid.SampledFrom(wrapped).Draw(t, "wrapped")
				p := who.Draw(t, "who")
				versioned := rapid.Bool().Draw(t, "versioned")
				ver := ""
				if versioned {
					id := azkeys.ID(wr.sdkKID)
					ver = id.Version()
				}
				r, err := sdk.keys[p].UnwrapKey(ctx, wr.name, ver, azkeys.KeyOperationParameters{Algorithm: to(wr.alg), Value: []byte(wr.sdkCT)}, nil)
				d, derr := dir.direct[p].UnwrapKey(wr.name, ver, envelope.Algorithm(wr.alg), []byte(wr.dirCT))
				var a string
				if err == nil {
					a = string(r.Result)
				}
				agree(t, "UnwrapKey", sdkOutcome(t, err, a), directOutcome(t, derr, string(d)))
				if err == nil && !bytes.Equal(r.Result, wr.dek) {
					t.Fatal("UnwrapKey through the SDK returned another DEK")
				}
			},
			"ListKeys": func(t *rapid.T) {
				p := who.Draw(t, "who")
				var got []string
				var err error
				for pg := sdk.keys[p].NewListKeyPropertiesPager(nil); pg.More() && err == nil; {
					var page azkeys.ListKeyPropertiesResponse
					if page, err = pg.NextPage(ctx); err == nil {
						for _, k := range page.Value {
							got = append(got, string(*k.KID))
						}
					}
				}
				list, derr := dir.direct[p].ListKeys()
				var want []string
				for _, k := range list {
					want = append(want, "https://kv1.vault.azure.net/keys/"+k.Name)
				}
				agree(t, "ListKeys", sdkOutcome(t, err, join(got)), directOutcome(t, derr, join(want)))
			},
			"ListDeletedKeys": func(t *rapid.T) {
				p := who.Draw(t, "who")
				var got []string
				var err error
				for pg := sdk.keys[p].NewListDeletedKeyPropertiesPager(nil); pg.More() && err == nil; {
					var page azkeys.ListDeletedKeyPropertiesResponse
					if page, err = pg.NextPage(ctx); err == nil {
						for _, k := range page.Value {
							got = append(got, *k.RecoveryID)
						}
					}
				}
				list, derr := dir.direct[p].ListDeletedKeys()
				var want []string
				for _, k := range list {
					want = append(want, k.RecoveryID)
				}
				agree(t, "ListDeletedKeys", sdkOutcome(t, err, join(got)), directOutcome(t, derr, join(want)))
			},
			"SetSecret": func(t *rapid.T) {
				n, p := secretName.Draw(t, "name"), who.Draw(t, "who")
				v := rapid.StringMatching(`[a-z0-9]{0,12}`).Draw(t, "value")
				r, err := sdk.secs[p].SetSecret(ctx, n, azsecrets.SetSecretParameters{Value: to(v)}, nil)
				var a string
				if err == nil {
					a = string(*r.ID)
				}
				s, derr := dir.direct[p].SetSecret(n, []byte(v), vault.SetSecretOptions{})
				agree(t, "SetSecret", sdkOutcome(t, err, a), directOutcome(t, derr, s.ID))
			},
			"GetSecret": func(t *rapid.T) {
				n, p := secretName.Draw(t, "name"), who.Draw(t, "who")
				r, err := sdk.secs[p].GetSecret(ctx, n, "", nil)
				var a string
				if err == nil {
					a = string(*r.ID) + "=" + *r.Value
				}
				s, derr := dir.direct[p].GetSecret(n, "")
				agree(t, "GetSecret", sdkOutcome(t, err, a), directOutcome(t, derr, s.Properties.ID+"="+string(s.Value())))
			},
			"DeleteSecret": func(t *rapid.T) {
				n, p := secretName.Draw(t, "name"), who.Draw(t, "who")
				_, err := sdk.secs[p].DeleteSecret(ctx, n, nil)
				_, derr := dir.direct[p].DeleteSecret(n)
				agree(t, "DeleteSecret", sdkOutcome(t, err, ""), directOutcome(t, derr, ""))
			},
			"RecoverDeletedSecret": func(t *rapid.T) {
				n, p := secretName.Draw(t, "name"), who.Draw(t, "who")
				_, err := sdk.secs[p].RecoverDeletedSecret(ctx, n, nil)
				_, derr := dir.direct[p].RecoverDeletedSecret(n)
				agree(t, "RecoverDeletedSecret", sdkOutcome(t, err, ""), directOutcome(t, derr, ""))
			},
			"PurgeDeletedSecret": func(t *rapid.T) {
				n, p := secretName.Draw(t, "name"), who.Draw(t, "who")
				_, err := sdk.secs[p].PurgeDeletedSecret(ctx, n, nil)
				agree(t, "PurgeDeletedSecret", sdkOutcome(t, err, ""), directOutcome(t, dir.direct[p].PurgeDeletedSecret(n), ""))
			},
			"Advance": func(t *rapid.T) {
				d := time.Duration(rapid.IntRange(1, 10*24).Draw(t, "hours")) * time.Hour
				sdk.w.clock.Advance(d)
				dir.w.clock.Advance(d)
			},
			"": func(t *rapid.T) {
				// Each SDK call is exactly one vault call with the same
				// caller, operation, object, result and time.
				a, b := sdk.w.svc.AuditLog(), dir.w.svc.AuditLog()
				if !slices.Equal(a, b) {
					t.Fatalf("audit logs differ: SDK side %d events, direct side %d; last %+v vs %+v", len(a), len(b), last(a), last(b))
				}
			},
		})
	})
}

func join(s []string) string {
	var b bytes.Buffer
	for _, x := range s {
		b.WriteString(x)
		b.WriteByte('\n')
	}
	return b.String()
}

func last(e []vault.Event) any {
	if len(e) == 0 {
		return nil
	}
	return e[len(e)-1]
}
