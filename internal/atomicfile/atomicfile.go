// Package atomicfile writes a file whole or not at all: through a temporary
// file in the same directory, renamed over the target once complete, so that
// a reader never sees a partial file and a failure leaves the old one intact.
//
// A target that is a symbolic link is followed: the file it leads to is
// written (made, if the link dangles), and the link is kept (as fmt -w
// keeps it).
//
// Only regular files (and new ones) are written so: a target that exists and
// is something else — a device such as /dev/null or /dev/stdout, a named
// pipe — is written to in place, since renaming over it would replace the
// device node itself (as root) with a regular file.
package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Write writes data to path with permissions perm. Its errors read "cannot
// write PATH: REASON".
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteContext(context.Background(), path, data, perm)
}

// WriteContext is Write, giving up when ctx is done while it waits for a
// process to open a named pipe for reading.
func WriteContext(ctx context.Context, path string, data []byte, perm os.FileMode) error {
	shown := path // errors name the path as given
	path, err := Target(path)
	if err != nil {
		return fail(shown, err)
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		return inPlace(ctx, path, data) // (its errors name the device)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fail(shown, err)
	}
	name := tmp.Name()
	abort := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return fail(shown, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return abort(err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return abort(err)
	}
	if err := tmp.Close(); err != nil {
		return abort(err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return fail(shown, err)
	}
	return nil
}

// inPlace writes data to the existing non-regular file path. A named pipe
// waits for a process to open it for reading, as a shell's `echo > pipe`
// does, but in steps that ctx can end: opening it for writing would wait in
// the system, deaf to ctx (found by a tester: check --html FIFO hung after
// its search, and SIGTERM did not end it).
func inPlace(ctx context.Context, path string, data []byte) error {
	flags := os.O_WRONLY | os.O_TRUNC
	if st, err := os.Stat(path); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
		flags |= syscall.O_NONBLOCK // (ENXIO while no process reads)
	}
	f, err := os.OpenFile(path, flags, 0)
	for errors.Is(err, syscall.ENXIO) && flags&syscall.O_NONBLOCK != 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("cannot write %s: no process opened the named pipe for reading before the run was stopped", path)
		case <-time.After(50 * time.Millisecond):
		}
		f, err = os.OpenFile(path, flags, 0)
	}
	if err != nil {
		return fail(path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fail(path, err)
	}
	if err := f.Close(); err != nil {
		return fail(path, err)
	}
	return nil
}

func fail(path string, err error) error {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	return fmt.Errorf("cannot write %s: %v", path, err)
}

// Target returns the file a write to path writes: path, or the file the
// chain of symbolic links at path leads to. A link to a file that does not
// exist yet leads to that file (found by a tester: gen -o onto such a link
// replaced the link with a regular file); a chain longer than the kernel
// follows, a loop, leads nowhere: syscall.ELOOP (found by a tester: the
// link was replaced by a regular file).
func Target(path string) (string, error) {
	for range 40 { // as the kernel's ELOOP limit
		li, err := os.Lstat(path)
		if err != nil || li.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return path, nil
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", syscall.ELOOP
}
