package statespace

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/mcheck/mcheck/store"
)

// Symmetry reduction, detected automatically (no annotation).
//
// Two threads are alike when their code — main, every body in both heap
// versions, whether the update names them and whether their update points
// are explicit — is the same up to a renaming of the services it names
// (the compiled code: its functions numbered as funOrder says, its cases'
// branches in caseBranches' order, so the names of functions and the
// order in which they and branches are written do not matter). A
// service is private when no two alike threads use it; threads that share
// a private service form a block (a producer and its consumer, with their
// service). Blocks made of alike threads, whose private services
// correspond one to one with the same protocols before and after the
// update, and which use every other service alike, are interchangeable:
// swapping two of them (their threads, their services and the sessions of
// those services) maps every run of the system to a run of the system,
// with the same properties broken at the same depth, since no step, no
// strategy and no property depends on a thread's or a service's name or
// position. (A block with two alike threads is left alone.)
//
// The explorer then keeps one configuration per orbit, or nearly: after
// each step the interchangeable blocks are sorted by their state (seen
// from inside the block, then the roles their threads hold in sessions of
// shared services), threads, services and sessions renamed to match,
// and the sessions put in an order that does not depend on which block
// opened its sessions first. Any configuration of the orbit would be
// sound; sorting picks the same one for most of an orbit's members
// (sessions of shared services keep the canonical form's order, which
// names holders by their slot class (ord) and keeps ties in creation
// order, so a few orbits keep more than one member).
//
// Counterexamples are real runs: the path found among representatives is
// replayed without the reduction, choosing at each step the successor
// whose representative is the next one on the path (realPath), so threads
// keep their own names and the trace keeps its length.

// Symmetry is the symmetry a program has: groups of interchangeable
// blocks.
type Symmetry struct {
	p      *Program
	Groups []SymGroup

	// For a thread: its group and block, or -1.
	threadGroup, threadBlock, threadSlot []int
	// For a private service of a grouped block: its group, block and
	// position among the block's private services; -1 otherwise.
	svcGroup, svcBlock, svcSlot []int
	codes                       [][]int // codes[t]: the ids of thread t's code objects, in a fixed order
	codePos                     []int   // code id -> its position in its thread's codes
	blockBase                   []int   // group -> the number of blocks of the groups before it
	nblocks                     int
	// ord orders instances in the canonical form (Program.canonicalize):
	// by classes, so that no permutation of blocks changes the order.
	ord *instOrder
}

// SymGroup is a set of interchangeable blocks.
type SymGroup struct {
	// Blocks[b][r] is the thread at slot r of block b; Services[b][k] the
	// k-th private service of block b (Services[b][k] corresponds to
	// Services[0][k]).
	Blocks   [][]int
	Services [][]int
}

// Describe lists the groups with thread names, e.g.
// "{Producer1, Consumer1} ~ {Producer2, Consumer2}".
func (s *Symmetry) Describe() []string {
	var out []string
	for _, g := range s.Groups {
		var bs []string
		for _, b := range g.Blocks {
			var names []string
			for _, t := range b {
				names = append(names, s.p.Threads[t].Name)
			}
			bs = append(bs, "{"+strings.Join(names, ", ")+"}")
		}
		out = append(out, strings.Join(bs, " ~ "))
	}
	return out
}

// Order is the number of permutations the groups allow, exactly: the
// product of the factorials of their sizes (33 interchangeable clients
// allow 33!, beyond a float64's exact integers).
func (s *Symmetry) Order() *big.Int {
	o := big.NewInt(1)
	for _, g := range s.Groups {
		o.Mul(o, new(big.Int).MulRange(1, int64(len(g.Blocks))))
	}
	return o
}

// maxGroupBlocks is the largest group of interchangeable blocks reduced as
// one: 16! permutations, which canonical sorts in a few hundred
// comparisons.
const maxGroupBlocks = 16

