package properties

import (
	"strings"

	"github.com/mcheck/mcheck/statespace"
)

// Progress (docs/language.md §5): no reachable configuration where some thread has not
// finished and no step is enabled (a deadlock, the stop-the-world barrier
// included). A configuration stuck only because of the queue's capacity is
// "capacity reached", not a deadlock.

// deadlock reports the deadlocked threads of a configuration with no step.
func deadlock(p *statespace.Program, c *statespace.Config, stuck []int) *statespace.Violation {
	if len(stuck) == 0 {
		return nil
	}
	rule := ruleDeadlock
	for _, t := range stuck {
		if c.Threads[t].Barrier {
			rule = ruleBarrierDeadlock
		}
	}
	var waits, names []string
	for _, t := range stuck {
		waits = append(waits, p.Threads[t].Name+" "+p.DescribeThread(c, t))
		names = append(names, p.Threads[t].Name)
	}
	return &statespace.Violation{
		Property: Progress, Rule: rule, Thread: names[0], Threads: names,
		Action:   "no step is enabled",
		Expected: "every thread finishes or some step is enabled",
		Found:    strings.Join(waits, "; "),
	}
}

// deadlocked returns the running threads of a configuration with no enabled
// step that no send held back by the queue's capacity could ever release
// (docs/language.md §5), in thread order. Releasable threads are found as a fixpoint,
// from the held-back ones (a larger capacity lets them go on):
//   - a thread waiting for a message from q on instance i is releasable if
//     the thread holding (i, q) is releasable and its remaining code may
//     still send or select to the waiting role on an endpoint of i's
//     service as q (Reach.SendsOn, with model.CommChannels), and the
//     endpoint (i, q) is still in use (statespace.EndpointInUse: some
//     running thread refers to it, or a message carries it); a dropped
//     endpoint sends no more, and the roles' names alone (shared between
//     sessions) are not enough;
//   - a thread waiting at an accept on a service as role b is releasable if
//     a releasable thread's remaining code may still request a session of
//     the service with b as a partner; one waiting at a request is
//     releasable if, for each partner role, some thread waits at an accept
//     of it or a releasable thread's remaining code may still accept as it
//     (found by a tester: an accept whose only possible partner was another
//     accept of the same role, behind a held-back send, was "capacity
//     reached" at every capacity);
//   - a thread waiting at the barrier is releasable if every participant yet
//     to arrive is releasable.
//
// "May still" is a static over-approximation (statespace.ReachOf: every
// instruction reachable from the thread's frames, through calls), so a
// capacity artefact is never reported as a deadlock; a thread that nothing
// held back can reach is deadlocked, whatever else the capacity holds back.
func deadlocked(p *statespace.Program, c *statespace.Config) []int {
	var waits []statespace.Wait
	free := make([]bool, len(c.Threads))
	reach := make([]*statespace.Reach, len(c.Threads))
	reachOf := func(t int) *statespace.Reach {
		if reach[t] == nil {
			r := p.ReachOf(c, t)
			reach[t] = &r
		}
		return reach[t]
	}
	for t, th := range c.Threads {
		if th.Status != statespace.Running {
			continue
		}
		w := p.WaitOf(c, t)
		waits = append(waits, w)
		free[t] = w.Kind == statespace.WaitHeldBack
	}
	for changed := true; changed; {
		changed = false
		for _, w := range waits {
			if free[w.Thread] {
				continue
			}
			ok := false
			switch w.Kind {
			case statespace.WaitReceive:
				ok = w.Peer >= 0 && free[w.Peer] && reachOf(w.Peer).SendsOn(p, c, w.Inst, w.From, w.Role) && p.EndpointInUse(c, w.Inst, w.From)
			case statespace.WaitSession:
				ok = sessionReleasable(w, waits, free, reachOf)
			case statespace.WaitBarrier:
				ok = true
				for u, th := range c.Threads {
					if th.Participant && th.HeapVer == 0 && th.Status == statespace.Running && !th.Barrier && !free[u] {
						ok = false
					}
				}
			}
			if ok {
				free[w.Thread], changed = true, true
			}
		}
	}
	var out []int
	for _, w := range waits {
		if !free[w.Thread] {
			out = append(out, w.Thread)
		}
	}
	return out
}

// sessionReleasable reports whether w, a wait at a request or an accept,
// may be released (see deadlocked).
func sessionReleasable(w statespace.Wait, waits []statespace.Wait, free []bool, reachOf func(int) *statespace.Reach) bool {
	if w.Accept {
		for u := range free {
			if free[u] && reachOf(u).Requests[[2]int{w.Service, w.Role}] {
				return true
			}
		}
		return false
	}
	for _, role := range w.Partners {
		ok := false
		for _, x := range waits {
			if x.Kind == statespace.WaitSession && x.Accept && x.Service == w.Service && x.Role == role {
				ok = true
			}
		}
		for u := range free {
			ok = ok || free[u] && reachOf(u).Accepts[[2]int{w.Service, role}]
		}
		if !ok {
			return false
		}
	}
	return true
}
