// Package store holds the explorer's bulk data: the visited set of state
// fingerprints, the BFS frontier and the parent links used to rebuild traces.
//
// Each kind of store has an in-memory implementation and a disk-backed one
// behind the same small interface (statespace.VisitedSet, statespace.Frontier,
// statespace.Links, which this package satisfies structurally and does not
// import):
//
//   - CompactSet (the memory store): an open-addressing hash table of
//     keys in 256 segments, 9.3–14 bytes per state; MemorySet, the same
//     in one table of 8-byte slots, 10.7–21 bytes per state, the RAM tier
//     of BadgerSet: the set on badger/v4 with an in-memory filter in
//     front, for runs larger than RAM.
//   - SpillQueue: a FIFO of byte records that spills to temporary files
//     beyond a memory budget.
//   - SpillLinks: dense (parent, successor index) records that spill to a
//     file beyond a memory budget.
//
// None of the types is safe for concurrent use; the explorer is their only
// caller.
package store

import "math/bits"

// MemorySet is an in-memory set of 64-bit fingerprints: an open-addressing
// hash table with linear probing, grown by doubling when three quarters
// full, so it costs 10.7–21 bytes per fingerprint (8 bytes per slot).
//
// Slot value 0 marks an empty slot; the fingerprint 0 itself is recorded
// in a separate flag. Fingerprints are hashes already, but the home slot
// is taken from the top bits of fp times an odd constant (Fibonacci
// hashing), so that structured inputs (small integers, say) still spread.
type MemorySet struct {
	mem     block // slots' memory (offheap.go)
	slots   []uint64
	shift   uint   // 64 - log2(len(slots))
	mask    uint64 // len(slots) - 1
	n       int64  // fingerprints in slots (not counting 0)
	limit   int64  // grow when n reaches limit
	hasZero bool
}

const (
	memMinSlots = 1 << 10
	fibMul      = 0x9E3779B97F4A7C15 // 2^64/φ, odd
	fibInv      = 0xF1DE83E19937733D // fibMul·fibInv ≡ 1 (mod 2^64)
)

// NewMemorySet returns an empty MemorySet. Its table is mapped outside the
// Go heap (offheap.go): Close it, or its memory stays until the process ends.
func NewMemorySet() *MemorySet {
	s := &MemorySet{}
	s.alloc(memMinSlots)
	return s
}

func (s *MemorySet) alloc(nslots int) {
	s.mem = newBlock(nslots * 8)
	s.slots = words(s.mem)
	s.mask = uint64(nslots - 1)
	s.shift = uint(64 - bits.TrailingZeros64(uint64(nslots)))
	s.limit = int64(nslots) / 4 * 3
}

func (s *MemorySet) home(fp uint64) uint64 { return (fp * fibMul) >> s.shift }

// Insert adds fps to the set and reports in isNew which of them were not
// in it before (the first occurrence of a fingerprint repeated in fps is
// new, the others are not). It never fails.
func (s *MemorySet) Insert(fps []uint64, isNew []bool) error {
	isNew = isNew[:len(fps)]
	for i, fp := range fps {
		isNew[i] = s.Add(fp)
	}
	return nil
}

// Add inserts fp and reports whether it was absent.
func (s *MemorySet) Add(fp uint64) bool {
	if fp == 0 {
		if s.hasZero {
			return false
		}
		s.hasZero = true
		return true
	}
	if s.n >= s.limit {
		s.grow()
	}
	slots, mask := s.slots, s.mask
	for i := s.home(fp); ; i = (i + 1) & mask {
		switch slots[i] {
		case fp:
			return false
		case 0:
			slots[i] = fp
			s.n++
			return true
		}
	}
}

// Contains reports whether fp is in the set.
func (s *MemorySet) Contains(fp uint64) bool {
	if fp == 0 {
		return s.hasZero
	}
	slots, mask := s.slots, s.mask
	for i := s.home(fp); ; i = (i + 1) & mask {
		switch slots[i] {
		case fp:
			return true
		case 0:
			return false
		}
	}
}

func (s *MemorySet) grow() {
	old, oldMem := s.slots, s.mem
	defer oldMem.free()
	s.alloc(2 * len(old))
	slots, mask := s.slots, s.mask
	for _, fp := range old {
		if fp == 0 {
			continue
		}
		i := s.home(fp)
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = fp
	}
}

// each calls f with every fingerprint in the set, in slot order: in
// ascending order of fp·fibMul, but for the few entries that probing moved
// or wrapped around.
func (s *MemorySet) each(f func(fp uint64)) {
	if s.hasZero {
		f(0)
	}
	for _, fp := range s.slots {
		if fp != 0 {
			f(fp)
		}
	}
}

// Reset empties the set, keeping its table (cleared) for reuse.
func (s *MemorySet) Reset() {
	clear(s.slots)
	s.n = 0
	s.hasZero = false
}

// resetTo empties the set, keeping its table for reuse unless it has more
// than slots slots (a power of two), in which case it gets a new one of
// that size.
func (s *MemorySet) resetTo(slots int) {
	if len(s.slots) <= slots {
		s.Reset()
		return
	}
	s.mem.free()
	s.alloc(slots)
	s.n, s.hasZero = 0, false
}

// Len is the number of distinct fingerprints in the set.
func (s *MemorySet) Len() int64 {
	if s.hasZero {
		return s.n + 1
	}
	return s.n
}

// Stats reports the table's size; a MemorySet uses no disk.
func (s *MemorySet) Stats() Stats {
	return Stats{RAMBytes: int64(len(s.slots)) * 8}
}

// Close releases the table. The set is empty afterwards; Close never fails
// and may be called more than once.
func (s *MemorySet) Close() error {
	s.mem.recycle()
	s.slots = nil
	s.n, s.limit, s.hasZero = 0, 0, false
	s.alloc(memMinSlots)
	return nil
}
