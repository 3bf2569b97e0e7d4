package bbh

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The official multistep_arithmetic_two inputs are "((g1) op (g2)) =" where
// each group holds four integers drawn from -9..9 joined by three operators
// from + - *, and op is one more; all draws uniform. The generator does the
// same. The answer is an open integer: no short list of choices would be
// honest, so the answer space has none and a random baseline answers null.
var multistepArithmeticTwo = &genTask{
	name:      "multistep_arithmetic_two",
	desc:      "Work out the value of each arithmetic expression.",
	kind:      intAnswer,
	draw:      drawArithmetic,
	harder:    "groups of 4 + difficulty operands (official: 4)",
	solve:     solveArithmetic,
	agreement: 1,
}

var arithOps = []string{"+", "-", "*"}

// drawArithmetic writes ((g1) op (g2)) with groups of 4 + difficulty
// operands; a draw whose value would overflow int64 is drawn again.
func drawArithmetic(r *rand.Rand, difficulty int) string {
	k := 4 + difficulty
	group := func() string {
		var b strings.Builder
		for i := range k {
			if i > 0 {
				fmt.Fprintf(&b, " %s ", arithOps[r.IntN(len(arithOps))])
			}
			b.WriteString(strconv.Itoa(r.IntN(19) - 9))
		}
		return b.String()
	}
	for {
		g1 := group()
		op := arithOps[r.IntN(len(arithOps))]
		in := fmt.Sprintf("((%s) %s (%s)) =", g1, op, group())
		if difficulty == 0 {
			return in // 9^8 cannot overflow
		}
		if toks, err := arithTokens(in); err == nil {
			if _, err := evalArith(toks); err == nil {
				return in
			}
		}
	}
}

// arithTokens splits an expression into numbers (a minus sign directly
// before a digit, where an operand is expected, is part of the number),
// operators and brackets, dropping a final "=".
func arithTokens(input string) ([]string, error) {
	s := strings.TrimSpace(input)
	s = strings.TrimSpace(strings.TrimSuffix(s, "="))
	var toks []string
	expectOperand := true
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			expectOperand = c == '('
			i++
		case isDigit(c) || (c == '-' && expectOperand && i+1 < len(s) && isDigit(s[i+1])):
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			toks = append(toks, s[i:j])
			expectOperand = false
			i = j
		case c == '+' || c == '-' || c == '*':
			toks = append(toks, string(c))
			expectOperand = true
			i++
		default:
			return nil, fmt.Errorf("unexpected %q in %q", c, input)
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression %q", input)
	}
	return toks, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isNumber(t string) bool { _, err := strconv.ParseInt(t, 10, 64); return err == nil }

// apply computes a op b, refusing results that overflow.
func apply(a int64, op string, b int64) (int64, error) {
	var v int64
	switch op {
	case "+":
		v = a + b
		if (b > 0 && v < a) || (b < 0 && v > a) {
			return 0, fmt.Errorf("overflow in %d + %d", a, b)
		}
	case "-":
		v = a - b
		if (b < 0 && v < a) || (b > 0 && v > a) {
			return 0, fmt.Errorf("overflow in %d - %d", a, b)
		}
	case "*":
		v = a * b
		if a != 0 && (v/a != b || (a == -1 && b == math.MinInt64)) {
			return 0, fmt.Errorf("overflow in %d * %d", a, b)
		}
	default:
		return 0, fmt.Errorf("unknown operator %q", op)
	}
	return v, nil
}

// evalArith evaluates by recursive descent (* before + and -, left to
// right); it checks the syntax and cross-checks the reduction steps.
func evalArith(toks []string) (int64, error) {
	p := &arithParser{toks: toks}
	v, err := p.sum()
	if err == nil && p.pos != len(toks) {
		err = fmt.Errorf("unexpected %q at token %d", toks[p.pos], p.pos+1)
	}
	return v, err
}

type arithParser struct {
	toks []string
	pos  int
}

