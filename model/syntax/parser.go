package syntax

import "fmt"

// MaxDepth bounds how deeply constructs may nest (parentheses, operators,
// let/if/';' chains, global types), so that no input can exhaust the stack of
// the parser or of any later pass that walks the tree recursively. A ';' or
// 'let' chain counts one level per step, as it nests in the tree.
const MaxDepth = 1000

// maxErrors is how many errors Parse reports before giving up.
const maxErrors = 10

// maxErrorEvents is how many errors, counting those not reported because an
// earlier one is on the same line, Parse meets before giving up: a file of
// garbage on one line would otherwise be skipped through one error at a time.
const maxErrorEvents = 1000

// Parse parses a model file (docs/language.md §1). It returns the File, possibly
// partial, and an ErrorList (nil if there is no error) holding every error
// found, sorted by position, each naming file:line:col, what was found and
// what was expected. After an error the parser skips to the next
// declaration, or the next `fun` or `main` inside a thread, and goes on, so
// one call reports the errors of several declarations. As go/parser does, it
// keeps only the first error of a line, and stops after 10 with "too many
// errors". On error the File may hold nodes with nil fields: use it only
// when the error is nil.
//
// An empty file is a valid, empty File (semantic checks reject it later).
//
// Where docs/language.md §1 leaves the grammar open, Parse decides:
//   - ';' binds loosest; a let's value runs up to 'in' and its body as far
//     right as possible (`let x = a in b; c` is `let x = a in (b; c)`);
//   - an if's then-branch runs up to 'else'; its else-branch stops at ';'
//     (`if c then a else b; d` is `(if c then a else b); d`), unless it is a
//     let, which extends right as every let does;
//   - let and if are not operands: `1 + if ...` needs parentheses;
//   - || < && < comparisons < + - < * / % < unary not, -; binary operators
//     associate left, comparisons not at all (`a < b < c` is an error);
//     `-1` is Unary{OpNeg, IntLit 1}, so int64's minimum cannot be written;
//   - `G1. G2` is right-associative; 'mu t.' extends as far right as
//     possible; roles in braces `{q}` are the same as `q`, but request's
//     role set always takes braces;
//   - names are ASCII letters, digits and '_', not starting with a digit;
//     keywords (see IsKeyword) are not names; `update` is both a
//     declaration and the update-point expression;
//   - constructs nest at most MaxDepth deep.
func Parse(filename string, src []byte) (*File, error) {
	p := &parser{file: &File{Name: filename}}
	p.s.init(src, p.errorAt)
	p.parseFile()
	p.file.Comments = p.s.comments
	return p.file, p.errs.Err()
}

// bailout unwinds the parser from a construct it cannot finish to the
// nearest recovery point (see protect).
type bailout struct{}

// TooManyErrors is the message of the last error of a list the parser
// stopped making: after it, errors were not looked for.
const TooManyErrors = "too many errors"

// tooMany stops the parser: maxErrors have been reported.
type tooMany struct{}

type parser struct {
	file *File
	s    scanner
	tokInfo

	prevLine int32 // line of the last consumed token
	prevEnd  Pos   // just after the last consumed token
	braces   int   // '{' minus '}' consumed so far
	depth    int   // current nesting, bounded by MaxDepth
	errs     ErrorList
	events   int // errors met, reported or not
	anchored int // s.comments[:anchored] have their Anchor set
	// seps holds, by the position of a step of a chain (a let's body, the
	// part after a ';'), the position of the 'in' or ';' before it and of
	// its own first token, which its position leaves out if it is '('
	// (anchorSteps).
	seps map[Pos]stepSep
}

type stepSep struct{ sep, start Pos }

// ---------------------------------------------------------------------------
// Errors and recovery

// errorAt records an error. As go/parser does, only the first error on a
// line is kept: later ones on the same line are almost always consequences
// of it. The message is formatted only if it is kept.
func (p *parser) errorAt(pos Pos, format string, args ...any) {
	p.events++
	if n := len(p.errs); n > 0 && p.errs[n-1].Pos.Line == pos.Line {
		if p.events > maxErrorEvents {
			p.errs.Add(p.file.Name, pos, TooManyErrors)
			panic(tooMany{})
		}
		return
	}
	if len(p.errs) >= maxErrors {
		p.errs.Add(p.file.Name, pos, TooManyErrors)
		panic(tooMany{})
	}
	p.errs.Add(p.file.Name, pos, format, args...)
}

// fail records an error and abandons the current construct.
func (p *parser) fail(pos Pos, format string, args ...any) {
	p.errorAt(pos, format, args...)
	panic(bailout{})
}

