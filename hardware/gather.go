package hardware

import (
	"sync/atomic"
	"time"
	"unsafe"
)

// gatherer copies rows chosen at random from a table into a small
// destination buffer, as an embedding lookup does. Each thread has its
// own gatherer (its own row stream and buffers).
type gatherer struct {
	table []byte
	rows  uint64
	row   int
	rng   splitmix64
	dst   []byte   // batch rows
	offs  []uint64 // batch row offsets
	sum   uint64
}

func newGatherer(table []byte, row, batch int, seed uint64) *gatherer {
	return &gatherer{
		table: table,
		rows:  uint64(len(table) / row),
		row:   row,
		rng:   splitmix64(seed),
		dst:   make([]byte, batch*row),
		offs:  make([]uint64, batch),
	}
}

// plain gathers one batch of rows one at a time: pick, copy, next.
func (g *gatherer) plain() {
	rb := g.row
	for k := range g.offs {
		o := bounded(g.rng.next(), g.rows) * uint64(rb)
		copy(g.dst[k*rb:(k+1)*rb], g.table[o:o+uint64(rb)])
	}
	g.sum += uint64(g.dst[0])
}

// batched gathers one batch in two phases: first every row's offset is
// computed and all its cache lines are prefetched, so the misses of the
// whole batch are in flight together; then the rows are copied, by then
// mostly from cache. This is the ceiling an Engram engine's lookup can
// reach on the machine (FACTS.md §5: misses in flight are the limit).
func (g *gatherer) batched() {
	rb := g.row
	for k := range g.offs {
		g.offs[k] = bounded(g.rng.next(), g.rows) * uint64(rb)
	}
	base := unsafe.Pointer(&g.table[0])
	prefetchRows(base, g.offs, uintptr(rb))
	if hasCopyRows && rb >= 16 {
		copyRows(unsafe.Pointer(&g.dst[0]), base, g.offs, uintptr(rb))
	} else {
		for k, o := range g.offs {
			copy(g.dst[k*rb:(k+1)*rb], g.table[o:o+uint64(rb)])
		}
	}
	g.sum += uint64(g.dst[0])
}

// gatherRun gathers on a team of threads for about d and returns the rate.
// Every thread draws its own rows (seed + thread number); the run ends
// for all when worker 0 has seen d pass.
func gatherRun(cpus []int, table []byte, row, batch int, seed uint64, batched bool, d time.Duration) GatherResult {
	var total atomic.Uint64
	var stop atomic.Bool
	var elapsed time.Duration
	runTeam(cpus, func(w int, b *barrier) {
		g := newGatherer(table, row, batch, seed+uint64(w))
		b.wait()
		t0 := time.Now()
		var n uint64
		for !stop.Load() {
			for range 64 {
				if batched {
					g.batched()
				} else {
					g.plain()
				}
			}
			n += uint64(64 * batch)
			if w == 0 && time.Since(t0) >= d {
				stop.Store(true)
			}
		}
		b.wait()
		if w == 0 {
			elapsed = time.Since(t0)
		}
		total.Add(n)
		sink.Add(g.sum)
	})
	mode := "plain"
	if batched {
		mode = "batched"
	}
	rows := total.Load()
	s := elapsed.Seconds()
	return GatherResult{Mode: mode, Threads: len(cpus), Rows: rows, Seconds: s,
		RowsPerSecond: float64(rows) / s, BytesPerSecond: float64(rows) * float64(row) / s}
}