func (p *arithParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *arithParser) sum() (int64, error) {
	v, err := p.product()
	for err == nil && (p.peek() == "+" || p.peek() == "-") {
		op := p.peek()
		p.pos++
		var w int64
		if w, err = p.product(); err == nil {
			v, err = apply(v, op, w)
		}
	}
	return v, err
}

func (p *arithParser) product() (int64, error) {
	v, err := p.atom()
	for err == nil && p.peek() == "*" {
		p.pos++
		var w int64
		if w, err = p.atom(); err == nil {
			v, err = apply(v, "*", w)
		}
	}
	return v, err
}

func (p *arithParser) atom() (int64, error) {
	t := p.peek()
	switch {
	case t == "(":
		p.pos++
		v, err := p.sum()
		if err != nil {
			return 0, err
		}
		if p.peek() != ")" {
			return 0, fmt.Errorf("missing ) at token %d", p.pos+1)
		}
		p.pos++
		return v, nil
	case isNumber(t):
		p.pos++
		return strconv.ParseInt(t, 10, 64)
	case t == "":
		return 0, fmt.Errorf("expression ends where a number should be")
	}
	return 0, fmt.Errorf("unexpected %q at token %d", t, p.pos+1)
}

// renderArith writes tokens the way the official inputs do: spaces
// between operands and operators, none inside brackets.
func renderArith(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t != ")" && toks[i-1] != "(" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// solveArithmetic reduces one operation at a time: the leftmost innermost
// brackets first, inside them the first * and otherwise the first + or -.
func solveArithmetic(input string) (solution, error) {
	toks, err := arithTokens(input)
	if err != nil {
		return solution{}, err
	}
	want, err := evalArith(toks)
	if err != nil {
		return solution{}, fmt.Errorf("%q: %v", input, err)
	}
	steps := []string{"Brackets come first; inside them * is done before + and -, and + and - go from left to right."}
	if t, changed := dropArithBrackets(toks); changed {
		toks = t
		steps = append(steps, "Brackets around a single number can be dropped: "+renderArith(toks)+".")
	}
	for len(toks) > 1 {
		lo, hi := innermost(toks)
		g := toks[lo:hi]
		i := findOp(g, "*")
		if i < 0 {
			i = findOp(g, "+", "-")
		}
		if i < 0 {
			return solution{}, fmt.Errorf("%q: cannot reduce %q", input, renderArith(toks))
		}
		from := lo + i - 1
		a, _ := strconv.ParseInt(toks[from], 10, 64)
		b, _ := strconv.ParseInt(toks[from+2], 10, 64)
		v, err := apply(a, toks[from+1], b)
		if err != nil {
			return solution{}, fmt.Errorf("%q: %v", input, err)
		}
		val := strconv.FormatInt(v, 10)
		step := renderArith(toks[from:from+3]) + " = " + val
		toks = slices.Concat(toks[:from], []string{val}, toks[from+3:])
		toks, _ = dropArithBrackets(toks)
		if len(toks) > 1 {
			step += ", so the expression becomes " + renderArith(toks)
		}
		steps = append(steps, step+".")
	}
	if len(toks) != 1 || toks[0] != strconv.FormatInt(want, 10) {
		return solution{}, fmt.Errorf("%q: reduction gave %v, evaluation %d", input, toks, want)
	}
	return solution{target: toks[0], steps: steps}, nil
}

// findOp returns the index of the first operator in ops that sits between
// two numbers in a bracket-free group.
func findOp(g []string, ops ...string) int {
	for i := 1; i+1 < len(g); i++ {
		if slices.Contains(ops, g[i]) && isNumber(g[i-1]) && isNumber(g[i+1]) {
			return i
		}
	}
	return -1
}

// dropArithBrackets rewrites "( n )" as "n".
func dropArithBrackets(toks []string) ([]string, bool) {
	changed := false
	for i := 0; i+2 < len(toks); {
		if toks[i] == "(" && isNumber(toks[i+1]) && toks[i+2] == ")" {
			toks = slices.Concat(toks[:i], toks[i+1:i+2], toks[i+3:])
			changed = true
			if i > 0 {
				i--
			}
			continue
		}
		i++
	}
	return toks, changed
}
