package hardware

// RequestLatency is what a short fixed set of requests, sent one at a time
// to an idle runner, says about its latency: time to first token and time
// per output token (FACTS.md §6), without load. Package reqprobe measures
// it; it is recorded beside the hardware facts so a report can tell a slow
// machine from a busy one.
type RequestLatency struct {
	Runner       string   `json:"runner"`
	Model        string   `json:"model,omitempty"`
	Requests     int      `json:"requests"` // timed; one warm-up request before them is not counted
	Errors       int      `json:"errors"`
	OutputTokens int      `json:"output_tokens"`
	TTFT         Stats    `json:"ttft_seconds"`
	TPOT         Stats    `json:"tpot_seconds"`
	E2E          Stats    `json:"e2e_seconds"`
	Notes        []string `json:"notes,omitempty"`
}

// Stats summarises a handful of durations, in seconds.
type Stats struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
}
