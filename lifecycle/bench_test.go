package lifecycle

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/atrest-sim/atrest/envelope"
)

// BenchmarkRotateFleet rotates the one CMK of a fleet of disks (two per VM)
// and re-wraps every DEK through the DES (F50). The cost must not depend
// on the disk size: no sector is touched. The baseline is a bare envelope
// loop that unwraps and re-wraps the same number of DEKs with an RSAKEK.
func BenchmarkRotateFleet(b *testing.B) {
	const disks = 200 // 100 VMs x 2 disks; the cost is linear in the count
	for _, sizeMiB := range []int64{1 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("disks=%d/size=%dGiB", disks, sizeMiB>>10), func(b *testing.B) {
			f := newFixture(&testing.T{}, 1)
			for i := range disks {
				if err := f.CreateDisk(DiskSpec{Name: fmt.Sprintf("d%d", i), Subscription: sub, Region: region, SizeMiB: sizeMiB, DES: "des1"}); err != nil {
					b.Fatal(err)
				}
			}
			written := uint64(0)
			for _, n := range sortedKeys(f.disks) {
				written += f.disks[n].m.Raw().Written()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := f.RotateKey(adminID, kv, "cmk"); err != nil {
					b.Fatal(err)
				}
				if n := f.rewrapDES("des1"); n != disks {
					b.Fatalf("re-wrapped %d DEKs, want %d", n, disks)
				}
			}
			b.StopTimer()
			after := uint64(0)
			for _, n := range sortedKeys(f.disks) {
				after += f.disks[n].m.Raw().Written()
			}
			if after != written {
				b.Fatalf("rotation wrote sectors: %d -> %d", written, after)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*disks), "ns/DEK")
		})
	}
	b.Run(fmt.Sprintf("baseline=envelope/disks=%d", disks), func(b *testing.B) {
		r := envelope.NewSeededReader(1)
		k1, err := envelope.GenerateRSAKEK(r, "k1", envelope.RSAOAEP256, 2048)
		if err != nil {
			b.Fatal(err)
		}
		ws := make([]*envelope.Wrapped, disks)
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
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*disks), "ns/DEK")
	})
}

// BenchmarkScenario runs a 50-operation scenario with RSA keys from the
// warmed pool: create a vault, keys, a DES, VMs, disks, writes, ADE,
// export, key disable, advance, verdicts.
func BenchmarkScenario(b *testing.B) {
	_ = pool.Warm(2048, 8)
	_ = pool.Warm(3072, 4)
	b.ReportAllocs()
	for b.Loop() {
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
}

// BenchmarkMemoryPerVM reports heap bytes per VM with an OS disk and a
// data disk holding one small file.
func BenchmarkMemoryPerVM(b *testing.B) {
	b.ReportAllocs()
	f := newFixture(&testing.T{}, 3)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	i := 0
	for b.Loop() {
		f.vm(fmt.Sprintf("m%d", i), "Canonical:ubuntu-22_04-lts", "Standard_D2s_v3", "")
		i++
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(i), "heapB/VM")
	runtime.KeepAlive(f)
}
