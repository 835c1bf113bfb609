package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/model/syntax"
)

// Name resolution and static checks of thread code.
//
// Every function body and main expression is walked once with a scope of
// variables (parameters, then `let` names; `main` starts empty). Calls are
// resolved in the thread's heap — the thread's functions; an update can only
// replace bodies, so the heap's names and arities are the same before and
// after it. Services are resolved against the top-level declarations; the
// protocol of a service is its declared one for code in a thread
// declaration, and the one after the update for code in an update.
//
// Roles written in send/receive/select/case must be roles of some protocol
// the thread talks on: the protocols of the services its code (main and
// every function, as of that version) requests or accepts. Labels in select
// and case must be labels of some choice of those protocols. Whether each
// action is allowed at the point where it happens is fidelity, checked by
// exploration; these checks only catch names that cannot be right anywhere.

type codeEnv struct {
	*checker
	services     map[string]*serviceInfo
	serviceNames []string
	updates      []*Update
}

// codeCtx is the context of one version of one thread's code.
type codeCtx struct {
	*codeEnv
	thread *Thread
	update *Update // nil for the thread's own declaration
	heap   map[string]*syntax.FunDecl
	// What the thread talks on: protocol names, roles and labels.
	protos []string
	talk   []*protoInfo // the same protocols
	// The protocols the same services have in the model's other versions
	// (as declared, after each update): an endpoint that migrates takes
	// the code it is in to them, so a case branch for one of their labels
	// is not dead code.
	otherTalk []*protoInfo
	// takes is the roles the thread's code, in any version, requests or
	// accepts: the only endpoints it can hold (values are never endpoints).
	takes      map[string]bool
	incomplete bool // some service or protocol was unknown: skip role/label checks
}

// hasRole and hasLabel report whether a protocol the thread talks on has
// the role or label.
func (ctx *codeCtx) hasRole(r string) bool {
	for _, p := range ctx.talk {
		if p.isRole[r] {
			return true
		}
	}
	return false
}

func (ctx *codeCtx) hasLabel(l string) bool {
	for _, p := range ctx.talk {
		if p.isLabel[l] {
			return true
		}
	}
	return false
}

// labels lists the labels of the protocols the thread talks on; allRoles
// and allLabels, the roles and labels of those and of the other versions'
// protocols (otherTalk), for hints.
func (ctx *codeCtx) labels() []string { return names(ctx.talk, nil, (*protoInfo).labelNames) }
func (ctx *codeCtx) allRoles() []string {
	return names(ctx.talk, ctx.otherTalk, (*protoInfo).roleNames)
}
func (ctx *codeCtx) allLabels() []string {
	return names(ctx.talk, ctx.otherTalk, (*protoInfo).labelNames)
}

func (p *protoInfo) roleNames() []string  { return p.roles }
func (p *protoInfo) labelNames() []string { return p.labels }

