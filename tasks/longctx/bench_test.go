package longctx

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/tokenize"
)

// benchRuler generates and fits all 13 tasks x n samples at one length
// with the offline tokenizer, and reports beside the time:
//
//   - prompt-tokens/s: tokens of fitted prompts produced per second;
//   - tokenizer-tokens/s: the tokenizer's raw Count throughput on the
//     same prompts (one per task), the ceiling a generator that counts
//     each prompt once with it could reach;
//   - peak-RSS-MiB: the process's high-water resident set (VmHWM), the
//     tokenizer's vocabulary included;
//   - heap-MiB: the Go heap in use after the run.
//
// The target: 13 x 100 at 131072 tokens in under 60 s on 2
// cores with peak RSS under 1 GiB:
//
//	go test -run XXX -bench Ruler128K -benchtime 1x -cpu 2 ./tasks/longctx/
func benchRuler(b *testing.B, length, n int) {
	tok, err := tokenize.Get(tokenize.Default)
	if err != nil {
		b.Fatal(err)
	}
	p := params.Values{"lengths": []int{length}, "n": n, "seed": 42}
	var tokens, instances int
	var sample []string
	var elapsed time.Duration
	for b.Loop() {
		tokens, instances, sample = 0, 0, sample[:0]
		start := time.Now()
		for g, err := range (rulerSet{}).generate(context.Background(), p) {
			if err != nil {
				b.Fatal(err)
			}
			tokens += g.tokens
			instances++
			if g.in.Index == 0 {
				sample = append(sample, g.in.Request.Text())
			}
		}
		elapsed += time.Since(start)
	}
	b.StopTimer()
	if instances != 13*n {
		b.Fatalf("%d instances", instances)
	}
	per := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(float64(tokens)/per, "prompt-tokens/s")
	b.ReportMetric(float64(instances)/per, "instances/s")

	start := time.Now()
	counted := 0
	for _, s := range sample {
		counted += tok.Count(s)
	}
	raw := float64(counted) / time.Since(start).Seconds()
	b.ReportMetric(raw, "tokenizer-tokens/s")
	b.ReportMetric(float64(tokens)/per/raw, "x-tokenizer")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}

func BenchmarkRuler4K(b *testing.B)   { benchRuler(b, 4096, 20) }
func BenchmarkRuler32K(b *testing.B)  { benchRuler(b, 32768, 10) }
func BenchmarkRuler128K(b *testing.B) { benchRuler(b, 131072, 100) }

// peakRSS reads the process's high-water resident set from
// /proc/self/status (VmHWM), in bytes; 0 where there is none.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func BenchmarkInstance32K(b *testing.B) {
	c, err := rulerSet{}.config(params.Values{"tasks": []string{"niah_single_2"}})
	if err != nil {
		b.Fatal(err)
	}
	e, err := c.env(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	w := e.m.counter()
	t := byName["niah_single_2"]
	for i := 0; b.Loop(); i++ {
		if _, err := c.build(context.Background(), e, w, t, 32768, i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRuler128Kn10 is BenchmarkRuler128K with a tenth of the
// samples: run apart, its peak RSS beside the full run's shows memory
// does not grow with the sample count.
func BenchmarkRuler128Kn10(b *testing.B) { benchRuler(b, 131072, 10) }
