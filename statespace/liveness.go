package statespace

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/store"
)

// The liveness half of update completion (docs/language.md §5): under weak
// fairness of threads, every run after the introduction reaches a point
// where every participant has applied the update or finished. A violation is
// a lasso: a shortest prefix from the initial configuration to a cycle, and
// the cycle, which repeats for ever, fairly, while some participant never
// applies.
//
// It is a separate phase, run once the safety search has found nothing. It
// explores the state space again, breadth-first, with exact keys (trees of
// interned parts, never fingerprints: a collision could invent a cycle),
// and records, compactly (CSR arrays of uint32), the transitions between
// "pending" configurations: the update is introduced and some participant
// has neither applied nor finished. Then:
//
//  1. Applying is irreversible (a thread's heap version only goes from 0 to
//     1), so no cycle ever contains an apply or a barrier release: inside a
//     cycle every pending participant never applies, and the set of pending
//     participants is the same at every configuration of it.
//  2. Fairness covers the choice to apply (§5): a run that passes, again and
//     again, configurations where a pending participant could apply (its
//     strategy offers apply at its update point, or the barrier can release)
//     and never does is not fair. Such configurations are left out: no fair
//     cycle goes through one.
//  3. The rest of the pending region is cut into strongly connected
//     components (iterative Tarjan). A cycle is weakly fair iff every thread
//     either moves in it or is disabled at some configuration of it. Both
//     conditions only weaken when configurations are taken away, so a
//     component holds a fair cycle iff the whole component meets them (no
//     Emerson–Lei refinement is needed for weak fairness; the strong part,
//     step 2, is settled before the decomposition).
//  4. Of the fair components, the one reached first by the breadth-first
//     search gives the lasso: the shortest path (parent links) to its first
//     configuration, and a cycle back to it through the component that
//     covers the moves and disabled configurations fairness needs, built
//     greedily from nearest targets (short, not always shortest).
//
// A thread moves in a step it performs; a session start is a step of every
// thread that takes part in it, and a barrier release one of every thread it
// releases. A thread is enabled in a configuration if some step of it is: a
// thread waiting for a message, at the barrier, or at a send the queue's
// capacity holds back is disabled there, so a thread enabled only every
// other configuration may be starved (weak, not strong, fairness).
//
// Memory: everything is in RAM: every reachable configuration as the
// explorer keeps it, a tree of interned parts with an exact 8-byte key
// (liveKeys, livekeys.go; each distinct thread, instance and channel once),
// about 45 bytes per configuration besides, and 8 bytes per recorded
// transition (12 on the quotient). Workers expand the configurations of a
// batch in parallel, and the batch is merged on one core (explore).
//
// With symmetry (Semantics.Sym) the same search runs among representatives
// first, with fairness relaxed to what renaming threads preserves, and only
// real lassos are reported (livesym.go).

// RuleNeverApplies names the liveness case of update completion.
const RuleNeverApplies = "never applies"

// propUpdateCompletion is the property the liveness check belongs to, and
// propRuntime that of runtime errors (the names package properties gives
// them).
const (
	propUpdateCompletion = "update-completion"
	propRuntime          = "runtime"
)

// LiveOptions configure the liveness check.
type LiveOptions struct {
	// MaxStates bounds the configurations the check holds: it stops (Cut,
	// no verdict) when one more would be added; 0: no bound.
	MaxStates int64
	// Progress, if set, is called after each breadth-first level, and
	// then about every second while the graph is decomposed (with
	// Decomposing set).
	Progress func(LiveStats)
	// Spill says where the graph's columns go past their memory budget
	// (MemBudget 0: they stay in RAM).
	Spill store.SpillOptions
	// NoMemo switches the thread memo off (memo.go), as Options.NoMemo
	// does for the safety search: for the tests, which compare the two.
	NoMemo bool
	// Workers expand configurations in parallel; 0: runtime.NumCPU(). The
	// result does not depend on it (explore).
	Workers int
	// Batch is the most configurations expanded between two merges (0:
	// liveBatch); tests make it small to exercise many batches a level.
	Batch int
}

// LiveStats says what the liveness check did.
type LiveStats struct {
	States      int64 // configurations explored (the whole reachable space)
	Transitions int64 // steps generated
	Pending     int64 // configurations after the introduction with some participant not applied or finished
	Edges       int64 // steps recorded between pending configurations
	Excluded    int64 // pending configurations where a participant could apply (no fair cycle passes them)
	// Stuck counts the pending configurations with no step. The safety
	// search judged every configuration with no step, so only the queue's
	// capacity holds these (capacity reached, §5): the runs that end there
	// are the bound's artefact, not judged, though the update is pending.
	Stuck       int64
	Depth       int   // the greatest breadth-first depth
	SCCs        int64 // non-trivial strongly connected components of the pending region
	FairSCCs    int64 // of them, those holding a fair cycle
	RAMBytes    int64 // estimated memory the check held
	DiskBytes   int64 // the most the graph's columns held on disk (LiveOptions.Spill)
	Cut         bool  // stopped by MaxStates: no verdict
	Interrupted bool  // stopped by the context: no verdict
	Elapsed     time.Duration
	// Decomposing, in a Progress report, is the number of configurations
	// of the pending region (Pending less Excluded) that its decomposition
	// into components has reached so far (0: the search is still
	// exploring).
	Decomposing int64

	// With symmetry (Semantics.Sym, livesym.go): Quotient says the verdict
	// came from the search among representatives (the figures above are
	// its; FairSCCs counts the candidates, fair for the relaxed fairness),
	// any lasso lifted to a real one. FellBack says no candidate lasso lifted to a real fair one
	// and the unreduced check decided (the figures above are then its;
	// Elapsed and RAMBytes cover both). QuotientStates is the number of
	// representatives explored, Lifted the number of real configurations
	// explored while lifting candidate lassos.
	Quotient       bool
	FellBack       bool
	QuotientStates int64
	Lifted         int64
}

// noState marks a missing state id (the initial configuration's parent).
const noState = math.MaxUint32

const (
	flagPending  uint32 = 1 << (30 + iota) // introduced, some participant neither applied nor finished
	flagExcluded                           // a pending participant could apply here
	flagMask     = flagPending | flagExcluded
)

// edgeMeta is a recorded step's index among its source's successors and
// the id of the set of threads that move in it.
type edgeMeta struct{ sidx, mov uint32 }

// A step's meta word: the index in the low sidxBits bits, the set's id
// above; edgeWide: neither fits (wide holds them).
const (
	sidxBits = 12
	edgeWide = math.MaxUint32
)

// addEdge records the meta of the step just added to dst.
func (g *liveGraph) addEdge(sidx, mov uint32) {
	if sidx < 1<<sidxBits && mov < 1<<(32-sidxBits)-1 {
		g.meta.add(mov<<sidxBits | sidx)
		return
	}
	if g.wide == nil {
		g.wide = map[uint32]edgeMeta{}
	}
	g.wide[g.meta.len()] = edgeMeta{sidx, mov}
	g.meta.add(edgeWide)
}

// sidxOf is step e's index among its source's successors.
func (g *liveGraph) sidxOf(e uint32) uint32 {
	if m := g.meta.at(e); m != edgeWide {
		return m & (1<<sidxBits - 1)
	}
	return g.wide[e].sidx
}

