package openai

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/internal/fakeopenai"
)

// fakeServerEnv, when set, makes the test binary a fake OpenAI server
// instead of running tests ("record" keeps a record of every request).
const fakeServerEnv = "ENGRAMBENCH_BENCH_FAKE_SERVER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeServerEnv); mode != "" {
		serveFake(mode == "record")
		return
	}
	os.Exit(m.Run())
}

// firstWrite is one request's prompt and when the server began writing
// its first answer chunk, in Unix nanoseconds: the wall clock is the one
// two processes share.
type firstWrite struct {
	Prompt string `json:"prompt"`
	At     int64  `json:"at"`
}

// serveFake runs the fake server, prints its URL, and serves until its
// standard input closes. GET /records lists the first-chunk times.
func serveFake(record bool) {
	var srv *fakeopenai.Server
	srv = fakeopenai.New(fakeopenai.Options{
		Answer: func(string) string { return benchAnswer },
		Record: record,
		Handler: func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/records" {
				return false
			}
			var out []firstWrite
			for _, rec := range srv.Records() {
				if len(rec.Chunks) > 0 {
					out = append(out, firstWrite{rec.Prompt, rec.Chunks[0].UnixNano()})
				}
			}
			json.NewEncoder(w).Encode(out)
			return true
		},
	})
	fmt.Println(srv.URL)
	bufio.NewReader(os.Stdin).ReadByte() // returns when the parent closes stdin or exits
	srv.Close()
}

// fakeProcess starts the fake server in a child process (this test binary
// again) and returns its base URL; the child ends with the benchmark.
// The child gets the default collector settings whatever this process has.
func fakeProcess(tb testing.TB, record bool) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	mode := "plain"
	if record {
		mode = "record"
	}
	cmd.Env = append(os.Environ(), fakeServerEnv+"="+mode, "GOGC=100", "GOMEMLIMIT=off")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("fake server process: %v", err)
	}
	return strings.TrimSpace(line)
}

// firstWrites fetches the child's first-chunk times by prompt.
func firstWrites(tb testing.TB, url string) map[string]time.Time {
	res, err := http.Get(strings.TrimSuffix(url, "/v1") + "/records")
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	var list []firstWrite
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		tb.Fatal(err)
	}
	out := make(map[string]time.Time, len(list))
	for _, f := range list {
		out[f.Prompt] = time.Unix(0, f.At)
	}
	return out
}
