package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func runProjectCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"project"}, args...), &out, &errb)
	for _, s := range []string{out.String(), errb.String()} {
		if strings.Contains(s, "panic") || strings.Contains(s, "goroutine") || strings.Contains(s, "internal error") {
			t.Errorf("output mentions a crash:\n%s", s)
		}
	}
	return code, out.String(), errb.String()
}

func TestProjectMathServer(t *testing.T) {
	code, out, errs := runProjectCmd(t, "../../models/mathserver.dsu")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	for _, want := range []string{
		"protocol MathA (../../models/mathserver.dsu:",
		"  roles:  p1, p2\n",
		"  runs:   loops; a run is one pass through mu t back to t\n",
		"  used:   service s\n",
		"  p1: mu t. p2!<int>. p2!<int>. p2?<int>. t\n",
		"  p2: mu t. p1?<int>. p1?<int>. p1!<int>. t\n",
		"protocol MathB (",
		"  used:   update toB moves service s to it\n",
		"  p1: mu t. p2!<int>. p2!<int>. p2 & {error: t, result: p2?<int>. t}\n",
		"  p2: mu t. p1?<int>. p1?<int>. p1 + {error: t, result: p1!<int>. t}\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "protocol MathA") > strings.Index(out, "protocol MathB") {
		t.Errorf("protocols out of declaration order:\n%s", out)
	}
}

// TestProjectRunsNested: every loop at the top of a protocol that its
// roles go back to ends a run (found by a tester: only the outermost was
// named, though going back to the inner ends a run too, as --states
// shows). Loops directly nested are one place, and the text writes them
// as one binder, so the runs: line names that one (found by a later
// tester: mu s. mu t. ... read back as one loop and printed otherwise).
func TestProjectRunsNested(t *testing.T) {
	path := writeTemp(t, "nested.dsu", "protocol N = mu s. (mu t. a -> b: {x: t, y: end}). b -> a: {p: s, q: end}\n")
	code, out, errs := runProjectCmd(t, "--states", path)
	for _, want := range []string{
		"  global: mu s. a -> b: {x: s, y: b -> a: {p: s, q: end}}\n",
		"  runs:   loops; a run is one pass through mu s back to s\n",
		"      0: b + {x -> 0 (ends run), y -> 1}\n",
		"      1: b & {p -> 0 (ends run), q -> 2 (ends run)}\n",
	} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("exit %d, output lacks %q:\n%s%s", code, want, out, errs)
		}
	}
}

