// Package sandbox runs untrusted programs (a model's code and the hidden
// tests around it) so that a nightly benchmark machine survives them.
//
// Every run gets new user, PID, network, mount, IPC and UTS namespaces. No
// network: the run's network namespace is empty (under bubblewrap it has a
// loopback of its own), so nothing of the host, its loopback included, can
// be reached. No host process is visible. Of the host's files only the
// system directories and the toolchains are there, read-only; the user's
// home and the current directory are empty read-only directories (so
// writes aimed at them fail loudly); the work directory (/box) and /tmp are
// private, size-limited and writable, and vanish with the run. Resource
// limits (CPU time, address space, processes, file size, open files) bound
// each process; a wall-clock timeout kills the whole namespace; stdout and
// stderr are capped and a run that writes more is killed. The program's
// environment holds only what the Spec gives it, so the host's API keys
// never reach it. When this process is root, programs run as an
// unprivileged user (65534 by default), never as host root.
//
// Two backends provide this. bubblewrap (the Debian package "bubblewrap")
// is used when installed and usable; otherwise the Go process sets the
// namespaces up itself by re-executing its own binary as a small init (see
// nsinit.go). When neither works (user namespaces disabled, as in some
// containers), New refuses unless the caller explicitly allows running
// without isolation; such a Sandbox says so in Describe and Isolated.
//
// Run order: acquire a slot (one per CPU across the process, so that a busy
// machine does not turn into timeouts), start the backend, copy the Spec's
// files into /box, exec the program under its limits, collect capped
// output, and kill everything left when the program ends or the deadline
// passes.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Backend names.
const (
	BackendAuto       = "auto"       // bwrap when usable, else namespaces
	BackendBwrap      = "bwrap"      // bubblewrap
	BackendNamespaces = "namespaces" // set up by this process (nsinit.go)
	BackendNone       = "none"       // no isolation at all: only with AllowUnsafe
)

// WorkDir is where a Spec's files are placed inside the sandbox; it is the
// default working directory.
const WorkDir = "/box"

// ErrNoIsolation is returned by New when no backend can isolate programs on
// this machine and running without isolation was not allowed.
var ErrNoIsolation = errors.New("no sandbox available")

// Limits bound one run. Zero fields take the defaults of DefaultLimits.
type Limits struct {
	Wall      time.Duration // whole run, wall clock; the namespace is killed after it
	CPU       time.Duration // CPU time per process (RLIMIT_CPU, whole seconds: SIGXCPU, then SIGKILL a second later)
	Memory    int64         // address space per process in bytes (RLIMIT_AS)
	Procs     int           // processes and threads of the candidate's user (RLIMIT_NPROC)
	FileSize  int64         // largest file a process may write (RLIMIT_FSIZE)
	OpenFiles int           // open file descriptors per process (RLIMIT_NOFILE)
	Output    int64         // bytes of stdout, and of stderr, before the run is killed
	TmpSize   int64         // size of each of the /tmp and WorkDir file systems
}

// DefaultLimits are generous for a test program and small for an attack.
func DefaultLimits() Limits {
	return Limits{
		Wall:      20 * time.Second,
		CPU:       30 * time.Second,
		Memory:    2 << 30,
		Procs:     64,
		FileSize:  64 << 20,
		OpenFiles: 256,
		Output:    8 << 20,
		TmpSize:   256 << 20,
	}
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.Wall <= 0 {
		l.Wall = d.Wall
	}
	if l.CPU <= 0 {
		l.CPU = max(d.CPU, l.Wall+time.Second)
	}
	if l.Memory <= 0 {
		l.Memory = d.Memory
	}
	if l.Procs <= 0 {
		l.Procs = d.Procs
	}
	if l.FileSize <= 0 {
		l.FileSize = d.FileSize
	}
	if l.OpenFiles <= 0 {
		l.OpenFiles = d.OpenFiles
	}
	if l.Output <= 0 {
		l.Output = d.Output
	}
	if l.TmpSize <= 0 {
		l.TmpSize = d.TmpSize
	}
	return l
}

