package merge

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/engrambench/engrambench/execute"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/suites"
)

// input is one shard run directory being merged.
type input struct {
	dir  string
	run  results.Run
	sh   shard.Shard // {0, 1} for an unsharded run
	scan fileScan
}

// fileScan is what reading an input's samples.jsonl found.
type fileScan struct {
	valid int64        // bytes of whole lines read; a torn last line is left out
	drop  map[int]bool // lines (from 0) not copied: duplicates and blank lines
	kept  int
}

// Dirs merges the shard run directories dirs into a new run directory out,
// which must not exist or be empty. See the package comment for the steps.
// A *MismatchError refuses inputs that do not belong together; a
// *MissingError lists what is missing when o.AllowPartial is not set.
// Nothing is written unless the merge succeeds.
func Dirs(ctx context.Context, dirs []string, out string, o Options) (Result, error) {
	if err := o.defaults(); err != nil {
		return Result{}, err
	}
	if len(dirs) == 0 {
		return Result{}, errors.New("merge: no run directories")
	}
	if err := checkOut(out); err != nil {
		return Result{}, err
	}
	ins, res, err := readInputs(dirs)
	if err != nil {
		return res, err
	}
	n := ins[0].sh.N
	whole := ins[0].run
	whole.Plan.Shard = shard.Shard{}
	plan, err := suites.FromRecord(whole, o.Catalog)
	if err != nil {
		return res, err
	}
	units, err := execute.Units(ctx, plan)
	if err != nil {
		return res, err
	}
	var problems []string
	for _, in := range ins {
		if want := shard.Count(units, in.run.Plan.Shard); in.run.Expected != want {
			problems = append(problems, fmt.Sprintf("%s: run.json expects %d samples, but this build counts %d for shard %s of the plan (was it made by another engrambench?)", in.dir, in.run.Expected, want, orWhole(in.sh)))
		}
	}
	if len(problems) > 0 {
		return res, &MismatchError{Problems: problems}
	}
	chk := newChecker(units, n)

	// Step 3: the inputs of one shard go to one worker, which alone sees
	// their keys; shards run in parallel.
	byShard := map[int][]*input{}
	var order []int
	for _, in := range ins {
		if _, ok := byShard[in.sh.I]; !ok {
			order = append(order, in.sh.I)
		}
		byShard[in.sh.I] = append(byShard[in.sh.I], in)
	}
	type outcome struct {
		dups      int
		conflicts []string
		problems  []string
		err       error
	}
	outcomes := make([]outcome, len(order))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(o.Workers, len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				oc := &outcomes[j]
				seen := map[string]uint64{}
				for _, in := range byShard[order[j]] {
					if err := scanInput(ctx, in, chk, seen, &oc.dups, &oc.conflicts, &oc.problems); err != nil {
						oc.err = err
						break
					}
				}
			}
		}()
	}
	for j := range order {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	for _, oc := range outcomes {
		if oc.err != nil {
			return res, oc.err
		}
		problems = append(problems, oc.problems...)
		res.Duplicates += oc.dups
		res.Conflicts = append(res.Conflicts, oc.conflicts...)
	}
	if len(problems) > 0 {
		return res, &MismatchError{Problems: problems}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}

	// Step 4.
	missing, perShard := chk.missing()
	run := mergedRun(ins, chk.total, n)
	if len(missing) > 0 {
		if !o.AllowPartial {
			return res, &MissingError{RunID: run.ID, Expected: chk.total, Shards: n, Missing: missing, ByShard: perShard, Listed: o.Listed}
		}
		res.Missing = missing
		run.Status = results.StatusPartial
		run.Message = partialMessage(missing, perShard, n)
	}
	if res.Duplicates > 0 || len(res.Conflicts) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d duplicate samples dropped (a shard run twice?), %d of them with another outcome than the copy kept", res.Duplicates+len(res.Conflicts), len(res.Conflicts)))
	}
	for _, in := range ins {
		run.Finished += in.scan.kept
		run.ShardRuns = append(run.ShardRuns, results.ShardRun{
			Shard: in.sh, RunID: in.run.ID, Dir: in.dir, Hostname: in.run.Host.Hostname, Status: in.run.Status,
			Start: in.run.Start, End: in.run.End, Samples: in.scan.kept,
		})
	}
	res.Run = run

	// Step 5.
	dir, err := writeMerged(out, ins, run, o.Render)
	res.Dir = dir
	return res, err
}

