package sandbox

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/engrambench/engrambench/internal/procgroup"
)

// noneBackend runs programs on the host with no isolation: a scrubbed
// environment, rlimits by prlimit(1) when present, a private temporary
// directory standing in for WorkDir, and the process group killed at the
// end. A program can still read and write anything its user can, reach
// the network, and escape the process group. It exists only for machines
// without user namespaces, behind an explicit unsafe option.
type noneBackend struct{}

func (noneBackend) name() string       { return BackendNone }
func (noneBackend) describe() string   { return "none" }
func (noneBackend) usable(*Spec) error { return nil }

func (noneBackend) run(ctx context.Context, spec *Spec, out *capture) (Result, error) {
	base, err := os.MkdirTemp("", "engrambench-unsafe-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(base)
	// The work directory and the temporary one apart: the go command
	// ignores a go.mod in its temporary directory's root.
	dir, tmp := filepath.Join(base, "box"), filepath.Join(base, "tmp")
	for _, d := range []string{dir, tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return Result{}, err
		}
	}
	for _, f := range spec.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return Result{}, err
		}
		mode := os.FileMode(0o644)
		if f.Exec {
			mode = 0o755
		}
		if err := os.WriteFile(p, f.Data, mode); err != nil {
			return Result{}, err
		}
	}
	// WorkDir does not exist on the host: point every mention at dir.
	rewrite := func(s string) string { return strings.ReplaceAll(s, WorkDir, dir) }
	argv := make([]string, len(spec.Argv))
	for i, a := range spec.Argv {
		argv[i] = rewrite(a)
	}
	env := []string{}
	for _, kv := range baseEnv(spec) {
		if strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "TMPDIR=") {
			k, _, _ := strings.Cut(kv, "=")
			kv = k + "=" + tmp
		}
		env = append(env, rewrite(kv))
	}
	for _, m := range spec.Mounts {
		if path.Clean(m.Source) != path.Clean(m.target()) {
			return Result{}, fmt.Errorf("sandbox: without isolation a mount cannot move %s to %s", m.Source, m.target())
		}
	}
	if pl, err := exec.LookPath("prlimit"); err == nil {
		l := spec.Limits
		argv = append([]string{pl,
			"--as=" + strconv.FormatInt(l.Memory, 10),
			"--cpu=" + l.cpuArg(),
			"--fsize=" + strconv.FormatInt(l.FileSize, 10),
			"--nofile=" + strconv.Itoa(l.OpenFiles),
			"--core=0", "--"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = rewrite(spec.Dir)
	cmd.SysProcAttr = procgroup.Attr(syscall.SIGKILL)
	return startAndWait(ctx, cmd, spec, out, killGroup)
}