// movOf is the id of the set of threads that move in step e.
func (g *liveGraph) movOf(e uint32) uint32 {
	if m := g.meta.at(e); m != edgeWide {
		return m >> sidxBits
	}
	return g.wide[e].mov
}

// flags are state v's flags.
func (g *liveGraph) flags(v uint32) uint32 { return g.state.at(v) & flagMask }

// dis is the thread-state-set id of the running threads disabled at v.
func (g *liveGraph) dis(v uint32) uint32 { return g.state.at(v) &^ flagMask }

// liveGraph is the explored state space: ids, parent links, and the
// transitions of the pending region in CSR form.
type liveGraph struct {
	sem      *Semantics
	p        *Program
	nthreads int
	start    time.Time
	noMemo   bool // LiveOptions.NoMemo
	// On the quotient: sym, the semantics without it (plain) that expands
	// representatives, and per recorded step the renaming of threads the
	// representative of its target applied (eperm: ids in perms; livesym.go).
	sym   *Symmetry
	plain *Semantics
	eperm col
	perms permTable
	// keep, if set, gives an id only to the successors it keeps
	// (liftSearch).
	keep func(c *Config) bool

	// The columns below are paged (livecols.go): past spill.MemBudget
	// their pages go to a file.
	spill  store.SpillOptions
	pg     *store.Pager
	keys   *liveKeys
	parent col // breadth-first parent of each state (noState for the initial one)
	psucc  col // the index of the step from the parent
	// Of each state: the flags (top two bits) and, for a pending one, the
	// thread-state-set id of the running threads disabled there.
	state col

	// Edges of pending state i to pending states: off[i]..off[i+1].
	off col
	dst col
	// Of each step: its index among the source's successors and the
	// thread-state-set id of the threads that move in it, packed in one
	// word (edge); a step whose index or set does not fit is packed as
	// edgeWide and kept in wide.
	meta col
	wide map[uint32]edgeMeta

	sets    []threadSet // interned thread sets
	setIDs  map[string]uint32
	setKey  []byte            // intern's buffer
	setIDs1 map[uint64]uint32 // the sets of one word (up to 16 threads)
}

// threadSet is a set of thread indices, as a bitset.
type threadSet []uint64

func (s threadSet) has(t int) bool { return s[t/64]&(1<<(t%64)) != 0 }
func (s threadSet) add(t int)      { s[t/64] |= 1 << (t % 64) }

