package statespace

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"time"
)

// Liveness on the symmetry quotient. With symmetry (Semantics.Sym), the
// liveness check first searches among representatives, as the safety
// search does, and only falls back to the unreduced system when it must.
//
// Fairness is per thread, and a representative renames threads: a step from
// a representative is a real step, but its target is replaced by its own
// representative, which may swap blocks. So a cycle among representatives
// is not a real cycle. What holds:
//
//   - Sound direction. A real weakly fair cycle maps, step by step, to a
//     closed walk among representatives (repeat it until the walk closes)
//     inside one component of the quotient's pending region. Along it, a
//     real thread is seen as a thread of the representatives that stays in
//     one track (the threads that the renamings of the component's steps
//     connect: a part of its slot class, Symmetry.SlotClass), with the same
//     attribute (attrOf: heap version, taking part). So every track and
//     attribute present has a thread that moves or is disabled somewhere in
//     the component: the component is fair for this relaxed fairness
//     (tracks, at the end of this file). Pending, and "a participant can
//     apply here", do not depend on names. Hence: no relaxed-fair component,
//     no real fair cycle in which a participant never applies, and the
//     update completes in every fair run (ok, decided on the quotient).
//     Where no step of a component renames, the relaxed fairness is exact.
//   - Violations are real. A relaxed-fair component is only a candidate. Its
//     lasso among representatives (shortest prefix, and a cycle covering
//     every thread of the representatives if the component has one, else
//     every track) is lifted: the prefix by realPath, the cycle step by step
//     (a real step whose representative is the next one, preferring one
//     whose thread has not moved yet), again and again until the real
//     configuration returns to where the cycle started (a cycle among
//     representatives goes from s to a renaming of s; repeated as many
//     times as that renaming's order, it is a real cycle). The real lasso is
//     then judged exactly, per thread (JudgeLasso); only a real fair lasso
//     is reported (its prefix is the shortest to a candidate, not always
//     the shortest to a real fair cycle).
//   - If that fails for every candidate, the real configurations whose
//     representatives lie in a candidate component are explored from the
//     lifted entry (liftSearch: at most the component's size times the
//     group's order) and judged exactly, per thread; a fair component there
//     gives a real lasso, checked again by JudgeLasso. This is bounded
//     (liftBudget).
//   - If nothing lifts, the unreduced check decides (correct, slower), and
//     LiveStats.FellBack says so (testdata/liveness/classmate-loops.dsu,
//     doubled, is such a case).

// maxQuickLifts is the most candidate components whose lassos are lifted
// (and whose real configurations are searched); maxLiftRounds the most times a cycle among representatives is
// repeated while lifting it; liftBudget the fewest real configurations
// liftSearch may explore in all (it may explore as many as the quotient
// has, if that is more).
const (
	maxQuickLifts = 64
	maxLiftRounds = 1 << 12
	maxLiftSteps  = 1 << 20
	liftBudget    = 1 << 16
)

// checkQuotient is CheckLiveness with symmetry: on the quotient, then, if
// no candidate lifts to a real violation, on the unreduced system.
func checkQuotient(ctx context.Context, sem *Semantics, opt LiveOptions) (*Violation, LiveStats, error) {
	start := time.Now()
	v, st, decided, err := quotientVerdict(ctx, sem, opt)
	if err != nil || decided {
		return v, st, err
	}
	q := st
	v, st, err = checkExact(ctx, sem.unreduced(), opt)
	st.FellBack = true
	st.QuotientStates, st.Lifted = q.QuotientStates, q.Lifted
	st.RAMBytes = max(st.RAMBytes, q.RAMBytes)
	st.DiskBytes = max(st.DiskBytes, q.DiskBytes)
	st.Elapsed = time.Since(start)
	return v, st, err
}

