package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSimulatePaperModel(t *testing.T) {
	code, out, errs := runCmd("simulate", "--runs", "5", "--depth", "300", "../../models/mathserver.dsu")
	noPanic(t, out, errs)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1 (uncoordinated violates fidelity)\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"uncoordinated: fidelity violation — fidelity (c)",
		"trace (7 steps", "shortest: no run to this violation is shorter",
		"stop-the-world: no violation in 5 walks", "NOT exhaustive",
		"summary:", "VIOLATION", "ok?",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCmd("simulate", "--runs", "3", "--depth", "100", "--strategy", "max+1", "--coverage", "../../models/prodcons.dsu")
	if code != exitBounded || !strings.Contains(out, "no violation in 3 walks") || !strings.Contains(out, "coverage:") {
		t.Fatalf("max+1 on prodcons: exit %d, want 4 (a simulation proves nothing)\n%s", code, out)
	}
}

// TestSimulateJSONReplays: the run simulate reports (shrunk) is one that
// mcheck replay re-runs to the same violation.
func TestSimulateJSONReplays(t *testing.T) {
	code, out, errs := runCmd("simulate", "--json", "--strategy", "uncoordinated", "--scheduler", "move", "--runs", "20", "--depth", "400", "--shrink-states", "10", "../../models/prodcons.dsu")
	if code != exitViolation {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if j["verdict"] != "violation" || j["search"] != "simulation" || j["exhaustive"] != false {
		t.Errorf("verdict %v, search %v, exhaustive %v", j["verdict"], j["search"], j["exhaustive"])
	}
	report := filepath.Join(t.TempDir(), "sim.json")
	if err := os.WriteFile(report, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rout, rerr := runCmd("replay", report)
	if code != exitOK || !strings.Contains(rout, "the run ends in the same violation") {
		t.Fatalf("replay: exit %d\n%s%s", code, rout, rerr)
	}
}

// TestSimulateFoundSeedZero: a violation found by the walk of seed 0 says
// so in found_seed, which was left out as empty (a tester).
func TestSimulateFoundSeedZero(t *testing.T) {
	_, out, _ := runCmd("simulate", "--json", "--seed", "0", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	var j map[string]any
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if seed, ok := j["found_seed"]; j["verdict"] != "violation" || !ok || seed != 0.0 {
		t.Errorf("verdict %v, found_seed %v (there: %v)\n%s", j["verdict"], seed, ok, out)
	}
}

// TestSimulateDeterministicCLI: same seed, same output, whatever the
// number of workers (the timings aside).
func TestSimulateDeterministicCLI(t *testing.T) {
	secs := regexp.MustCompile(`"seconds":[0-9.e-]+`)
	var outs []string
	for _, w := range []string{"1", "3"} {
		_, out, _ := runCmd("simulate", "--json", "--seed", "42", "--runs", "30", "--depth", "200", "--swarm", "6", "--workers", w, "../../models/sessions-per-request.dsu")
		outs = append(outs, secs.ReplaceAllString(out, ""))
	}
	if outs[0] != outs[1] {
		t.Errorf("1 worker:\n%s\n3 workers:\n%s", outs[0], outs[1])
	}
}

func TestSimulateBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--scheduler", "fair"},
		{"--runs", "0"},
		{"--depth", "0"},
		{"--time", "-1s"},
		{"--swarm", "-2"},
		{"--strategy", "nope"},
		{"--trace", "svg"},
	} {
		code, out, errs := runCmd(append(append([]string{"simulate"}, args...), "../../models/mathserver.dsu")...)
		noPanic(t, out, errs)
		if code != exitUsage || !strings.Contains(errs, "mcheck simulate: ") {
			t.Errorf("%v: exit %d, want 2 with a message\n%s", args, code, errs)
		}
	}
}

// TestSimulateSwarmDeep: a swarm finds the violation that needs 242 steps
// (breadth-first search stops 15 levels deep at 2,000,000 states), and the
// run it prints is shorter than the walk's and is said not to be known
// shortest.
func TestSimulateSwarmDeep(t *testing.T) {
	code, out, errs := runCmd("simulate", "--swarm", "4", "--runs", "8", "--strategy", "stop-the-world", "--shrink-states", "2000", "--shrink-budget", "50000", "../../statespace/testdata/deep-violation.dsu")
	noPanic(t, out, errs)
	if code != exitViolation {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"runtime violation", "swarm member", "division by zero", "not known to be shortest"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestSimulateTimeCountsCutWalks: walks cut short by --time are not among
// the walks, but what they passed is counted (steps, the update
// introduced): a run of long walks reported 0 steps and "no walk introduced
// the update" (adversarial tester).
func TestSimulateTimeCountsCutWalks(t *testing.T) {
	pc := familyModel(t, "prodcons", 2)
	code, out, errs := runCmd("simulate", "--json", "--depth", "100000000", "--runs", "2", "--time", "300ms", "--strategy", "stop-the-world", pc)
	noPanic(t, out, errs)
	var j struct {
		Walks        int64 `json:"walks"`
		Partial      int64 `json:"partial_walks"`
		PartialSteps int64 `json:"partial_steps"`
		Introduced   bool  `json:"update_introduced"`
		TimedOut     bool  `json:"timed_out"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != exitBounded || j.Walks != 0 || j.Partial < 1 || j.PartialSteps == 0 || !j.Introduced || !j.TimedOut {
		t.Errorf("exit %d, %+v: %s", code, j, out)
	}
}

// TestSimulateNotIntroducedSaysWhy: walks that never introduced the update
// say why: --update-at never, or walks that ended or were cut by --depth
// before step K (found by a tester: "after every walk ended" was said of
// walks --depth cut).
func TestSimulateNotIntroducedSaysWhy(t *testing.T) {
	for at, want := range map[string]string{
		"never":    "no walk introduced the update (--update-at never)",
		"step:100": "no walk introduced the update (--update-at step:100: every walk ended, or was cut by --depth, before that step)",
	} {
		_, out, errs := runCmd("simulate", "--update-at", at, "--depth", "50", "--strategy", "max+1", "../../models/mathserver.dsu")
		if !strings.Contains(out, want) {
			t.Errorf("--update-at %s: want %q:\n%s\n%s", at, want, out, errs)
		}
	}
}

// TestSimSwarmJSONFieldsAlwaysThere: the documented scalar fields of
// simulate's and swarm's JSON are there when zero or false, as check's
// are, and --skip lists each property once (found by a tester).
func TestSimSwarmJSONFieldsAlwaysThere(t *testing.T) {
	want := map[string][]string{
		"simulate": {`"partial_walks":0`, `"partial_steps":0`, `"capacity_visits":0`, `"swarm":0`, `"distinct_at_least":false`, `"timed_out":false`, `"at_least_steps":0`, `"shrink_bfs_states":0`},
		"swarm":    {`"timed_out":false`, `"at_least_steps":0`, `"shrink_bfs_states":0`},
	}
	for cmd, fields := range want {
		_, out, errs := runCmd(cmd, "--json", "--strategy", "max+1", "--skip", "fidelity,fidelity", "--skip", "fidelity", "../../models/mathserver.dsu")
		for _, f := range append(fields, `"skip":["fidelity"]`) {
			if !strings.Contains(out, f) {
				t.Errorf("%s: no %s in:\n%s\n%s", cmd, f, out, errs)
			}
		}
	}
}

// TestSimulateCapacityVisits: the capacity line counts visits, and says
// so (found by a tester: "in 100 configurations passed" where 4 distinct
// configurations were passed).
func TestSimulateCapacityVisits(t *testing.T) {
	path := writeFile(t, t.TempDir(), "cap.dsu", []byte("protocol P = mu t. a -> b: <int>. t\nservice s: P\n"+
		"thread A { fun f(x) = send(x, b, 1); f(x)  main f(request(s, {a, b}, a)) }\n"+
		"thread B { main let y = accept(s, b) in 0 }\n"))
	_, out, errs := runCmd("simulate", "--queue-bound", "2", path)
	if !strings.Contains(out, "the queue capacity held back a send at 100 visits to configurations (one visited twice counts twice)") {
		t.Fatalf("%s%s", out, errs)
	}
}

// TestShrinkWithoutStore: where the shrinking BFS cannot have its store
// (TMPDIR missing), delta debugging, which needs none, still shortens the
// walk's run, and the JSON says why the BFS did not run, as the text does
// (found by a tester: the walk's run was printed as found, and the JSON
// said nothing).
func TestShrinkWithoutStore(t *testing.T) {
	pc4 := familyModel(t, "prodcons", 4)
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	code, out, errs := runCmd("simulate", "--strategy", "uncoordinated", "--runs", "20", pc4)
	if code != exitViolation || !strings.Contains(out, "shrinking: the BFS failed after 0 configurations (") || !strings.Contains(out, "shrunk by delta debugging from the walk's") {
		t.Errorf("exit %d:\n%s%s", code, out, errs)
	}
	code, out, errs = runCmd("simulate", "--json", "--strategy", "uncoordinated", "--runs", "20", pc4)
	var j struct {
		Shrunk      bool   `json:"shrunk"`
		Method      string `json:"shrink_method"`
		ShrinkError string `json:"shrink_error"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitViolation || !j.Shrunk || j.Method != "delta debugging" || !strings.HasPrefix(j.ShrinkError, "the BFS: ") {
		t.Errorf("exit %d, %+v (%v):\n%s%s", code, j, err, out, errs)
	}
}

// TestSimulateAndSwarmProgress: --progress on writes lines to stderr as
// the walks and the members go on (they had no progress at all: minutes
// of --time without a line), and once as a violation found is shrunk;
// auto and off write none into a file; other values are refused.
func TestSimulateAndSwarmProgress(t *testing.T) {
	f := familyModel(t, "prodcons", 3)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "--strategy", "stop-the-world", "--time", "500ms", "--runs", "0", "--depth", "2000"}, "shrink/stop-the-world: "},
		{[]string{"swarm", "--strategy", "stop-the-world", "--time", "500ms", "--swarm", "4", "--max-states", "0", "--bits", "20"}, "shrink/stop-the-world: "},
	} {
		_, out, errs := runCmd(append(append(c.args, "--progress", "on"), f)...)
		noPanic(t, out, errs)
		lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
		for _, line := range lines {
			if !strings.HasPrefix(line, c.want) || (!strings.Contains(line, " walks, ") && !strings.Contains(line, " members done, ")) {
				t.Errorf("%s: a line of no progress: %q", c.args[0], line)
			}
		}
		if len(lines) < 1 || errs == "" {
			t.Errorf("%s --progress on: no progress on stderr", c.args[0])
		}
		for _, mode := range []string{"auto", "off"} {
			if _, _, errs := runCmd(append(append(c.args, "--progress", mode), f)...); errs != "" {
				t.Errorf("%s --progress %s: stderr %q", c.args[0], mode, errs)
			}
		}
		if code, _, errs := runCmd(append(append(c.args, "--progress", "loud"), f)...); code != exitUsage || !strings.Contains(errs, "--progress must be auto, on or off") {
			t.Errorf("%s --progress loud: exit %d, %q", c.args[0], code, errs)
		}
	}
	_, _, errs := runCmd("simulate", "--strategy", "uncoordinated", "--progress", "on", "../../models/mathserver.dsu")
	if !strings.Contains(errs, "toB/uncoordinated: a violation found after ") || !strings.Contains(errs, "; shrinking it") {
		t.Errorf("simulate: shrinking not said: %q", errs)
	}
	_, _, errs = runCmd("swarm", "--strategy", "uncoordinated", "--progress", "on", "--bits", "20", "../../models/mathserver.dsu")
	if !strings.Contains(errs, "toB/uncoordinated: a violation found by member ") || !strings.Contains(errs, "; shrinking it") {
		t.Errorf("swarm: shrinking not said: %q", errs)
	}
}

// TestWalkLegends: simulate's and swarm's legends explain ok? only under
// a table with an ok? row, and say that walks or members judge safety
// only where there is an update (a tester: simulate said both under a
// table of one violation of a model without an update).
func TestWalkLegends(t *testing.T) {
	model := filepath.Join(t.TempDir(), "div.dsu")
	if err := os.WriteFile(model, []byte("thread T {\n  fun f(n, acc) = if n == 0 then acc / 0 else f(n - 1, acc + choose(0, 1))\n  main f(3, 0)\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"simulate", "swarm"} {
		code, out, errs := runCmd(cmd, "--progress", "off", model)
		noPanic(t, out, errs)
		if code != exitViolation {
			t.Fatalf("%s: exit %d, want 1\n%s%s", cmd, code, out, errs)
		}
		if strings.Contains(out, "ok?") || strings.Contains(out, "judge safety only") || !strings.Contains(out, "\n(") {
			t.Errorf("%s: the legend of a table without ok? rows of a model without an update:\n%s", cmd, out)
		}
	}
	code, out, _ := runCmd("simulate", "--progress", "off", "--runs", "2", "--depth", "50", "--strategy", "max+1", "../../models/prodcons.dsu")
	if code != exitBounded || !strings.Contains(out, "\n(ok?: no violation in the walks, nothing proved — and walks judge safety only: ") {
		t.Errorf("simulate: exit %d, the legend of an ok? row of a model with an update:\n%s", code, out)
	}
}
