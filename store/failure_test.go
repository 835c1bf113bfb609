package store_test

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/mcheck/mcheck/store"
)

// writable reports whether this process can create a file in dir (root
// can, whatever the mode bits say).
func writable(dir string) bool {
	f, err := os.CreateTemp(dir, "probe")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// unwritableDir returns a directory this process cannot write to: a 0500
// one, or where that does not stop us (root), a read-only tmpfs.
func unwritableDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	if !writable(dir) {
		return dir
	}
	return mountTmpfs(t, "1m", "ro")
}

func TestStoreDirUnwritable(t *testing.T) {
	dir := unwritableDir(t)
	for _, d := range []string{dir, filepath.Join(dir, "sub")} {
		_, err := store.OpenBadgerSet(store.BadgerOptions{Dir: d})
		if !errors.Is(err, store.ErrStoreDirUnwritable) {
			t.Errorf("OpenBadgerSet(%s) = %v, want ErrStoreDirUnwritable", d, err)
		}
		var se *store.Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "--store-dir") {
			t.Errorf("error %q: want a *Error with a hint", err)
		}
		if _, err := store.NewQueue(store.SpillOptions{Dir: d}); !errors.Is(err, store.ErrStoreDirUnwritable) {
			t.Errorf("NewQueue(%s) = %v, want ErrStoreDirUnwritable", d, err)
		}
		if _, err := store.NewLinks(store.SpillOptions{Dir: d}); !errors.Is(err, store.ErrStoreDirUnwritable) {
			t.Errorf("NewLinks(%s) = %v, want ErrStoreDirUnwritable", d, err)
		}
	}
}

func TestStoreDirIsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{file, filepath.Join(file, "sub")} {
		_, err := store.OpenBadgerSet(store.BadgerOptions{Dir: d})
		if !errors.Is(err, store.ErrStoreDirNotDir) {
			t.Errorf("OpenBadgerSet(%s) = %v, want ErrStoreDirNotDir", d, err)
		}
		if _, err := store.NewQueue(store.SpillOptions{Dir: d}); !errors.Is(err, store.ErrStoreDirNotDir) {
			t.Errorf("NewQueue(%s) = %v, want ErrStoreDirNotDir", d, err)
		}
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Errorf("the file was changed")
	}
	// Named for what it is (found by a tester: /dev/null was "a file").
	for _, c := range []struct{ dir, want string }{{file, "it is a file;"}, {os.DevNull, "it is a device;"}} {
		if _, err := store.OpenBadgerSet(store.BadgerOptions{Dir: c.dir}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("OpenBadgerSet(%s) = %v, want %q", c.dir, err, c.want)
		}
	}
}

// TestStoreDirDanglingLink: a --store-dir that is a symbolic link to
// nothing is refused; it made ensureDir call itself until the stack
// overflowed (adversarial tester).
func TestStoreDirDanglingLink(t *testing.T) {
	dir := t.TempDir()
	for _, target := range []string{"missing", filepath.Join(dir, "no", "such", "dir")} {
		link := filepath.Join(dir, "link")
		os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			t.Skip(err)
		}
		_, err := store.OpenBadgerSet(store.BadgerOptions{Dir: link})
		if !errors.Is(err, store.ErrStoreDirNotDir) || !strings.Contains(err.Error(), "symbolic link to "+target) {
			t.Errorf("OpenBadgerSet(link to %s) = %v, want ErrStoreDirNotDir naming the link", target, err)
		}
		if _, err := store.NewQueue(store.SpillOptions{Dir: link}); !errors.Is(err, store.ErrStoreDirNotDir) {
			t.Errorf("NewQueue(link to %s) = %v, want ErrStoreDirNotDir", target, err)
		}
	}
}

func insertRandom(t testing.TB, s *store.BadgerSet, n int, seed uint64) []uint64 {
	rng := rand.New(rand.NewPCG(seed, 0))
	fps := make([]uint64, n)
	for i := range fps {
		fps[i] = rng.Uint64()
	}
	if err := s.Insert(fps, make([]bool, n)); err != nil {
		t.Fatal(err)
	}
	return fps
}

func TestBadgerTempDirRemoved(t *testing.T) {
	s, err := store.OpenBadgerSet(store.BadgerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := s.Dir()
	insertRandom(t, s, 10000, 1)
	if len(dirEntries(t, dir)) == 0 {
		t.Fatal("empty store dir")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temp dir %s still there after Close (%v)", dir, err)
	}
}

func TestBadgerGivenDir(t *testing.T) {
	t.Run("created", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		insertRandom(t, s, 1000, 2)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s created by Open still there after Close", dir)
		}
	})
	t.Run("existing-empty", func(t *testing.T) {
		dir := t.TempDir()
		s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		insertRandom(t, s, 1000, 3)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if names := dirEntries(t, dir); len(names) != 0 {
			t.Errorf("Close left %v in the given dir", names)
		}
	})
	t.Run("keep", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "kept")
		s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Keep: true, RAMEntries: 100})
		if err != nil {
			t.Fatal(err)
		}
		fps := insertRandom(t, s, 5000, 4)
		fps = append(fps, insertRandom(t, s, 5000, 5)...)
		if err := s.Sync(); err != nil {
			t.Fatal(err)
		}
		if st := s.Stats(); st.RAMBytes <= 0 || st.DiskBytes <= 0 {
			t.Errorf("Stats = %+v, want RAM and disk in use", st)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		// The kept store holds exactly the fingerprints inserted.
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
		if n != len(fps) {
			t.Errorf("kept store holds %d keys, want %d", n, len(fps))
		}
	})
}

