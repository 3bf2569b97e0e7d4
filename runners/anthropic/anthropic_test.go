package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/engrambench/engrambench/internal/fakeanthropic"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

const testKey = "sk-ant-test-SECRET-0123456789"

// newRunner builds a runner against the fake, with the key in a file and
// short timeouts so no fault can hold a test for long.
func newRunner(t *testing.T, f *fakeanthropic.Fake, extra params.Values) *Runner {
	t.Helper()
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(testKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := params.Values{
		"url":          f.URL,
		"api_key_file": keyFile,
		"model":        "claude-test",
		"timeout":      10.0,
		"idle_timeout": 2.0,
	}
	for k, v := range extra {
		p[k] = v
	}
	r, err := New("", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.(*Runner).Close() })
	return r.(*Runner)
}

func newFake(t *testing.T, cfg fakeanthropic.Config) *fakeanthropic.Fake {
	f := fakeanthropic.New(cfg)
	t.Cleanup(f.Close)
	return f
}

// generate runs one request under a deadline well above any test's need.
func generate(t *testing.T, r *Runner, req runners.Request) (runners.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return r.Generate(ctx, req)
}

func user(text string) runners.Request {
	return runners.Request{Messages: []runners.Message{{Role: "user", Content: text}}}
}

func TestStream(t *testing.T) {
	const delay = 10 * time.Millisecond
	f := newFake(t, fakeanthropic.Config{DeltaDelay: delay, CacheReadTokens: 5, CacheCreationTokens: 2})
	r := newRunner(t, f, nil)
	resp, err := generate(t, r, user("hello there world"))
	if err != nil {
		t.Fatal(err)
	}
	want := "echo: hello there world"
	if resp.Text != want || resp.Reasoning != "" || resp.FinishReason != "stop" || resp.Model != "claude-test" {
		t.Fatalf("got %+v", resp)
	}
	// Fake counts: prompt 3 tokens + cache 5 read + 2 written; answer 4 tokens.
	u := resp.Usage
	if u.PromptTokens != 3+5+2 || u.CachedTokens != 5 || u.CompletionTokens != 4 || u.Estimated || u.ReasoningTokens != 0 {
		t.Fatalf("usage %+v", u)
	}
	if u.ClientPromptTokens != r.tok.Count("hello there world") || u.ClientCompletionTokens != r.tok.Count(want) {
		t.Fatalf("client counts %+v", u)
	}
	tm := resp.Timing
	if tm.Intended.IsZero() || tm.Send.Before(tm.Intended) || !tm.FirstToken.After(tm.Send) || tm.End.Before(tm.FirstToken) {
		t.Fatalf("timing out of order: %+v", tm)
	}
	if len(tm.Chunks) != 4 {
		t.Fatalf("chunks %v, want one per delta", tm.Chunks)
	}
	// The fake waits delay before each delta, so each chunk is at least
	// that much later than the last was sent; a busy test machine can only
	// make chunks arrive later and closer, so only lower bounds are checked.
	for i := range tm.Chunks {
		if tm.Chunks[i] < time.Duration(i+1)*delay || (i > 0 && tm.Chunks[i] <= tm.Chunks[i-1]) {
			t.Fatalf("chunks %v: not one per delta, %v apart", tm.Chunks, delay)
		}
	}
	if tm.Chunks[0] != tm.TTFT() || tm.Chunks[3] != tm.E2E() {
		t.Fatalf("first chunk %v vs TTFT %v; last %v vs E2E %v", tm.Chunks[0], tm.TTFT(), tm.Chunks[3], tm.E2E())
	}

	h := f.LastHeader()
	if h.Get("x-api-key") != testKey || h.Get("anthropic-version") != DefaultVersion || h.Get("content-type") != "application/json" {
		t.Fatalf("headers %v", h)
	}
	var body map[string]any
	if err := json.Unmarshal(f.LastBody(), &body); err != nil {
		t.Fatal(err)
	}
	if body["model"] != "claude-test" || body["max_tokens"] != float64(DefaultMaxTokens) || body["stream"] != true || body["temperature"] != 0.0 {
		t.Fatalf("body %v", body)
	}
	if _, ok := body["thinking"]; ok {
		t.Fatalf("thinking sent with budget 0: %v", body)
	}
}

