//go:build linux || darwin || freebsd || dragonfly

package store

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// ownLock: the set takes badger's directory lock itself, before it
// creates anything in the directory, and opens badger without its lock
// guard (see lockDir).
const ownLock = true

// lockDir opens dir and takes the exclusive flock badger takes on its
// directory (so a badger opened by another process, or another mcheck run,
// is refused, and vice versa). It fails with errLocked when another open
// file description holds the lock: another process, or another open of the
// same directory by this one.
func lockDir(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, errLocked
		}
		return nil, err
	}
	return f, nil
}

// dirLocked reports whether another process holds the flock badger takes
// on its directory.
func dirLocked(dir string) bool {
	f, err := lockDir(dir)
	if err != nil {
		return err == errLocked
	}
	f.Close()
	return false
}

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}

// ownedByMe reports whether fi belongs to this process's user.
func ownedByMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// allocated is the disk space a file occupies.
func allocated(fi fs.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return fi.Size()
}

// freeBytes is the space available to this process on dir's file system,
// or -1 if unknown.
func freeBytes(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return -1
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// freeFiles is the number of files (inodes) this process may still create
// on dir's file system, or -1 if unknown (a file system without a fixed
// number of them reports none).
func freeFiles(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || st.Files == 0 {
		return -1
	}
	return int64(st.Ffree)
}

// openFilesRoom is how many more files this process may open, or -1 if
// unknown or unlimited: the numbers below its soft limit on open files
// that no open file takes (a new file takes the lowest free number, and
// one at the limit or above is refused). Files inherited with numbers
// above the limit (a shell's 255, a harness's) take none of them: counted
// as taking one, a tester's ulimit -n 9 made the room negative, read as
// unknown, and badger failed with its raw error.
func openFilesRoom() int64 {
	cur, ok := softLimit(syscall.RLIMIT_NOFILE)
	if !ok {
		return -1
	}
	fds, err := os.ReadDir("/dev/fd") // (listing it takes one more)
	if err != nil {
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			return 0
		}
		return -1
	}
	below := int64(0)
	for _, fd := range fds {
		if n, err := strconv.ParseUint(fd.Name(), 10, 64); err == nil && n < uint64(cur) {
			below++
		}
	}
	return max(cur-below, 0)
}

// openFilesLimit is the soft limit on open files, or -1 if unlimited.
func openFilesLimit() int64 {
	cur, ok := softLimit(syscall.RLIMIT_NOFILE)
	if !ok {
		return -1
	}
	return cur
}

// AddressSpaceLimit is the process's limit on its virtual memory (ulimit
// -v), if it has one.
func AddressSpaceLimit() (int64, bool) {
	return softLimit(syscall.RLIMIT_AS)
}

// softLimit is the soft limit on resource, if there is one: none where it
// is infinite or cannot be read. The limits' type is uint64 on Linux and
// macOS, int64 on the BSDs (whose infinity is 2^63-1): anything above
// 2^62 is taken as none.
func softLimit(resource int) (int64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(resource, &lim); err != nil {
		return 0, false
	}
	cur := uint64(lim.Cur)
	if cur > 1<<62 {
		return 0, false
	}
	return int64(cur), true
}
