package statespace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/mcheck/mcheck/store"
)

// A bitstate swarm (SPIN's swarm verification, Holzmann, Joshi and Groce
// 2008): many small searches, each with a bit array of its own (bitstate
// hashing, store.BitstateSet), configured differently so that they omit
// different configurations and reach different depths, run in parallel. A
// member is a depth-first search with a depth bound, its successors taken
// in an order of its own (a seeded shuffle, or a seeded priority of
// threads), or a breadth-first search; every member hashes with a seed of
// its own. Like the explorer, a member judges every step of every
// configuration it expands and the configuration itself when it has no
// step. A configuration's key for the bit array is a seeded 64-bit hash
// of its canonical encoding: the array is lossy anyway, and the search
// then needs no table that grows with the configurations.
//
// Members are numbered from 0 and results are merged in member order: the
// violation reported is that of the lowest-numbered member that finds one
// (the members after it stop at once, those before it go on to their end),
// so a swarm bounded by MaxStates gives the same result whatever the
// number of workers. A swarm never proves anything.

// SearchKind is how a swarm member searches.
type SearchKind uint8

const (
	SearchDFS SearchKind = iota // depth-first, with a depth bound
	SearchBFS                   // breadth-first
)

// SuccOrder is the order in which a member takes successors (a
// breadth-first member shuffles them: when MaxStates cuts it, members
// differ in which configurations of the last level they stored).
type SuccOrder uint8

const (
	// OrderShuffle takes each configuration's successors in a fresh
	// random order (SPIN's -DT_RAND).
	OrderShuffle SuccOrder = iota
	// OrderThreads ranks the threads once, at random (the update's
	// introduction and the barrier's release, which belong to no thread,
	// get a rank too), and takes the steps of the best-ranked thread that
	// can move first, each thread's own in random order (SPIN's
	// -DP_RAND): the search follows a few threads far before the others.
	OrderThreads
)

// Defaults of a swarm.
const (
	DefaultSwarmMembers = 8
	DefaultSwarmBits    = 27      // 2^27 bits, 16 MiB per member
	DefaultSwarmStates  = 200_000 // states each member may store
)

// SwarmOptions configure a bitstate swarm.
type SwarmOptions struct {
	Checker Checker
	// Members is the number of searches; 0: DefaultSwarmMembers.
	Members int
	// Seed chooses every member's hash function and order.
	Seed uint64
	// Bits: each member's array has 2^Bits bits; 0: DefaultSwarmBits.
	Bits uint
	// MaxStates is the most states a member stores; 0:
	// DefaultSwarmStates, negative: no bound (a member ends when it finds
	// nothing new, which a large model's may not for a long time).
	MaxStates int64
	// Depth bounds every member's runs (0: DefaultSimDepth); see Member.
	Depth int
	// Time bounds the swarm's duration (0: none).
	Time time.Duration
	// Workers run members in parallel; 0: runtime.NumCPU().
	Workers int
	// Coverage follows what the members reached (SwarmResult.Unreached;
	// with a Reach in the Semantics, the source lines too).
	Coverage bool
	// Spill configures the frontier and links of breadth-first members.
	Spill store.SpillOptions
	// Shrink, if set, looks for a shorter run to the violation found.
	Shrink *ShrinkOptions
	// Progress, if set, is called about every SimProgressEvery while the
	// swarm runs (its shrinking too), from a goroutine of its own, and
	// once as the shrinking of the violation found begins; one call at a
	// time.
	Progress func(SwarmProgress)
}

// SwarmProgress is how far a swarm has got: the members merged so far (in
// order, as SwarmResult lists them) of its members, the states they
// stored, and the phase.
type SwarmProgress struct {
	Phase   string // "members", or "shrinking" the violation found
	Members int
	Of      int
	States  int64
	Elapsed time.Duration
}

