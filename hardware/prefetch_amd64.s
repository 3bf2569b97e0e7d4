#include "textflag.h"

// func prefetchRows(base unsafe.Pointer, offs []uint64, row uintptr)
// Issues PREFETCHT0 for every cache line of every row base+offs[i],
// row bytes long. Prefetches retire at once, unlike loads, so a whole
// batch of misses can be in flight together.
TEXT ·prefetchRows(SB), NOSPLIT, $0-40
	MOVQ base+0(FP), AX
	MOVQ offs_base+8(FP), BX
	MOVQ offs_len+16(FP), CX
	MOVQ row+32(FP), DX
	TESTQ CX, CX
	JZ done
	TESTQ DX, DX
	JZ done
	DECQ DX
next:
	MOVQ (BX), SI
	ADDQ AX, SI
	LEAQ (SI)(DX*1), DI
	ANDQ $~63, SI
line:
	PREFETCHT0 (SI)
	ADDQ $64, SI
	CMPQ SI, DI
	JLS line
	ADDQ $8, BX
	DECQ CX
	JNZ next
done:
	RET

// func copyRows(dst, base unsafe.Pointer, offs []uint64, row uintptr)
// Copies row bytes from base+offs[i] to dst+i*row for every i, in 16-byte
// moves; the last move of a row ends at its last byte and may overlap
// the one before. row must be at least 16.
TEXT ·copyRows(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ base+8(FP), R8
	MOVQ offs_base+16(FP), BX
	MOVQ offs_len+24(FP), CX
	MOVQ row+40(FP), DX
	TESTQ CX, CX
	JZ cdone
	LEAQ -16(DX), R9
crow:
	MOVQ (BX), SI
	ADDQ R8, SI
	XORQ AX, AX
cblock:
	CMPQ AX, R9
	JGE clast
	MOVOU (SI)(AX*1), X0
	MOVOU X0, (DI)(AX*1)
	ADDQ $16, AX
	JMP cblock
clast:
	MOVOU (SI)(R9*1), X0
	MOVOU X0, (DI)(R9*1)
	ADDQ DX, DI
	ADDQ $8, BX
	DECQ CX
	JNZ crow
cdone:
	RET
