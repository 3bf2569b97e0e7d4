package store

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
)

// SampleRow is one sample as exported: every field a table needs, flat, in
// base units. The response and reasoning text stay in samples.jsonl.
// Nil pointers are unknown values: empty in CSV, null in JSON.
type SampleRow struct {
	RunID            string   `json:"run_id"`
	Key              string   `json:"key"`
	Runner           string   `json:"runner"`
	Model            string   `json:"model"`
	Set              string   `json:"set"`
	Task             string   `json:"task"`
	Cell             string   `json:"cell"`
	InstanceID       string   `json:"instance_id"`
	Repeat           int      `json:"repeat"`
	Params           string   `json:"params"` // key=value;key=value, sorted
	Outcome          string   `json:"outcome"`
	Score            *float64 `json:"score"`
	Extracted        string   `json:"extracted"`
	ErrorKind        string   `json:"error_kind"`
	ErrorClass       string   `json:"error_class"`
	Error            string   `json:"error"`
	FinishReason     string   `json:"finish_reason"`
	LatencyS         *float64 `json:"latency_s"`
	TTFTS            *float64 `json:"ttft_s"`
	TPOTS            *float64 `json:"tpot_s"`
	PromptTokens     int      `json:"prompt_tokens"`
	CompletionTokens int      `json:"completion_tokens"`
	UsageEstimated   bool     `json:"usage_estimated"`
	CostUSD          float64  `json:"cost_usd"`
	Cached           bool     `json:"cached"`
	Attempts         int      `json:"attempts"` // as recorded: 0 when one request (or none, cached)
}

// SampleRows flattens samples, sorted by runner, cell, instance and repeat.
func SampleRows(samples []results.Sample) []SampleRow {
	out := make([]SampleRow, 0, len(samples))
	for i := range samples {
		out = append(out, SampleRowOf(&samples[i]))
	}
	SortSampleRows(out)
	return out
}

// SampleRowOf flattens one sample, so that rows can be made while samples
// are read one at a time.
func SampleRowOf(s *results.Sample) SampleRow {
	return SampleRow{
		RunID: s.RunID, Key: s.Key, Runner: s.Runner, Model: s.Model, Set: s.Set, Task: s.Task, Cell: s.Cell,
		InstanceID: s.InstanceID, Repeat: s.Repeat, Params: params(s.Params), Outcome: Outcome(*s), Score: s.Score,
		Extracted: s.Extracted, ErrorKind: s.ErrorKind, ErrorClass: s.ErrorClass, Error: s.Error,
		FinishReason: s.FinishReason, LatencyS: known(s.Timing.LatencyS), TTFTS: known(s.Timing.TTFTS),
		TPOTS: known(s.Timing.TPOTS), PromptTokens: s.Usage.PromptTokens, CompletionTokens: s.Usage.CompletionTokens,
		UsageEstimated: s.Usage.Estimated, CostUSD: s.CostUSD, Cached: s.Cached, Attempts: s.Attempts,
	}
}

// SortSampleRows puts rows in SampleRows' order.
func SortSampleRows(rows []SampleRow) {
	slices.SortStableFunc(rows, func(a, b SampleRow) int {
		return cmp.Or(cmp.Compare(a.Runner, b.Runner), cmp.Compare(a.Cell, b.Cell),
			cmp.Compare(a.InstanceID, b.InstanceID), cmp.Compare(a.Repeat, b.Repeat))
	})
}

// known is nil for a duration the sample did not measure (zero).
func known(v float64) *float64 {
	if v <= 0 {
		return nil
	}
	return &v
}

func params(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k + "=" + p[k])
	}
	return b.String()
}

