package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSimulateCoverageLinesAndDistinct: simulate --coverage names the
// source lines no walk ran, as check does, and every simulation says how
// many distinct configurations its walks passed (text, summary, JSON).
func TestSimulateCoverageLinesAndDistinct(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dead.dsu")
	src := "protocol P = a -> b: <int>. end\nservice s: P\n" +
		"thread A {\n  fun f(n) = if n > 0\n    then n\n    else 0 - n\n  main let x = request(s, {a, b}, a) in send(x, b, f(2))\n}\n" +
		"thread B { main let y = accept(s, b) in receive(y, a) }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("simulate", "--runs", "5", "--coverage", path)
	if code != exitBounded {
		t.Fatalf("exit %d, want 4: %s%s", code, out, errs)
	}
	want := "  never ran:       " + filepath.ToSlash(path) + ":6 (f of A)\n"
	if !strings.Contains(out, want) || strings.Count(out, "never ran:") != 1 {
		t.Errorf("coverage should list line 6 only, as %q:\n%s", want, out)
	}
	// Initial, session started, sent, received: four configurations, every
	// walk the same.
	if !strings.Contains(out, "no violation in 5 walks (15 steps, 4 distinct configurations passed, the longest 3;") {
		t.Errorf("the walks pass 4 distinct configurations:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^ +\(no update\) +\(none needed\) +ok\? +- +5 +15 +4 +3 `).MatchString(out) {
		t.Errorf("summary lacks the distinct column:\n%s", out)
	}
	_, out, _ = runCmd("simulate", "--runs", "3", "--coverage", "../../models/code-only.dsu")
	if !strings.Contains(out, "every source line run by some walk") {
		t.Errorf("a model whose every line runs should say so:\n%s", out)
	}
	_, out, _ = runCmd("simulate", "--runs", "5", "--coverage", "--json", path)
	var j struct {
		Distinct int64    `json:"distinct_configurations"`
		NeverRan []string `json:"never_ran"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if j.Distinct != 4 || len(j.NeverRan) != 1 || !strings.HasSuffix(j.NeverRan[0], ":6 (f of A)") {
		t.Errorf("JSON: %+v", j)
	}
}
