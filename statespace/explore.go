package statespace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/cespare/xxhash/v2"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Checker turns the facts of a step or of a configuration without
// successors into violations. Package properties implements it.
type Checker interface {
	// CheckStep is called for every transition (from is nil for the step
	// that builds the initial configuration).
	CheckStep(p *Program, from *Config, s *Succ) *Violation
	// CheckTerminal is called for every configuration with no successors.
	CheckTerminal(p *Program, c *Config, info StepInfo) *Violation
}

// FactsChecker is a Checker that also reports every fact of a step whose
// property is on, in the step's order (the first is CheckStep's), and
// every violation of a configuration without successors (the first is
// CheckTerminal's). With Options.Continue each is then a violation of its
// own: a step that breaks two rules has two distinct violations, and so
// has a deadlock that leaves messages orphaned.
type FactsChecker interface {
	Checker
	CheckStepFacts(p *Program, from *Config, s *Succ) []*Violation
	CheckTerminalFacts(p *Program, c *Config, info StepInfo) []*Violation
}

// stepViolations is every violation of step s from c with a FactsChecker,
// else CheckStep's alone.
func stepViolations(chk Checker, p *Program, c *Config, s *Succ) []*Violation {
	if fc, ok := chk.(FactsChecker); ok {
		return fc.CheckStepFacts(p, c, s)
	}
	return oneViolation(chk.CheckStep(p, c, s))
}

// terminalViolations is every violation of c, which has no successors,
// with a FactsChecker, else CheckTerminal's alone.
func terminalViolations(chk Checker, p *Program, c *Config, info StepInfo) []*Violation {
	if fc, ok := chk.(FactsChecker); ok {
		return fc.CheckTerminalFacts(p, c, info)
	}
	return oneViolation(chk.CheckTerminal(p, c, info))
}

func oneViolation(v *Violation) []*Violation {
	if v == nil {
		return nil
	}
	return []*Violation{v}
}

// Verdict is three-valued, as in porcupine/raft tests: a bounded search that
// found nothing says Unknown, never Holds.
type Verdict uint8

const (
	Holds    Verdict = iota // exhaustive, no violation
	Violated                // a violation was found
	Unknown                 // no violation found, but the search was cut
)

func (v Verdict) String() string {
	switch v {
	case Holds:
		return "ok"
	case Violated:
		return "violation"
	}
	return "unknown"
}

// Options configure an exploration.
type Options struct {
	Visited  VisitedSet
	Frontier Frontier
	Links    Links
	Checker  Checker

	MaxDepth  int   // 0: no bound
	MaxStates int64 // 0: no bound
	Workers   int   // 0: runtime.NumCPU()
	// Batch is the number of frontier configurations expanded per batch
	// (their successors go to the visited set in one Insert); 0: a default.
	Batch int
	// NoMemo switches the thread memo off (memo.go): for the tests, which
	// compare the searches with and without it.
	NoMemo bool
	// Progress, if set, is called from the exploring goroutine after each
	// batch.
	Progress func(Progress)
	// Coverage, if set, follows which visible instructions and local-type
	// states the search reached (Result.Unreached).
	Coverage bool
	// Continue keeps the search going after a violation (TLC's -continue,
	// spin -e): every distinct violation (continue.go) is recorded, with a
	// shortest trace, and a step that violates is followed like any other.
	// The search stops once more than MaxViolations distinct ones were
	// met (0: DefaultMaxViolations).
	Continue      bool
	MaxViolations int
	// POR reduces the search by partial-order reduction (por.go): where
	// one thread's steps are independent of every other's, only they are
	// followed. Violations and configurations without a step are
	// preserved; counterexamples are real runs, not always shortest.
	POR bool
}

// Progress is a snapshot of a running exploration.
type Progress struct {
	States      int64
	Transitions int64
	Frontier    int64
	Depth       int
	Elapsed     time.Duration
	StoreRAM    int64 // bytes the stores hold in memory (those that can tell)
	StoreDisk   int64 // bytes the stores hold on disk
	// Hint, when set (once), says the search looks endless: deep and narrow,
	// with a variable whose value keeps growing.
	Hint string
	// Phase names the search: "" for the safety search, "liveness" for the
	// liveness check (whose Frontier is not counted), "liveness, searching
	// for fair cycles" for its decomposition of the pending region into
	// components.
	Phase string
	// Of, when positive, is the number of configurations the phase goes
	// through, of which States are done.
	Of int64
}

// Result is the outcome of an exploration.
type Result struct {
	Verdict    Verdict
	Exhaustive bool // the search was not cut (by a bound, a limit or an interruption)
	// Violation is the first violation: the one with the shortest trace.
	Violation *Violation
	// Violations, with Options.Continue, are every distinct violation
	// found, in BFS order (each with a shortest trace; Violations[0] is
	// Violation). CutByViolations says the search stopped because there
	// were more than Options.MaxViolations.
	Violations      []*Violation
	CutByViolations bool

	States      int64 // distinct configurations
	Transitions int64
	// Asleep counts the transitions sleep sets counted without making
	// them (sleep.go): a measure of the work saved, not of the model.
	Asleep int64
	Depth  int // the greatest BFS depth reached
	// CapacityHits counts configurations in which a send was held back by
	// the queue bound; CapacityStuck those in which nothing else could move.
	CapacityHits  int64
	CapacityStuck int64
	// CapacityLost counts the configurations of CapacityStuck whose queue
	// holds messages no thread can ever receive (Program.Unreceivable),
	// and Unreceivable lists their roles, in the order first met: no
	// capacity would let those messages be consumed.
	CapacityLost int64
	Unreceivable []EndRef
	CutByDepth   bool
	CutByStates  bool
	// LeftOut says MaxStates left a new configuration out. CutByStates
	// says the same, but not when a violation on a step of the level the
	// cut fell in is reported (found before the cut); LeftOut still does.
	LeftOut     bool
	Interrupted bool
	// Unfinished says the violation is on a step from a level the search
	// did not finish (cut by MaxStates, or interrupted, while finishing
	// it): a violation of a configuration later in that level, one step
	// shorter, may have been missed, so the trace is a real run but not
	// known to be a shortest one. CutByStates or Interrupted says which.
	Unfinished bool
	// Strategy costs (README "Growth and strategy costs"). BlockedConfigs counts the
	// explored configurations in which some thread waits at the barrier,
	// MaxBlocked the most threads waiting at once. UpdateLatency is the
	// greatest number of steps from the introduction to the step after
	// which every participant has applied, along the shortest path to each
	// configuration where that happens (-1 if it never does). MixedRuns
	// counts the steps in which a role started a run under another protocol
	// version than a role of the same instance had (fidelity (c) facts,
	// counted even when fidelity is switched off). Of a search stopped at
	// a violation, all three count the configurations whose steps
	// Transitions counts (those before the first violating one met in the
	// search's order, even when a configuration with no step later in its
	// level is reported instead, one step shorter), and MixedRuns the
	// violating step too.
	BlockedConfigs int64
	MaxBlocked     int
	UpdateLatency  int
	MixedRuns      int64
	// Introduced is set when some stored configuration has the update
	// introduced (with --update-at step:K it may come after every run ended).
	Introduced bool
	// Expanded is the number of configurations expanded; with
	// Options.POR, Reduced is how many of them followed the steps of one
	// thread only.
	Expanded, Reduced int64
	// Unreached, with Options.Coverage, is what the search never exercised
	// (complete only for an exhaustive search).
	Unreached *Unreached
	// TablesRAM is the memory the tables of configurations' parts held
	// at the end (tree.go); the stores report their own.
	TablesRAM int64
	Elapsed   time.Duration
}