// cpuSeconds is the CPU limit rounded up to whole seconds: the soft
// limit (SIGXCPU) and the hard one (SIGKILL), a second later so that a
// program that does not handle SIGXCPU dies of it and says why.
func (l Limits) cpuSeconds() (soft, hard uint64) {
	s := uint64((l.CPU + time.Second - 1) / time.Second)
	s = max(s, 1)
	return s, s + 1
}

// cpuArg is the CPU limit as prlimit(1) takes it.
func (l Limits) cpuArg() string {
	soft, hard := l.cpuSeconds()
	return strconv.FormatUint(soft, 10) + ":" + strconv.FormatUint(hard, 10)
}

// Mount makes a host path visible read-only inside the sandbox, at Target
// (default: the same path).
type Mount struct {
	Source string
	Target string
}

func (m Mount) target() string {
	if m.Target == "" {
		return m.Source
	}
	return m.Target
}

// File is one file placed under WorkDir before the program starts.
type File struct {
	Path string // relative to WorkDir, slash-separated
	Data []byte
	Exec bool // mode 0755 instead of 0644
}

// Spec is one run.
type Spec struct {
	Argv   []string // Argv[0] is an absolute path inside the sandbox
	Files  []File
	Dir    string   // working directory inside; default WorkDir
	Env    []string // KEY=VALUE; the program sees only these and PATH, HOME, TMPDIR, LANG
	Mounts []Mount  // read-only host paths: toolchains, caches
	Stdin  []byte
	Limits Limits
}

// Result is what a run did. A program that fails, crashes or times out is a
// Result, never an error.
type Result struct {
	Backend        string
	ExitCode       int    // -1 when killed by a signal or by the sandbox
	Signal         string // the signal that ended the program, e.g. "killed"; "" when it exited
	Stdout, Stderr []byte // at most Limits.Output bytes each
	OutputExceeded bool   // a stream passed Limits.Output; the run was killed
	TimedOut       bool   // the wall-clock limit passed; the run was killed
	Wall           time.Duration
	// CPU is the user and system time of every process of the run that
	// was waited for (the backends' init reaps them all).
	CPU time.Duration
	// CPULimitHit is set when the run used at least Limits.CPU of CPU
	// time: a program that then died of SIGKILL was most likely stopped by
	// the CPU limit (a PID 1 ignores the SIGXCPU that comes first).
	CPULimitHit bool
}

// Exited reports whether the program ended on its own with status 0.
func (r Result) Exited() bool {
	return r.Signal == "" && r.ExitCode == 0 && !r.TimedOut && !r.OutputExceeded
}

// Config sets up a Sandbox.
type Config struct {
	Backend     string // BackendAuto when empty
	AllowUnsafe bool   // run without isolation when no backend works
	Parallel    int    // runs at once; default: runtime.NumCPU() shared by every Sandbox of the process
	Bwrap       string // bubblewrap binary; default "bwrap" from PATH
	// MaskDirs are host directories shown inside as empty read-only
	// directories, so that writes aimed at them fail with EROFS rather
	// than vanish; by default the user's home and the current directory.
	MaskDirs []string
	// UnprivilegedID is the host user and group a candidate runs as when
	// this process is root (default 65534, "nobody").
	UnprivilegedID int
}

// Sandbox runs Specs with one backend choice. It is safe for concurrent use.
type Sandbox struct {
	cfg      Config
	backends []backend // in order of preference; empty for unsafe
	unsafe   bool
	reasons  []string // why backends were not usable
	sem      chan struct{}
}

// sharedSlots bounds the runs of all Sandboxes without their own Parallel:
// one per CPU, so that several task sets scored at once do not overload
// the machine into false timeouts.
var sharedSlots = make(chan struct{}, runtime.NumCPU())

// backend is one way of isolating a run.
type backend interface {
	name() string
	// usable reports whether the backend can run this spec (for example,
	// bwrap run as an unprivileged user cannot reach a root-only path).
	usable(spec *Spec) error
	run(ctx context.Context, spec *Spec, out *capture) (Result, error)
	describe() string
}

