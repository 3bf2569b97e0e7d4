//go:build linux

package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// bwrapBackend runs each program under bubblewrap, which builds the
// namespaces and mounts from its command line. Limits are applied inside,
// by prlimit(1), after the user namespace exists: RLIMIT_NPROC set before
// it would also count the host user's own processes.
//
// bwrap started by root maps the candidate onto host root, whose file
// permissions still open /proc/sys; so when this process is root, bwrap
// runs as an unprivileged user instead, and is only usable for programs
// whose toolchains that user can read.
//
// The program runs as the namespace's PID 1 (--as-pid-1): bwrap's own init
// reports the exit status without being waited for, which would lose the
// program's CPU time (the time limits are derived from it). As PID 1 the
// program ignores the SIGXCPU of the CPU limit and dies of the SIGKILL a
// second later (Result.CPULimitHit tells that apart), and when it exits
// the kernel kills whatever it left behind.
type bwrapBackend struct {
	cfg     Config
	bin     string
	version string
	prlimit string
	asUser  *syscall.Credential // set when this process is root
	entries []hostEntry
	extra   []string // optional hardening flags this bwrap knows
}

func newBwrap(cfg Config) (*bwrapBackend, error) {
	bin, err := exec.LookPath(cfg.Bwrap)
	if err != nil {
		return nil, fmt.Errorf("bubblewrap not installed (%v)", err)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %v", bin, err)
	}
	help, _ := exec.Command(bin, "--help").CombinedOutput()
	for _, need := range []string{"--json-status-fd", "--size", "--file"} {
		if !strings.Contains(string(help), need) {
			return nil, fmt.Errorf("%s is too old (%s): no %s", bin, strings.TrimSpace(string(out)), need)
		}
	}
	b := &bwrapBackend{cfg: cfg, bin: bin, version: strings.TrimSpace(string(out)), entries: hostEntries()}
	if strings.Contains(string(help), "--disable-userns") {
		b.extra = append(b.extra, "--disable-userns")
	}
	pl, err := exec.LookPath("prlimit")
	if err != nil {
		return nil, errors.New("prlimit (util-linux) not found: needed to set limits inside bubblewrap")
	}
	if pl, err = realPath(pl); err != nil {
		return nil, err
	}
	if !b.visible(pl) {
		return nil, fmt.Errorf("prlimit at %s is outside the system directories a sandbox sees", pl)
	}
	b.prlimit = pl
	if os.Geteuid() == 0 {
		id := uint32(cfg.UnprivilegedID)
		b.asUser = &syscall.Credential{Uid: id, Gid: id, Groups: []uint32{}}
		for _, e := range b.entries {
			if e.symlink == "" {
				if err := reachable(e.path, cfg.UnprivilegedID, cfg.UnprivilegedID); err != nil {
					return nil, err
				}
			}
		}
	}
	return b, nil
}

