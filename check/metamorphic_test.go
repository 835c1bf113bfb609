package check_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
	"github.com/mcheck/mcheck/model/syntax"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// The metamorphic test: a model and a copy of it that differs only in what
// the language says has no meaning must get the same results. The copy
// renames every name (threads, functions, variables, protocols, roles,
// services, labels, updates) by one random bijection, and lists in another
// random order the declarations, each thread's functions, the branches of
// every choice and case, the roles of a request and the receivers of a
// multicast. Both sides of the differential test (package reference) share
// the parser, the name resolution and the projection of package model;
// this net catches what depends on names or on the order of declarations
// in either side or in model itself: ids given by sorting names, a
// canonical form that depends on which thread is declared first, a
// projection that depends on the order of a choice's branches.
//
// What must be equal, run by run (an update matched by its new name): the
// verdict, whether the search was exhaustive and, for a safety violation,
// its depth (the shortest counterexample's length) and, for an
// exhaustive run without a violation, the configurations, transitions, depth and capacity counts. Which
// of several violations of one depth is found first, and what was counted
// before it, depends on the order of the search within a level, which
// depends on the order of threads: those are not compared; nor is the
// update latency, which follows the one shortest path the search keeps to
// each configuration (README, "The metrics").

var metaRandom = flag.Int("meta.random", 12, "random models for TestMetamorphic (besides the shipped and regression ones)")
var metaSeed = flag.Uint64("meta.seed", 1, "first seed of TestMetamorphic's random models and transformations")

// scramble returns src renamed and reordered as above, and the renaming.
func scramble(t *testing.T, name string, src []byte, seed uint64) ([]byte, map[string]string) {
	t.Helper()
	f, err := syntax.Parse(name, src)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	renameFunctions(f, r)
	// Every name, in order of first appearance, then a random bijection
	// onto fresh names (whose byte order is random too).
	var names []string
	seen := map[string]bool{}
	walkIdents(f.Decls, func(id *syntax.Ident) {
		if !seen[id.Name] && id.Name != "_" {
			seen[id.Name] = true
			names = append(names, id.Name)
		}
	})
	fresh := make([]string, len(names))
	for i := range fresh {
		fresh[i] = fmt.Sprintf("n%d", i)
	}
	r.Shuffle(len(fresh), func(i, j int) { fresh[i], fresh[j] = fresh[j], fresh[i] })
	ren := map[string]string{}
	for i, n := range names {
		// Half of the names keep a prefix of their own, so that byte
		// order is not merely reversed or the same for every kind.
		if r.IntN(2) == 0 {
			ren[n] = fresh[i] + "_" + n
		} else {
			ren[n] = fresh[i]
		}
	}
	walkIdents(f.Decls, func(id *syntax.Ident) {
		if to, ok := ren[id.Name]; ok {
			id.Name = to
		}
	})
	shuffleLists(f.Decls, r)
	r.Shuffle(len(f.Decls), func(i, j int) { f.Decls[i], f.Decls[j] = f.Decls[j], f.Decls[i] })
	f.Comments = nil
	var out bytes.Buffer
	if err := syntax.Fprint(&out, f); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), ren
}

// renameFunctions gives each thread's functions names of their own (the
// same names in the update's new bodies for that thread): alike threads
// then differ in their functions' names too.
func renameFunctions(f *syntax.File, r *rand.Rand) {
	for ti, t := range f.Threads {
		ren := map[string]string{}
		for k, i := range r.Perm(len(t.Funs)) {
			ren[t.Funs[i].Name.Name] = fmt.Sprintf("t%dfun%d", ti, k)
		}
		rename := func(n syntax.Node) {
			walkAST(n, func(v reflect.Value, _ reflect.Type, _ string) {
				if v.Kind() != reflect.Pointer {
					return
				}
				switch x := v.Interface().(type) {
				case *syntax.FunDecl:
					x.Name.Name = ren[x.Name.Name]
				case *syntax.Call:
					if to, ok := ren[x.Fun.Name]; ok {
						x.Fun.Name = to
					}
				}
			})
		}
		rename(t)
		for _, u := range f.Updates {
			for _, tu := range u.Threads {
				if tu.Name.Name == t.Name.Name {
					rename(tu)
				}
			}
		}
	}
}

