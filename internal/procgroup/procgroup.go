// Package procgroup starts child processes in a process group of their
// own, so that stopping one stops everything it started, and, on Linux,
// has the kernel kill them if engrambench itself dies first. The rest of
// the tree asks for that here instead of spelling out Linux-only process
// attributes, so that it builds on the other Unix systems too.
package procgroup

import "syscall"

// Attr returns process attributes that put the child in a new process
// group and deliver sig to it when this process's thread that started it
// dies (Linux's parent-death signal; elsewhere the group alone).
func Attr(sig syscall.Signal) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(a, sig)
	return a
}
