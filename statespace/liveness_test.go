package statespace_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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

// A live line in a liveness model's header states the hand-derived verdict
// of the liveness half of update completion (the model's `# want` lines
// state its safety verdicts, which must be ok where liveness is judged):
//
//	# live STRATEGIES [--queue-bound N] [--update-at W]: ok
//	# live STRATEGIES [flags]: never-applies [prefix P] [cycle C] [threads A,B]
//
// P is the length of the shortest run to the cycle, C the length of the
// cycle reported, A,B the participants that never apply in it.
type liveWant struct {
	line       int
	strategies []string
	bound      int
	updateAt   string
	verdict    string
	prefix     int // -1: not stated
	cycle      int
	threads    []string
}

var liveRx = regexp.MustCompile(`^#\s*live\s+(\S+)((?:\s+--[a-z-]+\s+\S+)*)\s*:\s*(ok|never-applies)((?:\s+(?:prefix|cycle|threads)\s+\S+)*)\s*$`)

func parseLive(t testing.TB, path string) []liveWant {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []liveWant
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "# live") {
			continue
		}
		m := liveRx.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("%s:%d: malformed live line %q", path, i+1, line)
		}
		w := liveWant{line: i + 1, bound: 8, updateAt: "any", verdict: m[3], prefix: -1, cycle: -1}
		if m[1] == "all" {
			w.strategies = statespace.StrategyNames()
		} else {
			w.strategies = strings.Split(m[1], ",")
		}
		f := strings.Fields(m[2])
		for k := 0; k+1 < len(f); k += 2 {
			switch f[k] {
			case "--queue-bound":
				w.bound, err = strconv.Atoi(f[k+1])
			case "--update-at":
				w.updateAt = f[k+1]
			default:
				err = fmt.Errorf("unknown flag %s", f[k])
			}
			if err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
		}
		f = strings.Fields(m[4])
		for k := 0; k+1 < len(f); k += 2 {
			switch f[k] {
			case "prefix":
				w.prefix, _ = strconv.Atoi(f[k+1])
			case "cycle":
				w.cycle, _ = strconv.Atoi(f[k+1])
			case "threads":
				w.threads = strings.Split(f[k+1], ",")
			}
		}
		out = append(out, w)
	}
	return out
}

// TestLiveness checks every model under testdata/liveness against the
// verdicts its header derives by hand: safety first (it must hold for
// liveness to be judged), then liveness; every lasso is checked by
// validateLasso, independently of how it was found.
func TestLiveness(t *testing.T) {
	files, _ := filepath.Glob("testdata/liveness/*.dsu")
	if len(files) == 0 {
		t.Fatal("no liveness models")
	}
	for _, f := range files {
		wants := parseLive(t, f)
		if len(wants) == 0 {
			t.Errorf("%s: no live lines", f)
			continue
		}
		m := loadFile(t, f)
		for _, w := range wants {
			for _, strategy := range w.strategies {
				t.Run(fmt.Sprintf("%s:%d/%s", filepath.Base(f), w.line, strategy), func(t *testing.T) {
					sem := semantics(t, m, strategy, w.bound)
					at, err := statespace.ParseUpdateAt(w.updateAt)
					if err != nil {
						t.Fatal(err)
					}
					sem.UpdateAt = at
					res := explore(t, sem, exploreOpts{maxStates: 200_000})
					if res.Violation != nil || !res.Exhaustive {
						t.Fatalf("safety: %v (exhaustive %v), want ok: liveness is judged once safety holds", res.Violation, res.Exhaustive)
					}
					v, st := liveSpilled(t, sem, statespace.LiveOptions{MaxStates: 200_000})
					if st.Cut || st.Interrupted {
						t.Fatalf("liveness check cut: %+v", st)
					}
					if st.States != res.States {
						t.Errorf("liveness explored %d configurations, safety %d", st.States, res.States)
					}
					checkLiveWant(t, sem, w, v)
				})
			}
		}
	}
}

// TestLivenessModelsSafety checks the `# want` lines (safety verdicts) of
// the liveness models, as TestRegressions does for testdata/regress.
func TestLivenessModelsSafety(t *testing.T) {
	files, _ := filepath.Glob("testdata/liveness/*.dsu")
	for _, f := range files {
		m := loadFile(t, f)
		for _, w := range parseWants(t, f) {
			for _, strategy := range w.strategies {
				t.Run(fmt.Sprintf("%s:%d/%s", filepath.Base(f), w.line, strategy), func(t *testing.T) {
					sem := semantics(t, m, strategy, w.bound)
					at, err := statespace.ParseUpdateAt(w.updateAt)
					if err != nil {
						t.Fatal(err)
					}
					sem.UpdateAt = at
					checker, err := properties.Without(w.skip)
					if err != nil {
						t.Fatal(err)
					}
					res := explore(t, sem, exploreOpts{checker: checker, maxStates: 200_000})
					got := "ok"
					if res.Violation != nil {
						got = res.Violation.Property
					}
					if got != w.verdict || (got == "ok" && !res.Exhaustive) {
						t.Fatalf("verdict %s (exhaustive %v), want %s", got, res.Exhaustive, w.verdict)
					}
				})
			}
		}
	}
}

