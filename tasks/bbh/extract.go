package bbh

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// The phrase every exemplar and reference ends with; AnswerSpace carries it
// so offline baselines write answers the scorer can read.
const (
	answerPrefix = "So the answer is "
	answerSuffix = "."
)

// stripThink removes reasoning a model left in its answer text: every
// <think>…</think> block, everything before a closing tag that has no
// opening one (templates that open the block in the prompt), and
// everything after an opening tag that is never closed (a response cut off
// while thinking). Runners already move reasoning out of Text; this is the
// scorer's own guard, so reasoning is never searched for an answer.
func stripThink(text string) string {
	if !strings.Contains(text, "<think") && !strings.Contains(text, "</think>") {
		return text
	}
	if i := strings.Index(text, "</think>"); i >= 0 {
		if j := strings.Index(text, "<think>"); j < 0 || j > i {
			text = text[i+len("</think>"):]
		}
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "<think>")
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		j := strings.Index(text[i:], "</think>")
		if j < 0 {
			break // never closed: the rest is reasoning
		}
		text = text[i+j+len("</think>"):]
	}
	return b.String()
}

// strictExtract is the common reference rule (FACTS.md §3, the regex
// "(?<=the answer is )(.*)(?=.)", first match, stripped): the text after the
// first "the answer is " that has at least one character before the end
// of its line, up to that end, less its final character, trimmed. It is
// strict on purpose: "the answer is True" without the full stop yields
// "Tru". "" means nothing was found.
func strictExtract(text string) string {
	const key = "the answer is "
	for off := 0; ; {
		i := strings.Index(text[off:], key)
		if i < 0 {
			return ""
		}
		rest := text[off+i+len(key):]
		if j := strings.IndexByte(rest, '\n'); j >= 0 {
			rest = rest[:j]
		}
		if rest != "" {
			_, n := utf8.DecodeLastRuneInString(rest)
			return strings.TrimSpace(rest[:len(rest)-n])
		}
		off += i + 1
	}
}

// answerKind says how a flexible extraction reads an answer.
type answerKind int

const (
	boolAnswer   answerKind = iota // True / False
	intAnswer                      // an integer
	wordsAnswer                    // space-separated words in order
	choiceAnswer                   // a multiple-choice letter, "(A)" to "(R)"
	yesNoAnswer                    // Yes / No, in either case
	validAnswer                    // valid / invalid
	dyckAnswer                     // space-separated closing brackets
)

var kindNames = map[answerKind]string{
	boolAnswer:   "true_false",
	intAnswer:    "integer",
	wordsAnswer:  "word_list",
	choiceAnswer: "multiple_choice",
	yesNoAnswer:  "yes_no",
	validAnswer:  "valid_invalid",
	dyckAnswer:   "dyck",
}

func (k answerKind) String() string { return kindNames[k] }

// cue finds the phrases that introduce a final answer: "the answer is",
// "Answer:", "**Answer:**", "final answer would be", ...
var cue = regexp.MustCompile(`(?i)\banswers?(?:\*\*|\s)*(?:is|would be|should be|will be|:|=)(?:\*\*|\s)*:?`)

// flexible extracts an answer leniently, per answer kind, and normalises
// it so that match is a plain comparison with the target. It reads the
// text after the last answer cue first (so restating or revising an answer
// counts the final one), earlier cues next, and only when no cue leads to
// an answer the whole text, from the end.
func (k answerKind) flexible(text string) string {
	text = stripThink(text)
	if k == wordsAnswer {
		return wordList(text)
	}
	locs := cue.FindAllStringIndex(text, -1)
	for i := len(locs) - 1; i >= 0; i-- {
		if got, ok := k.first(text[locs[i][1]:]); ok {
			return got
		}
	}
	return k.last(text)
}

