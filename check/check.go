// Package check is mcheck's pipeline, the one place where it is assembled:
// a checked model and options in, one Outcome per (update, strategy) run out.
// For each update to check it compiles the model (statespace.Compile), opens
// the stores (store.Open), explores every strategy (statespace.Explore) with
// the properties that are on (package properties) and hands each outcome to
// the caller as soon as it is known. The command line, the benchmarks and
// the tests all run models through Run.
package check

import (
	"context"
	"fmt"
	"iter"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// DefaultQueueBound is the queue capacity when none is given (docs/language.md §6).
const DefaultQueueBound = 8

// Options configure the runs of one model.
type Options struct {
	// Strategies to run, in order; nil: every registered strategy.
	Strategies []string
	// Update is the update to check, or a comma-separated list of them; "":
	// every update of the model, one after another (a model without updates
	// is explored once).
	Update     string
	UpdateAt   statespace.UpdateAt
	QueueBound int // 0: DefaultQueueBound
	MaxDepth   int
	MaxStates  int64
	Workers    int
	// Batch is the number of configurations expanded per batch (0: the
	// explorer's default); tests make it small to exercise many batches a
	// level.
	Batch int
	// Skip lists the properties switched off.
	Skip []string
	// Coverage follows what each run reached (Result.Unreached).
	Coverage bool
	// Continue goes on after a violation and reports every distinct one
	// (Result.Violations), up to MaxViolations (0: the default). The
	// liveness half of update completion is judged only when safety held:
	// with safety violations it is not run.
	Continue      bool
	MaxViolations int
	// Reduce chooses the reductions: "all" or "" (every one that is sound
	// for the model and keeps counterexamples shortest), "symmetry", "por"
	// or "none" (reduce.go).
	Reduce string
	// Shortest, with partial-order reduction, searches again without it,
	// up to the depth of a violation found, for a shortest counterexample.
	Shortest bool
	Store    store.Options
	// Progress, if set, is called after each batch of each run.
	Progress func(j *Job, p statespace.Progress)
	// Done, if set, is called with each outcome as soon as its run ends.
	Done func(o *Outcome)
}

// Job identifies one exploration: an update (nil: none) under a strategy.
type Job struct {
	Update   *model.Update
	Strategy string // "" when the model has no update: every strategy is the same search
	Program  *statespace.Program
}

// NoUpdate is what reports say for the update of a run without one.
const NoUpdate = "(no update)"

// UpdateName is the update's name, or NoUpdate.
func (j *Job) UpdateName() string {
	if j.Update == nil {
		return NoUpdate
	}
	return j.Update.Name
}

// Outcome is the result of one run.
type Outcome struct {
	Job
	QueueBound int
	Result     *statespace.Result
	// Liveness is what the liveness half of update completion did (nil if
	// it did not run: safety failed or was cut, no update, or the property
	// is off). Its violation, if any, is Result.Violation.
	Liveness *statespace.LiveStats
	// HeldByCapacity, for a lasso, are the threads the queue's capacity
	// holds back throughout its cycle, not applied (Idle.HeldByCapacity).
	HeldByCapacity []string
	// Idle, for a lasso, are the running threads that never move in its
	// cycle, with where each cannot (statespace.IdleInCycle).
	Idle []statespace.Idle
	// Stalled, for a lasso, are the participants yet to apply that move in
	// its cycle, with why none can apply there (statespace.StalledInCycle).
	Stalled []statespace.Stalled
	// Bitstate, with --store bitstate, says how full the bit array ended
	// and what that may have hidden; such a run is never exhaustive.
	Bitstate string
	// Symmetry is the symmetry the run was reduced by, or nil.
	Symmetry *statespace.Symmetry
	// POR says the safety search was reduced by partial-order reduction
	// (Result.Expanded, Reduced say how much). With Options.Shortest and a
	// violation, ShortestStates is the number of configurations the search
	// again without it, up to the violation's depth, explored (the
	// violation is then its: a shortest one), and ShortestCut says that
	// search was cut or interrupted (the violation is the reduced search's).
	POR            bool
	ShortestStates int64
	ShortestCut    bool
}

// SplitNames splits a comma-separated list of names of what (spaces
// allowed around the commas), refusing an empty name between commas: one
// rule for --strategy, --update and --skip (found by testers: each said
// an empty name its own way, "unknown strategy \"\"", `has no update ""`).
func SplitNames(list, what string) ([]string, error) {
	names := strings.Split(list, ",")
	for i, n := range names {
		if names[i] = strings.TrimSpace(n); names[i] == "" && len(names) > 1 {
			return nil, fmt.Errorf("an empty name in the %s list %q", what, list)
		}
	}
	return names, nil
}

// ParseStrategies turns a comma-separated list (spaces allowed around the
// commas) or "all" into strategy names, in order and without duplicates.
func ParseStrategies(s string) ([]string, error) {
	if strings.TrimSpace(s) == "all" {
		return statespace.StrategyNames(), nil
	}
	var out []string
	seen := map[string]bool{}
	list, err := SplitNames(s, "strategy")
	if err != nil {
		return nil, err
	}
	for _, n := range list {
		names := []string{n}
		if n == "all" {
			names = statespace.StrategyNames() // in a list too (a repeated --strategy)
		} else if _, err := statespace.StrategyNamed(n); err != nil {
			// all is known too (found by a tester: the list left it out)
			return nil, fmt.Errorf("unknown strategy %q (known: %s, or all)", n, strings.Join(statespace.StrategyNames(), ", "))
		}
		for _, n := range names {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out, nil
}

func (o Options) validate(m *model.Model) ([]*model.Update, []string, properties.Checker, error) {
	updates := m.Updates
	if o.Update != "" {
		var err error
		if updates, err = UpdatesNamed(m, o.Update); err != nil {
			return nil, nil, nil, err
		}
	}
	if len(updates) == 0 {
		updates = []*model.Update{nil}
	}
	strategies := o.Strategies
	if strategies == nil {
		strategies = statespace.StrategyNames()
	}
	for _, s := range strategies {
		if _, err := statespace.StrategyNamed(s); err != nil {
			return nil, nil, nil, err
		}
	}
	if _, err := ParseReduce(o.Reduce); err != nil {
		return nil, nil, nil, err
	}
	if err := o.UpdateAt.Check(); err != nil {
		return nil, nil, nil, err
	}
	props, err := properties.Without(o.Skip)
	if err != nil {
		return nil, nil, nil, err
	}
	if o.MaxViolations < 0 {
		return nil, nil, nil, fmt.Errorf("the most violations to report must not be negative, got %d", o.MaxViolations)
	}
	if o.QueueBound < 0 {
		return nil, nil, nil, fmt.Errorf("queue bound must be at least 1, got %d", o.QueueBound)
	}
	return updates, strategies, props, nil
}

// UpdatesNamed returns m's updates named in a comma-separated list (spaces
// allowed, duplicates dropped), or an error that lists the updates it has.
func UpdatesNamed(m *model.Model, list string) ([]*model.Update, error) {
	var out []*model.Update
	names, err := SplitNames(list, "update")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		u := m.Update(name)
		if u == nil {
			return nil, fmt.Errorf("%s has no update %q%s", m.File.Name, name, knownUpdates(m))
		}
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

func knownUpdates(m *model.Model) string {
	if len(m.Updates) == 0 {
		return " (it declares no update)"
	}
	var names []string
	for _, u := range m.Updates {
		names = append(names, u.Name)
	}
	return " (it has: " + strings.Join(names, ", ") + ")"
}

// Run explores m under every (update, strategy) pair o asks for, in order.
// It stops early when ctx is cancelled (the last outcome then has
// Interrupted set). A store failure ends the pipeline with the error; the
// outcomes so far, the failed run's statistics so far included, are
// returned with it.
// PlannedRuns names the runs Run makes, in order: "update/strategy", or
// NoUpdate alone for a model without an update (one search serves every
// strategy).
func PlannedRuns(m *model.Model, o Options) ([]string, error) {
	updates, strategies, _, err := o.validate(m)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, u := range updates {
		for _, sn := range strategiesOf(u, strategies) {
			if u == nil {
				names = append(names, NoUpdate)
			} else {
				names = append(names, u.Name+"/"+sn)
			}
		}
	}
	return names, nil
}

// strategiesOf is the strategies update u is run under: all of them, or
// one for no update (every strategy is the same search).
func strategiesOf(u *model.Update, strategies []string) []string {
	if u == nil {
		return strategies[:1]
	}
	return strategies
}

func Run(ctx context.Context, m *model.Model, o Options) ([]*Outcome, error) {
	updates, strategies, props, err := o.validate(m)
	if err != nil {
		return nil, err
	}
	bound := o.QueueBound
	if bound == 0 {
		bound = DefaultQueueBound
	}
	runs := 0
	return eachJob(ctx, m, updates, strategies, func(j jobSpec) (*Outcome, bool, error) {
		job, prog, st := j.Job, j.Job.Program, j.strategy
		sym := o.symmetry(prog)
		so := o.Store.ForRun(runs + 1)
		runs++
		stores, err := store.Open(so)
		if err != nil {
			// The run that failed, with nothing searched: its line says
			// so (found by a tester: with --json there was none).
			res := &statespace.Result{Verdict: statespace.Unknown, UpdateLatency: -1}
			return &Outcome{Job: job, QueueBound: bound, Result: res, Symmetry: sym}, true, err
		}
		opts := statespace.Options{
			Visited: stores.Visited, Frontier: stores.Frontier, Links: stores.Links, Checker: props,
			MaxDepth: o.MaxDepth, MaxStates: o.MaxStates, Workers: o.Workers, Batch: o.Batch, Coverage: o.Coverage,
			Continue: o.Continue, MaxViolations: o.MaxViolations, POR: o.por(),
		}
		if o.Progress != nil {
			j := job
			opts.Progress = func(p statespace.Progress) { o.Progress(&j, p) }
		}
		sem := &statespace.Semantics{P: prog, Strategy: st, QueueBound: bound, UpdateAt: o.UpdateAt}
		if o.Coverage {
			sem.Reach = statespace.NewReached(prog) // the source lines no thread reaches
		}
		sem.Sym = sym
		res, err := statespace.Explore(ctx, sem, opts)
		if res != nil && res.Unreached != nil && sem.Reach != nil {
			res.Unreached.Lines = sem.Reach.Lines(prog)
		}
		var bitNote string
		if bs, ok := stores.Visited.(*store.BitstateSet); ok && res != nil {
			// A bit array may have taken a new state for one seen: a
			// search over it never proves anything.
			bitNote = bs.Summary()
			if res.CutByStates && bs.Len() > res.States {
				// The batch the cut stopped in entered every successor
				// it made; only the first ones count as states (a
				// tester saw two counts without a word).
				bitNote += fmt.Sprintf(" (the array took %d states where the search counts %d: the batch --max-states stopped in entered all its successors)", bs.Len(), res.States)
			}
			res.Exhaustive = false
			if res.Verdict == statespace.Holds {
				res.Verdict = statespace.Unknown
			}
		}
		if cerr := stores.Close(); cerr != nil && err == nil {
			err = cerr
		}
		out := &Outcome{Job: job, QueueBound: bound, Result: res, Bitstate: bitNote, Symmetry: sym, POR: opts.POR}
		if err == nil && opts.POR && o.Shortest && res.Violation != nil {
			err = o.shortest(ctx, sem, so, props, out)
		}
		if err == nil && job.Update != nil && res.Verdict == statespace.Holds && props[properties.UpdateCompletion] {
			// With symmetry, liveness searches the same quotient, with
			// fairness relaxed to what renaming threads preserves, and
			// reports only real fair lassos; if none lifts, it falls
			// back to the unreduced system (statespace/livesym.go;
			// LiveStats.Quotient, FellBack).
			err = checkLiveness(ctx, sem, o, opts.Progress, out)
		}
		if err != nil && res != nil && res.Violation == nil {
			// The run failed after its search (closing the store, the
			// liveness check): nothing is proved, even if the search
			// itself went through (found by a tester: a store directory
			// removed during a search that never wrote to it was found
			// gone at the close, and the run said "ok", exhaustive).
			res.Verdict, res.Exhaustive = statespace.Unknown, false
		}
		return out, res != nil, err
	}, o.Done)
}

// shortest searches again, without partial-order reduction, for a
// shortest violation: the reduced search's counterexample is a real run of
// d steps, so the unreduced search finds one of at most d steps by depth d
// (its configurations d deep are expanded too, for a violation of a
// configuration without a step), at the cost of the configurations within
// that depth. A search cut or interrupted leaves the reduced search's
// violation (ShortestCut).
func (o Options) shortest(ctx context.Context, sem *statespace.Semantics, so store.Options, props properties.Checker, out *Outcome) error {
	res := out.Result
	so.Dir = "" // a temporary store: --store-dir holds the first search's
	stores, err := store.Open(so)
	if err != nil {
		return err
	}
	d := len(res.Violation.Trace)
	again, err := statespace.Explore(ctx, sem, statespace.Options{
		Visited: stores.Visited, Frontier: stores.Frontier, Links: stores.Links, Checker: props,
		MaxDepth: d + 1, MaxStates: o.MaxStates, Workers: o.Workers, Batch: o.Batch,
	})
	if cerr := stores.Close(); cerr != nil && err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return fmt.Errorf("the search for a shortest counterexample: %w", err)
	case again.Violation != nil && len(again.Violation.Trace) <= d && !again.Unfinished:
		// The depth is the violation's: its trace's length (README).
		res.Violation, res.Depth, out.ShortestStates = again.Violation, again.Depth, again.States
		res.Unfinished = false // a shortest one, whatever cut the first search
	case again.Interrupted || again.CutByStates:
		out.ShortestCut = true
	default:
		return fmt.Errorf("internal error: the search without partial-order reduction found no violation within %d steps, though the reduced search found one in %d", d, d)
	}
	return nil
}

// checkLiveness runs the liveness half of update completion (docs/language.md
// §5) after a safety search that held, exhaustively, and folds its verdict
// into the outcome: a lasso is the run's violation; a check that was cut or
// interrupted leaves nothing proved. Its time counts in the run's.
func checkLiveness(ctx context.Context, sem *statespace.Semantics, o Options, progress func(statespace.Progress), out *Outcome) error {
	lo := statespace.LiveOptions{MaxStates: o.MaxStates, Workers: o.Workers, Batch: o.Batch}
	if k := o.Store.Kind; (k == store.Badger || k == "") && o.Store.Spill {
		// Disk-backed, like the safety search: the graph's columns spill
		// past half the budget (the other half is for the index of
		// configurations and the tables of parts, which stay in RAM), and
		// the collector keeps the heap within the budget.
		budget := o.Store.MemBudget
		if budget <= 0 {
			budget = store.DefaultMemBudget()
		}
		lo.Spill = store.SpillOptions{MemBudget: budget / 2}
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(store.HeapLimit(budget)))
	}
	if progress != nil {
		lo.Progress = func(s statespace.LiveStats) {
			if s.Decomposing > 0 {
				progress(statespace.Progress{States: s.Decomposing, Of: s.Pending - s.Excluded, Depth: s.Depth, Elapsed: s.Elapsed, StoreRAM: s.RAMBytes, StoreDisk: s.DiskBytes, Phase: "liveness, searching for fair cycles"})
				return
			}
			progress(statespace.Progress{States: s.States, Transitions: s.Transitions, Depth: s.Depth, Elapsed: s.Elapsed, StoreRAM: s.RAMBytes, StoreDisk: s.DiskBytes, Phase: "liveness"})
		}
	}
	v, st, err := statespace.CheckLiveness(ctx, sem, lo)
	res := out.Result
	res.Elapsed += st.Elapsed
	out.Liveness = &st
	switch {
	case err != nil:
		res.Verdict, res.Exhaustive = statespace.Unknown, false
		return fmt.Errorf("update completion (liveness): %w", unprefixed{err, "liveness: "})
	case v != nil:
		res.Violation, res.Verdict, res.Exhaustive = v, statespace.Violated, false
		out.Idle = statespace.IdleInCycle(sem, v.Path, v.CycleStart)
		out.Stalled = statespace.StalledInCycle(sem, v.Path, v.CycleStart)
		for _, x := range out.Idle {
			if x.HeldByCapacity() {
				out.HeldByCapacity = append(out.HeldByCapacity, sem.P.Threads[x.Thread].Name)
			}
		}
		if o.Continue {
			res.Violations = []*statespace.Violation{v}
		}
	case st.Interrupted:
		res.Verdict, res.Exhaustive, res.Interrupted = statespace.Unknown, false, true
	case st.Cut:
		res.Verdict, res.Exhaustive, res.CutByStates = statespace.Unknown, false, true
	}
	return nil
}

// jobSpec is one (update, strategy) run: its job and strategy.
type jobSpec struct {
	Job
	strategy statespace.Strategy
}

// eachJob runs one search a job (jobs), in order, and returns their
// outcomes: run's is kept if it says so (it has a result, also when it
// failed); an error ends the runs; done is told of each run that ended
// without one; and once ctx is cancelled, in a run or after its search
// (the search for a shortest counterexample, shrinking), no run starts
// after it (found by a tester: the next one started, and ended at once
// with nothing done).
func eachJob[O any](ctx context.Context, m *model.Model, updates []*model.Update, strategies []string, run func(jobSpec) (O, bool, error), done func(O)) ([]O, error) {
	var outs []O
	for j, err := range jobs(m, updates, strategies) {
		if err != nil {
			return outs, err
		}
		out, keep, err := run(j)
		if keep {
			outs = append(outs, out)
		}
		if err != nil {
			return outs, err
		}
		if done != nil {
			done(out)
		}
		if ctx.Err() != nil {
			return outs, nil
		}
	}
	return outs, nil
}

// jobs yields the runs of m for updates and strategies, in order: every
// strategy for each update, compiled once per update; a model without an
// update is one run (every strategy is the same search) with no strategy
// name. A program that does not compile ends it with the error.
func jobs(m *model.Model, updates []*model.Update, strategies []string) iter.Seq2[jobSpec, error] {
	return func(yield func(jobSpec, error) bool) {
		for _, u := range updates {
			prog, err := statespace.Compile(m, u)
			if err != nil {
				yield(jobSpec{}, fmt.Errorf("%s: %v", m.File.Name, err))
				return
			}
			for _, sn := range strategiesOf(u, strategies) {
				st, _ := statespace.StrategyNamed(sn)
				job := Job{Update: u, Strategy: sn, Program: prog}
				if u == nil {
					job.Strategy = ""
				}
				if !yield(jobSpec{Job: job, strategy: st}, nil) {
					return
				}
			}
		}
	}
}

// unprefixed is err without a prefix its message starts with (a message
// already under a heading that says as much), still wrapping err.
type unprefixed struct {
	err    error
	prefix string
}

func (u unprefixed) Error() string { return strings.TrimPrefix(u.err.Error(), u.prefix) }
func (u unprefixed) Unwrap() error { return u.err }