// walkAST calls fn on every value reachable from root through exported
// fields, slice elements, interfaces and pointers, each pointer followed
// once (File's typed slices and UpdateDecl.Decls share their nodes with
// Decls), with the struct type and field it was reached through (nil and
// "" for the rest). fn sees a slice before its elements: it may reorder it.
func walkAST(root any, fn func(v reflect.Value, owner reflect.Type, field string)) {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, owner reflect.Type, field string)
	walk = func(v reflect.Value, owner reflect.Type, field string) {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
		}
		fn(v, owner, field)
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), nil, "")
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), nil, "")
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(v.Field(i), v.Type(), f.Name)
				}
			}
		}
	}
	walk(reflect.ValueOf(root), nil, "")
}

// walkIdents calls fn once for every Ident under root.
func walkIdents(root any, fn func(*syntax.Ident)) {
	walkAST(root, func(v reflect.Value, _ reflect.Type, _ string) {
		if v.Type() == reflect.TypeFor[syntax.Ident]() && v.CanAddr() {
			fn(v.Addr().Interface().(*syntax.Ident))
		}
	})
}

// shuffleLists reorders, in place, the lists under root whose order has no
// meaning: functions, update members, choice and case branches, a
// request's roles and a multicast's receivers.
func shuffleLists(root any, r *rand.Rand) {
	walkAST(root, func(v reflect.Value, owner reflect.Type, field string) {
		if v.Kind() != reflect.Slice || v.Len() < 2 {
			return
		}
		switch {
		case field == "Funs", field == "Branches", field == "Roles", field == "To",
			field == "Decls" && owner == reflect.TypeFor[syntax.UpdateDecl]():
			r.Shuffle(v.Len(), reflect.Swapper(v.Interface()))
		}
	})
}

// metaRun is what a run must keep under the transformation.
type metaRun struct {
	Update, Strategy      string
	Verdict               statespace.Verdict
	Exhaustive            bool
	Property              string // "" if none
	Lasso                 bool
	ViolationDepth        int
	States, Transitions   int64 // of a run without a violation
	Depth                 int
	CapacityHits, Stuck   int64
	CapacityLost, Blocked int64
	MaxBlock              int
}

func metaRuns(outs []*check.Outcome, rename func(string) string) []metaRun {
	var rs []metaRun
	for _, o := range outs {
		r := o.Result
		m := metaRun{Update: rename(o.UpdateName()), Strategy: o.Strategy, Verdict: r.Verdict, Exhaustive: r.Exhaustive}
		if v := r.Violation; v != nil {
			m.Lasso = v.CycleStart > 0
			if !m.Lasso {
				// A lasso's stem and cycle are not always shortest:
				// only the verdict is compared.
				m.ViolationDepth = len(v.Path)
			}
		} else if r.Exhaustive {
			// A search cut by the bound on states stops partway through
			// a level, which configurations it keeps depending on the
			// order: only whether it was cut is compared.
			m.States, m.Transitions, m.Depth = r.States, r.Transitions, r.Depth
			m.CapacityHits, m.Stuck, m.CapacityLost = r.CapacityHits, r.CapacityStuck, r.CapacityLost
			m.Blocked, m.MaxBlock = r.BlockedConfigs, r.MaxBlocked
		}
		rs = append(rs, m)
	}
	slices.SortFunc(rs, func(a, b metaRun) int {
		if a.Update != b.Update {
			return cmpString(a.Update, b.Update)
		}
		return cmpString(a.Strategy, b.Strategy)
	})
	return rs
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// modelFiles is the shipped models and the regression models.
func modelFiles(t *testing.T) []struct {
	name string
	src  []byte
} {
	var out []struct {
		name string
		src  []byte
	}
	files, _ := filepath.Glob("../models/*.dsu")
	more, _ := filepath.Glob("../statespace/testdata/regress/*.dsu")
	for _, f := range append(files, more...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, struct {
			name string
			src  []byte
		}{f, src})
	}
	return out
}