// MemberConfig is how one swarm member searches.
type MemberConfig struct {
	Index  int
	Search SearchKind
	Order  SuccOrder // OrderShuffle for breadth-first members
	// Depth: the member follows runs of at most Depth steps (it judges
	// the steps of configurations fewer than Depth steps deep).
	Depth     int
	HashSeed  uint64
	OrderSeed uint64
	Bits      uint
	MaxStates int64 // 0: no bound
}

func (m MemberConfig) String() string {
	how := "breadth-first"
	if m.Search == SearchDFS {
		how = "depth-first, shuffled successors"
		if m.Order == OrderThreads {
			how = "depth-first, threads in a random priority"
		}
	}
	return fmt.Sprintf("member %d (%s, depth %d, hash seed %#x, order seed %#x)", m.Index, how, m.Depth, m.HashSeed, m.OrderSeed)
}

// Member is the configuration of member j (from 0), by j mod 4:
//
//	0: depth-first, shuffled successors, Depth
//	1: depth-first, threads in a random priority, Depth
//	2: depth-first, shuffled successors, Depth/8 (a shallower search,
//	   which backtracks sooner and covers short runs more densely)
//	3: breadth-first, shuffled successors, Depth (the shallow
//	   configurations first)
//
// Every member has a hash seed and an order seed of its own, drawn from
// Seed and j.
func (o *SwarmOptions) Member(j int) MemberConfig {
	d := o.Depth
	if d <= 0 {
		d = DefaultSimDepth
	}
	// Both seeds mix Seed with j: with Seed+j as the order seed, member j
	// of seed s made the same search as member j-4 of seed s+4 (found by
	// a tester: swarms of consecutive seeds repeated each other's work).
	m := MemberConfig{Index: j, Depth: d, Bits: o.Bits, MaxStates: o.MaxStates, OrderSeed: swarmMix(swarmMix(o.Seed) + uint64(j))}
	m.HashSeed = swarmMix(o.Seed ^ swarmMix(uint64(j)+1))
	if m.Bits == 0 {
		m.Bits = DefaultSwarmBits
	}
	switch {
	case m.MaxStates == 0:
		m.MaxStates = DefaultSwarmStates
	case m.MaxStates < 0:
		m.MaxStates = 0
	}
	switch j % 4 {
	case 1:
		m.Order = OrderThreads
	case 2:
		m.Depth = max(d/8, 1)
	case 3:
		m.Search = SearchBFS
	}
	return m
}

// swarmMix is splitmix64's finaliser.
func swarmMix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return x ^ x>>31
}

// MemberStatus is how a member's search ended.
type MemberStatus uint8

const (
	MemberEnded     MemberStatus = iota // nothing left to search: every configuration its array took for new was expanded
	MemberCut                           // MaxStates left a new state out
	MemberViolation                     // found a violation
	MemberStopped                       // Time ran out, the swarm was interrupted, or a member failed (its own search, or another's)
)

func (s MemberStatus) String() string {
	return [...]string{"ended", "cut", "violation", "stopped"}[s]
}

// MemberResult is what one member did.
type MemberResult struct {
	Config MemberConfig
	Status MemberStatus
	// States is the number of configurations stored (taken for new by the
	// bit array); Transitions the steps judged; Deepest the depth of the
	// deepest configuration expanded. DepthCut is set when some
	// configuration was not followed for being Depth steps deep.
	States      int64
	Transitions int64
	Deepest     int
	DepthCut    bool
	// The bit array at the end (store.BitstateSet): the fraction of bits
	// set, the probability that a new configuration would now be taken
	// for one seen, and the expected number of configurations omitted.
	Fill              float64
	OmissionProb      float64
	ExpectedOmissions float64
	HashFactor        float64
	Summary           string
	Elapsed           time.Duration
}

// SwarmResult is the outcome of a swarm.
type SwarmResult struct {
	// Verdict is Violated or Unknown: a swarm never proves.
	Verdict   Verdict
	Violation *Violation
	// Found is the member that found it (-1: none).
	Found  int
	Shrunk *ShrinkResult
	// Members are the members merged, in order: every member up to the
	// one that found the violation (members after it do not count).
	Members []MemberResult
	// Introduced is set when some member introduced the update.
	Introduced bool
	// Unreached, with SwarmOptions.Coverage, is what no member exercised.
	Unreached   *Unreached
	TimedOut    bool
	Interrupted bool
	Elapsed     time.Duration
}

