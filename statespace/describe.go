package statespace

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/model/syntax"
)

// Descriptions of actions, queues and configurations, for traces and
// reports. They are built only when a trace is printed, never while
// exploring.

func (p *Program) actorName(a Action) string {
	if a.Thread < 0 {
		return "-"
	}
	return p.Threads[a.Thread].Name
}

// DescribeAction says what step s from configuration c does, in the model's
// terms, with the source position of the instruction performed.
func (p *Program) DescribeAction(c *Config, s *Succ) string {
	if where := p.describeWhere(s.Action); where != "" {
		return p.describeWhat(c, s) + "  [" + where + "]"
	}
	return p.describeWhat(c, s)
}

// describeWhere is the instruction a step performed and its place, e.g.
// "send in old f, m.dsu:3:14"; "" for steps of no thread.
func (p *Program) describeWhere(a Action) string {
	if a.Code >= 0 && int(a.Code) < len(p.Codes) {
		code := p.Codes[a.Code]
		if int(a.PC) < len(code.Instrs) {
			in := code.Instrs[a.PC]
			return fmt.Sprintf("%s in %s, %s", shortSource(in.Node), p.codeDesc(code), p.where(in.Node))
		}
	}
	return ""
}

// describeWhat says what step s from c does, without its place.
func (p *Program) describeWhat(c *Config, s *Succ) string {
	a := s.Action
	ep := func() string {
		if f := s.Fault; f != nil && f.Thread == a.Thread {
			switch f.Kind {
			case FaultNotEndpoint:
				// No session is involved: say what was used instead.
				return fmt.Sprintf("%s %s (not an endpoint)", f.Value.TypeName(), f.Value)
			case FaultNotHolder:
				return p.EndpointName(f.End)
			case FaultEnded:
				return "an endpoint of an ended session"
			}
		}
		return fmt.Sprintf("%s#%d.%s", p.instService(c, s, a.Inst), a.Inst, p.Roles[a.Role])
	}
	if f := s.Fault; f != nil && f.Thread == a.Thread && (f.Kind == FaultNotHolder || f.Kind == FaultEnded) {
		// The thread stops instead of acting (docs/language.md §5).
		return fmt.Sprintf("%s — not done: %s, and %s stops", p.describeAct(c, s, ep), stopReason(p, f), p.Threads[a.Thread].Name)
	}
	return p.describeAct(c, s, ep)
}

// stopReason says why a thread could not act on an endpoint.
func stopReason(p *Program, f *Fault) string {
	if f.Kind == FaultNotHolder {
		return "the endpoint is " + p.Threads[f.Holder].Name + "'s"
	}
	return "its session has ended"
}

// describeAct is describeWhat's sentence for the action itself, with ep
// naming the endpoint acted on.
func (p *Program) describeAct(c *Config, s *Succ, ep func() string) string {
	a := s.Action
	switch a.Kind {
	case ActSend:
		return fmt.Sprintf("%s sends %s to %s", ep(), a.Val, joinNames(p.roleNames(a.Peers)))
	case ActSelect:
		return fmt.Sprintf("%s selects %s to %s", ep(), p.Labels[a.Label], joinNames(p.roleNames(a.Peers)))
	case ActRecv:
		if a.Label >= 0 {
			return fmt.Sprintf("%s receives the label %s from %s", ep(), p.Labels[a.Label], p.Roles[a.Peers[0]])
		}
		return fmt.Sprintf("%s receives %s from %s", ep(), a.Val, p.Roles[a.Peers[0]])
	case ActCase:
		if a.Label < 0 {
			return fmt.Sprintf("%s receives the value %s from %s in a case", ep(), a.Val, p.Roles[a.Peers[0]])
		}
		return fmt.Sprintf("%s receives the label %s from %s", ep(), p.Labels[a.Label], p.Roles[a.Peers[0]])
	case ActChoose:
		return p.chooses(a)
	case ActStart:
		roles := p.startRoles(s, a)
		if roles == nil {
			roles = p.startRolesGone(c, a)
		}
		return fmt.Sprintf("session %s#%d starts (%s)", p.instService(c, s, a.Inst), a.Inst, strings.Join(roles, ", "))
	case ActPass:
		return "passes an update point without applying"
	case ActApply:
		return fmt.Sprintf("applies update %s", p.Update.Name)
	case ActBlock:
		return "waits at the stop-the-world barrier"
	case ActRelease:
		// The running participants: one that has stopped is done with the
		// update and is not waited for (canonThread).
		var names []string
		for _, t := range a.Threads {
			names = append(names, p.Threads[t].Name)
		}
		if len(names) == 1 {
			return fmt.Sprintf("barrier released: %s applies update %s", names[0], p.Update.Name)
		}
		return fmt.Sprintf("barrier released: %s apply update %s together", strings.Join(names, ", "), p.Update.Name)
	case ActIntroduce:
		return fmt.Sprintf("update %s is introduced%s", p.Update.Name, p.describeN(s.Next))
	case ActSpin:
		return "computes on in a loop without a visible step"
	case ActFault:
		if s.Fault != nil && s.Fault.Doing.Op != 0 {
			return "attempts: " + p.DescribeDoing(s.Fault.Doing)
		}
		return "fails"
	}
	return "?"
}

