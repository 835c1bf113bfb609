package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
)

// TestReplay: a saved counterexample replays to the same violation (exit
// 0); against a model it no longer fits, replay says so (exit 1).
func TestReplay(t *testing.T) {
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	if code != exitViolation {
		t.Fatalf("check: exit %d, %s", code, errs)
	}
	report := filepath.Join(t.TempDir(), "ms.json")
	out0 := out
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
	// A path that is not a run any more: the steps that still are, and
	// where it stops (it printed an internal error and no step).
	edited := filepath.Join(t.TempDir(), "diverged.json")
	if err := os.WriteFile(edited, []byte(strings.Replace(out0, `"path":[0,0,0,`, `"path":[0,0,99,`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCmd("replay", edited)
	if code != exitViolation || !strings.Contains(out, "2 steps of 7 replayed") || !strings.Contains(out, "its step 3 takes move 100, and 4 moves are enabled there") {
		t.Errorf("replay of a path that is no run: exit %d\n%s", code, out)
	}
	// With no argument, or two, it asks for the report, not a model
	// (found by the adversarial tester: "expected one model file").
	for _, args := range [][]string{{"replay"}, {"replay", report, report}} {
		code, _, errs := runCmd(args...)
		if code != exitUsage || !strings.Contains(errs, "expected one report (the output of mcheck check --json), got") || strings.Contains(errs, "model") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	code, _, errs = runCmd("replay", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "not a report of mcheck check --json") {
		t.Fatalf("replay of a non-report: exit %d, %q", code, errs)
	}
	// A report whose queue capacity check would refuse: bad input, exit 2
	// (found by the adversarial tester: replay ran it with capacity -5).
	for _, bad := range []string{"0", "-5"} {
		edited := filepath.Join(t.TempDir(), "bad.json")
		b := strings.Replace(out0, `"queue_bound":8`, `"queue_bound":`+bad, 1)
		if b == out0 {
			t.Fatal("the report has no queue_bound 8")
		}
		if err := os.WriteFile(edited, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs = runCmd("replay", edited)
		if code != exitUsage || !strings.Contains(errs, "queue_bound: ") || !strings.Contains(errs, "at least 1") {
			t.Errorf("replay with queue_bound %s: exit %d, %q", bad, code, errs)
		}
	}
	// A report of mcheck points is not one replay reads, and says so; a
	// model named by a relative path that is not there gets a hint (both
	// found by a tester).
	pts := filepath.Join(t.TempDir(), "points.json")
	_, pout, _ := runCmd("points", "--json", "--workers", "1", "--strategy", "max+1", "../../models/mathserver.dsu")
	if err := os.WriteFile(pts, []byte(pout), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd("replay", pts); code != exitUsage || !strings.Contains(errs, "a report of mcheck points") {
		t.Errorf("replay of a points report: exit %d, %q", code, errs)
	}
	moved := filepath.Join(t.TempDir(), "moved.json")
	if err := os.WriteFile(moved, []byte(strings.Replace(out0, `"model":"../../models/mathserver.dsu"`, `"model":"elsewhere/mathserver.dsu"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd("replay", moved); code != exitUsage || !strings.Contains(errs, "or pass --model") {
		t.Errorf("replay with the model elsewhere: exit %d, %q", code, errs)
	}
	// A report naming a strategy or a property that does not exist, or
	// whose violation lost its path: bad input, exit 2 (a tester found
	// exit 1, and the lost path replayed as a run of no steps). An update
	// the model lacks is a changed model: exit 1, as above.
	for _, c := range []struct{ from, to, want string }{
		{`"strategy":"uncoordinated"`, `"strategy":"bogus"`, `unknown strategy "bogus"`},
		{`"skip":[]`, `"skip":["nonsense"]`, `nonsense`},
		{`"path":[`, `"lost":[`, "the violation has no path"},
		// (found by the adversarial tester: a property that does not exist,
		// or none, replayed to "another violation", exit 1)
		{`"property":"fidelity"`, `"property":"nonsense"`, `property: unknown property "nonsense"`},
		{`"property":"fidelity"`, `"property":""`, `property: the violation names no property`},
		// (found by the adversarial tester: a cycle past the path's end
		// replayed to exit 1; a path index beyond 32 bits printed the
		// decoder's message, naming a Go type)
		{`"path":[`, `"cycle_start":8,"path":[`, `cycle_start: must be 0 (no cycle) or a step of the path, 1 to 7, got 8`},
		{`"path":[`, `"cycle_start":-1,"path":[`, `cycle_start: must be 0`},
		{`"path":[`, `"path":[1099511627776,`, `field path: a JSON number 1099511627776 where check writes a whole number from 0 to 4294967295`},
		// (found by a tester: each of these replayed, exit 0 or 1: an
		// empty strategy as uncoordinated, an empty update as the model's
		// only one, "(none needed)" under an update, a trace of numbers, a
		// null in the path as 0, an empty property in skip, the violation's
		// own property skipped, a cycle on a safety violation)
		{`"strategy":"uncoordinated"`, `"strategy":""`, `strategy: missing`},
		{`"update":"toB"`, `"update":""`, `update: missing`},
		{`"strategy":"uncoordinated"`, `"strategy":"(none needed)"`, `strategy: (none needed) for a run of update toB`},
		{`"update":"toB"`, `"update":"(no update)"`, `strategy: "uncoordinated" for a run without an update`},
		{`"trace":[`, `"trace":[1,`, `trace: step 1 is 1, where check writes an object`},
		// (found by a tester: these replayed as if right, exit 0)
		{`"step":3,`, `"step":9,`, `trace: step 3 has the number 9, where check numbers a trace's steps from 1`},
		{`"step":3,`, `"step":"3",`, `trace: field step of step 3: a JSON string where check writes a whole number`},
		{`"kind":"pass"`, `"kind":7`, `trace: field kind of step 2: a JSON number where check writes a string`},
		{`"step":3,"thread":"P1"`, `"step":3,"thread":""`, `trace: step 3 has no thread`},
		{`"path":[`, `"path":[null,`, `path: null among the successor indices`},
		{`"skip":[]`, `"skip":[null]`, `skip: unknown property ""`},
		{`"skip":[]`, `"skip":["fidelity"]`, `skip: the violation's property fidelity is switched off there`},
		{`"skip":[]`, `"skip":["progress","progress"]`, `skip: progress listed twice, where check lists each property once`},
		{`"path":[`, `"cycle_start":1,"path":[`, `cycle_start: a cycle (a lasso) is a counterexample of update-completion only, not of fidelity`},
		// (found by a tester: each of these missing was read as empty or
		// as its default and replayed, exit 0 or 1; a line of {} or with a
		// verdict check never writes was "no violation in the report")
		{`"rule":`, `"x_rule":`, `rule: missing, where check writes the rule of every violation`},
		{`"found":`, `"x_found":`, `found: missing, where check writes what every violation found`},
		{`"update_at":`, `"x_update_at":`, `update_at: missing`},
		{`"skip":[]`, `"skip":null`, `skip: missing or null`},
		{`"verdict":"violation"`, `"verdict":"bogus"`, `not a report of mcheck check --json: verdict "bogus", where check writes ok, violation or unknown`},
		{`"verdict":"violation"`, `"x_verdict":"violation"`, `not a report of mcheck check --json: no verdict`},
	} {
		b := strings.Replace(out0, c.from, c.to, 1)
		if b == out0 {
			t.Fatalf("the report has no %s", c.from)
		}
		edited := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(edited, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs = runCmd("replay", edited)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("replay with %s: exit %d, %q", c.to, code, errs)
		}
	}
}

// TestReplayChecksOkLines: the fields every line has are checked on the
// lines without a violation too, as the README promises ("anywhere in the
// report"), with the line's number. Found by a tester: on the ok lines of
// a report of three strategies an unknown strategy, a property, a null
// skip and a capacity of 0 replayed the first line's violation, exit 0;
// and the capacity's and update_at's errors named no line.
func TestReplayChecksOkLines(t *testing.T) {
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "../../models/mathserver.dsu")
	if code != exitViolation {
		t.Fatalf("check: exit %d, %s", code, errs)
	}
	lines := strings.SplitAfter(out, "\n")
	if len(lines) < 3 || !strings.Contains(lines[0], `"verdict":"violation"`) || !strings.Contains(lines[2], `"strategy":"max+1","verdict":"ok"`) {
		t.Fatalf("want a violation, then ok lines: %s", out)
	}
	report := filepath.Join(t.TempDir(), "ms.json")
	for _, c := range []struct {
		line           int
		from, to, want string
	}{
		{3, `"strategy":"max+1"`, `"strategy":"bogus"`, `:3: strategy: unknown strategy "bogus"`},
		{2, `"property":""`, `"property":"bogus"`, `:2: property: "bogus" on a line whose verdict is ok`},
		{3, `"queue_bound":8`, `"queue_bound":0`, `:3: queue_bound: missing, or 0`},
		{3, `"queue_bound":8`, `"queue_bound":-3`, `:3: queue_bound: must be at least 1, got -3`},
		{1, `"queue_bound":8`, `"queue_bound":-3`, `:1: queue_bound: must be at least 1, got -3`},
		{3, `"skip":[]`, `"skip":null`, `:3: skip: missing or null`},
		{3, `"skip":[]`, `"skip":["bogus"]`, `:3: skip: unknown property "bogus"`},
		{2, `"update_at":"any"`, `"update_at":"sometime"`, `:2: update_at: invalid update moment "sometime"`},
		{1, `"update_at":"any"`, `"update_at":"sometime"`, `:1: update_at: invalid update moment "sometime"`},
		{2, `"update_at":"any"`, `"update_at":"step:+3"`, `:2: update_at: "step:+3", where check writes step:3`},
		{2, `"update":"toB"`, `"update":""`, `:2: update: missing`},
		{2, `"strategy":"stop-the-world"`, `"strategy":"(none needed)"`, `:2: strategy: (none needed) for a run of update toB`},
	} {
		edited := slices.Clone(lines)
		edited[c.line-1] = strings.Replace(lines[c.line-1], c.from, c.to, 1)
		if edited[c.line-1] == lines[c.line-1] {
			t.Fatalf("line %d has no %s", c.line, c.from)
		}
		if err := os.WriteFile(report, []byte(strings.Join(edited, "")), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCmd("replay", report)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("line %d with %s: exit %d, %q (want %q)", c.line, c.to, code, errs, c.want)
		}
	}
}

// TestReplayNoUpdate: a report of a model without an update (strategy
// "(none needed)") replays, whether its violation is at the end of a run
// (a deadlock in 5 steps) or in the initial configuration (0 steps). Found
// by the adversarial tester: replay refused the strategy, exit 2; and a
// violation of no step did not recur.
func TestReplayNoUpdate(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.dsu")
	if err := os.WriteFile(first, []byte("thread A { main 1 / 0 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ model, want string }{
		{"../../statespace/testdata/regress/symmetry-shared-holder.dsu", "the run ends in the same violation: progress — deadlock"},
		{first, "the run ends in the same violation: runtime — runtime error"},
	} {
		code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", c.model)
		if code != exitViolation || !strings.Contains(out, `"strategy":"(none needed)"`) {
			t.Fatalf("check %s: exit %d, %s\n%s", c.model, code, errs, out)
		}
		report := filepath.Join(dir, filepath.Base(c.model)+".json")
		if err := os.WriteFile(report, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs = runCmd("replay", report)
		if code != exitOK || !strings.Contains(out, c.want) {
			t.Errorf("replay %s: exit %d\n%s\n%s", c.model, code, out, errs)
		}
	}
}

// TestReplayModelFromStdin: a report of a model read from standard input
// names no file; replay asks for --model rather than reading its own
// standard input (found by a tester: "the model declares no threads").
func TestReplayModelFromStdin(t *testing.T) {
	src, err := os.ReadFile("../../models/mathserver.dsu")
	if err != nil {
		t.Fatal(err)
	}
	_, out, _ := runCmd("check", "--json", "--store", "memory", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	out = strings.Replace(out, `"model":"../../models/mathserver.dsu"`, `"model":"/dev/stdin"`, 1)
	if !strings.Contains(out, `"model":"/dev/stdin"`) {
		t.Fatalf("report without its model path:\n%s", out)
	}
	report := writeFile(t, t.TempDir(), "r.json", []byte(out))
	code, _, errs := runCmd("replay", report)
	if code != exitUsage || !strings.Contains(errs, "the model was read from /dev/stdin, which names no file: pass it with --model") {
		t.Errorf("replay: exit %d, %q", code, errs)
	}
	model := writeFile(t, t.TempDir(), "m.dsu", src)
	if code, out, errs := runCmd("replay", "--model", model, report); code != exitOK {
		t.Errorf("replay --model: exit %d\n%s%s", code, out, errs)
	}
}

// TestReplayRuntimeErrorElsewhere: a runtime error's description names
// where it happened (file:line:col); replay of the same run ends in the same
// violation when the model is given under another name (--model with
// another path, as the README says to do from another directory) or was
// edited above the failing expression (a comment line, mcheck fmt), and it
// says where it was recorded. Found by the adversarial tester: each of these
// was "another violation", exit 1. Another failing expression is still
// another violation.
func TestReplayRuntimeErrorElsewhere(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	const src = "thread A { main 1 / 0 }\n"
	write("z.dsu", src)
	t.Chdir(dir)
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "z.dsu")
	if code != exitViolation || !strings.Contains(out, `at z.dsu:1:19`) {
		t.Fatalf("check: exit %d, %s\n%s", code, errs, out)
	}
	report := write("z.json", out)
	for _, c := range []struct {
		model, want string
		code        int
	}{
		{"./z.dsu", "the run ends in the same violation", exitOK},
		{filepath.Join(dir, "z.dsu"), "the run ends in the same violation", exitOK},
		{write("commented.dsu", "# a comment\n"+src), "recorded at another place: the model changed since, or the report was edited: division by zero (1 / 0) at z.dsu:1:19", exitOK},
		{write("other.dsu", "thread A { main 2 / 0 }\n"), "the run ends in another violation", exitViolation},
	} {
		code, out, errs := runCmd("replay", "--model", c.model, report)
		if code != c.code || !strings.Contains(out, c.want) {
			t.Errorf("replay --model %s: exit %d, want %d and %q\n%s%s", c.model, code, c.code, c.want, out, errs)
		}
	}
	// Fields of the wrong type are named as in the report.
	for _, c := range []struct{ from, to, want string }{
		{`"rule":"runtime error"`, `"rule":3`, "field rule: a JSON number where check writes a string"},
		{`"trace":[`, `"trace":"abc","x":[`, "field trace: a JSON string where check writes a list, each an object"},
	} {
		b := strings.Replace(out, c.from, c.to, 1)
		if b == out {
			t.Fatalf("the report has no %s", c.from)
		}
		code, _, errs := runCmd("replay", write("bad.json", b))
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("replay with %s: exit %d, %q", c.to, code, errs)
		}
	}
	code, _, errs = runCmd("replay", write("array.json", "["+strings.TrimSpace(out)+"]\n"))
	if code != exitUsage || !strings.Contains(errs, "a JSON array where check writes an object (one a line)") {
		t.Errorf("replay of an array: exit %d, %q", code, errs)
	}
}

// TestStepNoMoveSaysWhy: a configuration with no move and no violation
// says why: every thread finished, some stopped by a fault (found by a
// tester: "every thread has finished" was said of a thread a runtime
// error had stopped), or the queue's capacity holds the rest.
func TestStepNoMoveSaysWhy(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	dir := t.TempDir()
	for _, c := range []struct {
		src, moves, want string
		args             []string
	}{
		{"thread A { main () }\n", "", "no move: every thread has finished\n", nil},
		{"thread A { main 1 / 0 }\nthread B { main () }\n", "", "no move: every thread has finished or was stopped by a fault (stopped: A)\n", nil},
		// Its header derives the capacity-reached configurations: the
		// first moves, seven times, reach one.
		{"", "1\n1\n1\n1\n1\n1\n1\n", "no move: only the queue's capacity holds the system", []string{"--strategy", "max+1", "--queue-bound", "1", "--update-at", "step:0", "../../statespace/testdata/regress/capacity-lost-added-role.dsu"}},
	} {
		args := c.args
		if c.src != "" {
			path := filepath.Join(dir, "m.dsu")
			if err := os.WriteFile(path, []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			args = []string{path}
		}
		stdin = strings.NewReader(c.moves + "q\n")
		code, out, errs := runCmd(append([]string{"step"}, args...)...)
		if code != exitOK || !strings.Contains(out, c.want) || strings.Count(out, "no move:") != 1 {
			t.Errorf("%q: exit %d, want one %q\n%s%s", c.src+strings.Join(c.args, " "), code, c.want, out, errs)
		}
	}
}

// TestStep: stepping by hand shows the enabled moves, takes the chosen one,
// goes back, and refuses a move that is not there.
func TestStep(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	// mathserver, uncoordinated: start, back, start, introduce, one more.
	stdin = strings.NewReader("b\n1\nb\n1\n3\n2\nq\n")
	code, out, errs := runCmd("step", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"step 0:", "already at step 0, the initial configuration", "1  P1         session s#1 starts", "step 1:", "update toB is introduced",
		"update toB: not introduced", "update toB: introduced; to apply: P1, P2"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "step 1:") != 2 {
		t.Errorf("b did not go back to step 0 and forward again:\n%s", out)
	}
	// A move is a number as the list numbers them: no sign (found by a
	// tester: +1 was move 1).
	for _, bad := range []string{"9", "+1", "-1", "1.0", "0x1", " 1 1"} {
		stdin = strings.NewReader(bad + "\nq\n")
		if _, out, _ := runCmd("step", "../../models/mathserver.dsu"); !strings.Contains(out, fmt.Sprintf("no move %q", strings.TrimSpace(bad))) || strings.Contains(out, "step 1:") {
			t.Errorf("the choice %q is not refused:\n%s", bad, out)
		}
	}
	// An empty line asks again (found by a tester: a move named "").
	stdin = strings.NewReader("\n  \n1\nq\n")
	if _, out, _ := runCmd("step", "../../models/mathserver.dsu"); strings.Contains(out, "no move") || !strings.Contains(out, "step 1:") {
		t.Errorf("empty lines:\n%s", out)
	}
	// A line too long to read is bad input, not the end of the session
	// (found by a tester: exit 0, the moves after it unread).
	stdin = strings.NewReader(strings.Repeat("x", 70000) + "\n1\nq\n")
	if code, _, errs := runCmd("step", "../../models/mathserver.dsu"); code != exitUsage || !strings.Contains(errs, "reading the moves: a line longer than 64 KiB") {
		t.Errorf("a 70,000-byte line: exit %d, stderr %q; want exit 2", code, errs)
	}
	// The model's warnings, and the flags a model without an update
	// makes idle, are said as check says them (found by a tester).
	noop := filepath.Join(t.TempDir(), "noop.dsu")
	if err := os.WriteFile(noop, []byte("protocol P = a -> b: <int>. end\nservice s: P\n"+
		"thread A { main let c = request(s, {a, b}, a) in send(c, b, 1) }\n"+
		"thread B { main let c = accept(s, b) in receive(c, a) }\nupdate u { service s: P }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin = strings.NewReader("q\n")
	if _, _, errs := runCmd("step", noop); !strings.Contains(errs, "noop.dsu:5:8: warning: update u changes nothing") {
		t.Errorf("step does not give the model's warning: %q", errs)
	}
	plain := filepath.Join(t.TempDir(), "plain.dsu")
	if err := os.WriteFile(plain, []byte("thread T { main 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin = strings.NewReader("q\n")
	if _, _, errs := runCmd("step", "--strategy", "max+1", "--update-at", "never", plain); !strings.Contains(errs, "mcheck step: note: --strategy max+1 and --update-at never have no effect: the model has no update") {
		t.Errorf("step says nothing of idle flags: %q", errs)
	}
	// Where there is no move, it says so (found by the adversarial
	// tester: it asked for "a number from 1 to 0").
	dead := filepath.Join(t.TempDir(), "dead.dsu")
	if err := os.WriteFile(dead, []byte("protocol P = a -> b: <int>. end\nservice s: P\nthread A { main 1 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdin = strings.NewReader("1\nq\n")
	if _, out, _ := runCmd("step", dead); !strings.Contains(out, `no move "1": there is none here`) || strings.Contains(out, "from 1 to 0") {
		t.Errorf("no move, answered 1:\n%s", out)
	}
	// A move into a deadlock says so before it is taken (found by the
	// adversarial tester): on symmetry-shared-holder.dsu the fifth move, W
	// receiving, leaves both clients at request with nobody to accept; the
	// moves before it do not.
	stdin = strings.NewReader("1\n1\n1\n1\nq\n")
	_, out, _ = runCmd("step", "../../statespace/testdata/regress/symmetry-shared-holder.dsu")
	if strings.Count(out, "!! leads to a progress violation — deadlock") != 1 || !strings.Contains(out, "W          svc#1.w receives () from srv") {
		t.Errorf("the move into the deadlock is not marked, or others are:\n%s", out)
	}
}

// TestStepEveryFact: a move into a configuration that breaks two
// properties names both, as check --continue lists them (found by a
// tester: only the deadlock was named, not the orphan message).
func TestStepEveryFact(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader("1\n1\n2\n1\n1\n2\n2\n1\n1\n1\n1\n2\n1\n1\n1\n1\n1\n1\n1\nq\n")
	_, out, errs := runCmd("step", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	if !strings.Contains(out, "!! leads to a progress violation — deadlock; a linearity violation — orphan messages") {
		t.Fatalf("%s%s", out, errs)
	}
}

// TestStepFactsOfMoveAndAfter: a move that breaks a property itself and
// leads into a configuration that breaks another names both, as check
// --continue lists both at one path (found by a tester: only the move's
// runtime error was named, not the deadlock it leads to).
func TestStepFactsOfMoveAndAfter(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	path := writeTemp(t, "divide.dsu", divideModel)
	// Start, introduce, C sends, S applies; then S's receive runs into the
	// division by zero, and C waits for ever.
	_, cont, _ := runCmd("check", "--json", "--continue", "--store", "memory", "--strategy", "uncoordinated", path)
	if !strings.Contains(cont, `"rule":"runtime error"`) || !strings.Contains(cont, `"rule":"deadlock"`) {
		t.Fatalf("check --continue lists not both:\n%s", cont)
	}
	stdin = strings.NewReader("2\n1\n1\n2\nq\n")
	_, out, errs := runCmd("step", "--strategy", "uncoordinated", path)
	if !strings.Contains(out, "receives 1 from c  [receive in new serve, "+path+":12:37]   !! a runtime violation — runtime error; leads to a progress violation — deadlock\n") {
		t.Errorf("%s%s", out, errs)
	}
}

// divideModel's server applies an update that divides by zero: its first
// receive after applying is a runtime error, and leads into a deadlock.
const divideModel = `protocol A = mu t. c -> s: <int>. s -> c: <int>. t
service q: A
thread C {
  fun loop(x) = send(x, s, 1); receive(x, s); loop(x)
  main let x = request(q, {c, s}, c) in loop(x)
}
thread S {
  fun serve(y) = let v = receive(y, c) in send(y, c, v / 1); serve(y)
  main let y = accept(q, s) in serve(y)
}
update u2 {
  thread S { fun serve(y) = let v = receive(y, c) in send(y, c, v / 0); serve(y) }
}
`

// TestReplayEveryEnding: a run that ends in two violations (a step's
// runtime error, and the deadlock it leads to) replayed against a report
// that records neither names both (found by a tester: only the first was
// said, as if the other had gone).
func TestReplayEveryEnding(t *testing.T) {
	path := writeTemp(t, "divide.dsu", divideModel)
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", path)
	if code != exitViolation || !strings.Contains(out, `"rule":"runtime error"`) {
		t.Fatalf("check: exit %d, %s\n%s", code, errs, out)
	}
	edited := regexp.MustCompile(`"found":"division by zero[^"]*"`).ReplaceAllString(out, `"found":"something else"`)
	if edited == out {
		t.Fatalf("the report records no division by zero:\n%s", out)
	}
	code, out, errs = runCmd("replay", writeTemp(t, "r.json", edited))
	for _, want := range []string{
		"  now:      runtime: runtime error; found division by zero",
		"  and:      progress: deadlock; found C at receive",
		"  recorded: runtime: runtime error; found something else",
	} {
		if code != exitViolation || !strings.Contains(out, want) {
			t.Errorf("replay: exit %d, want 1 and %q\n%s%s", code, want, out, errs)
		}
	}
}

// TestStepArticle: "an update-completion violation", not "a" (found by a
// tester).
func TestStepArticle(t *testing.T) {
	for word, want := range map[string]string{"update-completion": "an", "progress": "a", "fidelity": "a", "linearity": "a", "runtime": "a"} {
		if got := article(word); got != want {
			t.Errorf("article(%q) = %q, want %q", word, got, want)
		}
	}
}

// TestStepOneUpdate: step goes under one update: a list is refused, as is
// a name the model lacks (exit 2). Found by the adversarial tester: a list
// stepped through its first update without a word, exit 0.
func TestStepOneUpdate(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	src, err := os.ReadFile("../../models/mathserver.dsu")
	if err != nil {
		t.Fatal(err)
	}
	two := filepath.Join(t.TempDir(), "two.dsu")
	if err := os.WriteFile(two, append(src, "update none {}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ update, want string }{
		{"toB,none", "--update takes one update, got a list: toB,none"},
		{"toB,toB", "--update takes one update, got a list"},
		{"toB,", "--update takes one update, got a list"},
		{"nope", `has no update "nope" (it has: toB, none)`},
	} {
		stdin = strings.NewReader("q\n")
		code, out, errs := runCmd("step", "--update", c.update, two)
		noPanic(t, out, errs)
		if code != exitUsage || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("--update %s: exit %d, stderr %q, stdout %q; want exit 2 and %q", c.update, code, errs, out, c.want)
		}
	}
	stdin = strings.NewReader("q\n")
	if code, out, errs := runCmd("step", "--update", "none", two); code != exitOK || !strings.Contains(out, "step 0:") {
		t.Errorf("--update none: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestReplayLasso: a liveness counterexample (a lasso) replays as a lasso
// (exit 0: the cycle closes, is fair, and the participant never applies in
// it); the same run with its cycle said to start elsewhere is not one
// (exit 1). Found by the adversarial tester: replay used to judge a lasso
// as a finite run and refuse every one.
func TestReplayLasso(t *testing.T) {
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "max+1", "../../statespace/testdata/liveness/consumer-passed-point.dsu")
	if code != exitViolation || !strings.Contains(out, `"cycle_start"`) {
		t.Fatalf("check: exit %d, %s\n%s", code, errs, out)
	}
	dir := t.TempDir()
	report := filepath.Join(dir, "lasso.json")
	if err := os.WriteFile(report, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, got, errs := runCmd("replay", report)
	if code != exitOK || !strings.Contains(got, "the same fair cycle") || !strings.Contains(got, "never applies") {
		t.Fatalf("replay: exit %d\n%s\n%s", code, got, errs)
	}
	// The cycle said to start at step 1: the run does not come back to the
	// initial configuration.
	moved := strings.Replace(out, `"cycle_start":`, `"cycle_start":1,"was":`, 1)
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	// It says which part failed (found by a tester: it did not).
	if code, got, errs := runCmd("replay", bad); code != exitViolation || !strings.Contains(got, "not a fair cycle of the update pending: the update is not pending before step 1") {
		t.Fatalf("replay of a lasso whose cycle does not close: exit %d\n%s\n%s", code, got, errs)
	}
	// Under uncoordinated updating, the cycle said to start one step early
	// does not close, and a participant could apply along it: that the
	// cycle does not close is said, not that it is unfair (found by a
	// tester).
	code, out, errs = runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--reduce", "none", "../../statespace/testdata/liveness/consumer-passed-point.dsu")
	var lasso map[string]any
	if err := json.Unmarshal([]byte(out), &lasso); err != nil || code != exitViolation || lasso["cycle_start"] != 4.0 {
		t.Fatalf("check: exit %d, %v, %s\n%s", code, err, errs, out)
	}
	lasso["cycle_start"] = 3
	early, _ := json.Marshal(lasso)
	if err := os.WriteFile(bad, append(early, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, got, errs := runCmd("replay", bad); code != exitViolation || !strings.Contains(got, "the steps from 3 on do not lead back to the configuration before step 3") {
		t.Fatalf("replay of a cycle said to start early: exit %d\n%s\n%s", code, got, errs)
	}
	// A cycle_start past the path's end: the message does not offer 0,
	// which the lasso cannot have (a tester).
	lasso["cycle_start"] = 99
	past, _ := json.Marshal(lasso)
	if err := os.WriteFile(bad, append(past, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, got, errs := runCmd("replay", bad); code != exitUsage || !strings.Contains(errs, "cycle_start: must be a step of the path, 1 to ") || strings.Contains(errs, "must be 0") {
		t.Fatalf("replay of a lasso with cycle_start past its path: exit %d\n%s\n%s", code, got, errs)
	}
	// The lasso without its cycle_start: not a report check writes, exit 2
	// (found by a tester: it was replayed as a run that changed, exit 1).
	delete(lasso, "cycle_start")
	noCycle, _ := json.Marshal(lasso)
	if err := os.WriteFile(bad, append(noCycle, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, got, errs := runCmd("replay", bad); code != exitUsage || !strings.Contains(errs, "cycle_start: missing or 0") {
		t.Fatalf("replay of a lasso without cycle_start: exit %d\n%s\n%s", code, got, errs)
	}
	// A lasso at capacity 1 (Y and Z fill the queue, so X's send waits and
	// X never reaches its point) replayed at capacity 2, where the same
	// moves let X apply in the cycle: replay said "a participant could
	// apply, and the cycle never does" (found by a tester). It names the
	// step that applies.
	starved := filepath.Join(dir, "starved.dsu")
	if err := os.WriteFile(starved, []byte(`protocol P = mu t. y -> z: <int>. z -> y: <int>. t
protocol Q = a -> b: <int>. end
service s: P
service q: Q
thread X { fun f(u) = ()  main let x = request(q, {a, b}, a) in send(x, b, 1); f(()) }
thread W { main let x = accept(q, b) in let v = receive(x, a) in () }
thread Y { fun p(c) = send(c, z, 1); let r = receive(c, z) in p(c)  main p(request(s, {y, z}, y)) }
thread Z { fun r(c) = let v = receive(c, y) in send(c, y, v); r(c)  main r(accept(s, z)) }
update u { thread X { fun f(u) = () } }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--queue-bound", "1", starved)
	if code != exitViolation || !strings.Contains(out, `"cycle_start"`) || !strings.Contains(out, `"queue_bound":1`) {
		t.Fatalf("check: exit %d, %s\n%s", code, errs, out)
	}
	two := filepath.Join(dir, "two.json")
	if err := os.WriteFile(two, []byte(strings.Replace(out, `"queue_bound":1`, `"queue_bound":2`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	// At capacity 2 the saved moves name other steps from step 5 on (X's
	// send is enabled where only Z's receive was): replay says so first
	// (a later tester: a path naming another run was judged at its end).
	if code, got, errs := runCmd("replay", two); code != exitViolation || !strings.Contains(got, "the saved path names another run of this model: its step 5 was Z: s#2.z receives 1 from y") {
		t.Errorf("replay at capacity 2: exit %d\n%s\n%s", code, got, errs)
	}
	// Along that other run, the lasso's judgement names the step that
	// applies.
	var rec struct {
		Path       []uint32 `json:"path"`
		CycleStart int      `json:"cycle_start"`
	}
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatal(err)
	}
	src, _ := os.ReadFile(starved)
	m, err := model.Load(starved, src)
	if err != nil {
		t.Fatal(err)
	}
	o := check.ReplayOptions{Update: "u", Strategy: "max+1", QueueBound: 2}
	if why := check.WhyNotLasso(m, o, rec.Path, rec.CycleStart); !strings.Contains(why, "in the cycle: X applies the update, so the update does not stay pending along it") {
		t.Errorf("the lasso at capacity 2: %q", why)
	}
}

// lostWriter fails every write, as a standard output whose reader is gone.
type lostWriter struct{ writes int }

func (w *lostWriter) Write(p []byte) (int, error) {
	w.writes++
	return 0, syscall.EPIPE
}

// TestStepStopsWithoutReader: `yes 1 | mcheck step M | head -2` went on
// reading moves and growing its history for ever once head had gone (22.5
// GB in 10 minutes; adversarial tester); it stops at its next move, exit 3.
func TestStepStopsWithoutReader(t *testing.T) {
	defer func(r io.Reader) { stdin = r }(stdin)
	moves := strings.NewReader(strings.Repeat("1\n", 100000))
	stdin = moves
	w := &lostWriter{}
	var errs strings.Builder
	code := run([]string{"step", "../../models/mathserver.dsu"}, &checkedWriter{w: w}, &errs)
	if code != exitFailure || w.writes != 1 || moves.Len() < 100000 { // (one buffer of moves read)
		t.Errorf("exit %d after %d writes, %d bytes of moves left", code, w.writes, moves.Len())
	}
}

// TestReplayFoundNamesAnotherFile: the file name in found's source
// positions is not compared, as the positions are not (found by a tester:
// a report naming a copy of the model replayed to "another violation").
func TestReplayFoundNamesAnotherFile(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "orig.dsu")
	if err := os.WriteFile(model, []byte("thread A { main 1 / 0 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ := runCmd("check", "--json", "--progress", "off", "--store", "memory", model)
	renamed := strings.ReplaceAll(out, `at `+model+`:`, `at copy.dsu:`)
	if renamed == out {
		t.Fatalf("found names no position in %s:\n%s", model, out)
	}
	report := filepath.Join(dir, "renamed.json")
	if err := os.WriteFile(report, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, got, errs := runCmd("replay", report); code != exitOK {
		t.Errorf("exit %d\n%s\n%s", code, got, errs)
	}
}

// TestReplayNthViolation: --violation N replays the report's Nth
// counterexample, each of a --continue run's violations one (found by a
// tester: replay read only the first); past the last, or below 1, is bad
// input.
func TestReplayNthViolation(t *testing.T) {
	code, out, errs := runCmd("check", "--json", "--continue", "--progress", "off", "--store", "memory", "testdata/two-bugs.dsu")
	if code != exitViolation {
		t.Fatalf("check: exit %d, %s", code, errs)
	}
	report := filepath.Join(t.TempDir(), "two-bugs.json")
	if err := os.WriteFile(report, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]string{
		"1": "the run ends in the same violation: fidelity — fidelity (a)",
		"2": "the run ends in the same violation: fidelity — fidelity (b)",
		"3": "the run ends in the same violation: progress — deadlock",
	} {
		code, out, errs := runCmd("replay", "--violation", n, report)
		if code != exitOK || !strings.Contains(out, want) || (n != "1") != strings.Contains(out, ", counterexample "+n+" (") {
			t.Errorf("replay --violation %s: exit %d\n%s\n%s", n, code, out, errs)
		}
	}
	// A damaged path in the second: that one diverges, the first still replays.
	edited := filepath.Join(t.TempDir(), "edited.json")
	i := strings.Index(out, `"violations":`)
	j := i + strings.Index(out[i:], `"path":[0,0,0,0,`) // the second violation's (five steps)
	if i < 0 || j < i {
		t.Fatalf("no second path in %s", out)
	}
	if err := os.WriteFile(edited, []byte(out[:j]+`"path":[0,0,0,0,9`+out[j+len(`"path":[0,0,0,0,0`):]), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runCmd("replay", "--violation", "2", edited); code != exitViolation || !strings.Contains(out, "no longer a run") || !strings.Contains(out, "the report's capacity, strategy or update, or its path changed") {
		t.Errorf("replay of a damaged second violation: exit %d\n%s", code, out)
	}
	// Reports check could not have written (found by a tester): a path
	// shorter than its trace; top-level fields that are not the first
	// violation's.
	i = strings.Index(out, `"violations":`)
	j = i + strings.Index(out[i:], `"path":[0,0,0,0,0]`)
	short := strings.Replace(out[:j]+`"path":[0,0,0,0]`+out[j+len(`"path":[0,0,0,0,0]`):], "\n", "", -1) + "\n"
	top := strings.Replace(out, `"path":[0,0,0,0],"update_at"`, `"path":[0,0,0,0,0],"update_at"`, 1)
	for name, b := range map[string]string{"short": short, "top": top} {
		if b == out {
			t.Fatalf("%s: not edited", name)
		}
		f := filepath.Join(t.TempDir(), name+".json")
		if err := os.WriteFile(f, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runCmd("replay", "--violation", "2", f); code != exitUsage || !strings.Contains(errs, "check") {
			t.Errorf("%s: exit %d, %q", name, code, errs)
		}
	}
	// And (found by a tester): a line damaged after the counterexample
	// replayed; a violation with an empty violations list.
	first, _, _ := strings.Cut(out, "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(first), &m); err != nil || m["violations"] == nil {
		t.Fatalf("%v: %s", err, first)
	}
	m["violations"] = []any{}
	emptied, _ := json.Marshal(m)
	for name, c := range map[string]struct{ report, want string }{
		"garbage after": {first + "\ngarbage\n", ":2: not a report of mcheck check --json"},
		"empty list":    {string(emptied) + "\n", "an empty violations list"},
	} {
		f := filepath.Join(t.TempDir(), "edited.json")
		if err := os.WriteFile(f, []byte(c.report), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runCmd("replay", f); code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, %q, want %q", name, code, errs, c.want)
		}
	}
	// Reports check could not have written, found by a tester: a step of
	// a kind check never writes; a rule of another property, or none
	// known; a damaged violation beside the one replayed; a name twice in
	// an object. And a report beginning with a byte-order mark replays.
	edit := func(f func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(first), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return string(b) + "\n"
	}
	vio := func(m map[string]any, k int) map[string]any { return m["violations"].([]any)[k].(map[string]any) }
	for name, c := range map[string]struct{ report, want string }{
		"kind": {edit(func(m map[string]any) {
			vio(m, 1)["trace"].([]any)[0].(map[string]any)["kind"] = "nonsense"
		}), `violation 2 of the line: trace: step 1 has the kind "nonsense", which check never writes`},
		"rule of another property": {edit(func(m map[string]any) {
			m["rule"], vio(m, 0)["rule"] = "runtime error", "runtime error"
		}), `violation 1 of the line: rule: "runtime error" is no rule of fidelity`},
		"unknown rule beside": {edit(func(m map[string]any) { vio(m, 2)["rule"] = "bogus rule" }),
			`violation 3 of the line: rule: "bogus rule" is no rule of progress (its rules: deadlock; deadlock at the stop-the-world barrier)`},
		"name twice": {strings.Replace(first, `{"model":`, `{"verdict":"ok","model":`, 1) + "\n", `the name "verdict" twice in one object`},
	} {
		f := filepath.Join(t.TempDir(), "edited.json")
		if err := os.WriteFile(f, []byte(c.report), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runCmd("replay", f); code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, %q, want %q", name, code, errs, c.want)
		}
	}
	bom := filepath.Join(t.TempDir(), "bom.json")
	if err := os.WriteFile(bom, []byte("\uFEFF"+out), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, got, errs := runCmd("replay", bom); code != exitOK {
		t.Errorf("report with a byte-order mark: exit %d\n%s\n%s", code, got, errs)
	}
	for _, n := range []string{"0", "4"} {
		if code, _, errs := runCmd("replay", "--violation", n, report); code != exitUsage || !strings.Contains(errs, "--violation") && !strings.Contains(errs, "the report holds 3") {
			t.Errorf("replay --violation %s: exit %d, %q", n, code, errs)
		}
	}
}

// TestReplayEveryFact: every counterexample of a --continue report
// replays, where a step breaks two rules or a configuration without a step
// breaks two properties (found by a tester: the Nth was matched against the
// first of them, exit 1), and of two threads failing alike before their
// first step, the second's is replayed as its own, not as the first's "at
// another place". A path with its trace removed or emptied is refused.
func TestReplayEveryFact(t *testing.T) {
	dir := t.TempDir()
	report := func(name, model string) (string, int) {
		t.Helper()
		code, out, errs := runCmd("check", "--json", "--continue", "--progress", "off", "--store", "memory", model)
		if code != exitViolation {
			t.Fatalf("check %s: exit %d, %s", model, code, errs)
		}
		f := filepath.Join(dir, name+".json")
		if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var r struct {
				Violations []json.RawMessage `json:"violations"`
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			n += len(r.Violations)
		}
		return f, n
	}
	math, n := report("mathserver", "../../models/mathserver.dsu")
	if n < 9 {
		t.Fatalf("mathserver: %d violations listed, want 9 or more", n)
	}
	for k := 1; k <= n; k++ {
		if code, out, errs := runCmd("replay", "--violation", fmt.Sprint(k), math); code != exitOK || !strings.Contains(out, "the run ends in the same violation") {
			t.Errorf("replay --violation %d: exit %d\n%s%s", k, code, out, errs)
		}
	}
	alike := filepath.Join(dir, "alike.dsu")
	if err := os.WriteFile(alike, []byte("thread A { main 1 / 0 }\nthread B { main 1 / 0 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	twice, _ := report("alike", alike)
	code, out, errs := runCmd("replay", "--violation", "2", twice)
	if code != exitOK || !strings.Contains(out, "alike.dsu:2:19") || strings.Contains(out, "another place") {
		t.Errorf("replay --violation 2 of two threads failing alike: exit %d\n%s%s", code, out, errs)
	}
	code, plain, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "../../models/mathserver.dsu")
	if code != exitViolation {
		t.Fatalf("check: exit %d, %s", code, errs)
	}
	first, _, _ := strings.Cut(plain, "\n")
	var line map[string]any
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(){
		"no trace":    func() { delete(line, "trace") },
		"empty trace": func() { line["trace"] = []any{} },
	} {
		edit()
		b, err := json.Marshal(line)
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if err := os.WriteFile(f, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := runCmd("replay", f); code != exitUsage || !strings.Contains(errs, "trace") {
			t.Errorf("%s: exit %d, %q", name, code, errs)
		}
	}
}

// TestReplayOtherRun: a report replayed on a model whose steps changed
// follows its move numbers into another run; replay says where it parts
// from the report's, rather than judging that run's end (found by a
// tester: the tutorial's second model's report, replayed on its first,
// said "the run no longer ends in a violation", read as a fix).
func TestReplayOtherRun(t *testing.T) {
	_, out, _ := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "../../models/tutorial-explicit.dsu")
	report := filepath.Join(t.TempDir(), "explicit.json")
	if err := os.WriteFile(report, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	code, got, errs := runCmd("replay", "--model", "../../models/tutorial-calls.dsu", report)
	if code != exitViolation || !strings.Contains(got, "the saved path names another run of this model: its step 2 was Client: chooses 0 (option 1 of 2)") || strings.Contains(got, "no longer ends in a violation") {
		t.Errorf("exit %d\n%s%s", code, got, errs)
	}
	if code, got, _ := runCmd("replay", report); code != exitOK || !strings.Contains(got, "the run ends in the same violation") {
		t.Errorf("on its own model: exit %d\n%s", code, got)
	}
	// Where the move numbers run out before the path's end, a step that
	// already parted from the report's is still the one named (found by a
	// tester: the step where they ran out was blamed). The tutorial model
	// with its old loop's choose(0, 1) made 0: its step 3 sends at once.
	_, out2, _ := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "../../models/tutorial-calls.dsu")
	calls := filepath.Join(t.TempDir(), "calls.json")
	src, err := os.ReadFile("../../models/tutorial-calls.dsu")
	if err != nil {
		t.Fatal(err)
	}
	noChoice := filepath.Join(t.TempDir(), "nochoice.dsu")
	if err := os.WriteFile(calls, []byte(out2), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noChoice, []byte(strings.Replace(string(src), "send(c, server, choose(0, 1));", "send(c, server, 0);", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, got, errs = runCmd("replay", "--model", noChoice, calls)
	if code != exitViolation || !strings.Contains(got, "the saved path names another run of this model: its step 3 was Client: chooses 0 (option 1 of 2)") {
		t.Errorf("choice removed: exit %d\n%s%s", code, got, errs)
	}
	// Only the kind edited: the two steps read alike but for it, which is
	// said (found by a tester: the same words twice).
	edited := strings.Replace(out, `"kind":"choose"`, `"kind":"send"`, 1)
	if edited == out {
		t.Fatal(`the report has no "kind":"choose"`)
	}
	if err := os.WriteFile(report, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, got, _ := runCmd("replay", report); code != exitViolation || !strings.Contains(got, "its step 2 was Client: a step of kind send (chooses 0 (option 1 of 2)") || !strings.Contains(got, "and is now Client: a step of kind choose (its move numbers") {
		t.Errorf("kind edited: exit %d\n%s", code, got)
	}
	// The path edited to take the choose's other option: the same thread
	// and kind, another run (found by a tester: replayed as the same run,
	// "the run ends in the same violation").
	var rep map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &rep); err != nil {
		t.Fatal(err)
	}
	path, _ := rep["path"].([]any)
	if len(path) < 2 || path[1] != 0.0 {
		t.Fatalf("the report's step 2 is no first option of a choose: path %v", path)
	}
	path[1] = 1.0
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(report, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, got, _ := runCmd("replay", report); code != exitViolation || !strings.Contains(got, "its step 2 was Client: chooses 0 (option 1 of 2)") || !strings.Contains(got, "(option 2 of 2)") {
		t.Errorf("path edited at a choose: exit %d\n%s", code, got)
	}
	// The trace's what edited instead, not the path: the message says the
	// option each took (found by a tester: the report's action, which the
	// edit left, was said as what the step had been); an option 0, which
	// check never writes, is bad input (it was "another run", exit 1).
	line := strings.SplitN(out, "\n", 2)[0]
	for _, c := range []struct {
		to   string
		code int
		want string
	}{
		{`"what":"chooses 1 (option 2 of 2)"`, exitViolation, "its step 2 was Client: chooses 1 (option 2 of 2), and is now Client: chooses 0 (option 1 of 2)"},
		{`"what":"chooses 0 (option 0 of 2)"`, exitUsage, "trace: step 2, a choose, took option 0 of 2, where check numbers"},
		{`"what":"chooses 0 (option 3 of 2)"`, exitUsage, "took option 3 of 2,"},
	} {
		b := strings.Replace(line, `"what":"chooses 0 (option 1 of 2)"`, c.to, 1)
		if b == line {
			t.Fatalf("the report's step 2 does not choose option 1 of 2: %s", line)
		}
		if err := os.WriteFile(report, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
		code, got, errs := runCmd("replay", report)
		if code != c.code || !strings.Contains(got+errs, c.want) {
			t.Errorf("what edited to %s: exit %d, want %d and %q\n%s%s", c.to, code, c.code, c.want, got, errs)
		}
	}
}

// TestStepUpdateRunNumber: once every role has completed run n, the
// canonical form keeps no more of n than that, and step says so rather
// than show a number that grows with a lagging role's runs (found by a
// tester: n = 1 at the introduction, then 1, 2, 3 as B received under
// its old code).
func TestStepUpdateRunNumber(t *testing.T) {
	path := writeTemp(t, "r2.dsu", `protocol L = mu t. a -> b: <int>. t
protocol L2 = mu t. a -> b: <bool>. t
service s: L
thread A {
  fun g(x) = send(x, b, 9)
  main let x = request(s, {a, b}, a) in send(x, b, 1); send(x, b, 2); send(x, b, 3); update; g(x)
}
thread B {
  fun h(y) = receive(y, a)
  main let y = accept(s, b) in receive(y, a); receive(y, a); receive(y, a); update; h(y)
}
update up {
  service s: L2
  thread A { fun g(x) = send(x, b, true) }
  thread B { fun h(y) = receive(y, a); receive(y, a) }
}
`)
	defer func(r io.Reader) { stdin = r }(stdin)
	stdin = strings.NewReader("1\n1\n1\n1\n1\n1\n1\n1\n1\n1\n1\nq\n")
	_, out, errs := runCmd("step", "--strategy", "max+1", "--update-at", "step:1", path)
	if !strings.Contains(out, "update up is introduced (s#1: n = 1)") || !strings.Contains(out, "(s#1: run n completed by every role)") ||
		strings.Contains(out, "n = 2") || strings.Contains(out, "n = 3") {
		t.Errorf("%s%s", out, errs)
	}
}

// TestReplayFoundBeforeAfterStepNote: a report written before a runtime
// error after a step said ", computing on after the step" replays as the
// same violation.
func TestReplayFoundBeforeAfterStepNote(t *testing.T) {
	dir := t.TempDir()
	model := writeFile(t, dir, "after.dsu", []byte(afterStepModel))
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", model)
	if code != exitViolation || !strings.Contains(out, ", computing on after the step") {
		t.Fatalf("check: exit %d, %s\n%s", code, errs, out)
	}
	old := strings.Replace(out, ", computing on after the step", "", 1)
	report := writeFile(t, dir, "old.json", []byte(old))
	if code, got, errs := runCmd("replay", report); code != exitOK || !strings.Contains(got, "the run ends in the same violation") {
		t.Errorf("replay: exit %d\n%s%s", code, got, errs)
	}
}