type metaSubject struct {
	name string
	src  []byte
}

// metaSubjects is the shipped and regression models and -meta.random
// random ones.
func metaSubjects(t *testing.T) []metaSubject {
	var subjects []metaSubject
	for _, f := range modelFiles(t) {
		subjects = append(subjects, metaSubject{f.name, f.src})
	}
	for seed := *metaSeed; seed < *metaSeed+uint64(*metaRandom); seed++ {
		cfg := randmodel.Config{}
		if seed%2 == 1 {
			cfg = randmodel.Config{MaxRoles: 4, MaxDepth: 5} // larger protocols, every other seed
		}
		subjects = append(subjects, metaSubject{fmt.Sprintf("random-%d", seed), []byte(randmodel.Generate(seed, cfg))})
	}
	return subjects
}

func TestMetamorphic(t *testing.T) {
	subjects := metaSubjects(t)
	ctx := context.Background()
	compared := 0
	for i, s := range subjects {
		t.Run(s.name, func(t *testing.T) {
			m, err := model.Load(s.name, s.src)
			if err != nil {
				t.Fatal(err)
			}
			src2, ren := scramble(t, s.name, s.src, *metaSeed+uint64(i))
			m2, err := model.Load(s.name+" (scrambled)", src2)
			if err != nil {
				t.Fatalf("the scrambled model does not load: %v\n%s", err, src2)
			}
			for _, reduce := range []string{"none", "all"} {
				o := check.Options{QueueBound: 2, MaxStates: 20_000, Reduce: reduce, Workers: 1,
					Store: store.Options{Kind: store.Memory}}
				outs, err := check.Run(ctx, m, o)
				if err != nil {
					t.Fatal(err)
				}
				outs2, err := check.Run(ctx, m2, o)
				if err != nil {
					t.Fatal(err)
				}
				want := metaRuns(outs, func(n string) string {
					if to, ok := ren[n]; ok {
						return to
					}
					return n
				})
				got := metaRuns(outs2, func(n string) string { return n })
				if !reflect.DeepEqual(got, want) {
					t.Errorf("--reduce %s: the scrambled model's runs differ:\n got %+v\nwant %+v\nscrambled model:\n%s", reduce, got, want, src2)
				}
				compared += len(want)
			}
		})
	}
	t.Logf("%d runs compared on %d models", compared, len(subjects))
}

// independent is a system that shares nothing with any model it is added
// to: a service of its own, no update names it, one message. Alone it has
// 4 configurations (before the session, started, sent, received: both
// threads done and the session forgotten) and 3 transitions, and it takes
// 3 steps to finish.
const independent = `
protocol ZqIndependent = zqa -> zqb: <int>. end
service zqs: ZqIndependent
thread ZqA { main let c = request(zqs, {zqa, zqb}, zqa) in send(c, zqb, 1) }
thread ZqB { main let c = accept(zqs, zqb) in receive(c, zqa) }
`

