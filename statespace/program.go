package statespace

import (
	"fmt"
	"sort"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
)

// A Program is a checked model compiled for exploration under one update:
// every function body of every thread, in every heap version, as code for a
// small stack machine, plus the tables (roles, labels, services, monitors)
// the semantics needs. A Program is read-only and safe for concurrent use.
//
// Heap versions: 0 is the initial heap; 1 is the heap after the thread has
// applied the update (bodies the update replaces, the others unchanged but
// counted as version-1 code, SPEC §5). Protocol versions: 0 is a service's
// original protocol, 1 the protocol the update moves it to. Code of heap
// version v speaks protocol version ProtoVersion(service, v).
type Program struct {
	Model  *model.Model
	Update *model.Update // nil: no update

	Roles    []string // role id → name
	Labels   []string // label id → name
	Services []*ServiceInfo
	Threads  []*ThreadCode
	Codes    []*Code // every code object, by Code.ID

	roleID  map[string]int
	labelID map[string]int
	// roleSets interns sorted sets of role ids (send/select receivers,
	// request role lists).
	roleSets [][]int
}

// ServiceInfo is a service with its protocol in each protocol version.
type ServiceInfo struct {
	Name     string
	Moved    bool               // the update moves it to another protocol
	Protocol [2]*model.Protocol // by protocol version; [1] == [0] if not moved
	// Monitors[v][role id] is the role's local type in protocol version v
	// (nil if the protocol lacks the role).
	Monitors [2][]*model.LocalType
}

// ThreadCode is one thread's code in both heap versions.
type ThreadCode struct {
	Index int
	Name  string
	Funs  []string   // function names; a call names a function by index
	Heap  [2][]*Code // Heap[v][f] is function f's body in heap version v
	Main  *Code
	// Explicit is true when the thread's code before applying (main and the
	// initial heap) contains an `update` expression: then only those are its
	// update points; otherwise every call is one (SPEC §3, §4).
	Explicit bool
	// Named is true when the update gives the thread new bodies.
	Named bool
	// Joins[s] is true when the thread's code (either version) can open or
	// join a session of service s (request or accept).
	Joins []bool
}

// Code is one compiled function body (or a thread's main).
type Code struct {
	ID      int
	Thread  int
	Fun     string // "main" for a thread's main expression
	Version uint8  // heap version the body belongs to
	NParams int
	NSlots  int
	Instrs  []Instr
	// Tables are the jump tables of ICase (label → target) and IChoose.
	Tables []caseTable
	// live[pc] is the set of slots live at pc (read before written on some
	// path from pc). Dead slots are cleared so that configurations that
	// differ only in dead variables are one configuration.
	live [][]uint64
}

// Op is a stack-machine instruction.
type Op uint8

const (
	IPush    Op = iota // push V
	ILoad              // push slot A
	IStore             // pop into slot A
	IPop               // drop the top of the stack
	IBin               // pop y, x; push x op(A) y
	IUnary             // pop x; push op(A) x
	IJmp               // jump to A
	IJmpF              // pop a bool; jump to A if false
	IJmpT              // pop a bool; jump to A if true
	ICall              // call function A with B arguments (an update point unless Explicit)
	ITail              // tail call: as ICall, replacing the current frame
	IRet               // return the top of the stack to the caller
	IRequest           // request(service A, role set B, role C): push an endpoint
	IAccept            // accept(service A, role B): push an endpoint
	ISend              // pop value, endpoint; send to role set A; push ()
	IRecv              // pop endpoint; receive from role A; push the value
	ISelect            // pop endpoint; select label B to role set A; push ()
	ICase              // pop endpoint; receive a label from role A; jump by case table B
	IUpdate            // explicit update point; push ()
	IChoose            // choose: jump to one of the targets of case table A
)

// Instr is one instruction. Node is the source construct it comes from, for
// messages.
type Instr struct {
	Op   Op
	A, B int32
	C    int32
	V    Value
	Node syntax.Node
}

type caseTable struct {
	labels  []int // label ids (for ICase); empty for IChoose
	targets []int32
}

// ProtoVersion is the protocol version that code of heap version v speaks
// on service s.
func (p *Program) ProtoVersion(s int, v uint8) uint8 {
	if v == 1 && p.Services[s].Moved {
		return 1
	}
	return 0
}

