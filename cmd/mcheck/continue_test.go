package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// twoBugModel: P2 answers a bool where an int is due (fidelity (a), then
// (b) at P1's receive) and Q2 waits for a session no one starts (deadlock).
const twoBugModel = `
protocol A = p1 -> p2: <int>. p2 -> p1: <int>. end
protocol B = q1 -> q2: <int>. end
service s: A
service t: B
thread P1 { main let x = request(s, {p1, p2}, p1) in send(x, p2, 1); receive(x, p2) }
thread P2 { main let y = accept(s, p2) in let v = receive(y, p1) in send(y, p1, v == 1) }
thread Q1 { main let x = request(t, {q1, q2}, q1) in send(x, q2, 1) }
thread Q2 { main let y = accept(t, q2) in receive(y, q1); let z = accept(t, q2) in receive(z, q1) }
`

func TestCheckContinue(t *testing.T) {
	path := writeTemp(t, "two-bugs.dsu", twoBugModel)
	code, out, errs := runCmd("check", "--store", "memory", "--continue", path)
	noPanic(t, out, errs)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{"3 distinct violations, every one there is", "violation 1 of 3", "violation 3 of 3", "progress violation — deadlock",
		"where:    ", "violations", "exhaustive"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCmd("check", "--store", "memory", "--continue", "--json", path)
	if code != exitViolation {
		t.Fatalf("--json: exit %d", code)
	}
	var j struct {
		Verdict    string `json:"verdict"`
		Exhaustive bool   `json:"exhaustive"`
		Property   string `json:"property"`
		Rule       string `json:"rule"`
		Violations []struct {
			Property, Rule, Thread, Where string
			Trace                         []map[string]any
			Path                          []uint32
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if j.Verdict != "violation" || !j.Exhaustive || len(j.Violations) != 3 || j.Violations[0].Rule != j.Rule || j.Violations[2].Property != "progress" ||
		len(j.Violations[2].Trace) != 8 || len(j.Violations[2].Path) != 8 || j.Violations[2].Where == "" {
		t.Fatalf("JSON: %s", out)
	}
	code, out, _ = runCmd("check", "--store", "memory", "--continue", "--max-violations", "2", path)
	if code != exitViolation || !strings.Contains(out, "2 distinct violations, and there are more") || !strings.Contains(out, "bounded (max-violations)") {
		t.Fatalf("--max-violations 2: exit %d\n%s", code, out)
	}
	code, _, errs = runCmd("check", "--store", "memory", "--continue", "--max-violations", "0", path)
	if code != exitUsage || !strings.Contains(errs, "--max-violations") {
		t.Fatalf("--max-violations 0: exit %d, %s", code, errs)
	}
}
