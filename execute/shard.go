package execute

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/suites"
)

// ErrShardBusy is returned when another process is running the same shard
// of the same run in the same output directory.
var ErrShardBusy = errors.New("shard is already running")

// validRunID keeps run ids usable as directory names and in shell scripts.
var validRunID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$`)

// CheckRunID reports a run id that cannot name a run directory.
func CheckRunID(id string) error {
	if !validRunID.MatchString(id) {
		return fmt.Errorf("run id %q: use up to 200 letters, digits, '.', '_' and '-', starting with a letter or digit", id)
	}
	return nil
}

// ShardDir is the name of a shard's run directory: RUNID.shard-I-of-N.
func ShardDir(runID string, plan *suites.Plan) string {
	return runID + "." + plan.Shard.Name()
}

// StartShard runs the shard plan.Shard of the plan in the directory
// outDir/RUNID.shard-I-of-N, where RUNID is opts.RunID (the shards of one
// run share it, so that they write into one run of a shared store and
// merge keeps it) or a new id.
//
// When that directory already exists, because the shard was started
// before and killed (a Kubernetes pod restarted, a Slurm task requeued),
// the same command resumes it, provided it holds the same plan. A lock
// file beside it (.RUNID.shard-I-of-N.lock, flock(2)) keeps a second
// process started for the same shard by mistake out while the first runs:
// the second fails at once with ErrShardBusy instead of writing the same
// samples twice.
func StartShard(ctx context.Context, plan *suites.Plan, outDir string, cat suites.Catalog, opts Options) (Outcome, error) {
	if plan.Shard.Whole() {
		return Outcome{}, errors.New("StartShard: the plan is not a shard")
	}
	if plan.Serving != nil {
		return Outcome{}, errors.New("load tests cannot be split into shards")
	}
	id := opts.RunID
	if id == "" {
		id = runID(plan.Suite, opts.now().UTC())
	}
	if err := CheckRunID(id); err != nil {
		return Outcome{}, err
	}
	opts.RunID = id
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return Outcome{}, fmt.Errorf("output directory: %w", err)
	}
	dir := filepath.Join(outDir, ShardDir(id, plan))
	unlock, err := lockRunDir(dir)
	if err != nil {
		return Outcome{}, err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, results.RunFile)); err == nil {
		stored, err := results.ReadRun(dir)
		if err != nil {
			return Outcome{}, err
		}
		a, _ := json.Marshal(stored.Plan)
		b, _ := json.Marshal(plan.Record())
		if stored.Suite != plan.Suite || !bytes.Equal(a, b) {
			return Outcome{}, fmt.Errorf("%s holds shard %s of run %s with another plan than this command's (did the suite, --runner, --limit or a daily seed change?); use another --run-id, or remove the directory", dir, plan.Shard, id)
		}
		return resume(ctx, dir, cat, ResumeOptions{}, opts)
	}
	expected, err := Expected(ctx, plan)
	if err != nil {
		return Outcome{}, err
	}
	dir, run, err := newRunDir(ctx, plan, outDir, expected, opts)
	if err != nil {
		return Outcome{}, err
	}
	return execute(ctx, plan, dir, run, nil, nil, opts)
}

// lockPath is the lock file of a shard run directory: a hidden file beside
// it, so that it exists before the directory does and is never mistaken
// for a run.
func lockPath(dir string) string {
	return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".lock")
}

// lockRunDir takes the lock of a shard run directory, or fails with
// ErrShardBusy naming the process that holds it. The lock goes with the
// process, however it ends; the file stays.
func lockRunDir(dir string) (unlock func(), err error) {
	path := lockPath(dir)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	busy, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if busy {
		holder, _ := os.ReadFile(path)
		f.Close()
		who := strings.TrimSpace(string(holder))
		if who == "" {
			who = "another process"
		}
		return nil, fmt.Errorf("%w: %s is held by %s; not starting a second copy", ErrShardBusy, path, who)
	}
	host, _ := os.Hostname()
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d on %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	}
	return func() { f.Close() }, nil
}
