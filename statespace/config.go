package statespace

import "slices"

// A Config is a configuration of the system (docs/language.md §3): every thread with its
// call stack and heap version, the live session instances with each role's
// endpoint state (monitor, run number, protocol version), the global queue
// and the update's state.
//
// Configs are values: successors are built by copying the parts a step
// changes (threads, instances and channels are pointers shared between a
// config and its successors and never modified once shared).
type Config struct {
	Threads []*Thread
	Insts   []*Instance // live session instances, in canonical order (instOrder.cmp)
	Queue   []*Channel  // non-empty FIFOs, sorted by (Inst, From, To)
	Upd     UpdState

	// Created counts instances created so far. It is for display (instance
	// serial numbers in traces) and is not part of the configuration's
	// identity: it is neither encoded nor hashed.
	Created int

	arena *Arena // where this configuration's parts are allocated (nil: heap)
}

// UpdState is the state of the system update.
type UpdState struct {
	Introduced bool
	// Countdown, for --update-at step:K, is the number of steps still to
	// go before the introduction is due; neverIntroduced with --update-at
	// never; -1 otherwise.
	Countdown int32
}

// neverIntroduced is UpdState.Countdown under --update-at never: what a
// thread may still do (ReachOf) leaves out the new bodies, which no thread
// can come to.
const neverIntroduced = -2

// Status is a thread's status.
type Status uint8

const (
	Running Status = iota
	Done           // main returned
	Crashed        // a runtime error stopped the thread
)

// Thread is one thread's state.
type Thread struct {
	Status  Status
	HeapVer uint8 // 0 before applying the update, 1 after
	// Participant is set when the update is introduced: the thread is named
	// by the update or holds an endpoint of a service it moves (docs/language.md §4).
	Participant bool
	// Barrier is set while the thread waits at the stop-the-world barrier.
	Barrier bool
	// Spin is set when the thread computes for ever without a visible step
	// (its local states repeat): it stands at the call that closes the loop
	// and its only step leaves the configuration as it is (docs/language.md §5).
	Spin   bool
	Frames []Frame // call stack; the last is the running frame

	// dirty marks a private copy made for the step being built: only dirty
	// threads can need canonicalising (shared ones are canonical already).
	dirty bool
	tab   interned
	sum   uint64 // a swarm member's hash of the thread (partSum), 0: not yet
}

// interned marks the explorer's tables' copy of a part (tree.go): the
// tables it is in and its id there. Any other copy (a step's private one,
// the initial configuration's) has none; every copy is made field by
// field, so that none inherits the mark.
type interned struct {
	trees *trees
	id    uint32
}

// Frame is one activation: a code object, the next instruction, the
// variable slots and the operand stack.
type Frame struct {
	Code  int32
	PC    int32
	Slots []Value
	Stack []Value
}

// NoRunNumber marks an instance with no update run number.
const NoRunNumber = -1

// Instance is a live session instance.
type Instance struct {
	Service int
	Serial  int   // creation number, for display only (not encoded)
	RunBase int32 // runs forgotten by normalisation, for display only (not encoded)
	Ends    []End // one per role, sorted by role id
	// N is the update run number of the instance (docs/language.md §4), relative to the
	// normalised run numbers, or NoRunNumber.
	N int32
	// RunVer[r] is the protocol version under which run r (normalised) was
	// first performed by some role, for fidelity (c).
	RunVer []uint8
	// RunTail, when not 0, says that every run from len(RunVer) on that any
	// role has started was performed under version RunTail-1, by roles that
	// have migrated for good: normalisation forgets how far ahead they are
	// (docs/language.md §6).
	RunTail uint8

	dirty bool     // a private copy made for the step being built (see Thread)
	tab   interned // the tables' copy (see Thread)
	sum   uint64   // a swarm member's hash of the instance (see Thread)
}

