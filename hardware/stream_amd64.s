#include "textflag.h"

// STREAM kernels with 256-bit AVX2 loads and stores, 128 bytes (two cache
// lines) of each array per iteration. n is a multiple of 16 elements and
// at least 16. Plain stores: each written line is read first
// (write-allocate), as in the scalar kernels and the C reference.

// func copyAVX2(c, a *float64, n int)
TEXT ·copyAVX2(SB), NOSPLIT, $0-24
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ n+16(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
copyloop:
	VMOVUPD (SI)(AX*1), Y1
	VMOVUPD 32(SI)(AX*1), Y2
	VMOVUPD 64(SI)(AX*1), Y3
	VMOVUPD 96(SI)(AX*1), Y4
	VMOVUPD Y1, (DI)(AX*1)
	VMOVUPD Y2, 32(DI)(AX*1)
	VMOVUPD Y3, 64(DI)(AX*1)
	VMOVUPD Y4, 96(DI)(AX*1)
	ADDQ $128, AX
	CMPQ AX, CX
	JLT copyloop
	VZEROUPPER
	RET

// func scaleAVX2(b, c *float64, n int, q float64)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-32
	MOVQ b+0(FP), DI
	MOVQ c+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD q+24(FP), Y0
	SHLQ $3, CX
	XORQ AX, AX
scaleloop:
	VMULPD (SI)(AX*1), Y0, Y1
	VMULPD 32(SI)(AX*1), Y0, Y2
	VMULPD 64(SI)(AX*1), Y0, Y3
	VMULPD 96(SI)(AX*1), Y0, Y4
	VMOVUPD Y1, (DI)(AX*1)
	VMOVUPD Y2, 32(DI)(AX*1)
	VMOVUPD Y3, 64(DI)(AX*1)
	VMOVUPD Y4, 96(DI)(AX*1)
	ADDQ $128, AX
	CMPQ AX, CX
	JLT scaleloop
	VZEROUPPER
	RET

// func addAVX2(c, a, b *float64, n int)
TEXT ·addAVX2(SB), NOSPLIT, $0-32
	MOVQ c+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHLQ $3, CX
	XORQ AX, AX
addloop:
	VMOVUPD (SI)(AX*1), Y1
	VMOVUPD 32(SI)(AX*1), Y2
	VMOVUPD 64(SI)(AX*1), Y3
	VMOVUPD 96(SI)(AX*1), Y4
	VADDPD (DX)(AX*1), Y1, Y1
	VADDPD 32(DX)(AX*1), Y2, Y2
	VADDPD 64(DX)(AX*1), Y3, Y3
	VADDPD 96(DX)(AX*1), Y4, Y4
	VMOVUPD Y1, (DI)(AX*1)
	VMOVUPD Y2, 32(DI)(AX*1)
	VMOVUPD Y3, 64(DI)(AX*1)
	VMOVUPD Y4, 96(DI)(AX*1)
	ADDQ $128, AX
	CMPQ AX, CX
	JLT addloop
	VZEROUPPER
	RET

// func triadAVX2(a, b, c *float64, n int, q float64)
// a = b + q*c, the multiply and add fused.
TEXT ·triadAVX2(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ c+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD q+32(FP), Y0
	SHLQ $3, CX
	XORQ AX, AX
triadloop:
	VMOVUPD (DX)(AX*1), Y1
	VMOVUPD 32(DX)(AX*1), Y2
	VMOVUPD 64(DX)(AX*1), Y3
	VMOVUPD 96(DX)(AX*1), Y4
	VFMADD213PD (SI)(AX*1), Y0, Y1
	VFMADD213PD 32(SI)(AX*1), Y0, Y2
	VFMADD213PD 64(SI)(AX*1), Y0, Y3
	VFMADD213PD 96(SI)(AX*1), Y0, Y4
	VMOVUPD Y1, (DI)(AX*1)
	VMOVUPD Y2, 32(DI)(AX*1)
	VMOVUPD Y3, 64(DI)(AX*1)
	VMOVUPD Y4, 96(DI)(AX*1)
	ADDQ $128, AX
	CMPQ AX, CX
	JLT triadloop
	VZEROUPPER
	RET
