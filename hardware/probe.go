package hardware

import (
	"context"
	"fmt"
	"math/bits"
	"time"
)

// Options shape a probe run. The zero value is the full probe with
// defaults; Quick is the one every suite run records.
type Options struct {
	// Quick runs small buffers and few sizes in under 10 s; the full probe
	// takes under 2 minutes.
	Quick bool
	// RowBytes is the gather's row size (default 160: Engram-27B's head
	// width in bf16); Batch the rows per two-phase batch (default 32).
	RowBytes, Batch int
	// Seed fixes the chase permutation and the gathered rows (default 1).
	Seed uint64
	// Threads lists the team sizes to run the bandwidth and gather probes
	// with; nil means every size from 1 to the CPUs this process may use
	// (quick: 1 and all; more than 16 CPUs: powers of two and all).
	Threads []int
	// MemoryBytes caps what the probes allocate at once; 0 means half of
	// the memory free now (a cgroup limit counted).
	MemoryBytes uint64
	// Buffer sizes, 0 for the defaults derived from the caches (tests and
	// the CLI's size flags set them).
	StreamArrayBytes, ChaseMaxBytes, GatherTableBytes uint64
	// Skip names probes not to run: "gpu", "bandwidth", "latency", "gather".
	Skip []string
	// Host is the machine's facts if already read; nil reads them.
	Host *Host
	// Progress, if set, is told what runs, one line at a time.
	Progress func(format string, args ...any)

	sysRoot string // "" for /sys
}

// Probe is one probe run's results. Every part that could not run is nil
// with a note saying why.
type Probe struct {
	Mode              string     `json:"mode"` // "quick" or "full"
	Start             time.Time  `json:"start"`
	Seconds           float64    `json:"seconds"`
	Seed              uint64     `json:"seed"`
	CPUs              []int      `json:"cpus"` // the CPUs threads were pinned to, in order
	MemoryBudgetBytes uint64     `json:"memory_budget_bytes"`
	GPU               *GPUs      `json:"gpu,omitempty"`
	Bandwidth         *Bandwidth `json:"bandwidth,omitempty"`
	Latency           *Latency   `json:"latency,omitempty"`
	Gather            *Gather    `json:"gather,omitempty"`
	// Requests are request-latency probes of runners (reqprobe.Run),
	// added by callers that have runners.
	Requests []RequestLatency `json:"requests,omitempty"`
	Notes    []string         `json:"notes,omitempty"`
}

// Bandwidth is STREAM over each team size.
type Bandwidth struct {
	ArrayBytes uint64            `json:"array_bytes"` // each of the three arrays
	Passes     int               `json:"passes"`      // timed passes per kernel; one more ran first, discarded
	Pages      PageInfo          `json:"pages"`
	Results    []BandwidthResult `json:"results"`
	Notes      []string          `json:"notes,omitempty"`
}

// BandwidthResult is one kernel at one team size: the best pass.
type BandwidthResult struct {
	Kernel      string  `json:"kernel"` // copy, scale, add, triad
	Threads     int     `json:"threads"`
	BestSeconds float64 `json:"best_seconds"`
	// BytesPerSecond counts as STREAM does (16 or 24 B per element);
	// WriteAllocate adds the read of each written line (24 or 32 B).
	BytesPerSecond              float64 `json:"bytes_per_second"`
	WriteAllocateBytesPerSecond float64 `json:"write_allocate_bytes_per_second"`
}

// Latency is the pointer-chase sweep.
type Latency struct {
	Pages   PageInfo        `json:"pages"` // of the largest table, after it was chased
	Results []LatencyResult `json:"results"`
	Notes   []string        `json:"notes,omitempty"`
}

// LatencyResult is one working-set size.
type LatencyResult struct {
	Bytes          uint64  `json:"bytes"`
	Loads          int     `json:"loads"` // per timed run; best of three
	SecondsPerLoad float64 `json:"seconds_per_load"`
}

