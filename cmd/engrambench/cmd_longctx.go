package main

import (
	"strings"

	"github.com/engrambench/engrambench/tasks/longctx"
)

// longctxArgs accepts the long-context spelling of the tasks commands,
// "tasks show longctx/TASK --len N" and "tasks check longctx", by
// rewriting it into the generic one: the set is named "ruler", and a
// length is its "lengths" parameter ("--len 8192" becomes
// "lengths=8192"). Other arguments pass through unchanged.
func longctxArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "longctx":
			a = longctx.RulerName
		case strings.HasPrefix(a, "longctx/"):
			a = longctx.RulerName + "/" + strings.TrimPrefix(a, "longctx/")
		case (a == "--len" || a == "-len") && i+1 < len(args):
			i++
			a = "lengths=" + args[i]
		case strings.HasPrefix(a, "--len=") || strings.HasPrefix(a, "-len="):
			_, v, _ := strings.Cut(a, "=")
			a = "lengths=" + v
		}
		out = append(out, a)
	}
	return out
}
