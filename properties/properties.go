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
	f := st.Fault
	if f == nil {
		return nil
	}
	rule := faultRule[f.Kind]
	if !s[rule[0]] {
		return nil
	}
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
	var stuck []int
	barrier := false
	for t, th := range c.Threads {
		if th.Status == statespace.Running {
			stuck = append(stuck, t)
			barrier = barrier || th.Barrier
		}
	}
	if len(stuck) > 0 && info.CapacityBlocked {
		// Only the queue's capacity holds the system: a bound, not a
		// deadlock (SPEC §5). The explorer counts it.
		return nil
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
			if th.Participant && th.HeapVer == 0 {
				missing = append(missing, p.Threads[t].Name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return &statespace.Violation{
				Property: UpdateCompletion, Rule: "update not completed", Thread: missing[0],
				Action:   "no step is enabled",
				Expected: fmt.Sprintf("every thread taking part in update %s to have applied it", p.Update.Name),
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
