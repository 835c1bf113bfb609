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
	// DefaultRAMEntries is the default size of a BadgerSet's RAM tier:
	// 4Mi fingerprints, 48–96 MiB.
	DefaultRAMEntries = 1 << 22
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
the fingerprints (8 bytes, big-endian, multiplied by an odd constant; see
below) and whose values are empty.

Badger costs a microsecond or more per write or look-up, so the set keeps
a write-back RAM tier and a filter in front of it:

  - The RAM tier: three MemorySet generations, cur, prev and flushing, of
    at most RAMEntries/3 new fingerprints each. A fingerprint in any of
    them is a duplicate. New fingerprints go to cur; when cur is full, the
    generations shift: the flushing one, whose write has finished, is
    dropped, prev is written to badger in the background (flushing), cur
    becomes prev. So a run whose states fit in the tier never writes to
    badger at all, and in a BFS most duplicates are of states of the last
    few levels, which the tier still holds.
  - A blocked Bloom filter of every fingerprint written to badger (10 bits
    each, about 1% false positives). A fingerprint the filter rules out is
    new without a look-up, which is the common case for new states. When
    badger outgrows the filter, it is rebuilt four times larger from a
    key-only scan (amortised, a fraction of a scan per state).
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
	db      *badger.DB
	dir     string
	keep    bool
	created bool // Open created dir (rather than using an empty one)

	cur, prev, flushing *MemorySet // the RAM tier; flushing may be nil
	spare               *MemorySet // a dropped generation, for reuse
	genMax              int64
	batch               *MemorySet // the current batch's candidates
	filter              *bloom     // nil until the first write
	expect              int64      // the filter's first capacity
	n                   int64      // distinct fingerprints
	onDisk              int64      // fingerprints written, or being written, to badger

	pending []uint64 // fingerprints to look up in badger
	where   []int32  // their indices in the batch, in step with pending
	fresh   []uint64 // pending fingerprints found absent
	keys    []uint64 // keys of the generation being flushed

	flushDone chan error // non-nil while a background write runs

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
			return nil, &Error{Op: "create store in", Path: os.TempDir(), Kind: kind, Err: err,
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
	tier := int64(opts.RAMEntries)
	if tier <= 0 {
		tier = DefaultRAMEntries
	}
	s.genMax = max(tier/3, 1)
	s.cur, s.prev, s.batch = NewMemorySet(), NewMemorySet(), NewMemorySet()
	s.expect = opts.ExpectedStates
	if s.expect <= 0 {
		s.expect = DefaultExpectedStates
	}
	return s, nil
}