func (s threadSet) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// appendKey appends s's bytes to b: its key among interned sets.
func (s threadSet) appendKey(b []byte) []byte {
	for _, w := range s {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	return b
}

// CheckLiveness judges the liveness half of update completion on sem: it
// returns the violation (a lasso, Violation.CycleStart set) or nil, with
// what it did. A check stopped by opt.MaxStates or by ctx returns no
// violation and says so in the stats (Cut, Interrupted): nothing is proved.
// It holds the whole state space in memory (see the file's comment). With
// symmetry (sem.Sym) it searches among representatives first (livesym.go).
func CheckLiveness(ctx context.Context, sem *Semantics, opt LiveOptions) (*Violation, LiveStats, error) {
	if sem.P.Update == nil {
		return nil, LiveStats{}, nil
	}
	if sem.Raw {
		// Its configurations are not canonical: expanding the decoded
		// (canonical) one could number the steps differently.
		return nil, LiveStats{}, errors.New("liveness: not available with raw (uncanonicalised) semantics")
	}
	if sem.Sym != nil {
		return checkQuotient(ctx, sem, opt)
	}
	return checkExact(ctx, sem, opt)
}

// checkExact is the check on the unreduced system, with fairness per
// thread.
func checkExact(ctx context.Context, sem *Semantics, opt LiveOptions) (v *Violation, out LiveStats, err error) {
	var st LiveStats
	g, err := newLiveGraph(sem, nil, opt.Spill)
	if err != nil {
		return nil, st, fmt.Errorf("liveness: %w", err)
	}
	defer g.close()
	defer func() {
		if perr := pagesError(recover()); perr != nil {
			v, out, err = g.finish(&st, nil, perr)
		}
	}()
	fairs, err := g.search(ctx, opt, &st)
	if err != nil || fairs == nil {
		return g.finish(&st, nil, err)
	}
	v, err = g.lasso(fairs.comp, fairs.list[0])
	return g.finish(&st, v, err)
}

// newLiveGraph returns an empty graph whose columns spill as spill says.
func newLiveGraph(sem *Semantics, sym *Symmetry, spill store.SpillOptions) (*liveGraph, error) {
	pg, err := store.NewPager(spill)
	if err != nil {
		return nil, err
	}
	g := &liveGraph{sem: sem, p: sem.P, nthreads: len(sem.P.Threads), start: time.Now(), sym: sym,
		spill: spill, pg: pg, keys: newLiveKeys(sem.P, pg), setIDs: map[string]uint32{}, setIDs1: map[uint64]uint32{}}
	g.parent, g.psucc, g.state = newCol(pg), newCol(pg), newCol(pg)
	g.off, g.dst, g.meta = newCol(pg), newCol(pg), newCol(pg)
	if sym != nil {
		g.plain = sem.unreduced()
		g.eperm = newCol(pg)
	}
	return g, nil
}

// close frees the graph: its tables of parts and its columns.
func (g *liveGraph) close() {
	g.keys.close()
	g.pg.Close()
}

// finish fills in st's figures and returns the verdict with them. A
// column that could not be written or read back makes it an error: what
// was read from it may be wrong.
func (g *liveGraph) finish(st *LiveStats, v *Violation, err error) (*Violation, LiveStats, error) {
	st.States = int64(g.parent.len())
	st.Edges = int64(g.dst.len())
	st.RAMBytes = max(st.RAMBytes, g.ramBytes())
	st.DiskBytes = max(st.DiskBytes, g.pg.Stats().DiskBytes)
	st.Elapsed = time.Since(g.start)
	if perr := g.pg.Err(); perr != nil && err == nil {
		return nil, *st, fmt.Errorf("liveness: %w", perr)
	}
	return v, *st, err
}

// search explores the state space from the initial configuration and
// decomposes its pending region: the components holding a fair cycle,
// shallowest first (none if the search was cut or interrupted).
func (g *liveGraph) search(ctx context.Context, opt LiveOptions, st *LiveStats) (*fairComps, error) {
	init, _ := g.sem.Initial()
	err := g.explore(ctx, init, opt, st)
	// (Counted in a cut, interrupted or failed check too: its figures so
	// far fit together, found by testers. After a failed pager, the pages
	// it lost count as none pending.)
	for i := uint32(0); i < g.state.len(); i++ {
		if f := g.flags(i); f&flagPending != 0 {
			st.Pending++
			if f&flagExcluded != 0 {
				st.Excluded++
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if st.Cut || st.Interrupted {
		return nil, nil
	}
	if liveSearched != nil {
		liveSearched()
	}
	// Nothing read from a failed pager is judged (it may be garbage):
	// explore returned its error, if it had one; the decomposition's own
	// columns are looked at here.
	fairs := g.fairComponents(ctx, st, opt.Progress)
	if err := g.pg.Err(); err != nil {
		return nil, fmt.Errorf("liveness: %w", err)
	}
	return fairs, nil
}

// configOf rebuilds configuration id from its key, in arena a; the keys
// made next are made relative to it.
func (g *liveGraph) configOf(id uint32, a *Arena) *Config {
	return g.keys.decode(id, a)
}

// pendingIn reports whether c is after the introduction with some
// participant that has neither applied nor finished.
func pendingIn(c *Config) bool {
	if !c.Upd.Introduced {
		return false
	}
	for _, th := range c.Threads {
		if th.Participant && th.HeapVer == 0 && th.Status == Running {
			return true
		}
	}
	return false
}

// movers adds to s the threads that move in step a.
func movers(a *Action, s threadSet) {
	switch a.Kind {
	case ActIntroduce:
	case ActStart, ActRelease:
		for _, t := range a.Threads {
			s.add(t)
		}
	default:
		if a.Thread >= 0 {
			s.add(a.Thread)
		}
	}
}

// Fairness is judged on thread states: bit 4t+a of a set stands for
// thread t with attribute a (attrOf), which never changes along a cycle;
// stopped threads are in no set (disabled for good, fairness asks nothing
// of them). On the quotient, t is a thread of the representative, and a
// component's sets are projected onto its tracks (livesym.go) before
// fairness is judged.

// attrOf is what never changes about a running thread along a cycle: its
// heap version (applying is irreversible) and whether it takes part in the
// update (settled at the introduction).
func attrOf(th *Thread) int { return 2*int(th.HeapVer) + int(b2i(th.Participant)) }

// words is the length of a thread-state set.
func (g *liveGraph) words() int { return (4*g.nthreads + 63) / 64 }

// addMovers adds to s the states (at c) of the threads that move in step a.
func (g *liveGraph) addMovers(c *Config, a *Action, s threadSet) {
	var one [1]int
	ts := a.Threads
	switch a.Kind {
	case ActIntroduce:
		return
	case ActStart, ActRelease:
	default:
		if a.Thread < 0 {
			return
		}
		one[0] = a.Thread
		ts = one[:]
	}
	for _, t := range ts {
		if th := c.Threads[t]; th.Status == Running {
			s.add(4*t + attrOf(th))
		}
	}
}

// present sets s to the states of c's running threads: what fairness asks
// about at c, and all along a cycle through it.
func (g *liveGraph) present(c *Config, s threadSet) threadSet {
	if s == nil {
		s = make(threadSet, g.words())
	}
	clear(s)
	for t, th := range c.Threads {
		if th.Status == Running {
			s.add(4*t + attrOf(th))
		}
	}
	return s
}

// intern returns the id of set s, numbering it if it is new. It runs for
// every recorded step.
func (g *liveGraph) intern(s threadSet) uint32 {
	if len(s) == 1 {
		// Up to 16 threads: the one word is the key.
		if id, ok := g.setIDs1[s[0]]; ok {
			return id
		}
		id := uint32(len(g.sets))
		g.sets = append(g.sets, threadSet{s[0]})
		g.setIDs1[s[0]] = id
		return id
	}
	// A lookup with string(bytes) copies nothing; only a new set's key
	// is copied.
	g.setKey = s.appendKey(g.setKey[:0])
	if id, ok := g.setIDs[string(g.setKey)]; ok {
		return id
	}
	id := uint32(len(g.sets))
	g.sets = append(g.sets, append(threadSet(nil), s...))
	g.setIDs[string(g.setKey)] = id
	return id
}

// add gives the configuration with the given key an id if it is new, with
// its parent link and flags (pending: the update is pending there); it
// returns the id.
func (g *liveGraph) add(key uint64, pending bool, parent, succ uint32) (uint32, error) {
	id, isNew, err := g.keys.insert(key)
	if err != nil || !isNew {
		return id, err
	}
	g.parent.add(parent)
	g.psucc.add(succ)
	var f uint32
	if pending {
		f = flagPending
	}
	g.state.add(f)
	return id, nil
}

// explore searches the state space breadth-first from init. States get ids
// in the order they are found, so ids grow with depth and the states still
// to expand are those from the next id on: the key set is the frontier too.
// It records the transitions of the pending region.
//
// It goes in batches of at most liveBatch configurations of one level: the
// workers (LiveOptions.Workers) expand a batch's configurations in parallel
// and make their successors' keys (the tables of parts take concurrent
// lookups, as in the safety search); then the batch is merged on one core,
// in order, as one worker expanding them one after another would: ids,
// parent links and recorded steps, and so every figure and the lasso, do
// not depend on the number of workers.
func (g *liveGraph) explore(ctx context.Context, init *Config, opt LiveOptions, st *LiveStats) error {
	key, err := g.keys.trees.key(&cursor{}, init)
	if err == nil {
		_, err = g.add(key, pendingIn(init), noState, 0)
	}
	if err != nil {
		return fmt.Errorf("liveness: %w", err)
	}
	g.noMemo = opt.NoMemo
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if g.keep != nil {
		workers = 1 // keep is not safe for concurrent use (liftSearch)
	}
	ws := make([]*liveWorker, workers)
	for w := range ws {
		// The sets are written at every configuration: each on cache lines
		// of its own (lineCap), not two workers' sets of one word on one
		// line (no difference measured on BenchmarkScaleLiveness, 5 runs).
		nw := g.words()
		ws[w] = &liveWorker{en: make(threadSet, nw, lineCap[uint64](nw)), mv: make(threadSet, nw, lineCap[uint64](nw)), pr: make(threadSet, nw, lineCap[uint64](nw))}
		// The thread memo, as in the safety search: the worker's cursor
		// holds the configuration it expands, whose steps it spares.
		if !opt.NoMemo && !dependsOnPoint(g.sem.Strategy) {
			ws[w].arena.memo = newThreadMemo(g.keys.trees, &ws[w].cur)
		}
	}
	batch := uint32(liveBatch)
	if opt.Batch > 0 {
		batch = uint32(opt.Batch)
	}
	// With more than one worker, the next batch of a level is expanded
	// while this one is merged (its configurations were all numbered by
	// the level before), the merging goroutine joining as the last worker
	// once it is done, as in the safety search. The workers then look
	// their successors' keys up after the merge, not while it inserts
	// (lookupBatch): they find what they found before, so the ids, the
	// figures and the lasso do not change.
	pipeline := len(ws) > 1
	var bb [2]liveIDs
	// take reads a batch's keys; after the pager failed they may be
	// garbage, which no worker may decode (found by a tester: a key read
	// as 0 after the spill file filled TMPDIR, a nil dereference).
	take := func(b *liveIDs, from, to uint32) error {
		b.first, b.keys = from, b.keys[:0]
		for id := from; id < to; id++ {
			b.keys = append(b.keys, g.keys.at.At(int64(id)))
		}
		b.items = grow(b.items, len(b.keys))
		if err := g.pg.Err(); err != nil {
			return fmt.Errorf("liveness: %w", err)
		}
		return nil
	}
	par := 0
	var ahead *liveExpansion // the expansion of bb[par], started while the batch before was merged
	drain := func() {
		if ahead != nil {
			ahead.wait(true)
			ahead = nil
		}
	}
	levelEnd := uint32(1) // the first id of the next level
	for next := uint32(0); int(next) < g.keys.len(); {
		b := &bb[par]
		if ahead == nil {
			if next == levelEnd {
				st.Depth++
				levelEnd = uint32(g.keys.len())
				if opt.Progress != nil {
					st.States, st.Edges, st.Elapsed = int64(g.keys.len()), int64(g.dst.len()), time.Since(g.start)
					st.RAMBytes = max(st.RAMBytes, g.ramBytes())
					st.DiskBytes = max(st.DiskBytes, g.pg.Stats().DiskBytes)
					opt.Progress(*st)
				}
				if err := g.pg.Err(); err != nil {
					return fmt.Errorf("liveness: %w", err)
				}
			}
			if ctx.Err() != nil {
				st.Interrupted = true
				return nil
			}
			if err := take(b, next, min(next+batch, levelEnd)); err != nil {
				return err
			}
			if err := g.startBatch(ws, b.keys, b.items, par, !pipeline, false).wait(false); err != nil {
				return fmt.Errorf("liveness: %w", err)
			}
		} else {
			err := ahead.wait(true)
			ahead = nil
			if err != nil {
				return fmt.Errorf("liveness: %w", err)
			}
		}
		// No worker runs: the tables may free what they retired.
		g.keys.quiesce()
		if pipeline {
			g.lookupBatch(ws, par)
		}
		end := b.first + uint32(len(b.keys))
		if pipeline && end < levelEnd && ctx.Err() == nil {
			nb := &bb[1-par]
			if err := take(nb, end, min(end+batch, levelEnd)); err != nil {
				return err
			}
			ahead = g.startBatch(ws, nb.keys, nb.items, 1-par, false, true)
		}
		for k := range b.items {
			cut, err := g.merge(b.first+uint32(k), &ws[b.items[k].w].out[par], &b.items[k], opt.MaxStates, st)
			if err != nil {
				drain()
				return err
			}
			if cut {
				drain()
				st.Cut = true
				return nil
			}
		}
		next = end
		if ahead != nil {
			par = 1 - par
		}
	}
	g.off.add(g.dst.len())
	return g.pg.Err()
}

// liveBatch is the most configurations the workers expand between two
// merges.
const liveBatch = 2048

// liveIDs is a batch: the configurations numbered from first on, their
// keys, and what the workers found at each.
type liveIDs struct {
	first uint32
	keys  []uint64
	items []liveItem
}

// liveWorker is one worker of the liveness search: its arena and cursor,
// and what it found in the batch's configurations it expanded.
type liveWorker struct {
	arena      Arena
	cur        cursor
	out        [2]liveOut // by batch parity: one merged while the next is expanded
	en, mv, pr threadSet
	err        error
}

// liveOut is what a worker found in the configurations of one batch it
// expanded.
type liveOut struct {
	succs []liveSucc
	words []uint64 // thread-state sets, g.words() each
	pis   []int    // renamings of threads (on the quotient), g.nthreads each
}

// liveItem is what a worker found at one configuration of a batch.
type liveItem struct {
	w        int  // the worker (its out of the batch's parity)
	at, n    int  // its successors: the worker's succs[at : at+n]
	pr       int  // pending: the running threads disabled there, at words[pr:]
	pending  bool // the update is pending there (pendingIn)
	excluded bool // pending, and some participant can apply there
}

// liveSucc is a successor found by a worker.
type liveSucc struct {
	key     uint64
	mov     int    // from a pending configuration: the threads that move, at words[mov:]
	perm    int    // on the quotient: the renaming it took, at pis[perm:] (-1: not known)
	kept    bool   // given an id (keep)
	pending bool   // pendingIn(successor)
	known   uint32 // its id + 1 if it had one when the batch began (0: merge looks)
}

// liveExpansion is a batch being expanded by the workers: the batch's k-th
// configuration (keys[k]) into items[k], the workers' findings into their
// out[par]. Workers take chunks of configurations as they go, so one that
// joins late (wait(true)) takes what is left.
type liveExpansion struct {
	g      *liveGraph
	ws     []*liveWorker
	keys   []uint64
	items  []liveItem
	par    int
	lookup bool // the workers look their successors' keys up as they go
	next   atomic.Int64
	wg     sync.WaitGroup
}

// startBatch starts expanding the configurations with the given keys on
// the workers, all but the last if joiner (the caller is the last then:
// wait(true)). With lookup, each worker looks its successors' keys up as
// it goes, which only a batch expanded while nothing is merged may do.
func (g *liveGraph) startBatch(ws []*liveWorker, keys []uint64, items []liveItem, par int, lookup, joiner bool) *liveExpansion {
	e := &liveExpansion{g: g, ws: ws, keys: keys, items: items, par: par, lookup: lookup}
	for _, w := range ws {
		o := &w.out[par]
		o.succs, o.words, o.pis = o.succs[:0], o.words[:0], o.pis[:0]
	}
	started := len(ws)
	if joiner {
		started--
	}
	for wi := range started {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.work(wi)
		}()
	}
	return e
}

// work is worker wi's part: chunks of the batch until none is left.
func (e *liveExpansion) work(wi int) {
	const chunk = 32 // configurations a worker takes at once
	w := e.ws[wi]
	for {
		lo := int(e.next.Add(chunk)) - chunk
		if lo >= len(e.keys) {
			return
		}
		for k := lo; k < min(lo+chunk, len(e.keys)); k++ {
			e.items[k] = w.expand(e.g, wi, e.par, e.keys[k], e.lookup)
		}
	}
}

// wait waits for the expansion to end, after taking the last worker's
// part on the caller's goroutine if join.
func (e *liveExpansion) wait(join bool) error {
	if join {
		e.work(len(e.ws) - 1)
	}
	e.wg.Wait()
	for _, w := range e.ws {
		if w.err != nil {
			return w.err
		}
	}
	return nil
}

// lookupBatch looks up, on the workers, the keys of the successors they
// found in batch par (expanded without lookups while the batch before was
// merged): nothing is inserted meanwhile, and a successor found is one the
// merge need not look for.
func (g *liveGraph) lookupBatch(ws []*liveWorker, par int) {
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			succs := w.out[par].succs
			for i := range succs {
				if succs[i].kept {
					if id, found, sure := g.keys.lookup(succs[i].key); found && sure {
						succs[i].known = id + 1
					}
				}
			}
		}()
	}
	wg.Wait()
}

// expand expands the configuration with the given key: its successors'
// keys, and what fairness asks of it and of its steps.
func (w *liveWorker) expand(g *liveGraph, wi, par int, key uint64, lookup bool) liveItem {
	w.arena.Reset()
	o := &w.out[par]
	c := g.keys.trees.decode(key, &w.arena, &w.cur)
	succs := g.successors(c)
	it := liveItem{w: wi, at: len(o.succs), n: len(succs), pending: pendingIn(c)}
	clear(w.en)
	for i := range succs {
		s := &succs[i]
		ls := liveSucc{perm: -1}
		if g.sym != nil {
			// Its representative, and the renaming that makes it.
			if pi := g.sym.canonicalPermFrom(c, s.Next); pi != nil {
				ls.perm = len(o.pis)
				o.pis = append(o.pis, pi...)
			}
		}
		if it.pending {
			g.addMovers(c, &s.Action, w.en)
			if s.Action.Kind == ActApply || s.Action.Kind == ActRelease {
				it.excluded = true
			}
		}
		if g.keep == nil || g.keep(s.Next) {
			k, err := g.keys.trees.key(&w.cur, s.Next)
			if err != nil && w.err == nil {
				w.err = err
			}
			ls.key, ls.kept, ls.pending = k, true, pendingIn(s.Next)
			// Most successors were seen before: the workers find their ids
			// (nothing is inserted while they run, or in lookupBatch),
			// which spares the merge, on one core, most of its lookups.
			if lookup {
				if id, found, sure := g.keys.lookup(k); found && sure {
					ls.known = id + 1
				}
			}
			if it.pending {
				clear(w.mv)
				g.addMovers(c, &s.Action, w.mv)
				ls.mov = len(o.words)
				o.words = append(o.words, w.mv...)
			}
		}
		o.succs = append(o.succs, ls)
	}
	if it.pending {
		g.present(c, w.pr)
		for i := range w.pr {
			w.pr[i] &^= w.en[i]
		}
		it.pr = len(o.words)
		o.words = append(o.words, w.pr...)
	}
	return it
}

// merge gives the successors of configuration id, which w expanded (it),
// their ids and records its steps in the pending region. It reports a cut,
// and stops, when a new configuration would be one more than maxStates (0:
// no bound): a space of exactly maxStates configurations is not cut.
func (g *liveGraph) merge(id uint32, w *liveOut, it *liveItem, maxStates int64, st *LiveStats) (bool, error) {
	nw := g.words()
	g.off.add(g.dst.len())
	st.Transitions += int64(it.n)
	if it.pending && it.n == 0 {
		st.Stuck++
	}
	for i, ls := range w.succs[it.at : it.at+it.n] {
		if !ls.kept {
			continue
		}
		to := ls.known - 1
		if ls.known == 0 {
			var err error
			if maxStates > 0 && int64(g.keys.len()) >= maxStates {
				found := false
				if to, found = g.keys.find(ls.key); !found {
					return true, nil
				}
			} else if to, err = g.add(ls.key, ls.pending, id, uint32(i)); err != nil {
				return false, fmt.Errorf("liveness: %w", err)
			}
		}
		// (The target's pending flag is pendingIn of its configuration,
		// which the worker had: ls.pending, no lookup.)
		if !it.pending || !ls.pending {
			continue
		}
		if g.dst.len() >= noState {
			return false, errors.New("liveness: more than 4294967294 transitions in the pending region: too many to number")
		}
		g.dst.add(to)
		g.addEdge(uint32(i), g.intern(w.words[ls.mov:ls.mov+nw]))
		if g.sym != nil {
			pi := []int(nil) // not known
			if ls.perm >= 0 {
				pi = w.pis[ls.perm : ls.perm+g.nthreads]
			}
			g.eperm.add(uint32(g.perms.id(pi)))
		}
	}
	if it.pending {
		flags := g.flags(id)
		if it.excluded {
			flags |= flagExcluded
		}
		g.state.set(id, flags|g.intern(w.words[it.pr:it.pr+nw]))
	}
	return false, nil
}

// inRegion reports whether state v may lie on a fair cycle: pending, and no
// participant can apply there.
func (g *liveGraph) inRegion(v uint32) bool {
	return g.flags(v) == flagPending
}

// fairComps are the components of the pending region that hold a fair
// cycle: comp.at(v) is the component number of every state decomposed (0:
// none), and list has, for each fair component, its first-found state
// (the one with the smallest id: the shortest prefix), in that order.
type fairComps struct {
	comp col
	list []uint32
}

func (f *fairComps) len() int { return len(f.list) }

// liveSearched, if set, is called when a liveness graph is explored, before
// it is decomposed: for the tests, which interrupt the check there.
var liveSearched func()

// The decomposition looks at ctx every liveCheckSteps steps, and reports
// its progress then if liveProgressEvery has passed since it last did (the
// tests make both small).
var (
	liveCheckSteps    = 1 << 12
	liveProgressEvery = time.Second
)

// fairComponents decomposes the region into strongly connected components
// (iterative Tarjan) and returns those holding a fair cycle (nil if none
// does, or if ctx stopped it: st.Interrupted). Its arrays are columns
// (livecols.go) but the on-stack bits. It listens to ctx, and reports
// to progress (if not nil) about every second: with a graph that spilled
// it took 14 s of a 48 s check, silent, in which an interruption was heard
// only at the end (a tester).
func (g *liveGraph) fairComponents(ctx context.Context, st *LiveStats, progress func(LiveStats)) *fairComps {
	steps, next := 0, uint32(1)
	last := time.Now()
	stopped := func() bool {
		if steps++; steps%liveCheckSteps != 1%liveCheckSteps {
			return false
		}
		if ctx.Err() != nil {
			st.Interrupted = true
			return true
		}
		if progress != nil && next > 1 && time.Since(last) >= liveProgressEvery {
			last = time.Now()
			r := *st
			r.Decomposing, r.Elapsed = int64(next-1), time.Since(g.start)
			r.RAMBytes = max(r.RAMBytes, g.ramBytes())
			r.DiskBytes = max(r.DiskBytes, g.pg.Stats().DiskBytes)
			progress(r)
		}
		return false
	}
	n := g.state.len()
	index := newCol(g.pg) // 0: not visited; else the visit number
	low := newCol(g.pg)
	comp := newCol(g.pg)
	for range n {
		index.add(0)
		low.add(0)
		comp.add(0)
	}
	onStack := make([]uint64, (n+63)/64)
	stack := newCol(g.pg)
	// The call stack: the state and the next of its edges to follow.
	callV, callE := newCol(g.pg), newCol(g.pg)
	ncomp := uint32(0)
	var fairs []uint32
	visit := func(v uint32) {
		index.set(v, next)
		low.set(v, next)
		next++
		stack.add(v)
		onStack[v/64] |= 1 << (v % 64)
		callV.add(v)
		callE.add(g.off.at(v))
	}
	for root := uint32(0); root < n; root++ {
		if stopped() {
			return nil
		}
		if index.at(root) != 0 || !g.inRegion(root) {
			continue
		}
		visit(root)
		for callV.len() > 0 {
			if stopped() {
				return nil
			}
			top := callV.len() - 1
			v, e := callV.at(top), callE.at(top)
			if e < g.off.at(v+1) {
				w := g.dst.at(e)
				callE.set(top, e+1)
				switch {
				case !g.inRegion(w):
				case index.at(w) == 0:
					visit(w)
				case onStack[w/64]&(1<<(w%64)) != 0:
					low.set(v, min(low.at(v), index.at(w)))
				}
				continue
			}
			callV.truncate(top)
			callE.truncate(top)
			if top > 0 {
				u := callV.at(top - 1)
				low.set(u, min(low.at(u), low.at(v)))
			}
			if low.at(v) != index.at(v) {
				continue
			}
			k := stack.len() - 1
			for stack.at(k) != v {
				k--
			}
			members := stack.span(k, stack.len())
			ncomp++
			for w := range members {
				comp.set(w, ncomp)
				onStack[w/64] &^= 1 << (w % 64)
			}
			if g.cyclic(members, stack.len()-k) {
				st.SCCs++
				if g.fair(members, comp) {
					st.FairSCCs++
					fairs = append(fairs, minOf(members))
				}
			}
			stack.truncate(k)
		}
	}
	st.RAMBytes = max(st.RAMBytes, g.ramBytes()+int64(len(onStack))*8)
	if fairs == nil {
		return nil
	}
	slices.Sort(fairs)
	return &fairComps{comp: comp, list: fairs}
}

func minOf(xs iter.Seq[uint32]) uint32 {
	m := uint32(noState)
	for x := range xs {
		m = min(m, x)
	}
	return m
}

// cyclic reports whether a component (n states) holds a cycle: more than
// one state, or a step from its state to itself.
func (g *liveGraph) cyclic(members iter.Seq[uint32], n uint32) bool {
	if n > 1 {
		return true
	}
	for v := range members {
		for e := g.off.at(v); e < g.off.at(v+1); e++ {
			if g.dst.at(e) == v {
				return true
			}
		}
	}
	return false
}

// fair reports whether every thread moves in some step inside the component
// or is disabled at some state of it (on the quotient: every track, some
// thread of it; livesym.go).
func (g *liveGraph) fair(members iter.Seq[uint32], comp col) bool {
	tr := g.tracks(members, comp)
	ok := make(threadSet, g.words())
	first, c := uint32(noState), uint32(0)
	for v := range members {
		if first == noState {
			first, c = v, comp.at(v)
		}
		dis := g.sets[g.dis(v)]
		for i := range ok {
			ok[i] |= dis[i]
		}
		for e := g.off.at(v); e < g.off.at(v+1); e++ {
			if comp.at(g.dst.at(e)) == c {
				mv := g.sets[g.movOf(e)]
				for i := range ok {
					ok[i] |= mv[i]
				}
			}
		}
	}
	return contains(tr.project(ok), tr.project(g.present(g.configOf(first, nil), nil)))
}

// pathTo is the breadth-first path (successor indices) from the state the
// search started from to state v.
func (g *liveGraph) pathTo(v uint32) []uint32 {
	var path []uint32
	for ; g.parent.at(v) != noState; v = g.parent.at(v) {
		path = append(path, g.psucc.at(v))
	}
	slices.Reverse(path)
	return path
}

// lasso builds the violation of the fair component whose first-found state
// is entry: the shortest path to entry, a fair cycle back to it, replayed.
func (g *liveGraph) lasso(comp col, entry uint32) (*Violation, error) {
	prefix := g.pathTo(entry)
	cycle, err := g.cycle(comp, entry, false)
	if err != nil {
		return nil, err
	}
	path := append(append([]uint32(nil), prefix...), cycle...)
	at, err := ReplayPath(g.sem, prefix)
	if err != nil {
		return nil, fmt.Errorf("liveness: %w", err)
	}
	tr, err := ReplayPath(g.sem, path)
	if err != nil {
		return nil, fmt.Errorf("liveness: %w", err)
	}
	if same, err := g.keys.same(at.Final, tr.Final); err != nil || !same {
		return nil, fmt.Errorf("liveness: the cycle did not close when its trace was replayed (%v)", err)
	}
	v := g.report(tr.Final)
	v.Trace, v.Path, v.Final = tr.Steps, path, g.sem.Describe(tr.Final)
	v.CycleStart = len(prefix) + 1
	return v, nil
}

// report words the violation: the participants that never apply in the
// cycle that starts (and ends) at c.
func (g *liveGraph) report(c *Config) *Violation {
	p := g.p
	missing := p.unapplied(c)
	sort.Strings(missing)
	return &Violation{
		Property: propUpdateCompletion, Rule: RuleNeverApplies, Thread: missing[0], Threads: missing,
		Action:   "a cycle of steps that repeats for ever (the trace from the step marked as its start)",
		Expected: fmt.Sprintf("every thread taking part in update %s to apply it or finish eventually, in every fair run (a thread that stays enabled moves)", p.Update.Name),
		Found: fmt.Sprintf("not applied by %s in a fair cycle: every thread moves in it or cannot move at some point of it, and no thread can apply anywhere in it",
			strings.Join(missing, ", ")),
	}
}

// cycle returns a cycle (successor indices) from entry back to entry inside
// component comp[entry] that meets fairness: every thread moves in it or is
// disabled at a state of it (on the quotient: every track, some thread of
// it; with threads, every thread of the representatives). From the current
// state it goes, by a shortest path inside the component, to the nearest
// state or step that covers a thread not yet covered, and at the end back
// to entry.
func (g *liveGraph) cycle(comp col, entry uint32, threads bool) ([]uint32, error) {
	var tr *tracks
	if !threads {
		tr = g.tracks(slices.Values(g.members(comp, entry)), comp)
	}
	projected := map[uint32]threadSet{}
	set := func(id uint32) threadSet {
		s, ok := projected[id]
		if !ok {
			s = tr.project(g.sets[id])
			projected[id] = s
		}
		return s
	}
	need := tr.project(g.present(g.configOf(entry, nil), nil)) // neither seen moving nor disabled yet
	cover := func(v uint32) {
		dis := set(g.dis(v))
		for i := range need {
			need[i] &^= dis[i]
		}
	}
	cover(entry)
	var out []uint32
	cur := entry
	for !need.empty() {
		edges := g.nearest(comp, cur, func(e uint32) bool {
			return intersects(set(g.movOf(e)), need) || intersects(set(g.dis(g.dst.at(e))), need)
		})
		if edges == nil {
			return nil, errors.New("liveness: no step of the fair component covers a thread it should")
		}
		for _, e := range edges {
			mv := set(g.movOf(e))
			for i := range need {
				need[i] &^= mv[i]
			}
			cover(g.dst.at(e))
			out = append(out, g.sidxOf(e))
			cur = g.dst.at(e)
		}
	}
	if cur != entry || len(out) == 0 {
		edges := g.nearest(comp, cur, func(e uint32) bool { return g.dst.at(e) == entry })
		if edges == nil {
			return nil, errors.New("liveness: the fair component does not lead back to its entry")
		}
		for _, e := range edges {
			out = append(out, g.sidxOf(e))
		}
	}
	return out, nil
}

func intersects(a, b threadSet) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}