// Gather is the random row gather.
type Gather struct {
	TableBytes uint64         `json:"table_bytes"`
	RowBytes   int            `json:"row_bytes"`
	Batch      int            `json:"batch"`
	Pages      PageInfo       `json:"pages"`
	Results    []GatherResult `json:"results"`
	Notes      []string       `json:"notes,omitempty"`
}

// GatherResult is one mode at one team size.
type GatherResult struct {
	Mode           string  `json:"mode"` // "plain" or "batched"
	Threads        int     `json:"threads"`
	Rows           uint64  `json:"rows"`
	Seconds        float64 `json:"seconds"`
	RowsPerSecond  float64 `json:"rows_per_second"`
	BytesPerSecond float64 `json:"bytes_per_second"` // row bytes copied
}

// Time budgets: the quick probe stays under 10 s and the full one under
// 2 minutes on machines of any size, with the GPU and host reads before.
const (
	quickBudget = 7 * time.Second
	fullBudget  = 100 * time.Second
)

// plan is the sizes and limits a run settled on.
type plan struct {
	opts      Options
	cpus      []int
	threads   []int
	llc       uint64 // all last-level cache instances together
	numaNodes int
	budget    uint64
	deadline  time.Time
	notes     []string

	arrayBytes, chaseBytes, tableBytes uint64
	pool                               pool
}

func (o Options) skips(name string) bool {
	for _, s := range o.Skip {
		if s == name {
			return true
		}
	}
	return false
}

func (o Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(format, args...)
	}
}

