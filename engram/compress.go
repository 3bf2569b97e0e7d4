package engram

// Vocab is what a Compression is built from: the raw piece of every token
// id below VocabSize. tokenize.Tokenizer satisfies it.
type Vocab interface {
	VocabSize() int
	Piece(id uint32) string
}

// Pieces is a Vocab held in a slice, id i having piece Pieces[i].
type Pieces []string

// VocabSize is the number of pieces.
func (p Pieces) VocabSize() int { return len(p) }

// Piece returns the piece of id, or "" outside the slice.
func (p Pieces) Piece(id uint32) string {
	if int64(id) < int64(len(p)) {
		return p[id]
	}
	return ""
}

// PadID is the raw token id whose compressed id pads N-grams on the left.
const PadID = 2

// Compression is the surjection P from raw token ids onto compressed ids:
// tokens whose Keys are equal share one id, and new ids are handed out in
// first-seen order over raw ids 0..|V|-1, so the mapping is a pure function
// of the vocabulary.
//
// Ids at or past |V| (special tokens a vocabulary does not list, or bad
// input) keep their distance past the end: raw |V|+k maps to |V'|+k. They
// never collide with a listed token, and nothing panics.
type Compression struct {
	ids  []uint32 // raw id -> compressed id
	keys []string // compressed id -> its key
}

// NewCompression builds the mapping for v. It normalises every piece once:
// cheap to use, costly to build, so callers should keep it.
func NewCompression(v Vocab) *Compression {
	n := v.VocabSize()
	if n < 0 {
		n = 0
	}
	c := &Compression{ids: make([]uint32, n)}
	seen := make(map[string]uint32, n)
	for raw := 0; raw < n; raw++ {
		k := Key(v.Piece(uint32(raw)))
		id, ok := seen[k]
		if !ok {
			id = uint32(len(c.keys))
			seen[k] = id
			c.keys = append(c.keys, k)
		}
		c.ids[raw] = id
	}
	return c
}

// VocabSize is |V|, the number of raw ids the mapping was built over.
func (c *Compression) VocabSize() int { return len(c.ids) }

// Size is |V'|, the number of compressed ids of listed tokens.
func (c *Compression) Size() int { return len(c.keys) }

// Reduction is the fraction of ids the compression removes, 1 - |V'|/|V|
// (0.2343 on DeepSeek-V3's vocabulary per the paper).
func (c *Compression) Reduction() float64 {
	if len(c.ids) == 0 {
		return 0
	}
	return 1 - float64(len(c.keys))/float64(len(c.ids))
}

// ID maps one raw id.
func (c *Compression) ID(raw uint32) uint32 {
	if int64(raw) < int64(len(c.ids)) {
		return c.ids[raw]
	}
	return uint32(len(c.keys)) + (raw - uint32(len(c.ids))) // <= raw: cannot overflow
}

// Pad is the compressed id that pads N-grams on the left, P(raw id 2).
func (c *Compression) Pad() uint32 { return c.ID(PadID) }

// Key returns the key of a compressed id, or "" for one past |V'|.
func (c *Compression) Key(id uint32) string {
	if int64(id) < int64(len(c.keys)) {
		return c.keys[id]
	}
	return ""
}

// Compress returns the compressed ids of raw, in a new slice.
func (c *Compression) Compress(raw []uint32) []uint32 {
	return c.AppendCompressed(make([]uint32, 0, len(raw)), raw)
}

// AppendCompressed appends the compressed ids of raw to dst.
func (c *Compression) AppendCompressed(dst, raw []uint32) []uint32 {
	for _, id := range raw {
		dst = append(dst, c.ID(id))
	}
	return dst
}

// IdentityCompression maps raw id i to i for a vocabulary of n ids: what a
// model gets when no tokenizer is named. Its keys are empty.
func IdentityCompression(n int) *Compression {
	n = max(n, 0)
	c := &Compression{ids: make([]uint32, n), keys: make([]string, n)}
	for i := range c.ids {
		c.ids[i] = uint32(i)
	}
	return c
}
