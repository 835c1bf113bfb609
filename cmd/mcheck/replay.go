package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/properties"
	"github.com/mcheck/mcheck/statespace"
)

func init() {
	register(&command{name: "replay", summary: "re-run a saved counterexample (mcheck check --json) and check it still ends in its violation", run: runReplay})
}

func runReplay(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("replay", pflag.ContinueOnError)
	var modelPath string
	fs.StringVar(&modelPath, "model", "", "the model to replay against (default: the one the report names)")
	var nth int
	fs.IntVar(&nth, "violation", 1, "replay the report's `N`th counterexample, counting every run's in order (each one a --continue run lists)")
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: mcheck replay [--model MODEL.dsu] [--violation N] REPORT.json")
		fmt.Fprintln(w, "\nREPORT.json is the output of `mcheck check --json`: its first violation (or the")
		fmt.Fprintln(w, "one --violation chooses) is re-run through the semantics, step by step, with the")
		fmt.Fprintln(w, "options it was found with; the trace is printed, and the run must end in the same")
		fmt.Fprintln(w, "violation (property, rule and what was found). Use it to see that a counterexample")
		fmt.Fprintln(w, "still holds after the model or mcheck changed.")
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 0 the run ends in the same violation, 1 it does not (or is no longer a run), 2 bad input or usage, 3 the output could not be written.")
	}
	if status, done := parseFlags("replay", fs, args, usage, stdout, stderr); done {
		return status
	}
	reportPath, ok := oneArgOf("replay", "report (the output of mcheck check --json)", fs.Args(), stderr)
	if !ok {
		return exitUsage
	}
	if nth < 1 {
		fmt.Fprintf(stderr, "mcheck replay: --violation: must be 1 or more (the first counterexample is 1), got %d\n", nth)
		return exitUsage
	}
	rec, err := nthViolation(reportPath, nth)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck replay: %v\n", err)
		return exitUsage
	}
	which := "" // the counterexample, when not the first
	if nth > 1 {
		which = fmt.Sprintf(", counterexample %d", nth)
	}
	fromReport := modelPath == ""
	if fromReport {
		modelPath = rec.Model
	}
	if modelPath == "" {
		// (found by a tester: "mcheck replay: : cannot read model")
		fmt.Fprintf(stderr, "mcheck replay: %s: model: missing (check writes the model's path): pass --model\n", reportPath)
		return exitUsage
	}
	if fromReport && (modelPath == "/dev/stdin" || strings.HasPrefix(modelPath, "/dev/fd/") || strings.HasPrefix(modelPath, "/proc/self/fd/")) {
		// (found by a tester: replay read standard input again, and
		// said the model declares no threads)
		fmt.Fprintf(stderr, "mcheck replay: %s: the model was read from %s, which names no file: pass it with --model\n", reportPath, modelPath)
		return exitUsage
	}
	src, err := readModelFile(modelPath)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck replay: %v\n", err)
		if fromReport && !filepath.IsAbs(modelPath) {
			fmt.Fprintf(stderr, "mcheck replay: the report names the model as check was given it, relative to the directory check ran in: run replay there, or pass --model\n")
		}
		return exitUsage
	}
	m, err := model.Load(modelPath, src)
	if err != nil {
		reportModelErrors(stderr, err)
		return exitUsage
	}
	at, err := statespace.ParseUpdateAt(rec.UpdateAt) // (checked with the report's lines)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck replay: %s: update_at: %v\n", reportPath, err)
		return exitUsage
	}
	o := check.ReplayOptions{Strategy: rec.Strategy, UpdateAt: at, QueueBound: rec.QueueBound, Skip: rec.Skip}
	if rec.Update == check.NoUpdate {
		o.NoUpdate = true // whatever updates the model has now
	} else {
		o.Update = rec.Update
	}
	tr, vs, err := check.Replay(m, o, rec.Path, rec.CycleStart)
	var diverged *statespace.DivergedError
	var replayed []statespace.TraceStep
	switch {
	case errors.As(err, &diverged):
		replayed = diverged.Before
	case err != nil:
		fmt.Fprintf(stderr, "mcheck replay: %v\n", err)
		return exitViolation
	default:
		replayed = tr.Steps
	}
	// Where the run parts from the report's (another thread, another kind
	// of step) comes first: on a model whose steps changed, the move
	// numbers may stay valid for a while and name other steps (found by a
	// tester: the step where they ran out was blamed, after steps that
	// already differed).
	if k, was := otherStep(rec.Trace, replayed); k > 0 {
		fmt.Fprintf(stdout, "replay of %s%s (%s, %s, queue capacity %d): %s of %d, to where it parts from the report's\n", reportPath, which, rec.Update, rec.Strategy, rec.QueueBound, steps(k), len(rec.Path))
		writeSteps(stdout, replayed[:k])
		// The path follows move numbers: on a model whose steps changed it
		// names another run, whose end says nothing of the report's (found
		// by a tester: "the run no longer ends in a violation" read as a
		// fix).
		now := replayed[k-1]
		wasAct, nowAct := was.Action, now.Action
		if was.Kind == "choose" && now.Kind == "choose" {
			// Another option: say which (found by a tester: the report's
			// action, which a hand edit of what leaves, was said as what
			// the step was).
			wasAct, nowAct = was.What, now.What
		}
		if wasAct == nowAct {
			// Only the kind differs (a report edited by hand): say so (a
			// tester read the same words twice).
			wasAct, nowAct = fmt.Sprintf("a step of kind %s (%s)", was.Kind, wasAct), fmt.Sprintf("a step of kind %s", now.Kind)
		}
		fmt.Fprintf(stdout, "the saved path names another run of this model: its step %d was %s: %s, and is now %s: %s (its move numbers name other steps: the model, the report's capacity or update, or its path changed; check the model again)\n",
			k, was.Thread, wasAct, now.Thread, nowAct)
		return exitViolation
	}
	if diverged != nil {
		// The saved path is no longer a run of this model: say where.
		fmt.Fprintf(stdout, "replay of %s%s (%s, %s, queue capacity %d): %s of %d replayed\n", reportPath, which, rec.Update, rec.Strategy, rec.QueueBound, steps(len(diverged.Before)), len(rec.Path))
		writeSteps(stdout, diverged.Before)
		moves := fmt.Sprintf("%d moves are", diverged.Count)
		if diverged.Count == 1 {
			moves = "1 move is"
		}
		// What may have changed, as for a step that names another move
		// (a tester: an edited capacity or strategy got no hint).
		fmt.Fprintf(stdout, "the saved path is no longer a run of this model: its step %d takes move %d, and %s enabled there (the model, the report's capacity, strategy or update, or its path changed; check the model again)\n", diverged.Step, diverged.Index+1, moves)
		return exitViolation
	}
	v := sameViolation(vs, rec, modelPath)
	fmt.Fprintf(stdout, "replay of %s%s (%s, %s, queue capacity %d): %s\n", reportPath, which, rec.Update, rec.Strategy, rec.QueueBound, steps(len(tr.Steps)))
	writeSteps(stdout, tr.Steps)
	switch {
	case v == nil:
		fmt.Fprintf(stdout, "the run no longer ends in a violation (recorded: %s, %s)\n", rec.Property, rec.Rule)
		if rec.CycleStart > 0 {
			// Which part of the lasso failed (found by a tester: only the
			// line above was said).
			if why := check.WhyNotLasso(m, o, rec.Path, rec.CycleStart); why != "" {
				fmt.Fprintf(stdout, "  not a fair cycle of the update pending: %s\n", why)
			}
		}
		return exitViolation
	case v.Property != rec.Property || v.Rule != rec.Rule || placeless(v.Found, modelPath) != placeless(rec.Found, rec.Model):
		// Every violation the run ends in: a last step can break two
		// properties, and the report records either (found by a tester:
		// one of two was said, as if the other had gone).
		fmt.Fprintln(stdout, "the run ends in another violation:")
		for i, v := range vs {
			label := "now:"
			if i > 0 {
				label = "and:"
			}
			fmt.Fprintf(stdout, "  %-10s%s: %s; found %s\n", label, v.Property, v.Rule, v.Found)
		}
		fmt.Fprintf(stdout, "  recorded: %s: %s; found %s\n", rec.Property, rec.Rule, rec.Found)
		return exitViolation
	}
	if rec.CycleStart > 0 {
		fmt.Fprintf(stdout, "the steps from %d on lead back to the configuration before step %d: the same fair cycle, repeating for ever\n", rec.CycleStart, rec.CycleStart)
	}
	fmt.Fprintf(stdout, "the run ends in the same violation: %s — %s\n  found: %s\n", v.Property, v.Rule, v.Found)
	if pathless(v.Found, modelPath) != pathless(rec.Found, rec.Model) {
		// (a tester: "which changed since" of an unchanged model whose
		// report's path had been edited)
		fmt.Fprintf(stdout, "  (recorded at another place: the model changed since, or the report was edited: %s)\n", rec.Found)
	}
	return exitOK
}

