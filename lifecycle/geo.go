package lifecycle

// Region is an Azure region of the simulated cloud: its name, its
// geography (the boundary of key backup restore, F33) and its paired region
// (the target of cross-region restore, F87, F91, and of vault failover, F37).
type Region struct {
	Name      string
	Geography string
	Paired    string
}

// regions is the fixed table of real Azure regions the world knows, sorted
// by name. Pairs are symmetric here; the real table has a few one-way pairs
// (for example Brazil South), which the simulation leaves out.
var regions = [...]Region{
	{"australiaeast", "Australia", "australiasoutheast"},
	{"australiasoutheast", "Australia", "australiaeast"},
	{"canadacentral", "Canada", "canadaeast"},
	{"canadaeast", "Canada", "canadacentral"},
	{"centralus", "United States", "eastus2"},
	{"eastus", "United States", "westus"},
	{"eastus2", "United States", "centralus"},
	{"francecentral", "France", "francesouth"},
	{"francesouth", "France", "francecentral"},
	{"germanynorth", "Germany", "germanywestcentral"},
	{"germanywestcentral", "Germany", "germanynorth"},
	{"japaneast", "Japan", "japanwest"},
	{"japanwest", "Japan", "japaneast"},
	{"northeurope", "Europe", "westeurope"},
	{"uksouth", "United Kingdom", "ukwest"},
	{"ukwest", "United Kingdom", "uksouth"},
	{"westeurope", "Europe", "northeurope"},
	{"westus", "United States", "eastus"},
}

// LookupRegion returns the region named name from the world's fixed table.
func LookupRegion(name string) (Region, bool) {
	for _, r := range regions {
		if r.Name == name {
			return r, true
		}
	}
	return Region{}, false
}

// Regions returns the fixed table of regions, sorted by name.
func Regions() []Region { return append([]Region(nil), regions[:]...) }
