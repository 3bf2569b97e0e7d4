package bbh

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
)

// The official reasoning_about_colored_objects inputs describe a few
// coloured things on a surface, sometimes arranged in a row, sometimes
// with quantities, and ask one of about ten kinds of question: the colour
// of a thing, whether a thing has a colour, how many are neither of two
// colours, what is next to or furthest from something in the row, how
// many non-X things lie to one side, or how many of something remain
// after removing others. The options are the 18 colours, the counts zero
// to six (or sixteen), or yes and no. The generator asks the same about
// things of its own.
var coloredObjects = &genTask{
	name:      "reasoning_about_colored_objects",
	desc:      "Answer simple questions about the colours and places of things.",
	kind:      choiceAnswer,
	draw:      drawColored,
	harder:    "up to min(20, 6 + 3 x difficulty) things in a list, and more kinds of thing in the removal questions (official: 1 to 6, about 3 to 9 kinds)",
	solve:     solveColored,
	agreement: 0.98,
}

var colorNames = strings.Fields("red orange yellow green blue brown magenta fuchsia mauve teal turquoise burgundy silver gold black grey purple pink")

// The things: the solver reads the official ones and this project's own;
// the generator draws only its own, so no generated question can repeat
// an official one.
var (
	officialColorNouns = nounList("booklet bracelet cat_toy crayon cup dog_leash:dog_leashes envelope fidget_spinner jug keychain mug necklace notebook " +
		"pair_of_sunglasses:pairs_of_sunglasses paperclip pen pencil plate puzzle scrunchiephone_charger sheet_of_paper:sheets_of_paper " +
		"stress_ball teddy_bear textbook")
	colorNouns = nounList("coaster stapler ruler eraser thermos:thermoses candle wallet umbrella bookmark marble spoon fork comb " +
		"hairbrush:hairbrushes whistle badge button ribbon ticket glove sock scarf:scarves hat key")
)

var colorNounOf = func() map[string]string { // singular or plural → singular
	m := map[string]string{}
	for _, n := range slices.Concat(officialColorNouns, colorNouns) {
		m[n.one] = n.one
		m[n.many] = n.one
	}
	return m
}()

func pluralOf(one string) string {
	for _, n := range slices.Concat(officialColorNouns, colorNouns) {
		if n.one == one {
			return n.many
		}
	}
	return one + "s"
}

var (
	surfaces  = []string{"floor", "desk", "table", "nightstand"}
	thingWord = []string{"things", "objects", "items"}
	rowLeads  = []string{"a set of %s arranged in a row", "a bunch of %s arranged in a row", "several %s arranged in a row", "the following %s arranged in a row"}
)

// colorItem is one entry of the list.
type colorItem struct {
	qty          int
	color, thing string // thing singular
}

func (it colorItem) String() string {
	if it.qty == 1 {
		return article(it.color) + " " + it.color + " " + it.thing
	}
	return numberWord[it.qty] + " " + it.color + " " + pluralOf(it.thing)
}

// countOptions are "zero" to "six", or further when the list is longer.
func countOptions(upTo int) []string { return slices.Clone(numberWord[:max(7, upTo+1)]) }

