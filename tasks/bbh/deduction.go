package bbh

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The official logical_deduction inputs put 3, 5 or 7 things in an order
// (birds on a branch, books on a shelf, golfers' finishing places, cars by
// age, fruits by price), give n - 1 clues that fix the order, and ask
// which of n statements of one kind ("The X is the second from the left",
// one per thing) is true. The generator draws an order, adds true clues
// until exactly one order fits, drops those the rest imply, and keeps the
// draw when n - 1 remain, as in the official items.
var (
	logicalDeduction3 = deductionTask(3)
	logicalDeduction5 = deductionTask(5)
	logicalDeduction7 = deductionTask(7)
)

func deductionTask(n int) *genTask {
	return &genTask{
		name:      "logical_deduction_" + numberWord[n] + "_objects",
		desc:      "Deduce the order of the things from the clues and say which statement is true.",
		kind:      choiceAnswer,
		draw:      func(r *rand.Rand, d int) string { return drawDeduction(r, n, d) },
		harder:    "at most max(0, 2 - difficulty) clues name a position outright, the rest compare two things, and difficulty clues more are implied by the others (official: n - 1 clues, any mix)",
		solve:     solveDeduction,
		agreement: 0.98,
	}
}

// deductionScene is one kind of order. Position 1 is the left end, first
// place, the oldest or the cheapest; position n the other end.
type deductionScene struct {
	intro  string // "On a branch, there are %s birds"
	kind   string // "left-right", "golf", "age", "price": how clues are written
	things []string
}

var deductionScenes = []deductionScene{
	{intro: "On a branch, there are %s birds", kind: "left-right",
		things: []string{"a heron", "a sparrow", "a wren", "a finch", "a magpie", "a pelican", "a parrot", "a swallow", "a kingfisher", "a woodpecker", "a starling", "a pigeon"}},
	{intro: "On a shelf, there are %s books", kind: "left-right",
		things: []string{"a teal book", "a maroon book", "a beige book", "a navy book", "an ivory book", "a lilac book", "a coral book", "an olive book", "an amber book", "a crimson book"}},
	{intro: "In a golf tournament, there were %s golfers", kind: "golf",
		things: []string{"Tom", "Liz", "Kim", "Sam", "Ben", "Zoe", "Ian", "Max", "Una", "Ray", "Ivy", "Ned"}},
	{intro: "In an antique car show, there are %s vehicles", kind: "age",
		things: []string{"a pickup", "a coupe", "a roadster", "a van", "a jeep", "a taxi", "a scooter", "a camper", "a cabriolet", "a tram"}},
	{intro: "A fruit stand sells %s fruits", kind: "price",
		things: []string{"cherries", "lemons", "limes", "figs", "dates", "grapes", "apricots", "papayas", "melons", "guavas", "lychees", "nectarines"}},
}

const deductionLeadIn = "The following paragraphs each describe a set of %s objects arranged in a fixed order. The statements are logically consistent within each paragraph. "

// clue is one statement: thing a is before thing b (rel), or thing a is at
// position pos (1-based from the first end).
type clue struct {
	a, b int
	rel  bool
	pos  int
}

func (c clue) holds(order []int) bool { // order[thing] = position
	if c.rel {
		return order[c.a] < order[c.b]
	}
	return order[c.a] == c.pos
}

// solutions counts the orders (up to limit) that satisfy every clue, by
// placing things one at a time, each only where the clues about things
// already placed allow.
func solutions(n int, clues []clue, limit int) (count int, first []int) {
	if n > maxDeduction {
		return 0, nil
	}
	s := deductionSearch{n: n, limit: limit}
	for _, c := range clues {
		switch {
		case !c.rel && s.fix[c.a] != 0 && s.fix[c.a] != c.pos:
			return 0, nil // one thing in two places
		case !c.rel:
			s.fix[c.a] = c.pos
		case c.a == c.b:
			return 0, nil // before itself
		case c.a < c.b:
			s.before[c.b] |= 1 << c.a // a is placed first and must come before b
		default:
			s.after[c.a] |= 1 << c.b // b is placed first and must come after a
		}
	}
	s.place(0)
	return s.count, s.first
}

