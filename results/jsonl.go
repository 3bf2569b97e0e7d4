package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
	"unicode"
)

// SamplesFile is the name of the per-sample log in a run directory.
const SamplesFile = "samples.jsonl"

// Writer appends samples to samples.jsonl. Each sample goes out in one
// write call as soon as it is finished, so the operating system has it even
// if the process is killed a moment later; a background loop fsyncs at
// least every second so that a machine crash loses at most that second.
type Writer struct {
	mu     sync.Mutex
	f      *os.File
	dirty  bool
	err    error // first fsync error, reported by Close
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

// SyncInterval bounds how long a written sample may wait for fsync.
const SyncInterval = time.Second

// OpenWriter opens path for appending, creating it if needed. A partial
// last line left by a killed process is cut off first, so the file always
// holds whole records only.
func OpenWriter(path string) (*Writer, error) {
	if err := trimPartialLine(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	w := &Writer{f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go w.syncLoop()
	return w, nil
}

// trimPartialLine truncates the file after its last newline.
func trimPartialLine(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	// Walk back in blocks to find the last newline.
	const block = 64 << 10
	buf := make([]byte, block)
	end := size
	for end > 0 {
		start := max(end-block, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			keep := start + int64(i) + 1
			if keep == size {
				return nil
			}
			return f.Truncate(keep)
		}
		end = start
	}
	return f.Truncate(0)
}

// Write appends one sample as a single line.
func (w *Writer) Write(s Sample) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode sample %s: %w", s.Key, err)
	}
	b = append(b, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("samples writer is closed")
	}
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("append sample %s: %w", s.Key, err)
	}
	w.dirty = true
	return nil
}

func (w *Writer) syncLoop() {
	defer close(w.done)
	t := time.NewTicker(SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.sync()
		}
	}
}

func (w *Writer) sync() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.dirty || w.closed {
		return
	}
	if err := w.f.Sync(); err != nil && w.err == nil {
		w.err = err
	}
	w.dirty = false
}

// Close syncs and closes the file.
func (w *Writer) Close() error {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if w.err != nil {
		return w.err
	}
	return err
}

// ReadSamples reads a samples.jsonl file. A last line without a newline is
// what a killed writer leaves; it is ignored. Any other malformed line is
// an error naming its line number.
func ReadSamples(path string) ([]Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeSamples(f, path)
}

// DecodeSamples reads samples from r; name is used in error messages.
func DecodeSamples(r io.Reader, name string) ([]Sample, error) {
	var out []Sample
	err := ScanSamples(r, name, func(s Sample) error {
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ScanSamples calls fn for each sample of r in order, holding one at a
// time, with the same rules as DecodeSamples.
func ScanSamples(r io.Reader, name string, fn func(Sample) error) error {
	return ScanSamplesAt(r, name, func(s Sample, _ int64, _ int) error { return fn(s) })
}

// ScanSamplesAt is ScanSamples that also gives where each sample's line
// lies in r (its byte offset and length, blanks around it left out), for
// readers that keep an index and come back for a sample with ReadSampleAt.
func ScanSamplesAt(r io.Reader, name string, fn func(s Sample, off int64, n int) error) error {
	return scanLines(r, name, func(b []byte, line int, off int64) error {
		s, err := decodeSampleLine(b)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		return fn(s, off, len(b))
	})
}

// ReadSampleAt reads the sample whose line is the n bytes at off in r, as
// ScanSamplesAt reported it.
func ReadSampleAt(r io.ReaderAt, off int64, n int) (Sample, error) {
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil {
		return Sample{}, err
	}
	return decodeSampleLine(b)
}

func decodeSampleLine(b []byte) (Sample, error) {
	var s Sample
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("malformed sample: %w", err)
	}
	if s.Key == "" {
		return s, errors.New("sample has no key")
	}
	return s, nil
}

// scanLines calls fn with each non-blank line of r, trimmed, its number
// and the offset of its first byte; the bytes are valid only during the
// call. A last line without a newline is a torn write and is skipped.
func scanLines(r io.Reader, name string, fn func(b []byte, line int, off int64) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var long []byte // a line longer than br's buffer, gathered
	var pos int64   // offset of the line being read
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
				long = append(long, b...)
			}
			b = long
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
		start := pos
		pos += int64(len(b))
		lead := len(b) - len(bytes.TrimLeftFunc(b, unicode.IsSpace))
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if err := fn(b, line, start+int64(lead)); err != nil {
			return err
		}
	}
}

func countLines(r io.Reader) (int, error) {
	buf := make([]byte, 1<<20)
	n := 0
	for {
		k, err := r.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
