package longctx

import (
	"math/rand/v2"
	"strings"
)

// The essay haystack. RULER fills its haystack with published essays;
// this project ships none, so it writes its own: sentences from a small
// grammar of essay-like patterns about work, craft and learning, in
// paragraphs of a few sentences. The text is readable, varied and has no
// digits, hyphens or capitals beyond a sentence's first letter and "I",
// so no key, value or variable name can occur in it by accident.
//
// Sentence i is a pure function of (seed, i), so any stretch of the
// essay can be produced without the text before it, and every run of
// every machine sees the same essay: like RULER, all samples share one
// haystack and differ in their needles.

// essaySeed fixes the essay every task uses.
const essaySeed = 0x45535341590a // "ESSAY\n"

type essay struct{ seed uint64 }

func essayStream(seed uint64) essay { return essay{seed} }

// sentence returns sentence i, with its leading separator: "\n\n" when it
// opens a paragraph (about one sentence in five), else " ".
func (e essay) sentence(i int) string {
	r := rand.New(rand.NewPCG(e.seed, uint64(i)))
	sep := " "
	if i > 0 && r.IntN(5) == 0 {
		sep = "\n\n"
	}
	s := expand(r, sentencePatterns[r.IntN(len(sentencePatterns))])
	return sep + fixArticles(strings.ToUpper(s[:1])+s[1:])
}

// expand fills each {slot} of a pattern with a random choice of its
// list, recursively.
func expand(r *rand.Rand, pattern string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(pattern, '{')
		if i < 0 {
			b.WriteString(pattern)
			return b.String()
		}
		j := strings.IndexByte(pattern[i:], '}') + i
		b.WriteString(pattern[:i])
		choices := grammar[pattern[i+1:j]]
		b.WriteString(expand(r, choices[r.IntN(len(choices))]))
		pattern = pattern[j+1:]
	}
}

// fixArticles turns "a" into "an" before a vowel sound.
func fixArticles(s string) string {
	if !strings.Contains(s, "a ") {
		return s
	}
	words := strings.Split(s, " ")
	for i := 0; i+1 < len(words); i++ {
		if (words[i] == "a" || words[i] == "A") && vowelSound(words[i+1]) {
			words[i] += "n"
		}
	}
	return strings.Join(words, " ")
}

func vowelSound(w string) bool {
	if w == "" {
		return false
	}
	switch w[0] {
	case 'a', 'e', 'i', 'o':
		return true
	case 'u':
		return strings.HasPrefix(w, "un") || strings.HasPrefix(w, "under")
	}
	return false
}

var sentencePatterns = []string{
	"{opener} {np} {adv} {v} {obj}.",
	"the {adj} thing about {topic} is that {clause}.",
	"{np} {v} {obj} because {clause}.",
	"it took me a long time to see that {clause}.",
	"if you want to {v} {obj}, start by {ger}.",
	"there is a {adj} difference between {ger} and {ger}.",
	"{opener} {ger} turns out to be {adj}.",
	"ask {np} about {topic} and they will tell you that {clause}.",
	"{np} who {v} {obj} {adv} {v} {obj} as well.",
	"you can learn a lot about {topic} by {ger}.",
	"I used to think that {clause}, but now I suspect that {clause}.",
	"{topic} is {adj}, and {np} {adv} {v} it.",
	"what {np} {v} {when} says a lot about {topic}.",
	"the trouble with {ger} is that {clause}.",
	"nobody warns you that {clause}.",
	"{np} {adv} {v} {obj} {when}.",
	"in a sense, {topic} is just {ger} done {manner}.",
	"it is {adj} how often {np} {v} {obj}.",
	"perhaps the best advice about {topic} is to keep {ger}.",
	"a friend once told me that {clause}.",
	"{opener} the {adj} part of {topic} is {ger}.",
	"most of what we call {topic} is really {ger}.",
	"{when}, {np} {adv} {v} {obj}.",
	"the more you think about {topic}, the more {adj} it seems.",
	"{np} rarely admit it, but {clause}.",
	"I suspect {topic} would be easier if {np} {v} {obj} {manner}.",
}

