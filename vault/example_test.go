package vault_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/atrest-sim/atrest/envelope"
	"github.com/atrest-sim/atrest/internal/sim"
	"github.com/atrest-sim/atrest/vault"
)

var (
	owner = vault.Principal{ID: "owner", Kind: vault.KindUser}
	admin = vault.Principal{ID: "admin", Kind: vault.KindUser}
)

// newVault returns a service, its clock, and an administrator's client of a
// new Premium vault in sub-1, Europe.
func newVault(name string, purgeProtection bool) (*vault.Service, *sim.Clock, *vault.Client) {
	clock := sim.NewClock(sim.Epoch())
	svc, err := vault.New(vault.Config{Clock: clock, Rand: envelope.NewSeededReader(1)})
	if err != nil {
		panic(err)
	}
	_, err = svc.CreateVault(owner, vault.VaultProperties{
		Name: name, Tenant: "contoso", Subscription: "sub-1", Region: "westeurope", Geography: "Europe",
		SKU: vault.SKUPremium, SoftDeleteRetentionDays: 7, EnablePurgeProtection: purgeProtection,
	})
	if err != nil {
		panic(err)
	}
	if err := svc.AssignRole(owner, admin, vault.RoleAdministrator, vault.Scope{Vault: name}); err != nil {
		panic(err)
	}
	c, err := svc.Client(name, admin)
	if err != nil {
		panic(err)
	}
	return svc, clock, c
}

// A soft-deleted key is inert and its name reserved until it is recovered,
// with all its versions (F23-F25).
func Example_softDeleteAndRecover() {
	_, _, c := newVault("kv-example", false)
	k, _ := c.CreateKey("kek", vault.CreateKeyParameters{Kty: vault.KeyTypeOctHSM})
	c.RotateKey("kek")
	wrapped, _ := c.WrapKey("kek", k.Version, envelope.A256KW, make([]byte, 32))

	d, _ := c.DeleteKey("kek")
	fmt.Println("purge scheduled after:", d.ScheduledPurgeDate.Sub(d.DeletedDate))
	_, err := c.UnwrapKey("kek", k.Version, envelope.A256KW, wrapped.Result)
	fmt.Println("unwrap while deleted is not found:", errors.Is(err, vault.ErrNotFound))
	_, err = c.CreateKey("kek", vault.CreateKeyParameters{Kty: vault.KeyTypeOctHSM})
	fmt.Println("name reserved:", errors.Is(err, vault.ErrDeletedButRecoverable))

	c.RecoverDeletedKey("kek")
	versions, _ := c.ListKeyVersions("kek")
	_, err = c.UnwrapKey("kek", k.Version, envelope.A256KW, wrapped.Result)
	fmt.Println("versions after recover:", len(versions), "unwrap error:", err)
	// Output:
	// purge scheduled after: 168h0m0s
	// unwrap while deleted is not found: true
	// name reserved: true
	// versions after recover: 2 unwrap error: <nil>
}

// Purge protection refuses a purge before retention ends, whoever asks; the
// service purges the key itself when retention ends (F26, F27).
func Example_purgeProtection() {
	svc, clock, c := newVault("kv-protected", true)
	c.CreateKey("kek", vault.CreateKeyParameters{Kty: vault.KeyTypeOctHSM})
	c.DeleteKey("kek")

	err := c.PurgeDeletedKey("kek")
	var ve *vault.Error
	errors.As(err, &ve)
	fmt.Println(errors.Is(err, vault.ErrPurgeProtected), ve.Code, ve.Status)
	_, err = svc.UpdateVault(owner, "kv-protected", vault.VaultUpdate{EnablePurgeProtection: new(bool)})
	fmt.Println("turn protection off:", errors.Is(err, vault.ErrImmutable))

	clock.Advance(7 * 24 * time.Hour)
	_, err = c.GetDeletedKey("kek")
	fmt.Println("after retention, deleted key found:", err == nil)
	last := svc.AuditLog()[len(svc.AuditLog())-2]
	fmt.Println(last.Caller.ID, last.Operation, last.Result)
	// Output:
	// true Forbidden 403
	// turn protection off: true
	// after retention, deleted key found: false
	// Microsoft.KeyVault PurgeDeletedKey OK
}

