package statespace

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/mcheck/mcheck/store"
)

// The explorer keeps configurations as trees of interned parts (LTSmin's
// tree compression; Laarman, van de Pol and Weber, SPIN 2011). Every part
// is kept once, in a table that gives it a 32-bit id:
//
//   - each distinct thread (status, heap version, flags, call stack), each
//     session instance and each channel, encoded, in a table that keeps the
//     part decoded beside its bytes; the decoded copy carries its table and
//     id (interned), so a configuration made of the tables' parts needs no
//     lookup to know their ids;
//   - the misc part: an interned pair of halves, each a string in a table
//     of its own that keeps it decoded too (the tables' instances and
//     channels, the update state): the first half of the live instances
//     with their non-empty channels, and the update state; the second half
//     of the instances with theirs;
//   - the threads' part: the vector of the thread ids, cut into chunks of
//     at most chunkThreads ids, each chunk a string in a table of byte
//     strings; with more than one chunk, a balanced binary tree over the
//     chunks whose inner nodes are interned pairs of ids.
//
// A configuration's key is its threads' part and its misc part, one 64-bit
// word. Every table compares whole contents, so the key is exact: two
// configurations have the same key iff they are equal. There is no
// fingerprint and no collision.
//
// A successor differs from its parent in a few parts (a step moves one or
// two threads and touches an instance or a channel), so computing its key
// costs encoding those parts and a lookup or two; the rest is the parent's
// (the cursor). With the memos (memo.go) a step mostly takes the tables'
// copies of the parts it makes, ids included, and encodes nothing.
// Rebuilding a configuration from its key costs a walk down its tree and
// no decoding: the tables keep the parts decoded (on the heap, never
// changed afterwards, as Config's parts are never changed once shared).
//
// Ids are dense in every table, and a pair of ids below 2^15 is its own id
// (store.PairTable: inline, never stored), so a model with few chunks and
// halves has keys made of packed pairs and no stored pair at all.
//
// On prodcons K=4 at 1.2e7 configurations the tables and the visited set
// took 20 B a configuration: 6.8 B for the threads' parts (pairs; the
// chunks' table held 40,000 strings), 3 B for the misc parts (pairs;
// 32,000 halves), 9.8 B for the visited set, and 5 MiB in all for the
// threads, instances and channels. Inline pairs then took prodcons K=3
// (1.8e6 configurations) from 12.8 to 5.4 B a configuration for the
// tables, where 364,448 pairs of chunks and 478,811 misc parts had been
// stored.

// trees holds the tables.
type trees struct {
	p       *Program
	threads *store.LeafTable[*Thread]
	insts   *store.LeafTable[*Instance]
	chans   *store.LeafTable[*Channel]
	// The halves of misc parts, first and second, kept decoded.
	halves [2]*store.LeafTable[*half]
	miscs  *store.PairTable // misc parts: pairs of halves
	nodes  *store.PairTable
	vecs   *store.BytesTable // the chunks of the threads' parts: vectors of thread ids
	leaves int               // len(p.Threads), and 1 at least (padded with leaf 0)
	// The chunks: chunk c holds the leaves [bounds[c], bounds[c+1]).
	chunks int
	bounds []int
}

func newTrees(p *Program) *trees {
	t := &trees{
		p:       p,
		threads: store.NewLeafTable[*Thread](),
		insts:   store.NewLeafTable[*Instance](),
		chans:   store.NewLeafTable[*Channel](),
		halves:  [2]*store.LeafTable[*half]{store.NewLeafTable[*half](), store.NewLeafTable[*half]()},
		miscs:   store.NewPairTableInline(inlinePairBits),
		nodes:   store.NewPairTableInline(inlinePairBits),
		vecs:    store.NewBytesTable(),
		leaves:  max(len(p.Threads), 1),
	}
	t.chunks = (t.leaves + chunkThreads - 1) / chunkThreads
	for c := 0; c <= t.chunks; c++ {
		t.bounds = append(t.bounds, c*t.leaves/t.chunks)
	}
	return t
}

