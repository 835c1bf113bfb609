package store_test

import (
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
