package check_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// TestPORShortest: on every shipped and testdata model, every update and
// strategy, --reduce por gives the verdict --reduce none gives, with a
// counterexample never shorter; with --shortest, exactly as short (the
// search again without the reduction, up to the reduced one's depth,
// finds a shortest one). Some reduced counterexamples are longer: the
// option has something to do.
func TestPORShortest(t *testing.T) {
	files, _ := filepath.Glob("../statespace/testdata/*/*.dsu")
	shipped, _ := filepath.Glob("../models/*.dsu")
	longer, compared := 0, 0
	for _, f := range append(files, shipped...) {
		m := loadModel(t, f)
		run := func(reduce string, shortest bool) []*check.Outcome {
			outs, err := check.Run(context.Background(), m, check.Options{QueueBound: 2, Reduce: reduce, Shortest: shortest,
				MaxStates: 50_000, Skip: []string{"update-completion"}, Store: store.Options{Kind: store.Memory}})
			if err != nil {
				t.Fatalf("%s --reduce %s: %v", f, reduce, err)
			}
			return outs
		}
		plain, por, short := run("none", false), run("por", false), run("por", true)
		for i, o := range plain {
			if o.Result.Verdict == statespace.Unknown {
				continue
			}
			compared++
			p, r, s := o.Result, por[i].Result, short[i].Result
			where := f + " " + o.Job.Strategy
			if !por[i].POR || r.Verdict != p.Verdict || s.Verdict != p.Verdict {
				t.Errorf("%s: verdict %v unreduced, %v with POR, %v with --shortest (POR used: %v)", where, p.Verdict, r.Verdict, s.Verdict, por[i].POR)
				continue
			}
			if p.Violation == nil {
				continue
			}
			pl, rl, sl := len(p.Violation.Trace), len(r.Violation.Trace), len(s.Violation.Trace)
			// The depth is the violation's trace's length (it was the
			// reduced search's after --shortest: adversarial tester).
			if p.Depth != pl || r.Depth != rl || s.Depth != sl {
				t.Errorf("%s: depth %d, %d, %d for traces of %d, %d, %d steps (unreduced, POR, --shortest)", where, p.Depth, r.Depth, s.Depth, pl, rl, sl)
			}
			if rl < pl || sl != pl || short[i].ShortestStates == 0 {
				t.Errorf("%s: counterexample of %d steps unreduced, %d with POR, %d with --shortest (%d states searched again)", where, pl, rl, sl, short[i].ShortestStates)
			}
			if rl > pl {
				longer++
			}
		}
	}
	t.Logf("%d runs compared; %d reduced counterexamples longer than the shortest", compared, longer)
	if compared < 50 || longer == 0 {
		t.Errorf("%d runs compared, %d longer counterexamples: want some", compared, longer)
	}
}
