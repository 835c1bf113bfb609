package statespace

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcheck/mcheck/store"
)

// Simulation: random walks through the semantics, for models too large to
// explore exhaustively. A walk starts at the initial configuration and takes
// one step at a time, chosen by a scheduler from a seeded generator, until
// it reaches a configuration with no step, a violation, or its depth. Every
// configuration it passes is judged as the explorer judges one it expands:
// every one of its steps (not only the one taken) by Checker.CheckStep, and
// the configuration itself by CheckTerminal when it has no step. Walks do
// not remember what they visited: a simulation never proves anything.
//
// Walk i uses the seed Seed+i, and results are merged in walk order: the
// violation reported is that of the lowest-numbered walk that finds one,
// and the statistics cover the walks up to it, so a simulation bounded by
// Runs gives the same result whatever the number of workers.

// Scheduler is how a walk picks its next step among the enabled ones.
type Scheduler uint8

const (
	// SchedThread picks a thread uniformly among the threads with an
	// enabled step (the update's introduction and the barrier's release,
	// which belong to no thread, count as one more), then one of its steps
	// uniformly. A busy thread with many enabled steps gets no more turns
	// than an idle one, so every thread advances.
	SchedThread Scheduler = iota
	// SchedMove picks uniformly among all enabled steps: a thread with many
	// enabled steps (a receive from many senders, a choose) runs more often.
	SchedMove
)

// SchedulerNames lists the schedulers, the default first.
var SchedulerNames = []string{"thread", "move"}

func (s Scheduler) String() string {
	if int(s) < len(SchedulerNames) {
		return SchedulerNames[s]
	}
	return fmt.Sprintf("scheduler(%d)", uint8(s))
}

// ParseScheduler parses a scheduler name.
func ParseScheduler(name string) (Scheduler, error) {
	for i, n := range SchedulerNames {
		if n == name {
			return Scheduler(i), nil
		}
	}
	return 0, fmt.Errorf("unknown scheduler %q (known: thread, move)", name)
}

// Defaults of a simulation.
const (
	DefaultSimDepth = 10000 // steps per walk
	DefaultSimRuns  = 100   // walks, when neither Runs nor Time is given
)

// SimOptions configure a simulation.
type SimOptions struct {
	Checker Checker
	Seed    uint64
	// Depth is the most steps a walk takes; 0: DefaultSimDepth.
	Depth int
	// Runs is the number of walks; Time bounds the simulation's duration.
	// With both, whichever comes first; with neither, DefaultSimRuns walks.
	Runs int64
	Time time.Duration
	// Workers run walks in parallel; 0: runtime.NumCPU().
	Workers   int
	Scheduler Scheduler
	// Swarm, when positive, varies the walks: walk i is walked by swarm
	// member i mod Swarm, whose configuration is SwarmMember says.
	Swarm int
	// Coverage follows which visible instructions and local-type states the
	// walks reached (SimResult.Unreached), and, when the Semantics has a
	// Reach, which instructions (Unreached.Lines): each walk records its
	// own, merged into Reach in walk order.
	Coverage bool
	// Shrink, if set, looks for a shorter run to the violation found.
	Shrink *ShrinkOptions
	// MaxDistinct caps the count of distinct configurations the walks
	// passed (SimResult.Distinct): past it they are no longer followed;
	// 0: DefaultMaxDistinct, negative: none are counted.
	MaxDistinct int64
	// Progress, if set, is called about every SimProgressEvery while the
	// simulation runs (its shrinking too), from a goroutine of its own,
	// and once as the shrinking of the violation found begins; one call at
	// a time.
	Progress func(SimProgress)
}

// SimProgress is how far a simulation has got: the walks merged so far
// (in order, as SimResult counts them) and their steps, the distinct
// configurations passed, and the phase.
type SimProgress struct {
	Phase    string // "walks", or "shrinking" the violation found
	Walks    int64
	Steps    int64
	Distinct int64
	Elapsed  time.Duration
}