// memberOut is a member's outcome, before merging.
type memberOut struct {
	res        MemberResult
	aborted    bool // stopped by a lower member's violation: does not count
	introduced bool
	viol       *Violation
	where      violWhere
	path       []uint32
	cov        *coverage
	reach      *Reached
	err        error
}

// BitstateSwarm runs a swarm of bitstate searches as SwarmOptions say and
// stops at the first violation (then shrunk, with SwarmOptions.Shrink).
// Cancelling ctx stops it with Interrupted set and the members so far. A
// swarm whose bit arrays cannot be had fails before any member starts: an
// empty result, and the error.
func BitstateSwarm(ctx context.Context, sem *Semantics, o SwarmOptions) (*SwarmResult, error) {
	if o.Checker == nil {
		return nil, errors.New("statespace: a swarm needs a Checker")
	}
	if o.Members <= 0 {
		o.Members = DefaultSwarmMembers
	}
	if o.Bits != 0 && (o.Bits < store.MinBitstateBits || o.Bits > store.MaxBitstateBits) {
		return nil, fmt.Errorf("statespace: a swarm member's bit array must have 2^%d to 2^%d bits, got 2^%d", store.MinBitstateBits, store.MaxBitstateBits, o.Bits)
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = min(workers, o.Members)
	if o.Bits != 0 {
		// Members that run at once each have an array: together they must
		// fit (the arrays are mapped lazily, so too many would be killed
		// by the system half-way, not refused).
		if err := store.BitArraysFit(o.Bits, workers); err != nil {
			// A run that failed, with nothing done: its result says so
			// (found by a tester: swarm --json wrote no line for it, as
			// check does for a bit array it cannot have).
			return &SwarmResult{Verdict: Unknown, Found: -1}, err
		}
	}
	start := time.Now()
	wctx := ctx
	if o.Time > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, o.Time)
		defer cancel()
	}
	r := &swarmRun{sem: sem, o: &o, pending: map[int]*memberOut{}, res: &SwarmResult{Verdict: Unknown, Found: -1}}
	r.stopAt.Store(int64(^uint64(0) >> 1))
	if o.Coverage {
		cv := sem.P.newCoverage()
		r.cov = &cv
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
			res.Unreached.Lines = sem.Reach.Lines(sem.P) // before shrinking
		}
	}
	if r.err != nil {
		res.Elapsed = time.Since(start)
		return res, r.err
	}
	if r.first != nil {
		if o.Shrink != nil && o.Progress != nil {
			r.shrinking.Store(true)
			r.tell(start)
		}
		v, sh, err := reportFound(ctx, sem, o.Checker, o.Shrink, o.Workers, r.first.path, r.first.where)
		if err != nil {
			return res, err
		}
		res.Violation, res.Verdict, res.Shrunk = v, Violated, sh
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// swarmRun is the state of one swarm, shared by its workers.
type swarmRun struct {
	sem    *Semantics
	o      *SwarmOptions
	next   atomic.Int64
	stopAt atomic.Int64 // the lowest member that found a violation

	// failed is set when a member fails (a spill file): the others stop
	// then, part-way, as after an interruption (found by a tester: they
	// ran on to --time, or for ever with --max-states 0).
	failed atomic.Bool
	// timeCut: the deadline (or an interruption) stopped a member, or kept
	// one from starting: TimedOut only then (found by a tester: --time
	// 1ms "ended" a swarm whose members had all gone to their ends).
	timeCut atomic.Bool

	mu      sync.Mutex
	pending map[int]*memberOut
	merged  int
	res     *SwarmResult
	cov     *coverage
	first   *memberOut
	err     error // the first member that failed (a spill file), in order
	// shrinking is set while the violation found is shrunk (SwarmProgress).
	shrinking atomic.Bool
	// states is the sum of the States of the first counted members.
	states  int64
	counted int
	telling sync.Mutex // held while SwarmOptions.Progress is called
}

// tell calls SwarmOptions.Progress, one call at a time (the ticker's and
// the one as shrinking begins may meet).
func (r *swarmRun) tell(start time.Time) {
	r.telling.Lock()
	defer r.telling.Unlock()
	r.o.Progress(r.progress(start))
}

// progress is the swarm's progress now.
func (r *swarmRun) progress(start time.Time) SwarmProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := SwarmProgress{Phase: "members", Members: len(r.res.Members), Of: r.o.Members, Elapsed: time.Since(start)}
	for _, m := range r.res.Members[r.counted:] {
		r.states += m.States
	}
	r.counted = len(r.res.Members)
	p.States = r.states
	if r.shrinking.Load() {
		p.Phase = "shrinking"
	}
	return p
}

