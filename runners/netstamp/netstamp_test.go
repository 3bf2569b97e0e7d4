package netstamp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
	"time"
)

// pair dials a loopback listener through DialContext and returns both
// ends.
func pair(t *testing.T) (client net.Conn, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	client, err = DialContext(&net.Dialer{})(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// stamped returns client's stamping connection once the kernel stamps
// what it receives: Linux turns receive stamping on for the whole stack
// a moment after the first socket asks (and off after the last closes),
// so the first segments may come unstamped.
func stamped(t *testing.T, client, server net.Conn) *Conn {
	t.Helper()
	s := Of(client)
	if s == nil {
		if runtime.GOOS == "linux" {
			t.Fatal("a TCP connection on Linux is not stamping")
		}
		t.Skip("receive stamps only on Linux")
	}
	buf := make([]byte, 8)
	for range 100 {
		server.Write([]byte("w"))
		if _, err := io.ReadFull(client, buf[:1]); err != nil {
			t.Fatal(err)
		}
		if s.last.Load() != 0 {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no receive stamp after a second of trying")
	return nil
}

// The arrival of bytes read late is when they came, not when they were
// read: the whole point.
func TestArrivalIsWhenTheBytesCame(t *testing.T) {
	client, server := pair(t)
	s := stamped(t, client, server)
	sent := time.Now()
	if _, err := server.Write([]byte("data: x\n\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(80 * time.Millisecond) // the reader is busy elsewhere
	buf := make([]byte, 64)
	n, err := client.Read(buf)
	now := time.Now()
	if err != nil || string(buf[:n]) != "data: x\n\n" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	at := s.Arrival(now)
	if late := now.Sub(at); late < 60*time.Millisecond {
		t.Errorf("arrival only %v before the read returned; the bytes waited 80ms", late)
	}
	if early := at.Sub(sent); early < -time.Millisecond || early > 20*time.Millisecond {
		t.Errorf("arrival %v after the write", early)
	}
	// A later read gets the later stamp.
	server.Write([]byte("more"))
	n, _ = client.Read(buf)
	if at2 := s.Arrival(time.Now()); !at2.After(at) || string(buf[:n]) != "more" {
		t.Errorf("second arrival %v not after the first %v (read %q)", at2, at, buf[:n])
	}
}

func TestEndsAndErrors(t *testing.T) {
	client, server := pair(t)
	server.Write([]byte("last"))
	server.Close()
	buf := make([]byte, 16)
	n, err := client.Read(buf)
	if err != nil || string(buf[:n]) != "last" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	if _, err := client.Read(buf); err != io.EOF {
		t.Errorf("after the peer closed: %v, want io.EOF", err)
	}

	client, _ = pair(t)
	client.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = client.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("past the deadline: %v, want a timeout net.Error", err)
	}

	client, _ = pair(t)
	done := make(chan error, 1)
	go func() { _, err := client.Read(buf); done <- err }()
	time.Sleep(20 * time.Millisecond)
	client.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("read on a closed connection: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a read blocked on a closed connection never returned")
	}
}

func TestOfLooksThroughTLSAndNil(t *testing.T) {
	client, _ := pair(t)
	s := Of(client)
	if s == nil {
		t.Skip("no stamping connections here")
	}
	if Of(tls.Client(client, &tls.Config{})) != s {
		t.Error("Of does not find the connection under TLS")
	}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if Of(a) != nil {
		t.Error("Of claims a pipe")
	}
	now := time.Now()
	var none *Conn
	if none.Arrival(now) != now || s.Arrival(now) != now {
		t.Error("with no stamp, Arrival is not the time given")
	}
}

func TestStampOfRejectsGarbage(t *testing.T) {
	for _, oob := range [][]byte{nil, {1, 2, 3}, make([]byte, 64), {255, 255, 255, 255, 255, 255, 255, 255, 1, 0, 0, 0, 35, 0, 0, 0}} {
		if got := stampOfOrZero(oob); got != 0 {
			t.Errorf("stampOf(%v) = %d, want 0", oob, got)
		}
	}
}
