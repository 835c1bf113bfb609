package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcheck/mcheck/statespace"
	"github.com/mcheck/mcheck/store"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func noPanic(t *testing.T, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, "goroutine ") || strings.Contains(o, "panic:") {
			t.Fatalf("output shows a Go panic:\n%s", o)
		}
	}
}

func TestCheckPaperModels(t *testing.T) {
	code, out, errs := runCmd("check", "--store", "memory", "../../models/mathserver.dsu")
	noPanic(t, out, errs)
	if code != exitViolation {
		t.Fatalf("exit %d, want 1 (uncoordinated violates fidelity)\n%s%s", code, out, errs)
	}
	for _, want := range []string{"uncoordinated", "VIOLATION", "stop-the-world", "max+1", "exhaustive", "fidelity violation", "trace (", "receive in new g"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCmd("check", "--store", "memory", "--strategy", "max+1", "../../models/prodcons.dsu")
	if code != exitOK || !strings.Contains(out, "exhaustive for queue capacity 8") {
		t.Fatalf("max+1 on prodcons: exit %d\n%s", code, out)
	}
}

func TestCheckJSON(t *testing.T) {
	code, out, _ := runCmd("check", "--store", "memory", "--json", "../../models/mathserver.dsu")
	if code != exitViolation {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one JSON object per strategy, got %d lines:\n%s", len(lines), out)
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad JSON %q: %v", l, err)
		}
		for _, k := range []string{"model", "strategy", "verdict", "exhaustive", "bound_hits", "property", "states", "transitions", "depth", "seconds", "trace", "blocked_configs", "update_latency"} {
			if _, ok := m[k]; !ok {
				t.Errorf("JSON lacks %q: %s", k, l)
			}
		}
		if m["strategy"] == "uncoordinated" {
			if m["verdict"] != "violation" || m["property"] != "fidelity" || len(m["trace"].([]any)) == 0 {
				t.Errorf("uncoordinated: %s", l)
			}
			step := m["trace"].([]any)[0].(map[string]any)
			for _, k := range []string{"step", "thread", "action", "queue"} {
				if _, ok := step[k]; !ok {
					t.Errorf("trace step lacks %q", k)
				}
			}
		} else if m["verdict"] != "ok" || m["exhaustive"] != true {
			t.Errorf("%v: %s", m["strategy"], l)
		}
	}
}

// TestCheckBoundedIsNeverExhaustive: a bounded "no violation" says so, and
// has exit status 4, not 0 (CI users must tell it from a proof).
func TestCheckBoundedIsNeverExhaustive(t *testing.T) {
	code, out, _ := runCmd("check", "--store", "memory", "--strategy", "max+1", "--max-depth", "4", "../../models/prodcons.dsu")
	if code != exitBounded {
		t.Fatalf("exit %d, want %d", code, exitBounded)
	}
	if strings.Contains(out, "exhaustive for") || !strings.Contains(out, "NOT exhaustive") || !strings.Contains(out, "bounded (max-depth)") {
		t.Fatalf("a bounded run must say so:\n%s", out)
	}
	_, out, _ = runCmd("check", "--store", "memory", "--strategy", "max+1", "--max-states", "10", "--json", "../../models/prodcons.dsu")
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if m["exhaustive"] != false || m["states"].(float64) != 10 {
		t.Fatalf("max-states: %s", out)
	}
}

