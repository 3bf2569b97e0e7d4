package bbh

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
)

// The official tracking_shuffled_objects inputs give 3, 5 or 7 people
// (Alice, Bob, Claire, Dave, Eve, Fred, Gertrude) one thing each in one of
// five scenes (a square dance, books, soccer positions, a gift exchange, a
// ball game), then as many pairwise swaps as people, and ask what one
// person holds at the end; the options are the things in the order first
// given out. The generator uses the same scenes with things of this
// project's own.
var (
	tracking3 = trackingTask(3)
	tracking5 = trackingTask(5)
	tracking7 = trackingTask(7)
)

func trackingTask(n int) *genTask {
	return &genTask{
		name:      "tracking_shuffled_objects_" + numberWord[n] + "_objects",
		desc:      "Keep track of who holds what as pairs of people swap.",
		kind:      choiceAnswer,
		draw:      func(r *rand.Rand, d int) string { return drawTracking(r, n, d) },
		harder:    fmt.Sprintf("%d x (1 + difficulty) swaps (official: %d)", n, n),
		solve:     solveTracking,
		agreement: 1,
	}
}

var trackPeople = []string{"Alice", "Bob", "Claire", "Dave", "Eve", "Fred", "Gertrude"}

// trackScene is one official scene: its sentences, and how one person's
// thing is written.
type trackScene struct {
	intro  string // after "<people> are "
	start  string // the sentence before the colon
	hold   string // "%s is dancing with %s"
	during string // the sentence before the swaps
	swap   string // "%s and %s switch partners"
	end    string // "At the end of the dance, %s is dancing with"
	things []string
}

var trackScenes = []trackScene{
	{"dancers at a square dance", "At the start of a song, they each have a partner", "%s is dancing with %s",
		"Throughout the song, the dancers often trade partners.", "%s and %s switch partners", "At the end of the dance, %s is dancing with",
		strings.Fields("Beatrice Cosmo Delphine Ezra Florence Gustav Harriet Ignatius Josephine Leander")},
	{"friends and avid readers who occasionally trade books", "At the start of the semester, they each buy one new book", "%s gets %s",
		"As the semester proceeds, they start trading around the new books.", "%s and %s swap books", "At the end of the semester, %s has",
		[]string{"Middlemarch", "Dracula", "Emma", "Beloved", "Walden", "Persuasion", "The Iliad", "Jane Eyre", "Don Quixote", "Little Women"}},
	{"on the same team in a soccer match", "At the start of the match, they are each assigned to a position", "%s is playing %s",
		"As the game progresses, pairs of players occasionally swap positions.", "%s and %s trade positions", "At the end of the match, %s is playing",
		[]string{"sweeper", "center back", "left back", "right back", "defensive midfielder", "attacking midfielder", "left forward", "right forward", "second striker", "substitute"}},
	{"holding a white elephant gift exchange", "At the start of the event, they are each holding a present of a different color", "%s has %s",
		"As the event progresses, pairs of people swap gifts.", "%s and %s swap their gifts", "At the end of the event, %s has the",
		[]string{"teal present", "maroon present", "beige present", "navy present", "ivory present", "lilac present", "coral present", "olive present", "amber present", "crimson present"}},
	{"playing a game", "At the start of the game, they are each holding a ball", "%s has %s",
		"As the game progresses, pairs of players trade balls.", "%s and %s swap balls", "At the end of the game, %s has the",
		[]string{"teal ball", "maroon ball", "beige ball", "navy ball", "ivory ball", "lilac ball", "coral ball", "olive ball", "amber ball", "crimson ball"}},
}