// DetectSymmetry finds the program's interchangeable blocks; nil if there
// are none.
func (p *Program) DetectSymmetry() *Symmetry {
	n := len(p.Threads)
	sigs := make([]string, n)
	svcs := make([][]int, n)
	classOf := map[string]int{}
	class := make([]int, n)
	for t := range p.Threads {
		sigs[t], svcs[t] = p.codeSignature(t)
		c, ok := classOf[sigs[t]]
		if !ok {
			c = len(classOf)
			classOf[sigs[t]] = c
		}
		class[t] = c
	}
	// A service is private when no two threads of one class use it.
	users := make([][]int, len(p.Services))
	for t := range p.Threads {
		for _, sv := range dedup(svcs[t]) {
			users[sv] = append(users[sv], t)
		}
	}
	private := make([]bool, len(p.Services))
	for sv, us := range users {
		seen := map[int]bool{}
		private[sv] = len(us) > 0
		for _, t := range us {
			if seen[class[t]] {
				private[sv] = false
			}
			seen[class[t]] = true
		}
	}
	// Blocks: threads joined by private services.
	parent := make([]int, n)
	for t := range parent {
		parent[t] = t
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for sv, us := range users {
		if private[sv] {
			for _, t := range us[1:] {
				parent[find(t)] = find(us[0])
			}
		}
	}
	blockOf := map[int][]int{}
	var roots []int
	for t := 0; t < n; t++ {
		r := find(t)
		if _, ok := blockOf[r]; !ok {
			roots = append(roots, r)
		}
		blockOf[r] = append(blockOf[r], t)
	}
	// Group blocks by shape: the classes of their threads, in order.
	type blk struct {
		threads []int
		shape   string
	}
	shapes := map[string][]blk{}
	var shapeOrder []string
	for _, r := range roots {
		ts := slices.Clone(blockOf[r])
		sort.SliceStable(ts, func(i, j int) bool { return class[ts[i]] < class[ts[j]] })
		var sb strings.Builder
		regular := true
		for i, t := range ts {
			if i > 0 && class[ts[i-1]] == class[t] {
				regular = false // two alike threads in one block: left alone
			}
			fmt.Fprintf(&sb, "%d,", class[t])
		}
		if !regular {
			continue
		}
		key := sb.String()
		if _, ok := shapes[key]; !ok {
			shapeOrder = append(shapeOrder, key)
		}
		shapes[key] = append(shapes[key], blk{threads: ts, shape: key})
	}
	s := &Symmetry{p: p}
	for _, key := range shapeOrder {
		// Blocks of one shape that do not match the first (they use other
		// shared services: two pairs of alike clients, each pair on a
		// service of its own) may match each other: each such class is a
		// group of its own (found by a tester: only the first was used).
		for bs := shapes[key]; len(bs) >= 2; {
			tmpl := bs[0].threads
			tmplSvcs := privateServices(tmpl, svcs, private)
			g := SymGroup{Blocks: [][]int{tmpl}, Services: [][]int{tmplSvcs}}
			var others []blk
			for _, b := range bs[1:] {
				if ms, ok := p.matchBlock(tmpl, b.threads, svcs, private, tmplSvcs); ok {
					g.Blocks = append(g.Blocks, b.threads)
					g.Services = append(g.Services, ms)
				} else {
					others = append(others, b)
				}
			}
			bs = others
			// A group of many blocks is split into groups of at most
			// maxGroupBlocks (permuting within each is still a symmetry):
			// sorting the blocks and renaming them costs each successor
			// time and memory in proportion to the group.
			for len(g.Blocks) >= 2 {
				n := min(len(g.Blocks), maxGroupBlocks)
				if len(g.Blocks)-n == 1 {
					n-- // no group of one left over
				}
				s.Groups = append(s.Groups, SymGroup{Blocks: g.Blocks[:n], Services: g.Services[:n]})
				g.Blocks, g.Services = g.Blocks[n:], g.Services[n:]
			}
		}
	}
	if len(s.Groups) == 0 {
		return nil
	}
	s.index()
	return s
}

func dedup(xs []int) []int {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return slices.Compact(ys)
}

// privateServices lists the private services a block's threads use, in the
// order the threads (in slot order) first name them.
func privateServices(threads []int, svcs [][]int, private []bool) []int {
	var out []int
	for _, t := range threads {
		for _, sv := range svcs[t] {
			if private[sv] && !slices.Contains(out, sv) {
				out = append(out, sv)
			}
		}
	}
	return out
}

// matchBlock checks that block b corresponds to the template: slot by slot
// the threads name services in the same places; shared services are the
// same ones, private ones correspond one to one with the same protocols.
// It returns b's private services in the template's order.
func (p *Program) matchBlock(tmpl, b []int, svcs [][]int, private []bool, tmplSvcs []int) ([]int, bool) {
	sigma := map[int]int{}
	used := map[int]bool{}
	for r := range tmpl {
		x, y := svcs[tmpl[r]], svcs[b[r]]
		if len(x) != len(y) {
			return nil, false
		}
		for j := range x {
			if private[x[j]] != private[y[j]] {
				return nil, false
			}
			if !private[x[j]] {
				if x[j] != y[j] {
					return nil, false
				}
				continue
			}
			if m, ok := sigma[x[j]]; ok {
				if m != y[j] {
					return nil, false
				}
				continue
			}
			if used[y[j]] {
				return nil, false
			}
			a, c := p.Services[x[j]], p.Services[y[j]]
			if a.Protocol != c.Protocol || a.Moved != c.Moved {
				return nil, false
			}
			sigma[x[j]], used[y[j]] = y[j], true
		}
	}
	out := make([]int, len(tmplSvcs))
	for k, sv := range tmplSvcs {
		out[k] = sigma[sv]
	}
	return out, true
}

// codes lists thread t's code objects in a fixed order: main, then the
// bodies of heap version 0, then those of heap version 1.
func (p *Program) threadCodes(t int) []*Code {
	tc := p.Threads[t]
	out := []*Code{tc.Main}
	out = append(out, tc.Heap[0]...)
	return append(out, tc.Heap[1]...)
}

// codeSignature is thread t's code with the services it names replaced by
// their order of first appearance, and those services.
func (p *Program) codeSignature(t int) (string, []int) {
	tc := p.Threads[t]
	var b []byte
	var svcs []int
	put := func(x int64) { b = binary.AppendVarint(b, x) }
	put(int64(len(tc.Funs)))
	put(int64(b2i(tc.Named)))
	put(int64(b2i(tc.Explicit)))
	for _, c := range p.threadCodes(t) {
		put(int64(c.Version))
		put(int64(c.NParams))
		put(int64(c.NSlots))
		put(int64(len(c.Instrs)))
		for _, in := range c.Instrs {
			a := int64(in.A)
			if in.Op == IRequest || in.Op == IAccept {
				k := slices.Index(svcs, int(in.A))
				if k < 0 {
					k = len(svcs)
					svcs = append(svcs, int(in.A))
				}
				a = int64(k)
			}
			put(int64(in.Op))
			put(a)
			put(int64(in.B))
			put(int64(in.C))
			put(int64(in.V.K))
			put(in.V.N)
		}
		put(int64(len(c.Tables)))
		for _, tb := range c.Tables {
			put(int64(len(tb.labels)))
			for _, l := range tb.labels {
				put(int64(l))
			}
			put(int64(len(tb.targets)))
			for _, x := range tb.targets {
				put(int64(x))
			}
		}
	}
	return string(b), svcs
}

func (s *Symmetry) index() {
	p := s.p
	n := len(p.Threads)
	s.threadGroup, s.threadBlock, s.threadSlot = fill(n, -1), fill(n, -1), fill(n, -1)
	s.svcGroup, s.svcBlock, s.svcSlot = fill(len(p.Services), -1), fill(len(p.Services), -1), fill(len(p.Services), -1)
	for _, g := range s.Groups {
		s.blockBase = append(s.blockBase, s.nblocks)
		s.nblocks += len(g.Blocks)
	}
	for gi, g := range s.Groups {
		for bi, b := range g.Blocks {
			for r, t := range b {
				s.threadGroup[t], s.threadBlock[t], s.threadSlot[t] = gi, bi, r
			}
			for k, sv := range g.Services[bi] {
				s.svcGroup[sv], s.svcBlock[sv], s.svcSlot[sv] = gi, bi, k
			}
		}
	}
	// The order of instances: a thread named by its slot class, a
	// service by the service at its slot of its group's first block.
	s.ord = &instOrder{thread: make([]int, n), svc: make([]int, len(p.Services))}
	for t := range n {
		s.ord.thread[t] = s.SlotClass(t)
	}
	for sv := range p.Services {
		s.ord.svc[sv] = sv
		if g := s.svcGroup[sv]; g >= 0 {
			s.ord.svc[sv] = s.Groups[g].Services[0][s.svcSlot[sv]]
		}
	}
	s.codes = make([][]int, n)
	s.codePos = make([]int, len(p.Codes))
	for t := range p.Threads {
		for i, c := range p.threadCodes(t) {
			s.codes[t] = append(s.codes[t], c.ID)
			s.codePos[c.ID] = i
		}
	}
}

func fill(n, v int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = v
	}
	return xs
}