// New probes the backends and returns a Sandbox, or ErrNoIsolation (with
// the reasons) when none works and cfg.AllowUnsafe is false.
func New(cfg Config) (*Sandbox, error) {
	if cfg.Backend == "" {
		cfg.Backend = BackendAuto
	}

	if cfg.Bwrap == "" {
		cfg.Bwrap = "bwrap"
	}
	if cfg.UnprivilegedID <= 0 {
		cfg.UnprivilegedID = 65534
	}
	if cfg.MaskDirs == nil {
		if h, err := os.UserHomeDir(); err == nil {
			cfg.MaskDirs = append(cfg.MaskDirs, h)
		}
		if wd, err := os.Getwd(); err == nil {
			cfg.MaskDirs = append(cfg.MaskDirs, wd)
		}
	}
	s := &Sandbox{cfg: cfg, sem: sharedSlots}
	if cfg.Parallel > 0 {
		s.sem = make(chan struct{}, cfg.Parallel)
	}
	var candidates []string
	switch cfg.Backend {
	case BackendAuto:
		candidates = []string{BackendBwrap, BackendNamespaces}
	case BackendBwrap, BackendNamespaces:
		candidates = []string{cfg.Backend}
	case BackendNone:
		if !cfg.AllowUnsafe {
			return nil, fmt.Errorf("%w: backend %q runs programs without isolation and needs the explicit unsafe option", ErrNoIsolation, BackendNone)
		}
	default:
		return nil, fmt.Errorf("unknown sandbox backend %q (auto, bwrap, namespaces, none)", cfg.Backend)
	}
	for _, name := range candidates {
		b, err := probe(name, cfg)
		if err != nil {
			s.reasons = append(s.reasons, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		s.backends = append(s.backends, b)
	}
	if len(s.backends) == 0 {
		if !cfg.AllowUnsafe {
			fix := "install bubblewrap or enable unprivileged user namespaces (kernel.unprivileged_userns_clone=1, a container run with a seccomp profile that allows unshare), or "
			if runtime.GOOS != "linux" {
				fix = ""
			}
			return nil, fmt.Errorf("%w: %s; %spass the explicit unsafe option to run candidates without isolation", ErrNoIsolation, strings.Join(s.reasons, "; "), fix)
		}
		s.unsafe = true
	}
	return s, nil
}

// probe builds a backend and checks that it can run a trivial program.
func probe(name string, cfg Config) (backend, error) {
	var b backend
	var err error
	switch name {
	case BackendBwrap:
		b, err = newBwrap(cfg)
	case BackendNamespaces:
		b, err = newNamespaces(cfg)
	}
	if err != nil {
		return nil, err
	}
	probeMu.Lock()
	defer probeMu.Unlock()
	key := name + "\x00" + cfg.Bwrap
	if err, ok := probed[key]; ok {
		return b, err
	}
	err = probeRun(b)
	probed[key] = err
	return b, err
}

var (
	probeMu sync.Mutex
	probed  = map[string]error{} // backend → result of its first probe in this process
)

// probeRun runs /bin/sh -c 'exit 3' (or the first shell found) and expects
// exit status 3, proving that the namespaces, mounts and exec work.
func probeRun(b backend) error {
	sh := ""
	for _, p := range []string{"/bin/sh", "/usr/bin/sh"} {
		if _, err := os.Stat(p); err == nil {
			sh = p
			break
		}
	}
	if sh == "" {
		return errors.New("no /bin/sh to probe with")
	}
	spec := &Spec{Argv: []string{sh, "-c", "test -w " + WorkDir + " && exit 3"}, Limits: Limits{Wall: 20 * time.Second}.withDefaults(), Dir: WorkDir}
	if err := b.usable(spec); err != nil {
		return err
	}
	out := newCapture(spec.Limits.Output, nil)
	r, err := b.run(context.Background(), spec, out)
	if err != nil {
		return err
	}
	if r.ExitCode != 3 {
		return fmt.Errorf("probe exited %d (signal %q): %s", r.ExitCode, r.Signal, bytes.TrimSpace(r.Stderr))
	}
	return nil
}

// Isolated reports whether runs are isolated (false only when running
// without a sandbox was explicitly allowed and nothing else works).
func (s *Sandbox) Isolated() bool { return !s.unsafe }

// Describe says how runs are isolated, for reports and self-checks.
func (s *Sandbox) Describe() string {
	if s.unsafe {
		why := ""
		if len(s.reasons) > 0 {
			why = " (" + strings.Join(s.reasons, "; ") + ")"
		}
		return "NO SANDBOX: candidates run unisolated on the host with rlimits only" + why
	}
	var parts []string
	for _, b := range s.backends {
		parts = append(parts, b.describe())
	}
	return strings.Join(parts, "; else ")
}

// Run runs one spec. The error is for infrastructure failures only
// (the backend could not start); whatever the program does is in Result.
func (s *Sandbox) Run(ctx context.Context, spec Spec) (Result, error) {
	if len(spec.Argv) == 0 || !path.IsAbs(spec.Argv[0]) {
		return Result{}, fmt.Errorf("sandbox: Argv[0] must be an absolute path, got %q", spec.Argv)
	}
	for _, f := range spec.Files {
		if !validRel(f.Path) {
			return Result{}, fmt.Errorf("sandbox: file path %q must be relative and stay inside %s", f.Path, WorkDir)
		}
	}
	for _, m := range spec.Mounts {
		if !path.IsAbs(m.Source) || !path.IsAbs(m.target()) {
			return Result{}, fmt.Errorf("sandbox: mount %q on %q: paths must be absolute", m.Source, m.target())
		}
	}
	if spec.Dir == "" {
		spec.Dir = WorkDir
	}
	spec.Limits = spec.Limits.withDefaults()
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	defer func() { <-s.sem }()

	var b backend
	if s.unsafe {
		b = noneBackend{}
	} else {
		var why []string
		for _, c := range s.backends {
			if err := c.usable(&spec); err != nil {
				why = append(why, fmt.Sprintf("%s: %v", c.name(), err))
				continue
			}
			b = c
			break
		}
		if b == nil {
			return Result{}, fmt.Errorf("sandbox: no backend can run this program: %s", strings.Join(why, "; "))
		}
	}
	out := newCapture(spec.Limits.Output, nil)
	r, err := b.run(ctx, &spec, out)
	r.Backend = b.name()
	return r, err
}

// validRel reports whether p is a clean relative slash path inside WorkDir.
func validRel(p string) bool {
	if p == "" || path.IsAbs(p) || strings.Contains(p, "\\") {
		return false
	}
	c := path.Clean(p)
	return c == p && c != "." && c != ".." && !strings.HasPrefix(c, "../")
}

// baseEnv is what every candidate sees besides Spec.Env.
func baseEnv(spec *Spec) []string {
	env := []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=/tmp",
		"TMPDIR=/tmp",
		"LANG=C.UTF-8",
	}
	seen := map[string]int{}
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		seen[k] = i
	}
	for _, kv := range spec.Env {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := seen[k]; ok {
			env[i] = kv
			continue
		}
		seen[k] = len(env)
		env = append(env, kv)
	}
	return env
}

