package serving

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/montanaflynn/stats"
)

// Quantiles are p50, p90 and p99 of one metric, in seconds; NaN when no
// request gave the metric.
type Quantiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	N   int     `json:"n"`
}

func quantiles(xs []float64) Quantiles {
	q := Quantiles{P50: math.NaN(), P90: math.NaN(), P99: math.NaN(), N: len(xs)}
	if len(xs) == 0 {
		return q
	}
	// Linear interpolation between closest ranks (NumPy's default), as the
	// reports package uses.
	q.P50, _ = stats.Percentile(xs, 50)
	q.P90, _ = stats.Percentile(xs, 90)
	q.P99, _ = stats.Percentile(xs, 99)
	return q
}

// Result summarises one step.
type Result struct {
	Step         string  `json:"step"`
	Mode         string  `json:"mode"`
	Rate         float64 `json:"rate,omitempty"`        // intended requests/s (open loop)
	Concurrency  int     `json:"concurrency,omitempty"` // clients (closed loop)
	Sent         int     `json:"sent"`
	Succeeded    int     `json:"succeeded"`
	Errors       int     `json:"errors"`
	WallSeconds  float64 `json:"wall_s"`
	AchievedRate float64 `json:"achieved_rate"` // requests sent per second of the sending window
	ReqPerSec    float64 `json:"requests_per_s"`
	OutTokPerSec float64 `json:"output_tokens_per_s"`
	Goodput      float64 `json:"goodput_per_s"` // successful requests meeting every SLO, per second
	SLOMet       int     `json:"slo_met"`

	// From the intended send time (what a user waits) and from the actual send.
	TTFT         Quantiles `json:"ttft_s"`
	TTFTFromSend Quantiles `json:"ttft_from_send_s"`
	E2E          Quantiles `json:"e2e_s"`
	E2EFromSend  Quantiles `json:"e2e_from_send_s"`
	TPOT         Quantiles `json:"tpot_s"`
	ChunkGap     Quantiles `json:"chunk_gap_s"`
	Lag          Quantiles `json:"schedule_lag_s"`
}

// Summarize computes a step's figures from its records.
func Summarize(st Step, c Config, recs []Record, wall time.Duration) Result {
	r := Result{Step: st.String(), Mode: st.Mode, Rate: st.Rate, Concurrency: st.Concurrency, Sent: len(recs), WallSeconds: wall.Seconds()}
	var ttft, ttftSend, e2e, e2eSend, tpot, gaps, lag []float64
	var first, lastSend, lastEnd time.Time
	outTokens := 0
	for _, x := range recs {
		if first.IsZero() || x.Intended.Before(first) {
			first = x.Intended
		}
		if x.Send.After(lastSend) {
			lastSend = x.Send
		}
		if x.End.After(lastEnd) {
			lastEnd = x.End
		}
		lag = append(lag, x.Send.Sub(x.Intended).Seconds())
		if !x.ok() {
			r.Errors++
			continue
		}
		r.Succeeded++
		outTokens += x.OutputTokens
		e2e = append(e2e, x.End.Sub(x.Intended).Seconds())
		e2eSend = append(e2eSend, x.End.Sub(x.Send).Seconds())
		var t, tp float64 = math.NaN(), math.NaN()
		if !x.FirstToken.IsZero() {
			t = x.FirstToken.Sub(x.Intended).Seconds()
			ttft = append(ttft, t)
			ttftSend = append(ttftSend, x.FirstToken.Sub(x.Send).Seconds())
			if x.OutputTokens > 1 {
				tp = x.End.Sub(x.FirstToken).Seconds() / float64(x.OutputTokens-1)
				tpot = append(tpot, tp)
			}
		}
		gaps = append(gaps, x.Gaps...)
		if meets(c, t, tp, x.End.Sub(x.Intended)) {
			r.SLOMet++
		}
	}
	if n := len(recs); n > 1 {
		if window := lastSend.Sub(first).Seconds(); window > 0 {
			r.AchievedRate = float64(n-1) / window
		}
	}
	if span := lastEnd.Sub(first).Seconds(); span > 0 {
		r.ReqPerSec = float64(r.Succeeded) / span
		r.OutTokPerSec = float64(outTokens) / span
		r.Goodput = float64(r.SLOMet) / span
	}
	r.TTFT, r.TTFTFromSend = quantiles(ttft), quantiles(ttftSend)
	r.E2E, r.E2EFromSend = quantiles(e2e), quantiles(e2eSend)
	r.TPOT, r.ChunkGap, r.Lag = quantiles(tpot), quantiles(gaps), quantiles(lag)
	return r
}

// meets reports whether a request met every SLO that is set. A request
// without a first token cannot meet a TTFT SLO; one with a single output
// token has no TPOT and is judged on the others.
func meets(c Config, ttft, tpot float64, e2e time.Duration) bool {
	if c.SLOTTFT > 0 && (math.IsNaN(ttft) || ttft > c.SLOTTFT.Seconds()) {
		return false
	}
	if c.SLOTPOT > 0 && !math.IsNaN(tpot) && tpot > c.SLOTPOT.Seconds() {
		return false
	}
	if c.SLOE2E > 0 && e2e > c.SLOE2E {
		return false
	}
	return true
}

// MarshalJSON writes a missing quantile (NaN) as null.
func (q Quantiles) MarshalJSON() ([]byte, error) {
	f := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "null"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return []byte(`{"p50":` + f(q.P50) + `,"p90":` + f(q.P90) + `,"p99":` + f(q.P99) + `,"n":` + strconv.Itoa(q.N) + `}`), nil
}

// UnmarshalJSON reads null as NaN.
func (q *Quantiles) UnmarshalJSON(b []byte) error {
	var raw struct {
		P50, P90, P99 *float64
		N             int
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	get := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	*q = Quantiles{P50: get(raw.P50), P90: get(raw.P90), P99: get(raw.P99), N: raw.N}
	return nil
}
