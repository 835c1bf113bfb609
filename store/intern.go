package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// The interning tables hold the parts of configurations once each and give
// every distinct part a small integer id (LTSmin's tree compression:
// Laarman, van de Pol and Weber, "Parallel Recursive State Compression for
// Free", SPIN 2011). They are exact: a part is found by comparing its whole
// content, so two different parts never share an id.
//
// Both tables are safe for concurrent use. A lookup of a part already in the
// table takes no lock: each shard's index is an array of atomic slots,
// replaced (never changed in place) when it grows, and an entry is written
// before the slot that publishes it. Inserting takes the shard's lock and
// looks again.
//
// Ids are dense per shard: id = local<<shardBits | shard. Ids are assigned
// in insertion order, which depends on the scheduling of workers; nothing
// but identity may depend on them.

// ErrTableFull is returned when a table has handed out every id it can.
var ErrTableFull = errors.New("store: interning table full (more than 2^32 distinct parts)")

const (
	shardBits = 3
	numShards = 1 << shardBits
	// The index of a PairTable or LeafTable keeps in each slot a local id
	// plus one in its low idBits bits and 4 bits of the hash above them,
	// so that a probe reads an entry only when those agree.
	idBits     = 28
	idMask     = 1<<idBits - 1
	maxIndexed = idMask - 1 // local ids of indexed tables: 2^31 entries in all
	entryShift = 12         // entries per chunk: 4096
	entryChunk = 1 << entryShift
	minIndex   = 1 << 5
)

// Mix is a 64-bit finaliser (splitmix64): pair keys are small integers and
// must spread over shards and slots. The explorer's memos hash with it too.
func Mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// chunked is an append-only array of E in chunks that never move, so an
// entry can be read without a lock by whoever learnt its index after it
// was written. The first chunks grow: entries [0, firstChunk) in chunk 0,
// then [firstChunk<<(k-1), firstChunk<<k) in chunk k up to entryChunk
// entries, and chunks of entryChunk entries from there on. A small search
// makes many tables (8 shards each) that hold a few entries: with chunks
// of entryChunk entries from the first, a search of a hundred
// configurations allocated about 4 MB of entries.
type chunked[E any] struct {
	dir atomic.Pointer[[][]E]
	// plain is set for element types without pointers: their chunks are
	// mapped outside the heap (offheap.go) when large enough, and kept in
	// mem to be freed.
	plain bool
	mem   []block
}

const (
	firstShift  = 6 // the first chunk's entries: 64
	firstChunk  = 1 << firstShift
	smallChunks = entryShift - firstShift + 1 // the chunks below entryChunk entries
)

// chunkOf is where entry i lies: its chunk and its place there.
func chunkOf(i uint32) (k int, off uint32) {
	if i >= entryChunk {
		return int(i>>entryShift) + smallChunks - 1, i & (entryChunk - 1)
	}
	k = bits.Len32(i >> firstShift)
	if k == 0 {
		return 0, i
	}
	return k, i - firstChunk<<(k-1)
}

// chunkLen is the number of entries of chunk k.
func chunkLen(k int) int {
	if k >= smallChunks {
		return entryChunk
	}
	return firstChunk << max(k-1, 0)
}

// entriesFor is the number of entries the chunks of a table of n entries
// hold (for Stats).
func entriesFor(n uint32) int64 {
	if n == 0 {
		return 0
	}
	k, _ := chunkOf(n - 1)
	var e int64
	for j := 0; j <= k; j++ {
		e += int64(chunkLen(j))
	}
	return e
}

// recycle releases the chunks mapped outside the heap, the table being
// closed (block.recycle); nothing may read the entries afterwards.
func (c *chunked[E]) recycle() {
	for i := range c.mem {
		c.mem[i].recycle()
	}
	c.mem = nil
	c.dir.Store(nil)
}

// at returns entry i (published before i was).
func (c *chunked[E]) at(i uint32) *E {
	d := *c.dir.Load()
	k, off := chunkOf(i)
	return &d[k][off]
}

