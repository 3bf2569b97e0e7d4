package hardware

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

type closingSource struct {
	n      atomic.Int64
	closed atomic.Int32
}

func (c *closingSource) Sample(context.Context) ([]Reading, error) {
	v := c.n.Add(1)
	if v == 3 {
		return nil, errors.New("flaky read")
	}
	return []Reading{{Name: "x/k=v", Unit: "bytes", Value: float64(v % 5)}}, nil
}

func (c *closingSource) Close() error { c.closed.Add(1); return nil }

func TestSampler(t *testing.T) {
	src := &closingSource{}
	errSrc := SourceFunc(func(context.Context) ([]Reading, error) { return nil, errors.New("always fails") })
	s := NewSampler(2*time.Millisecond, src, errSrc)
	s.Start(context.Background())
	time.Sleep(60 * time.Millisecond)
	mid := s.Snapshot()
	got := s.Stop()
	if again := s.Stop(); len(again.Series) != len(got.Series) {
		t.Error("a second Stop gave other series")
	}
	if src.closed.Load() != 1 {
		t.Errorf("closed %d times", src.closed.Load())
	}
	if len(got.Series) != 1 || len(mid.Series) != 1 {
		t.Fatalf("series = %+v", got.Series)
	}
	se := got.Series[0]
	if se.Name != "x/k=v" || se.Unit != "bytes" || se.Samples < 5 || len(se.T) != se.Samples || se.Peak != 4 {
		t.Errorf("series = %+v", se)
	}
	if se.Mean <= 0 || se.Mean >= 4 {
		t.Errorf("mean = %v", se.Mean)
	}
	for i := 1; i < len(se.T); i++ {
		if se.T[i] < se.T[i-1] {
			t.Fatal("time goes backwards")
		}
	}
	// Each distinct error once.
	if len(got.Problems) != 2 {
		t.Errorf("problems = %v", got.Problems)
	}
	if p, ok := got.Peak("x/k=v"); !ok || p != 4 {
		t.Errorf("Peak = %v %v", p, ok)
	}
	if _, ok := got.Peak("nope"); ok {
		t.Error("peak of a missing series")
	}
}

func TestSamplerStopWithoutStart(t *testing.T) {
	src := &closingSource{}
	got := NewSampler(0, src).Stop()
	if len(got.Series) != 0 || src.closed.Load() != 1 {
		t.Errorf("%+v", got)
	}
}

func TestThin(t *testing.T) {
	s := NewSampler(time.Second)
	for i := range MaxPoints + 1 {
		v := 0.0
		if i == 1001 {
			v = 9 // a spike at an odd index must survive thinning
		}
		s.add(float64(i), Reading{Name: "a", Unit: "watts", Value: v})
	}
	se := s.Snapshot().Series[0]
	if len(se.T) != MaxPoints/2+1 || se.Samples != MaxPoints+1 || se.Peak != 9 {
		t.Fatalf("thinned to %d points, %d samples, peak %v", len(se.T), se.Samples, se.Peak)
	}
	found := false
	for _, v := range se.V {
		found = found || v == 9
	}
	if !found {
		t.Error("the spike was thinned away")
	}
}

func TestProcessTreeRSS(t *testing.T) {
	// A shell with a child: the tree's RSS is more than the shell's.
	cmd := exec.Command("/bin/sh", "-c", "sleep 5 & sleep 5; wait")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	time.Sleep(100 * time.Millisecond)
	rs, err := ProcessTreeRSS("runner=engine", int32(cmd.Process.Pid)).Sample(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Name != "rss/runner=engine" || rs[0].Unit != "bytes" || rs[0].Value <= 0 {
		t.Fatalf("readings %+v", rs)
	}
	self, err := TreeRSS(context.Background(), int32(os.Getpid()))
	if err != nil || self == 0 {
		t.Fatalf("own RSS %d, %v", self, err)
	}
	if rs, _ := ProcessTreeRSS("", int32(os.Getpid())).Sample(context.Background()); rs[0].Name != "rss/pid="+strconv.Itoa(os.Getpid()) {
		t.Errorf("default label: %q", rs[0].Name)
	}
	// A process that is gone is an error for the sampler to note.
	if _, err := TreeRSS(context.Background(), 1<<30); err == nil {
		t.Error("no error for a missing process")
	}
}
