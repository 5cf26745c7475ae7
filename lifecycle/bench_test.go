package lifecycle

import (
	"flag"
	"fmt"
	"runtime"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
)

// fleetVM adds a light VM to the world for the fleet benchmarks: an OS
// disk and a data disk of sizeMiB each, both under the DES des, with no
// file system and nothing written (so no sector and no file-system
// metadata), deallocated. It costs two DEK wraps through the vault.
func (w *World) fleetVM(name, des string, sizeMiB int64) error {
	vm := &vmState{spec: VMSpec{Name: name, Subscription: sub, Region: region}, state: Deallocated, mounted: map[string]bool{}, tmpLed: newLedger()}
	for i, dn := range []string{name + "-osdisk", name + "-data"} {
		m, err := w.newManaged("fleet", DiskSpec{Name: dn, Subscription: sub, Region: region, SizeMiB: sizeMiB, DES: des})
		if err != nil {
			return err
		}
		m.Lock()
		w.disks[dn] = &diskState{name: dn, sub: sub, region: region, sizeMiB: sizeMiB, m: m, des: des, vm: name, os: i == 0, files: newLedger()}
		if i == 0 {
			vm.osDisk = dn
		} else {
			vm.data = append(vm.data, dn)
		}
	}
	w.vms[name] = vm
	return nil
}

// writtenSectors sums the sectors written on every disk of the world.
func (w *World) writtenSectors() uint64 {
	n := uint64(0)
	for _, dn := range sortedKeys(w.disks) {
		n += w.disks[dn].m.Raw().Written()
	}
	return n
}

// rotateFleet rotates the fleet's key and re-wraps every DEK (F13, F50),
// checking the count and that no sector was written.
func rotateFleet(b *testing.B, f *fixture, deks int) {
	written := f.writtenSectors()
	if _, err := f.RotateKey(adminID, kv, "cmk"); err != nil {
		b.Fatal(err)
	}
	if n := f.rewrapDES("des1"); n != deks {
		b.Fatalf("re-wrapped %d DEKs, want %d", n, deks)
	}
	if after := f.writtenSectors(); after != written {
		b.Fatalf("rotation wrote sectors: %d -> %d", written, after)
	}
}

// BenchmarkFleet10k is the fleet: 10,000 VMs with two disks each
// (20,000 DEKs) under one customer key, rotated, every DEK re-wrapped
// through the disk encryption set and the vault (a real RSA-OAEP unwrap
// with the private key and a wrap per DEK, audited). No sector is
// touched, so 1 GiB and 1 TiB disks cost the same. The baseline is the
// bare envelope re-wrap (RSAKEK unwrap + wrap) of 2,000 DEKs in the same
// run; compare the ns/DEK metrics. heapB/VM is the memory of one light VM
// (two disk records, two wrapped DEKs, no data).
//
// It takes about a minute, so it runs only with -benchtime=1x:
//
//	go test ./lifecycle -run='^$' -bench=Fleet10k -benchtime=1x -count=1
func BenchmarkFleet10k(b *testing.B) {
	if bt := flag.Lookup("test.benchtime"); bt == nil || bt.Value.String() != "1x" {
		b.Skip("run with -benchtime=1x (about a minute)")
	}
	const vms, deks = 10_000, 20_000
	for _, sizeMiB := range []int64{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("vms=%d/size=%dGiB", vms, sizeMiB>>10), func(b *testing.B) {
			f := newFixture(&testing.T{}, 1)
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			for i := range vms {
				if err := f.fleetVM(fmt.Sprintf("vm%05d", i), "des1", sizeMiB); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&m1)
			heapPerVM := float64(m1.HeapAlloc-m0.HeapAlloc) / vms
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rotateFleet(b, f, deks)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*deks), "ns/DEK")
			b.ReportMetric(heapPerVM, "heapB/VM")
			runtime.KeepAlive(f)
		})
	}
	b.Run("baseline=envelope/deks=2000", func(b *testing.B) { benchEnvelopeRewrap(b, 2000) })
}