// slot returns the place of entry i, allocating its chunk; the caller holds
// the shard's lock.
func (c *chunked[E]) slot(i uint32) *E {
	p := c.dir.Load()
	var d [][]E
	if p != nil {
		d = *p
	}
	k, off := chunkOf(i)
	if k >= len(d) {
		nd := make([][]E, k+1, max(2*len(d), k+1, 8))
		copy(nd, d)
		d = nd[:cap(nd)]
		c.dir.Store(&d)
	}
	if d[k] == nil {
		n := chunkLen(k)
		if c.plain {
			var e E
			b := newBlock(n * int(unsafe.Sizeof(e)))
			c.mem = append(c.mem, b)
			d[k] = unsafe.Slice((*E)(unsafe.Pointer(unsafe.SliceData(b.b))), n)
		} else {
			d[k] = make([]E, n)
		}
	}
	return &d[k][off]
}

// index is an open-addressing table of local ids+1 (0: empty), replaced
// whole when it grows.
type index struct {
	slots []atomic.Uint32
	mask  uint64
	mem   block
}

func newIndex(n int) *index {
	b := newBlock(4 * n)
	return &index{slots: unsafe.Slice((*atomic.Uint32)(unsafe.Pointer(unsafe.SliceData(b.b))), n), mask: uint64(n - 1), mem: b}
}

// shard is what the tables share: a lock, an index and a count.
type shard struct {
	mu  sync.Mutex
	idx atomic.Pointer[index]
	n   uint32 // entries
	// retired holds the indexes replaced by bigger ones: a lookup without
	// the lock may still be reading one, so they are freed only by
	// Quiesce or Close.
	retired []*index
	_       [32]byte
}

func (s *shard) init() { s.idx.Store(newIndex(minIndex)) }

// setIndex replaces the shard's index with nx (the caller holds the lock).
func (s *shard) setIndex(nx *index) {
	s.retired = append(s.retired, s.idx.Load())
	s.idx.Store(nx)
}

// quiesce frees the retired indexes.
func (s *shard) quiesce() {
	s.mu.Lock()
	for _, ix := range s.retired {
		ix.mem.free()
	}
	s.retired = nil
	s.mu.Unlock()
}

// close frees every index.
func (s *shard) close() {
	s.quiesce()
	if ix := s.idx.Load(); ix != nil {
		ix.mem.recycle()
	}
	s.idx.Store(newIndex(minIndex))
	s.n = 0
}

// PairTable interns pairs of 32-bit ids: the inner nodes of the trees that
// represent configurations.
//
// A pair of small ids (both below 2^15) is not stored: its id is the pair
// itself, packed with the top bit set (inline). Stored pairs have ids below
// 2^31 (maxIndexed<<shardBits), so the two forms never meet, and a pair has
// one id whichever form it takes: the ids stay exact. Inline pairs cost no
// lookup and no memory; the upper levels of a configuration's tree join
// few distinct parts, whose ids are small.
type PairTable struct {
	shards  [numShards]shard
	entries [numShards]chunked[uint64]
	inline  uint32 // the width of each id of an inline pair (0: none)
}

// NewPairTable returns an empty table.
func NewPairTable() *PairTable { return NewPairTableInline(inlineBits) }

// NewPairTableInline returns an empty table whose inline pairs are those of
// ids below 2^bits (0 ≤ bits ≤ 15; 0: every pair is stored). The tests use
// narrow widths, so that small models mix inline and stored pairs.
func NewPairTableInline(bits int) *PairTable {
	t := &PairTable{inline: uint32(min(max(bits, 0), inlineBits))}
	for i := range t.shards {
		t.shards[i].init()
		t.entries[i].plain = true
	}
	return t
}

// Quiesce frees memory that lookups without a lock might have been using;
// call it only while no Intern or Get is running.
func (t *PairTable) Quiesce() {
	for i := range t.shards {
		t.shards[i].quiesce()
	}
}