// maxDeduction bounds the things a puzzle may have (the official ones
// have at most 7).
const maxDeduction = 12

type deductionSearch struct {
	n, limit, count int
	order           [maxDeduction]int // position of each placed thing, 1-based
	used            uint32            // positions taken
	fix             [maxDeduction]int // a clue's position for the thing, or 0
	before, after   [maxDeduction]uint32
	first           []int
}

func (s *deductionSearch) place(i int) bool {
	if i == s.n {
		s.count++
		if s.first == nil {
			s.first = append([]int(nil), s.order[:s.n]...)
		}
		return s.count >= s.limit
	}
	lo, hi := 1, s.n
	for j := range i {
		if s.before[i]&(1<<j) != 0 {
			lo = max(lo, s.order[j]+1)
		}
		if s.after[i]&(1<<j) != 0 {
			hi = min(hi, s.order[j]-1)
		}
	}
	if f := s.fix[i]; f != 0 {
		lo, hi = max(lo, f), min(hi, f)
	}
	for p := lo; p <= hi; p++ {
		if s.used&(1<<p) != 0 {
			continue
		}
		s.order[i] = p
		s.used |= 1 << p
		stop := s.place(i + 1)
		s.used &^= 1 << p
		if stop {
			return true
		}
	}
	return false
}

// name is how a thing starts a sentence: "The heron", "The cherries", "Tom".
func (s deductionScene) name(thing string) string {
	for _, a := range []string{"a ", "an "} {
		if rest, ok := strings.CutPrefix(thing, a); ok {
			return "The " + rest
		}
	}
	if s.kind == "price" {
		return "The " + thing
	}
	return thing
}

func (s deductionScene) lower(thing string) string {
	n := s.name(thing)
	if rest, ok := strings.CutPrefix(n, "The "); ok {
		return "the " + rest
	}
	return n
}

// say writes a clue or an option, without the full stop.
func (s deductionScene) say(c clue, things []string, n int) string {
	x := s.name(things[c.a])
	if c.rel {
		y := s.lower(things[c.b])
		// Either way round: "X is left of Y" or "Y is right of X".
		switch s.kind {
		case "left-right":
			return fmt.Sprintf("%s is to the left of %s", x, y)
		case "golf":
			return fmt.Sprintf("%s finished above %s", x, y)
		case "age":
			return fmt.Sprintf("%s is older than %s", x, y)
		}
		return fmt.Sprintf("%s are less expensive than %s", x, y)
	}
	k := c.pos
	fromEnd := n + 1 - c.pos
	switch s.kind {
	case "left-right":
		switch {
		case k == 1:
			return x + " is the leftmost"
		case k == n:
			return x + " is the rightmost"
		case fromEnd < k:
			return fmt.Sprintf("%s is the %s from the right", x, ordinalWord[fromEnd])
		}
		return fmt.Sprintf("%s is the %s from the left", x, ordinalWord[k])
	case "golf":
		switch {
		case k == 1:
			return x + " finished first"
		case k == n:
			return x + " finished last"
		case fromEnd < k:
			return fmt.Sprintf("%s finished %s-to-last", x, ordinalWord[fromEnd])
		}
		return fmt.Sprintf("%s finished %s", x, ordinalWord[k])
	case "age":
		switch {
		case k == 1:
			return x + " is the oldest"
		case k == n:
			return x + " is the newest"
		case fromEnd < k:
			return fmt.Sprintf("%s is the %s-newest", x, ordinalWord[fromEnd])
		}
		return fmt.Sprintf("%s is the %s-oldest", x, ordinalWord[k])
	}
	switch {
	case k == 1:
		return x + " are the cheapest"
	case k == n:
		return x + " are the most expensive"
	case fromEnd < k:
		return fmt.Sprintf("%s are the %s-most expensive", x, ordinalWord[fromEnd])
	}
	return fmt.Sprintf("%s are the %s-cheapest", x, ordinalWord[k])
}

