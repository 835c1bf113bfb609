package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// twoBugModel: P2 answers a bool where an int is due (fidelity (a), then
// (b) at P1's receive) and Q2 waits for a session no one starts (deadlock);
// the README's --continue example.
const twoBugModel = "testdata/two-bugs.dsu"

func TestCheckContinue(t *testing.T) {
	path := twoBugModel
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

// TestContinueInitialFaults: threads that fail before their first visible
// step are each a distinct violation, of 0 steps (found by a tester: only
// the first was listed, and the list said it was complete); --max-violations
// cuts them as any others.
func TestContinueInitialFaults(t *testing.T) {
	path := writeTemp(t, "three.dsu", "thread B1 { main 1 / 0 }\nthread B2 { main 5 % 0 }\nthread B3 { main 5 / 0 }\n")
	code, out, errs := runCmd("check", "--store", "memory", "--continue", path)
	if code != exitViolation || !strings.Contains(out, "3 distinct violations, every one there is") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, where := range []string{"three.dsu:1:20", "three.dsu:2:20", "three.dsu:3:20"} {
		if !strings.Contains(out, where) {
			t.Errorf("no violation at %s:\n%s", where, out)
		}
	}
	code, out, _ = runCmd("check", "--store", "memory", "--continue", "--max-violations", "2", path)
	if code != exitViolation || !strings.Contains(out, "2 distinct violations, and there are more") {
		t.Errorf("--max-violations 2: exit %d\n%s", code, out)
	}
}

// TestContinueWhereBesideRuntime: a fidelity fact is placed at its step's
// action even when the step's local run then hits a runtime error, so one
// fault is listed once (found by a tester: it was placed at the runtime
// error and listed twice). The two violations are derived by hand in the
// model's header.
func TestContinueWhereBesideRuntime(t *testing.T) {
	const model = "../../statespace/testdata/regress/continue-where-beside-runtime.dsu"
	code, out, errs := runCmd("check", "--store", "memory", "--progress", "off", "--json", "--continue", "--strategy", "uncoordinated", "--update-at", "step:0", model)
	var j struct {
		Search     string `json:"search"`
		Violations []struct {
			Property, Where string
			Trace           []any
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitViolation || j.Search != "exhaustive" {
		t.Fatalf("exit %d, %v: %s%s", code, err, out, errs)
	}
	var got []string
	for _, v := range j.Violations {
		got = append(got, fmt.Sprintf("%s@%s/%d", v.Property, v.Where[strings.LastIndex(v.Where, ".dsu:")+5:], len(v.Trace)))
	}
	if want := "fidelity@29:36/6 runtime@29:56/6"; strings.Join(got, " ") != want {
		t.Errorf("violations %v, want %s", got, want)
	}
}

// TestContinuePathOfNoStep: a --continue violation before the first step
// has the path [], as every empty list is written, not null (found by a
// tester).
func TestContinuePathOfNoStep(t *testing.T) {
	path := writeTemp(t, "nostep.dsu", "protocol P = a -> b: <int>. end\nservice s: P\nthread A {\n  main let x = request(s, {a, b}, a) in send(x, b, 1)\n}\n")
	_, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--continue", path)
	if !strings.Contains(out, `"path":[]}]}`) || strings.Contains(out, "null") {
		t.Errorf("stdout %s\nstderr %s", out, errs)
	}
}
