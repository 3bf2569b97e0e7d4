package coding

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tasks/coding/sandbox"
)

// runAll runs jobs through one engine, NumCPU at a time (the sandbox's own
// limit), and fails the benchmark on any infrastructure error or any job
// that does not pass.
func runAll(b *testing.B, cfg engineConfig, jobs []job, limit time.Duration) {
	b.Helper()
	eng, err := engineFor(cfg)
	if err != nil {
		b.Skip(err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	var mu sync.Mutex
	var failed []string
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v, err := eng.run(context.Background(), j, limit)
			if err != nil || v.Outcome != Passed {
				mu.Lock()
				failed = append(failed, itoa(i)+": "+string(v.Outcome)+" "+v.Reason)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		b.Fatalf("%d jobs failed: %v", len(failed), failed[:min(len(failed), 3)])
	}
}

// BenchmarkHumanEvalCanonical evaluates the 164 canonical solutions: with
// each sandbox backend that works here, and with none (unsafe), so the
// overhead ratio comes from one session. Run with
//
//	go test ./tasks/coding -run '^$' -bench HumanEvalCanonical -benchtime 1x
func BenchmarkHumanEvalCanonical(b *testing.B) {
	recs, err := LoadHumanEval(sharedHumanEval(b))
	if err != nil {
		b.Fatal(err)
	}
	var jobs []job
	for _, r := range recs {
		p := humanEvalProblem(r, tasks.FormCompletion, 512)
		j, _, err := p.build(p.reference)
		if err != nil {
			b.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	for _, c := range []struct{ name, backend string }{
		{"sandbox=bwrap", sandbox.BackendBwrap},
		{"sandbox=namespaces", sandbox.BackendNamespaces},
		{"sandbox=none", sandbox.BackendNone},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := engineConfig{Backend: c.backend, Unsafe: c.backend == sandbox.BackendNone, Python: attackPython()}
			runAll(b, cfg, jobs[:1], 4*time.Second) // start up outside the timing
			b.ResetTimer()
			for range b.N {
				runAll(b, cfg, jobs, 4*time.Second)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "sec/set")
			b.ReportMetric(float64(len(jobs)), "problems/set")
		})
	}
}

// BenchmarkCodeGoReferences runs the reference solutions of code-go (the
// go command builds and tests each in the sandbox).
func BenchmarkCodeGoReferences(b *testing.B) {
	cs, err := loadConcepts()
	if err != nil {
		b.Fatal(err)
	}
	var jobs []job
	for _, c := range cs {
		p, err := c.goProblem(tasks.FormChat, 512)
		if err != nil {
			b.Fatal(err)
		}
		j, _, err := p.build(p.reference)
		if err != nil {
			b.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	for _, c := range []struct{ name, backend string }{
		{"sandbox=auto", ""},
		{"sandbox=none", sandbox.BackendNone},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := engineConfig{Backend: c.backend, Unsafe: c.backend == sandbox.BackendNone, Go: "go"}
			runAll(b, cfg, jobs[:1], 30*time.Second)
			b.ResetTimer()
			for range b.N {
				runAll(b, cfg, jobs, 30*time.Second)
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "sec/set")
			b.ReportMetric(float64(len(jobs)), "problems/set")
		})
	}
}
