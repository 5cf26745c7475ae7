package lifecycle

import (
	"strings"

	"github.com/atrest-sim/atrest/disk"
)

// OS is a guest operating system family.
type OS int

// The OS families. The zero value is invalid.
const (
	OSUnknown OS = iota
	Windows
	Linux
)

// String returns "Windows" or "Linux".
func (o OS) String() string {
	switch o {
	case Windows:
		return "Windows"
	case Linux:
		return "Linux"
	}
	return "UnknownOS"
}

// ImageSource says where an image comes from (F74, F75).
type ImageSource int

// The image sources. The zero value is invalid.
const (
	SourceUnknown ImageSource = iota
	// Marketplace is an endorsed publisher image.
	Marketplace
	// Gallery is an image version in an Azure Compute Gallery, shared from
	// a marketplace image (it keeps the publisher's support status).
	Gallery
	// Custom is an image built by the customer, including images captured
	// from VMs (F75, F112).
	Custom
)

// String names the source.
func (s ImageSource) String() string {
	switch s {
	case Marketplace:
		return "marketplace"
	case Gallery:
		return "gallery"
	case Custom:
		return "custom"
	}
	return "unknown"
}

// ADESupport is what ADE may encrypt on an image (F74).
type ADESupport int

// The ADE support levels.
const (
	// ADENone: the image is not on the ADE support list.
	ADENone ADESupport = iota
	// ADEDataOnly: only data volumes can be encrypted (for example SLES).
	ADEDataOnly
	// ADEOSAndData: OS and data volumes can be encrypted.
	ADEOSAndData
)

// String names the support level.
func (a ADESupport) String() string {
	switch a {
	case ADEDataOnly:
		return "data only"
	case ADEOSAndData:
		return "OS and data"
	}
	return "none"
}

// Image is an OS image a VM is created from.
type Image struct {
	// Name identifies the image, for example "Canonical:ubuntu-22_04-lts".
	Name string
	OS   OS
	// Distro and Version name the operating system, for example "Ubuntu"
	// "22.04" or "WindowsServer" "2022".
	Distro  string
	Version string
	Source  ImageSource
	// Generalized is true for images prepared with sysprep or waagent
	// deprovision; specialized images are copies of one VM (F112).
	Generalized bool
	// ADE is the support level for Azure Disk Encryption (F74). For custom
	// images it is the level of the base OS; the custom-image rule (F75) is
	// applied separately.
	ADE ADESupport
	// RootUsageGB is the space used on the root file system, which sets the
	// memory ADE needs for Linux OS encryption (F72).
	RootUsageGB int
	// fromADE marks images captured from ADE disks (never allowed, F75).
	fromADE bool
	// content and files are the OS disk of a captured image.
	content *disk.Managed
	files   *ledger
}

// images is the built-in catalogue, sorted by name. Linux entries follow
// the ADE support list of FACTS.md F74; Windows supports ADE on any version
// with BitLocker.
var images = [...]Image{
	{Name: "Canonical:ubuntu-20_04-lts", OS: Linux, Distro: "Ubuntu", Version: "20.04", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 2},
	{Name: "Canonical:ubuntu-22_04-lts", OS: Linux, Distro: "Ubuntu", Version: "22.04", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 2},
	{Name: "Canonical:ubuntu-24_04-lts", OS: Linux, Distro: "Ubuntu", Version: "24.04", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 3},
	{Name: "Debian:debian-12", OS: Linux, Distro: "Debian", Version: "12", Source: Marketplace, Generalized: true, ADE: ADENone, RootUsageGB: 2},
	{Name: "Gallery:ubuntu-22_04-lts", OS: Linux, Distro: "Ubuntu", Version: "22.04", Source: Gallery, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 2},
	{Name: "MicrosoftCBLMariner:cbl-mariner-2", OS: Linux, Distro: "CBL-Mariner", Version: "2.0", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 2},
	{Name: "MicrosoftWindowsDesktop:windows-11", OS: Windows, Distro: "Windows", Version: "11", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 20},
	{Name: "MicrosoftWindowsServer:2019-datacenter", OS: Windows, Distro: "WindowsServer", Version: "2019", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 12},
	{Name: "MicrosoftWindowsServer:2022-datacenter", OS: Windows, Distro: "WindowsServer", Version: "2022", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 12},
	{Name: "Oracle:oracle-linux-8_6", OS: Linux, Distro: "Oracle", Version: "8.6", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 3},
	{Name: "RedHat:rhel-8_6", OS: Linux, Distro: "RHEL", Version: "8.6", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 3},
	{Name: "RedHat:rhel-9_4", OS: Linux, Distro: "RHEL", Version: "9.4", Source: Marketplace, Generalized: true, ADE: ADEOSAndData, RootUsageGB: 3},
	{Name: "SUSE:sles-15-sp5", OS: Linux, Distro: "SLES", Version: "15 SP5", Source: Marketplace, Generalized: true, ADE: ADEDataOnly, RootUsageGB: 3},
}

