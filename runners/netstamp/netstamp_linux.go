package netstamp

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// stamping turns on receive timestamps for tc and wraps it, or returns nil
// when the socket refuses.
func stamping(tc *net.TCPConn) *Conn {
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return nil
	}
	r := &reader{raw: raw, tc: tc, oob: make([]byte, syscall.CmsgSpace(int(unsafe.Sizeof(syscall.Timespec{}))))}
	r.recv = r.recvmsg
	r.c = &Conn{Conn: tc, read: r.read}
	return r.c
}

// reader is one connection's read path. The HTTP transport reads a
// connection from one goroutine at a time, so the state of the read in
// progress lives here, and a read allocates nothing.
type reader struct {
	c    *Conn
	tc   *net.TCPConn
	raw  syscall.RawConn
	oob  []byte
	recv func(fd uintptr) bool // r.recvmsg, bound once

	b       []byte // the read in progress
	n, oobn int
	err     error
}

func (r *reader) recvmsg(fd uintptr) bool {
	for {
		r.n, r.oobn, _, _, r.err = syscall.Recvmsg(int(fd), r.b, r.oob, 0)
		if r.err != syscall.EINTR {
			break
		}
	}
	return r.err != syscall.EAGAIN
}

func (r *reader) read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	r.b = b
	err := r.raw.Read(r.recv)
	r.b = nil
	if err == nil && r.err != nil {
		err = os.NewSyscallError("recvmsg", r.err)
	}
	if err != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: r.tc.LocalAddr(), Addr: r.tc.RemoteAddr(), Err: err}
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	if ns := stampOf(r.oob[:r.oobn]); ns > 0 {
		r.c.last.Store(ns)
	}
	return r.n, nil
}

// stampOf finds the SCM_TIMESTAMPNS control message and returns its time
// in Unix nanoseconds, or 0.
func stampOf(oob []byte) int64 {
	const tsLen = int(unsafe.Sizeof(syscall.Timespec{}))
	for len(oob) >= syscall.SizeofCmsghdr {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < syscall.SizeofCmsghdr || l > len(oob) {
			return 0
		}
		if h.Level == syscall.SOL_SOCKET && h.Type == syscall.SCM_TIMESTAMPNS && l >= syscall.CmsgLen(tsLen) {
			return (*syscall.Timespec)(unsafe.Pointer(&oob[syscall.CmsgLen(0)])).Nano()
		}
		oob = oob[min(syscall.CmsgSpace(l-syscall.CmsgLen(0)), len(oob)):]
	}
	return 0
}
