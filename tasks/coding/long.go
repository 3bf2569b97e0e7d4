package coding

import (
	"context"
	"fmt"
	"iter"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// longTask is a long-generation task: a module of several hundred lines
// written to a specification, graded by a large hidden test suite with
// partial credit (the fraction of tests passed).
type longTask struct {
	file     string
	name     string
	lang     string
	module   string // the file the model writes, e.g. "ini/ini.go" or "inifile.py"
	spec     string
	skeleton map[string]string // go.mod and any given files
	solution string
	hidden   map[string]string
	mutate   mutation
	minLines int
}

func parseLongTask(file, data string) (*longTask, error) {
	a, err := parseArchive(file, data)
	if err != nil {
		return nil, err
	}
	t := &longTask{file: file, name: a.get("name"), lang: a.get("lang"), module: a.get("module"),
		skeleton: a.files("skeleton/"), hidden: a.files("hidden/")}
	if t.name == "" || (t.lang != "go" && t.lang != "python") || !validRelPath(t.module) {
		return nil, fmt.Errorf("%s: want name, lang (go or python) and module", file)
	}
	if t.minLines, err = strconv.Atoi(a.get("min-lines")); err != nil {
		return nil, fmt.Errorf("%s: min-lines: %v", file, err)
	}
	if t.spec, err = a.must("spec"); err != nil {
		return nil, err
	}
	if t.solution, err = a.must("solution"); err != nil {
		return nil, err
	}
	if len(t.hidden) == 0 {
		return nil, fmt.Errorf("%s: no hidden/ tests", file)
	}
	if t.mutate, err = parseMutation(a.get("mutate")); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return t, nil
}

// goPackageOf is the package a Go module file belongs to: its directory's
// name ("main" at the top).
func goPackageOf(module string) string {
	d := path.Dir(module)
	if d == "." {
		return "main"
	}
	return path.Base(d)
}

func (t *longTask) prompt() string {
	lang := map[string]string{"go": "Go", "python": "Python"}[t.lang]
	var b strings.Builder
	b.WriteString(strings.TrimSpace(t.spec))
	fmt.Fprintf(&b, "\n\nWrite the complete %s file %s", lang, t.module)
	if t.lang == "go" {
		fmt.Fprintf(&b, " (package %s, standard library only)", goPackageOf(t.module))
	} else {
		b.WriteString(" (standard library only)")
	}
	fmt.Fprintf(&b, " in one ```%s code block. Hidden tests exercise every requirement above; each one passed earns credit.\n", t.lang)
	return b.String()
}

// moduleCode picks the module from an answer: the block named after it,
// else the longest block in the language, else the unfenced answer.
func (t *longTask) moduleCode(answer string) (string, error) {
	blocks := Blocks(answer)
	if len(blocks) == 0 {
		if strings.TrimSpace(answer) == "" {
			return "", malformed("empty answer")
		}
		return dropLeadingProse(answer, t.lang), nil
	}
	var best *Block
	for i := range blocks {
		b := &blocks[i]
		if b.Path == t.module || (b.Path != "" && path.Base(b.Path) == path.Base(t.module)) {
			return b.Code, nil
		}
		if l := normLang(*b); (l == t.lang || (b.Lang == "" && l == "")) && (best == nil || len(b.Code) > len(best.Code)) {
			best = b
		}
	}
	if best == nil {
		return "", malformed("no %s code block in the answer", t.lang)
	}
	return best.Code, nil
}

func (t *longTask) build(answer string) (job, string, error) {
	code, err := t.moduleCode(answer)
	if err != nil {
		return job{}, "", err
	}
	if t.lang == "go" {
		code = fixImports(setPackage(code, goPackageOf(t.module)))
	}
	files := map[string]string{t.module: code}
	for k, v := range t.skeleton {
		files[k] = v
	}
	j, err := projectJob(t.lang, files, t.hidden, 5)
	if err != nil {
		return job{}, "", err
	}
	return j, code, nil
}

func (t *longTask) problem(maxTokens int) (*problem, error) {
	mut, err := t.mutate.apply(t.solution)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.file, err)
	}
	return &problem{
		task: t.lang, name: t.name, lang: t.lang, fraction: true,
		request: runners.Request{
			Messages:  []runners.Message{{Role: "user", Content: t.prompt()}},
			MaxTokens: maxTokens,
		},
		reference: fenced(t.lang, t.solution),
		mutant:    fenced(t.lang, mut),
		answers:   []string{t.module},
		build:     t.build,
	}, nil
}

// loadLongTasks parses the embedded long-generation tasks once, grouped
// by language.
var loadLongTasks = sync.OnceValues(func() ([]*longTask, error) {
	return parseProblemFiles("problems/long", parseLongTask, func(t *longTask) string { return t.lang })
})

type longSet struct{}

// NewCodeLong returns "code-long": modules of 300+ lines written to a
// specification (an INI parser, an LRU cache with TTL, a tokenizer, ...),
// graded by large hidden test suites; Score.Value is the fraction of
// tests passed and Detail says pass or fail.
func NewCodeLong() tasks.TaskSet { return longSet{} }

var (
	_ tasks.TaskSet     = longSet{}
	_ tasks.SelfChecker = longSet{}
)

func (longSet) Name() string { return CodeLongName }

func (longSet) Help() string {
	return "engrambench's own long-generation tasks: a 300+ line Go or Python module written to a specification, graded by a large hidden test suite (score: fraction of tests passed; pass@k counts only full passes)"
}

func (longSet) Params() []params.Spec {
	return append([]params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: []string{"go", "python"}, Choices: []string{"go", "python"}, Help: "languages to ask"},
		{Name: "n", Kind: params.Int, Default: 1000, Min: params.AtLeast(1), Help: "the first n tasks of each language"},
		{Name: "max_tokens", Kind: params.Int, Default: 16384, Min: params.AtLeast(1), Help: "generation budget per answer"},
	}, runParams("", 10)...)
}

func (longSet) Scorer() tasks.Scorer { return scorer{} }

func (s longSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return ownInstances(ctx, s, p, CodeLongName, loadLongTasks)
}

func (s longSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	return sandboxCheck(ctx, s, p)
}

// language is the task of the problem (go or python), for ownInstances.
func (t *longTask) language() string { return t.lang }
