package longctx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// squadJSON is a small SQuAD v2.0 file: pretty-printed, so problems have
// lines to point at.
func squadJSON(paragraphs int) string {
	var b strings.Builder
	b.WriteString("{\n  \"version\": \"v2.0\",\n  \"data\": [\n    {\n      \"title\": \"Rivers\",\n      \"paragraphs\": [\n")
	for i := range paragraphs {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `        {
          "context": "River number %[1]d flows through the valley of Lorn %[1]d and meets the sea at Haven %[1]d. Fishermen call it the grey river.",
          "qas": [
            {"id": "q%[1]d", "question": "Where does river %[1]d meet the sea?", "answers": [{"text": "Haven %[1]d", "answer_start": 70}, {"text": "at Haven %[1]d", "answer_start": 67}], "is_impossible": false},
            {"id": "u%[1]d", "question": "Who named river %[1]d?", "answers": [], "plausible_answers": [{"text": "Fishermen", "answer_start": 0}], "is_impossible": true}
          ]
        }`, i)
	}
	b.WriteString("\n      ]\n    }\n  ]\n}\n")
	return b.String()
}

func hotpotJSON(items int) string {
	var b strings.Builder
	b.WriteString("[\n")
	for i := range items {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `  {"_id": "h%[1]d", "question": "Which port is the twin town of Alder %[1]d?", "answer": "Brill %[1]d", "type": "bridge", "level": "easy",
   "supporting_facts": [["Alder %[1]d", 0], ["Brill %[1]d", 0]],
   "context": [["Alder %[1]d", ["Alder %[1]d is a market town.", " Its twin town is the port of Brill %[1]d."]], ["Brill %[1]d", ["Brill %[1]d is a port on the north coast."]]]}`, i)
	}
	b.WriteString("\n]\n")
	return b.String()
}

func TestParseSQuAD(t *testing.T) {
	d, err := parseSQuAD("s.json", []byte(squadJSON(3)))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.paras) != 3 || len(d.items) != 3 {
		t.Fatalf("%d paragraphs, %d questions (the unanswerable ones are skipped)", len(d.paras), len(d.items))
	}
	if it := d.items[1]; it.question != "Where does river 1 meet the sea?" || fmt.Sprint(it.answers) != "[Haven 1 at Haven 1]" || it.gold[0] != 1 {
		t.Errorf("item %+v", it)
	}
}

func TestParseHotpotQA(t *testing.T) {
	d, err := parseHotpotQA("h.json", []byte(hotpotJSON(3)))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.paras) != 6 || len(d.items) != 3 || len(d.items[2].gold) != 2 {
		t.Fatalf("%d paragraphs, %d questions", len(d.paras), len(d.items))
	}
	if d.paras[0] != "Alder 0: Alder 0 is a market town. Its twin town is the port of Brill 0." {
		t.Errorf("paragraph %q", d.paras[0])
	}
}

// TestDatasetErrors: a missing, truncated or malformed file names the
// file and the first bad line.
func TestDatasetErrors(t *testing.T) {
	dir := t.TempDir()
	good := squadJSON(3)
	cases := []struct {
		name, content string
		load          func(string) (*qaData, error)
		want          string
	}{
		{"truncated.json", good[:len(good)/2], loadSQuAD, "truncated.json:"},
		{"comma.json", strings.Replace(good, `"version": "v2.0",`, `"version": "v2.0",,`, 1), loadSQuAD, "comma.json:2:"},
		{"noanswer.json", strings.Replace(good, `"answers": [{"text": "Haven 1", "answer_start": 70}, {"text": "at Haven 1", "answer_start": 67}]`, `"answers": []`, 1), loadSQuAD, "noanswer.json:17:13:"},
		{"type.json", strings.Replace(good, `"context": "River number 2`, `"context": 7, "x": "River number 2`, 1), loadSQuAD, "type.json:22:"},
		{"notsquad.json", `{"data": []}`, loadSQuAD, "notsquad.json:1:"},
		{"empty.json", "  \n", loadSQuAD, "empty.json: empty file"},
		{"latin1.json", "{\"data\": \"caf\xe9\"}", loadSQuAD, "latin1.json:1:14: not UTF-8"},
		{"hp_truncated.json", hotpotJSON(2)[:200], loadHotpotQA, "hp_truncated.json:"},
		{"hp_context.json", strings.Replace(hotpotJSON(2), `["Brill 1", ["Brill 1 is a port on the north coast."]]`, `["Brill 1"]`, 1), loadHotpotQA, "hp_context.json:7:"},
		{"hp_noanswer.json", strings.Replace(hotpotJSON(2), `"answer": "Brill 1"`, `"answer": ""`, 1), loadHotpotQA, "hp_noanswer.json:5:"},
		{"hp_object.json", `{"question": "x"}`, loadHotpotQA, "hp_object.json:1:"},
	}
	for _, c := range cases {
		p := writeFile(t, dir, c.name, c.content)
		_, err := c.load(p)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, c.want)) {
			t.Errorf("%s: %v, want it to name %s", c.name, err, c.want)
		}
	}
	_, err := loadSQuAD(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "squad_file") || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

