// Package atomicfile writes a file whole or not at all: through a temporary
// file in the same directory, renamed over the target once complete, so that
// a reader never sees a partial file and a failure leaves the old one intact.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write writes data to path with permissions perm. Its errors read "cannot
// write PATH: REASON".
func Write(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fail(path, err)
	}
	name := tmp.Name()
	abort := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return fail(path, err)
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
