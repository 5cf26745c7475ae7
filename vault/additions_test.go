package vault

import (
	"bytes"
	"crypto/rsa"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
)

// TestRecoveryLevel checks the recoveryLevel of keys and secrets for each
// retention and purge-protection setting (F19, F27), and that it follows
// purge protection turned on later (F28).
func TestRecoveryLevel(t *testing.T) {
	tests := []struct {
		name      string
		days      int
		protected bool
		want      string
	}{
		{"90 days", 90, false, "Recoverable+Purgeable"},
		{"90 days, purge protection", 90, true, "Recoverable"},
		{"7 days", 7, false, "CustomizedRecoverable+Purgeable"},
		{"89 days, purge protection", 89, true, "CustomizedRecoverable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, 50)
			p := props("kv-level")
			p.SoftDeleteRetentionDays, p.EnablePurgeProtection = tt.days, tt.protected
			c := w.vault(p)
			k := w.octKey(c, "k")
			sp, err := c.SetSecret("s", []byte("v"), SetSecretOptions{})
			wantErr(t, "SetSecret", err)
			if k.RecoveryLevel != tt.want || sp.RecoveryLevel != tt.want {
				t.Fatalf("RecoveryLevel = %q (key), %q (secret), want %q", k.RecoveryLevel, sp.RecoveryLevel, tt.want)
			}
			d, err := c.DeleteKey("k")
			wantErr(t, "DeleteKey", err)
			if d.RecoveryLevel != tt.want || d.RecoverableDays != tt.days {
				t.Fatalf("deleted key RecoveryLevel, RecoverableDays = %q, %d, want %q, %d", d.RecoveryLevel, d.RecoverableDays, tt.want, tt.days)
			}
		})
	}
	w := newWorld(t, 51)
	c := w.vault(props("kv-level"))
	if _, err := w.svc.UpdateVault(owner, "kv-level", VaultUpdate{EnablePurgeProtection: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if k := w.octKey(c, "k"); k.RecoveryLevel != "CustomizedRecoverable" {
		t.Fatalf("after enabling purge protection RecoveryLevel = %q, want CustomizedRecoverable", k.RecoveryLevel)
	}
}

// TestPlaintextResult checks that UnwrapKeyResult and DecryptResult name
// the exact version used, versionless or not (F7, F13), return what
// UnwrapKey and Decrypt return, and print no plaintext.
func TestPlaintextResult(t *testing.T) {
	w := newWorld(t, 52)
	c := w.vault(props("kv-unwrap"))
	k1 := w.octKey(c, "oct")
	dek := dekPattern(0xA5)
	w1, err := c.WrapKey("oct", "", envelope.A256KW, dek.Bytes())
	wantErr(t, "WrapKey", err)
	k2, err := c.RotateKey("oct")
	wantErr(t, "RotateKey", err)
	w2, err := c.WrapKey("oct", "", envelope.A256KW, dek.Bytes())
	wantErr(t, "WrapKey", err)
	rsaKey, err := c.CreateKey("rsa", CreateKeyParameters{Kty: KeyTypeRSA})
	wantErr(t, "CreateKey", err)
	ct, err := c.Encrypt("rsa", "", envelope.RSAOAEP256, []byte("hello"))
	wantErr(t, "Encrypt", err)
	tests := []struct {
		name   string
		call   func() (PlaintextResult, error)
		wantID string
		want   []byte
	}{
		{"versioned old", func() (PlaintextResult, error) {
			return c.UnwrapKeyResult("oct", k1.Version, envelope.A256KW, w1.Result)
		}, k1.ID, dek.Bytes()},
		{"versionless", func() (PlaintextResult, error) { return c.UnwrapKeyResult("oct", "", envelope.A256KW, w2.Result) }, k2.ID, dek.Bytes()},
		{"decrypt versionless", func() (PlaintextResult, error) {
			return c.DecryptResult("rsa", "", envelope.RSAOAEP256, ct.Result)
		}, rsaKey.ID, []byte("hello")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.call()
			wantErr(t, tt.name, err)
			if r.KeyID != tt.wantID || !bytes.Equal(r.Value(), tt.want) {
				t.Fatalf("%s: KeyID = %s, plaintext match %v; want %s", tt.name, r.KeyID, bytes.Equal(r.Value(), tt.want), tt.wantID)
			}
			checkNoLeak(t, tt.name, r, tt.want)
		})
	}
	_, err = c.UnwrapKeyResult("oct", "", envelope.A256KW, w1.Result) // the current version did not wrap it
	wantErr(t, "versionless unwrap of an old wrap", err, ErrBadParameter, envelope.ErrUnwrap)
	if (PlaintextResult{}).Value() != nil {
		t.Fatal("zero PlaintextResult has a value")
	}
}

