package bbh

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

// The official boolean_expressions inputs are every one of them exactly
// eight tokens long (True, False, not, and, or, brackets), followed by
// "is". Their operand counts follow a uniform draw over all such
// expressions, of which there are only 2,122; the generator therefore deals
// them without replacement. Because the space is that small, about one
// generated input in eight is also an official one: for this task
// "generated" means freshly sampled, not unseen.
const boolLength = 8

var booleanExpressions = &genTask{
	name: "boolean_expressions",
	desc: "Evaluate each Boolean expression and say whether it is True or False.",
	kind: boolAnswer,
	space: func(difficulty int) []string {
		if difficulty > 0 {
			return nil
		}
		return boolSpaceOnce()
	},
	draw:      drawBoolean,
	harder:    "expressions of 8 + 4 x difficulty tokens, drawn uniformly (official: 8)",
	solve:     solveBoolean,
	agreement: 1,
}

var boolSpaceOnce = sync.OnceValue(boolSpace)

// boolTokensAt is the expression length at a difficulty.
func boolTokensAt(difficulty int) int { return boolLength + 4*difficulty }

// drawBoolean draws uniformly among all well-formed expressions of the
// difficulty's length: each token is chosen in proportion to the number of
// ways the expression can still be completed after it.
func drawBoolean(r *rand.Rand, difficulty int) string {
	n := boolTokensAt(difficulty)
	memo := map[[3]int]float64{}
	var count func(left int, expect bool, depth int) float64
	count = func(left int, expect bool, depth int) float64 {
		need := depth
		if expect {
			need++
		}
		if left < need {
			return 0
		}
		if left == 0 {
			return 1
		}
		e := 0
		if expect {
			e = 1
		}
		key := [3]int{left, e, depth}
		if v, ok := memo[key]; ok {
			return v
		}
		var v float64
		if expect {
			v = 2*count(left-1, false, depth) + count(left-1, true, depth) + count(left-1, true, depth+1)
		} else {
			v = 2 * count(left-1, true, depth)
			if depth > 0 {
				v += count(left-1, false, depth-1)
			}
		}
		memo[key] = v
		return v
	}
	type move struct {
		tok    string
		expect bool
		depth  int
	}
	toks := make([]string, 0, n+1)
	expect, depth := true, 0
	for left := n; left > 0; left-- {
		var moves []move
		if expect {
			moves = []move{{"True", false, depth}, {"False", false, depth}, {"not", true, depth}, {"(", true, depth + 1}}
		} else {
			moves = []move{{"and", true, depth}, {"or", true, depth}}
			if depth > 0 {
				moves = append(moves, move{")", false, depth - 1})
			}
		}
		var total float64
		w := make([]float64, len(moves))
		for i, m := range moves {
			w[i] = count(left-1, m.expect, m.depth)
			total += w[i]
		}
		x := r.Float64() * total
		pick := len(moves) - 1
		for i := range moves {
			if x < w[i] {
				pick = i
				break
			}
			x -= w[i]
		}
		for w[pick] == 0 { // float edge: never pick a dead end
			pick--
		}
		m := moves[pick]
		toks = append(toks, m.tok)
		expect, depth = m.expect, m.depth
	}
	return strings.Join(toks, " ") + " is"
}

// boolSpace lists every well-formed expression of boolLength tokens, as
// "<tokens> is", sorted.
func boolSpace() []string {
	var out []string
	toks := make([]string, 0, boolLength)
	// expect: an operand comes next; depth: open brackets.
	var walk func(expect bool, depth int)
	walk = func(expect bool, depth int) {
		left := boolLength - len(toks)
		need := depth
		if expect {
			need++
		}
		if left < need {
			return
		}
		if left == 0 {
			out = append(out, strings.Join(toks, " ")+" is")
			return
		}
		try := func(tok string, expect bool, depth int) {
			toks = append(toks, tok)
			walk(expect, depth)
			toks = toks[:len(toks)-1]
		}
		if expect {
			try("True", false, depth)
			try("False", false, depth)
			try("not", true, depth)
			try("(", true, depth+1)
			return
		}
		try("and", true, depth)
		try("or", true, depth)
		if depth > 0 {
			try(")", false, depth-1)
		}
	}
	walk(true, 0)
	slices.Sort(out)
	return out
}

// boolTokens splits an input in the official form ("... is") into tokens.
func boolTokens(input string) ([]string, error) {
	toks := strings.Fields(input)
	if len(toks) > 0 && toks[len(toks)-1] == "is" {
		toks = toks[:len(toks)-1]
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty Boolean expression %q", input)
	}
	for _, t := range toks {
		switch t {
		case "True", "False", "not", "and", "or", "(", ")":
		default:
			return nil, fmt.Errorf("unexpected token %q in %q", t, input)
		}
	}
	return toks, nil
}