// quiesce frees what lookups without a lock may have been reading; only
// while no worker runs.
func (t *trees) quiesce() {
	t.threads.Quiesce()
	t.insts.Quiesce()
	t.chans.Quiesce()
	t.halves[0].Quiesce()
	t.halves[1].Quiesce()
	t.miscs.Quiesce()
	t.nodes.Quiesce()
	t.vecs.Quiesce()
}

// close frees the tables; no configuration decoded from them may be used
// afterwards.
func (t *trees) close() {
	t.threads.Close()
	t.insts.Close()
	t.chans.Close()
	t.halves[0].Close()
	t.halves[1].Close()
	t.miscs.Close()
	t.nodes.Close()
	t.vecs.Close()
}

// stats is the memory the tables hold.
func (t *trees) stats() StoreStats {
	var s StoreStats
	for _, x := range []StoreStats{t.vecs.Stats(), t.threads.Stats(), t.insts.Stats(), t.chans.Stats(), t.halves[0].Stats(), t.halves[1].Stats(), t.miscs.Stats(), t.nodes.Stats()} {
		s.RAMBytes += x.RAMBytes
	}
	return s
}

// cursor is one worker's view of the configuration it expands (the
// parent): its leaves and inner nodes, from which its successors' trees
// are built, and scratch space.
type cursor struct {
	_      [cacheLinePad]byte // see Arena
	cfg    *Config            // the parent (nil: none; every part is new)
	leaves []uint32           // the parent's leaves (thread ids)
	chunks []uint32           // the parent's chunks (ids of vectors of thread ids)
	nodes  []uint32           // the parent's tree over its chunks, numbered as a heap (root 0)
	root   uint32             // the parent's threads part: its chunk, or its tree's root
	misc   uint32             // the parent's misc part
	halves [2]uint32          // its halves
	hi, hq int                // the instances and channels in its first half

	// The chunk memo: chunks made from the parent's by replacing a leaf.
	chunkMemo memoTable[chunkSlot]
	// The half memo: the ids of the halves of misc parts, by content.
	halfMemo memoTable[halfSlot]
	// The decode memo: the leaves and threads of chunks, by chunk id.
	decodeMemo memoTable[decodeSlot]
	// The duplicate filter (explore.go).
	dups memoTable[dupSlot]

	next    []uint32 // the successor's leaves
	cnext   []uint32 // the successor's chunks
	changed []int    // chunks where the successor differs
	buf     []byte
	ids     []uint32
	err     error
	_       [cacheLinePad]byte // see Arena
}

// chunkSlot is an entry of a cursor's chunk memo: the chunk old with leaf
// at (an index among all leaves) replaced by leaf is the chunk id.
type chunkSlot struct {
	old, leaf, id uint32
	at            uint16
	ok            bool
}

// chunkMemoSlots is the size of a cursor's chunk memo (16 bytes an entry).
const chunkMemoSlots = 1 << 12

// chunkSlot returns the chunk memo's entry for (old, at, leaf).
func (cur *cursor) chunkSlot(old uint32, at int, leaf uint32) *chunkSlot {
	h := store.Mix(uint64(old)<<32 | uint64(leaf) ^ uint64(at)<<56)
	return cur.chunkMemo.at(h, chunkMemoSlots)
}

// halfSlot is an entry of a cursor's half memo: the half of a misc part
// made of the given ids (instances, then channels) and, in the first half,
// the update state, has the given id in the table of halves. It spares
// encoding the half and probing the shared table: a worker meets the same
// few halves again and again.
type halfSlot struct {
	ids    [halfMemoIDs]uint32
	upd    UpdState
	ni, nq uint8 // the number of instances and of channels (ids[:ni+nq])
	first  bool  // the first half (with the update state)
	ok     bool
	id     uint32
}

const (
	halfMemoSlots = 1 << 11 // 60 bytes an entry
	halfMemoIDs   = 11      // halves with more parts are not kept
)

