// Package properties owns mcheck's rules (docs/language.md §5): which facts of the
// semantics are violations, of which property and rule, and how each is
// worded. One file per property: fidelity.go, linearity.go, progress.go,
// completion.go, runtime.go; each is on by default and can be switched off.
//
// The semantics (package statespace) records facts as data — a monitor that
// refused an action, a message of the wrong kind, a run performed under two
// protocol versions, a runtime error — on the steps it generates
// (statespace.Fault). CheckStep turns the first fact of a step whose property
// is on into a violation; CheckTerminal judges configurations without
// successors: deadlock (or capacity reached), an incomplete update, orphan
// messages.
package properties

import (
	"fmt"
	"slices"
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

// Checker is the set of enabled properties; it implements statespace.Checker
// (it judges the facts of steps and the configurations with no step).
type Checker map[string]bool

// All returns the set of every property.
func All() Checker {
	s := Checker{}
	for _, n := range Names {
		s[n] = true
	}
	return s
}

// Without returns the set of every property except the named ones.
func Without(names []string) (Checker, error) {
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
func (s Checker) Enabled() []string {
	var out []string
	for _, n := range Names {
		if s[n] {
			out = append(out, n)
		}
	}
	return out
}

// fact is how one kind of fact is judged: its property and rule, and its
// wording (what was expected, what was found).
type fact struct {
	property, rule string
	word           func(p *statespace.Program, f *statespace.Fault) (expected, found string)
}

// facts maps every kind of fact to its rule; each property's file fills
// its own kinds in.
var facts = map[statespace.FaultKind]fact{}

func rule(kinds map[statespace.FaultKind]fact) bool {
	for k, f := range kinds {
		facts[k] = f
	}
	return true
}

// CheckStep reports the first fact of a step whose property is on.
func (s Checker) CheckStep(p *statespace.Program, from *statespace.Config, st *statespace.Succ) *statespace.Violation {
	f := st.Fault
	for f != nil && !s[facts[f.Kind].property] {
		f = f.Also
	}
	if f == nil {
		return nil
	}
	return s.violation(p, from, st, f)
}

// CheckStepFacts reports every fact of a step whose property is on, in
// order (statespace.FactsChecker): with --continue, each is a violation.
func (s Checker) CheckStepFacts(p *statespace.Program, from *statespace.Config, st *statespace.Succ) []*statespace.Violation {
	var out []*statespace.Violation
	for f := st.Fault; f != nil; f = f.Also {
		if s[facts[f.Kind].property] {
			out = append(out, s.violation(p, from, st, f))
		}
	}
	return out
}

// violation words fact f of step st.
func (s Checker) violation(p *statespace.Program, from *statespace.Config, st *statespace.Succ, f *statespace.Fault) *statespace.Violation {
	r := facts[f.Kind]
	expected, found := r.word(p, f)
	v := &statespace.Violation{Property: r.property, Rule: r.rule, Expected: expected, Found: found}
	if f.Thread >= 0 {
		v.Thread = p.Threads[f.Thread].Name
	}
	if from != nil {
		v.Action = p.DescribeAction(from, st)
		if f.Kind == statespace.FaultStartNoRole && f.Thread >= 0 && f.Thread != st.Action.Thread {
			// The step's place is the requester's: say where the thread at
			// fault joined (a tester read the request's place as TB's).
			v.Found += ", which " + v.Thread + " takes " + p.DescribeThread(from, f.Thread)
		}
	} else {
		v.Action = "(before the first step)"
	}
	return v
}

// RuleBarrierDeadlock is the rule of a deadlock with a thread waiting at
// the stop-the-world barrier.
const RuleBarrierDeadlock = "deadlock at the stop-the-world barrier"

// The rules of the violations of a configuration with no successors
// (CheckTerminal); every other rule is a step's.
const (
	ruleDeadlock        = "deadlock"
	ruleBarrierDeadlock = RuleBarrierDeadlock
	ruleIncomplete      = "update not completed"
	ruleOrphans         = "orphan messages"
)

// Rules lists the rules of property's violations, sorted: those of its
// steps' facts, of configurations with no successors, and, for update
// completion, the liveness lasso's (statespace.RuleNeverApplies).
func Rules(property string) []string {
	var out []string
	add := func(r string) {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	for _, f := range facts {
		if f.property == property {
			add(f.rule)
		}
	}
	for _, r := range []string{ruleDeadlock, ruleBarrierDeadlock, ruleIncomplete, ruleOrphans} {
		if (Checker{}).TerminalRule(property, r) {
			add(r)
		}
	}
	if property == UpdateCompletion {
		add(statespace.RuleNeverApplies)
	}
	slices.Sort(out)
	return out
}

// TerminalRule reports whether CheckTerminal may report a violation of the
// given property and rule (statespace.TerminalRules): if not, only a step
// does, and a search that expanded every configuration fewer than d steps
// deep has seen every such violation within d steps.
func (s Checker) TerminalRule(property, rule string) bool {
	switch rule {
	case ruleDeadlock, ruleBarrierDeadlock:
		return property == Progress
	case ruleIncomplete:
		return property == UpdateCompletion
	case ruleOrphans:
		return property == Linearity
	}
	return false
}

// CheckTerminal judges a configuration with no successors, in report order:
// progress (a configuration stuck only by the capacity is judged no
// further), update completion, orphan messages.
func (s Checker) CheckTerminal(p *statespace.Program, c *statespace.Config, info statespace.StepInfo) *statespace.Violation {
	if vs := s.terminal(p, c, info, false); len(vs) > 0 {
		return vs[0]
	}
	return nil
}

// CheckTerminalFacts reports every violation of a configuration with no
// successors, in report order (statespace.FactsChecker): with --continue,
// a stuck configuration can be a deadlock, leave the update incomplete and
// messages orphaned at once, three violations.
func (s Checker) CheckTerminalFacts(p *statespace.Program, c *statespace.Config, info statespace.StepInfo) []*statespace.Violation {
	return s.terminal(p, c, info, true)
}

// terminal judges a configuration with no successors: the first violation,
// or with all every one.
func (s Checker) terminal(p *statespace.Program, c *statespace.Config, info statespace.StepInfo, all bool) []*statespace.Violation {
	stuck := deadlocked(p, c)
	if len(stuck) == 0 && info.CapacityBlocked {
		// Only the queue's capacity holds the system: a bound, not a
		// deadlock, and nothing else is judged here (docs/language.md §5). The
		// explorer counts it.
		return nil
	}
	var out []*statespace.Violation
	for _, judge := range []struct {
		on bool
		v  func() *statespace.Violation
	}{
		{s[Progress], func() *statespace.Violation { return deadlock(p, c, stuck) }},
		{s[UpdateCompletion], func() *statespace.Violation { return incomplete(p, c) }},
		{s[Linearity], func() *statespace.Violation { return orphans(p, c) }},
	} {
		if !judge.on {
			continue
		}
		if v := judge.v(); v != nil {
			out = append(out, v)
			if !all {
				break
			}
		}
	}
	return out
}