// Explore searches the state space of sem breadth-first from its initial
// configuration and stops at the first violation, which then has a shortest
// trace. It honours ctx: cancelling it stops the search at the next batch,
// with Interrupted set and the statistics so far. If a store fails, Explore
// returns the error together with the statistics so far.
//
// The search goes level by level. Each level's frontier is taken in
// batches; a batch is expanded in parallel (expand), each configuration
// into its own slot, and the slots are merged in frontier order (merge), so
// that nothing depends on the number of workers; the new successors are
// then recorded (record): visited set, parent link, frontier. A violation
// of a configuration with no step is the shortest there is at its level; a
// violation on a step is one longer, so the level is finished first, in
// case a configuration later in it has a shorter one.
func Explore(ctx context.Context, sem *Semantics, opt Options) (*Result, error) {
	x := newSearch(sem, opt)
	x.ctx = ctx
	defer x.trees.close()
	first := sem.InitialStep()
	init := first.Next
	if v := opt.Checker.CheckStep(x.p, nil, first); v != nil {
		v.Trace, v.Path, v.Final = []TraceStep{}, []uint32{}, x.sem.Describe(init)
		v.Where = violationWhere(x.p, v, init, first)
		if !opt.Continue {
			// The initial configuration was reached: it counts as a state.
			if err := x.recordInitial(init); err != nil {
				return x.failed(err)
			}
			x.res.Violation = v
			return x.finish()
		}
		// Every fact of the step: several threads may fail before their
		// first visible step.
		for _, w := range stepViolations(opt.Checker, x.p, nil, first) {
			w.Trace, w.Path, w.Final = []TraceStep{}, []uint32{}, x.sem.Describe(init)
			w.Where = violationWhere(x.p, w, init, first)
			x.foundInitial(w)
		}
	}
	if err := x.recordInitial(init); err != nil {
		return x.failed(err)
	}
	// With more than one worker, the next batch is expanded while this one
	// is merged and recorded (one goroutine records: the stores are not for
	// concurrent use); the order of merging and recording is the same, so
	// nothing depends on it. The next batch may be the next level's first,
	// taken from the successors recorded so far (the frontier is in order),
	// so that the workers do not wait while a level's last batch is
	// recorded; it is merged once the level is done.
	var ahead *expansion // the expansion of x.bufs[1-k], started early
	k := 0
	for opt.Frontier.Len() > 0 || ahead != nil {
		if opt.MaxDepth > 0 && x.depth >= opt.MaxDepth {
			x.res.CutByDepth = true
			break
		}
		nextLevel := false // ahead holds the next level's first batch
		for level := opt.Frontier.Len(); level > 0 || ahead != nil; {
			b := &x.bufs[k]
			var err error
			if ahead != nil {
				err = ahead.wait(true)
				ahead = nil
			} else {
				if ctx.Err() != nil {
					return x.interrupted()
				}
				var n int64
				if n, err = x.takeBatch(b, level); err != nil {
					return x.failed(err)
				}
				b.depth = x.depth
				level -= n
				err = x.expandBatch(b)
			}
			x.trees.quiesce()
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				// Interrupted inside an expansion (a wide configuration):
				// the batch is dropped, the statistics so far stand.
				return x.interrupted()
			}
			if err != nil {
				return x.failed(err)
			}
			if x.workers > 1 && ctx.Err() == nil {
				nb := &x.bufs[1-k]
				var n int64
				switch avail := opt.Frontier.Len(); {
				case level > 0:
					n, err = x.takeBatch(nb, level)
					level -= n
					nb.depth = x.depth
				case avail >= int64(x.batch) && (opt.MaxDepth == 0 || x.depth+1 < opt.MaxDepth):
					// A whole batch, the one the next level starts
					// with anyway: the batches do not depend on this.
					n, err = x.takeBatch(nb, avail)
					nextLevel = true
					// Of the next level: its expansion must not read
					// x.depth, which moves on to that level while it
					// runs (found by a tester: partial-order reduction's
					// fully expanded levels, every 128th, were judged by
					// the level before for a batch expanded ahead, and
					// counts differed from run to run with 2 workers).
					nb.depth = x.depth + 1
				}
				if err != nil {
					return x.failed(err)
				}
				if n > 0 {
					ahead = x.startBatch(nb, true)
				}
			}
			x.results = b.results
			if v := x.merge(); v != nil {
				// The successors of the configurations before the one
				// with no step are stored, as they are before a step's
				// violation (found by a tester: they were counted among
				// the transitions, not among the states).
				if err := x.record(); err != nil {
					x.drain(ahead)
					return x.failed(err)
				}
				// A cut there leaves the violation a shortest one: it is
				// of this level's configurations (LeftOut still says it).
				x.res.CutByStates = false
				x.drain(ahead)
				return x.report(*v)
			}
			if err := x.record(); err != nil {
				x.drain(ahead)
				return x.failed(err)
			}
			x.progress()
			if x.res.CutByStates {
				x.drain(ahead)
				if x.stepViol != nil {
					// Found before the cut. If the cut fell before the end
					// of the level (found by a tester), a violation of a
					// configuration later in it, one step shorter, may
					// have been missed.
					if level > 0 || ahead != nil && !nextLevel {
						x.res.Unfinished = true
					} else {
						x.res.CutByStates = false
					}
					return x.report(*x.stepViol)
				}
				x.res.Depth = x.depth + 1
				return x.finish()
			}
			k = 1 - k
			if nextLevel {
				break
			}
		}
		if x.stepViol != nil {
			x.drain(ahead)
			return x.report(*x.stepViol)
		}
		if x.cont != nil && x.cont.full {
			x.drain(ahead)
			x.res.CutByViolations = true
			x.res.Depth = x.depth + 1
			break
		}
		x.depth++
		x.lookForGrowth()
	}
	return x.finish()
}

// search is the state of one exploration.
type search struct {
	// What the workers read while they expand, written only while no
	// worker runs.
	ctx     context.Context
	sem     *Semantics
	p       *Program
	opt     Options
	workers int
	batch   int
	// cont records the distinct violations, with Options.Continue.
	cont      *continued
	trees     *trees     // the configurations, as trees of interned parts
	arenas    []Arena    // one per worker
	cursors   []cursor   // one per worker
	encs      [][]byte   // one per worker, with contentKeys: encodings
	dupFilter bool       // the duplicate filter is on (its table: the cursor's)
	sleeps    []sleeper  // one per worker, with sleep sets (sleep.go; nil: off)
	covs      []coverage // one per worker, with Options.Coverage

	// What the recording goroutine writes while the workers expand the
	// next batch, on other cache lines than the above (false sharing made
	// 2 workers spend several percent more time).
	_     [cacheLinePad]byte
	res   *Result
	costs costs
	start time.Time
	depth int
	// stepViol is the first violation on a step found in this level.
	stepViol *violAt
	hint     string // set by lookForGrowth, reported with the next progress
	hinted   bool
	// looked: lookForGrowth's first hint named nothing; it looks again at
	// twice the depth for a value that grew since.
	looked *growthLook
	quiet  *growthLook    // lookForGrowth's look halfway to growthDepth, which says nothing
	wide   [2]*growthLook // lookWide's last two looks, the older first
	// Two batches: one expanded while the other is merged and recorded.
	bufs    [2]batch
	batches uint64     // the batches taken so far (batch.seq)
	results []expanded // the batch being merged: one slot per record
	// contentKeys: the visited set gets hashes of the configurations'
	// encodings, not their keys (ContentKeyed).
	contentKeys bool
	// The batch's successors, in frontier order, for record; fps are their
	// content hashes, with contentKeys.
	keys     []uint64
	fps      []uint64
	zs       []uint64 // their sleep sets, with sleep sets (sleep.go)
	parents  []int64
	succIdx  []uint32
	tags     []tagged
	newFlags []bool
	rec      []byte
	// With Options.POR, per successor of the batch: the index of its
	// configuration's result, and whether it lies outside that
	// configuration's ample set (followed only if the set is rejected).
	owner   []int32
	outside []bool
	order   []int32 // the successors to record, in the order recorded
	sel     []uint64
	selNew  []bool
}

