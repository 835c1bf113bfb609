package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/mcheck/mcheck/store"
)

// queue mirrors statespace.Frontier (asserted in ./conformance).
type queue interface {
	Push(rec []byte) error
	Pop() ([]byte, error)
	Len() int64
	Close() error
}

// record returns the i-th test record: its length varies from 0 to a few
// KiB (some longer than a spill chunk) and its bytes encode i.
func record(i int) []byte {
	n := (i * 7919) % 97
	if i%101 == 0 {
		n = 3000 + i%500
	}
	r := make([]byte, n)
	for j := range r {
		r[j] = byte(i + j*31)
	}
	if n >= 8 {
		copy(r, fmt.Sprintf("%08x", i))
	}
	return r
}

// testQueue drives q with random interleaved pushes and pops against a
// slice model.
func testQueue(t *testing.T, q queue, budget int64, steps int, seed uint64) (maxDisk int64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var model [][]byte
	next := 0
	for step := 0; step < steps; step++ {
		// Phases of mostly pushes then mostly pops, so the queue both grows
		// well past the budget and drains across the memory/disk boundary.
		pushBias := 6
		if (step/2000)%2 == 1 {
			pushBias = 3
		}
		if rng.IntN(10) < pushBias {
			r := record(next)
			next++
			if err := q.Push(r); err != nil {
				t.Fatalf("step %d: Push: %v", step, err)
			}
			if len(r) > 0 { // the queue must have copied rec
				r[0] ^= 0xff
			}
			model = append(model, record(next-1))
		} else {
			got, err := q.Pop()
			if len(model) == 0 {
				if got != nil || err != io.EOF {
					t.Fatalf("step %d: Pop on empty = %q, %v; want nil, io.EOF", step, got, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: Pop: %v", step, err)
			}
			if !bytes.Equal(got, model[0]) {
				t.Fatalf("step %d: Pop = %.20q (len %d), want %.20q (len %d)", step, got, len(got), model[0], len(model[0]))
			}
			model = model[1:]
		}
		if q.Len() != int64(len(model)) {
			t.Fatalf("step %d: Len = %d, want %d", step, q.Len(), len(model))
		}
		if s, ok := q.(interface{ Stats() store.Stats }); ok {
			st := s.Stats()
			maxDisk = max(maxDisk, st.DiskBytes)
			// Within budget, but for a few chunks (being filled, or kept
			// for reuse), the largest records (3.5 KB) and the spill
			// files' two 256 KiB I/O buffers.
			if limit := budget + 4*max(budget/8, 256) + 2*4000 + 512<<10; budget > 0 && budget < 1<<20 && st.RAMBytes > limit {
				t.Fatalf("step %d: RAM %d bytes, budget %d", step, st.RAMBytes, budget)
			}
		}
	}
	for len(model) > 0 {
		got, err := q.Pop()
		if err != nil || !bytes.Equal(got, model[0]) {
			t.Fatalf("drain: Pop = %.20q, %v; want %.20q", got, err, model[0])
		}
		model = model[1:]
	}
	if got, err := q.Pop(); got != nil || err != io.EOF {
		t.Fatalf("Pop on drained queue = %q, %v; want nil, io.EOF", got, err)
	}
	return maxDisk
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestQueue(t *testing.T) {
	for _, budget := range []int64{0, 1, 300, 4096, 1 << 30} {
		t.Run(fmt.Sprintf("budget=%d", budget), func(t *testing.T) {
			dir := t.TempDir()
			q, err := store.NewQueue(store.SpillOptions{Dir: dir, MemBudget: budget})
			if err != nil {
				t.Fatal(err)
			}
			maxDisk := testQueue(t, q, budget, 20000, uint64(budget))
			if spills := budget > 0 && budget <= 4096; spills != (maxDisk > 0) {
				t.Errorf("max disk bytes %d; spilling expected: %v", maxDisk, spills)
			}
			if names := dirEntries(t, dir); len(names) != 0 {
				t.Errorf("drained queue left files %v", names)
			}
			// Refill past the budget, then Close removes the files.
			for i := range 5000 {
				if err := q.Push(record(i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := q.Close(); err != nil {
				t.Fatal(err)
			}
			if names := dirEntries(t, dir); len(names) != 0 {
				t.Errorf("Close left files %v", names)
			}
			if err := q.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if err := q.Push([]byte("x")); !errors.Is(err, store.ErrClosed) {
				t.Errorf("Push after Close = %v, want ErrClosed", err)
			}
		})
	}
}

// TestQueueFIFOAcrossSpill pushes everything, then pops everything: the
// order holds across front, files and back.
func TestQueueFIFOAcrossSpill(t *testing.T) {
	dir := t.TempDir()
	q, err := store.NewQueue(store.SpillOptions{Dir: dir, MemBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	const n = 30000
	for round := range 3 {
		for i := range n {
			if err := q.Push(record(i)); err != nil {
				t.Fatal(err)
			}
		}
		if q.Stats().DiskBytes == 0 {
			t.Fatal("no spilling with a 1000-byte budget")
		}
		// The spill files are unlinked as soon as created (a killed run
		// leaves none behind), but open.
		if names := dirEntries(t, dir); len(names) != 0 {
			t.Errorf("round %d: spill files visible: %v", round, names)
		}
		if n := openUnlinked(t, dir); n >= 0 && n < 2 {
			t.Errorf("round %d: %d unlinked spill files open in %s, want several", round, n, dir)
		}
		for i := range n {
			got, err := q.Pop()
			if err != nil || !bytes.Equal(got, record(i)) {
				t.Fatalf("round %d: Pop #%d = %.20q, %v; want %.20q", round, i, got, err, record(i))
			}
		}
		if _, err := q.Pop(); err != io.EOF {
			t.Fatalf("Pop on empty = %v, want io.EOF", err)
		}
		if names := dirEntries(t, dir); len(names) != 0 {
			t.Errorf("round %d: drained queue left files %v", round, names)
		}
	}
}
