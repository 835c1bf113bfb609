package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Sentinel errors. Every error this package returns for a failure of the
// environment (a directory, the disk) is a *Error wrapping one of
// these, so callers can test it with errors.Is and print it as is.
var (
	// ErrStoreDirUnwritable: the store directory cannot be created or
	// written to.
	ErrStoreDirUnwritable = errors.New("store directory is not writable")
	// ErrStoreDirNotDir: the store directory path names something that is
	// not a directory.
	ErrStoreDirNotDir = errors.New("store directory path is not a directory")
	// ErrStoreDirInUse: another live process holds the store in the
	// directory open.
	ErrStoreDirInUse = errors.New("store directory is in use by another process")
	// ErrStoreDirNotEmpty: the directory already holds files, typically a
	// store left behind by an earlier (perhaps killed) run. A store is never
	// reused: its fingerprints would mark unexplored states as visited.
	ErrStoreDirNotEmpty = errors.New("store directory is not empty")
	// ErrStoreDirNested: the store directory is inside another's.
	ErrStoreDirNested = errors.New("store directory is inside another store's directory")
	// ErrDiskFull: the file system holding the store ran out of space.
	ErrDiskFull = errors.New("disk full")
	// ErrClosed: the store was used after Close.
	ErrClosed = errors.New("store is closed")
)

// Error describes a failed store operation.
type Error struct {
	Op   string // what was being done: "open", "insert", "push", ...
	Path string // the file or directory involved, if any
	Kind error  // one of the Err* sentinels, or nil
	Err  error  // the underlying cause, or nil
	Hint string // what the user can do about it, or ""
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("store: ")
	b.WriteString(e.Op)
	if e.Path != "" {
		b.WriteString(" ")
		b.WriteString(e.Path)
	}
	if e.Kind != nil {
		b.WriteString(": ")
		b.WriteString(e.Kind.Error())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

const (
	hintDiskFull = "free space on that file system, or put the store on a larger one with --store-dir"
	hintDir      = "pass a writable directory with --store-dir"
	// hintOpenFiles is the hint when the badger store may open no more
	// files; hintSpillOpenFiles when a spill file may not be opened,
	// which every store needs (a tester: the memory store's spill files
	// suggested --store memory).
	hintOpenFiles      = "raise the limit on open files (ulimit -n), or use --store memory"
	hintSpillOpenFiles = "raise the limit on open files (ulimit -n), or a larger --mem-budget, so that less spills to disk"
)

// isNoSpace reports whether err means the file system is full. Badger does
// not always keep the errno in its error chain, so the message is checked
// too.
func isNoSpace(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "no space left on device") ||
		strings.Contains(msg, "disk quota exceeded")
}

// ioError wraps an I/O failure during op on path, classifying a full disk
// (with the hint for the badger store's directory).
func ioError(op, path string, err error) error {
	return ioErrorHints(op, path, err, hintDiskFull, hintOpenFiles)
}

// spillHint is the hint for a full file system under spill files in dir;
// tmp tells whether dir is the system's temporary directory (TMPDIR), not
// one the caller chose. --store-dir has nothing to do with spill files.
func spillHint(dir string, tmp bool) string {
	if tmp {
		return "spill files go to " + dir + " (TMPDIR): free space there, or set TMPDIR to a directory on a larger file system"
	}
	return "spill files go to " + dir + ": free space there, or spill to a directory on a larger file system"
}

// ioErrorHint is ioError for a spill file, with the hint to give for a
// full disk.
func ioErrorHint(op, path string, err error, fullHint string) error {
	return ioErrorHints(op, path, err, fullHint, hintSpillOpenFiles)
}

// ioErrorHints is ioError with the hints to give for a full disk and for
// no more open files.
func ioErrorHints(op, path string, err error, fullHint, filesHint string) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return err
	}
	if isNoSpace(err) {
		return &Error{Op: op, Path: path, Kind: ErrDiskFull, Err: err, Hint: fullHint}
	}
	if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
		return &Error{Op: op, Path: path, Err: err, Hint: filesHint}
	}
	if _, serr := os.Stat(path); errors.Is(err, fs.ErrNotExist) && errors.Is(serr, fs.ErrNotExist) {
		// The directory itself is missing (a TMPDIR that names none).
		hint := path + " does not exist"
		if filepath.Clean(path) == filepath.Clean(os.TempDir()) {
			hint += ": it is TMPDIR; set TMPDIR to a directory that exists"
		}
		return &Error{Op: op, Path: path, Err: err, Hint: hint}
	}
	return &Error{Op: op, Path: path, Err: err}
}