// contains reports whether every thread of b is in a.
func contains(a, b threadSet) bool {
	for i := range a {
		if b[i]&^a[i] != 0 {
			return false
		}
	}
	return true
}

// nearest finds, breadth-first from state from inside its component, the
// first step e with goal(e), and returns the steps (edge indices) of the
// path that ends with it; nil if there is none. (It keeps what it has
// seen in RAM: it runs only to build a lasso.)
func (g *liveGraph) nearest(comp col, from uint32, goal func(e uint32) bool) []uint32 {
	c := comp.at(from)
	via := map[uint32]uint32{from: noState} // state -> edge it was reached by
	queue := []uint32{from}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for e := g.off.at(u); e < g.off.at(u+1); e++ {
			w := g.dst.at(e)
			if comp.at(w) != c {
				continue
			}
			if goal(e) {
				path := []uint32{e}
				for x := u; via[x] != noState; {
					pe := via[x]
					path = append(path, pe)
					x = g.src(pe)
				}
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			if _, seen := via[w]; !seen {
				via[w] = e
				queue = append(queue, w)
			}
		}
	}
	return nil
}

// src is the source state of edge e (a binary search in the CSR offsets).
func (g *liveGraph) src(e uint32) uint32 {
	// The last state whose edges start at or before e.
	i := sort.Search(int(g.off.len()), func(i int) bool { return g.off.at(uint32(i)) > e })
	return uint32(i - 1)
}

