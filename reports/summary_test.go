package reports

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/engrambench/engrambench/results"
)

// readSummary parses a summary with the real benchfmt reader and fails on
// any syntax error or record that is not a result.
func readSummary(t *testing.T, summary []byte) []*benchfmt.Result {
	t.Helper()
	r := benchfmt.NewReader(bytes.NewReader(summary), "summary.txt")
	var out []*benchfmt.Result
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			out = append(out, rec.Clone())
		case *benchfmt.SyntaxError:
			t.Errorf("benchfmt: %v", rec)
		default:
			t.Errorf("benchfmt: unexpected record %T", rec)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSummaryParses(t *testing.T) {
	run := fixtureRun()
	cells := Aggregate(fixtureSamples())
	var b bytes.Buffer
	if err := WriteSummary(&b, run, cells); err != nil {
		t.Fatal(err)
	}

	// Every line is a configuration line or a result line, nothing else.
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	var configs, benches int
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "Benchmark"):
			benches++
		case strings.Contains(l, ": "):
			configs++
		default:
			t.Errorf("line is neither config nor result: %q", l)
		}
	}
	if configs != 8 || benches != len(cells) {
		t.Errorf("%d config and %d result lines, want 8 and %d", configs, benches, len(cells))
	}

	res := readSummary(t, b.Bytes())
	if len(res) != len(cells) {
		t.Fatalf("benchfmt read %d results, want %d", len(res), len(cells))
	}
	wantConfig := map[string]string{
		"goos": "linux", "goarch": "amd64", "cpu": "AMD EPYC 7B13 64-Core Processor",
		"suite": "quick", "run": "20260301T093000Z-7f3a", "engrambench": "v0.4.0",
		"commit": "1a2b3c4d5e6f", "status": "partial",
	}
	for i, r := range res {
		c := cells[i]
		for k, v := range wantConfig {
			if got := r.GetConfig(k); got != v {
				t.Errorf("result %d: config %s = %q, want %q", i, k, got, v)
			}
		}
		base, parts := r.Name.Parts()
		// The runner is the last part, not mistaken for a GOMAXPROCS suffix.
		if got := string(parts[len(parts)-1]); got != "/runner="+c.Runner {
			t.Errorf("%s: last part %q, want /runner=%s", r.Name, got, c.Runner)
		}
		if wantBase := strings.ToUpper(c.Set[:1]) + c.Set[1:]; string(base) != wantBase {
			t.Errorf("%s: base %q, want %q", r.Name, base, wantBase)
		}
		if r.Iters != c.N {
			t.Errorf("%s: iters %d, want n = %d", r.Name, r.Iters, c.N)
		}
		var units []string
		for _, v := range r.Values {
			units = append(units, v.Unit)
		}
		if want := []string{"pass/op", "sec/op", "err/op", "tok-in/op", "tok-out/op"}; !reflect.DeepEqual(units, want) {
			t.Errorf("%s: units %v, want %v", r.Name, units, want)
		}
		if v, ok := r.Value("pass/op"); !ok || !close6(v, c.Score) {
			t.Errorf("%s: pass/op %v, want %v", r.Name, v, c.Score)
		}
		if v, ok := r.Value("sec/op"); !ok || !close6(v, c.LatencyMean) {
			t.Errorf("%s: sec/op %v, want %v", r.Name, v, c.LatencyMean)
		}
		if v, ok := r.Value("err/op"); !ok || !close6(v, c.ErrorRate()) {
			t.Errorf("%s: err/op %v, want %v", r.Name, v, c.ErrorRate())
		}
	}
}

// close6 reports whether a equals b to the six significant digits written:
// rounding moves a value by at most half a unit in the sixth digit.
func close6(a, b float64) bool {
	return math.Abs(a-b) <= 5e-6*math.Abs(b)
}

// A cell with no scored sample is still written, with 1 iteration and no
// pass/op; a cell without timings has no sec/op.
func TestSummaryUnscoredCell(t *testing.T) {
	failed := sample("gpt-4", dates, 0, -1, "", 30, 0, 0, 0, 0, false)
	failed.Error, failed.ErrorKind = "HTTP 503", results.ErrRequest
	untimed := sample("gpt-4", niah, 0, 1, "1203", 0, 0, 0, 4000, 5, false)
	var b bytes.Buffer
	if err := WriteSummary(&b, results.Run{}, Aggregate([]results.Sample{failed, untimed})); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), ":") {
		t.Errorf("empty configuration values were written:\n%s", b.String())
	}
	res := readSummary(t, b.Bytes())
	if len(res) != 2 {
		t.Fatalf("read %d results, want 2:\n%s", len(res), b.String())
	}
	if got := res[0].Name.String(); got != "Bbh-mc/task=date_understanding/shots=3/runner=gpt_4" {
		t.Errorf("name %q", got)
	}
	if res[0].Iters != 1 || len(res[0].Values) != 1 || res[0].Values[0].Unit != "err/op" || res[0].Values[0].Value != 1 {
		t.Errorf("unscored cell: %d iters, values %+v", res[0].Iters, res[0].Values)
	}
	if _, ok := res[1].Value("sec/op"); ok {
		t.Errorf("untimed cell has sec/op: %+v", res[1].Values)
	}
	if v, _ := res[1].Value("tok-in/op"); v != 4000 {
		t.Errorf("tok-in/op = %v, want 4000", v)
	}
}

func TestBenchName(t *testing.T) {
	for _, tc := range []struct{ cell, runner, want, last string }{
		{"bbh-gen/task=word_sorting/mode=cot/shots=3", "lookup",
			"Bbh-gen/task=word_sorting/mode=cot/shots=3/runner=lookup", "/runner=lookup"},
		{"bbh/task=x/mode=chain of thought", "my model", // no spaces
			"Bbh/task=x/mode=chain_of_thought/runner=my_model", "/runner=my_model"},
		{"ruler/task=niah/len=4096", "gpt-4", // not a GOMAXPROCS suffix
			"Ruler/task=niah/len=4096/runner=gpt_4", "/runner=gpt_4"},
		{"mmlu/task=a", "meta-llama/Llama-3-8B", // one part, not two
			"Mmlu/task=a/runner=meta-llama_Llama-3-8B", "/runner=meta-llama_Llama-3-8B"},
		{"ÿset/task=a\tb", "r", "Ÿset/task=a_b/runner=r", "/runner=r"},
		{"", "r", "Unnamed/runner=r", "/runner=r"},
		{"9set/task=a", "r", "9set/task=a/runner=r", "/runner=r"},
	} {
		got := benchName(tc.cell, tc.runner)
		if got != tc.want {
			t.Errorf("benchName(%q, %q) = %q, want %q", tc.cell, tc.runner, got, tc.want)
			continue
		}
		res := readSummary(t, []byte("Benchmark"+got+" 1 1 pass/op\n"))
		if len(res) != 1 || res[0].Name.String() != got {
			t.Errorf("benchfmt did not read %q back", got)
			continue
		}
		_, parts := res[0].Name.Parts()
		if last := string(parts[len(parts)-1]); last != tc.last {
			t.Errorf("%q: last part %q, want %q", got, last, tc.last)
		}
	}
}
