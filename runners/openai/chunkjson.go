package openai

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// decodeChunk decodes data into c as json.Unmarshal would: the same value,
// and an error for the same inputs (FuzzDecodeChunk holds it to that). It
// exists for speed: encoding/json took most of the client's CPU time on
// the dozens of chunks of every answer. It validates the whole text in one
// pass and fills only wireChunk's fields; values that are rare or nested
// (usage, escaped strings and keys) go to encoding/json itself.
func decodeChunk(data []byte, c *wireChunk) error {
	d := chunkDecoder{b: data}
	d.ws()
	switch d.peek() {
	case '{':
		d.object(func(key []byte) bool { return d.chunkField(key, c) })
	case 'n':
		if !d.literal("null") { // null leaves c as it is
			d.fail("bad literal")
		}
	default:
		if d.skip() {
			d.mismatch("object")
		}
	}
	if d.err == nil {
		d.ws()
		if d.i < len(d.b) {
			d.fail("data after the value")
		}
	}
	if d.err != nil {
		return d.err
	}
	return d.typeErr
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// chunkDecoder walks one JSON text. Its methods consume one value each and
// return false on a syntax error (kept in err). A value of the wrong type
// is skipped and remembered in typeErr, as encoding/json does.
type chunkDecoder struct {
	b       []byte
	i       int
	depth   int
	err     error
	typeErr error
}

var errSyntax = errors.New("invalid JSON")

func (d *chunkDecoder) fail(why string) bool {
	if d.err == nil {
		d.err = fmt.Errorf("%w at offset %d: %s", errSyntax, d.i, why)
	}
	return false
}

func (d *chunkDecoder) mismatch(want string) {
	if d.typeErr == nil {
		d.typeErr = fmt.Errorf("JSON value before offset %d is not a %s", d.i, want)
	}
}

func (d *chunkDecoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *chunkDecoder) peek() byte {
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *chunkDecoder) literal(word string) bool {
	if len(d.b)-d.i >= len(word) && string(d.b[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return true
	}
	return false
}

// chunkField decodes the value of one key of a chunk.
func (d *chunkDecoder) chunkField(key []byte, c *wireChunk) bool {
	switch {
	case fieldIs(key, "model"):
		return d.stringField(&c.Model)
	case fieldIs(key, "choices"):
		return d.choices(c)
	case fieldIs(key, "usage"):
		start := d.i
		if !d.skip() {
			return false
		}
		if err := json.Unmarshal(d.b[start:d.i], &c.Usage); err != nil && d.typeErr == nil {
			d.typeErr = err
		}
		return true
	case fieldIs(key, "error"):
		start := d.i
		if !d.skip() {
			return false
		}
		c.Error = append(c.Error[:0], d.b[start:d.i]...)
		return true
	}
	return d.skip()
}

func (d *chunkDecoder) choiceField(key []byte, ch *wireChoice) bool {
	switch {
	case fieldIs(key, "index"):
		return d.intField(&ch.Index)
	case fieldIs(key, "delta"):
		return d.objectField(func(k []byte) bool { return d.messageField(k, &ch.Delta) })
	case fieldIs(key, "message"):
		return d.objectField(func(k []byte) bool { return d.messageField(k, &ch.Message) })
	case fieldIs(key, "text"):
		return d.stringField(&ch.Text)
	case fieldIs(key, "finish_reason"):
		return d.stringField(&ch.FinishReason)
	}
	return d.skip()
}

func (d *chunkDecoder) messageField(key []byte, m *wireMessage) bool {
	switch {
	case fieldIs(key, "content"):
		return d.stringField(&m.Content)
	case fieldIs(key, "reasoning_content"):
		return d.lenientField(&m.ReasoningContent)
	case fieldIs(key, "reasoning"):
		return d.lenientField(&m.Reasoning)
	}
	return d.skip()
}

// choices decodes the choices array with encoding/json's slice rules:
// elements are decoded into what the slice already holds (a repeated key
// merges), the slice is cut to the elements read, and [] gives an empty,
// non-nil slice.
func (d *chunkDecoder) choices(c *wireChunk) bool {
	switch d.peek() {
	case '[':
		s, n := c.Choices, 0
		ok := d.array(func() bool {
			if n >= cap(s) {
				s = slices.Grow(s, 1)
			}
			if n >= len(s) {
				s = s[:n+1]
			}
			ch := &s[n]
			n++
			return d.objectField(func(k []byte) bool { return d.choiceField(k, ch) })
		})
		if !ok {
			return false
		}
		s = s[:n]
		if n == 0 {
			s = []wireChoice{}
		}
		c.Choices = s
		return true
	case 'n':
		if d.literal("null") {
			c.Choices = nil
			return true
		}
	}
	if d.skip() {
		d.mismatch("array")
		return true
	}
	return false
}

// objectField decodes an object (or null, which changes nothing) through
// field.
func (d *chunkDecoder) objectField(field func(key []byte) bool) bool {
	switch d.peek() {
	case '{':
		return d.object(field)
	case 'n':
		if d.literal("null") {
			return true
		}
	}
	if d.skip() {
		d.mismatch("object")
		return true
	}
	return false
}

func (d *chunkDecoder) stringField(dst *string) bool {
	switch d.peek() {
	case '"':
		s, ok := d.stringValue()
		if ok {
			*dst = s
		}
		return ok
	case 'n':
		if d.literal("null") {
			return true
		}
	}
	if d.skip() {
		d.mismatch("string")
		return true
	}
	return false
}

// lenientField follows lenient.UnmarshalJSON: a string is kept, any other
// value reads as "".
func (d *chunkDecoder) lenientField(dst *lenient) bool {
	if d.peek() == '"' {
		s, ok := d.stringValue()
		if ok {
			*dst = lenient(s)
		}
		return ok
	}
	if !d.skip() {
		return false
	}
	*dst = ""
	return true
}

func (d *chunkDecoder) intField(dst *int) bool {
	switch c := d.peek(); {
	case c == '-' || '0' <= c && c <= '9':
		start := d.i
		if !d.number() {
			return false
		}
		if n, err := strconv.ParseInt(string(d.b[start:d.i]), 10, strconv.IntSize); err == nil {
			*dst = int(n)
		} else {
			d.mismatch("integer")
		}
		return true
	case c == 'n':
		if d.literal("null") {
			return true
		}
	}
	if d.skip() {
		d.mismatch("integer")
		return true
	}
	return false
}

// object reads an object, calling field with each key while the decoder
// stands at that key's value.
func (d *chunkDecoder) object(field func(key []byte) bool) bool {
	if d.depth++; d.depth > maxDepth {
		return d.fail("nested too deep")
	}
	d.i++ // '{'
	d.ws()
	if d.peek() == '}' {
		d.i++
		d.depth--
		return true
	}
	for {
		d.ws()
		key, ok := d.key()
		if !ok {
			return false
		}
		d.ws()
		if d.peek() != ':' {
			return d.fail("want ':'")
		}
		d.i++
		d.ws()
		if !field(key) {
			return false
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			d.depth--
			return true
		default:
			return d.fail("want ',' or '}'")
		}
	}
}

// array reads an array, calling elem while the decoder stands at each
// element.
func (d *chunkDecoder) array(elem func() bool) bool {
	if d.depth++; d.depth > maxDepth {
		return d.fail("nested too deep")
	}
	d.i++ // '['
	d.ws()
	if d.peek() == ']' {
		d.i++
		d.depth--
		return true
	}
	for {
		d.ws()
		if !elem() {
			return false
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			d.depth--
			return true
		default:
			return d.fail("want ',' or ']'")
		}
	}
}

// skip validates one value and passes over it.
func (d *chunkDecoder) skip() bool {
	switch c := d.peek(); {
	case c == '{':
		return d.object(func([]byte) bool { return d.skip() })
	case c == '[':
		return d.array(d.skip)
	case c == '"':
		_, _, ok := d.scanString()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case d.literal("true"), d.literal("false"), d.literal("null"):
		return true
	}
	return d.fail("want a value")
}

// key reads an object key. A key with escapes or non-ASCII bytes is
// decoded by encoding/json, so it is unescaped (and repaired) the same way.
func (d *chunkDecoder) key() ([]byte, bool) {
	if d.peek() != '"' {
		return nil, d.fail("want a key")
	}
	start := d.i
	raw, simple, ok := d.scanString()
	if !ok {
		return nil, false
	}
	if simple {
		return raw, true
	}
	var s string
	if err := json.Unmarshal(d.b[start:d.i], &s); err != nil {
		return nil, d.fail("bad key")
	}
	return []byte(s), true
}

// stringValue reads a string token and returns its value.
func (d *chunkDecoder) stringValue() (string, bool) {
	start := d.i
	raw, simple, ok := d.scanString()
	if !ok {
		return "", false
	}
	if simple {
		return string(raw), true
	}
	var s string
	if err := json.Unmarshal(d.b[start:d.i], &s); err != nil {
		return "", d.fail("bad string")
	}
	return s, true
}

// scanString passes over a string token, checking its escapes. raw is the
// text between the quotes; simple reports that it has no escape and is
// valid UTF-8, so raw is the value itself.
func (d *chunkDecoder) scanString() (raw []byte, simple, ok bool) {
	d.i++ // '"'
	start := d.i
	escaped, ascii := false, true
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			raw = d.b[start:d.i]
			d.i++
			return raw, !escaped && (ascii || utf8.Valid(raw)), true
		case c == '\\':
			escaped = true
			d.i++
			switch d.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i++
			case 'u':
				d.i++
				for range 4 {
					if !isHex(d.peek()) {
						return nil, false, d.fail("bad \\u escape")
					}
					d.i++
				}
			default:
				return nil, false, d.fail("bad escape")
			}
		case c < 0x20:
			return nil, false, d.fail("control character in string")
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
			d.i++
		}
	}
	return nil, false, d.fail("unterminated string")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// number passes over a number, checking its grammar.
func (d *chunkDecoder) number() bool {
	digits := func() int {
		n := 0
		for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.peek() == '-' {
		d.i++
	}
	switch c := d.peek(); {
	case c == '0':
		d.i++
	case '1' <= c && c <= '9':
		digits()
	default:
		return d.fail("bad number")
	}
	if d.peek() == '.' {
		d.i++
		if digits() == 0 {
			return d.fail("bad fraction")
		}
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.i++
		if c := d.peek(); c == '+' || c == '-' {
			d.i++
		}
		if digits() == 0 {
			return d.fail("bad exponent")
		}
	}
	return true
}

// fieldIs matches a key to a field name as encoding/json does: exactly,
// or else equal once every rune is folded to the least rune of its case
// orbit (so "MODEL" and "modeſ"-like spellings match too). name is ASCII.
func fieldIs(key []byte, name string) bool {
	if string(key) == name {
		return true
	}
	j := 0
	for i := 0; i < len(key); {
		r, size := rune(key[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(key[i:])
		}
		i += size
		if j >= len(name) || leastFold(r) != leastFold(rune(name[j])) {
			return false
		}
		j++
	}
	return j == len(name)
}

// leastFold is the least rune that r's case orbit holds.
func leastFold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}
