// Package claims holds a run against the claims of the Engram paper
// (FACTS.md §1): for a treatment and a baseline runner, each claim the
// run's tasks can test gets the paper's figure, the measured difference
// with a paired 95% interval and a verdict. Package reports renders the
// result; this package lives apart from it because it reuses package
// compare's statistics, and compare imports reports.
package claims

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/engrambench/engrambench/compare"
	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/engram/sizing"
	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/results"
)

// Claim is one claim held against a run.
type Claim = reports.Claim

// Resamples is the number of bootstrap resamples per claim.
const Resamples = 10000

// spec is one measurable claim: the cells it is tested on and the paper's
// figure.
type spec struct {
	id, what, paper string
	delta           float64 // the paper's difference, fractions of 1
	set             string
	labels          map[string]string // cell labels that must match ("task" included)
	cells           string            // the cells in words
	needs           string            // what the run must have, for "not measured"
}

// specs are the measurable claims, in the order of FACTS.md §1.
var specs = []spec{
	{id: "bbh-3shot", what: "BBH (3-shot)", paper: "50.9 → 55.9 (+5.0)", delta: 0.050,
		set: "bbh", labels: map[string]string{"shots": "3"}, cells: "bbh, shots=3, every task pooled (micro)",
		needs: "official BBH (set bbh) at shots=3"},
	{id: "humaneval", what: "HumanEval (0-shot)", paper: "37.8 → 40.8 (+3.0)", delta: 0.030,
		set: "humaneval", cells: "humaneval, every problem (pass@1)",
		needs: "HumanEval (set humaneval)"},
	{id: "mbpp-3shot", what: "MBPP (3-shot)", paper: "46.6 → 48.2 (+1.6)", delta: 0.016,
		set: "mbpp", labels: map[string]string{"shots": "3"}, cells: "mbpp, shots=3 (pass@1)",
		needs: "MBPP (set mbpp) at shots=3"},
	{id: "ruler-mq-32k", what: "RULER multi-query at 32K", paper: "84.2 → 97.0 (+12.8)", delta: 0.128,
		set: "ruler", labels: map[string]string{"task": "niah_multiquery", "len": "32768"}, cells: "ruler/task=niah_multiquery/len=32768",
		needs: "RULER's niah_multiquery at len=32768"},
	{id: "ruler-vt-32k", what: "RULER variable tracking at 32K", paper: "77.0 → 89.0 (+12.0)", delta: 0.120,
		set: "ruler", labels: map[string]string{"task": "vt", "len": "32768"}, cells: "ruler/task=vt/len=32768",
		needs: "RULER's vt at len=32768"},
}

// MinVerdictPairs is the fewest pairs for a verdict other than
// inconclusive. From reports.MinIntervalN pairs on the interval is shown,
// but a percentile-bootstrap interval of a mean covers less than its level
// in small samples, so a verdict waits for more.
const MinVerdictPairs = 30

// Alpha is the significance level a supported verdict's paired test must
// reach besides the interval.
const Alpha = 0.05

// OffloadBound is the paper's stated bound on the offload penalty.
const OffloadBound = 0.03

// Ledger holds the run against each claim of FACTS.md §1 its tasks can
// test, treatment against baseline: BBH at 3 shots, HumanEval, MBPP at 3
// shots, RULER multi-query and variable tracking at 32K, each paired on
// the instances both runners answered; and the offload penalty, from the
// sizing model's rows (sizing.OffloadClaim): those the caller passes, else
// the model applied to the machine the run's probe measured (OffloadRows),
// else marked not measured. Every claim is listed, with the reason when
// it could not be tested.
func Ledger(run results.Run, samples []results.Sample, treatment, baseline string, offload ...sizing.ClaimRow) []Claim {
	return LedgerBriefs(run, results.Briefs(samples), treatment, baseline, offload...)
}

