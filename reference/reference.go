package reference

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
)

// Options selects what Check explores.
type Options struct {
	Strategy   string   // "uncoordinated" | "stop-the-world" | "max+1"
	Update     string   // name of the update to check; "" = the model's first update, or none if it has none
	UpdateAt   string   // "any" (default, also "") | "never" | "step:K"
	QueueBound int      // capacity of the global queue, >= 1
	Skip       []string // properties switched off: "fidelity","linearity","progress","update-completion","runtime"
	MaxStates  int      // give up beyond this many configurations: return ErrTooBig (0: 1e6)
	// Liveness judges the liveness half of update completion too, when
	// safety holds (live.go).
	Liveness bool
}

// ErrTooBig is returned when the exploration exceeds Options.MaxStates.
var ErrTooBig = errors.New("reference: state space larger than MaxStates")

// Result is the outcome of Check.
type Result struct {
	Verdict         string   // "ok" or "violation"
	Depth           int      // transitions of the shortest run to a violation; -1 when ok
	Properties      []string // sorted, distinct: every enabled property violated by some run of exactly Depth transitions
	Rules           []string // same, finer: "fidelity (a)", ..., "runtime"
	CapacityReached bool     // some explored configuration was stuck only because of the queue capacity
	States          int      // distinct configurations explored
	Trace           []string // one shortest run, a line per transition
	// Lasso says the violation is of the liveness half of update
	// completion (Options.Liveness): Depth is then the length of the
	// shortest run to a configuration on a fair cycle in which a
	// participant never applies, and Trace that run.
	Lasso bool
}

var propertyNames = []string{"fidelity", "linearity", "progress", "update-completion", "runtime"}

type fault struct {
	prop, rule, thread, msg string
}

type tinfo struct {
	name     string
	heap     [2]map[string]*syntax.FunDecl // by heap version
	main     syntax.Expr
	explicit bool            // the old code (main and old bodies) has `update` points
	named    bool            // the update gives it new bodies
	joins    map[string]bool // services its code (any version) requests or accepts
}

type checker struct {
	m        *model.Model
	upd      *model.Update
	strategy string
	atMode   string // "any", "never", "step"
	atK      int
	bound    int
	skip     map[string]bool
	moved    map[string]bool
	threads  []*tinfo
	ids      map[syntax.Expr]int
	fvs      map[syntax.Expr][]string
	chans    map[syntax.Expr]model.ChanSet // what each send's channel may be (model.CommChannels)
}

// Check explores every run of m under opt (see the package documentation).
func Check(m *model.Model, opt Options) (*Result, error) {
	x := &checker{m: m, strategy: opt.Strategy, bound: opt.QueueBound, skip: map[string]bool{},
		moved: map[string]bool{}, ids: map[syntax.Expr]int{}, fvs: map[syntax.Expr][]string{}, chans: m.CommChannels()}
	switch opt.Strategy {
	case "uncoordinated", "stop-the-world", "max+1":
	default:
		return nil, fmt.Errorf("reference: unknown strategy %q", opt.Strategy)
	}
	if opt.QueueBound < 1 {
		return nil, fmt.Errorf("reference: queue bound %d < 1", opt.QueueBound)
	}
	switch at := opt.UpdateAt; {
	case at == "" || at == "any":
		x.atMode = "any"
	case at == "never":
		x.atMode = "never"
	case strings.HasPrefix(at, "step:"):
		k, err := strconv.Atoi(at[5:])
		if err != nil || k < 0 {
			return nil, fmt.Errorf("reference: bad UpdateAt %q", at)
		}
		x.atMode, x.atK = "step", k
	default:
		return nil, fmt.Errorf("reference: bad UpdateAt %q", at)
	}
	for _, s := range opt.Skip {
		if !slices.Contains(propertyNames, s) {
			return nil, fmt.Errorf("reference: unknown property %q", s)
		}
		x.skip[s] = true
	}
	if opt.Update != "" {
		x.upd = m.Update(opt.Update)
		if x.upd == nil {
			return nil, fmt.Errorf("reference: no update %q", opt.Update)
		}
	} else if len(m.Updates) > 0 {
		x.upd = m.Updates[0]
	}
	if x.upd != nil {
		for svc, p := range x.upd.Moves {
			if s := m.Service(svc); s != nil && !sameProtocol(s.Protocol, p) {
				x.moved[svc] = true
			}
		}
	}
	n := 0
	for _, t := range m.Threads {
		ti := &tinfo{name: t.Name, main: t.Main, joins: map[string]bool{}}
		ti.heap[0], ti.heap[1] = map[string]*syntax.FunDecl{}, map[string]*syntax.FunDecl{}
		for _, f := range t.Funs {
			ti.heap[0][f.Name.Name] = f
			ti.heap[1][f.Name.Name] = f
		}
		if x.upd != nil {
			for name, f := range x.upd.Bodies[t.Name] {
				ti.heap[1][name] = f
				ti.named = true
			}
		}
		code := []syntax.Expr{t.Main}
		for _, f := range t.Funs {
			code = append(code, f.Body)
		}
		for _, e := range code {
			walk(e, func(e syntax.Expr) {
				if _, ok := e.(*syntax.UpdatePoint); ok {
					ti.explicit = true
				}
			})
		}
		for _, f := range ti.heap[1] {
			code = append(code, f.Body)
		}
		for _, e := range code {
			walk(e, func(e syntax.Expr) {
				if _, ok := x.ids[e]; !ok {
					n++
					x.ids[e] = n
				}
				switch e := e.(type) {
				case *syntax.Request:
					ti.joins[e.Service.Name] = true
				case *syntax.Accept:
					ti.joins[e.Service.Name] = true
				}
			})
		}
		x.threads = append(x.threads, ti)
	}
	maxStates := opt.MaxStates
	if maxStates == 0 {
		maxStates = 1000000
	}
	res, err := x.explore(maxStates)
	if err != nil || !opt.Liveness || res.Verdict != "ok" || x.upd == nil || x.skip["update-completion"] {
		return res, err
	}
	return x.liveness(res, maxStates)
}

