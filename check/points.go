package check

import (
	"context"
	"fmt"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// Safe update points (`mcheck points`): for each (update, strategy), each
// thread that can take part in the update and each of its update points,
// one safety search in which that point is the thread's only one
// (statespace.OnlyAt; the other threads keep all theirs). See README
// "Where is it safe to update?".

// PointsOptions configure a safe-points report. The fields shared with
// Options mean what they mean there.
type PointsOptions struct {
	// Strategies to restrict, in order; nil: uncoordinated.
	Strategies []string
	Update     string
	UpdateAt   statespace.UpdateAt
	QueueBound int
	MaxDepth   int
	MaxStates  int64
	Workers    int
	Skip       []string
	Store      store.Options
	// Progress, if set, is called after each batch of each search.
	Progress func(o *PointOutcome, p statespace.Progress)
	// Done, if set, is called with each point's outcome as soon as it is known.
	Done func(o *PointOutcome)
	// NoPoint, if set, is called for each update none of whose
	// participants has an update point (so it has no outcome): participants
	// says whether any thread can take part in it at all.
	NoPoint func(u *model.Update, participants bool)
}

// PointVerdict is what a search says about one update point.
type PointVerdict uint8

const (
	PointSafe         PointVerdict = iota // exhaustive: no violation, and the thread applies there in some run
	PointUnsafe                           // a violation (the witness)
	PointUnknown                          // no violation found, but the search was cut
	PointNeverApplied                     // exhaustive, no violation, but the thread never applies there
)

func (v PointVerdict) String() string {
	return [...]string{"safe", "unsafe", "unknown", "never applied"}[v]
}

// PointOutcome is the verdict on one update point under one strategy.
type PointOutcome struct {
	Job
	QueueBound int
	Point      statespace.UpdatePoint
	Thread     string // the point's thread, by name
	Of         int    // the update points of its update, each judged under the strategy in turn
	Verdict    PointVerdict
	// Witness, for an unsafe point, is the shortest run to a violation;
	// Passing is at which passing of the point the thread applied in it
	// (statespace.UpdatePoint.Passing; 0: it did not apply in it), or,
	// with Waits, blocked at the stop-the-world barrier to apply, never
	// released in the witness.
	Witness *statespace.Violation
	Passing int
	Waits   bool
	// Idle, Stalled and HeldByCapacity: for a witness that is a lasso,
	// as Outcome's (found by a tester: points --trace left out what
	// check says of the same lasso).
	Idle           []statespace.Idle
	Stalled        []statespace.Stalled
	HeldByCapacity []string
	Result         *statespace.Result
	// Liveness is what the liveness half of update completion did (nil
	// if it did not run), as Outcome's.
	Liveness *statespace.LiveStats
	// Failure is the error that stopped this point's search (a full
	// disk): Verdict is then Unknown, and Result holds the figures so far.
	Failure error
}

// Points judges every update point of every participant of m's updates
// under each strategy o asks for (uncoordinated by default), in order:
// update, strategy, thread, source position. It stops early when ctx is
// cancelled (the last outcome is then Unknown, its Result Interrupted). A
// store failure ends it with the error and the outcomes so far, the last
// the point whose search failed (its Failure set, passed to Done too).
func Points(ctx context.Context, m *model.Model, o PointsOptions) ([]*PointOutcome, error) {
	strategies := o.Strategies
	if strategies == nil {
		strategies = []string{"uncoordinated"}
	}
	updates, strategies, props, err := Options{Strategies: strategies, Update: o.Update, QueueBound: o.QueueBound, Skip: o.Skip}.validate(m)
	if err != nil {
		return nil, err
	}
	if updates[0] == nil {
		return nil, fmt.Errorf("%s declares no update: there is nothing to apply", m.File.Name)
	}
	bound := o.QueueBound
	if bound == 0 {
		bound = DefaultQueueBound
	}
	var outs []*PointOutcome
	runs := 0
	for _, u := range updates {
		prog, err := statespace.Compile(m, u)
		if err != nil {
			return outs, fmt.Errorf("%s: %v", m.File.Name, err)
		}
		points := prog.UpdatePoints()
		if len(points) == 0 && o.NoPoint != nil {
			o.NoPoint(u, prog.TakesPart())
		}
		for _, sn := range strategies {
			base, _ := statespace.StrategyNamed(sn)
			for _, pt := range points {
				out := &PointOutcome{Job: Job{Update: u, Strategy: sn, Program: prog}, QueueBound: bound, Point: pt, Thread: prog.Threads[pt.Thread].Name, Of: len(points)}
				so := o.Store.ForRun(runs + 1)
				runs++
				judge := &statespace.PointJudge{Inner: props, Thread: pt.Thread}
				sem := &statespace.Semantics{P: prog, Strategy: statespace.OnlyAt{Base: base, Point: pt}, QueueBound: bound, UpdateAt: o.UpdateAt}
				if err := judgePoint(ctx, sem, judge, so, o, props[properties.UpdateCompletion], out); err != nil {
					if out.Result != nil {
						// Its row too, as failed (found by a tester: the
						// point that failed had none, in text or JSON).
						out.Failure = err
						outs = append(outs, out)
						if o.Done != nil {
							o.Done(out)
						}
					}
					return outs, err
				}
				outs = append(outs, out)
				if o.Done != nil {
					o.Done(out)
				}
				if out.Result.Interrupted {
					return outs, nil
				}
			}
		}
	}
	return outs, nil
}

// judgePoint runs the search of one point and fills its outcome in.
// As in Run, the liveness half of update completion (if on) is judged once
// safety holds.
func judgePoint(ctx context.Context, sem *statespace.Semantics, judge *statespace.PointJudge, so store.Options, o PointsOptions, liveness bool, out *PointOutcome) error {
	stores, err := store.Open(so)
	if err != nil {
		return err
	}
	opts := statespace.Options{
		Visited: stores.Visited, Frontier: stores.Frontier, Links: stores.Links, Checker: judge,
		MaxDepth: o.MaxDepth, MaxStates: o.MaxStates, Workers: o.Workers,
	}
	if o.Progress != nil {
		opts.Progress = func(p statespace.Progress) { o.Progress(out, p) }
	}
	res, err := statespace.Explore(ctx, sem, opts)
	if cerr := stores.Close(); cerr != nil && err == nil {
		err = cerr
	}
	out.Result = res
	if _, ok := stores.Visited.(*store.BitstateSet); ok && res != nil && res.Verdict == statespace.Holds {
		res.Verdict, res.Exhaustive = statespace.Unknown, false // a bit array proves nothing
	}
	if err == nil && liveness && res.Verdict == statespace.Holds {
		lo := &Outcome{Result: res}
		err = checkLiveness(ctx, sem, Options{MaxStates: o.MaxStates}, opts.Progress, lo)
		out.Liveness = lo.Liveness
		out.Idle, out.Stalled, out.HeldByCapacity = lo.Idle, lo.Stalled, lo.HeldByCapacity
	}
	switch {
	case res == nil:
	case res.Violation != nil:
		out.Verdict, out.Witness = PointUnsafe, res.Violation
		out.Passing, out.Waits = out.Point.Passing(sem, res.Violation.Path)
	case res.Verdict != statespace.Holds:
		out.Verdict = PointUnknown
	case !judge.Applied():
		out.Verdict = PointNeverApplied
	default:
		out.Verdict = PointSafe
	}
	if err != nil {
		out.Verdict = PointUnknown
		return fmt.Errorf("%s at %s (%s): %w", out.Thread, out.Point.Where, out.Strategy, err)
	}
	return nil
}