// names lists what of gives for each protocol of ps, then of more, once
// each, in order.
func names(ps, more []*protoInfo, of func(*protoInfo) []string) []string {
	var out []string
	for _, p := range slices.Concat(ps, more) {
		for _, n := range of(p) {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

type vscope struct {
	name  string
	outer *vscope
}

func (s *vscope) has(name string) bool {
	for ; s != nil; s = s.outer {
		if s.name == name {
			return true
		}
	}
	return false
}

func (s *vscope) names() []string {
	var ns []string
	for ; s != nil; s = s.outer {
		if !slices.Contains(ns, s.name) {
			ns = append(ns, s.name)
		}
	}
	return ns
}

// protoOf returns what the code of ctx sees as the protocol of service name.
func (ctx *codeCtx) protoOf(name string) (*protoInfo, bool) {
	si := ctx.services[name]
	if si == nil {
		return nil, false
	}
	if ctx.update != nil {
		if p := ctx.update.Moves[name]; p != nil {
			return &protoInfo{decl: p.Decl, proto: p, roles: p.Roles, labels: protoLabels(p)}, true
		}
		for _, sd := range ctx.update.Decl.Services {
			if sd.Name.Name == name {
				return nil, true // moved to an unknown or ill-formed protocol, reported
			}
		}
	}
	return si.proto, true
}

// versionsOf returns the protocols service name has in the model's
// versions other than ctx's: as declared, and after each other update that
// moves it.
func (ctx *codeCtx) versionsOf(name string) []*protoInfo {
	var out []*protoInfo
	if si := ctx.services[name]; ctx.update != nil && si != nil && si.proto != nil {
		out = append(out, si.proto)
	}
	for _, u := range ctx.updates {
		if p := u.Moves[name]; u != ctx.update && p != nil {
			out = append(out, &protoInfo{decl: p.Decl, proto: p, roles: p.Roles, labels: protoLabels(p)})
		}
	}
	return out
}

func protoLabels(p *Protocol) []string {
	_, labels := collectRoles(p.Decl.Body)
	return labels
}

// checkThread checks the code of thread t as declared (u == nil) or as
// after update u (only the bodies u replaces are checked: those of blocks,
// u's blocks for t).
func (env *codeEnv) checkThread(t *Thread, u *Update, blocks []*syntax.ThreadUpdate) {
	ctx := &codeCtx{codeEnv: env, thread: t, update: u, heap: map[string]*syntax.FunDecl{}, takes: map[string]bool{}}
	// An update that moves a service that does not exist (an error of its
	// own) leaves unknown which protocols its version of the code talks
	// on: that code's roles and labels are checked once that is fixed
	// (found by a tester: a label of the protocol the misspelt service was
	// to move to was reported as a second error).
	if u != nil {
		for _, sd := range u.Decl.Services {
			if env.services[sd.Name.Name] == nil {
				ctx.incomplete = true
			}
		}
	}
	bodies := t.Funs
	if u != nil {
		bodies = nil
		for _, f := range t.Funs {
			if nb := u.Bodies[t.Name][f.Name.Name]; nb != nil {
				bodies = append(bodies, nb)
			} else {
				bodies = append(bodies, f)
			}
		}
	}
	for _, f := range t.Funs {
		if _, dup := ctx.heap[f.Name.Name]; !dup {
			ctx.heap[f.Name.Name] = f
		}
	}

	// The protocols this version of the thread talks on (own), and those
	// of the services the thread's other versions of code open: old code
	// still running after the thread applies may use an endpoint the new
	// code opened, and new code one the old code opened, so their
	// protocols, in every version, are ones this code may talk on too.
	seen := map[string]bool{}
	addService := func(name string, own bool) {
		p, known := ctx.protoOf(name)
		if !known || p == nil {
			ctx.incomplete = ctx.incomplete || own
			return
		}
		if seen[p.decl.Name.Name] {
			return
		}
		seen[p.decl.Name.Name] = true
		p.sets()
		if own {
			ctx.protos = append(ctx.protos, p.decl.Name.Name)
			ctx.talk = append(ctx.talk, p)
		} else {
			ctx.otherTalk = append(ctx.otherTalk, p)
		}
		for _, q := range ctx.versionsOf(name) {
			q.sets()
			ctx.otherTalk = append(ctx.otherTalk, q)
		}
	}
	visit := func(e syntax.Expr, own bool) {
		walkExpr(e, func(e syntax.Expr) {
			switch e := e.(type) {
			case *syntax.Request:
				addService(e.Service.Name, own)
				ctx.takes[e.Role.Name] = true
			case *syntax.Accept:
				addService(e.Service.Name, own)
				ctx.takes[e.Role.Name] = true
			case *syntax.Call:
				// A misspelt request or accept (checkCall hints at it)
				// opens a session of some service: which roles the code
				// may name is not known (found by a tester: accpet(...)
				// was reported after "opens no session" errors).
				if own && ctx.heap[e.Fun.Name] == nil && nearest(e.Fun.Name, []string{"request", "accept"}, &ctx.hintCells) != "" {
					ctx.incomplete = true
				}
			}
		})
	}
	visit(t.Main, true)
	for _, f := range bodies {
		visit(f.Body, true)
	}
	if u != nil {
		visit(t.Main, false)
		for _, f := range t.Funs {
			visit(f.Body, false)
		}
	}
	for _, v := range ctx.updates {
		if v == u {
			continue
		}
		for _, f := range t.Funs { // in declaration order: messages list what is found in order
			if fd := v.Bodies[t.Name][f.Name.Name]; fd != nil {
				visit(fd.Body, false)
			}
		}
	}

	if u == nil {
		for _, f := range t.Funs {
			ctx.checkFun(f)
		}
		ctx.checkExpr(t.Main, nil)
		return
	}
	for _, f := range blocks {
		for _, fd := range f.Funs {
			if u.Bodies[t.Name][fd.Name.Name] == fd {
				ctx.checkFun(fd)
			}
		}
	}
}

func (ctx *codeCtx) checkFun(f *syntax.FunDecl) {
	var sc *vscope
	for _, p := range f.Params {
		sc = &vscope{name: p.Name, outer: sc}
	}
	ctx.checkExpr(f.Body, sc)
}

// walkExpr calls fn on e and every expression inside it, in source order.
func walkExpr(e syntax.Expr, fn func(syntax.Expr)) {
	syntax.Inspect(e, func(e syntax.Expr) bool { fn(e); return true })
}

// checkExpr checks e in scope sc.
func (ctx *codeCtx) checkExpr(e syntax.Expr, sc *vscope) {
	switch e := e.(type) {
	case nil:
		// Parser recovery; already reported.
	case *syntax.Let:
		ctx.checkExpr(e.Value, sc)
		ctx.checkExpr(e.Body, &vscope{name: e.Name.Name, outer: sc})
	case *syntax.Seq:
		ctx.checkExpr(e.First, sc)
		ctx.checkExpr(e.Second, sc)
	case *syntax.If:
		ctx.checkExpr(e.Cond, sc)
		ctx.checkExpr(e.Then, sc)
		ctx.checkExpr(e.Else, sc)
	case *syntax.Call:
		ctx.checkCall(e, sc)
	case *syntax.Request:
		ctx.checkRequest(e)
	case *syntax.Accept:
		if p := ctx.serviceProto(e.Service); p != nil {
			ctx.roleOfProto(e.Role, p)
		}
	case *syntax.Send:
		ctx.checkExpr(e.Chan, sc)
		for _, r := range e.To {
			ctx.checkRole(r)
		}
		ctx.checkDistinct(e.To)
		ctx.checkExpr(e.Value, sc)
	case *syntax.Receive:
		ctx.checkExpr(e.Chan, sc)
		ctx.checkRole(e.From)
	case *syntax.Select:
		ctx.checkExpr(e.Chan, sc)
		for _, r := range e.To {
			ctx.checkRole(r)
		}
		ctx.checkDistinct(e.To)
		ctx.checkLabel(e.Label)
	case *syntax.Case:
		ctx.checkExpr(e.Chan, sc)
		ctx.checkRole(e.From)
		seen := map[string]syntax.Pos{}
		for _, b := range e.Branches {
			if p, dup := seen[b.Label.Name]; dup {
				ctx.errorf(b.Label.Pos, "duplicate label %s in case (first at %s)", b.Label.Name, lineCol(p))
			} else {
				seen[b.Label.Name] = b.Label.Pos
				ctx.checkCaseLabel(b.Label, e)
			}
			ctx.checkExpr(b.Body, sc)
		}
		ctx.checkCaseCovers(e)
	case *syntax.Choose:
		for _, o := range e.Options {
			ctx.checkExpr(o, sc)
		}
	case *syntax.Binary:
		ctx.checkExpr(e.X, sc)
		ctx.checkExpr(e.Y, sc)
	case *syntax.Unary:
		ctx.checkExpr(e.X, sc)
	case *syntax.Var:
		ctx.checkVar(e.Name, sc)
	case *syntax.UpdatePoint, *syntax.IntLit, *syntax.BoolLit, *syntax.UnitLit:
	default:
		panic(fmt.Sprintf("model: unexpected expression %T", e))
	}
}

func (ctx *codeCtx) checkVar(id syntax.Ident, sc *vscope) {
	name := id.Name
	switch {
	case name == "_":
		ctx.errorf(id.Pos, "cannot use _ as a value")
	case sc.has(name):
	case ctx.heap[name] != nil:
		ctx.errorf(id.Pos, "undefined variable %s (%s is a function of thread %s: call it as %s(...))", name, name, ctx.thread.Name, name)
	case ctx.services[name] != nil:
		ctx.errorf(id.Pos, "undefined variable %s (%s is a service: open a session on it with request or accept)", name, name)
	default:
		hint := ctx.didYouMean(name, sc.names())
		if hint == "" && sc == nil {
			hint = " (no variable is in scope here)"
		}
		ctx.errorf(id.Pos, "undefined variable %s%s", name, hint)
	}
}

// builtinNames are the session primitives and the language's other
// built-in forms written like calls, for a misspelt call's hint.
var builtinNames = []string{"request", "accept", "send", "receive", "select", "case", "choose", "update"}

func (ctx *codeCtx) checkCall(e *syntax.Call, sc *vscope) {
	name := e.Fun.Name
	f := ctx.heap[name]
	switch {
	case f != nil:
		if ctx.update != nil {
			if ud := ctx.update.Bodies[ctx.thread.Name][name]; ud != nil && len(ud.Params) != len(f.Params) {
				// The update's own arity for it is already an error
				// (a tester: a second, knock-on error at each call).
				break
			}
		}
		if len(e.Args) != len(f.Params) {
			ctx.errorf(e.Fun.Pos, "wrong number of arguments in call to %s: have %d, want %d (%s declared at %s)",
				name, len(e.Args), len(f.Params), name, lineCol(f.Name.Pos))
		}
	case sc.has(name):
		ctx.errorf(e.Fun.Pos, "cannot call %s: it is a variable, not a function", name)
	case ctx.update != nil && ctx.update.Bodies[ctx.thread.Name][name] != nil:
		// Declared by the update but not by the thread: reported at the
		// declaration (found by a tester: a second, knock-on error here).
	default:
		var names []string
		for _, g := range ctx.thread.Funs {
			names = append(names, g.Name.Name)
		}
		hint := ctx.didYouMean(name, names)
		if hint == "" {
			// A misspelt primitive (found by a tester: accpet(s, r) and
			// recieve(c, r) got no hint; a misspelt role or variable does).
			if n := nearest(name, builtinNames, &ctx.hintCells); n != "" {
				// Its arguments are the primitive's (a service, a role):
				// not variables to report as undefined.
				ctx.errorf(e.Fun.Pos, "undefined function %s (did you mean the primitive %s?)", name, n)
				return
			}
		}
		ctx.errorf(e.Fun.Pos, "undefined function %s%s", name, hint)
	}
	for _, a := range e.Args {
		ctx.checkExpr(a, sc)
	}
}

// serviceProto resolves a service name to its protocol as ctx sees it. It
// reports an unknown service and returns nil when there is nothing to check
// roles against.
func (ctx *codeCtx) serviceProto(id syntax.Ident) *protoInfo {
	p, known := ctx.protoOf(id.Name)
	if !known {
		hint := ctx.didYouMean(id.Name, ctx.serviceNames)
		var users []string // services that follow a protocol of that name
		for _, name := range ctx.serviceNames {
			if si := ctx.services[name]; si != nil && si.proto != nil && si.proto.decl != nil && si.proto.decl.Name.Name == id.Name {
				users = append(users, name)
			}
		}
		if len(users) > 0 {
			// (found by a tester: request(P, ...) with P a protocol)
			hint = fmt.Sprintf(" (%s is a protocol: sessions start on a service that follows it, %s)", id.Name, strings.Join(users, ", "))
		}
		ctx.errorf(id.Pos, "undefined service %s%s", id.Name, hint)
		return nil
	}
	return p
}

// protoDesc names protocol p for messages: "protocol MathA, declared at
// file:3:10".
func (ctx *codeCtx) protoDesc(p *protoInfo) string {
	return fmt.Sprintf("protocol %s, declared at %s", p.decl.Name.Name, ctx.where(p.decl.Name.Pos))
}

// roleOfProto checks that role is a role of p.
func (ctx *codeCtx) roleOfProto(role syntax.Ident, p *protoInfo) bool {
	if slices.Contains(p.roles, role.Name) {
		return true
	}
	ctx.errorf(role.Pos, "role %s is not in %s%s", role.Name, ctx.protoDesc(p), ctx.didYouMean(role.Name, p.roles))
	return false
}

func (ctx *codeCtx) checkRequest(e *syntax.Request) {
	p := ctx.serviceProto(e.Service)
	seen := map[string]bool{}
	for _, r := range e.Roles {
		if seen[r.Name] {
			ctx.errorf(r.Pos, "role %s requested twice", r.Name)
		}
		seen[r.Name] = true
	}
	if p == nil {
		return
	}
	var extra []syntax.Ident
	for _, r := range e.Roles {
		if !slices.Contains(p.roles, r.Name) {
			extra = append(extra, r)
		}
	}
	var missing []string
	for _, r := range p.roles {
		if !seen[r] {
			missing = append(missing, r)
		}
	}
	for _, r := range extra {
		ctx.errorf(r.Pos, "role %s is not in %s%s", r.Name, ctx.protoDesc(p), ctx.didYouMean(r.Name, missing))
	}
	if len(missing) > 0 {
		ctx.errorf(e.Pos, "request on %s must name every role of protocol %s {%s}: missing %s",
			e.Service.Name, p.decl.Name.Name, strings.Join(p.roles, ", "), joinNames(missing))
	}
	if !seen[e.Role.Name] {
		if slices.Contains(p.roles, e.Role.Name) {
			ctx.errorf(e.Role.Pos, "role %s is not among the requested roles", e.Role.Name)
		} else {
			ctx.roleOfProto(e.Role, p)
		}
	}
}

// checkDistinct reports a role written twice in a receiver list.
func (ctx *codeCtx) checkDistinct(rs []syntax.Ident) {
	seen := map[string]bool{}
	for _, r := range rs {
		if seen[r.Name] {
			ctx.errorf(r.Pos, "duplicate receiver %s", r.Name)
		}
		seen[r.Name] = true
	}
}

// talkDesc describes what the thread talks on, for messages.
func (ctx *codeCtx) talkDesc() string {
	var b strings.Builder
	if len(ctx.protos) == 0 {
		// Only its other versions of code open sessions.
		var names []string
		for _, p := range ctx.otherTalk {
			if n := p.decl.Name.Name; !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		fmt.Fprintf(&b, "any protocol thread %s talks on through its other versions of code (%s)", ctx.thread.Name, strings.Join(names, ", "))
	} else if len(ctx.protos) == 1 {
		fmt.Fprintf(&b, "protocol %s, which thread %s talks on", ctx.protos[0], ctx.thread.Name)
	} else {
		fmt.Fprintf(&b, "any protocol thread %s talks on (%s)", ctx.thread.Name, strings.Join(ctx.protos, ", "))
	}
	if ctx.update != nil {
		fmt.Fprintf(&b, " after update %s", ctx.update.Name)
	}
	return b.String()
}

func (ctx *codeCtx) checkRole(r syntax.Ident) {
	if ctx.incomplete || ctx.hasRole(r.Name) {
		return
	}
	// A role of the protocol another version talks on passes.
	nor, ok := ctx.otherVersions(func(p *protoInfo) bool { return p.isRole[r.Name] }, "of")
	if ok {
		return
	}
	if len(ctx.protos) == 0 && len(ctx.otherTalk) == 0 {
		ctx.errorf(r.Pos, "role %s: thread %s opens no session (no request or accept), so it has no protocol to talk on", r.Name, ctx.thread.Name)
		return
	}
	hint := ctx.didYouMean(r.Name, ctx.allRoles())
	if roles := ctx.allRoles(); hint == "" && len(roles) > 0 && len(roles) <= 8 {
		// The roles there are, when none is near (a tester: srv for
		// server said nothing of them); of every version's protocol, as
		// nor names them (a tester: P's roles listed P3's too, unnamed).
		whose := "its"
		if nor != "" {
			whose = "their"
		}
		hint = " (" + whose + " roles: " + joinNames(roles) + ")"
	}
	ctx.errorf(r.Pos, "role %s is not a role of %s%s%s", r.Name, ctx.talkDesc(), nor, hint)
}

// checkCaseLabel checks a label of a branch of case e. A branch for a
// label no protocol offers is dead code, not an error (docs/language.md
// §4): a warning. Its "did you mean" is a label no branch of e has (a
// tester: branches {x, z} for a choice {x, y} were told "did you mean x?").
func (ctx *codeCtx) checkCaseLabel(l syntax.Ident, e *syntax.Case) {
	if ctx.incomplete || ctx.hasLabel(l.Name) || len(ctx.protos) == 0 && len(ctx.otherTalk) == 0 {
		return
	}
	nor, ok := ctx.otherVersions(offersLabel(l.Name), "in")
	if ok {
		return
	}
	others := slices.DeleteFunc(ctx.allLabels(), func(name string) bool {
		return slices.ContainsFunc(e.Branches, func(b *syntax.CaseBranch) bool { return b.Label.Name == name })
	})
	ctx.warnf(l.Pos, "case branch %s is dead code: %s is not a label of any choice in %s%s%s", l.Name, l.Name, ctx.talkDesc(), nor, ctx.didYouMean(l.Name, others))
}

// checkCaseCovers warns of a case without a branch for a label that the
// choice it receives offers: a choice of the protocols this version of the
// code talks on, made by the case's sender to a role the thread takes (it
// requests or accepts it in some version of its code), whose labels
// include every label of the case (found by a tester: a new body's case
// {ok} for a choice {ok, retry} was found only as a runtime error, deep in
// the search). A case that covers some such choice whole is taken to be
// for that one; where it may be for several, the labels missing from any
// are named (which choice it receives is not inferred).
func (ctx *codeCtx) checkCaseCovers(e *syntax.Case) {
	if ctx.incomplete || len(e.Branches) == 0 {
		return
	}
	// A branch for a label these protocols do not offer is dead code
	// (checkCaseLabel): it says nothing of which choice the case is for
	// (a tester: branches {x, z} for a choice {x, y}, z a slip for y, got
	// no warning of y).
	has := map[string]bool{}
	for _, b := range e.Branches {
		if ctx.hasLabel(b.Label.Name) {
			has[b.Label.Name] = true
		}
	}
	if len(has) == 0 {
		return
	}
	var missing, protos []string
	for _, p := range ctx.talk {
		if p.proto == nil {
			continue
		}
		for _, r := range p.proto.Roles {
			if !ctx.takes[r] {
				continue
			}
			for _, st := range p.proto.Local[r].States {
				if st.Kind != LOffer || st.Peers[0] != e.From.Name || len(st.Branches) < len(has) {
					continue
				}
				var miss []string
				covered := 0
				for _, b := range st.Branches {
					if has[b.Label] {
						covered++
					} else {
						miss = append(miss, b.Label)
					}
				}
				switch {
				case covered < len(has): // not this choice
				case len(miss) == 0:
					return
				default:
					for _, l := range miss {
						if !slices.Contains(missing, l) {
							missing = append(missing, l)
						}
					}
					if !slices.Contains(protos, p.decl.Name.Name) {
						protos = append(protos, p.decl.Name.Name)
					}
				}
			}
		}
	}
	if missing == nil {
		return
	}
	slices.Sort(missing)
	which := "which"
	if len(missing) > 1 {
		which = "any of which"
	}
	ctx.warnf(e.Pos, "case has no branch for %s, %s %s may choose there in protocol %s: if it does, thread %s stops with a runtime error",
		joinWith(missing, "or"), which, e.From.Name, joinWith(protos, "or"), ctx.thread.Name)
}

// otherVersions reports whether the protocol of one of the thread's
// services in another version of the model has what has looks for; if none
// does, nor names those protocols, for messages ("nor in P3", with prep
// "in").
func (ctx *codeCtx) otherVersions(has func(*protoInfo) bool, prep string) (nor string, ok bool) {
	var others []string
	for _, p := range ctx.otherTalk {
		if has(p) {
			return "", true
		}
		if n := p.decl.Name.Name; !slices.Contains(others, n) && !slices.Contains(ctx.protos, n) {
			others = append(others, n)
		}
	}
	if len(others) > 0 {
		nor = fmt.Sprintf(", nor %s %s (its services' protocols in the model's other versions)", prep, strings.Join(others, ", "))
	}
	return nor, false
}

// offersLabel is otherVersions' test for label l.
func offersLabel(l string) func(*protoInfo) bool {
	return func(p *protoInfo) bool { return p.isLabel[l] }
}

// checkLabel checks the label of a select: one that no protocol of the
// thread's services offers, in any version of the model, is an error. One
// that another version offers passes, as a case branch for it is not dead
// (docs/language.md §4): an endpoint that migrates takes the code it is in
// to that protocol, and selecting the label where the endpoint's protocol
// lacks it is a fidelity (a) violation.
func (ctx *codeCtx) checkLabel(l syntax.Ident) {
	if ctx.incomplete || ctx.hasLabel(l.Name) || len(ctx.protos) == 0 && len(ctx.otherTalk) == 0 {
		return // no protocol at all is reported at the role
	}
	nor, ok := ctx.otherVersions(offersLabel(l.Name), "in")
	if ok {
		return
	}
	if len(ctx.labels()) == 0 && nor == "" {
		desc := strings.TrimPrefix(ctx.talkDesc(), "any ")
		if len(ctx.protos) == 1 {
			desc += "," // "protocol P, which thread A talks on, has no choice"
		}
		ctx.errorf(l.Pos, "label %s: %s has no choice", l.Name, desc)
		return
	}
	ctx.errorf(l.Pos, "label %s is not a label of any choice in %s%s%s", l.Name, ctx.talkDesc(), nor, ctx.didYouMean(l.Name, ctx.allLabels()))
}
