package coding

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Outcome is the class of one sample's run. Exactly one applies; Passed
// is the only one that scores.
type Outcome string

// The outcome classes, in the order reports list them.
const (
	Passed           Outcome = "passed"
	FailedTests      Outcome = "failed_tests"
	CompileError     Outcome = "compile_error"
	Timeout          Outcome = "timeout"
	MemoryLimit      Outcome = "memory_limit"
	SandboxViolation Outcome = "sandbox_violation" // hit a limit of the sandbox: network, read-only files, processes, output
	NoTests          Outcome = "no_tests"          // the hidden tests did not run (exit before them, no test files): a failure
	Malformed        Outcome = "malformed"         // no code could be read from the answer
)

// Outcomes lists every class in report order.
var Outcomes = []Outcome{Passed, FailedTests, CompileError, Timeout, MemoryLimit, SandboxViolation, NoTests, Malformed}

// Verdict is the judgement of one run of a candidate against hidden tests.
type Verdict struct {
	Outcome Outcome
	Passed  int // hidden tests passed
	Total   int // hidden tests expected (0 for a script that is one test)
	Reason  string
	Wall    time.Duration
	CPU     time.Duration
	Backend string // sandbox backend that ran it
}

// Detail renders a verdict for Score.Detail: space-separated key=value
// fields, then a colon and the reason. Reports read the outcome back with
// OutcomeOf.
func (v Verdict) Detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "outcome=%s", v.Outcome)
	if v.Total > 0 {
		fmt.Fprintf(&b, " tests=%d/%d", v.Passed, v.Total)
	}
	pass := v.Outcome == Passed
	fmt.Fprintf(&b, " pass=%t", pass)
	if v.Wall > 0 {
		fmt.Fprintf(&b, " time=%.3fs cpu=%.3fs", v.Wall.Seconds(), v.CPU.Seconds())
	}
	if v.Backend != "" {
		fmt.Fprintf(&b, " sandbox=%s", v.Backend)
	}
	if v.Reason != "" {
		b.WriteString(": ")
		b.WriteString(oneLine(v.Reason, 400))
	}
	return b.String()
}

// OutcomeOf reads the outcome class from a Score.Detail written by this
// package ("" when there is none).
func OutcomeOf(detail string) Outcome {
	f := detailFields(detail)
	return Outcome(f["outcome"])
}

// TestsOf reads "tests=P/T" from a Score.Detail; ok is false without it.
func TestsOf(detail string) (passed, total int, ok bool) {
	t, has := detailFields(detail)["tests"]
	if !has {
		return 0, 0, false
	}
	a, b, _ := strings.Cut(t, "/")
	p, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	return p, n, err1 == nil && err2 == nil
}

func detailFields(detail string) map[string]string {
	head, _, _ := strings.Cut(detail, ": ")
	out := map[string]string{}
	for _, f := range strings.Fields(head) {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = v
		}
	}
	return out
}

// oneLine squeezes whitespace and cuts s to n bytes (on a rune boundary).
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Markers of a run that hit the sandbox's walls, matched lower-cased
// against what the run printed. The candidate can print them itself; that
// only changes which failure class it gets, never a pass.
var (
	violationMarkers = []string{
		"read-only file system",
		"network is unreachable",
		"connection refused", // bwrap brings up a private loopback: nothing listens there
		"temporary failure in name resolution",
		"name or service not known",
		"cannot assign requested address",
		"resource temporarily unavailable", // fork or thread creation at the process limit
		"can't start new thread",
		"pthread_create failed",
		"failed to create new os thread",
		"too many open files",
		"operation not permitted",
		"permission denied",
		"file too large",
	}
	memoryMarkers = []string{
		"memoryerror",
		"out of memory",
		"cannot allocate memory",
		"bad_alloc",
	}
)

// classifyFailure picks the class of a run that did not pass, from the
// strongest evidence down.
func classifyFailure(f failureFacts) (Outcome, string) {
	low := strings.ToLower(f.text)
	switch {
	case f.compileError != "":
		return CompileError, f.compileError
	case f.outputExceeded:
		return SandboxViolation, "output limit exceeded"
	case f.signal == "SIGXFSZ":
		return SandboxViolation, "file size limit exceeded"
	case f.timedOut || f.signal == "SIGXCPU" || (f.signal == "SIGKILL" && f.cpuLimitHit) || strings.Contains(low, "test timed out after") ||
		strings.Contains(low, "signal: cpu time limit exceeded") || strings.Contains(low, "signal: killed"):
		return Timeout, "time limit exceeded"
	}
	for _, m := range memoryMarkers {
		if strings.Contains(low, m) {
			return MemoryLimit, "memory limit exceeded: " + excerpt(f.text, m)
		}
	}
	for _, m := range violationMarkers {
		if strings.Contains(low, m) {
			return SandboxViolation, excerpt(f.text, m)
		}
	}
	if f.noTests != "" {
		return NoTests, f.noTests
	}
	return FailedTests, f.failure
}

// failureFacts is what a language runner learnt from a failed run.
type failureFacts struct {
	compileError   string
	outputExceeded bool
	timedOut       bool
	cpuLimitHit    bool
	signal         string
	noTests        string // why no test ran, when none did
	failure        string // the first failing test and its message
	text           string // stderr and relevant output, for markers
}

// excerpt returns the line of text holding marker (matched lower-cased).
func excerpt(text, marker string) string {
	low := strings.ToLower(text)
	i := strings.Index(low, marker)
	if i < 0 {
		return marker
	}
	start := strings.LastIndexByte(text[:i], '\n') + 1
	end := strings.IndexByte(text[i:], '\n')
	if end < 0 {
		end = len(text)
	} else {
		end += i
	}
	return oneLine(text[start:end], 200)
}