// Close frees the table's memory; it must not be used afterwards.
func (t *PairTable) Close() {
	for i := range t.shards {
		t.shards[i].close()
		t.entries[i].recycle()
	}
}

// inlinePair is the bit that marks an inline pair's id; inlineBits the
// width of each of its ids.
const (
	inlinePair = 1 << 31
	inlineBits = 15
)

// Intern returns the id of the pair (l, r), adding it if it is new.
func (t *PairTable) Intern(l, r uint32) (uint32, error) {
	if b := t.inline; b > 0 && (l|r)>>b == 0 {
		return inlinePair | l<<b | r, nil
	}
	key := uint64(l)<<32 | uint64(r)
	h := Mix(key)
	si := h & (numShards - 1)
	s, es := &t.shards[si], &t.entries[si]
	if id, ok := pairFind(s.idx.Load(), es, key, h); ok {
		return id<<shardBits | uint32(si), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.idx.Load()
	if id, ok := pairFind(ix, es, key, h); ok {
		return id<<shardBits | uint32(si), nil
	}
	if s.n >= maxIndexed {
		return 0, ErrTableFull
	}
	id := s.n
	*es.slot(id) = key
	s.n++
	if uint64(s.n) > (ix.mask+1)/4*3 {
		ix = growIndex(ix, func(id uint32) uint64 { return Mix(*es.at(id)) })
		place(ix, h, id)
		s.setIndex(ix)
	} else {
		place(ix, h, id)
	}
	return id<<shardBits | uint32(si), nil
}

// Get returns the pair with the given id.
func (t *PairTable) Get(id uint32) (l, r uint32) {
	if id&inlinePair != 0 {
		b := t.inline
		return id >> b & (1<<b - 1), id & (1<<b - 1)
	}
	key := *t.entries[id&(numShards-1)].at(id >> shardBits)
	return uint32(key >> 32), uint32(key)
}

// Len is the number of pairs stored in the table (inline pairs are not).
func (t *PairTable) Len() int64 {
	var n int64
	for i := range t.shards {
		t.shards[i].mu.Lock()
		n += int64(t.shards[i].n)
		t.shards[i].mu.Unlock()
	}
	return n
}

// Stats reports the memory the table holds.
func (t *PairTable) Stats() Stats {
	var b int64
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		b += int64(len(s.idx.Load().slots))*4 + entriesFor(s.n)*8
		s.mu.Unlock()
	}
	return Stats{RAMBytes: b}
}

func pairFind(ix *index, es *chunked[uint64], key, h uint64) (uint32, bool) {
	tag := slotTag(h)
	for i := (h >> shardBits) & ix.mask; ; i = (i + 1) & ix.mask {
		v := ix.slots[i].Load()
		if v == 0 {
			return 0, false
		}
		if v&^idMask == tag && *es.at(v&idMask - 1) == key {
			return v&idMask - 1, true
		}
	}
}

// slotTag is the part of an index slot taken from the hash.
func slotTag(h uint64) uint32 { return uint32(h>>60) << idBits }

// place stores id in the first empty slot from h's home.
func place(ix *index, h uint64, id uint32) {
	i := (h >> shardBits) & ix.mask
	for ix.slots[i].Load() != 0 {
		i = (i + 1) & ix.mask
	}
	ix.slots[i].Store(slotTag(h) | (id + 1))
}

// growIndex builds an index twice the size holding every id of ix.
func growIndex(ix *index, hash func(uint32) uint64) *index {
	nx := newIndex(2 * len(ix.slots))
	for i := range ix.slots {
		if v := ix.slots[i].Load(); v != 0 {
			place(nx, hash(v&idMask-1), v&idMask-1)
		}
	}
	return nx
}

// LeafTable interns byte strings (encoded parts) and keeps with each a value
// made from it once, when it is added: the part decoded, so that a
// configuration is rebuilt from its parts without decoding them again.
type LeafTable[T any] struct {
	shards  [numShards]shard
	entries [numShards]chunked[leaf[T]]
	bytes   [numShards]byteArena
	// size is the bytes of the values, as told by Intern's callers.
	size atomic.Int64
}

