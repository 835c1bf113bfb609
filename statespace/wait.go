package statespace

import (
	"slices"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
)

// WaitKind says what a running thread that cannot move is waiting for.
type WaitKind uint8

const (
	WaitNone     WaitKind = iota // not waiting (finished, or it can move)
	WaitHeldBack                 // at a send or select the queue's capacity holds back
	WaitReceive                  // at a receive or case: for a message from Peer
	WaitSession                  // at a request or accept: for partners on Service
	WaitBarrier                  // at the stop-the-world barrier
)

// Wait is what thread Thread waits for in a configuration (a fact for the
// progress property: which stuck threads a held-back send could release).
type Wait struct {
	Kind    WaitKind
	Thread  int
	Peer    int // WaitReceive: the thread holding the sending endpoint, -1 if none
	Role    int // WaitReceive: the waiting thread's role
	Inst    int // WaitReceive: the instance, -1 if none
	From    int // WaitReceive: the sending role
	Service int // WaitSession: the service
	// WaitSession: at an accept (Accept) of role Role, or at a request
	// as role Role for the roles Partners (the others of its role set).
	Accept   bool
	Partners []int
}

// WaitOf says what running thread t is waiting for in c, assuming it cannot
// move: at a send or select it is held back by the capacity.
func (p *Program) WaitOf(c *Config, t int) Wait {
	th := c.Threads[t]
	w := Wait{Thread: t, Peer: -1, Role: -1, Inst: -1, From: -1, Service: -1}
	if th.Status != Running {
		return w
	}
	if th.Barrier {
		w.Kind = WaitBarrier
		return w
	}
	f := &th.Frames[len(th.Frames)-1]
	in := &p.Codes[f.Code].Instrs[f.PC]
	switch in.Op {
	case ISend, ISelect:
		w.Kind = WaitHeldBack
	case IRecv, ICase:
		w.Kind = WaitReceive
		if ev := f.Stack[len(f.Stack)-1]; ev.K == VEndpoint {
			if inst, role := ev.Endpoint(); inst != DeadInstance && inst < len(c.Insts) {
				w.Role, w.Inst, w.From = role, inst, int(in.A)
				if k := c.Insts[inst].end(int(in.A)); k >= 0 {
					w.Peer = int(c.Insts[inst].Ends[k].Holder)
				}
			}
		}
	case IRequest:
		w.Kind, w.Service, w.Role = WaitSession, int(in.A), int(in.C)
		for _, r := range p.roleSets[in.B] {
			if r != w.Role {
				w.Partners = append(w.Partners, r)
			}
		}
	case IAccept:
		w.Kind, w.Service, w.Role, w.Accept = WaitSession, int(in.A), int(in.B), true
	}
	return w
}

// EndpointInUse reports whether endpoint (inst, role) of c may still be
// acted on: a running thread refers to it (a live variable or an operand:
// dead ones are cleared in canonical form) or a queued message carries it
// to a thread. An endpoint no one refers to can never send again, whoever
// holds it: it was dropped.
func (p *Program) EndpointInUse(c *Config, inst, role int) bool {
	is := func(v Value) bool {
		if v.K != VEndpoint {
			return false
		}
		i, r := v.Endpoint()
		return i == inst && r == role
	}
	for _, th := range c.Threads {
		if th.Status != Running {
			continue
		}
		for _, f := range th.Frames {
			if slices.ContainsFunc(f.Slots, is) || slices.ContainsFunc(f.Stack, is) {
				return true
			}
		}
	}
	for _, ch := range c.Queue {
		for _, m := range ch.Msgs {
			if m.Label < 0 && is(m.Val) {
				return true
			}
		}
	}
	return false
}

// Joins reports whether thread t's code can open or join a session of
// service svc (request or accept on it).
func (p *Program) Joins(t, svc int) bool { return p.Threads[t].Joins[svc] }

// Reach is what a thread's remaining code can still do, by a static
// over-approximation: the roles it may send or select to, and the services
// it may request or accept on.
type Reach struct {
	SendsTo  map[int]bool // role ids
	Sessions map[int]bool // service indices
	// Requests and Accepts: the (service, role) pairs the code may still
	// request a session with as a partner (a role of the request but the
	// requester's), and accept a session as.
	Requests map[[2]int]bool
	Accepts  map[[2]int]bool
	// sendsOn, per receiving role id, what the channels of the sends and
	// selects to it may be (model.CommChannels).
	sendsOn map[int][]model.ChanSet
}

