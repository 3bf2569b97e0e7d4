package execute

import (
	"fmt"
	"time"

	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/runners/middleware"
	"github.com/engrambench/engrambench/suites"
	"github.com/engrambench/engrambench/tokenize"
)

// wrap puts the middleware a runner's parameters ask for around it, in
// the order middleware's package comment explains: cache, retry, adaptive
// concurrency, rate limit.
func wrap(r runners.Runner, pr suites.PlannedRunner, cacheDir string) (runners.Runner, error) {
	p := pr.Params
	if rpm, tpm := p.Float("rpm"), p.Float("tpm"); rpm > 0 || tpm > 0 {
		tok, err := tokenize.Get(tokenize.Default)
		if err != nil {
			return nil, err
		}
		r = middleware.RateLimit(r, rpm, tpm, func(req runners.Request) int { return tok.Count(req.Text()) })
	}
	if p.Bool("adaptive") && pr.Concurrency > 1 {
		r = middleware.Adaptive(r, pr.Concurrency)
	}
	if n := p.Int("retries"); n > 0 && p.Float("retry_time") > 0 {
		r = middleware.Retry(r, middleware.RetryPolicy{
			Max:     n,
			MaxTime: time.Duration(p.Float("retry_time") * float64(time.Second)),
		})
	}
	if cacheDir != "" && p.Bool("cache") {
		c, err := middleware.Cache(r, cacheDir)
		if err != nil {
			return nil, fmt.Errorf("response cache: %w", err)
		}
		r = c
	}
	return r, nil
}