// symScratch is what canonical needs; each arena keeps one (a worker's),
// and configurations on the heap get a fresh one.
type symScratch struct {
	sigBuf  []byte
	sigs    [][]byte
	order   []int
	count   []int // per (group, block): private sessions seen
	ordinal []int // session -> its ordinal among its block's private sessions, or among the shared ones
	shared  int   // the sessions of shared services
	pi      []int // thread -> thread
	inv     []int
	sigma   []int // service -> service
	rho     []int // session -> session
	keys    []instKey

	// The parent's block signatures (canonicalFrom): the configuration
	// expanded, its arena's generation when they were made, and per
	// (group, block) the signature, in psigBuf from psigAt[k] to
	// psigAt[k+1] (k = blockBase[group] + block).
	parent  *Config
	gen     uint64
	psigBuf []byte
	psigAt  []int
	// Per successor: the parent's sessions whose channels differ in it,
	// and per (group, block) whether one of its own sessions differs.
	chDiff   []bool
	instDiff []bool

	// The signature cache (cachedSignature), for the symmetry and the
	// tables it was made with.
	cache      memoTable[sigSlot]
	cacheSym   *Symmetry
	cacheTrees *trees
	cacheKey   []uint32
}

// sigSlot is an entry of the signature cache: the block whose parts have
// the ids in key has the signature sig.
type sigSlot struct {
	h   uint64
	key []uint32
	sig []byte
}

// sigCacheSlots is the size of a worker's signature cache.
const sigCacheSlots = 1 << 12

type instKey struct {
	a, b, c, d int
	old        int
}

func (s *Symmetry) scratch(c *Config) *symScratch {
	if c.arena != nil {
		if c.arena.sym == nil {
			c.arena.sym = &symScratch{}
		}
		return c.arena.sym
	}
	return &symScratch{}
}

// canonical puts c, a canonical configuration, in the symmetric canonical
// form: interchangeable blocks sorted by their state, and sessions ordered
// by block. It replaces the parts it changes with private copies.
func (s *Symmetry) canonical(c *Config) {
	s.canonicalFrom(nil, c)
}

// canonicalFrom is canonical for n, a successor of parent (a canonical
// configuration of the same arena, the one expanded; nil: none). A step
// changes a block or two: a block whose threads, sessions and their
// channels are parent's (the same parts) has parent's signature, made once
// per expansion instead of once per successor (the signatures took a
// quarter of the time of a symmetric search). That needs the sessions at
// the same places, of the same services (the ordinals, and the numbers
// of other blocks' sessions in endpoint values, are then parent's), and,
// where blocks are told apart by the roles they hold in shared sessions,
// those sessions unchanged.
func (s *Symmetry) canonicalFrom(parent, n *Config) {
	sc := s.scratch(n)
	if !s.reusable(parent, n, sc) {
		parent = nil
	}
	s.prepare(n, sc)
	moved := false
	for gi := range s.Groups {
		moved = s.place(sc, gi, s.sortBlocksFrom(parent, n, gi, sc)) || moved
	}
	s.reorder(n, sc, moved)
}

