package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/internal/atomicfile"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

// The counterexample page of `mcheck check --html FILE`: one
// self-contained HTML file (inline CSS, JavaScript and SVG; nothing
// fetched) with, for each violation, a message sequence chart of its trace
// and a step slider that shows the configuration after each step. The page
// is rendered with html/template, so every name and value of the model is
// escaped; its script only shows and hides what the template wrote.

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("page").Parse(htmlSource))

// htmlPage is the data of the whole page.
type htmlPage struct {
	Model    string
	UpdateAt string
	Version  string
	// Capacity and NotChecked say what the runs were checked at, as the
	// text's setup line does (found by a tester: a page of ok runs did not
	// say fidelity was switched off, nor at which capacity).
	Capacity   int
	NotChecked string
	Runs       []htmlRunRow
	Violations []*htmlViolation
	// Continue: the check listed every violation (--continue); the
	// summary has a violations column, as the text's has (a tester).
	Continue bool
	// Legend explains ok* (capacityLegend) when a row has it.
	Legend string
	// NotRun names the runs an interruption or a failure kept from
	// starting (notRunLine), as the text does.
	NotRun string
	// Warnings are the model's warnings, as stderr gives them (found by a
	// tester: a page read alone did not have them).
	Warnings []string
	// Notes are what the text says of each run beside its verdict
	// (runNotes): the update never introduced, the reductions, the
	// capacity's counts, the liveness figures.
	Notes []htmlNotes
}

// htmlNotes are one run's notes.
type htmlNotes struct {
	Run   string
	Lines []string
}

// htmlRunRow is one run in the page's summary table.
type htmlRunRow struct {
	Update, Strategy, Verdict, Property, Search string
	States, Transitions                         int64
	Depth                                       int
	// Seconds, Blocked and Latency: the text's last columns (found by a
	// tester: the page's table had fewer columns than the text's).
	Seconds string
	Blocked int64
	Latency string
	Index   int    // the violation's number (from 1), 0 if none
	Count   string // with --continue, the violations (violationCount)
	// More are the numbers of the run's other violations (--continue),
	// each linked from the row (found by a tester: only the first was).
	More []int
}

// htmlViolation is one counterexample: the report, the chart and a detail
// block per step (0 is the initial configuration).
type htmlViolation struct {
	Index int
	// Row is the Index of its run's summary row: the run's first
	// violation's (with --continue a run has several; found by a tester,
	// the later ones looked for rows that do not exist).
	Row                                             int
	Update, Strategy                                string
	Property, Rule, Thread, Action, Expected, Found string
	// Threads: every thread at fault, when several (the text's threads:
	// line; found by a tester: the page never showed them).
	Threads string
	// Idle: for a lasso, the text's idle: lines (the threads that never
	// move in its cycle, and where each cannot).
	Idle []string
	// Stalled: for a lasso, the text's stalled: lines.
	Stalled []string
	// Where and Note: the text's where: (--continue) and note: lines
	// (found by a tester: the page left the note out).
	Where, Note string
	Steps       int
	// AtStep says that step Steps performs the violation; otherwise the
	// configuration after it is the violating one (no step is enabled).
	AtStep bool
	// Shortest says the trace is known to be a shortest one (not under
	// partial-order reduction without --shortest, nor over a bit array).
	Shortest bool
	// CycleStart, for a lasso (a liveness violation), is the step its
	// cycle starts with: the steps from it to the last repeat for ever.
	CycleStart int
	Prefix     int // the steps before the cycle
	Chart      *mscChart
	Details    []htmlStep
}

// htmlStep is what the page shows when the slider is at one step.
type htmlStep struct {
	Step      int
	Thread    string
	Kind      string
	What      string // also the step's one-line summary, "initial configuration" at 0
	Where     string
	Source    *htmlSourceLine
	Violating bool
	Threads   []htmlThreadRow
	Endpoints []htmlEndRow
	Queue     []htmlQueueRow
	QueueDiff bool // the queue changed in the step (an emptied one is marked)
	Update    string
	UpdDiff   bool
}

// htmlQueueRow is one channel of the queue; Changed says it is not as it
// was before the step (found by a tester: every channel was marked when
// one changed).
type htmlQueueRow struct {
	Text    string
	Changed bool
}

// htmlSourceLine is the model's source line of a step, split around the
// column the step's instruction starts at.
type htmlSourceLine struct {
	Line              int
	Before, At, After string
}

type htmlThreadRow struct {
	Name, Status     string
	Applied, Changed bool
}

type htmlEndRow struct {
	statespace.EndpointView
	Changed bool
}