// writeSteps lists replayed steps, one a line.
func writeSteps(w io.Writer, steps []statespace.TraceStep) {
	d := stepDigits(steps)
	for _, s := range steps {
		fmt.Fprintf(w, "  %*d  %-10s %s\n", d, s.Step, s.Thread, s.Action)
	}
}

// sameViolation is the violation among vs (where the replayed run ends,
// check's first first) that rec records: the same property, rule and
// description, at the same place if one is; else at another place (the
// model was edited); else the first, to show how the run now ends (nil if
// it ends in none). A step may break several rules, and a configuration
// without a step several properties: a --continue report lists each as a
// violation of its own (found by a tester: the later ones could not be
// replayed, and of two threads failing alike, the second's was replayed as
// the first's, "recorded at another place").
func sameViolation(vs []*statespace.Violation, rec *savedRun, modelPath string) *statespace.Violation {
	if len(vs) == 0 {
		return nil
	}
	for _, strip := range []func(found, file string) string{pathless, placeless} {
		for _, v := range vs {
			if v.Property == rec.Property && v.Rule == rec.Rule && strip(v.Found, modelPath) == strip(rec.Found, rec.Model) {
				return v
			}
		}
	}
	return vs[0]
}

// pathless drops the model's file name from the source positions in a
// violation's description (file:line:col, as a runtime error names where
// it happened): replay may be given the model under another name (--model,
// another directory) than check was.
func pathless(found, file string) string {
	if file == "" {
		return found
	}
	return strings.ReplaceAll(found, file+":", "")
}

