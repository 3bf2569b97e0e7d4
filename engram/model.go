package engram

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Model is a whole Engram configuration: the addressing (Config), the
// tables' row width and element type, and the few facts about the host
// transformer that sizing needs. Built-in models come from BuiltinModel;
// custom ones from ParseModelYAML.
type Model struct {
	Name string `json:"name"`
	Config
	// DMem is a layer's concatenated row width over orders and heads: each
	// head's row holds DMem / ((MaxOrder-1)*Heads) elements.
	DMem  int   `json:"d_mem"`
	DType DType `json:"dtype"`
	// Vocab is the raw vocabulary size assumed when no tokenizer is named
	// (then compression is the identity and |V'| = Vocab).
	Vocab int `json:"vocab"`
	// Hidden is the host model's hidden size d, for the gate and value
	// projections; 0 when unknown.
	Hidden int `json:"hidden,omitempty"`
	// ModelLayers is the host model's transformer layer count, for the time
	// that passes before the first Engram layer needs its rows.
	ModelLayers int `json:"model_layers"`
	// Notes say which figures are derived or assumed.
	Notes []string `json:"notes,omitempty"`
}

// DeepSeekV3Vocab is the raw vocabulary size of the DeepSeek-V3 tokenizer,
// which the paper's models use (the demo's 646,400 = 129,280 x 5).
const DeepSeekV3Vocab = 129280

// builtinModels is every built-in configuration, in the order listed.
var builtinModels = []struct {
	name, help string
	model      func() Model
}{
	{"demo", "engram_demo_v1.py: layers 1 and 15, base 646,400, d_mem 1024 (1.32B parameters)", func() Model {
		return Model{Config: DemoConfig(), DMem: 1024, Hidden: 1024, Notes: []string{
			"hidden size 1024 is assumed (not in FACTS.md); override with a YAML file",
		}}
	}},
	{"engram-27b", "Engram-27B: layers 2 and 15, base 2,262,400, d_mem 1280 (5.7B parameters)", func() Model {
		return Model{Config: Engram27BConfig(), DMem: 1280, Hidden: 2560, Notes: []string{
			"d_mem 1280 (80 per head) is derived from the paper's parameter count",
			"layer index base is unconfirmed; it changes no size",
			"hidden size 2560 is assumed (not in FACTS.md)",
		}}
	}},
	{"engram-40b", "Engram-40B: layers 2 and 15, base 7,239,680, d_mem 1280 (18.5B parameters)", func() Model {
		return Model{Config: Engram40BConfig(), DMem: 1280, Hidden: 2560, Notes: []string{
			"layer index base is unconfirmed; it changes no size",
			"hidden size 2560 is assumed (not in FACTS.md)",
		}}
	}},
	{"offload-100b", "the paper's offload test: one 100B-parameter table in the 2nd block (layer 1)", func() Model {
		return Model{
			Config:      Config{MaxOrder: 3, Heads: 8, Bases: []int64{78125000, 78125000}, LayerIDs: []int{1}},
			DMem:        1280,
			Hidden:      2560,
			ModelLayers: 36,
			Notes: []string{
				"the paper gives only the total (100B parameters); orders 2-3, 8 heads and d_mem 1280 are assumed, and the base size 78,125,000 per order is chosen so that 16 heads x 80 wide hold 100B",
				"the host model is assumed to be the paper's 4B dense baseline with 36 layers and hidden size 2560 (size --claim offload also takes the 8B one, hidden 4096)",
			},
		}
	}},
}

// BuiltinModels lists the names of the built-in models.
func BuiltinModels() []string {
	out := make([]string, len(builtinModels))
	for i, b := range builtinModels {
		out[i] = b.name
	}
	return out
}

// BuiltinHelp is a one-line description of a built-in model.
func BuiltinHelp(name string) string {
	for _, b := range builtinModels {
		if b.name == name {
			return b.help
		}
	}
	return ""
}

// BuiltinModel returns a built-in model by name, with defaults filled in.
func BuiltinModel(name string) (Model, bool) {
	for _, b := range builtinModels {
		if b.name == name {
			m := b.model()
			m.Name = name
			return m.withDefaults(), true
		}
	}
	return Model{}, false
}

// withDefaults fills the fields a model may leave unset.
func (m Model) withDefaults() Model {
	if m.DType == 0 {
		m.DType = BF16
	}
	if m.Vocab == 0 {
		m.Vocab = DeepSeekV3Vocab
	}
	if m.ModelLayers == 0 {
		m.ModelLayers = 30
	}
	return m
}

