package longctx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Real text a user points the tasks at: a directory of .txt files for the
// essay haystack, a SQuAD file (v1.1 or v2.0 JSON) for qa_1 and a HotpotQA
// file (a JSON list) for qa_2. Every problem is reported with the file
// and the line and column where it was found.

// fileError is a problem in a dataset file at a place in it.
type fileError struct {
	file      string
	line, col int // 0 when the problem is the file as a whole
	msg       string
}

func (e *fileError) Error() string {
	if e.line == 0 {
		return e.file + ": " + e.msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.file, e.line, e.col, e.msg)
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

func errAt(file string, data []byte, off int64, format string, a ...any) error {
	line, col := lineCol(data, off)
	return &fileError{file: file, line: line, col: col, msg: fmt.Sprintf(format, a...)}
}

// jsonError places a decoding error: syntax and type errors carry an
// offset; a file cut short ends at its last byte.
func jsonError(file string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		if syn.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))) {
			return errAt(file, data, syn.Offset, "truncated: %v", err)
		}
		return errAt(file, data, syn.Offset-1, "malformed JSON: %v", err)
	case errors.As(err, &typ):
		return errAt(file, data, typ.Offset, "%s is %s, want %s", typ.Field, typ.Value, typ.Type)
	}
	return errAt(file, data, int64(len(data)), "%v", err)
}

