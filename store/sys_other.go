//go:build !(linux || darwin || freebsd || dragonfly)

// The systems without sys_unix.go's calls as it writes them: Windows, and
// NetBSD and OpenBSD, whose statfs differs (sys_unix.go did not build
// there): no free-space, lock or limit checks.

package store

import (
	"io/fs"
	"os"
)

// ownLock: no flock here, so badger's own lock guard stays on (and stale
// temporary stores cannot be told from live ones, so none is removed).
const ownLock = false

// lockDir only opens dir: there is no flock here; badger's own lock guard
// refuses a store in use.
func lockDir(dir string) (*os.File, error) { return os.Open(dir) }

// dirLocked reports whether another process holds the store directory;
// unknown here, so false (badger's own lock still refuses a store in use).
func dirLocked(dir string) bool { return false }

// processAlive is unknown here: true.
func processAlive(pid int) bool { return true }

// ownedByMe is unknown here: false.
func ownedByMe(fi fs.FileInfo) bool { return false }

// allocated is the disk space a file occupies: here, its size.
func allocated(fi fs.FileInfo) int64 { return fi.Size() }

// freeBytes is the space available on dir's file system: unknown here.
func freeBytes(dir string) int64 { return -1 }

// freeFiles is the number of files dir's file system may still hold:
// unknown here.
func freeFiles(dir string) int64 { return -1 }

// openFilesRoom is unknown here: -1.
func openFilesRoom() int64 { return -1 }

// openFilesLimit is unknown here: -1.
func openFilesLimit() int64 { return -1 }

// AddressSpaceLimit is unknown here.
func AddressSpaceLimit() (int64, bool) { return 0, false }
