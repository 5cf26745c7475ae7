package vault

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/envelope"
)

func ptr[T any](v T) *T { return &v }

// failCase is a call that must fail with every error in want, change nothing
// but append its own failure event.
type failCase struct {
	name string
	call func() error
	want []error
}

func runFailCases(t *testing.T, w *world, cases []failCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.svc.fingerprint(0)
			n := w.svc.AuditLen()
			err := tc.call()
			wantErr(t, tc.name, err, tc.want...)
			if got := w.svc.AuditLen(); got != n+1 {
				t.Fatalf("audit log grew by %d, want 1", got-n)
			}
			var ve *Error
			errors.As(err, &ve)
			if ev := w.svc.lastEvent(); ev.Result != ve.Code || ev.Status != ve.Status {
				t.Fatalf("last event %+v does not record %s/%d", ev, ve.Code, ve.Status)
			}
			if after := w.svc.fingerprint(1); after != before {
				t.Fatalf("failed call changed state:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

func TestVaultControlPlane(t *testing.T) {
	w := newWorld(t, 2)
	w.vault(props("kv-live"))
	pp := props("kv-protected")
	pp.EnablePurgeProtection = true
	w.vault(pp)
	w.vault(props("kv-gone"))
	if _, err := w.svc.DeleteVault(owner, "kv-gone"); err != nil {
		t.Fatal(err)
	}
	withP := func(f func(*VaultProperties)) VaultProperties { p := props("kv-new"); f(&p); return p }
	cases := []failCase{
		{"create/short name", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.Name = "kv" }))
			return err
		}, []error{ErrBadParameter}},
		{"create/double hyphen", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.Name = "kv--x" }))
			return err
		}, []error{ErrBadParameter}},
		{"create/digit first", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.Name = "1kv" }))
			return err
		}, []error{ErrBadParameter}},
		{"create/underscore", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.Name = "kv_x" }))
			return err
		}, []error{ErrBadParameter}},
		{"create/retention 6", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.SoftDeleteRetentionDays = 6 }))
			return err
		}, []error{ErrBadParameter}},
		{"create/retention 91", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.SoftDeleteRetentionDays = 91 }))
			return err
		}, []error{ErrBadParameter}},
		{"create/bad sku", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.SKU = "gold" }))
			return err
		}, []error{ErrBadParameter}},
		{"create/bad auth", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.AuthModel = "acl" }))
			return err
		}, []error{ErrBadParameter}},
		{"create/no geography", func() error {
			_, err := w.svc.CreateVault(owner, withP(func(p *VaultProperties) { p.Geography = "" }))
			return err
		}, []error{ErrBadParameter}},
		{"create/bad caller", func() error { _, err := w.svc.CreateVault(Principal{ID: "x"}, props("kv-new")); return err }, []error{ErrBadParameter}},
		{"create/live name", func() error { _, err := w.svc.CreateVault(owner, props("KV-LIVE")); return err }, []error{ErrConflict}},
		{"create/deleted name", func() error { _, err := w.svc.CreateVault(owner, props("kv-gone")); return err }, []error{ErrConflict, ErrDeletedButRecoverable}},
		{"update/purge protection off", func() error {
			_, err := w.svc.UpdateVault(owner, "kv-protected", VaultUpdate{EnablePurgeProtection: ptr(false)})
			return err
		}, []error{ErrImmutable}},
		{"update/retention", func() error {
			_, err := w.svc.UpdateVault(owner, "kv-live", VaultUpdate{SoftDeleteRetentionDays: ptr(30)})
			return err
		}, []error{ErrImmutable}},
		{"update/deleted vault", func() error { _, err := w.svc.UpdateVault(owner, "kv-gone", VaultUpdate{}); return err }, []error{ErrNotFound}},
		{"get/missing", func() error { _, err := w.svc.GetVault(owner, "kv-none"); return err }, []error{ErrNotFound}},
		{"delete/missing", func() error { _, err := w.svc.DeleteVault(owner, "kv-none"); return err }, []error{ErrNotFound}},
		{"get deleted/live", func() error { _, err := w.svc.GetDeletedVault(owner, "kv-live"); return err }, []error{ErrNotFound, ErrNotDeleted}},
		{"recover/live", func() error { _, err := w.svc.RecoverDeletedVault(owner, "kv-live"); return err }, []error{ErrNotFound}},
		{"purge/live", func() error { return w.svc.PurgeDeletedVault(owner, "kv-live") }, []error{ErrNotFound}},
		{"role/unknown", func() error { return w.svc.AssignRole(owner, alice, "Key Vault Boss", Scope{Vault: "kv-live"}) }, []error{ErrBadParameter}},
		{"role/no scope", func() error { return w.svc.AssignRole(owner, alice, RoleReader, Scope{}) }, []error{ErrBadParameter}},
		{"role/missing vault", func() error { return w.svc.AssignRole(owner, alice, RoleReader, Scope{Vault: "kv-none"}) }, []error{ErrNotFound}},
		{"role/duplicate", func() error { return w.svc.AssignRole(owner, admin, RoleAdministrator, Scope{Vault: "kv-live"}) }, []error{ErrConflict}},
		{"role/remove missing", func() error { return w.svc.RemoveRole(owner, alice, RoleReader, Scope{Vault: "kv-live"}) }, []error{ErrNotFound}},
		{"policy/bad permission", func() error {
			return w.svc.SetAccessPolicy(owner, "kv-live", AccessPolicy{ObjectID: "alice", Keys: []string{"fly"}})
		}, []error{ErrBadParameter}},
		{"policy/remove missing", func() error { return w.svc.RemoveAccessPolicy(owner, "kv-live", "nobody") }, []error{ErrNotFound}},
	}
	runFailCases(t, w, cases)

	// Purge protection holds a deleted vault until retention ends (F27, F30).
	if _, err := w.svc.DeleteVault(owner, "kv-protected"); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(7*day - time.Second)
	runFailCases(t, w, []failCase{{"purge/protected vault", func() error { return w.svc.PurgeDeletedVault(owner, "kv-protected") }, []error{ErrPurgeProtected}}})
	if _, err := w.svc.RecoverDeletedVault(owner, "kv-protected"); err != nil {
		t.Fatalf("recover during retention = %v", err)
	}
	// kv-gone (deleted at time 0, retention 7 days) is purged automatically
	// one second from now, by the system principal, and its name is free.
	if _, err := w.svc.GetDeletedVault(owner, "kv-gone"); err != nil {
		t.Fatalf("GetDeletedVault before retention end = %v", err)
	}
	w.clock.Advance(time.Second)
	_, err := w.svc.GetDeletedVault(owner, "kv-gone")
	wantErr(t, "GetDeletedVault after retention", err, ErrNotFound)
	found := false
	for _, e := range w.svc.AuditLog() {
		found = found || e.Operation == "PurgeDeletedVault" && e.Caller.ID == SystemID && e.Time.Equal(w.clock.Now())
	}
	if !found {
		t.Fatal("no system purge event for kv-gone")
	}
	if _, err := w.svc.CreateVault(owner, props("kv-gone")); err != nil {
		t.Fatalf("name not free after auto-purge: %v", err)
	}
	// Turning purge protection on is allowed, and then final.
	if _, err := w.svc.UpdateVault(owner, "kv-live", VaultUpdate{EnablePurgeProtection: ptr(true), SoftDeleteRetentionDays: ptr(7)}); err != nil {
		t.Fatal(err)
	}
}

