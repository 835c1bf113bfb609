package store_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/mcheck/mcheck/store"
)

// helper starts this test binary as a helper process running the test
// named run, with env added; it returns the process, its stdin and its
// stdout. The process is killed at the end of the test.
func helper(t *testing.T, run string, env ...string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+run+"$")
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, in, bufio.NewReader(out)
}

func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("helper said %q, %v", line, err)
	}
	return strings.TrimSuffix(line, "\n")
}

func keysIn(t *testing.T, dir string) int {
	t.Helper()
	db, err := badger.OpenManaged(badger.DefaultOptions(dir).WithLogger(nil).WithReadOnly(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	txn := db.NewTransactionAt(1, false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		n++
	}
	return n
}

// TestBadgerOpenRace: several processes open a store on the same new
// --store-dir at the same instant. Exactly one gets it; the others fail
// with ErrStoreDirInUse naming its pid, and touch nothing: the winner's
// store works and is kept whole.
func TestBadgerOpenRace(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for trial := range 3 {
		dir := filepath.Join(t.TempDir(), "a", "store")
		const n = 6
		type proc struct {
			cmd *exec.Cmd
			in  io.WriteCloser
			out *bufio.Reader
		}
		procs := make([]proc, n)
		for i := range procs {
			cmd, in, out := helper(t, "TestHelperRaceStore", "MCHECK_STORE_RACE_DIR="+dir)
			procs[i] = proc{cmd, in, out}
		}
		for _, p := range procs {
			if got := readLine(t, p.out); got != "waiting" {
				t.Fatalf("helper said %q", got)
			}
		}
		for _, p := range procs { // go!
			io.WriteString(p.in, "\n")
		}
		winner := -1
		var lost []string
		for i, p := range procs {
			line := readLine(t, p.out)
			switch {
			case line == "opened":
				if winner >= 0 {
					t.Fatalf("trial %d: two processes opened the store", trial)
				}
				winner = i
			default:
				lost = append(lost, line)
			}
		}
		if winner < 0 {
			t.Fatalf("trial %d: no process opened the store: %q", trial, lost)
		}
		pid := procs[winner].cmd.Process.Pid
		for _, l := range lost {
			if !strings.Contains(l, store.ErrStoreDirInUse.Error()) || !strings.Contains(l, fmt.Sprintf("(pid %d)", pid)) {
				t.Errorf("trial %d: loser said %q, want ErrStoreDirInUse naming pid %d", trial, l, pid)
			}
		}
		w := procs[winner]
		if got := readLine(t, w.out); got != "inserted" {
			t.Fatalf("trial %d: winner said %q", trial, got)
		}
		w.in.Close() // the winner closes its store, and keeps it
		if err := w.cmd.Wait(); err != nil {
			t.Fatalf("trial %d: winner: %v", trial, err)
		}
		for _, p := range procs {
			p.cmd.Wait()
		}
		if got := keysIn(t, dir); got != 20000 {
			t.Errorf("trial %d: the kept store holds %d keys, want 20000", trial, got)
		}
	}
}

// TestHelperRaceStore is run by TestBadgerOpenRace: on a line on stdin it
// opens a kept store on $MCHECK_STORE_RACE_DIR and says "opened" or the
// error; if opened, it inserts 20000 fingerprints, says "inserted", and
// closes the store at the end of stdin.
func TestHelperRaceStore(t *testing.T) {
	dir := os.Getenv("MCHECK_STORE_RACE_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	fmt.Println("waiting")
	in := bufio.NewReader(os.Stdin)
	in.ReadString('\n')
	s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Keep: true, RAMEntries: 3000})
	if err != nil {
		fmt.Println(err)
		os.Exit(0)
	}
	fmt.Println("opened")
	insertRandom(t, s, 10000, 11)
	insertRandom(t, s, 10000, 12)
	fmt.Println("inserted")
	io.Copy(io.Discard, in)
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestBadgerOpenRaceInProcess: separate opens of one new directory from
// many goroutines (flock is per open file description, so they exclude
// each other as processes do): one gets it, the others get
// ErrStoreDirInUse naming this process, and the winner's store works.
func TestBadgerOpenRaceInProcess(t *testing.T) {
	for trial := range 10 {
		dir := filepath.Join(t.TempDir(), "store")
		n := max(8, runtime.GOMAXPROCS(0))
		sets := make([]*store.BadgerSet, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				sets[i], errs[i] = store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Keep: true, RAMEntries: 300})
			}()
		}
		close(start)
		wg.Wait()
		var won *store.BadgerSet
		for i := range n {
			switch {
			case errs[i] == nil && won != nil:
				t.Fatalf("trial %d: two opens succeeded", trial)
			case errs[i] == nil:
				won = sets[i]
			case !errors.Is(errs[i], store.ErrStoreDirInUse) || !strings.Contains(errs[i].Error(), fmt.Sprintf("(pid %d)", os.Getpid())):
				t.Errorf("trial %d: open = %v, want ErrStoreDirInUse naming pid %d", trial, errs[i], os.Getpid())
			}
		}
		if won == nil {
			t.Fatalf("trial %d: every open failed: %v", trial, errs)
		}
		insertRandom(t, won, 1000, uint64(trial))
		if err := won.Close(); err != nil {
			t.Fatal(err)
		}
		if got := keysIn(t, dir); got != 1000 {
			t.Errorf("trial %d: kept store holds %d keys, want 1000", trial, got)
		}
	}
}

