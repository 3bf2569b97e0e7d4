package store

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// helperSpin is how long an idle helper keeps polling for the next job
// before it parks. Waking a parked thread costs tens of microseconds on a
// virtual machine, as long as a whole small gather; a decode loop calls
// again well within this window.
const helperSpin = 200 * time.Microsecond

// pool is a Store's helper goroutines. A parallel gather posts its job
// once per helper it wants; each helper that takes it draws chunks from
// the job's counter until none are left, as the caller does.
type pool struct {
	jobs    chan *parJob
	quit    chan struct{}
	closed  atomic.Bool
	wg      sync.WaitGroup
	started int // helpers running; guarded by mu
	mu      sync.Mutex
	store   *Store
}

type parJob struct {
	g         *gatherJob
	positions int
	minChunk  int          // positions
	parts     int          // workers the job may have
	next      atomic.Int64 // first position not yet handed out
	done      atomic.Int64 // positions finished
}

// take hands out the next chunk of positions, guided: a share of what is
// left (big chunks first, for little overhead; small ones last, so that
// the workers finish together), never below minChunk.
func (j *parJob) take() (lo, hi int, ok bool) {
	for {
		at := j.next.Load()
		lo = int(at)
		if lo >= j.positions {
			return 0, 0, false
		}
		hi = min(j.positions, lo+max(j.minChunk, (j.positions-lo)/(2*j.parts)))
		if j.next.CompareAndSwap(at, int64(hi)) {
			return lo, hi, true
		}
	}
}

// work takes chunks until none are left, one pipeline running through
// them. Its positions count as done when it returns: the pipeline copies
// a chunk's last group only after it has begun the next.
func (j *parJob) work(sc *scratch) {
	taken := 0
	j.g.runChunks(func() (int, int, bool) {
		lo, hi, ok := j.take()
		taken += hi - lo
		return lo, hi, ok
	}, sc)
	j.done.Add(int64(taken))
}

func newPool(s *Store) *pool {
	return &pool{jobs: make(chan *parJob, 64), quit: make(chan struct{}), store: s}
}

// ensure starts helpers until n are running.
func (p *pool) ensure(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ; p.started < n; p.started++ {
		p.wg.Go(p.helper)
	}
}

func (p *pool) helper() {
	sc := p.store.newScratch()
	for {
		// Parked until there is a job.
		var j *parJob
		select {
		case j = <-p.jobs:
		case <-p.quit:
			return
		}
		j.work(sc)
		// Then polling for a while: len reads the channel without its lock,
		// so a poll costs a load, not a lock the caller's post contends for.
		deadline := time.Now().Add(helperSpin)
		for i := 0; ; i++ {
			if len(p.jobs) > 0 {
				select {
				case j = <-p.jobs:
					j.work(sc)
					deadline = time.Now().Add(helperSpin)
				default:
				}
				continue
			}
			if i%64 == 0 && (p.closed.Load() || time.Now().After(deadline)) {
				break
			}
			spin(i)
		}
	}
}

// run executes j with up to helpers helpers besides the caller.
func (p *pool) run(j *parJob, helpers int, sc *scratch) {
	p.ensure(helpers)
	for range helpers {
		select {
		case p.jobs <- j:
		default: // helpers are busy enough
		}
	}
	j.work(sc)
	for i := 0; j.done.Load() < int64(j.positions); i++ {
		spin(i)
	}
}

// spin waits a moment in a spin loop: PAUSE instructions, and every so
// often a yield so that other goroutines get the core. Yielding every time
// would have every spinner take the scheduler's global lock.
func spin(i int) {
	if i%256 == 255 {
		runtime.Gosched()
		return
	}
	spinPause(20)
}

func (p *pool) close() {
	p.closed.Store(true)
	close(p.quit)
	p.wg.Wait()
}
