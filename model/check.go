package model

// Decisions where docs/language.md is silent (also described where they are made):
//
//   - G1.G2 continues every terminal leaf of G1 with G2; a recursion
//     variable is not a terminal leaf. It is an error only when no path of
//     G1 reaches G2 (gtype.go).
//   - Recursion variables are resolved in the source, so moving G2 under a
//     binder of G1 never captures G2's variables; in the text of a global or
//     local type a moved binder inside one of the same name is shown as
//     t_2 (binderScope).
//   - mu t.G ↾ r drops a vacuous mu (t not used in G↾r); `mu t. s` is s.
//   - Merging is the full merge (same action and peers, continuations
//     merged; offers from one sender merged by label union). One projection
//     error is reported per protocol and role, at the choice.
//   - Every binder of the top-level chain `mu t. mu s. ...` is the run loop;
//     RunVar names the outermost.
//   - Roles and labels in code are checked against the union of the
//     protocols the thread's code (that version of it) requests or accepts;
//     whether an action is allowed where it happens is fidelity, for the
//     explorer.
//   - `_` may be bound (let _ = e in ...) but never used as a value.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/model/syntax"
)

// checker collects the errors of one file.
type checker struct {
	file  string
	errs  syntax.ErrorList
	warns syntax.ErrorList
	// The edit-distance cells the hints may still compute (didYouMean).
	hintCells int64
}

func (c *checker) errorf(pos syntax.Pos, format string, args ...any) {
	c.errs.Add(c.file, pos, format, args...)
}

// warnf records a warning: something legal but probably not meant (dead
// code). Warnings never make a model invalid.
func (c *checker) warnf(pos syntax.Pos, format string, args ...any) {
	c.warns.Add(c.file, pos, format, args...)
}

// where renders pos as file:line:col, for "declared at ..." references.
func (c *checker) where(pos syntax.Pos) string {
	if c.file == "" {
		return lineCol(pos)
	}
	return c.file + ":" + lineCol(pos)
}

// lineCol renders pos as line:col, for references within the same message
// as a full position.
func lineCol(pos syntax.Pos) string {
	return fmt.Sprintf("%d:%d", pos.Line, pos.Col)
}

// protoInfo is what the checker knows about a protocol declaration, even an
// ill-formed one (its roles and labels still serve to check code).
type protoInfo struct {
	decl   *syntax.ProtocolDecl
	proto  *Protocol // nil when ill-formed
	roles  []string
	labels []string
	// The same as sets, built on first use, shared by every thread that
	// talks on the protocol (so loading stays linear in threads + roles).
	isRole, isLabel map[string]bool
}

// sets builds p's role and label sets once.
func (p *protoInfo) sets() {
	if p.isRole != nil {
		return
	}
	p.isRole, p.isLabel = map[string]bool{}, map[string]bool{}
	for _, r := range p.roles {
		p.isRole[r] = true
	}
	for _, l := range p.labels {
		p.isLabel[l] = true
	}
}

// Check checks a parsed model file: protocols (well-formedness and
// projection onto every role), services, threads and updates (names,
// arities, variables, roles and labels). It returns the checked model, or
// nil and a syntax.ErrorList holding every error found, sorted.
func Check(f *syntax.File) (*Model, error) { return check(f, true) }

