package store

import (
	"math/bits"
	"unsafe"
)

// bloom is a blocked Bloom filter over fingerprints: each key sets bloomK
// bits inside one 512-bit block (a cache line), so a test costs one cache
// miss. At bloomBitsPerKey bits per key its false-positive rate is about
// 1%; a filter capped below that (newBloom's maxBytes) answers "perhaps"
// more often, which costs look-ups, never a wrong answer.
type bloom struct {
	mem    block // the blocks' memory, outside the Go heap (offheap.go): free it
	blocks [][8]uint64
	keys   int64 // the capacity it was sized for
}

const (
	bloomBitsPerKey = 10
	bloomK          = 7
)

// newBloom returns a filter sized for capacity keys at bloomBitsPerKey
// bits each, or of maxBytes if that is smaller (0: no cap). Its size is
// any whole number of blocks (the block is chosen by a multiply-shift,
// not a mask), so it is never rounded up to a power of two.
func newBloom(capacity, maxBytes int64) *bloom {
	nblocks := (capacity*bloomBitsPerKey + 511) / 512
	if maxBytes > 0 {
		nblocks = min(nblocks, maxBytes/64)
	}
	nblocks = max(nblocks, 1)
	mem := newBlock(int(nblocks) * 64)
	blocks := unsafe.Slice((*[8]uint64)(unsafe.Pointer(unsafe.SliceData(words(mem)))), nblocks)
	return &bloom{mem: mem, blocks: blocks, keys: capacity}
}

// free releases the filter's memory; b may be nil, and must not be used
// afterwards.
func (b *bloom) free() {
	if b != nil {
		b.blocks = nil
		b.mem.free()
	}
}

// capacity is the number of keys the filter is sized for.
func (b *bloom) capacity() int64 { return b.keys }

func (b *bloom) bytes() int64 { return int64(len(b.blocks)) * 64 }

// full reports whether the filter is as large as maxBytes allows (0: no
// cap, never).
func (b *bloom) full(maxBytes int64) bool { return maxBytes > 0 && b.bytes()+64 > maxBytes }

// The block comes from the top bits of fp·φ, scaled to the number of
// blocks (Lemire's fast range), the bit positions from 9-bit slices of a
// second, independent mix of fp.
func (b *bloom) block(fp uint64) (*[8]uint64, uint64) {
	hi, _ := bits.Mul64(fp*fibMul, uint64(len(b.blocks)))
	blk := &b.blocks[hi]
	h := fp ^ fp>>31
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 29
	return blk, h
}

func (b *bloom) add(fp uint64) {
	blk, h := b.block(fp)
	for range bloomK {
		blk[h>>6&7] |= 1 << (h & 63)
		h >>= 9
	}
}

func (b *bloom) mayContain(fp uint64) bool {
	blk, h := b.block(fp)
	for range bloomK {
		if blk[h>>6&7]&(1<<(h&63)) == 0 {
			return false
		}
		h >>= 9
	}
	return true
}
