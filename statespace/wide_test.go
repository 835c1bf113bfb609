package statespace

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/mcheck/mcheck/model"
)

func chunkBytes[T any](c *chunks[T]) int {
	var z T
	n := 0
	for _, ch := range c.list {
		n += len(ch) * int(unsafe.Sizeof(z))
	}
	return n
}

// footprint is the memory an arena's chunks hold.
func (a *Arena) footprint() int {
	return chunkBytes(&a.vals) + chunkBytes(&a.threads) + chunkBytes(&a.frames) + chunkBytes(&a.tptrs) +
		chunkBytes(&a.iptrs) + chunkBytes(&a.cptrs) + chunkBytes(&a.configs) + chunkBytes(&a.insts) +
		chunkBytes(&a.ends) + chunkBytes(&a.bytes) + chunkBytes(&a.chans) + chunkBytes(&a.msgs) + chunkBytes(&a.succs)
}

// TestWideSuccessorsOneAtATime (issue "Reliability": wide states ignored
// the memory budget). A configuration of 3,000 threads at a choose has 6,000
// successors, each a configuration of 3,000 thread pointers: all at once
// they take 6,000 x 24 KB = 144 MB of arena. EachSuccessor hands them over
// one thread's steps at a time and takes the memory back, so the arena
// stays at a few configurations' worth.
func TestWideSuccessorsOneAtATime(t *testing.T) {
	const n = 3000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "thread T%d { main let x = choose(1, 2) in x }\n", i)
	}
	m, err := model.Load("wide.dsu", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := StrategyNamed("uncoordinated")
	sem := &Semantics{P: p, Strategy: st, QueueBound: 8}
	init, _ := sem.Initial()
	tr := newTrees(p)
	defer tr.close()
	var cur cursor
	k, err := tr.key(&cur, init)
	if err != nil {
		t.Fatal(err)
	}
	var a Arena
	c := tr.decode(k, &a, &cur)
	count := 0
	sem.EachSuccessor(c, func(i int, s *Succ) bool {
		if i != count || len(s.Next.Threads) != n {
			t.Fatalf("successor %d numbered %d", count, i)
		}
		count++
		return true
	})
	if count != 2*n {
		t.Fatalf("%d successors, want %d", count, 2*n)
	}
	perConfig := n * 8
	if fp := a.footprint(); fp > 64*perConfig+1<<20 {
		t.Fatalf("the arena holds %d bytes after %d successors of %d bytes each: they were not taken back", fp, count, perConfig)
	}
	// Successors (all at once) is the same list, in the same order.
	a.Reset()
	c = tr.decode(k, &a, &cur)
	all, _ := sem.Successors(c)
	if len(all) != 2*n {
		t.Fatalf("Successors: %d, want %d", len(all), 2*n)
	}
}
