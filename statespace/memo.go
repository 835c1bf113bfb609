package statespace

import (
	"math"

	"github.com/mcheck/mcheck/store"
)

// The thread memo: what a thread becomes in a step that changes nothing
// else, remembered per worker by the thread's id in the trees (tree.go).
//
// A thread passing an update point without applying the update changes
// only itself: it runs silently to its next visible step (runLocal), and
// what it meets on the way depends on the thread alone, but for one
// question it asks the rest of the configuration at each update point it
// reaches: whether to stop there (pointStops), which stops sums up. So the
// thread after the step (its dead slots cleared, as canonicalize would) is
// a function of the thread before it and of that answer, and the explorer
// keeps it, interned in the trees' table of threads, under the old
// thread's id and the answer: the next time the same thread passes a point
// with the same answer, in any configuration, the step takes the kept
// thread and its id, with no copying, running or encoding. The rest of the
// step is done as before on the successor (canonicalize: an instance the
// thread no longer holds may be forgotten; the symmetry's
// representative), so the successor is exactly the one the step builds
// without the memo; the tests compare the two (TestThreadMemoAgrees).
//
// The memo is a direct-mapped table of memoSlots entries per worker: a
// collision only forgets an entry. It is off where the step must be seen
// whole: with Semantics.Reach (the instructions a thread runs through are
// recorded) or Semantics.Raw; and a step that faults is never kept.
type threadMemo struct {
	_     [cacheLinePad]byte // the memos count their lookups: no false sharing
	t     *trees
	cur   *cursor // the worker's: the ids of the parent's threads
	slots memoTable[memoSlot]
	insts memoTable[instSlot] // the instance memo (see moveMonitorMemo)
	chans memoTable[chanSlot] // the channel memo (see pushMemo)
	// The rename memo (Symmetry.apply).
	renameThreads renameMemo[renameKey, *Thread]
	renameInsts   renameMemo[renameInstKey, *Instance]
	renameChans   renameMemo[renameChanKey, *Channel]
	_             [cacheLinePad]byte
}

// memoKey is what a thread's part of a step depends on.
type memoKey struct {
	id   uint32     // the thread's id before the step
	kind ActionKind // the step
	stop uint8      // stops' answer where the thread's run starts (0: empty slot)
	val  Value      // what the step hands the thread: a received value, a label, an option
}

type memoSlot struct {
	key memoKey
	th  *Thread // the thread after the step: the table's, never changed
	id  uint32  // its id
}

// The rename memo. The symmetry's representative renames threads (a
// block moved to another's place: its code, its endpoints) and sessions
// (endpoint values): what a thread becomes depends on the thread, its slot
// before and after, and the renaming of sessions, and on nothing else, so
// it is kept per worker, interned, under those (Symmetry.apply).

// renameKey is what a thread's renaming depends on.
type renameKey struct {
	id       uint32 // the thread's id before
	from, to uint32 // its slot before and after
	rho      uint64 // the renaming of sessions, packed (packRenaming)
}

// renameMemo is one table of the rename memo: direct-mapped, a collision
// only forgets an entry; made when first used.
type renameMemo[K comparable, V any] struct {
	slots memoTable[renameEntry[K, V]]
}

type renameEntry[K comparable, V any] struct {
	key K
	v   V // the part renamed: the table's, never changed
	ok  bool
}

// renameMemoSlots is the size of each of a worker's rename tables.
const renameMemoSlots = 1 << 12

// find returns the part kept for k (whose hash is h) and true, or the
// entry to keep it in (keep) and false.
func (r *renameMemo[K, V]) find(k K, h uint64) (V, *renameEntry[K, V], bool) {
	sl := r.slots.at(store.Mix(h), renameMemoSlots)
	if sl.ok && sl.key == k {
		return sl.v, nil, true
	}
	*sl = renameEntry[K, V]{key: k}
	return sl.v, sl, false
}

