package syntax

import (
	"bytes"
	"io"
	"strconv"
	"strings"
)

// lineWidth is the width the printer tries to keep lines within. Lines are
// broken only at ';', after 'let ... in', around if-branches, between the
// branches of a case or choice, and between the steps of a global type; a
// construct that cannot be broken there stays on one line, however long.
const lineWidth = 80

// Fprint writes f in normal form, as `mcheck fmt` prints it: one declaration
// per paragraph, two-space indentation, a body that does not fit on its line
// broken at ';' and after each 'let ... in', and only the parentheses that
// precedence needs, so that the output parses to the same tree (positions
// aside) and printing that tree again gives the same bytes.
//
// Each comment is printed on its own line just before the declaration,
// update member, function or main expression it preceded or lay in (see
// Comment.Anchor), except one on the line of the unit's last token, which
// stays at the end of the unit's last line (Comment.Trailing), and one
// before or inside a step of a body's chain, which goes before that step
// (the parser's anchorSteps; at the end of the line before it if it came
// after code and before the step, Comment.EndOfLine); comments after the
// last declaration stay at the end.
func Fprint(w io.Writer, f *File) error {
	p := &printer{anchors: make(map[Pos][]*Comment), printed: make(map[*Comment]bool)}
	for _, c := range f.Comments {
		if c.Anchor.IsValid() {
			p.anchors[c.Anchor] = append(p.anchors[c.Anchor], c)
		}
	}
	for i, d := range f.Decls {
		if i > 0 {
			p.newline()
			p.newline()
		}
		p.comments(d.Position())
		p.decl(d)
		p.trailing(d.Position())
	}
	// Comments at the end of the file, and any whose anchor is no node of
	// the tree (never the case for a parsed File): never lose one.
	var rest []*Comment
	for _, c := range f.Comments {
		if !p.printed[c] {
			rest = append(rest, c)
		}
	}
	if len(rest) > 0 {
		if len(f.Decls) > 0 {
			p.newline()
			p.newline()
		}
		for i, c := range rest {
			if i > 0 {
				p.newline()
				if c.Pos.Line > rest[i-1].Pos.Line+1 {
					p.newline()
				}
			}
			p.text(c.Text)
		}
	}
	if p.buf.Len() > 0 {
		p.newline()
	}
	_, err := w.Write(p.buf.Bytes())
	return err
}

// ExprString returns e on one line, in normal form: `send(x, p2, 1)`.
func ExprString(e Expr) string {
	var f flatPrinter
	f.expr(e, lvlSeq, true)
	return f.b.String()
}

// ArgString returns e as an argument of a call or a primitive is written:
// ExprString's, parenthesized where the list would read it otherwise
// (`(x; y)` in `choose((x; y), z)`).
func ArgString(e Expr) string {
	var f flatPrinter
	f.expr(e, lvlArg, true)
	return f.b.String()
}

// GTypeString returns g on one line, in normal form:
// `mu t. p1 -> p2: <int>. t`.
func GTypeString(g GType) string {
	var f flatPrinter
	f.gtype(g, false)
	return f.b.String()
}

// FunString returns a function declaration on one line:
// `fun f(x) = send(x, p2, 1); f(x)`.
func FunString(fd *FunDecl) string {
	if fd == nil {
		return "<nil>"
	}
	return funHead(fd) + " " + ExprString(fd.Body)
}

func funHead(fd *FunDecl) string {
	var b strings.Builder
	b.WriteString("fun ")
	b.WriteString(fd.Name.Name)
	b.WriteByte('(')
	for i, p := range fd.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Name)
	}
	b.WriteString(") =")
	return b.String()
}

// ---------------------------------------------------------------------------
// Precedence
//
// An expression has a level: ';' and let 0, if 1, a binary operator of
// precedence k (1..5) k+1, unary 7, anything else 8. A position in the tree
// requires a minimum level; an expression below it is parenthesised. One
// more thing matters: a let extends as far right as it can, so a let that is
// the else-branch of an if is left bare only when nothing follows the if
// ("closed" position); `if c then a else (let x = 1 in x); b` needs them.

