//go:build amd64 && !purego

package xts

// hasAESNI reports whether the CPU has the AES-NI instructions. It is
// computed once at package load from CPUID and never changes: a property of
// the machine, not mutable state.
var hasAESNI = cpuHasAESNI()

func cpuHasAESNI() bool

// encryptAsm encrypts n ≥ 1 blocks from src to dst with the data-key
// schedule ek1 and the tweak-key schedule ek2, both 16·(nr+1) bytes.
//
//go:noescape
func encryptAsm(nr int, ek1 *byte, ek2 *byte, dst *byte, src *byte, n int, sector uint64)

// decryptAsm decrypts like encryptAsm, with the inverse-cipher schedule dk1.
//
//go:noescape
func decryptAsm(nr int, dk1 *byte, ek2 *byte, dst *byte, src *byte, n int, sector uint64)