func checkLiveWant(t *testing.T, sem *statespace.Semantics, w liveWant, v *statespace.Violation) {
	t.Helper()
	if w.verdict == "ok" {
		if v != nil {
			t.Fatalf("liveness violation, want ok: %s (%d steps, cycle from step %d)\n%s", v.Found, len(v.Trace), v.CycleStart, traceText(v))
		}
		return
	}
	if v == nil {
		t.Fatal("no liveness violation, want never-applies")
	}
	if v.Property != properties.UpdateCompletion || v.Rule != statespace.RuleNeverApplies {
		t.Fatalf("violation %s / %s, want %s / %s", v.Property, v.Rule, properties.UpdateCompletion, statespace.RuleNeverApplies)
	}
	never := validateLasso(t, sem, v)
	again, err := statespace.JudgeLasso(sem, v.Path, v.CycleStart)
	if err != nil || again == nil || again.Found != v.Found || again.CycleStart != v.CycleStart {
		t.Errorf("JudgeLasso on the lasso found: %v, %v", again, err)
	}
	if len(v.Path) > 1 {
		// Without its last step the cycle does not close.
		if bad, _ := statespace.JudgeLasso(sem, v.Path[:len(v.Path)-1], min(v.CycleStart, len(v.Path)-1)); bad != nil {
			t.Errorf("JudgeLasso accepts a path whose cycle does not close")
		}
		if why := statespace.WhyNotLasso(sem, v.Path[:len(v.Path)-1], min(v.CycleStart, len(v.Path)-1)); why == "" {
			t.Errorf("WhyNotLasso gives no reason for a path whose cycle does not close")
		}
	}
	if why := statespace.WhyNotLasso(sem, v.Path, v.CycleStart); why != "" {
		t.Errorf("WhyNotLasso on the lasso found: %s", why)
	}
	prefix, cycle := v.CycleStart-1, len(v.Trace)-v.CycleStart+1
	if w.prefix >= 0 && prefix != w.prefix {
		t.Errorf("prefix of %d steps, want %d\n%s", prefix, w.prefix, traceText(v))
	}
	if w.cycle >= 0 && cycle != w.cycle {
		t.Errorf("cycle of %d steps, want %d\n%s", cycle, w.cycle, traceText(v))
	}
	if w.threads != nil && !slices.Equal(never, w.threads) {
		t.Errorf("never applied by %v, want %v", never, w.threads)
	}
	if v.Thread != never[0] {
		t.Errorf("thread %s, want %s", v.Thread, never[0])
	}
}

func traceText(v *statespace.Violation) string {
	var b strings.Builder
	for _, s := range v.Trace {
		mark := "  "
		if s.Step == v.CycleStart {
			mark = "->"
		}
		fmt.Fprintf(&b, "%s %3d %-10s %s\n", mark, s.Step, s.Thread, s.Action)
	}
	return b.String()
}

