package compare

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/store"
)

// Trend is the history of each runner's cells over a series of runs: the
// columns are the runs, oldest first; each row is one runner's cell.
type Trend struct {
	Runs []store.RunInfo
	Rows []TrendRow
}

// TrendRow is one runner's cell over the runs of a Trend.
type TrendRow struct {
	Runner string
	Cell   string
	// Points has one entry per run of the Trend, nil where the run did not
	// have the cell for this runner.
	Points []*store.Point
}

// NewTrend arranges points (from store.Series) under runs (from
// store.Runs). Points of runs not listed are ignored.
func NewTrend(runs []store.RunInfo, points []store.Point) Trend {
	col := make(map[string]int, len(runs))
	for i, r := range runs {
		col[r.ID] = i
	}
	type key struct{ runner, cell string }
	rows := map[key]*TrendRow{}
	for i := range points {
		p := &points[i]
		c, ok := col[p.RunID]
		if !ok {
			continue
		}
		k := key{p.Runner, p.Cell}
		r := rows[k]
		if r == nil {
			r = &TrendRow{Runner: p.Runner, Cell: p.Cell, Points: make([]*store.Point, len(runs))}
			rows[k] = r
		}
		r.Points[c] = p
	}
	t := Trend{Runs: runs}
	for _, r := range rows {
		t.Rows = append(t.Rows, *r)
	}
	slices.SortFunc(t.Rows, func(a, b TrendRow) int {
		return cmp.Or(cmp.Compare(a.Runner, b.Runner), cmp.Compare(a.Cell, b.Cell))
	})
	return t
}

// WriteTrend renders the trend as a Markdown table under a heading at
// level: one column per run (its UTC start; * marks a run that did not
// complete), each entry the score in percent with its n, and its errors
// when there were any.
func WriteTrend(w io.Writer, t Trend, title string, level int) error {
	level = max(1, min(level, 6))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", level), mdText(title))
	if len(t.Runs) == 0 || len(t.Rows) == 0 {
		b.WriteString("No stored runs to show.\n")
		_, err := w.Write(b.Bytes())
		return err
	}
	headers := []string{"Runner", "Task"}
	align := tw.Alignment{left, left}
	partial := false
	for _, r := range t.Runs {
		h := r.Start.UTC().Format("01-02 15:04")
		if r.Status != results.StatusComplete {
			h += " *"
			partial = true
		}
		headers = append(headers, h)
		align = append(align, right)
	}
	tab := newTable(&b, headers, align)
	for _, r := range t.Rows {
		// A new slice per row: the table keeps what it is given.
		row := make([]string, 0, len(headers))
		row = append(row, mdText(r.Runner), mdCode(r.Cell))
		for _, p := range r.Points {
			row = append(row, trendEntry(p))
		}
		if err := tab.Append(row); err != nil {
			return err
		}
	}
	if err := tab.Render(); err != nil {
		return err
	}
	b.WriteString("\nEach entry: score in percent (n scored samples; errors, never counted as wrong answers, when any). — : the runner did not run the cell.")
	if partial {
		b.WriteString(" * : the run did not complete.")
	}
	b.WriteString(" Runs:")
	for _, r := range t.Runs {
		b.WriteString(" " + mdCode(r.ID))
	}
	b.WriteString(".\n")
	_, err := w.Write(b.Bytes())
	return err
}

func trendEntry(p *store.Point) string {
	switch {
	case p == nil:
		return "—"
	case p.N == 0:
		return fmt.Sprintf("n/a (0, %d err)", p.Errors())
	case p.Errors() > 0:
		return pct(p.Score()) + " (" + strconv.Itoa(p.N) + ", " + strconv.Itoa(p.Errors()) + " err)"
	}
	return pct(p.Score()) + " (" + strconv.Itoa(p.N) + ")"
}
