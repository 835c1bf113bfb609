package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

// node is an element of a page parsed as XML (the page is written so that
// it is well-formed XML as well as HTML, except for the insides of script
// and style, which parsePage leaves out).
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     strings.Builder // all the text inside, children's included
}

func (n *node) attr(k string) string { return n.attrs[k] }

func (n *node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.attrs["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// all lists the elements under n (n included) that satisfy ok, in order.
func (n *node) all(ok func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(m *node) {
		if ok(m) {
			out = append(out, m)
		}
		for _, c := range m.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byClass(name, class string) func(*node) bool {
	return func(n *node) bool { return n.name == name && n.hasClass(class) }
}

var scriptOrStyle = regexp.MustCompile(`(?s)(<script>|<style>).*?(</script>|</style>)`)

// parsePage checks that page is well-formed (every element closed, every
// attribute quoted, nothing unescaped) and returns its root.
func parsePage(t *testing.T, page string) *node {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") {
		t.Fatalf("the page does not start with <!DOCTYPE html>: %.60q", page)
	}
	d := xml.NewDecoder(strings.NewReader(scriptOrStyle.ReplaceAllString(page, "$1$2")))
	d.Strict, d.Entity = true, xml.HTMLEntity
	root := &node{name: "#document"}
	stack := []*node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the page is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			for _, n := range stack {
				n.text.Write(tok)
			}
		}
	}
	if len(stack) != 1 {
		t.Fatalf("the page leaves %d elements open", len(stack)-1)
	}
	return root
}

// checkHTML runs mcheck check --html on a model and returns the exit
// status, stdout, and the page parsed.
func checkHTML(t *testing.T, model string, args ...string) (int, string, string, *node) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "cx.html")
	all := append([]string{"check", "--store", "memory", "--progress", "off", "--html", file}, args...)
	code, out, errs := runCmd(append(all, model)...)
	noPanic(t, out, errs)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("exit %d, no page: %v\n%s", code, err, errs)
	}
	return code, out, string(b), parsePage(t, string(b))
}

// section is the page's counterexample number i.
func section(t *testing.T, root *node, i int) *node {
	t.Helper()
	for _, s := range root.all(byClass("section", "run")) {
		if s.attr("id") == "run-"+strconv.Itoa(i) {
			return s
		}
	}
	t.Fatalf("the page has no counterexample %d", i)
	return nil
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

// arrowsWanted is what the chart must draw of a trace: one arrow per
// receiver of each send or select, from its step to the step of the
// receive that takes it ("pending" when none does), channels being FIFO.
func arrowsWanted(trace []statespace.TraceStep) []string {
	type msg struct{ from, channel string }
	var msgs []msg
	holders := map[string]map[string]string{}
	to := map[int]string{}
	for _, s := range trace {
		session, role := splitEndpoint(s.Endpoint)
		switch s.Kind {
		case "start":
			holders[s.Endpoint] = s.Holders
		case "send", "select":
			for _, p := range s.Peers {
				msgs = append(msgs, msg{strconv.Itoa(s.Step), session + " " + role + "->" + p})
			}
		case "receive", "case":
			for i, m := range msgs {
				if _, done := to[i]; !done && m.channel == session+" "+s.Peers[0]+"->"+role {
					to[i] = strconv.Itoa(s.Step)
					break
				}
			}
		}
	}
	var out []string
	for i, m := range msgs {
		end, ok := to[i]
		if !ok {
			end = "pending"
		}
		out = append(out, m.from+"->"+end)
	}
	return out
}

// arrowsDrawn lists a section's arrows as "from->to".
func arrowsDrawn(sec *node) []string {
	var out []string
	for _, g := range sec.all(byClass("g", "msg")) {
		to := g.attr("data-to")
		if g.hasClass("pending") {
			to = "pending"
		}
		out = append(out, g.attr("data-from")+"->"+to)
	}
	return out
}

func TestHTMLPage(t *testing.T) {
	code, out, page, root := checkHTML(t, "../../models/mathserver.dsu", "--json")
	if code != exitViolation {
		t.Fatalf("exit %d, want 1", code)
	}
	// --json is unchanged by --html: one JSON object a run on stdout.
	var runs []jsonRun
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r jsonRun
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("stdout is not JSON lines with --html: %v\n%s", err, out)
		}
		runs = append(runs, r)
	}
	if len(runs) != 3 || runs[0].Verdict != "violation" {
		t.Fatalf("want 3 runs, the first violated:\n%s", out)
	}
	trace := runs[0].Trace
	if got := root.all(byClass("section", "run")); len(got) != 1 {
		t.Fatalf("%d counterexamples on the page, want 1", len(got))
	}
	sec := section(t, root, 1)
	n := len(trace)
	if sec.attr("data-steps") != strconv.Itoa(n) || sec.attr("data-violating") != strconv.Itoa(n) || sec.attr("data-violation-at") != "step" {
		t.Errorf("section attributes %v, want %d steps, step %d the violation", sec.attrs, n, n)
	}
	// One row per step and one for the initial configuration; the last
	// step is the violating one, and only it.
	rows := sec.all(byClass("g", "row"))
	if len(rows) != n+1 {
		t.Fatalf("%d chart rows, want %d", len(rows), n+1)
	}
	for i, r := range rows {
		if r.attr("data-step") != strconv.Itoa(i) {
			t.Errorf("row %d has data-step %q", i, r.attr("data-step"))
		}
		if r.hasClass("violating") != (i == n) {
			t.Errorf("row %d: violating %v, want %v", i, r.hasClass("violating"), i == n)
		}
	}
	if !strings.Contains(rows[n].text.String(), trace[n-1].What) {
		t.Errorf("the violating row's title %q lacks the step %q", rows[n].text.String(), trace[n-1].What)
	}
	// One arrow per message, from its send to its receive.
	want, got := arrowsWanted(trace), arrowsDrawn(sec)
	if strings.Join(got, " ") != strings.Join(want, " ") || len(got) != 1 {
		t.Errorf("arrows %v, want %v (one message, sent at 4, received at 7)", got, want)
	}
	// A lifeline per thread, with the thread's name.
	var lanes []string
	for _, l := range sec.all(byClass("g", "lane")) {
		lanes = append(lanes, strings.TrimSpace(l.text.String()))
	}
	if strings.Join(lanes, " ") != "P1P1 P2P2" { // the label, then its title
		t.Errorf("lanes %q, want P1 and P2", lanes)
	}
	// P2 applies the update at step 6: a diamond there, and its lifeline
	// turns thick (new code) from that row on.
	if len(sec.all(byClass("polygon", "m-apply"))) != 1 || len(sec.all(byClass("line", "new"))) != 1 {
		t.Errorf("want one apply mark and one new-code lifeline segment")
	}
	// A detail block per step; only the violating one shown at first.
	details := sec.all(byClass("div", "detail"))
	if len(details) != n+1 {
		t.Fatalf("%d detail blocks, want %d", len(details), n+1)
	}
	for i, d := range details {
		shown := d.attr("hidden") == ""
		if shown != (i == n) || d.hasClass("violating") != (i == n) {
			t.Errorf("detail %d: shown %v, violating %v", i, shown, d.hasClass("violating"))
		}
	}
	last := details[n].text.String()
	for _, want := range []string{"receive(y, p1)", "This step violates fidelity", "s#1.p2", "MathB", "applied", "queue", "introduced"} {
		if !strings.Contains(strings.ToLower(last), strings.ToLower(want)) {
			t.Errorf("the violating step's detail lacks %q:\n%s", want, last)
		}
	}
	// The source line of step 7 with the receive marked.
	marks := details[n].all(func(m *node) bool { return m.name == "mark" })
	if len(marks) != 1 || marks[0].text.String() != "receive" {
		t.Errorf("want the receive marked in its source line, got %d marks", len(marks))
	}
	// The configuration after step 4 holds the sent message in the queue.
	if q := details[4].text.String(); !strings.Contains(q, "s#1 p1->p2: -1") {
		t.Errorf("after step 4 the queue should hold the message:\n%s", q)
	}
	// Self-contained: nothing is fetched.
	for _, bad := range []string{"http://", "https://", "src=", "<link", "@import"} {
		if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
			t.Errorf("the page refers to something outside itself: %q", bad)
		}
	}
}

