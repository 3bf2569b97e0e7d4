// Package mergetest writes synthetic shard run directories, as N shards of
// one run would leave them, for merge's benchmarks: a real plan (the
// built-in runners on generated BBH and RULER cells, so that merge can
// rebuild and count it) and samples.jsonl lines shaped like real ones
// (about a kilobyte each), without running anything.
package mergetest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/engrambench/engrambench/execute"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/suites"
)

// Suite is a plan of 2 × (3 × bbhN + 4 × rulerN) samples.
func Suite(bbhN, rulerN int) string {
	return fmt.Sprintf(`name: scale
runners:
  lookup: {kind: lookup}
  random: {kind: random}
tasks:
  - set: bbh-gen
    tasks: [boolean_expressions, multistep_arithmetic_two, word_sorting]
    n: %d
    seed: 1
  - set: ruler
    tasks: [niah_single_1]
    lengths: [4096, 8192, 16384, 32768]
    n: %d
    seed: 42
`, bbhN, rulerN)
}

// response is a typical chain-of-thought answer's length.
var response = strings.Repeat("Let us think step by step about the expression. ", 5) + "So the answer is True."

// WriteShards writes the n shard directories of run runID of Suite(bbhN,
// rulerN) under dir and returns them with the plan's sample count. Every
// sample of the plan is written, into its shard.
func WriteShards(ctx context.Context, dir string, n, bbhN, rulerN int, runID string, cat suites.Catalog) ([]string, int, error) {
	s, err := suites.Load("scale.yaml", []byte(Suite(bbhN, rulerN)), cat)
	if err != nil {
		return nil, 0, err
	}
	plan, err := s.Resolve(cat, 0)
	if err != nil {
		return nil, 0, err
	}
	units, err := execute.Units(ctx, plan)
	if err != nil {
		return nil, 0, err
	}
	total := shard.Count(units, shard.Shard{})
	dirs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p := *plan
			p.Shard = shard.Shard{I: i, N: n}
			dirs[i] = filepath.Join(dir, runID+"."+p.Shard.Name())
			errs[i] = writeShard(dirs[i], &p, units, runID)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, 0, err
		}
	}
	return dirs, total, nil
}

func writeShard(dir string, plan *suites.Plan, units []shard.Unit, runID string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	start := time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC)
	run := results.Run{ID: runID, Suite: plan.Suite, SuiteFrom: "scale.yaml", Plan: plan.Record(),
		Expected: shard.Count(units, plan.Shard), Version: "bench", Start: start, Status: results.StatusComplete}
	f, err := os.Create(filepath.Join(dir, results.SamplesFile))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, u := range units {
		set, task, _ := strings.Cut(u.Cell, "/task=")
		task, labels, _ := strings.Cut(task, "/")
		params := map[string]string{}
		for _, kv := range strings.Split(labels, "/") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				params[k] = v
			}
		}
		for r := range u.Repeats {
			off := shard.Offset(u.Runner, u.Cell, r)
			for i := range u.Instances {
				if shard.At(plan.Shard.N, off, i) != plan.Shard.I {
					continue
				}
				id := fmt.Sprintf("%s/%04d-%08x", u.Cell, i, uint32(i*2654435761))
				score := float64(i % 2)
				t := start.Add(time.Duration(i) * time.Millisecond)
				s := results.Sample{
					Key: results.SampleKey(u.Runner, id, r), RunID: runID, Runner: u.Runner, Model: u.Runner + "-model",
					Set: set, Task: task, Cell: u.Cell, InstanceID: id, Repeat: r, Params: params, Seed: int64(i),
					RequestHash: fmt.Sprintf("%032x", i), Response: response, FinishReason: "stop", Extracted: "True",
					Score: &score, ScoreDetail: `flexible="True" flexible_match=1 answer_type=true_false chance=0.5`,
					Usage:  runners.Usage{PromptTokens: 350, CompletionTokens: 44},
					Timing: results.SampleTiming{Send: t, FirstToken: t.Add(time.Millisecond), End: t.Add(2 * time.Millisecond), LatencyS: 0.002, TTFTS: 0.001, TPOTS: 0.00002},
				}
				b, err := json.Marshal(s)
				if err != nil {
					f.Close()
					return err
				}
				w.Write(b)
				w.WriteByte('\n')
			}
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	run.Finished = run.Expected
	run.End = start.Add(time.Hour)
	return results.WriteRun(dir, run)
}
