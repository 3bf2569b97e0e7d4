package procgroup

import (
	"os/exec"
	"syscall"
	"testing"
)

// A child started with Attr leads a process group of its own.
func TestChildLeadsItsGroup(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "sleep 5")
	cmd.SysProcAttr = Attr(syscall.SIGKILL)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	pgid, err := syscall.Getpgid(cmd.Process.Pid)
	if err != nil || pgid != cmd.Process.Pid {
		t.Errorf("child %d is in group %d (%v), want its own", cmd.Process.Pid, pgid, err)
	}
}
