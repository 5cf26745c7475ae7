package examples_test

import (
	"fmt"

	"github.com/atrest-sim/atrest/examples"
)

// show prints an answer in its compact text form, or the scenario's error.
func show(a examples.Answer, err error) {
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(a)
}

// Question 1, computed with seed 1.
func ExampleQ01DefaultEncryption() {
	show(examples.Q01DefaultEncryption(1))
	// Output:
	// Q1. Is data on managed disks encrypted at rest by default, and can that be turned off?
	// A: yes: a disk created with no settings has SSE-PMK (raw media not readable, its VM reads it: yes); can it be turned off: no: the only setting without a customer key (allowed) leaves SSE-PMK, raw media not readable, VM reads: yes
	//   - raw media of a new disk with default settings: storage insider -> raw media vm1-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry)
	//   - the VM reading it: guest OS of vm1 -> disk vm1-data: readable; layers SSE-PMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - SetDiskEncryption(vm1-data, no customer key), the closest to 'off': allowed
	//   - raw media afterwards: storage insider -> raw media vm1-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry)
	//   - the VM reading it afterwards: guest OS of vm1 -> disk vm1-data: readable; layers SSE-PMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   facts: F43 F44
}

// Question 2, computed with seed 1.
func ExampleQ02OwnKey() {
	show(examples.Q02OwnKey(1))
	// Output:
	// Q2. Can I use my own key for storage-side encryption and for Azure Disk Encryption? Does my key encrypt the data itself?
	// A: yes: SSE with a customer key (SSE-CMK > files, VM reads: yes) and ADE with a KEK (SSE-PMK > ADE dm-crypt > files, VM reads: yes); does the key encrypt the data: no: the key only wraps the per-disk DEK or the BEK (4 and 2 Key Vault operations at setup), and writing 128 files cost 0
	//   - Key Vault operations to create a VM with 2 CMK disks: 4 (UnwrapKey 2, WrapKey 2)
	//   - SSE with a customer key: guest OS of vm1 -> disk vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - Key Vault operations to enable ADE with a KEK on 2 volumes: 2 (SetSecret 1, WrapKey 1)
	//   - ADE with a KEK: guest OS of vm2 -> disk vm2-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   - Key Vault operations while writing 64 files of 16 KiB to each VM: 0
	//   facts: F44 F45 F63 F65 F82
}

// Question 3, computed with seed 1.
func ExampleQ03SSEPlatformKeyVHD() {
	show(examples.Q03SSEPlatformKeyVHD(1))
	// Output:
	// Q3. SSE with platform keys: if someone downloads the VHD and mounts it on premises, is the data readable?
	// A: yes: the VHD is readable on premises with no key at all (layers SSE > files); the host read /data/customers.csv back intact: yes
	//   - VHD on premises: VHD holder on premises (laptop) -> VHD vm1-data.vhd: readable; layers SSE [removed at the storage boundary] > files
	//   - the host mounts the VHD and reads /data/customers.csv: 16 bytes, identical to what the VM wrote: yes
	//   facts: F106
}

// Question 4, computed with seed 1.
func ExampleQ04SSECustomerKeyVHD() {
	show(examples.Q04SSECustomerKeyVHD(1))
	// Output:
	// Q4. SSE with a customer-managed key: if someone downloads the VHD and mounts it on premises, is the data readable?
	// A: yes: the VHD is readable on premises (layers SSE > files): the storage service removed SSE at export, the customer key does not travel with the file; disabling the key afterwards leaves that copy readable, and a new export is refused (F107: key unavailable)
	//   - VHD of a CMK disk on premises: VHD holder on premises (laptop) -> VHD vm1-data.vhd: readable; layers SSE [removed at the storage boundary] > files
	//   - the same VHD after the key is disabled: VHD holder on premises (laptop) -> VHD vm1-data.vhd: readable; layers SSE [removed at the storage boundary] > files
	//   - GrantAccess after disabling the key: allowed
	//   - DownloadVHD after disabling the key: refused (F107: key unavailable) by DownloadVHD: reading the disk through the storage service
	//   facts: F106 F107
}

// Question 5, computed with seed 1.
func ExampleQ05ADEVHD() {
	show(examples.Q05ADEVHD(1))
	// Output:
	// Q5. ADE with a KEK: if someone downloads the VHD and mounts it on premises, is the data readable? And if the BEK is handed to the on-premises host?
	// A: no: the VHD is not readable on premises (layers SSE > ADE dm-crypt > files, cannot obtain BEK); handing the BEK over: by a principal without vault access refused (F65: forbidden), by the vault administrator allowed, and then the VHD is readable
	//   - VHD of an ADE disk on premises: VHD holder on premises (laptop) -> VHD vm1-data.vhd: not readable (cannot obtain BEK); layers SSE [removed at the storage boundary] > ADE dm-crypt > files; keys: BEK not obtainable (on premises: no access to the cloud's key vaults)
	//   - a Contributor without vault roles hands the BEK to the host: refused (F65: forbidden) by HandBEKToHost: contractor cannot obtain the BEK
	//   - the vault administrator hands the BEK to the host: allowed
	//   - VHD on premises with the BEK: VHD holder on premises (laptop) -> VHD vm1-data.vhd: readable; layers SSE [removed at the storage boundary] > ADE dm-crypt > files; keys: BEK obtainable (handed to the host by an authorized principal)
	//   facts: F63 F65 F67 F106
}