func TestCheckBadUsage(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.dsu")
	os.WriteFile(empty, nil, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check"}, "expected one model file"},
		{[]string{"check", "a.dsu", "b.dsu"}, "expected one model file"},
		// --trace took the model as its value: the flag is said, not the
		// missing model (found by a tester).
		{[]string{"check", "--trace", "../../models/mathserver.dsu"}, `--trace must be text, msc or json, got "../../models/mathserver.dsu"`},
		{[]string{"check", "--strategy", "bogus", "../../models/mathserver.dsu"}, "unknown strategy"},
		// A misspelt flag, and a long flag with one dash, get a hint
		// (found by a tester).
		{[]string{"check", "--strateg", "max+1", "../../models/mathserver.dsu"}, "unknown flag: --strateg (did you mean --strategy?)"},
		{[]string{"check", "-strategy", "max+1", "../../models/mathserver.dsu"}, "(a long flag takes two dashes: --strategy)"},
		// A number of the wrong form is said so, without Go's parser in
		// the message (found by a tester).
		{[]string{"check", "--max-states", "1e6", "../../models/mathserver.dsu"}, `invalid argument "1e6" for "--max-states" flag: not a whole number`},
		{[]string{"check", "--coverage=maybe", "../../models/mathserver.dsu"}, `invalid argument "maybe" for "--coverage" flag: not true or false (a switch: --coverage alone is true)`},
		{[]string{"simulate", "--shrink=2", "../../models/mathserver.dsu"}, `for "--shrink" flag: not true or false`},
		{[]string{"check", "--max-states", "9223372036854775808", "../../models/mathserver.dsu"}, `for "--max-states" flag: out of range`},
		// Numbers are decimal: Go's prefixes are not read (found by a
		// tester: 0x10 was 16, and 010 was 8; TestDecimalFlags).
		{[]string{"check", "--max-states", "0x10", "../../models/mathserver.dsu"}, `invalid argument "0x10" for "--max-states" flag: not a whole number`},
		{[]string{"check", "--queue-bound", "1_000", "../../models/mathserver.dsu"}, `invalid argument "1_000" for "--queue-bound" flag: not a whole number`},
		// A negative seed is a whole number: it is said to be negative.
		{[]string{"simulate", "--seed", "-5", "../../models/mathserver.dsu"}, `invalid argument "-5" for "--seed" flag: must not be negative`},
		{[]string{"check", "--mem-budget", "1_000MiB", "../../models/mathserver.dsu"}, `--mem-budget: invalid size "1_000MiB"`},
		{[]string{"check", "--reduce", "nope", "../../models/mathserver.dsu"}, "--reduce must be all, symmetry, por or none"},
		{[]string{"check", "--shortest", "../../models/mathserver.dsu"}, "--shortest needs --reduce por"},
		// (found by the adversarial tester: both were ignored without a word)
		{[]string{"check", "--bits", "20", "../../models/mathserver.dsu"}, "--bits needs --store bitstate"},
		{[]string{"check", "--store", "memory", "--bits", "30", "../../models/mathserver.dsu"}, "--bits needs --store bitstate"},
		{[]string{"check", "--max-violations", "5", "../../models/mathserver.dsu"}, "--max-violations needs --continue"},
		{[]string{"check", "--max-violations", "100", "../../models/mathserver.dsu"}, "--max-violations needs --continue"},
		{[]string{"check", "--queue-bound", "0", "../../models/mathserver.dsu"}, "--queue-bound"},
		{[]string{"check", "--update-at", "sometimes", "../../models/mathserver.dsu"}, "--update-at"},
		// (found by a tester: K was cut to 32 bits, so step:4294967296
		// introduced the update at step 0 and step:2147483648 never)
		{[]string{"check", "--update-at", "step:4294967296", "../../models/mathserver.dsu"}, "K must be from 0 to 2147483647"},
		{[]string{"check", "--update-at", "step:2147483648", "../../models/mathserver.dsu"}, "K must be from 0 to 2147483647"},
		{[]string{"simulate", "--update-at", "step:9223372036854775807", "../../models/mathserver.dsu"}, "K must be from 0 to 2147483647"},
		{[]string{"check", "--update-at", "step:99999999999999999999", "../../models/mathserver.dsu"}, "K must be from 0 to 2147483647"},
		{[]string{"check", "--update-at", "step:-3", "../../models/mathserver.dsu"}, "want any, never or step:K"},
		{[]string{"check", "--update-at", "step:++3", "../../models/mathserver.dsu"}, "want any, never or step:K"},
		{[]string{"check", "--update-at", "step:+", "../../models/mathserver.dsu"}, "want any, never or step:K"},
		{[]string{"check", "--update-at", "step:", "../../models/mathserver.dsu"}, "want any, never or step:K"},
		{[]string{"check", "--store", "floppy", "../../models/mathserver.dsu"}, "--store"},
		{[]string{"check", "--trace", "pdf", "../../models/mathserver.dsu"}, "--trace"},
		{[]string{"check", "--skip", "liveness", "../../models/mathserver.dsu"}, "unknown property"},
		{[]string{"check", "--skip", "", "../../models/mathserver.dsu"}, "an empty list"},
		{[]string{"swarm", "--skip", "fidelity,", "../../models/mathserver.dsu"}, "an empty name"},
		{[]string{"check", "--mem-budget", "lots", "../../models/mathserver.dsu"}, "--mem-budget"},
		{[]string{"check", "--update", "nope", "../../models/mathserver.dsu"}, "has no update \"nope\""},
		{[]string{"check", "--update", "toB,,toB", "../../models/mathserver.dsu"}, "an empty name in the update list"},
		{[]string{"check", "--strategy", "max+1, ,uncoordinated", "../../models/mathserver.dsu"}, "an empty name in the strategy list"},
		{[]string{"points", "--strategy", "max+1,", "../../models/mathserver.dsu"}, "an empty name in the strategy list"},
		{[]string{"check", "-"}, "only mcheck fmt reads standard input"},
		{[]string{"check", "--frobnicate", "../../models/mathserver.dsu"}, "unknown flag"},
		{[]string{"check", filepath.Join(dir, "missing.dsu")}, "cannot read model"},
		{[]string{"check", dir}, "is a directory"},
		{[]string{"check", empty}, "empty.dsu:1:1"},
	} {
		code, out, errs := runCmd(tc.args...)
		noPanic(t, out, errs)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestCheckUnwritableStoreDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-dir")
	os.WriteFile(file, []byte("x"), 0o644)
	code, out, errs := runCmd("check", "--store", "badger", "--store-dir", file, "../../models/mathserver.dsu")
	noPanic(t, out, errs)
	if code != exitFailure || errs == "" {
		t.Fatalf("store dir that is a file: exit %d, stderr %q", code, errs)
	}
	// The run that could not open its store has its line: search failed,
	// with the error (found by a tester: with --json stdout was empty).
	code, out, errs = runCmd("check", "--json", "--strategy", "max+1", "--store", "badger", "--store-dir", file, "../../models/mathserver.dsu")
	var line map[string]any
	if err := json.Unmarshal([]byte(out), &line); code != exitFailure || err != nil || line["search"] != "failed" || !strings.Contains(fmt.Sprint(line["error"]), "not a directory") || line["verdict"] != "unknown" {
		t.Errorf("--json, store dir that is a file: exit %d, %v, stdout %q, stderr %q", code, err, out, errs)
	}
	// A directory left holding another store is refused, not reused.
	used := filepath.Join(dir, "used")
	if code, _, errs := runCmd("check", "--store-dir", used, "--strategy", "max+1", "../../models/mathserver.dsu"); code != exitOK {
		t.Fatalf("first run: %d %s", code, errs)
	}
	code, _, errs = runCmd("check", "--store-dir", used, "--strategy", "max+1", "../../models/mathserver.dsu")
	if code != exitFailure || !strings.Contains(errs, used) {
		t.Fatalf("reusing a store dir: exit %d, stderr %q", code, errs)
	}
}

// TestCheckTinyMemBudget: with a budget that makes the frontier, the links
// and the RAM tier spill, the results are those of an unbounded run.
func TestCheckTinyMemBudget(t *testing.T) {
	path := familyModel(t, "prodcons", 2)
	get := func(args ...string) map[string]any {
		// (--skip update-completion: with two pairs max+1 has a liveness
		// violation, found after the search this test compares.)
		code, out, errs := runCmd(append([]string{"check", "--json", "--strategy", "max+1", "--skip", "update-completion"}, append(args, path)...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	mem := get("--store", "memory")
	tiny := get("--store", "badger", "--mem-budget", "1MiB")
	for _, k := range []string{"states", "transitions", "depth", "verdict", "exhaustive"} {
		if mem[k] != tiny[k] {
			t.Errorf("%s: memory store %v, badger with 1MiB budget %v", k, mem[k], tiny[k])
		}
	}
}

// TestCheckNeverIntroduced: a run in which the update is never introduced
// says so, in the text and in the JSON.
func TestCheckNeverIntroduced(t *testing.T) {
	code, out, _ := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "max+1", "--update-at", "never", "../../models/prodcons.dsu")
	if code != exitOK || !strings.Contains(out, "the update was never introduced") {
		t.Fatalf("exit %d, output %q", code, out)
	}
	code, out, _ = runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "max+1", "--json", "../../models/prodcons.dsu")
	if code != exitViolation && code != exitOK || !strings.Contains(out, `"update_introduced":true`) {
		t.Fatalf("exit %d, output %q", code, out)
	}
}

// TestCheckLimits: limits on flags are honoured with a clear message and
// exit 2 (the reliability issue's bad flags; its hostile files are in
// faults_test.go).
func TestCheckLimits(t *testing.T) {
	var more [][]string
	if _, ok := store.PhysicalMemory(); ok {
		// More than the machine's memory: badger sized its caches by it
		// and the run died in the runtime (adversarial tester).
		more = append(more, []string{"--mem-budget", "100000TiB"})
	}
	for _, args := range append(more, [][]string{
		{"--workers", "100000"}, {"--workers", "2147483648"}, {"--workers", "-1"},
		{"--mem-budget", "NaN"}, {"--mem-budget", "0.5"}, {"--mem-budget", "1e-300"}, {"--mem-budget", "512K"},
	}...) {
		code, _, errs := runCmd(append([]string{"check", "--progress", "off"}, append(args, "../../models/mathserver.dsu")...)...)
		if code != exitUsage || !strings.Contains(errs, args[0]) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
		noPanic(t, errs)
	}
	// Zero is too small, not "invalid"; units are read in any case (found
	// by a tester).
	code, _, errs := runCmd("check", "--progress", "off", "--mem-budget", "0", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "--mem-budget 0 is below the least budget, 1MiB") {
		t.Errorf("--mem-budget 0: exit %d, stderr %q", code, errs)
	}
	for _, size := range []string{"64mb", "64mib", "1g", "2Mib", "1.5GiB", "0064.50MiB", "+64MiB", "+3000000"} {
		if b, err := parseSize(size); err != nil || b < 2<<20 {
			t.Errorf("parseSize(%q) = %d, %v", size, b, err)
		}
	}
	// Exactly, whole bytes rounded down (found by a tester: as a float,
	// 0.99999999999999999999MiB was 1MiB, taken above the least budget).
	for size, want := range map[string]int64{"0.99999999999999999999MiB": 1<<20 - 1, "1048575.99999999999999999": 1<<20 - 1, "1.5KiB": 1536, "0.5B": 0, "4EiB": 1 << 62} {
		if b, err := parseSize(size); err != nil || b != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", size, b, err, want)
		}
	}
	if _, err := parseMemBudget("0.99999999999999999999MiB"); err == nil || !strings.Contains(err.Error(), "below the least budget, 1MiB") {
		t.Errorf("--mem-budget 0.99999999999999999999MiB: %v", err)
	}
	// Decimal numerals only, as every number a flag takes (a tester: 1e9
	// ran, and Inf was "more than this machine's memory").
	for _, size := range []string{"1e9", "1E9GiB", "Inf", "infinity", "0x1p30", ".5GiB", "1.GiB", "++1GiB", "+-1GiB", "-1GiB", "+", "+GiB", "1 GiB", "1_000MiB"} {
		code, _, errs := runCmd("check", "--progress", "off", "--mem-budget", size, "../../models/mathserver.dsu")
		if code != exitUsage || !strings.Contains(errs, "invalid size") {
			t.Errorf("--mem-budget %s: exit %d, stderr %q", size, code, errs)
		}
	}
	// Well formed but too large: said so, not "invalid" (found by a
	// tester); where the machine's memory is known, that is the limit
	// named (a tester: "at most 4EiB", where 1EiB is refused too).
	want := "is too large (at most 4EiB)"
	if _, ok := store.PhysicalMemory(); ok {
		want = "is more than this machine's memory"
	}
	for _, size := range []string{"99999999TiB", "1" + strings.Repeat("0", 400), "16EiB", "5EB"} {
		if _, err := parseSize(size); !errors.Is(err, errSizeTooLarge) {
			t.Errorf("parseSize(%q): %v", size, err)
		}
		code, _, errs := runCmd("check", "--progress", "off", "--mem-budget", size, "../../models/mathserver.dsu")
		if code != exitUsage || !strings.Contains(errs, want) {
			t.Errorf("--mem-budget %s: exit %d, stderr %q", size, code, errs)
		}
	}
}

// TestCheckLists: --strategy and --update take comma-separated lists, with
// spaces, and run each item once; --version answers.
func TestCheckLists(t *testing.T) {
	code, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--json",
		"--strategy", "max+1, stop-the-world,max+1", "--update", "toB, toB", "../../models/mathserver.dsu")
	if code != exitOK || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"strategy":"max+1"`) || !strings.Contains(out, `"strategy":"stop-the-world"`) {
		t.Fatalf("exit %d, output %q, stderr %q", code, out, errs)
	}
	code, _, errs = runCmd("check", "--update", "toB,nope", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, `no update "nope"`) {
		t.Fatalf("unknown update in a list: exit %d, stderr %q", code, errs)
	}
	code, out, _ = runCmd("--version")
	if code != exitOK || !strings.HasPrefix(out, "mcheck ") {
		t.Fatalf("--version: exit %d, %q", code, out)
	}
}

// TestCheckJSONFinal: a violation's JSON carries the final configuration,
// and --json with --trace msc is refused rather than ignored.
func TestCheckJSONFinal(t *testing.T) {
	code, out, _ := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "uncoordinated", "--json", "../../models/mathserver.dsu")
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != exitViolation {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	if f, _ := m["final"].(string); !strings.Contains(f, "P2: at receive on s#1.p2 in new g") {
		t.Fatalf("final configuration missing: %v", m["final"])
	}
	code, _, errs := runCmd("check", "--json", "--trace", "msc", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "--trace msc") {
		t.Fatalf("--json --trace msc: exit %d, %q", code, errs)
	}
	// --trace json in the text report: its heading says the length and
	// that it is shortest, as the text trace's does (found by a tester).
	code, out, _ = runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "uncoordinated", "--trace", "json", "../../models/mathserver.dsu")
	i := strings.Index(out, "  trace (7 steps, shortest), as JSON:\n  [")
	var trace []map[string]any
	if code != exitViolation || i < 0 || json.NewDecoder(strings.NewReader(out[i+len("  trace (7 steps, shortest), as JSON:\n  "):])).Decode(&trace) != nil || len(trace) != 7 {
		t.Errorf("--trace json: exit %d\n%s", code, out)
	}
}

// TestCheckGrowthHint: a deep, narrow search with a growing counter gets a
// hint naming the thread and where the value grows.
func TestCheckGrowthHint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "counter.dsu")
	src := "protocol P = a -> b: <int>. end\nservice s: P\n" +
		"thread T {\n  fun count(k) = count(k + 1)\n  main count(0)\n}\n" +
		"update u { thread T { fun count(k) = () } }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--max-depth", "2100", path)
	if code != exitBounded || !strings.Contains(errs, "in thread T, an argument of the call to count") || !strings.Contains(errs, "may grow without bound") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestCheckGrowthHintWide: a value that grows on a wide frontier, where
// the narrow looks (2,000 steps deep, 1,024 configurations to go) never
// come, is named once it grew at two looks in a row, 32 levels apart (a
// tester: a balance passed from call to call, with a choice of amounts, got
// no hint). A deep finite model with a wide frontier and no value that
// grows gets none.
func TestCheckGrowthHintWide(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		run, bal string
		hint     bool
		exit     int
		args     []string
	}{
		{"run(c)", "bal + x", true, exitBounded, []string{"--max-depth", "129"}},
		// A stops after 51 sends: 154 levels deep, exhaustive.
		{"if i == 0 then () else run(c, i - 1)", "(bal + x) % 5", false, exitOK, []string{"--skip", "progress"}},
	} {
		src := `protocol P = mu t. a -> b: <int>. t
service s: P
thread A {
  fun run(c, i) = send(c, b, choose(1, 2, 3)); ` + strings.ReplaceAll(c.run, "run(c)", "run(c, i)") + `
  main run(request(s, {a, b}, a), 50)
}
thread B {
  fun serve(c, bal) = let x = receive(c, a) in serve(c, ` + c.bal + `)
  main serve(accept(s, b), 0)
}
`
		path := filepath.Join(dir, "wide.dsu")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCmd(append([]string{"check", "--progress", "off", "--store", "memory", "--queue-bound", "6", path}, c.args...)...)
		got := strings.Contains(errs, "in thread B, variable bal (in serve) was ") && strings.Contains(errs, "if it grows without bound, the state space is infinite")
		if code != c.exit || got != c.hint || !c.hint && errs != "" {
			t.Errorf("%s: exit %d, hint %v, want %v; stderr %q", c.bal, code, got, c.hint, errs)
		}
	}
}

// TestCheckGrowthHintStack: a call stack that grows slowly (a frame every
// ten steps here) is named, with the runtime error it ends in, where the
// hint said "a value that grows without bound?" (a newcomer's `if` whose
// then branch's call was not in tail position).
func TestCheckGrowthHintStack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stack.dsu")
	src := `protocol P = mu t. a -> b: <int>. t
service s: P
thread A {
  fun f(c) = send(c, b, 1); send(c, b, 2); send(c, b, 3); send(c, b, 4); send(c, b, 5); f(c); ()
  main f(request(s, {a, b}, a))
}
thread B {
  fun g(c) = let x = receive(c, a) in g(c)
  main g(accept(s, b))
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--queue-bound", "1", path)
	if code != exitViolation || !strings.Contains(out, "call stack deeper than 256 frames") ||
		!strings.Contains(errs, "in thread A, the call stack is 201 frames deep, 201 of them in f: a call not in tail position") {
		t.Errorf("exit %d, stderr %q\n%s", code, errs, out)
	}
}

// TestCheckGrowthHintSlow: a counter that grows more slowly than half the
// depth (by one a round of four steps here, under stop-the-world) is
// named (found by a tester: it never was), from how it grew since the
// look halfway.
func TestCheckGrowthHintSlow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slow.dsu")
	src := `protocol P = mu t. a -> b: <int>. t
service s: P
thread A {
  fun loop(c, tx) = send(c, b, tx); loop(c, tx + 1)
  main loop(request(s, {a, b}, a), 1)
}
thread B {
  fun serve(c) = let x = receive(c, a) in serve(c)
  main serve(accept(s, b))
}
update u { thread A { fun loop(c, tx) = send(c, b, tx); loop(c, tx + 1) } }
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "stop-the-world", "--max-depth", "2010", path)
	if code != exitBounded || !regexp.MustCompile(`the search is 2000 steps deep .*: in thread A, variable tx \(in new body of loop\) was \d+ at depth 1000 and is \d+ now`).MatchString(errs) {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestCheckGrowthHintLoopIndex: a counter that grows by one every 80
// steps, beside a loop index that counts down from 40 again and again,
// is named at the second look, and the index is not (a tester: the index
// was named, caught at 20 and then at 40, and such a slow counter never
// was).
func TestCheckGrowthHintLoopIndex(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.dsu")
	src := `protocol P = mu t. a -> b: <int>. t
service s: P
thread A {
  fun inner(c, k, j, big) = if j == 0 then inner(c, k + 1, 40, big) else (send(c, b, big); inner(c, k, j - 1, big))
  main inner(request(s, {a, b}, a), 0, 40, 987654321)
}
thread B {
  fun g(c) = let v = receive(c, a) in g(c)
  main g(accept(s, b))
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--queue-bound", "1", "--max-depth", "4010", path)
	if code != exitBounded || !strings.Contains(errs, "the state space may be infinite") ||
		!regexp.MustCompile(`the search is 4000 steps deep .*: in thread A, variable k \(in inner\) was \d+ at depth 2000 and is \d+ now`).MatchString(errs) ||
		strings.Contains(errs, "variable j") || strings.Contains(errs, "987654321") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// TestCheckGrowthHintConstant: a large constant passed from call to call
// is not named, being larger than half the depth; what grows is (a tester:
// the constant was named, and the counter beside it, or the sessions
// piling up, were not).
func TestCheckGrowthHintConstant(t *testing.T) {
	for src, want := range map[string]string{
		`protocol P = mu t. a -> b: <int>. a -> b: <int>. a -> b: <int>. t
service s: P
thread A {
  fun f(c, big, n) = send(c, b, big); send(c, b, 0); send(c, b, 0); f(c, big, n + 1)
  main f(request(s, {a, b}, a), 1000000, 0)
}
thread B {
  fun g(c) = receive(c, a); receive(c, a); receive(c, a); g(c)
  main g(accept(s, b))
}
`: "in thread A, variable n (in f) was ",
		`protocol P = a -> b: <int>. a -> b: <int>. end
service s: P
thread A {
  fun loop(k) = let c = request(s, {a, b}, a) in send(c, b, 1); loop(k)
  main loop(1000000)
}
thread B {
  fun loop(n) = let c = accept(s, b) in receive(c, a); loop(n)
  main loop(0)
}
`: "sessions of s are live (held by A, B), opened again and again",
	} {
		path := filepath.Join(t.TempDir(), "const.dsu")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--max-depth", "2010", path)
		if code != exitBounded || !strings.Contains(errs, want) || strings.Contains(errs, "1000000") {
			t.Errorf("exit %d, stderr %q; want %q", code, errs, want)
		}
	}
}

// TestCheckCountdownHint: a search deep before a pinned introduction
// (--update-at step:K, K large) grows because the steps left are part of
// each configuration; the hint says so, not "a value that grows" (found
// by a tester).
func TestCheckCountdownHint(t *testing.T) {
	code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--update-at", "step:100000",
		"--max-depth", "2100", "testdata/two-updates.dsu")
	if code != exitBounded || !strings.Contains(errs, "the update is introduced after step 100000 (--update-at step:100000)") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestCheckDriftHint: a search going on past a run mix (--continue) on a
// model whose roles then drift apart is endless with no value growing; the
// hint names the session and the roles.
func TestCheckDriftHint(t *testing.T) {
	code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--queue-bound", "1",
		"--continue", "--max-depth", "2100", "../../statespace/testdata/regress/drifting-runs.dsu")
	if code != exitViolation || !strings.Contains(errs, "in a session of s, role b (thread B) is") || !strings.Contains(errs, "runs ahead of role c (thread C)") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestCheckDriftHintWideLevels: roles of a moved service that never wait
// for each other drift apart with about 134 configurations a level: the
// hint came only for 64 or fewer, so it never came (found by a tester).
func TestCheckDriftHintWideLevels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drift.dsu")
	if err := os.WriteFile(path, []byte(`protocol P = mu t. a -> b: <int>. c -> d: <int>. t
protocol Q = mu t. a -> b: <bool>. c -> d: <bool>. t
service s: P
thread A { fun fa(x) = send(x, b, 1); fa(x)  main fa(request(s, {a, b, c, d}, a)) }
thread B { fun fb(x) = receive(x, a); fb(x)  main fb(accept(s, b)) }
thread C { fun fc(x) = send(x, d, 2); fc(x)  main fc(accept(s, c)) }
thread D { fun fd(x) = receive(x, c); fd(x)  main fd(accept(s, d)) }
update up {
  service s: Q
  thread A { fun fa(x) = send(x, b, true); fa(x) }
  thread C { fun fc(x) = send(x, d, false); fc(x) }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--queue-bound", "1",
		"--skip", "update-completion", "--max-depth", "2050", path)
	if code != exitBounded || !strings.Contains(errs, "in a session of s, role") || !strings.Contains(errs, "the roles never wait for each other") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestCheckMSCArrows: the text MSC draws each message as an arrow from the
// sender's lifeline to the receiver's.
func TestCheckMSCArrows(t *testing.T) {
	_, out, _ := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--trace", "msc", "../../models/mathserver.dsu")
	if !strings.Contains(out, "*------------>|  s#1.p1 sends -1 to p2") {
		t.Fatalf("no arrow from P1 to P2:\n%s", out)
	}
	// Its marks are read after it (found by a tester: no legend).
	if !strings.Contains(out, "  (| a thread's lifeline; * the thread that takes the step;") {
		t.Errorf("no legend:\n%s", out)
	}
	// A message still queued at the end is drawn dotted, as the page
	// draws it dashed (a tester: an orphan looked delivered).
	path := writeTemp(t, "orphan.dsu", `protocol P = a -> b: <int>. a -> b: <int>. end
service s: P
thread A { main let c = request(s, {a, b}, a) in send(c, b, 1); send(c, b, 2) }
thread B { main let c = accept(s, b) in receive(c, a) }
`)
	_, out, _ = runCmd("check", "--progress", "off", "--store", "memory", "--trace", "msc", path)
	if !strings.Contains(out, "*------------>|  s#1.a sends 1 to b") || !strings.Contains(out, "*............>|  s#1.a sends 2 to b") {
		t.Errorf("the message still queued is not told apart:\n%s", out)
	}
}

// TestFitLine: the progress description is cut to the terminal's width.
func TestFitLine(t *testing.T) {
	if got := fitLine("abcdefghijklmnop", 10); got != "abcdefghi…" {
		t.Errorf("fitLine = %q", got)
	}
	if got := fitLine("short", 80); got != "short" {
		t.Errorf("fitLine = %q", got)
	}
	if n := len([]rune(fitLine(strings.Repeat("x", 500), 120-progressRoom))); n != 120-progressRoom {
		t.Errorf("fitted to %d runes", n)
	}
}

// TestCheckCoverage: --coverage lists a send in a branch never taken and
// the local-type states only it would reach.
func TestCheckCoverage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dead.dsu")
	src := "protocol P = a -> b: { go: a -> b: <int>. end, stop: end }\nservice s: P\n" +
		"thread A { main let x = request(s, {a, b}, a) in if false then (select(x, b, go); send(x, b, 1)) else select(x, b, stop) }\n" +
		"thread B { main let y = accept(s, b) in case(y, a, { go: receive(y, a), stop: () }) }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--coverage", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"never performed: select go, " + path + ":3:65", "never performed: send, " + path + ":3:83", "never reached:   P a: send <int> to b", "never reached:   P b: receive <int> from a"} {
		if !strings.Contains(out, want) {
			t.Errorf("coverage lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckMixedRunsOnViolation: the run mix that is the violation itself
// is counted in mixed_runs (it was 0).
func TestCheckMixedRunsOnViolation(t *testing.T) {
	_, out, _ := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if m["rule"] != "fidelity (c): one run performed under two protocol versions" || m["mixed_runs"].(float64) < 1 {
		t.Fatalf("rule %v, mixed_runs %v", m["rule"], m["mixed_runs"])
	}
}

// TestRunMixBesideMessageFault: a receive of the wrong type that also
// starts a run under another version than the peer's has two facts, (b)
// and (c); (c) was dropped, from mixed_runs and from --continue
// (adversarial tester). The counts are derived in the model's header.
func TestRunMixBesideMessageFault(t *testing.T) {
	path := "../../statespace/testdata/regress/run-mix-beside-message-fault.dsu"
	args := []string{"check", "--json", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--update-at", "step:0", path}
	code, out, errs := runCmd(append(args, "--skip", "fidelity")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != exitOK {
		t.Fatalf("exit %d, %v\n%s\n%s", code, err, out, errs)
	}
	if m["mixed_runs"].(float64) != 1 {
		t.Errorf("--skip fidelity: mixed_runs %v, want 1", m["mixed_runs"])
	}
	code, out, errs = runCmd(append(args, "--continue")...)
	m = nil
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != exitViolation {
		t.Fatalf("exit %d, %v\n%s\n%s", code, err, out, errs)
	}
	var got []string
	for _, v := range m["violations"].([]any) {
		v := v.(map[string]any)
		got = append(got, fmt.Sprintf("%s/%d", v["rule"], len(v["trace"].([]any))))
	}
	want := []string{"fidelity (b): message of the wrong kind, type or label/5", "fidelity (c): one run performed under two protocol versions/5"}
	if !slices.Equal(got, want) {
		t.Errorf("--continue: violations %q, want %q", got, want)
	}
}

// TestBitstateTraceNotShortest: over a bit array a counterexample is a real
// run but not always a shortest one (the array may drop a state on the
// shorter way), and was called "shortest" (adversarial tester). T chooses
// a in 1..200 or 0; a = 0 leads in 2 steps to an accept nobody requests (a
// deadlock, the shortest violation, derived by hand), a > 0 in 3 steps to
// 100 / 0. At 2^8 bits the array drops the depth-1 configuration of a = 0,
// and the search reports the 3-step runtime error.
func TestBitstateTraceNotShortest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bitshort.dsu")
	src := `protocol P = p -> q: <int>. end
service s: P
thread T {
  main let a = choose(OPTS, 0) in
       if a == 0 then (let d = choose(1000) in let c = accept(s, q) in receive(c, p))
       else (let e = choose(a) in let b = choose(e, 0) in 100 / b)
}
`
	if err := os.WriteFile(path, []byte(strings.Replace(src, "OPTS", "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	trace := func(args ...string) (int, bool) {
		t.Helper()
		code, out, errs := runCmd(append([]string{"check", "--json", "--progress", "off", path}, args...)...)
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil || code != exitViolation {
			t.Fatalf("%v: exit %d, %v\n%s\n%s", args, code, err, out, errs)
		}
		return len(m["trace"].([]any)), m["trace_shortest"].(bool)
	}
	if n, short := trace("--store", "memory"); n != 2 || !short {
		t.Fatalf("memory store: %d steps, shortest %v; want 2, true", n, short)
	}
	for _, bits := range []string{"8", "9", "20"} {
		if n, short := trace("--store", "bitstate", "--bits", bits); short {
			t.Errorf("--bits %s: a %d-step trace called shortest", bits, n)
		}
	}
	code, out, _ := runCmd("check", "--progress", "off", "--store", "bitstate", "--bits", "8", path)
	if code != exitViolation || !strings.Contains(out, "3 steps: a real run, not always a shortest one over a bit array") {
		t.Errorf("exit %d, text:\n%s", code, out)
	}
}

// TestShortestCutJSON: when the search again without the reduction is cut
// by --max-states, the reduced search's counterexample stands and JSON says
// so (shortest_cut); before, only trace_shortest false told it (adversarial
// tester). D's violation needs its four choose steps (100 / (a - a) follows
// the fourth); T1-T3 choose independently, so partial-order reduction
// keeps few configurations (31) where the unreduced search within the
// violation's depth has 100: at --max-states 36 the first search ends, the
// second is cut.
func TestShortestCutJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cut.dsu")
	var src strings.Builder
	for _, th := range []string{"T1", "T2", "T3"} {
		fmt.Fprintf(&src, "thread %s { main let a = choose(1, 2, 3) in let b = choose(1, 2, 3) in let c = choose(1, 2, 3) in () }\n", th)
	}
	src.WriteString("thread D { main let a = choose(1, 2) in let b = choose(1, 2) in let c = choose(1, 2) in let d = choose(1, 2) in 100 / (a - a) }\n")
	if err := os.WriteFile(path, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		bound      string
		cut, short bool
	}{{"0", false, true}, {"36", true, false}} {
		code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--reduce", "por", "--shortest", "--max-states", c.bound, path)
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil || code != exitViolation {
			t.Fatalf("--max-states %s: exit %d, %v\n%s\n%s", c.bound, code, err, out, errs)
		}
		if cut, _ := m["shortest_cut"].(bool); cut != c.cut || m["trace_shortest"] != c.short {
			t.Errorf("--max-states %s: shortest_cut %v, trace_shortest %v; want %v, %v", c.bound, m["shortest_cut"], m["trace_shortest"], c.cut, c.short)
		}
	}
}

// TestReleaseNamesFinished: the barrier's release said that a participant
// which had finished applied "together" with the one waiting (adversarial
// tester); a finished thread is done with the update, is not waited for,
// and is not named.
// Derived by hand: Client passes its call, the update is introduced, the
// session starts after it (no n), Client sends and finishes, Server blocks
// at its call and is released alone; its new body then receives the int
// under O2 (bool): fidelity, 7 steps.
func TestReleaseNamesFinished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "late.dsu")
	src := `protocol O  = c -> v: <int>. end
protocol O2 = c -> v: <bool>. end
service o: O
thread Client {
  fun cl(u) = let x = request(o, {c, v}, c) in send(x, v, 1)
  main cl(())
}
thread Server {
  fun sv(y) = receive(y, c)
  main let y = accept(o, v) in sv(y)
}
update u {
  service o: O2
  thread Client { fun cl(u) = let x = request(o, {c, v}, c) in send(x, v, true) }
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "stop-the-world", "--skip", "progress,update-completion", path)
	if code != exitViolation || !strings.Contains(out, "trace (7 steps, shortest)") ||
		!strings.Contains(out, "barrier released: Server applies update u\n") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

// TestNotEndpointMessage: a value used as a channel is named as such, not
// as an invented endpoint ("?#0.a", found by the adversarial tester).
func TestNotEndpointMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "valchan.dsu")
	src := `protocol P = a -> b: <int>. end
service s: P
thread A { main let x = request(s, {a, b}, a) in send(5, b, 1) }
thread B { main let y = accept(s, b) in receive(y, a) }
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("check", "--progress", "off", "--store", "memory", path)
	if code != exitViolation || !strings.Contains(out, "int 5 (not an endpoint) sends 1 to b") || strings.Contains(out, "?#") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

// TestJSONBoundedIsUnknown: a search cut by --max-states that found no
// violation says "unknown" in JSON, as the text says "ok?" (a script reading
// only the verdict used to see "ok"; adversarial tester).
func TestJSONBoundedIsUnknown(t *testing.T) {
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--max-states", "20", "../../models/mathserver.dsu")
	if code != exitBounded || !strings.Contains(out, `"verdict":"unknown"`) || !strings.Contains(out, `"exhaustive":false`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

// TestTablesOverBudgetNote: when the parts tables (which never spill) hold
// more than half of --mem-budget, the run says so. (Prodcons K=3 at
// capacity 5: 239,506 configurations, tables of 640 KiB. The tables of a
// small model's search once held 8 MiB whatever its size, and
// mathserver.dsu was enough.)
func TestTablesOverBudgetNote(t *testing.T) {
	model := filepath.Join(t.TempDir(), "pc3.dsu")
	if code, _, errs := runCmd("gen", "--family", "prodcons", "--param", "3", "-o", model); code != exitOK {
		t.Fatalf("gen: exit %d\n%s", code, errs)
	}
	code, out, errs := runCmd("check", "--progress", "off", "--store", "badger", "--mem-budget", "1MiB", "--strategy", "max+1", "--reduce", "none", "--skip", "update-completion", "--queue-bound", "5", model)
	if code != exitOK || !strings.Contains(out, "more than half of the memory budget") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--skip", "update-completion", "../../models/mathserver.dsu")
	if code != exitOK || strings.Contains(out, "memory budget") {
		t.Fatalf("a small run with the default budget warned:\n%s", out)
	}
}

// TestCheckPORTraceLabel: under --reduce por a counterexample is a real run
// but not always a shortest one, and the trace says so (text and JSON
// trace_shortest); with --shortest it is a shortest one again, and says
// that (statespace/testdata/por/longer-trace.dsu: 3 steps reduced, 2
// shortest; the adversarial tester found it labelled "shortest").
func TestCheckPORTraceLabel(t *testing.T) {
	model := "../../statespace/testdata/por/longer-trace.dsu"
	for _, tc := range []struct {
		args      []string
		label     string
		jsonLabel string
	}{
		{[]string{"--reduce", "none"}, "trace (2 steps, shortest)", `"trace_shortest":true`},
		{[]string{"--reduce", "por"}, "trace (3 steps: a real run, not always a shortest one under partial-order reduction)", `"trace_shortest":false`},
		{[]string{"--reduce", "por", "--shortest"}, "trace (2 steps, shortest)", `"trace_shortest":true`},
	} {
		args := append([]string{"check", "--store", "memory"}, tc.args...)
		code, out, errs := runCmd(append(args, model)...)
		noPanic(t, out, errs)
		if code != exitViolation || !strings.Contains(out, tc.label) {
			t.Errorf("%v: exit %d, want 1 and %q in:\n%s", tc.args, code, tc.label, out)
		}
		code, out, errs = runCmd(append(append(args, "--json"), model)...)
		noPanic(t, out, errs)
		if code != exitViolation || !strings.Contains(out, tc.jsonLabel) {
			t.Errorf("%v --json: exit %d, want 1 and %s in:\n%s", tc.args, code, tc.jsonLabel, out)
		}
	}
}

// TestOneStepSaysStep: a trace of one step is "1 step", wherever a count
// of steps is printed. Found by the adversarial tester: "trace (1 steps,
// shortest)".
func TestOneStepSaysStep(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.dsu") // the session starts, then 1 / 0: one step
	if err := os.WriteFile(one, []byte("protocol P = a -> b: <int>. end\nservice s: P\nthread A { main send(request(s, {a, b}, a), b, 1 / 0) }\nthread B { main receive(accept(s, b), a) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "one.html")
	report := filepath.Join(dir, "one.json")
	_, j, _ := runCmd("check", "--json", "--progress", "off", "--store", "memory", one)
	if err := os.WriteFile(report, []byte(j), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--progress", "off", "--store", "memory", "--html", page, one}, "trace (1 step, shortest):"},
		{[]string{"check", "--progress", "off", "--store", "memory", "--reduce", "por", one}, "trace (1 step: a real run"},
		{[]string{"replay", report}, "queue capacity 8): 1 step\n"},
		{[]string{"simulate", "--depth", "1", one}, "walks of up to 1 step each"},
		{[]string{"simulate", one}, "trace (1 step, as found;"},
		{[]string{"swarm", "--depth", "1", one}, "runs of up to 1 step"},
		{[]string{"swarm", one}, "trace (1 step, as found;"},
	} {
		_, out, errs := runCmd(c.args...)
		noPanic(t, out, errs)
		if !strings.Contains(out, c.want) || regexp.MustCompile(`\b1 steps\b`).MatchString(out) {
			t.Errorf("%v: want %q, and never \"1 steps\":\n%s%s", c.args, c.want, out, errs)
		}
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "1 step, shortest;") || strings.Contains(string(b), "1 steps,") {
		t.Errorf("the page does not say \"1 step, shortest;\"")
	}
}

// TestProgressOnWithJSON: --progress on draws the bar on stderr with --json
// too (README: auto never does with --json; on forces it), and stdout keeps
// only the JSON. Found by the adversarial tester: nothing was drawn.
func TestProgressOnWithJSON(t *testing.T) {
	code, out, errs := runCmd("check", "--progress", "on", "--json", "--store", "memory", "--strategy", "max+1", "../../models/mathserver.dsu")
	noPanic(t, out, errs)
	if code != exitOK || !strings.Contains(errs, "toB/max+1: ") || !strings.Contains(errs, " states, frontier ") {
		t.Errorf("exit %d, no progress on stderr: %q", code, errs)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stdout has a line that is not JSON: %q", line)
		}
	}
	for _, mode := range []string{"auto", "off"} { // (stderr is no terminal here)
		if _, _, errs := runCmd("check", "--progress", mode, "--json", "--store", "memory", "--strategy", "max+1", "../../models/mathserver.dsu"); errs != "" {
			t.Errorf("--progress %s --json: stderr %q", mode, errs)
		}
	}
}

// TestStepNotTakenDescribed: a thread that sends on an endpoint it received
// but does not hold (linearity and fidelity switched off) stops instead;
// the trace says so and names the endpoint (it said "?#0.a sends 5 to b",
// as if the send had happened; adversarial tester).
func TestStepNotTakenDescribed(t *testing.T) {
	const model = `protocol P = a -> b: <int>. end
protocol Q = a -> b: <int>. end
service s: P
service q: Q
thread A { main let x = request(s, {a, b}, a) in let y = request(q, {a, b}, a) in send(x, b, y) }
thread B { main let x = accept(s, b) in let z = receive(x, a) in send(z, b, 5) }
thread D { main let w = accept(q, b) in receive(w, a) }
`
	path := filepath.Join(t.TempDir(), "delegation.dsu")
	if err := os.WriteFile(path, []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("check", "--store", "memory", "--progress", "off", "--skip", "linearity,fidelity", path)
	noPanic(t, out, errs)
	for _, want := range []string{"5  B          q#2.a sends 5 to b — not done: the endpoint is A's, and B stops", "B: stopped by a fault"} {
		if code != exitViolation || !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	if strings.Contains(out, "?#") {
		t.Errorf("an endpoint named ?#:\n%s", out)
	}
}

// TestNotesLivenessInterrupted: a check interrupted in its liveness phase
// says that safety was proved, exhaustively, and that liveness was not
// judged (found by a tester: it said "nothing is proved").
func TestNotesLivenessInterrupted(t *testing.T) {
	var b strings.Builder
	r := &runReport{strategy: "max+1", queueBound: 6,
		res:  &statespace.Result{Verdict: statespace.Unknown, Interrupted: true, UpdateLatency: -1},
		live: &statespace.LiveStats{States: 641119, Interrupted: true}}
	writeNotes(&b, r, "any", true)
	want := "safety: no violation in any interleaving (exhaustive for queue capacity 6); update completion (liveness) interrupted after 641119 configurations: not judged"
	if !strings.Contains(b.String(), want) || strings.Contains(b.String(), "nothing is proved") {
		t.Errorf("notes:\n%s\nwant %q", b.String(), want)
	}
}

// TestCoverageAlikeStates: two local-type states alike in their next
// action are told apart (found by a tester: "never reached: P2 prod: send
// <int> to cons" twice, under uncoordinated on the midrun model, whose P2
// sends two ints a run).
func TestCoverageAlikeStates(t *testing.T) {
	_, out, _ := runCmd("check", "--store", "memory", "--progress", "off", "--coverage", "--strategy", "uncoordinated", "../../models/midrun-update-point.dsu")
	lines := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "never reached:") {
			if lines[l] {
				t.Errorf("twice: %q", l)
			}
			lines[l] = true
		}
	}
	for _, want := range []string{"P2 prod: send <int> to cons (1st of 2 alike, in the order of `mcheck project`)", "P2 prod: send <int> to cons (2nd of 2 alike"} {
		if !strings.Contains(out, want) {
			t.Errorf("coverage lacks %q:\n%s", want, out)
		}
	}
}

// TestStrategyRepeated: --strategy given twice runs both, as --skip's
// repetitions add up (found by a tester: the last one silently won).
func TestStrategyRepeated(t *testing.T) {
	code, out, errs := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "max+1", "--strategy", "stop-the-world,max+1", "../../models/mathserver.dsu")
	if code != exitOK || !regexp.MustCompile(`(?m)^ +max\+1 +ok .*\n +stop-the-world +ok `).MatchString(out) {
		t.Errorf("exit %d, %s\n%s", code, errs, out)
	}
	if code, _, _ := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "max+1", "--strategy", "all", "../../models/mathserver.dsu"); code != exitViolation {
		t.Errorf("max+1 then all: exit %d, want 1 (all includes uncoordinated)", code)
	}
}

// TestEmptyListFlag: --update "" and --strategy "" are refused, as
// --update "u," is, rather than meaning the default (found by a tester).
func TestEmptyListFlag(t *testing.T) {
	for _, cmd := range []string{"check", "simulate", "swarm", "points"} {
		for _, flag := range []string{"--update", "--strategy"} {
			code, _, errs := runCmd(cmd, flag, "", "testdata/two-updates.dsu")
			if code != exitUsage || !strings.Contains(errs, "an empty list") {
				t.Errorf("%s %s '': exit %d, %q", cmd, flag, code, errs)
			}
		}
	}
}

// TestUpdateRepeated: --update given twice checks both updates, in the
// order given, as --strategy's repetitions add up (found by a tester: the
// last one silently won).
func TestUpdateRepeated(t *testing.T) {
	for _, cmd := range []string{"check", "simulate", "swarm", "points"} {
		args := []string{cmd, "--strategy", "max+1", "--update", "u2", "--update", "u1", "--json", "testdata/two-updates.dsu"}
		if cmd == "check" {
			args = append(args, "--store", "memory", "--progress", "off")
		}
		_, out, errs := runCmd(args...)
		i, j := strings.Index(out, `"update":"u2"`), strings.Index(out, `"update":"u1"`)
		if i < 0 || j < i {
			t.Errorf("%s: want u2 then u1:\n%s\n%s", cmd, out, errs)
		}
	}
}

// TestEndedRoleActs: a role that has reached end and acts again in code of
// the new protocol version breaks its local type (nothing more is allowed),
// not "a run under another version": it has no run left to act in (found
// by a tester; statespace/testdata/regress/ended-role-acts-in-new-code.dsu).
func TestEndedRoleActs(t *testing.T) {
	_, out, errs := runCmd("check", "--store", "memory", "--progress", "off", "--strategy", "max+1", "--json",
		"../../statespace/testdata/regress/ended-role-acts-in-new-code.dsu")
	for _, want := range []string{`"rule":"fidelity (a): action not allowed by the local type"`, `"expected":"s#1.a to do nothing more (end)`} {
		if !strings.Contains(out, want) {
			t.Errorf("want %s in:\n%s\n%s", want, out, errs)
		}
	}
}

// TestMSCLongNames: the MSC's columns are as wide as the thread names, so
// names alike in their first 13 characters stay apart (found by a tester:
// ServerReplica1 and ServerReplica10 both read "ServerReplica"); a name
// over 39 characters keeps its start and end, and then every header is
// numbered and the cut names are given whole (found by a tester: two
// names that differed in the middle only had one header).
func TestMSCLongNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "names.dsu")
	long := "A" + strings.Repeat("x", 50) + "Z"
	long2 := "A" + strings.Repeat("x", 20) + "y" + strings.Repeat("x", 29) + "Z"
	src := "protocol P = a -> b: <int>. end\nservice s: P\n" +
		"thread ServerReplica1 { main let x = request(s, {a, b}, a) in send(x, b, 1) }\n" +
		"thread ServerReplica10 { main let y = accept(s, b) in let v = receive(y, a) in 1 / (v - 1) }\n" +
		"thread " + long + " { main () }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--trace", "msc", path)
	want := fmt.Sprintf("       %-40s%-40s%-40s\n       (3: %s)\n", "1:ServerReplica1", "2:ServerReplica10", "3:A"+strings.Repeat("x", 17)+"~"+strings.Repeat("x", 17)+"Z", long)
	if !strings.Contains(out, want) {
		t.Errorf("want the header %q in:\n%s\n%s", want, out, errs)
	}
	if err := os.WriteFile(path, []byte(src+"thread "+long2+" { main () }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, errs = runCmd("check", "--progress", "off", "--store", "memory", "--trace", "msc", path)
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "1:ServerReplica1 ") {
			continue
		}
		if !strings.Contains(l, "4:A") || i+1 == len(lines) || lines[i+1] != "       (3: "+long+"; 4: "+long2+")" {
			t.Errorf("headers %q, key %q", l, lines[min(i+1, len(lines)-1)])
		}
		return
	}
	t.Errorf("no header in:\n%s\n%s", out, errs)
}

