package main

import (
	"fmt"
	"strings"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/suites"
	"github.com/engrambench/engrambench/tasks"
)

func cmdList(e env, args []string) error {
	fs := newFlagSet(e, "list", "list")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("list takes no arguments")
	}
	cat := catalog.Default()
	w := e.stdout
	fmt.Fprintln(w, "Suites (built in; or name a YAML file):")
	for _, name := range suites.BuiltinNames() {
		data, _ := suites.Builtin(name)
		s, err := suites.Load("builtin:"+name, data, cat)
		desc := ""
		if err != nil {
			desc = "INVALID: " + err.Error()
		} else {
			desc = s.Description
		}
		mark := ""
		if name == suites.DefaultSuite {
			mark = " (default)"
		}
		fmt.Fprintf(w, "  %-10s %s%s\n", name, desc, mark)
	}
	fmt.Fprintln(w, "\nRunner kinds (--runner NAME=KIND,key=value,...):")
	for _, k := range cat.Runners {
		fmt.Fprintf(w, "  %-10s %s\n", k.Name, k.Help)
		printParams(w, k.Params)
	}
	fmt.Fprintln(w, "\n  Every runner kind also takes:")
	printParams(w, runners.Common)
	fmt.Fprintln(w, "\nTask sets:")
	for _, s := range cat.Sets {
		fmt.Fprintf(w, "  %-10s %s\n", s.Name(), s.Help())
		printParams(w, s.Params())
	}
	fmt.Fprintln(w, "\n  Every task set also takes:")
	printParams(w, tasks.Common)
	return nil
}

func printParams(w interface{ Write([]byte) (int, error) }, specs []params.Spec) {
	for _, p := range specs {
		def := ""
		if p.Default != nil {
			def = fmt.Sprintf(" (default %v)", p.Default)
		}
		choices := ""
		if len(p.Choices) > 0 {
			choices = " [" + strings.Join(p.Choices, "|") + "]"
		}
		fmt.Fprintf(w, "      %-14s %s: %s%s%s\n", p.Name, p.Kind, p.Help, choices, def)
	}
}
