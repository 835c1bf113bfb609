package store

import "testing"

// TestSpareBlocks: a closed store's small blocks (block.recycle) and the
// blocks a store outgrows up to spareGrownMax (block.free) are kept and
// given out again cleared; larger ones are unmapped; the kept bytes stay
// within spareMax. A compact set closed small leaves its reservation to
// the next set, which finds it empty.
func TestSpareBlocks(t *testing.T) {
	if !mapsAnon {
		t.Skip("no mapped blocks here")
	}
	old := spare
	defer func() { spare = old }()
	spare = &spareBlocks{free: map[int][][]byte{}}

	b := newBlock(offHeapMin)
	if !b.mapped {
		t.Skip("mapping refused")
	}
	for i := range b.b {
		b.b[i] = 0xff
	}
	p := &b.b[0]
	b.recycle()
	if spare.bytes != offHeapMin {
		t.Fatalf("recycled %d bytes kept, want %d", spare.bytes, offHeapMin)
	}
	c := newBlock(offHeapMin)
	if &c.b[0] != p || spare.bytes != 0 {
		t.Fatalf("the kept block was not given out again (%d bytes kept)", spare.bytes)
	}
	for i, x := range c.b {
		if x != 0 {
			t.Fatalf("byte %d of a block given out again is %#x, not 0", i, x)
		}
	}
	c.free() // small enough: kept
	if spare.bytes != offHeapMin {
		t.Fatalf("a freed %d-byte block: %d bytes kept", offHeapMin, spare.bytes)
	}
	big := newBlock(spareGrownMax * 2)
	big.free() // outgrown, too large to keep
	if spare.bytes != offHeapMin {
		t.Fatalf("a freed %d-byte block was kept", spareGrownMax*2)
	}
	huge := newBlock(spareBlockMax * 2)
	huge.recycle()
	if spare.bytes != offHeapMin {
		t.Fatalf("a recycled %d-byte block was kept", spareBlockMax*2)
	}
	var many []block
	for range spareMax/spareBlockMax + 2 {
		many = append(many, newBlock(spareBlockMax))
	}
	for i := range many {
		many[i].recycle()
	}
	if spare.bytes > spareMax {
		t.Fatalf("%d bytes kept, more than %d", spare.bytes, spareMax)
	}

	if !reservesAnon {
		return
	}
	s := NewCompactSet()
	if s.res == nil {
		t.Skip("no reservation here")
	}
	res := &s.res[0]
	var keys []uint64
	for i := range uint64(20000) {
		keys = append(keys, i*0x9e3779b97f4a7c15+1)
	}
	s.Insert(keys, make([]bool, len(keys)))
	s.Close()
	s2 := NewCompactSet()
	defer s2.Close()
	if s2.res == nil || &s2.res[0] != res {
		t.Fatal("a small set's reservation was not kept for the next")
	}
	for _, k := range keys {
		if s2.Contains(k) {
			t.Fatalf("the next set holds %#x", k)
		}
	}
	if !s2.Add(keys[0]) || s2.Add(keys[0]) || s2.Len() != 1 {
		t.Fatal("the next set does not work as a set")
	}
}
