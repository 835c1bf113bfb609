package statespace

import (
	"encoding/binary"
	"unsafe"

	"github.com/mcheck/mcheck/store"
)

// The explorer keeps configurations as trees of interned parts (LTSmin's
// tree compression; Laarman, van de Pol and Weber, SPIN 2011). Every part
// is kept once, in a table that gives it a 32-bit id:
//
//   - each distinct thread (status, heap version, flags, call stack), each
//     session instance and each channel, encoded, in a table that keeps the
//     part decoded beside its bytes;
//   - the misc part: the update state, then the ids of the live instances
//     and of the non-empty channels, in a table of byte strings;
//   - the threads' part: the vector of the thread ids, as one string in a
//     table of byte strings when there are at most flatThreads threads, or
//     else a balanced binary tree over the vector whose inner nodes are
//     interned pairs of ids.
//
// A configuration's key is its threads' part and its misc part, one 64-bit
// word. Every table compares whole contents, so the key is exact: two
// configurations have the same key iff they are equal. There is no
// fingerprint and no collision.
//
// A successor differs from its parent in a few parts (a step moves one or
// two threads and touches an instance or a channel), so computing its key
// costs encoding those parts and a lookup or two; the rest is the parent's
// (the cursor). Rebuilding a configuration from its key costs a walk down
// its tree and no decoding: the tables keep the parts decoded (on the heap,
// never changed afterwards, as Config's parts are never changed once
// shared).

// trees holds the tables.
type trees struct {
	p       *Program
	threads *store.LeafTable[*Thread]
	insts   *store.LeafTable[*Instance]
	chans   *store.LeafTable[*Channel]
	miscs   *store.BytesTable
	nodes   *store.PairTable
	vecs    *store.BytesTable // the threads' parts as vectors of thread ids (flat), or nil: trees
	leaves  int               // len(p.Threads), and 1 at least (padded with leaf 0)
}

func newTrees(p *Program) *trees {
	t := &trees{
		p:       p,
		threads: store.NewLeafTable[*Thread](),
		insts:   store.NewLeafTable[*Instance](),
		chans:   store.NewLeafTable[*Channel](),
		miscs:   store.NewBytesTable(),
		nodes:   store.NewPairTable(),
		leaves:  max(len(p.Threads), 1),
	}
	if len(p.Threads) <= flatThreads {
		t.vecs = store.NewBytesTable()
	}
	return t
}

// quiesce frees what lookups without a lock may have been reading; only
// while no worker runs.
func (t *trees) quiesce() {
	t.threads.Quiesce()
	t.insts.Quiesce()
	t.chans.Quiesce()
	t.miscs.Quiesce()
	t.nodes.Quiesce()
	if t.vecs != nil {
		t.vecs.Quiesce()
	}
}

// close frees the tables; no configuration decoded from them may be used
// afterwards.
func (t *trees) close() {
	t.threads.Close()
	t.insts.Close()
	t.chans.Close()
	t.miscs.Close()
	t.nodes.Close()
	if t.vecs != nil {
		t.vecs.Close()
	}
}

// stats is the memory the tables hold.
func (t *trees) stats() StoreStats {
	var s StoreStats
	if t.vecs != nil {
		s = t.vecs.Stats()
	}
	for _, x := range []StoreStats{t.threads.Stats(), t.insts.Stats(), t.chans.Stats(), t.miscs.Stats(), t.nodes.Stats()} {
		s.RAMBytes += x.RAMBytes
	}
	return s
}

// cursor is one worker's view of the configuration it expands (the
// parent): its leaves and inner nodes, from which its successors' trees
// are built, and scratch space.
type cursor struct {
	cfg    *Config  // the parent (nil: none; every part is new)
	leaves []uint32 // the parent's leaves
	nodes  []uint32 // the parent's inner nodes, numbered as a heap (root 0)
	// The ids of the parent's instances and channels (cfg.Insts, cfg.Queue).
	instIDs, chanIDs []uint32

	root uint32 // the parent's threads part: a vector (flat) or a tree's root
	misc uint32 // the parent's misc part

	next    []uint32 // the successor's leaves
	changed []int    // leaves where the successor differs
	buf     []byte
	ids     []uint32
	err     error
}

// split is where the range [a, b) of leaves is cut in two.
func split(a, b int) int { return a + (b-a+1)/2 }

