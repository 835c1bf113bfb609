package statespace

import (
	"fmt"
	"slices"
	"sort"
	"sync"

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
// counted as version-1 code, docs/language.md §5). Protocol versions: 0 is a service's
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
	// singles[r] is the set {r}: a receive's peers, shared, not allocated
	// at every step.
	singles [][]int

	// The channels of the sends and selects (model.CommChannels), built
	// on first use (wait.go).
	chansOnce sync.Once
	chans     map[syntax.Expr]model.ChanSet

	// Coverage tables (coverage.go), built on first use.
	covOnce   sync.Once
	instrBase []int
	stateBase [][2][]int
	nInstr    int
	nStates   int
}

// ServiceInfo is a service with its protocol in each protocol version.
type ServiceInfo struct {
	Name     string
	Moved    bool               // the update moves it to another protocol
	Protocol [2]*model.Protocol // by protocol version; [1] == [0] if not moved
	// Monitors[v][role id] is the role's local type in protocol version v
	// (nil if the protocol lacks the role).
	Monitors [2][]*model.LocalType
	// rank[role id] orders the roles for display as the protocol lists
	// them (version 0's roles, then those version 1 adds), not by id: ids
	// follow the first mention of a name in the whole model (found by a
	// tester: "session ps#1 starts (c: Cc, a: A, b: B)" where the
	// protocol and the request said a, b, c).
	rank []int
}

// Ordered is the indices of in's ends in the order of its protocol's roles
// (for display; Ends itself is sorted by role id).
func (p *Program) Ordered(in *Instance) []int {
	rank := p.Services[in.Service].rank
	order := make([]int, len(in.Ends))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return rank[in.Ends[i].Role] - rank[in.Ends[j].Role] })
	return order
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
	// update points; otherwise every call is one (docs/language.md §3, §4).
	Explicit bool
	// Named is true when the update gives the thread new bodies.
	Named bool
	// Joins[s] is true when the thread's code (either version) can open or
	// join a session of service s (request or accept).
	Joins []bool
}

// Code is one compiled function body (or a thread's main).
type Code struct {
	ID        int
	Thread    int
	Fun       string // "main" for a thread's main expression
	Version   uint8  // heap version the body belongs to
	NParams   int
	NSlots    int
	SlotNames []string // the variable of each slot, for messages
	Instrs    []Instr
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
		if slices.Equal(s, set) {
			return int32(i)
		}
	}
	p.roleSets = append(p.roleSets, set)
	return int32(len(p.roleSets) - 1)
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
			// (docs/language.md §4). Protocols are compared by their local types.
			if np, ok := u.Moves[s.Name]; ok && !model.SameProtocol(np, s.Protocol) {
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
		var newBodies map[string]*syntax.FunDecl
		if u != nil {
			newBodies = u.Bodies[t.Name]
			tc.Named = len(newBodies) > 0 // `thread T {}` gives no new bodies: no part
		}
		funs := p.funOrder(t, newBodies)
		funIdx := map[string]int{}
		for _, f := range funs {
			funIdx[f.Name.Name] = len(tc.Funs)
			tc.Funs = append(tc.Funs, f.Name.Name)
		}
		for v := 0; v < 2; v++ {
			for _, f := range funs {
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
		// (docs/language.md §4): `update` expressions only in the new bodies change
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
		si.rank = make([]int, len(p.Roles))
		for r := range si.rank {
			si.rank[r] = len(p.Roles) + r // not a role of the service: last
		}
		next := 0
		for v := 0; v < 2; v++ {
			for _, r := range si.Protocol[v].Roles {
				if id := p.roleID[r]; si.rank[id] >= len(p.Roles) {
					si.rank[id] = next
					next++
				}
			}
		}
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
	for r := range p.Roles {
		p.singles = append(p.singles, []int{r})
	}
	return p, nil
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