// SendsOn reports whether the code may still send or select to role to on
// an endpoint of instance inst's service, as role from.
func (r Reach) SendsOn(p *Program, c *Config, inst, from, to int) bool {
	if !r.SendsTo[to] {
		return false
	}
	if inst < 0 || inst >= len(c.Insts) || from < 0 {
		return true
	}
	svc, role := p.Services[c.Insts[inst].Service].Name, p.Roles[from]
	for _, cs := range r.sendsOn[to] {
		if cs.Has(svc, role) {
			return true
		}
	}
	return false
}

// sendChannels is the model's CommChannels, computed once.
func (p *Program) sendChannels() map[syntax.Expr]model.ChanSet {
	p.chansOnce.Do(func() { p.chans = p.Model.CommChannels() })
	return p.chans
}

// ReachOf computes what thread t of c may still do: every instruction
// reachable from the pc of each of its frames, through calls to the bodies
// of the heap versions it may still run: its own, and the new one if it
// may still apply (it has not; the update may still come, or it came and
// the thread takes part). Found by a tester: under --update-at never a
// send only a new body makes let a thread waiting for it count as held by
// the capacity, not deadlocked, and the deadlock went unreported.
func (p *Program) ReachOf(c *Config, t int) Reach {
	th := c.Threads[t]
	lo, hi := int(th.HeapVer), int(th.HeapVer)
	if th.HeapVer == 0 && p.Update != nil && (c.Upd.Introduced && th.Participant || !c.Upd.Introduced && c.Upd.Countdown != neverIntroduced) {
		hi = 1
	}
	return p.reach(c, t, lo, hi)
}

// reachAll is ReachOf through the bodies of both heap versions, whatever
// the thread may still run: who takes part in the update is decided so
// (README, "Who takes part").
func (p *Program) reachAll(c *Config, t int) Reach { return p.reach(c, t, 0, 1) }

// reach is ReachOf through the bodies of heap versions lo to hi.
func (p *Program) reach(c *Config, t, lo, hi int) Reach {
	r := Reach{SendsTo: map[int]bool{}, Sessions: map[int]bool{}, Requests: map[[2]int]bool{}, Accepts: map[[2]int]bool{}, sendsOn: map[int][]model.ChanSet{}}
	chans := p.sendChannels()
	th := c.Threads[t]
	if th.Status != Running {
		return r
	}
	type at struct{ code, pc int }
	seen := map[at]bool{}
	var work []at
	push := func(code, pc int) {
		if k := (at{code, pc}); pc < len(p.Codes[code].Instrs) && !seen[k] {
			seen[k] = true
			work = append(work, k)
		}
	}
	for _, f := range th.Frames {
		push(int(f.Code), int(f.PC))
	}
	tc := p.Threads[t]
	for len(work) > 0 {
		k := work[len(work)-1]
		work = work[:len(work)-1]
		code := p.Codes[k.code]
		in := &code.Instrs[k.pc]
		switch in.Op {
		case ISend, ISelect:
			e, _ := in.Node.(syntax.Expr)
			cs, ok := chans[e]
			if !ok {
				cs = model.ChanSet{Any: true} // (every send is analysed)
			}
			for _, role := range p.roleSets[in.A] {
				r.SendsTo[role] = true
				r.sendsOn[role] = append(r.sendsOn[role], cs)
			}
		case IRequest:
			r.Sessions[int(in.A)] = true
			for _, role := range p.roleSets[in.B] {
				if role != int(in.C) {
					r.Requests[[2]int{int(in.A), role}] = true
				}
			}
		case IAccept:
			r.Sessions[int(in.A)] = true
			r.Accepts[[2]int{int(in.A), int(in.B)}] = true
		case ICall, ITail:
			for v := lo; v <= hi; v++ {
				push(tc.Heap[v][in.A].ID, 0)
			}
		}
		for _, n := range code.next(k.pc) {
			push(k.code, n)
		}
	}
	return r
}