func orWhole(s shard.Shard) string {
	if s.N <= 1 {
		return "(whole plan)"
	}
	return s.String()
}

// checkOut accepts a directory that does not exist or is empty.
func checkOut(out string) error {
	entries, err := os.ReadDir(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", out, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("--out %s exists and is not empty; merge writes a new run directory", out)
	}
	return nil
}

// readInputs reads every run.json, checks that they belong together and
// orders them by shard, then start, then directory.
func readInputs(dirs []string) ([]*input, Result, error) {
	var res Result
	var problems []string
	var ins []*input
	for _, d := range dirs {
		run, err := results.ReadRun(d)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		sh := run.Plan.Shard
		if sh.Whole() {
			sh = shard.Shard{I: 0, N: 1}
		}
		ins = append(ins, &input{dir: d, run: run, sh: sh})
	}
	if len(problems) > 0 {
		return nil, res, &MismatchError{Problems: problems}
	}
	slices.SortStableFunc(ins, func(a, b *input) int {
		return cmp.Or(cmp.Compare(a.sh.I, b.sh.I), a.run.Start.Compare(b.run.Start), cmp.Compare(a.dir, b.dir))
	})
	first := ins[0]
	want := planKey(first.run.Plan)
	seen := map[int][]string{}
	for _, in := range ins {
		r := in.run
		switch {
		case r.Plan.Serving != nil:
			problems = append(problems, fmt.Sprintf("%s is a load test; load tests are not sharded or merged", in.dir))
			continue
		case r.Suite != first.run.Suite:
			problems = append(problems, fmt.Sprintf("%s is a run of suite %s, %s one of %s", in.dir, r.Suite, first.dir, first.run.Suite))
			continue
		case in.sh.N != first.sh.N:
			problems = append(problems, fmt.Sprintf("%s is shard %s, %s shard %s: shards of different splits of a plan do not merge", in.dir, orWhole(in.sh), first.dir, orWhole(first.sh)))
			continue
		}
		if got := planKey(r.Plan); !bytes.Equal(got, want) {
			problems = append(problems, fmt.Sprintf("%s has another plan than %s: %s", in.dir, first.dir, planDiff(first.run.Plan, r.Plan)))
			continue
		}
		seen[in.sh.I] = append(seen[in.sh.I], in.dir)
		if r.Version != first.run.Version || r.Commit != first.run.Commit {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s was made by engrambench %s %s, %s by %s %s", in.dir, r.Version, r.Commit, first.dir, first.run.Version, first.run.Commit))
		}
		if r.Status != results.StatusComplete {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s (shard %s) ended %s: %s", in.dir, orWhole(in.sh), r.Status, orNone(r.Message)))
		}
	}
	if len(problems) > 0 {
		return nil, res, &MismatchError{Problems: problems}
	}
	for i := range first.sh.N {
		if ds := seen[i]; len(ds) > 1 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("shard %s is given %d times (%s); a sample they share counts once", orWhole(shard.Shard{I: i, N: first.sh.N}), len(ds), strings.Join(ds, ", ")))
		}
	}
	return ins, res, nil
}

func orNone(s string) string {
	if s == "" {
		return "no message"
	}
	return s
}

// planKey is a plan's JSON without its shard: what shards of one plan
// share.
func planKey(p results.Plan) []byte {
	p.Shard = shard.Shard{}
	b, _ := json.Marshal(p)
	return b
}

// planDiff names the parts in which two plans differ.
func planDiff(a, b results.Plan) string {
	var parts []string
	j := func(v any) string { x, _ := json.Marshal(v); return string(x) }
	if j(a.Runners) != j(b.Runners) {
		parts = append(parts, fmt.Sprintf("runners %s vs %s", j(a.Runners), j(b.Runners)))
	}
	if j(a.Tasks) != j(b.Tasks) {
		for i := range max(len(a.Tasks), len(b.Tasks)) {
			var x, y any
			if i < len(a.Tasks) {
				x = a.Tasks[i]
			}
			if i < len(b.Tasks) {
				y = b.Tasks[i]
			}
			if j(x) != j(y) {
				parts = append(parts, fmt.Sprintf("task entry %d %s vs %s", i+1, j(x), j(y)))
			}
		}
	}
	if a.Limit != b.Limit {
		parts = append(parts, fmt.Sprintf("limit %d vs %d", a.Limit, b.Limit))
	}
	if a.Budget != b.Budget {
		parts = append(parts, fmt.Sprintf("budget %s vs %s", j(a.Budget), j(b.Budget)))
	}
	if len(parts) == 0 {
		return "they differ"
	}
	return strings.Join(parts, "; ")
}