// Question 6, computed with seed 1.
func ExampleQ06OptOut() {
	show(examples.Q06OptOut(1))
	// Output:
	// Q6. Can I opt out of ADE? Can I disable SSE?
	// A: ADE is opt-in: yes (without it: SSE-PMK > files; with it: SSE-PMK > ADE dm-crypt > files); disabling it: Linux data volume allowed (data readable, layers SSE-PMK > files), Linux with an encrypted OS volume refused (F77: not supported), Windows allowed; the disk keeps the ADE flag: a customer key afterwards is refused (F53: encryption types exclude each other); can SSE be disabled: no: 'off' is allowed and leaves SSE-PMK, raw media not readable
	//   - a VM created without ADE: guest OS of vm1 -> disk vm1-data: readable; layers SSE-PMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - disabling ADE on the data volume of a Linux VM whose OS volume is encrypted: refused (F77: not supported) by DisableADE: Linux supports disabling ADE only while the OS volume is not encrypted
	//   - a Linux VM with ADE on its data volume: guest OS of lnxdata -> disk lnxdata-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   - disabling ADE on that data volume: allowed
	//   - after disabling: guest OS of lnxdata -> disk lnxdata-data: readable; layers SSE-PMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - disabling ADE on all volumes of a Windows VM: allowed
	//   - moving the formerly ADE disk to a customer key: refused (F53: encryption types exclude each other) by SetDiskEncryption: disks currently or previously encrypted with ADE cannot use customer-managed keys
	//   - switching SSE off on vm1-data: allowed
	//   - raw media after switching SSE off: storage insider -> raw media vm1-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry)
	//   facts: F43 F44 F53 F63 F65 F77 F82 F84
}

// Question 7, computed with seed 1.
func ExampleQ07Backup() {
	show(examples.Q07Backup(1))
	// Output:
	// Q7. When I back up a VM encrypted with SSE, or with ADE (with and without KEK), is the backup encrypted? Is a VM restored from it encrypted, and with which keys?
	// A: yes, encrypted: SSE recovery point not readable to an insider, readable to the backup operator, restored as SSE-CMK > files; ADE recovery points keep the guest layer (backup operator: not readable, not readable), need vault access first (refused (F90: forbidden)), and restore as SSE-PMK > ADE dm-crypt > files / SSE-PMK > ADE dm-crypt > files with the source's BEK secret: yes / yes
	//   - SSE-CMK recovery point, storage insider: storage insider -> recovery point rp-vmsse/vmsse-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry)
	//   - SSE-CMK recovery point, backup operator: backup operator -> recovery point rp-vmsse/vmsse-data: readable; layers SSE-PMK [removed by the storage service] > files; keys: SSE DEKs obtainable (platform key held by the storage service)
	//   - SSE-CMK restored VM: guest OS of vmsser -> disk vmsser-vmsse-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - backing up an ADE VM before the backup service has vault access: refused (F90: forbidden) by BackupVM: UserErrorKeyvaultPermissionsNotConfigured
	//   - ADE BEK only recovery point, storage insider: storage insider -> recovery point rp-vmbek/vmbek-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > ADE dm-crypt > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry), BEK not obtainable (the storage insider has no access to the BEK's key vault)
	//   - ADE BEK only recovery point, backup operator: backup operator -> recovery point rp-vmbek/vmbek-data: not readable (cannot obtain BEK); layers SSE-PMK [removed by the storage service] > ADE dm-crypt > files; keys: SSE DEKs obtainable (platform key held by the storage service), BEK not obtainable (the backup operator has no access to the BEK's key vault)
	//   - ADE BEK only restored VM: guest OS of vmbekr -> disk vmbekr-vmbek-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   - ADE BEK+KEK recovery point, storage insider: storage insider -> recovery point rp-vmkek/vmkek-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > ADE dm-crypt > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry), BEK not obtainable (the storage insider has no access to the BEK's key vault)
	//   - ADE BEK+KEK recovery point, backup operator: backup operator -> recovery point rp-vmkek/vmkek-data: not readable (cannot obtain BEK); layers SSE-PMK [removed by the storage service] > ADE dm-crypt > files; keys: SSE DEKs obtainable (platform key held by the storage service), BEK not obtainable (the backup operator has no access to the BEK's key vault)
	//   - ADE BEK+KEK restored VM: guest OS of vmkekr -> disk vmkekr-vmkek-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   source       | recovery point: insider | recovery point: backup operator | restored VM layers             | restored VM reads | same BEK secret
	//   SSE-CMK      | not readable            | readable                        | SSE-CMK > files                | yes               | n/a (no BEK)
	//   ADE BEK only | not readable            | not readable                    | SSE-PMK > ADE dm-crypt > files | yes               | yes
	//   ADE BEK+KEK  | not readable            | not readable                    | SSE-PMK > ADE dm-crypt > files | yes               | yes
	//   facts: F43 F44 F63 F65 F82 F86 F89 F90 F106
}

