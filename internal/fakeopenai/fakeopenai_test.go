package fakeopenai

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

func post(t *testing.T, url, body string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// events reads the data lines of a stream.
func events(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

func TestStream(t *testing.T) {
	s := New(Options{Record: true})
	defer s.Close()
	res := post(t, s.URL+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"a b c"}],"stream":true,"stream_options":{"include_usage":true}}`)
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	ev := events(t, res.Body)
	n := Count(DefaultAnswer)
	// n content chunks, the finish chunk, the usage chunk, [DONE].
	if len(ev) != n+3 || ev[len(ev)-1] != "[DONE]" {
		t.Fatalf("%d events: %q", len(ev), ev)
	}
	var text strings.Builder
	for _, e := range ev[:n] {
		var c struct {
			Choices []struct {
				Delta struct{ Content string } `json:"delta"`
			} `json:"choices"`
		}
		if err := json.Unmarshal([]byte(e), &c); err != nil {
			t.Fatalf("chunk %q: %v", e, err)
		}
		text.WriteString(c.Choices[0].Delta.Content)
	}
	if text.String() != DefaultAnswer {
		t.Fatalf("answer %q", text.String())
	}
	var u struct {
		Choices []any `json:"choices"`
		Usage   struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(ev[n+1]), &u); err != nil || len(u.Choices) != 0 || u.Usage.PromptTokens != 3 || u.Usage.CompletionTokens != n {
		t.Fatalf("usage chunk %q: %v", ev[n+1], err)
	}
	recs := s.Records()
	if len(recs) != 1 || len(recs[0].Chunks) != n || recs[0].Prompt != "a b c" || recs[0].End.Before(recs[0].Chunks[n-1]) {
		t.Fatalf("records %+v", recs)
	}
	if s.Requests() != 1 || s.Hits("/v1/chat/completions") != 1 {
		t.Fatalf("counters %d %d", s.Requests(), s.Hits("/v1/chat/completions"))
	}
}

func TestWholeAndLimits(t *testing.T) {
	s := New(Options{Answer: func(p string) string { return "echo: " + p }})
	defer s.Close()
	res := post(t, s.URL+"/completions", `{"model":"m","prompt":"x y z STOP w","max_tokens":3,"stop":"STOP"}`)
	var c struct {
		Choices []struct {
			Text         string `json:"text"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	if c.Choices[0].Text != "echo: x y" || c.Choices[0].FinishReason != "length" {
		t.Fatalf("choice %+v", c.Choices[0])
	}
	var body map[string]any
	json.Unmarshal(s.LastBody(), &body)
	if body["prompt"] != "x y z STOP w" {
		t.Fatalf("last body %v", body)
	}
	for _, bad := range []string{`{"messages":[{"role":"user","content":"x"}]}`, `{"model":"m"}`, `{"model":"m","prompt":"x"}`, `not json`} {
		if res := post(t, s.URL+"/chat/completions", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d", bad, res.StatusCode)
		}
	}
}

func TestFaultsByMarkerAndFunc(t *testing.T) {
	s := New(Options{RetryAfter: "7", Fault: func(n int64, _ *Request) Fault {
		if n == 2 {
			return InternalError
		}
		return 0
	}})
	defer s.Close()
	res := post(t, s.URL+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"`+Marker(RateLimited)+`"}]}`)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "7" {
		t.Fatalf("429: %d %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	res = post(t, s.URL+"/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}]}`)
	if res.StatusCode != 500 {
		t.Fatalf("request 2: %d", res.StatusCode)
	}
	if got := markers(Marker(CutStream|KeepAlives) + " text"); got != CutStream|KeepAlives {
		t.Fatalf("markers %v", got)
	}
	if (CutStream | Hang).String() != "cut+hang" {
		t.Fatalf("String %q", (CutStream | Hang).String())
	}
}

func TestHangReleasedByClose(t *testing.T) {
	s := New(Options{})
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/chat/completions", strings.NewReader(`{"model":"m","messages":[{"role":"user","content":"`+Marker(Hang)+`"}]}`))
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	for s.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a hanging request")
	}
}

func TestTokenizeModelsHealth(t *testing.T) {
	s := New(Options{Models: []Model{{ID: "a", Root: "org/a"}}})
	defer s.Close()
	var v struct {
		Tokens []int `json:"tokens"`
		Count  int   `json:"count"`
	}
	json.NewDecoder(post(t, s.Root+"/tokenize", `{"model":"a","prompt":"one two three"}`).Body).Decode(&v)
	if v.Count != 3 || len(v.Tokens) != 3 || v.Tokens[0] != TokenID("one") {
		t.Fatalf("vLLM tokenize %+v", v)
	}
	v.Count = -1
	json.NewDecoder(post(t, s.Root+"/tokenize", `{"content":"one two"}`).Body).Decode(&v)
	if v.Count != -1 || len(v.Tokens) != 2 {
		t.Fatalf("llama.cpp tokenize %+v", v)
	}
	var list []map[string]any
	json.NewDecoder(post(t, s.Root+"/tokenize", `{"inputs":"one two"}`).Body).Decode(&list)
	if len(list) != 2 {
		t.Fatalf("TGI tokenize %v", list)
	}
	res, err := http.Get(s.URL + "/models")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m struct {
		Data []Model `json:"data"`
	}
	json.NewDecoder(res.Body).Decode(&m)
	if len(m.Data) != 1 || m.Data[0].Root != "org/a" {
		t.Fatalf("models %+v", m)
	}
	h, err := http.Get(s.Root + "/health")
	if err != nil || h.StatusCode != 200 {
		t.Fatalf("health %v", err)
	}
	h.Body.Close()
}

func TestPieces(t *testing.T) {
	for _, s := range []string{"", "a", " a b  c ", "x\n\ny\tz", "   ", "héllo wörld"} {
		p := Pieces(s)
		if len(p) != Count(s) {
			t.Errorf("%q: %d pieces, %d words", s, len(p), Count(s))
		}
		if Count(s) > 0 && strings.Join(p, "") != s {
			t.Errorf("%q: pieces %q do not join back", s, p)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\`, "\x00\x1f\n\r\t", "ü€𝄞", "bad\xffutf8", "<think>"} {
		var got string
		if err := json.Unmarshal(appendString(nil, s), &got); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		want, _ := json.Marshal(s)
		var w string
		json.Unmarshal(want, &w)
		if got != w {
			t.Errorf("%q: got %q, want %q", s, got, w)
		}
	}
}
