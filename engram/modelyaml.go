package engram

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ModelYAMLHelp documents the custom model file format.
const ModelYAMLHelp = `A custom Engram model is a YAML mapping:

  name: my-engram            # required
  layers: [2, 15]            # required: host layers (0-based) holding an Engram
  orders: [2, 3]             # required: N-gram orders, consecutive from 2
  heads: 8                   # required: heads per order
  base_sizes: [2262400, 2262400]  # required: base table size per order
  d_mem: 1280                # required: row width per layer over orders and heads
  dtype: bf16                # bf16 (default), fp16 or fp32
  seed: 0                    # multiplier seed (default 0)
  vocab: 129280              # raw vocabulary without a tokenizer (default 129280)
  hidden: 2560               # host hidden size for the gate cost (default 0: unknown)
  model_layers: 30           # host transformer layers (default 30)

Unknown keys are errors; every problem is reported at once.`

// ParseModelYAML reads a custom model. file names it in messages. On any
// problem it returns all of them, each with file:line:col.
func ParseModelYAML(file string, data []byte) (Model, error) {
	p := &modelParser{file: file}
	m := p.parse(data)
	if len(p.errs) > 0 {
		return Model{}, errors.Join(p.errs...)
	}
	m = m.withDefaults()
	if err := m.Validate(); err != nil {
		return Model{}, fmt.Errorf("%s: %w", file, err)
	}
	return m, nil
}

type modelParser struct {
	file string
	errs []error
}

func (p *modelParser) addf(n *yaml.Node, format string, a ...any) {
	pos := p.file
	if n != nil {
		pos = fmt.Sprintf("%s:%d:%d", p.file, n.Line, n.Column)
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %s", pos, fmt.Sprintf(format, a...)))
}

var modelKeys = []string{"name", "layers", "orders", "heads", "base_sizes", "d_mem", "dtype", "seed", "vocab", "hidden", "model_layers"}

func (p *modelParser) parse(data []byte) Model {
	var m Model
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.addf(nil, "the file is empty")
		} else {
			p.addf(nil, "YAML syntax: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return m
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		p.addf(root, "a model is a mapping with keys %s", strings.Join(modelKeys, ", "))
		return m
	}
	seen := map[string]*yaml.Node{}
	var orders []int
	var ordersNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if prev, dup := seen[k.Value]; dup {
			p.addf(k, "duplicate key %q (first at line %d)", k.Value, prev.Line)
			continue
		}
		seen[k.Value] = k
		switch k.Value {
		case "name":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!str" || v.Value == "" {
				p.addf(v, "name must be a non-empty string")
			}
			m.Name = v.Value
		case "layers":
			m.LayerIDs = p.ints(v, "layers")
		case "orders":
			orders, ordersNode = p.ints(v, "orders"), v
		case "heads":
			m.Heads = int(p.int(v, "heads", 1, 1<<20))
		case "base_sizes":
			for _, b := range p.int64s(v, "base_sizes") {
				if b < 1 || b > 1<<62 {
					p.addf(v, "base size %d out of range 1..2^62", b)
				}
				m.Bases = append(m.Bases, b)
			}
		case "d_mem":
			m.DMem = int(p.int(v, "d_mem", 1, 1<<24))
		case "dtype":
			d, err := ParseDType(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				p.addf(v, "dtype must be bf16, fp16 or fp32")
			}
			m.DType = d
		case "seed":
			m.Seed = p.int(v, "seed", -1<<63, 1<<63-1)
		case "vocab":
			m.Vocab = int(p.int(v, "vocab", PadID+1, 1<<32))
		case "hidden":
			m.Hidden = int(p.int(v, "hidden", 0, 1<<24))
		case "model_layers":
			m.ModelLayers = int(p.int(v, "model_layers", 1, 1<<16))
		default:
			p.addf(k, "unknown key %q (known: %s)", k.Value, strings.Join(modelKeys, ", "))
		}
	}
	for _, k := range []string{"name", "layers", "orders", "heads", "base_sizes", "d_mem"} {
		if seen[k] == nil {
			p.addf(root, "missing required key %q", k)
		}
	}
	if ordersNode != nil {
		for i, o := range orders {
			if o != i+2 {
				p.addf(ordersNode, "orders must run 2, 3, ... without gaps (the hash rolls from one order to the next); got %v", orders)
				break
			}
		}
		if len(orders) > 0 {
			m.MaxOrder = 1 + len(orders)
		} else {
			p.addf(ordersNode, "orders is empty")
		}
		if seen["base_sizes"] != nil && len(m.Bases) != len(orders) {
			p.addf(seen["base_sizes"], "%d base sizes for %d orders", len(m.Bases), len(orders))
		}
	}
	return m
}

func (p *modelParser) int(n *yaml.Node, what string, lo, hi int64) int64 {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		p.addf(n, "%s must be an integer", what)
		return 0
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil || v < lo || v > hi {
		p.addf(n, "%s is %s, want %d..%d", what, n.Value, lo, hi)
		return 0
	}
	return v
}

func (p *modelParser) int64s(n *yaml.Node, what string) []int64 {
	if n.Kind != yaml.SequenceNode {
		p.addf(n, "%s must be a list of integers", what)
		return nil
	}
	out := make([]int64, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, p.int(c, what+" entry", -1<<63, 1<<63-1))
	}
	return out
}

func (p *modelParser) ints(n *yaml.Node, what string) []int {
	var out []int
	for _, v := range p.int64s(n, what) {
		out = append(out, int(v))
	}
	return out
}
