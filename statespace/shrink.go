package statespace

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Shrinking: a violation found by a random walk comes with the walk's whole
// run, most of it beside the point. Shrink looks for a shorter run that ends
// in the same violation — the same property and rule, on the last step or at
// the configuration the run reaches (which then has no step) — in two ways:
//
//  1. a bounded breadth-first search (Explore, with a Checker that reports
//     only that violation) to the depth of the run found, up to MaxStates
//     configurations. If it ends without being cut, what it found is a
//     shortest run (or the run found was one); if it is cut, every
//     configuration at fewer steps than where it stopped was looked at, so
//     no run to the violation is shorter than that: a lower bound.
//  2. if that did not settle it, delta debugging over the run's steps:
//     leave out the steps of one thread, or a chunk of steps, and replay the
//     rest, each step matched by what it does (its thread, kind and
//     instruction), skipping those no longer enabled; keep any replay that
//     still ends in the violation (perhaps earlier). The replays are bounded
//     by Budget configurations.
//
// The result is a real run: it is replayed (ReplayPath) and judged again.
// Runs to the violation that break another property on the way count too,
// as with that property switched off, but not on their last step: a run to
// a configuration with no step (a deadlock, say) whose last step breaks
// another property ends in that violation, as check judges it when it
// stops at the first violation (the step is judged before the
// configuration it leads to; check --continue follows the step and lists
// the deadlock after it too).

// Defaults of shrinking.
const (
	DefaultShrinkStates = 200_000   // configurations the bounded BFS may store
	DefaultShrinkBudget = 2_000_000 // configurations delta debugging may replay
)

// ShrinkOptions bound the search for a shorter run.
type ShrinkOptions struct {
	// Checker judges runs (the properties that are on); nil: the
	// simulation's.
	Checker Checker
	// Stores opens a fresh visited set, frontier and links for the bounded
	// BFS (in Options) and returns a function that closes them; nil: no BFS.
	Stores func() (Options, func() error, error)
	// MaxStates caps the BFS; 0: DefaultShrinkStates.
	MaxStates int64
	// Budget caps the configurations delta debugging replays; 0:
	// DefaultShrinkBudget, negative: no delta debugging.
	Budget int64
	// Workers for the BFS; 0: runtime.NumCPU().
	Workers int
}

// ShrinkResult is what shrinking found.
type ShrinkResult struct {
	// Violation is the shortest run found to the violation (the original
	// if none shorter was), with its trace.
	Violation *Violation
	// From is the number of steps of the original run.
	From int
	// Shortest is set when no run to the violation is shorter, as far as
	// the bounded BFS can tell (it saw every configuration within fewer
	// steps). AtLeast is that bound: every run ending in this violation
	// has at least AtLeast steps (0 when the BFS did not run).
	Shortest bool
	AtLeast  int
	// How it was found: "bfs", "delta debugging", or "" (not shortened).
	Method string
	// BFSStates is the number of configurations the BFS stored; BFSCut is
	// set when MaxStates cut it.
	BFSStates int64
	BFSCut    bool
	// Tries counts the candidate runs delta debugging replayed; OutOfBudget
	// is set when Budget ended it early.
	Tries       int
	OutOfBudget bool
	// Interrupted is set when the context ended shrinking early (the BFS
	// or delta debugging stopped where it was).
	Interrupted bool
	// Err, when set, is why shrinking failed (Violation is then the
	// original).
	Err error
	// BFSErr, when set, is why the BFS failed (a store: a full disk);
	// delta debugging, which needs none, ran without it, and AtLeast is
	// what the BFS's finished levels showed.
	BFSErr error
}

// Shrink looks for a shorter run that ends in v (same property and rule).
// v.Path must be a run of sem ending in v. Cancelling ctx stops it with the
// shortest run found so far.
func Shrink(ctx context.Context, sem *Semantics, v *Violation, o ShrinkOptions) (*ShrinkResult, error) {
	if o.Checker == nil {
		return nil, errors.New("statespace: shrinking needs a Checker")
	}
	target := &targetChecker{inner: o.Checker, property: v.Property, rule: v.Rule}
	res := &ShrinkResult{Violation: v, From: len(v.Path)}
	best := v.Path
	if len(best) == 0 {
		res.Shortest = true
		return res, nil
	}
	if o.Stores != nil {
		found, err := shrinkBFS(ctx, sem, target, best, o, res)
		switch {
		case err != nil:
			// Delta debugging still runs (found by a tester: a full
			// TMPDIR left the walk's run of 719 steps as it was).
			res.BFSErr, res.Shortest = err, false
		case found != nil:
			best, res.Method = found, "bfs"
		}
	}
	if !res.Shortest && o.Budget >= 0 && ctx.Err() == nil {
		budget := o.Budget
		if budget == 0 {
			budget = DefaultShrinkBudget
		}
		dd := &deltaDebugger{ctx: ctx, sem: sem, chk: target, budget: budget}
		if path := dd.run(best); len(path) < len(best) {
			best, res.Method = path, "delta debugging"
		}
		res.Tries, res.OutOfBudget = dd.tries, dd.budget <= 0
		res.Shortest = res.AtLeast > 0 && len(best) <= res.AtLeast
	}
	res.Interrupted = ctx.Err() != nil
	if len(best) == len(v.Path) {
		return res, nil
	}
	sv, err := judgeTarget(sem, target, best)
	if err != nil {
		return res, err
	}
	res.Violation = sv
	return res, nil
}

