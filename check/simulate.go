package check

import (
	"context"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// SimOptions configure the simulations of one model: random walks under
// each (update, strategy) pair, as statespace.Simulate walks them.
type SimOptions struct {
	// Strategies, Update, UpdateAt, QueueBound and Skip are as in Options.
	Strategies []string
	Update     string
	UpdateAt   statespace.UpdateAt
	QueueBound int
	Skip       []string
	// Walks: seed, depth, runs, time, workers, scheduler, swarm, coverage
	// (its Checker and Shrink are filled in here).
	Walks statespace.SimOptions
	// Shrink looks for a shorter run to each violation found: a BFS of at
	// most ShrinkStates configurations (0: statespace.DefaultShrinkStates),
	// then delta debugging within ShrinkBudget replayed configurations (0:
	// statespace.DefaultShrinkBudget).
	Shrink       bool
	ShrinkStates int64
	ShrinkBudget int64
	// MemBudget is the memory budget of the shrinking BFS's stores (0: the
	// default).
	MemBudget int64
	// Done, if set, is called with each outcome as soon as its simulation
	// ends.
	Done func(o *SimOutcome)
	// Progress, if set, is called as each simulation goes on
	// (statespace.SimOptions.Progress), with its job; Finished once it
	// has ended, before Done.
	Progress func(j *Job, p statespace.SimProgress)
	Finished func(j *Job)
}

// SimOutcome is the result of one simulation.
type SimOutcome struct {
	Job
	QueueBound int
	Result     *statespace.SimResult
}

// Simulate walks m at random under every (update, strategy) pair o asks
// for, in order. It stops early when ctx is cancelled (the last outcome
// then has Interrupted set).
func Simulate(ctx context.Context, m *model.Model, o SimOptions) ([]*SimOutcome, error) {
	updates, strategies, props, err := Options{Strategies: o.Strategies, Update: o.Update, QueueBound: o.QueueBound, Skip: o.Skip}.validate(m)
	if err != nil {
		return nil, err
	}
	bound := o.QueueBound
	if bound == 0 {
		bound = DefaultQueueBound
	}
	return eachJob(ctx, m, updates, strategies, func(j jobSpec) (*SimOutcome, bool, error) {
		job, prog, st := j.Job, j.Job.Program, j.strategy
		so := o.Walks
		so.Checker = props
		if o.Shrink {
			so.Shrink = &statespace.ShrinkOptions{Stores: shrinkStores(o.MemBudget), MaxStates: o.ShrinkStates, Budget: o.ShrinkBudget, Workers: so.Workers}
		}
		sem := &statespace.Semantics{P: prog, Strategy: st, QueueBound: bound, UpdateAt: o.UpdateAt}
		if so.Coverage {
			sem.Reach = statespace.NewReached(prog) // the source lines no walk reached (Unreached.Lines)
		}
		if o.Progress != nil {
			so.Progress = func(p statespace.SimProgress) { o.Progress(&job, p) }
		}
		res, err := statespace.Simulate(ctx, sem, so)
		if o.Finished != nil {
			o.Finished(&job)
		}
		out := &SimOutcome{Job: job, QueueBound: bound, Result: res}
		return out, res != nil, err
	}, o.Done)
}

// shrinkStores opens in-memory stores for a shrinking BFS (it is bounded,
// so the visited set stays small; the frontier and links may spill).
func shrinkStores(budget int64) func() (statespace.Options, func() error, error) {
	return func() (statespace.Options, func() error, error) {
		st, err := store.Open(store.Options{Kind: store.Memory, MemBudget: budget, Spill: true})
		if err != nil {
			return statespace.Options{}, nil, err
		}
		return statespace.Options{Visited: st.Visited, Frontier: st.Frontier, Links: st.Links}, st.Close, nil
	}
}
