package statespace

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
)

// The compiler: function bodies to stack-machine code, with jump tables for
// case and choose, and the liveness of variable slots. Names were checked by
// model.Check (every variable, function and service is defined there); the
// compiler only maps them to slots and indices, and a name it cannot map is
// an internal error, reported with its place.

type compiler struct {
	p      *Program
	code   *Code
	funIdx map[string]int
	scope  []binding
}

type binding struct {
	name string
	slot int
}

// caseBranches is e's branches in the order of their labels' ids, not as
// written: a case is a table from labels to code, so two threads whose cases
// list their branches in other orders compile alike (and symmetry reduction
// sees them as alike: found by the metamorphic test, check/metamorphic_test.go).
func (p *Program) caseBranches(e *syntax.Case) []*syntax.CaseBranch {
	for _, b := range e.Branches {
		p.label(b.Label.Name) // every id given, in source order, before they are compared
	}
	return slices.SortedStableFunc(slices.Values(e.Branches), func(a, b *syntax.CaseBranch) int {
		return cmp.Compare(p.label(a.Label.Name), p.label(b.Label.Name))
	})
}

// funOrder is the order in which thread t's functions are numbered and
// compiled: as a walk of its code first calls them (main, then depth first
// each function called, its body and then its new body, a case's branches
// in caseBranches' order), and the functions never called after them, by
// name. Neither the order of the declarations nor the functions' names
// matter then: two threads whose code differs only in those compile alike,
// and symmetry reduction sees them as alike.
func (p *Program) funOrder(t *model.Thread, newBodies map[string]*syntax.FunDecl) []*syntax.FunDecl {
	byName := map[string]*syntax.FunDecl{}
	for _, f := range t.Funs {
		byName[f.Name.Name] = f
	}
	var order []*syntax.FunDecl
	seen := map[string]bool{}
	var walk func(e syntax.Expr)
	walk = func(e syntax.Expr) {
		syntax.Inspect(e, func(e syntax.Expr) bool {
			switch e := e.(type) {
			case *syntax.Call:
				if f := byName[e.Fun.Name]; f != nil && !seen[f.Name.Name] {
					seen[f.Name.Name] = true
					order = append(order, f)
					walk(f.Body)
					if nb := newBodies[f.Name.Name]; nb != nil {
						walk(nb.Body)
					}
				}
			case *syntax.Case:
				walk(e.Chan)
				for _, b := range p.caseBranches(e) {
					walk(b.Body)
				}
				return false
			}
			return true
		})
	}
	walk(t.Main)
	var rest []*syntax.FunDecl
	for _, f := range t.Funs {
		if !seen[f.Name.Name] {
			rest = append(rest, f)
		}
	}
	slices.SortFunc(rest, func(a, b *syntax.FunDecl) int { return strings.Compare(a.Name.Name, b.Name.Name) })
	return append(order, rest...)
}

func (p *Program) compileBody(thread int, funIdx map[string]int, name string, version uint8, params []syntax.Ident, body syntax.Expr) (*Code, error) {
	c := &Code{ID: len(p.Codes), Thread: thread, Fun: name, Version: version, NParams: len(params)}
	p.Codes = append(p.Codes, c)
	cc := &compiler{p: p, code: c, funIdx: funIdx}
	for _, prm := range params {
		cc.bind(prm.Name)
	}
	if err := cc.expr(body, true); err != nil {
		return nil, err
	}
	cc.emit(Instr{Op: IRet})
	c.live = liveness(c)
	return c, nil
}

func (cc *compiler) bind(name string) int {
	slot := cc.code.NSlots
	cc.code.NSlots++
	cc.code.SlotNames = append(cc.code.SlotNames, name)
	cc.scope = append(cc.scope, binding{name, slot})
	return slot
}

func (cc *compiler) lookup(name string) (int, bool) {
	for i := len(cc.scope) - 1; i >= 0; i-- {
		if cc.scope[i].name == name {
			return cc.scope[i].slot, true
		}
	}
	return 0, false
}

func (cc *compiler) emit(in Instr) int {
	cc.code.Instrs = append(cc.code.Instrs, in)
	return len(cc.code.Instrs) - 1
}

func (cc *compiler) here() int32 { return int32(len(cc.code.Instrs)) }

