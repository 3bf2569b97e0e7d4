package reports

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tasks/bbh"
	"github.com/engrambench/engrambench/tasks/coding"
)

// FixtureRunner is one runner of a generated fixture. Its samples are
// correct where an instance's shared difficulty lies below the runner's
// skill at that cell, so runners are paired the way real models are:
// strongly, on the same hard questions.
type FixtureRunner struct {
	Name, Kind        string
	Skill             float64 // accuracy at the easiest cell
	PriceIn, PriceOut float64 // USD per million tokens; 0: no price
	GPUHour           float64 // price of a local engine; 0: not one
	Streamed          bool
	CacheEvery        int // every k-th sample is a cache hit (0: none)
}

// FixtureConfig shapes a generated run.
type FixtureConfig struct {
	Seed       uint64
	Runners    []FixtureRunner
	N          int // instances per cell
	RulerTasks []string
	RulerLens  []int
	BBHTasks   []string // official, shots=3
	GenTasks   []string // generated
	GenLevels  []int
	// HumanEval problems and repeats per problem; CodeKinds are code-py
	// kinds with CodeProblems problems each (the last kind gets 3, to
	// show a tiny n).
	HumanEval, HumanEvalRepeats int
	CodeKinds                   []string
	CodeProblems                int
	PPLDomains                  []string
	// FailTask names a bbh task whose requests all fail for the last runner.
	FailTask string
	// Probe adds a quick probe and the samplers' series to run.json.
	Probe bool
}

// GoldenConfig is the fixture behind the cost-versus-quality goldens:
// three runners (a local Engram model, its MoE baseline and a priced API
// model with streaming and a response cache) over every section.
func GoldenConfig() FixtureConfig {
	return FixtureConfig{
		Seed: 7,
		Runners: []FixtureRunner{
			{Name: "engram-27b", Kind: "local", Skill: 0.93, GPUHour: 2.5},
			{Name: "moe-27b", Kind: "local", Skill: 0.86, GPUHour: 2.5},
			{Name: "api-large", Kind: "openai", Skill: 0.90, PriceIn: 3, PriceOut: 15, Streamed: true, CacheEvery: 25},
		},
		N:                30,
		RulerTasks:       RulerTasks,
		RulerLens:        []int{4096, 32768},
		BBHTasks:         []string{"date_understanding", "snarks", "word_sorting"},
		GenTasks:         []string{"date_understanding", "word_sorting"},
		GenLevels:        []int{0, 1, 2},
		HumanEval:        12,
		HumanEvalRepeats: 3,
		CodeKinds:        []string{"easy", "hard"},
		CodeProblems:     10,
		PPLDomains:       []string{"books", "code"},
		FailTask:         "snarks",
		Probe:            true,
	}
}

// LargeConfig is the benchmark's fixture: 2 runners × (13 × 6 RULER + 27
// BBH + 17 bbh-gen) cells × 50 samples.
func LargeConfig() FixtureConfig {
	official := []string{"boolean_expressions", "causal_judgement", "date_understanding", "disambiguation_qa", "dyck_languages",
		"formal_fallacies", "geometric_shapes", "hyperbaton", "logical_deduction_five_objects", "logical_deduction_seven_objects",
		"logical_deduction_three_objects", "movie_recommendation", "multistep_arithmetic_two", "navigate", "object_counting",
		"penguins_in_a_table", "reasoning_about_colored_objects", "ruin_names", "salient_translation_error_detection", "snarks",
		"sports_understanding", "temporal_sequences", "tracking_shuffled_objects_five_objects", "tracking_shuffled_objects_seven_objects",
		"tracking_shuffled_objects_three_objects", "web_of_lies", "word_sorting"}
	gen := []string{"boolean_expressions", "date_understanding", "dyck_languages", "geometric_shapes", "logical_deduction_five_objects",
		"logical_deduction_seven_objects", "logical_deduction_three_objects", "multistep_arithmetic_two", "navigate", "object_counting",
		"reasoning_about_colored_objects", "temporal_sequences", "tracking_shuffled_objects_five_objects",
		"tracking_shuffled_objects_seven_objects", "tracking_shuffled_objects_three_objects", "web_of_lies", "word_sorting"}
	return FixtureConfig{
		Seed: 11,
		Runners: []FixtureRunner{
			{Name: "engram-27b", Kind: "local", Skill: 0.93, GPUHour: 2.5},
			{Name: "moe-27b", Kind: "local", Skill: 0.86, GPUHour: 2.5},
		},
		N:          50,
		RulerTasks: RulerTasks,
		RulerLens:  []int{4096, 8192, 16384, 32768, 65536, 131072},
		BBHTasks:   official,
		GenTasks:   gen,
		GenLevels:  []int{0},
	}
}

