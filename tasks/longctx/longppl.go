package longctx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
	"github.com/engrambench/engrambench/tokenize"
)

// Document perplexity ("longppl"). A long document is cut into windows of
// `window` tokens that start `stride` tokens apart; each window is sent
// whole and scores only the tokens no earlier window scored, so every
// token is scored once with up to window - stride tokens of context.
// Results are negative log-likelihood summed in nats, reported as
// perplexity per token and as bits per byte (comparable across
// tokenizers).
//
// A task set scores Responses, not runners, so the work is split: an
// instance is one window (Request.Prompt, MaxTokens 0), the executor asks
// the runner's Logprober for the prompt's log-probabilities and hands
// them to the scorer in Response.Text (EncodeLogprobs), and the scorer
// sums the scored part. Perplexity does the same directly against a
// Logprober, for tools and tests.

// LongPPLName is the name of the document perplexity set.
const LongPPLName = "longppl"

// Domains of longppl and the file extensions read for each when a
// directory is named.
var pplDomains = []string{"code", "text", "books", "papers"}

var pplExtensions = map[string][]string{
	"code":   {".go", ".py", ".c", ".h", ".cc", ".cpp", ".rs", ".java", ".js", ".ts", ".rb", ".sh"},
	"text":   {".txt", ".md"},
	"books":  {".txt", ".md"},
	"papers": {".txt", ".md", ".tex"},
}

type pplSet struct{}

// NewLongPPL returns the "longppl" task set.
func NewLongPPL() tasks.TaskSet { return pplSet{} }

var _ tasks.TaskSet = pplSet{}

func (pplSet) Name() string { return LongPPLName }

func (pplSet) Help() string {
	return "document perplexity from a runner's prompt log-probabilities, in rolling windows: " +
		"per-token perplexity and bits per byte per domain (code, text, books, papers). " +
		"Defaults: this repository's Go source as code, generated essays as text; name a directory per domain " +
		"with code_dir, text_dir, books_dir, papers_dir. Needs a runner with prompt log-probabilities."
}

func (pplSet) Params() []params.Spec {
	return []params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: []string{"code", "text"}, Choices: pplDomains, Help: "domains to score"},
		{Name: "code_dir", Kind: params.String, Default: "", Help: "directory of source files (default: this module's Go source, found from the working directory)"},
		{Name: "text_dir", Kind: params.String, Default: "", Help: "directory of .txt/.md files (default: generated essays)"},
		{Name: "books_dir", Kind: params.String, Default: "", Help: "directory of .txt/.md books (required for books)"},
		{Name: "papers_dir", Kind: params.String, Default: "", Help: "directory of .txt/.md/.tex papers (required for papers)"},
		{Name: "window", Kind: params.Int, Default: 4096, Min: params.AtLeast(16), Help: "tokens per window (must fit the model)"},
		{Name: "stride", Kind: params.Int, Default: 2048, Min: params.AtLeast(1), Help: "tokens between window starts (at most window); window - stride is each window's context"},
		{Name: "n", Kind: params.Int, Default: 20, Min: params.AtLeast(1), Help: "documents per domain at most"},
		{Name: "doc_tokens", Kind: params.Int, Default: 16384, Min: params.AtLeast(16), Help: "length of each generated essay document"},
		{Name: "tokenizer", Kind: params.String, Default: tokenize.Default, Choices: tokenize.Names(), Help: "offline tokenizer the windows are cut with"},
	}
}

func (pplSet) Scorer() tasks.Scorer { return tasks.ScorerFunc(scorePPL) }

type pplConfig struct {
	domains        []string
	dirs           map[string]string
	window, stride int
	n, docTokens   int
	tok            tokenize.Tokenizer
	seed           int64
}

