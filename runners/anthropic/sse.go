package anthropic

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxEvent bounds one event's data, so a server that never ends a line
// cannot make us buffer without limit.
const maxEvent = 4 << 20

var errEventTooLarge = errors.New("event over 4 MiB")

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	name string // the event: field; "" when none
	data []byte // data: lines joined by "\n"
}

// sseReader splits a text/event-stream into events, following the WHATWG
// rules: lines end in CRLF, LF or CR; ":" lines are comments; one space
// after the colon is dropped; a blank line dispatches the event, and an
// event with no data is not dispatched. It never waits for more input than
// the line it is reading needs, so an event is seen the moment its blank
// line arrives: that is when its arrival is timed.
type sseReader struct {
	br     *bufio.Reader
	line   []byte
	data   []byte
	name   string
	skipLF bool // the last line ended in CR; a LF next belongs to it
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next event. At the end of input it returns io.EOF; an
// event left incomplete there is dropped, as the standard says, so a cut
// stream never yields half an event.
func (s *sseReader) next() (sseEvent, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			return sseEvent{}, err
		}
		if len(line) == 0 {
			if len(s.data) == 0 {
				s.name = ""
				continue
			}
			ev := sseEvent{name: s.name, data: bytes.TrimSuffix(s.data, []byte("\n"))}
			s.data, s.name = nil, ""
			return ev, nil
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			value = bytes.TrimPrefix(value, []byte(" "))
		}
		switch string(field) {
		case "event":
			s.name = string(value)
		case "data":
			if len(s.data)+len(value)+1 > maxEvent {
				return sseEvent{}, errEventTooLarge
			}
			s.data = append(s.data, value...)
			s.data = append(s.data, '\n')
		}
		// id, retry and unknown fields mean nothing to this API.
	}
}

// readLine returns the next line without its terminator. The slice is
// valid until the next call.
func (s *sseReader) readLine() ([]byte, error) {
	s.line = s.line[:0]
	for {
		if s.br.Buffered() == 0 {
			if _, err := s.br.Peek(1); err != nil {
				if err == io.EOF {
					return nil, io.EOF // a partial last line is dropped with its event
				}
				return nil, err
			}
		}
		chunk, _ := s.br.Peek(s.br.Buffered())
		if s.skipLF {
			s.skipLF = false
			if chunk[0] == '\n' {
				s.br.Discard(1)
				continue
			}
		}
		i := bytes.IndexAny(chunk, "\r\n")
		if i < 0 {
			if len(s.line)+len(chunk) > maxEvent {
				return nil, errEventTooLarge
			}
			s.line = append(s.line, chunk...)
			s.br.Discard(len(chunk))
			continue
		}
		if len(s.line)+i > maxEvent {
			return nil, errEventTooLarge
		}
		s.line = append(s.line, chunk[:i]...)
		s.skipLF = chunk[i] == '\r'
		s.br.Discard(i + 1)
		return s.line, nil
	}
}
