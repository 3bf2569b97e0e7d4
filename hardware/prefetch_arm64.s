#include "textflag.h"

// func prefetchRows(base unsafe.Pointer, offs []uint64, row uintptr)
// Issues PRFM PLDL1KEEP for every cache line of every row base+offs[i],
// row bytes long (64-byte steps; lines of 128 bytes get two hints).
TEXT ·prefetchRows(SB), NOSPLIT, $0-40
	MOVD base+0(FP), R0
	MOVD offs_base+8(FP), R1
	MOVD offs_len+16(FP), R2
	MOVD row+32(FP), R3
	CBZ R2, done
	CBZ R3, done
	SUB $1, R3, R3
next:
	MOVD.P 8(R1), R4
	ADD R0, R4, R4
	ADD R3, R4, R5
	AND $~63, R4, R4
line:
	PRFM (R4), PLDL1KEEP
	ADD $64, R4, R4
	CMP R5, R4
	BLS line
	SUB $1, R2, R2
	CBNZ R2, next
done:
	RET
