package coding

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strconv"
	"strings"
	"unicode"
)

// concept is one function-level problem of our own, written once and
// asked in Python and in Go: a Go signature, a statement, a reference body
// per language and test cases as JSON (arguments => expected result),
// from which both languages' prompts and hidden tests are generated. The
// same cases in both languages make the two sets comparable.
type concept struct {
	file       string
	name       string // snake_case, the Python function's name
	difficulty int    // 1 easy, 2 medium, 3 hard
	doc        string // the statement, without examples
	goName     string
	params     []param
	result     string // Go type
	goImports  []string
	pyBody     string // indented 4 spaces
	goBody     string // indented one tab, without the closing brace
	cases      []testCase
	mutatePy   mutation
	mutateGo   mutation
}

type param struct{ name, goType string }

type testCase struct {
	args []any // decoded JSON, numbers as json.Number
	want any
	line int
}

func difficultyName(d int) string {
	switch d {
	case 1:
		return "easy"
	case 2:
		return "medium"
	}
	return "hard"
}

// parseConcept reads a concept file (see problems/README.md).
func parseConcept(file, data string) (*concept, error) {
	a, err := parseArchive(file, data)
	if err != nil {
		return nil, err
	}
	c := &concept{file: file, name: a.get("name")}
	if c.name == "" {
		return nil, fmt.Errorf("%s: no name", file)
	}
	if c.difficulty, err = strconv.Atoi(a.get("difficulty")); err != nil || c.difficulty < 1 || c.difficulty > 3 {
		return nil, fmt.Errorf("%s: difficulty must be 1, 2 or 3", file)
	}
	if err := c.parseSignature(a.get("signature")); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if im := a.get("imports"); im != "" {
		c.goImports = strings.Fields(im)
	}
	if c.doc, err = a.must("doc"); err != nil {
		return nil, err
	}
	c.doc = strings.TrimSpace(c.doc)
	if c.pyBody, err = a.must("py"); err != nil {
		return nil, err
	}
	if c.goBody, err = a.must("go"); err != nil {
		return nil, err
	}
	cases, err := a.must("cases")
	if err != nil {
		return nil, err
	}
	for i, l := range strings.Split(cases, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		tc, err := parseCase(l)
		if err != nil {
			return nil, fmt.Errorf("%s: case line %d: %w", file, i+1, err)
		}
		if len(tc.args) != len(c.params) {
			return nil, fmt.Errorf("%s: case line %d: %d arguments for %d parameters", file, i+1, len(tc.args), len(c.params))
		}
		tc.line = i + 1
		c.cases = append(c.cases, tc)
	}
	if len(c.cases) < 3 {
		return nil, fmt.Errorf("%s: want at least 3 cases, have %d", file, len(c.cases))
	}
	if c.mutatePy, err = parseMutation(a.get("mutate-py")); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if c.mutateGo, err = parseMutation(a.get("mutate-go")); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}

func parseCase(l string) (testCase, error) {
	a, b, ok := strings.Cut(l, " => ")
	if !ok {
		return testCase{}, fmt.Errorf("want ARGS => EXPECTED, got %q", l)
	}
	var args []any
	if err := decodeJSON(a, &args); err != nil {
		return testCase{}, fmt.Errorf("arguments %s: %v", a, err)
	}
	var want any
	if err := decodeJSON(b, &want); err != nil {
		return testCase{}, fmt.Errorf("expected %s: %v", b, err)
	}
	return testCase{args: args, want: want}, nil
}

func decodeJSON(s string, v any) error {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	return d.Decode(v)
}

func (c *concept) parseSignature(sig string) error {
	f, err := parser.ParseFile(token.NewFileSet(), "sig.go", "package p\n"+sig+" {}\n", 0)
	if err != nil || len(f.Decls) != 1 {
		return fmt.Errorf("signature %q: %v", sig, err)
	}
	fd, ok := f.Decls[0].(*ast.FuncDecl)
	if !ok || fd.Type.Results == nil || len(fd.Type.Results.List) != 1 || len(fd.Type.Results.List[0].Names) > 0 {
		return fmt.Errorf("signature %q: want func Name(params) Result", sig)
	}
	c.goName = fd.Name.Name
	for _, fl := range fd.Type.Params.List {
		t := types.ExprString(fl.Type)
		if _, err := pyType(t); err != nil {
			return err
		}
		for _, n := range fl.Names {
			c.params = append(c.params, param{name: n.Name, goType: t})
		}
	}
	c.result = types.ExprString(fd.Type.Results.List[0].Type)
	_, err = pyType(c.result)
	return err
}