// writeHTMLFile renders the page for the runs of one check and writes it
// to path, through a temporary file in the same directory renamed into
// place, so that a reader never sees half a page.
func writeHTMLFile(ctx context.Context, f *checkFlags, m *model.Model, modelPath string, src []byte, runs []*runReport, props properties.Checker, notRun string) (int, error) {
	path := f.html
	page, err := buildPage(modelPath, src, runs, f.updateAt, props, f.cont)
	if err != nil {
		return 0, err
	}
	page.NotRun = notRun
	page.Capacity, page.NotChecked = f.queueBound, strings.Join(skipList(f.skip), ", ")
	page.Warnings = warningLines(m)
	for _, r := range runs {
		lines := notesOf(r, f)
		if u := r.res.Unreached; u != nil {
			// --coverage's list, as the text gives it after the run (a
			// tester: the page left it out).
			var cov bytes.Buffer
			writeUnreached(&cov, r, u)
			for _, l := range strings.Split(strings.TrimRight(cov.String(), "\n"), "\n") {
				lines = append(lines, strings.TrimSpace(strings.TrimPrefix(l, r.strategy+":")))
			}
		}
		if len(lines) > 0 {
			page.Notes = append(page.Notes, htmlNotes{Run: updateName(r.update) + ", " + r.strategy, Lines: lines})
		}
	}
	var b bytes.Buffer
	if err := renderHTML(&b, page); err != nil {
		return 0, fmt.Errorf("--html: rendering %s: %v", path, err)
	}
	if err := writeOutputFile(ctx, path, b.Bytes()); err != nil {
		return 0, fmt.Errorf("--html: %v", err)
	}
	return len(page.Violations), nil
}

// checkHTMLPath refuses, before any search, a --html path that cannot be
// written: its directory must exist and take a new file, and it must not be
// a directory.
func checkHTMLPath(path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("--html %s is a directory; give a file name, e.g. %s", path, filepath.Join(path, "counterexample.html"))
	}
	// The file written: a symbolic link's target, checked as the path
	// (found by a tester: a link into a missing directory, and a loop of
	// links, were found out only after the search, or the loop replaced).
	shown := path
	path, err := atomicfile.Target(path)
	if err != nil {
		return fmt.Errorf("--html %s: %v", shown, err)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("--html %s: directory %s: %v", shown, dir, unwrapPathErr(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("--html %s: %s is not a directory", shown, dir)
	}
	// A name the file system cannot take (found by a tester: one of 300
	// characters failed after the search).
	if _, err := os.Lstat(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("--html %s: %v", shown, unwrapPathErr(err))
	}
	// A new or regular file is written beside itself and renamed over
	// (atomicfile): its directory must take a new file. Tried now, not
	// after the search (found by a tester: a read-only directory failed
	// once the whole search was done, exit 3).
	if st, err := os.Stat(path); err != nil || st.Mode().IsRegular() {
		f, err := os.CreateTemp(dir, ".mcheck-html-*.tmp")
		if err != nil {
			return fmt.Errorf("--html %s: cannot create a file in %s: %v", shown, dir, unwrapPathErr(err))
		}
		f.Close()
		os.Remove(f.Name())
	} else if err := deviceWritable(path); err != nil {
		// Said now, not after the search (a tester).
		return fmt.Errorf("--html %s: %v", shown, err)
	}
	return nil
}

// deviceWritable opens the output file at path, if it is a device, as it
// will be written (gen -o, check --html): one that cannot be (/dev/tty
// without a terminal) is bad usage, not a failure once the work is done.
// Not a named pipe: opening one waits for a reader.
func deviceWritable(path string) error {
	st, err := os.Stat(path)
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return unwrapPathErr(err)
	}
	return f.Close()
}

// notTheModel refuses an --html file that is the model itself (found by a
// tester: the page replaced the model).
func notTheModel(html, model string) error {
	if html == "" {
		return nil
	}
	a, errA := os.Stat(html)
	b, errB := os.Stat(model)
	if errA == nil && errB == nil && os.SameFile(a, b) {
		return fmt.Errorf("--html %s is the model file: the page would replace it; give another file name", html)
	}
	return nil
}

// renderHTML writes the page.
func renderHTML(w io.Writer, page *htmlPage) error {
	return htmlTemplate.Execute(w, page)
}