// placeless drops the source positions from a violation's description
// too: a runtime error is the same violation where an edit elsewhere in
// the model (a comment, mcheck fmt) moved the expression that fails.
func placeless(found, file string) string {
	// A report written before a runtime error after a step said so
	// names the same violation.
	found = strings.TrimSuffix(found, ", computing on after the step")
	return sourcePlace.ReplaceAllString(pathless(found, file), "$1<place>")
}

// sourcePlace matches a line:col position, after pathless, with any file
// name before it (found by a tester: a file name other than the model's,
// in a report of a copy, made the same violation another one).
var sourcePlace = regexp.MustCompile(`(^|[\s(])(?:[^\s()]*:)?\d+:\d+\b`)

// otherStep is the first step (from 1) at which the replayed steps are
// another thread's or of another kind than the report's trace, with the
// report's step; 0 if none is (or the trace cannot be read as check
// writes it, or is shorter: the path's checks cover that). steps may be a
// prefix of the trace, where the path stopped being a run.
func otherStep(saved []json.RawMessage, steps []statespace.TraceStep) (int, statespace.TraceStep) {
	if len(saved) < len(steps) {
		return 0, statespace.TraceStep{}
	}
	for i, raw := range saved[:len(steps)] { // (steps: a prefix, where the path ran out)
		var was statespace.TraceStep
		if json.Unmarshal(raw, &was) != nil {
			return 0, statespace.TraceStep{}
		}
		if was.Thread != steps[i].Thread || was.Kind != steps[i].Kind || was.Kind == "choose" && chosen(was.What) != chosen(steps[i].What) {
			return i + 1, was
		}
	}
	return 0, statespace.TraceStep{}
}

// optionRE finds which option a choose step took in its description
// ("chooses -1 (option 1 of 2)", "chooses option 1 of 2", "chooses
// option 1": Program.chooses).
var optionRE = regexp.MustCompile(`option ([0-9]+)(?: of ([0-9]+))?\)?$`)

// chosen is the option a choose step's description says it took: a move
// number of the path, not a value an edit of the model may change (found
// by a tester: a path edited to take the other option replayed as the
// same run).
func chosen(what string) string { return optionRE.FindString(what) }

