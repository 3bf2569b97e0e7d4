package store

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"github.com/engrambench/engrambench/internal/golden"
	"path/filepath"
	"testing"

	"github.com/engrambench/engrambench/results"
)

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

// exportFixture: two runners, two cells, a request error, a scorer error,
// a fractional score, estimated usage, a cached response, labels.
func exportFixture() (results.Run, []results.Sample) {
	run := mkRun("quick-20260301T020000Z-abcdef", "quick", t0, results.StatusComplete, "lookup", "random")
	ss := mkSamples(run, cells, 3, func(r string, i int) float64 {
		switch {
		case r == "random" && i == 0:
			return -1
		case r == "random" && i == 1:
			return 2
		case r == "lookup" && i == 2:
			return 0.5
		}
		return float64(i % 2)
	})
	for i := range ss {
		ss[i].Params = map[string]string{"shots": "3", "len": "4096"}
		if i%4 == 1 {
			ss[i].Usage.Estimated = true
			ss[i].Cached = true
			ss[i].Attempts = 2
			ss[i].FinishReason = "stop"
		}
	}
	// Out of order, as a concurrent run finishes them.
	ss[0], ss[len(ss)-1] = ss[len(ss)-1], ss[0]
	return run, ss
}

func TestExportGolden(t *testing.T) {
	run, ss := exportFixture()
	for _, c := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"samples.csv", func(b *bytes.Buffer) error { return WriteCSV(b, SampleRows(ss)) }},
		{"samples.json", func(b *bytes.Buffer) error { return WriteJSON(b, SampleRows(ss)) }},
		{"tasks.csv", func(b *bytes.Buffer) error { return WriteCSV(b, TaskRows(run.ID, ss)) }},
		{"tasks.json", func(b *bytes.Buffer) error { return WriteJSON(b, TaskRows(run.ID, ss)) }},
	} {
		var b bytes.Buffer
		if err := c.write(&b); err != nil {
			t.Fatal(err)
		}
		checkGolden(t, c.name, b.Bytes())
	}
}

// The exports parse back: CSV with one header and a row per sample or
// cell; JSON into the same structs.
func TestExportParses(t *testing.T) {
	run, ss := exportFixture()
	var b bytes.Buffer
	if err := WriteCSV(&b, SampleRows(ss)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != len(ss)+1 || recs[0][0] != "run_id" {
		t.Fatalf("samples CSV: %d records, %v", len(recs), err)
	}
	b.Reset()
	if err := WriteJSON(&b, TaskRows(run.ID, ss)); err != nil {
		t.Fatal(err)
	}
	var rows []TaskRow
	if err := json.Unmarshal(b.Bytes(), &rows); err != nil || len(rows) != 4 {
		t.Fatalf("tasks JSON: %d rows, %v", len(rows), err)
	}
	// random's first cell: 1 request error, 1 scorer error, 1 scored.
	r := rows[2]
	if r.Runner != "random" || r.N != 1 || r.RequestErrors != 1 || r.ScorerErrors != 1 || r.Score == nil || *r.Score != 0 {
		t.Errorf("random row: %+v", r)
	}
	b.Reset()
	if err := WriteJSON(&b, []SampleRow{}); err != nil || b.String() != "[\n]\n" {
		t.Errorf("empty JSON: %q, %v", b.String(), err)
	}
}
