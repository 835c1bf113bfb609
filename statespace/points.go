package statespace

import (
	"cmp"
	"slices"
	"sync/atomic"
)

// Safe update points: for each thread and each of its update points,
// whether the model is safe when that point is the thread's only one. A
// point P of thread T is judged by one search under the strategy
// restricted by OnlyAt: at P, T does what the strategy decides (under
// uncoordinated updating: apply or go on, both explored); its other points
// are not points (it never stops there: no step, before the introduction
// or after, so the search is check's on the model with P as T's one
// `update`); every other thread keeps the strategy's behaviour at all its
// points. Every property is judged as in a plain check, in every
// run (whether T applies in it or not): a run in which T passes P for good
// and never applies is a run of this system too. The witness of an unsafe
// point says whether, and at which passing of P, T applied in it.

// UpdatePoint is one update point of a thread: an `update` expression, or
// (in a thread without any) a call, in the code the thread runs before
// applying (docs/language.md §4).
type UpdatePoint struct {
	Thread int
	Code   int32 // the instruction: Program.Codes[Code].Instrs[PC]
	PC     int32
	Kind   string // "update" or "call f"
	In     string // the code it sits in: "main", "old f", "f"
	Where  string // source position, file:line:col
}

// UpdatePoints lists the update points of every thread that can take part
// in the update (one the update gives new bodies, or one that can join a
// session of a service the update moves), by thread and source position.
// A program without an update has none.
func (p *Program) UpdatePoints() []UpdatePoint {
	if p.Update == nil {
		return nil
	}
	var out []UpdatePoint
	for t, tc := range p.Threads {
		if !p.mayTakePart(t) {
			continue
		}
		var pts []UpdatePoint
		for _, c := range append([]*Code{tc.Main}, tc.Heap[0]...) {
			for pc, in := range c.Instrs {
				if in.Op == IUpdate || (!tc.Explicit && (in.Op == ICall || in.Op == ITail)) {
					pts = append(pts, UpdatePoint{Thread: t, Code: int32(c.ID), PC: int32(pc), Kind: shortSource(in.Node), In: p.codeDesc(c), Where: p.where(in.Node)})
				}
			}
		}
		slices.SortStableFunc(pts, func(a, b UpdatePoint) int {
			pa, pb := p.Codes[a.Code].Instrs[a.PC].Node.Position(), p.Codes[b.Code].Instrs[b.PC].Node.Position()
			return cmp.Or(cmp.Compare(pa.Line, pb.Line), cmp.Compare(pa.Col, pb.Col))
		})
		out = append(out, pts...)
	}
	return out
}

// TakesPart reports whether any thread can be a participant of the update
// (see mayTakePart).
func (p *Program) TakesPart() bool {
	if p.Update == nil {
		return false
	}
	for t := range p.Threads {
		if p.mayTakePart(t) {
			return true
		}
	}
	return false
}

// Pointless names, in order, the threads that can take part in the update
// but have no update point: they never apply, and have no row in points.
func (p *Program) Pointless() []string {
	if p.Update == nil {
		return nil
	}
	has := map[int]bool{}
	for _, pt := range p.UpdatePoints() {
		has[pt.Thread] = true
	}
	var out []string
	for t, tc := range p.Threads {
		if p.mayTakePart(t) && !has[t] {
			out = append(out, tc.Name)
		}
	}
	return out
}

// mayTakePart reports whether thread t can be a participant of the update:
// it gets new bodies, or its code can join a session of a moved service
// (endpoints cannot be sent, so it can hold no other).
func (p *Program) mayTakePart(t int) bool {
	tc := p.Threads[t]
	if tc.Named {
		return true
	}
	for s, si := range p.Services {
		if si.Moved && tc.Joins[s] {
			return true
		}
	}
	return false
}

// at reports whether thread t of c waits at point pt.
func (pt UpdatePoint) at(c *Config, t int) bool {
	th := c.Threads[t]
	if t != pt.Thread || len(th.Frames) == 0 {
		return false
	}
	f := &th.Frames[len(th.Frames)-1]
	return f.Code == pt.Code && f.PC == pt.PC
}

// isOnly reports whether thread t of c, about to perform an update point,
// may stop there when pt is its thread's only point: t is another thread,
// or it stands at pt.
func (pt UpdatePoint) isOnly(c *Config, t int) bool {
	return t != pt.Thread || pt.at(c, t)
}

