package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcheck/mcheck/statespace"
)

// TestSwarmFindsDeepViolation: the bitstate swarm finds the known-answer
// model's violation, which needs 242 steps, says which member did, prints
// every member's coverage, and shrinks the run.
func TestSwarmFindsDeepViolation(t *testing.T) {
	code, out, errs := runCmd("swarm", "--strategy", "max+1", "--swarm", "4", "--bits", "22", "--max-states", "20000", "--depth", "5000",
		"--shrink-states", "2000", "--shrink-budget", "40000", "../../statespace/testdata/deep-violation.dsu")
	noPanic(t, out, errs)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"max+1: runtime violation — runtime error",
		"found by:  member 0 (depth-first, shuffled successors, depth 5000",
		"found:    division by zero",
		"shrunk by delta debugging from the member's",
		"max+1: members (states: stored",
		"summary:", "bitstate swarm", "VIOLATION",
		"\n(members judge safety only",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// The legend's ok? clause only under a table with an ok? row (a
	// tester: it came under a table whose only row was a violation).
	if strings.Contains(out, "ok?: no violation found") {
		t.Errorf("the legend explains ok? under a table without it:\n%s", out)
	}
	m := regexp.MustCompile(`trace \((\d+) steps, shrunk`).FindStringSubmatch(out)
	if m == nil || len(m[1]) < 3 || m[1] < "242" {
		t.Errorf("the run printed should have at least 242 steps: %v", m)
	}
	if !regexp.MustCompile(`(?m)^ +0 +dfs shuffled +5000 +violation +\d+ `).MatchString(out) {
		t.Errorf("members table lacks member 0's row:\n%s", out)
	}
}

// TestSwarmSafeModelAndReplay: a swarm that finds nothing exits 4 (never
// 0) with every member's coverage, and a violation it reports in JSON is
// one mcheck replay re-runs.
func TestSwarmSafeModelAndReplay(t *testing.T) {
	code, out, errs := runCmd("swarm", "--strategy", "max+1", "--swarm", "4", "--bits", "16", "--coverage", "../../models/mathserver.dsu")
	noPanic(t, out, errs)
	if code != exitBounded {
		t.Fatalf("exit %d, want 4 (a swarm proves nothing)\n%s%s", code, out, errs)
	}
	// Members judge safety only, and say so (found by a tester: simulate
	// said it, swarm did not).
	for _, want := range []string{"max+1: no violation found by 4 members", "NOT exhaustive", "coverage:", "ok?", "(ok?: no violation found, nothing proved — and members judge safety only"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^ +\d +(dfs shuffled|dfs threads|bfs) +\d+ +ended`).FindAllString(out, -1)); n != 4 {
		t.Errorf("%d members ended, want 4:\n%s", n, out)
	}

	code, out, errs = runCmd("swarm", "--json", "--strategy", "uncoordinated", "--swarm", "3", "--bits", "16", "../../models/mathserver.dsu")
	if code != exitViolation {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var j struct {
		Verdict    string `json:"verdict"`
		Exhaustive bool   `json:"exhaustive"`
		Search     string `json:"search"`
		FoundBy    *int   `json:"found_by_member"`
		Members    []struct {
			Status    string `json:"status"`
			States    int64  `json:"states"`
			HashSeed  string `json:"hash_seed"`  // "0x...", as the text writes it
			OrderSeed string `json:"order_seed"` // (a tester's jq rounded numbers)
		} `json:"members"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if j.Verdict != "violation" || j.Exhaustive || j.Search != "bitstate swarm" || j.FoundBy == nil || len(j.Members) != *j.FoundBy+1 || j.Members[*j.FoundBy].Status != "violation" {
		t.Errorf("JSON: %+v", j)
	}
	for _, m := range j.Members {
		if !regexp.MustCompile(`^0x[0-9a-f]+$`).MatchString(m.HashSeed) || !regexp.MustCompile(`^0x[0-9a-f]+$`).MatchString(m.OrderSeed) {
			t.Errorf("member seeds %q, %q: want hexadecimal strings", m.HashSeed, m.OrderSeed)
		}
	}
	report := filepath.Join(t.TempDir(), "swarm.json")
	if err := os.WriteFile(report, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rout, rerr := runCmd("replay", report)
	if code != exitOK || !strings.Contains(rout, "the run ends in the same violation") {
		t.Fatalf("replay: exit %d\n%s%s", code, rout, rerr)
	}
}

// TestSwarmUsage: bad flags are usage errors.
func TestSwarmUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--swarm", "0"}, {"--bits", "5"}, {"--bits", "39"}, {"--depth", "0"}, {"--max-states", "-1"}, {"--time", "-1s"}, {"--strategy", "nope"},
	} {
		code, out, errs := runCmd(append(append([]string{"swarm"}, args...), "../../models/mathserver.dsu")...)
		noPanic(t, out, errs)
		if code != exitUsage || !strings.Contains(errs, "mcheck swarm:") {
			t.Errorf("%v: exit %d, want 2\n%s%s", args, code, out, errs)
		}
	}
}