// TestMetamorphicIndependent: a model run beside a system that shares
// nothing with it keeps its results. Without the update (or with
// --update-at never) its configurations are pairs, so the counts are
// products: 4 x S configurations and 4 x T + 3 x S transitions, with and
// without reductions (sleep sets, which rest on steps that commute, and
// symmetry among the model's threads, which the added ones match none
// of). With the update introduced at any moment (which the added threads
// can make happen after the model's threads have all finished) the
// verdicts are kept: a violation on a step at the same depth (the added
// steps are not needed to reach it), a deadlock or a lasso still found,
// and a run that holds still holds; a violation of a configuration with no
// step is found at most 3 steps later (the added threads finish first).
// The global queue is shared: each run of the model that never met the
// capacity of 2 is compared with the pair at a capacity of 16, room to
// spare; where the model met it, only a violation is compared (no deeper
// in the pair, and a terminal one at most 3 steps deeper).
func TestMetamorphicIndependent(t *testing.T) {
	ctx := context.Background()
	alone := mustLoad(t, "independent.dsu", independent)
	o := check.Options{QueueBound: 1, Reduce: "none", Workers: 1, Store: store.Options{Kind: store.Memory}}
	outs, err := check.Run(ctx, alone, o)
	if err != nil || len(outs) != 1 || outs[0].Result.States != 4 || outs[0].Result.Transitions != 3 || outs[0].Result.Verdict != statespace.Holds {
		t.Fatalf("the independent system alone (%v): %+v", err, outs[0].Result)
	}
	never, _ := statespace.ParseUpdateAt("never")
	compared, products := 0, 0
	for _, s := range metaSubjects(t) {
		t.Run(s.name, func(t *testing.T) {
			m := mustLoad(t, s.name, string(s.src))
			pair := mustLoad(t, s.name+" (with an independent system)", string(s.src)+independent)
			for _, at := range []statespace.UpdateAt{{}, never} {
				for _, reduce := range []string{"none", "all"} {
					o := check.Options{QueueBound: 2, MaxStates: 20_000, Reduce: reduce, Workers: 1, UpdateAt: at,
						Store: store.Options{Kind: store.Memory}}
					outs, err := check.Run(ctx, m, o)
					if err != nil {
						t.Fatal(err)
					}
					// A run that never met the capacity of 2 is the same
					// at any capacity (the enabled sends are the same in
					// every configuration it reaches), and a multicast
					// may take the queue past it: the pair gets room to
					// spare.
					if !slices.ContainsFunc(outs, func(o *check.Outcome) bool {
						r := o.Result
						return r.Violation != nil || r.Exhaustive && r.CapacityHits == 0
					}) {
						continue // nothing to compare
					}
					o.QueueBound, o.MaxStates = 16, 100_000
					outs2, err := check.Run(ctx, pair, o)
					if err != nil {
						t.Fatal(err)
					}
					if len(outs) != len(outs2) {
						t.Fatalf("%d runs alone, %d beside the other system", len(outs), len(outs2))
					}
					for i, a := range outs {
						b := outs2[i].Result
						where := fmt.Sprintf("%s/%s --update-at %s --reduce %s", a.UpdateName(), a.Strategy, at, reduce)
						if msg := independentAgree(a.Result, b, at.Mode == statespace.AtNever || a.Update == nil); msg != "" {
							t.Errorf("%s: %s", where, msg)
						}
						compared++
						if a.Result.Exhaustive && a.Result.Violation == nil && a.Result.CapacityHits == 0 && (at.Mode == statespace.AtNever || a.Update == nil) {
							products++
						}
					}
				}
			}
		})
	}
	t.Logf("%d runs compared, %d of them state for state", compared, products)
}

