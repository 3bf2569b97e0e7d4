package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// RunFile is the name of the run record in a run directory.
const RunFile = "run.json"

// WriteRun writes run.json atomically: a reader (or a resume after a kill)
// sees the old record or the new one, never half of either.
func WriteRun(dir string, r Run) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, RunFile), append(b, '\n'))
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// ReadRun reads run.json from a run directory.
func ReadRun(dir string) (Run, error) {
	var r Run
	b, err := os.ReadFile(filepath.Join(dir, RunFile))
	if errors.Is(err, os.ErrNotExist) {
		return r, fmt.Errorf("%s is not a run directory: it has no %s", dir, RunFile)
	}
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", filepath.Join(dir, RunFile), err)
	}
	if r.ID == "" {
		return r, fmt.Errorf("%s: no run id", filepath.Join(dir, RunFile))
	}
	return r, nil
}

// ReadRunDir reads run.json and samples.jsonl. A missing samples file means
// no sample finished yet.
func ReadRunDir(dir string) (Run, []Sample, error) {
	r, err := ReadRun(dir)
	if err != nil {
		return r, nil, err
	}
	samples, err := ReadSamples(filepath.Join(dir, SamplesFile))
	if errors.Is(err, os.ErrNotExist) {
		return r, nil, nil
	}
	return r, samples, err
}

// ScanRunSamples calls fn with each sample of the run directory dir in
// turn, holding one at a time, with ScanSamples' rules; a directory without
// samples.jsonl has none.
func ScanRunSamples(dir string, fn func(Sample) error) error {
	path := filepath.Join(dir, SamplesFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return ScanSamples(f, path, fn)
}

// Dedupe keeps the first sample of each key; a key seen twice means a
// broken resume, so the duplicates are returned for the caller to report.
// It works in place: kept shares samples' backing array.
func Dedupe(samples []Sample) (kept []Sample, dups []string) {
	return dedupe(samples, func(s *Sample) string { return s.Key })
}

// DedupeBriefs is Dedupe for Briefs.
func DedupeBriefs(briefs []Brief) (kept []Brief, dups []string) {
	return dedupe(briefs, func(b *Brief) string { return b.Key })
}

func dedupe[T any](xs []T, key func(*T) string) (kept []T, dups []string) {
	seen := make(map[string]struct{}, len(xs))
	kept = xs[:0]
	for i := range xs {
		k := key(&xs[i])
		if _, ok := seen[k]; ok {
			dups = append(dups, k)
			continue
		}
		seen[k] = struct{}{}
		kept = append(kept, xs[i])
	}
	return kept, dups
}
