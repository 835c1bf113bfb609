package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/mcheck/mcheck/check"
	"github.com/mcheck/mcheck/model"
	"github.com/mcheck/mcheck/statespace"
)

func init() {
	register(&command{name: "simulate", summary: "random walks through a model too large to explore; violations found are shrunk", run: runSimulate, signals: true})
}

// simFlags are the flags of `mcheck simulate`; those it shares with check
// live in checkFlags, and are validated by checkFlags.plan.
type simFlags struct {
	checkFlags
	seed         uint64
	depth        int
	runs         int64
	duration     time.Duration
	scheduler    string
	swarm        int
	shrink       bool
	shrinkStates int64
	shrinkBudget int64
	rawTrace     bool
}

func (f *simFlags) register(fs *pflag.FlagSet) {
	f.store = ""
	listVar(fs, &f.strategy, "strategy", "all", "coordination strategies: all, or a comma-separated list of "+strings.Join(statespace.StrategyNames(), ", ")+" (repeatable: the lists add up)")
	listVar(fs, &f.update, "update", "", "the update to check, or a comma-separated list (default: every update in the model, one after another; repeatable: the lists add up)")
	fs.StringVar(&f.updateAt, "update-at", "any", "when the update is introduced: any (every moment), never, or step:K (after exactly K steps)")
	fs.IntVar(&f.queueBound, "queue-bound", check.DefaultQueueBound, "capacity of the global queue, at least 1: a send is not enabled while this many messages are queued")
	skipVar(fs, &f.skip)
	fs.IntVar(&f.workers, "workers", 0, "walks run in parallel (default: the number of cores); the result does not depend on it")
	fs.BoolVar(&f.jsonOut, "json", false, "print one JSON object per (update, strategy) simulation, one per line")
	fs.StringVar(&f.trace, "trace", "text", "counterexample format: text, msc (message sequence chart) or json")
	fs.BoolVar(&f.coverage, "coverage", false, "after each simulation, list what no walk exercised: communication, choose, session-start and update-point places never performed, local-type states never reached, source lines never run")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the first walk; walk i uses seed+i")
	fs.IntVar(&f.depth, "depth", statespace.DefaultSimDepth, "the most steps a walk takes")
	fs.Int64Var(&f.runs, "runs", statespace.DefaultSimRuns, "walks per strategy (with --time alone: as many as fit)")
	fs.DurationVar(&f.duration, "time", 0, "time per strategy, e.g. 30s or 5m (0: no limit); with --runs, whichever comes first")
	fs.StringVar(&f.scheduler, "scheduler", "thread", "how a walk picks its next step: thread (a thread uniformly among those that can move, then one of its steps) or move (uniformly among all steps)")
	fs.IntVar(&f.swarm, "swarm", 0, "vary the walks over N swarm members (scheduler, depth, and how often a thread keeps the turn), 0 to 1048576; 0: every walk alike")
	fs.BoolVar(&f.shrink, "shrink", true, "look for a shorter run to each violation found (bounded BFS, then delta debugging)")
	fs.Int64Var(&f.shrinkStates, "shrink-states", statespace.DefaultShrinkStates, "configurations the shrinking BFS may store")
	fs.Int64Var(&f.shrinkBudget, "shrink-budget", statespace.DefaultShrinkBudget, "configurations delta debugging may replay while shrinking (0: no delta debugging)")
	fs.BoolVar(&f.rawTrace, "raw-trace", false, "also print the walk's own run, before shrinking")
	fs.StringVar(&f.progress, "progress", "auto", "progress on stderr (walks, steps, distinct configurations): auto (a bar when stderr is a terminal, without --json), on (always, --json too: lines each second when stderr is not a terminal) or off")
}

// simPlan is the validated form of the flags.
type simPlan struct {
	*checkPlan
	sched statespace.Scheduler
}