func drawColored(r *rand.Rand, difficulty int) string {
	surface := surfaces[r.IntN(len(surfaces))]
	word := thingWord[r.IntN(len(thingWord))]
	one := strings.TrimSuffix(word, "s")
	kind := r.IntN(8)
	if kind == 7 {
		return drawColorRemoval(r, difficulty, surface, word)
	}
	row := kind >= 3
	n := 1 + r.IntN(min(20, 6+3*difficulty))
	if row || kind == 2 {
		n = max(n, 3) // room for a neighbour, a far end, and something to count
	}
	items := make([]colorItem, n)
	for i, noun := range pick(r, colorNouns, n) {
		items[i] = colorItem{1, colorNames[r.IntN(len(colorNames))], noun.one}
	}
	list := make([]string, n)
	for i, it := range items {
		list[i] = it.String()
	}
	var lead string
	if row {
		lead = fmt.Sprintf("On the %s, you see "+rowLeads[r.IntN(len(rowLeads))]+": ", surface, word)
	} else {
		lead = fmt.Sprintf("On the %s, %s ", surface, []string{"you see", "I see", "there is"}[r.IntN(3)])
	}
	body := lead + joinList(list) + ". "
	// ref names a thing by its kind, or by its colour when that is unique.
	ref := func(i int) string {
		unique := true
		for j, it := range items {
			unique = unique && (j == i || it.color != items[i].color)
		}
		if unique && r.IntN(2) == 0 {
			return items[i].color + " " + one
		}
		return items[i].thing
	}
	it := items[r.IntN(n)]
	switch kind {
	case 0:
		return body + "What color is the " + it.thing + "?" + renderOptions(colorNames)
	case 1:
		c := it.color
		if r.IntN(2) == 0 {
			c = colorNames[r.IntN(len(colorNames))]
		}
		return body + "Is the " + it.thing + " " + c + "?" + renderOptions([]string{"yes", "no"})
	case 2:
		cs := pick(r, colorNames, 2)
		if r.IntN(2) == 0 {
			cs[0] = it.color
		}
		if cs[0] == cs[1] {
			cs[1] = colorNames[(slices.Index(colorNames, cs[1])+1)%len(colorNames)]
		}
		return body + fmt.Sprintf("How many %s are neither %s nor %s?", word, cs[0], cs[1]) + renderOptions(countOptions(n))
	case 3:
		side := []string{"left", "right"}[r.IntN(2)]
		i := 1 + r.IntN(n-1) // has a left neighbour
		if side == "right" {
			i = r.IntN(n - 1)
		}
		return body + fmt.Sprintf("What is the color of the %s directly to the %s of the %s?", one, side, ref(i)) + renderOptions(colorNames)
	case 4:
		return body + fmt.Sprintf("What is the color of the %s-most %s?", []string{"left", "right"}[r.IntN(2)], one) + renderOptions(colorNames)
	case 5:
		// From an end or off-centre, so the furthest thing is unique.
		i := r.IntN(n)
		if 2*i == n-1 {
			i = 0
		}
		return body + fmt.Sprintf("What is the color of the %s furthest from the %s?", one, ref(i)) + renderOptions(colorNames)
	}
	side := []string{"left", "right"}[r.IntN(2)]
	c := items[r.IntN(n)].color
	return body + fmt.Sprintf("How many non-%s %s do you see to the %s of the %s?", c, word, side, ref(r.IntN(n))) + renderOptions(countOptions(n))
}

// drawColorRemoval draws the questions with quantities: two or three kinds
// of thing in two or three colours, one to three of each pair.
func drawColorRemoval(r *rand.Rand, difficulty int, surface, word string) string {
	for {
		kinds := pick(r, colorNouns, 2+r.IntN(2+difficulty))
		colors := pick(r, colorNames, 2+r.IntN(2+difficulty))
		var items []colorItem
		for _, k := range kinds {
			for _, c := range colors {
				if r.IntN(3) > 0 {
					items = append(items, colorItem{1 + r.IntN(3), c, k.one})
				}
			}
		}
		if len(items) < 3 || len(items) > 3*(3+difficulty) {
			continue
		}
		r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		list := make([]string, len(items))
		for i, it := range items {
			list[i] = numberWord[it.qty] + " " + it.color + " " + it.thing
			if it.qty > 1 {
				list[i] = it.String()
			}
		}
		verb := "there are"
		if items[0].qty == 1 {
			verb = "there is"
		}
		verb = []string{verb, "you see", "I see"}[r.IntN(3)]
		var q string
		var count int
		thing := kinds[r.IntN(len(kinds))].one
		color := colors[r.IntN(len(colors))]
		if r.IntN(2) == 0 {
			q = fmt.Sprintf("If I remove all the %s from the %s, how many %s %s remain on it?", pluralOf(thing), surface, color, word)
			for _, it := range items {
				if it.thing != thing && it.color == color {
					count += it.qty
				}
			}
		} else {
			q = fmt.Sprintf("If I remove all the %s %s from the %s, how many %s remain on it?", color, word, surface, pluralOf(thing))
			for _, it := range items {
				if it.thing == thing && it.color != color {
					count += it.qty
				}
			}
		}
		if count > 16 {
			continue
		}
		return fmt.Sprintf("On the %s, %s %s. %s", surface, verb, joinList(list), q) + renderOptions(numberWord[:17])
	}
}

