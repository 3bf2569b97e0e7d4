package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/engrambench/engrambench/runners"
)

// The /tokenize dialects, tried in this order from the one that last
// worked: vLLM and SGLang take {"model","prompt"} and answer
// {"tokens","count"}; llama.cpp takes {"content"} and answers {"tokens"}
// (given "prompt" it answers an empty list, which is taken as a refusal);
// TGI takes {"inputs"} and answers a list of token objects.
const (
	flavourVLLM = iota
	flavourLlama
	flavourTGI
	flavours
)

// CountTokens counts text's tokens with the server's own tokenizer, via
// POST {url without /v1}/tokenize. A server without one gives an error
// wrapping ErrNoTokenize, so callers can fall back to a client tokenizer.
// Counts include the special tokens a server adds (vLLM adds BOS).
func (r *Runner) CountTokens(ctx context.Context, text string) (int, error) {
	if text == "" {
		return 0, nil
	}
	start := int(r.flavour.Load())
	var first error
	for i := range flavours {
		f := (start + i) % flavours
		n, err := r.tokenize(ctx, f, text)
		if err == nil {
			r.flavour.Store(int32(f))
			return n, nil
		}
		if !errors.Is(err, errDialect) || ctx.Err() != nil {
			return 0, err
		}
		if first == nil {
			first = err // the form that worked before says most
		}
	}
	return 0, fmt.Errorf("openai: /tokenize accepted none of the known request forms: %w", first)
}

// errDialect marks a /tokenize answer that means "not this request form".
var errDialect = errors.New("not this /tokenize dialect")

