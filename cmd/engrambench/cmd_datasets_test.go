package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/engrambench/engrambench/datasets"
)

// datasetsCLI runs cmdDatasets in-process (main.go dispatches
// "datasets" to it).
func datasetsCLI(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := cmdDatasets(context.Background(), env{stdout: &out, stderr: &errb}, args)
	return out.String(), errb.String(), err
}

func isUsage(err error) bool {
	var ue usageError
	return errors.As(err, &ue)
}

// rawServer serves files from dir as a raw-file host would, at
// /OWNER/REPO/COMMIT/PATH; with corrupt it serves wrong bytes instead.
func rawServer(t *testing.T, p datasets.Pinned, dir string, corrupt bool) *httptest.Server {
	prefix := "/" + p.Repo + "/" + p.Commit + "/"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if corrupt {
			w.Write([]byte("not the file you want\n"))
			return
		}
		http.ServeFile(w, r, filepath.Join(dir, filepath.FromSlash(rel)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDatasetsUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"fetch"}, {"pull"}, {"pull", "nope"}, {"pull", "bbh", "humaneval"}, {"verify"}, {"list", "x"}} {
		if _, _, err := datasetsCLI(args...); !isUsage(err) {
			t.Errorf("%q: want a usage error, got %v", args, err)
		}
	}
}

func TestDatasetsPullCorrupt(t *testing.T) {
	p, _ := datasets.Lookup("bbh")
	srv := rawServer(t, p, "", true)
	dest := t.TempDir()
	_, _, err := datasetsCLI("pull", "bbh", "--dir", dest, "--base-url", srv.URL)
	if err == nil || !strings.Contains(err.Error(), "bbh/boolean_expressions.json: checksum mismatch: expected sha256 "+p.Files[0].SHA256) {
		t.Fatalf("pull from a corrupt origin: %v", err)
	}
	var left []string
	filepath.WalkDir(dest, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, path)
		}
		return nil
	})
	if len(left) != 0 {
		t.Errorf("a failed pull left files: %v", left)
	}
	out, _, err := datasetsCLI("verify", "bbh", "--dir", dest)
	if err == nil || !strings.Contains(out, "FAIL bbh/boolean_expressions.json: missing") || !strings.Contains(err.Error(), "datasets pull bbh") {
		t.Errorf("verify of an empty copy: %v\n%s", err, out)
	}
}

// TestDatasetsPullAndList serves the shared official copy from a local
// server, so the real pins are exercised without the internet.
func TestDatasetsPullAndList(t *testing.T) {
	shared := filepath.Join("..", "..", "..", "shared", "datasets", "BIG-Bench-Hard")
	if _, err := os.Stat(shared); err != nil {
		t.Skipf("no official BBH copy at %s to serve", shared)
	}
	p, _ := datasets.Lookup("bbh")
	srv := rawServer(t, p, shared, false)
	root := t.TempDir()
	t.Setenv(datasets.DataDirEnv, root)

	out, _, err := datasetsCLI("list")
	if err != nil || !strings.Contains(out, "suzgunmirac/BIG-Bench-Hard@9ee07bd481fe") || !strings.Contains(out, "not pulled") || !strings.Contains(out, "humaneval") {
		t.Fatalf("list before pull: %v\n%s", err, out)
	}
	out, stderr, err := datasetsCLI("pull", "bbh", "--base-url", srv.URL)
	if err != nil || !strings.Contains(out, "54 files verified in "+filepath.Join(root, "bbh")+" (54 fetched, 0 already there)") {
		t.Fatalf("pull: %v\n%s\n%s", err, out, stderr)
	}
	out, _, err = datasetsCLI("pull", "bbh", "--base-url", srv.URL)
	if err != nil || !strings.Contains(out, "(0 fetched, 54 already there)") {
		t.Errorf("second pull: %v\n%s", err, out)
	}
	out, _, err = datasetsCLI("list")
	if err != nil || !strings.Contains(out, filepath.Join(root, "bbh")+": verified") {
		t.Errorf("list after pull: %v\n%s", err, out)
	}
	if out, _, err := datasetsCLI("verify", "bbh"); err != nil || !strings.Contains(out, "54 files verified") {
		t.Errorf("verify: %v\n%s", err, out)
	}
	if dir, err := datasets.Locate("bbh", "", ""); err != nil || dir != filepath.Join(root, "bbh") {
		t.Errorf("Locate after pull: %q, %v", dir, err)
	}
}
