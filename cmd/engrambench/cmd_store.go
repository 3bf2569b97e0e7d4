package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/store"
)

// storeEnv names the variable holding the default store DSN.
const storeEnv = "ENGRAMBENCH_STORE"

const storeUsage = `store import [--store DSN] RUN_DIR... | store runs [--store DSN] [--suite S] [--limit N]

The history store is a SQLite file (a path, or sqlite:PATH) or a PostgreSQL
database (postgres://...). Without --store it is $ENGRAMBENCH_STORE, else
$XDG_DATA_HOME/engrambench/history.db (~/.local/share/engrambench/history.db).`

// storeFlag adds --store to fs.
func storeFlag(fs *flag.FlagSet) *string {
	return fs.String("store", os.Getenv(storeEnv), "history store: a SQLite file (PATH or sqlite:PATH) or postgres://...; default $"+storeEnv+", else ~/.local/share/engrambench/history.db")
}

func cmdStore(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: engrambench %s", storeUsage)
	}
	switch args[0] {
	case "import":
		return cmdStoreImport(ctx, e, args[1:])
	case "runs":
		return cmdStoreRuns(ctx, e, args[1:])
	case "help", "-h", "--help":
		fmt.Fprintf(e.stdout, "Usage: engrambench %s\n", storeUsage)
		return nil
	}
	return usagef("unknown store command %q; usage: engrambench %s", args[0], storeUsage)
}

func cmdStoreImport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "store import", "store import [--store DSN] RUN_DIR...")
	dsn := storeFlag(fs)
	dirs, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usagef("store import takes one or more run directories")
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	var errs []error
	for _, dir := range dirs {
		imp, err := st.Import(ctx, dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %s, %d samples (%s, %d of %d finished)\n", dir, imp.Run.ID, imp.Samples, imp.Run.Status, imp.Run.Finished, imp.Run.Expected)
		if len(imp.Duplicates) > 0 {
			fmt.Fprintf(e.stderr, "warning: %s: %d duplicate sample keys (first: %s); the first of each was kept\n",
				filepath.Join(dir, results.SamplesFile), len(imp.Duplicates), imp.Duplicates[0])
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d imports failed: %w", len(errs), len(dirs), errors.Join(errs...))
	}
	fmt.Fprintf(e.stderr, "stored in %s\n", st)
	return nil
}

func cmdStoreRuns(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "store runs", "store runs [--store DSN] [--suite S] [--limit N]")
	dsn := storeFlag(fs)
	suite := fs.String("suite", "", "only runs of this suite")
	limit := fs.Int("limit", 0, "only the latest N runs (0: all)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("store runs takes no arguments; got %v", pos)
	}
	if *limit < 0 {
		return usagef("--limit must be 0 or more")
	}
	st, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	runs, err := st.Runs(ctx, store.RunFilter{Suite: *suite, Limit: *limit, CountSamples: true})
	if err != nil {
		return err
	}
	return writeRunList(e.stdout, runs)
}

// writeRunList prints runs oldest first, one a line.
func writeRunList(w io.Writer, runs []store.RunInfo) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintln(w, "no runs stored")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSUITE\tSTATUS\tSTART (UTC)\tSAMPLES\tRUNNERS")
	for _, r := range runs {
		start := "unknown"
		if !r.Start.IsZero() {
			start = r.Start.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d of %d\t%s\n", r.ID, r.Suite, r.Status, start, r.Stored, r.Expected, strings.Join(r.Runners, ","))
	}
	return tw.Flush()
}

// runArg is a run named on the command line: a run directory when the
// argument is a path that exists, else a run id in a store.
type runArg struct {
	run results.Run
	dir string       // the run directory, or ""
	st  *store.Store // the open store holding the run, or nil
}