const (
	lvlSeq   = 0
	lvlItem  = 1
	lvlUnary = 7
	// lvlArg is an argument's level (a call's, a primitive's, choose's
	// options, a let's value, an if's condition): a ';' sequence there is
	// parenthesised, though the grammar does not ask it (found by a
	// tester: `f(1; 7)` and `let x = 1; 2 in x` read badly); a let or an
	// if is not.
	lvlArg = lvlItem
)

func needParens(e Expr, lvl int, closed bool) bool {
	switch e := e.(type) {
	case *Seq:
		return lvl > lvlSeq
	case *Let:
		return lvl > lvlItem || lvl == lvlItem && !closed
	case *If:
		return lvl > lvlItem
	case *Binary:
		return e.Op.Precedence()+1 < lvl
	case *Unary:
		return lvl > lvlUnary
	case *IntLit:
		return e.Value < 0 && lvl > lvlUnary
	}
	return false
}

// operandLevels returns the levels required of the operands of op.
func operandLevels(op BinOp) (x, y int) {
	p := op.Precedence()
	if p == 3 { // comparisons do not associate
		return p + 2, p + 2
	}
	return p + 1, p + 2
}

// startsWithMinus reports whether e, printed at unary level, starts with '-'.
func startsWithMinus(e Expr) bool {
	switch e := e.(type) {
	case *Unary:
		return e.Op == OpNeg
	case *IntLit:
		return e.Value < 0
	}
	return false
}

func gNeedParens(g GType, first bool) bool {
	switch g.(type) {
	case *GSeq, *GRec:
		return first
	}
	return false
}

// ---------------------------------------------------------------------------
// One-line printing

// flatPrinter prints on one line. With a limit, it gives up (over) as soon
// as the text is longer than that, so that "does it fit?" costs at most
// the width of a line.
type flatPrinter struct {
	b     strings.Builder
	limit int // 0: none
	over  bool
}

func (f *flatPrinter) str(s string) {
	if f.over {
		return
	}
	f.b.WriteString(s)
	if f.limit > 0 && f.b.Len() > f.limit {
		f.over = true
	}
}

func (f *flatPrinter) roles(rs []Ident, braces bool) {
	if len(rs) == 1 && !braces {
		f.str(rs[0].Name)
		return
	}
	f.str("{")
	for i, r := range rs {
		if i > 0 {
			f.str(", ")
		}
		f.str(r.Name)
	}
	f.str("}")
}

func (f *flatPrinter) exprs(es []Expr) {
	for i, e := range es {
		if i > 0 {
			f.str(", ")
		}
		f.expr(e, lvlArg, true)
	}
}

