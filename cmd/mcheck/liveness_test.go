package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCheckLasso: a liveness violation is printed as a lasso with the cycle
// marked, in text, MSC and JSON (cycle_start), with exit status 1; skipping
// update completion switches it off.
func TestCheckLasso(t *testing.T) {
	const model = "../../statespace/testdata/liveness/consumer-passed-point.dsu"
	base := []string{"check", "--store", "memory", "--progress", "off", "--strategy", "uncoordinated"}
	code, out, errs := runCmd(append(base, model)...)
	noPanic(t, out, errs)
	for _, want := range []string{"update-completion violation — never applies", "a lasso: 3 steps", "then a cycle of 2 steps",
		"---- cycle starts here", "---- back to the configuration before step 4"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != exitViolation {
		t.Errorf("exit %d, want %d", code, exitViolation)
	}
	if i, j := strings.Index(out, "cycle starts here"), strings.Index(out, "   4  "); i < 0 || j < i {
		t.Errorf("the cycle mark is not before step 4:\n%s", out)
	}

	_, out, _ = runCmd(append(base, "--trace", "msc", model)...)
	if i, j := strings.Index(out, "cycle starts here"), strings.Index(out, "    4  "); i < 0 || j < i {
		t.Errorf("MSC: the cycle mark is not before step 4:\n%s", out)
	}

	code, out, _ = runCmd(append(base, "--json", model)...)
	var j struct {
		Verdict    string `json:"verdict"`
		Rule       string `json:"rule"`
		Depth      int    `json:"depth"`
		CycleStart int    `json:"cycle_start"`
		Trace      []any  `json:"trace"`
		Path       []int  `json:"path"`
		Liveness   *struct {
			States int64 `json:"states"`
			Fair   int64 `json:"fair_components"`
		} `json:"liveness"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != exitViolation || j.Verdict != "violation" || j.Rule != "never applies" || j.CycleStart != 4 || len(j.Trace) != 5 || len(j.Path) != 5 || j.Liveness == nil || j.Liveness.Fair == 0 {
		t.Errorf("exit %d, JSON %s", code, out)
	}

	code, out, _ = runCmd(append(base, "--skip", "update-completion", model)...)
	if code != exitOK || strings.Contains(out, "update completion (liveness)") {
		t.Errorf("--skip update-completion: exit %d:\n%s", code, out)
	}
	// A lasso's depth is the safety search's (README, the metrics), not the
	// lasso's length.
	_, out, _ = runCmd(append(base, "--json", "--skip", "update-completion", model)...)
	var safety struct {
		Depth int `json:"depth"`
	}
	if err := json.Unmarshal([]byte(out), &safety); err != nil || safety.Depth != j.Depth || j.Depth == len(j.Path) {
		t.Errorf("depth %d with the lasso (%d steps), %d for the safety search alone (%v)", j.Depth, len(j.Path), safety.Depth, err)
	}
	code, out, _ = runCmd(append(base, "--strategy", "max+1", "../../statespace/testdata/liveness/unfair-only.dsu")...)
	if code != exitOK || !strings.Contains(out, "update completion (liveness): every fair run after the introduction completes the update") {
		t.Errorf("unfair-only: exit %d:\n%s", code, out)
	}
}

// TestLivenessCapacityEnds: runs that end where only the queue capacity
// holds the system, the update still pending, are not judged by the
// liveness check, and the verdict line says so, with their number (two,
// derived by hand in the model's header); a model without such runs gets no
// such line.
func TestLivenessCapacityEnds(t *testing.T) {
	const model = "../../statespace/testdata/liveness/capacity-ends-pending.dsu"
	base := []string{"check", "--store", "memory", "--progress", "off", "--strategy", "stop-the-world"}
	const line = "but for the runs that end where only the queue capacity holds the system, the update still pending (2 configurations)"
	for _, q := range []string{"1", "8"} {
		code, out, errs := runCmd(append(base, "--queue-bound", q, model)...)
		noPanic(t, out, errs)
		// The headline is qualified too (found by a tester: it read as a
		// positive result where every run ended at the capacity).
		if code != exitOK || !strings.Contains(out, "every fair run after the introduction that the queue capacity does not end completes the update") || !strings.Contains(out, line) {
			t.Errorf("capacity %s: exit %d:\n%s", q, code, out)
		}
	}
	code, out, _ := runCmd(append(base, "--json", model)...)
	var j struct {
		Liveness *struct {
			Stuck int64 `json:"pending_capacity_reached"`
		} `json:"liveness"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != exitOK || j.Liveness == nil || j.Liveness.Stuck != 2 {
		t.Errorf("JSON: exit %d: %s", code, out)
	}
	_, out, _ = runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "max+1", "../../statespace/testdata/liveness/unfair-only.dsu")
	if strings.Contains(out, "but for the runs") {
		t.Errorf("unfair-only has no run that ends at the capacity:\n%s", out)
	}
}

// TestLassoHeldByCapacity: a lasso whose participant the capacity holds
// back throughout the cycle says so (text and JSON held_by_capacity); at a
// capacity where it is not held, there is no lasso (the model's header
// derives both).
func TestLassoHeldByCapacity(t *testing.T) {
	const model = "../../statespace/testdata/liveness/capacity-held-spinner.dsu"
	base := []string{"check", "--store", "memory", "--progress", "off", "--strategy", "max+1"}
	code, out, errs := runCmd(append(base, "--queue-bound", "2", model)...)
	noPanic(t, out, errs)
	if code != exitViolation || !strings.Contains(out, "in the cycle, the queue capacity holds back P at every step, not applied") ||
		// P has its idle: line too, first (found by a tester: the pending
		// participant held all along had none).
		!strings.Contains(out, "  idle:     P never moves in the cycle, and cannot at any step of it (the queue capacity holds back its send: 2 messages queued): the capacity alone starves it") ||
		!strings.Contains(out, "            R never moves in the cycle, and cannot at any step of it (it waits for a message from sx#1.tt)") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	_, out, _ = runCmd(append(base, "--queue-bound", "2", "--json", model)...)
	var j struct {
		Held []string `json:"held_by_capacity"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Held) != 1 || j.Held[0] != "P" {
		t.Errorf("JSON held_by_capacity %v (%v): %s", j.Held, err, out)
	}
	// A lasso whose participants can move is not said to be held.
	_, out, _ = runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "uncoordinated", "../../statespace/testdata/liveness/consumer-passed-point.dsu")
	if strings.Contains(out, "holds back") {
		t.Errorf("consumer-passed-point:\n%s", out)
	}
	code, out, _ = runCmd(append(base, "--queue-bound", "4", model)...)
	if code != exitOK {
		t.Errorf("capacity 4: exit %d:\n%s", code, out)
	}
}

// TestLassoIdleThreads: a lasso's report says, for each thread that never
// moves in its cycle, where it cannot move: a participant starved only
// where the queue is full is said to owe its starvation to the capacity
// (found by a tester, who read the lasso as a failure of the update). The
// model's header derives the verdict and both threads' waits.
func TestLassoIdleThreads(t *testing.T) {
	const model = "../../statespace/testdata/liveness/starved-at-capacity.dsu"
	for _, strategy := range []string{"uncoordinated", "stop-the-world", "max+1"} {
		base := []string{"check", "--store", "memory", "--progress", "off", "--strategy", strategy, "--queue-bound", "2"}
		code, out, errs := runCmd(append(base, model)...)
		noPanic(t, out, errs)
		if code != exitViolation || !strings.Contains(out, "never applies") ||
			!strings.Contains(out, "  idle:     A never moves in the cycle, though it is enabled at some steps; before step ") ||
			!strings.Contains(out, "(the queue capacity holds back its send: 2 messages queued)") ||
			!strings.Contains(out, "so the cycle is fair to A only because the capacity is reached in it") ||
			!strings.Contains(out, "            B never moves in the cycle, and cannot at any step of it (it waits for a message from s1#1.a)") ||
			strings.Contains(out, "at every step, not applied") {
			t.Errorf("%s: exit %d:\n%s", strategy, code, out)
		}
		_, out, _ = runCmd(append(base, "--json", model)...)
		var j struct {
			Held []string `json:"held_by_capacity"`
			Idle []struct {
				Thread  string `json:"thread"`
				Step    int    `json:"step"`
				Always  bool   `json:"always"`
				Waits   string `json:"waits"`
				Pending bool   `json:"pending"`
			} `json:"idle"`
			CycleStart int `json:"cycle_start"`
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Held) != 0 || len(j.Idle) != 2 {
			t.Fatalf("%s: JSON (%v): %s", strategy, err, out)
		}
		a, b := j.Idle[0], j.Idle[1]
		if a.Thread != "A" || a.Always || !a.Pending || a.Step <= j.CycleStart || !strings.Contains(a.Waits, "holds back its send") ||
			b.Thread != "B" || !b.Always || b.Pending || b.Step != j.CycleStart {
			t.Errorf("%s: JSON idle %+v (cycle_start %d)", strategy, j.Idle, j.CycleStart)
		}
	}
}

// TestLassoStalled: a participant that moves in the cycle but cannot apply
// anywhere in it is said to, with why: the run n its strategy waits for
// and the endpoint (found by a tester: the lasso said nothing of it). The
// model's header derives the verdicts.
func TestLassoStalled(t *testing.T) {
	const model = "../../statespace/testdata/liveness/abandoned-endpoint.dsu"
	for _, strategy := range []string{"max+1", "stop-the-world"} {
		base := []string{"check", "--store", "memory", "--progress", "off", "--strategy", strategy}
		code, out, errs := runCmd(append(base, model)...)
		noPanic(t, out, errs)
		want := "  stalled:  A moves in the cycle but cannot apply anywhere in it: " + strategy + " waits for it to complete run 2 of s#1.a (the update's n) before it may apply, and it does not in the cycle (it is in run 2 where the cycle starts)\n"
		if code != exitViolation || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d:\n%s", strategy, code, out)
		}
		_, out, _ = runCmd(append(base, "--json", model)...)
		var j struct {
			Stalled []struct {
				Thread string `json:"thread"`
				Why    string `json:"why"`
			} `json:"stalled"`
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Stalled) != 1 || j.Stalled[0].Thread != "A" || !strings.Contains(j.Stalled[0].Why, "run 2 of s#1.a") {
			t.Errorf("%s: JSON stalled (%v): %s", strategy, err, out)
		}
	}
	// A run that can never end is said to (found by a tester: a protocol
	// whose one run is a prefix and an inner loop left this a puzzle).
	for _, strategy := range []string{"max+1", "stop-the-world"} {
		code, out, _ := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", strategy, "--update-at", "step:1",
			"../../statespace/testdata/liveness/run-never-ends.dsu")
		if want := "waits for it to complete run 1 of s#1.a (the update's n) before it may apply, and it does not in the cycle (it is in run 1 where the cycle starts); nor can it ever: from where the role stands, protocol P1 has no run end (`mcheck project` shows its runs)\n"; code != exitViolation || !strings.Contains(out, want) {
			t.Errorf("run-never-ends, %s: exit %d:\n%s", strategy, code, out)
		}
		// What the liveness search held, as for a run that holds (a
		// tester: only JSON said it of a lasso's run).
		if !regexp.MustCompile(`: update completion \(liveness\): the lasso below \(\d+ configurations, \d+ of them with the update pending; [0-9.]+ s, about .+ in memory\)\n`).MatchString(out) {
			t.Errorf("run-never-ends, %s: the liveness search's figures are missing:\n%s", strategy, out)
		}
	}
	// A lasso whose participant never moves has no stalled line.
	_, out, _ := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "max+1", "--queue-bound", "2", "../../statespace/testdata/liveness/starved-at-capacity.dsu")
	if strings.Contains(out, "stalled:") {
		t.Errorf("starved-at-capacity:\n%s", out)
	}
	// C passes its only point (update in main) before the introduction,
	// then spins holding no endpoint: no run is waited for (found by a
	// tester: "it completes the runs max+1 waits for" was said of it).
	spin := writeFile(t, t.TempDir(), "spin.dsu", []byte(`protocol P = x -> y: <int>
service s: P
thread C {
  fun loop(n) = loop(n)
  main update; loop(0)
}
update u { thread C { fun loop(n) = loop(0) } }
`))
	code, out, errs := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "max+1", spin)
	noPanic(t, out, errs)
	if want := "  stalled:  C moves in the cycle but cannot apply anywhere in it: max+1 waits for no run of it, but it reaches no update point in the cycle\n"; code != exitViolation || !strings.Contains(out, want) {
		t.Errorf("spin: exit %d:\n%s", code, out)
	}
}

// TestLassoIdleNotesOrder: the participants yet to apply come first among
// the notes, before the bystanders, and a receive whose sender has finished
// says so (found by a tester: ten idle acceptors hid the participant Z past
// the eighth note). Hand-derived: Sp spins for ever; nobody requests s, so
// every W and Z wait at its accept throughout; Z, a participant, passed
// main's only update point before the update came (--update-at any allows
// it), so the cycle where Sp spins is fair and Z never applies.
func TestLassoIdleNotesOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("protocol P = x -> y: <int>\nservice s: P\nthread Sp { fun spin(n) = spin(n) main spin(0) }\n")
	for i := range 10 {
		fmt.Fprintf(&b, "thread W%d { main let c = accept(s, y) in receive(c, x) }\n", i)
	}
	b.WriteString("thread Z { fun f() = let c = accept(s, y) in receive(c, x) main f() }\n")
	b.WriteString("update u { thread Z { fun f() = let c = accept(s, y) in receive(c, x) } }\n")
	model := writeFile(t, t.TempDir(), "many.dsu", []byte(b.String()))
	code, out, errs := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "uncoordinated", model)
	noPanic(t, out, errs)
	if code != exitViolation || !strings.Contains(out, "  idle:     Z never moves in the cycle, and cannot at any step of it (it waits at an accept of s for a request)") ||
		!strings.Contains(out, "            and 3 threads more never move in the cycle (JSON idle lists them all)") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// B sends twice and finishes; A, a participant that passed its points
	// without applying, then waits for ever while Sp spins.
	model = writeFile(t, t.TempDir(), "finished.dsu", []byte(`protocol P = mu t. b -> a: <int>. t
service s: P
thread Sp { fun spin(n) = spin(n) main spin(0) }
thread A {
  fun loop(c) = let v = receive(c, b) in loop(c)
  main loop(accept(s, a))
}
thread B {
  fun two(c) = send(c, a, 1); send(c, a, 2)
  main two(request(s, {a, b}, b))
}
update u { thread A { fun loop(c) = let v = receive(c, b) in loop(c) } }
`))
	code, out, _ = runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "uncoordinated", model)
	if code != exitViolation || !strings.Contains(out, "  idle:     A never moves in the cycle, and cannot at any step of it (it waits for a message from s#1.b, whose holder B has finished)") ||
		!strings.Contains(out, "s#1.b (held by B, who has finished): P, next: send <int> to a") {
		t.Errorf("finished sender: exit %d:\n%s", code, out)
	}
}

// TestLivenessNeverIntroducedSaysSo: where no run introduces the update
// (--update-at never, or a step past every run's end), the liveness line
// does not say that every fair run completes it: there is nothing to
// complete (found by a tester). A bitstate search that no bound cut is not
// said to be "within the bound" either.
func TestLivenessNeverIntroducedSaysSo(t *testing.T) {
	base := []string{"check", "--store", "memory", "--progress", "off", "--strategy", "max+1"}
	// Every run ends within 3 steps: the session starts, one message, C
	// ends; P is then held by the capacity of 1.
	model := writeFile(t, t.TempDir(), "ends.dsu", []byte(`protocol P1 = mu t. a -> b: <int>. t
service s: P1
thread P {
  fun f(c) = send(c, b, 1); f(c)
  main f(request(s, {a, b}, a))
}
thread C { main let c = accept(s, b) in () }
update U { thread P { fun f(c) = send(c, b, 2); f(c) } }
`))
	for _, at := range []string{"never", "step:50"} {
		code, out, errs := runCmd(append(base, "--queue-bound", "1", "--update-at", at, model)...)
		noPanic(t, out, errs)
		if code != exitOK || !strings.Contains(out, "update completion (liveness): nothing to complete: no run introduces the update") ||
			strings.Contains(out, "completes the update") {
			t.Errorf("--update-at %s: exit %d:\n%s", at, code, out)
		}
	}
	code, out, _ := runCmd("check", "--store", "bitstate", "--progress", "off", "--strategy", "max+1", "../../models/prodcons.dsu")
	if code != exitBounded || !strings.Contains(out, "no violation found by the bitstate search (queue capacity 8); this is NOT exhaustive: the bit array") ||
		strings.Contains(out, "within the bound") {
		t.Errorf("bitstate: exit %d:\n%s", code, out)
	}
}

// TestLassoThreads: with --continue, a lasso's entry in violations names
// every participant that never applies in its cycle (threads), as an
// incomplete update's does, and has no where (found by a tester). In
// barrier-bystander.dsu, by its header, Client waits at the barrier and
// Worker for a message, neither applied, while Ticker computes on.
func TestLassoThreads(t *testing.T) {
	code, out, errs := runCmd("check", "--store", "memory", "--progress", "off", "--json", "--continue", "--strategy", "stop-the-world",
		"../../statespace/testdata/liveness/barrier-bystander.dsu")
	noPanic(t, out, errs)
	var j struct {
		Violations []struct {
			Rule       string   `json:"rule"`
			Thread     string   `json:"thread"`
			Threads    []string `json:"threads"`
			Where      *string  `json:"where"`
			CycleStart int      `json:"cycle_start"`
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != exitViolation || len(j.Violations) != 1 {
		t.Fatalf("exit %d, want one violation: %s", code, out)
	}
	v := j.Violations[0]
	if v.Rule != "never applies" || v.CycleStart == 0 || v.Thread != "Client" || strings.Join(v.Threads, ",") != "Client,Worker" || v.Where != nil {
		t.Errorf("the lasso: %+v", v)
	}
	// The text names them too (a later tester: two deadlocks of --continue
	// read the same but for found).
	_, out, _ = runCmd("check", "--store", "memory", "--progress", "off", "--continue", "--strategy", "stop-the-world",
		"../../statespace/testdata/liveness/barrier-bystander.dsu")
	if !strings.Contains(out, "\n  threads:  Client, Worker\n") {
		t.Errorf("no threads line:\n%s", out)
	}
}

// TestLivenessFiguresOneConfiguration: a liveness search of one
// configuration says "1 configuration" (a tester: "1 configurations").
func TestLivenessFiguresOneConfiguration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chooseloop.dsu")
	src := "thread A {\n  fun la() = if choose(true, false) then la() else (update; la())\n  main la()\n}\n" +
		"update u { thread A { fun la() = la() } }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--update-at", "never", path)
	noPanic(t, out, errs)
	if code != exitOK || !strings.Contains(out, "(1 configuration, 0 of them with the update pending") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
