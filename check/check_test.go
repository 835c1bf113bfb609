package check_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

func models(t *testing.T) map[string]*model.Model {
	out := map[string]*model.Model{}
	for _, f := range modelFiles(t) {
		out[f.name] = mustLoad(t, f.name, string(f.src))
	}
	for seed := uint64(1); seed <= 6; seed++ {
		name := fmt.Sprintf("random-%d", seed)
		m, err := model.Load(name, []byte(randmodel.Generate(seed, randmodel.Config{})))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = m
	}
	return out
}

// summary is what must not depend on the store or the number of workers.
type summary struct {
	Verdict                     statespace.Verdict
	States, Transitions         int64
	Depth                       int
	Property, Rule, Found       string
	Path                        []uint32
	CapacityHits, CapacityStuck int64
	BlockedConfigs, MixedRuns   int64
	UpdateLatency               int
}

func summarise(outs []*check.Outcome) []summary {
	var s []summary
	for _, o := range outs {
		r := o.Result
		x := summary{Verdict: r.Verdict, States: r.States, Transitions: r.Transitions, Depth: r.Depth,
			CapacityHits: r.CapacityHits, CapacityStuck: r.CapacityStuck, BlockedConfigs: r.BlockedConfigs,
			MixedRuns: r.MixedRuns, UpdateLatency: r.UpdateLatency}
		if v := r.Violation; v != nil {
			x.Property, x.Rule, x.Found, x.Path = v.Property, v.Rule, v.Found, v.Path
		}
		s = append(s, x)
	}
	return s
}

// TestStable: verdicts, counts and counterexamples do not depend on the
// visited set (memory, badger), the number of workers, or coverage being
// followed. Coverage turns symmetry reduction off (places are per thread),
// so a run with coverage is compared with one without the reduction.
func TestStable(t *testing.T) {
	ctx := context.Background()
	for name, m := range models(t) {
		base := check.Options{MaxStates: 50_000, Store: store.Options{Kind: store.Memory}, Workers: 1}
		want, err := check.Run(ctx, m, base)
		if err != nil {
			t.Fatal(err)
		}
		unreduced := base
		unreduced.Reduce = check.ReduceNone
		wantPlain, err := check.Run(ctx, m, unreduced)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			kind     string
			workers  int
			coverage bool
		}{{store.Memory, 2, false}, {store.Badger, 1, false}, {store.Badger, 2, false}, {store.Memory, 2, true}} {
			o := base
			o.Store.Kind, o.Workers, o.Coverage = v.kind, v.workers, v.coverage
			got, err := check.Run(ctx, m, o)
			if err != nil {
				t.Fatal(err)
			}
			w := want
			if v.coverage {
				w = wantPlain
			}
			if a, b := summarise(got), summarise(w); !reflect.DeepEqual(a, b) {
				t.Errorf("%s: --store %s --workers %d --coverage=%v differs from memory/1:\n got %+v\nwant %+v", name, v.kind, v.workers, v.coverage, a, b)
			}
		}
	}
}

// TestCapacityUnused: a search that never held a send back gives the same
// result at a larger capacity (the bound did not matter).
func TestCapacityUnused(t *testing.T) {
	ctx := context.Background()
	checked := 0
	for name, m := range models(t) {
		for bound := 1; bound <= 3; bound++ {
			o := check.Options{QueueBound: bound, MaxStates: 50_000, Store: store.Options{Kind: store.Memory}, Workers: 1}
			at, err := check.Run(ctx, m, o)
			if err != nil {
				t.Fatal(err)
			}
			o.QueueBound = bound + 1
			above, err := check.Run(ctx, m, o)
			if err != nil {
				t.Fatal(err)
			}
			for i, out := range at {
				r := out.Result
				if r.CapacityHits > 0 || !(r.Exhaustive || r.Violation != nil) {
					continue
				}
				checked++
				a, b := summarise(at[i:i+1]), summarise(above[i:i+1])
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s %s: capacity %d was never reached, but capacity %d differs:\n%+v\n%+v", name, out.Strategy, bound, bound+1, a, b)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no run left the capacity unused")
	}
}
