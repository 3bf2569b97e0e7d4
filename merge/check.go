package merge

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/engrambench/engrambench/shard"
)

// Key is a sample's place in a plan: its shard key. It lacks the content
// hash of the instance id, which is not known without generating the
// instance, and names the sample all the same.
type Key struct {
	Runner string
	Cell   string
	Index  int
	Repeat int
}

// String is "runner|cell/NNNN|repeat", a sample key without the hash.
func (k Key) String() string {
	return fmt.Sprintf("%s|%s/%04d|%d", k.Runner, k.Cell, k.Index, k.Repeat)
}

// Missing is a sample of the plan that no shard delivered.
type Missing struct {
	Key   Key
	Shard int // the shard that should have
}

type groupKey struct {
	runner, cell string
	repeat       int
}

// group is one (runner, cell, repeat) of the plan: which of its instances
// have been seen. Bits are set atomically: shards share words.
type group struct {
	instances int
	offset    uint64 // shard.Offset of the group
	seen      []uint64
}

// checker places samples in the plan and tells what is missing.
type checker struct {
	n      int // shards; 1 for an unsharded run
	groups map[groupKey]*group
	order  []groupKey
	total  int
}

func newChecker(units []shard.Unit, n int) *checker {
	c := &checker{n: max(n, 1), groups: map[groupKey]*group{}}
	for _, u := range units {
		for r := range max(u.Repeats, 1) {
			k := groupKey{u.Runner, u.Cell, r}
			if _, dup := c.groups[k]; dup {
				continue
			}
			c.groups[k] = &group{instances: u.Instances, offset: shard.Offset(u.Runner, u.Cell, r), seen: make([]uint64, (u.Instances+63)/64)}
			c.order = append(c.order, k)
			c.total += u.Instances
		}
	}
	return c
}

// place finds the sample in the plan, marks it seen and returns its
// shard. firstSeen is false when it was seen before.
func (c *checker) place(runner, cell, instanceID string, repeat int) (sh int, firstSeen bool, err error) {
	g := c.groups[groupKey{runner, cell, repeat}]
	if g == nil {
		return 0, false, fmt.Errorf("runner %s, cell %s, repeat %d is not in the plan", runner, cell, repeat)
	}
	idx, err := shard.IndexOf(instanceID, cell)
	if err != nil {
		return 0, false, err
	}
	if idx >= g.instances {
		return 0, false, fmt.Errorf("instance %s is beyond the plan's %d instances of its cell", instanceID, g.instances)
	}
	bit := uint64(1) << (idx % 64)
	old := atomic.OrUint64(&g.seen[idx/64], bit)
	return shard.At(c.n, g.offset, idx), old&bit == 0, nil
}

// missing lists the plan's samples not seen, in plan order, and counts
// them per shard.
func (c *checker) missing() ([]Missing, []int) {
	var out []Missing
	per := make([]int, c.n)
	for _, k := range c.order {
		g := c.groups[k]
		for i := range g.instances {
			if atomic.LoadUint64(&g.seen[i/64])&(1<<(i%64)) != 0 {
				continue
			}
			s := shard.At(c.n, g.offset, i)
			per[s]++
			out = append(out, Missing{Key: Key{k.runner, k.cell, i, k.repeat}, Shard: s})
		}
	}
	return out, per
}

// MissingError is a merge, or a store run, that lacks samples of its plan.
type MissingError struct {
	RunID    string
	Expected int
	Shards   int       // 1 for an unsharded run
	Missing  []Missing // every one, in plan order
	ByShard  []int     // missing per shard
	Listed   int       // how many keys Error lists; 0 for all
}

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %s: %d of %d samples missing", e.RunID, len(e.Missing), e.Expected)
	if e.Shards > 1 {
		var shards []string
		for s, n := range e.ByShard {
			if n > 0 {
				shards = append(shards, fmt.Sprintf("%d/%d (%d)", s, e.Shards, n))
			}
		}
		fmt.Fprintf(&b, ", from shard %s", strings.Join(shards, ", "))
	}
	b.WriteString(":\n")
	listed := e.Missing
	if e.Listed > 0 && len(listed) > e.Listed {
		listed = listed[:e.Listed]
	}
	for _, m := range listed {
		b.WriteString("  " + m.Key.String())
		if e.Shards > 1 {
			fmt.Fprintf(&b, " (shard %d/%d)", m.Shard, e.Shards)
		}
		b.WriteString("\n")
	}
	if len(listed) < len(e.Missing) {
		fmt.Fprintf(&b, "  ... and %d more\n", len(e.Missing)-len(listed))
	}
	return strings.TrimRight(b.String(), "\n")
}

// ShardsMissing lists the shards with missing samples as "I/N".
func (e *MissingError) ShardsMissing() []string {
	var out []string
	for s, n := range e.ByShard {
		if n > 0 {
			out = append(out, strconv.Itoa(s)+"/"+strconv.Itoa(e.Shards))
		}
	}
	return out
}

// MismatchError is a merge refused because its inputs do not belong
// together: different suites or plans, different shard counts, samples
// that are not in the plan or not in the shard that holds them.
type MismatchError struct {
	Problems []string
}

func (e *MismatchError) Error() string {
	const most = 20
	ps := e.Problems
	more := ""
	if len(ps) > most {
		more = fmt.Sprintf("\n  ... and %d more", len(ps)-most)
		ps = ps[:most]
	}
	return fmt.Sprintf("refusing to merge: %d problem(s):\n  %s%s", len(e.Problems), strings.Join(ps, "\n  "), more)
}

// partialMessage says what a partial merged run lacks.
func partialMessage(missing []Missing, byShard []int, n int) string {
	if len(missing) == 0 {
		return ""
	}
	var parts []string
	for s, c := range byShard {
		if c > 0 {
			parts = append(parts, fmt.Sprintf("shard %d/%d: %d", s, n, c))
		}
	}
	return fmt.Sprintf("merged with --allow-partial: %d samples missing (%s); rerun those shards and merge again", len(missing), strings.Join(parts, ", "))
}
