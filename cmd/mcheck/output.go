package main

import "github.com/mcheck/mcheck/internal/atomicfile"

// writeOutputFile writes data to path (gen -o, check --html): a regular or
// new file whole or not at all, a device or named pipe in place
// (atomicfile.Write). Errors read "cannot write PATH: REASON".
func writeOutputFile(path string, data []byte) error {
	return atomicfile.Write(path, data, 0o644)
}
