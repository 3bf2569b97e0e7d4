package middleware

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/engrambench/engrambench/runners"
)

var (
	_ runners.Runner  = (*CacheRunner)(nil)
	_ runners.Wrapper = (*CacheRunner)(nil)
)

func baseRequest() runners.Request {
	return runners.Request{
		Messages:    []runners.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: "2+2?"}},
		MaxTokens:   16,
		Temperature: 0.7,
		Stop:        []string{"\n"},
		Seed:        42,
	}
}

func newCache(t *testing.T, dir, id string, f *fake) *CacheRunner {
	t.Helper()
	r, err := Cache(idFake{fake: f, id: id}, dir)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := r.(*CacheRunner)
	if !ok {
		t.Fatalf("Cache returned %T", r)
	}
	return c
}

func TestCacheHit(t *testing.T) {
	dir := t.TempDir()
	f := &fake{}
	c := newCache(t, dir, "openai|m@1", f)
	req := baseRequest()
	first, err := c.Generate(context.Background(), req)
	if err != nil || first.Cached {
		t.Fatalf("first: %+v %v", first, err)
	}
	second, err := c.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("inner called %d times", f.calls.Load())
	}
	if !second.Cached || second.Attempts != 0 {
		t.Fatalf("hit not marked: %+v", second)
	}
	second.Cached = false
	if second.Text != first.Text || second.Usage != first.Usage || !second.Timing.Send.Equal(first.Timing.Send) || second.Model != first.Model {
		t.Fatalf("hit %+v differs from %+v", second, first)
	}
	if s := c.Stats(); s.Hits != 1 || s.Misses != 1 || s.Writes != 1 || s.Bad != 0 {
		t.Fatalf("stats %+v", s)
	}
	// A fresh cache on the same directory (the next night) hits too.
	f2 := &fake{}
	if resp, err := newCache(t, dir, "openai|m@1", f2).Generate(context.Background(), req); err != nil || !resp.Cached || f2.calls.Load() != 0 {
		t.Fatalf("reopened cache missed: %+v %v", resp, err)
	}
	// Sharded layout: dir/ab/abcd....json.
	key, _ := CacheKey("openai|m@1", req)
	if _, err := os.Stat(filepath.Join(dir, key[:2], key+".json")); err != nil {
		t.Fatal(err)
	}
}

func TestCacheMissesOnAnyDifference(t *testing.T) {
	tests := []struct {
		name string
		id   string
		edit func(*runners.Request)
	}{
		{"model identity", "openai|m@2", func(*runners.Request) {}},
		{"seed", "", func(r *runners.Request) { r.Seed++ }},
		{"temperature", "", func(r *runners.Request) { r.Temperature = 0 }},
		{"max tokens", "", func(r *runners.Request) { r.MaxTokens = 17 }},
		{"stop", "", func(r *runners.Request) { r.Stop = nil }},
		{"message", "", func(r *runners.Request) { r.Messages[1].Content = "3+3?" }},
		{"role", "", func(r *runners.Request) { r.Messages[0].Role = "user" }},
		{"prompt instead of messages", "", func(r *runners.Request) { r.Prompt = r.Text(); r.Messages = nil }},
	}
	dir := t.TempDir()
	const id = "openai|m@1"
	if _, err := newCache(t, dir, id, &fake{}).Generate(context.Background(), baseRequest()); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := baseRequest()
			tt.edit(&req)
			ident := id
			if tt.id != "" {
				ident = tt.id
			}
			f := &fake{}
			resp, err := newCache(t, dir, ident, f).Generate(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Cached || f.calls.Load() != 1 {
				t.Fatalf("served from the cache: %+v", resp)
			}
		})
	}
}

func TestCacheDoesNotStoreErrors(t *testing.T) {
	f := &fake{errs: []error{reqErr(runners.ClassServer, 500, 0)}}
	c := newCache(t, t.TempDir(), "m", f)
	req := baseRequest()
	if _, err := c.Generate(context.Background(), req); runners.Classify(err) != runners.ClassServer {
		t.Fatalf("error %v not passed through", err)
	}
	resp, err := c.Generate(context.Background(), req)
	if err != nil || resp.Cached {
		t.Fatalf("second: %+v %v", resp, err)
	}
	if resp, _ := c.Generate(context.Background(), req); !resp.Cached {
		t.Fatal("the success was not stored")
	}
	if f.calls.Load() != 2 {
		t.Fatalf("inner calls %d", f.calls.Load())
	}
}

