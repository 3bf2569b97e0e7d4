package longctx

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tokenize"
)

// Tokenizer is what prompt lengths are measured with. Three kinds sit
// behind it, in order of preference: the runner's own (a server's
// /tokenize, runners.TokenCounter), an offline BPE (the default), and an
// estimate calibrated from a runner's reported usage (the last resort).
type Tokenizer interface {
	Name() string
	CountTokens(ctx context.Context, text string) (int, error)
}

// RunnerTokenizer is the tokenizer parameter value that measures prompts
// with the runner's own tokenizer.
const RunnerTokenizer = "runner"

// tokenizerNames are the values the tokenizer parameter takes.
func tokenizerNames() []string { return append(tokenize.Names(), RunnerTokenizer) }

// Offline returns an exact counter over an offline BPE that is safe for
// concurrent use. It splits text where no BPE piece can cross and counts
// the pieces through a memo, so long prompts built from a finite
// vocabulary are counted at the speed of map lookups.
func Offline(tok tokenize.Tokenizer) Tokenizer {
	return &lockedCounter{c: newChunkCounter(tok)}
}

type lockedCounter struct {
	mu sync.Mutex
	c  *chunkCounter
}

func (l *lockedCounter) Name() string { return l.c.tok.Name() }

func (l *lockedCounter) CountTokens(_ context.Context, text string) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.Count(text), nil
}

// chunkCounter counts tokens of an offline BPE exactly, memoising the
// counts of short chunks. Not safe for concurrent use: each generation
// worker has its own.
//
// Why it is exact: the pre-tokenizer patterns of cl100k_base, o200k_base,
// r50k_base and p50k_base admit a space inside a piece only as the
// piece's first character or within a run of whitespace. So at a single
// space whose previous character is not whitespace a new piece always
// begins, the pieces to its left end at it, and no pattern looks across it
// (the one lookahead, \s+(?!\S), ends in whitespace). BPE never merges
// across pieces. The count of the text is therefore the sum of the counts
// of the chunks between such spaces (and the other cuts that cut lists).
// A fuzz test holds the counter to the tokenizer's own count. An encoding
// not known to follow these patterns is counted whole, never chunked.
//
// Digits: where the pre-tokenizer cuts digit runs into groups of at most
// three and every such group is one token (cl100k_base and o200k_base;
// checked, not assumed, by digitGroups), a chunk's count does not depend
// on which digits it holds. Such chunks are memoised with every ASCII
// digit read as 0, so the numbers of a list or a needle hit the memo.
type chunkCounter struct {
	tok    tokenize.Tokenizer
	memo   map[string]int
	digits bool // digit groups are single tokens: canonicalise digits
	whole  bool // an encoding the split rules are not proven for
	key    []byte
	limit  int // memo entries at most (maxMemo)
}

// chunkable are the encodings whose pre-tokenizer patterns the split
// rules were checked against.
var chunkable = map[string]bool{"cl100k_base": true, "o200k_base": true, "r50k_base": true, "p50k_base": true}

const (
	maxMemoChunk = 48      // longer chunks are counted directly, not memoised
	maxMemo      = 1 << 18 // entries; the memo is cleared when it fills
)

func newChunkCounter(tok tokenize.Tokenizer) *chunkCounter {
	if !chunkable[tok.Name()] {
		return &chunkCounter{tok: tok, whole: true}
	}
	return &chunkCounter{tok: tok, memo: make(map[string]int, 4096), digits: digitGroups(tok), limit: maxMemo}
}

var digitGroupsOf sync.Map // tokenizer name -> bool

// digitGroups reports whether tok splits digit runs into groups of three
// from the left, each one token whatever its digits: every string of one
// to three digits is a single token, and longer runs count a token per
// three digits.
func digitGroups(tok tokenize.Tokenizer) bool {
	if v, ok := digitGroupsOf.Load(tok.Name()); ok {
		return v.(bool)
	}
	ok := true
	for n := 0; n < 1110 && ok; n++ {
		var s string
		switch {
		case n < 10:
			s = strconv.Itoa(n)
		case n < 110:
			s = fmt.Sprintf("%02d", n-10)
		default:
			s = fmt.Sprintf("%03d", n-110)
		}
		ok = tok.Count(s) == 1
	}
	for _, s := range []string{"1234567", "9876543210", " 4095-8fbe", "x77y"} {
		ok = ok && tok.Count(s) == tok.Count(canonicalDigits(s))
	}
	ok = ok && tok.Count("1234567") == 3 && tok.Count("12345678901") == 4
	digitGroupsOf.Store(tok.Name(), ok)
	return ok
}

func canonicalDigits(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '0'
		}
	}
	return string(b)
}

