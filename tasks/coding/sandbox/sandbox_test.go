package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// python is the interpreter the tests run inside the sandbox: the system
// one when present (reachable by an unprivileged user), else the one on
// PATH.
func python(t testing.TB) *Toolchain {
	t.Helper()
	prog := "python3"
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		prog = "/usr/bin/python3"
	}
	tc, err := Python(context.Background(), prog)
	if err != nil {
		t.Skipf("no Python: %v", err)
	}
	return tc
}

// backends returns a Sandbox per backend that works here; it fails the
// test when none does (the CI machine installs bubblewrap).
func backends(t *testing.T) map[string]*Sandbox {
	t.Helper()
	out := map[string]*Sandbox{}
	var why []string
	for _, b := range []string{BackendBwrap, BackendNamespaces} {
		s, err := New(Config{Backend: b})
		if err != nil {
			why = append(why, err.Error())
			continue
		}
		out[b] = s
	}
	if len(out) == 0 {
		if os.Getenv("ENGRAMBENCH_REQUIRE_SANDBOX") != "" {
			t.Fatalf("no sandbox backend works: %s", strings.Join(why, "; "))
		}
		t.Skipf("no sandbox backend works here: %s", strings.Join(why, "; "))
	}
	return out
}

func pyRun(t *testing.T, s *Sandbox, src string, l Limits, files ...File) Result {
	t.Helper()
	py := python(t)
	r, err := s.Run(context.Background(), Spec{
		Argv: []string{py.Program, "-c", src}, Mounts: py.Mounts, Env: py.Env, Limits: l, Files: files,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

const inspect = `
import json, os, socket
out = {"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ), "hostname": socket.gethostname(),
       "files": sorted(os.listdir(".")), "data": open("sub/data.txt").read(), "pid": os.getpid()}
def attempt(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return e.strerror
def connect():
    s = socket.socket()
    s.settimeout(2)
    s.connect(("1.1.1.1", 53))
out["net"] = attempt(connect)
out["writeusr"] = attempt(lambda: open("/usr/x", "w"))
out["writeroot"] = attempt(lambda: open("/x", "w"))
out["writetmp"] = attempt(lambda: open("/tmp/x", "w").write("x"))
out["writework"] = attempt(lambda: open("out.txt", "w").write("x"))
out["etc"] = sorted(os.listdir("/etc"))
print(json.dumps(out))
`

func TestIsolation(t *testing.T) {
	t.Setenv("ENGRAMBENCH_TEST_SECRET", "sk-not-for-candidates")
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			r := pyRun(t, s, inspect, Limits{}, File{Path: "sub/data.txt", Data: []byte("given")})
			if !r.Exited() {
				t.Fatalf("exit %d %q: %s", r.ExitCode, r.Signal, r.Stderr)
			}
			var got struct {
				UID                                           int
				Cwd, Hostname, Data                           string
				Env, Files, Etc                               []string
				Net, WriteUsr, WriteRoot, WriteTmp, WriteWork string
				Pid                                           int
			}
			if err := json.Unmarshal(r.Stdout, &got); err != nil {
				t.Fatalf("%v: %s", err, r.Stdout)
			}
			if os.Geteuid() == 0 && got.UID == 0 && name == BackendBwrap {
				t.Error("the candidate runs as root")
			}
			if got.Cwd != WorkDir || got.Data != "given" || got.Hostname != "sandbox" {
				t.Errorf("cwd %q data %q hostname %q", got.Cwd, got.Data, got.Hostname)
			}
			for _, k := range got.Env {
				if k == "ENGRAMBENCH_TEST_SECRET" {
					t.Error("the host's environment leaked")
				}
			}
			if got.Net == "ok" || got.WriteUsr == "ok" || got.WriteRoot == "ok" {
				t.Errorf("net %q, write /usr %q, write / %q", got.Net, got.WriteUsr, got.WriteRoot)
			}
			if got.WriteTmp != "ok" || got.WriteWork != "ok" {
				t.Errorf("private dirs not writable: tmp %q work %q", got.WriteTmp, got.WriteWork)
			}
			if got.Pid > 20 {
				t.Errorf("pid %d: not in a new PID namespace?", got.Pid)
			}
			if strings.Join(got.Etc, ",") != "group,hostname,passwd" {
				t.Errorf("/etc holds %v", got.Etc)
			}
			if r.Backend != name {
				t.Errorf("backend %q", r.Backend)
			}
		})
	}
}

