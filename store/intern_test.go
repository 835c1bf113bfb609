package store

import (
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
)

// TestPairTableExact interns many pairs from several goroutines at once:
// every pair gets one id, different pairs different ids, and Get gives the
// pair back. Pairs of small ids are inline, the others stored: the two
// forms never share an id.
func TestPairTableExact(t *testing.T) {
	for _, bits := range []int{inlineBits, 3, 0} {
		t.Run(fmt.Sprintf("inline=%d", bits), func(t *testing.T) { pairTableExact(t, bits) })
	}
}

func pairTableExact(t *testing.T, bits int) {
	tab := NewPairTableInline(bits)
	const n, workers = 60000, 4
	ids := make([][]uint32, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[w] = make([]uint32, n)
			for i := range n {
				// Every worker interns the same pairs, in a different order.
				k := (i*7919 + w*104729) % n
				id, err := tab.Intern(uint32(k), uint32(k%97))
				if err != nil {
					t.Error(err)
					return
				}
				ids[w][k] = id
			}
		}()
	}
	wg.Wait()
	seen := map[uint32]int{}
	for k := range n {
		id := ids[0][k]
		for w := 1; w < workers; w++ {
			if ids[w][k] != id {
				t.Fatalf("pair %d: ids %d and %d", k, id, ids[w][k])
			}
		}
		if o, dup := seen[id]; dup {
			t.Fatalf("pairs %d and %d share id %d", o, k, id)
		}
		seen[id] = k
		if l, r := tab.Get(id); l != uint32(k) || r != uint32(k%97) {
			t.Fatalf("Get(%d) = %d,%d, want %d,%d", id, l, r, k, k%97)
		}
	}
	stored := 0 // the pairs with an id of 2^bits or more
	for k := range n {
		if bits == 0 || k>>bits != 0 || (k%97)>>bits != 0 {
			stored++
		}
	}
	if tab.Len() != int64(stored) {
		t.Fatalf("Len = %d, want %d", tab.Len(), stored)
	}
	if tab.Stats().RAMBytes <= 0 {
		t.Fatal("no RAM reported")
	}
}

// TestLeafTableExact: byte strings that share a hash prefix or differ in
// length only are told apart; the value is made once per string, told the
// id Intern then returns.
func TestLeafTableExact(t *testing.T) {
	tab := NewLeafTable[string]()
	var mu sync.Mutex
	made := map[string]int{}
	madeID := map[string]uint32{}
	mk := func(b []byte, id uint32) (string, int) {
		mu.Lock()
		made[string(b)]++
		madeID[string(b)] = id
		mu.Unlock()
		return string(b), len(b)
	}
	key := func(i int) []byte {
		b := binary.AppendUvarint(nil, uint64(i))
		if i%3 == 0 {
			b = append(b, 0) // a longer string with the same prefix as another
		}
		if i%1000 == 0 {
			b = append(b, make([]byte, 5000)...) // bigger than a block
		}
		return b
	}
	const n = 20000
	var wg sync.WaitGroup
	ids := make([][]uint32, 3)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[w] = make([]uint32, n)
			for i := range n {
				k := (i*31 + w*17) % n
				b := key(k)
				id, err := tab.Intern(b, mk)
				if err != nil {
					t.Error(err)
					return
				}
				b[0] ^= 0xff // the table must have copied it
				ids[w][k] = id
			}
		}()
	}
	wg.Wait()
	for k := range n {
		id := ids[0][k]
		if ids[1][k] != id || ids[2][k] != id {
			t.Fatalf("key %d: different ids", k)
		}
		want := string(key(k))
		if got := tab.Get(id); got != want {
			t.Fatalf("Get(%d) = %q, want %q", id, got, want)
		}
		if string(tab.Bytes(id)) != want {
			t.Fatalf("Bytes(%d) differ", id)
		}
		if made[want] != 1 {
			t.Fatalf("value of key %d made %d times", k, made[want])
		}
		if madeID[want] != id {
			t.Fatalf("value of key %d made with id %d, interned as %d", k, madeID[want], id)
		}
	}
	if tab.Len() != n {
		t.Fatal(fmt.Sprint("Len = ", tab.Len()))
	}
}

// TestBytesTableExact: as TestLeafTableExact, for the table without values.
func TestBytesTableExact(t *testing.T) {
	tab := NewBytesTable()
	key := func(i int) []byte {
		b := binary.AppendUvarint(nil, uint64(i))
		if i%3 == 0 {
			b = append(b, 0)
		}
		if i%1000 == 0 {
			b = append(b, make([]byte, 70000)...) // bigger than a block
		}
		if i%1000 == 500 {
			b = append(b, make([]byte, 20000)...) // bigger than the first blocks
		}
		return b
	}
	const n = 30000
	var wg sync.WaitGroup
	ids := make([][]uint32, 3)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[w] = make([]uint32, n)
			for i := range n {
				k := (i*31 + w*17) % n
				b := key(k)
				id, err := tab.Intern(b)
				if err != nil {
					t.Error(err)
					return
				}
				b[0] ^= 0xff
				ids[w][k] = id
			}
		}()
	}
	wg.Wait()
	seen := map[uint32]bool{}
	for k := range n {
		id := ids[0][k]
		if ids[1][k] != id || ids[2][k] != id || seen[id] {
			t.Fatalf("key %d: ids differ or repeat", k)
		}
		seen[id] = true
		if string(tab.Bytes(id)) != string(key(k)) {
			t.Fatalf("Bytes(%d) differ", id)
		}
	}
	if tab.Len() != n || tab.Stats().RAMBytes <= 0 {
		t.Fatalf("Len = %d", tab.Len())
	}
}