func (f *flatPrinter) expr(e Expr, lvl int, closed bool) {
	if f.over {
		return
	}
	if needParens(e, lvl, closed) {
		f.str("(")
		f.expr(e, lvlSeq, true)
		f.str(")")
		return
	}
	switch e := e.(type) {
	case *Let:
		f.str("let " + e.Name.Name + " = ")
		f.expr(e.Value, lvlArg, true)
		f.str(" in ")
		f.expr(e.Body, lvlSeq, closed)
	case *Seq:
		f.expr(e.First, lvlItem, false)
		f.str("; ")
		f.expr(e.Second, lvlSeq, closed)
	case *If:
		f.str("if ")
		f.expr(e.Cond, lvlArg, true)
		f.str(" then ")
		f.expr(e.Then, lvlSeq, true)
		f.str(" else ")
		f.expr(e.Else, lvlItem, closed)
	case *Call:
		f.str(e.Fun.Name + "(")
		f.exprs(e.Args)
		f.str(")")
	case *Request:
		f.str("request(" + e.Service.Name + ", ")
		f.roles(e.Roles, true)
		f.str(", " + e.Role.Name + ")")
	case *Accept:
		f.str("accept(" + e.Service.Name + ", " + e.Role.Name + ")")
	case *Send:
		f.str("send(")
		f.expr(e.Chan, lvlArg, true)
		f.str(", ")
		f.roles(e.To, false)
		f.str(", ")
		f.expr(e.Value, lvlArg, true)
		f.str(")")
	case *Receive:
		f.str("receive(")
		f.expr(e.Chan, lvlArg, true)
		f.str(", " + e.From.Name + ")")
	case *Select:
		f.str("select(")
		f.expr(e.Chan, lvlArg, true)
		f.str(", ")
		f.roles(e.To, false)
		f.str(", " + e.Label.Name + ")")
	case *Case:
		f.str("case(")
		f.expr(e.Chan, lvlArg, true)
		f.str(", " + e.From.Name + ", { ")
		for i, b := range e.Branches {
			if i > 0 {
				f.str(", ")
			}
			f.str(b.Label.Name + ": ")
			f.expr(b.Body, lvlSeq, true)
		}
		f.str(" })")
	case *UpdatePoint:
		f.str("update")
	case *Choose:
		f.str("choose(")
		f.exprs(e.Options)
		f.str(")")
	case *IntLit:
		f.str(strconv.FormatInt(e.Value, 10))
	case *BoolLit:
		f.str(strconv.FormatBool(e.Value))
	case *UnitLit:
		f.str("()")
	case *Var:
		f.str(e.Name.Name)
	case *Binary:
		xl, yl := operandLevels(e.Op)
		f.expr(e.X, xl, false)
		f.str(" " + e.Op.String() + " ")
		f.expr(e.Y, yl, false)
	case *Unary:
		if e.Op == OpNot {
			f.str("not ")
		} else if startsWithMinus(e.X) {
			f.str("- ")
		} else {
			f.str("-")
		}
		f.expr(e.X, lvlUnary, false)
	case nil:
		f.str("<nil>")
	default:
		f.str("<?>")
	}
}

func (f *flatPrinter) gtype(g GType, first bool) {
	if f.over {
		return
	}
	if gNeedParens(g, first) {
		f.str("(")
		f.gtype(g, false)
		f.str(")")
		return
	}
	switch g := g.(type) {
	case *GMsg:
		f.str(g.From.Name + " -> ")
		f.roles(g.To, false)
		f.str(": <" + g.Type.String() + ">")
	case *GChoice:
		f.str(g.From.Name + " -> ")
		f.roles(g.To, false)
		f.str(": { ")
		for i, b := range g.Branches {
			if i > 0 {
				f.str(", ")
			}
			f.str(b.Label.Name + ": ")
			f.gtype(b.Body, false)
		}
		f.str(" }")
	case *GSeq:
		f.gtype(g.First, true)
		f.str(". ")
		f.gtype(g.Second, false)
	case *GRec:
		f.str("mu " + g.Var.Name + ". ")
		f.gtype(g.Body, false)
	case *GVar:
		f.str(g.Name.Name)
	case *GEnd:
		f.str("end")
	case nil:
		f.str("<nil>")
	default:
		f.str("<?>")
	}
}

// ---------------------------------------------------------------------------
// Normal form

type printer struct {
	buf        bytes.Buffer
	indent     int
	col        int  // column after the last byte written (counting a pending indent)
	needIndent bool // a line was started and its indentation not written yet
	anchors    map[Pos][]*Comment
	printed    map[*Comment]bool
}

func (p *printer) text(s string) {
	if p.needIndent {
		for i := 0; i < p.indent; i++ {
			p.buf.WriteString("  ")
		}
		p.needIndent = false
	}
	p.buf.WriteString(s)
	p.col += len(s)
}

func (p *printer) newline() {
	p.buf.WriteByte('\n')
	p.needIndent = true
	p.col = 2 * p.indent
}