// sameProtocol compares two protocols by their roles and local-type
// monitors (not by name).
func sameProtocol(a, b *model.Protocol) bool {
	if a == b {
		return true
	}
	ra, rb := slices.Clone(a.Roles), slices.Clone(b.Roles)
	sort.Strings(ra)
	sort.Strings(rb)
	if !slices.Equal(ra, rb) {
		return false
	}
	for _, r := range ra {
		if !sameMonitor(a.Local[r], b.Local[r]) {
			return false
		}
	}
	return true
}

// sameMonitor: the two local-type automata accept the same behaviour from
// their initial states (a simultaneous walk; their state numbering may
// differ, e.g. where one shares a continuation the other repeats).
func sameMonitor(a, b *model.LocalType) bool {
	type pair struct{ x, y int }
	seen := map[pair]bool{}
	var same func(x, y int) bool
	same = func(x, y int) bool {
		if seen[pair{x, y}] {
			return true
		}
		seen[pair{x, y}] = true
		sa, sb := &a.States[x], &b.States[y]
		if sa.Kind != sb.Kind || !slices.Equal(sa.Peers, sb.Peers) || sa.Type != sb.Type || len(sa.Branches) != len(sb.Branches) {
			return false
		}
		switch sa.Kind {
		case model.LSend, model.LRecv:
			return sa.EndsRun == sb.EndsRun && same(sa.Next, sb.Next)
		case model.LSelect, model.LOffer:
			for i := range sa.Branches {
				ba, bb := sa.Branches[i], sb.Branches[i]
				if ba.Label != bb.Label || ba.EndsRun != bb.EndsRun || !same(ba.Next, bb.Next) {
					return false
				}
			}
		}
		return true
	}
	return same(0, 0)
}

// ---------------------------------------------------------------------------
// Update points and strategies

// condN: thread t has completed run n on every endpoint it holds of an
// instance with an update run number (roles at end have completed every
// run; untracked endpoints are exempt).
func (x *checker) condN(c *config, t int) bool {
	for _, in := range c.insts {
		if !in.hasN || in.noRuns {
			continue
		}
		for _, e := range in.ends {
			if e.holder == t && live(&e) && e.run < in.n {
				return false
			}
		}
	}
	return true
}

type decision int

const (
	dPass decision = iota
	dApply
	dEither
	dBlock
)

// decide: what thread t does at an update point (docs/language.md §4).
func (x *checker) decide(c *config, t int) decision {
	th := c.threads[t]
	if x.upd == nil || !c.introduced || !th.part || th.hv == 1 {
		return dPass
	}
	switch x.strategy {
	case "uncoordinated":
		return dEither
	case "max+1":
		if x.condN(c, t) {
			return dApply
		}
	case "stop-the-world":
		if x.condN(c, t) {
			return dBlock
		}
	}
	return dPass
}

// stops: thread t, reaching an update point, stops there (a visible step)
// because something can happen there.
func (x *checker) stops(c *config, t int) bool {
	if x.upd == nil {
		return false
	}
	if !c.introduced {
		return x.atMode != "never"
	}
	return x.decide(c, t) != dPass
}

// apply gives thread t the new heap and moves its endpoints of moved
// services to the new protocol for their next run (at once if the current
// run has not started).
func (x *checker) apply(c *config, t int) {
	c.threads[t].hv = 1
	for _, in := range c.insts {
		if !x.moved[in.svc] {
			continue
		}
		for i := range in.ends {
			e := &in.ends[i]
			if e.holder != t || e.done || e.pending == 1 {
				continue
			}
			e.pending = 1
			if !e.started && !e.lost && !e.absent {
				e.ver, e.state = 1, 0
				if x.local(in.svc, 1, e.role) == nil {
					e.absent = true
				}
			}
		}
	}
}

func (x *checker) introduce(c *config) []fault {
	c.introduced, c.steps = true, 0
	for t, th := range c.threads {
		if th.status != tRun {
			continue
		}
		ti := x.threads[t]
		part := ti.named
		var may map[string]bool
		for svc := range x.moved {
			if part || !ti.joins[svc] {
				continue
			}
			if may == nil {
				may = x.mayDo(c, t, true) // what its remaining code may still do
			}
			part = may["join "+svc]
		}
		for _, in := range c.insts {
			if !x.moved[in.svc] {
				continue
			}
			for _, e := range in.ends {
				// An endpoint of an unfinished role, followed or not
				// (its monitor may be lost after a fault): README,
				// "Who takes part".
				if e.holder == t && !e.done {
					part = true
				}
			}
		}
		th.part = part
	}
	if x.strategy != "uncoordinated" {
		for _, in := range c.insts {
			if !x.moved[in.svc] || in.noRuns {
				continue
			}
			m := 0
			for _, e := range in.ends {
				// Any role's, followed or not (README, "The update
				// run number n").
				if e.run > m {
					m = e.run
				}
			}
			in.hasN, in.n = true, m+1
		}
	}
	// A thread in a local cycle may now stop at an update point.
	var fs []fault
	for t, th := range c.threads {
		if th.status == tRun && th.spin {
			th.spin = false
			fs = append(fs, x.runLocal(c, t)...)
		}
	}
	return fs
}

