package coding

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/datasets"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// writeJSONL writes records as JSON lines, gzipped when the name ends in
// .gz.
func writeJSONL(t *testing.T, name string, recs ...any) string {
	t.Helper()
	var b bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	data := b.Bytes()
	if strings.HasSuffix(name, ".gz") {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(data)
		w.Close()
		data = z.Bytes()
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Problems written for these tests, in the data sets' formats.
var testMBPP = []MBPPRecord{
	{TaskID: 2, Text: "Write a function that returns the larger of two numbers.", Code: "def larger(a, b):\r\n    return a if a > b else b", TestList: []string{"assert larger(1, 2) == 2", "assert larger(5, 3) == 5", "assert larger(-1, -1) == -1"}},
	{TaskID: 3, Text: "Write a function that counts the words of a sentence.", Code: "def count_words(s):\n    return len(s.split())", TestList: []string{"assert count_words('a b c') == 3", "assert count_words('') == 0", "assert count_words(' x ') == 1"}},
	{TaskID: 4, Text: "Write a function that reverses a list.", Code: "def rev(xs):\n    return xs[::-1]", TestList: []string{"assert rev([1, 2]) == [2, 1]", "assert rev([]) == []", "assert rev([3]) == [3]"}},
	{TaskID: 11, Text: "Write a function that returns the square of a number.", Code: "def square(n):\n    return n * n", TestList: []string{"assert square(3) == 9", "assert square(-2) == 4", "assert square(0) == 0"}},
	{TaskID: 12, Text: "Write a function that sums the digits of a non-negative integer.", Code: "def digits_sum(n):\n    return sum(int(c) for c in str(n))",
		TestList: []string{"assert digits_sum(123) == 6", "assert digits_sum(0) == 0", "assert math.isclose(digits_sum(99), 18)"}, TestSetupCode: "import math"},
}

func TestLoadMBPP(t *testing.T) {
	p := writeJSONL(t, "mbpp.jsonl.gz", testMBPP[0], testMBPP[3])
	recs, err := LoadMBPP(p)
	if err != nil || len(recs) != 2 || strings.Contains(recs[0].Code, "\r") {
		t.Fatalf("%v %v", recs, err)
	}
	if mbppEntry(recs[1]) != "square" || mbppEntry(MBPPRecord{Code: "def f(): pass", TestList: []string{"assert math.isclose(f(), 1)"}}) != "f" {
		t.Fatal("entry point")
	}
	bad := writeJSONL(t, "bad.jsonl", map[string]any{"task_id": 1, "text": "x"})
	if _, err := LoadMBPP(bad); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Fatalf("incomplete record: %v", err)
	}
}

func TestMBPPSet(t *testing.T) {
	recs := make([]any, len(testMBPP))
	for i, r := range testMBPP {
		recs[i] = r
	}
	path := writeJSONL(t, "mbpp.jsonl", recs...)
	for _, form := range []string{tasks.FormChat, tasks.FormCompletion} {
		checkSet(t, NewMBPP(), params.Values{"data_dir": path, "form": form})
	}
	var ins []tasks.Instance
	for in, err := range NewMBPP().Instances(context.Background(), params.Values{"data_dir": path, "form": tasks.FormCompletion}) {
		if err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	if len(ins) != 2 || strings.Count(ins[0].Request.Prompt, "[BEGIN]") != 4 || !strings.Contains(ins[0].Request.Prompt, "larger") {
		t.Fatalf("%d instances; prompt:\n%s", len(ins), ins[0].Request.Prompt)
	}
	chat, _ := collectOne(t, NewMBPP(), params.Values{"data_dir": path, "shots": 0})
	if len(chat.Request.Messages) != 1 {
		t.Fatalf("0 shots: %d messages", len(chat.Request.Messages))
	}
	if _, err := collectOne(t, NewMBPP(), params.Values{}); !errors.Is(err, datasets.ErrMissing) {
		t.Fatalf("no data: %v", err)
	}
	// A directory holding mbpp.jsonl works too; one without does not.
	if _, err := collectOne(t, NewMBPP(), params.Values{"data_dir": filepath.Dir(path)}); err != nil {
		t.Fatalf("a clone's directory: %v", err)
	}
	if _, err := collectOne(t, NewMBPP(), params.Values{"data_dir": t.TempDir()}); !errors.Is(err, datasets.ErrMissing) {
		t.Fatalf("a directory without the file: %v", err)
	}
}

func collectOne(t *testing.T, set tasks.TaskSet, p params.Values) (tasks.Instance, error) {
	t.Helper()
	for in, err := range set.Instances(context.Background(), p) {
		return in, err
	}
	return tasks.Instance{}, nil
}

var testMultiPLE = []MultiPLERecord{
	{
		Name: "HumanEval_900_double_all", Language: "go_test.go",
		Prompt:            "package double_all_test\n\nimport (\n    \"testing\"\n    \"fmt\"\n)\n\n// Return a copy of xs with every element doubled.\n// >>> double_all([]int{1, 2})\n// []int{2, 4}\nfunc double_all(xs []int) []int {\n",
		Tests:             "func TestDouble_All(t *testing.T) {\n  candidate := double_all\n\ttype test struct {\n\t\tactual   interface{}\n\t\texpected interface{}\n\t}\n   tests := []test{\n     { actual: candidate([]int{1, 2}), expected: []int{2, 4} },\n     { actual: candidate([]int{}), expected: []int{} },\n   }\n\n\tfor i, tc := range tests {\n\t\tt.Run(fmt.Sprintf(\"test num % d\", i), func(t *testing.T) {\n\t\t\tif fmt.Sprintf(\"%v\", tc.actual) != fmt.Sprintf(\"%v\", tc.expected) {\n\t\t\t\tt.Errorf(\"expected '%s', got '%s'\", tc.expected, tc.actual)\n\t\t\t}\n\t\t})\n\t}\n}\n",
		StopTokens:        []string{"\nfunc", "struct", "\n// "},
		CanonicalSolution: "    out := make([]int, len(xs))\n    for i, x := range xs {\n        out[i] = 2 * x\n    }\n    return out\n}\n",
	},
	{
		Name: "mbpp_901_is_even", Language: "go_test.go",
		Prompt:            "package is_even_test\n\nimport (\n    \"testing\"\n    \"fmt\"\n)\n\n// Report whether n is even.\nfunc is_even(n int) bool {\n",
		Tests:             "func TestIs_Even(t *testing.T) {\n  candidate := is_even\n\ttype test struct {\n\t\tactual   interface{}\n\t\texpected interface{}\n\t}\n   tests := []test{\n     { actual: candidate(4), expected: true },\n     { actual: candidate(7), expected: false },\n   }\n\n\tfor i, tc := range tests {\n\t\tt.Run(fmt.Sprintf(\"test num % d\", i), func(t *testing.T) {\n\t\t\tif fmt.Sprintf(\"%v\", tc.actual) != fmt.Sprintf(\"%v\", tc.expected) {\n\t\t\t\tt.Errorf(\"expected '%s', got '%s'\", tc.expected, tc.actual)\n\t\t\t}\n\t\t})\n\t}\n}\n",
		CanonicalSolution: "    return n%2 == 0\n}\n",
	},
}

func TestMultiPLEGoSet(t *testing.T) {
	path := writeJSONL(t, "go.jsonl", testMultiPLE[0], testMultiPLE[1])
	for _, form := range []string{tasks.FormCompletion, tasks.FormChat} {
		checkSet(t, NewMultiPLEGo(), params.Values{"data_dir": path, "form": form})
	}
	in, err := collectOne(t, NewMultiPLEGo(), params.Values{"data_dir": path, "form": tasks.FormCompletion})
	if err != nil || in.Task != "humaneval" || in.Request.Prompt != testMultiPLE[0].Prompt || len(in.Request.Stop) != 3 {
		t.Fatalf("%+v %v", in, err)
	}
	// A continuation that runs on past the function is cut at a stop token.
	sc, err := scorer{}.Score(context.Background(), in, runners.Response{Text: testMultiPLE[0].CanonicalSolution + "\nfunc main() {\n\tbroken(\n"})
	if err != nil || sc.Value != 1 {
		t.Fatalf("%v %v", sc, err)
	}
	bad := writeJSONL(t, "py.jsonl", MultiPLERecord{Name: "x", Language: "py", Prompt: "def f():\n", Tests: "x"})
	if _, err := LoadMultiPLEGo(bad); err == nil {
		t.Fatal("a Python record was accepted")
	}
}

func TestMultiPLEWithoutSolutionUsesBaseTimeout(t *testing.T) {
	r := testMultiPLE[1]
	r.CanonicalSolution = ""
	path := writeJSONL(t, "go.jsonl", r)
	in, err := collectOne(t, NewMultiPLEGo(), params.Values{"data_dir": path, "timeout_base": 7.0})
	if err != nil || in.Reference.Completion != "" {
		t.Fatal(err)
	}
	e, _ := lookup(in)
	if d, err := e.timeout(context.Background()); err != nil || d != secondsDuration(7) {
		t.Fatalf("%v %v", d, err)
	}
}

func TestHumanEvalLoaderFormats(t *testing.T) {
	rec := HumanEvalRecord{TaskID: "Test/0", Prompt: "def f(x):\n    \"\"\"Double x.\"\"\"\n", CanonicalSolution: "    return 2 * x\n",
		Test: "def check(candidate):\n    assert candidate(2) == 4\n", EntryPoint: "f"}
	for _, name := range []string{"HumanEval.jsonl", "HumanEval.jsonl.gz"} {
		p := writeJSONL(t, name, rec)
		recs, err := LoadHumanEval(p)
		if err != nil || len(recs) != 1 || recs[0] != rec {
			t.Fatalf("%s: %v %v", name, recs, err)
		}
		// data_dir may name the file, or a directory holding it.
		for _, dir := range []string{p, filepath.Dir(p)} {
			got, err := LocateHumanEval(dir)
			if err != nil || got != p {
				t.Fatalf("LocateHumanEval(%s) = %s %v", dir, got, err)
			}
		}
		checkSet(t, NewHumanEval(), params.Values{"data_dir": p})
	}
	dup := writeJSONL(t, "dup.jsonl", rec, rec)
	if _, err := LoadHumanEval(dup); err == nil {
		t.Fatal("a duplicate task_id was accepted")
	}
	if _, err := LocateHumanEval(t.TempDir()); !errors.Is(err, datasets.ErrMissing) {
		t.Fatalf("an empty directory: %v", err)
	}
}

func TestHumanEvalOfficialSubset(t *testing.T) {
	path := sharedHumanEval(t)
	checkSet(t, NewHumanEval(), params.Values{"data_dir": path, "n": 8})
}

func TestHumanEvalOfficialAll(t *testing.T) {
	requireExhaustive(t)
	path := sharedHumanEval(t)
	recs, err := LoadHumanEval(path)
	if err != nil || len(recs) != HumanEvalRecords {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	checkSet(t, NewHumanEval(), params.Values{"data_dir": path})
	checkSet(t, NewHumanEval(), params.Values{"data_dir": path, "form": tasks.FormCompletion})
}
