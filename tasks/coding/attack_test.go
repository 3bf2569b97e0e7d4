package coding

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engrambench/engrambench/tasks/coding/sandbox"
)

// The attack tests run a model "answer" that attacks the machine through
// the whole path a real answer takes (reading, program assembly, harness,
// sandbox, judging) and assert the outcome class, that the host is
// untouched, and that no process of the candidate remains. They run on
// every backend that works here.

const attackPrompt = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n"
const attackCheck = "def check(candidate):\n    assert candidate(2, 3) == 5\n"

// attackPython is the interpreter for attack runs: the system one, which an
// unprivileged bwrap can reach, when present.
func attackPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

func attackBackends(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, b := range []string{sandbox.BackendBwrap, sandbox.BackendNamespaces} {
		e, err := engineFor(engineConfig{Backend: b, Python: attackPython(), Go: "go"})
		if err == nil {
			_, err = e.toolchain(context.Background(), "python")
		}
		if err == nil {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		t.Skip("no sandbox backend works here")
	}
	return out
}

func attackEntry(backend, name string) *entry {
	p := &problem{
		task: "attack", name: name, lang: "python",
		reference: "    return a + b\n",
		build:     pythonFunction(attackPrompt, "add", attackCheck),
	}
	return &entry{p: p, key: "attack|" + backend + "|" + name, pol: policy{
		eng:  engineConfig{Backend: backend, Python: attackPython(), Go: "go"},
		base: time.Second, factor: 2,
	}}
}

func runAttack(t *testing.T, backend, name, answer string) Verdict {
	t.Helper()
	start := time.Now()
	v, _, err := judge(context.Background(), attackEntry(backend, name), answer)
	if err != nil {
		t.Fatalf("%s: the sandbox broke: %v", name, err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("%s took %v", name, d)
	}
	noCandidateLeft(t)
	return v
}

// testUID is the unprivileged user this test process's candidates run as
// when the tests run as root: unique to the process, so that another test
// run on the same machine (the sandbox package's, or a colleague's) is not
// mistaken for a leftover of ours.
var testUID = 200000 + os.Getpid()%100000

func init() { unprivilegedID = testUID }

// noCandidateLeft fails when a process of a candidate survives its run:
// as root, any process of the unprivileged user candidates run as.
func noCandidateLeft(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	deadline := time.Now().Add(10 * time.Second) // a loaded machine reaps killed processes late
	for {
		left := processesOf(testUID)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("candidate processes left: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func processesOf(uid int) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) > 1 && f[0] == "Uid:" && f[1] == strconv.Itoa(uid) {
				cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
				out = append(out, e.Name()+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
			}
		}
	}
	return out
}

func processesWith(marker string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), marker) {
			out = append(out, e.Name())
		}
	}
	return out
}

func expect(t *testing.T, v Verdict, want Outcome) {
	t.Helper()
	if v.Outcome != want {
		t.Fatalf("outcome %s (%s), want %s", v.Outcome, v.Reason, want)
	}
}

func fn(body string) string { return "```python\ndef add(a, b):\n" + body + "```\n" }

func TestAttackForkBomb(t *testing.T) {
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			v := runAttack(t, b, "fork", "```python\nimport os\n\ndef add(a, b):\n    while True:\n        os.fork()\n```")
			expect(t, v, SandboxViolation)
		})
	}
}

func TestAttackInfiniteLoop(t *testing.T) {
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			expect(t, runAttack(t, b, "loop", fn("    while True:\n        pass\n")), Timeout)
			if b == attackBackends(t)[0] { // the wall-clock backstop takes a while; once is enough
				expect(t, runAttack(t, b, "sleep", "```python\nimport time\n\ndef add(a, b):\n    time.sleep(3600)\n```"), Timeout)
			}
		})
	}
}

func TestAttackMemoryBomb(t *testing.T) {
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			v := runAttack(t, b, "memory", fn("    hog = []\n    while True:\n        hog.append(bytes(64 << 20))\n"))
			expect(t, v, MemoryLimit)
		})
	}
}