// ---------------------------------------------------------------------------
// Communication

type succ struct {
	label  string
	next   *config
	faults []fault
	// who are the threads that move in the step (a session start: every
	// thread it joins; a release or the introduction: none); applies says
	// a participant applies in it (an apply, or the barrier's release).
	who     []int
	applies bool
}

func (x *checker) tname(t int) string { return x.threads[t].name }

// endpointOf resolves a channel value of thread t (private copy in c).
func (x *checker) endpointOf(c *config, t int, v value, what string, node syntax.Node) (*instance, *endpoint, *fault) {
	if v.k != vEnd {
		return nil, nil, x.crash(c, t, node, "%s on %s %s, not an endpoint", what, v.typeName(), v)
	}
	in := c.insts[v.inst]
	i := in.end(v.role)
	return in, &in.ends[i], nil
}

// preAct: ownership and fidelity (a) (code version) for thread t acting on
// endpoint e. It returns the monitor state to check the action against, or
// nil when the endpoint is not tracked or already faulted.
func (x *checker) preAct(c *config, t int, in *instance, e *endpoint, doing string) (*model.LState, []fault) {
	var fs []fault
	th := c.threads[t]
	if e.holder != t {
		fs = append(fs, fault{"linearity", "linearity (ownership)", x.tname(t),
			fmt.Sprintf("%s on %s.%s, held by %s", doing, in.svc, e.role, x.tname(e.holder))})
	}
	if e.absent {
		return nil, append(fs, fault{"fidelity", "fidelity (a)", x.tname(t),
			fmt.Sprintf("%s: role %s is not in protocol %s", doing, e.role, x.protoName(in.svc, e.ver))})
	}
	if e.lost {
		return nil, fs
	}
	if pv := x.protoVersion(in.svc, th.ver); pv != e.ver {
		return nil, append(fs, fault{"fidelity", "fidelity (a)", x.tname(t),
			fmt.Sprintf("%s from code of %s (%s/%d) in a run of %s under %s", doing, x.protoName(in.svc, pv), th.fun, th.ver, e.role, x.protoName(in.svc, e.ver))})
	}
	lt := x.local(in.svc, e.ver, e.role)
	return &lt.States[e.state], fs
}

// runStart judges fidelity (c) for an action of a tracked endpoint that
// its local type allows, whatever else the step breaks (a message of the
// wrong type, an endpoint sent): at the first action of a run, the run's
// protocol version is recorded, or found to differ from another role's.
func (x *checker) runStart(t int, in *instance, e *endpoint) []fault {
	if e.started {
		return nil
	}
	e.started = true
	if in.noRuns {
		return nil
	}
	v, ok := in.runVer[e.run]
	if !ok && in.hasNewFrom && e.run >= in.newFrom {
		v, ok = 1, true
	}
	if !ok {
		in.runVer[e.run] = e.ver
		return nil
	}
	if v == e.ver {
		return nil
	}
	e.lost = true
	return []fault{{"fidelity", "fidelity (c)", x.tname(t),
		fmt.Sprintf("%s.%s performs a run under %s, another role under %s", in.svc, e.role, x.protoName(in.svc, e.ver), x.protoName(in.svc, v))}}
}

// progress advances a tracked endpoint's monitor after an allowed action
// (judging fidelity (c) at the first action of a run).
func (x *checker) progress(c *config, t int, in *instance, e *endpoint, next int, endsRun bool) []fault {
	if fs := x.runStart(t, in, e); fs != nil {
		return fs
	}
	lt := x.local(in.svc, e.ver, e.role)
	if !endsRun {
		e.state = next
		return nil
	}
	if !in.noRuns {
		e.run++
	}
	e.started = false
	if lt.States[next].Kind == model.LEnd {
		e.state, e.done = next, true
		return nil
	}
	if e.pending != e.ver {
		e.ver, e.state = e.pending, 0
		if x.local(in.svc, e.ver, e.role) == nil {
			e.absent = true
		}
		return nil
	}
	e.state = next
	return nil
}

func roleList(rs []syntax.Ident) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

