package bbh

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The official dyck_languages inputs are a prefix of a well-nested word over
// four bracket pairs, 1 to 100 or so tokens long, whose missing closing
// sequence (the target) is 1 to 3 brackets. The generator walks randomly
// up and down a stack so that it ends with exactly that many open.
var dyckLanguages = &genTask{
	name:      "dyck_languages",
	desc:      "Close every open bracket of each sequence, innermost first.",
	kind:      dyckAnswer,
	draw:      drawDyck,
	harder:    "inputs up to (1 + difficulty) times longer, with 1 to 3 + difficulty brackets left open (official: up to about 100 tokens, 1 to 3 open; generated ones have at least 16)",
	solve:     solveDyck,
	agreement: 1,
}

const dyckLeadIn = "Complete the rest of the sequence, making sure that the parentheses are closed properly. Input: "

var closerOf = map[string]string{"(": ")", "[": "]", "{": "}", "<": ">"}
var openers = []string{"(", "[", "{", "<"}

func drawDyck(r *rand.Rand, difficulty int) string {
	open := 1 + r.IntN(3+difficulty)
	// Lengths lean short, as the official ones do.
	maxLen := 20
	if r.IntN(2) == 0 {
		maxLen = 100
	}
	// At least 16 tokens: shorter sequences are few enough that a fresh
	// draw could repeat an official one.
	length := max(16, open+r.IntN(maxLen*(1+difficulty)))
	if (length-open)%2 == 1 {
		length++
	}
	var toks, stack []string
	for left := length; left > 0; left-- {
		canOpen := len(stack)+1-open <= left-1
		canClose := len(stack) > 0 && len(stack)-1+(left-1) >= open
		if canOpen && (!canClose || r.IntN(2) == 0) {
			o := openers[r.IntN(len(openers))]
			stack = append(stack, o)
			toks = append(toks, o)
		} else {
			toks = append(toks, closerOf[stack[len(stack)-1]])
			stack = stack[:len(stack)-1]
		}
	}
	return dyckLeadIn + strings.Join(toks, " ")
}

// solveDyck keeps a stack of open brackets and closes what is left, from
// the top. The steps show the stack after each stretch of the input.
func solveDyck(input string) (solution, error) {
	_, seq, ok := strings.Cut(input, "Input: ")
	if !ok {
		return solution{}, fmt.Errorf("no \"Input: \" in %.60q", input)
	}
	toks := strings.Fields(seq)
	if len(toks) == 0 {
		return solution{}, fmt.Errorf("empty sequence in %.60q", input)
	}
	// One line per token for short inputs; stretches for long ones, so the
	// reasoning stays within budget.
	chunk := max(1, (len(toks)+15)/16)
	steps := []string{"Go through the brackets in order, pushing each opening bracket on a stack and popping it at its closing bracket."}
	var stack []string
	for i := 0; i < len(toks); i += chunk {
		end := min(i+chunk, len(toks))
		for j, t := range toks[i:end] {
			if _, isOpen := closerOf[t]; isOpen {
				stack = append(stack, t)
				continue
			}
			if len(stack) == 0 || closerOf[stack[len(stack)-1]] != t {
				return solution{}, fmt.Errorf("token %d %q closes nothing open", i+j+1, t)
			}
			stack = stack[:len(stack)-1]
		}
		label := strconv.Itoa(i + 1)
		if end-i > 1 {
			label += "-" + strconv.Itoa(end)
		}
		state := strings.Join(stack, " ")
		if state == "" {
			state = "empty"
		}
		steps = append(steps, fmt.Sprintf("%s: %s ; stack: %s", label, strings.Join(toks[i:end], " "), state))
	}
	if len(stack) == 0 {
		return solution{}, fmt.Errorf("the sequence is already closed")
	}
	closing := make([]string, len(stack))
	for i := range stack {
		closing[i] = closerOf[stack[len(stack)-1-i]]
	}
	target := strings.Join(closing, " ")
	steps = append(steps, fmt.Sprintf("The final stack is %q; closing it from the top gives %s.", strings.Join(stack, " "), target))
	return solution{target: target, steps: steps}, nil
}
