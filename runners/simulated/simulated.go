// Package simulated is a model server that engrambench starts inside its
// own process: an OpenAI-compatible HTTP server on loopback that streams a
// fixed text with a set time to first token and time per output token,
// driven through the real OpenAI-compatible runner (HTTP, SSE, timing).
// It exists to measure the harness rather than a model: the serving suite
// runs against it by default, so a user sees what the client adds before
// pointing it at a real server. Its answers score nothing on tasks.
package simulated

import (
	"context"
	"strings"
	"time"

	"github.com/engrambench/engrambench/internal/fakeopenai"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/runners/openai"
)

var specs = []params.Spec{
	{Name: "ttft_ms", Kind: params.Float, Default: 50.0, Min: params.AtLeast(0), Help: "milliseconds before the first token"},
	{Name: "tpot_ms", Kind: params.Float, Default: 10.0, Min: params.AtLeast(0), Help: "milliseconds before each further chunk"},
	{Name: "tokens_per_chunk", Kind: params.Int, Default: 1, Min: params.AtLeast(1), Help: "tokens in each streamed chunk"},
}

const defaultConcurrency = 64

// Kind is the "simulated" runner kind.
var Kind = runners.Kind{
	Name:        "simulated",
	Help:        "an OpenAI-compatible server simulated on loopback inside engrambench (fixed TTFT and TPOT), for measuring the harness itself",
	Params:      specs,
	Concurrency: defaultConcurrency,
	New:         New,
}

// Runner drives the simulated server through the OpenAI-compatible client.
// It has no identity, so its answers are never cached.
type Runner struct {
	server *fakeopenai.Server
	client runners.Runner
}

var (
	_ runners.Runner  = (*Runner)(nil)
	_ runners.Closer  = (*Runner)(nil)
	_ runners.Modeler = (*Runner)(nil)
)

// New starts the server and the client.
func New(name string, p params.Values) (runners.Runner, error) {
	v := params.Defaults(specs)
	for k, x := range p {
		v[k] = x
	}
	ms := func(k string) time.Duration { return time.Duration(v.Float(k) * float64(time.Millisecond)) }
	// The server waits ChunkDelay before every chunk, the first included.
	ttft := ms("ttft_ms") - ms("tpot_ms")
	long := strings.Repeat("word ", 1<<15) // answers end at the request's budget
	opts := fakeopenai.Options{
		Answer:         func(string) string { return long },
		ChunkDelay:     ms("tpot_ms"),
		TokensPerChunk: v.Int("tokens_per_chunk"),
	}
	if ttft > 0 {
		opts.Delay = ttft
		opts.Fault = func(int64, *fakeopenai.Request) fakeopenai.Fault { return fakeopenai.SlowFirstByte }
	}
	srv := fakeopenai.New(opts)
	cp := params.Values{"url": srv.URL, "model": fakeopenai.DefaultModel, "api_key_env": "", "concurrency": max(v.Int("concurrency"), defaultConcurrency)}
	client, err := openai.New(name, cp)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &Runner{server: srv, client: client}, nil
}

// Name is the runner's name in the suite.
func (r *Runner) Name() string { return r.client.Name() }

// Model names the simulated model.
func (r *Runner) Model() string { return "simulated" }

// Generate sends the request to the simulated server.
func (r *Runner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	return r.client.Generate(ctx, req)
}

// Close stops the client and the server.
func (r *Runner) Close() error {
	if c, ok := r.client.(runners.Closer); ok {
		c.Close()
	}
	r.server.Close()
	return nil
}
