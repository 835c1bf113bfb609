package statespace_test

import (
	"strings"
	"testing"

	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

// Unit tests of the step rules (docs/language.md §3–§4), on small inline models. Each
// walks the semantics by picking successors whose description contains a
// given text, and checks what is enabled.

func descs(sem *statespace.Semantics, c *statespace.Config) []string {
	succs, _ := sem.Successors(c)
	var out []string
	for i := range succs {
		out = append(out, sem.P.Threads[max(succs[i].Action.Thread, 0)].Name+": "+sem.P.DescribeAction(c, &succs[i]))
	}
	return out
}

// step takes the only successor whose description contains text.
func step(t *testing.T, sem *statespace.Semantics, c *statespace.Config, text string) (*statespace.Config, *statespace.Succ) {
	t.Helper()
	succs, _ := sem.Successors(c)
	var found []int
	for i := range succs {
		d := sem.P.Threads[max(succs[i].Action.Thread, 0)].Name + ": " + sem.P.DescribeAction(c, &succs[i])
		if strings.Contains(d, text) {
			found = append(found, i)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d successors match %q; successors:\n  %s", len(found), text, strings.Join(descs(sem, c), "\n  "))
	}
	return succs[found[0]].Next, &succs[found[0]]
}

func noStep(t *testing.T, sem *statespace.Semantics, c *statespace.Config, text string) {
	t.Helper()
	for _, d := range descs(sem, c) {
		if strings.Contains(d, text) {
			t.Fatalf("unexpected successor %q", d)
		}
	}
}

const pingPong = `
protocol P = mu t. a -> b: <int>. b -> a: { more: t, stop: end }
protocol Q = mu t. a -> b: <int>. b -> a: <int>. b -> a: { more: t, stop: end }
service s: P
thread A {
  fun loop(x, n) = send(x, b, n); case(x, b, { more: loop(x, n + 1), stop: () })
  main let x = request(s, {a, b}, a) in loop(x, 0)
}
thread B {
  fun serve(y) = let v = receive(y, a) in
                 if v < 1 then (select(y, a, more); serve(y)) else select(y, a, stop)
  main serve(accept(s, b))
}
update u {
  service s: Q
  thread A { fun loop(x, n) = send(x, b, n); let r = receive(x, b) in case(x, b, { more: loop(x, n + 1), stop: () }) }
  thread B { fun serve(y) = let v = receive(y, a) in send(y, a, v);
                 if v < 1 then (select(y, a, more); serve(y)) else select(y, a, stop) }
}
`

func pingPongSem(t *testing.T, strategy string, at string) *statespace.Semantics {
	sem := semantics(t, loadSrc(t, "pingpong.dsu", pingPong), strategy, 8)
	u, err := statespace.ParseUpdateAt(at)
	if err != nil {
		t.Fatal(err)
	}
	sem.UpdateAt = u
	return sem
}

func TestStepSessionStartAndLocalRuns(t *testing.T) {
	sem := pingPongSem(t, "max+1", "never")
	c, _ := sem.Initial()
	// Local steps are merged: both threads wait at their first visible step.
	if d := sem.P.DescribeThread(c, 0); !strings.Contains(d, "request") {
		t.Fatalf("A: %s", d)
	}
	if d := sem.P.DescribeThread(c, 1); !strings.Contains(d, "accept") {
		t.Fatalf("B: %s", d)
	}
	// With the update never introduced, calls are no stopping points: the
	// only step is the session start, taken by both threads at once.
	if got := descs(sem, c); len(got) != 1 || !strings.Contains(got[0], "session s#1 starts") {
		t.Fatalf("successors: %v", got)
	}
	c, _ = step(t, sem, c, "session s#1 starts")
	if len(c.Insts) != 1 {
		t.Fatalf("instances: %d", len(c.Insts))
	}
	// B blocks on receive until A sends.
	noStep(t, sem, c, "B: s#1.b receives")
	c, _ = step(t, sem, c, "A: s#1.a sends 0 to b")
	if c.QueueLen() != 1 {
		t.Fatalf("queue: %s", sem.P.DescribeQueue(c))
	}
	c, _ = step(t, sem, c, "B: s#1.b receives 0 from a")
	if c.QueueLen() != 0 {
		t.Fatalf("queue: %s", sem.P.DescribeQueue(c))
	}
	// select and case: the label picks the branch.
	c, _ = step(t, sem, c, "B: s#1.b selects more to a")
	c, _ = step(t, sem, c, "A: s#1.a receives the label more from b")
	c, _ = step(t, sem, c, "A: s#1.a sends 1 to b")
	c, _ = step(t, sem, c, "B: s#1.b receives 1 from a")
	c, _ = step(t, sem, c, "B: s#1.b selects stop to a")
	if c.Threads[1].Status != statespace.Done {
		t.Fatalf("B should have finished")
	}
	c, _ = step(t, sem, c, "A: s#1.a receives the label stop from b")
	if c.Threads[0].Status != statespace.Done || len(c.Insts) != 0 {
		t.Fatalf("A finished: %v, instances left: %d (a finished session is forgotten)", c.Threads[0].Status, len(c.Insts))
	}
	if got := descs(sem, c); len(got) != 0 {
		t.Fatalf("final configuration has successors: %v", got)
	}
	if v := properties.All().CheckTerminal(sem.P, c, statespace.StepInfo{}); v != nil {
		t.Fatalf("a clean finish is a violation: %+v", v)
	}
}

func TestStepIntroductionModes(t *testing.T) {
	// any: the introduction is enabled at every moment, at most once.
	sem := pingPongSem(t, "max+1", "any")
	c, _ := sem.Initial()
	c, _ = step(t, sem, c, "update u is introduced")
	noStep(t, sem, c, "introduced")
	// step:K: exactly after K steps, and then it is the only step.
	sem = pingPongSem(t, "max+1", "step:2")
	c, _ = sem.Initial()
	noStep(t, sem, c, "introduced")
	c, _ = step(t, sem, c, "session s#1 starts")
	noStep(t, sem, c, "introduced")
	c, _ = step(t, sem, c, "A: passes an update point")
	if got := descs(sem, c); len(got) != 1 || !strings.Contains(got[0], "introduced") {
		t.Fatalf("at step 2 the introduction is due and alone: %v", got)
	}
}

func TestStepUncoordinatedApplyIsAChoice(t *testing.T) {
	sem := pingPongSem(t, "uncoordinated", "any")
	c, _ := sem.Initial()
	c, _ = step(t, sem, c, "session s#1 starts")
	c, _ = step(t, sem, c, "introduced")
	// At each update point a participant may apply or not.
	step(t, sem, c, "A: passes an update point")
	c, _ = step(t, sem, c, "A: applies update u")
	if c.Threads[0].HeapVer != 1 {
		t.Fatal("A did not apply")
	}
	// A applied before acting in run 1: its endpoint moved at once.
	if e := c.Insts[0].Ends[0]; e.Ver != 1 {
		t.Fatalf("endpoint of A: %+v", e)
	}
	// A now sends under Q and B, still on P, receives it: fidelity (c).
	c, _ = step(t, sem, c, "A: s#1.a sends 0")
	c, _ = step(t, sem, c, "B: passes an update point")
	_, s := step(t, sem, c, "B: s#1.b receives 0")
	if s.Fault == nil || s.Fault.Kind != statespace.FaultRunMix {
		t.Fatalf("fault: %+v", s.Fault)
	}
}

func TestStepMaxPlus1WaitsForRunN(t *testing.T) {
	sem := pingPongSem(t, "max+1", "any")
	c, _ := sem.Initial()
	c, _ = step(t, sem, c, "session s#1 starts")
	c, _ = step(t, sem, c, "A: passes an update point")
	c, _ = step(t, sem, c, "A: s#1.a sends 0")
	c, _ = step(t, sem, c, "introduced")
	if n := c.Insts[0].N; n != 1 {
		t.Fatalf("n = %d, want 1 (max run number 0, plus 1)", n)
	}
	// B has not completed run 1: it goes on in its old body.
	c, _ = step(t, sem, c, "B: passes an update point")
	noStep(t, sem, c, "applies")
	c, _ = step(t, sem, c, "B: s#1.b receives 0")
	c, _ = step(t, sem, c, "B: s#1.b selects more")
	// Run 1 complete for B: at its next update point it must apply.
	c, _ = step(t, sem, c, "B: applies update u")
	noStep(t, sem, c, "B: passes")
	c, _ = step(t, sem, c, "A: s#1.a receives the label more")
	c, _ = step(t, sem, c, "A: applies update u")
	// Run 2 is under Q for both.
	c, _ = step(t, sem, c, "A: s#1.a sends 1")
	_, s := step(t, sem, c, "B: s#1.b receives 1")
	if s.Fault != nil {
		t.Fatalf("fault: %+v", s.Fault)
	}
}

func TestStepStopTheWorldBarrier(t *testing.T) {
	sem := pingPongSem(t, "stop-the-world", "any")
	c, _ := sem.Initial()
	c, _ = step(t, sem, c, "session s#1 starts")
	c, _ = step(t, sem, c, "introduced")
	// n = 1: neither has completed run 1, both pass their first points.
	c, _ = step(t, sem, c, "A: passes an update point")
	c, _ = step(t, sem, c, "B: passes an update point")
	c, _ = step(t, sem, c, "A: s#1.a sends 0")
	c, _ = step(t, sem, c, "B: s#1.b receives 0")
	c, _ = step(t, sem, c, "B: s#1.b selects more")
	c, _ = step(t, sem, c, "B: waits at the stop-the-world barrier")
	if !c.Threads[1].Barrier {
		t.Fatal("B not at the barrier")
	}
	noStep(t, sem, c, "barrier released")
	c, _ = step(t, sem, c, "A: s#1.a receives the label more")
	c, _ = step(t, sem, c, "A: waits at the stop-the-world barrier")
	c, _ = step(t, sem, c, "barrier released: A, B apply update u together")
	if c.Threads[0].HeapVer != 1 || c.Threads[1].HeapVer != 1 || c.Threads[0].Barrier || c.Threads[1].Barrier {
		t.Fatal("release did not apply to both")
	}
}

func TestStepChooseAndRuntimeErrors(t *testing.T) {
	src := `
protocol P = a -> b: <int>. end
service s: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, choose(1, 2, 0)) }
thread B { main let y = accept(s, b) in let v = receive(y, a) in 10 / v }
`
	sem := semantics(t, loadSrc(t, "div.dsu", src), "max+1", 8)
	c, _ := sem.Initial()
	c, _ = step(t, sem, c, "session s#1 starts")
	if got := descs(sem, c); len(got) != 3 {
		t.Fatalf("choose(1, 2, 0) should give 3 successors: %v", got)
	}
	c, _ = step(t, sem, c, "(option 3 of")
	c, _ = step(t, sem, c, "sends 0")
	_, s := step(t, sem, c, "receives 0")
	if s.Fault == nil || s.Fault.Kind != statespace.FaultRuntime || !strings.Contains(s.Fault.Problem, "division by zero") {
		t.Fatalf("fault: %+v", s.Fault)
	}
	if s.Next.Threads[1].Status != statespace.Crashed {
		t.Fatal("B should have stopped")
	}
}

// TestBoolOperandErrors: a non-bool operand of && or ||, left or right,
// is named as one, not as a condition (the left one is compiled to a jump,
// as an if's condition is; found by a tester).
func TestBoolOperandErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"1 && true", "operand of && is int 1, want bool"},
		{"1 || true", "operand of || is int 1, want bool"},
		{"true && 1", "operand of && is int 1, want bool"},
		{"false || 2", "operand of || is int 2, want bool"},
		{"if 3 then 1 else 2", "condition is int 3, want bool"},
	} {
		sem := semantics(t, loadSrc(t, "op.dsu", "thread T { main "+tc.expr+" }\n"), "max+1", 8)
		_, f := sem.Initial()
		if f == nil || f.Kind != statespace.FaultRuntime || !strings.HasPrefix(f.Problem, tc.want) {
			t.Errorf("%s: fault %+v, want %q", tc.expr, f, tc.want)
		}
	}
}

