package coding

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

const fileV1 = `package p

import "fmt"

func A() {
	fmt.Println("a")
}

func B() {
	fmt.Println("b")
}

func C() {
	fmt.Println("c")
}
`

func TestParsePatchGit(t *testing.T) {
	diff := "diff --git a/p.go b/p.go\nindex 1111..2222 100644\n--- a/p.go\n+++ b/p.go\n@@ -5,3 +5,3 @@ import \"fmt\"\n func A() {\n-\tfmt.Println(\"a\")\n+\tfmt.Println(\"A\")\n }\n"
	ps, err := ParsePatch(diff)
	if err != nil || len(ps) != 1 {
		t.Fatalf("%v %v", ps, err)
	}
	p := ps[0]
	if p.OldPath != "p.go" || p.NewPath != "p.go" || len(p.Hunks) != 1 || !p.Hunks[0].HasPos || p.Hunks[0].OldStart != 5 {
		t.Fatalf("%+v", p)
	}
	got, err := ApplyPatch(fileV1, p)
	if err != nil || !strings.Contains(got, `fmt.Println("A")`) || strings.Contains(got, `fmt.Println("a")`) {
		t.Fatalf("%v\n%s", err, got)
	}
}

func TestApplyWithOffsetAndSeveralHunks(t *testing.T) {
	// Line numbers off by 3 (as if written against an older file).
	diff := "--- p.go\n+++ p.go\n@@ -12,3 +12,4 @@\n func C() {\n \tfmt.Println(\"c\")\n+\tfmt.Println(\"c2\")\n }\n@@ -2,3 +2,3 @@\n func A() {\n-\tfmt.Println(\"a\")\n+\tfmt.Println(\"A\")\n }\n"
	ps, err := ParsePatch(diff)
	if err != nil {
		t.Fatal(err)
	}
	// Hunks out of order do not apply: they must follow the file.
	if _, err := ApplyPatch(fileV1, ps[0]); err == nil {
		t.Fatal("out-of-order hunks applied")
	}
	ps[0].Hunks[0], ps[0].Hunks[1] = ps[0].Hunks[1], ps[0].Hunks[0]
	got, err := ApplyPatch(fileV1, ps[0])
	if err != nil || !strings.Contains(got, `"A"`) || !strings.Contains(got, "\"c\")\n\tfmt.Println(\"c2\")") {
		t.Fatalf("%v\n%s", err, got)
	}
}

func TestApplyFuzzyWhitespaceAndContext(t *testing.T) {
	// The model re-indented with spaces and got one context line wrong.
	diff := "--- p.go\n+++ p.go\n@@ ... @@\n func B() {   \n-    fmt.Println(\"b\")\n+    fmt.Println(\"B\")\n }\n"
	ps, err := ParsePatch(diff)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ApplyPatch(fileV1, ps[0])
	if err != nil || !strings.Contains(got, "fmt.Println(\"B\")") || !strings.Contains(got, "func B() {\n") {
		t.Fatalf("%v\n%s", err, got)
	}
	wrongContext := "--- p.go\n+++ p.go\n@@ -9,3 +9,3 @@\n func Bee() {\n-\tfmt.Println(\"b\")\n+\tfmt.Println(\"B\")\n }\n"
	ps, _ = ParsePatch(wrongContext)
	if got, err := ApplyPatch(fileV1, ps[0]); err != nil || !strings.Contains(got, `"B"`) || !strings.Contains(got, "func B()") {
		t.Fatalf("context fuzz: %v\n%s", err, got)
	}
	hopeless := "--- p.go\n+++ p.go\n@@ -9,3 +9,3 @@\n func Z() {\n-\tnot in the file\n+\tx\n }\n"
	ps, _ = ParsePatch(hopeless)
	if _, err := ApplyPatch(fileV1, ps[0]); err == nil {
		t.Fatal("a hunk whose removed lines are not in the file applied")
	}
}

func TestApplyBlankContextLinesWithoutSpace(t *testing.T) {
	diff := "--- p.go\n+++ p.go\n@@ -6,4 +6,4 @@\n }\n\n func B() {\n-\tfmt.Println(\"b\")\n+\tfmt.Println(\"B\")\n"
	ps, err := ParsePatch(diff)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ApplyPatch(fileV1, ps[0])
	if err != nil || !strings.Contains(got, `"B"`) {
		t.Fatalf("%v\n%s", err, got)
	}
}

func TestNewDeleteRename(t *testing.T) {
	diff := "--- /dev/null\n+++ b/new/n.go\n@@ -0,0 +1,2 @@\n+package n\n+// hi\n" +
		"--- a/old.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-package old\n" +
		"--- a/p.go\n+++ b/q.go\n@@ -1 +1 @@\n-package p\n+package q\n"
	ps, err := ParsePatch(diff)
	if err != nil || len(ps) != 3 {
		t.Fatalf("%v %v", ps, err)
	}
	if !ps[0].IsNew() || !ps[1].IsDelete() || ps[2].Path() != "q.go" {
		t.Fatalf("%+v", ps)
	}
	files, err := ApplyPatches(map[string]string{"old.go": "package old\n", "p.go": fileV1}, ps)
	if err != nil {
		t.Fatal(err)
	}
	if files["new/n.go"] != "package n\n// hi\n" || files["old.go"] != "" && len(files) != 2 {
		t.Fatalf("%v", files)
	}
	if _, ok := files["old.go"]; ok {
		t.Fatal("deleted file kept")
	}
	if _, ok := files["p.go"]; ok || !strings.HasPrefix(files["q.go"], "package q\n") {
		t.Fatalf("rename: %v", files)
	}
}

