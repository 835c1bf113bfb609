package main

import (
	"slices"

	"github.com/mcheck/mcheck/internal/atomicfile"
)

// writeOutputFile writes data to path (gen -o, check --html): a regular or
// new file whole or not at all, a device or named pipe in place
// (atomicfile.Write). Errors read "cannot write PATH: REASON".
func writeOutputFile(path string, data []byte) error {
	return atomicfile.Write(path, data, 0o644)
}

// skipList is the JSON form of --skip: each property once, in the order
// first given, never null (found by a tester: --skip fidelity,fidelity
// gave ["fidelity","fidelity"]).
func skipList(s []string) []string {
	out := []string{}
	for _, p := range s {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