// comments prints, each on its own line, the comments anchored at pos (the
// position of the unit about to be printed). A blank line that separated a
// comment from what followed it in the source is kept.
func (p *printer) comments(pos Pos) {
	cs := p.anchors[pos]
	for _, c := range cs {
		if p.printed[c] || c.Trailing || c.Closing {
			continue
		}
		p.printed[c] = true
		p.text(c.Text)
		p.newline()
		// A blank line that followed it, before the unit or step (not
		// one that only looks so by position: `thread A # c` then `{` on
		// a line of its own gained one, as did a step starting with '(',
		// whose position leaves it out; found by testers).
		if c.BlankAfter && lessPos(c.Pos, pos) {
			p.newline()
		}
	}
}

// closing prints, each on its own line after the current one, the comments
// that lay before the closing '}' of the braced unit at pos (about to be
// printed).
func (p *printer) closing(pos Pos) {
	for _, c := range p.anchors[pos] {
		if c.Closing && !p.printed[c] {
			p.printed[c] = true
			p.newline()
			p.text(c.Text)
		}
	}
}

// hasClosing reports whether the braced unit at pos has comments before its
// closing '}'.
func (p *printer) hasClosing(pos Pos) bool {
	for _, c := range p.anchors[pos] {
		if c.Closing {
			return true
		}
	}
	return false
}

// trailing prints at the end of the current line the comment that trailed
// the unit at pos, just printed, if any.
func (p *printer) trailing(pos Pos) {
	for _, c := range p.anchors[pos] {
		if c.Trailing && !p.printed[c] {
			p.printed[c] = true
			p.text(" " + c.Text)
		}
	}
}

func lessPos(a, b Pos) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
}

// flatExpr prints e on one line if it fits in what is left of the current
// line, keeping extra columns free after it.
func (p *printer) flatExpr(e Expr, lvl int, closed bool, extra int) (string, bool) {
	f := flatPrinter{limit: max(lineWidth-p.col-extra, 1)}
	f.expr(e, lvl, closed)
	return f.b.String(), !f.over
}

func (p *printer) flatGType(g GType, first bool, extra int) (string, bool) {
	f := flatPrinter{limit: max(lineWidth-p.col-extra, 1)}
	f.gtype(g, first)
	return f.b.String(), !f.over
}

func (p *printer) decl(d Decl) {
	switch d := d.(type) {
	case *ProtocolDecl:
		p.text("protocol " + d.Name.Name + " =")
		if s, ok := p.flatGType(d.Body, false, 1); ok {
			p.text(" " + s)
			return
		}
		p.indent++
		p.newline()
		p.gchain(d.Body, 0)
		p.indent--
	case *ServiceDecl:
		p.service(d)
	case *ThreadDecl:
		p.text("thread " + d.Name.Name + " {")
		p.indent++
		for _, fd := range d.Funs {
			p.newline()
			p.comments(fd.Pos)
			p.fun(fd)
			p.trailing(fd.Pos)
		}
		if d.Main != nil || d.MainPos.IsValid() {
			p.newline()
			p.comments(d.MainPos)
			p.body("main", d.Main)
			p.trailing(d.MainPos)
		}
		p.closing(d.Pos)
		p.indent--
		p.newline()
		p.text("}")
	case *UpdateDecl:
		p.text("update " + d.Name.Name + " {")
		members := d.Decls
		if len(members) != len(d.Services)+len(d.Threads) {
			members = nil
			for _, s := range d.Services {
				members = append(members, s)
			}
			for _, t := range d.Threads {
				members = append(members, t)
			}
		}
		if len(members) == 0 && !p.hasClosing(d.Pos) {
			p.text("}")
			return
		}
		p.indent++
		for _, m := range members {
			p.newline()
			p.comments(m.Position())
			switch m := m.(type) {
			case *ServiceDecl:
				p.service(m)
			case *ThreadUpdate:
				p.text("thread " + m.Name.Name + " {")
				if len(m.Funs) == 0 && !p.hasClosing(m.Pos) {
					p.text("}")
					break
				}
				p.indent++
				for _, fd := range m.Funs {
					p.newline()
					p.comments(fd.Pos)
					p.fun(fd)
					p.trailing(fd.Pos)
				}
				p.closing(m.Pos)
				p.indent--
				p.newline()
				p.text("}")
			}
			p.trailing(m.Position())
		}
		p.closing(d.Pos)
		p.indent--
		p.newline()
		p.text("}")
	}
}

