package reference_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
	"github.com/mcheck/mcheck/reference"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// The differential test: the optimised explorer (statespace, through the
// pipeline) against the reference interpreter, which shares nothing with it
// but the checked model. On every shipped model, every testdata model, the
// small members of the benchmark families and -diff.random random models,
// for every update, strategy and queue capacity 1-3, both must give the
// same verdict and, for a violation, the same first-violation depth, the
// explorer's property being one of those the reference finds at that depth
// (several can tie). Where safety holds both judge the liveness half of
// update completion: the same verdict, and for a lasso the same length of
// the shortest run to a fair cycle (unless the explorer judged it among
// symmetry representatives, whose lifted lasso need not be the shortest). A long run:
//
//	go test ./reference -run TestDifferential -diff.random 3000 -diff.seed 1000 -timeout 2h
var (
	diffRandom = flag.Int("diff.random", 8, "random models per run of TestDifferential")
	diffSeed   = flag.Uint64("diff.seed", 1, "first seed of the random models")
	diffStates = flag.Int("diff.states", 10_000, "give up on a run beyond this many states")
)

type subject struct {
	name string
	m    *model.Model
	src  string
}

func loadSubject(t testing.TB, name string, src []byte) (subject, bool) {
	m, err := model.Load(name, src)
	if err != nil {
		return subject{}, false
	}
	return subject{name: name, m: m, src: string(src)}, true
}

// fixedSubjects are the shipped models, the testdata models that load, and
// small family members.
func fixedSubjects(t testing.TB) []subject {
	var out []subject
	for _, pat := range []string{"../models/*.dsu", "../statespace/testdata/*/*.dsu", "../model/syntax/testdata/fmt/*.dsu", "testdata/*/*.dsu"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if s, ok := loadSubject(t, f, src); ok {
				out = append(out, s)
			}
		}
	}
	for _, fm := range []struct {
		name  string
		param int
	}{{"prodcons", 1}, {"ring", 2}, {"ring", 3}} {
		src, err := family.Generate(fm.name, fm.param)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := loadSubject(t, fmt.Sprintf("%s-%d.dsu", fm.name, fm.param), src)
		if !ok {
			t.Fatalf("family %s %d does not load", fm.name, fm.param)
		}
		out = append(out, s)
	}
	return out
}

func randomSubject(t testing.TB, seed uint64) subject {
	src := randmodel.Generate(seed, randmodel.Config{})
	s, ok := loadSubject(t, fmt.Sprintf("random-%d.dsu", seed), []byte(src))
	if !ok {
		t.Fatalf("randmodel seed %d does not load:\n%s", seed, src)
	}
	return s
}

// run is one comparison's options.
type run struct {
	update   string // "" no update
	strategy string
	bound    int
	updateAt string
	skip     []string
}

func (r run) String() string {
	s := fmt.Sprintf("--strategy %s --queue-bound %d --update-at %s", r.strategy, r.bound, r.updateAt)
	if r.update != "" {
		s += " --update " + r.update
	}
	if len(r.skip) > 0 {
		s += " --skip " + strings.Join(r.skip, ",")
	}
	return s
}

// outcome is what both sides are compared on.
type outcome struct {
	verdict string // ok, violation, or unknown (too big)
	lasso   bool   // a violation of the liveness half of update completion; depth: its prefix
	anyLen  bool   // a lasso judged among symmetry representatives: its prefix need not be shortest
	depth   int
	props   []string
	detail  string
}

func explorer(t testing.TB, s subject, r run) outcome {
	at, err := statespace.ParseUpdateAt(r.updateAt)
	if err != nil {
		t.Fatal(err)
	}
	// Every other run uses two workers and small batches, so that the
	// next batch is expanded while one is recorded.
	workers, batch := 1, 0
	if len(r.String())%2 == 1 {
		workers, batch = 2, 4
	}
	outs, err := check.Run(context.Background(), s.m, check.Options{
		Strategies: []string{r.strategy}, Update: r.update, UpdateAt: at, QueueBound: r.bound,
		MaxStates: int64(*diffStates), Workers: workers, Batch: batch, Skip: r.skip, Store: store.Options{Kind: store.Memory},
	})
	if err != nil {
		t.Fatalf("%s %s: %v", s.name, r, err)
	}
	res := outs[0].Result
	switch {
	case res.Violation != nil && res.Violation.CycleStart > 0:
		// A lasso: the liveness half of update completion, found after the
		// safety search held exhaustively.
		v := res.Violation
		return outcome{verdict: "violation", lasso: true, anyLen: outs[0].Liveness.Quotient, depth: v.CycleStart - 1, props: []string{v.Property},
			detail: fmt.Sprintf("%d states; safety held, then a liveness lasso: %s", res.States, v.Found)}
	case res.Violation != nil:
		v := res.Violation
		var steps []string
		for _, st := range v.Trace {
			steps = append(steps, fmt.Sprintf("%s %s", st.Thread, st.Action))
		}
		return outcome{verdict: "violation", depth: len(v.Trace), props: []string{v.Property},
			detail: fmt.Sprintf("%s: %s; expected %s; found %s\n    %s", v.Rule, v.Action, v.Expected, v.Found, strings.Join(steps, "\n    "))}
	case !res.Exhaustive:
		return outcome{verdict: "unknown"}
	}
	return outcome{verdict: "ok", depth: -1, detail: fmt.Sprintf("%d states", res.States)}
}

