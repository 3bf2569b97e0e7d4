package reports

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/engrambench/engrambench/results"
)

// WriteSummary writes summary.txt in the Go benchmark format
// (golang.org/x/perf benchfmt, proposal 14313), so benchstat can compare
// runs. Configuration lines come first (goos, goarch, cpu, suite, run,
// engrambench, commit, status; empty values are left out), then one result
// line per cell, in the order given:
//
//	Benchmark<Cell>/runner=<runner> <n> <v> pass/op <v> sec/op <v> err/op <v> tok-in/op <v> tok-out/op
//
// The iteration count is n, the number of scored samples. The units are
// the mean score in [0, 1] (pass/op), mean end-to-end latency in seconds
// (sec/op), errors over all samples (err/op) and mean prompt and completion
// tokens per sample that got a response (tok-in/op, tok-out/op).
//
// A cell with no scored sample is still written, so that a cell that
// failed outright shows up as err/op 1 in a comparison rather than
// vanishing: its iteration count is 1 (the format has no zero) and it has
// no pass/op. Likewise sec/op is left out when no latency is known and the
// token units when no sample got a response. benchfmt never sees NaN.
func WriteSummary(w io.Writer, run results.Run, cells []Cell) error {
	var b bytes.Buffer
	writeConfig(&b, run)
	for _, c := range cells {
		b.WriteString("Benchmark" + benchName(c.Cell, c.Runner))
		iters := c.N
		if iters == 0 {
			iters = 1
		}
		b.WriteString("\t" + strconv.Itoa(iters))
		if c.N > 0 {
			writeValue(&b, c.Score, "pass/op")
		}
		if c.Timed > 0 {
			writeValue(&b, c.LatencyMean, "sec/op")
		}
		writeValue(&b, c.ErrorRate(), "err/op")
		if c.Responded > 0 {
			writeValue(&b, c.MeanPromptTokens, "tok-in/op")
			writeValue(&b, c.MeanCompletionTokens, "tok-out/op")
		}
		b.WriteString("\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeConfig writes the configuration lines that head a summary.
func writeConfig(b *bytes.Buffer, run results.Run) {
	for _, kv := range [][2]string{
		{"goos", run.Host.OS},
		{"goarch", run.Host.Arch},
		{"cpu", run.Host.CPUModel},
		{"suite", run.Suite},
		{"run", run.ID},
		{"engrambench", run.Version},
		{"commit", run.Commit},
		{"status", run.Status},
	} {
		// An empty value would delete the key in benchfmt: just omit it.
		if v := oneLine(kv[1]); v != "" {
			b.WriteString(kv[0] + ": " + v + "\n")
		}
	}
}

// writeValue writes "\t<value> <unit>" with six significant digits, more
// than benchstat shows and enough to keep token means exact below 10⁶.
func writeValue(b *bytes.Buffer, v float64, unit string) {
	b.WriteString("\t" + strconv.FormatFloat(v, 'g', 6, 64) + " " + unit)
}

// benchName builds the benchmark name, without the "Benchmark" prefix, from
// a cell name and a runner: "bbh-gen/task=word_sorting/shots=3" and
// "lookup" give "Bbh-gen/task=word_sorting/shots=3/runner=lookup".
//
// benchfmt splits a result line on white space, so white space and control
// characters become "_". Proposal 14313 wants "Benchmark" followed by a
// character that is not a lower-case letter, so the first letter is
// upper-cased. A "/" in the runner name would start a new name part, so it
// becomes "_". A name ending in "-<digits>" (runner "gpt-4") would be read
// as a GOMAXPROCS suffix and lose the digits, so that "-" becomes "_".
func benchName(cell, runner string) string {
	base := sanitize(cell)
	if base == "" {
		base = "Unnamed"
	}
	if r, size := utf8.DecodeRuneInString(base); unicode.IsLower(r) {
		base = string(unicode.ToUpper(r)) + base[size:]
	}
	name := base + "/runner=" + strings.ReplaceAll(sanitize(runner), "/", "_")
	if i := strings.LastIndexByte(name, '-'); i >= 0 && i < len(name)-1 && allDigits(name[i+1:]) {
		name = name[:i] + "_" + name[i+1:]
	}
	return name
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
