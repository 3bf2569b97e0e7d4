package tasks

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

// flaky is a set that can be made to break each generic check.
type flaky struct {
	calls       *int
	drift       bool // a different prompt on the second pass
	dupIDs      bool
	badRef      bool
	emptyScores bool
}

func (flaky) Name() string          { return "flaky" }
func (flaky) Help() string          { return "" }
func (flaky) Params() []params.Spec { return nil }
func (f flaky) Instances(ctx context.Context, p params.Values) iter.Seq2[Instance, error] {
	*f.calls++
	pass := *f.calls
	return func(yield func(Instance, error) bool) {
		for i := range 4 {
			prompt := fmt.Sprint("q", i)
			if f.drift && pass == 2 {
				prompt += "!"
			}
			in := Instance{Set: "flaky", Task: "t", Index: i, Request: runners.Request{Prompt: prompt},
				Reference: Reference{Answers: []string{"a"}, Completion: "a"}}
			if f.badRef {
				in.Reference.Completion = "b"
			}
			in.ID = MakeID("flaky", "t", nil, i, prompt)
			if f.dupIDs {
				in.ID = "same"
			}
			if !yield(in, nil) {
				return
			}
		}
	}
}
func (f flaky) Scorer() Scorer {
	return ScorerFunc(func(_ context.Context, in Instance, r runners.Response) (Score, error) {
		if r.Text == "a" || (f.emptyScores && r.Text == "") {
			return Score{Value: 1}, nil
		}
		return Score{}, nil
	})
}

func TestCheckCatchesEachFault(t *testing.T) {
	cases := []struct {
		name  string
		set   flaky
		fails string
	}{
		{"healthy", flaky{}, ""},
		{"drift", flaky{drift: true}, "generation is deterministic"},
		{"duplicate ids", flaky{dupIDs: true}, "instance IDs are unique"},
		{"bad reference", flaky{badRef: true}, "reference answers score 1"},
		{"empty scores", flaky{emptyScores: true}, "empty answers score 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			c.set.calls = &calls
			res, err := Check(context.Background(), c.set, params.Values{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, r := range res {
				if !r.OK() {
					failed = append(failed, r.Name)
				}
			}
			if got := strings.Join(failed, ","); got != c.fails {
				t.Fatalf("failed checks %q, want %q", got, c.fails)
			}
		})
	}
}

func TestCellNameAndIDAreStable(t *testing.T) {
	labels := map[string]string{"shots": "3", "mode": "cot"}
	if got := CellName("bbh", "x", labels); got != "bbh/task=x/mode=cot/shots=3" {
		t.Fatalf("cell %q", got)
	}
	a := MakeID("bbh", "x", labels, 7, "prompt")
	if a != MakeID("bbh", "x", map[string]string{"mode": "cot", "shots": "3"}, 7, "prompt") {
		t.Fatal("ID depends on map order")
	}
	if a == MakeID("bbh", "x", labels, 7, "prompt2") || !strings.HasPrefix(a, "bbh/task=x/mode=cot/shots=3/0007-") {
		t.Fatalf("ID %q", a)
	}
}
