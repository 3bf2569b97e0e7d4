package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/engrambench/engrambench/datasets"
)

const datasetsUsage = "datasets list | datasets pull NAME [--dir DIR] [--base-url URL] | datasets verify NAME [--dir DIR]"

// cmdDatasets lists, downloads and checks the pinned public data sets.
func cmdDatasets(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("datasets takes a subcommand: %s", datasetsUsage)
	}
	switch args[0] {
	case "list":
		return cmdDatasetsList(e, args[1:])
	case "pull":
		return cmdDatasetsPull(ctx, e, args[1:])
	case "verify":
		return cmdDatasetsVerify(e, args[1:])
	}
	return usagef("unknown datasets subcommand %q (list, pull, verify)", args[0])
}

func cmdDatasetsList(e env, args []string) error {
	fs := newFlagSet(e, "datasets list", "datasets list")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("datasets list takes no arguments")
	}
	for _, p := range datasets.Registry() {
		state := "not pulled"
		dir, err := datasets.Dir(p.Name)
		switch {
		case err != nil:
			state = err.Error()
		default:
			switch errs := datasets.Verify(p, dir); {
			case len(errs) == 0:
				state = "verified"
			case len(errs) < len(p.Files):
				state = fmt.Sprintf("incomplete (%d of %d files bad)", len(errs), len(p.Files))
			}
		}
		fmt.Fprintf(e.stdout, "%-10s github.com/%s@%s  %d files, %s licence\n", p.Name, p.Repo, p.Commit[:12], len(p.Files), p.Licence)
		fmt.Fprintf(e.stdout, "%-10s %s: %s\n", "", dir, state)
	}
	return nil
}

func datasetArg(cmd string, pos []string) (datasets.Pinned, error) {
	if len(pos) != 1 {
		return datasets.Pinned{}, usagef("datasets %s takes one data set name (%s)", cmd, strings.Join(datasets.Names(), ", "))
	}
	p, ok := datasets.Lookup(pos[0])
	if !ok {
		return datasets.Pinned{}, usagef("unknown data set %q (known: %s)", pos[0], strings.Join(datasets.Names(), ", "))
	}
	return p, nil
}

func cmdDatasetsPull(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "datasets pull", "datasets pull NAME [--dir DIR] [--base-url URL]")
	dir := fs.String("dir", "", "where to put the files (default: the user cache, $"+datasets.DataDirEnv+"/NAME)")
	base := fs.String("base-url", datasets.DefaultBaseURL, "raw-file server, addressed as BASE/OWNER/REPO/COMMIT/PATH")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	p, err := datasetArg("pull", pos)
	if err != nil {
		return err
	}
	dest := *dir
	if dest == "" {
		if dest, err = datasets.Dir(p.Name); err != nil {
			return err
		}
	}
	fetched, kept := 0, 0
	opts := datasets.PullOptions{BaseURL: *base, Progress: func(f datasets.File, got bool) {
		if got {
			fetched++
			fmt.Fprintf(e.stderr, "fetched %s\n", f.Path)
		} else {
			kept++
		}
	}}
	fmt.Fprintf(e.stderr, "pulling %s (github.com/%s@%s, %s licence) into %s\n", p.Name, p.Repo, p.Commit, p.Licence, dest)
	if err := datasets.Pull(ctx, p, dest, opts); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %v", errInterrupted, err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d files verified in %s (%d fetched, %d already there)\n", p.Name, len(p.Files), dest, fetched, kept)
	return nil
}

func cmdDatasetsVerify(e env, args []string) error {
	fs := newFlagSet(e, "datasets verify", "datasets verify NAME [--dir DIR]")
	dir := fs.String("dir", "", "the copy to check (default: the user cache)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	p, err := datasetArg("verify", pos)
	if err != nil {
		return err
	}
	d := *dir
	if d == "" {
		if d, err = datasets.Dir(p.Name); err != nil {
			return err
		}
	}
	errs := datasets.Verify(p, d)
	for _, err := range errs {
		fmt.Fprintf(e.stdout, "FAIL %v\n", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s at %s: %d of %d files missing or wrong; run `engrambench datasets pull %s`", p.Name, d, len(errs), len(p.Files), p.Name)
	}
	fmt.Fprintf(e.stdout, "%s: %d files verified in %s\n", p.Name, len(p.Files), d)
	return nil
}
