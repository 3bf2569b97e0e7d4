// Package replay is the "replay" runner: it answers from a previous run's
// samples.jsonl instead of a model, so tasks can be re-scored (a new
// extractor, a fixed scorer) without paying for generation again.
//
// Samples are found by their RequestHash, the runners.Request.Hash() of
// the request the executor sent. The hash includes the seed, into which
// the executor puts the repeat index, so repeats stay distinct. The
// replayed response carries the recorded text, reasoning, finish reason,
// model, usage and timing; it sends nothing, so Attempts is 0.
//
// Only an index is held (each request hash's line in the file, its offset
// and length); a response is read back from the file when it is asked
// for, so replaying a run of a million samples takes tens of megabytes,
// not the gigabytes its responses fill.
//
// A sample whose request failed in the old run replays as the same
// failure: a *runners.RequestError of the recorded class, never a wrong
// answer. Its error says it is permanent, so retry middleware does not
// wait for the recording to change. A request the old run never sent
// (another task version, other parameters) is a client error naming the
// hash; nothing is made up.
package replay

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
)

// Kind registers the runner.
var Kind = runners.Kind{
	Name:        "replay",
	Help:        "answers from a previous run's samples.jsonl, matched by request hash, to re-score without generating again",
	Params:      specs,
	Concurrency: runtime.GOMAXPROCS(0),
	New:         New,
}

var specs = []params.Spec{
	{Name: "from", Kind: params.String, Help: "run directory, or samples.jsonl file, to replay (required)"},
	{Name: "runner", Kind: params.String, Help: "which runner's samples to replay; required when the run has more than one"},
}

// Runner serves recorded responses. It is safe for concurrent use: after
// New it only reads.
type Runner struct {
	name   string
	path   string // absolute path of the samples file
	file   *os.File
	runner string // the replayed runner's name in the old run
	model  string
	byHash map[string]line
}

// line is where a recorded sample lies in the samples file.
type line struct {
	off    int64
	n      int
	failed bool // the old request failed (requestFailed)
}

var (
	_ runners.Runner     = (*Runner)(nil)
	_ runners.Identifier = (*Runner)(nil)
	_ runners.Modeler    = (*Runner)(nil)
	_ runners.Closer     = (*Runner)(nil)
)

// New reads the recorded samples and indexes those of the chosen runner.
func New(name string, p params.Values) (runners.Runner, error) {
	var errs []error
	for _, s := range specs {
		if p.Has(s.Name) {
			if _, ok := p[s.Name].(string); !ok {
				errs = append(errs, fmt.Errorf("%s wants a string, got %v", s.Name, p[s.Name]))
			}
		}
	}
	from := p.String("from")
	if from == "" {
		errs = append(errs, errors.New("from is required: the run directory or samples.jsonl to replay"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}

	path, err := samplesPath(from)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if name == "" {
		name = "replay"
	}
	r := &Runner{name: name, path: path, file: f, byHash: map[string]line{}}
	if err := r.index(p.String("runner")); err != nil {
		f.Close()
		return nil, fmt.Errorf("replay: %w", err)
	}
	return r, nil
}

// index reads the file once, noting the runners it holds and where each
// of the chosen runner's requests is answered. With want empty the file
// must hold one runner; the others' samples are skipped, not kept.
func (r *Runner) index(want string) error {
	seen := map[string]bool{}
	err := results.ScanSamplesAt(r.file, r.path, func(s results.Sample, off int64, n int) error {
		seen[s.Runner] = true
		target := want
		if target == "" {
			if r.runner == "" {
				r.runner = s.Runner // the first runner met; chooseRunner refuses a second
			}
			target = r.runner
		}
		if s.Runner != target || s.RequestHash == "" {
			return nil
		}
		if r.model == "" {
			r.model = s.Model
		}
		// The same request can appear twice (a task shared by two cells, a
		// duplicate left by a broken resume): any recorded answer answers it,
		// and an answer is preferred to a failure.
		failed := requestFailed(s)
		if old, ok := r.byHash[s.RequestHash]; ok && !(old.failed && !failed) {
			return nil
		}
		r.byHash[s.RequestHash] = line{off, n, failed}
		return nil
	})
	if err != nil {
		return err
	}
	which, err := chooseRunner(seen, want, r.path)
	if err != nil {
		return err
	}
	r.runner = which
	return nil
}

// samplesPath resolves from (a run directory or a samples file) to the
// absolute path of a samples file that exists.
func samplesPath(from string) (string, error) {
	abs, err := filepath.Abs(from)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		abs = filepath.Join(abs, results.SamplesFile)
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("%s has no %s to replay: %w", from, results.SamplesFile, err)
		}
	}
	return abs, nil
}