// flip writes a relation the other way round half the time, as the
// official clues do ("Y is to the right of X").
func (s deductionScene) sayRel(r *rand.Rand, c clue, things []string, n int) string {
	if r.IntN(2) == 0 {
		return s.say(c, things, n)
	}
	x, y := s.name(things[c.b]), s.lower(things[c.a])
	switch s.kind {
	case "left-right":
		return fmt.Sprintf("%s is to the right of %s", x, y)
	case "golf":
		return fmt.Sprintf("%s finished below %s", x, y)
	case "age":
		return fmt.Sprintf("%s is newer than %s", x, y)
	}
	return fmt.Sprintf("%s are more expensive than %s", x, y)
}

func drawDeduction(r *rand.Rand, n, difficulty int) string {
	for {
		if in, ok := tryDeduction(r, n, difficulty); ok {
			return in
		}
	}
}

func tryDeduction(r *rand.Rand, n, difficulty int) (string, bool) {
	sc := deductionScenes[r.IntN(len(deductionScenes))]
	things := pick(r, sc.things, n)
	order := r.Perm(n) // order[thing] = position - 1
	for i := range order {
		order[i]++
	}
	maxAbs := n
	if difficulty > 0 {
		maxAbs = max(0, 2-difficulty)
	}
	var clues []clue
	abs := 0
	for count := 2; count != 1; {
		var c clue
		if abs < maxAbs && r.IntN(5) < 2 {
			t := r.IntN(n)
			c = clue{a: t, pos: order[t]}
		} else {
			a, b := r.IntN(n), r.IntN(n-1)
			if b >= a {
				b++
			}
			if order[a] > order[b] {
				a, b = b, a
			}
			c = clue{a: a, b: b, rel: true}
		}
		if slices.Contains(clues, c) {
			continue
		}
		clues = append(clues, c)
		count, _ = solutions(n, clues, 2)
		if !c.rel {
			abs++
		}
	}
	// Drop clues the others imply, trying each once in a random order.
	r.Shuffle(len(clues), func(i, j int) { clues[i], clues[j] = clues[j], clues[i] })
	for i := 0; i < len(clues); {
		rest := slices.Delete(slices.Clone(clues), i, i+1)
		if c, _ := solutions(n, rest, 2); c == 1 {
			clues = rest
			continue
		}
		i++
	}
	if difficulty == 0 && len(clues) != n-1 {
		return "", false
	}
	// Implied clues as distractors.
	for added, tries := 0, 0; added < difficulty && tries < 50*n; tries++ {
		a, b := r.IntN(n), r.IntN(n-1)
		if b >= a {
			b++
		}
		if order[a] > order[b] {
			a, b = b, a
		}
		c := clue{a: a, b: b, rel: true}
		if !slices.Contains(clues, c) {
			clues = append(clues, c)
			added++
		}
	}
	r.Shuffle(len(clues), func(i, j int) { clues[i], clues[j] = clues[j], clues[i] })
	var b strings.Builder
	fmt.Fprintf(&b, deductionLeadIn, numberWord[n])
	fmt.Fprintf(&b, sc.intro+": %s.", numberWord[n], joinList(things))
	for _, c := range clues {
		if c.rel {
			b.WriteString(" " + sc.sayRel(r, c, things, n) + ".")
		} else {
			b.WriteString(" " + sc.say(c, things, n) + ".")
		}
	}
	// Options: one position, asked of every thing.
	pos := 1 + r.IntN(n)
	opts := make([]string, n)
	for t := range things {
		opts[t] = sc.say(clue{a: t, pos: pos}, things, n)
	}
	return b.String() + renderOptions(opts), true
}

