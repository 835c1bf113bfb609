package statespace

import (
	"slices"
	"sort"
	"sync/atomic"
)

// Reached code, for the source lines --coverage reports as never reached
// (SPIN's unreached code): when Semantics.Reach is set, the local evaluator
// marks every instruction a thread arrives at — local ones (let, if,
// arithmetic, calls) as well as the visible ones it stops at. Workers share
// one Reached: its flags are atomic, and a flag already set is only read.
// When Reach is nil nothing is recorded and the evaluator pays one nil test
// an instruction.

// Reached records the instructions some thread reached.
type Reached struct {
	base []int // first flag of each code object
	hit  []atomic.Bool
}

// NewReached is an empty record for p's code.
func NewReached(p *Program) *Reached {
	r := &Reached{base: make([]int, len(p.Codes))}
	n := 0
	for i, c := range p.Codes {
		r.base[i] = n
		n += len(c.Instrs)
	}
	r.hit = make([]atomic.Bool, n)
	return r
}

func (r *Reached) mark(code, pc int32) {
	if b := &r.hit[r.base[code]+int(pc)]; !b.Load() {
		b.Store(true)
	}
}

// UnreachedLine is a source line of the model with code on it that no
// thread ever reached.
type UnreachedLine struct {
	Line int
	// Code says whose code is on the line, e.g. "old f of P1", "main of P2".
	Code []string
}

// Lines lists the source lines no thread reached (never nil): a line is reached when
// some instruction compiled from it was, in any code version (a function
// the update leaves alone is one source in both heap versions).
func (r *Reached) Lines(p *Program) []UnreachedLine {
	type line struct {
		reached bool
		code    []string
	}
	lines := map[int]*line{}
	for ci, c := range p.Codes {
		desc := p.codeDesc(c) + " of " + p.Threads[c.Thread].Name
		for pc, in := range c.Instrs {
			if in.Node == nil {
				continue // a function's return: no source of its own
			}
			n := int(in.Node.Position().Line)
			l := lines[n]
			if l == nil {
				l = &line{}
				lines[n] = l
			}
			l.reached = l.reached || r.hit[r.base[ci]+pc].Load()
			if !slices.Contains(l.code, desc) {
				l.code = append(l.code, desc)
			}
		}
	}
	out := []UnreachedLine{} // not nil: the lines were recorded
	for n, l := range lines {
		if !l.reached {
			out = append(out, UnreachedLine{Line: n, Code: l.code})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}