func (f *simFlags) plan(fs *pflag.FlagSet) (*simPlan, error) {
	cp, err := f.checkFlags.plan()
	if err != nil {
		return nil, err
	}
	p := &simPlan{checkPlan: cp}
	if p.sched, err = statespace.ParseScheduler(f.scheduler); err != nil {
		return nil, fmt.Errorf("--scheduler: %v", err)
	}
	switch {
	case f.depth < 1:
		return nil, fmt.Errorf("--depth must be at least 1, got %d", f.depth)
	case f.runs < 0:
		return nil, fmt.Errorf("--runs must not be negative, got %d", f.runs)
	case f.duration < 0:
		return nil, fmt.Errorf("--time must not be negative, got %s", f.duration)
	case f.runs == 0 && f.duration == 0:
		return nil, errors.New("--runs 0 needs a --time: the walks would never end")
	case f.swarm < 0 || f.swarm > 1<<20:
		return nil, fmt.Errorf("--swarm must be between 0 and %d, got %d", 1<<20, f.swarm)
	case f.shrinkStates < 1:
		return nil, fmt.Errorf("--shrink-states must be at least 1, got %d", f.shrinkStates)
	case f.shrinkBudget < 0:
		return nil, fmt.Errorf("--shrink-budget must not be negative, got %d", f.shrinkBudget)
	}
	if f.duration > 0 && !fs.Changed("runs") {
		f.runs = 0 // --time alone: as many walks as fit
	}
	return p, nil
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("simulate", pflag.ContinueOnError)
	var f simFlags
	f.register(fs)
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "usage: mcheck simulate [flags] MODEL.dsu")
		fmt.Fprintln(w, "\nWalks the model at random under each coordination strategy, for models too large")
		fmt.Fprintln(w, "to explore exhaustively: every step of every configuration a walk passes is checked")
		fmt.Fprintln(w, "as `mcheck check` checks it. The first violation found is reported, then shrunk:")
		fmt.Fprintln(w, "a bounded BFS and delta debugging look for a shorter run to the same violation (same")
		fmt.Fprintln(w, "property and rule), and the report says whether the run printed is known to be the")
		fmt.Fprintln(w, "shortest. The same seed gives the same walks and result, whatever --workers is (with")
		fmt.Fprintln(w, "--time, how many walks fit varies). The default scheduler is thread: each step, a")
		fmt.Fprintln(w, "thread that can move is picked uniformly (the update's introduction and the barrier's")
		fmt.Fprintln(w, "release count as one more), then one of its steps; move picks uniformly among all")
		fmt.Fprintln(w, "steps, which favours threads with many enabled steps. Finding no violation proves")
		fmt.Fprintln(w, "nothing.")
		fmt.Fprintf(w, "\nflags:\n%s", fs.FlagUsages())
		fmt.Fprintln(w, "\nExit status: 1 violation found, 4 no violation found (a simulation is never exhaustive), 2 bad input or usage, 3 failure, interrupted, or the output could not be written.")
	}
	if status, done := parseFlags("simulate", fs, args, usage, stdout, stderr); done {
		return status
	}
	path, ok := oneArg("simulate", fs.Args(), stderr)
	if !ok {
		return exitUsage
	}
	plan, err := f.plan(fs)
	if err != nil {
		fmt.Fprintf(stderr, "mcheck simulate: %v\n", err)
		return exitUsage
	}
	// Before the model loads: a signal then is an interruption too.
	ctx, stop := interruptible("simulate", stderr)
	defer stop()
	m, _, status := loadModel(ctx, "simulate", path, f.update, stderr)
	if status != exitOK {
		return status
	}
	noteIdleSettings("simulate", m, f.jsonOut, f.updateAt, f.strategy, stderr)

	done := 0
	var lastUpdate *model.Update
	jp := &jobProgress{f: &f.checkFlags, stderr: stderr}
	opts := check.SimOptions{
		Progress: func(j *check.Job, sp statespace.SimProgress) {
			if bar := jp.of(j); bar != nil {
				bar.updateWalks(sp)
			}
		},
		Finished:   jp.finished,
		Strategies: plan.strategies, Update: f.update, UpdateAt: plan.updateAt, QueueBound: f.queueBound, Skip: f.skip,
		Walks: statespace.SimOptions{Seed: f.seed, Depth: f.depth, Runs: f.runs, Time: f.duration, Workers: f.workers,
			Scheduler: plan.sched, Swarm: f.swarm, Coverage: f.coverage},
		Shrink: f.shrink, ShrinkStates: f.shrinkStates, ShrinkBudget: f.shrinkBudget,
		Done: func(o *check.SimOutcome) {
			r := simReportOf(path, o)
			if f.jsonOut {
				writeSimJSON(stdout, r, &f)
			} else {
				writeSimRun(stdout, r, &f, done == 0 || o.Update != lastUpdate, done == 0)
			}
			done, lastUpdate = done+1, o.Update
		},
	}
	if f.shrinkBudget == 0 {
		opts.ShrinkBudget = -1 // no delta debugging
	}
	outs, err := check.Simulate(ctx, m, opts)
	planned := check.Options{Strategies: opts.Strategies, Update: opts.Update, QueueBound: opts.QueueBound, Skip: opts.Skip} // what was planned, for notRun
	var runs []*simReport
	for _, o := range outs {
		runs = append(runs, simReportOf(path, o))
	}
	if err != nil {
		fmt.Fprintf(stderr, "mcheck simulate: %v\n", err)
		notRun(stdout, stderr, f.jsonOut, "simulate", m, planned, len(runs), whyFailed("simulate"))
		return exitFailure
	}
	if !f.jsonOut && len(runs) > 0 {
		fmt.Fprintln(stdout)
		writeSimSummary(stdout, runs, &f)
	}
	cut := cutShort(ctx, m, planned, len(runs))
	// Where it stopped (status says it), then what it did not start, as
	// check (a tester: with --json the two came the other way round).
	status = simStatus(runs, stderr)
	if len(runs) > 0 && runs[len(runs)-1].res.Interrupted || cut {
		notRun(stdout, stderr, f.jsonOut, "simulate", m, planned, len(runs), whyInterrupted)
	}
	if cut && status == exitBounded {
		return exitFailure // interrupted: nothing is proved, and not all ran
	}
	return status
}

