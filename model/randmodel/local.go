package randmodel

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Local types: the generator's own projection (standard, with the full
// merge: a role not told of a choice must behave alike in every branch
// until an offer from one sender tells them apart). It mirrors docs/language.md §2 so
// that generated protocols are projectable; model.Load has the last word.

type lnode any

type lSend struct {
	to   []string
	typ  string
	next lnode
	div  bool // deviation: the value is a division by a chosen value that may be 0
}

type lRecv struct {
	from string
	typ  string
	next lnode
}

type lSel struct {
	to       []string
	labels   []string
	branches []lnode
}

type lOff struct {
	from     string
	labels   []string
	branches []lnode
}

type lRec struct {
	name string
	body lnode
}

type lVar struct{ name string }

type lEnd struct{}

// lUpd is an explicit update point in the code generated from a local type.
type lUpd struct{ next lnode }

// project projects g (continuation form) onto role.
func project(g gnode, role string) (lnode, bool) {
	switch g := g.(type) {
	case *gMsg:
		next, ok := project(g.next, role)
		if !ok {
			return nil, false
		}
		switch {
		case g.from == role:
			return &lSend{to: g.to, typ: g.typ, next: next}, true
		case slices.Contains(g.to, role):
			return &lRecv{from: g.from, typ: g.typ, next: next}, true
		}
		return next, true
	case *gChoice:
		bs := make([]lnode, len(g.branches))
		for i, b := range g.branches {
			l, ok := project(b, role)
			if !ok {
				return nil, false
			}
			bs[i] = l
		}
		switch {
		case g.from == role:
			return &lSel{to: g.to, labels: g.labels, branches: bs}, true
		case slices.Contains(g.to, role):
			return &lOff{from: g.from, labels: g.labels, branches: bs}, true
		}
		acc := bs[0]
		for _, b := range bs[1:] {
			m, ok := merge(acc, b, map[string]string{})
			if !ok {
				return nil, false
			}
			acc = m
		}
		return acc, true
	case *gRec:
		body, ok := project(g.body, role)
		if !ok {
			return nil, false
		}
		switch b := body.(type) {
		case *lEnd:
			return b, true
		case *lVar:
			if b.name == g.name {
				return &lEnd{}, true
			}
			return b, true
		}
		if !lOccurs(body, g.name) {
			return body, true
		}
		return &lRec{g.name, body}, true
	case *gVar:
		return &lVar{g.name}, true
	case *gEnd:
		return &lEnd{}, true
	}
	panic(fmt.Sprintf("randmodel: unexpected global node %T", g))
}

func lOccurs(l lnode, name string) bool {
	switch l := l.(type) {
	case *lSend:
		return lOccurs(l.next, name)
	case *lRecv:
		return lOccurs(l.next, name)
	case *lUpd:
		return lOccurs(l.next, name)
	case *lSel:
		return slices.ContainsFunc(l.branches, func(b lnode) bool { return lOccurs(b, name) })
	case *lOff:
		return slices.ContainsFunc(l.branches, func(b lnode) bool { return lOccurs(b, name) })
	case *lRec:
		return lOccurs(l.body, name)
	case *lVar:
		return l.name == name
	}
	return false
}

// merge merges a and b; ren maps binders of b to binders of a.
func merge(a, b lnode, ren map[string]string) (lnode, bool) {
	rn := func(n string) string {
		if m, ok := ren[n]; ok {
			return m
		}
		return n
	}
	switch a := a.(type) {
	case *lEnd:
		if _, ok := b.(*lEnd); ok {
			return a, true
		}
	case *lVar:
		if b, ok := b.(*lVar); ok && a.name == rn(b.name) {
			return a, true
		}
	case *lSend:
		if b, ok := b.(*lSend); ok && slices.Equal(a.to, b.to) && a.typ == b.typ {
			if next, ok := merge(a.next, b.next, ren); ok {
				return &lSend{to: a.to, typ: a.typ, next: next}, true
			}
		}
	case *lRecv:
		if b, ok := b.(*lRecv); ok && a.from == b.from && a.typ == b.typ {
			if next, ok := merge(a.next, b.next, ren); ok {
				return &lRecv{from: a.from, typ: a.typ, next: next}, true
			}
		}
	case *lSel:
		b, ok := b.(*lSel)
		if !ok || !slices.Equal(a.to, b.to) || len(a.labels) != len(b.labels) {
			return nil, false
		}
		out := &lSel{to: a.to, labels: a.labels}
		for i, l := range a.labels {
			j := slices.Index(b.labels, l)
			if j < 0 {
				return nil, false
			}
			next, ok := merge(a.branches[i], b.branches[j], ren)
			if !ok {
				return nil, false
			}
			out.branches = append(out.branches, next)
		}
		return out, true
	case *lOff:
		b, ok := b.(*lOff)
		if !ok || a.from != b.from {
			return nil, false
		}
		out := &lOff{from: a.from}
		for i, l := range a.labels {
			next := a.branches[i]
			if j := slices.Index(b.labels, l); j >= 0 {
				if next, ok = merge(next, b.branches[j], ren); !ok {
					return nil, false
				}
			}
			out.labels = append(out.labels, l)
			out.branches = append(out.branches, next)
		}
		for j, l := range b.labels {
			if !slices.Contains(a.labels, l) {
				out.labels = append(out.labels, l)
				out.branches = append(out.branches, rename(b.branches[j], ren))
			}
		}
		return out, true
	case *lRec:
		if b, ok := b.(*lRec); ok {
			ren[b.name] = a.name
			if body, ok := merge(a.body, b.body, ren); ok {
				return &lRec{a.name, body}, true
			}
		}
	}
	return nil, false
}

