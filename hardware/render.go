package hardware

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Rendering prettifies: results hold base units (bytes, seconds), tables
// show GB/s (10^9 bytes, as STREAM reports), ns and Mrows/s.

// WriteHost writes the host facts as a few lines of text.
func WriteHost(w io.Writer, h Host) {
	fmt.Fprintf(w, "Host:    %s\n", orUnknown(h.Hostname))
	cpu := fmt.Sprintf("%s, %d logical CPUs", orUnknown(h.CPUModel), h.LogicalCPUs)
	if h.PhysicalCores > 0 {
		cpu += fmt.Sprintf(", %d cores", h.PhysicalCores)
	}
	if h.AllowedCPUs > 0 && h.AllowedCPUs != h.LogicalCPUs {
		cpu += fmt.Sprintf(", %d allowed", h.AllowedCPUs)
	}
	fmt.Fprintf(w, "CPU:     %s\n", cpu)
	mem := humanBytes(h.MemoryBytes)
	if h.MemoryAvailableBytes > 0 {
		mem += fmt.Sprintf(" (%s available)", humanBytes(h.MemoryAvailableBytes))
	}
	if h.MemoryLimitBytes > 0 {
		mem += fmt.Sprintf(", cgroup limit %s", humanBytes(h.MemoryLimitBytes))
	}
	fmt.Fprintf(w, "Memory:  %s\n", mem)
	if len(h.Caches) > 0 {
		var cs []string
		for _, c := range h.Caches {
			name := fmt.Sprintf("L%d", c.Level)
			switch c.Type {
			case "Data":
				name += "d"
			case "Instruction":
				name += "i"
			}
			cs = append(cs, fmt.Sprintf("%s %s x%d", name, formatBytes(c.SizeBytes), c.Instances))
		}
		fmt.Fprintf(w, "Caches:  %s\n", strings.Join(cs, ", "))
	}
	if len(h.NUMANodes) > 0 {
		var ns []string
		for _, n := range h.NUMANodes {
			s := fmt.Sprintf("node%d CPUs %s", n.ID, n.CPUs)
			if n.MemoryBytes > 0 {
				s += ", " + humanBytes(n.MemoryBytes)
			}
			ns = append(ns, s)
		}
		fmt.Fprintf(w, "NUMA:    %s\n", strings.Join(ns, "; "))
	}
	if h.THP != "" {
		thp := h.THP
		if h.THPDefrag != "" {
			thp += ", defrag " + h.THPDefrag
		}
		fmt.Fprintf(w, "THP:     %s\n", thp)
	}
	sys := strings.TrimSpace(strings.Join([]string{h.Platform, h.Kernel, h.Virtualization}, " "))
	if sys != "" {
		fmt.Fprintf(w, "System:  %s/%s, %s\n", h.OS, h.Arch, sys)
	}
	for _, p := range h.Problems {
		fmt.Fprintf(w, "  note: %s\n", p)
	}
}