// ramBytes estimates the memory the check holds: the keys' index and
// tables of parts, the columns' pages in RAM, the thread-state sets.
func (g *liveGraph) ramBytes() int64 {
	b := g.keys.ramBytes() + g.pg.Stats().RAMBytes
	b += int64(len(g.sets)) * int64(8*((g.nthreads+63)/64)+48)
	b += int64(len(g.wide)) * 32
	return b
}

// Idle is a thread that never moves in the cycle of a lasso, and where the
// cycle leaves it unable to move: what makes the cycle fair to it. As it
// never moves, its place in its code, hence what it waits for, is the same
// all along the cycle.
type Idle struct {
	Thread int
	// Step is the first step of the cycle before which the thread cannot
	// move (it cannot move in the configuration that step starts from); 0
	// if it can move everywhere in the cycle, which is then not fair.
	Step int
	// Always: it cannot move anywhere in the cycle.
	Always bool
	Wait   Wait
	// Why says what it waits for before step Step, in words.
	Why string
	// Pending: a participant that has neither applied nor finished.
	Pending bool
}

// IdleInCycle lists the running threads that never move in the cycle of a
// lasso (path, with its cycle from step cycleStart on), in thread order:
// the report says where each cannot move. Nil if the path is not a run.
func IdleInCycle(sem *Semantics, path []uint32, cycleStart int) []Idle {
	var idle []Idle
	c, moved, ok := walkCycle(sem, path, cycleStart, func(step int, c *Config, succs []Succ) {
		if idle == nil {
			idle = make([]Idle, len(c.Threads))
			for t := range idle {
				idle[t] = Idle{Thread: t, Always: true}
			}
		}
		en := make(threadSet, (len(c.Threads)+63)/64)
		for k := range succs {
			movers(&succs[k].Action, en)
		}
		for t := range idle {
			if en.has(t) {
				idle[t].Always = false
			} else if idle[t].Step == 0 {
				w := sem.P.WaitOf(c, t)
				idle[t].Step, idle[t].Wait, idle[t].Why = step, w, sem.P.waitWords(c, w)
			}
		}
	})
	if !ok {
		return nil
	}
	var out []Idle
	for t, x := range idle {
		th := c.Threads[t]
		if moved.has(t) || th.Status != Running {
			continue
		}
		x.Pending = th.Participant && th.HeapVer == 0
		out = append(out, x)
	}
	return out
}

