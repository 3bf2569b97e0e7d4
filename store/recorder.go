package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/engrambench/engrambench/results"
)

// Recorder writes a run into the store while it runs: the run record when
// it begins and ends, and its samples in batches as they finish. Add never
// waits for the database — samples are buffered and flushed by a goroutine
// every FlushEvery or every FlushSamples samples — so a slow or broken store
// never slows a run down; samples.jsonl stays the source of truth, and a
// run whose store writes failed is loaded later with Import.
//
// Its methods are the executor's sink: Begin, Add for each finished
// sample, End.
type Recorder struct {
	store        *Store
	flushEvery   time.Duration
	flushSamples int

	mu      sync.Mutex
	buf     []results.Sample
	err     error // the first write error
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	begun   bool
}

// RecorderOptions tune a Recorder; zero fields take the defaults (1 s,
// 500 samples).
type RecorderOptions struct {
	FlushEvery   time.Duration
	FlushSamples int
}

// NewRecorder makes a Recorder writing to s.
func (s *Store) NewRecorder(o RecorderOptions) *Recorder {
	if o.FlushEvery <= 0 {
		o.FlushEvery = time.Second
	}
	if o.FlushSamples <= 0 {
		o.FlushSamples = 500
	}
	return &Recorder{store: s, flushEvery: o.FlushEvery, flushSamples: o.FlushSamples}
}

// Begin writes the run's record (status running) and starts flushing. It
// is called once, before the first Add; a resumed run calls it again on a
// new Recorder.
func (r *Recorder) Begin(ctx context.Context, run results.Run) error {
	if err := r.store.PutRun(ctx, run); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.begun {
		return errors.New("store: recorder begun twice")
	}
	r.begun = true
	r.kick = make(chan struct{}, 1)
	r.stop = make(chan struct{})
	r.stopped = make(chan struct{})
	go r.loop()
	return nil
}

// Add queues a finished sample. It never blocks on the database.
func (r *Recorder) Add(s results.Sample) {
	r.mu.Lock()
	r.buf = append(r.buf, s)
	full := len(r.buf) >= r.flushSamples && r.kick != nil
	r.mu.Unlock()
	if full {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

func (r *Recorder) loop() {
	defer close(r.stopped)
	t := time.NewTicker(r.flushEvery)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		case <-r.kick:
		}
		// A store that hangs delays End by this much at most per flush.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		r.flush(ctx)
		cancel()
	}
}

// flush writes the buffered samples. On failure they go back to the front
// of the buffer for the next try, and the first error is kept for End.
func (r *Recorder) flush(ctx context.Context) {
	r.mu.Lock()
	batch := r.buf
	r.buf = nil
	r.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	if err := r.store.PutSamples(ctx, batch); err != nil {
		r.mu.Lock()
		r.buf = append(batch, r.buf...)
		if r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
	}
}

// End flushes what is buffered, writes the run's final record, and returns
// the first error any write met (with the samples still unwritten), nil
// when the store holds the whole run.
func (r *Recorder) End(ctx context.Context, run results.Run) error {
	r.mu.Lock()
	begun := r.begun
	r.mu.Unlock()
	if begun {
		close(r.stop)
		<-r.stopped
	}
	r.flush(ctx)
	err := r.store.PutRun(ctx, run)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || err != nil || len(r.buf) > 0 {
		return fmt.Errorf("store %s: run %s: %d samples not stored: %w; load it later with: engrambench store import RUN_DIR",
			r.store, run.ID, len(r.buf), errors.Join(r.err, err))
	}
	return nil
}
