package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one SVG chart, written beside report.md under File and linked
// from the report's section it belongs to.
type Chart struct {
	File  string
	Title string
	SVG   []byte
}

// Chart files.
const (
	ChartQualityCost = "quality-cost.svg"
	ChartRuler       = "ruler-length.svg"
	ChartBBH         = "bbh-difficulty.svg"
	ChartTrend       = "trend.svg"
)

// Panel sizes.
const (
	chartWidth  = 7 * vg.Inch
	panelHeight = 3.6 * vg.Inch
)

// Charts draws the report's charts: quality against cost with the Pareto
// frontier (one panel per task set), RULER's average against length per
// runner, and BBH accuracy against generated difficulty. A chart with
// nothing to draw is left out. The SVG depends only on r, byte for byte.
func (r *Report) Charts() ([]Chart, error) {
	var out []Chart
	for _, f := range []func() (*Chart, error){r.qualityCostChart, r.rulerChart, r.bbhChart} {
		c, err := f()
		if err != nil {
			return nil, err
		}
		if c != nil {
			out = append(out, *c)
		}
	}
	return out, nil
}

// runnerStyle gives each runner of the run one colour and glyph in every
// chart.
type runnerStyle map[string]int

func (r *Report) styles() runnerStyle {
	s := runnerStyle{}
	for _, c := range r.Cells {
		if _, ok := s[c.Runner]; !ok {
			s[c.Runner] = len(s)
		}
	}
	return s
}

func (s runnerStyle) color(name string) color.Color { return plotutil.Color(s[name]) }

func (s runnerStyle) glyph(name string) draw.GlyphStyle {
	return draw.GlyphStyle{Color: s.color(name), Radius: vg.Points(3), Shape: plotutil.Shape(s[name])}
}

// errPoints are points with vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// addSeries adds points (percent), their error bars where the estimate has
// an interval, and a line through them when line is set.
func addSeries(p *plot.Plot, xs []float64, es []Estimate, c color.Color, g draw.GlyphStyle, line bool, legend string) error {
	pts := make(plotter.XYs, len(xs))
	var bars errPoints
	for i, x := range xs {
		pts[i] = plotter.XY{X: x, Y: 100 * es[i].Mean}
		if es[i].HasInterval() {
			bars.XYs = append(bars.XYs, pts[i])
			bars.YErrors = append(bars.YErrors, struct{ Low, High float64 }{100 * (es[i].Mean - es[i].Lo), 100 * (es[i].Hi - es[i].Mean)})
		}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	sc.GlyphStyle = g
	p.Add(sc)
	if len(bars.XYs) > 0 {
		eb, err := plotter.NewYErrorBars(bars)
		if err != nil {
			return err
		}
		eb.LineStyle.Color = c
		p.Add(eb)
	}
	if line && len(pts) > 1 {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.LineStyle.Color = c
		l.LineStyle.Width = vg.Points(1)
		p.Add(l)
		p.Legend.Add(legend, l, sc)
	} else if legend != "" {
		p.Legend.Add(legend, sc)
	}
	return nil
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Y.Min, p.Y.Max = 0, 100
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// render draws plots stacked in one column as one SVG.
func renderSVG(plots []*plot.Plot) ([]byte, error) {
	c := vgsvg.New(chartWidth, panelHeight*vg.Length(len(plots)))
	grid := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		grid[i] = []*plot.Plot{p}
	}
	t := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(12), PadY: vg.Points(12)}
	canvases := plot.Align(grid, t, draw.New(c))
	for i, p := range plots {
		p.Draw(canvases[i][0])
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// padRange keeps an axis with one value from collapsing.
func padRange(lo, hi, pad float64) (float64, float64) {
	if hi > lo {
		return lo, hi
	}
	return lo - pad, hi + pad
}

func (r *Report) qualityCostChart() (*Chart, error) {
	st := r.styles()
	var plots []*plot.Plot
	for i := 0; i < len(r.Sets); {
		j := i
		for j < len(r.Sets) && r.Sets[j].Set == r.Sets[i].Set {
			j++
		}
		rows := r.Sets[i:j]
		i = j
		var eligible []SetRow
		for _, row := range rows {
			if row.Eligible {
				eligible = append(eligible, row)
			}
		}
		if len(eligible) == 0 {
			continue
		}
		p := newPlot(rows[0].Set+": score against cost (frontier: staircase)", "USD per 1,000 samples", "score (%)")
		maxCost := 0.0
		var front plotter.XYs
		var labels plotter.XYLabels
		for _, row := range eligible {
			if err := addSeries(p, []float64{row.CostPer1k}, []Estimate{row.Score}, st.color(row.Runner), st.glyph(row.Runner), false, ""); err != nil {
				return nil, err
			}
			maxCost = math.Max(maxCost, row.CostPer1k)
			pt := plotter.XY{X: row.CostPer1k, Y: 100 * row.Score.Mean}
			labels.XYs = append(labels.XYs, pt)
			labels.Labels = append(labels.Labels, fmt.Sprintf("%s (n=%d)", row.Runner, row.N))
			if row.OnFrontier {
				front = append(front, pt)
			}
		}
		slices.SortFunc(front, func(a, b plotter.XY) int { return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.Y, b.Y)) })
		if len(front) > 1 {
			l, err := plotter.NewLine(front)
			if err != nil {
				return nil, err
			}
			l.StepStyle = plotter.PostStep
			l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			p.Add(l)
		}
		lb, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
		p.Add(lb)
		p.X.Min = 0
		p.X.Max = maxCost * 1.25
		if maxCost == 0 {
			p.X.Max = 1
		}
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return nil, nil
	}
	svg, err := renderSVG(plots)
	if err != nil {
		return nil, err
	}
	return &Chart{File: ChartQualityCost, Title: "Quality against cost", SVG: svg}, nil
}

