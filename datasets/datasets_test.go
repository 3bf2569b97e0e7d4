package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// origin is a fake raw-file server: it serves body[path] under
// /OWNER/REPO/COMMIT/ and counts requests.
type origin struct {
	mu   sync.Mutex
	body map[string]string // URL path → content
	hits map[string]int
}

func newOrigin(t *testing.T, files map[string]string) (*origin, *httptest.Server) {
	o := &origin{body: files, hits: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.hits[r.URL.Path]++
		b, ok := o.body[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(b))
	}))
	t.Cleanup(srv.Close)
	return o, srv
}

func (o *origin) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, h := range o.hits {
		n += h
	}
	return n
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// testSet is a small pinned set whose files the test writes itself.
func testSet(files map[string]string) Pinned {
	p := Pinned{Name: "toy", Repo: "someone/toy", Commit: "0123abcd", Licence: "MIT"}
	for _, path := range []string{"bbh/a.json", "bbh/b.json", "cot-prompts/a.txt"} {
		if c, ok := files[path]; ok {
			p.Files = append(p.Files, File{Path: path, SHA256: sum(c)})
		}
	}
	return p
}

var toyFiles = map[string]string{
	"bbh/a.json":        `{"examples": [{"input": "1", "target": "2"}]}`,
	"bbh/b.json":        `{"examples": []}`,
	"cot-prompts/a.txt": "canary\n-----\nA task.\n\nQ: x\nA: y. So the answer is z.",
}

func served(p Pinned, files map[string]string) map[string]string {
	out := map[string]string{}
	for path, c := range files {
		out["/"+p.Repo+"/"+p.Commit+"/"+path] = c
	}
	return out
}

// leftovers lists every file under dir, so a test can see that nothing
// but the verified files remain.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestPullFetchesVerifiesAndSkips(t *testing.T) {
	p := testSet(toyFiles)
	o, srv := newOrigin(t, served(p, toyFiles))
	dest := t.TempDir()
	var fetched, kept []string
	opts := PullOptions{BaseURL: srv.URL + "/", Client: srv.Client(), Progress: func(f File, got bool) {
		if got {
			fetched = append(fetched, f.Path)
		} else {
			kept = append(kept, f.Path)
		}
	}}
	if err := Pull(context.Background(), p, dest, opts); err != nil {
		t.Fatal(err)
	}
	if errs := Verify(p, dest); len(errs) > 0 {
		t.Fatalf("verify after pull: %v", errs)
	}
	for path, c := range toyFiles {
		b, err := os.ReadFile(filepath.Join(dest, path))
		if err != nil || string(b) != c {
			t.Errorf("%s: %q, %v", path, b, err)
		}
	}
	if len(fetched) != 3 || len(kept) != 0 || o.count() != 3 {
		t.Errorf("first pull: fetched %v, kept %v, %d requests", fetched, kept, o.count())
	}

	// A second pull finds every file good and asks for nothing.
	fetched, kept = nil, nil
	if err := Pull(context.Background(), p, dest, opts); err != nil {
		t.Fatal(err)
	}
	if len(fetched) != 0 || len(kept) != 3 || o.count() != 3 {
		t.Errorf("second pull: fetched %v, kept %v, %d requests", fetched, kept, o.count())
	}

	// A damaged local file is fetched again and replaced.
	os.WriteFile(filepath.Join(dest, "bbh", "b.json"), []byte("damaged"), 0o644)
	if errs := Verify(p, dest); len(errs) != 1 || !strings.Contains(errs[0].Error(), "bbh/b.json: checksum mismatch") {
		t.Errorf("verify of a damaged copy: %v", errs)
	}
	fetched = nil
	if err := Pull(context.Background(), p, dest, opts); err != nil {
		t.Fatal(err)
	}
	if len(fetched) != 1 || fetched[0] != "bbh/b.json" || len(Verify(p, dest)) != 0 {
		t.Errorf("repair pull fetched %v", fetched)
	}
	if got := leftovers(t, dest); len(got) != 3 {
		t.Errorf("files left: %v", got)
	}
}

