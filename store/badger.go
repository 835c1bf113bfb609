package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/pb"
)

// BadgerOptions configures a BadgerSet.
type BadgerOptions struct {
	// Dir holds the badger store. "" means a new temporary directory
	// (mcheck-store-* in the system's temporary directory). A given Dir is
	// created if missing and must otherwise be empty: a store left by an
	// earlier run is refused, never reused (its fingerprints would mark
	// unexplored states as visited).
	Dir string
	// Keep keeps Dir and the store in it after Close (the user passed
	// --store-dir and wants it). Otherwise Close removes what Open created.
	Keep bool
	// Nested: Dir is a later run's directory inside the store directory of
	// its check's first run (Options.ForRun). Otherwise a Dir inside a
	// store directory is refused: a check still running there would find
	// it taken when it came to that run (a tester, with DIR/run-3).
	Nested bool
	// RAMEntries bounds the RAM tier, the fingerprints inserted or looked
	// up most recently, which answers most duplicates without badger.
	// 0 means DefaultRAMEntries.
	RAMEntries int
	// ShareBytes, when positive, is memory the RAM tier shares with the
	// memory reported by ShareRAM (the explorer's tables): the tier
	// shrinks as that grows, keeping the two within ShareBytes, down to a
	// floor of three generations of 1024 slots.
	ShareBytes int64
	// IndexCacheBytes is the size of badger's cache of its tables'
	// indexes and Bloom filters (0: none; each look-up then reads them
	// from the mapped files, which PageOutAbove may have paged out).
	IndexCacheBytes int64
	// FilterBytes caps the Bloom filter (0: no cap); a filter at its cap
	// holds fewer bits a key, so more look-ups reach badger.
	FilterBytes int64
	// PageOutAbove, when positive, bounds the resident pages of badger's
	// mapped tables: when the process's mapped-file pages exceed it (a
	// goroutine looks every 5 ms, and look-ups every 256 reads), the
	// tables' pages are unmapped from
	// the process; they stay in the page cache (Linux; elsewhere it does
	// nothing). Mapped file pages count in the process's RSS until the
	// kernel reclaims them.
	PageOutAbove int64
	// ExpectedStates sizes the in-memory Bloom filter (10 bits a state); it
	// is rebuilt for twice the keys whenever the set outgrows it. 0 means
	// DefaultExpectedStates.
	ExpectedStates int64
	// MemBudget is the memory for badger itself: its memtables and the
	// tables it builds (not the RAM tier or the filter, which RAMEntries
	// and ExpectedStates size). Badger's memtables are sized from it,
	// between 1 MiB and 8 MiB each; below about 5 MiB badger takes more
	// than the budget. 0 means the largest sizes (32 MiB memtables, about
	// 160 MiB).
	MemBudget int64
}

const (
	// DefaultRAMEntries is the default size of a BadgerSet's RAM tier:
	// 4Mi fingerprints, 48–96 MiB.
	DefaultRAMEntries = 1 << 22

	// maxMemTable and minMemTable bound the size of badger's memtables.
	maxMemTable = 32 << 20
	minMemTable = 1 << 20
	// budgetMemTable is the largest memtable under a memory budget.
	budgetMemTable = 8 << 20

	// badgerKeyBytes is the disk space a fingerprint takes in badger, in a
	// memtable log or a table with its index and Bloom filter (about 27
	// bytes measured).
	badgerKeyBytes = 32
	// reserveSlack is free space kept on top of the largest write, for
	// badger's manifest and the writes of other processes.
	reserveSlack = 32 << 20

	// storeVersion is the version of every key: the database is opened in
	// managed mode and never holds two versions of a key.
	storeVersion = 1

	// DefaultExpectedStates is the default initial capacity of a
	// BadgerSet's Bloom filter (5 MiB).
	DefaultExpectedStates = 1 << 22

	// markerFile marks a directory as holding an mcheck store.
	markerFile = "MCHECK-STORE"
)

// badgerConfig is the sizes badger is configured with.
type badgerConfig struct {
	memTable      int64 // MemTableSize
	numMemtables  int   // NumMemtables
	baseTable     int64 // BaseTableSize
	baseLevel     int64 // BaseLevelSize
	l0Tables      int   // NumLevelZeroTables
	l0Stall       int   // NumLevelZeroTablesStall
	vlogFile      int64 // ValueLogFileSize
	numCompactors int   // NumCompactors
}

