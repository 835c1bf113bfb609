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
	"syscall"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/dgraph-io/badger/v4/pb"
)

// BadgerOptions configures a BadgerSet.
type BadgerOptions struct {
	// Dir holds the badger store. "" means a new temporary directory. A
	// given Dir is created if missing and must otherwise be empty: a store
	// left by an earlier run is refused, never reused (its fingerprints
	// would mark unexplored states as visited).
	Dir string
	// Keep keeps Dir and the store in it after Close (the user passed
	// --store-dir and wants it). Otherwise Close removes what Open created.
	Keep bool
	// RAMEntries bounds the RAM tier, the fingerprints inserted or looked
	// up most recently, which answers most duplicates without badger.
	// 0 means DefaultRAMEntries.
	RAMEntries int
	// ExpectedStates sizes the in-memory Bloom filter (10 bits a state); it
	// is rebuilt four times larger whenever the set outgrows it. 0 means
	// DefaultExpectedStates.
	ExpectedStates int64
}

const (
	// DefaultRAMEntries is the default size of a BadgerSet's RAM tier
	// (about 24–48 MiB).
	DefaultRAMEntries = 1 << 21
	// memTableSize is badger's memtable size.
	memTableSize = 32 << 20
	// DiskReserve is the free space below which a BadgerSet stops writing
	// and reports ErrDiskFull (and refuses to open). Badger writes its memtable logs and tables
	// through mmap, so running out of space there is a SIGBUS that kills
	// the process, not an error; the reserve covers the memtables in
	// flight, level-0 flushes and a compaction's output.
	DiskReserve = 4*memTableSize + 64<<20

	// storeVersion is the version of every key: the database is opened in
	// managed mode and never holds two versions of a key.
	storeVersion = 1

	// DefaultExpectedStates is the default initial capacity of a
	// BadgerSet's Bloom filter (5 MiB).
	DefaultExpectedStates = 1 << 22

	// markerFile marks a directory as holding an mcheck store.
	markerFile = "MCHECK-STORE"
)

/*
BadgerSet is a visited set on disk, in a badger/v4 database whose keys are
the fingerprints (8 bytes, big-endian) and whose values are empty.

Badger alone costs microseconds per look-up, so three in-memory layers
answer almost every question before it is asked:

  - The RAM tier: two MemorySet generations, cur and prev, holding the
    fingerprints inserted or found most recently. A fingerprint in either is
    a duplicate. Every fingerprint of a batch is added to cur, which also
    deduplicates the batch. After a batch, if cur holds RAMEntries/2 or more,
    prev is dropped and cur becomes prev: by then every fingerprint in it is
    in badger. In a BFS most duplicates are of states from the last few
    levels, which the tier still holds.
  - A blocked Bloom filter of every fingerprint in badger (10 bits each,
    about 1% false positives). A fingerprint the filter rules out is new
    without a look-up, which is the common case for new states.
  - What is left (duplicates of old states, and false positives) is sorted
    and looked up in one read transaction, in key order.

The new fingerprints of a batch are then written with one WriteBatch, so
every call costs at most one write pass, and Len is exact. When the set
outgrows the filter, the filter is rebuilt four times larger from a
key-only scan of badger (amortised, a fraction of a scan per state).
*/
type BadgerSet struct {
	db      *badger.DB
	dir     string
	keep    bool
	created bool // Open created dir (rather than using an empty one)

	cur, prev *MemorySet
	tierMax   int64
	filter    *bloom
	n         int64

	pending []uint64         // fingerprints to look up in badger
	where   []int32          // their indices in the batch, in step with pending
	fresh   []uint64         // new fingerprints of the batch
	loader  *badger.KVLoader // writes not yet synced, or nil

	err    error // sticky: the set is unusable after a failed write
	closed bool
}