func TestCacheBadEntryIsAMissAndIsRewritten(t *testing.T) {
	req := baseRequest()
	other := baseRequest()
	other.Seed = 7
	_, otherCanon := CacheKey("m", other)
	tests := []struct {
		name    string
		content []byte
	}{
		{"garbage", []byte("{not json")},
		{"truncated", []byte(`{"key":{"v":1,"identity":"m","request":{"messages":[`)},
		{"empty", nil},
		{"entry for another request", append(append([]byte(`{"key":`), otherCanon...), `,"response":{"text":"wrong"}}`...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			key, _ := CacheKey("m", req)
			path := filepath.Join(dir, key[:2], key+".json")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, tt.content, 0o644); err != nil {
				t.Fatal(err)
			}
			f := &fake{}
			c := newCache(t, dir, "m", f)
			resp, err := c.Generate(context.Background(), req)
			if err != nil || resp.Cached || resp.Text == "wrong" {
				t.Fatalf("bad entry served: %+v %v", resp, err)
			}
			if s := c.Stats(); s.Bad != 1 || s.Writes != 1 {
				t.Fatalf("stats %+v", s)
			}
			again, err := c.Generate(context.Background(), req)
			if err != nil || !again.Cached || again.Text != resp.Text || f.calls.Load() != 1 {
				t.Fatalf("entry not rewritten: %+v %v", again, err)
			}
		})
	}
}

func TestCacheWriteFailureKeepsTheResponse(t *testing.T) {
	dir := t.TempDir()
	c := newCache(t, dir, "m", &fake{})
	req := baseRequest()
	key, _ := CacheKey("m", req)
	// A file where the shard directory should be makes every write fail.
	if err := os.WriteFile(filepath.Join(dir, key[:2]), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Generate(context.Background(), req)
	if err != nil || resp.Text == "" {
		t.Fatalf("%+v %v", resp, err)
	}
	if s := c.Stats(); s.WriteErrors != 1 || s.Writes != 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestCacheConcurrentSameKey(t *testing.T) {
	dir := t.TempDir()
	f := &fake{delay: 5 * time.Millisecond}
	c := newCache(t, dir, "m", f)
	reqs := []runners.Request{baseRequest(), baseRequest()}
	reqs[1].Seed = 1
	var wg sync.WaitGroup
	texts := make([]string, 64)
	for i := range texts {
		wg.Go(func() {
			resp, err := c.Generate(context.Background(), reqs[i%2])
			if err != nil {
				t.Error(err)
				return
			}
			texts[i] = resp.Text
		})
	}
	wg.Wait()
	if f.calls.Load() != 2 {
		t.Fatalf("inner calls %d, want one per key", f.calls.Load())
	}
	for i, text := range texts {
		if text != texts[i%2] {
			t.Fatalf("answer %d %q differs from %q", i, text, texts[i%2])
		}
	}
	if s := c.Stats(); s.Hits != 62 || s.Misses != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestCacheConcurrentProcessesShareEntries(t *testing.T) {
	// Two caches on one directory stand for two processes: no in-process
	// lock between them, only atomic renames.
	dir := t.TempDir()
	a, b := newCache(t, dir, "m", &fake{}), newCache(t, dir, "m", &fake{})
	var wg sync.WaitGroup
	for i := range 32 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			if _, err := c.Generate(context.Background(), baseRequest()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if bad := a.Stats().Bad + b.Stats().Bad; bad != 0 {
		t.Fatalf("%d torn entries seen", bad)
	}
}

func TestCacheCancelledWhileWaitingForTheSameKey(t *testing.T) {
	block := make(chan struct{})
	c := newCache(t, t.TempDir(), "m", &fake{})
	c.inner = blockRunner{block}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Generate(context.Background(), baseRequest())
	}()
	for {
		c.mu.Lock()
		n := len(c.pending)
		c.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Generate(ctx, baseRequest()); err != context.Canceled {
		t.Fatalf("error %v", err)
	}
	close(block)
	<-done // its entry is written before the directory goes
}

type blockRunner struct{ ch chan struct{} }

func (b blockRunner) Name() string { return "block" }
func (b blockRunner) Generate(ctx context.Context, _ runners.Request) (runners.Response, error) {
	select {
	case <-b.ch:
		return runners.Response{Text: "late"}, nil
	case <-ctx.Done():
		return runners.Response{}, ctx.Err()
	}
}

func TestCacheNeedsIdentity(t *testing.T) {
	for _, r := range []runners.Runner{&fake{}, idFake{fake: &fake{}, id: ""}} {
		got, err := Cache(r, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if got != r {
			t.Fatalf("%T: wrapped a runner that cannot identify its model", r)
		}
	}
	// Identity found through another wrapper counts.
	got, err := Cache(Retry(idFake{fake: &fake{}, id: "m"}, RetryPolicy{}), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.(*CacheRunner); !ok {
		t.Fatal("identity behind a wrapper not found")
	}
}

func TestCacheKeyIsStable(t *testing.T) {
	// The key is the contract with entries already on disk: a change here
	// must come with a new cacheVersion.
	key, canon := CacheKey("openai|https://api.example|m@1", baseRequest())
	const wantCanon = `{"v":1,"identity":"openai|https://api.example|m@1","request":{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"2+2?"}],"max_tokens":16,"temperature":0.7,"stop":["\n"],"seed":42}}`
	if string(canon) != wantCanon {
		t.Fatalf("canonical form\n%s\nwant\n%s", canon, wantCanon)
	}
	if len(key) != 64 {
		t.Fatalf("key %q", key)
	}
}