// TestHTMLMulticastAndPending: a multicast draws one arrow per receiver;
// messages still queued at the end run dashed to the bottom.
func TestHTMLMulticastAndPending(t *testing.T) {
	model := "../../statespace/testdata/regress/multicast-one-send.dsu"
	code, out, _, root := checkHTML(t, model, "--json")
	if code != exitViolation {
		t.Fatalf("exit %d, want 1", code)
	}
	var r jsonRun
	if err := json.Unmarshal([]byte(strings.Split(out, "\n")[0]), &r); err != nil {
		t.Fatal(err)
	}
	want, got := arrowsWanted(r.Trace), arrowsDrawn(section(t, root, 1))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("arrows %v, want %v", got, want)
	}
	// A sends 1 to b, then 0 to b and c; only c receives.
	if strings.Join(got, " ") != "2->pending 4->pending 4->5" {
		t.Errorf("arrows %v, want 2->pending 4->pending 4->5", got)
	}
}

// TestHTMLPendingToEndedLane: a message still queued at the end whose
// receiver has finished stops where the receiver's lifeline ends, not at
// the bottom of the chart; one sent after the receiver finished stays
// level with its send.
func TestHTMLPendingToEndedLane(t *testing.T) {
	snap := func(aEnded, bEnded bool) statespace.Snapshot {
		return statespace.Snapshot{Threads: []statespace.ThreadView{{Name: "a", Ended: aEnded}, {Name: "b", Ended: bEnded}}}
	}
	trace := []statespace.TraceStep{
		{Step: 1, Thread: "a", Kind: "start", Endpoint: "s#1", Holders: map[string]string{"p": "a", "q": "b"}, What: "start"},
		{Step: 2, Thread: "a", Kind: "send", Endpoint: "s#1.p", Peers: []string{"q"}, Value: "1", What: "send 1"},
		{Step: 3, Thread: "b", Kind: "end", What: "b ends"},
		{Step: 4, Thread: "a", Kind: "send", Endpoint: "s#1.p", Peers: []string{"q"}, Value: "2", What: "send 2"},
		{Step: 5, Thread: "a", Kind: "choose", What: "a goes on"},
	}
	snaps := []statespace.Snapshot{snap(false, false), snap(false, false), snap(false, false), snap(false, true), snap(false, true), snap(false, true)}
	ch := layoutMSC([]string{"a", "b"}, trace, snaps, true, &statespace.Violation{Property: "p", Rule: "r"})
	if len(ch.Msgs) != 2 {
		t.Fatalf("%d arrows, want 2", len(ch.Msgs))
	}
	endY := ch.Rows[3].Y
	for i, m := range ch.Msgs {
		if !m.Pending {
			t.Errorf("arrow %d is not pending", i)
		}
		if m.From < 3 && m.Y2 > endY {
			t.Errorf("arrow %d (sent at step %d) runs to y %d, past b's end at %d", i, m.From, m.Y2, endY)
		}
	}
	if m := ch.Msgs[1]; m.Y2 < m.Y1-1 || m.Y2 > m.Y1+1 {
		t.Errorf("the arrow sent after b ended runs from y %d to %d, want level", m.Y1, m.Y2)
	}
}