// TestTooManySyntaxErrors: after the parser stops at its tenth error, the
// count says it stopped, and does not count its "too many errors" line as
// an error (found by a tester: 60 bad threads printed "11 errors").
func TestTooManySyntaxErrors(t *testing.T) {
	var src strings.Builder
	for i := range 60 {
		fmt.Fprintf(&src, "thread T%d { main 1 + }\n", i)
	}
	f := writeTemp(t, "sixty.dsu", src.String())
	code, _, errs := runCmd("check", f)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != exitUsage || len(lines) != 12 || !strings.HasSuffix(lines[10], ": too many errors") ||
		lines[11] != "10 errors before the parser stopped; there may be more" {
		t.Errorf("exit %d:\n%s", code, errs)
	}
}

// TestJSONFieldsWrittenWhenZero: the fields the README lists for a lasso,
// for the liveness check under symmetry and for a witness of points are
// written when false, zero or empty too (found by a tester: held_by_capacity,
// fell_back, lifted, applied_at_passing and waits_at_barrier were left out).
func TestJSONFieldsWrittenWhenZero(t *testing.T) {
	f := familyModel(t, "prodcons", 2)
	code, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", "--strategy", "max+1", f)
	if code != exitViolation {
		t.Fatalf("check: exit %d, %s", code, errs)
	}
	for _, field := range []string{`"held_by_capacity":[`, `"cycle_start":`, `"quotient":true`, `"fell_back":`, `"quotient_states":`, `"lifted":`} {
		if !strings.Contains(out, field) {
			t.Errorf("check: no %s in %s", field, out)
		}
	}
	code, out, errs = runCmd("points", "--json", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	if code != exitViolation {
		t.Fatalf("points: exit %d, %s", code, errs)
	}
	unsafe := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.Contains(line, `"verdict":"unsafe"`) {
			continue
		}
		unsafe++
		for _, field := range []string{`"depth":`, `"applied_at_passing":`, `"waits_at_barrier":`} {
			if !strings.Contains(line, field) {
				t.Errorf("points: no %s in %s", field, line)
			}
		}
	}
	if unsafe == 0 {
		t.Errorf("points: no unsafe point in %s", out)
	}
}