// independentAgree says how b, a run of a model beside the independent
// system, disagrees with a, the model's own run ("" if it does not);
// product says the configurations are pairs (no update introduced).
func independentAgree(a, b *statespace.Result, product bool) string {
	av, bv := a.Violation, b.Violation
	// A violation of a configuration with no step (a deadlock, orphan
	// messages, participants that never applied) waits beside the other
	// system for it to finish: at most 3 steps more.
	terminal := func(v *statespace.Violation) bool {
		return v != nil && v.CycleStart == 0 &&
			(v.Property == "progress" || v.Rule == "orphan messages" || v.Property == "update-completion")
	}
	stepViolation := func(v *statespace.Violation) bool {
		return v != nil && v.CycleStart == 0 && !terminal(v)
	}
	if terminal(av) && a.CapacityHits == 0 {
		if bv == nil || len(bv.Path) > len(av.Path)+3 {
			got := "none"
			if bv != nil {
				got = fmt.Sprintf("%s in %d steps", bv.Rule, len(bv.Path))
			}
			return fmt.Sprintf("%s in %d steps alone; beside the other system %s", av.Rule, len(av.Path), got)
		}
		return ""
	}
	if stepViolation(av) && a.CapacityHits > 0 {
		// More room in the queue can only make a violation nearer.
		if bv == nil || len(bv.Path) > len(av.Path) {
			return fmt.Sprintf("%s in %d steps alone; beside the other system %v", av.Rule, len(av.Path), bv != nil)
		}
		return ""
	}
	if a.CapacityHits > 0 || av == nil && !a.Exhaustive {
		return ""
	}
	switch {
	case av != nil && bv == nil:
		return fmt.Sprintf("%s alone (%d steps), none beside the other system (exhaustive %v)", av.Rule, len(av.Path), b.Exhaustive)
	case av == nil && bv != nil:
		return fmt.Sprintf("ok alone, %s beside the other system (%d steps)", bv.Rule, len(bv.Path))
	case stepViolation(av) && len(bv.Path) != len(av.Path):
		return fmt.Sprintf("%s in %d steps alone, %s in %d beside the other system", av.Rule, len(av.Path), bv.Rule, len(bv.Path))
	case av != nil && av.CycleStart > 0 && bv.CycleStart == 0:
		return fmt.Sprintf("a lasso alone, %s beside the other system", bv.Rule)
	case av == nil && (!b.Exhaustive || b.CapacityHits != 0):
		return fmt.Sprintf("exhaustive alone; beside the other system exhaustive %v, capacity met %d times", b.Exhaustive, b.CapacityHits)
	case av == nil && product && (b.States != 4*a.States || b.Transitions != 4*a.Transitions+3*a.States):
		return fmt.Sprintf("%d configurations and %d transitions alone, %d and %d beside the other system (want %d and %d)",
			a.States, a.Transitions, b.States, b.Transitions, 4*a.States, 4*a.Transitions+3*a.States)
	}
	return ""
}

