package suites

import (
	"fmt"
	"strings"
	"time"

	"github.com/engrambench/engrambench/params"
	"github.com/engrambench/engrambench/results"
	"github.com/engrambench/engrambench/runners"
	"github.com/engrambench/engrambench/serving"
	"github.com/engrambench/engrambench/shard"
	"github.com/engrambench/engrambench/tasks"
)

// Plan is a suite resolved against the catalog: every parameter filled in.
type Plan struct {
	Suite   string
	Source  string
	Runners []PlannedRunner
	Tasks   []PlannedTask
	Limit   int // instances per cell; 0 for all
	Budget  results.Budget
	Serving params.Values // nil unless the suite is a load test
	// Treatment and Baseline name the runners the claims ledger compares.
	Treatment, Baseline string
	// Shard is the part of the plan a run covers; the zero value is all
	// of it. See package shard for which samples a shard holds.
	Shard shard.Shard
}

// PlannedRunner is a runner ready to be built.
type PlannedRunner struct {
	Name        string
	Kind        runners.Kind
	Params      params.Values
	Concurrency int
}

// PlannedTask is a task set with its full parameters.
type PlannedTask struct {
	Set    tasks.TaskSet
	Params params.Values
}

// Resolve fills in defaults and produces the plan.
func (s *Suite) Resolve(cat Catalog, limit int) (*Plan, error) {
	p := &Plan{Suite: s.Name, Source: s.Source, Limit: limit, Budget: s.Budget, Treatment: s.Treatment, Baseline: s.Baseline}
	if s.Serving != nil {
		p.Serving = params.Defaults(serving.Params)
		for k, x := range s.Serving {
			p.Serving[k] = x
		}
		if !p.Serving.Has("runner") && len(s.Runners) == 1 {
			p.Serving["runner"] = s.Runners[0].Name
		}
	}
	for _, r := range s.Runners {
		kind, ok := cat.Kind(r.Kind)
		if !ok {
			return nil, fmt.Errorf("runner %q: unknown kind %q", r.Name, r.Kind)
		}
		p.Runners = append(p.Runners, planRunner(r.Name, kind, r.Params))
	}
	for _, t := range s.Tasks {
		set, ok := cat.Set(t.Set)
		if !ok {
			return nil, fmt.Errorf("unknown task set %q", t.Set)
		}
		v := params.Defaults(tasks.AllParams(set))
		for k, x := range t.Params {
			v[k] = x
		}
		v["seed"] = int(tasks.ResolveSeed(int64(v.Int("seed")), time.Now()))
		p.Tasks = append(p.Tasks, PlannedTask{Set: set, Params: v})
	}
	return p, nil
}

func planRunner(name string, kind runners.Kind, given params.Values) PlannedRunner {
	v := params.Defaults(RunnerParams(kind))
	for k, x := range given {
		v[k] = x
	}
	conc := kind.Concurrency
	if c := v.Int("concurrency"); c > 0 {
		conc = c
	}
	return PlannedRunner{Name: name, Kind: kind, Params: v, Concurrency: max(conc, 1)}
}

// Record is the plan as run.json stores it; secret parameters are left out.
func (p *Plan) Record() results.Plan {
	rec := results.Plan{Limit: p.Limit, Budget: p.Budget, Treatment: p.Treatment, Baseline: p.Baseline}
	if !p.Shard.Whole() {
		rec.Shard = p.Shard
	}
	if p.Serving != nil {
		rec.Serving = p.Serving.Clone()
	}
	for _, r := range p.Runners {
		rec.Runners = append(rec.Runners, results.PlanRunner{Name: r.Name, Kind: r.Kind.Name, Params: params.Public(RunnerParams(r.Kind), r.Params)})
	}
	for _, t := range p.Tasks {
		rec.Tasks = append(rec.Tasks, results.PlanTask{Set: t.Set.Name(), Params: t.Params.Clone()})
	}
	return rec
}

// FromRecord rebuilds a plan from run.json, for --resume and report.
func FromRecord(run results.Run, cat Catalog) (*Plan, error) {
	p := &Plan{Suite: run.Suite, Source: run.SuiteFrom, Limit: run.Plan.Limit, Budget: run.Plan.Budget, Shard: run.Plan.Shard, Treatment: run.Plan.Treatment, Baseline: run.Plan.Baseline}
	if err := p.Shard.Validate(); err != nil {
		return nil, fmt.Errorf("run.json: %w", err)
	}
	if run.Plan.Serving != nil {
		v, err := params.CoerceAll(serving.Params, run.Plan.Serving)
		if err != nil {
			return nil, fmt.Errorf("run.json: serving: %w", err)
		}
		p.Serving = v
	}
	for _, r := range run.Plan.Runners {
		kind, ok := cat.Kind(r.Kind)
		if !ok {
			return nil, fmt.Errorf("run.json: runner %q has kind %q, which this build does not know", r.Name, r.Kind)
		}
		v, err := params.CoerceAll(RunnerParams(kind), r.Params)
		if err != nil {
			return nil, fmt.Errorf("run.json: runner %q: %w", r.Name, err)
		}
		p.Runners = append(p.Runners, planRunner(r.Name, kind, v))
	}
	for _, t := range run.Plan.Tasks {
		set, ok := cat.Set(t.Set)
		if !ok {
			return nil, fmt.Errorf("run.json: task set %q is not known to this build", t.Set)
		}
		v, err := params.CoerceAll(tasks.AllParams(set), t.Params)
		if err != nil {
			return nil, fmt.Errorf("run.json: task set %q: %w", t.Set, err)
		}
		p.Tasks = append(p.Tasks, PlannedTask{Set: set, Params: v})
	}
	return p, nil
}

// ApplyRunnerFlag adds or replaces a runner from a command-line value
// NAME=KIND,key=value,... Lists inside a value are separated by '+'.
func (s *Suite) ApplyRunnerFlag(flag string, cat Catalog) error {
	name, spec, ok := strings.Cut(flag, "=")
	if !ok || name == "" || spec == "" {
		return fmt.Errorf("--runner %q: want NAME=KIND,key=value,... (for example qwen=openai,url=http://127.0.0.1:8000/v1,model=qwen2.5-7b)", flag)
	}
	if !validName(name) {
		return fmt.Errorf("--runner %q: runner name %q: use letters, digits, '-', '_' and '.'", flag, name)
	}
	parts := strings.Split(spec, ",")
	kind, ok := cat.Kind(parts[0])
	if !ok {
		return fmt.Errorf("--runner %q: unknown runner kind %q (known kinds: %s)", flag, parts[0], strings.Join(cat.KindNames(), ", "))
	}
	specs := RunnerParams(kind)
	v := params.Values{}
	var problems []string
	for _, kv := range parts[1:] {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			problems = append(problems, fmt.Sprintf("%q is not key=value", kv))
			continue
		}
		ps, ok := params.Find(specs, k)
		if !ok {
			problems = append(problems, fmt.Sprintf("kind %s has no parameter %q (known: %s)", kind.Name, k, strings.Join(params.Names(specs), ", ")))
			continue
		}
		x, err := ps.ParseString(val)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		v[k] = x
	}
	if len(problems) > 0 {
		return fmt.Errorf("--runner %q: %s", flag, strings.Join(problems, "; "))
	}
	e := RunnerEntry{Name: name, Kind: kind.Name, Params: v}
	for i := range s.Runners {
		if s.Runners[i].Name == name {
			s.Runners[i] = e
			return nil
		}
	}
	s.Runners = append(s.Runners, e)
	return nil
}