// rename copies l with its variables renamed through ren.
func rename(l lnode, ren map[string]string) lnode {
	rn := func(n string) string {
		if m, ok := ren[n]; ok {
			return m
		}
		return n
	}
	switch l := l.(type) {
	case *lSend:
		return &lSend{to: l.to, typ: l.typ, next: rename(l.next, ren), div: l.div}
	case *lRecv:
		return &lRecv{from: l.from, typ: l.typ, next: rename(l.next, ren)}
	case *lUpd:
		return &lUpd{rename(l.next, ren)}
	case *lSel:
		c := &lSel{to: l.to, labels: l.labels}
		for _, b := range l.branches {
			c.branches = append(c.branches, rename(b, ren))
		}
		return c
	case *lOff:
		c := &lOff{from: l.from, labels: l.labels}
		for _, b := range l.branches {
			c.branches = append(c.branches, rename(b, ren))
		}
		return c
	case *lRec:
		return &lRec{rn(l.name), rename(l.body, ren)}
	case *lVar:
		return &lVar{rn(l.name)}
	}
	return l
}

func lclone(l lnode) lnode { return rename(l, nil) }

// lEqual reports whether a and b are the same local type.
func lEqual(a, b lnode) bool { return lString(a) == lString(b) }

func lString(l lnode) string {
	switch l := l.(type) {
	case *lSend:
		return fmt.Sprintf("%v!<%s>%v.%s", l.to, l.typ, l.div, lString(l.next))
	case *lRecv:
		return fmt.Sprintf("%s?<%s>.%s", l.from, l.typ, lString(l.next))
	case *lUpd:
		return "update." + lString(l.next)
	case *lSel:
		s := fmt.Sprintf("%v+{", l.to)
		for i, lab := range l.labels {
			s += lab + ":" + lString(l.branches[i]) + ","
		}
		return s + "}"
	case *lOff:
		s := fmt.Sprintf("%s&{", l.from)
		for i, lab := range l.labels {
			s += lab + ":" + lString(l.branches[i]) + ","
		}
		return s + "}"
	case *lRec:
		return "mu " + l.name + "." + lString(l.body)
	case *lVar:
		return l.name
	}
	return "end"
}

// choiceProjectable reports whether every role not told of ch (continuation
// form) can merge its branches.
func choiceProjectable(ch gnode, roles []string) bool {
	c := ch.(*gChoice)
	for _, r := range roles {
		if r == c.from || slices.Contains(c.to, r) {
			continue
		}
		if _, ok := project(c, r); !ok {
			return false
		}
	}
	return true
}

// projectAll projects g onto each of its roles; false if some role fails.
func projectAll(g gnode, roles []string) (map[string]lnode, bool) {
	m := map[string]lnode{}
	for _, r := range roles {
		l, ok := project(g, r)
		if !ok {
			return nil, false
		}
		m[r] = l
	}
	return m, true
}

// ---- perturbations of local types (deviations and update points) ----

// lslots collects the addresses of every node of l in pre-order. Inside a
// recursion it stays: the code of a loop body is a function of its own.
func lslots(root *lnode) []*lnode {
	var out []*lnode
	var walk func(p *lnode)
	walk = func(p *lnode) {
		out = append(out, p)
		switch l := (*p).(type) {
		case *lSend:
			walk(&l.next)
		case *lRecv:
			walk(&l.next)
		case *lUpd:
			walk(&l.next)
		case *lSel:
			for i := range l.branches {
				walk(&l.branches[i])
			}
		case *lOff:
			for i := range l.branches {
				walk(&l.branches[i])
			}
		case *lRec:
			walk(&l.body)
		}
	}
	walk(root)
	return out
}

var deviationKinds = []string{"type", "order", "missing", "extra", "peer", "label", "div", "orphan", "orphan", "orphan"}

