package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/engrambench/engrambench/engram"
)

// Init says when a table's values are written.
type Init uint8

const (
	// Fill writes every value up front, in parallel on all cores.
	Fill Init = iota
	// Lazy writes each 2 MiB chunk the first time a gather reads it, so a
	// table opens at once and costs memory only for what is used.
	Lazy
)

func (i Init) String() string {
	if i == Lazy {
		return "lazy"
	}
	return "fill"
}

// TableOptions places and initialises a table.
type TableOptions struct {
	// File backs the table with a file mapped from disk, for tables larger
	// than free memory: it is created (or reused when it already holds this
	// table, complete) and the kernel pages rows in and out. "" keeps the
	// table in anonymous memory with transparent huge pages requested.
	File string
	Init Init
	Seed uint64 // value seed
	// Available reports the bytes an anonymous table may use; nil reads
	// MemAvailable from /proc/meminfo. Tests replace it.
	Available func() (uint64, error)
}

// ErrTooLarge is wrapped by the error for a table that does not fit in
// memory without a backing file.
var ErrTooLarge = errors.New("table larger than free memory")

// Table is rows of rowBytes bytes, contiguous, outside the Go heap.
type Table struct {
	data     []byte
	raw      []byte
	file     *os.File
	rows     int64
	rowBytes int
	dtype    engram.DType
	seed     uint64
	shape    valueShape
	lazy     []atomic.Uint32 // per chunk: 0 empty, 1 being filled, 2 ready; nil when filled
}

const (
	chunkShift = 21 // lazy chunks of 2 MiB
	headerSize = 4096
	fileMagic  = "ENGRAMTB"
	// valuesVersion changes whenever the value function does, so that an
	// old table file is rewritten rather than reused.
	valuesVersion = 1
)

// NewTable maps and initialises a table of rows rows of width elements of
// dtype d.
func NewTable(rows int64, width int, d engram.DType, opt TableOptions) (*Table, error) {
	if rows < 1 || width < 1 || d.Size() == 0 {
		return nil, fmt.Errorf("table: %d rows of %d %v elements", rows, width, d)
	}
	t := &Table{rows: rows, rowBytes: width * d.Size(), dtype: d, seed: opt.Seed, shape: shapeOf(d)}
	size := rows * int64(t.rowBytes)
	if size/int64(t.rowBytes) != rows || size > 1<<56 {
		return nil, fmt.Errorf("table: %d rows of %d bytes overflow", rows, t.rowBytes)
	}
	var err error
	if opt.File == "" {
		err = t.openAnon(size, opt)
	} else {
		err = t.openFile(size, opt)
	}
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

func (t *Table) openAnon(size int64, opt TableOptions) error {
	avail := opt.Available
	if avail == nil {
		avail = memAvailable
	}
	if free, err := avail(); err == nil {
		// Leave a tenth of what is free, and at least 256 MiB, to everything
		// else: a table that fills memory makes the machine thrash.
		limit := int64(free) - max(int64(free)/10, 256<<20)
		if size > limit {
			return fmt.Errorf("%w: the table needs %s but %s is available (%s usable); "+
				"map it from a file instead (--file PATH: written once, then reused, paged by the kernel) "+
				"or choose a smaller configuration", ErrTooLarge, Bytes(size), Bytes(int64(free)), Bytes(max(limit, 0)))
		}
	}
	var err error
	if t.raw, t.data, err = mapAnon(size); err != nil {
		return err
	}
	if opt.Init == Lazy {
		t.lazy = make([]atomic.Uint32, (size+1<<chunkShift-1)>>chunkShift)
		return nil
	}
	t.fillAll()
	return nil
}

// fingerprint names what a table file holds; a file is reused only when
// it matches.
func (t *Table) fingerprint() string {
	return fmt.Sprintf("rows=%d row_bytes=%d dtype=%v seed=%d values=%d", t.rows, t.rowBytes, t.dtype, t.seed, valuesVersion)
}

// The header page: magic, a complete flag, the fingerprint's length and
// the fingerprint; the table follows at offset 4096.
func (t *Table) header(complete bool) []byte {
	h := make([]byte, headerSize)
	copy(h, fileMagic)
	if complete {
		h[8] = 1
	}
	fp := t.fingerprint()
	binary.LittleEndian.PutUint32(h[12:], uint32(len(fp)))
	copy(h[16:], fp)
	return h
}

func (t *Table) openFile(size int64, opt TableOptions) error {
	f, err := os.OpenFile(opt.File, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("table file: %w", err)
	}
	t.file = f
	st, err := f.Stat()
	if err != nil {
		return err
	}
	have := make([]byte, headerSize)
	n, _ := io.ReadFull(f, have)
	switch {
	case st.Size() == 0:
	case n < 16 || string(have[:8]) != fileMagic:
		return fmt.Errorf("table file %s exists and is not an engram table; refusing to overwrite it", opt.File)
	case bytes.Equal(have, t.header(true)) && st.Size() == headerSize+size:
		t.raw, t.data, err = mapFile(f, headerSize, size, false)
		return err // complete and matching: reuse
	}
	if free, err := diskAvailable(filepath.Dir(opt.File)); err == nil && int64(free)+st.Size() < headerSize+size {
		return fmt.Errorf("table file %s needs %s but the disk has %s free", opt.File, Bytes(headerSize+size), Bytes(int64(free)))
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if err := f.Truncate(headerSize + size); err != nil {
		return err
	}
	if _, err := f.WriteAt(t.header(false), 0); err != nil {
		return err
	}
	if opt.Init == Lazy {
		t.lazy = make([]atomic.Uint32, (size+1<<chunkShift-1)>>chunkShift)
		t.raw, t.data, err = mapFile(f, headerSize, size, true)
		return err
	}
	if err := t.writeFile(size); err != nil {
		return err
	}
	if _, err := f.WriteAt(t.header(true), 0); err != nil {
		return err
	}
	t.raw, t.data, err = mapFile(f, headerSize, size, false)
	return err
}

// writeFile writes the values with positioned writes in parallel: the
// page cache takes them and the kernel writes them back as it sees fit,
// which a table larger than memory needs (stores through a mapping would
// dirty pages faster than they can be cleaned).
func (t *Table) writeFile(size int64) error {
	const block = 8 << 20
	workers := runtime.GOMAXPROCS(0)
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			buf := make([]byte, block)
			for {
				off := next.Add(block) - block
				if off >= size {
					return
				}
				b := buf[:min(block, size-off)]
				t.shape.fill(b, t.seed, off)
				if _, err := t.file.WriteAt(b, headerSize+off); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// fillAll writes every value, chunks handed out to all cores; each page is
// first touched by the thread that fills it.
func (t *Table) fillAll() {
	size := int64(len(t.data))
	const block = 1 << chunkShift
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				off := next.Add(block) - block
				if off >= size {
					return
				}
				t.shape.fill(t.data[off:min(off+block, size)], t.seed, off)
			}
		})
	}
	wg.Wait()
}