// badgerConfigFor sizes badger's memory for a budget (0: no budget, the
// largest sizes).
//
// Badger holds numMemtables memtables (each an arena of 1.15 memTable: the
// memtable and room for a batch), one more while it is written out as a
// level-0 table, and each compactor builds a table of up to baseTable
// (with buffers of twice that). With baseTable = memTable/8 that is about
// 5.1 memTables: a memtable is a sixth of the budget.
func badgerConfigFor(budget int64) badgerConfig {
	c := badgerConfig{
		memTable:      maxMemTable,
		numMemtables:  3,
		baseTable:     2 << 20,
		baseLevel:     10 << 20,
		l0Tables:      5,
		l0Stall:       15,
		vlogFile:      16 << 20, // values are empty: the log only holds badger's own bookkeeping
		numCompactors: 2,
	}
	if budget > 0 {
		m := budget / 6 &^ (64<<10 - 1)
		// At most 8 MiB under a budget: a generation of the RAM tier
		// written to badger comes as a burst of memtables, each flushed
		// to a level-0 table that the next compaction reads whole, mapped
		// faster than the pager unmaps it (25 level-0 tables of 10.6 MiB
		// were resident at once at 1 GiB; with 8 MiB two runs' mapped
		// pages peaked at 470 and 389 MiB, against 626-727 MiB).
		c.memTable = min(max(m, minMemTable), budgetMemTable)
		c.baseTable = min(max(c.memTable/8, 128<<10), 2<<20)
		// Keys are random, so every level-0 table overlaps the whole base
		// level, and a compaction out of level 0 rewrites all of it: its
		// output tables are resident, and cannot be unmapped (pager.go)
		// until they are installed. A small base level keeps that burst
		// small (on prodcons K=4 with a 1 GiB budget, mapped pages
		// sampled every 3 s peaked at 522 MiB with a 10 MiB base level,
		// at 390 MiB with 2 MiB).
		c.baseLevel = 2 << 20
	}
	return c
}

// mem is roughly the memory badger takes with c.
func (c badgerConfig) mem() int64 {
	return int64(c.numMemtables+1)*c.memTable*115/100 + int64(c.numCompactors)*2*c.baseTable
}

// reserve is the free space a write of keys fingerprints to badger needs,
// slack included; with less, the set refuses to issue the write (see
// checkSpace). Badger writes its memtable logs and tables through mmap,
// so running out of space there is a SIGBUS that kills the process, not
// an error. The keys go to memtable logs and level-0 tables, and may be
// rewritten by a compaction before those are removed; meanwhile badger
// holds the logs of its memtables (and of the one being written out) and
// a level-0 compaction writes its output (up to the level-0 tables and
// the base level) before removing its input. The largest write is the
// flush of a generation of the RAM tier.
func (c badgerConfig) reserve(keys int64) int64 {
	return keys*2*badgerKeyBytes +
		int64(c.numMemtables+1)*c.memTable +
		int64(c.l0Tables)*c.memTable + c.baseLevel +
		c.vlogFile + reserveSlack
}

/*
BadgerSet is a visited set on disk, in a badger/v4 database whose keys are
the fingerprints (8 bytes, big-endian, multiplied by an odd constant; see
below) and whose values are empty.

Badger costs a microsecond or more per write or look-up, so the set keeps
a write-back RAM tier and a filter in front of it:

  - The RAM tier: three MemorySet generations, cur, prev and flushing, of
    at most RAMEntries/3 new fingerprints each (fewer when the tier shares
    its memory with the explorer's tables, ShareBytes). A fingerprint in
    any of them is a duplicate. New fingerprints go to cur; when cur is
    full, the generations shift: the flushing one, whose write has
    finished, is dropped, prev is written to badger in the background
    (flushing), straight from its table, cur becomes prev. So a run whose
    states fit in the tier never writes to badger at all, and in a BFS
    most duplicates are of states of the last few levels, which the tier
    still holds.
  - A blocked Bloom filter of every fingerprint written to badger (10 bits
    each, about 1% false positives). A fingerprint the filter rules out is
    new without a look-up, which is the common case for new states. When
    badger outgrows the filter, it is rebuilt for twice the keys from a
    key-only scan (amortised, a scan per state at most). With FilterBytes
    the filter is made at that size at once and never rebuilt: past 10
    bits a key it answers "perhaps" more often, which costs look-ups.
  - Badger maps its files; the pages it touches stay resident, in the
    process's RSS, until the kernel needs them. With PageOutAbove, a pager
    unmaps the tables' pages from the process when they exceed it
    (pageout_linux.go).
  - What is left (duplicates of old states, and false positives) is sorted
    and looked up in one read transaction, in key order.

A fingerprint the filter rules out is added to cur at once, which also
catches its repeats later in the batch; one to be looked up goes to a
per-batch MemorySet instead, until badger has answered. Len is exact.

Writes bypass transactions: every fingerprint is written once, at version
1 of a managed-mode database, through a KVLoader, which hands entries to
badger's write goroutine in the order given. (A WriteBatch collects them in
a map first, which costs a map insert each and loses the order.) In key
order, successive inserts into the memtable's skiplist walk nearby nodes,
which roughly halves their cost. The key of fp is fp·φ, the home slot of
fp in a MemorySet is the top bits of fp·φ: a generation's table read in
slot order is already nearly in key order.
*/
type BadgerSet struct {
	// db is nil until the RAM tier first writes to badger (openDB): a
	// search that fits in the tier never opens it. Opening and closing
	// badger took 0.15 s of each small check's 0.32 s (mathserver.dsu,
	// three strategies), its memtables' 64 MiB of address space and 18
	// fsyncs.
	db      *badger.DB
	bo      badger.Options // what db is opened with
	pageOut int64          // BadgerOptions.PageOutAbove
	log     *badgerLog     // what badger reports going wrong in its own goroutines
	dir     string
	keep    bool
	nested  bool // BadgerOptions.Nested
	created bool // Open created dir (rather than using an empty one)
	// madeFrom is the outermost of the directories above dir that did
	// not exist when Open started ("" if none), which it created with dir.
	madeFrom string
	lock     *os.File // dir, open and locked (see lockDir) from Open to Close
	cfg      badgerConfig
	reserve  int64              // see badgerConfig.reserve
	free     func(string) int64 // freeBytes; tests replace it
	files    func(string) int64 // freeFiles; tests replace it
	fds      func() int64       // openFilesRoom; tests replace it

	cur, prev, flushing *MemorySet // the RAM tier; flushing may be nil
	spare               *MemorySet // a dropped generation, for reuse
	genMax              int64      // the most fingerprints a generation holds (RAMEntries/3)
	gen                 int64      // what it holds now (genMax, or less to share; see ShareRAM)
	shareBytes          int64      // BadgerOptions.ShareBytes
	filterBytes         int64      // BadgerOptions.FilterBytes
	pager               *pager     // with PageOutAbove
	batch               *MemorySet // the current batch's candidates
	filter              *bloom     // nil until the first write
	expect              int64      // the filter's first capacity
	n                   int64      // distinct fingerprints
	onDisk              int64      // fingerprints written, or being written, to badger

	pending []uint64 // fingerprints to look up in badger
	where   []int32  // their indices in the batch, in step with pending
	fresh   []uint64 // pending fingerprints found absent

	flushDone chan error // non-nil while a background write runs
	// abandon stops a background write early: at Close, a temporary store
	// need not finish one (its directory is removed).
	abandon atomic.Bool

	err    error // sticky: the set is unusable after a failed write
	closed bool
}

