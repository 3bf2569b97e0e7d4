package mdtable

import (
	"bytes"
	"strings"
	"testing"
)

func TestSI(t *testing.T) {
	for _, c := range []struct {
		x    float64
		u, s string
	}{{1.32e9, "rows/s", "1.32 Grows/s"}, {0.000123, "s", "123 µs"}, {0, "B", "0 B"}, {999.96, "B", "1 kB"}, {5, "x", "5 x"}, {-2e6, "B", "-2 MB"}} {
		if got := SI(c.x, c.u); got != c.s {
			t.Errorf("SI(%v, %q) = %q, want %q", c.x, c.u, got, c.s)
		}
	}
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	if err := Table(&b, []string{"a", "b"}, [][]string{{"x", "1"}, {Text("p|q"), "22"}}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "| a ") || !strings.Contains(out, `p\|q`) || strings.Count(out, "\n") != 4 {
		t.Fatalf("table:\n%s", out)
	}
}
