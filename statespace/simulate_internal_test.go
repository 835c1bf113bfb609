package statespace

import (
	"math/rand/v2"
	"testing"
)

// TestSchedulers: thread picks a thread uniformly among those with a
// step, then one of its steps; move picks a step uniformly. With nine
// steps of thread 0 and one of thread 1, thread 1 gets half the turns
// under thread and a tenth under move; with stickiness, the thread of the
// previous step keeps the turn more often.
func TestSchedulers(t *testing.T) {
	succs := make([]Succ, 10)
	for i := range succs {
		succs[i].Action.Thread = 0
	}
	succs[9].Action.Thread = 1
	share := func(cfg WalkConfig, last int) float64 {
		rng := rand.New(rand.NewPCG(1, 2))
		n, ones := 20000, 0
		var groups []int
		for range n {
			var k int
			k, groups = pick(rng, succs, cfg, last, groups)
			if k == 9 {
				ones++
			}
		}
		return float64(ones) / float64(n)
	}
	for _, c := range []struct {
		name     string
		cfg      WalkConfig
		last     int
		lo, high float64
	}{
		{"thread", WalkConfig{Scheduler: SchedThread}, -2, 0.47, 0.53},
		{"move", WalkConfig{Scheduler: SchedMove}, -2, 0.08, 0.12},
		{"thread, sticky to 0", WalkConfig{Scheduler: SchedThread, Stick: 0.875}, 0, 0.04, 0.09},
		{"thread, sticky to 1", WalkConfig{Scheduler: SchedThread, Stick: 0.875}, 1, 0.91, 0.96},
	} {
		if got := share(c.cfg, c.last); got < c.lo || got > c.high {
			t.Errorf("%s: thread 1 took %.3f of the steps, want %.2f-%.2f", c.name, got, c.lo, c.high)
		}
	}
	// The steps of no thread (introduction, release) are one more group.
	succs[9].Action.Thread = -1
	if got := share(WalkConfig{Scheduler: SchedThread}, -2); got < 0.47 || got > 0.53 {
		t.Errorf("the introduction took %.3f of the steps, want about half", got)
	}
}

// TestSwarmMembers: members differ, member 0 is a plain walker, and walk i
// has seed Seed+i.
func TestSwarmMembers(t *testing.T) {
	o := &SimOptions{Seed: 10, Depth: 800, Swarm: 18, Scheduler: SchedThread}
	seen := map[WalkConfig]bool{}
	for j := range 18 {
		w := o.SwarmMember(j)
		w.Member = 0
		if seen[w] {
			t.Errorf("member %d is walked as an earlier one: %+v", j, w)
		}
		seen[w] = true
	}
	if w := o.SwarmMember(0); w.Scheduler != SchedThread || w.Depth != 800 || w.Stick != 0 {
		t.Errorf("member 0 = %+v, want a plain walker", w)
	}
	if w := o.Walk(25); w.Seed != 35 || w.Member != 25%18 {
		t.Errorf("walk 25 = %+v, want seed 35, member 7", w)
	}
	if w := (&SimOptions{Seed: 1}).Walk(3); w.Member != -1 || w.Depth != DefaultSimDepth {
		t.Errorf("without a swarm, walk 3 = %+v", w)
	}
}