// first finds the answer at the start of the text after a cue. ok with an
// empty answer means the cue was followed by a hedge ("(A) or (B)"): an
// answer that names two is none.
func (k answerKind) first(region string) (string, bool) {
	switch k {
	case choiceAnswer:
		return firstChoice(region)
	case boolAnswer:
		return firstWord(region, boolWords)
	case yesNoAnswer:
		return firstWord(region, yesNoWords)
	case validAnswer:
		return firstWord(region, validWords)
	case intAnswer:
		return firstInt(region)
	case dyckAnswer:
		if s := closers(region); s != "" {
			return s, true
		}
	}
	return "", false
}

// last finds the answer when no cue introduces one.
func (k answerKind) last(text string) string {
	switch k {
	case choiceAnswer:
		if m := parenLetter.FindAllStringSubmatch(text, -1); len(m) > 0 {
			return "(" + m[len(m)-1][1] + ")"
		}
		// A reply that is nothing but a letter.
		if s := strings.Trim(text, " \t\r\n.*:`'\"()[]"); len(s) == 1 && s[0] >= 'A' && s[0] <= 'R' {
			return "(" + s + ")"
		}
	case boolAnswer:
		return lastWord(text, boolWords)
	case yesNoAnswer:
		return lastWord(text, yesNoWords)
	case validAnswer:
		return lastWord(text, validWords)
	case intAnswer:
		return lastInt(text)
	case dyckAnswer:
		lines := strings.Split(strings.TrimSpace(text), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if s := closers(lines[i]); s != "" && strings.Trim(lines[i], " \t`'\"*.,)]}>") == "" {
				return s
			}
		}
	}
	return ""
}

// match compares a flexible extraction with the target.
func (k answerKind) match(extracted, target string) bool {
	if extracted == "" {
		return false
	}
	switch k {
	case wordsAnswer, yesNoAnswer:
		return strings.EqualFold(extracted, target)
	case choiceAnswer:
		if isChoice(target) {
			return extracted == target
		}
		// A malformed official target (option text, not a letter) matches
		// the same text, in any case.
		return strings.EqualFold(extracted, normText(target))
	}
	return extracted == target
}

func isChoice(s string) bool {
	return len(s) == 3 && s[0] == '(' && s[1] >= 'A' && s[1] <= 'Z' && s[2] == ')'
}

var (
	parenLetter = regexp.MustCompile(`\(([A-R])\)`)
	// A choice at the start of an answer: "(B)", "B", "**B**", "B)", "B:".
	leadChoice = regexp.MustCompile(`^[\s*_"'“‘` + "`" + `\[]*(?:\(([A-Ra-r])\)|([A-R])\b)`)
	// What may follow a bare letter for it to be an answer and not a word
	// ("A pentagon").
	afterLetter = regexp.MustCompile(`^(?:$|[).,;:!?*_"'”’` + "`" + `\]\n]|\s*$|\s+[-–—(]|\s*/|\s+(?:and|or)\s)`)
	hedge       = regexp.MustCompile(`^[\s*_]*(?:and|or|/|,|&)[\s*_]*\(?([A-R])\)?(?:$|[^A-Za-z])`)
)

// firstChoice reads the letter an answer starts with. Text that is not a
// letter (a malformed official target is option text) is returned as it
// is, trimmed, so that it can still match.
func firstChoice(region string) (string, bool) {
	m := leadChoice.FindStringSubmatchIndex(region)
	var letter string
	switch {
	case m != nil && m[2] >= 0:
		letter = strings.ToUpper(region[m[2]:m[3]]) // "(b)" right after a cue is (B)
	case m != nil && afterLetter.MatchString(region[m[1]:]):
		letter = region[m[4]:m[5]]
	default:
		// A letter further on ("the second one, (B)"), else the text itself.
		if l := parenLetter.FindStringSubmatchIndex(region); l != nil {
			return "(" + region[l[2]:l[3]] + ")", true
		}
		line, _, _ := strings.Cut(region, "\n")
		if s := normText(line); s != "" {
			return s, true
		}
		return "", false
	}
	if h := hedge.FindStringSubmatch(region[m[1]:]); h != nil && h[1] != letter {
		return "", true
	}
	return "(" + letter + ")", true
}

