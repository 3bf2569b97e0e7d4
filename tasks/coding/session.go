package coding

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/tasks"
)

// A session is a multi-turn task: instructions given one after another in
// a growing conversation, each building on the code the model wrote
// before, with hidden tests after every turn. The score is the fraction of
// turns whose tests pass, so a report can show whether a model stays
// coherent as the session grows.
//
// Asking needs the model's own earlier answers, so a session is one
// instance whose turns are driven by Converse (the optional
// Conversational power of its scorer): it sends turn 1, appends the
// model's answer, sends turn 2, and so on, then scores the whole
// transcript. The transcript (the answers joined under turn markers) is
// what the sample records; Score reads it back the same way, so a stored
// sample can be re-scored. An executor that does not know Conversational
// sends the first turn only: the later turns then count as unanswered.
type session struct {
	file     string
	name     string
	lang     string
	title    string
	intro    string
	skeleton map[string]string
	turns    []turn
	single   string // the one file of a one-file project, for answers that do not name it
	mutTurn  int    // 0-based turn whose reference the mutant breaks
	mutFile  string
	mutate   mutation
}

type turn struct {
	instruction string
	solution    map[string]string // files written at this turn (whole)
	hidden      map[string]string // hidden tests after this turn
}

func parseSession(file, data string) (*session, error) {
	a, err := parseArchive(file, data)
	if err != nil {
		return nil, err
	}
	s := &session{file: file, name: a.get("name"), lang: a.get("lang"), title: a.get("title"),
		skeleton: a.files("skeleton/"), single: a.get("single")}
	if s.name == "" || (s.lang != "go" && s.lang != "python") {
		return nil, fmt.Errorf("%s: want name and lang (go or python)", file)
	}
	s.intro, _ = a.section("intro")
	for i := 1; ; i++ {
		p := "turn" + strconv.Itoa(i) + "/"
		ins, ok := a.section(p + "instruction")
		if !ok {
			break
		}
		t := turn{instruction: ins, solution: a.files(p + "solution/"), hidden: a.files(p + "hidden/")}
		if len(t.solution) == 0 || len(t.hidden) == 0 {
			return nil, fmt.Errorf("%s: turn %d needs solution/ and hidden/ files", file, i)
		}
		s.turns = append(s.turns, t)
	}
	if len(s.turns) < 6 || len(s.turns) > 10 {
		return nil, fmt.Errorf("%s: a session has 6 to 10 turns, this one %d", file, len(s.turns))
	}
	// mutate: turnN: FILE: OLD => NEW
	m := a.get("mutate")
	tn, rest, ok1 := strings.Cut(m, ": ")
	f, edit, ok2 := strings.Cut(rest, ": ")
	n, err := strconv.Atoi(strings.TrimPrefix(tn, "turn"))
	if !ok1 || !ok2 || err != nil || n < 1 || n > len(s.turns) {
		return nil, fmt.Errorf("%s: want mutate: turnN: FILE: OLD => NEW", file)
	}
	s.mutTurn, s.mutFile = n-1, f
	if s.mutate, err = parseMutation(edit); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if _, ok := s.turns[s.mutTurn].solution[f]; !ok {
		return nil, fmt.Errorf("%s: mutate names %s, which turn %d does not write", file, f, n)
	}
	return s, nil
}

// Transcript markers: one line before each turn's answer.
var turnMarkRE = regexp.MustCompile(`(?m)^=== engrambench turn (\d+) of (\d+) ===\n?`)

func turnMark(i, n int) string { return fmt.Sprintf("=== engrambench turn %d of %d ===\n", i+1, n) }

