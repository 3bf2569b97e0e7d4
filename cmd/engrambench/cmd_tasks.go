package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/datasets"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tasks"
)

func cmdTasks(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("tasks takes a subcommand: check [SET] or show SET/TASK --index N")
	}
	switch args[0] {
	case "check":
		return cmdTasksCheck(ctx, e, args[1:])
	case "show":
		return cmdTasksShow(ctx, e, args[1:])
	}
	return usagef("unknown tasks subcommand %q (check, show)", args[0])
}

func cmdTasksCheck(ctx context.Context, e env, args []string) error {
	args = codingArgs(longctxArgs(args))
	fs := newFlagSet(e, "tasks check", "tasks check [SET] [--limit N] [--data-dir DIR] [--unsafe-no-sandbox]")
	limit := fs.Int("limit", 0, "instances per cell to check (0: all)")
	dataDir := fs.String("data-dir", "", "official data for the sets that load it (their data_dir parameter)")
	unsafe := unsafeNoSandboxFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	cat := catalog.Default()
	sets := cat.Sets
	if len(pos) > 1 {
		return usagef("tasks check takes at most one set")
	}
	if len(pos) == 1 {
		s, ok := cat.Set(pos[0])
		if !ok {
			return usagef("unknown task set %q (known: %s)", pos[0], strings.Join(cat.SetNames(), ", "))
		}
		sets = []tasks.TaskSet{s}
	}
	failed := 0
	for _, s := range sets {
		specs := tasks.AllParams(s)
		p := params.Defaults(specs)
		if _, ok := params.Find(specs, "data_dir"); ok && *dataDir != "" {
			p["data_dir"] = *dataDir
		}
		applyUnsafeNoSandbox(specs, p, *unsafe)
		if _, ok := params.Find(specs, "n"); ok && *limit > 0 && p.Int("n") > *limit {
			p["n"] = *limit
		}
		res, err := tasks.Check(ctx, s, p, *limit)
		if errors.Is(err, datasets.ErrMissing) && len(pos) == 0 {
			// Checking everything: a set whose data is not here is skipped;
			// naming the set makes it an error.
			fmt.Fprintf(e.stdout, "skip %s: %v\n", s.Name(), err)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name(), err)
		}
		for _, r := range res {
			status := "ok  "
			if !r.OK() {
				status = "FAIL"
				failed++
			}
			fmt.Fprintf(e.stdout, "%s %s: %s (%d checked)\n", status, s.Name(), r.Name, r.Checked)
			for _, f := range r.Failures {
				fmt.Fprintf(e.stdout, "       %s\n", f)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d check(s) failed", failed)
	}
	return nil
}

func cmdTasksShow(ctx context.Context, e env, args []string) error {
	args = codingArgs(longctxArgs(args))
	fs := newFlagSet(e, "tasks show", "tasks show SET/TASK [--index N] [key=value]...")
	index := fs.Int("index", 0, "which instance of the task (0-based)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("tasks show takes SET/TASK")
	}
	setName, task, _ := strings.Cut(pos[0], "/")
	cat := catalog.Default()
	set, ok := cat.Set(setName)
	if !ok {
		return usagef("unknown task set %q (known: %s)", setName, strings.Join(cat.SetNames(), ", "))
	}
	specs := tasks.AllParams(set)
	p := params.Defaults(specs)
	for _, kv := range pos[1:] {
		k, v, ok := strings.Cut(kv, "=")
		spec, found := params.Find(specs, k)
		if !ok || !found {
			return usagef("%q: want key=value with a parameter of %s (%s)", kv, setName, strings.Join(params.Names(specs), ", "))
		}
		x, err := spec.ParseString(v)
		if err != nil {
			return usageError{err}
		}
		p[k] = x
	}
	if task != "" {
		if spec, ok := params.Find(specs, "tasks"); ok {
			x, err := spec.ParseString(task)
			if err != nil {
				return usageError{err}
			}
			p["tasks"] = x
		}
	}
	if *index < 0 {
		return usagef("--index must be 0 or more")
	}
	if p.Has("n") && p.Int("n") <= *index {
		p["n"] = *index + 1
	}
	i := 0
	for in, err := range set.Instances(ctx, p) {
		if err != nil {
			return err
		}
		if task != "" && in.Task != task {
			continue
		}
		if i < *index {
			i++
			continue
		}
		printInstance(e, in)
		return nil
	}
	return fmt.Errorf("%s has no instance %d", pos[0], *index)
}

func printInstance(e env, in tasks.Instance) {
	w := e.stdout
	fmt.Fprintf(w, "id:        %s\ncell:      %s\nseed:      %d\nmax tokens: %d\n", in.ID, in.Cell(), in.Seed, in.Request.MaxTokens)
	if len(in.Request.Stop) > 0 {
		fmt.Fprintf(w, "stop:      %q\n", in.Request.Stop)
	}
	if in.Request.IsChat() {
		for _, m := range in.Request.Messages {
			fmt.Fprintf(w, "\n--- %s ---\n%s\n", m.Role, m.Content)
		}
	} else {
		fmt.Fprintf(w, "\n--- prompt ---\n%s\n", in.Request.Prompt)
	}
	fmt.Fprintf(w, "\n--- reference answers ---\n%s\n", strings.Join(in.Reference.Answers, "\n"))
	fmt.Fprintf(w, "\n--- reference completion ---\n%s\n", in.Reference.Completion)
}
