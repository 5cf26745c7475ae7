package lifecycle

import (
	"fmt"
	"time"
)

// Options holds the switches for rules where the documentation disagrees
// with itself or has changed over time (FACTS.md, the last two sections),
// and the delays the cloud documents. The zero value is not used directly:
// [DefaultOptions] returns the documented defaults, and [New] fills any zero
// duration with its default.
type Options struct {
	// ADECrossRegionRestore allows restoring an ADE VM's recovery point to
	// the paired region. The Backup documentation (the feature owner) says
	// yes; the ADE FAQs say no. Default true (FACTS.md, doc-internal
	// inconsistencies; F91).
	ADECrossRegionRestore bool
	// ADEFileLevelRestore allows file- or folder-level restore
	// ([World.RecoverFile]) from an ADE VM's recovery point. The 2026
	// Backup page says so by an editing slip; the support matrix and older
	// pages say no. Default false (F91, F93).
	ADEFileLevelRestore bool
	// ExpiredCMKUnusable makes the disk layer treat an expired customer key
	// like a disabled one, although Key Vault still unwraps with expired
	// keys (F10, F47). Default true.
	ExpiredCMKUnusable bool
	// CMKToPMKWithSnapshots allows switching a disk from CMK back to PMK
	// when it has snapshots. The restrictions say CMK cannot be disabled on
	// disks with incremental snapshots; the FAQ shows the switch on a
	// detached disk. Default false: allowed only without snapshots (F49).
	CMKToPMKWithSnapshots bool
	// UltraNoAutoShutdown keeps VMs running when the customer key of an
	// Ultra or Premium SSD v2 disk is revoked (2021-era wording); the 2025
	// documentation shuts every VM down. Default false (F48).
	UltraNoAutoShutdown bool
	// V5TempDiskEncrypted models the newest note that v5 and newer VM sizes
	// encrypt temp disks at rest automatically; older guidance says SSE
	// leaves the temp disk unencrypted. Default true (F56, older-guidance 4).
	V5TempDiskEncrypted bool
	// ADEWindowsCustomImages allows ADE on Windows custom images: the
	// official table only excludes custom Linux images. Default true (F75,
	// older-guidance 2).
	ADEWindowsCustomImages bool
	// BackupBEKOnly allows backing up ADE VMs encrypted with a BEK and no
	// KEK; the 2016 documentation did not. Default true (F88, older-guidance 5).
	BackupBEKOnly bool
	// ASRLinuxADE allows replicating Linux ADE VMs with site recovery; the
	// older matrix did not. Default true (F98, older-guidance 6).
	ASRLinuxADE bool
	// RevocationDelay is how long after a customer key becomes unusable disk
	// I/O fails and VMs shut down. Default one hour (F47, older-guidance 9).
	RevocationDelay time.Duration
	// RotationPickup is how long after a key rotation a disk encryption set
	// with automatic rotation re-wraps its disks' DEKs. Default one hour
	// (F50).
	RotationPickup time.Duration
	// ADERetirement is the date after which ADE cannot be enabled and
	// encrypted volumes fail to unlock at boot. Default 2028-09-15 (F64).
	ADERetirement time.Time
	// Start is the simulated time the world begins at. Default sim.Epoch(),
	// 2026-01-01 UTC.
	Start time.Time
}

// DefaultOptions returns the documented defaults described on each field of
// [Options].
func DefaultOptions() Options {
	return Options{
		ADECrossRegionRestore:  true,
		ADEFileLevelRestore:    false,
		ExpiredCMKUnusable:     true,
		CMKToPMKWithSnapshots:  false,
		UltraNoAutoShutdown:    false,
		V5TempDiskEncrypted:    true,
		ADEWindowsCustomImages: true,
		BackupBEKOnly:          true,
		ASRLinuxADE:            true,
		RevocationDelay:        time.Hour,
		RotationPickup:         time.Hour,
		ADERetirement:          time.Date(2028, time.September, 15, 0, 0, 0, 0, time.UTC),
	}
}

// validate fills zero durations and times with defaults and rejects
// negative ones.
func (o *Options) validate() error {
	d := DefaultOptions()
	if o.RevocationDelay < 0 || o.RotationPickup < 0 {
		return refuse("New", "", ErrInvalid, fmt.Sprintf("negative delay in options (revocation %v, rotation %v)", o.RevocationDelay, o.RotationPickup))
	}
	if o.RevocationDelay == 0 {
		o.RevocationDelay = d.RevocationDelay
	}
	if o.RotationPickup == 0 {
		o.RotationPickup = d.RotationPickup
	}
	if o.ADERetirement.IsZero() {
		o.ADERetirement = d.ADERetirement
	}
	return nil
}
