package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/shirou/gopsutil/v4/process"

	"github.com/engrambench/engrambench/internal/procgroup"
)

// EngineConfig says how to start and watch an engine process.
type EngineConfig struct {
	Command      string        // shell command; {port} is replaced with the port
	Port         int           // 0: pick a free loopback port
	HealthPaths  []string      // tried in order until one answers 200
	StartTimeout time.Duration // until healthy
	StopTimeout  time.Duration // between SIGTERM and SIGKILL
	SampleEvery  time.Duration // RSS sampling interval; 0 for none
}

// Engine is a running server process that engrambench started and owns.
type Engine struct {
	cfg     EngineConfig
	cmd     *exec.Cmd
	port    int
	output  *tail
	exited  chan struct{} // closed when the process has exited
	waitErr error

	started time.Time
	mu      sync.Mutex
	peakRSS uint64
	rssN    int
	rssSum  float64
	stopped time.Time

	stopSampling chan struct{}
	sampling     sync.WaitGroup
	stopOnce     sync.Once
}

// StartEngine starts the command on a loopback port and waits until it is
// healthy. On any failure the process group is killed before returning, and
// the error names the command and the last lines it printed.
func StartEngine(ctx context.Context, cfg EngineConfig) (*Engine, error) {
	if strings.TrimSpace(cfg.Command) == "" {
		return nil, errors.New("no command to start")
	}
	port := cfg.Port
	if port == 0 {
		p, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		port = p
	}
	command := strings.ReplaceAll(cfg.Command, "{port}", strconv.Itoa(port))
	out := newTail(64 << 10)
	// The shell runs the command (environment assignments and all) in a
	// process group of its own, so stopping kills every process it made.
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = procgroup.Attr(syscall.SIGKILL)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %q: %w", command, err)
	}
	e := &Engine{cfg: cfg, cmd: cmd, port: port, output: out, exited: make(chan struct{}), started: time.Now(), stopSampling: make(chan struct{})}
	e.cfg.Command = command
	go func() {
		e.waitErr = cmd.Wait()
		close(e.exited)
	}()
	if err := e.waitHealthy(ctx); err != nil {
		e.Stop()
		return nil, err
	}
	if cfg.SampleEvery > 0 {
		e.sampling.Add(1)
		go e.sample(cfg.SampleEvery)
	}
	return e, nil
}

// URL is the engine's base URL, e.g. http://127.0.0.1:PORT.
func (e *Engine) URL() string { return "http://127.0.0.1:" + strconv.Itoa(e.port) }

// Command is the command line that was run, port filled in.
func (e *Engine) Command() string { return e.cfg.Command }

// Exited reports whether the process has ended, and how.
func (e *Engine) Exited() (bool, error) {
	select {
	case <-e.exited:
		return true, e.exitError()
	default:
		return false, nil
	}
}

func (e *Engine) exitError() error {
	if e.waitErr != nil {
		return e.waitErr
	}
	return errors.New("exited with status 0")
}

// LastOutput is the end of what the engine printed, at most n lines.
func (e *Engine) LastOutput(n int) string { return e.output.lastLines(n) }

func (e *Engine) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(e.cfg.StartTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	paths := e.cfg.HealthPaths
	if len(paths) == 0 {
		paths = []string{"/health", "/v1/models"}
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, p := range paths {
			if healthy(ctx, client, e.URL()+p) {
				return nil
			}
		}
		select {
		case <-e.exited:
			return fmt.Errorf("engine %q %v before it became healthy; last output:\n%s", e.cfg.Command, e.exitError(), indent(e.LastOutput(20)))
		case <-ctx.Done():
			return fmt.Errorf("engine %q: %w while waiting for it to become healthy", e.cfg.Command, ctx.Err())
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("engine %q not healthy after %v (tried %s on port %d); last output:\n%s", e.cfg.Command, e.cfg.StartTimeout, strings.Join(paths, ", "), e.port, indent(e.LastOutput(20)))
		}
	}
}

func healthy(ctx context.Context, c *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := c.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// sample records the RSS of the engine's whole process tree.
func (e *Engine) sample(every time.Duration) {
	defer e.sampling.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		e.sampleOnce()
		select {
		case <-e.stopSampling:
			return
		case <-e.exited:
			return
		case <-t.C:
		}
	}
}

func (e *Engine) sampleOnce() {
	rss, err := TreeRSS(context.Background(), int32(e.cmd.Process.Pid))
	if err != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.peakRSS = max(e.peakRSS, rss)
	e.rssN++
	e.rssSum += float64(rss)
}

// TreeRSS sums the resident set size of a process and all its descendants.
func TreeRSS(ctx context.Context, pid int32) (uint64, error) {
	root, err := process.NewProcessWithContext(ctx, pid)
	if err != nil {
		return 0, err
	}
	var total uint64
	queue := []*process.Process{root}
	seen := map[int32]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p.Pid] {
			continue
		}
		seen[p.Pid] = true
		if mi, err := p.MemoryInfoWithContext(ctx); err == nil {
			total += mi.RSS
		}
		kids, _ := p.ChildrenWithContext(ctx)
		queue = append(queue, kids...)
	}
	return total, nil
}

// Stats are what the engine cost while it ran.
type Stats struct {
	Command      string  `json:"command"`
	WallSeconds  float64 `json:"wall_seconds"`
	PeakRSSBytes uint64  `json:"peak_rss_bytes,omitempty"`
	MeanRSSBytes float64 `json:"mean_rss_bytes,omitempty"`
	RSSSamples   int     `json:"rss_samples,omitempty"`
}

// Stats returns the engine's figures so far.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	end := e.stopped
	if end.IsZero() {
		end = time.Now()
	}
	s := Stats{Command: e.cfg.Command, WallSeconds: end.Sub(e.started).Seconds(), PeakRSSBytes: e.peakRSS, RSSSamples: e.rssN}
	if e.rssN > 0 {
		s.MeanRSSBytes = e.rssSum / float64(e.rssN)
	}
	return s
}

// Stop ends the engine: SIGTERM to its process group, then SIGKILL after
// the stop timeout. It is safe to call more than once.
func (e *Engine) Stop() error {
	var err error
	e.stopOnce.Do(func() {
		close(e.stopSampling)
		e.sampling.Wait()
		pgid := e.cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGTERM)
		grace := e.cfg.StopTimeout
		if grace <= 0 {
			grace = 10 * time.Second
		}
		select {
		case <-e.exited:
		case <-time.After(grace):
			err = fmt.Errorf("engine %q ignored SIGTERM for %v; killed", e.cfg.Command, grace)
		}
		// Whatever is left of the group (children that outlived the leader).
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-e.exited
		e.mu.Lock()
		e.stopped = time.Now()
		e.mu.Unlock()
	})
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func indent(s string) string {
	if s == "" {
		return "    (no output)"
	}
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// tail keeps the last bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) lastLines(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := bytes.Split(bytes.TrimRight(t.buf, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