// fractionalTasks are RULER tasks scored by string_match_all over several
// references.
var fractionalTasks = map[string]bool{"niah_multivalue": true, "niah_multiquery": true, "vt": true, "cwe": true, "fwe": true}

// Fixture generates a run and its samples from cfg, deterministically.
func Fixture(cfg FixtureConfig) (results.Run, []results.Sample) {
	start := time.Date(2026, 5, 4, 22, 0, 0, 0, time.UTC)
	run := results.Run{
		ID: "20260504T220000Z-c0de", Suite: "engram-claims", SuiteFrom: "suites/engram-claims.yaml",
		Version: "v0.5.0", Commit: "9f8e7d6c5b4a", GoVersion: "go1.26.8",
		Host: hardware.Host{
			OS: "linux", Arch: "amd64", Platform: "debian 12.11", Kernel: "6.1.0-31-amd64", Virtualization: "kvm guest",
			CPUModel: "AMD EPYC 9654 96-Core Processor", LogicalCPUs: 32, PhysicalCores: 16, AllowedCPUs: 32, GOMAXPROCS: 32,
			MemoryBytes: 270582939648, MemoryAvailableBytes: 251255586816,
			Caches:    []hardware.Cache{{Level: 1, Type: "Data", SizeBytes: 32 << 10, Instances: 16}, {Level: 2, Type: "Unified", SizeBytes: 1 << 20, Instances: 16}, {Level: 3, Type: "Unified", SizeBytes: 32 << 20, Instances: 2}},
			NUMANodes: []hardware.NUMANode{{ID: 0, CPUs: "0-31", MemoryBytes: 270582939648}},
			THP:       "madvise", THPDefrag: "madvise",
		},
		Start:   start,
		End:     start.Add(3*time.Hour + 12*time.Minute),
		Status:  results.StatusComplete,
		Engines: map[string]runners.EngineStats{},
	}
	for _, r := range cfg.Runners {
		p := map[string]any{"model": r.Name, "price_input": r.PriceIn, "price_output": r.PriceOut, "price_gpu_hour": r.GPUHour}
		run.Plan.Runners = append(run.Plan.Runners, results.PlanRunner{Name: r.Name, Kind: r.Kind, Params: p})
	}
	for _, set := range []string{"ruler", "bbh", "bbh-gen", "humaneval", "code-py", "longppl"} {
		run.Plan.Tasks = append(run.Plan.Tasks, results.PlanTask{Set: set})
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0xc0ffee))
	var out []results.Sample
	// hardness is one instance's shared difficulty, in [0, 1).
	type inst struct {
		id       string
		hardness float64
	}
	cellInstances := func(cell string, n int) []inst {
		is := make([]inst, n)
		for i := range is {
			is[i] = inst{fmt.Sprintf("%s/%04d", cell, i), rng.Float64()}
		}
		return is
	}
	taskOffset := func(task string) float64 {
		h := 0
		for _, c := range task {
			h = h*31 + int(c)
		}
		return float64(h%9-4) * 0.015
	}
	counter := 0
	emit := func(ri int, set, task string, labels map[string]string, in inst, repeat int, score float64, detail string, outTok int) {
		r := cfg.Runners[ri]
		counter++
		cell := tasks.CellName(set, task, labels)
		s := results.Sample{
			Key: results.SampleKey(r.Name, in.id, repeat), RunID: run.ID, Runner: r.Name, Model: r.Name,
			Set: set, Task: task, Cell: cell, InstanceID: in.id, Repeat: repeat, Seed: 42,
			Response: "answer " + strconv.FormatFloat(score, 'g', 3, 64), Extracted: "answer",
			ScoreDetail: detail,
		}
		in0 := 200 + int(in.hardness*300)
		if l, err := strconv.Atoi(labels["len"]); err == nil {
			in0 = l - 200
		}
		s.Usage = runners.Usage{PromptTokens: in0, CompletionTokens: outTok}
		lat := 0.05 + float64(outTok)*0.012 + float64(in0)*0.00002 + 0.1*in.hardness
		s.Timing = results.SampleTiming{LatencyS: lat}
		if r.Streamed {
			s.Timing.TTFTS = 0.04 + float64(in0)*0.00001
			if outTok > 1 {
				s.Timing.TPOTS = (lat - s.Timing.TTFTS) / float64(outTok-1)
			}
		}
		if r.CacheEvery > 0 && counter%r.CacheEvery == 0 {
			s.Cached = true
		} else {
			s.CostUSD = (float64(in0)*r.PriceIn + float64(outTok)*r.PriceOut) / 1e6
		}
		switch {
		case cfg.FailTask != "" && set == "bbh" && task == cfg.FailTask && ri == len(cfg.Runners)-1:
			s.Error, s.ErrorKind, s.ErrorClass = "POST /v1/chat/completions: 503 Service Unavailable", results.ErrRequest, "server"
			s.Response, s.Extracted, s.ScoreDetail, s.Usage, s.Timing = "", "", "", runners.Usage{}, results.SampleTiming{LatencyS: 30}
		case (counter*7+ri*3)%97 == 0:
			s.Error, s.ErrorKind, s.ErrorClass = "context deadline exceeded", results.ErrRequest, "timeout"
			s.Response, s.Extracted, s.ScoreDetail, s.Usage, s.Timing = "", "", "", runners.Usage{}, results.SampleTiming{LatencyS: 60}
		case (counter*5+ri)%131 == 0:
			s.Error, s.ErrorKind = "scorer: unreadable answer", results.ErrScorer
		default:
			v := score
			s.Score = &v
			if v == 0 && in.hardness > 0.985 {
				s.Response = "" // a null prediction
			}
		}
		out = append(out, s)
	}
	binary := func(p, hardness float64) float64 {
		if hardness < p {
			return 1
		}
		return 0
	}

	for _, l := range cfg.RulerLens {
		for _, task := range cfg.RulerTasks {
			labels := map[string]string{"len": strconv.Itoa(l)}
			for _, in := range cellInstances(tasks.CellName("ruler", task, labels), cfg.N) {
				for ri, r := range cfg.Runners {
					p := r.Skill + taskOffset(task) - 0.035*math.Log2(float64(l)/4096)
					if ri == 0 && (task == "niah_multiquery" || task == "vt") {
						p += 0.04 * math.Log2(float64(l)/4096) // Engram's claimed long-context gain
					}
					v := binary(p, in.hardness)
					if fractionalTasks[task] {
						v = math.Round(4*math.Min(1, math.Max(0, (p-in.hardness)*4+0.5))) / 4
					}
					emit(ri, "ruler", task, labels, in, 0, v, "", 20)
				}
			}
		}
	}
	bbhDetail := func(task string, v float64) string {
		chance := 0.2
		if task == "snarks" || task == "web_of_lies" {
			chance = 0.5
		}
		if task == "word_sorting" {
			chance = 1.0 / 5040
		}
		return bbh.Detail{Flexible: "(A)", FlexibleMatch: v == 1, AnswerType: "multiple_choice", Chance: chance}.String()
	}
	for _, task := range cfg.BBHTasks {
		labels := map[string]string{"mode": "cot", "shots": "3"}
		for _, in := range cellInstances(tasks.CellName("bbh", task, labels), cfg.N) {
			for ri, r := range cfg.Runners {
				v := binary(r.Skill-0.25+taskOffset(task), in.hardness)
				emit(ri, "bbh", task, labels, in, 0, v, bbhDetail(task, v), 180)
			}
		}
	}
	for _, d := range cfg.GenLevels {
		for _, task := range cfg.GenTasks {
			labels := map[string]string{"mode": "cot", "shots": "3", "difficulty": strconv.Itoa(d)}
			for _, in := range cellInstances(tasks.CellName("bbh-gen", task, labels), cfg.N) {
				for ri, r := range cfg.Runners {
					p := r.Skill - 0.25 + taskOffset(task) - 0.12*float64(d)
					if ri == 2 && d == 0 {
						p -= 0.3 // the API model has seen the official questions
					}
					v := binary(p, in.hardness)
					emit(ri, "bbh-gen", task, labels, in, 0, v, bbhDetail(task, v), 220+40*d)
				}
			}
		}
	}
	codeDetail := func(v float64, i int) string {
		o := coding.Passed
		if v == 0 {
			o = []coding.Outcome{coding.FailedTests, coding.CompileError, coding.Timeout}[i%3]
		}
		return coding.Verdict{Outcome: o, Passed: int(v) * 5, Total: 5}.Detail()
	}
	if cfg.HumanEval > 0 {
		labels := map[string]string{"form": "completion"}
		for _, in := range cellInstances(tasks.CellName("humaneval", "humaneval", labels), cfg.HumanEval) {
			for rep := range cfg.HumanEvalRepeats {
				jitter := rng.Float64()*0.3 - 0.15
				for ri, r := range cfg.Runners {
					v := binary(r.Skill-0.45, in.hardness+jitter)
					emit(ri, "humaneval", "humaneval", labels, in, rep, v, codeDetail(v, rep+ri), 150)
				}
			}
		}
	}
	for k, kind := range cfg.CodeKinds {
		n := cfg.CodeProblems
		if k == len(cfg.CodeKinds)-1 && k > 0 {
			n = 3
		}
		labels := map[string]string{"form": "chat"}
		for _, in := range cellInstances(tasks.CellName("code-py", kind, labels), n) {
			for ri, r := range cfg.Runners {
				v := binary(r.Skill-0.2-0.3*float64(k), in.hardness)
				emit(ri, "code-py", kind, labels, in, 0, v, codeDetail(v, ri), 300)
			}
		}
	}
	for _, dom := range cfg.PPLDomains {
		labels := map[string]string{"window": "4096", "stride": "2048"}
		for _, in := range cellInstances(tasks.CellName("longppl", dom, labels), 4) {
			for ri, r := range cfg.Runners {
				tok := 2048
				nll := float64(tok) * (1.6 - r.Skill + 0.2*in.hardness)
				detail := fmt.Sprintf("nll_sum=%s tokens=%d bytes=%d", strconv.FormatFloat(nll, 'g', -1, 64), tok, tok*4)
				emit(ri, "longppl", dom, labels, in, 0, 1, detail, 0)
			}
		}
	}

	// Local engines: wall time at the runner's GPU-hour price.
	for _, r := range cfg.Runners {
		if r.GPUHour > 0 {
			wall := 3*3600.0 + 120
			run.Engines[r.Name] = runners.EngineStats{
				Command: "vllm serve " + r.Name, WallSeconds: wall, PeakRSSBytes: 41 << 30, MeanRSSBytes: 39 << 30, RSSSamples: 11520,
				CostUSD: wall / 3600 * r.GPUHour,
			}
		}
	}
	if cfg.Probe {
		run.Probe = FixtureProbe()
		run.Samplers = &hardware.Samples{IntervalSeconds: 1, Start: start, Seconds: 11520, Series: []hardware.Series{
			{Name: "gpu_memory_used/gpu=0", Unit: "bytes", Peak: 131 << 30, Mean: 120 << 30, Samples: 11520},
			{Name: "gpu_power/gpu=0", Unit: "watts", Peak: 688, Mean: 540.5, Samples: 11520},
			{Name: "gpu_utilization/gpu=0", Unit: "ratio", Peak: 1, Mean: 0.83, Samples: 11520},
			{Name: "rss/runner=engram-27b", Unit: "bytes", Peak: 42 << 30, Mean: 39 << 30, Samples: 11520},
		}, Problems: []string{"rss/runner=moe-27b: process 4242 exited"}}
	}
	run.Expected, run.Finished = len(out), len(out)
	// Samples arrive in finishing order, not sorted.
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return run, out
}

