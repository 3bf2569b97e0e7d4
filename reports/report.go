package reports

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/engrambench/engrambench/results"
)

const (
	left  = tw.AlignLeft
	right = tw.AlignRight
)

// WriteReport writes the per-cell report from cells alone: a title, the
// run's status and header, the results table (one row per cell, in the
// order given), a streaming table when any response was streamed, a
// per-runner summary and the definitions of every column. The output
// depends only on run and cells, byte for byte. report.md itself is the
// cost-versus-quality report (Build, then Report.Write), which includes
// these tables.
func WriteReport(w io.Writer, run results.Run, cells []Cell) error {
	var b bytes.Buffer
	writeRunHeader(&b, run)
	b.WriteString("\n## Results\n\n")
	if err := writeCellSections(&b, cells, "##"); err != nil {
		return err
	}
	b.WriteString("\n")
	b.WriteString(definitions)
	_, err := w.Write(b.Bytes())
	return err
}

// writeCellSections writes the results table (one row per cell), its
// footnotes, the streaming table and the per-runner summary, with headings
// at the level given ("##").
func writeCellSections(b *bytes.Buffer, cells []Cell, level string) error {
	if len(cells) == 0 {
		b.WriteString("No samples were recorded.\n")
	} else if err := writeResultsTable(b, cells); err != nil {
		return err
	}
	var frac, tiny, est bool
	for _, c := range cells {
		frac = frac || c.Fractional && c.N >= MinIntervalN
		tiny = tiny || c.N > 0 && c.N < MinIntervalN
		est = est || c.UsageEstimated && c.Responded > 0
	}
	writeFootnotes(b, frac, tiny, est)

	if streamed := streamedCells(cells); len(streamed) > 0 {
		b.WriteString("\n" + level + " Streaming\n\n")
		if err := writeStreamingTable(b, streamed); err != nil {
			return err
		}
	}

	if len(cells) > 0 {
		b.WriteString("\n" + level + " By runner\n\n")
		if err := writeRunnerTable(b, cells); err != nil {
			return err
		}
	}
	return nil
}

// writeFootnotes explains the marks a table used, one paragraph each.
func writeFootnotes(b *bytes.Buffer, frac, tiny, est bool) {
	var notes []string
	if frac {
		notes = append(notes, "† The row has fractional scores: its interval is an approximation.")
	}
	if tiny {
		notes = append(notes, fmt.Sprintf("‡ Fewer than %d scored samples: no interval is shown, since one would mislead.", MinIntervalN))
	}
	if est {
		notes = append(notes, "(est.) Some token counts were estimated with a client tokenizer.")
	}
	for _, n := range notes {
		b.WriteString("\n" + n + "\n")
	}
}

