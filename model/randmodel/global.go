package randmodel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Global types, as the generator builds them.
//
// Recursion variables are unique within a protocol (t is the top-level run
// loop, inner loops get u, w, z, y), so a variable is identified by its
// name. gSeq is sequential composition `(first).second`, kept only for
// printing: everything else works on the continuation form (expand).

type gnode any

type gMsg struct {
	from string
	to   []string
	typ  string // int, bool or unit
	next gnode
}

type gChoice struct {
	from     string
	to       []string
	labels   []string
	branches []gnode
}

type gRec struct {
	name string
	body gnode
}

type gVar struct{ name string }

type gEnd struct{}

type gSeq struct{ first, second gnode }

const topVar = "t"

var innerVars = []string{"u", "w", "z", "y"}

var labelSets = [][]string{
	{"ok", "fail", "retry"},
	{"left", "right", "stay"},
	{"yes", "no", "maybe"},
	{"buy", "sell", "hold"},
	{"hit", "miss", "skip"},
	{"ping", "quit", "wait"},
}

var loopLabelSets = [][]string{{"more", "done"}, {"again", "stop"}, {"next", "quit"}}

var valTypes = []string{"int", "int", "int", "int", "int", "bool", "bool", "bool", "unit", "unit"}

// expand returns g in continuation form, with cont (nil: end) after its
// terminal leaves.
func expand(g gnode, cont gnode) gnode {
	switch g := g.(type) {
	case *gMsg:
		return &gMsg{g.from, g.to, g.typ, expand(g.next, cont)}
	case *gChoice:
		c := &gChoice{from: g.from, to: g.to, labels: g.labels}
		for _, b := range g.branches {
			c.branches = append(c.branches, expand(b, cont))
		}
		return c
	case *gRec:
		return &gRec{g.name, expand(g.body, cont)}
	case *gVar:
		return g
	case *gEnd:
		if cont != nil {
			return cont
		}
		return g
	case *gSeq:
		return expand(g.first, expand(g.second, cont))
	}
	panic(fmt.Sprintf("randmodel: unexpected global node %T", g))
}

// roleList joins receivers: "b" or "{b, c}".
func roleList(rs []string) string {
	if len(rs) == 1 {
		return rs[0]
	}
	return "{" + strings.Join(rs, ", ") + "}"
}

// gString prints a global type. With omitEnd, `. end` after a message is
// left out (a message without continuation ends the protocol).
func gString(g gnode, omitEnd bool) string {
	switch g := g.(type) {
	case *gMsg:
		s := fmt.Sprintf("%s -> %s: <%s>", g.from, roleList(g.to), g.typ)
		if _, end := g.next.(*gEnd); end && omitEnd {
			return s
		}
		return s + ". " + gString(g.next, omitEnd)
	case *gChoice:
		bs := make([]string, len(g.labels))
		for i, l := range g.labels {
			bs[i] = l + ": " + gString(g.branches[i], omitEnd)
		}
		return fmt.Sprintf("%s -> %s: { %s }", g.from, roleList(g.to), strings.Join(bs, ", "))
	case *gRec:
		return "mu " + g.name + ". " + gString(g.body, omitEnd)
	case *gVar:
		return g.name
	case *gEnd:
		return "end"
	case *gSeq:
		return "(" + gString(g.first, true) + "). " + gString(g.second, omitEnd)
	}
	panic(fmt.Sprintf("randmodel: unexpected global node %T", g))
}

// gRoles lists the roles of g in order of first appearance.
func gRoles(g gnode) []string {
	var rs []string
	add := func(r string) {
		if !slices.Contains(rs, r) {
			rs = append(rs, r)
		}
	}
	var walk func(g gnode)
	walk = func(g gnode) {
		switch g := g.(type) {
		case *gMsg:
			add(g.from)
			for _, r := range g.to {
				add(r)
			}
			walk(g.next)
		case *gChoice:
			add(g.from)
			for _, r := range g.to {
				add(r)
			}
			for _, b := range g.branches {
				walk(b)
			}
		case *gRec:
			walk(g.body)
		case *gSeq:
			walk(g.first)
			walk(g.second)
		}
	}
	walk(g)
	return rs
}

// gLabels lists every label of g.
func gLabels(g gnode) []string {
	var ls []string
	var walk func(g gnode)
	walk = func(g gnode) {
		switch g := g.(type) {
		case *gMsg:
			walk(g.next)
		case *gChoice:
			for i, b := range g.branches {
				if !slices.Contains(ls, g.labels[i]) {
					ls = append(ls, g.labels[i])
				}
				walk(b)
			}
		case *gRec:
			walk(g.body)
		case *gSeq:
			walk(g.first)
			walk(g.second)
		}
	}
	walk(g)
	return ls
}

