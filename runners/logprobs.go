package runners

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// EncodeLogprobs writes prompt log-probabilities as the text a response to a
// PromptLogprobs request carries (the executor writes it; longppl reads it): a header line, then one line per token, the
// log-probability ("-" where there is none) and the token quoted.
func EncodeLogprobs(lps []TokenLogprob) string {
	var b strings.Builder
	b.WriteString(LogprobHeader)
	for _, t := range lps {
		b.WriteByte('\n')
		if t.OK {
			b.WriteString(strconv.FormatFloat(t.Logprob, 'g', -1, 64))
		} else {
			b.WriteByte('-')
		}
		b.WriteByte('\t')
		b.WriteString(strconv.Quote(t.Token))
	}
	return b.String()
}

const LogprobHeader = "#prompt-logprobs v1"

// DecodeLogprobs reads what EncodeLogprobs wrote.
func DecodeLogprobs(s string) ([]TokenLogprob, error) {
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() || sc.Text() != LogprobHeader {
		return nil, errors.New("not prompt log-probabilities (no " + LogprobHeader + " header)")
	}
	var out []TokenLogprob
	for line := 2; sc.Scan(); line++ {
		lp, tok, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			return nil, fmt.Errorf("log-probabilities line %d: no tab", line)
		}
		t := TokenLogprob{}
		var err error
		if t.Token, err = strconv.Unquote(tok); err != nil {
			return nil, fmt.Errorf("log-probabilities line %d: token %s: %v", line, tok, err)
		}
		if lp != "-" {
			if t.Logprob, err = strconv.ParseFloat(lp, 64); err != nil || t.Logprob > 0 || math.IsNaN(t.Logprob) {
				return nil, fmt.Errorf("log-probabilities line %d: bad log-probability %q", line, lp)
			}
			t.OK = true
		}
		out = append(out, t)
	}
	return out, sc.Err()
}
