package openai

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/internal/fakeopenai"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

// testCtx bounds every test, so none can hang.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newFake(t *testing.T, opts fakeopenai.Options) *fakeopenai.Server {
	t.Helper()
	s := fakeopenai.New(opts)
	t.Cleanup(s.Close)
	return s
}

// newRunner builds a runner on srv; extra params override the defaults.
func newRunner(t *testing.T, srv *fakeopenai.Server, p params.Values) *Runner {
	t.Helper()
	v := params.Values{"url": srv.URL, "model": fakeopenai.DefaultModel, "api_key_env": "ENGRAMBENCH_TEST_NO_KEY"}
	for k, x := range p {
		v[k] = x
	}
	r, err := New("test", v)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.(*Runner).Close() })
	return r.(*Runner)
}

func chatReq(text string) runners.Request {
	return runners.Request{Messages: []runners.Message{{Role: "user", Content: text}}, MaxTokens: 64}
}

func generate(t *testing.T, r runners.Runner, req runners.Request) runners.Response {
	t.Helper()
	resp, err := r.Generate(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// wantClass asserts err is a RequestError of the class.
func wantClass(t *testing.T, err error, class runners.ErrorClass) *runners.RequestError {
	t.Helper()
	var re *runners.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("got %v (%T), want a RequestError of class %s", err, err, class)
	}
	if re.Class != class {
		t.Fatalf("got class %s (%v), want %s", re.Class, err, class)
	}
	return re
}

func TestStreamChat(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{})
	r := newRunner(t, srv, nil)
	prompt := "What does the fox do?"
	resp := generate(t, r, chatReq(prompt))
	if resp.Text != fakeopenai.DefaultAnswer || resp.Reasoning != "" {
		t.Fatalf("text %q reasoning %q", resp.Text, resp.Reasoning)
	}
	if resp.FinishReason != "stop" || resp.Model != fakeopenai.DefaultModel || resp.Attempts != 1 {
		t.Fatalf("finish %q model %q attempts %d", resp.FinishReason, resp.Model, resp.Attempts)
	}
	u := resp.Usage
	want := fakeopenai.Count(fakeopenai.DefaultAnswer)
	if u.Estimated || u.PromptTokens != fakeopenai.Count(prompt) || u.CompletionTokens != want {
		t.Fatalf("usage %+v, want server counts %d/%d", u, fakeopenai.Count(prompt), want)
	}
	if u.ClientPromptTokens != r.tok.Count(prompt) || u.ClientCompletionTokens != r.tok.Count(resp.Text) {
		t.Fatalf("client counts %+v", u)
	}
	tm := resp.Timing
	if tm.Intended.IsZero() || tm.Send.Before(tm.Intended) || !tm.FirstToken.After(tm.Send) || tm.End.Before(tm.FirstToken) {
		t.Fatalf("timing out of order: %+v", tm)
	}
	if len(tm.Chunks) != want {
		t.Fatalf("%d chunk offsets, want one per token (%d)", len(tm.Chunks), want)
	}
	if tm.FirstToken.Sub(tm.Send) != tm.Chunks[0] || tm.End.Sub(tm.Send) != tm.Chunks[len(tm.Chunks)-1] {
		t.Fatalf("first/last chunk offsets disagree with FirstToken/End: %+v", tm)
	}
}

