package hardware

import (
	"context"
	"runtime"
	"testing"
)

func TestSelected(t *testing.T) {
	for in, want := range map[string]string{
		"always [madvise] never\n": "madvise",
		"[always] madvise never":   "always",
		"never":                    "never",
	} {
		if got := selected(in); got != want {
			t.Errorf("selected(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadHost(t *testing.T) {
	h := ReadHost(context.Background())
	if h.OS != runtime.GOOS || h.LogicalCPUs != runtime.NumCPU() {
		t.Fatalf("basic facts wrong: %+v", h)
	}
	if runtime.GOOS == "linux" && h.MemoryBytes == 0 {
		t.Errorf("no memory size read on linux: problems %v", h.Problems)
	}
	if runtime.GOOS == "linux" && h.AllowedCPUs == 0 {
		t.Errorf("no allowed CPUs read on linux")
	}
}
