package bbh

import (
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The official geometric_shapes inputs are one SVG path ("This SVG path
// element <path d="..."/> draws a") with ten options (circle, heptagon,
// hexagon, kite, line, octagon, pentagon, rectangle, sector, triangle),
// some with an eleventh (trapezoid or ellipse). Polygons are drawn with
// M and L commands, as one run or in pieces; circles and ellipses are two
// arcs; sectors two lines and an arc.
//
// Two conventions of the official targets matter. A closed two-arc path
// with equal radii is a circle, and also an ellipse; when both are
// offered the targets say ellipse. A rectangle has a pair of parallel
// sides, so it is also a trapezoid; when both are offered the targets say
// trapezoid. The solver follows them: of several true names it takes the
// more general one. The generator never offers both.
var geometricShapes = &genTask{
	name:      "geometric_shapes",
	desc:      "Name the shape an SVG path draws.",
	kind:      choiceAnswer,
	draw:      drawShape,
	harder:    "from difficulty 1 every edge is its own M-L piece, in shuffled order and direction, and difficulty extra points split edges in line, so counting commands or points misleads (official: one run or a few pieces, no points in line)",
	solve:     solveShape,
	agreement: 0.98,
}

var (
	shapeLeadIn  = `This SVG path element <path d="`
	shapeTail    = `"/> draws a`
	shapeOptions = []string{"circle", "heptagon", "hexagon", "kite", "line", "octagon", "pentagon", "rectangle", "sector", "triangle"}
	polygonNames = map[int]string{3: "triangle", 5: "pentagon", 6: "hexagon", 7: "heptagon", 8: "octagon"}
	// general names win over the special cases they include.
	moreGeneral = map[string]string{"circle": "ellipse", "rectangle": "trapezoid"}
)

type pt struct{ x, y float64 }

func (p pt) key() string { return fmt.Sprintf("%.2f,%.2f", p.x, p.y) }
func (p pt) sub(q pt) pt { return pt{p.x - q.x, p.y - q.y} }
func (p pt) len() float64 {
	return math.Hypot(p.x, p.y)
}
func cross(a, b pt) float64 { return a.x*b.y - a.y*b.x }
func dot(a, b pt) float64   { return a.x*b.x + a.y*b.y }

type segment struct {
	from, to pt
	arc      bool
	rx, ry   float64
}

var pathToken = regexp.MustCompile(`([MLA])\s*([^MLA]*)`)

func parsePath(d string) ([]segment, error) {
	var segs []segment
	var cur pt
	have := false
	for _, m := range pathToken.FindAllStringSubmatch(d, -1) {
		var nums []float64
		for _, f := range strings.FieldsFunc(m[2], func(r rune) bool { return r == ' ' || r == ',' }) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("cannot read %q in the path", f)
			}
			nums = append(nums, v)
		}
		switch {
		case m[1] == "M" && len(nums) == 2:
			cur, have = pt{nums[0], nums[1]}, true
		case m[1] == "L" && len(nums) == 2 && have:
			p := pt{nums[0], nums[1]}
			segs = append(segs, segment{from: cur, to: p})
			cur = p
		case m[1] == "A" && len(nums) == 7 && have:
			p := pt{nums[5], nums[6]}
			segs = append(segs, segment{from: cur, to: p, arc: true, rx: nums[0], ry: nums[1]})
			cur = p
		default:
			return nil, fmt.Errorf("cannot read the command %q", m[0])
		}
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("the path draws nothing")
	}
	return segs, nil
}