// guarded reports whether every recursion variable of g (continuation
// form) is bound and has a message between its binder and every use.
func guarded(g gnode) bool {
	var walk func(g gnode, bound, unguarded []string) bool
	walk = func(g gnode, bound, unguarded []string) bool {
		switch g := g.(type) {
		case *gMsg:
			return walk(g.next, bound, nil)
		case *gChoice:
			for _, b := range g.branches {
				if !walk(b, bound, nil) {
					return false
				}
			}
			return true
		case *gRec:
			return walk(g.body, append(slices.Clip(bound), g.name), append(slices.Clip(unguarded), g.name))
		case *gVar:
			return slices.Contains(bound, g.name) && !slices.Contains(unguarded, g.name)
		}
		return true
	}
	return walk(g, nil, nil)
}

// protoGen generates one global type over a fixed list of roles.
type protoGen struct {
	r     *rand.Rand
	roles []string
	nvar  int
	loop  bool // the protocol is mu t. ... at top level
}

// gctx is the context of a point in the global type being generated.
type gctx struct {
	vars    []string // bound recursion variables
	unguard []string // variables bound with no message since
	force   string   // what every leaf must be: "" (free), "end", or a variable
	choices int      // enclosing choices
	loops   int      // enclosing inner loops
}

func (c gctx) guardAll() gctx {
	c.unguard = nil
	return c
}

func (g *protoGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *protoGen) others(r string) []string {
	var os []string
	for _, x := range g.roles {
		if x != r {
			os = append(os, x)
		}
	}
	return os
}

// receivers picks one receiver, sometimes two or three (a multicast).
func (g *protoGen) receivers(from string) []string {
	os := g.others(from)
	g.r.Shuffle(len(os), func(i, j int) { os[i], os[j] = os[j], os[i] })
	n := 1
	if len(os) >= 2 && g.r.IntN(100) < 20 {
		n = 2
		if len(os) >= 3 && g.r.IntN(3) == 0 {
			n = 3
		}
	}
	return sortedRoles(g.roles, os[:n])
}