type leaf[T any] struct {
	b []byte
	v T
}

// byteArena hands out copies of byte strings from blocks (a string over
// 4 KiB gets its own).
type byteArena struct {
	block []byte
	total int64
}

func (a *byteArena) copy(b []byte) []byte {
	if len(b) > 1<<12 {
		a.total += int64(len(b))
		return bytes.Clone(b)
	}
	if len(a.block)+len(b) > cap(a.block) {
		// Blocks double from 1 KiB to 64 KiB: a small table stays small.
		n := min(max(2*cap(a.block), 1<<10), 1<<16)
		a.block = make([]byte, 0, n)
		a.total += int64(n)
	}
	s := len(a.block)
	a.block = append(a.block, b...)
	return a.block[s:len(a.block):len(a.block)]
}

// NewLeafTable returns an empty table.
func NewLeafTable[T any]() *LeafTable[T] {
	t := &LeafTable[T]{}
	for i := range t.shards {
		t.shards[i].init()
	}
	return t
}

// Quiesce: see PairTable.Quiesce.
func (t *LeafTable[T]) Quiesce() {
	for i := range t.shards {
		t.shards[i].quiesce()
	}
}

// Close frees the table's memory; it must not be used afterwards.
func (t *LeafTable[T]) Close() {
	for i := range t.shards {
		t.shards[i].close()
		t.entries[i].recycle()
	}
}

// Intern returns the id of the byte string b, adding it if it is new; then
// make(copy of b, its id) gives the value kept with it (make must not keep
// b itself, and returns the value's size in bytes for Stats): the id may be
// kept in the value, which is published with it. b is not kept.
func (t *LeafTable[T]) Intern(b []byte, make func(b []byte, id uint32) (T, int)) (uint32, error) {
	h := xxhash.Sum64(b)
	si := h & (numShards - 1)
	s, es := &t.shards[si], &t.entries[si]
	if id, ok := leafFind(s.idx.Load(), es, b, h); ok {
		return id<<shardBits | uint32(si), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.idx.Load()
	if id, ok := leafFind(ix, es, b, h); ok {
		return id<<shardBits | uint32(si), nil
	}
	if s.n >= maxIndexed {
		return 0, ErrTableFull
	}
	id := s.n
	v, size := make(b, id<<shardBits|uint32(si))
	t.size.Add(int64(size))
	*es.slot(id) = leaf[T]{b: t.bytes[si].copy(b), v: v}
	s.n++
	if uint64(s.n) > (ix.mask+1)/4*3 {
		ix = growIndex(ix, func(id uint32) uint64 { return xxhash.Sum64(es.at(id).b) })
		place(ix, h, id)
		s.setIndex(ix)
	} else {
		place(ix, h, id)
	}
	return id<<shardBits | uint32(si), nil
}

func leafFind[T any](ix *index, es *chunked[leaf[T]], b []byte, h uint64) (uint32, bool) {
	tag := slotTag(h)
	for i := (h >> shardBits) & ix.mask; ; i = (i + 1) & ix.mask {
		v := ix.slots[i].Load()
		if v == 0 {
			return 0, false
		}
		if v&^idMask == tag && bytes.Equal(es.at(v&idMask-1).b, b) {
			return v&idMask - 1, true
		}
	}
}

// Get returns the value kept with id.
func (t *LeafTable[T]) Get(id uint32) T {
	return t.entries[id&(numShards-1)].at(id >> shardBits).v
}

// Bytes returns the byte string of id (not to be modified).
func (t *LeafTable[T]) Bytes(id uint32) []byte {
	return t.entries[id&(numShards-1)].at(id >> shardBits).b
}

// Len is the number of byte strings in the table.
func (t *LeafTable[T]) Len() int64 {
	var n int64
	for i := range t.shards {
		t.shards[i].mu.Lock()
		n += int64(t.shards[i].n)
		t.shards[i].mu.Unlock()
	}
	return n
}

// Stats reports the memory the table holds: index, entries, bytes and the
// values' sizes as their makers told.
func (t *LeafTable[T]) Stats() Stats {
	var b int64
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		b += int64(len(s.idx.Load().slots))*4 + entriesFor(s.n)*int64(unsafe.Sizeof(leaf[T]{})) + t.bytes[i].total
		s.mu.Unlock()
	}
	return Stats{RAMBytes: b + t.size.Load()}
}