// RoleID returns the id of a role name, or -1.
func (p *Program) RoleID(name string) int {
	if id, ok := p.roleID[name]; ok {
		return id
	}
	return -1
}

func (p *Program) role(name string) int {
	if id, ok := p.roleID[name]; ok {
		return id
	}
	id := len(p.Roles)
	p.Roles = append(p.Roles, name)
	p.roleID[name] = id
	return id
}

func (p *Program) label(name string) int {
	if id, ok := p.labelID[name]; ok {
		return id
	}
	id := len(p.Labels)
	p.Labels = append(p.Labels, name)
	p.labelID[name] = id
	return id
}

func (p *Program) roleSet(ids []syntax.Ident) int32 {
	set := make([]int, 0, len(ids))
	for _, id := range ids {
		set = append(set, p.role(id.Name))
	}
	sort.Ints(set)
	for i, s := range p.roleSets {
		if equalInts(s, set) {
			return int32(i)
		}
	}
	p.roleSets = append(p.roleSets, set)
	return int32(len(p.roleSets) - 1)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// RoleSet returns the roles of an interned role set.
func (p *Program) RoleSet(i int32) []int { return p.roleSets[i] }

// Compile compiles a checked model for exploration under update u (nil for
// none). The model must have passed model.Check; Compile reports only what
// Check cannot see.
func Compile(m *model.Model, u *model.Update) (*Program, error) {
	p := &Program{Model: m, Update: u, roleID: map[string]int{}, labelID: map[string]int{}}
	for _, s := range m.Services {
		si := &ServiceInfo{Name: s.Name, Protocol: [2]*model.Protocol{s.Protocol, s.Protocol}}
		if u != nil {
			// A service is moved only if the update gives it a different
			// protocol: naming the protocol it already has changes nothing
			// (SPEC §4). Protocols are compared by their local types.
			if np, ok := u.Moves[s.Name]; ok && !sameProtocol(np, s.Protocol) {
				si.Moved = true
				si.Protocol[1] = np
			}
		}
		for _, pr := range si.Protocol {
			for _, r := range pr.Roles {
				p.role(r)
			}
		}
		p.Services = append(p.Services, si)
	}
	// Intern every label of every protocol before compiling code.
	for _, pr := range m.Protocols {
		for _, r := range pr.Roles {
			lt := pr.Local[r]
			if lt == nil {
				continue
			}
			for _, st := range lt.States {
				for _, b := range st.Branches {
					p.label(b.Label)
				}
			}
		}
	}
	for _, si := range p.Services {
		for v := 0; v < 2; v++ {
			si.Monitors[v] = make([]*model.LocalType, 0)
		}
	}
	for ti, t := range m.Threads {
		tc := &ThreadCode{Index: ti, Name: t.Name}
		funIdx := map[string]int{}
		for _, f := range t.Funs {
			funIdx[f.Name.Name] = len(tc.Funs)
			tc.Funs = append(tc.Funs, f.Name.Name)
		}
		var newBodies map[string]*syntax.FunDecl
		if u != nil {
			newBodies = u.Bodies[t.Name]
			tc.Named = len(newBodies) > 0 // `thread T {}` gives no new bodies: no part
		}
		for v := 0; v < 2; v++ {
			for _, f := range t.Funs {
				decl := f
				if v == 1 && newBodies[f.Name.Name] != nil {
					decl = newBodies[f.Name.Name]
				}
				c, err := p.compileBody(ti, funIdx, decl.Name.Name, uint8(v), decl.Params, decl.Body)
				if err != nil {
					return nil, err
				}
				tc.Heap[v] = append(tc.Heap[v], c)
			}
		}
		main, err := p.compileBody(ti, funIdx, "main", 0, nil, t.Main)
		if err != nil {
			return nil, err
		}
		tc.Main = main
		// Update points come from the code the thread runs before applying
		// (SPEC §4): `update` expressions only in the new bodies change
		// nothing until the thread runs them, and after applying it never
		// applies again.
		for _, c := range tc.Heap[0] {
			tc.Explicit = tc.Explicit || hasOp(c, IUpdate)
		}
		tc.Explicit = tc.Explicit || hasOp(main, IUpdate)
		tc.Joins = make([]bool, len(p.Services))
		for _, c := range append(append([]*Code{main}, tc.Heap[0]...), tc.Heap[1]...) {
			for _, in := range c.Instrs {
				if in.Op == IRequest || in.Op == IAccept {
					tc.Joins[in.A] = true
				}
			}
		}
		p.Threads = append(p.Threads, tc)
	}
	// Monitors, indexed by role id (roles are all interned by now).
	for _, si := range p.Services {
		for v := 0; v < 2; v++ {
			si.Monitors[v] = make([]*model.LocalType, len(p.Roles))
			for _, r := range si.Protocol[v].Roles {
				si.Monitors[v][p.roleID[r]] = si.Protocol[v].Local[r]
			}
		}
	}
	if len(p.Roles) > 0xffff {
		return nil, fmt.Errorf("too many roles (%d)", len(p.Roles))
	}
	return p, nil
}

// sameProtocol reports whether two protocols are the same: the same roles,
// each with the same local type (so written differently, e.g. with `.`
// after a choice or without, they still are).
func sameProtocol(a, b *model.Protocol) bool {
	if a == b {
		return true
	}
	if len(a.Roles) != len(b.Roles) || a.Looping != b.Looping {
		return false
	}
	for _, r := range a.Roles {
		if la, lb := a.Local[r], b.Local[r]; la == nil || lb == nil || !sameLocal(la, lb) {
			return false
		}
	}
	return true
}

// sameLocal reports whether two monitors are bisimilar from their initial
// states: the same actions, labels and run ends, whatever their numbering.
func sameLocal(a, b *model.LocalType) bool {
	paired := map[[2]int]bool{}
	work := [][2]int{{0, 0}}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		if paired[p] {
			continue
		}
		paired[p] = true
		x, y := &a.States[p[0]], &b.States[p[1]]
		if x.Kind != y.Kind || x.Type != y.Type || !equalStrings(x.Peers, y.Peers) || len(x.Branches) != len(y.Branches) {
			return false
		}
		if x.Kind == model.LSend || x.Kind == model.LRecv {
			if x.EndsRun != y.EndsRun {
				return false
			}
			work = append(work, [2]int{x.Next, y.Next})
		}
		for i, bx := range x.Branches {
			by := y.Branches[i]
			if bx.Label != by.Label || bx.EndsRun != by.EndsRun {
				return false
			}
			work = append(work, [2]int{bx.Next, by.Next})
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func hasOp(c *Code, op Op) bool {
	for _, in := range c.Instrs {
		if in.Op == op {
			return true
		}
	}
	return false
}

// ServiceIndex returns the index of a service by name, or -1.
func (p *Program) ServiceIndex(name string) int {
	for i, s := range p.Services {
		if s.Name == name {
			return i
		}
	}
	return -1
}

// ---------------------------------------------------------------------------
// Code generation

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
			return fmt.Errorf("%d:%d: undefined variable %s", e.Name.Pos.Line, e.Name.Pos.Col, e.Name.Name)
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
			return fmt.Errorf("%d:%d: undefined function %s", e.Pos.Line, e.Pos.Col, e.Fun.Name)
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
			return fmt.Errorf("%d:%d: undefined service %s", e.Pos.Line, e.Pos.Col, e.Service.Name)
		}
		cc.emit(Instr{Op: IRequest, A: int32(si), B: p.roleSet(e.Roles), C: int32(p.role(e.Role.Name)), Node: e})
	case *syntax.Accept:
		si := p.ServiceIndex(e.Service.Name)
		if si < 0 {
			return fmt.Errorf("%d:%d: undefined service %s", e.Pos.Line, e.Pos.Col, e.Service.Name)
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
		tab := caseTable{}
		for _, b := range e.Branches {
			tab.labels = append(tab.labels, p.label(b.Label.Name))
			tab.targets = append(tab.targets, 0)
		}
		ti := len(cc.code.Tables)
		cc.code.Tables = append(cc.code.Tables, tab)
		cc.emit(Instr{Op: ICase, A: int32(p.role(e.From.Name)), B: int32(ti), Node: e})
		var ends []int
		for i, b := range e.Branches {
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
		return fmt.Errorf("unsupported expression %T", e)
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
