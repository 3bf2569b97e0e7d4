//go:build linux

package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// The namespaces backend needs code to run inside the new namespaces
// before the candidate starts (mounts, pivot_root, limits), which
// os/exec cannot do between clone and exec. So the process re-executes
// its own binary (/proc/self/exe) with a marker in argv[0]; the init
// function below catches the marker before main runs. Stage one is PID 1
// of the new PID namespace: it builds the file system, starts stage two
// and reaps; when the candidate ends, stage one exits and the kernel
// kills whatever the candidate left behind. Stage two applies the limits,
// drops every capability and execs the candidate.
const (
	initArg0 = "engrambench-sandbox-init"
	execArg0 = "engrambench-sandbox-exec"
)

func init() {
	switch os.Args[0] {
	case initArg0:
		runtime.LockOSThread()
		os.Exit(nsInit())
	case execArg0:
		runtime.LockOSThread()
		os.Exit(nsExec())
	}
}

// nsConfig is what stage one reads from fd 3.
type nsConfig struct {
	Root   string      `json:"root"`  // empty host directory to build the new root on
	Links  [][2]string `json:"links"` // path, symlink target
	Binds  []Mount     `json:"binds"` // read-only
	Masks  []string    `json:"masks"`
	Etc    map[string]string
	Files  []File   `json:"files"`
	Env    []string `json:"env"`
	Argv   []string `json:"argv"`
	Dir    string   `json:"dir"`
	Limits Limits   `json:"limits"`
	UID    int      `json:"uid"` // the candidate's uid and gid inside
	GID    int      `json:"gid"`
}

// nsStatus is what stage one writes to fd 4 before it exits.
type nsStatus struct {
	SetupError string `json:"setup_error,omitempty"`
	Exit       int    `json:"exit"`
	Signal     int    `json:"signal,omitempty"`
}

type nsBackend struct {
	cfg     Config
	entries []hostEntry
	root    bool // this process is root: map the candidate to an unprivileged host user
}

func newNamespaces(cfg Config) (*nsBackend, error) {
	if _, err := os.Stat("/proc/self/exe"); err != nil {
		return nil, fmt.Errorf("no /proc/self/exe to re-execute: %v", err)
	}
	return &nsBackend{cfg: cfg, entries: hostEntries(), root: os.Geteuid() == 0}, nil
}

func (b *nsBackend) name() string { return BackendNamespaces }

func (b *nsBackend) describe() string {
	who := "the invoking user"
	if b.root {
		who = fmt.Sprintf("uid %d (this process is root)", b.cfg.UnprivilegedID)
	}
	return "namespaces set up by engrambench itself: user, pid, net, mount, ipc, uts, cgroup as " + who + "; limits by setrlimit"
}

func (b *nsBackend) usable(*Spec) error { return nil }

func (b *nsBackend) run(ctx context.Context, spec *Spec, out *capture) (Result, error) {
	root, err := os.MkdirTemp("", "engrambench-sandbox-root-")
	if err != nil {
		return Result{}, err
	}
	defer os.Remove(root) // only a mount point; the tmpfs lived in the run's mount namespace

	uid, gid := os.Getuid(), os.Getgid()
	c := nsConfig{
		Root: root, Env: baseEnv(spec), Argv: spec.Argv, Dir: spec.Dir, Limits: spec.Limits,
		Files: spec.Files,
	}
	var uidMap, gidMap []syscall.SysProcIDMap
	setgroups := false
	if b.root {
		u := b.cfg.UnprivilegedID
		uidMap = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: u, HostID: u, Size: 1}}
		gidMap = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: u, HostID: u, Size: 1}}
		setgroups = true
		c.UID, c.GID = u, u
	} else {
		uidMap = []syscall.SysProcIDMap{{ContainerID: 0, HostID: uid, Size: 1}}
		gidMap = []syscall.SysProcIDMap{{ContainerID: 0, HostID: gid, Size: 1}}
	}
	c.Etc = etcFiles(c.UID, c.GID)
	for _, e := range b.entries {
		if e.symlink != "" {
			c.Links = append(c.Links, [2]string{e.path, e.symlink})
		} else {
			c.Binds = append(c.Binds, Mount{Source: e.path, Target: e.path})
		}
	}
	mounts := effectiveMounts(spec, b.entries)
	c.Binds = append(c.Binds, mounts...)
	c.Masks = masks(b.cfg, b.entries, mounts)

	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return Result{}, err
	}
	defer cfgR.Close()
	statR, statW, err := os.Pipe()
	if err != nil {
		cfgW.Close()
		return Result{}, err
	}
	defer statR.Close()

	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{initArg0}
	cmd.Env = []string{}
	cmd.ExtraFiles = []*os.File{cfgR, statW}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWNET |
			syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS | unix.CLONE_NEWCGROUP,
		UidMappings:                uidMap,
		GidMappings:                gidMap,
		GidMappingsEnableSetgroups: setgroups,
		Pdeathsig:                  syscall.SIGKILL,
		Setpgid:                    true,
	}
	payload, err := json.Marshal(c)
	if err != nil {
		cfgW.Close()
		statW.Close()
		return Result{}, err
	}
	go func() {
		cfgW.Write(payload) // fails only if stage one died; Wait reports that
		cfgW.Close()
	}()
	statc := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(statR)
		statc <- b
	}()
	r, err := startAndWait(ctx, cmd, spec, out, killGroup)
	statW.Close()
	if err != nil {
		return r, fmt.Errorf("namespaces: %w", err)
	}
	raw := <-statc
	var st nsStatus
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &st); err != nil {
			return r, fmt.Errorf("namespaces: bad status %q: %v", raw, err)
		}
		if st.SetupError != "" {
			return r, fmt.Errorf("namespaces: %s", st.SetupError)
		}
		r.Signal, r.ExitCode = "", st.Exit
		if st.Signal != 0 {
			r.Signal, r.ExitCode = unix.SignalName(syscall.Signal(st.Signal)), -1
		}
		return r, nil
	}
	if !r.TimedOut && !r.OutputExceeded && r.Signal == "" {
		return r, fmt.Errorf("namespaces: sandbox init exited %d without a status: %s", r.ExitCode, strings.TrimSpace(string(r.Stderr)))
	}
	return r, nil
}

