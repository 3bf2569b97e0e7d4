package coding

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestBlocks(t *testing.T) {
	answer := "Here you go:\n\n```python\ndef f():\n    return 1\n```\n\nAnd a shell line:\n~~~ sh\nls\n~~~\n" +
		"````go title=\"cmd/main.go\"\npackage main\n```\nnot the end\n````\n"
	bs := Blocks(answer)
	if len(bs) != 3 {
		t.Fatalf("%d blocks: %+v", len(bs), bs)
	}
	if bs[0].Lang != "python" || bs[0].Code != "def f():\n    return 1\n" || !bs[0].Closed {
		t.Errorf("block 0: %+v", bs[0])
	}
	if bs[1].Lang != "sh" || bs[1].Code != "ls\n" {
		t.Errorf("block 1: %+v", bs[1])
	}
	if bs[2].Lang != "go" || bs[2].Path != "cmd/main.go" || !strings.Contains(bs[2].Code, "not the end") {
		t.Errorf("block 2: %+v", bs[2])
	}
}

func TestBlocksUnclosedAndIndented(t *testing.T) {
	bs := Blocks("text\n  ```py\n  x = 1\n    y = 2\n")
	if len(bs) != 1 || bs[0].Closed || bs[0].Code != "x = 1\n  y = 2\n" || bs[0].Lang != "py" {
		t.Fatalf("%+v", bs)
	}
	if bs := Blocks("no fences at all"); len(bs) != 0 {
		t.Fatalf("%+v", bs)
	}
	if bs := Blocks("inline ```code``` only"); len(bs) != 0 {
		t.Fatalf("inline backticks read as a fence: %+v", bs)
	}
	bs = Blocks("```\r\nx\r\n```\r\n")
	if len(bs) != 1 || bs[0].Code != "x\n" {
		t.Fatalf("CRLF: %+v", bs)
	}
}

func TestBlockPaths(t *testing.T) {
	cases := map[string]string{
		"### store/store.go\n```go\npackage store\n```":               "store/store.go",
		"**store/store.go**\n```go\npackage store\n```":               "store/store.go",
		"File: `store/store.go`\n```go\npackage store\n```":           "store/store.go",
		"`a/b.py`:\n```python\nx = 1\n```":                            "a/b.py",
		"Here is the updated cmd/main.go:\n```go\npackage main\n```":  "cmd/main.go",
		"```go cmd/main.go\npackage main\n```":                        "cmd/main.go",
		"```cmd/main.go\npackage main\n```":                           "cmd/main.go",
		"```python:lib/x.py\nx = 1\n```":                              "lib/x.py",
		"```go\n// file: store/memory.go\npackage store\n```":         "store/memory.go",
		"```python\n# lib/util.py\nx = 1\n```":                        "lib/util.py",
		"### New file: validate/validate.go\n\n```go\npackage v\n```": "validate/validate.go",
		"```go\npackage main\n```":                                    "",
		"Some prose.\n```python\nprint(1)\n```":                       "",
		"```go\n// Package store keeps notes.\npackage store\n```":    "",
	}
	for answer, want := range cases {
		bs := Blocks(answer)
		if len(bs) != 1 {
			t.Errorf("%q: %d blocks", answer, len(bs))
			continue
		}
		if bs[0].Path != want {
			t.Errorf("%q: path %q, want %q", answer, bs[0].Path, want)
		}
	}
	if bs := Blocks("```cmd/main.go\npackage main\n```"); bs[0].Lang != "go" {
		t.Errorf("language of a path-only info string: %q", bs[0].Lang)
	}
	if bs := Blocks("### ../../etc/passwd\n```\nx\n```"); bs[0].Path != "" {
		t.Errorf("escaping path accepted: %q", bs[0].Path)
	}
}

func TestCodeFor(t *testing.T) {
	answer := "Example use:\n```python\nprint(add(1, 2))\n```\nThe function:\n```python\ndef add(a, b):\n    return a + b\n```\n"
	code, fenced, ok := CodeFor(answer, "python", "add")
	if !ok || !fenced || !strings.HasPrefix(code, "def add") {
		t.Fatalf("%q %v %v", code, fenced, ok)
	}
	code, fenced, ok = CodeFor("    return a + b\n", "python", "add")
	if !ok || fenced || code != "    return a + b\n" {
		t.Fatalf("unfenced: %q %v %v", code, fenced, ok)
	}
	if _, _, ok := CodeFor("```go\nfunc Add() {}\n```", "python", "add"); ok {
		t.Fatal("a Go block accepted for Python")
	}
	code, _, ok = CodeFor("```\ndef add(a, b): return a+b\n```", "python", "add")
	if !ok || !strings.Contains(code, "def add") {
		t.Fatalf("untagged block: %q", code)
	}
	code, _, _ = CodeFor("```go\nfunc Add() {}\n```\n```golang\nfunc Other() {}\n```", "go", "Other")
	if !strings.Contains(code, "Other") {
		t.Fatalf("golang tag: %q", code)
	}
}