// End is the state of one role's endpoint in an instance.
type End struct {
	Role      int
	Holder    int32 // thread holding the endpoint
	Ver       uint8 // protocol version of the current run
	NextVer   uint8 // protocol version for the next run
	State     int32 // monitor state in Ver's local type
	Run       int32 // runs completed (normalised)
	Started   bool  // an action of the current run has been performed
	Done      bool  // the local type has reached end
	Untracked bool  // the monitor lost track after a reported fault (property off)
}

// Channel is the FIFO of messages of one (instance, from, to) triple.
type Channel struct {
	Inst, From, To int32
	Msgs           []Msg
	tab            interned // the tables' copy (see Thread)
	sum            uint64   // a swarm member's hash of the channel (see Thread)
}

// Msg is a message: a value, or a label (Label >= 0).
type Msg struct {
	Label int32
	Val   Value
}

// QueueLen is the number of messages in the global queue.
func (c *Config) QueueLen() int {
	n := 0
	for _, ch := range c.Queue {
		n += len(ch.Msgs)
	}
	return n
}

// clone makes a shallow copy of c: its slices are fresh, the elements are
// shared until replaced with mutable copies (thread, inst, channel).
func (c *Config) clone() *Config { return c.cloneIn(c.arena) }

// cloneIn is clone into arena a (nil: the heap): c's parts stay shared, and
// the private copies its successors make go to a.
func (c *Config) cloneIn(a *Arena) *Config {
	n := a.config()
	n.Upd, n.Created = c.Upd, c.Created
	if a == nil {
		n.Threads, n.Insts, n.Queue = heapCopy(c.Threads, 0), heapCopy(c.Insts, 1), heapCopy(c.Queue, 1)
	} else {
		n.Threads, n.Insts, n.Queue = a.tptrs.copyOf(c.Threads, 0), a.iptrs.copyOf(c.Insts, 1), a.cptrs.copyOf(c.Queue, 1)
	}
	return n
}

// thread replaces thread t with a private copy and returns it.
func (c *Config) thread(t int) *Thread {
	old := c.Threads[t]
	th := c.arena.thread()
	*th = Thread{Status: old.Status, HeapVer: old.HeapVer, Participant: old.Participant, Barrier: old.Barrier, Spin: old.Spin, dirty: true}
	th.Frames = c.arena.frameSlice(len(old.Frames), len(old.Frames)+1)
	// One allocation for every frame's slots and stack (with room for the
	// top frame's stack to grow a little in place).
	n := 4
	for _, f := range old.Frames {
		n += len(f.Slots) + len(f.Stack)
	}
	vals := c.arena.values(n)
	for i, f := range old.Frames {
		slots := vals[:len(f.Slots):len(f.Slots)]
		copy(slots, f.Slots)
		vals = vals[len(f.Slots):]
		room := len(f.Stack)
		if i == len(old.Frames)-1 {
			room = len(vals)
		}
		stack := vals[:len(f.Stack):room]
		copy(stack, f.Stack)
		vals = vals[room:]
		th.Frames[i] = Frame{Code: f.Code, PC: f.PC, Slots: slots, Stack: stack}
	}
	c.Threads[t] = th
	return th
}

// popOperands replaces thread t with a private copy without the top k
// values of its top frame's stack (a communication's operands), and
// returns it.
func (c *Config) popOperands(t, k int) *Thread {
	th := c.thread(t)
	f := &th.Frames[len(th.Frames)-1]
	f.Stack = f.Stack[:len(f.Stack)-k]
	return th
}

// inst replaces instance i with a private copy and returns it.
func (c *Config) inst(i int) *Instance {
	old := c.Insts[i]
	in := c.arena.instance()
	*in = Instance{Service: old.Service, Serial: old.Serial, RunBase: old.RunBase, N: old.N, RunTail: old.RunTail, dirty: true}
	in.Ends = c.arena.endSlice(len(old.Ends))
	copy(in.Ends, old.Ends)
	in.RunVer = c.arena.byteSlice(len(old.RunVer))
	copy(in.RunVer, old.RunVer)
	c.Insts[i] = in
	return in
}

