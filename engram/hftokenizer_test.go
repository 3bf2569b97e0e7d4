package engram

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A small byte-level BPE tokenizer.json in the Hugging Face layout, with
// the pieces written in GPT-2's byte alphabet: "Ġ" is a space, "Ċ" a
// newline, "âĢ" the first two bytes of a three-byte character.
const testTokenizerJSON = `{
  "version": "1.0",
  "added_tokens": [
    {"id": 0, "content": "<｜begin▁of▁sentence｜>", "special": true},
    {"id": 2, "content": "<pad>", "special": true},
    {"id": 9, "content": "<extra>", "special": false}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Split"}, {"type": "ByteLevel", "add_prefix_space": false}]},
  "decoder": {"type": "ByteLevel"},
  "model": {"type": "BPE", "byte_fallback": false, "vocab": {
    "a": 1, "Hello": 3, "ĠHello": 4, "hello": 5, "Ċ": 6, "âĢ": 7, "Ġ": 8, "HÃ©": 10, "he": 11
  }, "merges": []}
}`

func TestLoadTokenizerJSON(t *testing.T) {
	v, err := LoadTokenizerJSON(strings.NewReader(testTokenizerJSON))
	if err != nil {
		t.Fatal(err)
	}
	if v.VocabSize() != 12 || v.Added != 3 || v.Missing != 0 || v.ModelType != "BPE" || v.Decoding != "byte-level" {
		t.Fatalf("%+v", v)
	}
	for id, want := range map[uint32]string{0: "<｜begin▁of▁sentence｜>", 3: "Hello", 4: " Hello", 6: "\n", 7: "\xe2\x80", 8: " ", 10: "Hé", 9: "<extra>"} {
		if got := v.Piece(id); got != want {
			t.Errorf("piece %d = %q, want %q", id, got, want)
		}
	}
	c := NewCompression(v)
	// Hello, " Hello" and hello share a key; "\n" and " " both normalise to
	// a space; the partial character keeps its bytes.
	if c.ID(3) != c.ID(4) || c.ID(3) != c.ID(5) || c.ID(6) != c.ID(8) || c.ID(7) == c.ID(8) {
		t.Fatalf("compression ids %v", c.Compress([]uint32{3, 4, 5, 6, 7, 8}))
	}
	// "Hé" loses its accent and case: the key of "he" (id 11).
	if c.ID(10) != c.ID(11) {
		t.Errorf("Hé and he: ids %d and %d, want equal", c.ID(10), c.ID(11))
	}
	if c.VocabSize() != 12 || c.Size() != 12-4 || c.Pad() != c.ID(2) {
		t.Errorf("|V| %d |V'| %d", c.VocabSize(), c.Size())
	}

	path := filepath.Join(t.TempDir(), "tokenizer.json")
	os.WriteFile(path, []byte(testTokenizerJSON), 0o644)
	if _, err := ReadTokenizerJSON(path); err != nil {
		t.Fatal(err)
	}
}

func TestLoadTokenizerJSONOthers(t *testing.T) {
	uni := `{"model": {"type": "Unigram", "vocab": [["<unk>", 0], ["▁the", -1.5], ["<0x0A>", -3]]}}`
	v, err := LoadTokenizerJSON(strings.NewReader(uni))
	if err != nil {
		t.Fatal(err)
	}
	if v.Piece(1) != " the" || v.Piece(2) != "\n" || v.Decoding != "metaspace" {
		t.Fatalf("%q %q %s", v.Piece(1), v.Piece(2), v.Decoding)
	}
	gaps := `{"model": {"type": "BPE", "vocab": {"a": 0, "b": 5}}}`
	v, err = LoadTokenizerJSON(strings.NewReader(gaps))
	if err != nil || v.VocabSize() != 6 || v.Missing != 4 || v.Decoding != "raw" {
		t.Fatalf("%+v %v", v, err)
	}
	for _, bad := range []string{`{`, `{"model": {"type": "WordPiece", "vocab": {"a": 0}}}`, `{"model": {"type": "BPE"}}`, `{"model": {"vocab": {"a": -1}}}`} {
		if _, err := LoadTokenizerJSON(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: loaded", bad)
		}
	}
}
