package merge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/engrambench/engrambench/execute"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/store"
	"github.com/engrambench/engrambench/suites"
)

// The shards of a run can write into one run id of a shared history store
// (PostgreSQL, for machines that share no disk) instead of being merged
// from directories. The store then holds:
//
//   - one run record under the shared id, written by every shard as it
//     begins: the whole plan, Shards = N, the whole plan's expected count,
//     status running. The shard that finds, once its own samples are
//     stored, that the store holds them all marks it complete (of shards
//     finishing together at least the last to count sees them all; no
//     shard ever writes "running" after its samples are in);
//   - every shard's samples under that id, upserted on (run id, sample
//     key), so a shard restarted, or run twice by mistake, never counts a
//     sample twice.
//
// FromStore (engrambench report --run ID) checks such a run against its
// plan and names the shards that are missing samples.

// FromStore reads run id from st and checks where its stored samples
// belong against the run's plan, as Dirs checks shard directories: a
// *MissingError lists what no shard delivered unless o.AllowPartial. The
// Result's Run is the stored record with its status as the samples show
// it: complete when none is missing (Finished counted, End set if none
// was), else partial with a message naming the shards that lack samples.
// Only the samples' keys and places are read, never their records, so a
// run of millions is checked in little memory; nothing is written
// (WriteRunDir with st.ScanSamples writes the run out).
func FromStore(ctx context.Context, st *store.Store, id string, o Options) (Result, error) {
	if err := o.defaults(); err != nil {
		return Result{}, err
	}
	run, err := st.Run(ctx, id)
	if err != nil {
		return Result{}, err
	}
	if run.Plan.Serving != nil {
		return Result{}, fmt.Errorf("run %s is a load test; it has no samples to check", id)
	}
	whole := run
	whole.Plan.Shard = shard.Shard{}
	plan, err := suites.FromRecord(whole, o.Catalog)
	if err != nil {
		return Result{}, err
	}
	units, err := execute.Units(ctx, plan)
	if err != nil {
		return Result{}, err
	}
	n := max(run.Shards, run.Plan.Shard.N, 1)
	chk := newChecker(units, n)
	var problems []string
	stored := 0
	err = st.ScanSampleRefs(ctx, id, func(s store.SampleRef) error {
		stored++
		sh, _, err := chk.place(s.Runner, s.Cell, s.InstanceID, s.Repeat)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("sample %s: %v", s.Key, err))
		case !run.Plan.Shard.Whole() && sh != run.Plan.Shard.I:
			problems = append(problems, fmt.Sprintf("sample %s belongs to shard %d/%d, not %s", s.Key, sh, n, run.Plan.Shard))
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	if len(problems) > 0 {
		return Result{}, &MismatchError{Problems: problems}
	}
	missing, perShard := chk.missing()
	expected := chk.total
	if !run.Plan.Shard.Whole() {
		// A single shard's record: only its own samples are expected.
		var mine []Missing
		for _, m := range missing {
			if m.Shard == run.Plan.Shard.I {
				mine = append(mine, m)
			}
		}
		missing = mine
		for s := range perShard {
			if s != run.Plan.Shard.I {
				perShard[s] = 0
			}
		}
		expected = shard.Count(units, run.Plan.Shard)
	}
	res := Result{}
	run.Finished = stored
	run.Expected = expected
	if len(missing) > 0 {
		if !o.AllowPartial {
			return res, &MissingError{RunID: id, Expected: expected, Shards: n, Missing: missing, ByShard: perShard, Listed: o.Listed}
		}
		res.Missing = missing
		run.Status = results.StatusPartial
		run.Message = partialMessage(missing, perShard, n)
	} else {
		run.Status = results.StatusComplete
		run.Message, run.Stopped = "", ""
		if run.End.IsZero() {
			run.End = time.Now().UTC()
		}
	}
	res.Run = run
	return res, nil
}

// WriteRunDir writes a run directory (run.json, samples.jsonl and what
// render adds) at out, which must not exist or be empty; it appears whole
// or not at all. samples calls its argument with each sample in turn (a
// store's ScanSamples, say), so no more than one is held here.
func WriteRunDir(out string, run results.Run, samples func(each func(results.Sample) error) error, render func(dir string) error) error {
	if err := checkOut(out); err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".new-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	f, err := os.Create(filepath.Join(tmp, results.SamplesFile))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = samples(func(s results.Sample) error {
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		w.Write(b)
		return w.WriteByte('\n')
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := results.WriteRun(tmp, run); err != nil {
		return err
	}
	if render != nil {
		if err := render(tmp); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		return err
	}
	ok = true
	return nil
}

// StoreSink is the executor's sink for a history store that understands
// shards: for a run of the whole plan it is the store's Recorder; for a
// shard it writes into the shared run as the comment above FromStore
// describes. Its End replaces the Recorder's.
//
// A shard's samples are written by the sink itself rather than by the
// Recorder, for two reasons. Shards write one run at once, and the store's
// per-cell statistics of a run are rebuilt by each write (delete, then
// insert), which two PostgreSQL transactions at once can make collide; so
// on PostgreSQL the sink holds an advisory lock on the run id while it
// writes, and the shards' writes to one run take turns. And a write that
// fails is retried, at End too (for up to a minute), instead of leaving the
// shard's samples out of the run.
type StoreSink struct {
	st  *store.Store
	rec *store.Recorder
	cat suites.Catalog

	mu      sync.Mutex
	shard   bool
	group   *results.Run // the shared run's record; nil until Begin succeeds
	buf     []results.Sample
	err     error // the last write error
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// NewStoreSink wraps rec, a Recorder of st.
func NewStoreSink(st *store.Store, rec *store.Recorder, cat suites.Catalog) *StoreSink {
	return &StoreSink{st: st, rec: rec, cat: cat}
}

var _ execute.Sink = (*StoreSink)(nil)

// Flushing of a shard's samples.
const (
	flushEvery   = time.Second
	flushSamples = 500
	endRetries   = time.Minute
)

// Begin records the run, or for a shard the shared run, and starts
// writing samples. A shared run id already holding another plan is
// refused.
func (s *StoreSink) Begin(ctx context.Context, run results.Run) error {
	if run.Plan.Shard.Whole() {
		return s.rec.Begin(ctx, run)
	}
	s.mu.Lock()
	s.shard = true
	s.mu.Unlock()
	whole := run
	whole.Plan.Shard = shard.Shard{}
	plan, err := suites.FromRecord(whole, s.cat)
	if err != nil {
		return err
	}
	expected, err := execute.Expected(ctx, plan)
	if err != nil {
		return err
	}
	g := whole
	g.Expected, g.Finished = expected, 0
	g.Shards = run.Plan.Shard.N
	g.Status, g.Message, g.Stopped = results.StatusRunning, "", ""
	g.Resumed, g.End, g.Engines, g.ShardRuns = nil, time.Time{}, nil, nil
	prev, err := s.st.Run(ctx, run.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return err
	case prev.Shards != g.Shards || prev.Suite != g.Suite || !bytes.Equal(planKey(prev.Plan), planKey(g.Plan)):
		return fmt.Errorf("run %s in the store %s is not %d shards of this plan (it holds %s with %d shards); give the shards another --run-id", run.ID, s.st, g.Shards, prev.Suite, prev.Shards)
	default:
		if !prev.Start.IsZero() && prev.Start.Before(g.Start) {
			g.Start = prev.Start
		}
	}
	if err := s.st.PutRun(ctx, g); err != nil {
		return err
	}
	s.mu.Lock()
	s.group = &g
	s.kick = make(chan struct{}, 1)
	s.stop = make(chan struct{})
	s.stopped = make(chan struct{})
	s.mu.Unlock()
	go s.loop()
	return nil
}

// Add queues a finished sample; it never waits for the database.
func (s *StoreSink) Add(sm results.Sample) {
	s.mu.Lock()
	if !s.shard {
		s.mu.Unlock()
		s.rec.Add(sm)
		return
	}
	s.buf = append(s.buf, sm)
	full := len(s.buf) >= flushSamples && s.kick != nil
	s.mu.Unlock()
	if full {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
}

func (s *StoreSink) loop() {
	defer close(s.stopped)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		case <-s.kick:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s.flush(ctx)
		cancel()
	}
}

// flush writes the buffered samples; on failure they go back to the
// buffer. It reports whether the buffer was written.
func (s *StoreSink) flush(ctx context.Context) bool {
	s.mu.Lock()
	batch := s.buf
	s.buf = nil
	group := s.group
	s.mu.Unlock()
	if len(batch) == 0 {
		return true
	}
	err := s.putSamples(ctx, group.ID, batch)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.buf = append(batch, s.buf...)
		s.err = err
		return false
	}
	return len(s.buf) == 0
}

// putSamples upserts samples, on PostgreSQL under an advisory lock on the
// run id held by a connection of its own, so that shards writing one run
// take turns.
func (s *StoreSink) putSamples(ctx context.Context, runID string, batch []results.Sample) error {
	if s.st.Dialect() != store.Postgres {
		return s.st.PutSamples(ctx, batch)
	}
	conn, err := s.st.DB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	key := int64(fnv64(runID))
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
	return s.st.PutSamples(ctx, batch)
}

func fnv64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// End flushes the samples and writes the run's final record; for a shard
// it retries what is left for up to a minute, then marks the shared run
// complete when the store holds every sample of the plan, and otherwise
// leaves its record alone.
func (s *StoreSink) End(ctx context.Context, run results.Run) error {
	s.mu.Lock()
	isShard, g := s.shard || !run.Plan.Shard.Whole(), s.group
	s.mu.Unlock()
	if !isShard {
		return s.rec.End(ctx, run)
	}
	if g == nil {
		return fmt.Errorf("store %s: shard %s of run %s was not recorded; rerun the shard (it resumes its directory, and the store counts a sample once)", s.st, run.Plan.Shard, run.ID)
	}
	close(s.stop)
	<-s.stopped
	deadline := time.Now().Add(endRetries)
	for wait := 100 * time.Millisecond; !s.flush(ctx); wait = min(2*wait, 5*time.Second) {
		if !time.Now().Before(deadline) || ctx.Err() != nil {
			s.mu.Lock()
			defer s.mu.Unlock()
			return fmt.Errorf("store %s: run %s: %d samples of shard %s not stored: %w; rerun the shard (it resumes its directory, and the store counts a sample once)",
				s.st, run.ID, len(s.buf), run.Plan.Shard, s.err)
		}
		time.Sleep(wait)
	}
	if run.Status != results.StatusComplete {
		return nil
	}
	stored, err := CountSamples(ctx, s.st, run.ID)
	if err != nil {
		return err
	}
	if stored < g.Expected {
		return nil
	}
	done := *g
	done.Status, done.Finished, done.End = results.StatusComplete, stored, time.Now().UTC()
	return s.st.PutRun(ctx, done)
}

// CountSamples counts the samples the store holds for a run, in the
// database.
func CountSamples(ctx context.Context, st *store.Store, runID string) (int, error) {
	q := `SELECT COUNT(*) FROM samples WHERE run_id = ?`
	if st.Dialect() == store.Postgres {
		q = `SELECT COUNT(*) FROM samples WHERE run_id = $1`
	}
	var n int
	err := st.DB().QueryRowContext(ctx, q, runID).Scan(&n)
	return n, err
}
