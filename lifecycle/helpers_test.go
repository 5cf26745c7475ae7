package lifecycle

import (
	"errors"
	"testing"
	"time"

	"github.com/atrest-sim/atrest/vault"
)

// pool is shared by every test world of the process, so RSA keys are
// generated once (vault.KeyPool is safe for concurrent use).
var pool = vault.NewKeyPool()

const (
	sub    = "sub1"
	region = "westeurope"
	kv     = "kv1"
)

// fixture is a world with one subscription, a vault with purge protection
// enabled for disk encryption, a CMK key and a DES.
type fixture struct {
	*World
	t      *testing.T
	cmk    string // versionless URL of the DES key
	kek    string // versioned URL of the ADE KEK (RSA 3072)
	kekVer string
}

func newFixture(t *testing.T, seed uint64) *fixture {
	t.Helper()
	w, err := New(Config{Seed: seed, RSAKeys: pool})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{World: w, t: t}
	f.must(w.AddSubscription("tenant1", sub))
	f.must(w.CreateVault(VaultSpec{Name: kv, Subscription: sub, Region: region, PurgeProtection: true, EnabledForDiskEncryption: true, RetentionDays: 7}))
	id, err := w.CreateKey(adminID, kv, "cmk", KeySpec{})
	f.must(err)
	f.cmk = id[:len(id)-len("/")-32]
	f.kekVer, err = w.CreateKey(adminID, kv, "kek", KeySpec{Size: 3072})
	f.must(err)
	f.kek = f.kekVer
	f.must(w.CreateDES(DESSpec{Name: "des1", Subscription: sub, Region: region, KeyID: f.cmk, AutoRotate: true}))
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// vm creates a running VM with one mounted data disk holding a file.
func (f *fixture) vm(name, image, size, des string) {
	f.t.Helper()
	f.must(f.CreateVM(VMSpec{Name: name, Subscription: sub, Region: region, Image: image, Size: size, OSDiskDES: des}))
	f.must(f.CreateDisk(DiskSpec{Name: name + "-data", Subscription: sub, Region: region, SizeMiB: 16, DES: des}))
	f.must(f.AttachDisk(name, name+"-data"))
	f.must(f.Mount(name, name+"-data"))
	f.must(f.WriteFile(name, name+"-data", "/data/customers.csv", []byte("alice,42\nbob,17\n")))
}

// verdict computes both verdicts, checks they agree, and returns the
// concrete one.
func (f *fixture) verdict(v Vantage, a Artifact) Verdict {
	f.t.Helper()
	sym, err := f.Symbolic(v, a)
	f.must(err)
	con, err := f.Concrete(v, a)
	f.must(err)
	if sym.Readable != con.Readable {
		f.t.Errorf("%v -> %v: symbolic readable=%v, concrete readable=%v\nsymbolic: %v\nconcrete: %v", v, a, sym.Readable, con.Readable, sym, con)
	}
	if len(sym.Keys) != len(con.Keys) {
		f.t.Errorf("%v -> %v: symbolic keys %v, concrete keys %v", v, a, sym.Keys, con.Keys)
	} else {
		for i := range sym.Keys {
			if sym.Keys[i].Name != con.Keys[i].Name || sym.Keys[i].Obtainable != con.Keys[i].Obtainable {
				f.t.Errorf("%v -> %v: key %d symbolic %+v, concrete %+v", v, a, i, sym.Keys[i], con.Keys[i])
			}
		}
	}
	return con
}

func (f *fixture) wantReadable(v Vantage, a Artifact, want bool) Verdict {
	f.t.Helper()
	got := f.verdict(v, a)
	if got.Readable != want {
		f.t.Errorf("Readable(%v, %v) = %v, want %v\n%v", v, a, got.Readable, want, got)
	}
	return got
}

func wantErr(t *testing.T, err, target error, fact string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want %v", err, target)
	}
	var re *RefusedError
	if fact != "" && (!errors.As(err, &re) || re.Fact != fact) {
		t.Fatalf("err = %v, want fact %s", err, fact)
	}
}

const hour = time.Hour
