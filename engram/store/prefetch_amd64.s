#include "textflag.h"

// func prefetchRows(base *byte, offs []uint64, last uintptr)
//
// For each offset o, PREFETCHT0 every 64-byte line of base[o : o+last+1].
// A prefetch retires without waiting for its line, so a whole batch of
// misses is in flight at once; plain loads would hold the reorder buffer.
TEXT ·prefetchRows(SB), NOSPLIT, $0-40
	MOVQ base+0(FP), SI
	MOVQ offs_base+8(FP), DI
	MOVQ offs_len+16(FP), CX
	MOVQ last+32(FP), DX
	TESTQ CX, CX
	JEQ done
row:
	MOVQ (DI), AX
	ADDQ SI, AX
	LEAQ (AX)(DX*1), BX
	ANDQ $-64, AX
line:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	CMPQ AX, BX
	JLS line
	ADDQ $8, DI
	DECQ CX
	JNE row
done:
	RET

// func copyRowsNT(dst *byte, base *byte, offs []uint64, rb uintptr)
//
// Copies the rows base[o:o+rb], o in offs, to dst back to back with
// non-temporal stores: a large output is written without reading its
// lines first and without evicting the table's lines from the cache.
// dst must be 16-byte aligned and rb a multiple of 16. The caller fences.
TEXT ·copyRowsNT(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ base+8(FP), SI
	MOVQ offs_base+16(FP), R8
	MOVQ offs_len+24(FP), CX
	MOVQ rb+40(FP), DX
	TESTQ CX, CX
	JEQ ntdone
ntrow:
	MOVQ (R8), AX
	ADDQ SI, AX
	XORQ BX, BX
ntchunk:
	MOVOU (AX)(BX*1), X0
	MOVNTO X0, (DI)(BX*1)
	ADDQ $16, BX
	CMPQ BX, DX
	JB ntchunk
	ADDQ DX, DI
	ADDQ $8, R8
	DECQ CX
	JNE ntrow
ntdone:
	RET

// func storeFence()
TEXT ·storeFence(SB), NOSPLIT, $0-0
	SFENCE
	RET

// func copyRowsNT32(dst *byte, base *byte, offs []uint64, rb uintptr)
//
// copyRowsNT with 32-byte AVX2 moves: dst 32-byte aligned, rb a multiple
// of 32. The caller fences.
TEXT ·copyRowsNT32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ base+8(FP), SI
	MOVQ offs_base+16(FP), R8
	MOVQ offs_len+24(FP), CX
	MOVQ rb+40(FP), DX
	TESTQ CX, CX
	JEQ yd
yrow:
	MOVQ (R8), AX
	ADDQ SI, AX
	XORQ BX, BX
ychunk:
	VMOVDQU (AX)(BX*1), Y0
	VMOVNTDQ Y0, (DI)(BX*1)
	ADDQ $32, BX
	CMPQ BX, DX
	JB ychunk
	ADDQ DX, DI
	ADDQ $8, R8
	DECQ CX
	JNE yrow
yd:
	VZEROUPPER
	RET

// func copyRowsNT64(dst *byte, base *byte, offs []uint64, rb uintptr)
//
// copyRowsNT with 64-byte AVX-512 moves, a whole cache line a store: dst
// 64-byte aligned, rb a multiple of 64. The caller fences.
TEXT ·copyRowsNT64(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ base+8(FP), SI
	MOVQ offs_base+16(FP), R8
	MOVQ offs_len+24(FP), CX
	MOVQ rb+40(FP), DX
	TESTQ CX, CX
	JEQ zd
zrow:
	MOVQ (R8), AX
	ADDQ SI, AX
	XORQ BX, BX
zchunk:
	VMOVDQU64 (AX)(BX*1), Z0
	VMOVNTDQ Z0, (DI)(BX*1)
	ADDQ $64, BX
	CMPQ BX, DX
	JB zchunk
	ADDQ DX, DI
	ADDQ $8, R8
	DECQ CX
	JNE zrow
zd:
	VZEROUPPER
	RET

// func spinPause(n int)
//
// n PAUSE instructions: a spin-wait that tells the core it is one.
TEXT ·spinPause(SB), NOSPLIT, $0-8
	MOVQ n+0(FP), CX
	TESTQ CX, CX
	JLE pdone
ploop:
	PAUSE
	DECQ CX
	JNE ploop
pdone:
	RET
