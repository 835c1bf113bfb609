package model

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/model/syntax"
)

// TestErrorFiles loads every testdata/errors/*.dsu file and checks that the
// errors reported are exactly the ones marked in the file. The markers are
// model/syntax's (one format for every error file): a comment `// ERROR
// "regexp"` or `# ERROR "regexp"` (several may follow one another),
// optionally `ERROR col:N "regexp"` to pin the column, or `ERROR line:N
// "regexp"` to name another line. The regexp is taken literally between the
// quotes. Every marker must be matched by an error on its line (and
// column), and no error may go unmatched.
func TestErrorFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.dsu")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			markers := errorMarkers(t, src)
			if len(markers) == 0 {
				t.Fatalf("%s has no ERROR markers", file)
			}
			_, err = Load(file, src)
			if err == nil {
				t.Fatalf("Load succeeded, want errors")
			}
			list, ok := err.(syntax.ErrorList)
			if !ok {
				t.Fatalf("Load returned %T, want syntax.ErrorList: %v", err, err)
			}
			for _, e := range list {
				if e.File != file {
					t.Errorf("error names file %q, want %q: %v", e.File, file, e)
				}
				if !strings.HasPrefix(e.Error(), file+":") {
					t.Errorf("error does not start with file:line:col: %v", e)
				}
				matched := false
				for _, m := range markers {
					if m.matches(e) {
						m.matched, matched = true, true
					}
				}
				if !matched {
					t.Errorf("unexpected error: %v", e)
				}
			}
			for _, m := range markers {
				if !m.matched {
					t.Errorf("%s:%d: no error matching %q", file, m.line, m.rx)
				}
			}
		})
	}
}

var markerRx = regexp.MustCompile(`ERROR(?: line:(\d+))?(?: col:(\d+))? "([^"]*)"`)

type marker struct {
	line, col int // col 0: any column
	rx        *regexp.Regexp
	matched   bool
}

func (m *marker) matches(e *syntax.Error) bool {
	return int(e.Pos.Line) == m.line && (m.col == 0 || int(e.Pos.Col) == m.col) && m.rx.MatchString(e.Msg)
}

func errorMarkers(t *testing.T, src []byte) []*marker {
	var ms []*marker
	for i, text := range strings.Split(string(src), "\n") {
		for _, m := range markerRx.FindAllStringSubmatch(text, -1) {
			mk := &marker{line: i + 1}
			if m[1] != "" {
				mk.line, _ = strconv.Atoi(m[1])
			}
			if m[2] != "" {
				mk.col, _ = strconv.Atoi(m[2])
			}
			rx, err := regexp.Compile(m[3])
			if err != nil {
				t.Fatalf("line %d: bad regexp %q: %v", i+1, m[3], err)
			}
			mk.rx = rx
			ms = append(ms, mk)
		}
	}
	return ms
}

