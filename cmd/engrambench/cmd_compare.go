package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/engrambench/engrambench/compare"
	"github.com/engrambench/engrambench/results"
)

const compareUsage = `compare A B [--store DSN] [--alpha 0.05] [--resamples 10000] [--seed 1] [--out FILE]
       engrambench compare RUN --runners X,Y [...]

A, B and RUN are run directories or run ids in the store. The first form
compares each runner's cells in B with the same in A; the second compares
runner Y with runner X within one run. Differences are B − A (Y − X).`

// compareFlags are the statistical options shared by compare and nightly.
type compareFlags struct {
	alpha     *float64
	resamples *int
	seed      *uint64
}

func addCompareFlags(fs interface {
	Float64(string, float64, string) *float64
	Int(string, int, string) *int
	Uint64(string, uint64, string) *uint64
}) compareFlags {
	d := compare.DefaultOptions()
	return compareFlags{
		alpha:     fs.Float64("alpha", d.Alpha, "significance level, after Holm's correction across cells"),
		resamples: fs.Int("resamples", d.Resamples, "bootstrap resamples per cell"),
		seed:      fs.Uint64("seed", d.Seed, "bootstrap seed (the same seed gives the same intervals)"),
	}
}

func (c compareFlags) options() (compare.Options, error) {
	if *c.alpha <= 0 || *c.alpha >= 1 {
		return compare.Options{}, usagef("--alpha must lie strictly between 0 and 1")
	}
	if *c.resamples < 100 {
		return compare.Options{}, usagef("--resamples must be at least 100")
	}
	o := compare.DefaultOptions()
	o.Alpha, o.Resamples, o.Seed = *c.alpha, *c.resamples, *c.seed
	return o, nil
}

func cmdCompare(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "compare", compareUsage)
	dsn := storeFlag(fs)
	runnersFlag := fs.String("runners", "", "X,Y: compare runner Y with runner X within one run")
	out := fs.String("out", "", "also write the Markdown to FILE")
	cf := addCompareFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	opt, err := cf.options()
	if err != nil {
		return err
	}
	var c *compare.Comparison
	var title string
	switch {
	case *runnersFlag != "":
		if len(pos) != 1 {
			return usagef("compare --runners X,Y takes one run; usage: engrambench %s", compareUsage)
		}
		x, y, ok := strings.Cut(*runnersFlag, ",")
		if !ok || x == "" || y == "" || strings.Contains(y, ",") || x == y {
			return usagef("--runners takes two different runner names: X,Y")
		}
		run, samples, err := loadRunBriefs(ctx, pos[0], *dsn)
		if err != nil {
			return err
		}
		if err := hasRunners(run, samples, x, y); err != nil {
			return err
		}
		c = compare.Runners(samples, x, y, opt)
		title = fmt.Sprintf("%s vs %s in run %s", y, x, run.ID)
	default:
		if len(pos) != 2 {
			return usagef("usage: engrambench %s", compareUsage)
		}
		runA, a, err := loadRunBriefs(ctx, pos[0], *dsn)
		if err != nil {
			return err
		}
		runB, b, err := loadRunBriefs(ctx, pos[1], *dsn)
		if err != nil {
			return err
		}
		c = compareRuns(runA, a, runB, b, opt)
		title = fmt.Sprintf("Run %s vs %s", runB.ID, runA.ID)
	}
	var buf bytes.Buffer
	if err := compare.WriteMarkdown(&buf, c, title, 1); err != nil {
		return err
	}
	if *out != "" {
		if err := results.WriteFileAtomic(*out, buf.Bytes()); err != nil {
			return err
		}
	}
	_, err = e.stdout.Write(buf.Bytes())
	return err
}

// compareRuns compares run b with run a, warning about what makes the two
// less comparable.
func compareRuns(runA results.Run, a []results.Brief, runB results.Run, b []results.Brief, opt compare.Options) *compare.Comparison {
	c := compare.Runs(a, b, runA.ID, runB.ID, opt)
	var warn []string
	if runA.Suite != runB.Suite {
		warn = append(warn, fmt.Sprintf("the runs are of different suites: %s and %s", runA.Suite, runB.Suite))
	}
	for _, r := range []results.Run{runA, runB} {
		if r.Status != results.StatusComplete {
			warn = append(warn, fmt.Sprintf("run %s is %s: %d of %d samples finished", r.ID, r.Status, r.Finished, r.Expected))
		}
	}
	c.Warnings = append(warn, c.Warnings...)
	return c
}

// hasRunners checks that a run has both runners, naming those it has.
func hasRunners(run results.Run, samples []results.Brief, names ...string) error {
	have := map[string]bool{}
	for _, r := range run.Plan.Runners {
		have[r.Name] = true
	}
	for _, s := range samples {
		have[s.Runner] = true
	}
	for _, n := range names {
		if !have[n] {
			var list []string
			for _, r := range run.Plan.Runners {
				list = append(list, r.Name)
			}
			return usagef("run %s has no runner %q (it has: %s)", run.ID, n, strings.Join(list, ", "))
		}
	}
	return nil
}
