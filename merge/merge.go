// Package merge joins the shards of a run (see package shard) into one
// run, as if a single process had run the whole plan.
//
// Dirs merges shard run directories into a new one: run.json and
// samples.jsonl, to which the caller's Render adds report.md and
// summary.txt (the command renders them as `engrambench report` does). It
// refuses shards of different suites or plans, finds every sample of the
// plan that no shard delivered, drops a sample seen twice (two processes
// run for one shard by mistake) and reports the copies that disagree.
// FromStore does the same checks for a run whose shards wrote into one run
// id of a shared history store. StoreSink is what a shard uses to write
// there.
//
// Dirs streams: a million samples in 16 shards merge in seconds and in
// memory for their keys only, since each samples.jsonl is read line by
// line, then copied line by line.
//
// Steps of Dirs, in order:
//
//  1. read each run.json; refuse when suites, plans (but for the shard) or
//     shard counts differ, and order the inputs by shard, then start;
//  2. rebuild the plan and count its samples per shard, without generating
//     an instance (execute.Units);
//  3. read every samples.jsonl, the shards in parallel: place each sample
//     in the plan, check it belongs to its shard, drop exact duplicates,
//     note conflicting ones;
//  4. list the plan's samples no shard delivered; fail with the list
//     unless partial merges are allowed;
//  5. write samples.jsonl (the kept lines, with the merged run's id) and
//     run.json into a hidden directory, render, and rename it into place.
package merge

import (
	"errors"
	"hash/fnv"
	"math"
	"runtime"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/suites"
)

// Options tune a merge.
type Options struct {
	// Catalog rebuilds the plan from run.json; required.
	Catalog suites.Catalog
	// AllowPartial merges even when samples are missing; the merged run
	// is then partial and says what it lacks.
	AllowPartial bool
	// Workers read shards in parallel; 0 for GOMAXPROCS.
	Workers int
	// Render, when set, writes the report files into the merged run's
	// directory (run.json and samples.jsonl written) before it appears
	// under its name.
	Render func(dir string) error
	// Listed caps the missing keys a MissingError's message lists (all
	// are in the error's Missing); 0 for 1000.
	Listed int
}

func (o *Options) defaults() error {
	if len(o.Catalog.Runners) == 0 && len(o.Catalog.Sets) == 0 {
		return errors.New("merge: no catalog")
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Listed <= 0 {
		o.Listed = 1000
	}
	return nil
}

// Result is what a merge did.
type Result struct {
	Dir     string      // the merged run directory ("" for FromStore)
	Run     results.Run // the merged run's record
	Missing []Missing   // samples no shard delivered (only with AllowPartial)
	// Duplicates counts samples seen again with the same outcome (two
	// processes ran one shard); one copy was kept.
	Duplicates int
	// Conflicts are keys seen again with another outcome; the copy of the
	// earliest-started shard run was kept.
	Conflicts []string
	// Warnings are things worth a look that did not stop the merge.
	Warnings []string
}

// sampleFields is the part of a samples.jsonl line a merge reads.
type sampleFields struct {
	Key          string   `json:"key"`
	RunID        string   `json:"run_id"`
	Runner       string   `json:"runner"`
	Set          string   `json:"set"`
	Task         string   `json:"task"`
	Cell         string   `json:"cell"`
	InstanceID   string   `json:"instance_id"`
	Repeat       int      `json:"repeat"`
	Response     string   `json:"response"`
	FinishReason string   `json:"finish_reason"`
	Extracted    string   `json:"extracted"`
	Score        *float64 `json:"score"`
	Error        string   `json:"error"`
	ErrorKind    string   `json:"error_kind"`
}

// outcome fingerprints what a sample says about the model, not when it
// ran: two copies of a sample from a deterministic runner agree here and
// differ only in their timings.
func (s *sampleFields) outcome() uint64 {
	h := fnv.New64a()
	var b [9]byte
	if s.Score != nil {
		b[0] = 1
		bits := math.Float64bits(*s.Score)
		for i := range 8 {
			b[1+i] = byte(bits >> (8 * i))
		}
	}
	h.Write(b[:])
	for _, x := range []string{s.ErrorKind, s.Error, s.Extracted, s.FinishReason, s.Response} {
		h.Write([]byte(x))
		h.Write([]byte{0})
	}
	return h.Sum64()
}