func TestRequestBody(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{})
	req := runners.Request{
		Messages:    []runners.Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Hi"}},
		MaxTokens:   7,
		Temperature: 0.5,
		Stop:        []string{"\n\n", "END"},
		Seed:        42,
	}
	body := func() map[string]any {
		var m map[string]any
		if err := json.Unmarshal(srv.LastBody(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}

	generate(t, newRunner(t, srv, nil), req)
	m := body()
	if m["model"] != fakeopenai.DefaultModel || m["max_tokens"] != 7.0 || m["temperature"] != 0.5 || m["seed"] != 42.0 || m["stream"] != true {
		t.Fatalf("chat body %v", m)
	}
	if so, _ := m["stream_options"].(map[string]any); so["include_usage"] != true {
		t.Fatalf("stream_options %v", m["stream_options"])
	}
	msgs, _ := m["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["content"] != "Hi" {
		t.Fatalf("messages %v", m["messages"])
	}
	if stop, _ := m["stop"].([]any); len(stop) != 2 || stop[1] != "END" {
		t.Fatalf("stop %v", m["stop"])
	}
	if _, ok := m["prompt"]; ok {
		t.Fatal("chat body has a prompt")
	}

	// Temperature 0 and seed 0 are sent, not dropped as empty.
	generate(t, newRunner(t, srv, nil), runners.Request{Prompt: "Hi"})
	m = body()
	if m["temperature"] != 0.0 || m["seed"] != 0.0 {
		t.Fatalf("zero temperature/seed not sent: %v", m)
	}
	if _, ok := m["max_tokens"]; ok {
		t.Fatal("max_tokens sent for a request without a budget")
	}
	// A raw prompt on the chat endpoint is one user message.
	if msgs, _ := m["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["role"] != "user" || msgs[0].(map[string]any)["content"] != "Hi" {
		t.Fatalf("prompt as chat: %v", m["messages"])
	}

	generate(t, newRunner(t, srv, params.Values{"endpoint": "completions", "max_tokens_field": "max_completion_tokens", "stream": false}), req)
	m = body()
	if m["prompt"] != req.Text() || m["max_completion_tokens"] != 7.0 || m["stream"] != false {
		t.Fatalf("completions body %v", m)
	}
	for _, k := range []string{"messages", "max_tokens", "stream_options"} {
		if _, ok := m[k]; ok {
			t.Fatalf("completions body has %s: %v", k, m)
		}
	}
}

func TestExtra(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{})
	r := newRunner(t, srv, params.Values{"extra": `{"top_k": 1, "chat_template_kwargs": {"enable_thinking": false}, "temperature": null}`})
	generate(t, r, runners.Request{Prompt: "Hi", Temperature: 0.7})
	var m map[string]any
	if err := json.Unmarshal(srv.LastBody(), &m); err != nil {
		t.Fatalf("body with extra is not JSON: %v: %s", err, srv.LastBody())
	}
	if m["top_k"] != 1.0 || m["chat_template_kwargs"].(map[string]any)["enable_thinking"] != false {
		t.Fatalf("extra not merged: %v", m)
	}
	if strings.Count(string(srv.LastBody()), `"temperature"`) != 1 || m["temperature"] != nil {
		t.Fatalf("extra's temperature should replace the request's: %s", srv.LastBody())
	}
	if _, err := r.PromptLogprobs(testCtx(t), "a b c"); err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(srv.LastBody()), `"temperature"`) != 1 {
		t.Fatalf("logprobs body repeats a key extra sets: %s", srv.LastBody())
	}
	if !strings.Contains(r.Identity(), "|extra=") {
		t.Fatalf("identity %q does not reflect extra", r.Identity())
	}
}

