package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/model/syntax"
)

// Global types in continuation form.
//
// The parser keeps sequential composition as written (syntax.GSeq). Before
// anything else a protocol is normalised so that every message and choice
// carries its own continuation and `.` is gone:
//
//	(p -> q: {a: end, b: q -> p: <int>}). r -> p: <bool>
//	  = p -> q: {a: r -> p: <bool>. end, b: q -> p: <int>. r -> p: <bool>. end}
//
// G1.G2 continues every terminal leaf of G1 — a message without
// continuation, `end`, the tail of every branch — with G2. A recursion
// variable is not a terminal leaf: it jumps back to its binder, so a G2
// after it is never reached. G1.G2 is an error only when *no* leaf of G1
// reaches G2 (every path of G1 loops back); a choice with one looping
// branch and one finishing branch followed by G2 is the ordinary "loop
// until done, then G2".
//
// Recursion variables are resolved against the source scopes before
// continuations are moved, and each gvar points at its binder: moving G2
// under a `mu t` of G1 can therefore never capture a `t` of G2. The same
// continuation node is shared by every leaf it continues, so the result is a
// DAG; nothing mutates it after normalisation.

type gnode interface{ gpos() syntax.Pos }

// gmsg is `from -> to: <typ>. next`.
type gmsg struct {
	at    syntax.Pos
	from  string
	to    []string    // as written
	toSet receiverSet // to, as a set
	typ   syntax.ValType
	next  gnode
}

// gchoice is `from -> to: {labels[i]: bodies[i], ...}`.
type gchoice struct {
	at     syntax.Pos
	from   string
	to     []string
	toSet  receiverSet // to, as a set
	labels []syntax.Ident
	bodies []gnode
}

// receiverSet holds the receivers of a message or choice, so that
// projecting each role of a long multicast does not look through all of
// them (found by a tester: a multicast to 140,000 roles took 18 s to load).
type receiverSet map[string]bool

func newReceivers(to []string) receiverSet {
	set := make(receiverSet, len(to))
	for _, r := range to {
		set[r] = true
	}
	return set
}

// grec is `mu name. body`.
type grec struct {
	at   syntax.Pos
	name string
	body gnode
	// names is every binder of the node, in source order: binders
	// directly nested (mu t. mu s. G, or mu t. (mu s. G). G2 once
	// sequenced) are one node, one place. Those no variable uses are
	// warned of (warnUnusedBinders).
	names []gname
}

// binderAt is where name is bound among r's names.
func (r *grec) binderAt(name string) syntax.Pos {
	for _, n := range r.names {
		if n.name == name {
			return n.at
		}
	}
	return r.at
}

// gname is a recursion variable's name where it is bound, and whether a
// variable uses it.
type gname struct {
	at   syntax.Pos
	name string
	used bool
}

// gvar is a use of a recursion variable; rec is its binder (nil when the
// variable is unbound, an error already reported).
type gvar struct {
	at   syntax.Pos
	name string
	rec  *grec
}

type gend struct{ at syntax.Pos }

func (g *gmsg) gpos() syntax.Pos    { return g.at }
func (g *gchoice) gpos() syntax.Pos { return g.at }
func (g *grec) gpos() syntax.Pos    { return g.at }
func (g *gvar) gpos() syntax.Pos    { return g.at }
func (g *gend) gpos() syntax.Pos    { return g.at }

// gscope is a source scope of recursion variables.
type gscope struct {
	name  string
	at    syntax.Pos
	rec   *grec
	outer *gscope
	used  bool // a variable looked this name up
}

func (s *gscope) lookup(name string) *grec {
	for ; s != nil; s = s.outer {
		if s.name == name {
			s.used = true
			return s.rec
		}
	}
	return nil
}

func (s *gscope) names() []string {
	var ns []string
	for ; s != nil; s = s.outer {
		ns = append(ns, s.name)
	}
	return ns
}

// protoChecker checks and normalises one protocol.
type protoChecker struct {
	*checker
	name string // protocol name, for messages
}

