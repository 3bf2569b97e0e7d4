package anthropic

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func events(t testing.TB, r io.Reader) ([]sseEvent, error) {
	t.Helper()
	sr := newSSEReader(r)
	var out []sseEvent
	for {
		ev, err := sr.next()
		if err != nil {
			return out, err
		}
		ev.data = append([]byte(nil), ev.data...)
		out = append(out, ev)
	}
}

func TestSSEReader(t *testing.T) {
	in := ": comment\n" +
		"event: a\ndata: 1\n\n" + // LF
		"event: b\r\ndata:2\r\n\r\n" + // CRLF, no space after the colon
		"event: c\rdata: x\rdata:  y\r\r" + // CR; two data lines; only one space dropped
		"data\n\n" + // a field with no colon: one empty data line, dispatched
		"event: nodata\n\n" + // no data: not dispatched, and its name does not leak
		"id: 7\nretry: 10\nfoo: bar\ndata: {}\n\n" +
		"event: partial\ndata: cut" // no blank line before EOF: dropped
	want := []sseEvent{{"a", []byte("1")}, {"b", []byte("2")}, {"c", []byte("x\n y")}, {"", []byte("")}, {"", []byte("{}")}}
	for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in)), iotest.HalfReader(strings.NewReader(in))} {
		got, err := events(t, r)
		if err != io.EOF {
			t.Fatalf("err %v", err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d events %q, want %q", len(got), got, want)
		}
		for i := range want {
			if got[i].name != want[i].name || !bytes.Equal(got[i].data, want[i].data) {
				t.Fatalf("event %d: got %q, want %q", i, got[i], want[i])
			}
		}
	}
}

func TestSSETooLarge(t *testing.T) {
	long := "data: " + strings.Repeat("x", maxEvent+1) // one endless line
	if _, err := events(t, strings.NewReader(long)); !errors.Is(err, errEventTooLarge) {
		t.Fatalf("line: got %v", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("x", 1000)+"\n", maxEvent/1000+2)
	if _, err := events(t, strings.NewReader(many)); !errors.Is(err, errEventTooLarge) {
		t.Fatalf("data: got %v", err)
	}
}

// TestSSENoWait checks that an event is returned as soon as its blank line
// is read, without waiting on the bytes after it (a CR-ended line must not
// wait to see whether a LF follows).
func TestSSENoWait(t *testing.T) {
	for _, in := range []string{"data: 1\n\n", "data: 1\r\n\r\n", "data: 1\r\r"} {
		pr, pw := io.Pipe()
		go pw.Write([]byte(in)) // then the writer stays open: more bytes may come
		done := make(chan error, 1)
		go func() {
			_, err := newSSEReader(pr).next()
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%q: %v", in, err)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%q: event held back waiting for more input", in)
		}
		pw.Close()
	}
}

// transcript is a real-shaped stream with thinking, usage in two parts and
// a ping, for the parser's tests and the fuzzer's seed.
const transcript = `event: message_start
data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"cache_read_input_tokens":4,"cache_creation_input_tokens":0,"output_tokens":1}}}

event: ping
data: {"type": "ping"}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me see."}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" world"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}}

event: message_stop
data: {"type":"message_stop"}

`

// parse runs a stream through the reader and the event handler, as
// readStream does, and returns the result and the first error.
func parse(t testing.TB, r io.Reader) (*result, error) {
	res := &result{send: time.Now()}
	sr := newSSEReader(r)
	for {
		ev, err := sr.next()
		if err == io.EOF {
			return res, errCut
		}
		if err != nil {
			return res, err
		}
		if err := res.event(ev, time.Now()); err != nil {
			return res, err
		}
		if res.stopped {
			return res, nil
		}
	}
}