// simStatus is the exit status of the walks (walkStatus).
func simStatus(runs []*simReport, stderr io.Writer) int {
	var ws []walkRun
	for _, r := range runs {
		ws = append(ws, walkRun{violation: r.res.Violation != nil, interrupted: r.res.Interrupted,
			done: plural(r.res.Runs, "walk"), update: r.update, strategy: r.strategy})
	}
	return walkStatus("simulate", ws, stderr)
}

// walkRun is what the exit status of a run that samples the state space
// (simulate, swarm) depends on.
type walkRun struct {
	violation, interrupted bool
	done                   string // what was done before an interruption ("12 walks")
	update                 *model.Update
	strategy               string
}

// walkStatus is the exit status of sampling runs: 1 if a violation was
// found, 3 if interrupted without one (each interruption is said on
// stderr), else 4 (nothing is proved).
func walkStatus(cmd string, runs []walkRun, stderr io.Writer) int {
	status := exitBounded
	interrupted := false
	for _, r := range runs {
		if r.violation {
			status = exitViolation
		}
		if r.interrupted {
			interrupted = true
			fmt.Fprintf(stderr, "mcheck %s: interrupted after %s (%s, %s)\n", cmd, r.done, updateName(r.update), r.strategy)
		}
	}
	if interrupted && status != exitViolation {
		return exitFailure
	}
	return status
}