// TestHTMLChartDeterministic: the same trace gives the same chart, mark
// for mark (found by a tester: a session start's roles were drawn in the
// order of a map's iteration, so the page changed from run to run).
func TestHTMLChartDeterministic(t *testing.T) {
	holders := map[string]string{"p": "a", "q": "b", "r": "c", "s": "d", "t": "e"}
	trace := []statespace.TraceStep{{Step: 1, Thread: "a", Kind: "start", Endpoint: "s#1", Holders: holders, What: "start"}}
	snap := statespace.Snapshot{Threads: []statespace.ThreadView{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "e"}}}
	names := []string{"a", "b", "c", "d", "e"}
	first := layoutMSC(names, trace, []statespace.Snapshot{snap, snap}, true, &statespace.Violation{Property: "p", Rule: "r"})
	for range 20 {
		if again := layoutMSC(names, trace, []statespace.Snapshot{snap, snap}, true, &statespace.Violation{Property: "p", Rule: "r"}); !reflect.DeepEqual(again, first) {
			t.Fatalf("the chart changed from one layout to the next:\n%+v\n%+v", first.Rows, again.Rows)
		}
	}
}

// TestHTMLDeadlock: when no step is enabled after the last one, the
// configuration is the violation, with a row of its own.
func TestHTMLDeadlock(t *testing.T) {
	code, _, _, root := checkHTML(t, "../../models/sessions-per-request.dsu", "--strategy", "stop-the-world")
	if code != exitViolation {
		t.Fatalf("exit %d, want 1", code)
	}
	sec := section(t, root, 1)
	if sec.attr("data-violation-at") != "configuration" {
		t.Fatalf("data-violation-at %q, want configuration", sec.attr("data-violation-at"))
	}
	n := atoi(t, sec.attr("data-steps"))
	var violating []string
	for _, r := range sec.all(byClass("g", "row")) {
		if r.hasClass("violating") {
			violating = append(violating, r.attr("data-step"))
			if r.hasClass("terminal") && !strings.Contains(r.text.String(), "deadlock") {
				t.Errorf("the violation's row does not say deadlock: %q", r.text.String())
			}
		}
	}
	// Step n's row and the row of the configuration after it.
	if len(violating) != 2 || violating[0] != strconv.Itoa(n) || violating[1] != strconv.Itoa(n) {
		t.Errorf("violating rows %v, want step %d and its configuration", violating, n)
	}
	if len(sec.all(byClass("g", "terminal"))) != 2 { // the row's background and foreground
		t.Errorf("want a row for the deadlocked configuration")
	}
	if d := sec.all(byClass("div", "detail")); !strings.Contains(d[n].text.String(), "No step is enabled here") {
		t.Errorf("the last detail does not say no step is enabled:\n%s", d[n].text.String())
	}
	// Every thread of the deadlock, as the text's threads: line (found by
	// a tester: the page never showed them).
	if rep := sec.all(byClass("dl", "report")); len(rep) != 1 || !strings.Contains(rep[0].text.String(), "threadsClient, Server") {
		t.Errorf("the report does not name the deadlock's threads: %v", rep)
	}
}

func TestHTMLNoViolation(t *testing.T) {
	code, _, _, root := checkHTML(t, "../../models/code-only.dsu")
	if code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	if len(root.all(byClass("section", "run"))) != 0 || len(root.all(byClass("p", "none"))) != 1 {
		t.Errorf("a page without violations should say so and hold no counterexample")
	}
	if rows := root.all(func(n *node) bool { return n.name == "tr" }); len(rows) != 4 { // header and 3 strategies
		t.Errorf("summary has %d rows, want 4", len(rows))
	}
}

