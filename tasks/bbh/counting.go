package bbh

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The official object_counting inputs list 2 to 12 possessions ("a flute,
// two lamps, ...") and ask for the number in one category: fruits,
// vegetables, animals, musical instruments or (household) objects. About
// a third mix in a second category as distractors; questions about
// objects never do. Quantities are a/an (most), two, three, four or five.
// The generator writes the same, about things of its own.
var objectCounting = &genTask{
	name:      "object_counting",
	desc:      "Count the things of the kind asked about.",
	kind:      intAnswer,
	draw:      drawCounting,
	harder:    "2 + 2 x difficulty to 10 + 5 x difficulty items (as many as the lexicon holds), distractors of up to 1 + difficulty other kinds, quantities up to 5 + difficulty (official: 2 to 12 items, at most one other kind, up to 5)",
	solve:     solveCounting,
	agreement: 1,
}

// countNoun is one thing that can be counted, with its plural.
type countNoun struct{ one, many string }

// countCategories is the lexicon. The solver reads the nouns the official
// questions use and this project's own; the generator draws only its own,
// so no generated question can repeat an official one.
var countCategories = []struct {
	name     string
	official []countNoun // read, never drawn
	own      []countNoun // read and drawn
}{
	{"fruits",
		nounList("apple banana blackberry:blackberries grape nectarine orange peach:peaches plum raspberry:raspberries strawberry:strawberries"),
		nounList("cherry:cherries lemon lime mango:mangoes pear apricot fig kiwi melon papaya")},
	{"vegetables",
		nounList("cabbage carrot cauliflower garlic head_of_broccoli:heads_of_broccoli lettuce_head onion potato:potatoes stalk_of_celery:stalks_of_celery yam"),
		nounList("beet radish:radishes turnip leek artichoke parsnip shallot kohlrabi rutabaga")},
	{"animals",
		nounList("bear cat chicken cow dog donkey duck fish:fish frog goat mouse:mice pig rabbit snail snake"),
		nounList("horse sheep:sheep goose:geese hamster lizard owl parrot tortoise")},
	{"musical instruments",
		nounList("accordion clarinet drum flute piano trombone trumpet violin"),
		nounList("cello harp saxophone banjo tuba oboe xylophone")},
	{"objects",
		nounList("bed car chair couch:couches fridge lamp microwave oven stove table toaster"),
		nounList("bookshelf:bookshelves dresser kettle sofa wardrobe bench:benches mirror")},
}

func nounList(s string) []countNoun {
	var out []countNoun
	for _, f := range strings.Fields(s) {
		one, many, ok := strings.Cut(strings.ReplaceAll(f, "_", " "), ":")
		if !ok {
			many = one + "s"
		}
		out = append(out, countNoun{one, many})
	}
	return out
}

// countLexicon maps a singular or plural noun to its category.
var countLexicon = func() map[string]string {
	m := map[string]string{}
	for _, c := range countCategories {
		for _, n := range slices.Concat(c.official, c.own) {
			for _, w := range []string{n.one, n.many} {
				if prev, dup := m[w]; dup && prev != c.name {
					panic("bbh: counting noun in two categories: " + w)
				}
				m[w] = c.name
			}
		}
	}
	return m
}()

var quantityWords = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15}

func drawCounting(r *rand.Rand, difficulty int) string {
	lo, hi := 2+2*difficulty, 10+5*difficulty
	n := lo + r.IntN(hi-lo+1)
	ask := r.IntN(len(countCategories))
	cats := []int{ask}
	// Distractors of other kinds: a third of the time one, as in the
	// official items, and up to one more per difficulty step. Questions
	// about objects get none (are animals objects? leave no doubt), and
	// objects are never a distractor.
	if countCategories[ask].name != "objects" && (r.IntN(3) == 0 || difficulty > 0) {
		for _, other := range r.Perm(len(countCategories))[:1+min(difficulty, 3)] {
			if other != ask && countCategories[other].name != "objects" {
				cats = append(cats, other)
			}
		}
	}
	// Distinct nouns, drawn from the chosen categories.
	var pool []countNoun
	for _, c := range cats {
		pool = append(pool, countCategories[c].own...)
	}
	n = min(n, len(pool))
	nouns := pick(r, pool, n)
	if countLexicon[nouns[0].one] != countCategories[ask].name {
		// At least one thing of the asked kind, as in the official items.
		own := countCategories[ask].own
		nouns[0] = own[r.IntN(len(own))]
		if slices.Contains(nouns[1:], nouns[0]) {
			return drawCounting(r, difficulty)
		}
		r.Shuffle(len(nouns), func(i, j int) { nouns[i], nouns[j] = nouns[j], nouns[i] })
	}
	var items []string
	for _, noun := range nouns {
		q := 1
		if r.IntN(5) == 0 {
			q = 2 + r.IntN(4+difficulty)
		}
		if q == 1 {
			items = append(items, article(noun.one)+" "+noun.one)
		} else {
			items = append(items, numberWord[q]+" "+noun.many)
		}
	}
	return "I have " + joinList(items) + ". How many " + countCategories[ask].name + " do I have?"
}

var countQuestion = regexp.MustCompile(`^I have (.+)\. How many (.+) do I have\?$`)

// solveCounting adds up the quantities of the things in the asked category.
func solveCounting(input string) (solution, error) {
	m := countQuestion.FindStringSubmatch(strings.TrimSpace(input))
	if m == nil {
		return solution{}, fmt.Errorf("not an object_counting question: %.60q", input)
	}
	ask := m[2]
	known := false
	for _, c := range countCategories {
		known = known || c.name == ask
	}
	if !known {
		return solution{}, fmt.Errorf("unknown category %q", ask)
	}
	total := 0
	var counted, terms []string
	for _, item := range splitList(m[1]) {
		qty, noun, ok := strings.Cut(item, " ")
		q, isQty := quantityWords[qty]
		cat, isNoun := countLexicon[noun]
		if !ok || !isQty || !isNoun {
			return solution{}, fmt.Errorf("cannot read %q", item)
		}
		if cat != ask {
			continue
		}
		total += q
		counted = append(counted, fmt.Sprintf("%s (%d)", noun, q))
		terms = append(terms, strconv.Itoa(q))
	}
	steps := []string{"The " + ask + " among them: " + strings.Join(counted, ", ") + "."}
	if len(counted) == 0 {
		steps = []string{"None of them are " + ask + "."}
	} else {
		steps = append(steps, fmt.Sprintf("%s = %d.", strings.Join(terms, " + "), total))
	}
	return solution{target: strconv.Itoa(total), steps: steps}, nil
}
