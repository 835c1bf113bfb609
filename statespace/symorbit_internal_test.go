package statespace

import "testing"

// stuckChecker reports a configuration with no step in which some thread
// has not finished (package properties' deadlock, which this package's
// internal tests cannot import).
type stuckChecker struct{}

func (stuckChecker) CheckStep(*Program, *Config, *Succ) *Violation { return nil }
func (stuckChecker) CheckTerminal(_ *Program, c *Config, _ StepInfo) *Violation {
	for _, th := range c.Threads {
		if th.Status == Running {
			return &Violation{Property: "progress", Rule: "deadlock"}
		}
	}
	return nil
}

// TestSymmetryOrbitFallback: with blocks ordered by their own state only
// (sharedRolesOrder off), an orbit of regress/symmetry-shared-holder.dsu
// keeps two members, and the counterexample among representatives has a
// step that no real step matches exactly; the replay then takes a real
// step whose successor is in the same orbit (sameOrbit), and the trace is
// a real run of the same length to the same violation. sameOrbit also
// tells a configuration outside the orbit apart.
func TestSymmetryOrbitFallback(t *testing.T) {
	p := internalSemantics(t, "testdata/regress/symmetry-shared-holder.dsu", "max+1").P
	sym := p.DetectSymmetry()
	if sym == nil {
		t.Fatal("no symmetry found")
	}
	defer func() { sharedRolesOrder = true }()
	for _, order := range []bool{true, false} {
		sharedRolesOrder = order
		st, _ := StrategyNamed("max+1")
		sem := &Semantics{P: p, Strategy: st, QueueBound: 3, Sym: sym}
		res := internalExplore(t, sem, stuckChecker{})
		v := res.Violation
		if v == nil || v.Property != "progress" || len(v.Trace) != 5 {
			t.Fatalf("sharedRolesOrder=%v: want a deadlock in 5 steps, got %+v", order, v)
		}
		if _, err := ReplayPath(sem.unreduced(), v.Path); err != nil {
			t.Fatalf("sharedRolesOrder=%v: the trace is not a real run: %v", order, err)
		}
	}
	// C1 opens the session and sends (x), or C2 does (y): one orbit, whose
	// representatives differ with the order off. The configuration after
	// C1's request alone is in another orbit.
	sharedRolesOrder = false
	plain := &Semantics{P: p, Strategy: MaxPlus1{}, QueueBound: 3}
	after := func(steps ...Action) *Config {
		c, _ := plain.Initial()
		for _, want := range steps {
			succs, _ := plain.Successors(c)
			found := false
			for i := range succs {
				if succs[i].Action.Kind == want.Kind && succs[i].Action.Thread == want.Thread {
					c, found = succs[i].Next, true
					break
				}
			}
			if !found {
				t.Fatalf("no step %+v", want)
			}
		}
		return c
	}
	req, send := ActionKind(ActStart), ActionKind(ActSend)
	x := after(Action{Kind: req, Thread: 0}, Action{Kind: send, Thread: 0})
	y := after(Action{Kind: req, Thread: 1}, Action{Kind: send, Thread: 1})
	one := after(Action{Kind: req, Thread: 0})
	rep := func(c *Config) []byte {
		n := p.Canonical(c)
		sym.canonical(n)
		return p.Encode(nil, n)
	}
	if string(rep(x)) == string(rep(y)) {
		t.Fatal("the order off should keep two members of the orbit")
	}
	if !sym.sameOrbit(p.Canonical(y), rep(x)) || !sym.sameOrbit(p.Canonical(x), rep(y)) {
		t.Fatal("sameOrbit does not see x and y in one orbit")
	}
	if sym.sameOrbit(p.Canonical(one), rep(x)) {
		t.Fatal("sameOrbit puts a configuration of another orbit in x's")
	}
}
