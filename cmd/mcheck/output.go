package main

import (
	"context"
	"slices"

	"github.com/mcheck/mcheck/internal/atomicfile"
	"github.com/mcheck/mcheck/statespace"
)

// writeOutputFile writes data to path (gen -o, check --html): a regular or
// new file whole or not at all, a device or named pipe in place
// (atomicfile.Write). Errors read "cannot write PATH: REASON".
func writeOutputFile(ctx context.Context, path string, data []byte) error {
	return atomicfile.WriteContext(ctx, path, data, 0o644)
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

// jsonCoverage is what --coverage adds to a run's JSON line (check,
// simulate, swarm): each list there, [] when empty, and none of them
// without --coverage (found by a tester: check --json dropped them).
type jsonCoverage struct {
	NeverPerformed *[]string `json:"never_performed,omitempty"`
	NeverReached   *[]string `json:"never_reached,omitempty"`
	NeverRan       *[]string `json:"never_ran,omitempty"` // source lines, "m.dsu:12 (new f of P1)"
}

// coverageJSON is u's JSON form (u nil: no --coverage).
func coverageJSON(model string, u *statespace.Unreached) jsonCoverage {
	if u == nil {
		return jsonCoverage{}
	}
	performed, reached := append([]string{}, u.Actions...), append([]string{}, u.States...)
	j := jsonCoverage{NeverPerformed: &performed, NeverReached: &reached}
	if u.Lines != nil { // (nil: the lines were not followed)
		ran := []string{}
		for _, l := range u.Lines {
			ran = append(ran, neverRan(model, l))
		}
		j.NeverRan = &ran
	}
	return j
}
