package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/engram/bench"
	"github.com/engrambench/engrambench/engram/mdtable"
	"github.com/engrambench/engrambench/engram/serve"
	"github.com/engrambench/engrambench/engram/store"
	"github.com/engrambench/engrambench/tokenize"
)

const engramUsage = `engram info CONFIG [--dtype D] [--tokenizer NAME|FILE] [--format md|json]
       engram bench [CONFIG...] [--batches 1,2,...,4096] [--threads 1,N] [--dtype D] [--slice 25ms] [--rounds 5]
                    [--max-memory SIZE] [--file DIR] [--pipeline=true] [--gate=true] [--format md|json|bench]
       engram serve CONFIG [--addr 127.0.0.1:8470] [--threads N] [--dtype D] [--file PATH] [--lazy]
                    [--load-test [--batches 1,...,1024] [--concurrency N] [--duration 1s]] [--format md|json]

CONFIG is a built-in model (demo, engram-27b, engram-40b, offload-100b) or a YAML file
(engrambench engram info --help-yaml shows the format). Common flags: --tokenizer NAME|tokenizer.json
(default: none, compression is the identity), --multipliers FILE (exact per-layer multipliers), --seed N (table values).`

// cmdEngram runs the Engram lookup engine's subcommands.
func cmdEngram(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: engrambench %s", engramUsage)
	}
	switch args[0] {
	case "info":
		return engramInfo(e, args[1:])
	case "bench":
		return engramBench(ctx, e, args[1:])
	case "serve":
		return engramServe(ctx, e, args[1:])
	case "help", "-h", "--help":
		fmt.Fprintf(e.stdout, "Usage: engrambench %s\n", engramUsage)
		return nil
	}
	return usagef("unknown engram command %q\n\nUsage: engrambench %s", args[0], engramUsage)
}

// engramModel resolves a built-in name or a YAML file.
func engramModel(arg string) (engram.Model, error) {
	if m, ok := engram.BuiltinModel(arg); ok {
		return m, nil
	}
	data, err := os.ReadFile(arg)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return engram.Model{}, usagef("%q is neither a built-in model (%s) nor a file", arg, strings.Join(engram.BuiltinModels(), ", "))
		}
		return engram.Model{}, err
	}
	m, err := engram.ParseModelYAML(arg, data)
	if err != nil {
		return engram.Model{}, usageError{err}
	}
	return m, nil
}

// engramVocabInfo describes the compression in use.
type engramVocabInfo struct {
	Tokenizer  string  `json:"tokenizer"`
	Vocab      int     `json:"vocab"`
	Compressed int     `json:"compressed_vocab"`
	Reduction  float64 `json:"reduction"`
	Note       string  `json:"note,omitempty"`
}

// engramVocab builds the compression: none (identity over the model's
// vocabulary), an offline BPE tokenizer by name, or a tokenizer.json.
func engramVocab(tok string, m engram.Model) (*engram.Compression, engramVocabInfo, error) {
	var c *engram.Compression
	info := engramVocabInfo{Tokenizer: tok}
	switch {
	case tok == "":
		c = engram.IdentityCompression(m.Vocab)
		info.Tokenizer = "none"
		info.Note = fmt.Sprintf("no tokenizer: compression is the identity over |V| = %d", m.Vocab)
	case strings.HasSuffix(tok, ".json"):
		v, err := engram.ReadTokenizerJSON(tok)
		if err != nil {
			return nil, info, err
		}
		c = engram.NewCompression(v)
		info.Note = fmt.Sprintf("%s, %s pieces, %d added tokens", v.ModelType, v.Decoding, v.Added)
		if v.Missing > 0 {
			info.Note += fmt.Sprintf(", %d ids unnamed", v.Missing)
		}
	default:
		t, err := tokenize.Get(tok)
		if err != nil {
			return nil, info, usagef("--tokenizer: %v (offline: %s; or a tokenizer.json)", err, strings.Join(tokenize.Names(), ", "))
		}
		c = engram.NewCompression(t)
	}
	info.Vocab, info.Compressed, info.Reduction = c.VocabSize(), c.Size(), c.Reduction()
	return c, info, nil
}

// engramStoreFlags are the flags every command that opens tables shares.
type engramStoreFlags struct {
	dtype, tokenizer, multipliers string
	seed                          uint64
}

