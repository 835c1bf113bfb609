package properties_test

import (
	"strings"
	"testing"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

func TestWithout(t *testing.T) {
	s, err := properties.Without([]string{"progress", " linearity "})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Enabled(), ","); got != "fidelity,update-completion,runtime" {
		t.Fatalf("enabled: %s", got)
	}
	if _, err := properties.Without([]string{"liveness"}); err == nil || !strings.Contains(err.Error(), "unknown property") {
		t.Fatalf("unknown property: %v", err)
	}
}

// Two sessions used in opposite orders: each thread waits for a message the
// other sends only after its own receive. Every action is allowed by its
// protocol, and nothing can move: a deadlock, reported by progress only
// (and as "capacity reached" when a send is held back instead).
const deadlock = `
protocol P = a -> b: <int>. end
service s1: P
service s2: P
thread A { main let x = request(s1, {a, b}, a) in let y = accept(s2, b) in receive(y, a); send(x, b, 1) }
thread B { main let x = accept(s1, b) in let y = request(s2, {a, b}, a) in receive(x, a); send(y, b, 1) }
`

func terminal(t *testing.T, src string) (*statespace.Program, *statespace.Config) {
	m, err := model.Load("t.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := statespace.Compile(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := statespace.StrategyNamed("max+1")
	sem := &statespace.Semantics{P: p, Strategy: st, QueueBound: 8}
	c, _ := sem.Initial()
	for steps := 0; steps < 100; steps++ {
		succs, _ := sem.Successors(c)
		if len(succs) == 0 {
			return p, c
		}
		moved := false
		for i := range succs {
			if succs[i].Fault == nil {
				c, moved = succs[i].Next, true
				break
			}
		}
		if !moved {
			t.Fatalf("every step is a fault: %s", p.Describe(c))
		}
	}
	t.Fatal("no terminal configuration within 100 steps")
	return nil, nil
}

func TestTerminalDeadlockAndCapacity(t *testing.T) {
	p, c := terminal(t, deadlock)
	v := properties.All().CheckTerminal(p, c, statespace.StepInfo{})
	if v == nil || v.Property != properties.Progress || v.Rule != "deadlock" || !strings.Contains(v.Found, "A at receive") || !strings.Contains(v.Found, "B at receive") {
		t.Fatalf("deadlock: %+v", v)
	}
	// A and B wait on each other: whatever the capacity holds back
	// elsewhere, no held-back send can release them (docs/language.md §5).
	if v := properties.All().CheckTerminal(p, c, statespace.StepInfo{CapacityBlocked: true}); v == nil || v.Rule != "deadlock" {
		t.Fatalf("a deadlock beside a capacity block: %+v", v)
	}
	noProgress, _ := properties.Without([]string{"progress"})
	if v := noProgress.CheckTerminal(p, c, statespace.StepInfo{}); v != nil {
		t.Fatalf("progress off: %+v", v)
	}
}

func TestTerminalOrphans(t *testing.T) {
	p, c := terminal(t, `
protocol P = a -> b: <int>. end
service s: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, 1) }
thread B { main let y = accept(s, b) in () }
`)
	v := properties.All().CheckTerminal(p, c, statespace.StepInfo{})
	if v == nil || v.Rule != "orphan messages" || !strings.Contains(v.Found, "s#1 a->b: 1") {
		t.Fatalf("orphans: %+v", v)
	}
}

// TestStepFaultsMapToProperties: every kind of fact has its property, is
// worded, and is not reported when its property is off.
func TestStepFaultsMapToProperties(t *testing.T) {
	p, c := terminal(t, deadlock)
	lt := p.Services[0].Monitors[0][p.RoleID("a")]
	full := statespace.Fault{Thread: 0, Doing: statespace.Doing{Op: statespace.ActSend, Peers: []int{p.RoleID("b")}, Val: statespace.IntVal(1), Label: -1},
		End: statespace.EndRef{Service: 0, Serial: 1, Role: p.RoleID("a")}, Holder: 1, Run: 1, Local: lt, State: &lt.States[0],
		Msg: statespace.Msg{Label: -1, Val: statespace.BoolVal(true)}, Value: statespace.IntVal(3), Problem: "division by zero at t.dsu:1:1"}
	for kind, prop := range map[statespace.FaultKind]string{
		statespace.FaultNotEndpoint: "runtime", statespace.FaultEnded: "fidelity", statespace.FaultNotHolder: "linearity",
		statespace.FaultEndpointSent: "linearity", statespace.FaultVersion: "fidelity", statespace.FaultNoRole: "fidelity",
		statespace.FaultStartNoRole: "fidelity", statespace.FaultAction: "fidelity", statespace.FaultMessage: "fidelity",
		statespace.FaultRunMix: "fidelity", statespace.FaultRuntime: "runtime", statespace.FaultDiverges: "runtime",
	} {
		f := full
		f.Kind = kind
		s := &statespace.Succ{Next: c, Fault: &f, Action: statespace.Action{Kind: statespace.ActFault, Code: -1}}
		v := properties.All().CheckStep(p, c, s)
		if v == nil || v.Property != prop || v.Thread != "A" || v.Expected == "" || v.Found == "" {
			t.Errorf("fault %d: %+v", kind, v)
		}
		// A role its protocol lacks is said to be one (found by a tester:
		// "expected: role a in protocol P" read as if a should be in P).
		if kind == statespace.FaultNoRole || kind == statespace.FaultStartNoRole {
			if want := "protocol " + p.ProtoName(0, 0) + " has no role a"; !strings.HasSuffix(v.Expected, want) {
				t.Errorf("fault %d: expected %q, want it to end %q", kind, v.Expected, want)
			}
		}
		off, _ := properties.Without([]string{prop})
		if v := off.CheckStep(p, c, s); v != nil {
			t.Errorf("fault %d reported with %s off", kind, prop)
		}
	}
}

// TestTerminalCapacityOnly: only A, held back by the capacity, is stuck:
// capacity reached, and nothing else is judged there (no orphan messages
// although one is queued).
func TestTerminalCapacityOnly(t *testing.T) {
	m, err := model.Load("t.dsu", []byte(`
protocol P = a -> b: <int>. a -> b: <int>. end
service s: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, 1); send(x, b, 2) }
thread B { main let y = accept(s, b) in let u = accept(s, b) in () }
thread C { main let z = request(s, {a, b}, a) in () }
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := statespace.Compile(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := statespace.StrategyNamed("max+1")
	sem := &statespace.Semantics{P: p, Strategy: st, QueueBound: 1}
	c, _ := sem.Initial()
	// Start A's session, then A sends once: the queue is full.
	for _, want := range []statespace.ActionKind{statespace.ActStart, statespace.ActSend} {
		succs, _ := sem.Successors(c)
		found := false
		for i := range succs {
			if succs[i].Action.Kind == want && succs[i].Action.Thread == 0 {
				c, found = succs[i].Next, true
				break
			}
		}
		if !found {
			t.Fatalf("no step %v of A in %s", want, p.Describe(c))
		}
	}
	succs, info := sem.Successors(c)
	if len(succs) != 1 || !info.CapacityBlocked {
		t.Fatalf("want one step (C's session with B) and A held back: %d steps, %+v", len(succs), info)
	}
	// C and B start the second session and both finish; A alone is held
	// back, with its message to B (finished) still queued.
	c = succs[0].Next
	succs, info = sem.Successors(c)
	if len(succs) != 0 || !info.CapacityBlocked {
		t.Fatalf("want a terminal configuration held back by the capacity: %d steps, %+v", len(succs), info)
	}
	if v := properties.All().CheckTerminal(p, c, info); v != nil {
		t.Fatalf("stuck only by the capacity: %+v", v)
	}
}
