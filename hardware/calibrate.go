package hardware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/engrambench/engrambench/hardware/cref"
)

// CalibrateOptions shape a calibration.
type CalibrateOptions struct {
	CC     string  // C compiler, default "gcc"
	Rounds int     // Go and C alternate this many times; best of each kept (default 3)
	Probe  Options // seed, row size, batch, threads, memory cap, sizes, host, progress
	// ChaseLoads is the length of each timed chase (default 2^21) and
	// GatherTime how long each gather runs (default 1 s); tests shorten them.
	ChaseLoads int
	GatherTime time.Duration
}

// Calibration puts the Go kernels beside the C references, run in turn on
// the same machine with the same sizes, seeds and pinning.
type Calibration struct {
	Compiler string            `json:"compiler"`
	Flags    string            `json:"flags"`
	Rounds   int               `json:"rounds"`
	Pairs    []CalibrationPair `json:"pairs"`
	Seconds  float64           `json:"seconds"`
	Notes    []string          `json:"notes,omitempty"`
}

// CalibrationPair is one kernel at one size and team size: the best of
// each side over the rounds, every run kept.
type CalibrationPair struct {
	Name   string    `json:"name"` // e.g. "triad/threads=2/array=1GiB"
	Unit   string    `json:"unit"` // "bytes_per_second", "seconds_per_load", "rows_per_second"
	Go     float64   `json:"go"`
	C      float64   `json:"c"`
	GoRuns []float64 `json:"go_runs"`
	CRuns  []float64 `json:"c_runs"`
	// Ratio is best Go / best C; for latency above 1 means Go is slower.
	// PairedRatio is the median of Go / C over the rounds, each pair run
	// back to back: steadier than the bests on a busy machine.
	Ratio       float64 `json:"ratio"`
	PairedRatio float64 `json:"paired_ratio"`
	Target      string  `json:"target"`
	Met         bool    `json:"met"`
	GoPages     string  `json:"go_pages,omitempty"`
	CPages      string  `json:"c_pages,omitempty"`
	lower       bool    // smaller is better
	lo, hi      float64 // target bounds on Ratio
}

func (p *CalibrationPair) add(goSide bool, v float64) {
	better := func(a, b float64) bool { return b == 0 || (p.lower && a < b) || (!p.lower && a > b) }
	if goSide {
		p.GoRuns = append(p.GoRuns, v)
		if better(v, p.Go) {
			p.Go = v
		}
	} else {
		p.CRuns = append(p.CRuns, v)
		if better(v, p.C) {
			p.C = v
		}
	}
}

func (p *CalibrationPair) finish() {
	if p.Go > 0 && p.C > 0 {
		p.Ratio = p.Go / p.C
		p.Met = p.Ratio >= p.lo && p.Ratio <= p.hi
	}
	var rs []float64
	for i := range min(len(p.GoRuns), len(p.CRuns)) {
		if p.CRuns[i] > 0 {
			rs = append(rs, p.GoRuns[i]/p.CRuns[i])
		}
	}
	if len(rs) > 0 {
		sort.Float64s(rs)
		p.PairedRatio = (rs[(len(rs)-1)/2] + rs[len(rs)/2]) / 2
	}
}