// SimProgressEvery is how often SimOptions.Progress is called.
const SimProgressEvery = 200 * time.Millisecond

// DefaultMaxDistinct is how many distinct configurations a simulation
// counts exactly before it stops counting (about 20 bytes each, besides
// the tables of their parts).
const DefaultMaxDistinct = 10_000_000

// WalkConfig is how one walk is walked.
type WalkConfig struct {
	Run       int64 // the walk's number, from 0
	Seed      uint64
	Scheduler Scheduler
	Depth     int
	// Stick is the probability of taking another step of the thread that
	// took the previous one, when it has one (0 for a plain walk).
	Stick float64
	// Member is the swarm member walking it (-1 without a swarm).
	Member int
}

func (w WalkConfig) String() string {
	s := fmt.Sprintf("walk %d (seed %d, scheduler %s, depth %d", w.Run, w.Seed, w.Scheduler, w.Depth)
	if w.Member >= 0 {
		s += fmt.Sprintf(", swarm member %d", w.Member)
		if w.Stick > 0 {
			s += fmt.Sprintf(", same thread again with probability %g", w.Stick)
		}
	}
	return s + ")"
}

// swarmSticks are the stickiness levels of swarm members.
var swarmSticks = []float64{0, 0.5, 0.875}

// SwarmMember is the configuration of swarm member j (from 0): member j
// uses the options' scheduler if j is even and the other one if odd; keeps
// to the thread that took the previous step with probability 0, 1/2 or 7/8
// (by (j/2) mod 3); and walks up to Depth, Depth/2 or Depth/4 steps (by
// (j/6) mod 3). Member 0 is a plain walker.
func (o *SimOptions) SwarmMember(j int) WalkConfig {
	w := WalkConfig{Scheduler: o.Scheduler, Depth: o.depth(), Member: j}
	if j%2 == 1 {
		w.Scheduler = 1 - o.Scheduler
	}
	w.Stick = swarmSticks[(j/2)%len(swarmSticks)]
	w.Depth = max(w.Depth>>((j/6)%3), 1)
	return w
}

// Walk is the configuration of walk i.
func (o *SimOptions) Walk(i int64) WalkConfig {
	w := WalkConfig{Scheduler: o.Scheduler, Depth: o.depth(), Member: -1}
	if o.Swarm > 0 {
		w = o.SwarmMember(int(i % int64(o.Swarm)))
	}
	w.Run, w.Seed = i, o.Seed+uint64(i)
	return w
}

func (o *SimOptions) depth() int {
	if o.Depth <= 0 {
		return DefaultSimDepth
	}
	return o.Depth
}

// SimResult is the outcome of a simulation.
type SimResult struct {
	// Verdict is Violated or Unknown: a simulation never proves.
	Verdict Verdict
	// Violation is the first violation found, with the walk's own trace.
	Violation *Violation
	// Found is the walk that found it.
	Found WalkConfig
	// Shrunk is the shortest run to the same violation that shrinking
	// found (nil without SimOptions.Shrink).
	Shrunk *ShrinkResult
	// Runs counts the walks completed (up to the one that found the
	// violation); Steps the steps they took; Deepest the longest walk.
	Runs    int64
	Steps   int64
	Deepest int
	// Ended counts walks that reached a configuration with no step (every
	// thread finished, or only the capacity held the system); Cut those
	// stopped at their depth.
	Ended int64
	Cut   int64
	// CapacityHits counts the visits of configurations in which a send
	// was held back by the queue bound (a configuration at each visit).
	CapacityHits int64
	// Partial counts the walks a deadline or an interruption cut short, and
	// PartialSteps their steps: they are not among Runs (whose counts do
	// not depend on timing), but what they passed counts in Introduced,
	// CapacityHits, Distinct and the coverage (adversarial tester: a run of
	// long walks cut by --time reported 0 steps and that no walk had
	// introduced the update).
	Partial      int64
	PartialSteps int64
	// Introduced is set when some walk introduced the update.
	Introduced bool
	// Distinct is the number of distinct configurations the walks passed
	// (the initial one and those their steps led to), counted exactly
	// with the explorer's keys; DistinctCapped is set when the count
	// stopped at SimOptions.MaxDistinct (or the tables failed): there were
	// at least Distinct. Both are 0 when not counted.
	Distinct       int64
	DistinctCapped bool
	// Unreached, with SimOptions.Coverage, is what no walk exercised.
	Unreached *Unreached
	// TimedOut: SimOptions.Time ended the simulation; Interrupted: its
	// context was cancelled.
	TimedOut    bool
	Interrupted bool
	Elapsed     time.Duration
}