// BytesTable interns byte strings and keeps nothing else, for parts so
// many that a value each would cost too much (the misc parts of
// configurations). Ids are dense per shard, as in the other tables, so that
// the first ids are small (a pair of small ids is inline: PairTable); an
// array of 4 bytes an entry maps an id to where its string lies (its block
// and its offset there: blocks never move). Each slot of the index holds
// the id and 32 bits of the string's hash, so that a probe reads a string
// only when the hashes agree.
type BytesTable struct {
	shards [numShards]bshard
}

type bshard struct {
	mu  sync.Mutex
	idx atomic.Pointer[bindex]
	n   uint32 // strings
	// retired: see shard.
	retired []*bindex
	blocks  chunked[[]byte] // immutable slice headers
	locs    chunked[uint32] // local id → block<<offBits | offset/strAlign
	nblocks uint32
	off     int // used bytes of the last block, a multiple of strAlign
	last    int // the size of the last block shared by strings (0: none yet)
	ram     int64
	mem     []block
	_       [32]byte
}

type bindex struct {
	slots []atomic.Uint64 // tag<<32 | id+1; 0: empty
	mask  uint64
	mem   block
}

func newBindex(n int) *bindex {
	b := newBlock(8 * n)
	return &bindex{slots: unsafe.Slice((*atomic.Uint64)(unsafe.Pointer(unsafe.SliceData(b.b))), n), mask: uint64(n - 1), mem: b}
}

const (
	strAlign   = 4       // strings start at multiples of 4 bytes
	strBlock   = 1 << 18 // 256 KiB: offsets/strAlign fit 16 bits
	offBits    = 16
	maxBlocks  = 1 << (32 - offBits)
	maxDense   = 1<<(32-shardBits) - 1 // local ids of a BytesTable
	bigStrings = strBlock / 4          // strings from this size get blocks of their own
)

// NewBytesTable returns an empty table.
func NewBytesTable() *BytesTable {
	t := &BytesTable{}
	for i := range t.shards {
		t.shards[i].idx.Store(newBindex(minIndex))
		t.shards[i].locs.plain = true
	}
	return t
}

