package reports

import (
	"bytes"
	"io"
	"math"
	"strconv"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/serving"
)

// WriteServingReport writes report.md for a load test: the run header, a
// throughput table and a latency table per step of the sweep, and the
// definitions of every figure.
func WriteServingReport(w io.Writer, run results.Run) error {
	var b bytes.Buffer
	writeRunHeader(&b, run)
	if r, ok := run.Plan.Serving["runner"].(string); ok {
		b.WriteString("- Runner under load: " + mdText(r) + " (no retries, no cache, no adaptive concurrency)\n")
	}
	b.WriteString("\n## Throughput\n\n")
	if len(run.Serving) == 0 {
		b.WriteString("No step finished.\n")
	} else {
		t := newTable(&b,
			[]string{"Step", "Sent", "Errors", "Achieved rate", "Requests/s", "Output tokens/s", "Goodput/s", "Met SLO"},
			tw.Alignment{left, right, right, right, right, right, right, right})
		for _, x := range run.Serving {
			if err := t.Append([]string{mdCode(x.Step), strconv.Itoa(x.Sent), strconv.Itoa(x.Errors), rate(x.AchievedRate),
				rate(x.ReqPerSec), rate(x.OutTokPerSec), rate(x.Goodput), strconv.Itoa(x.SLOMet) + " of " + strconv.Itoa(x.Succeeded)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
		b.WriteString("\n## Latency (p50 / p90 / p99)\n\n")
		t = newTable(&b,
			[]string{"Step", "TTFT", "TTFT from send", "TPOT", "Chunk gap", "E2E", "E2E from send", "Schedule lag"},
			tw.Alignment{left, right, right, right, right, right, right, right})
		for _, x := range run.Serving {
			if err := t.Append([]string{mdCode(x.Step), triple(x.TTFT), triple(x.TTFTFromSend), triple(x.TPOT),
				triple(x.ChunkGap), triple(x.E2E), triple(x.E2EFromSend), triple(x.Lag)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	b.WriteString("\n")
	b.WriteString(servingDefinitions)
	_, err := w.Write(b.Bytes())
	return err
}

func rate(v float64) string {
	if v == 0 || math.IsNaN(v) {
		return "0"
	}
	return strconv.FormatFloat(roundSig(v, 4), 'f', -1, 64)
}

func triple(q serving.Quantiles) string {
	if q.N == 0 {
		return "n/a"
	}
	return PrettySeconds(q.P50) + " / " + PrettySeconds(q.P90) + " / " + PrettySeconds(q.P99)
}

const servingDefinitions = `## Definitions

- **Step**: one point of the sweep: ` + "`open/rate=R`" + ` sends requests at R per second whatever the server does (open loop; Poisson or evenly spaced arrivals, fixed before the first send); ` + "`closed/concurrency=C`" + ` keeps C clients each sending its next request when the last one ends.
- **Achieved rate**: requests sent per second over the sending window. Below the intended rate, the client could not keep up.
- **Requests/s**, **Output tokens/s**: successful requests and their output tokens per second, from the first intended send to the last response.
- **Goodput/s**: successful requests that met every SLO the suite sets, per second; **Met SLO** counts them.
- **TTFT**: first content token minus the intended send time (what a user waits, queueing on our side included); **TTFT from send**: minus the actual send time.
- **TPOT**: (end − first token) / (output tokens − 1), per request with at least two output tokens.
- **Chunk gap**: pooled gaps between consecutive content chunks of streamed responses; a chunk may hold several tokens.
- **E2E**: end of the response minus the intended send; **E2E from send**: minus the actual send.
- **Schedule lag**: actual send minus intended send. Large values mean the client, not the server, held requests back.
- Quantiles interpolate linearly between closest ranks (NumPy's default).
`

// WriteServingSummary writes summary.txt for a load test in the Go
// benchmark format, one line per step, so benchstat compares two nights.
func WriteServingSummary(w io.Writer, run results.Run) error {
	var b bytes.Buffer
	writeConfig(&b, run)
	runner, _ := run.Plan.Serving["runner"].(string)
	for _, x := range run.Serving {
		b.WriteString("Benchmark" + benchName("Serving/"+x.Step, runner))
		b.WriteString("\t" + strconv.Itoa(max(x.Sent, 1)))
		for _, v := range []struct {
			q    serving.Quantiles
			p    float64
			unit string
		}{
			{x.TTFT, x.TTFT.P50, "ttft-p50-sec"}, {x.TTFT, x.TTFT.P99, "ttft-p99-sec"},
			{x.TPOT, x.TPOT.P50, "tpot-p50-sec"},
			{x.E2E, x.E2E.P50, "e2e-p50-sec"}, {x.E2E, x.E2E.P99, "e2e-p99-sec"},
		} {
			if v.q.N > 0 {
				writeValue(&b, v.p, v.unit)
			}
		}
		writeValue(&b, x.ReqPerSec, "req/s")
		writeValue(&b, x.OutTokPerSec, "tok/s")
		writeValue(&b, x.Goodput, "goodput/s")
		if x.Sent > 0 {
			writeValue(&b, float64(x.Errors)/float64(x.Sent), "err/op")
		}
		b.WriteString("\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}
