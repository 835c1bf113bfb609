package store_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mcheck/mcheck/store"
)

func TestMemorySet(t *testing.T) {
	testVisitedSet(t, func(t *testing.T) visitedSet { return store.NewMemorySet() })
}

func TestMemorySetCompact(t *testing.T) {
	s := store.NewMemorySet()
	const n = 1 << 20
	fps := make([]uint64, n)
	for i := range fps {
		fps[i] = uint64(i) // structured input still spreads (Fibonacci hashing)
	}
	if err := s.Insert(fps, make([]bool, n)); err != nil {
		t.Fatal(err)
	}
	if s.Len() != n {
		t.Fatalf("Len = %d, want %d", s.Len(), n)
	}
	perState := float64(s.Stats().RAMBytes) / n
	if perState > 22 {
		t.Errorf("%.1f bytes/state, want at most 22 (8-byte slots, load ≥ 3/8)", perState)
	}
	for i := range n {
		if !s.Contains(uint64(i)) {
			t.Fatalf("Contains(%d) = false", i)
		}
	}
	if s.Contains(n) || s.Contains(^uint64(0)) {
		t.Error("Contains reports absent fingerprints")
	}
	s.Reset()
	if s.Len() != 0 || s.Contains(0) || s.Contains(5) {
		t.Error("Reset left fingerprints behind")
	}
}

func TestCompactSet(t *testing.T) {
	testVisitedSet(t, func(t *testing.T) visitedSet { return store.NewCompactSet() })
}

// TestCompactSetExact checks the set against a map on keys built to land
// in the same segment, with remainder 0, and at random, through growth,
// Reset and Close; and its size.
func TestCompactSetExact(t *testing.T) {
	const fibInv = 0xF1DE83E19937733D // inverse of φ·2^64 (see MemorySet)
	s := store.NewCompactSet()
	want := map[uint64]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	var keys []uint64
	for seg := uint64(0); seg < 256; seg += 85 {
		keys = append(keys, (seg<<56)*fibInv) // remainder 0
		for r := uint64(1); r < 3000; r++ {
			keys = append(keys, (seg<<56|r)*fibInv)       // one segment, neighbouring homes
			keys = append(keys, (seg<<56|r<<40|r)*fibInv) // one segment, spread
		}
	}
	for range 1 << 20 {
		keys = append(keys, rng.Uint64())
	}
	for round := range 2 {
		for i, k := range keys {
			if i%3 == round {
				continue
			}
			if got := s.Add(k); got != !want[k] {
				t.Fatalf("Add(%#x) = %v, want %v", k, got, !want[k])
			}
			want[k] = true
		}
	}
	if s.Len() != int64(len(want)) {
		t.Fatalf("Len = %d, want %d", s.Len(), len(want))
	}
	for _, k := range keys {
		if s.Contains(k) != want[k] {
			t.Fatalf("Contains(%#x) = %v, want %v", k, !want[k], want[k])
		}
	}
	for range 1000 {
		if k := rng.Uint64(); s.Contains(k) != want[k] {
			t.Fatalf("Contains(%#x) = %v", k, !want[k])
		}
	}
	if per := float64(s.Stats().RAMBytes) / float64(s.Len()); per > 7/(1.0/2)+0.5 {
		t.Errorf("%.1f bytes a key, want at most %.1f (7-byte slots, load ≥ 1/2)", per, 7/(1.0/2))
	}
	s.Reset()
	if s.Len() != 0 || s.Contains(keys[0]) || s.Contains(keys[1]) {
		t.Error("Reset left keys behind")
	}
	if !s.Add(keys[0]) || s.Add(keys[0]) {
		t.Error("Add after Reset")
	}
	s.Close()
	if s.Len() != 0 || s.Contains(keys[0]) {
		t.Error("Close left keys behind")
	}
}
