package coding

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"regexp"
	"strings"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// MBPPName is the task set's name.
const MBPPName = "mbpp"

// MBPPRecord is one line of an MBPP JSONL file (FACTS.md §4).
type MBPPRecord struct {
	TaskID            int      `json:"task_id"`
	Text              string   `json:"text"`
	Code              string   `json:"code"`
	TestList          []string `json:"test_list"`
	TestSetupCode     string   `json:"test_setup_code"`
	ChallengeTestList []string `json:"challenge_test_list"`
}

// LoadMBPP reads MBPP records from a .jsonl or .jsonl.gz file. The
// sanitized file names the statement "prompt" instead of "text"; both are
// read.
func LoadMBPP(path string) ([]MBPPRecord, error) {
	var out []MBPPRecord
	err := readJSONL(path, func(_ int, raw []byte) error {
		var r struct {
			MBPPRecord
			Prompt string `json:"prompt"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		rec := r.MBPPRecord
		if rec.Text == "" {
			rec.Text = r.Prompt
		}
		if rec.Text == "" || rec.Code == "" || len(rec.TestList) == 0 {
			return fmt.Errorf("task %d: want text, code and test_list", rec.TaskID)
		}
		rec.Code = strings.ReplaceAll(rec.Code, "\r\n", "\n")
		rec.TestSetupCode = strings.ReplaceAll(rec.TestSetupCode, "\r\n", "\n")
		out = append(out, rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no records", path)
	}
	return out, nil
}

// mbppShotIDs are the task IDs the MBPP paper uses as prompt exemplars.
var mbppShotIDs = []int{2, 3, 4}

var callRE = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*\(`)

// mbppEntry is the function the tests call: the first name called in
// them that the reference code defines.
func mbppEntry(r MBPPRecord) string {
	for _, m := range callRE.FindAllStringSubmatch(strings.Join(r.TestList, "\n"), -1) {
		if definesEntry(r.Code, "python", m[1]) {
			return m[1]
		}
	}
	return ""
}

func mbppTask(r MBPPRecord) string {
	return fmt.Sprintf("You are an expert Python programmer, and here is your task: %s Your code should pass these tests:\n\n%s\n",
		strings.TrimSpace(r.Text), strings.Join(r.TestList, "\n"))
}

// mbppRequest renders the paper's prompt: exemplars answered between
// [BEGIN] and [DONE]; in chat form, as turns with the code fenced.
func mbppRequest(r MBPPRecord, shots []MBPPRecord, form string, maxTokens int) runners.Request {
	if form == tasks.FormCompletion {
		var b strings.Builder
		for _, s := range shots {
			fmt.Fprintf(&b, "%s[BEGIN]\n%s\n[DONE]\n\n", mbppTask(s), strings.TrimSpace(s.Code))
		}
		fmt.Fprintf(&b, "%s[BEGIN]\n", mbppTask(r))
		return runners.Request{Prompt: b.String(), Stop: []string{"[DONE]"}, MaxTokens: maxTokens}
	}
	var msgs []runners.Message
	for _, s := range shots {
		msgs = append(msgs, runners.Message{Role: "user", Content: mbppTask(s)},
			runners.Message{Role: "assistant", Content: fenced("python", strings.TrimSpace(s.Code))})
	}
	msgs = append(msgs, runners.Message{Role: "user", Content: mbppTask(r) + "\nAnswer with the code in one ```python code block."})
	return runners.Request{Messages: msgs, MaxTokens: maxTokens}
}

// mbppBuild makes the program: setup code, the answer, the asserts.
func mbppBuild(r MBPPRecord) func(string) (job, string, error) {
	entry := mbppEntry(r)
	return func(answer string) (job, string, error) {
		answer, _, _ = strings.Cut(answer, "[DONE]")
		code, fenced, ok := CodeFor(answer, "python", entry)
		if !ok {
			return job{}, "", malformed("the answer has code blocks but none in Python")
		}
		if !fenced {
			code = dropLeadingProse(code, "python")
		}
		program := r.TestSetupCode + "\n" + code + "\n\n" + strings.Join(r.TestList, "\n") + "\n"
		return job{lang: "python", files: map[string]string{"main.py": program}, mode: "script", target: "main.py"}, code, nil
	}
}

type mbppSet struct{}

// NewMBPP returns the "mbpp" task set: an MBPP JSONL file (data_dir),
// few-shot with the paper's exemplars, run in the sandbox.
func NewMBPP() tasks.TaskSet { return mbppSet{} }

var (
	_ tasks.TaskSet     = mbppSet{}
	_ tasks.SelfChecker = mbppSet{}
)

func (mbppSet) Name() string { return MBPPName }

func (mbppSet) Help() string {
	return "MBPP from a JSONL file you name (data_dir): the statement and its three asserts, few-shot with the paper's exemplars (tasks 2, 3, 4), run in the sandbox"
}

func (mbppSet) Params() []params.Spec {
	return append([]params.Spec{
		{Name: "data_dir", Kind: params.String, Default: "", Help: "an MBPP JSONL file (plain or gzipped), or a directory holding mbpp.jsonl (a clone of google-research/mbpp)"},
		{Name: "n", Kind: params.Int, Default: 100000, Min: params.AtLeast(1), Help: "the first n problems after the exemplars"},
		{Name: "shots", Kind: params.Int, Default: 3, Min: params.AtLeast(0), Help: "exemplars per prompt (0 to 3): tasks 2, 3 and 4 when the file has them, else its first records; they are not asked"},
		tasks.FormSpec("chat: exemplars as turns; completion: the paper's [BEGIN]/[DONE] prompt"),
		{Name: "max_tokens", Kind: params.Int, Default: 1024, Min: params.AtLeast(1), Help: "generation budget per answer"},
	}, runParams("python", 4)...)
}

func (mbppSet) Scorer() tasks.Scorer { return scorer{} }

func (s mbppSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return func(yield func(tasks.Instance, error) bool) {
		v := withDefaults(s, p)
		path, err := dataFile(MBPPName, v.String("data_dir"), []string{"mbpp.jsonl", "mbpp.jsonl.gz", "data/mbpp.jsonl"})
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		if sh := v.Int("shots"); sh < 0 || sh > 3 {
			yield(tasks.Instance{}, fmt.Errorf("mbpp: shots must be 0 to 3, got %d", sh))
			return
		}
		recs, err := LoadMBPP(path)
		if err != nil {
			yield(tasks.Instance{}, err)
			return
		}
		shots, rest := mbppSplit(recs, v.Int("shots"))
		var ps []*problem
		for i, r := range rest {
			if i >= v.Int("n") {
				break
			}
			form := v.String("form")
			pr := &problem{
				task: MBPPName, name: fmt.Sprintf("mbpp/%d", r.TaskID), lang: "python",
				request: mbppRequest(r, shots, form, v.Int("max_tokens")),
				answers: []string{r.Code},
				build:   mbppBuild(r),
			}
			if form == tasks.FormCompletion {
				pr.reference = strings.TrimSpace(r.Code) + "\n[DONE]"
			} else {
				pr.reference = fenced("python", r.Code)
			}
			ps = append(ps, pr)
		}
		labels := map[string]string{"form": v.String("form"), "shots": itoa(v.Int("shots"))}
		emitProblems(ctx, MBPPName, ps, v, labels, yield)
	}
}

// mbppSplit takes the exemplars out of the records.
func mbppSplit(recs []MBPPRecord, shots int) (ex, rest []MBPPRecord) {
	byID := map[int]int{}
	for i, r := range recs {
		byID[r.TaskID] = i
	}
	used := map[int]bool{}
	for _, id := range mbppShotIDs {
		if len(ex) == shots {
			break
		}
		if i, ok := byID[id]; ok {
			ex = append(ex, recs[i])
			used[i] = true
		}
	}
	for i := 0; len(ex) < shots && i < len(recs); i++ {
		if !used[i] {
			ex = append(ex, recs[i])
			used[i] = true
		}
	}
	for i, r := range recs {
		if !used[i] {
			rest = append(rest, r)
		}
	}
	return ex, rest
}

func (s mbppSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	return sandboxCheck(ctx, s, p)
}
