package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplay: a saved counterexample replays to the same violation (exit
// 0); against a model it no longer fits, replay says so (exit 1).
func TestReplay(t *testing.T) {
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	if code != exitViolation {
		t.Fatalf("check: exit %d, %s", code, errs)
	}
	report := filepath.Join(t.TempDir(), "ms.json")
	if err := os.WriteFile(report, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCmd("replay", report)
	if code != exitOK || !strings.Contains(out, "the run ends in the same violation: fidelity") || !strings.Contains(out, "7  P2") {
		t.Fatalf("replay: exit %d\n%s\n%s", code, out, errs)
	}
	// Against a model the saved run does not fit (no update toB): exit 1.
	code, _, errs = runCmd("replay", "--model", "../../models/prodcons.dsu", report)
	if code != exitViolation || errs == "" {
		t.Fatalf("replay against another model: exit %d, %q", code, errs)
	}
	code, _, errs = runCmd("replay", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "not a report of mcheck check --json") {
		t.Fatalf("replay of a non-report: exit %d, %q", code, errs)
	}
}
