// Package syntax holds the abstract syntax of mcheck model files (.dsu), their
// lexer and parser, the printer behind `mcheck fmt`, and positioned errors.
//
// The AST is never mutated after parsing: later stages (package model) keep
// what they learn in side tables keyed by node, as go/types does.
//
// Grammar: see docs/language.md §1. Parentheses are not kept as nodes: the printer puts
// back exactly the ones precedence needs, so fmt's output re-parses to the
// same tree (positions aside).
package syntax

// Pos is a position in a model file: 1-based line and column (in bytes).
// The zero Pos means "no position".
type Pos struct {
	Line, Col int32
}

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Ident is a name with the position where it is written.
type Ident struct {
	Pos  Pos
	Name string
}

// File is one parsed model file. Decls keeps every declaration in source
// order; the typed slices hold the same nodes, by kind, for convenience.
type File struct {
	Name      string // file name as given to Parse, used in error positions
	Decls     []Decl
	Protocols []*ProtocolDecl
	Services  []*ServiceDecl
	Threads   []*ThreadDecl
	Updates   []*UpdateDecl
	// Comments holds every comment of the file in source order, each
	// anchored to the declaration or member it is printed before.
	Comments []*Comment
}

// Decl is a top-level declaration: *ProtocolDecl, *ServiceDecl, *ThreadDecl
// or *UpdateDecl.
type Decl interface {
	Node
	declNode()
}

// Node is any AST node.
type Node interface {
	Position() Pos
}

// ProtocolDecl is `protocol NAME = gtype`.
type ProtocolDecl struct {
	Pos  Pos // of the keyword
	Name Ident
	Body GType
}

// ServiceDecl is `service NAME : PROTOCOL`, at top level or inside an update.
type ServiceDecl struct {
	Pos      Pos
	Name     Ident
	Protocol Ident
}

// ThreadDecl is `thread NAME { fun* main expr }`.
type ThreadDecl struct {
	Pos  Pos
	Name Ident
	Funs []*FunDecl
	Main Expr
	// MainPos is the position of the `main` keyword.
	MainPos Pos
}

// UpdateDecl is `update NAME { udecl* }`.
type UpdateDecl struct {
	Pos      Pos
	Name     Ident
	Services []*ServiceDecl  // services moved to a new protocol
	Threads  []*ThreadUpdate // new function bodies, per thread
	Decls    []Node          // Services and Threads in source order (for fmt)
}

// ThreadUpdate is `thread NAME { fun* }` inside an update.
type ThreadUpdate struct {
	Pos  Pos
	Name Ident
	Funs []*FunDecl
}

// FunDecl is `fun NAME(params) = body`.
type FunDecl struct {
	Pos    Pos
	Name   Ident
	Params []Ident
	Body   Expr
}

func (d *ProtocolDecl) Position() Pos { return d.Pos }
func (d *ServiceDecl) Position() Pos  { return d.Pos }
func (d *ThreadDecl) Position() Pos   { return d.Pos }
func (d *UpdateDecl) Position() Pos   { return d.Pos }
func (d *ThreadUpdate) Position() Pos { return d.Pos }
func (d *FunDecl) Position() Pos      { return d.Pos }

func (*ProtocolDecl) declNode() {}
func (*ServiceDecl) declNode()  {}
func (*ThreadDecl) declNode()   {}
func (*UpdateDecl) declNode()   {}

// ---------------------------------------------------------------------------
// Global types

// GType is a global session type: *GMsg, *GChoice, *GSeq, *GRec, *GVar, *GEnd.
type GType interface {
	Node
	gtypeNode()
}

// ValType is the type of a message value.
type ValType uint8

const (
	TInt ValType = iota + 1
	TBool
	TUnit
)

func (t ValType) String() string {
	switch t {
	case TInt:
		return "int"
	case TBool:
		return "bool"
	case TUnit:
		return "unit"
	}
	return "?"
}

// GMsg is `From -> To : <Type>` (without a continuation: `.G` is a GSeq).
type GMsg struct {
	Pos  Pos // of From
	From Ident
	To   []Ident // one or more receivers; braces in the source are not kept
	Type ValType
	// TypePos is the position of the value type name.
	TypePos Pos
}

// GChoice is `From -> To : { l1: G1, ..., ln: Gn }`.
type GChoice struct {
	Pos      Pos
	From     Ident
	To       []Ident
	Branches []*GBranch
}