// buildPage gathers the page's data: the summary of every run, and for each
// violation its trace replayed step by step (the report keeps only the
// final configuration; the page shows each one).
func buildPage(modelPath string, src []byte, runs []*runReport, updateAt string, props properties.Checker, cont bool) (*htmlPage, error) {
	page := &htmlPage{Model: filepath.ToSlash(modelPath), UpdateAt: updateAt, Version: versionText(), Continue: cont}
	// No update moment for a model without an update, as the text's setup
	// line (found by a tester: the page said "update introduced: step:2").
	if !slices.ContainsFunc(runs, func(r *runReport) bool { return r.update != nil }) {
		page.UpdateAt = ""
	}
	// A carriage return is no line break in a model (a lone one is white
	// space, a column as a blank is), but a browser breaks the line there
	// (found by a tester): a blank, which keeps the columns.
	lines := strings.Split(strings.ReplaceAll(string(src), "\r", " "), "\n")
	at, err := statespace.ParseUpdateAt(updateAt)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		row := htmlRunRow{Update: updateName(r.update), Strategy: r.strategy, Verdict: verdictWord(r), Property: "-",
			Search: r.search(), States: r.res.States, Transitions: r.res.Transitions, Depth: r.res.Depth,
			Seconds: fmt.Sprintf("%.3f", r.res.Elapsed.Seconds()), Blocked: r.res.BlockedConfigs, Latency: latencyCell(r.res),
			Count: violationCount(r.res)}
		// Every violation of the run: with --continue, each distinct one;
		// the summary row links to the first.
		vs := r.res.Violations
		if len(vs) == 0 && r.res.Violation != nil {
			vs = []*statespace.Violation{r.res.Violation}
		}
		for i, v := range vs {
			hv, err := buildViolation(r, v, at, props, lines)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %v", updateName(r.update), r.strategy, err)
			}
			page.Violations = append(page.Violations, hv)
			hv.Index = len(page.Violations)
			if i == 0 {
				row.Index, row.Property = hv.Index, v.Property
			} else {
				row.More = append(row.More, hv.Index)
			}
			hv.Row = row.Index
		}
		page.Runs = append(page.Runs, row)
		if row.Verdict == "ok*" {
			page.Legend = capacityLegend
		}
	}
	return page, nil
}

// verdictWord is a run's verdict as the text's summary table says it (an
// interrupted or failed run is ok?, its search column says why; found by
// a tester: the page said "interrupted" where the text said ok?).
func verdictWord(r *runReport) string {
	switch {
	case r.res.Verdict == statespace.Violated:
		return "VIOLATION"
	case r.res.Verdict == statespace.Unknown:
		return "ok?"
	case capacityUnjudged(r):
		return "ok*"
	}
	return "ok"
}

// capacityUnjudged says that a run found no violation, but some of its
// runs end where only the queue capacity holds the system with the
// update pending, where update completion is not judged (testers read a
// plain "ok" there as an update that completes).
func capacityUnjudged(r *runReport) bool {
	return r.res.Verdict == statespace.Holds && r.live != nil && r.live.Stuck > 0
}

// capacityLegend explains the summary's ok*.
const capacityLegend = "ok*: no violation, but some runs end where only the queue capacity holds the system with the update pending, and update completion is not judged on them (a larger --queue-bound may show more; README, Capacity reached vs deadlock)"

// buildViolation replays the violation's path, snapshotting the
// configuration after every step, and lays out its chart.
func buildViolation(r *runReport, v *statespace.Violation, at statespace.UpdateAt, props properties.Checker, lines []string) (*htmlViolation, error) {
	snaps, atStep, err := replaySnapshots(r, at, props, v)
	if err != nil {
		return nil, err
	}
	if len(snaps) != len(v.Trace)+1 {
		return nil, fmt.Errorf("the replayed trace has %s, the report %d", steps(len(snaps)-1), len(v.Trace))
	}
	hv := &htmlViolation{Update: updateName(r.update), Strategy: r.strategy, Property: v.Property, Rule: v.Rule,
		Thread: v.Thread, Action: v.Action, Expected: v.Expected, Found: v.Found, Steps: len(v.Trace), AtStep: atStep, Shortest: r.traceShortest(v), CycleStart: v.CycleStart}
	if len(v.Threads) > 1 {
		hv.Threads = strings.Join(v.Threads, ", ")
	}
	if r.res != nil && len(r.res.Violations) > 0 {
		hv.Where = v.Where
	}
	hv.Note = lateSessionNote(r.prog, r.strategy, v)
	if v.CycleStart > 0 {
		// The capacity's note, which the idle lines point to (found by a
		// tester: the page had the lines and not the note).
		hv.Note = heldNote(r, v)
		hv.AtStep = false // the cycle is the violation, not its last step
		hv.Prefix = v.CycleStart - 1
		hv.Idle = idleLines(r)
		hv.Stalled = stalledLines(r)
	}
	for k := range snaps {
		hv.Details = append(hv.Details, detailOf(k, v.Trace, snaps, lines))
	}
	hv.Chart = layoutMSC(threadNames(r.prog), v.Trace, snaps, hv.AtStep, v)
	return hv, nil
}

func threadNames(p *statespace.Program) []string {
	var names []string
	for _, t := range p.Threads {
		names = append(names, t.Name)
	}
	return names
}

