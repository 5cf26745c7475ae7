package examples

// Question is one question of the FAQ and the scenario that answers it.
type Question struct {
	// Number is the question's position, 1 to 22.
	Number int
	// Text is the question.
	Text string
	// Run builds a fresh world from seed, runs the scenario and returns the
	// answer. It is deterministic in seed.
	Run func(seed uint64) (Answer, error)
}

// Questions returns the 22 questions in order, each with its scenario.
// The slice is new on every call.
func Questions() []Question {
	return []Question{
		{1, "Is data on managed disks encrypted at rest by default, and can that be turned off?", Q01DefaultEncryption},
		{2, "Can I use my own key for storage-side encryption and for Azure Disk Encryption? Does my key encrypt the data itself?", Q02OwnKey},
		{3, "SSE with platform keys: if someone downloads the VHD and mounts it on premises, is the data readable?", Q03SSEPlatformKeyVHD},
		{4, "SSE with a customer-managed key: if someone downloads the VHD and mounts it on premises, is the data readable?", Q04SSECustomerKeyVHD},
		{5, "ADE with a KEK: if someone downloads the VHD and mounts it on premises, is the data readable? And if the BEK is handed to the on-premises host?", Q05ADEVHD},
		{6, "Can I opt out of ADE? Can I disable SSE?", Q06OptOut},
		{7, "When I back up a VM encrypted with SSE, or with ADE (with and without KEK), is the backup encrypted? Is a VM restored from it encrypted, and with which keys?", Q07Backup},
		{8, "When I replicate a VM for disaster recovery, is the replica encrypted, and can the target region read it after failover?", Q08DisasterRecovery},
		{9, "What happens if my key is deleted? Soft-deleted and recovered; purged with purge protection on; purged without it; purged but a key backup exists.", Q09KeyDeleted},
		{10, "What happens when a customer-managed key is disabled, and when it is re-enabled?", Q10KeyDisabled},
		{11, "Which images and OSes support SSE, and which support ADE (gallery, marketplace, custom; Windows, Linux)?", Q11SupportMatrix},
		{12, "Can I create a generalized image from an ADE VM and reuse it?", Q12ImageFromADE},
		{13, "With ADE, can I back up individual folders? Can I restore a single file?", Q13FileRestore},
		{14, "When does ADE format data disks? Linux versus Windows; an existing data disk with data; a new disk added to an encrypted VM; a disk I want to keep unencrypted.", Q14ADEFormat},
		{15, "Is the temp disk encrypted with SSE alone, with encryption at host, with ADE?", Q15TempDisk},
		{16, "Can an ADE-encrypted VM be restored into another region or subscription?", Q16ADERestoreElsewhere},
		{17, "How much memory does encrypting a Linux OS disk need?", Q17ADEMemory},
		{18, "Can I prevent people from downloading VHDs at all?", Q18PreventDownload},
		{19, "What does a storage-side insider or a stolen drive see?", Q19Insider},
		{20, "Does rotating my key re-encrypt my data? Does old data stay readable?", Q20Rotation},
		{21, "What does each option cost, in Key Vault operations (the only billed part when customer keys are used)?", Q21Cost},
		{22, "SSE or ADE: which to choose?", Q22SSEOrADE},
	}
}

// questionText returns the text of question n.
func questionText(n int) string {
	qs := Questions()
	if n < 1 || n > len(qs) {
		return ""
	}
	return qs[n-1].Text
}