// chooseRunner returns want if the samples have it, or the only runner
// when want is empty; otherwise an error listing the runners there are.
func chooseRunner(seen map[string]bool, want, path string) (string, error) {
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	switch {
	case len(names) == 0:
		return "", fmt.Errorf("%s has no samples", path)
	case want != "" && seen[want]:
		return want, nil
	case want != "":
		return "", fmt.Errorf("%s has no samples of runner %q; it has %s", path, want, strings.Join(names, ", "))
	case len(names) > 1:
		return "", fmt.Errorf("%s has samples of %d runners; choose one with runner=: %s", path, len(names), strings.Join(names, ", "))
	}
	return names[0], nil
}

// requestFailed reports whether the old run got no usable response. A
// scorer error is not one: the response was fine and is worth re-scoring.
func requestFailed(s results.Sample) bool {
	return s.ErrorKind == results.ErrRequest || (s.ErrorKind == "" && s.Error != "")
}

// Name is the runner's name in the suite.
func (r *Runner) Name() string { return r.name }

// Model is the model the replayed runner recorded.
func (r *Runner) Model() string { return r.model }

// Identity names the recording: its file and runner.
func (r *Runner) Identity() string { return "replay:" + r.path + "|" + r.runner }

// Len is the number of distinct requests that can be replayed.
func (r *Runner) Len() int { return len(r.byHash) }

// Close lets go of the samples file.
func (r *Runner) Close() error { return r.file.Close() }

// Generate returns the recorded response to req.
func (r *Runner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	if err := ctx.Err(); err != nil {
		return runners.Response{}, err
	}
	hash := req.Hash()
	at, ok := r.byHash[hash]
	if !ok {
		return runners.Response{}, &runners.RequestError{
			Class: runners.ClassClient,
			Err:   fmt.Errorf("no recorded response for request %s from runner %q in %s", hash, r.runner, r.path),
		}
	}
	s, err := results.ReadSampleAt(r.file, at.off, at.n)
	if err != nil || s.RequestHash != hash {
		return runners.Response{}, &runners.RequestError{
			Class: runners.ClassClient,
			Err:   fmt.Errorf("%s changed since the replay began (request %s no longer where it was: %v)", r.path, hash, err),
		}
	}
	if requestFailed(s) {
		return runners.Response{}, &runners.RequestError{
			Class: errorClass(s.ErrorClass),
			Err:   &replayedError{msg: s.Error},
		}
	}
	return runners.Response{
		Text:         s.Response,
		Reasoning:    s.Reasoning,
		FinishReason: s.FinishReason,
		Model:        s.Model,
		Usage:        s.Usage,
		Timing: runners.Timing{
			Send:       s.Timing.Send,
			FirstToken: s.Timing.FirstToken,
			End:        s.Timing.End,
		},
	}, nil
}

// errorClass maps a recorded class back; an unknown one is ClassOther.
func errorClass(s string) runners.ErrorClass {
	switch c := runners.ErrorClass(s); c {
	case runners.ClassRateLimit, runners.ClassServer, runners.ClassTimeout, runners.ClassConnection,
		runners.ClassProtocol, runners.ClassClient, runners.ClassEngine, runners.ClassOther:
		return c
	}
	return runners.ClassOther
}

// replayedError is a failure read back from a recording. It is permanent
// (see middleware.IsPermanent): retrying replays the same failure.
type replayedError struct{ msg string }

func (e *replayedError) Error() string {
	if e.msg == "" {
		return "replayed failure"
	}
	return "replayed: " + e.msg
}

// Permanent reports that another attempt cannot change the error.
func (e *replayedError) Permanent() bool { return true }