// quotientVerdict searches among representatives; decided is false when a
// relaxed-fair component exists and none lifts to a real fair lasso.
func quotientVerdict(ctx context.Context, sem *Semantics, opt LiveOptions) (v *Violation, out LiveStats, decided bool, err error) {
	st := LiveStats{Quotient: true}
	g, err := newLiveGraph(sem, sem.Sym, opt.Spill)
	if err != nil {
		return nil, st, true, fmt.Errorf("liveness: %w", err)
	}
	defer g.close()
	defer func() {
		// A failed pager met while decoding, here or in a lift's graph.
		if perr := pagesError(recover()); perr != nil {
			v, out, err = g.finish(&st, nil, perr)
			decided = true
		}
	}()
	fairs, err := g.search(ctx, opt, &st)
	st.QuotientStates = int64(g.parent.len())
	if err != nil || fairs == nil {
		v, out, err = g.finish(&st, nil, err)
		return v, out, true, err
	}
	v = g.lift(ctx, fairs, &st)
	if v == nil && !st.Interrupted {
		st.Quotient = false
		v, out, err = g.finish(&st, nil, nil)
		return v, out, false, err
	}
	v, out, err = g.finish(&st, v, nil)
	return v, out, true, err
}

// lift tries to turn a candidate (a relaxed-fair component) into a real
// fair lasso: first by lifting each candidate's lasso, then by searching
// the real configurations above each candidate. It returns nil if none
// lifts (st.Interrupted if ctx stopped it).
func (g *liveGraph) lift(ctx context.Context, fairs *fairComps, st *LiveStats) *Violation {
	plain := g.sem.unreduced()
	for i := 0; i < fairs.len() && i < maxQuickLifts; i++ {
		if v := g.quickLift(plain, fairs.comp, fairs.list[i]); v != nil {
			return v
		}
	}
	budget := max(int64(g.parent.len()), liftBudget)
	for i, entry := range fairs.list {
		if budget <= 0 || i >= maxQuickLifts {
			break
		}
		v, n := g.liftSearch(ctx, plain, fairs.comp, entry, budget)
		st.Lifted += n
		budget -= n
		if ctx.Err() != nil {
			st.Interrupted = true
			return nil
		}
		if v != nil {
			return v
		}
	}
	return nil
}

// realEntry lifts the quotient's shortest path to state entry: the real
// path (successor indices of plain) and the real configuration it ends in.
func (g *liveGraph) realEntry(plain *Semantics, entry uint32) ([]uint32, *Config, bool) {
	path, err := g.sym.realPath(g.sem, g.pathTo(entry))
	if err != nil {
		return nil, nil, false
	}
	tr, err := ReplayPath(plain, path)
	if err != nil {
		return nil, nil, false
	}
	return path, tr.Final, true
}

// quickLift lifts a lasso of the candidate component whose first-found
// state is entry (shortest prefix; a cycle covering every thread of the
// representatives if the component has one, else every class) and judges
// the real lasso exactly: nil if it is not a real fair lasso.
func (g *liveGraph) quickLift(plain *Semantics, comp col, entry uint32) *Violation {
	for _, threads := range []bool{true, false} {
		cycle, err := g.cycle(comp, entry, threads)
		if err != nil || len(cycle) == 0 {
			continue
		}
		if v := g.liftLasso(plain, entry, cycle); v != nil {
			return v
		}
	}
	return nil
}

// liftLasso lifts the lasso made of the shortest path to entry and cycle
// (among representatives), repeating the cycle until the real configuration
// returns to its start, and judges the real lasso exactly.
func (g *liveGraph) liftLasso(plain *Semantics, entry uint32, cycle []uint32) *Violation {
	path, real, ok := g.realEntry(plain, entry)
	if !ok {
		return nil
	}
	cycleStart := len(path) + 1
	rep := g.configOf(entry, nil)
	start := g.p.Encode(nil, real)
	moved := make(threadSet, (g.nthreads+63)/64)
	order, _ := g.sym.Order().Float64()
	rounds := int(min(order, maxLiftRounds, float64(maxLiftSteps/len(cycle))))
	for r := 0; r < rounds; r++ {
		for _, idx := range cycle {
			j, nextRep, nextReal := g.sym.liftStep(g.sem, plain, rep, real, idx, moved)
			if nextRep == nil {
				return nil
			}
			path = append(path, j)
			rep, real = nextRep, nextReal
		}
		if bytes.Equal(g.p.Encode(nil, real), start) {
			v, err := JudgeLasso(plain, path, cycleStart)
			if err != nil {
				return nil
			}
			return v
		}
	}
	return nil
}

