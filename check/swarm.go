package check

import (
	"context"
	"runtime"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// SwarmOptions configure the bitstate swarms of one model: under each
// (update, strategy) pair, statespace.BitstateSwarm's members search in
// parallel, each with a bit array of its own.
type SwarmOptions struct {
	// Strategies, Update, UpdateAt, QueueBound and Skip are as in Options.
	Strategies []string
	Update     string
	UpdateAt   statespace.UpdateAt
	QueueBound int
	Skip       []string
	// Search: members, seed, bits, states, depth, time, workers, coverage
	// (its Checker, Spill and Shrink are filled in here).
	Search statespace.SwarmOptions
	// Shrink, ShrinkStates and ShrinkBudget are as in SimOptions.
	Shrink       bool
	ShrinkStates int64
	ShrinkBudget int64
	// MemBudget is the memory for the frontiers and links of the
	// breadth-first members (shared by the members running at once) and
	// of the shrinking BFS; 0: store.DefaultMemBudget(). The bit arrays
	// come on top: 2^Bits/8 bytes per member running.
	MemBudget int64
	// Done, if set, is called with each outcome as soon as its swarm ends.
	Done func(o *SwarmOutcome)
	// Progress, if set, is called as each swarm goes on
	// (statespace.SwarmOptions.Progress), with its job; Finished once it
	// has ended, before Done.
	Progress func(j *Job, p statespace.SwarmProgress)
	Finished func(j *Job)
}

// SwarmOutcome is the result of one swarm.
type SwarmOutcome struct {
	Job
	QueueBound int
	Result     *statespace.SwarmResult
}

// Swarm runs a bitstate swarm on m under every (update, strategy) pair o
// asks for, in order. It stops early when ctx is cancelled (the last
// outcome then has Interrupted set).
func Swarm(ctx context.Context, m *model.Model, o SwarmOptions) ([]*SwarmOutcome, error) {
	updates, strategies, props, err := Options{Strategies: o.Strategies, Update: o.Update, QueueBound: o.QueueBound, Skip: o.Skip}.validate(m)
	if err != nil {
		return nil, err
	}
	bound := o.QueueBound
	if bound == 0 {
		bound = DefaultQueueBound
	}
	budget := o.MemBudget
	if budget <= 0 {
		budget = store.DefaultMemBudget()
	}
	return eachJob(ctx, m, updates, strategies, func(j jobSpec) (*SwarmOutcome, bool, error) {
		job, prog, st := j.Job, j.Job.Program, j.strategy
		so := o.Search
		so.Checker = props
		// A breadth-first member's frontier and links spill past their
		// share of the budget (a quarter, over the members running).
		running := so.Workers
		if running <= 0 {
			running = runtime.NumCPU()
		}
		so.Spill = store.SpillOptions{MemBudget: max(budget/4/int64(running), 1<<20)}
		if o.Shrink {
			so.Shrink = &statespace.ShrinkOptions{Stores: shrinkStores(budget), MaxStates: o.ShrinkStates, Budget: o.ShrinkBudget, Workers: so.Workers}
		}
		sem := &statespace.Semantics{P: prog, Strategy: st, QueueBound: bound, UpdateAt: o.UpdateAt}
		if so.Coverage {
			sem.Reach = statespace.NewReached(prog) // the source lines no member reached (Unreached.Lines)
		}
		if o.Progress != nil {
			so.Progress = func(p statespace.SwarmProgress) { o.Progress(&job, p) }
		}
		res, err := statespace.BitstateSwarm(ctx, sem, so)
		if o.Finished != nil {
			o.Finished(&job)
		}
		out := &SwarmOutcome{Job: job, QueueBound: bound, Result: res}
		return out, res != nil, err
	}, o.Done)
}