// ensure makes the bytes [lo, hi] hold their values (lazy tables only).
func (t *Table) ensure(lo, hi uint64) {
	for c := lo >> chunkShift; c <= hi>>chunkShift; c++ {
		if t.lazy[c].Load() != 2 {
			t.fillChunk(c)
		}
	}
}

func (t *Table) fillChunk(c uint64) {
	s := &t.lazy[c]
	if s.CompareAndSwap(0, 1) {
		off := int64(c) << chunkShift
		t.shape.fill(t.data[off:min(off+1<<chunkShift, int64(len(t.data)))], t.seed, off)
		s.Store(2)
		return
	}
	for s.Load() != 2 {
		runtime.Gosched()
	}
}

// Rows is the number of rows.
func (t *Table) Rows() int64 { return t.rows }

// RowBytes is the bytes of one row.
func (t *Table) RowBytes() int { return t.rowBytes }

// DType is the element type.
func (t *Table) DType() engram.DType { return t.dtype }

// Bytes returns the table's memory: rows back to back. For a lazy table,
// call Materialize first if the bytes are read outside a gather.
func (t *Table) Bytes() []byte { return t.data }

// Lazy says whether chunks are still written on first use.
func (t *Table) Lazy() bool { return t.lazy != nil }

// FileBacked says whether the table is mapped from a file.
func (t *Table) FileBacked() bool { return t.file != nil }

// HugePageBytes is how much of an anonymous table the kernel backs with
// huge pages now (-1 when unknown or file-backed).
func (t *Table) HugePageBytes() int64 {
	if t.file != nil {
		return -1
	}
	return hugeBytes(t.data)
}

// Materialize fills every chunk of a lazy table that is still empty.
func (t *Table) Materialize() {
	if t.lazy == nil {
		return
	}
	var next atomic.Uint64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for c := next.Add(1) - 1; c < uint64(len(t.lazy)); c = next.Add(1) - 1 {
				if t.lazy[c].Load() != 2 {
					t.fillChunk(c)
				}
			}
		})
	}
	wg.Wait()
}

// Row returns row r, filling it first in a lazy table.
func (t *Table) Row(r int64) []byte {
	off := uint64(r) * uint64(t.rowBytes)
	if t.lazy != nil {
		t.ensure(off, off+uint64(t.rowBytes)-1)
	}
	return t.data[off : off+uint64(t.rowBytes) : off+uint64(t.rowBytes)]
}

// Close unmaps the table and closes its file. The table must not be used
// afterwards.
func (t *Table) Close() error {
	err := unmap(t.raw)
	t.raw, t.data = nil, nil
	if t.file != nil {
		err = errors.Join(err, t.file.Close())
		t.file = nil
	}
	return err
}

// Bytes formats a byte count with binary units, for messages.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// MemAvailable is the memory the kernel says can be allocated without
// swapping (MemAvailable of /proc/meminfo).
func MemAvailable() (uint64, error) { return memAvailable() }