func TestTruncateAndIndent(t *testing.T) {
	if got := truncateAtStops("    return 1\n\ndef other():\n    pass", pyStops); got != "    return 1\n" {
		t.Fatalf("%q", got)
	}
	if got := indentBody("return x\nif y:\n    z()\n"); got != "    return x\n    if y:\n        z()\n" {
		t.Fatalf("%q", got)
	}
	if got := indentBody("    return x\n"); got != "    return x\n" {
		t.Fatalf("%q", got)
	}
	if got := dropLeadingProse("Sure! Here it is.\n\ndef f():\n    pass\n", "python"); !strings.HasPrefix(got, "def f") {
		t.Fatalf("%q", got)
	}
}

func TestPythonFunctionBuild(t *testing.T) {
	prompt := "def add(a, b):\n    \"\"\"Add.\"\"\"\n"
	build := pythonFunction(prompt, "add", "def check(c):\n    assert c(1, 2) == 3\n")
	for name, answer := range map[string]string{
		"body":            "    return a + b\n\ndef junk():\n    pass\n",
		"fenced whole":    "```python\ndef add(a, b):\n    return a + b\n```",
		"dedented body":   "```python\nreturn a + b\n```",
		"prose then code": "Sure:\ndef add(a, b):\n    return a + b\n",
	} {
		j, code, err := build(answer)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		prog := j.files["main.py"]
		if !strings.HasPrefix(prog, prompt) || !strings.HasSuffix(prog, "check(add)\n") || strings.Contains(prog, "junk") {
			t.Errorf("%s: program\n%s", name, prog)
		}
		if code == "" {
			t.Errorf("%s: nothing extracted", name)
		}
	}
	var me *malformedError
	if _, _, err := build("```go\nfunc add() {}\n```"); !errors.As(err, &me) {
		t.Errorf("a Go answer to a Python problem: %v", err)
	}
}

func TestGoFunctionBuild(t *testing.T) {
	prompt := "package solution\n\nimport (\n\t\"strings\"\n)\n\n// Up upper-cases.\nfunc Up(s string) string {\n"
	build := goFunction(goFile{pkg: "solution", prompt: prompt, entry: "Up", file: "solution.go", stops: goStops,
		extra: map[string]string{"go.mod": goMod("solution")}, expected: 1})
	for name, answer := range map[string]string{
		"body":         "\treturn strings.ToUpper(s)\n}\n\nfunc main() {}\n",
		"body no }":    "\treturn strings.ToUpper(s)\n",
		"function":     "```go\nfunc Up(s string) string {\n\treturn strings.ToUpper(s)\n}\n```",
		"whole file":   "```go\npackage main\n\nimport \"strings\"\n\nfunc Up(s string) string { return strings.ToUpper(s) }\n\nfunc main() {}\n```",
		"no imports":   "```go\nfunc Up(s string) string {\n\treturn strings.ToUpper(s)\n}\n```",
		"extra import": "```go\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nfunc Up(s string) string { return strings.ToUpper(s) }\n```",
	} {
		j, _, err := build(answer)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		src := j.files["solution.go"]
		if !strings.HasPrefix(src, "package solution") || !strings.Contains(src, "\"strings\"") || strings.Contains(src, "\"fmt\"") {
			t.Errorf("%s:\n%s", name, src)
		}
		if openBraces(src) != 0 || j.files["go.mod"] == "" {
			t.Errorf("%s: unbalanced or incomplete:\n%s", name, src)
		}
	}
}

