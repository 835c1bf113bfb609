package statespace

// What a strategy costs (README, "Growth and strategy costs"), measured as
// the search goes by an observer of it: configurations with threads waiting
// at the barrier, run mixes, and the update's latency.
//
// The latency is the greatest number of steps from the introduction to the
// step after which every participant has applied (or finished), along the
// shortest (BFS) path to each configuration where that happens. To follow
// it, every state in the frontier carries a tag: the number of steps since
// the introduction along the path by which it was first reached, or
// tagBefore (not yet introduced) or tagComplete (already completed, its
// latency counted). The tag is a metric, not part of the state's identity.
type costs struct {
	blockedConfigs int64
	maxBlocked     int
	mixedRuns      int64
	latency        int  // -1: the update never completed
	introduced     bool // some explored configuration has the update introduced
}

// Latency tags that are not step counts.
const (
	tagBefore   = -1 // the update has not been introduced
	tagComplete = -2 // the update has completed on the way here
)

// tagged is a successor's tag, and whether the update completes in it.
type tagged struct {
	tag      int64
	complete bool
}

// observe counts, in an expanded configuration and its steps, the threads
// waiting at the barrier and the run mixes (fidelity (c) facts, counted
// whether or not fidelity reports them).
func observe(c *Config, succs []Succ) (blocked int, mixed int64) {
	for _, th := range c.Threads {
		if th.Barrier {
			blocked++
		}
	}
	for i := range succs {
		if mixesRuns(succs[i].Fault) {
			mixed++
		}
	}
	return blocked, mixed
}

// expanded adds one expanded configuration's counts.
func (k *costs) expanded(blocked int, mixed int64) {
	if blocked > 0 {
		k.blockedConfigs++
		k.maxBlocked = max(k.maxBlocked, blocked)
	}
	k.mixedRuns += mixed
}

// tagOf is the tag of configuration c reached by one step from a state
// tagged parent.
func tagOf(p *Program, c *Config, parent int64) tagged {
	switch {
	case parent == tagComplete:
		return tagged{tag: tagComplete}
	case !c.Upd.Introduced:
		return tagged{tag: tagBefore}
	}
	steps := parent + 1 // the introduction step itself gives 0
	if parent == tagBefore {
		steps = 0
	}
	return tagged{tag: steps, complete: updateComplete(p, c)}
}

// reached is called for every new state: it counts the latency of a state
// where the update completes, and returns the tag the state keeps.
func (k *costs) reached(t tagged) int64 {
	k.introduced = k.introduced || t.tag != tagBefore
	if t.complete {
		k.latency = max(k.latency, int(t.tag))
		return tagComplete
	}
	return t.tag
}

// result copies the counts into a result.
func (k *costs) result(res *Result) {
	res.BlockedConfigs, res.MaxBlocked, res.MixedRuns, res.UpdateLatency = k.blockedConfigs, k.maxBlocked, k.mixedRuns, k.latency
	res.Introduced = k.introduced
}

// updateComplete reports whether every participant has applied the update
// or finished.
func updateComplete(p *Program, c *Config) bool {
	if p.Update == nil || !c.Upd.Introduced {
		return false
	}
	for _, th := range c.Threads {
		if th.Participant && th.HeapVer == 0 && th.Status == Running {
			return false
		}
	}
	return true
}
