//go:build linux

package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcheck/mcheck/store"
)

// mountTmpfs mounts a tmpfs of the given size (with extra mount options)
// on a new directory, or skips the test where that is not allowed.
func mountTmpfs(t *testing.T, size string, opts ...string) string {
	t.Helper()
	dir := t.TempDir()
	o := strings.Join(append([]string{"size=" + size}, opts...), ",")
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, o); err != nil {
		t.Skipf("cannot mount a tmpfs (%v): needs root on Linux", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestBadgerDiskFull fills a small tmpfs: Insert fails with ErrDiskFull
// (before badger's mmapped writes could crash the process), the error
// sticks, and Close still removes the store.
func TestBadgerDiskFull(t *testing.T) {
	mnt := mountTmpfs(t, "160m")
	// A small budget and tier keep the reserve (about 70 MiB) small.
	s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: filepath.Join(mnt, "store"), RAMEntries: 3 << 16, MemBudget: 6 << 20})
	if err != nil {
		t.Fatal(err)
	}
	// Leave the store 4 MiB above its reserve, so that it fills quickly.
	insertRandom(t, s, 1000, 8)
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * st.Bsize
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Fallocate(int(filler.Fd()), 0, 0, free-s.DiskReserve()-4<<20); err != nil {
		t.Fatal(err)
	}
	filler.Close()
	defer os.Remove(filler.Name())
	err = insertBatches(s, 8, 1<<16, 200)
	if err == nil {
		t.Fatal("13M states inserted into 4 MiB")
	}
	if !errors.Is(err, store.ErrDiskFull) || !strings.Contains(err.Error(), "--store-dir") {
		t.Fatalf("Insert on a full disk = %v, want ErrDiskFull with a hint", err)
	}
	if err2 := s.Insert([]uint64{1}, make([]bool, 1)); !errors.Is(err2, store.ErrDiskFull) {
		t.Errorf("Insert after the failure = %v, want the same error", err2)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if names := dirEntries(t, mnt); len(names) != 1 {
		t.Errorf("Close left %v (want only the filler)", names)
	}
	// Too little space to start: refused at Open.
	small := mountTmpfs(t, "64m")
	if _, err := store.OpenBadgerSet(store.BadgerOptions{Dir: small}); !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("Open on a 64 MiB file system = %v, want ErrDiskFull", err)
	}
}

