package reports

import (
	"cmp"
	"slices"
	"strings"

	"github.com/engrambench/engrambench/results"
)

// Report is everything the cost-versus-quality report shows, computed once
// from a run and its samples by Build. Write renders it as report.md and
// Charts draws its SVG charts; neither computes statistics.
type Report struct {
	Run   results.Run
	Cells []Cell // per runner and cell, as Aggregate returns them

	// Sets is one row per runner and task set, sorted by set, then runner,
	// with the Pareto frontier of quality against cost marked per set.
	Sets   []SetRow
	Ruler  []RulerRunner // set "ruler", per runner
	BBH    []BBHVariant  // sets "bbh" and "bbh-gen", per runner and variant
	Coding []CodingRow   // coding sets, per runner, set and problem kind
	PPL    []PPLRow      // set "longppl", per runner and cell

	// Notes are problems met while reading samples (an unreadable score
	// detail, say); the report lists them rather than hiding them.
	Notes []string
}

// Build computes a Report from a run and its samples. Samples are taken as
// they are: deduplicate them first (results.Dedupe).
func Build(run results.Run, samples []results.Sample) *Report {
	return BuildBriefs(run, results.Briefs(samples))
}

// BuildBriefs is Build over samples read as Briefs
// (results.ReadRunDirBriefs), which a large run needs.
func BuildBriefs(run results.Run, briefs []results.Brief) *Report {
	ps := pointers(briefs)
	r := &Report{Run: run, Cells: aggregate(ps)}
	bySet := map[string][]*results.Brief{}
	for _, s := range ps {
		bySet[s.Set] = append(bySet[s.Set], s)
	}
	r.Sets = setRows(run, ps)
	r.Ruler = rulerRunners(r.Cells)
	r.BBH = bbhVariants(r, r.Cells, append(slices.Clip(bySet[bbhOfficial]), bySet[bbhGenerated]...))
	r.Coding = codingRows(r, bySet)
	r.PPL = pplRows(r, bySet[longPPL])
	return r
}

// Task-set names the report gives sections of their own. They are the
// names in packages tasks/bbh, tasks/longctx and tasks/coding, repeated
// here as constants that tests check against those packages.
const (
	bbhOfficial  = "bbh"
	bbhGenerated = "bbh-gen"
	rulerSet     = "ruler"
	longPPL      = "longppl"
)

// cellLabels splits a cell name "set/task=T/k=v/..." into its set, task and
// the other labels.
func cellLabels(cell string) (set, task string, labels map[string]string) {
	parts := strings.Split(cell, "/")
	set = parts[0]
	labels = map[string]string{}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		if k == "task" {
			task = v
			continue
		}
		labels[k] = v
	}
	return set, task, labels
}

// labelString writes labels as "k=v/k=v" in key order, leaving out the
// keys in drop.
func labelString(labels map[string]string, drop ...string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if !slices.Contains(drop, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(k + "=" + labels[k])
	}
	return b.String()
}

// sortedKeys returns the keys of m in order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// byKey returns samples sorted by key and repeat, the order sums are
// taken in, leaving ss as it was.
func byKey(ss []*results.Brief) []*results.Brief {
	ss = slices.Clone(ss)
	sortByKey(ss)
	return ss
}

func sortByKey(ss []*results.Brief) {
	slices.SortStableFunc(ss, func(a, b *results.Brief) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Repeat, b.Repeat))
	})
}

// sampleOutcome classifies a sample the way Aggregate does.
type sampleOutcome int

const (
	outScored sampleOutcome = iota
	outRequestError
	outScorerError
)

func outcomeOf(s *results.Brief) sampleOutcome {
	switch {
	case s.ErrorKind == results.ErrRequest:
		return outRequestError
	case s.ErrorKind == results.ErrScorer:
		return outScorerError
	case s.Error != "":
		return outRequestError
	case s.Score == nil:
		return outScorerError
	}
	return outScored
}
