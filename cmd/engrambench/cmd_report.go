package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
)

// Files a run directory gets from its samples.
const (
	reportFile  = "report.md"
	summaryFile = "summary.txt"
)

func cmdReport(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "report", "report RUN_DIR")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("report takes one run directory")
	}
	return renderRun(pos[0], e.stdout)
}

// renderRun writes report.md and summary.txt from run.json and
// samples.jsonl alone, and prints the report.
func renderRun(dir string, stdout io.Writer) error {
	run, samples, err := results.ReadRunDir(dir)
	if err != nil {
		return err
	}
	if run.Plan.Serving != nil {
		return renderServing(dir, run, stdout)
	}
	samples, dups := results.Dedupe(samples)
	if len(dups) > 0 {
		return fmt.Errorf("%s holds %d duplicate samples (first: %s); the run directory is damaged", filepath.Join(dir, results.SamplesFile), len(dups), dups[0])
	}
	cells := reports.Aggregate(samples)
	var rep, sum bytes.Buffer
	if err := reports.WriteReport(&rep, run, cells); err != nil {
		return fmt.Errorf("render %s: %w", reportFile, err)
	}
	if err := reports.WriteSummary(&sum, run, cells); err != nil {
		return fmt.Errorf("render %s: %w", summaryFile, err)
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, reportFile), rep.Bytes()); err != nil {
		return err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, summaryFile), sum.Bytes()); err != nil {
		return err
	}
	_, err = io.Copy(stdout, strings.NewReader(rep.String()))
	return err
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