// TestPublicMaterialEverywhere checks that DeleteKey, GetDeletedKey and
// UpdateKey answer the public key as GetKey does, as Key Vault's do.
func TestPublicMaterialEverywhere(t *testing.T) {
	w := newWorld(t, 53)
	c := w.vault(props("kv-public"))
	k, err := c.CreateKey("rsa", CreateKeyParameters{Kty: KeyTypeRSA})
	wantErr(t, "CreateKey", err)
	want := k.Public.(*rsa.PublicKey)
	u, err := c.UpdateKey("rsa", "", UpdateKeyParameters{Tags: map[string]string{"a": "b"}})
	wantErr(t, "UpdateKey", err)
	if pub, ok := u.Public.(*rsa.PublicKey); !ok || !pub.Equal(want) || u.Tags["a"] != "b" {
		t.Fatalf("UpdateKey = %v, want the public key and the new tag", u)
	}
	d, err := c.DeleteKey("rsa")
	wantErr(t, "DeleteKey", err)
	g, err := c.GetDeletedKey("rsa")
	wantErr(t, "GetDeletedKey", err)
	for _, dk := range []DeletedKey{d, g} {
		if pub, ok := dk.Public.(*rsa.PublicKey); !ok || !pub.Equal(want) {
			t.Fatalf("deleted key public = %T, want the key's RSA public key", dk.Public)
		}
	}
	if o := w.octKey(c, "oct"); o.Public != nil {
		t.Fatal("oct-HSM key has a public key")
	}
	if d, _ := c.DeleteKey("oct"); d.Public != nil {
		t.Fatal("deleted oct-HSM key has a public key")
	}
}

// TestRotationPolicyCreated checks that Created is set when the policy is
// first set and kept by later updates, which move Updated.
func TestRotationPolicyCreated(t *testing.T) {
	w := newWorld(t, 54)
	c := w.vault(props("kv-policy"))
	w.octKey(c, "k")
	if p, _ := c.GetKeyRotationPolicy("k"); !p.Created.IsZero() || !p.Updated.IsZero() {
		t.Fatalf("policy of a key without one = %+v, want zero times", p)
	}
	t0 := w.clock.Now()
	p1, err := c.UpdateKeyRotationPolicy("k", RotationPolicy{ExpiresIn: 60 * day})
	wantErr(t, "UpdateKeyRotationPolicy", err)
	w.clock.Advance(day)
	p2, err := c.UpdateKeyRotationPolicy("k", RotationPolicy{ExpiresIn: 90 * day})
	wantErr(t, "UpdateKeyRotationPolicy", err)
	g, err := c.GetKeyRotationPolicy("k")
	wantErr(t, "GetKeyRotationPolicy", err)
	for _, p := range []RotationPolicy{p1, p2, g} {
		if !p.Created.Equal(t0) {
			t.Fatalf("Created = %v, want %v", p.Created, t0)
		}
	}
	if !p1.Updated.Equal(t0) || !p2.Updated.Equal(t0.Add(day)) || !g.Updated.Equal(p2.Updated) {
		t.Fatalf("Updated = %v, %v, %v", p1.Updated, p2.Updated, g.Updated)
	}
}
