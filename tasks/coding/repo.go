package coding

import (
	"context"
	"fmt"
	"iter"
	"path"
	"strings"
	"sync"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// repoTask is a multi-file task: a small repository, an instruction whose
// solution changes several files consistently, and hidden tests run over
// the whole repository afterwards.
type repoTask struct {
	file        string
	name        string
	lang        string
	title       string
	instruction string
	skeleton    map[string]string
	solution    map[string]string // changed and new files, whole
	hidden      map[string]string
	mutate      mutation
	mutateFile  string
}

func parseRepoTask(file, data string) (*repoTask, error) {
	a, err := parseArchive(file, data)
	if err != nil {
		return nil, err
	}
	t := &repoTask{file: file, name: a.get("name"), lang: a.get("lang"), title: a.get("title"),
		skeleton: a.files("skeleton/"), solution: a.files("solution/"), hidden: a.files("hidden/")}
	if t.name == "" || (t.lang != "go" && t.lang != "python") {
		return nil, fmt.Errorf("%s: want name and lang (go or python)", file)
	}
	if t.instruction, err = a.must("instruction"); err != nil {
		return nil, err
	}
	if len(t.skeleton) == 0 || len(t.solution) == 0 || len(t.hidden) == 0 {
		return nil, fmt.Errorf("%s: want skeleton/, solution/ and hidden/ sections", file)
	}
	mf, m, ok := strings.Cut(a.get("mutate"), ": ")
	if !ok {
		return nil, fmt.Errorf("%s: want mutate: FILE: OLD => NEW", file)
	}
	t.mutateFile = mf
	if t.mutate, err = parseMutation(m); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if _, ok := t.solution[mf]; !ok {
		return nil, fmt.Errorf("%s: mutate names %s, which the solution does not write", file, mf)
	}
	return t, nil
}

// hiddenTests counts the hidden test functions.
func hiddenTests(lang string, hidden map[string]string) int {
	n := 0
	for _, src := range hidden {
		if lang == "go" {
			n += len(goTestRE.FindAllString(src, -1))
		} else {
			n += len(pyTestRE.FindAllString(src, -1))
		}
	}
	return n
}

// projectJob runs hidden tests over a project's files: go test ./... for
// Go; for Python, the hidden module whose name starts with test_ (each of
// its test_* functions), after compiling every other .py file.
func projectJob(lang string, files, hidden map[string]string, perTest float64) (job, error) {
	all := make(map[string]string, len(files)+len(hidden))
	for k, v := range files {
		all[k] = v
	}
	for k, v := range hidden {
		all[k] = v
	}
	j := job{lang: lang, files: all, expected: hiddenTests(lang, hidden)}
	if lang == "python" {
		var mods []string
		for _, k := range sortedKeys(hidden) {
			if strings.HasSuffix(k, ".py") && strings.HasPrefix(path.Base(k), "test_") && !strings.Contains(k, "/") {
				mods = append(mods, strings.TrimSuffix(k, ".py"))
			}
		}
		if len(mods) != 1 {
			return job{}, fmt.Errorf("want one hidden test module at the top level, have %v", mods)
		}
		j.mode, j.target = "unit", mods[0]
		j.perTest = secondsDuration(perTest)
		for _, k := range sortedKeys(files) {
			if strings.HasSuffix(k, ".py") && hidden[k] == "" {
				j.compile = append(j.compile, k)
			}
		}
	}
	return j, nil
}

// repoPrompt shows the repository and the instruction.
func repoPrompt(lang, instruction string, files map[string]string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(instruction))
	b.WriteString("\n\nThe repository:\n\n")
	b.WriteString(renderFiles(files, sortedKeys(files)))
	b.WriteString("\n" + answerFormat)
	return b.String()
}

const answerFormat = "Reply with the complete new contents of every file you create or change, each in its own code block with the file's path on the line above it (### path/to/file), or with a unified diff. Do not repeat files you leave unchanged."

func (t *repoTask) problem(maxTokens int) (*problem, error) {
	paths := sortedKeys(t.solution)
	mutated := map[string]string{}
	for k, v := range t.solution {
		mutated[k] = v
	}
	m, err := t.mutate.apply(t.solution[t.mutateFile])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.file, err)
	}
	mutated[t.mutateFile] = m
	lang, skeleton, hidden := t.lang, t.skeleton, t.hidden
	p := &problem{
		task: lang, name: t.name, lang: lang,
		request: runners.Request{
			Messages:  []runners.Message{{Role: "user", Content: repoPrompt(lang, t.instruction, skeleton)}},
			MaxTokens: maxTokens,
		},
		reference: renderFiles(t.solution, paths),
		mutant:    renderFiles(mutated, paths),
		answers:   paths,
		build: func(answer string) (job, string, error) {
			files, changed, err := applyAnswer(answer, lang, skeleton, "")
			if err != nil {
				return job{}, "", err
			}
			j, err := projectJob(lang, files, hidden, 5)
			if err != nil {
				return job{}, "", err
			}
			return j, renderFiles(files, changed), nil
		},
	}
	return p, nil
}

// loadRepoTasks parses the embedded repository tasks once, grouped by
// task (the language), in file order within each.
var loadRepoTasks = sync.OnceValues(func() ([]*repoTask, error) {
	return parseProblemFiles("problems/repo", parseRepoTask, func(t *repoTask) string { return t.lang })
})

type repoSet struct{}

// NewCodeRepo returns "code-repo": multi-file tasks over small
// repositories (rename an interface across packages, add a feature that
// touches a parser, a store and a CLI, fix a bug whose cause sits in
// another file), graded by hidden tests over the whole repository.
func NewCodeRepo() tasks.TaskSet { return repoSet{} }

var (
	_ tasks.TaskSet     = repoSet{}
	_ tasks.SelfChecker = repoSet{}
)

func (repoSet) Name() string { return CodeRepoName }

func (repoSet) Help() string {
	return "engrambench's own multi-file tasks: a small Go or Python repository and an instruction whose solution changes at least three files consistently, graded by hidden tests over the whole repository"
}

func (repoSet) Params() []params.Spec {
	return append([]params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: []string{"go", "python"}, Choices: []string{"go", "python"}, Help: "languages to ask"},
		{Name: "n", Kind: params.Int, Default: 1000, Min: params.AtLeast(1), Help: "the first n tasks of each language"},
		{Name: "max_tokens", Kind: params.Int, Default: 8192, Min: params.AtLeast(1), Help: "generation budget per answer"},
	}, runParams("", 10)...)
}

func (repoSet) Scorer() tasks.Scorer { return scorer{} }

func (s repoSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return ownInstances(ctx, s, p, CodeRepoName, loadRepoTasks)
}

func (s repoSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	return sandboxCheck(ctx, s, p)
}

// language is the task of the problem (go or python), for ownInstances.
func (t *repoTask) language() string { return t.lang }
