package sandbox

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// startAndWait runs cmd (already configured by a backend) with the spec's
// stdin, capped output and wall-clock limit. kill must end every process of
// the run; it is called on timeout, on output overflow and on
// cancellation. It returns the Result without Backend, and the error from
// Wait when it is not an exit status (the backend failed to start).
func startAndWait(ctx context.Context, cmd *exec.Cmd, spec *Spec, out *capture, kill func(pid int)) (Result, error) {
	cmd.Stdin = bytes.NewReader(spec.Stdin)
	cmd.Stdout = &out.stdout
	cmd.Stderr = &out.stderr
	// Pipes stay open while any process holds them; the backends kill
	// whole namespaces, so this only bounds a misbehaving backend.
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{}, err
	}
	pid := cmd.Process.Pid
	killOnce := onceFunc(func() { kill(pid) })
	out.setKill(killOnce)

	timedOut := false
	timer := time.NewTimer(spec.Limits.Wall)
	defer timer.Stop()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-timer.C:
		timedOut = true
		killOnce()
		werr = <-done
	case <-ctx.Done():
		killOnce()
		<-done
		return Result{}, ctx.Err()
	}
	// Whatever is left of the run (nothing, for the namespace backends)
	// goes now.
	killOnce()
	r := Result{
		Stdout:         out.stdout.Bytes(),
		Stderr:         out.stderr.Bytes(),
		OutputExceeded: out.Exceeded(),
		TimedOut:       timedOut,
		Wall:           time.Since(start),
		ExitCode:       -1,
	}
	if ps := cmd.ProcessState; ps != nil {
		r.CPU = ps.UserTime() + ps.SystemTime()
		r.CPULimitHit = r.CPU >= spec.Limits.CPU
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
			switch {
			case ws.Exited():
				r.ExitCode = ws.ExitStatus()
			case ws.Signaled():
				r.Signal = unix.SignalName(ws.Signal())
			}
		}
	}
	var ee *exec.ExitError
	if werr != nil && !errors.As(werr, &ee) && !errors.Is(werr, exec.ErrWaitDelay) {
		return r, werr
	}
	return r, nil
}

// onceFunc is sync.OnceFunc without the panic propagation subtleties.
func onceFunc(f func()) func() {
	ch := make(chan struct{}, 1)
	ch <- struct{}{}
	return func() {
		select {
		case <-ch:
			f()
		default:
		}
	}
}

// killGroup sends SIGKILL to the process and to its process group.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
}
