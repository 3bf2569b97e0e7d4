package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/compare"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/store"
	"github.com/engrambench/engrambench/suites"
)

const nightlyUsage = `nightly [SUITE] [--store DSN] [--max-regression PP] [--trend N] [--alpha A] [--resamples N] [--seed N] [run flags]

Runs the suite as "run" does (every other flag goes to run: --out, --runner,
--limit, --budget-*, ...), stores the run, compares it with the last complete
run of the same suite and runners in the store, and appends "Changes since
last run" and a trend over the last N stored runs to the run's report.md (and
writes them to nightly.md). Exits 4 when an accuracy difference is
significant (after Holm's correction) and a drop of more than
--max-regression percentage points; 0 otherwise, or run's own exit code.`

// exitRegression is nightly's exit code for a significant regression
// beyond the threshold.
const exitRegression = 4

// errRegression marks a nightly run that regressed.
var errRegression = errors.New("significant regression")

// nightlyFile holds nightly's sections apart from report.md, which
// "engrambench report" rewrites without them.
const nightlyFile = "nightly.md"

// nightlyOwnFlags are the flags nightly keeps; the rest go to run.
var nightlyOwnFlags = map[string]bool{"store": true, "max-regression": true, "trend": true, "alpha": true, "resamples": true, "seed": true}

// nightlySettings are a suite file's settings for nightly; zero values
// are unset.
type nightlySettings struct {
	Store           string   // store DSN
	MaxRegressionPP *float64 // percentage points
	Trend           int      // runs in the trend table
}

// suiteNightlySettings reads the nightly settings of the suite a run came
// from (its store and nightly keys).
var suiteNightlySettings = func(run results.Run) (nightlySettings, error) {
	arg, _ := strings.CutPrefix(run.SuiteFrom, "builtin:")
	s, err := suites.LoadArg(arg, catalog.Default())
	if err != nil {
		return nightlySettings{}, fmt.Errorf("suite %s: %w", run.SuiteFrom, err)
	}
	return nightlySettings{Store: s.Store, MaxRegressionPP: s.Nightly.MaxRegression, Trend: s.Nightly.Trend}, nil
}

// nightlyRun runs the suite with run's arguments and returns the new run
// directory ("" when none was made) and run's error.
var nightlyRun = runSuite

func cmdNightly(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "nightly", nightlyUsage)
	dsn := storeFlag(fs)
	maxPP := fs.Float64("max-regression", 0, "percentage points of accuracy a cell may lose significantly before nightly exits 4 (default: the suite's, else 0: any significant drop)")
	trend := fs.Int("trend", 10, "stored runs of the suite in the trend table")
	cf := addCompareFlags(fs)
	own, runArgs := splitNightlyArgs(args)
	for _, a := range runArgs {
		switch name := flagName(a); name {
		case "h", "help":
			fs.Usage()
			return flag.ErrHelp
		case "resume":
			return usagef("nightly starts a new run; finish an interrupted one with run --resume DIR, then store import DIR")
		}
	}
	if pos, err := parseFlags(fs, own); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("nightly: unexpected arguments %v", pos)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *trend < 1 {
		return usagef("--trend must be 1 or more")
	}
	if *maxPP < 0 {
		return usagef("--max-regression must be 0 or more percentage points")
	}
	opt, err := cf.options()
	if err != nil {
		return err
	}

	dir, runErr := nightlyRun(ctx, e, runArgs)
	if dir == "" {
		return runErr
	}
	// The run is over; store and compare it even when it was interrupted.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	regressed, err := nightlyAfterRun(sctx, e, dir, nightlyConfig{
		dsn: *dsn, dsnSet: set["store"], maxPP: *maxPP, maxPPSet: set["max-regression"],
		trend: *trend, trendSet: set["trend"], opt: opt,
	})
	switch {
	case runErr != nil:
		return errors.Join(runErr, err)
	case err != nil:
		return err
	}
	return regressed
}

type nightlyConfig struct {
	dsn      string
	dsnSet   bool
	maxPP    float64
	maxPPSet bool
	trend    int
	trendSet bool
	opt      compare.Options
}

