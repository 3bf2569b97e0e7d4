// Package storetest gives tests a real PostgreSQL server: Debian's
// postgresql binaries, started once per test binary on a free loopback
// port with a temporary data directory, as a non-root user when the tests
// run as root. Each call to Postgres gets a fresh database on it.
//
// Where the binaries are not installed the tests that ask are skipped,
// saying how to install them; any other failure to start fails them. A
// server started elsewhere is used instead when ENGRAMBENCH_TEST_POSTGRES
// holds a DSN whose user may create databases.
//
// A package using Postgres stops the server from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/engrambench/engrambench/internal/procgroup"
)

// EnvDSN names the variable holding an existing server's DSN.
const EnvDSN = "ENGRAMBENCH_TEST_POSTGRES"

var (
	once   sync.Once
	srv    *server
	srvErr error
	skip   string
)

type server struct {
	dir   string
	admin string // DSN of the postgres database
	cmd   *exec.Cmd
	exit  chan error
}

// Postgres returns the DSN of a new, empty database, skipping the test
// when PostgreSQL is not installed.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvDSN)
	if admin == "" {
		once.Do(func() { srv, skip, srvErr = start() })
		if skip != "" {
			t.Skip(skip)
		}
		if srvErr != nil {
			t.Fatalf("start PostgreSQL: %v", srvErr)
		}
		admin = srv.admin
	}
	var b [4]byte
	rand.Read(b[:])
	name := "engrambench_test_" + hex.EncodeToString(b[:])
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL at %s: create database: %v", admin, err)
	}
	return withDatabase(admin, name)
}

// withDatabase replaces the database of a URL-form DSN.
func withDatabase(dsn, name string) string {
	rest, query, _ := strings.Cut(dsn, "?")
	scheme := strings.Index(rest, "://")
	if slash := strings.Index(rest[scheme+3:], "/"); slash >= 0 {
		rest = rest[:scheme+3+slash]
	}
	out := rest + "/" + name
	if query != "" {
		out += "?" + query
	}
	return out
}

// Main runs the tests and stops the server if one was started.
func Main(m *testing.M) int {
	code := m.Run()
	if srv != nil {
		srv.stop()
	}
	return code
}

// binDir finds the directory of initdb and postgres: on PATH, or Debian's
// /usr/lib/postgresql/VERSION/bin, newest version first.
func binDir() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("postgres"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return vb - va
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

// start initialises a cluster and starts postgres on it. skip is set when
// PostgreSQL is not installed.
func start() (s *server, skip string, err error) {
	bin := binDir()
	if bin == "" {
		return nil, "PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); " +
			"install it (Debian: apt-get install -y postgresql) to run the PostgreSQL store tests", nil
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		// postgres refuses to run as root.
		if cred, err = nonRoot(); err != nil {
			return nil, "", err
		}
	}
	dir, err := os.MkdirTemp("", "engrambench-pg-")
	if err != nil {
		return nil, "", err
	}
	s = &server{dir: dir}
	defer func() {
		if err != nil {
			s.stop()
			s = nil
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return s, "", err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "-N")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return s, "", fmt.Errorf("initdb: %v\n%s", err, out)
	}
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return s, "", err
		}
		err = s.run(bin, data, port, cred)
		if err == nil {
			return s, "", nil
		}
		// A port taken between freePort and postgres's bind is worth
		// another try; a server that hangs is not.
		var nr errNotReady
		if attempt == 2 || errors.As(err, &nr) {
			return s, "", err
		}
	}
}

func (s *server) run(bin, data string, port int, cred *syscall.Credential) error {
	logPath := filepath.Join(s.dir, "postgres.log")
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=40", "-c", "shared_buffers=32MB")
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = log, log
	// Pdeathsig stops the server if the test binary dies without Main.
	cmd.SysProcAttr = procgroup.Attr(syscall.SIGQUIT)
	cmd.SysProcAttr.Credential = cred
	if err := cmd.Start(); err != nil {
		return err
	}
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait() }()
	s.cmd, s.exit = cmd, exit
	s.admin = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	db, err := sql.Open("pgx", s.admin)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case werr := <-exit:
			s.cmd = nil
			b, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres exited (%v):\n%s", werr, b)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stopProcess()
			b, _ := os.ReadFile(logPath)
			return errNotReady{fmt.Errorf("postgres not ready after 30 s: %v\n%s", err, b)}
		}
	}
}

type errNotReady struct{ error }

// stop shuts the server down and removes its directory.
func (s *server) stop() {
	s.stopProcess()
	os.RemoveAll(s.dir)
}

// stopProcess asks for a fast shutdown, then kills after 10 s.
func (s *server) stopProcess() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exit:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exit
		}
		s.cmd = nil
	}
}

// nonRoot picks the user postgres runs as when the tests run as root.
func nonRoot() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and no postgres or nobody user to run PostgreSQL as")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