// send performs the send or select thread t is stopped at.
func (x *checker) send(c *config, t int) succ {
	n := c.clone()
	th := n.threads[t]
	var to []string
	var m msg
	var doing string
	var node syntax.Node = th.expr
	switch e := th.expr.(type) {
	case *syntax.Send:
		to = roleList(e.To)
		m = msg{v: th.vals[1]}
		doing = fmt.Sprintf("send %s <%s> to %s", m.v, m.v.typeName(), strings.Join(to, ","))
	case *syntax.Select:
		to = roleList(e.To)
		m = msg{isLabel: true, label: e.Label.Name}
		doing = fmt.Sprintf("select %s to %s", m.label, strings.Join(to, ","))
	}
	label := x.tname(t) + ": " + doing
	in, e, f := x.endpointOf(n, t, th.vals[0], doing, node)
	if f != nil {
		return succ{label: label, next: n, faults: []fault{*f}}
	}
	label = fmt.Sprintf("%s: %s.%s %s", x.tname(t), in.svc, e.role, doing)
	var fs []fault
	if !m.isLabel && m.v.k == vEnd {
		fs = append(fs, fault{"linearity", "linearity (ownership)", x.tname(t), doing + ": an endpoint sent as a message value"})
	}
	st, fs2 := x.preAct(n, t, in, e, doing)
	fs = append(fs, fs2...)
	tracked := st != nil
	var next int
	var endsRun bool
	if st != nil {
		ok := false
		switch {
		case !m.isLabel && st.Kind == model.LSend && slices.Equal(st.Peers, to) && m.v.typeName() == st.Type.String():
			ok, next, endsRun = true, st.Next, st.EndsRun
		case m.isLabel && st.Kind == model.LSelect && slices.Equal(st.Peers, to):
			if b, found := st.Branch(m.label); found {
				ok, next, endsRun = true, b.Next, b.EndsRun
			}
		}
		if !ok {
			fs = append(fs, fault{"fidelity", "fidelity (a)", x.tname(t),
				fmt.Sprintf("%s: not allowed by %s in %s (local type %s, at state %d)", doing, e.role, x.protoName(in.svc, e.ver), x.local(in.svc, e.ver, e.role).Text, e.state)})
		}
	}
	if len(fs) > 0 {
		e.lost, e.absent = true, false
	} else if tracked {
		fs = x.progress(n, t, in, e, next, endsRun)
	}
	instIdx := th.vals[0].inst
	for _, r := range to {
		k := qkey{instIdx, e.role, r}
		n.queue[k] = append(n.queue[k], m)
	}
	x.ret(th, unitV)
	fs = append(fs, x.runLocal(n, t)...)
	return succ{label: label, next: n, faults: fs}
}

// receive: the receive or case thread t is stopped at, if enabled.
func (x *checker) receive(c *config, t int) (succ, bool) {
	th := c.threads[t]
	var from string
	isCase := false
	switch e := th.expr.(type) {
	case *syntax.Receive:
		from = e.From.Name
	case *syntax.Case:
		from, isCase = e.From.Name, true
	}
	doing := "receive from " + from
	if isCase {
		doing = "case (a label) from " + from
	}
	if th.vals[0].k != vEnd {
		n := c.clone()
		_, _, f := x.endpointOf(n, t, n.threads[t].vals[0], doing, th.expr)
		return succ{label: x.tname(t) + ": " + doing, next: n, faults: []fault{*f}}, true
	}
	in0 := c.insts[th.vals[0].inst]
	e0 := &in0.ends[in0.end(th.vals[0].role)]
	k := qkey{th.vals[0].inst, from, e0.role}
	has := len(c.queue[k]) > 0
	// Is the attempt itself a fidelity (a) fault? (checked on a scratch copy)
	scratch := c.clone()
	sin := scratch.insts[th.vals[0].inst]
	se := &sin.ends[sin.end(e0.role)]
	st, pre := x.preAct(scratch, t, sin, se, doing)
	aFault := false
	for _, f := range pre {
		if f.prop == "fidelity" {
			aFault = true
		}
	}
	if st != nil {
		want := model.LRecv
		if isCase {
			want = model.LOffer
		}
		if st.Kind != want || st.Peers[0] != from {
			aFault = true
		}
	}
	if !aFault && !has {
		return succ{}, false
	}
	n := c.clone()
	nth := n.threads[t]
	in := n.insts[th.vals[0].inst]
	e := &in.ends[in.end(e0.role)]
	label := fmt.Sprintf("%s: %s.%s %s", x.tname(t), in.svc, e.role, doing)
	st, fs := x.preAct(n, t, in, e, doing)
	if aFault {
		if st != nil {
			fs = append(fs, fault{"fidelity", "fidelity (a)", x.tname(t),
				fmt.Sprintf("%s: not allowed by %s in %s (local type %s, at state %d)", doing, e.role, x.protoName(in.svc, e.ver), x.local(in.svc, e.ver, e.role).Text, e.state)})
		}
		e.lost, e.absent = true, false
		if !has {
			return succ{label: label + " (not allowed; no message)", next: n, faults: fs}, true
		}
		st = nil
	}
	m := n.queue[k][0]
	n.queue[k] = n.queue[k][1:]
	label += ": got " + m.String()
	if st != nil {
		var next int
		var endsRun bool
		var bad string
		pre := len(fs) // faults before the message is looked at
		switch {
		case !isCase && m.isLabel:
			bad = "the label " + m.label
		case !isCase && m.v.typeName() != st.Type.String():
			bad = fmt.Sprintf("the value %s <%s>", m.v, m.v.typeName())
		case !isCase:
			next, endsRun = st.Next, st.EndsRun
		case !m.isLabel:
			bad = fmt.Sprintf("the value %s <%s>", m.v, m.v.typeName())
		default:
			if b, ok := st.Branch(m.label); ok {
				next, endsRun = b.Next, b.EndsRun
			} else {
				bad = "the label " + m.label
			}
		}
		if bad != "" {
			fs = append(fs, fault{"fidelity", "fidelity (b)", x.tname(t),
				fmt.Sprintf("%s.%s expected what %s allows (local type %s, state %d), got %s", in.svc, e.role, x.protoName(in.svc, e.ver), x.local(in.svc, e.ver, e.role).Text, e.state, bad)})
		}
		switch {
		case pre > 0:
			e.lost = true
		case bad != "":
			// The protocol allows the receive, not the message: it may
			// still start a run.
			fs = append(fs, x.runStart(t, in, e)...)
			e.lost = true
		default:
			fs = x.progress(n, t, in, e, next, endsRun)
		}
	} else if len(fs) > 0 {
		e.lost = true
	}
	if !isCase {
		if m.isLabel {
			// A label where a value was due: no value to go on with.
			return succ{label: label, next: n, faults: append(fs, *x.crash(n, t, th.expr, "receive got the label %s, not a value", m.label))}, true
		}
		x.ret(nth, m.v)
		return succ{label: label, next: n, faults: append(fs, x.runLocal(n, t)...)}, true
	}
	ce := nth.expr.(*syntax.Case)
	if !m.isLabel {
		return succ{label: label, next: n, faults: append(fs, *x.crash(n, t, ce, "case received the value %s, not a label", m.v))}, true
	}
	for _, b := range ce.Branches {
		if b.Label.Name == m.label {
			x.eval(nth, b.Body, nth.env)
			return succ{label: label, next: n, faults: append(fs, x.runLocal(n, t)...)}, true
		}
	}
	return succ{label: label, next: n, faults: append(fs, *x.crash(n, t, ce, "case has no branch for the label %s", m.label))}, true
}