// batch is a batch of frontier records and their expansions, one slot per
// record.
type batch struct {
	seq uint64 // its number among the search's batches, from 1
	// depth is the level its configurations are of: the next level's for
	// a batch expanded ahead, while the level before it is still being
	// recorded (x.depth is the search's level, which moves on meanwhile).
	depth   int
	recs    [][]byte
	buf     []byte // the records' bytes, one after another
	ends    []int  // where each record ends in buf (buf may move as it grows)
	results []expanded
}

// expanded is one configuration of a batch, expanded.
type expanded struct {
	id       int64
	tag      int64    // the configuration's latency tag (costs.go)
	keys     []uint64 // the successors' keys (tree.go)
	sleeps   []uint64 // their sleep sets, with sleep sets (sleep.go)
	idx      []uint32 // their indices among the successors (EachSuccessor)
	succs    int      // the successors, kept or not
	dropped  int      // the successors the duplicate filter dropped
	fps      []uint64 // their content hashes, with contentKeys
	tags     []tagged
	blocked  int   // threads at the barrier
	mixed    int64 // run mixes among the steps
	info     StepInfo
	viol     *Violation
	violSucc int // index of the violating successor, -1 for the configuration itself
	// violMixes: the violating successor's step mixes runs (mixed_runs
	// counts it, with the steps of the transitions counted).
	violMixes bool
	// With Options.Continue, every violation of the configuration or its
	// steps (viol stays nil).
	viols []foundViol
	// unrecv, for a configuration the capacity alone holds, is
	// Program.Unreceivable of it.
	unrecv []EndRef
	// With Options.POR: the successors [ampleLo, ampleHi) are the ample set
	// (por.go), if ampleHi > 0; steps, first and clean are scratch, per
	// thread: how many steps, the index of the first, and whether none
	// violates.
	ampleLo, ampleHi int
	steps, first     []int
	clean            []bool
}

// violAt is a violation found on the way: the state and the successor index
// of its step (-1: the state itself has no step).
type violAt struct {
	id   int64
	succ int
	fact int // with Options.Continue: which of the step's violations (FactsChecker)
}

func newSearch(sem *Semantics, opt Options) *search {
	x := &search{sem: sem, p: sem.P, opt: opt, res: &Result{}, costs: costs{latency: -1}, start: time.Now()}
	x.workers = opt.Workers
	if x.workers <= 0 {
		x.workers = runtime.NumCPU()
	}
	// The batch size does not depend on the number of workers, so that a
	// search cut by MaxStates stops at the same place whatever it is.
	x.batch = opt.Batch
	if x.batch <= 0 {
		x.batch = 2048
	}
	x.arenas = make([]Arena, x.workers)
	x.cursors = make([]cursor, x.workers)
	x.trees = newTrees(sem.P)
	if !opt.NoMemo && !dependsOnPoint(sem.Strategy) {
		for w := range x.arenas {
			x.arenas[w].memo = newThreadMemo(x.trees, &x.cursors[w])
		}
	}
	x.dupFilter = !opt.POR && !noDupFilter
	if ck, ok := opt.Visited.(ContentKeyed); ok && ck.ContentKeys() {
		x.contentKeys = true
		x.encs = make([][]byte, x.workers)
	}
	// Sleep sets rely on every configuration a pruned step leads to being
	// found another way; a set that can take a new configuration for a
	// visited one (bitstate) could lose both ways (sleep.go).
	if !opt.POR && !opt.Coverage && sem.Sym == nil && !sem.Raw && !x.contentKeys && !noSleepSets {
		x.sleeps = make([]sleeper, x.workers)
	}
	if opt.Continue {
		x.cont = newContinued(opt.MaxViolations)
	}
	if opt.Coverage {
		x.covs = make([]coverage, x.workers)
		for w := range x.covs {
			x.covs[w] = sem.P.newCoverage()
		}
	}
	return x
}

// finish completes the result: the three-valued verdict (a search that was
// cut never holds) and the counts.
func (x *search) finish() (*Result, error) {
	res := x.res
	var err error
	if x.cont != nil {
		err = x.cont.collect(x.sem, x.opt, res)
	}
	res.Elapsed = time.Since(x.start)
	res.States = x.opt.Links.Len()
	res.TablesRAM = x.trees.stats().RAMBytes
	x.costs.result(res)
	if len(x.covs) > 0 {
		all := x.covs[0]
		for _, cv := range x.covs[1:] {
			all.merge(cv)
		}
		res.Unreached = all.unreached(x.p)
	}
	cut := res.CutByDepth || res.CutByStates || res.Interrupted || res.CutByViolations
	switch {
	case res.Violation != nil:
		res.Verdict = Violated
		// With Continue a search that ran to its end has found every
		// distinct violation there is.
		res.Exhaustive = x.cont != nil && !cut && err == nil
	case cut:
		res.Verdict = Unknown
	default:
		res.Verdict = Holds
		res.Exhaustive = true
	}
	return res, err
}

// failed returns the statistics so far with an error: a store that fails (a
// full disk) must not lose what was learnt. The violations met before it
// (Options.Continue) are results, with their traces, as after an
// interruption (found by a tester: they were dropped).
func (x *search) failed(err error) (*Result, error) {
	r, cerr := x.finish()
	r.Exhaustive = false
	if r.Violation == nil || cerr != nil {
		r.Verdict = Unknown
		r.Violation, r.Violations = nil, nil
	}
	return r, err
}

// report replays the violation at v (of the current level) and ends the
// search.
func (x *search) report(v violAt) (*Result, error) {
	viol, err := replayViolation(x.sem, x.opt, v)
	if err != nil {
		return x.failed(err)
	}
	x.res.Violation = viol
	x.res.Depth = x.depth + 1
	if v.succ < 0 {
		x.res.Depth = x.depth
	}
	return x.finish()
}

func (x *search) recordInitial(init *Config) error {
	key, err := x.trees.key(&cursor{}, init)
	if err != nil {
		return err
	}
	isNew := []bool{false}
	vk := key
	if x.contentKeys {
		vk = x.contentKey(init, 0)
	}
	if err := x.opt.Visited.Insert([]uint64{vk}, isNew); err != nil {
		return err
	}
	id, err := x.opt.Links.Append(-1, 0)
	if err != nil {
		return err
	}
	return x.opt.Frontier.Push(frontierRecord(nil, id, tagOf(x.p, init, tagBefore).tag, 0, key))
}