// reusable reports whether n's untouched blocks may take parent's
// signatures (see canonicalFrom), making them if they are not made yet for
// this expansion, and marks in sc.chDiff the sessions whose channels the
// step changed.
func (s *Symmetry) reusable(parent, n *Config, sc *symScratch) bool {
	if parent == nil || parent.arena == nil || parent.arena != n.arena || len(parent.Insts) != len(n.Insts) {
		return false
	}
	for i, in := range n.Insts {
		pi := parent.Insts[i]
		if in.Service != pi.Service || s.svcGroup[in.Service] < 0 && in != pi && sharedRolesOrder {
			return false
		}
	}
	if sc.parent != parent || sc.gen != parent.arena.gen {
		s.prepare(parent, sc)
		sc.psigBuf, sc.psigAt = sc.psigBuf[:0], sc.psigAt[:0]
		for gi, g := range s.Groups {
			for bi := range g.Blocks {
				sc.psigAt = append(sc.psigAt, len(sc.psigBuf))
				sc.psigBuf = s.cachedSignature(sc.psigBuf, parent, gi, bi, sc, nil)
			}
		}
		sc.psigAt = append(sc.psigAt, len(sc.psigBuf))
		sc.parent, sc.gen = parent, parent.arena.gen
	}
	// The channels: both queues are sorted by session.
	sc.chDiff = grow(sc.chDiff, len(n.Insts))
	clear(sc.chDiff)
	pq, nq := parent.Queue, n.Queue
	for i, j := 0, 0; i < len(pq) || j < len(nq); {
		switch {
		case j == len(nq) || i < len(pq) && pq[i].Inst < nq[j].Inst:
			sc.chDiff[pq[i].Inst] = true
			i++
		case i == len(pq) || nq[j].Inst < pq[i].Inst:
			sc.chDiff[nq[j].Inst] = true
			j++
		default:
			if pq[i] != nq[j] {
				sc.chDiff[nq[j].Inst] = true
			}
			i++
			j++
		}
	}
	sc.instDiff = grow(sc.instDiff, s.nblocks)
	clear(sc.instDiff)
	for i, in := range n.Insts {
		if g := s.svcGroup[in.Service]; g >= 0 && (in != parent.Insts[i] || sc.chDiff[i]) {
			sc.instDiff[s.blockBase[g]+s.svcBlock[in.Service]] = true
		}
	}
	return true
}

// untouched reports whether block bi of group gi is the same in n as in
// parent (reusable said n may take parent's signatures).
func (s *Symmetry) untouched(parent, n *Config, gi, bi int, sc *symScratch) bool {
	if sc.instDiff[s.blockBase[gi]+bi] {
		return false
	}
	for _, t := range s.Groups[gi].Blocks[bi] {
		if n.Threads[t] != parent.Threads[t] {
			return false
		}
	}
	return true
}

// prepare numbers c's sessions for the signatures (sc.ordinal: a private
// session's ordinal among its block's, a shared one's among the shared
// ones) and starts the renaming at the identity.
func (s *Symmetry) prepare(c *Config, sc *symScratch) {
	p := s.p
	nt, ni := len(c.Threads), len(c.Insts)
	sc.ordinal = grow(sc.ordinal, ni)
	sc.count = grow(sc.count, s.nblocks)
	clear(sc.count)
	shared := 0
	for i, in := range c.Insts {
		if s.svcGroup[in.Service] >= 0 {
			k := s.blockBase[s.svcGroup[in.Service]] + s.svcBlock[in.Service]
			sc.ordinal[i] = sc.count[k]
			sc.count[k]++
		} else {
			sc.ordinal[i] = shared // its ordinal among the sessions of shared services
			shared++
		}
	}
	sc.shared = shared
	sc.pi = grow(sc.pi, nt)
	for t := range sc.pi {
		sc.pi[t] = t
	}
	sc.sigma = grow(sc.sigma, len(p.Services))
	for sv := range sc.sigma {
		sc.sigma[sv] = sv
	}
}

// sortBlocks returns group gi's blocks sorted by their signatures (the
// block at each sorted position; sc's space, valid until the next call),
// leaving the signatures in sc.sigs.
func (s *Symmetry) sortBlocks(c *Config, gi int, sc *symScratch) []int {
	return s.sortBlocksFrom(nil, c, gi, sc)
}