// decode rebuilds the configuration with the given key into a (its parts
// are the tables', shared, as in any configuration) and makes it cur's
// parent.
func (t *trees) decode(key uint64, a *Arena, cur *cursor) *Config {
	n := t.leaves
	cur.leaves = grow(cur.leaves, n)
	cur.root, cur.misc = uint32(key>>32), uint32(key)
	if t.vecs != nil {
		d := decoder{b: t.vecs.Bytes(cur.root)}
		for i := range cur.leaves {
			cur.leaves[i] = uint32(d.uvarint())
		}
	} else {
		cur.nodes = grow(cur.nodes, 4*n)
		t.down(cur, cur.root, 0, n, 0)
	}
	c := a.config()
	c.Threads = a.threadPtrs(len(t.p.Threads), len(t.p.Threads))
	for i := range c.Threads {
		c.Threads[i] = t.threads.Get(cur.leaves[i])
	}
	t.decodeMisc(t.miscs.Bytes(cur.misc), c, a, cur)
	cur.cfg = c
	return c
}

// decodeMisc sets c's update state, instances and channels from a misc
// part (see misc), and their ids in cur.
func (t *trees) decodeMisc(b []byte, c *Config, a *Arena, cur *cursor) {
	d := decoder{b: b}
	c.Upd.Introduced = d.byte() == 1
	c.Upd.Countdown = int32(d.varint())
	ni := int(d.uvarint())
	cur.instIDs = grow(cur.instIDs, ni)
	c.Insts = a.instPtrs(ni, ni+1)
	for i := range c.Insts {
		cur.instIDs[i] = uint32(d.uvarint())
		c.Insts[i] = t.insts.Get(cur.instIDs[i])
	}
	nq := int(d.uvarint())
	cur.chanIDs = grow(cur.chanIDs, nq)
	c.Queue = a.chanPtrs(nq, nq+1)
	for i := range c.Queue {
		cur.chanIDs[i] = uint32(d.uvarint())
		c.Queue[i] = t.chans.Get(cur.chanIDs[i])
	}
}

// down records the subtree id covering leaves [a, b) at heap index idx.
func (t *trees) down(cur *cursor, id uint32, a, b, idx int) {
	cur.nodes[idx] = id
	if b-a == 1 {
		cur.leaves[a] = id
		return
	}
	l, r := t.nodes.Get(id)
	m := split(a, b)
	t.down(cur, l, a, m, 2*idx+1)
	t.down(cur, r, m, b, 2*idx+2)
}

// key interns c, a canonical successor of cur's parent (or any canonical
// configuration if cur has none), and returns its key: the threads' part
// and the misc part.
func (t *trees) key(cur *cursor, c *Config) (uint64, error) {
	n := t.leaves
	cur.next = grow(cur.next, n)
	cur.changed = cur.changed[:0]
	parent := cur.cfg
	for i, th := range c.Threads {
		if parent != nil && th == parent.Threads[i] {
			cur.next[i] = cur.leaves[i]
			continue
		}
		id := t.thread(cur, th)
		cur.next[i] = id
		if parent == nil || id != cur.leaves[i] {
			cur.changed = append(cur.changed, i)
		}
	}
	for i := len(c.Threads); i < n; i++ {
		cur.next[i] = 0
	}
	ms := cur.misc
	if parent == nil || !sameMisc(parent, c) {
		ms = t.misc(cur, c)
	}
	root := cur.root
	switch {
	case parent != nil && len(cur.changed) == 0:
	case t.vecs != nil:
		b := cur.buf[:0]
		for _, id := range cur.next {
			b = binary.AppendUvarint(b, uint64(id))
		}
		cur.buf = b
		var err error
		if root, err = t.vecs.Intern(b); err != nil && cur.err == nil {
			cur.err = err
		}
	default:
		root = t.up(cur, 0, n, 0)
	}
	if cur.err != nil {
		err := cur.err
		cur.err = nil
		return 0, err
	}
	return uint64(root)<<32 | uint64(ms), nil
}

// up returns the id of the successor's subtree over leaves [a, b).
func (t *trees) up(cur *cursor, a, b, idx int) uint32 {
	if b-a == 1 {
		return cur.next[a]
	}
	if cur.cfg != nil && !anyIn(cur.changed, a, b) {
		return cur.nodes[idx]
	}
	m := split(a, b)
	l := t.up(cur, a, m, 2*idx+1)
	r := t.up(cur, m, b, 2*idx+2)
	return t.pair(cur, l, r)
}

// pair interns the pair (l, r).
func (t *trees) pair(cur *cursor, l, r uint32) uint32 {
	id, err := t.nodes.Intern(l, r)
	if err != nil && cur.err == nil {
		cur.err = err
	}
	return id
}