// takeBatch pops up to a batch of the level's remaining records into b.
func (x *search) takeBatch(b *batch, level int64) (int64, error) {
	b.recs, b.buf, b.ends = b.recs[:0], b.buf[:0], b.ends[:0]
	x.batches++
	b.seq = x.batches
	for int64(len(b.ends)) < level && len(b.ends) < x.batch {
		rec, err := x.opt.Frontier.Pop()
		if err == io.EOF {
			return 0, errors.New("statespace: frontier ended early")
		}
		if err != nil {
			return 0, err
		}
		b.buf = append(b.buf, rec...)
		b.ends = append(b.ends, len(b.buf))
	}
	start := 0
	for _, e := range b.ends {
		b.recs = append(b.recs, b.buf[start:e:e])
		start = e
	}
	return int64(len(b.recs)), nil
}

// interrupted ends a search whose context was cancelled, with the
// statistics so far (or the violation on a step this level found).
func (x *search) interrupted() (*Result, error) {
	x.res.Interrupted = true
	if x.stepViol != nil {
		// Interrupted while finishing its level (found by a tester: the
		// run was reported as stopped at a shortest violation).
		x.res.Unfinished = true
		return x.report(*x.stepViol)
	}
	x.res.Depth = x.depth
	return x.finish()
}

// drain waits for an expansion started ahead, if any, before the search
// ends (its tables are freed then); its result is not wanted.
func (x *search) drain(ahead *expansion) {
	if ahead != nil {
		ahead.wait(false)
		x.trees.quiesce()
	}
}

// expandBatch expands b in parallel; every result goes to its own slot, so
// merge sees them in frontier order whatever the number of workers.
func (x *search) expandBatch(b *batch) error {
	if x.workers == 1 {
		b.prepare()
		for i := range b.recs {
			if err := x.expand(b.recs[i], &b.results[i], 0, b.depth, placeOf(b, i)); err != nil {
				return err
			}
		}
		return nil
	}
	return x.startBatch(b, false).wait(false)
}

// prepare gives b one result slot per record.
func (b *batch) prepare() {
	// The slots beyond a short batch's keep their slices: re-slicing up to
	// the capacity, not appending fresh slots, lets them be reused (a
	// level's last batch is short, and growing the next level's slots
	// again took 2% of the one-core profile, prodcons K=3; whole runs
	// then took 0.983 of the time, 10 pairs, within the noise).
	n := len(b.recs)
	if n > cap(b.results) {
		b.results = append(b.results[:cap(b.results)], make([]expanded, n-cap(b.results))...)
	}
	b.results = b.results[:n]
}

// expansion is a batch being expanded by the workers (x.workers > 1).
//
// Each worker has a share of its own, the records in a row, and takes
// small runs from its front, so that its memos meet configurations alike
// one after another, as with one worker. One that is done takes runs from
// the back of the others' shares, so that one that got cheap
// configurations does not wait for one that got dear ones.
//
// The batch expanded while the previous one is merged and recorded is
// started without the last worker: the goroutine that records is that
// worker, and joins once it has recorded (wait). So as many goroutines
// work as there are workers, never one more: with a recording goroutine
// beside all the workers, 2 workers took 1.2 times the CPU time of one
// (prodcons K=3), the three sharing two cores.
type expansion struct {
	x      *search
	b      *batch
	shares []share
	stop   atomic.Bool
	errs   []error
	wg     sync.WaitGroup
}

// startBatch starts expanding b on the workers, all but the last if
// joiner (the caller's goroutine is the last then: wait(true)).
func (x *search) startBatch(b *batch, joiner bool) *expansion {
	b.prepare()
	e := &expansion{x: x, b: b, shares: make([]share, x.workers), errs: make([]error, x.workers)}
	n := len(b.recs)
	for w := range e.shares {
		e.shares[w].lo, e.shares[w].hi = w*n/x.workers, (w+1)*n/x.workers
	}
	started := x.workers
	if joiner {
		started--
	}
	for w := range started {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.work(w)
		}()
	}
	return e
}

// work is worker w's part: its share, then what is left of the others'.
func (e *expansion) work(w int) {
	x := e.x
	for k := range x.workers {
		sh := &e.shares[(w+k)%x.workers]
		for !e.stop.Load() {
			lo, hi := sh.take(k > 0)
			if lo == hi {
				break
			}
			for i := lo; i < hi; i++ {
				if err := x.expand(e.b.recs[i], &e.b.results[i], w, e.b.depth, placeOf(e.b, i)); err != nil {
					e.errs[w] = err
					e.stop.Store(true) // the others stop too
					return
				}
			}
		}
	}
}

// wait waits for the expansion to end, after taking the last worker's
// part on the caller's goroutine if join (a batch started with joiner).
// Without join, the started workers do the whole batch between them.
func (e *expansion) wait(join bool) error {
	if join {
		e.work(e.x.workers - 1)
	}
	e.wg.Wait()
	return errors.Join(e.errs...)
}

// share is one worker's share of a batch: the records [lo, hi) not taken
// yet.
type share struct {
	mu     sync.Mutex
	lo, hi int
	_      [cacheLinePad]byte
}

// take takes a run of records off the share: from its front for its
// owner, from its back for another worker.
func (sh *share) take(back bool) (lo, hi int) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	k := min(expandRun, sh.hi-sh.lo)
	if back {
		sh.hi -= k
		return sh.hi, sh.hi + k
	}
	sh.lo += k
	return sh.lo - k, sh.lo
}

// expandRun is how many records a worker takes at a time.
const expandRun = 32