// targetChecker reports only violations of one property and rule.
type targetChecker struct {
	inner          Checker
	property, rule string
}

// TerminalRules is implemented by a Checker that can say which violations
// a configuration with no step may be (CheckTerminal's): the others are
// steps' only.
type TerminalRules interface {
	TerminalRule(property, rule string) bool
}

// terminal reports whether the target may be a violation of a
// configuration with no step (true when the checker cannot say).
func (t *targetChecker) terminal() bool {
	tr, ok := t.inner.(TerminalRules)
	return !ok || tr.TerminalRule(t.property, t.rule)
}

func (t *targetChecker) match(v *Violation) *Violation {
	if v != nil && v.Property == t.property && v.Rule == t.rule {
		return v
	}
	return nil
}

// anyMatch is the first of vs that is the target's violation.
func (t *targetChecker) anyMatch(vs []*Violation) *Violation {
	for _, v := range vs {
		if m := t.match(v); m != nil {
			return m
		}
	}
	return nil
}

// CheckStep is the target's violation if the step breaks it, whatever
// else it breaks: a step that breaks two rules is a run to each of them,
// as check --continue lists it and replay judges it (a tester: a runtime
// error on a step that also broke fidelity first was taken for no run to
// it, and an 11-step run called shortest where one of 3 ended in it).
func (t *targetChecker) CheckStep(p *Program, from *Config, s *Succ) *Violation {
	return t.anyMatch(stepViolations(t.inner, p, from, s))
}

func (t *targetChecker) CheckTerminal(p *Program, c *Config, info StepInfo) *Violation {
	return t.anyMatch(terminalViolations(t.inner, p, c, info))
}

// shrinkBFS runs the bounded BFS to the depth of path. It returns a
// shorter path if it found one, and fills res's bound.
func shrinkBFS(ctx context.Context, sem *Semantics, target *targetChecker, path []uint32, o ShrinkOptions, res *ShrinkResult) ([]uint32, error) {
	opt, closeStores, err := o.Stores()
	if err != nil {
		return nil, fmt.Errorf("shrinking: %w", err)
	}
	opt.Checker = target
	// A violation on a step is found by expanding the configurations
	// before it; one at a configuration with no step, by expanding that.
	opt.MaxDepth = len(path)
	if endsTerminal(sem, target, path) {
		opt.MaxDepth++
	}
	opt.MaxStates = o.MaxStates
	if opt.MaxStates <= 0 {
		opt.MaxStates = DefaultShrinkStates
	}
	opt.Workers = o.Workers
	opt.Coverage, opt.Progress = false, nil
	r, err := Explore(ctx, sem, opt)
	if cerr := closeStores(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("shrinking: %w", err)
	}
	res.BFSStates = r.States
	// A search may have been cut in the level where it found the
	// violation (Explore then reports the violation, not the cut, and
	// says LeftOut). One that stored exactly MaxStates configurations and
	// left none out was not cut (found by a tester: "not known to be
	// shortest" said of a shortest run).
	res.BFSCut = r.CutByStates || r.LeftOut
	switch {
	case r.Interrupted && r.Violation == nil:
		// Interrupted while expanding level r.Depth (explore.go,
		// interrupted): every level before it was expanded in full, so
		// every run of r.Depth steps was looked at, and every run of
		// r.Depth-1 to a configuration with no step (found by a tester:
		// the bound was thrown away).
		res.AtLeast = r.Depth + 1
		if target.terminal() {
			res.AtLeast = r.Depth
		}
		res.AtLeast = min(res.AtLeast, len(path))
		if len(path) <= res.AtLeast {
			res.Shortest = true
		}
		return nil, nil
	case r.Interrupted:
		return nil, nil
	case r.Violation != nil && !res.BFSCut:
		// Every level before the violation's was searched in full.
		d := len(r.Violation.Path)
		if d > len(path) {
			return nil, nil // (it would have found the run it was given)
		}
		res.AtLeast = d
	case r.Violation != nil:
		// Cut in the violation's level: a violation at a configuration
		// with no step, one step shorter, may be in the part not expanded;
		// one on a step is not shorter than the one found.
		res.AtLeast = max(len(r.Violation.Path)-1, 0)
		if !target.terminal() {
			res.AtLeast = len(r.Violation.Path)
		}
	case r.CutByStates:
		// Cut while expanding level r.Depth-1: every shorter run was
		// looked at (and every run of r.Depth steps, for a violation only
		// a step shows).
		res.AtLeast = max(r.Depth-1, 0)
		if !target.terminal() {
			res.AtLeast = r.Depth
		}
	default:
		// Searched to the depth of the run it was given without finding
		// it: the canonical form merged its configurations with others
		// (it should not happen). Claim nothing.
		return nil, nil
	}
	if len(path) <= res.AtLeast {
		res.Shortest = true
	}
	if r.Violation != nil && len(r.Violation.Path) < len(path) {
		if !endsInTarget(sem, target, r.Violation.Path) {
			// The search followed steps that break other properties, so
			// its run may end on one (a runtime error, then the deadlock
			// the target is): not a run to the target as replay judges
			// it. Its length stays a lower bound (every run to the target
			// is one the search counted), not a shortest.
			return nil, nil
		}
		res.Shortest = len(r.Violation.Path) <= res.AtLeast
		return r.Violation.Path, nil
	}
	return nil, nil
}