// evalBool evaluates with Python's rules (not binds tighter than and, and
// tighter than or) by recursive descent; it is the syntax check and a
// cross-check on the step-by-step reduction.
func evalBool(toks []string) (bool, error) {
	p := &boolParser{toks: toks}
	v, err := p.or()
	if err != nil {
		return false, err
	}
	if p.pos != len(toks) {
		return false, fmt.Errorf("unexpected %q at token %d", toks[p.pos], p.pos+1)
	}
	return v, nil
}

type boolParser struct {
	toks []string
	pos  int
}

func (p *boolParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *boolParser) or() (bool, error) {
	v, err := p.and()
	for err == nil && p.peek() == "or" {
		p.pos++
		var w bool
		w, err = p.and()
		v = v || w
	}
	return v, err
}

func (p *boolParser) and() (bool, error) {
	v, err := p.not()
	for err == nil && p.peek() == "and" {
		p.pos++
		var w bool
		w, err = p.not()
		v = v && w
	}
	return v, err
}

func (p *boolParser) not() (bool, error) {
	switch p.peek() {
	case "not":
		p.pos++
		v, err := p.not()
		return !v, err
	case "True", "False":
		p.pos++
		return p.toks[p.pos-1] == "True", nil
	case "(":
		p.pos++
		v, err := p.or()
		if err != nil {
			return false, err
		}
		if p.peek() != ")" {
			return false, fmt.Errorf("missing ) at token %d", p.pos+1)
		}
		p.pos++
		return v, nil
	case "":
		return false, fmt.Errorf("expression ends where an operand should be")
	}
	return false, fmt.Errorf("unexpected %q at token %d", p.peek(), p.pos+1)
}

func isBoolLit(t string) bool { return t == "True" || t == "False" }

func boolLit(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// solveBoolean reduces the expression one operation at a time, innermost
// brackets first and, inside them, not before and before or, writing each
// reduction as a step.
func solveBoolean(input string) (solution, error) {
	toks, err := boolTokens(input)
	if err != nil {
		return solution{}, err
	}
	want, err := evalBool(toks)
	if err != nil {
		return solution{}, fmt.Errorf("%q: %v", input, err)
	}
	steps := []string{"Brackets come first; elsewhere not is applied before and, and and before or."}
	if t, changed := dropBoolBrackets(toks); changed {
		toks = t
		steps = append(steps, "Brackets around a single value can be dropped: "+strings.Join(toks, " ")+".")
	}
	for len(toks) > 1 {
		lo, hi := innermost(toks)
		var from, to int // reduce toks[from:to]
		var v bool
		switch {
		case findNot(toks[lo:hi]) >= 0:
			from = lo + findNot(toks[lo:hi])
			to, v = from+2, toks[from+1] != "True"
		case findPair(toks[lo:hi], "and") >= 0:
			from = lo + findPair(toks[lo:hi], "and")
			to, v = from+3, toks[from] == "True" && toks[from+2] == "True"
		case findPair(toks[lo:hi], "or") >= 0:
			from = lo + findPair(toks[lo:hi], "or")
			to, v = from+3, toks[from] == "True" || toks[from+2] == "True"
		default:
			return solution{}, fmt.Errorf("%q: cannot reduce %q", input, strings.Join(toks, " "))
		}
		step := strings.Join(toks[from:to], " ") + " = " + boolLit(v)
		toks = slices.Concat(toks[:from], []string{boolLit(v)}, toks[to:])
		toks, _ = dropBoolBrackets(toks)
		if len(toks) > 1 {
			step += ", so the expression becomes " + strings.Join(toks, " ")
		}
		steps = append(steps, step+".")
	}
	if len(toks) != 1 || toks[0] != boolLit(want) {
		return solution{}, fmt.Errorf("%q: reduction gave %v, evaluation %v", input, toks, want)
	}
	return solution{target: toks[0], steps: steps}, nil
}

// innermost returns the bounds of the leftmost bracket-free group: the
// inside of the first closed pair of brackets, or the whole expression.
func innermost(toks []string) (lo, hi int) {
	open := -1
	for i, t := range toks {
		switch t {
		case "(":
			open = i
		case ")":
			return open + 1, i
		}
	}
	return 0, len(toks)
}

// findNot finds a not applied directly to a value.
func findNot(g []string) int {
	for i := 0; i+1 < len(g); i++ {
		if g[i] == "not" && isBoolLit(g[i+1]) {
			return i
		}
	}
	return -1
}

// findPair finds the first "value op value" in a group without nots.
func findPair(g []string, op string) int {
	for i := 0; i+2 < len(g); i++ {
		if isBoolLit(g[i]) && g[i+1] == op && isBoolLit(g[i+2]) {
			return i
		}
	}
	return -1
}

// dropBoolBrackets rewrites "( v )" as "v" wherever v is a single value.
func dropBoolBrackets(toks []string) ([]string, bool) {
	changed := false
	for i := 0; i+2 < len(toks); {
		if toks[i] == "(" && isBoolLit(toks[i+1]) && toks[i+2] == ")" {
			toks = slices.Concat(toks[:i], toks[i+1:i+2], toks[i+3:])
			changed = true
			if i > 0 {
				i-- // the value may now close an outer pair
			}
			continue
		}
		i++
	}
	return toks, changed
}