// expr compiles e, leaving its value on the stack. tail is true when e is in
// tail position of the body (its value is the body's value).
func (cc *compiler) expr(e syntax.Expr, tail bool) error {
	p := cc.p
	switch e := e.(type) {
	case *syntax.IntLit:
		cc.emit(Instr{Op: IPush, V: IntVal(e.Value), Node: e})
	case *syntax.BoolLit:
		cc.emit(Instr{Op: IPush, V: BoolVal(e.Value), Node: e})
	case *syntax.UnitLit:
		cc.emit(Instr{Op: IPush, V: unitVal, Node: e})
	case *syntax.Var:
		slot, ok := cc.lookup(e.Name.Name)
		if !ok {
			return cc.internal(e.Name.Pos, "undefined variable %s", e.Name.Name)
		}
		cc.emit(Instr{Op: ILoad, A: int32(slot), Node: e})
	case *syntax.Let:
		if err := cc.expr(e.Value, false); err != nil {
			return err
		}
		n := len(cc.scope)
		slot := cc.bind(e.Name.Name)
		cc.emit(Instr{Op: IStore, A: int32(slot), Node: e})
		err := cc.expr(e.Body, tail)
		cc.scope = cc.scope[:n]
		return err
	case *syntax.Seq:
		if err := cc.expr(e.First, false); err != nil {
			return err
		}
		cc.emit(Instr{Op: IPop, Node: e})
		return cc.expr(e.Second, tail)
	case *syntax.If:
		if err := cc.expr(e.Cond, false); err != nil {
			return err
		}
		jf := cc.emit(Instr{Op: IJmpF, Node: e})
		if err := cc.expr(e.Then, tail); err != nil {
			return err
		}
		j := cc.emit(Instr{Op: IJmp, Node: e})
		cc.code.Instrs[jf].A = cc.here()
		if err := cc.expr(e.Else, tail); err != nil {
			return err
		}
		cc.code.Instrs[j].A = cc.here()
	case *syntax.Binary:
		if e.Op == syntax.OpAnd || e.Op == syntax.OpOr {
			// Short-circuit: x && y  ==  if x then y else false.
			if err := cc.expr(e.X, false); err != nil {
				return err
			}
			op := IJmpF
			short := BoolVal(false)
			if e.Op == syntax.OpOr {
				op, short = IJmpT, BoolVal(true)
			}
			js := cc.emit(Instr{Op: op, Node: e})
			if err := cc.expr(e.Y, false); err != nil {
				return err
			}
			// The right operand must be a bool too.
			cc.emit(Instr{Op: IUnary, A: unaryBoolCheck, Node: e})
			j := cc.emit(Instr{Op: IJmp, Node: e})
			cc.code.Instrs[js].A = cc.here()
			cc.emit(Instr{Op: IPush, V: short, Node: e})
			cc.code.Instrs[j].A = cc.here()
			return nil
		}
		if err := cc.expr(e.X, false); err != nil {
			return err
		}
		if err := cc.expr(e.Y, false); err != nil {
			return err
		}
		cc.emit(Instr{Op: IBin, A: int32(e.Op), Node: e})
	case *syntax.Unary:
		if err := cc.expr(e.X, false); err != nil {
			return err
		}
		cc.emit(Instr{Op: IUnary, A: int32(e.Op), Node: e})
	case *syntax.Call:
		fi, ok := cc.funIdx[e.Fun.Name]
		if !ok {
			return cc.internal(e.Pos, "undefined function %s", e.Fun.Name)
		}
		for _, a := range e.Args {
			if err := cc.expr(a, false); err != nil {
				return err
			}
		}
		op := ICall
		if tail {
			op = ITail
		}
		cc.emit(Instr{Op: op, A: int32(fi), B: int32(len(e.Args)), Node: e})
	case *syntax.Request:
		si := p.ServiceIndex(e.Service.Name)
		if si < 0 {
			return cc.internal(e.Pos, "undefined service %s", e.Service.Name)
		}
		cc.emit(Instr{Op: IRequest, A: int32(si), B: p.roleSet(e.Roles), C: int32(p.role(e.Role.Name)), Node: e})
	case *syntax.Accept:
		si := p.ServiceIndex(e.Service.Name)
		if si < 0 {
			return cc.internal(e.Pos, "undefined service %s", e.Service.Name)
		}
		cc.emit(Instr{Op: IAccept, A: int32(si), B: int32(p.role(e.Role.Name)), Node: e})
	case *syntax.Send:
		if err := cc.expr(e.Chan, false); err != nil {
			return err
		}
		if err := cc.expr(e.Value, false); err != nil {
			return err
		}
		cc.emit(Instr{Op: ISend, A: p.roleSet(e.To), Node: e})
	case *syntax.Receive:
		if err := cc.expr(e.Chan, false); err != nil {
			return err
		}
		cc.emit(Instr{Op: IRecv, A: int32(p.role(e.From.Name)), Node: e})
	case *syntax.Select:
		if err := cc.expr(e.Chan, false); err != nil {
			return err
		}
		cc.emit(Instr{Op: ISelect, A: p.roleSet(e.To), B: int32(p.label(e.Label.Name)), Node: e})
	case *syntax.Case:
		if err := cc.expr(e.Chan, false); err != nil {
			return err
		}
		branches := p.caseBranches(e)
		tab := caseTable{}
		for _, b := range branches {
			tab.labels = append(tab.labels, p.label(b.Label.Name))
			tab.targets = append(tab.targets, 0)
		}
		ti := len(cc.code.Tables)
		cc.code.Tables = append(cc.code.Tables, tab)
		cc.emit(Instr{Op: ICase, A: int32(p.role(e.From.Name)), B: int32(ti), Node: e})
		var ends []int
		for i, b := range branches {
			cc.code.Tables[ti].targets[i] = cc.here()
			if err := cc.expr(b.Body, tail); err != nil {
				return err
			}
			ends = append(ends, cc.emit(Instr{Op: IJmp, Node: e}))
		}
		for _, j := range ends {
			cc.code.Instrs[j].A = cc.here()
		}
	case *syntax.UpdatePoint:
		cc.emit(Instr{Op: IUpdate, Node: e})
	case *syntax.Choose:
		tab := caseTable{}
		ti := len(cc.code.Tables)
		cc.code.Tables = append(cc.code.Tables, tab)
		cc.emit(Instr{Op: IChoose, A: int32(ti), Node: e})
		var ends []int
		for _, o := range e.Options {
			cc.code.Tables[ti].targets = append(cc.code.Tables[ti].targets, cc.here())
			if err := cc.expr(o, tail); err != nil {
				return err
			}
			ends = append(ends, cc.emit(Instr{Op: IJmp, Node: e}))
		}
		for _, j := range ends {
			cc.code.Instrs[j].A = cc.here()
		}
	default:
		return cc.internal(e.Position(), "unsupported expression %T", e)
	}
	return nil
}

