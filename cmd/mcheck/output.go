package main

import "github.com/mcheck/mcheck/internal/atomicfile"

// writeOutputFile writes data to path (gen -o, check --html): a regular or
// new file whole or not at all, a device or named pipe in place
// (atomicfile.Write). Errors read "cannot write PATH: REASON".
func writeOutputFile(path string, data []byte) error {
	return atomicfile.Write(path, data, 0o644)
}

// orEmpty is s, or an empty list for nil: a JSON field that is a list is
// always there, [] when empty.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
