package statespace_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

var orderRandom = flag.Int("order.random", 16, "random models of TestInstanceOrderIsARenaming")

// TestInstanceOrderIsARenaming: the canonical form orders sessions by
// service and holders (config.go, instOrder), where it used to keep them in
// their order of creation. That is a renaming of sessions, so on every
// subject (the shipped, testdata, family and random models of TestPORSound),
// strategy and capacity 1-3, and for the random models with each property
// alone, the search must give the verdict and the violation depth it gives
// with the order of creation, never with more configurations, and its
// counterexample must replay; where safety holds, the liveness half of
// update completion must give the same verdict, with a lasso that replays.
//
//	go test ./statespace -run TestInstanceOrderIsARenaming -order.random 300
func TestInstanceOrderIsARenaming(t *testing.T) {
	random := *orderRandom
	if testing.Short() {
		random = min(random, 8)
	}
	subjects := porSubjects(t, random)
	type run struct {
		res  *statespace.Result
		live *statespace.Violation
	}
	search := func(sem *statespace.Semantics, checker statespace.Checker, creation, live bool) run {
		t.Helper()
		defer statespace.SetCreationOrder(creation)()
		r := run{res: explore(t, sem, exploreOpts{maxStates: 20000, checker: checker})}
		if live && r.res.Violation == nil && r.res.Exhaustive {
			v, st, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{MaxStates: 20000, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if st.Cut {
				r.res.Exhaustive = false // not compared
			}
			r.live = v
		}
		return r
	}
	compared, fewer, violations, lassos := 0, 0, 0, 0
	for name, m := range subjects {
		for _, strategy := range statespace.StrategyNames() {
			for bound := 1; bound <= 3; bound++ {
				props := []string{"every property"}
				if bound == 2 && strings.HasPrefix(name, "random") {
					props = append(props, properties.Names...)
				}
				for _, prop := range props {
					checker := checkerOf(t, prop)
					sem := semantics(t, m, strategy, bound)
					where := fmt.Sprintf("%s %s capacity %d, %s", name, strategy, bound, prop)
					live := prop == "every property" && len(m.Updates) > 0
					old := search(sem, checker, true, live)
					if !old.res.Exhaustive && old.res.Violation == nil {
						continue // cut: nothing to compare
					}
					got := search(sem, checker, false, live)
					compared++
					if got.res.Verdict != old.res.Verdict || (got.res.Violation == nil) != (old.res.Violation == nil) {
						t.Errorf("%s: verdict %v ordered, %v in creation order", where, got.res.Verdict, old.res.Verdict)
						continue
					}
					if old.res.Violation == nil {
						if got.res.States > old.res.States {
							t.Errorf("%s: %d configurations ordered, %d in creation order", where, got.res.States, old.res.States)
						}
						if got.res.States < old.res.States {
							fewer++
						}
						if (got.live == nil) != (old.live == nil) {
							t.Errorf("%s: liveness %v ordered, %v in creation order", where, got.live, old.live)
						}
						if got.live != nil {
							lassos++
							validateLasso(t, sem, got.live)
						}
						continue
					}
					violations++
					gv, ov := got.res.Violation, old.res.Violation
					if len(gv.Trace) != len(ov.Trace) || prop != "every property" && gv.Property != ov.Property {
						t.Errorf("%s: %s in %d steps ordered, %s in %d in creation order", where, gv.Property, len(gv.Trace), ov.Property, len(ov.Trace))
					}
					if tr, err := statespace.ReplayPath(sem, gv.Path); err != nil || len(tr.Steps) != len(gv.Trace) {
						t.Errorf("%s: the counterexample does not replay: %v", where, err)
					}
				}
			}
		}
	}
	t.Logf("%d runs compared (%d with a violation, %d lassos); %d with fewer configurations ordered", compared, violations, lassos, fewer)
	if compared < 300 || violations == 0 || fewer == 0 {
		t.Errorf("only %d runs compared, %d with violations, %d with fewer configurations", compared, violations, fewer)
	}
}
