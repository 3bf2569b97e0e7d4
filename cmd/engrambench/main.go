// Command engrambench runs benchmark suites against models and turns the
// results into cost-versus-quality reports. main is a thin wrapper around
// run, which tests call directly.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
)

// Version is the engrambench release this source tree builds.
const Version = "0.1.0-dev"

// Exit codes, distinct so that scripts can tell them apart.
const (
	exitOK      = 0
	exitFailure = 1 // the run or command failed
	exitUsage   = 2 // bad flags or an invalid suite file
	exitBudget  = 3 // the run stopped at its budget; a partial report was written
	// exitRegression (4), in cmd_nightly.go: a nightly run regressed significantly
	exitInterrupted = 130 // stopped by a signal; a partial report was written
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// env holds what a command needs from its surroundings.
type env struct {
	stdout, stderr io.Writer
	isTerminal     bool
}

// usageError marks errors that deserve exit code 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// errInterrupted marks a run that stopped on a signal; errBudget one that
// stopped at its budget.
var (
	errInterrupted = errors.New("interrupted")
	errBudget      = errors.New("stopped at the budget")
)

const topUsage = `engrambench: compare LLMs on quality and cost

Usage:
  engrambench run [SUITE] [--out DIR] [--runner NAME=SPEC]... [--resume RUN_DIR] [--limit N]
                  [--budget-tokens N] [--budget-usd X] [--no-cache] [--cache-dir DIR]
                  [--shard I/N [--run-id ID]]
  engrambench report RUN_DIR | report --run ID [--store DSN] [--allow-partial] [--wait DURATION] [--out DIR]
  engrambench plan [SUITE] [--shards N] [--limit N] [--runner NAME=SPEC]...
  engrambench merge RUN_DIR... --out DIR [--allow-partial] [--no-report]
  engrambench nightly [SUITE] [--store DSN] [--max-regression PP] [--trend N] [run flags]
  engrambench compare A B | compare RUN --runners X,Y   [--store DSN] [--alpha A]
  engrambench store import RUN_DIR... | store runs [--suite S] [--limit N]
  engrambench export RUN (--csv|--json) [--per-task] [--out FILE]
  engrambench list
  engrambench datasets list | pull NAME [--dir DIR] [--base-url URL] | verify NAME [--dir DIR]
  engrambench runners detect [--host HOST]
  engrambench probe [--quick] [--json] [--calibrate] [--threads 1,2,4] [--memory SIZE]
  engrambench engram info|bench|serve CONFIG [flags]
  engrambench size [CONFIG...] [--machine this|PRESET|FILE]... [--claim offload]
  engrambench tasks check [SET] [--limit N]
  engrambench tasks show SET/TASK [--index N] [key=value]...
  engrambench version

SUITE is a built-in suite name (see list) or a suite file; the default is quick.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := env{stdout: stdout, stderr: stderr}
	if f, ok := stderr.(*os.File); ok {
		e.isTerminal = isTerminal(f)
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(ctx, e, args[1:])
	case "report":
		err = cmdReport(ctx, e, args[1:])
	case "plan":
		err = cmdPlan(ctx, e, args[1:])
	case "merge":
		err = cmdMerge(ctx, e, args[1:])
	case "list":
		err = cmdList(e, args[1:])
	case "datasets":
		err = cmdDatasets(ctx, e, args[1:])
	case "probe":
		err = cmdProbe(ctx, e, args[1:])
	case "engram":
		err = cmdEngram(ctx, e, args[1:])
	case "size":
		err = cmdSize(ctx, e, args[1:])
	case "store":
		err = cmdStore(ctx, e, args[1:])
	case "compare":
		err = cmdCompare(ctx, e, args[1:])
	case "export":
		err = cmdExport(ctx, e, args[1:])
	case "nightly":
		err = cmdNightly(ctx, e, args[1:])
	case "tasks":
		err = cmdTasks(ctx, e, args[1:])
	case "runners":
		err = cmdRunners(ctx, e, args[1:])
	case "version":
		fmt.Fprintf(stdout, "engrambench %s %s\n", Version, commit())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topUsage)
	default:
		err = usagef("unknown command %q\n\n%s", args[0], topUsage)
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "engrambench:", err)
		return exitInterrupted
	case errors.Is(err, errBudget):
		fmt.Fprintln(stderr, "engrambench:", err)
		return exitBudget
	case errors.Is(err, errRegression):
		fmt.Fprintln(stderr, "engrambench:", err)
		return exitRegression
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "engrambench:", strings.TrimRight(err.Error(), "\n"))
		return exitUsage
	default:
		fmt.Fprintln(stderr, "engrambench:", err)
		return exitFailure
	}
}

// commit is the VCS revision the binary was built from. go build stamps
// it; go run does not, so then it is asked of git in the working directory
// when that is this module's source tree.
func commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return gitCommit(info.Main.Path)
	}
	if modified == "true" {
		rev += "+dirty"
	}
	return rev
}

// gitCommit reads HEAD with git when the working directory holds module's
// go.mod; "" otherwise.
func gitCommit(module string) string {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return ""
	}
	gomod, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(top)), "go.mod"))
	if err != nil || !strings.HasPrefix(string(gomod), "module "+module+"\n") {
		return ""
	}
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	out := strings.TrimSpace(string(rev))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		out += "+dirty"
	}
	return out
}

// parseFlags parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// newFlagSet makes a flag set whose errors go to stderr, once.
func newFlagSet(e env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: engrambench %s\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
