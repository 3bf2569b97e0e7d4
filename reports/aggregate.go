package reports

import (
	"cmp"
	"slices"

	"github.com/engrambench/engrambench/results"
)

// Cell is the statistics of one runner on one cell of the plan. Durations
// are in seconds and token counts in tokens. A figure whose count is zero
// (N, Timed, TTFTCount, TPOTCount, Responded) is zero and means "unknown".
type Cell struct {
	Runner string
	Cell   string // set/task=.../key=value, as in results.Sample.Cell
	Set    string
	Task   string

	// Scoring. Only scored samples (no error, non-nil score) count here.
	N             int     // scored samples
	RequestErrors int     // the model gave no usable response
	ScorerErrors  int     // our scoring broke (or left no score)
	Successes     float64 // sum of scores; a sum of fractions for partial scores
	Score         float64 // Successes / N
	Lo, Hi        float64 // 95% Wilson interval on Score; [0, 1] when N == 0
	Fractional    bool    // some score lies strictly between 0 and 1: Lo, Hi approximate
	Nulls         int     // scored samples whose Response is empty after trimming space

	// Serving and usage, over the samples that got a response: every sample
	// but request errors, so scorer errors count here.
	Responded   int
	Timed       int     // responded samples with a known latency (> 0)
	LatencyP50  float64 // linear-interpolation percentiles of latency
	LatencyP95  float64
	LatencyMean float64
	TTFTCount   int // responded samples with a known TTFT (streamed)
	TTFTMean    float64
	TPOTCount   int // responded samples with a defined TPOT (>= 2 output tokens)
	TPOTMean    float64

	PromptTokens         int // totals over responded samples
	CompletionTokens     int
	MeanPromptTokens     float64 // per responded sample
	MeanCompletionTokens float64
	UsageEstimated       bool // some counted usage came from a client tokenizer

	// Cost, over every sample of the cell, errors included (a failed
	// request may still be billed). Cached samples were served from the
	// response cache and cost nothing.
	CostUSD float64
	Cached  int
}

// Samples is the number of samples of the cell, scored or not.
func (c Cell) Samples() int { return c.N + c.Errors() }

// Errors is the number of samples that ended in an error of either kind.
func (c Cell) Errors() int { return c.RequestErrors + c.ScorerErrors }

// ErrorRate is errors over all samples of the cell, scored or not.
func (c Cell) ErrorRate() float64 {
	total := c.N + c.Errors()
	if total == 0 {
		return 0
	}
	return float64(c.Errors()) / float64(total)
}

type cellKey struct{ runner, cell string }

// Aggregate groups samples by (Runner, Cell) and computes each group's
// statistics. Cells come back sorted by runner name, then cell name, since
// the plan's order is not known here.
//
// A sample counts as a request error when its ErrorKind is "request", or
// when it carries an error of another or no kind (the model's answer cannot
// be trusted); as a scorer error when its ErrorKind is "scorer", or when it
// has no error but no score either. Errors are never counted as wrong
// answers.
func Aggregate(samples []results.Sample) []Cell { return AggregateBriefs(results.Briefs(samples)) }

// AggregateBriefs is Aggregate over samples read as Briefs.
func AggregateBriefs(briefs []results.Brief) []Cell { return aggregate(pointers(briefs)) }

// pointers points into samples, so grouping copies 8 bytes a sample, not
// the whole record.
func pointers(samples []results.Brief) []*results.Brief {
	out := make([]*results.Brief, len(samples))
	for i := range samples {
		out[i] = &samples[i]
	}
	return out
}

func aggregate(samples []*results.Brief) []Cell {
	groups := map[cellKey][]*results.Brief{}
	for _, s := range samples {
		k := cellKey{s.Runner, s.Cell}
		groups[k] = append(groups[k], s)
	}
	keys := make([]cellKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cellKey) int {
		return cmp.Or(cmp.Compare(a.runner, b.runner), cmp.Compare(a.cell, b.cell))
	})
	cells := make([]Cell, 0, len(keys))
	for _, k := range keys {
		cells = append(cells, aggregateCell(k, groups[k]))
	}
	return cells
}

// aggregateCell computes one group's statistics; it sorts ss.
func aggregateCell(k cellKey, ss []*results.Brief) Cell {
	// Sum in key order: float addition is not associative, and samples
	// arrive in the order a concurrent run finished them.
	sortByKey(ss)
	c := Cell{Runner: k.runner, Cell: k.cell, Set: ss[0].Set, Task: ss[0].Task}
	var lat, ttft, tpot, tokIn, tokOut []float64
	for _, s := range ss {
		c.CostUSD += s.CostUSD
		if s.Cached {
			c.Cached++
		}
		switch {
		case s.ErrorKind == results.ErrRequest:
			c.RequestErrors++
			continue
		case s.ErrorKind == results.ErrScorer:
			c.ScorerErrors++
		case s.Error != "":
			c.RequestErrors++
			continue
		case s.Score == nil:
			c.ScorerErrors++
		default:
			v := *s.Score
			c.N++
			c.Successes += v
			if v != 0 && v != 1 {
				c.Fractional = true
			}
			if !s.Answered {
				c.Nulls++
			}
		}
		// The sample got a response: it has serving and usage figures.
		c.Responded++
		if s.LatencyS > 0 {
			lat = append(lat, s.LatencyS)
		}
		if s.TTFTS > 0 {
			ttft = append(ttft, s.TTFTS)
		}
		if s.TPOTS > 0 {
			tpot = append(tpot, s.TPOTS)
		}
		c.PromptTokens += s.PromptTokens
		c.CompletionTokens += s.CompletionTokens
		tokIn = append(tokIn, float64(s.PromptTokens))
		tokOut = append(tokOut, float64(s.CompletionTokens))
		c.UsageEstimated = c.UsageEstimated || s.Estimated
	}
	if c.N > 0 {
		c.Score = c.Successes / float64(c.N)
	}
	c.Lo, c.Hi = Wilson(c.Successes, c.N, Z95)
	if c.Timed = len(lat); c.Timed > 0 {
		c.LatencyP50 = percentile(lat, 50)
		c.LatencyP95 = percentile(lat, 95)
		c.LatencyMean = mean(lat)
	}
	if c.TTFTCount = len(ttft); c.TTFTCount > 0 {
		c.TTFTMean = mean(ttft)
	}
	if c.TPOTCount = len(tpot); c.TPOTCount > 0 {
		c.TPOTMean = mean(tpot)
	}
	if c.Responded > 0 {
		c.MeanPromptTokens = mean(tokIn)
		c.MeanCompletionTokens = mean(tokOut)
	}
	return c
}
