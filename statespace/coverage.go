package statespace

import (
	"fmt"
	"sort"

	"github.com/mcheck/mcheck/model"
)

// Coverage: which visible instructions (communication, choose, session
// starts, update points) some explored step performed, and which states of
// each role's local type some explored configuration reached — so that a
// user can see what a check never exercised (a dead branch of the model, a
// protocol state no run reaches), as SPIN's unreached-code report does.
// Local evaluation (let, if, arithmetic) is not followed.

// coverage is a set of reached items, indexed by the Program's tables.
type coverage struct {
	instr  []bool // by Program.instrBase[code] + pc
	states []bool // by Program.stateBase[service][version][role] + state
}

func (p *Program) newCoverage() coverage {
	p.coverageTables()
	return coverage{instr: make([]bool, p.nInstr), states: make([]bool, p.nStates)}
}

// coverageTables numbers every instruction and every monitor state, once.
func (p *Program) coverageTables() {
	p.covOnce.Do(func() {
		p.instrBase = make([]int, len(p.Codes))
		for i, c := range p.Codes {
			p.instrBase[i] = p.nInstr
			p.nInstr += len(c.Instrs)
		}
		p.stateBase = make([][2][]int, len(p.Services))
		for s, si := range p.Services {
			for v := 0; v < 2; v++ {
				p.stateBase[s][v] = make([]int, len(si.Monitors[v]))
				for r, lt := range si.Monitors[v] {
					p.stateBase[s][v][r] = p.nStates
					if lt != nil {
						p.nStates += len(lt.States)
					}
				}
			}
		}
	})
}

// step marks what step s, from configuration from, and its target
// configuration reached.
func (cv *coverage) step(p *Program, from *Config, s *Succ) {
	if a := s.Action; a.Code >= 0 && int(a.Code) < len(p.instrBase) {
		cv.instr[p.instrBase[a.Code]+int(a.PC)] = true
	}
	if s.Action.Kind == ActStart {
		// The accepts the start joined, where their threads stood (found
		// by a tester: an accept never joined was never listed).
		for _, u := range s.Action.Threads[1:] {
			if fr := from.Threads[u].Frames; len(fr) > 0 {
				f := &fr[len(fr)-1]
				cv.instr[p.instrBase[f.Code]+int(f.PC)] = true
			}
		}
	}
	for _, in := range s.Next.Insts {
		for _, e := range in.Ends {
			if !e.Untracked && p.Services[in.Service].Monitors[e.Ver][e.Role] != nil {
				cv.states[p.stateBase[in.Service][e.Ver][e.Role]+int(e.State)] = true
			}
		}
	}
}

func (cv *coverage) merge(o coverage) {
	for i, b := range o.instr {
		cv.instr[i] = cv.instr[i] || b
	}
	for i, b := range o.states {
		cv.states[i] = cv.states[i] || b
	}
}

// Unreached is what an exploration never exercised.
type Unreached struct {
	Actions []string // visible instructions no step performed, "send in old f, m.dsu:3:4"
	States  []string // local-type states no configuration reached, "MathB p2: receive <int> from p1"
	// Lines are the source lines no thread reached; nil when the search
	// did not record them (Semantics.Reach).
	Lines []UnreachedLine
}

// unreached lists what cv never reached. Code of the new heap version that
// the update leaves as it was is the same source as the old: an action is
// reported once per source place, unreached only if no version of it ran.
func (cv *coverage) unreached(p *Program) *Unreached {
	u := &Unreached{}
	reached := map[string]bool{}
	var places []string
	for ci, c := range p.Codes {
		for pc, in := range c.Instrs {
			switch in.Op {
			// (An accept is performed by the session start of its
			// requester's step, which marks it: step.)
			case ISend, ISelect, IRecv, ICase, IChoose, IRequest, IAccept, IUpdate, ICall, ITail:
			default:
				continue
			}
			if in.Op == IUpdate && (p.Update == nil || c.Version == 1) {
				// Never an update point: there is no update, or the code
				// is the update's new code, which a thread runs once it
				// has applied (found by a tester: listed as never
				// performed, though it cannot be). An unchanged body's
				// place is the old code's too, listed from there.
				continue
			}
			where := fmt.Sprintf("%s, %s", shortSource(in.Node), p.where(in.Node))
			if _, seen := reached[where]; !seen {
				places = append(places, where)
				reached[where] = false
			}
			if cv.instr[p.instrBase[ci]+pc] {
				reached[where] = true
			}
		}
	}
	for _, w := range places {
		if !reached[w] && !isCallPlace(w) {
			u.Actions = append(u.Actions, w)
		}
	}
	// A protocol several services follow is named with the service (found
	// by a tester: two services' lines read the same).
	users := map[string]map[string]bool{}
	for _, si := range p.Services {
		for _, pr := range si.Protocol {
			if users[pr.Name] == nil {
				users[pr.Name] = map[string]bool{}
			}
			users[pr.Name][si.Name] = true
		}
	}
	seenProto := map[string]bool{}
	for s, si := range p.Services {
		for v := 0; v < 2; v++ {
			pr := si.Protocol[v]
			if seenProto[pr.Name+"/"+si.Name] {
				continue
			}
			seenProto[pr.Name+"/"+si.Name] = true
			for r, lt := range si.Monitors[v] {
				if lt == nil {
					continue
				}
				// States alike in their next action are told apart by
				// their order in the local type (found by a tester: two
				// lines "P2 prod: send <int> to cons").
				descs := make([]string, len(lt.States))
				alike := map[string]int{}
				for st := range lt.States {
					descs[st] = p.describeState(&lt.States[st])
					alike[descs[st]]++
				}
				seen := map[string]int{}
				for st := range lt.States {
					seen[descs[st]]++
					desc := descs[st]
					if n := alike[desc]; n > 1 {
						desc += fmt.Sprintf(" (%s of %d alike, in the order of `mcheck project`)", ordinal(seen[desc]), n)
					}
					// End states are not followed: a session whose roles
					// have all ended is forgotten in the same step.
					if cv.states[p.stateBase[s][v][r]+st] || lt.States[st].Kind == model.LEnd {
						continue
					}
					// The same protocol in the other version may have reached it.
					if other := si.Protocol[1-v]; other == pr && si.Monitors[1-v][r] != nil && cv.states[p.stateBase[s][1-v][r]+st] {
						continue
					}
					line := fmt.Sprintf("%s %s: %s", pr.Name, p.Roles[r], desc)
					if len(users[pr.Name]) > 1 {
						line += " (service " + si.Name + ")"
					}
					u.States = append(u.States, line)
				}
			}
		}
	}
	sort.Strings(u.States)
	return u
}

// isCallPlace: a call is a visible step only where the thread stops at an
// update point, which depends on the run; never-stopped calls are not
// reported as unreached.
func isCallPlace(where string) bool {
	return len(where) > 5 && where[:5] == "call "
}

// ordinal is 1st, 2nd, 3rd, 4th, ...
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
