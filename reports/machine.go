package reports

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/engrambench/engrambench/hardware"
	"github.com/engrambench/engrambench/results"
)

// writeMachine writes the machine section: the host facts run.json
// recorded (each line only when it was read), the probe run before the
// first request, and the peaks of what the samplers watched during the run.
func writeMachine(b *bytes.Buffer, run results.Run) error {
	h := run.Host
	b.WriteString("\n## Machine\n\n")
	var rows [][2]string
	add := func(k, v string) {
		if v != "" {
			rows = append(rows, [2]string{k, v})
		}
	}
	add("CPU", mdText(orUnknown(h.CPUModel)))
	var cpus []string
	if h.PhysicalCores > 0 {
		cpus = append(cpus, strconv.Itoa(h.PhysicalCores)+" physical cores")
	}
	if h.LogicalCPUs > 0 {
		cpus = append(cpus, strconv.Itoa(h.LogicalCPUs)+" logical CPUs")
	}
	if h.AllowedCPUs > 0 {
		cpus = append(cpus, strconv.Itoa(h.AllowedCPUs)+" allowed to the process")
	}
	if h.GOMAXPROCS > 0 {
		cpus = append(cpus, "GOMAXPROCS "+strconv.Itoa(h.GOMAXPROCS))
	}
	add("CPUs", strings.Join(cpus, ", "))
	mem := "unknown"
	if h.MemoryBytes > 0 {
		mem = gib(h.MemoryBytes)
		if h.MemoryAvailableBytes > 0 {
			mem += " (" + gib(h.MemoryAvailableBytes) + " available at the start)"
		}
	}
	add("Memory", mem)
	if h.MemoryLimitBytes > 0 {
		add("Memory limit (cgroup)", gib(h.MemoryLimitBytes))
	}
	if len(h.Caches) > 0 {
		var cs []string
		for _, c := range h.Caches {
			name := "L" + strconv.Itoa(c.Level)
			switch c.Type {
			case "Data":
				name += "d"
			case "Instruction":
				name += "i"
			}
			cs = append(cs, fmt.Sprintf("%s %s ×%d", name, byteSize(c.SizeBytes), c.Instances))
		}
		add("Caches", strings.Join(cs, ", "))
	}
	if len(h.NUMANodes) > 0 {
		var ns []string
		for _, n := range h.NUMANodes {
			s := fmt.Sprintf("node %d: CPUs %s", n.ID, mdText(n.CPUs))
			if n.MemoryBytes > 0 {
				s += ", " + gib(n.MemoryBytes)
			}
			ns = append(ns, s)
		}
		add("NUMA", strings.Join(ns, "; "))
	}
	if h.THP != "" {
		thp := mdText(h.THP)
		if h.THPDefrag != "" {
			thp += ", defrag " + mdText(h.THPDefrag)
		}
		add("Transparent huge pages", thp)
	}
	sys := mdText(h.OS + "/" + h.Arch)
	if rest := strings.TrimSpace(h.Platform + " " + h.Kernel); rest != "" {
		sys += ", " + mdText(rest)
	}
	add("System", sys)
	virt := "none detected"
	if h.Virtualization != "" {
		virt = mdText(h.Virtualization)
	}
	add("Virtualisation", virt)
	for _, p := range h.Problems {
		add("Not read", mdText(p))
	}
	t := newTable(b, []string{"Fact", "Value"}, tw.Alignment{left, left})
	for _, r := range rows {
		if err := t.Append(r[:]); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if run.Probe == nil {
		b.WriteString("\nNo probe results (memory bandwidth, latency, row gather, GPUs) are recorded in this run; `engrambench probe` measures them.\n")
	} else {
		b.WriteString("\n### Probe\n\n")
		var p bytes.Buffer
		if err := hardware.WriteProbe(&p, run.Probe); err != nil {
			return err
		}
		writeProbeMarkdown(b, p.String())
	}
	if run.Samplers != nil && len(run.Samplers.Series) > 0 {
		b.WriteString("\n### During the run\n\n")
		return writeSamplers(b, run.Samplers)
	}
	return nil
}

// writeProbeMarkdown turns hardware.WriteProbe's text into Markdown: its
// tables are Markdown already; each other line becomes a paragraph of its
// own, and tables get the blank lines around them that Markdown needs.
func writeProbeMarkdown(b *bytes.Buffer, text string) {
	inTable := false
	first := true
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		table := strings.HasPrefix(line, "|")
		if !first && !(table && inTable) {
			b.WriteString("\n")
		}
		first = false
		if table {
			b.WriteString(line + "\n")
		} else {
			b.WriteString(mdText(strings.TrimSpace(line)) + "\n")
		}
		inTable = table
	}
}

// writeSamplers writes the peak and mean of each series the samplers
// recorded, with its count of readings.
func writeSamplers(b *bytes.Buffer, s *hardware.Samples) error {
	fmt.Fprintf(b, "Sampled every %s for %s.\n\n", PrettySeconds(s.IntervalSeconds), PrettySeconds(s.Seconds))
	t := newTable(b, []string{"Series", "Peak", "Mean", "Readings"}, tw.Alignment{left, right, right, right})
	for _, se := range s.Series {
		if err := t.Append([]string{mdCode(se.Name), unitValue(se.Peak, se.Unit), unitValue(se.Mean, se.Unit), strconv.Itoa(se.Samples)}); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, p := range s.Problems {
		b.WriteString("\n" + mdText("Not sampled: "+p) + "\n")
	}
	return nil
}

// unitValue renders a sampled value in its base unit for people.
func unitValue(v float64, unit string) string {
	switch unit {
	case "bytes":
		return gib(uint64(math.Max(v, 0)))
	case "watts":
		return strconv.FormatFloat(v, 'f', 0, 64) + " W"
	case "ratio":
		return percent(v) + "%"
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + mdText(unit)
}

// gpuMemoryPeaks lists the peak GPU memory in use per device over the
// run, from the samplers ("gpu=0 71.2 GiB (3,600 readings)").
func gpuMemoryPeaks(s *hardware.Samples) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, se := range s.Series {
		dev, ok := strings.CutPrefix(se.Name, "gpu_memory_used/")
		if !ok || se.Samples == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s (%d readings)", mdText(dev), unitValue(se.Peak, se.Unit), se.Samples))
	}
	return out
}

// sampledRSS is a runner's peak engine RSS from the samplers, 0 when they
// did not watch it.
func sampledRSS(s *hardware.Samples, runner string) uint64 {
	if s == nil {
		return 0
	}
	if v, ok := s.Peak("rss/runner=" + runner); ok && v > 0 {
		return uint64(v)
	}
	return 0
}

// byteSize renders a byte count with a binary unit: "32 KiB", "1.5 MiB".
func byteSize(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	v := float64(n)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if v == float64(int64(v)) {
		return strconv.FormatInt(int64(v), 10) + " " + units[i]
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}