// TestHTMLEscapes: a model's path (and every name) is user input: the page
// must show it as text, never as markup.
func TestHTMLEscapes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), `a<b>&"c'</script>`)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a directory with markup in its name: %v", err)
	}
	src, err := os.ReadFile("../../models/mathserver.dsu")
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(dir, "m.dsu")
	if err := os.WriteFile(model, src, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, page, root := checkHTML(t, model)
	if strings.Contains(page, "<b>&") || strings.Contains(page, `c'</script>`) {
		t.Fatalf("the model path reached the page unescaped")
	}
	h1 := root.all(func(n *node) bool { return n.name == "h1" })
	if len(h1) != 1 || h1[0].text.String() != "mcheck: "+filepath.ToSlash(model) {
		t.Errorf("the heading does not show the path as text")
	}

	// Every field, rendered directly: hostile strings stay text.
	evil := `</text></svg><script>alert(1)</script><img src=x onerror=alert(2)>"'&`
	ch := layoutMSC([]string{evil}, []statespace.TraceStep{{Step: 1, Thread: evil, Kind: "choose", What: evil, Where: evil}},
		[]statespace.Snapshot{{Threads: []statespace.ThreadView{{Name: evil}}}, {Threads: []statespace.ThreadView{{Name: evil}}}},
		true, &statespace.Violation{Property: evil, Rule: evil})
	p := &htmlPage{Model: evil, UpdateAt: evil, Version: evil,
		Runs: []htmlRunRow{{Update: evil, Strategy: evil, Verdict: evil, Property: evil, Search: evil, Index: 1}},
		Violations: []*htmlViolation{{Index: 1, Update: evil, Strategy: evil, Property: evil, Rule: evil, Thread: evil, Action: evil,
			Expected: evil, Found: evil, Steps: 1, AtStep: true, Chart: ch, Details: []htmlStep{
				{Step: 0, What: evil},
				{Step: 1, Thread: evil, What: evil, Where: evil, Violating: true, Source: &htmlSourceLine{Line: 1, Before: evil, At: evil, After: evil},
					Threads: []htmlThreadRow{{Name: evil, Status: evil}}, Endpoints: []htmlEndRow{{EndpointView: statespace.EndpointView{Name: evil, Holder: evil, Protocol: evil, Next: evil}}},
					Queue: []htmlQueueRow{{Text: evil, Changed: true}}, Update: evil},
			}}}}
	var b bytes.Buffer
	if err := renderHTML(&b, p); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "<script>alert") || strings.Contains(out, "<img") {
		t.Fatalf("a hostile name reached the page as markup")
	}
	root = parsePage(t, out)
	if n := len(root.all(func(n *node) bool { return n.name == "script" })); n != 1 {
		t.Errorf("%d script elements, want the page's own only", n)
	}
	if !strings.Contains(root.text.String(), evil) {
		t.Errorf("the hostile string does not read back as text")
	}
}

func TestHTMLFlags(t *testing.T) {
	dir := t.TempDir()
	// A link into a missing directory, a loop of links and a name too
	// long: refused before the search too (found by a tester: the first
	// and last failed after it, exit 3, the loop was replaced by the page).
	dangling, loop := filepath.Join(dir, "dangling.html"), filepath.Join(dir, "loop.html")
	if err := os.Symlink(filepath.Join(dir, "missing", "page.html"), dangling); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop.html", loop); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--trace", "html"}, "use --html FILE"},
		{[]string{"--html", filepath.Join(dir, "missing", "x.html")}, "directory"},
		{[]string{"--html", dir}, "is a directory"},
		// A directory that takes no new file, tried before the search too
		// (found by a tester: it failed once the search was done).
		{[]string{"--html", "/proc/mcheck.html"}, "cannot create a file in /proc"},
		{[]string{"--html", dangling}, "dangling.html: directory " + filepath.Join(dir, "missing")},
		{[]string{"--html", loop}, "loop.html: too many levels of symbolic links"},
		{[]string{"--html", filepath.Join(dir, strings.Repeat("x", 300)+".html")}, "file name too long"},
	} {
		if _, err := os.Stat("/proc/self"); err != nil && strings.HasPrefix(c.args[len(c.args)-1], "/proc") {
			continue // no /proc here
		}
		code, out, errs := runCmd(append(append([]string{"check"}, c.args...), "../../models/mathserver.dsu")...)
		if code != exitUsage || !strings.Contains(errs, c.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q before any search", c.args, code, errs, c.want)
		}
	}
	if li, err := os.Lstat(loop); err != nil || li.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the loop of links was replaced: %v", err)
	}
}

func TestSourceLineOf(t *testing.T) {
	lines := []string{"thread P {", "  fun f(x) = send(x, p2, 1); f(x)", "}"}
	s := sourceLineOf("send in f, m.dsu:2:14", lines)
	if s == nil || s.Line != 2 || s.Before != "fun f(x) = " || s.At != "send" || s.After != "(x, p2, 1); f(x)" {
		t.Errorf("got %+v", s)
	}
	if s := sourceLineOf("call f in f, m.dsu:2:30", lines); s == nil || s.At != "f" {
		t.Errorf("got %+v", s)
	}
	for _, where := range []string{"", "no position", "m.dsu:9:1", "m.dsu:0:1"} {
		if s := sourceLineOf(where, lines); s != nil {
			t.Errorf("%q: got %+v, want none", where, s)
		}
	}
	if s := sourceLineOf("m.dsu:3:40", lines); s == nil || s.Before != "}" || s.At != "" {
		t.Errorf("a column past the line's end: got %+v", s)
	}
}

