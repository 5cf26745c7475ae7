// Written out by hand: eight copies of each step of the 8-block loop.

//go:build amd64 && !purego

#include "textflag.h"

// XTS-AES with AES-NI: eight blocks per iteration through the AES rounds in
// parallel (AESENC has a latency of several cycles but issues every cycle),
// then one block at a time for the rest. The tweak lives in X9; DOUBLE
// multiplies it by x in GF(2^128): PADDQ doubles both 64-bit halves, and the
// PSHUFD/PSRAL/PAND mask carries bit 63 into bit 64 and folds bit 127 back
// in as 0x87.

DATA xtsMask<>+0(SB)/8, $0x0000000000000087
DATA xtsMask<>+8(SB)/8, $0x0000000000000001
GLOBL xtsMask<>(SB), RODATA|NOPTR, $16

#define DOUBLE \
	PSHUFD $0x13, X9, X10 \
	PSRAL  $31, X10 \
	PAND   X11, X10 \
	PADDQ  X9, X9 \
	PXOR   X10, X9

// func encryptAsm(nr int, ek1 *byte, ek2 *byte, dst *byte, src *byte, n int, sector uint64)
TEXT ·encryptAsm(SB), NOSPLIT, $128-56
	MOVQ nr+0(FP), CX
	MOVQ ek1+8(FP), AX
	MOVQ ek2+16(FP), BX
	MOVQ dst+24(FP), DX
	MOVQ src+32(FP), SI
	MOVQ n+40(FP), DI
	MOVQ sector+48(FP), R8
	MOVOU xtsMask<>(SB), X11
	// X9 = E_k2(sector as a 128-bit little-endian number)
	MOVQ R8, X9
	MOVQ BX, R9
	MOVOU (R9), X8
	PXOR X8, X9
	ADDQ $16, R9
	MOVQ CX, R10
	DECQ R10
encryptAsm_tweak:
	MOVOU (R9), X8
	AESENC X8, X9
	ADDQ $16, R9
	DECQ R10
	JNZ encryptAsm_tweak
	MOVOU (R9), X8
	AESENCLAST X8, X9
encryptAsm_loop8:
	CMPQ DI, $8
	JB encryptAsm_tail
	// Save eight tweaks on the stack, leaving X9 at the ninth.
	MOVOU X9, 0(SP)
	DOUBLE
	MOVOU X9, 16(SP)
	DOUBLE
	MOVOU X9, 32(SP)
	DOUBLE
	MOVOU X9, 48(SP)
	DOUBLE
	MOVOU X9, 64(SP)
	DOUBLE
	MOVOU X9, 80(SP)
	DOUBLE
	MOVOU X9, 96(SP)
	DOUBLE
	MOVOU X9, 112(SP)
	DOUBLE
	MOVOU 0(SI), X0
	MOVOU 0(SP), X12
	PXOR X12, X0
	MOVOU 16(SI), X1
	MOVOU 16(SP), X12
	PXOR X12, X1
	MOVOU 32(SI), X2
	MOVOU 32(SP), X12
	PXOR X12, X2
	MOVOU 48(SI), X3
	MOVOU 48(SP), X12
	PXOR X12, X3
	MOVOU 64(SI), X4
	MOVOU 64(SP), X12
	PXOR X12, X4
	MOVOU 80(SI), X5
	MOVOU 80(SP), X12
	PXOR X12, X5
	MOVOU 96(SI), X6
	MOVOU 96(SP), X12
	PXOR X12, X6
	MOVOU 112(SI), X7
	MOVOU 112(SP), X12
	PXOR X12, X7
	MOVQ AX, R9
	MOVOU (R9), X8
	PXOR X8, X0
	PXOR X8, X1
	PXOR X8, X2
	PXOR X8, X3
	PXOR X8, X4
	PXOR X8, X5
	PXOR X8, X6
	PXOR X8, X7
	ADDQ $16, R9
	MOVQ CX, R10
	DECQ R10