// OpenBadgerSet opens a new, empty visited set on badger.
func OpenBadgerSet(opts BadgerOptions) (*BadgerSet, error) {
	s := &BadgerSet{keep: opts.Keep, nested: opts.Nested, cfg: badgerConfigFor(opts.MemBudget), free: freeBytes, files: freeFiles, fds: openFilesRoom, log: &badgerLog{}}
	tier := int64(opts.RAMEntries)
	if tier <= 0 {
		tier = DefaultRAMEntries
	}
	s.genMax = max(tier/3, 1)
	s.gen = s.genMax
	s.shareBytes, s.filterBytes = opts.ShareBytes, opts.FilterBytes
	s.reserve = s.cfg.reserve(s.genMax) // (a generation never holds more than genMax)
	if err := s.lockNewDir(opts.Dir); err != nil {
		return nil, err
	}
	// From here on the directory is locked and was empty: what is in it
	// is ours.
	fail := func(err error) (*BadgerSet, error) {
		if cerr := s.cleanup(); s.created && (errors.Is(cerr, syscall.EMFILE) || errors.Is(cerr, syscall.ENFILE)) {
			// No file was left to list the directory with (ulimit -n 9: a
			// tester found it left behind): the lock's is given up first.
			// The directory is this run's own new temporary one.
			s.unlock()
			os.RemoveAll(s.dir)
		}
		s.unlock()
		if s.created {
			s.removeMadeParents()
		}
		return nil, err
	}
	if err := writePid(s.dir); err != nil {
		return fail(ioError("open store", s.dir, err))
	}
	marker := "mcheck visited-set store (badger/v4); safe to delete when no mcheck run is using it\n"
	if err := os.WriteFile(filepath.Join(s.dir, markerFile), []byte(marker), 0o644); err != nil {
		return fail(ioError("open store", s.dir, err))
	}
	if err := s.checkSpace("open store", 0); err != nil {
		return fail(err)
	}
	c := s.cfg
	bo := badger.DefaultOptions(s.dir).
		WithLogger(s.log).
		WithSyncWrites(false).
		WithDetectConflicts(false).
		WithMetricsEnabled(false).
		WithNumVersionsToKeep(1).
		// The set holds badger's directory lock itself (lockDir).
		WithBypassLockGuard(ownLock).
		// Keys are random 8-byte strings: nothing to compress, and without
		// compression badger advises no block cache (reads go to the
		// mmapped tables and the OS page cache).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(opts.IndexCacheBytes).
		WithValueLogFileSize(c.vlogFile).
		// (No value goes to the value log; the default threshold, 1 MiB,
		// must not exceed badger's batch, 15% of a memtable.)
		WithValueThreshold(1 << 10).
		// A memtable holds ~40 bytes/key; see badgerConfigFor.
		WithMemTableSize(c.memTable).
		WithNumMemtables(c.numMemtables).
		WithBaseTableSize(c.baseTable).
		WithBaseLevelSize(c.baseLevel).
		WithNumLevelZeroTables(c.l0Tables).
		WithNumLevelZeroTablesStall(c.l0Stall).
		WithNumCompactors(c.numCompactors)
	s.bo, s.pageOut = bo, opts.PageOutAbove
	if s.keep || !ownLock {
		// A kept store is a badger directory even if the tier never
		// wrote to it; and where the set cannot lock the directory,
		// badger's lock guard is the one that keeps another process
		// out, from the start.
		if err := s.openDB(); err != nil {
			if errors.Is(err, ErrStoreDirInUse) {
				// Badger's own lock guard: the directory is another
				// process's.
				s.unlock()
				return nil, err
			}
			return fail(err)
		}
	}
	s.cur, s.prev, s.batch = NewMemorySet(), NewMemorySet(), NewMemorySet()
	s.expect = opts.ExpectedStates
	if s.expect <= 0 {
		s.expect = DefaultExpectedStates
	}
	return s, nil
}

