package store

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/engrambench/engrambench/engram"
)

// smallModel is a two-layer model with tables of a few thousand rows.
func smallModel(d engram.DType) engram.Model {
	m, _ := engram.BuiltinModel("demo")
	m.Name = "small"
	m.Bases = []int64{1000, 1300}
	m.DMem = 16 * 6 // 6 elements a row: rows are not a multiple of 8 bytes
	m.DType = d
	return m
}

func openSmall(t testing.TB, m engram.Model, opt Options) *Store {
	t.Helper()
	l, err := m.Layout()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(l, engram.IdentityCompression(m.Vocab), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func randomRequest(rng *rand.Rand, batch, tokens, ctx, vocab int) Request {
	ids := make([]uint32, batch*(ctx+tokens))
	for i := range ids {
		ids[i] = rng.Uint32N(uint32(vocab) + 10) // a few ids past the vocabulary too
	}
	return Request{Batch: batch, Tokens: tokens, Context: ctx, IDs: ids}
}

func TestGatherMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, d := range engram.DTypes {
		for _, init := range []Init{Fill, Lazy} {
			s := openSmall(t, smallModel(d), Options{TableOptions: TableOptions{Init: init, Seed: 5}})
			for trial := range 30 {
				r := randomRequest(rng, 1+rng.IntN(9), 1+rng.IntN(40), rng.IntN(4), s.Model().Vocab)
				if trial%3 == 1 {
					r.Layers = []int{1}
				} else if trial%3 == 2 {
					r.Layers = []int{1, 0, 1}
				}
				want := make([]byte, s.OutputBytes(r))
				if err := s.GatherNaive(want, r); err != nil {
					t.Fatal(err)
				}
				for _, threads := range []int{1, 2, 3, 8} {
					got := make([]byte, len(want)+7)
					if err := s.GatherThreads(got, r, threads); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got[:len(want)], want) {
						t.Fatalf("%v %v trial %d threads %d: Gather differs from GatherNaive", d, init, trial, threads)
					}
					if !bytes.Equal(got[len(want):], make([]byte, 7)) {
						t.Fatalf("Gather wrote past its output")
					}
				}
			}
		}
	}
}

// TestGatherLarge crosses the thread split and group boundaries with a
// batch big enough for several workers.
func TestGatherLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := openSmall(t, smallModel(engram.BF16), Options{})
	r := randomRequest(rng, 300, 1, 2, s.Model().Vocab)
	want := make([]byte, s.OutputBytes(r))
	got := make([]byte, len(want))
	if err := s.GatherNaive(want, r); err != nil {
		t.Fatal(err)
	}
	if err := s.GatherThreads(got, r, 4); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("parallel gather differs")
	}
	if sh := s.Shape(r); sh != (Shape{300, 1, 32, 6}) {
		t.Fatalf("shape %v", sh)
	}
}

// TestRowsAreHashedRows checks one gathered row against the engram
// package's addressing and the value function directly.
func TestRowsAreHashedRows(t *testing.T) {
	s := openSmall(t, smallModel(engram.FP32), Options{TableOptions: TableOptions{Seed: 9}})
	ids := []uint32{7, 8, 9}
	r := Request{Batch: 1, Tokens: 3, IDs: ids, Layers: []int{1}}
	out := make([]byte, s.OutputBytes(r))
	if err := s.Gather(out, r); err != nil {
		t.Fatal(err)
	}
	rows := make([]int64, 16)
	s.Layers()[1].Rows(rows, ids, 2)
	row := s.Layout().LayerBase[1] + rows[5]
	want := make([]byte, 24)
	shapeOf(engram.FP32).fill(want, 9, row*24)
	at := (2*16 + 5) * 24
	if !bytes.Equal(out[at:at+24], want) {
		t.Fatalf("row bytes %x, want %x", out[at:at+24], want)
	}
	f := make([]float32, 6)
	ToFloat32(f, want, engram.FP32)
	for _, v := range f {
		if a := max(v, -v); a < 1.0/128 || a >= 1.0/32 {
			t.Fatalf("value %v outside ±[2^-7, 2^-5)", v)
		}
	}
}

func TestValuesAreFinite(t *testing.T) {
	for _, d := range engram.DTypes {
		b := make([]byte, 4096)
		shapeOf(d).fill(b, 1, 12345*8)
		f := make([]float32, 4096/d.Size())
		ToFloat32(f, b, d)
		for _, v := range f {
			if a := max(v, -v); !(a >= 1.0/128 && a < 1.0/32) {
				t.Fatalf("%v: value %v outside ±[2^-7, 2^-5)", d, v)
			}
		}
		// Any offset, any split: the same bytes.
		c := make([]byte, 4096)
		shapeOf(d).fill(c[:1001], 1, 12345*8)
		shapeOf(d).fill(c[1001:], 1, 12345*8+1001)
		if !bytes.Equal(b, c) {
			t.Fatalf("%v: split fill differs", d)
		}
	}
}

func TestHalfToFloat32(t *testing.T) {
	for _, c := range []struct {
		h    uint16
		want float32
	}{{0x3C00, 1}, {0xC000, -2}, {0x0001, 1.0 / (1 << 24)}, {0x7BFF, 65504}, {0x0000, 0}, {0x3555, 0.333251953125}} {
		if got := HalfToFloat32(c.h); got != c.want {
			t.Errorf("HalfToFloat32(%#x) = %v, want %v", c.h, got, c.want)
		}
	}
}

