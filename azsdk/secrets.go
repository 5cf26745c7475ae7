package azsdk

import (
	"context"
	"unicode/utf8"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	secretsfake "github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets/fake"

	"github.com/atrest-sim/atrest/vault"
)

// secretsServer fills every function field of a fake azsecrets server. The
// vault models every operation of azsecrets.Client.
func (a *Adapter) secretsServer() *secretsfake.Server {
	return &secretsfake.Server{
		SetSecret:                            a.setSecret,
		GetSecret:                            a.getSecret,
		UpdateSecretProperties:               a.updateSecretProperties,
		NewListSecretPropertiesPager:         a.listSecrets,
		NewListSecretPropertiesVersionsPager: a.listSecretVersions,
		DeleteSecret:                         a.deleteSecret,
		GetDeletedSecret:                     a.getDeletedSecret,
		NewListDeletedSecretPropertiesPager:  a.listDeletedSecrets,
		RecoverDeletedSecret:                 a.recoverDeletedSecret,
		PurgeDeletedSecret:                   a.purgeDeletedSecret,
		BackupSecret:                         a.backupSecret,
		RestoreSecret:                        a.restoreSecret,
	}
}

func secretAttributes(p *vault.SecretProperties) *azsecrets.SecretAttributes {
	return &azsecrets.SecretAttributes{
		Enabled:         ptr(p.Enabled),
		NotBefore:       timePtr(p.NotBefore),
		Expires:         timePtr(p.Expires),
		Created:         timePtr(&p.Created),
		Updated:         timePtr(&p.Updated),
		RecoverableDays: ptr(int32(p.RecoverableDays)),
		RecoveryLevel:   ptr(p.RecoveryLevel),
	}
}

// contentType is nil for an empty content type, as the service omits it.
func contentType(s string) *string {
	if s == "" {
		return nil
	}
	return ptr(s)
}

// secret converts a secret version; value is nil when the answer carries
// no value (update, recover).
func secret(p *vault.SecretProperties, value *string) azsecrets.Secret {
	return azsecrets.Secret{
		Attributes:  secretAttributes(p),
		ContentType: contentType(p.ContentType),
		ID:          ptr(azsecrets.ID(p.ID)),
		Tags:        outTags(p.Tags),
		Value:       value,
	}
}

func (a *Adapter) secretProperties(p *vault.SecretProperties, versioned bool) *azsecrets.SecretProperties {
	id := p.ID
	if !versioned {
		id = a.versionless("secrets", p.Name)
	}
	return &azsecrets.SecretProperties{
		Attributes:  secretAttributes(p),
		ContentType: contentType(p.ContentType),
		ID:          ptr(azsecrets.ID(id)),
		Tags:        outTags(p.Tags),
	}
}

func (a *Adapter) deletedSecret(d *vault.DeletedSecret) azsecrets.DeletedSecret {
	return azsecrets.DeletedSecret{
		Attributes:         secretAttributes(&d.Properties),
		ContentType:        contentType(d.Properties.ContentType),
		ID:                 ptr(azsecrets.ID(d.Properties.ID)),
		RecoveryID:         ptr(d.RecoveryID),
		Tags:               outTags(d.Properties.Tags),
		DeletedDate:        ptr(d.DeletedDate.UTC()),
		ScheduledPurgeDate: ptr(d.ScheduledPurgeDate.UTC()),
	}
}

func (a *Adapter) setSecret(_ context.Context, name string, p azsecrets.SetSecretParameters, _ *azsecrets.SetSecretOptions) (azfake.Responder[azsecrets.SetSecretResponse], azfake.ErrorResponder) {
	type R = azsecrets.SetSecretResponse
	if p.Value == nil {
		return refuse[R](badParameter("SetSecret needs a value"))
	}
	tags, we := inTags(p.Tags)
	if we != nil {
		return refuse[R](we)
	}
	o := vault.SetSecretOptions{Tags: tags}
	if p.ContentType != nil {
		o.ContentType = *p.ContentType
	}
	if at := p.SecretAttributes; at != nil {
		o.Enabled, o.NotBefore, o.Expires = at.Enabled, inTime(at.NotBefore), inTime(at.Expires)
	}
	props, err := a.c.SetSecret(name, []byte(*p.Value), o)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{Secret: secret(&props, ptr(*p.Value))})
}

func (a *Adapter) getSecret(_ context.Context, name, version string, o *azsecrets.GetSecretOptions) (azfake.Responder[azsecrets.GetSecretResponse], azfake.ErrorResponder) {
	type R = azsecrets.GetSecretResponse
	if o != nil && o.OutContentType != nil {
		return refuse[R](notImplemented("GetSecret with outContentType (certificate conversion)"))
	}
	s, err := a.c.GetSecret(name, version)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	v := s.Value()
	if !utf8.Valid(v) {
		// Secret values are strings on the wire; raw bytes stored through
		// the atrest API would be altered by JSON, so they are refused.
		return refuse[R](notImplemented("GetSecret of a value that is not UTF-8 text (stored through the atrest API as raw bytes)"))
	}
	return ok(R{Secret: secret(&s.Properties, ptr(string(v)))})
}

func (a *Adapter) updateSecretProperties(_ context.Context, name, version string, p azsecrets.UpdateSecretPropertiesParameters, _ *azsecrets.UpdateSecretPropertiesOptions) (azfake.Responder[azsecrets.UpdateSecretPropertiesResponse], azfake.ErrorResponder) {
	type R = azsecrets.UpdateSecretPropertiesResponse
	tags, we := inTags(p.Tags)
	if we != nil {
		return refuse[R](we)
	}
	u := vault.UpdateSecretParameters{ContentType: p.ContentType, Tags: tags}
	if at := p.SecretAttributes; at != nil {
		u.Enabled, u.NotBefore, u.Expires = at.Enabled, inTime(at.NotBefore), inTime(at.Expires)
	}
	props, err := a.c.UpdateSecretProperties(name, version, u)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{Secret: secret(&props, nil)})
}

