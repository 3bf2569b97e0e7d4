package bbh

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/params"
)

// officialDir returns the official BBH data, or skips the test.
func officialDir(t *testing.T) string {
	t.Helper()
	dir, ok := findDataDir("")
	if !ok {
		t.Skipf("no official BBH data at %s", dir)
	}
	return dir
}

// TestSolversMatchOfficial: every official example of every generated
// task, solved, gives exactly the official target.
func TestSolversMatchOfficial(t *testing.T) {
	dir := officialDir(t)
	for _, task := range generated {
		exs, err := loadOfficial(dir, task.name)
		if err != nil {
			t.Fatal(err)
		}
		agree := 0
		for _, ex := range exs {
			sol, err := task.solve(ex.Input)
			if err != nil {
				t.Errorf("%s: %v", task.name, err)
				continue
			}
			if sol.target != ex.Target {
				t.Errorf("%s: %q solved to %q, official %q", task.name, ex.Input, sol.target, ex.Target)
				continue
			}
			agree++
		}
		if agree != len(exs) || len(exs) != 250 {
			t.Errorf("%s: %d of %d agree (want all of 250)", task.name, agree, len(exs))
		}
	}
}

// TestGeneratorsMatchOfficialForm: the official inputs lie in the spaces
// the generators draw from.
func TestGeneratorsMatchOfficialForm(t *testing.T) {
	dir := officialDir(t)
	inSpace := map[string]bool{}
	for _, in := range boolSpace() {
		inSpace[in] = true
	}
	check := map[string]func(string) bool{
		"boolean_expressions":      func(in string) bool { return inSpace[in] },
		"multistep_arithmetic_two": arithForm.MatchString,
		"word_sorting": func(in string) bool {
			words, err := sortInputWords(in)
			return err == nil && len(words) >= minSortWords && len(words) <= maxSortWords &&
				strings.Join(words, " ") == strings.TrimPrefix(in, sortLeadIn)
		},
	}
	for _, task := range generated {
		exs, err := loadOfficial(dir, task.name)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range exs {
			if !check[task.name](ex.Input) {
				t.Errorf("%s: official input %q is outside the generator's form", task.name, ex.Input)
			}
		}
	}
}

func TestSelfCheckWithData(t *testing.T) {
	officialDir(t)
	res := NewGenerated().(generatedSet).SelfCheck(context.Background(), params.Values{"seed": 7, "n": 100})
	if len(res) != 3 {
		t.Fatalf("%d checks, want 3", len(res))
	}
	for _, r := range res {
		if !r.OK() || r.Checked == 0 || strings.Contains(r.Name, "skipped") {
			t.Errorf("%s: checked %d, failures %v", r.Name, r.Checked, r.Failures)
		}
	}
	if res[1].Checked != 750 {
		t.Errorf("official check looked at %d examples, want 750", res[1].Checked)
	}
}

func TestSelfCheckSkipsWithoutData(t *testing.T) {
	empty := t.TempDir()
	res := NewGenerated().(generatedSet).SelfCheck(context.Background(), params.Values{"seed": 1, "data_dir": empty})
	for _, r := range res[1:] {
		if !r.OK() || r.Checked != 0 || !strings.Contains(r.Name, "skipped: no official data at "+empty) {
			t.Errorf("%s: checked %d, failures %v; want a skip", r.Name, r.Checked, r.Failures)
		}
	}
}

func TestSelfCheckFailsOnWrongTargets(t *testing.T) {
	dir := t.TempDir()
	writeOfficial(t, dir, "boolean_expressions", `{"examples": [{"input": "not True and False is", "target": "True"}]}`)
	writeOfficial(t, dir, "word_sorting", `{"examples": [{"input": "`+sortLeadIn+`b a", "target": "a b"}]}`)
	res := NewGenerated().(generatedSet).SelfCheck(context.Background(),
		params.Values{"seed": 1, "data_dir": dir, "tasks": []string{"boolean_expressions", "word_sorting"}})
	if r := res[1]; r.OK() || r.Checked != 2 || len(r.Failures) != 1 || !strings.Contains(r.Failures[0], "boolean_expressions") {
		t.Errorf("official check: %+v; want exactly the boolean example to fail", r)
	}
}

func writeOfficial(t *testing.T, dir, task, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "bbh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bbh", task+".json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
