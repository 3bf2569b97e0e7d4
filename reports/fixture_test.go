package reports

import (
	"fmt"
	"time"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
)

// Cells of the fixture.
const (
	wordSorting = "bbh-gen/task=word_sorting/mode=cot/shots=3"
	dates       = "bbh-mc/task=date_understanding/shots=3"
	niah        = "ruler/task=niah_multikey_2/len=4096"
)

// fixtureRun is a partial run stopped by SIGINT. Its times are in CET, to
// show that the report prints UTC whatever the zone recorded.
func fixtureRun() results.Run {
	cet := time.FixedZone("CET", 3600)
	start := time.Date(2026, 3, 1, 10, 30, 0, 0, cet)
	return results.Run{
		ID:        "20260301T093000Z-7f3a",
		Suite:     "quick",
		SuiteFrom: "builtin:quick",
		Plan: results.Plan{
			Runners: []results.PlanRunner{{Name: "qwen3-8b", Kind: "openai"}, {Name: "lookup", Kind: "lookup"}},
			Tasks:   []results.PlanTask{{Set: "bbh-gen"}, {Set: "bbh-mc"}, {Set: "ruler"}},
			Limit:   4,
		},
		Expected:  24,
		Finished:  18,
		Version:   "v0.4.0",
		Commit:    "1a2b3c4d5e6f",
		GoVersion: "go1.26.8",
		Host: hardware.Host{
			OS: "linux", Arch: "amd64", Virtualization: "kvm guest",
			CPUModel:    "AMD EPYC 7B13 64-Core Processor",
			LogicalCPUs: 16, PhysicalCores: 8, GOMAXPROCS: 16,
			MemoryBytes: 67430023168,
		},
		Start:   start,
		End:     start.Add(14*time.Minute + 5*time.Second + 300*time.Millisecond),
		Status:  results.StatusPartial,
		Message: "interrupted (SIGINT)",
	}
}

// sample builds one sample; score < 0 means no score (an error sample).
func sample(runner, cell string, i int, score float64, resp string, lat, ttft, tpot float64, in, out int, est bool) results.Sample {
	set, task := cellSetTask(cell)
	id := fmt.Sprintf("%s/%s/%d", set, task, i)
	s := results.Sample{
		Key: results.SampleKey(runner, id, 0), RunID: "20260301T093000Z-7f3a",
		Runner: runner, Set: set, Task: task, Cell: cell, InstanceID: id,
		Response: resp, Extracted: resp,
		Usage:  runners.Usage{PromptTokens: in, CompletionTokens: out, Estimated: est},
		Timing: results.SampleTiming{LatencyS: lat, TTFTS: ttft, TPOTS: tpot},
	}
	if score >= 0 {
		s.Score = &score
	}
	return s
}

func cellSetTask(cell string) (set, task string) {
	switch cell {
	case wordSorting:
		return "bbh-gen", "word_sorting"
	case dates:
		return "bbh-mc", "date_understanding"
	}
	return "ruler", "niah_multikey_2"
}

// fixtureSamples covers two runners and three cells: a request error, a
// scorer error, fractional scores (RULER), estimated usage (lookup), a null
// prediction, streamed timings. They come in finishing order, not sorted.
func fixtureSamples() []results.Sample {
	reqErr := sample("qwen3-8b", wordSorting, 2, -1, "", 60, 0, 0, 0, 0, false)
	reqErr.Error, reqErr.ErrorKind = "POST /v1/chat/completions: context deadline exceeded", results.ErrRequest
	scorerErr := sample("qwen3-8b", dates, 1, -1, "The answer is (F) 03/12/2002", 1.05, 0.14, 0.0213, 298, 44, false)
	scorerErr.Error, scorerErr.ErrorKind = "scorer: choice F not among options A-E", results.ErrScorer
	return []results.Sample{
		sample("qwen3-8b", wordSorting, 0, 1, "apple banana cherry", 3.42, 0.21, 0.0201, 180, 161, false),
		sample("lookup", wordSorting, 0, 1, "apple banana cherry", 0.00042, 0, 0, 180, 12, true),
		sample("lookup", wordSorting, 1, 1, "dog egg fig", 0.00051, 0, 0, 210, 15, true),
		sample("lookup", wordSorting, 2, 0, " \n", 0.00038, 0, 0, 195, 0, true), // null prediction
		sample("qwen3-8b", wordSorting, 1, 0, "egg dog fig", 5.10, 0.19, 0.0205, 210, 244, false),
		reqErr,
		sample("qwen3-8b", wordSorting, 3, 1, "gum hat ink", 2.87, 0.22, 0.0199, 195, 134, false),
		sample("lookup", dates, 0, 1, "(A)", 0.00030, 0, 0, 320, 3, true),
		sample("lookup", dates, 1, 1, "(C)", 0.00031, 0, 0, 298, 3, true),
		sample("lookup", dates, 2, 1, "(B)", 0.00029, 0, 0, 305, 3, true),
		sample("qwen3-8b", dates, 0, 1, "(A)", 1.21, 0.15, 0.0210, 320, 52, false),
		scorerErr,
		sample("qwen3-8b", dates, 2, 0, "(D)", 1.50, 0.16, 0.0207, 305, 67, false),
		sample("lookup", niah, 0, 0.5, "8921, 4410", 0.0012, 0, 0, 4100, 18, true),
		sample("lookup", niah, 1, 1, "1203, 7781", 0.0009, 0, 0, 4087, 16, true),
		sample("qwen3-8b", niah, 0, 0.75, "8921, 4410, 9902", 2.31, 1.12, 0.0222, 4100, 54, false),
		sample("qwen3-8b", niah, 1, 0.5, "1203", 2.05, 1.08, 0.0231, 4087, 43, false),
		sample("qwen3-8b", niah, 2, 1, "5531, 6020", 1.98, 1.01, 0.0219, 4093, 45, false),
	}
}
