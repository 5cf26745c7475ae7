package examples

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/atrest-sim/atrest/lifecycle"
)

// costOption is one encryption option of the cost comparison.
type costOption struct {
	name string
	// setup creates the keys and sets it up; it returns the DES for the
	// disks ("" for platform keys) and whether to enable ADE with a KEK.
	des        string
	double     bool
	ade, kek   bool
	encAtHost  bool
	ops        [5]int
	total      int
	byOp       []opCount
	readable   bool
	layerNames string
}

// Q21Cost runs the same workload (provision a VM with an OS and a data
// disk, write 64 files, restart, deallocate and start, back up) under each
// encryption option and counts its Key Vault operations in the audit log.
func Q21Cost(seed uint64) (Answer, error) {
	s := newScenario(seed)
	opts := []*costOption{
		{name: "SSE, platform keys"},
		{name: "SSE, platform keys + encryption at host", encAtHost: true},
		{name: "SSE, customer key", des: "des1"},
		{name: "SSE, double encryption", des: "des-double", double: true},
		{name: "ADE, BEK only", ade: true},
		{name: "ADE, BEK + KEK", ade: true, kek: true},
	}
	phases := []string{"provision", "write 64 files", "restart", "deallocate + start", "backup"}
	for i, o := range opts {
		c := newScenario(seed + uint64(i) + 1)
		if o.des != "" {
			c.withCMK()
			c.do("CreateDES", c.w.CreateDES(lifecycle.DESSpec{Name: "des-double", Subscription: sub, Region: region, KeyID: c.cmk, Double: true}))
		}
		if o.kek {
			c.withKEK()
		}
		c.do("RegisterEncryptionAtHost", c.w.RegisterEncryptionAtHost(sub))
		c.do("GrantBackupAccess", c.w.GrantBackupAccess(kv))
		phase := 0
		mark := c.auditMark()
		end := func() {
			n, _ := c.kvOps(mark)
			o.ops[phase] = n
			phase++
			mark = c.auditMark()
		}
		start := mark
		c.do("CreateVM", c.w.CreateVM(lifecycle.VMSpec{Name: "vm1", Subscription: sub, Region: region, Image: ubuntu, Size: d2v3, OSDiskDES: o.des, EncryptionAtHost: o.encAtHost}))
		c.dataDisk("vm1", "vm1-data", o.des)
		if o.ade {
			c.ade("vm1", o.kek)
		}
		end()
		for f := 0; f < 64 && c.ok(); f++ {
			c.do("WriteFile", c.w.WriteFile("vm1", "vm1-data", fmt.Sprintf("/data/f%02d", f), []byte("row\n")))
		}
		end()
		c.do("Restart", c.w.Restart("vm1"))
		end()
		c.do("Deallocate", c.w.Deallocate("vm1"))
		c.do("Start", c.w.Start("vm1"))
		end()
		c.do("BackupVM", c.w.BackupVM("vm1", "rp1"))
		end()
		o.total, o.byOp = c.kvOps(start)
		v := c.check(o.name, guest("vm1"), diskA("vm1-data"))
		o.readable, o.layerNames = v.Readable, layers(v)
		s.do(o.name, c.err)
		s.fact(c.sortedFacts()...)
		s.note("%s: %d Key Vault operations (%s); the VM reads its data: %s (%s)", o.name, o.total, opsText(o.byOp), yesNo(o.readable), o.layerNames)
	}
	if !s.ok() {
		return s.finish(21, "")
	}
	t := &Table{Header: append(append([]string{"option"}, phases...), "total")}
	for _, o := range opts {
		r := []string{o.name}
		for _, n := range o.ops {
			r = append(r, strconv.Itoa(n))
		}
		t.Rows = append(t.Rows, append(r, strconv.Itoa(o.total)))
	}
	s.fact("F31", "F85")
	var parts []string
	writes := 0
	for _, o := range opts {
		parts = append(parts, fmt.Sprintf("%s %d", o.name, o.total))
		writes += o.ops[1]
	}
	a, err := s.finish(21, fmt.Sprintf("Key Vault operations for the same workload (provision, 64 writes, restart, deallocate + start, backup): %s; the 64 writes cost %d in all options together: keys are used at provisioning, boot and backup, not per byte", strings.Join(parts, "; "), writes))
	a.Table = t
	return a, err
}

