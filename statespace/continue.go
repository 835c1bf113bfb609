package statespace

import (
	"sort"
	"strings"
)

// Going on after a violation (Options.Continue, TLC's -continue, spin -e).
//
// Violations are distinct by property, rule, thread and source location
// (Violation.Where): the same fault met again in another interleaving, at
// another depth or with other values, is one violation. Breadth-first order
// meets each distinct violation first at its least depth, so the first
// trace recorded for it is a shortest one; a violation on a step is one
// deeper than the configuration expanded, so one met later in the same
// level, at a configuration with no step, may still be shorter and then
// replaces it. A step that violates is followed like any other: TLC goes
// on from a state that violates an invariant, SPIN past an assertion that
// fails, and every step of the semantics has a successor (a fault is a
// fact about the step, not the end of the run). A configuration with no
// step has nothing to follow.

// DefaultMaxViolations is the number of distinct violations a search with
// Options.Continue records before it stops, when none is given.
const DefaultMaxViolations = 100

// foundViol is a violation met while expanding a configuration: through
// its successor succ (-1: the configuration itself), and its identity.
type foundViol struct {
	succ int
	fact int // which of the step's violations (FactsChecker)
	key  string
}

// continued records the distinct violations of a search.
type continued struct {
	max   int
	seen  map[string]int // key → index in list
	list  []foundAt
	full  bool // a distinct violation beyond max was met
	order int
}

// foundAt is one distinct violation: where it was met and at what depth
// (its trace's length). v is set for the initial configuration's, which
// has no state to replay from.
type foundAt struct {
	at    violAt
	depth int
	v     *Violation
}

func newContinued(max int) *continued {
	if max <= 0 {
		max = DefaultMaxViolations
	}
	return &continued{max: max, seen: map[string]int{}}
}

// foundInitial records the violation of the step that builds the initial
// configuration (a thread that fails before its first visible step).
func (c *continued) foundInitial(v *Violation) {
	key := violKey(v.Property, v.Rule, v.Thread, v.Where)
	if _, ok := c.seen[key]; ok {
		return
	}
	if len(c.list) >= c.max {
		c.full = true
		return
	}
	c.seen[key] = len(c.list)
	c.list = append(c.list, foundAt{depth: 0, v: v})
}

// foundInitial records the initial configuration's violation.
func (x *search) foundInitial(v *Violation) { x.cont.foundInitial(v) }

// note records a violation met at depth d, unless one with the same key
// is known at no greater depth. It is called in frontier order, so the
// list does not depend on the number of workers.
func (c *continued) note(at violAt, d int, key string) {
	if i, ok := c.seen[key]; ok {
		if c.list[i].depth > d {
			c.list[i].at, c.list[i].depth = at, d
		}
		return
	}
	if len(c.list) >= c.max {
		c.full = true
		return
	}
	c.seen[key] = len(c.list)
	c.list = append(c.list, foundAt{at: at, depth: d})
}

// collect replays every distinct violation into res (once), shortest
// first, in the order they were met among those of one length.
func (c *continued) collect(sem *Semantics, opt Options, res *Result) error {
	if c.list == nil || res.Violations != nil {
		return nil
	}
	sort.SliceStable(c.list, func(i, j int) bool { return c.list[i].depth < c.list[j].depth })
	out := make([]*Violation, 0, len(c.list))
	for _, f := range c.list {
		v := f.v
		if v == nil {
			var err error
			if v, err = replayViolation(sem, opt, f.at); err != nil {
				return err
			}
		}
		out = append(out, v)
	}
	res.Violations, res.Violation = out, out[0]
	return nil
}

// violationKey is what makes a violation distinct: its property, rule,
// thread and source position, in configuration c (before the step s, or
// with no step if s is nil).
//
// A violation of a configuration with no step that names several threads
// at fault (Violation.Threads: a deadlock of several, several participants
// that have not applied) is told apart by every one of them and where each
// waits: by the first alone, which one that is depends on the order of
// declaration, and two deadlocks with the same first thread were one
// (adversarial tester, declarations reordered).
func violationKey(p *Program, v *Violation, c *Config, s *Succ) string {
	if len(v.Threads) > 1 {
		at := make([]string, len(v.Threads))
		for i, t := range v.Threads {
			w := *v
			w.Thread = t
			at[i] = t + "@" + violationWhere(p, &w, c, s)
		}
		sort.Strings(at)
		return violKey(v.Property, v.Rule, strings.Join(at, "\x01"), "")
	}
	return violKey(v.Property, v.Rule, v.Thread, violationWhere(p, v, c, s))
}

func violKey(property, rule, thread, where string) string {
	return property + "\x00" + rule + "\x00" + thread + "\x00" + where
}

// violationWhere is the source position of violation v of step s from
// configuration c (or of c itself, s nil): for a runtime error, where it
// happened; else the instruction the thread at fault performs or waits at
// in c. "" when no thread is at fault.
func violationWhere(p *Program, v *Violation, c *Config, s *Succ) string {
	t := p.threadNamed(v.Thread)
	if t < 0 || c == nil {
		return ""
	}
	if s != nil && v.Property == propRuntime {
		// Only a runtime error is placed where it happened: the step's
		// other facts are its action's (found by a tester: a receive's
		// fidelity facts took the place of the runtime error that followed
		// in the same step, and one fault was listed twice).
		for f := s.Fault; f != nil; f = f.Also {
			if f.Thread != t || (f.Kind != FaultRuntime && f.Kind != FaultDiverges) {
				continue
			}
			if i := strings.LastIndex(f.Problem, " at "); i >= 0 {
				return f.Problem[i+len(" at "):]
			}
		}
	}
	if t >= len(c.Threads) || len(c.Threads[t].Frames) == 0 {
		return ""
	}
	fr := c.Threads[t].Frames[len(c.Threads[t].Frames)-1]
	if int(fr.Code) >= len(p.Codes) || int(fr.PC) >= len(p.Codes[fr.Code].Instrs) {
		return ""
	}
	return p.where(p.Codes[fr.Code].Instrs[fr.PC].Node)
}

// threadNamed returns the index of the thread named name, or -1.
func (p *Program) threadNamed(name string) int {
	if name == "" {
		return -1
	}
	for i, t := range p.Threads {
		if t.Name == name {
			return i
		}
	}
	return -1
}