// keep keeps v, the tables' copy, in an entry find gave.
func (sl *renameEntry[K, V]) keep(v V) {
	sl.v, sl.ok = v, true
}

func (k renameKey) hash() uint64 {
	return store.Mix(uint64(k.id)<<32|uint64(k.from)<<16|uint64(k.to)) ^ k.rho
}

// packRenaming packs a renaming of at most 8 sessions, each below 255,
// into a word (0xff above the last); false if it does not fit.
func packRenaming(rho []int) (uint64, bool) {
	if len(rho) > 8 {
		return 0, false
	}
	w := ^uint64(0)
	for i, r := range rho {
		if r < 0 || r >= 0xff {
			return 0, false
		}
		w = w&^(0xff<<(8*i)) | uint64(r)<<(8*i)
	}
	return w, true
}

// intern returns the tables' copy of th (nil on an error, which the
// successor's key reports).
func (m *threadMemo) intern(th *Thread) *Thread {
	id := m.t.thread(m.cur, th)
	if m.cur.err != nil {
		return nil
	}
	return m.t.threads.Get(id)
}

// Instances and channels are renamed too (the services and holders of an
// instance, the session of a channel and the endpoints in its messages):
// kept the same way, under their ids and what the renaming does to them.

// renameInstKey is what an instance's renaming depends on.
type renameInstKey struct {
	id      uint32 // the instance's id before
	svc     uint32 // its service after
	holders uint64 // its ends' holders after, 16 bits each
}

// renameInstKeyOf is the key of instance in's renaming by sc; false if its
// ends do not fit one.
func renameInstKeyOf(in *Instance, sc *symScratch) (renameInstKey, bool) {
	k := renameInstKey{id: in.tab.id, svc: uint32(sc.sigma[in.Service])}
	if len(in.Ends) > 4 {
		return k, false
	}
	for i, e := range in.Ends {
		h := sc.pi[e.Holder]
		if h < 0 || h >= 1<<16 {
			return k, false
		}
		k.holders |= uint64(h) << (16 * i)
	}
	return k, true
}

// renameChanKey is what a channel's renaming depends on.
type renameChanKey struct {
	id   uint32 // the channel's id before
	inst uint32 // its session after
	rho  uint64 // the renaming of sessions, packed, if its messages hold endpoints (else 0)
}

func (k renameInstKey) hash() uint64 {
	return store.Mix(uint64(k.id)<<32|uint64(k.svc)) ^ k.holders
}

func (k renameChanKey) hash() uint64 {
	return store.Mix(uint64(k.id)<<32|uint64(k.inst)) ^ k.rho
}

// internInst and internChan are intern for an instance and a channel.
func (m *threadMemo) internInst(in *Instance) *Instance {
	id := m.t.instance(m.cur, in)
	if m.cur.err != nil {
		return nil
	}
	return m.t.insts.Get(id)
}

func (m *threadMemo) internChan(ch *Channel) *Channel {
	id := m.t.channel(m.cur, ch)
	if m.cur.err != nil {
		return nil
	}
	return m.t.chans.Get(id)
}

// memoSlots is the number of entries per worker (32 bytes each).
const memoSlots = 1 << 14

func newThreadMemo(t *trees, cur *cursor) *threadMemo {
	return &threadMemo{t: t, cur: cur}
}

// memoTable holds the entries of a direct-mapped memo (a collision
// forgets an entry). It is made with memoFirst entries and grows fourfold,
// emptied, after eight lookups an entry, up to the memo's size: a small
// search makes a few KiB of memos instead of about a MiB a worker (a
// search of a hundred configurations allocated and cleared 11 MB, most of
// it tables and memos at their full size), and a large one has its memos
// whole after a few hundred thousand lookups. An entry a lookup returned
// is only written by the one who asked for it: if the memo has grown
// meanwhile, what is written is lost, as in a collision.
type memoTable[E any] struct {
	slots []E
	looks int // the lookups left before it grows
}

