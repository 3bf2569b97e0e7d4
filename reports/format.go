package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PrettySeconds renders a duration in seconds with three significant digits
// and a unit from ns to s: "850 µs", "1.20 ms", "3.40 s", "125 s"; from
// 1000 s on it shows whole seconds.
func PrettySeconds(s float64) string {
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return strconv.FormatFloat(s, 'g', -1, 64) + " s"
	}
	units := []struct {
		name  string
		scale float64
	}{{"ns", 1e-9}, {"µs", 1e-6}, {"ms", 1e-3}, {"s", 1}}
	i := 0
	for i+1 < len(units) && math.Abs(s) >= units[i+1].scale {
		i++
	}
	for {
		v := roundSig(s/units[i].scale, 3)
		if math.Abs(v) >= 1000 {
			// 999.6 ms rounds to 1000 ms: say 1.00 s instead.
			if i+1 < len(units) {
				i++
				continue
			}
			// Seconds are the largest unit: keep every integer digit.
			v = math.Round(s)
		}
		dec := 0
		switch a := math.Abs(v); {
		case a < 10:
			dec = 2
		case a < 100:
			dec = 1
		}
		return strconv.FormatFloat(v, 'f', dec, 64) + " " + units[i].name
	}
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, float64(n-1)-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// percent renders a fraction of 1 as a percentage with one decimal.
func percent(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) }

// oneDecimal renders v with one decimal.
func oneDecimal(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// gib renders a byte count in GiB with one decimal.
func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

// oneLine folds line breaks so free text cannot break a line-based format.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// mdText escapes s for inline Markdown text (CommonMark backslash escapes),
// including "|" so it is safe inside a table cell.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if strings.ContainsRune("\\`*_[]<>|#!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode renders s as a code span, which keeps "_" and "*" in names
// literal. GitHub tables still split on "|" inside code, so it is escaped.
func mdCode(s string) string {
	s = oneLine(s)
	if s == "" || strings.Contains(s, "`") {
		return mdText(s)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}
