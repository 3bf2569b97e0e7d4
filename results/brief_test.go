package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/engrambench/engrambench/runners"
)

// briefSamples are samples of every shape a report meets.
func briefSamples() []Sample {
	t0 := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	var out []Sample
	for i := range 40 {
		cell := fmt.Sprintf("bbh/task=t%d/shots=3", i%3)
		id := fmt.Sprintf("%s/%04d-abcd", cell, i)
		s := Sample{
			Key: SampleKey("lookup", id, i%2), RunID: "r1", Runner: "lookup", Model: "m", Set: "bbh", Task: fmt.Sprintf("t%d", i%3),
			Cell: cell, InstanceID: id, Repeat: i % 2, Params: map[string]string{"shots": "3"}, Seed: int64(i),
			RequestHash: "h", Response: "The answer is (A).", Extracted: "(A)", Score: score(float64(i % 2)),
			ScoreDetail: `flexible="(A)"`, CostUSD: 0.001 * float64(i), Cached: i%5 == 0,
			Usage:  runners.Usage{PromptTokens: 100 + i, CompletionTokens: 7, Estimated: i%7 == 0},
			Timing: SampleTiming{Send: t0, End: t0.Add(time.Second), LatencyS: 1, TTFTS: 0.1, TPOTS: 0.01},
		}
		switch i % 8 {
		case 1: // a request error with a long message
			s.Score, s.Error, s.ErrorKind, s.ErrorClass = nil, strings.Repeat("server said no. ", 20), ErrRequest, "server"
			s.Response = ""
		case 2: // blank and escaped blank answers
			s.Response = "  \n\t "
		case 3:
			s.Response = "\u00a0\"quoted\"\n"
		case 4: // a scorer error
			s.Score, s.Error, s.ErrorKind = nil, "no answer found", ErrScorer
		case 5: // no labels
			s.Params = nil
			s.Cell, s.InstanceID = "bbh-gen/task=x", fmt.Sprintf("bbh-gen/task=x/%d", i)
			s.Key = SampleKey("lookup", s.InstanceID, 0)
		}
		out = append(out, s)
	}
	return out
}

func writeSamples(t *testing.T, samples []Sample, tail string) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteRun(dir, Run{ID: "r1", Suite: "s", Status: StatusComplete}); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, s := range samples {
		line, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteString(tail)
	if err := os.WriteFile(filepath.Join(dir, SamplesFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sameBriefs compares Briefs by value: scores by the number, labels by
// content (nil and empty alike).
func sameBriefs(t *testing.T, got, want []Brief) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d briefs, want %d", len(got), len(want))
	}
	norm := func(b Brief) Brief {
		if len(b.Params) == 0 {
			b.Params = nil
		}
		if b.Score != nil {
			v := *b.Score
			b.Score = &v
		}
		return b
	}
	for i := range got {
		g, w := norm(got[i]), norm(want[i])
		if (g.Score == nil) != (w.Score == nil) || g.Score != nil && *g.Score != *w.Score {
			t.Errorf("brief %d: score %v, want %v", i, g.Score, w.Score)
		}
		g.Score, w.Score = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("brief %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// Reading Briefs straight from the file gives what reading whole samples
// and briefing them gives, whatever the sample's shape; a torn last line
// is skipped as ReadSamples skips it.
func TestReadRunDirBriefsMatchesBriefsOfSamples(t *testing.T) {
	samples := briefSamples()
	dir := writeSamples(t, samples, `{"key":"lookup|torn|0","sco`)
	run, got, err := ReadRunDirBriefs(dir)
	if err != nil || run.ID != "r1" {
		t.Fatalf("run %q, err %v", run.ID, err)
	}
	sameBriefs(t, got, Briefs(samples))
	for i, b := range got {
		if b.InstanceID != samples[i].InstanceID {
			t.Fatalf("brief %d: instance %q", i, b.InstanceID)
		}
		if len(b.Error) > briefErrorLen {
			t.Errorf("brief %d keeps %d bytes of error", i, len(b.Error))
		}
	}
	if got[2].Answered || !got[3].Answered || !got[0].Answered {
		t.Error("blank or escaped answers misjudged")
	}
}

// A line longer than the reader's buffer is read whole; a malformed one
// is named by its line number.
func TestReadRunDirBriefsLongAndBadLines(t *testing.T) {
	samples := briefSamples()[:3]
	samples[1].Response = strings.Repeat("long answer ", 300_000) // 3.6 MB
	dir := writeSamples(t, samples, "")
	_, got, err := ReadRunDirBriefs(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameBriefs(t, got, Briefs(samples))

	for _, bad := range []string{"not json\n", `{"score":1}` + "\n", `{"key":"a","score":"high"}` + "\n", `{"key":"a","response":7}` + "\n"} {
		dir := writeSamples(t, samples, bad)
		if _, _, err := ReadRunDirBriefs(dir); err == nil || !strings.Contains(err.Error(), SamplesFile+":4:") {
			t.Errorf("line %q: want an error naming line 4, got %v", bad, err)
		}
	}
}

func TestDedupeBriefs(t *testing.T) {
	kept, dups := DedupeBriefs([]Brief{{Key: "a"}, {Key: "b"}, {Key: "a"}})
	if len(kept) != 2 || len(dups) != 1 || dups[0] != "a" {
		t.Fatalf("kept %v dups %v", kept, dups)
	}
}

// Whatever the input, the Brief reader accepts what the sample reader
// accepts, with the same Briefs.
func FuzzDecodeBriefs(f *testing.F) {
	for _, s := range briefSamples()[:8] {
		b, _ := json.Marshal(s)
		f.Add(string(b) + "\n")
	}
	f.Add("{\"key\":\"a|1|0\",\"score\":null,\"response\":\"\\u0020\"}\n")
	f.Add("{\"key\":\"a|1|0\",\"params\":null,\"cell\":\"c\"}\n{\"key\"")
	f.Fuzz(func(t *testing.T, in string) {
		samples, err := DecodeSamples(strings.NewReader(in), "f")
		if err != nil {
			return
		}
		got, err := decodeBriefs(strings.NewReader(in), "f", 4)
		if err != nil {
			t.Fatalf("samples read but briefs not: %v", err)
		}
		sameBriefs(t, got, Briefs(samples))
	})
}

// A Briefer gives what BriefOf gives, with strings shared.
func TestBriefer(t *testing.T) {
	samples := briefSamples()
	br := NewBriefer()
	var got []Brief
	for i := range samples {
		got = append(got, br.Brief(&samples[i]))
	}
	sameBriefs(t, got, Briefs(samples))
	if unsafe.StringData(got[0].Cell) != unsafe.StringData(got[3].Cell) {
		t.Error("two samples of one cell do not share the cell's name")
	}
	if id := got[0].InstanceID; unsafe.StringData(id) != unsafe.StringData(got[0].Key[len("lookup|"):]) {
		t.Error("the instance id does not share the key's memory")
	}
}