// Question 8, computed with seed 1.
func ExampleQ08DisasterRecovery() {
	show(examples.Q08DisasterRecovery(1))
	// Output:
	// Q8. When I replicate a VM for disaster recovery, is the replica encrypted, and can the target region read it after failover?
	// A: encrypted: yes (raw replica media not readable for CMK, not readable for ADE); CMK replication needs a DES in northeurope (refused (F101: not found) without, allowed with) and the replica is SSE-CMK > files there; ADE replication copies the keys to a vault there (allowed), the replica keeps SSE-PMK > ADE dm-crypt > files and is readable; after failover the VMs read their data: yes, yes
	//   - replicating the CMK VM without a DES in northeurope: refused (F101: not found) by EnableReplication: customer-key disk vm1-osdisk needs a disk encryption set in the target region
	//   - replicating it with a DES in northeurope: allowed
	//   - replicating the ADE VM, keys copied to kv2: allowed
	//   - CMK replica, storage insider: storage insider -> replica vm1/vm1-data: not readable (cannot obtain SSE DEKs); layers SSE-CMK > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry)
	//   - CMK replica, DR region: DR region -> replica vm1/vm1-data: readable; layers SSE-CMK [removed by the storage service] > files; keys: SSE DEKs obtainable (unwrapped through the disk encryption set's identity)
	//   - ADE replica, storage insider: storage insider -> replica vm2/vm2-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > ADE dm-crypt > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry), BEK not obtainable (the storage insider has no access to the BEK's key vault)
	//   - ADE replica, DR region: DR region -> replica vm2/vm2-data: readable; layers SSE-PMK [removed by the storage service] > ADE dm-crypt > files; keys: SSE DEKs obtainable (platform key held by the storage service), BEK secret kv2/secrets/fc928ac8812b65af3763ddbbc067392e/9d23ba26 obtainable (read by the platform in the target region), KEK kv2/keys/kek/be09ffe6 obtainable (unwrapped by the platform in the target region)
	//   - CMK VM after failover: guest OS of vm1-dr -> disk vm1-dr-vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - ADE VM after failover: guest OS of vm2-dr -> disk vm2-dr-vm2-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   facts: F43 F44 F45 F47 F63 F65 F82 F89 F99 F101 F106
}

// Question 9, computed with seed 1.
func ExampleQ09KeyDeleted() {
	show(examples.Q09KeyDeleted(1))
	// Output:
	// Q9. What happens if my key is deleted? Soft-deleted and recovered; purged with purge protection on; purged without it; purged but a key backup exists.
	// A: soft-deleted: the VM is stopped an hour later and its disk not readable, recover brings it back (readable, start allowed); with purge protection the purge is refused (F27: forbidden); without it (ADE vault only: a DES on such a vault is refused (F32: key vault not configured for this use)) the purge is allowed, the disk is not readable for good and the VM start is refused (F114: data unrecoverable); purged with a key backup: start refused (F82: boot failure: cannot unlock encrypted volume), restore allowed, then start allowed and the data is readable
	//   - VM 61 minutes after its customer key was soft-deleted: stopped (customer key unavailable (F47))
	//   - CMK soft-deleted: guest OS of vm1 -> disk vm1-data: not readable (cannot obtain SSE DEKs); layers SSE-CMK [removed by the host] > files; keys: SSE DEKs not obtainable (soft-deleted or purged (F23))
	//   - purging it with purge protection on: refused (F27: forbidden) by PurgeKey: vault refused
	//   - CMK recovered: guest OS of vm1 -> disk vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (unwrapped through the disk encryption set's identity)
	//   - starting the VM after recovery: allowed
	//   - a disk encryption set on a vault without purge protection: refused (F32: key vault not configured for this use) by CreateDES: vault kv3 lacks purge protection
	//   - purging the ADE KEK without purge protection: allowed
	//   - ADE KEK purged: guest OS of vm2 -> disk vm2-data: not readable (cannot obtain KEK https://kv3.vault.azure.net/keys/kek3/9d024bae051fe9549c7267f6fd58363c); layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (platform key held by the storage service), BEK secret kv3/secrets/fc928ac8812b65af3763ddbbc067392e/26777e23 obtainable (read by the platform), KEK kv3/keys/kek3/9d024bae not obtainable (purged, with no copy in any vault, backup or recovery point: the data is unrecoverable (F114))
	//   - starting the VM after the purge: refused (F114: data unrecoverable) by Start: the ADE volumes of vm2: every copy of its key is purged
	//   - starting the VM after purging its backed-up KEK: refused (F82: boot failure: cannot unlock encrypted volume) by Start: the KEK cannot unwrap the BEK
	//   - restoring the KEK from its backup: allowed
	//   - starting the VM after the restore: allowed
	//   - ADE KEK restored from backup: guest OS of vm3 -> disk vm3-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   facts: F27 F32 F43 F45 F47 F63 F65 F82 F114
}

