package coding

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTimeoutFromReference(t *testing.T) {
	var calls atomic.Int32
	e := &engine{refs: map[string]*refTiming{}}
	cpu := 3 * time.Second
	e.refRun = func(ctx context.Context, j job, limit time.Duration) (Verdict, error) {
		calls.Add(1)
		if limit != maxTimeout {
			t.Errorf("the reference ran with limit %v", limit)
		}
		time.Sleep(20 * time.Millisecond)
		return Verdict{Outcome: Passed, CPU: cpu}, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := e.timeoutFor(context.Background(), "p1", job{}, 4*time.Second, 4)
			if err != nil || d != 12*time.Second {
				t.Errorf("timeout %v %v, want max(4s, 4 x 3s)", d, err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("the reference ran %d times, want once", calls.Load())
	}
	if v, ok := e.refVerdict("p1"); !ok || v.CPU != cpu {
		t.Fatal("the reference's verdict is not kept")
	}
	cpu = 100 * time.Millisecond
	if d, _ := e.timeoutFor(context.Background(), "p2", job{}, 4*time.Second, 4); d != 4*time.Second {
		t.Fatalf("fast reference: %v, want the base", d)
	}
	cpu = time.Minute
	if d, _ := e.timeoutFor(context.Background(), "p3", job{}, 4*time.Second, 4); d != maxTimeout {
		t.Fatalf("slow reference: %v, want the cap", d)
	}
	e.refRun = func(ctx context.Context, j job, limit time.Duration) (Verdict, error) {
		return Verdict{Outcome: FailedTests, CPU: time.Millisecond}, nil
	}
	if d, _ := e.timeoutFor(context.Background(), "p4", job{}, time.Second, 4); d != maxTimeout {
		t.Fatalf("broken reference: %v, want the cap", d)
	}
	if _, ok := e.refVerdict("p4"); ok {
		t.Fatal("a failing reference's verdict reused")
	}
}
