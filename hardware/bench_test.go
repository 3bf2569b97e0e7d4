package hardware

import (
	"fmt"
	"testing"
	"unsafe"
)

// Benchmarks of the kernels on one thread. SetBytes counts STREAM bytes
// and row bytes, so MB/s reads as bandwidth. Sizes run from in-cache to
// DRAM; the probes themselves size arrays from the caches.

func BenchmarkStream(b *testing.B) {
	for _, size := range []int{256 << 10, 64 << 20} {
		n := size / 8
		a, bb, c := make([]float64, n), make([]float64, n), make([]float64, n)
		for kn, k := range streamKernels {
			b.Run(fmt.Sprintf("kernel=%s/array=%s", k.Name, compact(uint64(size))), func(b *testing.B) {
				b.SetBytes(int64(k.Bytes * n))
				for b.Loop() {
					runKernel(kn, a, bb, c)
				}
			})
		}
	}
}

func BenchmarkChase(b *testing.B) {
	for _, size := range []int{32 << 10, 1 << 20, 256 << 20} {
		b.Run("bytes="+compact(uint64(size)), func(b *testing.B) {
			mem := make([]byte, size)
			nodes := size / chaseNode
			buildChase(mem, nodes, 1)
			base := unsafe.Pointer(&mem[0])
			at := chase(base, 0, min(nodes, 1<<20))
			b.ResetTimer()
			for b.Loop() {
				at = chase(base, at, 8)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(8*b.N), "ns/load")
			sink.Store(at)
		})
	}
}

func BenchmarkGather(b *testing.B) {
	table := make([]byte, 512<<20)
	for i := 0; i < len(table); i += 4096 {
		table[i] = 1
	}
	for _, row := range []int{160, 512} {
		for _, mode := range []string{"plain", "batched"} {
			b.Run(fmt.Sprintf("mode=%s/row=%d", mode, row), func(b *testing.B) {
				g := newGatherer(table, row, 32, 1)
				b.SetBytes(int64(32 * row))
				for b.Loop() {
					if mode == "plain" {
						g.plain()
					} else {
						g.batched()
					}
				}
				b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
			})
		}
	}
}