// LedgerBriefs is Ledger over samples read as Briefs.
func LedgerBriefs(run results.Run, samples []results.Brief, treatment, baseline string, offload ...sizing.ClaimRow) []Claim {
	var out []Claim
	has := map[string]bool{}
	for _, s := range samples {
		has[s.Runner] = true
	}
	var why string
	switch {
	case treatment == "" || baseline == "":
		why = "no treatment and baseline runner declared"
	case treatment == baseline:
		why = "treatment and baseline are the same runner"
	case !has[treatment] && !has[baseline]:
		why = fmt.Sprintf("runners %s and %s have no samples in this run", treatment, baseline)
	case !has[treatment]:
		why = fmt.Sprintf("runner %s has no samples in this run", treatment)
	case !has[baseline]:
		why = fmt.Sprintf("runner %s has no samples in this run", baseline)
	}
	// Sum in key order: float addition is not associative. Sorting
	// pointers once serves every claim.
	sorted := make([]*results.Brief, 0, len(samples))
	for i := range samples {
		if s := &samples[i]; s.Runner == treatment || s.Runner == baseline {
			sorted = append(sorted, s)
		}
	}
	slices.SortStableFunc(sorted, func(a, b *results.Brief) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Repeat, b.Repeat))
	})
	for _, sp := range specs {
		if why != "" {
			out = append(out, notMeasured(sp, why))
			continue
		}
		out = append(out, measure(sp, sorted, treatment, baseline))
	}
	if len(offload) > 0 {
		return append(out, Offload(offload))
	}
	rows, err := OffloadRows(run)
	c := Offload(rows)
	switch {
	case err != nil:
		c.Why += " (the run's probe could not be used: " + err.Error() + ")"
	case len(rows) > 0:
		c.Cells += ", from the run's probe"
	}
	return append(out, c)
}

// OffloadRows applies the sizing model to the paper's offload experiment
// (sizing.OffloadClaim with the built-in offload-100b model) on the
// machine the run's probe measured: its batched gather rates, STREAM
// bandwidth, memory latency and GPUs. A host without a GPU gets the
// paper's H800 over its link, as engrambench size --claim offload does.
// It returns no rows when the run has no probe with a gather result.
func OffloadRows(run results.Run) ([]sizing.ClaimRow, error) {
	if run.Probe == nil || run.Probe.Gather == nil || len(run.Probe.Gather.Results) == 0 {
		return nil, nil
	}
	mc, err := machineFromProbe(run.Host, run.Probe)
	if err != nil {
		return nil, err
	}
	if mc.GPU == "" {
		p, err := sizing.ParsePreset("ddr5-4800x8,h800", oneCore(mc))
		if err != nil {
			return nil, err
		}
		mc.GPU, mc.GPUMemoryBytes, mc.GPUBytesPerSec, mc.GPUFLOPs, mc.Link, mc.LinkBytesPerSec = p.GPU, p.GPUMemoryBytes, p.GPUBytesPerSec, p.GPUFLOPs, p.Link, p.LinkBytesPerSec
		mc.Name += " with the paper's H800 assumed"
	}
	m, ok := engram.BuiltinModel("offload-100b")
	if !ok {
		return nil, fmt.Errorf("no built-in model offload-100b")
	}
	return sizing.OffloadClaim(m, mc)
}

// machineFromProbe reads a sizing machine from the run's host and probe
// through sizing.ReadMachine, which takes the file engrambench probe
// --json writes; the file is written to a temporary path and removed.
func machineFromProbe(h hardware.Host, p *hardware.Probe) (sizing.Machine, error) {
	data, err := json.Marshal(struct {
		Host  hardware.Host   `json:"host"`
		Probe *hardware.Probe `json:"probe"`
	}{h, p})
	if err != nil {
		return sizing.Machine{}, err
	}
	f, err := os.CreateTemp("", "engrambench-probe-*.json")
	if err != nil {
		return sizing.Machine{}, err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sizing.Machine{}, err
	}
	return sizing.ReadMachine(f.Name())
}

func oneCore(m sizing.Machine) sizing.GatherPoint {
	for _, g := range m.Gather {
		if g.Threads == 1 {
			return g
		}
	}
	return sizing.GatherPoint{}
}

func notMeasured(sp spec, why string) Claim {
	nan := math.NaN()
	return Claim{
		ID: sp.id, What: sp.what, Paper: sp.paper, PaperDelta: sp.delta, Basis: reports.Measured,
		Baseline: reports.Proportion(0, 0, false), Treatment: reports.Proportion(0, 0, false),
		Delta: nan, Lo: nan, Hi: nan, P: nan, Verdict: reports.NotMeasured, Why: why,
	}
}

// side is one runner's scored samples of one instance.
type side struct {
	sum    float64
	n      int
	binary bool // every score is 0 or 1
}

func (s side) mean() float64 { return s.sum / float64(s.n) }

