// Package reports turns a run's samples into the numbers people quote:
// per-cell scores with confidence intervals, error and null counts, latency
// and token figures, and from them the cost-versus-quality report. It
// renders them three ways: report.md for people (reviews, papers), SVG
// charts beside it, and summary.txt in the Go benchmark format, so that
// `benchstat last-night.txt tonight.txt` compares runs with no extra code.
//
// The pipeline is statistics first, formatting after:
//
//  1. Aggregate: per runner and cell (no formatting).
//  2. Build: per runner and task set (score, cost per 1,000 samples, the
//     Pareto frontier of quality against cost), RULER by length, BBH
//     official against generated, coding pass@k by problem kind,
//     perplexity; from the run and its samples.
//  3. Report.Write renders report.md, Report.Charts the SVGs (gonum/plot),
//     WriteSummary summary.txt. WriteReport renders the per-cell report
//     from cells alone.
//
// The claims ledger (package reports/claims) and the nightly trend chart
// (package reports/trend) need packages compare and store, which import
// this one, so they live in subpackages; this package renders what they
// compute. Values stay in base units (seconds, tokens, fractions of 1,
// dollars) until a renderer prettifies them.
//
// Rules that keep the numbers honest:
//
//   - A sample with an error is counted as an error, never as a wrong
//     answer: it is left out of n, the score and the interval, and the
//     errors are shown beside every score.
//   - No number without its n; below MinIntervalN scored samples the
//     score is shown with a warning instead of an interval.
//   - Output is deterministic byte for byte: cells are sorted, samples in a
//     group are summed in key order (so float sums do not depend on the
//     order a concurrent run finished them), and the only times shown come
//     from run.json.
//
// Reading run files belongs to package results; this package only computes
// and renders.
package reports