func writeRunHeader(b *bytes.Buffer, run results.Run) {
	fmt.Fprintf(b, "# %s: run %s\n\n", mdText(orUnknown(run.Suite)), mdText(orUnknown(run.ID)))

	fmt.Fprintf(b, "Status: %s", mdText(orUnknown(run.Status)))
	if run.Status != results.StatusComplete {
		stop := "no stop message recorded"
		if m := oneLine(run.Message); m != "" {
			stop = "stopped: " + mdText(m)
		}
		fmt.Fprintf(b, ". **Partial run**: %d of %d expected samples finished; %s. Figures cover the finished samples only.",
			run.Finished, run.Expected, stop)
	}
	b.WriteString("\n\n")

	suite := mdText(orUnknown(run.Suite))
	if run.SuiteFrom != "" {
		suite += " (" + mdText(run.SuiteFrom) + ")"
	}
	fmt.Fprintf(b, "- Suite: %s\n", suite)
	if run.Plan.Limit > 0 {
		fmt.Fprintf(b, "- Limit: %d instances per task\n", run.Plan.Limit)
	}
	fmt.Fprintf(b, "- Started: %s\n", stamp(run.Start))
	fmt.Fprintf(b, "- Duration: %s\n", duration(run.Start, run.End))
	version := "engrambench " + mdText(orUnknown(run.Version))
	if run.Commit != "" {
		version += ", commit " + mdText(run.Commit)
	}
	fmt.Fprintf(b, "- Build: %s, %s\n", version, mdText(orUnknown(run.GoVersion)))
	fmt.Fprintf(b, "- Host: %s\n", hostLine(run))
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func duration(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return "unknown (no end recorded)"
	}
	d := end.Sub(start)
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func hostLine(run results.Run) string {
	h := run.Host
	var parts []string
	parts = append(parts, mdText(orUnknown(h.CPUModel)))
	if h.PhysicalCores > 0 {
		parts = append(parts, strconv.Itoa(h.PhysicalCores)+" physical cores")
	}
	if h.LogicalCPUs > 0 {
		parts = append(parts, strconv.Itoa(h.LogicalCPUs)+" logical CPUs")
	}
	if h.MemoryBytes > 0 {
		parts = append(parts, gib(h.MemoryBytes)+" memory")
	} else {
		parts = append(parts, "memory unknown")
	}
	virt := "none detected"
	if h.Virtualization != "" {
		virt = mdText(h.Virtualization)
	}
	parts = append(parts, "virtualisation: "+virt)
	line := strings.Join(parts, ", ")
	if h.OS != "" || h.Arch != "" {
		line += " (" + mdText(h.OS+"/"+h.Arch) + ")"
	}
	return line
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}

// newTable returns a GitHub-flavoured Markdown table writing to b, with
// headers as given (no upper-casing) and one alignment per column for both
// header and body.
func newTable(b *bytes.Buffer, headers []string, align tw.Alignment) *tablewriter.Table {
	t := tablewriter.NewTable(b,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithAlignment(align),
	)
	t.Header(headers)
	return t
}

func writeResultsTable(b *bytes.Buffer, cells []Cell) error {
	t := newTable(b,
		[]string{"Runner", "Task", "Score (95% CI)", "n", "Errors", "Nulls", "p50 latency", "p95 latency", "Tokens in", "Tokens out"},
		tw.Alignment{left, left, right, right, right, right, right, right, right, right})
	for _, c := range cells {
		p50, p95 := "n/a", "n/a"
		if c.Timed > 0 {
			p50, p95 = PrettySeconds(c.LatencyP50), PrettySeconds(c.LatencyP95)
		}
		in, out := "n/a", "n/a"
		if c.Responded > 0 {
			in, out = tokens(c.MeanPromptTokens, c.UsageEstimated), tokens(c.MeanCompletionTokens, c.UsageEstimated)
		}
		if err := t.Append([]string{
			mdText(c.Runner), mdCode(c.Cell), scoreCI(c), strconv.Itoa(c.N),
			errorsText(c.RequestErrors, c.ScorerErrors), strconv.Itoa(c.Nulls),
			p50, p95, in, out,
		}); err != nil {
			return err
		}
	}
	return t.Render()
}

// scoreCI renders "62.0 [48.2, 74.1]" in percent, with † for an
// approximate interval and ‡ instead of an interval when n is too small.
func scoreCI(c Cell) string { return estimateText(cellEstimate(c)) }

func errorsText(req, scorer int) string {
	switch {
	case req == 0 && scorer == 0:
		return "0"
	case scorer == 0:
		return fmt.Sprintf("%d (req)", req)
	case req == 0:
		return fmt.Sprintf("%d (scorer)", scorer)
	}
	return fmt.Sprintf("%d (%d req, %d scorer)", req+scorer, req, scorer)
}

func tokens(v float64, estimated bool) string {
	s := oneDecimal(v)
	if estimated {
		s += " (est.)"
	}
	return s
}

func streamedCells(cells []Cell) []Cell {
	var out []Cell
	for _, c := range cells {
		if c.TTFTCount > 0 || c.TPOTCount > 0 {
			out = append(out, c)
		}
	}
	return out
}

func writeStreamingTable(b *bytes.Buffer, cells []Cell) error {
	t := newTable(b,
		[]string{"Runner", "Task", "Mean TTFT", "Mean TPOT", "Streamed"},
		tw.Alignment{left, left, right, right, right})
	for _, c := range cells {
		ttft, tpot := "n/a", "n/a"
		if c.TTFTCount > 0 {
			ttft = PrettySeconds(c.TTFTMean)
		}
		if c.TPOTCount > 0 {
			tpot = PrettySeconds(c.TPOTMean)
		}
		streamed := fmt.Sprintf("%d of %d", c.TTFTCount, c.Responded)
		if err := t.Append([]string{mdText(c.Runner), mdCode(c.Cell), ttft, tpot, streamed}); err != nil {
			return err
		}
	}
	return t.Render()
}

// runnerTotals is one runner's row of the summary table.
type runnerTotals struct {
	name                string
	cells, scoredCells  int
	macroSum, successes float64
	n, req, scorer      int
	nulls               int
	tokIn, tokOut       int
	responded           int
	estimated           bool
}

func byRunner(cells []Cell) []runnerTotals {
	var out []runnerTotals
	index := map[string]int{}
	for _, c := range cells {
		i, ok := index[c.Runner]
		if !ok {
			i = len(out)
			index[c.Runner] = i
			out = append(out, runnerTotals{name: c.Runner})
		}
		r := &out[i]
		r.cells++
		if c.N > 0 {
			r.scoredCells++
			r.macroSum += c.Score
		}
		r.successes += c.Successes
		r.n += c.N
		r.req += c.RequestErrors
		r.scorer += c.ScorerErrors
		r.nulls += c.Nulls
		r.tokIn += c.PromptTokens
		r.tokOut += c.CompletionTokens
		r.responded += c.Responded
		r.estimated = r.estimated || c.UsageEstimated && c.Responded > 0
	}
	return out
}

func writeRunnerTable(b *bytes.Buffer, cells []Cell) error {
	t := newTable(b,
		[]string{"Runner", "Cells", "Macro score", "Pooled score", "n", "Errors", "Nulls", "Tokens in", "Tokens out"},
		tw.Alignment{left, right, right, right, right, right, right, right, right})
	for _, r := range byRunner(cells) {
		cellsText := strconv.Itoa(r.cells)
		if r.scoredCells < r.cells {
			cellsText += fmt.Sprintf(" (%d unscored)", r.cells-r.scoredCells)
		}
		macro, pooled := "n/a", "n/a"
		if r.scoredCells > 0 {
			macro = percent(r.macroSum / float64(r.scoredCells))
			pooled = percent(r.successes / float64(r.n))
		}
		in, out := "n/a", "n/a"
		if r.responded > 0 {
			in, out = strconv.Itoa(r.tokIn), strconv.Itoa(r.tokOut)
			if r.estimated {
				in += " (est.)"
				out += " (est.)"
			}
		}
		if err := t.Append([]string{
			mdText(r.name), cellsText, macro, pooled, strconv.Itoa(r.n),
			errorsText(r.req, r.scorer), strconv.Itoa(r.nulls), in, out,
		}); err != nil {
			return err
		}
	}
	return t.Render()
}

const definitions = `## Definitions

Results:

- **Runner**: the runner's name in the plan.
- **Task**: the cell, written ` + "`set/task=name/key=value`" + `: task set, task and parameters.
- **Score (95% CI)**: mean score over the n scored samples, in percent. A sample scores 1 (correct) or 0 (wrong), or a fraction for partially credited tasks (e.g. RULER's string_match_all). The bracket is the 95% Wilson score interval. For † cells the interval treats the sum of fractional scores as a count of successes, so it is an approximation. With fewer than 10 scored samples (‡) no interval is shown: at such n the Wilson interval's coverage can fall well below 95% for rates near 0 or 1.
- **n**: scored samples: samples that got a response and a score. Errors are not in n.
- **Errors**: samples with no score, left out of n and the score, never counted as wrong answers. *req*: request errors, where the model gave no usable response (transport failure, timeout, server error). *scorer*: our scoring failed on a response.
- **Nulls**: scored samples whose response was empty after trimming white space. They are in n and scored like any other answer.
- **p50 latency**, **p95 latency**: percentiles of end-to-end latency, from sending the request to the end of the response (the last content chunk when streamed). They cover samples that got a response (scorer errors included, request errors not), and interpolate linearly between the closest ranks (NumPy's default), so with few samples the p95 lies between the two largest latencies.
- **Tokens in**, **Tokens out**: mean prompt and completion tokens per sample that got a response, as reported in the server's usage. (est.) marks counts that include client-tokenizer estimates, used where the server reported no usage.

Streaming (only responses that were streamed):

- **Mean TTFT**: time to first token, the arrival of the first content token (not the first byte, not a role-only chunk) minus the send time.
- **Mean TPOT**: time per output token after the first, (latency − TTFT) / (output tokens − 1), over responses with at least two output tokens.
- **Streamed**: responses with a known TTFT, of those that got a response.

By runner:

- **Cells**: the runner's cells; unscored cells have no scored sample.
- **Macro score**: unweighted mean of the scores of the runner's scored cells, in percent.
- **Pooled score**: sum of scores over total n, in percent: cells weigh by their n.
- **n**, **Errors**, **Nulls**: totals over the runner's cells.
- **Tokens in**, **Tokens out**: total prompt and completion tokens over samples that got a response.
`
