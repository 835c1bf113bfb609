// Package properties decides which facts of the semantics are violations
// and writes their reports (SPEC §5): fidelity, linearity, progress, update
// completion and runtime errors, each on by default and each switchable off.
//
// The semantics (package statespace) records facts — a monitor that refused
// an action, a message of the wrong kind, a run performed under two protocol
// versions, a runtime error — on the steps it generates; this package maps
// them to properties, and inspects configurations without successors for
// deadlocks, incomplete updates and orphan messages.
package properties

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mcheck/mcheck/statespace"
)

// The properties, by name.
const (
	Fidelity         = "fidelity"
	Linearity        = "linearity"
	Progress         = "progress"
	UpdateCompletion = "update-completion"
	Runtime          = "runtime"
)

// Names lists every property, in report order.
var Names = []string{Fidelity, Linearity, Progress, UpdateCompletion, Runtime}

// Set is a set of enabled properties. It implements statespace.Checker.
type Set map[string]bool

// All returns the set of every property.
func All() Set {
	s := Set{}
	for _, n := range Names {
		s[n] = true
	}
	return s
}

// Without returns the set of every property except the named ones.
func Without(names []string) (Set, error) {
	s := All()
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !s[n] && !contains(Names, n) {
			return nil, fmt.Errorf("unknown property %q (known: %s)", n, strings.Join(Names, ", "))
		}
		delete(s, n)
	}
	return s, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// Enabled lists the enabled properties in report order.
func (s Set) Enabled() []string {
	var out []string
	for _, n := range Names {
		if s[n] {
			out = append(out, n)
		}
	}
	return out
}

var faultRule = map[statespace.FaultKind][2]string{
	statespace.FaultAction:    {Fidelity, "fidelity (a): action not allowed by the local type"},
	statespace.FaultVersion:   {Fidelity, "fidelity (a): code of one protocol version acts in a run under another"},
	statespace.FaultMessage:   {Fidelity, "fidelity (b): message of the wrong kind, type or label"},
	statespace.FaultRunMix:    {Fidelity, "fidelity (c): one run performed under two protocol versions"},
	statespace.FaultOwnership: {Linearity, "linearity: endpoint ownership"},
	statespace.FaultRuntime:   {Runtime, "runtime error"},
}

// CheckStep reports the fault of a step, if its property is enabled.
func (s Set) CheckStep(p *statespace.Program, from *statespace.Config, st *statespace.Succ) *statespace.Violation {
	// The first fact of the step whose property is enabled.
	f := st.Fault
	for f != nil && !s[faultRule[f.Kind][0]] {
		f = f.Also
	}
	if f == nil {
		return nil
	}
	rule := faultRule[f.Kind]
	v := &statespace.Violation{Property: rule[0], Rule: rule[1], Expected: f.Expected, Found: f.Found}
	if f.Thread >= 0 {
		v.Thread = p.Threads[f.Thread].Name
	}
	if from != nil {
		v.Action = p.DescribeAction(from, st)
	} else {
		v.Action = "(before the first step)"
	}
	return v
}

// CheckTerminal inspects a configuration with no successors.
func (s Set) CheckTerminal(p *statespace.Program, c *statespace.Config, info statespace.StepInfo) *statespace.Violation {
	stuck := deadlocked(p, c)
	if len(stuck) == 0 && info.CapacityBlocked {
		// Only the queue's capacity holds the system: a bound, not a
		// deadlock, and nothing else is judged here (SPEC §5). The
		// explorer counts it.
		return nil
	}
	barrier := false
	for _, t := range stuck {
		barrier = barrier || c.Threads[t].Barrier
	}
	if len(stuck) > 0 && s[Progress] {
		rule := "deadlock"
		if barrier {
			rule = "deadlock at the stop-the-world barrier"
		}
		var waits []string
		for _, t := range stuck {
			waits = append(waits, p.Threads[t].Name+" "+p.DescribeThread(c, t))
		}
		return &statespace.Violation{
			Property: Progress, Rule: rule, Thread: p.Threads[stuck[0]].Name,
			Action:   "no step is enabled",
			Expected: "every thread finishes or some step is enabled",
			Found:    strings.Join(waits, "; "),
		}
	}
	if c.Upd.Introduced && s[UpdateCompletion] && p.Update != nil {
		var missing []string
		for t, th := range c.Threads {
			// Applied or finished (SPEC §5): a participant that stopped
			// without applying has nothing left to update.
			if th.Participant && th.HeapVer == 0 && th.Status == statespace.Running {
				missing = append(missing, p.Threads[t].Name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return &statespace.Violation{
				Property: UpdateCompletion, Rule: "update not completed", Thread: missing[0],
				Action:   "no step is enabled",
				Expected: fmt.Sprintf("every thread taking part in update %s to have applied it or finished", p.Update.Name),
				Found:    "not applied by " + strings.Join(missing, ", "),
			}
		}
	}
	if len(c.Queue) > 0 && s[Linearity] {
		return &statespace.Violation{
			Property: Linearity, Rule: "orphan messages",
			Action:   "no step is enabled",
			Expected: "every message consumed when the system stops",
			Found:    "left in the queue: " + p.DescribeQueue(c),
		}
	}
	return nil
}

// deadlocked returns the running threads of a configuration with no enabled
// step that no send held back by the queue's capacity could ever release
// (SPEC §5), in thread order. Releasable threads are found as a fixpoint,
// from the held-back ones (a larger capacity lets them go on):
//   - a thread waiting for a message from q on instance i is releasable if
//     the thread holding (i, q) is releasable and its remaining code may
//     still send or select to the waiting role;
//   - a thread waiting at a request or accept on a service is releasable if
//     a releasable thread's remaining code may still request or accept on it;
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
				ok = w.Peer >= 0 && free[w.Peer] && reachOf(w.Peer).SendsTo[w.Role]
			case statespace.WaitSession:
				for u := range c.Threads {
					ok = ok || (free[u] && reachOf(u).Sessions[w.Service])
				}
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
