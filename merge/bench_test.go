package merge

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/catalog"
	"github.com/engrambench/engrambench/merge/mergetest"
	"github.com/engrambench/engrambench/results"
)

// resetPeakRSS zeroes the kernel's peak resident set (VmHWM) of this
// process, so that peakRSS reports what follows. Linux only; elsewhere
// the figure is the process's peak so far.
func resetPeakRSS() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM from /proc/self/status, in bytes; 0 when unknown.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchMerge merges n shards of a plan of 2 × (3 × bbhN + 4 × rulerN)
// samples, written once, and reports the merge's wall time and peak RSS.
func benchMerge(b *testing.B, n, bbhN, rulerN int) {
	if testing.Short() {
		b.Skip("writes and merges large shard files")
	}
	ctx := context.Background()
	dir := b.TempDir()
	t0 := time.Now()
	dirs, total, err := mergetest.WriteShards(ctx, dir, n, bbhN, rulerN, "bench", catalog.Default())
	if err != nil {
		b.Fatal(err)
	}
	var bytes int64
	for _, d := range dirs {
		st, _ := os.Stat(filepath.Join(d, results.SamplesFile))
		bytes += st.Size()
	}
	b.Logf("wrote %d shards, %d samples, %.0f MiB of samples.jsonl in %v", n, total, float64(bytes)/(1<<20), time.Since(t0).Round(time.Millisecond))
	b.SetBytes(bytes)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		out := filepath.Join(dir, fmt.Sprintf("merged-%d", i))
		debug.FreeOSMemory()
		resetPeakRSS()
		b.StartTimer()
		res, err := Dirs(ctx, dirs, out, Options{Catalog: catalog.Default()})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if res.Run.Finished != total || res.Run.Status != results.StatusComplete {
			b.Fatalf("merged %d of %d samples: %s", res.Run.Finished, total, res.Run.Status)
		}
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(float64(total), "samples")
		os.RemoveAll(out)
		b.StartTimer()
	}
}

// BenchmarkMerge16Shards1M is the target: 16 shards totalling
// 1,000,000 samples (about a kilobyte each) merged in under 30 s and 1 GiB
// on 2 cores. Run it with
//
//	go test ./merge -run '^$' -bench Merge16Shards1M -benchtime 1x
func BenchmarkMerge16Shards1M(b *testing.B) { benchMerge(b, 16, 100000, 50000) }

// BenchmarkMerge16Shards100k is the same at a tenth of the size.
func BenchmarkMerge16Shards100k(b *testing.B) { benchMerge(b, 16, 10000, 5000) }