func (r *Runner) tokenize(ctx context.Context, flavour int, text string) (int, error) {
	var req any
	switch flavour {
	case flavourVLLM:
		req = map[string]string{"model": r.model, "prompt": text}
	case flavourLlama:
		req = map[string]string{"content": text}
	default:
		req = map[string]string{"inputs": text}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	x := r.begin(ctx)
	defer x.end()
	url := r.root + "/tokenize"
	res, err := x.do(r, http.MethodPost, url, body, false)
	if err != nil {
		return 0, x.fail(err)
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		err := r.statusError(res)
		if strings.Contains(err.Error(), "model") {
			return 0, err // vLLM answers 404 for a model it does not serve
		}
		return 0, fmt.Errorf("openai: %w (HTTP %d from %s)", ErrNoTokenize, res.StatusCode, url)
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return 0, fmt.Errorf("%w: %w", errDialect, r.statusError(res))
	default:
		return 0, x.fail(r.statusError(res))
	}
	b, err := x.readAll(res.Body)
	if err != nil {
		return 0, x.fail(err)
	}
	if len(b) > 0 && b[0] == '[' { // TGI
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return 0, protocolError("/tokenize response", err)
		}
		return len(list), nil
	}
	var out struct {
		Count  *int              `json:"count"`
		Tokens []json.RawMessage `json:"tokens"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return 0, protocolError("/tokenize response", err)
	}
	switch {
	case out.Count != nil:
		return *out.Count, nil
	case len(out.Tokens) > 0:
		return len(out.Tokens), nil
	}
	return 0, fmt.Errorf("%w: no tokens for a non-empty text", errDialect)
}

// PromptLogprobs scores text under the model: a request to /completions
// with echo, logprobs=1 and max_tokens=1, whose log-probabilities cover
// the prompt and then the one generated token, which is dropped. With the
// prompt_logprobs parameter it asks for vLLM's prompt_logprobs=0 instead
// (the prompt tokens alone); either form is read from whichever the
// response carries. A server that does not echo (llama.cpp) gives an
// error, never a partial list.
func (r *Runner) PromptLogprobs(ctx context.Context, text string) ([]runners.TokenLogprob, error) {
	if text == "" {
		return nil, errors.New("openai: no text to score")
	}
	w := wireRequest{Model: r.model, Prompt: &text, MaxTokens: 1}
	if !r.replaced["temperature"] {
		zero := 0.0
		w.Temperature = &zero
	}
	if r.vllmLogp {
		n := 0
		w.PromptLogprobs = &n
	} else {
		w.Echo, w.Logprobs = true, 1
	}
	body, err := r.encode(&w)
	if err != nil {
		return nil, err
	}
	x := r.begin(ctx)
	defer x.end()
	res, err := x.do(r, http.MethodPost, r.base+"/completions", body, false)
	if err != nil {
		return nil, x.fail(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, x.fail(r.statusError(res))
	}
	b, err := x.readAll(res.Body)
	if err != nil {
		return nil, x.fail(err)
	}
	return r.parseLogprobs(b, text)
}

// vllmLogprob is one entry of vLLM's prompt_logprobs.
type vllmLogprob struct {
	Logprob      float64 `json:"logprob"`
	Rank         int     `json:"rank"`
	DecodedToken string  `json:"decoded_token"`
}

func (r *Runner) parseLogprobs(b []byte, text string) ([]runners.TokenLogprob, error) {
	var resp struct {
		Choices []struct {
			Logprobs *struct {
				Tokens        []string   `json:"tokens"`
				TokenLogprobs []*float64 `json:"token_logprobs"`
				TextOffset    []int      `json:"text_offset"`
			} `json:"logprobs"`
			PromptLogprobs []map[string]vllmLogprob `json:"prompt_logprobs"`
		} `json:"choices"`
		PromptLogprobs []map[string]vllmLogprob `json:"prompt_logprobs"` // vLLM's chat responses put it here
		Usage          *wireUsage               `json:"usage"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return nil, protocolError("logprobs response", fmt.Errorf("%v in %s", err, r.quote(b)))
	}
	if len(resp.Choices) == 0 {
		return nil, protocolError("logprobs response", errors.New("no choices"))
	}
	c := resp.Choices[0]
	if lp := c.Logprobs; lp != nil && len(lp.Tokens) > 0 {
		if len(lp.TokenLogprobs) != len(lp.Tokens) {
			return nil, protocolError("logprobs response", fmt.Errorf("%d tokens but %d log-probabilities", len(lp.Tokens), len(lp.TokenLogprobs)))
		}
		n := promptLen(len(lp.Tokens), lp.TextOffset, len(text), resp.Usage)
		if n > 0 {
			out := make([]runners.TokenLogprob, n)
			for i := range n {
				out[i].Token = lp.Tokens[i]
				if p := lp.TokenLogprobs[i]; p != nil {
					out[i].Logprob, out[i].OK = *p, true
				}
			}
			return out, nil
		}
	}
	list := c.PromptLogprobs
	if len(list) == 0 {
		list = resp.PromptLogprobs
	}
	if len(list) > 0 {
		out := make([]runners.TokenLogprob, len(list))
		for i, entry := range list {
			// With prompt_logprobs=k, vLLM lists the top k and, when it is
			// not among them, the prompt's own token, which then has the
			// largest rank. k=0 lists the prompt's token alone.
			best, found := vllmLogprob{}, false
			for _, e := range entry {
				if !found || e.Rank > best.Rank {
					best, found = e, true
				}
			}
			if found {
				out[i] = runners.TokenLogprob{Token: best.DecodedToken, Logprob: best.Logprob, OK: true}
			}
		}
		return out, nil
	}
	return nil, &runners.RequestError{Class: runners.ClassClient, Err: errors.New("server returned no prompt log-probabilities: it may not support echo; for vLLM set prompt_logprobs=true")}
}

// promptLen is how many of the echoed tokens belong to the prompt: those
// that start inside it when the server gives offsets, else the server's
// prompt token count. 0 means the prompt was not echoed.
func promptLen(tokens int, offsets []int, textLen int, u *wireUsage) int {
	if len(offsets) == tokens {
		n := 0
		for n < tokens && offsets[n] < textLen {
			n++
		}
		return n
	}
	if u != nil && u.PromptTokens > 0 && u.PromptTokens <= tokens {
		return u.PromptTokens
	}
	return 0
}
