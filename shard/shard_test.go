package shard_test

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/tasks"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]shard.Shard{"0/4": {0, 4}, "3/4": {3, 4}, " 15/16 ": {15, 16}, "0/1": {0, 1}} {
		got, err := shard.Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", "1/+2x"} {
		if s, err := shard.Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, s)
		}
	}
	if got := (shard.Shard{I: 3, N: 16}).Name(); got != "shard-03-of-16" {
		t.Errorf("Name = %s", got)
	}
	if got := (shard.Shard{I: 3, N: 4}).Name(); got != "shard-3-of-4" {
		t.Errorf("Name = %s", got)
	}
	if (shard.Shard{}).Validate() != nil || (shard.Shard{I: 4, N: 4}).Validate() == nil || (shard.Shard{I: 1}).Validate() == nil {
		t.Error("Validate")
	}
}

// The assignment is part of the run format: shards made by two builds must
// agree. A change here needs a new plan version, not a new golden value.
func TestAssignmentIsStable(t *testing.T) {
	for _, c := range []struct {
		runner, cell     string
		index, rep, n, s int
	}{
		{"lookup", "bbh-gen/task=word_sorting/difficulty=0/mode=cot/shots=3", 0, 0, 4, 2},
		{"lookup", "bbh-gen/task=word_sorting/difficulty=0/mode=cot/shots=3", 1, 0, 4, 3},
		{"random", "ruler/task=niah_single_1/len=4096", 7, 0, 16, 8},
		{"random", "ruler/task=niah_single_1/len=4096", 7, 1, 16, 11},
		{"qwen", "code-py/task=hard/form=chat", 123, 3, 5, 1},
	} {
		if got := shard.Of(c.n, c.runner, c.cell, c.index, c.rep); got != c.s {
			t.Errorf("Of(%d, %s, %s, %d, %d) = %d, want %d", c.n, c.runner, c.cell, c.index, c.rep, got, c.s)
		}
		// The offset is SHA-256 of runner NUL cell NUL repeat, as documented.
		sum := sha256.Sum256([]byte(c.runner + "\x00" + c.cell + "\x00" + strconv.Itoa(c.rep)))
		off := binary.BigEndian.Uint64(sum[:8])
		want := int((off%uint64(c.n) + uint64(c.index)%uint64(c.n)) % uint64(c.n))
		if want != c.s {
			t.Errorf("%v: FNV-1a formula gives %d", c, want)
		}
	}
}

func TestSplitMatchesOwnership(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		u := shard.Unit{Runner: "r" + strconv.Itoa(rng.IntN(5)), Cell: "set/task=t" + strconv.Itoa(rng.IntN(50)), Instances: rng.IntN(70), Repeats: 1 + rng.IntN(3)}
		n := 1 + rng.IntN(17)
		split := u.Split(n)
		counted := make([]int, n)
		for i := range u.Instances {
			for r := range u.Repeats {
				owners := 0
				for s := range n {
					if (shard.Shard{I: s, N: n}).Owns(u.Runner, u.Cell, i, r) {
						owners++
						counted[s]++
					}
				}
				if owners != 1 {
					t.Fatalf("%+v: sample %d/%d has %d owners among %d shards", u, i, r, owners, n)
				}
			}
		}
		total := 0
		for s := range n {
			if split[s] != counted[s] {
				t.Fatalf("%+v in %d: Split says %v, ownership %v", u, n, split, counted)
			}
			// Striped: every shard gets ⌊m/n⌋ or ⌈m/n⌉ of each repeat.
			lo, hi := u.Repeats*(u.Instances/n), u.Repeats*((u.Instances+n-1)/n)
			if split[s] < lo || split[s] > hi {
				t.Fatalf("%+v in %d: shard %d gets %d, outside [%d, %d]", u, n, s, split[s], lo, hi)
			}
			total += split[s]
		}
		if total != u.Samples() || shard.Count([]shard.Unit{u}, shard.Shard{}) != u.Samples() {
			t.Fatalf("%+v: split total %d, samples %d", u, total, u.Samples())
		}
	}
}

func TestIndexOfReadsMakeID(t *testing.T) {
	labels := map[string]string{"len": "4096", "x": "a/b"}
	for _, i := range []int{0, 7, 9999, 10000, 123456} {
		id := tasks.MakeID("ruler", "niah", labels, i, "content")
		cell := tasks.CellName("ruler", "niah", labels)
		got, err := shard.IndexOf(id, cell)
		if err != nil || got != i {
			t.Errorf("IndexOf(%s) = %d, %v; want %d", id, got, err, i)
		}
	}
	for _, bad := range [][2]string{{"other/0001-ab", "cell"}, {"cell/x-ab", "cell"}, {"cell/0001", "cell"}, {"cell/-1-ab", "cell"}, {"cell/a/0001-ab", "cell"}} {
		if _, err := shard.IndexOf(bad[0], bad[1]); !errors.Is(err, shard.ErrNoIndex) {
			t.Errorf("IndexOf(%q, %q): %v", bad[0], bad[1], err)
		}
	}
}