// RunProbe runs the probes. It returns an error only when ctx ends; what
// could not be measured is noted in the result.
func RunProbe(ctx context.Context, opts Options) (*Probe, error) {
	start := time.Now()
	if opts.RowBytes <= 0 {
		opts.RowBytes = 160
	}
	if opts.Batch <= 0 {
		opts.Batch = 32
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.sysRoot == "" {
		opts.sysRoot = "/sys"
	}
	p := &Probe{Mode: "full", Start: start.UTC(), Seed: opts.Seed}
	budget := fullBudget
	if opts.Quick {
		p.Mode, budget = "quick", quickBudget
	}
	h := opts.Host
	if h == nil {
		hh := ReadHost(ctx)
		h = &hh
	}
	pl := newPlan(opts, *h, start.Add(budget))
	pl.sizes()
	defer pl.pool.free()
	p.CPUs, p.MemoryBudgetBytes = pl.cpus, pl.budget
	if !opts.skips("gpu") {
		opts.progress("gpu: reading NVML, else nvidia-smi")
		g := ReadGPUs(ctx)
		p.GPU = &g
	}
	// The memory probes share what is left of the budget in turn, each
	// taking its part of the remaining time.
	type step struct {
		name  string
		share float64
		run   func(deadline time.Time) error
	}
	steps := []step{
		{"bandwidth", 0.4, func(d time.Time) (err error) { p.Bandwidth, err = pl.bandwidth(ctx, d); return }},
		{"latency", 0.5, func(d time.Time) (err error) { p.Latency, err = pl.latency(ctx, d); return }},
		{"gather", 1, func(d time.Time) (err error) { p.Gather, err = pl.gather(ctx, d); return }},
	}
	for _, s := range steps {
		if opts.skips(s.name) {
			continue
		}
		left := time.Until(pl.deadline)
		if left <= 0 {
			pl.notes = append(pl.notes, s.name+": not run, out of time")
			continue
		}
		if err := s.run(time.Now().Add(time.Duration(float64(left) * s.share))); err != nil {
			p.Notes = pl.notes
			p.Seconds = time.Since(start).Seconds()
			return p, err
		}
	}
	p.Notes = pl.notes
	p.Seconds = time.Since(start).Seconds()
	return p, ctx.Err()
}

func newPlan(opts Options, h Host, deadline time.Time) *plan {
	pl := &plan{opts: opts, deadline: deadline}
	cpus, err := allowedCPUs(opts.sysRoot)
	if err != nil || len(cpus) == 0 {
		pl.note("CPU affinity unknown (%v); using %d unpinned threads", err, h.LogicalCPUs)
		cpus = make([]int, max(1, h.LogicalCPUs))
		for i := range cpus {
			cpus[i] = -1
		}
	}
	pl.cpus = cpus
	pl.threads = teamSizes(opts.Threads, len(cpus), opts.Quick)
	if len(opts.Threads) > 0 && len(pl.threads) < len(opts.Threads) {
		pl.note("thread counts %v asked; %v run (%d usable CPUs, ascending)", opts.Threads, pl.threads, len(cpus))
	}
	if len(pl.threads) == 0 {
		pl.threads = []int{1}
	}
	// STREAM's rule counts every instance of the last-level cache.
	for _, c := range h.Caches {
		if c.Type != "Instruction" && c.Level == lastLevel(h.Caches) {
			pl.llc = max(pl.llc, c.SizeBytes*uint64(max(1, c.Instances)))
		}
	}
	if pl.llc == 0 {
		pl.llc = 32 << 20
		pl.note("last-level cache size unknown; assuming 32 MiB")
	}
	free := h.FreeMemoryBytes()
	if free == 0 {
		free = 4 << 30
		pl.note("free memory unknown; assuming 4 GiB")
	}
	pl.budget = free / 2
	if opts.MemoryBytes > 0 && opts.MemoryBytes < pl.budget {
		pl.budget = opts.MemoryBytes
	}
	// A 32-bit address space holds no multi-GiB buffers.
	pl.budget = min(pl.budget, uint64(^uint(0)>>2))
	pl.numaNodes = len(h.NUMANodes)
	return pl
}

func lastLevel(cs []Cache) int {
	l := 0
	for _, c := range cs {
		if c.Type != "Instruction" {
			l = max(l, c.Level)
		}
	}
	return l
}

func (pl *plan) note(format string, args ...any) {
	pl.notes = append(pl.notes, fmt.Sprintf(format, args...))
}

// teamSizes picks the thread counts to run with n usable CPUs.
func teamSizes(asked []int, n int, quick bool) []int {
	var out []int
	add := func(k int) {
		if k >= 1 && k <= n && (len(out) == 0 || out[len(out)-1] < k) {
			out = append(out, k)
		}
	}
	switch {
	case len(asked) > 0:
		for _, k := range asked {
			add(k)
		}
	case quick:
		add(1)
		add(n)
	case n <= 16:
		for k := 1; k <= n; k++ {
			add(k)
		}
	default:
		for k := 1; k < n; k *= 2 {
			add(k)
		}
		add(n)
	}
	return out
}

// fit shrinks want (in units of unit bytes, times count buffers) to the
// memory budget, in powers of two, and notes it.
func (pl *plan) fit(what string, want, floor uint64, count float64) uint64 {
	got := want
	for got > floor && float64(got)*count > float64(pl.budget) {
		got /= 2
	}
	if got < want {
		pl.note("%s: %s instead of %s, to stay within the memory budget of %s (free memory checked first, no swapping)",
			what, formatBytes(got), formatBytes(want), formatBytes(pl.budget))
	}
	return got
}

// pow2 rounds n up to a power of two.
func pow2(n uint64) uint64 {
	if n <= 1 {
		return 1
	}
	return 1 << (64 - bits.LeadingZeros64(n-1))
}

// sizes settles the buffer sizes of the three memory probes, within the
// memory budget, noting any cut.
func (pl *plan) sizes() {
	o := pl.opts
	arr := max(4*pl.llc, 1<<30)
	chase := pow2(max(4*pl.llc, 1<<30))
	table := max(8*pl.llc, 4<<30)
	if o.Quick {
		arr = max(4*pl.llc, 64<<20)
		chase = min(pow2(max(4*pl.llc, 64<<20)), 512<<20)
		table = min(max(8*pl.llc, 256<<20), 1<<30)
	}
	if o.StreamArrayBytes > 0 {
		arr = o.StreamArrayBytes
	}
	if o.ChaseMaxBytes > 0 {
		chase = pow2(o.ChaseMaxBytes)
	}
	if o.GatherTableBytes > 0 {
		table = o.GatherTableBytes
	}
	// The probes run one after another in one shared mapping; the chase
	// also needs 4 bytes per 64-byte node for its permutation.
	pl.arrayBytes = pl.fit("bandwidth arrays", arr, 1<<20, 3)
	pl.chaseBytes = pl.fit("latency table", chase, 16<<10, 1+4.0/chaseNode)
	pl.tableBytes = pl.fit("gather table", table, uint64(64*o.RowBytes), 1)
	if !o.skips("bandwidth") {
		pl.pool.want = max(pl.pool.want, arraysBytes(int(pl.arrayBytes/8)))
	}
	if !o.skips("latency") {
		pl.pool.want = max(pl.pool.want, int(pl.chaseBytes))
	}
	if !o.skips("gather") {
		pl.pool.want = max(pl.pool.want, int(pl.tableBytes))
	}
}

func (pl *plan) bandwidth(ctx context.Context, deadline time.Time) (*Bandwidth, error) {
	o := pl.opts
	arr := pl.arrayBytes
	bw := &Bandwidth{ArrayBytes: arr}
	if arr < 4*pl.llc {
		bw.Notes = append(bw.Notes, fmt.Sprintf("arrays of %s are less than 4x the last-level cache (%s): caches inflate the figures", formatBytes(arr), formatBytes(pl.llc)))
	}
	n := int(arr / 8)
	mem, err := pl.pool.get(arraysBytes(n))
	if err != nil {
		bw.Notes = append(bw.Notes, "bandwidth: "+err.Error())
		return bw, nil
	}
	a, b, c := arrays(mem, n)
	const passes = 11 // the first is discarded: best of 10
	for i, k := range pl.threads {
		if i > 0 && time.Now().After(deadline) {
			bw.Notes = append(bw.Notes, fmt.Sprintf("team sizes %v not run, out of time", pl.threads[i:]))
			break
		}
		if pl.numaNodes > 1 {
			// Each team places its own pages: first touch decides the
			// node, and a page left on another node would be remote.
			pl.pool.drop()
		}
		o.progress("bandwidth: STREAM, %d threads, 3 arrays of %s", k, formatBytes(arr))
		r, err := streamOnce(ctx, pl.cpus[:k], a, b, c, passes, passes, deadline, []int{0, 1, 2, 3})
		if err != nil {
			return bw, err
		}
		if r.pinErr != nil && i == 0 {
			bw.Notes = append(bw.Notes, "threads not pinned: "+r.pinErr.Error())
		}
		bw.Passes = r.passes
		for kn, kd := range streamKernels {
			if r.best[kn] <= 0 {
				continue
			}
			s := r.best[kn].Seconds()
			bw.Results = append(bw.Results, BandwidthResult{
				Kernel: kd.Name, Threads: k, BestSeconds: s,
				BytesPerSecond:              float64(kd.Bytes) * float64(n) / s,
				WriteAllocateBytesPerSecond: float64(kd.BytesWA) * float64(n) / s,
			})
		}
	}
	if pi, err := pl.pool.pages(); err == nil {
		bw.Pages = pi
	} else {
		bw.Notes = append(bw.Notes, "page size unknown: "+err.Error())
	}
	return bw, nil
}

func (pl *plan) latency(ctx context.Context, deadline time.Time) (*Latency, error) {
	o := pl.opts
	top := pl.chaseBytes
	perRep := 100 * time.Millisecond
	if o.Quick {
		perRep = 15 * time.Millisecond
	}
	lat := &Latency{}
	var sizes []uint64
	for s := uint64(16 << 10); s <= top; s *= 2 {
		sizes = append(sizes, s)
	}
	if o.Quick {
		// Every other size: 16 KiB, 64 KiB, ... and the top.
		var q []uint64
		for i, s := range sizes {
			if i%2 == 0 || i == len(sizes)-1 {
				q = append(q, s)
			}
		}
		sizes = q
	}
	mem, err := pl.pool.get(int(top))
	if err != nil {
		lat.Notes = append(lat.Notes, "latency: "+err.Error())
		return lat, nil
	}
	var ctxErr error
	pinErr := runTeam(pl.cpus[:1], func(int, *barrier) {
		for i, s := range sizes {
			if ctx.Err() != nil {
				ctxErr = ctx.Err()
				return
			}
			if i > 0 && time.Now().After(deadline) {
				lat.Notes = append(lat.Notes, fmt.Sprintf("sizes from %s up not run, out of time", formatBytes(s)))
				return
			}
			o.progress("latency: pointer chase over %s", formatBytes(s))
			nodes := int(s / chaseNode)
			buildChase(mem, nodes, o.Seed)
			// Size the timed runs from a short one: about perRep each.
			probe := 1 << 14
			t, _ := timeChase(mem, nodes, probe, 1)
			loads := int(float64(probe) * float64(perRep) / float64(max(t, time.Microsecond)))
			loads = max(1<<12, min(loads, 1<<26))
			_, ns := timeChase(mem, nodes, loads, 3)
			lat.Results = append(lat.Results, LatencyResult{Bytes: s, Loads: (loads + 7) &^ 7, SecondsPerLoad: ns * 1e-9})
		}
	})
	if pinErr != nil {
		lat.Notes = append(lat.Notes, "thread not pinned: "+pinErr.Error())
	}
	if pi, err := pl.pool.pages(); err == nil {
		lat.Pages = pi
	} else {
		lat.Notes = append(lat.Notes, "page size unknown: "+err.Error())
	}
	return lat, ctxErr
}

func (pl *plan) gather(ctx context.Context, deadline time.Time) (*Gather, error) {
	o := pl.opts
	size := pl.tableBytes
	perRun := time.Second
	if o.Quick {
		perRun = 150 * time.Millisecond
	}
	g := &Gather{TableBytes: size, RowBytes: o.RowBytes, Batch: o.Batch}
	if !hasPrefetch {
		g.Notes = append(g.Notes, "no prefetch instruction wired up on this architecture: the batched gather touches each line with a load")
	}
	table, err := pl.pool.get(int(size))
	if err != nil {
		g.Notes = append(g.Notes, "gather: "+err.Error())
		return g, nil
	}
	o.progress("gather: filling a %s table", formatBytes(size))
	all := pl.cpus[:pl.threads[len(pl.threads)-1]]
	pinErr := runTeam(all, func(w int, _ *barrier) { fillTable(table, w, len(all)) })
	if pinErr != nil {
		g.Notes = append(g.Notes, "threads not pinned: "+pinErr.Error())
	}
	if pi, err := pl.pool.pages(); err == nil {
		g.Pages = pi
	} else {
		g.Notes = append(g.Notes, "page size unknown: "+err.Error())
	}
	runs := len(pl.threads) * 2
	for i, k := range pl.threads {
		for j, mode := range []string{"plain", "batched"} {
			if ctx.Err() != nil {
				return g, ctx.Err()
			}
			if len(g.Results) > 0 && time.Now().After(deadline) {
				g.Notes = append(g.Notes, fmt.Sprintf("%s gather from %d threads up not run, out of time", mode, k))
				return g, nil
			}
			// Spread what time is left over the runs still to do.
			d := min(perRun, time.Until(deadline)/time.Duration(max(1, runs-2*i-j)))
			d = max(d, 20*time.Millisecond)
			o.progress("gather: %s, %d threads, %d-byte rows", mode, k, o.RowBytes)
			g.Results = append(g.Results, gatherRun(pl.cpus[:k], table, o.RowBytes, o.Batch, o.Seed, mode == "batched", d))
		}
	}
	return g, nil
}

// fillTable has worker w of k write its share of the table (first touch),
// one word per cache line.
func fillTable(b []byte, w, k int) {
	lo, hi := chunk(len(b)/8, w, k)
	for i := lo * 8; i < hi*8; i += 64 {
		b[i] = byte(i >> 6)
	}
}
