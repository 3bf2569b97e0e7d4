package engram

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// MultipliersFileHelp documents the multipliers file.
//
// The demo draws each layer's multipliers with NumPy, which this package
// cannot reproduce; a file lets a user load the reference's exact values.
// In Python, after building the demo's hash mapping, something like
//
//	json.dump({"layers": {str(l): [int(x) for x in m] for l, m in mapping.layer_multipliers.items()}}, f)
//
// writes one.
const MultipliersFileHelp = `A multipliers file is JSON: {"layers": {"1": [m0, m1, m2], "15": [m0, m1, m2]}}
Keys are host layer ids; each list holds max-order odd positive int64 multipliers
m_0..m_{max order-1}; every Engram layer of the model must be present and no other.`

// ReadMultipliers reads a multipliers file into layer id -> multipliers.
// Numbers are read exactly (never through float64).
func ReadMultipliers(r io.Reader) (map[int][]int64, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var f struct {
		Layers map[string][]json.Number `json:"layers"`
	}
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("multipliers file: %w", err)
	}
	if f.Layers == nil {
		return nil, errors.New(`multipliers file: no "layers" object`)
	}
	var errs []error
	out := make(map[int][]int64, len(f.Layers))
	for key, nums := range f.Layers {
		id, err := strconv.Atoi(key)
		if err != nil || id < 0 {
			errs = append(errs, fmt.Errorf("layer key %q is not a layer id", key))
			continue
		}
		ms := make([]int64, len(nums))
		for i, n := range nums {
			v, err := strconv.ParseInt(n.String(), 10, 64)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("layer %d: m_%d = %s is not an int64", id, i, n))
			case v <= 0 || v&1 == 0:
				errs = append(errs, fmt.Errorf("layer %d: m_%d = %d is not odd and positive", id, i, v))
			}
			ms[i] = v
		}
		out[id] = ms
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("multipliers file: %w", err)
	}
	return out, nil
}

// SetMultipliers replaces the multipliers of layers with those of m,
// after checking that m covers exactly these layers with MaxOrder values
// each. Nothing changes on error; every problem is reported.
func SetMultipliers(layers []*Layer, m map[int][]int64) error {
	var errs []error
	ids := map[int]bool{}
	for _, l := range layers {
		ids[l.ID] = true
		ms, ok := m[l.ID]
		if !ok {
			errs = append(errs, fmt.Errorf("layer %d is missing", l.ID))
			continue
		}
		if len(ms) != l.MaxOrder {
			errs = append(errs, fmt.Errorf("layer %d has %d multipliers, want %d (the max order)", l.ID, len(ms), l.MaxOrder))
		}
	}
	var extra []int
	for id := range m {
		if !ids[id] {
			extra = append(extra, id)
		}
	}
	slices.Sort(extra)
	for _, id := range extra {
		errs = append(errs, fmt.Errorf("layer %d is not an Engram layer of this model", id))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("multipliers: %w", err)
	}
	for _, l := range layers {
		l.Multipliers = slices.Clone(m[l.ID])
	}
	return nil
}