// optionInRange reports whether a choose step's description names an
// option check could have written: K from 1, and at most N where it says
// "of N".
func optionInRange(what string) bool {
	m := optionRE.FindStringSubmatch(what)
	if m == nil {
		return false
	}
	k, err := strconv.Atoi(m[1])
	if err != nil || k < 1 {
		return false
	}
	if m[2] == "" {
		return true
	}
	n, err := strconv.Atoi(m[2])
	return err == nil && k <= n
}

// savedRun is what replay reads of a `check --json` line.
// Only these fields are read (and their types checked); the others a report
// holds are not.
type savedRun struct {
	Model      string            `json:"model"`
	Update     string            `json:"update"`
	Strategy   string            `json:"strategy"`
	Verdict    string            `json:"verdict"`
	Property   string            `json:"property"`
	Rule       string            `json:"rule"`
	Found      string            `json:"found"`
	QueueBound int               `json:"queue_bound"`
	UpdateAt   string            `json:"update_at"`
	Skip       []string          `json:"skip"`
	Kind       string            `json:"kind"` // set in a report of mcheck points
	Path       []uint32          `json:"path"`
	Trace      []json.RawMessage `json:"trace"`
	CycleStart int               `json:"cycle_start"` // a lasso's: see check.Replay
	// Violations, in a --continue run, is every violation (the fields
	// above describe the first): each is a counterexample of its own.
	Violations []savedViolation `json:"violations"`
	pathNull   bool             // a null in path (read as 0 otherwise)
}

// savedViolation is what replay reads of a --continue run's violation;
// the run's other fields are the line's.
type savedViolation struct {
	Property   string            `json:"property"`
	Rule       string            `json:"rule"`
	Found      string            `json:"found"`
	Path       []uint32          `json:"path"`
	Trace      []json.RawMessage `json:"trace"`
	CycleStart int               `json:"cycle_start"`
}

// runInconsistent says how a report's line is one no run of check could
// have written, in the fields every line has, whatever its verdict ("" if
// it could have): the README promises the check of the whole report, and
// a tester found an unknown strategy, an unknown skipped property and a
// capacity of 0 on an ok line replayed.
func (r *savedRun) runInconsistent() string {
	if r.Strategy != "" && r.Strategy != check.NoStrategy {
		if _, err := statespace.StrategyNamed(r.Strategy); err != nil {
			return fmt.Sprintf("strategy: %v", err)
		}
	}
	if _, err := properties.Without(r.Skip); err != nil {
		return fmt.Sprintf("skip: %v", err)
	}
	switch {
	case r.Update == "":
		return "update: missing (check writes the update's name, or " + check.NoUpdate + ")"
	case r.UpdateAt == "":
		return "update_at: missing, where check writes when the update is introduced (any, never or step:K)"
	case r.Skip == nil:
		return "skip: missing or null, where check writes a list of the properties switched off ([] for none)"
	case r.Strategy == "":
		return "strategy: missing (check writes the strategy, or " + check.NoStrategy + " for a run without an update)"
	case r.Update == check.NoUpdate && r.Strategy != check.NoStrategy:
		return fmt.Sprintf("strategy: %q for a run without an update, where check writes %s", r.Strategy, check.NoStrategy)
	case r.Update != check.NoUpdate && r.Strategy == check.NoStrategy:
		return fmt.Sprintf("strategy: %s for a run of update %s, which check writes only for a run without an update", check.NoStrategy, r.Update)
	case r.QueueBound == 0:
		return "queue_bound: missing, or 0 (check writes the capacity, at least 1)"
	case r.QueueBound < 0:
		return fmt.Sprintf("queue_bound: must be at least 1, got %d", r.QueueBound)
	}
	if at, err := statespace.ParseUpdateAt(r.UpdateAt); err != nil {
		return fmt.Sprintf("update_at: %v", err)
	} else if at.String() != r.UpdateAt {
		// (step:+3 or step:07: a flag's spelling, not check's)
		return fmt.Sprintf("update_at: %q, where check writes %s", r.UpdateAt, at)
	}
	for _, p := range r.Skip {
		if !slices.Contains(properties.Names, p) {
			return fmt.Sprintf("skip: unknown property %q (known: %s)", p, strings.Join(properties.Names, ", "))
		}
	}
	for i, p := range r.Skip {
		if slices.Contains(r.Skip[:i], p) {
			// (found by a tester: check lists each property once)
			return fmt.Sprintf("skip: %s listed twice, where check lists each property once", p)
		}
	}
	return ""
}