// validateLasso replays a lasso and checks, from the semantics alone, that
// it is one: its path is a run whose last configuration is the one its
// cycle starts from; every configuration of the cycle is after the
// introduction with the same participants not applied (and at least one);
// none of them offers an apply or a barrier release; and the cycle is
// weakly fair: every thread moves in it or is disabled at one of its
// configurations. It returns the participants that never apply.
func validateLasso(t *testing.T, sem *statespace.Semantics, v *statespace.Violation) []string {
	t.Helper()
	if v.CycleStart < 1 || v.CycleStart > len(v.Path) || len(v.Trace) != len(v.Path) {
		t.Fatalf("not a lasso: cycle start %d, %d steps, path of %d", v.CycleStart, len(v.Trace), len(v.Path))
	}
	p := sem.P
	c, _ := sem.Initial()
	var cycle []*statespace.Config
	var moved []bool
	for i, s := range v.Path {
		succs, _ := sem.Successors(c)
		if int(s) >= len(succs) {
			t.Fatalf("step %d: successor %d of %d", i+1, s, len(succs))
		}
		if i+1 >= v.CycleStart {
			if cycle == nil {
				moved = make([]bool, len(c.Threads))
			}
			cycle = append(cycle, c)
			a := succs[s].Action
			if a.Thread >= 0 {
				moved[a.Thread] = true
			}
			for _, u := range a.Threads {
				moved[u] = true
			}
		}
		c = succs[s].Next
	}
	if string(p.Encode(nil, c)) != string(p.Encode(nil, cycle[0])) {
		t.Fatalf("the cycle does not close: it ends in\n%s\nand starts from\n%s", p.Describe(c), p.Describe(cycle[0]))
	}
	pendingOf := func(c *statespace.Config) []string {
		var out []string
		for u, th := range c.Threads {
			if th.Participant && th.HeapVer == 0 && th.Status == statespace.Running {
				out = append(out, p.Threads[u].Name)
			}
		}
		slices.Sort(out)
		return out
	}
	never := pendingOf(cycle[0])
	if !cycle[0].Upd.Introduced || len(never) == 0 {
		t.Fatalf("the cycle starts before the introduction or with every participant applied or finished")
	}
	disabled := make([]bool, len(moved))
	for _, cc := range cycle {
		if got := pendingOf(cc); !slices.Equal(got, never) {
			t.Fatalf("pending participants change along the cycle: %v, then %v", never, got)
		}
		succs, _ := sem.Successors(cc)
		enabled := make([]bool, len(moved))
		for _, s := range succs {
			switch s.Action.Kind {
			case statespace.ActApply, statespace.ActRelease:
				t.Fatalf("a participant can apply at a configuration of the cycle (%s): not fair\n%s", p.DescribeAction(cc, &s), p.Describe(cc))
			case statespace.ActStart:
				for _, u := range s.Action.Threads {
					enabled[u] = true
				}
			default:
				if s.Action.Thread >= 0 {
					enabled[s.Action.Thread] = true
				}
			}
		}
		for u := range enabled {
			disabled[u] = disabled[u] || !enabled[u]
		}
	}
	for u := range moved {
		if !moved[u] && !disabled[u] {
			t.Errorf("not fair: thread %s is enabled all along the cycle and never moves", p.Threads[u].Name)
		}
	}
	if v.Thread == "" || !strings.Contains(v.Found, strings.Join(never, ", ")) {
		t.Errorf("the report names %q / %q, the cycle leaves %v unapplied", v.Thread, v.Found, never)
	}
	return never
}

// TestLivenessDifferential compares CheckLiveness with a naive judge on
// random models where safety holds: for every configuration that may lie on
// a fair cycle it computes its strongly connected component as the states
// both reachable from it and reaching it (forward and backward search over
// a graph built afresh from the semantics), and checks weak fairness there.
// The verdicts must agree, and so must the length of the shortest run to a
// fair component.
func TestLivenessDifferential(t *testing.T) {
	const maxStates = 3000
	seeds := 100
	if testing.Short() {
		seeds = 40
	}
	judged, violations := 0, 0
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		src := randmodel.Generate(seed, randmodel.Config{DeviationPercent: -1, MaxDepth: 3})
		if seed%2 == 0 {
			// A thread that computes for ever: stuck configurations
			// become cycles, judged by fairness.
			src += "\nthread LiveTicker {\n  fun tick(k) = tick((k + 1) % 2)\n  main tick(0)\n}\n"
		}
		m, err := model.Load("rand.dsu", []byte(src))
		if err != nil || len(m.Updates) == 0 {
			continue
		}
		for _, strategy := range statespace.StrategyNames() {
			sem := semantics(t, m, strategy, 1+int(seed%3))
			res := explore(t, sem, exploreOpts{maxStates: maxStates})
			if res.Violation != nil || !res.Exhaustive {
				continue
			}
			v, _ := liveSpilled(t, sem, statespace.LiveOptions{})
			want := naiveLiveness(sem)
			judged++
			switch {
			case (v != nil) != (want >= 0):
				t.Errorf("seed %d %s: CheckLiveness says violation=%v, the naive judge %v (shortest prefix %d)\n%s", seed, strategy, v != nil, want >= 0, want, src)
			case v != nil:
				violations++
				validateLasso(t, sem, v)
				if v.CycleStart-1 != want {
					t.Errorf("seed %d %s: prefix %d, the naive judge %d", seed, strategy, v.CycleStart-1, want)
				}
			}
		}
	}
	t.Logf("%d runs judged, %d liveness violations", judged, violations)
	if judged < seeds/2 {
		t.Errorf("only %d runs judged", judged)
	}
}