// TestEmptyStringFlag: a string flag given an empty value is refused, as
// --trace "" always was (found by a tester: --update-at "" ran as any,
// --store "" as the default, replay --model "" as no --model), and step's
// one --update given twice is refused, not the last one taken.
func TestEmptyStringFlag(t *testing.T) {
	for _, args := range [][]string{
		{"check", "--update-at", "", "../../models/mathserver.dsu"},
		{"check", "--store", "", "../../models/mathserver.dsu"},
		{"simulate", "--update-at", "", "../../models/mathserver.dsu"},
		{"step", "--update", "", "../../models/mathserver.dsu"},
		{"replay", "--model", "", "report.json"},
	} {
		code, _, errs := runCmd(args...)
		if code != exitUsage || !strings.Contains(errs, "--"+strings.TrimPrefix(args[1], "--")+": an empty value") {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
	// A required flag is not to be left out (a tester: bench's --out "" was
	// told to leave the flag out, which is refused too).
	if code, _, errs := runCmd("bench", "--family", "ring", "--from", "2", "--to", "2", "--out", ""); code != exitUsage || !strings.Contains(errs, "--out: an empty value (give one: the flag is required)") {
		t.Errorf("bench --out \"\": exit %d, %q", code, errs)
	}
	// -o= is the empty value, as --output= is (a tester: it wrote a file
	// named =).
	if code, _, errs := runCmd("gen", "--family", "ring", "--param", "2", "-o="); code != exitUsage || !strings.Contains(errs, "-o/--output: an empty value") {
		t.Errorf("gen -o=: exit %d, %q", code, errs)
	}
	// Refusals name their flag, and all is among the strategies known
	// where it is one; step takes one (testers).
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--strategy", "foo", "../../models/mathserver.dsu"}, `--strategy: unknown strategy "foo" (known: uncoordinated, stop-the-world, max+1, or all)`},
		{[]string{"check", "--update", "toB,", "../../models/mathserver.dsu"}, `--update: an empty name in the update list`},
		{[]string{"step", "--strategy", "all", "../../models/mathserver.dsu"}, `--strategy: step takes one strategy, got "all"`},
		{[]string{"step", "--strategy", "foo", "../../models/mathserver.dsu"}, `--strategy: unknown strategy "foo"`},
	} {
		if code, _, errs := runCmd(c.args...); code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, errs)
		}
	}
	if _, _, errs := runCmd("check", "--store", "", "../../models/mathserver.dsu"); !strings.Contains(errs, "or leave the flag out") {
		t.Errorf("check --store \"\": %q", errs)
	}
	code, _, errs := runCmd("step", "--update", "toB", "--update", "toB", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "given twice") {
		t.Errorf("step --update twice: exit %d, %q", code, errs)
	}
}