// inconsistent says how a report's run is one check could not have
// written, beyond its fields' types ("" if it could have): found by a
// tester, an empty strategy replayed as uncoordinated, an empty update as
// the model's only one, and a skipped property's violation replayed. A
// strategy, a property or a rule this mcheck does not know, check never
// writes either. (An update the model no longer has is a model that
// changed: the run is no longer a run of it, exit 1.)
func (r *savedRun) inconsistent() string {
	if msg := r.runInconsistent(); msg != "" {
		return msg
	}
	if !slices.Contains(properties.Names, r.Property) {
		what := fmt.Sprintf("unknown property %q", r.Property)
		if r.Property == "" {
			what = "the violation names no property"
		}
		return fmt.Sprintf("property: %s (known: %s)", what, strings.Join(properties.Names, ", "))
	}
	if r.CycleStart < 0 || r.CycleStart > len(r.Path) {
		// check writes 0 (no lasso) or a step of the path; only a step
		// where the violation is always a lasso (found by a tester: the
		// message offered 0, which is then refused).
		if r.Property == properties.UpdateCompletion && r.Rule == statespace.RuleNeverApplies {
			return fmt.Sprintf("cycle_start: must be a step of the path, 1 to %d, where check writes a lasso's first cycle step for every violation of %s (%s), got %d",
				len(r.Path), properties.UpdateCompletion, statespace.RuleNeverApplies, r.CycleStart)
		}
		return fmt.Sprintf("cycle_start: must be 0 (no cycle) or a step of the path, 1 to %d, got %d", len(r.Path), r.CycleStart)
	}
	if rules := properties.Rules(r.Property); r.Rule != "" && !slices.Contains(rules, r.Rule) {
		// (found by a tester: an unknown rule, or another property's,
		// was replayed as a run that no longer ends so, exit 1)
		return fmt.Sprintf("rule: %q is no rule of %s (its rules: %s)", r.Rule, r.Property, strings.Join(rules, "; "))
	}
	switch {
	// (found by a tester: each of these missing was read as empty, or as
	// its default, and replayed)
	case r.Rule == "":
		return "rule: missing, where check writes the rule of every violation"
	case r.Found == "":
		return "found: missing, where check writes what every violation found"
	case r.CycleStart > 0 && r.Property != properties.UpdateCompletion:
		return fmt.Sprintf("cycle_start: a cycle (a lasso) is a counterexample of %s only, not of %s", properties.UpdateCompletion, r.Property)
	case r.CycleStart == 0 && r.Property == properties.UpdateCompletion && r.Rule == statespace.RuleNeverApplies:
		// (found by a tester: such a report was replayed as a run that no
		// longer ends in a violation, exit 1)
		return fmt.Sprintf("cycle_start: missing or 0, where check writes a lasso's first cycle step for every violation of %s (%s)", properties.UpdateCompletion, statespace.RuleNeverApplies)
	}
	if slices.Contains(r.Skip, r.Property) {
		return fmt.Sprintf("skip: the violation's property %s is switched off there, so check could not have reported it", r.Property)
	}
	if msg := traceInconsistent(r.Trace); msg != "" {
		return msg
	}
	if r.Trace == nil {
		// (found by a tester: with the trace removed, or null, any path
		// was replayed)
		return fmt.Sprintf("trace: missing, where check writes one step a successor index of the path (%d)", len(r.Path))
	}
	if len(r.Trace) != len(r.Path) {
		// (found by a tester: a path one short was replayed, exit 1; and
		// with "trace": [], any path)
		return fmt.Sprintf("path: %d successor indices for a trace of %s, where check writes one a step", len(r.Path), steps(len(r.Trace)))
	}
	return ""
}

// maxReportBytes bounds the size of a report replay reads.
const maxReportBytes = 64 << 20

