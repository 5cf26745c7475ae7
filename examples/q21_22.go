package examples

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

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
	const writePhase = 1
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
		parts = append(parts, fmt.Sprintf("%s %d (%s)", o.name, o.total, usedIn(phases, o.ops[:])))
		writes += o.ops[writePhase]
	}
	perWrite := "no option calls Key Vault per write"
	if writes > 0 {
		perWrite = "some option calls Key Vault while writing"
	}
	a, err := s.finish(21, fmt.Sprintf("Key Vault operations for the same workload (%s), and the phases that made them: %s; the %s phase cost %d in all options together: %s",
		strings.Join(phases, ", "), strings.Join(parts, "; "), phases[writePhase], writes, perWrite))
	a.Table = t
	return a, err
}

// usedIn names the phases whose operation count is above zero: "calls at
// provision, restart", or "no call".
func usedIn(phases []string, ops []int) string {
	var at []string
	for i, n := range ops {
		if n > 0 && i < len(phases) {
			at = append(at, phases[i])
		}
	}
	if len(at) == 0 {
		return "no call"
	}
	return "calls at " + strings.Join(at, ", ")
}

// adeRetirement probes ADE's retirement (F64) in a world of its own: it
// enables ADE on one VM the day before the date the world's options give
// and on another VM on that date, and says what the probe established, for
// example "EnableADE is allowed on 2028-09-14 and refused (F64: not
// supported) on 2028-09-15".
func (s *scenario) adeRetirement(seed uint64, opts *lifecycle.Options) string {
	if !s.ok() {
		return ""
	}
	p := newScenarioWith(seed, opts)
	p.vm("before", ubuntu, d2v3, "")
	p.vm("after", ubuntu, d2v3, "")
	if !p.ok() {
		s.do("ADE retirement probe", p.err)
		return ""
	}
	date := p.w.Options().ADERetirement
	if wait := date.Add(-day).Sub(p.w.Now()); wait > 0 {
		p.w.Advance(wait)
	}
	dayBefore := p.w.Now().Format(time.DateOnly)
	before := p.tryQuiet(p.w.EnableADE("before", lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll}))
	if wait := date.Sub(p.w.Now()); wait > 0 {
		p.w.Advance(wait)
	}
	on := p.w.Now().Format(time.DateOnly)
	at := p.tryQuiet(p.w.EnableADE("after", lifecycle.ADESpec{Vault: kv, Volumes: lifecycle.VolumeAll}))
	s.do("ADE retirement probe", p.err)
	s.note("ADE retirement probe: EnableADE on %s: %s; on %s: %s", dayBefore, before, on, at)
	s.fact(before.Fact, at.Fact)
	return fmt.Sprintf("EnableADE is %s on %s and %s on %s", before, dayBefore, at, on)
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
func Q22SSEOrADE(seed uint64) (Answer, error) { return q22SSEOrADE(seed, nil) }

// q22SSEOrADE is Q22SSEOrADE under the rule switches opts (nil: the
// defaults).
func q22SSEOrADE(seed uint64, opts *lifecycle.Options) (Answer, error) {
	s := newScenarioWith(seed, opts)
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
		"media at rest, every disk of the VM (storage insider)",
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
	var vmDisks []string // the disks of each option's VM
	refusals := make([]int, len(options))
	for i, o := range options {
		c := newScenarioWith(seed+uint64(i)+1, opts)
		des := ""
		c.withCMK()
		c.withKEK()
		if o.des {
			des = "des1"
		}
		c.do("RegisterEncryptionAtHost", c.w.RegisterEncryptionAtHost(sub))
		c.do("GrantBackupAccess", c.w.GrantBackupAccess(kv))
		c.createVM(lifecycle.VMSpec{Name: "vm1", Subscription: sub, Region: region, Image: ubuntu, Size: d2v3, OSDiskDES: des, EncryptionAtHost: o.eah})
		c.dataDisk("vm1", "vm1-data", des)
		if o.ade {
			c.ade("vm1", true)
		}
		c.do("WriteFile temp", c.w.WriteFile("vm1", lifecycle.TempDisk, "/swapfile", []byte("swapped-out page")))
		own := c.check("own", guest("vm1"), diskA("vm1-data"))
		// The raw media of every disk of the VM, OS disk included.
		var media []lifecycle.Verdict
		for _, d := range c.disks["vm1"] {
			media = append(media, c.check("media "+d, insider, mediaA(d)))
		}
		vmDisks = c.disks["vm1"]
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
		covered := func(vs ...lifecycle.Verdict) string {
			enc := make([]bool, len(vs))
			for i, v := range vs {
				enc[i] = !v.Readable
			}
			return map[string]string{"yes": "encrypted", "no": "plaintext", "partly": "partly encrypted", "n/a": "no disk"}[verdictWord(enc...)]
		}
		cmkCell := "n/a"
		if o.ade {
			cmkCell = switchCMK.String()
		}
		cols[i] = coverage{name: o.name, v: own, cells: []string{
			covered(media...), covered(vhd), covered(temp), covered(cache), readable(rp),
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
	retire := s.adeRetirement(seed, opts)
	a, err := s.finish(22, fmt.Sprintf("SSE: media at rest %s on the VM's %d disks (%s) with %d refusals, but a downloaded VHD is %s, a recovery point is %s by the backup operator, and the temp disk is %s and the host caches %s; with encryption at host the temp disk is %s and the caches %s (the temp disk is %s after a DR failover); ADE: VHD %s, recovery point %s by the backup operator, host caches %s, temp disk %s (Linux without EncryptFormatAll), at the cost of %d refusals, and %s",
		sse[0], len(vmDisks), strings.Join(vmDisks, ", "), refusals[1], sse[1], sse[4], sse[2], sse[3], eah[2], eah[3], eah[6], ade[1], ade[4], ade[3], ade[2], refusals[3], retire))
	a.Table = t
	return a, err
}