// naiveLiveness returns the depth of the shallowest configuration on a fair
// cycle in which a participant never applies, or -1.
func naiveLiveness(sem *statespace.Semantics) int {
	p := sem.P
	type node struct {
		depth             int
		pending, canApply bool
		enabled           map[int]bool
		succ              []int
		movers            [][]int
	}
	ids := map[string]int{}
	var nodes []*node
	var queue []*statespace.Config
	addNode := func(c *statespace.Config, depth int) int {
		k := string(p.Encode(nil, c))
		if id, ok := ids[k]; ok {
			return id
		}
		pending := false
		if c.Upd.Introduced {
			for _, th := range c.Threads {
				pending = pending || (th.Participant && th.HeapVer == 0 && th.Status == statespace.Running)
			}
		}
		ids[k] = len(nodes)
		nodes = append(nodes, &node{depth: depth, pending: pending, enabled: map[int]bool{}})
		queue = append(queue, c)
		return len(nodes) - 1
	}
	init, _ := sem.Initial()
	addNode(init, 0)
	for i := 0; i < len(queue); i++ {
		n := nodes[i]
		succs, _ := sem.Successors(queue[i])
		for _, s := range succs {
			var mv []int
			switch s.Action.Kind {
			case statespace.ActStart, statespace.ActRelease:
				mv = s.Action.Threads
			case statespace.ActIntroduce:
			default:
				mv = []int{s.Action.Thread}
			}
			for _, u := range mv {
				n.enabled[u] = true
			}
			if s.Action.Kind == statespace.ActApply || s.Action.Kind == statespace.ActRelease {
				n.canApply = true
			}
			n.succ = append(n.succ, addNode(s.Next, n.depth+1))
			n.movers = append(n.movers, mv)
		}
	}
	preds := make([][]int, len(nodes))
	for u, n := range nodes {
		for _, w := range n.succ {
			preds[w] = append(preds[w], u)
		}
	}
	in := func(i int) bool { return nodes[i].pending && !nodes[i].canApply }
	reach := func(from int, forward bool) map[int]bool {
		seen := map[int]bool{from: true}
		stack := []int{from}
		for len(stack) > 0 {
			u := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			next := preds[u]
			if forward {
				next = nodes[u].succ
			}
			for _, w := range next {
				if in(w) && !seen[w] {
					seen[w] = true
					stack = append(stack, w)
				}
			}
		}
		return seen
	}
	best := -1
	nthreads := len(init.Threads)
	for s := range nodes {
		if !in(s) || (best >= 0 && nodes[s].depth >= best) {
			continue
		}
		fw, bw := reach(s, true), reach(s, false)
		ok := make([]bool, nthreads)
		cyclic := false
		for u := range fw {
			if !bw[u] {
				continue
			}
			for t := 0; t < nthreads; t++ {
				ok[t] = ok[t] || !nodes[u].enabled[t]
			}
			for k, w := range nodes[u].succ {
				if fw[w] && bw[w] {
					cyclic = true
					for _, t := range nodes[u].movers[k] {
						ok[t] = true
					}
				}
			}
		}
		if cyclic && !slices.Contains(ok, false) {
			best = nodes[s].depth
		}
	}
	return best
}

// liveKnown are the liveness verdicts of shipped and regression models
// where safety holds ("ok" or the participants that never apply), worked
// out by hand: the two regression models whose headers call a participant
// that never applies "a liveness matter" now have it reported.
var liveKnown = map[string]map[string]string{
	"../models/code-only.dsu":          {"uncoordinated": "ok", "stop-the-world": "ok", "max+1": "ok"},
	"../models/mathserver.dsu":         {"stop-the-world": "ok", "max+1": "ok"},
	"../models/prodcons.dsu":           {"stop-the-world": "ok", "max+1": "ok"},
	"../models/pipeline3.dsu":          {"stop-the-world": "ok", "max+1": "ok"},
	"testdata/regress/silent-loop.dsu": {"stop-the-world": "ok", "max+1": "ok"},
	// T never reaches its update point: it spins for ever, always enabled
	// and always moving.
	"testdata/regress/silent-loop-alone.dsu": {"uncoordinated": "T", "stop-the-world": "T", "max+1": "T"},
	// A spins for ever after its send, past its only update point.
	"testdata/regress/spin-keeps-explicit-points.dsu": {"uncoordinated": "A", "stop-the-world": "A", "max+1": "A"},
}

func TestLivenessKnownModels(t *testing.T) {
	for f, byStrategy := range liveKnown {
		m := loadFile(t, f)
		for strategy, want := range byStrategy {
			t.Run(filepath.Base(f)+"/"+strategy, func(t *testing.T) {
				sem := semantics(t, m, strategy, 8)
				if res := explore(t, sem, exploreOpts{maxStates: 200_000}); res.Violation != nil || !res.Exhaustive {
					t.Fatalf("safety: %v, exhaustive %v", res.Violation, res.Exhaustive)
				}
				v, _, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{})
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case want == "ok" && v != nil:
					t.Fatalf("violation %s, want ok\n%s", v.Found, traceText(v))
				case want != "ok" && v == nil:
					t.Fatalf("ok, want %s never applying", want)
				case v != nil:
					if never := validateLasso(t, sem, v); strings.Join(never, ",") != want {
						t.Errorf("never applied by %v, want %s", never, want)
					}
				}
			})
		}
	}
}

