package statespace

import "encoding/binary"

// The update: its introduction, update points, applying, and the
// stop-the-world barrier (docs/language.md §3-§4).

// introduce is the step in which the update becomes known.
func (s *Semantics) introduce(c *Config) Succ {
	p := s.P
	n := c.clone()
	n.Upd.Introduced = true
	n.Upd.Countdown = -1
	for t, th := range n.Threads {
		if th.Status != Running {
			continue
		}
		// Participants: threads the update gives new bodies, threads holding
		// an endpoint of a moved service, and threads whose remaining code
		// may still open or join a session of a moved service (ReachOf:
		// what is reachable from where the thread stands, through calls in
		// either heap version; README, "Decisions").
		part := p.Threads[t].Named
		var reach *Reach
		for svc, si := range p.Services {
			if part || !si.Moved || !p.Threads[t].Joins[svc] {
				continue
			}
			if reach == nil {
				reach = s.reachOf(c, n, t)
			}
			part = reach.Sessions[svc]
		}
		for _, in := range n.Insts {
			if !p.Services[in.Service].Moved {
				continue
			}
			for _, e := range in.Ends {
				if int(e.Holder) == t && !e.Done {
					part = true
				}
			}
		}
		if part {
			s.participate(c, n, t)
		}
	}
	if m := s.memoFor(c); m != nil && setsRunNumbers(s.Strategy) {
		s.setRunNumbersMemo(m, c, n)
	} else {
		s.Strategy.Introduce(p, n)
	}
	// Normalisation reads whether the update was introduced: before, a
	// finished role's run count may still set n; after, it is forgotten
	// (normaliseRuns). An instance the introduction did not copy would keep
	// it until its next step, and two configurations would differ in it
	// alone (found by TestCanonicalFormRandom: more states than the
	// canonical images of the naive search's). Only such sessions are
	// copied: every configuration before the introduction has it as a
	// successor, and copying every session of a moved service took 1.05
	// of the time of BenchmarkCreationOrder (5 pairs, 1.00-1.08).
	for i, in := range n.Insts {
		if in.dirty || !p.Services[in.Service].Moved {
			continue
		}
		for _, e := range in.Ends {
			if e.Done && e.Run != 0 {
				n.inst(i)
				break
			}
		}
	}
	return Succ{Action: Action{Kind: ActIntroduce, Thread: -1, Code: -1, Label: -1}, Next: n}
}

// reachOf is s.P.reachAll(n, t) for n, the introduction's successor of c
// being built, through the reach memo of c's arena (one per worker, and
// one per liveness search): what a thread's remaining code can do depends
// on the thread's index and the code and pc of each of its frames, and on
// nothing else, and computing it (a walk over the code) took 60% of the
// time on a ring of 8 threads, every one of which joins the moved service.
// The Reach returned is shared: not to be changed.
func (s *Semantics) reachOf(c, n *Config, t int) *Reach {
	a, th := c.arena, n.Threads[t]
	if a == nil || th.Status != Running {
		r := s.P.reachAll(n, t)
		return &r
	}
	m := a.reach
	if m == nil || m.p != s.P {
		m = &reachMemo{p: s.P, m: map[string]*Reach{}}
		a.reach = m
	}
	b := binary.AppendUvarint(m.key[:0], uint64(t))
	for _, f := range th.Frames {
		b = binary.AppendUvarint(b, uint64(f.Code))
		b = binary.AppendUvarint(b, uint64(f.PC))
	}
	m.key = b
	if r, ok := m.m[string(b)]; ok {
		return r
	}
	r := s.P.reachAll(n, t)
	if len(m.m) < reachMemoMax {
		m.m[string(b)] = &r
	}
	return &r
}

// reachMemo is an arena's memo of ReachOf, by thread and frames.
type reachMemo struct {
	p   *Program
	m   map[string]*Reach
	key []byte
}

// entries is the memo's map (nil for no memo), for the tests.
func (m *reachMemo) entries() map[string]*Reach {
	if m == nil {
		return nil
	}
	return m.m
}

// reachMemoMax bounds a reach memo: a thread's frames (their code and pc)
// take few values, but deep recursion can make many.
const reachMemoMax = 1 << 16