// Validate reports every problem with m at once.
func (m Model) Validate() error {
	var errs []error
	if err := m.Config.Validate(); err != nil {
		errs = append(errs, err)
	}
	if m.DMem < 1 {
		errs = append(errs, fmt.Errorf("d_mem is %d, want at least 1", m.DMem))
	} else if w := (m.MaxOrder - 1) * m.Heads; w > 0 && m.DMem%w != 0 {
		errs = append(errs, fmt.Errorf("d_mem %d is not a multiple of orders x heads = %d", m.DMem, w))
	}
	if m.DType.Size() == 0 {
		errs = append(errs, fmt.Errorf("unknown dtype %v", m.DType))
	}
	if m.Vocab < PadID+1 {
		errs = append(errs, fmt.Errorf("vocab is %d, want at least %d (the pad id is %d)", m.Vocab, PadID+1, PadID))
	}
	if m.Hidden < 0 {
		errs = append(errs, fmt.Errorf("hidden is %d, want 0 (unknown) or more", m.Hidden))
	}
	if m.ModelLayers < 1 {
		errs = append(errs, fmt.Errorf("model layers is %d, want at least 1", m.ModelLayers))
	}
	seen := map[int]bool{}
	for _, id := range m.LayerIDs {
		if id < 0 || (m.ModelLayers > 0 && id >= m.ModelLayers) {
			errs = append(errs, fmt.Errorf("layer %d is outside the model's layers 0..%d", id, m.ModelLayers-1))
		}
		if seen[id] {
			errs = append(errs, fmt.Errorf("layer %d is listed twice", id))
		}
		seen[id] = true
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("engram model %q: %w", m.Name, err)
	}
	return nil
}

// HeadWidth is the elements in one row: DMem / ((MaxOrder-1)*Heads).
func (m Model) HeadWidth() int {
	w := (m.MaxOrder - 1) * m.Heads
	if w < 1 {
		return 0
	}
	return m.DMem / w
}

// RowBytes is the bytes of one row in dtype d.
func (m Model) RowBytes(d DType) int { return m.HeadWidth() * d.Size() }

// SlotsPerLayer is the rows one position reads in one layer: orders x heads.
func (m Model) SlotsPerLayer() int { return (m.MaxOrder - 1) * m.Heads }

// RowsPerToken is the rows one position reads across all layers:
// layers x orders x heads (32 for the demo and Engram-27B).
func (m Model) RowsPerToken() int { return len(m.LayerIDs) * m.SlotsPerLayer() }

// BytesPerToken is the bytes one position reads across all layers:
// layers x d_mem x element size (5 KiB for Engram-27B in bf16). It depends
// on neither the head count nor the table size.
func (m Model) BytesPerToken(d DType) int64 {
	return int64(len(m.LayerIDs)) * int64(m.HeadWidth()*m.SlotsPerLayer()) * int64(d.Size())
}

// Layout is a model's tables laid out: every head's prime, and where each
// layer and slot starts in one table holding all layers back to back.
type Layout struct {
	Model  Model
	Primes [][][]int64 // [layer][order-2][head]
	// LayerBase is the first row of each layer; LayerRows its row count.
	LayerBase, LayerRows []int64
	Rows                 int64 // all layers
}

// Layout computes the prime table sizes and offsets of m.
func (m Model) Layout() (*Layout, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	p, err := m.Primes()
	if err != nil {
		return nil, err
	}
	l := &Layout{Model: m, Primes: p}
	for _, layer := range p {
		var n int64
		for _, order := range layer {
			for _, size := range order {
				n += size
			}
		}
		if l.Rows > math.MaxInt64-n {
			return nil, fmt.Errorf("engram model %q: too many rows", m.Name)
		}
		l.LayerBase = append(l.LayerBase, l.Rows)
		l.LayerRows = append(l.LayerRows, n)
		l.Rows += n
	}
	if hw := int64(m.HeadWidth() * FP32.Size()); hw > 0 && l.Rows > math.MaxInt64/hw {
		return nil, fmt.Errorf("engram model %q: %d rows of %d bytes overflow", m.Name, l.Rows, hw)
	}
	return l, nil
}

// Params is the parameter count: rows x head width.
func (l *Layout) Params() int64 { return l.Rows * int64(l.Model.HeadWidth()) }

// Bytes is the size of all tables in dtype d.
func (l *Layout) Bytes(d DType) int64 { return l.Params() * int64(d.Size()) }

// Layers builds the addressing of every layer for a compressed vocabulary
// of size vocab (|V'|) and compressed pad id.
func (l *Layout) Layers(vocab int, pad uint32) ([]*Layer, error) {
	m := l.Model
	out := make([]*Layer, len(m.LayerIDs))
	for i, id := range m.LayerIDs {
		var err error
		mult := Multipliers(m.Seed, id, m.MaxOrder, vocab)
		if out[i], err = NewLayer(id, m.MaxOrder, l.Primes[i], mult, pad); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Scaled returns m with every base size multiplied by f (0 < f < 1), for
// benchmarking a configuration too large for the machine at the same row
// width and access pattern; it says so in Notes and in the name.
func (m Model) Scaled(f float64) Model {
	if !(f > 0 && f < 1) {
		return m
	}
	s := m
	s.Bases = slices.Clone(m.Bases)
	for i, b := range s.Bases {
		s.Bases[i] = max(int64(float64(b)*f), int64(m.Heads))
	}
	s.Name = fmt.Sprintf("%s/scale=%.3g", m.Name, f)
	s.Notes = append(slices.Clone(m.Notes), fmt.Sprintf("tables scaled to %.3g of %s's base sizes to fit this machine; rows per token and row width are unchanged", f, m.Name))
	return s
}
