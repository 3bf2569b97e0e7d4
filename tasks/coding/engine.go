package coding

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/engrambench/engrambench/tasks/coding/sandbox"
)

//go:embed harness/harness.py
var harnessPy string

const harnessFile = "_engrambench_harness.py"

// job is one program to run against hidden tests.
type job struct {
	lang  string            // "python" or "go"
	files map[string]string // placed in the work directory

	// python
	mode    string        // "script": run target; "unit": import target (a module) and run its test_* functions
	target  string        // script file or test module
	compile []string      // unit mode: candidate files to compile first (a syntax error is a compile error)
	perTest time.Duration // unit mode: time limit of one test function (0: none)

	// expected is the number of hidden tests (test_* functions, or
	// top-level Go Test functions); 0 for a script, which passes by
	// running to the end.
	expected int
}

// engineConfig selects the sandbox and toolchains.
type engineConfig struct {
	Backend string // sandbox backend; "" for auto
	Unsafe  bool   // run without isolation when none is available
	Python  string // python program
	Go      string // go program
}

// engine runs jobs in one sandbox with lazily found toolchains.
type engine struct {
	cfg engineConfig
	sb  *sandbox.Sandbox

	mu     sync.Mutex
	py, gt *sandbox.Toolchain
	pyErr  error
	goErr  error

	refMu  sync.Mutex
	refs   map[string]*refTiming
	refRun func(ctx context.Context, j job, limit time.Duration) (Verdict, error) // for tests
}

type refTiming struct {
	done chan struct{} // closed when the fields below are set
	d    time.Duration // measured CPU time of the reference
	v    Verdict       // the reference's own verdict
	err  error
}

// unprivilegedID is the host user candidates run as when this process is
// root (0: the sandbox's default); this package's tests use their own, to
// tell their candidates' processes from other tests'.
var unprivilegedID = 0

var (
	enginesMu sync.Mutex
	engines   = map[engineConfig]*engine{}
)

// engineFor returns the process-wide engine for cfg, creating it (and
// probing the sandbox) once.
func engineFor(cfg engineConfig) (*engine, error) {
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e, ok := engines[cfg]; ok {
		return e, nil
	}
	backend := cfg.Backend
	if backend == "" {
		backend = sandbox.BackendAuto
	}
	sb, err := sandbox.New(sandbox.Config{Backend: backend, AllowUnsafe: cfg.Unsafe, UnprivilegedID: unprivilegedID})
	if err != nil {
		return nil, err
	}
	e := &engine{cfg: cfg, sb: sb, refs: map[string]*refTiming{}}
	engines[cfg] = e
	return e, nil
}

// Describe says how candidates run, for self-checks.
func (e *engine) Describe() string { return e.sb.Describe() }

func (e *engine) toolchain(ctx context.Context, lang string) (*sandbox.Toolchain, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch lang {
	case "python":
		if e.py == nil && e.pyErr == nil {
			e.py, e.pyErr = sandbox.Python(ctx, e.cfg.Python)
		}
		return e.py, e.pyErr
	case "go":
		if e.gt == nil && e.goErr == nil {
			t, err := sandbox.Go(ctx, e.cfg.Go)
			if err == nil {
				err = t.Warm(ctx)
			}
			e.gt, e.goErr = t, err
		}
		return e.gt, e.goErr
	}
	return nil, fmt.Errorf("no toolchain for %q", lang)
}

// limitsFor derives a run's limits from its time limit, which bounds the
// CPU time of each process: CPU time hardly moves when other work loads
// the machine, where wall time would turn load into false timeouts. The
// wall-clock limit is a backstop for programs that sleep or block.
// The go command and its compiler need threads and address space that a
// Python program does not.
func limitsFor(lang string, limit time.Duration) sandbox.Limits {
	l := sandbox.Limits{CPU: limit, Wall: wallFor(limit)}
	switch lang {
	case "go":
		l.Memory, l.Procs = 4<<30, 256
	default:
		l.Memory, l.Procs = 2<<30, 64
	}
	return l
}

// wallFor is the wall-clock backstop of a CPU time limit.
func wallFor(limit time.Duration) time.Duration { return 3*limit + 5*time.Second }

