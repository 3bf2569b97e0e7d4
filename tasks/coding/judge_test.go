package coding

import (
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/tasks/coding/sandbox"
)

func pyOut(nonce string, events ...string) []byte {
	var b strings.Builder
	for _, e := range events {
		b.WriteString("\n@@EB " + nonce + " " + e + "\n")
	}
	return []byte(b.String())
}

func TestJudgePython(t *testing.T) {
	const n = "abc"
	script := job{lang: "python", mode: "script"}
	unit := job{lang: "python", mode: "unit", expected: 3}
	cases := []struct {
		name string
		j    job
		r    sandbox.Result
		want Outcome
	}{
		{"script passes", script, sandbox.Result{Stdout: pyOut(n, `{"event":"done"}`)}, Passed},
		{"forged nonce", script, sandbox.Result{Stdout: pyOut("xyz", `{"event":"done"}`)}, NoTests},
		{"assertion", script, sandbox.Result{ExitCode: 1, Stderr: []byte("AssertionError"), Stdout: pyOut(n, `{"event":"error","error":"AssertionError: ","type":"AssertionError"}`)}, FailedTests},
		{"syntax", script, sandbox.Result{ExitCode: 3, Stdout: pyOut(n, `{"event":"compile_error","error":"SyntaxError: bad"}`)}, CompileError},
		{"exit 0 early", script, sandbox.Result{Stdout: pyOut(n, `{"event":"exit","code":"0"}`)}, NoTests},
		{"exit 1 early", script, sandbox.Result{ExitCode: 1, Stdout: pyOut(n, `{"event":"exit","code":"1"}`)}, FailedTests},
		{"timeout", script, sandbox.Result{TimedOut: true, ExitCode: -1}, Timeout},
		{"cpu", script, sandbox.Result{Signal: "SIGXCPU", ExitCode: -1}, Timeout},
		{"memory", script, sandbox.Result{ExitCode: 1, Stderr: []byte("Traceback...\nMemoryError\n")}, MemoryLimit},
		{"output", script, sandbox.Result{OutputExceeded: true, ExitCode: -1, Signal: "SIGKILL"}, SandboxViolation},
		{"fork bomb", script, sandbox.Result{ExitCode: 1, Stderr: []byte("BlockingIOError: [Errno 11] Resource temporarily unavailable")}, SandboxViolation},
		{"network", script, sandbox.Result{ExitCode: 1, Stderr: []byte("OSError: [Errno 101] Network is unreachable")}, SandboxViolation},
		{"unit all pass", unit, sandbox.Result{Stdout: pyOut(n, `{"event":"tests","total":3}`, `{"event":"pass"}`, `{"event":"pass"}`, `{"event":"pass"}`, `{"event":"done","passed":3,"total":3}`)}, Passed},
		{"unit fewer tests than hidden", unit, sandbox.Result{Stdout: pyOut(n, `{"event":"tests","total":2}`, `{"event":"pass"}`, `{"event":"pass"}`, `{"event":"done"}`)}, FailedTests},
		{"unit one fails", unit, sandbox.Result{Stdout: pyOut(n, `{"event":"tests","total":3}`, `{"event":"pass"}`, `{"event":"fail","test":"t","error":"x"}`, `{"event":"pass"}`, `{"event":"done"}`)}, FailedTests},
		{"unit test timeout", unit, sandbox.Result{Stdout: pyOut(n, `{"event":"tests","total":3}`, `{"event":"fail","test":"t","error":"timeout","type":"TestTimeout"}`, `{"event":"done"}`)}, Timeout},
		{"unit import error", unit, sandbox.Result{ExitCode: 1, Stdout: pyOut(n, `{"event":"import_error","error":"ImportError: x"}`)}, FailedTests},
		{"unit no tests", job{lang: "python", mode: "unit"}, sandbox.Result{Stdout: pyOut(n, `{"event":"tests","total":0}`, `{"event":"done"}`)}, NoTests},
	}
	for _, c := range cases {
		v := judgePython(c.j, c.r, n)
		if v.Outcome != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, v.Outcome, v.Reason, c.want)
		}
	}
	v := judgePython(unit, sandbox.Result{Stdout: pyOut(n, `{"event":"tests","total":3}`, `{"event":"pass"}`, `{"event":"fail"}`)}, n)
	if v.Passed != 1 || v.Total != 3 {
		t.Errorf("partial counts %d/%d", v.Passed, v.Total)
	}
}

