package statespace_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// simSemantics compiles the model at path with its first update (if any)
// under strategy.
func simSemantics(t testing.TB, path, strategy string) *statespace.Semantics {
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
	p, err := statespace.Compile(m, u)
	if err != nil {
		t.Fatal(err)
	}
	st, err := statespace.StrategyNamed(strategy)
	if err != nil {
		t.Fatal(err)
	}
	return &statespace.Semantics{P: p, Strategy: st, QueueBound: 8}
}

// memStores opens in-memory stores for the shrinking BFS.
func memStores() (statespace.Options, func() error, error) {
	q, err := store.NewQueue(store.SpillOptions{})
	if err != nil {
		return statespace.Options{}, nil, err
	}
	l, err := store.NewLinks(store.SpillOptions{})
	if err != nil {
		q.Close()
		return statespace.Options{}, nil, err
	}
	v := store.NewMemorySet()
	return statespace.Options{Visited: v, Frontier: q, Links: l}, func() error {
		return errorsJoin(v.Close(), q.Close(), l.Close())
	}, nil
}

func errorsJoin(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// replayEnds replays v's path and checks that it ends in a violation of
// v's property and rule.
func replayEnds(t *testing.T, sem *statespace.Semantics, v *statespace.Violation) {
	t.Helper()
	tr, err := statespace.ReplayPath(sem, v.Path)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	chk := properties.All()
	var got *statespace.Violation
	if tr.Last != nil {
		got = chk.CheckStep(sem.P, tr.Before, tr.Last)
	}
	if got == nil {
		if succs, info := sem.Successors(tr.Final); len(succs) == 0 {
			got = chk.CheckTerminal(sem.P, tr.Final, info)
		}
	}
	if got == nil || got.Property != v.Property || got.Rule != v.Rule {
		t.Fatalf("the run of %d steps ends in %+v, want %s / %s", len(v.Path), got, v.Property, v.Rule)
	}
	if len(v.Trace) != len(v.Path) {
		t.Errorf("trace has %d steps, path %d", len(v.Trace), len(v.Path))
	}
}

// TestSimulateFindsDeepViolation is the known answer: the only violation
// of testdata/deep-violation.dsu needs 242 steps, which BFS does
// not reach; a few walks find it under every strategy, and shrinking gives
// a real, shorter run to it.
func TestSimulateFindsDeepViolation(t *testing.T) {
	for _, strategy := range statespace.StrategyNames() {
		t.Run(strategy, func(t *testing.T) {
			sem := simSemantics(t, "testdata/deep-violation.dsu", strategy)
			res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
				Checker: properties.All(), Seed: 1, Runs: 4, Depth: 20000, Workers: 2,
				Shrink: &statespace.ShrinkOptions{Stores: memStores, MaxStates: 5000, Budget: 40_000},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != statespace.Violated || res.Violation == nil {
				t.Fatalf("no violation after %d walks (%d steps, deepest %d)", res.Runs, res.Steps, res.Deepest)
			}
			v := res.Violation
			if v.Property != properties.Runtime || len(v.Path) < 242 {
				t.Fatalf("found %s / %s in %d steps, want runtime in at least 242", v.Property, v.Rule, len(v.Path))
			}
			replayEnds(t, sem, v)
			sh := res.Shrunk
			if sh == nil || sh.Violation == nil {
				t.Fatal("not shrunk")
			}
			sv := sh.Violation
			t.Logf("walk %d: %d steps, shrunk to %d by %s (BFS %d states, at least %d steps; %d tries)", res.Found.Run, len(v.Path), len(sv.Path), sh.Method, sh.BFSStates, sh.AtLeast, sh.Tries)
			if len(sv.Path) >= len(v.Path) || len(sv.Path) < 242 {
				t.Errorf("shrunk to %d steps from %d; want fewer, and at least 242", len(sv.Path), len(v.Path))
			}
			if sv.Property != v.Property || sv.Rule != v.Rule {
				t.Errorf("shrunk to %s / %s, want %s / %s", sv.Property, sv.Rule, v.Property, v.Rule)
			}
			replayEnds(t, sem, sv)
			if sh.Shortest {
				t.Errorf("claims shortest, but the BFS was cut at %d states", sh.BFSStates)
			}
			if sh.AtLeast > 242 {
				t.Errorf("claims every run has at least %d steps; one of 242 exists", sh.AtLeast)
			}
		})
	}
}

// TestSimulateDeterministic: the same seed gives the same result whatever
// the number of workers.
func TestSimulateDeterministic(t *testing.T) {
	sem := simSemantics(t, "../models/mathserver.dsu", "uncoordinated")
	run := func(workers int, swarm int) *statespace.SimResult {
		res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
			Checker: properties.All(), Seed: 7, Runs: 50, Depth: 200, Workers: workers, Swarm: swarm, Coverage: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		res.Elapsed = 0
		return res
	}
	for _, swarm := range []int{0, 5} {
		a, b := run(1, swarm), run(3, swarm)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("swarm %d: 1 worker: %+v\n3 workers: %+v", swarm, a, b)
		}
		if a.Violation == nil {
			t.Errorf("swarm %d: the paper's maths server has a fidelity violation; no walk found it", swarm)
		}
	}
}

