package results

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func score(v float64) *float64 { return &v }

func TestWriterAppendsWholeLinesAndTrimsTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), SamplesFile)
	w, err := OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Write(Sample{Key: SampleKey("r", "id", i), Score: score(1)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	// Simulate a kill in the middle of a write.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"key":"r|torn|0","sco`)
	f.Close()

	got, err := ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 50 {
		t.Fatalf("read %d samples, want 50 (torn tail ignored)", len(got))
	}

	// Reopening cuts the torn tail, so the next record starts on its own line.
	w, err = OpenWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(Sample{Key: "r|after|0"}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	got, err = ReadSamples(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 51 || got[50].Key != "r|after|0" {
		t.Fatalf("after reopen: %d samples, last %q", len(got), got[len(got)-1].Key)
	}
}

func TestReadSamplesNamesBadLine(t *testing.T) {
	in := "{\"key\":\"a|1|0\"}\nnot json\n{\"key\":\"a|2|0\"}\n"
	_, err := DecodeSamples(strings.NewReader(in), "samples.jsonl")
	if err == nil || !strings.Contains(err.Error(), "samples.jsonl:2:") {
		t.Fatalf("want an error naming line 2, got %v", err)
	}
}

func TestDedupe(t *testing.T) {
	kept, dups := Dedupe([]Sample{{Key: "a"}, {Key: "b"}, {Key: "a"}})
	if len(kept) != 2 || len(dups) != 1 || dups[0] != "a" {
		t.Fatalf("kept %v dups %v", kept, dups)
	}
}

func TestRunRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadRun(dir); err == nil || !strings.Contains(err.Error(), "not a run directory") {
		t.Fatalf("want a clear error for a non-run dir, got %v", err)
	}
	r := Run{ID: "x", Suite: "quick", Status: StatusRunning, Plan: Plan{Runners: []PlanRunner{{Name: "l", Kind: "lookup", Params: map[string]any{"max_order": 4}}}}}
	if err := WriteRun(dir, r); err != nil {
		t.Fatal(err)
	}
	got, samples, err := ReadRunDir(dir)
	if err != nil || got.ID != "x" || samples != nil {
		t.Fatalf("got %+v %v %v", got, samples, err)
	}
}

func FuzzDecodeSamples(f *testing.F) {
	f.Add("{\"key\":\"a|1|0\",\"score\":1}\n")
	f.Add("{\"key\":\"a|1|0\"}\n{\"key\"")
	f.Add("\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := DecodeSamples(strings.NewReader(in), "f")
		if err == nil {
			for _, s := range got {
				if s.Key == "" {
					t.Fatal("accepted a sample without a key")
				}
			}
		}
	})
}

// Offsets from ScanSamplesAt read each sample back, whatever blanks and
// line endings surround it.
func TestScanSamplesAtOffsetsReadBack(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	in := "\n  {\"key\":\"a|1|0\",\"response\":\"one\"}\r\n\n\t{\"key\":\"a|2|0\",\"response\":\"" + long + "\"}  \n{\"key\":\"a|3|0\"}\n{\"key\":\"a|torn"
	r := strings.NewReader(in)
	var keys []string
	err := ScanSamplesAt(r, "f", func(s Sample, off int64, n int) error {
		back, err := ReadSampleAt(strings.NewReader(in), off, n)
		if err != nil {
			return err
		}
		if back.Key != s.Key || back.Response != s.Response {
			t.Errorf("%s read back as %s", s.Key, back.Key)
		}
		keys = append(keys, s.Key)
		return nil
	})
	if err != nil || strings.Join(keys, ",") != "a|1|0,a|2|0,a|3|0" {
		t.Fatalf("keys %v, %v", keys, err)
	}
}