// checkEmptyDir refuses a directory that holds anything.
func checkEmptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return &Error{Op: "open store", Path: dir, Kind: ErrStoreDirUnwritable, Err: err, Hint: hintDir}
	}
	if len(ents) == 0 {
		return nil
	}
	names := make(map[string]bool)
	for _, e := range ents {
		names[e.Name()] = true
	}
	if names["LOCK"] && dirLocked(dir) {
		return &Error{Op: "open store", Path: dir, Kind: ErrStoreDirInUse,
			Hint: "another mcheck run (pid " + readPid(dir) + ") is using it; wait for it, or pass another --store-dir"}
	}
	hint := "it holds other files; pass an empty or new directory with --store-dir"
	if names[markerFile] || names["MANIFEST"] {
		hint = "it holds a store left by an earlier run (killed, or kept with --store-dir); " +
			"remove it (rm -r " + dir + ") or pass another --store-dir"
	}
	return &Error{Op: "open store", Path: dir, Kind: ErrStoreDirNotEmpty, Hint: hint}
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
		return &Error{Op: "open store", Path: dir, Kind: ErrDiskFull, Err: err, Hint: hintDiskFull}
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return &Error{Op: "open store", Path: dir, Kind: ErrStoreDirInUse, Err: err,
			Hint: "another process is using it; pass another --store-dir"}
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS):
		return &Error{Op: "open store", Path: dir, Kind: ErrStoreDirUnwritable, Err: err, Hint: hintDir}
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
	if s.cur.Len() >= s.genMax {
		if err := s.shift(); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// lookup decides the pending fingerprints by looking them up in badger in
// key order, and appends the absent ones to fresh.
func (s *BadgerSet) lookup(fps []uint64, isNew []bool) error {
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
	for _, k := range idx {
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
	if s.prev.Len() > 0 {
		if err := s.checkSpace("write to store"); err != nil {
			return err
		}
		s.keys = s.prev.appendKeys(s.keys[:0])
		slices.Sort(s.keys) // nearly sorted already
		if s.filter == nil {
			s.filter = newBloom(max(s.expect, 4*int64(len(s.keys))))
		}
		if s.onDisk+int64(len(s.keys)) > s.filter.capacity() {
			if err := s.rebuildFilter(4 * (s.onDisk + int64(len(s.keys)))); err != nil {
				return err
			}
		}
		for _, k := range s.keys {
			s.filter.add(k * fibInv)
		}
		s.onDisk += int64(len(s.keys))
		s.flushing = s.prev
		s.flushDone = make(chan error, 1)
		go s.write(s.keys, s.flushDone)
	} else {
		s.spare = s.prev
	}
	s.prev, s.cur = s.cur, s.spare
	s.spare = nil
	if s.cur == nil {
		s.cur = NewMemorySet()
	} else {
		s.cur.Reset()
	}
	return nil
}

// write writes keys to badger and reports the outcome on done. It runs in
// its own goroutine, and touches nothing of s but the database.
func (s *BadgerSet) write(keys []uint64, done chan<- error) {
	loader := s.db.NewKVLoader(4)
	var buf [8]byte
	kv := pb.KV{Key: buf[:], Version: storeVersion} // Set copies the key
	for _, k := range keys {
		binary.BigEndian.PutUint64(buf[:], k)
		if err := loader.Set(&kv); err != nil {
			loader.Finish()
			done <- err
			return
		}
	}
	done <- loader.Finish()
}

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

// checkSpace fails with ErrDiskFull when the store's file system has less
// than DiskReserve bytes free (see DiskReserve for why badger is not left
// to find out).
func (s *BadgerSet) checkSpace(op string) error {
	free := freeBytes(s.dir)
	if free < 0 || free >= DiskReserve {
		return nil
	}
	return &Error{Op: op, Path: s.dir, Kind: ErrDiskFull,
		Err:  fmt.Errorf("only %d MiB free; the store stops writing below %d MiB", free>>20, DiskReserve>>20),
		Hint: hintDiskFull}
}

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
	return nil
}

// rebuildFilter replaces the Bloom filter by one sized for capacity,
// filled from a key-only scan of badger. No write may be running.
func (s *BadgerSet) rebuildFilter(capacity int64) error {
	f := newBloom(capacity)
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
			Err: fmt.Errorf("found %d fingerprints, want %d", n, s.onDisk)}
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
	st.RAMBytes += int64(cap(s.pending)+cap(s.fresh)+cap(s.keys))*8 + int64(cap(s.where))*4
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
	writeErr := s.waitFlush() // the background write uses the database
	if s.keep && writeErr == nil && s.err == nil {
		s.keys = s.cur.appendKeys(s.prev.appendKeys(s.keys[:0]))
		slices.Sort(s.keys)
		done := make(chan error, 1)
		s.write(s.keys, done)
		if err := <-done; err != nil {
			writeErr = ioError("write to store", s.dir, err)
		}
	}
	s.cur, s.prev, s.flushing, s.spare, s.batch, s.filter = nil, nil, nil, nil, nil, nil
	s.pending, s.where, s.fresh, s.keys = nil, nil, nil, nil
	if err := s.db.Close(); err != nil {
		return &Error{Op: "close store", Path: s.dir, Err: err,
			Hint: "the store was left in place; remove it by hand (rm -r " + s.dir + ")"}
	}
	if s.keep {
		return writeErr
	}
	if err := s.cleanup(); err != nil {
		return &Error{Op: "remove store", Path: s.dir, Err: err,
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
