package azsdk

import (
	"context"
	"strings"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	keysfake "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys/fake"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/vault"
)

// keyOpResult is the answer of the key operations.
type keyOpResult = azkeys.KeyOperationResult

// keysServer fills every function field of a fake azkeys server.
func (a *Adapter) keysServer() *keysfake.Server {
	return &keysfake.Server{
		CreateKey:                         a.createKey,
		GetKey:                            a.getKey,
		UpdateKey:                         a.updateKey,
		RotateKey:                         a.rotateKey,
		NewListKeyPropertiesPager:         a.listKeys,
		NewListKeyPropertiesVersionsPager: a.listKeyVersions,
		DeleteKey:                         a.deleteKey,
		GetDeletedKey:                     a.getDeletedKey,
		NewListDeletedKeyPropertiesPager:  a.listDeletedKeys,
		RecoverDeletedKey:                 a.recoverDeletedKey,
		PurgeDeletedKey:                   a.purgeDeletedKey,
		WrapKey:                           a.wrapKey,
		UnwrapKey:                         a.unwrapKey,
		Encrypt:                           a.encrypt,
		Decrypt:                           a.decrypt,
		BackupKey:                         a.backupKey,
		RestoreKey:                        a.restoreKey,
		GetKeyRotationPolicy:              a.getKeyRotationPolicy,
		UpdateKeyRotationPolicy:           a.updateKeyRotationPolicy,

		// Not modelled by the vault: each answers 501 NotImplemented.
		ImportKey: func(context.Context, string, azkeys.ImportKeyParameters, *azkeys.ImportKeyOptions) (azfake.Responder[azkeys.ImportKeyResponse], azfake.ErrorResponder) {
			return azfake.Responder[azkeys.ImportKeyResponse]{}, errResp(notImplemented("ImportKey"))
		},
		Sign: func(context.Context, string, string, azkeys.SignParameters, *azkeys.SignOptions) (azfake.Responder[azkeys.SignResponse], azfake.ErrorResponder) {
			return azfake.Responder[azkeys.SignResponse]{}, errResp(notImplemented("Sign"))
		},
		Verify: func(context.Context, string, string, azkeys.VerifyParameters, *azkeys.VerifyOptions) (azfake.Responder[azkeys.VerifyResponse], azfake.ErrorResponder) {
			return azfake.Responder[azkeys.VerifyResponse]{}, errResp(notImplemented("Verify"))
		},
		Release: func(context.Context, string, string, azkeys.ReleaseParameters, *azkeys.ReleaseOptions) (azfake.Responder[azkeys.ReleaseResponse], azfake.ErrorResponder) {
			return azfake.Responder[azkeys.ReleaseResponse]{}, errResp(notImplemented("Release"))
		},
		GetRandomBytes: func(context.Context, azkeys.GetRandomBytesParameters, *azkeys.GetRandomBytesOptions) (azfake.Responder[azkeys.GetRandomBytesResponse], azfake.ErrorResponder) {
			return azfake.Responder[azkeys.GetRandomBytesResponse]{}, errResp(notImplemented("GetRandomBytes"))
		},
		GetKeyAttestation: func(context.Context, string, string, *azkeys.GetKeyAttestationOptions) (azfake.Responder[azkeys.GetKeyAttestationResponse], azfake.ErrorResponder) {
			return azfake.Responder[azkeys.GetKeyAttestationResponse]{}, errResp(notImplemented("GetKeyAttestation"))
		},
	}
}

// ok returns a 200 responder of v.
func ok[T any](v T) (azfake.Responder[T], azfake.ErrorResponder) {
	var r azfake.Responder[T]
	r.SetResponse(200, v, nil)
	return r, azfake.ErrorResponder{}
}

// refuse returns an error responder of e.
func refuse[T any](e *wireError) (azfake.Responder[T], azfake.ErrorResponder) {
	return azfake.Responder[T]{}, errResp(e)
}

// keyAttrsIn checks the writable key attributes of a request: exportable
// keys need a release policy, which the vault does not model.
func keyAttrsIn(op string, at *azkeys.KeyAttributes) (enabled *bool, nbf, exp *time.Time, e *wireError) {
	if at == nil {
		return nil, nil, nil, nil
	}
	if at.Exportable != nil && *at.Exportable {
		return nil, nil, nil, notImplemented("%s with exportable=true", op)
	}
	return at.Enabled, inTime(at.NotBefore), inTime(at.Expires), nil
}

