package lifecycle

import (
	"encoding/json"
	"fmt"
	"strings"
)

// VantageKind says who is trying to read.
type VantageKind int

// The vantages. The zero value is invalid.
const (
	VantageUnknown VantageKind = iota
	// GuestOS is the guest operating system of a VM, reading its own disks
	// through every layer; a VM that is not running must boot first, which
	// needs its keys (F47, F82).
	GuestOS
	// StorageInsider holds the bytes at rest of the storage service and of
	// the hosts: the raw media of managed disks, snapshots, recovery points
	// and replicas (below SSE, F43), and the host-local disks of VMs (temp
	// disks, F56, and host caches, F57, F59, as they sit on the host, below
	// encryption at host where there is one). It holds no key: none of the
	// platform's, whose DEKs it sees only wrapped, and no access to any
	// customer key vault.
	StorageInsider
	// VHDHolder holds a downloaded VHD, in the cloud (acting as Principal,
	// with that principal's vault permissions) or on premises (a Host with
	// no access to the cloud's key vaults, only the keys handed to it).
	VHDHolder
	// BackupOperator operates the backup service: it holds recovery points
	// and may restore them into new disks (F86-F95).
	BackupOperator
	// DRRegion is the site-recovery target region holding a replica, reading
	// it after failover (F98-F104).
	DRRegion
	// VaultAdmin administers key vaults (keys and secrets) without any
	// permission on disks (F116).
	VaultAdmin
	// RolePrincipal is any principal, with whatever compute and vault roles
	// it has been assigned.
	RolePrincipal
)

var vantageNames = [...]string{"unknown", "guest OS", "storage insider", "VHD holder", "backup operator", "DR region", "vault admin", "principal"}

// String names the vantage kind.
func (k VantageKind) String() string {
	if k < 0 || int(k) >= len(vantageNames) {
		return "unknown"
	}
	return vantageNames[k]
}

