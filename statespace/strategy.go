package statespace

import (
	"fmt"
	"sort"
	"strings"
)

// A Strategy decides when a thread taking part in the update applies it
// (docs/language.md §4). Each strategy is one implementation of this interface in a file
// of its own; registering it in the strategies table is all it takes to add
// one.
//
// Strategies must be pure functions of their arguments: the semantics calls
// them while generating successors, from several goroutines at once.
type Strategy interface {
	// Name is the strategy's name on the command line.
	Name() string
	// Introduce is called once, on a private copy of the configuration, in
	// the step that introduces the update, after the participants have been
	// marked. It may set each instance's update run number (Instance.N).
	Introduce(p *Program, c *Config)
	// Decide says what participant thread t, which has not applied the
	// update and sits at one of its update points, does there. It may
	// look at the whole configuration but at thread t only through its
	// Participant and HeapVer flags: so its answer is the same at every
	// update point the thread reaches in one local run (the thread memo
	// relies on this: memo.go).
	// (A strategy that cannot keep to this implements PointDependent.)
	Decide(p *Program, c *Config, t int) Decision
	// Release reports whether the threads waiting at the barrier are all
	// released now, applying the update together in one step. Strategies
	// without a barrier return false.
	Release(p *Program, c *Config) bool
}

// Decision is what a thread does at an update point.
type Decision uint8

const (
	Pass   Decision = iota // go on without applying
	Apply                  // apply the update here
	Either                 // apply or not: both are explored
	Block                  // wait at the barrier
)

var strategies = map[string]func() Strategy{}

// RegisterStrategy makes a strategy available by name.
func RegisterStrategy(name string, mk func() Strategy) { strategies[name] = mk }

// StrategyNamed returns the strategy registered under name.
func StrategyNamed(name string) (Strategy, error) {
	if mk, ok := strategies[name]; ok {
		return mk(), nil
	}
	return nil, fmt.Errorf("unknown strategy %q (known: %s)", name, strings.Join(StrategyNames(), ", "))
}

// StrategyNames lists the registered strategies in a fixed order: the
// paper's three first, then any others alphabetically.
func StrategyNames() []string {
	order := map[string]int{"uncoordinated": 0, "stop-the-world": 1, "max+1": 2}
	var names []string
	for n := range strategies {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, iok := order[names[i]]
		oj, jok := order[names[j]]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return names[i] < names[j]
	})
	return names
}

// SetRunNumbers sets, for every live instance of a service the update
// moves, n = max(run numbers of the instance's roles) + 1 (the paper's
// update run number, docs/language.md §4). Roles that have reached end count too: the
// messages of their runs must still be consumed under the old protocol.
func SetRunNumbers(p *Program, c *Config) {
	for i := range c.Insts {
		setRunNumber(p, c, i)
	}
}

// setRunNumber is SetRunNumbers for instance i alone; it reports whether
// it changed it.
func setRunNumber(p *Program, c *Config, i int) bool {
	in := c.Insts[i]
	if !p.Services[in.Service].Moved {
		return false
	}
	max, live := int32(-1), false
	for _, e := range in.Ends {
		if e.Run > max {
			max = e.Run
		}
		live = live || !e.Done
	}
	if !live {
		return false // every role is done: nothing to wait for
	}
	c.inst(i).N = max + 1
	return true
}

// RunNumbering is implemented by a strategy whose Introduce is
// SetRunNumbers and nothing else: the explorer may then do it instance by
// instance through its memo (memo.go).
type RunNumbering interface {
	SetsRunNumbers() bool
}

// setsRunNumbers reports whether st's Introduce is SetRunNumbers.
func setsRunNumbers(st Strategy) bool {
	r, ok := st.(RunNumbering)
	return ok && r.SetsRunNumbers()
}

// CompletedN reports whether thread t has completed run n on every endpoint
// it holds of an instance that has an update run number. An endpoint whose
// monitor was lost (after a reported fault, or moved to a protocol without
// its role) no longer counts runs and holds nothing back.
func CompletedN(c *Config, t int) bool {
	for _, in := range c.Insts {
		if in.N == NoRunNumber {
			continue
		}
		for _, e := range in.Ends {
			if int(e.Holder) == t && !e.Done && !e.Untracked && e.Run < in.N {
				return false
			}
		}
	}
	return true
}

// PointDependent is implemented by a strategy whose Decide, against the
// contract of Strategy, also looks at where thread t stands (OnlyAt: one
// update point of one thread). The thread memo, which relies on the
// answer being the same at every point of a local run, is off under it.
type PointDependent interface {
	DependsOnPoint() bool
}

// dependsOnPoint reports whether st's decisions may depend on where the
// thread stands.
func dependsOnPoint(st Strategy) bool {
	d, ok := st.(PointDependent)
	return ok && d.DependsOnPoint()
}
