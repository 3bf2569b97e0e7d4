package middleware

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
)

// cacheVersion is part of every key and entry. Bump it whenever the key's
// encoding or the entry's meaning changes, so old entries simply miss.
const cacheVersion = 1

// CacheStats counts what a cache did.
type CacheStats struct {
	Hits   int64 // answered from disk, inner runner not called
	Misses int64 // inner runner called (for an uncacheable request too)
	Writes int64 // successful responses stored
	// Bad counts entries that could not be used (unreadable, corrupt, or
	// for another request) and were treated as misses.
	Bad int64
	// WriteErrors counts responses that could not be stored; the response
	// was still returned.
	WriteErrors int64
}

// CacheRunner serves repeated requests from an on-disk cache.
type CacheRunner struct {
	inner runners.Runner
	id    runners.Identifier
	dir   string

	hits, misses, writes, bad, writeErrs atomic.Int64

	mu      sync.Mutex
	pending map[string]chan struct{} // keys being fetched in this process
}

var (
	_ runners.Runner  = (*CacheRunner)(nil)
	_ runners.Wrapper = (*CacheRunner)(nil)
)

// Cache wraps r with a content-addressed response cache in dir.
//
// No identity, no cache: the key must say which model answered, so a
// runner without a runners.Identifier anywhere in its chain (or with an
// empty identity) is returned unchanged, and a request made while the
// identity is empty is passed through. The key is SHA-256 over a versioned
// JSON encoding of the identity and the whole Request (messages or prompt,
// max tokens, temperature, stop, seed — the executor puts the repeat index
// into the seed — and every field added later).
//
// Entries live at dir/<2 hex>/<64 hex>.json and hold the key's inputs
// beside the response, so an entry that does not match its request exactly
// is a miss. Only successful responses are stored; a bad entry is a miss
// and is overwritten; a failed write loses the entry, never the response.
// Requests for the same key from one process wait for each other, so
// concurrent duplicates cost one call.
func Cache(r runners.Runner, dir string) (runners.Runner, error) {
	id, ok := runners.Find[runners.Identifier](r)
	if !ok || id.Identity() == "" {
		return r, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("response cache: %w", err)
	}
	return &CacheRunner{inner: r, id: id, dir: dir, pending: map[string]chan struct{}{}}, nil
}

// Name is the inner runner's name.
func (c *CacheRunner) Name() string { return c.inner.Name() }

// Unwrap returns the inner runner.
func (c *CacheRunner) Unwrap() runners.Runner { return c.inner }

// Dir is where the entries are.
func (c *CacheRunner) Dir() string { return c.dir }

// Stats returns the counts so far.
func (c *CacheRunner) Stats() CacheStats {
	return CacheStats{
		Hits:        c.hits.Load(),
		Misses:      c.misses.Load(),
		Writes:      c.writes.Load(),
		Bad:         c.bad.Load(),
		WriteErrors: c.writeErrs.Load(),
	}
}

// cacheKey is what a key hashes and what an entry repeats for checking.
type cacheKey struct {
	Version  int             `json:"v"`
	Identity string          `json:"identity"`
	Request  runners.Request `json:"request"`
}

// cacheEntry is one file: the key's canonical bytes as they were hashed,
// then the response.
type cacheEntry struct {
	Key      json.RawMessage  `json:"key"`
	Response runners.Response `json:"response"`
}

// CacheKey returns the hex key of a request to a model of the given
// identity, and the canonical bytes it hashes.
func CacheKey(identity string, req runners.Request) (string, []byte) {
	b, _ := json.Marshal(cacheKey{Version: cacheVersion, Identity: identity, Request: req}) // plain structs: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), b
}

func (c *CacheRunner) path(key string) string {
	return filepath.Join(c.dir, key[:2], key+".json")
}

// Generate answers from the cache, or asks the inner runner and stores a
// successful answer.
func (c *CacheRunner) Generate(ctx context.Context, req runners.Request) (runners.Response, error) {
	if err := ctx.Err(); err != nil {
		return runners.Response{}, err
	}
	identity := c.id.Identity()
	if identity == "" {
		c.misses.Add(1)
		return c.inner.Generate(ctx, req)
	}
	key, canon := CacheKey(identity, req)
	release, err := c.claim(ctx, key)
	if err != nil {
		return runners.Response{}, err
	}
	defer release()

	path := c.path(key)
	if resp, ok := c.load(path, canon); ok {
		c.hits.Add(1)
		return resp, nil
	}
	c.misses.Add(1)
	resp, err := c.inner.Generate(ctx, req)
	if err != nil {
		return resp, err
	}
	c.store(path, canon, resp)
	return resp, nil
}

// claim waits until no other goroutine of this process is fetching key,
// then marks it as ours until release is called.
func (c *CacheRunner) claim(ctx context.Context, key string) (release func(), err error) {
	for {
		c.mu.Lock()
		ch, busy := c.pending[key]
		if !busy {
			ch = make(chan struct{})
			c.pending[key] = ch
			c.mu.Unlock()
			return func() {
				c.mu.Lock()
				delete(c.pending, key)
				c.mu.Unlock()
				close(ch)
			}, nil
		}
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ch:
		}
	}
}

// load reads an entry; any problem makes it a miss.
func (c *CacheRunner) load(path string, canon []byte) (runners.Response, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		if !os.IsNotExist(err) {
			c.bad.Add(1)
		}
		return runners.Response{}, false
	}
	var e cacheEntry
	if err := json.Unmarshal(b, &e); err != nil {
		c.bad.Add(1)
		return runners.Response{}, false
	}
	// Check the entry is for exactly this request: a truncated, hand-edited
	// or colliding file must not answer for another.
	if !bytes.Equal(e.Key, canon) {
		c.bad.Add(1)
		return runners.Response{}, false
	}
	resp := e.Response
	resp.Cached = true
	resp.Attempts = 0 // no request was sent for it
	return resp, true
}

// store writes an entry atomically (temporary file, then rename), so a
// reader sees a whole entry or none.
func (c *CacheRunner) store(path string, canon []byte, resp runners.Response) {
	e := cacheEntry{Key: canon, Response: resp}
	e.Response.Cached = false
	e.Response.Attempts = 0
	b, err := json.Marshal(e)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(path), 0o755)
	}
	if err == nil {
		err = results.WriteFileAtomic(path, append(b, '\n'))
	}
	if err != nil {
		c.writeErrs.Add(1)
		return
	}
	c.writes.Add(1)
}
