package longctx

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Exact solvers, one per task, that read nothing but the prompt. They are
// the check that every generated question is well posed: if a plain
// program cannot recover the references from the text, neither should a
// model be expected to. `tasks check ruler` runs them on every instance.

func solve(task, prompt string) ([]string, error) {
	switch {
	case strings.HasPrefix(task, "niah_"):
		return solveNIAH(prompt)
	case task == "vt":
		return solveVT(prompt)
	case task == "cwe":
		return solveCWE(prompt)
	case task == "fwe":
		return solveFWE(prompt), nil
	case task == "qa_1" || task == "qa_2":
		return solveQA(prompt)
	}
	return nil, fmt.Errorf("no solver for %q", task)
}

// between returns the text after the last occurrence of start, up to end.
func between(s, start, end string) (string, bool) {
	i := strings.LastIndex(s, start)
	if i < 0 {
		return "", false
	}
	v, _, ok := strings.Cut(s[i+len(start):], end)
	return v, ok
}

func solveNIAH(prompt string) ([]string, error) {
	q, ok := between(prompt, "does the passage above give for ", "?")
	if !ok {
		return nil, errors.New("no question")
	}
	keys := strings.Split(strings.ReplaceAll(q, " and ", ", "), ", ")
	body, _, _ := strings.Cut(prompt, "\n\nWhich special magic")
	var out []string
	for rest := body; ; {
		i := strings.Index(rest, "One of the special magic ")
		if i < 0 {
			break
		}
		rest = rest[i:]
		_, after, _ := strings.Cut(rest, " for ")
		key, after, ok1 := strings.Cut(after, " is: ")
		value, _, ok2 := strings.Cut(after, ".")
		if !ok1 || !ok2 {
			return nil, errors.New("a needle without key or value")
		}
		for _, k := range keys {
			if k == key {
				out = append(out, value)
			}
		}
		rest = rest[1:]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no needle for %v", keys)
	}
	return out, nil
}

func solveVT(prompt string) ([]string, error) {
	_, q, _ := strings.Cut(prompt, "\n\nQuestion: ")
	_, v, _ := strings.Cut(q, "are assigned the value ")
	v, _, ok := strings.Cut(v, ",")
	if !ok {
		return nil, errors.New("no question")
	}
	type stmt struct{ name, src string }
	var stmts []stmt
	for rest := prompt; ; {
		i := strings.Index(rest, "VAR ")
		if i < 0 {
			break
		}
		line, _, _ := strings.Cut(rest[i+4:], ".")
		name, src, ok := strings.Cut(line, " = ")
		if !ok {
			return nil, fmt.Errorf("bad assignment %q", line)
		}
		stmts = append(stmts, stmt{name, src})
		rest = rest[i+4+len(line):]
	}
	holds := map[string]bool{v: true}
	var out []string
	for changed := true; changed; {
		changed = false
		for _, s := range stmts {
			src := strings.TrimPrefix(s.src, "VAR ")
			if !holds["var:"+s.name] && ((s.src == src && holds[src]) || (s.src != src && holds["var:"+src])) {
				holds["var:"+s.name] = true
				out = append(out, s.name)
				changed = true
			}
		}
	}
	return out, nil
}

func solveCWE(prompt string) ([]string, error) {
	k, ok := between(prompt, "What are the ", " most common words")
	n, err := strconv.Atoi(k)
	if !ok || err != nil {
		return nil, errors.New("no question")
	}
	words, err := parseNumberedList(prompt)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, w := range words {
		counts[w]++
	}
	top, ok := topWords(counts, n)
	if !ok {
		return nil, errors.New("a tie at the cut")
	}
	return top, nil
}

func solveFWE(prompt string) []string {
	_, rest, _ := strings.Cut(prompt, "\n\n")
	body, _, _ := strings.Cut(rest, "\n\nQuestion:")
	counts := map[string]int{}
	for _, w := range strings.Fields(body) {
		if w != fweDots {
			counts[w]++
		}
	}
	top, _ := topWords(counts, fweAnswers)
	return top
}

// solveQA answers the generated questions by following the documents'
// fixed sentence forms.
func solveQA(prompt string) ([]string, error) {
	q, ok := between(prompt, "\n\nQuestion: ", "\n")
	if !ok {
		return nil, errors.New("no question")
	}
	fact := func(subject, verb, end string) (string, bool) {
		i := strings.Index(prompt, subject+verb)
		if i < 0 {
			return "", false
		}
		v, _, ok := strings.Cut(prompt[i+len(subject+verb):], end)
		return v, ok
	}
	employer := func(a string) (string, bool) {
		s, ok := fact(a, " works as ", ".")
		if !ok {
			return "", false
		}
		_, firm, ok := strings.Cut(s, " at ")
		firm, _, _ = strings.Cut(firm, " and plays")
		return firm, ok
	}
	var ans string
	switch {
	case strings.HasPrefix(q, "In which city is the company that "):
		a := strings.TrimSuffix(strings.TrimPrefix(q, "In which city is the company that "), " works for based?")
		if firm, ok1 := employer(a); ok1 {
			ans, ok = fact(firm, " is based in ", ".")
		}
	case strings.HasPrefix(q, "In which city was "):
		ans, ok = fact(strings.TrimSuffix(strings.TrimPrefix(q, "In which city was "), " born?"), " was born in ", ".")
	case strings.HasPrefix(q, "Which company does "):
		ans, ok = employer(strings.TrimSuffix(strings.TrimPrefix(q, "Which company does "), " work for?"))
	case strings.HasPrefix(q, "Which instrument does "):
		var s string
		if s, ok = fact(strings.TrimSuffix(strings.TrimPrefix(q, "Which instrument does "), " play?"), " works as ", "."); ok {
			_, ans, ok = strings.Cut(s, " and plays the ")
		}
	default:
		return nil, fmt.Errorf("unknown question %q", q)
	}
	if !ok || ans == "" {
		return nil, fmt.Errorf("no answer to %q", q)
	}
	return []string{ans}, nil
}