// OpenBadgerSet opens a new, empty visited set on badger.
func OpenBadgerSet(opts BadgerOptions) (*BadgerSet, error) {
	s := &BadgerSet{keep: opts.Keep}
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "mcheck-store-")
		if err != nil {
			kind := ErrStoreDirUnwritable
			if isNoSpace(err) {
				kind = ErrDiskFull
			}
			return nil, &StoreError{Op: "create store in", Path: os.TempDir(), Kind: kind, Err: err,
				Hint: "set TMPDIR, or pass a writable directory with --store-dir"}
		}
		s.dir, s.created = dir, true
	} else {
		s.dir = absPath(opts.Dir)
		created, err := checkWritableDir("open store", s.dir)
		if err != nil {
			return nil, err
		}
		s.created = created
		if !created {
			if err := checkEmptyDir(s.dir); err != nil {
				return nil, err
			}
		}
	}
	marker := "mcheck visited-set store (badger/v4); safe to delete when no mcheck run is using it\n"
	if err := os.WriteFile(filepath.Join(s.dir, markerFile), []byte(marker), 0o644); err != nil {
		s.cleanup()
		return nil, ioError("open store", s.dir, err)
	}

	if err := s.checkSpace("open store"); err != nil {
		s.cleanup()
		return nil, err
	}
	bo := badger.DefaultOptions(s.dir).
		WithLogger(nil).
		WithSyncWrites(false).
		WithDetectConflicts(false).
		WithMetricsEnabled(false).
		WithNumVersionsToKeep(1).
		// Keys are random 8-byte strings: nothing to compress, and without
		// compression badger advises no block cache (reads go to the
		// mmapped tables and the OS page cache).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(0).
		// Values are empty, so the value log only ever holds badger's
		// own bookkeeping: keep its files small.
		WithValueLogFileSize(16 << 20).
		// A memtable holds ~40 bytes/key; 32 MiB × 3 bounds badger's RAM.
		WithMemTableSize(memTableSize).
		WithNumMemtables(3).
		WithNumLevelZeroTables(5).
		WithNumLevelZeroTablesStall(15).
		WithNumCompactors(2)
	db, err := badger.OpenManaged(bo)
	if err != nil {
		s.cleanup()
		return nil, openError(s.dir, err)
	}
	s.db = db
	s.tierMax = int64(opts.RAMEntries)
	if s.tierMax <= 0 {
		s.tierMax = DefaultRAMEntries
	}
	s.cur, s.prev = NewMemorySet(), NewMemorySet()
	expect := opts.ExpectedStates
	if expect <= 0 {
		expect = DefaultExpectedStates
	}
	s.filter = newBloom(expect)
	return s, nil
}

// checkEmptyDir refuses a directory that holds anything.
func checkEmptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return &StoreError{Op: "open store", Path: dir, Kind: ErrStoreDirUnwritable, Err: err, Hint: hintDir}
	}
	if len(ents) == 0 {
		return nil
	}
	names := make(map[string]bool)
	for _, e := range ents {
		names[e.Name()] = true
	}
	if names["LOCK"] && dirLocked(dir) {
		return &StoreError{Op: "open store", Path: dir, Kind: ErrStoreDirInUse,
			Hint: "another mcheck run (pid " + readPid(dir) + ") is using it; wait for it, or pass another --store-dir"}
	}
	hint := "it holds other files; pass an empty or new directory with --store-dir"
	if names[markerFile] || names["MANIFEST"] {
		hint = "it holds a store left by an earlier run (killed, or kept with --store-dir); " +
			"remove it (rm -r " + dir + ") or pass another --store-dir"
	}
	return &StoreError{Op: "open store", Path: dir, Kind: ErrStoreDirNotEmpty, Hint: hint}
}

func readPid(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "LOCK"))
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func openError(dir string, err error) error {
	switch {
	case isNoSpace(err):
		return &StoreError{Op: "open store", Path: dir, Kind: ErrDiskFull, Err: err, Hint: hintDiskFull}
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return &StoreError{Op: "open store", Path: dir, Kind: ErrStoreDirInUse, Err: err,
			Hint: "another process is using it; pass another --store-dir"}
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS):
		return &StoreError{Op: "open store", Path: dir, Kind: ErrStoreDirUnwritable, Err: err, Hint: hintDir}
	}
	return &StoreError{Op: "open store", Path: dir, Err: err}
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
	isNew = isNew[:len(fps)]
	s.pending, s.where, s.fresh = s.pending[:0], s.where[:0], s.fresh[:0]
	for i, fp := range fps {
		if !s.cur.Add(fp) || s.prev.Contains(fp) {
			isNew[i] = false
			continue
		}
		if s.filter.mayContain(fp) {
			s.pending = append(s.pending, fp)
			s.where = append(s.where, int32(i))
			continue
		}
		isNew[i] = true
		s.fresh = append(s.fresh, fp)
	}
	if len(s.pending) > 0 {
		if err := s.lookup(fps, isNew); err != nil {
			s.err = err
			return err
		}
	}
	if err := s.write(); err != nil {
		s.err = err
		return err
	}
	s.n += int64(len(s.fresh))
	for _, fp := range s.fresh {
		s.filter.add(fp)
	}
	if s.n > s.filter.capacity() {
		if err := s.rebuildFilter(); err != nil {
			s.err = err
			return err
		}
	}
	if s.cur.Len() >= s.tierMax/2 {
		// prev is cut: its fingerprints must be readable from badger.
		if err := s.sync(); err != nil {
			s.err = err
			return err
		}
		s.cur, s.prev = s.prev, s.cur
		s.cur.Reset()
	}
	return nil
}

