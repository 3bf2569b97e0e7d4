package hardware

import (
	"time"
	"unsafe"
)

const chaseNode = 64 // one cache line per node

// buildChase links the first n nodes of mem into one random cycle: node i
// holds the byte offset of the node after it.
func buildChase(mem []byte, n int, seed uint64) {
	p := cycle(n, seed)
	for i, next := range p {
		*(*uint64)(unsafe.Pointer(&mem[i*chaseNode])) = uint64(next) * chaseNode
	}
}

// chase follows loads links from offset at and returns where it ended.
// Each load's address is the value of the one before, so no two loads
// overlap: the time per load is the latency of wherever the nodes live.
func chase(base unsafe.Pointer, at uint64, loads int) uint64 {
	for i := 0; i < loads; i += 8 {
		at = *(*uint64)(unsafe.Add(base, at))
		at = *(*uint64)(unsafe.Add(base, at))
		at = *(*uint64)(unsafe.Add(base, at))
		at = *(*uint64)(unsafe.Add(base, at))
		at = *(*uint64)(unsafe.Add(base, at))
		at = *(*uint64)(unsafe.Add(base, at))
		at = *(*uint64)(unsafe.Add(base, at))
		at = *(*uint64)(unsafe.Add(base, at))
	}
	return at
}

// timeChase runs reps timed chases of loads loads each after a warm-up,
// and returns the best time per load.
func timeChase(mem []byte, n, loads, reps int) (time.Duration, float64) {
	base := unsafe.Pointer(&mem[0])
	loads = (loads + 7) &^ 7
	at := chase(base, 0, min(n, loads))
	best := time.Duration(1<<63 - 1)
	for range reps {
		t0 := time.Now()
		at = chase(base, at, loads)
		best = min(best, time.Since(t0))
	}
	sink.Store(at)
	return best, float64(best.Nanoseconds()) / float64(loads)
}