// TestHTMLLasso: a liveness violation is a lasso: the cycle's rows are
// marked, a loop goes back to its first row, and the last row says so.
func TestHTMLLasso(t *testing.T) {
	path := "../../statespace/testdata/liveness/consumer-passed-point.dsu"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(path, src)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := statespace.Compile(m, m.Updates[0])
	if err != nil {
		t.Fatal(err)
	}
	st, _ := statespace.StrategyNamed("uncoordinated")
	at, _ := statespace.ParseUpdateAt("any")
	v, _, err := statespace.CheckLiveness(context.Background(), &statespace.Semantics{P: prog, Strategy: st, QueueBound: 8, UpdateAt: at}, statespace.LiveOptions{})
	if err != nil || v == nil || v.CycleStart == 0 {
		t.Fatalf("the model's violation is not a lasso: %v, %+v", err, v)
	}
	r := &runReport{model: path, update: m.Updates[0], strategy: "uncoordinated", queueBound: 8, prog: prog,
		res: &statespace.Result{Violation: v, Verdict: statespace.Violated}}
	page, err := buildPage(path, src, []*runReport{r}, "any", properties.All(), false)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := renderHTML(&b, page); err != nil {
		t.Fatal(err)
	}
	sec := section(t, parsePage(t, b.String()), 1)
	if sec.attr("data-violation-at") != "cycle" || sec.attr("data-cycle-start") != strconv.Itoa(v.CycleStart) {
		t.Errorf("section attributes %v, want a cycle from step %d", sec.attrs, v.CycleStart)
	}
	var cycle []string
	for _, row := range sec.all(byClass("g", "row")) {
		if row.hasClass("cycle") {
			cycle = append(cycle, row.attr("data-step"))
		}
	}
	var want []string
	for k := v.CycleStart; k <= len(v.Trace); k++ {
		want = append(want, strconv.Itoa(k))
	}
	want = append(want, strconv.Itoa(len(v.Trace))) // the row that goes back
	if strings.Join(cycle, " ") != strings.Join(want, " ") {
		t.Errorf("cycle rows %v, want %v", cycle, want)
	}
	if len(sec.all(byClass("path", "loop"))) != 1 {
		t.Errorf("no loop back to the cycle's start")
	}
	details := sec.all(byClass("div", "detail"))
	if last := details[len(details)-1].text.String(); !strings.Contains(last, "repeat for ever") || strings.Contains(last, "No step is enabled") {
		t.Errorf("the last step's detail does not describe the cycle:\n%s", last)
	}
}

// TestHTMLLassoIdle: a lasso's page lists the threads that never move in
// its cycle, as the text's idle: lines do (the model's header derives them).
func TestHTMLLassoIdle(t *testing.T) {
	code, _, page, _ := checkHTML(t, "../../statespace/testdata/liveness/starved-at-capacity.dsu", "--strategy", "max+1", "--queue-bound", "2")
	if code != exitViolation || !strings.Contains(page, "<dt>idle</dt><dd>A never moves in the cycle, though it is enabled at some steps; before step ") ||
		!strings.Contains(page, "</dd><dd>B never moves in the cycle, and cannot at any step of it (it waits for a message from s1#1.a)</dd>") {
		t.Errorf("exit %d: the page lacks the idle threads", code)
	}
}

// TestHTMLNoteAndWhere: the page has the text's note: line (a session
// started after the introduction, which the strategy does not wait for)
// and, with --continue, its where: lines (found by a tester: the page left
// the note out).
func TestHTMLNoteAndWhere(t *testing.T) {
	code, out, page, _ := checkHTML(t, "../../models/sessions-per-request.dsu", "--strategy", "max+1")
	if code != exitViolation || !strings.Contains(out, "  note:     session rpc#1 started") || !strings.Contains(page, "<dt>note</dt><dd>session rpc#1 started") {
		t.Errorf("exit %d: the page lacks the text's note", code)
	}
	code, out, page, _ = checkHTML(t, "../../models/mathserver.dsu", "--continue", "--strategy", "uncoordinated")
	if code != exitViolation || strings.Count(page, "<dt>where</dt>") != strings.Count(out, "\n  where:    ") || !strings.Contains(page, "<dt>where</dt>") {
		t.Errorf("exit %d: the page has %d where: lines, the text %d", code, strings.Count(page, "<dt>where</dt>"), strings.Count(out, "\n  where:    "))
	}
}

// TestHTMLContinue: with --continue the page holds every distinct violation
// of a run, not only the first (the maths server under uncoordinated
// updating has several).
func TestHTMLContinue(t *testing.T) {
	code, out, page, root := checkHTML(t, "../../models/mathserver.dsu", "--continue", "--strategy", "uncoordinated")
	if code != exitViolation {
		t.Fatalf("exit %d, want 1", code)
	}
	// The summary has the text's violations column (a tester: it had none).
	defer func() {
		want := `<td>fidelity</td><td class="num">` + strconv.Itoa(len(root.all(byClass("section", "run")))) + `</td>`
		if !strings.Contains(page, "<th>violations</th>") || !strings.Contains(page, want) {
			t.Errorf("no violations column with %s in the summary", want)
		}
	}()
	n := strings.Count(out, "\nuncoordinated: violation ")
	if m := regexp.MustCompile(`violation \d+ of (\d+)`).FindStringSubmatch(out); m != nil {
		n, _ = strconv.Atoi(m[1])
	}
	if n < 2 {
		t.Fatalf("expected several violations in the text, got %d:\n%s", n, out)
	}
	if got := len(root.all(byClass("section", "run"))); got != n {
		t.Fatalf("the page holds %d counterexamples, the text reports %d", got, n)
	}
}

