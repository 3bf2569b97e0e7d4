package sizing

import (
	"errors"
	"fmt"
	"math"

	"github.com/engrambench/engrambench/engram"
)

// Workload is what the host must feed.
type Workload struct {
	// DecodeBatch sequences advance one token per decode step, at
	// DecodeTokensPerSec tokens per second in all.
	DecodeBatch        int     `json:"decode_batch"`
	DecodeTokensPerSec float64 `json:"decode_tokens_per_second"`
	// PrefillTokensPerSec is prompt tokens per second; their lookups can
	// run ahead (the ids are known), so only their rate matters.
	PrefillTokensPerSec float64 `json:"prefill_tokens_per_second"`
	// SeqLenMin and SeqLenMax describe the sequences (informational).
	SeqLenMin int `json:"seq_len_min,omitempty"`
	SeqLenMax int `json:"seq_len_max,omitempty"`
	// HostOnly keeps the rows on the host (a CPU engine); otherwise they
	// cross the link to the accelerator.
	HostOnly bool `json:"host_only,omitempty"`
}

// Validate reports what is wrong with w.
func (w Workload) Validate() error {
	var errs []error
	if w.DecodeBatch < 0 || w.DecodeTokensPerSec < 0 || w.PrefillTokensPerSec < 0 {
		errs = append(errs, errors.New("batch and rates must not be negative"))
	}
	if (w.DecodeBatch > 0) != (w.DecodeTokensPerSec > 0) {
		errs = append(errs, errors.New("a decode workload needs both a batch and a tokens/s rate"))
	}
	if w.DecodeTokensPerSec+w.PrefillTokensPerSec == 0 {
		errs = append(errs, errors.New("no tokens per second: give a decode or a prefill rate"))
	}
	if w.SeqLenMin > w.SeqLenMax {
		errs = append(errs, fmt.Errorf("sequence lengths %d..%d are reversed", w.SeqLenMin, w.SeqLenMax))
	}
	return errors.Join(errs...)
}

// Prices turn bytes into dollars; zero means not given.
type Prices struct {
	GPUPerGBMonth  float64 `json:"gpu_usd_per_gb_month,omitempty"`
	DRAMPerGBMonth float64 `json:"dram_usd_per_gb_month,omitempty"`
}

// Check is one constraint: what the workload needs against what the
// machine has, in the check's unit.
type Check struct {
	Name        string  `json:"name"`
	Unit        string  `json:"unit"`
	Need        float64 `json:"need"`
	Have        float64 `json:"have"`
	Utilisation float64 `json:"utilisation"` // need / have
}

// Verdicts.
const (
	Fits   = "fits"
	Tight  = "tight" // some utilisation above TightAbove
	NoFit  = "does not fit"
	NoData = "unknown"
)

// TightAbove is the utilisation above which a fit is called tight.
const TightAbove = 0.7

// Result is one model on one machine under one workload.
type Result struct {
	Model   string `json:"model"`
	DType   string `json:"dtype"`
	Machine string `json:"machine"`

	TableBytes    float64 `json:"table_bytes"`
	Params        float64 `json:"params"`
	RowsPerToken  int     `json:"rows_per_token"`
	RowBytes      int     `json:"row_bytes"`
	BytesPerToken float64 `json:"bytes_per_token"`

	TokensPerSec       float64 `json:"tokens_per_second"`
	RowsPerSec         float64 `json:"rows_per_second"`          // demanded
	PayloadBytesPerSec float64 `json:"payload_bytes_per_second"` // row bytes demanded
	DRAMBytesPerSec    float64 `json:"dram_bytes_per_second"`    // whole lines read, and the output written
	LinkBytesPerSec    float64 `json:"link_bytes_per_second"`    // to the accelerator

	EngineRowsPerSecCore float64 `json:"engine_rows_per_second_per_core"`
	EngineRowsPerSec     float64 `json:"engine_rows_per_second"` // all cores
	CoresNeeded          float64 `json:"cores_needed"`

	// One decode step.
	StepRows    int      `json:"step_rows,omitempty"`
	StepSeconds float64  `json:"step_seconds,omitempty"`
	LookupSec   float64  `json:"step_lookup_seconds,omitempty"`
	TransferSec float64  `json:"step_transfer_seconds,omitempty"`
	BudgetSec   float64  `json:"step_budget_seconds,omitempty"` // before the first Engram layer
	FirstLayer  int      `json:"first_engram_layer"`
	ModelLayers int      `json:"model_layers"`
	ExposedSec  float64  `json:"step_exposed_seconds,omitempty"`
	Checks      []Check  `json:"checks"`
	Verdict     string   `json:"verdict"`
	Binding     string   `json:"binding"`
	Deployment  Deploy   `json:"deployment"`
	Notes       []string `json:"notes,omitempty"`
}