// check is Check; without needThreads, a file that declares no threads
// (only protocols, say) is no error.
func check(f *syntax.File, needThreads bool) (*Model, error) {
	c := &checker{file: f.Name, hintCells: hintBudget}
	m := &Model{File: f}

	// Protocols.
	protos := map[string]*protoInfo{}
	var protoNames []string
	for _, d := range f.Protocols {
		info := c.checkProtocol(d)
		if prev, dup := protos[d.Name.Name]; dup {
			c.errorf(d.Name.Pos, "protocol %s already declared at %s", d.Name.Name, c.where(prev.decl.Name.Pos))
			continue
		}
		protos[d.Name.Name] = info
		protoNames = append(protoNames, d.Name.Name)
		if info.proto != nil {
			m.Protocols = append(m.Protocols, info.proto)
		}
	}
	lookupProto := func(id syntax.Ident, what string) *protoInfo {
		if id.Name == "" {
			return nil
		}
		info := protos[id.Name]
		if info == nil {
			c.errorf(id.Pos, "%s: undefined protocol %s%s", what, id.Name, c.didYouMean(id.Name, protoNames))
		}
		return info
	}

	// Services.
	services := map[string]*serviceInfo{}
	var serviceNames []string
	// A declaration that repeats a name is reported and still checked, as
	// a protocol's or a function's is, but not declared: every error in
	// the file is reported (found by a tester: an undefined name inside a
	// second thread A was reported only once the thread was renamed).
	for _, d := range f.Services {
		prev, dup := services[d.Name.Name]
		if dup {
			c.errorf(d.Name.Pos, "service %s already declared at %s", d.Name.Name, c.where(prev.decl.Name.Pos))
		}
		si := &serviceInfo{decl: d}
		if d.Protocol.Name == "" {
			c.errorf(d.Name.Pos, "service %s has no protocol (write service %s: PROTOCOL)", d.Name.Name, d.Name.Name)
		} else {
			si.proto = lookupProto(d.Protocol, "service "+d.Name.Name)
		}
		if dup {
			continue
		}
		services[d.Name.Name] = si
		serviceNames = append(serviceNames, d.Name.Name)
		if si.proto != nil && si.proto.proto != nil {
			m.Services = append(m.Services, &Service{Name: d.Name.Name, Decl: d, Protocol: si.proto.proto})
		}
	}
	m.byName = m.serviceIndex()

	// Threads.
	threads := map[string]*Thread{}
	var threadNames []string
	var dupThreads []*Thread // checked, not declared
	for _, d := range f.Threads {
		t := &Thread{Name: d.Name.Name, Decl: d, Funs: d.Funs, Main: d.Main}
		c.checkFunDecls(d.Funs, "thread "+t.Name)
		if prev, dup := threads[d.Name.Name]; dup {
			c.errorf(d.Name.Pos, "thread %s already declared at %s", d.Name.Name, c.where(prev.Decl.Name.Pos))
			dupThreads = append(dupThreads, t)
			continue
		}
		threads[t.Name] = t
		threadNames = append(threadNames, t.Name)
		m.Threads = append(m.Threads, t)
	}
	switch {
	case len(f.Threads) > 0:
	case needThreads:
		c.errorf(syntax.Pos{Line: 1, Col: 1}, "the model declares no threads: nothing would run (declare at least one `thread NAME { ... main EXPR }`)")
	case len(f.Protocols) == 0:
		c.errorf(syntax.Pos{Line: 1, Col: 1}, "the model declares no threads and no protocols: nothing to project")
	}

	// Updates.
	updates := map[string]*Update{}
	var dupUpdates []*Update // checked, not declared
	for _, d := range f.Updates {
		u := &Update{Name: d.Name.Name, Decl: d, Moves: map[string]*Protocol{}, Bodies: map[string]map[string]*syntax.FunDecl{}}
		if prev, dup := updates[d.Name.Name]; dup {
			c.errorf(d.Name.Pos, "update %s already declared at %s", d.Name.Name, c.where(prev.Decl.Name.Pos))
			dupUpdates = append(dupUpdates, u)
		} else {
			updates[u.Name] = u
			m.Updates = append(m.Updates, u)
		}
		moved := map[string]*syntax.ServiceDecl{}
		for _, sd := range d.Services {
			prev, dup := moved[sd.Name.Name]
			if dup {
				c.errorf(sd.Name.Pos, "update %s gives service %s a protocol twice (first at %s)", u.Name, sd.Name.Name, c.where(prev.Name.Pos))
			} else {
				moved[sd.Name.Name] = sd
			}
			if services[sd.Name.Name] == nil {
				c.errorf(sd.Name.Pos, "update %s: undefined service %s%s", u.Name, sd.Name.Name, c.didYouMean(sd.Name.Name, serviceNames))
			}
			if sd.Protocol.Name == "" {
				c.errorf(sd.Name.Pos, "update %s: service %s has no protocol to move to (write service %s: PROTOCOL)", u.Name, sd.Name.Name, sd.Name.Name)
				continue
			}
			if info := lookupProto(sd.Protocol, "update "+u.Name+", service "+sd.Name.Name); info != nil && info.proto != nil && !dup {
				u.Moves[sd.Name.Name] = info.proto
			}
		}
		given := map[string]syntax.Pos{} // the threads given new bodies, where
		for _, tu := range d.Threads {
			bodies := map[string]*syntax.FunDecl{}
			if prev, dup := given[tu.Name.Name]; dup {
				// Its functions are checked below against a map of their
				// own, and its code with the first block's (blocks).
				c.errorf(tu.Name.Pos, "update %s gives thread %s new bodies twice (first at %s)", u.Name, tu.Name.Name, c.where(prev))
			} else {
				given[tu.Name.Name] = tu.Name.Pos
				u.Bodies[tu.Name.Name] = bodies
			}
			t := threads[tu.Name.Name]
			if t == nil {
				c.errorf(tu.Name.Pos, "update %s: undefined thread %s%s", u.Name, tu.Name.Name, c.didYouMean(tu.Name.Name, threadNames))
			}
			c.checkFunDecls(tu.Funs, "update "+u.Name+", thread "+tu.Name.Name)
			for _, fd := range tu.Funs {
				if _, dup := bodies[fd.Name.Name]; dup {
					continue // reported by checkFunDecls
				}
				bodies[fd.Name.Name] = fd
				if t == nil {
					continue
				}
				old := findFun(t.Funs, fd.Name.Name)
				if old == nil {
					// A typo gets the name meant; a new function, how to
					// add one (found by a tester: adding code is what
					// updates usually do).
					how := c.didYouMean(fd.Name.Name, funNames(t.Funs))
					if how == "" {
						params := make([]string, len(fd.Params))
						for i, p := range fd.Params {
							params[i] = p.Name
						}
						how = fmt.Sprintf("; an update can only give existing functions new bodies: declare it in thread %s too, with a body its code never calls (fun %s(%s) = ()), for the update to replace",
							t.Name, fd.Name.Name, strings.Join(params, ", "))
					} else {
						how += "; an update can only give existing functions new bodies"
					}
					c.errorf(fd.Name.Pos, "update %s: thread %s has no function %s%s", u.Name, t.Name, fd.Name.Name, how)
					continue
				}
				if len(old.Params) != len(fd.Params) {
					c.errorf(fd.Name.Pos, "update %s changes the arity of %s.%s: %s here, %s in thread %s (at %s)",
						u.Name, t.Name, fd.Name.Name, plural(len(fd.Params), "parameter", "parameters"),
						plural(len(old.Params), "parameter", "parameters"), t.Name, c.where(old.Name.Pos))
				}
			}
		}
	}

	// Code: threads against the original protocols, updates against the
	// protocols after the update.
	env := &codeEnv{checker: c, services: services, serviceNames: serviceNames, updates: m.Updates}
	for _, t := range append(slices.Clip(m.Threads), dupThreads...) {
		env.checkThread(t, nil, nil)
	}
	for _, u := range append(slices.Clip(m.Updates), dupUpdates...) {
		// Each thread once, with its blocks (found by a tester: a thread
		// per block, each looking through every block, made 20,000 blocks
		// take seconds, 80,000 threads a minute).
		blocks := map[string][]*syntax.ThreadUpdate{}
		var order []string
		for _, tu := range u.Decl.Threads {
			if blocks[tu.Name.Name] == nil {
				order = append(order, tu.Name.Name)
			}
			blocks[tu.Name.Name] = append(blocks[tu.Name.Name], tu)
		}
		for _, name := range order {
			if t := threads[name]; t != nil && u.Bodies[t.Name] != nil {
				env.checkThread(t, u, blocks[name])
			}
		}
	}

	if len(c.errs) == 0 {
		c.vetUpdatePoints(m)
		c.vetUnreachedUpdates(m)
		c.vetAddedRoles(m)
		c.vetUntakenRoles(m)
		c.vetUnchangedRoles(m)
		c.vetNoOpUpdates(m)
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	c.warns.Sort()
	m.Warnings = c.warns
	return m, nil
}

// serviceInfo is a declared service and its (original) protocol, nil when
// the protocol is unknown.
type serviceInfo struct {
	decl  *syntax.ServiceDecl
	proto *protoInfo
}

// checkFunDecls checks a list of function declarations for duplicate names
// and duplicate parameters.
func (c *checker) checkFunDecls(funs []*syntax.FunDecl, where string) {
	seen := map[string]*syntax.FunDecl{}
	for _, fd := range funs {
		if prev, dup := seen[fd.Name.Name]; dup {
			c.errorf(fd.Name.Pos, "%s: function %s already declared at %s", where, fd.Name.Name, c.where(prev.Name.Pos))
		} else {
			seen[fd.Name.Name] = fd
		}
		params := map[string]bool{}
		for _, p := range fd.Params {
			if params[p.Name] && p.Name != "_" {
				c.errorf(p.Pos, "duplicate parameter %s of function %s", p.Name, fd.Name.Name)
			}
			params[p.Name] = true
		}
	}
}

func findFun(funs []*syntax.FunDecl, name string) *syntax.FunDecl {
	for _, f := range funs {
		if f.Name.Name == name {
			return f
		}
	}
	return nil
}

func funNames(funs []*syntax.FunDecl) []string {
	ns := make([]string, len(funs))
	for i, f := range funs {
		ns[i] = f.Name.Name
	}
	return ns
}

// checkProtocol checks one protocol declaration and, when it is well formed,
// projects it onto every role.
func (c *checker) checkProtocol(d *syntax.ProtocolDecl) *protoInfo {
	info := &protoInfo{decl: d}
	nerr := len(c.errs)
	pc := &protoChecker{checker: c, name: d.Name.Name}
	root := pc.normalise(d.Body, nil, nil)
	pc.checkGuarded(root)
	pc.warnUnusedBinders(root)
	info.roles, info.labels = collectRoles(d.Body)
	if len(info.roles) == 0 {
		c.errorf(d.Name.Pos, "protocol %s has no roles: it exchanges no message", d.Name.Name)
	}
	if len(c.errs) > nerr {
		return info
	}
	p := &Protocol{
		Name:   d.Name.Name,
		Decl:   d,
		Roles:  info.roles,
		Local:  map[string]*LocalType{},
		Global: gString(root),
	}
	// The binder at the top (binders directly nested, mu t. mu s. ...,
	// are one node, named as gString names it) is the run loop if some
	// variable uses it. (A binder no variable uses loops nowhere: mu t.
	// a -> b: <int>. end is one run, as a -> b: <int>. end is.)
	if r, ok := root.(*grec); ok && recUsed(r.body, r) {
		p.Looping, p.RunVar, p.RunVars = true, r.name, []string{r.name}
	}
	ok := true
	for _, role := range info.roles {
		l, perr := project(root, role)
		if perr != nil {
			c.errorf(perr.choice.at, "protocol %s cannot be projected onto role %s: %s is not told which branch of the choice at %s was taken, and its behaviour differs (in branch %s: %s; in branch %s: %s)",
				d.Name.Name, role, role, lineCol(perr.choice.at), perr.labelA, shortLocal(perr.a), perr.labelB, shortLocal(perr.b))
			ok = false
			continue
		}
		p.Local[role] = &LocalType{Protocol: p.Name, Role: role, States: compileLocal(l), Text: localString(l)}
	}
	if ok {
		info.proto = p
	}
	return info
}
