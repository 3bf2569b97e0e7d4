package reports

import (
	"bytes"
	"github.com/engrambench/engrambench/internal/golden"
	"path/filepath"
	"testing"
	"time"

	"github.com/engrambench/engrambench/results"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

func render(t *testing.T, run results.Run, samples []results.Sample) (report, summary []byte) {
	t.Helper()
	cells := Aggregate(samples)
	var r, s bytes.Buffer
	if err := WriteReport(&r, run, cells); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummary(&s, run, cells); err != nil {
		t.Fatal(err)
	}
	return r.Bytes(), s.Bytes()
}

func TestGolden(t *testing.T) {
	report, summary := render(t, fixtureRun(), fixtureSamples())
	checkGolden(t, "report.md", report)
	checkGolden(t, "summary.txt", summary)
}

// The same run rendered from samples in another order, with its times in
// another zone, is the same file byte for byte.
func TestRenderDeterministic(t *testing.T) {
	report, summary := render(t, fixtureRun(), fixtureSamples())
	run := fixtureRun()
	run.Start, run.End = run.Start.In(time.UTC), run.End.In(time.FixedZone("PST", -8*3600))
	ss := fixtureSamples()
	for i, j := 0, len(ss)-1; i < j; i, j = i+1, j-1 {
		ss[i], ss[j] = ss[j], ss[i]
	}
	r2, s2 := render(t, run, ss)
	if !bytes.Equal(report, r2) || !bytes.Equal(summary, s2) {
		t.Errorf("output depends on sample order or time zone")
	}
}

func TestReportComplete(t *testing.T) {
	run := fixtureRun()
	run.Status, run.Finished, run.Message = results.StatusComplete, 24, ""
	report, _ := render(t, run, fixtureSamples())
	if bytes.Contains(report, []byte("Partial run")) {
		t.Error("a complete run is reported as partial")
	}
	run.Status, run.End = results.StatusRunning, time.Time{}
	report, _ = render(t, run, fixtureSamples())
	for _, want := range []string{"**Partial run**: 24 of 24", "no stop message recorded", "Duration: unknown"} {
		if !bytes.Contains(report, []byte(want)) {
			t.Errorf("running run: report lacks %q", want)
		}
	}
}

func TestReportNoSamples(t *testing.T) {
	run := fixtureRun()
	run.Finished = 0
	report, summary := render(t, run, nil)
	if !bytes.Contains(report, []byte("No samples were recorded.")) || bytes.Contains(report, []byte("## By runner")) {
		t.Errorf("empty report:\n%s", report)
	}
	if bytes.Contains(summary, []byte("Benchmark")) {
		t.Errorf("empty summary has results:\n%s", summary)
	}
}
