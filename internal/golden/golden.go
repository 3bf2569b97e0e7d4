// Package golden compares rendered output with golden files, for tests:
// one implementation of the habit every package with rendered output
// follows. `go test ./pkg -update` rewrites the golden files; on a
// mismatch the output is written beside the golden file as NAME.got.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files from the current output")

// Update reports whether -update was given.
func Update() bool { return *update }

// Check compares got with the file at path. With -update it writes the
// file (and its directory) instead. On a mismatch it writes path+".got"
// and fails with the first differing line.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	gotPath := path + ".got"
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(gotPath)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with go test -update)", err)
	}
	if bytes.Equal(got, want) {
		os.Remove(gotPath)
		return
	}
	if err := os.WriteFile(gotPath, got, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Errorf("%s differs from its golden file: %s\nwrote %s; see: diff %s %s\naccept with: go test -update",
		filepath.Base(path), FirstDiff(got, want), gotPath, path, gotPath)
}

// FirstDiff describes the first line where got and want differ.
func FirstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return "no difference"
}
