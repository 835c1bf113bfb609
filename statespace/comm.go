package statespace

import (
	"github.com/mcheck/mcheck/model"
)

// Communication: sessions start, messages are sent and received (docs/language.md §3).

// endpoint resolves the endpoint value ev that thread t uses for doing:
// the instance index and the index of its role in the instance, or a fault.
func (s *Semantics) endpoint(c *Config, t int, ev Value, doing Doing) (int, int, *Fault) {
	if ev.K != VEndpoint {
		return -1, -1, &Fault{Kind: FaultNotEndpoint, Thread: t, Doing: doing, End: noEnd, Value: ev}
	}
	inst, role := ev.Endpoint()
	if inst == DeadInstance {
		return -1, -1, &Fault{Kind: FaultEnded, Thread: t, Doing: doing, End: EndRef{Service: -1, Role: role}}
	}
	in := c.Insts[inst]
	ei := in.end(role)
	if h := int(in.Ends[ei].Holder); h != t {
		return -1, -1, &Fault{Kind: FaultNotHolder, Thread: t, Doing: doing, End: endRef(in, role), Holder: h}
	}
	return inst, ei, nil
}

func endRef(in *Instance, role int) EndRef {
	return EndRef{Service: in.Service, Serial: in.Serial, Role: role}
}

// send performs ISend or ISelect for thread t.
func (s *Semantics) send(c *Config, t int, in *Instr) Succ {
	p := s.P
	n := c.clone()
	// The thread is copied only where it changes (pop): with the thread
	// memo, a send it has made before copies nothing (memo.go).
	th := c.Threads[t]
	f := &th.Frames[len(th.Frames)-1]
	peers := p.roleSets[in.A]
	act := Action{Kind: ActSend, Thread: t, Code: f.Code, PC: f.PC, Peers: peers, Label: -1}
	var val Value
	var msg Msg
	var chv Value
	operands := 1
	if in.Op == ISend {
		val = f.Stack[len(f.Stack)-1]
		chv = f.Stack[len(f.Stack)-2]
		operands = 2
		act.Val = val
		msg = Msg{Label: -1, Val: val}
	} else {
		act.Kind = ActSelect
		act.Label = int(in.B)
		chv = f.Stack[len(f.Stack)-1]
		msg = Msg{Label: in.B}
	}
	doing := Doing{Op: act.Kind, Peers: peers, Val: val, Label: act.Label}
	inst, ei, fault := s.endpoint(n, t, chv, doing)
	if fault != nil {
		n.popOperands(t, operands).Status = Crashed
		return Succ{Action: act, Next: n, Fault: fault}
	}
	ins := n.Insts[inst]
	e := &ins.Ends[ei]
	act.Inst, act.Role = ins.Serial, e.Role
	if val.K == VEndpoint {
		// Never a message type of a protocol: also a fidelity (a) fact.
		fault = &Fault{Kind: FaultEndpointSent, Thread: t, Doing: doing, End: endRef(ins, e.Role)}
	}
	var next int
	var endsRun bool
	fault = firstFault(fault, s.checkAct(n, t, inst, ei, doing, func(st *model.LState) bool {
		if in.Op == ISend {
			if st.Kind != model.LSend || !sameRoles(p, peers, st.Peers) || val.TypeName() != st.Type.String() {
				return false
			}
			next, endsRun = st.Next, st.EndsRun
			return true
		}
		if st.Kind != model.LSelect || !sameRoles(p, peers, st.Peers) {
			return false
		}
		b, ok := st.Branch(p.Labels[in.B])
		next, endsRun = b.Next, b.EndsRun
		return ok
	}))
	if fault != nil {
		n.loseMonitor(inst, ei)
	} else {
		fault = s.moveMonitorMemo(c, n, t, inst, ei, next, endsRun)
	}
	for _, to := range peers {
		s.pushMemo(c, n, inst, e.Role, to, msg)
	}
	return Succ{Action: act, Next: n, Fault: firstFault(fault, s.then(c, n, t, act.Kind, Value{}, func() *Fault {
		n.popOperands(t, operands)
		return s.advance(n, t, unitVal, true)
	}))}
}

