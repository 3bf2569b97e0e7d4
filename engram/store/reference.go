package store

import (
	"context"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// ReferenceGather is the gather ceiling a Store is held to when no
// hardware probe is at hand: the same memory, the same row size, the same
// two-phase loop (pick a group of rows and prefetch every line, then copy
// the group before), but rows picked by a plain random generator instead
// of the N-gram hash, and no compression, no layers, no output layout.
// What the engine adds on top of it is exactly the Engram work.
//
// Rows come from splitmix64 reduced to [0, rows) by a 128-bit multiply
// (Lemire), one independent stream per thread (seed + thread), the method
// of the C reference in hardware/cref/gather.c.
func ReferenceGather(ctx context.Context, tbl []byte, rowBytes, threads int, d time.Duration, seed uint64) (rowsPerSec float64, err error) {
	rows := uint64(len(tbl) / rowBytes)
	if rows == 0 || threads < 1 {
		return 0, nil
	}
	counts := make([]int64, threads)
	var start sync.WaitGroup
	start.Add(1)
	var wg sync.WaitGroup
	var t0 time.Time
	for w := range threads {
		wg.Go(func() {
			start.Wait()
			counts[w] = referenceWorker(ctx, tbl, rows, uint64(rowBytes), t0.Add(d), seed+uint64(w))
		})
	}
	t0 = time.Now()
	start.Done()
	wg.Wait()
	el := time.Since(t0)
	var n int64
	for _, c := range counts {
		n += c
	}
	return float64(n) / el.Seconds(), ctx.Err()
}

// referenceSink keeps the copies from being optimised away.
var referenceSink atomic.Uint64

func referenceWorker(ctx context.Context, tbl []byte, rows, rb uint64, deadline time.Time, seed uint64) int64 {
	const group = groupRows
	dst := make([]byte, 2*group*int(rb))
	cur, prev := make([]uint64, 0, group), make([]uint64, 0, group)
	base := &tbl[0]
	last := uintptr(rb - 1)
	s := seed
	var n int64
	var sum uint64
	for ctx.Err() == nil && time.Now().Before(deadline) {
		for range 64 {
			for range group {
				s += 0x9e3779b97f4a7c15
				z := s
				z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
				z = (z ^ (z >> 27)) * 0x94d049bb133111eb
				z ^= z >> 31
				hi, _ := bits.Mul64(z, rows)
				cur = append(cur, hi*rb)
			}
			prefetchRows(base, cur, last)
			copyRows(dst, tbl, prev, rb)
			sum += uint64(dst[0])
			n += int64(len(prev))
			prev, cur = cur, prev[:0]
		}
	}
	copyRows(dst, tbl, prev, rb)
	n += int64(len(prev))
	referenceSink.Add(sum)
	return n
}