// simReport is one (update, strategy) simulation, for printing.
type simReport struct {
	model      string
	update     *model.Update
	strategy   string
	queueBound int
	res        *statespace.SimResult
	prog       *statespace.Program
}

func simReportOf(path string, o *check.SimOutcome) *simReport {
	s := o.Strategy
	if s == "" {
		s = check.NoStrategy
	}
	return &simReport{model: path, update: o.Update, strategy: s, queueBound: o.QueueBound, res: o.Result, prog: o.Program}
}

// shown is the violation printed: the shrunk run if there is one.
func (r *simReport) shown() *statespace.Violation {
	if sh := r.res.Shrunk; sh != nil && sh.Violation != nil {
		return sh.Violation
	}
	return r.res.Violation
}

// writeSimRun prints one simulation's result as soon as it is known.
func writeSimRun(w io.Writer, r *simReport, f *simFlags, newUpdate, first bool) {
	if !first {
		fmt.Fprintln(w)
	}
	if newUpdate {
		fmt.Fprintf(w, "%s\n", setupLine(r.model, r.update, r.queueBound, f.updateAt, f.strategy, f.skip))
		fmt.Fprintf(w, "simulation: %s\n\n", simSetup(f))
	}
	res := r.res
	if res.Violation == nil {
		fmt.Fprintf(w, "%s: no violation in %s; this is NOT exhaustive: a simulation proves nothing\n", r.strategy, walksDone(res))
	} else {
		writeSimViolation(w, r, f)
	}
	pad := strings.Repeat(" ", len(r.strategy))
	if r.update != nil && !res.Introduced {
		// Found by a tester: "after every walk ended" was said of walks
		// --depth cut.
		fmt.Fprintf(w, "%s  no walk introduced the update (%s): this says nothing about the update\n", pad,
			notTaken(f.updateAt, res.TimedOut, "every walk ended, or was cut by --depth, before that step",
				"--time ended the walks before any took the introduction", "no walk took the introduction among the steps it could take"))
	}
	if res.CapacityHits > 0 {
		// Visits, not distinct configurations (found by a tester: "in
		// 100 configurations passed" where 4 distinct ones were).
		fmt.Fprintf(w, "%s  the queue capacity held back a send at %s to configurations (one visited twice counts twice)\n", pad, plural(res.CapacityHits, "visit"))
	}
	if res.TimedOut {
		fmt.Fprintf(w, "%s  --time %s ended the walks\n", pad, f.duration)
	}
	if u := res.Unreached; u != nil {
		writeSimUnreached(w, r, u)
	}
}

// simSetup says how the walks were walked.
func simSetup(f *simFlags) string {
	var budget string
	switch {
	case f.runs > 0 && f.duration > 0:
		budget = fmt.Sprintf("up to %s or %s", plural(f.runs, "walk"), f.duration)
	case f.runs > 0:
		budget = plural(f.runs, "walk")
	default:
		budget = fmt.Sprintf("walks for %s", f.duration)
	}
	s := fmt.Sprintf("seed %d, %s of up to %s each, scheduler %s", f.seed, budget, steps(f.depth), f.scheduler)
	if f.swarm > 0 {
		s += fmt.Sprintf(", a swarm of %d", f.swarm)
	}
	return s
}

// walksDone summarises the walks of a simulation.
func walksDone(res *statespace.SimResult) string {
	s := fmt.Sprintf("%s (%s, %s, the longest %d", plural(res.Runs, "walk"), plural(res.Steps, "step"), distinctNote(res), res.Deepest)
	if res.Ended > 0 {
		s += fmt.Sprintf("; %d reached a configuration with no step", res.Ended)
	}
	if res.Cut > 0 {
		if res.Cut == 1 {
			s += "; 1 stopped at its depth"
		} else {
			s += fmt.Sprintf("; %d stopped at their depth", res.Cut)
		}
	}
	s += ")"
	if res.Partial > 0 {
		why := "the interruption"
		if res.TimedOut {
			why = "--time"
		}
		s += fmt.Sprintf(", and %s cut short by %s (%s, counted in what the walks passed)", plural(res.Partial, "walk"), why, plural(res.PartialSteps, "step"))
	}
	return s
}