func drawTracking(r *rand.Rand, n, difficulty int) string {
	sc := trackScenes[r.IntN(len(trackScenes))]
	people := trackPeople[:n]
	things := pick(r, sc.things, n)
	holds := make([]string, n)
	for i, p := range people {
		thing := things[i]
		if strings.HasSuffix(sc.hold, "has %s") {
			thing = article(thing) + " " + thing
		}
		holds[i] = fmt.Sprintf(sc.hold, p, thing)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s are %s. %s: %s.\n%s", joinList(people), sc.intro, sc.start, joinList(holds), sc.during)
	swaps := n * (1 + difficulty)
	for i := range swaps {
		lead := "Then"
		switch i {
		case 0:
			lead = "First"
		case swaps - 1:
			lead = "Finally"
		}
		a := r.IntN(n)
		c := r.IntN(n - 1)
		if c >= a {
			c++
		}
		fmt.Fprintf(&b, " %s, %s.", lead, fmt.Sprintf(sc.swap, people[a], people[c]))
	}
	b.WriteString(" " + fmt.Sprintf(sc.end, people[r.IntN(n)]))
	return b.String() + renderOptions(things)
}

var trackEnd = regexp.MustCompile(`At the end of the [a-z]+, (\w+) (?:is dancing with|is playing|has the|has)$`)

// swapOf reads "First, Alice and Bob swap balls" (or Then, Finally; switch,
// swap, trade).
func swapOf(sent string) (a, b string, ok bool) {
	_, rest, found := strings.Cut(sent, ", ")
	if !found {
		return "", "", false
	}
	switch sent[:len(sent)-len(rest)-2] {
	case "First", "Then", "Finally":
	default:
		return "", "", false
	}
	f := strings.Fields(rest)
	if len(f) < 4 || f[1] != "and" {
		return "", "", false
	}
	switch f[3] {
	case "switch", "swap", "trade":
		return f[0], f[2], true
	}
	return "", "", false
}

// solveTracking hands out the things (each option is one, in the order
// given), applies the swaps in turn and reads off the asked person's.
func solveTracking(input string) (solution, error) {
	q, opts, err := splitOptions(input)
	if err != nil {
		return solution{}, err
	}
	first, rest, ok := strings.Cut(q, "\n")
	if !ok {
		return solution{}, fmt.Errorf("tracking input has no second line")
	}
	names, _, ok := strings.Cut(first, " are ")
	if !ok {
		return solution{}, fmt.Errorf("cannot find the people in %q", first)
	}
	people := splitList(names)
	_, handout, ok := strings.Cut(first, ": ")
	if !ok {
		return solution{}, fmt.Errorf("cannot find who holds what in %q", first)
	}
	handout = strings.TrimSuffix(handout, ".")
	holds := splitList(handout)
	if len(holds) != len(people) || len(opts) != len(people) {
		return solution{}, fmt.Errorf("%d people, %d things handed out, %d options", len(people), len(holds), len(opts))
	}
	has := map[string]int{} // person → option index
	for i, h := range holds {
		if !strings.HasPrefix(h, people[i]+" ") {
			return solution{}, fmt.Errorf("%q does not start with %s", h, people[i])
		}
		best := -1
		for j, o := range opts {
			if strings.HasSuffix(h, " "+o) && (best < 0 || len(o) > len(opts[best])) {
				best = j
			}
		}
		if best < 0 {
			return solution{}, fmt.Errorf("%q holds none of the options", h)
		}
		has[people[i]] = best
	}
	state := func() string {
		parts := make([]string, len(people))
		for i, p := range people {
			parts[i] = p + ": " + opts[has[p]]
		}
		return strings.Join(parts, ", ")
	}
	steps := []string{"At the start: " + state() + "."}
	for _, sent := range strings.Split(rest, ". ") {
		a, b, ok := swapOf(sent)
		if !ok {
			continue
		}
		if _, ok := has[a]; !ok {
			return solution{}, fmt.Errorf("%s swaps but holds nothing", a)
		}
		if _, ok := has[b]; !ok {
			return solution{}, fmt.Errorf("%s swaps but holds nothing", b)
		}
		has[a], has[b] = has[b], has[a]
		steps = append(steps, fmt.Sprintf("%s and %s swap: %s.", a, b, state()))
	}
	m := trackEnd.FindStringSubmatch(strings.TrimSpace(rest))
	if m == nil {
		return solution{}, fmt.Errorf("cannot find the question at the end of %.60q", rest)
	}
	i, ok := has[m[1]]
	if !ok {
		return solution{}, fmt.Errorf("the question asks about %s, who holds nothing", m[1])
	}
	steps = append(steps, fmt.Sprintf("At the end, %s has %s.", m[1], opts[i]))
	return solution{target: letter(i), steps: steps}, nil
}