// starts: the session starts thread t, stopped at a request, takes part in.
func (x *checker) starts(c *config, t int) []succ {
	req := c.threads[t].expr.(*syntax.Request)
	svc := req.Service.Name
	var others []string
	for _, r := range req.Roles {
		if r.Name != req.Role.Name {
			others = append(others, r.Name)
		}
	}
	cand := make([][]int, len(others))
	for u, th := range c.threads {
		if u == t || th.status != tRun || th.spin || th.ctl != cAt || th.pt != pAccept {
			continue
		}
		acc := th.expr.(*syntax.Accept)
		if acc.Service.Name != svc {
			continue
		}
		for k, r := range others {
			if acc.Role.Name == r {
				cand[k] = append(cand[k], u)
			}
		}
	}
	var out []succ
	pick := make([]int, len(others))
	var rec func(k int)
	rec = func(k int) {
		if k == len(others) {
			out = append(out, x.startWith(c, t, svc, req.Role.Name, others, pick))
			return
		}
		for _, u := range cand[k] {
			if !slices.Contains(pick[:k], u) {
				pick[k] = u
				rec(k + 1)
			}
		}
	}
	rec(0)
	return out
}

func (x *checker) startWith(c *config, t int, svc, myRole string, others []string, pick []int) succ {
	n := c.clone()
	threads := append([]int{t}, pick...)
	roles := append([]string{myRole}, others...)
	in := &instance{svc: svc, runVer: map[int]int{}, noRuns: !x.moved[svc] || x.atMode == "never"}
	idx := len(n.insts)
	var fs []fault
	var desc []string
	for k, u := range threads {
		// An endpoint starts under the protocol version of the code that
		// opens it; after the thread applied, under the new one (docs/language.md §4).
		ver := x.protoVersion(svc, n.threads[u].hv)
		e := endpoint{role: roles[k], holder: u, ver: ver, pending: ver}
		if lt := x.local(svc, ver, roles[k]); lt == nil {
			e.lost = true
			fs = append(fs, fault{"fidelity", "fidelity (a)", x.tname(u),
				fmt.Sprintf("a session of %s started with role %s, which %s lacks", svc, roles[k], x.protoName(svc, ver))})
		} else if lt.States[0].Kind == model.LEnd {
			e.done = true
		}
		in.ends = append(in.ends, e)
		desc = append(desc, fmt.Sprintf("%s: %s under %s", roles[k], x.tname(u), x.protoName(svc, ver)))
	}
	sort.Slice(in.ends, func(i, j int) bool { return in.ends[i].role < in.ends[j].role })
	n.insts = append(n.insts, in)
	for k, u := range threads {
		x.ret(n.threads[u], value{k: vEnd, inst: idx, role: roles[k]})
	}
	for _, u := range threads {
		fs = append(fs, x.runLocal(n, u)...)
	}
	return succ{label: fmt.Sprintf("%s: session %s#%d starts (%s)", x.tname(t), svc, idx, strings.Join(desc, ", ")), next: n, faults: fs, who: threads}
}

// performPoint: thread t goes on past the update point it is stopped at.
func (x *checker) performPoint(c *config, t int) []fault {
	th := c.threads[t]
	th.barrier = false
	if th.pt == pUpdate {
		x.ret(th, unitV)
		return x.runLocal(c, t)
	}
	if f := x.doCall(c, t, th.expr.(*syntax.Call), th.vals); f != nil {
		return []fault{*f}
	}
	return x.runLocal(c, t)
}

func (x *checker) pointName(th *thread) string {
	if th.pt == pUpdate {
		return fmt.Sprintf("update point in %s", th.fun)
	}
	return fmt.Sprintf("call %s in %s", th.expr.(*syntax.Call).Fun.Name, th.fun)
}

// ---------------------------------------------------------------------------
// Successors

type expansion struct {
	succs    []succ
	heldBack []int // threads whose send/select the capacity holds back
}