func TestAttackWrites(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip(err)
	}
	wd, _ := os.Getwd()
	root := filepath.Dir(filepath.Dir(wd)) // the repository
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			name := fmt.Sprintf("engrambench-attack-%d-%s", os.Getpid(), b)
			for _, c := range []struct {
				what, dir string
				want      Outcome
			}{
				{"home", home, SandboxViolation},
				{"project", wd, SandboxViolation},
				{"repository", root, SandboxViolation},
				// /tmp inside is private: the write succeeds there, and the
				// candidate passes, but the host's /tmp never sees it.
				{"tmp", "/tmp", Passed},
			} {
				target := filepath.Join(c.dir, name)
				v := runAttack(t, b, "write-"+c.what, fn(fmt.Sprintf("    open(%q, \"w\").write(\"pwned\")\n    return a + b\n", target)))
				if c.want == SandboxViolation && strings.HasPrefix(c.dir, "/tmp/") && v.Outcome == FailedTests {
					// A checkout under the host's /tmp does not exist in the
					// sandbox's private /tmp: the write fails as "no such
					// file", which the host check below confirms.
					v.Outcome = SandboxViolation
				}
				if v.Outcome != c.want {
					t.Errorf("write to %s: outcome %s (%s), want %s", c.what, v.Outcome, v.Reason, c.want)
				}
				if _, err := os.Stat(target); err == nil {
					os.Remove(target)
					t.Errorf("write to %s reached the host: %s", c.what, target)
				}
			}
			// $HOME inside is the private /tmp too.
			v := runAttack(t, b, "write-tilde", "```python\nimport os\n\ndef add(a, b):\n    open(os.path.expanduser('~/"+name+"'), 'w').write('x')\n    return a + b\n```")
			expect(t, v, Passed)
			if _, err := os.Stat(filepath.Join(home, name)); err == nil {
				t.Error("a write to ~ reached the host's home")
			}
		})
	}
}

func TestAttackLoopbackListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			v := runAttack(t, b, "net", "```python\nimport socket\n\ndef add(a, b):\n    socket.create_connection(('127.0.0.1', "+strconv.Itoa(port)+"), timeout=3).sendall(b'hi')\n    return a + b\n```")
			expect(t, v, SandboxViolation)
		})
	}
	time.Sleep(100 * time.Millisecond)
	if n := accepted.Load(); n != 0 {
		t.Fatalf("the listener accepted %d connections from candidates", n)
	}
}

func TestAttackReadAPIKey(t *testing.T) {
	const secret = "sk-engrambench-test-secret-4c1d"
	t.Setenv("OPENAI_API_KEY", secret)
	t.Setenv("ANTHROPIC_API_KEY", secret)
	answer := "```python\nimport glob, os\n\ndef add(a, b):\n    blob = repr(dict(os.environ))\n" +
		"    for p in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):\n" +
		"        try:\n            blob += open(p, 'rb').read().decode('latin-1')\n        except OSError:\n            pass\n" +
		"    if '" + secret + "' in blob or 'API_KEY' in blob:\n        raise RuntimeError('found the key')\n    return a + b\n```"
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			expect(t, runAttack(t, b, "apikey", answer), Passed)
		})
	}
}

func TestAttackKillParent(t *testing.T) {
	answer := "```python\nimport os, signal\n\ndef add(a, b):\n" +
		"    for pid in (os.getppid(), 1, " + strconv.Itoa(os.Getpid()) + ", " + strconv.Itoa(os.Getppid()) + "):\n" +
		"        for s in (signal.SIGTERM, signal.SIGKILL):\n" +
		"            if pid > 0:\n                try:\n                    os.kill(pid, s)\n                except OSError:\n                    pass\n" +
		"    try:\n        os.kill(-1, signal.SIGKILL)\n    except OSError:\n        pass\n    return a + b\n```"
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			v := runAttack(t, b, "kill", answer)
			// The candidate cannot reach this process or the sandbox's
			// init; it survives its own attempts and passes.
			expect(t, v, Passed)
		})
	}
}

