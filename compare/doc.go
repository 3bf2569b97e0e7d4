// Package compare says what changed between two sets of samples: two runs of
// a suite, or two runners within one run. It pairs samples by instance and
// repeat, so that each instance is its own control, and per cell computes
//
//  1. the difference in accuracy (B − A) with a seeded 95% paired-bootstrap
//     interval, tested with McNemar's exact test when every score is 0 or 1
//     and with the Wilcoxon signed-rank test otherwise;
//  2. the change in median latency and in mean cost per sample, tested with
//     the Wilcoxon signed-rank test on the paired values;
//  3. Holm's correction across cells, per measure, and a "~" (as benchstat
//     prints) where a difference is not significant after it.
//
// Only when a cell shares no instance at all does it fall back to an
// unpaired comparison (Wilson intervals, Newcombe's interval for the
// difference, a two-proportion z-test), labelled "unpaired". Small samples
// get warnings, never errors. Every test and interval is a small exported
// function, table-tested against hand-computed values.
package compare