// capture collects stdout and stderr up to a cap each; past the cap it
// calls kill once and drops the rest.
type capture struct {
	limit    int64
	mu       sync.Mutex
	kill     func()
	exceeded bool
	stdout   capWriter
	stderr   capWriter
}

func newCapture(limit int64, kill func()) *capture {
	c := &capture{limit: limit, kill: kill}
	c.stdout.c, c.stderr.c = c, c
	return c
}

func (c *capture) setKill(kill func()) {
	c.mu.Lock()
	c.kill = kill
	c.mu.Unlock()
}

func (c *capture) over() {
	c.mu.Lock()
	first := !c.exceeded
	c.exceeded = true
	kill := c.kill
	c.mu.Unlock()
	if first && kill != nil {
		kill()
	}
}

func (c *capture) Exceeded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exceeded
}

type capWriter struct {
	c   *capture
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *capWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	room := w.c.limit - int64(w.buf.Len())
	over := int64(len(p)) > room
	if room > 0 {
		w.buf.Write(p[:min(int64(len(p)), room)])
	}
	w.mu.Unlock()
	if over {
		w.c.over()
	}
	return len(p), nil // keep draining so the writer never blocks
}

func (w *capWriter) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.buf.Bytes())
}

var _ io.Writer = (*capWriter)(nil)
