package statespace

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/mcheck/mcheck/benches/family"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/store"
)

// TestLiftPaths: on prodcons with 3 pairs under max+1 (capacity 2), both
// ways of lifting a candidate of the quotient give a real fair lasso, judged
// again without the reduction: the lasso lifted directly (quickLift) and
// the search of the real configurations above the candidate (liftSearch).
// And every step's recorded renaming takes each thread of the real successor
// to the thread of the representative in the same state.
func TestLiftPaths(t *testing.T) {
	src, err := family.Generate("prodcons", 3)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load("pc3.dsu", src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(m, m.Updates[0])
	if err != nil {
		t.Fatal(err)
	}
	st, _ := StrategyNamed("max+1")
	sem := &Semantics{P: p, Strategy: st, QueueBound: 2, Sym: p.DetectSymmetry()}
	// The smallest budget: the graph's columns go to disk and come back.
	g, err := newLiveGraph(sem, sem.Sym, store.SpillOptions{Dir: t.TempDir(), MemBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	var ls LiveStats
	fairs, err := g.search(context.Background(), LiveOptions{}, &ls)
	if err != nil || fairs == nil {
		t.Fatalf("no candidate: %v", err)
	}
	plain := sem.unreduced()
	entry := fairs.list[0]
	judge := func(how string, v *Violation) {
		t.Helper()
		if v == nil {
			t.Fatalf("%s: no real fair lasso", how)
		}
		again, err := JudgeLasso(plain, v.Path, v.CycleStart)
		if err != nil || again == nil || again.Found != v.Found {
			t.Fatalf("%s: the lasso does not judge again without the reduction: %v", how, err)
		}
	}
	judge("quickLift", g.quickLift(plain, fairs.comp, entry))
	v, n := g.liftSearch(context.Background(), plain, fairs.comp, entry, 1<<20)
	judge("liftSearch", v)
	if n == 0 {
		t.Error("liftSearch explored nothing")
	}
	renamed := 0
	if _, writes := g.pg.IO(); writes == 0 {
		t.Error("nothing went to disk at the smallest budget")
	}
	for v := range g.off.len() - 1 {
		for e := g.off.at(v); e < g.off.at(v+1); e++ {
			id := uint16(g.eperm.at(e))
			if id == permNone {
				continue
			}
			renamed++
			succs, _ := plain.Successors(g.configOf(uint32(v), nil))
			real, rep := succs[g.sidxOf(e)].Next, g.configOf(g.dst.at(e), nil)
			for u, w := range g.perms.list[id] {
				if a, b := threadShape(sem.Sym, real.Threads[u]), threadShape(sem.Sym, rep.Threads[w]); a != b {
					t.Fatalf("step %d renames thread %d to %d, but %s became %s", e, u, w, a, b)
				}
			}
		}
	}
	if renamed == 0 {
		t.Error("no step of the quotient renames threads: the tracks were not exercised")
	}
}

// threadShape describes a thread's state up to the renaming of its code
// (its frames' positions in its own code).
func threadShape(s *Symmetry, th *Thread) string {
	out := fmt.Sprintf("%d/%d/%v/%v/%v", th.Status, th.HeapVer, th.Participant, th.Barrier, th.Spin)
	for _, f := range th.Frames {
		out += fmt.Sprintf(" %d:%d", s.codePos[f.Code], f.PC)
	}
	return out
}

// TestTracks: a component whose steps swap two threads makes them one
// track, and thread states are projected onto it; a component whose steps
// rename nothing keeps every thread its own track.
func TestTracks(t *testing.T) {
	g := &liveGraph{sym: &Symmetry{}, nthreads: 3}
	swap := g.perms.id([]int{1, 0, 2})
	if swap == permNone || g.perms.id([]int{0, 1, 2}) != permNone || g.perms.id([]int{1, 0, 2}) != swap {
		t.Fatalf("renamings interned as %d", swap)
	}
	// States 0 and 1 form a component, 0 -> 1 renaming nothing, 1 -> 0
	// swapping threads 0 and 1; state 2 is a component of its own.
	pg, err := store.NewPager(store.SpillOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	g.off = colOf(pg, 0, 1, 2, 3)
	g.dst = colOf(pg, 1, 0, 2)
	g.eperm = colOf(pg, permNone, uint32(swap), permNone)
	comp := colOf(pg, 1, 1, 2)
	tr := g.tracks(slices.Values([]uint32{0, 1}), comp)
	if tr == nil || tr.root[0] != tr.root[1] || tr.root[2] == tr.root[0] {
		t.Fatalf("tracks %+v, want threads 0 and 1 together, 2 alone", tr)
	}
	s := make(threadSet, g.words())
	s.add(4*1 + 3) // thread 1, applied and taking part
	s.add(4*2 + 1)
	got := tr.project(s)
	want := make(threadSet, g.words())
	want.add(4*tr.root[1] + 3)
	want.add(4*2 + 1)
	if !contains(got, want) || !contains(want, got) {
		t.Fatalf("projected %v, want %v", got, want)
	}
	if g.tracks(slices.Values([]uint32{2}), comp) != nil {
		t.Fatal("a component that renames nothing has tracks")
	}
}

// TestEdgeMeta: a step's index and movers' set come back as recorded,
// packed in one word or, when either does not fit, kept aside.
func TestEdgeMeta(t *testing.T) {
	pg, err := store.NewPager(store.SpillOptions{Dir: t.TempDir(), MemBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	g := &liveGraph{meta: newCol(pg)}
	want := []edgeMeta{{0, 0}, {3, 7}, {1<<sidxBits - 1, 1<<(32-sidxBits) - 2}, {1 << sidxBits, 5}, {2, 1<<(32-sidxBits) - 1}, {70000, 1 << 30}, {9, 1}}
	for _, m := range want {
		g.addEdge(m.sidx, m.mov)
	}
	for e, m := range want {
		if s, mv := g.sidxOf(uint32(e)), g.movOf(uint32(e)); s != m.sidx || mv != m.mov {
			t.Errorf("step %d: (%d, %d), want (%d, %d)", e, s, mv, m.sidx, m.mov)
		}
	}
	if len(g.wide) != 3 {
		t.Errorf("%d steps kept aside, want the 3 that do not fit", len(g.wide))
	}
}
