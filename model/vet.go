package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/model/syntax"
)

// Warnings about update points in the middle of a run (the update-point
// trap). An explicit `update` applies the update there, but the body that
// contains it was looked up before and keeps running. If the run had not
// started, the endpoint moves at once and the old code's actions after the
// point act in a run under the new protocol (fidelity (a)); if it had, the
// old code finishes the run under the old protocol while peers that
// applied at the run's start perform it under the new one (fidelity (c)).
// Either breaks as soon as the update moves the service, and is almost
// never meant. The check is syntactic: each body of
// a thread's initial code is followed in evaluation order (operands left to
// right, then the action; each branch of an `if`, a `case`, a `choose` and
// the right operand of `&&` and `||` as one that may run), and a
// communication action that may run after an `update` of the same body is
// reported, once per `update`. (One with actions before it is the usual
// end of a run, unless the run goes on in a function it calls: that needs
// the protocol, and is not checked.) Without an update that moves a service
// (code only, or protocols the same as before) there is no new protocol for
// the old body to break, and nothing is reported; nor for an action whose
// endpoint can only be of services no update moves (model.CommChannels,
// which over-approximates: an endpoint received or returned by a call may
// be any).
func (c *checker) vetUpdatePoints(m *Model) {
	mv := serviceMoves(m)
	if len(mv) == 0 {
		return
	}
	moved := map[string]bool{}
	for _, x := range mv {
		moved[x.s.Name] = true
	}
	chans := m.CommChannels()
	// onMoved: the action may be on an endpoint of a moved service (found
	// by a tester: a send on a service no update moves was warned of as
	// "old code under the new protocol").
	onMoved := func(a syntax.Expr) bool {
		cs := chans[a]
		if cs.Any || len(cs.Pairs) == 0 { // (none: code no call reaches)
			return true
		}
		for p := range cs.Pairs {
			if moved[p.Service] {
				return true
			}
		}
		return false
	}
	for _, t := range m.Threads {
		for _, f := range t.Funs {
			c.vetBody(f.Body, "function "+f.Name.Name+" of thread "+t.Name, onMoved)
		}
		c.vetBody(t.Main, "main of thread "+t.Name, onMoved)
	}
}

// vetUnreachedUpdates warns about a thread whose explicit `update`
// expressions are all in functions its main never calls, directly or
// through other calls: "contains" is syntactic (docs/language.md §3), so its
// calls are no update points and it has none it can reach. (An adversarial
// tester added a function never called with an `update` in it and saw the
// verdicts change without a word.)
func (c *checker) vetUnreachedUpdates(m *Model) {
	if len(m.Updates) == 0 {
		return
	}
	for _, t := range m.Threads {
		funs := map[string]*syntax.FunDecl{}
		for _, f := range t.Funs {
			funs[f.Name.Name] = f
		}
		var points []*syntax.UpdatePoint
		var in []string // functions with an `update`
		for _, f := range t.Funs {
			n := len(points)
			walkExpr(f.Body, func(e syntax.Expr) {
				if u, ok := e.(*syntax.UpdatePoint); ok {
					points = append(points, u)
				}
			})
			if len(points) > n {
				in = append(in, f.Name.Name)
			}
		}
		if len(points) == 0 {
			continue
		}
		reached := map[string]bool{}
		reachable := false // an `update` main reaches, itself or through calls
		todo := []syntax.Expr{t.Main}
		for len(todo) > 0 {
			e := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			walkExpr(e, func(e syntax.Expr) {
				switch e := e.(type) {
				case *syntax.UpdatePoint:
					reachable = true
				case *syntax.Call:
					if f := funs[e.Fun.Name]; f != nil && !reached[f.Name.Name] {
						reached[f.Name.Name] = true
						todo = append(todo, f.Body)
					}
				}
			})
		}
		if reachable {
			continue
		}
		c.warnf(points[0].Pos, "thread %s has `update` only in functions its main never calls (%s): with an explicit `update` anywhere in its code, its calls are no update points, so it has none it can reach", t.Name, strings.Join(in, ", "))
	}
}