// unaryBoolCheck is a pseudo unary operator: it checks that the top of the
// stack is a bool and leaves it there.
const unaryBoolCheck = 100

// next returns the instructions that can follow the one at pc within its
// code object (none after a return or a tail call).
func (c *Code) next(pc int) []int {
	in := c.Instrs[pc]
	switch in.Op {
	case IJmp:
		return []int{int(in.A)}
	case IJmpF, IJmpT:
		return []int{pc + 1, int(in.A)}
	case IRet, ITail:
		return nil
	case ICase:
		var s []int
		for _, t := range c.Tables[in.B].targets {
			s = append(s, int(t))
		}
		return s
	case IChoose:
		var s []int
		for _, t := range c.Tables[in.A].targets {
			s = append(s, int(t))
		}
		return s
	}
	return []int{pc + 1}
}

// liveness computes, for every pc, the slots that may be read before being
// written on some path from pc (backward data-flow to a fixpoint).
func liveness(c *Code) [][]uint64 {
	words := (c.NSlots + 63) / 64
	n := len(c.Instrs)
	live := make([][]uint64, n+1)
	for i := range live {
		live[i] = make([]uint64, words)
	}
	succs := c.next
	tmp := make([]uint64, words)
	for changed := true; changed; {
		changed = false
		for pc := n - 1; pc >= 0; pc-- {
			for i := range tmp {
				tmp[i] = 0
			}
			for _, s := range succs(pc) {
				for i := range tmp {
					tmp[i] |= live[s][i]
				}
			}
			in := c.Instrs[pc]
			switch in.Op {
			case IStore:
				tmp[in.A/64] &^= 1 << (in.A % 64)
			case ILoad:
				tmp[in.A/64] |= 1 << (in.A % 64)
			}
			for i := range tmp {
				if tmp[i] != live[pc][i] {
					live[pc][i] = tmp[i]
					changed = true
				}
			}
		}
	}
	return live
}

// internal reports what model.Check should have rejected, at its place.
func (cc *compiler) internal(pos syntax.Pos, format string, args ...any) error {
	return fmt.Errorf("internal error: %s:%d:%d: %s (model.Check should have rejected it)", cc.p.Model.File.Name, pos.Line, pos.Col, fmt.Sprintf(format, args...))
}
