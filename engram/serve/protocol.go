// Package serve puts an Engram store behind HTTP on loopback, so that an
// inference engine on the same host can keep its tables in host RAM (like
// the EngramStore interfaces proposed for SGLang): token ids in, rows out.
//
// Two forms of one request:
//
//	POST /v1/rows        binary (application/octet-stream), compact
//	POST /v1/rows.json   JSON, for debugging
//	GET  /v1/info        the model, dtype, shapes, |V| and |V'| as JSON
//	GET  /healthz        "ok"
//
// The binary request, all integers little-endian:
//
//	"EGRQ"  u16 version (1)  u16 flags (0)
//	u32 batch  u32 tokens  u32 context  u32 nlayers  nlayers x u32 layer index
//	batch x (context+tokens) x u32 raw token ids
//
// nlayers 0 means every Engram layer. The response:
//
//	"EGRS"  u16 version (1)  u16 dtype (1 bf16, 2 fp16, 3 fp32)
//	u32 batch  u32 tokens  u32 rows per token  u32 head width
//	batch x tokens x rows per token x head width elements
//
// An error is an HTTP 4xx or 5xx status with a one-line text body.
package serve

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/engrambench/engrambench/engram"
	"github.com/engrambench/engrambench/engram/store"
)

// Wire constants.
const (
	RequestMagic  = "EGRQ"
	ResponseMagic = "EGRS"
	Version       = 1
	// ResponseHeaderBytes is the size of a response's header.
	ResponseHeaderBytes = 24
)

// dtypeCode numbers the element types on the wire.
func dtypeCode(d engram.DType) uint16 { return uint16(d) }

// DTypeOf reads a wire dtype code.
func DTypeOf(code uint16) (engram.DType, error) {
	d := engram.DType(code)
	if d.Size() == 0 {
		return 0, fmt.Errorf("unknown dtype code %d", code)
	}
	return d, nil
}

// AppendRequest encodes r onto b.
func AppendRequest(b []byte, r store.Request) []byte {
	b = append(b, RequestMagic...)
	b = binary.LittleEndian.AppendUint16(b, Version)
	b = binary.LittleEndian.AppendUint16(b, 0)
	for _, v := range []int{r.Batch, r.Tokens, r.Context, len(r.Layers)} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	for _, l := range r.Layers {
		b = binary.LittleEndian.AppendUint32(b, uint32(l))
	}
	for _, id := range r.IDs {
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	return b
}

// Limits bound what one request may ask for.
type Limits struct {
	MaxPositions int `json:"max_positions"` // batch x tokens; default 1<<20
	MaxIDs       int `json:"max_ids"`       // batch x (context + tokens); default 4<<20
	MaxLayers    int `json:"max_layers"`    // default 1024
}

func (l Limits) withDefaults() Limits {
	if l.MaxPositions <= 0 {
		l.MaxPositions = 1 << 20
	}
	if l.MaxIDs <= 0 {
		l.MaxIDs = 4 << 20
	}
	if l.MaxLayers <= 0 {
		l.MaxLayers = 1024
	}
	return l
}

// errBadRequest marks a request's own fault.
var errBadRequest = errors.New("bad request")

// DecodeRequest reads a binary request, the ids into ids' storage when it
// is large enough.
func DecodeRequest(body []byte, lim Limits, ids []uint32) (store.Request, error) {
	lim = lim.withDefaults()
	bad := func(format string, a ...any) (store.Request, error) {
		return store.Request{}, fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, a...))
	}
	if len(body) < 24 || string(body[:4]) != RequestMagic {
		return bad("not an %s request", RequestMagic)
	}
	if v := binary.LittleEndian.Uint16(body[4:]); v != Version {
		return bad("protocol version %d, want %d", v, Version)
	}
	u := func(i int) uint64 { return uint64(binary.LittleEndian.Uint32(body[8+4*i:])) }
	batch, tokens, ctx, nl := u(0), u(1), u(2), u(3)
	if nl > uint64(lim.MaxLayers) {
		return bad("%d layers", nl)
	}
	if batch*tokens > uint64(lim.MaxPositions) || batch*(ctx+tokens) > uint64(lim.MaxIDs) {
		return bad("batch %d x (context %d + tokens %d) is over the limits (%d positions, %d ids)", batch, ctx, tokens, lim.MaxPositions, lim.MaxIDs)
	}
	n := batch * (ctx + tokens)
	at := uint64(24)
	if want := at + 4*nl + 4*n; uint64(len(body)) != want {
		return bad("body is %d bytes, want %d", len(body), want)
	}
	r := store.Request{Batch: int(batch), Tokens: int(tokens), Context: int(ctx)}
	if nl > 0 {
		r.Layers = make([]int, nl)
		for i := range r.Layers {
			r.Layers[i] = int(binary.LittleEndian.Uint32(body[at:]))
			at += 4
		}
	}
	if uint64(cap(ids)) >= n {
		ids = ids[:n]
	} else {
		ids = make([]uint32, n)
	}
	for i := range ids {
		ids[i] = binary.LittleEndian.Uint32(body[at:])
		at += 4
	}
	r.IDs = ids
	return r, nil
}

// Response is a decoded binary response.
type Response struct {
	DType engram.DType
	Shape store.Shape
	Rows  []byte // Shape.Elems() elements of DType, little-endian
}

// ReadResponse reads a binary response; buf's storage is reused for the
// rows when it is large enough.
func ReadResponse(r io.Reader, buf []byte) (Response, error) {
	var h [ResponseHeaderBytes]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Response{}, fmt.Errorf("response header: %w", err)
	}
	if string(h[:4]) != ResponseMagic {
		return Response{}, errors.New("not an engram rows response")
	}
	if v := binary.LittleEndian.Uint16(h[4:]); v != Version {
		return Response{}, fmt.Errorf("response version %d", v)
	}
	d, err := DTypeOf(binary.LittleEndian.Uint16(h[6:]))
	if err != nil {
		return Response{}, err
	}
	var sh store.Shape
	for i := range sh {
		sh[i] = int(binary.LittleEndian.Uint32(h[8+4*i:]))
	}
	n := sh.Elems() * d.Size()
	if n < 0 || n > 1<<34 {
		return Response{}, fmt.Errorf("response shape %v is implausible", sh)
	}
	if cap(buf) >= n {
		buf = buf[:n]
	} else {
		buf = make([]byte, n)
	}
	if _, err := io.ReadFull(r, buf); err != nil {
		return Response{}, fmt.Errorf("response rows: %w", err)
	}
	return Response{DType: d, Shape: sh, Rows: buf}, nil
}

func putResponseHeader(h []byte, d engram.DType, sh store.Shape) {
	copy(h, ResponseMagic)
	binary.LittleEndian.PutUint16(h[4:], Version)
	binary.LittleEndian.PutUint16(h[6:], dtypeCode(d))
	for i, v := range sh {
		binary.LittleEndian.PutUint32(h[8+4*i:], uint32(v))
	}
}
