package openai

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/engrambench/engrambench/runners/netstamp"
)

// maxEvent bounds one line and one event's data. A longer one is a broken
// or hostile stream, not a chunk of an answer.
const maxEvent = 1 << 20

// errTooLong is the protocol error for a line or event over maxEvent.
var errTooLong = fmt.Errorf("server-sent event line or data over %d bytes", maxEvent)

// sseReader reads server-sent events (the WHATWG EventSource format) from
// a response body: lines end in LF, CRLF or CR; "data:" lines (one space
// after the colon is dropped) accumulate, joined by LF, until a blank line
// ends the event; ":" comment lines (keep-alives) and other fields are
// ignored. It records when each read returned, so an event's arrival is
// the moment its last byte came off the connection, not the moment it was
// parsed.
type sseReader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	data     []byte // data of the event being read
	hasData  bool
	skipLF   bool // the last line ended in CR: an LF right after it is part of that ending
	eof      bool
	err      error
	at       time.Time      // when the latest bytes read arrived
	progress *atomic.Int64  // if set, gets the monotonic now after every read (the idle watchdog)
	conn     *netstamp.Conn // if set, the connection read, for arrival stamps
}

var ssePool = sync.Pool{New: func() any { return &sseReader{buf: make([]byte, 8<<10)} }}

// newSSE takes a reader from the pool; give it back with release.
func newSSE(r io.Reader, progress *atomic.Int64, conn *netstamp.Conn) *sseReader {
	s := ssePool.Get().(*sseReader)
	s.r, s.progress, s.conn = r, progress, conn
	return s
}

func (s *sseReader) release() {
	if cap(s.buf) > 64<<10 || cap(s.data) > 64<<10 {
		return // let the garbage collector have an unusually large one
	}
	*s = sseReader{buf: s.buf[:cap(s.buf)], data: s.data[:0]}
	ssePool.Put(s)
}

// next returns the data of the next event and when its last byte arrived.
// The data is valid until the next call. partial reports an event that the
// body ended inside of (no blank line after it). At the end of the body
// with nothing pending it returns io.EOF; a failed read returns its error.
func (s *sseReader) next() (data []byte, at time.Time, partial bool, err error) {
	s.data, s.hasData = s.data[:0], false
	for {
		line, ok, err := s.line()
		if err != nil {
			return nil, time.Time{}, false, err
		}
		if !ok {
			if s.hasData {
				return s.data, s.at, true, nil
			}
			return nil, time.Time{}, false, io.EOF
		}
		if len(line) == 0 {
			if s.hasData {
				return s.data, s.at, false, nil
			}
			continue
		}
		if line[0] == ':' {
			continue // comment: a keep-alive
		}
		name, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			name, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		if string(name) != "data" {
			continue // event, id, retry: nothing an answer needs
		}
		if s.hasData {
			s.data = append(s.data, '\n')
		}
		if len(s.data)+len(value) > maxEvent {
			return nil, time.Time{}, false, errTooLong
		}
		s.data = append(s.data, value...)
		s.hasData = true
	}
}

// line returns the next line without its ending; ok is false at the end of
// the body. A last line without an ending is returned as a line.
func (s *sseReader) line() (line []byte, ok bool, err error) {
	for {
		if s.skipLF && s.pos < s.end {
			if s.buf[s.pos] == '\n' {
				s.pos++
			}
			s.skipLF = false
		}
		b := s.buf[s.pos:s.end]
		lf := bytes.IndexByte(b, '\n')
		upto := lf
		if upto < 0 {
			upto = len(b)
		}
		if cr := bytes.IndexByte(b[:upto], '\r'); cr >= 0 {
			// CR ends the line; an LF right after it belongs to the same
			// ending, whether or not it has arrived yet.
			s.pos += cr + 1
			s.skipLF = true
			return b[:cr], true, nil
		}
		if lf >= 0 {
			s.pos += lf + 1
			return b[:lf], true, nil
		}
		if len(b) > maxEvent {
			return nil, false, errTooLong
		}
		if s.eof {
			if len(b) == 0 {
				return nil, false, nil
			}
			s.pos = s.end
			return b, true, nil
		}
		if err := s.fill(); err != nil {
			return nil, false, err
		}
	}
}

// fill reads more of the body after what is buffered.
func (s *sseReader) fill() error {
	if s.err != nil {
		return s.err
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		grown := make([]byte, min(2*len(s.buf), maxEvent+2))
		if len(grown) == len(s.buf) {
			return errTooLong
		}
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		if n > 0 {
			now := time.Now()
			s.at = s.conn.Arrival(now)
			if s.progress != nil {
				s.progress.Store(mono(now))
			}
			s.end += n
		}
		switch {
		case errors.Is(err, io.EOF):
			s.eof = true
			return nil
		case err != nil:
			s.err = err
			if n > 0 {
				return nil // hand over what came; the error comes next time
			}
			return err
		case n > 0:
			return nil
		}
	}
}
