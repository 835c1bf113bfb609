package store

import "unsafe"

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
		if b, ok := mapAnon(size); ok {
			return block{b: b, mapped: true}
		}
	}
	// Words must be 8-byte aligned: allocate them as words.
	w := make([]uint64, (size+7)/8)
	return block{b: unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(w))), size)}
}

// free releases a mapped block; the heap's are left to the collector. The
// block must not be used afterwards.
func (b *block) free() {
	if b.mapped {
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
