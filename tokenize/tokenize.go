// Package tokenize gives the offline BPE tokenizers (OpenAI's public
// vocabularies, shipped inside the tiktoken-go module) one small interface,
// so that the offline engine, the Engram compression and length fitting of
// long-context prompts count tokens the same way with no network.
package tokenize

import (
	"fmt"
	"sort"
	"sync"

	"github.com/tiktoken-go/tokenizer"
)

// Tokenizer turns text into token ids and back.
type Tokenizer interface {
	Name() string
	Encode(text string) []uint32
	Decode(ids []uint32) string
	Count(text string) int
	// VocabSize is one more than the largest ordinary token id.
	VocabSize() int
	// Piece is the raw bytes of one token id ("" for an id with none).
	Piece(id uint32) string
}

// Default is the tokenizer used when a suite names none.
const Default = "cl100k_base"

var encodings = map[string]tokenizer.Encoding{
	"cl100k_base": tokenizer.Cl100kBase,
	"o200k_base":  tokenizer.O200kBase,
	"r50k_base":   tokenizer.R50kBase,
	"p50k_base":   tokenizer.P50kBase,
}

// Names lists the tokenizers Get knows.
func Names() []string {
	out := make([]string, 0, len(encodings))
	for n := range encodings {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

var (
	mu    sync.Mutex
	cache = map[string]*bpe{}
)

// Get returns the named tokenizer. Building one takes a moment (its
// vocabulary is a large map), so each is built once per process.
func Get(name string) (Tokenizer, error) {
	mu.Lock()
	defer mu.Unlock()
	if t, ok := cache[name]; ok {
		return t, nil
	}
	enc, ok := encodings[name]
	if !ok {
		return nil, fmt.Errorf("unknown tokenizer %q (known: %v)", name, Names())
	}
	codec, err := tokenizer.Get(enc)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", name, err)
	}
	t := &bpe{name: name, codec: codec}
	t.buildPieces()
	cache[name] = t
	return t, nil
}

type bpe struct {
	name   string
	codec  tokenizer.Codec
	pieces []string // by id; "" where an id has no ordinary token
}

// buildPieces decodes every id once, so Piece and Decode are slice lookups.
func (t *bpe) buildPieces() {
	const gapLimit = 4096 // stop after this many ids in a row have no token
	gap := 0
	for id := 0; gap < gapLimit; id++ {
		s, err := t.codec.Decode([]uint{uint(id)})
		if err != nil || s == "" {
			gap++
			t.pieces = append(t.pieces, "")
			continue
		}
		gap = 0
		t.pieces = append(t.pieces, s)
	}
	// trim the trailing gap
	n := len(t.pieces)
	for n > 0 && t.pieces[n-1] == "" {
		n--
	}
	t.pieces = t.pieces[:n]
}

func (t *bpe) Name() string   { return t.name }
func (t *bpe) VocabSize() int { return len(t.pieces) }

func (t *bpe) Piece(id uint32) string {
	if int(id) < len(t.pieces) {
		return t.pieces[id]
	}
	return ""
}

func (t *bpe) Encode(text string) []uint32 {
	ids, _, err := t.codec.Encode(text)
	if err != nil {
		// Encode fails only in strict UTF-8 mode, which is not used here.
		panic(fmt.Sprintf("tokenize: %s: %v", t.name, err))
	}
	out := make([]uint32, len(ids))
	for i, id := range ids {
		out[i] = uint32(id)
	}
	return out
}

func (t *bpe) Count(text string) int {
	n, err := t.codec.Count(text)
	if err != nil {
		panic(fmt.Sprintf("tokenize: %s: %v", t.name, err))
	}
	return n
}

func (t *bpe) Decode(ids []uint32) string {
	var n int
	for _, id := range ids {
		n += len(t.Piece(id))
	}
	b := make([]byte, 0, n)
	for _, id := range ids {
		b = append(b, t.Piece(id)...)
	}
	return string(b)
}