const memoFirst = 1 << 8

// at returns the entry for hash h of a memo of size entries at most (a
// power of two, the same at every call).
func (m *memoTable[E]) at(h uint64, size int) *E {
	if m.looks--; m.looks < 0 {
		m.grow(size)
	}
	return &m.slots[h&uint64(len(m.slots)-1)]
}

func (m *memoTable[E]) grow(size int) {
	n := min(max(4*len(m.slots), memoFirst), size)
	if n != len(m.slots) {
		m.slots = make([]E, n)
	}
	m.looks = 8 * n
	if n == size {
		m.looks = math.MaxInt
	}
}

// The instance memo. A communication moves one endpoint's monitor
// (moveMonitor) along a transition of its local type, and the canonical
// form then shifts the instance's run numbers (normaliseRuns): what the
// instance becomes depends on the instance, the endpoint, the transition
// and whether the update is introduced, and on nothing else, so it is kept
// per worker, interned in the trees' table of instances, under those.

// instStepKey is what an instance's part of a communication depends on.
type instStepKey struct {
	id         uint32 // the instance's id before the step
	next       int32  // the local-type state the endpoint moves to
	ei         uint16 // the endpoint
	endsRun    bool   // whether the transition ends a run
	introduced bool   // whether the update is introduced
	apply      bool   // not a transition: thread ei applies the update (applyMemo)
	introduce  bool   // not a transition: the introduction sets the run number n (setRunNumbersMemo)
}

type instSlot struct {
	key instStepKey
	in  *Instance // the instance after the step: the table's, never changed
	id  uint32
	ok  bool
}

// instMemoSlots is the size of a worker's instance memo (32 bytes an entry).
const instMemoSlots = 1 << 13

// moveMonitor with the instance memo: moves endpoint ei of instance inst of
// n, a successor of c being built, and puts the instance in canonical form
// (normaliseRuns), unless the memo knows the outcome. Only while the
// instance is still c's (unchanged by the step so far).
func (s *Semantics) moveMonitorMemo(c, n *Config, t, inst, ei, next int, endsRun bool) *Fault {
	m := s.memoFor(c)
	if m == nil || ei >= 1<<16 {
		return s.moveMonitor(n, t, inst, ei, next, endsRun)
	}
	id, ok := m.instID(c, n, inst)
	if !ok {
		return s.moveMonitor(n, t, inst, ei, next, endsRun)
	}
	k := instStepKey{id: id, next: int32(next), ei: uint16(ei), endsRun: endsRun, introduced: c.Upd.Introduced}
	sl := m.instSlot(k)
	if m.recall(sl, k, n, inst) {
		return nil
	}
	if f := s.moveMonitor(n, t, inst, ei, next, endsRun); f != nil {
		return f
	}
	s.keepInst(m, sl, k, n, inst)
	return nil
}

// recall takes instance i of n from the memo's entry sl, if it is k's.
func (m *threadMemo) recall(sl *instSlot, k instStepKey, n *Config, i int) bool {
	if !sl.ok || sl.key != k {
		return false
	}
	n.Insts[i] = sl.in
	return true
}

// keepInst puts instance i of n, just changed by the step k names, in
// canonical form (normaliseRuns), replaces it with the table's copy and
// keeps that in the memo's entry sl.
func (s *Semantics) keepInst(m *threadMemo, sl *instSlot, k instStepKey, n *Config, i int) {
	s.P.normaliseRuns(n, i, s.canon().noRuns)
	in := n.Insts[i]
	in.dirty = false // normalised once, here: canonicalize leaves it
	id := m.t.instance(m.cur, in)
	if m.cur.err != nil {
		return // reported when the successor's key is made
	}
	kept := m.t.insts.Get(id)
	n.Insts[i] = kept
	*sl = instSlot{key: k, in: kept, id: id, ok: true}
}