// A rotated key still unwraps DEKs wrapped by its older versions: every
// Wrapped names the exact version that wrapped it (F7, F13).
func Example_rotation() {
	_, _, c := newVault("kv-rotate", false)
	k, _ := c.CreateKey("kek", vault.CreateKeyParameters{Kty: vault.KeyTypeOctHSM})
	kek, _ := c.KEK("https://kv-rotate.vault.azure.net/keys/kek", envelope.A256KW)

	dek, _ := envelope.GenerateDEK(envelope.NewSeededReader(42))
	wrapped, _ := kek.Wrap(dek)
	fmt.Println("wrapped by the first version:", wrapped.KeyID == k.ID)

	k2, _ := c.RotateKey("kek")
	fresh, _ := kek.Wrap(dek)
	fmt.Println("new DEKs use the new version:", fresh.KeyID == k2.ID)

	got, err := kek.Unwrap(wrapped)
	fmt.Println("old DEK unwraps:", err == nil && got.Equal(dek))
	// Output:
	// wrapped by the first version: true
	// new DEKs use the new version: true
	// old DEK unwraps: true
}

// A key backup restores only into a vault of the same subscription and
// geography (F33).
func Example_backupOtherGeography() {
	svc, _, c := newVault("kv-europe", false)
	c.CreateKey("kek", vault.CreateKeyParameters{Kty: vault.KeyTypeOctHSM})
	blob, _ := c.BackupKey("kek")

	svc.CreateVault(owner, vault.VaultProperties{
		Name: "kv-america", Tenant: "contoso", Subscription: "sub-1", Region: "eastus", Geography: "United States",
		SKU: vault.SKUPremium,
	})
	svc.AssignRole(owner, admin, vault.RoleAdministrator, vault.Scope{Vault: "kv-america"})
	us, _ := svc.Client("kv-america", admin)
	_, err := us.RestoreKey(blob)
	fmt.Println(errors.Is(err, vault.ErrOtherGeography))
	fmt.Println(err)
	// Output:
	// true
	// vault: RestoreKey kv-america: BadParameter (400): backups restore only into a vault of the same geography, here "United States" not "Europe" (F33)
}

// Disabling a key stops every cryptographic use and GET; an expired key
// still unwraps but no longer wraps (F10, F11).
func ExampleClient_UnwrapKey() {
	_, clock, c := newVault("kv-states", false)
	exp := clock.Now().Add(24 * time.Hour)
	c.CreateKey("kek", vault.CreateKeyParameters{Kty: vault.KeyTypeOctHSM, Expires: &exp})
	w, _ := c.WrapKey("kek", "", envelope.A256KW, make([]byte, 32))

	clock.Advance(2 * 24 * time.Hour)
	_, err := c.WrapKey("kek", "", envelope.A256KW, make([]byte, 32))
	fmt.Println("wrap after exp:", errors.Is(err, vault.ErrExpired))
	_, err = c.UnwrapKey("kek", "", envelope.A256KW, w.Result)
	fmt.Println("unwrap after exp:", err)

	disabled := false
	c.UpdateKeyProperties("kek", "", vault.UpdateKeyParameters{Enabled: &disabled})
	_, err = c.UnwrapKey("kek", "", envelope.A256KW, w.Result)
	var ve *vault.Error
	errors.As(err, &ve)
	fmt.Println("unwrap when disabled:", ve.Code, ve.Status)
	// Output:
	// wrap after exp: true
	// unwrap after exp: <nil>
	// unwrap when disabled: KeyDisabled 403
}
