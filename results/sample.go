// Package results owns the per-sample record and its files: samples.jsonl
// (one JSON object a line, appended and flushed as each sample finishes, so
// a run killed at any moment keeps what it finished) and run.json.
package results

import (
	"strconv"
	"time"

	"github.com/engrambench/engrambench/runners"
)

// Error kinds recorded on a sample. A request error means the model gave no
// usable response; a scorer error means our own scoring broke. Neither is
// ever scored as a wrong answer.
const (
	ErrRequest = "request"
	ErrScorer  = "scorer"
)

// Sample is one generation of one instance by one runner, scored.
type Sample struct {
	Key         string            `json:"key"` // runner|instance id|repeat: unique within a run
	RunID       string            `json:"run_id"`
	Runner      string            `json:"runner"`
	Model       string            `json:"model,omitempty"`
	Set         string            `json:"set"`
	Task        string            `json:"task"`
	Cell        string            `json:"cell"` // set/task=.../key=value
	InstanceID  string            `json:"instance_id"`
	Repeat      int               `json:"repeat"`
	Params      map[string]string `json:"params,omitempty"`
	Seed        int64             `json:"seed"`
	RequestHash string            `json:"request_hash"`

	Response     string `json:"response"`
	Reasoning    string `json:"reasoning,omitempty"`
	FinishReason string `json:"finish_reason,omitempty"`
	Extracted    string `json:"extracted"`
	// Score is nil when the sample has an error.
	Score       *float64 `json:"score"`
	ScoreDetail string   `json:"score_detail,omitempty"`
	Error       string   `json:"error,omitempty"`
	ErrorKind   string   `json:"error_kind,omitempty"`  // request or scorer
	ErrorClass  string   `json:"error_class,omitempty"` // for request errors: rate_limit, server, timeout, ...
	Attempts    int      `json:"attempts,omitempty"`    // requests sent, retries included, when more than one
	Cached      bool     `json:"cached,omitempty"`      // served from the response cache
	CostUSD     float64  `json:"cost_usd,omitempty"`

	Usage  runners.Usage `json:"usage"`
	Timing SampleTiming  `json:"timing"`
}

// SampleTiming keeps the runner's timestamps and the derived durations in
// seconds (base units), so reports need no time arithmetic.
type SampleTiming struct {
	Send       time.Time `json:"send"`
	FirstToken time.Time `json:"first_token,omitzero"`
	End        time.Time `json:"end"`
	LatencyS   float64   `json:"latency_s"`
	TTFTS      float64   `json:"ttft_s,omitempty"`
	TPOTS      float64   `json:"tpot_s,omitempty"`
}

// TimingFrom derives a SampleTiming from a response's timing.
func TimingFrom(t runners.Timing, outputTokens int) SampleTiming {
	return SampleTiming{
		Send:       t.Send,
		FirstToken: t.FirstToken,
		End:        t.End,
		LatencyS:   t.E2E().Seconds(),
		TTFTS:      t.TTFT().Seconds(),
		TPOTS:      t.TPOT(outputTokens).Seconds(),
	}
}

// OK reports whether the sample was scored.
func (s Sample) OK() bool { return s.Error == "" && s.Score != nil }

// SampleKey builds the unique key of a sample within a run.
func SampleKey(runner, instanceID string, repeat int) string {
	return runner + "|" + instanceID + "|" + strconv.Itoa(repeat)
}
