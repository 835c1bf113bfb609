package store

import (
	"fmt"
	"math"
	"math/bits"
)

// BitstateSet is Holzmann's bitstate hashing ("supertrace", SPIN's -DBITSTATE)
// as a visited set: an array of 2^K bits, and each state key sets
// BitstateHashes of them, at positions derived from the key by double
// hashing (h1 + i·h2 mod 2^K, with h1 and h2 two independent mixes of the key
// and a seed, h2 odd). A key is new when one of its bits was clear.
//
// It never says a state seen before is new, but it may say a new state was
// seen (all its bits were set by others): that state and whatever only it
// leads to are then not explored. So a search over a BitstateSet is never
// exhaustive, however it ends; what it gains is memory — K=33 is 1 GiB for
// any number of states, about 0.1% omissions up to 2^33/100 states (see
// OmissionProb and ExpectedOmissions for the estimates a run can print).
//
// Keys are 64-bit hashes of the configurations' encodings (ContentKeys),
// structured or not: they are mixed (splitmix64) before use.
type BitstateSet struct {
	mem   block // the array's memory, mapped where the system allows
	words []uint64
	k     uint   // log2 of the number of bits
	mask  uint64 // 2^k - 1
	seed  uint64
	n     int64   // keys reported new
	set   int64   // bits set
	omit  float64 // Σ over the keys reported new of the fill^BitstateHashes they met
}

// BitstateHashes is the number of bits each key sets (SPIN's default -k3).
const BitstateHashes = 3

// Bounds of the bit array: from 2^MinBitstateBits to 2^MaxBitstateBits bits
// (32 bytes to 32 GiB).
const (
	MinBitstateBits = 8
	MaxBitstateBits = 38
)

// NewBitstateSet returns an empty set of 2^bits bits. seed chooses the hash
// functions: two sets with different seeds omit different states (a swarm
// of searches with different seeds omits less than any one of them).
func NewBitstateSet(bits uint, seed uint64) (*BitstateSet, error) {
	if bits < MinBitstateBits || bits > MaxBitstateBits {
		return nil, fmt.Errorf("--bits must be between %d and %d (2^bits bits, %s to %s), got %d",
			MinBitstateBits, MaxBitstateBits, sizeOfBits(MinBitstateBits), sizeOfBits(MaxBitstateBits), bits)
	}
	if err := BitArraysFit(bits, 1); err != nil {
		return nil, err
	}
	size := int64(1) << (bits - 3)
	// Mapped, so that the array is outside the Go heap (the collector
	// neither scans it nor counts it); a refused mapping is an error, not
	// the runtime's fatal "out of memory".
	var b block
	if size >= offHeapMin && mapsAnon {
		mem, ok := mapAnon(int(size))
		if !ok {
			return nil, fmt.Errorf("--bits %d: cannot get %s of memory for the bit array: take a smaller --bits", bits, sizeOfBits(bits))
		}
		b = block{b: mem, mapped: true}
	} else {
		b = newBlock(int(size))
	}
	return &BitstateSet{mem: b, words: words(b), k: bits, mask: 1<<bits - 1, seed: seed}, nil
}

// BitArraysFit reports, as an error, whether n bit arrays of 2^bits bits
// at once would take more than the machine's memory (nil where that cannot
// be read).
func BitArraysFit(bits uint, n int) error {
	size := int64(n) << (bits - 3)
	// Under an address-space limit (ulimit -v) at most half of it: the
	// runtime's threads and heap need the rest (a tester's swarm of 8
	// arrays of 1 GiB under ulimit -v 6000000 ended in the runtime's
	// "pthread_create failed" and a trace).
	// Nor more than is left of it (SpaceLeft): the process has reserved
	// about 1.7 GiB before it starts, so under 2.1 GB a 512 MiB array fit
	// in half of the limit and not in the rest (a tester: then the address
	// space was used up at the first step, or the runtime ended mcheck
	// with a trace).
	if as, ok := AddressSpaceLimit(); ok {
		what := fmt.Sprintf("--bits %d needs %s for its bit array", bits, sizeOfBits(bits))
		fix := "take a smaller --bits"
		if n > 1 {
			what = fmt.Sprintf("--bits %d with %d members at once needs %s for their bit arrays (%s each)", bits, n, SizeString(size), sizeOfBits(bits))
			fix = "take a smaller --bits or fewer --workers"
		}
		if size > as/2 {
			return fmt.Errorf("%s, more than half of the address-space limit (ulimit -v: %s), which mcheck's threads and heap need too: %s, or raise the limit", what, SizeString(as), fix)
		}
		if left, _, ok := SpaceLeft(); ok && size > left {
			return fmt.Errorf("%s, more than the address-space limit (ulimit -v: %s) leaves: %s is left, less what the search needs besides (%s): %s, or raise the limit", what, SizeString(as), SizeString(left+SpaceMargin(as)), SizeString(SpaceMargin(as)), fix)
		}
	}
	phys, ok := physicalMemory()
	if !ok || size <= phys {
		return nil
	}
	if n == 1 {
		return fmt.Errorf("--bits %d needs %s for its bit array, more than this machine's memory (%s): take a smaller --bits",
			bits, sizeOfBits(bits), SizeString(phys))
	}
	return fmt.Errorf("--bits %d with %d members at once needs %s for their bit arrays (%s each), more than this machine's memory (%s): take a smaller --bits or fewer --workers",
		bits, n, SizeString(size), sizeOfBits(bits), SizeString(phys))
}

// sizeString is n bytes in binary units, rounded.
func SizeString(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
}

// ContentKeys says that the set is lossy: it wants keys that depend on the
// configurations alone (statespace.ContentKeyed).
func (s *BitstateSet) ContentKeys() bool { return true }