func TestProjectFlags(t *testing.T) {
	code, out, _ := runProjectCmd(t, "--protocol", "MathB", "--states", "../../models/mathserver.dsu")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out, "MathA") {
		t.Errorf("--protocol MathB printed MathA:\n%s", out)
	}
	for _, want := range []string{
		"2: p2 & {error -> 0 (ends run), result -> 3}",
		"3: p2?<int> -> 0 (ends run)",
		"2: p1 + {error -> 0 (ends run), result -> 3}",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--states output lacks %q:\n%s", want, out)
		}
	}

	code, out, errs := runProjectCmd(t, "--help")
	if code != exitOK || !strings.Contains(out, "usage: mcheck project") || !strings.Contains(out, "p & {a: T1, b: T2}") || errs != "" {
		t.Errorf("--help: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}

	code, _, errs = runProjectCmd(t, "--protocol", "MathC", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "no such protocol") {
		t.Errorf("--protocol MathC: exit %d, %s", code, errs)
	}
	// Names are trimmed, as in the other lists (found by a tester).
	code, out, errs = runProjectCmd(t, "--protocol", "MathA, MathB", "../../models/mathserver.dsu")
	if code != exitOK || !strings.Contains(out, "protocol MathA") || !strings.Contains(out, "protocol MathB") {
		t.Errorf("--protocol 'MathA, MathB': exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = runProjectCmd(t, "--protocol", "MathA, ", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "an empty protocol name") {
		t.Errorf("--protocol 'MathA, ': exit %d, %s", code, errs)
	}
	// (found by a tester: an empty name printed every protocol)
	code, _, errs = runProjectCmd(t, "--protocol", "", "../../models/mathserver.dsu")
	if code != exitUsage || !strings.Contains(errs, "an empty protocol name") {
		t.Errorf("--protocol '': exit %d, %s", code, errs)
	}
}

var (
	posRx   = regexp.MustCompile(`^\S+\.dsu:\d+:\d+: \S`)
	countRx = regexp.MustCompile(`^\d+ errors$`)
)

func TestProjectBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, src string
		want      []string // each must appear in stderr
	}{
		{"syntax.dsu", "protocol P = p -> : <int>\nthread T { main () }\n", []string{"syntax.dsu:1:"}},
		{"unproj.dsu", "protocol P = p -> q: { a: q -> r: <int>, b: end }\nthread T { main () }\n",
			[]string{"unproj.dsu:1:14: protocol P cannot be projected onto role r"}},
		{"several.dsu", "protocol P = mu t. p -> p: <int>. s\nservice x: Q\n",
			[]string{"several.dsu:1:25: role p sends to itself",
				"several.dsu:1:35: undefined recursion variable s", "several.dsu:2:12: service x: undefined protocol Q", "3 errors"}},
		{"empty.dsu", "", []string{"empty.dsu:1:1: the model declares no threads and no protocols"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runProjectCmd(t, write(tc.name, tc.src))
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if out != "" {
				t.Errorf("stdout not empty:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
				if !posRx.MatchString(line) && !countRx.MatchString(line) {
					t.Errorf("error line without file:line:col: %q", line)
				}
			}
		})
	}

	// Usage errors.
	if code, _, errs := runProjectCmd(t); code != exitUsage || !strings.Contains(errs, "expected one model file") {
		t.Errorf("no args: exit %d, %s", code, errs)
	}
	if code, _, errs := runProjectCmd(t, filepath.Join(dir, "missing.dsu")); code != exitUsage || !strings.Contains(errs, "cannot read model") {
		t.Errorf("missing file: exit %d, %s", code, errs)
	}
	if code, _, errs := runProjectCmd(t, "--bogus", "x.dsu"); code != exitUsage || !strings.Contains(errs, "bogus") {
		t.Errorf("bad flag: exit %d, %s", code, errs)
	}
}

// TestProjectInnerLoop: a protocol with no loop at top level but an inner
// one has a single run that never ends; project says so.
func TestProjectInnerLoop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inner.dsu")
	src := "protocol P = a -> b: <int>. mu t. b -> a: <int>. t\nservice s: P\n" +
		"thread A { fun f(x) = receive(x, b); f(x)  main let x = request(s, {a, b}, a) in send(x, b, 1); f(x) }\n" +
		"thread B { fun g(y) = send(y, a, 1); g(y)  main let y = accept(s, b) in receive(y, a); g(y) }\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd("project", path)
	if code != exitOK || !strings.Contains(out, "one run, which never ends") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errs)
	}
}

// TestProjectSameProtocol: an update that gives a service a protocol with
// the same local types does not move it (docs/language.md §4), and project
// says so; found by the adversarial tester (it said "moves").
func TestProjectSameProtocol(t *testing.T) {
	src := `protocol A  = mu t. a -> b: <int>. t
protocol A2 = mu t. a -> b: <int>. t
service s: A
thread TA { fun f(x) = send(x, b, 1); f(x)  main f(request(s, {a, b}, a)) }
thread TB { fun g(y) = receive(y, a); g(y)  main g(accept(s, b)) }
update same { service s: A2 }
`
	path := filepath.Join(t.TempDir(), "same.dsu")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runProjectCmd(t, path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "  used:   update same gives it to service s, whose protocol A is the same, so it does not move it\n"; !strings.Contains(out, want) || strings.Contains(out, "moves service") {
		t.Errorf("output lacks %q or says it moves:\n%s", want, out)
	}
}

// TestProjectProtocolsOnly: a file of protocols alone projects (found by a
// tester: it was refused, "declares no threads"); check still refuses it.
func TestProjectProtocolsOnly(t *testing.T) {
	f := writeTemp(t, "p.dsu", "protocol P = a -> b: <int>. b -> a: { ok: end, no: end }\n")
	code, out, errs := runCmd("project", f)
	if code != exitOK || !strings.Contains(out, "a: b!<int>. b & {no: end, ok: end}") {
		t.Errorf("project: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCmd("check", f); code != exitUsage || !strings.Contains(errs, "declares no threads") {
		t.Errorf("check: exit %d, %q", code, errs)
	}
}

// TestProjectNoProtocols: a model of threads alone checks, and project says
// there is nothing to project (found by a tester: it printed nothing).
func TestProjectNoProtocols(t *testing.T) {
	path := writeTemp(t, "threads.dsu", "thread T { main 1 }\n")
	code, out, errs := runCmd("project", path)
	if code != exitOK || !strings.Contains(out, "declares no protocols: nothing to project") || errs != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
