package model

import "github.com/mcheck/mcheck/model/syntax"

// Warnings about update points in the middle of a run (the update-point
// trap). An explicit `update` applies the update there, but the body that
// contains it was looked up before and keeps running: the old code's
// actions after the point then act in a run under the new protocol, and
// the actions before it began the run under the old one. Either is a
// fidelity violation under every strategy as soon as the update moves the
// service, and is almost never meant. The check is syntactic: along the
// sequential spine of each body of a thread's initial code (its `;` and
// `let` chains, and each branch of an `if` or `case` on its own), an
// `update` with a communication action after it is reported. (One with
// actions before it is the usual end of a run, unless the run goes on in a
// function it calls: that needs the protocol, and is not checked.)
func (c *checker) vetUpdatePoints(m *Model) {
	if len(m.Updates) == 0 {
		return
	}
	for _, t := range m.Threads {
		for _, f := range t.Funs {
			c.vetSpine(f.Body, "function "+f.Name.Name+" of thread "+t.Name)
		}
		c.vetSpine(t.Main, "main of thread "+t.Name)
	}
}

// vetSpine warns about the update points on e's spine, and looks into the
// branches of its conditionals and cases.
func (c *checker) vetSpine(e syntax.Expr, where string) {
	var items []syntax.Expr
	var flatten func(e syntax.Expr)
	flatten = func(e syntax.Expr) {
		switch e := e.(type) {
		case *syntax.Seq:
			flatten(e.First)
			flatten(e.Second)
		case *syntax.Let:
			flatten(e.Value)
			flatten(e.Body)
		default:
			items = append(items, e)
		}
	}
	flatten(e)
	for i, it := range items {
		switch it := it.(type) {
		case *syntax.UpdatePoint:
			if a := firstComm(items[i+1:]); a != nil {
				c.warnf(it.Pos, "update point followed by %s in the same body (%s, %s): after applying here, the rest of this old body still runs, in a run under the new protocol", commName(a), where, lineCol(a.Position()))
			}
		case *syntax.If:
			c.vetSpine(it.Then, where)
			c.vetSpine(it.Else, where)
		case *syntax.Case:
			for _, br := range it.Branches {
				c.vetSpine(br.Body, where)
			}
		}
	}
}

// firstComm returns the first communication action in es, or nil.
func firstComm(es []syntax.Expr) syntax.Expr {
	for _, e := range es {
		var found syntax.Expr
		walkExpr(e, func(x syntax.Expr) {
			switch x.(type) {
			case *syntax.Send, *syntax.Receive, *syntax.Select, *syntax.Case:
				if found == nil {
					found = x
				}
			}
		})
		if found != nil {
			return found
		}
	}
	return nil
}

func commName(e syntax.Expr) string {
	switch e.(type) {
	case *syntax.Send:
		return "a send"
	case *syntax.Receive:
		return "a receive"
	case *syntax.Select:
		return "a select"
	}
	return "a case"
}