// end returns the index of role in an instance's Ends, or -1.
func (in *Instance) end(role int) int {
	for i := range in.Ends {
		if in.Ends[i].Role == role {
			return i
		}
	}
	return -1
}

// channel returns the index of the (inst, from, to) channel, or -1.
func (c *Config) channel(inst, from, to int) int {
	for i, ch := range c.Queue {
		if int(ch.Inst) == inst && int(ch.From) == from && int(ch.To) == to {
			return i
		}
	}
	return -1
}

// push appends a message to the (inst, from, to) channel.
func (c *Config) push(inst, from, to int, m Msg) {
	if i := c.channel(inst, from, to); i >= 0 {
		old := c.Queue[i]
		ch := c.arena.channel()
		*ch = Channel{Inst: old.Inst, From: old.From, To: old.To, Msgs: c.arena.msgSlice(len(old.Msgs)+1, len(old.Msgs)+1)}
		copy(ch.Msgs, old.Msgs)
		ch.Msgs[len(old.Msgs)] = m
		c.Queue[i] = ch
		return
	}
	ch := c.arena.channel()
	*ch = Channel{Inst: int32(inst), From: int32(from), To: int32(to), Msgs: c.arena.msgSlice(1, 1)}
	ch.Msgs[0] = m
	c.Queue = append(c.Queue, ch)
}

// pop removes the first message of channel i; c's queue is its own (a
// clone's), so an emptied channel is taken out in place.
func (c *Config) pop(i int) Msg {
	old := c.Queue[i]
	m := old.Msgs[0]
	if len(old.Msgs) == 1 {
		c.Queue = append(c.Queue[:i], c.Queue[i+1:]...)
	} else {
		ch := c.arena.channel()
		*ch = Channel{Inst: old.Inst, From: old.From, To: old.To, Msgs: old.Msgs[1:]}
		c.Queue[i] = ch
	}
	return m
}

// Canonical returns the canonical form of c, leaving c unchanged: from
// scratch, every part put in canonical form (where a step's canonicalize
// does only the parts the step touched). For the tests, which hold the
// explorer's configurations, made step by step, to it.
func (p *Program) Canonical(c *Config) *Config {
	return p.canonicalOf(c, canonOpts{})
}

// canonicalOf is Canonical with the options o.
func (p *Program) canonicalOf(c *Config, o canonOpts) *Config {
	n := c.clone()
	for t := range n.Threads {
		n.thread(t)
	}
	for i := range n.Insts {
		n.inst(i)
	}
	p.canonicalize(n, o)
	return n
}

