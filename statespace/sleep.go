package statespace

import (
	"math/bits"

	"github.com/mcheck/mcheck/model"
)

// Sleep sets (Godefroid): a breadth-first search need not take a step that
// it is sure leads to a configuration it meets anyway, at the same depth,
// through a path it prefers. Two steps of different threads that commute
// (each leaves the other enabled, and both orders give the same
// configuration) make a diamond: from c, thread p's step a then thread u's
// step b, or b then a. The search steps the threads of c in order; when p
// comes before u, the configuration c·b·a is c·a·b, which the search
// reaches from c·a. So at c·b, p is asleep: its steps are counted (they are
// transitions, and numbered as before, for the traces) but not generated.
// The same holds further down while p does not move: at c·b·b', p stays
// asleep if it also commutes with b'. Nothing but the work changes: the
// same configurations, found at the same depths, in the same order, with
// the same parent links, transitions, verdicts and counterexamples.
//
// The sleep set of a configuration is computed at its parent, the first
// that reaches it in frontier order (the one whose link the search keeps),
// and kept in its frontier record. For the step b of thread u at c:
//
//	Z(c·b) = { q in Z(c) ∪ D : q ≠ u, q commutes with b at c }
//
// where D are the threads stepped at c before u (every step of theirs
// without a fault, and of a kind stepCount counts: sleepFacts). After a
// step with a fault, the introduction of the update or the barrier's
// release (global steps), and at every configuration of --update-at step:K
// before the introduction (each step brings the introduction nearer, so no
// two commute), the sleep set is empty. Only the first 64 threads sleep.
//
// Why no configuration is lost, and nothing moves. Order the paths of a
// given length letter by letter, by their steps' numbers at each
// configuration (the threads in order: successors). The full breadth-first
// search gives every configuration r, as its parent link, the least of the
// shortest paths to r, W(r). Claim: with sleep sets, every configuration r
// is found at its distance, with the same W(r). By induction on the
// distance k of r. Let σ be the least shortest path to r, σ = σ'·e, σ' to
// y. σ' is the least shortest path to y (a smaller one, followed by e,
// would be a smaller path to r), so y was found with W(y) = σ' (induction),
// and its sleep set computed along σ'. If e is taken at y, r is found at
// depth k, and its link is σ: the search records the first path in
// frontier order, which is the least path it takes, and σ is the least of
// all. If e's thread p is asleep at y, follow σ' back: at each
// configuration on it p was asleep and commuted with the next step of σ',
// up to a configuration z where p was in D: p's steps at z come before
// σ's next step there, and commute with it and every later step of σ' up
// to y (p did not move: they are other threads' steps, and each commuted
// with p where it was taken). So p's step at z that e repeats, followed by
// the rest of σ', is a path to r of the same length, smaller than σ at z:
// a contradiction. (At the initial configuration the sleep set is empty,
// so z exists.)
//
// A step left asleep also has no fault: p's steps at z had none, and a step
// that commutes with others reads nothing they change. So no violation on
// a step is lost either (and none of another kind: every configuration is
// still expanded, and a configuration with asleep threads is not one
// without steps).
//
// Commuting. Two threads' steps at c commute when one of the two threads
// is eligible for partial-order reduction at c (porEligible: every step of
// it commutes with every step another thread can take; that the update
// might still be introduced does not matter here, where the introduction is
// not a step to commute with), or when both are sends or selects that each
// leave room for the other (sleepFacts); and, in either case, when no
// instance has its run numbers changed by both (sleepFacts: the canonical
// form's run numbers are not a function of the two orders' end). A send or
// receive in the middle of its role's run changes none (mayRenumber): it
// moves its role's monitor state, which normalisation does not read, so
// the session is normalised alike whichever of the two steps comes first.
// (Every configuration's sessions are normalised, the introduction
// included: update.go.)
//
// Off under partial-order reduction (it chooses among successors by
// whether they are new), with symmetry (a configuration's representative
// renames its threads, and where an orbit keeps two representatives the two
// orders of a diamond could end in different ones), while coverage is
// collected (it counts steps), without the canonical form (Semantics.Raw)
// and with a visited set that can take a new configuration for one it has
// (bitstate): a step is pruned because the configuration it leads to is
// found another way, which such a set may lose.
//
// On prodcons K=3 at capacity 6, max+1 (BenchmarkCreationOrder), 38% of
// the transitions are asleep: 5,131,697 successors generated instead of
// 8,324,302. They are cheap ones (most would have been dropped by the
// duplicate filter, their thread steps found in the memos): a whole check
// takes about 0.94 of the time (benches/README).