// distinctNote says how many distinct configurations the walks passed.
func distinctNote(res *statespace.SimResult) string {
	if res.DistinctCapped {
		return fmt.Sprintf("at least %d distinct configurations passed", res.Distinct)
	}
	return plural(res.Distinct, "distinct configuration") + " passed"
}

// distinctCell is the summary's distinct column.
func distinctCell(res *statespace.SimResult) string {
	if res.DistinctCapped {
		return fmt.Sprintf(">= %d", res.Distinct)
	}
	return fmt.Sprint(res.Distinct)
}

// shrinkNote says how the run printed relates to the walk's and whether it
// is known to be shortest.
func shrinkNote(res *statespace.SimResult) string {
	return shrinkNoteOf(res.Violation, res.Shrunk, "walk")
}

// shrinkNoteOf says how the run printed relates to the one found (v, by a
// walk or a search: whose) and whether it is known to be shortest.
func shrinkNoteOf(v *statespace.Violation, sh *statespace.ShrinkResult, whose string) string {
	n := len(v.Path)
	if sh == nil {
		return steps(n) + ", as found; not shrunk"
	}
	s := steps(len(sh.Violation.Path))
	if sh.Method != "" {
		s += fmt.Sprintf(", shrunk by %s from the %s's %d", sh.Method, whose, n)
	} else {
		s += ", as found"
	}
	switch {
	case sh.Shortest:
		s += "; shortest: no run to this violation is shorter"
	case sh.AtLeast > 0:
		s += fmt.Sprintf("; not known to be shortest: every run to it has at least %s", steps(sh.AtLeast))
	default:
		s += "; not known to be shortest"
	}
	return s
}

// shrinkHow says what shrinking did ("" when it did not run).
func shrinkHow(v *statespace.Violation, sh *statespace.ShrinkResult, whose string) string {
	switch {
	case sh != nil && sh.Err != nil:
		return fmt.Sprintf("failed (%v); the run printed is the %s's", sh.Err, whose)
	case sh != nil && len(v.Path) > 0:
		how := fmt.Sprintf("a BFS stored %s%s", plural(sh.BFSStates, "configuration"), cutNote(sh.BFSCut, " (the --shrink-states cap)"))
		if sh.BFSErr != nil {
			how = fmt.Sprintf("the BFS failed after %s (%v)", plural(sh.BFSStates, "configuration"), sh.BFSErr)
		}
		if sh.Tries > 0 || sh.OutOfBudget {
			how += fmt.Sprintf("; delta debugging replayed %d shorter candidate runs%s", sh.Tries, cutNote(sh.OutOfBudget, " (--shrink-budget spent)"))
		}
		if sh.Interrupted {
			how += "; cut short by the interruption"
		}
		return how
	}
	return ""
}

// writeWalkFault prints what a violation found by walks or a swarm is:
// its thread (every one at fault when several, as check's threads: line; a
// tester found them missing), action, expected and found.
func writeWalkFault(w io.Writer, v *statespace.Violation) {
	if v.Thread != "" {
		fmt.Fprintf(w, "  thread:   %s\n", v.Thread)
	}
	if len(v.Threads) > 1 {
		fmt.Fprintf(w, "  threads:  %s\n", strings.Join(v.Threads, ", "))
	}
	fmt.Fprintf(w, "  action:   %s\n", v.Action)
	fmt.Fprintf(w, "  expected: %s\n", v.Expected)
	fmt.Fprintf(w, "  found:    %s\n", v.Found)
}

