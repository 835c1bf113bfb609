package check_test

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// twoBugs has two independent bugs: P2 answers with a bool where the
// protocol wants an int (fidelity (a) at P2's send, and then (b) at P1's
// receive, since the step that violates is followed), and Q2 accepts a
// second session on t that no one requests (a deadlock once everything
// else has ended). The other two models have one bug each.
const twoBugs = `
protocol A = p1 -> p2: <int>. p2 -> p1: <int>. end
protocol B = q1 -> q2: <int>. end
service s: A
service t: B
thread P1 { main let x = request(s, {p1, p2}, p1) in send(x, p2, 1); receive(x, p2) }
thread P2 { main let y = accept(s, p2) in let v = receive(y, p1) in send(y, p1, v == 1) }
thread Q1 { main let x = request(t, {q1, q2}, q1) in send(x, q2, 1) }
thread Q2 { main let y = accept(t, q2) in receive(y, q1); let z = accept(t, q2) in receive(z, q1) }
`

var (
	onlyFidelity = strings.Replace(twoBugs, "; let z = accept(t, q2) in receive(z, q1)", "", 1)
	onlyDeadlock = strings.Replace(twoBugs, "v == 1", "v + 1", 1)
)

func runContinue(t *testing.T, name, src string, o check.Options) *statespace.Result {
	t.Helper()
	m, err := model.Load(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	o.Store = store.Options{Kind: store.Memory}
	outs, err := check.Run(context.Background(), m, o)
	if err != nil || len(outs) != 1 {
		t.Fatalf("%s: %d outcomes, %v", name, len(outs), err)
	}
	return outs[0].Result
}

// brief is what identifies a violation and its trace.
func brief(v *statespace.Violation) string {
	return fmt.Sprintf("%s/%s/%s@%s depth %d path %v", v.Property, v.Rule, v.Thread, v.Where, len(v.Trace), v.Path)
}

func briefs(vs []*statespace.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, brief(v))
	}
	return out
}

