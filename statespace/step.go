package statespace

import (
	"fmt"
	"strings"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
)

// Semantics is the transition relation of a program under one strategy and
// one set of options (SPEC §3–§4). Successors is a pure, deterministic
// function of a configuration: no I/O, no goroutines, no map iteration.
type Semantics struct {
	P          *Program
	Strategy   Strategy
	QueueBound int // capacity of the global queue (SPEC §6)
	UpdateAt   UpdateAt
	// Raw switches canonicalisation off (no dead-slot clearing, instance
	// forgetting, run-number normalisation or channel sorting). Only the
	// naive reference explorer of the tests uses it.
	Raw bool
}

// UpdateAtMode says when the update may be introduced.
type UpdateAtMode uint8

const (
	AtAny   UpdateAtMode = iota // at every moment (nondeterministically)
	AtNever                     // never
	AtStep                      // after exactly Step steps
)

// UpdateAt is the --update-at setting.
type UpdateAt struct {
	Mode UpdateAtMode
	Step int
}

// ParseUpdateAt parses "any", "never" or "step:K".
func ParseUpdateAt(s string) (UpdateAt, error) {
	switch s {
	case "any", "":
		return UpdateAt{Mode: AtAny}, nil
	case "never":
		return UpdateAt{Mode: AtNever}, nil
	}
	var k int
	if n, err := fmt.Sscanf(s, "step:%d", &k); err == nil && n == 1 && k >= 0 && fmt.Sprintf("step:%d", k) == s {
		return UpdateAt{Mode: AtStep, Step: k}, nil
	}
	return UpdateAt{}, fmt.Errorf("invalid --update-at %q: want any, never or step:K (K >= 0)", s)
}

func (u UpdateAt) String() string {
	switch u.Mode {
	case AtNever:
		return "never"
	case AtStep:
		return fmt.Sprintf("step:%d", u.Step)
	}
	return "any"
}

// ActionKind is the kind of a transition.
type ActionKind uint8

const (
	ActSend      ActionKind = iota // a thread sends a value
	ActRecv                        // a thread receives a value
	ActSelect                      // a thread selects a label
	ActCase                        // a thread receives a label
	ActChoose                      // a thread takes one option of a choose
	ActStart                       // a session instance starts (request + accepts)
	ActPass                        // a thread passes an update point without applying
	ActApply                       // a thread applies the update at an update point
	ActBlock                       // a thread starts waiting at the barrier
	ActRelease                     // the barrier releases: every waiting thread applies
	ActIntroduce                   // the update becomes known
	ActFault                       // a thread attempts an action its protocol forbids
	ActSpin                        // a thread computes on in a local loop (the configuration stays)
)

// Action describes a transition, for traces and properties.
type Action struct {
	Kind    ActionKind
	Thread  int   // acting thread; -1 for ActIntroduce, ActRelease
	Threads []int // ActStart: participants (requester first); ActRelease: threads released
	Code    int32 // instruction performed (Code, PC), -1 if none
	PC      int32
	Inst    int // instance serial (display), for communication and ActStart
	Role    int // the acting role (communication) or requested role (ActStart)
	Peers   []int
	Val     Value
	Label   int
	Option  int
}

// Succ is one successor of a configuration.
type Succ struct {
	Action Action
	Next   *Config
	// Fault, if not nil, is a fact about this step that a property may
	// report as a violation (SPEC §5). The step still has a successor, so
	// that exploration can go on when that property is switched off.
	Fault *Fault
}

// FaultKind classifies faults; package properties maps them to properties.
type FaultKind uint8

const (
	FaultAction    FaultKind = iota + 1 // fidelity (a): action not allowed by the local type
	FaultVersion                        // fidelity (a): code of one protocol version acts in a run under another
	FaultMessage                        // fidelity (b): a received message of the wrong kind, type or label
	FaultRunMix                         // fidelity (c): roles of one instance perform a run under different versions
	FaultOwnership                      // linearity: an endpoint used by a thread not holding it, or sent as a message
	FaultRuntime                        // runtime error
)

// Fault is a fact about a step. A step can have several (a message of the
// wrong kind is a fidelity fact and then a runtime error of the thread that
// got it): Also chains the later ones, so that switching one property off
// never hides another.
type Fault struct {
	Kind     FaultKind
	Thread   int
	Expected string
	Found    string
	Also     *Fault
}

// StepInfo says what Successors saw besides the successors.
type StepInfo struct {
	// CapacityBlocked is set when some send or select was held back
	// because the queue was full.
	CapacityBlocked bool
}

