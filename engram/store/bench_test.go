package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/engrambench/engrambench/engram"
)

// BenchmarkGather measures the engine on the demo layout scaled to about
// 265 MB (eight times this VM's last-level cache), and the reference
// gather on the same table, in rows per second; benchstat compares runs.
// engrambench engram bench is the full measurement.
func BenchmarkGather(b *testing.B) {
	m, _ := engram.BuiltinModel("demo")
	m = m.Scaled(0.1)
	l, err := m.Layout()
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(l, engram.IdentityCompression(m.Vocab), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, threads := range []int{1, 2} {
		for _, batch := range []int{1, 256, 4096} {
			b.Run(fmt.Sprintf("engine/threads=%d/batch=%d", threads, batch), func(b *testing.B) {
				var rs []Request
				for range max(2, 65536/batch) {
					rs = append(rs, randomRequest(rng, batch, 1, 2, m.Vocab))
				}
				out := make([]byte, s.OutputBytes(rs[0]))
				i := 0
				for b.Loop() {
					if err := s.GatherThreads(out, rs[i%len(rs)], threads); err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.ReportMetric(float64(b.N*batch*m.RowsPerToken())/b.Elapsed().Seconds(), "rows/s")
			})
		}
		b.Run(fmt.Sprintf("reference/threads=%d", threads), func(b *testing.B) {
			var rate float64
			for b.Loop() {
				rate, _ = ReferenceGather(context.Background(), s.Table().Bytes(), s.RowBytes(), threads, 20*time.Millisecond, 1)
			}
			b.ReportMetric(rate, "rows/s")
		})
	}
}