var (
	colorIntro = regexp.MustCompile(`^On the (\w+), (?:you see|I see|there is|there are) (?:(?:a set of|a bunch of|several|the following) (?:things|objects|items) arranged in a row: )?(.+?)\. ([A-Z].*)$`)
	qColorOf   = regexp.MustCompile(`^What color is the (.+)\?$`)
	qIsColor   = regexp.MustCompile(`^Is the (.+) (\w+)\?$`)
	qNeither   = regexp.MustCompile(`^How many (?:things|objects|items) are neither (\w+) nor (\w+)\?$`)
	qBeside    = regexp.MustCompile(`^What is the color of the (?:thing|object|item) directly to the (left|right) of the (.+)\?$`)
	qEnd       = regexp.MustCompile(`^What is the color of the (left|right)-most (?:thing|object|item)\?$`)
	qFurthest  = regexp.MustCompile(`^What is the color of the (?:thing|object|item) furthest from the (.+)\?$`)
	qNonSide   = regexp.MustCompile(`^How many non-(\w+) (?:things|objects|items) do you see to the (left|right) of the (.+)\?$`)
	qRemove    = regexp.MustCompile(`^If I remove all the (.+) from the \w+, how many (.+) remain on it\?$`)
	colorGroup = regexp.MustCompile(`^(\w+) (?:things|objects|items|thing|object|item)$`)
)

func isColor(s string) bool { return slices.Contains(colorNames, s) }

func parseColorItem(s string) (colorItem, error) {
	f := strings.SplitN(s, " ", 3)
	if len(f) < 3 {
		return colorItem{}, fmt.Errorf("cannot read %q", s)
	}
	q, ok := quantityWords[f[0]]
	one, known := colorNounOf[f[2]]
	if !ok || !isColor(f[1]) || !known {
		return colorItem{}, fmt.Errorf("cannot read %q", s)
	}
	return colorItem{q, f[1], one}, nil
}

