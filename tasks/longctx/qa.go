package longctx

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// qa_1 and qa_2: answer a question from one or two gold documents hidden
// among distractor documents. RULER draws them from SQuAD (qa_1) and
// HotpotQA (qa_2); this project generates its own by default:
//
//   - qa_1: documents about people (birthplace, job, employer,
//     instrument). One is about the person asked about; distractors are
//     about other people and often mention that person by name.
//   - qa_2: two hops. "A works as ... at B" and "B is based in C"; the
//     question is "In which city is the company that A works for based?".
//     A was born in another city, distractor companies are based
//     elsewhere, and distractors mention A and B.
//
// A city answer has aliases ("Port Ashford", "Ashford"); any one found in
// the prediction scores (string_match_part). A squad_file or
// hotpotqa_file makes the tasks use real questions instead (qafile.go).

const (
	qaInstruction = "Answer the question at the end using the documents below. " +
		"Reply with the answer alone, without any other words."
	qaReminder = "Answer the question using the documents above. Reply with the answer alone, without any other words."
)

// docSource yields distractor documents in order.
type docSource interface{ doc(i int) string }

// qaSample is one question with its gold documents at their depths.
type qaSample struct {
	head, tail string
	gold       []insert // document text, depth
	dist       docSource
	refs       []string
	points     int
	c          *chunkCounter
	toks       []int
	strict     bool // gold documents must occur exactly once (generated text)
}

func qaDocUnit(n int, doc string) string {
	return "Document " + strconv.Itoa(n) + ": " + doc + "\n"
}

func (s *qaSample) render(units int, offsets []int) string {
	var b strings.Builder
	b.Grow(len(s.head) + len(s.tail) + units*200)
	b.WriteString(s.head)
	n, j := 1, 0
	for i := 0; i <= units; i++ {
		for j < len(s.gold) && at(units, s.gold[j].depth, s.points) == i {
			if offsets != nil {
				offsets[j] = b.Len()
			}
			b.WriteString(qaDocUnit(n, s.gold[j].text))
			n++
			j++
		}
		if i < units {
			b.WriteString(qaDocUnit(n, s.dist.doc(i)))
			n++
		}
	}
	b.WriteString(s.tail)
	return b.String()
}

func (s *qaSample) text(units int) string { return s.render(units, nil) }

// unitTokens counts a distractor as if numbered by its own index; the
// gold documents shift the numbers a little, which the fit absorbs.
func (s *qaSample) unitTokens(i int) int {
	for len(s.toks) <= i {
		k := len(s.toks)
		s.toks = append(s.toks, s.c.Count(qaDocUnit(k+1, s.dist.doc(k))))
	}
	return s.toks[i]
}

func (s *qaSample) finish(units int, text string) ([]string, bool) {
	if s.strict {
		for _, g := range s.gold {
			if strings.Count(text, g.text) != 1 {
				return nil, false
			}
		}
	}
	return s.refs, true
}

func (s *qaSample) verify(units int, text string) error {
	offsets := make([]int, len(s.gold))
	s.render(units, offsets)
	for j, g := range s.gold {
		if n := strings.Count(text, g.text); s.strict && n != 1 {
			return fmt.Errorf("gold document %q occurs %d times", g.text, n)
		}
		doc := strings.TrimPrefix(text[offsets[j]:], "Document ")
		num, rest, _ := strings.Cut(doc, ": ")
		if !strings.HasPrefix(rest, g.text+"\n") {
			return fmt.Errorf("gold document %d not at its depth (byte %d)", j, offsets[j])
		}
		if _, err := strconv.Atoi(num); err != nil {
			return fmt.Errorf("gold document %d has no number: %q", j, num)
		}
	}
	return nil
}

// nameMaker draws distinct names "Head Tail"; when half of those are
// taken it draws "Head2 Head Tail", never one whose last two words are a
// name already drawn (so a longer name never contains a shorter one).
type nameMaker struct {
	heads, tails []string
	used         map[string]bool
}

func newNameMaker(heads, tails []string) *nameMaker {
	return &nameMaker{heads: heads, tails: tails, used: map[string]bool{}}
}

func (m *nameMaker) next(r *rand.Rand) string {
	for {
		s := m.heads[r.IntN(len(m.heads))] + " " + m.tails[r.IntN(len(m.tails))]
		if len(m.used) > len(m.heads)*len(m.tails)/2 {
			if m.used[s] {
				continue
			}
			s = m.heads[r.IntN(len(m.heads))] + " " + s
		}
		if !m.used[s] {
			m.used[s] = true
			return s
		}
	}
}

// city is a generated place with its aliases: "Port Ashford" is also
// "Ashford". A base name has one fixed form, so aliases never collide.
type city struct{ name, base string }

func drawCity(r *rand.Rand) city {
	h, s := r.IntN(len(cityHeads)), r.IntN(len(citySuffixes))
	base := cityHeads[h] + citySuffixes[s]
	switch t := (h*7 + s*3) % (2 * len(cityTitles)); {
	case t < len(cityTitles):
		return city{cityTitles[t] + " " + base, base}
	default:
		return city{base, base}
	}
}