// scanInput reads one input's samples.jsonl (step 3).
func scanInput(ctx context.Context, in *input, chk *checker, seen map[string]uint64, dups *int, conflicts, problems *[]string) error {
	in.scan.drop = map[int]bool{}
	path := filepath.Join(in.dir, results.SamplesFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // killed before its first sample
	}
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var (
		sf   sampleFields
		long []byte
	)
	for line := 0; ; line++ {
		if line%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				b, err = br.ReadSlice('\n')
				long = append(long, b...)
			}
			b = long
		}
		if err == io.EOF {
			return nil // a torn last line (no newline) is not a sample
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		in.scan.valid += int64(len(b))
		t := bytes.TrimSpace(b)
		if len(t) == 0 {
			in.scan.drop[line] = true
			continue
		}
		sf = sampleFields{}
		if err := json.Unmarshal(t, &sf); err != nil {
			return fmt.Errorf("%s:%d: malformed sample: %w", path, line+1, err)
		}
		where := func() string { return fmt.Sprintf("%s:%d", path, line+1) }
		switch {
		case sf.Key == "":
			*problems = append(*problems, where()+": sample has no key")
			continue
		case sf.RunID != in.run.ID:
			*problems = append(*problems, fmt.Sprintf("%s: sample %s belongs to run %s, not %s", where(), sf.Key, sf.RunID, in.run.ID))
			continue
		}
		sh, first, err := chk.place(sf.Runner, sf.Cell, sf.InstanceID, sf.Repeat)
		if err != nil {
			*problems = append(*problems, fmt.Sprintf("%s: sample %s: %v", where(), sf.Key, err))
			continue
		}
		if sh != in.sh.I {
			*problems = append(*problems, fmt.Sprintf("%s: sample %s belongs to shard %d/%d, not %s", where(), sf.Key, sh, in.sh.N, in.sh))
			continue
		}
		fp := sf.outcome()
		if prev, ok := seen[sf.Key]; ok {
			in.scan.drop[line] = true
			if prev == fp {
				*dups++
			} else {
				*conflicts = append(*conflicts, sf.Key)
			}
			continue
		}
		if !first {
			*problems = append(*problems, fmt.Sprintf("%s: sample %s is a second sample for instance %d of its cell with another instance id: the shards' task generators differ", where(), sf.Key, must(shard.IndexOf(sf.InstanceID, sf.Cell))))
			continue
		}
		seen[sf.Key] = fp
		in.scan.kept++
	}
}

func must(i int, _ error) int { return i }

// mergedRun builds the merged run's record from its inputs: the first
// shard's, whose build, host and probe it keeps (the shard runs, with
// their hosts, are listed in ShardRuns), with what covers all shards put
// together: the whole plan, the earliest start, the latest end, the
// engines' figures added up.
func mergedRun(ins []*input, expected, n int) results.Run {
	first := ins[0].run
	run := first
	run.Expected, run.Finished = expected, 0
	run.Status, run.Message, run.Stopped = results.StatusComplete, "", ""
	run.Resumed, run.End, run.Engines, run.Serving = nil, time.Time{}, nil, nil
	run.Shards, run.ShardRuns = 0, nil
	run.Plan.Shard = shard.Shard{}
	if n > 1 {
		run.Shards = n
	}
	ids := map[string]bool{}
	ended := true
	for _, in := range ins {
		ids[in.run.ID] = true
		if in.run.Start.Before(run.Start) {
			run.Start = in.run.Start
		}
		if in.run.End.IsZero() {
			ended = false
		}
		if in.run.End.After(run.End) {
			run.End = in.run.End
		}
		for name, e := range in.run.Engines {
			if run.Engines == nil {
				run.Engines = map[string]runners.EngineStats{}
			}
			run.Engines[name] = addEngine(run.Engines[name], e)
		}
	}
	if !ended {
		run.End = time.Time{}
	}
	if len(ids) == 1 {
		run.ID = first.ID // the shards shared a run id (run --run-id)
	} else {
		// Merging the same shard runs again gives the same id.
		h := sha256.New()
		for _, id := range slices.Sorted(maps.Keys(ids)) {
			h.Write([]byte(id + "\n"))
		}
		run.ID = fmt.Sprintf("%s-%s-%s", first.Suite, run.Start.UTC().Format("20060102T150405Z"), hex.EncodeToString(h.Sum(nil)[:3]))
	}
	return run
}