// solveColored reads the list and answers the question.
func solveColored(input string) (solution, error) {
	q, opts, err := splitOptions(input)
	if err != nil {
		return solution{}, err
	}
	m := colorIntro.FindStringSubmatch(q)
	if m == nil {
		return solution{}, fmt.Errorf("cannot read %.80q", q)
	}
	var items []colorItem
	var desc []string
	for _, s := range splitList(m[2]) {
		it, err := parseColorItem(s)
		if err != nil {
			return solution{}, err
		}
		items = append(items, it)
		desc = append(desc, fmt.Sprintf("%d. %s", len(items), s))
	}
	steps := []string{"The things, in the order given: " + strings.Join(desc, "; ") + "."}
	question := m[3]
	// find resolves "the pen" or "the red thing" to one entry.
	find := func(ref string) (int, error) {
		found := -1
		match := func(it colorItem) bool { return it.thing == ref }
		if g := colorGroup.FindStringSubmatch(ref); g != nil && isColor(g[1]) {
			match = func(it colorItem) bool { return it.color == g[1] }
		}
		for i, it := range items {
			if match(it) {
				if found >= 0 {
					return 0, fmt.Errorf("%q matches more than one thing", ref)
				}
				found = i
			}
		}
		if found < 0 {
			return 0, fmt.Errorf("%q matches nothing", ref)
		}
		return found, nil
	}
	answer := func(text string, why string) (solution, error) {
		steps = append(steps, why)
		l, err := pickOption(opts, text)
		if err != nil {
			return solution{}, err
		}
		return solution{target: l, steps: steps}, nil
	}
	count := func(n int) string {
		if n < len(numberWord) {
			return numberWord[n]
		}
		return fmt.Sprint(n)
	}
	switch {
	case qColorOf.MatchString(question):
		i, err := find(qColorOf.FindStringSubmatch(question)[1])
		if err != nil {
			return solution{}, err
		}
		return answer(items[i].color, fmt.Sprintf("The %s is %s.", items[i].thing, items[i].color))
	case qIsColor.MatchString(question):
		g := qIsColor.FindStringSubmatch(question)
		i, err := find(g[1])
		if err != nil {
			return solution{}, err
		}
		yes := "no"
		if items[i].color == g[2] {
			yes = "yes"
		}
		return answer(yes, fmt.Sprintf("The %s is %s.", items[i].thing, items[i].color))
	case qNeither.MatchString(question):
		g := qNeither.FindStringSubmatch(question)
		n := 0
		for _, it := range items {
			if it.color != g[1] && it.color != g[2] {
				n += it.qty
			}
		}
		return answer(count(n), fmt.Sprintf("Neither %s nor %s: %d.", g[1], g[2], n))
	case qBeside.MatchString(question):
		g := qBeside.FindStringSubmatch(question)
		i, err := find(g[2])
		if err != nil {
			return solution{}, err
		}
		j := i - 1
		if g[1] == "right" {
			j = i + 1
		}
		if j < 0 || j >= len(items) {
			return solution{}, fmt.Errorf("nothing lies to the %s of entry %d", g[1], i+1)
		}
		return answer(items[j].color, fmt.Sprintf("Directly to the %s of entry %d is entry %d, %s.", g[1], i+1, j+1, items[j].color))
	case qEnd.MatchString(question):
		j := 0
		if qEnd.FindStringSubmatch(question)[1] == "right" {
			j = len(items) - 1
		}
		return answer(items[j].color, fmt.Sprintf("That is entry %d, %s.", j+1, items[j].color))
	case qFurthest.MatchString(question):
		i, err := find(qFurthest.FindStringSubmatch(question)[1])
		if err != nil {
			return solution{}, err
		}
		j := 0
		if i < len(items)-1-i {
			j = len(items) - 1
		} else if i == len(items)-1-i {
			return solution{}, fmt.Errorf("entry %d is in the middle: both ends are furthest", i+1)
		}
		return answer(items[j].color, fmt.Sprintf("Furthest from entry %d is entry %d, %s.", i+1, j+1, items[j].color))
	case qNonSide.MatchString(question):
		g := qNonSide.FindStringSubmatch(question)
		i, err := find(g[3])
		if err != nil {
			return solution{}, err
		}
		lo, hi := 0, i
		if g[2] == "right" {
			lo, hi = i+1, len(items)
		}
		n := 0
		for _, it := range items[lo:hi] {
			if it.color != g[1] {
				n += it.qty
			}
		}
		return answer(count(n), fmt.Sprintf("To the %s of entry %d, not %s: %d.", g[2], i+1, g[1], n))
	case qRemove.MatchString(question):
		g := qRemove.FindStringSubmatch(question)
		matcher := func(spec string) (func(colorItem) bool, error) {
			if c := colorGroup.FindStringSubmatch(spec); c != nil && isColor(c[1]) {
				return func(it colorItem) bool { return it.color == c[1] }, nil
			}
			one, ok := colorNounOf[spec]
			if !ok {
				return nil, fmt.Errorf("cannot read %q", spec)
			}
			return func(it colorItem) bool { return it.thing == one }, nil
		}
		removed, err := matcher(g[1])
		if err != nil {
			return solution{}, err
		}
		asked, err := matcher(g[2])
		if err != nil {
			return solution{}, err
		}
		n := 0
		var terms []string
		for _, it := range items {
			if !removed(it) && asked(it) {
				n += it.qty
				terms = append(terms, it.String())
			}
		}
		why := "Nothing of that kind remains."
		if len(terms) > 0 {
			why = fmt.Sprintf("What remains of the %s: %s, %d in all.", g[2], strings.Join(terms, ", "), n)
		}
		return answer(count(n), why)
	}
	return solution{}, fmt.Errorf("unknown question %q", question)
}
