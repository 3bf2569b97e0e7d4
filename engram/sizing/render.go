package sizing

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/engrambench/engrambench/engram/mdtable"
)

func check(r Result, name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

func util(r Result, name string) string {
	if c, ok := check(r, name); ok {
		return mdtable.Pct(c.Utilisation)
	}
	return "n/a"
}

func cores(x float64) string {
	if math.IsInf(x, 1) {
		return "∞ (bandwidth)"
	}
	return fmt.Sprintf("%.2f", x)
}

func coresCell(r Result) string {
	c, _ := check(r, "cores")
	return fmt.Sprintf("%s of %d", cores(r.CoresNeeded), int(c.Have))
}

// WriteMarkdown writes the sizing table: one row per model and machine.
func WriteMarkdown(w io.Writer, rs []Result) error {
	var rows [][]string
	for _, r := range rs {
		step := "n/a"
		if r.StepRows > 0 {
			step = fmt.Sprintf("%s + %s of %s (%s)", mdtable.Seconds(r.LookupSec), mdtable.Seconds(r.TransferSec), mdtable.Seconds(r.BudgetSec), util(r, "decode step lookup before the first Engram layer"))
		}
		link := "n/a"
		if r.LinkBytesPerSec > 0 {
			link = fmt.Sprintf("%s (%s)", mdtable.SI(r.LinkBytesPerSec, "B/s"), util(r, "link to accelerator"))
		}
		rows = append(rows, []string{
			mdtable.Text(r.Model) + " " + r.DType, mdtable.Text(r.Machine),
			fmt.Sprintf("%s (%s)", mdtable.Bytes(r.TableBytes), util(r, "host RAM")),
			mdtable.SI(r.RowsPerSec, "rows/s"),
			fmt.Sprintf("%s (%s)", mdtable.SI(r.DRAMBytesPerSec, "B/s"), util(r, "DRAM bandwidth")),
			link,
			coresCell(r),
			step,
			fmt.Sprintf("%s (%s)", r.Verdict, r.Binding),
		})
	}
	return mdtable.Table(w, []string{"model", "machine", "tables (of RAM)", "rows demanded", "DRAM lines (of bandwidth)", "to accelerator (of link)", "cores needed", "decode step: lookup + transfer of budget", "verdict (binding)"}, rows)
}

// WriteDeployment writes the accelerator memory the tables free.
func WriteDeployment(w io.Writer, rs []Result) error {
	seen := map[string]bool{}
	var rows [][]string
	priced := false
	for _, r := range rs {
		key := r.Model + r.DType
		if seen[key] {
			continue
		}
		seen[key] = true
		dp := r.Deployment
		moe, eng := "n/a", "n/a"
		if dp.TotalParams > 0 {
			moe, eng = mdtable.Bytes(dp.MoEGPUBytes), mdtable.Bytes(dp.EngramGPUBytes)
		}
		money := "no prices given"
		if dp.Priced {
			priced = true
			money = fmt.Sprintf("$%.0f − $%.0f = $%.0f", dp.GPUUSDMonth, dp.DRAMUSDMonth, dp.NetUSDMonth)
		}
		rows = append(rows, []string{mdtable.Text(r.Model) + " " + r.DType, mdtable.SI(r.Params, ""), mdtable.Bytes(dp.GPUBytesSaved), moe, eng, money})
	}
	if err := mdtable.Table(w, []string{"model", "Engram parameters", "accelerator memory saved", "iso-parameter MoE on accelerator", "Engram model on accelerator", "per month: accelerator saved − DRAM used = net"}, rows); err != nil {
		return err
	}
	if !priced {
		fmt.Fprintln(w, "\nGive --gpu-usd-gb-month and --dram-usd-gb-month for dollar figures.")
	}
	return nil
}

// WriteClaim writes the offload claim, predicted beside the paper.
func WriteClaim(w io.Writer, rows []ClaimRow) error {
	var out [][]string
	for _, r := range rows {
		out = append(out, []string{
			mdtable.Text(r.Machine), r.Baseline, mdtable.Seconds(r.StepSeconds), fmt.Sprint(r.StepRows),
			mdtable.Seconds(r.LookupSeconds), mdtable.Seconds(r.TransferSeconds), mdtable.Seconds(r.BudgetSeconds),
			mdtable.Seconds(r.ExposedSeconds), mdtable.Seconds(r.ComputeSeconds),
			fmt.Sprintf("%.3f%%", 100*r.MemoryPenalty), fmt.Sprintf("%.3f%%", 100*r.Penalty), fmt.Sprintf("%.2f%%", 100*r.PaperPenalty),
			fmt.Sprintf("%s (%s)", r.Verdict, r.Binding),
		})
	}
	return mdtable.Table(w, []string{"machine", "baseline", "decode step", "rows/step", "lookup", "transfer", "budget (1st block)", "exposed", "module compute", "penalty: memory side", "with module compute", "paper", "verdict (binding)"}, out)
}

// Notes gathers the distinct notes of results, for a footer.
func Notes(rs []Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		for _, n := range r.Notes {
			key := r.Machine + ": " + n
			if !seen[key] {
				seen[key] = true
				out = append(out, key)
			}
		}
	}
	return out
}

// WriteNotes writes notes as a list.
func WriteNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintln(w, "- "+strings.TrimSpace(n))
	}
}
