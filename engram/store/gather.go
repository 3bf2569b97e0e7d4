package store

import (
	"fmt"
	"unsafe"
)

const (
	// groupRows is how many rows a worker hashes and prefetches before it
	// copies the group before them: enough misses in flight to cover a DRAM
	// round trip, few enough that their lines are still in L1 at the copy.
	// With the copy one group behind, 16 to 256 measure the same on the
	// Zen 5 VM (the reference gather, 160-byte rows, 2 GiB).
	groupRows = 64
	// minWorkerRows is the least work worth handing to another core: below
	// it, waking a goroutine costs more than it saves.
	minWorkerRows = 512
	// minChunkRows is the least work a parallel gather hands out at a time.
	minChunkRows = 512
)

// ntMinBytes is the output size from which rows are written with
// non-temporal stores (ntCopier): an output this large would leave the
// cache before it is read anyway, and writing it normally costs a read of
// every line. Measured on the Zen 5 VM at 4096 tokens (16 MiB out), per CPU
// second against the reference: 0.52 with plain stores, 0.72 with 16-byte
// non-temporal stores, 0.89 with 64-byte ones.
const ntMinBytes = 256 << 10

type scratch struct {
	cids []uint32
	rows []int64
	offs [2][]uint64
}

func (s *Store) getScratch() *scratch {
	if sc, ok := s.scratch.Get().(*scratch); ok {
		return sc
	}
	return s.newScratch()
}

func (s *Store) newScratch() *scratch {
	n := groupRows + len(s.layers)*s.slots
	return &scratch{
		rows: make([]int64, s.slots),
		offs: [2][]uint64{make([]uint64, 0, n), make([]uint64, 0, n)},
	}
}

// Gather writes the rows of r into dst as [batch, tokens, rows per token,
// head width] elements of the store's dtype, little-endian; rows per
// token runs over the chosen layers, then orders, then heads. dst must
// hold OutputBytes(r). It uses up to Threads cores.
func (s *Store) Gather(dst []byte, r Request) error { return s.GatherThreads(dst, r, s.threads) }

// GatherThreads is Gather on up to threads cores.
func (s *Store) GatherThreads(dst []byte, r Request, threads int) error {
	if err := s.Check(r); err != nil {
		return err
	}
	need := s.OutputBytes(r)
	if len(dst) < need {
		return fmt.Errorf("output holds %d bytes, want %d", len(dst), need)
	}
	positions := r.Batch * r.Tokens
	if positions == 0 {
		return nil
	}
	layers := s.layerList(r)
	sc := s.getScratch()
	defer s.scratch.Put(sc)
	sc.cids = s.comp.AppendCompressed(sc.cids[:0], r.IDs)

	perPos := len(layers) * s.slots
	workers := min(max(threads, 1), positions, max(1, positions*perPos/minWorkerRows))
	g := gatherJob{s: s, dst: dst[:need], cids: sc.cids, ctx: r.Context, tokens: r.Tokens, layers: layers, perPos: perPos}
	if need >= ntMinBytes {
		g.nt = ntCopier(uintptr(unsafe.Pointer(&dst[0])), s.rowBytes)
	}
	if workers == 1 {
		g.run(0, positions, sc)
		return nil
	}
	// Positions are handed out in chunks from a counter, the caller taking
	// its share: a helper that starts late or is descheduled on a busy
	// machine takes less instead of holding up the whole call.
	j := &parJob{g: &g, positions: positions, minChunk: max(1, minChunkRows/perPos), parts: workers}
	s.pool.run(j, workers-1, sc)
	return nil
}

type gatherJob struct {
	s           *Store
	dst         []byte
	cids        []uint32
	ctx, tokens int
	layers      []int
	perPos      int
	nt          func(dst, base *byte, offs []uint64, rb uintptr) // non-temporal copy, or nil
}

// run gathers positions [p0, p1) of the flattened batch x tokens.
func (g *gatherJob) run(p0, p1 int, sc *scratch) {
	done := false
	g.runChunks(func() (int, int, bool) {
		if done {
			return 0, 0, false
		}
		done = true
		return p0, p1, true
	}, sc)
}

// runChunks gathers the chunks of positions next hands out, one after the
// other, keeping the two-phase pipeline running across them: a chunk's
// first group is prefetched while the previous chunk's last is copied.
func (g *gatherJob) runChunks(next func() (lo, hi int, ok bool), sc *scratch) {
	s := g.s
	rb := uint64(s.rowBytes)
	tbl := s.tab.data
	base := &tbl[0]
	last := uintptr(rb - 1)
	lazy := s.tab.lazy != nil
	seqLen := g.ctx + g.tokens
	rows := sc.rows[:s.slots]
	cur, prev := sc.offs[0][:0], sc.offs[1][:0]
	var dcur, dprev uint64 // where cur's and prev's rows go
	// flush is phase one for cur and phase two for prev.
	flush := func() {
		if lazy {
			for _, o := range cur {
				s.tab.ensure(o, o+rb-1)
			}
		}
		prefetchRows(base, cur, last)
		g.copy(dprev, tbl, prev, rb)
		dprev = dcur
		dcur += uint64(len(cur)) * rb
		prev, cur = cur, prev[:0]
	}
	for {
		p0, p1, ok := next()
		if !ok {
			break
		}
		if len(cur) > 0 {
			flush() // cur's rows are not contiguous with this chunk's
		}
		dcur = uint64(p0*g.perPos) * rb
		b, t := p0/g.tokens, p0%g.tokens
		for p := p0; p < p1; p++ {
			pos := g.ctx + t
			seq := g.cids[b*seqLen : b*seqLen+pos+1]
			for _, li := range g.layers {
				s.layers[li].Rows(rows, seq, pos)
				lb := s.layout.LayerBase[li]
				for _, r := range rows {
					cur = append(cur, uint64(lb+r)*rb)
				}
			}
			if t++; t == g.tokens {
				t = 0
				b++
			}
			if len(cur) >= groupRows {
				flush()
			}
		}
	}
	if len(cur) > 0 {
		flush()
	}
	g.copy(dprev, tbl, prev, rb)
	if g.nt != nil {
		storeFence()
	}
	sc.offs[0], sc.offs[1] = cur[:0], prev[:0]
}

func (g *gatherJob) copy(at uint64, tbl []byte, offs []uint64, rb uint64) {
	if len(offs) == 0 {
		return
	}
	if g.nt != nil {
		d := g.dst[at : at+uint64(len(offs))*rb]
		g.nt(&d[0], &tbl[0], offs, uintptr(rb))
		return
	}
	copyRows(g.dst[at:], tbl, offs, rb)
}

// copyRows copies the rows at byte offsets offs of tbl to dst, back to back.
func copyRows(dst, tbl []byte, offs []uint64, rb uint64) {
	dst = dst[:uint64(len(offs))*rb]
	for k, o := range offs {
		d := uint64(k) * rb
		copy(dst[d:d+rb], tbl[o:o+rb])
	}
}
