package vault

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// leakVerbs are the verbs every redaction test formats with: the usual
// ones, and bad verbs (%d, %t) under which fmt dereferences one pointer
// of a value it cannot call methods on and prints it with %v.
var leakVerbs = []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q", "%t"}

// encodings returns the forms in which secret bytes m could show up in
// formatted output: raw, hex, decimal byte lists, base64.
func encodings(m []byte) []string {
	dec := strings.Trim(fmt.Sprint(m), "[]") // "165 165 ..."
	return []string{string(m), hexs(m), strings.ToUpper(hexs(m)), dec, fmt.Sprintf("%#v", m)[len("[]byte{"):20],
		base64.StdEncoding.EncodeToString(m), base64.RawURLEncoding.EncodeToString(m)}
}

// checkNoLeak formats v under every verb, directly and as the exported and
// unexported field of a struct (by value and by pointer), and fails if any
// output holds any encoding of one of the secrets.
func checkNoLeak(t *testing.T, what string, v any, secrets ...[]byte) {
	t.Helper()
	type exported struct{ V any }
	type unexported struct{ v any }
	holders := []any{v, []any{v}, exported{v}, &exported{v}, unexported{v}, &unexported{v}}
	for _, verb := range leakVerbs {
		for i, h := range holders {
			out := fmt.Sprintf(verb, h)
			for _, m := range secrets {
				for _, enc := range encodings(m) {
					if strings.Contains(out, enc) {
						t.Errorf("%s, holder %d, %s leaks %q...: %s", what, i, verb, enc[:min(len(enc), 12)], out)
					}
				}
			}
		}
	}
}

// TestRedactionInFields covers what fmt does where it cannot call a
// method: a Secret (or *Secret) in an unexported field of a struct is
// printed field by field, and a bad verb dereferences one pointer. The
// secret value must stay two pointers away (the first version of this test
// failed on Secret{value []byte}).
func TestRedactionInFields(t *testing.T) {
	w := newWorld(t, 41)
	c := w.vault(props("kv-redact"))
	value := []byte{0xA5, 0xA5, 0xA5, 0xA5, 0x5A, 0x5A, 0x5A, 0x5A, 0xA5, 0xA5, 0xA5, 0xA5, 's', 'e', 'c', 'r', 'e', 't', '!', '!'}
	if _, err := c.SetSecret("s", value, SetSecretOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := c.GetSecret("s", "")
	if err != nil {
		t.Fatal(err)
	}
	type inner struct {
		s  Secret
		sp *Secret
	}
	type Outer struct {
		S  Secret
		SP *Secret
	}
	checkNoLeak(t, "Secret", s, value)
	checkNoLeak(t, "*Secret", &s, value)
	checkNoLeak(t, "inner", inner{s, &s}, value)
	checkNoLeak(t, "*inner", &inner{s, &s}, value)
	checkNoLeak(t, "Outer", Outer{s, &s}, value)
	checkNoLeak(t, "zero Secret", Secret{}, value)

	// Every other holder of key or secret bytes: the service (oct
	// material, secret values, backup sealer), clients, KEKs, the pool.
	w.octKey(c, "oct")
	if _, err := c.CreateKey("rsa", CreateKeyParameters{Kty: KeyTypeRSA}); err != nil {
		t.Fatal(err)
	}
	oct := w.svc.vaults["kv-redact"].keys["oct"].versions[0].mat.oct
	priv := w.svc.vaults["kv-redact"].keys["rsa"].versions[0].mat.rsa
	secrets := [][]byte{value, oct, priv.D.Bytes(), priv.Primes[0].Bytes(), []byte(priv.D.String()[:40]), []byte(priv.Primes[1].String()[:40])}
	kek, err := c.KEK(objectID("kv-redact", "keys", "oct", ""), "A256KW")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []struct {
		name string
		v    any
	}{{"Service", w.svc}, {"Client", c}, {"KEK", kek}, {"KeyPool", testPool}} {
		checkNoLeak(t, h.name, h.v, secrets...)
	}
}
