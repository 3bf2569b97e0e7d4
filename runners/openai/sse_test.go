package openai

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// event is one parsed event, for comparisons.
type event struct {
	data    string
	partial bool
}

// readAllEvents parses a whole stream; err is the first non-EOF error.
func readAllEvents(r io.Reader) ([]event, error) {
	s := newSSE(r, nil, nil)
	defer s.release()
	var out []event
	for {
		data, _, partial, err := s.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, event{string(data), partial})
	}
}

// chunkReader returns its input in reads of the given sizes, cycling.
type chunkReader struct {
	b     []byte
	sizes []int
	i     int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(c.sizes) > 0 {
		n = max(1, c.sizes[c.i%len(c.sizes)])
		c.i++
	}
	n = min(n, len(p), len(c.b))
	copy(p, c.b[:n])
	c.b = c.b[n:]
	return n, nil
}

func TestSSE(t *testing.T) {
	cases := []struct {
		name, in string
		want     []event
	}{
		{"plain", "data: a\n\ndata: b\n\n", []event{{"a", false}, {"b", false}}},
		{"no space", "data:a\n\n", []event{{"a", false}}},
		{"two spaces keep one", "data:  a\n\n", []event{{" a", false}}},
		{"multi-line", "data: a\ndata: b\n\n", []event{{"a\nb", false}}},
		{"comments", ": keep-alive\n\n:ping\ndata: a\n: x\n\n", []event{{"a", false}}},
		{"other fields", "event: message\nid: 7\nretry: 10\ndata: a\n\n", []event{{"a", false}}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []event{{"a", false}, {"b", false}}},
		{"CR", "data: a\r\rdata: b\r\r", []event{{"a", false}, {"b", false}}},
		{"blank lines between", "\n\n\ndata: a\n\n\n\n", []event{{"a", false}}},
		{"empty data", "data:\n\n", []event{{"", false}}},
		{"field without colon", "data\n\n", []event{{"", false}}},
		{"final without blank line", "data: a\n\ndata: b\n", []event{{"a", false}, {"b", true}}},
		{"final without any newline", "data: a\n\ndata: [DONE]", []event{{"a", false}, {"[DONE]", true}}},
		{"only comments", ": a\n: b\n", nil},
		{"empty", "", nil},
	}
	for _, c := range cases {
		for _, split := range [][]int{nil, {1}, {2}, {3, 1}, {1 << 20}} {
			r := io.Reader(strings.NewReader(c.in))
			if split != nil {
				r = &chunkReader{b: []byte(c.in), sizes: split}
			}
			got, err := readAllEvents(r)
			if err != nil {
				t.Fatalf("%s split %v: %v", c.name, split, err)
			}
			if !equalEvents(got, c.want) {
				t.Errorf("%s split %v: got %+v, want %+v", c.name, split, got, c.want)
			}
		}
	}
}

func equalEvents(a, b []event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSSELongLine(t *testing.T) {
	long := "data: " + strings.Repeat("x", maxEvent+10) + "\n\n"
	_, err := readAllEvents(strings.NewReader(long))
	if !errors.Is(err, errTooLong) {
		t.Fatalf("line over the limit: got %v, want errTooLong", err)
	}
	// Many short lines adding up to too much data are refused too.
	many := strings.Repeat("data: "+strings.Repeat("y", 1000)+"\n", maxEvent/1000+2) + "\n"
	if _, err := readAllEvents(strings.NewReader(many)); !errors.Is(err, errTooLong) {
		t.Fatalf("event over the limit: got %v, want errTooLong", err)
	}
	// Just under the limit is fine.
	ok := "data: " + strings.Repeat("z", maxEvent-10) + "\n\n"
	got, err := readAllEvents(iotest.HalfReader(strings.NewReader(ok)))
	if err != nil || len(got) != 1 || len(got[0].data) != maxEvent-10 {
		t.Fatalf("long event under the limit: %v, %d events", err, len(got))
	}
}

func TestSSEReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader("data: a\n\ndata: b"), iotest.ErrReader(boom))
	got, err := readAllEvents(r)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the read error", err)
	}
	if len(got) != 1 || got[0].data != "a" {
		t.Fatalf("events before the error: %+v", got)
	}
}

