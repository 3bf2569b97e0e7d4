package bbh

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"
)

// The official word_sorting inputs list 2 to 20 distinct lower-case words
// (uniformly many) after a fixed lead-in, and the target is Python's
// sorted() of them: code-point order, so upper case before lower case and
// a word before any word it is a prefix of. The generator draws from the
// project's own vocabulary below, which is rich in shared prefixes so that
// ordering often needs more than the first letter.
var wordSorting = &genTask{
	name:      "word_sorting",
	desc:      "Put each list of words in alphabetical order.",
	kind:      wordsAnswer,
	draw:      drawWords,
	harder:    "lists of 2 + 5 x difficulty to 20 + 10 x difficulty words (official: 2 to 20)",
	solve:     solveWords,
	agreement: 1,
}

const sortLeadIn = "Sort the following words alphabetically: List: "

const minSortWords, maxSortWords = 2, 20

func drawWords(r *rand.Rand, difficulty int) string {
	lo, hi := minSortWords+5*difficulty, min(maxSortWords+10*difficulty, len(vocabulary))
	k := lo + r.IntN(hi-lo+1)
	picked := make([]string, 0, k)
	for _, i := range r.Perm(len(vocabulary))[:k] {
		picked = append(picked, vocabulary[i])
	}
	return sortLeadIn + strings.Join(picked, " ")
}

func sortInputWords(input string) ([]string, error) {
	rest, ok := strings.CutPrefix(input, sortLeadIn)
	if !ok {
		return nil, fmt.Errorf("word_sorting input does not start with %q: %q", sortLeadIn, input)
	}
	words := strings.Fields(rest)
	if len(words) == 0 {
		return nil, fmt.Errorf("no words to sort in %q", input)
	}
	return words, nil
}

// solveWords sorts in code-point order and explains it: the first letters
// in order, then, within each letter, why each word comes before the next
// (the first letter where they differ, or one being a prefix of the other).
func solveWords(input string) (solution, error) {
	words, err := sortInputWords(input)
	if err != nil {
		return solution{}, err
	}
	sorted := slices.Clone(words)
	slices.Sort(sorted) // byte order of UTF-8 is code-point order
	var letters []string
	groups := map[string][]string{}
	for _, w := range sorted {
		f := firstRune(w)
		if _, seen := groups[f]; !seen {
			letters = append(letters, f)
		}
		groups[f] = append(groups[f], w)
	}
	steps := []string{"The first letters, in alphabetical order: " + strings.Join(letters, ", ") + "."}
	for _, f := range letters {
		g := groups[f]
		line := f + ": " + strings.Join(g, ", ")
		if len(g) > 1 {
			why := make([]string, 0, len(g)-1)
			for i := 1; i < len(g); i++ {
				why = append(why, compareWords(g[i-1], g[i]))
			}
			line += " (" + strings.Join(why, "; ") + ")"
		}
		steps = append(steps, line+".")
	}
	return solution{target: strings.Join(sorted, " "), steps: steps}, nil
}

func firstRune(w string) string {
	_, n := utf8.DecodeRuneInString(w)
	return w[:n]
}

// compareWords says why a comes before (or ties with) b, given a <= b.
func compareWords(a, b string) string {
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ra[i] != rb[i] {
			return fmt.Sprintf("%s < %s: letter %d is %c before %c", a, b, i+1, ra[i], rb[i])
		}
	}
	if len(ra) == len(rb) {
		return fmt.Sprintf("%s = %s: the same word", a, b)
	}
	return fmt.Sprintf("%s < %s: %s is a prefix of %s", a, b, a, b)
}

// vocabulary is the project's own list of everyday English words. It is
// deliberately full of shared beginnings (car, card, care, career, ...).
var vocabulary = strings.Fields(`
able about above absent accept access acid acorn act action active actor
after again age agent agree air alarm album alert alley allow almond alone
anchor angle animal ankle answer antler apple apricot april apron arch arctic
arm armor army arrow art artist ash aspen attic auction autumn avenue
baby back bacon badge bag bake baker balance ball ballad balloon bamboo banana
band bank bar barber bark barley barn barrel basin basket bath battery beach
bead beam bean bear beard beast beaver bed bee beech beetle bell belt bench
berry bicycle bird biscuit blade blanket blossom board boat bone book boot
border bottle boulder bowl box branch bread brick bridge broom brother bucket
cabin cable cactus cake calendar calm camel camera camp candle canoe canvas
cap cape car caravan card care career cargo carpet carrot cart case castle
cat cattle cave cedar cellar chair chalk channel chapel charm cheese cherry
chess chest chimney circle city clay cliff clock cloud clover coast coat
cocoa coffee coin collar comet copper coral corn corner cotton couch country
daisy dance danger dawn day deer delta den desert desk diamond diary dinner
dish dock doctor dog doll dolphin donkey door dragon drawer dream dress drum
duck dune dust eagle ear earth east echo edge egg elbow elder elm ember
engine envelope evening fable face factory fair falcon farm farmer feather
fence fern ferry field fig finger fire fish flag flame flute fog forest fork
fountain fox frame frost fruit garden garlic gate gear gem giant ginger glass
globe glove goat gold goose grain grape grass gravel guitar hall hammer hand
harbor hat hawk hay heart hedge helmet hen herb hill hive hollow honey hook
horn horse hotel house ice island ivory ivy jacket jar jelly jewel journey
jungle kettle key kite kitchen kitten knee knife knot ladder lake lamp lane
lantern leaf lemon letter lever library light lily lime linen lion lizard
lobster lock log loom lunch magnet mail mango manner map maple marble market
meadow melon metal mill mirror mist monkey moon moss mother mountain mouse
nail napkin needle nest net night noodle north note oak oar ocean office olive
onion orange orchard otter oven owl paddle page paint palace pan panel panic
pantry paper parade park parrot path peach pear pebble pen pencil pepper piano
pie pillow pin pine pint pipe planet plate plum pocket pond pony porch pot
potato puzzle quarry quilt rabbit radio raft rain rainbow raven reef ribbon
rice river road robin rock roof room root rope rose saddle sail salt sand
scarf school sea seed shadow shell ship shoe shore silk silver sister sky
sled snail snow soap sock soup spoon spring star starch start station stone
storm straw stream street sugar summer sun sunset swan table tail tea teacher
tent tenth thread thunder ticket tiger timber toast tomato tooth tower town
toy train tree tulip tunnel turtle umbrella valley vase velvet village violin
wagon wall walnut wand water wave whale wheat wheel whistle willow window
winter wolf wood wool yard yarn yellow zebra zero
`)