// violation kinds: where a walk's violation is.
type violWhere uint8

const (
	violInitial  violWhere = iota // before the first step
	violStep                      // on the path's last step
	violTerminal                  // at the configuration the path ends in, which has no step
)

// walkOut is the outcome of one walk.
type walkOut struct {
	cfg        WalkConfig
	aborted    bool
	steps      int
	ended, cut bool
	capHits    int64
	introduced bool
	viol       *Violation
	where      violWhere
	path       []uint32
	cov        *coverage
	reach      *Reached // the instructions the walk reached, with coverage of lines
	// keys are the keys of the configurations the walk passed, in order
	// (nil when not counted); keysLost is set when counting stopped
	// part-way.
	keys     []uint64
	keysLost bool
}

// Simulate walks the semantics at random, as SimOptions say, and stops at
// the first violation (then shrunk, with SimOptions.Shrink). Cancelling ctx
// stops it with Interrupted set and the statistics so far.
func Simulate(ctx context.Context, sem *Semantics, o SimOptions) (*SimResult, error) {
	if o.Checker == nil {
		return nil, errors.New("statespace: a simulation needs a Checker")
	}
	if o.Runs <= 0 && o.Time <= 0 {
		o.Runs = DefaultSimRuns
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if o.Runs > 0 {
		workers = int(min(int64(workers), o.Runs))
	}
	start := time.Now()
	wctx := ctx
	if o.Time > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, o.Time)
		defer cancel()
	}
	r := &simRun{sem: sem, o: &o, res: &SimResult{Verdict: Unknown}, pending: map[int64]*walkOut{}}
	r.stopAt.Store(int64(^uint64(0) >> 1))
	if o.Coverage {
		cv := sem.P.newCoverage()
		r.cov = &cv
	}
	if o.MaxDistinct >= 0 {
		r.dist = newDistinct(sem.P, o.MaxDistinct)
		defer r.dist.close()
	}
	if o.Progress != nil {
		stop := every(SimProgressEvery, func() { r.tell(start) })
		defer stop()
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.worker(wctx)
		}()
	}
	wg.Wait()
	r.mu.Lock()
	r.flush()
	r.mu.Unlock()
	res := r.res
	res.Interrupted = ctx.Err() != nil
	res.TimedOut = !res.Interrupted && wctx.Err() != nil && r.timeCut.Load()
	if r.cov != nil {
		res.Unreached = r.cov.unreached(sem.P)
		if sem.Reach != nil {
			// Before shrinking, which reaches other code.
			res.Unreached.Lines = sem.Reach.Lines(sem.P)
		}
	}
	if r.dist != nil {
		res.Distinct, res.DistinctCapped = r.dist.set.Len(), r.dist.full.Load()
	}
	var err error
	if r.first != nil {
		if o.Shrink != nil && o.Progress != nil {
			r.shrinking.Store(true)
			r.tell(start)
		}
		err = r.report(ctx)
	}
	res.Elapsed = time.Since(start)
	return res, err
}

// tell calls SimOptions.Progress, one call at a time (the ticker's and
// the one as shrinking begins may meet).
func (r *simRun) tell(start time.Time) {
	r.telling.Lock()
	defer r.telling.Unlock()
	r.o.Progress(r.progress(start))
}