// TestHTMLRunAfterMigrating: once an endpoint has migrated for good the
// search stops counting its runs, and the page shows its run as a lower
// bound (found by a tester: "1" all along a trace of three runs). In the
// regression model's 15 steps, each endpoint shows an exact run until its
// thread applies (A at step 3, B at step 5), a bound from then on.
func TestHTMLRunAfterMigrating(t *testing.T) {
	code, _, page, _ := checkHTML(t, "../../statespace/testdata/regress/runs-after-migrating.dsu", "--strategy", "max+1", "--update-at", "step:0")
	if code != exitViolation {
		t.Fatalf("exit %d, want 1", code)
	}
	exact, bound := strings.Count(page, `<td class="num">1</td>`), strings.Count(page, `<td class="num">&ge; 1</td>`)
	if exact != 4 || bound != 24 {
		t.Errorf("%d exact runs and %d lower bounds, want 4 (both at step 2, b at 3 and 4) and 24 (a from step 3, b from step 5)", exact, bound)
	}
}

// TestHTMLPendingMessageNotAtStepZero: a message still queued when the
// trace ends has no receive step: its arrow names none, so the page's
// script never highlights it as the step-0 one (found by a tester: its
// data-to was 0, and at step 0 every such arrow lit up).
func TestHTMLPendingMessageNotAtStepZero(t *testing.T) {
	_, _, _, root := checkHTML(t, "../../models/mathserver.dsu", "--continue", "--strategy", "uncoordinated")
	pending := 0
	for _, g := range root.all(byClass("g", "msg")) {
		if g.hasClass("pending") {
			pending++
			if _, ok := g.attrs["data-to"]; ok {
				t.Errorf("a pending message from step %s has data-to %q", g.attr("data-from"), g.attr("data-to"))
			}
		} else if g.attr("data-to") == "" {
			t.Errorf("a received message from step %s has no data-to", g.attr("data-from"))
		}
	}
	if pending == 0 {
		t.Fatal("no pending message on the page: the test needs one")
	}
}

// TestHTMLNotTheModel: --html naming the model file is refused before the
// run, and the model is left as it was (found by a tester: the page
// replaced it).
func TestHTMLNotTheModel(t *testing.T) {
	src, err := os.ReadFile("../../models/mathserver.dsu")
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, t.TempDir(), "self.dsu", src)
	code, _, errs := runCmd("check", "--progress", "off", "--store", "memory", "--html", path, path)
	if code != exitUsage || !strings.Contains(errs, "is the model file") {
		t.Fatalf("exit %d, %q", code, errs)
	}
	if after, _ := os.ReadFile(path); string(after) != string(src) {
		t.Fatal("the model was changed")
	}
}

// TestHTMLContinueAfterFault: with --continue, the summary links every
// counterexample of a run (found by a tester: only the first), and a
// deadlock reached by a step that broke fidelity is the configuration's
// violation, not that step's (found by the same tester: "This step
// violates progress"). Hand-derived: after the start, A may choose to
// receive where P has it send: that step breaks fidelity (a); followed,
// it leaves A waiting for a message B never sends and B for A's: a
// deadlock in the configuration after it.
func TestHTMLContinueAfterFault(t *testing.T) {
	model := writeFile(t, t.TempDir(), "dead.dsu", []byte(`protocol P = a -> b: <int>. b -> a: <int>
service s: P
thread A { main let c = request(s, {a, b}, a) in if choose(true, false) then receive(c, b) else send(c, b, 1); receive(c, b) }
thread B { main let c = accept(s, b) in let x = receive(c, a) in send(c, a, x) }
`))
	code, out, page, root := checkHTML(t, model, "--continue")
	if code != exitViolation || !strings.Contains(out, "2  exhaustive") {
		t.Fatalf("exit %d, want 1 with 2 violations:\n%s", code, out)
	}
	if !strings.Contains(page, `show counterexample 1</a> · <a href="#run=2">2</a>`) {
		t.Errorf("the summary does not link counterexample 2")
	}
	for i, want := range []string{"This step violates fidelity", "No step is enabled here: progress violation"} {
		s := section(t, root, i+1)
		if v := s.all(byClass("p", "verdict")); len(v) != 1 || !strings.HasPrefix(v[0].text.String(), want) {
			t.Errorf("counterexample %d: %d verdicts, want one saying %q", i+1, len(v), want)
		}
	}
}

