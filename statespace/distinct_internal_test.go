package statespace

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/store"
)

// nopChecker reports nothing: the walks and searches go on to their bounds.
type nopChecker struct{}

func (nopChecker) CheckStep(*Program, *Config, *Succ) *Violation        { return nil }
func (nopChecker) CheckTerminal(*Program, *Config, StepInfo) *Violation { return nil }

// internalSemantics compiles the model at path with its first update (if
// any) under strategy, queue capacity 8.
func internalSemantics(t testing.TB, path, strategy string) *Semantics {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(path, src)
	if err != nil {
		t.Fatal(err)
	}
	var u *model.Update
	if len(m.Updates) > 0 {
		u = m.Updates[0]
	}
	p, err := Compile(m, u)
	if err != nil {
		t.Fatal(err)
	}
	st, err := StrategyNamed(strategy)
	if err != nil {
		t.Fatal(err)
	}
	return &Semantics{P: p, Strategy: st, QueueBound: 8}
}

// exploreCount is the number of configurations an exhaustive search of sem
// stores.
func exploreCount(t *testing.T, sem *Semantics) int64 {
	t.Helper()
	res := internalExplore(t, sem, nopChecker{})
	if !res.Exhaustive {
		t.Fatal("explore: not exhaustive")
	}
	return res.States
}