// sortBlocksFrom is sortBlocks for c, a successor of parent (nil: none),
// where c's blocks the step did not touch take parent's signatures
// (canonicalFrom).
func (s *Symmetry) sortBlocksFrom(parent, c *Config, gi int, sc *symScratch) []int {
	g := s.Groups[gi]
	sc.sigBuf = sc.sigBuf[:0]
	sc.sigs = grow(sc.sigs, len(g.Blocks))
	touched, last := 0, -1
	for bi := range g.Blocks {
		if parent != nil && s.untouched(parent, c, gi, bi, sc) {
			// The parent's, in place: psigBuf holds it until the next
			// expansion.
			k := s.blockBase[gi] + bi
			sc.sigs[bi] = sc.psigBuf[sc.psigAt[k]:sc.psigAt[k+1]:sc.psigAt[k+1]]
			if verifySymSigs {
				if fresh := s.blockSignature(nil, c, gi, bi, sc, nil); !bytes.Equal(fresh, sc.sigs[bi]) {
					panic(fmt.Sprintf("symmetry: block %d of group %d: the parent's signature %x, its own %x", bi, gi, sc.sigs[bi], fresh))
				}
			}
			continue
		}
		sc.sigs[bi] = nil
		touched, last = touched+1, bi
	}
	// Where the step touched one block of the group, its signature only
	// has to be compared with the others', which are whole: once a prefix
	// of it differs from each of them, or is longer than one it begins
	// with, every comparison has the sign the whole signature would give,
	// and the rest is not made. The sort is then the same.
	var decided func([]byte) bool
	if parent != nil && touched == 1 {
		decided = func(sig []byte) bool {
			for bj, o := range sc.sigs {
				if bj == last {
					continue
				}
				m := min(len(sig), len(o))
				if bytes.Equal(sig[:m], o[:m]) && len(o) >= len(sig) {
					return false
				}
			}
			return true
		}
	}
	for bi := range g.Blocks {
		if sc.sigs[bi] != nil {
			continue
		}
		// A slice of sigBuf as it is now: appending after it, or to a
		// reallocated copy, leaves it as it is.
		start := len(sc.sigBuf)
		sc.sigBuf = s.cachedSignature(sc.sigBuf, c, gi, bi, sc, decided)
		sc.sigs[bi] = sc.sigBuf[start:len(sc.sigBuf):len(sc.sigBuf)]
		if verifySymSigs && decided != nil {
			full := s.blockSignature(nil, c, gi, bi, sc, nil)
			for bj, o := range sc.sigs {
				if bj != bi && bytes.Compare(sc.sigs[bi], o) != bytes.Compare(full, o) {
					panic(fmt.Sprintf("symmetry: block %d of group %d: its signature cut to %x compares with block %d's otherwise than whole, %x", bi, gi, sc.sigs[bi], bj, full))
				}
			}
		}
	}
	order := grow(sc.order, len(g.Blocks)) // the block at each sorted position
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return bytes.Compare(sc.sigs[a], sc.sigs[b]) })
	sc.order = order
	return order
}

// place renames group gi's blocks so that the block order[k] becomes
// block k, and reports whether any moves.
func (s *Symmetry) place(sc *symScratch, gi int, order []int) bool {
	g := s.Groups[gi]
	moved := false
	for k, old := range order {
		if k == old {
			continue
		}
		moved = true
		for r, t := range g.Blocks[old] {
			sc.pi[t] = g.Blocks[k][r]
		}
		for j, sv := range g.Services[old] {
			sc.sigma[sv] = g.Services[k][j]
		}
	}
	return moved
}

// reorder orders c's sessions (private sessions by group, (new) block and
// ordinal; then the others in their order) and applies the renaming.
func (s *Symmetry) reorder(c *Config, sc *symScratch, moved bool) {
	ni := len(c.Insts)
	sc.keys = sc.keys[:0]
	sorted := true
	for i, in := range c.Insts {
		k := instKey{a: 1, b: i, old: i}
		if g := s.svcGroup[in.Service]; g >= 0 {
			nb := s.svcBlock[sc.sigma[in.Service]]
			k = instKey{a: 0, b: g, c: nb, d: sc.ordinal[i], old: i}
		}
		if i > 0 && keyCmp(k, sc.keys[i-1]) < 0 {
			sorted = false
		}
		sc.keys = append(sc.keys, k)
	}
	if !moved && sorted {
		return
	}
	if !sorted {
		slices.SortStableFunc(sc.keys, keyCmp)
	}
	sc.rho = grow(sc.rho, ni)
	for newI, k := range sc.keys {
		sc.rho[k.old] = newI
	}
	s.apply(c, sc)
}

// verifySymSigs makes every signature taken from the parent be checked
// against the block's own (a panic if they differ): for the tests.
var verifySymSigs = false

// sharedRolesOrder orders alike blocks by the roles they hold in sessions
// of shared services too (blockSignature); a variable for the tests, which
// turn it off to make orbits keep several members (sameOrbit).
var sharedRolesOrder = true

// maxTieOrders is the most block orders sameOrbit tries.
const maxTieOrders = 40320

// sameOrbit reports whether x, a configuration in canonical form
// (Program.Canonical) on the heap, is in the orbit of the representative
// whose encoding is want. x's representative sorts its blocks by their
// signatures, as want's blocks were sorted; an orbit keeps more than one
// member only where blocks with equal signatures can be ordered in more
// than one way, so every order of such ties is tried (at most
// maxTieOrders; false beyond).
func (s *Symmetry) sameOrbit(x *Config, want []byte) bool {
	p := s.p
	sc := &symScratch{}
	s.prepare(x, sc)
	orders := make([][]int, len(s.Groups))
	type run struct{ gi, a, b int } // blocks [a, b) of group gi's sorted order tie
	var runs []run
	total := 1
	for gi := range s.Groups {
		order := s.sortBlocks(x, gi, sc)
		orders[gi] = slices.Clone(order)
		for a := 0; a < len(order); {
			b := a + 1
			for b < len(order) && bytes.Equal(sc.sigs[order[a]], sc.sigs[order[b]]) {
				b++
			}
			if b-a > 1 {
				runs = append(runs, run{gi, a, b})
				for k := 2; k <= b-a; k++ {
					total *= k
					if total > maxTieOrders {
						return false
					}
				}
			}
			a = b
		}
	}
	try := func() bool {
		y := x.clone()
		ys := &symScratch{}
		s.prepare(y, ys)
		moved := false
		for gi := range s.Groups {
			moved = s.place(ys, gi, orders[gi]) || moved
		}
		s.reorder(y, ys, moved)
		return bytes.Equal(p.Encode(nil, y), want)
	}
	// Every permutation of every run, run by run (Heap's algorithm would do
	// as well; the runs are short).
	var perm func(r int) bool
	perm = func(r int) bool {
		if r == len(runs) {
			return try()
		}
		return permute(orders[runs[r].gi][runs[r].a:runs[r].b], 0, func() bool { return perm(r + 1) })
	}
	return perm(0)
}