func (a *Adapter) createKey(_ context.Context, name string, p azkeys.CreateKeyParameters, _ *azkeys.CreateKeyOptions) (azfake.Responder[azkeys.CreateKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.CreateKeyResponse
	if p.ReleasePolicy != nil {
		return refuse[R](notImplemented("CreateKey with a release_policy"))
	}
	if p.PublicExponent != nil && *p.PublicExponent != 65537 {
		return refuse[R](notImplemented("CreateKey with public_exponent %d", *p.PublicExponent))
	}
	enabled, nbf, exp, we := keyAttrsIn("CreateKey", p.KeyAttributes)
	if we != nil {
		return refuse[R](we)
	}
	tags, we := inTags(p.Tags)
	if we != nil {
		return refuse[R](we)
	}
	vp := vault.CreateKeyParameters{
		KeyOps: inKeyOps(p.KeyOps), Tags: tags, Enabled: enabled,
		NotBefore: nbf, Expires: exp,
	}
	if p.Kty != nil {
		vp.Kty = vault.KeyType(*p.Kty)
	}
	if p.KeySize != nil {
		vp.KeySize = int(*p.KeySize)
	}
	if p.Curve != nil {
		vp.Curve = vault.Curve(*p.Curve)
	}
	k, err := a.c.CreateKey(name, vp)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyBundle: keyBundle(&k)})
}

func (a *Adapter) getKey(ctx context.Context, name, version string, _ *azkeys.GetKeyOptions) (azfake.Responder[azkeys.GetKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.GetKeyResponse
	name, version = nameVersion(ctx, name, version)
	k, err := a.c.GetKey(name, version)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyBundle: keyBundle(&k)})
}

func (a *Adapter) updateKey(ctx context.Context, name, version string, p azkeys.UpdateKeyParameters, _ *azkeys.UpdateKeyOptions) (azfake.Responder[azkeys.UpdateKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.UpdateKeyResponse
	name, version = nameVersion(ctx, name, version)
	if p.ReleasePolicy != nil {
		return refuse[R](notImplemented("UpdateKey with a release_policy"))
	}
	enabled, nbf, exp, we := keyAttrsIn("UpdateKey", p.KeyAttributes)
	if we != nil {
		return refuse[R](we)
	}
	tags, we := inTags(p.Tags)
	if we != nil {
		return refuse[R](we)
	}
	k, err := a.c.UpdateKey(name, version, vault.UpdateKeyParameters{
		Enabled: enabled, NotBefore: nbf, Expires: exp,
		KeyOps: inKeyOps(p.KeyOps), Tags: tags,
	})
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyBundle: keyBundle(&k)})
}

func (a *Adapter) rotateKey(_ context.Context, name string, _ *azkeys.RotateKeyOptions) (azfake.Responder[azkeys.RotateKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.RotateKeyResponse
	k, err := a.c.RotateKey(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyBundle: keyBundle(&k)})
}

func (a *Adapter) listKeys(*azkeys.ListKeyPropertiesOptions) azfake.PagerResponder[azkeys.ListKeyPropertiesResponse] {
	type R = azkeys.ListKeyPropertiesResponse
	list, err := a.c.ListKeys()
	if err != nil {
		return pagerError[R](fromVault(err))
	}
	return paged(list, a.pageSize, func(ps []vault.KeyProperties) R {
		r := R{KeyPropertiesListResult: azkeys.KeyPropertiesListResult{Value: []*azkeys.KeyProperties{}}}
		for i := range ps {
			r.Value = append(r.Value, a.keyProperties(&ps[i], false))
		}
		return r
	})
}

func (a *Adapter) listKeyVersions(name string, _ *azkeys.ListKeyPropertiesVersionsOptions) azfake.PagerResponder[azkeys.ListKeyPropertiesVersionsResponse] {
	type R = azkeys.ListKeyPropertiesVersionsResponse
	list, err := a.c.ListKeyVersions(name)
	if err != nil {
		return pagerError[R](fromVault(err))
	}
	return paged(list, a.pageSize, func(ps []vault.KeyProperties) R {
		r := R{KeyPropertiesListResult: azkeys.KeyPropertiesListResult{Value: []*azkeys.KeyProperties{}}}
		for i := range ps {
			r.Value = append(r.Value, a.keyProperties(&ps[i], true))
		}
		return r
	})
}