// normalise turns g, followed by cont (nil: nothing follows), into
// continuation form, checking as it goes everything that is a property of
// the source text: senders and receivers, labels, recursion variables
// bound, not shadowed, and continuations reachable.
func (pc *protoChecker) normalise(g syntax.GType, cont gnode, sc *gscope) gnode {
	switch g := g.(type) {
	case *syntax.GMsg:
		to := pc.receivers(g.From, g.To)
		next := cont
		if next == nil {
			next = &gend{at: g.Pos}
		}
		return &gmsg{at: g.Pos, from: g.From.Name, to: to, toSet: newReceivers(to), typ: g.Type, next: next}

	case *syntax.GChoice:
		to := pc.receivers(g.From, g.To)
		c := &gchoice{at: g.Pos, from: g.From.Name, to: to, toSet: newReceivers(to)}
		seen := map[string]syntax.Pos{}
		for _, b := range g.Branches {
			if p, dup := seen[b.Label.Name]; dup {
				pc.errorf(b.Label.Pos, "duplicate label %s in choice (first at %s)", b.Label.Name, lineCol(p))
			} else {
				seen[b.Label.Name] = b.Label.Pos
			}
			c.labels = append(c.labels, b.Label)
			c.bodies = append(c.bodies, pc.normalise(b.Body, cont, sc))
		}
		if len(g.Branches) == 0 {
			pc.errorf(g.Pos, "choice has no branches")
		}
		return c

	case *syntax.GSeq:
		if !hasExit(g.First) {
			v := firstVar(g.First)
			where := ""
			if v != nil {
				where = fmt.Sprintf(" (%s at %s)", v.Name.Name, lineCol(v.Name.Pos))
			}
			pc.errorf(g.Second.Position(), "unreachable continuation: every path of the protocol before it loops back through a recursion variable%s", where)
		}
		return pc.normalise(g.First, pc.normalise(g.Second, cont, sc), sc)

	case *syntax.GRec:
		// Binders directly under this one (mu t. mu s. G) name the same
		// place: they share its node, so that t and s are one variable to
		// the projection (a merge compared them as two: adversarial tester).
		r := &grec{at: g.Pos, name: g.Var.Name}
		inner := sc
		var chain []*gscope
		for b := g; ; {
			if prev := inner.lookup(b.Var.Name); prev != nil {
				pc.errorf(b.Var.Pos, "recursion variable %s shadows the one bound at %s; use another name", b.Var.Name, lineCol(prev.at))
			}
			inner = &gscope{name: b.Var.Name, at: b.Pos, rec: r, outer: inner}
			chain = append(chain, inner)
			next, ok := b.Body.(*syntax.GRec)
			if !ok {
				r.body = pc.normalise(b.Body, cont, inner)
				break
			}
			b = next
		}
		for _, s := range chain {
			r.names = append(r.names, gname{s.at, s.name, s.used})
		}
		// A body that starts with a loop of its own, once sequenced
		// (mu t. (mu s. G). G2: G's exits go on with G2), is the same
		// place too: one node, so that s and t are one variable to the
		// projection (a tester: the protocol was refused as c "not told"
		// between branches going back to s and to t, where the same
		// protocol written mu t. mu s. ... was accepted). The inner node
		// is the body's own, referred to from nowhere else, unless it is
		// cont, which no variable of r can reach (r's body is then end).
		for {
			m, ok := r.body.(*grec)
			if !ok || r.body == cont {
				break
			}
			walkG(m.body, func(n gnode) {
				if v, ok := n.(*gvar); ok && v.rec == m {
					v.rec = r
				}
			})
			r.names = append(r.names, m.names...)
			r.body = m.body
		}
		// The node is named by the first of its names a variable uses
		// (mu t. mu u. ... u prints as mu u); the other names, unused,
		// are warned of (a tester: mu t. mu u. ... t warned of nothing).
		if i := slices.IndexFunc(r.names, func(n gname) bool { return n.used }); i >= 0 {
			r.at, r.name = r.names[i].at, r.names[i].name
		}
		return r

	case *syntax.GVar:
		r := sc.lookup(g.Name.Name)
		if r == nil {
			hint := pc.didYouMean(g.Name.Name, sc.names())
			if hint == "" && len(sc.names()) == 0 {
				hint = fmt.Sprintf(" (bind it with mu %s. ...)", g.Name.Name)
			}
			pc.errorf(g.Name.Pos, "undefined recursion variable %s%s", g.Name.Name, hint)
		}
		return &gvar{at: g.Name.Pos, name: g.Name.Name, rec: r}

	case *syntax.GEnd:
		if cont != nil {
			return cont
		}
		return &gend{at: g.Pos}

	case nil:
		// Parser recovery left a hole; the parse error says why.
		if cont != nil {
			return cont
		}
		return &gend{}
	}
	panic(fmt.Sprintf("model: unexpected global type %T", g))
}