// sizeOfBits is the memory of 2^k bits, in words.
func sizeOfBits(k uint) string {
	b := uint64(1) << (k - 3)
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%d GiB", b>>30)
	case b >= 1<<20:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d bytes", b)
}

// splitmix64's finaliser: a bijection that spreads structured keys.
func splitmix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// positions are the key's bit positions: h1 + i·h2 (mod 2^k).
func (s *BitstateSet) positions(key uint64) [BitstateHashes]uint64 {
	h1 := splitmix(key ^ s.seed)
	h2 := splitmix(h1^bits.RotateLeft64(s.seed, 32)) | 1 // odd: the positions differ
	var p [BitstateHashes]uint64
	for i := range p {
		p[i] = (h1 + uint64(i)*h2) & s.mask
	}
	return p
}

// Insert sets the bits of every key and reports in isNew which keys had a
// bit clear (a key repeated in keys is new at most once). It never fails.
func (s *BitstateSet) Insert(keys []uint64, isNew []bool) error {
	isNew = isNew[:len(keys)]
	for i, key := range keys {
		isNew[i] = s.Add(key)
	}
	return nil
}

// Add sets key's bits and reports whether one of them was clear.
func (s *BitstateSet) Add(key uint64) bool {
	set := s.set // the array as the key found it
	fresh := false
	for _, p := range s.positions(key) {
		w, b := p>>6, uint64(1)<<(p&63)
		if s.words[w]&b == 0 {
			s.words[w] |= b
			s.set++
			fresh = true
		}
	}
	if fresh {
		s.n++
		// The chance p a new key was missed here: that of finding its
		// bits set in the array as it was, not counting its own (the
		// first key stored cannot have been missed; a tester). At that
		// fill, a new key is stored after p/(1-p) missed ones on average
		// (geometric): summing p alone, never more than one a key stored,
		// said "about 50 missed" at a fill of 99% where thousands were (a
		// tester).
		p := math.Pow(float64(set)/float64(s.mask+1), BitstateHashes)
		s.omit += p / (1 - p)
	}
	return fresh
}

// Has reports whether every bit of key is set: whether Add would report
// it not new.
func (s *BitstateSet) Has(key uint64) bool {
	for _, p := range s.positions(key) {
		if s.words[p>>6]&(uint64(1)<<(p&63)) == 0 {
			return false
		}
	}
	return true
}

// Len is the number of keys reported new: the states the search stored.
func (s *BitstateSet) Len() int64 { return s.n }

// Bits is the size of the array, in bits.
func (s *BitstateSet) Bits() uint64 { return s.mask + 1 }

// FillRatio is the fraction of the bits that are set.
func (s *BitstateSet) FillRatio() float64 { return float64(s.set) / float64(s.mask+1) }

// OmissionProb is the probability that a state not seen before would now
// be taken for one seen (all its bits set by others): fill^BitstateHashes,
// the standard estimate from the fill ratio, with the hash positions taken
// as independent. It only grows as the search goes, so it bounds the
// chance that any one state of the search was omitted.
func (s *BitstateSet) OmissionProb() float64 {
	return math.Pow(s.FillRatio(), BitstateHashes)
}

// ExpectedOmissions estimates how many new states the search omitted, not
// counting those only they lead to: the sum, over the states it stored,
// of p/(1-p), p the omission probability when each was stored — the
// number of new states missed, on average, before one is stored at that
// fill. Where p is small that is about p.
func (s *BitstateSet) ExpectedOmissions() float64 { return s.omit }

// HashFactor is SPIN's hash factor: bits available per state stored (above
// about 100 SPIN calls the coverage very good).
func (s *BitstateSet) HashFactor() float64 {
	if s.n == 0 {
		return math.Inf(1)
	}
	return float64(s.mask+1) / float64(s.n)
}

// Summary is the line a run prints after a bitstate search: what it stored,
// how full the array is and the omission estimates.
func (s *BitstateSet) Summary() string {
	line := fmt.Sprintf("bitstate: %d states in 2^%d bits (%s, %d hash functions): %.4f%% of the bits set, hash factor %.1f; "+
		"a new state would now be missed with probability %.2g; about %.3g states were missed (estimated), and so were the states only they lead to",
		s.n, s.k, sizeOfBits(s.k), BitstateHashes, 100*s.FillRatio(), s.HashFactor(), s.OmissionProb(), s.ExpectedOmissions())
	if s.OmissionProb() >= tooFull {
		// (a tester: at 98% of the bits set, "about 201 states were
		// missed" where the exact search stores 61,868 and this one 157)
		line += fmt.Sprintf("; with the array this full, the estimate can be far below what was missed: "+
			"give it more bits (--bits %d or more; SPIN's rule of thumb is a hash factor above 100)", s.bitsFor100())
	}
	return line
}

// tooFull is the omission probability from which Summary says the array is
// too full for its estimate to mean much (1%: a fill of about 22% with 3
// hash functions).
const tooFull = 0.01

// bitsFor100 is the least exponent K (within the flag's range) whose array
// gives the states stored a hash factor of 100 at least.
func (s *BitstateSet) bitsFor100() uint {
	k := s.k
	for k < MaxBitstateBits && float64(uint64(1)<<k) < 100*float64(s.n) {
		k++
	}
	return k
}

// Stats reports the array's size; a BitstateSet uses no disk.
func (s *BitstateSet) Stats() Stats {
	return Stats{RAMBytes: int64(len(s.words)) * 8}
}

// Close releases the array. The set is empty afterwards; Close never fails
// and may be called more than once.
func (s *BitstateSet) Close() error {
	s.mem.free()
	s.words = make([]uint64, 1)
	s.k, s.mask = 6, 63
	s.n, s.set, s.omit = 0, 0, 0
	return nil
}
