package procgroup

import (
	"syscall"
	"testing"
)

func TestDeathSignalOnLinux(t *testing.T) {
	if a := Attr(syscall.SIGQUIT); a.Pdeathsig != syscall.SIGQUIT || !a.Setpgid {
		t.Errorf("attributes %+v", a)
	}
}