// nthViolation reads the nth counterexample (from 1) of a `check --json`
// report: every line's violation in order, each of a --continue line's
// violations (found by a tester: replay read only the first of them).
func nthViolation(path string, nth int) (*savedRun, error) {
	data, err := readFileLimited(path, "report", maxReportBytes)
	if err != nil {
		return nil, err
	}
	// A byte-order mark, as a model may begin with (found by a tester).
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxReportBytes+1)
	points := false
	seen := 0 // counterexamples before this line's
	// The whole report is read, the lines after the counterexample too:
	// a report damaged there is refused as well (found by a tester:
	// whether it was depended on where the damage was).
	var found *savedRun
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var r savedRun
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) && ute.Field == "" {
				return nil, fmt.Errorf("%s:%d: not a report of mcheck check --json: a JSON %s where check writes an object (one a line)", path, line, ute.Value)
			}
			if errors.As(err, &ute) {
				return nil, fmt.Errorf("%s:%d: not a report of mcheck check --json: field %s: a JSON %s where check writes %s", path, line, ute.Field, ute.Value, jsonKind(ute.Type))
			}
			return nil, fmt.Errorf("%s:%d: not a report of mcheck check --json: %v", path, line, err)
		}
		if k := duplicateKey(sc.Bytes()); k != "" {
			// (found by a tester: a second "verdict" appended to a line
			// won, as encoding/json lets the last of a name win)
			return nil, fmt.Errorf("%s:%d: not a report of mcheck check --json: the name %q twice in one object, where check writes each once", path, line, k)
		}
		points = points || r.Kind != "" // a row of mcheck points names its point's kind
		if r.Kind == "" && !slices.Contains([]string{"ok", "violation", "unknown"}, r.Verdict) {
			// (found by a tester: {}, null and a verdict check never writes
			// were "no violation in the report")
			what := fmt.Sprintf("verdict %q", r.Verdict)
			if r.Verdict == "" {
				what = "no verdict"
			}
			return nil, fmt.Errorf("%s:%d: not a report of mcheck check --json: %s, where check writes ok, violation or unknown", path, line, what)
		}
		if r.Kind == "" {
			if msg := r.runInconsistent(); msg != "" {
				return nil, fmt.Errorf("%s:%d: %s", path, line, msg)
			}
		}
		if r.Verdict != "violation" {
			if r.Kind == "" && r.Property != "" {
				return nil, fmt.Errorf("%s:%d: property: %q on a line whose verdict is %s, where check names a property only for a violation", path, line, r.Property, r.Verdict)
			}
			continue
		}
		if r.Violations != nil && len(r.Violations) == 0 {
			// --continue lists its first violation among the others;
			// without it there is no list (found by a tester).
			return nil, fmt.Errorf("%s:%d: not a report check could have written: a violation, and an empty violations list (a --continue run lists every violation it found, its first too)", path, line)
		}
		runs := []savedRun{r}
		if len(r.Violations) > 0 {
			// The top-level fields describe the first (found by a
			// tester: a report where they did not was replayed).
			if v := r.Violations[0]; v.Property != r.Property || v.Rule != r.Rule || !slices.Equal(v.Path, r.Path) || v.CycleStart != r.CycleStart {
				return nil, fmt.Errorf("%s:%d: not a report check could have written: its first violation (property, rule, path, cycle_start) is not the one its violations list begins with", path, line)
			}
			runs = runs[:0]
			for _, v := range r.Violations {
				x := r
				x.Property, x.Rule, x.Found, x.Path, x.Trace, x.CycleStart = v.Property, v.Rule, v.Found, v.Path, v.Trace, v.CycleStart
				runs = append(runs, x)
			}
		}
		// Every violation of the report is one check could have written,
		// not only the one replayed (found by a tester: a --continue
		// report whose second violation was damaged replayed its first).
		var raw struct {
			Path       []json.RawMessage `json:"path"`
			Violations []struct {
				Path []json.RawMessage `json:"path"`
			} `json:"violations"`
		}
		_ = json.Unmarshal(sc.Bytes(), &raw) // (read above: no error)
		for j := range runs {
			x := &runs[j]
			x.Violations = nil
			rawPath := raw.Path
			if len(r.Violations) > 0 && j < len(raw.Violations) {
				rawPath = raw.Violations[j].Path
			}
			for _, v := range rawPath {
				x.pathNull = x.pathNull || string(bytes.TrimSpace(v)) == "null"
			}
			// A violation in the initial configuration has an empty
			// path, which some reports leave out; a path left out of a
			// longer trace is a damaged report.
			if x.Path == nil && len(x.Found) > 0 && len(x.Trace) == 0 {
				x.Path = []uint32{}
			}
			which := ""
			if len(runs) > 1 {
				which = fmt.Sprintf("violation %d of the line: ", j+1)
			}
			if x.pathNull {
				return nil, fmt.Errorf("%s:%d: %spath: null among the successor indices, where check writes whole numbers", path, line, which)
			}
			if x.Path == nil {
				return nil, fmt.Errorf("%s:%d: %sthe violation has no path (the successor indices of its %s): not a whole report of mcheck check --json", path, line, which, steps(len(x.Trace)))
			}
			if msg := x.inconsistent(); msg != "" {
				return nil, fmt.Errorf("%s:%d: %s%s", path, line, which, msg)
			}
		}
		if found != nil || seen+len(runs) < nth {
			seen += len(runs)
			continue
		}
		k := nth - seen - 1
		found, seen = &runs[k], seen+len(runs)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: not a report of mcheck check --json: %v", path, err)
	}
	if found != nil {
		return found, nil
	}
	if points {
		return nil, fmt.Errorf("%s: a report of mcheck points, whose witnesses replay does not read: replay reads the output of mcheck check --json", path)
	}
	if seen > 0 {
		return nil, fmt.Errorf("%s: no counterexample %d: the report holds %d", path, nth, seen)
	}
	return nil, fmt.Errorf("%s: no violation in the report", path)
}

