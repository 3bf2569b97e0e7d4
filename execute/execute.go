// Package execute runs a plan: it feeds every instance of every task set to
// every runner with bounded concurrency per runner, scores each response,
// and appends each finished sample to samples.jsonl at once. A run killed
// at any moment resumes from that file without repeating or losing a
// finished sample; an interrupted run (SIGINT) stops cleanly and is marked
// partial.
package execute

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/suites"
	"github.com/engrambench/engrambench/tasks"
)

// Options are the parts of a run that tests replace.
type Options struct {
	Version string
	Commit  string
	// NewProgress makes the progress display, given the samples expected
	// and those already finished; nil for none.
	NewProgress func(total, already int) Progress
	// Now is the clock; nil for time.Now.
	Now func() time.Time
	// Host reads host facts; nil for hardware.ReadHost.
	Host func(context.Context) hardware.Host
	// CacheDir holds the response cache; "" turns it off.
	CacheDir string
	// Sink, when set, also gets the run and each sample as it finishes
	// (the history store's recorder).
	Sink Sink
	// Probe measures the machine for run.json; nil runs the quick probe
	// once per process, NoProbe skips it.
	Probe ProbeFunc
	// RunID, when set, names a new run instead of a fresh id: the shards
	// of one run share it (see StartShard).
	RunID string
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Outcome is how a run ended.
type Outcome struct {
	Dir string
	Run results.Run
}

// Interrupted reports whether the run stopped early because its context
// was cancelled.
func (o Outcome) Interrupted() bool { return o.Run.Stopped == results.StopInterrupted }

// BudgetReached reports whether the run stopped at its budget.
func (o Outcome) BudgetReached() bool { return o.Run.Stopped == results.StopBudget }

// Start creates a new run directory under outDir and runs the plan.
// Nothing is left behind when the directory cannot be set up.
func Start(ctx context.Context, plan *suites.Plan, outDir string, opts Options) (Outcome, error) {
	if plan.Serving != nil {
		return Serve(ctx, plan, outDir, opts)
	}
	expected, err := Expected(ctx, plan)
	if err != nil {
		return Outcome{}, err
	}
	dir, run, err := newRunDir(ctx, plan, outDir, expected, opts)
	if err != nil {
		return Outcome{}, err
	}
	return execute(ctx, plan, dir, run, nil, nil, opts)
}

// newRunDir creates a run directory under outDir holding its run.json.
// The directory appears with its run.json or not at all: it is prepared
// under a hidden name and renamed into place, so nothing half-written is
// left for a later --resume to misread.
func newRunDir(ctx context.Context, plan *suites.Plan, outDir string, expected int, opts Options) (string, results.Run, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", results.Run{}, fmt.Errorf("output directory: %w", err)
	}
	start := opts.now().UTC()
	id := opts.RunID
	if id == "" {
		id = runID(plan.Suite, start)
	}
	dir := filepath.Join(outDir, id)
	if !plan.Shard.Whole() {
		dir = filepath.Join(outDir, ShardDir(id, plan))
	}
	host := hardware.ReadHost
	if opts.Host != nil {
		host = opts.Host
	}
	run := results.Run{
		ID:        id,
		Suite:     plan.Suite,
		SuiteFrom: plan.Source,
		Plan:      plan.Record(),
		Expected:  expected,
		Version:   opts.Version,
		Commit:    opts.Commit,
		GoVersion: runtime.Version(),
		Host:      host(ctx),
		Start:     start,
		Status:    results.StatusRunning,
	}
	run.Probe = opts.probe(ctx, &run.Host)
	tmp, err := os.MkdirTemp(outDir, ".new-"+filepath.Base(dir)+"-")
	if err != nil {
		return "", run, fmt.Errorf("output directory: %w", err)
	}
	if err := results.WriteRun(tmp, run); err != nil {
		os.RemoveAll(tmp)
		return "", run, fmt.Errorf("output directory: write %s: %w", results.RunFile, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", run, fmt.Errorf("output directory: %w", err)
	}
	return dir, run, nil
}

// ResumeOptions change a resumed run's plan.
type ResumeOptions struct {
	// Budget, when not zero, replaces the stored budget (to continue a run
	// that stopped at its budget).
	Budget *results.Budget
}

// Resume continues the run in dir from its run.json and samples.jsonl. A
// shard's run directory is locked as StartShard locks it.
func Resume(ctx context.Context, dir string, cat suites.Catalog, ro ResumeOptions, opts Options) (Outcome, error) {
	run, err := results.ReadRun(dir)
	if err != nil {
		return Outcome{}, err
	}
	if !run.Plan.Shard.Whole() {
		unlock, err := lockRunDir(filepath.Clean(dir))
		if err != nil {
			return Outcome{}, err
		}
		defer unlock()
	}
	return resume(ctx, dir, cat, ro, opts)
}

func resume(ctx context.Context, dir string, cat suites.Catalog, ro ResumeOptions, opts Options) (Outcome, error) {
	run, err := results.ReadRun(dir)
	if err != nil {
		return Outcome{}, err
	}
	if run.Plan.Serving != nil {
		return Outcome{}, fmt.Errorf("%s is a load test; load tests are not resumable: start a new one", dir)
	}
	if ro.Budget != nil {
		run.Plan.Budget = *ro.Budget
	}
	plan, err := suites.FromRecord(run, cat)
	if err != nil {
		return Outcome{}, err
	}
	// Only the finished samples' keys and what they spent are kept: a run
	// of a million samples resumes without reading them all into memory.
	done := map[string]struct{}{}
	prior := &spend{}
	err = results.ScanRunSamples(dir, func(s results.Sample) error {
		if s.RunID != run.ID {
			return fmt.Errorf("%s: sample %s belongs to run %s, not %s", filepath.Join(dir, results.SamplesFile), s.Key, s.RunID, run.ID)
		}
		if _, dup := done[s.Key]; !dup {
			done[s.Key] = struct{}{}
			prior.add(s)
		}
		return nil
	})
	if err != nil {
		return Outcome{}, err
	}
	run.Resumed = append(run.Resumed, opts.now().UTC())
	run.Status = results.StatusRunning
	run.Message = ""
	run.Stopped = ""
	run.End = time.Time{}
	if err := results.WriteRun(dir, run); err != nil {
		return Outcome{}, fmt.Errorf("write %s: %w", results.RunFile, err)
	}
	return execute(ctx, plan, dir, run, done, prior, opts)
}

// runID names a run by suite and UTC start, with a random suffix so that
// two runs started in the same second do not collide.
func runID(suite string, start time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%s-%s", suite, start.Format("20060102T150405Z"), hex.EncodeToString(b[:]))
}

// effectiveParams applies the plan's limit to a set's "n" parameter, so a
// limited run generates only what it uses. Instances are generated from
// (seed, task, index), so the first N are the same with or without a limit.
func effectiveParams(t suites.PlannedTask, limit int) params.Values {
	p := t.Params.Clone()
	if limit > 0 && p.Has("n") && p.Int("n") > limit {
		p["n"] = limit
	}
	return p
}

// Expected counts the samples a plan will produce: those of its shard
// (all of them for the whole plan), from the task sets' sizes, without
// generating an instance.
func Expected(ctx context.Context, plan *suites.Plan) (int, error) {
	units, err := Units(ctx, plan)
	if err != nil {
		return 0, err
	}
	return shard.Count(units, plan.Shard), nil
}

// Units lists the whole plan's samples in blocks, one per runner and cell
// (instances 0 to n-1, each repeated as the set's "samples" parameter
// says), the limit applied: what package shard splits. Task sets with a
// Sizer are not asked for an instance; others are counted by generating
// theirs once.
func Units(ctx context.Context, plan *suites.Plan) ([]shard.Unit, error) {
	var units []shard.Unit
	for _, t := range plan.Tasks {
		p := effectiveParams(t, plan.Limit)
		if rs, ok := t.Set.(tasks.RunnerSpecific); ok && rs.RunnerSpecific(p) {
			if _, ok := t.Set.(tasks.Sizer); !ok {
				return nil, fmt.Errorf("task set %s makes instances per runner but cannot say how many (no Sizes method)", t.Set.Name())
			}
		}
		sizes, err := tasks.Sizes(ctx, t.Set, p)
		if err != nil {
			return nil, fmt.Errorf("task set %s: %w", t.Set.Name(), err)
		}
		cells := slices.Sorted(maps.Keys(sizes))
		repeats := max(p.Int("samples"), 1)
		for _, r := range plan.Runners {
			for _, c := range cells {
				n := sizes[c]
				if plan.Limit > 0 {
					n = min(n, plan.Limit)
				}
				units = append(units, shard.Unit{Runner: r.Name, Cell: c, Instances: n, Repeats: repeats})
			}
		}
	}
	return units, nil
}

type job struct {
	inst   tasks.Instance
	repeat int
	scorer tasks.Scorer
}

type worker struct {
	name   string
	model  string
	runner runners.Runner
	price  price
	jobs   chan job
	conc   int
}

// execute runs the plan into dir, skipping samples whose keys are done;
// prior is what those spent (nil for none).
func execute(ctx context.Context, plan *suites.Plan, dir string, run results.Run, done map[string]struct{}, prior *spend, opts Options) (Outcome, error) {
	fail := func(err error) (Outcome, error) {
		run.Status = results.StatusFailed
		run.Message = err.Error()
		run.End = opts.now().UTC()
		if werr := results.WriteRun(dir, run); werr != nil {
			err = errors.Join(err, werr)
		}
		return Outcome{Dir: dir, Run: run}, err
	}

	var workers []*worker
	// Runners are closed (local engines stopped) before the final run.json
	// is written, so it can carry the engines' figures; the deferred call
	// covers the early returns. Closing twice is harmless.
	closeRunners := func() {
		for _, w := range workers {
			if c, ok := runners.Find[runners.Closer](w.runner); ok {
				c.Close()
			}
			if e, ok := runners.Find[runners.EngineReporter](w.runner); ok {
				if run.Engines == nil {
					run.Engines = map[string]runners.EngineStats{}
				}
				run.Engines[w.name] = e.EngineStats()
			}
		}
	}
	defer closeRunners()
	for _, pr := range plan.Runners {
		r, err := pr.Kind.New(pr.Name, pr.Params)
		if err != nil {
			return fail(fmt.Errorf("runner %s: %w", pr.Name, err))
		}
		if r, err = wrap(r, pr, opts.CacheDir); err != nil {
			return fail(fmt.Errorf("runner %s: %w", pr.Name, err))
		}
		model := pr.Params.String("model")
		if m, ok := runners.Find[runners.Modeler](r); ok && m.Model() != "" {
			model = m.Model()
		}
		workers = append(workers, &worker{name: pr.Name, model: model, runner: r, price: priceOf(pr.Params), jobs: make(chan job, 2*pr.Concurrency), conc: pr.Concurrency})
	}

	w, err := results.OpenWriter(filepath.Join(dir, results.SamplesFile))
	if err != nil {
		return fail(err)
	}
	if opts.Sink != nil {
		if err := opts.Sink.Begin(ctx, run); err != nil {
			w.Close()
			return fail(fmt.Errorf("history store: %w", err))
		}
	}

	sampler := startSamplers(ctx, workers, time.Second)
	stopSamplers := func() {
		if sampler != nil {
			s := sampler.Stop()
			run.Samplers = &s
			sampler = nil
		}
	}
	defer stopSamplers()

	var progress Progress = noProgress{}
	if opts.NewProgress != nil {
		progress = opts.NewProgress(run.Expected, len(done))
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// Reaching the budget stops new requests; those in flight finish and
	// are recorded, since they are paid for.
	prodCtx, stopProducing := context.WithCancelCause(ctx)
	defer stopProducing(nil)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		finished = len(done)
		spent    = newSpend(plan.Budget, prior)
		halted   atomic.Bool
	)
	if spent.exhausted() {
		halted.Store(true)
		stopProducing(errBudget)
	}
	writeErr := errors.New("writing samples failed")
	for _, wk := range workers {
		for range wk.conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range wk.jobs {
					if halted.Load() {
						continue // queued but never sent: not a sample
					}
					s, ok := runOne(ctx, run.ID, wk, j)
					if !ok {
						continue // interrupted before it finished: not a sample
					}
					if err := w.Write(s); err != nil {
						cancel(fmt.Errorf("%w: %v", writeErr, err))
						continue
					}
					mu.Lock()
					finished++
					mu.Unlock()
					progress.Add(s)
					if opts.Sink != nil {
						opts.Sink.Add(s)
					}
					if spent.add(s) && !halted.Swap(true) {
						stopProducing(errBudget)
					}
				}
			}()
		}
	}

	produceErr := produce(prodCtx, plan, workers, done)
	for _, wk := range workers {
		close(wk.jobs)
	}
	wg.Wait()
	closeErr := w.Close()
	progress.Done()
	stopSamplers()
	closeRunners()

	run.Finished = finished
	run.End = opts.now().UTC()
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, writeErr):
		return fail(cause)
	case closeErr != nil:
		return fail(fmt.Errorf("close %s: %w", results.SamplesFile, closeErr))
	case produceErr != nil && prodCtx.Err() == nil:
		return fail(produceErr)
	case ctx.Err() == nil && halted.Load():
		run.Status = results.StatusPartial
		run.Stopped = results.StopBudget
		run.Message = fmt.Sprintf("budget reached: %s; stopped after %d of %d samples; continue with a larger budget and --resume %s", spent, finished, run.Expected, dir)
	case ctx.Err() != nil:
		run.Status = results.StatusPartial
		run.Stopped = results.StopInterrupted
		run.Message = fmt.Sprintf("interrupted after %d of %d samples; continue with --resume %s", finished, run.Expected, dir)
	default:
		run.Status = results.StatusComplete
	}
	if err := results.WriteRun(dir, run); err != nil {
		return Outcome{Dir: dir, Run: run}, fmt.Errorf("write %s: %w", results.RunFile, err)
	}
	return Outcome{Dir: dir, Run: run}, nil
}

