package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/engrambench/engrambench/hardware"
)

const probeUsage = `probe [--quick] [--json] [--calibrate [--rounds N] [--cc gcc]] [--row-bytes N] [--batch N]
                   [--threads 1,2,4] [--seed N] [--memory SIZE] [--skip gpu,bandwidth,latency,gather]`

// cmdProbe measures the machine: host facts, GPUs, memory bandwidth,
// latency and random row gathers; with --calibrate, the Go kernels beside
// C references compiled here with gcc.
func cmdProbe(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "probe", probeUsage)
	quick := fs.Bool("quick", false, "small buffers, under 10 s (what every suite run records)")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	calibrate := fs.Bool("calibrate", false, "run the Go kernels and C references (gcc -O3 -march=native -fopenmp) side by side and print the ratios")
	cc := fs.String("cc", "gcc", "C compiler for --calibrate")
	rounds := fs.Int("rounds", 3, "rounds for --calibrate, Go and C back to back in each; the best of each side is kept")
	rowBytes := fs.Int("row-bytes", 160, "gather row size in bytes")
	batch := fs.Int("batch", 32, "rows per two-phase gather batch")
	threads := fs.String("threads", "", "thread counts to run, e.g. 1,2,4 (default: 1 to all usable CPUs)")
	seed := fs.Uint64("seed", 1, "seed of the chase permutation and the gathered rows")
	memory := fs.String("memory", "", "most memory the probes may take, e.g. 2GiB (default: half of what is free)")
	skip := fs.String("skip", "", "probes not to run, comma-separated: gpu, bandwidth, latency, gather")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("probe takes no arguments")
	}
	opts := hardware.Options{Quick: *quick, RowBytes: *rowBytes, Batch: *batch, Seed: *seed}
	if *rowBytes < 1 || *batch < 1 {
		return usagef("--row-bytes and --batch must be at least 1")
	}
	if *threads != "" {
		for f := range strings.SplitSeq(*threads, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return usagef("--threads: %q is not a thread count", f)
			}
			opts.Threads = append(opts.Threads, n)
		}
	}
	if *memory != "" {
		n, err := hardware.ParseBytes(*memory)
		if err != nil {
			return usagef("--memory: %v", err)
		}
		opts.MemoryBytes = n
	}
	if *skip != "" {
		for f := range strings.SplitSeq(*skip, ",") {
			switch f = strings.TrimSpace(f); f {
			case "gpu", "bandwidth", "latency", "gather":
				opts.Skip = append(opts.Skip, f)
			default:
				return usagef("--skip: unknown probe %q (gpu, bandwidth, latency, gather)", f)
			}
		}
	}
	if e.isTerminal && !*asJSON {
		opts.Progress = func(format string, a ...any) { fmt.Fprintf(e.stderr, "  "+format+"\n", a...) }
	}
	host := hardware.ReadHost(ctx)
	opts.Host = &host
	if *calibrate {
		c, err := hardware.Calibrate(ctx, hardware.CalibrateOptions{CC: *cc, Rounds: *rounds, Probe: opts})
		if err != nil {
			if ctx.Err() != nil {
				return errInterrupted
			}
			return err
		}
		if *asJSON {
			return probeJSON(e, struct {
				Host        hardware.Host         `json:"host"`
				Calibration *hardware.Calibration `json:"calibration"`
			}{host, c})
		}
		hardware.WriteHost(e.stdout, host)
		fmt.Fprintln(e.stdout)
		return hardware.WriteCalibration(e.stdout, c)
	}
	p, err := hardware.RunProbe(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	if *asJSON {
		return probeJSON(e, struct {
			Host  hardware.Host   `json:"host"`
			Probe *hardware.Probe `json:"probe"`
		}{host, p})
	}
	hardware.WriteHost(e.stdout, host)
	return hardware.WriteProbe(e.stdout, p)
}

func probeJSON(e env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
