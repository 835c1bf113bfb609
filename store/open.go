package store

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
)

// Visited is the visited-set contract (statespace.VisitedSet, restated so
// that this package does not import statespace).
type Visited interface {
	Insert(fps []uint64, isNew []bool) error
	Len() int64
	Close() error
}

// Kinds of visited set.
const (
	Memory   = "memory"
	Badger   = "badger"
	Bitstate = "bitstate" // Holzmann's supertrace: a bit array, not exact (bitstate.go)
)

// Options choose and size the stores of one exploration.
type Options struct {
	Kind string // Memory or Badger ("": Badger)
	// Dir is where badger keeps its store; "" is a temporary directory,
	// removed at Close. A given directory is kept.
	Dir string
	// MemBudget is the memory, in bytes, for everything the stores and the
	// explorer hold; 0: DefaultMemBudget().
	MemBudget int64
	// RAMEntries overrides the size of badger's RAM tier (benchmarks); 0:
	// from the budget.
	RAMEntries int
	// Spill, when true, lets the frontier and links spill to disk past
	// their share of the budget (the default for the command line); when
	// false they stay in memory.
	Spill bool
	// Bits and HashSeed size and seed a Bitstate set: 2^Bits bits.
	Bits     uint
	HashSeed uint64
	// nested: Dir is a later run's, inside the first run's store
	// directory (ForRun); a Dir given otherwise may not be inside a store
	// directory.
	nested bool
}

// ForRun is the options of the nth run (from 1) of a check of several: a
// store directory holds one exploration, so the runs after the first get
// a directory of their own inside it, run-2, run-3, ...
func (o Options) ForRun(n int) Options {
	if o.Dir != "" && n > 1 {
		o.Dir = fmt.Sprintf("%s/run-%d", strings.TrimRight(o.Dir, "/"), n)
		o.nested = true
	}
	return o
}

// CheckKind validates a store kind and directory.
func CheckKind(kind, dir string) error {
	switch kind {
	case Memory, Badger, Bitstate, "":
	default:
		return fmt.Errorf("--store must be memory, badger or bitstate, got %q", kind)
	}
	if dir != "" && (kind == Memory || kind == Bitstate) {
		return errors.New("--store-dir needs --store badger")
	}
	return nil
}

// Stores are the visited set, the frontier and the trace links of one
// exploration.
type Stores struct {
	Visited  Visited
	Frontier *SpillQueue
	Links    *SpillLinks
	opened   []interface{ Close() error } // in the order opened
	memLimit int64                        // Go's memory limit before, restored at Close
}