// liftStep finds a real step from real (whose representative is rep,
// under sem) that stands for rep's successor idx: a successor of real
// under plain doing the same kind of step, with a fault or none alike,
// whose representative is rep's successor. Of those (alike threads in
// alike states make several), it prefers one in which a thread not in
// moved moves, and adds the threads that move to moved. It returns the
// step's index and the next representative and real configuration (nil if
// there is none).
func (s *Symmetry) liftStep(sem, plain *Semantics, rep, real *Config, idx uint32, moved threadSet) (uint32, *Config, *Config) {
	p := sem.P
	succs, _ := sem.Successors(rep)
	if int(idx) >= len(succs) {
		return 0, nil, nil
	}
	want := &succs[idx]
	wantEnc := p.Encode(nil, want.Next)
	rs, _ := plain.Successors(real)
	found := -1
	mv := make(threadSet, len(moved))
	for j := range rs {
		r := &rs[j]
		if r.Action.Kind != want.Action.Kind || (r.Fault == nil) != (want.Fault == nil) {
			continue
		}
		n := sem.canonicalCopy(r.Next)
		s.canonical(n)
		if !bytes.Equal(p.Encode(nil, n), wantEnc) {
			continue
		}
		clear(mv)
		movers(&r.Action, mv)
		fresh := !contains(moved, mv)
		if found < 0 || fresh {
			found = j
		}
		if fresh {
			break
		}
	}
	if found < 0 {
		found = s.orbitStep(sem, rs, want, wantEnc)
	}
	if found < 0 {
		return 0, nil, nil
	}
	movers(&rs[found].Action, moved)
	return uint32(found), want.Next, rs[found].Next
}

// liftSearch explores, from the lifted entry of a candidate component, the
// real configurations whose representatives lie in the component (at most
// budget of them), judges fairness there exactly, per thread, and returns
// the real lasso of the shallowest fair component it finds, checked by
// JudgeLasso (nil if none), with the number of real configurations it
// explored.
func (g *liveGraph) liftSearch(ctx context.Context, plain *Semantics, comp col, entry uint32, budget int64) (*Violation, int64) {
	members := map[string]struct{}{}
	var arena Arena
	for _, v := range g.members(comp, entry) {
		arena.Reset()
		members[string(g.p.Encode(nil, g.configOf(v, &arena)))] = struct{}{}
	}
	prefix, real, ok := g.realEntry(plain, entry)
	if !ok {
		return nil, 0
	}
	h, err := newLiveGraph(plain, nil, g.spill)
	if err != nil {
		return nil, 0
	}
	defer h.close()
	var buf []byte
	h.keep = func(c *Config) bool {
		n := g.sem.canonicalCopy(c)
		g.sym.canonical(n)
		buf = g.p.Encode(buf[:0], n)
		_, in := members[string(buf)]
		return in
	}
	var st LiveStats
	err = h.explore(ctx, real, LiveOptions{MaxStates: budget, NoMemo: g.noMemo}, &st)
	n := int64(h.parent.len())
	if err != nil || st.Cut || st.Interrupted {
		return nil, n
	}
	fairs := h.fairComponents(ctx, &st, nil)
	if fairs == nil {
		return nil, n
	}
	at := fairs.list[0]
	cycle, err := h.cycle(fairs.comp, at, false)
	if err != nil {
		return nil, n
	}
	path := append(prefix, h.pathTo(at)...)
	cycleStart := len(path) + 1
	v, err := JudgeLasso(plain, append(path, cycle...), cycleStart)
	if err != nil {
		return nil, n
	}
	return v, n
}

// Tracks. A step among representatives is a real step from the
// representative followed by a renaming of threads (the one that makes its
// target a representative: Symmetry.canonicalPerm), recorded per step
// (eperm). Along a real run mapped onto the quotient, a real thread is seen
// as thread u of one representative, then as perm(u) of the next, and so
// on: it stays in one track, the threads that the renamings of a
// component's steps connect (a part of a slot class: none if no step of the
// component renames). Fairness is judged per track and thread state: a
// track is covered when some thread of it, with the attribute (attrOf) in
// question, moves or is disabled somewhere in the component. A real fair
// cycle covers every track of its component, so the judgement stays sound,
// and it is exact where no step renames.

