package disk_test

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/envelope"
)

// ExampleWriteVHD exports a disk as a fixed VHD and opens the file again as a
// read-only disk.
func ExampleWriteVHD() {
	media := mustMedia(4096, 20<<20/4096) // 20 MiB of 4096-byte sectors
	fsys, _ := disk.Format(media, nil)
	_ = fsys.WriteFile("/data/customers.csv", []byte("1,Alice\n"))

	var file bytes.Buffer
	n, err := disk.WriteVHD(&file, media, &disk.VHDOptions{
		Now:  func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
		Rand: envelope.NewSeededReader(1),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("VHD bytes:", n)

	vhd, err := disk.OpenVHD(bytes.NewReader(file.Bytes()), int64(file.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	f := vhd.Footer()
	fmt.Printf("%d sectors of %d bytes, creator %q, CHS %d/%d/%d, Azure: %v\n",
		vhd.Sectors(), vhd.SectorSize(), f.CreatorApp[:], f.Cylinders, f.Heads, f.SectorsPerTrack, vhd.CheckAzureUpload())
	copyFS, _ := disk.Mount(vhd)
	data, _ := copyFS.ReadFile("/data/customers.csv")
	fmt.Printf("%s", data)
	fmt.Println(errors.Is(copyFS.WriteFile("/x", nil), disk.ErrVHDReadOnly))
	// Output:
	// VHD bytes: 20972032
	// 40960 sectors of 512 bytes, creator "win ", CHS 602/4/17, Azure: <nil>
	// 1,Alice
	// true
}

// mediaHolds reports whether any written sector of m contains s.
func mediaHolds(m *disk.Media, s string) bool {
	buf := make([]byte, m.SectorSize())
	for from := uint64(0); ; {
		first, n, ok := m.NextWritten(from)
		if !ok {
			return false
		}
		for i := range n {
			if m.ReadSectors(buf, first+i) == nil && bytes.Contains(buf, []byte(s)) {
				return true
			}
		}
		from = first + n
	}
}

// exportVHD downloads d as a VHD (F105), as a storage service would serve
// it: SSE is decrypted on the way out (F106).
func exportVHD(d disk.Device) (*disk.VHD, error) {
	var file bytes.Buffer
	if _, err := disk.WriteVHD(&file, d, &disk.VHDOptions{Rand: envelope.NewSeededReader(9)}); err != nil {
		return nil, err
	}
	return disk.OpenVHD(bytes.NewReader(file.Bytes()), int64(file.Len()))
}

// ExampleWriteVHD_sse exports a managed disk with SSE only: the media holds
// ciphertext, but the downloaded VHD is plaintext to whoever holds it
// (F106), and its files are readable.
func ExampleWriteVHD_sse() {
	rand := envelope.NewSeededReader(3)
	pmk, _ := envelope.GenerateAESKEK(rand, "platform-key", envelope.A256KW)
	md, _ := disk.NewManaged(disk.ManagedConfig{
		SectorSize: 512, Sectors: 32 << 20 / 512, Encryption: disk.EncryptionPlatformKey, PMK: pmk, Rand: rand,
	})
	fsys, _ := disk.Format(md, nil)
	_ = fsys.WriteFile("/data/customers.csv", []byte("1,Alice,4111-1111-1111-1111\n"))
	fmt.Println("media holds plaintext:", mediaHolds(md.Raw(), "Alice"))

	vhd, err := exportVHD(md)
	if err != nil {
		fmt.Println(err)
		return
	}
	downloaded, err := disk.Mount(vhd)
	if err != nil {
		fmt.Println(err)
		return
	}
	data, _ := downloaded.ReadFile("/data/customers.csv")
	fmt.Printf("VHD holder reads: %s", data)
	// Output:
	// media holds plaintext: false
	// VHD holder reads: 1,Alice,4111-1111-1111-1111
}

// ExampleWriteVHD_ade exports managed disks whose data sits in guest
// volumes (ADE): the VHD holds volume ciphertext, so the file system cannot
// be opened without the BEK; with the BEK (a Key Vault secret) it can.
func ExampleWriteVHD_ade() {
	rand := envelope.NewSeededReader(4)
	pmk, _ := envelope.GenerateAESKEK(rand, "platform-key", envelope.A256KW)
	bek := []byte("BEK: a secret in the customer's key vault")
	for _, cfg := range []disk.VolumeConfig{
		{Kind: disk.DMCrypt, Mode: disk.EncryptFormatAll, KDFIterations: 1000, Rand: rand},
		{Kind: disk.BitLocker, Mode: disk.EncryptInPlace, KDFIterations: 1000, Rand: rand},
	} {
		md, _ := disk.NewManaged(disk.ManagedConfig{
			SectorSize: 512, Sectors: 32 << 20 / 512, Encryption: disk.EncryptionPlatformKey, PMK: pmk, Rand: rand,
		})
		vol, err := disk.EncryptVolume(md, bek, cfg)
		if err != nil {
			fmt.Println(err)
			return
		}
		fsys, _ := disk.Format(vol, nil)
		_ = fsys.WriteFile("/data/customers.csv", []byte("1,Alice\n"))

		vhd, err := exportVHD(md)
		if err != nil {
			fmt.Println(err)
			return
		}
		_, err = disk.Mount(vhd)
		fmt.Printf("%v: mount without the BEK: %v (encrypted volume: %v)\n", cfg.Kind, err, errors.Is(err, disk.ErrEncryptedVolume))

		_, err = disk.OpenVolume(vhd, []byte("a guess at the BEK"))
		fmt.Printf("%v: wrong BEK: %v\n", cfg.Kind, errors.Is(err, disk.ErrWrongBEK))
		unlocked, err := disk.OpenVolume(vhd, bek)
		if err != nil {
			fmt.Println(err)
			return
		}
		withBEK, err := disk.Mount(unlocked)
		if err != nil {
			fmt.Println(err)
			return
		}
		data, _ := withBEK.ReadFile("/data/customers.csv")
		fmt.Printf("%v: with the BEK: %s", cfg.Kind, data)
	}
	// Output:
	// dm-crypt: mount without the BEK: disk: mount: disk: encrypted volume: needs its key (LUKS header) (encrypted volume: true)
	// dm-crypt: wrong BEK: true
	// dm-crypt: with the BEK: 1,Alice
	// BitLocker: mount without the BEK: disk: mount: disk: encrypted volume: needs its key (BitLocker-like volume header) (encrypted volume: true)
	// BitLocker: wrong BEK: true
	// BitLocker: with the BEK: 1,Alice
}