// appliedMemo returns what thread t of c becomes when it applies the
// update at its update point and runs on, if the thread memo knows it: the
// key then's would be (the stops' answer of a thread that has applied),
// looked up before the thread is copied.
func (s *Semantics) appliedMemo(c *Config, t int) (*Thread, bool) {
	m := s.memoFor(c)
	if m == nil {
		return nil, false
	}
	stop := uint8(3) // stops: a thread that has applied
	switch {
	case s.P.Update == nil:
		stop = 1
	case !c.Upd.Introduced:
		stop = 2
	}
	return m.hit(memoKey{id: m.cur.leaves[t], kind: ActApply, stop: stop})
}

// applyMemo is apply with the instance memo: thread t (a private copy in
// n, a successor of c being built) applies the update. What applying does
// to an instance, then in canonical form (normaliseRuns), depends on the
// instance, the thread and whether the update is introduced, and on
// nothing else; it is kept in the instance memo under those, with apply
// set, the thread in place of the endpoint and a state no transition
// moves to (so that it can be no move's key, even without the flag).
func (s *Semantics) applyMemo(c, n *Config, t int) {
	m := s.memoFor(c)
	if m == nil || t >= 1<<16 {
		s.apply(n, t)
		return
	}
	if th := n.Threads[t]; th.HeapVer != 1 {
		th.HeapVer = 1 // a private copy (else the memo's, applied already)
	}
	for i := range n.Insts {
		if !s.applies(n.Insts[i], t) {
			continue
		}
		id, ok := m.instID(c, n, i)
		if !ok {
			s.applyInst(n, t, i)
			continue
		}
		k := instStepKey{id: id, next: math.MinInt32, ei: uint16(t), introduced: c.Upd.Introduced, apply: true}
		sl := m.instSlot(k)
		if m.recall(sl, k, n, i) {
			continue
		}
		s.applyInst(n, t, i)
		s.keepInst(m, sl, k, n, i)
		if m.cur.err != nil {
			return
		}
	}
}

// The channel memo. A send appends a message to a channel (making it if
// the queue has none from the sender's role to the receiver's), a receive
// takes the first off: what the channel becomes depends on the channel and
// the message, and on nothing else, so it is kept per worker, interned in
// the trees' table of channels, under those. The step then copies no
// channel, and its successor's key reads the channel's id off the tables'
// copy instead of encoding it and probing the table.

// chanStepKey is what a channel's part of a communication depends on.
type chanStepKey struct {
	id             uint32 // the channel's id before the step; noChan: none yet
	pop            bool   // a receive (else a send of msg)
	inst, from, to int32  // with noChan: the channel made
	msg            Msg
}

// noChan is the id of a channel the queue does not have yet.
const noChan = ^uint32(0)

type chanSlot struct {
	key chanStepKey
	ch  *Channel // the channel after the step: the table's, never changed
	id  uint32
	ok  bool
}

// chanMemoSlots is the size of a worker's channel memo (64 bytes an entry).
const chanMemoSlots = 1 << 11

// chanSlot returns the channel memo's entry for k.
func (m *threadMemo) chanSlot(k chanStepKey) *chanSlot {
	h := store.Mix(uint64(k.id)<<32|uint64(uint32(k.msg.Label))) ^ store.Mix(uint64(k.msg.Val.N)^uint64(k.msg.Val.K)<<56^uint64(b2i(k.pop))<<60) ^
		uint64(k.inst)<<40 ^ uint64(k.from)<<20 ^ uint64(k.to)
	return m.chans.at(store.Mix(h), chanMemoSlots)
}

