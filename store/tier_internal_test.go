package store

import (
	"math/rand/v2"
	"testing"
)

// TestBloomSizes: a filter takes 10 bits a key for the capacity it was
// sized for, rounded up to a block (not to a power of two), or its cap;
// it has no false negatives, and about 1% false positives when full (more
// when capped: a few percent at 8 bits a key).
func TestBloomSizes(t *testing.T) {
	for _, c := range []int64{1, 1000, 3_000_000, 5_000_001} {
		b := newBloom(c, 0)
		if want := (c*bloomBitsPerKey + 511) / 512 * 64; b.bytes() != want || b.capacity() != c {
			t.Errorf("capacity %d: %d bytes, capacity %d; want %d bytes", c, b.bytes(), b.capacity(), want)
		}
	}
	if b := newBloom(10_000_000, 1<<20); b.bytes() != 1<<20 {
		t.Errorf("capped at 1 MiB: %d bytes", b.bytes())
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, cap := range []int64{0, 1 << 20} { // 10 bits a key, or 8
		const n = 1_000_000
		b := newBloom(n, cap)
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = rng.Uint64()
			b.add(keys[i])
		}
		for _, k := range keys {
			if !b.mayContain(k) {
				t.Fatalf("cap %d: a key added is missing", cap)
			}
		}
		fp := 0
		for range n {
			if b.mayContain(rng.Uint64()) {
				fp++
			}
		}
		rate := float64(fp) / n
		if cap == 0 && rate > 0.015 || rate > 0.05 {
			t.Errorf("cap %d: false-positive rate %.4f", cap, rate)
		}
	}
}

// TestTierShrinks: as the memory the tier shares grows (ShareRAM), its
// generations shrink to what is left, down to a floor, and the set stays
// exact throughout (checked against a map, with keys repeated from every
// generation and from badger).
func TestTierShrinks(t *testing.T) {
	const share = 3 * 8 << 16 // three tables of 64Ki slots
	s := openTest(t, BadgerOptions{RAMEntries: 1 << 20, ShareBytes: share, ExpectedStates: 1000})
	if s.gen != s.genMax {
		t.Fatalf("before ShareRAM: generation of %d, want %d", s.gen, s.genMax)
	}
	s.ShareRAM(0)
	if want := int64(1<<16) * 7 / 10; s.gen != want {
		t.Errorf("nothing shared: generation of %d, want %d (tables of 64Ki slots)", s.gen, want)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	seen := map[uint64]bool{}
	var all []uint64
	fps := make([]uint64, 4000)
	isNew := make([]bool, len(fps))
	prevGen := s.gen
	for round := range 60 {
		s.ShareRAM(int64(round) * share / 40) // past the whole share at the end
		if s.gen > prevGen || s.gen < int64(memMinSlots)*7/10 {
			t.Fatalf("round %d: generation of %d after %d", round, s.gen, prevGen)
		}
		prevGen = s.gen
		for i := range fps {
			if len(all) > 0 && rng.IntN(2) == 0 {
				fps[i] = all[rng.IntN(len(all))]
			} else {
				fps[i] = rng.Uint64N(1 << 40)
			}
		}
		if err := s.Insert(fps, isNew); err != nil {
			t.Fatal(err)
		}
		for i, fp := range fps {
			if want := !seen[fp]; isNew[i] != want {
				t.Fatalf("round %d: isNew(%#x) = %v, want %v", round, fp, isNew[i], want)
			}
			if !seen[fp] {
				seen[fp] = true
				all = append(all, fp)
			}
		}
		if s.cur.Stats().RAMBytes > int64(genSlots(s.gen))*8*2 {
			t.Fatalf("round %d: the current generation has %d bytes for a generation of %d", round, s.cur.Stats().RAMBytes, s.gen)
		}
	}
	if s.Len() != int64(len(seen)) || s.onDisk == 0 {
		t.Errorf("Len = %d, want %d; %d on disk", s.Len(), len(seen), s.onDisk)
	}
	if s.gen != int64(memMinSlots)*7/10 {
		t.Errorf("share exhausted: generation of %d, want the floor", s.gen)
	}
}
