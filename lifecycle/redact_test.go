package lifecycle

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"
)

// TestVerdictHoldsNoKeyMaterial searches verdict text, JSON and the BEK
// holder's fmt output for the BEK and its hex form.
func TestVerdictHoldsNoKeyMaterial(t *testing.T) {
	f := adeVM(t, 30)
	bek := f.vms["vm1"].bek.b
	v := f.verdict(guest("vm1"), diskA("vm1-data"))
	j, err := v.JSON()
	f.must(err)
	outs := [][]byte{j, []byte(v.String()), []byte(fmt.Sprintf("%v %+v %#v %x %s", v, v, v, v, v)),
		[]byte(fmt.Sprintf("%v %+v %#v %x %s", f.vms["vm1"].bek, f.vms["vm1"].bek, f.vms["vm1"].bek, *f.vms["vm1"].bek, f.vms["vm1"].bek))}
	for _, o := range outs {
		if bytes.Contains(o, bek) || bytes.Contains(o, []byte(hex.EncodeToString(bek))) {
			t.Fatalf("key material in output: %s", o)
		}
	}
}
