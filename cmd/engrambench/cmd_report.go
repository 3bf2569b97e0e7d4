package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/reports/claims"
	"github.com/engrambench/engrambench/results"
)

// Files a run directory gets from its samples.
const (
	reportFile  = "report.md"
	summaryFile = "summary.txt"
)

// chartFiles are the charts renderRun may write beside report.md; one a
// re-render no longer draws is removed, so none is left unlinked.
var chartFiles = []string{reports.ChartQualityCost, reports.ChartRuler, reports.ChartBBH}

func cmdReport(ctx context.Context, e env, args []string) error {
	if isStoreReport(args) {
		return cmdReportStore(ctx, e, args) // report --run ID: a run in the history store (cmd_merge.go)
	}
	fs := newFlagSet(e, "report", "report [--treatment RUNNER --baseline RUNNER] RUN_DIR")
	treatment := fs.String("treatment", "", "runner whose gains the claims ledger tests (default: the suite's treatment)")
	baseline := fs.String("baseline", "", "runner the treatment is compared with (default: the suite's baseline)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("report takes one run directory")
	}
	if (*treatment == "") != (*baseline == "") {
		return usagef("--treatment and --baseline go together")
	}
	return renderRunWith(pos[0], e.stdout, ledgerNames{*treatment, *baseline})
}

// ledgerNames are the runners the claims ledger compares.
type ledgerNames struct{ treatment, baseline string }

// renderRun writes report.md, its charts and summary.txt from run.json and
// samples.jsonl alone, and prints the report. The ledger compares the
// runners the suite declares, if any.
func renderRun(dir string, stdout io.Writer) error {
	return renderRunWith(dir, stdout, ledgerNames{})
}

func renderRunWith(dir string, stdout io.Writer, names ledgerNames) error {
	defer leanHeap()()
	run, samples, err := results.ReadRunDirBriefs(dir)
	if err != nil {
		return err
	}
	if run.Plan.Serving != nil {
		return renderServing(dir, run, stdout)
	}
	samples, dups := results.DedupeBriefs(samples)
	if len(dups) > 0 {
		return fmt.Errorf("%s holds %d duplicate samples (first: %s); the run directory is damaged", filepath.Join(dir, results.SamplesFile), len(dups), dups[0])
	}
	if names.treatment == "" {
		names = planLedgerNames(run.Plan)
	} else if err := checkLedgerNames(run, names); err != nil {
		return err
	}
	rep := reports.BuildBriefs(run, samples)
	charts, err := rep.Charts()
	if err != nil {
		return fmt.Errorf("render charts: %w", err)
	}
	var ledger *reports.Ledger
	if names.treatment != "" && names.baseline != "" {
		ledger = &reports.Ledger{Treatment: names.treatment, Baseline: names.baseline,
			Claims: claims.LedgerBriefs(run, samples, names.treatment, names.baseline)}
	}
	var md, sum bytes.Buffer
	if err := rep.Write(&md, reports.Options{Charts: charts, Ledger: ledger}); err != nil {
		return fmt.Errorf("render %s: %w", reportFile, err)
	}
	if err := reports.WriteSummary(&sum, run, rep.Cells); err != nil {
		return fmt.Errorf("render %s: %w", summaryFile, err)
	}
	drawn := map[string]bool{}
	for _, c := range charts {
		drawn[c.File] = true
		if err := results.WriteFileAtomic(filepath.Join(dir, c.File), c.SVG); err != nil {
			return err
		}
	}
	for _, f := range chartFiles {
		if !drawn[f] {
			if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, reportFile), md.Bytes()); err != nil {
		return err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, summaryFile), sum.Bytes()); err != nil {
		return err
	}
	_, err = io.Copy(stdout, strings.NewReader(md.String()))
	return err
}

// leanHeap halves the collector's growth allowance while a report holds
// every sample of a run, and returns the function that restores it. The
// heap is then mostly live Briefs, and the default allowance (another
// 100% of the live heap before a collection) would nearly double the peak
// for garbage that dies within a line: merging and reporting a million
// samples peaks at 925 MiB of RSS with the default, 740 MiB with this, in
// the same time (BenchmarkMergeCommand16Shards1M). A GOGC the user set is
// left alone.
func leanHeap() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(50)
	return func() { debug.SetGCPercent(prev) }
}

// planLedgerNames reads the suite's treatment and baseline runners.
func planLedgerNames(p results.Plan) ledgerNames { return ledgerNames{p.Treatment, p.Baseline} }

// checkLedgerNames rejects a treatment or baseline that is not one of the
// run's runners.
func checkLedgerNames(run results.Run, names ledgerNames) error {
	var known []string
	for _, r := range run.Plan.Runners {
		known = append(known, r.Name)
	}
	for _, n := range []string{names.treatment, names.baseline} {
		if !slices.Contains(known, n) {
			return usagef("%q is not a runner of run %s (runners: %s)", n, run.ID, strings.Join(known, ", "))
		}
	}
	if names.treatment == names.baseline {
		return usagef("--treatment and --baseline name the same runner %q", names.treatment)
	}
	return nil
}

// renderServing writes the report and summary of a load test.
func renderServing(dir string, run results.Run, stdout io.Writer) error {
	var rep, sum bytes.Buffer
	if err := reports.WriteServingReport(&rep, run); err != nil {
		return fmt.Errorf("render %s: %w", reportFile, err)
	}
	if err := reports.WriteServingSummary(&sum, run); err != nil {
		return fmt.Errorf("render %s: %w", summaryFile, err)
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, reportFile), rep.Bytes()); err != nil {
		return err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, summaryFile), sum.Bytes()); err != nil {
		return err
	}
	_, err := stdout.Write(rep.Bytes())
	return err
}