func shortSource(n syntax.Node) string {
	switch n := n.(type) {
	case *syntax.Send:
		return "send"
	case *syntax.Receive:
		return "receive"
	case *syntax.Select:
		return "select " + n.Label.Name
	case *syntax.Case:
		return "case"
	case *syntax.Request:
		return "request"
	case *syntax.Accept:
		return "accept"
	case *syntax.Call:
		return "call " + n.Fun.Name
	case *syntax.UpdatePoint:
		return "update"
	case *syntax.Choose:
		return "choose"
	}
	return "step"
}

func (p *Program) codeDesc(c *Code) string {
	if c.Fun == "main" {
		return "main"
	}
	if p.Update != nil && p.Update.Bodies[p.Threads[c.Thread].Name][c.Fun] != nil {
		if c.Version == 0 {
			return "old " + c.Fun
		}
		return "new " + c.Fun
	}
	return c.Fun
}

// instService finds the service of the instance with the given serial, in
// the configuration after the step (the instance may be new).
func (p *Program) instService(c *Config, s *Succ, serial int) string {
	for _, cfg := range []*Config{c, s.Next} {
		for _, in := range cfg.Insts {
			if in.Serial == serial {
				return p.Services[in.Service].Name
			}
		}
	}
	if svc, _, ok := p.startOf(c, s.Action); ok && s.Action.Kind == ActStart && s.Action.Inst == serial {
		return p.Services[svc].Name
	}
	return "?"
}

func (p *Program) startRoles(s *Succ, a Action) []string {
	var out []string
	for _, in := range s.Next.Insts {
		if in.Serial != a.Inst {
			continue
		}
		for _, i := range p.Ordered(in) {
			e := &in.Ends[i]
			out = append(out, fmt.Sprintf("%s: %s under %s", p.Roles[e.Role], p.Threads[e.Holder].Name, p.protoName(in.Service, e.Ver)))
		}
	}
	return out
}

// startOf is what session start a, from c, started when its instance is
// gone from the configuration after it (every role's thread finished or
// failed in that step, and the session was forgotten): the service and,
// role by role, its threads as the request paired them (a.Threads[k]
// takes roles[k]). Found by a tester: such a start read "session ?#1
// starts ()".
func (p *Program) startOf(c *Config, a Action) (svc int, roles []int, ok bool) {
	if a.Kind != ActStart || a.Code < 0 || int(a.Code) >= len(p.Codes) || int(a.PC) >= len(p.Codes[a.Code].Instrs) {
		return 0, nil, false
	}
	req := &p.Codes[a.Code].Instrs[a.PC]
	if req.Op != IRequest {
		return 0, nil, false
	}
	roles = p.otherRoles([]int{int(req.C)}, req)
	if len(roles) != len(a.Threads) {
		return 0, nil, false
	}
	return int(req.A), roles, true
}