// TestSimulateSafeModel: walks of a safe model find nothing and say so as
// Unknown, never Holds.
func TestSimulateSafeModel(t *testing.T) {
	sem := simSemantics(t, "../models/mathserver.dsu", "max+1")
	res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
		Checker: properties.All(), Seed: 1, Runs: 20, Depth: 300, Workers: 2, Coverage: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != statespace.Unknown || res.Violation != nil {
		t.Fatalf("verdict %v, violation %+v; want unknown, none", res.Verdict, res.Violation)
	}
	if res.Runs != 20 || res.Cut != 20 || res.Steps != 20*300 || !res.Introduced {
		t.Errorf("runs %d, cut %d, steps %d, introduced %v; want 20 walks of 300 steps each, the update introduced", res.Runs, res.Cut, res.Steps, res.Introduced)
	}
	if res.Unreached == nil {
		t.Error("no coverage")
	}
}

// TestSwarmFindsDeepViolation: a swarm of differently configured walkers
// finds the deep violation too, and says which member did.
func TestSwarmFindsDeepViolation(t *testing.T) {
	sem := simSemantics(t, "testdata/deep-violation.dsu", "max+1")
	res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
		Checker: properties.All(), Seed: 5, Runs: 12, Depth: 20000, Workers: 2, Swarm: 6,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation == nil || len(res.Violation.Path) < 242 {
		t.Fatalf("no violation of at least 242 steps in %d walks", res.Runs)
	}
	if res.Found.Member < 0 || res.Found.Member >= 6 || res.Found.Seed != 5+uint64(res.Found.Run) {
		t.Errorf("found by %+v", res.Found)
	}
	replayEnds(t, sem, res.Violation)
}

