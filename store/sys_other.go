//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import "io/fs"

// dirLocked reports whether another process holds the store directory;
// unknown here, so false (badger's own lock still refuses a store in use).
func dirLocked(dir string) bool { return false }

// allocated is the disk space a file occupies: here, its size.
func allocated(fi fs.FileInfo) int64 { return fi.Size() }

// freeBytes is the space available on dir's file system: unknown here.
func freeBytes(dir string) int64 { return -1 }