// Reading clues: after the thing, a predicate in one of these forms.
var (
	relForms = []struct {
		re      *regexp.Regexp
		reverse bool // the subject comes after the other thing
	}{
		{regexp.MustCompile(`^ is to the left of (.+)$`), false},
		{regexp.MustCompile(`^ is to the right of (.+)$`), true},
		{regexp.MustCompile(`^ finished above (.+)$`), false},
		{regexp.MustCompile(`^ finished below (.+)$`), true},
		{regexp.MustCompile(`^ (?:is|are) older than (.+)$`), false},
		{regexp.MustCompile(`^ (?:is|are) newer than (.+)$`), true},
		{regexp.MustCompile(`^ (?:is|are) less expensive than (.+)$`), false},
		{regexp.MustCompile(`^ (?:is|are) more expensive than (.+)$`), true},
		{regexp.MustCompile(`^ (?:is|are) cheaper than (.+)$`), false},
	}
	absForm = regexp.MustCompile(`^ (?:(?:is|are) the |finished )(.+)$`)
	ordForm = regexp.MustCompile(`^(\w+)(?: from the (left|right)|-(to-last|newest|oldest|cheapest|most expensive))$`)
)

// position reads an absolute position phrase for n things.
func position(phrase string, n int) (int, bool) {
	switch phrase {
	case "leftmost", "first", "oldest", "cheapest":
		return 1, true
	case "rightmost", "last", "newest", "most expensive":
		return n, true
	}
	m := ordForm.FindStringSubmatch(phrase)
	var k int
	if m == nil {
		k = ordinalValue(phrase) // golf: "finished third"
		return k, k >= 1 && k <= n
	}
	k = ordinalValue(m[1])
	if k < 1 || k > n {
		return 0, false
	}
	switch m[2] + m[3] {
	case "left", "oldest", "cheapest":
		return k, true
	}
	return n + 1 - k, true
}

// deductionPuzzle is a parsed input.
type deductionPuzzle struct {
	things []string // as named in the list, articles dropped
	clues  []clue
	texts  []string // the clue sentences
	opts   []string
	optCl  []clue
}

func stripArticle(s string) string {
	for _, a := range []string{"a ", "an ", "the ", "The "} {
		if rest, ok := strings.CutPrefix(s, a); ok {
			return rest
		}
	}
	return s
}

// thingAt matches a thing at the start of s (after an optional "The"),
// longest name first, and returns its index and the rest of s.
func (p *deductionPuzzle) thingAt(s string) (int, string, bool) {
	s = stripArticle(s)
	best := -1
	for i, t := range p.things {
		if strings.HasPrefix(s, t) && (best < 0 || len(t) > len(p.things[best])) {
			best = i
		}
	}
	if best < 0 {
		return 0, "", false
	}
	return best, s[len(p.things[best]):], true
}

func (p *deductionPuzzle) parseClue(s string) (clue, error) {
	n := len(p.things)
	a, pred, ok := p.thingAt(s)
	if !ok {
		return clue{}, fmt.Errorf("no known thing starts %q", s)
	}
	for _, f := range relForms {
		if m := f.re.FindStringSubmatch(pred); m != nil {
			b, rest, ok := p.thingAt(m[1])
			if !ok || rest != "" || b == a {
				return clue{}, fmt.Errorf("cannot read the other thing in %q", s)
			}
			if f.reverse {
				a, b = b, a
			}
			return clue{a: a, b: b, rel: true}, nil
		}
	}
	if m := absForm.FindStringSubmatch(pred); m != nil {
		if pos, ok := position(m[1], n); ok {
			return clue{a: a, pos: pos}, nil
		}
	}
	return clue{}, fmt.Errorf("cannot read %q", s)
}