// liveSpilled runs the liveness check four times: its graph in RAM,
// spilled at the smallest budget (store.Pager) in batches of 5, in RAM without the thread
// memo (LiveOptions.NoMemo), each with two workers (unless opt says), and
// in RAM with one worker; it fails unless all give the same verdict, lasso
// and figures, and returns the first's.
func liveSpilled(t *testing.T, sem *statespace.Semantics, opt statespace.LiveOptions) (*statespace.Violation, statespace.LiveStats) {
	t.Helper()
	if opt.Workers == 0 {
		opt.Workers = 2 // the batches' merge must not depend on it: see the run with 1 below
	}
	v, st, err := statespace.CheckLiveness(context.Background(), sem, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Spill = store.SpillOptions{Dir: t.TempDir(), MemBudget: 1}
	opt.Batch = 5 // many batches a level, each merged in order
	sv, sst, err := statespace.CheckLiveness(context.Background(), sem, opt)
	opt.Batch = 0
	if err != nil {
		t.Fatalf("spilled: %v", err)
	}
	figures := func(s statespace.LiveStats) []int64 {
		return []int64{s.States, s.Transitions, s.Pending, s.Edges, s.Excluded, int64(s.Depth), s.SCCs, s.FairSCCs,
			s.QuotientStates, s.Lifted, int64(b2i(s.Cut)), int64(b2i(s.Quotient)), int64(b2i(s.FellBack))}
	}
	if !slices.Equal(figures(st), figures(sst)) {
		t.Errorf("figures in RAM %v, spilled %v", figures(st), figures(sst))
	}
	if (v == nil) != (sv == nil) || v != nil && (!slices.Equal(v.Path, sv.Path) || v.CycleStart != sv.CycleStart || v.Found != sv.Found) {
		t.Errorf("in RAM: %v; spilled: %v", v, sv)
	}
	if st.DiskBytes != 0 {
		t.Errorf("%d bytes on disk with no budget", st.DiskBytes)
	}
	opt.Spill, opt.NoMemo = store.SpillOptions{}, true
	nv, nst, err := statespace.CheckLiveness(context.Background(), sem, opt)
	if err != nil {
		t.Fatalf("without the memo: %v", err)
	}
	if !slices.Equal(figures(st), figures(nst)) {
		t.Errorf("figures with the thread memo %v, without %v", figures(st), figures(nst))
	}
	if (v == nil) != (nv == nil) || v != nil && (!slices.Equal(v.Path, nv.Path) || v.CycleStart != nv.CycleStart || v.Found != nv.Found) {
		t.Errorf("with the thread memo: %v; without: %v", v, nv)
	}
	opt.NoMemo, opt.Workers = false, 1
	ov, ost, err := statespace.CheckLiveness(context.Background(), sem, opt)
	if err != nil {
		t.Fatalf("one worker: %v", err)
	}
	if !slices.Equal(figures(st), figures(ost)) {
		t.Errorf("figures with %d workers %v, with one %v", 2, figures(st), figures(ost))
	}
	if (v == nil) != (ov == nil) || v != nil && (!slices.Equal(v.Path, ov.Path) || v.CycleStart != ov.CycleStart || v.Found != ov.Found) {
		t.Errorf("with 2 workers: %v; with one: %v", v, ov)
	}
	return v, st
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// liveSym runs the liveness check on sem with symmetry sym and checks what
// it reports: a violation is a real run, judged again without the
// reduction (validateLasso, JudgeLasso), and the stats say how it was
// decided. It returns the violation and the stats.
func liveSym(t *testing.T, sem *statespace.Semantics, sym *statespace.Symmetry) (*statespace.Violation, statespace.LiveStats) {
	t.Helper()
	red := *sem
	red.Sym = sym
	v, st := liveSpilled(t, &red, statespace.LiveOptions{MaxStates: 400_000})
	if st.Cut || st.Interrupted {
		t.Fatalf("liveness check cut: %+v", st)
	}
	if st.Quotient == st.FellBack || st.QuotientStates == 0 {
		t.Errorf("stats: quotient %v, fell back %v, %d representatives", st.Quotient, st.FellBack, st.QuotientStates)
	}
	if v == nil {
		return nil, st
	}
	validateLasso(t, sem, v) // a real lasso, fair per thread
	again, err := statespace.JudgeLasso(sem, v.Path, v.CycleStart)
	if err != nil || again == nil || again.Found != v.Found {
		t.Errorf("JudgeLasso without symmetry on the lasso found with it: %v, %v", again, err)
	}
	return v, st
}

// TestLivenessSymmetryKnown: none of the known-answer models has
// symmetry (they take the unreduced path, unchanged), so they are doubled:
// at capacity 2, each gets the same liveness verdict with and without
// symmetry, with the same participants (up to the copies' names) never
// applying.
func TestLivenessSymmetryKnown(t *testing.T) {
	n := 0
	for f, byStrategy := range liveKnown {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if sem := semantics(t, loadFile(t, f), "max+1", 2); sem.P.DetectSymmetry() != nil {
			t.Errorf("%s has symmetry: judge it as it is", f)
		}
		m := loadSrc(t, "doubled-"+filepath.Base(f), double(string(src)))
		for strategy := range byStrategy {
			sem := semantics(t, m, strategy, 2)
			sym := sem.P.DetectSymmetry()
			if sym == nil {
				continue // double copies no one-line update block: the copies are not alike
			}
			plain, pst, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{MaxStates: 20_000})
			if err != nil {
				t.Fatal(err)
			}
			if pst.Cut {
				continue
			}
			n++
			t.Run(filepath.Base(f)+"/"+strategy, func(t *testing.T) {
				got, _ := liveSym(t, sem, sym)
				if (plain != nil) != (got != nil) {
					t.Fatalf("violation without symmetry %v, with %v", plain != nil, got != nil)
				}
				if got != nil && strings.TrimSuffix(got.Thread, "Two") != strings.TrimSuffix(plain.Thread, "Two") {
					t.Errorf("never applied by %s with symmetry, %s without", got.Thread, plain.Thread)
				}
			})
		}
	}
	if n < 8 {
		t.Errorf("only %d doubled known runs judged", n)
	}
	t.Logf("%d doubled known runs", n)
}

// TestLivenessSymmetryDoubled: every liveness model doubled (two
// interchangeable halves) gets the same liveness verdict with and without
// symmetry, under every strategy and setting its live lines name; doubled
// classmate-loops falls back to the unreduced check (at
// capacity 2 at most: doubled, the halves share the queue, so the verdicts
// need not be the single model's); among
// them unfair-only (ok: a classmate's moves must not excuse a thread that
// stays enabled and never moves) and starved-every-other (a violation).
func TestLivenessSymmetryDoubled(t *testing.T) {
	files, _ := filepath.Glob("testdata/liveness/*.dsu")
	verdicts := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := loadSrc(t, "doubled-"+filepath.Base(f), double(string(src)))
		for _, w := range parseLive(t, f) {
			for _, strategy := range w.strategies {
				name := fmt.Sprintf("%s:%d/%s", filepath.Base(f), w.line, strategy)
				t.Run(name, func(t *testing.T) {
					// Capacity 1: doubled, the models grow fast.
					sem := semantics(t, m, strategy, min(w.bound, 1))
					at, err := statespace.ParseUpdateAt(w.updateAt)
					if err != nil {
						t.Fatal(err)
					}
					sem.UpdateAt = at
					sym := sem.P.DetectSymmetry()
					if sym == nil {
						t.Fatal("no symmetry found in the doubled model")
					}
					plain, pst, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{MaxStates: 400_000})
					if err != nil || pst.Cut {
						t.Fatalf("without symmetry: %v (cut %v)", err, pst.Cut)
					}
					got, st := liveSym(t, sem, sym)
					if (plain != nil) != (got != nil) {
						t.Fatalf("violation without symmetry: %v, with: %v (stats %+v)", plain != nil, got != nil, st)
					}
					verdicts[name] = got != nil
					if strings.HasPrefix(name, "classmate-loops.dsu") && (!st.FellBack || st.States <= st.QuotientStates) {
						// The fallback's test (see the model's header).
						t.Errorf("want the unreduced check to decide, after %d representatives: %+v", st.QuotientStates, st)
					}
					t.Logf("violation %v; quotient %v (%d representatives), fell back %v, %d lifted", got != nil, st.Quotient, st.QuotientStates, st.FellBack, st.Lifted)
				})
			}
		}
	}
	for name, want := range map[string]bool{"unfair-only.dsu:14/max+1": false, "starved-every-other.dsu:19/max+1": true} {
		if got, ok := verdicts[name]; !ok || got != want {
			t.Errorf("%s: violation %v (judged %v), want %v", name, got, ok, want)
		}
	}
}