// matches reports whether a sample's cell is one of the claim's.
func (sp spec) matches(s *results.Brief) bool {
	if s.Set != sp.set {
		return false
	}
	labels := cellLabels(s.Cell)
	for k, v := range sp.labels {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func cellLabels(cell string) map[string]string {
	out := map[string]string{}
	for _, p := range strings.Split(cell, "/")[1:] {
		k, v, _ := strings.Cut(p, "=")
		out[k] = v
	}
	return out
}

// measure pairs the claim's samples by instance: an instance's score on a
// side is the mean over its scored repeats, its difference treatment −
// baseline; the claim's difference is the mean over instances, with a
// percentile-bootstrap interval over instances (compare.BootstrapMeanCI),
// so repeats of one problem are never counted as independent.
// samples are the two runners' samples in key order.
func measure(sp spec, samples []*results.Brief, treatment, baseline string) Claim {
	c := notMeasured(sp, "")
	c.Cells = sp.cells
	sides := map[string]map[string]*side{treatment: {}, baseline: {}}
	cells := map[string]map[string]bool{treatment: {}, baseline: {}}
	present := false
	for _, s := range samples {
		m, ok := sides[s.Runner]
		if !ok || !sp.matches(s) {
			continue
		}
		present = true
		cells[s.Runner][s.Cell] = true
		if !s.OK() {
			if s.Runner == treatment {
				c.TreatmentErrors++
			} else {
				c.BaselineErrors++
			}
			continue
		}
		x := m[s.InstanceID]
		if x == nil {
			x = &side{binary: true}
			m[s.InstanceID] = x
		}
		v := *s.Score
		x.sum += v
		x.n++
		x.binary = x.binary && (v == 0 || v == 1)
	}
	if !present {
		c.Why = fmt.Sprintf("the run has no samples of %s for these runners", sp.needs)
		if other := otherVariants(sp, samples, treatment, baseline); other != "" {
			c.Why += "; it has " + other
		}
		return c
	}
	if n := len(cells[treatment]) + len(cells[baseline]); n > 2 {
		c.Cells = fmt.Sprintf("%s: %d cells of %s, %d of %s", sp.cells, len(cells[baseline]), baseline, len(cells[treatment]), treatment)
	}

	var d []float64
	var sumB, sumT float64
	frac := false
	mcnemar := true
	var onlyB, onlyT int // discordant pass/fail pairs
	for _, id := range sortedKeys(sides[baseline]) {
		b, t := sides[baseline][id], sides[treatment][id]
		if t == nil {
			c.Unpaired++
			continue
		}
		mb, mt := b.mean(), t.mean()
		sumB += mb
		sumT += mt
		d = append(d, mt-mb)
		frac = frac || (mb != 0 && mb != 1) || (mt != 0 && mt != 1)
		one := b.n == 1 && t.n == 1 && b.binary && t.binary
		mcnemar = mcnemar && one
		switch {
		case mb == 1 && mt == 0:
			onlyB++
		case mb == 0 && mt == 1:
			onlyT++
		}
	}
	for id := range sides[treatment] {
		if sides[baseline][id] == nil {
			c.Unpaired++
		}
	}
	c.Pairs = len(d)
	c.Baseline = reports.Proportion(sumB, c.Pairs, frac)
	c.Treatment = reports.Proportion(sumT, c.Pairs, frac)
	if c.Pairs == 0 {
		c.Why = "no instance was scored for both runners"
		return c
	}
	c.Delta = (sumT - sumB) / float64(c.Pairs)
	if mcnemar {
		c.Test, c.P = "McNemar", compare.McNemarExact(onlyB, onlyT)
	} else {
		c.Test, c.P = "Wilcoxon", compare.WilcoxonSignedRank(d).P
	}
	c.Verdict = reports.Inconclusive
	if c.Pairs < reports.MinIntervalN {
		c.Why = fmt.Sprintf("only %d pairs: too few for a 95%% interval (at least %d)", c.Pairs, reports.MinIntervalN)
		return c
	}
	c.Lo, c.Hi = compare.BootstrapMeanCI(d, Resamples, 0.95, seed(sp.id))
	switch {
	case allZero(d):
		// The bootstrap interval is [0, 0], which would seem to rule out
		// the paper's figure; with no discordant pair it rules out nothing.
		c.Why = "the runners score the same on every pair, so the interval collapses to zero: no variation to judge from"
	case c.Pairs < MinVerdictPairs:
		c.Why = fmt.Sprintf("only %d pairs: a verdict needs at least %d", c.Pairs, MinVerdictPairs)
	default:
		c.Verdict, c.Why = Judge(c.Lo, c.Hi, c.P, sp.delta)
	}
	if c.Unpaired > 0 {
		c.Why += fmt.Sprintf("; %s scored for only one runner left out", plural(c.Unpaired, "instance"))
	}
	return c
}

func allZero(d []float64) bool {
	for _, x := range d {
		if x != 0 {
			return false
		}
	}
	return true
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// otherVariants names the claim's set at other labels in the run, so a
// "not measured" says what the run has instead ("bbh at shots=0").
func otherVariants(sp spec, samples []*results.Brief, treatment, baseline string) string {
	seen := map[string]bool{}
	for _, s := range samples {
		if s.Set != sp.set || (s.Runner != treatment && s.Runner != baseline) {
			continue
		}
		labels := cellLabels(s.Cell)
		var parts []string
		for _, k := range sortedKeys(sp.labels) {
			parts = append(parts, k+"="+labels[k])
		}
		seen[sp.set+" at "+strings.Join(parts, ", ")] = true
	}
	return strings.Join(sortedKeys(seen), "; ")
}

// Judge gives the verdict on a measured difference from its 95% interval
// [lo, hi], the paired test's p-value and the paper's figure (fractions
// of 1), for a claim with enough pairs:
//
//   - contradicted when hi < paper: the data rule out a gain as large as
//     the paper's (a smaller gain, none, or a loss);
//   - supported when lo > 0, p < Alpha and hi >= paper: a gain is
//     established by both the interval and the test, and the paper's
//     figure is not ruled out (or is exceeded: lo > paper);
//   - inconclusive otherwise.
func Judge(lo, hi, p, paper float64) (reports.Verdict, string) {
	pp := "the paper's " + points(paper)
	switch {
	case hi < paper && hi < 0:
		return reports.Contradicted, "the treatment scores lower: the interval lies below zero"
	case hi < paper && lo > 0:
		return reports.Contradicted, "a gain, but smaller than " + pp + ": the interval excludes it"
	case hi < paper:
		return reports.Contradicted, "the interval excludes " + pp + " and does not establish a gain"
	case lo > 0 && !(p < Alpha):
		return reports.Inconclusive, fmt.Sprintf("the interval lies above zero but the paired test does not reject no difference (p = %.2g)", p)
	case lo > paper:
		return reports.Supported, "a gain larger than " + pp + ": the interval lies above it"
	case lo > 0:
		return reports.Supported, "a gain is established and the interval includes " + pp
	}
	return reports.Inconclusive, "the interval includes both no gain and " + pp + ": more pairs are needed"
}

func points(f float64) string {
	s := fmt.Sprintf("%+.1f", 100*f)
	return s + " points"
}

// Offload is the offload claim from the sizing model's rows for the
// paper's experiment (sizing.OffloadClaim): supported when every
// predicted penalty is under the paper's 3% bound, contradicted when every
// one is at or above it, inconclusive otherwise. With no rows the claim is
// not measured.
func Offload(rows []sizing.ClaimRow) Claim {
	nan := math.NaN()
	c := Claim{
		ID: "offload", What: "Offload: a 100B-parameter Engram table in host DRAM",
		Paper: "< 3% throughput (4B dense −1.92%, 8B dense −2.78%)", PaperDelta: OffloadBound, Basis: reports.Modelled,
		Baseline: reports.Proportion(0, 0, false), Treatment: reports.Proportion(0, 0, false),
		Delta: nan, Lo: nan, Hi: nan, P: nan,
		Verdict: reports.NotMeasured, Why: "needs engrambench size --claim offload: a prediction of the sizing model for the run's machine",
	}
	if len(rows) == 0 {
		c.Basis = reports.Measured
		return c
	}
	var parts, machines []string
	for _, r := range rows {
		if !slices.Contains(machines, r.Machine) {
			machines = append(machines, r.Machine)
		}
	}
	under, over := 0, 0
	for _, r := range rows {
		if len(machines) == 1 {
			parts = append(parts, fmt.Sprintf("%.2f%% (%s)", 100*r.Penalty, r.Baseline))
		} else {
			parts = append(parts, fmt.Sprintf("%.2f%% (%s, %s)", 100*r.Penalty, r.Baseline, r.Machine))
		}
		if r.Penalty < OffloadBound {
			under++
		} else {
			over++
		}
	}
	c.Cells = "sizing model on " + strings.Join(machines, "; ")
	c.Model = "predicted penalty " + strings.Join(parts, ", ")
	switch {
	case over == 0:
		c.Verdict, c.Why = reports.Supported, "every predicted penalty is under 3% (a model prediction, not a measurement)"
	case under == 0:
		c.Verdict, c.Why = reports.Contradicted, "every predicted penalty is at or above 3% (a model prediction, not a measurement)"
	default:
		c.Verdict, c.Why = reports.Inconclusive, "the predicted penalty is under 3% for some baselines or machines and not for others"
	}
	return c
}

func seed(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