// openDB opens badger, if it is not open yet (see db).
func (s *BadgerSet) openDB() error {
	if s.db != nil {
		return nil
	}
	db, err := badger.OpenManaged(s.bo)
	if err != nil {
		return openError(s.dir, err)
	}
	s.db = db
	if s.pageOut > 0 && canPageOut {
		s.pager = startPager(s.dir, s.pageOut, s.pinTables)
	}
	return nil
}

// lockNewDir sets s.dir to a new temporary directory (dir "") or to dir,
// which it creates if missing, and locks it; a given dir must be empty
// and writable. Nothing is created in the directory before it is locked,
// and a directory that another process has locked is left alone.
func (s *BadgerSet) lockNewDir(dir string) error {
	const attempts = 5
	if dir == "" {
		RemoveStaleTemp("")
		for i := 0; ; i++ {
			d, err := os.MkdirTemp("", tempPrefix)
			if err != nil {
				kind := ErrStoreDirUnwritable
				if isNoSpace(err) {
					kind = ErrDiskFull
				}
				return &Error{Op: "create store in", Path: os.TempDir(), Kind: kind, Err: err,
					Hint: "set TMPDIR, or pass a writable directory with --store-dir"}
			}
			lock, err := lockDir(d)
			if err == nil && sameDir(lock, d) {
				s.dir, s.created, s.lock = d, true, lock
				if err := os.WriteFile(filepath.Join(d, tempMarkerFile), []byte("a temporary mcheck store: the run that made it removes it, or a later one if it was killed\n"), 0o644); err != nil {
					s.unlock()
					os.RemoveAll(d)
					return ioError("create store in", d, err)
				}
				return nil
			}
			if err != nil && !errors.Is(err, errLocked) {
				os.Remove(d)
				return &Error{Op: "create store in", Path: d, Kind: ErrStoreDirUnwritable, Err: err,
					Hint: "set TMPDIR, or pass a writable directory with --store-dir"}
			}
			// Another run, looking for stale stores, had it locked (or
			// even removed it) before we could lock it. Nobody else
			// writes to it: remove it if it is still there, empty.
			if lock != nil {
				lock.Close()
			}
			os.Remove(d)
			if i == attempts {
				return &Error{Op: "create store in", Path: os.TempDir(), Kind: ErrStoreDirUnwritable,
					Err: errors.New("new temporary directories keep being taken"), Hint: "set TMPDIR, or pass a directory with --store-dir"}
			}
		}
	}
	s.dir = absPath(dir)
	// Any directory above it, not only its parent (found by a tester:
	// DIR/run-2/a was taken, and the check whose store DIR is then found
	// its run-2 not empty).
	for parent := filepath.Dir(s.dir); !s.nested; parent = filepath.Dir(parent) {
		if _, err := os.Lstat(filepath.Join(parent, markerFile)); err == nil {
			return &Error{Op: "open store", Path: s.dir, Kind: ErrStoreDirNested,
				Hint: parent + " holds the store of another check, whose later runs go in directories inside it, run-2, run-3 and so on: pass a directory outside it"}
		}
		if filepath.Dir(parent) == parent {
			break
		}
	}
	s.madeFrom = ""
	for d := s.dir; ; {
		up := filepath.Dir(d)
		if up == d {
			break
		}
		if _, err := os.Lstat(up); !errors.Is(err, fs.ErrNotExist) {
			break
		}
		s.madeFrom, d = up, up
	}
	for i := 0; ; i++ {
		created, err := ensureDir("open store", s.dir)
		if err != nil {
			return err
		}
		lock, err := lockDir(s.dir)
		if errors.Is(err, errLocked) {
			return inUseError(s.dir, nil)
		}
		if err != nil {
			if created {
				// (a tester: ulimit -n 8 left DIR/a/b, empty)
				os.Remove(s.dir)
				s.removeMadeParents()
			}
			return dirError("open store", s.dir, err)
		}
		if !sameDir(lock, s.dir) {
			// Removed (by the run that held it) before we locked it.
			lock.Close()
			if i == attempts {
				return &Error{Op: "open store", Path: s.dir, Kind: ErrStoreDirUnwritable,
					Err: errors.New("the directory keeps being removed"), Hint: hintDir}
			}
			continue
		}
		s.created, s.lock = created, lock
		break
	}
	if err := checkEmptyDir(s.dir); err != nil {
		s.unlock()
		return err
	}
	if err := probeDir("open store", s.dir); err != nil {
		if s.created {
			os.Remove(s.dir)
			s.removeMadeParents()
		}
		s.unlock()
		return err
	}
	return nil
}

// removeMadeParents removes, once Open has failed and removed dir, which
// it created, the directories above it that it created with it, as far as
// they are empty (a tester: a disk too full to start a store in DIR/p/q/r left
// DIR/p/q, where the README promises that nothing is left).
func (s *BadgerSet) removeMadeParents() {
	if s.madeFrom == "" {
		return
	}
	for d := filepath.Dir(s.dir); ; d = filepath.Dir(d) {
		if os.Remove(d) != nil || d == s.madeFrom {
			return
		}
	}
}

// unlock releases the directory's lock.
func (s *BadgerSet) unlock() {
	if s.lock != nil {
		s.lock.Close()
		s.lock = nil
	}
}