func (x *checker) expand(c *config) expansion {
	var ex expansion
	if x.upd != nil && !c.introduced && x.atMode == "step" && c.steps == x.atK {
		if anyRunning(c) {
			n := c.clone()
			fs := x.introduce(n)
			ex.succs = append(ex.succs, succ{label: "-: update " + x.upd.Name + " is introduced", next: n, faults: fs, who: []int{}})
		}
		return ex
	}
	for t := range c.threads {
		first := len(ex.succs)
		x.expandThread(c, t, &ex)
		for i := first; i < len(ex.succs); i++ {
			if ex.succs[i].who == nil {
				ex.succs[i].who = []int{t}
			}
		}
	}
	if x.upd != nil && c.introduced && x.strategy == "stop-the-world" && x.releasable(c) {
		n := c.clone()
		var fs []fault
		var who []string
		for t, th := range n.threads {
			if th.part && th.hv == 0 && th.status == tRun {
				x.apply(n, t)
				who = append(who, x.tname(t))
				if th.barrier {
					fs = append(fs, x.performPoint(n, t)...)
				}
			}
		}
		ex.succs = append(ex.succs, succ{label: "-: barrier released, " + strings.Join(who, ", ") + " apply " + x.upd.Name, next: n, faults: fs, who: []int{}, applies: true})
	}
	if x.upd != nil && !c.introduced && x.atMode == "any" && anyRunning(c) {
		n := c.clone()
		fs := x.introduce(n)
		ex.succs = append(ex.succs, succ{label: "-: update " + x.upd.Name + " is introduced", next: n, faults: fs, who: []int{}})
	}
	for _, s := range ex.succs {
		if x.atMode == "step" && !s.next.introduced {
			s.next.steps++
		}
		x.canon(s.next)
	}
	return ex
}

// expandThread adds the steps of thread t to ex.
func (x *checker) expandThread(c *config, t int, ex *expansion) {
	th := c.threads[t]
	if th.status != tRun || th.barrier {
		return
	}
	if th.spin {
		ex.succs = append(ex.succs, succ{label: x.tname(t) + ": computes (a local loop)", next: c.clone(), faults: nil})
		return
	}
	switch th.pt {
	case pSend, pSelect:
		if c.queueLen() >= x.bound {
			ex.heldBack = append(ex.heldBack, t)
			return
		}
		ex.succs = append(ex.succs, x.send(c, t))
	case pRecv, pCase:
		if s, ok := x.receive(c, t); ok {
			ex.succs = append(ex.succs, s)
		}
	case pChoose:
		for i, o := range th.expr.(*syntax.Choose).Options {
			n := c.clone()
			nth := n.threads[t]
			x.eval(nth, o, nth.env)
			ex.succs = append(ex.succs, succ{label: fmt.Sprintf("%s: choose option %d", x.tname(t), i+1), next: n, faults: x.runLocal(n, t)})
		}
	case pRequest:
		ex.succs = append(ex.succs, x.starts(c, t)...)
	case pAccept:
		// sessions start from the requester's side
	case pCall, pUpdate:
		d := x.decide(c, t)
		if d == dPass || d == dEither {
			n := c.clone()
			ex.succs = append(ex.succs, succ{label: fmt.Sprintf("%s: passes %s", x.tname(t), x.pointName(th)), next: n, faults: x.performPoint(n, t)})
		}
		if d == dApply || d == dEither {
			n := c.clone()
			x.apply(n, t)
			ex.succs = append(ex.succs, succ{label: fmt.Sprintf("%s: applies update %s at %s", x.tname(t), x.upd.Name, x.pointName(th)), next: n, faults: x.performPoint(n, t), applies: true})
		}
		if d == dBlock {
			n := c.clone()
			n.threads[t].barrier = true
			ex.succs = append(ex.succs, succ{label: fmt.Sprintf("%s: waits at the barrier (%s)", x.tname(t), x.pointName(th)), next: n, faults: nil})
		}
	}
}

func anyRunning(c *config) bool {
	for _, th := range c.threads {
		if th.status == tRun {
			return true
		}
	}
	return false
}

// releasable: some participant waits at the barrier, and every participant
// that has not applied waits there or has stopped.
func (x *checker) releasable(c *config) bool {
	waiting := false
	for _, th := range c.threads {
		if !th.part || th.hv == 1 || th.status != tRun {
			continue
		}
		if !th.barrier {
			return false
		}
		waiting = true
	}
	return waiting
}