// TestOperandMessages: an operand is named with its type once ("an
// endpoint", not "endpoint an endpoint"; found by a tester).
func TestOperandMessages(t *testing.T) {
	src := `
protocol P = a -> b: <int>
service s: P
thread B { main let c = accept(s, b) in receive(c, a) }
thread A { main let c = request(s, {a, b}, a) in send(c, b, 1); c == 1 }
`
	sem := semantics(t, loadSrc(t, "cmp.dsu", src), "max+1", 8)
	c, _ := sem.Initial()
	c, _ = step(t, sem, c, "session s#1 starts")
	_, s := step(t, sem, c, "sends 1")
	if want := "== compares an endpoint with int 1"; s.Fault == nil || !strings.HasPrefix(s.Fault.Problem, want) {
		t.Fatalf("fault %+v, want %q", s.Fault, want)
	}
	sem = semantics(t, loadSrc(t, "add.dsu", "thread T { main 1 + true }\n"), "max+1", 8)
	if _, f := sem.Initial(); f == nil || !strings.HasPrefix(f.Problem, "+ applied to int 1 and bool true, want int and int") {
		t.Fatalf("fault %+v", f)
	}
}

func TestStepCapacityAndOrphans(t *testing.T) {
	src := `
protocol P = mu t. p -> c: <int>. t
service s: P
thread Prod { fun f(x) = send(x, c, 1); f(x)  main f(request(s, {p, c}, p)) }
thread Cons { main let y = accept(s, c) in receive(y, p) }
`
	sem := semantics(t, loadSrc(t, "cap.dsu", src), "max+1", 2)
	c, _ := sem.Initial()
	c, _ = step(t, sem, c, "session s#1 starts")
	c, _ = step(t, sem, c, "Prod: s#1.p sends 1")
	c, _ = step(t, sem, c, "Prod: s#1.p sends 1")
	_, info := sem.Successors(c)
	if !info.CapacityBlocked {
		t.Fatal("a third send should be held back by capacity 2")
	}
	noStep(t, sem, c, "Prod: s#1.p sends")
	c, _ = step(t, sem, c, "Cons: s#1.c receives 1")
	if c.Threads[1].Status != statespace.Done {
		t.Fatal("Cons should have finished")
	}
	c, _ = step(t, sem, c, "Prod: s#1.p sends 1")
	succs, info := sem.Successors(c)
	if len(succs) != 0 || !info.CapacityBlocked {
		t.Fatalf("expected a configuration held only by capacity: %d successors", len(succs))
	}
	// Held only by capacity: no deadlock reported.
	if v := properties.All().CheckTerminal(sem.P, c, info); v != nil {
		t.Fatalf("capacity reported as %s", v.Rule)
	}
}

