package coding

import (
	"go/scanner"
	"go/token"
	"regexp"
	"strings"
)

// goStops end a completion-style continuation of a Go function.
var goStops = []string{"\nfunc ", "\ntype ", "\nvar ", "\nconst ", "\n// ", "\n```"}

// goFile describes where a Go function-level answer goes.
type goFile struct {
	pkg      string            // package the file must declare
	prompt   string            // package clause, imports, doc and "func Entry(...) T {\n"
	entry    string            // function name
	file     string            // the file the code is written to
	suffix   string            // appended to that file (MultiPL-E puts the tests there)
	extra    map[string]string // other files: go.mod, hidden tests
	expected int               // hidden Test functions
	stops    []string
}

// goFunction builds jobs for a function-level Go problem. The answer may
// be a whole file (its package clause is set to the expected one), the
// function with or without imports (it replaces the stub: it follows the
// prompt's package clause and imports), or the body alone (it continues
// the prompt; cut at the stop sequences when unfenced, closing braces
// added when missing). Imports are then made to match use, as goimports
// would.
func goFunction(g goFile) func(string) (job, string, error) {
	return func(answer string) (job, string, error) {
		code, fenced, ok := CodeFor(answer, "go", g.entry)
		if !ok {
			return job{}, "", malformed("the answer has code blocks but none in Go")
		}
		var src string
		switch {
		case packageRE.MatchString(code):
			if !fenced {
				code = dropLeadingProse(code, "go")
			}
			src = setPackage(code, g.pkg)
		case definesEntry(code, "go", g.entry):
			if !fenced {
				code = dropLeadingProse(code, "go")
			}
			src = goHeader(g.prompt, g.entry) + "\n" + code
		default:
			if !fenced {
				code = truncateAtStops(code, g.stops)
			}
			src = g.prompt + code
			src += strings.Repeat("}\n", openBraces(src))
		}
		if g.suffix != "" {
			src = strings.TrimRight(src, "\n") + "\n\n" + g.suffix
		}
		src = fixImports(src)
		files := map[string]string{g.file: src}
		for k, v := range g.extra {
			files[k] = v
		}
		return job{lang: "go", files: files, expected: g.expected}, code, nil
	}
}

// goHeader is the prompt up to the stub's signature (package clause,
// imports, doc comment).
func goHeader(prompt, entry string) string {
	re := regexp.MustCompile(`(?m)^func\s+` + regexp.QuoteMeta(entry) + `\s*[\[(]`)
	if loc := re.FindStringIndex(prompt); loc != nil {
		return prompt[:loc[0]]
	}
	return prompt
}

// openBraces counts the braces src opens and does not close, ignoring
// strings, runes and comments.
func openBraces(src string) int {
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("x.go", -1, len(src))
	s.Init(file, []byte(src), nil, scanner.ScanComments)
	depth := 0
	for {
		_, tok, _ := s.Scan()
		switch tok {
		case token.EOF:
			return max(depth, 0)
		case token.LBRACE:
			depth++
		case token.RBRACE:
			depth--
		}
	}
}

// goMod is the module file of a candidate.
func goMod(module string) string { return "module " + module + "\n\ngo 1.21\n" }
