// Package shard splits a plan into N parts that N processes, on as many
// machines, run independently and that together cover the plan exactly
// once, whatever order they start in.
//
// # The key
//
// A sample belongs to a shard by its stable key: the runner, the cell
// (which names the task set, the task and every cell parameter, so it
// carries "task" and "params"), the instance's index within the cell (which,
// with the cell, identifies the instance: tasks.MakeID builds the instance
// id from exactly these and a content hash) and the repeat. The content
// hash is left out on purpose: the shard of a sample is then known without
// generating its instance, so a process counts its share of a plan from the
// task sets' sizes alone (execute.Expected stays cheap) and merge names the
// samples a shard failed to deliver without generating anything.
//
// # The hash
//
// Of hashes (runner, cell, repeat) and adds the index:
//
//	offset = first 8 bytes, big-endian, of SHA-256(runner NUL cell NUL repeat)
//	shard  = (offset + index) mod N
//
// Hashing every field, index included, would give each shard a binomial
// share: for the 680 samples of the quick suite in 4 shards, a standard
// deviation of 7.6% of a shard's work. Striping the indices of each
// (runner, cell, repeat) across the shards from a hashed starting point
// gives every shard ⌊n/N⌋ or ⌈n/N⌉ instances of every cell instead: shards
// differ by the cells' remainders only (a few samples; 0.0% for the
// built-in suites in 4 shards, 2.6% for nightly in 16), and every
// long-context length, being a cell, is spread over all shards rather than
// clustered on a few. The assignment depends on the key alone, not on the
// rest of the plan: adding a task to a suite moves no other sample to
// another shard, so a machine's response cache stays useful.
//
// SHA-256 rather than FNV-1a: FNV modulo a power of two depends only on
// the low bits of each byte, so the cells of one task set, whose names
// differ little, started on neighbouring shards and piled their
// remainders there (8.2% off the mean for quick in 16 shards; 5.9% now).
package shard

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Shard is part I of N of a plan, 0 ≤ I < N. The zero value, and any
// shard with N ≤ 1, is the whole plan.
type Shard struct {
	I int `json:"i"`
	N int `json:"n"`
}

// Whole reports whether s is the whole plan.
func (s Shard) Whole() bool { return s.N <= 1 }

// String is "I/N", the form Parse reads; "" for the whole plan.
func (s Shard) String() string {
	if s.Whole() {
		return ""
	}
	return strconv.Itoa(s.I) + "/" + strconv.Itoa(s.N)
}

// Name is "shard-I-of-N" with I zero-padded to the width of N-1, so that
// the shards of a run sort in order: the suffix of a shard's run directory.
func (s Shard) Name() string {
	w := len(strconv.Itoa(max(s.N-1, 0)))
	return fmt.Sprintf("shard-%0*d-of-%d", w, s.I, s.N)
}

// Parse reads "I/N" with 0 ≤ I < N.
func Parse(v string) (Shard, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want I/N, for example 0/4 (shards count from 0)", v)
	}
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want 0 ≤ I < N (shards count from 0: 0/4 to 3/4)", v)
	}
	return Shard{I: i, N: n}, nil
}

// Validate reports a shard that is neither the whole plan nor a part of it.
func (s Shard) Validate() error {
	if s.N == 0 && s.I == 0 {
		return nil
	}
	if s.N < 1 || s.I < 0 || s.I >= s.N {
		return fmt.Errorf("shard %d/%d: want 0 ≤ I < N", s.I, s.N)
	}
	return nil
}

// Owns reports whether the sample with this key belongs to s.
func (s Shard) Owns(runner, cell string, index, repeat int) bool {
	return s.Whole() || Of(s.N, runner, cell, index, repeat) == s.I
}

// Offset is where the instances of (runner, cell, repeat) start: their
// index 0 is in shard Offset mod N, index i in shard (Offset + i) mod N.
// Callers placing many samples of one cell compute it once.
func Offset(runner, cell string, repeat int) uint64 {
	h := sha256.New()
	h.Write([]byte(runner))
	h.Write([]byte{0})
	h.Write([]byte(cell))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(repeat)))
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint64(h.Sum(sum[:0]))
}

// Of is the shard, of n, that the sample (runner, cell, index, repeat)
// belongs to. See the package comment for the formula.
func Of(n int, runner, cell string, index, repeat int) int {
	return At(n, Offset(runner, cell, repeat), index)
}

// At is the shard, of n, of instance index of a cell whose Offset is off.
func At(n int, off uint64, index int) int {
	if n <= 1 {
		return 0
	}
	un := uint64(n)
	return int((off%un + uint64(index)%un) % un)
}

// Unit is a block of a plan's samples: instances 0 to Instances-1 of one
// cell, each generated Repeats times, by one runner.
type Unit struct {
	Runner    string
	Cell      string
	Instances int
	Repeats   int
}

// Samples is the number of samples in the unit.
func (u Unit) Samples() int { return u.Instances * max(u.Repeats, 1) }

// Split returns how many of the unit's samples each of n shards gets,
// without visiting them one by one.
func (u Unit) Split(n int) []int {
	n = max(n, 1)
	out := make([]int, n)
	if u.Instances <= 0 {
		return out
	}
	for r := range max(u.Repeats, 1) {
		base, extra := u.Instances/n, u.Instances%n
		off := At(n, Offset(u.Runner, u.Cell, r), 0)
		for s := range n {
			out[s] += base
		}
		for j := range extra {
			out[(off+j)%n]++
		}
	}
	return out
}

// Count returns how many samples of the units s holds.
func Count(units []Unit, s Shard) int {
	total := 0
	for _, u := range units {
		if s.Whole() {
			total += u.Samples()
			continue
		}
		total += u.Split(s.N)[s.I]
	}
	return total
}

// Counts returns the samples of the units in each of n shards.
func Counts(units []Unit, n int) []int {
	out := make([]int, max(n, 1))
	for _, u := range units {
		for s, c := range u.Split(n) {
			out[s] += c
		}
	}
	return out
}

// ErrNoIndex is returned by IndexOf for an instance id not made by
// tasks.MakeID.
var ErrNoIndex = errors.New("instance id does not have the form CELL/INDEX-HASH")

// IndexOf reads the instance index from an instance id of the form
// tasks.MakeID builds, "CELL/NNNN-HASH", given its cell. Samples carry the
// id and the cell but not the index; merge and the store's completeness
// check need it to place a sample in its shard.
func IndexOf(instanceID, cell string) (int, error) {
	rest, ok := strings.CutPrefix(instanceID, cell+"/")
	if !ok {
		return 0, fmt.Errorf("%q (cell %q): %w", instanceID, cell, ErrNoIndex)
	}
	digits, _, ok := strings.Cut(rest, "-")
	if !ok || digits == "" || strings.Contains(digits, "/") {
		return 0, fmt.Errorf("%q: %w", instanceID, ErrNoIndex)
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || digits[0] == '+' {
		return 0, fmt.Errorf("%q: %w", instanceID, ErrNoIndex)
	}
	return i, nil
}