// pushMemo is n.push with the channel memo: n is a successor of c being
// built, whose queue is c's but for what the step pushed so far.
func (s *Semantics) pushMemo(c, n *Config, inst, from, to int, msg Msg) {
	m := s.memoFor(c)
	if m == nil {
		n.push(inst, from, to, msg)
		return
	}
	k := chanStepKey{id: noChan, msg: msg}
	i := n.channel(inst, from, to)
	if i < 0 {
		k.inst, k.from, k.to = int32(inst), int32(from), int32(to)
	} else if id, ok := m.chanID(c, n, i); ok {
		k.id = id
	} else { // a channel the step made or changed: not the tables'
		n.push(inst, from, to, msg)
		return
	}
	sl := m.chanSlot(k)
	if !sl.ok || sl.key != k {
		n.push(inst, from, to, msg)
		if i < 0 {
			i = len(n.Queue) - 1
		}
		if !m.keepChan(sl, k, n, i) {
			return
		}
	}
	if i < 0 {
		n.Queue = append(n.Queue, sl.ch)
	} else {
		n.Queue[i] = sl.ch
	}
}

// popMemo is n.pop with the channel memo: n is a successor of c being
// built, whose queue is still c's.
func (s *Semantics) popMemo(c, n *Config, i int) Msg {
	m := s.memoFor(c)
	if m == nil || len(n.Queue[i].Msgs) == 1 {
		return n.pop(i)
	}
	id, ok := m.chanID(c, n, i)
	if !ok {
		return n.pop(i)
	}
	msg := n.Queue[i].Msgs[0]
	k := chanStepKey{id: id, pop: true}
	sl := m.chanSlot(k)
	if !sl.ok || sl.key != k {
		n.pop(i)
		if !m.keepChan(sl, k, n, i) {
			return msg
		}
	}
	n.Queue[i] = sl.ch
	return msg
}

// keepChan interns channel i of n, just made by the step k names, and keeps
// the table's copy in the memo's entry sl; false if the table failed (the
// error reaches the caller when the successor's key is made).
func (m *threadMemo) keepChan(sl *chanSlot, k chanStepKey, n *Config, i int) bool {
	id := m.t.channel(m.cur, n.Queue[i])
	if m.cur.err != nil {
		return false
	}
	*sl = chanSlot{key: k, ch: m.t.chans.Get(id), id: id, ok: true}
	return true
}

// setRunNumbersMemo is SetRunNumbers on n, the introduction's successor of
// c being built, with the instance memo: what it does to an instance, then
// in canonical form (normaliseRuns), depends on the instance alone.
func (s *Semantics) setRunNumbersMemo(m *threadMemo, c, n *Config) {
	for i := range n.Insts {
		id, ok := m.instID(c, n, i)
		if !ok {
			setRunNumber(s.P, n, i)
			continue
		}
		k := instStepKey{id: id, next: math.MinInt32, introduce: true}
		sl := m.instSlot(k)
		if m.recall(sl, k, n, i) {
			continue
		}
		if !setRunNumber(s.P, n, i) {
			continue // unchanged: nothing to keep
		}
		s.keepInst(m, sl, k, n, i)
		if m.cur.err != nil {
			return
		}
	}
}

// instID returns the id of instance i of n, a successor of c being built,
// if it is still c's, the tables' copy (the memos key on it); else false.
func (m *threadMemo) instID(c, n *Config, i int) (uint32, bool) {
	in := n.Insts[i]
	return in.tab.id, i < len(c.Insts) && in == c.Insts[i] && in.tab.trees == m.t
}

// chanID is instID for channel i of n's queue.
func (m *threadMemo) chanID(c, n *Config, i int) (uint32, bool) {
	ch := n.Queue[i]
	return ch.tab.id, i < len(c.Queue) && ch == c.Queue[i] && ch.tab.trees == m.t
}

// instSlot returns the instance memo's entry for k.
func (m *threadMemo) instSlot(k instStepKey) *instSlot {
	h := store.Mix(uint64(k.id)<<32|uint64(uint32(k.next))) ^ store.Mix(uint64(k.ei)<<4|uint64(b2i(k.introduce))<<3|uint64(b2i(k.apply))<<2|uint64(b2i(k.endsRun))<<1|uint64(b2i(k.introduced)))
	return m.insts.at(h, instMemoSlots)
}