func (a *Adapter) listSecrets(*azsecrets.ListSecretPropertiesOptions) azfake.PagerResponder[azsecrets.ListSecretPropertiesResponse] {
	type R = azsecrets.ListSecretPropertiesResponse
	list, err := a.c.ListSecrets()
	if err != nil {
		return pagerError[R](fromVault(err))
	}
	return paged(list, a.pageSize, func(ps []vault.SecretProperties) R {
		r := R{SecretPropertiesListResult: azsecrets.SecretPropertiesListResult{Value: []*azsecrets.SecretProperties{}}}
		for i := range ps {
			r.Value = append(r.Value, a.secretProperties(&ps[i], false))
		}
		return r
	})
}

func (a *Adapter) listSecretVersions(name string, _ *azsecrets.ListSecretPropertiesVersionsOptions) azfake.PagerResponder[azsecrets.ListSecretPropertiesVersionsResponse] {
	type R = azsecrets.ListSecretPropertiesVersionsResponse
	list, err := a.c.ListSecretVersions(name)
	if err != nil {
		return pagerError[R](fromVault(err))
	}
	return paged(list, a.pageSize, func(ps []vault.SecretProperties) R {
		r := R{SecretPropertiesListResult: azsecrets.SecretPropertiesListResult{Value: []*azsecrets.SecretProperties{}}}
		for i := range ps {
			r.Value = append(r.Value, a.secretProperties(&ps[i], true))
		}
		return r
	})
}

func (a *Adapter) deleteSecret(_ context.Context, name string, _ *azsecrets.DeleteSecretOptions) (azfake.Responder[azsecrets.DeleteSecretResponse], azfake.ErrorResponder) {
	type R = azsecrets.DeleteSecretResponse
	d, err := a.c.DeleteSecret(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{DeletedSecret: a.deletedSecret(&d)})
}

func (a *Adapter) getDeletedSecret(_ context.Context, name string, _ *azsecrets.GetDeletedSecretOptions) (azfake.Responder[azsecrets.GetDeletedSecretResponse], azfake.ErrorResponder) {
	type R = azsecrets.GetDeletedSecretResponse
	d, err := a.c.GetDeletedSecret(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{DeletedSecret: a.deletedSecret(&d)})
}

func (a *Adapter) listDeletedSecrets(*azsecrets.ListDeletedSecretPropertiesOptions) azfake.PagerResponder[azsecrets.ListDeletedSecretPropertiesResponse] {
	type R = azsecrets.ListDeletedSecretPropertiesResponse
	list, err := a.c.ListDeletedSecrets()
	if err != nil {
		return pagerError[R](fromVault(err))
	}
	return paged(list, a.pageSize, func(ds []vault.DeletedSecret) R {
		r := R{DeletedSecretPropertiesListResult: azsecrets.DeletedSecretPropertiesListResult{Value: []*azsecrets.DeletedSecretProperties{}}}
		for i := range ds {
			d := &ds[i]
			r.Value = append(r.Value, &azsecrets.DeletedSecretProperties{
				Attributes:         secretAttributes(&d.Properties),
				ContentType:        contentType(d.Properties.ContentType),
				ID:                 ptr(azsecrets.ID(a.versionless("secrets", d.Properties.Name))),
				RecoveryID:         ptr(d.RecoveryID),
				Tags:               outTags(d.Properties.Tags),
				DeletedDate:        ptr(d.DeletedDate.UTC()),
				ScheduledPurgeDate: ptr(d.ScheduledPurgeDate.UTC()),
			})
		}
		return r
	})
}

func (a *Adapter) recoverDeletedSecret(_ context.Context, name string, _ *azsecrets.RecoverDeletedSecretOptions) (azfake.Responder[azsecrets.RecoverDeletedSecretResponse], azfake.ErrorResponder) {
	type R = azsecrets.RecoverDeletedSecretResponse
	props, err := a.c.RecoverDeletedSecret(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{Secret: secret(&props, nil)})
}

func (a *Adapter) purgeDeletedSecret(_ context.Context, name string, _ *azsecrets.PurgeDeletedSecretOptions) (azfake.Responder[azsecrets.PurgeDeletedSecretResponse], azfake.ErrorResponder) {
	type R = azsecrets.PurgeDeletedSecretResponse
	if err := a.c.PurgeDeletedSecret(name); err != nil {
		return refuse[R](fromVault(err))
	}
	var r azfake.Responder[R]
	r.SetResponse(204, R{}, nil)
	return r, azfake.ErrorResponder{}
}

func (a *Adapter) backupSecret(_ context.Context, name string, _ *azsecrets.BackupSecretOptions) (azfake.Responder[azsecrets.BackupSecretResponse], azfake.ErrorResponder) {
	type R = azsecrets.BackupSecretResponse
	blob, err := a.c.BackupSecret(name)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{BackupSecretResult: azsecrets.BackupSecretResult{Value: blob}})
}

func (a *Adapter) restoreSecret(_ context.Context, p azsecrets.RestoreSecretParameters, _ *azsecrets.RestoreSecretOptions) (azfake.Responder[azsecrets.RestoreSecretResponse], azfake.ErrorResponder) {
	type R = azsecrets.RestoreSecretResponse
	props, err := a.c.RestoreSecret(p.SecretBackup)
	if err != nil {
		return refuse[R](fromVault(err))
	}
	return ok(R{Secret: secret(&props, nil)})
}
