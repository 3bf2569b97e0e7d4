package openai

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

// The load of the benchmarks: 256 streams at once, each answer 16 chunks
// of one token. The fake server runs in a child process (fakeProcess), as
// a model server is another process: in this one, its handlers and its
// garbage would stop the client's goroutines inside the same Go runtime,
// and its CPU time would count as the client's.
const (
	benchConc   = 256
	benchChunks = 16
)

var benchAnswer = strings.TrimSpace(strings.Repeat("token ", benchChunks))

func benchCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	tb.Cleanup(cancel)
	return ctx
}

// benchRunner is a runner for the fake server at url.
func benchRunner(tb testing.TB, url string) *Runner {
	r, err := New("bench", params.Values{"url": url, "model": "fake-model", "concurrency": benchConc, "api_key_env": ""})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.(*Runner).Close() })
	return r.(*Runner)
}

func benchReq(i int) runners.Request {
	return runners.Request{Messages: []runners.Message{{Role: "user", Content: fmt.Sprintf("Question %d: say sixteen tokens.", i)}}, MaxTokens: 64}
}

// closedLoop runs n calls of do on conc workers and returns the time taken.
func closedLoop(n, conc int, do func(i int) error) (time.Duration, error) {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range min(conc, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := do(i); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start), first
}

func streamOnce(ctx context.Context, r *Runner, i int) (runners.Response, error) {
	resp, err := r.Generate(ctx, benchReq(i))
	if err == nil && len(resp.Timing.Chunks) != benchChunks {
		err = fmt.Errorf("%d chunks, want %d", len(resp.Timing.Chunks), benchChunks)
	}
	return resp, err
}

// BenchmarkStreamed256 is the runner's throughput: streamed requests per
// second with 256 in flight, every chunk parsed and timed.
func BenchmarkStreamed256(b *testing.B) {
	r := benchRunner(b, fakeProcess(b, false))
	ctx := benchCtx(b)
	run := func(i int) error { _, err := streamOnce(ctx, r, i); return err }
	if _, err := closedLoop(benchConc, benchConc, run); err != nil {
		b.Fatal(err) // warm-up: open the connections
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	d, err := closedLoop(b.N, benchConc, run)
	if err != nil {
		b.Fatal(err)
	}
	reportRate(b, d, cpuTime()-cpu)
}

// reportRate reports requests per second, and this process's CPU time per
// request (the client's alone, the server being another process), which
// other load on the machine disturbs far less than the rate.
func reportRate(b *testing.B, d, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/d.Seconds(), "req/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkRawHTTP256 is the reference: the same requests from a minimal
// client that reads each body to the end without parsing it. The ratio of
// the two rates, and of their CPU per request, is what the runner's
// parsing and timing cost.
func BenchmarkRawHTTP256(b *testing.B) {
	url := fakeProcess(b, false)
	r := benchRunner(b, url)
	ctx := benchCtx(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchConc, DisableCompression: true}}
	defer client.CloseIdleConnections()
	do := func(i int) error {
		body, err := r.body(benchReq(i))
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		_, err = io.Copy(io.Discard, res.Body)
		return err
	}
	if _, err := closedLoop(benchConc, benchConc, do); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	d, err := closedLoop(b.N, benchConc, do)
	if err != nil {
		b.Fatal(err)
	}
	reportRate(b, d, cpuTime()-cpu)
}

var (
	sustainedOnce sync.Once
	sustained     float64
)

// sustainedRate measures, once per process, the closed-loop rate at 256
// in flight for about a second, against a server of normal priority.
func sustainedRate(tb testing.TB) float64 {
	sustainedOnce.Do(func() {
		r := benchRunner(tb, fakeProcess(tb, false))
		ctx := benchCtx(tb)
		run := func(i int) error { _, err := streamOnce(ctx, r, i); return err }
		closedLoop(benchConc, benchConc, run)
		for n := 1000; ; n *= 2 {
			d, err := closedLoop(n, benchConc, run)
			if err != nil {
				tb.Fatal(err)
			}
			if d > 800*time.Millisecond || n >= 1<<20 {
				sustained = float64(n) / d.Seconds()
				return
			}
		}
	})
	return sustained
}

// ttftOverhead sends n requests open-loop at rate per second, each with a
// prompt of its own, and returns for each the client's FirstToken minus
// the moment the server began writing the first chunk: the delivery
// overhead a TTFT figure carries, which includes the fake server's own
// time from its timestamp to its write.
func ttftOverhead(tb testing.TB, rate float64, n int) []time.Duration {
	url := fakeProcess(tb, true)
	r := benchRunner(tb, url)
	ctx := benchCtx(tb)
	first := make([]time.Time, n)
	prompts := make([]string, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		if d := time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
			time.Sleep(d)
		}
		req := benchReq(i)
		prompts[i] = req.Text()
		wg.Go(func() {
			resp, err := r.Generate(ctx, req)
			if err != nil {
				errs <- err
				return
			}
			first[i] = resp.Timing.FirstToken
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatal(err)
	}
	written := firstWrites(tb, url)
	out := make([]time.Duration, n)
	for i := range n {
		w, ok := written[prompts[i]]
		if !ok {
			tb.Fatalf("no server record for request %d", i)
		}
		out[i] = first[i].Sub(w) // wall clocks: two processes, one machine
	}
	return out
}

// quantile is the q-quantile of sorted d (nearest rank).
func quantile(d []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(d))+0.999999) - 1
	return d[max(0, min(i, len(d)-1))]
}

// BenchmarkTTFTOverhead runs at half the sustained rate and reports the
// p50 and p99 of client-measured first-token time minus the server's own
// first-chunk write time, over at least 4,000 requests (more with
// -benchtime 8000x) so that the p99 rests on forty of them or more.
func BenchmarkTTFTOverhead(b *testing.B) {
	rate := sustainedRate(b) / 2
	d := ttftOverhead(b, rate, max(b.N, 4000))
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	b.ReportMetric(rate, "req/s")
	b.ReportMetric(ms(quantile(d, 0.5)), "p50-overhead-ms")
	b.ReportMetric(ms(quantile(d, 0.99)), "p99-overhead-ms")
	b.ReportMetric(ms(d[len(d)-1]), "max-overhead-ms")
}