// stops sums up all that thread t's local run from c asks of the rest of
// c: where it reaches an update point, whether it stops there
// (pointStops). Before the update is introduced the answer is the same at
// every point and for every thread; after, it is "no" for a thread that
// does not take part or has applied; and for a participant that has not,
// it is the strategy's decision at its update points, which the Strategy
// contract makes the same at every point of one local run (Decide sees
// thread t only through its Participant and HeapVer, which a local run does
// not change, and the run changes nothing else).
func (s *Semantics) stops(c *Config, t int) uint8 {
	th := c.Threads[t]
	switch {
	case s.P.Update == nil:
		return 1
	case !c.Upd.Introduced:
		return 2
	case !th.Participant || th.HeapVer == 1:
		return 3
	}
	return 4 + uint8(s.Strategy.Decide(s.P, c, t))
}

// memoFor returns the worker's memo if c is the configuration the worker
// expands (the one whose thread ids its cursor holds) and the memo applies
// to its steps.
func (s *Semantics) memoFor(c *Config) *threadMemo {
	if c.arena == nil || c.arena.memo == nil || s.Raw || s.Reach != nil {
		return nil
	}
	if m := c.arena.memo; m.cur.cfg == c {
		return m
	}
	return nil
}

// slot returns the entry for k.
func (m *threadMemo) slot(k memoKey) *memoSlot {
	h := store.Mix(uint64(k.id)<<32|uint64(k.kind)<<16|uint64(k.stop)<<8|uint64(k.val.K)) ^ store.Mix(uint64(k.val.N))
	return m.slots.at(h, memoSlots)
}

// hit returns the kept thread for k, if any (the tables' copy: it carries its id).
func (m *threadMemo) hit(k memoKey) (*Thread, bool) {
	sl := m.slot(k)
	if sl.key != k {
		return nil, false
	}
	return sl.th, true
}

// keep interns th (the thread after the step, a private copy) in canonical
// form (canonThread), keeps it under k, and returns the table's copy (th itself
// if the table failed: the error reaches the caller when the successor's
// key is made).
func (m *threadMemo) keep(p *Program, k memoKey, th *Thread) *Thread {
	p.canonThread(th)
	id := m.t.thread(m.cur, th)
	if m.cur.err != nil {
		return th
	}
	kept := m.t.threads.Get(id)
	*m.slot(k) = memoSlot{key: k, th: kept, id: id}
	return kept
}

// participate makes thread t of n, a successor of c being built by the
// introduction, a participant: through the thread memo, as what the thread
// becomes depends on the thread alone (the flag set, dead slots cleared).
func (s *Semantics) participate(c, n *Config, t int) {
	m := s.memoFor(c)
	if m == nil || n.Threads[t] != c.Threads[t] {
		n.thread(t).Participant = true
		return
	}
	k := memoKey{id: m.cur.leaves[t], kind: ActIntroduce, stop: 1}
	if th, ok := m.hit(k); ok {
		n.Threads[t] = th
		return
	}
	n.thread(t).Participant = true
	n.Threads[t] = m.keep(s.P, k, n.Threads[t])
}

// then does thread t's part of a step from c to n: run does it, on n's
// private copy of the thread, after the rest of the step is done (so that
// stops sees n), unless the memo knows the outcome of the same part of a
// step of the same kind handing the thread the same value. It returns
// run's fault.
func (s *Semantics) then(c, n *Config, t int, kind ActionKind, val Value, run func() *Fault) *Fault {
	m := s.memoFor(c)
	if m == nil {
		return run()
	}
	k := memoKey{id: m.cur.leaves[t], kind: kind, stop: s.stops(n, t), val: val}
	if th, ok := m.hit(k); ok {
		n.Threads[t] = th
		return nil
	}
	f := run()
	if f == nil {
		n.Threads[t] = m.keep(s.P, k, n.Threads[t])
	}
	return f
}