// maxFrames bounds the call stack of a thread.
const maxFrames = 256

// maxLocalSteps bounds the local steps a thread takes between two visible
// ones. A thread that loops for ever without a visible step is found by
// its repeating states (see runLocal) long before; one that reaches the
// bound computes without end on values that keep growing, reported as a
// runtime error.
const maxLocalSteps = 1 << 20

// spinCheckAfter is the number of local steps after which runLocal starts
// looking for a repeated state at calls (the only way a loop closes).
const spinCheckAfter = 1 << 10

// Initial returns the initial configuration (every thread at the first
// visible step of its main) and the fault, if a thread fails before any.
func (s *Semantics) Initial() (*Config, *Fault) {
	p := s.P
	c := &Config{Upd: UpdState{Countdown: -1}}
	if s.UpdateAt.Mode == AtStep && p.Update != nil {
		c.Upd.Countdown = int32(s.UpdateAt.Step)
	}
	var fault *Fault
	for _, tc := range p.Threads {
		main := tc.Main
		th := &Thread{Frames: []Frame{{Code: int32(main.ID), Slots: make([]Value, main.NSlots)}}, dirty: true}
		c.Threads = append(c.Threads, th)
	}
	for t := range c.Threads {
		if f := s.runLocal(c, t); f != nil && fault == nil {
			fault = f
		}
	}
	if !s.Raw {
		p.canonicalize(c)
	}
	return c, fault
}

// Successors returns the successors of c, in a deterministic order.
func (s *Semantics) Successors(c *Config) ([]Succ, StepInfo) {
	out := c.arena.succSlice(2*len(c.Threads) + 2)
	var info StepInfo
	p := s.P
	if p.Update != nil && !c.Upd.Introduced && s.UpdateAt.Mode == AtStep && c.Upd.Countdown == 0 {
		// The pinned introduction is due: it is the only step.
		if anyRunning(c) {
			out = append(out, s.introduce(c))
		}
		return out, info
	}
	for t, th := range c.Threads {
		if th.Status != Running || th.Barrier {
			continue
		}
		if th.Spin {
			out = append(out, Succ{Action: Action{Kind: ActSpin, Thread: t, Code: -1, Label: -1}, Next: c.clone()})
			continue
		}
		f := &th.Frames[len(th.Frames)-1]
		in := &p.Codes[f.Code].Instrs[f.PC]
		switch in.Op {
		case ISend, ISelect:
			// A multicast is one send: enabled while fewer than QueueBound
			// messages are queued (SPEC §4).
			if s.QueueBound >= 0 && c.QueueLen() >= s.QueueBound {
				info.CapacityBlocked = true
				continue
			}
			out = append(out, s.send(c, t, in))
		case IRecv, ICase:
			out = s.receive(out, c, t, in)
		case IChoose:
			for i := range p.Codes[f.Code].Tables[in.A].targets {
				out = append(out, s.choose(c, t, i))
			}
		case ICall, ITail, IUpdate:
			out = s.updatePoint(out, c, t)
		case IRequest:
			out = s.start(out, c, t, in)
		case IAccept:
			// Sessions start from the requester's side.
		}
	}
	if p.Update != nil && c.Upd.Introduced && s.Strategy.Release(p, c) {
		out = append(out, s.release(c))
	}
	if p.Update != nil && !c.Upd.Introduced && s.UpdateAt.Mode == AtAny && anyRunning(c) {
		out = append(out, s.introduce(c))
	}
	if c.Upd.Countdown > 0 {
		for i := range out {
			out[i].Next.Upd.Countdown--
		}
	}
	if !s.Raw {
		for i := range out {
			p.canonicalize(out[i].Next)
		}
	}
	return out, info
}