// Images returns the built-in image catalogue, sorted by name. Custom
// images are added to a world with [World.AddCustomImage] or
// [World.CaptureImage].
func Images() []Image { return append([]Image(nil), images[:]...) }

// Size is a VM size: memory, the size series version (v3, v5, ...), the temp
// disk, and the capabilities the encryption rules depend on.
type Size struct {
	Name     string
	MemoryGB int
	// Series is the version of the size series: 2 for A_v2, 5 for Dsv5.
	// v5 and newer encrypt temp disks at rest (F56); v7 and newer do not
	// support ADE (F73).
	Series int
	// TempDiskGB is the size of the host-local temp disk, 0 if none.
	TempDiskGB int
	// Family is the letter family: "A", "B", "D", "E", "L", "Basic".
	Family string
	// EAH says whether encryption at host is supported (F58).
	EAH bool
	// WriteAccelerator is set for M-series sizes with Write Accelerator.
	WriteAccelerator bool
}

// sizes is the built-in size table, sorted by name.
var sizes = [...]Size{
	{Name: "Basic_A1", MemoryGB: 2, Series: 1, TempDiskGB: 40, Family: "Basic"},
	{Name: "Standard_A2_v2", MemoryGB: 4, Series: 2, TempDiskGB: 20, Family: "A"},
	{Name: "Standard_B2s", MemoryGB: 4, Series: 1, TempDiskGB: 8, Family: "B", EAH: true},
	{Name: "Standard_D2ds_v5", MemoryGB: 8, Series: 5, TempDiskGB: 75, Family: "D", EAH: true},
	{Name: "Standard_D2ds_v6", MemoryGB: 8, Series: 6, TempDiskGB: 110, Family: "D", EAH: true},
	{Name: "Standard_D2s_v3", MemoryGB: 8, Series: 3, TempDiskGB: 16, Family: "D", EAH: true},
	{Name: "Standard_D2s_v5", MemoryGB: 8, Series: 5, TempDiskGB: 0, Family: "D", EAH: true},
	{Name: "Standard_D4s_v3", MemoryGB: 16, Series: 3, TempDiskGB: 32, Family: "D", EAH: true},
	{Name: "Standard_D4s_v7", MemoryGB: 16, Series: 7, TempDiskGB: 0, Family: "D", EAH: true},
	{Name: "Standard_E8s_v3", MemoryGB: 64, Series: 3, TempDiskGB: 128, Family: "E", EAH: true},
	{Name: "Standard_L8s_v3", MemoryGB: 64, Series: 3, TempDiskGB: 80, Family: "L", EAH: true},
	{Name: "Standard_M32ms", MemoryGB: 875, Series: 1, TempDiskGB: 1024, Family: "M", EAH: true, WriteAccelerator: true},
}

// Sizes returns the built-in VM size table, sorted by name.
func Sizes() []Size { return append([]Size(nil), sizes[:]...) }

// lookupSize returns the size named name.
func lookupSize(name string) (Size, bool) {
	for _, s := range sizes {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return Size{}, false
}

// lookupImage returns the catalogue image named name.
func lookupImage(name string) (Image, bool) {
	for _, im := range images {
		if im.Name == name {
			return im, true
		}
	}
	return Image{}, false
}

// adeSizeRefusal returns why ADE is not supported on size s (F73), or "".
func adeSizeRefusal(s Size) string {
	switch {
	case s.Family == "Basic":
		return "Basic tier sizes do not support ADE"
	case s.Family == "A":
		return "A-series sizes do not support ADE"
	case s.Family == "L":
		return "L-series sizes do not support ADE"
	case s.WriteAccelerator:
		return "M-series sizes with Write Accelerator do not support ADE"
	case s.Series >= 7:
		return "v7 and newer sizes do not support ADE"
	case s.Series == 6 && s.TempDiskGB > 0:
		return "v6 sizes with a temp disk do not support ADE"
	}
	return ""
}

// adeMemoryNeedGB returns the memory ADE needs (F72): Linux data-only 2 GB;
// Linux OS encryption 8 GB when the root file system uses at most 4 GB, and
// twice the root usage above that; Windows 2 GB.
func adeMemoryNeedGB(os OS, encryptOS bool, rootUsageGB int) int {
	if os == Windows || !encryptOS {
		return 2
	}
	if rootUsageGB <= 4 {
		return 8
	}
	return 2 * rootUsageGB
}
