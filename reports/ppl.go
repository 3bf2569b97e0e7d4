package reports

import (
	"cmp"
	"fmt"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tasks/longctx"
)

// PPLRow is one runner's document perplexity on one longppl cell (a
// domain at one window and stride), summed over its scored windows.
type PPLRow struct {
	Runner, Cell, Domain, Labels string
	PPL                          longctx.PPL
	Skipped                      int // windows scored as null or with no scored token
	Errors                       errorCount
	Problem                      string // why the sums could not be read ("" when they could)
}

func pplRows(r *Report, samples []*results.Brief) []PPLRow {
	type key struct{ runner, cell string }
	scores := map[key][]tasks.Score{}
	errs := map[key]*errorCount{}
	for _, s := range byKey(samples) {
		k := key{s.Runner, s.Cell}
		if errs[k] == nil {
			errs[k] = &errorCount{}
		}
		switch outcomeOf(s) {
		case outRequestError:
			errs[k].Request++
			continue
		case outScorerError:
			errs[k].Scorer++
			continue
		}
		scores[k] = append(scores[k], tasks.Score{Value: *s.Score, Extracted: s.Extracted, Detail: s.ScoreDetail})
	}
	var out []PPLRow
	for _, k := range sortedKeysFunc(errs, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.cell, b.cell), cmp.Compare(a.runner, b.runner))
	}) {
		_, domain, labels := cellLabels(k.cell)
		row := PPLRow{Runner: k.runner, Cell: k.cell, Domain: domain, Labels: labelString(labels), Errors: *errs[k]}
		sum, skipped, err := longctx.SummarizePPL(scores[k])
		if err != nil {
			row.Problem = err.Error()
			r.Notes = append(r.Notes, fmt.Sprintf("longppl %s %s: %v", k.runner, k.cell, err))
		} else {
			row.PPL, row.Skipped = sum, skipped
		}
		out = append(out, row)
	}
	return out
}