// sortedRoles orders rs as they are ordered in all.
func sortedRoles(all, rs []string) []string {
	var out []string
	for _, r := range all {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	return out
}

func (g *protoGen) gen(size int, c gctx) gnode {
	if size <= 0 {
		return g.leaf(c)
	}
	x := g.r.IntN(100)
	switch {
	case c.choices < 2 && x < 22:
		return g.choice(size, c)
	case c.loops < 1 && c.choices < 2 && x < 30 && size >= 3:
		return g.innerLoop(size, c)
	case c.choices < 1 && x < 36 && size >= 3:
		return g.seq(size, c)
	}
	return g.msg(size, c)
}

func (g *protoGen) msg(size int, c gctx) gnode {
	from := g.pick(g.roles)
	return &gMsg{from: from, to: g.receivers(from), typ: g.pick(valTypes), next: g.gen(size-1, c.guardAll())}
}

// leaf ends a path: with the forced leaf, or the run loop, an inner loop or
// end.
func (g *protoGen) leaf(c gctx) gnode {
	v := c.force
	if v == "" {
		switch {
		case g.loop && g.r.IntN(100) < 85:
			v = topVar
		case len(c.vars) > 1 && g.r.IntN(100) < 15:
			v = c.vars[len(c.vars)-1]
		default:
			v = "end"
		}
	}
	if v == "end" {
		return &gEnd{}
	}
	if slices.Contains(c.unguard, v) {
		return g.msg(1, c)
	}
	return &gVar{v}
}

// chooser picks who chooses and who is told: everyone else half the time,
// else some of them.
func (g *protoGen) chooser() (string, []string) {
	from := g.pick(g.roles)
	os := g.others(from)
	if g.r.IntN(2) == 0 || len(os) == 1 {
		return from, os
	}
	g.r.Shuffle(len(os), func(i, j int) { os[i], os[j] = os[j], os[i] })
	return from, sortedRoles(g.roles, os[:1+g.r.IntN(len(os)-1)])
}

// fixChoice makes ch projectable: it retries the branches a few times and
// then tells every role. cont, if not nil, follows ch's end leaves.
func (g *protoGen) fixChoice(ch *gChoice, cont gnode, regen func() []gnode) {
	for try := 0; ; try++ {
		if choiceProjectable(expand(ch, cont), g.roles) {
			return
		}
		if try == 3 {
			ch.to = g.others(ch.from)
			return
		}
		ch.branches = regen()
	}
}

func (g *protoGen) labels(sets [][]string) []string {
	set := sets[g.r.IntN(len(sets))]
	n := 2
	if len(set) > 2 && g.r.IntN(100) < 30 {
		n = 3
	}
	ls := slices.Clone(set[:n])
	g.r.Shuffle(len(ls), func(i, j int) { ls[i], ls[j] = ls[j], ls[i] })
	return ls
}

func (g *protoGen) choice(size int, c gctx) gnode {
	from, to := g.chooser()
	ch := &gChoice{from: from, to: to, labels: g.labels(labelSets)}
	c = c.guardAll()
	c.choices++
	regen := func() []gnode {
		bs := make([]gnode, len(ch.labels))
		for i := range bs {
			bs[i] = g.gen(size-1-g.r.IntN(2), c)
		}
		return bs
	}
	ch.branches = regen()
	g.fixChoice(ch, nil, regen)
	return ch
}

// innerLoop is `mu u. [msg.] p -> R: {more: ... u, done: ...}`.
func (g *protoGen) innerLoop(size int, c gctx) gnode {
	name := innerVars[g.nvar%len(innerVars)]
	if g.nvar >= len(innerVars) {
		name += fmt.Sprint(g.nvar)
	}
	g.nvar++
	c.vars = append(slices.Clip(c.vars), name)
	c.unguard = append(slices.Clip(c.unguard), name)
	c.loops++
	var prefix *gMsg
	if g.r.IntN(2) == 0 {
		from := g.pick(g.roles)
		prefix = &gMsg{from: from, to: g.receivers(from), typ: g.pick(valTypes)}
		size--
	}
	from, to := g.chooser()
	ls := slices.Clone(loopLabelSets[g.r.IntN(len(loopLabelSets))])
	ch := &gChoice{from: from, to: to, labels: ls}
	cb := c.guardAll()
	cb.choices++
	loopFirst := g.r.IntN(2) == 0
	regen := func() []gnode {
		lc := cb
		lc.force = name
		again := g.gen(g.r.IntN(2), lc)
		done := g.gen(size-2, cb)
		if loopFirst {
			return []gnode{again, done}
		}
		return []gnode{done, again}
	}
	ch.branches = regen()
	g.fixChoice(ch, nil, regen)
	if prefix != nil {
		prefix.next = ch
		return &gRec{name, prefix}
	}
	return &gRec{name, ch}
}

// seq is `(p -> R: {l1: ..., l2: ...}). G`: a choice whose branches end,
// followed by a common continuation.
func (g *protoGen) seq(size int, c gctx) gnode {
	from, to := g.chooser()
	ch := &gChoice{from: from, to: to, labels: g.labels(labelSets)}
	bc := c.guardAll()
	bc.choices++
	bc.force = "end"
	regen := func() []gnode {
		bs := make([]gnode, len(ch.labels))
		for i := range bs {
			bs[i] = g.gen(g.r.IntN(2), bc)
		}
		return bs
	}
	ch.branches = regen()
	second := g.gen(size-2, c.guardAll())
	g.fixChoice(ch, expand(second, nil), regen)
	return &gSeq{ch, second}
}

// genProtocol generates a global type over roles with about depth
// messages per path.
func genProtocol(r *rand.Rand, roles []string, depth int, looping bool) gnode {
	g := &protoGen{r: r, roles: roles, loop: looping}
	var c gctx
	if looping {
		c = gctx{vars: []string{topVar}, unguard: []string{topVar}}
		return &gRec{topVar, g.gen(depth, c)}
	}
	return g.gen(depth, c)
}

// ---- mutations ----

// gclone deep-copies g (continuation form).
func gclone(g gnode) gnode { return expand(g, nil) }

// gslots collects the addresses of every node of g in pre-order, g's own
// slot first.
func gslots(root *gnode) []*gnode {
	var out []*gnode
	var walk func(p *gnode)
	walk = func(p *gnode) {
		out = append(out, p)
		switch g := (*p).(type) {
		case *gMsg:
			walk(&g.next)
		case *gChoice:
			for i := range g.branches {
				walk(&g.branches[i])
			}
		case *gRec:
			walk(&g.body)
		}
	}
	walk(root)
	return out
}

// mutate returns a mutation of g (continuation form) and what it did, or
// nil when the chosen mutation does not apply.
func mutate(r *rand.Rand, g gnode, kind string) (gnode, string) {
	g = gclone(g)
	slots := gslots(&g)
	roles := gRoles(g)
	pickSlot := func(ok func(gnode) bool) *gnode {
		var cands []*gnode
		for _, s := range slots {
			if ok(*s) {
				cands = append(cands, s)
			}
		}
		if len(cands) == 0 {
			return nil
		}
		return cands[r.IntN(len(cands))]
	}
	isMsg := func(n gnode) bool { _, ok := n.(*gMsg); return ok }
	isChoice := func(n gnode) bool { _, ok := n.(*gChoice); return ok }
	switch kind {
	case "type":
		s := pickSlot(isMsg)
		if s == nil {
			return nil, ""
		}
		m := (*s).(*gMsg)
		old := m.typ
		for m.typ == old {
			m.typ = valTypes[r.IntN(len(valTypes))]
		}
		return g, fmt.Sprintf("%s -> %s: <%s> becomes <%s>", m.from, roleList(m.to), old, m.typ)
	case "add":
		s := pickSlot(func(n gnode) bool { return n != g })
		if s == nil {
			return nil, ""
		}
		from := roles[r.IntN(len(roles))]
		to := roles[r.IntN(len(roles))]
		for to == from {
			to = roles[r.IntN(len(roles))]
		}
		m := &gMsg{from: from, to: []string{to}, typ: valTypes[r.IntN(len(valTypes))], next: *s}
		*s = m
		return g, fmt.Sprintf("adds %s -> %s: <%s>", from, to, m.typ)
	case "remove":
		s := pickSlot(isMsg)
		if s == nil {
			return nil, ""
		}
		m := (*s).(*gMsg)
		*s = m.next
		return g, fmt.Sprintf("removes %s -> %s: <%s>", m.from, roleList(m.to), m.typ)
	case "addBranch":
		s := pickSlot(isChoice)
		if s == nil {
			return nil, ""
		}
		ch := (*s).(*gChoice)
		var fresh string
		for _, set := range labelSets {
			for _, l := range set {
				if fresh == "" && !slices.Contains(ch.labels, l) && r.IntN(3) == 0 {
					fresh = l
				}
			}
		}
		if fresh == "" {
			fresh = "extra"
		}
		body := &gMsg{from: ch.from, to: []string{ch.to[r.IntN(len(ch.to))]}, typ: valTypes[r.IntN(len(valTypes))],
			next: gclone(ch.branches[r.IntN(len(ch.branches))])}
		ch.labels = append(ch.labels, fresh)
		ch.branches = append(ch.branches, body)
		return g, fmt.Sprintf("adds branch %s to the choice of %s", fresh, ch.from)
	case "removeBranch":
		s := pickSlot(isChoice)
		if s == nil {
			return nil, ""
		}
		ch := (*s).(*gChoice)
		i := r.IntN(len(ch.labels))
		if len(ch.labels) == 2 {
			*s = ch.branches[1-i]
			return g, fmt.Sprintf("replaces the choice of %s by its branch %s", ch.from, ch.labels[1-i])
		}
		lab := ch.labels[i]
		ch.labels = slices.Delete(slices.Clone(ch.labels), i, i+1)
		ch.branches = slices.Delete(slices.Clone(ch.branches), i, i+1)
		return g, fmt.Sprintf("removes branch %s from the choice of %s", lab, ch.from)
	case "dropRole":
		if len(roles) < 3 {
			return nil, ""
		}
		drop := roles[1+r.IntN(len(roles)-1)]
		return dropRole(g, drop), "drops role " + drop
	}
	panic("randmodel: unknown mutation " + kind)
}

// dropRole removes role from g: its messages go, its choices keep their
// first branch, and it leaves every list of receivers.
func dropRole(g gnode, role string) gnode {
	switch g := g.(type) {
	case *gMsg:
		next := dropRole(g.next, role)
		to := slices.DeleteFunc(slices.Clone(g.to), func(x string) bool { return x == role })
		if g.from == role || len(to) == 0 {
			return next
		}
		return &gMsg{g.from, to, g.typ, next}
	case *gChoice:
		to := slices.DeleteFunc(slices.Clone(g.to), func(x string) bool { return x == role })
		if g.from == role || len(to) == 0 {
			return dropRole(g.branches[0], role)
		}
		c := &gChoice{from: g.from, to: to, labels: g.labels}
		for _, b := range g.branches {
			c.branches = append(c.branches, dropRole(b, role))
		}
		return c
	case *gRec:
		return &gRec{g.name, dropRole(g.body, role)}
	}
	return g
}
