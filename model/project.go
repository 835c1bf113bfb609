package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mcheck/mcheck/model/syntax"
)

// Projection.
//
// A normalised global type is projected onto a role r by the standard
// multiparty rules:
//
//	p -> q̃: <U>. G   ↾ r  =  q̃!<U>. (G↾r)   if r = p
//	                         p?<U>. (G↾r)   if r ∈ q̃
//	                         G↾r            otherwise
//	p -> q̃: {lᵢ: Gᵢ} ↾ r  =  q̃ + {lᵢ: Gᵢ↾r}  if r = p     (select)
//	                         p & {lᵢ: Gᵢ↾r}  if r ∈ q̃     (offer)
//	                         ⊔ᵢ (Gᵢ↾r)       otherwise    (merge)
//	mu t. G          ↾ r  =  end if r has no action anywhere G can lead
//	                         (its continuations, and the loops its
//	                         variables jump back to, included),
//	                         end if G↾r has no action (is end or t),
//	                         s   if G↾r is another variable s,
//	                         G↾r if t does not occur in it,
//	                         mu t. (G↾r) otherwise
//
// The merge ⊔ is the "full merge" of Scalas–Yoshida: a role that is not told
// which branch was taken must behave the same in every branch until some
// message it receives tells the branches apart. Two local types merge when
// they have the same shape — same action, peers, value type, same select
// labels — with mergeable continuations; two offers from the same sender
// merge by the union of their labels (common labels' continuations merged
// recursively). Anything else is unprojectable and reported at the choice.
//
// Local types are built with each variable pointing at its binder, and then
// compiled to the monitor automaton of LocalType: one
// state per action node, a variable resolved to the state of its binder's
// body, one shared end state.

type lnode interface{ isLocal() }

type lsend struct {
	to   []string // sorted
	typ  syntax.ValType
	next lnode
}

type lrecv struct {
	from string
	typ  syntax.ValType
	next lnode
}

type lselect struct {
	to       []string  // sorted
	branches []lbranch // sorted by label
}

type loffer struct {
	from     string
	branches []lbranch // sorted by label
}

type lbranch struct {
	label string
	next  lnode
}

// lrec is `mu name. body`. top marks the binders of the protocol's
// top-level recursion: jumping back to them ends a run.
type lrec struct {
	name string
	body lnode
	top  bool
}

type lvar struct{ rec *lrec }

type lend struct{}

func (*lsend) isLocal()   {}
func (*lrecv) isLocal()   {}
func (*lselect) isLocal() {}
func (*loffer) isLocal()  {}
func (*lrec) isLocal()    {}
func (*lvar) isLocal()    {}
func (*lend) isLocal()    {}

// projError says why a global type cannot be projected onto a role.
type projError struct {
	choice         *gchoice
	labelA, labelB string
	a, b           lnode // the two branches' projections that do not merge
}

// projector projects one protocol onto one role.
//
// Normalisation shares a continuation between all the leaves it continues;
// projection keeps that sharing (memo), so the monitor has one copy of a
// shared continuation's states, and the work stays linear in the size of
// the normalised DAG. A memoised result is valid wherever the node occurs:
// its free variables refer to binders that enclose every occurrence.
type projector struct {
	role string
	env  map[*grec]*lrec
	memo map[gnode]lnode
	// idle caches, per binder, that the role has no action anywhere its
	// loop can lead (acts).
	idle map[*grec]bool
	top  *grec // the top-level binder, if the protocol starts with one (normalisation makes binders directly nested one node)
}

func project(root gnode, role string) (lnode, *projError) {
	pr := &projector{role: role, env: map[*grec]*lrec{}, memo: map[gnode]lnode{}, idle: map[*grec]bool{}}
	pr.top, _ = root.(*grec)
	return pr.project(root)
}

func (pr *projector) project(n gnode) (lnode, *projError) {
	if l, ok := pr.memo[n]; ok {
		return l, nil
	}
	l, err := pr.project1(n)
	if err == nil {
		pr.memo[n] = l
	}
	return l, err
}

// binderScope names binders as a type's text is written: a binder takes
// its own name, or that name with a suffix (t_2) when a binder around it
// in the text has it (normalisation can move a continuation under a
// binder of the same name, and the text must say which loop a variable
// goes back to). Binders side by side keep their names, so the text reads
// back as itself (found by a tester: a shared continuation printed in two
// branches as mu t, read back, printed as mu t and mu t_2).
type binderScope[B comparable] struct {
	path  []string     // the names of the binders around the text written now
	names map[B]string // each of those binders' name
}