// nsInit is stage one, PID 1 of the run's namespaces.
func nsInit() int {
	status := os.NewFile(4, "status")
	report := func(st nsStatus) {
		b, _ := json.Marshal(st)
		status.Write(b)
		status.Close()
	}
	raw, err := io.ReadAll(os.NewFile(3, "config"))
	if err != nil {
		report(nsStatus{SetupError: "read config: " + err.Error()})
		return 125
	}
	var c nsConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		report(nsStatus{SetupError: "parse config: " + err.Error()})
		return 125
	}
	// Signals from the candidate to PID 1 must not end the run early:
	// catch them all (caught, unlike ignored, signals reset at exec).
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs)
	go func() {
		for range sigs {
		}
	}()
	if err := buildRoot(&c); err != nil {
		report(nsStatus{SetupError: err.Error()})
		return 125
	}
	// The candidate gets no capabilities back from any exec: drop them
	// from the bounding set on this (locked) thread, which forks it.
	for cap := 0; cap <= unix.CAP_LAST_CAP; cap++ {
		_ = unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(cap), 0, 0, 0)
	}
	limits, _ := json.Marshal(c.Limits)
	argv := append([]string{execArg0, string(limits), c.Dir, "--"}, c.Argv...)
	attr := &syscall.ProcAttr{
		Env:   c.Env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	if c.UID != 0 {
		attr.Sys.Credential = &syscall.Credential{Uid: uint32(c.UID), Gid: uint32(c.GID), Groups: []uint32{}}
	}
	pid, err := syscall.ForkExec("/proc/self/exe", argv, attr)
	if err != nil {
		report(nsStatus{SetupError: "start the program: " + err.Error()})
		return 125
	}
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			report(nsStatus{SetupError: "wait: " + err.Error()})
			return 125
		}
		if got != pid {
			continue // an orphan of the candidate, reaped
		}
		st := nsStatus{Exit: ws.ExitStatus()}
		if ws.Signaled() {
			st.Exit, st.Signal = -1, int(ws.Signal())
		}
		report(st)
		return 0
	}
}