func TestNoNewlineAtEOF(t *testing.T) {
	diff := "--- a\n+++ a\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n\\ No newline at end of file\n"
	ps, err := ParsePatch(diff)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ApplyPatch("x\ny", ps[0]); err != nil || got != "x\nz" {
		t.Fatalf("%q %v", got, err)
	}
	add := "--- a\n+++ a\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n"
	ps, _ = ParsePatch(add)
	if got, err := ApplyPatch("x\ny", ps[0]); err != nil || got != "x\nz\n" {
		t.Fatalf("%q %v", got, err)
	}
}

func TestParsePatchErrors(t *testing.T) {
	for _, bad := range []string{
		"", "just text", "--- a\n+++ b\n", "--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+x\n",
		"--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-x\n+y\n",
		"--- a\n+++ a\n@@ -1 +1 @@",
	} {
		if _, err := ParsePatch(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestApplyPatchesMissingFile(t *testing.T) {
	ps, _ := ParsePatch("--- a/x.go\n+++ b/x.go\n@@ -1 +1 @@\n-a\n+b\n")
	if _, err := ApplyPatches(map[string]string{}, ps); err == nil {
		t.Fatal("patched a missing file")
	}
	ps, _ = ParsePatch("--- a/x.go\n+++ b/x.go\n@@ -0,0 +1 @@\n+b\n")
	if files, err := ApplyPatches(map[string]string{}, ps); err != nil || files["x.go"] != "b\n" {
		t.Fatalf("creation with the path on both sides: %v %v", files, err)
	}
}

// unifiedDiff writes a unified diff of a to b with c lines of context,
// from a longest common subsequence; the tests' source of real diffs.
func unifiedDiff(path, a, b string, c int) string {
	x, _ := fileLines(a)
	y, _ := fileLines(b)
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte
		text string
		i, j int // positions before the op
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, op{' ', x[i], i, j})
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, op{'+', y[j], i, j})
			j++
		default:
			ops = append(ops, op{'-', x[i], i, j})
			i++
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- a/%s\n+++ b/%s\n", path, path)
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		start := max(k-c, 0)
		end := k
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run-end > 2*c || run == len(ops) {
				end = min(end+c, len(ops))
				break
			}
			end = run
		}
		var body strings.Builder
		ol, nl := 0, 0
		for _, o := range ops[start:end] {
			body.WriteByte(o.kind)
			body.WriteString(o.text)
			body.WriteByte('\n')
			if o.kind != '+' {
				ol++
			}
			if o.kind != '-' {
				nl++
			}
		}
		os, ns := ops[start].i+1, ops[start].j+1
		if ol == 0 {
			os--
		}
		if nl == 0 {
			ns--
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n%s", os, ol, ns, nl, body.String())
		k = end
	}
	return out.String()
}

func mutateLines(r *rand.Rand, s string) string {
	lines, _ := fileLines(s)
	for k := r.IntN(4) + 1; k > 0; k-- {
		switch p := r.IntN(max(len(lines), 1)); r.IntN(3) {
		case 0:
			lines = append(lines[:p], append([]string{fmt.Sprintf("added %d", r.IntN(100))}, lines[p:]...)...)
		case 1:
			if len(lines) > 0 {
				lines = append(lines[:p], lines[p+1:]...)
			}
		default:
			if len(lines) > 0 {
				lines[p] = fmt.Sprintf("changed %d", r.IntN(100))
			}
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestDiffRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for it := 0; it < 300; it++ {
		a := mutateLines(r, fileV1)
		b := mutateLines(r, a)
		if a == "" || b == "" {
			continue
		}
		d := unifiedDiff("f.go", a, b, 1+r.IntN(3))
		if !strings.Contains(d, "@@") {
			continue
		}
		ps, err := ParsePatch(d)
		if err != nil {
			t.Fatalf("%v\n%s", err, d)
		}
		got, err := ApplyPatch(a, ps[0])
		if err != nil || got != b {
			t.Fatalf("round trip failed: %v\n--- a\n%s--- b\n%s--- diff\n%s--- got\n%s", err, a, b, d, got)
		}
	}
}

// FuzzParsePatch checks that any text parses without panicking and that
// what parses applies (or fails cleanly) to any file.
func FuzzParsePatch(f *testing.F) {
	f.Add("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n", "a\nb\n")
	f.Add("--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n", "")
	f.Add("--- x\n+++ x\n@@ ... @@\n\n-\n+\n", "\n\n")
	f.Fuzz(func(t *testing.T, diff, file string) {
		ps, err := ParsePatch(diff)
		if err != nil {
			return
		}
		for _, p := range ps {
			_, _ = ApplyPatch(file, p)
		}
		_, _ = ApplyPatches(map[string]string{"x": file}, ps)
	})
}

// FuzzDiffRoundTrip checks that a diff of two texts, written by a plain
// LCS differ, applies to the first and gives the second.
func FuzzDiffRoundTrip(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd\n", uint8(1))
	f.Add("x\n", "y\n", uint8(3))
	f.Fuzz(func(t *testing.T, a, b string, ctx uint8) {
		if !strings.HasSuffix(a, "\n") || !strings.HasSuffix(b, "\n") || strings.Contains(a+b, "\r") || a == b {
			return
		}
		d := unifiedDiff("f", a, b, int(ctx%4)+1)
		ps, err := ParsePatch(d)
		if err != nil {
			if strings.Contains(err.Error(), "bad path") {
				return
			}
			t.Fatalf("%v\n%s", err, d)
		}
		got, err := ApplyPatch(a, ps[0])
		if err != nil || got != b {
			t.Fatalf("%v: got %q want %q\n%s", err, got, b, d)
		}
	})
}