// Transcript joins a session's answers under turn markers.
func Transcript(answers []string) string {
	var b strings.Builder
	for i, a := range answers {
		b.WriteString(turnMark(i, len(answers)))
		b.WriteString(a)
		if !strings.HasSuffix(a, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// SplitTranscript reads the answers back from a transcript; text without
// markers is the answer to the first turn.
func SplitTranscript(text string) []string {
	locs := turnMarkRE.FindAllStringSubmatchIndex(text, -1)
	if len(locs) == 0 {
		if strings.TrimSpace(text) == "" {
			return nil
		}
		return []string{text}
	}
	var out []string
	for k, loc := range locs {
		i, _ := strconv.Atoi(text[loc[2]:loc[3]])
		end := len(text)
		if k+1 < len(locs) {
			end = locs[k+1][0]
		}
		for len(out) < i-1 {
			out = append(out, "") // a turn without an answer
		}
		if len(out) == i-1 {
			out = append(out, strings.TrimSuffix(text[loc[1]:end], "\n"))
		}
	}
	return out
}

// turnPrompt is the user message of turn i.
func (s *session) turnPrompt(i int) string {
	t := s.turns[i]
	var b strings.Builder
	if i == 0 {
		if s.intro != "" {
			b.WriteString(strings.TrimSpace(s.intro) + "\n\n")
		}
		if len(s.skeleton) > 0 {
			b.WriteString("The project so far:\n\n")
			b.WriteString(renderFiles(s.skeleton, sortedKeys(s.skeleton)))
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "We will work in %d steps; each builds on the code you wrote before. ", len(s.turns))
		b.WriteString(answerFormat + "\n\n")
	}
	fmt.Fprintf(&b, "Step %d of %d: %s", i+1, len(s.turns), strings.TrimSpace(t.instruction))
	return b.String()
}

// request is the request for turn i given the model's earlier answers.
func (s *session) request(base runners.Request, answers []string) runners.Request {
	req := base
	req.Messages = nil
	for k := 0; k <= len(answers); k++ {
		req.Messages = append(req.Messages, runners.Message{Role: "user", Content: s.turnPrompt(k)})
		if k < len(answers) {
			req.Messages = append(req.Messages, runners.Message{Role: "assistant", Content: answers[k]})
		}
	}
	return req
}

func (s *session) referenceAnswers(mutant bool) ([]string, error) {
	var out []string
	for i, t := range s.turns {
		files := t.solution
		if mutant && i == s.mutTurn {
			files = map[string]string{}
			for k, v := range t.solution {
				files[k] = v
			}
			m, err := s.mutate.apply(files[s.mutFile])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.file, err)
			}
			files[s.mutFile] = m
		}
		out = append(out, renderFiles(files, sortedKeys(files)))
	}
	return out, nil
}

// turnVerdict is one turn's result.
type turnVerdict struct {
	v    Verdict
	code string
}

// judgeTurns replays a transcript: each answer is applied to the files
// the previous turns left (a malformed answer leaves them unchanged and
// fails its turn) and the turn's hidden tests run over the result.
func (s *session) judgeTurns(ctx context.Context, e *entry, answers []string) ([]turnVerdict, error) {
	eng, err := engineFor(e.pol.eng)
	if err != nil {
		return nil, err
	}
	refs, err := s.referenceAnswers(false)
	if err != nil {
		return nil, err
	}
	state, refState := s.skeleton, s.skeleton
	out := make([]turnVerdict, len(s.turns))
	for i, t := range s.turns {
		// The time limit: the reference's state after this turn, measured once.
		refFiles, _, err := applyAnswer(refs[i], s.lang, refState, s.single)
		if err != nil {
			return nil, fmt.Errorf("%s: reference of turn %d: %w", s.name, i+1, err)
		}
		refState = refFiles
		refJob, err := projectJob(s.lang, refFiles, t.hidden, 5)
		if err != nil {
			return nil, fmt.Errorf("%s: turn %d: %w", s.name, i+1, err)
		}
		limit, err := eng.timeoutFor(ctx, e.key+"|turn"+strconv.Itoa(i+1), refJob, e.pol.base, e.pol.factor)
		if err != nil {
			return nil, err
		}
		if i >= len(answers) || strings.TrimSpace(StripReasoning(answers[i])) == "" {
			out[i] = turnVerdict{v: Verdict{Outcome: Malformed, Reason: "no answer to this turn"}}
			continue
		}
		files, changed, err := applyAnswer(StripReasoning(answers[i]), s.lang, state, s.single)
		var me *malformedError
		if errors.As(err, &me) {
			out[i] = turnVerdict{v: Verdict{Outcome: Malformed, Reason: me.reason}}
			continue
		}
		if err != nil {
			return nil, err
		}
		state = files
		j, err := projectJob(s.lang, files, t.hidden, 5)
		if err != nil {
			return nil, err
		}
		v, err := eng.run(ctx, j, limit)
		if err != nil {
			return nil, err
		}
		out[i] = turnVerdict{v: v, code: renderFiles(files, changed)}
	}
	return out, nil
}

// score judges a transcript.
func (s *session) score(ctx context.Context, e *entry, transcript string) (tasks.Score, error) {
	answers := SplitTranscript(transcript)
	tv, err := s.judgeTurns(ctx, e, answers)
	if err != nil {
		return tasks.Score{}, err
	}
	passed := 0
	first := Passed
	var parts []string
	var wall, cpu time.Duration
	var reason string
	for i, t := range tv {
		if t.v.Outcome == Passed {
			passed++
		} else if first == Passed {
			first = t.v.Outcome
			reason = fmt.Sprintf("turn %d: %s", i+1, t.v.Reason)
		}
		parts = append(parts, fmt.Sprintf("turn%d=%s", i+1, t.v.Outcome))
		wall += t.v.Wall
		cpu += t.v.CPU
	}
	n := len(s.turns)
	var b strings.Builder
	fmt.Fprintf(&b, "outcome=%s turns=%d/%d pass=%t %s time=%.3fs cpu=%.3fs", first, passed, n, passed == n, strings.Join(parts, " "), wall.Seconds(), cpu.Seconds())
	if reason != "" {
		b.WriteString(": " + oneLine(reason, 400))
	}
	last := ""
	if len(tv) > 0 {
		last = tv[len(tv)-1].code
	}
	return tasks.Score{Value: float64(passed) / float64(n), Extracted: last, Detail: b.String()}, nil
}

// TurnsOf reads "turns=P/T" from a session's Score.Detail.
func TurnsOf(detail string) (passed, total int, ok bool) {
	t, has := detailFields(detail)["turns"]
	if !has {
		return 0, 0, false
	}
	a, b, _ := strings.Cut(t, "/")
	p, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	return p, n, err1 == nil && err2 == nil
}

// sessionScorer scores sessions and drives their turns.
type sessionScorer struct{ scorer }

// Conversational is the optional power of a Scorer whose instances are
// conversations: the executor calls Converse instead of one Generate and
// Score. Converse asks every turn through generate (which the executor
// builds from its runner, with retries, limits and cost accounting), and
// returns one Response for the sample (Text: the transcript Score reads
// back; Usage summed over the turns; Timing from the first send to the
// last end) and its Score. An error from generate is returned wrapped
// (errors.As finds the runner's error); a failure of the scorer itself is
// marked by ScorerFault.
//
// The method set uses only unnamed and shared types, so an identical
// interface declared in package tasks is satisfied as well.
type Conversational interface {
	Converse(ctx context.Context, in tasks.Instance,
		generate func(context.Context, runners.Request) (runners.Response, error)) (runners.Response, tasks.Score, error)
}

var _ Conversational = sessionScorer{}

// ScorerError marks a Converse error that is the scorer's (sandbox,
// toolchain), not the model's request.
type ScorerError struct{ Err error }

func (e *ScorerError) Error() string     { return "scorer: " + e.Err.Error() }
func (e *ScorerError) Unwrap() error     { return e.Err }
func (e *ScorerError) ScorerFault() bool { return true }

// Converse drives a session turn by turn with the model's own answers.
func (sc sessionScorer) Converse(ctx context.Context, in tasks.Instance,
	generate func(context.Context, runners.Request) (runners.Response, error)) (runners.Response, tasks.Score, error) {
	e, err := lookup(in)
	if err != nil {
		return runners.Response{}, tasks.Score{}, &ScorerError{err}
	}
	if e.p.session == nil {
		resp, err := generate(ctx, in.Request)
		if err != nil {
			return resp, tasks.Score{}, err
		}
		s, err := sc.Score(ctx, in, resp)
		if err != nil {
			return resp, s, &ScorerError{err}
		}
		return resp, s, nil
	}
	s := e.p.session
	var answers, reasoning []string
	var all runners.Response
	for i := range s.turns {
		resp, err := generate(ctx, s.request(in.Request, answers))
		merge(&all, resp, i == 0)
		if err != nil {
			all.Text = Transcript(answers)
			return all, tasks.Score{}, fmt.Errorf("turn %d: %w", i+1, err)
		}
		answers = append(answers, resp.Text)
		reasoning = append(reasoning, resp.Reasoning)
	}
	all.Text = Transcript(answers)
	if strings.Join(reasoning, "") != "" {
		all.Reasoning = Transcript(reasoning)
	}
	score, err := sc.Score(ctx, in, all)
	if err != nil {
		return all, score, &ScorerError{err}
	}
	return all, score, nil
}

// merge adds one turn's response to the session's.
func merge(all *runners.Response, r runners.Response, first bool) {
	u := &all.Usage
	u.PromptTokens += r.Usage.PromptTokens
	u.CompletionTokens += r.Usage.CompletionTokens
	u.CachedTokens += r.Usage.CachedTokens
	u.ReasoningTokens += r.Usage.ReasoningTokens
	u.ClientPromptTokens += r.Usage.ClientPromptTokens
	u.ClientCompletionTokens += r.Usage.ClientCompletionTokens
	u.Estimated = u.Estimated || r.Usage.Estimated
	all.Attempts += max(r.Attempts, 1)
	if first {
		all.Timing.Intended, all.Timing.Send, all.Timing.FirstToken = r.Timing.Intended, r.Timing.Send, r.Timing.FirstToken
		all.Cached = r.Cached
	} else {
		all.Cached = all.Cached && r.Cached
	}
	if !r.Timing.End.IsZero() {
		all.Timing.End = r.Timing.End
	}
	if r.Model != "" {
		all.Model = r.Model
	}
	all.FinishReason = r.FinishReason
}

// loadSessions parses the embedded sessions once, grouped by language.
var loadSessions = sync.OnceValues(func() ([]*session, error) {
	return parseProblemFiles("problems/session", parseSession, func(s *session) string { return s.lang })
})

func (s *session) problem(maxTokens int) (*problem, error) {
	refs, err := s.referenceAnswers(false)
	if err != nil {
		return nil, err
	}
	muts, err := s.referenceAnswers(true)
	if err != nil {
		return nil, err
	}
	req := s.request(runners.Request{MaxTokens: maxTokens}, nil)
	return &problem{
		task: s.lang, name: s.name, lang: s.lang, session: s,
		request:   req,
		reference: Transcript(refs),
		mutant:    Transcript(muts),
		answers:   []string{strconv.Itoa(len(s.turns)) + " turns"},
		build: func(string) (job, string, error) {
			return job{}, "", errors.New("sessions are judged turn by turn")
		},
	}, nil
}

type sessionSet struct{}

// NewCodeSession returns "code-session": multi-turn sessions of 6 to 10
// instructions, each building on the model's own earlier code, with
// hidden tests after every turn; the score is the fraction of turns
// passed. Its scorer is Conversational.
func NewCodeSession() tasks.TaskSet { return sessionSet{} }

var (
	_ tasks.TaskSet     = sessionSet{}
	_ tasks.SelfChecker = sessionSet{}
)

func (sessionSet) Name() string { return CodeSessionName }

func (sessionSet) Help() string {
	return "engrambench's own multi-turn sessions: 6 to 10 instructions in one growing conversation, each building on the model's own code, hidden tests after every turn; score: the fraction of turns passed"
}

func (sessionSet) Params() []params.Spec {
	return append([]params.Spec{
		{Name: "tasks", Kind: params.Strings, Default: []string{"go", "python"}, Choices: []string{"go", "python"}, Help: "languages to ask"},
		{Name: "n", Kind: params.Int, Default: 1000, Min: params.AtLeast(1), Help: "the first n sessions of each language"},
		{Name: "max_tokens", Kind: params.Int, Default: 8192, Min: params.AtLeast(1), Help: "generation budget per turn"},
	}, runParams("", 10)...)
}

func (sessionSet) Scorer() tasks.Scorer { return sessionScorer{} }

func (st sessionSet) Instances(ctx context.Context, p params.Values) iter.Seq2[tasks.Instance, error] {
	return ownInstances(ctx, st, p, CodeSessionName, loadSessions)
}

func (st sessionSet) SelfCheck(ctx context.Context, p params.Values) []tasks.CheckResult {
	return sandboxCheck(ctx, st, p)
}

// language is the task of the problem (go or python), for ownInstances.
func (t *session) language() string { return t.lang }