// TestMSCLanesCutAlike: lanes whose names are cut to one label are
// numbered, the whole name in their title (found by a tester: two lanes
// read "Producer_of_the_first_kin…").
func TestMSCLanesCutAlike(t *testing.T) {
	a := "Producer_of_the_first_kind_AAAAAAAAA_for_the_server_side"
	b := "Producer_of_the_first_kind_BBBBBBBBB_for_the_server_side"
	names := []string{a, b, "C"}
	trace := []statespace.TraceStep{{Step: 1, Thread: "C", Kind: "choose", What: "c"}}
	snap := statespace.Snapshot{Threads: []statespace.ThreadView{{Name: a}, {Name: b}, {Name: "C"}}}
	ch := layoutMSC(names, trace, []statespace.Snapshot{snap, snap}, true, &statespace.Violation{Property: "p", Rule: "r"})
	if ch.Lanes[0].Label == ch.Lanes[1].Label || !strings.HasPrefix(ch.Lanes[0].Label, "1:Producer") || !strings.HasPrefix(ch.Lanes[1].Label, "2:Producer") {
		t.Errorf("lanes %q and %q", ch.Lanes[0].Label, ch.Lanes[1].Label)
	}
	if ch.Lanes[0].Name != a || ch.Lanes[2].Label != "C" {
		t.Errorf("lane 0 named %q, lane 2 labelled %q", ch.Lanes[0].Name, ch.Lanes[2].Label)
	}
}