func TestStepFidelityFaults(t *testing.T) {
	// B receives where its protocol says it sends: fidelity (a) at the
	// attempt; A receives a label where a value is due: fidelity (b).
	src := `
protocol P = a -> b: <int>. b -> a: { ok: end }
service s: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, true) }
thread B { main let y = accept(s, b) in receive(y, a); receive(y, a) }
`
	sem := semantics(t, loadSrc(t, "fid.dsu", src), "max+1", 8)
	c, _ := sem.Initial()
	c, _ = step(t, sem, c, "session s#1 starts")
	_, s := step(t, sem, c, "A: s#1.a sends true")
	if s.Fault == nil || s.Fault.Kind != statespace.FaultAction || !strings.Contains(sem.P.DescribeState(s.Fault.State), "send <int> to b") {
		t.Fatalf("sending a bool where an int is due: %+v", s.Fault)
	}
	src2 := `
protocol P = a -> b: <int>. b -> a: { ok: end }
service s: P
thread A { main let x = request(s, {a, b}, a) in send(x, b, 1); receive(x, b) }
thread B { main let y = accept(s, b) in let v = receive(y, a) in select(y, a, ok) }
`
	sem = semantics(t, loadSrc(t, "fid2.dsu", src2), "max+1", 8)
	c, _ = sem.Initial()
	c, _ = step(t, sem, c, "session s#1 starts")
	c, _ = step(t, sem, c, "A: s#1.a sends 1")
	// A now attempts a receive where its local type offers a choice.
	_, s = step(t, sem, c, "A: attempts")
	if s.Fault == nil || s.Fault.Kind != statespace.FaultAction {
		t.Fatalf("receive where a label is due: %+v", s.Fault)
	}
}

