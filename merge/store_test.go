package merge

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/execute"
	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/store"
)

// runShardIntoStore runs shard i of n of the quick suite with the store
// sink, as run --shard --store does.
func runShardIntoStore(t *testing.T, st *store.Store, out string, limit, i, n int, runID string) execute.Outcome {
	t.Helper()
	p := quickPlan(t, "quick", limit)
	p.Shard = shard.Shard{I: i, N: n}
	sink := NewStoreSink(st, st.NewRecorder(store.RecorderOptions{}), catalog.Default())
	o := testOpts
	o.RunID, o.Sink = runID, sink
	res, err := execute.StartShard(context.Background(), p, out, catalog.Default(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.End(context.Background(), res.Run); err != nil {
		t.Fatal(err)
	}
	return res
}

func TestShardsWriteIntoOneStoreRun(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tmp := t.TempDir()
	whole, err := execute.Start(ctx, quickPlan(t, "quick", 3), t.TempDir(), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	const id = "nightly-42"
	for _, i := range []int{2, 0, 3} {
		runShardIntoStore(t, st, tmp, 3, i, 4, id)
	}
	run, err := st.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != results.StatusRunning || run.Shards != 4 || run.Expected != whole.Run.Expected || run.Plan.Shard != (shard.Shard{}) {
		t.Fatalf("store run with 3 of 4 shards: status %s, shards %d, expected %d (want %d)", run.Status, run.Shards, run.Expected, whole.Run.Expected)
	}
	_, err = FromStore(ctx, st, id, Options{Catalog: catalog.Default()})
	var me *MissingError
	if !errors.As(err, &me) || !slices.Equal(me.ShardsMissing(), []string{"1/4"}) {
		t.Fatalf("want shard 1/4 missing, got %v", err)
	}
	res, err := FromStore(ctx, st, id, Options{Catalog: catalog.Default(), AllowPartial: true})
	if err != nil || res.Run.Status != results.StatusPartial || len(res.Missing) != len(me.Missing) || res.Run.Finished+len(me.Missing) != me.Expected {
		t.Fatalf("partial: %v %s", err, res.Run.Status)
	}

	// The last shard completes the run; the same shard run twice (a
	// restarted pod on a fresh disk) changes nothing.
	runShardIntoStore(t, st, tmp, 3, 1, 4, id)
	runShardIntoStore(t, st, filepath.Join(tmp, "elsewhere"), 3, 1, 4, id)
	run, _ = st.Run(ctx, id)
	if run.Status != results.StatusComplete || run.Finished != whole.Run.Expected {
		t.Fatalf("after every shard: status %s, %d of %d", run.Status, run.Finished, whole.Run.Expected)
	}
	if n, err := CountSamples(ctx, st, id); err != nil || n != whole.Run.Expected {
		t.Fatalf("the store holds %d samples, want %d (%v)", n, whole.Run.Expected, err)
	}
	res, err = FromStore(ctx, st, id, Options{Catalog: catalog.Default()})
	if err != nil || res.Run.Status != results.StatusComplete || res.Run.Finished != whole.Run.Expected {
		t.Fatalf("FromStore: %v, %s, %d finished", err, res.Run.Status, res.Run.Finished)
	}
	samples, err := st.Samples(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	_, wholeSamples, _ := results.ReadRunDir(whole.Dir)
	if !reflect.DeepEqual(untimed(reports.Aggregate(samples)), untimed(reports.Aggregate(wholeSamples))) || len(samples) != len(wholeSamples) {
		t.Fatal("the store run's cells differ from the whole run's")
	}

	// Another plan under the same id is refused at Begin.
	p := quickPlan(t, "quick", 2)
	p.Shard = shard.Shard{I: 0, N: 4}
	o := testOpts
	o.RunID = id
	o.Sink = NewStoreSink(st, st.NewRecorder(store.RecorderOptions{}), catalog.Default())
	if _, err := execute.StartShard(ctx, p, t.TempDir(), catalog.Default(), o); err == nil {
		t.Fatal("a shard of another plan wrote into the run")
	}
	if run, _ := st.Run(ctx, id); run.Status != results.StatusComplete {
		t.Fatalf("a refused shard changed the run: %s", run.Status)
	}
}