// expand rebuilds the configuration of one frontier record, generates its
// successors and judges them: the configuration itself if it has none, else
// each step, up to the first violation. depth is the record's level (its
// batch's: never x.depth, see batch) and at its place in the search
// (placeOf).
func (x *search) expand(rec []byte, out *expanded, worker, depth int, at uint64) error {
	arena, cur := &x.arenas[worker], &x.cursors[worker]
	arena.Reset()
	pid, tag, zc, key, err := splitRecord(rec)
	if err != nil {
		return err
	}
	c := x.trees.decode(key, arena, cur)
	out.id, out.tag, out.viol, out.violSucc, out.violMixes = pid, tag, nil, -1, false
	if out.keys == nil {
		// On lines of their own (lineCap): the workers write them at
		// every step.
		out.keys, out.tags = make([]uint64, 0, lineCap[uint64](16)), make([]tagged, 0, lineCap[tagged](16))
		out.idx = make([]uint32, 0, lineCap[uint32](16))
		if x.contentKeys {
			out.fps = make([]uint64, 0, lineCap[uint64](16))
		}
	}
	out.keys, out.idx, out.tags, out.viols, out.fps = out.keys[:0], out.idx[:0], out.tags[:0], out.viols[:0], out.fps[:0]
	out.sleeps = out.sleeps[:0]
	var z *sleeper
	if x.sleeps != nil {
		z = &x.sleeps[worker]
		z.start(x.sem, c, zc)
	}
	out.dropped = 0
	var dups *memoTable[dupSlot]
	if x.dupFilter {
		dups = &cur.dups
	}
	out.unrecv = nil
	out.blocked, out.mixed = observe(c, nil)
	out.ampleLo, out.ampleHi = 0, 0
	por := x.opt.POR && !porFullLevel(depth) && x.sem.porApplies(c)
	if por {
		nt := len(c.Threads)
		out.steps, out.first, out.clean = resize(out.steps, nt), resize(out.first, nt), resize(out.clean, nt)
		for t := range nt {
			out.steps[t], out.clean[t] = 0, true
		}
	}
	// The successors one at a time (EachSuccessor): a wide configuration's
	// successors never all exist at once, and an interruption is heard
	// within one expansion.
	n := 0
	var ferr error
	out.info = x.sem.eachSuccessor(c, zc, func(i int, st *Succ) bool {
		n++
		if i%256 == 255 {
			if err := x.ctx.Err(); err != nil {
				ferr = err
				return false
			}
		}
		if mixesRuns(st.Fault) {
			out.mixed++
		}
		if out.viol != nil {
			return true // the rest only for the counts, as before
		}
		if x.covs != nil {
			x.covs[worker].step(x.p, c, st)
		}
		v := x.opt.Checker.CheckStep(x.p, c, st)
		if t := st.Action.Thread; por && t >= 0 {
			if out.steps[t] == 0 {
				out.first[t] = i
			}
			out.steps[t]++
			out.clean[t] = out.clean[t] && v == nil && st.Fault == nil
		}
		if v != nil {
			if x.cont == nil {
				out.viol, out.violSucc, out.violMixes = v, i, mixesRuns(st.Fault)
				out.keys, out.idx, out.tags, out.fps = out.keys[:0], out.idx[:0], out.tags[:0], out.fps[:0]
				out.dropped = 0
				return true
			}
			// Continue: recorded, and the step is followed. Each of the
			// step's facts whose property is on is a violation of its own.
			for k, w := range stepViolations(x.opt.Checker, x.p, c, st) {
				out.viols = append(out.viols, foundViol{succ: i, fact: k, key: violationKey(x.p, w, c, st)})
			}
		}
		var zn uint64
		if z != nil {
			zn = z.next(x.sem, c, st) // for every step, in order
		}
		k, err := x.trees.key(cur, st.Next)
		if err != nil {
			ferr = err
			return false
		}
		if dups != nil {
			sl := dups.at((k*0x9e3779b97f4a7c15)>>(64-dupBits), 1<<dupBits)
			if sl.key == k && sl.at != 0 && sl.at <= at {
				out.dropped++
				return true
			}
			*sl = dupSlot{key: k, at: at}
		}
		out.tags = append(out.tags, tagOf(x.p, st.Next, tag))
		if z != nil {
			out.sleeps = append(out.sleeps, zn)
		}
		out.keys = append(out.keys, k)
		out.idx = append(out.idx, uint32(i))
		if x.contentKeys {
			out.fps = append(out.fps, x.contentKey(st.Next, worker))
		}
		return true
	})
	if ferr != nil {
		return ferr
	}
	n += out.info.Asleep
	out.succs = n
	if por && out.viol == nil && n > 0 {
		// The eligible thread with the fewest steps, all of them clean
		// (C0-C2); C3 is judged when the batch is recorded.
		best := -1
		for t, k := range out.steps {
			if k > 0 && out.clean[t] && (best < 0 || k < out.steps[best]) && x.sem.porEligible(c, t) {
				best = t
			}
		}
		if best >= 0 && out.steps[best] < n {
			out.ampleLo, out.ampleHi = out.first[best], out.first[best]+out.steps[best]
		}
	}
	if n == 0 {
		if out.info.CapacityBlocked {
			out.unrecv = x.p.Unreceivable(c)
		}
		v := x.opt.Checker.CheckTerminal(x.p, c, out.info)
		if v != nil && x.cont != nil {
			for k, w := range terminalViolations(x.opt.Checker, x.p, c, out.info) {
				out.viols = append(out.viols, foundViol{succ: -1, fact: k, key: violationKey(x.p, w, c, nil)})
			}
			return nil
		}
		out.viol = v
	}
	return nil
}

// The duplicate filter. Most successors are configurations already
// visited or met earlier in the same level (on prodcons K=3, 79% of them;
// the two orders of two independent steps meet again one level down), and
// each such one costs a probe of the visited set, a cache miss in a large
// table, to learn that it is not new. Each worker keeps the keys of the
// successors it made last in a small direct-mapped table (a collision
// forgets an entry), each with the place of the configuration it was a
// successor of; a successor whose key is there from a configuration not
// later in frontier order than its own is dropped before it reaches the
// visited set. Dropping changes nothing but the work: the earlier
// occurrence is inserted first (in the same batch, ahead of it in the same
// Insert; in an earlier batch, by an earlier Insert), so the dropped one
// would have been found not new and given no link, and it still counts as
// a transition. Keys are exact (tree.go), so equal keys are equal
// configurations. The place, not merely the worker's order of expansion,
// decides: a worker that takes records from the back of another's share
// expands them after records that follow them in frontier order, and the
// first occurrence in frontier order must be the one kept, so that the
// parent links (the traces) do not depend on --workers.
//
// An earlier occurrence that is never inserted is harmless: keys are
// dropped from a configuration with a violation on a step, and then no
// configuration from there on in frontier order is recorded (merge); a cut
// (MaxStates, an interruption) ends the search.
//
// Off under partial-order reduction: which of an ample set's successors
// are new decides whether the set is kept (C3), and ample successors are
// inserted before the rest.
//
// On prodcons K=3 (BenchmarkCreationOrder) a filter of 2^12 keys caught
// 56% of the successors, 2^14 61%, 2^16 64%.

// dupSlot is an entry of a worker's duplicate filter: a successor's key
// and the place of the configuration it is a successor of (0: empty).
type dupSlot struct {
	key, at uint64
}

// dupBits is the log2 of the most entries of a worker's duplicate filter.
const dupBits = 12

// noSleepSets turns sleep sets off (sleep.go): for the tests, which
// compare searches with and without them.
var noSleepSets = false

// noDupFilter turns the duplicate filter off: for the tests, which compare
// searches with and without it.
var noDupFilter = false

// placeOf is the place of record i of batch b in frontier order: the
// batches are taken in that order, and the records of one are in it.
func placeOf(b *batch, i int) uint64 { return b.seq<<32 | uint64(i) }