func (r *swarmRun) worker(ctx context.Context) {
	for {
		j := r.next.Add(1) - 1
		if j >= int64(r.o.Members) || j > r.stopAt.Load() || r.failed.Load() {
			return
		}
		if ctx.Err() != nil {
			r.timeCut.Store(true)
			return
		}
		m := r.o.Member(int(j))
		out := runMember(r.sem, r.o, m, func() bool {
			if j > r.stopAt.Load() || r.failed.Load() {
				return true
			}
			if ctx.Err() != nil {
				r.timeCut.Store(true)
				return true
			}
			return false
		})
		if out.err != nil {
			r.failed.Store(true)
		}
		if out.aborted = j > r.stopAt.Load(); !out.aborted && out.viol != nil {
			for {
				cur := r.stopAt.Load()
				if j >= cur || r.stopAt.CompareAndSwap(cur, j) {
					break
				}
			}
		}
		r.mu.Lock()
		r.pending[int(j)] = out
		for {
			w, ok := r.pending[r.merged]
			if !ok {
				break
			}
			delete(r.pending, r.merged)
			r.merge(w)
			r.merged++
		}
		r.mu.Unlock()
	}
}

// flush merges what is left after the workers stopped, in order.
func (r *swarmRun) flush() {
	for len(r.pending) > 0 {
		if w, ok := r.pending[r.merged]; ok {
			delete(r.pending, r.merged)
			r.merge(w)
		}
		r.merged++
	}
}

// merge adds a member's outcome (members come in order; none after the
// first violation counts).
func (r *swarmRun) merge(w *memberOut) {
	if r.first != nil || r.err != nil || w.aborted || int64(w.res.Config.Index) > r.stopAt.Load() {
		return
	}
	res := r.res
	if w.err != nil {
		// Listed, with what it stored before it failed (found by a
		// tester: it was left out, its states uncounted).
		r.err = fmt.Errorf("swarm %s: %w", w.res.Config, w.err)
		res.Members = append(res.Members, w.res)
		return
	}
	res.Members = append(res.Members, w.res)
	res.Introduced = res.Introduced || w.introduced
	if r.cov != nil && w.cov != nil {
		r.cov.merge(*w.cov)
	}
	if w.reach != nil {
		r.sem.Reach.merge(w.reach)
	}
	if w.viol != nil {
		r.first = w
		res.Found = w.res.Config.Index
	}
}

// member is the state of one member's search.
type member struct {
	sem   *Semantics
	p     *Program
	chk   Checker
	cfg   MemberConfig
	bits  *store.BitstateSet
	rng   *rand.Rand
	rank  []int // OrderThreads: each thread's rank (the last: steps of no thread)
	hash  *xxhash.Digest
	buf   []byte
	order []int
	out   *memberOut
	abort func() bool
	n     int // expansions, for abort checks
	// The member's configurations are built in its arena: a depth-first
	// member gives a frame's successors back when it backtracks, a
	// breadth-first one resets it before each expansion.
	arena Arena
}