// benchEnvelopeRewrap unwraps and re-wraps n DEKs with a bare RSAKEK: the
// cryptographic floor of a rotation.
func benchEnvelopeRewrap(b *testing.B, n int) {
	r := envelope.NewSeededReader(1)
	k1, err := envelope.GenerateRSAKEK(r, "k1", envelope.RSAOAEP256, 2048)
	if err != nil {
		b.Fatal(err)
	}
	ws := make([]*envelope.Wrapped, n)
	for i := range ws {
		d, _ := envelope.GenerateDEK(r)
		ws[i], _ = k1.Wrap(d)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, wr := range ws {
			d, err := k1.Unwrap(wr)
			if err != nil {
				b.Fatal(err)
			}
			ws[i], _ = k1.Wrap(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/DEK")
}

// BenchmarkRotateFleet is a small version of [BenchmarkFleet10k] for
// routine runs: 100 light VMs (200 DEKs) under one customer key, rotated
// and re-wrapped, at 1 GiB and 1 TiB per disk, with the bare envelope
// re-wrap of the same number of DEKs as baseline. The cost is linear in
// the number of DEKs and independent of the disk size.
func BenchmarkRotateFleet(b *testing.B) {
	const vms, deks = 100, 200
	for _, sizeMiB := range []int64{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("disks=%d/size=%dGiB", deks, sizeMiB>>10), func(b *testing.B) {
			f := newFixture(&testing.T{}, 1)
			for i := range vms {
				if err := f.fleetVM(fmt.Sprintf("vm%03d", i), "des1", sizeMiB); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rotateFleet(b, f, deks)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*deks), "ns/DEK")
		})
	}
	b.Run(fmt.Sprintf("baseline=envelope/disks=%d", deks), func(b *testing.B) { benchEnvelopeRewrap(b, deks) })
}

// BenchmarkScenario runs a 50-operation scenario with RSA keys from the
// warmed pool: create a vault, keys, a DES, VMs, disks, writes, ADE,
// export, key disable, advance, verdicts. The baseline is the fixture
// alone (subscription, vault, two keys, DES: 6 of the 50 operations).
func BenchmarkScenario(b *testing.B) {
	_ = pool.Warm(2048, 8)
	_ = pool.Warm(3072, 4)
	b.Run("ops=50", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			runScenario(b)
		}
	})
	b.Run("baseline=fixture", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = newFixture(&testing.T{}, 7)
		}
	})
}

func runScenario(b *testing.B) {
	ops := 0
	t := &testing.T{}
	f := newFixture(t, 7) // 6 operations
	ops += 6
	for i := range 4 {
		vm := fmt.Sprintf("vm%d", i)
		des := ""
		if i%2 == 1 {
			des = "des1"
		}
		f.vm(vm, "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", des) // 5 operations
		ops += 5
	}
	f.must(f.EnableADE("vm0", ADESpec{Vault: kv, Volumes: VolumeAll, KEKID: f.kek}))
	f.must(f.EnableADE("vm2", ADESpec{Vault: kv, Volumes: VolumeData}))
	f.download("vm0", "vm0-data", "a.vhd") // 6 operations
	f.download("vm1", "vm1-data", "b.vhd")
	ops += 14
	f.must(f.SetKeyEnabled(adminID, f.cmk, false))
	f.Advance(2 * hour)
	ops += 2
	for _, v := range []Vantage{guest("vm1"), guest("vm3"), insider, onPrem("onprem")} {
		for _, a := range []Artifact{diskA("vm1-data"), diskA("vm3-data"), vhdA("a.vhd"), vhdA("b.vhd")} {
			if _, err := f.Concrete(v, a); err != nil {
				b.Fatal(err)
			}
			ops++
		}
	}
	if t.Failed() || ops < 50 {
		b.Fatalf("scenario failed or too short (%d ops)", ops)
	}
}

// BenchmarkMemoryPerVM reports heap bytes per VM: a full VM (an OS disk
// with its file system and os-release, a data disk with a file system and
// one small file), against the light fleet VM of [BenchmarkFleet10k] (two
// wrapped DEKs, nothing written) as baseline.
func BenchmarkMemoryPerVM(b *testing.B) {
	for _, light := range []bool{false, true} {
		name := "vm=full"
		if light {
			name = "baseline=light"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			f := newFixture(&testing.T{}, 3)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			i := 0
			for b.Loop() {
				if light {
					if err := f.fleetVM(fmt.Sprintf("m%d", i), "des1", 1<<10); err != nil {
						b.Fatal(err)
					}
				} else {
					f.vm(fmt.Sprintf("m%d", i), "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
				}
				i++
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(i), "heapB/VM")
			runtime.KeepAlive(f)
		})
	}
}
