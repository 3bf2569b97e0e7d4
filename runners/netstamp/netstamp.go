// Package netstamp timestamps the bytes a runner reads where they arrive:
// in the kernel, not in the goroutine that reads them.
//
// A client that timestamps a streamed chunk when its read returns adds to
// every time to first token the wait of its own goroutine for a CPU, and
// under load that wait (other streams' parsing, the garbage collector)
// reaches milliseconds at the tail. On Linux the connections this package
// dials ask the kernel to stamp each received segment (SO_TIMESTAMPNS)
// and read with recvmsg to get the stamps back, so an arrival time is the
// moment the bytes reached the socket whatever the client was doing. Where
// the kernel gives no stamp (other systems; the first segments after the
// first socket of a machine asks, since Linux switches stamping on for
// the whole stack a moment later; a stamp that makes no sense), Arrival
// falls back to the time the read returned.
package netstamp

import (
	"context"
	"crypto/tls"
	"net"
	"sync/atomic"
	"time"
)

// maxAge bounds how old a stamp can be and still be believed; an older or
// future one (a clock stepped in between) is ignored.
const maxAge = 10 * time.Second

// Conn is a connection whose reads keep the kernel's receive time of the
// latest bytes read.
type Conn struct {
	net.Conn
	last atomic.Int64 // Unix nanoseconds of the latest bytes read; 0 for none
	read func(b []byte) (int, error)
}

// Read reads like the connection it wraps, keeping the bytes' stamp.
func (c *Conn) Read(b []byte) (int, error) { return c.read(b) }

// Arrival is when the latest bytes read from c reached the machine, given
// now, the moment the read that returned them came back. It keeps now's
// monotonic reading, moved back by the kernel's measure of the wait, so it
// subtracts cleanly from other time.Now values. A nil Conn, or one without
// a believable stamp, gives now.
func (c *Conn) Arrival(now time.Time) time.Time {
	if c == nil {
		return now
	}
	ns := c.last.Load()
	if ns == 0 {
		return now
	}
	wait := time.Duration(now.UnixNano() - ns)
	if wait <= 0 || wait > maxAge {
		return now
	}
	return now.Add(-wait)
}

// Of returns the stamping connection under c, looking through TLS, or nil
// when c is not one.
func Of(c net.Conn) *Conn {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	s, _ := c.(*Conn)
	return s
}

// DialContext dials with d and, where the system can stamp TCP reads,
// returns a *Conn. It is a drop-in for http.Transport.DialContext.
func DialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			if s := stamping(tc); s != nil {
				return s, nil
			}
		}
		return c, nil
	}
}
