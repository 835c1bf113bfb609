package store_test

import (
	"math"
	"math/rand/v2"
	"testing"
)

// visitedSet mirrors statespace.VisitedSet (asserted in ./conformance).
type visitedSet interface {
	Insert(fps []uint64, isNew []bool) error
	Len() int64
	Close() error
}

// testVisitedSet is the interface suite every visited set passes. open
// returns a new empty set; the suite closes it.
func testVisitedSet(t *testing.T, open func(t *testing.T) visitedSet) {
	// insert runs one batch, checks isNew against want and Len.
	insert := func(t *testing.T, s visitedSet, fps []uint64, want []bool, wantLen int64) {
		t.Helper()
		isNew := make([]bool, len(fps))
		for i := range isNew {
			isNew[i] = !want[i] // stale values must be overwritten
		}
		if err := s.Insert(fps, isNew); err != nil {
			t.Fatalf("Insert(%v): %v", fps, err)
		}
		for i := range fps {
			if isNew[i] != want[i] {
				t.Errorf("Insert(%v): isNew[%d] (fp %#x) = %v, want %v", fps, i, fps[i], isNew[i], want[i])
			}
		}
		if got := s.Len(); got != wantLen {
			t.Errorf("Len = %d, want %d", got, wantLen)
		}
	}
	closeSet := func(t *testing.T, s visitedSet) {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
	const T, F = true, false
	max := uint64(math.MaxUint64)

	t.Run("empty", func(t *testing.T) {
		s := open(t)
		defer closeSet(t, s)
		if s.Len() != 0 {
			t.Errorf("Len = %d, want 0", s.Len())
		}
		insert(t, s, nil, nil, 0)
		insert(t, s, []uint64{}, []bool{}, 0)
	})
	t.Run("duplicates-in-batch", func(t *testing.T) {
		s := open(t)
		defer closeSet(t, s)
		insert(t, s,
			[]uint64{5, 5, 7, 5, 0, 0, max, 7, max, 1 << 63},
			[]bool{T, F, T, F, T, F, T, F, F, T}, 5)
	})
	t.Run("duplicates-across-batches", func(t *testing.T) {
		s := open(t)
		defer closeSet(t, s)
		insert(t, s, []uint64{1, 2, 3}, []bool{T, T, T}, 3)
		insert(t, s, []uint64{3, 4, 1, 4}, []bool{F, T, F, F}, 4)
		insert(t, s, []uint64{4, 3, 2, 1}, []bool{F, F, F, F}, 4)
	})
	t.Run("zero-and-max", func(t *testing.T) {
		s := open(t)
		defer closeSet(t, s)
		insert(t, s, []uint64{max}, []bool{T}, 1)
		insert(t, s, []uint64{0}, []bool{T}, 2)
		insert(t, s, []uint64{0, max, max - 1, 1}, []bool{F, F, T, T}, 4)
		insert(t, s, []uint64{1, 0, max - 1, max}, []bool{F, F, F, F}, 4)
	})
	t.Run("random-vs-map", func(t *testing.T) {
		// 1e6 inserts in batches of varied size, drawn so that about half
		// are duplicates, both of recent and of old fingerprints.
		s := open(t)
		defer closeSet(t, s)
		rng := rand.New(rand.NewPCG(1, 2))
		seen := make(map[uint64]bool)
		var all []uint64
		const total = 1_000_000
		fps := make([]uint64, 0, 1<<16)
		isNew := make([]bool, 1<<16)
		for done := 0; done < total; {
			n := min(1+rng.IntN(1<<16), total-done)
			fps = fps[:0]
			for range n {
				var fp uint64
				switch r := rng.IntN(8); {
				case r < 4 || len(all) == 0:
					fp = rng.Uint64()
				case r < 6: // recent
					fp = all[len(all)-1-rng.IntN(min(len(all), 4096))]
				case r < 7: // any earlier one
					fp = all[rng.IntN(len(all))]
				default: // repeat within the batch
					if len(fps) > 0 {
						fp = fps[rng.IntN(len(fps))]
					} else {
						fp = uint64(rng.IntN(16))
					}
				}
				fps = append(fps, fp)
			}
			if err := s.Insert(fps, isNew[:n]); err != nil {
				t.Fatal(err)
			}
			for i, fp := range fps {
				want := !seen[fp]
				if isNew[i] != want {
					t.Fatalf("after %d inserts: isNew for %#x = %v, want %v", done+i, fp, isNew[i], want)
				}
				if want {
					seen[fp] = true
					all = append(all, fp)
				}
			}
			done += n
			if s.Len() != int64(len(seen)) {
				t.Fatalf("after %d inserts: Len = %d, want %d", done, s.Len(), len(seen))
			}
		}
		if len(seen) < total/3 || len(seen) > total*2/3 {
			t.Fatalf("test generator: %d distinct of %d", len(seen), total)
		}
	})
}