// halfSlot returns the half memo's entry for a half, and whether it is
// that half's (its id is known).
func (cur *cursor) halfSlot(first bool, upd UpdState, ni, nq int, ids []uint32) (*halfSlot, bool) {
	if len(ids) > halfMemoIDs {
		return nil, false
	}
	h := uint64(ni)<<8 | uint64(nq)
	if first {
		h ^= 1<<63 | uint64(b2i(upd.Introduced))<<62 | uint64(uint32(upd.Countdown))<<16
	}
	// Two ids a multiplication, one mix at the end: against a chain of
	// mixes, one an id, 0.985 of the one-core time (prodcons K=3).
	i := 0
	for ; i+1 < len(ids); i += 2 {
		h = bits.RotateLeft64(h, 29) ^ (uint64(ids[i])<<32 | uint64(ids[i+1]))
		h *= 0x9e3779b97f4a7c15
	}
	if i < len(ids) {
		h = (bits.RotateLeft64(h, 29) ^ uint64(ids[i])) * 0x9e3779b97f4a7c15
	}
	sl := cur.halfMemo.at(store.Mix(h), halfMemoSlots)
	if !sl.ok || sl.first != first || int(sl.ni) != ni || int(sl.nq) != nq || first && sl.upd != upd {
		return sl, false
	}
	return sl, slices.Equal(sl.ids[:len(ids)], ids)
}

// decodeSlot is an entry of a cursor's decode memo: the chunk id holds
// the given thread ids (leaves) and threads. Decoding a configuration then
// reads the chunk's string and the threads' table only on a miss.
type decodeSlot struct {
	id      uint32
	ok      bool
	leaves  [decodeMemoWidth]uint32
	threads [decodeMemoWidth]*Thread
}

const (
	decodeMemoSlots = 1 << 12 // 56 bytes an entry
	decodeMemoWidth = 4       // chunks of more threads are not kept
)

// decodeSlot returns the decode memo's entry for chunk id, n threads wide
// (nil if too wide).
func (cur *cursor) decodeSlot(id uint32, n int) *decodeSlot {
	if n > decodeMemoWidth {
		return nil
	}
	return cur.decodeMemo.at(store.Mix(uint64(id)), decodeMemoSlots)
}

// split is where the range [a, b) of leaves is cut in two.
func split(a, b int) int { return a + (b-a+1)/2 }

// decode rebuilds the configuration with the given key into a (its parts
// are the tables', shared, as in any configuration) and makes it cur's
// parent.
func (t *trees) decode(key uint64, a *Arena, cur *cursor) *Config {
	n := t.leaves
	cur.leaves = grow(cur.leaves, n)
	cur.chunks = grow(cur.chunks, t.chunks)
	cur.root, cur.misc = uint32(key>>32), uint32(key)
	if t.chunks == 1 {
		cur.chunks[0] = cur.root
	} else {
		cur.nodes = grow(cur.nodes, 4*t.chunks)
		t.down(cur, cur.root, 0, t.chunks, 0)
	}
	c := a.config()
	c.Threads = a.threadPtrs(len(t.p.Threads), len(t.p.Threads))
	for ch, id := range cur.chunks {
		lo, hi := t.bounds[ch], t.bounds[ch+1]
		sl := cur.decodeSlot(id, hi-lo)
		if sl != nil && sl.ok && sl.id == id {
			copy(cur.leaves[lo:hi], sl.leaves[:])
			copy(c.Threads[lo:min(hi, len(c.Threads))], sl.threads[:])
			continue
		}
		d := decoder{b: t.vecs.Bytes(id)}
		for i := lo; i < hi; i++ {
			cur.leaves[i] = uint32(d.uvarint())
			if i < len(c.Threads) {
				c.Threads[i] = t.threads.Get(cur.leaves[i])
			}
		}
		if sl != nil {
			*sl = decodeSlot{id: id, ok: true}
			copy(sl.leaves[:], cur.leaves[lo:hi])
			copy(sl.threads[:], c.Threads[lo:min(hi, len(c.Threads))])
		}
	}
	cur.halves[0], cur.halves[1] = t.miscs.Get(cur.misc)
	t.decodeMisc(c, a, cur)
	cur.cfg = c
	return c
}

// half is the tables' copy of a half of a misc part (see misc), decoded:
// the update state (in the first half), the instances and the channels,
// the tables' copies.
type half struct {
	upd   UpdState
	insts []*Instance
	chans []*Channel
}