// pyType is the Python annotation of a supported Go type.
func pyType(t string) (string, error) {
	switch {
	case t == "int":
		return "int", nil
	case t == "float64":
		return "float", nil
	case t == "string":
		return "str", nil
	case t == "bool":
		return "bool", nil
	case strings.HasPrefix(t, "[]"):
		e, err := pyType(t[2:])
		return "list[" + e + "]", err
	case strings.HasPrefix(t, "map[string]"):
		e, err := pyType(t[len("map[string]"):])
		return "dict[str, " + e + "]", err
	}
	return "", fmt.Errorf("type %s is not supported in concept signatures", t)
}

func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goLit renders a decoded JSON value as a Go expression of type t.
func goLit(v any, t string) (string, error) {
	switch {
	case t == "int":
		n, ok := v.(json.Number)
		if !ok {
			return "", fmt.Errorf("%v is not an int", v)
		}
		if _, err := n.Int64(); err != nil {
			return "", fmt.Errorf("%v is not an int", v)
		}
		return n.String(), nil
	case t == "float64":
		n, ok := v.(json.Number)
		if !ok {
			return "", fmt.Errorf("%v is not a number", v)
		}
		return "float64(" + n.String() + ")", nil
	case t == "string":
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%v is not a string", v)
		}
		return strconv.Quote(s), nil
	case t == "bool":
		b, ok := v.(bool)
		if !ok {
			return "", fmt.Errorf("%v is not a bool", v)
		}
		return strconv.FormatBool(b), nil
	case strings.HasPrefix(t, "[]"):
		l, ok := v.([]any)
		if !ok {
			return "", fmt.Errorf("%v is not a list", v)
		}
		parts := make([]string, len(l))
		for i, e := range l {
			s, err := goLit(e, t[2:])
			if err != nil {
				return "", err
			}
			parts[i] = s
		}
		return t + "{" + strings.Join(parts, ", ") + "}", nil
	case strings.HasPrefix(t, "map[string]"):
		m, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("%v is not an object", v)
		}
		keys := sortedKeys(m)
		parts := make([]string, len(keys))
		for i, k := range keys {
			s, err := goLit(m[k], t[len("map[string]"):])
			if err != nil {
				return "", err
			}
			parts[i] = strconv.Quote(k) + ": " + s
		}
		return t + "{" + strings.Join(parts, ", ") + "}", nil
	}
	return "", fmt.Errorf("unsupported type %s", t)
}

// pyLit renders a decoded JSON value as a Python literal; floats of Go
// type float64 keep a decimal point.
func pyLit(v any, t string) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case json.Number:
		if t == "float64" && !strings.ContainsAny(x.String(), ".eE") {
			return x.String() + ".0"
		}
		return x.String()
	case string:
		b, _ := json.Marshal(x)
		return string(b)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyLit(e, strings.TrimPrefix(t, "[]"))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			kb, _ := json.Marshal(k)
			parts[i] = string(kb) + ": " + pyLit(x[k], strings.TrimPrefix(t, "map[string]"))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyPrompt is the Python stub: signature with annotations and a docstring
// ending in one example.
func (c *concept) pyPrompt() string {
	var b strings.Builder
	var ps []string
	for _, p := range c.params {
		t, _ := pyType(p.goType)
		ps = append(ps, snake(p.name)+": "+t)
	}
	rt, _ := pyType(c.result)
	fmt.Fprintf(&b, "def %s(%s) -> %s:\n    \"\"\"", c.name, strings.Join(ps, ", "), rt)
	for i, l := range strings.Split(c.doc, "\n") {
		if i > 0 {
			b.WriteString("\n")
			if l != "" {
				b.WriteString("    ")
			}
		}
		b.WriteString(l)
	}
	ex := c.cases[0]
	args := make([]string, len(ex.args))
	for i, a := range ex.args {
		args[i] = pyLit(a, c.params[i].goType)
	}
	fmt.Fprintf(&b, "\n\n    >>> %s(%s)\n    %s\n    \"\"\"\n", c.name, strings.Join(args, ", "), pyLit(ex.want, c.result))
	return b.String()
}