// shapeNames lists every name that fits the path, with the reasoning.
func shapeNames(segs []segment) ([]string, []string, error) {
	arcs, lines := 0, 0
	for _, s := range segs {
		if s.arc {
			arcs++
		} else {
			lines++
		}
	}
	if arcs > 0 {
		switch {
		case lines == 0 && arcs == 2 && segs[0].from.key() == segs[1].to.key():
			if math.Abs(segs[0].rx-segs[0].ry) < 0.01 && math.Abs(segs[1].rx-segs[1].ry) < 0.01 {
				return []string{"circle", "ellipse"}, []string{"Two arcs with equal radii close the path: a circle (which is also an ellipse)."}, nil
			}
			return []string{"ellipse"}, []string{"Two arcs with unequal radii close the path: an ellipse."}, nil
		case lines == 2 && arcs == 1:
			return []string{"sector"}, []string{"Two straight edges from one point and an arc between their ends: a sector."}, nil
		}
		return nil, nil, fmt.Errorf("%d arcs and %d lines make no known shape", arcs, lines)
	}
	// Straight edges: join them into a graph on their end points.
	adj := map[string][]string{}
	at := map[string]pt{}
	edges := map[[2]string]bool{}
	for _, s := range segs {
		a, b := s.from.key(), s.to.key()
		if a == b {
			continue
		}
		if a > b {
			a, b = b, a
		}
		if edges[[2]string{a, b}] {
			continue // drawn twice
		}
		edges[[2]string{a, b}] = true
		adj[a] = append(adj[a], b)
		adj[b] = append(adj[b], a)
		at[s.from.key()], at[s.to.key()] = s.from, s.to
	}
	if len(edges) == 1 {
		return []string{"line"}, []string{"One straight segment: a line."}, nil
	}
	for k, v := range adj {
		if len(v) != 2 {
			return nil, nil, fmt.Errorf("point %s ends %d edges: not one closed outline", k, len(v))
		}
	}
	// Walk the cycle.
	var start string
	for k := range adj {
		if start == "" || k < start {
			start = k
		}
	}
	cycle := []string{start}
	prev := ""
	for {
		cur := cycle[len(cycle)-1]
		next := adj[cur][0]
		if next == prev {
			next = adj[cur][1]
		}
		if next == start {
			break
		}
		if len(cycle) > len(adj) {
			return nil, nil, fmt.Errorf("the outline does not close")
		}
		prev = cur
		cycle = append(cycle, next)
	}
	if len(cycle) != len(adj) {
		return nil, nil, fmt.Errorf("the edges form more than one outline")
	}
	// Points in line with their neighbours are not corners.
	var corners []pt
	var flat []string
	for i, k := range cycle {
		p := at[k]
		a := at[cycle[(i+len(cycle)-1)%len(cycle)]].sub(p)
		b := at[cycle[(i+1)%len(cycle)]].sub(p)
		if sin := cross(a, b) / (a.len() * b.len()); math.Abs(sin) < 0.01 && dot(a, b) < 0 {
			flat = append(flat, fmt.Sprintf("point %s lies in line with its neighbours (%.2f degrees off straight), so it is no corner", k, math.Asin(math.Abs(sin))*180/math.Pi))
			continue
		}
		corners = append(corners, p)
	}
	n := len(corners)
	steps := []string{fmt.Sprintf("The edges form one closed outline through %d points, %d of them corners.", len(cycle), n)}
	for _, f := range flat {
		steps = append(steps, strings.ToUpper(f[:1])+f[1:]+".")
	}
	if name, ok := polygonNames[n]; ok {
		return []string{name}, append(steps, fmt.Sprintf("A polygon with %d corners is a %s.", n, name)), nil
	}
	if n != 4 {
		return nil, nil, fmt.Errorf("a polygon with %d corners has no name among the options", n)
	}
	side := make([]pt, 4)
	lens := make([]float64, 4)
	for i := range corners {
		side[i] = corners[(i+1)%4].sub(corners[i])
		lens[i] = side[i].len()
	}
	same := func(a, b float64) bool { return math.Abs(a-b) <= 0.01*math.Max(a, b) }
	var names []string
	right := true
	for i := range 4 {
		cos := dot(side[i], side[(i+1)%4]) / (lens[i] * lens[(i+1)%4])
		right = right && math.Abs(cos) < math.Sin(math.Pi/180) // within a degree of square
	}
	if right {
		names = append(names, "rectangle")
	}
	if (same(lens[0], lens[1]) && same(lens[2], lens[3])) || (same(lens[1], lens[2]) && same(lens[3], lens[0])) {
		names = append(names, "kite")
	}
	parallel := func(a, b pt) bool { return math.Abs(cross(a, b)) < 0.02*a.len()*b.len() }
	if parallel(side[0], side[2]) || parallel(side[1], side[3]) {
		names = append(names, "trapezoid")
	}
	steps = append(steps, fmt.Sprintf("Its sides are %.2f, %.2f, %.2f and %.2f long.", lens[0], lens[1], lens[2], lens[3]))
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("a four-sided shape that is no kite, rectangle or trapezoid")
	}
	why := map[string]string{"rectangle": "every corner is square", "kite": "two pairs of neighbouring sides are equal", "trapezoid": "a pair of opposite sides is parallel"}
	for _, n := range names {
		steps = append(steps, fmt.Sprintf("It is a %s: %s.", n, why[n]))
	}
	return names, steps, nil
}

