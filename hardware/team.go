package hardware

import (
	"sync"
	"sync/atomic"
	"time"
)

// runTeam runs body once per CPU in cpus, each on its own goroutine locked
// to an OS thread pinned to that CPU (where the OS allows), and waits for
// all of them. Bodies meet at the barrier between timed sections, so a
// pass is timed from the moment every thread is ready until the last one
// is done, as STREAM times its parallel loops. The first pinning error is
// returned for a note; the work runs unpinned then.
func runTeam(cpus []int, body func(w int, b *barrier)) error {
	b := newBarrier(len(cpus))
	var wg sync.WaitGroup
	var once sync.Once
	var pinErr error
	for w, cpu := range cpus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// No UnlockOSThread: the thread keeps its affinity mask, so
			// the runtime must retire it when this goroutine exits.
			if err := pinThread(cpu); err != nil {
				once.Do(func() { pinErr = err })
			}
			body(w, b)
		}()
	}
	wg.Wait()
	return pinErr
}

// barrier is a barrier for a fixed number of locked threads. Waiters spin
// first, so on a quiet machine the release takes well under a microsecond
// and does not blur pass times; a waiter still waiting after the spin
// sleeps on a condition variable, so an oversubscribed machine (more
// runnable threads than CPUs, a pinned thread's CPU busy with others) does
// not burn the time slice the late thread needs.
type barrier struct {
	n     int32
	count atomic.Int32
	gen   atomic.Uint32
	mu    sync.Mutex
	cond  sync.Cond
}

func newBarrier(n int) *barrier {
	b := &barrier{n: int32(n)}
	b.cond.L = &b.mu
	return b
}

const barrierSpins = 1 << 14

func (b *barrier) wait() {
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.mu.Lock()
		b.gen.Add(1)
		b.cond.Broadcast()
		b.mu.Unlock()
		return
	}
	for range barrierSpins {
		if b.gen.Load() != g {
			return
		}
	}
	b.mu.Lock()
	for b.gen.Load() == g {
		b.cond.Wait()
	}
	b.mu.Unlock()
}

// timer collects worker 0's section times in a team.
type timer struct {
	t0    time.Time
	times []time.Duration
}

func (t *timer) start() { t.t0 = time.Now() }
func (t *timer) stop()  { t.times = append(t.times, time.Since(t.t0)) }
