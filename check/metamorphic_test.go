package check_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
	"github.com/mcheck/mcheck/model/syntax"
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
	shuffleLists(reflect.ValueOf(f.Decls), r, map[uintptr]bool{})
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
			inspectAll(n, func(v reflect.Value) {
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

// inspectAll calls fn on every pointer to a node under n, once each.
func inspectAll(n syntax.Node, fn func(reflect.Value)) {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			fn(v)
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(n))
}

var identType = reflect.TypeFor[syntax.Ident]()

// walkIdents calls fn once for every Ident of the tree (the typed slices
// of File and UpdateDecl.Decls share their nodes: each is visited once).
func walkIdents(decls []syntax.Decl, fn func(*syntax.Ident)) {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			walk(v.Elem())
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Struct:
			if v.Type() == identType {
				fn(v.Addr().Interface().(*syntax.Ident))
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(decls))
}

// shuffleLists reorders, in place, the lists whose order has no meaning:
// functions, update members, choice and case branches, a request's roles
// and a multicast's receivers.
func shuffleLists(v reflect.Value, r *rand.Rand, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		shuffleLists(v.Elem(), r, seen)
	case reflect.Interface:
		if !v.IsNil() {
			shuffleLists(v.Elem(), r, seen)
		}
	case reflect.Slice:
		for i := range v.Len() {
			shuffleLists(v.Index(i), r, seen)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fv, name := v.Field(i), v.Type().Field(i).Name
			if !v.Type().Field(i).IsExported() {
				continue
			}
			shuffleLists(fv, r, seen)
			unordered := fv.Kind() == reflect.Slice && fv.Len() > 1 &&
				(name == "Funs" || name == "Branches" || name == "Roles" || name == "To" ||
					(name == "Decls" && v.Type() == reflect.TypeFor[syntax.UpdateDecl]()))
			if unordered {
				sw := reflect.Swapper(fv.Interface())
				r.Shuffle(fv.Len(), sw)
			}
		}
	}
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

func TestMetamorphic(t *testing.T) {
	type subject struct {
		name string
		src  []byte
	}
	var subjects []subject
	for _, f := range modelFiles(t) {
		subjects = append(subjects, subject{f.name, f.src})
	}
	for seed := *metaSeed; seed < *metaSeed+uint64(*metaRandom); seed++ {
		subjects = append(subjects, subject{fmt.Sprintf("random-%d", seed), []byte(randmodel.Generate(seed, randmodel.Config{}))})
	}
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