// produce walks every task set's instances once and hands each to every
// runner's queue, per repeat, skipping finished samples and honouring the
// per-cell limit. A set whose instances depend on the runner
// (tasks.RunnerSpecific) is walked once per runner, with the runner in the
// context.
func produce(ctx context.Context, plan *suites.Plan, workers []*worker, done map[string]struct{}) error {
	for _, t := range plan.Tasks {
		p := effectiveParams(t, plan.Limit)
		if rs, ok := t.Set.(tasks.RunnerSpecific); ok && rs.RunnerSpecific(p) {
			for _, wk := range workers {
				if err := feed(tasks.WithRunner(ctx, wk.runner), t.Set, p, plan.Limit, plan.Shard, []*worker{wk}, done); err != nil {
					return err
				}
			}
			continue
		}
		if err := feed(ctx, t.Set, p, plan.Limit, plan.Shard, workers, done); err != nil {
			return err
		}
	}
	return nil
}

// feed sends one walk over a set's instances to the given workers: the
// samples of the shard sh that are not done yet. Every instance is still
// generated, since a set cannot be asked for one instance alone.
func feed(ctx context.Context, set tasks.TaskSet, p params.Values, limit int, sh shard.Shard, workers []*worker, done map[string]struct{}) error {
	scorer := set.Scorer()
	repeats := max(p.Int("samples"), 1)
	perCell := map[string]int{}
	for inst, err := range set.Instances(ctx, p) {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("task set %s: %w", set.Name(), err)
		}
		cell := inst.Cell()
		if limit > 0 && perCell[cell] >= limit {
			continue
		}
		perCell[cell]++
		for _, wk := range workers {
			for rep := range repeats {
				if !sh.Owns(wk.name, cell, inst.Index, rep) {
					continue
				}
				if _, ok := done[results.SampleKey(wk.name, inst.ID, rep)]; ok {
					continue
				}
				select {
				case wk.jobs <- job{inst: inst, repeat: rep, scorer: scorer}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
	}
	return ctx.Err()
}

// runOne generates and scores one sample. ok is false when the context was
// cancelled before the sample finished: such a sample is not recorded, so a
// resume runs it again.
func runOne(ctx context.Context, runID string, wk *worker, j job) (results.Sample, bool) {
	in := j.inst
	req := in.Request
	req.Seed += int64(j.repeat)
	s := results.Sample{
		Key:         results.SampleKey(wk.name, in.ID, j.repeat),
		RunID:       runID,
		Runner:      wk.name,
		Model:       wk.model,
		Set:         in.Set,
		Task:        in.Task,
		Cell:        in.Cell(),
		InstanceID:  in.ID,
		Repeat:      j.repeat,
		Params:      in.Labels,
		Seed:        req.Seed,
		RequestHash: req.Hash(),
	}
	if ctx.Err() != nil {
		return s, false
	}
	// A conversation (multi-turn session) runs all its turns through the
	// runner, each on the model's own earlier answers, and scores itself.
	var (
		resp   runners.Response
		err    error
		sc     tasks.Score
		scErr  error
		scored bool
	)
	if cv, ok := j.scorer.(tasks.Conversational); ok {
		gen := func(ctx context.Context, r runners.Request) (runners.Response, error) {
			r.Seed = req.Seed // the repeat's seed on every turn
			return generate(ctx, wk, r)
		}
		resp, sc, err = cv.Converse(ctx, in, gen)
		var sf interface{ ScorerFault() bool }
		if err != nil && errors.As(err, &sf) && sf.ScorerFault() {
			scErr, err = err, nil
		}
		scored = err == nil
	} else {
		resp, err = generate(ctx, wk, req)
	}
	if err != nil {
		if ctx.Err() != nil {
			return s, false
		}
		s.Error = err.Error()
		s.ErrorKind = results.ErrRequest
		s.ErrorClass = string(runners.Classify(err))
		var re *runners.RequestError
		if errors.As(err, &re) {
			s.Attempts = re.Attempts
		}
		s.Usage = resp.Usage
		s.Timing = results.TimingFrom(resp.Timing, resp.Usage.CompletionTokens)
		return s, true
	}
	if resp.Model != "" {
		s.Model = resp.Model
	}
	s.Attempts = resp.Attempts
	s.Cached = resp.Cached
	s.CostUSD = wk.price.cost(resp.Usage)
	s.Response = resp.Text
	s.Reasoning = resp.Reasoning
	s.FinishReason = resp.FinishReason
	s.Usage = resp.Usage
	s.Timing = results.TimingFrom(resp.Timing, resp.Usage.CompletionTokens)
	if !scored {
		sc, scErr = j.scorer.Score(ctx, in, resp)
	}
	if scErr != nil {
		if ctx.Err() != nil {
			return s, false
		}
		s.Error = scErr.Error()
		s.ErrorKind = results.ErrScorer
		return s, true
	}
	if req.PromptLogprobs {
		// The log-probabilities are long and the score's detail keeps
		// their sums; the sample keeps a note instead of the list.
		s.Response = fmt.Sprintf("(%d prompt log-probabilities)", resp.Usage.PromptTokens)
	}
	v := sc.Value
	s.Score = &v
	s.Extracted = sc.Extracted
	s.ScoreDetail = sc.Detail
	return s, true
}

// Sink gets the run record once run.json is written and each sample as it
// finishes, besides samples.jsonl. Add must not block. The caller ends it.
type Sink interface {
	Begin(ctx context.Context, run results.Run) error
	Add(s results.Sample)
}

// generate asks the runner for a response, or, for a request that wants
// prompt log-probabilities, for those, written as the response text.
func generate(ctx context.Context, wk *worker, req runners.Request) (runners.Response, error) {
	if !req.PromptLogprobs {
		return wk.runner.Generate(ctx, req)
	}
	lp, ok := runners.Find[runners.Logprober](wk.runner)
	if !ok {
		return runners.Response{}, &runners.RequestError{Class: runners.ClassClient, Err: fmt.Errorf("runner %s cannot return prompt log-probabilities", wk.name)}
	}
	send := time.Now()
	lps, err := lp.PromptLogprobs(ctx, req.Prompt)
	if err != nil {
		return runners.Response{}, err
	}
	end := time.Now()
	return runners.Response{
		Text:   runners.EncodeLogprobs(lps),
		Usage:  runners.Usage{PromptTokens: len(lps)},
		Timing: runners.Timing{Send: send, End: end},
	}, nil
}

// Progress is told about each finished sample.
type Progress interface {
	Add(s results.Sample)
	Done()
}

var errBudget = errors.New("budget reached")

type noProgress struct{}

func (noProgress) Add(results.Sample) {}
func (noProgress) Done()              {}
