package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Brief is what a report needs of a sample, in well under half of a
// Sample's memory: no response text, request hash, seed or timestamps,
// and strings that repeat across samples shared when read by
// ReadRunDirBriefs. A million of them fit in a few hundred megabytes,
// which is what lets one process render the report of a merged nightly.
type Brief struct {
	Key        string
	Runner     string
	Set        string
	Task       string
	Cell       string
	InstanceID string
	Repeat     int
	Params     map[string]string

	Score       *float64 // nil when the sample has an error
	ScoreDetail string
	Extracted   string
	Error       string // at most briefErrorLen bytes of it
	ErrorKind   string
	ErrorClass  string
	Answered    bool // the response had non-blank text
	Cached      bool
	CostUSD     float64

	PromptTokens     int
	CompletionTokens int
	Estimated        bool // token counts from the client tokenizer

	LatencyS float64
	TTFTS    float64
	TPOTS    float64
}

// briefErrorLen bounds the error text a Brief keeps: reports quote the
// start of an error, never all of a long one.
const briefErrorLen = 120

// OK reports whether the sample was scored.
func (b *Brief) OK() bool { return b.Error == "" && b.Score != nil }

// BriefOf returns the Brief of s.
func BriefOf(s *Sample) Brief {
	return Brief{
		Key: s.Key, Runner: s.Runner, Set: s.Set, Task: s.Task, Cell: s.Cell,
		InstanceID: s.InstanceID, Repeat: s.Repeat, Params: s.Params,
		Score: s.Score, ScoreDetail: s.ScoreDetail, Extracted: s.Extracted,
		Error: clipError(s.Error), ErrorKind: s.ErrorKind, ErrorClass: s.ErrorClass,
		Answered: strings.TrimSpace(s.Response) != "", Cached: s.Cached, CostUSD: s.CostUSD,
		PromptTokens: s.Usage.PromptTokens, CompletionTokens: s.Usage.CompletionTokens, Estimated: s.Usage.Estimated,
		LatencyS: s.Timing.LatencyS, TTFTS: s.Timing.TTFTS, TPOTS: s.Timing.TPOTS,
	}
}

// clipError is the start of an error text a Brief keeps.
func clipError(e string) string {
	if len(e) > briefErrorLen {
		return e[:briefErrorLen]
	}
	return e
}

// Briefs returns the Brief of every sample, in order.
func Briefs(samples []Sample) []Brief {
	out := make([]Brief, len(samples))
	for i := range samples {
		out[i] = BriefOf(&samples[i])
	}
	return out
}

// A Briefer makes Briefs of samples met one at a time (a store's rows,
// say) that share their repeated strings, as ReadRunDirBriefs' do.
type Briefer struct{ in *interner }

// NewBriefer returns a Briefer with nothing shared yet.
func NewBriefer() *Briefer { return &Briefer{in: newInterner()} }

// Brief is BriefOf(s) with its repeated strings shared.
func (br *Briefer) Brief(s *Sample) Brief {
	b := BriefOf(s)
	br.in.share(&b)
	if t, ok := br.in.labels[b.Cell]; ok {
		b.Params = t
	} else {
		br.in.labels[b.Cell] = b.Params
	}
	return b
}

// share makes b's repeated strings the interner's copies and its instance
// id a part of its key. The labels are the caller's to share: how depends
// on whether they are decoded yet.
func (in *interner) share(b *Brief) {
	b.Runner, b.Set, b.Task, b.Cell = in.str(b.Runner), in.str(b.Set), in.str(b.Task), in.str(b.Cell)
	b.ErrorKind, b.ErrorClass = in.str(b.ErrorKind), in.str(b.ErrorClass)
	b.Extracted, b.ScoreDetail, b.Error = in.some(b.Extracted), in.some(b.ScoreDetail), in.some(b.Error)
	b.InstanceID = keyed(b.Key, b.Runner, b.InstanceID)
}

// keyed returns id as a substring of key when key is runner|id|repeat, so
// that the two share memory; else id.
func keyed(key, runner, id string) string {
	if i := len(runner) + 1; strings.HasPrefix(key, runner+"|") && strings.HasPrefix(key[i:], id+"|") {
		return key[i : i+len(id)]
	}
	return id
}

// ReadRunDirBriefs reads run.json and the Brief of every sample in
// samples.jsonl (ReadBriefs).
func ReadRunDirBriefs(dir string) (Run, []Brief, error) {
	r, err := ReadRun(dir)
	if err != nil {
		return r, nil, err
	}
	briefs, err := ReadBriefs(dir)
	return r, briefs, err
}

