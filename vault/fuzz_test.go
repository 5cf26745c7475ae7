package vault

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fuzzWorld returns a client of a vault holding one key and one secret, and
// their backup blobs as seeds.
func fuzzWorld(f *testing.F) (*Client, [][]byte) {
	w := newWorld(f, 14)
	c := w.vault(props("kv-fuzz"))
	w.octKey(c, "k")
	if _, err := c.RotateKey("k"); err != nil {
		f.Fatal(err)
	}
	if _, err := c.SetSecret("s", []byte("value"), SetSecretOptions{ContentType: "text"}); err != nil {
		f.Fatal(err)
	}
	kb, _ := c.BackupKey("k")
	sb, _ := c.BackupSecret("s")
	return c, [][]byte{kb, sb, kb[:40], []byte("ATKB\x01K\x00\x05sub-1\x00\x06Europe"), nil}
}

// FuzzRestoreKey feeds arbitrary blobs to RestoreKey and RestoreSecret: they
// must fail cleanly (never panic) unless the blob is a genuine backup. The
// names in the seeds exist, so genuine blobs fail with a conflict too: the
// vault never changes.
func FuzzRestoreKey(f *testing.F) {
	c, seeds := fuzzWorld(f)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		if _, err := c.RestoreKey(blob); err == nil {
			t.Fatal("RestoreKey accepted a blob over an existing key")
		}
		if _, err := c.RestoreSecret(blob); err == nil {
			t.Fatal("RestoreSecret accepted a blob over an existing secret")
		}
	})
}

// FuzzDecodeBackupDoc feeds arbitrary documents to the decoder that runs
// after the seal is opened, which a blob forged with the service key would
// reach. An accepted document must round-trip: its encoding (what BackupKey
// and BackupSecret seal) decodes again, to an equal value, and encodes to
// the same bytes.
func FuzzDecodeBackupDoc(f *testing.F) {
	f.Add([]byte(`{"kind":"key","name":"k","versions":[{"version":"0123456789abcdef0123456789abcdef","enabled":true,"created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","kty":"oct-HSM","bits":256,"ops":["wrapKey"],"material":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}`))
	f.Add([]byte(`{"kind":"secret","name":"s","versions":[{"version":"0123456789abcdef0123456789abcdef","value":"dg=="}]}`))
	f.Add([]byte(`{}`))
	w := newWorld(f, 15)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, fl := decodeBackupDoc(data)
		if fl != nil {
			return
		}
		checkBackupRoundTrip(t, doc)
		if doc.Kind == "key" {
			for i := range doc.Versions {
				bv := &doc.Versions[i]
				if bv.Kty == KeyTypeRSA || bv.Kty == KeyTypeRSAHSM {
					continue // PKCS #1 parsing is the standard library's; keep the body fast
				}
				w.svc.restoreMaterial(bv, "https://kv-fuzz.vault.azure.net/keys/k/"+bv.Version, SKUPremium)
			}
		}
	})
}

// FuzzParseID checks that ParseID never panics and that accepted ids
// round-trip through objectID.
func FuzzParseID(f *testing.F) {
	f.Add("https://kv-one.vault.azure.net/keys/kek/0123456789abcdef0123456789abcdef")
	f.Add("https://KV-ONE.vault.azure.net/secrets/bek")
	f.Add("https://kv.vault.azure.net/keys//")
	f.Fuzz(func(t *testing.T, id string) {
		v, coll, name, ver, err := ParseID(id)
		if err != nil {
			return
		}
		v2, coll2, name2, ver2, err := ParseID(objectID(v, coll, name, ver))
		if err != nil || v2 != v || coll2 != coll || name2 != name || ver2 != ver {
			t.Fatalf("ParseID(%q) does not round-trip", id)
		}
	})
}

// checkBackupRoundTrip checks that an accepted backup document encodes,
// decodes again to an equal value (empty and absent slices and maps are
// the same on the wire, through omitempty) and encodes to the same bytes.
// It reports sizes only: a document can hold key material.
func checkBackupRoundTrip(t *testing.T, doc *backupDoc) {
	t.Helper()
	enc, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("an accepted backup document does not encode: %v", err)
	}
	doc2, fl := decodeBackupDoc(enc)
	if fl != nil {
		t.Fatalf("the encoding of an accepted backup document (%d bytes) is refused: %v", len(enc), fl)
	}
	if !cmp.Equal(doc, doc2, cmpopts.EquateEmpty()) {
		t.Fatalf("an accepted backup document (%d versions) decodes to another value after encoding", len(doc.Versions))
	}
	enc2, err := json.Marshal(doc2)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("re-encoding an accepted backup document gives other bytes (%d vs %d, %v)", len(enc), len(enc2), err)
	}
}
