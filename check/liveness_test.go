package check_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// familyModel is the member k of a generated family.
func familyModel(t *testing.T, name string, k int) *model.Model {
	t.Helper()
	src, err := family.Generate(name, k)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(fmt.Sprintf("%s-%d.dsu", name, k), src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func loadModel(t *testing.T, path string) *model.Model {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(path, src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLivenessInPipeline: the liveness half of update completion runs after
// a safety search that held, exhaustively; its lasso is the run's
// violation; --skip update-completion switches it off; a bounded search
// judges no liveness.
func TestLivenessInPipeline(t *testing.T) {
	m := loadModel(t, "../statespace/testdata/liveness/consumer-passed-point.dsu")
	run := func(o check.Options) *check.Outcome {
		t.Helper()
		o.Strategies = []string{"uncoordinated"}
		o.Store = store.Options{Kind: store.Memory}
		outs, err := check.Run(context.Background(), m, o)
		if err != nil || len(outs) != 1 {
			t.Fatalf("%d outcomes, %v", len(outs), err)
		}
		return outs[0]
	}
	o := run(check.Options{})
	res := o.Result
	if res.Verdict != statespace.Violated || res.Violation == nil || res.Violation.Rule != statespace.RuleNeverApplies || res.Exhaustive {
		t.Fatalf("verdict %v, violation %+v, exhaustive %v; want the never-applies lasso", res.Verdict, res.Violation, res.Exhaustive)
	}
	if v := res.Violation; v.CycleStart != 4 || len(v.Trace) != 5 || len(v.Path) != 5 {
		t.Errorf("lasso: cycle from step %d, %d steps, path of %d; want 4, 5, 5", v.CycleStart, len(v.Trace), len(v.Path))
	}
	if o.Liveness == nil || o.Liveness.States != res.States || o.Liveness.FairSCCs == 0 {
		t.Errorf("liveness stats %+v (safety explored %d states)", o.Liveness, res.States)
	}

	o = run(check.Options{Skip: []string{"update-completion"}})
	if o.Result.Verdict != statespace.Holds || o.Liveness != nil {
		t.Errorf("with update-completion skipped: verdict %v, liveness %+v; want ok, not run", o.Result.Verdict, o.Liveness)
	}

	o = run(check.Options{MaxStates: 20})
	if o.Result.Verdict != statespace.Unknown || o.Liveness != nil {
		t.Errorf("bounded: verdict %v, liveness %+v; want unknown, not run", o.Result.Verdict, o.Liveness)
	}

	o = run(check.Options{UpdateAt: statespace.UpdateAt{Mode: statespace.AtNever}})
	if o.Result.Verdict != statespace.Holds || !o.Result.Exhaustive {
		t.Errorf("update never introduced: verdict %v; want ok", o.Result.Verdict)
	}
}

// TestLivenessInterrupted: a cancelled context stops the liveness check too;
// nothing is proved.
func TestLivenessInterrupted(t *testing.T) {
	m := loadModel(t, "../statespace/testdata/liveness/passing-points.dsu")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sem, _, err := check.Semantics(m, check.ReplayOptions{Strategy: "uncoordinated"})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	v, st, err := statespace.CheckLiveness(ctx, sem, statespace.LiveOptions{})
	if err != nil || v != nil || !st.Interrupted {
		t.Fatalf("cancelled: violation %v, stats %+v, error %v; want interrupted, no verdict", v, st, err)
	}
}

// TestLivenessRemainingCodeDecidesParticipation: a thread done for good with
// the moved service does not take part, so the update completes in every
// fair run (statespace/testdata/regress/participant-by-remaining-code.dsu,
// hand-derived ok; it used to be "never applies", liveness included here as
// the regression tests judge safety only).
func TestLivenessRemainingCodeDecidesParticipation(t *testing.T) {
	m := loadModel(t, "../statespace/testdata/regress/participant-by-remaining-code.dsu")
	at, err := statespace.ParseUpdateAt("step:8")
	if err != nil {
		t.Fatal(err)
	}
	outs, err := check.Run(context.Background(), m, check.Options{UpdateAt: at, Workers: 1, Store: store.Options{Kind: store.Memory}})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if v := o.Result.Violation; v != nil || !o.Result.Exhaustive || o.Liveness == nil {
			t.Fatalf("%s: violation %v, exhaustive %v, liveness judged %v", o.Strategy, v, o.Result.Exhaustive, o.Liveness != nil)
		}
	}
}

// TestLivenessSpillsWithBadger: with the badger store (disk-backed) and a
// budget too small for the liveness graph, its columns go to disk, and the
// verdicts, lassos and figures are those of the memory store, where
// nothing spills: prodcons with 2 pairs at capacity 20, stop-the-world
// (the update always completes) and max+1 (a fair lasso in which a pair
// never applies).
func TestLivenessSpillsWithBadger(t *testing.T) {
	m := familyModel(t, "prodcons", 2)
	run := func(so store.Options) []*check.Outcome {
		t.Helper()
		outs, err := check.Run(context.Background(), m, check.Options{QueueBound: 20, Reduce: "none",
			Strategies: []string{"stop-the-world", "max+1"}, Store: so})
		if err != nil || len(outs) != 2 {
			t.Fatalf("%d outcomes, %v", len(outs), err)
		}
		return outs
	}
	mem := run(store.Options{Kind: store.Memory})
	disk := run(store.Options{Kind: store.Badger, MemBudget: 2 << 20, Spill: true})
	for i, o := range disk {
		want, l, wl := mem[i].Result, o.Liveness, mem[i].Liveness
		if l == nil || wl == nil {
			t.Fatalf("%s: liveness not judged", o.Job.Strategy)
		}
		if l.DiskBytes == 0 || wl.DiskBytes != 0 {
			t.Errorf("%s: %d bytes on disk with badger and a 2 MiB budget, %d with the memory store", o.Job.Strategy, l.DiskBytes, wl.DiskBytes)
		}
		if l.States != wl.States || l.Edges != wl.Edges || l.SCCs != wl.SCCs || l.FairSCCs != wl.FairSCCs {
			t.Errorf("%s: liveness figures %+v, with the memory store %+v", o.Job.Strategy, l, wl)
		}
		got := o.Result
		if got.Verdict != want.Verdict || (got.Violation == nil) != (want.Violation == nil) {
			t.Fatalf("%s: verdict %v, with the memory store %v", o.Job.Strategy, got.Verdict, want.Verdict)
		}
		if v, w := got.Violation, want.Violation; v != nil && (!slices.Equal(v.Path, w.Path) || v.CycleStart != w.CycleStart) {
			t.Errorf("%s: lasso %v from %d, with the memory store %v from %d", o.Job.Strategy, v.Path, v.CycleStart, w.Path, w.CycleStart)
		}
	}
	if mem[0].Result.Verdict != statespace.Holds || mem[1].Result.Violation == nil || mem[1].Result.Violation.Rule != statespace.RuleNeverApplies {
		t.Errorf("verdicts %v, %v; want stop-the-world ok, max+1 never applies", mem[0].Result.Verdict, mem[1].Result.Violation)
	}
}

// TestStoreGoneAtCloseIsUnknown: a store directory removed during a search
// that never wrote to it is found gone when the store closes; the run
// failed, so nothing is proved: not "ok", not exhaustive, and the liveness
// check (which prodcons K=2 fails under max+1) is not said to hold (found
// by a tester: the run said ok, exhaustive).
func TestStoreGoneAtCloseIsUnknown(t *testing.T) {
	m := familyModel(t, "prodcons", 2)
	dir := t.TempDir() + "/store"
	removed := false
	outs, err := check.Run(context.Background(), m, check.Options{
		Strategies: []string{"max+1"}, Workers: 1, Batch: 64,
		Store: store.Options{Kind: store.Badger, Dir: dir},
		Progress: func(*check.Job, statespace.Progress) {
			if !removed {
				removed = true
				if err := os.RemoveAll(dir); err != nil {
					t.Error(err)
				}
			}
		},
	})
	if err == nil || len(outs) != 1 {
		t.Fatalf("err %v, %d outcomes", err, len(outs))
	}
	t.Logf("%v (%d states)", err, outs[0].Result.States)
	if r := outs[0].Result; r.Verdict != statespace.Unknown || r.Exhaustive || outs[0].Liveness != nil {
		t.Errorf("verdict %v, exhaustive %v, liveness %v after %v", r.Verdict, r.Exhaustive, outs[0].Liveness, err)
	}
}