func TestPullRejectsCorruptFile(t *testing.T) {
	p := testSet(toyFiles)
	bad := served(p, toyFiles)
	bad["/"+p.Repo+"/"+p.Commit+"/bbh/a.json"] = `{"examples": [{"input": "1", "target": "3"}]}` // tampered
	_, srv := newOrigin(t, bad)
	dest := t.TempDir()
	err := Pull(context.Background(), p, dest, PullOptions{BaseURL: srv.URL, Client: srv.Client()})
	if err == nil {
		t.Fatal("want a checksum error")
	}
	msg := err.Error()
	want := sum(toyFiles["bbh/a.json"])
	got := sum(bad["/"+p.Repo+"/"+p.Commit+"/bbh/a.json"])
	for _, s := range []string{"bbh/a.json", "checksum mismatch", "expected sha256 " + want, "got " + got} {
		if !strings.Contains(msg, s) {
			t.Errorf("error %q lacks %q", msg, s)
		}
	}
	// The bad file is gone, no temporary file remains, the others arrived.
	left := leftovers(t, dest)
	if strings.Join(left, " ") != "bbh/b.json cot-prompts/a.txt" {
		t.Errorf("files left after a corrupt download: %v", left)
	}
	if errs := Verify(p, dest); len(errs) != 1 || !strings.Contains(errs[0].Error(), "bbh/a.json: missing") {
		t.Errorf("verify: %v", errs)
	}
}

func TestPullHTTPErrorsAndCancel(t *testing.T) {
	p := testSet(toyFiles)
	files := served(p, toyFiles)
	delete(files, "/"+p.Repo+"/"+p.Commit+"/cot-prompts/a.txt")
	_, srv := newOrigin(t, files)
	dest := t.TempDir()
	err := Pull(context.Background(), p, dest, PullOptions{BaseURL: srv.URL, Client: srv.Client()})
	if err == nil || !strings.Contains(err.Error(), "cot-prompts/a.txt") || !strings.Contains(err.Error(), "404") {
		t.Errorf("missing upstream file: %v", err)
	}
	if left := leftovers(t, dest); len(left) != 2 {
		t.Errorf("files left: %v", left)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Pull(ctx, p, t.TempDir(), PullOptions{BaseURL: srv.URL, Client: srv.Client()}); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled pull: %v", err)
	}
}

func TestPullRefusesEscapingPaths(t *testing.T) {
	for _, bad := range []string{"../x", "/etc/passwd", "a/../../x", `a\b`, ""} {
		p := Pinned{Name: "evil", Repo: "a/b", Commit: "c", Files: []File{{Path: bad, SHA256: sum("")}}}
		_, srv := newOrigin(t, map[string]string{})
		if err := Pull(context.Background(), p, t.TempDir(), PullOptions{BaseURL: srv.URL}); err == nil {
			t.Errorf("path %q: want an error", bad)
		}
	}
}

func TestRegistry(t *testing.T) {
	b, ok := Lookup("bbh")
	if !ok || b.Repo != "suzgunmirac/BIG-Bench-Hard" || b.Commit != "9ee07bd481feebf959a6b59d61ea57bdcf30964d" || b.Licence != "MIT" {
		t.Fatalf("bbh: %+v", b)
	}
	var json, txt int
	for _, f := range b.Files {
		switch {
		case strings.HasPrefix(f.Path, "bbh/") && strings.HasSuffix(f.Path, ".json"):
			json++
		case strings.HasPrefix(f.Path, "cot-prompts/") && strings.HasSuffix(f.Path, ".txt"):
			txt++
		default:
			t.Errorf("unexpected file %s", f.Path)
		}
		if len(f.SHA256) != 64 {
			t.Errorf("%s: checksum %q", f.Path, f.SHA256)
		}
	}
	if json != 27 || txt != 27 {
		t.Errorf("bbh pins %d task files and %d prompt files, want 27 and 27", json, txt)
	}
	h, ok := Lookup("humaneval")
	if !ok || len(h.Files) != 1 || h.Files[0].Path != "data/HumanEval.jsonl.gz" || h.Repo != "openai/human-eval" {
		t.Errorf("humaneval: %+v", h)
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
	// Registry hands out copies.
	Registry()[0].Files[0].Path = "changed"
	if again, _ := Lookup("bbh"); again.Files[0].Path == "changed" {
		t.Error("Registry shares its slices")
	}
}

// sharedCopy returns ../shared/datasets/FOLDER when this checkout has it.
func sharedCopy(t *testing.T, folder string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "datasets", folder)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no official copy at %s: the pins are checked against it only when present", dir)
	}
	return dir
}

