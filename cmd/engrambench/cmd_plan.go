package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/execute"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/suites"
)

const planUsage = "plan [SUITE] [--shards N] [--limit N] [--runner NAME=SPEC]..."

// cmdPlan prints how a suite's samples split into shards: per shard, its
// samples, how far that is from an even share, and how many of each
// long-context length it holds. Nothing is generated.
func cmdPlan(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "plan", planUsage)
	shards := fs.Int("shards", 1, "split the plan into N shards (run each with run --shard I/N)")
	limit := fs.Int("limit", 0, "at most N instances per task cell, as run --limit (0: all)")
	var runnerFlags multiFlag
	fs.Var(&runnerFlags, "runner", "add or replace a runner, as run --runner (repeatable)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("plan takes one suite, got %d arguments: %v", len(pos), pos)
	}
	if *shards < 1 {
		return usagef("--shards must be 1 or more")
	}
	if *limit < 0 {
		return usagef("--limit must be 0 or more")
	}
	var arg string
	if len(pos) == 1 {
		arg = pos[0]
	}
	plan, err := resolveSuite(arg, runnerFlags, *limit)
	if err != nil {
		return err
	}
	if plan.Serving != nil {
		return usagef("%s is a load test: it runs on one machine and has no samples to split", plan.Suite)
	}
	units, err := execute.Units(ctx, plan)
	if err != nil {
		return err
	}
	return writeShardPlan(e.stdout, plan, units, *shards)
}

// resolveSuite loads a suite as run does, with its --runner and --limit.
func resolveSuite(arg string, runnerFlags []string, limit int) (*suites.Plan, error) {
	cat := catalog.Default()
	suite, err := suites.LoadArg(arg, cat)
	var problems suites.Problems
	if errors.As(err, &problems) {
		return nil, usagef("the suite has %d problem(s):\n%s", len(problems), problems.Error())
	}
	if err != nil {
		return nil, usageError{err}
	}
	for _, f := range runnerFlags {
		if err := suite.ApplyRunnerFlag(f, cat); err != nil {
			return nil, usageError{err}
		}
	}
	plan, err := suite.Resolve(cat, limit)
	if err != nil {
		return nil, usageError{err}
	}
	return plan, nil
}

// lengthColumn is one long-context length of one task set: the cells
// whose labels hold len=L.
type lengthColumn struct {
	set    string
	length int
}

func (c lengthColumn) String() string { return c.set + " len=" + strconv.Itoa(c.length) }

// lengthOf finds the len= label of a cell name.
func lengthOf(cell string) (lengthColumn, bool) {
	set, rest, _ := strings.Cut(cell, "/")
	for _, part := range strings.Split(rest, "/") {
		if v, ok := strings.CutPrefix(part, "len="); ok {
			if l, err := strconv.Atoi(v); err == nil {
				return lengthColumn{set, l}, true
			}
		}
	}
	return lengthColumn{}, false
}

// writeShardPlan prints the table of samples per shard.
func writeShardPlan(w io.Writer, plan *suites.Plan, units []shard.Unit, n int) error {
	total := shard.Count(units, shard.Shard{})
	counts := shard.Counts(units, n)
	byLen := map[lengthColumn][]int{}
	for _, u := range units {
		c, ok := lengthOf(u.Cell)
		if !ok {
			continue
		}
		if byLen[c] == nil {
			byLen[c] = make([]int, n)
		}
		for s, k := range u.Split(n) {
			byLen[c][s] += k
		}
	}
	cols := slices.SortedFunc(func(yield func(lengthColumn) bool) {
		for c := range byLen {
			if !yield(c) {
				return
			}
		}
	}, func(a, b lengthColumn) int { return cmp.Or(cmp.Compare(a.set, b.set), cmp.Compare(a.length, b.length)) })

	fmt.Fprintf(w, "%s: %d samples (%d runners, %d cells) in %d shard(s)\n\n", plan.Suite, total, len(plan.Runners), len(units)/max(len(plan.Runners), 1), n)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"shard", "samples", "vs mean"}
	for _, c := range cols {
		head = append(head, c.String())
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	mean := float64(total) / float64(n)
	worst := 0.0
	for s, k := range counts {
		dev := 0.0
		if mean > 0 {
			dev = (float64(k) - mean) / mean
		}
		worst = max(worst, math.Abs(dev))
		row := []string{fmt.Sprintf("%d/%d", s, n), strconv.Itoa(k), fmt.Sprintf("%+.1f%%", 100*dev)}
		for _, c := range cols {
			row = append(row, strconv.Itoa(byLen[c][s]))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	lo, hi := slices.Min(counts), slices.Max(counts)
	fmt.Fprintf(w, "\n%d to %d samples a shard; the largest deviation from the mean (%.1f) is %.1f%%.\n", lo, hi, mean, 100*worst)
	if n > 1 {
		arg := plan.Suite
		if plan.Source != "" && !strings.HasPrefix(plan.Source, "builtin:") {
			arg = plan.Source
		}
		fmt.Fprintf(w, "Run shard I, with the same --runner and --limit, by: engrambench run %s --shard I/%d --run-id ID --out DIR [--store DSN]\n", arg, n)
		fmt.Fprintf(w, "Join the shards with: engrambench merge DIR/ID.shard-* --out DIR/ID   (with a store: engrambench report --run ID)\n")
	}
	return nil
}
