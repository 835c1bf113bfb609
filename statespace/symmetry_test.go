package statespace_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

// symSubjects are models with symmetry (and some without): the testdata
// ones, prodcons with 2 and 3 pairs, and random models.
func symSubjects(t *testing.T) map[string]*model.Model {
	out := map[string]*model.Model{}
	files, _ := filepath.Glob("testdata/symmetry/*.dsu")
	more, _ := filepath.Glob("testdata/regress/*.dsu")
	shipped, _ := filepath.Glob("../models/*.dsu")
	for _, f := range append(append(files, more...), shipped...) {
		out[f] = loadFile(t, f)
	}
	for _, k := range []int{2} {
		src, err := family.Generate("prodcons", k)
		if err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("prodcons-%d", k)] = loadSrc(t, fmt.Sprintf("prodcons-%d.dsu", k), string(src))
	}
	for seed := uint64(1); seed <= 20; seed++ {
		name := fmt.Sprintf("random-%d", seed)
		out[name] = loadSrc(t, name+".dsu", randmodel.Generate(seed, randmodel.Config{}))
	}
	return out
}

// TestSymmetrySound explores every subject under every strategy with and
// without symmetry reduction: the verdicts, the property and rule broken
// and the length of the shortest counterexample agree, the reduced search
// has no more states, and its counterexample is a real run (it replays
// without the reduction to the same violation, which replayViolation
// checks).
func TestSymmetrySound(t *testing.T) {
	found := 0
	for name, m := range symSubjects(t) {
		for _, strategy := range statespace.StrategyNames() {
			sem := semantics(t, m, strategy, 3)
			sym := sem.P.DetectSymmetry()
			if sym == nil {
				continue
			}
			found++
			plain := explore(t, sem, exploreOpts{workers: 1, maxStates: 300000})
			red := *sem
			red.Sym = sym
			got := explore(t, &red, exploreOpts{workers: 2, maxStates: 300000})
			where := fmt.Sprintf("%s/%s (%v)", name, strategy, sym.Describe())
			if plain.Verdict == statespace.Unknown {
				continue // cut: nothing to compare
			}
			if plain.Verdict != got.Verdict {
				t.Errorf("%s: verdict %v without symmetry, %v with", where, plain.Verdict, got.Verdict)
				continue
			}
			if got.States > plain.States {
				t.Errorf("%s: %d states with symmetry, %d without", where, got.States, plain.States)
			}
			if plain.Violation == nil {
				continue
			}
			pv, gv := plain.Violation, got.Violation
			if pv.Property != gv.Property || pv.Rule != gv.Rule || len(pv.Trace) != len(gv.Trace) {
				t.Errorf("%s: %s/%s in %d steps without symmetry, %s/%s in %d with", where, pv.Property, pv.Rule, len(pv.Trace), gv.Property, gv.Rule, len(gv.Trace))
			}
			// The trace is a real run: it replays without the reduction.
			tr, err := statespace.ReplayPath(sem, gv.Path)
			if err != nil || len(tr.Steps) != len(gv.Trace) {
				t.Errorf("%s: the reduced search's trace does not replay without it: %v", where, err)
			}
		}
	}
	if found < 6 {
		t.Fatalf("symmetry found in only %d runs", found)
	}
}

// TestSymmetryPinnedIntroduction: the symmetric testdata models with the
// introduction pinned at each of the first steps (--update-at step:K) give
// the same verdicts and counterexample lengths with and without symmetry,
// and the reduced counterexamples map to real runs (pinned-introduction.dsu
// stopped with an internal error here).
func TestSymmetryPinnedIntroduction(t *testing.T) {
	files, _ := filepath.Glob("testdata/symmetry/*.dsu")
	for _, f := range files {
		m := loadFile(t, f)
		for _, strategy := range statespace.StrategyNames() {
			for k := 0; k <= 5; k++ {
				sem := semantics(t, m, strategy, 2)
				sem.UpdateAt = statespace.UpdateAt{Mode: statespace.AtStep, Step: k}
				sym := sem.P.DetectSymmetry()
				if sym == nil {
					t.Fatalf("%s: no symmetry", f)
				}
				plain := explore(t, sem, exploreOpts{workers: 1, maxStates: 100000})
				red := *sem
				red.Sym = sym
				got := explore(t, &red, exploreOpts{workers: 1, maxStates: 100000})
				where := fmt.Sprintf("%s/%s/step:%d", f, strategy, k)
				if plain.Verdict != got.Verdict {
					t.Errorf("%s: %v without symmetry, %v with", where, plain.Verdict, got.Verdict)
					continue
				}
				if pv, gv := plain.Violation, got.Violation; pv != nil && (pv.Property != gv.Property || len(pv.Trace) != len(gv.Trace)) {
					t.Errorf("%s: %s in %d steps without symmetry, %s in %d with", where, pv.Property, len(pv.Trace), gv.Property, len(gv.Trace))
				}
			}
		}
	}
}

