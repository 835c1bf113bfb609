package store_test

import (
	"math/rand/v2"
	"testing"

	"github.com/mcheck/mcheck/store"
)

// TestPagedArrays: arrays of both widths sharing a pager with the smallest
// budget, grown, written at random, truncated and grown again, read in
// order and at random, always give back what a plain slice holds; pages
// went to the file and came back, the RAM held stayed within the budget,
// and Close removes the file.
func TestPagedArrays(t *testing.T) {
	for _, budget := range []int64{0, 1} {
		dir := t.TempDir()
		pg, err := store.NewPager(store.SpillOptions{Dir: dir, MemBudget: budget})
		if err != nil {
			t.Fatal(err)
		}
		a32, a64 := store.NewArray[uint32](pg), store.NewArray[uint64](pg)
		var w32 []uint32
		var w64 []uint64
		rng := rand.New(rand.NewPCG(1, 2))
		maxRAM := int64(0)
		check := func(i int) {
			t.Helper()
			if got := a32.At(int64(i)); got != w32[i] {
				t.Fatalf("budget %d: uint32 word %d = %d, want %d", budget, i, got, w32[i])
			}
			if got := a64.At(int64(i)); got != w64[i] {
				t.Fatalf("budget %d: uint64 word %d = %d, want %d", budget, i, got, w64[i])
			}
			// Peek reads a page in RAM as At does, and says when the
			// page is on disk (never with no budget).
			if got, ok := a64.Peek(int64(i)); ok && got != w64[i] || !ok && budget == 0 {
				t.Fatalf("budget %d: peek at uint64 word %d = %d (in RAM %v), want %d", budget, i, got, ok, w64[i])
			}
		}
		for round := 0; round < 3; round++ {
			for range 200_000 {
				x := rng.Uint64()
				a32.Append(uint32(x))
				a64.Append(x)
				w32, w64 = append(w32, uint32(x)), append(w64, x)
				maxRAM = max(maxRAM, pg.Stats().RAMBytes)
			}
			for range 100_000 {
				i := rng.IntN(len(w32))
				x := rng.Uint64()
				a32.Set(int64(i), uint32(x))
				a64.Set(int64(i), x)
				w32[i], w64[i] = uint32(x), x
				check(rng.IntN(len(w32)))
			}
			for i := range w32 {
				check(i)
			}
			n := len(w32) / 3
			a32.Truncate(int64(n))
			a64.Truncate(int64(n))
			w32, w64 = w32[:n], w64[:n]
		}
		if a32.Len() != int64(len(w32)) || a64.Len() != int64(len(w64)) {
			t.Fatalf("lengths %d, %d, want %d", a32.Len(), a64.Len(), len(w32))
		}
		reads, writes := pg.IO()
		switch {
		case pg.Err() != nil:
			t.Fatal(pg.Err())
		case budget == 0 && (reads != 0 || writes != 0 || pg.Stats().DiskBytes != 0):
			t.Errorf("no budget, yet %d pages read and %d written", reads, writes)
		case budget > 0 && (reads == 0 || writes == 0):
			t.Errorf("the smallest budget, yet %d pages read and %d written", reads, writes)
		case budget > 0 && maxRAM > 256<<10:
			t.Errorf("the smallest budget, yet %d bytes of pages in RAM", maxRAM)
		}
		if err := pg.Close(); err != nil {
			t.Fatal(err)
		}
		if names := dirEntries(t, dir); len(names) != 0 {
			t.Errorf("Close left %v", names)
		}
	}
}
