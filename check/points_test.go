package check_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

// pointRow is what a test asserts about one point.
type pointRow struct {
	Thread, Kind, In, Verdict, Rule string
	Depth, Passing                  int
}

func pointRows(t *testing.T, path string, o check.PointsOptions) []pointRow {
	t.Helper()
	o.Store = store.Options{Kind: store.Memory}
	outs, err := check.Points(context.Background(), loadModel(t, path), o)
	if err != nil {
		t.Fatal(err)
	}
	var rows []pointRow
	for _, p := range outs {
		r := pointRow{Thread: p.Thread, Kind: p.Point.Kind, In: p.Point.In, Verdict: p.Verdict.String(), Passing: p.Passing}
		if v := p.Witness; v != nil {
			r.Rule, r.Depth = v.Property+": "+v.Rule, len(v.Trace)
			if p.Result.Verdict != statespace.Violated {
				t.Fatalf("%v: a witness without a violation", r)
			}
		} else if p.Verdict == check.PointSafe && !p.Result.Exhaustive {
			t.Fatalf("%v: safe without an exhaustive search", r)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestPointsHalves: the verdicts worked out by hand in the model's header.
func TestPointsHalves(t *testing.T) {
	got := pointRows(t, "testdata/points/halves.dsu", check.PointsOptions{Workers: 1})
	want := []pointRow{
		{"A", "call second", "old first", "unsafe", "fidelity: fidelity (a): action not allowed by the local type", 5, 1},
		{"A", "call first", "old second", "safe", "", 0, 0},
		{"A", "call first", "main", "unsafe", "update-completion: never applies", 7, 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if two := pointRows(t, "testdata/points/halves.dsu", check.PointsOptions{Workers: 2}); !reflect.DeepEqual(two, got) {
		t.Fatalf("workers 2: %v", two)
	}
	// Never introduced: the thread never applies anywhere.
	for _, r := range pointRows(t, "testdata/points/halves.dsu", check.PointsOptions{UpdateAt: statespace.UpdateAt{Mode: statespace.AtNever}}) {
		if r.Verdict != "never applied" {
			t.Fatalf("--update-at never: %v", r)
		}
	}
	// Cut: nothing proved.
	for _, r := range pointRows(t, "testdata/points/halves.dsu", check.PointsOptions{MaxStates: 3}) {
		if r.Verdict != "unknown" {
			t.Fatalf("--max-states 3: %v", r)
		}
	}
}

// TestPointsPerStrategy: the maths server under max+1, by hand. With
// either of P1's points as its only one, the update introduced before the
// session starts gives the instance no update run number: P2 applies at
// main's call and runs MathB from run 1, while P1, which goes on at main's
// call (not its point) or, with main's call as its point, does not stop at
// its recursive call, runs run 1 under MathA: fidelity (c) at P2's first
// receive. With the recursive call as P1's point: introduction, start, P2
// applies, P1 chooses and sends, P2 receives: 6 steps, P1 not having
// applied (the restriction alone breaks it). Likewise for P2's points, and
// no single point is enough. Stop-the-world on the sessions per request
// model: every point blocks at the barrier, where the server waits for a
// request the blocked client will not make: deadlock.
func TestPointsPerStrategy(t *testing.T) {
	rows := pointRows(t, "../models/mathserver.dsu", check.PointsOptions{Strategies: []string{"max+1"}})
	if len(rows) != 4 {
		t.Fatalf("mathserver: %v", rows)
	}
	for _, r := range rows {
		if r.Verdict != "unsafe" || r.Rule != "fidelity: fidelity (c): one run performed under two protocol versions" {
			t.Fatalf("mathserver, max+1: %v", r)
		}
	}
	if want := (pointRow{"P1", "call f", "old f", "unsafe", "fidelity: fidelity (c): one run performed under two protocol versions", 6, 0}); rows[0] != want {
		t.Fatalf("mathserver, max+1: %v, want %v", rows[0], want)
	}
	for _, r := range pointRows(t, "../models/sessions-per-request.dsu", check.PointsOptions{Strategies: []string{"stop-the-world"}}) {
		if r.Verdict != "unsafe" || r.Rule != "progress: deadlock at the stop-the-world barrier" {
			t.Fatalf("sessions-per-request, stop-the-world: %v", r)
		}
	}
}

// TestPointsBarrierNeverReleased: a thread that only ever waits at the
// stop-the-world barrier at its point never applies there: never applied,
// not safe (testdata/points/barrier-never-released.dsu, by hand there).
func TestPointsBarrierNeverReleased(t *testing.T) {
	for _, r := range pointRows(t, "testdata/points/barrier-never-released.dsu", check.PointsOptions{Strategies: []string{"stop-the-world"}}) {
		if r.Verdict != "never applied" {
			t.Errorf("%v: want never applied", r)
		}
	}
}

// TestPointsEveryShippedModel: every shipped model with an update gets a
// verdict for every point under each strategy, none of them cut; a model
// without an update is refused.
func TestPointsEveryShippedModel(t *testing.T) {
	for path, m := range models(t) {
		if len(m.Updates) == 0 {
			if _, err := check.Points(context.Background(), m, check.PointsOptions{Store: store.Options{Kind: store.Memory}}); err == nil {
				t.Errorf("%s: no update, no error", path)
			}
			continue
		}
		if !strings.HasPrefix(path, "../models/") {
			continue
		}
		outs, err := check.Points(context.Background(), m, check.PointsOptions{Strategies: statespace.StrategyNames(), Store: store.Options{Kind: store.Memory}})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(outs) == 0 {
			t.Errorf("%s: no points", path)
		}
		for _, o := range outs {
			if o.Verdict == check.PointUnknown {
				t.Errorf("%s: %s %s %s: unknown", path, o.Strategy, o.Thread, fmt.Sprint(o.Point.Where))
			}
		}
	}
}

// TestPointsOnlyPointIsCheck: a thread whose only update point is the one
// a row restricts it to is not restricted at all, so the row's search is
// check's: the same verdict, states and shortest violation, under every
// strategy. On models/midrun-update-point.dsu (the producer's one explicit
// `update`) and testdata/points/explicit-both.dsu (one explicit `update`
// each); found by a tester: with the thread memo on under the restriction,
// the midrun producer's row said "never applied" under stop-the-world
// where check finds a fidelity violation in 7 steps, and explicit-both's
// consumer row failed under max+1.
func TestPointsOnlyPointIsCheck(t *testing.T) {
	ctx := context.Background()
	for _, path := range []string{"../models/midrun-update-point.dsu", "testdata/points/explicit-both.dsu"} {
		m := loadModel(t, path)
		outs, err := check.Points(ctx, m, check.PointsOptions{Strategies: statespace.StrategyNames(), Store: store.Options{Kind: store.Memory}, Workers: 1})
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		points := map[string]int{} // per strategy and thread
		for _, o := range outs {
			points[o.Strategy+"/"+o.Thread]++
		}
		checked := 0
		for _, o := range outs {
			if points[o.Strategy+"/"+o.Thread] != 1 {
				continue
			}
			want, err := check.Run(ctx, m, check.Options{Strategies: []string{o.Strategy}, Store: store.Options{Kind: store.Memory}, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			w, r := want[0].Result, o.Result
			if r.Verdict != w.Verdict || r.States != w.States {
				t.Errorf("%s %s %s: row %v, %d states; check %v, %d states", path, o.Strategy, o.Thread, r.Verdict, r.States, w.Verdict, w.States)
			}
			if (r.Violation == nil) != (w.Violation == nil) || r.Violation != nil && (r.Violation.Property != w.Violation.Property || len(r.Violation.Trace) != len(w.Violation.Trace)) {
				t.Errorf("%s %s %s: row's violation %v, check's %v", path, o.Strategy, o.Thread, r.Violation, w.Violation)
			}
			if w.Verdict == statespace.Holds && o.Verdict != check.PointSafe {
				t.Errorf("%s %s %s: %v, want safe (check holds and the thread applies)", path, o.Strategy, o.Thread, o.Verdict)
			}
			checked++
		}
		if checked == 0 {
			t.Errorf("%s: no thread with one point", path)
		}
	}
}

// TestPointsRowIsHandRestricted: a row is check's search on the model with
// the row's point as its thread's one explicit `update` (written by hand in
// testdata/points): the same verdict, states and shortest violation, under
// every strategy, whenever the update comes. Found by a tester: the thread
// used to stop at its other points before the introduction, so with
// --update-at step:1 other-points.dsu's row "call k in main" said safe
// under stop-the-world and max+1 where the model restricted by hand never
// applies, and once.dsu's witnesses had a step too many.
func TestPointsRowIsHandRestricted(t *testing.T) {
	ctx := context.Background()
	step1 := statespace.UpdateAt{Mode: statespace.AtStep, Step: 1}
	cases := []struct {
		model, thread, kind, in, hand string
		bound                         int
		at                            statespace.UpdateAt
	}{
		{"other-points", "T", "call k", "main", "other-points-k", 0, step1},
		{"other-points", "T", "call k", "main", "other-points-k", 0, statespace.UpdateAt{}},
		{"once", "A", "call fa", "old fa", "once-a1", 3, statespace.UpdateAt{}},
		{"once", "A", "call fa", "old fa", "once-a1", 3, step1},
		{"once", "A", "call fa", "old fa", "once-a1", 3, statespace.UpdateAt{Mode: statespace.AtStep, Step: 3}},
	}
	for _, tc := range cases {
		m, hand := loadModel(t, "testdata/points/"+tc.model+".dsu"), loadModel(t, "testdata/points/"+tc.hand+".dsu")
		outs, err := check.Points(ctx, m, check.PointsOptions{Strategies: statespace.StrategyNames(), QueueBound: tc.bound, UpdateAt: tc.at, Store: store.Options{Kind: store.Memory}, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, o := range outs {
			if o.Thread != tc.thread || o.Point.Kind != tc.kind || o.Point.In != tc.in {
				continue
			}
			n++
			name := fmt.Sprintf("%s %s %s, %v", tc.model, o.Strategy, o.Point.Where, tc.at)
			want, err := check.Run(ctx, hand, check.Options{Strategies: []string{o.Strategy}, QueueBound: tc.bound, UpdateAt: tc.at, Store: store.Options{Kind: store.Memory}, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			w, r := want[0].Result, o.Result
			if r.Verdict != w.Verdict || r.States != w.States {
				t.Errorf("%s: row %v, %d states; by hand %v, %d states", name, r.Verdict, r.States, w.Verdict, w.States)
				continue
			}
			if (r.Violation == nil) != (w.Violation == nil) {
				t.Errorf("%s: row's violation %v, by hand %v", name, r.Violation, w.Violation)
				continue
			}
			if rv, wv := r.Violation, w.Violation; rv != nil && (rv.Property != wv.Property || rv.Rule != wv.Rule || len(rv.Trace) != len(wv.Trace) || rv.CycleStart != wv.CycleStart) {
				t.Errorf("%s: row's violation %s %s in %d steps (cycle at %d), by hand %s %s in %d (cycle at %d)", name,
					rv.Property, rv.Rule, len(rv.Trace), rv.CycleStart, wv.Property, wv.Rule, len(wv.Trace), wv.CycleStart)
			}
		}
		if n != len(statespace.StrategyNames()) {
			t.Errorf("%s: %d rows for %s %s in %s", tc.model, n, tc.thread, tc.kind, tc.in)
		}
	}
	// The verdicts worked out by hand (the models' headers).
	for _, r := range pointRows(t, "testdata/points/other-points.dsu", check.PointsOptions{Strategies: statespace.StrategyNames(), UpdateAt: step1}) {
		want := pointRow{"T", r.Kind, r.In, "unsafe", "update-completion: never applies", 3, 0}
		if r.Kind == "call loop" && r.In == "old loop" {
			want = pointRow{"T", r.Kind, r.In, "safe", "", 0, 0}
		}
		if r != want {
			t.Errorf("other-points, step:1: %v, want %v", r, want)
		}
	}
	rows := pointRows(t, "testdata/points/once.dsu", check.PointsOptions{Strategies: []string{"stop-the-world"}, QueueBound: 3})
	if want := (pointRow{"A", "call fa", "old fa", "unsafe", "progress: deadlock at the stop-the-world barrier", 6, 1}); len(rows) == 0 || rows[0] != want {
		t.Errorf("once, stop-the-world: %v, want %v first", rows, want)
	}
}
