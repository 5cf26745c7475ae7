package lifecycle

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/atrest-sim/atrest/disk"
)

// TestVerdictHoldsNoKeyMaterial searches verdict text, JSON and the BEK
// holder's fmt output for the BEK and its hex form.
func TestVerdictHoldsNoKeyMaterial(t *testing.T) {
	f := adeVM(t, 30)
	bek := f.vms["vm1"].bek.bytes()
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

// TestNewPathsHoldNoKeyMaterial extends the search to the paths that
// copy keys: site recovery's BEK copy, key and secret backups, the keys a
// recovery point restores, the BEK handed to a host, F114 errors, and the
// vault's audit log.
func TestNewPathsHoldNoKeyMaterial(t *testing.T) {
	f := adeVM(t, 31)
	bek := append([]byte(nil), f.vms["vm1"].bek.bytes()...)
	var outs [][]byte
	add := func(vs ...any) {
		for _, v := range vs {
			outs = append(outs, []byte(fmt.Sprintf("%v|%+v|%#v|%s|%x", v, v, v, v, v)))
		}
	}
	verdict := func(v Vantage, a Artifact) {
		for _, fn := range []func(Vantage, Artifact) (Verdict, error){f.Symbolic, f.Concrete} {
			vd, err := fn(v, a)
			f.must(err)
			j, err := vd.JSON()
			f.must(err)
			outs = append(outs, j)
			add(vd)
		}
	}
	f.vault("kv-ne", pairedRegion)
	f.must(f.EnableReplication(adminID, "vm1", ReplicationSpec{TargetRegion: pairedRegion, TargetVault: "kv-ne"}))
	f.must(f.GrantBackupAccess(kv))
	f.must(f.BackupVM("vm1", "rp1"))
	f.must(f.BackupSecret(adminID, kv, secretName(f.vms["vm1"].ade.secretID), "bek.bak"))
	f.must(f.BackupKey(adminID, kv, "kek", "kek.bak"))
	f.download("vm1", "vm1-data", "v.vhd")
	id, _ := f.BEKSecretID("vm1-data")
	f.must(f.HandBEKToHost(adminID, id, "onprem"))
	verdict(drRegion, replicaA("vm1", "vm1-data"))
	verdict(onPrem("onprem"), vhdA("v.vhd"))
	verdict(operator, rpA("rp1", "vm1-data"))
	f.must(f.Deallocate("vm1"))
	f.purgeForGood(kv, "kek")
	add(f.Start("vm1"), f.HandBEKToHost(adminID, id, "onprem"), f.hosts["onprem"], f.blobs["bek.bak"], f.rps["rp1"].bekBackup, f.repls["vm1"])
	verdict(guest("vm1"), diskA("vm1-data"))
	f.must(f.RestoreRecoveryPointKeys(adminID, "rp1", kv))
	f.must(f.Failover("vm1", "dr"))
	verdict(guest("dr"), diskA("dr-vm1-data"))
	j, err := json.Marshal(f.Vaults().AuditLog())
	f.must(err)
	outs = append(outs, j)
	for _, o := range outs {
		for _, pat := range [][]byte{bek, []byte(hex.EncodeToString(bek)), []byte(base64.StdEncoding.EncodeToString(bek))} {
			if bytes.Contains(o, pat) {
				t.Fatalf("key material %q in output: %s", pat, o)
			}
		}
	}
}

// TestWorldNeverPrints formats the World itself, after verdicts have filled
// its read memo and a VHD holds guest ciphertext, under every verb and as a
// field: a World holds platform keys, BEKs in guest memory and disk bytes,
// and before it had a Format method %v printed unkeyed SHA-256 digests of
// BEKs (memo keys) and %s printed the VHD's blocks.
func TestWorldNeverPrints(t *testing.T) {
	f := adeVM(t, 32)
	bek := append([]byte(nil), f.vms["vm1"].bek.bytes()...)
	f.download("vm1", "vm1-data", "v.vhd")
	f.verdict(onPrem("onprem"), vhdA("v.vhd"))
	f.verdict(guest("vm1"), diskA("vm1-data"))
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(bek)))
	plainDigest := sha256.Sum256(append(n[:], bek...))
	type holder struct {
		W *World
		w *World
	}
	for _, v := range []any{f.World, holder{f.World, f.World}, &holder{f.World, f.World}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d", "%q"} {
			out := fmt.Sprintf(verb, v)
			if len(out) > 4096 || bytes.Contains([]byte(out), bek) ||
				strings.Contains(out, hex.EncodeToString(bek)) ||
				strings.Contains(out, fmt.Sprint(plainDigest[:8])[1:20]) ||
				strings.Contains(out, "LUKS") || strings.Contains(out, "sparseFile") {
				t.Fatalf("Sprintf(%q, %T) shows the world's contents: %.300s", verb, v, out)
			}
		}
	}
}