// Question 10, computed with seed 1.
func ExampleQ10KeyDisabled() {
	show(examples.Q10KeyDisabled(1))
	// Output:
	// Q10. What happens when a customer-managed key is disabled, and when it is re-enabled?
	// A: disabled: the VM keeps running and reading for the first hour (running, readable at 30 minutes), then is stopped and its disk not readable; start is refused (F47: key unavailable); re-enabled: start is allowed and the data is readable, intact
	//   - VM 30 minutes after the key was disabled: running
	//   - 30 minutes after: guest OS of vm1 -> disk vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - VM 61 minutes after the key was disabled: stopped (customer key unavailable (F47))
	//   - 61 minutes after: guest OS of vm1 -> disk vm1-data: not readable (cannot obtain SSE DEKs); layers SSE-CMK [removed by the host] > files; keys: SSE DEKs not obtainable (disabled (F11))
	//   - starting the VM with the key disabled: refused (F47: key unavailable) by Start: disk vm1-osdisk: the host cannot unwrap its DEK
	//   - starting the VM after re-enabling the key: allowed
	//   - after re-enabling: guest OS of vm1 -> disk vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   facts: F45 F47
}

// Question 11, computed with seed 1.
func ExampleQ11SupportMatrix() {
	show(examples.Q11SupportMatrix(1))
	// Output:
	// Q11. Which images and OSes support SSE, and which support ADE (gallery, marketplace, custom; Windows, Linux)?
	// A: SSE: 15 of 15 images (Linux, Windows, custom, gallery, marketplace); ADE: OS and data on 12, data volumes only on SUSE:sles-15-sp5, not at all on Debian:debian-12, custom:contoso-ubuntu
	//   - Debian:debian-12 (marketplace): ADE on all volumes refused (F74: not supported); data volumes only: no
	//   - SUSE:sles-15-sp5 (marketplace): ADE on all volumes refused (F74: not supported); data volumes only: yes
	//   - custom:contoso-ubuntu (custom): ADE on all volumes refused (F75: not supported); data volumes only: no
	//   image                                  | source      | OS      | SSE (raw OS disk media) | ADE
	//   Canonical:ubuntu-20_04-lts             | marketplace | Linux   | SSE-PMK, not readable   | OS and data
	//   Canonical:ubuntu-22_04-lts             | marketplace | Linux   | SSE-PMK, not readable   | OS and data
	//   Canonical:ubuntu-24_04-lts             | marketplace | Linux   | SSE-PMK, not readable   | OS and data
	//   Debian:debian-12                       | marketplace | Linux   | SSE-PMK, not readable   | none (F74)
	//   Gallery:ubuntu-22_04-lts               | gallery     | Linux   | SSE-PMK, not readable   | OS and data
	//   MicrosoftCBLMariner:cbl-mariner-2      | marketplace | Linux   | SSE-PMK, not readable   | OS and data
	//   MicrosoftWindowsDesktop:windows-11     | marketplace | Windows | SSE-PMK, not readable   | OS and data
	//   MicrosoftWindowsServer:2019-datacenter | marketplace | Windows | SSE-PMK, not readable   | OS and data
	//   MicrosoftWindowsServer:2022-datacenter | marketplace | Windows | SSE-PMK, not readable   | OS and data
	//   Oracle:oracle-linux-8_6                | marketplace | Linux   | SSE-PMK, not readable   | OS and data
	//   RedHat:rhel-8_6                        | marketplace | Linux   | SSE-PMK, not readable   | OS and data
	//   RedHat:rhel-9_4                        | marketplace | Linux   | SSE-PMK, not readable   | OS and data
	//   SUSE:sles-15-sp5                       | marketplace | Linux   | SSE-PMK, not readable   | data only (F74)
	//   custom:contoso-ubuntu                  | custom      | Linux   | SSE-PMK, not readable   | none (F75)
	//   custom:contoso-windows                 | custom      | Windows | SSE-PMK, not readable   | OS and data
	//   facts: F43 F44 F63 F65 F74 F75 F82
}

// Question 12, computed with seed 1.
func ExampleQ12ImageFromADE() {
	show(examples.Q12ImageFromADE(1))
	// Output:
	// Q12. Can I create a generalized image from an ADE VM and reuse it?
	// A: no: capturing an ADE VM is refused (F75: not supported); capture before encrypting instead (allowed, a VM from it is readable), but ADE on a VM from a custom Linux image is refused (F75: not supported), from a custom Windows image allowed
	//   - capturing a generalized image of an ADE VM: refused (F75: not supported) by CaptureImage: an image of an ADE-encrypted VM cannot be captured to deploy VMs (F112)
	//   - capturing a generalized image of the VM before encrypting it: allowed
	//   - a VM created from the captured image: guest OS of vm3 -> disk vm3-osdisk: readable; layers SSE-PMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - ADE on a VM from the captured Linux image: refused (F75: not supported) by EnableADE: ADE cannot be applied to custom Linux images
	//   - ADE on a VM from a captured Windows image: allowed
	//   - that Windows VM after ADE: guest OS of vm5 -> disk vm5-osdisk: readable; layers SSE-PMK [removed by the host] > ADE BitLocker > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   facts: F63 F65 F75 F82 F112
}