// TestHTMLSaysWhatTheTextSays: the page says what the text report says of
// the same check (found by a tester): the capacity and the properties not
// checked, that a lasso's run to its cycle among symmetry representatives
// is not always the shortest, and that an endpoint's holder was stopped by
// a fault; and a carriage return in a source line is no line break there.
func TestHTMLSaysWhatTheTextSays(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "p.html")
	read := func(args ...string) string {
		t.Helper()
		code, out, errs := runCmd(append([]string{"check", "--progress", "off", "--store", "memory", "--html", page}, args...)...)
		if code != exitOK && code != exitViolation {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if s := read("--queue-bound", "3", "--skip", "fidelity,progress", "../../models/mathserver.dsu"); !strings.Contains(s, "queue capacity 3 · update introduced: any · not checked: fidelity, progress") {
		t.Errorf("the page does not say the capacity and the properties not checked")
	}
	if s := read("--strategy", "max+1", familyModel(t, "prodcons", 2)); !strings.Contains(s, "that repeats for ever (the run to the cycle is one among symmetry representatives: not always the shortest)") {
		t.Errorf("the lasso's page does not say its run to the cycle is not always the shortest")
	}
	src := "protocol P = a -> b: <int>. b -> a: <int>\r\nservice s: P\r\n" +
		"thread A {\r\n  main let c = request(s, {a, b}, a) in\rsend(c, b, 1 / 0); receive(c, b)\r\n}\r\n" +
		"thread B { main let c = accept(s, b) in receive(c, a) }\r\n"
	model := filepath.Join(dir, "cr.dsu")
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s := read("--continue", model)
	if !strings.Contains(s, "<td>A, stopped by a fault</td>") {
		t.Errorf("the page's endpoints do not say their holder was stopped by a fault")
	}
	if strings.Contains(s, "\r") {
		t.Errorf("a carriage return reached the page")
	}
	// No update moment for a model without an update, as the text says
	// (a tester: the page said "update introduced: step:2").
	if s := read("--update-at", "step:2", model); !strings.Contains(s, "queue capacity 8 · no update · ") || strings.Contains(s, "update introduced") {
		t.Errorf("the page of a model without an update gives an update moment")
	}
	// The queue in the text's order (of the sessions' creation), each
	// channel marked only if the step changed it (a tester: s#2 came
	// before t#1, and t#1, untouched since step 2, was marked).
	two := filepath.Join(dir, "two.dsu")
	if err := os.WriteFile(two, []byte(`protocol P = a -> b: <int>. a -> b: <int>. end
service s: P
service t: P
thread A { main let d = request(t, {a, b}, a) in send(d, b, 1); let c = request(s, {a, b}, a) in send(c, b, 2); send(d, b, 3) }
thread B { main let d = accept(t, b) in let c = accept(s, b) in let x = receive(c, a) in 1 / 0 }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := read(two); !strings.Contains(s, `<li class="mono">t#1 a-&gt;b: 1</li><li class="mono changed">s#2 a-&gt;b: 2</li>`) {
		t.Errorf("the page's queue is not in the text's order, or marks what did not change")
	}
	// The model's warnings, as stderr gives them (a tester: a page
	// read alone did not have them).
	noop := filepath.Join(dir, "noop.dsu")
	if err := os.WriteFile(noop, []byte("protocol P = a -> b: <int>. end\nservice s: P\n"+
		"thread A { main let c = request(s, {a, b}, a) in send(c, b, 1) }\n"+
		"thread B { main let c = accept(s, b) in receive(c, a) }\nupdate u { service s: P }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := read(noop); !strings.Contains(s, `<ul class="warnings">`+"\n"+`<li class="mono">`+filepath.ToSlash(noop)+`:5:8: warning: update u changes nothing`) {
		t.Errorf("the page lacks the model's warning")
	}
	if s := read(two); strings.Contains(s, `class="warnings"`) {
		t.Errorf("a page of a model without warnings has a warnings list")
	}
	// The capacity's note on a lasso, which its idle lines point to (a
	// tester: the page had the lines, not the note).
	s = read("--strategy", "max+1", "--queue-bound", "2", "../../statespace/testdata/liveness/capacity-held-spinner.dsu")
	if !strings.Contains(s, "<dt>note</dt><dd>in the cycle, the queue capacity holds back ") || !strings.Contains(s, "(see the note on the capacity)") {
		t.Errorf("the lasso's page lacks the capacity's note")
	}
}

// TestHTMLSummaryAsText: the page's summary table has the text's columns
// (and an update column), with the same cells but the seconds (a tester:
// it lacked transitions, seconds, blocked and latency).
func TestHTMLSummaryAsText(t *testing.T) {
	code, out, _, root := checkHTML(t, "../../models/prodcons.dsu")
	if code != exitViolation {
		t.Fatalf("exit %d, want 1", code)
	}
	var text [][]string
	lines := strings.Split(out[strings.Index(out, "\nsummary: "):], "\n")
	for _, l := range lines[3:] {
		if f := strings.Fields(l); len(f) > 0 {
			text = append(text, f)
		}
	}
	rows := root.all(byClass("table", "runs"))[0].all(func(n *node) bool { return n.name == "tr" })
	if len(rows) != len(text) || len(text) != 4 {
		t.Fatalf("the page has %d rows and the text %d, want 4 each", len(rows), len(text))
	}
	for i, row := range rows {
		var cells []string
		for _, c := range row.children {
			cells = append(cells, strings.TrimSpace(c.text.String()))
		}
		if i == 0 {
			if cells[0] != "update" {
				t.Fatalf("the page's first column is %q, want update", cells[0])
			}
		} else if cells[0] != "shrink" {
			t.Errorf("row %d: update %q, want shrink", i, cells[0])
		}
		cells = cells[1 : len(cells)-1] // the update, and the link
		if len(cells) != len(text[i]) {
			t.Fatalf("row %d: the page has %q, the text %q", i, cells, text[i])
		}
		for k := range cells {
			if i > 0 && text[0][k] == "seconds" {
				continue
			}
			if cells[k] != text[i][k] {
				t.Errorf("row %d, column %s: the page has %q, the text %q", i, text[0][k], cells[k], text[i][k])
			}
		}
	}
}

// TestHTMLNotDoneNoMessage: a send its thread did not do (on another
// thread's endpoint: "— not done") draws no message, in the page's chart
// as in the text's, and its JSON step says not_done (found by a tester:
// the page drew a message still queued at the end, the queue empty).
func TestHTMLNotDoneNoMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notdone.dsu")
	if err := os.WriteFile(path, []byte(`protocol P = a -> b: <int>. a -> b: <int>. end
protocol Q = x -> y: <int>. end
service s: P
service q: Q
thread A {
  main let c = request(s, {a, b}, a) in let g = request(q, {x, y}, x) in send(g, y, c); 0
}
thread B {
  main let c = accept(s, b) in let g = accept(q, y) in let e = receive(g, x) in send(e, b, 5); receive(c, a)
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, page, root := checkHTML(t, path, "--continue")
	if !strings.Contains(page, "not done") {
		t.Fatalf("no step not done on the page")
	}
	for _, m := range root.all(byClass("g", "msg")) {
		if strings.Contains(m.text.String(), "not done") {
			t.Errorf("a message drawn for a step not done: %s", m.text.String())
		}
	}
	_, out, _ := runCmd("check", "--continue", "--json", "--store", "memory", "--progress", "off", path)
	if !strings.Contains(out, `"not_done":true`) {
		t.Errorf("no JSON step says not_done:\n%s", out)
	}
}

// TestHTMLNotes: the page has the notes the text gives each run beside its
// verdict, the same lines (a tester: a page of a check whose update was
// never introduced showed plain ok rows, a proof of nothing read as one
// of safety).
func TestHTMLNotes(t *testing.T) {
	code, out, _, root := checkHTML(t, "../../models/mathserver.dsu", "--update-at", "never", "--strategy", "max+1")
	if code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	dls := root.all(byClass("dl", "notes"))
	if len(dls) != 1 {
		t.Fatalf("the page has %d lists of notes, want 1", len(dls))
	}
	var dts, dds []string
	for _, c := range dls[0].children {
		switch c.name {
		case "dt":
			dts = append(dts, strings.TrimSpace(c.text.String()))
		case "dd":
			dds = append(dds, strings.TrimSpace(c.text.String()))
		}
	}
	if len(dts) != 1 || !strings.HasSuffix(dts[0], ", max+1") || len(dds) == 0 {
		t.Fatalf("runs %q, notes %q", dts, dds)
	}
	never := false
	for _, d := range dds {
		if !strings.Contains(out, d) {
			t.Errorf("the page's note %q is not the text's:\n%s", d, out)
		}
		never = never || strings.Contains(d, "the update was never introduced")
	}
	if !never {
		t.Errorf("no note that the update was never introduced: %q", dds)
	}
}

// TestHTMLNotesCoverage: --coverage's list is among the page's notes, as
// the text gives it (a tester: the page left it out).
func TestHTMLNotesCoverage(t *testing.T) {
	_, out, page, _ := checkHTML(t, "../../models/mathserver.dsu", "--coverage", "--strategy", "max+1")
	i := strings.Index(out, "max+1: coverage: ")
	if i < 0 {
		t.Fatalf("no coverage in the text:\n%s", out)
	}
	first := strings.TrimSpace(strings.SplitN(out[i+len("max+1:"):], "\n", 2)[0])
	if !strings.Contains(page, "<dd>"+html.EscapeString(first)+"</dd>") {
		t.Errorf("the page lacks the coverage line %q", first)
	}
}
