package model

import (
	"maps"

	"github.com/mcheck/mcheck/model/syntax"
)

// Which endpoints a send or select may act on, for the progress property's
// capacity rule (README, "Capacity reached vs deadlock"): a receiver held
// up by a full queue counts as releasable only if a sender that may still
// send to it may do so on the endpoint it waits for. By role names alone,
// a sender streaming on one session released a receiver waiting on another
// session whose roles have the same names, and a real deadlock was called
// "capacity reached" (adversarial tester).

// SvcRole is an endpoint's service and role, by name.
type SvcRole struct{ Service, Role string }

// ChanSet is what a channel expression may evaluate to: endpoints of the
// (service, role) pairs in Pairs, or, with Any, any endpoint at all.
type ChanSet struct {
	Any   bool
	Pairs map[SvcRole]bool
}

// Has reports whether an endpoint of service svc, role role, may be in s.
func (s ChanSet) Has(svc, role string) bool {
	return s.Any || s.Pairs[SvcRole{svc, role}]
}

func (s *ChanSet) add(o ChanSet) bool {
	grew := o.Any && !s.Any
	s.Any = s.Any || o.Any
	for k := range o.Pairs {
		if !s.Pairs[k] {
			if s.Pairs == nil {
				s.Pairs = map[SvcRole]bool{}
			}
			s.Pairs[k], grew = true, true
		}
	}
	return grew
}

// CommChannels over-approximates, for each communication action (send,
// select, receive, case) in a thread's code (its initial functions and
// main, and the bodies every update gives it), the endpoints its channel
// may be. Endpoints come from request and
// accept (their service and role are written there) and flow through
// variables and arguments; a value received, or returned by a call, may be
// any endpoint. The analysis is a fixpoint over the parameters of the
// thread's functions, each the union of the arguments at every call site
// in any version of the code.
func (m *Model) CommChannels() map[syntax.Expr]ChanSet {
	out := map[syntax.Expr]ChanSet{}
	for _, t := range m.Threads {
		bodies := map[string][]*syntax.FunDecl{}
		for _, f := range t.Funs {
			bodies[f.Name.Name] = append(bodies[f.Name.Name], f)
		}
		for _, u := range m.Updates {
			for name, f := range u.Bodies[t.Name] {
				bodies[name] = append(bodies[name], f)
			}
		}
		a := &chanFlow{params: map[string][]ChanSet{}, sends: out, bodies: bodies}
		for changed := true; changed; {
			a.changed = false
			a.eval(t.Main, nil)
			for _, fs := range bodies {
				for _, f := range fs {
					env := map[string]ChanSet{}
					for i, p := range f.Params {
						env[p.Name] = a.param(f.Name.Name, i)
					}
					a.eval(f.Body, env)
				}
			}
			changed = a.changed
		}
	}
	return out
}

type chanFlow struct {
	params  map[string][]ChanSet // per function, per parameter
	bodies  map[string][]*syntax.FunDecl
	sends   map[syntax.Expr]ChanSet // by communication action
	changed bool
}

func (a *chanFlow) param(fun string, i int) ChanSet {
	if i < len(a.params[fun]) {
		return a.params[fun][i]
	}
	return ChanSet{}
}

// eval walks e in env (variable → what it may be), records the channels of
// its communication actions and the arguments of its calls, and returns what
// e's value may be.
func (a *chanFlow) eval(e syntax.Expr, env map[string]ChanSet) ChanSet {
	switch e := e.(type) {
	case *syntax.Var:
		if v, ok := env[e.Name.Name]; ok {
			return v
		}
		return ChanSet{Any: true} // (resolved models have none unbound)
	case *syntax.Request:
		return ChanSet{Pairs: map[SvcRole]bool{{e.Service.Name, e.Role.Name}: true}}
	case *syntax.Accept:
		return ChanSet{Pairs: map[SvcRole]bool{{e.Service.Name, e.Role.Name}: true}}
	case *syntax.Let:
		v := a.eval(e.Value, env)
		inner := maps.Clone(env)
		if inner == nil {
			inner = map[string]ChanSet{}
		}
		inner[e.Name.Name] = v
		return a.eval(e.Body, inner)
	case *syntax.Seq:
		a.eval(e.First, env)
		return a.eval(e.Second, env)
	case *syntax.If:
		a.eval(e.Cond, env)
		v := a.eval(e.Then, env)
		v.add(a.eval(e.Else, env))
		return v
	case *syntax.Choose:
		var v ChanSet
		for _, o := range e.Options {
			v.add(a.eval(o, env))
		}
		return v
	case *syntax.Call:
		for i, arg := range e.Args {
			v := a.eval(arg, env)
			ps := a.params[e.Fun.Name]
			for len(ps) <= i {
				ps = append(ps, ChanSet{})
			}
			if ps[i].add(v) {
				a.changed = true
			}
			a.params[e.Fun.Name] = ps
		}
		return ChanSet{Any: true} // a function may return an endpoint
	case *syntax.Send:
		a.record(e, a.eval(e.Chan, env))
		a.eval(e.Value, env)
		return ChanSet{}
	case *syntax.Select:
		a.record(e, a.eval(e.Chan, env))
		return ChanSet{}
	case *syntax.Receive:
		a.record(e, a.eval(e.Chan, env))
		return ChanSet{Any: true} // a received value may be an endpoint
	case *syntax.Case:
		a.record(e, a.eval(e.Chan, env))
		var v ChanSet
		for _, b := range e.Branches {
			v.add(a.eval(b.Body, env))
		}
		return v
	case *syntax.Binary:
		a.eval(e.X, env)
		a.eval(e.Y, env)
	case *syntax.Unary:
		a.eval(e.X, env)
	}
	return ChanSet{} // literals, arithmetic, update: no endpoint
}

func (a *chanFlow) record(e syntax.Expr, v ChanSet) {
	s := a.sends[e]
	if s.add(v) {
		a.changed = true
	}
	a.sends[e] = s
}