// Calibrate compiles the C references into a temporary directory and runs
// Triad (1 and all threads), the chase at 1 GiB and the batched gather
// (1 and all threads), Go and C back to back, Rounds times each. Targets: Triad within 10%,
// chase within 15%, Go gather at least 75% of C's.
func Calibrate(ctx context.Context, o CalibrateOptions) (*Calibration, error) {
	start := time.Now()
	if o.CC == "" {
		o.CC = "gcc"
	}
	if o.Rounds <= 0 {
		o.Rounds = 3
	}
	if o.ChaseLoads <= 0 {
		o.ChaseLoads = 1 << 21
	}
	if o.GatherTime <= 0 {
		o.GatherTime = time.Second
	}
	po := o.Probe
	if po.RowBytes <= 0 {
		po.RowBytes = 160
	}
	if po.Batch <= 0 {
		po.Batch = 32
	}
	if po.Seed == 0 {
		po.Seed = 1
	}
	if po.sysRoot == "" {
		po.sysRoot = "/sys"
	}
	dir, err := os.MkdirTemp("", "engrambench-cref-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	po.progress("calibrate: compiling the C references with %s %s", o.CC, strings.Join(cref.Flags, " "))
	set, err := cref.Build(ctx, o.CC, dir)
	if err != nil {
		return nil, err
	}
	h := po.Host
	if h == nil {
		hh := ReadHost(ctx)
		h = &hh
	}
	pl := newPlan(po, *h, time.Time{})
	var lastPages string
	if len(po.Threads) == 0 {
		pl.threads = teamSizes(nil, len(pl.cpus), true)
	}
	cal := &Calibration{Compiler: set.Compiler, Flags: strings.Join(cref.Flags, " "), Rounds: o.Rounds}
	arr := po.StreamArrayBytes
	if arr == 0 {
		arr = max(4*pl.llc, 1<<30)
	}
	arr = pl.fit("calibration triad arrays", arr, 1<<20, 3)
	chaseBytes := po.ChaseMaxBytes
	if chaseBytes == 0 {
		chaseBytes = 1 << 30
	}
	chaseBytes = pl.fit("calibration chase table", chaseBytes, 16<<10, 1+4.0/chaseNode)
	table := po.GatherTableBytes
	if table == 0 {
		table = max(8*pl.llc, 4<<30)
	}
	table = pl.fit("calibration gather table", table, uint64(64*po.RowBytes), 1)

	var triad, gather []*CalibrationPair
	for _, k := range pl.threads {
		triad = append(triad, &CalibrationPair{Name: fmt.Sprintf("triad/threads=%d/array=%s", k, compact(arr)), Unit: "bytes_per_second", Target: "0.90-1.10", lo: 0.9, hi: 1.1})
		gather = append(gather, &CalibrationPair{Name: fmt.Sprintf("gather/mode=batched/threads=%d/row=%d/batch=%d/table=%s", k, po.RowBytes, po.Batch, compact(table)), Unit: "rows_per_second", Target: ">= 0.75", lo: 0.75, hi: 1e9})
	}
	chase := &CalibrationPair{Name: "chase/bytes=" + compact(chaseBytes), Unit: "seconds_per_load", Target: "0.85-1.15", lower: true, lo: 0.85, hi: 1.15}

	// Both sides do the same work from scratch every run: map fresh
	// memory, ask for huge pages, first-touch it with the run's threads,
	// then time. (Which physical memory a run gets matters on VMs whose
	// host backs guest pages unevenly; reusing one Go buffer made every Go
	// run share one draw.) Go and C run back to back, the side that goes
	// first swapping every round, so a pair sees the same machine.
	pair := func(round int, goRun, cRun func() error) error {
		first, second := goRun, cRun
		if round%2 == 1 {
			first, second = cRun, goRun
		}
		if err := first(); err != nil {
			return err
		}
		if err := second(); err != nil {
			return err
		}
		return ctx.Err()
	}
	fresh := func(n int, f func(mem []byte) error) error {
		r, err := mapRegion(n)
		if err != nil {
			return err
		}
		defer r.free()
		if err := f(r.b); err != nil {
			return err
		}
		if pi, err := r.pages(); err == nil {
			lastPages = pi.String()
		}
		return nil
	}

	n := int(arr / 8)
	for round := range o.Rounds {
		for i, k := range pl.threads {
			po.progress("calibrate: triad, %d threads, round %d of %d", k, round+1, o.Rounds)
			err := pair(round, func() error {
				return fresh(arraysBytes(n), func(mem []byte) error {
					a, b, c := arrays(mem, n)
					r, err := streamOnce(ctx, pl.cpus[:k], a, b, c, 11, 11, time.Time{}, []int{3})
					triad[i].add(true, 24*float64(n)/r.best[3].Seconds())
					return err
				})
			}, func() error {
				m, err := set.Run(ctx, cref.Triad, ompEnv(pl.cpus[:k]), strconv.Itoa(n), "11")
				if err != nil {
					return err
				}
				v, err := num(m, "bytes_per_second")
				triad[i].add(false, v)
				triad[i].CPages = hugeShare(m, arr)
				return err
			})
			if err != nil {
				return cal, err
			}
			triad[i].GoPages = lastPages
		}
	}

	nodes := int(chaseBytes / chaseNode)
	for round := range o.Rounds {
		po.progress("calibrate: chase over %s, round %d of %d", formatBytes(chaseBytes), round+1, o.Rounds)
		err := pair(round, func() error {
			return fresh(int(chaseBytes), func(mem []byte) error {
				var ns float64
				runTeam(pl.cpus[:1], func(int, *barrier) {
					buildChase(mem, nodes, po.Seed)
					_, ns = timeChase(mem, nodes, o.ChaseLoads, 3)
				})
				chase.add(true, ns*1e-9)
				return nil
			})
		}, func() error {
			m, err := set.Run(ctx, cref.Chase, nil, strconv.FormatUint(chaseBytes, 10), strconv.Itoa(o.ChaseLoads), strconv.FormatUint(po.Seed, 10), strconv.Itoa(pl.cpus[0]))
			if err != nil {
				return err
			}
			v, err := num(m, "ns_per_load")
			chase.add(false, v*1e-9)
			chase.CPages = hugeShare(m, chaseBytes)
			return err
		})
		if err != nil {
			return cal, err
		}
		chase.GoPages = lastPages
	}

	for round := range o.Rounds {
		for i, k := range pl.threads {
			po.progress("calibrate: gather, %d threads, round %d of %d", k, round+1, o.Rounds)
			err := pair(round, func() error {
				return fresh(int(table), func(mem []byte) error {
					runTeam(pl.cpus[:k], func(w int, _ *barrier) { fillTable(mem, w, k) })
					r := gatherRun(pl.cpus[:k], mem, po.RowBytes, po.Batch, po.Seed, true, o.GatherTime)
					gather[i].add(true, r.RowsPerSecond)
					return nil
				})
			}, func() error {
				m, err := set.Run(ctx, cref.Gather, ompEnv(pl.cpus[:k]), strconv.FormatUint(table, 10), strconv.Itoa(po.RowBytes), strconv.Itoa(po.Batch),
					strconv.FormatFloat(o.GatherTime.Seconds(), 'f', 3, 64), strconv.FormatUint(po.Seed, 10))
				if err != nil {
					return err
				}
				v, err := num(m, "rows_per_second")
				gather[i].add(false, v)
				gather[i].CPages = hugeShare(m, table)
				return err
			})
			if err != nil {
				return cal, err
			}
			gather[i].GoPages = lastPages
		}
	}

	for _, p := range triad {
		p.finish()
		cal.Pairs = append(cal.Pairs, *p)
	}
	chase.finish()
	cal.Pairs = append(cal.Pairs, *chase)
	for _, p := range gather {
		p.finish()
		cal.Pairs = append(cal.Pairs, *p)
	}
	cal.Notes = pl.notes
	cal.Seconds = time.Since(start).Seconds()
	return cal, nil
}

// ompEnv pins OpenMP's threads to the CPUs the Go team uses, in order.
func ompEnv(cpus []int) []string {
	places := make([]string, len(cpus))
	for i, c := range cpus {
		places[i] = "{" + strconv.Itoa(c) + "}"
	}
	env := []string{"OMP_NUM_THREADS=" + strconv.Itoa(len(cpus))}
	if len(cpus) > 0 && cpus[0] >= 0 {
		env = append(env, "OMP_PROC_BIND=close", "OMP_PLACES="+strings.Join(places, ","))
	}
	return env
}

func num(m map[string]string, key string) (float64, error) {
	s, ok := m[key]
	if !ok {
		return 0, errors.New("C reference printed no " + key)
	}
	return strconv.ParseFloat(s, 64)
}

// hugeShare renders the C side's huge-page share like PageInfo.String.
func hugeShare(m map[string]string, bytes uint64) string {
	kib, err := num(m, "huge_kib")
	if err != nil || kib < 0 {
		return ""
	}
	pi := PageInfo{ResidentBytes: bytes, HugeBytes: min(bytes, uint64(kib)*1024)}.finish()
	return pi.String()
}

// compact writes a size for a name: "1GiB", "160MiB".
func compact(n uint64) string { return strings.ReplaceAll(formatBytes(n), " ", "") }

// WriteCalibration prints the pairs with their ratios against the targets.
func WriteCalibration(w io.Writer, c *Calibration) error {
	fmt.Fprintf(w, "Calibration: Go kernels against C references (%s %s), best of %d rounds with Go and C back to back, %.0f s\n", c.Compiler, c.Flags, c.Rounds, c.Seconds)
	t := newTableLeft(w, []string{"Kernel", "Go", "C", "Go/C", "Paired Go/C", "Target", "Met", "Pages Go / C"}, 1)
	for _, p := range c.Pairs {
		met := "yes"
		if !p.Met {
			met = "NO"
		}
		if err := t.Append([]string{p.Name, pretty(p.Unit, p.Go), pretty(p.Unit, p.C), fmt.Sprintf("%.3f", p.Ratio), fmt.Sprintf("%.3f", p.PairedRatio), p.Target, met, pagesPair(p.GoPages, p.CPages)}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintln(w, "Go and C are each side's best run; Go/C is their ratio (Met is judged on it), Paired Go/C the median ratio of runs made back to back.")
	fmt.Fprintln(w, "Rates for triad and gather (above 1: Go faster), latency for the chase (above 1: Go slower).")
	writeNotes(w, c.Notes)
	return nil
}

func pagesPair(g, c string) string {
	if g == "" && c == "" {
		return "unknown"
	}
	return orUnknown(g) + " / " + orUnknown(c)
}

func pretty(unit string, v float64) string {
	switch unit {
	case "bytes_per_second":
		return fmt.Sprintf("%.1f GB/s", v/1e9)
	case "seconds_per_load":
		return fmt.Sprintf("%.1f ns", v*1e9)
	case "rows_per_second":
		return fmt.Sprintf("%.1f Mrows/s", v/1e6)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