// TestWordingOfPartialRuns (found by a tester): a bitstate search with
// --continue that ran to its end is "bitstate", not stopped at a first
// violation ("-"), and its note does not say it stopped; a bounded "no
// violation" names the capacity and says liveness was not judged; points
// counts its unknown points.
func TestWordingOfPartialRuns(t *testing.T) {
	_, out, _ := runCmd("check", "--store", "bitstate", "--continue", "--json", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	if !strings.Contains(out, `"search":"bitstate"`) {
		t.Errorf("bitstate --continue: %s", out)
	}
	_, out, _ = runCmd("check", "--store", "bitstate", "--continue", "--strategy", "uncoordinated", "../../models/mathserver.dsu")
	if strings.Contains(out, "before the search stopped") || !strings.Contains(out, "the bit array may have taken new configurations for seen ones") {
		t.Errorf("bitstate --continue:\n%s", out)
	}
	_, out, _ = runCmd("check", "--store", "memory", "--max-states", "5", "--strategy", "stop-the-world", "--queue-bound", "3", "../../models/mathserver.dsu")
	if !strings.Contains(out, "no violation found within the bound (queue capacity 3); this is NOT exhaustive") ||
		!strings.Contains(out, "update completion (liveness) not judged: it is judged only after an exhaustive safety search") {
		t.Errorf("bounded:\n%s", out)
	}
	_, out, _ = runCmd("points", "--max-states", "3", "--strategy", "stop-the-world", "../../models/mathserver.dsu")
	if !regexp.MustCompile(`0 of \d+ points safe, 0 unsafe, \d+ unknown`).MatchString(out) {
		t.Errorf("points, bounded:\n%s", out)
	}
}

// TestCheckPileUpHint: sessions opened in a loop and never ended make the
// space infinite; the endless-search hint names their service and holders
// (found by a tester: it said "a value that grows").
func TestCheckPileUpHint(t *testing.T) {
	path := writeTemp(t, "pile.dsu", "protocol P = a -> b: <int>. a -> b: <int>. end\nservice s: P\n"+
		"thread C {\n  fun loop(n) = let x = request(s, {a, b}, a) in send(x, b, 1); loop(n)\n  main loop(0)\n}\n"+
		"thread S {\n  fun srv(u) = let y = accept(s, b) in let v = receive(y, a) in srv(u)\n  main srv(0)\n}\n")
	code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--max-depth", "2100", path)
	if code != exitBounded || !strings.Contains(errs, "sessions of s are live (held by C, S), opened again and again and never ended") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	// (found by a tester: "only 1 configurations to go")
	if !strings.Contains(errs, "with only 1 configuration to go:") {
		t.Errorf("stderr %q", errs)
	}
}

// TestOrphansInCreationOrder: the queue is listed in the order the
// sessions were created, as traces name them, not in the canonical order
// of sessions (found by a tester: s0#2 came before s1#1, and a report of the
// same orphans from before the canonical order did not replay).
func TestOrphansInCreationOrder(t *testing.T) {
	f := writeTemp(t, "orphans.dsu", "protocol P = a -> b: <int>. end\nservice s0: P\nservice s1: P\n"+
		"thread A { main let x = request(s1, {a, b}, a) in send(x, b, 1); let y = request(s0, {a, b}, a) in send(y, b, 2) }\n"+
		"thread B { main let x = accept(s1, b) in () }\nthread C { main let y = accept(s0, b) in () }\n")
	_, out, errs := runCmd("check", "--store", "memory", "--progress", "off", f)
	if !strings.Contains(out, "left in the queue: [s1#1 a->b: 1; s0#2 a->b: 2]") {
		t.Errorf("%s%s", out, errs)
	}
}

// TestContinueLasso: with --continue, a lasso found after an exhaustive
// safety search is said as such, and its search is "-" (found by a
// tester: "exhaustive" with exhaustive false, and "found before the search
// stopped").
func TestContinueLasso(t *testing.T) {
	f := familyModel(t, "prodcons", 2)
	args := []string{"check", "--store", "memory", "--progress", "off", "--continue", "--strategy", "max+1", "--queue-bound", "1", f}
	_, out, _ := runCmd(append(args, "--json")...)
	if !strings.Contains(out, `"search":"-"`) || !strings.Contains(out, `"cycle_start":`) {
		t.Errorf("json: %s", out)
	}
	_, out, _ = runCmd(args...)
	if !strings.Contains(out, "safety: no violation in any interleaving (exhaustive for queue capacity 1); update completion (liveness): the lasso below; there may be more (the liveness check reports one)") {
		t.Errorf("text:\n%s", out)
	}
}

// TestBitArrayOverBudget: a bit array larger than --mem-budget gets a note
// (found by a tester: 128 MiB under a 16 MiB budget, no word).
func TestBitArrayOverBudget(t *testing.T) {
	_, _, errs := runCmd("check", "--store", "bitstate", "--bits", "30", "--mem-budget", "16MiB", "--strategy", "max+1", "--progress", "off", "../../models/mathserver.dsu")
	if !strings.Contains(errs, "the bit array (--bits 30: 128.0 MiB) is larger than the memory budget (16.0 MiB)") {
		t.Errorf("stderr %q", errs)
	}
	if _, _, errs := runCmd("check", "--store", "bitstate", "--bits", "20", "--mem-budget", "16MiB", "--strategy", "max+1", "--progress", "off", "../../models/mathserver.dsu"); strings.Contains(errs, "bit array") {
		t.Errorf("a 128 KiB array under 16 MiB: %q", errs)
	}
}

// TestProgressIntoAFile: with --progress on and stderr not a terminal, the
// progress is whole lines, each ended by a newline, with no carriage
// return (found by testers: lines cut at 64 columns; later, bar redraws
// with no newline at all), and the liveness check's lines say so.
func TestProgressIntoAFile(t *testing.T) {
	f := familyModel(t, "prodcons", 3)
	_, _, errs := runCmd("check", "--store", "memory", "--reduce", "none", "--strategy", "stop-the-world", "--progress", "on", f)
	if !strings.Contains(errs, "states/s, store ") || !strings.Contains(errs, " disk") || strings.Contains(errs, "…") || strings.Contains(errs, "\r") {
		t.Errorf("stderr %q", errs)
	}
	var safety, liveness int
	for _, line := range strings.Split(strings.TrimSuffix(errs, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "shrink/stop-the-world: ") && strings.Contains(line, " states, frontier "):
			safety++
		case strings.HasPrefix(line, "shrink/stop-the-world, liveness: ") && !strings.Contains(line, "frontier"):
			liveness++
		case strings.HasPrefix(line, "shrink/stop-the-world, liveness, searching for fair cycles: ") && strings.Contains(line, " configurations, "):
			// (its decomposition, past a second)
		default:
			t.Errorf("a line of neither search's progress: %q", line)
		}
	}
	if safety == 0 || liveness == 0 {
		t.Errorf("%d lines of the safety search's progress, %d of the liveness check's; want some of each:\n%s", safety, liveness, errs)
	}
}

// TestProgressDecomposition: the liveness check's decomposition is said
// as how far it is through the pending region (a tester: 14 s without a
// line after the search of a spilled graph).
func TestProgressDecomposition(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{label: "u/max+1", out: &buf}
	p.update(statespace.Progress{Phase: "liveness", States: 100, Depth: 9, Elapsed: time.Second})
	p.update(statespace.Progress{Phase: "liveness, searching for fair cycles", States: 30, Of: 70, Depth: 9, Elapsed: 2 * time.Second, StoreRAM: 2048})
	want := "u/max+1, liveness: 100 states, depth 9, 100 states/s, 0 B RAM + 0 B disk, 1s\n" +
		"u/max+1, liveness, searching for fair cycles: 30 of 70 configurations, 2.0 KiB RAM + 0 B disk, 2s\n"
	if buf.String() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestReadmeLanguageExample: the README's model in "The model language by
// example" is models/mathserver.dsu, as it says: copied out, it checks to
// the same results (found by a tester: it ended in `thread P2 { ... }`,
// which does not parse, and without P2's new body the verdicts differ).
func TestReadmeLanguageExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "## The model language by example")
	if !ok {
		t.Fatal("README has no section The model language by example")
	}
	_, rest, _ = strings.Cut(rest, "```\n")
	src, _, ok := strings.Cut(rest, "```\n")
	if !ok {
		t.Fatal("the section has no code block")
	}
	path := writeFile(t, t.TempDir(), "example.dsu", []byte(src))
	results := func(p string) string {
		_, out, errs := runCmd("check", "--json", "--progress", "off", "--store", "memory", p)
		var b strings.Builder
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r struct {
				Strategy, Verdict, Property string
				States, Transitions         int64
				Depth                       int
			}
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("%s: %v in %q; stderr:\n%s", p, err, line, errs)
			}
			fmt.Fprintf(&b, "%+v\n", r)
		}
		return b.String()
	}
	if got, want := results(path), results("../../models/mathserver.dsu"); got != want {
		t.Errorf("the README's example checks to\n%s\nmodels/mathserver.dsu to\n%s", got, want)
	}
}

