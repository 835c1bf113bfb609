package store

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

/*
The directory of a BadgerSet is locked with the flock badger itself takes
on its directory (see lockDir), held from before the set creates anything
in the directory until it has removed what it created. So of two runs
started at once on one new directory exactly one gets it; the other creates
and removes nothing in it, and says which process holds it (from the pid
the holder writes to LOCK, as badger does). And a directory whose lock is
free belongs to no live run: a temporary store (mcheck-store-* in the
temporary directory) left by a killed run can be removed by a later one.
*/

// errLocked: another open file description holds the directory's lock.
var errLocked = errors.New("directory locked")

const (
	// pidFile is where the lock holder writes its pid (badger's name).
	pidFile = "LOCK"
	// tempPrefix starts the names of temporary stores.
	tempPrefix = "mcheck-store-"
	// tempMarkerFile marks a temporary store, which a later run removes
	// if the run that made it was killed.
	tempMarkerFile = "MCHECK-TEMPORARY"
	// staleAge: a temporary store without a marker is left alone for this
	// long (it may be one that a starting run has just created and not yet
	// locked).
	staleAge = time.Minute
)

// sameDir reports whether path still names the directory open as f (it
// may have been removed, by the previous holder of its lock, before f was
// locked).
func sameDir(f *os.File, path string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	pi, err := os.Stat(path)
	return err == nil && os.SameFile(fi, pi)
}

// writePid writes this process's pid to dir's LOCK file.
func writePid(dir string) error {
	return os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// lockHolder is the pid that the holder of dir's lock wrote to LOCK, or ""
// if there is none to read. The holder writes it just after it takes the
// lock, so a run that has just lost the race for the lock waits for it a
// little (up to wait) while the lock is held. A LOCK file naming a dead
// process (left by a killed run) is not believed.
func lockHolder(dir string, wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		b, err := os.ReadFile(filepath.Join(dir, pidFile))
		if err == nil && strings.HasSuffix(string(b), "\n") {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 && processAlive(pid) {
				return strconv.Itoa(pid)
			}
		}
		if time.Now().After(deadline) || !dirLocked(dir) {
			return ""
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// inUseError reports that another process holds the store directory.
func inUseError(dir string, err error) error {
	who := "another process is using it"
	if pid := lockHolder(dir, time.Second); pid != "" {
		who = "another run (pid " + pid + ") is using it"
	}
	return &Error{Op: "open store", Path: dir, Kind: ErrStoreDirInUse, Err: err,
		Hint: who + "; wait for it to finish, or pass another --store-dir"}
}

// RemoveStaleTemp removes the temporary stores that runs killed earlier
// left in dir ("" is the system's temporary directory): the directories
// mcheck-store-* of this user whose lock is free (no live process has them
// open) and which hold a temporary store, or are empty and more than a
// minute old. A directory whose lock is held is never touched. It returns the directories removed.
// A BadgerSet on a temporary directory calls it when it opens.
func RemoveStaleTemp(dir string) []string {
	if !ownLock {
		return nil
	}
	if dir == "" {
		dir = os.TempDir()
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		fi, err := os.Lstat(path)
		if err != nil || !fi.IsDir() || !ownedByMe(fi) {
			continue
		}
		lock, err := lockDir(path)
		if err != nil {
			continue // in use (or not ours to open)
		}
		if sameDir(lock, path) && isStaleStore(path, fi) && os.RemoveAll(path) == nil {
			removed = append(removed, path)
		}
		lock.Close()
	}
	return removed
}

// isStaleStore: an unlocked temporary store holds the temporary marker
// (written as soon as its run locked it), or is empty and old (its run was
// killed before). Nothing else is: a store kept with --store-dir, even one
// named mcheck-store-* in the temporary directory, holds only the store's
// marker, and a directory of the user's that happens to be so named holds
// neither (a tester: a kept store named so was removed by the next run).
func isStaleStore(path string, fi os.FileInfo) bool {
	if _, err := os.Lstat(filepath.Join(path, tempMarkerFile)); err == nil {
		return true
	}
	ents, err := os.ReadDir(path)
	return err == nil && len(ents) == 0 && time.Since(fi.ModTime()) > staleAge
}