// TestCodeNames: a function the update gives a new body is named "old body
// of f" and "new body of f"; one it leaves alone, or any function of a
// model without update, is just "f" (found by the adversarial tester: a
// model without update said "old body of f" in its messages).
func TestCodeNames(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>. t
service s: P
thread A { fun f(x) = send(x, b, 1); f(x)  fun h(x) = f(x)  main h(request(s, {a, b}, a)) }
thread B { fun g(y) = receive(y, a); g(y)  main g(accept(s, b)) }
update u { thread A { fun f(x) = send(x, b, 2); f(x) } }
`
	m := loadSrc(t, "names.dsu", src)
	names := func(p *statespace.Program) map[string]bool {
		out := map[string]bool{}
		for i := range p.Codes {
			out[p.CodeName(int32(i))] = true
		}
		return out
	}
	withUpdate, err := statespace.Compile(m, m.Updates[0])
	if err != nil {
		t.Fatal(err)
	}
	got := names(withUpdate)
	for _, want := range []string{"old body of f", "new body of f", "h", "g", "main"} {
		if !got[want] {
			t.Errorf("with the update: no code named %q in %v", want, got)
		}
	}
	if got["old body of h"] || got["old body of g"] {
		t.Errorf("with the update: a function it leaves alone is named by body: %v", got)
	}
	without, err := statespace.Compile(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name := range names(without) {
		if strings.Contains(name, "body of") {
			t.Errorf("without an update: code named %q", name)
		}
	}
}

// TestChooseDescription: a choose step names the option's source text as
// it is written among the arguments, then its number (a tester read
// "chooses option 1: 1" as a typo, another saw "chooses 1; 2" for the
// option (1; 2)).
func TestChooseDescription(t *testing.T) {
	src := "thread T { main let x = choose((1; 2), 3, let q = 4 in q) in x }\n"
	sem := semantics(t, loadSrc(t, "ch.dsu", src), "max+1", 8)
	c, _ := sem.Initial()
	got := descs(sem, c)
	want := []string{"chooses (1; 2) (option 1 of 3)", "chooses 3 (option 2 of 3)", "chooses let q = 4 in q (option 3 of 3)"}
	if len(got) != len(want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("step %d: %q, want %q", i+1, got[i], want[i])
		}
	}
}
