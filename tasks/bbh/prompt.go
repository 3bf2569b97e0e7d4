package bbh

import (
	"strings"

	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// Both sets render prompts the same way, from a task description, worked
// exemplars and the test input:
//
//	<description>
//	[format instruction: chat form, or no exemplars to teach the format]
//
//	Q: <exemplar input>
//	A: Let's think step by step.
//	<reasoning> So the answer is <target>.
//
//	Q: <test input>
//	A: Let's think step by step.
//
// Direct mode drops the cue and the reasoning: "A: So the answer is <target>."
// so that the one strict rule reads both modes. Chat form sends the same
// text as one user message; completion form sends it raw, and the stop
// string "\n\nQ:" ends a model that runs on into a new question without
// ever cutting reasoning (a bare "Q" would: FACTS.md §3).

// Prompt modes.
const (
	ModeCoT    = "cot"
	ModeDirect = "direct"
)

// Prompt forms, as every set names them.
const (
	FormChat       = tasks.FormChat
	FormCompletion = tasks.FormCompletion
)

const cotCue = "Let's think step by step."

var stop = []string{"\n\nQ:"}

// shot is one worked exemplar.
type shot struct {
	input  string
	cot    string // the reasoning after the cue, ending with the answer sentence
	target string
	sep    string // between the cue and the reasoning: "\n", or " " in sports_understanding; "" means "\n"
}

// style is how a prompt is laid out.
type style struct{ mode, form string }

// head is everything before the test question.
func (s style) head(desc string, shots []shot) string {
	var b strings.Builder
	b.WriteString(desc)
	b.WriteString("\n")
	if s.form == FormChat || len(shots) == 0 {
		if s.mode == ModeCoT {
			b.WriteString(`Think it through step by step, then end with a line of the form "So the answer is <answer>."` + "\n")
		} else {
			b.WriteString(`Reply with only a line of the form "So the answer is <answer>."` + "\n")
		}
	}
	b.WriteString("\n")
	for _, ex := range shots {
		if s.mode == ModeCoT {
			sep := ex.sep
			if sep == "" {
				sep = "\n"
			}
			b.WriteString("Q: " + ex.input + "\nA: " + cotCue + sep + ex.cot + "\n\n")
		} else {
			b.WriteString(s.question(ex.input))
			b.WriteString(" " + answerPrefix + ex.target + answerSuffix + "\n\n")
		}
	}
	return b.String()
}

// question is "Q: <input>" and the start of the answer.
func (s style) question(input string) string {
	if s.mode == ModeCoT {
		return "Q: " + input + "\nA: " + cotCue + "\n"
	}
	return "Q: " + input + "\nA:"
}

// request puts the prompt text into chat or completion form.
func (s style) request(text string, maxTokens int, temperature float64, seed int64, space *runners.AnswerSpace) runners.Request {
	req := runners.Request{
		MaxTokens:   maxTokens,
		Temperature: temperature,
		Stop:        append([]string(nil), stop...),
		Seed:        seed,
		AnswerSpace: space,
	}
	if s.form == FormChat {
		req.Messages = []runners.Message{{Role: "user", Content: strings.TrimRight(text, "\n")}}
	} else {
		req.Prompt = text
	}
	return req
}

// completion is a full-marks response. In completion form it continues
// the prompt (which already ends with the cue); in chat form it is a
// whole reply. steps may be empty (official questions come without
// worked reasoning).
func (s style) completion(steps []string, target string) string {
	final := answerPrefix + target + answerSuffix
	reasoning := ""
	if len(steps) > 0 {
		reasoning = strings.Join(steps, "\n") + "\n"
	}
	switch {
	case s.mode == ModeCoT && s.form == FormChat:
		return cotCue + "\n" + reasoning + final
	case s.mode == ModeCoT:
		return reasoning + final
	case s.form == FormChat:
		return final
	}
	return " " + final
}

// cotOf writes solver steps and the answer sentence as exemplar reasoning.
func cotOf(sol solution) string {
	return strings.Join(sol.steps, "\n") + "\n" + answerPrefix + sol.target + answerSuffix
}