// Open opens a fresh set of stores.
//
// The budget is for everything. With the memory store, the frontier gets
// 1/8 and the trace links 1/16 before they spill to files (they are read
// and written in order, so they spill cheaply); the rest is the visited
// set's, the tables' and the explorer's, and Go's soft memory limit is set
// to the budget. With badger:
//
//   - the RAM tier, 3/8 at most: it answers duplicates without a random
//     read of badger, which is what slows a large search down under
//     memory pressure. It shares 5/8 with the explorer's tables of
//     configurations' parts, which cannot spill: as they grow past 1/4,
//     the tier shrinks (the explorer reports them through ShareRAM);
//   - the Bloom filter in front of badger, 1/16, made when badger is
//     first written (10 bits a key for up to 0.05 keys a byte of budget:
//     5.4e7 keys with 1 GiB);
//   - the Go heap, 5/16, to which Go's soft memory limit is set (at
//     least MinHeapLimit: HeapLimit): badger's
//     memtables and table buffers 1/16 (its memtables are sized from that,
//     with a floor of 1 MiB each, so a budget below about 96 MiB is
//     exceeded), its cache of table indexes 1/32, the frontier and the
//     trace links 1/32 each before they spill, and the explorer's batches;
//   - the resident pages of badger's mapped files, 3/16 before the pager
//     unmaps them (pageout_linux.go).
//
// The tier, the tables and the filter are mapped outside the Go heap
// (offheap.go). The shares add up to more than the budget (19/16, with the
// file pages at their bound); the tables may exceed theirs, which the
// command's notes then say.
//
// Temporary stores left in the temporary directory by runs that were
// killed are removed (see RemoveStaleTemp).
func Open(o Options) (*Stores, error) {
	if err := CheckKind(o.Kind, o.Dir); err != nil {
		return nil, err
	}
	budget := o.MemBudget
	if budget <= 0 {
		budget = DefaultMemBudget()
	}
	heap := budget
	if o.Kind == Badger || o.Kind == "" {
		heap = budget * 5 / 16 // the rest is mapped outside the heap, or badger's files
	}
	if o.Spill {
		// Said before the search, not at its first spill, hours in maybe
		// (found by a tester: the memory store ran to 65,536 states on a
		// TMPDIR that was a file, where badger's refused it at once); and
		// before the visited set is opened, which would make a new
		// --store-dir that the retry then finds not empty (a tester), and
		// whose temporary store, in TMPDIR too, said the same thing in
		// other words.
		if err := checkTempDir(); err != nil {
			return nil, err
		}
	}
	st := &Stores{memLimit: debug.SetMemoryLimit(HeapLimit(heap))}
	if o.Kind == Memory || o.Kind == Bitstate || o.Dir != "" {
		RemoveStaleTemp("") // (a temporary badger store does it itself)
	}
	switch o.Kind {
	case Bitstate:
		bs, err := NewBitstateSet(o.Bits, o.HashSeed)
		if err != nil {
			st.Close()
			return nil, err
		}
		st.Visited = bs
	case Memory:
		st.Visited = NewCompactSet()
	default:
		tier := o.RAMEntries
		if tier == 0 {
			tier = int(3 * tierGen(budget*3/8))
		}
		bs, err := OpenBadgerSet(BadgerOptions{Dir: o.Dir, Keep: o.Dir != "", Nested: o.nested, RAMEntries: tier, MemBudget: budget / 16,
			IndexCacheBytes: budget / 32, ShareBytes: budget * 5 / 8, FilterBytes: budget / 16, PageOutAbove: budget * 3 / 16})
		if err != nil {
			st.Close()
			return nil, err
		}
		st.Visited = bs
	}
	st.opened = append(st.opened, st.Visited)
	qb, lb := budget/8, budget/16
	if o.Kind == Badger || o.Kind == "" {
		qb, lb = budget/32, budget/32 // (badger's own parts take the rest)
	}
	if !o.Spill {
		qb, lb = 0, 0
	}
	q, err := NewQueue(SpillOptions{MemBudget: qb})
	if err != nil {
		st.Close()
		return nil, err
	}
	st.Frontier = q
	st.opened = append(st.opened, q)
	l, err := NewLinks(SpillOptions{MemBudget: lb})
	if err != nil {
		st.Close()
		return nil, err
	}
	st.Links = l
	st.opened = append(st.opened, l)
	return st, nil
}

// HeapLimit is the soft memory limit to give Go for a heap share of the
// budget: the share, but never less than MinHeapLimit. Below what the
// search's live heap needs (the workers' memos and batches, badger's
// memtables and its own bookkeeping: tens of MiB), a limit makes the
// collector run back to back: on prodcons K=4 cut at 1e6 states with 2
// workers, a budget of 8 MiB (a 2.5 MiB limit) took 1,444 collections and
// 10x the time of 256 MiB, 32 MiB 752 and 5.4x, for a peak RSS of 60 and
// 66 MB against 75.
func HeapLimit(share int64) int64 { return max(share, MinHeapLimit) }

// MinHeapLimit is the least soft memory limit HeapLimit gives Go.
const MinHeapLimit = 64 << 20

// Close closes every store opened, in reverse order, and restores Go's
// memory limit.
func (st *Stores) Close() error {
	var errs []error
	for i := len(st.opened) - 1; i >= 0; i-- {
		errs = append(errs, st.opened[i].Close())
	}
	st.opened = nil
	debug.SetMemoryLimit(st.memLimit)
	return errors.Join(errs...)
}

// DefaultMemBudget is a quarter of the machine's memory (from
// /proc/meminfo), or 1 GiB where that cannot be read; at most a quarter of
// the address-space limit, if the process has one, and what the limit
// leaves (SpaceLeft), 64 MiB at least.
func DefaultMemBudget() int64 {
	b := int64(1 << 30)
	if n, ok := physicalMemory(); ok {
		b = n / 4
	}
	// Under an address-space limit (ulimit -v) a quarter of it: the Go
	// runtime's reservations, threads and badger's mapped files take the
	// rest (a heap let grow to a quarter of the RAM ran into the limit).
	if as, ok := AddressSpaceLimit(); ok {
		b = min(b, as/4)
	}
	if left, _, ok := SpaceLeft(); ok {
		b = min(b, max(left, 64<<20))
	}
	return b
}

// PhysicalMemory is the machine's memory in bytes, if it can be read.
func PhysicalMemory() (int64, bool) { return physicalMemory() }

// physicalMemory is the machine's memory in bytes (MemTotal in
// /proc/meminfo), if it can be read.
func physicalMemory() (int64, bool) {
	total, _ := meminfo()
	return total, total > 0
}