func anyRunning(c *Config) bool {
	for _, th := range c.Threads {
		if th.Status == Running {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------------------
// Local evaluation

// pointStops reports whether thread t must stop at an update point it has
// reached, because something can happen there: the update may still be
// introduced while it waits, or, once it is, its strategy lets it apply or
// block there.
func (s *Semantics) pointStops(c *Config, t int) bool {
	if s.P.Update == nil {
		return false
	}
	if !c.Upd.Introduced {
		return s.UpdateAt.Mode != AtNever
	}
	th := c.Threads[t]
	if !th.Participant || th.HeapVer == 1 {
		return false
	}
	return s.Strategy.Decide(s.P, c, t) != Pass
}

// runLocal runs thread t (which must be a private copy in c) through local
// steps until it reaches a visible step, finishes or fails.
//
// Local steps are deterministic, so a thread that runs long without a
// visible step either repeats a state, and then loops for ever, or grows
// without end. After spinCheckAfter steps runLocal looks for a repeat at
// every call (loops close only there) with Brent's cycle detection: the
// state at a call is compared with a saved one, saved anew at calls 1, 2, 4,
// 8, ... after the last save. A repeat is found within twice the loop's
// length; the thread then stops at that call, marked Spin.
func (s *Semantics) runLocal(c *Config, t int) *Fault {
	p := s.P
	th := c.Threads[t]
	tc := p.Threads[t]
	var saved, cur []byte
	power, lam := 1, 0
	for steps := 0; th.Status == Running; steps++ {
		if steps > maxLocalSteps {
			f := &th.Frames[len(th.Frames)-1]
			code := p.Codes[f.Code]
			return s.crash(th, t, "a thread that communicates or loops",
				fmt.Sprintf("thread %s computes without end: %d local steps without a visible action or a repeated state (a value that grows for ever?), in %s at %s",
					tc.Name, maxLocalSteps, p.codeName(th), p.where(code.Instrs[f.PC].Node)))
		}
		f := &th.Frames[len(th.Frames)-1]
		code := p.Codes[f.Code]
		in := &code.Instrs[f.PC]
		switch in.Op {
		case IPush:
			f.Stack = append(f.Stack, in.V)
			f.PC++
		case ILoad:
			f.Stack = append(f.Stack, f.Slots[in.A])
			f.PC++
		case IStore:
			f.Slots[in.A] = f.Stack[len(f.Stack)-1]
			f.Stack = f.Stack[:len(f.Stack)-1]
			f.PC++
		case IPop:
			f.Stack = f.Stack[:len(f.Stack)-1]
			f.PC++
		case IBin:
			y, x := f.Stack[len(f.Stack)-1], f.Stack[len(f.Stack)-2]
			v, err := binop(syntax.BinOp(in.A), x, y)
			if err != "" {
				return s.crashAt(th, t, in, err)
			}
			f.Stack = append(f.Stack[:len(f.Stack)-2], v)
			f.PC++
		case IUnary:
			x := &f.Stack[len(f.Stack)-1]
			switch in.A {
			case int32(syntax.OpNot):
				if x.K != VBool {
					return s.crashAt(th, t, in, "not applied to "+x.TypeName()+" "+x.String()+", want bool")
				}
				x.N = 1 - x.N
			case int32(syntax.OpNeg):
				if x.K != VInt {
					return s.crashAt(th, t, in, "- applied to "+x.TypeName()+" "+x.String()+", want int")
				}
				x.N = -x.N
			case unaryBoolCheck:
				if x.K != VBool {
					return s.crashAt(th, t, in, "operand of && or || is "+x.TypeName()+" "+x.String()+", want bool")
				}
			}
			f.PC++
		case IJmp:
			f.PC = in.A
		case IJmpF, IJmpT:
			x := f.Stack[len(f.Stack)-1]
			f.Stack = f.Stack[:len(f.Stack)-1]
			if x.K != VBool {
				return s.crashAt(th, t, in, "condition is "+x.TypeName()+" "+x.String()+", want bool")
			}
			if (x.N != 0) == (in.Op == IJmpT) {
				f.PC = in.A
			} else {
				f.PC++
			}
		case ICall, ITail:
			if !tc.Explicit && s.pointStops(c, t) {
				return nil
			}
			if steps >= spinCheckAfter {
				cur = encodeThread(cur[:0], th)
				if saved != nil && string(cur) == string(saved) {
					th.Spin = true
					return nil
				}
				if lam++; saved == nil || lam == power {
					saved = append(saved[:0], cur...)
					power, lam = power*2, 0
				}
			}
			if fault := s.call(th, t); fault != nil {
				return fault
			}
		case IUpdate:
			if s.pointStops(c, t) {
				return nil
			}
			f.Stack = append(f.Stack, unitVal)
			f.PC++
		case IRet:
			v := f.Stack[len(f.Stack)-1]
			th.Frames = th.Frames[:len(th.Frames)-1]
			if len(th.Frames) == 0 {
				th.Status = Done
				return nil
			}
			caller := &th.Frames[len(th.Frames)-1]
			caller.Stack = append(caller.Stack, v)
		default:
			return nil // a visible step
		}
	}
	return nil
}

// call performs the call at thread t's pc: the body is looked up in the
// heap now (a body already running keeps running, paper §3.1).
func (s *Semantics) call(th *Thread, t int) *Fault {
	p := s.P
	f := &th.Frames[len(th.Frames)-1]
	in := &p.Codes[f.Code].Instrs[f.PC]
	callee := p.Threads[t].Heap[th.HeapVer][in.A]
	nargs := int(in.B)
	args := f.Stack[len(f.Stack)-nargs:]
	nf := Frame{Code: int32(callee.ID), Slots: make([]Value, callee.NSlots)}
	copy(nf.Slots, args)
	f.Stack = f.Stack[:len(f.Stack)-nargs]
	if in.Op == ITail {
		th.Frames[len(th.Frames)-1] = nf
		return nil
	}
	if len(th.Frames) >= maxFrames {
		return s.crashAt(th, t, in, fmt.Sprintf("call stack deeper than %d frames (unbounded non-tail recursion?)", maxFrames))
	}
	f.PC++
	th.Frames = append(th.Frames, nf)
	return nil
}

func binop(op syntax.BinOp, x, y Value) (Value, string) {
	switch op {
	case syntax.OpEq, syntax.OpNe:
		if x.K != y.K {
			return Value{}, fmt.Sprintf("%s compares %s %s with %s %s", op, x.TypeName(), x, y.TypeName(), y)
		}
		return BoolVal((x == y) == (op == syntax.OpEq)), ""
	}
	if x.K != VInt || y.K != VInt {
		return Value{}, fmt.Sprintf("%s applied to %s %s and %s %s, want int and int", op, x.TypeName(), x, y.TypeName(), y)
	}
	a, b := x.N, y.N
	switch op {
	case syntax.OpAdd:
		return IntVal(a + b), ""
	case syntax.OpSub:
		return IntVal(a - b), ""
	case syntax.OpMul:
		return IntVal(a * b), ""
	case syntax.OpDiv, syntax.OpMod:
		if b == 0 {
			return Value{}, fmt.Sprintf("division by zero (%d %s 0)", a, op)
		}
		if op == syntax.OpDiv {
			return IntVal(a / b), ""
		}
		return IntVal(a % b), ""
	case syntax.OpLt:
		return BoolVal(a < b), ""
	case syntax.OpLe:
		return BoolVal(a <= b), ""
	case syntax.OpGt:
		return BoolVal(a > b), ""
	case syntax.OpGe:
		return BoolVal(a >= b), ""
	}
	return Value{}, "unknown operator " + op.String()
}

func (s *Semantics) crash(th *Thread, t int, expected, found string) *Fault {
	th.Status = Crashed
	return &Fault{Kind: FaultRuntime, Thread: t, Expected: expected, Found: found}
}

func (s *Semantics) crashAt(th *Thread, t int, in *Instr, msg string) *Fault {
	return s.crash(th, t, "no runtime error", msg+" at "+s.P.where(in.Node))
}

// where formats a source position.
func (p *Program) where(n syntax.Node) string {
	if n == nil {
		return "?"
	}
	pos := n.Position()
	return fmt.Sprintf("%s:%d:%d", p.Model.File.Name, pos.Line, pos.Col)
}

// advance moves thread t past the visible instruction it performed (pushing
// v when the instruction yields a value) and runs it to its next visible
// step.
func (s *Semantics) advance(c *Config, t int, v Value, push bool) *Fault {
	th := c.Threads[t]
	f := &th.Frames[len(th.Frames)-1]
	if push {
		f.Stack = append(f.Stack, v)
	}
	f.PC++
	return s.runLocal(c, t)
}

// ---------------------------------------------------------------------------
// Communication

// endpoint resolves the endpoint value ev used by thread t: the instance
// index and the index of its role in the instance, or a fault.
func (s *Semantics) endpoint(c *Config, t int, ev Value, what string) (int, int, *Fault) {
	if ev.K != VEndpoint {
		return -1, -1, &Fault{Kind: FaultRuntime, Thread: t, Expected: "an endpoint as the channel of " + what, Found: ev.TypeName() + " " + ev.String()}
	}
	inst, role := ev.Endpoint()
	if inst == DeadInstance {
		return -1, -1, &Fault{Kind: FaultAction, Thread: t, Expected: "no action: the session of role " + s.P.Roles[role] + " has ended", Found: what}
	}
	in := c.Insts[inst]
	ei := in.end(role)
	if int(in.Ends[ei].Holder) != t {
		return -1, -1, &Fault{Kind: FaultOwnership, Thread: t, Expected: fmt.Sprintf("endpoint %s used only by its holder %s", s.P.endpointName(c, inst, role), s.P.Threads[in.Ends[ei].Holder].Name), Found: "used by " + s.P.Threads[t].Name}
	}
	return inst, ei, nil
}

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

// checkAct checks fidelity (a) for thread t acting on endpoint (inst, ei):
// the code's protocol version must be the run's, and the local type must
// allow the action (described by ok and want).
func (s *Semantics) checkAct(c *Config, t, inst, ei int, doingf func() string, ok func(st *model.LState) bool) *Fault {
	p := s.P
	in := c.Insts[inst]
	e := &in.Ends[ei]
	if e.Lost {
		return nil
	}
	th := c.Threads[t]
	pv := p.ProtoVersion(in.Service, p.codeVersion(th))
	if pv != e.Ver {
		name, doing := p.endpointName(c, inst, e.Role), doingf()
		return &Fault{Kind: FaultVersion, Thread: t,
			Expected: fmt.Sprintf("%s to act in run %d under %s, the protocol of its current run", name, in.Base+e.Run+1, p.protoName(in.Service, e.Ver)),
			Found:    fmt.Sprintf("%s from code of %s (%s)", doing, p.protoName(in.Service, pv), p.codeName(th))}
	}
	lt, st := p.monitor(in, e)
	if lt == nil {
		return &Fault{Kind: FaultAction, Thread: t, Expected: fmt.Sprintf("role %s in protocol %s", p.Roles[e.Role], p.protoName(in.Service, e.Ver)), Found: doingf()}
	}
	if !ok(st) {
		name, doing := p.endpointName(c, inst, e.Role), doingf()
		return &Fault{Kind: FaultAction, Thread: t,
			Expected: fmt.Sprintf("%s to %s (local type %s)", name, p.describeState(st), lt.Text),
			Found:    doing}
	}
	return nil
}

func (p *Program) codeName(th *Thread) string {
	code := p.Codes[th.Frames[len(th.Frames)-1].Code]
	if code.Fun == "main" {
		return "main"
	}
	if code.Version == 0 {
		return "old body of " + code.Fun
	}
	return "new body of " + code.Fun
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
// the run's first.
func (s *Semantics) moveMonitor(c *Config, t, inst, ei int, next int, endsRun bool) *Fault {
	p := s.P
	in := c.inst(inst)
	e := &in.Ends[ei]
	if e.Lost {
		return nil
	}
	var fault *Fault
	if !e.Started {
		e.Started = true
		r := int(e.Run)
		recorded, ok := uint8(0), false
		switch {
		case r < len(in.RunVer):
			recorded, ok = in.RunVer[r], true
		case in.RunTail != 0:
			recorded, ok = in.RunTail-1, true
		}
		if ok {
			if recorded != e.Ver {
				fault = &Fault{Kind: FaultRunMix, Thread: t,
					Expected: fmt.Sprintf("every role of %s#%d to perform run %d under %s, as another role did", p.Services[in.Service].Name, in.Serial, in.Base+e.Run+1, p.protoName(in.Service, recorded)),
					Found:    fmt.Sprintf("%s performs run %d under %s", p.Roles[e.Role], in.Base+e.Run+1, p.protoName(in.Service, e.Ver))}
			}
		} else {
			for len(in.RunVer) < r {
				in.RunVer = append(in.RunVer, e.Ver) // unreachable in practice: earlier runs were started
			}
			in.RunVer = append(in.RunVer, e.Ver)
		}
	}
	lt := p.Services[in.Service].Monitors[e.Ver][e.Role]
	if !endsRun {
		e.State = int32(next)
		return fault
	}
	e.Run++
	e.Started = false
	if lt.States[next].Kind == model.LEnd {
		e.State = int32(next)
		e.Done = true
		return fault
	}
	// If the new protocol has no such role the endpoint has no monitor:
	// checkAct reports its next action as a fidelity (a) fault.
	e.Ver = e.Pending
	e.State = 0
	return fault
}

// loseMonitor marks endpoint (inst, ei) as no longer tracked, after a fault.
func (c *Config) loseMonitor(inst, ei int) {
	if inst >= 0 {
		c.inst(inst).Ends[ei].Lost = true
	}
}

func chained(head, f *Fault) bool {
	for g := head; g != nil; g = g.Also {
		if g == f {
			return true
		}
	}
	return false
}

// firstFault chains the non-nil faults, in order, through Also.
func firstFault(fs ...*Fault) *Fault {
	var head, tail *Fault
	for _, f := range fs {
		if f == nil || chained(head, f) {
			continue
		}
		if head == nil {
			head = f
		} else {
			tail.Also = f
		}
		tail = f
		for tail.Also != nil {
			tail = tail.Also
		}
	}
	return head
}

// send performs ISend or ISelect for thread t.
func (s *Semantics) send(c *Config, t int, in *Instr) Succ {
	p := s.P
	n := c.clone()
	th := n.thread(t)
	f := &th.Frames[len(th.Frames)-1]
	peers := p.roleSets[in.A]
	act := Action{Kind: ActSend, Thread: t, Code: f.Code, PC: f.PC, Peers: peers, Label: -1}
	var val Value
	var msg Msg
	var chv Value
	if in.Op == ISend {
		val = f.Stack[len(f.Stack)-1]
		chv = f.Stack[len(f.Stack)-2]
		f.Stack = f.Stack[:len(f.Stack)-2]
		act.Val = val
		msg = Msg{Label: -1, Val: val}
	} else {
		act.Kind = ActSelect
		act.Label = int(in.B)
		chv = f.Stack[len(f.Stack)-1]
		f.Stack = f.Stack[:len(f.Stack)-1]
		msg = Msg{Label: in.B}
	}
	what := "send"
	if in.Op == ISelect {
		what = "select"
	}
	inst, ei, fault := s.endpoint(n, t, chv, what)
	if fault != nil {
		th.Status = Crashed
		return Succ{Action: act, Next: n, Fault: fault}
	}
	ins := n.Insts[inst]
	e := &ins.Ends[ei]
	act.Inst, act.Role = ins.Serial, e.Role
	doing := func() string {
		if in.Op == ISend {
			return fmt.Sprintf("send %s <%s> to %s", val, val.TypeName(), joinNames(p.roleNames(peers)))
		}
		return fmt.Sprintf("select %s to %s", p.Labels[in.B], joinNames(p.roleNames(peers)))
	}
	if val.K == VEndpoint {
		fault = &Fault{Kind: FaultOwnership, Thread: t, Expected: "endpoints held by one thread each (the protocol sends only int, bool and unit)", Found: doing() + ": an endpoint sent as a message would be held twice"}
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
		fault = s.moveMonitor(n, t, inst, ei, next, endsRun)
	}
	for _, to := range peers {
		n.push(inst, e.Role, to, msg)
	}
	return Succ{Action: act, Next: n, Fault: firstFault(fault, s.advance(n, t, unitVal, true))}
}

// receive adds the successors of thread t at IRecv or ICase.
func (s *Semantics) receive(out []Succ, c *Config, t int, in *Instr) []Succ {
	p := s.P
	th := c.Threads[t]
	f := &th.Frames[len(th.Frames)-1]
	chv := f.Stack[len(f.Stack)-1]
	from := int(in.A)
	what := "receive"
	if in.Op == ICase {
		what = "case"
	}
	act := Action{Kind: ActRecv, Thread: t, Code: f.Code, PC: f.PC, Peers: []int{from}, Label: -1}
	if in.Op == ICase {
		act.Kind = ActCase
	}
	inst, ei, fault := s.endpoint(c, t, chv, what)
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
	doing := func() string {
		if in.Op == ICase {
			return fmt.Sprintf("case (receive a label) from %s", p.Roles[from])
		}
		return fmt.Sprintf("%s from %s", what, p.Roles[from])
	}
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
	msg := n.pop(qi)
	nth := n.thread(t)
	nf := &nth.Frames[len(nth.Frames)-1]
	nf.Stack = nf.Stack[:len(nf.Stack)-1]
	act.Val = msg.Val
	act.Label = int(msg.Label)
	tracked := !n.Insts[inst].Ends[ei].Lost
	var next int
	var endsRun bool
	if tracked {
		switch {
		case in.Op == IRecv && msg.Label >= 0:
			fault = &Fault{Kind: FaultMessage, Thread: t, Expected: fmt.Sprintf("a value <%s> from %s", lst.Type, p.Roles[from]), Found: "the label " + p.Labels[msg.Label]}
		case in.Op == IRecv && msg.Val.TypeName() != lst.Type.String():
			fault = &Fault{Kind: FaultMessage, Thread: t, Expected: fmt.Sprintf("a value <%s> from %s", lst.Type, p.Roles[from]), Found: fmt.Sprintf("the value %s <%s>", msg.Val, msg.Val.TypeName())}
		case in.Op == ICase && msg.Label < 0:
			fault = &Fault{Kind: FaultMessage, Thread: t, Expected: fmt.Sprintf("one of the labels {%s} from %s", branchLabels(lst), p.Roles[from]), Found: fmt.Sprintf("the value %s <%s>", msg.Val, msg.Val.TypeName())}
		case in.Op == ICase:
			b, ok := lst.Branch(p.Labels[msg.Label])
			if !ok {
				fault = &Fault{Kind: FaultMessage, Thread: t, Expected: fmt.Sprintf("one of the labels {%s} from %s", branchLabels(lst), p.Roles[from]), Found: "the label " + p.Labels[msg.Label]}
			}
			next, endsRun = b.Next, b.EndsRun
		default:
			next, endsRun = lst.Next, lst.EndsRun
		}
		if fault != nil {
			n.loseMonitor(inst, ei)
		} else {
			fault = s.moveMonitor(n, t, inst, ei, next, endsRun)
		}
	}
	if in.Op == IRecv {
		v := msg.Val
		if msg.Label >= 0 {
			v = unitVal // a label where a value was due: fidelity (b) reports it
		}
		return append(out, Succ{Action: act, Next: n, Fault: firstFault(fault, s.advance(n, t, v, true))})
	}
	// case: jump to the branch for the label.
	code := p.Codes[nf.Code]
	tab := code.Tables[in.B]
	if msg.Label < 0 {
		return append(out, Succ{Action: act, Next: n, Fault: firstFault(fault, s.crashAt(nth, t, in, "case received the value "+msg.Val.String()+", not a label"))})
	}
	for i, l := range tab.labels {
		if l == int(msg.Label) {
			nf.PC = tab.targets[i]
			return append(out, Succ{Action: act, Next: n, Fault: firstFault(fault, s.runLocal(n, t))})
		}
	}
	return append(out, Succ{Action: act, Next: n, Fault: firstFault(fault, s.crashAt(nth, t, in, "case has no branch for the label "+p.Labels[msg.Label]))})
}

// choose takes option i of the choose at thread t's pc.
func (s *Semantics) choose(c *Config, t, i int) Succ {
	n := c.clone()
	th := n.thread(t)
	f := &th.Frames[len(th.Frames)-1]
	act := Action{Kind: ActChoose, Thread: t, Code: f.Code, PC: f.PC, Option: i, Label: -1}
	f.PC = s.P.Codes[f.Code].Tables[s.P.Codes[f.Code].Instrs[f.PC].A].targets[i]
	return Succ{Action: act, Next: n, Fault: s.runLocal(n, t)}
}

// start adds the session starts that thread t, waiting at a request, can
// take part in: one for every choice of an accepting thread per other role.
func (s *Semantics) start(out []Succ, c *Config, t int, req *Instr) []Succ {
	p := s.P
	svc := int(req.A)
	roles := p.roleSets[req.B]
	myRole := int(req.C)
	var others []int
	for _, r := range roles {
		if r != myRole {
			others = append(others, r)
		}
	}
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
	pick := make([]int, len(others))
	var rec func(k int)
	rec = func(k int) {
		if k == len(others) {
			out = append(out, s.startWith(c, t, svc, myRole, others, pick))
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

func (s *Semantics) startWith(c *Config, t, svc, myRole int, others, pick []int) Succ {
	p := s.P
	n := c.clone()
	n.Created++
	in := &Instance{Service: svc, Serial: n.Created, N: NoRunNumber, dirty: true}
	idx := len(n.Insts)
	threads := append([]int{t}, pick...)
	roles := append([]int{myRole}, others...)
	act := Action{Kind: ActStart, Thread: t, Threads: threads, Inst: in.Serial, Role: myRole, Code: -1, Label: -1}
	f := &c.Threads[t].Frames[len(c.Threads[t].Frames)-1]
	act.Code, act.PC = f.Code, f.PC
	var fault *Fault
	for k, u := range threads {
		// An endpoint starts under the protocol of its thread's heap: a
		// thread that has applied opens it under the new protocol, whatever
		// code opened it, main included (SPEC §4).
		ver := p.ProtoVersion(svc, c.Threads[u].HeapVer)
		e := End{Role: roles[k], Holder: int32(u), Ver: ver, Pending: ver}
		if lt := p.Services[svc].Monitors[ver][roles[k]]; lt == nil {
			e.Lost = true
			if fault == nil {
				fault = &Fault{Kind: FaultAction, Thread: u, Expected: fmt.Sprintf("role %s in protocol %s", p.Roles[roles[k]], p.protoName(svc, ver)), Found: "a session started with that role"}
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

func sortEnds(es []End) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Role < es[j-1].Role; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// ---------------------------------------------------------------------------
// The update

// introduce is the step in which the update becomes known.
func (s *Semantics) introduce(c *Config) Succ {
	p := s.P
	n := c.clone()
	n.Upd.Introduced = true
	n.Upd.Countdown = -1
	for t, th := range n.Threads {
		if th.Status != Running {
			continue
		}
		// Participants: threads the update gives new bodies, threads holding
		// an endpoint of a moved service, and threads whose code can open or
		// join a session of a moved service (README, "Decisions").
		part := p.Threads[t].Named
		for svc, si := range p.Services {
			part = part || (si.Moved && p.Threads[t].Joins[svc])
		}
		for _, in := range n.Insts {
			if !p.Services[in.Service].Moved {
				continue
			}
			for _, e := range in.Ends {
				if int(e.Holder) == t && !e.Done {
					part = true
				}
			}
		}
		if part {
			n.thread(t).Participant = true
		}
	}
	s.Strategy.Introduce(p, n)
	return Succ{Action: Action{Kind: ActIntroduce, Thread: -1, Code: -1, Label: -1}, Next: n}
}

// updatePoint adds the steps of thread t waiting at an update point.
func (s *Semantics) updatePoint(out []Succ, c *Config, t int) []Succ {
	th := c.Threads[t]
	d := Pass
	if c.Upd.Introduced && th.Participant && th.HeapVer == 0 {
		d = s.Strategy.Decide(s.P, c, t)
	}
	switch d {
	case Pass:
		out = append(out, s.pass(c, t, false))
	case Apply:
		out = append(out, s.pass(c, t, true))
	case Either:
		out = append(out, s.pass(c, t, false), s.pass(c, t, true))
	case Block:
		n := c.clone()
		n.thread(t).Barrier = true
		f := &th.Frames[len(th.Frames)-1]
		out = append(out, Succ{Action: Action{Kind: ActBlock, Thread: t, Code: f.Code, PC: f.PC, Label: -1}, Next: n})
	}
	return out
}

// pass performs the update point thread t waits at, applying the update
// first if apply is set.
func (s *Semantics) pass(c *Config, t int, apply bool) Succ {
	n := c.clone()
	th := n.thread(t)
	f := &th.Frames[len(th.Frames)-1]
	act := Action{Kind: ActPass, Thread: t, Code: f.Code, PC: f.PC, Label: -1}
	if apply {
		act.Kind = ActApply
		s.apply(n, t)
	}
	return Succ{Action: act, Next: n, Fault: s.performPoint(n, t)}
}

// performPoint executes the update point at thread t's pc (a call or an
// `update`) and runs the thread on.
func (s *Semantics) performPoint(c *Config, t int) *Fault {
	th := c.Threads[t]
	th.Barrier = false
	f := &th.Frames[len(th.Frames)-1]
	if s.P.Codes[f.Code].Instrs[f.PC].Op == IUpdate {
		return s.advance(c, t, unitVal, true)
	}
	if fault := s.call(th, t); fault != nil {
		return fault
	}
	return s.runLocal(c, t)
}

// apply gives thread t (a private copy in c) the new heap, and moves its
// endpoints of moved services to the new protocol from their next run (at
// once, if the current run has not started).
func (s *Semantics) apply(c *Config, t int) {
	p := s.P
	c.Threads[t].HeapVer = 1
	for i, in := range c.Insts {
		if !p.Services[in.Service].Moved {
			continue
		}
		for k, e := range in.Ends {
			if int(e.Holder) != t || e.Done || e.Pending == 1 {
				continue
			}
			ni := c.inst(i)
			ne := &ni.Ends[k]
			ne.Pending = 1
			if !ne.Started && !ne.Lost {
				ne.Ver = 1 // without a monitor if Q lacks the role: see moveMonitor
				ne.State = 0
			}
			in = ni
		}
	}
}

// release is the barrier step: every participant applies; those waiting at
// the barrier go on past their update point.
func (s *Semantics) release(c *Config) Succ {
	n := c.clone()
	act := Action{Kind: ActRelease, Thread: -1, Code: -1, Label: -1}
	var fault *Fault
	for t, th := range c.Threads {
		if !th.Participant || th.HeapVer == 1 {
			continue
		}
		n.thread(t)
		s.apply(n, t)
		act.Threads = append(act.Threads, t)
		if th.Barrier {
			fault = firstFault(fault, s.performPoint(n, t))
		}
	}
	return Succ{Action: act, Next: n, Fault: fault}
}
