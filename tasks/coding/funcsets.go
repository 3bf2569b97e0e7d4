package coding

import (
	"context"
	"embed"
	"fmt"
	"iter"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
)

//go:embed problems
var problemFS embed.FS

// Our own sets' names.
const (
	CodePyName      = "code-py"
	CodeGoName      = "code-go"
	CodeRepoName    = "code-repo"
	CodeSessionName = "code-session"
	CodeLongName    = "code-long"
)

var difficulties = []string{"easy", "medium", "hard"}

var (
	conceptsOnce sync.Once
	concepts     []*concept
	conceptsErr  error
)

// loadConcepts parses problems/func/*.txt once, in file order.
func loadConcepts() ([]*concept, error) {
	conceptsOnce.Do(func() {
		names, err := problemFiles("problems/func")
		if err != nil {
			conceptsErr = err
			return
		}
		seen := map[string]string{}
		for _, n := range names {
			b, err := problemFS.ReadFile(n)
			if err != nil {
				conceptsErr = err
				return
			}
			c, err := parseConcept(n, string(b))
			if err != nil {
				conceptsErr = err
				return
			}
			if prev, dup := seen[c.name]; dup {
				conceptsErr = fmt.Errorf("%s: name %s already used by %s", n, c.name, prev)
				return
			}
			seen[c.name] = n
			concepts = append(concepts, c)
		}
	})
	return concepts, conceptsErr
}

// problemFiles lists the .txt files of an embedded directory, sorted.
func problemFiles(dir string) ([]string, error) {
	ents, err := problemFS.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".txt") {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// parseProblemFiles parses every problem file of an embedded directory in
// file order, then groups the results by key (the language) stably.
func parseProblemFiles[T any](dir string, parse func(name, text string) (T, error), key func(T) string) ([]T, error) {
	names, err := problemFiles(dir)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(names))
	for _, n := range names {
		b, err := problemFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		t, err := parse(n, string(b))
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out, nil
}

// ownProblem is one of the project's own multi-file, session or long
// problems: a language (the set's task) and the problem it asks.
type ownProblem interface {
	language() string
	problem(maxTokens int) (*problem, error)
}

// ownInstances yields a set's instances from its embedded problems: the
// first n of each language the "tasks" parameter asks for.
func ownInstances[T ownProblem](ctx context.Context, set tasks.TaskSet, p params.Values, name string, load func() ([]T, error)) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		v := withDefaults(set, p)
		items, err := load()
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		want := map[string]bool{}
		for _, l := range v.Strings("tasks") {
			want[l] = true
		}
		var ps []*problem
		count := map[string]int{}
		for _, t := range items {
			lang := t.language()
			if !want[lang] || count[lang] >= v.Int("n") {
				continue
			}
			count[lang]++
			pr, err := t.problem(v.Int("max_tokens"))
			if err != nil {
				yield(tasks.Instance{}, err)
				return
			}
			ps = append(ps, pr)
		}
		emitProblems(ctx, name, ps, v, map[string]string{}, yield)
	}
}

// pyProblem makes the Python problem of a concept.
func (c *concept) pyProblem(form string, maxTokens int) (*problem, error) {
	prompt := c.pyPrompt()
	build := pythonFunction(prompt, c.name, c.pyCheck())
	mutBody, err := c.mutatePy.apply(c.pyBody)
	if err != nil {
		return nil, fmt.Errorf("%s: mutate-py: %w", c.file, err)
	}
	p := &problem{
		task: difficultyName(c.difficulty), name: c.name, lang: "python",
		request: functionRequest("python", form, prompt, pyStops, maxTokens),
		answers: []string{c.pyBody},
		build:   build,
	}
	if form == tasks.FormCompletion {
		p.reference, p.mutant = c.pyBody, mutBody
	} else {
		p.reference, p.mutant = fenced("python", prompt+c.pyBody), fenced("python", prompt+mutBody)
	}
	return p, nil
}

