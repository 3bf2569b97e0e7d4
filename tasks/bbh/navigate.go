package bbh

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
)

// The official navigate inputs come in two forms: "Always face forward."
// followed by steps in the four directions, or steps straight ahead mixed
// with turns. There are 2 to 9 instructions of 1 to 10 steps, and the
// answer is Yes about two times in five. The generator builds a return to
// the start on purpose half the time, since random walks rarely return,
// and writes at least 5 instructions (7 with turns), since the short
// questions are so few that fresh ones would repeat official ones.
var navigate = &genTask{
	name:      "navigate",
	desc:      "Follow the instructions and say whether they lead back to the starting point.",
	kind:      yesNoAnswer,
	draw:      drawNavigate,
	harder:    "5 + 2 x difficulty to 9 + 4 x difficulty instructions, at least 7 with turns (official: 2 to 9)",
	solve:     solveNavigate,
	agreement: 1,
}

const (
	navLeadIn  = "If you follow these instructions, do you return to the starting point? "
	navOptions = "\nOptions:\n- Yes\n- No"
	faceAhead  = "Always face forward."
)

func steps(n int) string {
	if n == 1 {
		return "1 step"
	}
	return strconv.Itoa(n) + " steps"
}

// Directions as unit moves, x to the right and y forward.
var navDirs = []struct {
	name   string
	dx, dy int
}{{"forward", 0, 1}, {"backward", 0, -1}, {"left", -1, 0}, {"right", 1, 0}}

func drawNavigate(r *rand.Rand, difficulty int) string {
	for {
		if in, ok := tryNavigate(r, difficulty); ok {
			return in
		}
	}
}

func tryNavigate(r *rand.Rand, difficulty int) (string, bool) {
	// Fewer short walks than the official 2 to 9 instructions: short ones
	// are so few that a fresh draw could repeat an official question.
	lo, hi := 5+2*difficulty, 9+4*difficulty
	n := lo + r.IntN(hi-lo+1)
	back := r.IntN(2) == 0
	var ins []string
	if r.IntN(2) == 0 {
		ins = append(ins, faceAhead)
		moves := n
		if back {
			moves = max(1, n-2) // room for the walk home
		}
		x, y := 0, 0
		for range moves {
			d := navDirs[r.IntN(4)]
			k := 1 + r.IntN(10)
			x, y = x+d.dx*k, y+d.dy*k
			ins = append(ins, fmt.Sprintf("Take %s %s.", steps(k), d.name))
		}
		if back && x != 0 {
			name := "right"
			if x > 0 {
				name = "left"
			}
			ins = append(ins, fmt.Sprintf("Take %s %s.", steps(abs(x)), name))
		}
		if back && y != 0 {
			name := "forward"
			if y > 0 {
				name = "backward"
			}
			ins = append(ins, fmt.Sprintf("Take %s %s.", steps(abs(y)), name))
		}
	} else {
		turns := []string{"Turn left.", "Turn right.", "Turn around."}
		n = max(n, 7)
		moves := n
		if back {
			moves = n - 4 // room for the walk home
		}
		x, y, fx, fy := 0, 0, 0, 1
		for range moves {
			if r.IntN(3) == 0 {
				t := turns[r.IntN(3)]
				fx, fy = turn(fx, fy, t)
				ins = append(ins, t)
			} else {
				k := 1 + r.IntN(10)
				x, y = x+fx*k, y+fy*k
				ins = append(ins, fmt.Sprintf("Take %s.", steps(k)))
			}
		}
		if back {
			// Face home along each axis in turn and walk there.
			for _, leg := range [][3]int{{-sign(x), 0, abs(x)}, {0, -sign(y), abs(y)}} {
				if leg[2] == 0 {
					continue
				}
				if t := turnTo(fx, fy, leg[0], leg[1]); t != "" {
					ins = append(ins, t)
				}
				fx, fy = leg[0], leg[1]
				ins = append(ins, fmt.Sprintf("Take %s.", steps(leg[2])))
			}
		}
	}
	// Short questions are so few that a fresh one could repeat an official
	// one: at least 5 instructions, 7 with turns.
	if least := 5 + 2*difficulty; len(ins) < least || (ins[0] != faceAhead && len(ins) < max(least, 7)) {
		return "", false
	}
	return navLeadIn + strings.Join(ins, " ") + navOptions, true
}

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// turn applies "Turn left.", "Turn right." or "Turn around." to a facing.
func turn(fx, fy int, t string) (int, int) {
	switch t {
	case "Turn left.":
		return -fy, fx
	case "Turn right.":
		return fy, -fx
	case "Turn around.":
		return -fx, -fy
	}
	return fx, fy
}

// turnTo is the turn from one facing to another; "" when they are the same.
func turnTo(fx, fy, tx, ty int) string {
	for _, t := range []string{"Turn left.", "Turn right.", "Turn around."} {
		if x, y := turn(fx, fy, t); x == tx && y == ty {
			return t
		}
	}
	return ""
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

var (
	navTake = regexp.MustCompile(`^Take (\d+) steps?(?: (forward|backward|left|right))?\.$`)
	navTurn = regexp.MustCompile(`^Turn (left|right|around)\.$`)
)

// solveNavigate walks the instructions on a grid, x to the right and y
// ahead of where the walker first faced.
func solveNavigate(input string) (solution, error) {
	body, ok := strings.CutPrefix(input, navLeadIn)
	if !ok {
		return solution{}, fmt.Errorf("navigate input does not start with %q", navLeadIn)
	}
	body, ok = strings.CutSuffix(body, navOptions)
	if !ok {
		return solution{}, fmt.Errorf("navigate input does not end with the Yes/No options")
	}
	var ins []string
	for _, s := range strings.SplitAfter(body, ".") {
		if s = strings.TrimSpace(s); s != "" {
			ins = append(ins, s)
		}
	}
	x, y := 0, 0
	fx, fy := 0, 1 // facing
	steps := []string{"Start at (0, 0) facing forward, with x to the right and y ahead."}
	for _, s := range ins {
		switch m := navTake.FindStringSubmatch(s); {
		case s == faceAhead:
			steps = append(steps, "We always face forward.")
			continue
		case m != nil:
			k, _ := strconv.Atoi(m[1])
			// Relative to the way we face: forward (fx, fy), right (fy, -fx).
			dx, dy := fx, fy
			switch m[2] {
			case "backward":
				dx, dy = -fx, -fy
			case "left":
				dx, dy = -fy, fx
			case "right":
				dx, dy = fy, -fx
			}
			x, y = x+dx*k, y+dy*k
			steps = append(steps, fmt.Sprintf("%s: (%d, %d).", strings.TrimSuffix(s, "."), x, y))
			continue
		}
		m := navTurn.FindStringSubmatch(s)
		if m == nil {
			return solution{}, fmt.Errorf("unknown instruction %q", s)
		}
		fx, fy = turn(fx, fy, s)
		steps = append(steps, fmt.Sprintf("%s: now facing %s.", strings.TrimSuffix(s, "."), heading(fx, fy)))
	}
	target := "No"
	if x == 0 && y == 0 {
		target = "Yes"
		steps = append(steps, "We end at (0, 0), the starting point.")
	} else {
		steps = append(steps, fmt.Sprintf("We end at (%d, %d), not the starting point.", x, y))
	}
	return solution{target: target, steps: steps}, nil
}

func heading(fx, fy int) string {
	switch {
	case fy == 1:
		return "forward"
	case fy == -1:
		return "backward"
	case fx == 1:
		return "right"
	}
	return "left"
}