// canonicalize puts c in canonical form, so that configurations no step can
// tell apart are equal (docs/language.md §6):
//   - variable slots that are dead at a frame's next instruction are cleared,
//     and a stopped thread is no participant (canonThread);
//   - instances whose roles have all reached end and that have no queued
//     messages are forgotten, and the rest renumbered in canonical order
//     (instOrder.cmp: by service, then holders; ties in order of creation);
//     endpoint values of a forgotten instance become DeadInstance;
//   - run numbers are shifted to start at 0 per instance (with the update
//     run number n and the run-version table), n is clamped at 0 once every
//     role has reached it, and both are forgotten, with the run numbers, once
//     every role has migrated;
//   - channels are sorted by (instance, from, to).
//
// o says how threads and services are named for the order of instances,
// and whether runs can matter (canonOpts).
func (p *Program) canonicalize(c *Config, o canonOpts) {
	ord := o.ord
	// Only parts a step touched (private copies, marked dirty) can be out of
	// canonical form: the rest is shared with a canonical configuration.
	for _, th := range c.Threads {
		if th.dirty {
			p.canonThread(th)
		}
	}
	// Forget finished instances, and put the rest in canonical order.
	dead := false
	for i, in := range c.Insts {
		if p.finished(c, i, in) {
			dead = true
			break
		}
	}
	unsorted := false
	for i := 1; !dead && !creationOrder && i < len(c.Insts); i++ {
		unsorted = ord.cmp(c.Insts[i], c.Insts[i-1]) < 0
		if unsorted {
			break
		}
	}
	if dead || unsorted {
		remap := make([]int, len(c.Insts))
		var order []int // the instances kept, by their old numbers
		for i, in := range c.Insts {
			if p.finished(c, i, in) {
				remap[i] = DeadInstance
			} else {
				order = append(order, i)
			}
		}
		if !creationOrder {
			slices.SortStableFunc(order, func(a, b int) int { return ord.cmp(c.Insts[a], c.Insts[b]) })
		}
		keep := make([]*Instance, len(order))
		for k, i := range order {
			remap[i] = k
			keep[k] = c.Insts[i]
		}
		c.Insts = keep
		for t, th := range c.Threads {
			if remapChanges(th, remap) {
				th = c.thread(t)
				for fi := range th.Frames {
					f := &th.Frames[fi]
					remapValues(f.Slots, remap)
					remapValues(f.Stack, remap)
				}
			}
		}
		for i, ch := range c.Queue {
			if remap[ch.Inst] != int(ch.Inst) || msgsHaveEndpoints(ch.Msgs) {
				n := &Channel{Inst: int32(remap[ch.Inst]), From: ch.From, To: ch.To, Msgs: ch.Msgs}
				if msgsHaveEndpoints(ch.Msgs) {
					// An endpoint sent as a value (with linearity off)
					// names its session too.
					n.Msgs = slices.Clone(ch.Msgs)
					for k := range n.Msgs {
						vs := []Value{n.Msgs[k].Val}
						remapValues(vs, remap)
						n.Msgs[k].Val = vs[0]
					}
				}
				c.Queue[i] = n
			}
		}
	}
	for i, in := range c.Insts {
		if in.dirty {
			p.normaliseRuns(c, i, o.noRuns)
		}
	}
	for _, th := range c.Threads {
		if th.dirty {
			th.dirty = false
		}
	}
	for _, in := range c.Insts {
		if in.dirty {
			in.dirty = false
		}
	}
	// Sort channels by (instance, from, to): an insertion sort, as the
	// queue is short and almost always sorted already.
	q := c.Queue
	for i := 1; i < len(q); i++ {
		for j := i; j > 0 && chanLess(q[j], q[j-1]); j-- {
			q[j], q[j-1] = q[j-1], q[j]
		}
	}
}

// canonOpts are the settings of the canonical form that depend on the
// search, not on the program: ord names threads and services for the order
// of instances (nil: each by its number); noRuns, that the update is never
// introduced (--update-at never), so that no run number can matter.
type canonOpts struct {
	ord    *instOrder
	noRuns bool
}

// creationOrder keeps instances in their order of creation, as the
// canonical form did before it ordered them (instOrder.cmp): for the tests,
// which check that the order is a renaming (the same verdicts and depths).
var creationOrder = false

// instOrder names threads and services for the canonical order of
// instances: thread[t] and svc[s] are the names; nil names each by its
// number. Symmetry reduction names them by their classes (symmetry.go).
type instOrder struct {
	thread, svc []int
}

// cmp is the canonical order of instances: by service, then by the roles
// and the threads holding them (fixed when the session starts), each named
// by o. The order is a renaming only: nothing a step, a strategy or a
// property does depends on an instance's number. Sessions that tie (one
// service, the same holders) keep their order of creation; the others are
// no longer told apart by which one started first.
func (o *instOrder) cmp(a, b *Instance) int {
	sa, sb := a.Service, b.Service
	if o != nil {
		sa, sb = o.svc[sa], o.svc[sb]
	}
	if sa != sb {
		return sa - sb
	}
	if len(a.Ends) != len(b.Ends) {
		return len(a.Ends) - len(b.Ends)
	}
	for k := range a.Ends {
		ea, eb := &a.Ends[k], &b.Ends[k]
		if ea.Role != eb.Role {
			return ea.Role - eb.Role
		}
		ha, hb := int(ea.Holder), int(eb.Holder)
		if o != nil {
			ha, hb = o.thread[ha], o.thread[hb]
		}
		if ha != hb {
			return ha - hb
		}
	}
	return 0
}