func (a *Adapter) deleteKey(_ context.Context, name string, _ *azkeys.DeleteKeyOptions) (azfake.Responder[azkeys.DeleteKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.DeleteKeyResponse
	d, err := a.c.DeleteKey(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{DeletedKey: a.deletedKey(&d)})
}

func (a *Adapter) getDeletedKey(_ context.Context, name string, _ *azkeys.GetDeletedKeyOptions) (azfake.Responder[azkeys.GetDeletedKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.GetDeletedKeyResponse
	d, err := a.c.GetDeletedKey(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{DeletedKey: a.deletedKey(&d)})
}

func (a *Adapter) listDeletedKeys(*azkeys.ListDeletedKeyPropertiesOptions) azfake.PagerResponder[azkeys.ListDeletedKeyPropertiesResponse] {
	type R = azkeys.ListDeletedKeyPropertiesResponse
	list, err := a.c.ListDeletedKeys()
	if err != nil {
		return pagerError[R](fromVault(err))
	}
	return paged(list, a.pageSize, func(ds []vault.DeletedKey) R {
		r := R{DeletedKeyPropertiesListResult: azkeys.DeletedKeyPropertiesListResult{Value: []*azkeys.DeletedKeyProperties{}}}
		for i := range ds {
			r.Value = append(r.Value, a.deletedKeyProperties(&ds[i]))
		}
		return r
	})
}

func (a *Adapter) recoverDeletedKey(_ context.Context, name string, _ *azkeys.RecoverDeletedKeyOptions) (azfake.Responder[azkeys.RecoverDeletedKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.RecoverDeletedKeyResponse
	k, err := a.c.RecoverDeletedKey(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyBundle: keyBundle(&k)})
}

func (a *Adapter) purgeDeletedKey(_ context.Context, name string, _ *azkeys.PurgeDeletedKeyOptions) (azfake.Responder[azkeys.PurgeDeletedKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.PurgeDeletedKeyResponse
	if err := a.c.PurgeDeletedKey(name); err != nil {
		return refuse[R](fromVault(err))
	}
	var r azfake.Responder[R]
	r.SetResponse(204, R{}, nil)
	return r, azfake.ErrorResponder{}
}

// cryptoIn checks the parameters of a key operation: the vault models the
// key-wrap and RSA algorithms, which take no IV, AAD or tag.
func cryptoIn(op string, p *azkeys.KeyOperationParameters) (envelope.Algorithm, *wireError) {
	if p.IV != nil || p.AdditionalAuthenticatedData != nil || p.AuthenticationTag != nil {
		return "", notImplemented("%s with iv, aad or tag (AES-GCM and AES-CBC)", op)
	}
	if p.Algorithm == nil {
		return "", nil // the vault answers BadParameter for the empty algorithm
	}
	return envelope.Algorithm(*p.Algorithm), nil
}

// produced converts the answer of a wrap or encrypt.
func produced(res vault.KeyOperationResult) keyOpResult {
	return keyOpResult{KID: ptr(azkeys.ID(res.KeyID)), Result: res.Result}
}

// consumed converts the answer of an unwrap or decrypt: the kid is the
// versioned id of the version the vault used, even for a versionless call,
// as Key Vault answers.
func consumed(res vault.PlaintextResult) keyOpResult {
	return keyOpResult{KID: ptr(azkeys.ID(res.KeyID)), Result: res.Value()}
}

func (a *Adapter) wrapKey(ctx context.Context, name, version string, p azkeys.KeyOperationParameters, _ *azkeys.WrapKeyOptions) (azfake.Responder[azkeys.WrapKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.WrapKeyResponse
	name, version = nameVersion(ctx, name, version)
	alg, we := cryptoIn("WrapKey", &p)
	if we != nil {
		return refuse[R](we)
	}
	res, err := a.c.WrapKey(name, version, alg, p.Value)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyOperationResult: produced(res)})
}

func (a *Adapter) encrypt(ctx context.Context, name, version string, p azkeys.KeyOperationParameters, _ *azkeys.EncryptOptions) (azfake.Responder[azkeys.EncryptResponse], azfake.ErrorResponder) {
	type R = azkeys.EncryptResponse
	name, version = nameVersion(ctx, name, version)
	alg, we := cryptoIn("Encrypt", &p)
	if we != nil {
		return refuse[R](we)
	}
	res, err := a.c.Encrypt(name, version, alg, p.Value)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyOperationResult: produced(res)})
}

func (a *Adapter) unwrapKey(ctx context.Context, name, version string, p azkeys.KeyOperationParameters, _ *azkeys.UnwrapKeyOptions) (azfake.Responder[azkeys.UnwrapKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.UnwrapKeyResponse
	name, version = nameVersion(ctx, name, version)
	alg, we := cryptoIn("UnwrapKey", &p)
	if we != nil {
		return refuse[R](we)
	}
	res, err := a.c.UnwrapKeyResult(name, version, alg, p.Value)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyOperationResult: consumed(res)})
}

func (a *Adapter) decrypt(ctx context.Context, name, version string, p azkeys.KeyOperationParameters, _ *azkeys.DecryptOptions) (azfake.Responder[azkeys.DecryptResponse], azfake.ErrorResponder) {
	type R = azkeys.DecryptResponse
	name, version = nameVersion(ctx, name, version)
	alg, we := cryptoIn("Decrypt", &p)
	if we != nil {
		return refuse[R](we)
	}
	res, err := a.c.DecryptResult(name, version, alg, p.Value)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyOperationResult: consumed(res)})
}