// TestSimulateTimeAndInterrupt: --time alone ends the walks; cancelling
// the context stops them, with the statistics so far.
func TestSimulateTimeAndInterrupt(t *testing.T) {
	sem := simSemantics(t, "../models/prodcons.dsu", "max+1")
	res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
		Checker: properties.All(), Seed: 1, Time: 50 * time.Millisecond, Depth: 1000, Workers: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.Interrupted || res.Verdict != statespace.Unknown || res.Runs == 0 {
		t.Errorf("timed out %v, interrupted %v, verdict %v, %d walks", res.TimedOut, res.Interrupted, res.Verdict, res.Runs)
	}
	// With --runs, walks that all went to their ends were not stopped by
	// the time (found by a tester: --time 1ms "ended" one such walk).
	for range 5 {
		res, err = statespace.Simulate(context.Background(), sem, statespace.SimOptions{
			Checker: properties.All(), Seed: 1, Runs: 1, Time: time.Nanosecond, Depth: 5, Workers: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.TimedOut != (res.Runs < 1 || res.Partial > 0) {
			t.Errorf("timed out %v with %d walks, %d partial", res.TimedOut, res.Runs, res.Partial)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err = statespace.Simulate(ctx, sem, statespace.SimOptions{Checker: properties.All(), Seed: 1, Runs: 1000, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Verdict != statespace.Unknown || res.Runs != 0 {
		t.Errorf("interrupted %v, verdict %v, %d walks", res.Interrupted, res.Verdict, res.Runs)
	}
}

// TestShrinkFailureKeepsViolation: when the shrinking BFS cannot open its
// stores, the violation stands, the BFS's failure is said, and delta
// debugging, which needs no store, still runs (a tester: it was skipped).
func TestShrinkFailureKeepsViolation(t *testing.T) {
	sem := simSemantics(t, "../models/mathserver.dsu", "uncoordinated")
	broken := func() (statespace.Options, func() error, error) {
		return statespace.Options{}, nil, errors.New("no room")
	}
	res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
		Checker: properties.All(), Seed: 1, Runs: 10, Depth: 100, Workers: 1,
		Shrink: &statespace.ShrinkOptions{Stores: broken},
	})
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shrunk
	if res.Violation == nil || sh == nil || sh.Err != nil || sh.BFSErr == nil || sh.Tries == 0 || sh.Shortest || sh.Violation == nil || len(sh.Violation.Path) > len(res.Violation.Path) {
		t.Fatalf("violation %v, shrunk %+v", res.Violation, sh)
	}
	replayEnds(t, sem, res.Violation)
	replayEnds(t, sem, sh.Violation)
}

// TestShrinkInterruptedSays: an interruption that lands while a walk's
// violation is being shrunk cuts the shrinking short, and the result says
// so (Interrupted), with no claim to be shortest; the violation stands.
func TestShrinkInterruptedSays(t *testing.T) {
	sem := simSemantics(t, "testdata/deep-violation.dsu", "max+1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupting := func() (statespace.Options, func() error, error) {
		cancel() // as a SIGINT would, once the shrinking BFS starts
		return memStores()
	}
	res, err := statespace.Simulate(ctx, sem, statespace.SimOptions{
		Checker: properties.All(), Seed: 1, Runs: 1, Depth: 20000, Workers: 1,
		Shrink: &statespace.ShrinkOptions{Stores: interrupting},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation == nil || res.Shrunk == nil || !res.Shrunk.Interrupted || res.Shrunk.Shortest {
		t.Fatalf("violation %v, shrunk %+v", res.Violation, res.Shrunk)
	}
	replayEnds(t, sem, res.Violation)
}

// TestShrinkCapExactlyFull: a shrinking BFS that stores exactly
// --shrink-states configurations and leaves none out is not cut: its run
// is shortest, as with a larger cap; one configuration fewer cuts it
// (found by a tester: reaching the cap counted as a cut).
func TestShrinkCapExactlyFull(t *testing.T) {
	sem := simSemantics(t, "../models/mathserver.dsu", "uncoordinated")
	shrink := func(cap int64) *statespace.ShrinkResult {
		t.Helper()
		res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
			Checker: properties.All(), Seed: 1, Runs: 10, Depth: 100, Workers: 1,
			Shrink: &statespace.ShrinkOptions{Stores: memStores, MaxStates: cap},
		})
		if err != nil || res.Shrunk == nil {
			t.Fatalf("cap %d: %v, %+v", cap, err, res)
		}
		return res.Shrunk
	}
	free := shrink(1 << 20)
	if !free.Shortest || free.BFSCut {
		t.Fatalf("uncapped: %+v", free)
	}
	if exact := shrink(free.BFSStates); !exact.Shortest || exact.BFSCut || exact.BFSStates != free.BFSStates {
		t.Errorf("cap %d, exactly what it stores: %+v", free.BFSStates, exact)
	}
	// Cut in the level of the violation found, a fidelity violation,
	// which only a step shows: no shorter run to it can be in the part
	// left out, so the run is still known to be shortest.
	if less := shrink(free.BFSStates - 1); !less.BFSCut || !less.Shortest || less.AtLeast != len(less.Violation.Path) {
		t.Errorf("cap %d: %+v", free.BFSStates-1, less)
	}
}

// TestSimulateJudgesTheLastConfiguration: the configuration a walk reaches
// in exactly --depth steps is passed, so judged: a deadlock every run
// reaches in 42 steps is found with depth 42, and the walk ended there
// (found by a tester: it was counted but never judged); with depth 41 the
// walk is cut before it.
func TestSimulateJudgesTheLastConfiguration(t *testing.T) {
	sem := simSemantics(t, "testdata/deadlock-at-depth.dsu", "max+1")
	for _, c := range []struct {
		depth int
		found bool
	}{{42, true}, {41, false}} {
		res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
			Checker: properties.All(), Seed: 1, Runs: 1, Depth: c.depth, Workers: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Violation != nil; got != c.found || got && (res.Violation.Property != properties.Progress || len(res.Violation.Path) != 42) {
			t.Errorf("depth %d: violation %v", c.depth, res.Violation)
		}
	}
}

// TestViolationBeforeTheFirstStepIsCounted: a configuration that violates
// before the first step was counted by check (1 state) but not by
// simulate (0 distinct) or a swarm member (0 states). Found by a tester.
func TestViolationBeforeTheFirstStepIsCounted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "initial.dsu")
	if err := os.WriteFile(path, []byte("thread A { main 1 / 0 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sem := simSemantics(t, path, "max+1")
	res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{Checker: properties.All(), Seed: 1, Runs: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation == nil || res.Distinct != 1 {
		t.Errorf("simulate: violation %v, %d distinct configurations, want 1", res.Violation, res.Distinct)
	}
	sw, err := statespace.BitstateSwarm(context.Background(), sem, statespace.SwarmOptions{Checker: properties.All(), Seed: 1, Members: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sw.Violation == nil || len(sw.Members) != 1 || sw.Members[0].States != 1 {
		t.Errorf("swarm: violation %v, members %+v, want one of 1 state", sw.Violation, sw.Members)
	}
}

// TestShrinkWideFewTries: delta debugging leaves out threads in groups
// first, so a wide model whose violation needs one pair of its 40 shrinks
// in a few tries, not one a thread (a tester: 150 pairs took 271 tries and
// three minutes). Pair 23's client sends true where its protocol says int:
// a fidelity violation in 4 steps (its session's start, then 3 sends),
// derived by hand. The shrinking BFS is capped low, so that delta
// debugging does the work.
func TestShrinkWideFewTries(t *testing.T) {
	var b strings.Builder
	b.WriteString("protocol P = a -> b: <int>. a -> b: <int>. a -> b: <int>. end\n")
	for i := 1; i <= 40; i++ {
		v := "3"
		if i == 23 {
			v = "true"
		}
		fmt.Fprintf(&b, "service s%d: P\n", i)
		fmt.Fprintf(&b, "thread A%d { fun go(c) = send(c, b, 1); send(c, b, 2); send(c, b, %s)  main go(request(s%d, {a, b}, a)) }\n", i, v, i)
		fmt.Fprintf(&b, "thread B%d { fun go(c) = receive(c, a); receive(c, a); receive(c, a)  main go(accept(s%d, b)) }\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "pairs40.dsu")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sem := simSemantics(t, path, "uncoordinated")
	res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
		Checker: properties.All(), Seed: 1, Runs: 10, Depth: 10000, Workers: 1,
		Shrink: &statespace.ShrinkOptions{Stores: memStores, MaxStates: 1000},
	})
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Shrunk
	if res.Violation == nil || sh == nil || sh.Method != "delta debugging" || len(sh.Violation.Path) != 4 || sh.Violation.Thread != "A23" {
		t.Fatalf("violation %v, shrunk %+v", res.Violation, sh)
	}
	threads := map[string]bool{}
	for _, s := range res.Violation.Trace {
		threads[s.Thread] = true
	}
	if sh.Tries >= len(threads) {
		t.Errorf("%d tries for a walk of %d steps by %d threads: one a thread or more", sh.Tries, len(res.Violation.Trace), len(threads))
	}
	t.Logf("walk of %d steps by %d threads shrunk to %d in %d tries", len(res.Violation.Trace), len(threads), len(sh.Violation.Path), sh.Tries)
	replayEnds(t, sem, sh.Violation)
}

// TestShrinkSecondFact: a step that breaks two rules is a run to each
// (testdata/regress/shrink-second-fact.dsu, derived by hand there): a
// walk's runtime error shrinks to the 3-step run whose last step breaks
// fidelity first and is the runtime error too, called shortest; it was
// shrunk to 11 steps and called shortest (a tester).
func TestShrinkSecondFact(t *testing.T) {
	sem := simSemantics(t, "testdata/regress/shrink-second-fact.dsu", "uncoordinated")
	for seed := uint64(1); seed <= 8; seed++ {
		res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
			Checker: properties.All(), Seed: seed, Runs: 20, Depth: 100, Workers: 1,
			Shrink: &statespace.ShrinkOptions{Stores: memStores},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Violation == nil || res.Violation.Property != "runtime" {
			continue // this seed's walks found the fidelity violation first
		}
		sh := res.Shrunk
		if sh == nil || len(sh.Violation.Path) != 3 || !sh.Shortest || sh.Violation.Property != "runtime" {
			t.Fatalf("seed %d: walk of %d steps shrunk to %+v", seed, len(res.Violation.Path), sh)
		}
		t.Logf("seed %d: a walk of %d steps shrunk to 3, shortest", seed, len(res.Violation.Path))
		return
	}
	t.Fatal("no seed's walks found the runtime error")
}

// countdownCtx is a context that is cancelled once its Err has been asked
// n times: an interruption at a reproducible point of a search.
type countdownCtx struct {
	context.Context
	n atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestShrinkInterruptedBound: a shrinking BFS interrupted part-way keeps
// the lower bound of the levels it searched in full (found by a tester: it
// was thrown away), and the bound is sound: never above the length of a
// shortest run to the violation, and "shortest" is claimed only of one.
// The interruption lands at every point of the search in turn.
func TestShrinkInterruptedBound(t *testing.T) {
	for _, c := range []struct{ path, strategy string }{
		{"../models/mathserver.dsu", "uncoordinated"},
		{"../models/prodcons.dsu", "uncoordinated"},
		{"../models/sessions-per-request.dsu", "stop-the-world"},
		{"../models/midrun-update-point.dsu", "max+1"},
	} {
		sem := simSemantics(t, c.path, c.strategy)
		walk, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
			Checker: properties.All(), Seed: 1, Runs: 20, Depth: 2000, Workers: 1,
		})
		if err != nil || walk.Violation == nil {
			t.Fatalf("%s: no violation to shrink (%v)", c.path, err)
		}
		v := walk.Violation
		opts := statespace.ShrinkOptions{Checker: properties.All(), Stores: memStores, MaxStates: 1 << 20, Budget: -1, Workers: 1}
		full, err := statespace.Shrink(context.Background(), sem, v, opts)
		if err != nil || !full.Shortest {
			t.Fatalf("%s: uninterrupted shrinking: %+v, %v", c.path, full, err)
		}
		shortest := len(full.Violation.Path)
		bounds := 0
		for n := int64(1); ; n++ {
			ctx := &countdownCtx{Context: context.Background()}
			ctx.n.Store(n)
			sh, err := statespace.Shrink(ctx, sem, v, opts)
			if err != nil {
				t.Fatal(err)
			}
			shown := len(v.Path)
			if sh.Violation != nil {
				shown = len(sh.Violation.Path)
			}
			if sh.AtLeast > shortest || sh.Shortest && shown != shortest {
				t.Fatalf("%s, interrupted after %d looks: at least %d, shortest %v of a %d-step run; a shortest run has %d steps", c.path, n, sh.AtLeast, sh.Shortest, shown, shortest)
			}
			if !sh.Interrupted {
				break // the search ended before the countdown
			}
			if sh.AtLeast > 0 && sh.BFSStates < full.BFSStates {
				bounds++ // a bound from a search cut part-way
			}
		}
		if bounds == 0 {
			t.Errorf("%s: no interrupted search kept a bound", c.path)
		}
	}
}

// progressLog records a search's progress calls, made from any goroutine.
type progressLog[T any] struct {
	mu    sync.Mutex
	calls []T
}

func (l *progressLog[T]) record(p T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, p)
}

// take returns the calls so far, and forgets them.
func (l *progressLog[T]) take() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

// TestSimulateProgress: Progress is called as the walks go on, with counts
// that only grow and never pass the result's, and, phase "shrinking", as
// the violation found is shrunk.
func TestSimulateProgress(t *testing.T) {
	var log progressLog[statespace.SimProgress]
	sem := simSemantics(t, "../models/prodcons.dsu", "max+1")
	res, err := statespace.Simulate(context.Background(), sem, statespace.SimOptions{
		Checker: properties.All(), Seed: 1, Time: 3 * statespace.SimProgressEvery, Depth: 1000, Workers: 2, Progress: log.record,
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := log.take()
	if len(calls) == 0 {
		t.Fatalf("no progress in %s", res.Elapsed)
	}
	var last statespace.SimProgress
	for _, p := range calls {
		if p.Phase != "walks" || p.Walks < last.Walks || p.Steps < last.Steps || p.Distinct < last.Distinct || p.Elapsed < last.Elapsed {
			t.Errorf("progress %+v after %+v", p, last)
		}
		last = p
	}
	if last.Walks > res.Runs || last.Steps > res.Steps || last.Distinct > res.Distinct {
		t.Errorf("progress %+v past the result: %d walks, %d steps, %d distinct", last, res.Runs, res.Steps, res.Distinct)
	}

	sem = simSemantics(t, "../models/mathserver.dsu", "uncoordinated")
	res, err = statespace.Simulate(context.Background(), sem, statespace.SimOptions{
		Checker: properties.All(), Seed: 1, Runs: 50, Depth: 300, Workers: 2, Progress: log.record,
		Shrink: &statespace.ShrinkOptions{Stores: memStores, MaxStates: 5000, Budget: 40_000},
	})
	if err != nil || res.Violation == nil {
		t.Fatalf("no violation: %v", err)
	}
	var walks []int64
	for _, p := range log.take() {
		if p.Phase == "shrinking" {
			walks = append(walks, p.Walks)
		}
	}
	checkShrinkingSaid(t, walks, res.Runs)
}

// checkShrinkingSaid checks that progress said the shrinking, after all
// that counts (n walks or members) was merged.
func checkShrinkingSaid(t *testing.T, counts []int64, n int64) {
	t.Helper()
	if len(counts) == 0 {
		// (one as shrinking begins, and the ticker's while it lasts)
		t.Errorf("no progress call of phase shrinking")
	}
	for _, c := range counts {
		if c != n {
			t.Errorf("shrinking after %d, the result has %d", c, n)
		}
	}
}
