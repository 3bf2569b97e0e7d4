package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/execute"
	"github.com/engrambench/engrambench/merge"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/store"
	"github.com/engrambench/engrambench/suites"
)

// runIDEnv names the variable holding the run id of a sharded run.
const runIDEnv = "ENGRAMBENCH_RUN_ID"

// defaultCacheDir is where responses are cached unless --cache-dir says
// otherwise: the user cache directory, or none when there is no such thing.
func defaultCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "engrambench", "responses")
}

func cmdRun(ctx context.Context, e env, args []string) error {
	_, err := runSuite(ctx, e, args)
	return err
}

// runSuite is `run`: it returns the run directory it wrote, for nightly.
func runSuite(ctx context.Context, e env, args []string) (string, error) {
	fs := newFlagSet(e, "run", "run [SUITE] [--out DIR] [--runner NAME=SPEC]... [--resume RUN_DIR] [--limit N]")
	out := fs.String("out", "results", "directory that receives the run directory")
	var runnerFlags multiFlag
	fs.Var(&runnerFlags, "runner", "add or replace a runner: NAME=KIND,key=value,... (repeatable)")
	resume := fs.String("resume", "", "continue the run in this directory (a new --budget-* may be given)")
	limit := fs.Int("limit", 0, "at most N instances per task cell, for quick looks (0: all)")
	every := fs.Duration("progress-every", 10*time.Second, "interval of plain progress lines when stderr is not a terminal")
	budgetTokens := fs.Int("budget-tokens", 0, "stop sending requests once the run has spent this many tokens (overrides the suite's budget)")
	noCache := fs.Bool("no-cache", false, "neither read nor write the response cache")
	noProbe := fs.Bool("no-probe", false, "skip the quick hardware probe recorded in run.json")
	cacheDir := fs.String("cache-dir", defaultCacheDir(), "directory of the response cache (runners that identify their model only)")
	budgetUSD := fs.Float64("budget-usd", 0, "stop sending requests once the run has spent this many dollars (overrides the suite's budget)")
	storeDSN := storeFlag(fs)
	shardFlag := fs.String("shard", "", "run only shard I of N (0 ≤ I < N) of the plan, into OUT/RUNID.shard-I-of-N; the same command resumes it")
	runIDFlag := fs.String("run-id", os.Getenv(runIDEnv), "with --shard: the run id the shards share (default $"+runIDEnv+"); needed to write shards into one store run")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) > 1 {
		return "", usagef("run takes one suite, got %d arguments: %v", len(pos), pos)
	}
	if *limit < 0 {
		return "", usagef("--limit must be 0 or more")
	}
	if *every <= 0 {
		return "", usagef("--progress-every must be positive")
	}
	if *budgetTokens < 0 || *budgetUSD < 0 {
		return "", usagef("budgets must be 0 (none) or more")
	}
	var sh shard.Shard
	if *shardFlag != "" {
		if sh, err = shard.Parse(*shardFlag); err != nil {
			return "", usageError{fmt.Errorf("--shard: %w", err)}
		}
		if *resume != "" {
			return "", usagef("--resume continues a shard from its %s; it takes no --shard (run the same --shard command again to resume it)", results.RunFile)
		}
		if *runIDFlag != "" {
			if err := execute.CheckRunID(*runIDFlag); err != nil {
				return "", usageError{fmt.Errorf("--run-id: %w", err)}
			}
		}
	} else {
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "run-id" })
		if explicit {
			return "", usagef("--run-id names the run that shards share; it goes with --shard")
		}
	}
	var budget *results.Budget
	if *budgetTokens > 0 || *budgetUSD > 0 {
		budget = &results.Budget{Tokens: *budgetTokens, USD: *budgetUSD}
	}
	cat := catalog.Default()
	opts := execute.Options{
		Version:  Version,
		Commit:   commit(),
		CacheDir: *cacheDir,
		NewProgress: func(total, already int) execute.Progress {
			if e.isTerminal {
				return execute.NewBar(e.stderr, total, already)
			}
			return execute.NewLines(e.stderr, total, already, *every, nil)
		},
	}

	if *noCache {
		opts.CacheDir = ""
	}
	if *noProbe {
		opts.Probe = execute.NoProbe
	}
	// Runs go into the history store as they finish when one is named
	// (--store, $ENGRAMBENCH_STORE, or the suite's store key).
	var rec *merge.StoreSink
	closeStore := func() error { return nil }
	openStore := func(dsn string) error {
		if dsn == "" {
			return nil
		}
		st, err := store.Open(ctx, dsn)
		if err != nil {
			return err
		}
		rec = merge.NewStoreSink(st, st.NewRecorder(store.RecorderOptions{}), cat)
		opts.Sink = rec
		closeStore = st.Close
		return nil
	}
	defer func() { closeStore() }()

	var outcome execute.Outcome
	if *resume != "" {
		if len(pos) > 0 || len(runnerFlags) > 0 || *limit != 0 {
			return "", usagef("--resume continues the plan stored in %s; it takes no suite, --runner or --limit", results.RunFile)
		}
		if err := openStore(*storeDSN); err != nil {
			return "", err
		}
		outcome, err = execute.Resume(ctx, *resume, cat, execute.ResumeOptions{Budget: budget}, opts)
	} else {
		var arg string
		if len(pos) == 1 {
			arg = pos[0]
		}
		suite, lerr := suites.LoadArg(arg, cat)
		var problems suites.Problems
		if errors.As(lerr, &problems) {
			return "", usagef("the suite has %d problem(s):\n%s", len(problems), problems.Error())
		}
		if lerr != nil {
			return "", usageError{lerr}
		}
		for _, f := range runnerFlags {
			if err := suite.ApplyRunnerFlag(f, cat); err != nil {
				return "", usageError{err}
			}
		}
		plan, perr := suite.Resolve(cat, *limit)
		if perr != nil {
			return "", usageError{perr}
		}
		if budget != nil {
			plan.Budget = *budget
		}
		dsn := *storeDSN
		if dsn == "" {
			dsn = suite.Store
		}
		if !sh.Whole() {
			if plan.Serving != nil {
				return "", usagef("--shard: %s is a load test; load tests run on one machine", suite.Name)
			}
			if dsn != "" && *runIDFlag == "" {
				return "", usagef("--shard with a history store: give the run id the shards share with --run-id (or $%s), so that they write into one run", runIDEnv)
			}
			plan.Shard = sh
			opts.RunID = *runIDFlag
		}
		if err := openStore(dsn); err != nil {
			return "", err
		}
		if sh.Whole() {
			outcome, err = execute.Start(ctx, plan, *out, opts)
		} else {
			outcome, err = execute.StartShard(ctx, plan, *out, cat, opts)
		}
	}
	if outcome.Dir != "" {
		if rec != nil {
			if serr := rec.End(context.WithoutCancel(ctx), outcome.Run); serr != nil {
				fmt.Fprintln(e.stderr, "warning: history store:", serr)
			}
		}
		if rerr := renderRun(outcome.Dir, e.stdout); rerr != nil {
			err = errors.Join(err, rerr)
		}
		if outcome.Run.Plan.Serving != nil {
			fmt.Fprintf(e.stderr, "run %s: %s, %d requests; files in %s\n", outcome.Run.ID, outcome.Run.Status, outcome.Run.Finished, outcome.Dir)
		} else {
			fmt.Fprintf(e.stderr, "run %s: %s, %d of %d samples; files in %s\n", outcome.Run.ID, outcome.Run.Status, outcome.Run.Finished, outcome.Run.Expected, outcome.Dir)
		}
	}
	if err != nil {
		return outcome.Dir, err
	}
	if outcome.BudgetReached() {
		return outcome.Dir, fmt.Errorf("%w: %s", errBudget, outcome.Run.Message)
	}
	if outcome.Interrupted() {
		return outcome.Dir, fmt.Errorf("%w: %s", errInterrupted, outcome.Run.Message)
	}
	return outcome.Dir, nil
}