// WriteProbe writes a probe's results as tables.
func WriteProbe(w io.Writer, p *Probe) error {
	fmt.Fprintf(w, "Probe:   %s, %.1f s, threads pinned to CPUs %v, memory budget %s, seed %d\n", p.Mode, p.Seconds, p.CPUs, humanBytes(p.MemoryBudgetBytes), p.Seed)
	if p.GPU != nil {
		if err := writeGPUs(w, *p.GPU); err != nil {
			return err
		}
	}
	if bw := p.Bandwidth; bw != nil && len(bw.Results) > 0 {
		fmt.Fprintf(w, "\nMemory bandwidth: STREAM, 3 arrays of %s, best of %d passes after a discarded first; pages %s\n", formatBytes(bw.ArrayBytes), bw.Passes, bw.Pages)
		fmt.Fprintln(w, "GB/s as STREAM counts (in brackets: with write-allocate reads)")
		t := newTable(w, []string{"Threads", "Copy", "Scale", "Add", "Triad"})
		rows := map[int][]string{}
		var order []int
		for _, r := range bw.Results {
			if rows[r.Threads] == nil {
				rows[r.Threads] = make([]string, 5)
				rows[r.Threads][0] = strconv.Itoa(r.Threads)
				order = append(order, r.Threads)
			}
			for i, k := range streamKernels {
				if k.Name == r.Kernel {
					rows[r.Threads][i+1] = fmt.Sprintf("%.1f (%.1f)", r.BytesPerSecond/1e9, r.WriteAllocateBytesPerSecond/1e9)
				}
			}
		}
		for _, k := range order {
			if err := t.Append(rows[k]); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
		writeNotes(w, bw.Notes)
	}
	if lat := p.Latency; lat != nil && len(lat.Results) > 0 {
		fmt.Fprintf(w, "\nMemory latency: dependent loads over a random cycle of 64-byte nodes, one thread; pages %s\n", lat.Pages)
		t := newTable(w, []string{"Working set", "ns/load", "Loads timed"})
		for _, r := range lat.Results {
			if err := t.Append([]string{formatBytes(r.Bytes), fmt.Sprintf("%.2f", r.SecondsPerLoad*1e9), strconv.Itoa(r.Loads)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
		writeNotes(w, lat.Notes)
	}
	if g := p.Gather; g != nil && len(g.Results) > 0 {
		fmt.Fprintf(w, "\nRandom row gather: %d-byte rows from a %s table, batches of %d; pages %s\n", g.RowBytes, formatBytes(g.TableBytes), g.Batch, g.Pages)
		t := newTable(w, []string{"Threads", "Plain Mrows/s", "Plain GB/s", "Batched Mrows/s", "Batched GB/s"})
		rows := map[int][]string{}
		var order []int
		for _, r := range g.Results {
			if rows[r.Threads] == nil {
				rows[r.Threads] = []string{strconv.Itoa(r.Threads), "", "", "", ""}
				order = append(order, r.Threads)
			}
			i := 1
			if r.Mode == "batched" {
				i = 3
			}
			rows[r.Threads][i] = fmt.Sprintf("%.1f", r.RowsPerSecond/1e6)
			rows[r.Threads][i+1] = fmt.Sprintf("%.2f", r.BytesPerSecond/1e9)
		}
		for _, k := range order {
			if err := t.Append(rows[k]); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
		writeNotes(w, g.Notes)
	}
	for _, r := range p.Requests {
		if err := writeRequests(w, r); err != nil {
			return err
		}
	}
	if len(p.Notes) > 0 {
		fmt.Fprintln(w)
		writeNotes(w, p.Notes)
	}
	return nil
}

func writeGPUs(w io.Writer, g GPUs) error {
	fmt.Fprintf(w, "GPU:     %s\n", g)
	if len(g.Devices) == 0 {
		writeNotes(w, g.Notes)
		return nil
	}
	t := newTableLeft(w, []string{"GPU", "Name", "Memory used / total", "Util", "Power / limit", "PCIe", "SM clock"}, 2)
	for _, d := range g.Devices {
		mem := "n/a"
		if d.MemoryTotalBytes != nil {
			used := "?"
			if d.MemoryUsedBytes != nil {
				used = humanBytes(*d.MemoryUsedBytes)
			}
			mem = used + " / " + humanBytes(*d.MemoryTotalBytes)
		}
		util := "n/a"
		if d.UtilizationGPU != nil {
			util = fmt.Sprintf("%.0f%%", 100**d.UtilizationGPU)
		}
		power := "n/a"
		if d.PowerWatts != nil {
			power = fmt.Sprintf("%.0f W", *d.PowerWatts)
			if d.PowerLimitWatts != nil {
				power += fmt.Sprintf(" / %.0f W", *d.PowerLimitWatts)
			}
		}
		pcie := "n/a"
		if d.PCIeGen != nil && d.PCIeWidth != nil {
			pcie = fmt.Sprintf("Gen%d x%d", *d.PCIeGen, *d.PCIeWidth)
			if d.PCIeGenMax != nil && d.PCIeWidthMax != nil && (*d.PCIeGenMax != *d.PCIeGen || *d.PCIeWidthMax != *d.PCIeWidth) {
				pcie += fmt.Sprintf(" (max Gen%d x%d)", *d.PCIeGenMax, *d.PCIeWidthMax)
			}
		}
		clock := "n/a"
		if d.ClockSMHz != nil {
			clock = fmt.Sprintf("%.0f MHz", *d.ClockSMHz/1e6)
			if d.ClockSMMaxHz != nil {
				clock = fmt.Sprintf("%.0f / %.0f MHz", *d.ClockSMHz/1e6, *d.ClockSMMaxHz/1e6)
			}
		}
		if err := t.Append([]string{strconv.Itoa(d.Index), d.Name, mem, util, power, pcie, clock}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	writeNotes(w, g.Notes)
	return nil
}

func writeRequests(w io.Writer, r RequestLatency) error {
	fmt.Fprintf(w, "\nRequest latency: runner %s", r.Runner)
	if r.Model != "" {
		fmt.Fprintf(w, " (%s)", r.Model)
	}
	fmt.Fprintf(w, ", %d requests one at a time after a warm-up, %d errors\n", r.Requests, r.Errors)
	t := newTable(w, []string{"", "n", "min", "median", "p90", "max"})
	for _, row := range []struct {
		name string
		s    Stats
	}{{"TTFT", r.TTFT}, {"TPOT", r.TPOT}, {"E2E", r.E2E}} {
		if row.s.N == 0 {
			continue
		}
		if err := t.Append([]string{row.name, strconv.Itoa(row.s.N), prettySeconds(row.s.Min), prettySeconds(row.s.Median), prettySeconds(row.s.P90), prettySeconds(row.s.Max)}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	writeNotes(w, r.Notes)
	return nil
}

func prettySeconds(s float64) string {
	switch {
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.0f µs", s*1e6)
}

func writeNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}

// newTable is a Markdown table: readable in a terminal, pasteable into a
// report. The first column is left-aligned, the rest right-aligned.
func newTable(w io.Writer, headers []string) *tablewriter.Table {
	return newTableLeft(w, headers, 1)
}

// newTableLeft left-aligns the first left columns (names, not numbers).
func newTableLeft(w io.Writer, headers []string, left int) *tablewriter.Table {
	align := make(tw.Alignment, len(headers))
	for i := range align {
		align[i] = tw.AlignRight
		if i < left {
			align[i] = tw.AlignLeft
		}
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithAlignment(align),
	)
	t.Header(headers)
	return t
}