// decodeMisc sets c's update state, instances and channels from the
// halves of a misc part.
func (t *trees) decodeMisc(c *Config, a *Arena, cur *cursor) {
	h0, h1 := t.halves[0].Get(cur.halves[0]), t.halves[1].Get(cur.halves[1])
	c.Upd = h0.upd
	cur.hi, cur.hq = len(h0.insts), len(h0.chans)
	ni, nq := len(h0.insts)+len(h1.insts), len(h0.chans)+len(h1.chans)
	c.Insts = a.instPtrs(ni, ni+1)
	copy(c.Insts[copy(c.Insts, h0.insts):], h1.insts)
	c.Queue = a.chanPtrs(nq, nq+1)
	copy(c.Queue[copy(c.Queue, h0.chans):], h1.chans)
}

// decodeHalf decodes half h (0: the first) from b, its string.
func (t *trees) decodeHalf(h int, b []byte) (*half, error) {
	d := decoder{b: b}
	x := &half{}
	if h == 0 {
		x.upd.Introduced = d.byte() == 1
		x.upd.Countdown = int32(d.varint())
	}
	ni, nq := int(d.uvarint()), int(d.uvarint())
	if d.err != nil || ni > len(d.b) || nq > len(d.b) {
		return nil, errCorrupt
	}
	x.insts, x.chans = make([]*Instance, ni), make([]*Channel, nq)
	for i := range x.insts {
		x.insts[i] = t.insts.Get(uint32(d.uvarint()))
	}
	for i := range x.chans {
		x.chans[i] = t.chans.Get(uint32(d.uvarint()))
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errCorrupt
	}
	return x, nil
}