// GBranch is one `label: G` of a choice.
type GBranch struct {
	Label Ident
	Body  GType
}

// GSeq is `First . Second`. `a.b.c` parses as GSeq{a, GSeq{b, c}}; a choice
// or a parenthesised type followed by `.G` continues every branch with G.
type GSeq struct {
	Pos           Pos // of First
	First, Second GType
}

// GRec is `mu Var . Body`; the body extends as far right as possible.
type GRec struct {
	Pos  Pos // of `mu`
	Var  Ident
	Body GType
}

// GVar is a recursion variable.
type GVar struct {
	Name Ident
}

// GEnd is `end`.
type GEnd struct {
	Pos Pos
}

func (g *GMsg) Position() Pos    { return g.Pos }
func (g *GChoice) Position() Pos { return g.Pos }
func (g *GSeq) Position() Pos    { return g.Pos }
func (g *GRec) Position() Pos    { return g.Pos }
func (g *GVar) Position() Pos    { return g.Name.Pos }
func (g *GEnd) Position() Pos    { return g.Pos }

func (*GMsg) gtypeNode()    {}
func (*GChoice) gtypeNode() {}
func (*GSeq) gtypeNode()    {}
func (*GRec) gtypeNode()    {}
func (*GVar) gtypeNode()    {}
func (*GEnd) gtypeNode()    {}

// ---------------------------------------------------------------------------
// Expressions

// Expr is an expression of the thread language.
type Expr interface {
	Node
	exprNode()
}

// Let is `let Name = Value in Body`.
type Let struct {
	Pos   Pos // of `let`
	Name  Ident
	Value Expr
	Body  Expr
}

// Seq is `First ; Second` (sugar for let _ = First in Second, kept apart so
// fmt prints what was written).
type Seq struct {
	Pos           Pos // of First
	First, Second Expr
}

// If is `if Cond then Then else Else`.
type If struct {
	Pos              Pos
	Cond, Then, Else Expr
}

// Call is `Fun(Args)`, a call of a function in the thread's heap.
type Call struct {
	Pos  Pos // of Fun
	Fun  Ident
	Args []Expr
}

// Request is `request(Service, {Roles}, Role)`.
type Request struct {
	Pos     Pos
	Service Ident
	Roles   []Ident
	Role    Ident
}

// Accept is `accept(Service, Role)`.
type Accept struct {
	Pos     Pos
	Service Ident
	Role    Ident
}

// Send is `send(Chan, To, Value)`.
type Send struct {
	Pos   Pos
	Chan  Expr
	To    []Ident
	Value Expr
}

// Receive is `receive(Chan, From)`.
type Receive struct {
	Pos  Pos
	Chan Expr
	From Ident
}

// Select is `select(Chan, To, Label)`.
type Select struct {
	Pos   Pos
	Chan  Expr
	To    []Ident
	Label Ident
}

// Case is `case(Chan, From, { l1: e1, ... })`.
type Case struct {
	Pos      Pos
	Chan     Expr
	From     Ident
	Branches []*CaseBranch
}

// CaseBranch is one `label: expr` of a case.
type CaseBranch struct {
	Label Ident
	Body  Expr
}

// UpdatePoint is the expression `update`, an explicit update point.
type UpdatePoint struct {
	Pos Pos
}

// Choose is `choose(e1, ..., en)`: evaluates one of its arguments, chosen
// nondeterministically (every choice is explored).
type Choose struct {
	Pos     Pos
	Options []Expr
}

// IntLit is a non-negative integer literal (negative numbers are Unary{-}).
type IntLit struct {
	Pos   Pos
	Value int64
}

// BoolLit is `true` or `false`.
type BoolLit struct {
	Pos   Pos
	Value bool
}

// UnitLit is `()`.
type UnitLit struct {
	Pos Pos
}

// Var is a use of a variable.
type Var struct {
	Name Ident
}

// BinOp is a binary operator.
type BinOp uint8

const (
	OpAdd BinOp = iota + 1 // +
	OpSub                  // -
	OpMul                  // *
	OpDiv                  // /
	OpMod                  // %
	OpLt                   // <
	OpLe                   // <=
	OpGt                   // >
	OpGe                   // >=
	OpEq                   // ==
	OpNe                   // !=
	OpAnd                  // &&
	OpOr                   // ||
)