// vetBody warns about the update points of one body.
func (c *checker) vetBody(e syntax.Expr, where string, onMoved func(syntax.Expr) bool) {
	v := &flowVet{c: c, where: where, onMoved: onMoved, warned: map[*syntax.UpdatePoint]bool{}}
	v.flow(e, nil)
}

// flowVet follows one body in evaluation order.
type flowVet struct {
	c       *checker
	where   string
	onMoved func(syntax.Expr) bool // the action may be on a moved service
	warned  map[*syntax.UpdatePoint]bool
}

// flow follows e, given the update points that may have run before it in
// the body (pts), and returns those that may have run once e is done.
func (v *flowVet) flow(e syntax.Expr, pts []*syntax.UpdatePoint) []*syntax.UpdatePoint {
	// branches: each of bs may run, from pts.
	branches := func(pts []*syntax.UpdatePoint, bs ...syntax.Expr) []*syntax.UpdatePoint {
		out := pts
		for _, b := range bs {
			for _, u := range v.flow(b, pts) {
				if !slices.Contains(out, u) {
					out = append(slices.Clip(out), u)
				}
			}
		}
		return out
	}
	switch e := e.(type) {
	case nil:
	case *syntax.UpdatePoint:
		if !slices.Contains(pts, e) {
			pts = append(slices.Clip(pts), e)
		}
	case *syntax.Let:
		pts = v.flow(e.Body, v.flow(e.Value, pts))
	case *syntax.Seq:
		pts = v.flow(e.Second, v.flow(e.First, pts))
	case *syntax.If:
		pts = branches(v.flow(e.Cond, pts), e.Then, e.Else)
	case *syntax.Call:
		for _, a := range e.Args {
			pts = v.flow(a, pts)
		}
	case *syntax.Send:
		pts = v.comm(e, v.flow(e.Value, v.flow(e.Chan, pts)))
	case *syntax.Receive:
		pts = v.comm(e, v.flow(e.Chan, pts))
	case *syntax.Select:
		pts = v.comm(e, v.flow(e.Chan, pts))
	case *syntax.Case:
		pts = v.comm(e, v.flow(e.Chan, pts))
		var bodies []syntax.Expr
		for _, b := range e.Branches {
			bodies = append(bodies, b.Body)
		}
		pts = branches(pts, bodies...)
	case *syntax.Choose:
		pts = branches(pts, e.Options...)
	case *syntax.Binary:
		pts = v.flow(e.X, pts)
		if e.Op == syntax.OpAnd || e.Op == syntax.OpOr {
			pts = branches(pts, e.Y)
		} else {
			pts = v.flow(e.Y, pts)
		}
	case *syntax.Unary:
		pts = v.flow(e.X, pts)
	}
	return pts
}