// checkWritableDir makes sure dir is a directory this process can create
// files in, creating it (and its parents) if it does not exist. It reports
// whether it created dir.
func checkWritableDir(op, dir string) (created bool, err error) {
	created, err = ensureDir(op, dir)
	if err != nil {
		return false, err
	}
	if err := probeDir(op, dir); err != nil {
		if created {
			os.Remove(dir)
		}
		return false, err
	}
	return created, nil
}

// ensureDir makes sure dir is a directory, creating it (and its parents)
// if it does not exist. It reports whether this call created dir itself
// (false when another process created it at the same time). It creates
// nothing in dir.
func ensureDir(op, dir string) (created bool, err error) {
	return ensureDirOnce(op, dir, true)
}

func ensureDirOnce(op, dir string, retry bool) (created bool, err error) {
	fi, err := os.Stat(dir)
	switch {
	case err == nil:
		if !fi.IsDir() {
			// What it is (found by a tester: /dev/null was "a file").
			what := "a file"
			switch m := fi.Mode(); {
			case m&fs.ModeDevice != 0:
				what = "a device"
			case m&fs.ModeNamedPipe != 0:
				what = "a named pipe"
			case m&fs.ModeSocket != 0:
				what = "a socket"
			}
			return false, &Error{Op: op, Path: dir, Kind: ErrStoreDirNotDir,
				Hint: "it is " + what + "; " + hintDir}
		}
		return false, nil
	case errors.Is(err, os.ErrNotExist):
		err := os.MkdirAll(filepath.Dir(dir), 0o755)
		if err == nil {
			err = os.Mkdir(dir, 0o755)
			if errors.Is(err, fs.ErrExist) {
				// A symbolic link to nothing (Stat found nothing, Mkdir
				// finds the link), or created by someone else meanwhile:
				// look once more.
				if li, lerr := os.Lstat(dir); lerr == nil && li.Mode()&fs.ModeSymlink != 0 {
					target, _ := os.Readlink(dir)
					return false, &Error{Op: op, Path: dir, Kind: ErrStoreDirNotDir, Err: err,
						Hint: fmt.Sprintf("it is a symbolic link to %s, which does not exist; create that directory, or %s", target, hintDir)}
				}
				if retry {
					return ensureDirOnce(op, dir, false)
				}
			}
		}
		if err != nil {
			kind := ErrStoreDirUnwritable
			if errors.Is(err, syscall.ENOTDIR) {
				kind = ErrStoreDirNotDir
			}
			return false, &Error{Op: op, Path: dir, Kind: kind, Err: err, Hint: hintDir}
		}
		return true, nil
	case errors.Is(err, syscall.ENOTDIR):
		return false, &Error{Op: op, Path: dir, Kind: ErrStoreDirNotDir, Err: err,
			Hint: "a parent is a file; " + hintDir}
	default:
		return false, &Error{Op: op, Path: dir, Kind: ErrStoreDirUnwritable, Err: err, Hint: hintDir}
	}
}

// probeDir checks that this process can create files in dir. (Permission
// bits do not tell the whole story: root, ACLs, read-only mounts.)
func probeDir(op, dir string) error {
	f, err := os.CreateTemp(dir, ".mcheck-probe-*")
	if err != nil {
		if isNoSpace(err) {
			return &Error{Op: op, Path: dir, Kind: ErrDiskFull, Err: err, Hint: hintDiskFull}
		}
		return dirError(op, dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return nil
}

// dirError is the error of a store directory that could not be locked,
// listed or written in: unwritable, or, where no file could be opened at
// all, the limit on open files (found by a tester: ulimit -n 8 read "store
// directory is not writable").
func dirError(op, dir string, err error) error {
	if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
		return &Error{Op: op, Path: dir, Err: err, Hint: hintOpenFiles}
	}
	return &Error{Op: op, Path: dir, Kind: ErrStoreDirUnwritable, Err: err, Hint: hintDir}
}

// absPath returns dir made absolute, for messages; on failure, dir itself.
func absPath(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}

func closedError(op string) error { return &Error{Op: op, Kind: ErrClosed} }