// Deploy is the deployment side: accelerator memory the tables do not take
// when they live in host RAM, against an iso-parameter MoE that holds all
// its parameters on the accelerator.
type Deploy struct {
	GPUBytesSaved float64 `json:"gpu_bytes_saved"`
	// TotalParams is the whole model's parameter count where known
	// (Engram-27B and MoE-27B: 26.7B); then MoE and Engram accelerator
	// bytes are given too.
	TotalParams    float64 `json:"total_params,omitempty"`
	MoEGPUBytes    float64 `json:"moe_gpu_bytes,omitempty"`
	EngramGPUBytes float64 `json:"engram_gpu_bytes,omitempty"`
	GPUUSDMonth    float64 `json:"gpu_usd_saved_per_month,omitempty"`
	DRAMUSDMonth   float64 `json:"dram_usd_per_month,omitempty"`
	NetUSDMonth    float64 `json:"net_usd_saved_per_month,omitempty"`
	Priced         bool    `json:"priced"`
}

// TotalParams are whole-model parameter counts FACTS.md §1 gives.
var TotalParams = map[string]float64{"engram-27b": 26.7e9}

// Evaluate sizes model m (in dtype d) on machine mc under workload w.
func Evaluate(m engram.Model, d engram.DType, mc Machine, w Workload, pr Prices) (Result, error) {
	if err := w.Validate(); err != nil {
		return Result{}, fmt.Errorf("workload: %w", err)
	}
	if err := mc.Validate(); err != nil {
		return Result{}, err
	}
	mc.fill()
	l, err := m.Layout()
	if err != nil {
		return Result{}, err
	}
	rb := m.RowBytes(d)
	r := Result{
		Model: m.Name, DType: d.String(), Machine: mc.Name,
		TableBytes: float64(l.Bytes(d)), Params: float64(l.Params()),
		RowsPerToken: m.RowsPerToken(), RowBytes: rb, BytesPerToken: float64(m.BytesPerToken(d)),
		TokensPerSec: w.DecodeTokensPerSec + w.PrefillTokensPerSec,
		ModelLayers:  m.ModelLayers, FirstLayer: minLayer(m.LayerIDs),
	}
	r.RowsPerSec = r.TokensPerSec * float64(r.RowsPerToken)
	r.PayloadBytesPerSec = r.RowsPerSec * float64(rb)
	// The gather reads whole lines and writes its output (a large output
	// goes straight to memory).
	r.DRAMBytesPerSec = r.RowsPerSec * (Lines(rb)*LineBytes + float64(rb))
	r.EngineRowsPerSecCore = mc.EngineRows(rb, 1)
	r.EngineRowsPerSec = mc.EngineRows(rb, mc.Cores)
	r.CoresNeeded = coresNeeded(mc, rb, r.RowsPerSec)
	add := func(name, unit string, need, have float64) {
		c := Check{Name: name, Unit: unit, Need: need, Have: have}
		switch {
		case have > 0:
			c.Utilisation = need / have
		case need > 0:
			c.Utilisation = math.Inf(1)
		}
		r.Checks = append(r.Checks, c)
	}
	add("host RAM", "bytes", r.TableBytes, 0.9*mc.HostMemoryBytes)
	add("cores", "cores", r.CoresNeeded, float64(mc.Cores))
	if mc.DRAMBytesPerSec > 0 {
		add("DRAM bandwidth", "bytes/s", r.DRAMBytesPerSec, mc.DRAMBytesPerSec*mc.DRAMEfficiency)
	} else {
		r.Notes = append(r.Notes, "DRAM bandwidth unknown: only the per-core gather rate limits")
	}
	if !w.HostOnly {
		if mc.LinkBytesPerSec > 0 {
			r.LinkBytesPerSec = r.PayloadBytesPerSec
			add("link to accelerator", "bytes/s", r.LinkBytesPerSec, mc.LinkBytesPerSec)
		} else {
			r.Notes = append(r.Notes, "no accelerator link on this machine: rows stay on the host")
		}
	}
	if w.DecodeBatch > 0 {
		r.StepRows = w.DecodeBatch * r.RowsPerToken
		r.StepSeconds = float64(w.DecodeBatch) / w.DecodeTokensPerSec
		r.LookupSec = mc.LookupTime(r.StepRows, rb, mc.Cores)
		if !w.HostOnly && mc.LinkBytesPerSec > 0 {
			r.TransferSec = float64(w.DecodeBatch) * r.BytesPerToken / mc.LinkBytesPerSec
		}
		// The rows of a decode step can be fetched once its tokens are
		// known, and are needed when the first Engram layer runs: the
		// blocks before it are the time available.
		r.BudgetSec = r.StepSeconds * float64(r.FirstLayer) / float64(max(1, r.ModelLayers))
		r.ExposedSec = max(0, r.LookupSec+r.TransferSec-r.BudgetSec)
		add("decode step lookup before the first Engram layer", "seconds", r.LookupSec+r.TransferSec, r.BudgetSec)
	}
	r.Verdict, r.Binding = verdict(r.Checks)
	r.Deployment = deployment(m, r, pr)
	r.Notes = append(r.Notes, mc.Notes...)
	return r, nil
}