// stepCount is the number of steps thread t, at instruction in, has at c,
// as successors would generate them, without generating them; -1 if it
// cannot tell (the thread is stepped then). It counts the kinds a thread
// may be asleep at (sleepFacts' kind).
func (s *Semantics) stepCount(c *Config, t int, in *Instr, info *StepInfo) int {
	switch in.Op {
	case ISend, ISelect:
		if s.QueueBound >= 0 && c.QueueLen() >= s.QueueBound {
			info.CapacityBlocked = true
			return 0
		}
		return 1
	case IRecv, ICase:
		th := c.Threads[t]
		f := &th.Frames[len(th.Frames)-1]
		inst, ei, fault := s.endpoint(c, t, f.Stack[len(f.Stack)-1], Doing{})
		if fault != nil {
			return 1 // the fault is the step
		}
		if c.channel(inst, int(in.A), c.Insts[inst].Ends[ei].Role) >= 0 {
			return 1
		}
		return -1 // no message: a fault or none, as the monitor says
	case IChoose:
		f := &c.Threads[t].Frames[len(c.Threads[t].Frames)-1]
		return len(s.P.Codes[f.Code].Tables[in.A].targets)
	case ICall, ITail, IUpdate:
		th := c.Threads[t]
		if c.Upd.Introduced && th.Participant && th.HeapVer == 0 && s.Strategy.Decide(s.P, c, t) == Either {
			return 2
		}
		return 1
	}
	return -1
}

// recordedEnd reports whether ev is an endpoint thread t holds, of a live
// instance, whose current run's protocol version is recorded or whose run
// has started (por.go: a receive on it is eligible).
func recordedEnd(c *Config, t int, ev Value) bool {
	if ev.K != VEndpoint {
		return false
	}
	inst, role := ev.Endpoint()
	if inst == DeadInstance {
		return false
	}
	ins := c.Insts[inst]
	e := &ins.Ends[ins.end(role)]
	if int(e.Holder) != t {
		return false
	}
	return e.Untracked || e.Started || int(e.Run) < len(ins.RunVer) || ins.RunTail != 0
}

// sleeper computes the sleep sets of one configuration's successors
// (explore.go, expand).
type sleeper struct {
	on    bool   // sleep sets apply at this configuration
	zc    uint64 // the configuration's own sleep set
	room  int    // the messages a send may add and leave room for another's (-1: any)
	known uint64 // the threads whose facts below are known (learn)
	kinds uint64 // threads that may sleep (sleepFacts' kind)
	elig  uint64 // threads eligible for partial-order reduction (porEligible)
	sends uint64 // threads at a send that commutes with another's (sleepFacts)
	// touch[t]: the instances thread t's steps may renumber the runs of
	// (sleepFacts; bit i for instance i, bit 63 for any from 63 on).
	touch [64]uint64
	done  uint64 // threads stepped so far, every step without a fault
	last  int    // the thread of the last step seen (-1: none)
	clean bool   // no step of last's has had a fault
}

