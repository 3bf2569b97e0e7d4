package params

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var specs = []Spec{
	{Name: "n", Kind: Int, Default: 5, Min: AtLeast(1)},
	{Name: "t", Kind: Float, Default: 0.5},
	{Name: "mode", Kind: String, Default: "cot", Choices: []string{"cot", "direct"}},
	{Name: "chat", Kind: Bool, Default: true},
	{Name: "lengths", Kind: Ints, Default: []int{4096}, Min: AtLeast(1024)},
	{Name: "tasks", Kind: Strings, Default: []string{"a"}},
	{Name: "key", Kind: String, Secret: true},
}

func TestParseString(t *testing.T) {
	cases := []struct {
		name, text string
		want       any
		err        string
	}{
		{"n", "12", 12, ""},
		{"n", "0", nil, "at least 1"},
		{"n", "x", nil, "wants an integer"},
		{"t", "0.25", 0.25, ""},
		{"mode", "direct", "direct", ""},
		{"mode", "fast", nil, "not one of cot, direct"},
		{"chat", "false", false, ""},
		{"lengths", "4096+8192", []int{4096, 8192}, ""},
		{"lengths", "4096;512", nil, "at least 1024"},
		{"tasks", "a+b", []string{"a", "b"}, ""},
	}
	for _, c := range cases {
		s, _ := Find(specs, c.name)
		got, err := s.ParseString(c.text)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s=%s: want error %q, got %v", c.name, c.text, c.err, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s=%s: got %#v, %v; want %#v", c.name, c.text, got, err, c.want)
		}
	}
}

func TestCoerceRoundTripsThroughJSON(t *testing.T) {
	v := Defaults(specs)
	v["n"] = 7
	b, err := json.Marshal(Public(specs, v))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	back, err := CoerceAll(specs, m)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, Public(specs, v)) {
		t.Fatalf("round trip: %#v != %#v", back, v)
	}
	if _, err := CoerceAll(specs, map[string]any{"n": 1.5}); err == nil {
		t.Error("1.5 accepted as an integer")
	}
	if _, err := CoerceAll(specs, map[string]any{"zzz": 1}); err == nil {
		t.Error("unknown parameter accepted")
	}
}

func TestPublicDropsSecrets(t *testing.T) {
	v := Values{"key": "sk-secret", "n": 1}
	p := Public(specs, v)
	if p.Has("key") || !v.Has("key") {
		t.Fatalf("Public: %v (original %v)", p, v)
	}
}

func TestDefaultsAreCopies(t *testing.T) {
	a := Defaults(specs)
	a.Ints("lengths")[0] = 1
	if Defaults(specs).Ints("lengths")[0] != 4096 {
		t.Fatal("Defaults shares slices with the specs")
	}
}