var deductionIntro = regexp.MustCompile(`^(?:.*)?, there (?:are|were) \w+ \w+: |^A fruit stand sells \w+ fruits: `)

func parseDeduction(input string) (*deductionPuzzle, error) {
	q, opts, err := splitOptions(input)
	if err != nil {
		return nil, err
	}
	// Drop the fixed lead-in: everything up to "within each paragraph. ".
	if _, rest, ok := strings.Cut(q, "within each paragraph. "); ok {
		q = rest
	}
	loc := deductionIntro.FindStringIndex(q)
	if loc == nil {
		return nil, fmt.Errorf("cannot find the list of things in %.80q", q)
	}
	list, clues, ok := strings.Cut(q[loc[1]:], ". ")
	if !ok {
		return nil, fmt.Errorf("no clues after the list in %.80q", q)
	}
	p := &deductionPuzzle{opts: opts}
	for _, t := range splitList(list) {
		p.things = append(p.things, stripArticle(t))
	}
	if len(opts) != len(p.things) {
		return nil, fmt.Errorf("%d things but %d options", len(p.things), len(opts))
	}
	for _, s := range strings.Split(strings.TrimSuffix(clues, "."), ". ") {
		c, err := p.parseClue(s)
		if err != nil {
			return nil, err
		}
		p.clues = append(p.clues, c)
		p.texts = append(p.texts, s)
	}
	for _, o := range opts {
		c, err := p.parseClue(o)
		if err != nil {
			return nil, fmt.Errorf("option: %w", err)
		}
		p.optCl = append(p.optCl, c)
	}
	return p, nil
}

// solveDeduction finds the one order the clues allow and the one option
// true in it.
func solveDeduction(input string) (solution, error) {
	p, err := parseDeduction(input)
	if err != nil {
		return solution{}, err
	}
	n := len(p.things)
	count, order := solutions(n, p.clues, 2)
	switch count {
	case 0:
		return solution{}, fmt.Errorf("no order satisfies all %d clues", len(p.clues))
	case 2:
		return solution{}, fmt.Errorf("the clues allow more than one order")
	}
	byPos := make([]string, n)
	for t, pos := range order {
		byPos[pos-1] = p.things[t]
	}
	steps := []string{"Number the places 1 to " + strconv.Itoa(n) + " from the " + endName(input) + "."}
	for i, c := range p.clues {
		if c.rel {
			steps = append(steps, fmt.Sprintf("%s: %s comes before %s.", p.texts[i], p.things[c.a], p.things[c.b]))
		} else {
			steps = append(steps, fmt.Sprintf("%s: %s is in place %d.", p.texts[i], p.things[c.a], c.pos))
		}
	}
	steps = append(steps, "The only order that fits every clue: "+strings.Join(byPos, ", ")+".")
	answer := -1
	for i, c := range p.optCl {
		if c.holds(order) {
			if answer >= 0 {
				return solution{}, fmt.Errorf("options %s and %s are both true", letter(answer), letter(i))
			}
			answer = i
		}
	}
	if answer < 0 {
		return solution{}, fmt.Errorf("no option is true of the order %s", strings.Join(byPos, ", "))
	}
	steps = append(steps, fmt.Sprintf("So %s.", lowerFirst(p.opts[answer])))
	return solution{target: letter(answer), steps: steps}, nil
}

// endName names where place 1 is, from the kind of clues.
func endName(input string) string {
	switch {
	case strings.Contains(input, "finished"):
		return "first place"
	case strings.Contains(input, "older") || strings.Contains(input, "newer") || strings.Contains(input, "oldest") || strings.Contains(input, "newest"):
		return "oldest"
	case strings.Contains(input, "expensive") || strings.Contains(input, "cheap"):
		return "cheapest"
	}
	return "left"
}

func lowerFirst(s string) string {
	if rest, ok := strings.CutPrefix(s, "The "); ok {
		return "the " + rest
	}
	return s
}
