package statespace

import (
	"fmt"

	"github.com/mcheck/mcheck/model/syntax"
)

// Local evaluation: a thread runs silently from one visible step to the
// next (docs/language.md §3); calls, update points that stop it, and threads that spin.

// maxFrames bounds the call stack of a thread.
const maxFrames = 256

// maxLocalSteps bounds the local steps a thread takes between two visible
// ones. A thread that loops for ever without a visible step is found by
// its repeating states (see runLocal) before; one that reaches the bound
// computes without end on values that keep growing, reported as a runtime
// error. Brent's method finds a loop within about three times the steps to
// its state's first repetition, and the bound is four times 2^20: a loop
// whose state repeats within 2^20 steps is found first (README). (It was
// 2^20 itself, and a loop of period 330,000 steps was reported as growing:
// adversarial tester.)
const maxLocalSteps = 1 << 22

// spinCheckAfter is the number of local steps after which runLocal starts
// looking for a repeated state at calls (the only way a loop closes).
const spinCheckAfter = 1 << 10

// pointStops reports whether thread t must stop at an update point it has
// reached, because something can happen there: the update may still be
// introduced while it waits, or, once it is, its strategy lets it apply or
// block there.
func (s *Semantics) pointStops(c *Config, t int) bool {
	if s.P.Update == nil {
		return false
	}
	if o, ok := s.Strategy.(OnlyAt); ok && !o.Point.isOnly(c, t) {
		return false // a row of `mcheck points`: the thread's other points are plain calls
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
	f := s.computeLocal(c, t)
	if f != nil {
		f.AfterStep = true
	}
	return f
}

// computeLocal is runLocal without marking its fault: before the first
// step, a thread's computation follows no action.
func (s *Semantics) computeLocal(c *Config, t int) *Fault {
	p := s.P
	th := c.Threads[t]
	tc := p.Threads[t]
	var saved, cur []byte
	power, lam := 1, 0
	reach := s.Reach
	for steps := 0; th.Status == Running; steps++ {
		if steps > maxLocalSteps {
			f := &th.Frames[len(th.Frames)-1]
			code := p.Codes[f.Code]
			return s.crash(th, t, FaultDiverges,
				fmt.Sprintf("thread %s ran %d local steps without a visible action, and no repeated state was found in them (a value that grows for ever, or a loop or computation longer than mcheck follows between two steps), in %s at %s",
					tc.Name, maxLocalSteps, p.codeName(th), p.where(code.Instrs[f.PC].Node)))
		}
		f := &th.Frames[len(th.Frames)-1]
		if reach != nil {
			reach.mark(f.Code, f.PC)
		}
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
					return s.crashAt(th, t, in, "not applied to "+x.typed()+", want bool")
				}
				x.N = 1 - x.N
			case int32(syntax.OpNeg):
				if x.K != VInt {
					return s.crashAt(th, t, in, "- applied to "+x.typed()+", want int")
				}
				x.N = -x.N
			case unaryBoolCheck:
				if x.K != VBool {
					return s.crashAt(th, t, in, "operand of "+in.Node.(*syntax.Binary).Op.String()+" is "+x.typed()+", want bool")
				}
			}
			f.PC++
		case IJmp:
			f.PC = in.A
		case IJmpF, IJmpT:
			x := f.Stack[len(f.Stack)-1]
			f.Stack = f.Stack[:len(f.Stack)-1]
			if x.K != VBool {
				if b, ok := in.Node.(*syntax.Binary); ok {
					// The left operand of && or || (compile.go).
					return s.crashAt(th, t, in, "operand of "+b.Op.String()+" is "+x.typed()+", want bool")
				}
				return s.crashAt(th, t, in, "condition is "+x.typed()+", want bool")
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
			return Value{}, fmt.Sprintf("%s compares %s with %s", op, x.typed(), y.typed())
		}
		return BoolVal((x == y) == (op == syntax.OpEq)), ""
	}
	if x.K != VInt || y.K != VInt {
		return Value{}, fmt.Sprintf("%s applied to %s and %s, want int and int", op, x.typed(), y.typed())
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

// crash stops thread t with a fault of kind k; problem says what went
// wrong and where.
func (s *Semantics) crash(th *Thread, t int, k FaultKind, problem string) *Fault {
	th.Status = Crashed
	return &Fault{Kind: k, Thread: t, End: noEnd, Problem: problem}
}

func (s *Semantics) crashAt(th *Thread, t int, in *Instr, msg string) *Fault {
	at := s.P.where(in.Node)
	if b, ok := in.Node.(*syntax.Binary); ok {
		// At the operator, not at the left operand, where the whole
		// expression starts (found by a tester: `a * 3 % (a - 5)`'s
		// division by zero was placed at the first a).
		at = s.P.wherePos(b.OpPos)
	}
	return s.crash(th, t, FaultRuntime, msg+" at "+at)
}

// where formats a source position.
func (p *Program) where(n syntax.Node) string {
	if n == nil {
		return "?"
	}
	return p.wherePos(n.Position())
}

// wherePos formats a source position.
func (p *Program) wherePos(pos syntax.Pos) string {
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