// run executes j with a time limit (CPU time per process; see limitsFor)
// and judges the result. The error is for infrastructure failures only.
func (e *engine) run(ctx context.Context, j job, limit time.Duration) (Verdict, error) {
	tc, err := e.toolchain(ctx, j.lang)
	if err != nil {
		return Verdict{}, err
	}
	files := make([]sandbox.File, 0, len(j.files)+1)
	names := make([]string, 0, len(j.files))
	for n := range j.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		files = append(files, sandbox.File{Path: n, Data: []byte(j.files[n])})
	}
	spec := sandbox.Spec{Files: files, Mounts: tc.Mounts, Env: tc.Env, Limits: limitsFor(j.lang, limit)}
	var nonce string
	switch j.lang {
	case "python":
		nonce = newNonce()
		spec.Files = append(spec.Files, sandbox.File{Path: harnessFile, Data: []byte(harnessPy)})
		spec.Argv = []string{tc.Program, "-I", "-B", harnessFile, j.mode, j.target}
		if j.mode == "unit" {
			spec.Argv = append(spec.Argv, strconv.FormatFloat(j.perTest.Seconds(), 'f', 3, 64))
			spec.Argv = append(spec.Argv, j.compile...)
		}
		spec.Stdin = []byte(nonce + "\n")
	case "go":
		secs := max(int(wallFor(limit)/time.Second), 1)
		spec.Argv = []string{tc.Program, "test", "-json", "-count=1", "-vet=off", "-p=2",
			"-timeout=" + strconv.Itoa(secs) + "s", "./..."}
	}
	r, err := e.sb.Run(ctx, spec)
	if err != nil {
		return Verdict{}, err
	}
	var v Verdict
	switch j.lang {
	case "python":
		v = judgePython(j, r, nonce)
	case "go":
		v = judgeGo(j, r)
	}
	v.Wall, v.CPU, v.Backend = r.Wall, r.CPU, r.Backend
	return v, nil
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type pyEvent struct {
	Event  string `json:"event"`
	Test   string `json:"test"`
	Error  string `json:"error"`
	Type   string `json:"type"`
	Code   string `json:"code"`
	Total  int    `json:"total"`
	Passed int    `json:"passed"`
}

// judgePython reads the harness's reports from stdout.
func judgePython(j job, r sandbox.Result, nonce string) Verdict {
	prefix := "@@EB " + nonce + " "
	var events []pyEvent
	var rest bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(r.Stdout))
	sc.Buffer(make([]byte, 64*1024), len(r.Stdout)+1)
	for sc.Scan() {
		line := sc.Text()
		if s, ok := strings.CutPrefix(line, prefix); ok {
			var ev pyEvent
			if json.Unmarshal([]byte(s), &ev) == nil {
				events = append(events, ev)
				continue
			}
		}
		rest.WriteString(line)
		rest.WriteByte('\n')
	}
	f := failureFacts{
		outputExceeded: r.OutputExceeded, timedOut: r.TimedOut, signal: r.Signal, cpuLimitHit: r.CPULimitHit,
		text: string(r.Stderr) + "\n" + tail(rest.String(), 4000),
	}
	done, passed, total := false, 0, j.expected
	var exitEvent *pyEvent
	for i := range events {
		ev := &events[i]
		switch ev.Event {
		case "compile_error":
			f.compileError = ev.Error
		case "import_error", "error":
			if f.failure == "" {
				f.failure = ev.Error
			}
			f.text += "\n" + ev.Error
		case "exit":
			exitEvent = ev
		case "tests":
			if total == 0 {
				total = ev.Total
			}
			if ev.Total == 0 {
				f.noTests = "no test_* functions in the hidden tests"
			}
		case "pass":
			passed++
		case "fail":
			if f.failure == "" {
				f.failure = ev.Test + ": " + ev.Error
			}
			if ev.Type == "MemoryError" || ev.Type == "TestTimeout" {
				f.text += "\n" + ev.Type
				if ev.Type == "TestTimeout" {
					f.text += " test timed out after limit"
				}
			}
		case "done":
			done = true
		}
	}
	v := Verdict{Passed: passed, Total: total}
	if j.mode == "script" {
		v.Total = 0
		if done && r.Exited() {
			v.Outcome = Passed
			return v
		}
	} else if done && r.Exited() && total > 0 && passed == total {
		v.Outcome = Passed
		return v
	}
	if exitEvent != nil && (exitEvent.Code == "0" || exitEvent.Code == "None") && f.compileError == "" {
		f.noTests = "the program exited (status " + exitEvent.Code + ") before the tests finished"
	} else if !done && r.Exited() && f.compileError == "" && f.failure == "" {
		f.noTests = "the program ended before the tests finished"
	}
	if f.failure == "" {
		f.failure = lastLine(string(r.Stderr))
	}
	v.Outcome, v.Reason = classifyFailure(f)
	return v
}

type goEvent struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string
	FailedBuild string
}