func (c city) aliases() []string {
	if c.name == c.base {
		return []string{c.name}
	}
	return []string{c.name, c.base}
}

func article(w string) string {
	if vowelSound(w) {
		return "an " + w
	}
	return "a " + w
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// genQA generates the people and companies of one sample.
type genQA struct {
	r         *rand.Rand
	people    *nameMaker
	companies *nameMaker
	hop2      bool
	mention   []string // names distractors mention: the person (and company) asked about
	docs      []string
}

func (g *genQA) doc(i int) string {
	for len(g.docs) <= i {
		g.docs = append(g.docs, g.distractor())
	}
	return g.docs[i]
}

func (g *genQA) distractor() string {
	r := g.r
	mention := ""
	if r.IntN(3) == 0 {
		mention = pick(r, g.mention)
	}
	if g.hop2 && r.IntN(5) < 2 {
		x := g.companies.next(r)
		s := x + " is based in " + drawCity(r).name + " and makes " + pick(r, companyGoods) + "."
		if mention != "" && g.isCompany(mention) {
			s += " " + x + " buys parts from " + mention + "."
		} else if mention != "" {
			s += " " + x + " was founded by a cousin of " + mention + "."
		}
		return s
	}
	q := g.people.next(r)
	if mention != "" && g.isCompany(mention) {
		// A person document that names the company without working there.
		return q + " was born in " + drawCity(r).name + " and works as " + article(pick(r, professions)) + " at " +
			pick(r, companyHeads) + " " + pick(r, companyKinds) + ". " + q + " once applied for a job at " + mention + "."
	}
	// Employers are any company, the one asked about included: only the
	// subjects of documents are unique.
	born, job, firm := drawCity(r).name, article(pick(r, professions)), pick(r, companyHeads)+" "+pick(r, companyKinds)
	switch r.IntN(3) {
	case 0:
		s := q + " was born in " + born + " and works as " + job + " at " + firm + "."
		if mention != "" {
			return s + " " + q + " once shared a flat with " + mention + "."
		}
		return s + " " + q + " plays the " + pick(r, instruments) + "."
	case 1:
		s := q + " grew up in " + born + ". " + q + " works as " + job + " at " + firm + "."
		if mention != "" {
			return s + " " + q + " met " + mention + " at a concert in " + drawCity(r).name + "."
		}
		return s
	default:
		s := q + " plays the " + pick(r, instruments) + " and works at " + firm + "."
		if mention != "" {
			return s + " " + q + " and " + mention + " studied together in " + born + "."
		}
		return s + " " + q + " was born in " + born + "."
	}
}

func (g *genQA) isCompany(name string) bool { return len(g.mention) > 1 && name == g.mention[1] }

// drawQAGen draws a generated QA sample: hop 1 (qa_1) or 2 (qa_2).
func drawQAGen(hops int, p taskParams, c *chunkCounter, r *rand.Rand) *qaSample {
	g := &genQA{r: r, people: newNameMaker(firstNames, lastNames), companies: newNameMaker(companyHeads, companyKinds), hop2: hops == 2}
	s := &qaSample{head: qaInstruction + "\n\n", dist: g, points: p.depths, c: c, strict: true}
	a := g.people.next(r)
	born := drawCity(r)
	firm := g.companies.next(r)
	job := article(pick(r, professions))
	var question string
	if hops == 1 {
		inst := pick(r, instruments)
		s.gold = []insert{{text: a + " was born in " + born.name + ". " + a + " works as " + job + " at " + firm +
			" and plays the " + inst + "."}}
		switch r.IntN(3) {
		case 0:
			question, s.refs = "In which city was "+a+" born?", born.aliases()
		case 1:
			question, s.refs = "Which company does "+a+" work for?", []string{firm}
		default:
			question, s.refs = "Which instrument does "+a+" play?", []string{inst}
		}
		g.mention = []string{a}
	} else {
		based := drawCity(r)
		for based.base == born.base {
			based = drawCity(r)
		}
		s.gold = []insert{
			{text: a + " was born in " + born.name + ". " + a + " works as " + job + " at " + firm + "."},
			{text: firm + " is based in " + based.name + ". " + firm + " makes " + pick(r, companyGoods) + "."},
		}
		r.Shuffle(2, func(i, j int) { s.gold[i], s.gold[j] = s.gold[j], s.gold[i] })
		question, s.refs = "In which city is the company that "+a+" works for based?", based.aliases()
		g.mention = []string{a, firm}
	}
	depths := distinctDepths(r.IntN, len(s.gold), p.depths)
	for i := range s.gold {
		s.gold[i].depth = depths[i]
	}
	slices.SortStableFunc(s.gold, func(x, y insert) int { return x.depth - y.depth })
	s.tail = "\n" + qaReminder + "\n\nQuestion: " + question + "\nAnswer:"
	return s
}