func TestKeyCalls(t *testing.T) {
	w := newWorld(t, 3)
	c := w.vault(props("kv-keys"))
	std := props("kv-std")
	std.SKU = SKUStandard
	cs := w.vault(std)
	w.octKey(c, "oct")
	if _, err := c.CreateKey("ec", CreateKeyParameters{Kty: KeyTypeEC}); err != nil {
		t.Fatal(err)
	}
	w.octKey(c, "gone")
	if _, err := c.DeleteKey("gone"); err != nil {
		t.Fatal(err)
	}
	reader := w.client("kv-keys", alice)
	if err := w.svc.AssignRole(owner, alice, RoleReader, Scope{Vault: "kv-keys"}); err != nil {
		t.Fatal(err)
	}
	nbf := sim0().Add(time.Hour)
	tags16 := map[string]string{}
	for i := range 16 {
		tags16[fmt.Sprint("t", i)] = "v"
	}
	create := func(cl *Client, name string, p CreateKeyParameters) func() error {
		return func() error { _, err := cl.CreateKey(name, p); return err }
	}
	cases := []failCase{
		{"create/empty name", create(c, "", CreateKeyParameters{Kty: KeyTypeOctHSM}), []error{ErrBadParameter}},
		{"create/bad name", create(c, "a.b", CreateKeyParameters{Kty: KeyTypeOctHSM}), []error{ErrBadParameter}},
		{"create/long name", create(c, strings.Repeat("a", 128), CreateKeyParameters{Kty: KeyTypeOctHSM}), []error{ErrBadParameter}},
		{"create/unknown type", create(c, "k", CreateKeyParameters{Kty: "DSA"}), []error{ErrBadParameter}},
		{"create/software oct", create(c, "k", CreateKeyParameters{Kty: "oct"}), []error{ErrNotSupported}},
		{"create/rsa 1024", create(c, "k", CreateKeyParameters{Kty: KeyTypeRSA, KeySize: 1024}), []error{ErrBadParameter}},
		{"create/oct 128", create(c, "k", CreateKeyParameters{Kty: KeyTypeOctHSM, KeySize: 128}), []error{ErrNotSupported}},
		{"create/P-256K", create(c, "k", CreateKeyParameters{Kty: KeyTypeEC, Curve: CurveP256K}), []error{ErrNotSupported}},
		{"create/bad curve", create(c, "k", CreateKeyParameters{Kty: KeyTypeEC, Curve: "P-999"}), []error{ErrBadParameter}},
		{"create/HSM in Standard", create(cs, "k", CreateKeyParameters{Kty: KeyTypeRSAHSM}), []error{ErrNotSupported}},
		{"create/oct in Standard", create(cs, "k", CreateKeyParameters{Kty: KeyTypeOctHSM}), []error{ErrNotSupported}},
		{"create/EC wrapKey op", create(c, "k", CreateKeyParameters{Kty: KeyTypeEC, KeyOps: []KeyOperation{OpWrapKey}}), []error{ErrBadParameter}},
		{"create/unknown op", create(c, "k", CreateKeyParameters{Kty: KeyTypeOctHSM, KeyOps: []KeyOperation{"fly"}}), []error{ErrBadParameter}},
		{"create/16 tags", create(c, "k", CreateKeyParameters{Kty: KeyTypeOctHSM, Tags: tags16}), []error{ErrBadParameter}},
		{"create/long tag", create(c, "k", CreateKeyParameters{Kty: KeyTypeOctHSM, Tags: map[string]string{"t": strings.Repeat("v", 257)}}), []error{ErrBadParameter}},
		{"create/exp before nbf", create(c, "k", CreateKeyParameters{Kty: KeyTypeOctHSM, NotBefore: &nbf, Expires: ptr(nbf.Add(-time.Second))}), []error{ErrBadParameter}},
		{"create/soft-deleted name", create(c, "GONE", CreateKeyParameters{Kty: KeyTypeOctHSM}), []error{ErrConflict, ErrDeletedButRecoverable}},
		{"create/forbidden", create(reader, "k", CreateKeyParameters{Kty: KeyTypeOctHSM}), []error{ErrForbidden}},
		{"create/no vault", create(w.client("kv-none", admin), "k", CreateKeyParameters{Kty: KeyTypeOctHSM}), []error{ErrNotFound}},
		{"get/missing", func() error { _, err := c.GetKey("nope", ""); return err }, []error{ErrNotFound}},
		{"get/bad version", func() error { _, err := c.GetKey("oct", "xyz"); return err }, []error{ErrBadParameter}},
		{"get/missing version", func() error { _, err := c.GetKey("oct", strings.Repeat("0", 32)); return err }, []error{ErrNotFound}},
		{"get/soft-deleted", func() error { _, err := c.GetKey("gone", ""); return err }, []error{ErrNotFound}},
		{"rotate/soft-deleted", func() error { _, err := c.RotateKey("gone"); return err }, []error{ErrNotFound}},
		{"rotate/forbidden", func() error { _, err := reader.RotateKey("oct"); return err }, []error{ErrForbidden}},
		{"update/bad window", func() error {
			_, err := c.UpdateKeyProperties("oct", "", UpdateKeyParameters{NotBefore: &nbf, Expires: ptr(nbf.Add(-time.Hour))})
			return err
		}, []error{ErrBadParameter}},
		{"update/EC ops", func() error {
			_, err := c.UpdateKeyProperties("ec", "", UpdateKeyParameters{KeyOps: []KeyOperation{OpUnwrapKey}})
			return err
		}, []error{ErrBadParameter}},
		{"update/forbidden", func() error { _, err := reader.UpdateKeyProperties("oct", "", UpdateKeyParameters{}); return err }, []error{ErrForbidden}},
		{"delete/soft-deleted", func() error { _, err := c.DeleteKey("gone"); return err }, []error{ErrNotFound}},
		{"get deleted/live", func() error { _, err := c.GetDeletedKey("oct"); return err }, []error{ErrNotFound, ErrNotDeleted}},
		{"recover/live", func() error { _, err := c.RecoverDeletedKey("oct"); return err }, []error{ErrNotDeleted}},
		{"purge/live", func() error { return c.PurgeDeletedKey("oct") }, []error{ErrNotDeleted}},
		{"purge/forbidden", func() error { return reader.PurgeDeletedKey("gone") }, []error{ErrForbidden}},
		{"versions/soft-deleted", func() error { _, err := c.ListKeyVersions("gone"); return err }, []error{ErrNotFound}},
		{"policy/too short", func() error {
			_, err := c.UpdateKeyRotationPolicy("oct", RotationPolicy{LifetimeActions: []LifetimeAction{{Action: ActionRotate, TimeAfterCreate: 6 * day}}})
			return err
		}, []error{ErrBadParameter}},
		{"policy/before expiry without expiry", func() error {
			_, err := c.UpdateKeyRotationPolicy("oct", RotationPolicy{LifetimeActions: []LifetimeAction{{Action: ActionRotate, TimeBeforeExpiry: 30 * day}}})
			return err
		}, []error{ErrBadParameter}},
		{"policy/both triggers", func() error {
			_, err := c.UpdateKeyRotationPolicy("oct", RotationPolicy{ExpiresIn: 90 * day, LifetimeActions: []LifetimeAction{{Action: ActionRotate, TimeAfterCreate: 30 * day, TimeBeforeExpiry: 30 * day}}})
			return err
		}, []error{ErrBadParameter}},
		{"policy/too close to expiry", func() error {
			_, err := c.UpdateKeyRotationPolicy("oct", RotationPolicy{ExpiresIn: 30 * day, LifetimeActions: []LifetimeAction{{Action: ActionRotate, TimeAfterCreate: 25 * day}}})
			return err
		}, []error{ErrBadParameter}},
		{"policy/notify after create", func() error {
			_, err := c.UpdateKeyRotationPolicy("oct", RotationPolicy{LifetimeActions: []LifetimeAction{{Action: ActionNotify, TimeAfterCreate: 30 * day}}})
			return err
		}, []error{ErrBadParameter}},
		{"policy/two rotates", func() error {
			_, err := c.UpdateKeyRotationPolicy("oct", RotationPolicy{LifetimeActions: []LifetimeAction{{Action: ActionRotate, TimeAfterCreate: 30 * day}, {Action: ActionRotate, TimeAfterCreate: 40 * day}}})
			return err
		}, []error{ErrBadParameter}},
		{"policy/forbidden get", func() error { _, err := w.client("kv-keys", desMI).GetKeyRotationPolicy("oct"); return err }, []error{ErrForbidden}},
	}
	runFailCases(t, w, cases)

	// Versions (F7): create under a live name and rotate add versions; the
	// newest is current; ids are versioned URLs with 32 hex characters.
	k2, err := c.CreateKey("OCT", CreateKeyParameters{Kty: KeyTypeOctHSM})
	wantErr(t, "CreateKey new version", err)
	k3, err := c.RotateKey("oct")
	wantErr(t, "RotateKey", err)
	vs, err := c.ListKeyVersions("oct")
	wantErr(t, "ListKeyVersions", err)
	if len(vs) != 3 || vs[1].ID != k2.ID || vs[2].ID != k3.ID || k3.Name != "oct" {
		t.Fatalf("versions %+v", vs)
	}
	if want := "https://kv-keys.vault.azure.net/keys/oct/" + k3.Version; k3.ID != want || len(k3.Version) != 32 {
		t.Fatalf("id %s", k3.ID)
	}
	cur, err := c.GetKey("oct", "")
	if err != nil || cur.ID != k3.ID || cur.Public != nil {
		t.Fatalf("GetKey current = %+v, %v", cur, err)
	}
	// Reader gets metadata (F38); lists are sorted.
	if _, err := reader.GetKey("oct", ""); err != nil {
		t.Fatal(err)
	}
	ks, err := reader.ListKeys()
	if err != nil || len(ks) != 2 || ks[0].Name != "ec" || ks[1].Name != "oct" {
		t.Fatalf("ListKeys = %+v, %v", ks, err)
	}
	dks, err := c.ListDeletedKeys()
	if err != nil || len(dks) != 1 || dks[0].Name != "gone" || !dks[0].ScheduledPurgeDate.Equal(sim0().Add(7*day)) {
		t.Fatalf("ListDeletedKeys = %+v, %v", dks, err)
	}
}