// startRolesGone is startRoles for a start whose instance is gone (startOf):
// each role's thread and the protocol it started under, in the protocol's
// order of roles.
func (p *Program) startRolesGone(c *Config, a Action) []string {
	svc, roles, ok := p.startOf(c, a)
	if !ok || c == nil {
		return nil
	}
	order := make([]int, len(roles))
	for k := range order {
		order[k] = k
	}
	rank := p.Services[svc].rank
	slices.SortFunc(order, func(i, j int) int { return rank[roles[i]] - rank[roles[j]] })
	var out []string
	for _, k := range order {
		t := a.Threads[k]
		out = append(out, fmt.Sprintf("%s: %s under %s", p.Roles[roles[k]], p.Threads[t].Name, p.protoName(svc, p.ProtoVersion(svc, c.Threads[t].HeapVer))))
	}
	return out
}

// DescribeUpdate says where the update stands in c: not introduced, or
// introduced, with the update run numbers and the participants yet to
// apply; "" without an update.
func (p *Program) DescribeUpdate(c *Config) string {
	if p.Update == nil {
		return ""
	}
	d := "update " + p.Update.Name + ": " + p.updateState(c)
	if !c.Upd.Introduced {
		return d
	}
	if names := p.unapplied(c); len(names) > 0 {
		return d + "; to apply: " + strings.Join(names, ", ")
	}
	return d + "; every participant has applied or finished"
}

// updateState is "not introduced", or "introduced" with the update run
// numbers.
func (p *Program) updateState(c *Config) string {
	if !c.Upd.Introduced {
		return "not introduced"
	}
	return "introduced" + p.describeN(c)
}

// unapplied names the running participants of c that have not applied, in
// thread order.
func (p *Program) unapplied(c *Config) []string {
	var names []string
	for t, th := range c.Threads {
		if th.Participant && th.HeapVer == 0 && th.Status == Running {
			names = append(names, p.Threads[t].Name)
		}
	}
	return names
}