// endsInTarget reports whether path, replayed, ends in target's violation
// as check and replay judge a run: the violation of its last step (of the
// initial configuration's making, for no step), with every property that
// is on, else that of the configuration it reaches if that has no step.
func endsInTarget(sem *Semantics, target *targetChecker, path []uint32) bool {
	tr, err := ReplayPath(sem, path)
	if err != nil {
		return false
	}
	p := sem.P
	// Every violation of the last step (a step that breaks two rules ends
	// in both), else of the configuration it reaches if that has no step.
	var facts []*Violation
	switch {
	case len(path) == 0:
		init, fault := sem.Initial()
		facts = stepViolations(target.inner, p, nil, initialStep(init, fault))
	case tr.Last != nil:
		facts = stepViolations(target.inner, p, tr.Before, tr.Last)
	}
	if len(facts) == 0 {
		if succs, info := sem.Successors(tr.Final); len(succs) == 0 {
			facts = terminalViolations(target.inner, p, tr.Final, info)
		}
	}
	return target.anyMatch(facts) != nil
}

// endsTerminal reports whether path ends at a configuration with no step
// that target judges (rather than on a step it judges).
func endsTerminal(sem *Semantics, target *targetChecker, path []uint32) bool {
	_, err := judgePath(sem, target, path, violStep)
	return err != nil
}

// judgeTarget replays path and returns the target violation it ends in.
func judgeTarget(sem *Semantics, target *targetChecker, path []uint32) (*Violation, error) {
	for _, where := range []violWhere{violStep, violTerminal} {
		if v, err := judgePath(sem, target, path, where); err == nil {
			return v, nil
		}
	}
	return nil, errors.New("statespace: the shrunk run does not end in the violation when replayed")
}

// stepKey is what a step does, to find it again among the steps of another
// configuration: its kind, thread, instruction and choices. Values and
// instance numbers are left out (they may differ once other steps are
// left out).
type stepKey struct {
	kind                      ActionKind
	thread                    int
	code, pc                  int32
	role, label, option, peer int
	threads                   uint64 // a hash of a start's participants or a release's threads
}

func keyOf(a *Action) stepKey {
	k := stepKey{kind: a.Kind, thread: a.Thread, code: a.Code, pc: a.PC, role: a.Role, label: a.Label, option: a.Option, peer: -1}
	if len(a.Peers) > 0 {
		k.peer = a.Peers[0]
	}
	for _, t := range a.Threads {
		k.threads = k.threads*1_000_003 + uint64(t) + 1
	}
	return k
}

// deltaDebugger shortens a run by leaving steps out.
type deltaDebugger struct {
	ctx    context.Context
	sem    *Semantics
	chk    *targetChecker
	budget int64 // configurations left to replay
	tries  int
}