// checkEmptyDir refuses a directory that holds anything. The caller holds
// its lock, so a store in it is not in use: it is left by an earlier run.
func checkEmptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return dirError("open store", dir, err)
	}
	if len(ents) == 0 {
		return nil
	}
	names := make(map[string]bool)
	for _, e := range ents {
		names[e.Name()] = true
		// A check of several runs keeps the runs after the first in
		// directories inside its --store-dir (run-2, ...): one locked is
		// a run still going, and nothing here is to be removed.
		if sub := filepath.Join(dir, e.Name()); ownLock && e.IsDir() && dirLocked(sub) {
			return inUseError(sub, nil)
		}
	}
	if !ownLock && names[pidFile] && dirLocked(dir) {
		return inUseError(dir, nil)
	}
	hint := "it holds other files; pass an empty or new directory with --store-dir"
	if names[markerFile] || names["MANIFEST"] {
		hint = "it holds a store left by an earlier run (killed, or kept with --store-dir); " +
			"remove it (rm -r " + dir + ") or pass another --store-dir"
	}
	return &Error{Op: "open store", Path: dir, Kind: ErrStoreDirNotEmpty, Hint: hint}
}

func openError(dir string, err error) error {
	switch {
	case isNoSpace(err):
		return &Error{Op: "open store", Path: dir, Kind: ErrDiskFull, Err: err, Hint: hintDiskFull}
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return inUseError(dir, err)
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS):
		return &Error{Op: "open store", Path: dir, Kind: ErrStoreDirUnwritable, Err: err, Hint: hintDir}
	case errors.Is(err, syscall.EMFILE) || strings.Contains(err.Error(), syscall.EMFILE.Error()):
		// (Badger does not always keep the errno in its error chain.)
		return &Error{Op: "open store", Path: dir, Err: err, Hint: hintOpenFiles}
	}
	return &Error{Op: "open store", Path: dir, Err: err}
}

// Insert adds fps to the set; isNew[i] reports whether fps[i] was absent
// before the call and not repeated earlier in fps.
func (s *BadgerSet) Insert(fps []uint64, isNew []bool) error {
	if s.closed {
		return closedError("insert into")
	}
	if s.err != nil {
		return s.err
	}
	if err := s.log.failed(s.dir); err != nil {
		s.err = err
		return err
	}
	isNew = isNew[:len(fps)]
	s.pending, s.where, s.fresh = s.pending[:0], s.where[:0], s.fresh[:0]
	if s.batch.Len() > 0 {
		s.batch.Reset()
	}
	n := 0
	for i, fp := range fps {
		if s.prev.Contains(fp) || s.flushing != nil && s.flushing.Contains(fp) {
			isNew[i] = false
			continue
		}
		if s.onDisk == 0 || !s.filter.mayContain(fp) {
			// Not in badger: new unless in cur (or earlier in fps).
			isNew[i] = s.cur.Add(fp)
			if isNew[i] {
				n++
			}
			continue
		}
		// Perhaps in badger: look it up, unless cur or the batch has it.
		if s.cur.Contains(fp) || !s.batch.Add(fp) {
			isNew[i] = false
			continue
		}
		s.pending = append(s.pending, fp)
		s.where = append(s.where, int32(i))
	}
	if len(s.pending) > 0 {
		if err := s.lookup(fps, isNew); err != nil {
			s.err = err
			return err
		}
		for _, fp := range s.fresh {
			s.cur.Add(fp)
		}
		n += len(s.fresh)
	}
	s.n += int64(n)
	if s.cur.Len() >= s.gen {
		if err := s.shift(); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// recoverBadger, deferred around a read of badger, turns a panic in it into
// an error in *err, once the store's directory is gone or badger has
// reported a failure; any other panic goes on (a bug is not a store
// error). Badger (v4.9) leaves its memtable nil when it cannot make a new
// one (DB.ensureRoomForWrite: the directory removed, its file system
// full), and its next read dereferences it (a tester: the pager's
// pinTables panicked, exit 2 and the results lost, after the store's
// directory was removed during the search).
func (s *BadgerSet) recoverBadger(err *error) {
	r := recover()
	if r == nil {
		return
	}
	_, statErr := os.Stat(s.dir)
	if statErr == nil && s.log.failed(s.dir) == nil {
		panic(r)
	}
	*err = &Error{Op: "read store", Path: s.dir, Err: fmt.Errorf("badger failed (%v)", r),
		Hint: "was the store's directory removed, or its file system filled, during the search?"}
}

// lookup decides the pending fingerprints by looking them up in badger in
// key order, and appends the absent ones to fresh.
func (s *BadgerSet) lookup(fps []uint64, isNew []bool) (err error) {
	defer s.recoverBadger(&err)
	for i, fp := range s.pending {
		s.pending[i] = fp * fibMul // the key, sorted with its index
	}
	idx := make([]int32, len(s.pending))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return cmpUint64(s.pending[a], s.pending[b]) })
	txn := s.db.NewTransactionAt(storeVersion, false)
	defer txn.Discard()
	var key [8]byte
	for n, k := range idx {
		if n%pageOutGets == pageOutGets-1 {
			s.pager.look()
		}
		binary.BigEndian.PutUint64(key[:], s.pending[k])
		_, err := txn.Get(key[:])
		switch {
		case err == nil:
			isNew[s.where[k]] = false
		case errors.Is(err, badger.ErrKeyNotFound):
			isNew[s.where[k]] = true
			s.fresh = append(s.fresh, fps[s.where[k]])
		default:
			return ioError("look up in store", s.dir, err)
		}
	}
	return nil
}