func TestWallTimeoutKillsEverything(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			marker := fmt.Sprintf("876.%d", os.Getpid()%100000) // unique to this test process
			r := pyRun(t, s, `import subprocess, time
subprocess.Popen(["/bin/sleep", "`+marker+`"], start_new_session=True)
time.sleep(1000)`, Limits{Wall: time.Second})
			if !r.TimedOut || time.Since(start) > 5*time.Second {
				t.Fatalf("timed out %v after %v", r.TimedOut, time.Since(start))
			}
			waitGone(t, marker)
		})
	}
}

func TestCPULimit(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			r := pyRun(t, s, "while True: pass", Limits{CPU: time.Second, Wall: 20 * time.Second})
			if r.Signal != "SIGXCPU" && r.Signal != "SIGKILL" {
				t.Fatalf("signal %q exit %d timed out %v", r.Signal, r.ExitCode, r.TimedOut)
			}
			if r.TimedOut || r.CPU < time.Second/2 {
				t.Fatalf("cpu %v, timed out %v", r.CPU, r.TimedOut)
			}
		})
	}
}

func TestOutputCap(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			r := pyRun(t, s, `import sys
chunk = "y" * (1 << 20)
for _ in range(1024):
    sys.stdout.write(chunk)`, Limits{Output: 1 << 20})
			if !r.OutputExceeded || len(r.Stdout) != 1<<20 || time.Since(start) > 10*time.Second {
				t.Fatalf("exceeded %v, kept %d bytes, took %v", r.OutputExceeded, len(r.Stdout), time.Since(start))
			}
		})
	}
}

func TestProcessLimit(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			r := pyRun(t, s, `import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
except OSError as e:
    print(n, e.strerror)`, Limits{Procs: 16})
			if !strings.Contains(string(r.Stdout), "Resource temporarily unavailable") {
				t.Fatalf("no process limit: %s %s", r.Stdout, r.Stderr)
			}
		})
	}
}

func TestMemoryLimit(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			r := pyRun(t, s, "x = bytearray(3 << 30)", Limits{Memory: 512 << 20})
			if r.Exited() || !strings.Contains(string(r.Stderr), "MemoryError") {
				t.Fatalf("exit %d: %s", r.ExitCode, r.Stderr)
			}
		})
	}
}

func TestFileSizeLimit(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			r := pyRun(t, s, `open("/tmp/big", "wb").write(b"z" * (8 << 20))`, Limits{FileSize: 1 << 20})
			// Python ignores SIGXFSZ and sees EFBIG instead.
			if r.Signal != "SIGXFSZ" && !strings.Contains(string(r.Stderr), "File too large") {
				t.Fatalf("signal %q exit %d: %s", r.Signal, r.ExitCode, r.Stderr)
			}
		})
	}
}

func TestStdinAndExitCode(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			py := python(t)
			r, err := s.Run(context.Background(), Spec{Argv: []string{py.Program, "-c", "import sys; print(sys.stdin.read().upper()); sys.exit(7)"},
				Mounts: py.Mounts, Stdin: []byte("hello")})
			if err != nil || r.ExitCode != 7 || strings.TrimSpace(string(r.Stdout)) != "HELLO" {
				t.Fatalf("%v exit %d %q", err, r.ExitCode, r.Stdout)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := s.Run(ctx, Spec{Argv: []string{"/bin/sleep", "30"}})
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
				t.Fatalf("err %v after %v", err, time.Since(start))
			}
		})
	}
}

func TestSpecValidation(t *testing.T) {
	s := &Sandbox{sem: make(chan struct{}, 1), unsafe: true}
	for _, spec := range []Spec{
		{},
		{Argv: []string{"python3"}},
		{Argv: []string{"/bin/true"}, Files: []File{{Path: "../x"}}},
		{Argv: []string{"/bin/true"}, Files: []File{{Path: "/etc/x"}}},
		{Argv: []string{"/bin/true"}, Mounts: []Mount{{Source: "rel"}}},
	} {
		if _, err := s.Run(context.Background(), spec); err == nil {
			t.Errorf("%+v accepted", spec)
		}
	}
}

