package statespace_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func loadFile(t testing.TB, path string) *model.Model {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(path, src)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return m
}

func loadSrc(t testing.TB, name, src string) *model.Model {
	t.Helper()
	m, err := model.Load(name, []byte(src))
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return m
}

func semantics(t testing.TB, m *model.Model, strategy string, bound int) *statespace.Semantics {
	t.Helper()
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
	return &statespace.Semantics{P: p, Strategy: st, QueueBound: bound}
}

type exploreOpts struct {
	maxDepth  int
	maxStates int64
	workers   int
	checker   statespace.Checker
	visited   statespace.VisitedSet
	por       bool
	batch     int
	progress  bool // a Progress callback (it reads the stores' and tables' sizes)
	noMemo    bool
	cont      bool
	// links, if set, records the parent links (and is left open).
	links statespace.Links
}

func explore(t testing.TB, sem *statespace.Semantics, o exploreOpts) *statespace.Result {
	t.Helper()
	q, err := store.NewQueue(store.SpillOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var l statespace.Links = o.links
	if l == nil {
		sl, err := store.NewLinks(store.SpillOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l = sl
	}
	if o.checker == nil {
		o.checker = properties.All()
	}
	if o.visited == nil {
		o.visited = store.NewMemorySet()
	}
	if o.workers == 0 {
		o.workers = 1
	}
	opts := statespace.Options{
		Visited: o.visited, Frontier: q, Links: l, Checker: o.checker,
		MaxDepth: o.maxDepth, MaxStates: o.maxStates, Workers: o.workers, POR: o.por,
		Batch: o.batch, NoMemo: o.noMemo, Continue: o.cont,
	}
	if o.progress {
		opts.Progress = func(p statespace.Progress) {
			if p.StoreRAM <= 0 {
				t.Errorf("progress: %d bytes in RAM", p.StoreRAM)
			}
		}
	}
	res, err := statespace.Explore(context.Background(), sem, opts)
	if err != nil {
		t.Fatal(err)
	}
	closers := []interface{ Close() error }{o.visited, q}
	if o.links == nil {
		closers = append(closers, l)
	}
	for _, c := range closers {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// knownAnswers are the expected verdicts of every model in models/, worked
// out by hand (each model's header comment explains them): "ok" for an
// exhaustive search without violation, else the violated property.
var knownAnswers = map[string]map[string]string{
	"mathserver.dsu":           {"uncoordinated": "fidelity", "stop-the-world": "ok", "max+1": "ok"},
	"prodcons.dsu":             {"uncoordinated": "fidelity", "stop-the-world": "ok", "max+1": "ok"},
	"midrun-update-point.dsu":  {"uncoordinated": "fidelity", "stop-the-world": "fidelity", "max+1": "fidelity"},
	"sessions-per-request.dsu": {"uncoordinated": "fidelity", "stop-the-world": "progress", "max+1": "fidelity"},
	"pipeline3.dsu":            {"uncoordinated": "fidelity", "stop-the-world": "ok", "max+1": "ok"},
	"code-only.dsu":            {"uncoordinated": "ok", "stop-the-world": "ok", "max+1": "ok"},
	"tutorial-calls.dsu":       {"uncoordinated": "fidelity", "stop-the-world": "ok", "max+1": "ok"},
	"tutorial-explicit.dsu":    {"uncoordinated": "fidelity", "stop-the-world": "ok", "max+1": "ok"},
}

func TestKnownAnswers(t *testing.T) {
	files, _ := filepath.Glob("../models/*.dsu")
	if len(files) == 0 {
		t.Fatal("no models found")
	}
	for _, f := range files {
		want, ok := knownAnswers[filepath.Base(f)]
		if !ok {
			t.Errorf("%s has no expected verdicts in knownAnswers: work them out by hand and add them", f)
			continue
		}
		m := loadFile(t, f)
		for _, strategy := range statespace.StrategyNames() {
			t.Run(filepath.Base(f)+"/"+strategy, func(t *testing.T) {
				res := explore(t, semantics(t, m, strategy, 8), exploreOpts{})
				got := "ok"
				if res.Violation != nil {
					got = res.Violation.Property
				}
				w, ok := want[strategy]
				if !ok {
					t.Fatalf("no expected verdict for strategy %s: work it out by hand and add it to knownAnswers", strategy)
				}
				if got != w {
					msg := ""
					if v := res.Violation; v != nil {
						msg = fmt.Sprintf(": %s: %s; expected %s; found %s", v.Rule, v.Action, v.Expected, v.Found)
					}
					t.Fatalf("verdict %s, want %s%s", got, w, msg)
				}
				if got == "ok" && (!res.Exhaustive || res.Verdict != statespace.Holds) {
					t.Fatalf("no violation but not exhaustive: %+v", res)
				}
				if got != "ok" && res.Verdict != statespace.Violated {
					t.Fatalf("verdict %v", res.Verdict)
				}
			})
		}
	}
}

// TestGoldenTraces compares every counterexample of the shipped models
// with a golden file, and replays the golden path through the semantics to
// prove it is a real run that ends in the same violation.
func TestGoldenTraces(t *testing.T) {
	files, _ := filepath.Glob("../models/*.dsu")
	for _, f := range files {
		m := loadFile(t, f)
		for _, strategy := range statespace.StrategyNames() {
			sem := semantics(t, m, strategy, 8)
			res := explore(t, sem, exploreOpts{})
			name := strings.TrimSuffix(filepath.Base(f), ".dsu") + "-" + strings.ReplaceAll(strategy, "+", "plus") + ".golden"
			golden := filepath.Join("testdata", "golden", name)
			if res.Violation == nil {
				if _, err := os.Stat(golden); err == nil {
					t.Errorf("%s: golden trace, but %s under %s no longer violates anything", golden, f, strategy)
				}
				continue
			}
			got := renderViolation(res.Violation)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./statespace -run TestGoldenTraces -update)", err)
			}
			if string(want) != got {
				t.Errorf("%s: trace differs from golden file\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
			// Replay the golden path.
			path := parsePath(t, string(want))
			tr, err := statespace.ReplayPath(sem, path)
			if err != nil {
				t.Fatalf("%s: golden path is not a run: %v", golden, err)
			}
			var v *statespace.Violation
			if tr.Last != nil && tr.Last.Fault != nil {
				v = properties.All().CheckStep(sem.P, tr.Before, tr.Last)
			} else {
				succs, info := sem.Successors(tr.Final)
				if len(succs) == 0 {
					v = properties.All().CheckTerminal(sem.P, tr.Final, info)
				}
			}
			if v == nil || v.Property != res.Violation.Property || v.Found != res.Violation.Found {
				t.Errorf("%s: replaying the golden path does not end in the violation (got %+v)", golden, v)
			}
			for i, st := range tr.Steps {
				line := fmt.Sprintf("%d %s: %s", st.Step, st.Thread, st.Action)
				if !strings.Contains(string(want), line) {
					t.Errorf("%s: replayed step %d %q not in the golden trace", golden, i+1, line)
				}
			}
		}
	}
}

func renderViolation(v *statespace.Violation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "property: %s\nrule: %s\nthread: %s\naction: %s\nexpected: %s\nfound: %s\n", v.Property, v.Rule, v.Thread, v.Action, v.Expected, v.Found)
	var path []string
	for _, s := range v.Path {
		path = append(path, strconv.Itoa(int(s)))
	}
	fmt.Fprintf(&b, "path: %s\ntrace:\n", strings.Join(path, " "))
	for _, s := range v.Trace {
		fmt.Fprintf(&b, "%d %s: %s\n    queue %s\n", s.Step, s.Thread, s.Action, s.Queue)
	}
	fmt.Fprintf(&b, "final:\n%s\n", v.Final)
	return b.String()
}

func parsePath(t *testing.T, golden string) []uint32 {
	for _, line := range strings.Split(golden, "\n") {
		if rest, ok := strings.CutPrefix(line, "path:"); ok {
			var path []uint32
			for _, f := range strings.Fields(rest) {
				n, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("bad path %q", rest)
				}
				path = append(path, uint32(n))
			}
			return path
		}
	}
	t.Fatal("golden file has no path line")
	return nil
}

// naiveExplore explores without the canonical form: breadth-first over
// full, un-normalised configurations (no dead-slot clearing, no
// forgetting of finished sessions, no run-number normalisation, no channel
// sorting) kept in a Go map, up to maxDepth. It returns the canonical images
// of every configuration it reached and the depth of the first violation
// (-1 if none); nil images if it met more than maxStates configurations
// (0: no limit).
func naiveExplore(t *testing.T, sem *statespace.Semantics, maxDepth, maxStates int) (map[string]bool, int) {
	raw := *sem
	raw.Raw = true
	p := sem.P
	check := properties.All()
	init, fault := raw.Initial()
	if check.CheckStep(p, nil, &statespace.Succ{Next: init, Fault: fault}) != nil {
		return nil, 0
	}
	seen := map[string]bool{string(p.Encode(nil, init)): true}
	images := map[string]bool{string(p.Encode(nil, sem.CanonicalOf(init))): true}
	level := []*statespace.Config{init}
	for depth := 0; len(level) > 0 && depth < maxDepth; depth++ {
		var next []*statespace.Config
		for _, c := range level {
			// A stuck configuration of this level is a shorter violation
			// than any step from it.
			if succs, info := raw.Successors(c); len(succs) == 0 && check.CheckTerminal(p, c, info) != nil {
				return images, depth
			}
		}
		for _, c := range level {
			succs, _ := raw.Successors(c)
			for i := range succs {
				if check.CheckStep(p, c, &succs[i]) != nil {
					return images, depth + 1
				}
				k := string(p.Encode(nil, succs[i].Next))
				if seen[k] {
					continue
				}
				seen[k] = true
				if maxStates > 0 && len(seen) > maxStates {
					return nil, -1
				}
				images[string(p.Encode(nil, sem.CanonicalOf(succs[i].Next)))] = true
				next = append(next, succs[i].Next)
			}
		}
		level = next
	}
	return images, -1
}

// TestCanonicalForm checks the canonical form against no canonical form at
// all: the same verdict at the same depth, and as many states as the
// un-normalised search's distinct canonical images (canonicalisation merges
// exactly the configurations it should, and loses nothing reachable). The
// semantics itself is checked against the independent reference
// interpreter, in package reference.
func TestCanonicalForm(t *testing.T) {
	files, _ := filepath.Glob("../models/*.dsu")
	extra, _ := filepath.Glob("testdata/regress/*.dsu")
	files = append(files, extra...)
	for _, f := range files {
		m := loadFile(t, f)
		for _, strategy := range statespace.StrategyNames() {
			for _, bound := range []int{2, 8} {
				t.Run(fmt.Sprintf("%s/%s/bound=%d", filepath.Base(f), strategy, bound), func(t *testing.T) {
					sem := semantics(t, m, strategy, bound)
					const depth = 12
					compareCanonical(t, sem, 12, 0)
				})
			}
		}
	}
}

// compareCanonical checks sem's search against the naive one (naiveExplore)
// up to depth: the same first violation's depth and, without one, as many
// states as the naive search's canonical images. It reports whether the
// naive search stayed within maxStates (0: no limit).
func compareCanonical(t *testing.T, sem *statespace.Semantics, depth, maxStates int) bool {
	t.Helper()
	images, naiveViol := naiveExplore(t, sem, depth, maxStates)
	if images == nil {
		return false
	}
	res := explore(t, sem, exploreOpts{maxDepth: depth})
	realViol := -1
	if res.Violation != nil {
		realViol = len(res.Violation.Trace)
	}
	if naiveViol != realViol {
		t.Fatalf("first violation at depth %d (naive) vs %d (real)", naiveViol, realViol)
	}
	if realViol < 0 && int64(len(images)) != res.States {
		t.Fatalf("states: naive has %d canonical images, real explorer %d", len(images), res.States)
	}
	return true
}

var (
	canonRandom = flag.Int("canon.random", 12, "random models of TestCanonicalFormRandom")
	canonSeed   = flag.Uint64("canon.seed", 501, "first seed of TestCanonicalFormRandom's random models")
	canonDepth  = flag.Int("canon.depth", 16, "depth of TestCanonicalFormRandom's searches")
)

// TestCanonicalFormRandom is TestCanonicalForm on random models (the
// soundness issue's generator), every strategy, capacities 1 and 3, the
// update introduced at any moment, after 5 steps or never (the canonical
// form forgets run numbers with --update-at never), and deeper (16 steps:
// -canon.depth),
// where roles can be several runs apart and normalisation clamps and
// forgets them. A model whose naive search meets more than 200,000
// configurations is left out (it is logged). A long run:
//
//	go test ./statespace -run TestCanonicalFormRandom -canon.random 300 -canon.seed 1000 -timeout 1h
func TestCanonicalFormRandom(t *testing.T) {
	ats := []statespace.UpdateAt{{Mode: statespace.AtAny}, {Mode: statespace.AtStep, Step: 5}, {Mode: statespace.AtNever}}
	for seed := *canonSeed; seed < *canonSeed+uint64(*canonRandom); seed++ {
		cfg := randmodel.Config{}
		if seed%3 == 0 {
			cfg = randmodel.Config{DeviationPercent: -1, MaxDepth: 3}
		}
		src := randmodel.Generate(seed, cfg)
		m, err := model.Load(fmt.Sprintf("random-%d.dsu", seed), []byte(src))
		if err != nil {
			t.Fatalf("random model %d does not load: %v\n%s", seed, err, src)
		}
		for _, strategy := range statespace.StrategyNames() {
			for _, bound := range []int{1, 3} {
				at := ats[(int(seed)+bound)%len(ats)]
				t.Run(fmt.Sprintf("random-%d/%s/bound=%d/%s", seed, strategy, bound, at), func(t *testing.T) {
					sem := semantics(t, m, strategy, bound)
					sem.UpdateAt = at
					if !compareCanonical(t, sem, *canonDepth, 200_000) {
						t.Logf("left out: the naive search meets more than 200,000 configurations")
					}
				})
			}
		}
	}
}

// TestWorkersDoNotChangeResults: the same counts and the same shortest
// counterexample with 1, 2 and 4 workers, and with tiny batches.
func TestWorkersDoNotChangeResults(t *testing.T) {
	for _, f := range []string{"../models/mathserver.dsu", "../models/prodcons.dsu", "../models/sessions-per-request.dsu"} {
		m := loadFile(t, f)
		for _, strategy := range statespace.StrategyNames() {
			var base *statespace.Result
			for _, w := range []int{1, 2, 4} {
				res := explore(t, semantics(t, m, strategy, 8), exploreOpts{workers: w})
				if base == nil {
					base = res
					continue
				}
				if res.States != base.States || res.Transitions != base.Transitions || res.Depth != base.Depth {
					t.Errorf("%s/%s: %d workers: %d states %d transitions depth %d; 1 worker: %d %d %d",
						f, strategy, w, res.States, res.Transitions, res.Depth, base.States, base.Transitions, base.Depth)
				}
				if (res.Violation == nil) != (base.Violation == nil) ||
					res.Violation != nil && renderViolation(res.Violation) != renderViolation(base.Violation) {
					t.Errorf("%s/%s: %d workers give another counterexample", f, strategy, w)
				}
			}
		}
	}
}

// TestBitstateWorkersDoNotChangeResults: a bit array small enough to take
// new configurations for seen ones gives the same counts and depth with 1,
// 2 and 4 workers, run after run, with and without partial-order reduction:
// its keys are hashes of the configurations' encodings, not the trees' keys,
// whose ids depend on the order in which the workers met the parts (with
// those keys, 2 workers stored 7,628, 7,631 or 7,636 configurations of
// prodcons K=2 at 2^16 bits where 1 worker stored 7,632). The array must
// have omitted some, or the test would prove nothing.
func TestBitstateWorkersDoNotChangeResults(t *testing.T) {
	src, err := family.Generate("prodcons", 2)
	if err != nil {
		t.Fatal(err)
	}
	m := loadSrc(t, "pc2.dsu", string(src))
	exact := explore(t, semantics(t, m, "max+1", 8), exploreOpts{})
	for _, por := range []bool{false, true} {
		var base *statespace.Result
		for _, w := range []int{1, 2, 4, 2, 4} {
			bs, err := store.NewBitstateSet(14, 1)
			if err != nil {
				t.Fatal(err)
			}
			res := explore(t, semantics(t, m, "max+1", 8), exploreOpts{workers: w, visited: bs, por: por})
			if base == nil {
				base = res
				if !por && res.States >= exact.States {
					t.Fatalf("2^14 bits stored %d configurations of %d: none omitted, the test proves nothing", res.States, exact.States)
				}
				continue
			}
			if res.States != base.States || res.Transitions != base.Transitions || res.Depth != base.Depth {
				t.Errorf("por %v, %d workers: %d states %d transitions depth %d; 1 worker: %d %d %d",
					por, w, res.States, res.Transitions, res.Depth, base.States, base.Transitions, base.Depth)
			}
		}
	}
}

// agreementModels are the model files the tests that compare two ways of
// searching run on: the shipped models, the regression models and the
// symmetry models.
func agreementModels() []string {
	var files []string
	for _, g := range []string{"../models/*.dsu", "testdata/regress/*.dsu", "testdata/symmetry/*.dsu"} {
		f, _ := filepath.Glob(g)
		files = append(files, f...)
	}
	return files
}

// TestThreadMemoAgrees: the thread memo (memo.go) changes nothing: the same
// counts, depth, verdict and counterexample as without it, on the shipped
// models, the regression models, the symmetry models and random models,
// under every strategy, with and without symmetry reduction, and with 2
// workers.
func TestThreadMemoAgrees(t *testing.T) {
	files := agreementModels()
	type subject struct {
		name string
		m    *model.Model
	}
	var subjects []subject
	for _, f := range files {
		subjects = append(subjects, subject{filepath.Base(f), loadFile(t, f)})
	}
	// A ring: every thread joins the moved service, so the introduction
	// asks each one's remaining code (the reach memo, Semantics.reachOf).
	ring, err := family.Generate("ring", 3)
	if err != nil {
		t.Fatal(err)
	}
	subjects = append(subjects, subject{"ring-3", loadSrc(t, "ring-3.dsu", string(ring))})
	seeds := uint64(30)
	if testing.Short() {
		seeds = 10
	}
	// MCHECK_MEMO_SEEDS=N compares N random models instead (a longer run
	// by hand, e.g. after changing what a memo keeps).
	if n, err := strconv.ParseUint(os.Getenv("MCHECK_MEMO_SEEDS"), 10, 64); err == nil && n > 0 {
		seeds = n
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		name := fmt.Sprintf("random-%d.dsu", seed)
		subjects = append(subjects, subject{name, loadSrc(t, name, randmodel.Generate(seed, randmodel.Config{}))})
	}
	compared := 0
	for _, s := range subjects {
		for _, strategy := range statespace.StrategyNames() {
			for _, bound := range []int{2, 6} {
				for _, sym := range []bool{false, true} {
					sem := semantics(t, s.m, strategy, bound)
					if sym {
						if sem.Sym = sem.P.DetectSymmetry(); sem.Sym == nil {
							continue
						}
					}
					o := exploreOpts{maxStates: 50000, workers: 1 + int(compared%2)}
					with := explore(t, sem, o)
					o.noMemo = true
					without := explore(t, sem, o)
					compared++
					if with.States != without.States || with.Transitions != without.Transitions || with.Depth != without.Depth ||
						with.Verdict != without.Verdict {
						t.Errorf("%s/%s/bound=%d/sym=%v: with the memo %d states %d transitions depth %d %v; without %d %d %d %v",
							s.name, strategy, bound, sym, with.States, with.Transitions, with.Depth, with.Verdict,
							without.States, without.Transitions, without.Depth, without.Verdict)
					}
					if (with.Violation == nil) != (without.Violation == nil) ||
						with.Violation != nil && renderViolation(with.Violation) != renderViolation(without.Violation) {
						t.Errorf("%s/%s/bound=%d/sym=%v: another counterexample with the memo", s.name, strategy, bound, sym)
					}
				}
			}
		}
	}
	t.Logf("%d searches compared", compared)
}

// TestSmallBatches: with small batches a level takes many, and with more
// than one worker the next batch is expanded while one is recorded; the
// results (also when cut by MaxStates, and under partial-order reduction)
// are those of one worker.
func TestSmallBatches(t *testing.T) {
	for _, f := range []string{"../models/mathserver.dsu", "../models/prodcons.dsu", "../models/sessions-per-request.dsu"} {
		m := loadFile(t, f)
		for _, strategy := range statespace.StrategyNames() {
			sem := semantics(t, m, strategy, 8)
			full := explore(t, sem, exploreOpts{})
			for _, o := range []exploreOpts{{batch: 5, progress: true}, {batch: 3, por: true}, {batch: 7, maxStates: full.States / 2}} {
				var base *statespace.Result
				for _, w := range []int{1, 2, 3} {
					o.workers = w
					res := explore(t, sem, o)
					if base == nil {
						base = res
						if o.maxStates == 0 && !o.por && (res.States != full.States || res.Transitions != full.Transitions) {
							t.Errorf("%s/%s: batches of %d: %d states %d transitions; batches of 2048: %d %d",
								f, strategy, o.batch, res.States, res.Transitions, full.States, full.Transitions)
						}
						continue
					}
					if res.States != base.States || res.Transitions != base.Transitions || res.Depth != base.Depth ||
						res.Verdict != base.Verdict || res.CutByStates != base.CutByStates {
						t.Errorf("%s/%s %+v: %d workers: %d states %d transitions depth %d %v; 1 worker: %d %d %d %v",
							f, strategy, o, w, res.States, res.Transitions, res.Depth, res.Verdict, base.States, base.Transitions, base.Depth, base.Verdict)
					}
					if (res.Violation == nil) != (base.Violation == nil) ||
						res.Violation != nil && renderViolation(res.Violation) != renderViolation(base.Violation) {
						t.Errorf("%s/%s %+v: %d workers give another counterexample", f, strategy, o, w)
					}
				}
			}
		}
	}
}

// TestBadgerAndMemoryAgree: the disk-backed visited set gives the same
// results as the memory one: with a tiny RAM tier; and with everything a
// budget turns on, small enough to act here: a tier that shares its
// memory with the tables (which outgrow the share, so the tier shrinks to
// its floor), a filter capped at 1 KiB (made full, soon answering
// "perhaps" to nearly everything), and the pager unmapping badger's
// tables whenever it looks (Linux), with 2 workers recording while the
// next batch is expanded.
func TestBadgerAndMemoryAgree(t *testing.T) {
	// prodcons with 2 pairs: 15,066 and 28,314 states, past the tier.
	m := loadSrc(t, "pc2.dsu", string(must(family.Generate("prodcons", 2))))
	budgeted := store.BadgerOptions{RAMEntries: 1 << 12, ShareBytes: 64 << 10, FilterBytes: 1 << 10, PageOutAbove: 1, MemBudget: 4 << 20}
	for _, strategy := range []string{"stop-the-world", "max+1"} {
		mem := explore(t, semantics(t, m, strategy, 8), exploreOpts{})
		for i, c := range []struct {
			opts    store.BadgerOptions
			workers int
		}{{store.BadgerOptions{RAMEntries: 16}, 1}, {budgeted, 2}} {
			bs, err := store.OpenBadgerSet(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			disk := explore(t, semantics(t, m, strategy, 8), exploreOpts{visited: bs, workers: c.workers})
			if mem.States != disk.States || mem.Transitions != disk.Transitions || mem.Verdict != disk.Verdict || mem.Depth != disk.Depth {
				t.Errorf("%s, badger %d: memory %d/%d/%d/%v, badger %d/%d/%d/%v", strategy, i, mem.States, mem.Transitions, mem.Depth, mem.Verdict,
					disk.States, disk.Transitions, disk.Depth, disk.Verdict)
			}
		}
	}
}

// TestBounds: --max-depth and --max-states make a search bounded, never
// exhaustive, and a bounded search without violation is Unknown.
func TestBounds(t *testing.T) {
	m := loadFile(t, "../models/prodcons.dsu")
	sem := semantics(t, m, "max+1", 8)
	full := explore(t, sem, exploreOpts{})
	if !full.Exhaustive || full.Verdict != statespace.Holds {
		t.Fatalf("full search: %+v", full)
	}
	cut := explore(t, sem, exploreOpts{maxDepth: 5})
	if cut.Exhaustive || !cut.CutByDepth || cut.Verdict != statespace.Unknown || cut.Depth > 5 || cut.States >= full.States {
		t.Fatalf("depth-bounded search: %+v", cut)
	}
	cut = explore(t, sem, exploreOpts{maxStates: 50})
	if cut.Exhaustive || !cut.CutByStates || cut.Verdict != statespace.Unknown || cut.States != 50 {
		t.Fatalf("state-bounded search: %+v", cut)
	}
	// A capacity of 1 message: the producer is held back all the time, and
	// the verdict is still exhaustive for that capacity.
	small := explore(t, semantics(t, m, "max+1", 1), exploreOpts{})
	if !small.Exhaustive || small.CapacityHits == 0 || small.States >= full.States {
		t.Fatalf("capacity 1: %+v", small)
	}
}

func TestPropertiesCanBeSwitchedOff(t *testing.T) {
	m := loadFile(t, "../models/mathserver.dsu")
	sem := semantics(t, m, "uncoordinated", 8)
	noFid, err := properties.Without([]string{"fidelity"})
	if err != nil {
		t.Fatal(err)
	}
	res := explore(t, sem, exploreOpts{checker: noFid})
	if res.Violation != nil && res.Violation.Property == "fidelity" {
		t.Fatalf("fidelity reported although switched off")
	}
	if res.MixedRuns == 0 {
		t.Fatalf("uncoordinated mathserver should perform runs under mixed versions when fidelity is off")
	}
	none, _ := properties.Without(properties.Names)
	res = explore(t, sem, exploreOpts{checker: none})
	if res.Violation != nil || !res.Exhaustive {
		t.Fatalf("with every property off: %+v", res)
	}
}

func TestExploreHonoursCancellation(t *testing.T) {
	m := loadFile(t, "../models/prodcons.dsu")
	sem := semantics(t, m, "max+1", 8)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q, _ := store.NewQueue(store.SpillOptions{})
	l, _ := store.NewLinks(store.SpillOptions{})
	res, err := statespace.Explore(ctx, sem, statespace.Options{Visited: store.NewMemorySet(), Frontier: q, Links: l, Checker: properties.All(), Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Exhaustive || res.Verdict != statespace.Unknown {
		t.Fatalf("cancelled search: %+v", res)
	}
}

// TestInitialViolationCountsState: a violation in the initial
// configuration (here a runtime error in a thread's first local run) is
// found in a configuration that was reached: the search reports 1 state,
// not 0 (found by a tester; with --continue it already counted it).
func TestInitialViolationCountsState(t *testing.T) {
	m := loadSrc(t, "init.dsu", "protocol P = a -> b: <int>. end\nservice s: P\nthread T { main 1 / 0 }\n")
	res := explore(t, semantics(t, m, "max+1", 2), exploreOpts{})
	if res.Violation == nil || res.Violation.Property != "runtime" || len(res.Violation.Trace) != 0 {
		t.Fatalf("violation %+v, want a runtime error at depth 0", res.Violation)
	}
	if res.States != 1 {
		t.Errorf("%d states, want 1", res.States)
	}
}

// TestCutBeforeLevelEnd: a search cut by MaxStates, or interrupted, while
// it finished the level of a violation on a step found earlier in it says
// the violation is not known to be shortest (Unfinished), and which cut it
// was; a cut that falls after the level's end does not (found by a tester:
// a runtime error 6 steps deep was "shortest" beside an orphan 5 deep).
// Every bound from the level's first batch to one short of the full count
// cuts the level.
func TestCutBeforeLevelEnd(t *testing.T) {
	m := loadFile(t, "testdata/regress/cut-before-level-end.dsu")
	sem := semantics(t, m, "max+1", 8)
	full := explore(t, sem, exploreOpts{})
	if full.Violation == nil || full.Violation.Property != properties.Linearity || len(full.Violation.Trace) != 5 || full.Unfinished {
		t.Fatalf("full search: %+v", full.Violation)
	}
	for _, w := range []int{1, 2} {
		for _, c := range []struct {
			maxStates  int64
			unfinished bool
		}{{5000, true}, {full.States - 1, true}, {full.States, false}} {
			res := explore(t, sem, exploreOpts{maxStates: c.maxStates, workers: w})
			v := res.Violation
			if v == nil || res.Unfinished != c.unfinished || res.Unfinished != res.CutByStates {
				t.Errorf("workers %d, max states %d: violation %v, unfinished %v, cut %v", w, c.maxStates, v, res.Unfinished, res.CutByStates)
				continue
			}
			if want := full.Violation.Property; c.unfinished && (v.Property != properties.Runtime || len(v.Trace) != 6) || !c.unfinished && (v.Property != want || len(v.Trace) != 5) {
				t.Errorf("workers %d, max states %d: %s, %d steps", w, c.maxStates, v.Property, len(v.Trace))
			}
		}
	}
	// Interrupted once the level's first batch (with the runtime error)
	// is recorded.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q, _ := store.NewQueue(store.SpillOptions{})
	l, _ := store.NewLinks(store.SpillOptions{})
	defer q.Close()
	defer l.Close()
	res, err := statespace.Explore(ctx, sem, statespace.Options{
		Visited: store.NewMemorySet(), Frontier: q, Links: l, Checker: properties.All(), Workers: 1,
		Progress: func(p statespace.Progress) {
			if p.Depth >= 5 && p.States > 5000 {
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Violation == nil || !res.Unfinished || !res.Interrupted || res.Exhaustive || len(res.Violation.Trace) != 6 {
		t.Errorf("interrupted: violation %v, unfinished %v, interrupted %v", res.Violation, res.Unfinished, res.Interrupted)
	}
}

// TestCanonicalFixpoint: every configuration a search reaches, however
// deep, is already in the canonical form computed from scratch (the
// explorer normalises only what a step touched: anything a step changes
// that the canonical form of an untouched part reads would leave that part
// stale, and the same configuration could be stored twice). A plain
// breadth-first search through Successors, up to 20,000 configurations a
// model, on every shipped and regression model and on random ones, every
// strategy, the update introduced at any moment, after 3 steps or never.
func TestCanonicalFixpoint(t *testing.T) {
	models := map[string]*model.Model{}
	files, _ := filepath.Glob("../models/*.dsu")
	extra, _ := filepath.Glob("testdata/regress/*.dsu")
	for _, f := range append(files, extra...) {
		models[filepath.Base(f)] = loadFile(t, f)
	}
	for seed := *canonSeed; seed < *canonSeed+uint64(*canonRandom); seed++ {
		cfg := randmodel.Config{}
		if seed%3 == 0 {
			cfg = randmodel.Config{DeviationPercent: -1, MaxDepth: 3}
		}
		name := fmt.Sprintf("random-%d.dsu", seed)
		models[name] = loadSrc(t, name, randmodel.Generate(seed, cfg))
	}
	ats := []statespace.UpdateAt{{Mode: statespace.AtAny}, {Mode: statespace.AtStep, Step: 3}, {Mode: statespace.AtNever}}
	for name, m := range models {
		for _, strategy := range statespace.StrategyNames() {
			for _, at := range ats {
				sem := semantics(t, m, strategy, 3)
				sem.UpdateAt = at
				p := sem.P
				init, _ := sem.Initial()
				seen := map[string]bool{string(p.Encode(nil, init)): true}
				level := []*statespace.Config{init}
				for len(level) > 0 && len(seen) < 20_000 {
					var next []*statespace.Config
					for _, c := range level {
						succs, _ := sem.Successors(c)
						for i := range succs {
							n := succs[i].Next
							k := string(p.Encode(nil, n))
							if seen[k] {
								continue
							}
							seen[k] = true
							if string(p.Encode(nil, sem.CanonicalOf(n))) != k {
								t.Fatalf("%s/%s/%s: a configuration is not in canonical form (the two may differ where the descriptions do not show: run counts of ended roles):\n%s\nfrom scratch:\n%s",
									name, strategy, at, p.Describe(n), p.Describe(sem.CanonicalOf(n)))
							}
							next = append(next, n)
						}
					}
					level = next
				}
			}
		}
	}
}