func (s pplSet) config(p params.Values) (pplConfig, error) {
	v := params.Defaults(tasks.AllParams(s))
	for k, x := range p {
		v[k] = x
	}
	c := pplConfig{window: v.Int("window"), stride: v.Int("stride"), n: v.Int("n"), docTokens: v.Int("doc_tokens"),
		seed: int64(v.Int("seed")), dirs: map[string]string{}}
	var errs []string
	for _, d := range v.Strings("tasks") {
		switch {
		case !slices.Contains(pplDomains, d):
			errs = append(errs, fmt.Sprintf("unknown domain %q (known: %s)", d, strings.Join(pplDomains, ", ")))
		case !slices.Contains(c.domains, d):
			c.domains = append(c.domains, d)
		}
		c.dirs[d] = v.String(d + "_dir")
	}
	slices.SortFunc(c.domains, func(a, b string) int { return slices.Index(pplDomains, a) - slices.Index(pplDomains, b) })
	if len(c.domains) == 0 && len(errs) == 0 {
		errs = append(errs, "tasks is empty")
	}
	if c.window < 16 || c.stride < 1 || c.stride > c.window {
		errs = append(errs, fmt.Sprintf("need 16 <= window and 1 <= stride <= window, got window %d, stride %d", c.window, c.stride))
	}
	if c.n < 1 || c.docTokens < 16 {
		errs = append(errs, fmt.Sprintf("n must be at least 1 and doc_tokens at least 16, got %d and %d", c.n, c.docTokens))
	}
	tok, err := tokenize.Get(v.String("tokenizer"))
	if err != nil {
		errs = append(errs, err.Error())
	}
	c.tok = tok
	if len(errs) > 0 {
		return c, fmt.Errorf("%s: %s", LongPPLName, strings.Join(errs, "; "))
	}
	return c, nil
}

func (s pplSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		c, err := s.config(p)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		labels := map[string]string{"window": strconv.Itoa(c.window), "stride": strconv.Itoa(c.stride)}
		for _, domain := range c.domains {
			docs, err := c.corpus(domain)
			if err != nil {
				yield(tasks.Instance{}, err)
				return
			}
			index := 0
			for _, d := range docs {
				for _, w := range windows(c.tok, d.text, c.window, c.stride) {
					if err := ctx.Err(); err != nil {
						yield(tasks.Instance{}, err)
						return
					}
					in := tasks.Instance{
						ID:      tasks.MakeID(LongPPLName, domain, labels, index, d.name, w.text, strconv.Itoa(w.from)),
						Set:     LongPPLName,
						Task:    domain,
						Labels:  labels,
						Index:   index,
						Seed:    c.seed,
						Request: runners.Request{Prompt: w.text, MaxTokens: 0, PromptLogprobs: true},
						Reference: tasks.Reference{
							Answers:    []string{strconv.Itoa(w.from)},
							Completion: perfectLogprobs(w.text, w.from),
						},
					}
					index++
					if !yield(in, nil) {
						return
					}
				}
			}
		}
	}
}

// perfectLogprobs is a response that gives the window probability 1, as
// one token before the scored part and one after: it scores the window
// (Value 1) with zero NLL. The generic self-check feeds it to the scorer.
func perfectLogprobs(text string, from int) string {
	lps := []runners.TokenLogprob{{Token: text[from:], OK: true}}
	if from > 0 {
		lps = append([]runners.TokenLogprob{{Token: text[:from]}}, lps...)
	}
	return runners.EncodeLogprobs(lps)
}

type pplDoc struct{ name, text string }

// corpus returns the documents of a domain: the files of its directory
// (or the defaults), in path order shuffled by the seed, at most n.
func (c pplConfig) corpus(domain string) ([]pplDoc, error) {
	dir := c.dirs[domain]
	if dir == "" {
		switch domain {
		case "text":
			return c.essays(), nil
		case "code":
			root, err := moduleRoot()
			if err != nil {
				return nil, fmt.Errorf("%s: no code corpus: %v; set code_dir=DIR to a directory of source files", LongPPLName, err)
			}
			dir = root
		default:
			return nil, fmt.Errorf("%s: domain %s needs %s_dir=DIR, a directory of %s files", LongPPLName, domain, domain, strings.Join(pplExtensions[domain], "/"))
		}
	}
	docs, err := readCorpus(dir, pplExtensions[domain])
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", LongPPLName, domain, err)
	}
	r, _ := stream(c.seed, LongPPLName+"/"+domain, 0)
	r.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	return docs[:min(len(docs), c.n)], nil
}