func TestWhole(t *testing.T) {
	f := newFake(t, fakeanthropic.Config{})
	r := newRunner(t, f, params.Values{"stream": false})
	resp, err := generate(t, r, user("one two"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "echo: one two" || resp.FinishReason != "stop" || resp.Usage.CompletionTokens != 3 || resp.Usage.PromptTokens != 2 {
		t.Fatalf("got %+v", resp)
	}
	tm := resp.Timing
	if !tm.FirstToken.IsZero() || tm.Chunks != nil || !tm.End.After(tm.Send) {
		t.Fatalf("a whole message has no token times: %+v", tm)
	}
	if f.LastHeader().Get("accept") != "application/json" {
		t.Fatalf("accept %q", f.LastHeader().Get("accept"))
	}
	req, _ := f.LastRequest()
	if req.Stream {
		t.Fatal("stream sent true")
	}
}

func TestRequestMapping(t *testing.T) {
	f := newFake(t, fakeanthropic.Config{})
	r := newRunner(t, f, nil)
	req := runners.Request{
		Messages: []runners.Message{
			{Role: "system", Content: "Be brief."},
			{Role: "user", Content: "Q1"},
			{Role: "assistant", Content: "A1"},
			{Role: "system", Content: "Answer in English."},
			{Role: "user", Content: "Q2"},
		},
		MaxTokens:   77,
		Temperature: 0.5,
		Stop:        []string{"", "END"},
	}
	if _, err := generate(t, r, req); err != nil {
		t.Fatal(err)
	}
	got, err := f.LastRequest()
	if err != nil {
		t.Fatal(err)
	}
	if got.System != "Be brief.\n\nAnswer in English." {
		t.Fatalf("system %q", got.System)
	}
	var roles []string
	for _, m := range got.Messages {
		roles = append(roles, m.Role+":"+string(m.Content))
	}
	if strings.Join(roles, ",") != "user:Q1,assistant:A1,user:Q2" {
		t.Fatalf("messages %v", roles)
	}
	if got.MaxTokens != 77 || got.Temperature == nil || *got.Temperature != 0.5 || len(got.StopSequences) != 1 || got.StopSequences[0] != "END" {
		t.Fatalf("request %+v", got)
	}

	// A raw prompt is one user message.
	if _, err := generate(t, r, runners.Request{Prompt: "complete this"}); err != nil {
		t.Fatal(err)
	}
	got, _ = f.LastRequest()
	if len(got.Messages) != 1 || got.Messages[0].Role != "user" || got.Messages[0].Content != "complete this" || got.System != "" {
		t.Fatalf("prompt request %+v", got)
	}

	// Requests the API cannot take fail here, as client errors, unsent.
	n := f.Requests()
	for _, bad := range []runners.Request{
		{Messages: []runners.Message{{Role: "system", Content: "only a system prompt"}}},
		{Messages: []runners.Message{{Role: "tool", Content: "x"}}},
	} {
		_, err := generate(t, r, bad)
		if runners.Classify(err) != runners.ClassClient {
			t.Fatalf("%+v: got %v, want a client error", bad, err)
		}
	}
	if f.Requests() != n {
		t.Fatal("an invalid request was sent")
	}
}

func TestStopAndLength(t *testing.T) {
	f := newFake(t, fakeanthropic.Config{Answer: func(fakeanthropic.Request) string { return "alpha beta END gamma delta" }})
	r := newRunner(t, f, nil)
	resp, err := generate(t, r, runners.Request{Prompt: "x", Stop: []string{"END"}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "alpha beta " || resp.FinishReason != "stop" {
		t.Fatalf("stop: %q %q", resp.Text, resp.FinishReason)
	}
	resp, err = generate(t, r, runners.Request{Prompt: "x", MaxTokens: 2})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "alpha beta" || resp.FinishReason != "length" || resp.Usage.CompletionTokens != 2 {
		t.Fatalf("length: %q %q %+v", resp.Text, resp.FinishReason, resp.Usage)
	}
}

func TestThinking(t *testing.T) {
	const thought = "The user wants an echo, so I will echo."
	f := newFake(t, fakeanthropic.Config{Thinking: func(fakeanthropic.Request) string { return thought }})
	for _, stream := range []bool{true, false} {
		r := newRunner(t, f, params.Values{"thinking_budget": 2048, "stream": stream})
		resp, err := generate(t, r, runners.Request{Prompt: "hi", Temperature: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Text != "echo: hi" || resp.Reasoning != thought {
			t.Fatalf("stream=%v: text %q reasoning %q", stream, resp.Text, resp.Reasoning)
		}
		thinkTokens := len(fakeanthropic.Tokens(thought))
		u := resp.Usage
		if u.CompletionTokens != thinkTokens+2 || u.ReasoningTokens != r.tok.Count(thought) || u.Estimated ||
			u.ClientCompletionTokens != r.tok.Count(thought)+r.tok.Count("echo: hi") {
			t.Fatalf("stream=%v: usage %+v", stream, u)
		}
		req, _ := f.LastRequest()
		if req.Thinking == nil || req.Thinking.Type != "enabled" || req.Thinking.BudgetTokens != 2048 ||
			req.Temperature != nil || req.MaxTokens != DefaultMaxTokens+2048 {
			t.Fatalf("stream=%v: request %+v", stream, req)
		}
		if stream {
			if len(resp.Timing.Chunks) != thinkTokens+2 {
				t.Fatalf("chunks %v: thinking and text deltas each count", resp.Timing.Chunks)
			}
			if resp.Timing.TTFT() != resp.Timing.Chunks[0] {
				t.Fatal("first token is the first thinking delta")
			}
		}
		if !strings.HasSuffix(r.Identity(), "|thinking=2048") {
			t.Fatalf("identity %q", r.Identity())
		}
	}
}

// TestFaults drives every fault the fake shows and checks its outcome: a
// response where the protocol allows one, else the documented class, in
// bounded time.
func TestFaults(t *testing.T) {
	f := newFake(t, fakeanthropic.Config{SlowDelay: 150 * time.Millisecond, RetryAfter: 7, Answer: func(fakeanthropic.Request) string {
		return "one two three four five six seven"
	}})
	cases := []struct {
		fault  fakeanthropic.Fault
		stream bool
		class  runners.ErrorClass // "" means success
		status int
	}{
		{fakeanthropic.RateLimit, true, runners.ClassRateLimit, 429},
		{fakeanthropic.Server, true, runners.ClassServer, 500},
		{fakeanthropic.Overloaded, true, runners.ClassServer, 529},
		{fakeanthropic.BadRequest, true, runners.ClassClient, 400},
		{fakeanthropic.Slow, true, "", 0},
		{fakeanthropic.Slow, false, "", 0},
		{fakeanthropic.Cut, true, runners.ClassConnection, 0},
		{fakeanthropic.Cut, false, runners.ClassConnection, 0},
		{fakeanthropic.Reset, true, runners.ClassConnection, 0},
		{fakeanthropic.Reset, false, runners.ClassConnection, 0},
		{fakeanthropic.Malformed, true, runners.ClassProtocol, 0},
		{fakeanthropic.Malformed, false, runners.ClassProtocol, 0},
		{fakeanthropic.Ping, true, "", 0},
		{fakeanthropic.Multi, true, "", 0},
		{fakeanthropic.ErrorEvent, true, runners.ClassServer, 0},
		{fakeanthropic.ErrorEvent, false, runners.ClassServer, 529},
		{fakeanthropic.Empty, true, "", 0},
		{fakeanthropic.Empty, false, "", 0},
		{fakeanthropic.Stall, true, runners.ClassTimeout, 0},
		{fakeanthropic.Stall, false, runners.ClassTimeout, 0},
		{fakeanthropic.Hang, true, runners.ClassTimeout, 0},
		{fakeanthropic.Hang, false, runners.ClassTimeout, 0},
	}
	for _, c := range cases {
		name := string(c.fault)
		if !c.stream {
			name += "/whole"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newRunner(t, f, params.Values{"stream": c.stream, "idle_timeout": 0.3, "timeout": 1.0})
			start := time.Now()
			resp, err := generate(t, r, user("go "+fakeanthropic.Marker(c.fault)))
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("took %v", took)
			}
			if c.class == "" {
				if err != nil {
					t.Fatalf("want a response, got %v", err)
				}
				checkFaultResponse(t, c.fault, c.stream, resp)
				return
			}
			var re *runners.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("want a *RequestError of class %s, got %v (response %+v)", c.class, err, resp)
			}
			if re.Class != c.class || re.Status != c.status {
				t.Fatalf("got class %s status %d (%v), want %s %d", re.Class, re.Status, err, c.class, c.status)
			}
			if c.fault == fakeanthropic.RateLimit && re.RetryAfter != 7*time.Second {
				t.Fatalf("retry after %v", re.RetryAfter)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Fatal("key in error")
			}
		})
	}
}

func checkFaultResponse(t *testing.T, fault fakeanthropic.Fault, stream bool, resp runners.Response) {
	t.Helper()
	text := "one two three four five six seven"
	switch fault {
	case fakeanthropic.Empty:
		if resp.Text != "" || resp.Usage.CompletionTokens != 0 || resp.FinishReason != "stop" || !resp.Timing.FirstToken.IsZero() || resp.Timing.End.IsZero() {
			t.Fatalf("empty: %+v", resp)
		}
		return
	case fakeanthropic.Slow:
		if resp.Timing.E2E() < 150*time.Millisecond {
			t.Fatalf("slow first byte not in latency: %v", resp.Timing.E2E())
		}
		if stream && resp.Timing.TTFT() < 150*time.Millisecond {
			t.Fatalf("slow first byte not in TTFT: %v", resp.Timing.TTFT())
		}
	}
	if resp.Text != text {
		t.Fatalf("text %q", resp.Text)
	}
	want := 7
	if fault == fakeanthropic.Multi {
		want = 3 // three tokens per delta
	}
	if stream && len(resp.Timing.Chunks) != want {
		t.Fatalf("chunks %v, want %d", resp.Timing.Chunks, want)
	}
}

// TestFaultByNumber checks a fault set by request number, and that the
// next request is answered.
func TestFaultByNumber(t *testing.T) {
	f := newFake(t, fakeanthropic.Config{Faults: map[int][]fakeanthropic.Fault{1: {fakeanthropic.Overloaded}}})
	r := newRunner(t, f, nil)
	if _, err := generate(t, r, user("a")); runners.Classify(err) != runners.ClassServer {
		t.Fatalf("first: %v", err)
	}
	if resp, err := generate(t, r, user("a")); err != nil || resp.Text != "echo: a" {
		t.Fatalf("second: %v %+v", err, resp)
	}
}

func TestCallerContext(t *testing.T) {
	f := newFake(t, fakeanthropic.Config{})
	for _, stream := range []bool{true, false} {
		r := newRunner(t, f, params.Values{"stream": stream, "idle_timeout": 0.0, "timeout": 0.0})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := r.Generate(ctx, user(fakeanthropic.Marker(fakeanthropic.Hang)))
		if err != context.Canceled || time.Since(start) > 3*time.Second {
			t.Fatalf("stream=%v: got %v after %v, want context.Canceled", stream, err, time.Since(start))
		}

		ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err = r.Generate(ctx, user(fakeanthropic.Marker(fakeanthropic.Stall)))
		cancel()
		if err != context.DeadlineExceeded {
			t.Fatalf("stream=%v: got %v, want context.DeadlineExceeded", stream, err)
		}

		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		n := f.Requests()
		if _, err := r.Generate(ctx, user("x")); err != context.Canceled || f.Requests() != n {
			t.Fatalf("cancelled before the call: %v", err)
		}
	}
}

// TestKeyKeptOut checks that the key reaches the server's header and
// nothing else: not errors (even when the server quotes it), not Identity,
// not the response.
func TestKeyKeptOut(t *testing.T) {
	f := newFake(t, fakeanthropic.Config{APIKey: "some-other-key"})
	r := newRunner(t, f, nil)
	_, err := generate(t, r, user("x"))
	var re *runners.RequestError
	if !errors.As(err, &re) || re.Class != runners.ClassClient || re.Status != 401 {
		t.Fatalf("got %v, want a 401 client error", err)
	}
	if strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error %q: key not cut out", err)
	}
	if strings.Contains(r.Identity(), testKey) || r.Identity() != "anthropic:"+f.URL+"|claude-test" {
		t.Fatalf("identity %q", r.Identity())
	}

	// From the environment, and answered.
	t.Setenv("ENGRAMBENCH_TEST_ANTHROPIC_KEY", testKey)
	g := newFake(t, fakeanthropic.Config{APIKey: testKey, Answer: func(req fakeanthropic.Request) string { return "ok" }})
	r2, err := New("named", params.Values{"url": g.URL, "api_key_env": "ENGRAMBENCH_TEST_ANTHROPIC_KEY", "model": "m"})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.(*Runner).Close()
	resp, err := generate(t, r2.(*Runner), user(testKey)) // even a prompt that quotes it
	if err != nil {
		t.Fatal(err)
	}
	resp.Text = "" // the answer may quote the prompt; everything else must not
	b, _ := json.Marshal(resp)
	if strings.Contains(string(b), testKey) || r2.Name() != "named" {
		t.Fatalf("response %s", b)
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	t.Setenv("ENGRAMBENCH_TEST_EMPTY", "")
	_, err := New("", params.Values{
		"url":             "ftp://x",
		"api_key_env":     "ENGRAMBENCH_TEST_EMPTY",
		"thinking_budget": 100,
		"stream":          "yes",
		"timeout":         -1.0,
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"model is required", "thinking_budget", "url", "ENGRAMBENCH_TEST_EMPTY", "stream", "timeout"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}

	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte(testKey), 0o600)
	for _, u := range []string{"http://h:1/", "http://h:1/v1", "http://h:1/v1/"} {
		r, err := New("", params.Values{"url": u, "api_key_file": file, "model": "m"})
		if err != nil {
			t.Fatal(err)
		}
		if r.(*Runner).Identity() != "anthropic:http://h:1|m" || r.(*Runner).endpoint != "http://h:1/v1/messages" {
			t.Fatalf("%s: identity %q endpoint %q", u, r.(*Runner).Identity(), r.(*Runner).endpoint)
		}
	}
	if _, err := New("", params.Values{"api_key_file": filepath.Join(t.TempDir(), "missing"), "model": "m"}); err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("missing key file: %v", err)
	}
}

func TestKind(t *testing.T) {
	if Kind.Name != "anthropic" || Kind.Concurrency != 8 || Kind.New == nil {
		t.Fatalf("kind %+v", Kind)
	}
	for _, s := range Kind.Params {
		if err := s.Check(s.Default); s.Default != nil && err != nil {
			t.Fatalf("default of %s: %v", s.Name, err)
		}
	}
	f := newFake(t, fakeanthropic.Config{})
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte(testKey), 0o600)
	r, err := Kind.New("k", params.Values{"url": f.URL, "api_key_file": file, "model": "m"})
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := runners.Find[runners.Modeler](r); !ok || m.Model() != "m" {
		t.Fatal("no Modeler")
	}
}

// TestRedirectNotFollowed checks that a redirect is an error and the key
// never reaches the host it points at.
func TestRedirectNotFollowed(t *testing.T) {
	var mu sync.Mutex
	leaked := false
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = leaked || r.Header.Get("x-api-key") != ""
		mu.Unlock()
	}))
	defer other.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v1/messages", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	file := filepath.Join(t.TempDir(), "key")
	os.WriteFile(file, []byte(testKey), 0o600)
	r, err := New("", params.Values{"url": redirect.URL, "api_key_file": file, "model": "m"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = r.Generate(ctx, user("x"))
	var re *runners.RequestError
	if !errors.As(err, &re) || re.Class != runners.ClassProtocol || re.Status != 307 {
		t.Fatalf("got %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if leaked {
		t.Fatal("key sent to the redirect target")
	}
}

func TestConcurrent(t *testing.T) {
	f := newFake(t, fakeanthropic.Config{DeltaDelay: time.Millisecond})
	r := newRunner(t, f, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			q := strings.Repeat("w ", i%5+1)
			resp, err := generate(t, r, user(q))
			if err == nil && resp.Text != "echo: "+q {
				err = errors.New("wrong answer " + resp.Text)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":     0,
		"3":    3 * time.Second,
		"1.5":  1500 * time.Millisecond,
		"-2":   0,
		"soon": 0,
		now.Add(9 * time.Second).Format(http.TimeFormat): 9 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):      0,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestFinishReason(t *testing.T) {
	for in, want := range map[string]string{"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_use", "refusal": "refusal", "": ""} {
		if got := finishReason(in); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
}
