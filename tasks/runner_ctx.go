package tasks

import (
	"context"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

// RunnerSpecific is implemented by sets whose instances depend on the
// runner they are for: long-context prompts fitted with the model's own
// tokenizer, for one. When RunnerSpecific(p) is true the executor
// generates the set's instances once per runner, with that runner in the
// context (RunnerFrom); otherwise once for all runners, with none. Such a
// set must also be a Sizer: its instances cannot be counted without a runner.
type RunnerSpecific interface {
	RunnerSpecific(p params.Values) bool
}

type runnerKey struct{}

// WithRunner returns a context that carries the runner instances are
// being generated for.
func WithRunner(ctx context.Context, r runners.Runner) context.Context {
	return context.WithValue(ctx, runnerKey{}, r)
}

// RunnerFrom returns the runner instances are being generated for, if
// any. Use runners.Find to reach its optional powers (TokenCounter).
func RunnerFrom(ctx context.Context) (runners.Runner, bool) {
	r, ok := ctx.Value(runnerKey{}).(runners.Runner)
	return r, ok && r != nil
}
