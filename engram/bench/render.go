package bench

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/engrambench/engrambench/engram/mdtable"
)

// Target is the share of the probe's rate the engine is held to at
// batches of TargetBatch tokens and more.
const (
	Target      = 0.8
	TargetBatch = 256
)

// WriteMarkdown writes one table of points.
func WriteMarkdown(w io.Writer, pts []Point) error {
	var rows [][]string
	for _, p := range pts {
		rows = append(rows, []string{
			p.Model, p.DType, strconv.Itoa(p.Threads), p.Mode, strconv.Itoa(p.Batch),
			mdtable.SI(p.RowsPerSec, "rows/s"), mdtable.SI(p.BytesPerSec, "B/s"),
			mdtable.Seconds(p.SecPerTokLayer), mdtable.Seconds(p.SecPerLookup),
			mdtable.SI(p.ProbeRowsPerSec, "rows/s"), fmt.Sprintf("%.2f", p.Ratio), fmt.Sprintf("%.2f", p.CPURatio),
		})
	}
	return mdtable.Table(w, []string{"model", "dtype", "threads", "mode", "batch (tokens)", "engine", "engine bytes", "per token per layer", "per lookup", "probe", "engine/probe", "per CPU-second"}, rows)
}

// Verdict summarises the target for one thread count and mode, over the
// points at batch >= TargetBatch: the median of their engine/probe ratios
// decides, the lowest is shown beside it, and a busy machine is flagged.
type Verdict struct {
	Threads     int     `json:"threads"`
	Mode        string  `json:"mode"`
	Points      int     `json:"points"`
	MedianRatio float64 `json:"median_ratio"`
	MinRatio    float64 `json:"min_ratio"`
	AtBatch     int     `json:"min_at_batch"`
	// MedianCPURatio is the median per-CPU-second ratio of the same points.
	MedianCPURatio float64 `json:"median_cpu_ratio,omitempty"`
	Pass           bool    `json:"pass"`
	// Noisy is set when the probe's median spread across rounds was above
	// NoisyAbove: the machine was busy and single points are unreliable.
	Noisy bool `json:"noisy"`
}

// NoisyAbove is the probe spread above which a verdict is flagged.
const NoisyAbove = 0.2

// Verdicts checks pts against Target.
func Verdicts(pts []Point) []Verdict {
	type key struct {
		threads int
		mode    string
	}
	groups := map[key][]Point{}
	var order []key
	for _, p := range pts {
		if p.Batch < TargetBatch {
			continue
		}
		k := key{p.Threads, p.Mode}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], p)
	}
	var out []Verdict
	for _, k := range order {
		v := Verdict{Threads: k.threads, Mode: k.mode, MinRatio: math.Inf(1)}
		var ratios, cpu, spreads []float64
		for _, p := range groups[k] {
			ratios = append(ratios, p.Ratio)
			if p.CPURatio > 0 {
				cpu = append(cpu, p.CPURatio)
			}
			spreads = append(spreads, p.ProbeSpread)
			if p.Ratio < v.MinRatio {
				v.MinRatio, v.AtBatch = p.Ratio, p.Batch
			}
		}
		v.Points = len(ratios)
		v.MedianRatio, v.MedianCPURatio = Median(ratios), Median(cpu)
		v.Pass = v.MedianRatio >= Target
		v.Noisy = Median(spreads) > NoisyAbove
		out = append(out, v)
	}
	return out
}

// WriteVerdicts writes one line per thread count and mode.
func WriteVerdicts(w io.Writer, vs []Verdict) {
	for _, v := range vs {
		mark := "meets"
		if !v.Pass {
			mark = "MISSES"
		}
		fmt.Fprintf(w, "- %d thread(s), %s: engine/probe at batch >= %d: median %.2f over %d sizes (lowest %.2f at %d; per CPU-second %.2f): %s the %.0f%% target",
			v.Threads, v.Mode, TargetBatch, v.MedianRatio, v.Points, v.MinRatio, v.AtBatch, v.MedianCPURatio, mark, 100*Target)
		if v.Noisy {
			fmt.Fprintf(w, " (the machine was busy: the probe varied by more than %.0f%% between rounds)", 100*NoisyAbove)
		}
		fmt.Fprintln(w)
	}
}

// WriteBenchFormat writes pts in the Go benchmark format, one result line
// a point, so that benchstat compares runs:
//
//	BenchmarkEngramGather/model=demo/dtype=bf16/threads=2/mode=split/batch=256 5 9.4e-05 sec/op 8.7e+07 rows/s ... 0.91 probe-ratio
func WriteBenchFormat(w io.Writer, pts []Point) {
	for _, p := range pts {
		fmt.Fprintf(w, "BenchmarkEngramGather/model=%s/dtype=%s/threads=%d/mode=%s/batch=%d %d %.4g sec/op %.4g rows/s %.4g B/s %.4g sec/token-layer %.4g probe-rows/s %.4g probe-ratio %.4g cpu-ratio\n",
			p.Model, p.DType, p.Threads, p.Mode, p.Batch, p.Rounds, p.SecPerLookup, p.RowsPerSec, p.BytesPerSec, p.SecPerTokLayer, p.ProbeRowsPerSec, p.Ratio, p.CPURatio)
	}
}

// WriteOverlap writes the pipeline measurement.
func WriteOverlap(w io.Writer, os []Overlap) error {
	var rows [][]string
	for _, o := range os {
		kind := "wait (accelerator)"
		if o.Spin {
			kind = "spin (host core)"
		}
		rows = append(rows, []string{
			strconv.Itoa(o.Batch), strconv.Itoa(o.Threads), kind, strconv.Itoa(o.Steps),
			mdtable.Seconds(o.Lookup), mdtable.Seconds(o.Compute), mdtable.Seconds(o.Exposed),
			mdtable.Seconds(o.Serial), mdtable.Seconds(o.Pipelined), mdtable.Pct(o.Hidden),
		})
	}
	return mdtable.Table(w, []string{"batch", "threads", "compute", "steps", "lookup/step", "compute/step", "exposed/step", "serial total", "pipelined total", "hidden"}, rows)
}

// WriteGate writes the step-7 cost beside the lookup's, per token and layer.
func WriteGate(w io.Writer, g GateCost, lookupPerTokLayer float64) {
	fmt.Fprintf(w, "Gate and value projection (float32, d=%d, d_mem=%d, %d tokens, %d threads): %s and %s per token per layer (%s); the lookup: %s per token per layer",
		g.Hidden, g.DMem, g.Tokens, g.Threads, mdtable.SI(g.FLOPsPerToken, "FLOP"), mdtable.Seconds(g.SecondsPerToken), mdtable.SI(g.FLOPsPerSec, "FLOP/s"), mdtable.Seconds(lookupPerTokLayer))
	if lookupPerTokLayer > 0 {
		fmt.Fprintf(w, ", %.0fx less", g.SecondsPerToken/lookupPerTokLayer)
	}
	fmt.Fprintln(w, ".")
}