// runMember runs one member's search.
func runMember(sem *Semantics, o *SwarmOptions, cfg MemberConfig, abort func() bool) *memberOut {
	start := time.Now()
	out := &memberOut{res: MemberResult{Config: cfg}}
	bits, err := store.NewBitstateSet(cfg.Bits, cfg.HashSeed)
	if err != nil {
		out.err = err
		return out
	}
	defer bits.Close()
	m := &member{sem: sem, p: sem.P, chk: o.Checker, cfg: cfg, bits: bits, out: out, abort: abort,
		rng: rand.New(rand.NewPCG(cfg.OrderSeed, cfg.OrderSeed^0x9E3779B97F4A7C15)), hash: xxhash.New()}
	if o.Coverage {
		cv := sem.P.newCoverage()
		out.cov = &cv
		if sem.Reach != nil {
			own := *sem // a record of its own, merged in member order
			own.Reach = NewReached(sem.P)
			m.sem, out.reach = &own, own.Reach
		}
	}
	if cfg.Order == OrderThreads {
		m.rank = m.rng.Perm(len(sem.P.Threads) + 1)
	}
	if cfg.Search == SearchBFS {
		out.res.Status, out.err = m.bfs(o.Spill)
	} else {
		out.res.Status = m.dfs()
	}
	r := &out.res
	r.States = bits.Len()
	r.Fill, r.OmissionProb, r.ExpectedOmissions, r.HashFactor = bits.FillRatio(), bits.OmissionProb(), bits.ExpectedOmissions(), bits.HashFactor()
	r.Summary = bits.Summary()
	r.Elapsed = time.Since(start)
	return out
}

