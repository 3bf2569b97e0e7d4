package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Toolchain is a language runtime made visible inside the sandbox at the
// same paths it has on the host, read-only.
type Toolchain struct {
	Name    string   // "python", "go"
	Version string   // e.g. "3.11.7", "go1.26.8"
	Program string   // absolute path of the interpreter or the go command
	Mounts  []Mount  // what a run must mount to use it
	Env     []string // what a run must set to use it
}

// Python finds a Python 3 interpreter (program: a name on PATH or a path;
// default "python3"). It asks the interpreter where it really lives, so a
// pyenv shim or a virtual environment resolves to the installation the
// sandbox has to mount.
func Python(ctx context.Context, program string) (*Toolchain, error) {
	if program == "" {
		program = "python3"
	}
	bin, err := exec.LookPath(program)
	if err != nil {
		return nil, fmt.Errorf("python: %w", err)
	}
	const probe = `import sys, json; print(json.dumps({"exe": sys.executable, "base": sys.base_prefix, "prefix": sys.prefix, "version": sys.version.split()[0], "major": sys.version_info[0]}))`
	cmd := exec.CommandContext(ctx, bin, "-I", "-c", probe)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("python: %s: %v: %s", bin, err, strings.TrimSpace(stderr.String()))
	}
	var info struct {
		Exe, Base, Prefix, Version string
		Major                      int
	}
	if err := json.Unmarshal(out, &info); err != nil {
		return nil, fmt.Errorf("python: %s said %q: %v", bin, out, err)
	}
	if info.Major != 3 {
		return nil, fmt.Errorf("python: %s is Python %s; Python 3 is needed", bin, info.Version)
	}
	exe, err := filepath.EvalSymlinks(info.Exe)
	if err != nil {
		return nil, fmt.Errorf("python: %w", err)
	}
	t := &Toolchain{Name: "python", Version: info.Version, Program: exe,
		Env: []string{"PYTHONDONTWRITEBYTECODE=1", "PYTHONIOENCODING=utf-8", "PYTHONUNBUFFERED=1"}}
	add := func(p string) {
		if p == "" {
			return
		}
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		for _, m := range t.Mounts {
			if coveredBy(p, m.Source) {
				return
			}
		}
		t.Mounts = append(t.Mounts, Mount{Source: p})
	}
	add(info.Base)
	add(info.Prefix)
	add(filepath.Dir(exe))
	return t, nil
}

// GoCacheEnv names the build cache candidates share, overriding the
// default (the user cache directory's engrambench/go-build).
const GoCacheEnv = "ENGRAMBENCH_GOCACHE"

// Go finds the go command (program: a name on PATH or a path; default
// "go"), its GOROOT and module cache, and the build cache candidates
// share. Candidates build with both caches mounted read-only: the go
// command reads the standard library's compiled packages (and its package
// index) from the build cache and, unable to write, keeps the candidate's
// own objects in its private temporary directory. Warm fills the build
// cache once so that nothing of the standard library is rebuilt per run.
//
// The build cache is one of engrambench's own (GoCacheEnv), written only
// by Warm, rather than the user's GOCACHE: other go commands write and
// trim that one while candidates read it, and the go command treats a
// package index entry it cannot rewrite as fatal.
func Go(ctx context.Context, program string) (*Toolchain, error) {
	if program == "" {
		program = "go"
	}
	bin, err := exec.LookPath(program)
	if err != nil {
		return nil, fmt.Errorf("go: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, "env", "-json", "GOROOT", "GOMODCACHE", "GOVERSION")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go: %s env: %v: %s", bin, err, strings.TrimSpace(stderr.String()))
	}
	var env struct{ GOROOT, GOMODCACHE, GOVERSION string }
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("go env: %v", err)
	}
	root, err := filepath.EvalSymlinks(env.GOROOT)
	if err != nil {
		return nil, fmt.Errorf("go: GOROOT: %w", err)
	}
	cacheDir := os.Getenv(GoCacheEnv)
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cacheDir = filepath.Join(base, "engrambench", "go-build")
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("go: build cache for candidates: %w", err)
	}
	cache, err := filepath.EvalSymlinks(cacheDir)
	if err != nil {
		return nil, err
	}
	t := &Toolchain{Name: "go", Version: env.GOVERSION, Program: filepath.Join(root, "bin", "go"),
		Mounts: []Mount{{Source: root}, {Source: cache}}}
	t.Env = append(t.Env, "GOCACHE="+cache)
	if mc, err := filepath.EvalSymlinks(env.GOMODCACHE); err == nil {
		t.Mounts = append(t.Mounts, Mount{Source: mc})
		t.Env = append(t.Env, "GOMODCACHE="+mc)
	} else {
		t.Env = append(t.Env, "GOMODCACHE=/tmp/gomodcache")
	}
	t.Env = append(t.Env, goEnv...)
	return t, nil
}

// goEnv is the go command's environment inside the sandbox (and during
// Warm, which must compile with the same settings to fill the cache with
// what the sandbox will look up).
var goEnv = []string{
	"CGO_ENABLED=0",
	"GOFLAGS=-mod=mod",
	"GOPROXY=off",
	"GOSUMDB=off",
	"GOTOOLCHAIN=local",
	"GOTELEMETRY=off",
	"GOENV=off",
	"GOWORK=off",
	"GOPATH=/tmp/gopath",
	"GOMAXPROCS=2",
}

// warmImports are the standard packages a candidate or a hidden test is
// likely to use; Warm compiles them into the shared cache.
var warmImports = []string{
	"bufio", "bytes", "cmp", "container/heap", "container/list", "context", "encoding/json",
	"errors", "fmt", "io", "iter", "maps", "math", "math/big", "math/bits", "os", "os/exec",
	"path", "path/filepath", "reflect", "regexp", "slices", "sort", "strconv", "strings",
	"sync", "testing", "text/tabwriter", "time", "unicode", "unicode/utf8",
}

var warmed sync.Map // go program → error from its warm-up

// Warm compiles the standard packages candidates use into the build cache
// once per process, outside the sandbox (trusted code only), with the
// settings the sandbox uses.
func (t *Toolchain) Warm(ctx context.Context) error {
	if t.Name != "go" {
		return nil
	}
	if v, ok := warmed.Load(t.Program); ok {
		err, _ := v.(error)
		return err
	}
	dir, err := os.MkdirTemp("", "engrambench-warm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var src strings.Builder
	src.WriteString("package warm\n\nimport (\n")
	for _, p := range warmImports {
		fmt.Fprintf(&src, "\t_ %q\n", p)
	}
	src.WriteString(")\n\nfunc TestWarm(t *testing.T) {}\n")
	files := map[string]string{
		"go.mod":       "module warm\n\ngo 1.21\n",
		"warm_test.go": strings.Replace(src.String(), "\t_ \"testing\"\n", "\t\"testing\"\n", 1),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	// go list indexes every standard package (an index miss in the
	// sandbox would be fatal); go test compiles the common ones.
	for _, args := range [][]string{{"list", "std"}, {"test", "-count=1", "-vet=off", "./..."}} {
		cmd := exec.CommandContext(ctx, t.Program, args...)
		cmd.Dir = dir
		cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir()}, t.Env...), "GOPATH="+filepath.Join(dir, "gopath"))
		if out, err := cmd.CombinedOutput(); err != nil {
			err = fmt.Errorf("go: warming the build cache (go %s): %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
			warmed.Store(t.Program, err)
			return err
		}
	}
	warmed.Store(t.Program, nil)
	return nil
}