func (p *Program) describeN(c *Config) string {
	var parts []string
	for _, in := range instsShown(c) {
		switch {
		case in.N == NoRunNumber:
		case in.N == 0:
			// Every live role has completed run n, and the canonical form
			// keeps no more of n than that (normaliseRuns), so n is not
			// shown (found by a tester: step showed n growing with the runs
			// of a role that had not applied).
			parts = append(parts, fmt.Sprintf("%s#%d: run n completed by every role", p.Services[in.Service].Name, in.Serial))
		default:
			parts = append(parts, fmt.Sprintf("%s#%d: n = %d", p.Services[in.Service].Name, in.Serial, in.RunBase+in.N))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// DescribeQueue lists the queued messages, per (instance, from, to).
// queueShown is c's queue in the order reports show it: of the sessions'
// creation, then of the roles. The queue's own order follows the canonical
// order of sessions (config.go), which traces do not show (found by a
// tester: a report of the same orphans listed in another order did not
// replay; and the page listed them in the canonical order).
func queueShown(c *Config) []*Channel {
	order := make([]*Channel, len(c.Queue))
	copy(order, c.Queue)
	serial := func(ch *Channel) int {
		if int(ch.Inst) < len(c.Insts) {
			return c.Insts[ch.Inst].Serial
		}
		return -1
	}
	slices.SortStableFunc(order, func(a, b *Channel) int { return serial(a) - serial(b) })
	return order
}

// instsShown is c's live sessions in the order reports show them: of
// their creation, as the queue (found by a tester: the final
// configuration listed them in the canonical order, the queue in this).
func instsShown(c *Config) []*Instance {
	order := slices.Clone(c.Insts)
	slices.SortStableFunc(order, func(a, b *Instance) int { return a.Serial - b.Serial })
	return order
}

func (p *Program) DescribeQueue(c *Config) string {
	if len(c.Queue) == 0 {
		return "[]"
	}
	var parts []string
	for _, ch := range queueShown(c) {
		var ms []string
		for _, m := range ch.Msgs {
			if m.Label >= 0 {
				ms = append(ms, p.Labels[m.Label])
			} else {
				ms = append(ms, m.Val.String())
			}
		}
		name := "?"
		if int(ch.Inst) < len(c.Insts) {
			in := c.Insts[ch.Inst]
			name = fmt.Sprintf("%s#%d", p.Services[in.Service].Name, in.Serial)
		}
		parts = append(parts, fmt.Sprintf("%s %s->%s: %s", name, p.Roles[ch.From], p.Roles[ch.To], strings.Join(ms, " ")))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// Describe is a readable summary of a configuration of s's searches: each
// thread's status and where it is, each endpoint's protocol and run (where
// the search counts runs), and the queue.
func (s *Semantics) Describe(c *Config) string { return s.P.describe(c, s.canon().noRuns) }

// Describe is Semantics.Describe for a search that counts runs (where the
// update may be introduced), for the tests.
func (p *Program) Describe(c *Config) string { return p.describe(c, false) }

// describe is Describe; noRuns, that the search counts no runs
// (--update-at never: canonOpts), so no endpoint shows one.
func (p *Program) describe(c *Config, noRuns bool) string {
	var b strings.Builder
	for t, th := range c.Threads {
		fmt.Fprintf(&b, "%s: %s", p.Threads[t].Name, p.threadStatus(c, th))
		if th.HeapVer == 1 {
			b.WriteString(", applied")
		}
		b.WriteString("\n")
	}
	for _, in := range instsShown(c) {
		for _, i := range p.Ordered(in) {
			e := in.Ends[i]
			lt := p.Services[in.Service].Monitors[e.Ver][e.Role]
			var state string
			switch {
			case e.Untracked:
				state = "not followed any more (after a fault)"
			case lt == nil:
				state = "nothing: " + p.protoName(in.Service, e.Ver) + " has no role " + p.Roles[e.Role]
			default:
				state = p.describeState(&lt.States[e.State])
			}
			run := "" // only runs of a service the update moves count
			if n, atLeast, counted := p.runOf(in, e, noRuns); counted {
				run = fmt.Sprintf(", run %d", n)
				if atLeast {
					run += " or later"
				}
			}
			holder := p.Threads[e.Holder].Name
			// (found by a tester: "next: send" read as if the holder could
			// still send)
			if note := holderNote(c, int(e.Holder)); note != "" {
				holder += ", " + note
			}
			proto := p.protoName(in.Service, e.Ver)
			if e.NextVer != e.Ver {
				// As the HTML page's table says it (a tester: only the
				// page said it).
				proto += " (next run: " + p.protoName(in.Service, e.NextVer) + ")"
			}
			fmt.Fprintf(&b, "%s#%d.%s (held by %s): %s%s, next: %s\n", p.Services[in.Service].Name, in.Serial, p.Roles[e.Role],
				holder, proto, run, state)
		}
	}
	fmt.Fprintf(&b, "queue: %s", p.DescribeQueue(c))
	return b.String()
}

// DescribeThread says where thread t of c is and what it waits for.
func (p *Program) DescribeThread(c *Config, t int) string {
	return p.threadStatus(c, c.Threads[t])
}

// waitsOn names the endpoint a thread stopped at a communication acts on,
// as " on s#1.p2" ("" if none, or with no configuration): a thread holding several endpoints of one
// protocol would otherwise read the same at each (found by a tester: a
// server deadlocked on one of two sessions).
func (p *Program) waitsOn(c *Config, th *Thread) string {
	if c == nil || th.Status != Running || len(th.Frames) == 0 {
		return ""
	}
	f := th.Frames[len(th.Frames)-1]
	depth := 1 // the endpoint's place from the top of the operand stack
	switch p.Codes[f.Code].Instrs[f.PC].Op {
	case IRecv, ICase, ISelect:
	case ISend:
		depth = 2 // the endpoint, then the value
	default:
		return ""
	}
	if len(f.Stack) < depth {
		return ""
	}
	v := f.Stack[len(f.Stack)-depth]
	if v.K != VEndpoint {
		return ""
	}
	inst, role := v.Endpoint()
	if inst < 0 || inst >= len(c.Insts) {
		return ""
	}
	return " on " + p.EndpointName(endRef(c.Insts[inst], role))
}

func (p *Program) threadStatus(c *Config, th *Thread) string {
	switch th.Status {
	case Done:
		return "finished"
	case Crashed:
		// A runtime error, or a step on an endpoint it cannot act on (not
		// its own, or of an ended session), which it does not take.
		return "stopped by a fault (a runtime error or a misused endpoint)"
	}
	f := th.Frames[len(th.Frames)-1]
	code := p.Codes[f.Code]
	in := code.Instrs[f.PC]
	s := fmt.Sprintf("at %s%s in %s (%s)", shortSource(in.Node), p.waitsOn(c, th), p.codeDesc(code), p.where(in.Node))
	if th.Barrier {
		s += ", waiting at the barrier"
	}
	return s
}

// DescribeDoing says what an attempted action was, e.g. "send 1 <int> to
// p2" or "case (receive a label) from p1".
func (p *Program) DescribeDoing(d Doing) string {
	switch d.Op {
	case ActSend:
		return fmt.Sprintf("send %s <%s> to %s", d.Val, d.Val.TypeName(), JoinNames(p.RoleNames(d.Peers)))
	case ActSelect:
		return fmt.Sprintf("select %s to %s", p.Labels[d.Label], JoinNames(p.RoleNames(d.Peers)))
	case ActRecv:
		// (a value: found by a tester, "receive from a" against a label
		// expected read as no difference)
		return "receive (a value) from " + p.Roles[d.Peers[0]]
	case ActCase:
		return "case (receive a label) from " + p.Roles[d.Peers[0]]
	}
	return "?"
}

// DoingName is the name of an attempted action: send, select, receive or
// case.
func DoingName(d Doing) string {
	switch d.Op {
	case ActSend:
		return "send"
	case ActSelect:
		return "select"
	case ActRecv:
		return "receive"
	case ActCase:
		return "case"
	}
	return "?"
}

// EndpointName names an endpoint as traces do, e.g. "s#1.p2".
func (p *Program) EndpointName(e EndRef) string {
	return fmt.Sprintf("%s#%d.%s", p.Services[e.Service].Name, e.Serial, p.Roles[e.Role])
}

// ProtoName is the name of service svc's protocol in protocol version v.
func (p *Program) ProtoName(svc int, v uint8) string { return p.protoName(svc, v) }

// CodeName says which code a code object is: "main", "f" (a function the
// update leaves alone, or with no update), "old body of f" or "new body of
// f".
func (p *Program) CodeName(code int32) string {
	c := p.Codes[code]
	if c.Fun == "main" {
		return "main"
	}
	// Both heap versions have a body of every function: the same one
	// unless the update gives the thread a new one.
	replaced := p.Update != nil && p.Update.Bodies[p.Threads[c.Thread].Name][c.Fun] != nil
	switch {
	case !replaced:
		return c.Fun
	case c.Version == 0:
		return "old body of " + c.Fun
	}
	return "new body of " + c.Fun
}

// DescribeState says what a local-type state expects next.
func (p *Program) DescribeState(st *model.LState) string { return p.describeState(st) }

// BranchLabels lists the labels of a choice state, comma-separated.
func BranchLabels(st *model.LState) string { return branchLabels(st) }

// JoinNames joins names with commas, in braces when there are several.
func JoinNames(ns []string) string { return joinNames(ns) }

// RoleNames maps role ids to their names.
func (p *Program) RoleNames(ids []int) []string { return p.roleNames(ids) }

// actionNames name the kinds of steps in structured traces.
var actionNames = [...]string{ActSend: "send", ActRecv: "receive", ActSelect: "select", ActCase: "case",
	ActChoose: "choose", ActStart: "start", ActPass: "pass", ActApply: "apply", ActBlock: "block",
	ActRelease: "release", ActIntroduce: "introduce", ActFault: "fault", ActSpin: "spin"}

// IsStepKind reports whether k names a kind of step in structured traces.
func IsStepKind(k string) bool {
	for _, n := range actionNames {
		if n != "" && n == k {
			return true
		}
	}
	return false
}

// TraceStepOf describes step number n, s from configuration c, as data.
func (p *Program) TraceStepOf(n int, c *Config, s *Succ) TraceStep {
	a := s.Action
	st := TraceStep{Step: n, Thread: p.actorName(a), Kind: actionNames[a.Kind],
		What: p.describeWhat(c, s), Where: p.describeWhere(a), Queue: p.DescribeQueue(s.Next)}
	st.Action = st.What
	if st.Where != "" {
		st.Action += "  [" + st.Where + "]"
	}
	switch a.Kind {
	case ActSend, ActSelect, ActRecv, ActCase:
		switch f := s.Fault; {
		case f != nil && f.Thread == a.Thread && f.Kind == FaultNotHolder:
			st.Endpoint, st.NotDone = p.EndpointName(f.End), true
		case f != nil && f.Thread == a.Thread && (f.Kind == FaultNotEndpoint || f.Kind == FaultEnded):
			// no session's endpoint was acted on
			st.NotDone = true
		default:
			st.Endpoint = fmt.Sprintf("%s#%d.%s", p.instService(c, s, a.Inst), a.Inst, p.Roles[a.Role])
		}
		st.Peers = p.roleNames(a.Peers)
		if a.Label >= 0 {
			st.Label = p.Labels[a.Label]
		} else {
			st.Value = a.Val.String()
		}
	case ActFault:
		if a.Inst > 0 {
			// An attempt on an endpoint the thread holds (a receive its
			// local type does not allow, before any message): the
			// endpoint and the peer, as for the receive itself (found by
			// a tester: such a step had neither, and the report's note on
			// its session was lost).
			st.Endpoint = fmt.Sprintf("%s#%d.%s", p.instService(c, s, a.Inst), a.Inst, p.Roles[a.Role])
			st.Peers = p.roleNames(a.Peers)
		}
	case ActStart:
		st.Endpoint = fmt.Sprintf("%s#%d", p.instService(c, s, a.Inst), a.Inst)
		st.Holders = map[string]string{}
		for _, in := range s.Next.Insts {
			if in.Serial == a.Inst {
				for _, e := range in.Ends {
					st.Holders[p.Roles[e.Role]] = p.Threads[e.Holder].Name
				}
			}
		}
		if _, roles, ok := p.startOf(c, a); len(st.Holders) == 0 && ok {
			for k, r := range roles {
				st.Holders[p.Roles[r]] = p.Threads[a.Threads[k]].Name
			}
		}
	}
	return st
}

// chooses describes a choose step: the source of the option taken, when
// short enough to show, and its number: "chooses -1 (option 1 of 2)".
func (p *Program) chooses(a Action) string {
	if a.Code < 0 || int(a.Code) >= len(p.Codes) || int(a.PC) >= len(p.Codes[a.Code].Instrs) {
		return fmt.Sprintf("chooses option %d", a.Option+1)
	}
	ch, ok := p.Codes[a.Code].Instrs[a.PC].Node.(*syntax.Choose)
	if !ok || a.Option >= len(ch.Options) {
		return fmt.Sprintf("chooses option %d", a.Option+1)
	}
	// The option's text first, its number after (a tester read "chooses
	// option 1: 1" as a typo).
	if src := syntax.ArgString(ch.Options[a.Option]); len(src) <= 40 { // (as in the source: a tester saw "chooses 1; 2")
		return fmt.Sprintf("chooses %s (option %d of %d)", src, a.Option+1, len(ch.Options))
	}
	return fmt.Sprintf("chooses option %d of %d", a.Option+1, len(ch.Options))
}
