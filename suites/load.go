package suites

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/serving"
	"github.com/engrambench/engrambench/tasks"
)

// Load parses and validates a suite. file names it in messages. On any
// problem it returns Problems listing all of them.
func Load(file string, data []byte, cat Catalog) (*Suite, error) {
	l := &loader{file: file, cat: cat}
	s := l.load(data)
	if len(l.problems) > 0 {
		return nil, l.problems
	}
	s.Source = file
	return s, nil
}

type loader struct {
	file     string
	cat      Catalog
	problems Problems
}

func (l *loader) addf(n *yaml.Node, format string, a ...any) {
	p := Problem{File: l.file, Msg: fmt.Sprintf(format, a...)}
	if n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	l.problems = append(l.problems, p)
}

func (l *loader) load(data []byte) *Suite {
	s := &Suite{}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			l.addf(nil, "the file is empty")
		} else {
			l.syntax(err)
		}
		return s
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		l.addf(&extra, "a suite file holds one YAML document; found another here")
	} else if !errors.Is(err, io.EOF) {
		l.syntax(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind != yaml.MappingNode {
		l.addf(root, "a suite is a mapping with keys name, description, runners and tasks")
		return s
	}
	seen := map[string]bool{}
	for _, kv := range l.pairs(root) {
		key, val := kv[0], kv[1]
		seen[key.Value] = true
		switch key.Value {
		case "name":
			s.Name = l.str(val, "name")
			if s.Name != "" && !validName(s.Name) {
				l.addf(val, "name %q: use letters, digits, '-', '_' and '.'", s.Name)
			}
		case "description":
			s.Description = l.str(val, "description")
		case "runners":
			s.Runners = l.runners(val)
		case "tasks":
			s.Tasks = l.tasks(val)
		case "budget":
			s.Budget = l.budget(val)
		case "serving":
			s.Serving = l.serving(val)
		case "store":
			s.Store = l.str(val, "store")
		case "nightly":
			s.Nightly = l.nightly(val)
		case "treatment":
			s.Treatment = l.str(val, "treatment")
		case "baseline":
			s.Baseline = l.str(val, "baseline")
		default:
			l.addf(key, "unknown key %q (known: name, description, runners, tasks, budget, serving, store, nightly, treatment, baseline)", key.Value)
		}
	}
	required := []string{"name", "runners"}
	if !seen["serving"] {
		required = append(required, "tasks")
	}
	for _, k := range required {
		if !seen[k] {
			l.addf(root, "missing required key %q", k)
		}
	}
	if s.Serving != nil {
		l.checkServingRunner(root, s)
	}
	l.checkLedger(root, s)
	return s
}

// syntax turns a YAML parse error into a problem with its line.
func (l *loader) syntax(err error) {
	msg := err.Error()
	line := 0
	// yaml.v3 writes "yaml: line N: ..."
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line = n
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	l.problems = append(l.problems, Problem{File: l.file, Line: line, Msg: "YAML syntax: " + msg})
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// pairs returns a mapping's key/value pairs, reporting duplicate and
// non-string keys.
func (l *loader) pairs(m *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			l.addf(k, "a key must be a plain name")
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			l.addf(k, "duplicate key %q (first at line %d)", k.Value, prev)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out
}

func (l *loader) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		l.addf(n, "%s must be a string", what)
		return ""
	}
	return n.Value
}

func (l *loader) runners(n *yaml.Node) []RunnerEntry {
	if n.Kind != yaml.MappingNode {
		l.addf(n, "runners must be a mapping from a runner's name to its settings")
		return nil
	}
	if len(n.Content) == 0 {
		l.addf(n, "runners is empty: name at least one")
	}
	var out []RunnerEntry
	for _, kv := range l.pairs(n) {
		name, body := kv[0], kv[1]
		if !validName(name.Value) {
			l.addf(name, "runner name %q: use letters, digits, '-', '_' and '.', starting with a letter or digit", name.Value)
		}
		e := RunnerEntry{Name: name.Value, Line: name.Line, Params: params.Values{}}
		if body.Kind != yaml.MappingNode {
			l.addf(body, "runner %q must be a mapping with at least a kind", name.Value)
			continue
		}
		var kindNode *yaml.Node
		for _, p := range l.pairs(body) {
			if p[0].Value == "kind" {
				kindNode = p[1]
				e.Kind = l.str(p[1], "kind")
			}
		}
		if kindNode == nil {
			l.addf(body, "runner %q has no kind (known kinds: %s)", name.Value, strings.Join(l.cat.KindNames(), ", "))
			continue
		}
		kind, ok := l.cat.Kind(e.Kind)
		if !ok {
			if e.Kind != "" {
				l.addf(kindNode, "unknown runner kind %q (known kinds: %s)", e.Kind, strings.Join(l.cat.KindNames(), ", "))
			}
			continue
		}
		specs := RunnerParams(kind)
		for _, p := range l.pairs(body) {
			if p[0].Value == "kind" {
				continue
			}
			l.param(specs, p[0], p[1], "runner "+strconv.Quote(name.Value)+" ("+e.Kind+")", e.Params)
		}
		out = append(out, e)
	}
	return out
}