// TestNegativeBoundNamesItsFlag: a negative bound is refused naming that
// flag only. Found by the adversarial tester: swarm --max-states -1 said
// "--max-depth and --max-states must not be negative", and swarm has no
// --max-depth.
func TestNegativeBoundNamesItsFlag(t *testing.T) {
	for _, c := range []struct {
		args      []string
		want, not string
	}{
		{[]string{"swarm", "--max-states", "-1"}, "mcheck swarm: --max-states must not be negative, got -1", "--max-depth"},
		{[]string{"check", "--max-states", "-2"}, "mcheck check: --max-states must not be negative, got -2", "--max-depth"},
		{[]string{"check", "--max-depth", "-3"}, "mcheck check: --max-depth must not be negative, got -3", "--max-states"},
	} {
		code, out, errs := runCmd(append(c.args, "../../models/mathserver.dsu")...)
		noPanic(t, out, errs)
		if code != exitUsage || !strings.Contains(errs, c.want) || strings.Contains(errs, c.not) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q, without %s", c.args, code, errs, c.want, c.not)
		}
	}
}

// TestSwarmTextInterrupted: an interrupted swarm says so in its text, in
// its line and in the summary (found by a tester: only stderr and the JSON
// did).
func TestSwarmTextInterrupted(t *testing.T) {
	r := &swarmReport{model: "m.dsu", strategy: "max+1", queueBound: 8,
		res: &statespace.SwarmResult{Verdict: statespace.Unknown, Found: -1, Interrupted: true, Introduced: true}}
	f := &swarmFlags{}
	f.updateAt = "any"
	var b strings.Builder
	writeSwarmRun(&b, r, f, false, true)
	writeSwarmSummary(&b, []*swarmReport{r}, f)
	out := b.String()
	if !strings.Contains(out, "interrupted: the members shown stopped part-way") || !regexp.MustCompile(`max\+1 +ok\? +- +interrupted`).MatchString(out) {
		t.Errorf("an interrupted swarm's text:\n%s", out)
	}
}

// TestSwarmTimeBeforeMembersStarted: --time that ends the swarm before
// some members started says which (found by a tester: with --max-states 0
// only the first members ran, without a word).
func TestSwarmTimeBeforeMembersStarted(t *testing.T) {
	r := &swarmReport{model: "m.dsu", strategy: "max+1", queueBound: 8,
		res: &statespace.SwarmResult{Verdict: statespace.Unknown, Found: -1, TimedOut: true, Introduced: true, Members: make([]statespace.MemberResult, 2)}}
	f := &swarmFlags{members: 8, duration: time.Second}
	f.updateAt = "any"
	var b strings.Builder
	writeSwarmRun(&b, r, f, false, true)
	if !strings.Contains(b.String(), "--time 1s ended the search before members 2 to 7 started (the 2 that ran took the whole time: bound them with --max-states") {
		t.Errorf("a swarm whose time ended before members started:\n%s", b.String())
	}
	// Members bounded already are not told to bound themselves (found by
	// a tester: --max-states 1, and the advice was --max-states).
	f.maxStates = 1
	b.Reset()
	writeSwarmRun(&b, r, f, false, true)
	if !strings.Contains(b.String(), "(the 2 that ran took the whole time: give more --time, or fewer members)") {
		t.Errorf("bounded members that took the time:\n%s", b.String())
	}
}

// TestSwarmMemberCapExactlyFull: a member whose --max-states is exactly
// the number of configurations it finds ends, not cut; one fewer cuts it
// (found by a tester: reaching the cap counted as a cut). mathserver under
// max+1 has 112 configurations (check).
func TestSwarmMemberCapExactlyFull(t *testing.T) {
	for _, c := range []struct {
		cap, status string
	}{{"112", `"status":"ended"`}, {"111", `"status":"cut"`}} {
		_, out, errs := runCmd("swarm", "--strategy", "max+1", "--skip", "update-completion", "--swarm", "4", "--max-states", c.cap, "--json", "../../models/mathserver.dsu")
		if n := strings.Count(out, c.status); n != 4 {
			t.Errorf("--max-states %s: %d members %s, want 4:\n%s\n%s", c.cap, n, c.status, out, errs)
		}
	}
}