// solveShape names the path's shape and finds it among the options.
func solveShape(input string) (solution, error) {
	q, opts, err := splitOptions(input)
	if err != nil {
		return solution{}, err
	}
	d, ok := strings.CutPrefix(q, shapeLeadIn)
	if !ok {
		return solution{}, fmt.Errorf("no SVG path in %.60q", q)
	}
	d, ok = strings.CutSuffix(d, shapeTail)
	if !ok {
		return solution{}, fmt.Errorf("the path is not followed by %q", shapeTail)
	}
	segs, err := parsePath(d)
	if err != nil {
		return solution{}, err
	}
	names, steps, err := shapeNames(segs)
	if err != nil {
		return solution{}, err
	}
	var offered []string
	for _, n := range names {
		if slices.Contains(opts, n) {
			offered = append(offered, n)
		}
	}
	// Of a special case and its general name, the general one.
	offered = slices.DeleteFunc(offered, func(n string) bool { return slices.Contains(offered, moreGeneral[n]) })
	switch len(offered) {
	case 0:
		return solution{}, fmt.Errorf("the shape (%s) is not among the options", strings.Join(names, ", "))
	case 1:
	default:
		return solution{}, fmt.Errorf("several options fit: %s", strings.Join(offered, ", "))
	}
	if len(names) > 1 {
		steps = append(steps, "Of the names that fit, the options offer "+offered[0]+".")
	}
	l, err := pickOption(opts, offered[0])
	if err != nil {
		return solution{}, err
	}
	return solution{target: l, steps: steps}, nil
}

// Generation.

func fmt2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
func (p pt) svg() string    { return fmt2(p.x) + "," + fmt2(p.y) }
func round2(p pt) pt        { return pt{math.Round(p.x*100) / 100, math.Round(p.y*100) / 100} }

func drawShape(r *rand.Rand, difficulty int) string {
	for {
		if in, ok := tryShape(r, difficulty); ok {
			return in
		}
	}
}

func tryShape(r *rand.Rand, difficulty int) (string, bool) {
	opts := slices.Clone(shapeOptions)
	center := pt{15 + r.Float64()*70, 15 + r.Float64()*70}
	size := 5 + r.Float64()*25
	turnBy := r.Float64() * 2 * math.Pi
	rot := func(p pt) pt {
		c, s := math.Cos(turnBy), math.Sin(turnBy)
		return round2(pt{center.x + p.x*c - p.y*s, center.y + p.x*s + p.y*c})
	}
	var d, want string
	var poly []pt
	switch kind := r.IntN(10); kind {
	case 0: // line
		want = "line"
		a, b := rot(pt{-size, 0}), rot(pt{size * (0.3 + r.Float64()), 0})
		d = "M " + a.svg() + " L " + b.svg()
	case 1: // sector, less than a half turn
		want = "sector"
		a0 := r.Float64() * 2 * math.Pi
		a1 := a0 + 0.3 + r.Float64()*2.5
		p0 := round2(pt{center.x + size*math.Cos(a0), center.y + size*math.Sin(a0)})
		p1 := round2(pt{center.x + size*math.Cos(a1), center.y + size*math.Sin(a1)})
		c := round2(center)
		d = fmt.Sprintf("M %s L %s A %s,%s 0.00 0,1 %s L %s", c.svg(), p0.svg(), fmt2(size), fmt2(size), p1.svg(), c.svg())
	case 2: // circle or ellipse
		rx, ry := size, size
		want = "circle"
		if r.IntN(2) == 0 {
			ry = size * (0.4 + 0.5*r.Float64())
			opts = append(opts, "ellipse")
			want = "ellipse"
		}
		deg := turnBy * 180 / math.Pi
		p := rot(pt{rx, 0})
		q := rot(pt{-rx, 0})
		arc := fmt.Sprintf("A %s,%s %s 1,0 ", fmt2(rx), fmt2(ry), fmt2(deg))
		d = "M " + p.svg() + " " + arc + q.svg() + " " + arc + p.svg()
	case 3: // kite
		want = "kite"
		w, top, bottom := size*(0.4+0.5*r.Float64()), size*(0.3+0.4*r.Float64()), size*(0.9+0.8*r.Float64())
		poly = []pt{rot(pt{0, -top}), rot(pt{w, 0}), rot(pt{0, bottom}), rot(pt{-w, 0})}
	case 4: // rectangle
		want = "rectangle"
		w, h := size, size*(0.2+0.6*r.Float64())
		poly = []pt{rot(pt{-w, -h}), rot(pt{w, -h}), rot(pt{w, h}), rot(pt{-w, h})}
	case 5: // trapezoid, neither a rectangle nor a kite
		w1, w2, h := size, size*(0.3+0.5*r.Float64()), size*(0.4+0.6*r.Float64())
		shift := (r.Float64() - 0.5) * size * 0.8
		poly = []pt{rot(pt{-w1, h}), rot(pt{w1, h}), rot(pt{w2 + shift, -h}), rot(pt{-w2 + shift, -h})}
		opts = append(opts, "trapezoid")
		want = "trapezoid"
	default: // triangle to octagon: a convex polygon with well-spread corners
		n := []int{3, 5, 6, 7, 8}[r.IntN(5)]
		want = polygonNames[n]
		angles := make([]float64, n)
		for i := range angles {
			angles[i] = (float64(i) + 0.15 + 0.7*r.Float64()) * 2 * math.Pi / float64(n)
		}
		for _, a := range angles {
			rad := size * (0.8 + 0.4*r.Float64())
			poly = append(poly, rot(pt{rad * math.Cos(a), rad * math.Sin(a)}))
		}
	}
	if poly != nil {
		if !wellCornered(poly) {
			return "", false
		}
		d = drawPolygon(r, poly, difficulty)
	}
	in := shapeLeadIn + d + shapeTail + renderOptions(opts)
	// Rounding to two decimals can spoil a shape (a kite's sides no longer
	// equal, a corner nearly flat): keep only what reads back as intended.
	sol, err := solveShape(in)
	if err != nil || opts[sol.target[1]-'A'] != want {
		return "", false
	}
	return in, true
}

