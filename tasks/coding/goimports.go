package coding

import (
	"bytes"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// stdImports maps the name a Go file uses for a standard package to its
// import path, for fixImports. Only packages a small solution plausibly
// uses are listed; ambiguous names (rand, template) take the common one.
var stdImports = map[string]string{
	"bufio": "bufio", "bytes": "bytes", "cmp": "cmp", "context": "context", "errors": "errors",
	"fmt": "fmt", "io": "io", "iter": "iter", "maps": "maps", "math": "math", "os": "os",
	"path": "path", "reflect": "reflect", "regexp": "regexp", "slices": "slices", "sort": "sort",
	"strconv": "strconv", "strings": "strings", "sync": "sync", "time": "time", "unicode": "unicode",
	"utf8": "unicode/utf8", "bits": "math/bits", "big": "math/big", "rand": "math/rand",
	"heap": "container/heap", "list": "container/list", "json": "encoding/json",
	"filepath": "path/filepath", "atomic": "sync/atomic", "cmplx": "math/cmplx",
	"hex": "encoding/hex", "base64": "encoding/base64", "binary": "encoding/binary",
	"csv": "encoding/csv", "sha256": "crypto/sha256", "md5": "crypto/md5", "testing": "testing",
	"tabwriter": "text/tabwriter", "utf16": "unicode/utf16", "ring": "container/ring",
	"net": "net", "http": "net/http", "url": "net/url", "exec": "os/exec", "signal": "os/signal",
}

// fixImports makes a Go file's imports match its use of standard
// packages, as goimports would for the common cases: a model that calls
// strings.Fields without importing strings, or that leaves an import
// unused, would otherwise fail on a detail no test is about. Files that
// do not parse are returned unchanged (the compiler will say why).
func fixImports(src string) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return src
	}
	declared := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				declared[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					declared[s.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range s.Names {
						declared[n.Name] = true
					}
				}
			}
		}
	}
	// Names used as X in X.Sel. Local variables can shadow a package name;
	// collect the identifiers bound anywhere in the file to be safe.
	used := map[string]bool{}
	bound := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						bound[id.Name] = true
					}
				}
			}
		case *ast.Field:
			for _, id := range n.Names {
				bound[id.Name] = true
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				bound[id.Name] = true
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok {
					bound[id.Name] = true
				}
			}
		}
		return true
	})
	have := map[string]string{} // name → path
	var keep []string           // import lines to keep, as source
	changed := false
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		line := strconv.Quote(p)
		if imp.Name != nil {
			line = imp.Name.Name + " " + line
		}
		if name == "_" || name == "." || used[name] || strings.Contains(p, ".") {
			have[name] = p
			keep = append(keep, line)
			continue
		}
		changed = true // unused import dropped
	}
	for name := range used {
		p, ok := stdImports[name]
		if !ok || declared[name] || bound[name] {
			continue
		}
		if _, ok := have[name]; ok {
			continue
		}
		keep = append(keep, strconv.Quote(p))
		have[name] = p
		changed = true
	}
	if !changed {
		return src
	}
	sort.Strings(keep)
	// Rebuild: the package clause and what precedes the first import or
	// declaration, a fresh import block, then the rest of the file.
	start := fset.Position(f.Name.End()).Offset
	end := start
	if len(f.Imports) > 0 {
		last := f.Decls[0]
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
				last = d
			}
		}
		end = fset.Position(last.End()).Offset
	}
	var b bytes.Buffer
	b.WriteString(src[:start])
	b.WriteString("\n")
	if len(keep) > 0 {
		b.WriteString("\nimport (\n")
		for _, k := range keep {
			b.WriteString("\t" + k + "\n")
		}
		b.WriteString(")\n")
	}
	b.WriteString(src[end:])
	out, err := format.Source(b.Bytes())
	if err != nil {
		return src
	}
	return string(out)
}

var packageRE = regexp.MustCompile(`(?m)^package\s+([A-Za-z_][A-Za-z0-9_]*)`)

// setPackage makes a Go file declare package name, adding the clause when
// the code has none.
func setPackage(code, name string) string {
	if loc := packageRE.FindStringSubmatchIndex(code); loc != nil {
		return code[:loc[2]] + name + code[loc[3]:]
	}
	return "package " + name + "\n\n" + code
}