func (f *engramStoreFlags) register(fs interface {
	StringVar(*string, string, string, string)
	Uint64Var(*uint64, string, uint64, string)
}) {
	fs.StringVar(&f.dtype, "dtype", "", "element type: bf16, fp16 or fp32 (default: the model's)")
	fs.StringVar(&f.tokenizer, "tokenizer", "", "offline tokenizer name or a Hugging Face tokenizer.json for the compression")
	fs.StringVar(&f.multipliers, "multipliers", "", "JSON file of exact per-layer multipliers ({\"layers\": {\"1\": [m0, m1, m2]}})")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the tables' values")
}

func (f *engramStoreFlags) dtypeOf(m engram.Model) (engram.DType, error) {
	if f.dtype == "" {
		return m.DType, nil
	}
	d, err := engram.ParseDType(f.dtype)
	if err != nil {
		return 0, usagef("--dtype: %v", err)
	}
	return d, nil
}

func (f *engramStoreFlags) multipliersMap() (map[int][]int64, error) {
	if f.multipliers == "" {
		return nil, nil
	}
	r, err := os.Open(f.multipliers)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	m, err := engram.ReadMultipliers(r)
	if err != nil {
		return nil, usagef("%s: %v", f.multipliers, err)
	}
	return m, nil
}

// engramInts parses "1,2,4" or "1..4096" (powers of two).
func engramInts(s string) ([]int, error) {
	if lo, hi, ok := strings.Cut(s, ".."); ok {
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b < a {
			return nil, fmt.Errorf("%q is not a range like 1..4096", s)
		}
		var out []int
		for v := a; v <= b; v *= 2 {
			out = append(out, v)
		}
		return out, nil
	}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// engramSize parses a byte size such as 8GiB, 512MiB, 2e9 or 4096.
func engramSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"B", 1}} {
		if v, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(v), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v < 0 || v*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a size like 8GiB", s)
	}
	return int64(v * mult), nil
}