// Count returns the token count of s, exactly as tok.Count(s).
func (c *chunkCounter) Count(s string) int {
	if c.whole || !utf8.ValidString(s) {
		return c.tok.Count(s) // the split rules reason about runes
	}
	n, start := 0, 0
	for i := 1; i < len(s); i++ {
		if cut(s, i) {
			n += c.chunk(s[start:i])
			start = i
		}
	}
	if start < len(s) {
		n += c.chunk(s[start:])
	}
	return n
}

// marginal is what s adds to a text that ends in a full stop: a unit
// that opens with a line break shares a piece with the stop before it
// (".\n\n" is one piece), so counting it alone would overcount by one.
func (c *chunkCounter) marginal(s string) int {
	return c.Count("."+s) - c.Count(".")
}

func (c *chunkCounter) chunk(s string) int {
	if len(s) > maxMemoChunk {
		return c.tok.Count(s)
	}
	key := s
	if c.digits {
		if k, ok := c.canonical(s); ok {
			key = k
		}
	}
	if n, ok := c.memo[key]; ok {
		return n
	}
	n := c.tok.Count(s)
	if len(c.memo) >= c.limit {
		clear(c.memo)
	}
	c.memo[strings.Clone(key)] = n // a clone: never pin the whole prompt
	return n
}

// canonical returns s with its ASCII digits read as 0, in a scratch
// buffer (valid until the next call), when s has digits and is all ASCII.
func (c *chunkCounter) canonical(s string) (string, bool) {
	digit := false
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return "", false
		}
		digit = digit || (s[i] >= '0' && s[i] <= '9')
	}
	if !digit {
		return "", false
	}
	c.key = append(c.key[:0], s...)
	for i, b := range c.key {
		if b >= '0' && b <= '9' {
			c.key[i] = '0'
		}
	}
	return unsafeString(c.key), true
}

// cut reports whether a new BPE piece surely begins at s[i]: at a single
// space after a character that is not whitespace (see chunkCounter), and
// where ASCII letters meet ASCII digits, or a hyphen meets either. No
// pre-tokenizer pattern runs letters and digits together (digits form
// runs of their own, and the patterns of letters take no digit), none
// puts a hyphen after a letter or digit in one piece with them, and none
// takes a digit after a hyphen ("-" begins punctuation, or a word, but
// never a number). So the only joins left are inside runs, which are
// never cut: a digit run keeps its grouping in threes.
func cut(s string, i int) bool {
	a, b := s[i-1], s[i]
	switch {
	case b == ' ':
		return !spaceBefore(s, i)
	case isDigit(b):
		return isLetter(a) || a == '-'
	case isLetter(b):
		return isDigit(a)
	case b == '-':
		return isDigit(a) || isLetter(a)
	}
	return false
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return (b|0x20) >= 'a' && (b|0x20) <= 'z' }

