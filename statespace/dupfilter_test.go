package statespace_test

import (
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/randmodel"
	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

var agreeRandom = flag.Int("agree.random", 20, "random models of TestDupFilterAgrees and TestSleepSetsAgree")

// TestDupFilterAgrees checks that the explorer's duplicate filter
// (explore.go) changes nothing but the work: with it and without it, the
// same verdicts, counts, counterexamples and every parent link (so every
// shortest trace), with one worker and with two taking small batches (so
// that a worker expands records of another's share out of frontier order),
// with a cut by the number of states, and with --continue.
func TestDupFilterAgrees(t *testing.T) {
	agreesWithout(t, "the filter", statespace.SetDupFilter, 5000, nil, func(r *statespace.Result) bool { return r.Transitions > r.States })
}

// TestSleepSetsAgree checks that sleep sets (sleep.go) change nothing but
// the work, as TestDupFilterAgrees does for the duplicate filter: the same
// configurations, transitions, depths, verdicts, counterexamples and parent
// links. Random models of another range of seeds than the filter's.
func TestSleepSetsAgree(t *testing.T) {
	// Threads beyond the 64th never sleep, and the sleep sets of the others
	// must not be disturbed by them: 35 pairs, each on a service of its
	// own (the searches are cut).
	var wide strings.Builder
	wide.WriteString("protocol P = a -> b: <int>. a -> b: <int>. end\n")
	for i := range 35 {
		fmt.Fprintf(&wide, "service s%d: P\n", i)
		fmt.Fprintf(&wide, "thread A%d { main let x = request(s%d, {a, b}, a) in send(x, b, %d); send(x, b, 0) }\n", i, i, i)
		fmt.Fprintf(&wide, "thread B%d { main let y = accept(s%d, b) in receive(y, a); receive(y, a) }\n", i, i)
	}
	agreesWithout(t, "sleep sets", statespace.SetSleepSets, 7000, map[string]string{"wide-70.dsu": wide.String()},
		func(r *statespace.Result) bool { return r.Asleep > 0 })
}

// agreesWithout compares searches with a work-saving setting on and off
// (set turns it on or off and returns the restorer) on the agreement models,
// the extra ones (name to source) and random ones from seed base+1; worked reports whether a search with it
// on did what it saves (nil: not asked).
func agreesWithout(t *testing.T, what string, set func(on bool) func(), base uint64, extra map[string]string, worked func(*statespace.Result) bool) {
	type subject struct {
		name string
		src  string
	}
	var subjects []subject
	for _, f := range agreementModels() {
		subjects = append(subjects, subject{f, ""})
	}
	seeds := uint64(*agreeRandom)
	if testing.Short() {
		seeds = min(seeds, 6)
	}
	for name, src := range extra {
		subjects = append(subjects, subject{name, src})
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		subjects = append(subjects, subject{fmt.Sprintf("random-%d.dsu", seed+base), randmodel.Generate(seed+base, randmodel.Config{})})
	}
	run := func(sem *statespace.Semantics, o exploreOpts, on bool) (*statespace.Result, []string) {
		defer set(on)()
		l, err := store.NewLinks(store.SpillOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		o.links = l
		res := explore(t, sem, o)
		var links []string
		for id := range l.Len() {
			p, s, err := l.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			links = append(links, fmt.Sprint(p, s))
		}
		return res, links
	}
	compared, dropped := 0, worked == nil
	for _, s := range subjects {
		mod := func() *model.Model {
			if s.src == "" {
				return loadFile(t, s.name)
			}
			return loadSrc(t, s.name, s.src)
		}()
		for _, strategy := range statespace.StrategyNames() {
			sem := semantics(t, mod, strategy, 4)
			o := exploreOpts{maxStates: 20000, workers: 1 + compared%2, cont: compared%3 == 0}
			if o.workers == 2 {
				o.batch = 16
			}
			if compared%5 == 0 {
				o.maxStates = 150
			}
			compared++
			with, wl := run(sem, o, true)
			without, wol := run(sem, o, false)
			name := fmt.Sprintf("%s/%s/workers=%d/continue=%v/max=%d", filepath.Base(s.name), strategy, o.workers, o.cont, o.maxStates)
			if with.States != without.States || with.Transitions != without.Transitions || with.Depth != without.Depth ||
				with.Verdict != without.Verdict || with.CapacityStuck != without.CapacityStuck || with.CapacityHits != without.CapacityHits {
				t.Errorf("%s: with %s %d states %d transitions depth %d %v stuck %d; without %d %d %d %v %d", name, what,
					with.States, with.Transitions, with.Depth, with.Verdict, with.CapacityStuck,
					without.States, without.Transitions, without.Depth, without.Verdict, without.CapacityStuck)
			}
			if (with.Violation == nil) != (without.Violation == nil) ||
				with.Violation != nil && renderViolation(with.Violation) != renderViolation(without.Violation) {
				t.Errorf("%s: another counterexample with %s", name, what)
			}
			if len(with.Violations) != len(without.Violations) {
				t.Errorf("%s: %d violations with %s, %d without", name, len(with.Violations), what, len(without.Violations))
			} else {
				for i := range with.Violations {
					if renderViolation(with.Violations[i]) != renderViolation(without.Violations[i]) {
						t.Errorf("%s: violation %d differs with %s", name, i+1, what)
					}
				}
			}
			if !slices.Equal(wl, wol) {
				t.Errorf("%s: the parent links differ with %s", name, what)
			}
			dropped = dropped || worked != nil && worked(with)
		}
	}
	if compared < 100 || !dropped {
		t.Fatalf("compared %d searches (dropped: %v): the test lost its subjects", compared, dropped)
	}
}
