package azsdk_test

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/atrest-sim/atrest/envelope"
)

// BenchmarkUnwrapKey measures an A256KW unwrap through the SDK client and
// the adapter against the baseline of the same unwrap called directly on
// the vault client (authorization and audit in both). The difference is
// the cost of the SDK pipeline and JSON serialization.
func BenchmarkUnwrapKey(b *testing.B) {
	w := newWorld(b, 1)
	w.vault("kv1", 7, false)
	a := w.adapter("kv1", admin, nil)
	kc := keysClient(b, a)
	vc, err := w.svc.Client("kv1", admin)
	if err != nil {
		b.Fatal(err)
	}
	k, err := kc.CreateKey(ctx, "k", azkeys.CreateKeyParameters{Kty: to(azkeys.KeyTypeOctHSM)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	alg := azkeys.EncryptionAlgorithmA256KW
	wr, err := kc.WrapKey(ctx, "k", "", azkeys.KeyOperationParameters{Algorithm: &alg, Value: dekPattern}, nil)
	if err != nil {
		b.Fatal(err)
	}
	ver := k.Key.KID.Version()

	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(32)
		for b.Loop() {
			if _, err := vc.UnwrapKey("k", ver, envelope.A256KW, wr.Result); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(32)
		p := azkeys.KeyOperationParameters{Algorithm: &alg, Value: wr.Result}
		for b.Loop() {
			if _, err := kc.UnwrapKey(ctx, "k", ver, p, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