// nightlyAfterRun stores the run in dir, compares it with the last good
// run, appends the sections to report.md and nightly.md and prints them.
// It returns an errRegression error when the run regressed.
func nightlyAfterRun(ctx context.Context, e env, dir string, cfg nightlyConfig) (regressed, err error) {
	run, err := results.ReadRun(dir)
	if err != nil {
		return nil, err
	}
	settings, err := suiteNightlySettings(run)
	if err != nil {
		return nil, err
	}
	if !cfg.dsnSet && settings.Store != "" {
		cfg.dsn = settings.Store
	}
	if !cfg.maxPPSet && settings.MaxRegressionPP != nil {
		cfg.maxPP = *settings.MaxRegressionPP
	}
	if !cfg.trendSet && settings.Trend > 0 {
		cfg.trend = settings.Trend
	}
	st, err := store.Open(ctx, cfg.dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	imp, err := st.Import(ctx, dir)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stderr, "stored run %s (%d samples) in %s\n", run.ID, imp.Samples, st)

	var sec bytes.Buffer
	sec.WriteString("\n## Changes since last run\n\n")
	names := store.RunnerNames(run.Plan)
	prev, err := st.LastGood(ctx, run.Suite, names, run.Start)
	switch {
	case errors.Is(err, store.ErrNotFound):
		fmt.Fprintf(&sec, "No earlier complete run of suite %s with runners %s is stored: nothing to compare with. A complete run becomes the next one's baseline.\n",
			mdEscape(run.Suite), mdEscape(strings.Join(names, ", ")))
	case err != nil:
		return nil, err
	default:
		prevRun, err := st.Run(ctx, prev.ID)
		if err != nil {
			return nil, err
		}
		old, err := st.Briefs(ctx, prev.ID)
		if err != nil {
			return nil, err
		}
		cur, err := st.Briefs(ctx, run.ID)
		if err != nil {
			return nil, err
		}
		c := compareRuns(prevRun, old, run, cur, cfg.opt)
		regs := c.Regressions(cfg.maxPP / 100)
		threshold := strconv.FormatFloat(cfg.maxPP, 'f', -1, 64)
		if len(regs) == 0 {
			fmt.Fprintf(&sec, "No significant accuracy regression of more than %s percentage points since run %s.\n\n", threshold, mdEscape(prev.ID))
		} else {
			var list []string
			for _, r := range regs {
				list = append(list, fmt.Sprintf("%s %s %+.1f pp (p = %.3g)", r.Runner, r.Cell, 100*r.Accuracy.Delta, r.Accuracy.PAdj))
			}
			fmt.Fprintf(&sec, "**Regression**: %s lost significantly more than %s percentage points since run %s:\n\n", cellsText(len(regs)), threshold, mdEscape(prev.ID))
			for _, l := range list {
				sec.WriteString("- " + mdEscape(l) + "\n")
			}
			sec.WriteString("\n")
			regressed = fmt.Errorf("%w: %s lost significantly more than %s pp since run %s: %s",
				errRegression, cellsText(len(regs)), threshold, prev.ID, strings.Join(list, "; "))
		}
		if err := compare.WriteMarkdown(&sec, c, "Compared with run "+prev.ID, 3); err != nil {
			return nil, err
		}
	}

	runs, err := st.Runs(ctx, store.RunFilter{Suite: run.Suite, Limit: cfg.trend})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	pts, err := st.Series(ctx, store.SeriesFilter{RunIDs: ids})
	if err != nil {
		return nil, err
	}
	sec.WriteString("\n")
	if err := compare.WriteTrend(&sec, compare.NewTrend(runs, pts), fmt.Sprintf("Trend over the last %d stored runs of %s", len(runs), run.Suite), 2); err != nil {
		return nil, err
	}

	if err := appendFile(filepath.Join(dir, reportFile), sec.Bytes()); err != nil {
		return nil, err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, nightlyFile), bytes.TrimPrefix(sec.Bytes(), []byte("\n"))); err != nil {
		return nil, err
	}
	_, err = e.stdout.Write(sec.Bytes())
	return regressed, err
}

func cellsText(n int) string {
	if n == 1 {
		return "1 cell"
	}
	return strconv.Itoa(n) + " cells"
}

func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// mdEscape escapes Markdown in free text.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range strings.Join(strings.Fields(s), " ") {
		if strings.ContainsRune("\\`*_[]<>|#!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// flagName is the name of a flag argument ("--out=x" → "out"), "" for a
// positional one.
func flagName(a string) string {
	if len(a) < 2 || a[0] != '-' || a == "--" {
		return ""
	}
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	return name
}

// splitNightlyArgs separates nightly's own flags (with their values) from
// the arguments passed on to run.
func splitNightlyArgs(args []string) (own, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return own, append(rest, args[i:]...)
		}
		if name := flagName(a); nightlyOwnFlags[name] {
			own = append(own, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				own = append(own, args[i+1])
				i++
			}
			continue
		}
		rest = append(rest, a)
	}
	return own, rest
}
