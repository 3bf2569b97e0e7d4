package reports

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/engrambench/engrambench/tasks/coding"
	"github.com/engrambench/engrambench/tasks/longctx"
)

// Options carry what the report links or shows but does not compute.
type Options struct {
	// Charts are the charts written beside report.md (from Charts); each
	// is linked from its section. Charts not given are not linked.
	Charts []Chart
	// Ledger is the claims ledger (package reports/claims computes it);
	// nil says the suite declared no treatment and baseline.
	Ledger *Ledger
}

// Write renders report.md: the run's header, cost and quality per runner
// and task set with the Pareto frontier, RULER by length, BBH official
// against generated, coding pass@k, perplexity, the machine, the claims
// ledger, every cell, and the definitions of every figure. Sections with
// no data are left out. The output depends only on r and opt, byte for
// byte.
func (r *Report) Write(w io.Writer, opt Options) error {
	var b bytes.Buffer
	writeRunHeader(&b, r.Run)
	links := map[string]Chart{}
	for _, c := range opt.Charts {
		links[c.File] = c
	}
	link := func(file string) {
		if c, ok := links[file]; ok {
			fmt.Fprintf(&b, "\n![%s](%s)\n", mdText(c.Title), c.File)
		}
	}

	b.WriteString("\n## Cost and quality\n\n")
	if len(r.Sets) == 0 {
		b.WriteString("No samples were recorded.\n")
	} else {
		if err := r.writeSets(&b); err != nil {
			return err
		}
		link(ChartQualityCost)
	}
	if len(r.Ruler) > 0 {
		if err := r.writeRuler(&b); err != nil {
			return err
		}
		link(ChartRuler)
	}
	if len(r.BBH) > 0 {
		if err := r.writeBBH(&b); err != nil {
			return err
		}
		link(ChartBBH)
	}
	if len(r.Coding) > 0 {
		if err := r.writeCoding(&b); err != nil {
			return err
		}
	}
	if len(r.PPL) > 0 {
		if err := r.writePPL(&b); err != nil {
			return err
		}
	}
	if err := writeMachine(&b, r.Run); err != nil {
		return err
	}
	if err := writeLedger(&b, opt.Ledger); err != nil {
		return err
	}
	b.WriteString("\n## Results by cell\n\n")
	if err := writeCellSections(&b, r.Cells, "###"); err != nil {
		return err
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range r.Notes {
			b.WriteString("- " + mdText(n) + "\n")
		}
	}
	b.WriteString("\n")
	b.WriteString(fullDefinitions)
	_, err := w.Write(b.Bytes())
	return err
}

func (r *Report) writeSets(b *bytes.Buffer) error {
	t := newTable(b,
		[]string{"Task set", "Runner", "Score (95% CI)", "n", "Errors", "Cost / 1k samples", "Tokens in", "Tokens out",
			"Latency p50 / p95", "TTFT / TPOT", "Peak host memory", "Frontier"},
		tw.Alignment{left, left, right, right, right, right, right, right, right, right, right, left})
	var frac, tiny, est, cached bool
	for _, s := range r.Sets {
		score := estimateText(s.Score)
		if s.Set == longPPL {
			score = "see Perplexity"
		}
		cost := "n/a (no price)"
		switch {
		case s.CostKnown && s.Fresh == 0:
			cost = "n/a (all cached)"
		case s.CostKnown:
			cost = usd(s.CostPer1k)
		}
		if s.Cached > 0 {
			cost += fmt.Sprintf(" (%d cached)", s.Cached)
			cached = true
		}
		in, out := "n/a", "n/a"
		if s.Responded > 0 {
			in, out = tokens(s.MeanPromptTokens, s.UsageEstimated), tokens(s.MeanCompletionTokens, s.UsageEstimated)
		}
		lat := "n/a"
		if s.Timed > 0 {
			lat = PrettySeconds(s.LatencyP50) + " / " + PrettySeconds(s.LatencyP95)
			if s.Timed != s.Responded {
				lat += fmt.Sprintf(" (%d timed)", s.Timed)
			}
		}
		stream := "n/a"
		if s.TTFTCount > 0 || s.TPOTCount > 0 {
			ttft, tpot := "n/a", "n/a"
			if s.TTFTCount > 0 {
				ttft = PrettySeconds(s.TTFTMean)
			}
			if s.TPOTCount > 0 {
				tpot = PrettySeconds(s.TPOTMean)
			}
			stream = fmt.Sprintf("%s / %s (%d streamed)", ttft, tpot, s.TTFTCount)
		}
		mem := "n/a"
		if s.PeakRSSBytes > 0 {
			mem = gib(s.PeakRSSBytes)
		}
		front := "—"
		switch {
		case s.OnFrontier:
			front = "**yes**"
		case s.Eligible:
			front = "no"
		}
		if err := t.Append([]string{
			mdCode(s.Set), mdText(s.Runner), score, strconv.Itoa(s.N), errorsText(s.RequestErrors, s.ScorerErrors),
			cost, in, out, lat, stream, mem, front,
		}); err != nil {
			return err
		}
		if s.Set != longPPL {
			frac = frac || s.Score.Approx && s.Score.HasInterval()
			tiny = tiny || s.N > 0 && !s.Score.HasInterval()
		}
		est = est || s.UsageEstimated && s.Responded > 0
	}
	if err := t.Render(); err != nil {
		return err
	}
	writeFootnotes(b, frac, tiny, est)
	if cached {
		b.WriteString("\n(k cached) k samples were served from the response cache: they cost nothing and are left out of the cost per 1,000 samples.\n")
	}
	if peaks := gpuMemoryPeaks(r.Run.Samplers); len(peaks) > 0 {
		b.WriteString("\nPeak GPU memory in use during the run, per device and for every runner together (it cannot be told apart by runner or set): " + strings.Join(peaks, "; ") + ".\n")
	} else {
		b.WriteString("\nPeak GPU memory: not recorded in this run (run.json carries no GPU samples).\n")
	}
	return nil
}

