package store

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// CompactSet is the memory store's visited set: the set of MemorySet in
// 7 bytes a slot instead of 8, grown a 256th at a time instead of all at
// once. It is exact, like MemorySet: it keeps every key whole.
//
// A key fp is first mapped to h = fp·φ (multiplying by an odd constant is
// a bijection of 64-bit words, so h names fp). The top 8 bits of h choose
// one of 256 segments and the other 56 bits, the remainder, are what the
// segment keeps: segment and remainder give back h, hence fp (quotienting,
// as in Cleary's compact hash tables and LTSmin's). Each segment is an
// open-addressing table with linear probing over 7-byte slots, of any
// size n: the home slot of remainder r is ⌊r·n/2^56⌋ (Lemire's fast
// range), 0 marks an empty slot (the key whose remainder is 0 is a flag of
// its segment). A segment grows by half when three quarters full.
//
// The costs, per key: 7 bytes a slot at a load between 1/2 and 3/4, so
// 9.3–14 bytes, against MemorySet's 10.7–21 (8-byte slots, doubling). And
// a segment grows alone: while it grows, the old and the new tables of
// that one segment exist together, an extra 2.5/256 of the set at most,
// where MemorySet's whole table exists one and a half times over.
type CompactSet struct {
	segs [compactSegs]cseg
	n    int64
}

type cseg struct {
	mem   block
	b     []byte // 7 bytes a slot, then 1 byte of padding (8-byte loads)
	size  uint64 // slots
	n     int64
	limit int64
	zero  bool // the key whose remainder is 0 is in
}

const (
	compactSegBits = 8
	compactSegs    = 1 << compactSegBits
	remBits        = 64 - compactSegBits
	remMask        = 1<<remBits - 1
	slotBytes      = 7
	compactMin     = 1 << 6 // slots of a new segment
)

// NewCompactSet returns an empty set. Its large segments are mapped
// outside the Go heap (offheap.go): Close it, or their memory stays until
// the process ends.
func NewCompactSet() *CompactSet {
	s := &CompactSet{}
	for i := range s.segs {
		s.segs[i].alloc(compactMin)
	}
	return s
}

func (g *cseg) alloc(nslots int) {
	g.mem = newBlock(nslots*slotBytes + 1)
	g.b = g.mem.b
	g.size = uint64(nslots)
	g.limit = int64(nslots) / 4 * 3
}

// home is the first slot to probe for remainder r.
func (g *cseg) home(r uint64) uint64 {
	hi, _ := bits.Mul64(r<<compactSegBits, g.size)
	return hi
}

// next is the slot after i, wrapping around.
func (g *cseg) next(i uint64) uint64 {
	if i++; i == g.size {
		return 0
	}
	return i
}

// at is the remainder in slot i (0: empty).
func (g *cseg) at(i uint64) uint64 {
	return binary.LittleEndian.Uint64(g.b[slotBytes*i:]) & remMask
}

// put writes r into the empty slot i, leaving the next slot's bytes alone.
func (g *cseg) put(i, r uint64) {
	w := g.b[slotBytes*i:]
	binary.LittleEndian.PutUint64(w, binary.LittleEndian.Uint64(w)&^remMask|r)
}

// Insert adds fps to the set and reports in isNew which of them were not
// in it before (the first occurrence of a key repeated in fps is new, the
// others are not). It never fails.
func (s *CompactSet) Insert(fps []uint64, isNew []bool) error {
	isNew = isNew[:len(fps)]
	// The slots are fetched a few keys ahead of their insertion (touch),
	// so that the cache misses of several keys overlap instead of one
	// following another.
	for i := range min(touchAhead, len(fps)) {
		s.touch(fps[i])
	}
	for i, fp := range fps {
		if j := i + touchAhead; j < len(fps) {
			s.touch(fps[j])
		}
		isNew[i] = s.Add(fp)
	}
	return nil
}

// touchAhead is how many keys ahead Insert fetches their home slots.
const touchAhead = 8

// touch prefetches fp's home slot.
func (s *CompactSet) touch(fp uint64) {
	h := fp * fibMul
	g := &s.segs[h>>remBits]
	prefetch(unsafe.Pointer(&g.b[slotBytes*g.home(h&remMask)]))
}

// Add inserts fp and reports whether it was absent.
func (s *CompactSet) Add(fp uint64) bool {
	h := fp * fibMul
	g, r := &s.segs[h>>remBits], h&remMask
	if r == 0 {
		if g.zero {
			return false
		}
		g.zero = true
		s.n++
		return true
	}
	if g.n >= g.limit {
		g.grow()
	}
	for i := g.home(r); ; i = g.next(i) {
		switch g.at(i) {
		case r:
			return false
		case 0:
			g.put(i, r)
			g.n++
			s.n++
			return true
		}
	}
}

// Contains reports whether fp is in the set.
func (s *CompactSet) Contains(fp uint64) bool {
	h := fp * fibMul
	g, r := &s.segs[h>>remBits], h&remMask
	if r == 0 {
		return g.zero
	}
	for i := g.home(r); ; i = g.next(i) {
		switch g.at(i) {
		case r:
			return true
		case 0:
			return false
		}
	}
}

func (g *cseg) grow() {
	old, oldMem := *g, g.mem
	defer oldMem.free()
	g.alloc(int(old.size + old.size/2))
	for j := range old.size {
		r := old.at(j)
		if r == 0 {
			continue
		}
		i := g.home(r)
		for g.at(i) != 0 {
			i = g.next(i)
		}
		g.put(i, r)
	}
}

// Reset empties the set, keeping its segments (cleared) for reuse.
func (s *CompactSet) Reset() {
	for i := range s.segs {
		g := &s.segs[i]
		clear(g.b)
		g.n, g.zero = 0, false
	}
	s.n = 0
}

// Len is the number of distinct keys in the set.
func (s *CompactSet) Len() int64 { return s.n }

// Stats reports the segments' size; a CompactSet uses no disk.
func (s *CompactSet) Stats() Stats {
	var b int64
	for i := range s.segs {
		b += int64(len(s.segs[i].b))
	}
	return Stats{RAMBytes: b}
}

// Close releases the segments. The set is empty afterwards; Close never
// fails and may be called more than once.
func (s *CompactSet) Close() error {
	for i := range s.segs {
		g := &s.segs[i]
		g.mem.free()
		*g = cseg{}
		g.alloc(compactMin)
	}
	s.n = 0
	return nil
}
