package sizing

import (
	"fmt"

	"github.com/engrambench/engrambench/engram"
)

// The paper's offload experiment (FACTS.md §1): a 100B-parameter table in
// host DRAM, in the 2nd block, nano-vLLM on one H800, 512 sequences with
// lengths uniform in [100, 1024].
const (
	OffloadSequences = 512
	OffloadLenMin    = 100
	OffloadLenMax    = 1024
)

// OffloadBaseline is one of the paper's dense baselines.
type OffloadBaseline struct {
	Name string `json:"name"`
	// Throughputs without and with the offloaded table, and the penalty.
	BaseTokPerSec, PaperTokPerSec, PaperPenalty float64
	// Hidden size and layer count of the baseline: not in the paper's
	// offload figures, assumed (those of Qwen3-4B and -8B, 36 layers).
	Hidden, Layers int
}

// OffloadBaselines are the paper's 4B and 8B dense runs.
var OffloadBaselines = []OffloadBaseline{
	{Name: "4B dense", BaseTokPerSec: 9031.62, PaperTokPerSec: 8858.28, PaperPenalty: 0.0192, Hidden: 2560, Layers: 36},
	{Name: "8B dense", BaseTokPerSec: 6315.52, PaperTokPerSec: 6140.02, PaperPenalty: 0.0278, Hidden: 4096, Layers: 36},
}

// ClaimRow is the model's prediction for one baseline on one machine.
type ClaimRow struct {
	Machine  string `json:"machine"`
	Baseline string `json:"baseline"`
	// One decode step with all sequences in flight.
	StepSeconds     float64 `json:"step_seconds"`
	StepRows        int     `json:"step_rows"`
	LookupSeconds   float64 `json:"lookup_seconds"`
	TransferSeconds float64 `json:"transfer_seconds"`
	BudgetSeconds   float64 `json:"budget_seconds"` // the first block's share of the step
	ExposedSeconds  float64 `json:"exposed_seconds"`
	// ComputeSeconds is the Engram module's own accelerator work per step
	// (gate and value projections at GPUEfficiency of peak), which the
	// paper's measured penalty includes and the memory side does not.
	ComputeSeconds float64 `json:"compute_seconds"`
	// MemoryPenalty is the throughput lost to the memory side alone;
	// Penalty adds the module's compute.
	MemoryPenalty float64 `json:"memory_penalty"`
	Penalty       float64 `json:"penalty"`
	PaperPenalty  float64 `json:"paper_penalty"`
	CoresNeeded   float64 `json:"cores_needed"`
	Verdict       string  `json:"verdict"`
	Binding       string  `json:"binding"`
}

// GPUEfficiency is the share of peak FLOPs the module's small projections
// are assumed to reach.
const GPUEfficiency = 0.4

// OffloadClaim applies the model to the offload experiment on machine mc
// with model m (the built-in offload-100b): for each baseline, the decode
// step time with all 512 sequences in flight is 512 / throughput; its
// lookup (512 tokens x rows per token) and the rows' transfer must finish
// within the first block (the table sits in the 2nd block) or the rest is
// exposed; the module's compute is added at GPUEfficiency of the GPU's
// peak. The penalty is the added time over the step.
func OffloadClaim(m engram.Model, mc Machine) ([]ClaimRow, error) {
	var out []ClaimRow
	for _, b := range OffloadBaselines {
		mm := m
		mm.ModelLayers = b.Layers
		mm.Hidden = b.Hidden
		w := Workload{DecodeBatch: OffloadSequences, DecodeTokensPerSec: b.BaseTokPerSec, SeqLenMin: OffloadLenMin, SeqLenMax: OffloadLenMax}
		r, err := Evaluate(mm, mm.DType, mc, w, Prices{})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name, err)
		}
		row := ClaimRow{
			Machine: mc.Name, Baseline: b.Name,
			StepSeconds: r.StepSeconds, StepRows: r.StepRows,
			LookupSeconds: r.LookupSec, TransferSeconds: r.TransferSec, BudgetSeconds: r.BudgetSec,
			ExposedSeconds: r.ExposedSec, PaperPenalty: b.PaperPenalty, CoresNeeded: r.CoresNeeded,
			Verdict: r.Verdict, Binding: r.Binding,
		}
		if mc.GPUFLOPs > 0 && b.Hidden > 0 {
			flops := float64(OffloadSequences) * 4 * float64(b.Hidden) * float64(mm.DMem) * float64(len(mm.LayerIDs))
			row.ComputeSeconds = flops / (mc.GPUFLOPs * GPUEfficiency)
		}
		row.MemoryPenalty = row.ExposedSeconds / (row.StepSeconds + row.ExposedSeconds)
		added := row.ExposedSeconds + row.ComputeSeconds
		row.Penalty = added / (row.StepSeconds + added)
		out = append(out, row)
	}
	return out, nil
}