// judgeGo reads `go test -json` from stdout (and the go command's own
// errors from stderr).
func judgeGo(j job, r sandbox.Result) Verdict {
	f := failureFacts{outputExceeded: r.OutputExceeded, timedOut: r.TimedOut, signal: r.Signal, cpuLimitHit: r.CPULimitHit}
	var buildOut, other strings.Builder
	results := map[string]string{} // package.Test → pass/fail
	testOut := map[string]*strings.Builder{}
	var order []string
	buildFailed, sawTest, noTestFiles := false, false, false
	sc := bufio.NewScanner(bytes.NewReader(r.Stdout))
	sc.Buffer(make([]byte, 64*1024), len(r.Stdout)+1)
	for sc.Scan() {
		line := sc.Bytes()
		var ev goEvent
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			other.Write(line)
			other.WriteByte('\n')
			continue
		}
		switch ev.Action {
		case "build-output":
			buildOut.WriteString(ev.Output)
		case "build-fail":
			buildFailed = true
		case "output":
			if strings.Contains(ev.Output, "[no test files]") {
				noTestFiles = true
			}
			if strings.Contains(ev.Output, "[build failed]") || strings.Contains(ev.Output, "[setup failed]") {
				buildFailed = true
			}
			if ev.Test != "" {
				key := ev.Package + "." + ev.Test
				if testOut[key] == nil {
					testOut[key] = &strings.Builder{}
				}
				if testOut[key].Len() < 2000 {
					testOut[key].WriteString(ev.Output)
				}
			} else if other.Len() < 64*1024 {
				other.WriteString(ev.Output)
			}
		case "pass", "fail", "skip":
			if ev.FailedBuild != "" {
				buildFailed = true
			}
			if ev.Test != "" && !strings.Contains(ev.Test, "/") {
				sawTest = true
				key := ev.Package + "." + ev.Test
				if _, seen := results[key]; !seen {
					order = append(order, key)
				}
				results[key] = ev.Action
			}
		}
	}
	passed := 0
	for _, k := range order {
		if results[k] == "pass" {
			passed++
		} else if f.failure == "" {
			f.failure = k + ": " + goFailureMessage(testOut[k])
		}
	}
	total := j.expected
	if total == 0 {
		total = len(order)
	}
	v := Verdict{Passed: passed, Total: total}
	if r.Exited() && sawTest && passed == total && !buildFailed {
		v.Outcome = Passed
		return v
	}
	f.text = string(r.Stderr) + "\n" + tail(other.String(), 8000)
	for _, b := range testOut {
		f.text += "\n" + b.String()
	}
	if buildFailed {
		msg := strings.TrimSpace(buildOut.String())
		if msg == "" {
			msg = strings.TrimSpace(string(r.Stderr))
		}
		f.compileError = firstLines(dropHashLines(msg), 3)
		if f.compileError == "" {
			f.compileError = "build failed"
		}
	}
	if !sawTest && f.compileError == "" {
		switch {
		case noTestFiles:
			f.noTests = "no test files"
		default:
			f.noTests = "no test ran"
			if s := strings.TrimSpace(string(r.Stderr)); s != "" {
				f.noTests += ": " + firstLines(s, 2)
			}
		}
	}
	if f.failure == "" {
		f.failure = firstLines(strings.TrimSpace(string(r.Stderr)+"\n"+other.String()), 2)
	}
	v.Outcome, v.Reason = classifyFailure(f)
	return v
}

func goFailureMessage(b *strings.Builder) string {
	if b == nil {
		return "failed"
	}
	var keep []string
	for _, l := range strings.Split(b.String(), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== RUN") || strings.HasPrefix(t, "--- FAIL") || strings.HasPrefix(t, "=== CONT") || strings.HasPrefix(t, "=== PAUSE") {
			continue
		}
		keep = append(keep, t)
		if len(keep) == 2 {
			break
		}
	}
	if len(keep) == 0 {
		return "failed"
	}
	return strings.Join(keep, " | ")
}

func dropHashLines(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "# ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func firstLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[:n]
	}
	return strings.Join(ls, " | ")
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// Timeouts follow FACTS.md §4 (EvalPlus): max(base, factor × the
// reference solution's runtime), at most maxTimeout, with the reference
// measured once per problem and cached for the process. Runtime here is
// CPU time (see limitsFor).
const maxTimeout = 60 * time.Second

// timeoutFor returns the time limit of candidates of one problem, running
// the reference once (key identifies the problem's content) to measure it.
func (e *engine) timeoutFor(ctx context.Context, key string, ref job, base time.Duration, factor float64) (time.Duration, error) {
	e.refMu.Lock()
	t := e.refs[key]
	owner := t == nil
	if owner {
		t = &refTiming{done: make(chan struct{})}
		e.refs[key] = t
	}
	e.refMu.Unlock()
	if owner {
		run := e.run
		if e.refRun != nil {
			run = e.refRun
		}
		v, err := run(ctx, ref, maxTimeout)
		switch {
		case err != nil:
			t.err = err
		case v.Outcome != Passed:
			t.d, t.v = maxTimeout, v // a broken reference: be generous, the self-check reports it
		default:
			t.d, t.v = v.CPU, v
		}
		close(t.done)
	} else {
		select {
		case <-t.done:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	if t.err != nil {
		err := t.err
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			e.refMu.Lock()
			delete(e.refs, key) // measure again next time
			e.refMu.Unlock()
		}
		return 0, fmt.Errorf("measuring the reference solution: %w", err)
	}
	d := time.Duration(factor * float64(t.d))
	return min(max(base, d), maxTimeout), nil
}

// refVerdict returns the verdict of the reference measured under key, if
// it passed: scoring the reference answer need not run it twice.
func (e *engine) refVerdict(key string) (Verdict, bool) {
	e.refMu.Lock()
	t := e.refs[key]
	e.refMu.Unlock()
	if t == nil {
		return Verdict{}, false
	}
	select {
	case <-t.done:
		return t.v, t.err == nil && t.v.Outcome == Passed
	default:
		return Verdict{}, false
	}
}
