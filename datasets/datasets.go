// Package datasets knows the public data sets engrambench can evaluate on,
// pinned to one upstream commit with a SHA-256 per file, and fetches and
// checks local copies of them. The project never ships the data: a user
// points a task set at a clone, or fills the user cache with
// `engrambench datasets pull NAME`.
//
// Pull downloads each file to a temporary name beside its destination,
// hashing as it writes, and renames it into place only when the checksum
// matches, so an interrupted or tampered download never leaves a file that
// looks complete.
package datasets

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// File is one file of a data set: its path relative to the upstream
// repository root, and the hex SHA-256 of its bytes.
type File struct {
	Path, SHA256 string
}

// Pinned is a data set at one upstream commit.
type Pinned struct {
	Name    string // what commands and task sets call it, e.g. "bbh"
	Repo    string // OWNER/REPO on GitHub
	Commit  string // full commit hash
	Files   []File
	Licence string
}

// DataDirEnv overrides the cache root.
const DataDirEnv = "ENGRAMBENCH_DATA_DIR"

// DefaultBaseURL serves raw files as BASE/OWNER/REPO/COMMIT/PATH.
const DefaultBaseURL = "https://raw.githubusercontent.com"

// Registry lists every pinned data set, by name.
func Registry() []Pinned {
	out := []Pinned{bbh(), humanEval()}
	for i := range out {
		out[i].Files = slices.Clone(out[i].Files)
	}
	return out
}

// Lookup returns the named data set.
func Lookup(name string) (Pinned, bool) {
	for _, p := range Registry() {
		if p.Name == name {
			return p, true
		}
	}
	return Pinned{}, false
}

// Names lists the registered data sets.
func Names() []string {
	var out []string
	for _, p := range Registry() {
		out = append(out, p.Name)
	}
	return out
}

// CacheRoot is where pulled data sets live: $ENGRAMBENCH_DATA_DIR, else
// the user cache directory's engrambench/datasets.
func CacheRoot() (string, error) {
	if d := os.Getenv(DataDirEnv); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory (set %s): %w", DataDirEnv, err)
	}
	return filepath.Join(d, "engrambench", "datasets"), nil
}

// Dir is the cache directory of one data set: CacheRoot()/name.
func Dir(name string) (string, error) {
	root, err := CacheRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, name), nil
}

// PullOptions adjusts Pull; the zero value fetches from GitHub.
type PullOptions struct {
	BaseURL string       // default DefaultBaseURL
	Client  *http.Client // default http.DefaultClient
	// Progress, when set, is told about each file once it is in place:
	// fetched is false when a good copy was already there.
	Progress func(f File, fetched bool)
}

// Pull makes dest hold every file of p, each verified against its
// checksum. Files already present with the right checksum are kept. A
// download whose checksum differs is deleted and reported with both
// checksums; the other files are still fetched, and every failure is
// returned together.
func Pull(ctx context.Context, p Pinned, dest string, opts PullOptions) error {
	if p.Repo == "" || p.Commit == "" {
		return fmt.Errorf("data set %q has no repository or commit", p.Name)
	}
	base := strings.TrimRight(cmp.Or(opts.BaseURL, DefaultBaseURL), "/")
	client := opts.Client
	if client == nil {
		client = http.DefaultClient
	}
	var errs []error
	for _, f := range p.Files {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, err)...)
		}
		target, err := localPath(dest, f.Path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if got, err := fileSHA256(target); err == nil && got == f.SHA256 {
			if opts.Progress != nil {
				opts.Progress(f, false)
			}
			continue
		}
		url := base + "/" + p.Repo + "/" + p.Commit + "/" + f.Path
		if err := fetch(ctx, client, url, target, f); err != nil {
			errs = append(errs, err)
			continue
		}
		if opts.Progress != nil {
			opts.Progress(f, true)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("pull %s: %w", p.Name, errors.Join(errs...))
	}
	return nil
}

// localPath joins a repository path onto dest, refusing paths that would
// leave it.
func localPath(dest, rel string) (string, error) {
	clean := path.Clean(rel)
	if rel == "" || path.IsAbs(rel) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(rel, `\`) {
		return "", fmt.Errorf("%s: not a relative path inside the data set", rel)
	}
	return filepath.Join(dest, filepath.FromSlash(clean)), nil
}

// fetch downloads url into target by way of a temporary file in the same
// directory, renamed into place only when its SHA-256 matches.
func fetch(ctx context.Context, client *http.Client, url, target string, f File) (err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	req.Header.Set("User-Agent", "engrambench-datasets")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: GET %s: %s", f.Path, url, resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".part-*")
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), resp.Body); err != nil {
		return fmt.Errorf("%s: download: %w", f.Path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 {
		return fmt.Errorf("%s: checksum mismatch: expected sha256 %s, got %s (file discarded)", f.Path, f.SHA256, got)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	return nil
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Verify checks every file of p under dir against its checksum and returns
// one error per missing or differing file; nil means the copy is good.
func Verify(p Pinned, dir string) []error {
	var errs []error
	for _, f := range p.Files {
		target, err := localPath(dir, f.Path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got, err := fileSHA256(target)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("%s: missing", f.Path))
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", f.Path, err))
		case got != f.SHA256:
			errs = append(errs, fmt.Errorf("%s: checksum mismatch: expected sha256 %s, got %s", f.Path, f.SHA256, got))
		}
	}
	return errs
}

// ErrMissing is what Locate's error matches (errors.Is) when no local
// copy is found, so a caller can skip instead of failing.
var ErrMissing = errors.New("data set not available locally")

// missing is an error that reads as its message and matches ErrMissing.
type missing struct{ msg string }

func (m missing) Error() string        { return m.msg }
func (m missing) Is(target error) bool { return target == ErrMissing }

// Locate finds a local copy of the named data set: the explicit directory
// when given, else the one $envVar names, else the cache directory when
// its files verify. A directory the user names is used as it is (a clone
// may hold more than the pinned files); only the cache is checksummed. The
// error says how to get the data, and matches ErrMissing unless the name
// is unknown.
func Locate(name, explicit, envVar string) (string, error) {
	p, ok := Lookup(name)
	if !ok {
		return "", fmt.Errorf("unknown data set %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	how := howToGet(name, envVar)
	if explicit != "" {
		if !isDir(explicit) {
			return "", missing{fmt.Sprintf("%s data directory %s does not exist; %s", name, explicit, how)}
		}
		return explicit, nil
	}
	if envVar != "" {
		if d := os.Getenv(envVar); d != "" {
			if !isDir(d) {
				return "", missing{fmt.Sprintf("%s data directory %s (from $%s) does not exist; %s", name, d, envVar, how)}
			}
			return d, nil
		}
	}
	dir, err := Dir(name)
	if err != nil {
		return "", missing{fmt.Sprintf("%v; %s", err, how)}
	}
	if !isDir(dir) {
		return "", missing{fmt.Sprintf("no %s data at %s; %s", name, dir, how)}
	}
	if errs := Verify(p, dir); len(errs) > 0 {
		return "", missing{fmt.Sprintf("the %s data at %s does not verify (%v%s); run `engrambench datasets pull %s` to repair it",
			name, dir, errs[0], more(len(errs)-1), name)}
	}
	return dir, nil
}

func howToGet(name, envVar string) string {
	s := "run `engrambench datasets pull " + name + "` to download it into the user cache"
	if envVar != "" {
		s += ", or point data_dir (or $" + envVar + ") at a clone of the upstream repository"
	} else {
		s += ", or point data_dir at a clone of the upstream repository"
	}
	return s
}

func more(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" and %d more", n)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
