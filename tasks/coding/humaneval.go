package coding

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/engrambench/engrambench/datasets"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
)

// HumanEvalName is the task set's name; HumanEvalDirEnv names a data
// directory when data_dir is not given.
const (
	HumanEvalName    = "humaneval"
	HumanEvalDirEnv  = "ENGRAMBENCH_HUMANEVAL_DIR"
	HumanEvalRecords = 164
)

// HumanEvalRecord is one line of HumanEval.jsonl (FACTS.md §4).
type HumanEvalRecord struct {
	TaskID            string `json:"task_id"`
	Prompt            string `json:"prompt"`
	CanonicalSolution string `json:"canonical_solution"`
	Test              string `json:"test"`
	EntryPoint        string `json:"entry_point"`
}

// LoadHumanEval reads HumanEval records from a .jsonl or .jsonl.gz file.
func LoadHumanEval(path string) ([]HumanEvalRecord, error) {
	var out []HumanEvalRecord
	seen := map[string]bool{}
	err := readJSONL(path, func(_ int, raw []byte) error {
		var r HumanEvalRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		var missing []string
		for name, v := range map[string]string{"task_id": r.TaskID, "prompt": r.Prompt, "test": r.Test, "entry_point": r.EntryPoint} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("record without %s", strings.Join(missing, ", "))
		}
		if seen[r.TaskID] {
			return fmt.Errorf("task_id %s appears twice", r.TaskID)
		}
		seen[r.TaskID] = true
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no records", path)
	}
	return out, nil
}

// HumanEvalFile finds the data file under dir (a clone of openai/human-eval,
// a directory holding the file, or the file itself).
func HumanEvalFile(dir string) (string, error) {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return dir, nil
	}
	for _, rel := range []string{"data/HumanEval.jsonl.gz", "data/HumanEval.jsonl", "HumanEval.jsonl.gz", "HumanEval.jsonl"} {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no data/HumanEval.jsonl.gz (or .jsonl) under %s: %w", dir, datasets.ErrMissing)
}

// dataFile finds a data file: data_dir itself when it is a file, else the
// first of names under it, else (names empty) its only .jsonl or
// .jsonl.gz file. No data_dir, or nothing found, matches
// datasets.ErrMissing, so checking every set skips this one.
func dataFile(set, dataDir string, names []string) (string, error) {
	if dataDir == "" {
		return "", fmt.Errorf("%s: set data_dir to the data file (engrambench does not ship it): %w", set, datasets.ErrMissing)
	}
	fi, err := os.Stat(dataDir)
	if err != nil {
		return "", fmt.Errorf("%s: %v: %w", set, err, datasets.ErrMissing)
	}
	if !fi.IsDir() {
		return dataDir, nil
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dataDir, n)); err == nil {
			return filepath.Join(dataDir, n), nil
		}
	}
	if len(names) == 0 {
		var found []string
		for _, pat := range []string{"*.jsonl", "*.jsonl.gz"} {
			m, _ := filepath.Glob(filepath.Join(dataDir, pat))
			found = append(found, m...)
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) > 1 {
			return "", fmt.Errorf("%s: %d data files in %s; name one in data_dir", set, len(found), dataDir)
		}
	}
	return "", fmt.Errorf("%s: no data file in %s: %w", set, dataDir, datasets.ErrMissing)
}

// LocateHumanEval finds the data file: data_dir, else $ENGRAMBENCH_HUMANEVAL_DIR,
// else the verified cache that `engrambench datasets pull humaneval` fills.
func LocateHumanEval(dataDir string) (string, error) {
	if dataDir != "" {
		if fi, err := os.Stat(dataDir); err == nil && !fi.IsDir() {
			return dataDir, nil
		}
	}
	dir, err := datasets.Locate(HumanEvalName, dataDir, HumanEvalDirEnv)
	if err != nil {
		return "", err
	}
	return HumanEvalFile(dir)
}

type humanEvalSet struct{}

// NewHumanEval returns the "humaneval" task set: the official 164
// problems, run in the sandbox (data: `engrambench datasets pull
// humaneval`, or data_dir).
func NewHumanEval() tasks.TaskSet { return humanEvalSet{} }

var (
	_ tasks.TaskSet     = humanEvalSet{}
	_ tasks.SelfChecker = humanEvalSet{}
)

func (humanEvalSet) Name() string { return HumanEvalName }

func (humanEvalSet) Help() string {
	return "HumanEval, the official 164 Python problems (data: `engrambench datasets pull humaneval`, or data_dir), run against their hidden tests in the sandbox; pass@k over the samples"
}

func (humanEvalSet) Params() []params.Spec {
	return append([]params.Spec{
		{Name: "n", Kind: params.Int, Default: HumanEvalRecords, Min: params.AtLeast(1), Help: "the first n problems"},
		tasks.FormSpec("chat: ask for the whole function in a code block; completion: the raw prompt, continued (stop sequences as in HumanEval)"),
		{Name: "max_tokens", Kind: params.Int, Default: 1024, Min: params.AtLeast(1), Help: "generation budget per answer"},
		{Name: "data_dir", Kind: params.String, Default: "", Help: "a human-eval clone, a directory with HumanEval.jsonl(.gz), or the file (default $" + HumanEvalDirEnv + ", else the cache `engrambench datasets pull humaneval` fills)"},
	}, runParams("python", 4)...)
}

func (humanEvalSet) Scorer() tasks.Scorer { return scorer{} }

// humanEvalCache keeps parsed data files by path.
var humanEvalCache sync.Map

func loadHumanEvalCached(path string) ([]HumanEvalRecord, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%d|%d", path, fi.Size(), fi.ModTime().UnixNano())
	if v, ok := humanEvalCache.Load(key); ok {
		return v.([]HumanEvalRecord), nil
	}
	recs, err := LoadHumanEval(path)
	if err != nil {
		return nil, err
	}
	humanEvalCache.Store(key, recs)
	return recs, nil
}

// humanEvalProblem makes a problem of a record in a form.
func humanEvalProblem(r HumanEvalRecord, form string, maxTokens int) *problem {
	p := &problem{
		task: HumanEvalName, name: r.TaskID, lang: "python",
		request: functionRequest("python", form, r.Prompt, pyStops, maxTokens),
		answers: []string{r.CanonicalSolution},
		build:   pythonFunction(r.Prompt, r.EntryPoint, r.Test),
	}
	if form == tasks.FormCompletion {
		p.reference = r.CanonicalSolution
	} else {
		p.reference = fenced("python", r.Prompt+r.CanonicalSolution)
	}
	return p
}

func (s humanEvalSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		v := withDefaults(s, p)
		path, err := LocateHumanEval(v.String("data_dir"))
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		recs, err := loadHumanEvalCached(path)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		pol := policyOf(v)
		form := v.String("form")
		labels := map[string]string{"form": form}
		for i, r := range recs {
			if i >= v.Int("n") || ctx.Err() != nil {
				return
			}
			pr := humanEvalProblem(r, form, v.Int("max_tokens"))
			if !yield(instance(HumanEvalName, pr, labels, i, int64(v.Int("seed")), v.Float("temperature"), pol), nil) {
				return
			}
		}
	}
}

// SelfCheck runs every reference solution and every bare prompt (an empty
// completion) through the sandbox and counts the outcome classes.
func (s humanEvalSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	return sandboxCheck(ctx, s, p)
}