// goProblem makes the Go problem of a concept.
func (c *concept) goProblem(form string, maxTokens int) (*problem, error) {
	prompt := c.goPrompt()
	test, err := c.goTest()
	if err != nil {
		return nil, err
	}
	build := goFunction(goFile{
		pkg: "solution", prompt: prompt, entry: c.goName, file: "solution.go",
		extra:    map[string]string{"go.mod": goMod("solution"), "solution_test.go": test},
		expected: 1, stops: goStops,
	})
	body := strings.TrimRight(c.goBody, "\n") + "\n}\n"
	mutBody, err := c.mutateGo.apply(body)
	if err != nil {
		return nil, fmt.Errorf("%s: mutate-go: %w", c.file, err)
	}
	p := &problem{
		task: difficultyName(c.difficulty), name: c.goName, lang: "go",
		request: functionRequest("go", form, prompt, goStops, maxTokens),
		answers: []string{body},
		build:   build,
	}
	if form == tasks.FormCompletion {
		p.reference, p.mutant = body, mutBody
	} else {
		p.reference, p.mutant = fenced("go", prompt+body), fenced("go", prompt+mutBody)
	}
	return p, nil
}

// funcSet is code-py or code-go.
type funcSet struct{ lang string }

// NewCodePy returns "code-py": our own function-level Python problems of
// graded difficulty (easy, medium, hard), each with a reference solution
// and hidden tests; the same problems as code-go.
func NewCodePy() tasks.TaskSet { return funcSet{lang: "python"} }

// NewCodeGo returns "code-go": the code-py problems asked in Go.
func NewCodeGo() tasks.TaskSet { return funcSet{lang: "go"} }

var (
	_ tasks.TaskSet     = funcSet{}
	_ tasks.SelfChecker = funcSet{}
	_ tasks.Sizer       = funcSet{}
)

func (s funcSet) Name() string {
	if s.lang == "go" {
		return CodeGoName
	}
	return CodePyName
}

func (s funcSet) Help() string {
	n := "Python"
	if s.lang == "go" {
		n = "Go"
	}
	return fmt.Sprintf("engrambench's own function-level %s problems, easy, medium and hard, with hidden tests run in the sandbox (the same problems in code-py and code-go)", n)
}

func (s funcSet) Params() []params.Spec {
	base := 4.0
	if s.lang == "go" {
		base = 10 // the build is part of the run
	}
	return append([]params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: difficulties, Choices: difficulties, Help: "difficulties to ask"},
		{Name: "n", Kind: params.Int, Default: 1000, Min: params.AtLeast(1), Help: "the first n problems of each difficulty"},
		tasks.FormSpec("chat: ask for the whole function in a code block; completion: the stub, continued"),
		{Name: "max_tokens", Kind: params.Int, Default: 1024, Min: params.AtLeast(1), Help: "generation budget per answer"},
	}, runParams(s.lang, base)...)
}

func (s funcSet) Scorer() tasks.Scorer { return scorer{} }

// problems lists the set's problems grouped by difficulty.
func (s funcSet) problems(v params.Values) ([]*problem, error) {
	cs, err := loadConcepts()
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, t := range v.Strings("tasks") {
		want[t] = true
	}
	var out []*problem
	for _, d := range difficulties {
		if !want[d] {
			continue
		}
		n := 0
		for _, c := range cs {
			if difficultyName(c.difficulty) != d || n >= v.Int("n") {
				continue
			}
			n++
			var p *problem
			if s.lang == "go" {
				p, err = c.goProblem(v.String("form"), v.Int("max_tokens"))
			} else {
				p, err = c.pyProblem(v.String("form"), v.Int("max_tokens"))
			}
			if err != nil {
				return nil, err
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func (s funcSet) Sizes(p params.Values) map[string]int {
	v := withDefaults(s, p)
	ps, err := s.problems(v)
	if err != nil {
		return nil
	}
	out := map[string]int{}
	for _, pr := range ps {
		out[tasks.CellName(s.Name(), pr.task, labelsOf(v, pr))]++
	}
	return out
}

func labelsOf(v params.Values, _ *problem) map[string]string {
	l := map[string]string{"form": v.String("form")}
	if unisolated(policyOf(v)) {
		l["sandbox"] = "none"
	}
	return l
}

func (s funcSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		v := withDefaults(s, p)
		ps, err := s.problems(v)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		emitProblems(ctx, s.Name(), ps, v, map[string]string{"form": v.String("form")}, yield)
	}
}

// emitProblems yields the instances of problems, indexed within each task.
func emitProblems(ctx context.Context, set string, ps []*problem, v params.Values, labels map[string]string, yield func(tasks.Instance, error) bool) {
	pol := policyOf(v)
	idx := map[string]int{}
	for _, p := range ps {
		if ctx.Err() != nil {
			return
		}
		in := instance(set, p, labels, idx[p.task], int64(v.Int("seed")), v.Float("temperature"), pol)
		idx[p.task]++
		if !yield(in, nil) {
			return
		}
	}
}

func (s funcSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	return sandboxCheck(ctx, s, p)
}