// enter starts binders bs, directly nested (mu t. mu s. G: one place,
// written as one binder), the first's own name being name, and returns
// the name they are written with; leave ends them.
func (s *binderScope[B]) enter(bs []B, name string) (string, func()) {
	n := name
	for i := 2; slices.Contains(s.path, n); i++ {
		n = fmt.Sprintf("%s_%d", name, i)
	}
	if s.names == nil {
		s.names = map[B]string{}
	}
	type saved struct {
		name string
		had  bool
	}
	old := make([]saved, len(bs))
	for i, b := range bs {
		old[i].name, old[i].had = s.names[b]
		s.names[b] = n
	}
	s.path = append(s.path, n)
	return n, func() {
		s.path = s.path[:len(s.path)-1]
		for i, b := range bs {
			if old[i].had {
				s.names[b] = old[i].name
			} else {
				delete(s.names, b)
			}
		}
	}
}

// name is the name binder b is written with where a variable refers to
// it (own: its own name, for a variable out of its scope, which should
// not be).
func (s *binderScope[B]) name(b B, own string) string {
	if n, ok := s.names[b]; ok {
		return n
	}
	return own
}

func (pr *projector) project1(n gnode) (lnode, *projError) {
	switch n := n.(type) {
	case *gmsg:
		next, err := pr.project(n.next)
		if err != nil {
			return nil, err
		}
		switch {
		case pr.role == n.from:
			return &lsend{to: sortedCopy(n.to), typ: n.typ, next: next}, nil
		case n.toSet[pr.role]:
			return &lrecv{from: n.from, typ: n.typ, next: next}, nil
		}
		return next, nil

	case *gchoice:
		bs := make([]lbranch, len(n.bodies))
		for i, b := range n.bodies {
			l, err := pr.project(b)
			if err != nil {
				return nil, err
			}
			bs[i] = lbranch{label: n.labels[i].Name, next: l}
		}
		switch {
		case pr.role == n.from:
			return &lselect{to: sortedCopy(n.to), branches: sortBranches(bs)}, nil
		case n.toSet[pr.role]:
			return &loffer{from: n.from, branches: sortBranches(bs)}, nil
		}
		acc := bs[0].next
		for i := 1; i < len(bs); i++ {
			m, ok := merge(acc, bs[i].next)
			if !ok {
				// Name the first branch the failing one disagrees with.
				j := 0
				for k := 0; k < i; k++ {
					if _, ok := merge(bs[k].next, bs[i].next); !ok {
						j = k
						break
					}
				}
				return nil, &projError{choice: n, labelA: bs[j].label, labelB: bs[i].label, a: bs[j].next, b: bs[i].next}
			}
			acc = m
		}
		return acc, nil

	case *grec:
		// A loop the role takes no part in, from here on, is nothing for
		// it, whatever choices the others make in it: merging its
		// branches (one going round, t, another leaving, end) refused a
		// projectable protocol (a tester: a -> c: <int>. mu t. a -> b:
		// {x: t, y: end} onto c).
		idle, known := pr.idle[n]
		if !known {
			idle = !pr.acts(n.body)
			pr.idle[n] = idle
		}
		if idle {
			return &lend{}, nil
		}
		l := &lrec{name: n.name, top: n == pr.top}
		pr.env[n] = l
		body, err := pr.project(n.body)
		delete(pr.env, n)
		if err != nil {
			return nil, err
		}
		switch b := body.(type) {
		case *lend:
			return b, nil
		case *lvar:
			if b.rec == l {
				return &lend{}, nil
			}
			return b, nil
		}
		if !occurs(body, l) {
			return body, nil
		}
		l.body = body
		return l, nil

	case *gvar:
		l := pr.env[n.rec]
		if l == nil {
			panic("model: projecting an unbound recursion variable")
		}
		return &lvar{rec: l}, nil

	case *gend:
		return &lend{}, nil
	}
	panic(fmt.Sprintf("model: unexpected global node %T", n))
}