func oracle(t testing.TB, s subject, r run) outcome {
	res, err := reference.Check(s.m, reference.Options{
		Strategy: r.strategy, Update: r.update, UpdateAt: r.updateAt, QueueBound: r.bound, Skip: r.skip, MaxStates: *diffStates,
		Liveness: true,
	})
	if errors.Is(err, reference.ErrTooBig) {
		return outcome{verdict: "unknown"}
	}
	if err != nil {
		t.Fatalf("%s %s: reference: %v", s.name, r, err)
	}
	return outcome{verdict: res.Verdict, lasso: res.Lasso, depth: res.Depth, props: res.Properties,
		detail: fmt.Sprintf("%s (%d states)\n    %s", strings.Join(res.Rules, ", "), res.States, strings.Join(res.Trace, "\n    "))}
}

// compare runs both sides and reports a disagreement. It returns false when
// either side could not finish within -diff.states; lasso says the
// reference found a liveness lasso.
func compare(t *testing.T, s subject, r run) (compared, lasso bool) {
	t.Helper()
	// The explorer first: it is fast, and when it cannot finish within
	// -diff.states the (slower) reference need not try.
	got := explorer(t, s, r)
	if got.verdict == "unknown" {
		return false, false
	}
	want := oracle(t, s, r)
	if want.verdict == "unknown" {
		return false, false
	}
	if strings.Contains(want.detail, "unbounded computation") && !(got.verdict == "violation" && got.props[0] == "runtime") {
		// The reference keeps every local state of a run, so it stops
		// looking for a repeat after 100,000 steps; the explorer finds
		// loops up to about 2^20 steps (regress/long-period-loop.dsu).
		// A longer loop is past the reference's means, as a state space
		// past -diff.states is: not compared.
		return false, false
	}
	agree := got.verdict == want.verdict && got.lasso == want.lasso
	if agree && got.verdict == "violation" {
		agree = (got.depth == want.depth || got.anyLen) && slices.Contains(want.props, got.props[0])
	}
	if !agree {
		t.Errorf("%s %s: explorer and reference disagree\n  explorer:  %s (lasso %v) %v depth %d: %s\n  reference: %s (lasso %v) %v depth %d: %s\n--- model\n%s",
			s.name, r, got.verdict, got.lasso, got.props, got.depth, got.detail, want.verdict, want.lasso, want.props, want.depth, want.detail, s.src)
	}
	return true, want.lasso
}

// runsOf lists the comparisons made on a model: every update (or none),
// strategy and capacity 1-3; with extra, also --update-at never and step:2,
// and each of fidelity and runtime switched off.
func runsOf(m *model.Model, extra bool) []run {
	updates := []string{""}
	if len(m.Updates) > 0 {
		updates = nil
		for _, u := range m.Updates {
			updates = append(updates, u.Name)
		}
	}
	strategies := statespace.StrategyNames()
	var out []run
	for _, u := range updates {
		ss := strategies
		if u == "" {
			ss = ss[:1]
		}
		for _, st := range ss {
			for bound := 1; bound <= 3; bound++ {
				out = append(out, run{update: u, strategy: st, bound: bound, updateAt: "any"})
			}
			if extra {
				out = append(out,
					run{update: u, strategy: st, bound: 2, updateAt: "never"},
					run{update: u, strategy: st, bound: 2, updateAt: "step:2"},
					run{update: u, strategy: st, bound: 2, updateAt: "any", skip: []string{"fidelity"}},
					run{update: u, strategy: st, bound: 2, updateAt: "any", skip: []string{"runtime", "progress"}},
				)
			}
		}
	}
	return out
}

func TestDifferentialFixed(t *testing.T) {
	compared, skipped, lassos := 0, 0, 0
	for _, s := range fixedSubjects(t) {
		t.Run(filepath.Base(s.name), func(t *testing.T) {
			for _, r := range runsOf(s.m, true) {
				ok, lasso := compare(t, s, r)
				switch {
				case !ok:
					skipped++
				case lasso:
					lassos++
					fallthrough
				default:
					compared++
				}
			}
		})
	}
	t.Logf("%d runs compared (%d liveness lassos), %d too big for -diff.states %d", compared, lassos, skipped, *diffStates)
	if compared == 0 || lassos == 0 {
		t.Fatal("nothing compared, or no liveness lasso among what was")
	}
}

func TestDifferential(t *testing.T) {
	compared, skipped, lassos := 0, 0, 0
	for seed := *diffSeed; seed < *diffSeed+uint64(*diffRandom); seed++ {
		s := randomSubject(t, seed)
		t.Run(s.name, func(t *testing.T) {
			for _, r := range runsOf(s.m, seed%4 == 0) {
				ok, lasso := compare(t, s, r)
				switch {
				case !ok:
					skipped++
				case lasso:
					lassos++
					fallthrough
				default:
					compared++
				}
			}
		})
	}
	t.Logf("%d runs compared (%d liveness lassos) on %d random models, %d too big", compared, lassos, *diffRandom, skipped)
}

// FuzzDifferential compares both sides on random models; the fuzzer picks
// the seed, the capacity and the strategy.
func FuzzDifferential(f *testing.F) {
	for seed := uint64(1); seed <= 8; seed++ {
		f.Add(seed, uint8(seed%3+1), uint8(seed%3))
	}
	strategies := statespace.StrategyNames()
	f.Fuzz(func(t *testing.T, seed uint64, bound, strategy uint8) {
		s := randomSubject(t, seed)
		r := run{strategy: strategies[int(strategy)%len(strategies)], bound: int(bound%3) + 1, updateAt: "any"}
		if len(s.m.Updates) > 0 {
			r.update = s.m.Updates[int(seed)%len(s.m.Updates)].Name
		}
		compare(t, s, r)
	})
}
