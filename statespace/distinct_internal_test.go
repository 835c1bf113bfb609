package statespace

import (
	"context"
	"os"
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