func cmpUint64(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// shift moves the generations along: the flushed one is dropped, prev is
// written to badger in the background, cur becomes prev.
func (s *BadgerSet) shift() error {
	if err := s.waitFlush(); err != nil {
		return err
	}
	if s.flushing != nil {
		s.spare, s.flushing = s.flushing, nil
	}
	if n := s.prev.Len(); n > 0 {
		if err := s.checkSpace("write to store", n); err != nil {
			return err
		}
		if err := s.openDB(); err != nil {
			return err
		}
		if s.filter == nil {
			// With a cap, the filter is made at its cap at once: a
			// rebuild scans every key in badger, whose mapped pages then
			// all come in at once.
			c := max(s.expect, 2*n)
			if s.filterBytes > 0 {
				c = max(c, s.filterBytes*8/bloomBitsPerKey)
			}
			s.filter = newBloom(c, s.filterBytes)
		}
		if s.onDisk+n > s.filter.capacity() && !s.filter.full(s.filterBytes) {
			// (A filter at its cap takes more keys than it was sized
			// for, with more false positives: a larger one would be no
			// larger.)
			if err := s.rebuildFilter(2 * (s.onDisk + n)); err != nil {
				return err
			}
		}
		s.prev.each(func(fp uint64) { s.filter.add(fp) })
		s.onDisk += n
		s.flushing = s.prev
		s.flushDone = make(chan error, 1)
		go s.write(s.flushDone, s.flushing)
	} else {
		s.spare = s.prev
	}
	s.prev, s.cur = s.cur, s.spare
	s.spare = nil
	if s.cur == nil {
		s.cur = NewMemorySet()
	} else {
		s.cur.resetTo(genSlots(s.gen))
	}
	return nil
}

// genSlots is the table size, a power of two, for a generation of gen
// fingerprints: the table grows when three quarters full.
func genSlots(gen int64) int {
	n := memMinSlots
	for int64(n)/4*3 < gen {
		n *= 2
	}
	return n
}

// ShareRAM reports the memory the tier shares its budget with (the
// explorer's tables, which grow as it goes); with ShareBytes set, the
// generations after the next shift are sized so that the tier and that
// memory stay within ShareBytes (see tierGen).
func (s *BadgerSet) ShareRAM(bytes int64) {
	if s.shareBytes > 0 {
		s.gen = min(s.genMax, tierGen(s.shareBytes-bytes))
	}
}

// tierGen is the size of a generation of a RAM tier of the given bytes:
// three tables of a power-of-two size (1024 slots at least), filled to 70%
// at most (a batch may overfill one a little before it shifts, and a
// table grows when three quarters full).
func tierGen(bytes int64) int64 {
	slots := int64(memMinSlots)
	for 3*(2*slots)*8 <= bytes {
		slots *= 2
	}
	return slots * 7 / 10
}

// write writes the fingerprints of sets to badger and reports the outcome
// on done. It runs in its own goroutine, and touches nothing of s but the
// database and the sets, which it only reads. It writes them in slot
// order, which is nearly key order.
func (s *BadgerSet) write(done chan<- error, sets ...*MemorySet) {
	loader := s.db.NewKVLoader(4)
	var buf [8]byte
	kv := pb.KV{Key: buf[:], Version: storeVersion} // Set copies the key
	var err error
	for _, set := range sets {
		set.each(func(fp uint64) {
			if err == nil && s.abandon.Load() {
				err = errAbandoned
			}
			if err == nil {
				binary.BigEndian.PutUint64(buf[:], fp*fibMul)
				err = loader.Set(&kv)
			}
		})
	}
	if err != nil {
		loader.Finish()
		done <- err
		return
	}
	done <- loader.Finish()
}

// pinTables returns the ids of live tables that badger will not delete
// (nor unmap) until release is called: the tables listed both before and
// after an iterator was opened, which holds a reference to every table
// live when it opened. Safe for concurrent use with the set's other
// methods, before Close.
//
// If badger has failed (its memtable gone, recoverBadger), nothing is
// pinned: pageOut then advises only MADV_PAGEOUT, which loses no data.
func (s *BadgerSet) pinTables() (ids map[uint64]bool, release func()) {
	release = func() {}
	if s.log.failed(s.dir) != nil {
		return nil, release
	}
	var err error
	defer func() {
		if err != nil {
			ids = nil
		}
	}()
	defer s.recoverBadger(&err)
	before := s.db.Tables()
	txn := s.db.NewTransactionAt(storeVersion, false)
	it := txn.NewIterator(badger.IteratorOptions{})
	release = func() {
		it.Close()
		txn.Discard()
	}
	ids = make(map[uint64]bool, len(before))
	for _, t := range before {
		ids[t.ID] = false
	}
	for _, t := range s.db.Tables() {
		if _, ok := ids[t.ID]; ok {
			ids[t.ID] = true
		}
	}
	return ids, release
}

// errAbandoned ends a background write abandoned at Close.
var errAbandoned = errors.New("store: write abandoned at close")

// waitFlush waits for the background write, if any.
func (s *BadgerSet) waitFlush() error {
	if s.flushDone == nil {
		return nil
	}
	err := <-s.flushDone
	s.flushDone = nil
	if err != nil {
		return ioError("write to store", s.dir, err)
	}
	return nil
}

// checkSpace fails with ErrDiskFull, before the write is issued, when the
// store's file system has less free space than a write of keys
// fingerprints to badger may need (see badgerConfig.reserve). At open,
// keys is 0: the space for badger's own files; the flush of a generation
// is checked when it comes, so that a run whose states fit in the RAM
// tier does not need the space for one.
//
// Files count too: badger writes its tables as files of at most baseTable
// bytes each, and on a file system out of inodes (or whose directory was
// removed) it cannot create the next one, which it does not survive (an
// assertion that ends the process, a crash, or tables lost; adversarial
// tester). So the directory must still be there, and the free inodes must
// cover the write's tables.
func (s *BadgerSet) checkSpace(op string, keys int64) error {
	if _, err := os.Stat(s.dir); err != nil {
		return &Error{Op: op, Path: s.dir, Err: fmt.Errorf("the store directory is gone: %w", err)}
	}
	need := s.cfg.reserve(keys)
	if free := s.free(s.dir); free >= 0 && free < need {
		return &Error{Op: op, Path: s.dir, Kind: ErrDiskFull,
			Err: fmt.Errorf("only %s free; the store needs %d MiB free for its next write (%d keys, and badger's tables)",
				SizeString(free), (need+1<<20-1)>>20, keys),
			Hint: hintDiskFull}
	}
	if files, want := s.files(s.dir), s.cfg.files(keys); files >= 0 && files < want {
		return &Error{Op: op, Path: s.dir, Kind: ErrDiskFull,
			Err: fmt.Errorf("only %d files (inodes) free; the store needs about %d for its next write (%d keys, and badger's tables)",
				files, want, keys),
			Hint: hintDiskFull}
	}
	// Badger holds its tables and logs open, and some of its failures to
	// open one end the process (log.Fatal, exit status 1, which says a
	// violation was found): too few open files is refused here first.
	if room, want := s.fds(), s.cfg.files(keys); room >= 0 && room < want {
		return &Error{Op: op, Path: s.dir,
			Err: fmt.Errorf("%s allowed (ulimit -n %d); the store needs about %d for its next write (%d keys, and badger's tables)",
				moreOpenFiles(room), openFilesLimit(), want, keys),
			Hint: hintOpenFiles}
	}
	return nil
}

// files is how many files badger may hold for a write of keys
// fingerprints, counted as reserve counts bytes: the logs of its
// memtables, the level-0 tables, the base level's tables, the tables the
// keys are rewritten into by a compaction (twice: before the old ones are
// removed), and a few of its own (manifest, value log, lock, ...).
func (c badgerConfig) files(keys int64) int64 {
	table := max(c.baseTable, 1)
	return int64(c.numMemtables+1) + int64(c.l0Tables) + c.baseLevel/table +
		keys*2*badgerKeyBytes/table + 16
}

// DiskReserve is the free space the set needs to write a full generation
// of its RAM tier to badger (the largest write it issues, unless a batch
// overfills the generation): with less, it refuses to write.
func (s *BadgerSet) DiskReserve() int64 { return s.reserve }

// Sync waits until the background write to badger, if any, is done.
// (Fingerprints still in the RAM tier are written when they leave it, or
// at Close for a kept store.)
func (s *BadgerSet) Sync() error {
	if s.closed {
		return closedError("sync store")
	}
	if s.err != nil {
		return s.err
	}
	if err := s.waitFlush(); err != nil {
		s.err = err
		return err
	}
	if err := s.log.failed(s.dir); err != nil {
		s.err = err
		return err
	}
	return nil
}

// rebuildFilter replaces the Bloom filter by one sized for capacity,
// filled from a key-only scan of badger. No write may be running.
func (s *BadgerSet) rebuildFilter(capacity int64) (err error) {
	defer s.recoverBadger(&err)
	s.filter.free() // (the old one can go before the new one is filled)
	s.filter = nil
	f := newBloom(capacity, s.filterBytes)
	txn := s.db.NewTransactionAt(storeVersion, false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
	defer it.Close()
	var n int64
	for it.Rewind(); it.Valid(); it.Next() {
		f.add(binary.BigEndian.Uint64(it.Item().Key()) * fibInv)
		n++
	}
	if n != s.onDisk {
		return &Error{Op: "scan store", Path: s.dir,
			Err: fmt.Errorf("found %d keys, want %d", n, s.onDisk)}
	}
	s.filter = f
	return nil
}

// Len is the number of distinct fingerprints in the set.
func (s *BadgerSet) Len() int64 { return s.n }

// Dir is the directory holding the store.
func (s *BadgerSet) Dir() string { return s.dir }

// Stats reports the memory of the RAM tier, the batch set and the filter
// (not badger's own memtables and table indexes), and the bytes the
// store's files occupy on disk.
func (s *BadgerSet) Stats() Stats {
	var st Stats
	if s.closed {
		return st
	}
	for _, g := range []*MemorySet{s.cur, s.prev, s.flushing, s.batch} {
		if g != nil {
			st.RAMBytes += g.Stats().RAMBytes
		}
	}
	if s.filter != nil {
		st.RAMBytes += s.filter.bytes()
	}
	st.RAMBytes += int64(cap(s.pending)+cap(s.fresh))*8 + int64(cap(s.where))*4
	st.DiskBytes = diskUsage(s.dir)
	return st
}

// diskUsage is the space the files under dir take (allocated blocks where
// the system says, so sparse preallocated files count what they use).
func diskUsage(dir string) int64 {
	var total int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		total += allocated(fi)
		return nil
	})
	return total
}

