package cref

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"testing"
)

func TestBuildAndRun(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found")
	}
	s, err := Build(context.Background(), "gcc", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Run(context.Background(), Chase, nil, "65536", "4096", "1", "-1")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := strconv.ParseFloat(m["ns_per_load"], 64); err != nil || v <= 0 || m["bytes"] != "65536" {
		t.Errorf("chase printed %v", m)
	}
	m, err = s.Run(context.Background(), Triad, []string{"OMP_NUM_THREADS=1"}, "100000", "3")
	if err != nil || m["threads"] != "1" || m["elements"] != "100000" {
		t.Errorf("triad printed %v, %v", m, err)
	}
	m, err = s.Run(context.Background(), Gather, []string{"OMP_NUM_THREADS=1"}, "1048576", "160", "8", "0.01", "1")
	if err != nil || m["rows_per_second"] == "" {
		t.Errorf("gather printed %v, %v", m, err)
	}
	if _, err := s.Run(context.Background(), Chase, nil, "bad"); err == nil {
		t.Error("no error from a usage failure")
	}
}

func TestBuildNoCompiler(t *testing.T) {
	if _, err := Build(context.Background(), "no-such-cc", t.TempDir()); !errors.Is(err, ErrNoCompiler) {
		t.Errorf("err = %v", err)
	}
}

func TestParse(t *testing.T) {
	m := parse([]byte("a 1\nb two words\n\nnovalue\n"))
	if m["a"] != "1" || m["b"] != "two words" || len(m) != 2 {
		t.Errorf("%v", m)
	}
}
