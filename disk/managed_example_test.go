package disk_test

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/atrest-sim/atrest/disk"
	"github.com/atrest-sim/atrest/envelope"
)

// rawContains reports whether any written sector of m holds s.
func rawContains(m *disk.Media, s string) bool {
	buf := make([]byte, m.SectorSize())
	for from := uint64(0); ; {
		first, n, ok := m.NextWritten(from)
		if !ok {
			return false
		}
		for i := range n {
			m.ReadSectors(buf, first+i)
			if bytes.Contains(buf, []byte(s)) {
				return true
			}
		}
		from = first + n
	}
}

// Example_layers writes a record through a guest volume (ADE) on a managed
// disk (SSE) and shows who can read it: the guest, with the BEK; the storage
// service, which hands out SSE-decrypted sectors that are still ADE
// ciphertext; and the raw media, which holds ciphertext of both layers.
func Example_layers() {
	rand := envelope.NewSeededReader(1)
	cmk, _ := envelope.GenerateAESKEK(rand, "https://contoso.vault/keys/des-key/1", envelope.A256KW)
	osDisk, err := disk.NewManaged(disk.ManagedConfig{
		SectorSize: 512, Sectors: 1 << 31, // 1 TiB, sparse
		Encryption: disk.EncryptionCustomerKey, CMK: cmk, Rand: rand,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	bek := []byte("the BEK: a 32-byte Key Vault secret")
	vol, err := disk.EncryptVolume(osDisk, bek, disk.VolumeConfig{
		Kind: disk.DMCrypt, Mode: disk.EncryptFormatAll, KDFIterations: 1000, Rand: rand,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	record := make([]byte, 512)
	copy(record, "customers.csv: alice,4111-1111-1111-1111")
	vol.WriteSectors(record, 7)

	guest := make([]byte, 512)
	vol.ReadSectors(guest, 7)
	fmt.Println("guest reads the record:", bytes.Equal(guest, record))

	served := make([]byte, 512*4096) // what a VHD download would hold (F106)
	osDisk.ReadSectors(served, 0)
	fmt.Println("storage service hands out plaintext:", bytes.Contains(served, []byte("alice")))
	fmt.Println("raw media holds plaintext:", rawContains(osDisk.Raw(), "alice"))

	_, err = disk.OpenVolume(osDisk, []byte("a guess"))
	fmt.Println("open with a wrong BEK:", errors.Is(err, disk.ErrWrongBEK))
	// Output:
	// guest reads the record: true
	// storage service hands out plaintext: false
	// raw media holds plaintext: false
	// open with a wrong BEK: true
}

// disabledKEK stands for a customer key that was disabled in the vault.
type disabledKEK struct{ envelope.KEK }

var errKeyDisabled = errors.New("vault: key is disabled")

func (disabledKEK) Unwrap(*envelope.Wrapped) (*envelope.DEK, error) { return nil, errKeyDisabled }

// ExampleManaged shows SSE only: the service decrypts for whoever reads
// through it, the media holds ciphertext, and when the customer key is
// disabled and the cached DEK is dropped (F47) I/O fails naming the key.
func ExampleManaged() {
	rand := envelope.NewSeededReader(2)
	cmk, _ := envelope.GenerateAESKEK(rand, "https://contoso.vault/keys/des-key/1", envelope.A256KW)
	d, _ := disk.NewManaged(disk.ManagedConfig{
		SectorSize: 512, Sectors: 1 << 20, Encryption: disk.EncryptionCustomerKey, CMK: cmk, Rand: rand,
	})
	record := make([]byte, 512)
	copy(record, "payroll.xlsx: bob,120000")
	d.WriteSectors(record, 0)

	served := make([]byte, 512)
	d.ReadSectors(served, 0)
	fmt.Println("service reads plaintext:", bytes.Equal(served, record))
	fmt.Println("media holds plaintext:", rawContains(d.Raw(), "payroll"))

	// Lifecycle swaps in the vault's view of the key once it is disabled.
	d2 := d.Clone()
	_ = d2.Rewrap(disk.CustomerKey, disabledKEK{cmk})
	d2.Lock() // the one-hour cache ends
	err := d2.ReadSectors(served, 0)
	var ke *disk.KeyError
	fmt.Println("read after disable:", errors.Is(err, disk.ErrKeyUnavailable), errors.As(err, &ke) && ke.KeyID == cmk.KeyID())
	fmt.Println(err)
	// Output:
	// service reads plaintext: true
	// media holds plaintext: false
	// read after disable: true true
	// disk: read: customer key https://contoso.vault/keys/des-key/1 unavailable (F47): vault: key is disabled
}
