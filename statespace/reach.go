package statespace

import (
	"slices"
	"sort"
	"sync/atomic"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
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

// parents maps every expression of p's code, in every version, to the
// expression it is directly inside (none for a body's root).
func parents(p *Program) map[syntax.Expr]syntax.Expr {
	parent := map[syntax.Expr]syntax.Expr{}
	var link func(e syntax.Expr)
	link = func(e syntax.Expr) {
		syntax.Inspect(e, func(c syntax.Expr) bool {
			if c == e {
				return true
			}
			parent[c] = e
			link(c)
			return false
		})
	}
	var updates []*model.Update
	if p.Update != nil {
		updates = append(updates, p.Update)
	}
	for _, b := range p.Model.Bodies(updates) {
		link(b)
	}
	return parent
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
// the update leaves alone is one source in both heap versions), or one
// compiled from an expression inside one that starts on it: a thread that
// evaluates the value of a `let` written on the lines after it has
// reached the `let`'s line, even if the value never comes (found by a
// tester: `let r =` over a call that loops for ever was never run).
func (r *Reached) Lines(p *Program) []UnreachedLine {
	type line struct {
		reached bool
		code    []string
	}
	parent := parents(p)
	lines := map[int]*line{}
	at := func(n int) *line {
		l := lines[n]
		if l == nil {
			l = &line{}
			lines[n] = l
		}
		return l
	}
	for ci, c := range p.Codes {
		desc := p.codeDesc(c) + " of " + p.Threads[c.Thread].Name
		for pc, in := range c.Instrs {
			if in.Node == nil {
				continue // a function's return: no source of its own
			}
			l := at(int(in.Node.Position().Line))
			if !slices.Contains(l.code, desc) {
				l.code = append(l.code, desc)
			}
			if !r.hit[r.base[ci]+pc].Load() {
				continue
			}
			l.reached = true
			if e, ok := in.Node.(syntax.Expr); ok {
				for a := parent[e]; a != nil; a = parent[a] {
					at(int(a.Position().Line)).reached = true
				}
			}
		}
	}
	for n, l := range lines {
		if len(l.code) == 0 {
			delete(lines, n) // only an enclosing expression's line: no code of its own
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