func TestLocate(t *testing.T) {
	data := []byte("{\n \"a\": [\n  1,\n  {\"b\": \"x\"}\n ]\n}")
	for _, c := range []struct {
		path []any
		line int
	}{{[]any{"a"}, 2}, {[]any{"a", 0}, 3}, {[]any{"a", 1}, 4}, {[]any{"a", 1, "b"}, 4}, {[]any{"zz"}, 6}} {
		if l, _ := lineCol(data, locate(data, c.path...)); l != c.line {
			t.Errorf("%v: line %d, want %d", c.path, l, c.line)
		}
	}
}

func TestSplitText(t *testing.T) {
	units, err := splitText("a.txt", []byte("First one. Second one!\r\nStill second? \"Quoted.\" Tail\n\n\nNew para. Last"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"\n\nFirst one.", " Second one!", " Still second?", ` "Quoted."`, " Tail", "\n\nNew para.", " Last"}
	if fmt.Sprintf("%q", units) != fmt.Sprintf("%q", want) {
		t.Errorf("units %q", units)
	}
	if _, err := splitText("b.txt", []byte("ok\nline two \x00 bad")); err == nil || !strings.Contains(err.Error(), "b.txt:2:") {
		t.Errorf("NUL: %v", err)
	}
	if _, err := splitText("c.txt", []byte("ok\n\nbad \xff here")); err == nil || !strings.Contains(err.Error(), "c.txt:3:5") {
		t.Errorf("bad UTF-8: %v", err)
	}
}

func FuzzParseSQuAD(f *testing.F) {
	f.Add([]byte(squadJSON(2)))
	f.Add([]byte(`{"data":[{"paragraphs":[{"context":"c","qas":[{"question":"q","answers":[{"text":"a"}]}]}]}]}`))
	f.Add([]byte(`{"data":[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parseSQuAD("f.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, it := range d.items {
			if it.question == "" || len(it.answers) == 0 || it.gold[0] >= len(d.paras) {
				t.Fatalf("bad item %+v", it)
			}
		}
	})
}

func FuzzParseHotpotQA(f *testing.F) {
	f.Add([]byte(hotpotJSON(2)))
	f.Add([]byte(`[{"question":"q","answer":"a","context":[["t",["s"]]]}]`))
	f.Add([]byte(`[{"question":"q","answer":"a","context":[["t"]]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := parseHotpotQA("f.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, it := range d.items {
			if len(it.gold) == 0 || len(it.answers) != 1 {
				t.Fatalf("bad item %+v", it)
			}
		}
	})
}

func FuzzSplitText(f *testing.F) {
	f.Add([]byte("One. Two!\n\nThree?"))
	f.Add([]byte("\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		units, err := splitText("f.txt", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.txt:") {
				t.Fatalf("error does not name the file and line: %v", err)
			}
			return
		}
		for _, u := range units {
			body := strings.TrimLeft(u, " \n")
			if body == "" || strings.ContainsAny(body, "\n\t") || (u[0] != ' ' && !strings.HasPrefix(u, "\n\n")) {
				t.Fatalf("unit %q", u)
			}
		}
	})
}

// TestRealText: haystack_dir, squad_file and hotpotqa_file feed the tasks
// end to end, and the self-check passes on them.
func TestRealText(t *testing.T) {
	dir := t.TempDir()
	var essay strings.Builder
	for i := range 60 {
		fmt.Fprintf(&essay, "The lighthouse keeper walked the cliff path at dusk, counting gulls. ")
		if i%6 == 5 {
			essay.WriteString("\n\n")
		}
	}
	writeFile(t, dir, "hay/b.txt", essay.String())
	writeFile(t, dir, "hay/a.txt", "Salt wind came off the water. The boats were already in.\n")
	writeFile(t, dir, "hay/skip.md", "not read")
	squad := writeFile(t, dir, "squad.json", squadJSON(40))
	hotpot := writeFile(t, dir, "hotpot.json", hotpotJSON(30))
	p := params.Values{"n": 3, "lengths": []int{2048, 4096}, "tasks": []string{"niah_single_2", "niah_multivalue", "qa_1", "qa_2"},
		"haystack_dir": filepath.Join(dir, "hay"), "squad_file": squad, "hotpotqa_file": hotpot}
	for _, g := range generateAll(t, context.Background(), p) {
		text := g.in.Request.Text()
		switch g.task.name {
		case "qa_1":
			if !strings.Contains(text, "Question: Where does river") || !strings.Contains(text, "Fishermen call it") {
				t.Errorf("%s: not SQuAD text", g.in.ID)
			}
		case "qa_2":
			if !strings.Contains(text, "Question: Which port is the twin town") || !strings.Contains(text, "market town") {
				t.Errorf("%s: not HotpotQA text", g.in.ID)
			}
		default:
			if !strings.Contains(text, "lighthouse keeper") || !strings.Contains(text, "Salt wind") || strings.Contains(text, "not read") {
				t.Errorf("%s: not the haystack_dir text", g.in.ID)
			}
		}
		if err := g.s.(verifier).verify(g.units, text); err != nil {
			t.Errorf("%s: %v", g.in.ID, err)
		}
	}
	res, err := tasks.Check(context.Background(), NewRuler(), p, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.OK() {
			t.Errorf("%s: %v", r.Name, r.Failures)
		}
	}
	// A broken file stops generation with the file named.
	p["squad_file"] = writeFile(t, dir, "broken.json", squadJSON(3)[:300])
	for _, err := range NewRuler().Instances(context.Background(), p) {
		if err == nil || !strings.Contains(err.Error(), "broken.json:") {
			t.Errorf("broken squad_file: %v", err)
		}
		break
	}
}
