package execute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/serving"
	"github.com/engrambench/engrambench/suites"
)

// RequestsFile holds one record per request of a load test.
const RequestsFile = "requests.jsonl"

// Serve runs a suite's load test against its runner. The runner is driven
// bare, without retries, adaptive concurrency or the cache: a load test
// measures the server, and those would hide what it does under load.
// Load tests are not resumable: a partial one is reported as such.
func Serve(ctx context.Context, plan *suites.Plan, outDir string, opts Options) (Outcome, error) {
	cfg, err := serving.FromParams(plan.Serving)
	if err != nil {
		return Outcome{}, err
	}
	name := plan.Serving.String("runner")
	var target *suites.PlannedRunner
	for i := range plan.Runners {
		if plan.Runners[i].Name == name {
			target = &plan.Runners[i]
		}
	}
	if target == nil {
		return Outcome{}, fmt.Errorf("serving: runner %q is not in the plan", name)
	}
	dir, run, err := newRunDir(ctx, plan, outDir, 0, opts)
	if err != nil {
		return Outcome{}, err
	}
	fail := func(err error) (Outcome, error) {
		run.Status = results.StatusFailed
		run.Message = err.Error()
		run.End = opts.now().UTC()
		if werr := results.WriteRun(dir, run); werr != nil {
			err = errors.Join(err, werr)
		}
		return Outcome{Dir: dir, Run: run}, err
	}
	r, err := target.Kind.New(target.Name, target.Params)
	if err != nil {
		return fail(fmt.Errorf("runner %s: %w", target.Name, err))
	}
	if c, ok := r.(interface{ Close() error }); ok {
		defer c.Close()
	}
	f, err := os.Create(filepath.Join(dir, RequestsFile))
	if err != nil {
		return fail(err)
	}
	var (
		mu     sync.Mutex
		enc    = json.NewEncoder(f)
		encErr error
	)
	res, runErr := serving.Run(ctx, r, cfg, func(rec serving.Record) {
		mu.Lock()
		defer mu.Unlock()
		if err := enc.Encode(rec); err != nil && encErr == nil {
			encErr = err
		}
	})
	if err := f.Close(); err != nil && encErr == nil {
		encErr = err
	}
	run.Serving = res
	run.End = opts.now().UTC()
	for _, x := range res {
		run.Finished += x.Sent
	}
	switch {
	case encErr != nil:
		return fail(fmt.Errorf("write %s: %w", RequestsFile, encErr))
	case runErr != nil && ctx.Err() != nil:
		run.Status = results.StatusPartial
		run.Stopped = results.StopInterrupted
		run.Message = fmt.Sprintf("interrupted after %d of %d steps; load tests are not resumable", len(res), len(cfg.Steps))
	case runErr != nil:
		return fail(runErr)
	default:
		run.Status = results.StatusComplete
	}
	if err := results.WriteRun(dir, run); err != nil {
		return Outcome{Dir: dir, Run: run}, fmt.Errorf("write %s: %w", results.RunFile, err)
	}
	return Outcome{Dir: dir, Run: run}, nil
}