// ReadBriefs reads the Brief of every sample in the samples.jsonl of the
// run directory dir; none when there is no such file. It is built for a
// million samples: the slice and the scores are sized from a first count
// of the lines, each line is decoded into only the fields a Brief keeps
// (timestamps are never parsed, the response is only checked for text),
// strings that repeat (runner, cell, labels, answers, score details) are
// shared, and an instance id shares the memory of the key that contains
// it. Lines follow ScanSamples' rules.
func ReadBriefs(dir string) ([]Brief, error) {
	path := filepath.Join(dir, SamplesFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines, err := countLines(f)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return decodeBriefs(f, path, lines)
}

// decodeBriefs reads the Briefs of the samples in r, expecting about
// lines of them; name is used in error messages.
func decodeBriefs(r io.Reader, name string, lines int) ([]Brief, error) {
	out := make([]Brief, 0, lines)
	scores := make([]float64, 0, lines) // every Score points in here
	in := newInterner()
	var w briefWire
	err := scanLines(r, name, func(line []byte, n int, _ int64) error {
		w = briefWire{Params: paramsBytes{raw: w.Params.raw[:0]}}
		if err := json.Unmarshal(line, &w); err != nil {
			return fmt.Errorf("%s:%d: malformed sample: %w", name, n, err)
		}
		if w.Key == "" {
			return fmt.Errorf("%s:%d: sample has no key", name, n)
		}
		b := Brief{
			Key: w.Key, Runner: w.Runner, Set: w.Set, Task: w.Task, Cell: w.Cell,
			InstanceID: w.InstanceID, Repeat: w.Repeat,
			ScoreDetail: w.ScoreDetail, Extracted: w.Extracted, Error: clipError(w.Error),
			ErrorKind: w.ErrorKind, ErrorClass: w.ErrorClass,
			Answered: bool(w.Response), Cached: w.Cached, CostUSD: w.CostUSD,
			PromptTokens: w.Usage.PromptTokens, CompletionTokens: w.Usage.CompletionTokens, Estimated: w.Usage.Estimated,
			LatencyS: w.Timing.LatencyS, TTFTS: w.Timing.TTFTS, TPOTS: w.Timing.TPOTS,
		}
		in.share(&b)
		if w.Score.ok {
			if len(scores) == cap(scores) {
				scores = make([]float64, 0, 1024) // more lines than counted: a file still growing
			}
			scores = append(scores, w.Score.v)
			b.Score = &scores[len(scores)-1]
		}
		if b.Params = in.labels[b.Cell]; b.Params == nil && len(w.Params.raw) > 0 {
			if err := json.Unmarshal(w.Params.raw, &b.Params); err != nil {
				return fmt.Errorf("%s:%d: malformed sample: params: %w", name, n, err)
			}
			in.labels[b.Cell] = b.Params
		}
		out = append(out, b)
		return nil
	})
	return out, err
}

// briefWire is the part of a samples.jsonl line a Brief is made from; the
// other fields are skipped by the decoder, not decoded and thrown away.
type briefWire struct {
	Key         string      `json:"key"`
	Runner      string      `json:"runner"`
	Set         string      `json:"set"`
	Task        string      `json:"task"`
	Cell        string      `json:"cell"`
	InstanceID  string      `json:"instance_id"`
	Repeat      int         `json:"repeat"`
	Params      paramsBytes `json:"params"`
	Response    nonBlank    `json:"response"`
	Extracted   string      `json:"extracted"`
	Score       optFloat    `json:"score"`
	ScoreDetail string      `json:"score_detail"`
	Error       string      `json:"error"`
	ErrorKind   string      `json:"error_kind"`
	ErrorClass  string      `json:"error_class"`
	Cached      bool        `json:"cached"`
	CostUSD     float64     `json:"cost_usd"`
	Usage       struct {
		PromptTokens     int  `json:"prompt_tokens"`
		CompletionTokens int  `json:"completion_tokens"`
		Estimated        bool `json:"estimated"`
	} `json:"usage"`
	Timing struct {
		LatencyS float64 `json:"latency_s"`
		TTFTS    float64 `json:"ttft_s"`
		TPOTS    float64 `json:"tpot_s"`
	} `json:"timing"`
}

// nonBlank decodes a JSON string as whether it holds anything but white
// space, without keeping the string.
type nonBlank bool

func (n *nonBlank) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*n = false
		return nil
	}
	if bytes.IndexByte(b, '\\') >= 0 {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = strings.TrimSpace(s) != ""
		return nil
	}
	if len(b) < 2 || b[0] != '"' {
		return fmt.Errorf("response is not a string: %.20s", b)
	}
	*n = len(bytes.TrimSpace(b[1:len(b)-1])) > 0
	return nil
}

// paramsBytes keeps a sample's labels undecoded, in a buffer reused from
// line to line: a cell's labels are the same on every sample of it (they
// are in its name), so they are decoded once per cell, not once per line.
type paramsBytes struct{ raw []byte }

func (p *paramsBytes) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		p.raw = p.raw[:0]
		return nil
	}
	p.raw = append(p.raw[:0], b...)
	return nil
}

// optFloat is a number or null, decoded without allocating.
type optFloat struct {
	v  float64
	ok bool
}

func (o *optFloat) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*o = optFloat{}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("score %.30s is not a number", b)
	}
	*o = optFloat{v, true}
	return nil
}

// interner shares equal strings, and the labels of one cell.
type interner struct {
	strs   map[string]string
	labels map[string]map[string]string
	taken  int // distinct strings some has added, which it bounds
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, labels: map[string]map[string]string{}}
}

func (in *interner) str(s string) string {
	if t, ok := in.strs[s]; ok {
		return t
	}
	in.strs[s] = s
	return s
}

// maxSome is how many distinct strings some shares before it stops
// taking new ones: fields that mostly repeat (answers, score details)
// share them, fields that turn out unique cost no table beyond this.
const maxSome = 1 << 16

// some shares s if it has been seen, or if the table has room.
func (in *interner) some(s string) string {
	if s == "" {
		return ""
	}
	if t, ok := in.strs[s]; ok {
		return t
	}
	if in.taken >= maxSome || len(s) > 512 {
		return s
	}
	in.taken++
	in.strs[s] = s
	return s
}