// sortedFacts returns the facts recorded so far, in numeric order.
func (s *scenario) sortedFacts() []string {
	return lifecycle.SortFacts(slices.Collect(maps.Keys(s.facts)))
}

// coverage is one column of the SSE-or-ADE table.
type coverage struct {
	name  string
	cells []string
	v     lifecycle.Verdict
}

// Q22SSEOrADE builds one world per option, probes what it covers and what
// it refuses, and lays the results side by side.
func Q22SSEOrADE(seed uint64) (Answer, error) {
	s := newScenario(seed)
	type option struct {
		name     string
		des, eah bool
		ade      bool
	}
	options := []option{
		{name: "SSE, platform key"},
		{name: "SSE, customer key"},
		{name: "SSE, customer key + encryption at host", des: true, eah: true},
		{name: "ADE, BEK + KEK", ade: true},
	}
	options[1].des = true
	rows := []string{
		"media at rest (storage insider)",
		"downloaded VHD on premises",
		"temp disk at rest (v3 size)",
		"host cache of the data disk (insider)",
		"recovery point, read by the backup operator",
		"disaster recovery replica (insider; DR region)",
		"temp disk after failover (insider)",
		"Linux VM with 4 GB of memory",
		"custom Linux image",
		"A-series VM size",
		"customer key after ADE (same disk)",
		"VM reads its own data",
	}
	cols := make([]coverage, len(options))
	refusals := make([]int, len(options))
	for i, o := range options {
		c := newScenario(seed + uint64(i) + 1)
		des := ""
		c.withCMK()
		c.withKEK()
		if o.des {
			des = "des1"
		}
		c.do("RegisterEncryptionAtHost", c.w.RegisterEncryptionAtHost(sub))
		c.do("GrantBackupAccess", c.w.GrantBackupAccess(kv))
		c.do("CreateVM", c.w.CreateVM(lifecycle.VMSpec{Name: "vm1", Subscription: sub, Region: region, Image: ubuntu, Size: d2v3, OSDiskDES: des, EncryptionAtHost: o.eah}))
		c.dataDisk("vm1", "vm1-data", des)
		if o.ade {
			c.ade("vm1", true)
		}
		c.do("WriteFile temp", c.w.WriteFile("vm1", lifecycle.TempDisk, "/swapfile", []byte("swapped-out page")))
		own := c.check("own", guest("vm1"), diskA("vm1-data"))
		media := c.check("media", insider, mediaA("vm1-data"))
		temp := c.check("temp", insider, tempA("vm1"))
		cache := c.check("cache", insider, cacheA("vm1", "vm1-data"))
		c.do("BackupVM", c.w.BackupVM("vm1", "rp1"))
		rp := c.check("rp", operator, rpA("rp1", "vm1-data"))
		// Disaster recovery to the paired region, keys and DES there.
		reg, _ := lifecycle.LookupRegion(region)
		c.do("CreateVault kv-dr", c.w.CreateVault(lifecycle.VaultSpec{Name: "kv-dr", Subscription: sub, Region: reg.Paired, RetentionDays: 7, PurgeProtection: true, EnabledForDiskEncryption: true}))
		rs := lifecycle.ReplicationSpec{TargetRegion: reg.Paired}
		switch {
		case o.des && c.ok():
			id, err := c.w.CreateKey(admin, "kv-dr", "cmk-dr", lifecycle.KeySpec{})
			c.do("CreateKey cmk-dr", err)
			c.do("CreateDES des-dr", c.w.CreateDES(lifecycle.DESSpec{Name: "des-dr", Subscription: sub, Region: reg.Paired, KeyID: id}))
			rs.TargetDES = map[string]string{"vm1-osdisk": "des-dr", "vm1-data": "des-dr"}
		case o.ade:
			rs.TargetVault = "kv-dr"
		}
		c.do("EnableReplication", c.w.EnableReplication(admin, "vm1", rs))
		replica := lifecycle.Artifact{Kind: lifecycle.ReplicaArtifact, Name: "vm1", Disk: "vm1-data"}
		repRaw := c.check("replica raw", insider, replica)
		repDR := c.check("replica DR", lifecycle.Vantage{Kind: lifecycle.DRRegion}, replica)
		c.download("vm1", "vm1-data", "vm1-data.vhd")
		vhd := c.check("vhd", laptop, vhdA("vm1-data.vhd"))
		c.do("Failover", c.w.Failover("vm1", "vm1-dr"))
		c.do("WriteFile temp after failover", c.w.WriteFile("vm1-dr", lifecycle.TempDisk, "/swapfile", []byte("swapped-out page")))
		tempDR := c.check("temp after failover", insider, tempA("vm1-dr"))
		// Constraints: what the option refuses on other VMs.
		probe := func(vm, image, size string) refusal {
			spec := lifecycle.VMSpec{Name: vm, Subscription: sub, Region: region, Image: image, Size: size, EncryptionAtHost: o.eah}
			if o.des {
				spec.OSDiskDES = "des1"
			}
			r := c.tryQuiet(c.w.CreateVM(spec))
			if !r.Refused && o.ade {
				r = c.tryQuiet(c.w.EnableADE(vm, lifecycle.ADESpec{Vault: kv, KEKID: c.kek, Volumes: lifecycle.VolumeAll}))
			}
			if r.Refused {
				refusals[i]++
			}
			return r
		}
		c.do("AddCustomImage", c.w.AddCustomImage(lifecycle.Image{Name: "custom:ubuntu", OS: lifecycle.Linux, Distro: "Ubuntu", Version: "22.04", Source: lifecycle.Custom, ADE: lifecycle.ADEOSAndData, RootUsageGB: 2}))
		small := probe("vm2", ubuntu, "Standard_B2s")
		custom := probe("vm3", "custom:ubuntu", d2v3)
		aSeries := probe("vm4", ubuntu, "Standard_A2_v2")
		var switchCMK refusal
		if o.ade {
			c.do("Deallocate", c.w.Deallocate("vm1"))
			switchCMK = c.tryQuiet(c.w.SetDiskEncryption("vm1-data", "des1"))
			if switchCMK.Refused {
				refusals[i]++
			}
		}
		s.do(o.name, c.err)
		for _, f := range c.sortedFacts() {
			s.fact(f)
		}
		s.fact(small.Fact, custom.Fact, aSeries.Fact, switchCMK.Fact)
		covered := func(v lifecycle.Verdict) string {
			if v.Readable {
				return "plaintext"
			}
			return "encrypted"
		}
		cmkCell := "n/a"
		if o.ade {
			cmkCell = switchCMK.String()
		}
		cols[i] = coverage{name: o.name, v: own, cells: []string{
			covered(media), covered(vhd), covered(temp), covered(cache), readable(rp),
			covered(repRaw) + ", " + readable(repDR) + " in the DR region", covered(tempDR),
			small.String(), custom.String(), aSeries.String(), cmkCell, yesNo(own.Readable),
		}}
		s.note("%s: %s", o.name, verdictLine(own))
	}
	s.fact("F57", "F59")
	if !s.ok() {
		return s.finish(22, "")
	}
	t := &Table{Header: []string{"what"}}
	for _, c := range cols {
		t.Header = append(t.Header, c.name)
	}
	for r, name := range rows {
		row := []string{name}
		for _, c := range cols {
			row = append(row, c.cells[r])
		}
		t.Rows = append(t.Rows, row)
	}
	s.diagram.add(cols[1].name, cols[1].v, "")
	s.diagram.add(cols[3].name, cols[3].v, "")
	sse, eah, ade := cols[1].cells, cols[2].cells, cols[3].cells
	a, err := s.finish(22, fmt.Sprintf("SSE: media at rest %s on every disk with %d refusals, but a downloaded VHD is %s, a recovery point is %s by the backup operator, and the temp disk is %s and the host caches %s unless encryption at host is on (temp disk %s, caches %s; the temp disk is %s after a DR failover); ADE: VHD %s, recovery point %s by the backup operator, host caches %s, temp disk %s (Linux without EncryptFormatAll), at the cost of %d refusals and retirement on %s",
		sse[0], refusals[1], sse[1], sse[4], sse[2], sse[3], eah[2], eah[3], eah[6], ade[1], ade[4], ade[3], ade[2], refusals[3], lifecycle.DefaultOptions().ADERetirement.Format("2006-01-02")))
	a.Table = t
	return a, err
}