func TestApplyAnswerFiles(t *testing.T) {
	base := map[string]string{"a.go": "package a\n", "b/b.go": "package b\n"}
	answer := "### a.go\n```go\npackage a // changed\n```\n\n### c/c.go\n```go\npackage c\n```\n```sh\ngo test ./...\n```\n"
	files, changed, err := applyAnswer(answer, "go", base, "")
	if err != nil {
		t.Fatal(err)
	}
	if files["a.go"] != "package a // changed\n" || files["c/c.go"] != "package c\n" || files["b/b.go"] != "package b\n" {
		t.Fatalf("%v", files)
	}
	if !reflect.DeepEqual(changed, []string{"a.go", "c/c.go"}) {
		t.Fatalf("changed %v", changed)
	}
	if base["a.go"] != "package a\n" {
		t.Fatal("base was modified")
	}
}

func TestApplyAnswerSingleAndMalformed(t *testing.T) {
	base := map[string]string{"m.py": "x = 1\n"}
	files, _, err := applyAnswer("```python\nx = 2\n```", "python", base, "m.py")
	if err != nil || files["m.py"] != "x = 2\n" {
		t.Fatalf("%v %v", files, err)
	}
	var me *malformedError
	for _, answer := range []string{"", "no code here", "```python\nx = 2\n```\n```python\ny = 3\n```"} {
		if _, _, err := applyAnswer(answer, "python", base, "m.py"); !errors.As(err, &me) {
			t.Errorf("%q: %v", answer, err)
		}
	}
	if _, _, err := applyAnswer("### ok.py\n```python\nx\n```\n```diff\n--- a/none.py\n+++ b/none.py\n@@ -1 +1 @@\n-a\n+b\n```", "python", base, ""); !errors.As(err, &me) {
		t.Errorf("a diff of a missing file: %v", err)
	}
}

func TestApplyAnswerDiff(t *testing.T) {
	base := map[string]string{"s/s.go": "package s\n\nfunc A() int {\n\treturn 1\n}\n"}
	answer := "I changed one line:\n\n```diff\n--- a/s/s.go\n+++ b/s/s.go\n@@ -3,3 +3,3 @@\n func A() int {\n-\treturn 1\n+\treturn 2\n }\n```\n"
	files, changed, err := applyAnswer(answer, "go", base, "")
	if err != nil || files["s/s.go"] != "package s\n\nfunc A() int {\n\treturn 2\n}\n" || !reflect.DeepEqual(changed, []string{"s/s.go"}) {
		t.Fatalf("%q %v %v", files["s/s.go"], changed, err)
	}
	// A bare diff, no fences.
	bare := "--- s/s.go\n+++ s/s.go\n@@ -4 +4 @@\n-\treturn 1\n+\treturn 3\n"
	files, _, err = applyAnswer(bare, "go", base, "")
	if err != nil || !strings.Contains(files["s/s.go"], "return 3") {
		t.Fatalf("bare diff: %v %v", files, err)
	}
}

// FuzzBlocks checks that reading fences never panics and that every
// block's code comes from the answer.
func FuzzBlocks(f *testing.F) {
	for _, s := range []string{
		"```go\nx\n```", "~~~\n~~~", "````\n```\n````", "### a/b.go\n```\nx", "```python:a.py\n# x.py\n```",
		"  ```\n  a\n", "```diff\n--- a\n+++ b\n@@\n```", "\n```\n\n```\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, b := range Blocks(s) {
			if b.Start < 0 || b.Start > len(s) {
				t.Fatalf("start %d out of range", b.Start)
			}
			norm := strings.TrimSuffix(strings.ReplaceAll(s, "\r\n", "\n"), "\r")
			for _, line := range strings.Split(strings.TrimSuffix(b.Code, "\n"), "\n") {
				if !strings.Contains(norm, strings.TrimLeft(line, " ")) {
					t.Fatalf("line %q of block not in the answer", line)
				}
			}
			if b.Path != "" && !validRelPath(b.Path) {
				t.Fatalf("bad path %q", b.Path)
			}
		}
		_, _, _ = CodeFor(s, "python", "f")
		_, _, _ = applyAnswer(s, "go", map[string]string{"a.go": "package a\n"}, "a.go")
	})
}

func TestStripReasoning(t *testing.T) {
	for in, want := range map[string]string{
		"<think>hmm</think>\n```python\nx\n```":            "\n```python\nx\n```",
		"  <think>a</think><reasoning>b</reasoning>answer": "answer",
		"<think>never closed":                              "",
		"code with <think> inside\n":                       "code with <think> inside\n",
		"```python\ns = '<think>'\n```":                    "```python\ns = '<think>'\n```",
	} {
		if got := StripReasoning(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
