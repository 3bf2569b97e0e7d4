package engram

import (
	"slices"
	"strings"
	"testing"
)

// TestBuiltinModels checks the paper's figures (FACTS.md §1): the derived
// row counts, 1.32B / 5.7B / 18.5B parameters, 32 rows and 5 KiB a token.
func TestBuiltinModels(t *testing.T) {
	for _, c := range []struct {
		name          string
		rows          int64
		params        float64 // billions, to the paper's precision
		bytesPerToken int64
	}{
		{"demo", 20692406, 1.32, 2 * 1024 * 2},
		{"engram-27b", 72404232, 5.8, 5 << 10},
		{"engram-40b", 231678892, 18.5, 5 << 10},
	} {
		m, ok := BuiltinModel(c.name)
		if !ok {
			t.Fatalf("%s is not built in", c.name)
		}
		l, err := m.Layout()
		if err != nil {
			t.Fatal(err)
		}
		if l.Rows != c.rows {
			t.Errorf("%s: %d rows, want %d", c.name, l.Rows, c.rows)
		}
		if p := float64(l.Params()) / 1e9; p < c.params-0.1 || p > c.params+0.1 {
			t.Errorf("%s: %.3fB parameters, want about %.1fB", c.name, p, c.params)
		}
		if m.RowsPerToken() != 32 || m.BytesPerToken(BF16) != c.bytesPerToken {
			t.Errorf("%s: %d rows and %d bytes a token", c.name, m.RowsPerToken(), m.BytesPerToken(BF16))
		}
		if l.LayerBase[1] != l.LayerRows[0] || l.LayerRows[0]+l.LayerRows[1] != l.Rows {
			t.Errorf("%s: layer bases %v rows %v", c.name, l.LayerBase, l.LayerRows)
		}
	}
	// The 27B table in bf16 is about 11.6 GB; 100B parameters are 200 GB.
	m, _ := BuiltinModel("engram-27b")
	l, _ := m.Layout()
	if b := l.Bytes(BF16); b/1e8 != 115 {
		t.Errorf("27B bf16 table %d bytes, want about 11.6 GB", b)
	}
	if p, _ := m.Primes(); p[0][0][0] != 2262409 {
		t.Errorf("first 27B prime %d, want 2262409", p[0][0][0])
	}
	m, _ = BuiltinModel("offload-100b")
	l, _ = m.Layout()
	if b := l.Bytes(BF16); b < 200e9 || b > 200.001e9 {
		t.Errorf("offload-100b bf16 is %d bytes", b)
	}
	if !slices.Equal(BuiltinModels(), []string{"demo", "engram-27b", "engram-40b", "offload-100b"}) {
		t.Errorf("built-ins %v", BuiltinModels())
	}
	if _, ok := BuiltinModel("nope"); ok || BuiltinHelp("demo") == "" {
		t.Error("lookup of built-ins")
	}
}

func TestModelValidate(t *testing.T) {
	m, _ := BuiltinModel("demo")
	bad := m
	bad.DMem = 1000 // not a multiple of 16
	bad.LayerIDs = []int{1, 1, 40}
	bad.DType = 9
	bad.Vocab = 2
	err := bad.Validate()
	if err == nil {
		t.Fatal("validated")
	}
	for _, want := range []string{"multiple", "twice", "outside", "dtype", "vocab"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestScaled(t *testing.T) {
	m, _ := BuiltinModel("engram-27b")
	s := m.Scaled(0.1)
	if s.Bases[0] != 226240 || s.RowsPerToken() != 32 || s.HeadWidth() != 80 || !strings.Contains(s.Name, "scale") || len(s.Notes) != len(m.Notes)+1 {
		t.Fatalf("%+v", s)
	}
	if m.Bases[0] != 2262400 {
		t.Fatal("Scaled changed the original")
	}
	if !slices.Equal(m.Scaled(1).Bases, m.Bases) {
		t.Fatal("scale 1 changed the model")
	}
}

func TestParseModelYAML(t *testing.T) {
	good := `name: mine
layers: [2, 15]
orders: [2, 3]
heads: 4
base_sizes: [1000, 2_000]
d_mem: 64
dtype: fp16
hidden: 256
`
	m, err := ParseModelYAML("mine.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "mine" || m.MaxOrder != 3 || m.Heads != 4 || !slices.Equal(m.Bases, []int64{1000, 2000}) || m.DType != FP16 || m.HeadWidth() != 8 || m.Vocab != DeepSeekV3Vocab || m.ModelLayers != 30 || m.Hidden != 256 {
		t.Fatalf("%+v", m)
	}
	bad := `name: mine
layers: [2, 15]
orders: [2, 4]
heads: x
base_sizes: [1000]
dtype: int8
colour: blue
`
	_, err = ParseModelYAML("bad.yaml", []byte(bad))
	if err == nil {
		t.Fatal("bad file parsed")
	}
	msg := err.Error()
	for _, want := range []string{"bad.yaml:3:", "without gaps", "heads must be an integer", "dtype", `unknown key "colour"`, `missing required key "d_mem"`, "1 base sizes for 2 orders"} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors %q lack %q", msg, want)
		}
	}
	for _, s := range []string{"", "[1, 2]", "name: [", "name: a\nname: b\n"} {
		if _, err := ParseModelYAML("x", []byte(s)); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
	// Semantic validation runs too: layer outside the model.
	if _, err := ParseModelYAML("x", []byte(strings.Replace(good, "[2, 15]", "[2, 31]", 1))); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("layer 31 of 30: %v", err)
	}
}

func TestDType(t *testing.T) {
	for _, d := range DTypes {
		b, err := d.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var e DType
		if err := e.UnmarshalText(b); err != nil || e != d {
			t.Fatalf("%v round trip: %v %v", d, e, err)
		}
	}
	if _, err := ParseDType("int4"); err == nil {
		t.Error("int4 parsed")
	}
	if BF16.Size() != 2 || FP32.Size() != 4 || DType(0).Size() != 0 {
		t.Error("sizes")
	}
}