// receive adds the successors of thread t at IRecv or ICase.
func (s *Semantics) receive(out []Succ, c *Config, t int, in *Instr) []Succ {
	p := s.P
	th := c.Threads[t]
	f := &th.Frames[len(th.Frames)-1]
	chv := f.Stack[len(f.Stack)-1]
	from := int(in.A)
	act := Action{Kind: ActRecv, Thread: t, Code: f.Code, PC: f.PC, Peers: p.singles[from], Label: -1}
	if in.Op == ICase {
		act.Kind = ActCase
	}
	doing := Doing{Op: act.Kind, Peers: act.Peers, Label: -1}
	inst, ei, fault := s.endpoint(c, t, chv, doing)
	if fault != nil {
		// The thread cannot go on: report it as the thread's step.
		n := c.clone()
		n.thread(t).Status = Crashed
		act.Kind = ActFault
		return append(out, Succ{Action: act, Next: n, Fault: fault})
	}
	ins := c.Insts[inst]
	e := &ins.Ends[ei]
	act.Inst, act.Role = ins.Serial, e.Role
	var lst *model.LState
	fault = s.checkAct(c, t, inst, ei, doing, func(st *model.LState) bool {
		lst = st
		want := model.LRecv
		if in.Op == ICase {
			want = model.LOffer
		}
		return st.Kind == want && st.Peers[0] == p.Roles[from]
	})
	qi := c.channel(inst, from, e.Role)
	if fault != nil && qi < 0 {
		// The attempt itself is the violation, whether or not a message
		// ever arrives; the monitor stops tracking the endpoint. (With a
		// message there, the receive below is the step, with the fault.)
		n := c.clone()
		n.loseMonitor(inst, ei)
		act.Kind = ActFault
		return append(out, Succ{Action: act, Next: n, Fault: fault})
	}
	if qi < 0 {
		return out // blocked: no message yet
	}
	n := c.clone()
	if fault != nil {
		n.loseMonitor(inst, ei)
	}
	msg := s.popMemo(c, n, qi)
	// The thread pops the endpoint (popOperands) where it changes: with
	// the thread memo, a receive it has made before copies nothing.
	act.Val = msg.Val
	act.Label = int(msg.Label)
	tracked := !n.Insts[inst].Ends[ei].Untracked
	var next int
	var endsRun bool
	if tracked {
		bad := false
		switch {
		case in.Op == IRecv && (msg.Label >= 0 || msg.Val.TypeName() != lst.Type.String()):
			bad = true
		case in.Op == ICase && msg.Label < 0:
			bad = true
		case in.Op == ICase:
			b, ok := lst.Branch(p.Labels[msg.Label])
			bad = !ok
			next, endsRun = b.Next, b.EndsRun
		default:
			next, endsRun = lst.Next, lst.EndsRun
		}
		if bad {
			// The protocol allows the receive, not the message: the
			// receive may still start a run (fidelity (c)).
			fault = firstFault(&Fault{Kind: FaultMessage, Thread: t, Doing: doing, End: endRef(ins, e.Role), State: lst, Msg: msg},
				startRun(n.inst(inst), ei, t))
			n.loseMonitor(inst, ei)
		} else {
			fault = s.moveMonitorMemo(c, n, t, inst, ei, next, endsRun)
		}
	}
	if in.Op == IRecv && msg.Label < 0 {
		v := msg.Val
		return append(out, Succ{Action: act, Next: n, Fault: firstFault(fault, s.then(c, n, t, ActRecv, v, func() *Fault {
			n.popOperands(t, 1)
			return s.advance(n, t, v, true)
		}))})
	}
	if in.Op == IRecv || msg.Label < 0 {
		// A label where a value was due, or a value where a label was
		// (fidelity (a) or (b), when tracked): the thread has no value,
		// or no branch, to go on with, and stops. (A receive went on with
		// () before, a value never sent, which with fidelity off compared
		// equal to (): found by a tester.) One return for both, as the
		// case's was: a third made receive's frame, zeroed at every
		// call, 152 bytes larger (its cost on BenchmarkCreationOrder
		// was within the noise, 1.01-1.09 in three sittings).
		return append(out, Succ{Action: act, Next: n, Fault: firstFault(fault, s.crashAt(n.popOperands(t, 1), t, in, wrongKind(p, in, msg)))})
	}
	// case: jump to the branch for the label.
	code := p.Codes[f.Code]
	tab := code.Tables[in.B]
	for i, l := range tab.labels {
		if l == int(msg.Label) {
			return append(out, Succ{Action: act, Next: n, Fault: firstFault(fault, s.then(c, n, t, ActCase, IntVal(int64(i)), func() *Fault {
				nth := n.popOperands(t, 1)
				nth.Frames[len(nth.Frames)-1].PC = tab.targets[i]
				return s.runLocal(n, t)
			}))})
		}
	}
	return append(out, Succ{Action: act, Next: n, Fault: firstFault(fault, s.crashAt(n.popOperands(t, 1), t, in, "case has no branch for the label "+p.Labels[msg.Label]))})
}

// wrongKind says what a receive or case got that it cannot go on with.
func wrongKind(p *Program, in *Instr, msg Msg) string {
	if in.Op == IRecv {
		return "receive got the label " + p.Labels[msg.Label] + ", not a value"
	}
	return "case received the value " + msg.Val.String() + ", not a label"
}