// TestLivenessSymmetryDeclarationOrder: the representatives follow the
// threads' order of declaration, so the quotient differs when the threads
// of a doubled liveness model are declared in another order (reversed, or
// the originals before the copies); the verdict must not: it is the
// unreduced check's, in the declared order.
func TestLivenessSymmetryDeclarationOrder(t *testing.T) {
	orders := map[string]func([]string) []string{
		"reversed": func(n []string) []string { slices.Reverse(n); return n },
		"halves": func(n []string) []string {
			copyLast := func(s string) int {
				if strings.HasSuffix(s, "Two") {
					return 1
				}
				return 0
			}
			slices.SortStableFunc(n, func(a, b string) int { return copyLast(a) - copyLast(b) })
			return n
		},
	}
	files, _ := filepath.Glob("testdata/liveness/*.dsu")
	judged, differ := 0, 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doubled := double(string(src))
		m := loadSrc(t, "doubled-"+filepath.Base(f), doubled)
		for _, w := range parseLive(t, f) {
			for _, strategy := range w.strategies {
				at, err := statespace.ParseUpdateAt(w.updateAt)
				if err != nil {
					t.Fatal(err)
				}
				sem := semantics(t, m, strategy, min(w.bound, 1))
				sem.UpdateAt = at
				plain, pst, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{MaxStates: 400_000})
				if err != nil || pst.Cut {
					t.Fatalf("%s: without symmetry: %v (cut %v)", f, err, pst.Cut)
				}
				_, base := liveSym(t, sem, sem.P.DetectSymmetry())
				for name, order := range orders {
					t.Run(fmt.Sprintf("%s:%d/%s/%s", filepath.Base(f), w.line, strategy, name), func(t *testing.T) {
						re := reorderThreads(doubled, order)
						if re == doubled {
							t.Fatal("the order did not change")
						}
						rm := loadSrc(t, "reordered-"+filepath.Base(f), re)
						rsem := semantics(t, rm, strategy, min(w.bound, 1))
						rsem.UpdateAt = at
						sym := rsem.P.DetectSymmetry()
						if sym == nil {
							t.Fatal("no symmetry found in the reordered model")
						}
						got, st := liveSym(t, rsem, sym)
						if (plain != nil) != (got != nil) {
							t.Fatalf("violation without symmetry: %v, with symmetry in this order: %v (stats %+v)", plain != nil, got != nil, st)
						}
						judged++
						if st.QuotientStates != base.QuotientStates || st.FairSCCs != base.FairSCCs || st.FellBack != base.FellBack {
							differ++
						}
					})
				}
			}
		}
	}
	// prodcons with 3 pairs at capacity 2, reversed: max+1 starves, stop-the-world completes.
	pc := string(must(family.Generate("prodcons", 3)))
	rm := loadSrc(t, "pc3-reversed.dsu", reorderThreads(pc, orders["reversed"]))
	for strategy, want := range map[string]bool{"max+1": true, "stop-the-world": false} {
		sem := semantics(t, rm, strategy, 2)
		sym := sem.P.DetectSymmetry()
		if sym == nil {
			t.Fatal("prodcons reversed: no symmetry")
		}
		if v, _ := liveSym(t, sem, sym); (v != nil) != want {
			t.Errorf("prodcons reversed, %s: violation %v, want %v", strategy, v != nil, want)
		}
		judged++
	}
	t.Logf("%d reordered runs judged, %d with other liveness figures than the declared order's", judged, differ)
	if judged < 10 {
		t.Errorf("only %d reordered runs judged", judged)
	}
}

