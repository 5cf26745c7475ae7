//go:build !amd64 || purego

package xts

// hasAESNI is false where there is no assembly path.
const hasAESNI = false

func encryptAsm(nr int, ek1 *byte, ek2 *byte, dst *byte, src *byte, n int, sector uint64) {
	panic("xts: no assembly path on this platform")
}

func decryptAsm(nr int, dk1 *byte, ek2 *byte, dst *byte, src *byte, n int, sector uint64) {
	panic("xts: no assembly path on this platform")
}
