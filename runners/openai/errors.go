package openai

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/engrambench/engrambench/runners"
)

// ErrNoTokenize is returned by CountTokens when the server has no
// /tokenize endpoint (OpenAI, DeepSeek, Ollama, LM Studio).
var ErrNoTokenize = errors.New("server has no /tokenize endpoint")

func protocolError(what string, err error) error {
	return &runners.RequestError{Class: runners.ClassProtocol, Err: fmt.Errorf("malformed %s: %w", what, err)}
}

// netError classifies a transport error: a server that cannot be reached
// or dropped the connection is a connection error (worth a retry); a
// certificate that does not verify will not get better by retrying.
func netError(err error) error {
	class := runners.ClassConnection
	var (
		ne      net.Error
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
	)
	switch {
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &host):
		class = runners.ClassOther
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
	case errors.As(err, &ne) && ne.Timeout():
		class = runners.ClassTimeout
	}
	return &runners.RequestError{Class: class, Err: err}
}

// statusError reads a short excerpt of an error response and classifies
// its status.
func (r *Runner) statusError(res *http.Response) error {
	class := runners.ClassClient
	switch s := res.StatusCode; {
	case s == http.StatusTooManyRequests:
		class = runners.ClassRateLimit
	case s == http.StatusRequestTimeout:
		class = runners.ClassTimeout
	case s >= 500:
		class = runners.ClassServer
	case s < 400:
		class = runners.ClassProtocol // a 1xx or 3xx that was not followed
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 16<<10))
	return &runners.RequestError{
		Class:      class,
		Status:     res.StatusCode,
		RetryAfter: retryAfter(res.Header, time.Now()),
		Err:        errors.New(r.excerpt(b)),
	}
}

// excerpt is the message of an error body (OpenAI's {"error":{"message"}},
// or {"error": "..."}, {"message": "..."}, {"detail": "..."}, or the text
// itself), one line, at most 300 bytes, with the API key redacted.
func (r *Runner) excerpt(b []byte) string {
	var body struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	msg := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &body) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(body.Error, &inner) == nil && inner.Message != "":
			msg = inner.Message
		case json.Unmarshal(body.Error, &s) == nil && s != "":
			msg = s
		case body.Message != "":
			msg = body.Message
		case json.Unmarshal(body.Detail, &s) == nil && s != "":
			msg = s
		}
	}
	msg = r.redact(strings.Join(strings.Fields(msg), " "))
	if len(msg) > 300 {
		cut := 300
		for cut > 0 && msg[cut]&0xc0 == 0x80 {
			cut-- // do not split a UTF-8 sequence
		}
		msg = msg[:cut] + "..."
	}
	if msg == "" {
		msg = "empty error body"
	}
	return msg
}

// keyLike matches strings shaped like API keys (sk-..., including OpenAI's
// masked echo "sk-proj-****abcd"), so an error body that quotes one is not
// stored.
var keyLike = regexp.MustCompile(`\b(sk|pk|rk)-[A-Za-z0-9_\-*]{6,}`)

// redact removes the API key, and anything shaped like a key, from s.
func (r *Runner) redact(s string) string {
	if r.key != "" {
		s = strings.ReplaceAll(s, r.key, "[redacted]")
	}
	return keyLike.ReplaceAllString(s, "[redacted]")
}

// retryAfter is the wait a server asks for: OpenAI's retry-after-ms, or
// Retry-After in seconds or as an HTTP date; 0 when none or in the past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e9 {
			return time.Duration(s * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