// acts reports whether the role has an action anywhere n can lead: its
// continuations, and through each variable the loop it jumps back to.
func (pr *projector) acts(n gnode) bool {
	seen := map[gnode]bool{}
	var walk func(n gnode) bool
	walk = func(n gnode) bool {
		if seen[n] {
			return false
		}
		seen[n] = true
		switch n := n.(type) {
		case *gmsg:
			return n.from == pr.role || n.toSet[pr.role] || walk(n.next)
		case *gchoice:
			if n.from == pr.role || n.toSet[pr.role] {
				return true
			}
			for _, b := range n.bodies {
				if walk(b) {
					return true
				}
			}
		case *grec:
			return walk(n.body)
		case *gvar:
			return n.rec != nil && walk(n.rec)
		}
		return false
	}
	return walk(n)
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

func sortBranches(bs []lbranch) []lbranch {
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].label < bs[j].label })
	return bs
}

// occurs reports whether a variable bound by rec occurs in n.
func occurs(n lnode, rec *lrec) bool {
	seen := map[lnode]bool{}
	var walk func(n lnode) bool
	walk = func(n lnode) bool {
		if seen[n] {
			return false
		}
		seen[n] = true
		switch n := n.(type) {
		case *lsend:
			return walk(n.next)
		case *lrecv:
			return walk(n.next)
		case *lselect:
			for _, b := range n.branches {
				if walk(b.next) {
					return true
				}
			}
		case *loffer:
			for _, b := range n.branches {
				if walk(b.next) {
					return true
				}
			}
		case *lrec:
			return walk(n.body)
		case *lvar:
			return n.rec == rec
		}
		return false
	}
	return walk(n)
}

// merge merges two local types (see the comment at the top).
func merge(a, b lnode) (lnode, bool) {
	mg := &merger{ren: map[*lrec]*lrec{}, merged: map[[2]lnode]mergeResult{}, copied: map[lnode]lnode{}}
	return mg.merge(a, b)
}

// merger is one merge. ren maps the binders of both sides met so far to the
// binder of the result; binders not in ren are outside the merge and stay as
// they are. Results are memoised per node (pair) so that merging local
// types that share continuations stays linear in their size.
type merger struct {
	ren    map[*lrec]*lrec
	merged map[[2]lnode]mergeResult
	copied map[lnode]lnode
}

type mergeResult struct {
	n  lnode
	ok bool
}

func (mg *merger) merge(a, b lnode) (lnode, bool) {
	key := [2]lnode{a, b}
	if r, ok := mg.merged[key]; ok {
		return r.n, r.ok
	}
	n, ok := mg.merge1(a, b)
	mg.merged[key] = mergeResult{n, ok}
	return n, ok
}

func (mg *merger) merge1(a, b lnode) (lnode, bool) {
	ren := mg.ren
	switch a := a.(type) {
	case *lend:
		if _, ok := b.(*lend); ok {
			return &lend{}, true
		}
	case *lvar:
		if b, ok := b.(*lvar); ok && renamed(ren, a.rec) == renamed(ren, b.rec) {
			return &lvar{rec: renamed(ren, a.rec)}, true
		}
	case *lsend:
		if b, ok := b.(*lsend); ok && slices.Equal(a.to, b.to) && a.typ == b.typ {
			if next, ok := mg.merge(a.next, b.next); ok {
				return &lsend{to: a.to, typ: a.typ, next: next}, true
			}
		}
	case *lrecv:
		if b, ok := b.(*lrecv); ok && a.from == b.from && a.typ == b.typ {
			if next, ok := mg.merge(a.next, b.next); ok {
				return &lrecv{from: a.from, typ: a.typ, next: next}, true
			}
		}
	case *lselect:
		b, ok := b.(*lselect)
		if !ok || !slices.Equal(a.to, b.to) || len(a.branches) != len(b.branches) {
			return nil, false
		}
		out := &lselect{to: a.to}
		for i := range a.branches {
			if a.branches[i].label != b.branches[i].label {
				return nil, false
			}
			next, ok := mg.merge(a.branches[i].next, b.branches[i].next)
			if !ok {
				return nil, false
			}
			out.branches = append(out.branches, lbranch{label: a.branches[i].label, next: next})
		}
		return out, true
	case *loffer:
		b, ok := b.(*loffer)
		if !ok || a.from != b.from {
			return nil, false
		}
		out := &loffer{from: a.from}
		i, j := 0, 0
		for i < len(a.branches) || j < len(b.branches) {
			switch {
			case j == len(b.branches) || i < len(a.branches) && a.branches[i].label < b.branches[j].label:
				out.branches = append(out.branches, lbranch{a.branches[i].label, mg.subst(a.branches[i].next)})
				i++
			case i == len(a.branches) || b.branches[j].label < a.branches[i].label:
				out.branches = append(out.branches, lbranch{b.branches[j].label, mg.subst(b.branches[j].next)})
				j++
			default:
				next, ok := mg.merge(a.branches[i].next, b.branches[j].next)
				if !ok {
					return nil, false
				}
				out.branches = append(out.branches, lbranch{a.branches[i].label, next})
				i++
				j++
			}
		}
		return out, true
	case *lrec:
		b, ok := b.(*lrec)
		if !ok {
			return nil, false
		}
		m := &lrec{name: a.name, top: a.top}
		ren[a], ren[b] = m, m
		body, ok := mg.merge(a.body, b.body)
		if !ok {
			return nil, false
		}
		m.body = body
		return m, true
	}
	return nil, false
}