// deviate applies a deviation of the given kind to a copy of l, a local type
// of role in a protocol with the given roles and labels. It returns the
// copy and a description, or nil when the kind does not apply to l.
func deviate(r *rand.Rand, l lnode, kind, role string, roles, labels []string) (lnode, string) {
	l = lclone(l)
	var cands []*lnode
	for _, s := range lslots(&l) {
		var ok bool
		switch n := (*s).(type) {
		case *lSend:
			switch kind {
			case "type", "missing", "extra", "peer":
				ok = true
			case "div":
				ok = n.typ == "int"
			case "order":
				ok = isAction(n.next) && !sameAction(n, n.next)
			}
		case *lRecv:
			switch kind {
			case "missing", "extra", "peer":
				ok = true
			case "orphan":
				_, ok = n.next.(*lEnd)
			case "order":
				ok = isAction(n.next)
			}
		case *lSel:
			ok = kind == "label" && len(otherLabels(n.labels, labels)) > 0
		}
		if ok {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return nil, ""
	}
	s := cands[r.IntN(len(cands))]
	otherPeer := func(not []string) string {
		var os []string
		for _, x := range roles {
			if x != role && !slices.Contains(not, x) {
				os = append(os, x)
			}
		}
		if len(os) == 0 {
			return ""
		}
		return os[r.IntN(len(os))]
	}
	switch n := (*s).(type) {
	case *lSend:
		switch kind {
		case "type":
			old := n.typ
			for n.typ == old {
				n.typ = valTypes[r.IntN(len(valTypes))]
			}
			return l, fmt.Sprintf("sends <%s> to %s where the protocol has <%s>", n.typ, roleList(n.to), old)
		case "div":
			n.div = true
			return l, fmt.Sprintf("sends to %s a division by a value that may be 0", roleList(n.to))
		case "missing":
			*s = n.next
			return l, fmt.Sprintf("leaves out a send to %s", roleList(n.to))
		case "extra":
			*s = &lSend{to: n.to, typ: n.typ, next: n}
			return l, fmt.Sprintf("sends to %s twice", roleList(n.to))
		case "peer":
			p := otherPeer(n.to)
			if p == "" {
				return nil, ""
			}
			old := n.to
			n.to = []string{p}
			return l, fmt.Sprintf("sends to %s where the protocol has %s", p, roleList(old))
		case "order":
			next := n.next
			return l, swapNext(s, n, next)
		}
	case *lRecv:
		switch kind {
		case "missing":
			*s = n.next
			return l, "leaves out a receive from " + n.from
		case "orphan":
			*s = n.next
			return l, "leaves out its last receive, from " + n.from
		case "extra":
			*s = &lRecv{from: n.from, typ: n.typ, next: n}
			return l, "receives from " + n.from + " twice"
		case "peer":
			p := otherPeer([]string{n.from})
			if p == "" {
				return nil, ""
			}
			old := n.from
			n.from = p
			return l, fmt.Sprintf("receives from %s where the protocol has %s", p, old)
		case "order":
			return l, swapNext(s, n, n.next)
		}
	case *lSel:
		os := otherLabels(n.labels, labels)
		i := r.IntN(len(n.labels))
		lab := os[r.IntN(len(os))]
		old := n.labels[i]
		n.labels = slices.Clone(n.labels)
		n.labels[i] = lab
		return l, fmt.Sprintf("selects %s where the protocol offers %s", lab, old)
	}
	return nil, ""
}

func isAction(l lnode) bool {
	switch l.(type) {
	case *lSend, *lRecv:
		return true
	}
	return false
}

// sameAction reports whether a and b are the same action (swapping them
// changes nothing).
func sameAction(a, b lnode) bool {
	switch a := a.(type) {
	case *lSend:
		b, ok := b.(*lSend)
		return ok && roleList(a.to) == roleList(b.to) && a.typ == b.typ
	case *lRecv:
		b, ok := b.(*lRecv)
		return ok && a.from == b.from && a.typ == b.typ
	}
	return false
}

func otherLabels(have, all []string) []string {
	var os []string
	for _, l := range all {
		if !slices.Contains(have, l) {
			os = append(os, l)
		}
	}
	return os
}

// swapNext swaps the action n at slot s with the action after it.
func swapNext(s *lnode, n, next lnode) string {
	switch m := next.(type) {
	case *lSend:
		after := m.next
		m.next = n
		setNext(n, after)
		*s = m
	case *lRecv:
		after := m.next
		m.next = n
		setNext(n, after)
		*s = m
	}
	return "swaps two consecutive actions"
}

func setNext(l, next lnode) {
	switch l := l.(type) {
	case *lSend:
		l.next = next
	case *lRecv:
		l.next = next
	}
}

// insertUpdate puts an explicit update point into a copy of l: at the
// start (mid == false) or before some action inside the run.
func insertUpdate(r *rand.Rand, l lnode, mid bool) lnode {
	l = lclone(l)
	if !mid {
		if rec, ok := l.(*lRec); ok {
			rec.body = &lUpd{rec.body}
			return l
		}
		return &lUpd{l}
	}
	var cands []*lnode
	for i, s := range lslots(&l) {
		if i > 1 && isAction(*s) {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return insertUpdate(r, l, false)
	}
	s := cands[r.IntN(len(cands))]
	*s = &lUpd{*s}
	return l
}
