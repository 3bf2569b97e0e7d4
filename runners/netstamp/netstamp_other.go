//go:build !linux

package netstamp

import "net"

// stamping returns nil: only Linux stamps reads here.
func stamping(*net.TCPConn) *Conn { return nil }