// merge takes the batch's results in frontier order: counts, violations,
// and the successors to record. It returns a violation that ends the
// search now (one of a configuration with no step).
func (x *search) merge() *violAt {
	x.keys, x.parents, x.succIdx, x.tags, x.fps = x.keys[:0], x.parents[:0], x.succIdx[:0], x.tags[:0], x.fps[:0]
	x.zs = x.zs[:0]
	x.owner, x.outside = x.owner[:0], x.outside[:0]
	res := x.res
	for i := range x.results {
		r := &x.results[i]
		res.Expanded++
		if r.info.CapacityBlocked {
			res.CapacityHits++
			if r.succs == 0 && r.viol == nil && len(r.viols) == 0 {
				res.CapacityStuck++
				if len(r.unrecv) > 0 {
					res.CapacityLost++
				}
				for _, e := range r.unrecv {
					if !slices.Contains(res.Unreceivable, e) {
						res.Unreceivable = append(res.Unreceivable, e)
					}
				}
			}
		}
		for _, f := range r.viols {
			d := x.depth + 1
			if f.succ < 0 {
				d = x.depth
			}
			x.cont.note(violAt{r.id, f.succ, f.fact}, d, f.key)
		}
		if r.viol != nil && r.violSucc < 0 {
			// A configuration of this level with no step: a violation at
			// this depth, the shortest there can be.
			return &violAt{id: r.id, succ: -1}
		}
		if r.viol != nil && x.stepViol == nil {
			// A step from this level: depth+1. A violation of a
			// configuration later in the level is shorter, so the level
			// is finished first.
			x.stepViol = &violAt{id: r.id, succ: r.violSucc}
			if r.violMixes {
				// The violation's own step (a tester: a fidelity (c)
				// violation showed mixed_runs 0).
				x.costs.expanded(0, 1)
			}
		}
		if x.stepViol != nil {
			continue
		}
		// The strategy's costs count the configurations whose steps count
		// as transitions: those before the violating one, when the search
		// stops at one (found by a tester: a step mixing runs later in the
		// level was counted in mixed_runs, its step not in transitions),
		// and the violating step's mix above.
		x.costs.expanded(r.blocked, r.mixed)
		res.Transitions += int64(len(r.keys) + r.dropped + r.info.Asleep)
		res.Asleep += int64(r.info.Asleep)
		for j := range r.keys {
			x.keys = append(x.keys, r.keys[j])
			if x.sleeps != nil {
				x.zs = append(x.zs, r.sleeps[j])
			}
			if x.contentKeys {
				x.fps = append(x.fps, r.fps[j])
			}
			x.parents = append(x.parents, r.id)
			x.succIdx = append(x.succIdx, r.idx[j])
			x.tags = append(x.tags, r.tags[j])
			if x.opt.POR {
				x.owner = append(x.owner, int32(i))
				x.outside = append(x.outside, r.ampleHi > 0 && (j < r.ampleLo || j >= r.ampleHi))
			}
		}
	}
	return nil
}

// record inserts the batch's successors into the visited set and gives each
// new one a parent link and a place in the frontier (up to MaxStates).
func (x *search) record() error {
	if s, ok := x.opt.Visited.(RAMSharer); ok {
		s.ShareRAM(x.trees.stats().RAMBytes)
	}
	x.newFlags = resize(x.newFlags, len(x.keys))
	x.order = x.order[:0]
	if x.opt.POR {
		if err := x.insertReduced(); err != nil {
			return err
		}
	} else {
		if err := x.opt.Visited.Insert(x.visitKeys(), x.newFlags); err != nil {
			return err
		}
		for k := range x.keys {
			x.order = append(x.order, int32(k))
		}
	}
	for _, k := range x.order {
		if !x.newFlags[k] {
			continue
		}
		if x.opt.MaxStates > 0 && x.opt.Links.Len() >= x.opt.MaxStates {
			x.res.CutByStates, x.res.LeftOut = true, true
			break
		}
		id, err := x.opt.Links.Append(x.parents[k], x.succIdx[k])
		if err != nil {
			return err
		}
		var zk uint64
		if x.sleeps != nil {
			zk = x.zs[k]
		}
		x.rec = frontierRecord(x.rec[:0], id, x.costs.reached(x.tags[k]), zk, x.keys[k])
		if err := x.opt.Frontier.Push(x.rec); err != nil {
			return err
		}
		x.res.Depth = max(x.res.Depth, x.depth+1)
	}
	return nil
}

// insertReduced inserts the batch's successors under partial-order
// reduction (por.go): first those of every configuration's ample set (all
// of a configuration without one); then, for each configuration whose
// ample set led to a configuration already visited (C3), the rest. It sets
// newFlags and order.
func (x *search) insertReduced() error {
	vk := x.visitKeys()
	insert := func(keep func(k int) bool) error {
		x.sel, x.selNew = x.sel[:0], x.selNew[:0]
		first := len(x.order)
		for k := range x.keys {
			if keep(k) {
				x.sel = append(x.sel, vk[k])
				x.order = append(x.order, int32(k))
			}
		}
		x.selNew = resize(x.selNew, len(x.sel))
		if err := x.opt.Visited.Insert(x.sel, x.selNew); err != nil {
			return err
		}
		for i, k := range x.order[first:] {
			x.newFlags[k] = x.selNew[i]
		}
		return nil
	}
	if err := insert(func(k int) bool { return !x.outside[k] }); err != nil {
		return err
	}
	full := false
	for k := range x.keys {
		if r := &x.results[x.owner[k]]; r.ampleHi > 0 && !x.outside[k] && !x.newFlags[k] {
			r.ampleHi, full = 0, true // rejected: expanded fully
		}
	}
	for i := range x.results {
		if x.results[i].ampleHi > 0 {
			x.res.Reduced++
		}
	}
	if !full {
		return nil
	}
	return insert(func(k int) bool { return x.outside[k] && x.results[x.owner[k]].ampleHi == 0 })
}

// visitKeys are the batch's successors' keys for the visited set: their
// trees' keys, or their content hashes (contentKeys).
func (x *search) visitKeys() []uint64 {
	if x.contentKeys {
		return x.fps
	}
	return x.keys
}

// contentKey is a hash of c's canonical encoding (see ContentKeyed), made
// by the given worker.
func (x *search) contentKey(c *Config, worker int) uint64 {
	x.encs[worker] = x.p.Encode(x.encs[worker][:0], c)
	return xxhash.Sum64(x.encs[worker])
}