func renamed(ren map[*lrec]*lrec, r *lrec) *lrec {
	if m, ok := ren[r]; ok {
		return m
	}
	return r
}

// subst copies n, renaming variables through ren (binders inside n are
// copied too).
func (mg *merger) subst(n lnode) lnode {
	if c, ok := mg.copied[n]; ok {
		return c
	}
	c := mg.subst1(n)
	mg.copied[n] = c
	return c
}

func (mg *merger) subst1(n lnode) lnode {
	ren := mg.ren
	switch n := n.(type) {
	case *lsend:
		return &lsend{to: n.to, typ: n.typ, next: mg.subst(n.next)}
	case *lrecv:
		return &lrecv{from: n.from, typ: n.typ, next: mg.subst(n.next)}
	case *lselect:
		out := &lselect{to: n.to}
		for _, b := range n.branches {
			out.branches = append(out.branches, lbranch{b.label, mg.subst(b.next)})
		}
		return out
	case *loffer:
		out := &loffer{from: n.from}
		for _, b := range n.branches {
			out.branches = append(out.branches, lbranch{b.label, mg.subst(b.next)})
		}
		return out
	case *lrec:
		m := &lrec{name: n.name, top: n.top}
		ren[n] = m
		m.body = mg.subst(n.body)
		return m
	case *lvar:
		return &lvar{rec: renamed(ren, n.rec)}
	}
	return &lend{}
}

// ---------------------------------------------------------------------------
// Text of local types.
//
// Notation (ASCII):
//
//	q!<int>. T            send an int to q
//	{q, r}!<int>. T       send to q and r (multicast)
//	p?<int>. T            receive an int from p
//	q + {a: T1, b: T2}    select: send label a or b to q
//	p & {a: T1, b: T2}    offer: receive label a or b from p
//	mu t. T,  t,  end     recursion, recursion variable, end
//
// Labels are listed in alphabetical order.

func localString(n lnode) string {
	var w lWriter
	w.write(n)
	return w.b.String()
}

type lWriter struct {
	b     textBuilder
	scope binderScope[*lrec]
}

// maxText bounds the text of a local or global type. Normalisation shares
// continuations, and text cannot show sharing: a protocol of k choices in a
// row prints 2^k copies of what follows them. Past the bound the text ends
// in "...".
const maxText = 16 << 10

// textBuilder is a strings.Builder that stops growing at maxText.
type textBuilder struct {
	strings.Builder
	full bool
}

func (b *textBuilder) WriteString(s string) (int, error) {
	if b.full {
		return 0, nil
	}
	if b.Len()+len(s) > maxText {
		b.full = true
		return b.Builder.WriteString(" ...")
	}
	return b.Builder.WriteString(s)
}

func (b *textBuilder) Write(p []byte) (int, error) { return b.WriteString(string(p)) }

func (w *lWriter) write(n lnode) {
	b := &w.b
	if b.full {
		return
	}
	switch n := n.(type) {
	case *lsend:
		fmt.Fprintf(b, "%s!<%s>. ", roleSet(n.to), n.typ)
		w.write(n.next)
	case *lrecv:
		fmt.Fprintf(b, "%s?<%s>. ", n.from, n.typ)
		w.write(n.next)
	case *lselect:
		fmt.Fprintf(b, "%s + ", roleSet(n.to))
		w.branches(n.branches)
	case *loffer:
		fmt.Fprintf(b, "%s & ", n.from)
		w.branches(n.branches)
	case *lrec:
		// Loops directly nested are one place: one binder (a tester: mu s.
		// mu t. ..., read back, was mu s. ...).
		chain := []*lrec{n}
		for m, ok := n.body.(*lrec); ok; m, ok = m.body.(*lrec) {
			chain = append(chain, m)
		}
		name, leave := w.scope.enter(chain, n.name)
		fmt.Fprintf(b, "mu %s. ", name)
		w.write(chain[len(chain)-1].body)
		leave()
	case *lvar:
		b.WriteString(w.scope.name(n.rec, n.rec.name))
	case *lend:
		b.WriteString("end")
	}
}