func writeSimViolation(w io.Writer, r *simReport, f *simFlags) {
	res := r.res
	v := r.shown()
	fmt.Fprintf(w, "%s: %s violation — %s\n", r.strategy, v.Property, v.Rule)
	fmt.Fprintf(w, "  found by:  %s at step %d, after %s\n", res.Found, len(res.Violation.Path), walksDone(res))
	if how := shrinkHow(res.Violation, res.Shrunk, "walk"); how != "" {
		fmt.Fprintf(w, "  shrinking: %s\n", how)
	}
	writeWalkFault(w, v)
	writeLateSession(w, r.prog, r.strategy, v)
	if f.rawTrace && res.Shrunk != nil && res.Shrunk.Method != "" {
		fmt.Fprintf(w, "  the walk's own run (%s):\n", steps(len(res.Violation.Trace)))
		writeSimTrace(w, r, res.Violation.Trace, f.trace)
	}
	fmt.Fprintf(w, "  trace (%s):\n", shrinkNote(res))
	writeSimTrace(w, r, v.Trace, f.trace)
	fmt.Fprintf(w, "  final configuration:\n")
	for _, line := range strings.Split(v.Final, "\n") {
		fmt.Fprintf(w, "    %s\n", line)
	}
}

func cutNote(cut bool, note string) string {
	if cut {
		return note
	}
	return ""
}

// writeSimTrace prints a trace as check prints one.
func writeSimTrace(w io.Writer, r *simReport, trace []statespace.TraceStep, format string) {
	switch format {
	case "json":
		b, _ := json.MarshalIndent(trace, "  ", "  ")
		fmt.Fprintf(w, "  %s\n", b)
	case "msc":
		writeMSC(w, r.prog, trace, 0)
		fmt.Fprintln(w, mscLegend)
	default:
		d := stepDigits(trace)
		for _, s := range trace {
			fmt.Fprintf(w, "  %*d  %-10s %s\n", d, s.Step, s.Thread, s.Action)
			fmt.Fprintf(w, "  %*s  %-10s queue %s\n", d, "", "", s.Queue)
		}
	}
}

// notTaken says why no run of a simulation or a swarm introduced the
// update, by --update-at: never; step:K (beyond, the reason given); any,
// with --time ending the runs (timedOut) or not (found by a tester: the
// step:K wording was given for any).
func notTaken(updateAt string, timedOut bool, beyond, timeUp, notChosen string) string {
	switch {
	case updateAt == "never":
		return "--update-at never"
	case strings.HasPrefix(updateAt, "step:"):
		return "--update-at " + updateAt + ": " + beyond
	case timedOut:
		return timeUp
	}
	return notChosen
}

// writeSimUnreached lists what no walk exercised (--coverage).
func writeSimUnreached(w io.Writer, r *simReport, u *statespace.Unreached) {
	writeUnreachedBy(w, r.model, r.strategy, u, "walk", "walks are samples")
}

// writeUnreachedBy lists what no walk or search (one) exercised; why says
// why that is no proof.
func writeUnreachedBy(w io.Writer, model, strategy string, u *statespace.Unreached, one, why string) {
	if len(u.Actions) == 0 && len(u.States) == 0 && len(u.Lines) == 0 {
		lines := ""
		if u.Lines != nil {
			lines = ", every source line run"
		}
		fmt.Fprintf(w, "%s: coverage: every communication, choose, session and update place was performed and every local-type state reached%s by some %s\n", strategy, lines, one)
		return
	}
	fmt.Fprintf(w, "%s: coverage: never exercised by any %s (%s: this is what they missed, not what cannot happen):\n", strategy, one, why)
	for _, a := range u.Actions {
		fmt.Fprintf(w, "  never performed: %s\n", a)
	}
	for _, s := range u.States {
		fmt.Fprintf(w, "  never reached:   %s\n", s)
	}
	for _, l := range u.Lines {
		fmt.Fprintf(w, "  never ran:       %s\n", neverRan(model, l))
	}
}

