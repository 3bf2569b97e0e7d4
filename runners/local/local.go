// Package local runs models on engines engrambench starts and watches
// itself (llama.cpp's server, vLLM, SGLang, Ollama...): it starts the
// server from a command on a free loopback port, waits until it is healthy,
// drives it through the OpenAI-compatible runner, samples the memory of its
// whole process tree, and stops it — also when the run fails, is
// interrupted, or the engine dies (which is recorded as an error on the
// samples, not a hang). It can also attach to an engine already running.
package local

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/runners/openai"
)

// own are the local kind's parameters; the OpenAI runner's (but url) follow.
var own = []params.Spec{
	{Name: "command", Kind: params.String, Help: "command that starts the engine; {port} is replaced by a free loopback port, e.g. llama-server -m model.gguf --port {port}"},
	{Name: "attach", Kind: params.String, Help: "base URL (with /v1) of an engine already running, instead of command"},
	{Name: "port", Kind: params.Int, Default: 0, Min: params.AtLeast(0), Help: "port for {port} (0: a free one)"},
	{Name: "health", Kind: params.Strings, Default: []string{"/health", "/v1/models"}, Help: "paths polled until one answers 200"},
	{Name: "start_timeout", Kind: params.Float, Default: 600.0, Min: params.AtLeast(1), Help: "seconds the engine may take to become healthy (model loading included)"},
	{Name: "stop_timeout", Kind: params.Float, Default: 15.0, Min: params.AtLeast(0), Help: "seconds between SIGTERM and SIGKILL when stopping"},
	{Name: "sample_every", Kind: params.Float, Default: 1.0, Min: params.AtLeast(0), Help: "seconds between memory samples of the engine's process tree (0: none)"},
}

func specs() []params.Spec {
	out := append([]params.Spec(nil), own...)
	for _, s := range openai.Kind.Params {
		if s.Name != "url" {
			out = append(out, s)
		}
	}
	return out
}

// Kind is the "local" runner kind.
var Kind = runners.Kind{
	Name:        "local",
	Help:        "a local engine started from a command (or attached to by URL) and driven through its OpenAI-compatible API",
	Params:      specs(),
	Concurrency: openai.Kind.Concurrency,
	New:         New,
}

// Runner drives an engine it owns (or one it attached to).
type Runner struct {
	inner    runners.Runner
	engine   *Engine // nil when attached
	identity string
	price    float64 // dollars per GPU-hour
}

var (
	_ runners.Runner         = (*Runner)(nil)
	_ runners.Wrapper        = (*Runner)(nil)
	_ runners.Identifier     = (*Runner)(nil)
	_ runners.Closer         = (*Runner)(nil)
	_ runners.EngineReporter = (*Runner)(nil)
)

// New starts (or attaches to) the engine and returns a runner for it. When
// the engine cannot be made healthy, nothing is left running and the error
// names the command and its last output lines.
func New(name string, p params.Values) (runners.Runner, error) {
	command, attach := strings.TrimSpace(p.String("command")), strings.TrimSpace(p.String("attach"))
	switch {
	case command == "" && attach == "":
		return nil, errors.New("local: give command (to start an engine) or attach (the URL of a running one)")
	case command != "" && attach != "":
		return nil, errors.New("local: give command or attach, not both")
	}
	op := params.Values{}
	for k, x := range p {
		if _, mine := params.Find(own, k); !mine {
			op[k] = x
		}
	}
	r := &Runner{price: p.Float("price_gpu_hour")}
	if attach != "" {
		op["url"] = attach
		inner, err := openai.New(name, op)
		if err != nil {
			return nil, err
		}
		r.inner = inner
		r.identity = "local-attach:" + identityOf(inner)
		return r, nil
	}
	sec := func(k string) time.Duration { return time.Duration(p.Float(k) * float64(time.Second)) }
	e, err := StartEngine(context.Background(), EngineConfig{
		Command:      command,
		Port:         p.Int("port"),
		HealthPaths:  p.Strings("health"),
		StartTimeout: sec("start_timeout"),
		StopTimeout:  sec("stop_timeout"),
		SampleEvery:  sec("sample_every"),
	})
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	op["url"] = e.URL() + "/v1"
	inner, err := openai.New(name, op)
	if err != nil {
		e.Stop()
		return nil, err
	}
	r.inner, r.engine = inner, e
	// The port changes from run to run; the command and model do not.
	r.identity = "local:" + command + "|" + p.String("model")
	return r, nil
}

func identityOf(r runners.Runner) string {
	if id, ok := r.(runners.Identifier); ok {
		return id.Identity()
	}
	return r.Name()
}

// Name is the runner's name in the suite.
func (r *Runner) Name() string { return r.inner.Name() }

// Unwrap gives the OpenAI-compatible runner inside, for its optional powers.
func (r *Runner) Unwrap() runners.Runner { return r.inner }

// Identity names the engine by its command and model, not its port.
func (r *Runner) Identity() string { return r.identity }

// Generate sends the request to the engine. When the engine has died the
// error says so, with its last output, instead of a bare connection error.
func (r *Runner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	if err := r.dead(); err != nil {
		return runners.Response{}, err
	}
	resp, err := r.inner.Generate(ctx, req)
	if err != nil && ctx.Err() == nil {
		if derr := r.dead(); derr != nil {
			return resp, derr
		}
	}
	return resp, err
}

func (r *Runner) dead() error {
	if r.engine == nil {
		return nil
	}
	if exited, why := r.engine.Exited(); exited {
		return &runners.RequestError{Class: runners.ClassEngine, Err: fmt.Errorf("engine %q %v; last output:\n%s", r.engine.Command(), why, indent(r.engine.LastOutput(10)))}
	}
	return nil
}

// EngineStats reports the engine's wall time, memory and GPU-hour cost.
func (r *Runner) EngineStats() runners.EngineStats {
	if r.engine == nil {
		return runners.EngineStats{}
	}
	s := r.engine.Stats()
	return runners.EngineStats{
		Command:      s.Command,
		WallSeconds:  s.WallSeconds,
		PeakRSSBytes: s.PeakRSSBytes,
		MeanRSSBytes: s.MeanRSSBytes,
		RSSSamples:   s.RSSSamples,
		CostUSD:      s.WallSeconds / 3600 * r.price,
	}
}

// Close stops the engine (SIGTERM, then SIGKILL) and the client.
func (r *Runner) Close() error {
	var errs []error
	if c, ok := r.inner.(runners.Closer); ok {
		errs = append(errs, c.Close())
	}
	if r.engine != nil {
		errs = append(errs, r.engine.Stop())
	}
	return errors.Join(errs...)
}

// EnginePID is the engine's process id (0 when attached), for samplers.
func (r *Runner) EnginePID() int {
	if r.engine == nil {
		return 0
	}
	return r.engine.cmd.Process.Pid
}