// comm reports communication action a after the update points that may
// have run before it, each once.
func (v *flowVet) comm(a syntax.Expr, pts []*syntax.UpdatePoint) []*syntax.UpdatePoint {
	if !v.onMoved(a) {
		return pts
	}
	for _, u := range pts {
		if !v.warned[u] {
			v.warned[u] = true
			v.c.warnf(u.Pos, "update point followed by %s in the same body (%s, %s): after applying here, the rest of this old body still runs: old code under the new protocol if its run had not started, else old code finishing a run its peers may already perform under the new one", commName(a), v.where, lineCol(a.Position()))
		}
	}
	return pts
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

// vetAddedRoles warns of an update that moves a service to a protocol with
// roles its protocol lacks. A session holds the roles its request named,
// those of the protocol it started under: one started before the move has
// nobody in the new roles, so what its roles send to them after migrating
// is never received (found by a tester: it filled the queue, and the check
// said ok, capacity reached).
func (c *checker) vetAddedRoles(m *Model) {
	for _, mv := range serviceMoves(m) {
		u, sd, s, np := mv.u, mv.sd, mv.s, mv.np
		var added []string
		for _, r := range np.Roles {
			if !slices.Contains(s.Protocol.Roles, r) {
				added = append(added, r)
			}
		}
		if len(added) > 0 {
			roles := "role " + added[0]
			if len(added) > 1 {
				roles = "roles " + strings.Join(added, ", ")
			}
			c.warnf(sd.Name.Pos, "update %s moves service %s to %s, which has %s that %s lacks: a session of %s started under %s has nobody in it, so what is sent there after migrating is never received",
				u.Name, s.Name, np.Name, roles, s.Protocol.Name, s.Name, s.Protocol.Name)
		}
	}
}

// vetUnchangedRoles warns of an update that moves a service so that a role
// receives, at a place both protocols share, a value of another type from
// some peer, while code of a thread that takes that role (by a request or
// an accept in its code) receiving from that peer keeps running: `main`
// (never replaced), or a function the update gives no new body. That code
// then gets values of the new type: the check judges each message's kind
// and type as it is received, not what the code does with the value, so a
// value merely misread passes (found by a tester: a client left unchanged
// read the new bool answer as the old unit, and max+1 said ok; a later
// tester silenced the warning with a new body for an unrelated function).
// Other changes need no warning: an action the new protocol does not
// allow is a fidelity violation the search finds, and a value sent of the
// old type is one at its receiver. Roles taken through an endpoint
// received as a value, and receives on an endpoint of another service from
// a role of the same name, are not told apart: the check is syntactic.
func (c *checker) vetUnchangedRoles(m *Model) {
	for _, mv := range serviceMoves(m) {
		u, sd, s, np := mv.u, mv.sd, mv.s, mv.np
		for _, t := range m.Threads {
			for _, r := range rolesTaken(t, s.Name) {
				old, nw := s.Protocol.Local[r], np.Local[r]
				if old == nil || nw == nil {
					continue
				}
				changes := recvTypeChanged(old, nw)
				if len(changes) == 0 {
					continue
				}
				// Which receives change, and how: the check is syntactic, so
				// the reader judges whether the code receives there (a
				// tester's handshake receive of an unchanged <unit> was named).
				var from, what []string
				for _, ch := range changes {
					if !slices.Contains(from, ch.Peer) {
						from = append(from, ch.Peer)
					}
					what = append(what, fmt.Sprintf("<%s> from %s where %s has <%s>", ch.New, ch.Peer, s.Protocol.Name, ch.Old))
				}
				if where := unchangedReceiver(t, u, from); where != "" {
					c.warnf(sd.Name.Pos, "update %s moves service %s to %s, where role %s receives %s, but %s of thread %s, which takes %s and receives from %s, keeps its code: if it receives there, it goes on with the value as before, and only an operation that fails on it (a runtime error) is caught, not a value merely misread",
						u.Name, s.Name, np.Name, r, strings.Join(what, ", and "), where, t.Name, r, strings.Join(from, ", "))
				}
			}
		}
	}
}

// unchangedReceiver names the first code of thread t that update u leaves
// as it is and that receives (receive or case) from one of the roles from:
// "main", or "function f"; "" if none does.
func unchangedReceiver(t *Thread, u *Update, from []string) string {
	receives := func(e syntax.Expr) bool {
		found := false
		walkExpr(e, func(e syntax.Expr) {
			switch e := e.(type) {
			case *syntax.Receive:
				found = found || slices.Contains(from, e.From.Name)
			case *syntax.Case:
				found = found || slices.Contains(from, e.From.Name)
			}
		})
		return found
	}
	for _, f := range t.Funs {
		if u.Bodies[t.Name][f.Name.Name] == nil && receives(f.Body) {
			return "function " + f.Name.Name
		}
	}
	if receives(t.Main) {
		return "main"
	}
	return ""
}

// vetUntakenRoles warns of a service that some code requests while no
// thread, in any version of its code, requests or accepts one of the roles
// of its protocol: a request waits for every role, so no session of it
// ever starts, and the search finds only a deadlock at the request (found
// by a tester, who had left a participant's thread out).
func (c *checker) vetUntakenRoles(m *Model) {
	for _, sv := range m.Services {
		requested := false
		taken := map[string]bool{}
		look := func(e syntax.Expr) {
			switch e := e.(type) {
			case *syntax.Request:
				if e.Service.Name == sv.Name {
					requested, taken[e.Role.Name] = true, true
				}
			case *syntax.Accept:
				if e.Service.Name == sv.Name {
					taken[e.Role.Name] = true
				}
			}
		}
		for _, b := range m.Bodies(m.Updates) {
			walkExpr(b, look)
		}
		if !requested {
			continue
		}
		var untaken []string
		for _, r := range sv.Protocol.Roles {
			if !taken[r] {
				untaken = append(untaken, r)
			}
		}
		if len(untaken) > 0 {
			roles := "role " + untaken[0]
			if len(untaken) > 1 {
				roles = "roles " + strings.Join(untaken, ", ")
			}
			c.warnf(sv.Decl.Name.Pos, "no thread requests or accepts %s of service %s, in any version of its code: a request waits for every role of %s, so no session of %s ever starts (its requester waits there for ever)",
				roles, sv.Name, sv.Protocol.Name, sv.Name)
		}
	}
}

// rolesTaken lists the roles of service svc that thread t takes in a
// request or an accept in its code, each once, in order of appearance.
func rolesTaken(t *Thread, svc string) []string {
	var roles []string
	take := func(e syntax.Expr) {
		var r string
		switch e := e.(type) {
		case *syntax.Request:
			if e.Service.Name == svc {
				r = e.Role.Name
			}
		case *syntax.Accept:
			if e.Service.Name == svc {
				r = e.Role.Name
			}
		}
		if r != "" && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	for _, f := range t.Funs {
		walkExpr(f.Body, take)
	}
	walkExpr(t.Main, take)
	return roles
}

// serviceMove is a service an update moves to another protocol: the
// update, the declaration that moves it, the service and its new protocol.
type serviceMove struct {
	u  *Update
	sd *syntax.ServiceDecl
	s  *Service
	np *Protocol
}

// serviceMoves lists the services the updates move to a protocol that
// differs from the service's own (SameProtocol), in declaration order.
// vetNoOpUpdates warns of an update that changes nothing: it gives no
// thread a new body and moves no service (it names none, or each one's new
// protocol is the same as its own), so applying it changes no thread's
// behaviour and every strategy trivially holds (found by a tester: only
// project said so).
func (c *checker) vetNoOpUpdates(m *Model) {
	moved := map[*Update]bool{}
	for _, mv := range serviceMoves(m) {
		moved[mv.u] = true
	}
	for _, u := range m.Updates {
		if moved[u] || givesBodies(u) {
			continue
		}
		why := "names no service"
		if len(u.Decl.Services) > 0 {
			why = "gives each service it names a protocol the same as its own"
		}
		c.warnf(u.Decl.Name.Pos, "update %s changes nothing: it gives no thread a new body and %s, so applying it changes no thread's behaviour", u.Name, why)
	}
}

// givesBodies reports whether u gives some thread a new body: an empty
// `thread T { }` gives none, and T takes no part (found by a tester: the
// warning was kept back by one).
func givesBodies(u *Update) bool {
	for _, b := range u.Bodies {
		if len(b) > 0 {
			return true
		}
	}
	return false
}

func serviceMoves(m *Model) []serviceMove {
	var out []serviceMove
	for _, u := range m.Updates {
		for _, sd := range u.Decl.Services {
			s, np := m.Service(sd.Name.Name), u.Moves[sd.Name.Name]
			if s != nil && np != nil && !SameProtocol(np, s.Protocol) {
				out = append(out, serviceMove{u, sd, s, np})
			}
		}
	}
	return out
}
