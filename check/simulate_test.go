package check_test

import (
	"context"
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
