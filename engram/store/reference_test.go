package store

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/engrambench/engrambench/engram"
)

// refPrimes is FACTS.md §1 step 5 by trial division: walk layer, order,
// head; each order starts at its base - 1; each head takes the next prime
// above the previous; a prime used anywhere is skipped.
func refPrimes(layers int, bases []int64, heads int) [][][]int64 {
	isPrime := func(n int64) bool {
		if n < 2 {
			return false
		}
		for d := int64(2); d*d <= n; d++ {
			if n%d == 0 {
				return false
			}
		}
		return true
	}
	used := map[int64]bool{}
	out := make([][][]int64, layers)
	for l := range out {
		for _, b := range bases {
			var sizes []int64
			at := b - 1
			for range heads {
				at++
				for !isPrime(at) || used[at] {
					at++
				}
				used[at] = true
				sizes = append(sizes, at)
			}
			out[l] = append(out[l], sizes)
		}
	}
	return out
}

// refRows is steps 1-4 and 6 for one position of one layer, written from
// the formulas: compress, pad on the left with P(raw 2), mix_n = XOR of
// x'_{t-i} * m_i in wrapping int64, z = mix mod p floored (math/big, as
// Python computes it), row = z + the prefix sum of the primes before.
func refRows(comp map[uint32]uint32, pad uint32, seq []uint32, t int, mult []int64, primes [][]int64) []int64 {
	x := func(i int) int64 {
		if i < 0 {
			return int64(pad)
		}
		return int64(comp[seq[i]])
	}
	var out []int64
	var offset int64
	for o, heads := range primes {
		n := o + 2
		var mix int64
		for i := range n {
			mix ^= x(t-i) * mult[i] // Go's int64 multiply wraps, like NumPy's
		}
		for _, p := range heads {
			z := new(big.Int).Mod(big.NewInt(mix), big.NewInt(p)) // Euclidean: [0, p)
			out = append(out, z.Int64()+offset)
			offset += p
		}
	}
	return out
}

// TestGatherMatchesFormulaReference runs a table of token sequences
// through the whole lookup path and checks every gathered row against the
// row the formulas above pick.
func TestGatherMatchesFormulaReference(t *testing.T) {
	// A vocabulary with duplicates under normalisation.
	pieces := engram.Pieces{"<s>", "</s>", "<pad>", "The", " the", "THE", "cat", " cat", "Cat", "\n", " ", "é", "e", "sat", " sat", "on", " on", "mat"}
	// P by first-seen order of normalised keys.
	comp := map[uint32]uint32{}
	keys := map[string]uint32{}
	for id, p := range pieces {
		k := engram.Key(p)
		if _, ok := keys[k]; !ok {
			keys[k] = uint32(len(keys))
		}
		comp[uint32(id)] = keys[k]
	}
	m, _ := engram.BuiltinModel("demo")
	m.Name = "ref"
	m.Bases = []int64{300, 500}
	m.DMem = 16 * 4
	m.Seed = 42
	l, err := m.Layout()
	if err != nil {
		t.Fatal(err)
	}
	want := refPrimes(2, m.Bases, m.Heads)
	for li := range 2 {
		for o := range 2 {
			for h := range m.Heads {
				if l.Primes[li][o][h] != want[li][o][h] {
					t.Fatalf("prime [%d][%d][%d] = %d, want %d", li, o, h, l.Primes[li][o][h], want[li][o][h])
				}
			}
		}
	}
	c := engram.NewCompression(pieces)
	s, err := Open(l, c, Options{TableOptions: TableOptions{Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seqs := [][]uint32{
		{3, 6, 13, 15, 17},
		{4, 7, 14, 16, 17}, // the same text, other spellings: the same rows
		{5, 8, 13, 16, 17},
		{9, 10, 11, 12, 6},
		{0, 2, 2, 1, 17},
	}
	pad := comp[engram.PadID]
	rb := s.RowBytes()
	for li, id := range m.LayerIDs {
		mult := engram.Multipliers(m.Seed, id, m.MaxOrder, len(keys))
		var ids []uint32
		for _, sq := range seqs {
			ids = append(ids, sq...)
		}
		r := Request{Batch: len(seqs), Tokens: 5, IDs: ids, Layers: []int{li}}
		out := make([]byte, s.OutputBytes(r))
		if err := s.Gather(out, r); err != nil {
			t.Fatal(err)
		}
		for b, sq := range seqs {
			for tk := range sq {
				rows := refRows(comp, pad, sq, tk, mult, want[li])
				for k, row := range rows {
					at := ((b*5+tk)*16 + k) * rb
					if got := out[at : at+rb]; !bytes.Equal(got, s.Table().Row(l.LayerBase[li]+row)) {
						t.Fatalf("layer %d seq %d t %d slot %d: gathered row is not row %d", id, b, tk, k, row)
					}
				}
			}
		}
		// Equal text gives equal rows.
		n := 5 * 16 * rb
		if !bytes.Equal(out[:n], out[n:2*n]) || !bytes.Equal(out[:n], out[2*n:3*n]) {
			t.Fatal("spellings that normalise alike gathered different rows")
		}
	}
}