func (p *printer) service(d *ServiceDecl) {
	p.text("service " + d.Name.Name + ": " + d.Protocol.Name)
}

func (p *printer) fun(fd *FunDecl) {
	p.body(funHead(fd), fd.Body)
}

// body prints `head body`, the body on the same line if it fits, else
// indented on the lines below.
func (p *printer) body(head string, e Expr) {
	p.text(head)
	if s, ok := p.flatExpr(e, lvlSeq, true, 1); ok && !p.hasStepComments(e) {
		p.text(" " + s)
		return
	}
	p.endOfLine(position(e))
	p.indent++
	p.newline()
	p.chain(e, true, 0)
	p.indent--
}

// endOfLine prints at the end of the current line the first comment
// anchored at pos (a step of a body) that followed code on its line in the
// source, as it did there, and ends the line if a blank line followed it
// (the caller's newline then leaves that blank line).
func (p *printer) endOfLine(pos Pos) {
	if !pos.IsValid() {
		return // (a partial tree's missing expression)
	}
	for _, c := range p.anchors[pos] {
		if c.EndOfLine && !c.Trailing && !c.Closing && !p.printed[c] {
			p.printed[c] = true
			p.text(" " + c.Text)
			// A blank line that followed it is kept, as after a comment
			// on a line of its own (found by a tester: it was dropped).
			if c.BlankAfter {
				p.newline()
			}
			return
		}
	}
}

// position is e's position; none for no expression (in a partial tree).
func position(e Expr) Pos {
	if e == nil {
		return Pos{}
	}
	return e.Position()
}

// hasStepComments reports whether comments are anchored to steps of e's
// chain (the parser's anchorSteps): the body is then laid out one step a
// line, so that each keeps its place.
func (p *printer) hasStepComments(e Expr) bool {
	for ; e != nil; e = nextStep(e) {
		if len(p.anchors[e.Position()]) > 0 {
			return true
		}
	}
	return false
}

// expr prints e at the current position: on one line if it fits, else
// broken over several.
func (p *printer) expr(e Expr, lvl int, closed bool, extra int) {
	if s, ok := p.flatExpr(e, lvl, closed, extra); ok {
		p.text(s)
		return
	}
	p.broken(e, lvl, closed, extra)
}

// chain prints the rest of a broken let or ';' chain: a let or ';' there
// is broken too, so that one chain reads one step per line.
func (p *printer) chain(e Expr, closed bool, extra int) {
	if pos := position(e); pos.IsValid() {
		p.comments(pos) // a step's (the parser's anchorSteps)
	}
	switch e.(type) {
	case *Let, *Seq:
		p.broken(e, lvlSeq, closed, extra)
	default:
		p.expr(e, lvlSeq, closed, extra)
	}
}

