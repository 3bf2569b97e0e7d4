// Package store holds Engram tables in host memory and gathers their rows:
// the lookup path of DeepSeek's Engram (FACTS.md §1, steps 1-6) at the
// paper's scale.
//
// A Store owns one Table holding every layer's rows back to back, in the
// layout engram.Model.Layout describes (layer, then order, then head),
// the compression that turns raw token ids into compressed ids, and the
// per-layer hashing. Gather turns a batch of token sequences into rows in
// a contiguous [batch, tokens, rows per token, head width] array.
//
// The hot loop follows FACTS.md §5: row gathers are bound by cache misses
// in flight, not by DRAM bandwidth, so each worker hashes a group of rows
// and issues a prefetch for every line of each (phase one), then copies
// the previous group's rows, which have arrived meanwhile (phase two).
// Moduli are reduced with engram.FastMod, never a divide. Large batches are
// split over all cores.
package store

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/engrambench/engrambench/engram"
)

// Options configure a Store.
type Options struct {
	TableOptions
	// DType overrides the model's element type when set.
	DType engram.DType
	// Threads is how many cores a Gather may use; 0 means GOMAXPROCS.
	Threads int
	// Multipliers replaces the seeded multipliers (layer id -> m_0..m_{N-1}),
	// to reproduce a reference implementation's exact indices.
	Multipliers map[int][]int64
}

// Store is a model's tables in memory, ready to gather from. Gather may be
// called from many goroutines at once.
type Store struct {
	layout   *engram.Layout
	comp     *engram.Compression
	layers   []*engram.Layer
	tab      *Table
	width    int // elements per row
	rowBytes int
	slots    int // rows per layer per position
	threads  int
	scratch  sync.Pool
	pool     *pool
}

// Open lays out m's tables, maps and initialises them, and prepares the
// hashing for compression comp (which fixes |V'| and the pad id).
func Open(layout *engram.Layout, comp *engram.Compression, opt Options) (*Store, error) {
	m := layout.Model
	d := m.DType
	if opt.DType != 0 {
		d = opt.DType
	}
	layers, err := layout.Layers(comp.Size(), comp.Pad())
	if err != nil {
		return nil, err
	}
	if opt.Multipliers != nil {
		if err := engram.SetMultipliers(layers, opt.Multipliers); err != nil {
			return nil, err
		}
	}
	tab, err := NewTable(layout.Rows, m.HeadWidth(), d, opt.TableOptions)
	if err != nil {
		return nil, fmt.Errorf("engram %s: %w", m.Name, err)
	}
	s := &Store{
		layout: layout, comp: comp, layers: layers, tab: tab,
		width: m.HeadWidth(), rowBytes: tab.RowBytes(), slots: m.SlotsPerLayer(),
		threads: opt.Threads,
	}
	if s.threads <= 0 {
		s.threads = runtime.GOMAXPROCS(0)
	}
	s.pool = newPool(s)
	return s, nil
}

// Close stops the helper goroutines and releases the tables. No Gather
// may be running or start afterwards.
func (s *Store) Close() error {
	if s.pool != nil {
		s.pool.close()
		s.pool = nil
	}
	return s.tab.Close()
}

// Layout is the model's table layout.
func (s *Store) Layout() *engram.Layout { return s.layout }

// Model is the model served.
func (s *Store) Model() engram.Model { return s.layout.Model }

// Compression is the token-id compression in use.
func (s *Store) Compression() *engram.Compression { return s.comp }

// Layers is the addressing of each Engram layer, in the model's order.
func (s *Store) Layers() []*engram.Layer { return s.layers }

// Table is the memory the rows live in.
func (s *Store) Table() *Table { return s.tab }

// DType is the element type of the rows.
func (s *Store) DType() engram.DType { return s.tab.dtype }

// Width is the elements in one row (the per-head width).
func (s *Store) Width() int { return s.width }

// RowBytes is the bytes in one row.
func (s *Store) RowBytes() int { return s.rowBytes }

// Threads is the cores a Gather uses by default.
func (s *Store) Threads() int { return s.threads }

// Request is a batch of token sequences to look up.
type Request struct {
	Batch  int // sequences
	Tokens int // positions looked up per sequence
	// Context is how many ids precede the looked-up positions in each
	// sequence: they feed the N-grams and are not looked up themselves.
	// A decode step passes the last MaxOrder-1 ids of each sequence as
	// context and one token; before a sequence's first id the pad stands.
	Context int
	// IDs are raw token ids, Batch sequences of Context+Tokens each.
	IDs []uint32
	// Layers picks Engram layers by their index in the model (0 for the
	// first Engram layer); nil means all, in order.
	Layers []int
}

// Shape is the output's shape: batch, tokens, rows per token, head width.
type Shape [4]int

// Elems is the number of elements.
func (sh Shape) Elems() int { return sh[0] * sh[1] * sh[2] * sh[3] }

// Check reports what is wrong with r for this store.
func (s *Store) Check(r Request) error {
	var errs []error
	if r.Batch < 0 || r.Tokens < 0 || r.Context < 0 {
		errs = append(errs, fmt.Errorf("batch %d, tokens %d, context %d: none may be negative", r.Batch, r.Tokens, r.Context))
	} else if want := r.Batch * (r.Context + r.Tokens); len(r.IDs) != want {
		errs = append(errs, fmt.Errorf("%d ids, want batch x (context + tokens) = %d", len(r.IDs), want))
	}
	for _, l := range r.Layers {
		if l < 0 || l >= len(s.layers) {
			errs = append(errs, fmt.Errorf("layer index %d out of range 0..%d", l, len(s.layers)-1))
		}
	}
	return errors.Join(errs...)
}

// Shape returns the shape of r's output.
func (s *Store) Shape(r Request) Shape {
	n := len(r.Layers)
	if r.Layers == nil {
		n = len(s.layers)
	}
	return Shape{r.Batch, r.Tokens, n * s.slots, s.width}
}

// OutputBytes is the bytes Gather writes for r.
func (s *Store) OutputBytes(r Request) int { return s.Shape(r).Elems() * s.tab.dtype.Size() }

func (s *Store) layerList(r Request) []int {
	if r.Layers != nil {
		return r.Layers
	}
	all := make([]int, len(s.layers))
	for i := range all {
		all[i] = i
	}
	return all
}

// GatherNaive is the reference gather: the N-gram rows of every position
// by the definition (engram.Layer.Mix, the % operator floored, offsets),
// copied one by one. It is slow and exact; tests hold Gather to it.
func (s *Store) GatherNaive(dst []byte, r Request) error {
	if err := s.Check(r); err != nil {
		return err
	}
	if len(dst) < s.OutputBytes(r) {
		return fmt.Errorf("output holds %d bytes, want %d", len(dst), s.OutputBytes(r))
	}
	seqLen := r.Context + r.Tokens
	out := 0
	for b := range r.Batch {
		cids := s.comp.Compress(r.IDs[b*seqLen : (b+1)*seqLen])
		for t := range r.Tokens {
			pos := r.Context + t
			for _, li := range s.layerList(r) {
				l := s.layers[li]
				primes, offsets := l.Primes(), l.Offsets()
				for n := 2; n <= l.MaxOrder; n++ {
					mix := l.Mix(cids, pos, n)
					for k := range l.Heads {
						j := (n-2)*l.Heads + k
						row := s.layout.LayerBase[li] + offsets[j] + engram.FloorMod(mix, primes[j])
						out += copy(dst[out:], s.tab.Row(row))
					}
				}
			}
		}
	}
	return nil
}