// walkCycle follows a lasso (path, with its cycle from step cycleStart on)
// from the initial configuration, unreduced (a lasso is a real run), and
// calls each with the number of every step of the cycle, the configuration
// it starts from and its successors. It returns the last configuration and
// the threads that move in the cycle; false if the path is not a run.
// (The initial configuration's successors own their memory: the
// configurations each is given may be kept.)
func walkCycle(sem *Semantics, path []uint32, cycleStart int, each func(step int, c *Config, succs []Succ)) (*Config, threadSet, bool) {
	if cycleStart < 1 || cycleStart > len(path) {
		return nil, nil, false
	}
	sem = sem.unreduced()
	c, _ := sem.Initial()
	moved := make(threadSet, (len(c.Threads)+63)/64)
	for i, s := range path {
		succs, _ := sem.Successors(c)
		if int(s) >= len(succs) {
			return nil, nil, false
		}
		if i+1 >= cycleStart {
			each(i+1, c, succs)
			movers(&succs[s].Action, moved)
		}
		c = succs[s].Next
	}
	return c, moved, true
}

// Stalled is a participant yet to apply that moves in a lasso's cycle and
// yet cannot apply anywhere in it, with why (StalledInCycle).
type Stalled struct {
	Thread int
	Why    string
}

// StalledInCycle lists the participants yet to apply that move in the
// cycle of a lasso (path, with its cycle from step cycleStart on), in
// thread order, each with why it cannot apply there (found by a tester:
// a lasso where the participant only computed on in a loop said nothing of
// why it never applied: it held the endpoint of a session it would never
// complete its run n in). Nil if the path is not a run.
func StalledInCycle(sem *Semantics, path []uint32, cycleStart int) []Stalled {
	var cycle []*Config
	c, moved, ok := walkCycle(sem, path, cycleStart, func(_ int, c *Config, _ []Succ) {
		cycle = append(cycle, c)
	})
	if !ok {
		return nil
	}
	var out []Stalled
	for t, th := range c.Threads {
		if moved.has(t) && th.Status == Running && th.Participant && th.HeapVer == 0 {
			out = append(out, Stalled{Thread: t, Why: sem.stalledWhy(cycle, t)})
		}
	}
	return out
}