// internalExplore searches sem with checker, one worker, in memory.
func internalExplore(t *testing.T, sem *Semantics, checker Checker) *Result {
	t.Helper()
	q, err := store.NewQueue(store.SpillOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	l, err := store.NewLinks(store.SpillOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	res, err := Explore(context.Background(), sem, Options{Visited: store.NewMemorySet(), Frontier: q, Links: l, Checker: checker, Workers: 1})
	if err != nil {
		t.Fatalf("explore: %v", err)
	}
	return res
}

// TestDistinctCountsExactly: the distinct configurations counted along
// walks are exactly the distinct canonical encodings of the configurations
// their replayed runs pass.
func TestDistinctCountsExactly(t *testing.T) {
	sem := internalSemantics(t, "testdata/deep-violation.dsu", "max+1")
	d := newDistinct(sem.P, 0)
	defer d.close()
	seen := map[string]bool{}
	never := func() bool { return false }
	for i := int64(0); i < 6; i++ {
		cfg := WalkConfig{Run: i, Seed: 11 + uint64(i), Depth: 150 + 50*int(i), Scheduler: Scheduler(i % 2), Member: -1}
		out := walk(sem, nopChecker{}, cfg, false, d, never)
		if len(out.keys) != len(out.path)+1 {
			t.Fatalf("walk %d: %d keys for %d steps", i, len(out.keys), len(out.path))
		}
		d.add(out)
		c, _ := sem.Initial()
		seen[string(sem.P.Encode(nil, c))] = true
		for _, k := range out.path {
			succs, _ := sem.Successors(c)
			c = succs[k].Next
			seen[string(sem.P.Encode(nil, c))] = true
		}
		if got, want := d.set.Len(), int64(len(seen)); got != want {
			t.Fatalf("after walk %d: counted %d distinct configurations, the encodings say %d", i, got, want)
		}
	}
	if len(seen) < 300 {
		t.Errorf("only %d distinct configurations: the walks revisit too much for a meaningful test", len(seen))
	}
}

// TestDistinctBoundedByStateSpace: on a model small enough to explore, the
// walks pass at most the configurations the exhaustive search stores, and
// the count does not depend on the workers.
func TestDistinctBoundedByStateSpace(t *testing.T) {
	sem := internalSemantics(t, "../models/mathserver.dsu", "max+1")
	states := exploreCount(t, sem)
	var first int64
	for _, workers := range []int{1, 3} {
		res, err := Simulate(context.Background(), sem, SimOptions{Checker: nopChecker{}, Seed: 3, Runs: 200, Depth: 400, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if res.Distinct < 2 || res.Distinct > states || res.DistinctCapped {
			t.Fatalf("%d workers: %d distinct configurations (capped %v); the state space has %d", workers, res.Distinct, res.DistinctCapped, states)
		}
		t.Logf("%d workers: %d walks passed %d distinct configurations of %d", workers, res.Runs, res.Distinct, states)
		if first == 0 {
			first = res.Distinct
		} else if res.Distinct != first {
			t.Errorf("%d distinct with 1 worker, %d with 3", first, res.Distinct)
		}
	}
	res, err := Simulate(context.Background(), sem, SimOptions{Checker: nopChecker{}, Seed: 3, Runs: 200, Depth: 400, Workers: 2, MaxDistinct: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DistinctCapped || res.Distinct < 10 || res.Distinct > first {
		t.Errorf("capped at 10: %d distinct, capped %v", res.Distinct, res.DistinctCapped)
	}
	res, err = Simulate(context.Background(), sem, SimOptions{Checker: nopChecker{}, Seed: 3, Runs: 5, Depth: 40, MaxDistinct: -1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Distinct != 0 || res.DistinctCapped {
		t.Errorf("not counted: %d distinct, capped %v", res.Distinct, res.DistinctCapped)
	}
}

// faultChecker reports a step's fault, and a configuration with no step
// where some thread still runs: enough for walks to end in violations.
type faultChecker struct{}

func (faultChecker) CheckStep(_ *Program, _ *Config, s *Succ) *Violation {
	if s.Fault != nil {
		return &Violation{Property: "fault", Rule: fmt.Sprint(s.Fault.Kind), Found: s.Fault.Problem}
	}
	return nil
}

func (faultChecker) CheckTerminal(_ *Program, c *Config, _ StepInfo) *Violation {
	if anyRunning(c) {
		return &Violation{Property: "stuck", Rule: "stuck"}
	}
	return nil
}

// TestWalkScratchAgrees: walks in a worker's scratch (an arena reset at
// every step, the thread memo) take exactly the steps, pass exactly the
// configurations and find exactly the violations of walks on the heap,
// from walk to walk in one scratch, and when the distinct count fills up
// part-way (the walk then goes on in the arena without resetting it).
func TestWalkScratchAgrees(t *testing.T) {
	never := func() bool { return false }
	viols, lost := 0, 0
	for _, f := range []string{"testdata/deep-violation.dsu", "../models/prodcons.dsu", "../models/mathserver.dsu", "../models/sessions-per-request.dsu"} {
		for _, strategy := range []string{"max+1", "stop-the-world", "uncoordinated"} {
			sem := internalSemantics(t, f, strategy)
			chk := faultChecker{}
			for _, max := range []int64{0, 40} {
				heap, scratch := newDistinct(sem.P, max), newDistinct(sem.P, max)
				ws := newWalkScratch(sem, scratch)
				for i := int64(0); i < 12; i++ {
					cfg := WalkConfig{Run: i, Seed: 5 + uint64(i), Depth: 300, Scheduler: Scheduler(i % 2), Member: -1}
					a := walk(sem, chk, cfg, false, heap, never)
					b := walkIn(sem, chk, cfg, false, scratch, ws, never)
					heap.add(a)
					scratch.add(b)
					// (The keys are ids in two tables, filled in another
					// order: their numbers of distinct ones are compared.)
					if !slices.Equal(a.path, b.path) || len(a.keys) != len(b.keys) || a.keysLost != b.keysLost || heap.set.Len() != scratch.set.Len() ||
						(a.viol == nil) != (b.viol == nil) || a.viol != nil && (a.viol.Rule != b.viol.Rule || a.viol.Found != b.viol.Found) {
						t.Fatalf("%s %s max %d walk %d: on the heap %d steps, %v; in the scratch %d steps, %v", f, strategy, max, i, len(a.path), a.viol, len(b.path), b.viol)
					}
					if b.viol != nil {
						viols++
						ws = newWalkScratch(sem, scratch) // as the workers do
					}
					if b.keysLost {
						lost++
					}
				}
				heap.close()
				scratch.close()
			}
		}
	}
	if viols == 0 || lost == 0 {
		t.Errorf("%d walks found a violation, %d stopped counting part-way: the test needs both", viols, lost)
	}
}
