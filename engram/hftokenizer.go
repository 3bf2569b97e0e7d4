package engram

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// HFVocab is the vocabulary of a Hugging Face tokenizer.json (the DeepSeek-V3
// tokenizer, for one), with every piece decoded to the bytes it stands for,
// as the demo's decode of a single id gives them. It is a Vocab.
type HFVocab struct {
	Pieces    Pieces
	ModelType string // "BPE" or "Unigram"
	Decoding  string // "byte-level", "metaspace" or "raw"
	Added     int    // added tokens (special and not)
	Missing   int    // ids below VocabSize that no entry names (pieces "")
}

// VocabSize is one more than the largest id.
func (v *HFVocab) VocabSize() int { return len(v.Pieces) }

// Piece returns the decoded bytes of id.
func (v *HFVocab) Piece(id uint32) string { return v.Pieces.Piece(id) }

// ReadTokenizerJSON loads a tokenizer.json file.
func ReadTokenizerJSON(path string) (*HFVocab, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := LoadTokenizerJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

type hfTokenizer struct {
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	PreTokenizer json.RawMessage `json:"pre_tokenizer"`
	Decoder      json.RawMessage `json:"decoder"`
	Model        struct {
		Type         string          `json:"type"`
		Vocab        json.RawMessage `json:"vocab"`
		ByteFallback bool            `json:"byte_fallback"`
	} `json:"model"`
}

// LoadTokenizerJSON reads a tokenizer.json: ids from model.vocab (a map for
// BPE, a list of [piece, score] for Unigram) and from added_tokens, which
// win where both name an id. Pieces of a byte-level tokenizer (GPT-2's
// byte-to-rune alphabet, as DeepSeek-V3 uses) are mapped back to bytes;
// a Metaspace tokenizer's "▁" becomes a space and "<0xNN>" byte-fallback
// pieces become their byte. Added tokens keep their content as it is.
func LoadTokenizerJSON(r io.Reader) (*HFVocab, error) {
	var t hfTokenizer
	if err := json.NewDecoder(r).Decode(&t); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	v := &HFVocab{ModelType: t.Model.Type}
	ids := map[int]string{}
	switch {
	case len(t.Model.Vocab) == 0:
		return nil, errors.New("tokenizer.json: no model.vocab")
	case t.Model.Vocab[0] == '{':
		if v.ModelType == "" {
			v.ModelType = "BPE"
		}
		var m map[string]int
		if err := json.Unmarshal(t.Model.Vocab, &m); err != nil {
			return nil, fmt.Errorf("tokenizer.json: model.vocab: %w", err)
		}
		for piece, id := range m {
			ids[id] = piece
		}
	case t.Model.Vocab[0] == '[':
		var list [][2]any
		if err := json.Unmarshal(t.Model.Vocab, &list); err != nil {
			return nil, fmt.Errorf("tokenizer.json: model.vocab: %w", err)
		}
		for id, e := range list {
			s, _ := e[0].(string)
			ids[id] = s
		}
	default:
		return nil, errors.New("tokenizer.json: model.vocab is neither a map nor a list")
	}
	if v.ModelType != "BPE" && v.ModelType != "Unigram" {
		return nil, fmt.Errorf("tokenizer.json: model type %q is not supported (BPE or Unigram)", v.ModelType)
	}
	kinds := componentTypes(t.Decoder) + componentTypes(t.PreTokenizer)
	switch {
	case strings.Contains(kinds, " ByteLevel "):
		v.Decoding = "byte-level"
	case strings.Contains(kinds, " Metaspace ") || v.ModelType == "Unigram" || t.Model.ByteFallback:
		v.Decoding = "metaspace"
	default:
		v.Decoding = "raw"
	}
	maxID := -1
	for id := range ids {
		if id < 0 {
			return nil, fmt.Errorf("tokenizer.json: negative id %d", id)
		}
		ids[id] = decodePiece(ids[id], v.Decoding)
		maxID = max(maxID, id)
	}
	for _, a := range t.AddedTokens {
		if a.ID < 0 {
			return nil, fmt.Errorf("tokenizer.json: added token %q has id %d", a.Content, a.ID)
		}
		ids[a.ID] = a.Content
		maxID = max(maxID, a.ID)
		v.Added++
	}
	if maxID > 1<<26 {
		return nil, fmt.Errorf("tokenizer.json: largest id %d is implausible", maxID)
	}
	v.Pieces = make(Pieces, maxID+1)
	for id := range v.Pieces {
		p, ok := ids[id]
		if !ok {
			v.Missing++
		}
		v.Pieces[id] = p
	}
	return v, nil
}

// componentTypes lists the "type" of a component and of any it nests
// (Sequence decoders and pre-tokenizers), space-separated and padded.
func componentTypes(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return " "
	}
	var c struct {
		Type          string            `json:"type"`
		Decoders      []json.RawMessage `json:"decoders"`
		Pretokenizers []json.RawMessage `json:"pretokenizers"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return " "
	}
	out := " " + c.Type + " "
	for _, d := range append(c.Decoders, c.Pretokenizers...) {
		out += componentTypes(d)
	}
	return out
}

// byteLevelDecode maps the runes of GPT-2's byte-level alphabet back to
// bytes: printable Latin-1 bytes stand for themselves, the other 68 bytes
// for runes from U+0100 up, in byte order.
var byteLevelDecode = func() map[rune]byte {
	m := make(map[rune]byte, 256)
	next := rune(256)
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF {
			m[rune(b)] = byte(b)
		} else {
			m[next] = byte(b)
			next++
		}
	}
	return m
}()

func decodePiece(p, how string) string {
	switch how {
	case "byte-level":
		var b strings.Builder
		for _, r := range p {
			if c, ok := byteLevelDecode[r]; ok {
				b.WriteByte(c)
			} else {
				b.WriteRune(r) // not in the alphabet: keep as written
			}
		}
		return b.String()
	case "metaspace":
		if len(p) == 6 && strings.HasPrefix(p, "<0x") && p[5] == '>' {
			if n, err := strconv.ParseUint(p[3:5], 16, 8); err == nil {
				return string([]byte{byte(n)})
			}
		}
		if utf8.ValidString(p) {
			return strings.ReplaceAll(p, "\u2581", " ")
		}
	}
	return p
}
