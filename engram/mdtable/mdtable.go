// Package mdtable renders the engram commands' Markdown tables (tablewriter's
// GitHub-flavoured renderer) and formats their numbers with units.
package mdtable

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table writes a Markdown table: headers, then rows; the first column is
// left-aligned and the rest right-aligned.
func Table(w io.Writer, headers []string, rows [][]string) error {
	align := make(tw.Alignment, len(headers))
	for i := range align {
		align[i] = tw.AlignRight
	}
	if len(align) > 0 {
		align[0] = tw.AlignLeft
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithAlignment(align),
	)
	t.Header(headers)
	for _, r := range rows {
		if err := t.Append(r); err != nil {
			return err
		}
	}
	return t.Render()
}

// SI formats x with an SI prefix and unit, three significant digits:
// SI(1.32e9, "rows/s") is "1.32 Grows/s".
func SI(x float64, unit string) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return strings.TrimSpace(fmt.Sprintf("%g %s", x, unit))
	}
	prefixes := []struct {
		p string
		s float64
	}{{"P", 1e15}, {"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}, {"", 1}, {"m", 1e-3}, {"µ", 1e-6}, {"n", 1e-9}}
	a := math.Abs(x)
	for _, p := range prefixes {
		if a >= p.s*0.9995 {
			return fmt.Sprintf("%.3g %s%s", x/p.s, p.p, unit)
		}
	}
	return fmt.Sprintf("%.3g %s", x, unit)
}

// Bytes formats a byte count in decimal units (GB = 1e9 B), as DRAM and
// link rates are quoted.
func Bytes(x float64) string { return SI(x, "B") }

// Seconds formats a duration in seconds.
func Seconds(x float64) string { return SI(x, "s") }

// Pct formats a fraction as a percentage.
func Pct(x float64) string {
	if math.IsInf(x, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

// Text escapes Markdown in free text for a table cell.
func Text(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '\n' {
			r = ' '
		}
		if strings.ContainsRune("\\`*_[]<>|", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