// writeSimSummary prints one row per simulation.
func writeSimSummary(w io.Writer, runs []*simReport, f *simFlags) {
	at := ", update introduced: " + f.updateAt
	if runs[0].update == nil {
		at = ""
	}
	fmt.Fprintf(w, "summary: model %s, queue capacity %d%s; %s\n\n", filepath.ToSlash(runs[0].model), runs[0].queueBound, at, simSetup(f))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "update\tstrategy\tverdict\tproperty\twalks\tsteps\tdistinct\tlongest\tseconds\ttrace\tfound at\tshortest\t")
	for _, r := range runs {
		res := r.res
		verdict, prop, trace, at, shortest := "ok?", "-", "-", "-", "-"
		if v := res.Violation; v != nil {
			verdict, prop, at = "VIOLATION", v.Property, fmt.Sprint(len(v.Path))
			trace = fmt.Sprint(len(r.shown().Path))
			shortest = "?"
			if sh := res.Shrunk; sh != nil && sh.Shortest {
				shortest = "yes"
			} else if sh != nil && sh.AtLeast > 0 {
				shortest = fmt.Sprintf(">= %d", sh.AtLeast)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\t%.3f\t%s\t%s\t%s\t\n", updateName(r.update), r.strategy, verdict, prop,
			res.Runs, res.Steps, distinctCell(res), res.Deepest, res.Elapsed.Seconds(), trace, at, shortest)
	}
	tw.Flush()
	anyOK := slices.ContainsFunc(runs, func(r *simReport) bool { return r.res.Violation == nil })
	anyUpdate := slices.ContainsFunc(runs, func(r *simReport) bool { return r.update != nil })
	fmt.Fprintln(w, walkLegend("ok?: no violation in the walks, nothing proved", "walks", anyOK, anyUpdate,
		"distinct: the distinct configurations the walks passed; trace: the steps of the run printed; found at: the steps of the walk that found it; "+shortestLegend))
}

// jsonSim is the JSON form of one simulation. Its common fields are those
// of check's (so that `mcheck replay` re-runs its path, the shrunk run).
type jsonSim struct {
	Model      string                 `json:"model"`
	Update     string                 `json:"update"`
	Strategy   string                 `json:"strategy"`
	Verdict    string                 `json:"verdict"`
	Exhaustive bool                   `json:"exhaustive"`
	Search     string                 `json:"search"`
	QueueBound int                    `json:"queue_bound"`
	Property   string                 `json:"property"`
	Rule       string                 `json:"rule,omitempty"`
	Thread     string                 `json:"thread,omitempty"`
	Threads    []string               `json:"threads,omitempty"` // as check's
	Action     string                 `json:"action,omitempty"`
	Expected   string                 `json:"expected,omitempty"`
	Found      string                 `json:"found,omitempty"`
	Trace      []statespace.TraceStep `json:"trace"`
	Final      string                 `json:"final,omitempty"`
	Note       string                 `json:"note,omitempty"` // the text's note: (lateSessionNote)
	Path       []uint32               `json:"path,omitempty"`
	UpdateAt   string                 `json:"update_at"`
	Skip       []string               `json:"skip"`
	Introduced bool                   `json:"update_introduced"`
	Partial    int64                  `json:"partial_walks"` // cut short by --time or an interruption, not among walks
	PartialSt  int64                  `json:"partial_steps"`
	Seconds    float64                `json:"seconds"`
	// The simulation.
	Seed       uint64 `json:"seed"`
	Scheduler  string `json:"scheduler"`
	Swarm      int    `json:"swarm"`
	Walks      int64  `json:"walks"`
	Steps      int64  `json:"steps"`
	Distinct   int64  `json:"distinct_configurations"`
	DistinctAL bool   `json:"distinct_at_least"` // the count stopped: at least Distinct
	Longest    int    `json:"longest_walk"`
	Ended      int64  `json:"walks_ended"`
	Cut        int64  `json:"walks_cut"`
	TimedOut   bool   `json:"timed_out"`
	// CapacityHits: the visits to configurations where the queue capacity
	// held back a send, as the text says them (found by a tester: only the
	// text did).
	CapacityHits int64    `json:"capacity_visits"`
	FoundBy      string   `json:"found_by,omitempty"`
	FoundSeed    *uint64  `json:"found_seed,omitempty"` // with a violation: seed 0 too (a tester)
	WalkPath     []uint32 `json:"walk_path,omitempty"`  // the walk's own run
	Shrunk       bool     `json:"shrunk"`
	Shortest     bool     `json:"shortest"`
	AtLeast      int      `json:"at_least_steps"`
	BFSStates    int64    `json:"shrink_bfs_states"`
	ShrinkHow    string   `json:"shrink_method,omitempty"`
	jsonShrinkStop
	jsonCoverage
}

