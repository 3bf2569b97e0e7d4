package main

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// planTable parses plan's table: per shard, the samples and the counts of
// each long-context length.
func planTable(t *testing.T, out string) (samples []int, lengths [][]int, total int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	head := strings.Fields(lines[0])
	var err error
	if total, err = strconv.Atoi(head[1]); err != nil {
		t.Fatalf("first line %q", lines[0])
	}
	for _, l := range lines[3:] {
		f := strings.Fields(l)
		if len(f) < 3 || !strings.Contains(f[0], "/") {
			break
		}
		k, _ := strconv.Atoi(f[1])
		samples = append(samples, k)
		var ls []int
		for _, x := range f[3:] {
			v, _ := strconv.Atoi(x)
			ls = append(ls, v)
		}
		lengths = append(lengths, ls)
	}
	return samples, lengths, total
}

func TestPlanBalancesShardsAndSpreadsLengths(t *testing.T) {
	for _, c := range []struct {
		suite   string
		total   int
		lengths int
	}{{"quick", 680, 1}, {"nightly", 2300, 4}} {
		for _, n := range []int{2, 4, 8, 16} {
			code, out, stderr := callSub(t, cmdPlan, c.suite, "--shards", strconv.Itoa(n))
			if code != 0 {
				t.Fatalf("plan %s: exit %d: %s", c.suite, code, stderr)
			}
			samples, lengths, total := planTable(t, out)
			if total != c.total || len(samples) != n {
				t.Fatalf("plan %s --shards %d: total %d, %d rows\n%s", c.suite, n, total, len(samples), out)
			}
			sum, worst := 0, 0.0
			mean := float64(total) / float64(n)
			for _, k := range samples {
				sum += k
				worst = max(worst, math.Abs(float64(k)-mean))
			}
			if sum != total {
				t.Fatalf("plan %s --shards %d: shards hold %d of %d samples", c.suite, n, sum, total)
			}
			// Striping leaves only the cells' remainders to chance: a few
			// samples, so within a few percent of shards of 150 or more.
			if worst > max(0.035*mean, 4) {
				t.Errorf("plan %s --shards %d: a shard is %.1f samples (%.1f%%) off the mean\n%s", c.suite, n, worst, 100*worst/mean, out)
			}
			// Every length is on every shard, ⌊n/N⌋ or ⌈n/N⌉ per runner.
			for col := range c.lengths {
				lo, hi := math.MaxInt, 0
				for s := range n {
					lo, hi = min(lo, lengths[s][col]), max(hi, lengths[s][col])
				}
				if lo == 0 || hi-lo > 2 {
					t.Errorf("plan %s --shards %d: length column %d ranges %d to %d\n%s", c.suite, n, col, lo, hi, out)
				}
			}
		}
	}
	code, out, _ := callSub(t, cmdPlan, "quick", "--limit", "8", "--shards", "4", "--runner", "third=random")
	if code != 0 || !strings.HasPrefix(out, "quick: 96 samples (3 runners, 4 cells) in 4 shard(s)") || !strings.Contains(out, "--shard I/4") {
		t.Fatalf("plan with --limit and --runner:\n%s", out)
	}
	for _, args := range [][]string{{"--shards", "0"}, {"serving", "--shards", "2"}, {"a", "b"}, {"--limit", "-1"}} {
		if code, _, _ := callSub(t, cmdPlan, args...); code != exitUsage {
			t.Errorf("plan %v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