// Question 13, computed with seed 1.
func ExampleQ13FileRestore() {
	show(examples.Q13FileRestore(1))
	// Output:
	// Q13. With ADE, can I back up individual folders? Can I restore a single file?
	// A: no: a backup takes whole disks (the recovery point holds the OS disk and the data disk: yes, both guest-encrypted: yes); a single-file restore is refused (F93: not supported); restore the whole VM instead, then copy the file (read back intact: yes)
	//   - the recovery point's OS disk: backup operator -> recovery point rp1/vm1-osdisk: not readable (cannot obtain BEK); layers SSE-PMK [removed by the storage service] > ADE dm-crypt > files; keys: SSE DEKs obtainable (platform key held by the storage service), BEK not obtainable (the backup operator has no access to the BEK's key vault)
	//   - the recovery point's data disk: backup operator -> recovery point rp1/vm1-data: not readable (cannot obtain BEK); layers SSE-PMK [removed by the storage service] > ADE dm-crypt > files; keys: SSE DEKs obtainable (platform key held by the storage service), BEK not obtainable (the backup operator has no access to the BEK's key vault)
	//   - restoring files and folders from the ADE VM's recovery point: refused (F93: not supported) by RestoreVM: file and folder recovery from encrypted VMs is not supported
	//   - reading /data/reports/q1.txt in the restored VM: "quarterly report"
	//   - the restored VM's data disk: guest OS of vm1r -> disk vm1r-vm1-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   facts: F43 F63 F65 F82 F86 F89 F93 F106
	//   missing: backup policies that select folders do not exist in the cloud or in lifecycle: BackupVM always takes every managed disk
}

// Question 14, computed with seed 1.
func ExampleQ14ADEFormat() {
	show(examples.Q14ADEFormat(1))
	// Output:
	// Q14. When does ADE format data disks? Linux versus Windows; an existing data disk with data; a new disk added to an encrypted VM; a disk I want to keep unencrypted.
	// A: only Linux with EncryptFormatAll formats, and only mounted data volumes not yet encrypted: existing disk with data erased, in place kept, Windows kept; a disk added later is encrypted only when enable is re-run (erased with EncryptFormatAll, the earlier disk kept); a disk unmounted during enable stays without ADE: yes
	//   - Linux data disk with data, EncryptFormatAll: guest OS of lnx1 -> disk lnx1-data: not readable (the data was erased); layers SSE-PMK [removed by the host] > ADE dm-crypt > files [erased by EncryptFormatAll]; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   - Linux data disk with data, in place: guest OS of lnx2 -> disk lnx2-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   - Windows data disk with data: guest OS of win1 -> disk win1-data: readable; layers SSE-PMK [removed by the host] > ADE BitLocker > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   - disk added later, enable re-run with EncryptFormatAll: guest OS of lnx2 -> disk lnx2-new: not readable (the data was erased); layers SSE-PMK [removed by the host] > ADE dm-crypt > files [erased by EncryptFormatAll]; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   - disk unmounted while enable ran: guest OS of lnx3 -> disk lnx3-data: readable; layers SSE-PMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   case                                                               | encrypted (ADE layer) | data after enable
	//   Linux, existing data disk with data, EncryptFormatAll              | yes                   | lost (the data was erased)
	//   Linux, existing data disk with data, in place                      | yes                   | kept
	//   Windows, existing data disk with data                              | yes                   | kept
	//   Linux, disk added to an encrypted VM, before enable is re-run      | no                    | kept
	//   Linux, disk added later, enable re-run with EncryptFormatAll       | yes                   | lost (the data was erased)
	//   Linux, disk encrypted earlier, enable re-run with EncryptFormatAll | yes                   | kept
	//   Linux, data disk unmounted while enable ran                        | no                    | kept
	//   facts: F63 F65 F69 F71 F82
}