func (r *Report) rulerChart() (*Chart, error) {
	st := r.styles()
	p := newPlot("RULER: average over tasks against length", "length (tokens)", "score (%)")
	var ticks plot.ConstantTicks
	seen := map[int]bool{}
	lo, hi := math.Inf(1), math.Inf(-1)
	drawn := false
	for _, rr := range r.Ruler {
		var xs []float64
		var es []Estimate
		n := 0
		for _, l := range rr.Lengths {
			if l.Average.N == 0 {
				continue
			}
			x := math.Log2(float64(l.Length))
			xs, es = append(xs, x), append(es, l.Average)
			n += l.Average.N
			lo, hi = math.Min(lo, x), math.Max(hi, x)
			if !seen[l.Length] {
				seen[l.Length] = true
				ticks = append(ticks, plot.Tick{Value: x, Label: lengthText(l.Length)})
			}
		}
		if len(xs) == 0 {
			continue
		}
		if err := addSeries(p, xs, es, st.color(rr.Runner), st.glyph(rr.Runner), true, fmt.Sprintf("%s (n=%d)", rr.Runner, n)); err != nil {
			return nil, err
		}
		drawn = true
	}
	if !drawn {
		return nil, nil
	}
	lo, hi = padRange(lo, hi, 0.5)
	lo, hi = lo-0.25, hi+0.25
	threshold, err := plotter.NewLine(plotter.XYs{{X: lo, Y: 85.6}, {X: hi, Y: 85.6}})
	if err != nil {
		return nil, err
	}
	threshold.LineStyle.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
	threshold.LineStyle.Color = color.Gray{Y: 0x80}
	p.Add(threshold)
	p.Legend.Add("threshold 85.6", threshold)
	p.Legend.Top, p.Legend.Left = false, true
	slices.SortFunc(ticks, func(a, b plot.Tick) int { return cmp.Compare(a.Value, b.Value) })
	p.X.Tick.Marker = ticks
	p.X.Min, p.X.Max = lo, hi
	svg, err := renderSVG([]*plot.Plot{p})
	if err != nil {
		return nil, err
	}
	return &Chart{File: ChartRuler, Title: "RULER score against length", SVG: svg}, nil
}

