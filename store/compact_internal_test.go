package store

import (
	"math/rand/v2"
	"testing"
)

// TestCompactSetInPlace checks the segments' growth in their spans of the
// reservation and their move to blocks of their own once they outgrow it
// (spans made small here): every key stays, none appears.
func TestCompactSetInPlace(t *testing.T) {
	if !reservesAnon {
		t.Skip("no reservations of address space here")
	}
	defer func(old int) { compactSpan = old }(compactSpan)
	compactSpan = 16 << 10 // 2,340 slots a segment
	s := NewCompactSet()
	defer s.Close()
	if s.res == nil {
		t.Skip("the system refused the reservation")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var keys []uint64
	check := func() {
		t.Helper()
		if s.Len() != int64(len(keys)) {
			t.Fatalf("Len = %d, want %d", s.Len(), len(keys))
		}
		for _, k := range keys {
			if !s.Contains(k) {
				t.Fatalf("lost %#x", k)
			}
		}
		for range 1000 {
			if k := rng.Uint64(); s.Contains(k) {
				t.Fatalf("Contains(%#x) for a key never added", k)
			}
		}
	}
	add := func(n int) {
		for range n {
			k := rng.Uint64()
			if !s.Add(k) {
				t.Fatalf("Add(%#x): not new", k)
			}
			keys = append(keys, k)
			if s.Add(k) {
				t.Fatalf("Add(%#x) again: new", k)
			}
		}
	}
	add(200_000) // about 780 a segment: grown in place
	for i := range s.segs {
		if g := &s.segs[i]; g.region == nil || g.size <= compactMin {
			t.Fatalf("segment %d: region %v, %d slots: not grown in place", i, g.region != nil, g.size)
		}
	}
	check()
	add(400_000) // about 2,340 a segment: out of the span
	moved := 0
	for i := range s.segs {
		if s.segs[i].region == nil {
			moved++
		}
	}
	if moved == 0 {
		t.Fatal("no segment outgrew its span")
	}
	check()
	s.Reset()
	if s.Len() != 0 || s.Contains(keys[0]) {
		t.Fatal("Reset left keys behind")
	}
	keys = keys[:0]
	add(1000)
	check()
}