// every calls f every d, from a goroutine of its own, until the function
// it returns is called (which waits for the last call to return).
func every(d time.Duration, f func()) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				f()
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// progress is the simulation's progress now.
func (r *simRun) progress(start time.Time) SimProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := SimProgress{Phase: "walks", Walks: r.res.Runs, Steps: r.res.Steps, Elapsed: time.Since(start)}
	if r.dist != nil {
		p.Distinct = r.dist.set.Len()
	}
	if r.shrinking.Load() {
		p.Phase = "shrinking"
	}
	return p
}

// simRun is the state of one simulation, shared by its workers.
type simRun struct {
	sem  *Semantics
	o    *SimOptions
	next atomic.Int64 // the next walk to start
	// stopAt is the lowest walk that found a violation: no walk after it
	// starts, and those running stop.
	stopAt atomic.Int64

	mu      sync.Mutex
	pending map[int64]*walkOut // finished walks not merged yet
	merged  int64              // walks 0..merged-1 are merged
	res     *SimResult
	cov     *coverage
	dist    *distinct // nil: distinct configurations not counted
	first   *walkOut  // the merged walk with the violation
	// shrinking is set while the violation found is shrunk (SimProgress).
	shrinking atomic.Bool
	// timeCut: the deadline (or an interruption) stopped a walk, or kept
	// one from starting, that would otherwise have been taken: TimedOut
	// only then (found by a tester: --time 1ms "ended" a simulation whose
	// one walk had gone to its end).
	timeCut atomic.Bool
	telling sync.Mutex // held while SimOptions.Progress is called
}

func (r *simRun) worker(ctx context.Context) {
	var ws *walkScratch
	for {
		i := r.next.Add(1) - 1
		if (r.o.Runs > 0 && i >= r.o.Runs) || i > r.stopAt.Load() {
			return
		}
		if ctx.Err() != nil {
			r.timeCut.Store(true)
			return
		}
		cfg := r.o.Walk(i)
		if ws == nil && r.dist != nil {
			ws = newWalkScratch(r.sem, r.dist)
		}
		out := walkIn(r.sem, r.o.Checker, cfg, r.o.Coverage, r.dist, ws, func() bool {
			if i > r.stopAt.Load() {
				return true
			}
			if ctx.Err() != nil {
				r.timeCut.Store(true)
				return true
			}
			return false
		})
		if out.viol != nil {
			ws = nil // what the violation holds may be in the arena: a fresh one
			for {
				cur := r.stopAt.Load()
				if i >= cur || r.stopAt.CompareAndSwap(cur, i) {
					break
				}
			}
		}
		r.mu.Lock()
		r.pending[i] = out
		for {
			w, ok := r.pending[r.merged]
			if !ok || w.aborted {
				break
			}
			delete(r.pending, r.merged)
			r.merge(w)
			r.merged++
		}
		r.mu.Unlock()
	}
}

// flush merges the walks left after the workers stopped (beyond a walk
// aborted by a deadline or an interruption), in order, up to the first
// violation.
func (r *simRun) flush() {
	stop := r.stopAt.Load()
	for len(r.pending) > 0 {
		i := r.merged
		r.merged++
		w, ok := r.pending[i]
		if !ok {
			continue
		}
		delete(r.pending, i)
		switch {
		case i > stop:
		case w.aborted:
			r.mergePartial(w)
		default:
			r.merge(w)
		}
	}
}

// mergePartial adds what a walk cut short by a deadline or an interruption
// passed (not a walk of Runs).
func (r *simRun) mergePartial(w *walkOut) {
	if r.first != nil {
		return
	}
	r.res.Partial++
	r.res.PartialSteps += int64(w.steps)
	r.passed(w)
}