// TestSpillDiskFull: spill files on a full file system fail with
// ErrDiskFull.
func TestSpillDiskFull(t *testing.T) {
	mnt := mountTmpfs(t, "1m")
	q, err := store.NewQueue(store.SpillOptions{Dir: mnt, MemBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, 1000)
	for i := 0; err == nil && i < 10000; i++ {
		err = q.Push(rec)
	}
	if !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("Push on a full disk = %v, want ErrDiskFull", err)
	}
	if err := q.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	l, err := store.NewLinks(store.SpillOptions{Dir: mnt, MemBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; err == nil && i < 1_000_000; i++ {
		_, err = l.Append(int64(i)-1, uint32(i%7))
	}
	if !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("Append on a full disk = %v, want ErrDiskFull", err)
	}
	// Every link recorded before the failure can still be read (the
	// traces of what the search found; a tester: --continue lost its
	// violations), on disk or in memory alike.
	if l.Len() < 1000 {
		t.Fatalf("only %d links recorded before the disk was full", l.Len())
	}
	for id := range l.Len() {
		parent, succ, err := l.Get(id)
		if err != nil || parent != id-1 || succ != uint32(id%7) {
			t.Fatalf("Get(%d) after the failure = %d, %d, %v; want %d, %d", id, parent, succ, err, id-1, id%7)
		}
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if names := dirEntries(t, mnt); len(names) != 0 {
		t.Errorf("Close left %v", names)
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// openUnlinked counts the files in dir that this process has open but
// that have been unlinked.
func openUnlinked(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	n := 0
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, dir+"/") && strings.HasSuffix(target, " (deleted)") {
			n++
		}
	}
	return n
}

// TestSpillDiskFullHint: spill files failing in a full TMPDIR say so, and
// name the spill directory and TMPDIR, not --store-dir (which has nothing
// to do with them).
func TestSpillDiskFullHint(t *testing.T) {
	mnt := mountTmpfs(t, "1m")
	t.Setenv("TMPDIR", mnt)
	check := func(what string, err error) {
		t.Helper()
		msg := fmt.Sprint(err)
		if !errors.Is(err, store.ErrDiskFull) || !strings.Contains(msg, "TMPDIR") ||
			!strings.Contains(msg, "spill files go to "+mnt) || strings.Contains(msg, "--store-dir") {
			t.Errorf("%s on a full TMPDIR = %s; want ErrDiskFull naming TMPDIR (%s), not --store-dir", what, msg, mnt)
		}
	}
	q, err := store.NewQueue(store.SpillOptions{MemBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	rec := make([]byte, 1000)
	for i := 0; err == nil && i < 10000; i++ {
		err = q.Push(rec)
	}
	check("Push", err)
	q.Close()
	l, err := store.NewLinks(store.SpillOptions{MemBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; err == nil && i < 1_000_000; i++ {
		_, err = l.Append(int64(i), 0)
	}
	check("Append", err)
}

// TestPagerDiskFull: pages that cannot be written out make the error
// stick (ErrDiskFull, with the hint), never a panic, and Close still
// removes the file.
func TestPagerDiskFull(t *testing.T) {
	mnt := mountTmpfs(t, "1m")
	pg, err := store.NewPager(store.SpillOptions{Dir: mnt, MemBudget: 1})
	if err != nil {
		t.Fatal(err)
	}
	a := store.NewArray[uint64](pg)
	for i := 0; pg.Err() == nil && i < 10_000_000; i++ {
		a.Append(uint64(i))
	}
	if err := pg.Err(); !errors.Is(err, store.ErrDiskFull) || !strings.Contains(err.Error(), "spill files go to "+mnt) {
		t.Errorf("Append on a full disk: %v, want ErrDiskFull with the hint", err)
	}
	if err := pg.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if names := dirEntries(t, mnt); len(names) != 0 {
		t.Errorf("Close left %v", names)
	}
}

// TestBadgerOutOfFiles: on a file system with room for bytes but not for
// files (inodes), Insert fails with ErrDiskFull before badger needs a file
// it cannot create (badger then ended the process through an assertion,
// exit status 1, crashed, or lost keys: adversarial tester), and Close
// returns.
func TestBadgerOutOfFiles(t *testing.T) {
	mnt := mountTmpfs(t, "200m", "nr_inodes=80")
	s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: filepath.Join(mnt, "store"), RAMEntries: 3 << 12, MemBudget: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	err = insertBatches(s, 9, 1<<12, 2000)
	if err == nil {
		t.Fatal("8M keys inserted with 80 files")
	}
	if !errors.Is(err, store.ErrDiskFull) || !strings.Contains(err.Error(), "files (inodes) free") {
		t.Fatalf("Insert out of files = %v, want ErrDiskFull naming the files", err)
	}
	closeWithin(t, s, time.Minute)
}

// TestBadgerDirRemovedMidRun: the store directory removed under a running
// set (a temporary-file cleaner) fails the next Insert, and Close returns
// within a few seconds (badger retried its flush for ever, and Close
// waited for it, after SIGTERM too: adversarial tester).
func TestBadgerDirRemovedMidRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, RAMEntries: 3 << 12, MemBudget: 2 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := insertBatches(s, 10, 1<<12, 50); err != nil {
		t.Fatal(err)
	}
	// Badger's background flushes may write a file into the directory
	// while it is removed ("directory not empty", seen in CI): try again.
	for try := 0; ; try++ {
		err := os.RemoveAll(dir)
		if err == nil {
			break
		}
		if try == 20 {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	err = insertBatches(s, 11, 1<<12, 200)
	if err == nil || !strings.Contains(err.Error(), "store") {
		t.Fatalf("Insert after the directory went: %v", err)
	}
	closeWithin(t, s, time.Minute)
}

// insertBatches inserts rounds batches of batch random keys (from seed)
// into s, and returns the first error.
func insertBatches(s *store.BadgerSet, seed uint64, batch, rounds int) error {
	rng := rand.New(rand.NewPCG(seed, seed))
	fps := make([]uint64, batch)
	isNew := make([]bool, batch)
	for range rounds {
		for j := range fps {
			fps[j] = rng.Uint64()
		}
		if err := s.Insert(fps, isNew); err != nil {
			return err
		}
	}
	return nil
}

// closeWithin closes s, failing the test if Close does not return within d
// (what it returns is logged: a failed store may report its failure).
func closeWithin(t *testing.T, s *store.BadgerSet, d time.Duration) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Logf("Close: %v", err)
		}
	case <-time.After(d):
		t.Fatal("Close did not return")
	}
}

// TestBadgerFailedOpenLeavesNothing: an Open that fails after creating
// its --store-dir and the directories above it removes them all (a tester:
// with ulimit -n 8, DIR/a/b was left, empty). Here no file can be opened,
// so locking the new directory fails.
func TestBadgerFailedOpenLeavesNothing(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "a", "b", "store")
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skip(err)
	}
	low := old
	low.Cur = 3
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Keep: true})
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	if err == nil {
		s.Close()
		t.Fatal("opened a store with no file to open")
	}
	if left := dirEntries(t, base); len(left) != 0 {
		t.Errorf("%v: left %v in %s", err, left, base)
	}
}

// TestSpillOpenFilesHint: a spill file refused for want of file numbers
// says to raise ulimit -n or the budget, not to use the memory store,
// which spills as much (a tester).
func TestSpillOpenFilesHint(t *testing.T) {
	q, err := store.NewQueue(store.SpillOptions{Dir: t.TempDir(), MemBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skip(err)
	}
	low := old
	low.Cur = 3 // standard input, output and error: no number left
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	rec := make([]byte, 1000)
	for i := 0; err == nil && i < 100; i++ {
		err = q.Push(rec)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	msg := fmt.Sprint(err)
	if !errors.Is(err, syscall.EMFILE) || !strings.Contains(msg, "ulimit -n") || !strings.Contains(msg, "--mem-budget") || strings.Contains(msg, "--store memory") {
		t.Errorf("Push with no file numbers left = %s; want EMFILE, ulimit -n and --mem-budget, not --store memory", msg)
	}
}
