package anthropic

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/engrambench/engrambench/runners"
)

// apiRequest is the body of POST /v1/messages.
type apiRequest struct {
	Model         string       `json:"model"`
	MaxTokens     int          `json:"max_tokens"`
	System        string       `json:"system,omitempty"`
	Messages      []apiMessage `json:"messages"`
	Temperature   *float64     `json:"temperature,omitempty"`
	StopSequences []string     `json:"stop_sequences,omitempty"`
	Stream        bool         `json:"stream,omitempty"`
	Thinking      *apiThinking `json:"thinking,omitempty"`
}

type apiMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type apiThinking struct {
	Type         string `json:"type"`
	BudgetTokens int    `json:"budget_tokens"`
}

// wireUsage is the API's usage object. Fields are pointers so an absent
// count stays apart from a zero one: the stream sends usage in pieces
// (message_start, then message_delta) and a later piece overrides only
// what it carries.
type wireUsage struct {
	InputTokens         *int `json:"input_tokens"`
	OutputTokens        *int `json:"output_tokens"`
	CacheReadTokens     *int `json:"cache_read_input_tokens"`
	CacheCreationTokens *int `json:"cache_creation_input_tokens"`
}

func (u *wireUsage) merge(v *wireUsage) {
	if v == nil {
		return
	}
	for _, p := range [][2]**int{
		{&u.InputTokens, &v.InputTokens},
		{&u.OutputTokens, &v.OutputTokens},
		{&u.CacheReadTokens, &v.CacheReadTokens},
		{&u.CacheCreationTokens, &v.CacheCreationTokens},
	} {
		if *p[1] != nil {
			*p[0] = *p[1]
		}
	}
}

type wireError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type wireBlock struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Thinking string `json:"thinking"`
}

// wireEvent is any streamed event; each type fills the fields it has.
type wireEvent struct {
	Type    string `json:"type"`
	Message *struct {
		Model string     `json:"model"`
		Usage *wireUsage `json:"usage"`
	} `json:"message"`
	ContentBlock *wireBlock `json:"content_block"`
	Delta        *struct {
		Type       string  `json:"type"`
		Text       string  `json:"text"`
		Thinking   string  `json:"thinking"`
		StopReason *string `json:"stop_reason"`
	} `json:"delta"`
	Usage *wireUsage `json:"usage"`
	Error *wireError `json:"error"`
}

// wireMessage is a whole (non-streamed) response, or an error body.
type wireMessage struct {
	Type       string      `json:"type"`
	Model      string      `json:"model"`
	Content    []wireBlock `json:"content"`
	StopReason *string     `json:"stop_reason"`
	Usage      *wireUsage  `json:"usage"`
	Error      *wireError  `json:"error"`
}

// result is what a response said, streamed or not.
type result struct {
	text, reasoning strings.Builder
	model           string
	stopReason      string
	usage           wireUsage

	// Streams only.
	send      time.Time
	first     time.Time
	last      time.Time
	chunks    []time.Duration
	started   bool
	stopped   bool
	stoppedAt time.Time
}

// errProtocol marks a response that broke the protocol.
type errProtocol struct{ msg string }

func (e *errProtocol) Error() string { return e.msg }

func protocolf(format string, a ...any) error {
	return &errProtocol{msg: fmt.Sprintf(format, a...)}
}

// apiError is an error the server reported in its body or in an error
// event; kind is its error.type.
type apiError struct {
	kind, msg string
}

func (e *apiError) Error() string { return e.kind + ": " + e.msg }

// class is how a reported error type is treated. The API names a type for
// each status it returns; an error met mid-stream carries only the type.
func (e *apiError) class() runners.ErrorClass {
	switch e.kind {
	case "rate_limit_error":
		return runners.ClassRateLimit
	case "overloaded_error", "api_error":
		return runners.ClassServer
	case "timeout_error":
		return runners.ClassTimeout
	case "invalid_request_error", "authentication_error", "permission_error",
		"not_found_error", "request_too_large", "billing_error":
		return runners.ClassClient
	}
	return runners.ClassServer // an unknown failure the server announced
}

