// Package reports turns a run's samples into the numbers people quote:
// per-cell scores with confidence intervals, error and null counts, latency
// and token figures. It renders them twice: report.md for people (reviews,
// papers) and summary.txt in the Go benchmark format, so that
// `benchstat last-night.txt tonight.txt` compares runs with no extra code.
//
// The pipeline is Aggregate (statistics, no formatting) and then WriteReport
// or WriteSummary (formatting, no statistics). Values stay in base units
// (seconds, tokens, fractions of 1) until a renderer prettifies them.
//
// Rules that keep the numbers honest:
//
//   - A sample with an error is counted as an error, never as a wrong
//     answer: it is left out of n, the score and the interval.
//   - Output is deterministic byte for byte: cells are sorted, samples in a
//     cell are summed in key order (so float sums do not depend on the order
//     a concurrent run finished them), and the only times shown come from
//     run.json.
//
// Reading run files belongs to package results; this package only computes
// and renders.
package reports