// MarshalText encodes the kind by its String.
func (k VantageKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Vantage is a party trying to read an artifact: its kind and, depending on
// the kind, the VM, the principal or the on-premises host it acts as.
type Vantage struct {
	Kind VantageKind `json:"kind"`
	// VM is the VM of a GuestOS vantage.
	VM string `json:"vm,omitempty"`
	// Principal is the principal a VHDHolder in the cloud, a VaultAdmin or
	// a RolePrincipal acts as.
	Principal string `json:"principal,omitempty"`
	// Host is the on-premises host of a VHDHolder outside the cloud.
	Host string `json:"host,omitempty"`
}

// String describes the vantage, for example "guest OS of vm1".
func (v Vantage) String() string {
	switch v.Kind {
	case GuestOS:
		return "guest OS of " + v.VM
	case VHDHolder:
		if v.Host != "" {
			return "VHD holder on premises (" + v.Host + ")"
		}
		return "VHD holder in the cloud (" + v.Principal + ")"
	case VaultAdmin, RolePrincipal:
		return v.Kind.String() + " " + v.Principal
	}
	return v.Kind.String()
}

// ArtifactKind says what is being read.
type ArtifactKind int

// The artifacts. The zero value is invalid.
const (
	ArtifactUnknown ArtifactKind = iota
	// DiskArtifact is a managed disk as the storage service serves it.
	DiskArtifact
	// MediaArtifact is the raw media of a managed disk.
	MediaArtifact
	// TempDiskArtifact is a VM's host-local temp disk, at rest.
	TempDiskArtifact
	// SnapshotArtifact is a managed snapshot.
	SnapshotArtifact
	// VHDArtifact is a downloaded VHD file.
	VHDArtifact
	// RecoveryPointArtifact is one disk of a backup recovery point.
	RecoveryPointArtifact
	// ReplicaArtifact is a disk replicated by site recovery.
	ReplicaArtifact
	// CacheArtifact is the host's cache of a managed disk attached to an
	// allocated VM, at rest on the host: Name is the VM, Disk the disk. It
	// holds the blocks the guest wrote or read since the VM was allocated,
	// as the host received them (above SSE, below ADE). SSE does not cover
	// caches; encryption at host and ADE do (F57, F59). Deallocation drops
	// them, as it drops the temp disk's contents: a simulation choice
	// inferred from F57 (the caches are the host's) and F70, not a
	// documented fact.
	CacheArtifact
)

var artifactNames = [...]string{"unknown", "disk", "raw media", "temp disk", "snapshot", "VHD", "recovery point", "replica", "host cache"}

// String names the artifact kind.
func (k ArtifactKind) String() string {
	if k < 0 || int(k) >= len(artifactNames) {
		return "unknown"
	}
	return artifactNames[k]
}

// MarshalText encodes the kind by its String.
func (k ArtifactKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Artifact names something that holds data: its kind and the name of the
// disk, snapshot, VHD, VM (for a temp disk or a host cache), or recovery
// point; Disk names the disk inside a recovery point, replicated VM or
// host cache.
type Artifact struct {
	Kind ArtifactKind `json:"kind"`
	Name string       `json:"name"`
	Disk string       `json:"disk,omitempty"`
}

// String describes the artifact, for example "disk data1".
func (a Artifact) String() string {
	if a.Disk != "" {
		return a.Kind.String() + " " + a.Name + "/" + a.Disk
	}
	return a.Kind.String() + " " + a.Name
}

// Layer is one encryption layer on an artifact, from the outside in.
type Layer struct {
	// Name is the layer, for example "SSE-CMK", "ADE dm-crypt", "files".
	Name string `json:"name"`
	// State is "present", or why the layer no longer applies (for example
	// "removed at the storage boundary").
	State string `json:"state"`
	// Key names the entry of Verdict.Keys the layer needs, empty if none.
	Key string `json:"key,omitempty"`
}

// KeyAccess is one key a layer needs and whether the vantage can obtain it.
// It names the key; it never holds key material.
type KeyAccess struct {
	// Name identifies the key: a versioned Key Vault URL, or a description
	// such as "platform key of disk d1".
	Name string `json:"name"`
	// Obtainable says whether the vantage can use the key.
	Obtainable bool `json:"obtainable"`
	// Why explains why not (disabled, soft-deleted, purged, forbidden, other
	// region, on premises), or how it is obtained.
	Why string `json:"why"`
}

// Verdict is the answer to "can this vantage read this artifact?": the
// answer, the layers on the artifact, the keys they need and whether the
// vantage can obtain each, and the facts of FACTS.md behind it. It never
// holds key material.
type Verdict struct {
	Vantage  Vantage     `json:"vantage"`
	Artifact Artifact    `json:"artifact"`
	Readable bool        `json:"readable"`
	Reason   string      `json:"reason"`
	Layers   []Layer     `json:"layers"`
	Keys     []KeyAccess `json:"keys"`
	Facts    []string    `json:"facts"`
}

// String returns the compact text form, several lines:
//
//	guest OS of vm1 -> disk d1: readable
//	  layers: SSE-PMK [removed by the storage service] > files
//	  key platform key: obtainable (held by the storage service)
//	  facts: F43 F86
func (v Verdict) String() string {
	var b strings.Builder
	ans := "not readable"
	if v.Readable {
		ans = "readable"
	}
	fmt.Fprintf(&b, "%s -> %s: %s", v.Vantage, v.Artifact, ans)
	if v.Reason != "" {
		fmt.Fprintf(&b, " (%s)", v.Reason)
	}
	b.WriteString("\n  layers:")
	for i, l := range v.Layers {
		if i > 0 {
			b.WriteString(" >")
		}
		b.WriteString(" ")
		b.WriteString(l.Name)
		if l.State != "present" {
			fmt.Fprintf(&b, " [%s]", l.State)
		}
	}
	for _, k := range v.Keys {
		ob := "not obtainable"
		if k.Obtainable {
			ob = "obtainable"
		}
		fmt.Fprintf(&b, "\n  key %s: %s (%s)", k.Name, ob, k.Why)
	}
	if len(v.Facts) > 0 {
		b.WriteString("\n  facts: ")
		b.WriteString(strings.Join(v.Facts, " "))
	}
	return b.String()
}

// JSON returns the JSON form of the verdict.
func (v Verdict) JSON() ([]byte, error) { return json.Marshal(v) }