// key is c's key for the bit array: a seeded hash of its encoding, made
// of its parts' own hashes. The encoding is its parts' encodings one after
// another (Encode), and a successor shares most of its parts with its
// parent, so each part's hash (a seeded xxhash of its encoding) is kept in
// the part (its sum field) and only the parts a step made are hashed; the
// key then folds the parts' hashes in their order, with the update state
// and the counts, through an invertible mix (two configurations whose
// sequences of part hashes differ collide with probability about 2^-64).
// Against hashing the whole encoding, a member's parts never need encoding
// again. A part's sum is the member's only: every part a member sees was
// built by it (its initial configuration, its steps, in its arena; swarm
// members have no memos, so share no tables' parts), and a part is never
// changed once a configuration holds it. The sum is 0 until computed (a
// hash that is 0 is kept as 1), and every copy of a part starts from 0.
func (m *member) key(c *Config) uint64 {
	h := m.cfg.HashSeed ^ 0x243f6a8885a308d3
	fold := func(x uint64) {
		h = (h ^ x) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	fold(uint64(b2i(c.Upd.Introduced)) | uint64(uint32(c.Upd.Countdown))<<1 | uint64(len(c.Threads))<<33)
	for _, th := range c.Threads {
		if th.sum == 0 || verifyPartSums {
			th.sum = m.checkedSum(th.sum, encodeThread(m.buf[:0], th))
		}
		fold(th.sum)
	}
	fold(uint64(len(c.Insts)))
	for _, in := range c.Insts {
		if in.sum == 0 || verifyPartSums {
			in.sum = m.checkedSum(in.sum, encodeInstance(m.buf[:0], in))
		}
		fold(in.sum)
	}
	fold(uint64(len(c.Queue)))
	for _, ch := range c.Queue {
		if ch.sum == 0 || verifyPartSums {
			ch.sum = m.checkedSum(ch.sum, encodeChannel(m.buf[:0], ch))
		}
		fold(ch.sum)
	}
	return store.Mix(h)
}

// verifyPartSums makes every part's kept hash be computed again and
// compared (the package's tests set it: a part changed after its hash was
// kept would make members omit states unseen).
var verifyPartSums = false

// checkedSum is the hash of the part whose encoding is enc (in m.buf's
// memory); kept is the part's sum so far (0: none), which must agree.
func (m *member) checkedSum(kept uint64, enc []byte) uint64 {
	m.buf = enc
	sum := m.partSum()
	if kept != 0 && kept != sum {
		panic(fmt.Sprintf("statespace: a swarm member's part changed after its hash was kept (%#x, now %#x)", kept, sum))
	}
	return sum
}

// partSum is the member's seeded hash of the part encoded in m.buf (never 0).
func (m *member) partSum() uint64 {
	m.hash.ResetWithSeed(m.cfg.HashSeed)
	_, _ = m.hash.Write(m.buf)
	return max(m.hash.Sum64(), 1)
}

// full reports whether the member has stored as many states as it may.
func (m *member) full() bool {
	return m.cfg.MaxStates > 0 && m.bits.Len() >= m.cfg.MaxStates
}

// stopNow is asked before every expansion (it looks every 64).
func (m *member) stopNow() bool {
	m.n++
	return m.n%64 == 0 && m.abort()
}

// initial judges and stores the initial configuration; it reports false
// when its step is a violation.
func (m *member) initial() (*Config, bool) {
	c, fault := m.sem.Initial()
	// Stored even when it violates, as check and simulate count it.
	m.bits.Add(m.key(c))
	if v := m.chk.CheckStep(m.p, nil, initialStep(c, fault)); v != nil {
		m.found(v, violInitial, nil)
		return nil, false
	}
	return c, true
}

func (m *member) found(v *Violation, where violWhere, path []uint32) {
	m.out.viol, m.out.where, m.out.path = v, where, append([]uint32{}, path...)
}

// expand generates c's successors (depth steps from the initial
// configuration) and judges them. It returns them in the member's order
// (indices into succs), or reports a violation: of step i, or of c itself
// when it has no step (i = -1).
func (m *member) expand(c *Config, depth int) (succs []Succ, viol *Violation, i int) {
	succs, info := m.sem.Successors(c)
	m.out.res.Deepest = max(m.out.res.Deepest, depth)
	m.out.res.Transitions += int64(len(succs))
	if len(succs) == 0 {
		// (No order: the previous configuration's must not be followed;
		// a stuck configuration that breaks nothing, capacity reached say,
		// used to index the empty successors with it.)
		m.order = m.order[:0]
		return nil, m.chk.CheckTerminal(m.p, c, info), -1
	}
	for i := range succs {
		if m.out.cov != nil {
			m.out.cov.step(m.p, c, &succs[i])
		}
		if succs[i].Action.Kind == ActIntroduce {
			m.out.introduced = true
		}
		if v := m.chk.CheckStep(m.p, c, &succs[i]); v != nil {
			return succs, v, i
		}
	}
	m.orderOf(succs)
	return succs, nil, 0
}

// orderOf sets m.order to the order in which the member takes succs.
func (m *member) orderOf(succs []Succ) {
	m.order = m.order[:0]
	for i := range succs {
		m.order = append(m.order, i)
	}
	m.rng.Shuffle(len(m.order), func(a, b int) { m.order[a], m.order[b] = m.order[b], m.order[a] })
	if m.rank != nil {
		rank := func(i int) int {
			t := succs[i].Action.Thread
			if t < 0 || t >= len(m.rank)-1 {
				return m.rank[len(m.rank)-1]
			}
			return m.rank[t]
		}
		slices.SortStableFunc(m.order, func(a, b int) int { return rank(a) - rank(b) })
	}
}

// dfsFrame is a configuration on the depth-first stack: how it was reached
// from the one below, and its successors still to follow, each already
// stored in the bit array.
type dfsFrame struct {
	via  uint32
	kids []dfsKid
	next int
	mark arenaMark // the arena before the frame's successors were built
}

type dfsKid struct {
	c   *Config
	via uint32
}

// dfs is a depth-first member. A successor is stored in the bit array
// when generated, and followed later if it was new.
func (m *member) dfs() MemberStatus {
	c, ok := m.initial()
	if !ok {
		return MemberViolation
	}
	c = c.cloneIn(&m.arena)
	var stack []dfsFrame
	path := []uint32{} // the successor indices from the initial configuration
	push := func(c *Config, via uint32, depth int) MemberStatus {
		mark := m.arena.mark()
		succs, v, vi := m.expand(c, depth)
		if v != nil {
			if vi < 0 {
				m.found(v, violTerminal, path)
			} else {
				m.found(v, violStep, append(path, uint32(vi)))
			}
			return MemberViolation
		}
		f := dfsFrame{via: via, mark: mark}
		if depth+1 >= m.cfg.Depth {
			if len(succs) > 0 {
				m.out.res.DepthCut = true
			}
		} else {
			for _, i := range m.order {
				k := m.key(succs[i].Next)
				if m.full() {
					if !m.bits.Has(k) {
						return MemberCut // a new state left out
					}
					continue
				}
				if m.bits.Add(k) {
					f.kids = append(f.kids, dfsKid{succs[i].Next, uint32(i)})
				}
			}
		}
		stack = append(stack, f)
		return MemberEnded
	}
	if m.cfg.Depth <= 0 {
		return MemberEnded
	}
	if st := push(c, 0, 0); st != MemberEnded {
		return st
	}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(top.kids) {
			m.arena.rewind(top.mark)
			stack = stack[:len(stack)-1]
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
			continue
		}
		if m.stopNow() {
			return MemberStopped
		}
		k := top.kids[top.next]
		top.kids[top.next] = dfsKid{}
		top.next++
		path = append(path, k.via)
		if st := push(k.c, k.via, len(stack)); st != MemberEnded {
			return st
		}
	}
	return MemberEnded
}

