package statespace

import (
	"fmt"
	"strings"

	"github.com/mcheck/mcheck/model"
)

// The protocol monitor: each endpoint's progress through its role's local
// type, the protocol version of its run, and fidelity (a) and (c) facts.

// monitor returns the local-type state of an endpoint.
func (p *Program) monitor(in *Instance, e *End) (*model.LocalType, *model.LState) {
	lt := p.Services[in.Service].Monitors[e.Ver][e.Role]
	if lt == nil {
		return nil, nil
	}
	return lt, &lt.States[e.State]
}

func (p *Program) endpointName(c *Config, inst, role int) string {
	in := c.Insts[inst]
	return fmt.Sprintf("%s#%d.%s", p.Services[in.Service].Name, in.Serial, p.Roles[role])
}

func (p *Program) protoName(svc int, ver uint8) string {
	return p.Services[svc].Protocol[ver].Name
}

// codeVersion is the heap version of the body thread t is running.
func (p *Program) codeVersion(th *Thread) uint8 {
	return p.Codes[th.Frames[len(th.Frames)-1].Code].Version
}

// checkAct checks fidelity (a) for thread t doing an action on endpoint
// (inst, ei): the code's protocol version must be the run's, and the local
// type must allow the action (ok).
func (s *Semantics) checkAct(c *Config, t, inst, ei int, doing Doing, ok func(st *model.LState) bool) *Fault {
	p := s.P
	in := c.Insts[inst]
	e := &in.Ends[ei]
	if e.Untracked {
		return nil
	}
	th := c.Threads[t]
	ref := endRef(in, e.Role)
	pv := p.ProtoVersion(in.Service, p.codeVersion(th))
	// A role that has reached end has completed every run: it has no run
	// for code of another version to act in, and no action is allowed (a
	// tester found "to act in run 1 under P" said of such a role).
	if pv != e.Ver && !e.Done {
		return &Fault{Kind: FaultVersion, Thread: t, Doing: doing, End: ref, Run: in.RunBase + e.Run + 1,
			RunAtLeast: p.runClamped(in.Service, *e), RunVer: e.Ver, Ver: pv, Code: th.Frames[len(th.Frames)-1].Code}
	}
	lt, st := p.monitor(in, e)
	if lt == nil {
		return &Fault{Kind: FaultNoRole, Thread: t, Doing: doing, End: ref, Ver: e.Ver}
	}
	if !ok(st) {
		return &Fault{Kind: FaultAction, Thread: t, Doing: doing, End: ref, Local: lt, State: st}
	}
	return nil
}

func (p *Program) codeName(th *Thread) string {
	return p.CodeName(th.Frames[len(th.Frames)-1].Code)
}

// describeState says what a local-type state expects next.
func (p *Program) describeState(st *model.LState) string {
	switch st.Kind {
	case model.LSend:
		return fmt.Sprintf("send <%s> to %s", st.Type, joinNames(st.Peers))
	case model.LRecv:
		return fmt.Sprintf("receive <%s> from %s", st.Type, st.Peers[0])
	case model.LSelect:
		return fmt.Sprintf("select one of {%s} to %s", branchLabels(st), joinNames(st.Peers))
	case model.LOffer:
		return fmt.Sprintf("receive one of {%s} from %s", branchLabels(st), st.Peers[0])
	}
	return "do nothing more (end)"
}

func branchLabels(st *model.LState) string {
	var ls []string
	for _, b := range st.Branches {
		ls = append(ls, b.Label)
	}
	return strings.Join(ls, ", ")
}

func joinNames(ns []string) string {
	out := ""
	for i, n := range ns {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	if len(ns) > 1 {
		return "{" + out + "}"
	}
	return out
}

func (p *Program) roleNames(ids []int) []string {
	var out []string
	for _, id := range ids {
		out = append(out, p.Roles[id])
	}
	return out
}

func sameRoles(p *Program, ids []int, names []string) bool {
	if len(ids) != len(names) {
		return false
	}
	for _, id := range ids {
		found := false
		for _, n := range names {
			if p.Roles[id] == n {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// moveMonitor advances endpoint e (of a private instance copy) along the
// transition (next, endsRun) of its local type, after its action; it
// records the run's protocol version for fidelity (c) when the action is
// the run's first (startRun).
func (s *Semantics) moveMonitor(c *Config, t, inst, ei int, next int, endsRun bool) *Fault {
	p := s.P
	in := c.inst(inst)
	e := &in.Ends[ei]
	if e.Untracked {
		return nil
	}
	if fault := startRun(in, ei, t); fault != nil {
		return fault
	}
	lt := p.Services[in.Service].Monitors[e.Ver][e.Role]
	if !endsRun {
		e.State = int32(next)
		return nil
	}
	e.Run++
	e.Started = false
	if lt.States[next].Kind == model.LEnd {
		e.State = int32(next)
		e.Done = true
		return nil
	}
	// If the new protocol has no such role the endpoint has no monitor:
	// checkAct reports its next action as a fidelity (a) fault.
	e.Ver = e.NextVer
	e.State = 0
	return nil
}

// startRun judges fidelity (c) for an action of thread t on endpoint ei of
// instance in (a private copy) that its local type allows: if the action is
// the first of the endpoint's run, the run's protocol version is recorded,
// or, if another role performed the run under another version, that is a
// fidelity (c) fact and the endpoint is no longer followed. It is judged
// whatever else the step breaks (a message of the wrong type, an endpoint
// sent as a message): each fact of a step is recorded (docs/language.md §5).
func startRun(in *Instance, ei, t int) *Fault {
	e := &in.Ends[ei]
	if e.Untracked || e.Started {
		return nil
	}
	e.Started = true
	r := int(e.Run)
	recorded, ok := uint8(0), false
	switch {
	case r < len(in.RunVer):
		recorded, ok = in.RunVer[r], true
	case in.RunTail != 0:
		recorded, ok = in.RunTail-1, true
	}
	if !ok {
		for len(in.RunVer) < r {
			in.RunVer = append(in.RunVer, e.Ver) // unreachable in practice: earlier runs were started
		}
		in.RunVer = append(in.RunVer, e.Ver)
		return nil
	}
	if recorded == e.Ver {
		return nil
	}
	// After any fidelity fault the endpoint is no longer followed (what it
	// does next is a consequence; with fidelity off, the search goes on
	// without it).
	e.Untracked = true
	f := &Fault{Kind: FaultRunMix, Thread: t, End: endRef(in, e.Role), Run: in.RunBase + e.Run + 1, RunVer: recorded, Ver: e.Ver}
	// A role that performed the run, followed without a fault, did it
	// under the recorded version: the report names it (found by a tester:
	// "as another role did" left the reader to find which).
	for k := range in.Ends {
		o := &in.Ends[k]
		if k != ei && !o.Untracked && (o.Run > e.Run || o.Run == e.Run && o.Started) {
			f.Witness = o.Role + 1
			break
		}
	}
	if f.Witness == 0 && len(in.Ends) == 2 && r < len(in.RunVer) {
		// The other role recorded the run (this one has not started it),
		// though it may have ended since and its runs been forgotten.
		f.Witness = in.Ends[1-ei].Role + 1
	}
	return f
}

// loseMonitor marks endpoint (inst, ei) as no longer tracked, after a fault.
func (c *Config) loseMonitor(inst, ei int) {
	if inst >= 0 {
		c.inst(inst).Ends[ei].Untracked = true
	}
}
