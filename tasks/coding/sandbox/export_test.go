package sandbox

import (
	"errors"
	"syscall"
)

// backendFor reports whether some backend of s can run spec.
func (s *Sandbox) backendFor(spec *Spec) error {
	if s.unsafe {
		return nil
	}
	var errs []error
	for _, b := range s.backends {
		err := b.usable(spec)
		if err == nil {
			return nil
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func credential(id uint32) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: id, Gid: id, Groups: []uint32{}}}
}