// OnlyAt restricts a strategy so that Point is the only update point of
// its thread: there the thread does what Base decides; its other points
// are not points at all (Semantics.pointStops: the thread runs through
// them, as through a call of a thread with an explicit `update`, or an
// `update` that does nothing); every other thread is as under Base. It is
// not registered: it is the search of one row of the safe-points table.
type OnlyAt struct {
	Base  Strategy
	Point UpdatePoint
}

// Name is the base strategy's.
func (o OnlyAt) Name() string { return o.Base.Name() }

// Introduce is the base strategy's.
func (o OnlyAt) Introduce(p *Program, c *Config) { o.Base.Introduce(p, c) }
func (o OnlyAt) SetsRunNumbers() bool            { return setsRunNumbers(o.Base) }

// Decide is the base strategy's, except that the point's thread passes
// every other point (where it never stops: see OnlyAt).
func (o OnlyAt) Decide(p *Program, c *Config, t int) Decision {
	if t == o.Point.Thread && !o.Point.at(c, t) {
		return Pass
	}
	return o.Base.Decide(p, c, t)
}

// DependsOnPoint: the point's thread passes every point but one, so what
// it does depends on where it stands (the thread memo is off: found by a
// tester, whose rows under stop-the-world and max+1 differed from check
// with the memo on).
func (o OnlyAt) DependsOnPoint() bool { return true }

// Release is the base strategy's.
func (o OnlyAt) Release(p *Program, c *Config) bool { return o.Base.Release(p, c) }

// PointJudge is the Checker of a safe-points search: Inner's verdicts,
// unchanged, and whether some explored step had Thread apply the update.
// Waiting at the stop-the-world barrier is not applying: a thread whose
// barrier is never released there never applies there (a tester: such a
// point was called safe, where the README says never applied).
type PointJudge struct {
	Inner   Checker
	Thread  int
	applied atomic.Bool
}

// appliedIn reports whether the thread has applied the update in c.
func (j *PointJudge) appliedIn(c *Config) bool {
	return c != nil && j.Thread < len(c.Threads) && c.Threads[j.Thread].HeapVer == 1
}

// CheckStep is Inner's, noting a step in which the thread applies.
func (j *PointJudge) CheckStep(p *Program, from *Config, s *Succ) *Violation {
	if !j.applied.Load() && j.appliedIn(s.Next) && !j.appliedIn(from) {
		j.applied.Store(true)
	}
	return j.Inner.CheckStep(p, from, s)
}

// CheckTerminal is Inner's.
func (j *PointJudge) CheckTerminal(p *Program, c *Config, info StepInfo) *Violation {
	return j.Inner.CheckTerminal(p, c, info)
}

// Applied reports whether some explored step had the thread apply (if
// none did, the point is never reached with the update introduced, or the
// strategy never lets the thread apply there).
func (j *PointJudge) Applied() bool { return j.applied.Load() }

// Passing replays a path of sem and returns at which passing of pt its
// thread applied (or blocked at the barrier to apply): 1 for the first time the thread stopped there (before or
// after the introduction), 0 if it did not apply there; waits says it
// blocked there and had still not applied at the path's end (the barrier
// was never released for it). A thread stops at a point whenever the update
// may still be introduced and, after that, whenever its strategy does not
// simply pass: under uncoordinated updating every passing is counted;
// under the others, the passings after the introduction where the strategy
// passes are not.
func (pt UpdatePoint) Passing(sem *Semantics, path []uint32) (n int, waits bool) {
	c, _ := sem.Initial()
	at := 0
	for _, i := range path {
		succs, _ := sem.Successors(c)
		if int(i) >= len(succs) {
			return 0, false
		}
		s := &succs[i]
		if th := c.Threads[pt.Thread]; at == 0 && th.HeapVer == 0 && !th.Barrier && pt.at(c, pt.Thread) && s.Action.Thread == pt.Thread {
			n++ // passes, applies or blocks there
			if next := s.Next.Threads[pt.Thread]; next.HeapVer == 1 || next.Barrier {
				at = n
			}
		}
		c = s.Next
	}
	return at, at > 0 && c.Threads[pt.Thread].HeapVer == 0
}
