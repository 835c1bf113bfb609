package check

import (
	"fmt"
	"strings"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

// ReplayOptions say how the run to replay was checked.
type ReplayOptions struct {
	Update string // "": the model's only update, or none
	// NoUpdate: the run had no update (a report's "(no update)"), whatever
	// updates the model has.
	NoUpdate bool
	// Strategy is one of statespace.StrategyNames(); "" or NoStrategy only
	// when the run has no update (every strategy is the same there).
	Strategy   string
	UpdateAt   statespace.UpdateAt
	QueueBound int // 0: DefaultQueueBound
	Skip       []string
}

// Semantics builds the transition relation of m under o, with the
// properties o leaves on: for replaying a run, or stepping through one.
func Semantics(m *model.Model, o ReplayOptions) (*statespace.Semantics, properties.Checker, error) {
	var u *model.Update
	switch {
	case o.NoUpdate:
	case o.Update != "":
		us, err := UpdatesNamed(m, o.Update)
		if err != nil {
			return nil, nil, err
		}
		u = us[0]
	case len(m.Updates) == 1:
		u = m.Updates[0]
	case len(m.Updates) > 1:
		var names []string
		for _, u := range m.Updates {
			names = append(names, u.Name)
		}
		return nil, nil, fmt.Errorf("%s has several updates: say which (%s)", m.File.Name, strings.Join(names, ", "))
	}
	strategy := o.Strategy
	switch {
	case u == nil && (strategy == "" || strategy == NoStrategy):
		strategy = statespace.StrategyNames()[0] // any: no update
	case strategy == "":
		// Found by a tester: an empty strategy ran as uncoordinated.
		return nil, nil, fmt.Errorf("no strategy given (one of %s)", strings.Join(statespace.StrategyNames(), ", "))
	case strategy == NoStrategy:
		return nil, nil, fmt.Errorf("strategy %q is for a run without an update; update %s needs one of %s", NoStrategy, u.Name, strings.Join(statespace.StrategyNames(), ", "))
	}
	st, err := statespace.StrategyNamed(strategy)
	if err != nil {
		return nil, nil, err
	}
	props, err := properties.Without(o.Skip)
	if err != nil {
		return nil, nil, err
	}
	prog, err := statespace.Compile(m, u)
	if err != nil {
		return nil, nil, err
	}
	bound := o.QueueBound
	if bound == 0 {
		bound = DefaultQueueBound
	}
	return &statespace.Semantics{P: prog, Strategy: st, QueueBound: bound, UpdateAt: o.UpdateAt}, props, nil
}

// Replay re-runs path (successor indices from the initial configuration,
// as a violation's report gives them) through the semantics, and judges
// where it ends: the violations of its last step, and of the configuration
// it reaches if that has no step. It returns the steps and those
// violations (none if the run ends in none), in check's order: the first
// is the one check reports, the others those a --continue run lists as
// violations of their own (every fact of the step, then every violation of
// the configuration reached: found by a tester, the Nth of a --continue
// report could not be replayed when its step broke two rules); an error if
// the path is not a run.
//
// A liveness counterexample (a lasso: cycleStart > 0, the number of the
// step its cycle starts with) is judged as a lasso: the steps from
// cycleStart on must lead back to the configuration before it, in a fair
// cycle in which a participant never applies (statespace.JudgeLasso).
func Replay(m *model.Model, o ReplayOptions, path []uint32, cycleStart int) (*statespace.Replayed, []*statespace.Violation, error) {
	sem, props, err := Semantics(m, o)
	if err != nil {
		return nil, nil, err
	}
	prog := sem.P
	tr, err := statespace.ReplayPath(sem, path)
	if err != nil {
		return nil, nil, err
	}
	if cycleStart > 0 {
		if !props[properties.UpdateCompletion] {
			return tr, nil, nil
		}
		v, err := statespace.JudgeLasso(sem, path, cycleStart)
		if v == nil {
			return tr, nil, err
		}
		return tr, []*statespace.Violation{v}, err
	}
	var vs []*statespace.Violation
	switch {
	case tr.Last != nil && tr.Last.Fault != nil:
		vs = props.CheckStepFacts(prog, tr.Before, tr.Last)
	case tr.Last == nil:
		// No step: the violations, if any, are the initial configuration's
		// (threads that fail before their first visible step).
		vs = props.CheckStepFacts(prog, nil, sem.InitialStep())
	}
	if succs, info := sem.Successors(tr.Final); len(succs) == 0 {
		vs = append(vs, props.CheckTerminalFacts(prog, tr.Final, info)...)
	}
	final := sem.Describe(tr.Final)
	for _, v := range vs {
		v.Trace, v.Path, v.Final = tr.Steps, path, final
		v.SessionMixed = statespace.LastSessionMixed(prog, tr, v, tr.Last == nil || tr.Last.Fault == nil)
	}
	return tr, vs, nil
}

// WhyNotLasso says why path, replayed under o, is not a lasso whose cycle
// starts with step cycleStart ("" if it is one, or is no run):
// statespace.WhyNotLasso.
func WhyNotLasso(m *model.Model, o ReplayOptions, path []uint32, cycleStart int) string {
	sem, _, err := Semantics(m, o)
	if err != nil {
		return ""
	}
	return statespace.WhyNotLasso(sem, path, cycleStart)
}

// NoStrategy is what reports say for the strategy of a model without an
// update (every strategy is the same there); Replay takes it.
const NoStrategy = "(none needed)"