var grammar = map[string][]string{
	"opener": {"in practice,", "oddly enough,", "for a long time,", "looking back,", "at first,",
		"in the end,", "most of the time,", "sooner or later,", "to be fair,", "strangely,",
		"even so,", "as a rule,", "on a good day,", "now and then,", "for most of history,",
		"in hindsight,", "curiously,", "over the years,", "by the same token,", "as it happens,"},
	"np": {"most people", "good teachers", "young writers", "small companies", "the best engineers",
		"careful readers", "new founders", "old craftsmen", "ambitious students", "experienced editors",
		"quiet scientists", "local bakers", "most investors", "restless painters", "patient gardeners",
		"city planners", "village carpenters", "working musicians", "serious hobbyists", "curious children",
		"busy parents", "retired sailors", "clever apprentices", "honest critics", "tired managers",
		"stubborn inventors", "thoughtful librarians", "modest architects", "hungry travelers",
		"weekend cyclists", "night nurses", "mapmakers", "shopkeepers", "beekeepers", "translators"},
	"v": {"notice", "underestimate", "avoid", "remember", "admire", "question", "ignore", "discover",
		"rebuild", "polish", "postpone", "explain", "collect", "borrow", "misjudge", "trust", "defend",
		"revisit", "simplify", "measure", "share", "protect", "abandon", "imitate", "compare",
		"describe", "forget", "welcome", "predict", "study", "rearrange", "cherish", "doubt", "finish"},
	"obj": {"their own work", "small problems", "the obvious answer", "an unfinished draft",
		"the hardest part", "old habits", "a good question", "the quiet hours", "simple tools",
		"the first version", "every mistake", "a narrow path", "the real reason", "most advice",
		"plain language", "the whole picture", "slow progress", "honest feedback", "the details",
		"a familiar routine", "new ideas", "the morning light", "a long walk", "the empty page",
		"their earliest plans", "a steady rhythm", "the wrong lessons", "hidden costs", "spare time",
		"a rough sketch", "the weather", "their neighbors", "a worn notebook", "the last chapter"},
	"adv": {"usually", "rarely", "quietly", "slowly", "often", "seldom", "eventually", "carefully",
		"gladly", "almost always", "sometimes", "still", "never quite", "readily", "secretly", "happily"},
	"topic": {"work", "writing", "taste", "money", "curiosity", "friendship", "teaching", "design",
		"patience", "ambition", "craft", "memory", "attention", "learning", "reading", "cooking",
		"gardening", "travel", "music", "science", "history", "city life", "weather", "conversation",
		"architecture", "carpentry", "photography", "language", "research", "the sea", "village life"},
	"adj": {"surprising", "useful", "hard to see", "easy to miss", "strange", "obvious in hindsight",
		"worth noticing", "rare", "familiar", "subtle", "important", "misleading", "underrated",
		"curious", "simple", "stubborn", "fragile", "generous", "quiet", "unexpected", "humbling",
		"delightful", "tedious", "oddly comforting"},
	"ger": {"starting over", "asking questions", "writing things down", "working alone", "waiting",
		"listening", "reading slowly", "making lists", "fixing things", "taking notes", "saying no",
		"walking home", "cooking dinner", "planning ahead", "trying again", "sharing early",
		"cleaning up", "drawing maps", "keeping promises", "learning by doing", "watching closely",
		"throwing things away", "copying the masters", "asking for help"},
	"when": {"when nobody is watching", "after a long winter", "before anyone asks",
		"in the first week", "at the end of the day", "on quiet afternoons", "during a long journey",
		"without being told", "once the deadline passes", "in small towns", "at the kitchen table",
		"in the last hour", "on the way home", "late at night"},
	"manner": {"with care", "in public", "over many years", "on purpose", "for its own sake",
		"without hurry", "in good company", "with a little luck"},
	"clause": {"{np} {adv} {v} {obj}", "{np} {v} {obj} {when}", "{topic} is {adj}",
		"{ger} is {adj}", "{topic} matters more than it seems", "{np} {adv} {v} {topic}",
		"nothing beats {ger}", "{ger} and {ger} are closer than they look"},
}