// encodeSSE writes events as a server might, varying the form by bits.
func encodeSSE(events []string, bits []byte) []byte {
	bit := 0
	next := func() byte {
		if len(bits) == 0 {
			return 0
		}
		b := bits[bit%len(bits)]
		bit++
		return b
	}
	endings := []string{"\n", "\r\n", "\r"}
	var out bytes.Buffer
	for _, ev := range events {
		for _, line := range strings.Split(ev, "\n") {
			c := next()
			if c&8 != 0 {
				out.WriteString(": keep-alive" + endings[int(c>>4)%3])
			}
			if c&1 != 0 && !strings.HasPrefix(line, " ") {
				out.WriteString("data:" + line)
			} else {
				out.WriteString("data: " + line)
			}
			out.WriteString(endings[int(c>>1)%3])
		}
		end := endings[int(next()>>2)%3]
		if end == "\n" && bytes.HasSuffix(out.Bytes(), []byte("\r")) {
			end = "\r\n" // a lone LF would join the CR before it into one line ending
		}
		out.WriteString(end)
	}
	return out.Bytes()
}

func FuzzSSERoundTrip(f *testing.F) {
	f.Add([]byte("a\x00b\nc\x00\x00{\"x\":1}"), []byte{0, 1, 2, 3, 8, 9, 255}, []byte{1, 2, 3})
	f.Add([]byte(""), []byte{}, []byte{})
	f.Add([]byte(" leading\x00trailing \x00\n"), []byte{6, 7}, []byte{5})
	f.Fuzz(func(t *testing.T, payload, bits, sizes []byte) {
		clean := strings.ReplaceAll(string(payload), "\r", "")
		var events []string
		if clean != "" {
			events = strings.Split(clean, "\x00")
		}
		stream := encodeSSE(events, bits)
		split := make([]int, len(sizes))
		for i, s := range sizes {
			split[i] = int(s)
		}
		got, err := readAllEvents(&chunkReader{b: stream, sizes: split})
		if err != nil {
			t.Fatalf("valid stream %q: %v", stream, err)
		}
		if len(got) != len(events) {
			t.Fatalf("stream %q: got %d events %+v, want %d %q", stream, len(got), got, len(events), events)
		}
		for i := range events {
			if got[i].data != events[i] || got[i].partial {
				t.Fatalf("stream %q event %d: got %+v, want %q", stream, i, got[i], events[i])
			}
		}
	})
}

// FuzzSSE feeds arbitrary bytes: the reader must not panic or loop, and
// must parse the same events however the bytes are split across reads.
func FuzzSSE(f *testing.F) {
	f.Add([]byte("data: a\r\n\r\ndata:b\rdata: c\n\n: x\ndata"), []byte{1, 7})
	f.Add([]byte("\r\r\n\n\r"), []byte{1})
	f.Add([]byte("data: {\"choices\":[]}\n\ndata: [DONE]"), []byte{2})
	f.Fuzz(func(t *testing.T, in, sizes []byte) {
		whole, err1 := readAllEvents(bytes.NewReader(in))
		split := make([]int, len(sizes))
		for i, s := range sizes {
			split[i] = int(s)
		}
		parts, err2 := readAllEvents(&chunkReader{b: in, sizes: split})
		if (err1 == nil) != (err2 == nil) || !equalEvents(whole, parts) {
			t.Fatalf("input %q: whole %+v (%v), split %+v (%v)", in, whole, err1, parts, err2)
		}
		if len(whole) > len(in)+1 {
			t.Fatalf("input %q: %d events from %d bytes", in, len(whole), len(in))
		}
	})
}