// stalledWhy says why thread t, a participant yet to apply, cannot apply
// anywhere in cycle (the configurations of a lasso's cycle).
func (s *Semantics) stalledWhy(cycle []*Config, t int) string {
	if _, ok := s.Strategy.(OnlyAt); ok {
		return "the update point checked, the only one where it may apply, lets it apply nowhere in the cycle"
	}
	name := s.Strategy.Name()
	if name != (MaxPlus1{}).Name() && name != (StopTheWorld{}).Name() {
		return "it reaches no update point in the cycle"
	}
	if !slices.ContainsFunc(cycle, func(c *Config) bool { return holdsNumbered(c, t) }) {
		// (a tester: "it completes the runs max+1 waits for" was said of
		// a thread with no such run at all)
		return name + " waits for no run of it, but it reaches no update point in the cycle"
	}
	for _, c := range cycle {
		if CompletedN(c, t) {
			return "it completes the runs " + name + " waits for, but reaches no update point after that in the cycle"
		}
	}
	c := cycle[0]
	for i, in := range c.Insts {
		if in.N == NoRunNumber {
			continue
		}
		for _, e := range in.Ends {
			if int(e.Holder) == t && !e.Done && !e.Untracked && e.Run < in.N {
				why := fmt.Sprintf("%s waits for it to complete run %d of %s (the update's n) before it may apply, and it does not in the cycle (it is in run %d where the cycle starts)",
					name, in.RunBase+in.N, s.P.endpointName(c, i, e.Role), in.RunBase+e.Run+1)
				if lt := s.P.Services[in.Service].Monitors[e.Ver][e.Role]; lt != nil && !runCanEnd(lt, int(e.State)) {
					// (a tester: a protocol whose one run never ends, a
					// prefix then an inner loop, left this a puzzle)
					why += fmt.Sprintf("; nor can it ever: from where the role stands, protocol %s has no run end (`mcheck project` shows its runs)", lt.Protocol)
				}
				return why
			}
		}
	}
	return "it reaches no update point in the cycle where " + name + " lets it apply"
}