// run returns the shortest run to the violation it found, starting from
// path (which ends in it).
func (d *deltaDebugger) run(path []uint32) []uint32 {
	keys, ok := d.keysOf(path)
	if !ok {
		return path
	}
	best := path
	try := func(cand []stepKey) bool {
		p, k, ok := d.try(cand)
		if ok && len(p) < len(best) {
			best, keys = p, k
			return true
		}
		return false
	}
	// Leave out threads' steps altogether: the threads that have nothing
	// to do with the violation go at once. In groups first, halving them
	// (ddmin over the threads, complements only): in a wide model most
	// threads have nothing to do with it, and go in a few tries, not one
	// each (a tester: 150 pairs took 271 tries, three minutes).
	threads := threadsOf(keys)
	d.ddmin(1, func() int { return len(threads) }, func(lo, hi int) bool {
		drop := threads[lo:hi]
		if !try(slices.DeleteFunc(slices.Clone(keys), func(k stepKey) bool { return slices.Contains(drop, k.thread) })) {
			return false
		}
		threads = threadsOf(keys) // best's: its last step may be any thread's
		return true
	})
	// Then chunks of steps, halving them.
	d.ddmin(2, func() int { return len(keys) }, func(lo, hi int) bool {
		return try(slices.Concat(keys[:lo], keys[hi:]))
	})
	return best
}

// ddmin is delta debugging's loop, complements only, over a list of size()
// items, at least least of them: it tries leaving out each of n chunks,
// from halves down to single items, keeping what it can; drop(lo, hi)
// tries leaving out items [lo, hi) and reports whether the run still ends
// in the violation without them (the list has then shrunk).
func (d *deltaDebugger) ddmin(least int, size func() int, drop func(lo, hi int) bool) {
	for n := 2; size() >= least && !d.out(); {
		n = min(n, size())
		chunk := (size() + n - 1) / n
		reduced := false
		for lo := 0; lo < size() && !d.out(); lo += chunk {
			if drop(lo, min(lo+chunk, size())) {
				n, reduced = max(n-1, 2), true
				break
			}
		}
		if !reduced {
			if n >= size() {
				break
			}
			n = min(2*n, size())
		}
	}
}

// threadsOf is the threads that take steps in keys, in order.
func threadsOf(keys []stepKey) []int {
	var threads []int
	for _, k := range keys {
		if !slices.Contains(threads, k.thread) {
			threads = append(threads, k.thread)
		}
	}
	slices.Sort(threads)
	return threads
}

func (d *deltaDebugger) out() bool { return d.budget <= 0 || d.ctx.Err() != nil }

// keysOf is what each step of path does.
func (d *deltaDebugger) keysOf(path []uint32) ([]stepKey, bool) {
	c, _ := d.sem.Initial()
	keys := make([]stepKey, 0, len(path))
	for _, s := range path {
		succs, _ := d.sem.Successors(c)
		d.budget--
		if int(s) >= len(succs) {
			return nil, false
		}
		keys = append(keys, keyOf(&succs[s].Action))
		c = succs[s].Next
	}
	return keys, true
}

// try replays the steps keys describe, skipping those not enabled, and
// reports whether the run reaches the violation (on some step of a
// configuration it passes, or at a configuration with no step). It returns
// the run up to the violation and what its steps do.
func (d *deltaDebugger) try(keys []stepKey) ([]uint32, []stepKey, bool) {
	d.tries++
	p := d.sem.P
	c, _ := d.sem.Initial()
	var path []uint32
	var taken []stepKey
	var succs []Succ
	var info StepInfo
	// The last step taken and the configuration it was taken from: a run
	// whose last step breaks another property ends in that violation, not
	// at the configuration it reaches (endsInTarget).
	var prev *Config
	var last *Succ
	moved := true
	for i := 0; ; {
		if moved {
			if d.budget--; d.budget < 0 || d.ctx.Err() != nil {
				return nil, nil, false
			}
			succs, info = d.sem.Successors(c)
			if len(succs) == 0 {
				clean := last == nil || d.chk.inner.CheckStep(p, prev, last) == nil
				return path, taken, clean && d.chk.CheckTerminal(p, c, info) != nil
			}
			for j := range succs {
				if d.chk.CheckStep(p, c, &succs[j]) != nil {
					return append(path, uint32(j)), append(taken, keyOf(&succs[j].Action)), true
				}
			}
			moved = false
		}
		if i == len(keys) {
			return nil, nil, false
		}
		k := keys[i]
		i++
		for j := range succs {
			if keyOf(&succs[j].Action) == k {
				path, taken = append(path, uint32(j)), append(taken, k)
				prev, last = c, &succs[j]
				c, moved = succs[j].Next, true
				break
			}
		}
	}
}