// normText trims markdown, quotes and closing punctuation from a line of
// answer text.
func normText(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "*_`\"'“”‘’ ")
	s = strings.TrimRight(s, ".!,;: ")
	return strings.Trim(s, "*_`\"'“”‘’ ")
}

// wordSet lists the words of a closed answer (lower case) and how each is
// written.
type wordSet map[string]string

var (
	boolWords  = wordSet{"true": "True", "false": "False"}
	yesNoWords = wordSet{"yes": "Yes", "no": "No"}
	validWords = wordSet{"valid": "valid", "invalid": "invalid"}
)

var wordRun = regexp.MustCompile(`[\p{L}\p{N}]+`)

// firstWord reads the first word of the set after a cue, within the first
// few words; a hedge ("True or False") is no answer.
func firstWord(region string, set wordSet) (string, bool) {
	locs := wordRun.FindAllStringIndex(region, 8)
	for i, l := range locs {
		w, ok := set[strings.ToLower(region[l[0]:l[1]])]
		if !ok {
			continue
		}
		if i+2 < len(locs) {
			join := strings.ToLower(region[locs[i+1][0]:locs[i+1][1]])
			next, isWord := set[strings.ToLower(region[locs[i+2][0]:locs[i+2][1]])]
			between := region[l[1]:locs[i+1][0]] + region[locs[i+1][1]:locs[i+2][0]]
			if (join == "or" || join == "and") && isWord && next != w && !strings.ContainsAny(between, ".\n") {
				return "", true
			}
		}
		return w, true
	}
	return "", false
}

// lastWord is the last word of the set anywhere in the text.
func lastWord(text string, set wordSet) string {
	locs := wordRun.FindAllStringIndex(text, -1)
	for i := len(locs) - 1; i >= 0; i-- {
		if w, ok := set[strings.ToLower(text[locs[i][0]:locs[i][1]])]; ok {
			return w
		}
	}
	return ""
}

// intPattern matches integers with optional thousands separators and an
// optional fraction (accepted only when it is zero: "24.0").
var intPattern = regexp.MustCompile(`[-−]?\d+(?:,\d{3})*(?:\.\d+)?`)

// numberWords are the spelled-out counts a model may answer with.
var numberWords = map[string]int{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}

// firstInt reads the integer an answer starts with: the first number
// among its first few words, digits or a spelled-out count.
func firstInt(region string) (string, bool) {
	head := region
	if len(head) > 80 {
		head = head[:80]
	}
	if loc := intPattern.FindStringIndex(head); loc != nil {
		if w := firstNumberWord(head[:loc[0]]); w != "" {
			return w, true
		}
		return canonInt(region, loc), true
	}
	if w := firstNumberWord(head); w != "" {
		return w, true
	}
	return "", false
}

func firstNumberWord(s string) string {
	for _, l := range wordRun.FindAllStringIndex(s, 4) {
		if v, ok := numberWords[strings.ToLower(s[l[0]:l[1]])]; ok {
			return strconv.Itoa(v)
		}
	}
	return ""
}

// lastInt is the last integer in the text in canonical form ("-1,024" and
// "−1024.0" give "-1024"). A minus right after a digit or letter is read as
// subtraction, not a sign ("46-22" ends in 22).
func lastInt(text string) string {
	locs := intPattern.FindAllStringIndex(text, -1)
	if len(locs) == 0 {
		return ""
	}
	return canonInt(text, locs[len(locs)-1])
}

func canonInt(text string, loc []int) string {
	s := text[loc[0]:loc[1]]
	neg := false
	if r, n := utf8.DecodeRuneInString(s); r == '-' || r == '−' {
		prev, _ := utf8.DecodeLastRuneInString(text[:loc[0]])
		neg = loc[0] == 0 || !(unicode.IsDigit(prev) || unicode.IsLetter(prev))
		s = s[n:]
	}
	s = strings.ReplaceAll(s, ",", "")
	if whole, frac, ok := strings.Cut(s, "."); ok {
		if strings.Trim(frac, "0") != "" {
			return s // not an integer; cannot match an integer target
		}
		s = whole
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return s
	}
	if neg {
		v = -v
	}
	return strconv.FormatInt(v, 10)
}