func mustLoad(t *testing.T, name, src string) *model.Model {
	t.Helper()
	m, err := model.Load(name, []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// TestMetamorphicNeverIntroduced: an update that is never introduced
// (--update-at never) changes nothing: each strategy's run of the model
// finds what the model without its updates finds, with the same counts
// (without reductions: symmetry tells apart threads the update names).
func TestMetamorphicNeverIntroduced(t *testing.T) {
	ctx := context.Background()
	never, _ := statespace.ParseUpdateAt("never")
	compared := 0
	for _, s := range metaSubjects(t) {
		t.Run(s.name, func(t *testing.T) {
			m := mustLoad(t, s.name, string(s.src))
			if len(m.Updates) == 0 {
				return
			}
			f, err := syntax.Parse(s.name, s.src)
			if err != nil {
				t.Fatal(err)
			}
			f.Decls = slices.DeleteFunc(f.Decls, func(d syntax.Decl) bool { _, ok := d.(*syntax.UpdateDecl); return ok })
			var b bytes.Buffer
			if err := syntax.Fprint(&b, f); err != nil {
				t.Fatal(err)
			}
			none, err := model.Load(s.name+" (no update)", b.Bytes())
			if err != nil {
				return // its old code uses labels or roles only the update's protocols have
			}
			o := check.Options{QueueBound: 2, MaxStates: 20_000, Reduce: "none", Workers: 1, Store: store.Options{Kind: store.Memory}}
			want, err := check.Run(ctx, none, o)
			if err != nil || len(want) != 1 {
				t.Fatalf("%v: %d runs", err, len(want))
			}
			o.UpdateAt = never
			outs, err := check.Run(ctx, m, o)
			if err != nil {
				t.Fatal(err)
			}
			w := metaRuns(want, func(string) string { return "" })[0]
			for _, got := range metaRuns(outs, func(string) string { return "" }) {
				got.Strategy = ""
				if got != w {
					t.Errorf("never introduced:\n got %+v\nwant %+v (the model without its updates)", got, w)
				}
				compared++
			}
		})
	}
	t.Logf("%d runs compared", compared)
}

// TestRandomFollowersConform: the random models' threads follow their
// roles' local types as the generator projects them (model/randmodel's own
// projection, written apart from package model's); with no deviation and
// no update, no run may break fidelity or fail at run time. Both sides of
// the differential test use package model's projection: this is where
// that projection meets another.
func TestRandomFollowersConform(t *testing.T) {
	ctx := context.Background()
	checked := 0
	for seed := *metaSeed; seed < *metaSeed+uint64(*metaRandom)*4; seed++ {
		for _, cfg := range []randmodel.Config{{NoUpdates: true, DeviationPercent: -1}, {NoUpdates: true, DeviationPercent: -1, MaxRoles: 4, MaxDepth: 6}} {
			name := fmt.Sprintf("random-%d (%d roles)", seed, cfg.MaxRoles)
			src := randmodel.Generate(seed, cfg)
			m := mustLoad(t, name, src)
			o := check.Options{QueueBound: 3, MaxStates: 20_000, Continue: true, MaxViolations: 100, Workers: 1, Store: store.Options{Kind: store.Memory}}
			outs, err := check.Run(ctx, m, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, out := range outs {
				for _, v := range out.Result.Violations {
					if v.Property == "fidelity" || v.Property == "runtime" {
						t.Errorf("%s: %s: %s, %s; found %s\n%s", name, v.Rule, v.Action, v.Expected, v.Found, src)
					}
				}
			}
			checked++
		}
	}
	t.Logf("%d models checked", checked)
}

// TestMetamorphicUpdateAt: the update introduced at any moment
// (--update-at any) is every moment at once. A run that introduces it at
// its step K+1 is a run of --update-at step:K, and one that never does is
// a run of step:K for every K past its length; conversely every run of
// step:K is one of any. So the violations on a step (a fault the step
// makes: fidelity, runtime, an endpoint misused) that --continue lists
// under any are exactly those it lists under step:K for some K from 0 to
// any's depth + 1, each at the least depth it has under any of them.
// Violations of a configuration with no step are not compared: under any
// the introduction is a step wherever a thread runs, so a configuration
// stuck before step K under step:K need not be stuck under any.
func TestMetamorphicUpdateAt(t *testing.T) {
	compared, keys := 0, 0
	forSubjects(t, true, func(t *testing.T, m *model.Model) {
		o := continueOptions(2)
		want, depth, ok := stepRun(t, m, o)
		if !ok {
			return
		}
		got := map[string]map[string]int{}
		for k := 0; k <= depth+1; k++ {
			var err error
			if o.UpdateAt, err = statespace.ParseUpdateAt(fmt.Sprintf("step:%d", k)); err != nil {
				t.Fatal(err)
			}
			at, _, ok := stepRun(t, m, o)
			if !ok {
				return
			}
			for run, vs := range at {
				if got[run] == nil {
					got[run] = map[string]int{}
				}
				for key, d := range vs {
					if was, ok := got[run][key]; !ok || d < was {
						got[run][key] = d
					}
				}
			}
		}
		for run := range want {
			compared++
			keys += len(want[run])
			for key, d := range want[run] {
				if g, ok := got[run][key]; !ok || g != d {
					t.Errorf("%s: %s at depth %d under any; under step:0..%d: depth %d (found %v)", run, key, d, depth+1, g, ok)
				}
			}
			for key, d := range got[run] {
				if _, ok := want[run][key]; !ok {
					t.Errorf("%s: %s at depth %d under some step:K, never under any", run, key, d)
				}
			}
		}
	})
	t.Logf("%d runs compared, %d violations on a step", compared, keys)
}

// forSubjects runs fn on each of metaSubjects' models, loaded, as a
// subtest (with updated, only on those with an update).
func forSubjects(t *testing.T, updated bool, fn func(t *testing.T, m *model.Model)) {
	for _, s := range metaSubjects(t) {
		t.Run(s.name, func(t *testing.T) {
			m := mustLoad(t, s.name, string(s.src))
			if updated && len(m.Updates) == 0 {
				return
			}
			fn(t, m)
		})
	}
}

// continueOptions is the options of the relations on violations on a
// step: every violation listed, no reduction, update completion off.
func continueOptions(capacity int, skip ...string) check.Options {
	return check.Options{QueueBound: capacity, MaxStates: 5_000, Reduce: "none", Workers: 1, Store: store.Options{Kind: store.Memory},
		Continue: true, MaxViolations: 100_000, Skip: append(skip, properties.UpdateCompletion)}
}

// stepRun checks m with o and returns its violations on a step
// (stepViolations) and its depth; ok is false when a run was cut by
// MaxStates (nothing to compare).
func stepRun(t *testing.T, m *model.Model, o check.Options) (vs map[string]map[string]int, depth int, ok bool) {
	t.Helper()
	outs, err := check.Run(context.Background(), m, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range outs {
		if !out.Result.Exhaustive {
			return nil, 0, false
		}
		depth = max(depth, out.Result.Depth)
	}
	return stepViolations(outs), depth, true
}

// stepViolations lists, per run (update/strategy), the violations on a
// step that outs list, by their --continue key (property, rule, thread,
// place), each with its trace's length.
func stepViolations(outs []*check.Outcome) map[string]map[string]int {
	all := map[string]map[string]int{}
	for _, out := range outs {
		run := out.UpdateName() + "/" + out.Strategy
		vs := map[string]int{}
		for _, v := range out.Result.Violations {
			if v.Action == "no step is enabled" || v.CycleStart > 0 {
				continue
			}
			key := fmt.Sprintf("%s|%s|%s|%s", v.Property, v.Rule, v.Thread, v.Where)
			if d, ok := vs[key]; !ok || len(v.Path) < d {
				vs[key] = len(v.Path)
			}
		}
		all[run] = vs
	}
	return all
}

// TestMetamorphicCapacity: a larger queue capacity only enables more
// sends (a send is enabled while fewer messages than the capacity are
// queued; nothing else reads it), so every run at capacity C is one at
// C+1: the violations on a step that --continue lists at C are listed at
// C+1 too, each at the same depth or less.
func TestMetamorphicCapacity(t *testing.T) {
	compared, keys := 0, 0
	forSubjects(t, false, func(t *testing.T, m *model.Model) {
		var prev map[string]map[string]int
		for c := 1; c <= 3; c++ {
			cur, _, ok := stepRun(t, m, continueOptions(c))
			if !ok {
				return
			}
			for run, vs := range prev {
				compared++
				keys += len(vs)
				for key, d := range vs {
					if g, ok := cur[run][key]; !ok || g > d {
						t.Errorf("%s: %s at depth %d at capacity %d; at %d: depth %d (found %v)", run, key, d, c-1, c, g, ok)
					}
				}
			}
			prev = cur
		}
	})
	t.Logf("%d runs compared, %d violations on a step", compared, keys)
}

// TestMetamorphicSkip: switching a property off only hides its
// violations: the exploration is the same, so the violations on a step of
// every other property that --continue lists are the same, at the same
// depths.
func TestMetamorphicSkip(t *testing.T) {
	compared := 0
	forSubjects(t, false, func(t *testing.T, m *model.Model) {
		all, _, ok := stepRun(t, m, continueOptions(2))
		if !ok {
			return
		}
		for _, p := range []string{properties.Fidelity, properties.Linearity, properties.Progress, properties.Runtime} {
			got, _, ok := stepRun(t, m, continueOptions(2, p))
			if !ok {
				continue
			}
			for r, vs := range all {
				compared++
				want := map[string]int{}
				for key, d := range vs {
					if !strings.HasPrefix(key, p+"|") {
						want[key] = d
					}
				}
				if !maps.Equal(got[r], want) {
					t.Errorf("%s, --skip %s:\n got %v\nwant %v", r, p, got[r], want)
				}
			}
		}
	})
	t.Logf("%d runs compared", compared)
}

// TestMetamorphicCoordinatedWithin: uncoordinated updating lets each
// participant apply or pass at every update point, so every run of max+1
// (which applies at one point and runs through the others) and of
// stop-the-world (which blocks at one point until all apply together) is
// one of uncoordinated, with pass steps where max+1 ran through a point
// and the applies one after another where stop-the-world released them
// together: every violation on a step that --continue lists under max+1
// or stop-the-world is listed under uncoordinated too (depths differ:
// those steps are not counted alike).
func TestMetamorphicCoordinatedWithin(t *testing.T) {
	keys := 0
	forSubjects(t, true, func(t *testing.T, m *model.Model) {
		vs, _, ok := stepRun(t, m, continueOptions(2))
		if !ok {
			return
		}
		for run, got := range vs {
			update, strategy, _ := strings.Cut(run, "/")
			if strategy == "uncoordinated" {
				continue
			}
			for key := range got {
				keys++
				if _, ok := vs[update+"/uncoordinated"][key]; !ok {
					t.Errorf("%s: %s, never under uncoordinated", run, key)
				}
			}
		}
	})
	t.Logf("%d violations on a step compared", keys)
}

// TestMetamorphicMaxDepth: a search bounded by --max-depth D judges every
// step into a configuration at most D steps deep, and no other, so the
// violations on a step it lists are exactly those of the whole search at
// depth D or less, at the same depths.
func TestMetamorphicMaxDepth(t *testing.T) {
	compared := 0
	forSubjects(t, false, func(t *testing.T, m *model.Model) {
		o := continueOptions(2)
		whole, depth, ok := stepRun(t, m, o)
		if !ok {
			return
		}
		for _, d := range []int{1, 2, 3, 5, depth / 2} {
			if d < 1 {
				continue
			}
			o.MaxDepth = d
			outs, err := check.Run(context.Background(), m, o)
			if err != nil {
				t.Fatal(err)
			}
			got := stepViolations(outs)
			for run, vs := range whole {
				compared++
				want := map[string]int{}
				for key, at := range vs {
					if at <= d {
						want[key] = at
					}
				}
				if !maps.Equal(got[run], want) {
					t.Errorf("%s, --max-depth %d:\n got %v\nwant %v", run, d, got[run], want)
				}
			}
		}
	})
	t.Logf("%d runs compared", compared)
}

// TestMetamorphicCompletionUpdateAt: update completion, safety and
// liveness, is judged on what follows the introduction, and after it the
// configurations of --update-at any and of step:K are alike (the
// countdown is over): with every other property off, any finds a violation
// of update completion iff step:K does for some K from 0 to any's depth +
// 1 (a lasso under any is reached through an introduction at some step).
func TestMetamorphicCompletionUpdateAt(t *testing.T) {
	ctx := context.Background()
	compared, violated := 0, 0
	forSubjects(t, true, func(t *testing.T, m *model.Model) {
		o := check.Options{QueueBound: 2, MaxStates: 5_000, Reduce: "none", Workers: 1, Store: store.Options{Kind: store.Memory},
			Skip: []string{properties.Fidelity, properties.Linearity, properties.Progress, properties.Runtime}}
		verdicts := func() (map[string]bool, int) {
			outs, err := check.Run(ctx, m, o)
			if err != nil {
				t.Fatal(err)
			}
			v, depth := map[string]bool{}, 0
			for _, out := range outs {
				if out.Result.Verdict == statespace.Unknown {
					return nil, 0 // cut: nothing to compare
				}
				v[out.UpdateName()+"/"+out.Strategy] = out.Result.Violation != nil
				depth = max(depth, out.Result.Depth)
			}
			return v, depth
		}
		want, depth := verdicts()
		if want == nil {
			return
		}
		got := map[string]bool{}
		for k := 0; k <= depth+1; k++ {
			o.UpdateAt, _ = statespace.ParseUpdateAt(fmt.Sprintf("step:%d", k))
			v, _ := verdicts()
			if v == nil {
				return
			}
			for r, bad := range v {
				got[r] = got[r] || bad
			}
		}
		for r, bad := range want {
			compared++
			if bad {
				violated++
			}
			if got[r] != bad {
				t.Errorf("%s: update completion violated under any: %v; under some step:K: %v", r, bad, got[r])
			}
		}
	})
	t.Logf("%d runs compared, %d violated", compared, violated)
}
