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
	boolAnswer answerKind = iota
	intAnswer
	wordsAnswer
)

// flexible extracts an answer leniently, per answer kind, and normalises
// it so that match is a plain comparison with the target.
func (k answerKind) flexible(text string) string {
	switch k {
	case boolAnswer:
		return lastBool(text)
	case intAnswer:
		return lastInt(text)
	case wordsAnswer:
		return wordList(text)
	}
	return ""
}

// match compares a flexible extraction with the target.
func (k answerKind) match(extracted, target string) bool {
	if extracted == "" {
		return false
	}
	if k == wordsAnswer {
		return strings.EqualFold(extracted, target)
	}
	return extracted == target
}

var boolWord = regexp.MustCompile(`(?i)\b(true|false)\b`)

// lastBool is the last true/false word in any case, however wrapped
// ("**True**", "(False)", "true."), as "True" or "False".
func lastBool(text string) string {
	m := boolWord.FindAllString(text, -1)
	if len(m) == 0 {
		return ""
	}
	if strings.EqualFold(m[len(m)-1], "true") {
		return "True"
	}
	return "False"
}

// intPattern matches integers with optional thousands separators and an
// optional fraction (accepted only when it is zero: "24.0").
var intPattern = regexp.MustCompile(`[-−]?\d+(?:,\d{3})*(?:\.\d+)?`)

// lastInt is the last integer in the text in canonical form ("-1,024" and
// "−1024.0" give "-1024"). A minus right after a digit or letter is read as
// subtraction, not a sign ("46-22" ends in 22).
func lastInt(text string) string {
	locs := intPattern.FindAllStringIndex(text, -1)
	for k := len(locs) - 1; k >= 0; k-- {
		s := text[locs[k][0]:locs[k][1]]
		neg := false
		if r, n := utf8.DecodeRuneInString(s); r == '-' || r == '−' {
			prev, _ := utf8.DecodeLastRuneInString(text[:locs[k][0]])
			neg = locs[k][0] == 0 || !(unicode.IsDigit(prev) || unicode.IsLetter(prev))
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
	return ""
}

var answerIs = regexp.MustCompile(`(?i)answer is`)

// wordList reads the words after the last "answer is" (to the end of that
// line, or of the next non-empty block when the line is empty), else the
// last non-empty line, with whitespace, commas, list markers and wrapping
// punctuation removed. Case is kept; match ignores it.
func wordList(text string) string {
	var rest string
	if locs := answerIs.FindAllStringIndex(text, -1); len(locs) > 0 {
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

// score judges one response: strict match is the value, the flexible
// reading goes into Detail for reports that want it.
func score(_ context.Context, in tasks.Instance, r runners.Response) (tasks.Score, error) {
	t, ok := byName[in.Task]
	if !ok {
		return tasks.Score{}, fmt.Errorf("bbh-gen: unknown task %q", in.Task)
	}
	if len(in.Reference.Answers) != 1 {
		return tasks.Score{}, fmt.Errorf("bbh-gen: %s: want one reference answer, have %d", in.ID, len(in.Reference.Answers))
	}
	target := in.Reference.Answers[0]
	strict := strictExtract(r.Text)
	flex := t.kind.flexible(r.Text)
	s := tasks.Score{Extracted: strict}
	if strict == target {
		s.Value = 1
	}
	fm := 0
	if t.kind.match(flex, target) {
		fm = 1
	}
	s.Detail = fmt.Sprintf("flexible=%s flexible_match=%d", strconv.Quote(flex), fm)
	return s, nil
}