// wellCornered: no corner is so flat that it could pass for a point in
// line, nor so sharp it could pass for a spike.
func wellCornered(poly []pt) bool {
	for i, p := range poly {
		a := poly[(i+len(poly)-1)%len(poly)].sub(p)
		b := poly[(i+1)%len(poly)].sub(p)
		if a.len() < 4 || b.len() < 4 {
			return false
		}
		c := dot(a, b) / (a.len() * b.len())
		if c < -0.985 || c > 0.985 { // within about 10 degrees of straight or of folded
			return false
		}
	}
	return true
}

// drawPolygon writes a polygon's path: one run, or a few pieces as the
// official paths are, or from difficulty 1 every edge on its own in a
// shuffled order and direction, with points in line splitting edges.
func drawPolygon(r *rand.Rand, poly []pt, difficulty int) string {
	start := r.IntN(len(poly))
	ring := append(slices.Clone(poly[start:]), poly[:start]...)
	if difficulty == 0 {
		var b strings.Builder
		b.WriteString("M " + ring[0].svg())
		for i := 1; i <= len(ring); i++ {
			p := ring[i%len(ring)]
			b.WriteString(" L " + p.svg())
			if i < len(ring) && r.IntN(3) == 0 {
				b.WriteString(" M " + p.svg()) // a new piece, as in the official paths
			}
		}
		return b.String()
	}
	type edge struct{ a, b pt }
	var edges []edge
	for i := range ring {
		edges = append(edges, edge{ring[i], ring[(i+1)%len(ring)]})
	}
	for range difficulty {
		i := r.IntN(len(edges))
		e := edges[i]
		if e.b.sub(e.a).len() < 8 {
			continue
		}
		t := 0.25 + 0.5*r.Float64()
		mid := round2(pt{e.a.x + t*(e.b.x-e.a.x), e.a.y + t*(e.b.y-e.a.y)})
		if mid.key() == e.a.key() || mid.key() == e.b.key() {
			continue
		}
		edges = slices.Replace(edges, i, i+1, edge{e.a, mid}, edge{mid, e.b})
	}
	r.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
	parts := make([]string, len(edges))
	for i, e := range edges {
		if r.IntN(2) == 0 {
			e.a, e.b = e.b, e.a
		}
		parts[i] = "M " + e.a.svg() + " L " + e.b.svg()
	}
	return strings.Join(parts, " ")
}