// runCanEnd reports whether monitor lt, in state from, can still complete
// a run: a transition that ends one is reachable.
func runCanEnd(lt *model.LocalType, from int) bool {
	seen := make([]bool, len(lt.States))
	todo := []int{from}
	seen[from] = true
	for len(todo) > 0 {
		st := &lt.States[todo[len(todo)-1]]
		todo = todo[:len(todo)-1]
		next := func(n int, ends bool) bool {
			if ends {
				return true
			}
			if !seen[n] {
				seen[n] = true
				todo = append(todo, n)
			}
			return false
		}
		switch st.Kind {
		case model.LSend, model.LRecv:
			if next(st.Next, st.EndsRun) {
				return true
			}
		case model.LSelect, model.LOffer:
			for _, b := range st.Branches {
				if next(b.Next, b.EndsRun) {
					return true
				}
			}
		}
	}
	return false
}

// holdsNumbered reports whether thread t holds, in c, an endpoint of an
// unfinished role of an instance with an update run number.
func holdsNumbered(c *Config, t int) bool {
	for _, in := range c.Insts {
		if in.N == NoRunNumber {
			continue
		}
		for _, e := range in.Ends {
			if int(e.Holder) == t && !e.Done && !e.Untracked {
				return true
			}
		}
	}
	return false
}

// waitWords says in words what w, a wait in c, waits for.
func (p *Program) waitWords(c *Config, w Wait) string {
	switch w.Kind {
	case WaitHeldBack:
		th := c.Threads[w.Thread]
		f := &th.Frames[len(th.Frames)-1]
		what := "send"
		if p.Codes[f.Code].Instrs[f.PC].Op == ISelect {
			what = "select"
		}
		n := fmt.Sprintf("%d messages", c.QueueLen())
		if c.QueueLen() == 1 {
			n = "1 message"
		}
		return fmt.Sprintf("the queue capacity holds back its %s: %s queued", what, n)
	case WaitReceive:
		if w.Inst >= 0 {
			s := "it waits for a message from " + p.endpointName(c, w.Inst, w.From)
			switch {
			case w.Peer < 0:
			// (found by a tester: true, but not why it waits for ever)
			case c.Threads[w.Peer].Status == Done:
				s += fmt.Sprintf(", whose holder %s has finished", p.Threads[w.Peer].Name)
			case c.Threads[w.Peer].Status == Crashed:
				s += fmt.Sprintf(", whose holder %s was stopped by a fault", p.Threads[w.Peer].Name)
			}
			return s
		}
		return "it waits for a message"
	case WaitSession:
		if w.Accept {
			return fmt.Sprintf("it waits at an accept of %s for a request", p.Services[w.Service].Name)
		}
		return fmt.Sprintf("it waits at a request of %s for its partners", p.Services[w.Service].Name)
	case WaitBarrier:
		return "it waits at the stop-the-world barrier"
	}
	return "it has no step"
}

// HeldByCapacity reports whether x is a participant yet to apply that the
// queue's capacity holds back at every configuration of the cycle: what the
// liveness verdict at this capacity owes to it (README, Capacity reached vs
// deadlock).
func (x Idle) HeldByCapacity() bool {
	return x.Always && x.Wait.Kind == WaitHeldBack && x.Pending
}

// JudgeLasso judges path as a lasso whose cycle starts with step
// cycleStart (from 1): the violation of update completion it is (a fair
// cycle, the update pending throughout, that leads back to where it
// starts), or nil if it is not one.
func JudgeLasso(sem *Semantics, path []uint32, cycleStart int) (*Violation, error) {
	v, _, err := judgeLasso(sem, path, cycleStart)
	return v, err
}

// WhyNotLasso says why path is not a lasso with its cycle starting at step
// cycleStart ("" if it is one, or is not a run).
func WhyNotLasso(sem *Semantics, path []uint32, cycleStart int) string {
	_, why, _ := judgeLasso(sem, path, cycleStart)
	return why
}

func judgeLasso(sem *Semantics, path []uint32, cycleStart int) (*Violation, string, error) {
	if cycleStart < 1 || cycleStart > len(path) {
		return nil, "", fmt.Errorf("liveness: cycle start %d outside a path of %d steps", cycleStart, len(path))
	}
	if sem.P.Update == nil {
		return nil, "the run has no update", nil
	}
	tr, err := ReplayPath(sem, path)
	if err != nil {
		return nil, "", err
	}
	c, _ := sem.Initial()
	n := len(c.Threads)
	moved, disabled := make(threadSet, (n+63)/64), make(threadSet, (n+63)/64)
	var first []byte
	var pend, unfair string
	for i, s := range path {
		succs, _ := sem.Successors(c)
		if i+1 >= cycleStart {
			if !pendingIn(c) {
				return nil, fmt.Sprintf("the update is not pending before step %d, in the cycle", i+1), nil
			}
			if p := pendingNames(sem.P, c); i+1 == cycleStart {
				first, pend = sem.P.Encode(nil, c), p
			} else if p != pend {
				return nil, fmt.Sprintf("the participants yet to apply change before step %d, in the cycle (%s, then %s)", i+1, pend, p), nil
			}
			if k := succs[s].Action.Kind; k == ActApply || k == ActRelease {
				// (found by a tester: "the cycle never does" was said of a
				// cycle whose step applies)
				what := fmt.Sprintf("%s applies the update", sem.P.Threads[succs[s].Action.Thread].Name)
				if k == ActRelease {
					what = "the barrier releases"
				}
				return nil, fmt.Sprintf("step %d, in the cycle: %s, so the update does not stay pending along it", i+1, what), nil
			}
			en := make(threadSet, len(moved))
			for k := range succs {
				if kind := succs[k].Action.Kind; (kind == ActApply || kind == ActRelease) && unfair == "" {
					what := "a participant could apply"
					if kind == ActRelease {
						what = "the barrier could release"
					}
					// Said once the whole cycle is known not to (a later
					// step of it may apply).
					unfair = fmt.Sprintf("before step %d, in the cycle, %s, and the cycle never does: it is not fair", i+1, what)
				}
				movers(&succs[k].Action, en)
			}
			for t := 0; t < n; t++ {
				if !en.has(t) {
					disabled.add(t)
				}
			}
			movers(&succs[s].Action, moved)
		}
		c = succs[s].Next
	}
	// A cycle that does not close is said first: it is no cycle at all
	// (found by a tester: its unfairness was said instead).
	if !bytes.Equal(first, sem.P.Encode(nil, c)) {
		return nil, fmt.Sprintf("the steps from %d on do not lead back to the configuration before step %d", cycleStart, cycleStart), nil
	}
	if unfair != "" {
		return nil, unfair, nil
	}
	for t := 0; t < n; t++ {
		if !moved.has(t) && !disabled.has(t) {
			return nil, fmt.Sprintf("thread %s is enabled all along the cycle and never moves in it: the cycle is not fair", sem.P.Threads[t].Name), nil
		}
	}
	g := &liveGraph{sem: sem, p: sem.P}
	v := g.report(c)
	v.Trace, v.Path, v.Final, v.CycleStart = tr.Steps, path, sem.Describe(tr.Final), cycleStart
	return v, "", nil
}

// pendingNames lists the participants of c that have neither applied nor
// finished.
func pendingNames(p *Program, c *Config) string {
	var names []string
	for t, th := range c.Threads {
		if th.Participant && th.HeapVer == 0 && th.Status == Running {
			names = append(names, p.Threads[t].Name)
		}
	}
	return strings.Join(names, ",")
}