// jsonShrinkStop says what stopped shrinking short, as the text does
// (found by a tester: only the text said it): its error (the BFS's, delta
// debugging having run without it, or shrinking's own, the run as found),
// or the interruption.
type jsonShrinkStop struct {
	ShrinkError       string `json:"shrink_error,omitempty"`
	ShrinkInterrupted bool   `json:"shrink_interrupted,omitempty"`
}

func shrinkStopOf(sh *statespace.ShrinkResult) jsonShrinkStop {
	var j jsonShrinkStop
	switch {
	case sh == nil:
	case sh.Err != nil:
		j.ShrinkError = sh.Err.Error()
	case sh.BFSErr != nil:
		j.ShrinkError = "the BFS: " + sh.BFSErr.Error()
	}
	if sh != nil {
		j.ShrinkInterrupted = sh.Interrupted
	}
	return j
}

func writeSimJSON(w io.Writer, r *simReport, f *simFlags) {
	res := r.res
	j := jsonSim{
		Model: r.model, Update: updateName(r.update), Strategy: r.strategy, Verdict: "unknown", Search: "simulation",
		QueueBound: r.queueBound, Trace: []statespace.TraceStep{}, UpdateAt: f.updateAt, Skip: skipList(f.skip),
		Introduced: res.Introduced, Seconds: res.Elapsed.Seconds(), Partial: res.Partial, PartialSt: res.PartialSteps,
		Seed: f.seed, Scheduler: f.scheduler, Swarm: f.swarm, Walks: res.Runs, Steps: res.Steps, Distinct: res.Distinct, DistinctAL: res.DistinctCapped, Longest: res.Deepest,
		Ended: res.Ended, Cut: res.Cut, TimedOut: res.TimedOut, CapacityHits: res.CapacityHits,
	}
	if res.Interrupted {
		j.Search = "interrupted" // as check's (its statistics are the walks' so far)
	}
	if res.Violation != nil {
		v := r.shown()
		j.Verdict, j.Property, j.Rule, j.Thread, j.Action, j.Expected, j.Found = "violation", v.Property, v.Rule, v.Thread, v.Action, v.Expected, v.Found
		j.Trace, j.Final, j.Path, j.Note = v.Trace, v.Final, v.Path, lateSessionNote(r.prog, r.strategy, v)
		j.Threads = v.Threads
		seed := res.Found.Seed
		j.FoundBy, j.FoundSeed, j.WalkPath = res.Found.String(), &seed, res.Violation.Path
		if sh := res.Shrunk; sh != nil {
			j.Shrunk, j.Shortest, j.AtLeast, j.BFSStates, j.ShrinkHow = sh.Method != "", sh.Shortest, sh.AtLeast, sh.BFSStates, sh.Method
			j.jsonShrinkStop = shrinkStopOf(sh)
		}
	}
	j.jsonCoverage = coverageJSON(r.model, res.Unreached)
	b, _ := json.Marshal(j)
	fmt.Fprintf(w, "%s\n", b)
}