// down records the subtree id covering chunks [a, b) at heap index idx.
func (t *trees) down(cur *cursor, id uint32, a, b, idx int) {
	cur.nodes[idx] = id
	if b-a == 1 {
		cur.chunks[a] = id
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
	cur.cnext = grow(cur.cnext, t.chunks)
	if cur.changed == nil {
		// On lines of their own, as grow's (lineCap).
		cur.changed = make([]int, 0, lineCap[int](t.chunks))
		cur.buf = make([]byte, 0, lineCap[byte](256))
		cur.ids = make([]uint32, 0, lineCap[uint32](2*halfMemoIDs))
	}
	cur.changed = cur.changed[:0]
	parent := cur.cfg
	for ch := range t.chunks {
		moved := parent == nil
		diff, at := 0, 0 // leaves that differ from the parent's; the last
		for i := t.bounds[ch]; i < t.bounds[ch+1]; i++ {
			if i >= len(c.Threads) {
				cur.next[i] = 0
				continue
			}
			th := c.Threads[i]
			if parent != nil && th == parent.Threads[i] {
				cur.next[i] = cur.leaves[i]
				continue
			}
			cur.next[i] = t.thread(cur, th)
			if parent == nil || cur.next[i] != cur.leaves[i] {
				diff, at = diff+1, i
				moved = true
			}
		}
		if !moved {
			cur.cnext[ch] = cur.chunks[ch]
			continue
		}
		// A chunk that differs from the parent's in one leaf is the
		// parent's chunk with that leaf replaced: the chunk memo may know
		// its id.
		var sl *chunkSlot
		if parent != nil && diff == 1 && at < 1<<16 {
			sl = cur.chunkSlot(cur.chunks[ch], at, cur.next[at])
			if sl.ok && sl.old == cur.chunks[ch] && int(sl.at) == at && sl.leaf == cur.next[at] {
				cur.cnext[ch] = sl.id
				if sl.id != cur.chunks[ch] {
					cur.changed = append(cur.changed, ch)
				}
				continue
			}
		}
		b := cur.buf[:0]
		for _, id := range cur.next[t.bounds[ch]:t.bounds[ch+1]] {
			b = binary.AppendUvarint(b, uint64(id))
		}
		cur.buf = b
		id, err := t.vecs.Intern(b)
		if err != nil && cur.err == nil {
			cur.err = err
		}
		if sl != nil && err == nil {
			*sl = chunkSlot{old: cur.chunks[ch], leaf: cur.next[at], id: id, at: uint16(at), ok: true}
		}
		cur.cnext[ch] = id
		if parent == nil || id != cur.chunks[ch] {
			cur.changed = append(cur.changed, ch)
		}
	}
	ms := cur.misc
	if parent == nil || !sameMisc(parent, c) {
		ms = t.misc(cur, c)
	}
	root := cur.root
	switch {
	case parent != nil && len(cur.changed) == 0:
	case t.chunks == 1:
		root = cur.cnext[0]
	default:
		root = t.up(cur, 0, t.chunks, 0)
	}
	if cur.err != nil {
		err := cur.err
		cur.err = nil
		return 0, err
	}
	return uint64(root)<<32 | uint64(ms), nil
}

// up returns the id of the successor's subtree over chunks [a, b).
func (t *trees) up(cur *cursor, a, b, idx int) uint32 {
	if b-a == 1 {
		return cur.cnext[a]
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
	return parent.Upd == c.Upd && slices.Equal(parent.Insts, c.Insts) && slices.Equal(parent.Queue, c.Queue)
}

// thread interns th and returns its id: at once if th is the tables' copy
// (one a configuration decoded from them holds, or one the memos kept).
func (t *trees) thread(cur *cursor, th *Thread) uint32 {
	if th.tab.trees == t {
		return th.tab.id
	}
	cur.buf = encodeThread(cur.buf[:0], th)
	id, err := t.threads.Intern(cur.buf, func(b []byte, id uint32) (*Thread, int) {
		d := decoder{b: b}
		th, err := t.p.decodeThread(&d, nil)
		if err == nil && len(d.b) != 0 {
			err = errCorrupt
		}
		if err != nil {
			cur.err = err
			return nil, 0
		}
		th.tab = interned{t, id}
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

// misc interns the instances, the channels and the misc part of c: a pair
// of halves, strings that split the sessions in two, each half with the
// channels of its sessions (the queue is sorted by session). The first
// half holds the update state, then the numbers of its instances and
// channels, then their ids; the second the same without the update state.
// A step touches one session and its channels, so it changes one half, and
// the misc parts that agree on a half keep it once.
func (t *trees) misc(cur *cursor, c *Config) uint32 {
	ni, nq := len(c.Insts), len(c.Queue)
	hi := (ni + 1) / 2 // instances [0, hi) go in the first half
	hq := 0
	for hq < nq && int(c.Queue[hq].Inst) < hi {
		hq++
	}
	parent := cur.cfg
	var halves [2]uint32
	for h := range 2 {
		insts, chans := c.Insts[:hi], c.Queue[:hq]
		if h == 1 {
			insts, chans = c.Insts[hi:], c.Queue[hq:]
		}
		if parent != nil {
			// The parent's half h, the same parts: the same half.
			pi, pq := parent.Insts[:cur.hi], parent.Queue[:cur.hq]
			if h == 1 {
				pi, pq = parent.Insts[cur.hi:], parent.Queue[cur.hq:]
			}
			if (h == 1 || parent.Upd == c.Upd) && slices.Equal(insts, pi) && slices.Equal(chans, pq) {
				halves[h] = cur.halves[h]
				continue
			}
		}
		// The ids first: interning a part uses cur.buf.
		ids := cur.ids[:0]
		for _, in := range insts {
			ids = append(ids, t.instance(cur, in))
		}
		for _, ch := range chans {
			ids = append(ids, t.channel(cur, ch))
		}
		cur.ids = ids
		sl, hit := cur.halfSlot(h == 0, c.Upd, len(insts), len(chans), ids)
		if hit {
			halves[h] = sl.id
			continue
		}
		b := cur.buf[:0]
		if h == 0 {
			flags := byte(0)
			if c.Upd.Introduced {
				flags = 1
			}
			b = append(b, flags)
			b = binary.AppendVarint(b, int64(c.Upd.Countdown))
		}
		b = binary.AppendUvarint(b, uint64(len(insts)))
		b = binary.AppendUvarint(b, uint64(len(chans)))
		for _, id := range ids {
			b = binary.AppendUvarint(b, uint64(id))
		}
		cur.buf = b
		id, err := t.halves[h].Intern(b, func(b []byte, _ uint32) (*half, int) {
			x, err := t.decodeHalf(h, b)
			if err != nil {
				cur.err = err
				return nil, 0
			}
			return x, int(unsafe.Sizeof(half{})) + 8*(len(x.insts)+len(x.chans))
		})
		if err != nil && cur.err == nil {
			cur.err = err
		}
		if sl != nil && err == nil {
			*sl = halfSlot{upd: c.Upd, ni: uint8(len(insts)), nq: uint8(len(chans)), first: h == 0, ok: true, id: id}
			copy(sl.ids[:], ids)
		}
		halves[h] = id
	}
	id, err := t.miscs.Intern(halves[0], halves[1])
	if err != nil && cur.err == nil {
		cur.err = err
	}
	return id
}

// instance interns in and returns its id (see thread).
func (t *trees) instance(cur *cursor, in *Instance) uint32 {
	if in.tab.trees == t {
		return in.tab.id
	}
	cur.buf = encodeInstance(cur.buf[:0], in)
	id, err := t.insts.Intern(cur.buf, func(b []byte, id uint32) (*Instance, int) {
		d := decoder{b: b}
		in, err := decodeInstance(&d, nil)
		if err == nil && len(d.b) != 0 {
			err = errCorrupt
		}
		if err != nil {
			cur.err = err
			return nil, 0
		}
		in.tab = interned{t, id}
		return in, int(unsafe.Sizeof(Instance{})) + len(in.Ends)*int(unsafe.Sizeof(End{})) + len(in.RunVer)
	})
	if err != nil {
		cur.err = err
	}
	return id
}

// channel interns ch and returns its id (see thread).
func (t *trees) channel(cur *cursor, ch *Channel) uint32 {
	if ch.tab.trees == t {
		return ch.tab.id
	}
	cur.buf = encodeChannel(cur.buf[:0], ch)
	id, err := t.chans.Intern(cur.buf, func(b []byte, id uint32) (*Channel, int) {
		d := decoder{b: b}
		ch, err := decodeChannel(&d, nil)
		if err == nil && len(d.b) != 0 {
			err = errCorrupt
		}
		if err != nil {
			cur.err = err
			return nil, 0
		}
		ch.tab = interned{t, id}
		return ch, int(unsafe.Sizeof(Channel{})) + len(ch.Msgs)*int(unsafe.Sizeof(Msg{}))
	})
	if err != nil {
		cur.err = err
	}
	return id
}

// grow returns s with length n, reallocated on its own cache lines if it
// is too short (lineCap).
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, lineCap[T](n))
	}
	return s[:n]
}

// lineCap is a capacity of at least n elements of T whose allocation is a
// power of two bytes, 128 at least: Go places such an object at a multiple
// of its size, so it shares no cache line with another object. A worker's
// scratch space is written at every step; small slices of it on lines
// with another worker's gave trees.key 2.9 times its own time of one
// worker with 2 (a CPU profile of BenchmarkScaleWorkers, prodcons K=3):
// 2 workers took 1.13 times the CPU time of one, and now take as much.
func lineCap[T any](n int) int {
	size := int(unsafe.Sizeof(*new(T)))
	if size == 0 || size > 128 {
		return n
	}
	b := 128
	for b < n*size {
		b *= 2
	}
	return b / size
}

// chunkThreads is the most thread ids in a chunk of the threads' part.
// A chunk is one probe of a table of strings; more chunks mean more, but
// smaller, tables, and configurations that differ in one chunk share the
// others. On prodcons with 4 pairs (8 threads: two chunks of 4 under one
// pair) at 6e6 configurations, against one flat vector: 0.87 of the peak
// memory (the vectors' table took 27 B a vector, 13 B a configuration)
// for 1.04 of the time; a tree over single threads (chunkThreads 1) took
// as little memory and 1.12 of the time.
var chunkThreads = 4 // a variable for the tests, which try others

// inlinePairBits is the width of the ids of the pairs that are their own
// ids, not stored (store.PairTable): 15, the most. A variable for the
// tests, which try narrower widths (small models then mix the two forms)
// and none.
var inlinePairBits = 15
