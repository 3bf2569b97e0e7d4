package hardware

import (
	"bytes"
	"context"
	"math"
	"testing"
	"time"
	"unsafe"
)

func TestStreamKernels(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 33} {
		a, b, c := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range a {
			a[i], b[i], c[i] = float64(i), float64(2*i), 0
		}
		streamCopy(c, a) // c = a
		streamScale(b, c, 3)
		streamAdd(c, a, b)
		streamTriad(a, b, c, 3)
		for i := range a {
			x := float64(i)
			if c[i] != x+3*x || b[i] != 3*x || a[i] != b[i]+3*c[i] {
				t.Fatalf("n=%d i=%d: a=%v b=%v c=%v", n, i, a[i], b[i], c[i])
			}
		}
	}
}

func TestChunk(t *testing.T) {
	for _, n := range []int{0, 5, 64, 1000, 1 << 20} {
		for k := 1; k <= 5; k++ {
			next := 0
			for w := range k {
				lo, hi := chunk(n, w, k)
				if lo != next || hi < lo || (lo%8 != 0 && lo != n) {
					t.Fatalf("n=%d k=%d w=%d: [%d,%d) after %d", n, k, w, lo, hi, next)
				}
				next = hi
			}
			if next != n {
				t.Fatalf("n=%d k=%d: chunks end at %d", n, k, next)
			}
		}
	}
}

func TestStreamOnce(t *testing.T) {
	var p pool
	defer p.free()
	n := 1 << 14
	mem, err := p.get(arraysBytes(n))
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := arrays(mem, n)
	cpus, _ := allowedCPUs("/sys")
	k := min(2, len(cpus))
	r, err := streamOnce(context.Background(), cpus[:k], a, b, c, 4, 2, time.Now().Add(time.Minute), []int{0, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.passes != 3 {
		t.Errorf("passes = %d, want 3 timed after the discarded first", r.passes)
	}
	for kn, d := range r.best {
		if d <= 0 {
			t.Errorf("%s: no time", streamKernels[kn].Name)
		}
	}
	// The deadline cuts passes after minPasses.
	r, _ = streamOnce(context.Background(), cpus[:1], a, b, c, 100, 2, time.Now(), []int{3})
	if r.passes != 2 {
		t.Errorf("passes past the deadline = %d, want 2", r.passes)
	}
}

func TestChase(t *testing.T) {
	mem := make([]byte, 1000*chaseNode)
	buildChase(mem, 1000, 3)
	base := unsafe.Pointer(&mem[0])
	if at := chase(base, 0, 1000); at != 0 {
		// 1000 is a multiple of 8, so exactly 1000 loads ran.
		t.Fatalf("after one full cycle at %d, want 0", at)
	}
	if at := chase(base, 0, 8); at == 0 {
		t.Fatal("a short chase came back at once")
	}
	if d, ns := timeChase(mem, 1000, 4096, 2); d <= 0 || ns <= 0 {
		t.Fatalf("timeChase = %v, %v", d, ns)
	}
}

func TestGatherCopiesTheRightRows(t *testing.T) {
	for _, row := range []int{1, 63, 64, 100, 160, 300} {
		table := make([]byte, row*97)
		for i := range table {
			table[i] = byte(i * 7)
		}
		for _, batched := range []bool{false, true} {
			g := newGatherer(table, row, 8, 42)
			if batched {
				g.batched()
			} else {
				g.plain()
			}
			s := splitmix64(42)
			for k := range 8 {
				o := int(bounded(s.next(), 97)) * row
				if !bytes.Equal(g.dst[k*row:(k+1)*row], table[o:o+row]) {
					t.Fatalf("row=%d batched=%v: row %d differs", row, batched, k)
				}
			}
		}
	}
}

func TestPrefetchRowsEdges(t *testing.T) {
	// Rows at the very end of the table, rows of odd sizes, no rows: a
	// prefetch never faults, but the loops must end where they should.
	table := make([]byte, 4096)
	base := unsafe.Pointer(&table[0])
	prefetchRows(base, nil, 160)
	prefetchRows(base, []uint64{0, 4096 - 160, 4095}, 1)
	prefetchRows(base, []uint64{0, 4096 - 160}, 160)
	prefetchRows(base, []uint64{0}, 0)
}

func TestGatherRun(t *testing.T) {
	table := make([]byte, 1<<20)
	cpus, _ := allowedCPUs("/sys")
	k := min(2, len(cpus))
	for _, batched := range []bool{false, true} {
		r := gatherRun(cpus[:k], table, 160, 16, 1, batched, 20*time.Millisecond)
		if r.Rows == 0 || r.RowsPerSecond <= 0 || r.Threads != k || math.Abs(r.BytesPerSecond/(r.RowsPerSecond*160)-1) > 1e-9 {
			t.Errorf("batched=%v: %+v", batched, r)
		}
	}
}

func TestBarrier(t *testing.T) {
	cpus, _ := allowedCPUs("/sys")
	// More threads than CPUs: the barrier must still release everyone.
	team := append(append([]int{}, cpus...), cpus...)
	var counts [8]int
	err := runTeam(team[:min(len(team), 4)], func(w int, b *barrier) {
		for i := range 200 {
			counts[w] = i
			b.wait()
		}
	})
	if err != nil {
		t.Logf("pinning: %v", err)
	}
	for w := range min(len(team), 4) {
		if counts[w] != 199 {
			t.Errorf("worker %d stopped at %d", w, counts[w])
		}
	}
}