// TestBadgerLeftoverDir: a store left in a directory is refused, whether
// its run finished (Keep) or was killed, and a store in use by a live
// process is reported as such.
func TestBadgerLeftoverDir(t *testing.T) {
	t.Run("kept", func(t *testing.T) {
		dir := t.TempDir()
		s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Keep: true})
		if err != nil {
			t.Fatal(err)
		}
		insertRandom(t, s, 100, 6)
		s.Close()
		_, err = store.OpenBadgerSet(store.BadgerOptions{Dir: dir})
		if !errors.Is(err, store.ErrStoreDirNotEmpty) || !strings.Contains(err.Error(), "left by an earlier run") {
			t.Errorf("reopen = %v, want ErrStoreDirNotEmpty naming a leftover store", err)
		}
		if len(dirEntries(t, dir)) == 0 {
			t.Error("the refused open removed the leftover store")
		}
	})
	t.Run("other-files", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
		_, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir})
		if !errors.Is(err, store.ErrStoreDirNotEmpty) || !strings.Contains(err.Error(), "other files") {
			t.Errorf("open = %v, want ErrStoreDirNotEmpty about other files", err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
			t.Error("the user's file was touched")
		}
	})
	t.Run("in-use-then-killed", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a process")
		}
		dir := filepath.Join(t.TempDir(), "store")
		cmd := holdStore(t, dir)
		_, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir})
		if !errors.Is(err, store.ErrStoreDirInUse) || !strings.Contains(err.Error(), fmt.Sprint(cmd.Process.Pid)) {
			t.Errorf("open while in use = %v, want ErrStoreDirInUse naming pid %d", err, cmd.Process.Pid)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		_, err = store.OpenBadgerSet(store.BadgerOptions{Dir: dir})
		if !errors.Is(err, store.ErrStoreDirNotEmpty) || !strings.Contains(err.Error(), "rm -r "+dir) {
			t.Errorf("open after kill = %v, want ErrStoreDirNotEmpty telling to remove it", err)
		}
	})
	// A check of several runs with --store-dir keeps the runs after the
	// first in run-N inside it, the first run's store closed and kept:
	// while a later one runs, the directory is in use, not a leftover to
	// remove (found by a tester: the hint said rm -r).
	t.Run("a-later-run-in-use", func(t *testing.T) {
		if testing.Short() {
			t.Skip("starts a process")
		}
		dir := t.TempDir()
		s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Keep: true})
		if err != nil {
			t.Fatal(err)
		}
		insertRandom(t, s, 100, 8)
		s.Close()
		sub := filepath.Join(dir, "run-2")
		cmd := holdStore(t, sub)
		_, err = store.OpenBadgerSet(store.BadgerOptions{Dir: dir})
		if !errors.Is(err, store.ErrStoreDirInUse) || !strings.Contains(err.Error(), fmt.Sprint(cmd.Process.Pid)) ||
			!strings.Contains(err.Error(), sub) || strings.Contains(err.Error(), "rm -r") {
			t.Errorf("open while a later run uses %s = %v, want ErrStoreDirInUse naming it and pid %d", sub, err, cmd.Process.Pid)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		_, err = store.OpenBadgerSet(store.BadgerOptions{Dir: dir})
		if !errors.Is(err, store.ErrStoreDirNotEmpty) || !strings.Contains(err.Error(), "rm -r "+dir) {
			t.Errorf("open after kill = %v, want ErrStoreDirNotEmpty telling to remove it", err)
		}
	})
	// A directory inside another check's store directory is refused
	// before anything is made in it: that check, still running, would
	// find the run-N it comes to taken and lose that run (found by a
	// tester); the check's own later runs are let in (Nested).
	t.Run("inside-another-store", func(t *testing.T) {
		dir := t.TempDir()
		s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Keep: true})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		sub := filepath.Join(dir, "run-3")
		_, err = store.OpenBadgerSet(store.BadgerOptions{Dir: sub})
		if !errors.Is(err, store.ErrStoreDirNested) || !strings.Contains(err.Error(), dir+" holds the store of another check") {
			t.Errorf("open inside a store directory = %v, want ErrStoreDirNested naming %s", err, dir)
		}
		if _, err := os.Lstat(sub); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the refused directory was made: %v", err)
		}
		// Deeper inside too (found by a tester: DIR/run-2/a was taken,
		// and the check whose store DIR is then failed at its run-2).
		deep := filepath.Join(dir, "run-2", "a", "b")
		_, err = store.OpenBadgerSet(store.BadgerOptions{Dir: deep})
		if !errors.Is(err, store.ErrStoreDirNested) || !strings.Contains(err.Error(), dir+" holds the store of another check") {
			t.Errorf("open two levels inside a store directory = %v, want ErrStoreDirNested naming %s", err, dir)
		}
		if _, err := os.Lstat(filepath.Join(dir, "run-2")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the refused directory's parents were made: %v", err)
		}
		s, err = store.OpenBadgerSet(store.BadgerOptions{Dir: sub, Nested: true, Keep: true})
		if err != nil {
			t.Fatalf("a later run's own directory: %v", err)
		}
		s.Close()
	})
}

// holdStore starts TestHelperHoldStore in a process of its own, holding a
// store open in dir, and returns once it is ready (it is killed at the
// end of the test).
func holdStore(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldStore$")
	cmd.Env = append(os.Environ(), "MCHECK_STORE_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	return cmd
}

// TestHelperHoldStore is run as a separate process by TestBadgerLeftoverDir:
// it opens a store, says "ready" and waits to be killed.
func TestHelperHoldStore(t *testing.T) {
	dir := os.Getenv("MCHECK_STORE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	// Nested: the store may be a later run's (run-2 inside another).
	s, err := store.OpenBadgerSet(store.BadgerOptions{Dir: dir, Nested: true})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	insertRandom(t, s, 100000, 7)
	s.Sync()
	fmt.Println("ready")
	select {}
}