func goEvents(lines ...string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

func TestJudgeGo(t *testing.T) {
	j := job{lang: "go", expected: 2}
	pass := func(test string) string {
		return `{"Action":"pass","Package":"m","Test":"` + test + `"}`
	}
	cases := []struct {
		name string
		r    sandbox.Result
		want Outcome
	}{
		{"pass", sandbox.Result{Stdout: goEvents(pass("TestA"), pass("TestB"), `{"Action":"pass","Package":"m"}`)}, Passed},
		{"subtests do not count", sandbox.Result{Stdout: goEvents(pass("TestA"), pass("TestA/x"), pass("TestA/y"))}, FailedTests},
		{"one fails", sandbox.Result{ExitCode: 1, Stdout: goEvents(pass("TestA"), `{"Action":"output","Package":"m","Test":"TestB","Output":"x_test.go:3: boom\n"}`, `{"Action":"fail","Package":"m","Test":"TestB"}`)}, FailedTests},
		{"build", sandbox.Result{ExitCode: 1, Stdout: goEvents(`{"ImportPath":"m","Action":"build-output","Output":"# m\n"}`, `{"ImportPath":"m","Action":"build-output","Output":"./a.go:3:1: syntax error\n"}`, `{"ImportPath":"m","Action":"build-fail"}`, `{"Action":"fail","Package":"m","FailedBuild":"m"}`)}, CompileError},
		{"no test files", sandbox.Result{Stdout: goEvents(`{"Action":"output","Package":"m","Output":"?   \tm\t[no test files]\n"}`, `{"Action":"skip","Package":"m"}`)}, NoTests},
		{"test timeout", sandbox.Result{ExitCode: 1, Stdout: goEvents(pass("TestA"), `{"Action":"output","Package":"m","Test":"TestB","Output":"panic: test timed out after 5s\n"}`, `{"Action":"fail","Package":"m","Test":"TestB"}`)}, Timeout},
		{"killed by cpu limit", sandbox.Result{ExitCode: 1, Stdout: goEvents(`{"Action":"output","Package":"m","Output":"signal: killed\n"}`, `{"Action":"fail","Package":"m"}`)}, Timeout},
		{"oom", sandbox.Result{ExitCode: 2, Stdout: goEvents(`{"Action":"output","Package":"m","Test":"TestA","Output":"fatal error: runtime: out of memory\n"}`, `{"Action":"fail","Package":"m","Test":"TestA"}`)}, MemoryLimit},
		{"exit 0 with no events", sandbox.Result{}, NoTests},
		{"go command error", sandbox.Result{ExitCode: 1, Stderr: []byte("go: cannot find main module\n")}, NoTests},
		{"wall", sandbox.Result{TimedOut: true, ExitCode: -1}, Timeout},
	}
	for _, c := range cases {
		v := judgeGo(j, c.r)
		if v.Outcome != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, v.Outcome, v.Reason, c.want)
		}
	}
	v := judgeGo(j, cases[2].r)
	if v.Passed != 1 || v.Total != 2 || !strings.Contains(v.Reason, "boom") {
		t.Errorf("counts %d/%d reason %q", v.Passed, v.Total, v.Reason)
	}
}

func TestDetailRoundTrip(t *testing.T) {
	v := Verdict{Outcome: FailedTests, Passed: 3, Total: 5, Reason: "m.TestX: want 1\n  got 2", Wall: 1500 * time.Millisecond, Backend: "bwrap"}
	d := v.Detail()
	if OutcomeOf(d) != FailedTests || !strings.Contains(d, "pass=false") || strings.Contains(d, "\n") {
		t.Fatalf("%q", d)
	}
	if p, n, ok := TestsOf(d); !ok || p != 3 || n != 5 {
		t.Fatalf("TestsOf %d %d %v", p, n, ok)
	}
	if OutcomeOf("") != "" || SamplePassed(1, "") != true || SamplePassed(0.9, d) {
		t.Fatal("defaults")
	}
	if !SamplePassed(0, (Verdict{Outcome: Passed}).Detail()) {
		t.Fatal("pass=true ignored")
	}
	if s := oneLine(strings.Repeat("é", 300), 11); len(s) > 14 || !strings.HasSuffix(s, "…") {
		t.Fatalf("oneLine %q", s)
	}
}