// TestSymmetryOrderExact: the number of permutations is exact in JSON
// beyond a float64's integers (found by a tester: 5.47e+25 for 33
// clients), and readable in the text. Forty pairs make groups of 16, 16
// and 8 blocks: 16!·16!·8! permutations.
func TestSymmetryOrderExact(t *testing.T) {
	path := familyModel(t, "prodcons", 40)
	want := new(big.Int).MulRange(1, 16)
	want.Mul(want, want).Mul(want, new(big.Int).MulRange(1, 8))
	code, out, errs := runCmd("check", "--store", "memory", "--strategy", "max+1", "--max-states", "10", "--json", path)
	noPanic(t, out, errs)
	if code != exitBounded {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	d := json.NewDecoder(strings.NewReader(out))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if got := m["symmetry_order"]; got != json.Number(want.String()) {
		t.Errorf("symmetry_order %v, want %s", got, want)
	}
	_, out, _ = runCmd("check", "--store", "memory", "--strategy", "max+1", "--max-states", "10", path)
	if !strings.Contains(out, "(1.77e+31 permutations)") {
		t.Errorf("text lacks the rounded order of %s:\n%s", want, out)
	}
}

// TestHelpFlagValue: --help=false is a flag turned off, not a request for
// help, and `version` takes no arguments (both found by a tester).
func TestHelpFlagValue(t *testing.T) {
	code, out, errs := runCmd("check", "--help=false", "--store", "memory", "--strategy", "max+1", "../../models/mathserver.dsu")
	if code != exitOK || !strings.Contains(out, "exhaustive") || strings.Contains(out, "usage:") {
		t.Errorf("--help=false: exit %d\n%s%s", code, out, errs)
	}
	for _, h := range []string{"-h", "--help", "--help=true"} {
		if code, out, _ := runCmd("check", h); code != exitOK || !strings.HasPrefix(out, "usage: mcheck check") {
			t.Errorf("%s: exit %d\n%s", h, code, out)
		}
	}
	if code, out, errs := runCmd("version", "--json"); code != exitUsage || out != "" || !strings.Contains(errs, "unexpected argument(s): --json") {
		t.Errorf("version --json: exit %d, %q, %q", code, out, errs)
	}
}

// TestSkipInHeader: the header and the summary say which properties
// --skip left out (found by a tester: "no violation in any interleaving"
// read as a proof of every property).
func TestSkipInHeader(t *testing.T) {
	// (A property given twice is named once, as in JSON: a tester.)
	_, out, _ := runCmd("check", "--store", "memory", "--strategy", "max+1", "--skip", "fidelity,progress,fidelity", "../../models/mathserver.dsu")
	if n := strings.Count(out, "update introduced: any; not checked: fidelity, progress\n"); n != 2 {
		t.Errorf("%d lines name the skipped properties, want 2 (header, summary):\n%s", n, out)
	}
	if _, out, _ := runCmd("check", "--store", "memory", "--strategy", "max+1", "../../models/mathserver.dsu"); strings.Contains(out, "not checked") {
		t.Errorf("nothing skipped, yet:\n%s", out)
	}
}

// TestUpdateAtWithoutUpdate: --update-at on a model with no update is said
// to have no effect (found by a tester: it was taken without a word).
func TestUpdateAtWithoutUpdate(t *testing.T) {
	path := writeFile(t, t.TempDir(), "noupd.dsu", []byte("thread A { main 1 }\n"))
	code, out, errs := runCmd("check", "--store", "memory", "--update-at", "step:3", path)
	if code != exitOK || strings.Count(out, "(--update-at step:3 has no effect: the model has no update)") != 2 {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	// --strategy too (a tester), and both in one note.
	code, out, errs = runCmd("check", "--store", "memory", "--strategy", "max+1", "--update-at", "never", path)
	if code != exitOK || strings.Count(out, "(--strategy max+1 and --update-at never have no effect: the model has no update)") != 2 {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	if _, out, _ := runCmd("check", "--store", "memory", path); strings.Contains(out, "no effect") {
		t.Errorf("no --update-at, yet:\n%s", out)
	}
	// With --json, on stderr (a tester: JSON said nothing).
	code, _, errs = runCmd("check", "--store", "memory", "--json", "--strategy", "max+1", path)
	if code != exitOK || !strings.Contains(errs, "mcheck check: note: --strategy max+1 has no effect: the model has no update") {
		t.Errorf("--json: exit %d, stderr %q", code, errs)
	}
	// And from simulate and swarm, whose --json said nothing (a tester).
	for _, cmd := range []string{"simulate", "swarm"} {
		code, _, errs = runCmd(cmd, "--json", "--strategy", "max+1", path)
		if code == exitUsage || !strings.Contains(errs, "mcheck "+cmd+": note: --strategy max+1 has no effect: the model has no update") {
			t.Errorf("%s --json: exit %d, stderr %q", cmd, code, errs)
		}
	}
}

// TestBitstateMaxStatesCount: under --max-states the bit array can take
// more states than the run counts (the batch the cut stopped in entered
// every successor): the bitstate line says so (a tester saw two counts).
// mathserver's initial configuration has two successors under
// stop-the-world: 3 states in the array, 1 counted.
func TestBitstateMaxStatesCount(t *testing.T) {
	_, out, _ := runCmd("check", "--progress", "off", "--store", "bitstate", "--bits", "20", "--strategy", "stop-the-world", "--max-states", "1", "../../models/mathserver.dsu")
	if !strings.Contains(out, "bitstate: 3 states in 2^20 bits") || !strings.Contains(out, "(the array took 3 states where the search counts 1: the batch --max-states stopped in entered all its successors)") {
		t.Errorf("want the two counts explained:\n%s", out)
	}
}

// TestSymmetryNoneFound: an explicit --reduce symmetry on a model with no
// interchangeable threads says it found none (a tester: it said nothing);
// the default --reduce all says nothing, nor does a model with two
// interchangeable producer-consumer pairs.
func TestSymmetryNoneFound(t *testing.T) {
	const none = "symmetry reduction (--reduce symmetry): none found"
	for _, c := range []struct {
		reduce, model string
		note          bool
	}{
		{"symmetry", "../../models/mathserver.dsu", true},
		{"all", "../../models/mathserver.dsu", false},
		{"symmetry", "PAIRS", false},
	} {
		if c.model == "PAIRS" {
			c.model = filepath.Join(t.TempDir(), "pairs.dsu")
			if code, _, errs := runCmd("gen", "--family", "prodcons", "--param", "2", "-o", c.model); code != exitOK {
				t.Fatalf("gen: exit %d: %s", code, errs)
			}
		}
		_, out, _ := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--reduce", c.reduce, c.model)
		if strings.Contains(out, none) != c.note {
			t.Errorf("--reduce %s %s: note %v, want %v:\n%s", c.reduce, c.model, !c.note, c.note, out)
		}
	}
}

// TestCapacityNoteOfDeadlock: where the one configuration the capacity
// held a send in is the deadlock itself, the note does not say "0 where
// nothing else could move" (a tester: nothing else could, and it is the
// deadlock); it counts the configurations judged capacity reached.
func TestCapacityNoteOfDeadlock(t *testing.T) {
	const model = "../../statespace/testdata/regress/never-new-body-sends.dsu"
	code, out, _ := runCmd("check", "--progress", "off", "--store", "memory", "--queue-bound", "2", "--update-at", "never", "--strategy", "max+1", model)
	if code != exitViolation || !strings.Contains(out, "the queue capacity held back a send in 1 configuration (0 of them capacity reached: nothing else could move there, and no thread was deadlocked)") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestLateSessionNoteAtBarrier: a deadlock at the stop-the-world barrier
// names the sessions of moved services that started after the
// introduction, as max+1's counterexample does (a tester: stop-the-world's
// deadlock, from the same cause, had no note). The model's header derives
// the trace.
func TestLateSessionNoteAtBarrier(t *testing.T) {
	const model = "../../statespace/testdata/regress/late-session-at-barrier.dsu"
	want := "session kv#2 started (step 4) after the update was introduced (step 3): it has no update run number, so stop-the-world does not wait"
	_, out, _ := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "stop-the-world", model)
	if !strings.Contains(out, "note:     "+want) || !strings.Contains(out, "deadlock at the stop-the-world barrier") {
		t.Errorf("no note:\n%s", out)
	}
	_, out, _ = runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "stop-the-world", "--json", model)
	var j struct {
		Note string `json:"note"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || !strings.HasPrefix(j.Note, want) {
		t.Errorf("JSON note %q (%v)", j.Note, err)
	}
}

// TestLateSessionNote: a max+1 or stop-the-world counterexample on a
// session started after the introduction says that the session has no
// update run number (found by a tester: such counterexamples were
// unexplained). In sessions-per-request.dsu the max+1 witness starts rpc#1
// at step 4, after the introduction at step 2; mathserver's start before it.
func TestLateSessionNote(t *testing.T) {
	_, out, _ := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "../../models/sessions-per-request.dsu")
	if !strings.Contains(out, "note:     session rpc#1 started (step 4) after the update was introduced (step 2): it has no update run number, so max+1 does not wait") {
		t.Errorf("no note:\n%s", out)
	}
	// The JSON says it too, as "note" (it had no field for it), and so
	// does --continue's list of violations.
	for _, extra := range [][]string{nil, {"--continue"}} {
		args := append([]string{"check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--json"}, extra...)
		_, out, _ = runCmd(append(args, "../../models/sessions-per-request.dsu")...)
		var j struct {
			Note       string `json:"note"`
			Violations []struct {
				Note string `json:"note"`
			} `json:"violations"`
		}
		if err := json.Unmarshal([]byte(out), &j); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if !strings.HasPrefix(j.Note, "session rpc#1 started (step 4) after the update was introduced (step 2)") {
			t.Errorf("%v: JSON note %q", extra, j.Note)
		}
		if extra != nil && (len(j.Violations) == 0 || j.Violations[0].Note != j.Note) {
			t.Errorf("--continue: violations' notes %+v, want the first to be %q", j.Violations, j.Note)
		}
	}
	// Not where the session's roles all act under one version with code of
	// that version (a tester saw it on a fault of the new code alone). With
	// the update introduced first (step:0), A and B stand at their first
	// update points, the calls of go: under stop-the-world each waits at the
	// barrier (steps 2, 3), both released together (4); under max+1 neither
	// holds a numbered session, so each applies (2, 3). Only then does the
	// session start, both under P2 (5 and 4), and A's new code sends true
	// where P2 has <int>: fidelity (a), 6 and 5 steps, a bug of the new code
	// that no coordination could change: no note.
	late := writeTemp(t, "late.dsu", `protocol P = a -> b: <int>. end
protocol P2 = a -> b: <int>. b -> a: <int>. end
service s: P
thread A { fun go(u) = let x = request(s, {a, b}, a) in send(x, b, 1)  main go(()) }
thread B { fun go(u) = let y = accept(s, b) in receive(y, a)  main go(()) }
update u {
  service s: P2
  thread A { fun go(u) = let x = request(s, {a, b}, a) in send(x, b, true); receive(x, b) }
  thread B { fun go(u) = let y = accept(s, b) in let v = receive(y, a) in send(y, a, 2) }
}
`)
	for strategy, steps := range map[string]string{"stop-the-world": "trace (6 steps, shortest)", "max+1": "trace (5 steps, shortest)"} {
		code, out, _ := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", strategy, "--update-at", "step:0", late)
		if code != exitViolation || !strings.Contains(out, "fidelity (a)") || !strings.Contains(out, steps) || strings.Contains(out, "note:") {
			t.Errorf("%s: exit %d:\n%s", strategy, code, out)
		}
	}
	// And where the last step is an attempt to receive (a fault step, which
	// had no endpoint: the note was lost; found by a tester). Client passes
	// its point before the introduction (1, 2), Server applies (3), the
	// session starts with c under P and s under Q (4), and s attempts its
	// receive (5): its role and its peer's act under two versions.
	attempt := writeTemp(t, "attempt.dsu", `protocol P = c -> s: <int>. end
protocol Q = c -> s: <bool>. end
service rpc: P
thread Client { main update; let x = request(rpc, {c, s}, c) in send(x, s, 1) }
thread Server { main update; let y = accept(rpc, s) in let v = receive(y, c) in v }
update u { service rpc: Q }
`)
	code, out, _ := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", attempt)
	if code != exitViolation || !strings.Contains(out, "5  Server     attempts: receive (a value) from c") ||
		!strings.Contains(out, "note:     session rpc#1 started (step 4) after the update was introduced (step 2)") {
		t.Errorf("attempt: exit %d:\n%s", code, out)
	}
	// Not on a lasso: its last step is any of its cycle's (a tester saw
	// the note on prodcons K=2's max+1 lasso, where it explains nothing).
	_, src, _ := runCmd("gen", "--family", "prodcons", "--param", "2")
	pc2 := writeFile(t, t.TempDir(), "pc2.dsu", []byte(src))
	_, out, _ = runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--queue-bound", "2", pc2)
	if !strings.Contains(out, "never applies") || strings.Contains(out, "note:") {
		t.Errorf("want a lasso and no note:\n%s", out)
	}
	_, out, _ = runCmd("check", "--progress", "off", "--store", "memory", "../../models/mathserver.dsu")
	if strings.Contains(out, "note:") {
		t.Errorf("a note on mathserver, whose session starts first:\n%s", out)
	}
	// A late session of a service the update does not move: its runs
	// cannot matter (a tester).
	_, out, _ = runCmd("check", "--progress", "off", "--store", "memory", "../../statespace/testdata/regress/late-session-unmoved.dsu")
	if strings.Contains(out, "note:") || strings.Count(out, "never applies") != 3 {
		t.Errorf("want three lassos and no note on a code-only update:\n%s", out)
	}
}

// TestJSONThreads: a plain check's JSON names every thread of a deadlock,
// as its text's threads: line does (found by a tester: only --continue's
// violations had them).
func TestJSONThreads(t *testing.T) {
	_, out, _ := runCmd("check", "--json", "--store", "memory", "--strategy", "stop-the-world", "../../models/sessions-per-request.dsu")
	var j struct {
		Rule    string   `json:"rule"`
		Threads []string `json:"threads"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || j.Rule != "deadlock at the stop-the-world barrier" || !slices.Equal(j.Threads, []string{"Client", "Server"}) {
		t.Errorf("%v: %+v\n%s", err, j, out)
	}
	_, text, _ := runCmd("check", "--store", "memory", "--strategy", "stop-the-world", "../../models/sessions-per-request.dsu")
	if !strings.Contains(text, "  threads:  Client, Server\n") {
		t.Errorf("the text names other threads:\n%s", text)
	}
	// simulate's and swarm's too, as check's (a tester: they had neither).
	for _, cmd := range [][]string{{"simulate"}, {"swarm", "--swarm", "4", "--max-states", "5000"}} {
		args := append(cmd, "--strategy", "stop-the-world", "../../models/sessions-per-request.dsu")
		_, out, _ := runCmd(append(args, "--json")...)
		if err := json.Unmarshal([]byte(out), &j); err != nil || j.Rule != "deadlock at the stop-the-world barrier" || !slices.Equal(j.Threads, []string{"Client", "Server"}) {
			t.Errorf("%s: %v: %+v\n%s", cmd[0], err, j, out)
		}
		if _, text, _ := runCmd(args...); !strings.Contains(text, "  threads:  Client, Server\n") {
			t.Errorf("%s: the text names other threads:\n%s", cmd[0], text)
		}
	}
}

// TestReceiveWhereLabel: a value receive where the protocol sends a label
// says it is a value's (found by a tester: "receive from a" read as what
// was expected).
func TestReceiveWhereLabel(t *testing.T) {
	path := writeTemp(t, "label.dsu", `protocol P = a -> b: {x: end, y: end}
service s: P
thread A { main let c = request(s, {a, b}, a) in select(c, b, x) }
thread B { main let c = accept(s, b) in receive(c, a) }
`)
	_, out, _ := runCmd("check", "--store", "memory", path)
	if !strings.Contains(out, "expected: s#1.b to receive one of {x, y} from a") || !strings.Contains(out, "found:    receive (a value) from a\n") {
		t.Errorf("%s", out)
	}
}

// TestStartOfForgottenSession: a session whose every thread finishes in
// the step that starts it is forgotten at once; the start still names its
// service and roles (found by a tester: "session ?#1 starts ()", and in
// JSON "endpoint":"?#1" with no holders).
func TestStartOfForgottenSession(t *testing.T) {
	path := writeTemp(t, "gone.dsu", `protocol P = a -> b: <int>
service s: P
service t: P
thread A { main let x = request(s, {a, b}, a) in () }
thread B { main let y = accept(s, b) in () }
thread E { main let y = accept(t, b) in receive(y, a) }
`)
	_, out, _ := runCmd("check", "--store", "memory", path)
	if !strings.Contains(out, "1  A          session s#1 starts (a: A under P, b: B under P)  [request in main, ") {
		t.Errorf("%s", out)
	}
	_, js, _ := runCmd("check", "--json", "--store", "memory", path)
	var j struct {
		Trace []struct {
			Endpoint string            `json:"endpoint"`
			Holders  map[string]string `json:"holders"`
		} `json:"trace"`
	}
	if err := json.Unmarshal([]byte(js), &j); err != nil || len(j.Trace) != 1 || j.Trace[0].Endpoint != "s#1" || j.Trace[0].Holders["a"] != "A" || j.Trace[0].Holders["b"] != "B" {
		t.Errorf("%v: %+v", err, j)
	}
}

// TestSessionRolesInProtocolOrder: a session's roles are listed as its
// protocol lists them, in its start and in a configuration's endpoints, not
// by the order in which the model first names them (found by a tester:
// "session ps#1 starts (c: Cc under P3, a: A under P3, b: B under P3)",
// c being a role of an earlier protocol).
func TestSessionRolesInProtocolOrder(t *testing.T) {
	path := writeTemp(t, "order.dsu", `protocol First = c -> d: <int>
protocol P3 = a -> b: <int>. a -> c: <int>
service ts: First
service ps: P3
thread A { main let x = request(ps, {a, b, c}, a) in receive(x, b) }
thread B { main let x = accept(ps, b) in receive(x, a) }
thread Cc { main let x = accept(ps, c) in receive(x, a) }
`)
	code, out, _ := runCmd("check", "--store", "memory", path)
	if code != exitViolation || !strings.Contains(out, "session ps#1 starts (a: A under P3, b: B under P3, c: Cc under P3)") ||
		!regexp.MustCompile(`(?s)ps#1\.a \(held by A\).*\n\s*ps#1\.b \(held by B\).*\n\s*ps#1\.c \(held by Cc\)`).MatchString(out) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestStartNoRoleSaysWhereJoined: a session start with a role the
// joiner's protocol lacks names the joiner and says where it joined, as
// the step's place is the requester's (a tester read it as TB's request).
func TestStartNoRoleSaysWhereJoined(t *testing.T) {
	_, out, _ := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "../../statespace/testdata/regress/start-no-role-joiner.dsu")
	if !strings.Contains(out, "  thread:   TB\n") || !strings.Contains(out, "found:    a session started with role b, which TB takes at accept in serve (../../statespace/testdata/regress/start-no-role-joiner.dsu:29:25)") {
		t.Errorf("the joiner's place is not said:\n%s", out)
	}
}

// TestModelReadFailure: a model file the system has no resource to read
// (too many open files) is a failure, exit 3, not bad input; any other
// reading error is bad input, exit 2, and every command prefixes it with
// its name (found by a tester: points and project printed it bare, and
// ulimit -n 5 gave exit 2).
func TestModelReadFailure(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{&os.PathError{Op: "open", Path: "m.dsu", Err: syscall.EMFILE}, exitFailure},
		{fmt.Errorf("m.dsu: cannot read model: %w", syscall.ENFILE), exitFailure},
		{fmt.Errorf("m.dsu: cannot read model: %w", syscall.ENOENT), exitUsage},
	} {
		if got := readFailureStatus(c.err); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.err, got, c.want)
		}
	}
	for _, cmd := range []string{"points", "project", "fmt", "check"} {
		code, _, errs := runCmd(cmd, "no-such-model.dsu")
		if code != exitUsage || !strings.HasPrefix(errs, "mcheck "+cmd+": no-such-model.dsu: cannot read model: no such file or directory") {
			t.Errorf("%s: exit %d, %q", cmd, code, errs)
		}
	}
}