// Question 15, computed with seed 1.
func ExampleQ15TempDisk() {
	show(examples.Q15TempDisk(1))
	// Output:
	// Q15. Is the temp disk encrypted with SSE alone, with encryption at host, with ADE?
	// A: SSE alone: no (an insider reads it: yes; v5 and newer sizes: yes); encryption at host: yes; ADE: Windows with VolumeType All yes, Linux no, Linux with EncryptFormatAll yes
	//   - SSE only (v3 size), insider: storage insider -> temp disk vm1: readable; layers temp disk (host-local, not covered by SSE) > files
	//   - SSE only (v5 size), insider: storage insider -> temp disk vm2: not readable (cannot obtain host key); layers temp disk (host-local, not covered by SSE) > encryption at host > files; keys: host key not obtainable (the host encrypts the temp disk with a platform-held key)
	//   - encryption at host, insider: storage insider -> temp disk vm3: not readable (cannot obtain host key); layers temp disk (host-local, not covered by SSE) > encryption at host > files; keys: host key not obtainable (the host encrypts the temp disk with a platform-held key)
	//   - ADE Windows, VolumeType All, insider: storage insider -> temp disk vm4: not readable (cannot obtain BEK); layers temp disk (host-local, not covered by SSE) > ADE BitLocker > files; keys: BEK not obtainable (the storage insider has no access to the BEK's key vault)
	//   - ADE Linux, VolumeType All, insider: storage insider -> temp disk vm5: readable; layers temp disk (host-local, not covered by SSE) > files
	//   - ADE Linux, EncryptFormatAll, insider: storage insider -> temp disk vm6: not readable (cannot obtain BEK); layers temp disk (host-local, not covered by SSE) > ADE dm-crypt > files; keys: BEK not obtainable (the storage insider has no access to the BEK's key vault)
	//   VM                          | temp disk: storage insider | layers                                                                  | temp disk: its VM
	//   SSE only (v3 size)          | readable                   | temp disk (host-local, not covered by SSE) > files                      | readable
	//   SSE only (v5 size)          | not readable               | temp disk (host-local, not covered by SSE) > encryption at host > files | readable
	//   encryption at host          | not readable               | temp disk (host-local, not covered by SSE) > encryption at host > files | readable
	//   ADE Windows, VolumeType All | not readable               | temp disk (host-local, not covered by SSE) > ADE BitLocker > files      | readable
	//   ADE Linux, VolumeType All   | readable                   | temp disk (host-local, not covered by SSE) > files                      | readable
	//   ADE Linux, EncryptFormatAll | not readable               | temp disk (host-local, not covered by SSE) > ADE dm-crypt > files       | readable
	//   facts: F56 F57 F63 F65 F82 F89
}

// Question 16, computed with seed 1.
func ExampleQ16ADERestoreElsewhere() {
	show(examples.Q16ADERestoreElsewhere(1))
	// Output:
	// Q16. Can an ADE-encrypted VM be restored into another region or subscription?
	// A: region: only the paired region northeurope (allowed, the restored VM readable; the ADE FAQs' reading: refused (F91: not supported)), any other region refused (F87: region mismatch); subscription: refused (F91: subscription mismatch)
	//   - restoring into the paired region northeurope: allowed
	//   - the VM restored in northeurope: guest OS of vm1-paired -> disk vm1-paired-vm1-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   - restoring into eastus (not the pair): refused (F87: region mismatch) by RestoreVM: cross-region restore goes to the paired region northeurope
	//   - restoring into subscription dev: refused (F91: subscription mismatch) by RestoreVM: encrypted VMs restore only into the same subscription
	//   - with Options.ADECrossRegionRestore=false (the ADE FAQs' reading), restoring into northeurope: refused (F91: not supported)
	//   facts: F63 F65 F82 F87 F91
	//   missing: moving an ADE VM to another subscription or region (F76) is not in lifecycle's API
}

// Question 17, computed with seed 1.
func ExampleQ17ADEMemory() {
	show(examples.Q17ADEMemory(1))
	// Output:
	// Q17. How much memory does encrypting a Linux OS disk need?
	// A: at least 8 GB when the root file system uses up to 4 GB (twice the root usage above that): Linux OS volume on 4 GB refused (F72: insufficient memory for Azure Disk Encryption), on 8 GB allowed; data volumes only need 2 GB (4 GB: allowed); Windows needs 2 GB (4 GB: allowed)
	//   - Linux Standard_B2s (4 GB), All volumes: refused (F72: insufficient memory for Azure Disk Encryption) by EnableADE: Standard_B2s has 4 GB; ADE needs 8 GB here
	//   - Linux Standard_B2s (4 GB), Data volumes: allowed
	//   - Linux Standard_D2s_v3 (8 GB), All volumes: allowed
	//   - Linux Standard_E8s_v3 (64 GB), All volumes: allowed
	//   - Windows Standard_B2s (4 GB), All volumes: allowed
	//   OS      | size            | memory | volumes | EnableADE
	//   Linux   | Standard_B2s    | 4 GB   | All     | refused (F72: insufficient memory for Azure Disk Encryption)
	//   Linux   | Standard_B2s    | 4 GB   | Data    | allowed
	//   Linux   | Standard_D2s_v3 | 8 GB   | All     | allowed
	//   Linux   | Standard_E8s_v3 | 64 GB  | All     | allowed
	//   Windows | Standard_B2s    | 4 GB   | All     | allowed
	//   facts: F72
}