// TestSymmetryDetected: what DetectSymmetry finds, and what it must not.
func TestSymmetryDetected(t *testing.T) {
	for _, c := range []struct {
		name string
		m    *model.Model
		want string
	}{
		{"prodcons-3", loadSrc(t, "pc3.dsu", string(must(family.Generate("prodcons", 3)))), "[{Producer1, Consumer1} ~ {Producer2, Consumer2} ~ {Producer3, Consumer3}]"},
		{"mathservers", loadFile(t, "testdata/symmetry/mathservers.dsu"), "[{P1, P2} ~ {Q1, Q2}]"},
		{"clients", loadFile(t, "testdata/symmetry/clients.dsu"), "[{C1} ~ {C2} ~ {C3}]"},
		{"clients-written-apart", loadFile(t, "testdata/symmetry/clients-written-apart.dsu"), "[{C1} ~ {C2} ~ {C3}]"},
		{"mathserver", loadFile(t, "../models/mathserver.dsu"), "none"},
		{"twin-pairs", loadFile(t, "testdata/regress/symmetry-twin-pairs.dsu"), "[{T1} ~ {U1} {T2} ~ {U2}]"},
		{"ring-4", loadSrc(t, "ring4.dsu", string(must(family.Generate("ring", 4)))), "none"},
	} {
		p := semantics(t, c.m, "max+1", 3).P
		got := "none"
		if s := p.DetectSymmetry(); s != nil {
			got = fmt.Sprint(s.Describe())
		}
		if got != c.want {
			t.Errorf("%s: symmetry %s, want %s", c.name, got, c.want)
		}
	}
}

// TestSymmetryWrittenApart: three alike clients written three ways (other
// names and order of functions, other order of a case's branches) keep as
// many representatives, with the same verdicts at the same depths, as the
// same three written alike (C1's code copied to C2 and C3), under every
// strategy; and without symmetry, as many configurations.
func TestSymmetryWrittenApart(t *testing.T) {
	src, err := os.ReadFile("testdata/symmetry/clients-written-apart.dsu")
	if err != nil {
		t.Fatal(err)
	}
	apart := loadSrc(t, "apart.dsu", string(src))
	alike := loadSrc(t, "alike.dsu", strings.NewReplacer(
		"fun answer(y) = receive(y, srv)", "fun reply(x) = receive(x, srv)",
		"fun question(n) = let y = request(s, {c, srv}, c) in send(y, srv, n); answer(y)", "fun ask(k) = let x = request(s, {c, srv}, c) in send(x, srv, k); reply(x)",
		"question(1); question(2)", "ask(1); ask(2)",
		"fun answer(y) = case(y, srv, { ok: receive(y, srv), no: 0 })", "fun reply(x) = case(x, srv, { ok: receive(x, srv), no: 0 })",
		"{ no: 0, ok: receive(x, srv) }", "{ ok: receive(x, srv), no: 0 }",
	).Replace(string(src)))
	for _, strategy := range []string{"uncoordinated", "stop-the-world", "max+1"} {
		for _, reduce := range []bool{false, true} {
			var res [2]*statespace.Result
			for i, m := range []*model.Model{apart, alike} {
				sem := semantics(t, m, strategy, 2)
				if reduce {
					if sem.Sym = sem.P.DetectSymmetry(); sem.Sym == nil {
						t.Fatalf("%s: no symmetry found", []string{"apart", "alike"}[i])
					}
				}
				res[i] = explore(t, sem, exploreOpts{workers: 1})
			}
			a, b := res[0], res[1]
			if a.States != b.States || a.Transitions != b.Transitions || (a.Violation == nil) != (b.Violation == nil) ||
				(a.Violation != nil && len(a.Violation.Path) != len(b.Violation.Path)) {
				t.Errorf("%s, symmetry %v: written apart %d configurations, %d transitions, violation %v; written alike %d, %d, %v",
					strategy, reduce, a.States, a.Transitions, a.Violation != nil, b.States, b.Transitions, b.Violation != nil)
			}
		}
	}
}