func (w *lWriter) branches(bs []lbranch) {
	b := &w.b
	b.WriteString("{")
	for i, br := range bs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(br.label)
		b.WriteString(": ")
		w.write(br.next)
	}
	b.WriteString("}")
}

// shortLocal renders n for an error message, cut after maxLen bytes.
func shortLocal(n lnode) string {
	const maxLen = 60
	s := localString(n)
	if len(s) > maxLen {
		s = s[:maxLen] + "..."
	}
	return s
}

// ---------------------------------------------------------------------------
// Monitor automaton.

type compiler struct {
	states []LState
	memo   map[lnode]int
	end    int // index of the shared end state, -1 until needed
}

// compileLocal builds the monitor of a local type: States[0] is the state of
// root.
func compileLocal(root lnode) []LState {
	c := &compiler{memo: map[lnode]int{}, end: -1}
	c.target(root)
	return c.states
}

// target returns the state that n stands for, building it if needed.
func (c *compiler) target(n lnode) int {
	switch n := n.(type) {
	case *lrec:
		return c.target(n.body)
	case *lvar:
		// The binder's body was entered before any variable inside it, so
		// its state exists already.
		return c.target(n.rec.body)
	case *lend:
		if c.end < 0 {
			c.end = len(c.states)
			c.states = append(c.states, LState{Kind: LEnd})
		}
		return c.end
	}
	if i, ok := c.memo[n]; ok {
		return i
	}
	i := len(c.states)
	c.memo[n] = i
	c.states = append(c.states, LState{})
	var s LState
	switch n := n.(type) {
	case *lsend:
		s = LState{Kind: LSend, Peers: n.to, Type: n.typ}
		s.Next, s.EndsRun = c.target(n.next), endsRun(n.next)
	case *lrecv:
		s = LState{Kind: LRecv, Peers: []string{n.from}, Type: n.typ}
		s.Next, s.EndsRun = c.target(n.next), endsRun(n.next)
	case *lselect:
		s = LState{Kind: LSelect, Peers: n.to}
		for _, b := range n.branches {
			s.Branches = append(s.Branches, LBranch{Label: b.label, Next: c.target(b.next), EndsRun: endsRun(b.next)})
		}
	case *loffer:
		s = LState{Kind: LOffer, Peers: []string{n.from}}
		for _, b := range n.branches {
			s.Branches = append(s.Branches, LBranch{Label: b.label, Next: c.target(b.next), EndsRun: endsRun(b.next)})
		}
	}
	c.states[i] = s
	return i
}

// endsRun reports whether a transition into n completes a run: it jumps
// back through a top-level recursion variable, or it reaches end.
func endsRun(n lnode) bool {
	switch n := n.(type) {
	case *lvar:
		return n.rec.top
	case *lend:
		return true
	case *lrec:
		return endsRun(n.body)
	}
	return false
}

// Describe lists the monitor's states, one per line, e.g.
//
//	0: p2!<int> -> 1
//	1: p2 & {error -> 0 (ends run), result -> 2}
//	2: p2?<int> -> 0 (ends run)
//
// It is meant for people and tests, not for parsing.
func (l *LocalType) Describe() string {
	var b strings.Builder
	for i, s := range l.States {
		fmt.Fprintf(&b, "%d: ", i)
		switch s.Kind {
		case LEnd:
			b.WriteString("end")
		case LSend, LRecv:
			op := "!"
			if s.Kind == LRecv {
				op = "?"
			}
			fmt.Fprintf(&b, "%s%s<%s> -> %d", roleSet(s.Peers), op, s.Type, s.Next)
			if s.EndsRun {
				b.WriteString(" (ends run)")
			}
		case LSelect, LOffer:
			op := "+"
			if s.Kind == LOffer {
				op = "&"
			}
			fmt.Fprintf(&b, "%s %s {", roleSet(s.Peers), op)
			for j, br := range s.Branches {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%s -> %d", br.Label, br.Next)
				if br.EndsRun {
					b.WriteString(" (ends run)")
				}
			}
			b.WriteString("}")
		}
		b.WriteString("\n")
	}
	return b.String()
}