// TestRunMixNamesRole: fidelity (c) names the role that performed the run
// under the other version, also where that role has reached end and its
// runs are forgotten, in a session of two roles (found by a tester: "as
// another role did"). Hand-derived: C requests a session of R per round
// and sends its int under R; S accepts each and receives. After the update
// (C's new body sends under R2), C's next session r#k runs under R2 while S
// still runs old code under R: under --continue, the run of r#1 by S after
// C ended it is among the violations, and c did it under R.
func TestRunMixNamesRole(t *testing.T) {
	model := writeFile(t, t.TempDir(), "rounds.dsu", []byte(`protocol R = c -> s: <int>. end
protocol R2 = c -> s: <bool>. end
service r: R
thread C { fun go(n) = let x = request(r, {c, s}, c) in send(x, s, n); go(n)  main go(0) }
thread S { fun sv(u) = let x = accept(r, s) in receive(x, c); sv(u)  main sv(()) }
update up {
  service r: R2
  thread C { fun go(n) = let x = request(r, {c, s}, c) in send(x, s, true); go(n) }
}
`))
	code, out, errs := runCmd("check", "--store", "memory", "--progress", "off", "--continue", "--strategy", "uncoordinated", model)
	noPanic(t, out, errs)
	if code != exitViolation || !strings.Contains(out, "to perform run 1 under R, as role c did") || strings.Contains(out, "as another role did") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestOrderString: the symmetry's number of permutations prints exactly
// while small, else in three digits, past a float64's range too (found:
// 94 groups of 16 interchangeable threads printed "+Inf").
func TestOrderString(t *testing.T) {
	huge := new(big.Int).Exp(big.NewInt(10), big.NewInt(400), nil)
	for _, c := range []struct {
		o    *big.Int
		want string
	}{
		{big.NewInt(24), "24"},
		{new(big.Int).Lsh(big.NewInt(1), 60), "1.15e+18"},
		{huge.Mul(huge, big.NewInt(3)), "3e+400"},
	} {
		if got := orderString(c.o); got != c.want {
			t.Errorf("orderString(%v) = %q, want %q", c.o, got, c.want)
		}
	}
}

// TestDecimalFlags: a whole-number flag with leading zeros is read in
// decimal (found by a tester: --max-states 010 stopped at 8 states, and
// --queue-bound 010 ran at capacity 8).
func TestDecimalFlags(t *testing.T) {
	code, out, errs := runCmd("check", "--store", "memory", "--strategy", "stop-the-world", "--max-states", "010", "--queue-bound", "007", "--json", "../../models/prodcons.dsu")
	if code != exitBounded || !strings.Contains(out, `"states":10,`) || !strings.Contains(out, `"queue_bound":7,`) {
		t.Errorf("exit %d, stderr %q, stdout %s", code, errs, out)
	}
	// A sign reads alike for every flag (a tester: --seed refused +5).
	if code, _, errs := runCmd("simulate", "--seed", "+5", "--runs", "1", "../../models/code-only.dsu"); code != exitBounded {
		t.Errorf("--seed +5: exit %d, %s", code, errs)
	}
	// And step:K's K (found by testers: step:007 and step:+7 were
	// refused); a report says step:7, as replay wants it.
	for _, k := range []string{"step:007", "step:+7", "step:+07"} {
		code, out, errs = runCmd("check", "--store", "memory", "--strategy", "stop-the-world", "--update-at", k, "--json", "../../models/prodcons.dsu")
		if code != exitOK || !strings.Contains(out, `"update_at":"step:7"`) {
			t.Errorf("%s: exit %d, stderr %q, stdout %s", k, code, errs, out)
		}
	}
}

// TestCheckUnreceivableNote: where only the capacity holds the system and
// the queue holds messages for a role nobody took, the report says so,
// in the text and in JSON (the hand-derived counts are in the model's
// header).
func TestCheckUnreceivableNote(t *testing.T) {
	model := "../../statespace/testdata/regress/capacity-lost-added-role.dsu"
	args := []string{"check", "--store", "memory", "--strategy", "max+1", "--queue-bound", "1", "--update-at", "step:0"}
	code, out, errOut := runCmd(append(args, model)...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if want := "in 1 of those 2, the queue holds messages for role c of s that no thread can receive any more"; !strings.Contains(out, want) {
		t.Errorf("report lacks %q:\n%s", want, out)
	}
	code, out, _ = runCmd(append(args, "--json", model)...)
	var m struct {
		Reached int64    `json:"capacity_reached"`
		Lost    int64    `json:"capacity_unreceivable"`
		Roles   []string `json:"unreceivable_roles"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != exitOK {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if m.Reached != 2 || m.Lost != 1 || len(m.Roles) != 1 || m.Roles[0] != "s.c" {
		t.Errorf("JSON: %+v", m)
	}
	// Without such messages, no note and a zero count.
	code, out, _ = runCmd("check", "--store", "memory", "--strategy", "max+1", "--queue-bound", "1", "../../models/prodcons.dsu")
	if code != exitOK || strings.Contains(out, "no thread can receive any more") {
		t.Errorf("prodcons: exit %d\n%s", code, out)
	}
}

// afterStepModel fails in T's computation after its session starts: a
// division by zero at 3:76.
const afterStepModel = `protocol A = p -> q: <int>. end
service s: A
thread T { main let x = request(s, {p, q}, p) in let b = 5 in send(x, q, 7 % (b - 5)) }
thread U { main let y = accept(s, q) in receive(y, p) }
`

// TestRuntimeErrorAfterStep: a runtime error in the computation a thread
// runs on to after a visible action is that action's step; found says so
// (a tester read a division by zero after a request as the request
// failing). Before the first step there is no action to follow.
func TestRuntimeErrorAfterStep(t *testing.T) {
	dir := t.TempDir()
	after := writeFile(t, dir, "after.dsu", []byte(afterStepModel))
	code, out, errs := runCmd("check", "--store", "memory", after)
	if want := "found:    division by zero (7 % 0) at " + filepath.ToSlash(after) + ":3:76, computing on after the step"; code != exitViolation || !strings.Contains(out, want) {
		t.Errorf("exit %d, want %q:\n%s%s", code, want, out, errs)
	}
	before := writeFile(t, dir, "before.dsu", []byte("thread T { main let b = 5 in 7 % (b - 5) }\n"))
	code, out, errs = runCmd("check", "--store", "memory", before)
	if code != exitViolation || !strings.Contains(out, "(7 % 0) at "+filepath.ToSlash(before)+":1:32\n") {
		t.Errorf("exit %d:\n%s%s", code, out, errs)
	}
}

// TestCheckCapacityUnjudgedMarked: an exhaustive search without violation
// where some runs end at the capacity with the update pending is ok* in
// the summary (text and HTML), with the legend; exit 0 and JSON ok, as
// before (testers read the plain ok as an update that completes).
func TestCheckCapacityUnjudgedMarked(t *testing.T) {
	model := "testdata/capacity-pending.dsu"
	args := []string{"check", "--store", "memory", "--strategy", "stop-the-world", "--queue-bound", "2"}
	code, out, errs := runCmd(append(args, model)...)
	if code != exitOK || !regexp.MustCompile(`(?m)^ *stop-the-world +ok\* `).MatchString(out) || !strings.Contains(out, capacityLegend) {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	code, out, _ = runCmd(append(args, "--json", model)...)
	var j struct {
		Verdict  string `json:"verdict"`
		Liveness struct {
			Stuck int64 `json:"pending_capacity_reached"`
		} `json:"liveness"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != exitOK || j.Verdict != "ok" || j.Liveness.Stuck == 0 {
		t.Errorf("JSON: exit %d, %v, %+v", code, err, j)
	}
	html := filepath.Join(t.TempDir(), "r.html")
	if code, _, errs := runCmd(append(args, "--html", html, model)...); code != exitOK {
		t.Fatalf("--html: exit %d: %s", code, errs)
	}
	page, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(page), "<td>ok*</td>") || !strings.Contains(string(page), "ok*: no violation, but some runs end") {
		t.Errorf("HTML page lacks ok* or its legend (%v)", err)
	}
	// Without such runs, a plain ok and no legend.
	if _, out, _ := runCmd("check", "--store", "memory", "--strategy", "max+1", "../../models/prodcons.dsu"); strings.Contains(out, "ok*") {
		t.Errorf("prodcons:\n%s", out)
	}
}

// TestUnknownCommandHint: a misspelt command names the nearest one, exit 2
// (a tester: "chek" named nothing); one near none names none.
func TestUnknownCommandHint(t *testing.T) {
	code, _, errs := runCmd("chek", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, `mcheck: unknown command "chek" (did you mean check?)`) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	if code, _, errs := runCmd("zzzz"); code != exitUsage || strings.Contains(errs, "did you mean") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	// help of an unknown command is one too; version takes --help, as
	// every command does (a tester).
	if code, _, errs := runCmd("help", "chek"); code != exitUsage || !strings.Contains(errs, `unknown command "chek" (did you mean check?)`) {
		t.Errorf("help chek: exit %d, stderr %q", code, errs)
	}
	for _, args := range [][]string{{"version", "--help"}, {"help", "version"}, {"--version", "-h"}} {
		if code, out, errs := runCmd(args...); code != exitOK || !strings.HasPrefix(out, "usage: mcheck version") {
			t.Errorf("%v: exit %d, %q %q", args, code, out, errs)
		}
	}
}

// TestDocPathsExist: every file of the repository the docs name in
// backquotes (`statespace/testdata/regress/x.dsu`, `store/compact.go`)
// exists, so that a renamed or deleted model or file does not leave a
// pointer to nowhere. Placeholders in capitals (`DIR/NAME.csv`) are not
// files.
func TestDocPathsExist(t *testing.T) {
	docs := []string{"README.md", "docs/language.md", "docs/tutorial.md", "benches/README.md"}
	re := regexp.MustCompile("`([A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+\\.(?:dsu|go|md|sh|csv|json|svg|s))`")
	seen := 0
	for _, d := range docs {
		b, err := os.ReadFile(filepath.Join("../..", d))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			p := m[1]
			if dir := filepath.Dir(p); strings.ToUpper(dir) == dir {
				continue // a placeholder
			}
			seen++
			if _, err := os.Stat(filepath.Join("../..", p)); err != nil {
				t.Errorf("%s names %s, which does not exist", d, p)
			}
		}
	}
	if seen < 20 {
		t.Errorf("found %d paths in the docs; the pattern no longer matches how they name files", seen)
	}
}

// TestIntroducedMeansStored: update_introduced says whether a stored
// configuration has the update introduced: one stored at a --max-depth
// bound counts; the step to one a --max-states cut left out counts among
// the transitions but does not introduce it, and the text says so without
// claiming no step did (found by a tester: "the search stopped before any
// step introduced it", with the introduction among the 3 transitions).
func TestIntroducedMeansStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.dsu")
	src := "thread A { fun f() = () main f() }\nthread B { fun g() = () main g() }\nupdate u { thread A { fun f() = 1 } thread B { fun g() = 2 } }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"check", "--progress", "off", "--store", "memory", "--strategy", "max+1"}
	_, out, _ := runCmd(append(args, "--json", "--max-depth", "1", path)...)
	if !strings.Contains(out, `"update_introduced":true`) {
		t.Errorf("--max-depth 1: %s", out)
	}
	_, out, _ = runCmd(append(args, "--json", "--max-states", "1", path)...)
	if !strings.Contains(out, `"update_introduced":false`) || !strings.Contains(out, `"transitions":3,`) {
		t.Errorf("--max-states 1: %s", out)
	}
	_, out, _ = runCmd(append(args, "--max-states", "1", path)...)
	if !strings.Contains(out, "(the search stopped before it stored a configuration with the update introduced)") {
		t.Errorf("--max-states 1:\n%s", out)
	}
}

