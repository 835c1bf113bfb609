package randmodel

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Thread code generated from a local type. Each recursion of the local
// type is a function taking the endpoint (the run loop is `run`, an inner
// loop u is `loopU`); data comes from choose over small literals and from
// values received earlier in the same run, so every value stays small.

// ex is an expression with its outermost form, to know when to bracket it.
type ex struct {
	s    string
	kind int
}

const (
	kAtom  = iota
	kOp    // binary or unary operator
	kLoose // let, if or sequence: extends as far right as it can
)

func atom(format string, args ...any) ex { return ex{fmt.Sprintf(format, args...), kAtom} }

// tight brackets e unless it is an atom.
func tight(e ex) string {
	if e.kind == kAtom {
		return e.s
	}
	return "(" + e.s + ")"
}

// firm brackets e if it is a let, if or sequence.
func firm(e ex) string {
	if e.kind == kLoose {
		return "(" + e.s + ")"
	}
	return e.s
}

var unit = ex{"()", kAtom}

func seqE(a, b ex) ex {
	if b == unit {
		return a
	}
	return ex{firm(a) + "; " + b.s, kLoose}
}

func letE(v string, val, body ex) ex {
	return ex{"let " + v + " = " + firm(val) + " in " + body.s, kLoose}
}

func ifE(c, t, e ex) ex {
	return ex{"if " + firm(c) + " then " + firm(t) + " else " + firm(e), kLoose}
}

// fun is a function declaration.
type fun struct {
	name   string
	params []string
	body   string
}

func (f fun) String() string {
	return fmt.Sprintf("fun %s(%s) = %s", f.name, strings.Join(f.params, ", "), f.body)
}

type tvar struct{ name, typ string }

// coder generates the functions of one role's code.
type coder struct {
	r      *rand.Rand
	ep     string   // the endpoint parameter
	labels []string // every label of the protocol (dead case branches)
	funs   []fun
	nv     int
}

func funName(rec string) string {
	if rec == topVar {
		return "run"
	}
	return "loop" + strings.ToUpper(rec[:1]) + rec[1:]
}

// roleFuns returns the functions for local type l: run first, then one
// per inner loop.
func roleFuns(r *rand.Rand, ep string, l lnode, labels []string) []fun {
	c := &coder{r: r, ep: ep, labels: labels}
	if rec, ok := l.(*lRec); ok && rec.name == topVar {
		c.define(topVar, rec.body)
	} else {
		c.funs = append(c.funs, fun{name: "run", params: []string{ep}})
		c.funs[0].body = c.code(l, nil).s
	}
	return c.funs
}

// define declares the function of recursion name with the code of body,
// once.
func (c *coder) define(name string, body lnode) {
	fn := funName(name)
	for _, f := range c.funs {
		if f.name == fn {
			return
		}
	}
	i := len(c.funs)
	c.funs = append(c.funs, fun{name: fn, params: []string{c.ep}})
	c.funs[i].body = c.code(body, nil).s
}

func (c *coder) fresh(prefix string) string {
	c.nv++
	return fmt.Sprintf("%s%d", prefix, c.nv)
}

func (c *coder) code(l lnode, sc []tvar) ex {
	switch l := l.(type) {
	case *lEnd:
		return unit
	case *lUpd:
		return seqE(atom("update"), c.code(l.next, sc))
	case *lVar:
		return atom("%s(%s)", funName(l.name), c.ep)
	case *lRec:
		c.define(l.name, l.body)
		return atom("%s(%s)", funName(l.name), c.ep)
	case *lSend:
		v := c.value(l.typ, sc)
		if l.div {
			v = ex{fmt.Sprintf("%s / choose(0, 1, 2)", tight(c.value("int", sc))), kOp}
		}
		return seqE(atom("send(%s, %s, %s)", c.ep, roleList(l.to), v.s), c.code(l.next, sc))
	case *lRecv:
		recv := atom("receive(%s, %s)", c.ep, l.from)
		if _, end := l.next.(*lEnd); end {
			return recv
		}
		if l.typ == "unit" || c.r.IntN(10) < 3 {
			return seqE(recv, c.code(l.next, sc))
		}
		v := c.fresh(map[string]string{"int": "n", "bool": "b"}[l.typ])
		return letE(v, recv, c.code(l.next, append(sc, tvar{v, l.typ})))
	case *lSel:
		branch := func(i int) ex {
			return seqE(atom("select(%s, %s, %s)", c.ep, roleList(l.to), l.labels[i]), c.code(l.branches[i], sc))
		}
		if len(l.labels) == 2 {
			i := c.r.IntN(2)
			return ifE(c.cond(sc), branch(i), branch(1-i))
		}
		k := c.fresh("k")
		e := branch(len(l.labels) - 1)
		for i := len(l.labels) - 2; i >= 0; i-- {
			e = ifE(atom("%s == %d", k, i), branch(i), e)
			e.kind = kLoose
		}
		opts := make([]string, len(l.labels))
		for i := range opts {
			opts[i] = fmt.Sprint(i)
		}
		return letE(k, atom("choose(%s)", strings.Join(opts, ", ")), e)
	case *lOff:
		var bs []string
		for i, lab := range l.labels {
			bs = append(bs, lab+": "+firm(c.code(l.branches[i], sc)))
		}
		// Now and then a dead branch for a label this offer lacks.
		if os := otherLabels(l.labels, c.labels); len(os) > 0 && c.r.IntN(10) == 0 {
			bs = append(bs, os[c.r.IntN(len(os))]+": ()")
		}
		return atom("case(%s, %s, { %s })", c.ep, l.from, strings.Join(bs, ", "))
	}
	panic(fmt.Sprintf("randmodel: unexpected local node %T", l))
}

func (c *coder) vars(sc []tvar, typ string) []string {
	var vs []string
	for _, v := range sc {
		if v.typ == typ {
			vs = append(vs, v.name)
		}
	}
	return vs
}

func (c *coder) pick(xs ...string) string { return xs[c.r.IntN(len(xs))] }

// value is an expression of type typ.
func (c *coder) value(typ string, sc []tvar) ex {
	ints, bools := c.vars(sc, "int"), c.vars(sc, "bool")
	switch typ {
	case "int":
		if len(ints) > 0 && c.r.IntN(2) == 0 {
			n := c.pick(ints...)
			return ex{c.pick(n, n+" + 1", n+" % 2", "2 * "+n, "1 - "+n), kOp}
		}
		return atom("%s", c.pick("0", "1", "2", "choose(0, 1)", "choose(1, 2)", "1"))
	case "bool":
		if len(ints) > 0 && c.r.IntN(3) == 0 {
			n := c.pick(ints...)
			return ex{c.pick(n+" > 0", n+" == 1", n+" % 2 == 0"), kOp}
		}
		if len(bools) > 0 && c.r.IntN(2) == 0 {
			b := c.pick(bools...)
			return ex{c.pick(b, "not "+b, b+" && true"), kOp}
		}
		return atom("%s", c.pick("true", "false", "choose(true, false)"))
	}
	return unit
}

// cond is the condition that picks a label of a two-way select.
func (c *coder) cond(sc []tvar) ex {
	if len(sc) > 0 && c.r.IntN(3) == 0 {
		return c.value("bool", sc)
	}
	return atom("choose(true, false)")
}