// choose takes option i of the choose at thread t's pc.
func (s *Semantics) choose(c *Config, t, i int) Succ {
	n := c.clone()
	th := c.Threads[t]
	f := &th.Frames[len(th.Frames)-1]
	act := Action{Kind: ActChoose, Thread: t, Code: f.Code, PC: f.PC, Option: i, Label: -1}
	return Succ{Action: act, Next: n, Fault: s.then(c, n, t, ActChoose, IntVal(int64(i)), func() *Fault {
		nth := n.thread(t)
		nf := &nth.Frames[len(nth.Frames)-1]
		nf.PC = s.P.Codes[nf.Code].Tables[s.P.Codes[nf.Code].Instrs[nf.PC].A].targets[i]
		return s.runLocal(n, t)
	})}
}

// start adds the session starts that thread t, waiting at a request, can
// take part in: one for every choice of an accepting thread per other role.
func (s *Semantics) start(out []Succ, c *Config, t int, req *Instr) []Succ {
	p := s.P
	svc := int(req.A)
	myRole := int(req.C)
	var buf [3][8]int // room for others, pick and the roles of one start
	others := p.otherRoles(buf[0][:0], req)
	// candidates[k] lists the threads waiting at accept(svc, others[k]).
	candidates := make([][]int, len(others))
	for u, th := range c.Threads {
		if u == t || th.Status != Running || th.Barrier {
			continue
		}
		f := &th.Frames[len(th.Frames)-1]
		in := &p.Codes[f.Code].Instrs[f.PC]
		if in.Op != IAccept || int(in.A) != svc {
			continue
		}
		for k, r := range others {
			if int(in.B) == r {
				candidates[k] = append(candidates[k], u)
			}
		}
	}
	pick := buf[1][:]
	if len(others) > len(pick) {
		pick = make([]int, len(others))
	}
	pick = pick[:len(others)]
	var rec func(k int)
	rec = func(k int) {
		if k == len(others) {
			out = append(out, s.startWith(c, t, svc, myRole, others, pick, buf[2][:0]))
			return
		}
		for _, u := range candidates[k] {
			used := false
			for _, v := range pick[:k] {
				used = used || v == u
			}
			if !used {
				pick[k] = u
				rec(k + 1)
			}
		}
	}
	rec(0)
	return out
}

// startWith is the start of a session of svc by thread t as myRole with
// the threads in pick as the others; scratch is room for the roles.
func (s *Semantics) startWith(c *Config, t, svc, myRole int, others, pick, scratch []int) Succ {
	p := s.P
	n := c.clone()
	n.Created++
	in := n.arena.instance()
	*in = Instance{Service: svc, Serial: n.Created, N: NoRunNumber, dirty: true}
	idx := len(n.Insts)
	threads := append(append(make([]int, 0, len(pick)+1), t), pick...) // kept in the action
	roles := append(append(scratch[:0], myRole), others...)
	act := Action{Kind: ActStart, Thread: t, Threads: threads, Inst: in.Serial, Role: myRole, Code: -1, Label: -1}
	f := &c.Threads[t].Frames[len(c.Threads[t].Frames)-1]
	act.Code, act.PC = f.Code, f.PC
	var fault *Fault
	in.Ends = n.arena.endSlice(len(threads))[:0]
	for k, u := range threads {
		// An endpoint starts under the protocol of its thread's heap: a
		// thread that has applied opens it under the new protocol, whatever
		// code opened it, main included (docs/language.md §4).
		ver := p.ProtoVersion(svc, c.Threads[u].HeapVer)
		e := End{Role: roles[k], Holder: int32(u), Ver: ver, NextVer: ver}
		if lt := p.Services[svc].Monitors[ver][roles[k]]; lt == nil {
			e.Untracked = true
			if fault == nil {
				fault = &Fault{Kind: FaultStartNoRole, Thread: u, End: endRef(in, roles[k]), Ver: ver}
			}
		} else if lt.States[0].Kind == model.LEnd {
			e.Done = true
		}
		in.Ends = append(in.Ends, e)
	}
	// Whether all roles perform run 1 under one protocol version
	// (fidelity (c)) is judged at each role's first action: a role may
	// still migrate before it acts.
	sortEnds(in.Ends)
	n.Insts = append(n.Insts, in)
	for k, u := range threads {
		n.thread(u)
		fault = firstFault(fault, s.advance(n, u, endpointVal(idx, roles[k]), true))
	}
	return Succ{Action: act, Next: n, Fault: fault}
}

// otherRoles appends to dst the roles a request names but the requester's,
// in the order the request's role set has them: a start's a.Threads[k+1]
// takes the k-th (startWith, startOf).
func (p *Program) otherRoles(dst []int, req *Instr) []int {
	for _, r := range p.roleSets[req.B] {
		if r != int(req.C) {
			dst = append(dst, r)
		}
	}
	return dst
}

func sortEnds(es []End) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Role < es[j-1].Role; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}