func (a *Adapter) backupKey(_ context.Context, name string, _ *azkeys.BackupKeyOptions) (azfake.Responder[azkeys.BackupKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.BackupKeyResponse
	blob, err := a.c.BackupKey(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{BackupKeyResult: azkeys.BackupKeyResult{Value: blob}})
}

func (a *Adapter) restoreKey(_ context.Context, p azkeys.RestoreKeyParameters, _ *azkeys.RestoreKeyOptions) (azfake.Responder[azkeys.RestoreKeyResponse], azfake.ErrorResponder) {
	type R = azkeys.RestoreKeyResponse
	k, err := a.c.RestoreKey(p.KeyBackup)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyBundle: keyBundle(&k)})
}

func (a *Adapter) getKeyRotationPolicy(_ context.Context, name string, _ *azkeys.GetKeyRotationPolicyOptions) (azfake.Responder[azkeys.GetKeyRotationPolicyResponse], azfake.ErrorResponder) {
	type R = azkeys.GetKeyRotationPolicyResponse
	p, err := a.c.GetKeyRotationPolicy(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyRotationPolicy: a.outPolicy(name, &p)})
}

func (a *Adapter) updateKeyRotationPolicy(_ context.Context, name string, in azkeys.KeyRotationPolicy, _ *azkeys.UpdateKeyRotationPolicyOptions) (azfake.Responder[azkeys.UpdateKeyRotationPolicyResponse], azfake.ErrorResponder) {
	type R = azkeys.UpdateKeyRotationPolicyResponse
	vp, we := inPolicy(&in)
	if we != nil {
		return refuse[R](we)
	}
	p, err := a.c.UpdateKeyRotationPolicy(name, vp)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{KeyRotationPolicy: a.outPolicy(name, &p)})
}

// inPolicy converts a rotation policy of the SDK. Action types compare
// case-insensitively, as the SDK documents.
func inPolicy(in *azkeys.KeyRotationPolicy) (vault.RotationPolicy, *wireError) {
	var p vault.RotationPolicy
	if in.Attributes != nil && in.Attributes.ExpiryTime != nil {
		d, we := parseISODuration("expiryTime", *in.Attributes.ExpiryTime)
		if we != nil {
			return p, we
		}
		p.ExpiresIn = d
	}
	for _, la := range in.LifetimeActions {
		if la == nil {
			continue
		}
		var va vault.LifetimeAction
		if la.Action != nil && la.Action.Type != nil {
			switch t := string(*la.Action.Type); {
			case strings.EqualFold(t, string(vault.ActionRotate)):
				va.Action = vault.ActionRotate
			case strings.EqualFold(t, string(vault.ActionNotify)):
				va.Action = vault.ActionNotify
			default:
				va.Action = vault.ActionType(t) // the vault names the bad value
			}
		}
		if tr := la.Trigger; tr != nil {
			if tr.TimeAfterCreate != nil {
				d, we := parseISODuration("timeAfterCreate", *tr.TimeAfterCreate)
				if we != nil {
					return p, we
				}
				va.TimeAfterCreate = d
			}
			if tr.TimeBeforeExpiry != nil {
				d, we := parseISODuration("timeBeforeExpiry", *tr.TimeBeforeExpiry)
				if we != nil {
					return p, we
				}
				va.TimeBeforeExpiry = d
			}
		}
		p.LifetimeActions = append(p.LifetimeActions, va)
	}
	return p, nil
}

func (a *Adapter) outPolicy(name string, p *vault.RotationPolicy) azkeys.KeyRotationPolicy {
	out := azkeys.KeyRotationPolicy{
		ID:              ptr(a.versionless("keys", name) + "/rotationpolicy"),
		LifetimeActions: []*azkeys.LifetimeAction{},
		Attributes:      &azkeys.KeyRotationPolicyAttributes{},
	}
	if p.ExpiresIn > 0 {
		out.Attributes.ExpiryTime = ptr(formatISODuration(p.ExpiresIn))
	}
	if !p.Created.IsZero() {
		out.Attributes.Created = ptr(p.Created.UTC())
	}
	if !p.Updated.IsZero() {
		out.Attributes.Updated = ptr(p.Updated.UTC())
	}
	for _, la := range p.LifetimeActions {
		o := &azkeys.LifetimeAction{
			Action:  &azkeys.LifetimeActionType{Type: ptr(azkeys.KeyRotationPolicyAction(la.Action))},
			Trigger: &azkeys.LifetimeActionTrigger{},
		}
		if la.TimeAfterCreate > 0 {
			o.Trigger.TimeAfterCreate = ptr(formatISODuration(la.TimeAfterCreate))
		}
		if la.TimeBeforeExpiry > 0 {
			o.Trigger.TimeBeforeExpiry = ptr(formatISODuration(la.TimeBeforeExpiry))
		}
		out.LifetimeActions = append(out.LifetimeActions, o)
	}
	return out
}
