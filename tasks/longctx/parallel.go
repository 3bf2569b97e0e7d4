package longctx

import (
	"context"
	"iter"
	"sync"
)

// ordered runs do over jobs on several goroutines and yields the results
// in job order. At most 2*workers results wait to be taken, so memory
// stays flat however many jobs there are (a 128K-token prompt is built,
// handed on and dropped). Each worker has a state of its own (a token
// memo), made by state. Stopping early, or cancelling ctx, stops the
// workers; the sequence ends early when ctx is cancelled.
func ordered[S, J, R any](ctx context.Context, jobs iter.Seq[J], workers int, state func() S, do func(context.Context, S, J) R) iter.Seq[R] {
	return func(yield func(R) bool) {
		ctx, cancel := context.WithCancel(ctx)
		type slot struct {
			job J
			out chan R
		}
		work := make(chan slot)
		order := make(chan chan R, 2*workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := state()
				for sl := range work {
					sl.out <- do(ctx, st, sl.job) // buffered: never blocks
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(order)
			defer close(work)
			for j := range jobs {
				out := make(chan R, 1)
				select {
				case order <- out:
				case <-ctx.Done():
					return
				}
				select {
				case work <- slot{j, out}:
				case <-ctx.Done():
					return
				}
			}
		}()
		defer func() {
			cancel()
			for range order { // let the producer finish
			}
			wg.Wait()
		}()
		for out := range order {
			select {
			case r := <-out:
				if !yield(r) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}