func TestNoIsolationRefusedUnlessUnsafe(t *testing.T) {
	cfg := Config{Backend: BackendBwrap, Bwrap: "/nonexistent/bwrap"}
	if _, err := New(cfg); !errors.Is(err, ErrNoIsolation) {
		t.Fatalf("New without a working backend: %v", err)
	}
	if _, err := New(Config{Backend: BackendNone}); !errors.Is(err, ErrNoIsolation) {
		t.Fatalf("backend none without the unsafe option: %v", err)
	}
	cfg.AllowUnsafe = true
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Isolated() || !strings.Contains(s.Describe(), "NO SANDBOX") {
		t.Fatalf("Isolated %v, Describe %q", s.Isolated(), s.Describe())
	}
	r, err := s.Run(context.Background(), Spec{Argv: []string{"/bin/sh", "-c", "cat f.txt; pwd"}, Files: []File{{Path: "f.txt", Data: []byte("hi\n")}}})
	if err != nil || !strings.HasPrefix(string(r.Stdout), "hi\n") || r.Backend != BackendNone {
		t.Fatalf("unsafe run: %v %q %s", err, r.Stdout, r.Backend)
	}
}

func TestGoToolchainInSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Go code")
	}
	g, err := Go(context.Background(), "")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	if err := g.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	files := []File{
		{Path: "go.mod", Data: []byte("module m\n\ngo 1.21\n")},
		{Path: "m.go", Data: []byte("package m\n\nimport \"strings\"\n\nfunc Up(s string) string { return strings.ToUpper(s) }\n")},
		{Path: "m_test.go", Data: []byte("package m\n\nimport \"testing\"\n\nfunc TestUp(t *testing.T) {\n\tif Up(\"a\") != \"A\" {\n\t\tt.Fatal()\n\t}\n}\n")},
	}
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			spec := Spec{Argv: []string{g.Program, "test", "-count=1", "./..."}, Files: files, Mounts: g.Mounts, Env: g.Env,
				Limits: Limits{Procs: 256, Memory: 4 << 30, Wall: 60 * time.Second}}
			if err := s.backendFor(&spec); err != nil {
				t.Skipf("this backend cannot reach the Go caches here: %v", err)
			}
			r, err := s.Run(context.Background(), spec)
			if err != nil || !r.Exited() || !strings.Contains(string(r.Stdout), "ok") {
				t.Fatalf("%v exit %d\n%s\n%s", err, r.ExitCode, r.Stdout, r.Stderr)
			}
		})
	}
}

// TestAsUnprivilegedUser runs the isolation test again from a copy of this
// test binary started as an unprivileged user, the way most people run
// engrambench (the other tests here run as whoever runs go test: root in
// CI).
func TestAsUnprivilegedUser(t *testing.T) {
	if os.Getenv("ENGRAMBENCH_SANDBOX_CHILD") != "" {
		t.Skip("already the child")
	}
	if os.Geteuid() != 0 {
		t.Skip("not root: the other tests already run unprivileged")
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3 an unprivileged user can run")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "engrambench-sandbox-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "sandbox.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^(TestIsolation|TestOutputCap|TestProcessLimit|TestWallTimeoutKillsEverything)$", "-test.v")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "ENGRAMBENCH_SANDBOX_CHILD=1", "ENGRAMBENCH_REQUIRE_SANDBOX=1"}
	cmd.SysProcAttr = credential(65534)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as uid 65534: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestIsolation/"+BackendNamespaces) {
		t.Fatalf("the namespaces backend did not run unprivileged:\n%s", out)
	}
	t.Logf("%s", out)
}

// waitGone fails unless no process's command line holds marker within a
// few seconds.
func waitGone(t *testing.T, marker string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		pids := processesWith(marker)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes still running with %q: %v", marker, pids)
		}
		time.Sleep(50 * time.Millisecond)
	}
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

// TestMountUnderTmp checks that a read-only mount below /tmp stays visible
// over the sandbox's private /tmp (and stays read-only).
func TestMountUnderTmp(t *testing.T) {
	dir, err := os.MkdirTemp("", "engrambench-mount-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "tool.txt"), []byte("toolchain"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, s := range backends(t) {
		t.Run(name, func(t *testing.T) {
			r, err := s.Run(context.Background(), Spec{
				Argv:   []string{"/bin/sh", "-c", "cat " + dir + "/tool.txt; touch " + dir + "/x 2>/dev/null && echo writable; touch /tmp/y && echo tmp-ok"},
				Mounts: []Mount{{Source: dir}},
			})
			if err != nil || string(r.Stdout) != "toolchaintmp-ok\n" {
				t.Fatalf("%v %q %s", err, r.Stdout, r.Stderr)
			}
		})
	}
}