// usd renders dollars with four significant digits at least to the cent:
// "$12.35", "$0.004200".
func usd(v float64) string {
	switch {
	case v == 0:
		return "$0"
	case math.Abs(v) >= 1:
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return "$" + strconv.FormatFloat(roundSig(v, 4), 'f', -1, 64)
}

func (r *Report) writeRuler(b *bytes.Buffer) error {
	b.WriteString("\n## RULER by length\n\n")
	t := newTable(b,
		[]string{"Runner", "Length", "Average (95% CI)", "Tasks", "n", "Errors", "Nulls"},
		tw.Alignment{left, right, right, right, right, right, right})
	tiny, missing := false, false
	for _, rr := range r.Ruler {
		for _, l := range rr.Lengths {
			tasks := fmt.Sprintf("%d of %d", l.Tasks, len(RulerTasks))
			if len(l.Missing) > 0 {
				missing = true
			}
			if err := t.Append([]string{
				mdText(rr.Runner), lengthText(l.Length), estimateText(l.Average), tasks, strconv.Itoa(l.Average.N),
				errorsText(l.RequestErrors, l.ScorerErrors), strconv.Itoa(l.Nulls),
			}); err != nil {
				return err
			}
			tiny = tiny || l.Average.N > 0 && !l.Average.HasInterval()
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	b.WriteString("\n† Averages of fractional scores: their intervals are approximations.\n")
	if tiny {
		fmt.Fprintf(b, "\n‡ A task at this length has fewer than %d scored samples: no interval is shown.\n", MinIntervalN)
	}
	if missing {
		b.WriteString("\nA length with fewer than 13 tasks is not RULER's average: its tasks are averaged as they are.\n")
	}
	b.WriteString("\n")
	t = newTable(b, []string{"Runner", "Effective length", "95% range", "Threshold"}, tw.Alignment{left, right, right, right})
	for _, rr := range r.Ruler {
		eff, rng := "n/a", "n/a"
		switch {
		case rr.EffectiveNote != "":
			eff = mdText(rr.EffectiveNote)
		default:
			eff = effLength(rr.Effective.Length)
			if rr.EffectiveRange {
				rng = effLength(rr.Effective.Lo) + " to " + effLength(rr.Effective.Hi)
			} else {
				rng = "‡ too few samples"
			}
		}
		if err := t.Append([]string{mdText(rr.Runner), eff, rng, percent(longctx.DefaultThreshold)}); err != nil {
			return err
		}
	}
	return t.Render()
}

func effLength(l int) string {
	if l == 0 {
		return "below the shortest"
	}
	return lengthText(l)
}

func (r *Report) writeBBH(b *bytes.Buffer) error {
	b.WriteString("\n## BBH: official against generated\n\n")
	t := newTable(b,
		[]string{"Runner", "Variant", "Task", "Official (95% CI)", "n", "Errors", "Generated (95% CI)", "n", "Errors", "Gap (95% CI)", "Chance"},
		tw.Alignment{left, left, left, right, right, right, right, right, right, right, right})
	var notes []string
	tiny := false
	for _, v := range r.BBH {
		for _, task := range v.Tasks {
			gap := "n/a"
			switch {
			case task.Official.N == 0 || task.Generated.N == 0:
			case task.GapShown:
				gap = signedPoints(task.Gap.Diff) + " [" + signedPoints(task.Gap.Lo) + ", " + signedPoints(task.Gap.Hi) + "]"
				if task.Gap.Contamination {
					gap += " ⚑"
				}
				if task.Gap.Note != "" {
					notes = append(notes, fmt.Sprintf("%s, %s, %s: %s", v.Runner, v.Variant, task.Task, task.Gap.Note))
				}
			default:
				gap = signedPoints(task.Gap.Diff) + " ‡"
			}
			chance := "n/a"
			if task.ChanceN > 0 {
				chance = percent(task.Chance)
			}
			tiny = tiny || (task.Official.N > 0 && !task.Official.HasInterval()) || (task.Generated.N > 0 && !task.Generated.HasInterval())
			if err := t.Append([]string{
				mdText(v.Runner), mdCode(orDash(v.Variant)), mdCode(task.Task),
				estimateText(task.Official), strconv.Itoa(task.Official.N), errorsText(task.OfficialErrors.Request, task.OfficialErrors.Scorer),
				estimateText(task.Generated), strconv.Itoa(task.Generated.N), errorsText(task.GeneratedErrs.Request, task.GeneratedErrs.Scorer),
				gap, chance,
			}); err != nil {
				return err
			}
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if tiny {
		fmt.Fprintf(b, "\n‡ Fewer than %d scored samples on a side: no interval, and no contamination call.\n", MinIntervalN)
	}
	if len(notes) > 0 {
		b.WriteString("\nGaps whose interval excludes zero (⚑: higher on the public questions than on fresh ones, a contamination signal):\n\n")
		for _, n := range notes {
			b.WriteString("- " + mdText(n) + "\n")
		}
	} else {
		b.WriteString("\nNo task's gap has an interval clear of zero: no contamination signal.\n")
	}

	b.WriteString("\n")
	t = newTable(b, []string{"Runner", "Variant", "Questions", "Tasks", "Micro (95% CI)", "n", "Errors", "Macro"},
		tw.Alignment{left, left, left, right, right, right, right, right})
	for _, v := range r.BBH {
		for _, a := range []struct {
			name string
			avg  BBHAverage
		}{
			{"official, all tasks", v.Official}, {"generated (difficulty 0), all tasks", v.Generated},
			{"official, matched tasks", v.MatchedOfficial}, {"generated, matched tasks", v.MatchedGenerated},
		} {
			if a.avg.Tasks == 0 && a.avg.Errors.total() == 0 {
				continue
			}
			macro := "n/a"
			if a.avg.Tasks > 0 {
				macro = percent(a.avg.Macro)
			}
			if err := t.Append([]string{
				mdText(v.Runner), mdCode(orDash(v.Variant)), a.name, strconv.Itoa(a.avg.Tasks),
				estimateText(a.avg.Micro), strconv.Itoa(a.avg.Micro.N), errorsText(a.avg.Errors.Request, a.avg.Errors.Scorer), macro,
			}); err != nil {
				return err
			}
		}
	}
	if err := t.Render(); err != nil {
		return err
	}

	var levels bool
	for _, v := range r.BBH {
		levels = levels || len(v.Difficulty) > 0
	}
	if !levels {
		return nil
	}
	b.WriteString("\nGenerated accuracy by difficulty, pooled over the tasks generated at each:\n\n")
	t = newTable(b, []string{"Runner", "Variant", "Difficulty", "Accuracy (95% CI)", "n", "Errors", "Tasks"},
		tw.Alignment{left, left, right, right, right, right, right})
	for _, v := range r.BBH {
		for _, l := range v.Difficulty {
			if err := t.Append([]string{
				mdText(v.Runner), mdCode(orDash(v.Variant)), strconv.Itoa(l.Difficulty), estimateText(l.Accuracy),
				strconv.Itoa(l.Accuracy.N), errorsText(l.Errors.Request, l.Errors.Scorer), strconv.Itoa(l.Tasks),
			}); err != nil {
				return err
			}
		}
	}
	return t.Render()
}

func (r *Report) writeCoding(b *bytes.Buffer) error {
	b.WriteString("\n## Coding: pass@k by problem kind\n\n")
	// The k columns: every k some row can show.
	kset := map[int]bool{}
	for _, c := range r.Coding {
		for k := range c.PassAt {
			if k > 1 {
				kset[k] = true
			}
		}
	}
	ks := sortedKeys(kset)
	headers := []string{"Set", "Kind", "Runner", "Problems", "Samples / problem", "pass@1 (95% CI)"}
	align := tw.Alignment{left, left, left, right, right, right}
	for _, k := range ks {
		headers = append(headers, "pass@"+strconv.Itoa(k))
		align = append(align, right)
	}
	headers = append(headers, "Errors", "Outcomes")
	align = append(align, right, left)
	t := newTable(b, headers, align)
	var warnings []string
	tiny := false
	for _, c := range r.Coding {
		per := "n/a"
		if c.Problems > 0 {
			per = strconv.Itoa(c.MinPer)
			if c.MaxPer != c.MinPer {
				per += "–" + strconv.Itoa(c.MaxPer)
			}
		}
		row := []string{mdCode(c.Set), mdCode(orDash(c.Kind)), mdText(c.Runner), strconv.Itoa(c.Problems), per, estimateText(c.Pass1)}
		for _, k := range ks {
			v, ok := c.PassAt[k]
			switch {
			case !ok:
				row = append(row, "n/a")
			case c.Counted[k] < c.Problems:
				row = append(row, fmt.Sprintf("%s (%d of %d problems)", percent(v), c.Counted[k], c.Problems))
			default:
				row = append(row, percent(v))
			}
		}
		row = append(row, errorsText(c.Errors.Request, c.Errors.Scorer), outcomesText(c.Outcomes))
		if err := t.Append(row); err != nil {
			return err
		}
		for _, w := range c.Warnings {
			warnings = append(warnings, fmt.Sprintf("%s %s/%s: %s", c.Runner, c.Set, c.Kind, w))
		}
		tiny = tiny || c.Problems > 0 && !c.Pass1.HasInterval()
	}
	if err := t.Render(); err != nil {
		return err
	}
	if tiny {
		fmt.Fprintf(b, "\n‡ Fewer than %d problems: no interval is shown.\n", MinIntervalN)
	}
	for _, w := range warnings {
		b.WriteString("\n" + mdText(w) + "\n")
	}
	return nil
}

// outcomesText lists outcome classes in the coding package's report
// order, then any unknown class: "passed 3, failed_tests 1".
func outcomesText(m map[coding.Outcome]int) string {
	var parts []string
	seen := map[coding.Outcome]bool{}
	for _, o := range coding.Outcomes {
		seen[o] = true
		if m[o] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", o, m[o]))
		}
	}
	var other []string
	for o, n := range m {
		if !seen[o] && n > 0 {
			name := string(o)
			if name == "" {
				name = "unclassified"
			}
			other = append(other, fmt.Sprintf("%s %d", name, n))
		}
	}
	slices.Sort(other)
	parts = append(parts, other...)
	if len(parts) == 0 {
		return "—"
	}
	return mdText(strings.Join(parts, ", "))
}

func (r *Report) writePPL(b *bytes.Buffer) error {
	b.WriteString("\n## Perplexity (longppl)\n\n")
	t := newTable(b,
		[]string{"Domain", "Window", "Runner", "Perplexity / token", "Bits / byte", "Windows", "Tokens", "Bytes", "Skipped", "Errors"},
		tw.Alignment{left, left, left, right, right, right, right, right, right, right})
	for _, p := range r.PPL {
		ppl, bpb := "n/a", "n/a"
		if p.Problem != "" {
			ppl = "unreadable"
		} else {
			if p.PPL.Tokens > 0 {
				ppl = strconv.FormatFloat(p.PPL.PerToken(), 'f', 3, 64)
			}
			if p.PPL.Bytes > 0 {
				bpb = strconv.FormatFloat(p.PPL.BitsPerByte(), 'f', 4, 64)
			}
		}
		if err := t.Append([]string{
			mdCode(p.Domain), mdCode(orDash(p.Labels)), mdText(p.Runner), ppl, bpb,
			strconv.Itoa(p.PPL.Windows), strconv.Itoa(p.PPL.Tokens), strconv.Itoa(p.PPL.Bytes), strconv.Itoa(p.Skipped),
			errorsText(p.Errors.Request, p.Errors.Scorer),
		}); err != nil {
			return err
		}
	}
	return t.Render()
}

const fullDefinitions = definitions + `
Cost and quality (per runner and task set, the set's samples pooled):

- **Score (95% CI)**: sum of scores over n, the set's scored samples (cells weigh by their n), with the 95% Wilson interval; † and ‡ as above. Errors are not in n.
- **Cost / 1k samples**: what the runner spent on the set per 1,000 samples not served from the response cache: the samples' token costs (prices per million tokens) plus the set's share of the runner's local-engine cost (wall time at its price per GPU-hour), shared in proportion to the runner's uncached samples in each set. Errored samples count: a failed request still costs. *n/a (no price)*: the runner has no price set and no cost recorded, so its cost is unknown, not zero.
- **Tokens in**, **Tokens out**: mean prompt and completion tokens per sample that got a response.
- **Latency p50 / p95**: percentiles of end-to-end latency over the samples that got a response and have a latency; *(k timed)* when not all of them do.
- **TTFT / TPOT**: mean time to first token and mean time per output token over streamed responses; *(k streamed)* counts them.
- **Peak host memory**: the peak resident memory of the runner's local engine process tree over the whole run (run.json's engine record, else the samplers; n/a: not a local engine). It is the runner's, not the set's.
- **Peak GPU memory**: the samplers' peak of memory in use per GPU over the run; a device serves every runner on it, so it is given per device, not per row.
- **Frontier**: the Pareto frontier of quality against cost among the set's runners with a score and a known cost (— for the others): a runner is on it (**yes**) when no other runner scores at least as high at no greater cost with one of the two strictly better. It compares point estimates: a runner off the frontier whose interval overlaps a frontier runner's is not shown to be worse.

RULER by length:

- **Average (95% CI)**: the unweighted mean of the task scores at the length (RULER's score), in percent; n counts samples over its tasks. The interval treats the tasks as independent, each with the standard error of its own Wilson interval.
- **Tasks**: tasks with a scored sample, of RULER's 13.
- **Nulls**: scored samples with an empty answer; they score 0 and stay in n.
- **Effective length**: the longest length up to which every average, from the shortest, stays above the threshold (85.6, RULER's); *95% range*: the same rule applied to the lower and upper ends of the intervals. Computed only when every length has all 13 tasks.

BBH:

- **Variant**: the cell labels other than task and difficulty (prompt mode, shots); official and generated results are compared within one variant.
- **Official**: the official questions (set bbh); **Generated**: questions of the same form generated with exact solvers (set bbh-gen) at difficulty 0, the official range.
- **Gap (95% CI)**: official − generated accuracy in points, with Newcombe's interval from the two Wilson intervals. ⚑: the interval lies above zero, a contamination signal (the model does better on the public questions than on fresh ones). A gap below zero usually means the generated items are harder than the official ones, or the official items are noisy.
- **Chance**: the expected accuracy of a uniform guess over the answer space, averaged over the task's scored samples (0 for open answers).
- **Micro**: every question weighs the same (the reference harness's group score), with its Wilson interval; **Macro**: every task weighs the same. *Matched tasks* are those with samples on both sides: compare official and generated on these.

Coding:

- **Kind**: the task of a coding set (e.g. easy, medium, hard); a problem's samples are its repeats.
- **pass@1**, **pass@k**: the unbiased estimator 1 − C(n−c, k)/C(n, k) per problem with n scored samples of which c passed, averaged over problems; a problem with fewer than k samples is left out of pass@k, and the count of problems is then shown. The interval on pass@1 is Wilson's over problems (approximate when problems have several samples).
- **Outcomes**: scored samples by outcome class.

Perplexity:

- **Perplexity / token**: exp(total negative log-likelihood / scored tokens); it depends on the tokenizer. **Bits / byte**: the same likelihood in bits over the bytes scored, comparable across tokenizers. **Skipped**: windows with an empty answer or no scored token, left out of both.

` + ledgerDefinitions
