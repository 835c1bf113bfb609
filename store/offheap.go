package store

import (
	"sync"
	"unsafe"
)

// Large arrays of plain words (hash-table slots, interned pairs, links)
// are kept outside the Go heap where the system allows it (an anonymous
// mapping): the garbage collector then neither scans them nor lets the
// heap grow to twice their size before it collects, so the process's
// resident memory is what the stores hold. Smaller arrays, and every array
// where mapping fails, come from the heap.

// offHeapMin is the size from which an array is mapped.
const offHeapMin = 1 << 15

// block is a zeroed byte array, mapped or on the heap. The zero block is
// empty.
type block struct {
	b      []byte
	mapped bool
}

func newBlock(size int) block {
	if size >= offHeapMin {
		if b, ok := spare.take(size); ok {
			clear(b)
			return block{b: b, mapped: true}
		}
		if b, ok := mapAnon(size); ok {
			return block{b: b, mapped: true}
		}
	}
	// Words must be 8-byte aligned: allocate them as words.
	w := make([]uint64, (size+7)/8)
	return block{b: unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), size)}
}

// free releases a block a running store outgrew: a mapped one of at most
// spareGrownMax bytes is kept for the next block of its size (spare), a
// larger one unmapped (kept, it would stay in the search's resident
// memory); the heap's are left to the collector. The block must not be
// used afterwards.
func (b *block) free() { b.release(spareGrownMax) }

// recycle is free for a store being closed: a mapped block of up to
// spareBlockMax bytes is kept for the next store's.
func (b *block) recycle() { b.release(spareBlockMax) }

// release keeps a mapped block of at most most bytes, if spare has room,
// and unmaps it otherwise.
func (b *block) release(most int) {
	if b.mapped && (len(b.b) > most || !spare.keep(b.b)) {
		unmapAnon(b.b)
	}
	*b = block{}
}

// words views the block as n uint64.
func words(b block) []uint64 {
	if len(b.b) == 0 {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b.b))), len(b.b)/8)
}

// Spare memory. A process that makes and closes many small stores (the
// explorer's tests, and points, swarm and shrinking, which run many
// searches one after another) mapped and unmapped their blocks each time;
// an unmapping makes every CPU the process ran on flush its TLB (225 µs a
// call on a 2-vCPU virtual machine), and the statespace tests spent a
// third of their CPU time in the kernel. The blocks of a store being
// closed (block.recycle) of at most spareBlockMax bytes, spareMax in all,
// are kept for the next block of the same size, cleared when taken; so is
// the compact set's reservation when it held at most spareReservedMax
// bytes (cleared when kept); and the blocks of up to spareGrownMax bytes
// a running store outgrows (block.free), which its other tables take as
// they grow through the same sizes. A large search's memory is not held
// back: the larger blocks it outgrows are unmapped, and so is a set that
// grew large.
var spare = &spareBlocks{free: map[int][][]byte{}}

type spareBlocks struct {
	mu    sync.Mutex
	free  map[int][][]byte // by size
	bytes int
	res   []byte // a reservation (reserveAnon), cleared
}

const (
	spareMax         = 32 << 20
	spareBlockMax    = 4 << 20
	spareReservedMax = 8 << 20
	spareGrownMax    = 256 << 10
)

// take returns a kept block of size bytes (not cleared), if there is one.
func (s *spareBlocks) take(size int) ([]byte, bool) {
	if size > spareBlockMax {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.free[size]
	if len(l) == 0 {
		return nil, false
	}
	b := l[len(l)-1]
	l[len(l)-1] = nil
	s.free[size] = l[:len(l)-1]
	s.bytes -= len(b)
	return b, true
}

// keep keeps a mapped block being released, if there is room; false:
// unmap it.
func (s *spareBlocks) keep(b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bytes+len(b) > spareMax {
		return false
	}
	s.free[len(b)] = append(s.free[len(b)], b)
	s.bytes += len(b)
	return true
}

// takeReservation returns the kept reservation if it has size bytes.
func (s *spareBlocks) takeReservation(size int) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.res) != size {
		return nil, false
	}
	r := s.res
	s.res = nil
	return r, true
}

// keepReservation keeps a reservation whose pages are cleared, if none is
// kept; false: unmap it.
func (s *spareBlocks) keepReservation(r []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.res != nil {
		return false
	}
	s.res = r
	return true
}