// Question 18, computed with seed 1.
func ExampleQ18PreventDownload() {
	show(examples.Q18PreventDownload(1))
	// Output:
	// Q18. Can I prevent people from downloading VHDs at all?
	// A: yes: with a custom role without the export permission (Contributor (no disk export)) the read SAS is refused (F116: forbidden) and the disk not readable to that principal; Reader: refused (F116: forbidden); Contributor: allowed, and the disk readable
	//   - user1 (Contributor (no disk export)) requests a read SAS: refused (F116: forbidden) by GrantAccess: user1 has no export permission (Contributor (no disk export))
	//   - user1 (Contributor (no disk export)): principal user1 -> disk vm1-data: not readable (cannot obtain access to the data); layers SSE-PMK > files; keys: access to the data not obtainable (user1 has no export permission on the disk (Contributor (no disk export)))
	//   - user2 (Reader) requests a read SAS: refused (F116: forbidden) by GrantAccess: user2 has no export permission (Reader)
	//   - user2 (Reader): principal user2 -> disk vm1-data: not readable (cannot obtain access to the data); layers SSE-PMK > files; keys: access to the data not obtainable (user2 has no export permission on the disk (Reader))
	//   - user3 (Contributor) requests a read SAS: allowed
	//   - user3 (Contributor): principal user3 -> disk vm1-data: readable; layers SSE-PMK [removed by the storage service] > files; keys: SSE DEKs obtainable (platform key held by the storage service)
	//   facts: F43 F105 F106 F116
}

// Question 19, computed with seed 1.
func ExampleQ19Insider() {
	show(examples.Q19Insider(1))
	// Output:
	// Q19. What does a storage-side insider or a stolen drive see?
	// A: ciphertext: the raw media of 4 of 4 managed disks (platform key, customer key, double, ADE) is not readable, whatever the key; the exception is the host-local temp disk: readable with SSE alone, not readable with encryption at host
	//   - data disk, platform key: storage insider -> raw media pmk-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry)
	//   - data disk, customer key: storage insider -> raw media cmk-data: not readable (cannot obtain SSE DEKs); layers SSE-CMK > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry)
	//   - data disk, double encryption: storage insider -> raw media dbl-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK+CMK (double) > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry)
	//   - data disk, ADE with KEK: storage insider -> raw media ade-data: not readable (cannot obtain SSE DEKs); layers SSE-PMK > ADE dm-crypt > files; keys: SSE DEKs not obtainable (the media holds only ciphertext; the DEKs are wrapped by keys the media does not carry), BEK not obtainable (the storage insider has no access to the BEK's key vault)
	//   - temp disk, SSE only (v3 size): storage insider -> temp disk pmk: readable; layers temp disk (host-local, not covered by SSE) > files
	//   - temp disk, encryption at host: storage insider -> temp disk eah: not readable (cannot obtain host key); layers temp disk (host-local, not covered by SSE) > encryption at host > files; keys: host key not obtainable (the host encrypts the temp disk with a platform-held key)
	//   what the insider holds        | readable | layers
	//   data disk, platform key       | no       | SSE-PMK > files
	//   data disk, customer key       | no       | SSE-CMK > files
	//   data disk, double encryption  | no       | SSE-PMK+CMK (double) > files
	//   data disk, ADE with KEK       | no       | SSE-PMK > ADE dm-crypt > files
	//   temp disk, SSE only (v3 size) | yes      | temp disk (host-local, not covered by SSE) > files
	//   temp disk, encryption at host | no       | temp disk (host-local, not covered by SSE) > encryption at host > files
	//   facts: F43 F44 F56 F57 F63 F65 F89
}

// Question 20, computed with seed 1.
func ExampleQ20Rotation() {
	show(examples.Q20Rotation(1))
	// Output:
	// Q20. Does rotating my key re-encrypt my data? Does old data stay readable?
	// A: no: rotation re-wraps each disk's DEK (5 Key Vault operations for 2 disks) and rewrites no data; old data stays readable, and readable after the old version is disabled (allowed); ADE: re-running enable with the new KEK is allowed, the BEK secret changes: yes, data readable
	//   - Key Vault operations for the rotation and the re-wrap of 2 disks holding 1024 KiB: 5 (RotateKey 1, UnwrapKey 2, WrapKey 2)
	//   - old version kv1/keys/cmk/4dacdc1b, new version kv1/keys/cmk/9d024bae
	//   - old data after rotation: guest OS of vm1 -> disk vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - disabling the old key version: allowed
	//   - old data with the old version disabled, after a restart: guest OS of vm1 -> disk vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - re-running EnableADE with the KEK's new version: allowed
	//   - ADE VM after the KEK rotation and a deallocation: guest OS of vm2 -> disk vm2-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   facts: F13 F44 F50 F63 F65 F82 F83
}