// traceInconsistent checks the fields replay reads of a trace's steps:
// each an object whose step, thread and kind are there, of their types
// (and a choose's what, with its option),
// and whose step numbers count from 1 (found by a tester: a step numbered
// 9 among 1 to 7, or a thread or kind given as a number, replayed as if
// right).
func traceInconsistent(trace []json.RawMessage) string {
	for i, raw := range trace {
		if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
			return fmt.Sprintf("trace: step %d is %s, where check writes an object", i+1, t)
		}
		var st struct {
			Step   *int    `json:"step"`
			Thread *string `json:"thread"`
			Kind   *string `json:"kind"`
			What   *string `json:"what"` // a choose's option (chosen)
		}
		if err := json.Unmarshal(raw, &st); err != nil {
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) {
				return fmt.Sprintf("trace: field %s of step %d: a JSON %s where check writes %s", ute.Field, i+1, ute.Value, jsonKind(ute.Type))
			}
			return fmt.Sprintf("trace: step %d: %v", i+1, err)
		}
		switch {
		case st.Step == nil || *st.Step != i+1:
			n := "no step number"
			if st.Step != nil {
				n = fmt.Sprintf("the number %d", *st.Step)
			}
			return fmt.Sprintf("trace: step %d has %s, where check numbers a trace's steps from 1", i+1, n)
		case st.Thread == nil || *st.Thread == "":
			return fmt.Sprintf("trace: step %d has no thread, where check names one (- for a step of no thread)", i+1)
		case st.Kind == nil || *st.Kind == "":
			return fmt.Sprintf("trace: step %d has no kind, where check gives each step one", i+1)
		case !statespace.IsStepKind(*st.Kind):
			// (found by a tester: replayed, and said to name another run)
			return fmt.Sprintf("trace: step %d has the kind %q, which check never writes", i+1, *st.Kind)
		case *st.Kind == "choose" && (st.What == nil || chosen(*st.What) == ""):
			return fmt.Sprintf("trace: step %d, a choose, does not say which option it took (what: \"chooses V (option K of N)\" or \"chooses option K of N\", as check writes it)", i+1)
		case *st.Kind == "choose" && !optionInRange(*st.What):
			// (found by a tester: "option 0 of 2" was said to name
			// another run, exit 1)
			return fmt.Sprintf("trace: step %d, a choose, took %s, where check numbers a choose's options from 1 to their number", i+1, strings.TrimSuffix(chosen(*st.What), ")"))
		}
	}
	return ""
}

// jsonKind says what a report field of Go type t holds, for a message.
func jsonKind(t reflect.Type) string {
	if t == reflect.TypeFor[json.RawMessage]() {
		return "an object" // a trace step
	}
	switch t.Kind() {
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		return fmt.Sprintf("a whole number from 0 to %d", uint64(1)<<(8*t.Size())-1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list, each " + jsonKind(t.Elem())
	}
	return "an object"
}

// duplicateKey returns a name that some object of the JSON value b (valid
// JSON) holds twice, or "".
func duplicateKey(b []byte) string {
	d := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token of an object is a name
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if k, ok := tok.(string); ok {
				if top.keys[k] {
					return k
				}
				top.keys[k] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value done: an object's next token is a name.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}