// permNone is the identity renaming; permUnknown a renaming not recorded
// (too many distinct ones): every thread may become any of its slot class.
const (
	permNone    = 0
	permUnknown = math.MaxUint16
)

// permTable interns renamings of threads.
type permTable struct {
	list [][]int32 // id -> renaming (thread t becomes list[id][t]); list[0]: none
	ids  map[string]uint16
	buf  []byte
}

// id is the id of the renaming pi (nil: not known).
func (pt *permTable) id(pi []int) uint16 {
	if pi == nil {
		return permUnknown
	}
	identity := true
	for t, u := range pi {
		if t != u {
			identity = false
			break
		}
	}
	if identity {
		return permNone
	}
	if pt.list == nil {
		pt.list, pt.ids = [][]int32{nil}, map[string]uint16{}
	}
	pt.buf = pt.buf[:0]
	for _, u := range pi {
		pt.buf = binary.AppendUvarint(pt.buf, uint64(u))
	}
	if id, ok := pt.ids[string(pt.buf)]; ok {
		return id
	}
	if len(pt.list) >= permUnknown {
		return permUnknown
	}
	id := uint16(len(pt.list))
	r := make([]int32, len(pi))
	for t, u := range pi {
		r[t] = int32(u)
	}
	pt.list = append(pt.list, r)
	pt.ids[string(pt.buf)] = id
	return id
}

// successors expands c. On the quotient it expands it without the symmetry:
// the caller replaces each successor by its representative (canonicalPermFrom),
// as Semantics.Successors does with the symmetry (the same successors in the
// same order), and notes the renaming each took.
func (g *liveGraph) successors(c *Config) []Succ {
	sem := g.sem
	if g.sym != nil {
		sem = g.plain
	}
	succs, _ := sem.Successors(c)
	return succs
}

// tracks are the tracks of a component: root[t] names thread t's. A nil
// *tracks is every thread a track of its own.
type tracks struct{ root []int }

// project maps a set of thread states onto tracks.
func (tr *tracks) project(s threadSet) threadSet {
	if tr == nil {
		return s
	}
	out := make(threadSet, len(s))
	for k := 0; k < 4*len(tr.root); k++ {
		if s.has(k) {
			out.add(4*tr.root[k/4] + k%4)
		}
	}
	return out
}

// tracks computes the tracks of the component of members (nil off the
// quotient, or when none of its steps renames).
func (g *liveGraph) tracks(members iter.Seq[uint32], comp col) *tracks {
	if g.sym == nil {
		return nil
	}
	c := uint32(0)
	var seen map[uint16]bool
	for v := range members {
		if c == 0 {
			c = comp.at(v)
		}
		for e := g.off.at(v); e < g.off.at(v+1); e++ {
			if id := uint16(g.eperm.at(e)); id != permNone && comp.at(g.dst.at(e)) == c {
				if seen == nil {
					seen = map[uint16]bool{}
				}
				seen[id] = true
			}
		}
	}
	if seen == nil {
		return nil
	}
	root := make([]int, g.nthreads)
	for t := range root {
		root[t] = t
	}
	find := func(x int) int {
		for root[x] != x {
			root[x] = root[root[x]]
			x = root[x]
		}
		return x
	}
	union := func(a, b int) { root[find(a)] = find(b) }
	for id := range seen {
		for t := range root {
			if id == permUnknown {
				union(t, g.sym.SlotClass(t))
			} else {
				union(t, int(g.perms.list[id][t]))
			}
		}
	}
	for t := range root {
		root[t] = find(t)
	}
	return &tracks{root: root}
}

// members lists the states of the component of v (found from v, breadth-
// first, inside it).
func (g *liveGraph) members(comp col, v uint32) []uint32 {
	seen := map[uint32]bool{v: true}
	out := []uint32{v}
	for i := 0; i < len(out); i++ {
		u := out[i]
		for e := g.off.at(u); e < g.off.at(u+1); e++ {
			if w := g.dst.at(e); comp.at(w) == comp.at(v) && !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
}