// bfs is a breadth-first member: its frontier holds configurations'
// encodings (with their ids), its links the successor index that first
// reached each.
func (m *member) bfs(spill store.SpillOptions) (MemberStatus, error) {
	c, ok := m.initial()
	if !ok {
		return MemberViolation, nil
	}
	q, err := store.NewQueue(spill)
	if err != nil {
		return MemberStopped, err
	}
	defer q.Close()
	links, err := store.NewLinks(spill)
	if err != nil {
		return MemberStopped, err
	}
	defer links.Close()
	id, err := links.Append(-1, 0)
	if err != nil {
		return MemberStopped, err
	}
	var rec []byte
	push := func(id int64, c *Config) error {
		rec = binary.AppendUvarint(rec[:0], uint64(id))
		rec = m.p.Encode(rec, c)
		return q.Push(rec)
	}
	if err := push(id, c); err != nil {
		return MemberStopped, err
	}
	if m.cfg.Depth <= 0 {
		return MemberEnded, nil
	}
	for depth := 0; q.Len() > 0; depth++ {
		for level := q.Len(); level > 0; level-- {
			if m.stopNow() {
				return MemberStopped, nil
			}
			b, err := q.Pop()
			if err == io.EOF {
				return MemberStopped, errors.New("frontier ended early")
			}
			if err != nil {
				return MemberStopped, err
			}
			pid, n := binary.Uvarint(b)
			if n <= 0 {
				return MemberStopped, errCorrupt
			}
			m.arena.Reset()
			c, err := m.p.Decode(b[n:], &m.arena)
			if err != nil {
				return MemberStopped, err
			}
			succs, v, vi := m.expand(c, depth)
			if v != nil {
				path, err := PathTo(links, int64(pid))
				if err != nil {
					return MemberStopped, err
				}
				if vi < 0 {
					m.found(v, violTerminal, path)
				} else {
					m.found(v, violStep, append(path, uint32(vi)))
				}
				return MemberViolation, nil
			}
			if depth+1 >= m.cfg.Depth {
				if len(succs) > 0 {
					m.out.res.DepthCut = true
				}
				continue
			}
			for _, i := range m.order {
				k := m.key(succs[i].Next)
				if m.full() {
					if !m.bits.Has(k) {
						return MemberCut, nil // a new state left out
					}
					continue
				}
				if !m.bits.Add(k) {
					continue
				}
				id, err := links.Append(int64(pid), uint32(i))
				if err != nil {
					return MemberStopped, err
				}
				if err := push(id, succs[i].Next); err != nil {
					return MemberStopped, err
				}
			}
		}
	}
	return MemberEnded, nil
}