var binOpText = [...]string{"", "+", "-", "*", "/", "%", "<", "<=", ">", ">=", "==", "!=", "&&", "||"}

func (op BinOp) String() string {
	if int(op) < len(binOpText) && op > 0 {
		return binOpText[op]
	}
	return "?"
}

// Precedence returns the binding strength of op: higher binds tighter.
// || 1, && 2, comparisons 3, + - 4, * / % 5.
func (op BinOp) Precedence() int {
	switch op {
	case OpOr:
		return 1
	case OpAnd:
		return 2
	case OpLt, OpLe, OpGt, OpGe, OpEq, OpNe:
		return 3
	case OpAdd, OpSub:
		return 4
	case OpMul, OpDiv, OpMod:
		return 5
	}
	return 0
}

// Binary is `X Op Y`.
type Binary struct {
	OpPos Pos // of the operator
	Op    BinOp
	X, Y  Expr
}

// UnOp is a unary operator.
type UnOp uint8

const (
	OpNot UnOp = iota + 1 // not
	OpNeg                 // -
)

func (op UnOp) String() string {
	if op == OpNot {
		return "not"
	}
	return "-"
}

// Unary is `not X` or `-X`.
type Unary struct {
	Pos Pos // of the operator
	Op  UnOp
	X   Expr
}

func (e *Let) Position() Pos         { return e.Pos }
func (e *Seq) Position() Pos         { return e.Pos }
func (e *If) Position() Pos          { return e.Pos }
func (e *Call) Position() Pos        { return e.Pos }
func (e *Request) Position() Pos     { return e.Pos }
func (e *Accept) Position() Pos      { return e.Pos }
func (e *Send) Position() Pos        { return e.Pos }
func (e *Receive) Position() Pos     { return e.Pos }
func (e *Select) Position() Pos      { return e.Pos }
func (e *Case) Position() Pos        { return e.Pos }
func (e *UpdatePoint) Position() Pos { return e.Pos }
func (e *Choose) Position() Pos      { return e.Pos }
func (e *IntLit) Position() Pos      { return e.Pos }
func (e *BoolLit) Position() Pos     { return e.Pos }
func (e *UnitLit) Position() Pos     { return e.Pos }
func (e *Var) Position() Pos         { return e.Name.Pos }
func (e *Binary) Position() Pos      { return e.X.Position() }
func (e *Unary) Position() Pos       { return e.Pos }

func (*Let) exprNode()         {}
func (*Seq) exprNode()         {}
func (*If) exprNode()          {}
func (*Call) exprNode()        {}
func (*Request) exprNode()     {}
func (*Accept) exprNode()      {}
func (*Send) exprNode()        {}
func (*Receive) exprNode()     {}
func (*Select) exprNode()      {}
func (*Case) exprNode()        {}
func (*UpdatePoint) exprNode() {}
func (*Choose) exprNode()      {}
func (*IntLit) exprNode()      {}
func (*BoolLit) exprNode()     {}
func (*UnitLit) exprNode()     {}
func (*Var) exprNode()         {}
func (*Binary) exprNode()      {}
func (*Unary) exprNode()       {}

// Inspect calls fn on e and, while fn returns true, on every expression
// inside it, in source order (as go/ast.Inspect does; a nil e is skipped).
func Inspect(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch e := e.(type) {
	case *Let:
		Inspect(e.Value, fn)
		Inspect(e.Body, fn)
	case *Seq:
		Inspect(e.First, fn)
		Inspect(e.Second, fn)
	case *If:
		Inspect(e.Cond, fn)
		Inspect(e.Then, fn)
		Inspect(e.Else, fn)
	case *Call:
		for _, a := range e.Args {
			Inspect(a, fn)
		}
	case *Send:
		Inspect(e.Chan, fn)
		Inspect(e.Value, fn)
	case *Receive:
		Inspect(e.Chan, fn)
	case *Select:
		Inspect(e.Chan, fn)
	case *Case:
		Inspect(e.Chan, fn)
		for _, b := range e.Branches {
			Inspect(b.Body, fn)
		}
	case *Choose:
		for _, o := range e.Options {
			Inspect(o, fn)
		}
	case *Binary:
		Inspect(e.X, fn)
		Inspect(e.Y, fn)
	case *Unary:
		Inspect(e.X, fn)
	}
}