func TestCheck(t *testing.T) {
	s := openSmall(t, smallModel(engram.BF16), Options{})
	for _, r := range []Request{
		{Batch: 2, Tokens: 2, IDs: []uint32{1, 2, 3}},
		{Batch: -1},
		{Batch: 1, Tokens: 1, IDs: []uint32{1}, Layers: []int{2}},
	} {
		if err := s.Gather(make([]byte, 1<<16), r); err == nil {
			t.Errorf("%+v: want an error", r)
		}
	}
	if err := s.Gather(make([]byte, 3), Request{Batch: 1, Tokens: 1, IDs: []uint32{1}}); err == nil {
		t.Error("short output: want an error")
	}
	if err := s.Gather(nil, Request{}); err != nil {
		t.Errorf("empty request: %v", err)
	}
}

func TestTooLargeRefused(t *testing.T) {
	l, err := smallModel(engram.BF16).Layout()
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(l, engram.IdentityCompression(100), Options{TableOptions: TableOptions{
		Available: func() (uint64, error) { return 64 << 10, nil },
	}})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "--file") {
		t.Fatalf("err = %v, want ErrTooLarge suggesting --file", err)
	}
}

func TestFileBacked(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.engram")
	m := smallModel(engram.BF16)
	anon := openSmall(t, m, Options{TableOptions: TableOptions{Seed: 3}})
	// A file that is not a table is never overwritten.
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, _ := m.Layout()
	if _, err := Open(l, engram.IdentityCompression(m.Vocab), Options{TableOptions: TableOptions{File: path}}); err == nil {
		t.Fatal("overwrote a file that is not a table")
	}
	os.Remove(path)
	rng := rand.New(rand.NewPCG(5, 6))
	r := randomRequest(rng, 20, 3, 2, m.Vocab)
	want := make([]byte, anon.OutputBytes(r))
	if err := anon.Gather(want, r); err != nil {
		t.Fatal(err)
	}
	for i, init := range []Init{Fill, Fill, Lazy} {
		f := openSmall(t, m, Options{TableOptions: TableOptions{File: path, Init: init, Seed: 3, Available: func() (uint64, error) { return 1, nil }}})
		if !f.Table().FileBacked() {
			t.Fatal("not file-backed")
		}
		got := make([]byte, len(want))
		if err := f.Gather(got, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("open %d (%v): file-backed rows differ", i, init)
		}
		f.Close()
	}
}

// TestGatherNonTemporal covers the large-output path (non-temporal
// stores) and its fallback for a misaligned output.
func TestGatherNonTemporal(t *testing.T) {
	for _, width := range []int{64, 80} { // 128- and 160-byte rows
		m := smallModel(engram.BF16)
		m.DMem = 16 * width
		s := openSmall(t, m, Options{})
		rng := rand.New(rand.NewPCG(7, 8))
		r := randomRequest(rng, 150, 1, 2, m.Vocab)
		if s.OutputBytes(r) < ntMinBytes {
			t.Fatalf("output %d bytes is below the non-temporal threshold", s.OutputBytes(r))
		}
		want := make([]byte, s.OutputBytes(r))
		if err := s.GatherNaive(want, r); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, len(want)+128)
		base := int(uintptr(unsafe.Pointer(&buf[0])) % 64)
		// Offsets that make dst 64-, 32-, 16- and 8-byte aligned: every copy.
		for _, align := range []int{64, 32, 16, 8} {
			off := (64 - base + align) % 64
			if align == 64 {
				off = (64 - base) % 64
			}
			got := buf[off : off+len(want)]
			clear(buf)
			for _, threads := range []int{1, 2} {
				if err := s.GatherThreads(got, r, threads); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%d-byte rows, dst aligned to %d, %d threads: rows differ", 2*width, align, threads)
				}
			}
			if !bytes.Equal(buf[:off], make([]byte, off)) || !bytes.Equal(buf[off+len(want):], make([]byte, len(buf)-off-len(want))) {
				t.Fatal("wrote outside the output")
			}
		}
	}
}

func TestPipeline(t *testing.T) {
	s := openSmall(t, smallModel(engram.FP16), Options{})
	rng := rand.New(rand.NewPCG(9, 10))
	var reqs []Request
	for range 7 {
		reqs = append(reqs, randomRequest(rng, 1+rng.IntN(50), 1, 2, s.Model().Vocab))
	}
	p := s.NewPipeline(2)
	p.Start(reqs[0])
	var held []byte
	for i, r := range reqs {
		got, err := p.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if i+1 < len(reqs) {
			p.Start(reqs[i+1])
		}
		want := make([]byte, s.OutputBytes(r))
		s.GatherNaive(want, r)
		if !bytes.Equal(got, want) {
			t.Fatalf("step %d: rows differ", i)
		}
		if held != nil && &held[0] == &got[0] {
			t.Fatal("consecutive steps share a buffer")
		}
		held = got
	}
	if p.Gathering <= 0 {
		t.Fatal("no gathering time recorded")
	}
}