func sim0() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// TestCryptoRules covers F3, F4, F6, F10 and F11 on wrap, unwrap, encrypt
// and decrypt.
func TestCryptoRules(t *testing.T) {
	w := newWorld(t, 4)
	c := w.vault(props("kv-crypto"))
	now := w.clock.Now()
	oct := w.octKey(c, "oct")
	rsaK, err := c.CreateKey("rsa", CreateKeyParameters{Kty: KeyTypeRSA})
	wantErr(t, "CreateKey rsa", err)
	if _, err := c.CreateKey("ec", CreateKeyParameters{Kty: KeyTypeEC}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateKey("unwrap-only", CreateKeyParameters{Kty: KeyTypeOctHSM, KeyOps: []KeyOperation{OpUnwrapKey}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateKey("later", CreateKeyParameters{Kty: KeyTypeOctHSM, NotBefore: ptr(now.Add(day))}); err != nil {
		t.Fatal(err)
	}
	dek := dekPattern(0x11).Bytes()
	wOct, err := c.WrapKey("oct", "", envelope.A256KW, dek)
	wantErr(t, "WrapKey oct", err)
	wPad, err := c.WrapKey("oct", oct.Version, envelope.AESKeyWrapPad, []byte("seven b"))
	wantErr(t, "WrapKey pad", err)
	wRSA, err := c.WrapKey("rsa", "", envelope.RSAOAEP, dek)
	wantErr(t, "WrapKey rsa", err)
	eRSA, err := c.Encrypt("rsa", "", envelope.RSAOAEP256, []byte("hello"))
	wantErr(t, "Encrypt", err)
	if p, err := c.Decrypt("rsa", rsaK.Version, envelope.RSAOAEP256, eRSA.Result); err != nil || string(p) != "hello" {
		t.Fatalf("Decrypt = %q, %v", p, err)
	}
	if p, err := c.UnwrapKey("oct", "", envelope.AESKeyWrapPad, wPad.Result); err != nil || string(p) != "seven b" {
		t.Fatalf("Unwrap pad = %q, %v", p, err)
	}
	// Only wrap/unwrap permission: encrypt is separate (F5).
	if err := w.svc.AssignRole(owner, desMI, RoleCryptoServiceEncryptionUser, Scope{Vault: "kv-crypto"}); err != nil {
		t.Fatal(err)
	}
	des := w.client("kv-crypto", desMI)
	if _, err := des.WrapKey("rsa", "", envelope.RSAOAEP256, dek); err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(wOct.Result)
	tampered[3] ^= 1
	cases := []failCase{
		{"wrap/EC", func() error { _, err := c.WrapKey("ec", "", envelope.RSAOAEP256, dek); return err }, []error{ErrNotSupported}},
		{"unwrap/EC", func() error { _, err := c.UnwrapKey("ec", "", envelope.RSAOAEP256, wRSA.Result); return err }, []error{ErrNotSupported}},
		{"wrap/unknown alg", func() error { _, err := c.WrapKey("oct", "", "ROT13", dek); return err }, []error{ErrBadParameter}},
		{"wrap/A128KW on 256 key", func() error { _, err := c.WrapKey("oct", "", "A128KW", dek); return err }, []error{ErrBadParameter}},
		{"wrap/RSA1_5", func() error { _, err := c.WrapKey("rsa", "", "RSA1_5", dek); return err }, []error{ErrNotSupported}},
		{"wrap/RSA alg on oct", func() error { _, err := c.WrapKey("oct", "", envelope.RSAOAEP256, dek); return err }, []error{ErrBadParameter}},
		{"wrap/AES alg on RSA", func() error { _, err := c.WrapKey("rsa", "", envelope.A256KW, dek); return err }, []error{ErrBadParameter}},
		{"wrap/A256KW odd length", func() error { _, err := c.WrapKey("oct", "", envelope.A256KW, []byte("odd")); return err }, []error{ErrBadParameter}},
		{"wrap/RSA too long", func() error { _, err := c.WrapKey("rsa", "", envelope.RSAOAEP256, make([]byte, 300)); return err }, []error{ErrBadParameter}},
		{"wrap/key_ops", func() error { _, err := c.WrapKey("unwrap-only", "", envelope.A256KW, dek); return err }, []error{ErrNotSupported}},
		{"wrap/not yet valid", func() error { _, err := c.WrapKey("later", "", envelope.A256KW, dek); return err }, []error{ErrNotYetValid}},
		{"encrypt/oct", func() error { _, err := c.Encrypt("oct", "", envelope.A256KW, dek); return err }, []error{ErrNotSupported}},
		{"encrypt/forbidden (F5)", func() error { _, err := des.Encrypt("rsa", "", envelope.RSAOAEP256, dek); return err }, []error{ErrForbidden}},
		{"decrypt/forbidden (F5)", func() error { _, err := des.Decrypt("rsa", "", envelope.RSAOAEP256, eRSA.Result); return err }, []error{ErrForbidden}},
		{"unwrap/tampered", func() error { _, err := c.UnwrapKey("oct", "", envelope.A256KW, tampered); return err }, []error{ErrBadParameter, envelope.ErrUnwrap}},
		{"unwrap/wrong key", func() error { _, err := c.UnwrapKey("later", "", envelope.A256KW, wOct.Result); return err }, []error{envelope.ErrUnwrap}},
		{"unwrap/missing key", func() error { _, err := c.UnwrapKey("nope", "", envelope.A256KW, wOct.Result); return err }, []error{ErrNotFound}},
	}
	runFailCases(t, w, cases)

	// Expiry (F10): wrap and encrypt refused, unwrap and decrypt still work.
	for _, n := range []string{"oct", "rsa"} {
		if _, err := c.UpdateKeyProperties(n, "", UpdateKeyParameters{Expires: ptr(now.Add(time.Hour))}); err != nil {
			t.Fatal(err)
		}
	}
	w.clock.Advance(time.Hour)
	runFailCases(t, w, []failCase{
		{"wrap/expired", func() error { _, err := c.WrapKey("oct", "", envelope.A256KW, dek); return err }, []error{ErrExpired}},
		{"encrypt/expired", func() error { _, err := c.Encrypt("rsa", "", envelope.RSAOAEP256, dek); return err }, []error{ErrExpired}},
	})
	if p, err := c.UnwrapKey("oct", "", envelope.A256KW, wOct.Result); err != nil || !bytes.Equal(p, dek) {
		t.Fatalf("unwrap with expired key = %v", err)
	}
	if p, err := c.Decrypt("rsa", "", envelope.RSAOAEP256, eRSA.Result); err != nil || string(p) != "hello" {
		t.Fatalf("decrypt with expired key = %v", err)
	}
	// Disabled (F11): every crypto operation and GET refused, update allowed,
	// and the disabled check comes before the expiry exception.
	for _, n := range []string{"oct", "rsa"} {
		if _, err := c.UpdateKeyProperties(n, "", UpdateKeyParameters{Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
	}
	runFailCases(t, w, []failCase{
		{"unwrap/disabled", func() error { _, err := c.UnwrapKey("oct", "", envelope.A256KW, wOct.Result); return err }, []error{ErrDisabled}},
		{"wrap/disabled", func() error { _, err := c.WrapKey("oct", "", envelope.A256KW, dek); return err }, []error{ErrDisabled}},
		{"decrypt/disabled", func() error { _, err := c.Decrypt("rsa", "", envelope.RSAOAEP256, eRSA.Result); return err }, []error{ErrDisabled}},
		{"get/disabled", func() error { _, err := c.GetKey("rsa", ""); return err }, []error{ErrDisabled}},
	})
	_, err = c.GetKey("oct", "")
	var ve *Error
	if !errors.As(err, &ve) || ve.Code != "KeyDisabled" || ve.Status != 403 {
		t.Fatalf("disabled GET = %#v", err)
	}
	if _, err := c.UpdateKeyProperties("oct", "", UpdateKeyParameters{Enabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UnwrapKey("oct", "", envelope.A256KW, wOct.Result); err != nil {
		t.Fatalf("unwrap after re-enable = %v", err)
	}
}

// TestSoftDelete covers F19-F27 for keys and secrets.
func TestSoftDelete(t *testing.T) {
	for _, protect := range []bool{false, true} {
		t.Run(fmt.Sprint("protect=", protect), func(t *testing.T) {
			w := newWorld(t, 5)
			p := props("kv-sd")
			p.EnablePurgeProtection = protect
			p.SoftDeleteRetentionDays = 10
			c := w.vault(p)
			k1 := w.octKey(c, "k")
			wr, err := c.WrapKey("k", "", envelope.A256KW, dekPattern(1).Bytes())
			wantErr(t, "wrap", err)
			if _, err := c.UpdateKeyProperties("k", k1.Version, UpdateKeyParameters{Tags: map[string]string{"a": "b"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.RotateKey("k"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.UpdateKeyProperties("k", "", UpdateKeyParameters{Enabled: ptr(false)}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.SetSecret("s", []byte("pw"), SetSecretOptions{ContentType: "text/plain"}); err != nil {
				t.Fatal(err)
			}
			beforeVersions, _ := c.ListKeyVersions("k")
			if _, err := c.DeleteKey("k"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.DeleteSecret("s"); err != nil {
				t.Fatal(err)
			}
			// Inert (F23) and reserved (F24).
			runFailCases(t, w, []failCase{
				{"unwrap deleted", func() error { _, err := c.UnwrapKey("k", k1.Version, envelope.A256KW, wr.Result); return err }, []error{ErrNotFound}},
				{"get deleted secret", func() error { _, err := c.GetSecret("s", ""); return err }, []error{ErrNotFound}},
				{"set reserved secret", func() error { _, err := c.SetSecret("s", []byte("x"), SetSecretOptions{}); return err }, []error{ErrDeletedButRecoverable}},
				{"backup deleted", func() error { _, err := c.BackupKey("k"); return err }, []error{ErrNotFound}},
			})
			if _, err := c.GetDeletedSecret("s"); err != nil {
				t.Fatal(err)
			}
			// Purge by anyone, even the administrator, is refused under
			// purge protection (F27).
			w.clock.Advance(10*day - time.Second)
			err = c.PurgeDeletedSecret("s")
			if protect {
				wantErr(t, "PurgeDeletedSecret", err, ErrPurgeProtected)
			} else {
				wantErr(t, "PurgeDeletedSecret", err)
			}
			// Recover brings back every version with its attributes (F25).
			if _, err := c.RecoverDeletedKey("k"); err != nil {
				t.Fatal(err)
			}
			after, _ := c.ListKeyVersions("k")
			if fmt.Sprint(after) != fmt.Sprint(beforeVersions) {
				t.Fatalf("recover changed versions:\n%v\n%v", beforeVersions, after)
			}
			if p, err := c.UnwrapKey("k", k1.Version, envelope.A256KW, wr.Result); err != nil || !bytes.Equal(p, dekPattern(1).Bytes()) {
				t.Fatalf("unwrap after recover = %v", err)
			}
			// Automatic purge at the end of retention (F26), also under
			// purge protection.
			if _, err := c.DeleteKey("k"); err != nil {
				t.Fatal(err)
			}
			w.clock.Advance(10*day - time.Nanosecond)
			if _, err := c.GetDeletedKey("k"); err != nil {
				t.Fatalf("purged early: %v", err)
			}
			w.clock.Advance(time.Nanosecond)
			_, err = c.GetDeletedKey("k")
			wantErr(t, "GetDeletedKey after retention", err, ErrNotFound)
			if _, err := c.CreateKey("k", CreateKeyParameters{Kty: KeyTypeOctHSM}); err != nil {
				t.Fatalf("name not free after purge: %v", err)
			}
		})
	}
}

func TestSecretCalls(t *testing.T) {
	w := newWorld(t, 6)
	c := w.vault(props("kv-sec"))
	v1, err := c.SetSecret("bek", []byte("first"), SetSecretOptions{ContentType: "Wrapped BEK", Tags: map[string]string{"MachineName": "vm1"}})
	wantErr(t, "SetSecret", err)
	v2, err := c.SetSecret("BEK", []byte("second"), SetSecretOptions{})
	wantErr(t, "SetSecret v2", err)
	if v2.Name != "bek" || v2.Version == v1.Version {
		t.Fatalf("v2 = %+v", v2)
	}
	got, err := c.GetSecret("bek", v1.Version)
	if err != nil || string(got.Value()) != "first" || got.Properties.ContentType != "Wrapped BEK" {
		t.Fatalf("GetSecret v1 = %v", err)
	}
	got, err = c.GetSecret("bek", "")
	if err != nil || string(got.Value()) != "second" {
		t.Fatalf("GetSecret current = %v", err)
	}
	if err := w.svc.AssignRole(owner, alice, RoleReader, Scope{Vault: "kv-sec"}); err != nil {
		t.Fatal(err)
	}
	reader := w.client("kv-sec", alice)
	if _, err := c.UpdateSecretProperties("bek", v1.Version, UpdateSecretParameters{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	runFailCases(t, w, []failCase{
		{"set/too large", func() error { _, err := c.SetSecret("big", make([]byte, 25*1024+1), SetSecretOptions{}); return err }, []error{ErrBadParameter}},
		{"set/content type", func() error {
			_, err := c.SetSecret("x", nil, SetSecretOptions{ContentType: strings.Repeat("c", 256)})
			return err
		}, []error{ErrBadParameter}},
		{"set/bad name", func() error { _, err := c.SetSecret("x y", nil, SetSecretOptions{}); return err }, []error{ErrBadParameter}},
		{"get/disabled", func() error { _, err := c.GetSecret("bek", v1.Version); return err }, []error{ErrDisabled}},
		{"get/reader has no secret get", func() error { _, err := reader.GetSecret("bek", ""); return err }, []error{ErrForbidden}},
		{"get/missing", func() error { _, err := c.GetSecret("nope", ""); return err }, []error{ErrNotFound}},
		{"update/content type", func() error {
			_, err := c.UpdateSecretProperties("bek", "", UpdateSecretParameters{ContentType: ptr(strings.Repeat("c", 256))})
			return err
		}, []error{ErrBadParameter}},
		{"recover/live", func() error { _, err := c.RecoverDeletedSecret("bek"); return err }, []error{ErrNotDeleted}},
		{"purge/live", func() error { return c.PurgeDeletedSecret("bek") }, []error{ErrNotDeleted}},
		{"restore/garbage", func() error { _, err := c.RestoreSecret([]byte("junk")); return err }, []error{ErrBadParameter}},
	})
	var ve *Error
	_, err = c.GetSecret("bek", v1.Version)
	if !errors.As(err, &ve) || ve.Code != "SecretDisabled" || ve.Status != 403 {
		t.Fatalf("disabled secret = %v", err)
	}
	if ls, err := reader.ListSecrets(); err != nil || len(ls) != 1 {
		t.Fatalf("reader ListSecrets = %v, %v", ls, err)
	}
	// Expired secrets are still returned, as the service does.
	if _, err := c.UpdateSecretProperties("bek", "", UpdateSecretParameters{Expires: ptr(w.clock.Now())}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSecret("bek", ""); err != nil {
		t.Fatalf("expired secret: %v", err)
	}
	vs, err := c.ListSecretVersions("bek")
	if err != nil || len(vs) != 2 {
		t.Fatalf("ListSecretVersions = %v, %v", vs, err)
	}
	// Redaction of Secret under every verb.
	got, _ = c.GetSecret("bek", "")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		if out := fmt.Sprintf(verb, got); strings.Contains(out, "second") || strings.Contains(out, hexs([]byte("second"))) {
			t.Fatalf("%s leaks the secret: %s", verb, out)
		}
		if out := fmt.Sprintf(verb, []Secret{got}); strings.Contains(out, "second") {
			t.Fatalf("%s of a slice leaks the secret: %s", verb, out)
		}
	}
}

// TestBackupRestore covers F33-F36.
func TestBackupRestore(t *testing.T) {
	w := newWorld(t, 7)
	src := w.vault(props("kv-src"))
	dst := w.vault(props("kv-dst"))
	pUS := props("kv-us")
	pUS.Geography, pUS.Region = "United States", "eastus"
	us := w.vault(pUS)
	pSub := props("kv-other-sub")
	pSub.Subscription = "sub-2"
	other := w.vault(pSub)

	k1 := w.octKey(src, "kek")
	dek := dekPattern(0xA5)
	kekC, _ := src.KEK(k1.ID, envelope.A256KW)
	wr1, err := kekC.Wrap(dek)
	wantErr(t, "wrap", err)
	if _, err := src.UpdateKeyProperties("kek", "", UpdateKeyParameters{Tags: map[string]string{"env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	k2, _ := src.RotateKey("kek")
	if _, err := src.CreateKey("rsa", CreateKeyParameters{Kty: KeyTypeRSA, KeySize: 2048}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateKey("ec", CreateKeyParameters{Kty: KeyTypeEC, Curve: CurveP384}); err != nil {
		t.Fatal(err)
	}
	secretVal := bytes.Repeat([]byte{0x5A}, 48)
	if _, err := src.SetSecret("bek", secretVal, SetSecretOptions{ContentType: "BEK"}); err != nil {
		t.Fatal(err)
	}
	blob, err := src.BackupKey("kek")
	wantErr(t, "BackupKey", err)
	sblob, err := src.BackupSecret("bek")
	wantErr(t, "BackupSecret", err)
	rblob, err := src.BackupKey("rsa")
	wantErr(t, "BackupKey rsa", err)
	eblob, err := src.BackupKey("ec")
	wantErr(t, "BackupKey ec", err)

	// No plaintext material in any blob.
	src.s.mu.Lock()
	var mats [][]byte
	for _, n := range []string{"kek", "rsa", "ec"} {
		for _, kv := range src.s.vaults["kv-src"].keys[n].versions {
			m, _ := kv.mat.marshal()
			mats = append(mats, m)
			if kv.mat.rsa != nil {
				mats = append(mats, kv.mat.rsa.D.Bytes(), kv.mat.rsa.Primes[0].Bytes())
			}
		}
	}
	src.s.mu.Unlock()
	mats = append(mats, secretVal)
	for _, b := range [][]byte{blob, sblob, rblob, eblob} {
		for _, m := range mats {
			for _, enc := range [][]byte{m, []byte(hexs(m)), []byte(base64.StdEncoding.EncodeToString(m)), m[:16]} {
				if bytes.Contains(b, enc) {
					t.Fatal("backup blob holds plaintext key material")
				}
			}
		}
	}

	// Tampering anywhere is rejected, and changes nothing.
	var tamper []failCase
	for _, i := range []int{0, 4, 5, 7, 12, len(blob) - 40, len(blob) - 1} {
		b := bytes.Clone(blob)
		b[i] ^= 0x01
		tamper = append(tamper, failCase{fmt.Sprint("tampered byte ", i), func() error { _, err := dst.RestoreKey(b); return err }, []error{ErrBadParameter}})
	}
	tamper = append(tamper,
		failCase{"truncated", func() error { _, err := dst.RestoreKey(blob[:len(blob)-1]); return err }, []error{ErrBadParameter}},
		failCase{"secret blob as key", func() error { _, err := dst.RestoreKey(sblob); return err }, []error{ErrBadParameter}},
		failCase{"other geography", func() error { _, err := us.RestoreKey(blob); return err }, []error{ErrOtherGeography}},
		failCase{"other subscription", func() error { _, err := other.RestoreKey(blob); return err }, []error{ErrOtherSubscription}},
		failCase{"existing name", func() error { _, err := src.RestoreKey(blob); return err }, []error{ErrConflict}},
		failCase{"secret other geography", func() error { _, err := us.RestoreSecret(sblob); return err }, []error{ErrOtherGeography}},
	)
	runFailCases(t, w, tamper)

	// Restore into another vault of the same subscription and geography
	// brings every version back with ids and attributes (F34).
	rk, err := dst.RestoreKey(blob)
	wantErr(t, "RestoreKey", err)
	if rk.Version != k2.Version || rk.Name != "kek" {
		t.Fatalf("restored %+v", rk)
	}
	vs, _ := dst.ListKeyVersions("kek")
	if len(vs) != 2 || vs[0].Version != k1.Version || vs[0].Tags["env"] != "prod" {
		t.Fatalf("restored versions %+v", vs)
	}
	for _, b := range [][]byte{rblob, eblob} {
		if _, err := dst.RestoreKey(b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dst.RestoreSecret(sblob); err != nil {
		t.Fatal(err)
	}
	if s, err := dst.GetSecret("bek", ""); err != nil || !bytes.Equal(s.Value(), secretVal) {
		t.Fatalf("restored secret = %v", err)
	}
	// The restored copy unwraps the DEK wrapped by the original (same
	// material, same version id), and is independent afterwards (F35).
	if _, err := src.DeleteKey("kek"); err != nil {
		t.Fatal(err)
	}
	if err := src.PurgeDeletedKey("kek"); err != nil {
		t.Fatal(err)
	}
	p, err := dst.UnwrapKey("kek", k1.Version, envelope.A256KW, wr1.Ciphertext)
	if err != nil || !bytes.Equal(p, dek.Bytes()) {
		t.Fatalf("restored copy cannot unwrap: %v", err)
	}
	// A blob restores again after the original was purged, but never over
	// a soft-deleted name (F34, F24).
	if _, err := dst.DeleteKey("kek"); err != nil {
		t.Fatal(err)
	}
	runFailCases(t, w, []failCase{{"soft-deleted name", func() error { _, err := dst.RestoreKey(blob); return err }, []error{ErrDeletedButRecoverable}}})
	if _, err := src.RestoreKey(blob); err != nil {
		t.Fatalf("restore into the source after purge: %v", err)
	}
}

// TestTooManyVersions covers F36.
func TestTooManyVersions(t *testing.T) {
	w := newWorld(t, 8)
	c := w.vault(props("kv-many"))
	w.octKey(c, "k")
	for range 500 {
		if _, err := c.RotateKey("k"); err != nil {
			t.Fatal(err)
		}
	}
	runFailCases(t, w, []failCase{{"501 versions", func() error { _, err := c.BackupKey("k"); return err }, []error{ErrTooManyVersions}}})
}

// TestRotation: a rotation never breaks unwrap of DEKs wrapped by older
// versions while they are enabled (F13); Wrapped names the exact version.
func TestRotation(t *testing.T) {
	w := newWorld(t, 9)
	c := w.vault(props("kv-rot"))
	for _, kt := range []KeyType{KeyTypeOctHSM, KeyTypeRSA} {
		t.Run(string(kt), func(t *testing.T) {
			name := "k-" + strings.ToLower(string(kt))
			if _, err := c.CreateKey(name, CreateKeyParameters{Kty: kt}); err != nil {
				t.Fatal(err)
			}
			alg := envelope.A256KW
			if kt == KeyTypeRSA {
				alg = envelope.RSAOAEP256
			}
			kek, err := c.KEK(objectID("kv-rot", "keys", name, ""), alg)
			wantErr(t, "KEK", err)
			var wraps []*envelope.Wrapped
			var deks []*envelope.DEK
			for i := range 3 {
				d := dekPattern(byte(i + 1))
				wr, err := kek.Wrap(d)
				wantErr(t, "Wrap", err)
				cur, _ := c.GetKey(name, "")
				if wr.KeyID != cur.ID || kek.KeyID() != cur.ID {
					t.Fatalf("Wrapped names %s, current is %s", wr.KeyID, cur.ID)
				}
				wraps, deks = append(wraps, wr), append(deks, d)
				if _, err := c.RotateKey(name); err != nil {
					t.Fatal(err)
				}
			}
			for i, wr := range wraps {
				d, err := kek.Unwrap(wr)
				if err != nil || !d.Equal(deks[i]) {
					t.Fatalf("unwrap of DEK %d after rotations: %v", i, err)
				}
			}
			// Disabling the oldest version breaks only its DEKs.
			_, _, _, v0, _ := ParseID(wraps[0].KeyID)
			if _, err := c.UpdateKeyProperties(name, v0, UpdateKeyParameters{Enabled: ptr(false)}); err != nil {
				t.Fatal(err)
			}
			_, err = kek.Unwrap(wraps[0])
			wantErr(t, "unwrap of a disabled version", err, ErrDisabled)
			if _, err := kek.Unwrap(wraps[1]); err != nil {
				t.Fatal(err)
			}
			// A versioned KEK refuses a DEK of another version.
			vk, _ := c.KEK(wraps[1].KeyID, alg)
			_, err = vk.Unwrap(wraps[2])
			wantErr(t, "versioned KEK, other version", err, envelope.ErrUnwrap)
		})
	}
}

// TestRotationPolicy covers F14: the policy rotates on the simulated clock,
// each rotation at its own time, recorded under the system principal, and
// new versions get the policy's expiry.
func TestRotationPolicy(t *testing.T) {
	w := newWorld(t, 10)
	c := w.vault(props("kv-pol"))
	k := w.octKey(c, "k")
	pol := RotationPolicy{ExpiresIn: 60 * day, LifetimeActions: []LifetimeAction{
		{Action: ActionRotate, TimeAfterCreate: 30 * day}, {Action: ActionNotify, TimeBeforeExpiry: 10 * day}}}
	got, err := c.UpdateKeyRotationPolicy("k", pol)
	wantErr(t, "UpdateKeyRotationPolicy", err)
	if g, _ := c.GetKeyRotationPolicy("k"); fmt.Sprint(g) != fmt.Sprint(got) || !got.Updated.Equal(sim0()) {
		t.Fatalf("policy = %+v", g)
	}
	dek := dekPattern(7)
	wr, _ := c.WrapKey("k", "", envelope.A256KW, dek.Bytes())
	w.clock.Advance(100 * day)
	vs, err := c.ListKeyVersions("k")
	wantErr(t, "ListKeyVersions", err)
	// Rotations at day 30, 60, 90; each new version expires 60 days later.
	if len(vs) != 4 {
		t.Fatalf("%d versions after 100 days, want 4", len(vs))
	}
	for i, v := range vs[1:] {
		at := sim0().Add(time.Duration(30*(i+1)) * day)
		if !v.Created.Equal(at) || v.Expires == nil || !v.Expires.Equal(at.Add(60*day)) {
			t.Fatalf("version %d created %s expires %v", i+1, v.Created, v.Expires)
		}
	}
	var sys []string
	for _, e := range w.svc.AuditLog() {
		if e.Caller.ID == SystemID {
			sys = append(sys, e.Time.Sub(sim0()).String()+" "+e.Operation)
		}
	}
	want := []string{"720h0m0s RotateKey", "1440h0m0s RotateKey", "2160h0m0s RotateKey"}
	if fmt.Sprint(sys) != fmt.Sprint(want) {
		t.Fatalf("system events %v, want %v", sys, want)
	}
	if p, err := c.UnwrapKey("k", k.Version, envelope.A256KW, wr.Result); err != nil || !bytes.Equal(p, dek.Bytes()) {
		t.Fatalf("old DEK after policy rotations: %v", err)
	}
	// Notify: a version that lives to its expiry raises one event 10 days
	// before it. Remove the rotate action so the current version ages.
	if _, err := c.UpdateKeyRotationPolicy("k", RotationPolicy{ExpiresIn: 60 * day, LifetimeActions: []LifetimeAction{{Action: ActionNotify, TimeBeforeExpiry: 10 * day}}}); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(60 * day)
	if _, err := c.GetKeyRotationPolicy("k"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range w.svc.AuditLog() {
		if e.Operation == "KeyNearExpiry" {
			n++
			if want := vs[3].Expires.Add(-10 * day); !e.Time.Equal(want) || e.ObjectID != vs[3].ID {
				t.Fatalf("notify %+v, want at %s", e, want)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d notifications, want 1", n)
	}
}

// TestAuthorization checks the role table of F38, the access-policy model of
// F17, and F29.
func TestAuthorization(t *testing.T) {
	w := newWorld(t, 11)
	c := w.vault(props("kv-auth"))
	w.octKey(c, "k")
	if _, err := c.SetSecret("s", []byte("v"), SetSecretOptions{}); err != nil {
		t.Fatal(err)
	}
	wr, _ := c.WrapKey("k", "", envelope.A256KW, dekPattern(3).Bytes())
	type ops struct{ getKey, wrap, unwrap, rotate, getSecret, setSecret, purge bool }
	try := func(cl *Client) ops {
		var o ops
		_, err := cl.GetKey("k", "")
		o.getKey = err == nil
		_, err = cl.WrapKey("k", "", envelope.A256KW, dekPattern(3).Bytes())
		o.wrap = err == nil
		_, err = cl.UnwrapKey("k", "", envelope.A256KW, wr.Result)
		o.unwrap = err == nil
		_, err = cl.GetKeyRotationPolicy("k")
		_ = err
		_, err = cl.GetSecret("s", "")
		o.getSecret = err == nil
		_, err = cl.UpdateSecretProperties("s", "", UpdateSecretParameters{})
		o.setSecret = err == nil
		err = cl.PurgeDeletedKey("none")
		o.purge = !errors.Is(err, ErrForbidden)
		for _, e := range []error{err} {
			_ = e
		}
		return o
	}
	table := []struct {
		role Role
		want ops
	}{
		{RoleAdministrator, ops{true, true, true, false, true, true, true}},
		{RoleCryptoOfficer, ops{true, true, true, false, false, false, true}},
		{RoleCryptoUser, ops{true, true, true, false, false, false, false}},
		{RoleCryptoServiceEncryptionUser, ops{true, true, true, false, false, false, false}},
		{RoleSecretsOfficer, ops{false, false, false, false, true, true, false}},
		{RoleSecretsUser, ops{false, false, false, false, true, false, false}},
		{RoleReader, ops{true, false, false, false, false, false, false}},
		{RolePurgeOperator, ops{}},
	}
	for i, tc := range table {
		p := Principal{ID: fmt.Sprint("p", i), Kind: KindUser}
		if err := w.svc.AssignRole(owner, p, tc.role, Scope{Vault: "kv-auth"}); err != nil {
			t.Fatal(err)
		}
		if got := try(w.client("kv-auth", p)); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.role, got, tc.want)
		}
	}
	// A subscription-scoped role applies to every vault of the subscription.
	if err := w.svc.AssignRole(owner, alice, RoleCryptoUser, Scope{Subscription: "sub-1"}); err != nil {
		t.Fatal(err)
	}
	ac := w.client("kv-auth", alice)
	if _, err := ac.UnwrapKey("k", "", envelope.A256KW, wr.Result); err != nil {
		t.Fatal(err)
	}
	// Switching to access policies ignores roles (F17); policies grant
	// per permission; switching back restores role evaluation.
	if _, err := w.svc.UpdateVault(owner, "kv-auth", VaultUpdate{AuthModel: ptr(AuthAccessPolicies)}); err != nil {
		t.Fatal(err)
	}
	_, err := ac.UnwrapKey("k", "", envelope.A256KW, wr.Result)
	wantErr(t, "unwrap under access policies without one", err, ErrForbidden)
	if err := w.svc.SetAccessPolicy(owner, "kv-auth", AccessPolicy{ObjectID: desMI.ID, Keys: []string{"get", "WRAPKEY", "unwrapKey"}}); err != nil {
		t.Fatal(err)
	}
	des := w.client("kv-auth", desMI)
	if _, err := des.UnwrapKey("k", "", envelope.A256KW, wr.Result); err != nil {
		t.Fatal(err)
	}
	_, err = des.RotateKey("k")
	wantErr(t, "rotate without permission", err, ErrForbidden)
	// F29: delete and recover the vault: access policies come back, vault
	// role assignments do not (subscription-scoped ones are untouched).
	if _, err := w.svc.DeleteVault(owner, "kv-auth"); err != nil {
		t.Fatal(err)
	}
	_, err = des.UnwrapKey("k", "", envelope.A256KW, wr.Result)
	wantErr(t, "unwrap in a deleted vault", err, ErrNotFound)
	if _, err := w.svc.RecoverDeletedVault(owner, "kv-auth"); err != nil {
		t.Fatal(err)
	}
	if _, err := des.UnwrapKey("k", "", envelope.A256KW, wr.Result); err != nil {
		t.Fatalf("access policy not restored with the vault: %v", err)
	}
	if _, err := w.svc.UpdateVault(owner, "kv-auth", VaultUpdate{AuthModel: ptr(AuthRBAC)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetKey("k", "")
	wantErr(t, "admin role after vault recovery", err, ErrForbidden)
	if _, err := ac.UnwrapKey("k", "", envelope.A256KW, wr.Result); err != nil {
		t.Fatalf("subscription-scoped role lost: %v", err)
	}
}

// TestNoMaterialInOutputs runs a scenario with recognizable DEK and secret
// bytes and searches every output for them: audit JSON, errors, and every
// returned value under several verbs.
func TestNoMaterialInOutputs(t *testing.T) {
	w := newWorld(t, 12)
	c := w.vault(props("kv-leak"))
	dek := dekPattern(0xA5)
	secret := bytes.Repeat([]byte{0xC3}, 32)
	var outs []any
	k := w.octKey(c, "oct")
	r, _ := c.CreateKey("rsa", CreateKeyParameters{Kty: KeyTypeRSA})
	outs = append(outs, k, r)
	for _, n := range []string{"oct", "rsa"} {
		alg := envelope.A256KW
		if n == "rsa" {
			alg = envelope.RSAOAEP256
		}
		res, err := c.WrapKey(n, "", alg, dek.Bytes())
		wantErr(t, "wrap", err)
		_, err = c.UnwrapKey(n, "", alg, res.Result)
		wantErr(t, "unwrap", err)
		bad := bytes.Clone(res.Result)
		bad[0] ^= 1
		_, err = c.UnwrapKey(n, "", alg, bad)
		outs = append(outs, res, err)
		kek, _ := c.KEK(objectID("kv-leak", "keys", n, ""), alg)
		wr, _ := kek.Wrap(dek)
		_, err = kek.Unwrap(wr)
		outs = append(outs, kek, wr, err)
	}
	sp, _ := c.SetSecret("s", secret, SetSecretOptions{})
	s, _ := c.GetSecret("s", "")
	blob, _ := c.BackupSecret("s")
	_, err := c.SetSecret("s", append(secret, make([]byte, 30000)...), SetSecretOptions{})
	outs = append(outs, sp, s, blob, err, w.svc, c, testPool)
	var buf bytes.Buffer
	if err := w.svc.WriteJSONLines(&buf); err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%s"} {
			fmt.Fprintf(&buf, verb+"\n", o)
		}
	}
	out := buf.String()
	for _, m := range [][]byte{dek.Bytes(), secret} {
		for _, enc := range []string{string(m), hexs(m), strings.ToUpper(hexs(m)), base64.StdEncoding.EncodeToString(m),
			base64.RawURLEncoding.EncodeToString(m), fmt.Sprint(m), fmt.Sprintf("%#v", m)} {
			if strings.Contains(out, enc) {
				t.Fatalf("output contains key material (%q...)", enc[:8])
			}
		}
	}
	if !strings.Contains(out, `"operation":"UnwrapKey"`) {
		t.Fatal("audit JSON missing events")
	}
}
