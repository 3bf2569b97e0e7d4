// Package params describes the typed parameters that task sets and runners
// accept, so that one validator can check a suite file (with file:line for
// every problem) and a --runner KIND,key=value flag against the same
// declarations, and so that "unset" stays apart from zero.
package params

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Kind is the type of one parameter's value.
type Kind int

// The kinds a parameter can have.
const (
	Int Kind = iota
	Float
	String
	Bool
	Ints
	Strings
)

func (k Kind) String() string {
	switch k {
	case Int:
		return "integer"
	case Float:
		return "number"
	case String:
		return "string"
	case Bool:
		return "boolean"
	case Ints:
		return "list of integers"
	case Strings:
		return "list of strings"
	}
	return "unknown"
}

// Spec declares one parameter.
type Spec struct {
	Name    string
	Kind    Kind
	Default any      // typed like Kind: int, float64, string, bool, []int, []string; nil means unset
	Help    string   // one line
	Choices []string // allowed values for String and Strings; empty means any
	Min     *float64 // lower bound for Int, Float and Ints, when set
	Secret  bool     // never stored or printed (names an environment variable instead, by convention)
}

// AtLeast returns a pointer to v, for Spec.Min.
func AtLeast(v float64) *float64 { return &v }

// Values holds resolved parameter values, typed like their Specs.
type Values map[string]any

// Int returns the named integer value, or 0.
func (v Values) Int(name string) int { i, _ := v[name].(int); return i }

// Float returns the named number value, or 0.
func (v Values) Float(name string) float64 {
	switch x := v[name].(type) {
	case float64:
		return x
	case int:
		return float64(x)
	}
	return 0
}

// String returns the named string value, or "".
func (v Values) String(name string) string { s, _ := v[name].(string); return s }

// Bool returns the named boolean value, or false.
func (v Values) Bool(name string) bool { b, _ := v[name].(bool); return b }

// Ints returns the named list of integers.
func (v Values) Ints(name string) []int { l, _ := v[name].([]int); return l }

// Strings returns the named list of strings.
func (v Values) Strings(name string) []string { l, _ := v[name].([]string); return l }

// Has reports whether the value is set.
func (v Values) Has(name string) bool { _, ok := v[name]; return ok }

// Clone returns a shallow copy with fresh slices.
func (v Values) Clone() Values {
	out := make(Values, len(v))
	for k, x := range v {
		switch t := x.(type) {
		case []int:
			out[k] = append([]int(nil), t...)
		case []string:
			out[k] = append([]string(nil), t...)
		default:
			out[k] = x
		}
	}
	return out
}

// Find returns the spec with the given name.
func Find(specs []Spec, name string) (Spec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return Spec{}, false
}