// Intern returns the id of b, adding a copy if it is new.
func (t *BytesTable) Intern(b []byte) (uint32, error) {
	h := xxhash.Sum64(b)
	si := h & (numShards - 1)
	s := &t.shards[si]
	if id, ok := s.find(s.idx.Load(), b, h); ok {
		return id<<shardBits | uint32(si), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ix := s.idx.Load()
	if id, ok := s.find(ix, b, h); ok {
		return id<<shardBits | uint32(si), nil
	}
	if s.n >= maxDense {
		return 0, ErrTableFull
	}
	loc, ok := s.store(b)
	if !ok {
		return 0, ErrTableFull
	}
	id := s.n
	*s.locs.slot(id) = loc
	s.n++
	if uint64(s.n) > (ix.mask+1)/4*3 {
		nx := newBindex(2 * len(ix.slots))
		for i := range ix.slots {
			if v := ix.slots[i].Load(); v != 0 {
				bplace(nx, xxhash.Sum64(s.get(uint32(v)-1)), uint32(v)-1)
			}
		}
		bplace(nx, h, id)
		s.retired = append(s.retired, ix)
		s.idx.Store(nx)
	} else {
		bplace(ix, h, id)
	}
	return id<<shardBits | uint32(si), nil
}

func bplace(ix *bindex, h uint64, id uint32) {
	i := (h >> shardBits) & ix.mask
	for ix.slots[i].Load() != 0 {
		i = (i + 1) & ix.mask
	}
	ix.slots[i].Store(h&^(1<<32-1) | uint64(id+1))
}

func (s *bshard) find(ix *bindex, b []byte, h uint64) (uint32, bool) {
	tag := h &^ (1<<32 - 1)
	for i := (h >> shardBits) & ix.mask; ; i = (i + 1) & ix.mask {
		v := ix.slots[i].Load()
		if v == 0 {
			return 0, false
		}
		if v&^(1<<32-1) == tag && bytes.Equal(s.get(uint32(v)-1), b) {
			return uint32(v) - 1, true
		}
	}
}

// store copies b, prefixed with its length, into the shard's blocks and
// returns where it lies (the caller holds the lock).
func (s *bshard) store(b []byte) (uint32, bool) {
	need := binary.MaxVarintLen64 + len(b)
	if s.nblocks == 0 || need >= bigStrings || s.off+need > s.last {
		if s.nblocks >= maxBlocks {
			return 0, false
		}
		// Blocks double from 4 KiB to strBlock: a small table stays
		// small.
		size := min(max(2*s.last, 1<<12), strBlock)
		for size < strBlock && need > size {
			size *= 2
		}
		if need >= bigStrings {
			size = need
		} else {
			s.last = size
		}
		blk := newBlock(size)
		s.mem = append(s.mem, blk)
		*s.blocks.slot(s.nblocks) = blk.b
		s.ram += int64(size)
		s.nblocks++
		s.off = 0
	}
	bi := s.nblocks - 1
	blk := *s.blocks.at(bi)
	at := s.off
	n := binary.PutUvarint(blk[at:], uint64(len(b)))
	copy(blk[at+n:], b)
	s.off += (n + len(b) + strAlign - 1) &^ (strAlign - 1)
	if need >= bigStrings {
		s.off = s.last // nothing else goes in a block of its own
	}
	return bi<<offBits | uint32(at/strAlign), true
}

// get returns the string with the given local id.
func (s *bshard) get(local uint32) []byte {
	loc := *s.locs.at(local)
	blk := *s.blocks.at(loc >> offBits)
	at := int(loc&(1<<offBits-1)) * strAlign
	n, k := binary.Uvarint(blk[at:])
	return blk[at+k : at+k+int(n) : at+k+int(n)]
}

// Bytes returns the string with the given id (not to be modified).
func (t *BytesTable) Bytes(id uint32) []byte {
	return t.shards[id&(numShards-1)].get(id >> shardBits)
}

// Len is the number of strings in the table.
func (t *BytesTable) Len() int64 {
	var n int64
	for i := range t.shards {
		t.shards[i].mu.Lock()
		n += int64(t.shards[i].n)
		t.shards[i].mu.Unlock()
	}
	return n
}

// Stats reports the memory the table holds.
func (t *BytesTable) Stats() Stats {
	var b int64
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		b += int64(len(s.idx.Load().slots))*8 + s.ram + entriesFor(s.n)*4
		s.mu.Unlock()
	}
	return Stats{RAMBytes: b}
}

// Quiesce: see PairTable.Quiesce.
func (t *BytesTable) Quiesce() {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for _, ix := range s.retired {
			ix.mem.free()
		}
		s.retired = nil
		s.mu.Unlock()
	}
}

// Close frees the table's memory; it must not be used afterwards.
func (t *BytesTable) Close() {
	t.Quiesce()
	for i := range t.shards {
		s := &t.shards[i]
		s.idx.Load().mem.recycle()
		s.idx.Store(newBindex(minIndex))
		for j := range s.mem {
			s.mem[j].recycle()
		}
		s.mem, s.n, s.nblocks, s.off, s.last, s.ram = nil, 0, 0, 0, 0, 0
		s.blocks.dir.Store(nil)
		s.locs.recycle()
	}
}