// openRunArg finds the run arg names, reading its run record; close the
// result when done.
func openRunArg(ctx context.Context, arg, dsn string) (*runArg, error) {
	if _, err := os.Stat(arg); err == nil {
		run, err := results.ReadRun(arg)
		if err != nil {
			return nil, err
		}
		return &runArg{run: run, dir: arg}, nil
	}
	if strings.ContainsRune(arg, os.PathSeparator) {
		return nil, usagef("%s: no such run directory", arg)
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	run, err := st.Run(ctx, arg)
	if err != nil {
		st.Close()
		if errors.Is(err, store.ErrNotFound) {
			return nil, usagef("%s is neither a run directory nor a run id in the store %s", arg, st)
		}
		return nil, err
	}
	return &runArg{run: run, st: st}, nil
}

func (a *runArg) close() {
	if a.st != nil {
		a.st.Close()
	}
}

// scanRunArg calls fn with each sample of the run arg names in turn. A
// sample key met twice in a directory (a damaged one) is an error.
func scanRunArg(ctx context.Context, arg, dsn string, fn func(results.Sample) error) (results.Run, error) {
	a, err := openRunArg(ctx, arg, dsn)
	if err != nil {
		return results.Run{}, err
	}
	defer a.close()
	if a.st != nil {
		return a.run, a.st.ScanSamples(ctx, a.run.ID, fn)
	}
	path := filepath.Join(a.dir, results.SamplesFile)
	seen := map[string]struct{}{}
	return a.run, results.ScanRunSamples(a.dir, func(s results.Sample) error {
		if _, dup := seen[s.Key]; dup {
			return fmt.Errorf("%s holds sample %s twice; the run directory is damaged", path, s.Key)
		}
		seen[s.Key] = struct{}{}
		return fn(s)
	})
}

// loadRunBriefs reads what comparisons and per-task figures need of the
// run arg names: each sample's Brief, so runs of millions of samples fit
// in memory.
func loadRunBriefs(ctx context.Context, arg, dsn string) (results.Run, []results.Brief, error) {
	a, err := openRunArg(ctx, arg, dsn)
	if err != nil {
		return results.Run{}, nil, err
	}
	defer a.close()
	if a.st != nil {
		briefs, err := a.st.Briefs(ctx, a.run.ID)
		return a.run, briefs, err
	}
	briefs, err := results.ReadBriefs(a.dir)
	if err != nil {
		return a.run, nil, err
	}
	briefs, dups := results.DedupeBriefs(briefs)
	if len(dups) > 0 {
		return a.run, nil, fmt.Errorf("%s holds %d duplicate samples (first: %s); the run directory is damaged", filepath.Join(a.dir, results.SamplesFile), len(dups), dups[0])
	}
	return a.run, briefs, nil
}

const exportUsage = "export RUN (--csv|--json) [--per-task] [--store DSN] [--out FILE]"

// cmdExport writes a run's per-sample or per-task results as CSV or JSON.
func cmdExport(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "export", exportUsage)
	asCSV := fs.Bool("csv", false, "write CSV (a header line, then a row per sample or per task)")
	asJSON := fs.Bool("json", false, "write a JSON array of objects")
	perTask := fs.Bool("per-task", false, "one row per runner and cell (the report's figures) instead of one per sample")
	out := fs.String("out", "", "write to FILE instead of standard output")
	dsn := storeFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: engrambench %s", exportUsage)
	}
	if *asCSV == *asJSON {
		return usagef("give one of --csv and --json")
	}
	// Per task, Briefs are all it takes; per sample, rows are made as the
	// samples are read, and the samples (with their responses) let go.
	var (
		run    results.Run
		briefs []results.Brief
		rows   []store.SampleRow
	)
	if *perTask {
		run, briefs, err = loadRunBriefs(ctx, pos[0], *dsn)
	} else {
		run, err = scanRunArg(ctx, pos[0], *dsn, func(s results.Sample) error {
			rows = append(rows, store.SampleRowOf(&s))
			return nil
		})
		store.SortSampleRows(rows)
	}
	if err != nil {
		return err
	}
	w := e.stdout
	var f *os.File
	if *out != "" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		w = f
	}
	switch {
	case *perTask && *asCSV:
		err = store.WriteCSV(w, store.TaskRowsBriefs(run.ID, briefs))
	case *perTask:
		err = store.WriteJSON(w, store.TaskRowsBriefs(run.ID, briefs))
	case *asCSV:
		err = store.WriteCSV(w, rows)
	default:
		err = store.WriteJSON(w, rows)
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
