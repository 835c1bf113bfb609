package check_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// TestSimulateShrinksToShortest: on models small enough to explore, the
// shrunk run of every violation simulate finds is as short as the one
// check finds, and simulate says it is shortest; where check finds nothing,
// simulate finds nothing either and says Unknown.
func TestSimulateShrinksToShortest(t *testing.T) {
	for _, path := range []string{"../models/mathserver.dsu", "../models/prodcons.dsu", "../models/sessions-per-request.dsu", "../models/midrun-update-point.dsu"} {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.Load(path, src)
		if err != nil {
			t.Fatal(err)
		}
		exact, err := check.Run(context.Background(), m, check.Options{Store: store.Options{Kind: store.Memory}})
		if err != nil {
			t.Fatal(err)
		}
		sims, err := check.Simulate(context.Background(), m, check.SimOptions{
			Walks:  statespace.SimOptions{Seed: 3, Runs: 40, Depth: 400, Workers: 2},
			Shrink: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(sims) != len(exact) {
			t.Fatalf("%s: %d simulations, %d checks", path, len(sims), len(exact))
		}
		for i, s := range sims {
			e := exact[i].Result
			r := s.Result
			name := path + " " + s.Strategy
			if r.Verdict == statespace.Holds {
				t.Errorf("%s: a simulation says the model holds", name)
			}
			if e.Violation == nil {
				if r.Violation != nil {
					t.Errorf("%s: simulate found %s, check (exhaustive) nothing", name, r.Violation.Rule)
				}
				continue
			}
			if r.Violation == nil {
				t.Errorf("%s: check finds %s at depth %d; 40 walks found nothing", name, e.Violation.Rule, len(e.Violation.Path))
				continue
			}
			sh := r.Shrunk
			if sh == nil || !sh.Shortest {
				t.Errorf("%s: shrunk %+v; want a shortest run", name, sh)
				continue
			}
			n, want := len(sh.Violation.Path), len(e.Violation.Path)
			same := sh.Violation.Property == e.Violation.Property && sh.Violation.Rule == e.Violation.Rule
			if (same && n != want) || n < want {
				t.Errorf("%s: shrunk to %s in %d steps; check's shortest violation is %s in %d", name, sh.Violation.Rule, n, e.Violation.Rule, want)
			}
		}
	}
}

// TestShrunkRunsReplay: every violation simulate and swarm report, shrunk,
// replays (check.Replay) to the same property and rule; in particular a
// shrunk deadlock does not end on a step that breaks another property
// (testdata/shrink-last-step-fault.dsu, whose header derives the lengths).
func TestShrunkRunsReplay(t *testing.T) {
	m := loadModel(t, "testdata/shrink-last-step-fault.dsu")
	exact, err := check.Run(context.Background(), m, check.Options{Store: store.Options{Kind: store.Memory}})
	if err != nil {
		t.Fatal(err)
	}
	if v := exact[0].Result.Violation; v == nil || v.Property != "runtime" || len(v.Path) != 3 {
		t.Fatalf("check: %+v, want a runtime error at depth 3", v)
	}
	deadlocks := 0
	// verify replays the violation a simulation or swarm reports: the
	// shrunk run's, if it was shrunk.
	verify := func(what string, v *statespace.Violation, sh *statespace.ShrinkResult) {
		if sh != nil {
			v = sh.Violation
		}
		if v == nil {
			return
		}
		if v.Rule == "deadlock" {
			deadlocks++
		}
		_, rvs, err := check.Replay(m, check.ReplayOptions{Strategy: check.NoStrategy}, v.Path, 0)
		if err != nil {
			t.Fatalf("%s: replay: %v", what, err)
		}
		var rv *statespace.Violation
		if len(rvs) > 0 {
			rv = rvs[0]
		}
		if rv == nil || rv.Property != v.Property || rv.Rule != v.Rule {
			t.Errorf("%s: reported %s %s in %d steps; replay ends in %+v", what, v.Property, v.Rule, len(v.Path), rv)
		}
		if v.Rule == "deadlock" && len(v.Path) != 5 {
			t.Errorf("%s: a deadlock in %d steps, want 5", what, len(v.Path))
		}
	}
	for seed := uint64(1); seed <= 8; seed++ {
		sims, err := check.Simulate(context.Background(), m, check.SimOptions{
			Walks:  statespace.SimOptions{Seed: seed, Runs: 1, Depth: 100, Workers: 1},
			Shrink: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sims {
			verify(fmt.Sprintf("simulate seed %d", seed), s.Result.Violation, s.Result.Shrunk)
		}
		swarms, err := check.Swarm(context.Background(), m, check.SwarmOptions{
			Search: statespace.SwarmOptions{Members: 1, Seed: seed, Bits: 16, Workers: 1},
			Shrink: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range swarms {
			verify(fmt.Sprintf("swarm seed %d", seed), s.Result.Violation, s.Result.Shrunk)
		}
	}
	if deadlocks == 0 {
		t.Error("no walk or swarm found the deadlock: the test tests nothing")
	}
}

// TestNoRunAfterInterruption: an interruption that comes after a run's
// search (while its counterexample is shrunk, or once it is done) starts no
// further run (found by a tester: SIGINT while simulate shrank max+1's
// counterexample started stop-the-world, which ended at once and was
// printed as a run of 0 walks, "ok?"). Here the context is cancelled as the
// first run is reported, for each pipeline.
func TestNoRunAfterInterruption(t *testing.T) {
	m := loadModel(t, "../models/mathserver.dsu")
	strategies := []string{"uncoordinated", "stop-the-world", "max+1"}
	ctx, cancel := context.WithCancel(context.Background())
	outs, err := check.Run(ctx, m, check.Options{Strategies: strategies, Store: store.Options{Kind: store.Memory},
		Done: func(*check.Outcome) { cancel() }})
	if err != nil || len(outs) != 1 {
		t.Errorf("check: %d runs (%v), want 1", len(outs), err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	sims, err := check.Simulate(ctx, m, check.SimOptions{Strategies: strategies,
		Walks: statespace.SimOptions{Seed: 1, Runs: 5, Depth: 50, Workers: 1}, Shrink: true,
		Done: func(*check.SimOutcome) { cancel() }})
	if err != nil || len(sims) != 1 {
		t.Errorf("simulate: %d runs (%v), want 1", len(sims), err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	swarms, err := check.Swarm(ctx, m, check.SwarmOptions{Strategies: strategies,
		Search: statespace.SwarmOptions{Members: 1, Seed: 1, Bits: 16, Workers: 1}, Shrink: true,
		Done: func(*check.SwarmOutcome) { cancel() }})
	if err != nil || len(swarms) != 1 {
		t.Errorf("swarm: %d runs (%v), want 1", len(swarms), err)
	}
}
