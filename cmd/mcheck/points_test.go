package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
)

func TestPointsCommand(t *testing.T) {
	const halves = "../../check/testdata/points/halves.dsu"
	code, out, errs := runCmd("points", "--trace", halves)
	noPanic(t, out, errs)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1 (two points unsafe)\n%s%s", code, out, errs)
	}
	for _, want := range []string{"strategy uncoordinated", "call second in old first", "fidelity (a)", "at passing 1", "update-completion: never applies",
		"1 of 3 points safe, 2 unsafe", "witness (it applies at passing 1)", "---- cycle starts here"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCmd("points", "--json", halves)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitViolation || len(lines) != 3 {
		t.Fatalf("--json: exit %d, %d lines\n%s", code, len(lines), out)
	}
	verdicts := ""
	for _, l := range lines {
		var j struct {
			Thread, Kind, In, Where, Verdict, Rule, Final string
			Depth                                         int
			Passing                                       int `json:"applied_at_passing"`
			Trace                                         []map[string]any
		}
		if err := json.Unmarshal([]byte(l), &j); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		// The witness's final configuration too, as check's (a tester).
		if j.Verdict == "unsafe" && (len(j.Trace) != j.Depth || j.Rule == "" || !strings.Contains(j.Final, "queue:")) {
			t.Fatalf("witness: %s", l)
		}
		verdicts += j.Verdict + " "
	}
	if verdicts != "unsafe safe unsafe " {
		t.Fatalf("verdicts %q", verdicts)
	}
	// Never introduced: no point is ever applied, and nothing breaks.
	code, out, _ = runCmd("points", "--update-at", "never", halves)
	if code != exitOK || strings.Count(out, "  never applied  ") != 3 || !strings.Contains(out, "0 unsafe, 3 never applied") {
		t.Fatalf("--update-at never: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd("points", "--max-states", "3", halves)
	if code != exitBounded || !strings.Contains(out, "unknown (max-states)") {
		t.Fatalf("--max-states 3: exit %d\n%s", code, out)
	}
	// In JSON the verdict is one of the README's four; search says why
	// (found by a tester: "unknown (max-states)").
	code, out, _ = runCmd("points", "--json", "--max-states", "3", halves)
	if code != exitBounded || !strings.Contains(out, `"verdict":"unknown","exhaustive":false,"search":"bounded (max-states)"`) || strings.Contains(out, "unknown (") {
		t.Fatalf("--json --max-states 3: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"points", "--store", "bitstate", halves},
		{"points", "--strategy", "nope", halves},
		{"points", "../../models/mathserver.dsu", halves},
	} {
		if code, _, errs := runCmd(args...); code != exitUsage || errs == "" {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	// The bit array's reason only for bitstate (found by a tester).
	if _, _, errs := runCmd("points", "--store", "bitstate", halves); !strings.Contains(errs, "a bit array never proves a point safe") {
		t.Errorf("--store bitstate: %q", errs)
	}
	if _, _, errs := runCmd("points", "--store", "foo", halves); strings.Contains(errs, "bit array") {
		t.Errorf("--store foo: %q", errs)
	}
	path := writeTemp(t, "no-update.dsu", "protocol P = a -> b: <int>. end\nservice s: P\nthread A { main send(request(s, {a, b}, a), b, 1) }\nthread B { main receive(accept(s, b), a) }\n")
	if code, _, errs := runCmd("points", path); code != exitUsage || !strings.Contains(errs, "no update") {
		t.Errorf("no update: exit %d, %q", code, errs)
	}
}

// TestPointsNoRow: a model with no row says why instead of printing
// nothing (found by a tester): its one participant has no update point,
// or no thread takes part in the update at all (found by a tester: that
// was said as the first, though both threads had points).
func TestPointsNoRow(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"nopoint.dsu", "protocol P = a -> b: <int>. end\nservice s: P\n" +
			"thread A { fun h() = 1 main let x = request(s, {a, b}, a) in send(x, b, 1) }\n" +
			"thread B { main let y = accept(s, b) in let v = receive(y, a) in () }\n" +
			"update u { thread A { fun h() = 2 } }\n",
			"update u: no thread that takes part in the update has an update point"},
		{"noone.dsu", "protocol P = mu t. a -> b: <int>. t\nservice s: P\n" +
			"thread A { fun f(c) = send(c, b, 1); f(c) main f(request(s, {a, b}, a)) }\n" +
			"thread B { fun g(c) = receive(c, a); g(c) main g(accept(s, b)) }\n" +
			"update u { }\n",
			"update u: no thread takes part in the update"},
		// Rows for A, and a word for B, which takes part without a point
		// (found by a tester: B was left out without one).
		{"oneless.dsu", "protocol P = mu t. a -> b: <int>. t\nprotocol Q = mu t. a -> b: <bool>. t\nservice s: P\n" +
			"thread A { fun f(c) = send(c, b, 1); f(c) main f(request(s, {a, b}, a)) }\n" +
			"thread B { main let c = accept(s, b) in receive(c, a); receive(c, a) }\n" +
			"update u { service s: Q }\n",
			"no row for B: taking part in the update, but with no update point, so never applying"},
	} {
		path := writeFile(t, t.TempDir(), tc.name, []byte(tc.src))
		code, out, errs := runCmd("points", "--workers", "1", path)
		if code == exitUsage || code == exitFailure || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d\n%s%s", tc.name, code, out, errs)
		}
		// With --json, on stderr.
		if code, _, errs = runCmd("points", "--json", "--workers", "1", path); code == exitUsage || code == exitFailure || !strings.Contains(errs, tc.want) {
			t.Errorf("%s --json: exit %d\n%s", tc.name, code, errs)
		}
	}
}

// TestPointsWaitsIsNotApplied: a witness in which the point's thread only
// blocks at the stop-the-world barrier, never released, said "at passing 1"
// and "it applies" (adversarial tester). Derived by hand on
// models/sessions-per-request.dsu with Server's main call as its only
// point: 1 Client passes its main call into its old loop, 2 the update is
// introduced, 3 Server waits at the barrier; Client waits at its request,
// which only Server could accept: a deadlock at the barrier, 3 steps.
func TestPointsWaitsIsNotApplied(t *testing.T) {
	code, out, errs := runCmd("points", "--workers", "1", "--strategy", "stop-the-world", "--queue-bound", "2", "--trace", "../../models/sessions-per-request.dsu")
	if code != exitViolation {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	row := regexp.MustCompile(`(?m)^Server\s+call serve in main .*$`).FindString(out)
	if !strings.Contains(row, "deadlock at the stop-the-world barrier  3") || !strings.Contains(row, "waits at passing 1") {
		t.Errorf("row %q\n%s", row, out)
	}
	if !strings.Contains(out, "witness (it waits at the barrier to apply at passing 1, and is never released)") || strings.Contains(out, "it applies at passing") {
		t.Errorf("witness line:\n%s", out)
	}
	// In JSON too: applied_at_passing is 0, waits_at_passing 1 (a later
	// tester: applied_at_passing said 1).
	_, out, _ = runCmd("points", "--workers", "1", "--strategy", "stop-the-world", "--queue-bound", "2", "--json", "../../models/sessions-per-request.dsu")
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var j struct {
			Thread, In string
			Passing    *int  `json:"applied_at_passing"`
			Waits      *bool `json:"waits_at_barrier"`
			WaitsAt    *int  `json:"waits_at_passing"`
		}
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if j.Thread == "Server" && j.In == "main" && j.Waits != nil && *j.Waits {
			found = true
			if j.Passing == nil || *j.Passing != 0 || j.WaitsAt == nil || *j.WaitsAt != 1 {
				t.Errorf("Server's main call: %s", line)
			}
		}
	}
	if !found {
		t.Errorf("no row of Server's main call waiting at the barrier:\n%s", out)
	}
}

// TestPointsTraceIsASwitch: points' --trace takes no format, and says so
// when given one (found by a tester: "strconv.ParseBool: parsing").
func TestPointsTraceIsASwitch(t *testing.T) {
	code, _, errs := runCmd("points", "--trace=msc", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "--trace is a switch here") || strings.Contains(errs, "ParseBool") {
		t.Errorf("exit %d, %q", code, errs)
	}
	if code, out, errs := runCmd("points", "--trace", "--strategy", "max+1", "--workers", "1", "../../models/mathserver.dsu"); code == exitUsage || !strings.Contains(out, "points:") {
		t.Errorf("--trace: exit %d\n%s\n%s", code, out, errs)
	}
	// A format after a space was read as a second model file (a later
	// tester); check's flags that points does not take say why.
	for _, c := range []struct{ args, want []string }{
		{[]string{"--trace", "msc"}, []string{`--trace is a switch here and takes no value`, `"msc" was read as a model file`}},
		{[]string{"--reduce", "none"}, []string{"--reduce is a flag of check, not of points: points never reduces"}},
		{[]string{"--bits=20"}, []string{"--bits is a flag of check, not of points"}},
	} {
		code, _, errs := runCmd(append(append([]string{"points"}, c.args...), "../../models/mathserver.dsu")...)
		for _, w := range c.want {
			if code != exitUsage || !strings.Contains(errs, w) {
				t.Errorf("%v: exit %d, %q lacks %q", c.args, code, errs, w)
			}
		}
	}
}

// TestPointsNoUpdate: a model with no update is refused as the model's
// other whole-file errors are, at file:1:1 (a tester: the README promises
// file:line:col for every model error).
func TestPointsNoUpdate(t *testing.T) {
	path := writeTemp(t, "plain.dsu", "protocol P = a -> b: <int>\nservice s: P\nthread A { main let c = request(s, {a, b}, a) in send(c, b, 1) }\nthread B { main let c = accept(s, b) in receive(c, a) }\n")
	code, _, errs := runCmd("points", path)
	if code != exitUsage || !strings.HasPrefix(errs, path+":1:1: the model declares no update: points has nothing to apply") {
		t.Errorf("exit %d, %q", code, errs)
	}
}

// TestPointsInterruptedCount: an interrupted run says how many points it
// did not judge, of all the update's (found by a tester: "0 of 6 points"
// for the 6 judged of 16).
func TestPointsInterruptedCount(t *testing.T) {
	const halves = "../../check/testdata/points/halves.dsu"
	src, err := os.ReadFile(halves)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(halves, src)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outs, err := check.Points(ctx, m, check.PointsOptions{Workers: 1, Done: func(*check.PointOutcome) { cancel() }})
	if err != nil || len(outs) != 2 || outs[0].Of != 3 || !outs[1].Result.Interrupted {
		t.Fatalf("%d outcomes (err %v), want 2 of 3, the second interrupted", len(outs), err)
	}
	var b strings.Builder
	writePointsTable(&b, halves, &pointsFlags{updateAt: "any"}, outs)
	if !strings.Contains(b.String(), "of 3 points safe") || !strings.Contains(b.String(), ", 1 not judged (interrupted)") {
		t.Fatalf("table:\n%s", b.String())
	}
	j := jsonOf(t, halves, outs[0])
	if j["points_of_update"] != 3.0 {
		t.Errorf("JSON points_of_update %v, want 3", j["points_of_update"])
	}
}

func jsonOf(t *testing.T, path string, o *check.PointOutcome) map[string]any {
	t.Helper()
	var b strings.Builder
	writePointJSON(&b, path, &pointsFlags{updateAt: "any"}, o)
	var m map[string]any
	if err := json.Unmarshal([]byte(b.String()), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPointsHints: when no point is safe, points says where to look next:
// the coordinated strategies (under uncoordinated), and, when a witness
// comes without its thread applying, the other threads' points (found by
// a tester); when the point's own thread never applies, that the point
// alone cannot complete the update (a tester: the other threads' points
// were blamed where the thread had passed its point before the update
// came). With a safe point it says nothing more.
func TestPointsHints(t *testing.T) {
	_, out, _ := runCmd("points", "--workers", "1", "../../models/tutorial-calls.dsu")
	for _, want := range []string{"hint: uncoordinated updating makes no thread wait for another", "hint: a witness in which the point's thread does not apply"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "point's own thread") {
		t.Errorf("blames the point's own thread where other threads are at fault:\n%s", out)
	}
	_, out, _ = runCmd("points", "--workers", "1", "testdata/passed-only-point.dsu")
	if !strings.Contains(out, "hint: a witness in which the point's own thread never applies") || strings.Contains(out, "the other threads' points cause it") {
		t.Errorf("a point passed before the update came:\n%s", out)
	}
	// A code-only update: no word of protocol changes (a tester).
	codeOnly := filepath.Join(t.TempDir(), "code-only.dsu")
	if err := os.WriteFile(codeOnly, []byte(`protocol KV = mu t. client -> server: <int>. t
service kv: KV
thread Client {
  fun loop(c) = send(c, server, choose(1, 2)); loop(c)
  main loop(request(kv, {client, server}, client))
}
thread Server {
  fun store(x) = x
  fun serve(c) = let x = receive(c, client) in store(x); (if x == 2 then update else ()); serve(c)
  main serve(accept(kv, server))
}
update logging { thread Server { fun store(x) = x + 100 } }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ = runCmd("points", "--workers", "1", codeOnly)
	if strings.Contains(out, "a protocol change") || !strings.Contains(out, "its way goes round it") {
		t.Errorf("a code-only update's hints speak of a protocol change:\n%s", out)
	}
	_, out, _ = runCmd("points", "--workers", "1", "--strategy", "max+1", "../../models/tutorial-explicit.dsu")
	if strings.Contains(out, "hint:") || !strings.Contains(out, "2 of 2 points safe") {
		t.Errorf("max+1 on the explicit points:\n%s", out)
	}
}

// TestPointsCapacityMarked: a point judged safe in a search where some
// runs end at the capacity with the update pending is safe* in the table,
// as check's ok*, and the line under it names it (testers read a plain
// safe as a point whose update completes).
func TestPointsCapacityMarked(t *testing.T) {
	code, out, errs := runCmd("points", "--store", "memory", "--strategy", "stop-the-world", "--update", "filter", "--queue-bound", "2", "testdata/capacity-pending.dsu")
	if code != exitViolation {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"Src     update in main (testdata/capacity-pending.dsu:14:56)           safe*",
		"*: some runs end where only the queue capacity holds the system, the update still pending, and update completion is not judged on them (a larger --queue-bound may show more), in the searches of: Src's update in main (testdata/capacity-pending.dsu:14:56); Mid's call stage in main",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "unsafe*") {
		t.Errorf("an unsafe point marked:\n%s", out)
	}
}

// TestPointsLassoSaysWhy: a witness that is a lasso says what check says
// of it, stalled and idle threads included, in text and JSON (found by a
// tester: points --trace went from found: to the trace).
func TestPointsLassoSaysWhy(t *testing.T) {
	model := filepath.Join(t.TempDir(), "lasso.dsu")
	if err := os.WriteFile(model, []byte(`protocol A = mu t. p -> c: <int>. t
protocol D = mu t. q -> r: <int>. t
service s: A
service u: D
thread P { fun loop(x) = send(x, c, 1); loop(x)  main loop(request(s, {p, c}, p)) }
thread C { fun loop(y) = let v = receive(y, p) in loop(y)  main loop(accept(s, c)) }
thread Q { fun loop(x) = send(x, r, 1); loop(x)  main loop(request(u, {q, r}, q)) }
thread R { fun loop(y) = let v = receive(y, q) in loop(y)  main loop(accept(u, r)) }
update codeQ { thread Q { fun loop(x) = send(x, r, 2); loop(x) } }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("points", "--trace", model)
	if code != exitViolation {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"\n  idle:     Q never moves in the cycle", "\n  stalled:  Q moves in the cycle but cannot apply anywhere in it"} {
		if !strings.Contains(out, want) {
			t.Errorf("points --trace lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runCmd("points", "--json", model)
	idle, stalled := false, false
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var j struct {
			Idle    *[]map[string]any `json:"idle"`
			Stalled *[]map[string]any `json:"stalled"`
			Held    *[]string         `json:"held_by_capacity"`
		}
		if err := json.Unmarshal([]byte(line), &j); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if j.Held == nil || j.Idle == nil || j.Stalled == nil {
			t.Errorf("a lasso's line lacks held_by_capacity, idle or stalled: %s", line)
			continue
		}
		idle, stalled = idle || len(*j.Idle) > 0, stalled || len(*j.Stalled) > 0
	}
	if !idle || !stalled {
		t.Errorf("no line has an idle or a stalled thread:\n%s", out)
	}
}