// addEngine sums two shards' engine figures: wall time and cost add up,
// the peak is the larger, the mean is weighted by samples.
func addEngine(a, b runners.EngineStats) runners.EngineStats {
	out := a
	if out.Command == "" {
		out.Command = b.Command
	}
	out.WallSeconds += b.WallSeconds
	out.CostUSD += b.CostUSD
	out.PeakRSSBytes = max(a.PeakRSSBytes, b.PeakRSSBytes)
	if n := a.RSSSamples + b.RSSSamples; n > 0 {
		out.MeanRSSBytes = (a.MeanRSSBytes*float64(a.RSSSamples) + b.MeanRSSBytes*float64(b.RSSSamples)) / float64(n)
		out.RSSSamples = n
	}
	return out
}

// writeMerged writes samples.jsonl and run.json into a hidden directory
// beside out, lets render add to it, and renames it to out.
func writeMerged(out string, ins []*input, run results.Run, render func(dir string) error) (string, error) {
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".merge-")
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := copySamples(filepath.Join(tmp, results.SamplesFile), ins, run.ID); err != nil {
		return "", err
	}
	if err := results.WriteRun(tmp, run); err != nil {
		return "", err
	}
	if render != nil {
		if err := render(tmp); err != nil {
			return "", err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	// rename(2) replaces an empty directory; checkOut allowed only that.
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("--out %s: %w", out, err)
	}
	ok = true
	return out, nil
}

// copySamples writes the kept lines of every input, in order, with the
// merged run's id.
func copySamples(path string, ins []*input, runID string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = func() error {
		for _, in := range ins {
			if err := copyInput(w, in, runID); err != nil {
				return err
			}
		}
		return w.Flush()
	}()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func copyInput(w *bufio.Writer, in *input, runID string) error {
	if in.scan.valid == 0 {
		return nil
	}
	f, err := os.Open(filepath.Join(in.dir, results.SamplesFile))
	if err != nil {
		return err
	}
	defer f.Close()
	var oldID, newID []byte
	if in.run.ID != runID {
		o, _ := json.Marshal(in.run.ID)
		n, _ := json.Marshal(runID)
		oldID = append([]byte(`"run_id":`), o...)
		newID = append([]byte(`"run_id":`), n...)
	}
	br := bufio.NewReaderSize(io.LimitReader(f, in.scan.valid), 1<<20)
	for line := 0; ; line++ {
		b, err := br.ReadBytes('\n')
		if err == io.EOF && len(b) == 0 {
			return nil
		}
		if err != nil && err != io.EOF {
			return err
		}
		if in.scan.drop[line] {
			continue
		}
		if oldID != nil {
			if b, err = withRunID(b, oldID, newID, runID); err != nil {
				return fmt.Errorf("%s:%d: %w", filepath.Join(in.dir, results.SamplesFile), line+1, err)
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
}

// withRunID gives a samples.jsonl line another run id. The writer puts
// run_id right after key, so the first "run_id": is the sample's own; a
// line written otherwise is decoded and encoded again.
func withRunID(line, oldID, newID []byte, runID string) ([]byte, error) {
	if i := bytes.Index(line, oldID); i >= 0 {
		out := make([]byte, 0, len(line)+len(newID)-len(oldID))
		out = append(out, line[:i]...)
		out = append(out, newID...)
		return append(out, line[i+len(oldID):]...), nil
	}
	var s results.Sample
	if err := json.Unmarshal(line, &s); err != nil {
		return nil, err
	}
	s.RunID = runID
	b, err := json.Marshal(s)
	return append(b, '\n'), err
}
