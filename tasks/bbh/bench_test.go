package bbh

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/engrambench/engrambench/params"
)

// BenchmarkGenerate10k is the budget: 10,000 instances of every
// generated task, each solved exactly, in under 10 s on 2 cores. One
// iteration makes all of them through the set's own Instances (draw,
// solve, exemplars, prompt), the tasks spread over GOMAXPROCS workers.
//
//	go test -run '^$' -bench Generate10k -benchtime 1x -cpu 2 ./tasks/bbh
func BenchmarkGenerate10k(b *testing.B) {
	const n = 10000
	for b.Loop() {
		jobs := make(chan string)
		var wg sync.WaitGroup
		var mu sync.Mutex
		made := 0
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for task := range jobs {
					p := params.Values{"seed": 1, "n": n, "tasks": []string{task}}
					k := 0
					for _, err := range NewGenerated().Instances(context.Background(), p) {
						if err != nil {
							b.Error(err)
							return
						}
						k++
					}
					mu.Lock()
					made += k
					mu.Unlock()
				}
			})
		}
		for _, t := range generated {
			jobs <- t.name
		}
		close(jobs)
		wg.Wait()
		if made != n*len(generated) {
			b.Fatalf("made %d instances, want %d", made, n*len(generated))
		}
	}
	b.ReportMetric(float64(n*len(generated)), "instances/op")
}

// BenchmarkDrawSolve is the generator and solver alone, per task, one
// instance per iteration.
func BenchmarkDrawSolve(b *testing.B) {
	for _, t := range generated {
		for _, d := range []int{0, 5} {
			b.Run(t.name+"/difficulty="+string(rune('0'+d)), func(b *testing.B) {
				src, err := t.source(1, d)
				if err != nil {
					b.Fatal(err)
				}
				i := 0
				for b.Loop() {
					in, err := src.test(i)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := t.solve(in); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}