// Names lists the spec names, sorted, for "did you mean" messages.
func Names(specs []Spec) []string {
	out := make([]string, 0, len(specs))
	for _, s := range specs {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// Defaults returns the values of every spec that has a default.
func Defaults(specs []Spec) Values {
	v := Values{}
	for _, s := range specs {
		if s.Default != nil {
			v[s.Name] = s.Default
		}
	}
	return v.Clone()
}

// Check validates an already-typed value against its spec (choices, bounds).
func (s Spec) Check(x any) error {
	switch t := x.(type) {
	case int:
		return s.checkMin(float64(t))
	case float64:
		return s.checkMin(t)
	case string:
		return s.checkChoice(t)
	case []int:
		for _, i := range t {
			if err := s.checkMin(float64(i)); err != nil {
				return err
			}
		}
	case []string:
		for _, e := range t {
			if err := s.checkChoice(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s Spec) checkMin(f float64) error {
	if s.Min != nil && f < *s.Min {
		return fmt.Errorf("%s must be at least %s, got %s", s.Name, trimFloat(*s.Min), trimFloat(f))
	}
	return nil
}

func (s Spec) checkChoice(e string) error {
	if len(s.Choices) == 0 {
		return nil
	}
	for _, c := range s.Choices {
		if c == e {
			return nil
		}
	}
	return fmt.Errorf("%s: %q is not one of %s", s.Name, e, strings.Join(s.Choices, ", "))
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// ParseString converts the text form of a value (as given on a command
// line: lists separated by '+' or ';') into the spec's kind, and checks it.
func (s Spec) ParseString(text string) (any, error) {
	var x any
	switch s.Kind {
	case Int:
		i, err := strconv.Atoi(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%s wants an integer, got %q", s.Name, text)
		}
		x = i
	case Float:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, fmt.Errorf("%s wants a number, got %q", s.Name, text)
		}
		x = f
	case String:
		x = text
	case Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%s wants true or false, got %q", s.Name, text)
		}
		x = b
	case Ints:
		var l []int
		for _, part := range splitList(text) {
			i, err := strconv.Atoi(part)
			if err != nil {
				return nil, fmt.Errorf("%s wants a list of integers, got %q", s.Name, text)
			}
			l = append(l, i)
		}
		x = l
	case Strings:
		x = splitList(text)
	default:
		return nil, fmt.Errorf("%s: unsupported kind", s.Name)
	}
	if err := s.Check(x); err != nil {
		return nil, err
	}
	return x, nil
}

func splitList(text string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(text, func(r rune) bool { return r == '+' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Public returns the values without secret parameters, for storing in run.json.
func Public(specs []Spec, v Values) Values {
	out := v.Clone()
	for _, s := range specs {
		if s.Secret {
			delete(out, s.Name)
		}
	}
	return out
}

// Coerce converts a value decoded from JSON (numbers as float64, lists as
// []any) into the spec's kind, and checks it. It is how a stored plan is
// read back on --resume.
func (s Spec) Coerce(x any) (any, error) {
	var out any
	switch s.Kind {
	case Int:
		i, ok := asInt(x)
		if !ok {
			return nil, fmt.Errorf("%s wants an integer, got %v", s.Name, x)
		}
		out = i
	case Float:
		switch t := x.(type) {
		case float64:
			out = t
		case int:
			out = float64(t)
		default:
			return nil, fmt.Errorf("%s wants a number, got %v", s.Name, x)
		}
	case String:
		t, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%s wants a string, got %v", s.Name, x)
		}
		out = t
	case Bool:
		t, ok := x.(bool)
		if !ok {
			return nil, fmt.Errorf("%s wants true or false, got %v", s.Name, x)
		}
		out = t
	case Ints:
		var l []int
		switch t := x.(type) {
		case []int:
			l = append(l, t...)
		case []any:
			for _, e := range t {
				i, ok := asInt(e)
				if !ok {
					return nil, fmt.Errorf("%s wants a list of integers, got %v", s.Name, x)
				}
				l = append(l, i)
			}
		default:
			return nil, fmt.Errorf("%s wants a list of integers, got %v", s.Name, x)
		}
		out = l
	case Strings:
		var l []string
		switch t := x.(type) {
		case []string:
			l = append(l, t...)
		case []any:
			for _, e := range t {
				str, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%s wants a list of strings, got %v", s.Name, x)
				}
				l = append(l, str)
			}
		default:
			return nil, fmt.Errorf("%s wants a list of strings, got %v", s.Name, x)
		}
		out = l
	}
	if err := s.Check(out); err != nil {
		return nil, err
	}
	return out, nil
}

func asInt(x any) (int, bool) {
	switch t := x.(type) {
	case int:
		return t, true
	case int64:
		return int(t), true
	case float64:
		if t == float64(int(t)) {
			return int(t), true
		}
	}
	return 0, false
}

// CoerceAll re-types a whole decoded map against specs; unknown names are errors.
func CoerceAll(specs []Spec, m map[string]any) (Values, error) {
	out := Values{}
	for k, x := range m {
		s, ok := Find(specs, k)
		if !ok {
			return nil, fmt.Errorf("unknown parameter %q", k)
		}
		v, err := s.Coerce(x)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}