func (r *Report) bbhChart() (*Chart, error) {
	st := r.styles()
	p := newPlot("BBH: accuracy against generated difficulty", "difficulty of generated tasks (0: the official range)", "accuracy (%)")
	variants := map[string]bool{}
	for _, v := range r.BBH {
		variants[v.Variant] = true
	}
	maxD := 0
	drawn := false
	for _, v := range r.BBH {
		name := v.Runner
		if len(variants) > 1 {
			name += " " + v.Variant
		}
		var xs []float64
		var es []Estimate
		n := 0
		for _, l := range v.Difficulty {
			if l.Accuracy.N == 0 {
				continue
			}
			xs, es = append(xs, float64(l.Difficulty)), append(es, l.Accuracy)
			n += l.Accuracy.N
			maxD = max(maxD, l.Difficulty)
		}
		if len(xs) > 0 {
			if err := addSeries(p, xs, es, st.color(v.Runner), st.glyph(v.Runner), true, fmt.Sprintf("%s, generated (n=%d)", name, n)); err != nil {
				return nil, err
			}
			drawn = true
		}
		if v.Official.Micro.N > 0 {
			g := st.glyph(v.Runner)
			g.Shape = draw.RingGlyph{}
			g.Radius = vg.Points(5)
			if err := addSeries(p, []float64{0}, []Estimate{v.Official.Micro}, st.color(v.Runner), g, false,
				fmt.Sprintf("%s, official (n=%d)", name, v.Official.Micro.N)); err != nil {
				return nil, err
			}
			drawn = true
		}
	}
	if !drawn {
		return nil, nil
	}
	var ticks plot.ConstantTicks
	for d := 0; d <= maxD; d++ {
		ticks = append(ticks, plot.Tick{Value: float64(d), Label: strconv.Itoa(d)})
	}
	p.X.Tick.Marker = ticks
	p.X.Min, p.X.Max = -0.5, float64(maxD)+0.5
	p.Legend.Top, p.Legend.Left = true, false
	svg, err := renderSVG([]*plot.Plot{p})
	if err != nil {
		return nil, err
	}
	return &Chart{File: ChartBBH, Title: "BBH accuracy against generated difficulty", SVG: svg}, nil
}

// TrendPoint is one runner's cell in one stored run: the figures a trend
// chart needs (package reports/trend converts the store's series).
type TrendPoint struct {
	RunID     string
	Start     time.Time
	Runner    string
	Set       string
	N         int     // scored samples
	Successes float64 // sum of scores
	Errors    int
}

// TrendChart draws each runner's pooled score per task set over runs, one
// panel per set, runs placed at their start time (UTC). It returns nil
// when there is nothing to draw.
func TrendChart(points []TrendPoint) (*Chart, error) {
	type key struct{ set, runner, run string }
	type agg struct {
		start time.Time
		succ  float64
		n     int
	}
	sums := map[key]*agg{}
	for _, p := range points {
		k := key{p.Set, p.Runner, p.RunID}
		a := sums[k]
		if a == nil {
			a = &agg{start: p.Start}
			sums[k] = a
		}
		a.succ += p.Successes
		a.n += p.N
	}
	sets := map[string]map[string][]key{}
	runners := map[string]int{}
	for k := range sums {
		if sets[k.set] == nil {
			sets[k.set] = map[string][]key{}
		}
		sets[k.set][k.runner] = append(sets[k.set][k.runner], k)
		runners[k.runner] = 0
	}
	for i, name := range sortedKeys(runners) {
		runners[name] = i
	}
	var plots []*plot.Plot
	for _, set := range sortedKeys(sets) {
		p := newPlot(set+": pooled score per run", "run start (UTC)", "score (%)")
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, runner := range sortedKeys(sets[set]) {
			ks := sets[set][runner]
			slices.SortFunc(ks, func(a, b key) int {
				return cmp.Or(sums[a].start.Compare(sums[b].start), cmp.Compare(a.run, b.run))
			})
			var xs []float64
			var es []Estimate
			n := 0
			for _, k := range ks {
				a := sums[k]
				if a.n == 0 {
					continue
				}
				x := float64(a.start.Unix())
				xs = append(xs, x)
				es = append(es, Proportion(a.succ, a.n, false))
				lo, hi = math.Min(lo, x), math.Max(hi, x)
				n += a.n
			}
			if len(xs) == 0 {
				continue
			}
			i := runners[runner]
			g := draw.GlyphStyle{Color: plotutil.Color(i), Radius: vg.Points(2.5), Shape: plotutil.Shape(i)}
			if err := addSeries(p, xs, es, plotutil.Color(i), g, true, fmt.Sprintf("%s (n=%d over %d runs)", runner, n, len(xs))); err != nil {
				return nil, err
			}
		}
		if math.IsInf(lo, 1) {
			continue
		}
		lo, hi = padRange(lo, hi, 12*3600)
		p.X.Min, p.X.Max = lo, hi
		p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02", Time: func(t float64) time.Time { return time.Unix(int64(t), 0).UTC() }}
		p.Legend.Top, p.Legend.Left = false, true
		plots = append(plots, p)
	}
	if len(plots) == 0 {
		return nil, nil
	}
	svg, err := renderSVG(plots)
	if err != nil {
		return nil, err
	}
	return &Chart{File: ChartTrend, Title: "Trend over stored runs", SVG: svg}, nil
}
