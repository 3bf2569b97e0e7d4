package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/engram/store"
)

func smallStore(t testing.TB, d engram.DType) *store.Store {
	t.Helper()
	m, _ := engram.BuiltinModel("demo")
	m.Name = "small"
	m.Bases = []int64{2000, 2100}
	m.DMem = 16 * 8
	m.DType = d
	l, err := m.Layout()
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(l, engram.IdentityCompression(1000), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestBinaryRoundTrip(t *testing.T) {
	for _, d := range engram.DTypes {
		s := smallStore(t, d)
		srv := httptest.NewServer(New(s, 2, Limits{}).Handler())
		defer srv.Close()
		c := &Client{URL: srv.URL}
		rng := rand.New(rand.NewPCG(1, 2))
		for trial := range 10 {
			r := store.Request{Batch: 1 + rng.IntN(20), Tokens: 1 + rng.IntN(5), Context: rng.IntN(3)}
			if trial%2 == 1 {
				r.Layers = []int{1}
			}
			r.IDs = make([]uint32, r.Batch*(r.Context+r.Tokens))
			for i := range r.IDs {
				r.IDs[i] = rng.Uint32N(1000)
			}
			want := make([]byte, s.OutputBytes(r))
			if err := s.GatherNaive(want, r); err != nil {
				t.Fatal(err)
			}
			got, err := c.Rows(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			if got.DType != d || got.Shape != s.Shape(r) || !bytes.Equal(got.Rows, want) {
				t.Fatalf("%v trial %d: got %v %v, want %v %v, rows equal %v", d, trial, got.DType, got.Shape, d, s.Shape(r), bytes.Equal(got.Rows, want))
			}
		}
	}
}

func TestJSON(t *testing.T) {
	s := smallStore(t, engram.BF16)
	srv := httptest.NewServer(New(s, 1, Limits{}).Handler())
	defer srv.Close()
	body := `{"sequences": [[5, 6, 7], [8, 9, 10]], "tokens": 1}`
	resp, err := http.Post(srv.URL+"/v1/rows.json", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var jr JSONResponse
	if err := json.NewDecoder(resp.Body).Decode(&jr); err != nil {
		t.Fatal(err)
	}
	r := store.Request{Batch: 2, Tokens: 1, Context: 2, IDs: []uint32{5, 6, 7, 8, 9, 10}}
	raw := make([]byte, s.OutputBytes(r))
	s.GatherNaive(raw, r)
	want := make([]float32, len(raw)/2)
	store.ToFloat32(want, raw, engram.BF16)
	if jr.Shape != (store.Shape{2, 1, 32, 8}) || jr.DType != "bf16" || len(jr.Rows) != len(want) {
		t.Fatalf("shape %v dtype %s, %d values", jr.Shape, jr.DType, len(jr.Rows))
	}
	for i := range want {
		if jr.Rows[i] != want[i] {
			t.Fatalf("value %d: %v, want %v", i, jr.Rows[i], want[i])
		}
	}
	info, err := http.Get(srv.URL + "/v1/info")
	if err != nil {
		t.Fatal(err)
	}
	var in Info
	json.NewDecoder(info.Body).Decode(&in)
	info.Body.Close()
	if in.Model != "small" || in.RowsPerLayer != 16 || in.HeadWidth != 8 {
		t.Fatalf("info %+v", in)
	}
}

func TestBadRequests(t *testing.T) {
	s := smallStore(t, engram.BF16)
	srv := httptest.NewServer(New(s, 1, Limits{MaxPositions: 100}).Handler())
	defer srv.Close()
	post := func(path, ctype string, body []byte) int {
		resp, err := http.Post(srv.URL+path, ctype, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := AppendRequest(nil, store.Request{Batch: 1, Tokens: 2, IDs: []uint32{1, 2}})
	if c := post("/v1/rows", "application/octet-stream", good); c != 200 {
		t.Fatalf("good request: %d", c)
	}
	for name, body := range map[string][]byte{
		"short":     good[:10],
		"magic":     append([]byte("XXXX"), good[4:]...),
		"truncated": good[:len(good)-1],
		"too big":   AppendRequest(nil, store.Request{Batch: 101, Tokens: 1, IDs: make([]uint32, 101)}),
		"bad layer": AppendRequest(nil, store.Request{Batch: 1, Tokens: 1, IDs: []uint32{1}, Layers: []int{7}}),
		"long":      append(good, 0, 0, 0, 0),
	} {
		if c := post("/v1/rows", "application/octet-stream", body); c != 400 {
			t.Errorf("%s: status %d, want 400", name, c)
		}
	}
	for _, body := range []string{`{"sequences": [[1, 2], [3]]}`, `{"sequences": [[1]], "tokens": 2}`, `{"bogus": 1}`} {
		if c := post("/v1/rows.json", "application/json", []byte(body)); c != 400 {
			t.Errorf("%s: status %d, want 400", body, c)
		}
	}
}

func TestListenLoopback(t *testing.T) {
	for _, a := range []string{"0.0.0.0:0", "192.168.1.1:0", ":0"} {
		if l, err := ListenLoopback(a); err == nil {
			l.Close()
			t.Errorf("%s: listened", a)
		}
	}
	for _, a := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		l, err := ListenLoopback(a)
		if err != nil {
			if a == "[::1]:0" {
				continue // no IPv6 here
			}
			t.Fatalf("%s: %v", a, err)
		}
		l.Close()
	}
}

func TestLoadTest(t *testing.T) {
	s := smallStore(t, engram.BF16)
	srv := httptest.NewServer(New(s, 1, Limits{}).Handler())
	defer srv.Close()
	pts, err := LoadTest(context.Background(), LoadOptions{URL: srv.URL, Batches: []int{1, 64}, Concurrency: 2, Duration: 50 * time.Millisecond, Vocab: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pts {
		if p.Requests == 0 || p.Errors != 0 || !(p.P50 > 0 && p.P50 <= p.P99) || p.RowsPerSec <= 0 {
			t.Fatalf("%+v", p)
		}
	}
}

func BenchmarkServe(b *testing.B) {
	s := smallStore(b, engram.BF16)
	srv := httptest.NewServer(New(s, 0, Limits{}).Handler())
	defer srv.Close()
	for _, batch := range []int{1, 32, 1024} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			c := &Client{URL: srv.URL}
			r := store.Request{Batch: batch, Tokens: 1, Context: 2, IDs: make([]uint32, batch*3)}
			rng := rand.New(rand.NewPCG(1, 2))
			for b.Loop() {
				for i := range r.IDs {
					r.IDs[i] = rng.Uint32N(1000)
				}
				if _, err := c.Rows(context.Background(), r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