// start prepares z for the successors of c, whose sleep set is zc.
func (z *sleeper) start(sem *Semantics, c *Config, zc uint64) {
	z.on = len(c.Threads) > 0 && !(sem.UpdateAt.Mode == AtStep && !c.Upd.Introduced && sem.P.Update != nil)
	z.zc, z.known, z.kinds, z.elig, z.sends, z.done, z.last, z.clean = zc, 0, 0, 0, 0, 0, -1, false
	z.room = -1
	if sem.QueueBound >= 0 {
		z.room = sem.QueueBound - c.QueueLen() - 1
	}
}

// learn makes thread t's facts known. They are learnt when first needed:
// right after the thread's steps were made (or counted, for an asleep
// one), while its parts are in the cache (learning every thread's at the
// start took 7% of the time of BenchmarkCreationOrder).
func (z *sleeper) learn(sem *Semantics, c *Config, t int) {
	if z.known&(1<<t) != 0 {
		return
	}
	z.known |= 1 << t
	kind, elig, k, touch := sem.sleepFacts(c, t)
	z.touch[t] = touch
	if kind {
		z.kinds |= 1 << t
	}
	if elig {
		z.elig |= 1 << t
	}
	if k > 0 && (z.room < 0 || k <= z.room) {
		z.sends |= 1 << t
	}
}

// next returns the sleep set of the successor st of c (the successors are
// seen in order).
func (z *sleeper) next(sem *Semantics, c *Config, st *Succ) uint64 {
	u := st.Action.Thread
	if u != z.last {
		if z.on && z.last >= 0 && z.last < 64 && z.clean {
			z.learn(sem, c, z.last)
			z.done |= z.kinds & (1 << z.last)
		}
		z.last, z.clean = u, true
	}
	if st.Fault != nil {
		z.clean = false
		return 0
	}
	if !z.on || u < 0 || u >= 64 || st.Action.Kind == ActSpin {
		return 0
	}
	cand := (z.zc | z.done) &^ (1 << u)
	if cand == 0 {
		return 0
	}
	z.learn(sem, c, u)
	for m := z.zc &^ z.known; m != 0; m &= m - 1 {
		z.learn(sem, c, bits.TrailingZeros64(m))
	}
	return z.commuting(u, cand)
}

// commuting returns the threads of cand (whose facts are known, as are
// u's) whose steps commute with thread u's at the configuration.
func (z *sleeper) commuting(u int, cand uint64) uint64 {
	switch {
	case z.elig&(1<<u) != 0:
	case z.sends&(1<<u) != 0:
		cand &= z.elig | z.sends
	default:
		cand &= z.elig
	}
	if tu := z.touch[u]; tu != 0 {
		for m := cand; m != 0; m &= m - 1 {
			q := bits.TrailingZeros64(m)
			if tq := z.touch[q]; tq&tu != 0 || tq != 0 && (tq|tu)&(1<<63) != 0 {
				cand &^= 1 << q
			}
		}
	}
	return cand
}