// TestLivenessSymmetryProdcons: prodcons with 2 and 3 pairs at capacity 2
// is decided on the quotient, without falling back: max+1 starves an old
// producer (a real fair lasso, with real thread names), stop-the-world
// completes.
func TestLivenessSymmetryProdcons(t *testing.T) {
	for _, k := range []int{2, 3} {
		m := loadSrc(t, fmt.Sprintf("pc%d.dsu", k), string(must(family.Generate("prodcons", k))))
		for strategy, want := range map[string]bool{"max+1": true, "stop-the-world": false} {
			t.Run(fmt.Sprintf("K=%d/%s", k, strategy), func(t *testing.T) {
				sem := semantics(t, m, strategy, 2)
				sym := sem.P.DetectSymmetry()
				if sym == nil {
					t.Fatal("no symmetry")
				}
				v, st := liveSym(t, sem, sym)
				if (v != nil) != want {
					t.Fatalf("violation %v, want %v", v != nil, want)
				}
				if !st.Quotient || st.FellBack {
					t.Errorf("not decided on the quotient: %+v", st)
				}
				if v != nil && !regexp.MustCompile(`^(Producer|Consumer)\d$`).MatchString(v.Thread) {
					t.Errorf("thread %q", v.Thread)
				}
				t.Logf("%d representatives, %d relaxed-fair components, %d lifted", st.States, st.FairSCCs, st.Lifted)
			})
		}
	}
}