// permute calls f with xs in every order (xs[k:] permuted in place) until f
// returns true; it reports whether f did (if not, xs is as it was).
func permute(xs []int, k int, f func() bool) bool {
	if k == len(xs) {
		return f()
	}
	for i := k; i < len(xs); i++ {
		xs[k], xs[i] = xs[i], xs[k]
		if permute(xs, k+1, f) {
			return true
		}
		xs[k], xs[i] = xs[i], xs[k]
	}
	return false
}

func keyCmp(x, y instKey) int {
	return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b), cmp.Compare(x.c, y.c), cmp.Compare(x.d, y.d))
}

// apply renames c's threads by pi, services by sigma and sessions by rho.
func (s *Symmetry) apply(c *Config, sc *symScratch) {
	old := c.Threads
	threads := c.arena.threadPtrs(len(old), len(old))
	sc.inv = grow(sc.inv, len(old))
	inv := sc.inv
	for t, th := range old {
		threads[sc.pi[t]] = th
		inv[sc.pi[t]] = t
	}
	c.Threads = threads
	m := c.arena.memoOf()
	rho, packed := packRenaming(sc.rho)
	for u := range c.Threads {
		from := inv[u]
		if from != u || remapChanges(c.Threads[u], sc.rho) {
			var sl *renameEntry[renameKey, *Thread]
			if th := c.Threads[u]; m != nil && packed && th.tab.trees == m.t {
				// The rename memo: the tables' copy of what the renaming
				// makes of this thread, kept before.
				k := renameKey{id: th.tab.id, from: uint32(from), to: uint32(u), rho: rho}
				kept, e, found := m.renameThreads.find(k, k.hash())
				if found {
					c.Threads[u] = kept
					continue
				}
				sl = e
			}
			th := c.thread(u)
			for fi := range th.Frames {
				f := &th.Frames[fi]
				if from != u {
					f.Code = int32(s.codes[u][s.codePos[f.Code]])
				}
				remapValues(f.Slots, sc.rho)
				remapValues(f.Stack, sc.rho)
			}
			th.dirty = false
			if sl != nil {
				if kept := m.intern(th); kept != nil {
					c.Threads[u] = kept
					sl.keep(kept)
				}
			}
		}
	}
	insts := c.arena.instPtrs(len(c.Insts), len(c.Insts)+1)
	for i, in := range c.Insts {
		insts[sc.rho[i]] = in
	}
	c.Insts = insts
	for i, in := range c.Insts {
		change := sc.sigma[in.Service] != in.Service
		for _, e := range in.Ends {
			change = change || sc.pi[e.Holder] != int(e.Holder)
		}
		if !change {
			continue
		}
		var sl *renameEntry[renameInstKey, *Instance]
		if m != nil && in.tab.trees == m.t {
			if k, ok := renameInstKeyOf(in, sc); ok {
				kept, e, found := m.renameInsts.find(k, k.hash())
				if found {
					c.Insts[i] = kept
					continue
				}
				sl = e
			}
		}
		n := c.inst(i)
		n.Service = sc.sigma[n.Service]
		for k := range n.Ends {
			n.Ends[k].Holder = int32(sc.pi[n.Ends[k].Holder])
		}
		n.dirty = false
		if sl != nil {
			if kept := m.internInst(n); kept != nil {
				c.Insts[i] = kept
				sl.keep(kept)
			}
		}
	}
	for i, ch := range c.Queue {
		ni := int32(sc.rho[ch.Inst])
		hasEnd := false
		for _, m := range ch.Msgs {
			hasEnd = hasEnd || m.Val.K == VEndpoint
		}
		if ni == ch.Inst && !hasEnd {
			continue
		}
		var sl *renameEntry[renameChanKey, *Channel]
		if m != nil && ch.tab.trees == m.t && (packed || !hasEnd) {
			k := renameChanKey{id: ch.tab.id, inst: uint32(ni)}
			if hasEnd {
				k.rho = rho
			}
			kept, e, found := m.renameChans.find(k, k.hash())
			if found {
				c.Queue[i] = kept
				continue
			}
			sl = e
		}
		n := c.arena.channel()
		*n = Channel{Inst: ni, From: ch.From, To: ch.To, Msgs: c.arena.msgSlice(len(ch.Msgs), len(ch.Msgs))}
		copy(n.Msgs, ch.Msgs)
		for k := range n.Msgs {
			if v := n.Msgs[k].Val; v.K == VEndpoint {
				vs := []Value{v}
				remapValues(vs, sc.rho)
				n.Msgs[k].Val = vs[0]
			}
		}
		c.Queue[i] = n
		if sl != nil {
			if kept := m.internChan(n); kept != nil {
				c.Queue[i] = kept
				sl.keep(kept)
			}
		}
	}
	q := c.Queue
	for i := 1; i < len(q); i++ {
		for j := i; j > 0 && chanLess(q[j], q[j-1]); j-- {
			q[j], q[j-1] = q[j-1], q[j]
		}
	}
}

