package hardware

import (
	"fmt"
	"io"
	"strings"
)

// WriteBenchfmt writes a probe in the Go benchmark format (configuration
// lines, then one result line per measurement, parameters as key=value in
// the name), so `benchstat machineA.txt machineB.txt` compares two hosts.
func WriteBenchfmt(w io.Writer, h Host, p *Probe) error {
	cfg := []struct{ k, v string }{{"goos", h.OS}, {"goarch", h.Arch}, {"cpu", h.CPUModel}, {"probe-mode", p.Mode}}
	for _, c := range cfg {
		if c.v != "" {
			if _, err := fmt.Fprintf(w, "%s: %s\n", c.k, strings.ReplaceAll(c.v, "\n", " ")); err != nil {
				return err
			}
		}
	}
	line := func(name string, vals ...any) error {
		_, err := fmt.Fprintf(w, "BenchmarkProbe/"+name+" 1"+strings.Repeat(" %.6g %s", len(vals)/2)+"\n", append([]any{}, vals...)...)
		return err
	}
	if bw := p.Bandwidth; bw != nil {
		for _, r := range bw.Results {
			if err := line(fmt.Sprintf("stream/kernel=%s/threads=%d/array=%s", r.Kernel, r.Threads, compact(bw.ArrayBytes)),
				r.BestSeconds, "sec/op", r.BytesPerSecond, "B/s", r.WriteAllocateBytesPerSecond, "write-allocate-B/s"); err != nil {
				return err
			}
		}
	}
	if lat := p.Latency; lat != nil {
		for _, r := range lat.Results {
			if err := line("chase/bytes="+compact(r.Bytes), r.SecondsPerLoad, "sec/load"); err != nil {
				return err
			}
		}
	}
	if g := p.Gather; g != nil {
		for _, r := range g.Results {
			if err := line(fmt.Sprintf("gather/mode=%s/threads=%d/row=%d/batch=%d/table=%s", r.Mode, r.Threads, g.RowBytes, g.Batch, compact(g.TableBytes)),
				r.RowsPerSecond, "rows/s", r.BytesPerSecond, "B/s"); err != nil {
				return err
			}
		}
	}
	return nil
}
