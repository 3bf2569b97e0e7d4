package compare

import (
	"bytes"
	"fmt"
	"github.com/engrambench/engrambench/reports"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

const (
	left  = tw.AlignLeft
	right = tw.AlignRight
)

// WriteMarkdown renders c as Markdown: a heading at level (1 for "#")
// with title, what A and B are, the accuracy table, the latency and cost
// tables where there is anything to show, the warnings, and the legend.
// The output depends only on c, byte for byte.
func WriteMarkdown(w io.Writer, c *Comparison, title string, level int) error {
	level = max(1, min(level, 5))
	h := strings.Repeat("#", level)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\n\n", h, mdText(title))
	what := "run"
	if c.Mode == ModeRunners {
		what = "runner"
	}
	fmt.Fprintf(&b, "- A (%s): %s\n- B (%s): %s\n", what, mdCode(c.A), what, mdCode(c.B))
	fmt.Fprintf(&b, "- Differences are B − A. ~ marks a difference not significant at α = %s after Holm's correction across cells.\n", trimFloat(c.Options.Alpha))

	if len(c.Rows) == 0 {
		b.WriteString("\nNothing to compare: no cell has samples on both sides.\n")
	} else {
		fmt.Fprintf(&b, "\n%s# Accuracy\n\n", h)
		if err := accuracyTable(&b, c); err != nil {
			return err
		}
		if hasLatency(c) {
			fmt.Fprintf(&b, "\n%s# Latency (median)\n\n", h)
			if err := relativeTable(&b, c, func(r Row) Measure { return r.Latency }, reports.PrettySeconds); err != nil {
				return err
			}
		}
		if hasCost(c) {
			fmt.Fprintf(&b, "\n%s# Cost per 1,000 samples\n\n", h)
			if err := relativeTable(&b, c, func(r Row) Measure { return r.Cost }, usdPer1k); err != nil {
				return err
			}
		}
	}

	var warn []string
	warn = append(warn, c.Warnings...)
	for _, r := range c.Rows {
		for _, x := range r.Warnings {
			warn = append(warn, rowName(r)+": "+x)
		}
	}
	if len(warn) > 0 {
		fmt.Fprintf(&b, "\n%s# Warnings\n\n", h)
		for _, x := range warn {
			b.WriteString("- " + mdText(x) + "\n")
		}
	}
	fmt.Fprintf(&b, "\n%s# How to read this\n\n", h)
	fmt.Fprintf(&b, legend, trimFloat(100*c.Options.Level), c.Options.Resamples, c.Options.Seed, trimFloat(c.Options.Alpha))
	_, err := w.Write(b.Bytes())
	return err
}

const legend = `- **n**: pairs, the (instance, repeat) keys scored on both sides; for unpaired cells, the scored samples of A / B. Samples that ended in an error are never paired and never scored as wrong; they are counted under **Errors A / B**.
- **Accuracy Δ**: mean score of B minus mean score of A over the pairs, in percentage points; **%s%% CI** is the percentile paired-bootstrap interval (%d resamples, seed %d; unpaired cells: Newcombe's hybrid score interval).
- **Test**: McNemar's exact test when every score is 0 or 1; the Wilcoxon signed-rank test for fractional scores, latency and cost (exact below 50 untied pairs, else the normal approximation with tie and continuity corrections); a two-proportion z-test for unpaired cells.
- **p**: Holm-adjusted across the cells of each table; a difference is significant when p < %s.
- **Latency Δ**, **Cost Δ**: relative change of B's median latency, or mean cost, from A's, over pairs that got a response on both sides.
`

func newTable(b *bytes.Buffer, headers []string, align tw.Alignment) *tablewriter.Table {
	t := tablewriter.NewTable(b,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithAlignment(align),
	)
	t.Header(headers)
	return t
}

// prefix returns the leading Runner column for a comparison of runs.
func prefix[T any](c *Comparison, runner, rest []T) []T {
	if c.Mode == ModeRuns {
		return append(runner, rest...)
	}
	return rest
}

func accuracyTable(b *bytes.Buffer, c *Comparison) error {
	headers := prefix(c, []string{"Runner"}, []string{"Task", "n", "A", "B", "Δ (pp)", fmt.Sprintf("%s%% CI", trimFloat(100*c.Options.Level)), "p", "Test", "Errors A / B"})
	align := prefix(c, tw.Alignment{left}, tw.Alignment{left, right, right, right, right, right, right, left, right})
	t := newTable(b, headers, align)
	for _, r := range c.Rows {
		m := r.Accuracy
		n := strconv.Itoa(r.Pairs)
		if !r.Paired {
			n = fmt.Sprintf("%d / %d", m.NA, m.NB)
		}
		a, bb, delta, ci := "n/a", "n/a", "n/a", "n/a"
		if !math.IsNaN(m.A) {
			a, bb = pct(m.A), pct(m.B)
		}
		if m.Tested() {
			delta = "~"
			if m.Significant {
				delta = signedPP(m.Delta)
			}
			ci = "[" + signedPP(m.Lo) + ", " + signedPP(m.Hi) + "]"
		}
		test := m.Test
		if test == "" {
			test = "not tested"
		}
		row := prefix(c, []string{mdText(r.Runner)}, []string{
			mdCode(r.Cell), n, a, bb, delta, ci, pValue(m), test,
			fmt.Sprintf("%d / %d", r.ErrorsA, r.ErrorsB),
		})
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

func relativeTable(b *bytes.Buffer, c *Comparison, get func(Row) Measure, unit func(float64) string) error {
	headers := prefix(c, []string{"Runner"}, []string{"Task", "n", "A", "B", "Δ", "p"})
	align := prefix(c, tw.Alignment{left}, tw.Alignment{left, right, right, right, right, right})
	t := newTable(b, headers, align)
	for _, r := range c.Rows {
		m := get(r)
		if m.NA == 0 && m.NB == 0 {
			continue // nothing measured on either side
		}
		n := strconv.Itoa(m.N)
		if !r.Paired {
			n = fmt.Sprintf("%d / %d (unpaired)", m.NA, m.NB)
		}
		a, bb, delta := "n/a", "n/a", "n/a"
		if !math.IsNaN(m.A) {
			a, bb = unit(m.A), unit(m.B)
		}
		if m.Tested() {
			delta = "~"
			if m.Significant {
				delta = signedPercent(m.Delta)
			}
		}
		row := prefix(c, []string{mdText(r.Runner)}, []string{mdCode(r.Cell), n, a, bb, delta, pValue(m)})
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

func hasLatency(c *Comparison) bool {
	for _, r := range c.Rows {
		if r.Latency.NA > 0 || r.Latency.NB > 0 {
			return true
		}
	}
	return false
}

func hasCost(c *Comparison) bool {
	for _, r := range c.Rows {
		if r.Cost.NA > 0 || r.Cost.NB > 0 {
			return true
		}
	}
	return false
}

func rowName(r Row) string {
	if r.Runner == "" {
		return r.Cell
	}
	return r.Runner + " " + r.Cell
}

func pValue(m Measure) string {
	switch {
	case !m.Tested():
		return "n/a"
	case m.PAdj < 0.001:
		return "<0.001"
	}
	return strconv.FormatFloat(m.PAdj, 'f', 3, 64)
}

// pct renders a fraction of 1 as a percentage with one decimal.
func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) }

// signedPP renders a difference of fractions in percentage points, signed.
func signedPP(f float64) string {
	v := strconv.FormatFloat(100*f, 'f', 1, 64)
	if v == "-0.0" {
		v = "0.0"
	}
	if !strings.HasPrefix(v, "-") && v != "0.0" {
		v = "+" + v
	}
	return v
}

// signedPercent renders a relative change as a signed percentage.
func signedPercent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	return signedPP(f) + "%"
}

func usdPer1k(v float64) string { return "$" + strconv.FormatFloat(1000*v, 'f', 4, 64) }

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// mdText escapes s for inline Markdown, "|" included.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range strings.Join(strings.Fields(s), " ") {
		if strings.ContainsRune("\\`*_[]<>|#!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode renders s as a code span ("|" escaped for GitHub tables).
func mdCode(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" || strings.Contains(s, "`") {
		return mdText(s)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}