// protect runs f, reporting false if it bailed out.
func (p *parser) protect(f func()) (ok bool) {
	depth := p.depth
	defer func() {
		if r := recover(); r != nil {
			if _, bail := r.(bailout); !bail {
				panic(r)
			}
			p.depth = depth
			ok = false
		}
	}()
	f()
	return true
}

// missingPos is where to report that something expected is missing: at the
// current token, or, if that starts a new line, just after the previous
// token, where the missing thing belongs (and so that the error does not
// hide the errors of the next line). At the end of the file, it is always
// just after the last token.
func (p *parser) missingPos() Pos {
	if p.prevEnd.IsValid() && (p.tok == tEOF || p.pos.Line > p.prevEnd.Line) {
		return p.prevEnd
	}
	return p.pos
}

// foundPos is where to report an unexpected token: at it, or, at the end of
// the file, just after the last token.
func (p *parser) foundPos() Pos {
	if p.tok == tEOF {
		return p.missingPos()
	}
	return p.pos
}

func (p *parser) enter() { p.enterAt(p.pos) }

// enterAt is enter for a level that pos opens.
func (p *parser) enterAt(pos Pos) {
	p.depth++
	if p.depth > MaxDepth {
		p.fail(pos, "too deeply nested: more than %d levels", MaxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// ---------------------------------------------------------------------------
// Tokens

func (p *parser) next() {
	switch p.tok {
	case tLBrace:
		p.braces++
	case tRBrace:
		p.braces--
	}
	p.prevLine = p.pos.Line
	p.prevEnd = p.end
	p.s.scan(&p.tokInfo)
}

// peek returns the token after the current one.
func (p *parser) peek() token {
	s := p.s
	s.errh = nil
	var t tokInfo
	s.scan(&t)
	return t.tok
}

// found describes the current token for an error message.
func (p *parser) found() string {
	switch p.tok {
	case tEOF:
		return "end of file"
	case tIdent, tIntLit:
		return quoteTrunc(p.lit)
	}
	return "'" + p.tok.String() + "'"
}

// expect consumes a token of kind t, or fails with
// "expected 't' context, found ...".
func (p *parser) expect(t token, context string) Pos {
	pos := p.pos
	if p.tok != t {
		p.fail(p.missingPos(), "expected '%s' %s, found %s%s", t, context, p.found(), p.missingHint(t))
	}
	p.next()
	return pos
}

// missingHint suggests a missing separator when a list goes on without one.
func (p *parser) missingHint(want token) string {
	if (want == tRParen || want == tRBrace) && p.startsExpr() {
		return " (missing ','?)"
	}
	switch want {
	case tRParen, tRBrace, tThen, tElse, tIn:
		return p.afterExprHint()
	}
	return ""
}

// afterExprHint suggests the operator meant where an expression is followed
// by '=' (found by a tester: `main 1 = 1` had no hint, `1 != 2` had one).
func (p *parser) afterExprHint() string {
	if p.tok == tAssign {
		return " (equality is '==')"
	}
	return ""
}

// afterBodyHint is afterExprHint after a body e: where e's last step is a
// bare name followed by '=', the name was meant to be bound (found by a
// tester: `send(c, lb, 1); r = receive(c, lb); loop(c)` was told that
// equality is '==').
func (p *parser) afterBodyHint(e Expr) string {
	step := false // e is a step after a ';'
	for {
		switch x := e.(type) {
		case *Seq:
			e, step = x.Second, true
			continue
		case *Let:
			e = x.Body
			continue
		case *Var:
			switch {
			case p.tok != tAssign:
			case step:
				return fmt.Sprintf(" (to name a value, write let %s = ... in ...)", x.Name.Name)
			default:
				return fmt.Sprintf(" (equality is '=='; to name a value, write let %s = ... in ...)", x.Name.Name)
			}
		}
		return p.afterExprHint()
	}
}

func (p *parser) startsExpr() bool {
	switch p.tok {
	case tIdent, tIntLit, tLParen, tTrue, tFalse, tNot, tMinus, tLet, tIf,
		tRequest, tAccept, tSend, tReceive, tSelect, tCase, tChoose:
		return true
	}
	return false
}

// structural keywords are never plausible as names: finding one where a
// name is expected means something is missing, not misnamed.
func (t token) structural() bool {
	switch t {
	case tProtocol, tService, tThread, tUpdate, tFun, tMain, tIn, tThen, tElse:
		return true
	}
	return false
}

// followsName reports whether t comes right after a declared name: its
// '=' (let, protocol), its '(' (fun), its ':' (branch, service), the ','
// or ')' after a parameter, the ',' or '}' after a role (found by a
// tester: `fun f(main)` had no hint, `fun f(let)` had).
func followsName(t token) bool {
	return t == tAssign || t == tLParen || t == tColon || t == tComma || t == tRParen || t == tRBrace
}

// ident consumes an identifier; what says what kind of name is expected.
func (p *parser) ident(what string) Ident {
	if p.tok != tIdent {
		// A structural keyword where a name belongs usually means the name
		// is missing, unless what follows it is what follows a name there
		// (found by a tester: `let protocol = 1` and a branch `then:` had
		// no hint).
		if p.tok.isKeyword() && (!p.tok.structural() || followsName(p.peek())) {
			// Used as a name: the recovery goes on after it (found by a
			// tester: from `let main = 1`'s main, taken for the thread's
			// main, the real one was "a second main").
			pos, tok := p.missingPos(), p.tok
			p.next()
			p.fail(pos, "expected %s, found keyword '%s' (keywords cannot be used as names)", what, tok)
		}
		p.fail(p.missingPos(), "expected %s, found %s", what, p.found())
	}
	id := Ident{Pos: p.pos, Name: p.lit}
	p.next()
	return id
}

// ---------------------------------------------------------------------------
// Comments
//
// Each comment is anchored to the declaration, update member, function or
// main expression it precedes or lies in (a comment on the same line as the
// last token of one lies in it); the printer puts it just before that unit.
// When a unit starts, every comment not yet anchored precedes it; when a unit
// ends, the comments not yet anchored up to the line of its last token lie in
// it; the one on that line (after the token) trails it, and the printer keeps
// it at the end of the unit's last line, as gofmt keeps a line's comment.
// Inside a function's body or a main expression, a comment before a step of
// its chain (anchorSteps) is anchored to that step instead.
// Comments left at the end anchor nowhere: they stay at the end.

func (p *parser) anchorAll(at Pos) {
	for ; p.anchored < len(p.s.comments); p.anchored++ {
		p.s.comments[p.anchored].Anchor = at
	}
}

// anchorClosing anchors to the braced unit at the comments before its
// closing '}' (the current token) that no member took.
func (p *parser) anchorClosing(at Pos) {
	for ; p.anchored < len(p.s.comments) && lessPos(p.s.comments[p.anchored].Pos, p.pos); p.anchored++ {
		c := p.s.comments[p.anchored]
		c.Anchor, c.Closing = at, true
	}
}

// anchorSteps anchors the comments of a unit's body that are not yet
// anchored: those in the unit's head, before head (a function's '='), to
// the unit, as before; the others to the steps of the body's chain (body
// itself, starting at start, then each let's body and each part after a
// ';': what the printer puts one a line), so that they keep their place.
// One before a step (after the 'in' or ';' before it, before its first
// token) is anchored to that step, to stay before it (at the end of the
// line before it if code preceded it on its line: Comment.EndOfLine); one
// inside a step to that step too, on a line of its own before it, the step
// being laid out anew. A comment on the body's last line, after its last
// token, is left to the unit (anchorTrailing), as are those after it.
func (p *parser) anchorSteps(body Expr, unit, head, start Pos) {
	cs := p.s.comments
	for ; p.anchored < len(cs) && lessPos(cs[p.anchored].Pos, head); p.anchored++ {
		cs[p.anchored].Anchor = unit
	}
	var prev Expr
	for e := body; e != nil; prev, e = e, nextStep(e) {
		at := e.Position()
		first := start
		if prev != nil {
			s := p.seps[at]
			for ; p.anchored < len(cs) && lessPos(cs[p.anchored].Pos, s.sep); p.anchored++ {
				cs[p.anchored].Anchor = prev.Position() // inside prev
			}
			first = s.start
		}
		if !first.IsValid() || lessPos(at, first) {
			first = at
		}
		for ; p.anchored < len(cs) && lessPos(cs[p.anchored].Pos, first); p.anchored++ {
			cs[p.anchored].Anchor, cs[p.anchored].EndOfLine = at, cs[p.anchored].AfterCode
		}
		if nextStep(e) == nil {
			for ; p.anchored < len(cs) && cs[p.anchored].Pos.Line < p.prevLine; p.anchored++ {
				cs[p.anchored].Anchor = at // inside the last step
			}
		}
	}
}

// nextStep is the step after e in its chain: a let's body, the part after
// a ';'; nil after the last.
func nextStep(e Expr) Expr {
	switch x := e.(type) {
	case *Let:
		return x.Body
	case *Seq:
		return x.Second
	}
	return nil
}

func (p *parser) anchorTrailing(at Pos) {
	for ; p.anchored < len(p.s.comments) && p.s.comments[p.anchored].Pos.Line <= p.prevLine; p.anchored++ {
		c := p.s.comments[p.anchored]
		c.Anchor, c.Trailing = at, c.Pos.Line == p.prevLine
	}
}

// ---------------------------------------------------------------------------
// Declarations

func (p *parser) parseFile() {
	defer func() {
		if r := recover(); r != nil {
			if _, stop := r.(tooMany); !stop {
				panic(r)
			}
		}
	}()
	p.next()
	for p.tok != tEOF {
		if !p.protect(p.decl) {
			p.syncDecl()
		}
	}
}

func (p *parser) atDeclStart() bool {
	switch p.tok {
	case tEOF, tProtocol, tService, tThread:
		return true
	case tUpdate:
		// `update NAME` starts a declaration; a bare `update` at top
		// level (outside any braces) is a declaration missing its name.
		return p.braces <= 0 || p.peek() == tIdent
	}
	return false
}

// syncDecl skips to the next top-level declaration.
func (p *parser) syncDecl() {
	for !p.atDeclStart() {
		p.next()
	}
}

func (p *parser) decl() {
	switch p.tok {
	case tProtocol:
		p.protocolDecl()
	case tService:
		d := p.serviceDecl()
		p.file.Decls = append(p.file.Decls, d)
		p.file.Services = append(p.file.Services, d)
	case tThread:
		p.threadDecl()
	case tUpdate:
		p.updateDecl()
	default:
		pos, found := p.foundPos(), p.found()
		hint := ""
		switch p.tok {
		case tFun, tMain:
			hint = " ('fun' and 'main' belong inside a thread)"
		case tRBrace:
			hint = " (unbalanced '}')"
		}
		p.errorAt(pos, "expected declaration (protocol, service, thread or update), found %s%s", found, hint)
		p.next() // so that recovery makes progress
		panic(bailout{})
	}
}

func (p *parser) protocolDecl() {
	d := &ProtocolDecl{Pos: p.pos}
	p.anchorAll(d.Pos)
	p.file.Decls = append(p.file.Decls, d)
	p.file.Protocols = append(p.file.Protocols, d)
	p.next()
	d.Name = p.ident("protocol name")
	p.expect(tAssign, "after protocol name "+d.Name.Name)
	d.Body = p.gtype()
	p.anchorTrailing(d.Pos)
	if !p.atDeclStart() {
		hint := ""
		if p.tok == tMinus && p.peek() == tGt {
			// (a tester: a - > b read a as a recursion variable, and
			// said nothing of ->)
			hint = " (a message is written a -> b, with no space in ->)"
		}
		if p.tok == tAssign && p.peek() == tGt {
			// (a tester: client => lb was told of a missing '.')
			hint = " (a message is written a -> b: '->', not '=>')"
		}
		p.fail(p.foundPos(), "expected '.' or a new declaration after the body of protocol %s, found %s%s", d.Name.Name, p.found(), hint)
	}
}

// serviceDecl parses `service NAME : PROTOCOL` (top level or in an update).
func (p *parser) serviceDecl() *ServiceDecl {
	d := &ServiceDecl{Pos: p.pos}
	p.anchorAll(d.Pos)
	p.next()
	d.Name = p.ident("service name")
	p.expect(tColon, "after service name "+d.Name.Name)
	d.Protocol = p.ident("protocol name")
	p.anchorTrailing(d.Pos)
	return d
}

func (p *parser) threadDecl() {
	d := &ThreadDecl{Pos: p.pos}
	p.anchorAll(d.Pos)
	p.file.Decls = append(p.file.Decls, d)
	p.file.Threads = append(p.file.Threads, d)
	p.next()
	d.Name = p.ident("thread name")
	p.expect(tLBrace, "after thread name "+d.Name.Name)
	body := p.braces
	for {
		switch p.tok {
		case tFun:
			funMain := p.peek() == tMain
			if !p.protect(func() { p.funDecl(&d.Funs, "';', 'fun', 'main' or '}'") }) {
				if funMain && p.tok == tMain {
					// `fun main(...)`: a function misnamed, not the thread's
					// main (found by a tester: "second 'main'" was said of
					// the real one).
					p.next()
				}
				if !p.syncMember(body) {
					return
				}
			}
		case tMain:
			if d.MainPos.IsValid() {
				p.errorAt(p.pos, "second 'main' in thread %s (the first is at %d:%d)", d.Name.Name, d.MainPos.Line, d.MainPos.Col)
			}
			ok := p.protect(func() {
				d.MainPos = p.pos
				p.anchorAll(d.MainPos)
				p.next()
				start := p.pos
				d.Main = p.expr()
				p.anchorSteps(d.Main, d.MainPos, d.MainPos, start)
				p.anchorTrailing(d.MainPos)
				if p.tok != tRBrace {
					// A ';' would go on with the expression: before
					// fun or main it is no way out (a tester).
					hint, want := "", "';' or '}'"
					switch p.tok {
					case tFun:
						hint, want = " (functions come before main)", "'}'"
					case tMain:
						hint, want = " (a thread has one main)", "'}'"
					default:
						hint = p.afterBodyHint(d.Main)
					}
					p.fail(p.foundPos(), "expected %s after the main expression of thread %s, found %s%s", want, d.Name.Name, p.found(), hint)
				}
			})
			if !ok && !p.syncMember(body) {
				return
			}
		case tRBrace:
			if !d.MainPos.IsValid() {
				p.errorAt(p.pos, "missing 'main' in thread %s: expected 'fun' or 'main', found '}'", d.Name.Name)
			}
			p.anchorClosing(d.Pos)
			p.next()
			p.anchorTrailing(d.Pos)
			return
		default:
			p.errorAt(p.foundPos(), "expected 'fun' or 'main' in thread %s, found %s", d.Name.Name, p.found())
			if !p.syncMember(body) {
				return
			}
		}
	}
}

// syncMember skips to the next `fun` or `main` of the thread body opened at
// brace depth body, reporting true, or past its closing '}' (or to the next
// top-level declaration), reporting false.
func (p *parser) syncMember(body int) bool {
	for {
		switch p.tok {
		case tFun, tMain:
			p.braces = body
			return true
		case tEOF, tProtocol, tService, tThread:
			return false
		case tUpdate:
			if p.peek() == tIdent {
				return false
			}
		case tRBrace:
			if p.braces <= body {
				p.next()
				return false
			}
		}
		p.next()
	}
}

// funDecl parses `fun NAME(params) = body` and appends it to list. follow
// names what may come after the body, for the error message.
func (p *parser) funDecl(list *[]*FunDecl, follow string) {
	d := &FunDecl{Pos: p.pos}
	p.anchorAll(d.Pos)
	*list = append(*list, d)
	p.next()
	d.Name = p.ident("function name")
	p.expect(tLParen, "after function name "+d.Name.Name)
	if p.tok != tRParen {
		for {
			d.Params = append(d.Params, p.ident("parameter name"))
			if p.tok != tComma {
				break
			}
			p.next()
		}
	}
	if p.tok != tRParen {
		hint := ""
		if p.tok == tIdent {
			hint = " (missing ','?)"
		}
		p.fail(p.missingPos(), "expected ',' or ')' in the parameters of %s, found %s%s", d.Name.Name, p.found(), hint)
	}
	p.next()
	eq := p.pos
	p.expect(tAssign, "after the parameters of "+d.Name.Name)
	start := p.pos
	d.Body = p.expr()
	p.anchorSteps(d.Body, d.Pos, eq, start)
	p.anchorTrailing(d.Pos)
	switch p.tok {
	case tFun, tMain, tRBrace:
	default:
		p.fail(p.foundPos(), "expected %s after the body of %s, found %s%s", follow, d.Name.Name, p.found(), p.afterBodyHint(d.Body))
	}
}

func (p *parser) updateDecl() {
	d := &UpdateDecl{Pos: p.pos}
	p.anchorAll(d.Pos)
	p.file.Decls = append(p.file.Decls, d)
	p.file.Updates = append(p.file.Updates, d)
	p.next()
	d.Name = p.ident("update name")
	p.expect(tLBrace, "after update name "+d.Name.Name)
	body := p.braces
	for {
		var ok bool
		switch p.tok {
		case tService:
			ok = p.protect(func() {
				s := p.serviceDecl()
				d.Services = append(d.Services, s)
				d.Decls = append(d.Decls, s)
			})
		case tThread:
			ok = p.protect(func() { p.threadUpdate(d) })
		case tRBrace:
			p.anchorClosing(d.Pos)
			p.next()
			p.anchorTrailing(d.Pos)
			return
		default:
			p.errorAt(p.foundPos(), "expected 'service', 'thread' or '}' in update %s, found %s", d.Name.Name, p.found())
			if p.tok == tEOF || p.atDeclStart() {
				return
			}
			p.next()
		}
		if !ok && !p.syncUpdate(body) {
			return
		}
	}
}

// syncUpdate skips to the next member of the update body opened at brace
// depth body, or to its closing '}', reporting true; or to the next
// top-level declaration, reporting false.
func (p *parser) syncUpdate(body int) bool {
	for {
		switch p.tok {
		case tService, tThread:
			return true
		case tEOF, tProtocol:
			return false
		case tUpdate:
			if p.peek() == tIdent {
				return false
			}
		case tRBrace:
			if p.braces <= body {
				p.braces = body
				return true
			}
		}
		p.next()
	}
}

// threadUpdate parses `thread NAME { fun* }` inside update u.
func (p *parser) threadUpdate(u *UpdateDecl) {
	d := &ThreadUpdate{Pos: p.pos}
	p.anchorAll(d.Pos)
	u.Threads = append(u.Threads, d)
	u.Decls = append(u.Decls, d)
	p.next()
	d.Name = p.ident("thread name")
	p.expect(tLBrace, "after thread name "+d.Name.Name)
	body := p.braces
	for {
		switch p.tok {
		case tFun:
			if !p.protect(func() { p.funDecl(&d.Funs, "';', 'fun' or '}'") }) && !p.syncMember(body) {
				return
			}
		case tRBrace:
			p.anchorClosing(d.Pos)
			p.next()
			p.anchorTrailing(d.Pos)
			return
		case tMain:
			p.errorAt(p.pos, "unexpected 'main' in thread %s of update %s: an update gives new function bodies only", d.Name.Name, u.Name.Name)
			p.next()
			if !p.syncMember(body) {
				return
			}
		default:
			p.errorAt(p.foundPos(), "expected 'fun' or '}' in thread %s of update %s, found %s", d.Name.Name, u.Name.Name, p.found())
			if !p.syncMember(body) {
				return
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Global types

// gtype parses a global type:
//
//	gtype := 'mu' VAR '.' gtype | gatom ['.' gtype]
func (p *parser) gtype() GType {
	p.enter()
	defer p.leave()
	if p.tok == tMu {
		pos := p.pos
		p.next()
		v := p.ident("recursion variable after 'mu'")
		p.expect(tDot, "after 'mu "+v.Name+"'")
		return &GRec{Pos: pos, Var: v, Body: p.gtype()}
	}
	g := p.gatom()
	if p.tok == tDot {
		p.next()
		return &GSeq{Pos: g.Position(), First: g, Second: p.gtype()}
	}
	return g
}

func (p *parser) gatom() GType {
	switch p.tok {
	case tEnd:
		pos := p.pos
		p.next()
		return &GEnd{Pos: pos}
	case tLParen:
		open := p.pos
		p.next()
		g := p.gtype()
		p.expect(tRParen, fmt.Sprintf("to match '(' at %d:%d", open.Line, open.Col))
		return g
	case tIdent:
		from := Ident{Pos: p.pos, Name: p.lit}
		p.next()
		if p.tok != tArrow {
			return &GVar{Name: from}
		}
		p.next()
		to := p.roles("receiver role")
		p.expect(tColon, "after the receivers of a message from "+from.Name)
		switch p.tok {
		case tLt:
			p.next()
			m := &GMsg{Pos: from.Pos, From: from, To: to, TypePos: p.pos}
			switch p.tok {
			case tKwInt:
				m.Type = TInt
			case tKwBool:
				m.Type = TBool
			case tKwUnit:
				m.Type = TUnit
			default:
				p.fail(p.missingPos(), "expected value type int, bool or unit, found %s", p.found())
			}
			p.next()
			p.expect(tGt, "after the value type")
			return m
		case tLBrace:
			p.next()
			c := &GChoice{Pos: from.Pos, From: from, To: to}
			if p.tok == tRBrace {
				p.fail(p.pos, "a choice needs at least one branch 'label: type'")
			}
			for {
				b := &GBranch{Label: p.ident("branch label")}
				p.expect(tColon, "after label "+b.Label.Name)
				b.Body = p.gtype()
				c.Branches = append(c.Branches, b)
				if p.tok != tComma {
					break
				}
				p.next()
			}
			if p.tok != tRBrace {
				p.fail(p.missingPos(), "expected ',' or '}' after a branch of the choice, found %s", p.found())
			}
			p.next()
			return c
		default:
			p.fail(p.missingPos(), "expected '<' (value message) or '{' (choice) after ':', found %s", p.found())
		}
	}
	if p.tok.isKeyword() && !p.tok.structural() {
		p.fail(p.missingPos(), "expected global type (message, 'mu', recursion variable, 'end' or '('), found keyword '%s'", p.tok)
	}
	p.fail(p.missingPos(), "expected global type (message, 'mu', recursion variable, 'end' or '('), found %s", p.found())
	return nil
}

// roles parses `ROLE | '{' ROLE (',' ROLE)* '}'`.
func (p *parser) roles(what string) []Ident {
	if p.tok != tLBrace {
		return []Ident{p.ident(what)}
	}
	return p.roleSet(what)
}

// roleSet parses `'{' ROLE (',' ROLE)* '}'`.
func (p *parser) roleSet(what string) []Ident {
	p.expect(tLBrace, "before the set of roles")
	var rs []Ident
	for {
		rs = append(rs, p.ident(what))
		if p.tok != tComma {
			break
		}
		p.next()
	}
	if p.tok != tRBrace {
		hint := ""
		if p.tok == tIdent {
			hint = " (missing ','?)"
		}
		p.fail(p.missingPos(), "expected ',' or '}' in the set of roles, found %s%s", p.found(), hint)
	}
	p.next()
	return rs
}

// ---------------------------------------------------------------------------
// Expressions
//
//	expr := 'let' NAME '=' expr 'in' expr | item [';' expr]
//	item := 'if' expr 'then' expr 'else' (let | item) | binary
//
// So ';' binds loosest, a let's body extends as far right as possible, and an
// if's else-branch stops at ';' unless it is a let.

func (p *parser) expr() Expr {
	p.enter()
	defer p.leave()
	if p.tok == tLet {
		return p.let()
	}
	x := p.item()
	if p.tok == tSemi {
		sep := p.pos
		p.next()
		start := p.pos
		second := p.expr()
		p.sep(second, sep, start)
		return &Seq{Pos: x.Position(), First: x, Second: second}
	}
	return x
}

// sep records that the separator at pos (an 'in' or a ';') comes before
// step e, whose first token is at start.
func (p *parser) sep(e Expr, pos, start Pos) {
	if e == nil {
		return
	}
	if p.seps == nil {
		p.seps = make(map[Pos]stepSep)
	}
	p.seps[e.Position()] = stepSep{pos, start}
}

func (p *parser) let() Expr {
	pos := p.pos
	p.next()
	name := p.ident("variable name after 'let'")
	p.expect(tAssign, "after 'let "+name.Name+"'")
	value := p.expr()
	in := p.pos
	context := "after the value of 'let " + name.Name + " = ...'"
	if _, ok := value.(*Seq); ok && p.tok != tIn {
		// The ';' the user ended the value with went on with it, and
		// the 'in' is missed lines later (a first-time user).
		context += fmt.Sprintf(" (the let at %d:%d, whose value goes on past a ';': write 'in' where the value ends)", pos.Line, pos.Col)
	}
	p.expect(tIn, context)
	start := p.pos
	body := p.expr()
	p.sep(body, in, start)
	return &Let{Pos: pos, Name: name, Value: value, Body: body}
}

func (p *parser) item() Expr {
	if p.tok == tIf {
		return p.ifExpr()
	}
	return p.binary(1)
}

func (p *parser) ifExpr() Expr {
	p.enter()
	defer p.leave()
	pos := p.pos
	p.next()
	// The condition and the then-branch are expressions, which count a
	// level of their own: an if nested there is one level deeper, as in
	// the else-branch, not two (a tester: 500 nested ifs were refused).
	p.depth--
	cond := p.expr()
	p.expect(tThen, "after the condition of 'if'")
	then := p.expr()
	p.depth++
	p.expect(tElse, "after the then-branch (every 'if' needs an 'else')")
	var els Expr
	if p.tok == tLet {
		els = p.expr()
	} else {
		els = p.item()
	}
	return &If{Pos: pos, Cond: cond, Then: then, Else: els}
}

func isComparison(op BinOp) bool { return op.Precedence() == 3 }

// binary parses a sequence of binary operations of precedence at least
// minPrec, by precedence climbing. Operators are left-associative, except
// comparisons, which do not associate at all.
func (p *parser) binary(minPrec int) Expr {
	x := p.unary()
	depth := p.depth
	lastCmp := false
	for {
		op := p.tok.binOp()
		if op == 0 || op.Precedence() < minPrec {
			break
		}
		if lastCmp && isComparison(op) {
			p.fail(p.pos, "unexpected '%s' after a comparison: comparisons do not chain (use parentheses, or '&&' between two comparisons)", op)
		}
		opPos := p.pos
		p.next()
		y := p.binary(op.Precedence() + 1)
		x = &Binary{OpPos: opPos, Op: op, X: x, Y: y}
		lastCmp = isComparison(op)
		p.enterAt(opPos) // the left-deep tree grows one level per operator
	}
	p.depth = depth
	return x
}

func (p *parser) unary() Expr {
	var op UnOp
	switch p.tok {
	case tNot:
		op = OpNot
	case tMinus:
		op = OpNeg
	default:
		return p.primary()
	}
	p.enter()
	defer p.leave()
	pos := p.pos
	p.next()
	return &Unary{Pos: pos, Op: op, X: p.unary()}
}

func (p *parser) primary() Expr {
	pos := p.pos
	switch p.tok {
	case tIntLit:
		v := p.val
		p.next()
		return &IntLit{Pos: pos, Value: v}
	case tTrue, tFalse:
		v := p.tok == tTrue
		p.next()
		return &BoolLit{Pos: pos, Value: v}
	case tLParen:
		p.next()
		if p.tok == tRParen {
			p.next()
			return &UnitLit{Pos: pos}
		}
		e := p.expr()
		if p.tok != tRParen {
			p.fail(p.missingPos(), "expected ')' to match '(' at %d:%d, found %s", pos.Line, pos.Col, p.found())
		}
		p.next()
		return e
	case tIdent:
		id := Ident{Pos: pos, Name: p.lit}
		p.next()
		if p.tok != tLParen {
			return &Var{Name: id}
		}
		p.next()
		call := &Call{Pos: pos, Fun: id}
		if p.tok != tRParen {
			call.Args = p.exprList("arguments of " + id.Name)
		}
		p.expect(tRParen, "after the arguments of "+id.Name)
		return call
	case tUpdate:
		p.next()
		return &UpdatePoint{Pos: pos}
	case tRequest:
		p.next()
		p.expect(tLParen, "after 'request'")
		e := &Request{Pos: pos}
		e.Service = p.ident("service name")
		p.expect(tComma, "after the service of request (request(s, {p1, p2}, p1))")
		if p.tok != tLBrace {
			p.fail(p.missingPos(), "expected '{' before the roles of the session (request(s, {p1, p2}, p1)), found %s", p.found())
		}
		e.Roles = p.roleSet("role name")
		p.expect(tComma, "after the roles of request")
		e.Role = p.ident("role name")
		p.expect(tRParen, "after the arguments of request")
		return e
	case tAccept:
		p.next()
		p.expect(tLParen, "after 'accept'")
		e := &Accept{Pos: pos}
		e.Service = p.ident("service name")
		p.expect(tComma, "after the service of accept (accept(s, p2))")
		e.Role = p.ident("role name")
		p.expect(tRParen, "after the arguments of accept")
		return e
	case tSend:
		p.next()
		p.expect(tLParen, "after 'send'")
		e := &Send{Pos: pos}
		e.Chan = p.expr()
		p.expect(tComma, "after the endpoint of send (send(x, p, v))")
		e.To = p.roles("role name")
		p.expect(tComma, "after the receivers of send")
		e.Value = p.expr()
		p.expect(tRParen, "after the arguments of send")
		return e
	case tReceive:
		p.next()
		p.expect(tLParen, "after 'receive'")
		e := &Receive{Pos: pos}
		e.Chan = p.expr()
		p.expect(tComma, "after the endpoint of receive (receive(x, p))")
		e.From = p.ident("role name")
		p.expect(tRParen, "after the arguments of receive")
		return e
	case tSelect:
		p.next()
		p.expect(tLParen, "after 'select'")
		e := &Select{Pos: pos}
		e.Chan = p.expr()
		p.expect(tComma, "after the endpoint of select (select(x, p, label))")
		e.To = p.roles("role name")
		p.expect(tComma, "after the receivers of select")
		e.Label = p.ident("label")
		p.expect(tRParen, "after the arguments of select")
		return e
	case tCase:
		p.next()
		p.expect(tLParen, "after 'case'")
		e := &Case{Pos: pos}
		e.Chan = p.expr()
		p.expect(tComma, "after the endpoint of case (case(x, p, { l: e, ... }))")
		e.From = p.ident("role name")
		p.expect(tComma, "after the sender of case")
		p.expect(tLBrace, "before the branches of case")
		if p.tok == tRBrace {
			p.fail(p.pos, "case needs at least one branch 'label: expr'")
		}
		for {
			b := &CaseBranch{Label: p.ident("branch label")}
			p.expect(tColon, "after label "+b.Label.Name)
			b.Body = p.expr()
			e.Branches = append(e.Branches, b)
			if p.tok != tComma {
				break
			}
			p.next()
		}
		if p.tok != tRBrace {
			p.fail(p.missingPos(), "expected ',' or '}' after a branch of case, found %s", p.found())
		}
		p.next()
		p.expect(tRParen, "after the branches of case")
		return e
	case tChoose:
		p.next()
		p.expect(tLParen, "after 'choose'")
		if p.tok == tRParen {
			p.fail(p.pos, "choose needs at least one option")
		}
		e := &Choose{Pos: pos, Options: p.exprList("options of choose")}
		p.expect(tRParen, "after the options of choose")
		return e
	}
	switch {
	case p.tok == tLet || p.tok == tIf:
		article := "a" // "a let", "an if"
		if p.tok == tIf {
			article = "an"
		}
		p.fail(p.pos, "expected operand, found '%s' (%s %s used as an operand needs parentheses)", p.tok, article, p.tok)
	case p.tok.isKeyword() && !p.tok.structural():
		p.fail(p.missingPos(), "expected expression, found keyword '%s'", p.tok)
	}
	p.fail(p.missingPos(), "expected expression, found %s", p.found())
	return nil
}

// exprList parses `expr (',' expr)*`.
func (p *parser) exprList(what string) []Expr {
	var list []Expr
	for {
		list = append(list, p.expr())
		if p.tok != tComma {
			return list
		}
		p.next()
	}
}
