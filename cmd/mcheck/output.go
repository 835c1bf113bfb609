package main

import (
	"fmt"
	"os"

	"github.com/mcheck/mcheck/internal/atomicfile"
)

// writeOutputFile writes data to path (gen -o, check --html). A regular
// file, or a new one, is written whole or not at all (atomicfile: a
// temporary file renamed over it). Anything else already there — a device
// such as /dev/stdout or /dev/null, a named pipe — is written to in place:
// renaming over it would replace the device node itself (as root) with a
// regular file. Errors read "cannot write PATH: REASON".
func writeOutputFile(path string, data []byte) error {
	st, err := os.Stat(path)
	if err != nil || st.Mode().IsRegular() || st.IsDir() {
		return atomicfile.Write(path, data, 0o644)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, unwrapPathErr(err))
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %v", path, unwrapPathErr(err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %v", path, unwrapPathErr(err))
	}
	return nil
}