// Close closes badger and, unless Keep was set, removes the store: the
// directory if Open created it, or else the files in it. A kept store is
// complete: the RAM tier is written to badger first. The store is removed
// only after badger closed cleanly; if it did not, the error says where the
// store was left. Close may be called more than once.
func (s *BadgerSet) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if !s.keep {
		s.abandon.Store(true) // the directory goes: no write need finish
	}
	// The pager runs on until badger closes: a background write still
	// maps tables as it goes (a peak of 1.57 GiB at 1GiB when the pager
	// stopped first).
	writeErr := s.waitFlush() // the background write uses the database
	if s.keep && writeErr == nil && s.err == nil {
		writeErr = s.checkSpace("write to store", s.cur.Len()+s.prev.Len())
		if writeErr == nil {
			done := make(chan error, 1)
			s.write(done, s.prev, s.cur)
			if err := <-done; err != nil {
				writeErr = ioError("write to store", s.dir, err)
			}
		}
	}
	for _, g := range []*MemorySet{s.cur, s.prev, s.flushing, s.spare, s.batch} {
		if g != nil {
			g.Close() // their slots are mapped outside the heap
		}
	}
	s.filter.free()
	s.cur, s.prev, s.flushing, s.spare, s.batch, s.filter = nil, nil, nil, nil, nil, nil
	s.pending, s.where, s.fresh = nil, nil, nil
	// The lock is released last, once the store is removed or complete.
	defer s.unlock()
	s.pager.close() // it pins tables with the database, so before it closes
	if err := s.closeDB(); err != nil {
		if _, statErr := os.Stat(s.dir); errors.Is(statErr, fs.ErrNotExist) {
			// Nothing left to remove (found by a tester: the hint said to
			// remove a directory that was gone).
			return &Error{Op: "close store", Path: s.dir, Err: fmt.Errorf("the store directory is gone: %w", err)}
		}
		return &Error{Op: "close store", Path: s.dir, Err: err,
			Hint: "the store was left in place; remove it by hand (rm -r " + s.dir + ")"}
	}
	if s.keep {
		os.Remove(filepath.Join(s.dir, pidFile))
		return writeErr
	}
	if err := s.cleanup(); err != nil {
		return &Error{Op: "remove store", Path: s.dir, Err: err,
			Hint: "remove it by hand (rm -r " + s.dir + ")"}
	}
	return nil
}

