// Package catalog is the one page that lists every runner kind and task set
// this build knows. Suites may name only what is here; adding a runner or a
// task set means adding one line below.
package catalog

import (
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/runners/anthropic"
	"github.com/engrambench/engrambench/runners/local"
	"github.com/engrambench/engrambench/runners/lookup"
	"github.com/engrambench/engrambench/runners/openai"
	"github.com/engrambench/engrambench/runners/random"
	"github.com/engrambench/engrambench/runners/replay"
	"github.com/engrambench/engrambench/runners/simulated"
	"github.com/engrambench/engrambench/suites"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tasks/bbh"
	"github.com/engrambench/engrambench/tasks/coding"
	"github.com/engrambench/engrambench/tasks/longctx"
)

// Default returns the catalog of this build.
func Default() suites.Catalog {
	return suites.Catalog{
		Runners: []runners.Kind{
			lookup.Kind,    // offline: longest-context lookup on Engram hashing
			random.Kind,    // offline: uniform over the declared answer space
			replay.Kind,    // answers recorded in an earlier run, for re-scoring
			openai.Kind,    // any OpenAI-compatible server: vLLM, SGLang, llama.cpp, Ollama, TGI, DeepSeek, OpenAI
			anthropic.Kind, // Anthropic's Messages API, streamed
			local.Kind,     // an engine started from a command and watched, driven as openai
			simulated.Kind, // a server simulated on loopback, for measuring the harness
		},
		Sets: []tasks.TaskSet{
			bbh.NewOfficial(),       // BBH: the 27 official tasks (data: engrambench datasets pull bbh)
			bbh.NewGenerated(),      // BBH variants generated with exact solvers
			longctx.NewRuler(),      // RULER's 13 tasks at tokenizer-fitted lengths
			longctx.NewLongPPL(),    // document perplexity from prompt log-probabilities
			coding.NewHumanEval(),   // HumanEval's 164 problems, run in the sandbox (data: engrambench datasets pull humaneval)
			coding.NewMBPP(),        // MBPP from a JSONL file (data_dir)
			coding.NewMultiPLEGo(),  // MultiPL-E's Go problems from a JSONL file (data_dir)
			coding.NewCodePy(),      // our function-level Python problems, easy to hard
			coding.NewCodeGo(),      // the same problems in Go
			coding.NewCodeRepo(),    // multi-file repository tasks
			coding.NewCodeSession(), // multi-turn sessions on the model's own code
			coding.NewCodeLong(),    // 300+ line modules, partial credit
		},
	}
}