// receivers checks the receivers of a message or choice from `from`: at
// least one, none twice, the sender not among them. It returns their names.
func (pc *protoChecker) receivers(from syntax.Ident, to []syntax.Ident) []string {
	names := make([]string, 0, len(to))
	seen := map[string]bool{}
	for _, r := range to {
		switch {
		case r.Name == from.Name:
			pc.errorf(r.Pos, "role %s sends to itself: the sender cannot be among the receivers", r.Name)
		case seen[r.Name]:
			pc.errorf(r.Pos, "duplicate receiver %s", r.Name)
		}
		seen[r.Name] = true
		names = append(names, r.Name)
	}
	if len(to) == 0 {
		pc.errorf(from.Pos, "message from %s has no receiver", from.Name)
	}
	return names
}

// hasExit reports whether some path of g reaches a terminal leaf (a message
// without continuation, or end) rather than looping back through a variable.
func hasExit(g syntax.GType) bool {
	switch g := g.(type) {
	case *syntax.GVar:
		return false
	case *syntax.GChoice:
		for _, b := range g.Branches {
			if hasExit(b.Body) {
				return true
			}
		}
		return len(g.Branches) == 0
	case *syntax.GSeq:
		return hasExit(g.First) && hasExit(g.Second)
	case *syntax.GRec:
		return hasExit(g.Body)
	}
	return true
}

// firstVar returns the first recursion variable written in g, or nil.
func firstVar(g syntax.GType) *syntax.GVar {
	switch g := g.(type) {
	case *syntax.GVar:
		return g
	case *syntax.GChoice:
		for _, b := range g.Branches {
			if v := firstVar(b.Body); v != nil {
				return v
			}
		}
	case *syntax.GSeq:
		if v := firstVar(g.First); v != nil {
			return v
		}
		return firstVar(g.Second)
	case *syntax.GRec:
		return firstVar(g.Body)
	}
	return nil
}

// checkGuarded reports every recursion variable reachable from its binder
// without passing a message or choice (`mu t. t`, `mu t. mu s. t`, and, after
// normalisation, `mu t. (end). t`).
func (pc *protoChecker) checkGuarded(root gnode) {
	done := map[gnode]bool{} // nodes already checked with no open binder
	var walk func(n gnode, open []*grec)
	walk = func(n gnode, open []*grec) {
		if len(open) == 0 {
			if done[n] {
				return
			}
			done[n] = true
		}
		switch n := n.(type) {
		case *gmsg:
			walk(n.next, nil)
		case *gchoice:
			for _, b := range n.bodies {
				walk(b, nil)
			}
		case *grec:
			walk(n.body, append(open[:len(open):len(open)], n))
		case *gvar:
			for _, r := range open {
				if r == n.rec {
					pc.errorf(n.at, "recursion variable %s is unguarded: mu %s at %s reaches it without any message in between", n.name, n.name, lineCol(r.binderAt(n.name)))
				}
			}
		}
	}
	walk(root, nil)
}

// collectRoles returns every role of g, in order of first appearance
// (sender before receivers), and every choice label with its position.
func collectRoles(g syntax.GType) (roles []string, labels []string) {
	seenR := map[string]bool{}
	seenL := map[string]bool{}
	add := func(r string) {
		if r != "" && !seenR[r] {
			seenR[r] = true
			roles = append(roles, r)
		}
	}
	var walk func(g syntax.GType)
	walk = func(g syntax.GType) {
		switch g := g.(type) {
		case *syntax.GMsg:
			add(g.From.Name)
			for _, r := range g.To {
				add(r.Name)
			}
		case *syntax.GChoice:
			add(g.From.Name)
			for _, r := range g.To {
				add(r.Name)
			}
			for _, b := range g.Branches {
				if !seenL[b.Label.Name] {
					seenL[b.Label.Name] = true
					labels = append(labels, b.Label.Name)
				}
				walk(b.Body)
			}
		case *syntax.GSeq:
			walk(g.First)
			walk(g.Second)
		case *syntax.GRec:
			walk(g.Body)
		}
	}
	walk(g)
	return roles, labels
}