// closeDB closes badger. Badger retries a failed flush of a memtable for
// ever, and its Close waits for the flush: with its directory gone or its
// file system unable to take another file, Close never returned, even
// after SIGTERM (adversarial tester). Once badger has reported a failure,
// or the directory is gone, Close is given closeWait, and then abandoned
// (the process ends soon after; its goroutines with it).
func (s *BadgerSet) closeDB() error {
	if s.db == nil {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- s.db.Close() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var since time.Time
	for {
		select {
		case err := <-done:
			return err
		case now := <-tick.C:
			_, statErr := os.Stat(s.dir)
			failed := s.log.failed(s.dir)
			if statErr == nil && failed == nil {
				continue
			}
			if since.IsZero() {
				since = now
			}
			if now.Sub(since) < closeWait {
				continue
			}
			if failed == nil {
				failed = fmt.Errorf("the store directory is gone: %w", statErr)
			}
			return fmt.Errorf("badger did not close within %v of failing, abandoned: %w", closeWait, failed)
		}
	}
}

// closeWait is how long Close waits for badger once it has failed.
const closeWait = 3 * time.Second

// badgerLog takes badger's log: its errors (a memtable it could not write
// out, a write it could not make) happen in its own goroutines, which
// retry or go on; the first is kept, and the set's next operation fails
// with it, rather than going on with a database that may have lost what
// it was given.
type badgerLog struct {
	first atomic.Pointer[string]
}

func (l *badgerLog) Errorf(format string, args ...any) {
	msg := strings.TrimSpace(fmt.Sprintf(format, args...))
	l.first.CompareAndSwap(nil, &msg)
}
func (l *badgerLog) Warningf(string, ...any) {}
func (l *badgerLog) Infof(string, ...any)    {}
func (l *badgerLog) Debugf(string, ...any)   {}

// failed is the error badger reported first, as the store's, or nil.
func (l *badgerLog) failed(dir string) error {
	msg := l.first.Load()
	if msg == nil {
		return nil
	}
	err := errors.New("badger: " + *msg)
	if strings.Contains(*msg, syscall.ENOSPC.Error()) {
		return &Error{Op: "write to store", Path: dir, Kind: ErrDiskFull, Err: err, Hint: hintDiskFull}
	}
	return &Error{Op: "write to store", Path: dir, Err: err}
}

// cleanup removes what Open created: the whole directory, or the contents
// of the empty directory it was given. It is called only with the
// directory locked, so what is in it is this set's.
func (s *BadgerSet) cleanup() error {
	if s.lock == nil {
		return nil
	}
	if s.created {
		return os.RemoveAll(s.dir)
	}
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(s.dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// moreOpenFiles says how many more files may be opened: "1 more open file
// is", "3 more open files are" (found by a tester: "1 more open files").
func moreOpenFiles(n int64) string {
	if n == 1 {
		return "1 more open file is"
	}
	return fmt.Sprintf("%d more open files are", n)
}