// TestSymmetryTwoClassesOfOneShape: blocks of one shape that fall into
// two classes of interchangeable blocks (two pairs of alike clients, each
// pair on a shared service of its own) are both reduced: 576
// representatives of the 1,764 configurations (the model's header derives
// both), not 1,008 (only the first class, as detection used to find).
func TestSymmetryTwoClassesOfOneShape(t *testing.T) {
	m := loadFile(t, "testdata/regress/symmetry-twin-pairs.dsu")
	checker, err := properties.Without([]string{"progress"})
	if err != nil {
		t.Fatal(err)
	}
	sem := semantics(t, m, "max+1", 8)
	sem.Sym = sem.P.DetectSymmetry()
	got := explore(t, sem, exploreOpts{workers: 2, checker: checker})
	if !got.Exhaustive || got.Violation != nil || got.States != 576 {
		t.Errorf("%d representatives (exhaustive %v, violation %v), want 576, exhaustive, none", got.States, got.Exhaustive, got.Violation)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestSymmetryReduces: prodcons with 3 pairs under max+1 has at least 4
// times fewer states with symmetry (at capacity 2, to be quick; the
// benchmarks measure capacity 6): 3 interchangeable pairs make orbits of at
// most 6 configurations (7,765 against 42,772 states). Before the canonical
// form ordered sessions by service and holders, the unreduced search also
// told apart the orders in which the pairs had opened their sessions
// (190,745 states), and the test asked for 10 times fewer.
func TestSymmetryReduces(t *testing.T) {
	m := loadSrc(t, "pc3.dsu", string(must(family.Generate("prodcons", 3))))
	sem := semantics(t, m, "max+1", 2)
	plain := explore(t, sem, exploreOpts{workers: 2})
	red := *sem
	red.Sym = sem.P.DetectSymmetry()
	got := explore(t, &red, exploreOpts{workers: 2})
	if !got.Exhaustive || !plain.Exhaustive || got.States*4 > plain.States {
		t.Fatalf("%d states with symmetry, %d without: want 4 times fewer", got.States, plain.States)
	}
	t.Logf("%d -> %d states (%.1fx)", plain.States, got.States, float64(plain.States)/float64(got.States))
}

// double returns src with a second copy of every thread and service
// (names suffixed with Two), the update moving and rebodying the copies as
// it does the originals: a model whose two halves are interchangeable.
func double(src string) string {
	lines := strings.Split(src, "\n")
	svc := regexp.MustCompile(`^(\s*)service\s+(\w+)\s*:\s*(\w+)\s*$`)
	thr := regexp.MustCompile(`^(\s*)thread\s+(\w+)\s*\{`)
	var services []string
	for _, l := range lines {
		if m := svc.FindStringSubmatch(l); m != nil && !slices.Contains(services, m[2]) {
			services = append(services, m[2])
		}
	}
	rename := func(l string) string {
		l = thr.ReplaceAllString(l, "${1}thread ${2}Two {")
		l = svc.ReplaceAllString(l, "${1}service ${2}Two: ${3}")
		for _, s := range services {
			l = regexp.MustCompile(`\b(request|accept)\(\s*`+s+`\s*,`).ReplaceAllString(l, "${1}("+s+"Two,")
		}
		return l
	}
	var out []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		out = append(out, l)
		if svc.MatchString(l) {
			out = append(out, rename(l))
			continue
		}
		if !thr.MatchString(l) {
			continue
		}
		// Copy the thread's block, to its closing brace.
		block := []string{l}
		depth := strings.Count(l, "{") - strings.Count(l, "}")
		for depth > 0 && i+1 < len(lines) {
			i++
			block = append(block, lines[i])
			out = append(out, lines[i])
			depth += strings.Count(lines[i], "{") - strings.Count(lines[i], "}")
		}
		for _, b := range block {
			out = append(out, rename(b))
		}
	}
	return strings.Join(out, "\n")
}

// reorderThreads moves src's top-level thread blocks into the order that
// order gives their names, each block to the place of another: what else
// the model declares stays where it is.
func reorderThreads(src string, order func(names []string) []string) string {
	lines := strings.Split(src, "\n")
	thr := regexp.MustCompile(`^thread\s+(\w+)\s*\{`)
	type block struct{ from, to int } // lines [from, to)
	var blocks []block
	names := []string{}
	for i, depth := 0, 0; i < len(lines); i++ {
		code, _, _ := strings.Cut(lines[i], "#")
		if m := thr.FindStringSubmatch(code); m != nil && depth == 0 {
			b := block{from: i}
			d := strings.Count(code, "{") - strings.Count(code, "}")
			for d > 0 && i+1 < len(lines) {
				i++
				c, _, _ := strings.Cut(lines[i], "#")
				d += strings.Count(c, "{") - strings.Count(c, "}")
			}
			b.to = i + 1
			blocks = append(blocks, b)
			names = append(names, m[1])
			continue
		}
		depth += strings.Count(code, "{") - strings.Count(code, "}")
	}
	byName := map[string]block{}
	for i, n := range names {
		byName[n] = blocks[i]
	}
	var out []string
	next := 0
	for k, b := range blocks {
		out = append(out, lines[next:b.from]...)
		nb := byName[order(slices.Clone(names))[k]]
		out = append(out, lines[nb.from:nb.to]...)
		next = b.to
	}
	out = append(out, lines[next:]...)
	return strings.Join(out, "\n")
}

// TestSymmetrySoundDoubled: random models doubled (two interchangeable
// halves) give the same verdicts, properties and counterexample lengths with
// and without symmetry reduction, and the reduction finds the two halves.
func TestSymmetrySoundDoubled(t *testing.T) {
	found := 0
	compared := 0
	for seed := uint64(1); seed <= 12; seed++ {
		src := double(randmodel.Generate(seed, randmodel.Config{MaxServices: 1, MaxDepth: 3}))
		m, err := model.Load("doubled.dsu", []byte(src))
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, src)
		}
		for _, strategy := range statespace.StrategyNames() {
			sem := semantics(t, m, strategy, 2)
			sym := sem.P.DetectSymmetry()
			if sym == nil {
				continue
			}
			found++
			plain := explore(t, sem, exploreOpts{workers: 1, maxStates: 40000})
			if plain.Verdict == statespace.Unknown {
				continue
			}
			compared++
			red := *sem
			red.Sym = sym
			got := explore(t, &red, exploreOpts{workers: 2})
			where := fmt.Sprintf("seed %d/%s (%v)", seed, strategy, sym.Describe())
			if plain.Verdict != got.Verdict || got.States > plain.States {
				t.Errorf("%s: %v in %d states without symmetry, %v in %d with", where, plain.Verdict, plain.States, got.Verdict, got.States)
				continue
			}
			if pv, gv := plain.Violation, got.Violation; pv != nil && (pv.Property != gv.Property || pv.Rule != gv.Rule || len(pv.Trace) != len(gv.Trace)) {
				t.Errorf("%s: %s/%s in %d steps without symmetry, %s/%s in %d with", where, pv.Property, pv.Rule, len(pv.Trace), gv.Property, gv.Rule, len(gv.Trace))
			}
		}
	}
	if found < 30 || compared < 15 {
		t.Fatalf("symmetry found in only %d of the doubled runs, %d compared", found, compared)
	}
	t.Logf("symmetry in %d doubled runs, %d compared", found, compared)
}