// budgetSpecs type the keys of a suite's budget.
var budgetSpecs = []params.Spec{
	{Name: "tokens", Kind: params.Int, Min: params.AtLeast(1), Help: "prompt plus completion tokens the run may spend"},
	{Name: "usd", Kind: params.Float, Min: params.AtLeast(0), Help: "dollars the run may spend"},
}

func (l *loader) budget(n *yaml.Node) results.Budget {
	var b results.Budget
	if n.Kind != yaml.MappingNode {
		l.addf(n, "budget must be a mapping with tokens and/or usd")
		return b
	}
	v := params.Values{}
	for _, p := range l.pairs(n) {
		l.param(budgetSpecs, p[0], p[1], "budget", v)
	}
	b.Tokens = v.Int("tokens")
	b.USD = v.Float("usd")
	return b
}

var nightlySpecs = []params.Spec{
	{Name: "max_regression", Kind: params.Float, Min: params.AtLeast(0), Help: "percentage points of accuracy a cell may lose significantly before nightly exits 4"},
	{Name: "trend", Kind: params.Int, Min: params.AtLeast(1), Help: "stored runs in the trend table"},
}

func (l *loader) nightly(n *yaml.Node) Nightly {
	var out Nightly
	if n.Kind != yaml.MappingNode {
		l.addf(n, "nightly must be a mapping with max_regression and/or trend")
		return out
	}
	v := params.Values{}
	for _, p := range l.pairs(n) {
		l.param(nightlySpecs, p[0], p[1], "nightly", v)
	}
	if v.Has("max_regression") {
		f := v.Float("max_regression")
		out.MaxRegression = &f
	}
	out.Trend = v.Int("trend")
	return out
}

func (l *loader) serving(n *yaml.Node) params.Values {
	v := params.Values{}
	if n.Kind != yaml.MappingNode {
		l.addf(n, "serving must be a mapping of load-test settings")
		return v
	}
	for _, p := range l.pairs(n) {
		l.param(serving.Params, p[0], p[1], "serving", v)
	}
	return v
}

// checkLedger makes sure treatment and baseline come together, name two
// different runners of the suite.
func (l *loader) checkLedger(root *yaml.Node, s *Suite) {
	if s.Treatment == "" && s.Baseline == "" {
		return
	}
	if s.Treatment == "" || s.Baseline == "" {
		l.addf(root, "treatment and baseline go together: name both runners or neither")
		return
	}
	if s.Treatment == s.Baseline {
		l.addf(root, "treatment and baseline are the same runner %q", s.Treatment)
	}
	for _, name := range []string{s.Treatment, s.Baseline} {
		found := false
		for _, r := range s.Runners {
			found = found || r.Name == name
		}
		if !found {
			l.addf(root, "%q (treatment or baseline) is not one of the suite's runners", name)
		}
	}
}

// checkServingRunner makes sure a load test names one runner of the suite.
func (l *loader) checkServingRunner(root *yaml.Node, s *Suite) {
	name := s.Serving.String("runner")
	if name == "" {
		if len(s.Runners) > 1 {
			l.addf(root, "serving: the suite has %d runners; name the one under load with serving.runner", len(s.Runners))
		}
		return
	}
	for _, r := range s.Runners {
		if r.Name == name {
			return
		}
	}
	l.addf(root, "serving.runner %q is not one of the suite's runners", name)
}