// TestContinueReportsEveryBug: with --continue the model with two bugs
// reports the violations of each one-bug model, each at the depth a plain
// check of that model finds it; the first is the plain check's violation;
// the list does not depend on the number of workers; the search is
// exhaustive.
func TestContinueReportsEveryBug(t *testing.T) {
	both := runContinue(t, "both.dsu", twoBugs, check.Options{Continue: true, Workers: 1})
	if both.Verdict != statespace.Violated || !both.Exhaustive || both.CutByViolations {
		t.Fatalf("verdict %v, exhaustive %v, cut %v", both.Verdict, both.Exhaustive, both.CutByViolations)
	}
	got := map[string]int{}
	for _, v := range both.Violations {
		got[v.Property+"/"+v.Rule+"/"+v.Thread] = len(v.Trace)
	}
	want := map[string]int{}
	for _, one := range []struct{ name, src string }{{"fid.dsu", onlyFidelity}, {"dead.dsu", onlyDeadlock}} {
		plain := runContinue(t, one.name, one.src, check.Options{Workers: 1})
		cont := runContinue(t, one.name, one.src, check.Options{Continue: true, Workers: 1})
		if plain.Violation == nil || brief(plain.Violation) != brief(cont.Violation) {
			t.Fatalf("%s: plain %v, --continue's first %v", one.name, plain.Violation, cont.Violation)
		}
		for _, v := range cont.Violations {
			want[v.Property+"/"+v.Rule+"/"+v.Thread] = len(v.Trace)
		}
	}
	// Hand-derived: P2's bad send is step 4 (start s, send, receive, send);
	// P1's receive of the bool is step 5; the deadlock comes when all else
	// has ended, after 8 steps (5 for s, start t, send, receive).
	hand := map[string]int{
		"fidelity/fidelity (a): action not allowed by the local type/P2":     4,
		"fidelity/fidelity (b): message of the wrong kind, type or label/P1": 5,
		"progress/deadlock/Q2": 8,
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(got, hand) {
		t.Fatalf("--continue on both bugs: %v\none bug at a time: %v\nby hand: %v", got, want, hand)
	}
	if both.Violation != both.Violations[0] || len(both.Violation.Trace) != 4 {
		t.Fatalf("first violation %v, want the shortest (4 steps)", brief(both.Violation))
	}
	two := runContinue(t, "both.dsu", twoBugs, check.Options{Continue: true, Workers: 2})
	if a, b := briefs(both.Violations), briefs(two.Violations); !reflect.DeepEqual(a, b) {
		t.Fatalf("workers 1: %v\nworkers 2: %v", a, b)
	}
}

// TestContinueLimit: --max-violations stops the search once a distinct
// violation beyond the limit is met; the search is then not exhaustive;
// exactly as many as there are is no cut.
func TestContinueLimit(t *testing.T) {
	one := runContinue(t, "both.dsu", twoBugs, check.Options{Continue: true, MaxViolations: 1})
	if len(one.Violations) != 1 || !one.CutByViolations || one.Exhaustive || one.Verdict != statespace.Violated {
		t.Fatalf("limit 1: %d violations, cut %v, exhaustive %v", len(one.Violations), one.CutByViolations, one.Exhaustive)
	}
	three := runContinue(t, "both.dsu", twoBugs, check.Options{Continue: true, MaxViolations: 3})
	if len(three.Violations) != 3 || three.CutByViolations || !three.Exhaustive {
		t.Fatalf("limit 3: %d violations, cut %v, exhaustive %v", len(three.Violations), three.CutByViolations, three.Exhaustive)
	}
	m, _ := model.Load("both.dsu", []byte(twoBugs))
	if _, err := check.Run(context.Background(), m, check.Options{MaxViolations: -1}); err == nil {
		t.Fatal("a negative limit was accepted")
	}
}

// TestContinueWithUpdate: the maths server under uncoordinated updating
// has several distinct violations; --continue reports them shortest first,
// the same for 1 and 2 workers, every one replaying to its violation, and
// the first is the plain check's; the other strategies hold and their
// liveness is judged as without --continue.
func TestContinueWithUpdate(t *testing.T) {
	m := loadModel(t, "../models/mathserver.dsu")
	run := func(o check.Options) []*check.Outcome {
		o.Store = store.Options{Kind: store.Memory}
		outs, err := check.Run(context.Background(), m, o)
		if err != nil || len(outs) != 3 {
			t.Fatalf("%d outcomes, %v", len(outs), err)
		}
		return outs
	}
	plain := run(check.Options{Workers: 1})
	c1 := run(check.Options{Workers: 1, Continue: true})
	c2 := run(check.Options{Workers: 2, Continue: true})
	u := c1[0].Result
	if len(u.Violations) < 3 || !u.Exhaustive {
		t.Fatalf("uncoordinated: %d violations, exhaustive %v", len(u.Violations), u.Exhaustive)
	}
	if brief(u.Violation) != brief(plain[0].Result.Violation) {
		t.Fatalf("first %s, plain check %s", brief(u.Violation), brief(plain[0].Result.Violation))
	}
	if a, b := briefs(u.Violations), briefs(c2[0].Result.Violations); !reflect.DeepEqual(a, b) {
		t.Fatalf("workers 1: %v\nworkers 2: %v", a, b)
	}
	seen := map[string]bool{}
	for i, v := range u.Violations {
		if i > 0 && len(v.Trace) < len(u.Violations[i-1].Trace) {
			t.Fatalf("violation %d is shorter than the one before", i+1)
		}
		k := v.Property + v.Rule + v.Thread + v.Where
		if seen[k] {
			t.Fatalf("violation %s reported twice", k)
		}
		seen[k] = true
		sem := &statespace.Semantics{P: c1[0].Program, Strategy: statespace.Uncoordinated{}, QueueBound: check.DefaultQueueBound}
		if _, err := statespace.ReplayPath(sem, v.Path); err != nil {
			t.Fatalf("violation %d: %v", i+1, err)
		}
	}
	for _, o := range c1[1:] {
		if o.Result.Verdict != statespace.Holds || o.Liveness == nil {
			t.Fatalf("%s: %v, liveness %v", o.Strategy, o.Result.Verdict, o.Liveness)
		}
	}
}

// TestContinueSymmetric: --continue lists the same distinct violations with
// the default reduction as without any (testdata/continue-symmetric.dsu:
// each of two interchangeable pairs breaks fidelity (b) and (c) in two
// places; with
// symmetry the list named one pair's violations twice and left out the
// other's).
func TestContinueSymmetric(t *testing.T) {
	m, err := model.Load("testdata/continue-symmetric.dsu", mustRead(t, "testdata/continue-symmetric.dsu"))
	if err != nil {
		t.Fatal(err)
	}
	list := func(reduce string) []string {
		outs, err := check.Run(context.Background(), m, check.Options{
			Strategies: []string{"uncoordinated"}, QueueBound: 2, Continue: true, Reduce: reduce,
			Workers: 1, Store: store.Options{Kind: store.Memory},
		})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range outs[0].Result.Violations {
			out = append(out, fmt.Sprintf("%s %s %s %d", v.Thread, v.Rule, v.Where, len(v.Trace)))
		}
		return out
	}
	none, all := list("none"), list("")
	if len(none) != 8 || !reflect.DeepEqual(none, all) {
		t.Fatalf("--reduce none:\n%s\ndefault:\n%s", strings.Join(none, "\n"), strings.Join(all, "\n"))
	}
	seen := map[string]bool{}
	for _, v := range all {
		if seen[v] {
			t.Fatalf("listed twice: %s", v)
		}
		seen[v] = true
	}
}

// TestContinueDeadlocksApart: two deadlocks whose first stuck thread is
// the same are two violations, whichever order the threads are declared
// in (adversarial tester: declared Y, X, Z, the second was merged into the
// first, keyed by its first stuck thread alone, and --continue said "every
// one there is"). By hand: X starts s with Y (1), then chooses. Choosing
// true (2) it finishes: Y waits for a on s and Z at its request, for ever
// (deadlock of Y and Z, 2 steps). Choosing false (2) it accepts Z's
// request (3), Z finishes: X waits for Z's int, Y for X's (deadlock of X
// and Y, 3 steps).
func TestContinueDeadlocksApart(t *testing.T) {
	const (
		head = "protocol P = a -> b: <int>. end\nprotocol Q = x -> y: <int>. end\nservice s: P\nservice q: Q\n"
		x    = "thread X { main let c = request(s, {a, b}, a) in if choose(true, false) then () else (let d = accept(q, y) in receive(d, x)) }\n"
		y    = "thread Y { main let c = accept(s, b) in receive(c, a) }\n"
		z    = "thread Z { main let e = request(q, {x, y}, x) in () }\n"
	)
	for _, order := range [][]string{{x, y, z}, {y, x, z}, {z, y, x}} {
		r := runContinue(t, "deadlocks.dsu", head+strings.Join(order, ""), check.Options{Continue: true, Workers: 1})
		got := map[string]int{}
		for _, v := range r.Violations {
			names := slices.Clone(v.Threads)
			slices.Sort(names)
			got[v.Rule+" of "+strings.Join(names, ", ")] = len(v.Trace)
		}
		want := map[string]int{"deadlock of Y, Z": 2, "deadlock of X, Y": 3}
		if !reflect.DeepEqual(got, want) || !r.Exhaustive {
			t.Errorf("threads declared %c%c%c: %v (exhaustive %v), want %v", order[0][7], order[1][7], order[2][7], got, r.Exhaustive, want)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestContinueTerminalFacts: a stuck configuration that is a deadlock and
// leaves messages orphaned has two violations, and --continue lists both
// (it listed the first only; statespace/testdata/regress/stuck-with-orphans.dsu
// derives them by hand: 3 steps each).
func TestContinueTerminalFacts(t *testing.T) {
	const path = "../statespace/testdata/regress/stuck-with-orphans.dsu"
	m, err := model.Load(path, mustRead(t, path))
	if err != nil {
		t.Fatal(err)
	}
	outs, err := check.Run(context.Background(), m, check.Options{Continue: true, Workers: 1, Store: store.Options{Kind: store.Memory}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range outs[0].Result.Violations {
		got = append(got, fmt.Sprintf("%s/%s/%d", v.Property, v.Rule, len(v.Trace)))
	}
	want := []string{"progress/deadlock/3", "linearity/orphan messages/3"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("violations %q, want %q", got, want)
	}
}