// TestInternalStatesNeverPrintBEK formats the structs that hold a BEK (a
// VM with its BEK volume, a host handed a BEK) under every verb, by value
// and pointer: a bad verb makes fmt print a pointer field's target, which
// printed the BEK as decimal bytes before secretBytes kept it two pointers
// away.
func TestInternalStatesNeverPrintBEK(t *testing.T) {
	f := adeVM(t, 35)
	bek := append([]byte(nil), f.vms["vm1"].bek.bytes()...)
	id, err := f.BEKSecretID("vm1-data")
	f.must(err)
	f.must(f.AddHost("onprem"))
	f.must(f.HandBEKToHost(adminID, id, "onprem"))
	dec := strings.Trim(fmt.Sprint(bek), "[]")
	for _, v := range []any{f.vms["vm1"], *f.vms["vm1"], f.hosts["onprem"], *f.hosts["onprem"], f.vms["vm1"].bek, *f.vms["vm1"].bek} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q", "%t", "%o"} {
			out := fmt.Sprintf(verb, v)
			if bytes.Contains([]byte(out), bek) || strings.Contains(out, hex.EncodeToString(bek)) ||
				strings.Contains(strings.ToLower(out), hex.EncodeToString(bek)) || strings.Contains(out, dec) {
				t.Fatalf("Sprintf(%q, %T) shows the BEK: %.300s", verb, v, out)
			}
		}
	}
}

// TestCacheVerdictsHoldNoKeyMaterial searches the verdicts on host caches
// (which read the cache with the BEK of the BEK volume) and the cache
// itself under every verb for the BEK, and for the material of the cached
// disk's DEK: the DEK, its SSE sector key and the host's cache key derived
// from it, of an ADE VM and of a VM with encryption at host.
func TestCacheVerdictsHoldNoKeyMaterial(t *testing.T) {
	ade := adeVM(t, 33)
	eah := cacheVM(t, 34, ubuntu2204, "", true, nil)
	bek := append([]byte(nil), ade.vms["vm1"].bek.bytes()...)
	var deks [][]byte
	var outs []string
	for _, f := range []*fixture{ade, eah} {
		deks = append(deks, dekMaterial(f, "vm1-data")...)
		for _, v := range []Vantage{insider, guest("vm1")} {
			for _, fn := range []func(Vantage, Artifact) (Verdict, error){f.Symbolic, f.Concrete} {
				vd, err := fn(v, cacheA("vm1", "vm1-data"))
				f.must(err)
				j, err := vd.JSON()
				f.must(err)
				outs = append(outs, string(j), vd.String())
			}
		}
		c := f.vms["vm1"].caches["vm1-data"]
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
			outs = append(outs, fmt.Sprintf(verb, c), fmt.Sprintf(verb, *c), fmt.Sprintf(verb, f.vms["vm1"]),
				fmt.Sprintf(verb, c.HostView), fmt.Sprintf(verb, f.disks["vm1-data"]))
		}
	}
	pats := []string{string(bek), hex.EncodeToString(bek), base64.StdEncoding.EncodeToString(bek)}
	for _, k := range deks {
		pats = append(pats, string(k), hex.EncodeToString(k), base64.StdEncoding.EncodeToString(k),
			strings.Trim(fmt.Sprint(k[:8]), "[]")) // as %v and %d print bytes
	}
	for _, o := range outs {
		for _, pat := range pats {
			if strings.Contains(o, pat) {
				t.Fatalf("key material in output: %.300s", o)
			}
		}
	}
}

// dekMaterial returns the DEK of a platform-key disk, unwrapped with the
// region's platform key, and the keys disk derives from it as its package
// doc documents: the SSE platform-layer sector key and the host's cache key.
func dekMaterial(f *fixture, diskName string) [][]byte {
	f.t.Helper()
	d := f.disks[diskName]
	wk := d.m.WrappedKeys()
	if len(wk) != 1 || wk[0].Role != disk.PlatformKey {
		f.t.Fatalf("disk %s: want one platform-key layer, have %v", diskName, wk)
	}
	dek, err := f.pmk[d.region].Unwrap(&wk[0].Wrapped)
	f.must(err)
	b := dek.Bytes()
	out := [][]byte{b}
	for _, info := range []string{
		"atrest/disk: SSE platform-key layer sector key, XTS-AES-256, v1",
		"atrest/disk: encryption at host cache sector key, XTS-AES-256, v1",
	} {
		k, err := hkdf.Key(sha256.New, b, nil, info, 64)
		f.must(err)
		out = append(out, k)
	}
	return out
}