// broken prints e over several lines (where its form allows).
func (p *printer) broken(e Expr, lvl int, closed bool, extra int) {
	if needParens(e, lvl, closed) {
		p.text("(")
		p.indent++
		p.newline()
		p.expr(e, lvlSeq, true, 0)
		p.indent--
		p.newline()
		p.text(")")
		return
	}
	switch e := e.(type) {
	case *Seq:
		p.expr(e.First, lvlItem, false, 1)
		p.text(";")
		p.endOfLine(position(e.Second))
		p.newline()
		p.chain(e.Second, closed, extra)
	case *Let:
		p.text("let " + e.Name.Name + " =")
		if s, ok := p.flatExpr(e.Value, lvlArg, true, 4); ok {
			p.text(" " + s + " in")
		} else {
			p.indent++
			p.newline()
			p.expr(e.Value, lvlArg, true, 0)
			p.indent--
			p.newline()
			p.text("in")
		}
		p.endOfLine(position(e.Body))
		p.newline()
		p.chain(e.Body, closed, extra)
	case *If:
		p.text("if ")
		p.expr(e.Cond, lvlArg, true, 5)
		p.text(" then")
		p.indent++
		p.newline()
		p.expr(e.Then, lvlSeq, true, 0)
		p.indent--
		p.newline()
		p.text("else")
		if _, elseIf := e.Else.(*If); elseIf {
			p.text(" ")
			p.expr(e.Else, lvlItem, closed, extra)
			return
		}
		p.indent++
		p.newline()
		p.expr(e.Else, lvlItem, closed, extra)
		p.indent--
	case *Case:
		var f flatPrinter
		f.expr(e.Chan, lvlArg, true)
		p.text("case(" + f.b.String() + ", " + e.From.Name + ", {")
		p.indent++
		for i, b := range e.Branches {
			p.newline()
			p.text(b.Label.Name + ":")
			comma := 0
			if i < len(e.Branches)-1 {
				comma = 1
			}
			if s, ok := p.flatExpr(b.Body, lvlSeq, true, 1+comma); ok {
				p.text(" " + s)
			} else {
				p.indent++
				p.newline()
				p.expr(b.Body, lvlSeq, true, comma)
				p.indent--
			}
			if comma > 0 {
				p.text(",")
			}
		}
		p.indent--
		p.newline()
		p.text("})")
	default:
		var f flatPrinter
		f.expr(e, lvl, closed)
		p.text(f.b.String())
	}
}

// gtype prints g at the current position, on one line if it fits.
func (p *printer) gtype(g GType, first bool, extra int) {
	if s, ok := p.flatGType(g, first, extra); ok {
		p.text(s)
		return
	}
	p.gbroken(g, first, extra)
}

// gchain prints a broken sequence or recursion one step per line.
func (p *printer) gchain(g GType, extra int) {
	switch g.(type) {
	case *GSeq, *GRec:
		p.gbroken(g, false, extra)
	default:
		p.gtype(g, false, extra)
	}
}

// gbroken prints g over several lines (where its form allows).
func (p *printer) gbroken(g GType, first bool, extra int) {
	if gNeedParens(g, first) {
		p.text("(")
		p.indent++
		p.newline()
		p.gtype(g, false, 0)
		p.indent--
		p.newline()
		p.text(")")
		return
	}
	switch g := g.(type) {
	case *GSeq:
		// One step per line.
		var cur GType = g
		for {
			s, ok := cur.(*GSeq)
			if !ok {
				break
			}
			p.gtype(s.First, true, 1)
			p.text(".")
			p.newline()
			cur = s.Second
		}
		p.gchain(cur, extra)
	case *GRec:
		p.text("mu " + g.Var.Name + ".")
		p.indent++
		p.newline()
		p.gchain(g.Body, extra)
		p.indent--
	case *GChoice:
		var f flatPrinter
		f.roles(g.To, false)
		p.text(g.From.Name + " -> " + f.b.String() + ": {")
		p.indent++
		for i, b := range g.Branches {
			p.newline()
			p.text(b.Label.Name + ":")
			comma := 0
			if i < len(g.Branches)-1 {
				comma = 1
			}
			if s, ok := p.flatGType(b.Body, false, 1+comma); ok {
				p.text(" " + s)
			} else {
				p.indent++
				p.newline()
				p.gtype(b.Body, false, comma)
				p.indent--
			}
			if comma > 0 {
				p.text(",")
			}
		}
		p.indent--
		p.newline()
		p.text("}")
	default:
		var f flatPrinter
		f.gtype(g, first)
		p.text(f.b.String())
	}
}
