package store

import "math/bits"

// bloom is a blocked Bloom filter over fingerprints: each key sets bloomK
// bits inside one 512-bit block (a cache line), so a test costs one cache
// miss. At bloomBitsPerKey bits per key its false-positive rate is about
// 1%.
type bloom struct {
	blocks [][8]uint64
	shift  uint
}

const (
	bloomBitsPerKey = 10
	bloomK          = 7
)

// newBloom returns a filter sized for capacity keys.
func newBloom(capacity int64) *bloom {
	nblocks := max(capacity*bloomBitsPerKey/512, 1)
	nblocks = int64(1) << bits.Len64(uint64(nblocks-1)) // round up to a power of two
	return &bloom{
		blocks: make([][8]uint64, nblocks),
		shift:  uint(64 - bits.TrailingZeros64(uint64(nblocks))),
	}
}

// capacity is the number of keys the filter is sized for.
func (b *bloom) capacity() int64 { return int64(len(b.blocks)) * 512 / bloomBitsPerKey }

func (b *bloom) bytes() int64 { return int64(len(b.blocks)) * 64 }

// The block comes from the top bits of fp·φ (as in MemorySet), the bit
// positions from 9-bit slices of a second, independent mix of fp.
func (b *bloom) block(fp uint64) (*[8]uint64, uint64) {
	blk := &b.blocks[(fp*fibMul)>>b.shift&(uint64(len(b.blocks))-1)]
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
