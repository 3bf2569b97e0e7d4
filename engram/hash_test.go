package engram

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMultipliers(t *testing.T) {
	const vocab = 62350
	bound := MultiplierBound(vocab)
	if want := int64(math.MaxInt64 / vocab / 2); bound != want {
		t.Fatalf("bound %d, want %d", bound, want)
	}
	m := Multipliers(0, 1, 3, vocab)
	if len(m) != 3 {
		t.Fatalf("%d multipliers, want 3", len(m))
	}
	for _, x := range m {
		if x&1 != 1 || x < 1 || x > 2*bound-1 {
			t.Errorf("multiplier %d is not odd in [1, 2B-1]", x)
		}
	}
	if !slices.Equal(m, Multipliers(0, 1, 3, vocab)) {
		t.Error("multipliers are not deterministic")
	}
	if !slices.Equal(m, Multipliers(0, 1, 5, vocab)[:3]) {
		t.Error("a longer list does not extend a shorter one")
	}
	// seed + 10007*layer: (seed 10007, layer 0) draws what (0, 1) draws.
	if !slices.Equal(m, Multipliers(LayerSeedStride, 0, 3, vocab)) {
		t.Error("layer seeds are not seed + 10007*layer")
	}
	if slices.Equal(m, Multipliers(0, 15, 3, vocab)) {
		t.Error("layers 1 and 15 drew the same multipliers")
	}
	if b := MultiplierBound(0); b != math.MaxInt64/2 {
		t.Errorf("bound for an empty vocabulary %d", b)
	}
	if b := MultiplierBound(math.MaxInt); b != 1 {
		t.Errorf("bound for a huge vocabulary %d, want 1", b)
	}
	for _, x := range Multipliers(0, 0, 4, math.MaxInt) {
		if x != 1 {
			t.Errorf("with B = 1 every multiplier is 1, got %d", x)
		}
	}
}

// demoLayer1 is layer 1 of the demo layout with fixed multipliers, the
// values the Python reference below was computed with.
func demoLayer1(t testing.TB) *Layer {
	p, err := DemoConfig().Primes()
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLayer(1, 3, p[0], []int64{4611686018427387903, 3074457345618258603, 9001}, 9)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRowsPython compares with rows computed by Python integers wrapped to
// int64 and reduced with Python's floored %; several mixes are negative.
func TestRowsPython(t *testing.T) {
	l := demoLayer1(t)
	ids := []uint32{5, 100255, 7, 42, 0, 99999}
	want := [][]int64{
		{164819, 884272, 1752554, 2468953, 2991930, 3291830, 4378884, 4676057, 5746155, 6064402, 6660520, 7198844, 8386738, 8522064, 9493685, 10268313},
		{189643, 1145242, 1637355, 1951675, 2588377, 3812385, 4371088, 5168843, 5763777, 6310937, 6610499, 7437445, 7828386, 8895994, 9216410, 10080750},
		{456762, 793977, 1594696, 2573220, 3229374, 3298252, 4032521, 4527808, 5777821, 5877204, 6870734, 7336908, 8239111, 8464653, 9437423, 9866311},
		{642139, 760212, 1541749, 2310343, 2690422, 3798919, 4504489, 4754780, 5559510, 5995480, 6491990, 7276415, 7847211, 8958757, 9593692, 10282242},
		{14, 646417, 1292828, 1939249, 2585672, 3232105, 3878558, 4525077, 5234579, 5881116, 6527659, 7174208, 7820779, 8467352, 9113929, 9760538},
		{64828, 784281, 1652563, 2368962, 2891939, 3838292, 4278893, 4576066, 5548093, 5866340, 7109007, 7647353, 8188676, 8970579, 9295623, 10070251},
	}
	mix3 := []int64{-4611686018427468919, 7686143364045607239, -7686143364045701887, 6148914691425705996, 62993, -4611686018427666981}
	if l.Width() != 16 || l.TotalRows() != 10344164 {
		t.Fatalf("width %d, rows %d", l.Width(), l.TotalRows())
	}
	all := make([]int64, len(ids)*l.Width())
	l.AllRows(all, ids)
	row := make([]int64, l.Width())
	for pos := range ids {
		if got := l.Mix(ids, pos, 3); got != mix3[pos] {
			t.Errorf("t=%d: mix_3 = %d, want %d", pos, got, mix3[pos])
		}
		l.Rows(row, ids, pos)
		if !slices.Equal(row, want[pos]) {
			t.Errorf("t=%d: rows %v\nwant %v", pos, row, want[pos])
		}
		if !slices.Equal(all[pos*16:(pos+1)*16], want[pos]) {
			t.Errorf("t=%d: AllRows differs from Rows", pos)
		}
	}
}

// TestRowsReference checks random layers against the definition written
// plainly: Mix, the % operator floored, prefix-sum offsets.
func TestRowsReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 50 {
		maxOrder := 2 + rng.IntN(4)
		heads := 1 + rng.IntN(4)
		bases := make([]int64, maxOrder-1)
		for i := range bases {
			bases[i] = 1 + rng.Int64N(1000)
		}
		p, err := TablePrimes(1, bases, heads)
		if err != nil {
			t.Fatal(err)
		}
		l, err := NewLayer(trial, maxOrder, p[0], Multipliers(int64(trial), trial, maxOrder, 1+rng.IntN(200000)), uint32(rng.IntN(100)))
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]uint32, 1+rng.IntN(30))
		for i := range ids {
			ids[i] = rng.Uint32()
		}
		row := make([]int64, l.Width())
		primes, offsets := l.Primes(), l.Offsets()
		for pos := range ids {
			l.Rows(row, ids, pos)
			for n := 2; n <= maxOrder; n++ {
				mix := l.Mix(ids, pos, n)
				for k := range heads {
					j := (n-2)*heads + k
					want := FloorMod(mix, primes[j]) + offsets[j]
					if row[j] != want {
						t.Fatalf("trial %d t=%d n=%d k=%d: row %d, want %d", trial, pos, n, k, row[j], want)
					}
					if row[j] < offsets[j] || row[j] >= offsets[j]+primes[j] || row[j] >= l.TotalRows() {
						t.Fatalf("row %d outside its block", row[j])
					}
				}
			}
		}
	}
}