// TestBadgerStaleTempRemoved: the temporary store of a killed run is
// removed by the next run that opens a temporary store; that of a live run
// (another process, or this one) is not.
func TestBadgerStaleTempRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	start := func() (*exec.Cmd, string) {
		cmd, _, out := helper(t, "TestHelperTempStore", "MCHECK_STORE_HELPER_TEMP=1")
		dir, ok := strings.CutPrefix(readLine(t, out), "ready ")
		if !ok || filepath.Dir(dir) != tmp {
			t.Fatalf("helper said %q", dir)
		}
		return cmd, dir
	}
	live, liveDir := start()
	killed, killedDir := start()
	killed.Process.Signal(syscall.SIGKILL)
	killed.Wait()
	if len(dirEntries(t, killedDir)) == 0 {
		t.Fatal("the killed run left nothing behind: nothing to test")
	}
	s, err := store.OpenBadgerSet(store.BadgerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(killedDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed run's store %s is still there (%v)", killedDir, err)
	}
	if len(dirEntries(t, liveDir)) == 0 {
		t.Errorf("the live run's store %s was emptied", liveDir)
	}
	// The killed run's spill files were unlinked when created.
	for _, name := range dirEntries(t, tmp) {
		if !strings.HasPrefix(name, "mcheck-store-") {
			t.Errorf("left in TMPDIR: %s", name)
		}
	}
	// Another opener leaves this process's open store alone, and removes
	// the live run's once it is killed. It leaves a store kept with
	// --store-dir that is named like a temporary one, and a directory of
	// the user's so named (a tester: a kept store was removed), however
	// old; it removes an old empty one (a run killed before it wrote).
	live.Process.Signal(syscall.SIGKILL)
	live.Wait()
	kept := filepath.Join(tmp, "mcheck-store-kept")
	k, err := store.OpenBadgerSet(store.BadgerOptions{Dir: kept, Keep: true, RAMEntries: 3000})
	if err != nil {
		t.Fatal(err)
	}
	insertRandom(t, k, 10000, 15)
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	users, empty := filepath.Join(tmp, "mcheck-store-results"), filepath.Join(tmp, "mcheck-store-empty")
	for _, d := range []string{users, empty} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(users, "notes.txt"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for _, d := range []string{kept, users, empty} {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := store.OpenBadgerSet(store.BadgerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := os.Stat(liveDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed run's store %s is still there (%v)", liveDir, err)
	}
	for _, d := range []string{kept, users} {
		if len(dirEntries(t, d)) == 0 {
			t.Errorf("%s was removed or emptied", d)
		}
	}
	if _, err := os.Stat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old empty %s is still there (%v)", empty, err)
	}
	insertRandom(t, s, 10000, 13)
	if err := s.Sync(); err != nil {
		t.Errorf("the first store, after the second opened: %v", err)
	}
	if len(dirEntries(t, s.Dir())) == 0 {
		t.Errorf("this process's open store %s was emptied", s.Dir())
	}
}

// TestHelperTempStore is run by TestBadgerStaleTempRemoved: it opens a
// temporary store, fills it, spills a queue and links to files, says
// "ready DIR" and waits to be killed.
func TestHelperTempStore(t *testing.T) {
	if os.Getenv("MCHECK_STORE_HELPER_TEMP") == "" {
		t.Skip("helper process only")
	}
	s, err := store.OpenBadgerSet(store.BadgerOptions{RAMEntries: 3000})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	insertRandom(t, s, 10000, 14)
	s.Sync()
	q, err := store.NewQueue(store.SpillOptions{MemBudget: 1000})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	for i := range 10000 {
		q.Push(record(i))
	}
	l, err := store.NewLinks(store.SpillOptions{MemBudget: 1000})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	for i := range 10000 {
		l.Append(int64(i), 0)
	}
	if q.Stats().DiskBytes == 0 || l.Stats().DiskBytes == 0 {
		fmt.Println("no spilling")
		os.Exit(1)
	}
	fmt.Println("ready " + s.Dir())
	time.Sleep(time.Minute)
	os.Exit(1)
}

// TestSpillFilesUnlinked: spill files are unlinked as soon as they are
// created (a killed run leaves none), and still read back.
func TestSpillFilesUnlinked(t *testing.T) {
	dir := t.TempDir()
	q, err := store.NewQueue(store.SpillOptions{Dir: dir, MemBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	l, err := store.NewLinks(store.SpillOptions{Dir: dir, MemBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range 20000 {
		if err := q.Push(record(i)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Append(int64(i), uint32(i)); err != nil {
			t.Fatal(err)
		}
	}
	if q.Stats().DiskBytes == 0 || l.Stats().DiskBytes == 0 {
		t.Fatal("nothing spilled")
	}
	if names := dirEntries(t, dir); len(names) != 0 {
		t.Errorf("spill files visible in %s: %v", dir, names)
	}
	for i := range 20000 {
		if p, s, err := l.Get(int64(i)); err != nil || p != int64(i) || s != uint32(i) {
			t.Fatalf("Get(%d) = %d, %d, %v", i, p, s, err)
		}
	}
	for i := range 20000 {
		if got, err := q.Pop(); err != nil || string(got) != string(record(i)) {
			t.Fatalf("Pop #%d = %.20q, %v", i, got, err)
		}
	}
}

// TestBadgerDirSymlink: a --store-dir that is a symbolic link to an empty
// directory is used (the lock is on the directory it names).
func TestBadgerDirSymlink(t *testing.T) {
	target := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: link})
	if err != nil {
		t.Fatal(err)
	}
	insertRandom(t, s, 1000, 15)
	if _, err := store.OpenBadgerSet(store.BadgerOptions{Dir: target}); !errors.Is(err, store.ErrStoreDirInUse) {
		t.Errorf("open of the link's target while in use = %v, want ErrStoreDirInUse", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if names := dirEntries(t, target); len(names) != 0 {
		t.Errorf("Close left %v", names)
	}
}