encryptAsm_rounds8:
	MOVOU (R9), X8
	AESENC X8, X0
	AESENC X8, X1
	AESENC X8, X2
	AESENC X8, X3
	AESENC X8, X4
	AESENC X8, X5
	AESENC X8, X6
	AESENC X8, X7
	ADDQ $16, R9
	DECQ R10
	JNZ encryptAsm_rounds8
	MOVOU (R9), X8
	AESENCLAST X8, X0
	AESENCLAST X8, X1
	AESENCLAST X8, X2
	AESENCLAST X8, X3
	AESENCLAST X8, X4
	AESENCLAST X8, X5
	AESENCLAST X8, X6
	AESENCLAST X8, X7
	MOVOU 0(SP), X12
	PXOR X12, X0
	MOVOU X0, 0(DX)
	MOVOU 16(SP), X12
	PXOR X12, X1
	MOVOU X1, 16(DX)
	MOVOU 32(SP), X12
	PXOR X12, X2
	MOVOU X2, 32(DX)
	MOVOU 48(SP), X12
	PXOR X12, X3
	MOVOU X3, 48(DX)
	MOVOU 64(SP), X12
	PXOR X12, X4
	MOVOU X4, 64(DX)
	MOVOU 80(SP), X12
	PXOR X12, X5
	MOVOU X5, 80(DX)
	MOVOU 96(SP), X12
	PXOR X12, X6
	MOVOU X6, 96(DX)
	MOVOU 112(SP), X12
	PXOR X12, X7
	MOVOU X7, 112(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $8, DI
	JMP encryptAsm_loop8
encryptAsm_tail:
	TESTQ DI, DI
	JZ encryptAsm_done
encryptAsm_loop1:
	MOVOU (SI), X0
	PXOR X9, X0
	MOVQ AX, R9
	MOVOU (R9), X8
	PXOR X8, X0
	ADDQ $16, R9
	MOVQ CX, R10
	DECQ R10
encryptAsm_rounds1:
	MOVOU (R9), X8
	AESENC X8, X0
	ADDQ $16, R9
	DECQ R10
	JNZ encryptAsm_rounds1
	MOVOU (R9), X8
	AESENCLAST X8, X0
	PXOR X9, X0
	MOVOU X0, (DX)
	DOUBLE
	ADDQ $16, SI
	ADDQ $16, DX
	DECQ DI
	JNZ encryptAsm_loop1
encryptAsm_done:
	RET

// func decryptAsm(nr int, dk1 *byte, ek2 *byte, dst *byte, src *byte, n int, sector uint64)
TEXT ·decryptAsm(SB), NOSPLIT, $128-56
	MOVQ nr+0(FP), CX
	MOVQ dk1+8(FP), AX
	MOVQ ek2+16(FP), BX
	MOVQ dst+24(FP), DX
	MOVQ src+32(FP), SI
	MOVQ n+40(FP), DI
	MOVQ sector+48(FP), R8
	MOVOU xtsMask<>(SB), X11
	// X9 = E_k2(sector as a 128-bit little-endian number)
	MOVQ R8, X9
	MOVQ BX, R9
	MOVOU (R9), X8
	PXOR X8, X9
	ADDQ $16, R9
	MOVQ CX, R10
	DECQ R10
decryptAsm_tweak:
	MOVOU (R9), X8
	AESENC X8, X9
	ADDQ $16, R9
	DECQ R10
	JNZ decryptAsm_tweak
	MOVOU (R9), X8
	AESENCLAST X8, X9
decryptAsm_loop8:
	CMPQ DI, $8
	JB decryptAsm_tail
	// Save eight tweaks on the stack, leaving X9 at the ninth.
	MOVOU X9, 0(SP)
	DOUBLE
	MOVOU X9, 16(SP)
	DOUBLE
	MOVOU X9, 32(SP)
	DOUBLE
	MOVOU X9, 48(SP)
	DOUBLE
	MOVOU X9, 64(SP)
	DOUBLE
	MOVOU X9, 80(SP)
	DOUBLE
	MOVOU X9, 96(SP)
	DOUBLE
	MOVOU X9, 112(SP)
	DOUBLE
	MOVOU 0(SI), X0
	MOVOU 0(SP), X12
	PXOR X12, X0
	MOVOU 16(SI), X1
	MOVOU 16(SP), X12
	PXOR X12, X1
	MOVOU 32(SI), X2
	MOVOU 32(SP), X12
	PXOR X12, X2
	MOVOU 48(SI), X3
	MOVOU 48(SP), X12
	PXOR X12, X3
	MOVOU 64(SI), X4
	MOVOU 64(SP), X12
	PXOR X12, X4
	MOVOU 80(SI), X5
	MOVOU 80(SP), X12
	PXOR X12, X5
	MOVOU 96(SI), X6
	MOVOU 96(SP), X12
	PXOR X12, X6
	MOVOU 112(SI), X7
	MOVOU 112(SP), X12
	PXOR X12, X7
	MOVQ AX, R9
	MOVOU (R9), X8
	PXOR X8, X0
	PXOR X8, X1
	PXOR X8, X2
	PXOR X8, X3
	PXOR X8, X4
	PXOR X8, X5
	PXOR X8, X6
	PXOR X8, X7
	ADDQ $16, R9
	MOVQ CX, R10
	DECQ R10
decryptAsm_rounds8:
	MOVOU (R9), X8
	AESDEC X8, X0
	AESDEC X8, X1
	AESDEC X8, X2
	AESDEC X8, X3
	AESDEC X8, X4
	AESDEC X8, X5
	AESDEC X8, X6
	AESDEC X8, X7
	ADDQ $16, R9
	DECQ R10
	JNZ decryptAsm_rounds8
	MOVOU (R9), X8
	AESDECLAST X8, X0
	AESDECLAST X8, X1
	AESDECLAST X8, X2
	AESDECLAST X8, X3
	AESDECLAST X8, X4
	AESDECLAST X8, X5
	AESDECLAST X8, X6
	AESDECLAST X8, X7
	MOVOU 0(SP), X12
	PXOR X12, X0
	MOVOU X0, 0(DX)
	MOVOU 16(SP), X12
	PXOR X12, X1
	MOVOU X1, 16(DX)
	MOVOU 32(SP), X12
	PXOR X12, X2
	MOVOU X2, 32(DX)
	MOVOU 48(SP), X12
	PXOR X12, X3
	MOVOU X3, 48(DX)
	MOVOU 64(SP), X12
	PXOR X12, X4
	MOVOU X4, 64(DX)
	MOVOU 80(SP), X12
	PXOR X12, X5
	MOVOU X5, 80(DX)
	MOVOU 96(SP), X12
	PXOR X12, X6
	MOVOU X6, 96(DX)
	MOVOU 112(SP), X12
	PXOR X12, X7
	MOVOU X7, 112(DX)
	ADDQ $128, SI
	ADDQ $128, DX
	SUBQ $8, DI
	JMP decryptAsm_loop8
decryptAsm_tail:
	TESTQ DI, DI
	JZ decryptAsm_done
decryptAsm_loop1:
	MOVOU (SI), X0
	PXOR X9, X0
	MOVQ AX, R9
	MOVOU (R9), X8
	PXOR X8, X0
	ADDQ $16, R9
	MOVQ CX, R10
	DECQ R10
decryptAsm_rounds1:
	MOVOU (R9), X8
	AESDEC X8, X0
	ADDQ $16, R9
	DECQ R10
	JNZ decryptAsm_rounds1
	MOVOU (R9), X8
	AESDECLAST X8, X0
	PXOR X9, X0
	MOVOU X0, (DX)
	DOUBLE
	ADDQ $16, SI
	ADDQ $16, DX
	DECQ DI
	JNZ decryptAsm_loop1
decryptAsm_done:
	RET

// func cpuHasAESNI() bool
TEXT ·cpuHasAESNI(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	SHRL $25, CX
	ANDL $1, CX
	MOVB CX, ret+0(FP)
	RET
