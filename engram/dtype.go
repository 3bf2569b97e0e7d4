package engram

import "fmt"

// DType is the element type of table rows.
type DType uint8

// The element types a table may hold. BF16 is the default, as in the paper.
const (
	BF16 DType = iota + 1
	FP16
	FP32
)

// DTypes lists every element type, in order.
var DTypes = []DType{BF16, FP16, FP32}

// Size is the bytes of one element (0 for an unknown type).
func (d DType) Size() int {
	switch d {
	case BF16, FP16:
		return 2
	case FP32:
		return 4
	}
	return 0
}

// String is the type's name: "bf16", "fp16" or "fp32".
func (d DType) String() string {
	switch d {
	case BF16:
		return "bf16"
	case FP16:
		return "fp16"
	case FP32:
		return "fp32"
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// ParseDType reads a type's name; "bfloat16", "float16" and "float32" are
// accepted too.
func ParseDType(s string) (DType, error) {
	switch s {
	case "bf16", "bfloat16":
		return BF16, nil
	case "fp16", "f16", "float16", "half":
		return FP16, nil
	case "fp32", "f32", "float32", "float":
		return FP32, nil
	}
	return 0, fmt.Errorf("unknown dtype %q (want bf16, fp16 or fp32)", s)
}

// MarshalText writes the type's name.
func (d DType) MarshalText() ([]byte, error) {
	if d.Size() == 0 {
		return nil, fmt.Errorf("engram: cannot marshal %v", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads a type's name.
func (d *DType) UnmarshalText(b []byte) error {
	v, err := ParseDType(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
