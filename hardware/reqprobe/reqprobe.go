// Package reqprobe measures a runner's latency when idle: a short fixed
// set of requests sent one at a time, giving TTFT and TPOT to record
// beside the hardware facts (hardware.Probe.Requests). It lives apart from
// package hardware so that the hardware facts, which results imports, do
// not depend on runners.
package reqprobe

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/runners"
)

// RequestPrompts is the fixed set: short prompts whose answers run to a
// few dozen tokens, so TPOT has tokens to divide by.
var RequestPrompts = []string{
	"Count from one to twenty in words, separated by commas.",
	"List the days of the week, one per line.",
	"Name the planets of the solar system in order from the Sun.",
	"Write the first ten prime numbers separated by spaces.",
	"Spell the word 'benchmark' one letter per line.",
	"List the months of the year, separated by commas.",
	"Write the letters of the alphabet from A to P, separated by spaces.",
	"Name the seven colours of the rainbow in order, separated by commas.",
}

// RequestMaxTokens caps each answer.
const RequestMaxTokens = 48

// Run sends one warm-up request and then RequestPrompts, one at
// a time, and summarises their timings. Failed requests are counted, not
// fatal; the error is only ctx's.
func Run(ctx context.Context, r runners.Runner) (hardware.RequestLatency, error) {
	out := hardware.RequestLatency{Runner: r.Name()}
	if m, ok := runners.Find[runners.Modeler](r); ok {
		out.Model = m.Model()
	}
	var ttft, tpot, e2e []float64
	noFirst, errs := 0, map[string]bool{}
	for i := -1; i < len(RequestPrompts); i++ {
		p := RequestPrompts[max(i, 0)]
		req := runners.Request{
			Messages:  []runners.Message{{Role: "user", Content: p}},
			MaxTokens: RequestMaxTokens,
			Seed:      1,
		}
		start := time.Now()
		resp, err := r.Generate(ctx, req)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		if i < 0 {
			continue // warm-up: connections, caches, lazy loading
		}
		out.Requests++
		if err != nil {
			out.Errors++
			if !errs[err.Error()] {
				errs[err.Error()] = true
				out.Notes = append(out.Notes, fmt.Sprintf("request %d: %v", i, err))
			}
			continue
		}
		t := resp.Timing
		if t.Send.IsZero() {
			// A runner that does not time itself: the whole call is all
			// there is.
			t.Send, t.End = start, time.Now()
		}
		tokens := resp.Usage.CompletionTokens
		out.OutputTokens += tokens
		e2e = append(e2e, t.E2E().Seconds())
		if t.TTFT() == 0 {
			noFirst++
			continue
		}
		ttft = append(ttft, t.TTFT().Seconds())
		if v := t.TPOT(tokens); v > 0 {
			tpot = append(tpot, v.Seconds())
		}
	}
	if noFirst > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%d responses had no first-token time (not streamed): no TTFT or TPOT for them", noFirst))
	}
	out.TTFT, out.TPOT, out.E2E = summarize(ttft), summarize(tpot), summarize(e2e)
	return out, nil
}

// summarize gives the order statistics of xs (quantiles by linear
// interpolation between closest ranks).
func summarize(xs []float64) hardware.Stats {
	if len(xs) == 0 {
		return hardware.Stats{}
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	sum := 0.0
	for _, x := range s {
		sum += x
	}
	return hardware.Stats{N: len(s), Min: s[0], Median: quantile(s, 0.5), P90: quantile(s, 0.9), Max: s[len(s)-1], Mean: sum / float64(len(s))}
}

func quantile(sorted []float64, q float64) float64 {
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (pos-float64(lo))*(sorted[hi]-sorted[lo])
}