func chanLess(a, b *Channel) bool {
	if a.Inst != b.Inst {
		return a.Inst < b.Inst
	}
	if a.From != b.From {
		return a.From < b.From
	}
	return a.To < b.To
}

// canonThread puts th (a private copy) in canonical form: the slots its
// frames no longer read are cleared, and a thread that has stopped
// (finished or crashed) no longer takes part in the update. Whether it
// did is something no step can tell: a stopped thread has nothing left to
// update, counts as done for update completion either way, and the
// barrier's release applies running participants only (found by a
// tester: a thread that finished before the introduction and one that
// finished after it, a participant, printed alike and were two states).
// Its heap version stays: the configuration says it applied.
func (p *Program) canonThread(th *Thread) {
	p.clearDeadSlots(th)
	if th.Status != Running {
		th.Participant = false
	}
}

// clearDeadSlots clears the slots of th (a private copy) that its frames
// no longer read.
func (p *Program) clearDeadSlots(th *Thread) {
	if !p.hasDeadSlots(th) {
		return
	}
	for fi := range th.Frames {
		f := &th.Frames[fi]
		live := p.Codes[f.Code].live[f.PC]
		for s := range f.Slots {
			if live[s/64]&(1<<(s%64)) == 0 {
				f.Slots[s] = Value{}
			}
		}
	}
}

// hasDeadSlots reports whether some frame of th holds a value in a slot
// that is dead at the frame's next instruction.
func (p *Program) hasDeadSlots(th *Thread) bool {
	for _, f := range th.Frames {
		live := p.Codes[f.Code].live[f.PC]
		for s, v := range f.Slots {
			if v.K != VNone && live[s/64]&(1<<(s%64)) == 0 {
				return true
			}
		}
	}
	return false
}