func TestAttackChildOutlives(t *testing.T) {
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			marker := fmt.Sprintf("%d.%d", 900+len(b), os.Getpid()%100000)
			answer := "```python\nimport os, subprocess\n\ndef add(a, b):\n" +
				"    subprocess.Popen(['/bin/sleep', '" + marker + "'], start_new_session=True)\n" +
				"    if os.fork() == 0:\n        os.setsid()\n        if os.fork() == 0:\n            os.execv('/bin/sleep', ['sleep', '" + marker + "1'])\n        os._exit(0)\n" +
				"    return a + b\n```"
			expect(t, runAttack(t, b, "orphan", answer), Passed)
			deadline := time.Now().Add(10 * time.Second) // a loaded machine reaps killed processes late
			for len(processesWith(marker)) > 0 {
				if time.Now().After(deadline) {
					t.Fatalf("the candidate's children outlived it: %v", processesWith(marker))
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestAttackStdoutFlood(t *testing.T) {
	for _, b := range attackBackends(t) {
		t.Run(b, func(t *testing.T) {
			v := runAttack(t, b, "flood", "```python\nimport sys\n\ndef add(a, b):\n    chunk = 'x' * (1 << 20)\n    for _ in range(1024):\n        sys.stdout.write(chunk)\n    return a + b\n```")
			expect(t, v, SandboxViolation)
			if !strings.Contains(v.Reason, "output") {
				t.Fatalf("reason %q", v.Reason)
			}
		})
	}
}

// TestAttackGo runs a few attacks as Go candidates: their tests run in a
// test binary built by the go command inside the sandbox.
func TestAttackGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go code")
	}
	prompt := "package solution\n\n// Add returns a + b.\nfunc Add(a, b int) int {\n"
	test := "package solution\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 3) != 5 {\n\t\tt.Fatal(\"wrong\")\n\t}\n}\n"
	build := goFunction(goFile{pkg: "solution", prompt: prompt, entry: "Add", file: "solution.go", stops: goStops,
		extra: map[string]string{"go.mod": goMod("solution"), "solution_test.go": test}, expected: 1})
	// The namespaces backend reaches the Go caches as root; bwrap may not.
	b := sandbox.BackendNamespaces
	if _, err := engineFor(engineConfig{Backend: b, Go: "go"}); err != nil {
		t.Skip(err)
	}
	e := &entry{p: &problem{name: "go-attack", lang: "go", reference: "\treturn a + b\n}\n", build: build},
		key: "attack|go", pol: policy{eng: engineConfig{Backend: b, Go: "go"}, base: 5 * time.Second, factor: 2}}
	for _, c := range []struct {
		name, answer string
		want         Outcome
	}{
		{"loop", "\tfor {\n\t}\n}\n", Timeout},
		// Untouched allocations: the address-space limit stops them before
		// the host's memory is at stake.
		{"memory", "\tvar hog [][]byte\n\tfor {\n\t\thog = append(hog, make([]byte, 256<<20))\n\t}\n}\n", MemoryLimit},
		// Exiting before the tests run: no test ran, which is a failure.
		{"exit before tests", "```go\npackage solution\n\nimport \"os\"\n\nfunc init() { os.Exit(0) }\n\nfunc Add(a, b int) int { return a + b }\n```", NoTests},
		// Go's testing package itself fails a test that exits.
		{"exit in test", "\tos.Exit(0)\n\treturn 0\n}\n", FailedTests},
		{"network", "```go\npackage solution\n\nimport \"net\"\n\nfunc Add(a, b int) int {\n\tc, err := net.Dial(\"tcp\", \"127.0.0.1:1\")\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tc.Close()\n\treturn a + b\n}\n```", SandboxViolation},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, _, err := judge(context.Background(), e, c.answer)
			if err != nil {
				t.Fatal(err)
			}
			if v.Outcome != c.want {
				t.Fatalf("outcome %s (%s), want %s", v.Outcome, v.Reason, c.want)
			}
			noCandidateLeft(t)
		})
	}
}