// TaskRow is one runner's cell as exported: reports.Cell's figures plus
// the cell's total cost. Figures whose count is zero are nil (unknown).
type TaskRow struct {
	RunID                string   `json:"run_id"`
	Runner               string   `json:"runner"`
	Set                  string   `json:"set"`
	Task                 string   `json:"task"`
	Cell                 string   `json:"cell"`
	N                    int      `json:"n"`
	Successes            float64  `json:"successes"`
	Score                *float64 `json:"score"`
	CILo                 float64  `json:"ci95_lo"`
	CIHi                 float64  `json:"ci95_hi"`
	Fractional           bool     `json:"fractional"`
	RequestErrors        int      `json:"request_errors"`
	ScorerErrors         int      `json:"scorer_errors"`
	Nulls                int      `json:"nulls"`
	Responded            int      `json:"responded"`
	LatencyP50S          *float64 `json:"latency_p50_s"`
	LatencyP95S          *float64 `json:"latency_p95_s"`
	LatencyMeanS         *float64 `json:"latency_mean_s"`
	TTFTMeanS            *float64 `json:"ttft_mean_s"`
	TPOTMeanS            *float64 `json:"tpot_mean_s"`
	PromptTokens         int      `json:"prompt_tokens"`
	CompletionTokens     int      `json:"completion_tokens"`
	MeanPromptTokens     *float64 `json:"mean_prompt_tokens"`
	MeanCompletionTokens *float64 `json:"mean_completion_tokens"`
	UsageEstimated       bool     `json:"usage_estimated"`
	CostUSD              float64  `json:"cost_usd"`
}

// TaskRows aggregates samples per runner and cell with reports.Aggregate,
// in its order (runner, then cell).
func TaskRows(runID string, samples []results.Sample) []TaskRow {
	return TaskRowsBriefs(runID, results.Briefs(samples))
}

// TaskRowsBriefs is TaskRows over samples read as Briefs.
func TaskRowsBriefs(runID string, samples []results.Brief) []TaskRow {
	type key struct{ runner, cell string }
	// Sum in key order: float addition is not associative.
	sorted := make([]*results.Brief, len(samples))
	for i := range samples {
		sorted[i] = &samples[i]
	}
	slices.SortStableFunc(sorted, func(a, b *results.Brief) int { return cmp.Compare(a.Key, b.Key) })
	cost := map[key]float64{}
	for _, s := range sorted {
		cost[key{s.Runner, s.Cell}] += s.CostUSD
	}
	var out []TaskRow
	for _, c := range reports.AggregateBriefs(samples) {
		r := TaskRow{
			RunID: runID, Runner: c.Runner, Set: c.Set, Task: c.Task, Cell: c.Cell, N: c.N, Successes: c.Successes,
			CILo: c.Lo, CIHi: c.Hi, Fractional: c.Fractional, RequestErrors: c.RequestErrors,
			ScorerErrors: c.ScorerErrors, Nulls: c.Nulls, Responded: c.Responded,
			PromptTokens: c.PromptTokens, CompletionTokens: c.CompletionTokens, UsageEstimated: c.UsageEstimated,
			CostUSD: cost[key{c.Runner, c.Cell}],
		}
		if c.N > 0 {
			r.Score = ptr(c.Score)
		}
		if c.Timed > 0 {
			r.LatencyP50S, r.LatencyP95S, r.LatencyMeanS = ptr(c.LatencyP50), ptr(c.LatencyP95), ptr(c.LatencyMean)
		}
		if c.TTFTCount > 0 {
			r.TTFTMeanS = ptr(c.TTFTMean)
		}
		if c.TPOTCount > 0 {
			r.TPOTMeanS = ptr(c.TPOTMean)
		}
		if c.Responded > 0 {
			r.MeanPromptTokens, r.MeanCompletionTokens = ptr(c.MeanPromptTokens), ptr(c.MeanCompletionTokens)
		}
		out = append(out, r)
	}
	return out
}

func ptr(v float64) *float64 { return &v }

// WriteCSV writes rows (a slice of SampleRow or TaskRow) as CSV with a
// header of their JSON names. Numbers are written in full precision; nil
// values are empty.
func WriteCSV[T SampleRow | TaskRow](w io.Writer, rows []T) error {
	cw := csv.NewWriter(w)
	var zero T
	t := reflect.TypeOf(zero)
	header := make([]string, t.NumField())
	for i := range header {
		header[i] = jsonName(t.Field(i))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, r := range rows {
		v := reflect.ValueOf(r)
		for i := range rec {
			rec[i] = csvValue(v.Field(i))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		return f.Name
	}
	return name
}

func csvValue(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Int:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	}
	panic(fmt.Sprintf("store: no CSV form for %s", v.Kind()))
}

// WriteJSON writes rows as a JSON array, one object a line.
func WriteJSON[T SampleRow | TaskRow](w io.Writer, rows []T) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	for i, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}
