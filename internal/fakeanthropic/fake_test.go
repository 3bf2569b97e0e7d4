package fakeanthropic

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	for _, s := range []string{"", "a", "  a b  ", "echo: hi\nthere ", "   ", "x\ty"} {
		toks := Tokens(s)
		if strings.Join(toks, "") != s {
			t.Fatalf("%q: tokens %q do not rebuild it", s, toks)
		}
	}
	if got := Tokens(" one two  three "); len(got) != 3 || got[2] != "  three " {
		t.Fatalf("got %q", got)
	}
}

// post sends a body to the fake with the usual headers, under a deadline.
func post(t *testing.T, f *Fake, body string, header map[string]string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.URL+"/v1/messages", strings.NewReader(body))
	req.Header.Set("anthropic-version", "2023-06-01")
	req.Header.Set("x-api-key", "k")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestStreamShape(t *testing.T) {
	f := New(Config{TokensPerDelta: 2, Thinking: func(Request) string { return "hmm ok" }})
	defer f.Close()
	resp := post(t, f, `{"model":"m","max_tokens":2000,"stream":true,"thinking":{"type":"enabled","budget_tokens":1024},
		"system":[{"type":"text","text":"sys"}],"messages":[{"role":"user","content":"a b c"}]}`, map[string]string{"X-Trace": "1"})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var types []string
	var text, thinking string
	var output int
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Type  string
			Delta struct{ Type, Text, Thinking string }
			Usage struct {
				OutputTokens int `json:"output_tokens"`
			}
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		text += ev.Delta.Text
		thinking += ev.Delta.Thinking
		if ev.Type == "message_delta" {
			output = ev.Usage.OutputTokens
		}
	}
	want := "message_start ping content_block_start content_block_delta content_block_delta content_block_stop " +
		"content_block_start content_block_delta content_block_delta content_block_stop message_delta message_stop"
	if strings.Join(types, " ") != want {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(types, " "), want)
	}
	// "echo: a b c" is 4 tokens, two per delta; thinking is 2 tokens.
	if text != "echo: a b c" || thinking != "hmm ok" || output != 6 {
		t.Fatalf("text %q thinking %q output %d", text, thinking, output)
	}
	if f.Requests() != 1 || f.LastHeader().Get("X-Trace") != "1" {
		t.Fatal("request not recorded")
	}
	req, err := f.LastRequest()
	if err != nil || req.System != "sys" || req.Messages[0].Content != "a b c" || req.Thinking.BudgetTokens != 1024 {
		t.Fatalf("recorded %+v %v", req, err)
	}
}

func TestWholeMessage(t *testing.T) {
	f := New(Config{CacheReadTokens: 3, Answer: func(Request) string { return "x y STOP z" }})
	defer f.Close()
	resp := post(t, f, `{"model":"m","max_tokens":10,"stop_sequences":["STOP"],"messages":[{"role":"user","content":"q"}]}`, nil)
	var m struct {
		Type         string
		Content      []struct{ Type, Text string }
		StopReason   string `json:"stop_reason"`
		StopSequence string `json:"stop_sequence"`
		Usage        map[string]int
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.Type != "message" || m.Content[0].Text != "x y " || m.StopReason != "stop_sequence" || m.StopSequence != "STOP" ||
		m.Usage["input_tokens"] != 1 || m.Usage["cache_read_input_tokens"] != 3 || m.Usage["output_tokens"] != 2 {
		t.Fatalf("got %+v", m)
	}
}

func TestRejects(t *testing.T) {
	f := New(Config{APIKey: "k"})
	defer f.Close()
	for body, want := range map[string]string{
		`{"max_tokens":5,"messages":[{"role":"user","content":"q"}]}`:                                                                                   "model",
		`{"model":"m","messages":[{"role":"user","content":"q"}]}`:                                                                                      "max_tokens",
		`{"model":"m","max_tokens":5,"messages":[]}`:                                                                                                    "messages",
		`{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"q"}]}`:                                                                     "role",
		`{"model":"m","max_tokens":5,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"q"}]}`:                    "budget_tokens",
		`{"model":"m","max_tokens":5000,"temperature":0,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"q"}]}`: "temperature",
		`not json`: "JSON",
	} {
		resp := post(t, f, body, nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !strings.Contains(string(b), "invalid_request_error") || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s", body, resp.StatusCode, b)
		}
	}
	ok := `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"q"}]}`
	if resp := post(t, f, ok, map[string]string{"x-api-key": "wrong"}); resp.StatusCode != 401 {
		t.Errorf("wrong key: %d", resp.StatusCode)
	}
	if resp := post(t, f, ok, map[string]string{"anthropic-version": ""}); resp.StatusCode != 400 {
		t.Errorf("no version: %d", resp.StatusCode)
	}
}

func TestFaultsByMarkerAndNumber(t *testing.T) {
	f := New(Config{RetryAfter: 5, Faults: map[int][]Fault{2: {Server}}})
	defer f.Close()
	body := `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x ` + Marker(RateLimit) + `"}]}`
	resp := post(t, f, body, nil)
	if resp.StatusCode != 429 || resp.Header.Get("retry-after") != "5" {
		t.Fatalf("marker: %d %q", resp.StatusCode, resp.Header.Get("retry-after"))
	}
	if resp := post(t, f, `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, nil); resp.StatusCode != 500 {
		t.Fatalf("request 2: %d", resp.StatusCode)
	}
	if resp := post(t, f, `{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]}`, nil); resp.StatusCode != 200 {
		t.Fatalf("request 3: %d", resp.StatusCode)
	}
}

// TestCloseReleasesHang checks that Close does not wait on a request the
// fake is holding forever.
func TestCloseReleasesHang(t *testing.T) {
	f := New(Config{})
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		body := `{"model":"m","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"` + Marker(Hang) + `"}]}`
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, f.URL+"/v1/messages", strings.NewReader(body))
		req.Header.Set("anthropic-version", "2023-06-01")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for f.Requests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	done := make(chan struct{})
	go func() { f.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close waited on a hanging request")
	}
	if err := <-errc; err == nil {
		t.Fatal("a hanging request was answered")
	}
}
