package store

import "time"

// Pipeline overlaps lookups with the caller's compute. Since a step's rows
// depend only on its token ids, the rows of step t+1 can be gathered while
// step t computes: Start hands a request to a background gather and
// returns at once; Wait returns the rows of the oldest started request.
//
// Two output buffers alternate, so at most two requests are outstanding,
// and the rows Wait returns stay valid until the Wait after next.
//
//	p.Start(step[0])
//	for t := range steps {
//		rows, _ := p.Wait()
//		if t+1 < len(steps) {
//			p.Start(step[t+1]) // gathered while rows are used
//		}
//		compute(rows)
//	}
type Pipeline struct {
	s       *Store
	threads int
	bufs    [2][]byte
	next    int // buffer for the next Start
	pending []chan pipeResult
	// Waited is the total time Wait spent blocked: lookup time the
	// pipeline did not hide.
	Waited time.Duration
	// Gathering is the total time the background gathers took.
	Gathering time.Duration
}

type pipeResult struct {
	out  []byte
	took time.Duration
	err  error
}

// NewPipeline prepares a pipeline whose gathers use up to threads cores.
func (s *Store) NewPipeline(threads int) *Pipeline {
	if threads <= 0 {
		threads = s.threads
	}
	return &Pipeline{s: s, threads: threads}
}

// Start begins gathering r in the background. At most two requests may
// be outstanding; Start panics on a third.
func (p *Pipeline) Start(r Request) {
	if len(p.pending) >= 2 {
		panic("store: Pipeline.Start with two requests outstanding")
	}
	n := p.s.OutputBytes(r)
	buf := p.bufs[p.next]
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	p.bufs[p.next] = buf
	p.next ^= 1
	ch := make(chan pipeResult, 1)
	p.pending = append(p.pending, ch)
	go func() {
		t0 := time.Now()
		err := p.s.GatherThreads(buf, r, p.threads)
		ch <- pipeResult{out: buf, took: time.Since(t0), err: err}
	}()
}

// Wait returns the rows of the oldest outstanding request.
func (p *Pipeline) Wait() ([]byte, error) {
	if len(p.pending) == 0 {
		panic("store: Pipeline.Wait with nothing started")
	}
	ch := p.pending[0]
	p.pending = p.pending[1:]
	t0 := time.Now()
	res := <-ch
	p.Waited += time.Since(t0)
	p.Gathering += res.took
	return res.out, res.err
}