// FixtureProbe is a quick probe of a one-GPU host, as run.json records it.
func FixtureProbe() *hardware.Probe {
	p := func(v float64) *float64 { return &v }
	mem := uint64(141 << 30)
	used := uint64(2 << 30)
	return &hardware.Probe{
		Mode: "quick", Start: time.Date(2026, 5, 4, 21, 59, 50, 0, time.UTC), Seconds: 6.4, Seed: 1, CPUs: []int{0, 1, 2, 3}, MemoryBudgetBytes: 8 << 30,
		GPU: &hardware.GPUs{Source: "nvml", Driver: "550.54.15", Devices: []hardware.GPU{{Index: 0, Name: "NVIDIA H200", MemoryTotalBytes: &mem, MemoryUsedBytes: &used, PowerWatts: p(81)}}},
		Bandwidth: &hardware.Bandwidth{ArrayBytes: 256 << 20, Passes: 4, Results: []hardware.BandwidthResult{
			{Kernel: "triad", Threads: 1, BytesPerSecond: 31.5e9, WriteAllocateBytesPerSecond: 42e9},
			{Kernel: "triad", Threads: 4, BytesPerSecond: 96.2e9, WriteAllocateBytesPerSecond: 128.3e9},
		}},
		Latency: &hardware.Latency{Results: []hardware.LatencyResult{{Bytes: 1 << 30, Loads: 1 << 18, SecondsPerLoad: 142e-9}}},
		Gather: &hardware.Gather{TableBytes: 1 << 30, RowBytes: 160, Batch: 32, Results: []hardware.GatherResult{
			{Mode: "batched", Threads: 1, RowsPerSecond: 12.5e6, BytesPerSecond: 2e9},
			{Mode: "batched", Threads: 4, RowsPerSecond: 44e6, BytesPerSecond: 7.04e9},
		}},
	}
}