// passed adds what walk w passed, finished or not: the capacity's hits,
// the update introduced, the coverage, the distinct configurations.
func (r *simRun) passed(w *walkOut) {
	r.res.CapacityHits += w.capHits
	r.res.Introduced = r.res.Introduced || w.introduced
	if r.cov != nil && w.cov != nil {
		r.cov.merge(*w.cov)
	}
	if w.reach != nil {
		r.sem.Reach.merge(w.reach)
	}
	if r.dist != nil {
		r.dist.add(w)
	}
}

// merge adds a finished walk to the result (walks come in order; none
// after the first violation counts).
func (r *simRun) merge(w *walkOut) {
	if r.first != nil {
		return
	}
	res := r.res
	res.Runs++
	res.Steps += int64(w.steps)
	res.Deepest = max(res.Deepest, w.steps)
	if w.ended {
		res.Ended++
	}
	if w.cut {
		res.Cut++
	}
	r.passed(w)
	if w.viol != nil {
		r.first = w
		res.Found = w.cfg
	}
}

// report replays the first violation's walk, so that its report has the
// trace and the final configuration, and shrinks it.
func (r *simRun) report(ctx context.Context) error {
	v, sh, err := reportFound(ctx, r.sem, r.o.Checker, r.o.Shrink, r.o.Workers, r.first.path, r.first.where)
	if err != nil {
		return err
	}
	r.res.Violation, r.res.Verdict, r.res.Shrunk = v, Violated, sh
	return nil
}

// reportFound replays the run path to a violation (where says where in it),
// so that its report has the trace and the final configuration, and
// shrinks it with so (nil: not shrunk). A failure to shrink loses nothing:
// the violation stands as found, with ShrinkResult.Err set.
func reportFound(ctx context.Context, sem *Semantics, chk Checker, so *ShrinkOptions, workers int, path []uint32, where violWhere) (*Violation, *ShrinkResult, error) {
	v, err := judgePath(sem, chk, path, where)
	if err != nil {
		return nil, nil, err
	}
	if so == nil || ctx.Err() != nil {
		return v, nil, nil
	}
	o := *so
	if o.Checker == nil {
		o.Checker = chk
	}
	if o.Workers == 0 {
		o.Workers = workers
	}
	// A failure to shrink (a store that cannot be opened) loses nothing:
	// the violation stands, as found.
	sh, err := Shrink(ctx, sem, v, o)
	if sh == nil {
		sh = &ShrinkResult{Violation: v, From: len(v.Path)}
	}
	if err != nil {
		sh.Violation, sh.Method, sh.Shortest, sh.Err = v, "", false, err
	}
	return v, sh, nil
}

// judgePath replays path and judges where it ends, as the walk did: its
// last step, or the configuration it reaches (which has no step), or the
// initial configuration's own step.
func judgePath(sem *Semantics, chk Checker, path []uint32, where violWhere) (*Violation, error) {
	tr, err := ReplayPath(sem, path)
	if err != nil {
		return nil, err
	}
	p := sem.P
	var v *Violation
	switch where {
	case violInitial:
		init, fault := sem.Initial()
		v = chk.CheckStep(p, nil, initialStep(init, fault))
	case violStep:
		if tr.Last != nil {
			v = chk.CheckStep(p, tr.Before, tr.Last)
		}
	case violTerminal:
		if succs, info := sem.Successors(tr.Final); len(succs) == 0 {
			v = chk.CheckTerminal(p, tr.Final, info)
		}
	}
	if v == nil {
		return nil, errors.New("statespace: a walk's violation did not recur when its run was replayed")
	}
	v.Trace, v.Path, v.Final = tr.Steps, append([]uint32{}, path...), sem.Describe(tr.Final)
	v.SessionMixed = LastSessionMixed(p, tr, v, where == violTerminal)
	return v, nil
}

// initialStep is the step that builds the initial configuration, as the
// explorer judges it.
func initialStep(init *Config, fault *Fault) *Succ {
	return &Succ{Next: init, Fault: fault, Action: Action{Kind: ActFault, Thread: faultThread(fault), Code: -1, Label: -1}}
}

