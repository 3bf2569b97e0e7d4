package runners

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// ErrorClass says what kind of failure a request met, so retries, reports
// and adaptive concurrency can treat each kind as it deserves.
type ErrorClass string

// The classes of request failure.
const (
	ClassRateLimit  ErrorClass = "rate_limit" // 429
	ClassServer     ErrorClass = "server"     // 5xx
	ClassTimeout    ErrorClass = "timeout"    // no answer, or no progress, in time
	ClassConnection ErrorClass = "connection" // refused, reset, or cut mid-stream
	ClassProtocol   ErrorClass = "protocol"   // malformed response (bad JSON, bad SSE)
	ClassClient     ErrorClass = "client"     // other 4xx: our request is wrong; retrying will not help
	ClassEngine     ErrorClass = "engine"     // a local engine failed to start or died
	ClassOther      ErrorClass = "other"
)

// Retryable reports whether a later attempt may succeed.
func (c ErrorClass) Retryable() bool {
	switch c {
	case ClassRateLimit, ClassServer, ClassTimeout, ClassConnection:
		return true
	}
	return false
}

// RequestError is the error runners return for a failed request.
type RequestError struct {
	Class      ErrorClass
	Status     int           // HTTP status, 0 when none
	RetryAfter time.Duration // from a Retry-After header, 0 when none
	Attempts   int           // requests sent, retries included; set by retry middleware
	Err        error
}

func (e *RequestError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s (HTTP %d): %v", e.Class, e.Status, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Class, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// Classify returns the class of any error a runner gave.
func Classify(err error) ErrorClass {
	if err == nil {
		return ""
	}
	var re *RequestError
	if errors.As(err, &re) {
		return re.Class
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ClassTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) {
		if ne.Timeout() {
			return ClassTimeout
		}
		return ClassConnection
	}
	return ClassOther
}

// RetryAfter returns the server's requested wait, if the error carries one.
func RetryAfter(err error) time.Duration {
	var re *RequestError
	if errors.As(err, &re) {
		return re.RetryAfter
	}
	return 0
}
