package local

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/engrambench/engrambench/internal/fakeopenai"
)

// The test binary doubles as a fake engine: FAKE_ENGINE selects how it
// behaves, and --port names its port.
func TestMain(m *testing.M) {
	if mode := os.Getenv("FAKE_ENGINE"); mode != "" {
		fakeEngine(mode)
		return
	}
	os.Exit(m.Run())
}

func fakeEngine(mode string) {
	port := ""
	for i, a := range os.Args {
		if a == "--port" && i+1 < len(os.Args) {
			port = os.Args[i+1]
		}
	}
	fmt.Println("fake engine starting in mode", mode)
	switch mode {
	case "crash":
		fmt.Fprintln(os.Stderr, "error: model file not found: /models/missing.gguf")
		os.Exit(3)
	case "never-healthy":
		select {}
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
	case "with-child":
		// A grandchild that would outlive its parent without group kill.
		exec.Command("sleep", "300").Start()
	case "openai":
		// An OpenAI-compatible engine: the fake server behind a proxy on
		// the port the runner chose.
		fake := fakeopenai.New(fakeopenai.Options{})
		target, _ := url.Parse(fake.Root)
		proxy := httputil.NewSingleHostReverseProxy(target)
		mux := http.NewServeMux()
		mux.HandleFunc("/crash", func(w http.ResponseWriter, r *http.Request) { os.Exit(7) })
		mux.Handle("/", proxy)
		http.ListenAndServe("127.0.0.1:"+port, mux)
		return
	}
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	http.HandleFunc("/crash", func(w http.ResponseWriter, r *http.Request) { os.Exit(7) })
	http.ListenAndServe("127.0.0.1:"+port, nil)
}

func engineCmd(mode string) string {
	return "FAKE_ENGINE=" + mode + " " + os.Args[0] + " --port {port}"
}

func cfg(mode string) EngineConfig {
	return EngineConfig{Command: engineCmd(mode), StartTimeout: 5 * time.Second, StopTimeout: 300 * time.Millisecond, SampleEvery: 20 * time.Millisecond}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil && state(pid) != "Z" }

// state is a process's state letter from /proc, "" when it is gone.
func state(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	return s[i+2 : i+3]
}

// liveInGroup lists the processes of a group that are not zombies.
func liveInGroup(pgid int) []string {
	out, _ := exec.Command("pgrep", "-g", fmt.Sprint(pgid)).Output()
	var live []string
	for _, f := range strings.Fields(string(out)) {
		var pid int
		fmt.Sscan(f, &pid)
		if alive(pid) {
			live = append(live, f)
		}
	}
	return live
}

func TestEngineStartsSamplesAndStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	e, err := StartEngine(ctx, cfg("with-child"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if exited, _ := e.Exited(); exited {
		t.Fatal("engine exited early")
	}
	pgid := e.cmd.Process.Pid
	if err := e.Stop(); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	if st.PeakRSSBytes == 0 || st.RSSSamples == 0 || st.WallSeconds <= 0 || !strings.Contains(st.Command, "--port ") {
		t.Fatalf("stats %+v", st)
	}
	// No process of the group is left running (a killed orphan may stay a
	// zombie until init reaps it).
	if live := liveInGroup(pgid); len(live) > 0 {
		t.Fatalf("processes of the engine's group are still alive: %v", live)
	}
}

func TestEngineFailuresNameTheCommandAndLeaveNothing(t *testing.T) {
	cases := []struct {
		mode string
		want []string
	}{
		{"crash", []string{"exit status 3", "model file not found", "FAKE_ENGINE=crash"}},
		{"never-healthy", []string{"not healthy after", "fake engine starting"}},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			conf := cfg(c.mode)
			conf.StartTimeout = 700 * time.Millisecond
			_, err := StartEngine(context.Background(), conf)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if out, _ := exec.Command("pgrep", "-f", "FAKE_ENGINE="+c.mode).Output(); len(out) > 0 {
				t.Errorf("engine processes left behind: %s", out)
			}
		})
	}
	_, err := StartEngine(context.Background(), EngineConfig{Command: "/no/such/engine --port {port}", StartTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "/no/such/engine") {
		t.Fatalf("missing binary: %v", err)
	}
}

func TestStopKillsAnEngineThatIgnoresSIGTERM(t *testing.T) {
	e, err := StartEngine(context.Background(), cfg("ignore-term"))
	if err != nil {
		t.Fatal(err)
	}
	pid := e.cmd.Process.Pid
	err = e.Stop()
	if err == nil || !strings.Contains(err.Error(), "ignored SIGTERM") {
		t.Fatalf("want a note that SIGTERM was ignored, got %v", err)
	}
	if alive(pid) {
		t.Fatal("engine still alive after Stop")
	}
}

func TestEngineCrashIsSeen(t *testing.T) {
	e, err := StartEngine(context.Background(), cfg("healthy"))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	http.Get(e.URL() + "/crash")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if exited, err := e.Exited(); exited {
			if !strings.Contains(err.Error(), "exit status 7") {
				t.Fatalf("exit error %v", err)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("crash not noticed")
}