// updatePoint adds the steps of thread t waiting at an update point.
func (s *Semantics) updatePoint(out []Succ, c *Config, t int) []Succ {
	th := c.Threads[t]
	d := Pass
	if c.Upd.Introduced && th.Participant && th.HeapVer == 0 {
		d = s.Strategy.Decide(s.P, c, t)
	}
	switch d {
	case Pass:
		out = append(out, s.pass(c, t, false))
	case Apply:
		out = append(out, s.pass(c, t, true))
	case Either:
		out = append(out, s.pass(c, t, false), s.pass(c, t, true))
	case Block:
		n := c.clone()
		n.thread(t).Barrier = true
		f := &th.Frames[len(th.Frames)-1]
		out = append(out, Succ{Action: Action{Kind: ActBlock, Thread: t, Code: f.Code, PC: f.PC, Label: -1}, Next: n})
	}
	return out
}

// pass performs the update point thread t waits at, applying the update
// first if apply is set. Thread t's part of it (the point itself and the
// run to its next visible step) goes through the thread memo (then): when
// it only passes, a step the memo knows copies nothing.
func (s *Semantics) pass(c *Config, t int, apply bool) Succ {
	n := c.clone()
	f := &c.Threads[t].Frames[len(c.Threads[t].Frames)-1]
	act := Action{Kind: ActPass, Thread: t, Code: f.Code, PC: f.PC, Label: -1}
	if apply {
		act.Kind = ActApply
		if th, ok := s.appliedMemo(c, t); ok {
			// The thread memo knows what the thread becomes (applied, run
			// on): its sessions only are left to move.
			n.Threads[t] = th
			s.applyMemo(c, n, t)
			return Succ{Action: act, Next: n}
		}
		n.thread(t)
		s.applyMemo(c, n, t)
	}
	return Succ{Action: act, Next: n, Fault: s.then(c, n, t, act.Kind, Value{}, func() *Fault {
		if !apply {
			n.thread(t)
		}
		return s.performPoint(n, t)
	})}
}

// performPoint executes the update point at thread t's pc (a call or an
// `update`) and runs the thread on.
func (s *Semantics) performPoint(c *Config, t int) *Fault {
	th := c.Threads[t]
	th.Barrier = false
	f := &th.Frames[len(th.Frames)-1]
	if s.P.Codes[f.Code].Instrs[f.PC].Op == IUpdate {
		return s.advance(c, t, unitVal, true)
	}
	if fault := s.call(th, t); fault != nil {
		return fault
	}
	return s.runLocal(c, t)
}

// apply gives thread t (a private copy in c) the new heap, and moves its
// endpoints of moved services to the new protocol from their next run (at
// once, if the current run has not started).
func (s *Semantics) apply(c *Config, t int) {
	c.Threads[t].HeapVer = 1
	for i := range c.Insts {
		if s.applies(c.Insts[i], t) {
			s.applyInst(c, t, i)
		}
	}
}

// applies reports whether thread t applying changes instance in: it holds
// an endpoint of it, of a moved service, not yet moved and not done.
func (s *Semantics) applies(in *Instance, t int) bool {
	if !s.P.Services[in.Service].Moved {
		return false
	}
	for _, e := range in.Ends {
		if int(e.Holder) == t && !e.Done && e.NextVer != 1 {
			return true
		}
	}
	return false
}

// applyInst moves thread t's endpoints of instance i of c (a private copy
// of it) to the new protocol.
func (s *Semantics) applyInst(c *Config, t, i int) {
	ni := c.inst(i)
	for k := range ni.Ends {
		ne := &ni.Ends[k]
		if int(ne.Holder) != t || ne.Done || ne.NextVer == 1 {
			continue
		}
		ne.NextVer = 1
		if !ne.Started && !ne.Untracked {
			ne.Ver = 1 // without a monitor if Q lacks the role: see moveMonitor
			ne.State = 0
		}
	}
}

// release is the barrier step: every running participant applies; those
// waiting at the barrier go on past their update point.
func (s *Semantics) release(c *Config) Succ {
	n := c.clone()
	act := Action{Kind: ActRelease, Thread: -1, Code: -1, Label: -1}
	var fault *Fault
	for t, th := range c.Threads {
		if !th.Participant || th.HeapVer == 1 || th.Status != Running {
			continue // (a stopped thread has nothing left to update)
		}
		n.thread(t)
		s.apply(n, t)
		act.Threads = append(act.Threads, t)
		if th.Barrier {
			fault = firstFault(fault, s.performPoint(n, t))
		}
	}
	return Succ{Action: act, Next: n, Fault: fault}
}