// locate finds the byte offset of the value at a JSON path of object keys
// (string) and array indices (int), to place a problem found after
// decoding. It returns the end of the data if the path is not there.
func locate(data []byte, path ...any) int64 {
	dec := json.NewDecoder(bytes.NewReader(data))
	for _, step := range path {
		if _, err := dec.Token(); err != nil { // the opening delimiter
			return int64(len(data))
		}
		found := false
		for i := 0; dec.More(); i++ {
			if key, ok := step.(string); ok {
				k, err := dec.Token()
				if err != nil {
					return int64(len(data))
				}
				if k == key {
					found = true
					break
				}
			} else if i == step.(int) {
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return int64(len(data))
			}
		}
		if !found {
			return int64(len(data))
		}
	}
	off := dec.InputOffset()
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// qaData is a real QA dataset: paragraphs and the questions on them.
type qaData struct {
	file  string
	paras []string // whitespace collapsed to single spaces
	items []qaItem
}

type qaItem struct {
	question string
	answers  []string
	gold     []int // paragraph indices
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func readDataset(param, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", param, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &fileError{file: path, msg: "empty file"}
	}
	if !utf8.Valid(data) {
		return nil, invalidUTF8(path, data)
	}
	return data, nil
}

func invalidUTF8(file string, data []byte) error {
	off := 0
	for off < len(data) {
		r, n := utf8.DecodeRune(data[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	return errAt(file, data, int64(off), "not UTF-8 text (byte 0x%02x)", data[min(off, len(data)-1)])
}

// SQuAD v1.1 and v2.0: {"data": [{"paragraphs": [{"context", "qas": [{"question", "answers": [{"text"}], "is_impossible"}]}]}]}.
type squadFile struct {
	Data []struct {
		Paragraphs []struct {
			Context string `json:"context"`
			QAs     []struct {
				Question     string                  `json:"question"`
				Answers      []struct{ Text string } `json:"answers"`
				IsImpossible bool                    `json:"is_impossible"`
			} `json:"qas"`
		} `json:"paragraphs"`
	} `json:"data"`
}

func loadSQuAD(path string) (*qaData, error) {
	data, err := readDataset("squad_file", path)
	if err != nil {
		return nil, err
	}
	return parseSQuAD(path, data)
}

func parseSQuAD(file string, data []byte) (*qaData, error) {
	var f squadFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, jsonError(file, data, err)
	}
	if len(f.Data) == 0 {
		return nil, errAt(file, data, locate(data, "data"), `no "data" list of articles: not a SQuAD file`)
	}
	out := &qaData{file: file}
	seen := map[string]int{}
	for i, a := range f.Data {
		if len(a.Paragraphs) == 0 {
			return nil, errAt(file, data, locate(data, "data", i), "data[%d] has no paragraphs", i)
		}
		for j, p := range a.Paragraphs {
			ctx := oneLine(p.Context)
			if ctx == "" {
				return nil, errAt(file, data, locate(data, "data", i, "paragraphs", j), "data[%d].paragraphs[%d] has no context", i, j)
			}
			pi, ok := seen[ctx]
			if !ok {
				pi = len(out.paras)
				seen[ctx] = pi
				out.paras = append(out.paras, ctx)
			}
			for k, q := range p.QAs {
				where := func() int64 { return locate(data, "data", i, "paragraphs", j, "qas", k) }
				if oneLine(q.Question) == "" {
					return nil, errAt(file, data, where(), "data[%d].paragraphs[%d].qas[%d] has no question", i, j, k)
				}
				if q.IsImpossible {
					continue // SQuAD 2.0: unanswerable by design
				}
				var answers []string
				for _, a := range q.Answers {
					if t := oneLine(a.Text); t != "" && !slices.Contains(answers, t) {
						answers = append(answers, t)
					}
				}
				if len(answers) == 0 {
					return nil, errAt(file, data, where(), "data[%d].paragraphs[%d].qas[%d] has no answer text", i, j, k)
				}
				out.items = append(out.items, qaItem{question: oneLine(q.Question), answers: answers, gold: []int{pi}})
			}
		}
	}
	return out, out.usable()
}

func (d *qaData) usable() error {
	switch {
	case len(d.items) == 0:
		return &fileError{file: d.file, msg: "no answerable questions"}
	case len(d.paras) < 2:
		return &fileError{file: d.file, msg: "fewer than two paragraphs: nothing to distract with"}
	}
	return nil
}

// HotpotQA: [{"question", "answer", "context": [[title, [sentence, ...]], ...]}].
type hotpotItem struct {
	Question string            `json:"question"`
	Answer   string            `json:"answer"`
	Context  []json.RawMessage `json:"context"`
}

func loadHotpotQA(path string) (*qaData, error) {
	data, err := readDataset("hotpotqa_file", path)
	if err != nil {
		return nil, err
	}
	return parseHotpotQA(path, data)
}

func parseHotpotQA(file string, data []byte) (*qaData, error) {
	var items []hotpotItem
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, jsonError(file, data, err)
	}
	out := &qaData{file: file}
	seen := map[string]int{}
	for i, it := range items {
		if oneLine(it.Question) == "" || oneLine(it.Answer) == "" {
			return nil, errAt(file, data, locate(data, i), "item %d has no question or no answer", i)
		}
		if len(it.Context) == 0 {
			return nil, errAt(file, data, locate(data, i), "item %d has no context paragraphs", i)
		}
		q := qaItem{question: oneLine(it.Question), answers: []string{oneLine(it.Answer)}}
		for j, raw := range it.Context {
			var pair []json.RawMessage
			var title string
			var sents []string
			if json.Unmarshal(raw, &pair) != nil || len(pair) != 2 ||
				json.Unmarshal(pair[0], &title) != nil || json.Unmarshal(pair[1], &sents) != nil {
				return nil, errAt(file, data, locate(data, i, "context", j), "item %d context[%d] is not [title, [sentences]]", i, j)
			}
			para := oneLine(strings.Join(sents, " "))
			if para == "" {
				continue
			}
			para = oneLine(title) + ": " + para
			pi, ok := seen[para]
			if !ok {
				pi = len(out.paras)
				seen[para] = pi
				out.paras = append(out.paras, para)
			}
			if !slices.Contains(q.gold, pi) {
				q.gold = append(q.gold, pi)
			}
		}
		if len(q.gold) == 0 {
			return nil, errAt(file, data, locate(data, i, "context"), "item %d has only empty context paragraphs", i)
		}
		out.items = append(out.items, q)
	}
	return out, out.usable()
}

// paraSource gives a sample's distractor paragraphs: the dataset's
// paragraphs other than its gold ones, in a random order of its own,
// shuffled lazily as the haystack grows.
type paraSource struct {
	d    *qaData
	r    *rand.Rand
	skip map[int]bool
	perm map[int]int // lazy Fisher-Yates over paragraph indices
	docs []string
	next int
}

func (p *paraSource) doc(i int) string {
	n := len(p.d.paras)
	for len(p.docs) <= i {
		if p.next >= n {
			// Every paragraph is in: start the order again rather than fail,
			// as RULER repeats its haystack.
			p.next, p.perm = 0, map[int]int{}
		}
		j := p.next + p.r.IntN(n-p.next)
		vi, ok := p.perm[j]
		if !ok {
			vi = j
		}
		vn, ok := p.perm[p.next]
		if !ok {
			vn = p.next
		}
		p.perm[j] = vn
		p.next++
		if !p.skip[vi] {
			p.docs = append(p.docs, p.d.paras[vi])
		}
	}
	return p.docs[i]
}

// drawQAFile draws a question of a real dataset: index i takes the i-th
// question of an order shuffled by the run's seed.
func drawQAFile(d *qaData, order []int, index int, p taskParams, c *chunkCounter, r *rand.Rand) (sample, error) {
	it := d.items[order[index%len(order)]]
	if len(it.gold) >= len(d.paras) {
		return nil, fmt.Errorf("%s: question %q has no paragraphs left to distract with", d.file, it.question)
	}
	src := &paraSource{d: d, r: r, skip: map[int]bool{}, perm: map[int]int{}}
	s := &qaSample{head: qaInstruction + "\n\n", dist: src, points: p.depths, c: c, refs: it.answers}
	depths := distinctDepths(r.IntN, len(it.gold), p.depths)
	for k, g := range it.gold {
		src.skip[g] = true
		s.gold = append(s.gold, insert{text: d.paras[g], depth: depths[k]})
	}
	slices.SortStableFunc(s.gold, func(x, y insert) int { return x.depth - y.depth })
	s.tail = "\n" + qaReminder + "\n\nQuestion: " + it.question + "\nAnswer:"
	return s, nil
}

// loadHaystackDir reads the .txt files under dir, in path order, and cuts
// them into sentences (units with their leading separators: "\n\n" where
// a paragraph begins). Text must be UTF-8 without NUL bytes.
func loadHaystackDir(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("haystack_dir: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("haystack_dir: %s is not a directory", dir)
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".txt") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("haystack_dir: %w", err)
	}
	sort.Strings(files)
	var units []string
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("haystack_dir: %w", err)
		}
		u, err := splitText(f, data)
		if err != nil {
			return nil, err
		}
		units = append(units, u...)
		if total += len(data); total > maxHaystackBytes {
			break // far more than a million tokens
		}
	}
	if len(units) == 0 {
		return nil, fmt.Errorf("haystack_dir: no text in .txt files under %s", dir)
	}
	return units, nil
}

const maxHaystackBytes = 32 << 20

// splitText cuts a text into sentences: paragraphs at blank lines,
// whitespace collapsed, a sentence ending at . ! or ? (and any closing
// quotes or brackets) before a space.
func splitText(file string, data []byte) ([]string, error) {
	if !utf8.Valid(data) {
		return nil, invalidUTF8(file, data)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, errAt(file, data, int64(i), "NUL byte: not a text file")
	}
	var units []string
	for _, para := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			continue
		}
		sep := "\n\n"
		start := 0
		for i, w := range words {
			if end := strings.TrimRight(w, `"')]’”`); i == len(words)-1 ||
				strings.HasSuffix(end, ".") || strings.HasSuffix(end, "!") || strings.HasSuffix(end, "?") {
				units = append(units, sep+strings.Join(words[start:i+1], " "))
				sep, start = " ", i+1
			}
		}
	}
	return units, nil
}