func engramJSON(e env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func engramFormat(f string, allowed ...string) error {
	for _, a := range allowed {
		if f == a {
			return nil
		}
	}
	return usagef("--format %q: want %s", f, strings.Join(allowed, ", "))
}

// info

type engramInfoHead struct {
	Order  int   `json:"order"`
	Head   int   `json:"head"`
	Prime  int64 `json:"table_size"`
	Offset int64 `json:"row_offset"`    // within the layer's table
	Global int64 `json:"global_offset"` // within all layers back to back
}

type engramInfoLayer struct {
	LayerID int              `json:"layer_id"`
	Rows    int64            `json:"rows"`
	Base    int64            `json:"global_base"`
	Heads   []engramInfoHead `json:"heads"`
}

type engramInfoOut struct {
	Model         string            `json:"model"`
	DType         string            `json:"dtype"`
	MaxOrder      int               `json:"max_order"`
	Heads         int               `json:"heads"`
	DMem          int               `json:"d_mem"`
	HeadWidth     int               `json:"head_width"`
	Layers        []engramInfoLayer `json:"layers"`
	Rows          int64             `json:"rows"`
	Params        int64             `json:"params"`
	Bytes         map[string]int64  `json:"bytes"` // per dtype
	RowsPerToken  int               `json:"rows_per_token"`
	BytesPerToken map[string]int64  `json:"bytes_per_token"` // per dtype
	Vocabulary    engramVocabInfo   `json:"vocabulary"`
	Notes         []string          `json:"notes,omitempty"`
}

func engramInfo(e env, args []string) error {
	fs := newFlagSet(e, "engram info", "engram info CONFIG [--dtype D] [--tokenizer NAME|FILE] [--format md|json]")
	var sf engramStoreFlags
	sf.register(fs)
	format := fs.String("format", "md", "md or json")
	helpYAML := fs.Bool("help-yaml", false, "print the custom model file format and the multipliers file format")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *helpYAML {
		fmt.Fprintf(e.stdout, "%s\n\n%s\n", engram.ModelYAMLHelp, engram.MultipliersFileHelp)
		return nil
	}
	if len(pos) != 1 {
		return usagef("engram info takes one CONFIG (%s, or a YAML file)", strings.Join(engram.BuiltinModels(), ", "))
	}
	if err := engramFormat(*format, "md", "json"); err != nil {
		return err
	}
	m, err := engramModel(pos[0])
	if err != nil {
		return err
	}
	d, err := sf.dtypeOf(m)
	if err != nil {
		return err
	}
	l, err := m.Layout()
	if err != nil {
		return err
	}
	_, vi, err := engramVocab(sf.tokenizer, m)
	if err != nil {
		return err
	}
	out := engramInfoOut{
		Model: m.Name, DType: d.String(), MaxOrder: m.MaxOrder, Heads: m.Heads, DMem: m.DMem, HeadWidth: m.HeadWidth(),
		Rows: l.Rows, Params: l.Params(), Bytes: map[string]int64{}, RowsPerToken: m.RowsPerToken(),
		BytesPerToken: map[string]int64{}, Vocabulary: vi, Notes: m.Notes,
	}
	for _, dt := range engram.DTypes {
		out.Bytes[dt.String()] = l.Bytes(dt)
		out.BytesPerToken[dt.String()] = m.BytesPerToken(dt)
	}
	for i, id := range m.LayerIDs {
		il := engramInfoLayer{LayerID: id, Rows: l.LayerRows[i], Base: l.LayerBase[i]}
		var off int64
		for o, heads := range l.Primes[i] {
			for k, p := range heads {
				il.Heads = append(il.Heads, engramInfoHead{Order: o + 2, Head: k, Prime: p, Offset: off, Global: l.LayerBase[i] + off})
				off += p
			}
		}
		out.Layers = append(out.Layers, il)
	}
	if *format == "json" {
		return engramJSON(e, out)
	}
	w := e.stdout
	fmt.Fprintf(w, "# Engram model %s (%s)\n\n", out.Model, out.DType)
	fmt.Fprintf(w, "Orders 2..%d, %d heads per order, d_mem %d (%d per head), Engram layers %v of %d.\n\n", m.MaxOrder, m.Heads, m.DMem, m.HeadWidth(), m.LayerIDs, m.ModelLayers)
	var rows [][]string
	for _, il := range out.Layers {
		for _, h := range il.Heads {
			rows = append(rows, []string{strconv.Itoa(il.LayerID), strconv.Itoa(h.Order), strconv.Itoa(h.Head), strconv.FormatInt(h.Prime, 10), strconv.FormatInt(h.Offset, 10), strconv.FormatInt(h.Global, 10)})
		}
	}
	if err := mdtable.Table(w, []string{"layer", "order", "head", "table size (prime)", "row offset in layer", "row offset overall"}, rows); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tot := [][]string{
		{"rows", strconv.FormatInt(out.Rows, 10)},
		{"parameters", fmt.Sprintf("%d (%s)", out.Params, mdtable.SI(float64(out.Params), ""))},
	}
	for _, dt := range engram.DTypes {
		tot = append(tot, []string{"bytes in " + dt.String(), fmt.Sprintf("%d (%s)", out.Bytes[dt.String()], mdtable.Bytes(float64(out.Bytes[dt.String()])))})
	}
	tot = append(tot, []string{"rows per token", strconv.Itoa(out.RowsPerToken)})
	for _, dt := range engram.DTypes {
		tot = append(tot, []string{"bytes per token in " + dt.String(), strconv.FormatInt(out.BytesPerToken[dt.String()], 10)})
	}
	tot = append(tot, []string{"tokenizer", mdtable.Text(vi.Tokenizer)},
		[]string{mdtable.Text("|V| → |V'|"), fmt.Sprintf("%d → %d (%.2f%% fewer)", vi.Vocab, vi.Compressed, 100*vi.Reduction)})
	if err := mdtable.Table(w, []string{"total", "value"}, tot); err != nil {
		return err
	}
	if vi.Note != "" || len(out.Notes) > 0 {
		fmt.Fprintln(w)
		if vi.Note != "" {
			fmt.Fprintln(w, "- "+vi.Note)
		}
		for _, n := range out.Notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
	return nil
}

// bench

type engramBenchOut struct {
	Model     string          `json:"model"`
	Scaled    string          `json:"scaled_from,omitempty"`
	DType     string          `json:"dtype"`
	Table     int64           `json:"table_bytes"`
	HugeBytes int64           `json:"huge_page_bytes"`
	File      string          `json:"file,omitempty"`
	Probe     string          `json:"probe"`
	Points    []bench.Point   `json:"points"`
	Verdicts  []bench.Verdict `json:"verdicts"`
	Overlap   []bench.Overlap `json:"overlap,omitempty"`
	Gate      *bench.GateCost `json:"gate,omitempty"`
	Notes     []string        `json:"notes,omitempty"`
}

func engramBench(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "engram bench", "engram bench [CONFIG...] [flags]")
	var sf engramStoreFlags
	sf.register(fs)
	batchesF := fs.String("batches", "1..4096", "tokens per lookup: a list (1,16,256) or a range of powers of two (1..4096)")
	threadsF := fs.String("threads", "", "thread counts (default: 1 and all)")
	slice := fs.Duration("slice", 25*time.Millisecond, "one timed slice of engine or probe")
	rounds := fs.Int("rounds", 5, "interleaved engine/probe rounds per point (medians are reported)")
	maxMem := fs.String("max-memory", "", "largest table held in memory (default: half of what is available); larger ones are scaled down, or file-mapped with --file")
	fileDir := fs.String("file", "", "directory for file-mapped tables too large for memory")
	pipeline := fs.Bool("pipeline", true, "measure the prefetch pipeline's overlap with a simulated compute step")
	gateF := fs.Bool("gate", true, "measure the gate and value projection's compute beside the lookup")
	format := fs.String("format", "md", "md, json or bench (Go benchmark format, for benchstat)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := engramFormat(*format, "md", "json", "bench"); err != nil {
		return err
	}
	if len(pos) == 0 {
		pos = engram.BuiltinModels()
	}
	batches, err := engramInts(*batchesF)
	if err != nil {
		return usagef("--batches: %v", err)
	}
	var threads []int
	if *threadsF != "" {
		if threads, err = engramInts(*threadsF); err != nil {
			return usagef("--threads: %v", err)
		}
	}
	budget := int64(0)
	if *maxMem != "" {
		if budget, err = engramSize(*maxMem); err != nil {
			return usagef("--max-memory: %v", err)
		}
	} else if avail, err := store.MemAvailable(); err == nil {
		budget = int64(avail / 2)
	}
	mults, err := sf.multipliersMap()
	if err != nil {
		return err
	}
	var outs []engramBenchOut
	for _, name := range pos {
		m, err := engramModel(name)
		if err != nil {
			return err
		}
		d, err := sf.dtypeOf(m)
		if err != nil {
			return err
		}
		m.DType = d
		o, err := engramBenchOne(ctx, e, m, sf, mults, budget, *fileDir, batches, threads, *slice, *rounds, *pipeline, *gateF)
		if err != nil {
			if ctx.Err() != nil {
				return errInterrupted
			}
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		outs = append(outs, o)
		if *format == "md" {
			engramBenchMarkdown(e, o)
		}
	}
	switch *format {
	case "json":
		return engramJSON(e, outs)
	case "bench":
		fmt.Fprintf(e.stdout, "goos: %s\ngoarch: %s\npkg: github.com/engrambench/engrambench/engram\ncpus: %d\n", runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
		for _, o := range outs {
			fmt.Fprintf(e.stdout, "probe: %s\n", o.Probe)
			bench.WriteBenchFormat(e.stdout, o.Points)
		}
	}
	return nil
}

func engramBenchOne(ctx context.Context, e env, m engram.Model, sf engramStoreFlags, mults map[int][]int64, budget int64, fileDir string,
	batches, threads []int, slice time.Duration, rounds int, pipeline, gateCost bool) (engramBenchOut, error) {
	o := engramBenchOut{Model: m.Name, DType: m.DType.String(), Probe: bench.Reference.Name()}
	l, err := m.Layout()
	if err != nil {
		return o, err
	}
	opt := store.Options{TableOptions: store.TableOptions{Seed: sf.seed}, Multipliers: mults}
	if size := l.Bytes(m.DType); budget > 0 && size > budget {
		if fileDir != "" {
			opt.File = filepath.Join(fileDir, m.Name+"."+m.DType.String()+".engram")
			o.File = opt.File
			o.Notes = append(o.Notes, fmt.Sprintf("tables (%s) exceed the memory budget (%s): mapped from %s; rows come from the page cache or disk", mdtable.Bytes(float64(size)), mdtable.Bytes(float64(budget)), opt.File))
		} else {
			o.Scaled = m.Name
			m = m.Scaled(0.95 * float64(budget) / float64(size))
			if l, err = m.Layout(); err != nil {
				return o, err
			}
			o.Model = m.Name
			o.Notes = append(o.Notes, fmt.Sprintf("tables (%s) exceed the memory budget (%s): scaled down to %s, same rows per token and row width (use --file DIR to map the full size from disk)",
				mdtable.Bytes(float64(size)), mdtable.Bytes(float64(budget)), mdtable.Bytes(float64(l.Bytes(m.DType)))))
		}
	}
	comp, _, err := engramVocab(sf.tokenizer, m)
	if err != nil {
		return o, err
	}
	if e.isTerminal {
		fmt.Fprintf(e.stderr, "engram bench: %s: initialising %s of tables...\n", m.Name, mdtable.Bytes(float64(l.Bytes(m.DType))))
	}
	s, err := store.Open(l, comp, opt)
	if err != nil {
		return o, err
	}
	defer s.Close()
	o.Table = l.Bytes(m.DType)
	o.HugeBytes = s.Table().HugePageBytes()
	if e.isTerminal {
		fmt.Fprintf(e.stderr, "engram bench: %s: measuring...\n", m.Name)
	}
	o.Points, err = bench.Run(ctx, s, bench.Options{Batches: batches, Threads: threads, Slice: slice, Rounds: rounds})
	if err != nil {
		return o, err
	}
	o.Verdicts = bench.Verdicts(o.Points)
	if pipeline {
		for _, spin := range []bool{false, true} {
			// A compute that spins on a host core leaves the gather the others.
			threads := runtime.GOMAXPROCS(0)
			if spin {
				threads = max(1, threads-1)
			}
			// The median of three runs: one run is easily upset on a busy machine.
			var runs []bench.Overlap
			for range 3 {
				ov, err := bench.MeasureOverlap(ctx, s, bench.OverlapOptions{Batch: 256, Spin: spin, Steps: 200, Threads: threads})
				if err != nil {
					return o, err
				}
				runs = append(runs, ov)
			}
			slices.SortFunc(runs, func(a, b bench.Overlap) int { return cmp.Compare(a.Hidden, b.Hidden) })
			o.Overlap = append(o.Overlap, runs[1])
		}
	}
	if gateCost && m.Hidden > 0 {
		g, err := bench.MeasureGate(m, 64, 0, 3)
		if err != nil {
			return o, err
		}
		o.Gate = &g
	}
	o.Notes = append(o.Notes, m.Notes...)
	return o, nil
}

func engramBenchMarkdown(e env, o engramBenchOut) {
	w := e.stdout
	fmt.Fprintf(w, "# engram bench: %s (%s)\n\n", o.Model, o.DType)
	huge := "unknown"
	if o.HugeBytes >= 0 && o.Table > 0 {
		huge = fmt.Sprintf("%.0f%% in huge pages", 100*float64(o.HugeBytes)/float64(o.Table))
	}
	where := "anonymous memory, " + huge
	if o.File != "" {
		where = "mapped from " + o.File
	}
	fmt.Fprintf(w, "Tables: %s (%s). Reference: %s, interleaved with the engine in the same process on the same table; medians of the rounds. Lookups are decode steps: batch sequences, one new token each, token ids uniform.\n\n", mdtable.Bytes(float64(o.Table)), where, o.Probe)
	bench.WriteMarkdown(w, o.Points)
	fmt.Fprintln(w)
	bench.WriteVerdicts(w, o.Verdicts)
	if len(o.Overlap) > 0 {
		fmt.Fprintln(w, "\nPrefetch pipeline (rows of step t+1 gathered during step t's compute; compute = 1.25 x the lookup; the median of three runs):")
		fmt.Fprintln(w)
		bench.WriteOverlap(w, o.Overlap)
	}
	if o.Gate != nil {
		fmt.Fprintln(w)
		per := 0.0
		for _, p := range o.Points {
			if p.Batch == bench.TargetBatch && (per == 0 || p.SecPerTokLayer < per) {
				per = p.SecPerTokLayer
			}
		}
		bench.WriteGate(w, *o.Gate, per)
	}
	if len(o.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range o.Notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
	fmt.Fprintln(w)
}

// serve

func engramServe(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "engram serve", "engram serve CONFIG [flags]")
	var sf engramStoreFlags
	sf.register(fs)
	addr := fs.String("addr", "127.0.0.1:8470", "loopback address to listen on")
	threadsF := fs.Int("threads", 0, "cores one request's gather may use (default: all)")
	file := fs.String("file", "", "back the tables with this file (for tables larger than memory)")
	lazy := fs.Bool("lazy", false, "write table chunks on first use instead of up front")
	load := fs.Bool("load-test", false, "serve on a free loopback port, run a load test against it, print latencies and exit")
	batchesF := fs.String("batches", "1..1024", "load test: sequences per request")
	conc := fs.Int("concurrency", 1, "load test: requests in flight")
	dur := fs.Duration("duration", time.Second, "load test: time per batch size")
	format := fs.String("format", "md", "load test output: md or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("engram serve takes one CONFIG")
	}
	if err := engramFormat(*format, "md", "json"); err != nil {
		return err
	}
	batches, err := engramInts(*batchesF)
	if err != nil {
		return usagef("--batches: %v", err)
	}
	m, err := engramModel(pos[0])
	if err != nil {
		return err
	}
	if m.DType, err = sf.dtypeOf(m); err != nil {
		return err
	}
	l, err := m.Layout()
	if err != nil {
		return err
	}
	comp, _, err := engramVocab(sf.tokenizer, m)
	if err != nil {
		return err
	}
	mults, err := sf.multipliersMap()
	if err != nil {
		return err
	}
	init := store.Fill
	if *lazy {
		init = store.Lazy
	}
	listenAddr := *addr
	if *load {
		listenAddr = "127.0.0.1:0"
	}
	ln, err := serve.ListenLoopback(listenAddr)
	if err != nil {
		return usageError{err}
	}
	defer ln.Close()
	s, err := store.Open(l, comp, store.Options{TableOptions: store.TableOptions{File: *file, Init: init, Seed: sf.seed}, Multipliers: mults})
	if err != nil {
		return err
	}
	defer s.Close()
	srv := &http.Server{Handler: serve.New(s, *threadsF, serve.Limits{}).Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	if !*load {
		fmt.Fprintf(e.stderr, "engram serve: %s (%s, %s of tables) on %s: POST /v1/rows, POST /v1/rows.json, GET /v1/info\n", m.Name, m.DType, mdtable.Bytes(float64(l.Bytes(m.DType))), url)
		select {
		case <-ctx.Done():
		case err := <-errc:
			return err
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		return errInterrupted
	}
	pts, err := serve.LoadTest(ctx, serve.LoadOptions{URL: url, Batches: batches, Concurrency: *conc, Duration: *dur, Vocab: comp.VocabSize(), Context: m.MaxOrder - 1})
	srv.Close()
	if err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	if *format == "json" {
		return engramJSON(e, struct {
			Model  string            `json:"model"`
			DType  string            `json:"dtype"`
			Points []serve.LoadPoint `json:"points"`
		}{m.Name, m.DType.String(), pts})
	}
	fmt.Fprintf(e.stdout, "# engram serve load test: %s (%s), loopback, %d in flight, %s per batch size\n\n", m.Name, m.DType, *conc, *dur)
	var rows [][]string
	for _, p := range pts {
		rows = append(rows, []string{strconv.Itoa(p.Batch), strconv.Itoa(p.Requests), strconv.Itoa(p.Errors),
			mdtable.Seconds(p.P50), mdtable.Seconds(p.P90), mdtable.Seconds(p.P99), mdtable.SI(p.PerSecond, "req/s"),
			mdtable.SI(p.RowsPerSec, "rows/s"), mdtable.SI(p.BytesPerSec, "B/s")})
	}
	return mdtable.Table(e.stdout, []string{"batch (sequences)", "requests", "errors", "p50", "p90", "p99", "rate", "rows", "response bytes"}, rows)
}
