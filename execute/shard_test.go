package execute

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/shard"
)

func TestShardsCoverThePlanExactlyOnce(t *testing.T) {
	whole, _ := testPlan(t, &parrot{}, 0)
	ref, err := Start(context.Background(), whole, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := keys(t, ref.Dir)
	for _, n := range []int{2, 3, 4, 7} {
		out := t.TempDir()
		var union []string
		// Started in reverse order: the order does not matter.
		for i := n - 1; i >= 0; i-- {
			plan, cat := testPlan(t, &parrot{}, 0)
			plan.Shard = shard.Shard{I: i, N: n}
			o := opts
			o.RunID = "r1"
			res, err := StartShard(context.Background(), plan, out, cat, o)
			if err != nil {
				t.Fatal(err)
			}
			if wantDir := filepath.Join(out, fmt.Sprintf("r1.shard-%d-of-%d", i, n)); res.Dir != wantDir {
				t.Fatalf("shard dir %s, want %s", res.Dir, wantDir)
			}
			got := keys(t, res.Dir)
			if res.Run.ID != "r1" || res.Run.Plan.Shard != plan.Shard || res.Run.Status != results.StatusComplete ||
				res.Run.Expected != len(got) || res.Run.Finished != len(got) {
				t.Fatalf("shard %d/%d: id %s shard %v status %s, expected %d finished %d, file %d", i, n,
					res.Run.ID, res.Run.Plan.Shard, res.Run.Status, res.Run.Expected, res.Run.Finished, len(got))
			}
			union = append(union, got...)
		}
		slices.Sort(union)
		if strings.Join(union, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%d shards hold %d samples together, the whole plan %d (a sample twice or never)", n, len(union), len(want))
		}
	}
}

func TestExpectedOfShardsAddsUp(t *testing.T) {
	plan, _ := testPlan(t, &parrot{}, 0)
	total, err := Expected(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 9; n++ {
		sum := 0
		for i := range n {
			plan.Shard = shard.Shard{I: i, N: n}
			k, err := Expected(context.Background(), plan)
			if err != nil {
				t.Fatal(err)
			}
			sum += k
		}
		if sum != total {
			t.Fatalf("%d shards expect %d samples together, the plan %d", n, sum, total)
		}
	}
}

func TestRestartedShardResumesItsDirectory(t *testing.T) {
	out := t.TempDir()
	blocking := &parrot{blockAt: 8}
	plan, cat := testPlan(t, blocking, 0)
	plan.Shard = shard.Shard{I: 1, N: 3}
	o := opts
	o.RunID = "nightly-7"
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for blocking.calls.Load() < 8 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	first, err := StartShard(ctx, plan, out, cat, o)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Interrupted() {
		t.Fatalf("want an interrupted shard, got %s", first.Run.Status)
	}
	blocking.blockAt = 0
	// The same command again, as a restarted pod runs it.
	plan2, cat2 := testPlan(t, blocking, 0)
	plan2.Shard = plan.Shard
	second, err := StartShard(context.Background(), plan2, out, cat2, o)
	if err != nil {
		t.Fatal(err)
	}
	if second.Dir != first.Dir || second.Run.Status != results.StatusComplete || len(second.Run.Resumed) != 1 {
		t.Fatalf("restart: dir %s (first %s), status %s, resumed %d times", second.Dir, first.Dir, second.Run.Status, len(second.Run.Resumed))
	}
	_, samples, err := results.ReadRunDir(second.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, dups := results.Dedupe(samples); len(dups) > 0 || len(samples) != second.Run.Expected {
		t.Fatalf("%d samples, %d duplicates, %d expected", len(samples), len(dups), second.Run.Expected)
	}

	// Another plan under the same run id is refused, not mixed in.
	other, cat3 := testPlan(t, &parrot{}, 3)
	other.Shard = plan.Shard
	if _, err := StartShard(context.Background(), other, out, cat3, o); err == nil || !strings.Contains(err.Error(), "another plan") {
		t.Fatalf("a different plan under the same run id: %v", err)
	}
}

func TestSecondProcessForOneShardIsRefused(t *testing.T) {
	out := t.TempDir()
	plan, cat := testPlan(t, &parrot{}, 2)
	plan.Shard = shard.Shard{I: 0, N: 2}
	o := opts
	o.RunID = "dup"
	done, err := StartShard(context.Background(), plan, out, cat, o)
	if err != nil {
		t.Fatal(err)
	}
	// Hold the lock as a running first process would (flock locks belong
	// to an open file, so this conflicts within one process too).
	unlock, err := lockRunDir(done.Dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = StartShard(context.Background(), plan, out, cat, o)
	if !errors.Is(err, ErrShardBusy) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second StartShard: %v", err)
	}
	if _, err := Resume(context.Background(), done.Dir, cat, ResumeOptions{}, o); !errors.Is(err, ErrShardBusy) {
		t.Fatalf("Resume of a locked shard: %v", err)
	}
	unlock()
	again, err := StartShard(context.Background(), plan, out, cat, o)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(keys(t, again.Dir)); n != again.Run.Expected {
		t.Fatalf("after the lock was freed: %d samples, %d expected", n, again.Run.Expected)
	}
}

func TestRunIDsAreChecked(t *testing.T) {
	for _, id := range []string{"", "../x", "a b", ".hidden", strings.Repeat("x", 201)} {
		if CheckRunID(id) == nil {
			t.Errorf("run id %q accepted", id)
		}
	}
	for _, id := range []string{"nightly-20260101", "job.42_a", "engrambench-nightly-29113"} {
		if err := CheckRunID(id); err != nil {
			t.Errorf("run id %q: %v", id, err)
		}
	}
}