// TestSymmetryOrbitsExact: the search among representatives reaches
// exactly the orbits of the configurations the plain search reaches: every
// representative it keeps is in the orbit of a reachable configuration
// (nothing invented: a representative renamed wrongly would be a
// configuration of no run), and every reachable configuration's orbit has
// a representative it keeps (nothing lost). Orbits are compared by their
// representatives computed from scratch, and, where an orbit keeps two
// (README, "Symmetry"), by sameOrbit. Plain breadth-first searches through
// Successors, up to 20,000 configurations, on the symmetric subjects and
// doubled random models, every strategy.
func TestSymmetryOrbitsExact(t *testing.T) {
	subjects := symSubjects(t)
	for seed := uint64(1); seed <= uint64(*symRandom); seed++ {
		name := fmt.Sprintf("doubled-%d", seed)
		subjects[name] = loadSrc(t, name+".dsu", double(randmodel.Generate(seed, randmodel.Config{MaxServices: 1, MaxDepth: 3})))
	}
	reach := func(sem *statespace.Semantics) ([]*statespace.Config, bool) {
		init, _ := sem.Initial()
		seen := map[string]bool{string(sem.P.Encode(nil, init)): true}
		all := []*statespace.Config{init}
		for level := all; len(level) > 0; {
			var next []*statespace.Config
			for _, c := range level {
				succs, _ := sem.Successors(c)
				for i := range succs {
					k := string(sem.P.Encode(nil, succs[i].Next))
					if !seen[k] {
						seen[k] = true
						next = append(next, succs[i].Next)
					}
				}
			}
			if len(seen) > *symOrbitCap {
				return nil, false
			}
			all = append(all, next...)
			level = next
		}
		return all, true
	}
	nothing, err := properties.Without(properties.Names)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for name, m := range subjects {
		for _, strategy := range statespace.StrategyNames() {
			sem := semantics(t, m, strategy, 3)
			sym := sem.P.DetectSymmetry()
			if sym == nil {
				continue
			}
			red := *sem
			red.Sym = sym
			// The plain search orders sessions as the reduced one does
			// (ties among interchangeable threads' in order of creation),
			// so that a representative computed from scratch is the one
			// the reduced search would keep.
			plainSem := red.Unreduced()
			plain, ok1 := reach(plainSem)
			reps, ok2 := reach(&red)
			if !ok1 || !ok2 {
				continue
			}
			found++
			where := fmt.Sprintf("%s/%s", name, strategy)
			// The explorer takes the same representatives (it computes
			// them from the parent's, in an arena: canonicalFrom's reuse).
			if res := explore(t, &red, exploreOpts{checker: nothing, workers: 1}); res.States != int64(len(reps)) {
				t.Fatalf("%s: the explorer keeps %d representatives, Successors %d", where, res.States, len(reps))
			}
			orbits := func(cs []*statespace.Config) map[string]bool {
				out := map[string]bool{}
				for _, c := range cs {
					out[string(red.SymRepOf(c))] = true
				}
				return out
			}
			plainOrbits, repOrbits := orbits(plain), orbits(reps)
			// in reports whether c's orbit is among those of cs (by its
			// representative, or by sameOrbit with one of theirs).
			in := func(c *statespace.Config, known map[string]bool) bool {
				if known[string(red.SymRepOf(c))] {
					return true
				}
				for r := range known {
					if red.SameOrbit(c, []byte(r)) {
						return true
					}
				}
				return false
			}
			for _, c := range reps {
				if !in(c, plainOrbits) {
					t.Fatalf("%s: a representative in no reachable configuration's orbit:\n%s", where, red.P.Describe(c))
				}
			}
			for _, c := range plain {
				if !in(c, repOrbits) {
					t.Fatalf("%s: a reachable configuration whose orbit has no representative:\n%s", where, plainSem.P.Describe(c))
				}
			}
		}
	}
	if found < 6 {
		t.Fatalf("symmetry found in only %d runs", found)
	}
	t.Logf("%d symmetric runs compared", found)
}

// symOrbitCap is the most configurations TestSymmetryOrbitsExact's
// searches may reach (a subject with more is left out): 19 of the
// subjects' symmetric runs at 2,000 (6 s), 37 at 5,000, 55 at 20,000
// (42 s).
var symRandom = flag.Int("sym.random", 20, "doubled random models of TestSymmetryOrbitsExact")

var symOrbitCap = flag.Int("sym.cap", 2_000, "most configurations of TestSymmetryOrbitsExact's searches")
