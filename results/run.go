package results

import (
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/serving"
	"github.com/engrambench/engrambench/shard"
)

// Run statuses in run.json.
const (
	StatusRunning  = "running"  // in progress, or killed without a chance to say so
	StatusComplete = "complete" // every planned sample finished
	StatusPartial  = "partial"  // stopped early (SIGINT, --limit on a resume); resumable
	StatusFailed   = "failed"   // stopped by an error; resumable
)

// Why a partial run stopped.
const (
	StopInterrupted = "interrupted" // a signal, or the caller's context
	StopBudget      = "budget"      // the token or dollar budget was reached
)

// Run is run.json: what was asked, on what, by which build, and how it ended.
type Run struct {
	ID        string        `json:"id"`
	Suite     string        `json:"suite"`        // the suite's name
	SuiteFrom string        `json:"suite_source"` // "builtin:quick" or a file path
	Plan      Plan          `json:"plan"`
	Expected  int           `json:"expected_samples"`
	Finished  int           `json:"finished_samples"`
	Version   string        `json:"engrambench_version"`
	Commit    string        `json:"commit,omitempty"`
	GoVersion string        `json:"go_version"`
	Host      hardware.Host `json:"host"`
	// Probe is the quick hardware probe run before the first request.
	Probe *hardware.Probe `json:"probe,omitempty"`
	// Samplers are GPU memory, power and utilisation and local engines'
	// RSS over the run.
	Samplers *hardware.Samples `json:"samplers,omitempty"`
	Start    time.Time         `json:"start"`
	Resumed  []time.Time       `json:"resumed,omitempty"` // when --resume continued it
	End      time.Time         `json:"end,omitzero"`
	Status   string            `json:"status"`
	// Engines holds, per runner, what a local engine cost while it ran.
	Engines map[string]runners.EngineStats `json:"engines,omitempty"`
	// Serving holds a load test's results, one per step of its sweep.
	Serving []serving.Result `json:"serving,omitempty"`
	Message string           `json:"message,omitempty"`     // why a run stopped early, for people
	Stopped string           `json:"stop_reason,omitempty"` // StopInterrupted or StopBudget, for programs
	// Shards is, for a run joined from shards (engrambench merge, or
	// shards writing into one run of a shared store), the number of
	// shards its plan was split into; ShardRuns are the shard runs merge
	// read, in shard order.
	Shards    int        `json:"shards,omitempty"`
	ShardRuns []ShardRun `json:"shard_runs,omitempty"`
}

// ShardRun is one shard run that went into a merged run: where it ran,
// when, how it ended and how many samples it gave.
type ShardRun struct {
	Shard    shard.Shard `json:"shard"`
	RunID    string      `json:"run_id"`
	Dir      string      `json:"dir,omitempty"`
	Hostname string      `json:"hostname,omitempty"`
	Status   string      `json:"status"`
	Start    time.Time   `json:"start"`
	End      time.Time   `json:"end,omitzero"`
	Samples  int         `json:"samples"` // distinct samples it contributed
}

// Plan is the resolved suite: every runner and task set with every
// parameter filled in, so a run can be resumed, or repeated, from run.json
// alone. Secret parameters are never stored.
type Plan struct {
	Runners []PlanRunner `json:"runners"`
	Tasks   []PlanTask   `json:"tasks"`
	Limit   int          `json:"limit,omitempty"` // instances per task, 0 for all
	Budget  Budget       `json:"budget,omitzero"`
	// Serving holds a load test's settings, every default filled in.
	Serving map[string]any `json:"serving,omitempty"`
	// Treatment and Baseline name the runners the claims ledger compares.
	Treatment string `json:"treatment,omitempty"`
	Baseline  string `json:"baseline,omitempty"`
	// Shard is the part of the plan the run covers (run --shard I/N);
	// absent for the whole plan. Shards of one plan differ only here.
	Shard shard.Shard `json:"shard,omitzero"`
}

// Budget caps what a run may spend; reaching it stops new requests and the
// run ends partial. Zero fields are no cap. Responses served from the cache
// cost nothing and do not count.
type Budget struct {
	Tokens int     `json:"tokens,omitempty"` // prompt plus completion tokens
	USD    float64 `json:"usd,omitempty"`
}

// PlanRunner is one runner in a plan.
type PlanRunner struct {
	Name   string         `json:"name"`
	Kind   string         `json:"kind"`
	Params map[string]any `json:"params,omitempty"`
}

// PlanTask is one task-set entry in a plan.
type PlanTask struct {
	Set    string         `json:"set"`
	Params map[string]any `json:"params,omitempty"`
}