func anyIn(xs []int, a, b int) bool {
	for _, x := range xs {
		if x >= a && x < b {
			return true
		}
	}
	return false
}

// sameMisc reports whether c's misc part is its parent's (the same parts).
func sameMisc(parent, c *Config) bool {
	if parent.Upd != c.Upd || len(parent.Insts) != len(c.Insts) || len(parent.Queue) != len(c.Queue) {
		return false
	}
	for i, in := range c.Insts {
		if in != parent.Insts[i] {
			return false
		}
	}
	for i, ch := range c.Queue {
		if ch != parent.Queue[i] {
			return false
		}
	}
	return true
}

func (t *trees) thread(cur *cursor, th *Thread) uint32 {
	cur.buf = encodeThread(cur.buf[:0], th)
	id, err := t.threads.Intern(cur.buf, func(b []byte) (*Thread, int) {
		d := decoder{b: b}
		th, err := t.p.decodeThread(&d, nil)
		if err == nil && len(d.b) != 0 {
			err = errCorrupt
		}
		if err != nil {
			cur.err = err
			return nil, 0
		}
		size := int(unsafe.Sizeof(Thread{}))
		for _, f := range th.Frames {
			size += int(unsafe.Sizeof(f)) + (len(f.Slots)+len(f.Stack))*int(unsafe.Sizeof(Value{}))
		}
		return th, size
	})
	if err != nil {
		cur.err = err
	}
	return id
}

// misc interns the instances, the channels and the misc part of c: the
// update state, then the number and ids of the instances, then those of the
// channels.
func (t *trees) misc(cur *cursor, c *Config) uint32 {
	ids := cur.ids[:0]
	for _, in := range c.Insts {
		ids = append(ids, t.instance(cur, in))
	}
	for _, ch := range c.Queue {
		ids = append(ids, t.channel(cur, ch))
	}
	cur.ids = ids
	b := cur.buf[:0]
	flags := byte(0)
	if c.Upd.Introduced {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendVarint(b, int64(c.Upd.Countdown))
	b = binary.AppendUvarint(b, uint64(len(c.Insts)))
	for _, id := range ids[:len(c.Insts)] {
		b = binary.AppendUvarint(b, uint64(id))
	}
	b = binary.AppendUvarint(b, uint64(len(c.Queue)))
	for _, id := range ids[len(c.Insts):] {
		b = binary.AppendUvarint(b, uint64(id))
	}
	cur.buf = b
	id, err := t.miscs.Intern(b)
	if err != nil {
		cur.err = err
	}
	return id
}

func (t *trees) instance(cur *cursor, in *Instance) uint32 {
	if cur.cfg != nil {
		for i, p := range cur.cfg.Insts {
			if p == in {
				return cur.instIDs[i]
			}
		}
	}
	cur.buf = encodeInstance(cur.buf[:0], in)
	id, err := t.insts.Intern(cur.buf, func(b []byte) (*Instance, int) {
		d := decoder{b: b}
		in, err := decodeInstance(&d, nil)
		if err == nil && len(d.b) != 0 {
			err = errCorrupt
		}
		if err != nil {
			cur.err = err
			return nil, 0
		}
		return in, int(unsafe.Sizeof(Instance{})) + len(in.Ends)*int(unsafe.Sizeof(End{})) + len(in.RunVer)
	})
	if err != nil {
		cur.err = err
	}
	return id
}

func (t *trees) channel(cur *cursor, ch *Channel) uint32 {
	if cur.cfg != nil {
		for i, p := range cur.cfg.Queue {
			if p == ch {
				return cur.chanIDs[i]
			}
		}
	}
	cur.buf = encodeChannel(cur.buf[:0], ch)
	id, err := t.chans.Intern(cur.buf, func(b []byte) (*Channel, int) {
		d := decoder{b: b}
		ch, err := decodeChannel(&d, nil)
		if err == nil && len(d.b) != 0 {
			err = errCorrupt
		}
		if err != nil {
			cur.err = err
			return nil, 0
		}
		return ch, int(unsafe.Sizeof(Channel{})) + len(ch.Msgs)*int(unsafe.Sizeof(Msg{}))
	})
	if err != nil {
		cur.err = err
	}
	return id
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// flatThreads is the number of threads up to which the threads' part is a
// flat vector of thread ids, one string in a table (one probe a
// successor), rather than a tree of pairs (a probe per level on the paths
// of the threads that moved). On prodcons with 3 pairs (6 threads) the
// vector was 5% faster; a tree keeps a wide model's successors from
// costing a vector each.
var flatThreads = 32 // a variable for the tests, which try both