// TestVersionFaultRunAtLeast: fidelity (a)'s "code of one protocol version
// acts in a run under another" names the run as far as the search knows
// it: exactly for a role still on the old protocol, "or later" for one that
// moved to the new one for good, whose runs the canonical form caps
// (found by a tester: "run 2" said of a role in its fourth run, where
// step said "run 2 or later").
func TestVersionFaultRunAtLeast(t *testing.T) {
	path := writeTemp(t, "late.dsu", `protocol P = mu t. a -> b: <int>. t
protocol Q = mu t. a -> b: <bool>. t
service s: P
thread A {
  fun f(c) = ()
  main let c = request(s, {a, b}, a) in f(c); send(c, b, 5)
}
thread B {
  main let d = accept(s, b) in ()
}
update U {
  service s: Q
  thread A { fun f(c) = send(c, b, true); send(c, b, true); send(c, b, true) }
}
`)
	_, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "uncoordinated", "--skip", "linearity", path)
	if !strings.Contains(out, "expected: s#1.a to act in run 2 or later under Q, the protocol of its current run") {
		t.Errorf("migrated for good:\n%s%s", out, errs)
	}
	_, out, errs = runCmd("check", "--progress", "off", "--store", "memory", "--continue", "--strategy", "uncoordinated", "../../models/midrun-update-point.dsu")
	if !strings.Contains(out, "to act in run 1 under P1, the protocol of its current run") || strings.Contains(out, "or later under") {
		t.Errorf("on the old protocol:\n%s%s", out, errs)
	}
	// A service with one run in each version: the run is known (testers:
	// "run 1 or later" of a protocol with one run).
	_, out, errs = runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--update-at", "step:0",
		"../../statespace/testdata/regress/start-without-new-role.dsu")
	if !strings.Contains(out, "s#1.b (held by B): Q, run 1, next: receive <int> from c") || strings.Contains(out, "or later") {
		t.Errorf("one run a version:\n%s%s", out, errs)
	}
}

// TestTraceOfAThousandSteps: a trace of 1,000 steps or more keeps its
// columns: the step numbers are as wide as the largest (found by a tester:
// from step 1000 on, every column moved one to the right), in the text and
// in the chart, whose lasso mark stays before the cycle's first step.
func TestTraceOfAThousandSteps(t *testing.T) {
	path := writeTemp(t, "spin.dsu", "thread A {\n  fun f(x) = f(x)\n  main update; f(0)\n}\nupdate U {\n  thread A { fun f(x) = () }\n}\n")
	for _, format := range []string{"text", "msc"} {
		_, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--strategy", "max+1", "--update-at", "step:1000", "--trace", format, path)
		col := -1
		steps := 0
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) < 2 || (f[1] != "A" && f[1] != "*" && f[1] != "-" && f[1] != "=") {
				continue
			}
			if _, err := strconv.Atoi(f[0]); err != nil {
				continue
			}
			steps++
			at := strings.Index(line, f[0]) + len(f[0])
			if col < 0 {
				col = at
			} else if at != col {
				t.Errorf("%s: step %s ends at column %d, step 1 at %d", format, f[0], at, col)
				break
			}
		}
		if steps < 1000 || !strings.Contains(out, "---- cycle starts here") {
			t.Errorf("%s: %d steps:\n%.2000s%s", format, steps, out, errs)
		}
	}
}

// TestUpdateNamedTwice: an update named twice, in one list or over two
// flags, is checked once, as a strategy named twice runs once (the README
// says so; a tester found it unsaid).
func TestUpdateNamedTwice(t *testing.T) {
	for _, args := range [][]string{{"--update", "toB,toB"}, {"--update", "toB", "--update", " toB"}} {
		_, out, errs := runCmd(append(append([]string{"check", "--progress", "off", "--store", "memory", "--strategy", "max+1"}, args...), "../../models/mathserver.dsu")...)
		if n := strings.Count(out, "\nmax+1: "); n != 1 {
			t.Errorf("%v: %d runs, want 1:\n%s%s", args, n, out, errs)
		}
	}
}

// TestCoverageNoImpossibleUpdatePlace: an `update` that can never be an
// update point is not listed as never performed (found by a tester): one
// in the update's new code, run only by threads that have applied, and
// any in a model with no update; one of the old code that no run passes
// still is.
func TestCoverageNoImpossibleUpdatePlace(t *testing.T) {
	path := writeTemp(t, "newupdate.dsu", `protocol P = mu t. a -> b: <int>. t
service s: P
thread A {
  fun loop(c) = send(c, b, 1); update; loop(c)
  fun never(c) = update; loop(c)
  main let c = request(s, {a, b}, a) in loop(c)
}
thread B {
  fun g(c) = receive(c, a); g(c)
  main let c = accept(s, b) in g(c)
}
update U {
  thread A { fun loop(c) = send(c, b, 2); update; loop(c) }
}
`)
	_, out, errs := runCmd("check", "--progress", "off", "--store", "memory", "--coverage", "--strategy", "max+1", path)
	if strings.Contains(out, ":13:") || !strings.Contains(out, "never performed: update, "+path+":5:18") {
		t.Errorf("with the update:\n%s%s", out, errs)
	}
	noUpd := writeTemp(t, "noupdate.dsu", "thread A { main update; 1 }\n")
	_, out, errs = runCmd("check", "--progress", "off", "--store", "memory", "--coverage", noUpd)
	if strings.Contains(out, "never performed") || !strings.Contains(out, "every communication, choose, session and update place was performed") {
		t.Errorf("without an update:\n%s%s", out, errs)
	}
}

// TestFinalConfigurationInCreationOrder: the final configuration lists
// the sessions' endpoints in the order of their creation, as the queue
// (found by a tester: t#1, created first, came after s#2).
func TestFinalConfigurationInCreationOrder(t *testing.T) {
	path := writeTemp(t, "order.dsu", `protocol P = a -> b: <int>. end
service s: P
service t: P
thread A { main let d = request(t, {a, b}, a) in let c = request(s, {a, b}, a) in send(d, b, 4); send(c, b, 3) }
thread B { main let d = accept(t, b) in let c = accept(s, b) in () }
`)
	_, out, errs := runCmd("check", "--progress", "off", "--store", "memory", path)
	final := out[strings.Index(out, "final configuration:"):]
	ti, si := strings.Index(final, "t#1.a (held"), strings.Index(final, "s#2.a (held")
	if ti < 0 || si < 0 || ti > si || !strings.Contains(final, "queue: [t#1 a->b: 4; s#2 a->b: 3]") {
		t.Errorf("not in creation order:\n%s%s", out, errs)
	}
}
