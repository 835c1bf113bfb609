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
//
// Where the system allows it, the segments grow in place: the set reserves
// address space for all of them at once (compactSpan bytes a segment,
// taking no memory until used), and a segment that grows copies its slots
// aside (scratch), gets the pages after its end and puts the slots back
// in the longer table. A segment that grew into a new mapping had to
// unmap the old one, and an unmapping makes every CPU the process has run
// on flush its TLB: on a 2-vCPU virtual machine, 225 µs a call, 4% of a
// prodcons K=3 run (811 calls for 1.8e6 states). Closing the set unmaps
// the reservation in one call. A segment that outgrows its span (beyond
// some 2.4e6 slots, about 4e8 keys in the set) moves to mappings of its
// own, as everywhere the reservation is refused or would take more than a
// sixteenth of an address-space limit.
type CompactSet struct {
	segs    [compactSegs]cseg
	n       int64
	res     []byte // the reservation (nil: none)
	scratch []byte // a growing segment's old slots
}

type cseg struct {
	mem    block  // the segment's own block, outside the reservation
	region []byte // its span of the reservation, while it lives there
	b      []byte // 7 bytes a slot, then 1 byte of padding (8-byte loads)
	size   uint64 // slots
	n      int64
	limit  int64
	zero   bool // the key whose remainder is 0 is in
}

const (
	compactSegBits = 8
	compactSegs    = 1 << compactSegBits
	remBits        = 64 - compactSegBits
	remMask        = 1<<remBits - 1
	slotBytes      = 7
	compactMin     = 1 << 6 // slots of a new segment
)

// compactSpan is the address space reserved for a segment: 4 GiB in all,
// of which a set uses what it holds. A variable for the tests, which make
// segments outgrow it.
var compactSpan = 16 << 20

// NewCompactSet returns an empty set. Its large segments are mapped
// outside the Go heap (offheap.go): Close it, or their memory stays until
// the process ends.
func NewCompactSet() *CompactSet {
	s := &CompactSet{}
	kept := false // the reservation is a closed set's: its segments' first pages are populated
	if reservesAnon {
		// Under an address-space limit (ulimit -v) the reservation
		// counts in full: it is taken only if it is a small part of it.
		if lim, ok := AddressSpaceLimit(); !ok || lim >= 16*int64(compactSegs*compactSpan) {
			if s.res, kept = spare.takeReservation(compactSegs * compactSpan); !kept {
				s.res, _ = reserveAnon(compactSegs * compactSpan)
			}
		}
	}
	for i := range s.segs {
		g := &s.segs[i]
		if s.res != nil {
			g.region = s.res[i*compactSpan : (i+1)*compactSpan : (i+1)*compactSpan]
		}
		if kept {
			// (Populating them again was 256 system calls a set: 24,409
			// of the reference tests' 38,635 madvise calls.)
			g.b = g.region[:compactMin*slotBytes+1]
			g.setSize(compactMin)
			continue
		}
		g.alloc(compactMin)
	}
	return s
}

// alloc gives g an empty table of nslots slots: the front of its region
// if it has one, else a block of its own.
func (g *cseg) alloc(nslots int) {
	size := nslots*slotBytes + 1
	if g.region != nil {
		growAnon(g.region, 0, size)
		g.b = g.region[:size]
	} else {
		g.mem = newBlock(size)
		g.b = g.mem.b
	}
	g.setSize(nslots)
}

// setSize records that g's table has nslots slots.
func (g *cseg) setSize(nslots int) {
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
		s.grow(g)
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

// grow makes g's table half as large again: in place in its region if it
// fits there, else in a block of its own.
func (s *CompactSet) grow(g *cseg) {
	old := *g
	nslots := int(old.size + old.size/2)
	if g.region != nil && nslots*slotBytes+1 <= len(g.region) {
		// The old slots go aside, and the longer table starts empty.
		s.scratch = append(s.scratch[:0], g.b...)
		old.b = s.scratch
		growAnon(g.region, len(g.b), nslots*slotBytes+1)
		clear(g.b)
		g.b = g.region[:nslots*slotBytes+1]
		g.setSize(nslots)
	} else {
		if g.region != nil {
			// Out of its span: the region's pages go back once the
			// slots are moved. Its address space stays reserved, never
			// unmapped before the whole reservation is: the system could
			// map something else there, which Close would then unmap.
			defer releaseAnon(g.region)
			g.region = nil
		} else {
			defer old.mem.free()
		}
		g.mem = block{}
		g.alloc(nslots)
	}
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
	// A small set's reservation is kept for the next set, its pages
	// cleared (spareBlocks.keepReservation).
	used := 0
	for i := range s.segs {
		if g := &s.segs[i]; g.region != nil {
			used += len(g.b)
		}
	}
	keep := s.res != nil && used <= spareReservedMax
	for i := range s.segs {
		g := &s.segs[i]
		if keep && g.region != nil {
			clear(g.b)
		}
		g.mem.recycle()
		*g = cseg{}
		g.alloc(compactMin)
	}
	if s.res != nil {
		if !keep || !spare.keepReservation(s.res) {
			unmapAnon(s.res)
		}
		s.res = nil
	}
	s.scratch = nil
	s.n = 0
	return nil
}
