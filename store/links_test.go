package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mcheck/mcheck/store"
)

// links mirrors statespace.Links (asserted in ./conformance).
type links interface {
	Append(parent int64, succ uint32) (int64, error)
	Get(id int64) (int64, uint32, error)
	Len() int64
	Close() error
}

func linkOf(id int64) (int64, uint32) {
	if id == 0 {
		return -1, 0
	}
	succ := uint32(id % 97)
	if id%1000 == 7 {
		succ = uint32(id*40503) ^ uint32(id>>3) | 1<<16 // too big for 16 bits: kept aside
	}
	return (id * 2654435761) % id, succ
}

func TestLinks(t *testing.T) {
	for _, budget := range []int64{0, 1, 500, 100 << 10} {
		t.Run(fmt.Sprintf("budget=%d", budget), func(t *testing.T) {
			dir := t.TempDir()
			l, err := store.NewLinks(store.SpillOptions{Dir: dir, MemBudget: budget})
			if err != nil {
				t.Fatal(err)
			}
			var lk links = l
			const n = 200_000
			for i := range int64(n) {
				p, s := linkOf(i)
				id, err := lk.Append(p, s)
				if err != nil || id != i {
					t.Fatalf("Append #%d = %d, %v", i, id, err)
				}
				if i%9973 == 0 { // Get interleaved with Append
					if gp, gs, err := lk.Get(i / 2); err != nil || gp != must(linkOf(i/2)) {
						t.Fatalf("Get(%d) = %d, %d, %v", i/2, gp, gs, err)
					}
				}
			}
			if lk.Len() != n {
				t.Fatalf("Len = %d, want %d", lk.Len(), n)
			}
			for i := int64(n - 1); i >= 0; i-- {
				p, s, err := lk.Get(i)
				wp, ws := linkOf(i)
				if err != nil || p != wp || s != ws {
					t.Fatalf("Get(%d) = %d, %d, %v; want %d, %d", i, p, s, err, wp, ws)
				}
			}
			for _, id := range []int64{-1, n, n + 100} {
				if _, _, err := lk.Get(id); err == nil {
					t.Errorf("Get(%d) succeeded", id)
				}
			}
			st := l.Stats()
			spills := budget > 0 && budget < n*8
			if spills != (st.DiskBytes > 0) {
				t.Errorf("stats %+v for budget %d", st, budget)
			}
			if spills && st.RAMBytes > max(budget, 2*16*8)+4096+n/1000*24 {
				t.Errorf("RAM %d bytes over budget %d", st.RAMBytes, budget)
			}
			if !spills && st.RAMBytes > n*8*2 {
				t.Errorf("RAM %d bytes for %d links", st.RAMBytes, n)
			}
			if err := lk.Close(); err != nil {
				t.Fatal(err)
			}
			if names := dirEntries(t, dir); len(names) != 0 {
				t.Errorf("Close left files %v", names)
			}
			if err := lk.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if _, err := lk.Append(0, 0); !errors.Is(err, store.ErrClosed) {
				t.Errorf("Append after Close = %v, want ErrClosed", err)
			}
		})
	}
}

func must(p int64, _ uint32) int64 { return p }