// coresNeeded is the cores whose engine rate covers rows/s, fractional
// (demand over the per-core rate at the smallest sufficient count), or
// +Inf when no count does (DRAM bandwidth caps the rate).
func coresNeeded(mc Machine, rb int, rows float64) float64 {
	if rows <= 0 {
		return 0
	}
	const most = 1 << 20
	if mc.EngineRows(rb, most) < rows {
		return math.Inf(1)
	}
	lo, hi := 1, most // smallest c with EngineRows(c) >= rows lies in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		if mc.EngineRows(rb, mid) >= rows {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return rows / (mc.EngineRows(rb, lo) / float64(lo))
}

func minLayer(ids []int) int {
	m := math.MaxInt
	for _, id := range ids {
		m = min(m, id)
	}
	if m == math.MaxInt {
		return 0
	}
	return m
}

func verdict(cs []Check) (string, string) {
	if len(cs) == 0 {
		return NoData, ""
	}
	worst := cs[0]
	for _, c := range cs[1:] {
		if c.Utilisation > worst.Utilisation {
			worst = c
		}
	}
	switch {
	case worst.Utilisation > 1:
		return NoFit, worst.Name
	case worst.Utilisation > TightAbove:
		return Tight, worst.Name
	}
	return Fits, worst.Name
}

func deployment(m engram.Model, r Result, pr Prices) Deploy {
	dp := Deploy{GPUBytesSaved: r.TableBytes}
	if tp, ok := TotalParams[m.Name]; ok {
		per := float64(engram.DType(0).Size())
		if d, err := engram.ParseDType(r.DType); err == nil {
			per = float64(d.Size())
		}
		dp.TotalParams = tp
		dp.MoEGPUBytes = tp * per
		dp.EngramGPUBytes = (tp - r.Params) * per
	}
	if pr.GPUPerGBMonth > 0 || pr.DRAMPerGBMonth > 0 {
		dp.Priced = true
		dp.GPUUSDMonth = r.TableBytes / 1e9 * pr.GPUPerGBMonth
		dp.DRAMUSDMonth = r.TableBytes / 1e9 * pr.DRAMPerGBMonth
		dp.NetUSDMonth = dp.GPUUSDMonth - dp.DRAMUSDMonth
	}
	return dp
}