// pyCheck is the hidden check(candidate) function.
func (c *concept) pyCheck() string {
	var b strings.Builder
	b.WriteString(pyEqHelper)
	b.WriteString("\n\ndef check(candidate):\n    cases = [\n")
	for _, tc := range c.cases {
		args := make([]string, len(tc.args))
		for i, a := range tc.args {
			args[i] = pyLit(a, c.params[i].goType)
		}
		tuple := "(" + strings.Join(args, ", ")
		if len(args) == 1 {
			tuple += ","
		}
		tuple += ")"
		fmt.Fprintf(&b, "        (%s, %s),\n", tuple, pyLit(tc.want, c.result))
	}
	b.WriteString("    ]\n    for i, (args, want) in enumerate(cases):\n        got = candidate(*args)\n        assert _eb_equal(got, want), \"case %d: got %r, want %r\" % (i, got, want)\n")
	return b.String()
}

const pyEqHelper = `def _eb_equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 1e-6 * max(1.0, abs(b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_eb_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_eb_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b`

// goPrompt is the Go stub: package, imports, doc comment with one example,
// and the signature with its opening brace.
func (c *concept) goPrompt() string {
	var b strings.Builder
	b.WriteString("package solution\n\n")
	if len(c.goImports) > 0 {
		b.WriteString("import (\n")
		for _, im := range c.goImports {
			fmt.Fprintf(&b, "\t%q\n", im)
		}
		b.WriteString(")\n\n")
	}
	lines := strings.Split(c.doc, "\n")
	for i, l := range lines {
		if i == 0 {
			l = c.goName + ": " + l
		}
		if l == "" {
			b.WriteString("//\n")
		} else {
			b.WriteString("// " + l + "\n")
		}
	}
	ex := c.cases[0]
	args := make([]string, len(ex.args))
	for i, a := range ex.args {
		args[i], _ = goLit(a, c.params[i].goType)
	}
	want, _ := goLit(ex.want, c.result)
	fmt.Fprintf(&b, "//\n// Example: %s(%s) returns %s\n", c.goName, strings.Join(args, ", "), want)
	var ps []string
	for _, p := range c.params {
		ps = append(ps, p.name+" "+p.goType)
	}
	fmt.Fprintf(&b, "func %s(%s) %s {\n", c.goName, strings.Join(ps, ", "), c.result)
	return b.String()
}

// goTest is the hidden test file.
func (c *concept) goTest() (string, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "package solution\n\nimport (\n\t\"math\"\n\t\"reflect\"\n\t\"testing\"\n)\n\n")
	fmt.Fprintf(&b, "func Test%s(t *testing.T) {\n", c.goName)
	b.WriteString("\tcheck := func(i int, got, want any) {\n\t\tt.Helper()\n\t\tif !ebEqual(reflect.ValueOf(got), reflect.ValueOf(want)) {\n\t\t\tt.Errorf(\"case %d: got %#v, want %#v\", i, got, want)\n\t\t}\n\t}\n")
	for i, tc := range c.cases {
		args := make([]string, len(tc.args))
		for k, a := range tc.args {
			s, err := goLit(a, c.params[k].goType)
			if err != nil {
				return "", fmt.Errorf("%s: case line %d: %w", c.file, tc.line, err)
			}
			args[k] = s
		}
		want, err := goLit(tc.want, c.result)
		if err != nil {
			return "", fmt.Errorf("%s: case line %d: %w", c.file, tc.line, err)
		}
		fmt.Fprintf(&b, "\tcheck(%d, %s(%s), %s)\n", i, c.goName, strings.Join(args, ", "), want)
	}
	b.WriteString("}\n\n")
	b.WriteString(goEqHelper)
	return b.String(), nil
}

const goEqHelper = `// ebEqual compares results: floats within 1e-6 (relative), nil and empty
// slices and maps alike.
func ebEqual(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		return math.Abs(x-y) <= 1e-6*math.Max(1, math.Abs(y))
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !ebEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() || !ebEqual(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
`
