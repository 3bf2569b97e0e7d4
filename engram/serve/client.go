package serve

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/engrambench/engrambench/engram/store"
)

// Client asks a server for rows over the binary protocol. It reuses its
// buffers, so one Client must not be used by two goroutines at once.
type Client struct {
	URL  string // e.g. http://127.0.0.1:8470
	HTTP *http.Client
	req  []byte
	rows []byte
}

// Rows fetches the rows of r. The returned rows are valid until the next
// call.
func (c *Client) Rows(ctx context.Context, r store.Request) (Response, error) {
	c.req = AppendRequest(c.req[:0], r)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+"/v1/rows", bytes.NewReader(c.req))
	if err != nil {
		return Response{}, err
	}
	hr.Header.Set("Content-Type", "application/octet-stream")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return Response{}, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	out, err := ReadResponse(resp.Body, c.rows)
	if err != nil {
		return Response{}, err
	}
	c.rows = out.Rows
	return out, nil
}

// LoadOptions shape a loopback load test.
type LoadOptions struct {
	URL string
	// Batches are the sequences per request (decode steps: one token each,
	// with Context ids before it); default 1, 2, 4, ..., 1024.
	Batches []int
	Context int // default 2
	// Concurrency is the requests in flight (closed loop); default 1.
	Concurrency int
	// Duration per batch size; Requests caps the requests per batch size
	// (0: no cap). Default 1 s.
	Duration time.Duration
	Requests int
	Vocab    int // token ids are uniform below it; default 129280
	Seed     uint64
}

// LoadPoint is the latency at one batch size.
type LoadPoint struct {
	Batch       int     `json:"batch"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	P50         float64 `json:"p50_seconds"`
	P90         float64 `json:"p90_seconds"`
	P99         float64 `json:"p99_seconds"`
	Mean        float64 `json:"mean_seconds"`
	PerSecond   float64 `json:"requests_per_second"`
	RowsPerSec  float64 `json:"rows_per_second"`
	BytesPerSec float64 `json:"response_bytes_per_second"`
	FirstError  string  `json:"first_error,omitempty"`
}

// LoadTest sends decode-step requests at each batch size, closed loop,
// and reports latency quantiles per request, measured from send to the
// last byte of the rows.
func LoadTest(ctx context.Context, opt LoadOptions) ([]LoadPoint, error) {
	if len(opt.Batches) == 0 {
		for b := 1; b <= 1024; b *= 2 {
			opt.Batches = append(opt.Batches, b)
		}
	}
	if opt.Context <= 0 {
		opt.Context = 2
	}
	opt.Concurrency = max(opt.Concurrency, 1)
	if opt.Duration <= 0 {
		opt.Duration = time.Second
	}
	if opt.Vocab <= 0 {
		opt.Vocab = 129280
	}
	tr := &http.Transport{MaxIdleConnsPerHost: opt.Concurrency, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var out []LoadPoint
	for _, batch := range opt.Batches {
		p := LoadPoint{Batch: batch, Concurrency: opt.Concurrency}
		var mu sync.Mutex
		var lat []float64
		var rows, bytes int
		var wg sync.WaitGroup
		deadline := time.Now().Add(opt.Duration)
		sent := 0
		t0 := time.Now()
		for w := range opt.Concurrency {
			wg.Go(func() {
				c := &Client{URL: opt.URL, HTTP: hc}
				rng := rand.New(rand.NewPCG(opt.Seed, uint64(batch)<<16|uint64(w)))
				ids := make([]uint32, batch*(opt.Context+1))
				for ctx.Err() == nil && time.Now().Before(deadline) {
					mu.Lock()
					if opt.Requests > 0 && sent >= opt.Requests {
						mu.Unlock()
						return
					}
					sent++
					mu.Unlock()
					for i := range ids {
						ids[i] = rng.Uint32N(uint32(opt.Vocab))
					}
					s := time.Now()
					resp, err := c.Rows(ctx, store.Request{Batch: batch, Tokens: 1, Context: opt.Context, IDs: ids})
					d := time.Since(s).Seconds()
					mu.Lock()
					if err != nil {
						p.Errors++
						if p.FirstError == "" {
							p.FirstError = err.Error()
						}
					} else {
						lat = append(lat, d)
						rows += resp.Shape[0] * resp.Shape[1] * resp.Shape[2]
						bytes += len(resp.Rows)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		el := time.Since(t0).Seconds()
		if err := ctx.Err(); err != nil {
			return out, err
		}
		p.Requests = len(lat)
		if len(lat) > 0 {
			slices.Sort(lat)
			p.P50, p.P90, p.P99 = quantile(lat, 0.5), quantile(lat, 0.9), quantile(lat, 0.99)
			var sum float64
			for _, x := range lat {
				sum += x
			}
			p.Mean = sum / float64(len(lat))
		}
		p.PerSecond = float64(p.Requests) / el
		p.RowsPerSec = float64(rows) / el
		p.BytesPerSec = float64(bytes) / el
		out = append(out, p)
	}
	return out, nil
}

// quantile of sorted xs by linear interpolation between order statistics.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 1 {
		return xs[0]
	}
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	f := pos - float64(i)
	return xs[i]*(1-f) + xs[i+1]*f
}