// closers reads a run of closing brackets at the start of the text, with
// any spacing, commas, quotes or code marks between them: "] } ]",
// "`]})`", "\"]\", \")\"". The result is space-separated.
func closers(region string) string {
	var out []string
	for _, r := range region {
		switch r {
		case ')', ']', '}', '>':
			out = append(out, string(r))
		case ' ', '\t', ',', '`', '"', '\'', '*', '“', '”':
		case '\n':
			if len(out) > 0 {
				return strings.Join(out, " ")
			}
		default:
			return strings.Join(out, " ")
		}
	}
	return strings.Join(out, " ")
}

// wordList reads the words after the last answer cue (to the end of that
// line, or of the next non-empty block when the line is empty), else the
// last non-empty line, with whitespace, commas, list markers and wrapping
// punctuation removed. Case is kept; match ignores it.
func wordList(text string) string {
	var rest string
	if locs := cue.FindAllStringIndex(text, -1); len(locs) > 0 {
		rest = text[locs[len(locs)-1][1]:]
		line, after, _ := strings.Cut(rest, "\n")
		if strings.Trim(line, " \t:*") != "" {
			rest = line
		} else {
			block := strings.TrimLeft(after, " \t\r\n")
			rest, _, _ = strings.Cut(block, "\n\n")
		}
	} else {
		lines := strings.Split(strings.TrimSpace(text), "\n")
		rest = lines[len(lines)-1]
	}
	var out []string
	for _, f := range strings.FieldsFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }) {
		w := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w == "" || isListMarker(f) {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// isListMarker reports "1." or "2)" style numbering.
func isListMarker(f string) bool {
	f = strings.TrimRight(f, ".)")
	_, err := strconv.Atoi(f)
	return err == nil
}

// Extraction is what both extractors make of one response.
type Extraction struct {
	Strict        string // the reference rule's reading
	StrictMatch   bool   // Strict equals the target exactly
	Flexible      string // the per-type lenient reading, normalised
	FlexibleMatch bool
	AnswerType    string // multiple_choice, true_false, yes_no, valid_invalid, integer, dyck, word_list
}

// Extract reads a response's answer text with both extractors and compares
// each with the target. Reasoning is never read: pass Response.Text only
// (think blocks left in it are dropped).
func Extract(task, text, target string) (Extraction, error) {
	k, ok := kindOf[task]
	if !ok {
		return Extraction{}, fmt.Errorf("unknown BBH task %q", task)
	}
	text = stripThink(text)
	e := Extraction{Strict: strictExtract(text), Flexible: k.flexible(text), AnswerType: k.String()}
	e.StrictMatch = e.Strict != "" && e.Strict == target
	e.FlexibleMatch = k.match(e.Flexible, target)
	return e, nil
}

// score judges one response, for both sets: strict match is the value;
// the flexible reading, the answer type and the chance level of the
// instance's answer space go into Detail for reports that want them.
func score(_ context.Context, in tasks.Instance, r runners.Response) (tasks.Score, error) {
	if len(in.Reference.Answers) != 1 {
		return tasks.Score{}, fmt.Errorf("bbh: %s: want one reference answer, have %d", in.ID, len(in.Reference.Answers))
	}
	e, err := Extract(in.Task, r.Text, in.Reference.Answers[0])
	if err != nil {
		return tasks.Score{}, fmt.Errorf("bbh: %s: %w", in.ID, err)
	}
	s := tasks.Score{Extracted: e.Strict}
	if e.StrictMatch {
		s.Value = 1
	}
	s.Detail = Detail{Flexible: e.Flexible, FlexibleMatch: e.FlexibleMatch, AnswerType: e.AnswerType,
		Chance: ChanceLevel(in.Request.AnswerSpace)}.String()
	return s, nil
}
