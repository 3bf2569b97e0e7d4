package reports_test

import (
	"bytes"
	"testing"

	"github.com/engrambench/engrambench/engram/sizing"
	"github.com/engrambench/engrambench/reports"
	"github.com/engrambench/engrambench/reports/claims"
)

// renderFull renders the cost-versus-quality report of the golden fixture
// with its charts linked and the ledger of engram-27b against moe-27b.
func renderFull(t testing.TB) (*reports.Report, []reports.Chart, []byte) {
	t.Helper()
	run, samples := reports.Fixture(reports.GoldenConfig())
	rep := reports.Build(run, samples)
	charts, err := rep.Charts()
	if err != nil {
		t.Fatal(err)
	}
	// Fixed offload rows keep this golden apart from the sizing model's
	// figures, which its own package tests.
	rows := []sizing.ClaimRow{
		{Machine: "AMD EPYC 9654 96-Core Processor", Baseline: "4B dense", Penalty: 0.0141},
		{Machine: "AMD EPYC 9654 96-Core Processor", Baseline: "8B dense", Penalty: 0.0236},
	}
	ledger := &reports.Ledger{Treatment: "engram-27b", Baseline: "moe-27b", Claims: claims.Ledger(run, samples, "engram-27b", "moe-27b", rows...)}
	var b bytes.Buffer
	if err := rep.Write(&b, reports.Options{Charts: charts, Ledger: ledger}); err != nil {
		t.Fatal(err)
	}
	return rep, charts, b.Bytes()
}

func TestFullReportGolden(t *testing.T) {
	_, charts, md := renderFull(t)
	reports.CheckGolden(t, "cvq-report.md", md)
	if len(charts) != 3 {
		t.Fatalf("%d charts, want 3", len(charts))
	}
	for _, c := range charts {
		reports.CheckGolden(t, c.File, c.SVG)
		if !bytes.Contains(md, []byte("]("+c.File+")")) {
			t.Errorf("report does not link %s", c.File)
		}
	}
}

// BenchmarkLedgerLarge computes the claims ledger for the large fixture:
// BBH pooled over 27 tasks (1,350 pairs) and RULER at 32K, 10,000
// bootstrap resamples each.
func BenchmarkLedgerLarge(b *testing.B) {
	run, samples := reports.Fixture(reports.LargeConfig())
	b.ReportAllocs()
	for b.Loop() {
		claims.Ledger(run, samples, "engram-27b", "moe-27b")
	}
}