// resize returns s with length n, reallocated if it is too short.
func resize[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

// progress reports a snapshot to Options.Progress, if set.
func (x *search) progress() {
	if x.opt.Progress == nil {
		return
	}
	pr := Progress{States: x.opt.Links.Len(), Transitions: x.res.Transitions, Frontier: x.opt.Frontier.Len(), Depth: x.depth, Elapsed: time.Since(x.start), Hint: x.hint}
	x.hint = ""
	for _, st := range []any{x.opt.Visited, x.opt.Frontier, x.opt.Links} {
		if sz, ok := st.(Sizer); ok {
			ss := sz.Stats()
			pr.StoreRAM += ss.RAMBytes
			pr.StoreDisk += ss.DiskBytes
		}
	}
	pr.StoreRAM += x.trees.stats().RAMBytes
	x.opt.Progress(pr)
}

// InitialStep is the step that builds the initial configuration: its fault
// (a thread failing before its first visible step) is judged as a step's
// (Checker.CheckStep with from nil).
func (s *Semantics) InitialStep() *Succ {
	init, fault := s.Initial()
	return &Succ{Next: init, Fault: fault, Action: Action{Kind: ActFault, Thread: faultThread(fault), Code: -1, Label: -1}}
}

func faultThread(f *Fault) int {
	if f == nil {
		return -1
	}
	return f.Thread
}

// A frontier record is the state's id, its latency tag (costs.go: a metric,
// not part of the state's identity) and its key (tree.go).
func frontierRecord(buf []byte, id, tag int64, sleep, key uint64) []byte {
	buf = binary.AppendUvarint(buf, uint64(id))
	buf = binary.AppendVarint(buf, tag)
	buf = binary.AppendUvarint(buf, sleep)
	return binary.LittleEndian.AppendUint64(buf, key)
}

func splitRecord(rec []byte) (id, tag int64, sleep, key uint64, err error) {
	u, n := binary.Uvarint(rec)
	t, m := binary.Varint(rec[max(n, 0):])
	z, l := binary.Uvarint(rec[max(n, 0)+max(m, 0):])
	if n <= 0 || m <= 0 || l <= 0 || len(rec) != n+m+l+8 {
		return 0, 0, 0, 0, errors.New("statespace: corrupt frontier record")
	}
	return int64(u), t, z, binary.LittleEndian.Uint64(rec[n+m+l:]), nil
}

// growthDepth is the depth from which lookForGrowth looks: a search this
// deep with a frontier this narrow is usually one that will not end. (64
// configurations missed a tester's drifting roles, 134 a level.)
const (
	growthDepth    = 2000
	growthFrontier = 1024
)

// lookForGrowth, once the search is deep and the frontier narrow, decodes
// the configuration last added to the frontier and looks for an integer
// variable whose magnitude is at least half the depth: the signature of an
// unbounded counter, which makes the state space infinite. It sets a hint
// naming the thread and variable (once).
func (x *search) lookForGrowth() {
	if x.hinted || len(x.rec) == 0 {
		return
	}
	if x.opt.Frontier.Len() > growthFrontier {
		x.lookWide()
		return
	}
	if x.depth < growthDepth/2 {
		return
	}
	if x.quiet == nil {
		// What the values are halfway: a value is named at growthDepth
		// only if it grew since (found by a tester: a constant of
		// 1000000, larger than half the depth, was named, and the
		// sessions piling up beside it were not).
		if c, ok := x.lastAdded(); ok {
			x.quiet = lookAt(x.p, c, x.depth)
		}
		return
	}
	look, hintAt := x.quiet, max(growthDepth, 2*x.quiet.depth)
	if x.looked != nil {
		look, hintAt = x.looked, 2*x.looked.depth
	}
	if x.depth < hintAt {
		// The samples of the first half of the way: a value named must be
		// larger than at any of them (a tester: a loop index that counts
		// from 0 to 40 and again was named, caught at 20 and then at 40);
		// in the second half a counter that grows slowly may not have
		// grown yet.
		if x.depth%growthSample == 0 && 2*x.depth <= look.depth+hintAt {
			if c, ok := x.lastAdded(); ok {
				look.sample(x.p, c)
			}
		}
		return
	}
	c, ok := x.lastAdded()
	if !ok {
		return
	}
	if x.looked != nil {
		// The second look: a value that grew since the first, whatever its
		// pace (found by a tester: a counter that grows by one every four
		// steps, or every twelve, was never named; one every eighty was
		// not either, before the samples made any growth enough).
		x.hinted = true
		x.nameGrown(x.looked, c, 2)
		return
	}
	x.hinted = true
	if !c.Upd.Introduced && c.Upd.Countdown > 0 {
		// The pinned introduction is still ahead: the steps left until it
		// are part of every configuration, so none repeats before it.
		x.hint = fmt.Sprintf("the search is %d steps deep with %s to go, and the update is introduced after step %d (--update-at step:%d): until then the steps left are part of every configuration, so no configuration repeats and every step makes new ones; a smaller K, or --max-depth or --max-states, bounds the search",
			x.depth, toGo(x.opt.Frontier.Len()), x.sem.UpdateAt.Step, x.sem.UpdateAt.Step)
		return
	}
	if x.nameGrown(x.quiet, c, leastGrowth(x.depth-x.quiet.depth)) {
		return
	}
	// A call stack that grows: a call not in tail position, repeated,
	// which ends in a runtime error at maxFrames (a newcomer: the hint
	// said "a value that grows without bound?", and the search stopped at
	// that error 563 steps later).
	for t, th := range c.Threads {
		if len(th.Frames) < maxFrames/4 {
			continue
		}
		count := map[int32]int{}
		most := th.Frames[len(th.Frames)-1].Code
		for _, f := range th.Frames {
			count[f.Code]++
			if count[f.Code] > count[most] {
				most = f.Code
			}
		}
		x.hint = fmt.Sprintf("the search is %d steps deep with %s to go: in thread %s, the call stack is %d frames deep, %d of them in %s: a call not in tail position (followed by more work, as in `f(c); g()`, `1 + f(n)`, or `if e then a; f(c) else b; f(c)`, whose `; f(c)` runs after the if: docs/language.md §1) keeps adding frames, and at %d frames the thread stops with a runtime error",
			x.depth, toGo(x.opt.Frontier.Len()), x.p.Threads[t].Name, len(th.Frames), count[most], x.p.CodeName(most), maxFrames)
		return
	}
	// No value grows: the roles of a session may run at different paces,
	// the gap between their run numbers (and the record of the protocol
	// version of each run between them, for fidelity (c)) growing with it.
	for _, in := range c.Insts {
		lo, hi, slow, fast := int32(-1), int32(-1), -1, -1
		for k, e := range in.Ends {
			if e.Done || e.Untracked {
				continue
			}
			if lo < 0 || e.Run < lo {
				lo, slow = e.Run, k
			}
			if e.Run > hi {
				hi, fast = e.Run, k
			}
		}
		if slow < 0 || int(hi-lo) < x.depth/32 {
			continue
		}
		role := func(k int) string {
			e := in.Ends[k]
			return fmt.Sprintf("%s (thread %s)", x.p.Roles[e.Role], x.p.Threads[e.Holder].Name)
		}
		x.hint = fmt.Sprintf("the search is %d steps deep with only %s to go: in a session of %s, role %s is %d runs ahead of role %s and the gap may grow without bound (the roles never wait for each other, or run at different paces after a fidelity (c) violation that --continue or --skip fidelity lets the search go past: docs/language.md §6), making the state space infinite; cut it with --max-depth or --max-states",
			x.depth, toGo(x.opt.Frontier.Len()), x.p.Services[in.Service].Name, role(fast), hi-lo, role(slow))
		return
	}
	// Sessions that pile up: opened again and again and never ended
	// (found by a tester: the hint said "a value that grows").
	if svc, n, holders := pileUp(x.p, c); n >= x.depth/64 && n >= 16 {
		x.hint = fmt.Sprintf("the search is %d steps deep with only %s to go: %d sessions of %s are live (held by %s), opened again and again and never ended (a session is forgotten once its roles reach end, or their threads stop), making the state space infinite; end each session, or cut the search with --max-depth or --max-states",
			x.depth, toGo(x.opt.Frontier.Len()), n, x.p.Services[svc].Name, holders)
		return
	}
	x.hint = fmt.Sprintf("the search is %d steps deep with only %s to go: the state space may be infinite (a value that grows without bound?); cut it with --max-depth or --max-states", x.depth, toGo(x.opt.Frontier.Len()))
	x.looked, x.hinted = lookAt(x.p, c, x.depth), false
}

// nameGrown sets the hint naming a value of c that grew since look by at
// least least (growthLook.grown), and reports whether there was one.
func (x *search) nameGrown(look *growthLook, c *Config, least int64) bool {
	t, what, from, to, ok := look.grown(x.p, c, least)
	if ok {
		x.hint = fmt.Sprintf("the search is %d steps deep with %s to go: in thread %s, %s was %d at depth %d and is %d now: it may grow without bound, making the state space infinite; bound it in the model, or cut the search with --max-depth or --max-states",
			x.depth, toGo(x.opt.Frontier.Len()), x.p.Threads[t].Name, what, from, look.depth, to)
	}
	return ok
}

// lastAdded decodes the configuration last added to the frontier, for
// lookForGrowth; a record it cannot read ends the looks.
func (x *search) lastAdded() (*Config, bool) {
	_, _, _, key, err := splitRecord(x.rec)
	if err != nil {
		x.hinted = true
		return nil, false
	}
	return x.trees.decode(key, nil, &cursor{}), true
}

// wideEvery is how many levels apart lookWide looks.
const wideEvery = 32

// lookWide is lookForGrowth's look at a wide frontier, where the narrow
// looks never come (found by a tester: a balance passed from call to call,
// with a choice of amounts, went 106 levels deep in 2.4 million
// configurations and no hint): every wideEvery levels it takes the
// integers of the configuration last added to the frontier, and names a
// value that grew in magnitude at each of the last two looks (a value of
// a finite model may well grow once, between two configurations the
// frontier's order happens to end with). A finite model's value can grow
// for a hundred levels too (a balance over a bounded number of
// transfers), so the hint says "if it grows without bound".
func (x *search) lookWide() {
	if x.depth < wideEvery || x.depth%wideEvery != 0 {
		return
	}
	c, ok := x.lastAdded()
	if !ok {
		return
	}
	first, last := x.wide[0], x.wide[1]
	x.wide[0], x.wide[1] = last, lookAt(x.p, c, x.depth)
	if first == nil {
		return
	}
	s, n, what, ok := firstSlot(x.p, c, func(s growthSlot, n int64, _ *Frame) bool {
		return first.grew(s, last.vals[s], leastGrowth(last.depth-first.depth)) && last.grew(s, n, leastGrowth(x.depth-last.depth))
	})
	if !ok {
		return
	}
	x.hinted = true
	x.hint = fmt.Sprintf("the search is %d steps deep with %s to go: in thread %s, %s was %d at depth %d, %d at depth %d and is %d now: if it grows without bound, the state space is infinite and the search will not end; bound it in the model, or cut the search with --max-depth or --max-states",
		x.depth, toGo(x.opt.Frontier.Len()), x.p.Threads[s.thread].Name, what, first.vals[s], first.depth, last.vals[s], last.depth, n)
}

// growthLook is the integers of a configuration lookForGrowth looked at,
// each by its thread, code and slot (its variable) or operand.
type growthLook struct {
	depth int
	vals  map[growthSlot]int64
	most  map[growthSlot]int64 // the largest magnitude of each at the samples since (sample)
}

// growthSample is how many levels apart lookForGrowth samples the values
// between its looks.
const growthSample = 50

type growthSlot struct {
	thread, code, slot int // slot: a variable's; -1-k: the k-th operand
}

func lookAt(p *Program, c *Config, depth int) *growthLook {
	g := &growthLook{depth: depth, vals: map[growthSlot]int64{}}
	eachInt(p, c, func(s growthSlot, n int64, _ *Frame) {
		if _, ok := g.vals[s]; !ok {
			g.vals[s] = n
		}
	})
	return g
}

// eachInt calls f on every integer of c's threads' frames, with its frame,
// the outermost frame of a code first.
func eachInt(p *Program, c *Config, f func(growthSlot, int64, *Frame)) {
	for t, th := range c.Threads {
		for j := range th.Frames {
			fr := &th.Frames[j]
			for i, v := range fr.Slots {
				if v.K == VInt && i < len(p.Codes[fr.Code].SlotNames) {
					f(growthSlot{t, int(fr.Code), i}, v.N, fr)
				}
			}
			for k, v := range fr.Stack {
				if v.K == VInt {
					f(growthSlot{t, int(fr.Code), -1 - k}, v.N, fr)
				}
			}
		}
	}
}

// grown finds an integer of c that grew in magnitude since g's look by at
// least least, and beyond every sample since, and names it.
func (g *growthLook) grown(p *Program, c *Config, least int64) (t int, what string, from, to int64, ok bool) {
	s, n, what, ok := firstSlot(p, c, func(s growthSlot, n int64, _ *Frame) bool { return g.grew(s, n, least) })
	if !ok {
		return 0, "", 0, 0, false
	}
	return s.thread, what, g.vals[s], n, true
}

// leastGrowth is how much a value must grow over the given steps to be
// named: one in 64 of them, and 2 at least (a counter that moves with
// the search).
func leastGrowth(steps int) int64 { return max(int64(steps)/64, 2) }

// grew reports whether slot s, now n, grew in magnitude since g's look by
// at least least, and beyond its magnitude at every sample since.
func (g *growthLook) grew(s growthSlot, n int64, least int64) bool {
	was, in := g.vals[s]
	return in && abs64(n)-abs64(was) >= least && abs64(n) > g.most[s]
}

// sample notes the magnitude of each integer of c (each slot's outermost
// value), for grew.
func (g *growthLook) sample(p *Program, c *Config) {
	if g.most == nil {
		g.most = map[growthSlot]int64{}
	}
	seen := map[growthSlot]bool{}
	eachInt(p, c, func(s growthSlot, n int64, _ *Frame) {
		if !seen[s] {
			seen[s] = true
			g.most[s] = max(g.most[s], abs64(n))
		}
	})
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// firstSlot is the first integer of c, in eachInt's order, that ok
// accepts (each slot's outermost value only): its slot, its value and
// what it is, for a hint.
func firstSlot(p *Program, c *Config, ok func(growthSlot, int64, *Frame) bool) (s growthSlot, n int64, what string, found bool) {
	seen := map[growthSlot]bool{}
	eachInt(p, c, func(sl growthSlot, v int64, fr *Frame) {
		if found || seen[sl] {
			return
		}
		seen[sl] = true
		if !ok(sl, v, fr) {
			return
		}
		s, n, found = sl, v, true
		code := p.Codes[fr.Code]
		switch in := code.Instrs[fr.PC]; {
		case sl.slot >= 0:
			what = fmt.Sprintf("variable %s (in %s)", code.SlotNames[sl.slot], p.CodeName(fr.Code))
		case (in.Op == ICall || in.Op == ITail) && int(in.A) < len(p.Threads[sl.thread].Funs):
			what = fmt.Sprintf("an argument of the call to %s (in %s, %s)", p.Threads[sl.thread].Funs[in.A], p.CodeName(fr.Code), p.where(in.Node))
		default:
			what = "a value being computed (in " + p.CodeName(fr.Code) + ")"
		}
	})
	return s, n, what, found
}

// pileUp is the service with the most live sessions in c, how many, and
// the threads holding their roles.
func pileUp(p *Program, c *Config) (svc, n int, holders string) {
	count := map[int]int{}
	for _, in := range c.Insts {
		count[in.Service]++
		if k := count[in.Service]; k > n || k == n && in.Service < svc {
			svc, n = in.Service, k
		}
	}
	var names []string
	for _, in := range c.Insts {
		if in.Service != svc {
			continue
		}
		for _, e := range in.Ends {
			if name := p.Threads[e.Holder].Name; !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return svc, n, strings.Join(names, ", ")
}

// toGo counts the configurations left in the frontier, for a hint (found
// by a tester: "only 1 configurations to go").
func toGo(n int64) string {
	if n == 1 {
		return "1 configuration"
	}
	return fmt.Sprintf("%d configurations", n)
}
