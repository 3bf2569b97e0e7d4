package coding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"strings"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
)

// MultiPLEGoName is the task set's name.
const MultiPLEGoName = "multipl-e-go"

// MultiPLERecord is one line of a MultiPL-E JSONL file (FACTS.md §4). The
// official files carry no solutions; CanonicalSolution (a completion of
// the prompt) is read when a file has one, so references can be checked.
type MultiPLERecord struct {
	Name              string   `json:"name"`
	Language          string   `json:"language"`
	Prompt            string   `json:"prompt"`
	Tests             string   `json:"tests"`
	StopTokens        []string `json:"stop_tokens"`
	CanonicalSolution string   `json:"canonical_solution"`
}

var (
	goPackageRE = regexp.MustCompile(`(?m)^package\s+(\w+)`)
	goFuncRE    = regexp.MustCompile(`(?m)^func\s+(\w+)\s*\(`)
	goTestRE    = regexp.MustCompile(`(?m)^func\s+(Test\w*)\s*\(\s*\w+\s+\*testing\.T\s*\)`)
	pyTestRE    = regexp.MustCompile(`(?m)^def\s+(test_\w*)\s*\(`)
)

// LoadMultiPLEGo reads MultiPL-E Go records from a .jsonl or .jsonl.gz file.
func LoadMultiPLEGo(path string) ([]MultiPLERecord, error) {
	var out []MultiPLERecord
	err := readJSONL(path, func(_ int, raw []byte) error {
		var r MultiPLERecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if r.Name == "" || r.Prompt == "" || r.Tests == "" {
			return errors.New("want name, prompt and tests")
		}
		if r.Language != "" && r.Language != "go" && r.Language != "go_test.go" {
			return fmt.Errorf("%s: language %q is not Go", r.Name, r.Language)
		}
		if !goPackageRE.MatchString(r.Prompt) || len(goFuncRE.FindAllString(r.Prompt, -1)) == 0 {
			return fmt.Errorf("%s: the prompt has no package clause or no func", r.Name)
		}
		if len(goTestRE.FindAllString(r.Tests, -1)) == 0 {
			return fmt.Errorf("%s: the tests have no Test function", r.Name)
		}
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

// multipleProblem makes the problem of a record: the program is the
// prompt, the completion and the tests in one file ending in _test.go,
// run with go test; a package with no test files fails.
func multipleProblem(r MultiPLERecord, form string, maxTokens int) *problem {
	pkg := goPackageRE.FindStringSubmatch(r.Prompt)[1]
	fns := goFuncRE.FindAllStringSubmatch(r.Prompt, -1)
	entry := fns[len(fns)-1][1]
	stops := r.StopTokens
	if len(stops) == 0 {
		stops = goStops
	}
	task := "go"
	if i := strings.IndexByte(r.Name, '_'); i > 0 {
		task = strings.ToLower(r.Name[:i])
	}
	p := &problem{
		task: task, name: r.Name, lang: "go",
		request: functionRequest("go", form, r.Prompt, stops, maxTokens),
		build: goFunction(goFile{
			pkg: pkg, prompt: r.Prompt, entry: entry, file: "main_test.go", suffix: r.Tests,
			extra: map[string]string{"go.mod": goMod("multiple")}, expected: len(goTestRE.FindAllString(r.Tests, -1)), stops: stops,
		}),
	}
	if r.CanonicalSolution != "" {
		p.answers = []string{r.CanonicalSolution}
		if form == tasks.FormCompletion {
			p.reference = r.CanonicalSolution
		} else {
			p.reference = fenced("go", r.Prompt+r.CanonicalSolution)
		}
	}
	return p
}

type multipleSet struct{}

// NewMultiPLEGo returns the "multipl-e-go" task set: MultiPL-E's Go
// translations from a JSONL file you name (data_dir).
func NewMultiPLEGo() tasks.TaskSet { return multipleSet{} }

var (
	_ tasks.TaskSet     = multipleSet{}
	_ tasks.SelfChecker = multipleSet{}
)

func (multipleSet) Name() string { return MultiPLEGoName }

func (multipleSet) Help() string {
	return "MultiPL-E's Go problems from a JSONL file you name (data_dir): prompt, completion and TestXxx tests in one _test.go file, go test in the sandbox (the official files carry no solutions: without a canonical_solution field the references cannot be checked)"
}

func (multipleSet) Params() []params.Spec {
	return append([]params.Spec{
		{Name: "data_dir", Kind: params.String, Default: "", Help: "a MultiPL-E Go JSONL file (plain or gzipped), or a directory holding exactly one .jsonl(.gz) file"},
		{Name: "n", Kind: params.Int, Default: 100000, Min: params.AtLeast(1), Help: "the first n problems"},
		tasks.FormSpec("completion: the prompt, continued (MultiPL-E's form); chat: ask for the function in a code block"),
		{Name: "max_tokens", Kind: params.Int, Default: 1024, Min: params.AtLeast(1), Help: "generation budget per answer"},
	}, runParams("go", 30)...)
}

func (multipleSet) Scorer() tasks.Scorer { return scorer{} }

func (s multipleSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		v := withDefaults(s, p)
		path, err := dataFile(MultiPLEGoName, v.String("data_dir"), nil)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		recs, err := LoadMultiPLEGo(path)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		// Instances must come out grouped by task.
		var order []string
		byTask := map[string][]*problem{}
		for i, r := range recs {
			if i >= v.Int("n") {
				break
			}
			pr := multipleProblem(r, v.String("form"), v.Int("max_tokens"))
			if _, ok := byTask[pr.task]; !ok {
				order = append(order, pr.task)
			}
			byTask[pr.task] = append(byTask[pr.task], pr)
		}
		var ps []*problem
		for _, t := range order {
			ps = append(ps, byTask[t]...)
		}
		emitProblems(ctx, MultiPLEGoName, ps, v, map[string]string{"form": v.String("form")}, yield)
	}
}

func (s multipleSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	return sandboxCheck(ctx, s, p)
}