// capacityOnly: in a configuration with no enabled step, every stuck thread
// is held back by the capacity or could be released by a held-back send
// (docs/language.md §5). Computed as a fixpoint over "released" threads, starting from
// the held-back ones:
//   - a thread waiting on receive/case from q on instance i, as role r, is
//     released if the holder of (i, q) is released and its remaining code
//     may still send or select to r on an endpoint of i's service as q
//     (mayDo, with model.CommChannels), and the endpoint (i, q) is in
//     use (inUse: a running thread's environment, pending values or
//     continuation holds it, or a queued message does);
//   - a thread waiting at accept(s, b) is released if some released
//     thread's remaining code may still request s with b among the
//     partners; one waiting at a request of s is released if, for each
//     partner role, some thread waits at its accept or a released thread's
//     remaining code may still accept as it;
//   - a thread waiting at the barrier is released if every participant that
//     has not applied, is running and is not at the barrier is released.
func (x *checker) capacityOnly(c *config, held []int) bool {
	if len(held) == 0 {
		return false
	}
	ok := map[int]bool{}
	for _, t := range held {
		ok[t] = true
	}
	does := map[int]map[string]bool{}
	may := func(t int, what string) bool {
		if does[t] == nil {
			does[t] = x.mayDo(c, t, false)
		}
		return does[t][what]
	}
	for changed := true; changed; {
		changed = false
		for t, th := range c.threads {
			if th.status != tRun || ok[t] || th.ctl != cAt {
				continue
			}
			switch {
			case th.barrier:
				all := true
				for u, o := range c.threads {
					if o.part && o.hv == 0 && o.status == tRun && !o.barrier && !ok[u] {
						all = false
					}
				}
				ok[t] = all
			case (th.pt == pRecv || th.pt == pCase) && th.vals[0].k == vEnd:
				var from string
				if r, isR := th.expr.(*syntax.Receive); isR {
					from = r.From.Name
				} else {
					from = th.expr.(*syntax.Case).From.Name
				}
				ch := th.vals[0]
				if ch.inst < len(c.insts) {
					in := c.insts[ch.inst]
					if i := in.end(from); i >= 0 {
						h := in.ends[i].holder
						sends := may(h, "send * "+ch.role) || may(h, "send "+in.svc+"."+from+" "+ch.role)
						ok[t] = ok[h] && sends && inUse(c, ch.inst, from)
					}
				}
			case th.pt == pAccept:
				a := th.expr.(*syntax.Accept)
				for u := range c.threads {
					ok[t] = ok[t] || (ok[u] && may(u, "request "+a.Service.Name+" "+a.Role.Name))
				}
			case th.pt == pRequest:
				r := th.expr.(*syntax.Request)
				all := true
				for _, p := range r.Roles {
					if p.Name == r.Role.Name {
						continue
					}
					found := false
					for u, o := range c.threads {
						if o.status == tRun && o.ctl == cAt && o.pt == pAccept {
							if a := o.expr.(*syntax.Accept); a.Service.Name == r.Service.Name && a.Role.Name == p.Name {
								found = true
							}
						}
						found = found || (ok[u] && may(u, "accept "+r.Service.Name+" "+p.Name))
					}
					all = all && found
				}
				ok[t] = all
			}
			changed = changed || ok[t]
		}
	}
	for t, th := range c.threads {
		if th.status == tRun && !ok[t] {
			return false
		}
	}
	return true
}

// mayDo is what thread t's remaining code may still do, syntactically: for
// every send or select in the expression it stands at, in its continuation
// frames and in every function body they may call (transitively), "send R"
// for each receiver R; for every request or accept, "join S" for its
// service. The bodies are those of either heap version with both (who
// takes part in the update is decided so), else of the versions the thread
// may still run: its own, and the new one if it has not applied and may
// still (the update may come, or it came and the thread takes part).
func (x *checker) mayDo(c *config, t int, both bool) map[string]bool {
	th := c.threads[t]
	ti := x.threads[t]
	lo, hi := 0, len(ti.heap)-1
	if !both {
		lo, hi = th.hv, th.hv
		if th.hv == 0 && x.upd != nil && (c.introduced && th.part || !c.introduced && x.atMode != "never") {
			hi = 1
		}
	}
	out := map[string]bool{}
	called := map[string]bool{}
	var todo []syntax.Expr
	if th.expr != nil {
		todo = append(todo, th.expr)
	}
	for _, k := range th.kont {
		if k.node != nil {
			todo = append(todo, k.node)
		}
	}
	for len(todo) > 0 {
		e := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		walk(e, func(e syntax.Expr) {
			switch e := e.(type) {
			case *syntax.Send:
				x.mayOn(out, e, e.To)
			case *syntax.Select:
				x.mayOn(out, e, e.To)
			case *syntax.Request:
				out["join "+e.Service.Name] = true
				for _, r := range e.Roles {
					if r.Name != e.Role.Name {
						out["request "+e.Service.Name+" "+r.Name] = true
					}
				}
			case *syntax.Accept:
				out["join "+e.Service.Name] = true
				out["accept "+e.Service.Name+" "+e.Role.Name] = true
			case *syntax.Call:
				if !called[e.Fun.Name] {
					called[e.Fun.Name] = true
					for v := lo; v <= hi; v++ {
						if f := ti.heap[v][e.Fun.Name]; f != nil {
							todo = append(todo, f.Body)
						}
					}
				}
			}
		})
	}
	return out
}

// inUse: endpoint (inst, role) may still be acted on. Environments are
// kept restricted to the free variables of what remains to evaluate, so a
// value in one is one the thread may still use.
func inUse(c *config, inst int, role string) bool {
	is := func(v value) bool { return v.k == vEnd && v.inst == inst && v.role == role }
	in := func(vs []value) bool { return slices.ContainsFunc(vs, is) }
	inEnv := func(e env) bool {
		return slices.ContainsFunc(e, func(b binding) bool { return is(b.v) })
	}
	for _, th := range c.threads {
		if th.status != tRun {
			continue
		}
		if inEnv(th.env) || in(th.vals) || (th.ctl == cRet && is(th.val)) {
			return true
		}
		for _, k := range th.kont {
			if inEnv(k.env) || in(k.vals) {
				return true
			}
		}
	}
	for _, q := range c.queue {
		for _, m := range q {
			if !m.isLabel && is(m.v) {
				return true
			}
		}
	}
	return false
}

// mayOn records that a send or select e to roles to may happen, on what
// its channel may be: "send SVC.ROLE R" for an endpoint of service SVC as
// ROLE, "send * R" where the channel may be any endpoint.
func (x *checker) mayOn(out map[string]bool, e syntax.Expr, to []syntax.Ident) {
	cs, ok := x.chans[e]
	for _, r := range to {
		if !ok || cs.Any {
			out["send * "+r.Name] = true
		}
		for p := range cs.Pairs {
			out["send "+p.Service+"."+p.Role+" "+r.Name] = true
		}
	}
}

