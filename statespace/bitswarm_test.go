package statespace_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

// TestBitstateSwarmFindsDeepViolation is the known answer for the bitstate
// swarm: the violation of testdata/deep-violation.dsu needs 242 steps,
// which BFS does not reach; a swarm of four small bitstate searches finds
// it, within 20,000 states a member, and shrinking gives a real, shorter
// run to it.
func TestBitstateSwarmFindsDeepViolation(t *testing.T) {
	for _, strategy := range statespace.StrategyNames() {
		t.Run(strategy, func(t *testing.T) {
			sem := simSemantics(t, "testdata/deep-violation.dsu", strategy)
			res, err := statespace.BitstateSwarm(context.Background(), sem, statespace.SwarmOptions{
				Checker: properties.All(), Members: 4, Seed: 1, Bits: 22, MaxStates: 20_000, Depth: 5000, Workers: 2,
				Shrink: &statespace.ShrinkOptions{Stores: memStores, MaxStates: 5000, Budget: 40_000},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != statespace.Violated || res.Violation == nil {
				t.Fatalf("no violation; members %+v", res.Members)
			}
			v := res.Violation
			if v.Property != properties.Runtime || len(v.Path) < 242 {
				t.Fatalf("found %s / %s in %d steps, want runtime in at least 242", v.Property, v.Rule, len(v.Path))
			}
			replayEnds(t, sem, v)
			if res.Found < 0 || len(res.Members) != res.Found+1 || res.Members[res.Found].Status != statespace.MemberViolation {
				t.Fatalf("found by member %d; members %+v", res.Found, res.Members)
			}
			for _, m := range res.Members {
				t.Logf("%s: %s, %d states, %d transitions, deepest %d", m.Config, m.Status, m.States, m.Transitions, m.Deepest)
				if m.States > 20_000 {
					t.Errorf("member %d stored %d states, more than its 20,000", m.Config.Index, m.States)
				}
			}
			sh := res.Shrunk
			if sh == nil || sh.Violation == nil {
				t.Fatal("not shrunk")
			}
			sv := sh.Violation
			t.Logf("member %d: %d steps, shrunk to %d by %s", res.Found, len(v.Path), len(sv.Path), sh.Method)
			if len(sv.Path) > len(v.Path) || len(sv.Path) < 242 || sv.Property != v.Property || sv.Rule != v.Rule {
				t.Errorf("shrunk to %s / %s in %d steps from %d", sv.Property, sv.Rule, len(sv.Path), len(v.Path))
			}
			replayEnds(t, sem, sv)
		})
	}
}

// TestBitstateSwarmMembersDiffer: without a violation to find (runtime
// switched off), every member searches to its end: their hash functions
// and orders differ, and so do the configurations they store; the result
// does not depend on the number of workers; the verdict is never Holds.
func TestBitstateSwarmMembersDiffer(t *testing.T) {
	sem := simSemantics(t, "testdata/deep-violation.dsu", "max+1")
	chk, err := properties.Without([]string{properties.Runtime})
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int) *statespace.SwarmResult {
		res, err := statespace.BitstateSwarm(context.Background(), sem, statespace.SwarmOptions{
			Checker: chk, Members: 5, Seed: 9, Bits: 14, MaxStates: -1, Depth: 60, Workers: workers, Coverage: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		res.Elapsed = 0
		for i := range res.Members {
			res.Members[i].Elapsed = 0
		}
		return res
	}
	a := run(1)
	if a.Verdict != statespace.Unknown || a.Violation != nil || len(a.Members) != 5 || a.Unreached == nil {
		t.Fatalf("verdict %v, violation %v, %d members, coverage %v", a.Verdict, a.Violation, len(a.Members), a.Unreached != nil)
	}
	counts := map[int64]bool{}
	for _, m := range a.Members {
		t.Logf("%s: %s, %d states, %d transitions, deepest %d, fill %.3f, omitted about %.0f", m.Config, m.Status, m.States, m.Transitions, m.Deepest, m.Fill, m.ExpectedOmissions)
		if m.Status != statespace.MemberEnded || m.States == 0 || m.ExpectedOmissions <= 0 {
			t.Errorf("member %d: %s with %d states, %.1f omissions expected", m.Config.Index, m.Status, m.States, m.ExpectedOmissions)
		}
		counts[m.States] = true
	}
	if len(counts) < 4 {
		t.Errorf("members stored the same numbers of states: %v", counts)
	}
	if b := run(3); !reflect.DeepEqual(a, b) {
		t.Errorf("1 worker: %+v\n3 workers: %+v", a, b)
	}
}

// TestBitstateSwarmTimeAndInterrupt: Time ends members that have no other
// bound, which say they were stopped; a cancelled context stops the swarm
// with Interrupted set.
func TestBitstateSwarmTimeAndInterrupt(t *testing.T) {
	sem := simSemantics(t, "testdata/deep-violation.dsu", "uncoordinated")
	chk, err := properties.Without([]string{properties.Runtime})
	if err != nil {
		t.Fatal(err)
	}
	res, err := statespace.BitstateSwarm(context.Background(), sem, statespace.SwarmOptions{
		Checker: chk, Members: 2, Seed: 1, Bits: 20, MaxStates: -1, Time: 100 * time.Millisecond, Workers: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.Interrupted || res.Verdict != statespace.Unknown || len(res.Members) != 2 {
		t.Fatalf("timed out %v, interrupted %v, verdict %v, %d members", res.TimedOut, res.Interrupted, res.Verdict, len(res.Members))
	}
	for _, m := range res.Members {
		if m.Status != statespace.MemberStopped || m.States == 0 {
			t.Errorf("member %d: %s after %d states", m.Config.Index, m.Status, m.States)
		}
	}
	// Members that all went to their ends were not stopped by the time,
	// however short (found by a tester: --time 1ms "ended" such a swarm).
	small := simSemantics(t, "../models/mathserver.dsu", "max+1")
	res, err = statespace.BitstateSwarm(context.Background(), small, statespace.SwarmOptions{
		Checker: properties.All(), Members: 2, Seed: 1, Bits: 16, MaxStates: -1, Workers: 1,
	})
	if err != nil || res.TimedOut {
		t.Fatalf("no --time: timed out %v, %v", res.TimedOut, err)
	}
	took := res.Elapsed
	res, err = statespace.BitstateSwarm(context.Background(), small, statespace.SwarmOptions{
		Checker: properties.All(), Members: 2, Seed: 1, Bits: 16, MaxStates: -1, Workers: 1, Time: took + time.Nanosecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	for _, m := range res.Members {
		stopped = stopped || m.Status == statespace.MemberStopped
	}
	if res.TimedOut != (stopped || len(res.Members) < 2) {
		t.Errorf("timed out %v, with %d members, one stopped: %v", res.TimedOut, len(res.Members), stopped)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err = statespace.BitstateSwarm(ctx, sem, statespace.SwarmOptions{Checker: chk, Members: 4, Bits: 16, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Verdict != statespace.Unknown || res.Violation != nil {
		t.Errorf("interrupted %v, verdict %v, violation %v", res.Interrupted, res.Verdict, res.Violation)
	}
}

// TestBitstateSwarmDeterministic: the violation reported, its member and
// every member's statistics do not depend on the number of workers. With
// 12 states a member and seed 7, member 0 is cut before it finds the
// violation and member 1 finds it, while later members run beside it.
func TestBitstateSwarmDeterministic(t *testing.T) {
	sem := simSemantics(t, "../models/prodcons.dsu", "uncoordinated")
	run := func(workers int) *statespace.SwarmResult {
		res, err := statespace.BitstateSwarm(context.Background(), sem, statespace.SwarmOptions{
			Checker: properties.All(), Members: 8, Seed: 7, Bits: 12, Depth: 9, MaxStates: 12, Workers: workers,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Violation == nil {
			t.Fatalf("%d workers: no violation (the uncoordinated producer/consumer has one)", workers)
		}
		res.Elapsed = 0
		for i := range res.Members {
			res.Members[i].Elapsed = 0
		}
		return res
	}
	a := run(1)
	if a.Found != 1 || len(a.Members) != 2 || a.Members[0].Status != statespace.MemberCut {
		t.Fatalf("found by member %d; members %+v", a.Found, a.Members)
	}
	for _, w := range []int{2, 4} {
		if b := run(w); !reflect.DeepEqual(a.Members, b.Members) || a.Found != b.Found || !reflect.DeepEqual(a.Violation.Path, b.Violation.Path) {
			t.Errorf("1 worker: member %d, path %v, members %+v\n%d workers: member %d, path %v, members %+v", a.Found, a.Violation.Path, a.Members, w, b.Found, b.Violation.Path, b.Members)
		}
	}
}

// TestBitstateSwarmCapacityReached: a member that meets a stuck
// configuration breaking nothing (capacity reached) goes on with the rest of
// its search (testdata/swarm-capacity-reached.dsu panicked: the member
// followed the previous configuration's successor order into an empty
// list).
func TestBitstateSwarmCapacityReached(t *testing.T) {
	sem := simSemantics(t, "testdata/swarm-capacity-reached.dsu", "uncoordinated")
	sem.QueueBound = 1
	for _, workers := range []int{1, 2} {
		res, err := statespace.BitstateSwarm(context.Background(), sem, statespace.SwarmOptions{
			Checker: properties.All(), Members: 4, Seed: 1, Bits: 16, MaxStates: 1000, Depth: 100, Workers: workers,
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Violation != nil {
			t.Fatalf("a violation on a model that has none: %s", res.Violation.Rule)
		}
	}
}

// TestSwarmSeedsDoNotOverlap: member j of seed s is not member j-4 of seed
// s+4 (found by a tester: the order seed was s+j, and the search depends
// on j mod 4 only, so consecutive seeds repeated each other's searches).
func TestSwarmSeedsDoNotOverlap(t *testing.T) {
	seen := map[uint64]string{}
	for s := uint64(0); s < 16; s++ {
		for j := 0; j < 8; j++ {
			o := statespace.SwarmOptions{Seed: s}
			m := o.Member(j)
			if prev, dup := seen[m.OrderSeed]; dup {
				t.Fatalf("seed %d member %d has the order seed of %s", s, j, prev)
			}
			seen[m.OrderSeed] = fmt.Sprintf("seed %d member %d", s, j)
		}
	}
}

// TestBitstateSwarmProgress: Progress counts the members merged and their
// states, only growing, and says that the violation found is being shrunk.
func TestBitstateSwarmProgress(t *testing.T) {
	var log progressLog[statespace.SwarmProgress]
	sem := simSemantics(t, "testdata/deep-violation.dsu", "uncoordinated")
	chk, err := properties.Without([]string{properties.Runtime})
	if err != nil {
		t.Fatal(err)
	}
	res, err := statespace.BitstateSwarm(context.Background(), sem, statespace.SwarmOptions{
		Checker: chk, Members: 4, Seed: 1, Bits: 20, MaxStates: -1, Time: 3 * statespace.SimProgressEvery, Workers: 2, Progress: log.record,
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := log.take()
	if len(calls) == 0 {
		t.Fatalf("no progress in %s", res.Elapsed)
	}
	var last statespace.SwarmProgress
	for _, p := range calls {
		if p.Phase != "members" || p.Of != 4 || p.Members < last.Members || p.States < last.States {
			t.Errorf("progress %+v after %+v", p, last)
		}
		last = p
	}
	var states int64
	for _, m := range res.Members {
		states += m.States
	}
	if last.Members > len(res.Members) || last.States > states {
		t.Errorf("progress %+v past the result: %d members, %d states", last, len(res.Members), states)
	}

	sem = simSemantics(t, "../models/mathserver.dsu", "uncoordinated")
	res, err = statespace.BitstateSwarm(context.Background(), sem, statespace.SwarmOptions{
		Checker: properties.All(), Members: 2, Seed: 1, Bits: 20, Workers: 2, Progress: log.record,
		Shrink: &statespace.ShrinkOptions{Stores: memStores, MaxStates: 5000, Budget: 40_000},
	})
	if err != nil || res.Violation == nil {
		t.Fatalf("no violation: %v", err)
	}
	var members []int64
	for _, p := range log.take() {
		if p.Phase == "shrinking" {
			members = append(members, int64(p.Members))
		}
	}
	checkShrinkingSaid(t, members, int64(len(res.Members)))
}
