package store

import (
	"errors"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"testing"
)

// oldDiskReserve is the fixed reserve the free-space guard used to keep,
// smaller than one flush of a large RAM tier.
const oldDiskReserve = 4*32<<20 + 64<<20

// TestDiskReserveGrowsWithTier: the free space the guard demands grows
// with the RAM tier, by the bytes badger takes for a flush of a generation,
// and with badger's memtables; for the default tier it is above the old
// fixed reserve.
func TestDiskReserveGrowsWithTier(t *testing.T) {
	c := badgerConfigFor(0)
	for _, g := range []int64{1, 1 << 10, 1 << 20, 1 << 25} {
		if d := c.reserve(2*g) - c.reserve(g); d != g*2*badgerKeyBytes {
			t.Errorf("reserve(%d) - reserve(%d) = %d, want %d", 2*g, g, d, g*2*badgerKeyBytes)
		}
	}
	if r := c.reserve(DefaultRAMEntries / 3); r <= oldDiskReserve {
		t.Errorf("reserve for the default tier = %d MiB, not above the old %d MiB", r>>20, oldDiskReserve>>20)
	}
	if r := c.reserve(1); r < int64(c.numMemtables+1)*c.memTable+reserveSlack {
		t.Errorf("reserve = %d MiB does not cover badger's memtables", r>>20)
	}
	if small, big := badgerConfigFor(8<<20).reserve(1000), c.reserve(1000); small >= big {
		t.Errorf("reserve with small memtables %d MiB, with large %d MiB", small>>20, big>>20)
	}

	small := openTest(t, BadgerOptions{RAMEntries: 3 << 10})
	big := openTest(t, BadgerOptions{RAMEntries: 3 << 22})
	want := (big.genMax - small.genMax) * 2 * badgerKeyBytes
	if d := big.DiskReserve() - small.DiskReserve(); d != want {
		t.Errorf("a tier 1024 times larger demands %d bytes more free space, want %d", d, want)
	}
}