// buildRoot makes the new root file system and pivots into it.
func buildRoot(c *nsConfig) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	root := c.Root
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=16m,mode=0755"); err != nil {
		return fmt.Errorf("root tmpfs: %w", err)
	}
	in := func(p string) string { return filepath.Join(root, p) }
	size := strconv.FormatInt(c.Limits.TmpSize, 10)
	// /tmp first: a toolchain mounted under it must land on the private
	// tmpfs, not be hidden by it.
	if err := tmpfs(in("/tmp"), "size="+size+",mode=1777"); err != nil {
		return err
	}
	for _, l := range c.Links {
		if err := os.MkdirAll(filepath.Dir(in(l[0])), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(l[1], in(l[0])); err != nil {
			return err
		}
	}
	for _, m := range c.Binds {
		if err := bindReadOnly(m.Source, in(m.Target)); err != nil {
			return err
		}
	}
	for _, d := range c.Masks {
		if err := os.MkdirAll(in(d), 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(in("/etc"), 0o755); err != nil {
		return err
	}
	for name, text := range c.Etc {
		if err := os.WriteFile(in("/etc/"+name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	if err := buildDev(in("/dev")); err != nil {
		return err
	}
	if err := os.MkdirAll(in("/proc"), 0o755); err != nil {
		return err
	}
	// proc must be mounted while the host's /proc is still visible: the
	// kernel refuses a new proc in a user namespace that sees none.
	if err := unix.Mount("proc", in("/proc"), "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	for _, p := range []string{"sys", "sysrq-trigger", "irq", "bus"} {
		q := in("/proc/" + p)
		if _, err := os.Lstat(q); err == nil {
			_ = bindReadOnly(q, q) // defence in depth: the candidate is unprivileged anyway
		}
	}
	if err := tmpfs(in(WorkDir), "size="+size+",mode=0755"); err != nil {
		return err
	}
	if err := os.Chown(in(WorkDir), c.UID, c.GID); err != nil {
		return err
	}
	for _, f := range c.Files {
		p := in(path.Join(WorkDir, f.Path))
		for _, d := range parents(f.Path) {
			dd := in(path.Join(WorkDir, d))
			if err := os.Mkdir(dd, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			if err := os.Chown(dd, c.UID, c.GID); err != nil {
				return err
			}
		}
		mode := fs.FileMode(0o644)
		if f.Exec {
			mode = 0o755
		}
		if err := os.WriteFile(p, f.Data, mode); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		if err := os.Chown(p, c.UID, c.GID); err != nil {
			return err
		}
	}
	if err := unix.Sethostname([]byte("sandbox")); err != nil {
		return fmt.Errorf("hostname: %w", err)
	}
	if err := os.Chdir(root); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the host root: %w", err)
	}
	if err := os.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_BIND|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("make the root read-only: %w", err)
	}
	return nil
}

func tmpfs(dir, opts string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("tmpfs on %s: %w", dir, err)
	}
	return nil
}

// bindReadOnly binds src on dst (created as a directory or an empty file)
// and remounts it read-only, nosuid and nodev. A remount in a user
// namespace must keep the flags the kernel locked on the source mount.
func bindReadOnly(src, dst string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
	} else if _, err := os.Lstat(dst); err != nil {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, nil, 0o644); err != nil {
			return err
		}
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", src, err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dst, &st); err != nil {
		return err
	}
	flags := uintptr(unix.MS_REMOUNT | unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV)
	for _, f := range [][2]int64{
		{unix.ST_NOEXEC, unix.MS_NOEXEC}, {unix.ST_NOATIME, unix.MS_NOATIME},
		{unix.ST_NODIRATIME, unix.MS_NODIRATIME}, {unix.ST_RELATIME, unix.MS_RELATIME},
	} {
		if st.Flags&f[0] != 0 {
			flags |= uintptr(f[1])
		}
	}
	if err := unix.Mount("", dst, "", flags, ""); err != nil {
		return fmt.Errorf("read-only %s: %w", src, err)
	}
	return nil
}

// buildDev makes a minimal /dev: the harmless character devices, bound
// from the host, and the usual links.
func buildDev(dev string) error {
	if err := tmpfs(dev, "size=64k,mode=0755"); err != nil {
		return err
	}
	for _, n := range []string{"null", "zero", "full", "random", "urandom"} {
		p := filepath.Join(dev, n)
		if err := os.WriteFile(p, nil, 0o666); err != nil {
			return err
		}
		if err := unix.Mount("/dev/"+n, p, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind /dev/%s: %w", n, err)
		}
	}
	for name, target := range map[string]string{
		"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
	} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	return nil
}

// nsExec is stage two: limits, no capabilities, then the candidate.
func nsExec() int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "sandbox: "+format+"\n", a...)
		return 127
	}
	if len(os.Args) < 5 || os.Args[3] != "--" {
		return fail("bad arguments")
	}
	var l Limits
	if err := json.Unmarshal([]byte(os.Args[1]), &l); err != nil {
		return fail("limits: %v", err)
	}
	dir, argv := os.Args[2], os.Args[4:]
	cpuSoft, cpuHard := l.cpuSeconds()
	for _, r := range []struct {
		res       int
		soft, max uint64
	}{
		{unix.RLIMIT_AS, uint64(l.Memory), uint64(l.Memory)},
		{unix.RLIMIT_CPU, cpuSoft, cpuHard},
		{unix.RLIMIT_FSIZE, uint64(l.FileSize), uint64(l.FileSize)},
		{unix.RLIMIT_NOFILE, uint64(l.OpenFiles), uint64(l.OpenFiles)},
		{unix.RLIMIT_NPROC, uint64(l.Procs), uint64(l.Procs)},
		{unix.RLIMIT_CORE, 0, 0},
	} {
		lim := &syscall.Rlimit{Cur: r.soft, Max: r.max}
		if err := syscall.Setrlimit(r.res, lim); err != nil {
			return fail("setrlimit %d: %v", r.res, err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fail("no_new_privs: %v", err)
	}
	// Stage one emptied the bounding set, so no exec grants a capability,
	// even to uid 0 inside (the invoking user outside, when not root).
	// Clear the sets held now as well.
	_ = unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fail("capset: %v", err)
	}
	if err := os.Chdir(dir); err != nil {
		return fail("chdir %s: %v", dir, err)
	}
	err := syscall.Exec(argv[0], argv, os.Environ())
	return fail("exec %s: %v", argv[0], err)
}