// event applies one streamed event, arrived at at. It returns an
// *apiError for an error event and an *errProtocol for a malformed one.
func (r *result) event(ev sseEvent, at time.Time) error {
	var w wireEvent
	if err := json.Unmarshal(ev.data, &w); err != nil {
		return protocolf("event %q: data is not a JSON object: %v", ev.name, err)
	}
	typ := w.Type
	if typ == "" {
		typ = ev.name
	}
	if r.stopped {
		return nil // nothing after message_stop counts
	}
	switch typ {
	case "ping":
		return nil
	case "error":
		if w.Error == nil {
			return &apiError{kind: "api_error", msg: "error event without details"}
		}
		return &apiError{kind: w.Error.Type, msg: w.Error.Message}
	case "message_start":
		if r.started {
			return protocolf("a second message_start")
		}
		r.started = true
		if w.Message != nil {
			r.model = w.Message.Model
			r.mergeUsage(w.Message.Usage)
		}
		return nil
	}
	if !r.started {
		if isKnown(typ) {
			return protocolf("%s before message_start", typ)
		}
		return nil
	}
	switch typ {
	case "content_block_start":
		if b := w.ContentBlock; b != nil {
			switch b.Type {
			case "text":
				r.add(&r.text, b.Text, at)
			case "thinking":
				r.add(&r.reasoning, b.Thinking, at)
			}
		}
	case "content_block_delta":
		if w.Delta == nil {
			return protocolf("content_block_delta without a delta")
		}
		switch w.Delta.Type {
		case "text_delta":
			r.add(&r.text, w.Delta.Text, at)
		case "thinking_delta":
			r.add(&r.reasoning, w.Delta.Thinking, at)
		}
		// signature_delta, input_json_delta, citations_delta: no text.
	case "message_delta":
		if w.Delta != nil && w.Delta.StopReason != nil {
			r.stopReason = *w.Delta.StopReason
		}
		r.mergeUsage(w.Usage)
	case "message_stop":
		r.stopped = true
		r.stoppedAt = at
	}
	// content_block_stop, and event types added to the API later, carry
	// nothing this runner records.
	return nil
}

func isKnown(typ string) bool {
	switch typ {
	case "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop":
		return true
	}
	return false
}

func (r *result) mergeUsage(u *wireUsage) {
	r.usage.merge(u)
}

// add appends a non-empty piece of content and times it as a chunk.
func (r *result) add(b *strings.Builder, s string, at time.Time) {
	if s == "" {
		return
	}
	b.WriteString(s)
	if r.first.IsZero() {
		r.first = at
	}
	r.last = at
	r.chunks = append(r.chunks, at.Sub(r.send))
}

// whole reads a non-streamed response body.
func (r *result) whole(body []byte) error {
	var m wireMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return protocolf("response is not a JSON message: %v", err)
	}
	if m.Type == "error" {
		if m.Error == nil {
			return &apiError{kind: "api_error", msg: "error without details"}
		}
		return &apiError{kind: m.Error.Type, msg: m.Error.Message}
	}
	if m.Type != "message" {
		return protocolf("response type is %q, not message", m.Type)
	}
	r.model = m.Model
	for _, b := range m.Content {
		switch b.Type {
		case "text":
			r.text.WriteString(b.Text)
		case "thinking":
			r.reasoning.WriteString(b.Thinking)
		}
	}
	if m.StopReason != nil {
		r.stopReason = *m.StopReason
	}
	r.mergeUsage(m.Usage)
	return nil
}

// finishReason maps the API's stop_reason onto the names other runners use.
func finishReason(s string) string {
	switch s {
	case "end_turn", "stop_sequence":
		return "stop"
	case "max_tokens":
		return "length"
	}
	return s // tool_use, pause_turn, refusal, ... kept as the API says
}

// isProtocol reports whether err marks a malformed response.
func isProtocol(err error) bool {
	var p *errProtocol
	return errors.As(err, &p) || errors.Is(err, errEventTooLarge)
}