// TestWarnings: a case branch for a label no protocol offers is dead code, a
// warning, not an error (docs/language.md §4); selecting such a label stays
// an error. A label of another version's protocol is neither.
func TestWarnings(t *testing.T) {
	src := `protocol Q  = mu t. a -> b: { busy: t, go: a -> b: <int>. t }
protocol Q2 = mu t. a -> b: { go: a -> b: <int>. t }
service s: Q
thread A { fun f(x) = select(x, b, go); send(x, b, 1); f(x)  main f(request(s, {a, b}, a)) }
thread B { fun g(y) = case(y, a, { busy: g(y), go: receive(y, a); g(y) })  main g(accept(s, b)) }
update u {
  service s: Q2
  thread B { fun g(y) = case(y, a, { busy: g(y), go: receive(y, a); g(y), gone: () }) }
}
`
	got := warningsOf(t, "w.dsu", src)
	// busy is Q's: the new g may receive it while B's endpoint is still on
	// Q (until its run ends), so it is not dead code.
	want := []string{
		"w.dsu:8:75: case branch gone is dead code: gone is not a label of any choice in protocol Q2, which thread B talks on after update u, nor in Q (its services' protocols in the model's other versions)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A select of busy in the new code passes the load: A's endpoint may
	// still be under Q (until its run ends), which offers it. One of a
	// label no version offers is an error.
	other := strings.Replace(src, "thread B { fun g(y) = case(y, a, { busy: g(y), go: receive(y, a); g(y), gone: () }) }",
		"thread B { fun g(y) = case(y, a, { busy: g(y), go: receive(y, a); g(y) }) }\n  thread A { fun f(x) = select(x, b, busy); f(x) }", 1)
	if _, err := Load("w.dsu", []byte(other)); err != nil {
		t.Errorf("select of a label another version's protocol offers: %v", err)
	}
	bad := strings.Replace(other, "select(x, b, busy); f(x) }", "select(x, b, bsy); f(x) }", 1)
	wantErr := "w.dsu:9:38: label bsy is not a label of any choice in protocol Q2, which thread A talks on after update u, nor in Q (its services' protocols in the model's other versions) (did you mean busy?)"
	if _, err := Load("w.dsu", []byte(bad)); err == nil || !strings.Contains(err.Error(), wantErr) {
		t.Errorf("select of a label no version offers: err = %v, want %s", err, wantErr)
	}
}

// TestWarningsCaseMissingBranch: a case without a branch for a label the
// choice it receives offers is warned of (found by a tester: it was found
// only as a runtime error, deep in the search); a case that covers a
// choice whole is not, even when another choice of the sender has more
// labels.
func TestWarningsCaseMissingBranch(t *testing.T) {
	src := `protocol P = mu t. a -> b: { ok: a -> b: { more: t, done: t }, retry: a -> b: { more: t, done: t, wait: t } }
service s: P
thread A { fun f(x) = select(x, b, ok); select(x, b, done); f(x)  main f(request(s, {a, b}, a)) }
thread B {
  fun g(y) = case(y, a, { ok: h(y) })
  fun h(y) = case(y, a, { more: g(y), done: g(y) })
  main g(accept(s, b))
}
`
	got := warningsOf(t, "c.dsu", src)
	want := "c.dsu:5:14: case has no branch for retry, which a may choose there in protocol P: if it does, thread B stops with a runtime error"
	if len(got) != 1 || got[0] != want {
		t.Errorf("warnings %q, want only %q", got, want)
	}
	// Only choices made to a role the thread takes: B takes b, and a's
	// choice to c, {x, y}, is never B's (found by a tester: the warning
	// named y, and the search then stopped at w). And a case that may be
	// for two choices names what either lacks (a tester: only y was named,
	// and the search stopped at z).
	for src, want := range map[string]string{
		`protocol P = a -> c: { x: a -> b: { x: end, w: end }, y: a -> b: { x: end, w: end } }
service s: P
thread A { main let k = request(s, {a, b, c}, a) in select(k, c, x); select(k, b, w) }
thread B { main let k = accept(s, b) in case(k, a, { x: () }) }
thread C { main let k = accept(s, c) in case(k, a, { x: (), y: () }) }
`: "c.dsu:4:41: case has no branch for w, which a may choose there in protocol P: if it does, thread B stops with a runtime error",
		// A dead branch (z, a slip for y) leaves the case for the
		// choice its other branches are of, and the hint names y, not
		// x (a tester: no warning of y, and "did you mean x?").
		`protocol P = a -> b: {x: end, y: end}
service s: P
thread A { main let c = request(s, {a, b}, a) in select(c, b, y) }
thread B { main let c = accept(s, b) in case(c, a, {x: (), z: ()}) }
`: "c.dsu:4:41: case has no branch for y, which a may choose there in protocol P: if it does, thread B stops with a runtime error\n" +
			"c.dsu:4:60: case branch z is dead code: z is not a label of any choice in protocol P, which thread B talks on (did you mean y?)",
		`protocol P = mu t. a -> b: { x: a -> b: { x: t, z: t }, y: t }
service s: P
thread A { fun f(c) = select(c, b, x); select(c, b, z); f(c)  main f(request(s, {a, b}, a)) }
thread B { fun g(c) = case(c, a, { x: case(c, a, { x: g(c) }), y: g(c) })  main g(accept(s, b)) }
`: "c.dsu:4:39: case has no branch for y or z, any of which a may choose there in protocol P: if it does, thread B stops with a runtime error",
	} {
		got := warningsOf(t, "c.dsu", src)
		if strings.Join(got, "\n") != want {
			t.Errorf("warnings %q, want only %q", got, want)
		}
	}
}

// TestWarningsMigrated: a case branch in the old code for a label only the
// protocol the update moves the service to offers is not dead code: the
// thread takes part, its endpoint migrates, and its old code receives the
// label (found by a tester: B's branch z ran and divided by zero under
// max+1 after a warning that it was dead).
func TestWarningsMigrated(t *testing.T) {
	src := `protocol Old = mu t. a -> b: {x: t, y: t}
protocol New = mu t. a -> b: {x: t, y: t, z: t}
service s: Old
thread A { fun f(c) = select(c, b, x); f(c)   main f(request(s, {a, b}, a)) }
thread B { fun g(d) = case(d, a, {x: g(d), y: g(d), z: 1 / 0, w: g(d)})   main g(accept(s, b)) }
update u {
  service s: New
  thread A { fun f(c) = select(c, b, z); f(c) }
}
`
	got := warningsOf(t, "mig.dsu", src)
	want := "mig.dsu:5:63: case branch w is dead code: w is not a label of any choice in protocol Old, which thread B talks on, nor in New (its services' protocols in the model's other versions)"
	if strings.Join(got, "\n") != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// TestUpdatePointTrap: an `update` followed by communication in the same
// old body is warned about (the rest of the old body runs after applying);
// one at the end of a run is not.
func TestUpdatePointTrap(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>. t
protocol Q = mu t. a -> b: <bool>. t
service s: P
thread A { fun f(x) = update; send(x, b, 1); f(x)  main f(request(s, {a, b}, a)) }
thread B { fun g(y) = receive(y, a); update; g(y)  main g(accept(s, b)) }
update u { service s: Q  thread B { fun g(y) = receive(y, a); update; g(y) } }
`
	m, err := Load("trap.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0].Error(), "trap.dsu:4:23: update point followed by a send in the same body (function f of thread A, 4:31)") {
		t.Fatalf("warnings: %v", m.Warnings)
	}
	// An update that moves no service (code only, or to the protocol it
	// has) leaves the old body's run under its protocol: no trap (the
	// adversarial tester found the warning's "under the new protocol" there).
	for _, u := range []string{"update u { thread A { fun f(x) = send(x, b, 2); f(x) } }", "update u { service s: P }"} {
		m, err := Load("trap.dsu", []byte(strings.Replace(src, "update u { service s: Q  thread B { fun g(y) = receive(y, a); update; g(y) } }", u, 1)))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range m.Warnings {
			if !strings.Contains(w.Msg, "changes nothing") { // (TestWarnNoOpUpdate)
				t.Errorf("%s: warning %v", u, w)
			}
		}
	}
}

// TestUpdatePointTrapUnmovedService: the trap is warned of only where the
// action after the point may be on an endpoint of a moved service (found
// by a tester: a send on a service no update moves was said to run "old
// code under the new protocol"). Endpoints follow variables and
// arguments from their request or accept; one received may be any.
func TestUpdatePointTrapUnmovedService(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>. t
protocol P2 = mu t. a -> b: <bool>. t
protocol Q = mu t. a -> b: <int>. b -> a: <int>. t
service s1: P
service s2: Q
thread A {
  fun f(x, y) = send(x, b, 1); send(y, b, 2); let r = receive(y, b) in f(x, y)
  main f(request(s1, {a, b}, a), request(s2, {a, b}, a))
}
thread B { fun g(x) = receive(x, a); g(x)  main g(accept(s1, b)) }
thread C {
  fun h(y) = let v = receive(y, a) in update; send(y, a, v); h(y)
  fun k(z) = update; send(z, a, 1); k(z)
  main h(accept(s2, b)); k(receive(accept(s2, b), a))
}
update u { service s1: P2  thread A { fun f(x, y) = send(x, b, true); send(y, b, 2); let r = receive(y, b) in f(x, y) } }
`
	m, err := Load("unmoved.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range m.Warnings {
		if strings.Contains(w.Msg, "update point followed") {
			got = append(got, w.Error())
		}
	}
	// h's send is on s2's endpoint (not moved): no warning; k's is on an
	// endpoint received as a value: it may be of s1.
	if len(got) != 1 || !strings.HasPrefix(got[0], "unmoved.dsu:13:14: update point followed by a send in the same body (function k of thread C, 13:22)") {
		t.Errorf("trap warnings: %q", got)
	}
}

// TestWarnUnusedBinder: a `mu` whose variable its body never uses is
// warned about, at the mu (found by a tester: a forgotten trailing t made
// the loop one run, silently); one that is used, in a branch or after a
// binder directly around it, is not, and that binder is (a tester: mu t.
// mu s. ... t warned of nothing, though mu s binds nothing).
func TestWarnUnusedBinder(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>
protocol Q = mu t. a -> b: {x: t, y: end}
protocol R = mu t. mu s. a -> b: <int>. s
protocol S = a -> b: <int>. mu u. b -> a: <int>
protocol T = mu t. mu s. mu r. a -> b: <int>. t
protocol U = mu t. a -> b: <int>. mu s. mu r. t
service sp: P
service sq: Q
service sr: R
service ss: S
thread A { main () }
`
	got := warningsOf(t, "mu.dsu", src)
	want := []string{
		"mu.dsu:1:14: protocol P: mu t binds nothing (no t in its body), so the protocol does not loop there: write t where it should go round again, or leave mu t out",
		// Redundant beside a used name of the same place (a tester:
		// "does not loop there" beside project's "runs: loops").
		"mu.dsu:3:14: protocol R: mu t binds nothing (no t in its body): it names the same place as mu s, which the body uses, so leave mu t out",
		"mu.dsu:4:29: protocol S: mu u binds nothing (no u in its body), so the protocol does not loop there: write u where it should go round again, or leave mu u out",
		"mu.dsu:5:20: protocol T: mu s binds nothing (no s in its body): it names the same place as mu t, which the body uses, so leave mu s out",
		"mu.dsu:5:26: protocol T: mu r binds nothing (no r in its body): it names the same place as mu t, which the body uses, so leave mu r out",
		// Every binder of a loop no variable uses (a tester: only mu s).
		"mu.dsu:6:35: protocol U: mu s binds nothing (no s in its body), so the protocol does not loop there: write s where it should go round again, or leave mu s out",
		"mu.dsu:6:41: protocol U: mu r binds nothing (no r in its body), so the protocol does not loop there: write r where it should go round again, or leave mu r out",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestUnreachedUpdate: a thread whose only `update` is in a function its
// main never calls (directly or through calls) has no update point it can
// reach, since its calls are not update points either: warned about, at
// the `update`. One that main reaches through another function is not.
func TestUnreachedUpdate(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>. t
service s: P
thread A {
  fun f(x) = send(x, b, 1); f(x)
  fun dead(u) = update; ()
  main f(request(s, {a, b}, a))
}
thread B {
  fun g(y) = receive(y, a); h(); g(y)
  fun h() = update
  main g(accept(s, b))
}
update u { thread A { fun f(x) = send(x, b, 2); f(x) } }
`
	m, err := Load("dead.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0].Error(), "dead.dsu:5:17: thread A has `update` only in functions its main never calls (dead)") {
		t.Fatalf("warnings: %v", m.Warnings)
	}
}

// TestUpdatePointTrapNested: an `update` inside a conditional, a choice, a
// condition or an operand that may be followed by communication in the same
// body is warned about too (adversarial tester: only the `;`/`let` spine
// was followed). Each body below has one such point; B's points end their
// runs (nothing follows them in the body but a call), and C's `update` runs
// only in the branch that does not communicate afterwards.
func TestUpdatePointTrapNested(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>. t
protocol Q = mu t. a -> b: <bool>. t
service s: P
thread A {
  fun f1(x) = (if true then update else ()); send(x, b, 1); f1(x)
  fun f2(x) = send(x, b, (update; 2)); f2(x)
  fun f3(x) = if (update; true) then send(x, b, 1) else (); f3(x)
  fun f4(x) = send(x, b, choose((update; 2), 3)); f4(x)
  fun f5(x) = (true || (update; false)) && (send(x, b, 1); true)
  main f1(request(s, {a, b}, a))
}
thread B { fun g(y) = receive(y, a); (if true then update else ()); g(y)  main g(accept(s, b)) }
thread C { fun h(y) = if true then (update; h(y)) else (receive(y, a); h(y))  main h(accept(s, b)) }
update u {
  service s: Q
  thread B { fun g(y) = receive(y, a); g(y) }
  thread C { fun h(y) = receive(y, a); h(y) }
}
`
	got := warningsOf(t, "nested.dsu", src)
	want := []string{
		"nested.dsu:5:29: update point followed by a send in the same body (function f1 of thread A, 5:46)",
		"nested.dsu:6:27: update point followed by a send in the same body (function f2 of thread A, 6:15)",
		"nested.dsu:7:19: update point followed by a send in the same body (function f3 of thread A, 7:38)",
		"nested.dsu:8:34: update point followed by a send in the same body (function f4 of thread A, 8:15)",
		"nested.dsu:9:25: update point followed by a send in the same body (function f5 of thread A, 9:45)",
	}
	if len(got) != len(want) {
		t.Fatalf("warnings:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// TestWarningsSuggestOtherVersions: a dead case branch's did-you-mean
// looks at the labels of every version's protocol, as a select's error
// does (found by a tester: newlabl in the declared code got no hint of
// newlabel, which only the protocol after the update has).
func TestWarningsSuggestOtherVersions(t *testing.T) {
	src := `protocol P = mu t. a -> b: { ok: t, oldlabel: t }
protocol Q = mu t. a -> b: { ok: t, newlabel: t }
service s: P
thread A { fun f(x) = select(x, b, ok); f(x)  main f(request(s, {a, b}, a)) }
thread B { fun g(y) = case(y, a, { ok: g(y), newlabl: g(y), oldlabl: g(y) })  main g(accept(s, b)) }
update u { service s: Q  thread B { fun g(y) = case(y, a, { ok: g(y), newlabl: g(y), oldlabl: g(y) }) } }
`
	m, err := Load("w3.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	hints := 0
	for _, w := range m.Warnings {
		msg := w.Error()
		if strings.Contains(msg, "branch newlabl") && strings.Contains(msg, "(did you mean newlabel?)") ||
			strings.Contains(msg, "branch oldlabl") && strings.Contains(msg, "(did you mean oldlabel?)") {
			hints++
		}
	}
	if hints != 4 {
		t.Errorf("%d of 4 warnings suggest the other version's label:\n%v", hints, m.Warnings)
	}
}

// TestWarnAddedRoles: an update that moves a service to a protocol with a
// role the old one lacks is warned of (found by a tester: sessions started
// before have nobody in it, the sends to it filled the queue, and the
// check said ok, capacity reached). A protocol with no new role is not.
func TestWarnAddedRoles(t *testing.T) {
	src := `protocol P1 = mu t. a -> b: <int>. t
protocol P2 = mu t. a -> b: <int>. a -> c: <int>. t
service s: P1
thread A { fun f(x) = send(x, b, 1); f(x)  main f(request(s, {a, b}, a)) }
thread B { fun g(y) = let v = receive(y, a) in g(y)  main g(accept(s, b)) }
update U { service s: P2  thread A { fun f(x) = send(x, b, 1); send(x, c, 2); f(x) } }
`
	m, err := Load("v2.dsu", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := "v2.dsu:6:20: update U moves service s to P2, which has role c that P1 lacks: a session of s started under P1 has nobody in it, so what is sent there after migrating is never received"
	if len(m.Warnings) != 1 || m.Warnings[0].Error() != want {
		t.Errorf("warnings %v, want %q", m.Warnings, want)
	}
	same := strings.Replace(strings.Replace(src, "a -> c: <int>. t", "a -> b: <int>. t", 1), "send(x, c, 2)", "send(x, b, 2)", 1)
	if m, err := Load("v2.dsu", []byte(same)); err != nil || len(m.Warnings) != 0 {
		t.Errorf("no new role: warnings %v (%v)", m.Warnings, err)
	}
}

// TestUnchangedRoleWarning: an update that moves a service so that a role
// receives a value of another type, but gives a thread taking that role no
// new code, is warned about (found by a tester: the unchanged client read
// the new bool as the old unit, and the check said ok). A thread given new
// code, or a role whose received types stay, is not.
func TestUnchangedRoleWarning(t *testing.T) {
	src := `protocol P = mu t. a -> b: <int>. b -> a: <unit>. t
protocol Q = mu t. a -> b: <int>. b -> a: <bool>. t
service s: P
thread A { fun f(x) = send(x, b, 1); receive(x, b); f(x)  main f(request(s, {a, b}, a)) }
thread B { fun g(y) = receive(y, a); send(y, a, ()); g(y)  main g(accept(s, b)) }
update u { service s: Q  thread B { fun g(y) = let v = receive(y, a) in send(y, a, v > 0); g(y) } }
`
	m, err := Load("w.dsu", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	// (Which receive changes, and how, is said: a tester's handshake
	// receive of an unchanged <unit> was named, the check being syntactic.)
	want := "w.dsu:6:20: update u moves service s to Q, where role a receives <bool> from b where P has <unit>, but function f of thread A, which takes a and receives from b, keeps its code: if it receives there, it goes on with the value as before, and only an operation that fails on it (a runtime error) is caught, not a value merely misread"
	if len(m.Warnings) != 1 || m.Warnings[0].Error() != want {
		t.Fatalf("warnings: %v\nwant %s", m.Warnings, want)
	}
	withA := strings.Replace(src, "update u { service s: Q ", "update u { service s: Q  thread A { fun f(x) = send(x, b, 1); receive(x, b); f(x) }", 1)
	if m, err := Load("w.dsu", []byte(withA)); err != nil || len(m.Warnings) != 0 {
		t.Errorf("A given new code: %v, warnings %v", err, m.Warnings)
	}
	// B's received type stays: only what A receives changed, and A has
	// new code; B's sent type changed, which the search judges at A.
	if m, err := Load("w.dsu", []byte(strings.Replace(withA, "  thread B { fun g(y) = let v = receive(y, a) in send(y, a, v > 0); g(y) }", "", 1))); err != nil || len(m.Warnings) != 0 {
		t.Errorf("B without new code: %v, warnings %v", err, m.Warnings)
	}
	// A new body for another function does not hide the receiving one
	// (found by a later tester), nor does main, which is never replaced.
	other := strings.Replace(src, "thread A { fun f(x) = send(x, b, 1); receive(x, b); f(x)  main f(request(s, {a, b}, a)) }",
		"thread A { fun w() = ()  fun f(x) = send(x, b, 1); receive(x, b); w(); f(x)  main f(request(s, {a, b}, a)) }", 1)
	other = strings.Replace(other, "update u { service s: Q ", "update u { service s: Q  thread A { fun w() = 1 }", 1)
	if m, err := Load("w.dsu", []byte(other)); err != nil || len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0].Error(), "but function f of thread A") {
		t.Errorf("A with a new body for w only: %v, warnings %v", err, m.Warnings)
	}
	inMain := strings.Replace(src, "main f(request(s, {a, b}, a))", "main let x = request(s, {a, b}, a) in receive(x, b); f(x)", 1)
	inMain = strings.Replace(inMain, "update u { service s: Q ", "update u { service s: Q  thread A { fun f(x) = send(x, b, 1); receive(x, b); f(x) }", 1)
	if m, err := Load("w.dsu", []byte(inMain)); err != nil || len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0].Error(), "but main of thread A") {
		t.Errorf("A receiving in main: %v, warnings %v", err, m.Warnings)
	}
}

// TestWarnNoOpUpdate: an update that gives no new body and moves no service
// (it names none, or gives each the protocol it has) is warned of, since it
// changes nothing (found by a tester: only project said so); one that does
// either is not.
func TestWarnNoOpUpdate(t *testing.T) {
	src := `protocol P = a -> b: <int>. end
protocol Q = a -> b: <bool>. end
service s: P
thread A { fun f(c) = send(c, b, 1)  main f(request(s, {a, b}, a)) }
thread B { main let c = accept(s, b) in receive(c, a) }
update U { service s: P }
update W { }
update V { thread A { fun f(c) = send(c, b, 2) } }
update X { thread B { } }
`
	m, err := Load("noop.dsu", []byte(src))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := []string{
		"noop.dsu:6:8: update U changes nothing: it gives no thread a new body and gives each service it names a protocol the same as its own, so applying it changes no thread's behaviour",
		"noop.dsu:7:8: update W changes nothing: it gives no thread a new body and names no service, so applying it changes no thread's behaviour",
		// An empty thread block gives no body (found by a tester: it kept
		// the warning back).
		"noop.dsu:9:8: update X changes nothing: it gives no thread a new body and names no service, so applying it changes no thread's behaviour",
	}
	var got []string
	for _, w := range m.Warnings {
		got = append(got, w.Error())
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	moves := strings.Replace(src, "update U { service s: P }", "update U { service s: Q }", 1)
	m, err = Load("noop.dsu", []byte(moves))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Warnings {
		if strings.Contains(w.Msg, "changes nothing") && !strings.Contains(w.Msg, "update W ") && !strings.Contains(w.Msg, "update X ") {
			t.Errorf("an update that moves s: %v", w)
		}
	}
}

// warningsOf loads src as file name, which must load, and returns its
// warnings as printed.
func warningsOf(t *testing.T, name, src string) []string {
	t.Helper()
	m, err := Load(name, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range m.Warnings {
		got = append(got, w.Error())
	}
	return got
}

// TestUnknownMovedServiceNoFollowOn: an update that moves a service that
// does not exist is the one error; a label of the protocol it was to move
// to, in that update's code, is not reported as a second (found by a
// tester: "label busy is not a label of any choice in protocol KV").
func TestUnknownMovedServiceNoFollowOn(t *testing.T) {
	src := `protocol KV = mu t. c -> s: <int>. s -> c: {ok: t, err: t}
protocol KV2 = mu t. c -> s: <int>. s -> c: {ok: t, err: t, busy: t}
service kv: KV
thread C { fun loop(x) = send(x, s, 1); case(x, s, {ok: loop(x), err: loop(x), busy: loop(x)}) main loop(request(kv, {c, s}, c)) }
thread S { fun serve(y) = let v = receive(y, c) in select(y, c, ok); serve(y) main serve(accept(kv, s)) }
update v2 {
  service kvv: KV2
  thread S { fun serve(y) = let v = receive(y, c) in select(y, c, busy); serve(y) }
}
`
	_, err := Load("fo.dsu", []byte(src))
	if want := "fo.dsu:7:11: update v2: undefined service kvv (did you mean kv?)"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want only %s", err, want)
	}
}

// TestWarnUntakenRoles: a service some code requests, with a role of its
// protocol that no thread requests or accepts in any version of its code,
// is warned of: no session of it ever starts (found by a tester, who had
// left a participant's thread out). A role taken only in new code, or a
// service never requested, is not.
func TestWarnUntakenRoles(t *testing.T) {
	src := `protocol P = a -> b: <int>. a -> c: <int>. end
service s: P
thread A { main let x = request(s, {a, b, c}, a) in send(x, b, 1); send(x, c, 2) }
thread B { main let y = accept(s, b) in receive(y, a) }
`
	want := "u.dsu:2:9: no thread requests or accepts role c of service s, in any version of its code: a request waits for every role of P, so no session of s ever starts (its requester waits there for ever)"
	if got := warningsOf(t, "u.dsu", src); !slices.Equal(got, []string{want}) {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, src := range []string{
		// c taken by new code only
		src + "thread C { fun f() = () main f() }\nupdate u { thread C { fun f() = let z = accept(s, c) in receive(z, a) } }\n",
		// never requested
		strings.Replace(src, "main let x = request(s, {a, b, c}, a) in send(x, b, 1); send(x, c, 2)", "main 1", 1),
	} {
		for _, w := range warningsOf(t, "u.dsu", src) {
			if strings.Contains(w, "no thread requests or accepts") {
				t.Errorf("%s: %s", src, w)
			}
		}
	}
}
