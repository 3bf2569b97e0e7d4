package reports

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"
)

// Verdict is what a run says about one of the paper's claims.
type Verdict string

// The verdicts, as the report's definitions state their rules.
const (
	Supported    Verdict = "supported"
	Contradicted Verdict = "contradicted"
	Inconclusive Verdict = "inconclusive"
	NotMeasured  Verdict = "not measured"
)

// Claim bases: a paired measurement on the run's samples, or a prediction
// of the Engram sizing model.
const (
	Measured = "measured"
	Modelled = "modelled"
)

// Claim is one claim of the paper (FACTS.md §1) held against a run: the
// paper's figure, what the run measured and the verdict. Package
// reports/claims computes claims; this package renders them.
type Claim struct {
	ID    string // stable short name, e.g. "bbh-3shot"
	What  string // the claim in words
	Paper string // the paper's figures, e.g. "50.9 → 55.9 (+5.0)"
	// PaperDelta is the paper's difference in fractions of 1 (0.05 for
	// five points); for the offload claim, the penalty bound (0.03).
	PaperDelta float64
	Basis      string // Measured or Modelled
	Cells      string // what of the run was compared

	// Measured claims: means over the paired instances (N = pairs), the
	// difference treatment − baseline with its 95% paired-bootstrap
	// interval (NaN ends when none is shown), and a paired test.
	Baseline, Treatment Estimate
	Pairs               int
	Delta               float64
	Lo, Hi              float64
	Test                string
	P                   float64
	// Errors are samples of the claim's cells that ended in an error, per
	// side; Unpaired are scored instances whose partner was not scored.
	BaselineErrors, TreatmentErrors int
	Unpaired                        int

	// Model is a modelled claim's result in words.
	Model string

	Verdict Verdict
	Why     string
}

// Ledger is the claims ledger of a run: the runners compared and the
// claims, in the order given.
type Ledger struct {
	Treatment, Baseline string
	Claims              []Claim
}

func writeLedger(b *bytes.Buffer, l *Ledger) error {
	b.WriteString("\n## Claims ledger\n\n")
	if l == nil || l.Treatment == "" || l.Baseline == "" {
		b.WriteString("Not computed: the suite declares no `treatment` and `baseline` runner. " +
			"The ledger compares the two paired on the same instances, claim by claim (see Definitions).\n")
		return nil
	}
	fmt.Fprintf(b, "Treatment %s against baseline %s, paired on the instances both answered. "+
		"The paper compares Engram-27B with MoE-27B (FACTS.md §1): the ledger reproduces its claims only as far as these two runners stand for that pair.\n\n",
		mdCode(l.Treatment), mdCode(l.Baseline))
	if len(l.Claims) == 0 {
		b.WriteString("No claim applies.\n")
		return nil
	}
	t := newTable(b,
		[]string{"Claim", "Paper", "Compared", "Baseline", "Treatment", "Difference (95% CI)", "Pairs", "Errors (base/treat)", "Verdict", "Why"},
		tw.Alignment{left, left, left, right, right, right, right, right, left, left})
	for _, c := range l.Claims {
		base, treat, diff, pairs, errs := "—", "—", "—", "—", "—"
		switch {
		case c.Basis == Modelled:
			diff = mdText(c.Model)
		case c.Verdict != NotMeasured || c.Pairs > 0:
			base, treat = estimateText(c.Baseline), estimateText(c.Treatment)
			diff = diffText(c)
			pairs = strconv.Itoa(c.Pairs)
			errs = fmt.Sprintf("%d / %d", c.BaselineErrors, c.TreatmentErrors)
		}
		if err := t.Append([]string{
			mdText(c.What), mdText(c.Paper), mdText(orDash(c.Cells)), base, treat, diff, pairs, errs,
			"**" + string(c.Verdict) + "**", mdText(c.Why),
		}); err != nil {
			return err
		}
	}
	return t.Render()
}

// diffText renders a measured difference in percentage points with its
// interval, or with the reason it has none.
func diffText(c Claim) string {
	if c.Pairs == 0 {
		return "n/a"
	}
	s := signedPoints(c.Delta)
	if math.IsNaN(c.Lo) || math.IsNaN(c.Hi) {
		return s + " ‡"
	}
	s += " [" + signedPoints(c.Lo) + ", " + signedPoints(c.Hi) + "]"
	if c.Test != "" && !math.IsNaN(c.P) {
		s += fmt.Sprintf(" %s p=%s", c.Test, strconv.FormatFloat(c.P, 'g', 2, 64))
	}
	return s
}

// signedPoints renders a difference of fractions as signed percentage
// points: 0.05 → "+5.0".
func signedPoints(f float64) string {
	s := strconv.FormatFloat(100*f, 'f', 1, 64)
	if s == "-0.0" {
		s = "0.0"
	}
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

const ledgerDefinitions = `Claims ledger:

- **Paper**: the figures of FACTS.md §1 (Engram-27B against MoE-27B), in points.
- **Compared**: the cells of the run the claim is tested on, pooled.
- **Baseline**, **Treatment**: mean score of each runner over the paired instances, in percent; n is the pairs.
- **Difference (95% CI)**: treatment − baseline in percentage points: the mean over instances of the per-instance difference (an instance's score is the mean over its scored repeats), with a 95% percentile-bootstrap interval over instances (10,000 resamples, seeded: the same run gives the same interval) and the p-value of McNemar's exact test (every score 0 or 1, one repeat) or the Wilcoxon signed-rank test. With fewer than 10 pairs no interval is shown (‡). Each interval holds at 95% on its own, not jointly: across five claims, one may miss by chance.
- **Errors**: samples of the compared cells that ended in an error, per runner; they are never paired and never scored as wrong.
- **Verdict**, decided on the interval and the test, never on the point estimate alone:
  - *supported*: the interval lies above zero and the paired test rejects no difference at 5% (a gain is established), and the interval's upper end reaches the paper's figure (the data do not rule out a gain as large as the paper's). When the whole interval lies above the paper's figure the gain is larger than claimed, which is said in *Why*.
  - *contradicted*: the interval's upper end lies below the paper's figure: the data rule out a gain as large as the paper's (this includes no gain, or a loss).
  - *inconclusive*: neither; or fewer than 30 pairs (a percentile-bootstrap interval covers less than 95% in small samples, so no verdict is drawn from it); or the runners score the same on every pair (both at 100%, say): the interval then collapses to zero, which rules out nothing.
  - *not measured*: the run lacks what the claim needs; *Why* says what.
  - For the offload claim (*modelled*): the Engram sizing model's predicted throughput penalty of the paper's experiment on the run's machine, not a measurement: *supported* when every predicted penalty is under the paper's 3% bound, *contradicted* when every one is at or above it, *inconclusive* otherwise.
- Figures of FACTS.md §1 not in the ledger: MMLU, ARC-C, GSM8K and MATH (no task set runs them); RULER's single NIAH, multi-key, multi-value, CWE, FWE and QA figures (the paper does not say which of RULER's variants, e.g. niah_single_1 to _3, its figures cover); LongPPL (the paper's corpora are not the suite's, and perplexity per token is not comparable across tokenizers); validation loss, allocation and knockout (training-side experiments).
`
