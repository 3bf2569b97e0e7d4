package engram

import (
	"slices"
	"strings"
	"testing"
)

func TestMultipliersFile(t *testing.T) {
	m, err := ReadMultipliers(strings.NewReader(`{"layers": {"1": [9223372036854775807, 3, 5], "15": [7, 9, 11]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m[1][0] != 9223372036854775807 {
		t.Fatalf("large multiplier read inexactly: %d", m[1][0])
	}
	layers, err := NewLayers(DemoConfig(), 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := SetMultipliers(layers, m); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(layers[1].Multipliers, []int64{7, 9, 11}) {
		t.Fatalf("layer 15: %v", layers[1].Multipliers)
	}
	// Rows follow the new multipliers.
	row := make([]int64, 16)
	layers[1].Rows(row, []uint32{4, 5}, 1)
	mix := int64(5)*7 ^ int64(4)*9
	if want := FloorMod(mix, layers[1].Primes()[0]); row[0] != want {
		t.Fatalf("row %d, want %d", row[0], want)
	}

	for _, bad := range []string{
		`{"layers": {"1": [2, 3, 5], "15": [7, 9, 11]}}`,   // even
		`{"layers": {"1": [-3, 3, 5], "15": [7, 9, 11]}}`,  // negative
		`{"layers": {"1": [1.5, 3, 5], "15": [7, 9, 11]}}`, // not an integer
		`{"layers": {"x": [1, 3, 5]}}`,                     // key
		`{"layers": {"1": [9223372036854775809, 3, 5]}}`,   // overflow
		`{"multipliers": {}}`,                              // unknown field
		`{}`,                                               // nothing
	} {
		if _, err := ReadMultipliers(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: read", bad)
		}
	}
	before := slices.Clone(layers[0].Multipliers)
	for _, bad := range []map[int][]int64{
		{1: {1, 3, 5}},                        // layer 15 missing
		{1: {1, 3}, 15: {1, 3, 5}},            // count
		{1: {1, 3, 5}, 15: {1, 3, 5}, 2: {1}}, // extra layer
	} {
		if err := SetMultipliers(layers, bad); err == nil {
			t.Errorf("%v: set", bad)
		}
	}
	if !slices.Equal(layers[0].Multipliers, before) {
		t.Fatal("a failed SetMultipliers changed a layer")
	}
}