// replaySnapshots re-runs path with the run's semantics and returns the
// configuration before the first step and after each, and whether the last
// step is itself the violation (a fault) rather than leading to a violating
// configuration (a deadlock, say).
func replaySnapshots(r *runReport, at statespace.UpdateAt, props properties.Checker, v *statespace.Violation) ([]statespace.Snapshot, bool, error) {
	path := v.Path
	name := r.strategy
	if name == check.NoStrategy {
		name = statespace.StrategyNames()[0] // the model has no update: every strategy is the same search
	}
	st, err := statespace.StrategyNamed(name)
	if err != nil {
		return nil, false, err
	}
	p := r.prog
	sem := &statespace.Semantics{P: p, Strategy: st, QueueBound: r.queueBound, UpdateAt: at}
	c, _ := sem.Initial()
	snaps := []statespace.Snapshot{sem.SnapshotOf(c)}
	var before *statespace.Config
	var last *statespace.Succ
	for i, s := range path {
		succs, _ := sem.Successors(c)
		if int(s) >= len(succs) {
			return nil, false, fmt.Errorf("the trace's step %d is not a step of the model (successor %d of %d)", i+1, s, len(succs))
		}
		before, last = c, &succs[s]
		c = last.Next
		snaps = append(snaps, sem.SnapshotOf(c))
	}
	// The violation is its last step's if that step breaks it (its
	// property and rule): a last step that breaks another, followed by
	// --continue to a configuration with no step, leaves the violation to
	// that configuration (found by a tester: a deadlock after a fidelity
	// fault was drawn as "this step violates progress").
	atStep := false
	if last != nil {
		for _, f := range props.CheckStepFacts(p, before, last) {
			atStep = atStep || f.Property == v.Property && f.Rule == v.Rule
		}
	}
	return snaps, atStep, nil
}

// detailOf is the detail block of step k (0: the initial configuration).
// The last one is marked violating: its step is the violation, or (when no
// step is enabled after it) the configuration it reaches is.
func detailOf(k int, trace []statespace.TraceStep, snaps []statespace.Snapshot, lines []string) htmlStep {
	d := htmlStep{Step: k, What: "initial configuration", Violating: k == len(trace)}
	if k > 0 {
		s := trace[k-1]
		d.Thread, d.Kind, d.What, d.Where = s.Thread, s.Kind, s.What, s.Where
		if d.Thread == "-" {
			d.Thread = "" // a step of no thread
		}
		d.Source = sourceLineOf(s.Where, lines)
	}
	cur := snaps[k]
	var prev *statespace.Snapshot
	if k > 0 {
		prev = &snaps[k-1]
	}
	for i, t := range cur.Threads {
		changed := prev != nil && (i >= len(prev.Threads) || prev.Threads[i] != t)
		d.Threads = append(d.Threads, htmlThreadRow{Name: t.Name, Status: t.Status, Applied: t.Applied, Changed: changed})
	}
	for _, e := range cur.Endpoints {
		d.Endpoints = append(d.Endpoints, htmlEndRow{EndpointView: e, Changed: prev != nil && !hasEndpoint(prev.Endpoints, e)})
	}
	d.Update = cur.Update
	for _, q := range cur.Queue {
		d.Queue = append(d.Queue, htmlQueueRow{Text: q, Changed: prev != nil && !slices.Contains(prev.Queue, q)})
	}
	if prev != nil {
		d.QueueDiff = strings.Join(prev.Queue, "\n") != strings.Join(cur.Queue, "\n")
		d.UpdDiff = prev.Update != cur.Update
	}
	return d
}

func hasEndpoint(es []statespace.EndpointView, e statespace.EndpointView) bool {
	for _, x := range es {
		if x == e {
			return true
		}
	}
	return false
}

// positionRE finds the source position at the end of a step's place, e.g.
// "send in old f, models/m.dsu:27:14".
var positionRE = regexp.MustCompile(`:(\d+):(\d+)$`)

// sourceLineOf is the model's line that where points to, or nil.
func sourceLineOf(where string, lines []string) *htmlSourceLine {
	m := positionRE.FindStringSubmatch(where)
	if m == nil {
		return nil
	}
	line, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	if line < 1 || line > len(lines) {
		return nil
	}
	text := strings.TrimRight(lines[line-1], "\r")
	if col < 1 || col > len(text)+1 {
		return &htmlSourceLine{Line: line, Before: strings.TrimLeft(text, " \t")}
	}
	start := col - 1
	end := start
	for end < len(text) && isWordByte(text[end]) {
		end++
	}
	if end == start && end < len(text) {
		end++
	}
	return &htmlSourceLine{Line: line, Before: strings.TrimLeft(text[:start], " \t"), At: text[start:end], After: text[end:]}
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// plural says "1 counterexample", "2 counterexamples".
func plural[N int | int64](n N, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
