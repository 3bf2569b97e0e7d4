package local

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/internal/fakeopenai"
	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
)

func localParams(kv map[string]any) params.Values {
	v := params.Defaults(Kind.Params)
	v["model"] = fakeopenai.DefaultModel
	v["start_timeout"] = 10.0
	v["stop_timeout"] = 1.0
	v["sample_every"] = 0.02
	for k, x := range kv {
		v[k] = x
	}
	return v
}

func TestLocalEngineServesThenStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := New("eng", localParams(map[string]any{"command": engineCmd("openai")}))
	if err != nil {
		t.Fatal(err)
	}
	lr := r.(*Runner)
	resp, err := r.Generate(ctx, runners.Request{Messages: []runners.Message{{Role: "user", Content: "hi"}}, MaxTokens: 16})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text == "" || resp.Timing.TTFT() <= 0 {
		t.Fatalf("response %+v", resp)
	}
	if id := lr.Identity(); strings.Contains(id, "127.0.0.1") || !strings.HasPrefix(id, "local:") {
		t.Errorf("identity %q depends on the port", id)
	}
	time.Sleep(60 * time.Millisecond)
	pgid := lr.engine.cmd.Process.Pid
	if err := lr.Close(); err != nil {
		t.Fatal(err)
	}
	st := lr.EngineStats()
	if st.PeakRSSBytes == 0 || st.WallSeconds <= 0 {
		t.Errorf("engine stats %+v", st)
	}
	if live := liveInGroup(pgid); len(live) > 0 {
		t.Fatalf("engine processes left: %v", live)
	}
}

func TestLocalEngineDeathIsAnEngineError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := New("eng", localParams(map[string]any{"command": engineCmd("openai")}))
	if err != nil {
		t.Fatal(err)
	}
	defer r.(*Runner).Close()
	http.Get(r.(*Runner).engine.URL() + "/crash")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if exited, _ := r.(*Runner).engine.Exited(); exited {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err = r.Generate(ctx, runners.Request{Prompt: "hi", MaxTokens: 4})
	var re *runners.RequestError
	if !errors.As(err, &re) || re.Class != runners.ClassEngine || !strings.Contains(err.Error(), "exit status 7") {
		t.Fatalf("want an engine error naming the exit, got %v", err)
	}
}

func TestLocalAttachAndBadConfig(t *testing.T) {
	fake := fakeopenai.New(fakeopenai.Options{})
	defer fake.Close()
	r, err := New("att", localParams(map[string]any{"attach": fake.URL}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Generate(context.Background(), runners.Request{Prompt: "x", MaxTokens: 4}); err != nil {
		t.Fatal(err)
	}
	for _, kv := range []map[string]any{{}, {"command": "x", "attach": "http://127.0.0.1:1/v1"}} {
		if _, err := New("bad", localParams(kv)); err == nil {
			t.Errorf("%v: want an error", kv)
		}
	}
	_, err = New("fails", localParams(map[string]any{"command": engineCmd("crash"), "start_timeout": 2.0}))
	if err == nil || !strings.Contains(err.Error(), "model file not found") {
		t.Fatalf("engine that fails to start: %v", err)
	}
}