// lookup decides the pending fingerprints by looking them up in badger in
// key order, and appends the absent ones to fresh.
func (s *BadgerSet) lookup(fps []uint64, isNew []bool) error {
	idx := make([]int, len(s.pending))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		x, y := s.pending[a], s.pending[b]
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	txn := s.db.NewTransactionAt(storeVersion, false)
	defer txn.Discard()
	var key [8]byte
	for _, k := range idx {
		fp := s.pending[k]
		binary.BigEndian.PutUint64(key[:], fp)
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

// write hands the fresh fingerprints, sorted, to badger.
//
// It bypasses transactions: every fingerprint is written once, at version
// 1 of a managed-mode database, through a KVLoader, which sends entries to
// badger's write goroutine in the order given and commits them in the
// background. (A WriteBatch would collect them in a map first, costing a
// map insert each and losing the order.) In key order, successive inserts
// into the memtable's skiplist walk nearby nodes, which roughly halves
// their cost. Until a sync a fingerprint may be invisible to badger's
// reads, but it is in the RAM tier, which is only cut after a sync.
func (s *BadgerSet) write() error {
	if len(s.fresh) == 0 {
		return nil
	}
	if err := s.checkSpace("write to store"); err != nil {
		return err
	}
	slices.Sort(s.fresh)
	if s.loader == nil {
		s.loader = s.db.NewKVLoader(8)
	}
	var kv pb.KV
	kv.Version = storeVersion
	for _, fp := range s.fresh {
		kv.Key = binary.BigEndian.AppendUint64(make([]byte, 0, 8), fp)
		if err := s.loader.Set(&kv); err != nil {
			return ioError("write to store", s.dir, err)
		}
	}
	return nil
}

// checkSpace fails with ErrDiskFull when the store's file system has less
// than DiskReserve bytes free (see DiskReserve for why badger is not left
// to find out).
func (s *BadgerSet) checkSpace(op string) error {
	free := freeBytes(s.dir)
	if free < 0 || free >= DiskReserve {
		return nil
	}
	return &StoreError{Op: op, Path: s.dir, Kind: ErrDiskFull,
		Err:  fmt.Errorf("only %d MiB free; the store stops writing below %d MiB", free>>20, DiskReserve>>20),
		Hint: hintDiskFull}
}

// sync waits until every fingerprint written is committed to badger.
func (s *BadgerSet) sync() error {
	if s.loader == nil {
		return nil
	}
	err := s.loader.Finish()
	s.loader = nil
	if err != nil {
		return ioError("write to store", s.dir, err)
	}
	return nil
}

// Sync waits until every fingerprint inserted so far is in badger.
func (s *BadgerSet) Sync() error {
	if s.closed {
		return closedError("sync store")
	}
	if s.err != nil {
		return s.err
	}
	if err := s.sync(); err != nil {
		s.err = err
		return err
	}
	return nil
}

// rebuildFilter replaces the Bloom filter by one four times the set's size,
// filled from a key-only scan of badger.
func (s *BadgerSet) rebuildFilter() error {
	if err := s.sync(); err != nil {
		return err
	}
	f := newBloom(4 * s.n)
	txn := s.db.NewTransactionAt(storeVersion, false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: false})
	defer it.Close()
	var n int64
	for it.Rewind(); it.Valid(); it.Next() {
		f.add(binary.BigEndian.Uint64(it.Item().Key()))
		n++
	}
	if n != s.n {
		return &StoreError{Op: "scan store", Path: s.dir,
			Err: fmt.Errorf("found %d fingerprints, want %d", n, s.n)}
	}
	s.filter = f
	return nil
}

// Len is the number of distinct fingerprints in the set.
func (s *BadgerSet) Len() int64 { return s.n }

// Dir is the directory holding the store.
func (s *BadgerSet) Dir() string { return s.dir }

// Stats reports the memory of the RAM tier and the filter (badger's own
// memtables and indexes are not counted) and the bytes the store's files
// occupy on disk.
func (s *BadgerSet) Stats() StoreStats {
	var st StoreStats
	if s.closed {
		return st
	}
	st.RAMBytes = s.cur.Stats().RAMBytes + s.prev.Stats().RAMBytes + s.filter.bytes() +
		int64(cap(s.pending))*8 + int64(cap(s.where))*4 + int64(cap(s.fresh))*8
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
// directory if Open created it, or else the files in it. The store is
// removed only after badger closed cleanly; if it did not, the error says
// where the store was left. Close may be called more than once.
func (s *BadgerSet) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.cur, s.prev, s.filter = nil, nil, nil
	s.pending, s.where, s.fresh = nil, nil, nil
	syncErr := s.sync()
	if err := s.db.Close(); err != nil {
		return &StoreError{Op: "close store", Path: s.dir, Err: err,
			Hint: "the store was left in place; remove it by hand (rm -r " + s.dir + ")"}
	}
	if s.keep {
		return syncErr
	}
	if err := s.cleanup(); err != nil {
		return &StoreError{Op: "remove store", Path: s.dir, Err: err,
			Hint: "remove it by hand (rm -r " + s.dir + ")"}
	}
	return nil
}

// cleanup removes what Open created: the whole directory, or the contents
// of the empty directory it was given.
func (s *BadgerSet) cleanup() error {
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
