package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/engrambench/engrambench/engram/store"
)

// Server serves a store's rows.
type Server struct {
	store   *store.Store
	limits  Limits
	threads int
	bufs    sync.Pool // *buffers
}

type buffers struct {
	body []byte
	ids  []uint32
	out  []byte
}

// New serves s. threads caps the cores one request's gather uses (0: the
// store's default); limits bound a request.
func New(s *store.Store, threads int, limits Limits) *Server {
	return &Server{store: s, threads: threads, limits: limits.withDefaults()}
}

// Handler routes the endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/rows", s.rows)
	mux.HandleFunc("POST /v1/rows.json", s.rowsJSON)
	mux.HandleFunc("GET /v1/info", s.info)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	return mux
}

// ListenLoopback listens on addr, which must be a loopback address (the
// tables are served to the same host only); port 0 picks a free one.
func ListenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == "localhost" {
		host = "127.0.0.1"
		_, port, _ := net.SplitHostPort(addr)
		addr = net.JoinHostPort(host, port)
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("serve: %s is not a loopback address; the store is served to this host only", addr)
	}
	return net.Listen("tcp", addr)
}

func (s *Server) getBufs() *buffers {
	if b, ok := s.bufs.Get().(*buffers); ok {
		return b
	}
	return &buffers{}
}

// readBody reads the whole body, reusing b's storage, refusing more
// than max bytes.
func readBody(r *http.Request, b []byte, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, fmt.Errorf("%w: body of %d bytes is over %d", errBadRequest, r.ContentLength, max)
	}
	buf := bytes.NewBuffer(b[:0])
	n, err := buf.ReadFrom(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, fmt.Errorf("%w: body over %d bytes", errBadRequest, max)
	}
	return buf.Bytes(), nil
}

func (s *Server) maxBody() int64 {
	return int64(24 + 4*s.limits.MaxLayers + 4*s.limits.MaxIDs)
}

func fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, errBadRequest) {
		code = http.StatusBadRequest
	}
	http.Error(w, err.Error(), code)
}

func (s *Server) gather(b *buffers, req store.Request) ([]byte, error) {
	if err := s.store.Check(req); err != nil {
		return nil, fmt.Errorf("%w: %v", errBadRequest, err)
	}
	n := s.store.OutputBytes(req)
	if cap(b.out) < n {
		b.out = make([]byte, n)
	}
	out := b.out[:n]
	threads := s.threads
	if threads <= 0 {
		threads = s.store.Threads()
	}
	if err := s.store.GatherThreads(out, req, threads); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) rows(w http.ResponseWriter, r *http.Request) {
	b := s.getBufs()
	defer s.bufs.Put(b)
	body, err := readBody(r, b.body, s.maxBody())
	if err != nil {
		fail(w, err)
		return
	}
	b.body = body
	req, err := DecodeRequest(body, s.limits, b.ids)
	if err != nil {
		fail(w, err)
		return
	}
	b.ids = req.IDs
	out, err := s.gather(b, req)
	if err != nil {
		fail(w, err)
		return
	}
	var h [ResponseHeaderBytes]byte
	putResponseHeader(h[:], s.store.DType(), s.store.Shape(req))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", fmt.Sprint(len(h)+len(out)))
	w.Write(h[:])
	w.Write(out)
}

// JSONRequest is the debugging form of a request: each sequence lists its
// context then its looked-up tokens; all are equally long.
type JSONRequest struct {
	Sequences [][]uint32 `json:"sequences"`
	// Tokens is how many trailing ids of each sequence are looked up;
	// 0 means all of them.
	Tokens int   `json:"tokens,omitempty"`
	Layers []int `json:"layers,omitempty"`
}

// JSONResponse carries rows as numbers.
type JSONResponse struct {
	Shape store.Shape `json:"shape"` // batch, tokens, rows per token, head width
	DType string      `json:"dtype"`
	Rows  []float32   `json:"rows"` // row-major over Shape
}

func (s *Server) rowsJSON(w http.ResponseWriter, r *http.Request) {
	var jr JSONRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 16*s.maxBody()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&jr); err != nil {
		fail(w, fmt.Errorf("%w: %v", errBadRequest, err))
		return
	}
	req := store.Request{Batch: len(jr.Sequences), Layers: jr.Layers}
	if len(jr.Sequences) > 0 {
		n := len(jr.Sequences[0])
		req.Tokens = n
		if jr.Tokens > 0 {
			req.Tokens = jr.Tokens
		}
		req.Context = n - req.Tokens
		if req.Context < 0 {
			fail(w, fmt.Errorf("%w: tokens %d is longer than the sequences (%d)", errBadRequest, req.Tokens, n))
			return
		}
		for i, seq := range jr.Sequences {
			if len(seq) != n {
				fail(w, fmt.Errorf("%w: sequence %d has %d ids, sequence 0 has %d", errBadRequest, i, len(seq), n))
				return
			}
			req.IDs = append(req.IDs, seq...)
		}
	}
	if req.Batch*req.Tokens > s.limits.MaxPositions {
		fail(w, fmt.Errorf("%w: %d positions is over %d", errBadRequest, req.Batch*req.Tokens, s.limits.MaxPositions))
		return
	}
	b := s.getBufs()
	defer s.bufs.Put(b)
	out, err := s.gather(b, req)
	if err != nil {
		fail(w, err)
		return
	}
	resp := JSONResponse{Shape: s.store.Shape(req), DType: s.store.DType().String()}
	resp.Rows = make([]float32, resp.Shape.Elems())
	store.ToFloat32(resp.Rows, out, s.store.DType())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// Info describes what the server holds.
type Info struct {
	Model        string   `json:"model"`
	DType        string   `json:"dtype"`
	HeadWidth    int      `json:"head_width"`
	RowBytes     int      `json:"row_bytes"`
	Layers       []int    `json:"layers"` // host layer ids, in request index order
	RowsPerLayer int      `json:"rows_per_token_per_layer"`
	MaxOrder     int      `json:"max_order"`
	Heads        int      `json:"heads"`
	TableRows    int64    `json:"table_rows"`
	Vocab        int      `json:"vocab"`            // |V|
	Compressed   int      `json:"compressed_vocab"` // |V'|
	PadID        uint32   `json:"pad_compressed_id"`
	FileBacked   bool     `json:"file_backed"`
	Protocol     string   `json:"protocol"`
	Limits       Limits   `json:"limits"`
	Notes        []string `json:"notes,omitempty"`
}

// Info returns the server's description.
func (s *Server) Info() Info {
	m := s.store.Model()
	return Info{
		Model: m.Name, DType: s.store.DType().String(), HeadWidth: s.store.Width(), RowBytes: s.store.RowBytes(),
		Layers: m.LayerIDs, RowsPerLayer: m.SlotsPerLayer(), MaxOrder: m.MaxOrder, Heads: m.Heads,
		TableRows: s.store.Layout().Rows, Vocab: s.store.Compression().VocabSize(), Compressed: s.store.Compression().Size(),
		PadID: s.store.Compression().Pad(), FileBacked: s.store.Table().FileBacked(),
		Protocol: "POST /v1/rows (binary, see package engram/serve), POST /v1/rows.json", Limits: s.limits, Notes: m.Notes,
	}
}

func (s *Server) info(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(s.Info())
}