// essays makes n generated essay documents of about docTokens tokens
// (at roughly four bytes a token), each from a seed of its own.
func (c pplConfig) essays() []pplDoc {
	out := make([]pplDoc, c.n)
	for i := range out {
		r, _ := stream(c.seed, LongPPLName+"/essay", i)
		e := essayStream(r.Uint64())
		var b strings.Builder
		for j := 0; b.Len() < 4*c.docTokens; j++ {
			s := e.sentence(j)
			if j == 0 {
				s = strings.TrimLeft(s, " \n")
			}
			b.WriteString(s)
		}
		out[i] = pplDoc{name: "essay " + strconv.Itoa(i), text: b.String()}
	}
	return out
}

const modulePath = "github.com/engrambench/engrambench"

// moduleRoot walks up from the working directory to the go.mod of this
// module.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			first, _, _ := strings.Cut(string(data), "\n")
			if strings.TrimSpace(first) == "module "+modulePath {
				return dir, nil
			}
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("the working directory is not inside the " + modulePath + " source tree")
		}
		dir = up
	}
}

// readCorpus reads the files with the given extensions under dir, in path
// order, skipping hidden directories, vendor and testdata.
func readCorpus(dir string, exts []string) ([]pplDoc, error) {
	var docs []pplDoc
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != dir && (strings.HasPrefix(n, ".") || n == "vendor" || n == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !slices.Contains(exts, strings.ToLower(filepath.Ext(path))) || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !utf8.Valid(data) {
			return invalidUTF8(path, data)
		}
		if len(bytes.TrimSpace(data)) > 0 {
			docs = append(docs, pplDoc{name: path, text: string(data)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("no %s files under %s", strings.Join(exts, "/"), dir)
	}
	return docs, nil
}

// window is one slice of a document: text, and the byte offset in it
// where the scored part begins.
type window struct {
	text string
	from int
}

// windows cuts a document into windows of w tokens, s tokens apart. A
// document of one token has nothing to score and gives none.
func windows(tok tokenize.Tokenizer, doc string, w, s int) []window {
	ids := tok.Encode(doc)
	if len(ids) < 2 {
		return nil
	}
	off := make([]int, len(ids)+1) // byte offset where token i starts
	for i, id := range ids {
		off[i+1] = off[i] + len(tok.Piece(id))
	}
	// A byte-level token can end inside a character: move cuts forward to
	// the next character start.
	boundary := func(i int) int {
		b := off[i]
		for b < len(doc) && !utf8.RuneStart(doc[b]) {
			b++
		}
		return b
	}
	var out []window
	scored := 0 // tokens scored so far
	for start := 0; ; start += s {
		end := min(start+w, len(ids))
		a, z, f := boundary(start), boundary(end), boundary(max(scored, start))
		if z > a && z > f {
			out = append(out, window{text: doc[a:z], from: f - a})
		}
		scored = end
		if end == len(ids) {
			return out
		}
	}
}

// windowNLL sums the negative log-likelihood of the tokens of a window
// that end past byte from, and the bytes they cover. Tokens are lined up
// with the text by their spelling; a leading token that is not in the
// text (a BOS marker) is passed over. When the spelling does not line up
// (a server that reports tokens in another form), the scored share is
// taken by bytes instead: the last n*(len-from)/len tokens.
func windowNLL(text string, from int, lps []runners.TokenLogprob) (nll float64, tokens, nbytes int) {
	pos, aligned := 0, true
	for i, t := range lps {
		if strings.HasPrefix(text[pos:], t.Token) && t.Token != "" {
			start := pos
			pos += len(t.Token)
			if pos > from && t.OK {
				nll -= t.Logprob
				tokens++
				nbytes += pos - max(start, from)
			}
			continue
		}
		if i == 0 && !t.OK {
			continue
		}
		aligned = false
		break
	}
	if aligned && pos == len(text) {
		return nll, tokens, nbytes
	}
	nll, tokens = 0, 0
	k := int(math.Round(float64(len(lps)) * float64(len(text)-from) / float64(max(len(text), 1))))
	for _, t := range lps[len(lps)-min(k, len(lps)):] {
		if t.OK {
			nll -= t.Logprob
			tokens++
		}
	}
	return nll, tokens, len(text) - from
}

// scorePPL scores one window from the log-probabilities in the response.
func scorePPL(_ context.Context, in tasks.Instance, r runners.Response) (tasks.Score, error) {
	if strings.TrimSpace(r.Text) == "" {
		return tasks.Score{Detail: "null"}, nil
	}
	if len(in.Reference.Answers) != 1 {
		return tasks.Score{}, fmt.Errorf("%s: %s has no scoring offset", LongPPLName, in.ID)
	}
	from, err := strconv.Atoi(in.Reference.Answers[0])
	if err != nil || from < 0 || from > len(in.Request.Prompt) {
		return tasks.Score{}, fmt.Errorf("%s: %s: bad scoring offset %q", LongPPLName, in.ID, in.Reference.Answers[0])
	}
	lps, err := runners.DecodeLogprobs(r.Text)
	if err != nil {
		return tasks.Score{}, fmt.Errorf("%s: %s: %w", LongPPLName, in.ID, err)
	}
	nll, n, b := windowNLL(in.Request.Prompt, from, lps)
	if n == 0 {
		return tasks.Score{Detail: "no scored tokens"}, nil
	}
	return tasks.Score{Value: 1, Detail: fmt.Sprintf("nll_sum=%s tokens=%d bytes=%d", strconv.FormatFloat(nll, 'g', -1, 64), n, b)}, nil
}

// PPL sums negative log-likelihood over scored tokens.
type PPL struct {
	NLL     float64 // nats
	Tokens  int
	Bytes   int
	Windows int
}

// PerToken is the perplexity per token: exp(NLL / tokens).
func (p PPL) PerToken() float64 {
	if p.Tokens == 0 {
		return math.NaN()
	}
	return math.Exp(p.NLL / float64(p.Tokens))
}

// BitsPerByte is NLL in bits over the bytes scored: comparable across
// tokenizers.
func (p PPL) BitsPerByte() float64 {
	if p.Bytes == 0 {
		return math.NaN()
	}
	return p.NLL / math.Ln2 / float64(p.Bytes)
}

// Perplexity scores documents against a Logprober directly: each window
// (cut with the default offline tokenizer) is one PromptLogprobs call.
func Perplexity(ctx context.Context, lp runners.Logprober, docs []string, window, stride int) (PPL, error) {
	if window < 2 || stride < 1 || stride > window {
		return PPL{}, fmt.Errorf("need 2 <= window and 1 <= stride <= window, got %d and %d", window, stride)
	}
	tok, err := tokenize.Get(tokenize.Default)
	if err != nil {
		return PPL{}, err
	}
	var out PPL
	for _, d := range docs {
		for _, w := range windows(tok, d, window, stride) {
			lps, err := lp.PromptLogprobs(ctx, w.text)
			if err != nil {
				return out, err
			}
			nll, n, b := windowNLL(w.text, w.from, lps)
			out.NLL += nll
			out.Tokens += n
			out.Bytes += b
			out.Windows++
		}
	}
	return out, nil
}

// SummarizePPL adds up scored longppl windows (Value 1) from their
// Detail; nulls and unscored windows are left out and counted apart.
func SummarizePPL(scores []tasks.Score) (sum PPL, skipped int, err error) {
	for _, s := range scores {
		if s.Value != 1 {
			skipped++
			continue
		}
		var nll float64
		var n, b int
		seen := 0
		for _, kv := range strings.Fields(s.Detail) {
			k, v, _ := strings.Cut(kv, "=")
			var e error
			switch k {
			case "nll_sum":
				nll, e = strconv.ParseFloat(v, 64)
			case "tokens":
				n, e = strconv.Atoi(v)
			case "bytes":
				b, e = strconv.Atoi(v)
			default:
				continue
			}
			if e != nil {
				return sum, skipped, fmt.Errorf("longppl detail %q: %v", s.Detail, e)
			}
			seen++
		}
		if seen != 3 {
			return sum, skipped, fmt.Errorf("longppl detail %q lacks nll_sum, tokens or bytes", s.Detail)
		}
		sum.NLL += nll
		sum.Tokens += n
		sum.Bytes += b
		sum.Windows++
	}
	return sum, skipped, nil
}