func realPath(p string) (string, error) {
	abs, err := exec.LookPath(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

func (b *bwrapBackend) visible(p string) bool {
	for _, e := range b.entries {
		if e.symlink == "" && coveredBy(p, e.path) {
			return true
		}
	}
	return false
}

func (b *bwrapBackend) name() string { return BackendBwrap }

func (b *bwrapBackend) describe() string {
	who := "the invoking user"
	if b.asUser != nil {
		who = fmt.Sprintf("uid %d (this process is root)", b.asUser.Uid)
	}
	return fmt.Sprintf("%s (%s): user, pid, net, mount, ipc, uts namespaces as %s; limits by %s", b.version, b.bin, who, b.prlimit)
}

func (b *bwrapBackend) usable(spec *Spec) error {
	if b.asUser == nil {
		return nil
	}
	for _, m := range effectiveMounts(spec, b.entries) {
		if err := reachable(m.Source, int(b.asUser.Uid), int(b.asUser.Gid)); err != nil {
			return err
		}
	}
	return nil
}

func (b *bwrapBackend) run(ctx context.Context, spec *Spec, out *capture) (Result, error) {
	uid, gid := os.Getuid(), os.Getgid()
	if b.asUser != nil {
		uid, gid = int(b.asUser.Uid), int(b.asUser.Gid)
	}
	var files []*os.File // handed to bwrap as fds 3, 4, ...
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	addFile := func(data []byte) (int, error) {
		f, err := memFile(data)
		if err != nil {
			return 0, err
		}
		files = append(files, f)
		return 2 + len(files), nil
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return Result{}, err
	}
	defer statusR.Close()
	files = append(files, statusW)
	statusFD := 2 + len(files)

	args := []string{
		"--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--as-pid-1",
		"--hostname", "sandbox", "--clearenv",
	}
	args = append(args, b.extra...)
	args = append(args, "--json-status-fd", strconv.Itoa(statusFD))
	for _, e := range b.entries {
		if e.symlink != "" {
			args = append(args, "--symlink", e.symlink, e.path)
		} else {
			args = append(args, "--ro-bind", e.path, e.path)
		}
	}
	// /tmp first: a toolchain mounted under it must land on the private
	// tmpfs, not be hidden by it.
	args = append(args, "--size", strconv.FormatInt(spec.Limits.TmpSize, 10), "--tmpfs", "/tmp")
	mounts := effectiveMounts(spec, b.entries)
	for _, m := range mounts {
		args = append(args, "--ro-bind", m.Source, m.Target)
	}
	for _, d := range masks(b.cfg, b.entries, mounts) {
		args = append(args, "--dir", d)
	}
	args = append(args, "--proc", "/proc", "--dev", "/dev",
		"--size", strconv.FormatInt(spec.Limits.TmpSize, 10), "--tmpfs", WorkDir)
	etc := etcFiles(uid, gid)
	names := make([]string, 0, len(etc))
	for n := range etc {
		names = append(names, n)
	}
	sort.Strings(names)
	args = append(args, "--dir", "/etc")
	for _, n := range names {
		fd, err := addFile([]byte(etc[n]))
		if err != nil {
			return Result{}, err
		}
		args = append(args, "--perms", "0644", "--file", strconv.Itoa(fd), "/etc/"+n)
	}
	made := map[string]bool{}
	for _, f := range spec.Files {
		for _, d := range parents(f.Path) {
			if !made[d] {
				made[d] = true
				args = append(args, "--dir", path.Join(WorkDir, d))
			}
		}
		fd, err := addFile(f.Data)
		if err != nil {
			return Result{}, err
		}
		perm := "0644"
		if f.Exec {
			perm = "0755"
		}
		args = append(args, "--perms", perm, "--file", strconv.Itoa(fd), path.Join(WorkDir, f.Path))
	}
	for _, kv := range baseEnv(spec) {
		k, v, _ := strings.Cut(kv, "=")
		args = append(args, "--setenv", k, v)
	}
	args = append(args, "--chdir", spec.Dir, "--remount-ro", "/", "--")
	l := spec.Limits
	args = append(args, b.prlimit,
		"--as="+strconv.FormatInt(l.Memory, 10),
		"--cpu="+l.cpuArg(),
		"--fsize="+strconv.FormatInt(l.FileSize, 10),
		"--nofile="+strconv.Itoa(l.OpenFiles),
		"--nproc="+strconv.Itoa(l.Procs),
		"--core=0", "--")
	args = append(args, spec.Argv...)

	cmd := exec.Command(b.bin, args...)
	cmd.Env = []string{} // bwrap's own environment is visible in /proc/1/environ
	cmd.ExtraFiles = files
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: b.asUser}

	type status struct {
		started bool
		exit    int
		hasExit bool
	}
	stc := make(chan status, 1)
	go func() {
		var st status
		dec := json.NewDecoder(bufio.NewReader(statusR))
		for {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				break
			}
			if _, ok := m["child-pid"]; ok {
				st.started = true
			}
			if v, ok := m["exit-code"].(float64); ok {
				st.exit, st.hasExit = int(v), true
			}
		}
		stc <- st
	}()
	r, err := startAndWait(ctx, cmd, spec, out, killGroup)
	statusW.Close() // our copy; bwrap's copy closed when it exited
	if err != nil {
		return r, fmt.Errorf("bwrap: %w", err)
	}
	st := <-stc
	if !st.started && !r.TimedOut && !r.OutputExceeded {
		return r, fmt.Errorf("bwrap could not set up the sandbox (exit %d): %s", r.ExitCode, strings.TrimSpace(string(r.Stderr)))
	}
	// bwrap reports a program killed by signal N as 128+N.
	if st.hasExit && r.Signal == "" && st.exit > 128 && st.exit < 128+65 {
		r.Signal = unix.SignalName(syscall.Signal(st.exit - 128))
		r.ExitCode = -1
	}
	return r, nil
}

// parents lists the directories above a relative path, outermost first.
func parents(rel string) []string {
	var out []string
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		out = append([]string{d}, out...)
	}
	return out
}

// memFile returns an anonymous in-memory file holding data, positioned at
// its start, so a program's files never touch the host's disk.
func memFile(data []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("sandbox-file", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd")
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