// Question 21, computed with seed 1.
func ExampleQ21Cost() {
	show(examples.Q21Cost(1))
	// Output:
	// Q21. What does each option cost, in Key Vault operations (the only billed part when customer keys are used)?
	// A: Key Vault operations for the same workload (provision, 64 writes, restart, deallocate + start, backup): SSE, platform keys 0; SSE, platform keys + encryption at host 0; SSE, customer key 8; SSE, double encryption 8; ADE, BEK only 4; ADE, BEK + KEK 8; the 64 writes cost 0 in all options together: keys are used at provisioning, boot and backup, not per byte
	//   - SSE, platform keys: 0 Key Vault operations (none); the VM reads its data: yes (SSE-PMK > files)
	//   - SSE, platform keys + encryption at host: 0 Key Vault operations (none); the VM reads its data: yes (SSE-PMK > files)
	//   - SSE, customer key: 8 Key Vault operations (UnwrapKey 6, WrapKey 2); the VM reads its data: yes (SSE-CMK > files)
	//   - SSE, double encryption: 8 Key Vault operations (UnwrapKey 6, WrapKey 2); the VM reads its data: yes (SSE-PMK+CMK (double) > files)
	//   - ADE, BEK only: 4 Key Vault operations (BackupSecret 1, GetSecret 2, SetSecret 1); the VM reads its data: yes (SSE-PMK > ADE dm-crypt > files)
	//   - ADE, BEK + KEK: 8 Key Vault operations (BackupKey 1, BackupSecret 1, GetSecret 2, SetSecret 1, UnwrapKey 2, WrapKey 1); the VM reads its data: yes (SSE-PMK > ADE dm-crypt > files)
	//   option                                  | provision | write 64 files | restart | deallocate + start | backup | total
	//   SSE, platform keys                      | 0         | 0              | 0       | 0                  | 0      | 0
	//   SSE, platform keys + encryption at host | 0         | 0              | 0       | 0                  | 0      | 0
	//   SSE, customer key                       | 4         | 0              | 2       | 2                  | 0      | 8
	//   SSE, double encryption                  | 4         | 0              | 2       | 2                  | 0      | 8
	//   ADE, BEK only                           | 1         | 0              | 0       | 1                  | 2      | 4
	//   ADE, BEK + KEK                          | 2         | 0              | 0       | 2                  | 4      | 8
	//   facts: F31 F63 F65 F82 F85
}

// Question 22, computed with seed 1.
func ExampleQ22SSEOrADE() {
	show(examples.Q22SSEOrADE(1))
	// Output:
	// Q22. SSE or ADE: which to choose?
	// A: SSE: media at rest encrypted on every disk with 0 refusals, but a downloaded VHD is plaintext, a recovery point is readable by the backup operator, and the temp disk plaintext unless encryption at host is on (encrypted, but plaintext after a DR failover); ADE: VHD encrypted, recovery point not readable by the backup operator, temp disk plaintext (Linux without EncryptFormatAll), at the cost of 4 refusals and retirement on 2028-09-15
	//   - SSE, platform key: guest OS of vm1 -> disk vm1-data: readable; layers SSE-PMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - SSE, customer key: guest OS of vm1 -> disk vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - SSE, customer key + encryption at host: guest OS of vm1 -> disk vm1-data: readable; layers SSE-CMK [removed by the host] > files; keys: SSE DEKs obtainable (cached by the host)
	//   - ADE, BEK + KEK: guest OS of vm1 -> disk vm1-data: readable; layers SSE-PMK [removed by the host] > ADE dm-crypt > files; keys: SSE DEKs obtainable (cached by the host), volume key obtainable (in guest memory)
	//   what                                           | SSE, platform key                    | SSE, customer key                    | SSE, customer key + encryption at host | ADE, BEK + KEK
	//   media at rest (storage insider)                | encrypted                            | encrypted                            | encrypted                              | encrypted
	//   downloaded VHD on premises                     | plaintext                            | plaintext                            | plaintext                              | encrypted
	//   temp disk at rest (v3 size)                    | plaintext                            | plaintext                            | encrypted                              | plaintext
	//   host caches                                    | not simulated                        | not simulated                        | not simulated                          | not simulated
	//   recovery point, read by the backup operator    | readable                             | readable                             | readable                               | not readable
	//   disaster recovery replica (insider; DR region) | encrypted, readable in the DR region | encrypted, readable in the DR region | encrypted, readable in the DR region   | encrypted, readable in the DR region
	//   temp disk after failover (insider)             | plaintext                            | plaintext                            | plaintext                              | plaintext
	//   Linux VM with 4 GB of memory                   | allowed                              | allowed                              | allowed                                | refused (F72: insufficient memory for Azure Disk Encryption)
	//   custom Linux image                             | allowed                              | allowed                              | allowed                                | refused (F75: not supported)
	//   A-series VM size                               | allowed                              | allowed                              | refused (F58: not supported)           | refused (F73: not supported)
	//   customer key after ADE (same disk)             | n/a                                  | n/a                                  | n/a                                    | refused (F53: encryption types exclude each other)
	//   VM reads its own data                          | yes                                  | yes                                  | yes                                    | yes
	//   facts: F43 F44 F45 F47 F53 F56 F57 F58 F63 F65 F67 F72 F73 F75 F82 F86 F89 F99 F106
	//   missing: host caches (F57, F59) are not modelled by lifecycle
}