// TestLivenessSymmetryRandom: small random models doubled, half of them
// with a thread that computes for ever, get the same liveness verdict with
// and without symmetry; every lasso found with it is a real fair lasso.
func TestLivenessSymmetryRandom(t *testing.T) {
	compared, violations, fellBack := 0, 0, 0
	for seed := uint64(1); seed <= 60 && compared < 20; seed++ {
		src := randmodel.Generate(seed, randmodel.Config{DeviationPercent: -1, MaxServices: 1, MaxRoles: 2, MaxDepth: 2})
		if seed%2 == 0 {
			src += "\nthread LiveTicker {\n  fun tick(k) = tick((k + 1) % 2)\n  main tick(0)\n}\n"
		}
		m, err := model.Load("doubled.dsu", []byte(double(src)))
		if err != nil || len(m.Updates) == 0 {
			continue
		}
		for _, strategy := range statespace.StrategyNames() {
			sem := semantics(t, m, strategy, 1+int(seed%2))
			sym := sem.P.DetectSymmetry()
			if sym == nil {
				continue
			}
			plain, pst, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{MaxStates: 3000})
			if err != nil {
				t.Fatal(err)
			}
			if pst.Cut {
				continue
			}
			compared++
			got, st := liveSym(t, sem, sym)
			if (plain != nil) != (got != nil) {
				t.Errorf("seed %d %s: violation without symmetry %v, with %v\n%s", seed, strategy, plain != nil, got != nil, src)
			}
			if got != nil {
				violations++
			}
			if st.FellBack {
				fellBack++
			}
		}
	}
	t.Logf("%d runs compared, %d violations, %d fell back", compared, violations, fellBack)
	if compared < 20 || violations == 0 || violations == compared {
		t.Errorf("%d runs compared, %d violations: want 20 runs, some with violations and some without", compared, violations)
	}
}

// TestLivenessMaxStates: the check holds at most MaxStates configurations
// and is cut only when the space has more (found by a tester: it stopped
// past the bound, and a space of exactly the bound's size plus one was
// reported cut with every configuration in it); a cut check's figures fit
// together (its pending configurations counted).
func TestLivenessMaxStates(t *testing.T) {
	sem := semantics(t, loadFile(t, "../models/mathserver.dsu"), "max+1", 8)
	_, full, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{})
	if err != nil || full.Cut || full.States < 10 {
		t.Fatalf("uncut: %+v, %v", full, err)
	}
	for _, n := range []int64{full.States, full.States - 1, full.States / 2} {
		for _, workers := range []int{1, 2} {
			_, st, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{MaxStates: n, Workers: workers, Batch: 3})
			if err != nil {
				t.Fatal(err)
			}
			cut := n < full.States
			if st.Cut != cut || st.States > n || cut && st.States != n {
				t.Errorf("MaxStates %d of %d, %d workers: cut %v, %d states", n, full.States, workers, st.Cut, st.States)
			}
			if cut && st.Edges > 0 && st.Pending == 0 {
				t.Errorf("MaxStates %d: %d steps recorded in the pending region, no pending configuration counted", n, st.Edges)
			}
		}
	}
}

// TestLivenessInterruptedAfterSearch: an interruption that comes once the
// graph is explored stops its decomposition: the check says it was
// interrupted, with no verdict (a tester: SIGINT in the 14 s after the
// breadth-first search of a spilled graph was heard only at the end, and
// the run gave its verdict, exit 1).
func TestLivenessInterruptedAfterSearch(t *testing.T) {
	m := loadFile(t, "testdata/liveness/consumer-passed-point.dsu")
	sem := semantics(t, m, "uncoordinated", 8)
	v, st, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{})
	if err != nil || v == nil || st.Interrupted {
		t.Fatalf("uninterrupted: %v, %v, %+v; want the file's violation", v, err, st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer statespace.SetLiveSearched(cancel)()
	v, st, err = statespace.CheckLiveness(ctx, sem, statespace.LiveOptions{})
	if err != nil || v != nil || !st.Interrupted || st.States == 0 {
		t.Errorf("interrupted after the search: %v, %v, %+v; want no verdict, interrupted", v, err, st)
	}
}

// TestLivenessDecompositionProgress: the decomposition reports how far it
// is through the pending region (a tester: 14 s without a progress line
// after the search of a spilled graph).
func TestLivenessDecompositionProgress(t *testing.T) {
	defer statespace.SetLiveProgress(0, 1)()
	m := loadFile(t, "testdata/liveness/consumer-passed-point.dsu")
	sem := semantics(t, m, "uncoordinated", 8)
	var reports []statespace.LiveStats
	v, st, err := statespace.CheckLiveness(context.Background(), sem, statespace.LiveOptions{Progress: func(s statespace.LiveStats) {
		if s.Decomposing > 0 {
			reports = append(reports, s)
		}
	}})
	if err != nil || v == nil {
		t.Fatalf("%v, %v; want the file's violation", v, err)
	}
	if len(reports) == 0 {
		t.Fatal("no progress from the decomposition")
	}
	for _, r := range reports {
		if r.Decomposing > r.Pending-r.Excluded || r.States != st.States {
			t.Errorf("decomposition at %d of %d pending (%d excluded), %d states of %d", r.Decomposing, r.Pending, r.Excluded, r.States, st.States)
		}
	}
}