func TestParseTranscript(t *testing.T) {
	res, err := parse(t, strings.NewReader(transcript))
	if err != nil {
		t.Fatal(err)
	}
	u := res.usage
	if res.text.String() != "Hello world" || res.reasoning.String() != "Let me see." || res.stopReason != "end_turn" ||
		res.model != "claude-x" || *u.InputTokens != 10 || *u.OutputTokens != 9 || *u.CacheReadTokens != 4 || len(res.chunks) != 3 {
		t.Fatalf("got text %q reasoning %q stop %q model %q usage %+v chunks %d",
			res.text.String(), res.reasoning.String(), res.stopReason, res.model, u, len(res.chunks))
	}

	// Cut anywhere before message_stop's blank line: a connection error,
	// never a short answer.
	stop := strings.LastIndex(transcript, "\n\n")
	for i := 0; i < stop; i += 7 {
		if _, err := parse(t, strings.NewReader(transcript[:i])); !errors.Is(err, errCut) {
			t.Fatalf("cut at %d: got %v", i, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	start := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"m\"}}\n\n"
	for in, check := range map[string]func(error) bool{
		start + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n": func(err error) bool {
			var ae *apiError
			return errors.As(err, &ae) && ae.kind == "overloaded_error" && ae.class() == "server"
		},
		start + "data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"\n\n": isProtocol,
		start + "data: [DONE]\n\n": isProtocol,
		start + start:              isProtocol, // a second message_start
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n":                                          isProtocol,
		"data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"early\"}}\n\n": isProtocol,
		start + "data: {\"type\":\"content_block_delta\"}\n\n":                                                isProtocol,
		start + "data: {\"type\":\"future_event\",\"x\":1}\n\ndata: {\"type\":\"message_stop\"}\n\n":          func(err error) bool { return err == nil },
		"data: {\"type\":\"future_event\"}\n\n" + start + "data: {\"type\":\"message_stop\"}\n\n":             func(err error) bool { return err == nil },
		start + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"no\"}}\n\n": func(err error) bool {
			var ae *apiError
			return errors.As(err, &ae) && ae.class() == "client"
		},
	} {
		if _, err := parse(t, strings.NewReader(in)); !check(err) {
			t.Errorf("%q: got %v", in, err)
		}
	}
}

// FuzzStream feeds arbitrary bytes to the parser: it must end, without a
// panic, and whatever it returns must hang together. Reading one byte at
// a time must give the same answer as reading all at once.
func FuzzStream(f *testing.F) {
	f.Add([]byte(transcript))
	f.Add([]byte(strings.ReplaceAll(transcript, "\n", "\r\n")))
	f.Add([]byte(strings.ReplaceAll(transcript, "\n", "\r")))
	f.Add([]byte("data: {\"type\":\"message_start\"}\n\ndata: {\"type\":\"message_stop\"}\n\n"))
	f.Add([]byte(": x\n\nevent: error\ndata: {\"type\":\"error\"}\n\n"))
	f.Add([]byte("data: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":1}}\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, errA := parse(t, bytes.NewReader(data))
		b, errB := parse(t, iotest.OneByteReader(bytes.NewReader(data)))
		if (errA == nil) != (errB == nil) || a.text.String() != b.text.String() || a.reasoning.String() != b.reasoning.String() ||
			a.stopped != b.stopped || len(a.chunks) != len(b.chunks) {
			t.Fatalf("whole read: %v %q; byte by byte: %v %q", errA, a.text.String(), errB, b.text.String())
		}
		if errA == nil && (!a.stopped || !a.started) {
			t.Fatal("success without message_start and message_stop")
		}
		if errA != nil && a.stopped && !errors.Is(errA, errCut) {
			// an error after message_stop would mean a finished answer was discarded
			t.Fatalf("stopped and failed: %v", errA)
		}
		if n := len(a.chunks); n > 0 && (a.first.IsZero() || a.last.Before(a.first)) {
			t.Fatal("chunk times out of order")
		}
		if a.text.Len()+a.reasoning.Len() > 0 && len(a.chunks) == 0 {
			t.Fatal("content without a chunk")
		}
	})
}