func TestPinsMatchSharedCopy(t *testing.T) {
	for name, folder := range map[string]string{"bbh": "BIG-Bench-Hard", "humaneval": "human-eval"} {
		t.Run(name, func(t *testing.T) {
			dir := sharedCopy(t, folder)
			p, _ := Lookup(name)
			if errs := Verify(p, dir); len(errs) > 0 {
				t.Errorf("%s at %s: %v", name, dir, errs)
			}
		})
	}
}

func TestCacheRootAndLocate(t *testing.T) {
	root := t.TempDir()
	t.Setenv(DataDirEnv, root)
	t.Setenv("TOY_DIR", "")
	if got, err := CacheRoot(); err != nil || got != root {
		t.Errorf("CacheRoot = %q, %v", got, err)
	}
	if got, err := Dir("bbh"); err != nil || got != filepath.Join(root, "bbh") {
		t.Errorf("Dir = %q, %v", got, err)
	}

	// Nothing anywhere: the error says how to get the data.
	_, err := Locate("bbh", "", "TOY_DIR")
	if err == nil || !strings.Contains(err.Error(), "engrambench datasets pull bbh") || !strings.Contains(err.Error(), "$TOY_DIR") || !errors.Is(err, ErrMissing) {
		t.Errorf("absent data: %v", err)
	}
	// An explicit or environment directory wins, used as it is.
	mine := t.TempDir()
	if got, err := Locate("bbh", mine, "TOY_DIR"); err != nil || got != mine {
		t.Errorf("explicit: %q, %v", got, err)
	}
	if _, err := Locate("bbh", filepath.Join(mine, "nope"), "TOY_DIR"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("explicit missing: %v", err)
	}
	t.Setenv("TOY_DIR", mine)
	if got, err := Locate("bbh", "", "TOY_DIR"); err != nil || got != mine {
		t.Errorf("from env: %q, %v", got, err)
	}
	t.Setenv("TOY_DIR", "")
	// A cache copy that does not verify is refused, with the repair.
	os.MkdirAll(filepath.Join(root, "bbh", "bbh"), 0o755)
	os.WriteFile(filepath.Join(root, "bbh", "bbh", "boolean_expressions.json"), []byte("{}"), 0o644)
	_, err = Locate("bbh", "", "TOY_DIR")
	if err == nil || !strings.Contains(err.Error(), "does not verify") || !strings.Contains(err.Error(), "datasets pull bbh") {
		t.Errorf("bad cache: %v", err)
	}
	if _, err := Locate("nope", "", ""); err == nil || !strings.Contains(err.Error(), "unknown data set") || errors.Is(err, ErrMissing) {
		t.Errorf("unknown set: %v", err)
	}
}

func TestLocateVerifiedCache(t *testing.T) {
	shared, err := filepath.Abs(sharedCopy(t, "BIG-Bench-Hard"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	t.Setenv(DataDirEnv, root)
	if err := os.Symlink(shared, filepath.Join(root, "bbh")); err != nil {
		t.Skipf("cannot link the shared copy into a cache: %v", err)
	}
	if got, err := Locate("bbh", "", ""); err != nil || got != filepath.Join(root, "bbh") {
		t.Errorf("verified cache: %q, %v", got, err)
	}
}
