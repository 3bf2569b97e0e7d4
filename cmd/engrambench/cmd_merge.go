package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/merge"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/store"
)

const mergeUsage = "merge RUN_DIR... --out DIR [--allow-partial] [--no-report]"

// cmdMerge joins shard run directories into one run directory with the
// files of a run; see package merge. The report is rendered from the
// merged directory exactly as `engrambench report DIR` renders it. Inputs
// that do not belong together are refused (exit 2); missing samples fail
// the merge with their keys (exit 1) unless --allow-partial, which writes
// a partial run whose report says so.
func cmdMerge(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "merge", mergeUsage)
	out := fs.String("out", "", "the merged run directory to create (it must not exist, or be empty)")
	partial := fs.Bool("allow-partial", false, "merge even when samples are missing; the merged run and its report say it is partial")
	noReport := fs.Bool("no-report", false, "write run.json and samples.jsonl only; render later with engrambench report DIR (rendering holds every sample in memory: about 4 GiB a million)")
	dirs, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) == 0 || *out == "" {
		return usagef("usage: engrambench %s", mergeUsage)
	}
	var report bytes.Buffer
	o := merge.Options{Catalog: catalog.Default(), AllowPartial: *partial}
	if !*noReport {
		o.Render = func(dir string) error { return renderRun(dir, &report) }
	}
	res, err := merge.Dirs(ctx, dirs, *out, o)
	for _, w := range res.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
	for _, k := range res.Conflicts {
		fmt.Fprintf(e.stderr, "warning: sample %s has copies with different outcomes; the first was kept\n", k)
	}
	var mismatch *merge.MismatchError
	var missing *merge.MissingError
	switch {
	case errors.As(err, &mismatch):
		return usageError{err}
	case errors.As(err, &missing):
		return fmt.Errorf("%w\nrerun shard(s) %s (the same run --shard command resumes one), then merge again; or merge with --allow-partial",
			err, strings.Join(missing.ShardsMissing(), ", "))
	case err != nil:
		return err
	}
	if _, err := e.stdout.Write(report.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "merged %d shard run(s) into run %s: %s, %d of %d samples", len(res.Run.ShardRuns), res.Run.ID, res.Run.Status, res.Run.Finished, res.Run.Expected)
	if n := res.Duplicates + len(res.Conflicts); n > 0 {
		fmt.Fprintf(e.stderr, ", %d duplicates dropped", n)
	}
	fmt.Fprintf(e.stderr, "; files in %s\n", res.Dir)
	if len(res.Missing) > 0 {
		fmt.Fprintf(e.stderr, "partial: %s\n", res.Run.Message)
	}
	return nil
}

const reportStoreUsage = "report --run ID [--store DSN] [--allow-partial] [--wait DURATION] [--out DIR]"

// isStoreReport tells `report --run ID` (a run in the history store) from
// `report RUN_DIR`.
func isStoreReport(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--run" || a == "-run" || strings.HasPrefix(a, "--run=") || strings.HasPrefix(a, "-run=") {
			return true
		}
	}
	return false
}

// cmdReportStore is `report --run ID`: it renders a run held in the
// history store, typically one whose shards wrote into it from several
// machines, once every sample of its plan is there (merge.FromStore),
// and marks it complete in the store; or it names the shards that still
// lack samples (exit 1), waiting up to --wait for them first. The report
// is rendered from a run directory made of the stored run, exactly as
// `engrambench report DIR` renders one; --out keeps that directory.
func cmdReportStore(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "report", reportStoreUsage)
	id := fs.String("run", "", "the run id in the history store (the id the shards shared: run --run-id)")
	dsn := storeFlag(fs)
	partial := fs.Bool("allow-partial", false, "render even when samples are missing; the report says it is partial")
	wait := fs.Duration("wait", 0, "wait up to this long for missing samples (shards still running), polling the store")
	out := fs.String("out", "", "also write the run as a run directory (run.json, samples.jsonl, report.md, summary.txt)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *id == "" {
		return usagef("usage: engrambench %s (a run directory is reported without --run)", reportStoreUsage)
	}
	if *wait < 0 {
		return usagef("--wait must be 0 or more")
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	o := merge.Options{Catalog: catalog.Default(), AllowPartial: *partial, Listed: 50}
	deadline := time.Now().Add(*wait)
	poll := min(max(*wait/20, 200*time.Millisecond), 30*time.Second)
	var (
		res     merge.Result
		missing *merge.MissingError
	)
	for {
		res, err = merge.FromStore(ctx, st, *id, o)
		if errors.Is(err, store.ErrNotFound) {
			return usagef("run %s is not in the store %s", *id, st)
		}
		if !errors.As(err, &missing) || !time.Now().Before(deadline) {
			break
		}
		fmt.Fprintf(e.stderr, "waiting for run %s: %d of %d samples missing, from shard(s) %s\n",
			*id, len(missing.Missing), missing.Expected, strings.Join(missing.ShardsMissing(), ", "))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: waiting for run %s", errInterrupted, *id)
		case <-time.After(min(poll, time.Until(deadline))):
		}
	}
	if errors.As(err, &missing) {
		return fmt.Errorf("%w\nrerun shard(s) %s (the same run --shard command resumes a shard, or writes it again: the store counts a sample once); or pass --allow-partial",
			err, strings.Join(missing.ShardsMissing(), ", "))
	}
	if err != nil {
		return err
	}
	if res.Run.Status == results.StatusComplete {
		stored, err := st.Run(ctx, *id)
		if err != nil {
			return err
		}
		if stored.Status != results.StatusComplete {
			if err := st.PutRun(ctx, res.Run); err != nil {
				return err
			}
		}
	}
	dir := *out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "engrambench-report-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, *id)
	}
	var report bytes.Buffer
	scan := func(each func(results.Sample) error) error { return st.ScanSamples(ctx, *id, each) }
	if err := merge.WriteRunDir(dir, res.Run, scan, func(d string) error { return renderRun(d, &report) }); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "run %s written to %s\n", *id, *out)
	}
	if len(res.Missing) > 0 {
		fmt.Fprintf(e.stderr, "partial: %s\n", res.Run.Message)
	}
	_, err = io.Copy(e.stdout, &report)
	return err
}