// cachedSignature is blockSignature through the worker's signature
// cache. A block's signature depends on its threads, its own sessions (and
// where they are among c's: their ordinals, and which endpoint values are
// its own) with their channels, and, where blocks are told apart by the
// roles they hold in shared sessions, on those; so where the block's
// threads, sessions and channels are the tables' (interned: ids) and no
// shared session counts, the signature is kept under their ids and the
// sessions' places. A configuration decoded from the tables (the one
// expanded) is made of such parts, and so, through the memos, are most of
// its successors' blocks. A signature kept is the whole one (decided is
// for the blocks not kept).
func (s *Symmetry) cachedSignature(buf []byte, c *Config, gi, bi int, sc *symScratch, decided func(sig []byte) bool) []byte {
	m := c.arena.memoOf()
	if m == nil || sc.shared > 0 && sharedRolesOrder {
		return s.blockSignature(buf, c, gi, bi, sc, decided)
	}
	if sc.cacheSym != s || sc.cacheTrees != m.t {
		sc.cache, sc.cacheSym, sc.cacheTrees = memoTable[sigSlot]{}, s, m.t
	}
	key := append(sc.cacheKey[:0], uint32(gi), uint32(bi))
	for _, t := range s.Groups[gi].Blocks[bi] {
		th := c.Threads[t]
		if th.tab.trees != m.t {
			return s.blockSignature(buf, c, gi, bi, sc, decided)
		}
		key = append(key, th.tab.id)
	}
	for i, in := range c.Insts {
		if s.svcGroup[in.Service] != gi || s.svcBlock[in.Service] != bi {
			continue
		}
		if in.tab.trees != m.t {
			return s.blockSignature(buf, c, gi, bi, sc, decided)
		}
		key = append(key, uint32(i), in.tab.id)
		n := len(key)
		key = append(key, 0) // its channels, counted
		for _, ch := range c.Queue {
			if int(ch.Inst) != i {
				continue
			}
			if ch.tab.trees != m.t {
				return s.blockSignature(buf, c, gi, bi, sc, decided)
			}
			key = append(key, ch.tab.id)
			key[n]++
		}
	}
	sc.cacheKey = key
	h := uint64(len(key))
	for _, k := range key {
		h = (bits.RotateLeft64(h, 29) ^ uint64(k)) * 0x9e3779b97f4a7c15
	}
	h = store.Mix(h)
	sl := sc.cache.at(h, sigCacheSlots)
	if sl.h == h && slices.Equal(sl.key, key) {
		if verifySymSigs {
			if fresh := s.blockSignature(nil, c, gi, bi, sc, nil); !bytes.Equal(fresh, sl.sig) {
				panic(fmt.Sprintf("symmetry: block %d of group %d: the cached signature %x, its own %x", bi, gi, sl.sig, fresh))
			}
		}
		return append(buf, sl.sig...)
	}
	start := len(buf)
	buf = s.blockSignature(buf, c, gi, bi, sc, nil)
	*sl = sigSlot{h: h, key: slices.Clone(key), sig: slices.Clone(buf[start:])}
	return buf
}

// blockSignature appends the state of block bi of group gi as seen from
// inside it: its threads in slot order (code by position, sessions by
// whether they are the block's own), its own sessions in order, with their
// channels. With decided set, it stops after a thread or a session once
// decided says the signature so far settles the block's place (see
// sortBlocksFrom).
func (s *Symmetry) blockSignature(buf []byte, c *Config, gi, bi int, sc *symScratch, decided func(sig []byte) bool) []byte {
	g := s.Groups[gi]
	start := len(buf)
	val := func(v Value) {
		if v.K != VEndpoint {
			buf = appendValue(buf, v)
			return
		}
		inst, role := v.Endpoint()
		buf = append(buf, byte(VEndpoint))
		switch {
		case inst == DeadInstance:
			buf = binary.AppendVarint(buf, -1)
		case s.svcGroup[c.Insts[inst].Service] == gi && s.svcBlock[c.Insts[inst].Service] == bi:
			buf = binary.AppendVarint(buf, int64(s.svcSlot[c.Insts[inst].Service]))
			buf = binary.AppendVarint(buf, int64(sc.ordinal[inst]))
		default:
			buf = binary.AppendVarint(buf, -2)
			buf = binary.AppendVarint(buf, int64(inst))
		}
		buf = binary.AppendVarint(buf, int64(role))
	}
	holder := func(t int32) {
		if s.threadGroup[t] == gi && s.threadBlock[t] == bi {
			buf = binary.AppendVarint(buf, int64(s.threadSlot[t]))
		} else {
			buf = binary.AppendVarint(buf, -1-int64(t))
		}
	}
	for k, t := range g.Blocks[bi] {
		if k > 0 && decided != nil && decided(buf[start:]) {
			return buf
		}
		th := c.Threads[t]
		buf = append(buf, threadFlags(th))
		buf = binary.AppendUvarint(buf, uint64(len(th.Frames)))
		for _, f := range th.Frames {
			buf = binary.AppendUvarint(buf, uint64(s.codePos[f.Code]))
			buf = binary.AppendUvarint(buf, uint64(f.PC))
			for _, v := range f.Slots {
				val(v)
			}
			buf = binary.AppendUvarint(buf, uint64(len(f.Stack)))
			for _, v := range f.Stack {
				val(v)
			}
		}
	}
	for i, in := range c.Insts {
		if s.svcGroup[in.Service] != gi || s.svcBlock[in.Service] != bi {
			continue
		}
		if decided != nil && decided(buf[start:]) {
			return buf
		}
		buf = binary.AppendUvarint(buf, uint64(s.svcSlot[in.Service]))
		for _, e := range in.Ends {
			buf = binary.AppendUvarint(buf, uint64(e.Role))
			holder(e.Holder)
			buf = append(buf, endFlags(&e))
			buf = binary.AppendUvarint(buf, uint64(e.State))
			buf = binary.AppendVarint(buf, int64(e.Run))
		}
		buf = binary.AppendVarint(buf, int64(in.N))
		buf = binary.AppendUvarint(buf, uint64(len(in.RunVer)))
		buf = append(buf, in.RunVer...)
		buf = append(buf, in.RunTail)
		for _, ch := range c.Queue {
			if int(ch.Inst) != i {
				continue
			}
			buf = binary.AppendUvarint(buf, uint64(ch.From))
			buf = binary.AppendUvarint(buf, uint64(ch.To))
			buf = binary.AppendUvarint(buf, uint64(len(ch.Msgs)))
			for _, m := range ch.Msgs {
				buf = binary.AppendVarint(buf, int64(m.Label))
				if m.Label < 0 {
					val(m.Val)
				}
			}
		}
		buf = append(buf, 0xff)
	}
	// The ends its threads hold in sessions of shared services (which keep
	// their order): blocks alike inside are told apart by the roles they
	// took in the same shared sessions, so that the sorted order does not
	// depend on which block was which (regress/symmetry-shared-holder.dsu).
	buf = append(buf, 0xfe)
	if sc.shared == 0 || !sharedRolesOrder {
		return buf
	}
	for i, in := range c.Insts {
		if s.svcGroup[in.Service] >= 0 {
			continue
		}
		for k, e := range in.Ends {
			if t := e.Holder; s.threadGroup[t] == gi && s.threadBlock[t] == bi {
				buf = binary.AppendUvarint(buf, uint64(sc.ordinal[i]))
				buf = binary.AppendUvarint(buf, uint64(k))
				buf = binary.AppendUvarint(buf, uint64(s.threadSlot[t]))
			}
		}
	}
	return buf
}