// terminal: the violations of a configuration with no enabled step.
func (x *checker) terminal(c *config, held []int) (faults []fault, capacity bool) {
	if x.capacityOnly(c, held) {
		return nil, true
	}
	var stuck []string
	for t, th := range c.threads {
		if th.status == tRun {
			stuck = append(stuck, x.tname(t))
		}
	}
	if len(stuck) > 0 {
		faults = append(faults, fault{"progress", "progress (deadlock)", stuck[0], "no step is enabled; not finished: " + strings.Join(stuck, ", ")})
	}
	if c.introduced {
		var missing []string
		for t, th := range c.threads {
			if th.part && th.hv == 0 && th.status == tRun {
				missing = append(missing, x.tname(t))
			}
		}
		if len(missing) > 0 {
			faults = append(faults, fault{"update-completion", "update-completion", missing[0], "no step is enabled; not applied by " + strings.Join(missing, ", ")})
		}
	}
	if c.queueLen() > 0 {
		var left []string
		for _, k := range c.sortedKeys() {
			for _, m := range c.queue[k] {
				left = append(left, fmt.Sprintf("#%d %s->%s %s", k.inst, k.from, k.to, m))
			}
		}
		faults = append(faults, fault{"linearity", "linearity (orphan messages)", "", "no step is enabled; left in the queue: " + strings.Join(left, ", ")})
	}
	return faults, false
}

// ---------------------------------------------------------------------------
// Breadth-first exploration

type node struct {
	parent int
	label  string
}

func (x *checker) enabled(fs []fault) []fault {
	var out []fault
	for _, f := range fs {
		if !x.skip[f.prop] {
			out = append(out, f)
		}
	}
	return out
}

func (x *checker) trace(nodes []node, i int, last string) []string {
	var out []string
	for ; i > 0; i = nodes[i].parent {
		out = append(out, nodes[i].label)
	}
	slices.Reverse(out)
	if last != "" {
		out = append(out, last)
	}
	return out
}

// initial is the initial configuration, with the faults of its local
// evaluation.
func (x *checker) initial() (*config, []fault) {
	init := &config{queue: map[qkey][]msg{}}
	for range x.threads {
		init.threads = append(init.threads, &thread{})
	}
	var faults []fault
	for t, ti := range x.threads {
		th := init.threads[t]
		th.fun = "main"
		x.eval(th, ti.main, nil)
		faults = append(faults, x.runLocal(init, t)...)
	}
	x.canon(init)
	return init, faults
}

func (x *checker) explore(maxStates int) (*Result, error) {
	res := &Result{Verdict: "ok", Depth: -1}
	type found struct {
		faults []fault
		trace  []string
	}
	var viol []found
	finish := func(depth int) *Result {
		res.Verdict, res.Depth = "violation", depth
		props, rules := map[string]bool{}, map[string]bool{}
		for _, v := range viol {
			for _, f := range v.faults {
				props[f.prop], rules[f.rule] = true, true
			}
		}
		for p := range props {
			res.Properties = append(res.Properties, p)
		}
		for r := range rules {
			res.Rules = append(res.Rules, r)
		}
		sort.Strings(res.Properties)
		sort.Strings(res.Rules)
		res.Trace = viol[0].trace
		for _, f := range viol[0].faults {
			res.Trace = append(res.Trace, fmt.Sprintf("   => %s: %s [%s]", f.rule, f.msg, f.thread))
		}
		return res
	}

	init, initFaults := x.initial()
	nodes := []node{{parent: -1}}
	visited := map[string]int{x.key(init): 0}
	res.States = 1
	if fs := x.enabled(initFaults); len(fs) > 0 {
		viol = append(viol, found{fs, nil})
	}

	// checkTerminal records the terminal violations of configuration i.
	checkTerminal := func(c *config, i int, ex expansion) {
		if len(ex.succs) > 0 {
			return
		}
		fs, capacity := x.terminal(c, ex.heldBack)
		if capacity {
			res.CapacityReached = true
		}
		if fs = x.enabled(fs); len(fs) > 0 {
			viol = append(viol, found{fs, x.trace(nodes, i, "")})
		}
	}

	type item struct {
		c *config
		i int
	}
	level := []item{{init, 0}}
	for depth := 0; len(level) > 0; depth++ {
		var next []item
		var stepViol []found
		for _, it := range level {
			ex := x.expand(it.c)
			checkTerminal(it.c, it.i, ex)
			for _, s := range ex.succs {
				k := x.key(s.next)
				if fs := x.enabled(s.faults); len(fs) > 0 {
					stepViol = append(stepViol, found{fs, x.trace(nodes, it.i, s.label)})
					if _, seen := visited[k]; !seen {
						// Its terminal violations tie with the fault.
						nodes = append(nodes, node{parent: it.i, label: s.label})
						visited[k] = len(nodes) - 1
						next = append(next, item{s.next, len(nodes) - 1})
					}
					continue
				}
				if _, seen := visited[k]; seen {
					continue
				}
				nodes = append(nodes, node{parent: it.i, label: s.label})
				visited[k] = len(nodes) - 1
				next = append(next, item{s.next, len(nodes) - 1})
				if len(visited) > maxStates {
					return nil, ErrTooBig
				}
			}
		}
		res.States = len(visited)
		if len(viol) > 0 {
			return finish(depth), nil
		}
		if len(stepViol) > 0 {
			viol = stepViol
			for _, it := range next {
				checkTerminal(it.c, it.i, x.expand(it.c))
			}
			return finish(depth + 1), nil
		}
		level = next
	}
	return res, nil
}