func TestNew(t *testing.T) {
	_, err := New("x", params.Values{"url": "localhost:8000/v1", "extra": `{"model":"y"}`, "timeout": 0.0})
	if err == nil {
		t.Fatal("bad parameters accepted")
	}
	for _, want := range []string{"model is required", "needs a scheme", `may not set "model"`, "timeout must be"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	for _, p := range []params.Values{
		{"model": "m"},
		{"model": "m", "url": "http://user:pw@host/v1"},
		{"model": "m", "url": "http://host/v1?key=x"},
		{"model": "m", "url": "http://host/v1", "extra": "[1]"},
		{"model": "m", "url": "http://host/v1", "endpoint": "embeddings"},
		{"model": "m", "url": "http://host/v1", "stream": "yes"},
		{"model": "m", "url": "http://host/v1", "api_key_file": "/nonexistent/key"},
	} {
		if _, err := New("x", p); err == nil {
			t.Errorf("%v accepted", p)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("error repeats credentials: %v", err)
		}
	}
	r, err := New("", params.Values{"model": "m", "url": "https://api.example.com/v1/"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != "openai" || r.(*Runner).base != "https://api.example.com/v1" || r.(*Runner).root != "https://api.example.com" {
		t.Fatalf("defaults: %+v", r)
	}
}

func TestNonStreaming(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{CachedTokens: 3})
	r := newRunner(t, srv, params.Values{"stream": false})
	resp := generate(t, r, chatReq("Hello there"))
	if resp.Text != fakeopenai.DefaultAnswer || resp.FinishReason != "stop" {
		t.Fatalf("resp %+v", resp)
	}
	if !resp.Timing.FirstToken.IsZero() || resp.Timing.End.Before(resp.Timing.Send) || resp.Timing.Chunks != nil {
		t.Fatalf("non-streamed timing must leave FirstToken unknown: %+v", resp.Timing)
	}
	if resp.Usage.CachedTokens != 3 || resp.Usage.Estimated || resp.Usage.PromptTokens != 2 {
		t.Fatalf("usage %+v", resp.Usage)
	}
}

// TestServerIgnoresStream: a server that answers a streamed request with
// one JSON body is read as such.
func TestServerIgnoresStream(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{Handler: func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v1/chat/completions" {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"model":"m2","choices":[{"index":0,"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1}}`))
		return true
	}})
	resp := generate(t, newRunner(t, srv, nil), chatReq("x"))
	if resp.Text != "whole" || resp.Model != "m2" || !resp.Timing.FirstToken.IsZero() || resp.Usage.PromptTokens != 4 {
		t.Fatalf("resp %+v", resp)
	}
}

func TestFaults(t *testing.T) {
	answer := fakeopenai.DefaultAnswer
	tokens := fakeopenai.Count(answer)
	cases := []struct {
		fault fakeopenai.Fault
		class runners.ErrorClass // "" for success
		check func(t *testing.T, resp runners.Response, err error)
	}{
		{fault: fakeopenai.RateLimited, class: runners.ClassRateLimit, check: func(t *testing.T, _ runners.Response, err error) {
			re := wantClass(t, err, runners.ClassRateLimit)
			if re.Status != 429 || re.RetryAfter != time.Second || !strings.Contains(err.Error(), "Rate limit") {
				t.Fatalf("429: %+v", re)
			}
		}},
		{fault: fakeopenai.InternalError, class: runners.ClassServer, check: func(t *testing.T, _ runners.Response, err error) {
			if re := wantClass(t, err, runners.ClassServer); re.Status != 500 {
				t.Fatalf("status %d", re.Status)
			}
		}},
		{fault: fakeopenai.Unavailable, class: runners.ClassServer, check: func(t *testing.T, _ runners.Response, err error) {
			if re := wantClass(t, err, runners.ClassServer); re.Status != 503 || !strings.Contains(err.Error(), "model is loading") {
				t.Fatalf("503: %v", err)
			}
		}},
		{fault: fakeopenai.CutStream, class: runners.ClassConnection},
		{fault: fakeopenai.CutStream | fakeopenai.EmptyAnswer, class: runners.ClassConnection},
		{fault: fakeopenai.MalformedChunk, class: runners.ClassProtocol},
		{fault: fakeopenai.MidStreamError, class: runners.ClassServer},
		{fault: fakeopenai.EchoAuth, class: runners.ClassClient},
		{fault: fakeopenai.KeepAlives, check: func(t *testing.T, resp runners.Response, _ error) {
			if resp.Text != answer || len(resp.Timing.Chunks) != tokens {
				t.Fatalf("keep-alives changed the answer: %q, %d chunks", resp.Text, len(resp.Timing.Chunks))
			}
		}},
		{fault: fakeopenai.MultiToken, check: func(t *testing.T, resp runners.Response, _ error) {
			if resp.Text != answer || len(resp.Timing.Chunks) != (tokens+2)/3 || resp.Usage.CompletionTokens != tokens {
				t.Fatalf("several tokens per chunk: %q, %d chunks, usage %+v", resp.Text, len(resp.Timing.Chunks), resp.Usage)
			}
		}},
		{fault: fakeopenai.NoUsage, check: func(t *testing.T, resp runners.Response, _ error) {
			u := resp.Usage
			if !u.Estimated || u.PromptTokens != u.ClientPromptTokens || u.CompletionTokens != u.ClientCompletionTokens || u.CompletionTokens == 0 {
				t.Fatalf("missing usage not estimated from the client tokenizer: %+v", u)
			}
		}},
		{fault: fakeopenai.EmptyAnswer, check: func(t *testing.T, resp runners.Response, _ error) {
			if resp.Text != "" || resp.FinishReason != "stop" || !resp.Timing.FirstToken.IsZero() || resp.Timing.End.IsZero() {
				t.Fatalf("empty answer: %+v", resp)
			}
		}},
		{fault: fakeopenai.NoDone, check: func(t *testing.T, resp runners.Response, _ error) {
			if resp.Text != answer || resp.FinishReason != "stop" {
				t.Fatalf("complete answer without [DONE]: %+v", resp)
			}
		}},
		{fault: fakeopenai.RoleChunk, check: func(t *testing.T, resp runners.Response, _ error) {
			tm := resp.Timing
			if resp.Text != answer || len(tm.Chunks) != tokens || tm.FirstToken.Sub(tm.Send) != tm.Chunks[0] {
				t.Fatalf("role-only chunk counted as a token: %d chunks, %+v", len(tm.Chunks), tm)
			}
		}},
		{fault: fakeopenai.ReasoningField, check: func(t *testing.T, resp runners.Response, _ error) {
			r := fakeopenai.Count(fakeopenai.DefaultReasoning)
			if resp.Text != answer || resp.Reasoning != fakeopenai.DefaultReasoning || resp.Usage.ReasoningTokens != r || resp.Usage.Estimated {
				t.Fatalf("reasoning_content: text %q reasoning %q usage %+v", resp.Text, resp.Reasoning, resp.Usage)
			}
			if len(resp.Timing.Chunks) != tokens+r || resp.Usage.CompletionTokens != tokens+r {
				t.Fatalf("reasoning deltas are generated tokens: %d chunks, usage %+v", len(resp.Timing.Chunks), resp.Usage)
			}
		}},
		{fault: fakeopenai.ThinkTags, check: wantThink},
		{fault: fakeopenai.ThinkTags | fakeopenai.TinyChunks, check: wantThink},
		{fault: fakeopenai.ThinkNoOpen, check: wantThink},
		{fault: fakeopenai.ThinkNoOpen | fakeopenai.TinyChunks | fakeopenai.KeepAlives, check: wantThink},
	}
	srv := newFake(t, fakeopenai.Options{})
	r := newRunner(t, srv, nil)
	for _, c := range cases {
		t.Run(c.fault.String(), func(t *testing.T) {
			resp, err := r.Generate(testCtx(t), chatReq("Tell me. "+fakeopenai.Marker(c.fault)))
			if c.class != "" {
				wantClass(t, err, c.class)
			} else if err != nil {
				t.Fatal(err)
			}
			if c.check != nil {
				c.check(t, resp, err)
			}
		})
	}
}

func wantThink(t *testing.T, resp runners.Response, _ error) {
	t.Helper()
	if resp.Text != fakeopenai.DefaultAnswer || resp.Reasoning != fakeopenai.DefaultReasoning {
		t.Fatalf("think tags not split: text %q reasoning %q", resp.Text, resp.Reasoning)
	}
	// The server reports reasoning tokens; the split agrees with it.
	if resp.Usage.ReasoningTokens != fakeopenai.Count(fakeopenai.DefaultReasoning) || resp.Usage.Estimated {
		t.Fatalf("usage %+v", resp.Usage)
	}
}

func TestReasoningFieldNamedReasoning(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{ReasoningField: "reasoning", Fault: func(int64, *fakeopenai.Request) fakeopenai.Fault {
		return fakeopenai.ReasoningField
	}})
	resp := generate(t, newRunner(t, srv, nil), chatReq("x"))
	if resp.Text != fakeopenai.DefaultAnswer || resp.Reasoning != fakeopenai.DefaultReasoning {
		t.Fatalf("text %q reasoning %q", resp.Text, resp.Reasoning)
	}
	// Non-streamed, the same.
	resp = generate(t, newRunner(t, srv, params.Values{"stream": false}), chatReq("x"))
	if resp.Text != fakeopenai.DefaultAnswer || resp.Reasoning != fakeopenai.DefaultReasoning {
		t.Fatalf("whole: text %q reasoning %q", resp.Text, resp.Reasoning)
	}
}

func TestThinkTagsOff(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{})
	r := newRunner(t, srv, params.Values{"think_tags": false})
	resp := generate(t, r, chatReq(fakeopenai.Marker(fakeopenai.ThinkTags)))
	if !strings.HasPrefix(resp.Text, "<think>") || resp.Reasoning != "" {
		t.Fatalf("think_tags=false still split: %+v", resp)
	}
	if !strings.HasSuffix(r.Identity(), "|think_tags=false") {
		t.Fatalf("identity %q", r.Identity())
	}
}

func TestSplitThink(t *testing.T) {
	cases := []struct{ in, text, reasoning string }{
		{"plain answer", "plain answer", ""},
		{"<think>hm</think>\n\nA", "A", "hm"},
		{"\n<think>\nhm\n</think>A", "A", "hm"},
		{"hm</think>\n\nA", "A", "hm"},
		{"<think>still thinking", "", "still thinking"},
		{"<think></think>A", "A", ""},
		{"A <think>x</think> B", "B", "A <think>x"},
		{"", "", ""},
	}
	for _, c := range cases {
		text, reasoning := splitThink(c.in)
		if text != c.text || reasoning != c.reasoning {
			t.Errorf("splitThink(%q) = %q, %q; want %q, %q", c.in, text, reasoning, c.text, c.reasoning)
		}
	}
}

func TestSlowFirstByte(t *testing.T) {
	const delay = 150 * time.Millisecond
	srv := newFake(t, fakeopenai.Options{Delay: delay})
	resp := generate(t, newRunner(t, srv, nil), chatReq(fakeopenai.Marker(fakeopenai.SlowFirstByte)))
	if ttft := resp.Timing.TTFT(); ttft < delay {
		t.Fatalf("TTFT %v shorter than the server's delay %v", ttft, delay)
	}
	if resp.Text != fakeopenai.DefaultAnswer {
		t.Fatalf("text %q", resp.Text)
	}
}

func TestIdleTimeout(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{})
	r := newRunner(t, srv, params.Values{"idle_timeout": 0.2})
	for _, f := range []fakeopenai.Fault{fakeopenai.Hang, fakeopenai.Stall} {
		start := time.Now()
		_, err := r.Generate(testCtx(t), chatReq(fakeopenai.Marker(f)))
		wantClass(t, err, runners.ClassTimeout)
		if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
			t.Fatalf("%s: timed out after %v, want about 200ms", f, d)
		}
	}
	// The limit is on silence, not on the whole stream: chunks 50ms apart
	// over 800ms pass a 400ms idle limit.
	long := strings.Repeat("word ", 16)
	slow := newFake(t, fakeopenai.Options{ChunkDelay: 50 * time.Millisecond, Answer: func(string) string { return long }})
	r = newRunner(t, slow, params.Values{"idle_timeout": 0.4})
	if resp, err := r.Generate(testCtx(t), chatReq("x")); err != nil || resp.Text != long {
		t.Fatalf("steady stream timed out: %v", err)
	}
}

func TestTotalTimeout(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{ChunkDelay: 50 * time.Millisecond})
	r := newRunner(t, srv, params.Values{"timeout": 0.2, "idle_timeout": 5.0})
	start := time.Now()
	_, err := r.Generate(testCtx(t), chatReq("slow but steady"))
	wantClass(t, err, runners.ClassTimeout)
	if d := time.Since(start); d > 2*time.Second || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("after %v: %v", d, err)
	}
}

func TestCallerCancel(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{})
	r := newRunner(t, srv, nil)
	ctx, cancel := context.WithCancel(testCtx(t))
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := r.Generate(ctx, chatReq(fakeopenai.Marker(fakeopenai.Hang)))
	if err != context.Canceled {
		t.Fatalf("got %v, want the caller's context.Canceled as is", err)
	}
	deadline, cancel2 := context.WithTimeout(testCtx(t), 50*time.Millisecond)
	defer cancel2()
	if _, err := r.Generate(deadline, chatReq(fakeopenai.Marker(fakeopenai.Hang))); err != context.DeadlineExceeded {
		t.Fatalf("got %v, want the caller's context.DeadlineExceeded", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r, err := New("x", params.Values{"url": "http://" + addr + "/v1", "model": "m"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Generate(testCtx(t), chatReq("x"))
	wantClass(t, err, runners.ClassConnection)
}

func TestAPIKey(t *testing.T) {
	const key = "sk-test-0123456789abcdefSECRET"
	srv := newFake(t, fakeopenai.Options{APIKey: key, Models: []fakeopenai.Model{{ID: fakeopenai.DefaultModel}}})
	t.Setenv("ENGRAMBENCH_TEST_KEY", key)
	r := newRunner(t, srv, params.Values{"api_key_env": "ENGRAMBENCH_TEST_KEY"})
	resp := generate(t, r, chatReq("x"))
	if srv.LastAuth() != "Bearer "+key {
		t.Fatalf("Authorization %q", srv.LastAuth())
	}
	var leaks []string
	check := func(what, s string) {
		if strings.Contains(s, key) || strings.Contains(s, "SECRET") {
			leaks = append(leaks, what+": "+s)
		}
	}
	b, _ := json.Marshal(resp)
	check("response", string(b))
	check("identity", r.Identity())
	// A server that quotes the key back in its error body.
	_, err := r.Generate(testCtx(t), chatReq(fakeopenai.Marker(fakeopenai.EchoAuth)))
	wantClass(t, err, runners.ClassClient)
	check("error", err.Error())
	// Other failures, and the optional powers.
	_, err = r.Generate(testCtx(t), chatReq(fakeopenai.Marker(fakeopenai.MalformedChunk)))
	check("protocol error", err.Error())
	if _, err := r.CountTokens(testCtx(t), "a b c"); err != nil {
		t.Fatal(err)
	}
	// A wrong key is refused by the server; the message stays key-free.
	t.Setenv("ENGRAMBENCH_TEST_KEY", "sk-wrong-0123456789SECRET")
	wrong := newRunner(t, srv, params.Values{"api_key_env": "ENGRAMBENCH_TEST_KEY"})
	_, err = wrong.Generate(testCtx(t), chatReq("x"))
	if re := wantClass(t, err, runners.ClassClient); re.Status != 401 {
		t.Fatalf("status %d", re.Status)
	}
	check("401", err.Error())
	if len(leaks) > 0 {
		t.Fatalf("the key leaked:\n%s", strings.Join(leaks, "\n"))
	}

	// From a file.
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fr := newRunner(t, srv, params.Values{"api_key_file": file})
	generate(t, fr, chatReq("x"))
	if srv.LastAuth() != "Bearer "+key {
		t.Fatalf("Authorization from file %q", srv.LastAuth())
	}
}

func TestIdentity(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{Models: []fakeopenai.Model{{ID: "other", Root: "x"}, {ID: fakeopenai.DefaultModel, Root: "org/weights-v2"}}})
	r := newRunner(t, srv, nil)
	want := "openai:" + srv.URL + "|" + fakeopenai.DefaultModel + "@org/weights-v2"
	if got := r.Identity(); got != want {
		t.Fatalf("identity %q, want %q", got, want)
	}
	r.Identity()
	if n := srv.Hits("/v1/models"); n != 1 {
		t.Fatalf("/models fetched %d times, want once", n)
	}
	c := newRunner(t, srv, params.Values{"endpoint": "completions"})
	if got := c.Identity(); got != want+"|endpoint=completions" {
		t.Fatalf("completions identity %q", got)
	}
	plain := newRunner(t, newFake(t, fakeopenai.Options{}), nil)
	if got := plain.Identity(); !strings.HasSuffix(got, "|"+fakeopenai.DefaultModel) {
		t.Fatalf("identity without a revision %q", got)
	}
}

func TestCountTokens(t *testing.T) {
	text := "one two three four"
	srv := newFake(t, fakeopenai.Options{})
	r := newRunner(t, srv, nil)
	if n, err := r.CountTokens(testCtx(t), text); err != nil || n != 4 {
		t.Fatalf("vLLM form: %d, %v", n, err)
	}

	// llama.cpp answers an empty list to the vLLM form.
	llama := newFake(t, fakeopenai.Options{Handler: func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != "/tokenize" {
			return false
		}
		var body map[string]string
		json.NewDecoder(req.Body).Decode(&body)
		n := fakeopenai.Count(body["content"])
		w.Write([]byte(`{"tokens":[` + strings.TrimSuffix(strings.Repeat("1,", n), ",") + `]}`))
		return true
	}})
	lr := newRunner(t, llama, nil)
	for range 2 {
		if n, err := lr.CountTokens(testCtx(t), text); err != nil || n != 4 {
			t.Fatalf("llama.cpp form: %d, %v", n, err)
		}
	}
	if hits := llama.Hits("/tokenize"); hits != 3 {
		t.Fatalf("/tokenize hit %d times; the form that worked should be remembered (want 3)", hits)
	}

	// TGI refuses anything but inputs with 422.
	tgi := newFake(t, fakeopenai.Options{Handler: func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path != "/tokenize" {
			return false
		}
		var body map[string]string
		json.NewDecoder(req.Body).Decode(&body)
		if _, ok := body["inputs"]; !ok {
			http.Error(w, `{"error":"missing field inputs"}`, http.StatusUnprocessableEntity)
			return true
		}
		w.Write([]byte(`[{"id":1,"text":"a"},{"id":2,"text":"b"}]`))
		return true
	}})
	if n, err := newRunner(t, tgi, nil).CountTokens(testCtx(t), text); err != nil || n != 2 {
		t.Fatalf("TGI form: %d, %v", n, err)
	}

	none := newFake(t, fakeopenai.Options{Handler: func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path == "/tokenize" {
			http.NotFound(w, req)
			return true
		}
		return false
	}})
	if _, err := newRunner(t, none, nil).CountTokens(testCtx(t), text); !errors.Is(err, ErrNoTokenize) {
		t.Fatalf("no /tokenize: %v", err)
	}
}

func TestPromptLogprobs(t *testing.T) {
	text := "The cat sat on the mat"
	pieces := fakeopenai.Pieces(text)
	check := func(t *testing.T, got []runners.TokenLogprob) {
		t.Helper()
		if len(got) != len(pieces) {
			t.Fatalf("%d tokens, want %d: %+v", len(got), len(pieces), got)
		}
		if got[0].OK {
			t.Fatalf("first token has a log-probability: %+v", got[0])
		}
		for i := 1; i < len(got); i++ {
			if got[i].Token != pieces[i] || !got[i].OK || got[i].Logprob != fakeopenai.Logprob(pieces[i]) {
				t.Fatalf("token %d: %+v, want %q %v", i, got[i], pieces[i], fakeopenai.Logprob(pieces[i]))
			}
		}
	}
	srv := newFake(t, fakeopenai.Options{})
	got, err := newRunner(t, srv, nil).PromptLogprobs(testCtx(t), text)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got)
	var m map[string]any
	json.Unmarshal(srv.LastBody(), &m)
	if m["echo"] != true || m["logprobs"] != 1.0 || m["max_tokens"] != 1.0 || m["stream"] != false {
		t.Fatalf("logprobs body %v", m)
	}

	noEcho := newFake(t, fakeopenai.Options{NoEcho: true})
	if _, err := newRunner(t, noEcho, nil).PromptLogprobs(testCtx(t), text); err == nil {
		t.Fatal("a server that does not echo gave log-probabilities")
	}
	got, err = newRunner(t, noEcho, params.Values{"prompt_logprobs": true}).PromptLogprobs(testCtx(t), text)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got)
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		h    map[string]string
		want time.Duration
	}{
		{map[string]string{"Retry-After": "3"}, 3 * time.Second},
		{map[string]string{"Retry-After": "0.5"}, 500 * time.Millisecond},
		{map[string]string{"Retry-After": now.Add(7 * time.Second).Format(http.TimeFormat)}, 7 * time.Second},
		{map[string]string{"Retry-After": now.Add(-time.Hour).Format(http.TimeFormat)}, 0},
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{"Retry-After": "-4"}, 0},
		{map[string]string{"Retry-After": "2", "Retry-After-Ms": "250"}, 250 * time.Millisecond},
		{nil, 0},
	}
	for _, c := range cases {
		h := http.Header{}
		for k, v := range c.h {
			h.Set(k, v)
		}
		if got := retryAfter(h, now); got != c.want {
			t.Errorf("%v: got %v, want %v", c.h, got, c.want)
		}
	}
}

func TestUsageVariants(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{})
	r := newRunner(t, srv, nil)
	req := chatReq("a b c")
	// DeepSeek reports cached tokens under its own name.
	a := &answer{usage: &wireUsage{PromptTokens: 10, CompletionTokens: 5, PromptCacheHitTokens: 6}}
	a.content.WriteString("x y")
	if u := r.response(req, a).Usage; u.CachedTokens != 6 || u.Estimated || u.PromptTokens != 10 {
		t.Fatalf("DeepSeek usage %+v", u)
	}
	// Reasoning without a server count is estimated.
	a = &answer{usage: &wireUsage{PromptTokens: 10, CompletionTokens: 5}}
	a.content.WriteString("<think>a b c d</think>x")
	if u := r.response(req, a).Usage; u.ReasoningTokens == 0 || !u.Estimated {
		t.Fatalf("reasoning estimate %+v", u)
	}
	// All-zero usage is no usage.
	a = &answer{usage: &wireUsage{}}
	a.content.WriteString("x y")
	if u := r.response(req, a).Usage; !u.Estimated || u.PromptTokens == 0 {
		t.Fatalf("zero usage %+v", u)
	}
}

func TestConcurrentRace(t *testing.T) {
	srv := newFake(t, fakeopenai.Options{TokensPerChunk: 2})
	r := newRunner(t, srv, nil)
	ctx := testCtx(t)
	errs := make(chan error, 64)
	for i := range 64 {
		go func() {
			req := chatReq("q")
			if i%8 == 0 {
				req = chatReq(fakeopenai.Marker(fakeopenai.CutStream))
			}
			resp, err := r.Generate(ctx, req)
			switch {
			case i%8 == 0 && runners.Classify(err) != runners.ClassConnection:
				errs <- errors.New("cut stream not a connection error: " + errString(err))
			case i%8 != 0 && (err != nil || resp.Text != fakeopenai.DefaultAnswer):
				errs <- errors.New("bad response: " + errString(err))
			default:
				errs <- nil
			}
		}()
	}
	for range 64 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestRawStreams feeds hand-written bodies, byte for byte as a server
// might send them.
func TestRawStreams(t *testing.T) {
	chunk := func(content, finish string) string {
		f := "null"
		if finish != "" {
			f = `"` + finish + `"`
		}
		return `{"choices":[{"index":0,"delta":{"content":"` + content + `"},"finish_reason":` + f + `}]}`
	}
	cases := []struct {
		name, body string
		class      runners.ErrorClass
		text       string
	}{
		{"clean end without [DONE] or finish", "data: " + chunk("a", "") + "\n\n", runners.ClassConnection, ""},
		{"ends inside an event", "data: " + chunk("a", "") + "\n\ndata: {\"choices\":[{\"ind", runners.ClassConnection, ""},
		{"line over 1 MiB", "data: " + chunk("a", "") + "\n\ndata: " + strings.Repeat("x", maxEvent+1) + "\n\n", runners.ClassProtocol, ""},
		{"not JSON", "data: " + chunk("a", "") + "\n\ndata: hello\n\n", runners.ClassProtocol, ""},
		{"error code 429 mid-stream", "data: " + chunk("a", "") + "\n\ndata: {\"error\":{\"message\":\"slow down\",\"code\":429}}\n\n", runners.ClassRateLimit, ""},
		{"[DONE] without a newline", "data: " + chunk("a", "") + "\n\ndata: " + chunk("", "stop") + "\n\ndata: [DONE]", "", "a"},
		{"compact and CRLF", "event: message\r\ndata:" + chunk("a", "") + "\r\n\r\n:ping\r\n\r\ndata:" + chunk("b", "stop") + "\r\n\r\ndata:[DONE]\r\n\r\n", "", "ab"},
		{"multi-line data", "data: {\"choices\":[{\"index\":0,\ndata: \"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n", "", "a"},
		{"second choice ignored", "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"x\"}},{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n", "", "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newFake(t, fakeopenai.Options{Handler: func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Write([]byte(c.body))
				return true
			}})
			resp, err := newRunner(t, srv, nil).Generate(testCtx(t), chatReq("x"))
			if c.class != "" {
				wantClass(t, err, c.class)
				return
			}
			if err != nil || resp.Text != c.text {
				t.Fatalf("text %q, err %v; want %q", resp.Text, err, c.text)
			}
		})
	}
}

// TestRedaction: whatever a server sends back, the key does not reach an
// error message.
func TestRedaction(t *testing.T) {
	const key = "plainkey0123456789"
	t.Setenv("ENGRAMBENCH_TEST_KEY", key)
	for _, body := range []string{
		`data: {"error":{"message":"bad key ` + key + ` and sk-live-abcdefgh123"}}` + "\n\n",
		`data: {"choices":[{"delta":{"content":"` + key + `"}}]` + "\n\n",
		`data: {"choices":[{"delta":{"content":"` + strings.Repeat("x", 110) + key + `"}}]` + "\n\n",
	} {
		srv := newFake(t, fakeopenai.Options{Handler: func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Write([]byte(body))
			return true
		}})
		r := newRunner(t, srv, params.Values{"api_key_env": "ENGRAMBENCH_TEST_KEY"})
		_, err := r.Generate(testCtx(t), chatReq("x"))
		if err == nil {
			t.Fatalf("%s: no error", body)
		}
		if msg := err.Error(); strings.Contains(msg, key[:8]) || strings.Contains(msg, "abcdefgh123") {
			t.Fatalf("key in error: %s", msg)
		}
	}
}