// walkScratch is what a simulation's worker reuses from walk to walk: an
// arena for the configuration it stands at and its successors, and the
// thread memo (memo.go) over the distinct count's tables, whose cursor is
// that configuration (rebuilt from the tables at every step, distinct.pass).
type walkScratch struct {
	arena Arena
	cur   cursor
}

func newWalkScratch(sem *Semantics, dist *distinct) *walkScratch {
	ws := &walkScratch{}
	if !dependsOnPoint(sem.Strategy) {
		ws.arena.memo = newThreadMemo(dist.trees, &ws.cur)
	}
	return ws
}

// walk takes one random walk. abort is asked before every step. With
// dist, the keys of the configurations it passes are recorded (out.keys).
func walk(sem *Semantics, chk Checker, cfg WalkConfig, withCov bool, dist *distinct, abort func() bool) *walkOut {
	return walkIn(sem, chk, cfg, withCov, dist, nil, abort)
}

// walkIn is walk with a worker's scratch (nil: none, the heap). With one,
// while the distinct configurations are counted, each configuration the
// walk stands at is rebuilt from the tables into the arena, reset first:
// only the successor taken outlives a step, as its key.
func walkIn(sem *Semantics, chk Checker, cfg WalkConfig, withCov bool, dist *distinct, ws *walkScratch, abort func() bool) *walkOut {
	p := sem.P
	out := &walkOut{cfg: cfg, path: []uint32{}}
	if withCov {
		cv := p.newCoverage()
		out.cov = &cv
		if sem.Reach != nil {
			// A record of its own, merged in walk order: a walk that does
			// not count (past the first violation) marks nothing.
			own := *sem
			own.Reach = NewReached(p)
			sem, out.reach = &own, own.Reach
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9E3779B97F4A7C15))
	c, fault := sem.Initial()
	var cur *cursor
	var arena *Arena
	if ws != nil && dist != nil {
		ws.cur.cfg = nil // the initial configuration has no parent
		cur, arena = &ws.cur, &ws.arena
	} else {
		cur = &cursor{}
	}
	if dist != nil {
		// Counted even when it violates, as check counts it (found by a
		// tester: a violation before the first step passed 0).
		out.keys = []uint64{}
		c = dist.pass(out, cur, c, arena)
	}
	if v := chk.CheckStep(p, nil, initialStep(c, fault)); v != nil {
		out.viol, out.where = v, violInitial
		return out
	}
	last := -2 // the thread of the previous step (-2: none)
	var groups []int
	for depth := 0; ; depth++ {
		if abort() {
			out.aborted = true
			return out
		}
		if depth >= cfg.Depth {
			// The configuration the walk reached in its last step is
			// passed, so judged: with no step it is a terminal one, and
			// the walk ended there rather than being cut (found by a
			// tester: a deadlock exactly --depth steps deep was counted
			// but never judged).
			if succs, info := sem.Successors(c); len(succs) == 0 {
				if info.CapacityBlocked {
					out.capHits++
				}
				out.ended = true
				if v := chk.CheckTerminal(p, c, info); v != nil {
					out.viol, out.where = v, violTerminal
				}
				return out
			}
			out.cut = true
			return out
		}
		succs, info := sem.Successors(c)
		if info.CapacityBlocked {
			out.capHits++
		}
		if len(succs) == 0 {
			out.ended = true
			if v := chk.CheckTerminal(p, c, info); v != nil {
				out.viol, out.where = v, violTerminal
			}
			return out
		}
		for i := range succs {
			if out.cov != nil {
				out.cov.step(p, c, &succs[i])
			}
			if v := chk.CheckStep(p, c, &succs[i]); v != nil {
				out.viol, out.where = v, violStep
				out.path = append(out.path, uint32(i))
				out.steps++
				return out
			}
		}
		var k int
		k, groups = pick(rng, succs, cfg, last, groups)
		if succs[k].Action.Kind == ActIntroduce {
			out.introduced = true
		}
		last = succs[k].Action.Thread
		out.path = append(out.path, uint32(k))
		out.steps++
		c = succs[k].Next
		if out.keys != nil {
			c = dist.pass(out, cur, c, arena)
		}
	}
}