// Unreceivable lists the roles (service, role) that messages in c's queue
// are sent to and that no thread can ever receive them at: the role has no
// endpoint in its session (the update moved the session to a protocol
// with a role nobody took, model's "has nobody in it" warning), or its
// endpoint's holder has stopped, or no longer refers to it (no live
// variable or operand of the holder's, and no queued message, carries it:
// c is canonical, dead slots cleared). Only the holder receives on an
// endpoint (any other thread faults), so no capacity lets these messages
// be consumed. Each role once, in queue order.
func (p *Program) Unreceivable(c *Config) []EndRef {
	var out []EndRef
	for _, ch := range c.Queue {
		if len(ch.Msgs) == 0 {
			continue
		}
		in := c.Insts[ch.Inst]
		if ei := in.end(int(ch.To)); ei >= 0 && c.Threads[in.Ends[ei].Holder].Status == Running &&
			(refers(c.Threads[in.Ends[ei].Holder], int(ch.Inst), int(ch.To)) || carried(c, int(ch.Inst), int(ch.To))) {
			continue
		}
		r := EndRef{Service: in.Service, Serial: -1, Role: int(ch.To)}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// refers reports whether thread th refers to the endpoint (inst, role):
// a variable or an operand of one of its frames holds it.
func refers(th *Thread, inst, role int) bool {
	want := endpointVal(inst, role)
	for _, f := range th.Frames {
		if slices.Contains(f.Slots, want) || slices.Contains(f.Stack, want) {
			return true
		}
	}
	return false
}

// carried reports whether a queued message carries the endpoint (inst,
// role) as its value (with linearity off, an endpoint sent on goes on).
func carried(c *Config, inst, role int) bool {
	want := endpointVal(inst, role)
	for _, ch := range c.Queue {
		for _, m := range ch.Msgs {
			if m.Label < 0 && m.Val == want {
				return true
			}
		}
	}
	return false
}

// finished reports whether instance i can be forgotten: no message of it is
// queued and none of its roles can act any more — each is held by a thread
// that has stopped, or has reached end or lost its monitor (after a fault,
// with fidelity off) and is no longer referred to by a running thread (a
// live variable or an operand: dead ones are cleared first). A thread that
// still holds an ended endpoint may still act on it (a fault), and what
// follows must be explored: with fidelity off it may wait for ever.
func (p *Program) finished(c *Config, i int, in *Instance) bool {
	// The conditions are a conjunction: the cheapest, which settles most
	// instances (a live role held by a running thread), comes first.
	scan := false
	for _, e := range in.Ends {
		switch {
		case c.Threads[e.Holder].Status != Running:
		case e.Done, e.Untracked:
			scan = true
		default:
			return false
		}
	}
	for _, ch := range c.Queue {
		if int(ch.Inst) == i {
			return false
		}
		for _, m := range ch.Msgs {
			if inst, _ := m.Val.Endpoint(); m.Val.K == VEndpoint && inst == i {
				return false // an endpoint of it is on its way to a thread
			}
		}
	}
	if !scan {
		return true
	}
	for _, th := range c.Threads {
		if th.Status != Running {
			continue
		}
		for _, f := range th.Frames {
			for _, vs := range [2][]Value{f.Slots, f.Stack} {
				for _, v := range vs {
					if inst, _ := v.Endpoint(); v.K == VEndpoint && inst == i {
						return false
					}
				}
			}
		}
	}
	return true
}

func msgsHaveEndpoints(ms []Msg) bool {
	for _, m := range ms {
		if m.Val.K == VEndpoint {
			return true
		}
	}
	return false
}

// remapChanges reports whether remapping th's endpoint values by remap
// (remapValues) changes one: a thread it does not change keeps its part,
// shared and interned, where a copy would be interned again.
func remapChanges(th *Thread, remap []int) bool {
	for _, f := range th.Frames {
		if valuesRemapped(f.Slots, remap) || valuesRemapped(f.Stack, remap) {
			return true
		}
	}
	return false
}

func valuesRemapped(vs []Value, remap []int) bool {
	for _, v := range vs {
		if v.K != VEndpoint {
			continue
		}
		if inst, _ := v.Endpoint(); inst != DeadInstance && remap[inst] != inst {
			return true
		}
	}
	return false
}

func remapValues(vs []Value, remap []int) {
	for i, v := range vs {
		if v.K != VEndpoint {
			continue
		}
		inst, role := v.Endpoint()
		if inst == DeadInstance {
			continue
		}
		vs[i] = endpointVal(remap[inst], role)
	}
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// normaliseRuns puts instance i's run bookkeeping in canonical form (docs/language.md
// §6): only differences between run numbers matter, and only while they can
// still matter.
//   - Live roles (not done, monitor not lost) are shifted so that the least
//     run number is 0, with n and the run-version table.
//   - A done role's run count matters only for n at the introduction (docs/language.md
//     §4: n counts its runs), and only when it exceeds every live role's;
//     otherwise it is 0. A lost role's runs are not tracked: 0.
//   - A role that has migrated for good (current and next runs under the
//     new version) matters only through the run-version table, and the
//     table's entries past every other live role's run and past n are all
//     the new version: such a role's run is clamped just past them and the
//     table's tail summarised (RunTail). So a role that lags behind, or that
//     the new protocol lacks, cannot make a finite space infinite.
//   - n is clamped to 0 once every live role has reached it; once every live
//     role has migrated, run numbers, n and the table are forgotten.
//   - A service the update does not move (every service, with no update)
//     has no n and one protocol version, so its run numbers cannot matter:
//     they are forgotten (found by a tester: in mu t. a -> b. c -> d. t,
//     a and c never wait for each other, and a plain protocol with no
//     update had an infinite state space).
//   - With the update never introduced (noRuns), no service is moved: the
//     same (found by a tester: with --update-at never, roles that never
//     wait for each other made a finite model infinite, where the model
//     without its update has 7 configurations).
func (p *Program) normaliseRuns(c *Config, i int, noRuns bool) {
	old := c.Insts[i]
	var scratch [8]End
	ends := append(scratch[:0], old.Ends...)
	live := func(e *End) bool { return !e.Done && !e.Untracked }
	forGood := func(e *End) bool { return live(e) && e.Ver == 1 && e.NextVer == 1 }
	min := int32(-1)
	all := c.Upd.Introduced
	first := int32(-1) // the first run a live role has yet to start
	for k := range ends {
		e := &ends[k]
		if live(e) && (min < 0 || e.Run < min) {
			min = e.Run
		}
		if live(e) && !forGood(e) {
			all = false
		}
		if s := e.Run + b2i(e.Started); live(e) && (first < 0 || s < first) {
			first = s
		}
	}
	// Every live role has migrated for good; but a run they have still to
	// start may have been performed under the old version by a role that
	// has ended since (its messages unconsumed): then the record must stay.
	for r := max(first, 0); all && int(r) < len(old.RunVer); r++ {
		all = old.RunVer[r] == 1
	}
	if min < 0 {
		min = 0
	}
	n, runVer, tail := old.N, old.RunVer, old.RunTail
	if all || noRuns || !p.Services[old.Service].Moved {
		for k := range ends {
			e := &ends[k]
			e.Run = 0
			if !live(e) {
				e.Started = false
			}
		}
		n, runVer, tail = NoRunNumber, nil, 0
	} else {
		if int(min) >= len(runVer) {
			runVer = nil
		} else {
			runVer = runVer[min:]
		}
		if n != NoRunNumber {
			if n -= min; n < 0 {
				n = 0
			}
		}
		maxLive, maxLag := int32(-1), int32(-1) // over live roles; over those not migrated for good
		for k := range ends {
			e := &ends[k]
			if live(e) {
				e.Run -= min
				maxLive = max(maxLive, e.Run)
				if !forGood(e) {
					maxLag = max(maxLag, e.Run)
				}
			}
		}
		moved := p.Services[old.Service].Moved && !c.Upd.Introduced
		for k := range ends {
			e := &ends[k]
			switch {
			case e.Done:
				e.Started = false
				if r := e.Run - min; moved && r > maxLive {
					e.Run = r
				} else {
					e.Run = 0
				}
			case e.Untracked:
				e.Run, e.Started = 0, false
			}
		}
		if n > 0 {
			reached := true
			for k := range ends {
				if live(&ends[k]) && ends[k].Run < n {
					reached = false
				}
			}
			if reached {
				n = 0
			}
		}
		// Roles migrated for good, ahead of every other live role and of n.
		cut := max(maxLag, n) + 1
		f := len(runVer)
		for f > 0 && runVer[f-1] == 1 {
			f--
		}
		cut = max(cut, int32(f))
		clamped := false
		for k := range ends {
			if e := &ends[k]; forGood(e) && e.Run > cut {
				e.Run, clamped = cut, true
			}
		}
		if clamped || tail != 0 {
			runVer, tail = runVer[:f], 2 // every later run: version 1
		}
	}
	same := n == old.N && tail == old.RunTail && len(runVer) == len(old.RunVer)
	for k := range ends {
		same = same && ends[k] == old.Ends[k]
	}
	if same {
		return
	}
	in := c.inst(i)
	in.RunBase += min
	copy(in.Ends, ends)
	in.N, in.RunTail = n, tail
	in.RunVer = append(in.RunVer[:0], runVer...)
}