// sleepFacts tells what sleep sets need of thread t at c. kind: it may
// sleep (it can step, and stepCount counts its steps). elig: it is
// eligible for partial-order reduction (porEligible). sends: the number of
// messages the send or select it is at puts in the queue (one per peer: a
// multicast is one send), if that is on an endpoint t holds whose run's
// protocol version is already recorded (so that its step writes no record
// another role's step of the same run reads); 0 otherwise. Two such sends
// of different threads commute when each still has room after the other
// (the channels differ: each thread sends on its own endpoints; found by
// the agreement test: a select to two peers filled the room the other send
// needed).
//
// touch: the instances whose run numbers its steps may change (bit i for
// instance i, bit 63 for any from 63 on): its endpoint's, for a send,
// select, receive or case that starts or may end its role's run
// (mayRenumber); every instance it would move to the new
// protocol, for an update point where it may apply. Only instances of
// services the update moves count, and none with --update-at never: the
// canonical form forgets the run numbers of the others (normaliseRuns).
// Two steps that change the run numbers of one instance are never taken to
// commute, even when the strategies and properties cannot tell the two
// orders apart: the canonical form forgets how far ahead a role that has
// migrated for good is (it clamps its run number to one past the
// others'), so the two orders can end in configurations that differ in
// that number (found by the agreement test: a state lost on
// never-introduced-no-runs.dsu, uncoordinated, --continue).
func (s *Semantics) sleepFacts(c *Config, t int) (kind, elig bool, sends int, touch uint64) {
	p := s.P
	th := c.Threads[t]
	if th.Status != Running || th.Barrier || th.Spin {
		return false, false, 0, 0
	}
	runs := s.UpdateAt.Mode != AtNever && p.Update != nil
	f := &th.Frames[len(th.Frames)-1]
	in := &p.Codes[f.Code].Instrs[f.PC]
	var ev Value
	switch in.Op {
	case IChoose:
		return true, true, 0, 0
	case ICall, ITail, IUpdate:
		if runs && c.Upd.Introduced && th.Participant && th.HeapVer == 0 {
			for i, ins := range c.Insts {
				if s.applies(ins, t) {
					touch |= instBit(i)
				}
			}
		}
		return true, true, 0, touch
	case ISend:
		ev = f.Stack[len(f.Stack)-2]
	case ISelect, IRecv, ICase:
		ev = f.Stack[len(f.Stack)-1]
	default:
		return false, false, 0, 0
	}
	if ev.K != VEndpoint {
		return true, false, 0, 1 << 63 // a fault: assume the worst
	}
	inst, _ := ev.Endpoint()
	if inst == DeadInstance {
		return true, false, 0, 1 << 63
	}
	if runs && p.Services[c.Insts[inst].Service].Moved && s.mayRenumber(c, t, in, ev) {
		touch = instBit(inst)
	}
	recorded := recordedEnd(c, t, ev)
	if in.Op == IRecv || in.Op == ICase {
		return true, recorded, 0, touch
	}
	if recorded {
		sends = len(p.roleSets[in.A])
	}
	return true, false, sends, touch
}

func instBit(i int) uint64 { return 1 << min(i, 63) }

// mayRenumber reports whether thread t's step at in (a send, select,
// receive or case on endpoint ev, of a live instance) may change its
// instance's run bookkeeping: when it is the first action of its role's run
// (startRun sets Started, and may record the run's version), or a
// transition of the role's local type from where it stands ends a run
// (moveMonitor: Run, Started, Done, Ver). Otherwise the step moves the
// role's monitor state and no run field, and the canonical form's
// normalisation of the instance (normaliseRuns) reads no monitor state, so
// it renumbers the same way whether the step is taken before or after
// another's on the instance: mid-run sends and receives on one session
// commute as far as its run numbers go. A step that would fault (no
// monitor, a kind its local type does not allow) is taken to renumber.
func (s *Semantics) mayRenumber(c *Config, t int, in *Instr, ev Value) bool {
	inst, role := ev.Endpoint()
	ins := c.Insts[inst]
	k := ins.end(role)
	if k < 0 {
		return true
	}
	e := &ins.Ends[k]
	switch {
	case int(e.Holder) != t:
		return true // a fault
	case e.Untracked:
		return false // not followed: startRun and moveMonitor change nothing
	case !e.Started || e.Done:
		return true
	}
	lt := s.P.Services[ins.Service].Monitors[e.Ver][e.Role]
	if lt == nil || int(e.State) >= len(lt.States) {
		return true
	}
	st := &lt.States[e.State]
	switch {
	case st.Kind == model.LSend && in.Op == ISend, st.Kind == model.LRecv && in.Op == IRecv:
		return st.EndsRun
	case st.Kind == model.LSelect && in.Op == ISelect, st.Kind == model.LOffer && in.Op == ICase:
		for _, b := range st.Branches {
			if b.EndsRun {
				return true
			}
		}
		return false
	}
	return true
}