// unreduced is s without symmetry.
func (s *Semantics) unreduced() *Semantics {
	n := *s
	n.Sym, n.symOrd = nil, s.instOrder()
	return &n
}

// realPath turns a path among representatives (successor indices under
// sem, with symmetry) into a real run of the same length (successor
// indices without it): at each step, the successor whose representative is
// the next one on the path, doing the same kind of step with the same
// fault or none.
func (s *Symmetry) realPath(sem *Semantics, path []uint32) ([]uint32, error) {
	plain := sem.unreduced()
	p := sem.P
	rep, _ := sem.Initial()
	real, _ := plain.Initial()
	out := make([]uint32, 0, len(path))
	for i, idx := range path {
		succs, _ := sem.Successors(rep)
		if int(idx) >= len(succs) {
			return nil, fmt.Errorf("statespace: trace replay diverged at step %d (successor %d of %d)", i+1, idx, len(succs))
		}
		want := &succs[idx]
		wantEnc := p.Encode(nil, want.Next)
		found := -1
		rs, _ := plain.Successors(real)
		for j := range rs {
			r := &rs[j]
			if r.Action.Kind != want.Action.Kind || (r.Fault == nil) != (want.Fault == nil) {
				continue
			}
			n := sem.canonicalCopy(r.Next)
			s.canonical(n)
			if bytes.Equal(p.Encode(nil, n), wantEnc) {
				found = j
				break
			}
		}
		if found < 0 {
			found = s.orbitStep(sem, rs, want, wantEnc)
		}
		if found < 0 {
			return nil, fmt.Errorf("statespace: no real step matches step %d of the reduced trace", i+1)
		}
		out = append(out, uint32(found))
		rep, real = want.Next, rs[found].Next
	}
	return out, nil
}

// orbitStep returns the index of a step among rs of the same kind as want,
// with a fault or none alike, whose successor is in the orbit of want's
// (sameOrbit), or -1: where an orbit keeps more than one member, the real
// successor's representative may be another member than want's.
func (s *Symmetry) orbitStep(sem *Semantics, rs []Succ, want *Succ, wantEnc []byte) int {
	for j := range rs {
		r := &rs[j]
		if r.Action.Kind != want.Action.Kind || (r.Fault == nil) != (want.Fault == nil) {
			continue
		}
		n := sem.canonicalCopy(r.Next)
		n.arena = nil // sameOrbit works on the heap
		if s.sameOrbit(n, wantEnc) {
			return j
		}
	}
	return -1
}

// ---- Added for the liveness check on the quotient (livesym.go). ----

// SlotClass names thread t's slot class: the threads at one slot of the
// blocks of a group form a class, named by the thread at that slot of the
// group's first block; every other thread is a class of its own, named by
// itself. Every permutation the symmetry allows maps a thread to one of its
// class.
func (s *Symmetry) SlotClass(t int) int {
	if g := s.threadGroup[t]; g >= 0 {
		return s.Groups[g].Blocks[0][s.threadSlot[t]]
	}
	return t
}

// canonicalPermFrom is canonicalFrom(parent, c), and returns the renaming
// of threads it applied: thread t of c became thread perm[t]. perm is the
// arena's scratch space, valid until its next use; nil for a configuration
// outside an arena.
func (s *Symmetry) canonicalPermFrom(parent, c *Config) []int {
	s.canonicalFrom(parent, c)
	if c.arena == nil || c.arena.sym == nil {
		return nil
	}
	return c.arena.sym.pi[:len(c.Threads)]
}