func (l *loader) tasks(n *yaml.Node) []TaskEntry {
	if n.Kind != yaml.SequenceNode {
		l.addf(n, "tasks must be a list of task-set entries, each with a set")
		return nil
	}
	if len(n.Content) == 0 {
		l.addf(n, "tasks is empty: name at least one task set")
	}
	var out []TaskEntry
	for _, item := range n.Content {
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			l.addf(item, "a task entry must be a mapping with at least a set")
			continue
		}
		e := TaskEntry{Line: item.Line, Params: params.Values{}}
		var setNode *yaml.Node
		for _, p := range l.pairs(item) {
			if p[0].Value == "set" {
				setNode = p[1]
				e.Set = l.str(p[1], "set")
			}
		}
		if setNode == nil {
			l.addf(item, "task entry has no set (known sets: %s)", strings.Join(l.cat.SetNames(), ", "))
			continue
		}
		set, ok := l.cat.Set(e.Set)
		if !ok {
			if e.Set != "" {
				l.addf(setNode, "unknown task set %q (known sets: %s)", e.Set, strings.Join(l.cat.SetNames(), ", "))
			}
			continue
		}
		specs := tasks.AllParams(set)
		for _, p := range l.pairs(item) {
			if p[0].Value == "set" {
				continue
			}
			l.param(specs, p[0], p[1], "task set "+strconv.Quote(e.Set), e.Params)
		}
		out = append(out, e)
	}
	return out
}

// param types one parameter against its spec and stores it in into.
func (l *loader) param(specs []params.Spec, key, val *yaml.Node, owner string, into params.Values) {
	spec, ok := params.Find(specs, key.Value)
	if !ok {
		l.addf(key, "%s has no parameter %q (known: %s)", owner, key.Value, strings.Join(params.Names(specs), ", "))
		return
	}
	if spec.Secret {
		l.addf(key, "%s: %s is secret and must not be written in a suite file; it is read from the environment", owner, key.Value)
		return
	}
	x, err := typed(spec, val)
	if err != nil {
		l.addf(val, "%s: %v", owner, err)
		return
	}
	into[spec.Name] = x
}

// typed converts a YAML node into the spec's kind, strictly.
func typed(spec params.Spec, n *yaml.Node) (any, error) {
	want := func() error {
		return fmt.Errorf("%s wants %s %s, got %s", spec.Name, article(spec.Kind), spec.Kind, describe(n))
	}
	scalar := func(n *yaml.Node) (any, bool) {
		if n.Kind != yaml.ScalarNode {
			return nil, false
		}
		switch spec.Kind {
		case params.Int, params.Ints:
			if n.Tag != "!!int" {
				return nil, false
			}
			i, err := strconv.ParseInt(n.Value, 0, 0)
			if err != nil {
				return nil, false
			}
			return int(i), true
		case params.Float:
			if n.Tag != "!!int" && n.Tag != "!!float" {
				return nil, false
			}
			var x float64
			if err := n.Decode(&x); err != nil {
				return nil, false
			}
			return x, true
		case params.String, params.Strings:
			if n.Tag != "!!str" {
				return nil, false
			}
			return n.Value, true
		case params.Bool:
			if n.Tag != "!!bool" {
				return nil, false
			}
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, false
			}
			return b, true
		}
		return nil, false
	}
	var out any
	switch spec.Kind {
	case params.Ints, params.Strings:
		if n.Kind != yaml.SequenceNode {
			return nil, want()
		}
		var ints []int
		var strs []string
		for _, e := range n.Content {
			x, ok := scalar(deref(e))
			if !ok {
				return nil, fmt.Errorf("%s wants %s, but item at line %d is %s", spec.Name, spec.Kind, e.Line, describe(deref(e)))
			}
			if spec.Kind == params.Ints {
				ints = append(ints, x.(int))
			} else {
				strs = append(strs, x.(string))
			}
		}
		if spec.Kind == params.Ints {
			out = ints
		} else {
			out = strs
		}
	default:
		x, ok := scalar(n)
		if !ok {
			return nil, want()
		}
		out = x
	}
	if err := spec.Check(out); err != nil {
		return nil, err
	}
	return out, nil
}

func article(k params.Kind) string {
	if k == params.Int {
		return "an"
	}
	return "a"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int":
			return "the integer " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "nothing (null)"
		}
		return strconv.Quote(n.Value)
	}
	return "something else"
}