// distinct counts the distinct configurations the walks pass, exactly: each
// is interned in the explorer's tables of parts (tree.go), whose 64-bit
// keys are equal iff the configurations are, and the walks' keys go to a
// set in walk order (so the count does not depend on the workers). Tables
// and set grow with the configurations counted, up to max.
type distinct struct {
	trees *trees
	set   *store.MemorySet
	max   int64
	full  atomic.Bool // the count stopped: walks record no more keys
}

func newDistinct(p *Program, max int64) *distinct {
	if max == 0 {
		max = DefaultMaxDistinct
	}
	return &distinct{trees: newTrees(p), set: store.NewMemorySet(), max: max}
}

// pass records that a walk passed c, the initial configuration (cur has
// no parent yet) or a successor of cur's, and returns the configuration to
// walk on from: c as rebuilt from the tables, whose parts the next keys
// share, so that a successor's key costs only the parts its step changed;
// in a, reset first, if a is not nil (c may be in a: it is not used
// afterwards). Once the count is full (or the tables fail) the walk stops
// recording and c is returned as it is (and a is not reset: c may be in it).
func (d *distinct) pass(out *walkOut, cur *cursor, c *Config, a *Arena) *Config {
	if out.keys == nil {
		return c
	}
	if d.full.Load() {
		out.keys, out.keysLost = nil, true
		return c
	}
	k, err := d.trees.key(cur, c)
	if err != nil {
		out.keys, out.keysLost = nil, true
		return c
	}
	out.keys = append(out.keys, k)
	if a != nil {
		a.Reset()
	}
	return d.trees.decode(k, a, cur)
}

// add counts a merged walk's configurations.
func (d *distinct) add(w *walkOut) {
	if d.full.Load() {
		return
	}
	if w.keysLost {
		d.full.Store(true) // counting stopped part-way: at least this many
	}
	for _, k := range w.keys {
		d.set.Add(k)
	}
	if d.set.Len() >= d.max {
		d.full.Store(true)
	}
}

// merge marks what o reached.
func (r *Reached) merge(o *Reached) {
	for i := range o.hit {
		if o.hit[i].Load() {
			r.mark1(i)
		}
	}
}

func (r *Reached) mark1(i int) {
	if !r.hit[i].Load() {
		r.hit[i].Store(true)
	}
}

func (d *distinct) close() {
	d.trees.close()
	_ = d.set.Close()
}

// pick chooses the index of the next step. groups is scratch space.
func pick(rng *rand.Rand, succs []Succ, cfg WalkConfig, last int, groups []int) (int, []int) {
	if cfg.Stick > 0 && last != -2 && rng.Float64() < cfg.Stick {
		if k, ok := pickOf(rng, succs, last); ok {
			return k, groups
		}
	}
	if cfg.Scheduler == SchedMove {
		return rng.IntN(len(succs)), groups
	}
	groups = groups[:0]
	for i := range succs {
		t := succs[i].Action.Thread
		seen := false
		for _, g := range groups {
			if g == t {
				seen = true
				break
			}
		}
		if !seen {
			groups = append(groups, t)
		}
	}
	k, _ := pickOf(rng, succs, groups[rng.IntN(len(groups))])
	return k, groups
}

// pickOf picks uniformly among the steps of thread t (-1: the steps of no
// thread); false if it has none.
func pickOf(rng *rand.Rand, succs []Succ, t int) (int, bool) {
	n := 0
	for i := range succs {
		if succs[i].Action.Thread == t {
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	j := rng.IntN(n)
	for i := range succs {
		if succs[i].Action.Thread == t {
			if j == 0 {
				return i, true
			}
			j--
		}
	}
	panic("unreachable")
}