func TestPadding(t *testing.T) {
	l := demoLayer1(t)
	// Position 0 of [x] hashes like position 2 of [pad, pad, x].
	a, b := make([]int64, l.Width()), make([]int64, l.Width())
	l.Rows(a, []uint32{77}, 0)
	l.Rows(b, []uint32{l.Pad, l.Pad, 77}, 2)
	if !slices.Equal(a, b) {
		t.Fatalf("padding: %v vs %v", a, b)
	}
}

func TestNewLayerErrors(t *testing.T) {
	p := [][]int64{{5, 7}, {11, 13}}
	m := []int64{1, 3, 5}
	for name, f := range map[string]func() (*Layer, error){
		"order":       func() (*Layer, error) { return NewLayer(0, 1, p, m, 0) },
		"orders":      func() (*Layer, error) { return NewLayer(0, 4, p, m, 0) },
		"heads":       func() (*Layer, error) { return NewLayer(0, 3, [][]int64{{5, 7}, {11}}, m, 0) },
		"size":        func() (*Layer, error) { return NewLayer(0, 3, [][]int64{{5, 0}, {11, 13}}, m, 0) },
		"multipliers": func() (*Layer, error) { return NewLayer(0, 3, p, m[:2], 0) },
		"no heads":    func() (*Layer, error) { return NewLayer(0, 2, [][]int64{{}}, m[:2], 0) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if err := (Config{MaxOrder: 1, Bases: []int64{0, 1}}).Validate(); err == nil {
		t.Error("bad config validated")
	}
}

func TestNewLayers(t *testing.T) {
	c := DemoConfig()
	layers, err := NewLayers(c, 62350, 3)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := c.Rows()
	if len(layers) != 2 || layers[0].TotalRows()+layers[1].TotalRows() != rows {
		t.Fatalf("%d layers, rows do not add up to %d", len(layers), rows)
	}
	if layers[1].ID != 15 || !slices.Equal(layers[1].Multipliers, Multipliers(0, 15, 3, 62350)) {
		t.Fatal("layer 15 has the wrong id or multipliers")
	}
	if layers[0].Primes()[8] != 646537 || layers[0].Offsets()[1] != 646403 {
		t.Fatalf("slot layout: primes %v offsets %v", layers[0].Primes(), layers[0].Offsets())
	}
}

func FuzzRows(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(3), int64(0))
	f.Add([]byte{255, 255, 255, 255}, uint8(2), int64(-1))
	p, err := TablePrimes(1, []int64{646400, 646400, 1000, 7}, 3)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte, order uint8, seed int64) {
		maxOrder := 2 + int(order)%4
		l, err := NewLayer(0, maxOrder, p[0][:maxOrder-1], Multipliers(seed, 0, maxOrder, 1+int(seed&0xffff)), uint32(seed))
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]uint32, 0, len(raw)/4+1)
		for i := 0; i+4 <= len(raw); i += 4 {
			ids = append(ids, uint32(raw[i])|uint32(raw[i+1])<<8|uint32(raw[i+2])<<16|uint32(raw[i+3])<<24)
		}
		if len(ids) == 0 {
			return
		}
		rows := make([]int64, len(ids)*l.Width())
		l.AllRows(rows, ids)
		primes, offsets := l.Primes(), l.Offsets()
		for i, r := range rows {
			j := i % l.Width()
			if r < offsets[j] || r >= offsets[j]+primes[j] {
				t.Fatalf("row %d outside [%d, %d)", r, offsets[j], offsets[j]+primes[j])
			}
		}
	})
}

var sinkRows []int64

// BenchmarkAllRows reports hashing throughput in ns per position for the
// demo layer (2 orders x 8 heads = 16 rows a position), with FastMod and,
// for comparison, with the % operator.
func BenchmarkAllRows(b *testing.B) {
	l := demoLayer1(b)
	rng := rand.New(rand.NewPCG(9, 10))
	ids := make([]uint32, 4096)
	for i := range ids {
		ids[i] = rng.Uint32N(62350)
	}
	dst := make([]int64, len(ids)*l.Width())
	perPosition := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ids)), "ns/position")
	}
	b.Run("fastmod", func(b *testing.B) {
		for b.Loop() {
			l.AllRows(dst, ids)
		}
		perPosition(b)
	})
	b.Run("remainder", func(b *testing.B) {
		primes, offsets := l.Primes(), l.Offsets()
		m := l.Multipliers
		for b.Loop() {
			for t := range ids {
				row := dst[t*16 : (t+1)*16]
				mix := int64(ids[t]) * m[0]
				j := 0
				for i := 1; i < 3; i++ {
					x := l.Pad
					if t-i >= 0 {
						x = ids[t-i]
					}
					mix ^= int64(x) * m[i]
					for range 8 {
						row[j] = FloorMod(mix, primes[j]) + offsets[j]
						j++
					}
				}
			}
		}
		perPosition(b)
	})
	sinkRows = dst
}