// gString renders a normalised global type (used in tests and by
// Protocol.Global). A binder inside one of the same name is shown as t_2,
// as in the local types (binderScope): normalisation can move a
// continuation under a binder of the same name, and the text must read
// back as the same protocol.
func gString(n gnode) string {
	w := gWriter{used: usedBinders(n)}
	w.write(n)
	return w.b.String()
}

type gWriter struct {
	b     textBuilder
	scope binderScope[*grec]
	used  map[*grec]bool // usedBinders
}

func (w *gWriter) write(n gnode) {
	b := &w.b
	if b.full {
		return
	}
	switch n := n.(type) {
	case *gmsg:
		fmt.Fprintf(b, "%s -> %s: <%s>", n.from, roleSet(n.to), n.typ)
		if _, ok := n.next.(*gend); !ok {
			b.WriteString(". ")
			w.write(n.next)
		}
	case *gchoice:
		fmt.Fprintf(b, "%s -> %s: {", n.from, roleSet(n.to))
		for i, l := range n.labels {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(l.Name)
			b.WriteString(": ")
			w.write(n.bodies[i])
		}
		b.WriteString("}")
	case *grec:
		// A binder no variable uses loops nowhere: dropped (found by a
		// tester: mu t. a -> b: <int>. mu s. t kept its mu s).
		if !w.used[n] {
			w.write(n.body)
			break
		}
		// (Loops directly nested are one node already: normalise.)
		name, leave := w.scope.enter([]*grec{n}, n.name)
		fmt.Fprintf(b, "mu %s. ", name)
		w.write(n.body)
		leave()
	case *gvar:
		if n.rec != nil {
			b.WriteString(w.scope.name(n.rec, n.rec.name))
		} else {
			b.WriteString(n.name)
		}
	case *gend:
		b.WriteString("end")
	}
}

// warnUnusedBinders warns of each `mu` whose variable its body never uses
// (found by a tester: a forgotten trailing t made a loop one run, with no
// word; all three strategies then failed). Such a binder loops nowhere,
// which is rarely meant; the protocol is still well formed.
func (pc *protoChecker) warnUnusedBinders(root gnode) {
	used := usedBinders(root)
	walkG(root, func(n gnode) {
		r, ok := n.(*grec)
		if !ok {
			return
		}
		for _, b := range r.names {
			switch {
			case b.used && used[r]:
			case used[r]:
				// The loop loops, through another name of the same
				// place: this one is redundant, not a loop missing (a
				// tester: "does not loop there" beside "runs: loops").
				pc.warnf(b.at, "protocol %s: mu %s binds nothing (no %s in its body): it names the same place as mu %s, which the body uses, so leave mu %s out", pc.name, b.name, b.name, r.name, b.name)
			default:
				pc.warnf(b.at, "protocol %s: mu %s binds nothing (no %s in its body), so the protocol does not loop there: write %s where it should go round again, or leave mu %s out", pc.name, b.name, b.name, b.name, b.name)
			}
		}
	})
}

// usedBinders is the set of binders under root that some variable refers
// to: in one walk (recUsed per binder was quadratic in deep nests).
func usedBinders(root gnode) map[*grec]bool {
	used := map[*grec]bool{}
	walkG(root, func(n gnode) {
		if v, ok := n.(*gvar); ok && v.rec != nil {
			used[v.rec] = true
		}
	})
	return used
}

// walkG calls f on every node under root once, in source order
// (continuations are shared by branches: each is visited once).
func walkG(root gnode, f func(gnode)) {
	seen := map[gnode]bool{}
	stack := []gnode{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		f(n)
		switch n := n.(type) {
		case *gmsg:
			stack = append(stack, n.next)
		case *gchoice:
			for i := len(n.bodies) - 1; i >= 0; i-- {
				stack = append(stack, n.bodies[i])
			}
		case *grec:
			stack = append(stack, n.body)
		}
	}
}

// recUsed reports whether some variable under n refers to binder r.
func recUsed(n gnode, r *grec) bool {
	switch n := n.(type) {
	case *gmsg:
		return recUsed(n.next, r)
	case *gchoice:
		for _, b := range n.bodies {
			if recUsed(b, r) {
				return true
			}
		}
	case *grec:
		return recUsed(n.body, r)
	case *gvar:
		return n.rec == r
	}
	return false
}

// roleSet renders one role as itself and several as {a, b}.
func roleSet(rs []string) string {
	if len(rs) == 1 {
		return rs[0]
	}
	return "{" + strings.Join(rs, ", ") + "}"
}