// spaceBefore reports whether the character before s[i] is whitespace in
// the widest sense any of the pre-tokenizers uses (Unicode White_Space and
// separators). Wider is safe: it only means fewer splits.
func spaceBefore(s string, i int) bool {
	b := s[i-1]
	if b < utf8.RuneSelf {
		return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r == utf8.RuneError || unicode.IsSpace(r) || unicode.Is(unicode.Z, r) || r == 0x85
}

// counter is one worker's way of counting: cheap exact counts for the
// estimates (always an offline BPE) and the counts that decide a fit (the
// measuring tokenizer, which may be the runner's).
type counter struct {
	est     *chunkCounter                                    // unit estimates
	measure func(ctx context.Context, s string) (int, error) // the bound
	exact   bool                                             // measure is est itself
}

func (c *counter) count(ctx context.Context, s string) (int, error) {
	if c.exact {
		return c.est.Count(s), nil
	}
	return c.measure(ctx, s)
}

// measurer describes how a run measures prompts; it makes one counter per
// generation worker.
type measurer struct {
	name     string
	est      tokenize.Tokenizer // offline BPE for estimates
	external Tokenizer          // nil: est measures
	ratio    float64            // > 0: estimate est counts x ratio (no exact counter exists)
	overhead int                // tokens the chat template adds
	margin   float64            // share of the budget held back for an estimate's error
}

func (m *measurer) counter() *counter {
	c := &counter{est: newChunkCounter(m.est)}
	switch {
	case m.external != nil:
		c.measure = m.external.CountTokens
	case m.ratio > 0:
		est := c.est
		c.measure = func(_ context.Context, s string) (int, error) {
			return int(math.Ceil(float64(est.Count(s)) * m.ratio)), nil
		}
	default:
		c.exact = true
	}
	return c
}

// budget is the token budget of a prompt for a length: what is left after
// the generation budget, the chat template and, for an estimate, a margin.
func (m *measurer) budget(length, maxNew int) int {
	b := length - maxNew - m.overhead
	if m.margin > 0 {
		b -= int(math.Ceil(m.margin * float64(length)))
	}
	return b
}

// runnerTokenizer measures with a runner's own tokenizer.
type runnerTokenizer struct {
	name string
	tc   runners.TokenCounter
}

func (t runnerTokenizer) Name() string { return t.name }

func (t runnerTokenizer) CountTokens(ctx context.Context, s string) (int, error) {
	return t.tc.CountTokens(ctx, s)
}

// estimateMargin is the share of a length held back when lengths are only
// estimated: the estimate's ratio is fitted on two probes, and a prompt of
// different text can tokenise a little differently.
const estimateMargin = 0.02

// calibration probes: a short message for the template's overhead and a
// longer one, of haystack-like prose, for the ratio of token counts.
const shortProbe = "Reply with the single word ready."

func longProbe() string {
	s := essayStream(essaySeed)
	var b strings.Builder
	b.WriteString(shortProbe)
	for i := 0; b.Len() < 6000; i++ {
		b.WriteString(s.sentence(i))
	}
	return b.String()
}

// newMeasurer decides how prompts are measured. tokenizer names an
// offline BPE or RunnerTokenizer; templateTokens is the template overhead
// (-1: measured from the runner when it is the measure, else 0).
func newMeasurer(ctx context.Context, tokenizer string, templateTokens int, form string) (*measurer, error) {
	if tokenizer != RunnerTokenizer {
		tok, err := tokenize.Get(tokenizer)
		if err != nil {
			return nil, err
		}
		return &measurer{name: tokenizer, est: tok, overhead: max(templateTokens, 0)}, nil
	}
	est, err := tokenize.Get(tokenize.Default)
	if err != nil {
		return nil, err
	}
	r, ok := tasks.RunnerFrom(ctx)
	if !ok {
		return nil, errors.New("tokenizer=runner needs a runner to measure with; outside a run (tasks show, tasks check) name an offline tokenizer: " + strings.Join(tokenize.Names(), ", "))
	}
	m := &measurer{name: "runner:" + r.Name(), est: est}
	if tc, ok := runners.Find[runners.TokenCounter](r); ok {
		m.external = runnerTokenizer{name: m.name, tc: tc}
		if templateTokens >= 0 {
			m.overhead = templateTokens
			return m, nil
		}
		// The template's overhead: the server's prompt count of a short
		// request less its own count of the bare text.
		p, err := promptTokens(ctx, r, form, shortProbe)
		if err != nil {
			return nil, fmt.Errorf("measuring the chat template of %s: %w (set template_tokens to skip)", r.Name(), err)
		}
		bare, err := tc.CountTokens(ctx, shortProbe)
		if err != nil {
			return nil, fmt.Errorf("counting tokens with %s: %w", r.Name(), err)
		}
		m.overhead = max(p-bare, 0)
		return m, nil
	}
	// The last resort: offline counts scaled to the runner's, from the
	// usage it reports on two probes of different length.
	long := longProbe()
	p1, err := promptTokens(ctx, r, form, shortProbe)
	if err == nil {
		var p2 int
		if p2, err = promptTokens(ctx, r, form, long); err == nil {
			c := newChunkCounter(est)
			c1, c2 := c.Count(shortProbe), c.Count(long)
			if p2 <= p1 || c2 <= c1 {
				err = fmt.Errorf("usage does not grow with the prompt (%d then %d tokens)", p1, p2)
			} else {
				m.name = "estimate:" + r.Name()
				m.ratio = float64(p2-p1) / float64(c2-c1)
				m.margin = estimateMargin
				m.overhead = max(int(math.Ceil(float64(p1)-m.ratio*float64(c1))), 0)
				if templateTokens >= 0 {
					m.overhead = templateTokens
				}
				return m, nil
			}
		}
	}
	return nil, fmt.Errorf("tokenizer=runner: %s cannot count tokens and its usage cannot calibrate an estimate (%v); name an offline tokenizer (%s)",
		r.Name(), err, strings.Join(tokenize.Names(), ", "))
}

// promptTokens sends one short request and returns the prompt tokens the
// runner reports, refusing counts it only estimated.
func promptTokens(ctx context.Context, r runners.Runner, form, text string) (int, error) {
	req := runners.Request{MaxTokens: 1}
	if form == FormCompletion {
		req.Prompt = text
	} else {
		req.Messages = []runners.Message{{Role: "user", Content: text}}
	}
	resp, err := r.Generate(ctx, req)
	if err != nil {
		return 0, err
	}
	if resp.Usage.PromptTokens <= 0 || resp.Usage.Estimated {
		return 0, errors.New("the runner reports no prompt token count of its own")
	}
	return resp.Usage.PromptTokens, nil
}

// unsafeString views b as a string for a map lookup; the memo stores a
// clone, never the view.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
