package main

import (
	"flag"
	"strings"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks/coding"
)

// Glue for the coding task sets (tasks/coding): the names people type for
// them, and the one flag only they take.

// codingSetNames are the sets codingArgs accepts after "coding/".
var codingSetNames = []string{
	coding.HumanEvalName, coding.MBPPName, coding.MultiPLEGoName, coding.CodePyName,
	coding.CodeGoName, coding.CodeRepoName, coding.CodeSessionName, coding.CodeLongName,
}

// codingArgs lets a coding set be named coding/NAME in the tasks commands
// ("coding/humaneval", "coding/code-go/easy"): it rewrites such arguments
// to the set's own name and leaves everything else alone.
func codingArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if rest, ok := strings.CutPrefix(a, "coding/"); ok {
			name, _, _ := strings.Cut(rest, "/")
			for _, n := range codingSetNames {
				if name == n {
					a = rest
					break
				}
			}
		}
		out[i] = a
	}
	return out
}

// unsafeNoSandboxFlag declares --unsafe-no-sandbox on fs.
func unsafeNoSandboxFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("unsafe-no-sandbox", false,
		"coding sets: run candidates WITHOUT isolation when no sandbox works on this machine (never on a machine that matters)")
}

// applyUnsafeNoSandbox sets the unsafe_no_sandbox parameter of a set that
// has it when the flag was given.
func applyUnsafeNoSandbox(specs []params.Spec, p params.Values, unsafe bool) {
	if _, ok := params.Find(specs, "unsafe_no_sandbox"); ok && unsafe {
		p["unsafe_no_sandbox"] = true
	}
}