func openTest(t *testing.T, o BadgerOptions) *BadgerSet {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	s, err := OpenBadgerSet(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// insertTillFlush inserts random fingerprints into s (a RAM tier of 3Ki)
// in batches of 1Ki until a generation is written to badger, or an insert
// fails, and returns the error.
func insertTillFlush(s *BadgerSet, seed uint64) error {
	rng := rand.New(rand.NewPCG(1, seed))
	fps := make([]uint64, 1<<10)
	isNew := make([]bool, len(fps))
	for range 3 { // the second shift writes a generation
		for i := range fps {
			fps[i] = rng.Uint64()
		}
		if err := s.Insert(fps, isNew); err != nil {
			return err
		}
	}
	return nil
}

// TestDiskGuardRefusesBeforeWrite: with less free space than its reserve,
// the set refuses the flush of a generation with ErrDiskFull before
// issuing it (nothing reaches badger); with the reserve free, the flush
// goes ahead. Free space is faked: no disk is filled.
func TestDiskGuardRefusesBeforeWrite(t *testing.T) {
	for _, free := range []int64{-2, -1, 0} { // relative to the reserve
		s := openTest(t, BadgerOptions{RAMEntries: 3 << 10})
		s.free = func(string) int64 { return s.reserve + free }
		err := insertTillFlush(s, uint64(free))
		if free < 0 {
			if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "--store-dir") {
				t.Errorf("free = reserve%+d: Insert = %v, want ErrDiskFull with a hint", free, err)
			}
			if s.onDisk != 0 || s.flushDone != nil {
				t.Errorf("free = reserve%+d: %d fingerprints sent to badger", free, s.onDisk)
			}
			continue
		}
		if err != nil || s.Sync() != nil || s.onDisk == 0 {
			t.Errorf("free = reserve: Insert = %v, %d fingerprints written; want a write", err, s.onDisk)
		}
	}
}

// TestFileLimitRefusesBeforeWrite: with fewer open files allowed than
// badger needs for the next write, the set refuses it with a hint before
// issuing it (badger would end the process through log.Fatal, or fail
// less clearly); with enough, the write goes ahead. The room is faked.
func TestFileLimitRefusesBeforeWrite(t *testing.T) {
	for _, spare := range []int64{-1, 0} {
		s := openTest(t, BadgerOptions{RAMEntries: 3 << 10})
		s.fds = func() int64 { return s.cfg.files(1<<10) + spare }
		err := insertTillFlush(s, 2+uint64(spare))
		if spare < 0 {
			if err == nil || !strings.Contains(err.Error(), "ulimit -n") || !strings.Contains(err.Error(), "--store memory") {
				t.Errorf("one file short: Insert = %v, want a refusal naming ulimit -n and --store memory", err)
			}
			if s.onDisk != 0 {
				t.Errorf("one file short: %d fingerprints sent to badger", s.onDisk)
			}
			continue
		}
		if err != nil || s.Sync() != nil || s.onDisk == 0 {
			t.Errorf("enough files: Insert = %v, %d fingerprints written; want a write", err, s.onDisk)
		}
	}
}

// TestBadgerMemBudget: badger's memtables and tables are sized from the
// budget: small for a small budget (within it, down to a floor), the
// largest with no budget; store.Open hands badger its share.
func TestBadgerMemBudget(t *testing.T) {
	if c := badgerConfigFor(0); c.memTable != maxMemTable {
		t.Errorf("no budget: memtable %d MiB, want %d", c.memTable>>20, maxMemTable>>20)
	}
	prev := int64(0)
	for _, b := range []int64{1 << 20, 8 << 20, 16 << 20, 64 << 20, 256 << 20, 1 << 30, 16 << 30} {
		c := badgerConfigFor(b)
		if c.memTable < minMemTable || c.memTable > maxMemTable || c.memTable < prev {
			t.Errorf("budget %d MiB: memtable %d KiB", b>>20, c.memTable>>10)
		}
		prev = c.memTable
		if c.mem() > max(b, badgerConfigFor(1).mem()) {
			t.Errorf("budget %d MiB: badger takes %d MiB", b>>20, c.mem()>>20)
		}
	}
	if c := badgerConfigFor(1); c.mem() > 6<<20 {
		t.Errorf("the floor is %d MiB, want at most 6", c.mem()>>20)
	}

	// Through store.Open, with a 64 MiB budget (badger's default memtables
	// alone, 3 × 32 MiB, would exceed it).
	const budget = 64 << 20
	st, err := Open(Options{Kind: Badger, MemBudget: budget})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	opts := st.Visited.(*BadgerSet).bo
	if mem := int64(opts.NumMemtables+1) * opts.MemTableSize; mem > budget/4 {
		t.Errorf("with a %d MiB budget badger's memtables take %d MiB (%d × %d MiB)",
			budget>>20, mem>>20, opts.NumMemtables+1, opts.MemTableSize>>20)
	}
	if opts.BaseTableSize > opts.MemTableSize {
		t.Errorf("base table %d > memtable %d", opts.BaseTableSize, opts.MemTableSize)
	}
	// A 1 MiB budget still works (memtables at their floor).
	tiny, err := Open(Options{Kind: Badger, MemBudget: 1 << 20, RAMEntries: 300})
	if err != nil {
		t.Fatal(err)
	}
	defer tiny.Close()
	if got := tiny.Visited.(*BadgerSet).bo.MemTableSize; got != minMemTable {
		t.Errorf("1 MiB budget: memtable %d, want %d", got, minMemTable)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	fps := make([]uint64, 20000)
	for i := range fps {
		fps[i] = rng.Uint64()
	}
	isNew := make([]bool, len(fps))
	for range 2 {
		if err := tiny.Visited.Insert(fps, isNew); err != nil {
			t.Fatal(err)
		}
	}
	if n := tiny.Visited.Len(); n != int64(len(fps)) {
		t.Errorf("Len = %d, want %d", n, len(fps))
	}
}

// TestHeapLimitFloor: a small budget does not give Go a soft memory limit
// below what a search's live heap needs (the collector would then run back
// to back: 1,444 collections and 10x the time at an 8 MiB budget), for
// either store; a large one gives the budget's share; Close restores the
// limit there was.
func TestHeapLimitFloor(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	for _, kind := range []string{Badger, Memory} {
		st, err := Open(Options{Kind: kind, MemBudget: 8 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1); got != MinHeapLimit {
			t.Errorf("%s, 8 MiB budget: Go's memory limit %d, want %d", kind, got, MinHeapLimit)
		}
		st.Close()
		if got := debug.SetMemoryLimit(-1); got != before {
			t.Errorf("%s: the limit was not restored: %d, want %d", kind, got, before)
		}
	}
	st, err := Open(Options{Kind: Memory, MemBudget: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory store, 1 GiB budget: limit %d", got)
	}
	st.Close()
}

// TestMoreOpenFiles: "1 more open file is", not "1 more open files" (found
// by a tester).
func TestMoreOpenFiles(t *testing.T) {
	if got := moreOpenFiles(1); got != "1 more open file is" {
		t.Errorf("1: %q", got)
	}
	if got := moreOpenFiles(3); got != "3 more open files are" {
		t.Errorf("3: %q", got)
	}
}
